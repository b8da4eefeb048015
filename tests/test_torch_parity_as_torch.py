"""What an as-torch script sees that is not tinygrad_edu's own, next to PyTorch 2.13: `torch.Tensor(...)`, the
legacy constructor (tinygrad_edu/torch_tensor.py), `isinstance(x, torch.Tensor)`, and `torch.Size` printed as torch
prints it.

`TorchTensor` is what as_torch makes `torch.Tensor`; the in-process tables call it directly (as_torch changes
`sys.modules` for the whole process), and one script run both ways checks the as-torch process itself.
Skipped without torch.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu.torch_tensor import TorchTensor

torch = pytest.importorskip("torch")

# (library, its torch.Tensor): each row is called with both pairs
LIBRARIES = {"tinygrad_edu": (tg, TorchTensor), "torch": (torch, torch.Tensor)}


def facts(x: Any) -> tuple[str, tuple[int, ...], list]:
    """What a script sees of a tensor: its dtype's name, its shape, its values."""
    return str(x.dtype).removeprefix("torch."), tuple(x.shape), x.tolist()


# ---- torch.Tensor(data): the default dtype, whatever the data ---------------------------------------------------

DATA: list[tuple[str, Callable[[Any, Any], Any]]] = [
    ("a list of ints", lambda lib, T: T([1, 2])),
    ("bools", lambda lib, T: T([True, False])),
    ("nested lists", lambda lib, T: T([[1, 2], [3, 4]])),
    ("a tuple is data, not sizes", lambda lib, T: T((2, 3))),
    ("a range", lambda lib, T: T(range(3))),
    ("an empty list", lambda lib, T: T([])),
    ("no arguments: empty", lambda lib, T: T()),
    ("a float64 ndarray", lambda lib, T: T(np.array([1.5, 2.0]))),
    ("an int64 ndarray", lambda lib, T: T(np.array([[1, 2]]))),
    ("a 0-d ndarray", lambda lib, T: T(np.array(2.0))),
    ("device='cpu'", lambda lib, T: T([1, 2], device="cpu")),
    ("an int64 tensor keeps its dtype", lambda lib, T: T(lib.tensor([1, 2]))),
    ("a float64 tensor keeps its dtype", lambda lib, T: T(lib.tensor([1.0], dtype=lib.float64))),
    ("a 0-d tensor", lambda lib, T: T(lib.tensor(3))),
]


@pytest.mark.parametrize("name, make", DATA, ids=[row[0] for row in DATA])
def test_legacy_constructor_of_data_as_torch(name, make):
    assert facts(make(*LIBRARIES["tinygrad_edu"])) == facts(make(*LIBRARIES["torch"]))


# ---- torch.Tensor(sizes): a tensor of that shape (torch's values are uninitialised, ours zeros) -----------------

SIZES = [(2, 3), (3,), (0,), (2, 0), (np.int64(2), 4), ("Size",)]


@pytest.mark.parametrize("sizes", SIZES, ids=[repr(s) for s in SIZES])
def test_legacy_constructor_of_sizes_as_torch(sizes):
    seen = {}
    for name, (lib, T) in LIBRARIES.items():
        x = T(lib.Size([2, 3])) if sizes == ("Size",) else T(*sizes)
        seen[name] = (str(x.dtype).removeprefix("torch."), tuple(x.shape), x.requires_grad)
    assert seen["tinygrad_edu"] == seen["torch"]
    assert not TorchTensor(*((2, 3) if sizes == ("Size",) else sizes)).numpy().any()  # our values: zeros


def test_legacy_constructor_follows_the_default_dtype_as_torch():
    seen = {}
    for name, (lib, T) in LIBRARIES.items():
        lib.set_default_dtype(lib.float64)
        try:
            seen[name] = [str(x.dtype).removeprefix("torch.") for x in (T([1, 2]), T(2, 3), T())]
        finally:
            lib.set_default_dtype(lib.float32)
    assert seen["tinygrad_edu"] == seen["torch"] == ["float64"] * 3


# ---- what it shares and what it refuses --------------------------------------------------------------------


def sharing(lib: Any, T: Any) -> tuple[bool, bool, bool]:
    """(an ndarray of the default dtype is shared, T(x) shares x's data, T(x) of x requiring grad is in the graph)"""
    array = np.array([1.0, 2.0], dtype=np.float32)
    from_array = T(array)
    array[0] = 9.0
    x = lib.tensor([1.0, 2.0], requires_grad=True)
    alias = T(x)
    with lib.no_grad():
        x[1] = 7.0
    return from_array.tolist()[0] == 9.0, alias.tolist()[1] == 7.0, alias.requires_grad


