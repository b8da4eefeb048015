"""The PyTorch examples (examples/torch_*.py): each runs unchanged on tinygrad_edu through `as-torch` and learns, and
when PyTorch is installed the same file under real torch prints the same losses.

Both libraries start from the same weights and see the same batches (the scripts draw both with NumPy), and the
parity runs use float64 without dropout (dropout's masks come from each library's own generator). What remains
is rounding: the libraries add the terms of a matmul, a convolution or a mean in different orders, about 1e-16
relative per operation, and training carries those differences through every step. Over these few steps the
two agree in all 12 printed decimals (measured on the development machine); rtol 1e-9 leaves room for other BLAS
builds, while a real difference (a wrong gradient, a different initialisation, an optimizer or BatchNorm
detail) changes the losses from the first printed step at the 1e-3 level or more.
"""

from __future__ import annotations

import functools
import importlib.util
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
RTOL = 1e-9  # see the module docstring

# script: arguments that keep it to a couple of seconds on tinygrad_edu
QUICK = {
    "torch_cnn_digits.py": ["--steps", "40", "--print-every", "10", "--dropout", "0", "--dtype", "float64"],
    "torch_char_lm.py": ["--steps", "120", "--print-every", "20", "--dtype", "float64", "--samples", "3"],
    "torch_char_transformer.py": [
        *("--steps", "60", "--print-every", "10", "--dtype", "float64", "--dropout", "0", "--samples", "3")
    ],
}
CHAR_MODELS = ["torch_char_lm.py", "torch_char_transformer.py"]


def run(command: list[str]) -> str:
    done = subprocess.run(command, cwd=EXAMPLES.parent, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    return done.stdout


@functools.cache
def quick_run_on_tinygrad_edu(script: str) -> str:
    """The output of the QUICK run of examples/SCRIPT through as-torch, run once for all the tests that read it."""
    return run([sys.executable, "-m", "tinygrad_edu", "as-torch", f"examples/{script}", *QUICK[script]])


def losses(output: str) -> np.ndarray:
    """The numbers after 'loss' in each printed line (training losses, then the validation loss if any)."""
    return np.array([float(x) for x in re.findall(r"loss\s+([-+\d.e]+)", output)])


@pytest.mark.parametrize("script", QUICK)
def test_runs_unchanged_on_tinygrad_edu_and_learns(script):
    output = quick_run_on_tinygrad_edu(script)
    found = losses(output)
    assert len(found) >= 3 and np.all(np.isfinite(found))
    assert found[-2] < 0.9 * found[0]  # the last training loss is below the first


@pytest.mark.parametrize("script", CHAR_MODELS)
def test_char_models_beat_guessing_on_held_out_words(script):
    output = quick_run_on_tinygrad_edu(script)
    assert losses(output)[-1] < np.log(18) - 0.5  # uniform guessing over the 18 characters costs log(18) = 2.89


def test_cnn_says_where_its_digits_came_from_and_classifies_them():
    output = run([sys.executable, "-m", "tinygrad_edu", "as-torch", "examples/torch_cnn_digits.py", "--steps", "60"])
    has_sklearn = importlib.util.find_spec("sklearn") is not None
    source = "scikit-learn's digits" if has_sklearn else "a stand-in (scikit-learn is not installed)"
    assert f"data: {source}, 1497 training and 300 test images" in output
    accuracy = float(re.search(r"test accuracy ([\d.]+)", output).group(1))
    assert accuracy > 0.8  # chance is 0.1; dropout on, evaluated in eval() mode


@pytest.mark.parametrize("script", CHAR_MODELS)
def test_char_models_sample_words_of_their_alphabet(script):
    output = quick_run_on_tinygrad_edu(script)
    samples = [line.removeprefix("sample: ") for line in output.splitlines() if line.startswith("sample: ")]
    assert len(samples) == 3 and all(set(word) <= set("adehijklmnorstuvy") for word in samples)


@pytest.mark.parametrize("script", QUICK)
def test_real_torch_prints_the_same_losses(script):
    pytest.importorskip("torch")
    ours = quick_run_on_tinygrad_edu(script)
    theirs = run([sys.executable, f"examples/{script}", *QUICK[script]])
    assert len(losses(ours)) == len(losses(theirs)) >= 3
    np.testing.assert_allclose(losses(ours), losses(theirs), rtol=RTOL)
