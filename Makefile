# Quickstart targets: each creates .venv and installs what it needs on a fresh machine.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: demo test bench check clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e ".[test]"
	touch $(STAMP)

demo: $(STAMP)  ## train the XOR network and print loss and predictions
	$(PY) -m tinygrad_edu demo

test: $(STAMP)  ## run the whole test suite
	$(PY) -m pytest

check: $(STAMP)  ## reproduce the four tutorials and compare gradients
	$(PY) -m tinygrad_edu check

bench: $(STAMP)  ## quick benchmark against hand-written NumPy
	$(PY) -m tinygrad_edu bench

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .hypothesis