def test_legacy_constructor_shares_memory_as_torch():
    assert sharing(*LIBRARIES["tinygrad_edu"]) == sharing(*LIBRARIES["torch"]) == (True, True, True)


REFUSED: list[tuple[str, Callable[[Any], Any]]] = [
    ("a Python float", lambda T: T(2.5)),
    ("a bool", lambda T: T(True)),
    ("None", lambda T: T(None)),
    ("a NumPy float", lambda T: T(np.float32(2))),
    ("a string", lambda T: T("a")),
    ("an ndarray of strings", lambda T: T(np.array(["a"]))),
    ("data and a size", lambda T: T([1, 2], 3)),
    ("a size and a float", lambda T: T(2, 3.0)),
    ("a negative size", lambda T: T(-1)),
    ("requires_grad=", lambda T: T([1.0], requires_grad=True)),
    ("dtype=", lambda T: T(2, 3, dtype=np.float64 if T is TorchTensor else torch.float64)),
]


@pytest.mark.parametrize("name, call", REFUSED, ids=[row[0] for row in REFUSED])
def test_legacy_constructor_refuses_what_torch_refuses(name, call):
    with pytest.raises(Exception) as theirs:  # noqa: PT011  (the class is what is compared)
        call(torch.Tensor)
    with pytest.raises(type(theirs.value)) as ours:
        call(TorchTensor)
    assert "Tensor()" in str(ours.value)  # names the constructor


# ---- isinstance and the class's methods ------------------------------------------------------------------------

CLASS_QUERIES: list[tuple[str, Callable[[Any, Any], Any]]] = [
    ("a tensor is one", lambda lib, T: isinstance(lib.zeros(2), T)),
    ("a result of an op is one", lambda lib, T: isinstance(lib.ones(2, requires_grad=True) * 2, T)),
    ("a Parameter is one", lambda lib, T: isinstance(lib.nn.Parameter(lib.zeros(1)), T)),
    ("Parameter is a subclass", lambda lib, T: issubclass(lib.nn.Parameter, T)),
    ("a number is not", lambda lib, T: isinstance(1.0, T)),
    ("an ndarray is not", lambda lib, T: isinstance(np.ones(2), T)),
    ("a method from the class", lambda lib, T: T.add(lib.ones(2), lib.ones(2)).tolist()),
    ("the class of what it makes", lambda lib, T: type(T([1])).__name__),
    ("nn.Parameter(torch.Tensor(3, 4))", lambda lib, T: tuple(lib.nn.init.zeros_(lib.nn.Parameter(T(3, 4))).shape)),
]


@pytest.mark.parametrize("name, query", CLASS_QUERIES, ids=[row[0] for row in CLASS_QUERIES])
def test_torch_tensor_as_a_class_as_torch(name, query):
    assert query(*LIBRARIES["tinygrad_edu"]) == query(*LIBRARIES["torch"])


# ---- an as-torch script prints what PyTorch prints ---------------------------------------------------------------

SCRIPT = """
import torch

print(torch.Size([2, 3]), repr(torch.Size([])), torch.Size([2, 3, 4])[1:], torch.Size([2]) + (5,))
print(f"{torch.Size([7])}", [torch.Size([1, 2])])
print(torch.Tensor([1, 2]).dtype == torch.float32, torch.Tensor([1, 2]).tolist(), tuple(torch.Tensor(2, 3).shape))
print(torch.Tensor().tolist(), isinstance(torch.zeros(1), torch.Tensor), issubclass(torch.nn.Parameter, torch.Tensor))
"""


def test_an_as_torch_script_prints_torchs_text(tmp_path):
    script = tmp_path / "script.py"
    script.write_text(textwrap.dedent(SCRIPT))

    def run(*args: str) -> str:
        done = subprocess.run([sys.executable, *args], capture_output=True, text=True, timeout=120, cwd=tmp_path)
        assert done.returncode == 0, done.stderr
        return done.stdout

    ours, theirs = run("-m", "tinygrad_edu", "as-torch", str(script)), run(str(script))
    assert ours == theirs
    assert "torch.Size([2, 3])" in ours
