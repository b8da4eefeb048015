# Quickstart targets: each creates .venv and installs what it needs on a fresh machine.
# `make help` lists them. PYTHON=python3.12 make test builds .venv with that Python (remaking it if needed).
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
# A stamp for each set of extras installed into .venv: a failed install leaves none, so the next make redoes it.
STAMP := $(VENV)/.installed
ALL_EXTRAS := test,parity,plot,bench,graph,examples,lint

# PYTHON given on the command line or in the environment: .venv must have been made by that Python, so the
# stamp names it (e.g. .installed-cpython-312) and a .venv made by another one is remade.
ifneq ($(filter command environment,$(origin PYTHON)),)
PYTHON_TAG := $(shell $(PYTHON) -c 'import sys; print(sys.implementation.cache_tag)' 2>/dev/null)
STAMP := $(VENV)/.installed-$(PYTHON_TAG)
endif

.DEFAULT_GOAL := help
.PHONY: help demo test test-all check bench lint clean

help:  ## list these targets
	@echo "make TARGET, one of (the first run creates .venv/ and installs what the target needs):"
	@grep -E '^[a-z-]+:.*## ' $(firstword $(MAKEFILE_LIST)) | sed -E 's/:.*## /|/' | \
		awk -F'|' '{ printf "  %-9s %s\n", $$1, $$2 }'

# Remakes .venv when it cannot run pip (e.g. an install that failed half-way) or was made by another Python
# than an explicit PYTHON; otherwise installs into the existing one, keeping the extras already there.
$(STAMP): pyproject.toml
	@if ! $(PY) -c 'import sys, pip; sys.exit("$(PYTHON_TAG)" not in ("", sys.implementation.cache_tag))' \
		2>/dev/null; then echo "making a fresh $(VENV) with $(PYTHON)"; rm -rf $(VENV); fi
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e ".[test]"
	touch $(VENV)/.installed $(VENV)/.installed-$$($(PY) -c 'import sys; print(sys.implementation.cache_tag)')

$(VENV)/.installed-all: $(STAMP)
	$(PY) -m pip install -q -e ".[$(ALL_EXTRAS)]"
	touch $@

$(VENV)/.installed-lint: $(STAMP)
	$(PY) -m pip install -q -e ".[lint]"
	touch $@

demo: $(STAMP)  ## train the XOR network and print loss and predictions
	$(PY) -m tinygrad_edu demo

test: $(STAMP)  ## run the test suite (tests that need an optional extra skip, and say so at the end)
	$(PY) -m pytest

test-all: $(VENV)/.installed-all  ## install every optional extra (PyTorch CPU, matplotlib, mypy, ...), then make test
	@$(MAKE) --no-print-directory test

check: $(STAMP)  ## reproduce the four tutorials and compare gradients
	$(PY) -m tinygrad_edu check

bench: $(STAMP)  ## quick benchmark against hand-written NumPy
	$(PY) -m tinygrad_edu bench

# All three run, so one run shows every finding; it fails if any of them does.
lint: $(VENV)/.installed-lint  ## ruff check, ruff format --check and mypy on the package
	@status=0; \
	echo "ruff check ."; $(PY) -m ruff check . || status=1; \
	echo "ruff format --check ."; $(PY) -m ruff format --check . || status=1; \
	echo "mypy (tinygrad_edu, as pyproject.toml says)"; $(PY) -m mypy || status=1; \
	exit $$status

clean:  ## remove .venv and every build and test cache
	rm -rf $(VENV) build dist *.egg-info .pytest_cache .hypothesis .mypy_cache .ruff_cache
