"""Course programs (tests/course_programs/*.py) run unchanged through `as-torch`, and print what real PyTorch prints.

Each script is a short PyTorch program written with the idioms from-scratch courses use (a bigram counting LM, an
MLP LM with hand-made parameters, batchnorm and backprop by hand, a char-level GPT block, d2l's linear
regression, d2l's char-level LSTM with truncated backpropagation through time). The data and starting weights come
from NumPy, so both libraries compute from the same numbers; what a script draws with torch's own generator it
prints only as shapes, dtypes and behaviour.

Printed lines are compared token by token: numbers within float32 rounding carried through a few dozen training
steps (rtol 1e-4, and 2e-5 absolute for the values printed near 0), everything else exactly, after the two
spellings that differ by design are made one: PyTorch prints `torch.Size([2, 3])` and `torch.float32` where
tinygrad_edu's shapes are tuples and its dtypes NumPy's (the README's table of differences).
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

PROGRAMS = Path(__file__).resolve().parent / "course_programs"
HAS_TORCH = importlib.util.find_spec("torch") is not None

# script: what its output must show on tinygrad_edu whether or not PyTorch is here to compare with
EXPECTED = {
    "bigram_counts.py": [r"counts int32 \(27, 27\) 65", r"sample type int True", r"xenc float32 \(65, 27\) 27"],
    "mlp_lm.py": [r"lossi float", r"train [\d.]+ False", r"sampled True True True"],
    "batchnorm_by_hand.py": [r"running False", r"saturated float32", r"layer 5 grad mean"],
    "backprop_ninja.py": [
        r"C +\| exact: bool \| approximate: True",
        r"hprebn fused +\| exact: bool \| approximate: True",
    ],
    "gpt_block.py": [
        r"buffers \['blocks.0.sa.heads.0.tril'",
        r"grad after set_to_none True",
        r"generated \(1, 13\) int64",
    ],
    "d2l_linreg.py": [r"leaf True True True", r"batch \(10, 2\) \(10, 1\) 10"],
    "char_lstm.py": [
        r"\(rnn\): LSTM\(8, 16, num_layers=2, batch_first=True\)",
        r"forward \(4, 8\) \(4, 8, 28\) state \(2, 4, 16\) \(2, 4, 16\) float32",
        r"unbatched \(8, 16\) \(2, 16\) 0.000000",
        r"predict 'the ",
        r"gru GRUCell\(8, 16\) \(4, 8, 16\) \(1, 4, 16\) True True",
    ],
}

# script: the start of lines whose numbers differ by a documented difference (README: `tensor.data` is an ndarray,
# so `p.data.std()` is NumPy's std, which divides by n where PyTorch's divides by n - 1)
DOCUMENTED_DIFFERENCES = {"batchnorm_by_hand.py": ["ud "]}


def run(*command: str) -> str:
    done = subprocess.run(
        [sys.executable, *command], cwd=PROGRAMS.parents[1], capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


@functools.cache
def on_tinygrad_edu(script: str) -> str:
    return run("-m", "tinygrad_edu", "as-torch", str(PROGRAMS / script))


def one_spelling(line: str) -> str:
    """PyTorch's `torch.Size([2, 3])` as the tuple `(2, 3)` and `torch.float32` as `float32`."""
    line = re.sub(r"torch\.Size\(\[(\d+)\]\)", r"(\1,)", line)
    line = re.sub(r"torch\.Size\(\[([\d, ]*)\]\)", r"(\1)", line)
    return re.sub(r"torch\.(u?int\d+|float\d+|bool)\b", r"\1", line)


NUMBER = r"[-+]?\d+\.?\d*(?:e[-+]?\d+)?"


def tokens(line: str) -> list[str]:
    return re.findall(rf"{NUMBER}|[^\s\d]+", line)


def test_every_course_program_has_a_row():
    assert sorted(EXPECTED) == sorted(p.name for p in PROGRAMS.glob("*.py"))


@pytest.mark.parametrize("script", EXPECTED)
def test_runs_unchanged_through_as_torch(script):
    output = on_tinygrad_edu(script)
    for pattern in EXPECTED[script]:
        assert re.search(pattern, output), f"{script}: no line matches {pattern!r} in\n{output}"


@pytest.mark.skipif(not HAS_TORCH, reason="needs PyTorch (pip install torch) to compare with")
@pytest.mark.parametrize("script", EXPECTED)
def test_prints_what_pytorch_prints(script):
    ours = on_tinygrad_edu(script).splitlines()
    theirs = [one_spelling(line) for line in run(str(PROGRAMS / script)).splitlines()]
    assert len(ours) == len(theirs), f"{len(ours)} lines here, {len(theirs)} under PyTorch"
    for our_line, their_line in zip(ours, theirs):
        if any(our_line.startswith(start) for start in DOCUMENTED_DIFFERENCES.get(script, [])):
            continue
        a, b = tokens(our_line), tokens(their_line)
        assert len(a) == len(b), f"{our_line!r} != {their_line!r}"
        for x, y in zip(a, b):
            if re.fullmatch(NUMBER, x) and re.fullmatch(NUMBER, y):
                assert np.isclose(float(x), float(y), rtol=1e-4, atol=2e-5), f"{our_line!r} != {their_line!r}"
            else:
                assert x == y, f"{our_line!r} != {their_line!r}"
