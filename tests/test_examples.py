"""Smoke tests of examples/: each runs in a quick setting and its output says what it promises."""

from __future__ import annotations

import importlib.util
import os
import re
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import numpy as np
import pytest

from tinygrad_edu import graph as graph_module

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def load_example(name: str) -> ModuleType:
    """Import examples/NAME.py as a module (examples/ is not a package), so its main(argv) can be called."""
    spec = importlib.util.spec_from_file_location(f"example_{name}", EXAMPLES / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def number_after(label: str, text: str) -> float:
    """The number printed right after `label` in `text` (a trailing % is turned into a fraction)."""
    match = re.search(re.escape(label) + r"\s*([-+\d.e]+)(%?)", text)
    assert match, f"{label!r} not in the output:\n{text}"
    value = float(match.group(1))
    return value / 100 if match.group(2) else value


def dot_counts(text: str) -> tuple[list[str], int]:
    """(node titles, number of edges) of draw_graph's DOT text."""
    titles = [label.split("\\n")[0] for label in re.findall(r'\[label="([^"]*)"', text)]
    edges = len(re.findall(r"^\s*t\d+ -> t\d+;$", text, re.MULTILINE))
    return titles, edges


# ---- xor.py -------------------------------------------------------------------------------------


def test_xor_learns_all_four_points(capsys):
    assert load_example("xor").main([]) == 0
    out = capsys.readouterr().out
    assert "4/4 correct" in out
    assert number_after("final loss", out) < 0.01


def test_xor_runs_as_a_script_from_anywhere_without_installing(tmp_path):
    env = {key: value for key, value in os.environ.items() if key != "PYTHONPATH"}
    result = subprocess.run(
        [sys.executable, str(EXAMPLES / "xor.py"), "--epochs", "100"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert "correct, final loss" in result.stdout


# Every example, in a quick setting, run as `python examples/NAME.py` from a checkout where tinygrad_edu is
# NOT importable (the installed package is hidden): each script must find the repository itself.
NOT_INSTALLED = """
import importlib.machinery, runpy, sys

class HideInstalled:  # finds tinygrad_edu only outside site-packages: where the script itself points sys.path
    @staticmethod
    def find_spec(name, path=None, target=None):
        if name != "tinygrad_edu":
            return None
        outside = [entry for entry in sys.path if "site-packages" not in entry]
        spec = importlib.machinery.PathFinder.find_spec(name, outside)
        if spec is None:
            raise ModuleNotFoundError("No module named 'tinygrad_edu'", name=name)
        return spec

sys.meta_path.insert(0, HideInstalled)
sys.argv = sys.argv[1:]
runpy.run_path(sys.argv[0], run_name="__main__")
"""
QUICK_RUNS = [
    ("xor", ["--epochs", "100"], "correct, final loss"),
    ("compiled_step", [], "compiled steps: loss"),
    ("graph", [], "digraph"),
    ("tutorials", ["--epochs", "10", "--only", "A"], "the same computation"),
]


@pytest.mark.parametrize("name, args, expected", QUICK_RUNS, ids=[run[0] for run in QUICK_RUNS])
def test_example_runs_from_a_checkout_without_installing(name, args, expected, tmp_path):
    env = {key: value for key, value in os.environ.items() if key != "PYTHONPATH"}
    hidden = subprocess.run(
        [sys.executable, "-c", NOT_INSTALLED.replace("runpy.run_path(", "import tinygrad_edu #")],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
        timeout=60,
    )
    assert "No module named 'tinygrad_edu'" in hidden.stderr, "the installed package is not hidden"
    result = subprocess.run(
        [sys.executable, "-c", NOT_INSTALLED, str(EXAMPLES / f"{name}.py"), *args],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert expected in result.stdout


# ---- tutorials.py -------------------------------------------------------------------------------


def test_tutorials_side_by_side_agree_to_rounding(capsys):
    assert load_example("tutorials").main(["--epochs", "200"]) == 0
    out = capsys.readouterr().out
    assert [f"Tutorial {name}:" in out for name in "ABCD"] == [True] * 4
    assert out.count("largest difference: loss") == 4
    assert number_after("largest difference over every tutorial:", out) <= 1e-12


def test_tutorials_side_by_side_catches_a_loss_the_update_does_not_descend(capsys, monkeypatch):
    # Tutorial B prints the mean squared error but its update descends half the summed squared error
    # (twice as large a gradient over 4 samples). Descending the printed loss instead must show up.
    tutorials = load_example("tutorials")
    monkeypatch.setitem(tutorials.LOSSES, "B", lambda p, y: ((p - y) ** 2).mean())
    assert tutorials.main(["--epochs", "50", "--only", "B"]) == 1
    out = capsys.readouterr().out
    assert number_after("largest difference over every tutorial:", out) > 1e-6


# ---- moons.py -----------------------------------------------------------------------------------


def test_moons_data_are_two_half_circles():
    moons = load_example("moons")
    points, labels = moons.make_moons(200, noise=0.0, rng=np.random.default_rng(1))
    upper, lower = points[labels == 0], points[labels == 1]
    assert len(upper) == len(lower) == 100
    # Without noise the upper moon lies on the unit circle above the x axis; the lower one on the unit
    # circle centred at (1, 1/2), below y = 1/2.
    assert np.allclose(np.hypot(upper[:, 0], upper[:, 1]), 1, atol=1e-6) and np.all(upper[:, 1] >= 0)
    assert np.allclose(np.hypot(lower[:, 0] - 1, lower[:, 1] - 0.5), 1, atol=1e-6)
    assert np.all(lower[:, 1] <= 0.5 + 1e-6)


def test_moons_quick_run_generalises(capsys, tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # as in CI: no matplotlib
    moons = load_example("moons")
    assert moons.main(["--epochs", "10", "--samples", "400", "--plot", str(tmp_path / "moons.png")]) == 0
    out = capsys.readouterr().out
    assert "80 held out" in out
    assert number_after("held-out accuracy:", out) >= 0.9
    assert "matplotlib is not installed" in out and "pip install matplotlib" in out
    assert not (tmp_path / "moons.png").exists()


def test_moons_saves_the_decision_boundary_with_matplotlib(capsys, tmp_path):
    pytest.importorskip("matplotlib")
    path = tmp_path / "moons.png"
    assert load_example("moons").main(["--epochs", "2", "--samples", "200", "--plot", str(path)]) == 0
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


# ---- digits.py ----------------------------------------------------------------------------------


def test_digits_without_scikit_learn_says_how_to_install_it(capsys, monkeypatch):
    monkeypatch.setitem(sys.modules, "sklearn", None)
    monkeypatch.setitem(sys.modules, "sklearn.datasets", None)
    assert load_example("digits").main([]) == 0
    out = capsys.readouterr().out
    assert "pip install scikit-learn" in out
    assert "accuracy" not in out


def test_digits_quick_run_with_scikit_learn(capsys):
    pytest.importorskip("sklearn")
    assert load_example("digits").main(["--epochs", "5"]) == 0
    out = capsys.readouterr().out
    assert "1437 to train on, 360 held out" in out
    assert number_after("test accuracy:", out) >= 0.9


# ---- graph.py -----------------------------------------------------------------------------------


def test_graph_prints_every_op_of_the_tutorial_loss(capsys):
    assert load_example("graph").main([]) == 0
    titles, edges = dot_counts(capsys.readouterr().out)
    # -(y log A2 + (1 - y) log(1 - A2)).mean() with A1 = sigmoid(x @ W1 + b1), A2 = sigmoid(A1 @ W2 + b2):
    ops = ["MatMul", "Add", "Sigmoid"] * 2 + ["Log", "Sub", "Log", "Mul", "Mul", "Add", "Mean", "Neg"]
    leaves = ["W1", "b1", "W2", "b2", "data", "data", "data"]  # x, y and 1 - y (no grad: a leaf)
    assert sorted(titles) == sorted(ops + leaves)
    # One edge per tensor input: two for MatMul, Add and Mul; one for the rest (the 1 of 1 - A2 is a
    # constant, not a node).
    tensor_inputs = {"MatMul": 2, "Add": 2, "Mul": 2, "Sigmoid": 1, "Log": 1, "Sub": 1, "Mean": 1, "Neg": 1}
    assert edges == sum(tensor_inputs[op] for op in ops) == 21


def test_graph_of_the_module_names_the_parameters_and_writes_a_dot_file(capsys, tmp_path):
    path = tmp_path / "xor.dot"
    assert load_example("graph").main([str(path), "--nn"]) == 0
    titles, edges = dot_counts(path.read_text(encoding="utf-8"))
    assert sorted(titles) == sorted(
        ["Linear", "Sigmoid", "Linear", "Sigmoid", "BCELoss", "data", "0.weight", "0.bias", "2.weight", "2.bias"]
    )
    assert edges == 3 + 1 + 3 + 1 + 1


def test_graph_png_without_graphviz_exits_1_saying_what_is_missing(capsys, tmp_path, monkeypatch):
    monkeypatch.setattr(
        graph_module, "_missing_graphviz", lambda: ["the Graphviz `dot` program (apt-get install graphviz)"]
    )
    assert load_example("graph").main([str(tmp_path / "xor.png")]) == 1
    assert "apt-get install graphviz" in capsys.readouterr().err
    assert not (tmp_path / "xor.png").exists()


def test_the_examples_tested_here_exist():
    assert {"xor", "tutorials", "moons", "digits", "graph"} <= {path.stem for path in EXAMPLES.glob("*.py")}
