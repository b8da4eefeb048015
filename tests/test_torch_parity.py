"""tinygrad_edu next to PyTorch: the same calls on the same inputs give the same names, shapes, dtypes, values,
gradients, errors and printed text.

Each table row is one call written once, as `fn(lib, ...)`, and run twice: with `lib = tinygrad_edu` and with
`lib = torch`. The tests skip where torch is not installed (CI); the behaviour they check is pinned without
torch in the matching test file (test_tensor.py, test_autograd.py, test_nn_module.py, test_losses.py, test_optim.py).

The differences that are deliberate and documented are not hidden: `DELIBERATE` rows assert what we do instead
and say why.
"""

from __future__ import annotations

import math
import warnings
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import tinygrad_edu as tg

torch = pytest.importorskip("torch")

torch.set_default_dtype(torch.float32)


# ---- helpers ----------------------------------------------------------------------------------------


def as_numpy(t: Any) -> np.ndarray:
    """The values of a tinygrad_edu or torch tensor as an ndarray."""
    return t.detach().numpy() if isinstance(t, torch.Tensor) else np.asarray(t.data)


def dtype_name(t: Any) -> str:
    """'float32', 'int64', 'bool', ... for a tensor of either library."""
    return str(t.dtype).removeprefix("torch.")


def both(fn: Callable[[Any], Any]) -> tuple[Any, Any]:
    """fn(tinygrad_edu) and fn(torch)."""
    return fn(tg), fn(torch)


def assert_same_tensor(ours: Any, theirs: Any, rtol: float = 1e-10, atol: float = 1e-12) -> None:
    assert tuple(ours.shape) == tuple(theirs.shape)
    assert dtype_name(ours) == dtype_name(theirs)
    np.testing.assert_allclose(as_numpy(ours), as_numpy(theirs), rtol=rtol, atol=atol, equal_nan=True)


def raised(fn: Callable[[], Any]) -> BaseException:
    """The exception fn() raises (the test fails if it raises none)."""
    with pytest.raises(Exception) as caught:
        fn()
    return caught.value


# ---- tensor construction and creation functions -----------------------------------------------------

# (data, dtype argument): torch.tensor and tg.tensor must agree on the dtype and shape.
CONSTRUCTION = [
    (2.5, None),
    ([1.0, 2], None),
    ([1, 2.5, True], None),
    ([[1.0], [2.0]], None),
    ([], None),
    ([[]], None),
    (np.array([1.0, 2.0]), None),
    (np.array([1.0], dtype=np.float32), None),
    (np.array([1.0], dtype=np.float16), None),
    (np.array(5.0), None),
    (np.float32(1), None),
    (np.float64(1), None),
    ([1, 2], "float64"),
    ([1, 2], "int64"),
    ([1, 2], "int32"),
    ([1.5, 0.0], "bool"),
    (np.array([1.5, 2.5]), "float32"),
    (2.5, "float64"),
    (np.array([1, 2]), "float64"),
]


@pytest.mark.parametrize("data, dtype", CONSTRUCTION, ids=[repr(row) for row in CONSTRUCTION])
def test_tensor_construction_dtype_and_shape(data, dtype):
    ours, theirs = both(lambda lib: lib.tensor(data, dtype=None if dtype is None else getattr(lib, dtype)))
    assert_same_tensor(ours, theirs)


# PyTorch's rule (issue 13): tensors made from Python ints are int64, from bools bool; integer and bool
# arrays keep their dtype.
INT_AND_BOOL_DATA = [
    3,
    True,
    [1, 2],
    [True, False],
    (1, 2),
    np.array([1, 2]),
    np.array([True]),
    np.int64(3),
    np.array([1, 2], dtype=np.int32),
    np.array([1], dtype=np.uint8),
]


@pytest.mark.parametrize("data", INT_AND_BOOL_DATA, ids=[repr(d) for d in INT_AND_BOOL_DATA])
def test_ints_and_bools_keep_pytorchs_dtypes(data):
    ours, theirs = both(lambda lib: lib.tensor(data))
    assert_same_tensor(ours, theirs)


BOOLS = [True, [True, False], [[True], [False]], np.array([True]), np.bool_(False)]


@pytest.mark.parametrize("data", BOOLS, ids=[repr(d) for d in BOOLS])
def test_bools_make_a_bool_tensor_as_in_pytorch(data):
    ours, theirs = both(lambda lib: lib.tensor(data))
    assert dtype_name(ours) == dtype_name(theirs) == "bool"
    np.testing.assert_array_equal(as_numpy(ours), as_numpy(theirs))


def test_a_bool_tensor_indexes_as_a_mask_as_in_pytorch():
    ours, theirs = both(lambda lib: lib.arange(6.0).reshape(3, 2)[lib.tensor([True, False, True])])
    assert_same_tensor(ours, theirs)


CREATION = {
    "zeros varargs": lambda lib: lib.zeros(2, 3),
    "zeros tuple": lambda lib: lib.zeros((2, 3)),
    "zeros list": lambda lib: lib.zeros([2, 3]),
    "zeros 0-d": lambda lib: lib.zeros(()),
    "zeros empty": lambda lib: lib.zeros(0),
    "ones float64": lambda lib: lib.ones(2, 3, dtype=lib.float64),
    "ones int64": lambda lib: lib.ones(2, dtype=lib.int64),
    "zeros bool": lambda lib: lib.zeros(2, dtype=lib.bool),
    "empty": lambda lib: lib.zeros_like(lib.empty(2, 3)),
    "full float": lambda lib: lib.full((2, 3), 1.5),
    "full list size": lambda lib: lib.full([2], 1.5, dtype=lib.float64),
    "arange int": lambda lib: lib.arange(5),
    "arange start end": lambda lib: lib.arange(1, 5),
    "arange step": lambda lib: lib.arange(0, 5, 2),
    "arange float": lambda lib: lib.arange(0, 1, 0.25),
    "arange float end": lambda lib: lib.arange(5.0),
    "arange dtype": lambda lib: lib.arange(5, dtype=lib.float32),
    "linspace": lambda lib: lib.linspace(0, 1, 5),
    "linspace steps kw": lambda lib: lib.linspace(0, 10, steps=4, dtype=lib.float64),
    "linspace one": lambda lib: lib.linspace(0, 1, 1),
    "eye": lambda lib: lib.eye(3),
    "eye rect": lambda lib: lib.eye(2, 3),
    "eye float64": lambda lib: lib.eye(2, dtype=lib.float64),
    "zeros_like": lambda lib: lib.zeros_like(lib.ones(2, 3)),
    "zeros_like keeps float64": lambda lib: lib.zeros_like(lib.ones(2, dtype=lib.float64)),
    "zeros_like int64": lambda lib: lib.zeros_like(lib.arange(3)),
    "ones_like dtype": lambda lib: lib.ones_like(lib.ones(2, 3), dtype=lib.float64),
    "full_like": lambda lib: lib.full_like(lib.ones(2, 3), 2.5),
    "full_like int64 truncates": lambda lib: lib.full_like(lib.arange(3), 2.5),
}


@pytest.mark.parametrize("name", CREATION)
def test_creation_functions(name):
    ours, theirs = both(CREATION[name])
    assert_same_tensor(ours, theirs)


RANDOM_CREATION = {
    "rand varargs": lambda lib: lib.rand(2, 3),
    "rand tuple": lambda lib: lib.rand((2, 3)),
    "rand 0-d": lambda lib: lib.rand(()),
    "randn": lambda lib: lib.randn(4, 1),
    "randn float64": lambda lib: lib.randn(3, dtype=lib.float64),
    "rand_like": lambda lib: lib.rand_like(lib.ones(2, 3)),
    "randn_like float64": lambda lib: lib.randn_like(lib.ones(2, dtype=lib.float64)),
    "requires_grad": lambda lib: lib.randn(2, requires_grad=True),
}


@pytest.mark.parametrize("name", RANDOM_CREATION)
def test_random_creation_shapes_dtypes_and_requires_grad(name):
    ours, theirs = both(RANDOM_CREATION[name])
    assert tuple(ours.shape) == tuple(theirs.shape)
    assert dtype_name(ours) == dtype_name(theirs)
    assert ours.requires_grad == theirs.requires_grad and ours.is_leaf and theirs.is_leaf


# ---- every op and its gradient, in float64 on shared random inputs ----------------------------------

# name: (fn(lib, *inputs), input shapes, "any" or "positive" inputs)
S = (3, 4)
OPS: dict[str, tuple[Callable[..., Any], tuple[tuple[int, ...], ...], str]] = {
    # elementwise, with broadcasting
    "add": (lambda lib, x, y: x + y, (S, S), "any"),
    "add broadcast": (lambda lib, x, y: x + y, ((3, 1), (4,)), "any"),
    "sub": (lambda lib, x, y: x - y, (S, (4,)), "any"),
    "mul": (lambda lib, x, y: x * y, (S, (1, 4)), "any"),
    "div": (lambda lib, x, y: x / y, (S, S), "positive"),
    "radd": (lambda lib, x: 2 + x, (S,), "any"),
    "rsub": (lambda lib, x: 2 - x, (S,), "any"),
    "rmul": (lambda lib, x: 2.5 * x, (S,), "any"),
    "rdiv": (lambda lib, x: 2 / x, (S,), "positive"),
    "neg": (lambda lib, x: -x, (S,), "any"),
    "add method": (lambda lib, x, y: x.add(y), (S, S), "any"),
    "sub method": (lambda lib, x, y: x.sub(y), (S, S), "any"),
    "mul method": (lambda lib, x, y: x.mul(y), (S, S), "any"),
    "div method": (lambda lib, x, y: x.div(y), (S, S), "positive"),
    "pow int": (lambda lib, x: x**3, (S,), "any"),
    "pow half": (lambda lib, x: x**0.5, (S,), "positive"),
    "pow zero": (lambda lib, x: x**0, (S,), "any"),
    "pow tensor": (lambda lib, x, y: x**y, (S, S), "positive"),
    "pow method": (lambda lib, x: x.pow(2), (S,), "any"),
    "rpow": (lambda lib, x: 2**x, (S,), "any"),
    "exp": (lambda lib, x: x.exp(), (S,), "any"),
    "log": (lambda lib, x: x.log(), (S,), "positive"),
    "sqrt": (lambda lib, x: x.sqrt(), (S,), "positive"),
    "abs": (lambda lib, x: x.abs(), (S,), "any"),
    "builtin abs": (lambda lib, x: abs(x), (S,), "any"),
    "relu": (lambda lib, x: x.relu(), (S,), "any"),
    "sigmoid": (lambda lib, x: x.sigmoid(), (S,), "any"),
    "tanh": (lambda lib, x: x.tanh(), (S,), "any"),
    "square": (lambda lib, x: x.square(), (S,), "any"),
    "clamp": (lambda lib, x: x.clamp(-0.5, 0.5), (S,), "any"),
    "clamp min": (lambda lib, x: x.clamp(min=0.1), (S,), "any"),
    "clamp max": (lambda lib, x: x.clamp(max=0.1), (S,), "any"),
    "clip": (lambda lib, x: x.clip(-0.5, 0.5), (S,), "any"),
    # bounds that are tensors in the graph: each gets the gradient where it is the result
    "clamp tensor min": (lambda lib, x, lo: x.clamp(min=lo), (S, S), "any"),
    "clamp tensor min and max": (lambda lib, x, lo: x.clamp(lo, lo + 0.5), (S, S), "any"),
    "clamp_max tensor broadcast": (lambda lib, x, hi: lib.clamp_max(x, hi), (S, (4,)), "any"),
    "maximum": (lambda lib, x, y: lib.maximum(x, y), (S, S), "any"),
    "minimum broadcast": (lambda lib, x, y: lib.minimum(x, y), (S, (4,)), "any"),
    "maximum method": (lambda lib, x, y: x.maximum(y), (S, S), "any"),
    "where": (lambda lib, x, y: lib.where(x > 0, x, y), (S, S), "any"),
    "where method": (lambda lib, x, y: x.where(x > 0, y), (S, S), "any"),
    "where scalar": (lambda lib, x: lib.where(x > 0, x, 0.0), (S,), "any"),
    "clone": (lambda lib, x: x.clone(), (S,), "any"),
    # ties and kinks: the conventions at the non-differentiable points
    "abs at 0": (lambda lib, x: (x * 0).abs(), (S,), "any"),
    "relu at 0": (lambda lib, x: (x * 0).relu(), (S,), "any"),
    "clamp at bounds": (lambda lib, x: (x * 0).clamp(0, 1), (S,), "any"),
    "maximum ties": (lambda lib, x: lib.maximum(x, x), (S,), "any"),
    "max ties": (lambda lib, x: (x * 0).max(), (S,), "any"),
    "amax ties": (lambda lib, x: (x * 0).amax(1), (S,), "any"),
    "pow 0 ** 0": (lambda lib, x: (x * 0) ** 0, (S,), "any"),
    "pow 0 ** y": (lambda lib, x, y: (x * 0) ** y, (S, S), "positive"),
    # reductions, with dim / keepdim / negative dims / tuples
    "sum": (lambda lib, x: x.sum(), (S,), "any"),
    "sum dim": (lambda lib, x: x.sum(0), (S,), "any"),
    "sum -1 keepdim": (lambda lib, x: x.sum(-1, keepdim=True), (S,), "any"),
    "sum tuple": (lambda lib, x: x.sum((0, 2)), ((2, 3, 4),), "any"),
    "sum dim=": (lambda lib, x: x.sum(dim=1), (S,), "any"),
    "sum 0-d": (lambda lib, x: x.sum(0), ((),), "any"),
    "mean": (lambda lib, x: x.mean(), (S,), "any"),
    "mean -2": (lambda lib, x: x.mean(-2), (S,), "any"),
    "mean tuple keepdim": (lambda lib, x: x.mean((0, 1), keepdim=True), ((2, 3, 4),), "any"),
    "max": (lambda lib, x: x.max(), (S,), "any"),
    "min": (lambda lib, x: x.min(), (S,), "any"),
    "amax dim": (lambda lib, x: x.amax(1), (S,), "any"),
    "amin -1 keepdim": (lambda lib, x: x.amin(-1, keepdim=True), (S,), "any"),
    "argmax": (lambda lib, x: x.argmax(), (S,), "any"),
    "argmax dim": (lambda lib, x: x.argmax(1), (S,), "any"),
    "argmin -1 keepdim": (lambda lib, x: x.argmin(-1, keepdim=True), (S,), "any"),
    "softmax": (lambda lib, x: x.softmax(-1), (S,), "any"),
    "softmax 0": (lambda lib, x: x.softmax(0), (S,), "any"),
    "softmax function": (lambda lib, x: lib.softmax(x, 1), (S,), "any"),
    "log_softmax": (lambda lib, x: x.log_softmax(1), (S,), "any"),
    "log_softmax function": (lambda lib, x: lib.log_softmax(x, dim=0), (S,), "any"),
    "F.softmax": (lambda lib, x: lib.nn.functional.softmax(x, dim=1), (S,), "any"),
    "F.log_softmax": (lambda lib, x: lib.nn.functional.log_softmax(x, dim=-1), (S,), "any"),
    "logsumexp": (lambda lib, x: x.logsumexp(1), (S,), "any"),
    "logsumexp keepdim": (lambda lib, x: x.logsumexp(-1, keepdim=True), (S,), "any"),
    "logsumexp tuple": (lambda lib, x: x.logsumexp((0, 1)), (S,), "any"),
    "logsumexp function": (lambda lib, x: lib.logsumexp(x, 0), (S,), "any"),
    # movement
    "reshape": (lambda lib, x: x.reshape(4, 3), (S,), "any"),
    "reshape tuple -1": (lambda lib, x: x.reshape((2, -1)), (S,), "any"),
    "view": (lambda lib, x: x.view(-1), (S,), "any"),
    "view tuple": (lambda lib, x: x.view((6, 2)), (S,), "any"),
    "transpose": (lambda lib, x: x.transpose(0, -1), ((2, 3, 4),), "any"),
    "permute": (lambda lib, x: x.permute(2, 0, 1), ((2, 3, 4),), "any"),
    "permute tuple": (lambda lib, x: x.permute((2, 0, 1)), ((2, 3, 4),), "any"),
    "permute negative": (lambda lib, x: x.permute(-1, 0, 1), ((2, 3, 4),), "any"),
    "flatten": (lambda lib, x: x.flatten(), ((2, 3, 4),), "any"),
    "flatten start": (lambda lib, x: x.flatten(1), ((2, 3, 4),), "any"),
    "flatten start end": (lambda lib, x: x.flatten(0, 1), ((2, 3, 4),), "any"),
    "flatten negative": (lambda lib, x: x.flatten(-2, -1), ((2, 3, 4),), "any"),
    "flatten 0-d": (lambda lib, x: x.flatten(), ((),), "any"),
    "squeeze": (lambda lib, x: x.squeeze(), ((1, 3, 1),), "any"),
    "squeeze dim": (lambda lib, x: x.squeeze(1), ((1, 3, 1),), "any"),
    "squeeze -1": (lambda lib, x: x.squeeze(-1), ((1, 3, 1),), "any"),
    "squeeze tuple": (lambda lib, x: x.squeeze((0, 2)), ((1, 3, 1),), "any"),
    "unsqueeze": (lambda lib, x: x.unsqueeze(0), (S,), "any"),
    "unsqueeze -1": (lambda lib, x: x.unsqueeze(-1), (S,), "any"),
    "expand": (lambda lib, x: x.expand(2, 3, 4), ((3, 1),), "any"),
    "expand -1": (lambda lib, x: x.expand(-1, 4), ((3, 1),), "any"),
    "expand tuple": (lambda lib, x: x.expand((2, 3, 4)), ((3, 1),), "any"),
    "expand_as": (lambda lib, x, y: x.expand_as(y), ((3, 1), S), "any"),
    "broadcast_to": (lambda lib, x: x.broadcast_to((2, 3, 4)), ((3, 1),), "any"),
    "T": (lambda lib, x: x.T, (S,), "any"),
    "t": (lambda lib, x: x.t(), (S,), "any"),
    "t of a vector": (lambda lib, x: x.t(), ((3,),), "any"),
    # indexing
    "index int": (lambda lib, x: x[1], (S,), "any"),
    "gather index smaller in the other dim": (
        lambda lib, x: x.gather(1, lib.tensor([[2, 0], [1, 1]], dtype=lib.int64)),
        (S,),
        "any",
    ),
    "gather index smaller in both dims": (
        lambda lib, x: x.gather(0, lib.tensor([[2, 0, 1]], dtype=lib.int64)),
        (S,),
        "any",
    ),
    "setitem of a tensor that requires grad": (lambda lib, x, w: _written(lib, x, w), (S, (4,)), "any"),
    "index negative": (lambda lib, x: x[-1], (S,), "any"),
    "index two negatives": (lambda lib, x: x[-1, -2], (S,), "any"),
    "slice step": (lambda lib, x: x[::2, 1:], (S,), "any"),
    "slice negative": (lambda lib, x: x[-2:, :-1], (S,), "any"),
    "ellipsis": (lambda lib, x: x[..., 0], ((2, 3, 4),), "any"),
    "None": (lambda lib, x: x[None, :, 1], (S,), "any"),
    "list repeated": (lambda lib, x: x[[0, 2, 0]], (S,), "any"),
    "list negative": (lambda lib, x: x[[-1, 0]], (S,), "any"),
    "two lists": (lambda lib, x: x[[0, 2], [1, 3]], (S,), "any"),
    "slice and list": (lambda lib, x: x[1:, [0, -1]], (S,), "any"),
    "int64 tensor": (lambda lib, x: x[lib.tensor([0, 2, 2], dtype=lib.int64)], (S,), "any"),
    "whole-number tensor": (lambda lib, x: x[lib.tensor([0, 2, 2])], (S,), "any"),
    "bool mask": (lambda lib, x: x[x > 0], (S,), "any"),
    "bool list": (lambda lib, x: x[[True, False, True]], (S,), "any"),
    "bool tensor of rows": (lambda lib, x: x[lib.tensor([True, False, True], dtype=lib.bool)], (S,), "any"),
    # joining
    "cat": (lambda lib, x, y: lib.cat([x, y]), (S, (2, 4)), "any"),
    "cat -1": (lambda lib, x, y: lib.cat([x, y], dim=-1), (S, (3, 2)), "any"),
    "cat tuple": (lambda lib, x, y: lib.cat((x, y), 1), (S, (3, 2)), "any"),
    "stack": (lambda lib, x, y: lib.stack([x, y]), (S, S), "any"),
    "stack -1": (lambda lib, x, y: lib.stack([x, y], dim=-1), (S, S), "any"),
    "stack 1": (lambda lib, x, y: lib.stack([x, y], 1), (S, S), "any"),
    # matmul in every 1-D / 2-D / batched combination
    "matmul 1-D @ 1-D": (lambda lib, x, y: x @ y, ((4,), (4,)), "any"),
    "matmul 1-D @ 2-D": (lambda lib, x, y: x @ y, ((4,), (4, 3)), "any"),
    "matmul 2-D @ 1-D": (lambda lib, x, y: x @ y, ((3, 4), (4,)), "any"),
    "matmul 2-D @ 2-D": (lambda lib, x, y: x @ y, ((3, 4), (4, 2)), "any"),
    "matmul 3-D @ 1-D": (lambda lib, x, y: x @ y, ((2, 3, 4), (4,)), "any"),
    "matmul 1-D @ 3-D": (lambda lib, x, y: x @ y, ((4,), (2, 4, 3)), "any"),
    "matmul 3-D @ 2-D": (lambda lib, x, y: x @ y, ((2, 3, 4), (4, 5)), "any"),
    "matmul 2-D @ 3-D": (lambda lib, x, y: x @ y, ((3, 4), (2, 4, 5)), "any"),
    "matmul 3-D @ 3-D": (lambda lib, x, y: x @ y, ((2, 3, 4), (2, 4, 5)), "any"),
    "matmul batch broadcast": (lambda lib, x, y: x @ y, ((2, 1, 3, 4), (5, 4, 2)), "any"),
    "matmul function": (lambda lib, x, y: lib.matmul(x, y), ((3, 4), (4, 2)), "any"),
    "matmul method": (lambda lib, x, y: x.matmul(y), ((3, 4), (4, 2)), "any"),
    "dot": (lambda lib, x, y: x.dot(y), ((4,), (4,)), "any"),
    "mv": (lambda lib, x, y: lib.mv(x, y), ((3, 4), (4,)), "any"),
    "mv method": (lambda lib, x, y: x.mv(y), ((2, 3), (3,)), "any"),
    "outer": (lambda lib, x, y: lib.outer(x, y), ((4,), (3,)), "any"),
    "outer method": (lambda lib, x, y: x.outer(y), ((2,), (3,)), "any"),
    "bmm": (lambda lib, x, y: x.bmm(y), ((2, 3, 4), (2, 4, 5)), "any"),
    "bmm function": (lambda lib, x, y: lib.bmm(x, y), ((1, 2, 3), (1, 3, 1)), "any"),
    "addmm beta alpha": (lambda lib, x, y, z: x.addmm(y, z, beta=0.5, alpha=2), ((4,), (3, 2), (2, 4)), "any"),
    "addmm function": (lambda lib, x, y, z: lib.addmm(x, y, z), ((3, 4), (3, 2), (2, 4)), "any"),
    "addmm beta=0": (lambda lib, x, y, z: lib.addmm(x, y, z, beta=0), ((3, 1), (3, 2), (2, 4)), "any"),
    # torch's other names, alpha= and value= arguments, clamp_min/max, addcmul/addcdiv
    "add alpha": (lambda lib, x, y: x.add(y, alpha=-0.5), (S, S), "any"),
    "sub alpha function": (lambda lib, x, y: lib.sub(x, y, alpha=2), (S, (4,)), "any"),
    "multiply, subtract": (lambda lib, x, y: x.multiply(y) + lib.subtract(x, y), (S, S), "any"),
    "divide, true_divide": (lambda lib, x, y: x.divide(y) + lib.true_divide(x, y), (S, S), "positive"),
    "div rounding_mode floor": (lambda lib, x, y: x.div(y * 0.3, rounding_mode="floor"), (S, S), "any"),
    "div rounding_mode trunc": (lambda lib, x, y: lib.div(x * 3, y, rounding_mode="trunc"), (S, (4,)), "any"),
    "divide trunc by a number": (lambda lib, x: x.divide(0.25, rounding_mode="trunc"), (S,), "any"),
    "negative, absolute": (lambda lib, x: x.negative() * lib.absolute(x), (S,), "any"),
    "clamp_min, clamp_max": (lambda lib, x: x.clamp_min(-0.3) + lib.clamp_max(x, 0.2), (S,), "any"),
    "addcmul value": (lambda lib, x, y, z: x.addcmul(y, z, value=0.5), (S, S, S), "any"),
    "addcmul function broadcast": (lambda lib, x, y, z: lib.addcmul(x, y, z), ((3, 1), (4,), S), "any"),
    "addcdiv value": (lambda lib, x, y, z: x.addcdiv(y, z, value=-2), (S, S, S), "positive"),
    "addcdiv function": (lambda lib, x, y, z: lib.addcdiv(x, y, z), (S, (4,), S), "positive"),
    # shape: mT, select, ravel
    "mT": (lambda lib, x: x.mT, ((2, 3, 4),), "any"),
    "select": (lambda lib, x: x.select(1, -1), (S,), "any"),
    "select function": (lambda lib, x: lib.select(x, 0, 1), ((2, 3, 4),), "any"),
    "ravel": (lambda lib, x: x.mT.ravel() + lib.ravel(x.mT), (S,), "any"),
    # in-place methods on an intermediate: the gradient flows through each
    "relu_, sigmoid_, tanh_, exp_": (
        lambda lib, x: (x * 1).sigmoid_() + (x * 2).tanh_() + (x * 0.5).exp_() + (x * 1).relu_(),
        (S,),
        "any",
    ),
    "addcmul_ addcdiv_ clamp_min_ clamp_max_": (
        lambda lib, x, y, z: (x * 1).addcmul_(y, z, value=0.5).addcdiv_(y, z).clamp_min_(1.0).clamp_max_(3.0),
        (S, S, S),
        "positive",
    ),
    "F.linear": (lambda lib, x, w, b: lib.nn.functional.linear(x, w, b), ((5, 3), (4, 3), (4,)), "any"),
    "F.linear batch": (lambda lib, x, w: lib.nn.functional.linear(x, w), ((2, 5, 3), (4, 3)), "any"),
    # free functions
    "exp function": (lambda lib, x: lib.exp(x), (S,), "any"),
    "log function": (lambda lib, x: lib.log(x), (S,), "positive"),
    "sqrt function": (lambda lib, x: lib.sqrt(x), (S,), "positive"),
    "abs function": (lambda lib, x: lib.abs(x), (S,), "any"),
    "relu function": (lambda lib, x: lib.relu(x), (S,), "any"),
    "sigmoid function": (lambda lib, x: lib.sigmoid(x), (S,), "any"),
    "tanh function": (lambda lib, x: lib.tanh(x), (S,), "any"),
    "clamp function": (lambda lib, x: lib.clamp(x, min=0), (S,), "any"),
    "sum function": (lambda lib, x: lib.sum(x, 1), (S,), "any"),
    "mean function": (lambda lib, x: lib.mean(x, dim=0, keepdim=True), (S,), "any"),
    # dtype conversions: the gradient flows back between float dtypes
    "float": (lambda lib, x: x.float(), (S,), "any"),
    "double": (lambda lib, x: x.float().double(), (S,), "any"),
    "to": (lambda lib, x: x.to(lib.float32), (S,), "any"),
    "long": (lambda lib, x: (x * 3).long(), (S,), "any"),
    "int": (lambda lib, x: (x * 3).int(), (S,), "any"),
    "bool": (lambda lib, x: x.bool(), (S,), "any"),
    # comparisons: bool tensors outside the graph
    "lt": (lambda lib, x, y: x < y, (S, S), "any"),
    "le scalar": (lambda lib, x: x <= 0.5, (S,), "any"),
    "gt broadcast": (lambda lib, x, y: x > y, (S, (4,)), "any"),
    "ge int": (lambda lib, x: x >= 0, (S,), "any"),
    "eq": (lambda lib, x: x == x, (S,), "any"),
    "ne": (lambda lib, x: x != 0.5, (S,), "any"),
}


def _written(lib: Any, x: Any, w: Any) -> Any:
    """h = x * 2 with h[1] = w and h[0, 1:3] -= w[0]: in-place writes into an intermediate (CopySlices)."""
    h = x * 2
    h[1] = w
    h[0, 1:3] -= w[0]
    return h * h


def random_inputs(shapes: tuple[tuple[int, ...], ...], domain: str) -> list[np.ndarray]:
    rng = np.random.default_rng(7)
    arrays = [rng.standard_normal(shape) for shape in shapes]
    return [np.abs(a) + 0.5 for a in arrays] if domain == "positive" else arrays


@pytest.mark.parametrize("name", OPS)
def test_op_value_dtype_and_gradient_in_float64(name):
    fn, shapes, domain = OPS[name]
    arrays = random_inputs(shapes, domain)
    results = []
    for lib in (tg, torch):
        inputs = [lib.tensor(a, requires_grad=True) for a in arrays]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # inf/nan at kinks are expected in both libraries
            out = fn(lib, *inputs)
            if out.requires_grad:
                upstream = np.random.default_rng(8).standard_normal(tuple(out.shape))
                out.backward(lib.tensor(upstream))
        results.append((out, [x.grad for x in inputs]))
    (ours, our_grads), (theirs, their_grads) = results
    assert_same_tensor(ours, theirs)
    assert ours.requires_grad == theirs.requires_grad
    assert (ours.grad_fn is None) == (theirs.grad_fn is None)
    for ours_g, theirs_g in zip(our_grads, their_grads):
        assert (ours_g is None) == (theirs_g is None)
        if ours_g is not None:
            assert_same_tensor(ours_g, theirs_g)


# Deliberate: the sum over an empty tuple of dims reduces nothing (NumPy); torch reduces everything
# (an undocumented special case that PyTorch plans to change).
def test_deliberate_sum_over_no_dims_reduces_nothing():
    x = np.arange(6.0).reshape(2, 3)
    assert tg.tensor(x).sum(()).shape == (2, 3)
    assert tuple(torch.tensor(x).sum(()).shape) == ()


# x.max(dim) / x.min(dim) with an int dim return the (values, indices) named tuple, as torch does, and the
# gradient goes to the first extreme element, as torch's.
@pytest.mark.parametrize("name", ["max", "min"])
@pytest.mark.parametrize("dim, keepdim", [(0, False), (1, True), (-1, False)])
def test_max_and_min_over_a_dim_return_values_and_indices(name, dim, keepdim):
    x = np.array([[1.0, 3.0, 3.0, -2.0], [2.0, 0.0, 2.0, 0.0], [5.0, 5.0, -1.0, -1.0]])
    ours_in, theirs_in = tg.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    ours, theirs = getattr(ours_in, name)(dim, keepdim), getattr(theirs_in, name)(dim, keepdim)
    assert_same_tensor(ours.values, theirs.values)
    assert_same_tensor(ours.indices, theirs.indices)
    ours.values.sum().backward()
    theirs.values.sum().backward()
    np.testing.assert_array_equal(ours_in.grad.numpy(), theirs_in.grad.numpy())


# ---- result dtypes (type promotion) --------------------------------------------------------------------

DTYPES = ["float16", "float32", "float64", "int32", "int64", "bool"]
ARITHMETIC = {"+": lambda a, b: a + b, "*": lambda a, b: a * b, "/": lambda a, b: a / b, "**": lambda a, b: a**b}


@pytest.mark.parametrize("symbol", ARITHMETIC)
@pytest.mark.parametrize("left", DTYPES)
@pytest.mark.parametrize("right", DTYPES)
def test_result_dtype_of_two_tensors(symbol, left, right):
    if symbol == "**" and left == right == "bool":
        pytest.skip("torch has no pow for bool")
    op = ARITHMETIC[symbol]
    ours, theirs = both(lambda lib: op(lib.ones(3, dtype=getattr(lib, left)), lib.ones(3, dtype=getattr(lib, right))))
    if symbol == "**" and left == "bool":
        pytest.skip("bool ** int: NumPy's int8 for a bool base is a quirk we leave")
    assert dtype_name(ours) == dtype_name(theirs)


SCALARS = [2, 2.5, np.float64(2.0), np.float32(2.0), np.int64(2)]


@pytest.mark.parametrize("symbol", ARITHMETIC)
@pytest.mark.parametrize("dtype", ["float16", "float32", "float64", "int32", "int64"])
@pytest.mark.parametrize("scalar", SCALARS, ids=[repr(s) for s in SCALARS])
def test_result_dtype_of_a_tensor_and_a_number(symbol, dtype, scalar):
    op = ARITHMETIC[symbol]
    for left_side in (True, False):

        def run(lib):
            x = lib.ones(3, dtype=getattr(lib, dtype))
            return op(x, scalar) if left_side else op(scalar, x)

        ours, theirs = both(run)
        assert_same_tensor(ours, theirs, rtol=1e-6)


PROMOTING_FUNCTIONS = {
    "where of two numbers": lambda lib: lib.where(lib.ones(2) > 0, 1.0, 0.0),
    "where float32 and int64": lambda lib: lib.where(lib.ones(2) > 0, lib.ones(2), lib.ones(2, dtype=lib.int64)),
    "where int and float32": lambda lib: lib.where(lib.ones(2) > 0, 1, lib.ones(2)),
    "maximum float32 int64": lambda lib: lib.maximum(lib.ones(2), lib.ones(2, dtype=lib.int64)),
    "minimum int64 float64": lambda lib: lib.minimum(lib.ones(2, dtype=lib.int64), lib.ones(2, dtype=lib.float64)),
    "arange times a float": lambda lib: lib.arange(4) * 0.5,
    "div trunc of ints": lambda lib: lib.tensor([5, -5, 7, -7, 0, 6, -6]).div(
        lib.tensor([2, 2, -2, -2, 3, -3, 3]), rounding_mode="trunc"
    ),
    "div floor of ints": lambda lib: lib.div(lib.tensor([5, -5, 7, -7, 0, 1]), -2, rounding_mode="floor"),
    "div trunc of int32 by an int": lambda lib: lib.tensor([-7, 7], dtype=lib.int32).div(2, rounding_mode="trunc"),
    "div floor of ints by a float": lambda lib: lib.tensor([-7, 7]).div(2.0, rounding_mode="floor"),
    "div_ trunc of ints": lambda lib: lib.tensor([-7, 7]).div_(lib.tensor([2, -2]), rounding_mode="trunc"),
    "arange divided": lambda lib: lib.arange(4) / 2,
    "sum of bools": lambda lib: (lib.ones(3) > 0).sum(),
    "sum of int32": lambda lib: lib.ones(3, dtype=lib.int32).sum(),
}


@pytest.mark.parametrize("name", PROMOTING_FUNCTIONS)
def test_result_dtype_of_functions(name):
    assert_same_tensor(*both(PROMOTING_FUNCTIONS[name]))


# ---- what a tensor is: item, tolist, numel, size, dim ----------------------------------------------------

DESCRIPTIONS = {
    "item float": lambda lib: lib.tensor([1.5]).item(),
    "item int": lambda lib: lib.tensor([3], dtype=lib.int64).item(),
    "item 0-d": lambda lib: lib.tensor(2.5, dtype=lib.float64).item(),
    "item of a sum": lambda lib: lib.ones(2, 3).sum().item(),
    "tolist": lambda lib: lib.tensor([[1.5, 2.0]]).tolist(),
    "tolist int": lambda lib: lib.tensor([[1, 2]], dtype=lib.int64).tolist(),
    "tolist 0-d": lambda lib: lib.tensor(2.5).tolist(),
    "numel": lambda lib: lib.ones(2, 3).numel(),
    "size": lambda lib: tuple(lib.ones(2, 3).size()),
    "size dim": lambda lib: lib.ones(2, 3).size(1),
    "size -1": lambda lib: lib.ones(2, 3).size(-1),
    "shape": lambda lib: tuple(lib.ones(2, 3).shape),
    "dim": lambda lib: lib.ones(2, 3).dim(),
    "ndim": lambda lib: lib.ones(2, 3, 1).ndim,
    "len": lambda lib: len(lib.ones(4, 3)),
    "iterate": lambda lib: [t.tolist() for t in lib.tensor([[1.0, 2.0], [3.0, 4.0]])],
    "float()": lambda lib: float(lib.tensor(2.5)),
    "int()": lambda lib: int(lib.tensor(2.5)),
    "bool()": lambda lib: bool(lib.tensor(0.0)),
    "f-string of a 0-d tensor": lambda lib: f"{lib.tensor(2.0) / 3:.4f} {lib.tensor(7):+d} {lib.tensor(0.5)}",
    "index by an int tensor": lambda lib: ["a", "b", "c"][lib.tensor(2)] + "xyz"[lib.tensor([1])],
    "range of an int tensor": lambda lib: list(range(lib.tensor(3, dtype=lib.int32))),
    "is_floating_point": lambda lib: (
        [lib.ones(1, dtype=d).is_floating_point() for d in (lib.float16, lib.int64)]
        + [lib.is_floating_point(lib.tensor([True]))]
    ),
    "element_size, itemsize, nbytes": lambda lib: [
        (x.element_size(), x.itemsize, x.nbytes)
        for x in (lib.ones(2, 3, dtype=lib.float64), lib.ones(5, dtype=lib.int32), lib.ones(2, 3).expand(4, 2, 3))
    ],
    "ndimension, is_cpu": lambda lib: (lib.ones(2, 3).ndimension(), lib.ones(1).is_cpu),
}


@pytest.mark.parametrize("name", DESCRIPTIONS)
def test_describing_a_tensor(name):
    ours, theirs = both(DESCRIPTIONS[name])
    assert ours == theirs and type(ours) is type(theirs)


# ---- autograd semantics ------------------------------------------------------------------------------------


def grads_accumulate(lib):
    x = lib.tensor([1.0, 2.0], requires_grad=True)
    (x * x).sum().backward()
    (x * x).sum().backward()
    return x.grad.tolist()


def retain_graph_allows_a_second_backward(lib):
    x = lib.tensor([1.0, 2.0], requires_grad=True)
    y = (x * x).sum()
    y.backward(retain_graph=True)
    y.backward()
    return x.grad.tolist()


def gradient_argument_weighs_the_output(lib):
    x = lib.tensor([1.0, 2.0], requires_grad=True)
    (x * 3).backward(lib.tensor([1.0, 10.0]))
    return x.grad.tolist()


def gradient_keyword_on_a_scalar(lib):
    x = lib.tensor([1.0, 2.0], requires_grad=True)
    (x * 3).sum().backward(gradient=lib.tensor(2.0))
    return x.grad.tolist()


def backward_on_a_leaf(lib):
    x = lib.tensor(2.0, requires_grad=True)
    x.backward()
    return x.grad.tolist()


def result_of_an_op(lib):
    x = lib.tensor([1.0, 2.0], requires_grad=True)
    y = x * 2
    return [y.is_leaf, y.requires_grad, y.grad_fn is not None, x.is_leaf, x.grad_fn is None]


def non_leaves_get_no_grad(lib):
    x = lib.tensor([1.0, 2.0], requires_grad=True)
    y = x * 2
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # torch warns on reading a non-leaf's .grad
        y.sum().backward()
        return [y.grad is None, x.grad.tolist()]


def inputs_without_requires_grad_get_no_grad(lib):
    x, z = lib.tensor([1.0, 2.0], requires_grad=True), lib.tensor([3.0, 4.0])
    (x * z).sum().backward()
    return [z.grad is None, x.grad.tolist()]


def grad_is_a_plain_tensor(lib):
    x = lib.tensor([1.0, 2.0], requires_grad=True)
    x.sum().backward()
    return [type(x.grad).__name__, x.grad.requires_grad, x.grad.is_leaf, dtype_name(x.grad)]


def grad_set_to_none_starts_over(lib):
    x = lib.tensor([1.0, 2.0], requires_grad=True)
    x.sum().backward()
    x.grad = None
    (x * 3).sum().backward()
    return x.grad.tolist()


def detach_shares_data_and_leaves_the_graph(lib):
    x = lib.tensor([1.0, 2.0], requires_grad=True)
    d = x.detach()
    d[0] = 5.0
    return [d.requires_grad, d.is_leaf, d.grad_fn is None, x.tolist()]


def requires_grad_underscore_on_a_result(lib):
    y = lib.tensor([1.0, 2.0]) * 2
    same = y.requires_grad_() is y
    return [same, y.is_leaf, y.requires_grad]


def shape_ops_make_new_nodes(lib):
    x = lib.tensor([[1.0, 2.0]], requires_grad=True)
    results = [x.reshape(1, 2), x.view(1, 2), x.expand(1, 2), x.squeeze(0), x.unsqueeze(0), x.T, x.t(), x.permute(0, 1)]
    return [(r is x, r.is_leaf, r.grad_fn is not None) for r in results]


def flatten_of_one_dimension_is_self(lib):
    x = lib.tensor([[1.0, 2.0]], requires_grad=True)
    v = lib.tensor([1.0, 2.0], requires_grad=True)
    return [x.flatten(1, 1) is x, x.flatten(0) is x, v.flatten() is v]


def conversions_to_the_same_dtype_are_self(lib):
    x = lib.tensor([1.0, 2.0], requires_grad=True)
    return [x.float() is x, x.to(lib.float32) is x, x.double() is x, x.long().requires_grad]


def gradient_through_a_cast(lib):
    x = lib.tensor([1.0, 2.0], requires_grad=True)
    (x.double() * 3).sum().backward()
    return [dtype_name(x.grad), x.grad.tolist()]


def no_grad_block(lib):
    x = lib.tensor([1.0, 2.0], requires_grad=True)
    with lib.no_grad():
        y = x * 2
        inside = lib.is_grad_enabled()
    return [y.requires_grad, y.is_leaf, y.grad_fn is None, inside, lib.is_grad_enabled()]


def enable_grad_inside_no_grad(lib):
    x = lib.tensor([1.0, 2.0], requires_grad=True)
    with lib.no_grad():
        with lib.enable_grad():
            y = x * 2
    return [y.requires_grad, lib.is_grad_enabled()]


def set_grad_enabled_block(lib):
    x = lib.tensor([1.0, 2.0], requires_grad=True)
    with lib.set_grad_enabled(False):
        y = x * 2
    return [y.requires_grad, lib.is_grad_enabled()]


def set_grad_enabled_call(lib):
    x = lib.tensor([1.0, 2.0], requires_grad=True)
    lib.set_grad_enabled(False)
    y = x * 2
    off = lib.is_grad_enabled()
    lib.set_grad_enabled(True)
    return [y.requires_grad, off, lib.is_grad_enabled()]


def no_grad_decorators(lib):
    x = lib.tensor([1.0, 2.0], requires_grad=True)

    @lib.no_grad()
    def called(v):
        return v * 2

    @lib.no_grad
    def bare(v):
        return v * 2

    @lib.set_grad_enabled(False)
    def switched(v):
        return v * 2

    @lib.enable_grad()
    def enabled(v):
        return v * 2

    with lib.no_grad():
        inside = enabled(x).requires_grad
    return [called(x).requires_grad, bare(x).requires_grad, switched(x).requires_grad, inside, lib.is_grad_enabled()]


def inference_mode_forms(lib):
    x = lib.tensor([1.0, 2.0], requires_grad=True)

    @lib.inference_mode()
    def called(v):
        return v * 2

    @lib.inference_mode
    def bare(v):
        return v * 2

    @lib.inference_mode(False)
    def off(v):
        return v * 2

    with lib.inference_mode():
        inside = (x * 2).requires_grad
    with lib.inference_mode(mode=False):
        kept = (x * 2).requires_grad
    return [called(x).requires_grad, bare(x).requires_grad, off(x).requires_grad, inside, kept, lib.is_grad_enabled()]


def in_place_update_under_no_grad(lib):
    x = lib.tensor([1.0, 2.0], requires_grad=True)
    with lib.no_grad():
        x *= 2
        x -= 1
    return [x.tolist(), x.requires_grad, x.is_leaf]


def setitem_sends_the_gradient_to_what_was_written(lib):
    a = lib.zeros(3)
    w = lib.tensor([1.0, 2.0, 3.0], requires_grad=True)
    a[0] = w[0]
    (a * 4).sum().backward()
    return [w.grad.tolist(), a.requires_grad, a.is_leaf]


def mask_setitem_joins_the_graph(lib):
    t = lib.zeros(4)
    v = lib.tensor(2.0, requires_grad=True)
    t[lib.tensor([True, False, True, False])] = v
    (t * lib.tensor([1.0, 10.0, 100.0, 1000.0])).sum().backward()
    return [v.grad.item(), t.tolist()]


def in_place_ops_on_an_intermediate(lib):
    x = lib.tensor([1.0, 2.0, 3.0], requires_grad=True)
    h = x * 2
    z = h + 1  # recorded before the in-place ops: its gradient goes through x * 2
    h[1] -= 1
    h *= 3
    h[0] = 0.0
    (z * z).sum().backward(retain_graph=True)
    first = x.grad.tolist()
    (h * h).sum().backward()
    return [first, x.grad.tolist(), h._version]  # (h[1] is a view, so h[1] -= 1 counts twice, as PyTorch)


def views_share_the_version_counter(lib):
    a = lib.zeros(2, 3)
    views = [a[0], a[1:], a.reshape(3, 2), a.T, a.detach(), a[0][1]]
    views[0] += 1
    views[3].zero_()
    element = views[5]
    element *= 2
    return [a._version] + [v._version for v in views] + [a.tolist()]


def in_place_through_a_slice_changes_its_base_in_the_graph(lib):
    x = lib.tensor([1.0, 2.0, 3.0, 4.0], requires_grad=True)
    c = lib.tensor([1.0, 10.0, 100.0, 1000.0])
    h = x * 2
    v = h[0:2]
    v *= 3  # changes h[0:2] too: h's gradient must see the * 3
    (h * c).sum().backward()
    return [x.grad.tolist(), h.tolist()]


def sibling_slices_after_an_in_place_change(lib):
    x = lib.tensor([1.0, 2.0, 3.0, 4.0], requires_grad=True)
    h = x * 2
    left, right, element = h[0:3], h[1:4], h[2]
    left *= 3  # right and element overlap it: their values and gradients change with it
    (right * lib.tensor([1.0, 10.0, 100.0])).sum().backward(retain_graph=True)
    first = x.grad.tolist()
    (element * 7).backward()
    return [first, x.grad.tolist(), right.tolist(), element.item()]


def a_slice_of_a_plain_tensor_joins_the_graph_with_it(lib):
    a = lib.zeros(2, 3)
    row = a[1]
    w = lib.tensor([1.0, 2.0, 3.0], requires_grad=True)
    a[1] = w * 2  # row is a view of a: it now depends on w too
    (row * lib.tensor([1.0, 10.0, 100.0])).sum().backward()
    return [w.grad.tolist(), row.requires_grad, a.requires_grad]


def setitem_with_an_int_separated_from_an_array_follows_pytorchs_order(lib):
    x = lib.zeros(2, 3, 3)
    w = lib.tensor(np.arange(9.0, dtype=np.float32).reshape(3, 3), requires_grad=True)
    x[0, :, [0, 1, 2]] = w * 1  # square: NumPy's order would write w transposed, silently
    (x * lib.tensor(np.arange(18.0, dtype=np.float32).reshape(2, 3, 3))).sum().backward()
    return [x.tolist(), w.grad.tolist()]


def versions_count_in_place_changes(lib):
    a = lib.zeros(3)
    b = a.detach()
    a += 1
    b.zero_()
    a[0] = 1.0
    a.data[1] = 5.0  # through .data: not counted
    return [a._version, b._version]


def retain_grad_is_kept_by_autograd_grad(lib):
    x = lib.tensor([1.0, 2.0], requires_grad=True)
    h = x * 2
    h.retain_grad()
    root = (h * 3).sum()
    root.retain_grad()
    lib.autograd.grad(root, [x])  # (found by tests/test_torch_parity_random.py)
    return [h.grad.tolist(), root.grad.item(), x.grad is None]


def prod_of_an_empty_tensor(lib):
    x = lib.zeros(0, 1, 1, requires_grad=True)
    x.prod().backward()
    y = lib.zeros(2, 0, requires_grad=True)
    y.prod(1).sum().backward()
    return [tuple(x.grad.shape), tuple(y.grad.shape)]


def square_changed_in_place_before_backward(lib):
    x = lib.tensor([1.0, 2.0], requires_grad=True)
    y = x**2  # saves x, not y (y is saved only for a tensor exponent's gradient, as in PyTorch)
    y += 1
    y.sum().backward()
    return x.grad.tolist()


AUTOGRAD = [
    retain_grad_is_kept_by_autograd_grad,
    square_changed_in_place_before_backward,
    prod_of_an_empty_tensor,
    setitem_sends_the_gradient_to_what_was_written,
    mask_setitem_joins_the_graph,
    in_place_ops_on_an_intermediate,
    versions_count_in_place_changes,
    views_share_the_version_counter,
    in_place_through_a_slice_changes_its_base_in_the_graph,
    sibling_slices_after_an_in_place_change,
    a_slice_of_a_plain_tensor_joins_the_graph_with_it,
    setitem_with_an_int_separated_from_an_array_follows_pytorchs_order,
    grads_accumulate,
    retain_graph_allows_a_second_backward,
    gradient_argument_weighs_the_output,
    gradient_keyword_on_a_scalar,
    backward_on_a_leaf,
    result_of_an_op,
    non_leaves_get_no_grad,
    inputs_without_requires_grad_get_no_grad,
    grad_is_a_plain_tensor,
    grad_set_to_none_starts_over,
    detach_shares_data_and_leaves_the_graph,
    requires_grad_underscore_on_a_result,
    shape_ops_make_new_nodes,
    flatten_of_one_dimension_is_self,
    conversions_to_the_same_dtype_are_self,
    gradient_through_a_cast,
    no_grad_block,
    enable_grad_inside_no_grad,
    set_grad_enabled_block,
    set_grad_enabled_call,
    no_grad_decorators,
    inference_mode_forms,
    in_place_update_under_no_grad,
]


@pytest.mark.parametrize("scenario", AUTOGRAD, ids=[f.__name__ for f in AUTOGRAD])
def test_autograd_semantics(scenario):
    ours, theirs = both(scenario)
    assert ours == theirs


# ---- edge cases that crashed or differed (issue 10): 0-d tensors, size-0 dims, pow, PyTorch's index order ----


def _pow_0_gradient_at_inf(lib):
    x = lib.tensor([np.inf, -np.inf, 0.0, 2.0], dtype=lib.float64, requires_grad=True)
    y = lib.tensor([0.0, 0.0, 0.0, 0.0], dtype=lib.float64, requires_grad=True)
    (x**0).sum().backward()
    (x**y).sum().backward()
    return x.grad


def _list_of_lists_index(lib):
    with warnings.catch_warnings():  # (torch warns that it may read it as one array some day; 2.13 does not)
        warnings.simplefilter("ignore")
        return lib.arange(6.0).reshape(2, 3)[[[0, 1], [1, 2]]]


def _setitem_drops_leading_ones(lib):
    x = lib.zeros(2, 2)
    x[0] = lib.tensor([[[1.0, 2.0]]])
    return x


EDGE_CASES = {
    # found by tests/test_torch_parity_random.py:
    "a list of lists indexes as a tuple of lists": _list_of_lists_index,
    "bool ** True stays bool": lambda lib: lib.tensor([True, False]) ** True,
    "setitem drops the value's leading 1s": lambda lib: _setitem_drops_leading_ones(lib),
    "cat skips a 1-D empty tensor": lambda lib: lib.cat([lib.zeros(0, dtype=lib.float64), lib.ones(2, 1)], dim=-1),
    "squeeze(0) of a 0-d tensor": lambda lib: lib.tensor(3.0).squeeze(0),
    "squeeze(-1) of a 0-d tensor": lambda lib: lib.tensor(3.0).squeeze(-1),
    "transpose(0, 0) of a 0-d tensor": lambda lib: lib.tensor(3.0).transpose(0, 0),
    "transpose(-1, 0) of a 0-d tensor": lambda lib: lib.tensor(3.0).transpose(-1, 0),
    "softmax over a size-0 dim": lambda lib: lib.zeros(0, 3).softmax(0),
    "softmax beside a size-0 dim": lambda lib: lib.zeros(3, 0).softmax(1),
    "log_softmax over a size-0 dim": lambda lib: lib.zeros(0, 3).log_softmax(0),
    "logsumexp over a size-0 dim": lambda lib: lib.zeros(3, 0).logsumexp(1),
    "flatten(1) of an empty batch": lambda lib: lib.zeros(0, 3, 4).flatten(1),
    "nn.Flatten of an empty batch": lambda lib: lib.nn.Flatten()(lib.zeros(0, 3, 4)),
    "x ** 0 and x ** y with y = 0: gradient 0 at +-inf": _pow_0_gradient_at_inf,
    "int ** negative int tensor": lambda lib: (
        lib.tensor([1, -1, 2, -1], dtype=lib.int64) ** lib.tensor([-2, -1, -3, -3], dtype=lib.int64)
    ),
    "int ** a negative int tensor, reflected": lambda lib: 2 ** lib.tensor([-2, 3], dtype=lib.int64),
    "int, slice, list: the int is taken first": lambda lib: lib.arange(24.0).reshape(2, 3, 4)[0, :, [0, 1]],
    "list, slice, int": lambda lib: lib.arange(24.0).reshape(2, 3, 4)[[1, 0], :, 2],
    "int, None, slice, list": lambda lib: lib.arange(24.0).reshape(2, 3, 4)[1, None, :, [0, 3]],
    "ellipsis, int, list": lambda lib: lib.arange(24.0).reshape(2, 3, 4)[..., 1, [0, 2]],
    "int beside lists": lambda lib: lib.arange(24.0).reshape(2, 3, 4)[0, [1, 2], [0, 1]],
    "sigmoid of very negative float64 inputs, down through the subnormals": lambda lib: lib.tensor(
        [-700.0, -100.0, -20.0, 0.0, 30.0], dtype=lib.float64
    ).sigmoid(),
}


@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # (log(-inf) in x ** y's exponent gradient, nan in both)
@pytest.mark.parametrize("name", EDGE_CASES)
def test_edge_cases_compute_what_pytorch_computes(name):
    ours, theirs = both(EDGE_CASES[name])
    assert_same_tensor(ours, theirs, rtol=1e-14)


def test_an_int_index_separated_from_an_array_by_a_slice_sends_the_gradient_back_as_pytorch():
    ours, theirs = both(lambda lib: lib.arange(24.0, dtype=lib.float64).reshape(2, 3, 4).requires_grad_())
    for x in (ours, theirs):
        (x[1, :, [0, 3, 3]] * x[1, :, [0, 3, 3]].detach()).sum().backward()
    assert_same_tensor(ours.grad, theirs.grad)


# ---- errors: ours is an instance of the class torch raises -----------------------------------------------


def backward_twice(lib):
    x = lib.tensor([1.0, 2.0], requires_grad=True)
    y = (x * x).sum()
    y.backward()
    y.backward()


def non_scalar_backward(lib):
    (lib.tensor([1.0, 2.0], requires_grad=True) * 2).backward()


def backward_without_grad(lib):
    lib.ones(2).sum().backward()


def gradient_of_the_wrong_shape(lib):
    (lib.tensor([1.0, 2.0], requires_grad=True) * 2).backward(lib.ones(3))


def in_place_on_a_leaf_that_requires_grad(lib):
    x = lib.tensor([1.0, 2.0], requires_grad=True)
    x *= 2


def _assign_grad(lib, value):
    x = lib.ones(2, 3, requires_grad=True)
    x.grad = value(lib)


def saved_tensor_changed_in_place(lib):
    a = lib.tensor([1.0, 2.0])
    w = lib.tensor([1.0, 1.0], requires_grad=True)
    y = (w * a).sum()
    a += 10
    y.backward()


def saved_tensor_cast_by_promotion_changed_in_place(lib):
    a = lib.tensor([1.0, 2.0], requires_grad=True)
    b = lib.tensor(2.0, dtype=lib.float64, requires_grad=True)  # 0-d: a / b is float32, b is cast
    y = (a / b).sum()  # Div saves b (PyTorch the tensor itself, we its float32 copy)
    with lib.no_grad():
        b.mul_(3)
    y.backward()


def saved_output_changed_in_place(lib):
    y = lib.tensor([1.0, 2.0], requires_grad=True).exp()
    y[0] = 0.0
    y.sum().backward()


def prod_changed_in_place(lib):
    y = lib.tensor([1.0, 2.0], requires_grad=True).prod()
    y += 1
    y.backward()


def amax_of_0d_changed_in_place(lib):
    y = lib.tensor(1.0, requires_grad=True).amax()
    with lib.no_grad():
        y += 1
    y.backward()


def optimizer_step_between_backwards(lib):
    w = lib.tensor([1.0, 2.0], requires_grad=True)
    opt = lib.optim.SGD([w], lr=0.1)
    y = (w * w).sum()
    y.backward(retain_graph=True)
    opt.step()
    y.backward()


ERRORS = {
    "broadcast": lambda lib: lib.ones(2, 3) + lib.ones(4, 3),
    "matmul inner": lambda lib: lib.ones(2, 3) @ lib.ones(2, 3),
    "matmul vectors": lambda lib: lib.ones(3) @ lib.ones(4),
    "matmul a number": lambda lib: lib.ones(2, 3) @ 2,
    "number matmul": lambda lib: 2 @ lib.ones(2, 3),
    "dot of a matrix": lambda lib: lib.ones(2, 3).dot(lib.ones(3)),
    "dot lengths": lambda lib: lib.ones(3).dot(lib.ones(4)),
    "outer of a matrix": lambda lib: lib.outer(lib.ones(2, 3), lib.ones(3)),
    "mv lengths": lambda lib: lib.mv(lib.ones(2, 3), lib.ones(2)),
    "mv of two vectors": lambda lib: lib.ones(3).mv(lib.ones(3)),
    "mv of a column": lambda lib: lib.ones(2, 3).mv(lib.ones(3, 1)),
    "bmm of matrices": lambda lib: lib.ones(2, 3).bmm(lib.ones(3, 2)),
    "bmm batch sizes": lambda lib: lib.bmm(lib.ones(2, 3, 4), lib.ones(1, 4, 5)),
    "bmm inner sizes": lambda lib: lib.ones(2, 3, 4).bmm(lib.ones(2, 3, 5)),
    "bmm of mixed dtypes": lambda lib: lib.ones(2, 3, 4).bmm(lib.ones(2, 4, 5, dtype=lib.float64)),
    "bmm of bools": lambda lib: lib.ones(2, 3, 4, dtype=lib.bool).bmm(lib.ones(2, 4, 5, dtype=lib.bool)),
    "mm of bools": lambda lib: lib.ones(2, 2, dtype=lib.bool).mm(lib.ones(2, 2, dtype=lib.bool)),
    "mv of bools": lambda lib: lib.ones(2, 2, dtype=lib.bool).mv(lib.ones(2, dtype=lib.bool)),
    "addmm self larger than the product": lambda lib: lib.ones(2, 3, 3).addmm(lib.ones(3, 4), lib.ones(4, 3)),
    "addcdiv of ints": lambda lib: lib.tensor([1, 2]).addcdiv(lib.tensor([1, 2]), lib.tensor([1, 2])),
    "div rounding_mode round": lambda lib: lib.ones(2).div(2, rounding_mode="round"),
    "mT of a vector": lambda lib: lib.ones(3).mT,
    "select dim range": lambda lib: lib.ones(2, 3).select(2, 0),
    "select of a 0-d tensor": lambda lib: lib.tensor(1.0).select(0, 0),
    "select index range": lambda lib: lib.ones(2, 3).select(1, 5),
    "exp_ of an int tensor": lambda lib: lib.tensor([1]).exp_(),
    "relu_ of a leaf that requires grad": lambda lib: lib.ones(2, requires_grad=True).relu_(),
    "unbind of a 0-d tensor": lambda lib: lib.tensor(1.0).unbind(),
    "unbind dim range": lambda lib: lib.ones(2).unbind(1),
    "histogram of ints": lambda lib: lib.histogram(lib.tensor([1, 2]), 3),
    "reshape size": lambda lib: lib.ones(2, 3).reshape(4, 2),
    "reshape two -1": lambda lib: lib.ones(2, 3).view(-1, -1),
    "reshape float size": lambda lib: lib.ones(2, 3).reshape(2.5, 2),
    "sum dim range": lambda lib: lib.ones(2, 3).sum(2),
    "mean negative dim range": lambda lib: lib.ones(2, 3).mean(-3),
    "softmax dim range": lambda lib: lib.ones(2, 3).softmax(2),
    "logsumexp dim range": lambda lib: lib.ones(2, 3).logsumexp(3),
    "argmax dim range": lambda lib: lib.ones(2, 3).argmax(2),
    "transpose dim range": lambda lib: lib.ones(2, 3).transpose(0, 2),
    "permute repeated": lambda lib: lib.ones(2, 3).permute(0, 0),
    "permute too few": lambda lib: lib.ones(2, 3).permute(0),
    "unsqueeze range": lambda lib: lib.ones(2, 3).unsqueeze(3),
    "squeeze range": lambda lib: lib.ones(2, 3).squeeze(5),
    "flatten range": lambda lib: lib.ones(2, 3).flatten(2),
    "flatten start after end": lambda lib: lib.ones(2, 3).flatten(1, 0),
    "expand": lambda lib: lib.ones(2, 3).expand(3, 3),
    "expand fewer dims": lambda lib: lib.ones(2, 3).expand(3),
    "t of 3-D": lambda lib: lib.ones(2, 3, 4).t(),
    "index range": lambda lib: lib.ones(2, 3)[2],
    "index negative range": lambda lib: lib.ones(2, 3)[-3],
    "index second dim": lambda lib: lib.ones(2, 3)[0, 3],
    "too many indices": lambda lib: lib.ones(2, 3)[0, 0, 0],
    "index list range": lambda lib: lib.ones(2, 3)[[0, 5]],
    "mask shape": lambda lib: lib.ones(2, 3)[lib.ones(3, dtype=lib.bool)],
    "cat shapes": lambda lib: lib.cat([lib.ones(2, 3), lib.ones(2, 4)]),
    "cat dim": lambda lib: lib.cat([lib.ones(2, 3), lib.ones(2, 3)], dim=2),
    "cat empty": lambda lib: lib.cat([]),
    "cat of a tensor": lambda lib: lib.cat(lib.ones(2)),
    "stack shapes": lambda lib: lib.stack([lib.ones(2), lib.ones(3)]),
    "stack empty": lambda lib: lib.stack([]),
    "stack dim": lambda lib: lib.stack([lib.ones(2)], dim=2),
    "where shapes": lambda lib: lib.where(lib.ones(2) > 0, lib.ones(3), lib.ones(2)),
    "maximum shapes": lambda lib: lib.maximum(lib.ones(2), lib.ones(3)),
    "compare shapes": lambda lib: lib.ones(2) < lib.ones(3),
    "clamp without bounds": lambda lib: lib.ones(2).clamp(),
    "item of many": lambda lib: lib.ones(2).item(),
    "item of none": lambda lib: lib.ones(0).item(),
    "bool of many": lambda lib: bool(lib.ones(2)),
    "len of 0-d": lambda lib: len(lib.tensor(1.0)),
    "format spec on a 1-d tensor": lambda lib: f"{lib.ones(2):.2f}",
    "index by a float tensor": lambda lib: [1, 2][lib.tensor(1.0)],
    "index by a two-element tensor": lambda lib: [1, 2][lib.tensor([0, 1])],
    "iterate 0-d": lambda lib: iter(lib.tensor(1.0)),
    "size dim range": lambda lib: lib.ones(1, 1).size(2),
    "numpy of a tensor requiring grad": lambda lib: lib.tensor([1.0], requires_grad=True).numpy(),
    "requires_grad on int64": lambda lib: lib.tensor([1, 2], dtype=lib.int64, requires_grad=True),
    "requires_grad_ on int64": lambda lib: lib.zeros(2, dtype=lib.int64).requires_grad_(),
    "requires_grad_(False) on a result": lambda lib: (lib.tensor([1.0], requires_grad=True) * 2).requires_grad_(False),
    "ragged list": lambda lib: lib.tensor([[1, 2], [3]]),
    "string data": lambda lib: lib.tensor("a"),
    "zeros negative": lambda lib: lib.zeros(-1),
    "ones negative": lambda lib: lib.ones(2, -3),
    "eye negative": lambda lib: lib.eye(-1),
    "arange zero step": lambda lib: lib.arange(0, 5, 0),
    "linspace negative steps": lambda lib: lib.linspace(0, 1, -1),
    "rand of int64": lambda lib: lib.rand(2, dtype=lib.int64),
    "rand_like of int64": lambda lib: lib.rand_like(lib.arange(3)),
    "backward twice": backward_twice,
    "backward of a vector without gradient": non_scalar_backward,
    "backward without grad": backward_without_grad,
    "backward gradient shape": gradient_of_the_wrong_shape,
    "in-place on a leaf requiring grad": in_place_on_a_leaf_that_requires_grad,
    "int tensor ** negative int": lambda lib: lib.tensor([2], dtype=lib.int32) ** -2,
    ".grad = a number": lambda lib: _assign_grad(lib, lambda lib: 0.0),
    ".grad = an ndarray": lambda lib: _assign_grad(lib, lambda lib: np.zeros((2, 3), dtype=np.float32)),
    ".grad of another shape": lambda lib: _assign_grad(lib, lambda lib: lib.zeros(3)),
    ".grad of a shape that would broadcast": lambda lib: _assign_grad(lib, lambda lib: lib.zeros(1, 3)),
    ".grad of another dtype": lambda lib: _assign_grad(lib, lambda lib: lib.zeros(2, 3, dtype=lib.float64)),
    "bool tensor ** negative int": lambda lib: lib.tensor(True) ** -1,
    "saved tensor changed in place": saved_tensor_changed_in_place,
    "saved output changed in place": saved_output_changed_in_place,
    "saved tensor cast by promotion changed in place": saved_tensor_cast_by_promotion_changed_in_place,
    "optimizer step between two backwards": optimizer_step_between_backwards,
    "gather index larger in another dim": lambda lib: lib.ones(2, 3).gather(
        1, lib.tensor([[0], [1], [0]], dtype=lib.int64)
    ),
    # found by tests/test_torch_parity_random.py:
    "mean of int64": lambda lib: lib.tensor([1, 2]).mean(),
    "mean of bool over a dim": lambda lib: lib.tensor([[True]]).mean(0),
    "cat of a 0-d tensor": lambda lib: lib.cat([lib.ones(1), lib.tensor(2.0)]),
    "max over an empty dim": lambda lib: lib.zeros(0, 2).max(0),
    "amin over an empty dim": lambda lib: lib.zeros(2, 0).amin(1),
    "minus a bool tensor": lambda lib: -lib.tensor([True]),
    "bool tensor minus an int": lambda lib: lib.tensor([True]) - 1,
    "float tensor minus True": lambda lib: lib.ones(2) - True,
    "abs of bool": lambda lib: lib.tensor([True]).abs(),
    "relu of bool": lambda lib: lib.tensor([True]).relu(),
    "bool tensor ** bool tensor": lambda lib: lib.tensor([True]) ** lib.tensor([True]),
    "True ** a bool tensor": lambda lib: True ** lib.tensor([True]),
    "matmul of bool matrices": lambda lib: lib.ones(2, 2, dtype=lib.bool) @ lib.ones(2, 2, dtype=lib.bool),
    "in-place add on an expanded tensor": lambda lib: lib.ones(1).expand(3).add_(1),
    "int64 pow_ to a float power": lambda lib: lib.tensor([2]).pow_(0.5),
    "int64 clamp_ to a float bound": lambda lib: lib.tensor([2]).clamp_(0.5),
    "setitem into a 0-d leaf that requires grad": lambda lib: lib.tensor(1.0, requires_grad=True).__setitem__(0, 2.0),
    "prod changed in place before backward": prod_changed_in_place,
    "int64 div_": lambda lib: lib.tensor([2]).div_(2),
    "in-place add of a larger tensor": lambda lib: lib.ones(3).add_(lib.ones(2, 3)),
    "setitem of a value that does not fit": lambda lib: lib.ones(2, 3).__setitem__(0, lib.ones(2, 3)),
    "pow_ to a larger exponent tensor": lambda lib: lib.tensor(1.5).pow_(lib.tensor([2.0])),
    "amax of a 0-d tensor changed in place before backward": amax_of_0d_changed_in_place,
    # an in-place op whose input overlaps the written memory in part (the same memory whole is allowed)
    "x[1:] += x[:-1]": lambda lib: (lambda x: x[1:].add_(x[:-1]))(lib.arange(4.0)),
    "x += x[0]": lambda lib: (lambda x: x.add_(x[0]))(lib.arange(4.0)),
    "x[:2] -= x[1:3]": lambda lib: (lambda x: x[:2].sub_(x[1:3]))(lib.arange(4.0)),
    "y *= y.T": lambda lib: (lambda y: y.mul_(y.t()))(lib.ones(3, 3)),
    "x /= x[:1]": lambda lib: (lambda x: x.div_(x[:1]))(lib.ones(4)),
    "x[1:] = x[:-1]": lambda lib: (lambda x: x.__setitem__(slice(1, None), x[:-1]))(lib.arange(4.0)),
    "x[[1, 2]] = x[:2]": lambda lib: (lambda x: x.__setitem__([1, 2], x[:2]))(lib.arange(4.0)),
    "x[[0, 1, 2, 3]] = x": lambda lib: (lambda x: x.__setitem__([0, 1, 2, 3], x))(lib.arange(4.0)),
    "y[0] = y, y of shape (1, 1)": lambda lib: (lambda y: y.__setitem__(0, y))(lib.ones(1, 1)),
    "y[0:1] = y[0], y of shape (3, 1)": lambda lib: (lambda y: y.__setitem__(slice(0, 1), y[0]))(lib.ones(3, 1)),
}


@pytest.mark.parametrize("name", ERRORS)
def test_error_is_an_instance_of_the_class_torch_raises(name):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs = raised(lambda: ERRORS[name](torch))
        ours = raised(lambda: ERRORS[name](tg))
    # torch's NotImplementedError (a RuntimeError) means "no kernel for this dtype"; ours is a DtypeError,
    # a RuntimeError too.
    expected = RuntimeError if type(theirs) is NotImplementedError else type(theirs)
    assert isinstance(ours, expected), f"torch raises {type(theirs).__name__}, we raise {type(ours).__name__}"


# ---- nn.Module ---------------------------------------------------------------------------------------------


def build_net(lib):
    nn = lib.nn

    class Block(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = nn.Linear(3, 3)
            self.act = nn.ReLU()
            self.scale = nn.Parameter(lib.ones(1))

        def forward(self, x):
            return self.act(self.fc(x)) * self.scale

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.w0 = nn.Parameter(lib.zeros(2))
            self.blocks = nn.ModuleList([Block(), Block()])
            self.head = nn.Sequential(nn.Linear(3, 2), nn.Sigmoid(), nn.Linear(2, 1, bias=False))
            self.extra = nn.Sequential(OrderedDict([("lin", nn.Linear(1, 1)), ("tanh", nn.Tanh())]))

        def forward(self, x):
            for block in self.blocks:
                x = block(x)
            return self.extra(self.head(x))

    return Net()


MODULE_QUERIES = {
    "named_parameters": lambda net: [name for name, _ in net.named_parameters()],
    "parameter shapes in order": lambda net: [tuple(p.shape) for p in net.parameters()],
    "named_modules": lambda net: [name for name, _ in net.named_modules()],
    "module types": lambda net: [type(m).__name__ for m in net.modules()],
    "named_children": lambda net: [name for name, _ in net.named_children()],
    "children": lambda net: [type(m).__name__ for m in net.children()],
    "state_dict keys and shapes": lambda net: [(k, tuple(v.shape)) for k, v in net.state_dict().items()],
    "state_dict with a prefix": lambda net: list(net.head.state_dict(prefix="model.head.")),
    "named_parameters with a prefix": lambda net: [n for n, _ in net.head.named_parameters(prefix="head")],
    "named_parameters not recursing": lambda net: [n for n, _ in net.named_parameters(recurse=False)],
    "repr": repr,
    "train and eval": lambda net: [
        net.training,
        net.eval() is net,
        [m.training for m in net.modules()],
        net.train() is net,
        [m.training for m in net.modules()],
    ],
    "Sequential indexing": lambda net: [
        len(net.head),
        type(net.head[-1]).__name__,
        len(net.head[0:2]),
        [n for n, _ in net.head[1:].named_parameters()],
    ],
    "ModuleList indexing": lambda net: [len(net.blocks), type(net.blocks[-1]).__name__],
}


@pytest.mark.parametrize("name", MODULE_QUERIES)
def test_module_api(name):
    ours, theirs = both(lambda lib: MODULE_QUERIES[name](build_net(lib)))
    assert ours == theirs


def shared_layer(lib):
    lin = lib.nn.Linear(2, 2)
    net = lib.nn.Sequential(lin, lin)
    return [
        [n for n, _ in net.named_parameters()],
        list(net.state_dict()),
        [n for n, _ in net.named_modules()],
        len(list(net.children())),
    ]


def zero_grad_set_to_none(lib):
    net = build_net(lib)
    net(lib.ones(2, 3)).sum().backward()
    net.zero_grad()
    return [p.grad is None for p in net.parameters()]


def zero_grad_to_zeros(lib):
    net = build_net(lib)
    net.blocks[0](lib.ones(2, 3)).sum().backward()
    net.zero_grad(set_to_none=False)
    return [None if p.grad is None else float(p.grad.abs().sum()) for p in net.parameters()]


def linear_attributes(lib):
    m = lib.nn.Linear(2, 3)
    return [
        m.in_features,
        m.out_features,
        tuple(m.weight.shape),
        tuple(m.bias.shape),
        dtype_name(m.weight),
        m.weight.requires_grad,
        m.weight.is_leaf,
        type(m.weight).__name__,
        isinstance(m.weight, lib.Tensor),
    ]


def linear_without_bias(lib):
    m = lib.nn.Linear(2, 3, bias=False)
    return [m.bias, [n for n, _ in m.named_parameters()], list(m.state_dict())]


def linear_input_shapes(lib):
    m = lib.nn.Linear(2, 3)
    return [tuple(m(lib.ones(4, 2)).shape), tuple(m(lib.ones(2)).shape), tuple(m(lib.ones(5, 4, 2)).shape)]


def parameter_basics(lib):
    p = lib.nn.Parameter(lib.ones(2))
    q = lib.nn.Parameter(lib.ones(2), requires_grad=False)
    r = p * 2
    return [p.requires_grad, p.is_leaf, q.requires_grad, type(r).__name__, r.requires_grad]


def assigning_a_tensor_to_a_parameter_name(lib):
    m = lib.nn.Linear(1, 1)
    return raised(lambda: setattr(m, "weight", lib.ones(1, 1))).__class__.__name__


def requires_grad_freezes(lib):
    m = lib.nn.Linear(1, 1)
    return [m.requires_grad_(False) is m, [p.requires_grad for p in m.parameters()]]


def module_apply_and_double(lib):
    m = lib.nn.Linear(1, 1)
    seen = []
    return [m.apply(lambda mod: seen.append(type(mod).__name__)) is m, seen, dtype_name(m.double().weight)]


MODULE_SCENARIOS = [
    shared_layer,
    zero_grad_set_to_none,
    zero_grad_to_zeros,
    linear_attributes,
    linear_without_bias,
    linear_input_shapes,
    parameter_basics,
    assigning_a_tensor_to_a_parameter_name,
    requires_grad_freezes,
    module_apply_and_double,
]


@pytest.mark.parametrize("scenario", MODULE_SCENARIOS, ids=[f.__name__ for f in MODULE_SCENARIOS])
def test_module_scenarios(scenario):
    ours, theirs = both(scenario)
    assert ours == theirs


def test_forward_equals_torch_with_the_same_weights():
    theirs = build_net(torch).double()
    ours = build_net(tg).double()
    ours.load_state_dict({k: v.numpy() for k, v in theirs.state_dict().items()})
    x = np.random.default_rng(0).standard_normal((5, 3))
    np.testing.assert_allclose(ours(tg.tensor(x)).data, theirs(torch.tensor(x)).detach().numpy(), rtol=1e-12)


def test_load_state_dict_strict_semantics_and_the_returned_keys():
    for lib in (tg, torch):
        net = build_net(lib)
        state = net.state_dict()
        result = net.load_state_dict(state)
        assert (result.missing_keys, result.unexpected_keys) == ([], [])
        assert repr(result) == "<All keys matched successfully>"

        partial = OrderedDict(state)
        del partial["w0"]
        partial["junk"] = state["w0"]
        with pytest.raises(RuntimeError, match=r'Missing key\(s\) in state_dict: "w0"'):
            net.load_state_dict(partial)
        with pytest.raises(RuntimeError, match=r'Unexpected key\(s\) in state_dict: "junk"'):
            net.load_state_dict(partial)
        result = net.load_state_dict(partial, strict=False)
        assert result.missing_keys == ["w0"] and result.unexpected_keys == ["junk"]
        assert tuple(result) == (["w0"], ["junk"])
        assert repr(result) == "_IncompatibleKeys(missing_keys=['w0'], unexpected_keys=['junk'])"

        wrong = OrderedDict(state)
        wrong["w0"] = state["head.0.bias"][:1]
        with pytest.raises(RuntimeError, match="size mismatch for w0"):
            net.load_state_dict(wrong, strict=False)  # a wrong shape is an error even when not strict


# Deliberate (documented in README): state_dict values are NumPy copies, so `torch.from_numpy` loads them.
def test_deliberate_state_dict_values_are_numpy_copies():
    ours = build_net(tg).state_dict()
    assert all(isinstance(v, np.ndarray) for v in ours.values())
    loaded = build_net(torch)
    loaded.load_state_dict({k: torch.from_numpy(v) for k, v in ours.items()})


REPRS = {
    "Linear": lambda nn: nn.Linear(2, 3),
    "Linear without bias": lambda nn: nn.Linear(2, 3, bias=False),
    "activations": lambda nn: nn.Sequential(
        nn.Linear(2, 4),
        nn.Sigmoid(),
        nn.ReLU(),
        nn.Tanh(),
        nn.Softmax(dim=1),
        nn.LogSoftmax(dim=-1),
        nn.Identity(),
        nn.Flatten(),
        nn.Flatten(0, 2),
    ),
    "ReLU inplace": lambda nn: nn.ReLU(inplace=True),
    "losses": lambda nn: nn.Sequential(
        nn.MSELoss(),
        nn.L1Loss(),
        nn.BCELoss(),
        nn.BCEWithLogitsLoss(),
        nn.CrossEntropyLoss(),
        nn.NLLLoss(),
        nn.MSELoss(reduction="sum"),
        nn.CrossEntropyLoss(label_smoothing=0.1),
    ),
    "empty containers": lambda nn: nn.Sequential(nn.Sequential(), nn.ModuleList()),
    "ModuleList runs of equal layers": lambda nn: nn.ModuleList(
        [
            nn.Linear(1, 1),
            nn.Linear(1, 1),
            nn.ReLU(),
            nn.Linear(1, 1),
            nn.Sequential(nn.Tanh()),
            nn.Sequential(nn.Tanh()),
        ]
    ),
    "Sequential does not group": lambda nn: nn.Sequential(nn.Linear(1, 1), nn.Linear(1, 1)),
    "named Sequential": lambda nn: nn.Sequential(OrderedDict([("lin", nn.Linear(1, 1)), ("act", nn.Tanh())])),
}


@pytest.mark.parametrize("name", REPRS)
def test_module_repr_is_torchs_text(name):
    ours, theirs = both(lambda lib: repr(REPRS[name](lib.nn)))
    assert ours == theirs


# ---- losses: values and gradients for every reduction and option --------------------------------------------

N, C = 5, 4
_rng = np.random.default_rng(11)
LOGITS = _rng.standard_normal((N, C))
REAL_TARGET = _rng.standard_normal((N, C))
PROBS = 1 / (1 + np.exp(-LOGITS))
BINARY = _rng.integers(0, 2, (N, C)).astype(np.float64)
SOFT = _rng.random((N, C))
CLASSES = _rng.integers(0, C, N)
IGNORED = np.where(np.arange(N) == 1, -100, CLASSES)
ALL_IGNORED = np.full(N, -100)
CLASS_WEIGHT = _rng.random(C) + 0.5
ELEMENT_WEIGHT = _rng.random((N, C)) + 0.5
POS_WEIGHT = _rng.random(C) + 0.5
LOGITS_3D = _rng.standard_normal((N, C, 3))
CLASSES_3D = _rng.integers(0, C, (N, 3))
EXTREME_PROBS = np.array([0.0, 1.0, 0.5, 1.0, 0.0])
EXTREME_TARGETS = np.array([0.0, 1.0, 1.0, 0.0, 1.0])


def t(lib, array):
    """A target or weight in each library's natural form (class indices as int64 for torch)."""
    return lib.tensor(array)


# name: (loss(lib, x, reduction), input)
LOSSES: dict[str, tuple[Callable[..., Any], np.ndarray]] = {
    "mse": (lambda lib, x, r: lib.nn.functional.mse_loss(x, t(lib, REAL_TARGET), reduction=r), LOGITS),
    "MSELoss": (lambda lib, x, r: lib.nn.MSELoss(reduction=r)(x, t(lib, REAL_TARGET)), LOGITS),
    "l1": (lambda lib, x, r: lib.nn.functional.l1_loss(x, t(lib, REAL_TARGET), reduction=r), LOGITS),
    "L1Loss at ties": (lambda lib, x, r: lib.nn.L1Loss(reduction=r)(x, t(lib, EXTREME_TARGETS)), EXTREME_TARGETS),
    "bce": (lambda lib, x, r: lib.nn.functional.binary_cross_entropy(x, t(lib, BINARY), reduction=r), PROBS),
    "bce soft": (lambda lib, x, r: lib.nn.functional.binary_cross_entropy(x, t(lib, SOFT), reduction=r), PROBS),
    "bce weight": (
        lambda lib, x, r: lib.nn.BCELoss(weight=t(lib, ELEMENT_WEIGHT), reduction=r)(x, t(lib, SOFT)),
        PROBS,
    ),
    "bce row weight": (
        lambda lib, x, r: lib.nn.functional.binary_cross_entropy(
            x, t(lib, BINARY), weight=t(lib, CLASS_WEIGHT), reduction=r
        ),
        PROBS,
    ),
    "bce at 0 and 1": (
        lambda lib, x, r: lib.nn.functional.binary_cross_entropy(x, t(lib, EXTREME_TARGETS), reduction=r),
        EXTREME_PROBS,
    ),
    "bce with logits": (
        lambda lib, x, r: lib.nn.functional.binary_cross_entropy_with_logits(x, t(lib, SOFT), reduction=r),
        3 * LOGITS,
    ),
    "bce with logits weight pos_weight": (
        lambda lib, x, r: lib.nn.BCEWithLogitsLoss(
            weight=t(lib, ELEMENT_WEIGHT), pos_weight=t(lib, POS_WEIGHT), reduction=r
        )(x, t(lib, BINARY)),
        3 * LOGITS,
    ),
    "bce with logits at +-1000": (
        lambda lib, x, r: lib.nn.functional.binary_cross_entropy_with_logits(x, t(lib, EXTREME_TARGETS), reduction=r),
        np.array([-1000.0, 1000.0, 0.0, 50.0, -50.0]),
    ),
    "cross_entropy": (lambda lib, x, r: lib.nn.functional.cross_entropy(x, t(lib, CLASSES), reduction=r), LOGITS),
    "CrossEntropyLoss weight": (
        lambda lib, x, r: lib.nn.CrossEntropyLoss(weight=t(lib, CLASS_WEIGHT), reduction=r)(x, t(lib, CLASSES)),
        LOGITS,
    ),
    "cross_entropy ignore_index": (
        lambda lib, x, r: lib.nn.functional.cross_entropy(x, t(lib, IGNORED), weight=t(lib, CLASS_WEIGHT), reduction=r),
        LOGITS,
    ),
    "cross_entropy own ignore_index": (
        lambda lib, x, r: lib.nn.functional.cross_entropy(
            x, t(lib, CLASSES), ignore_index=int(CLASSES[0]), reduction=r
        ),
        LOGITS,
    ),
    "cross_entropy label_smoothing": (
        lambda lib, x, r: lib.nn.CrossEntropyLoss(label_smoothing=0.2, reduction=r)(x, t(lib, CLASSES)),
        LOGITS,
    ),
    "cross_entropy smoothing weight ignore": (
        lambda lib, x, r: lib.nn.functional.cross_entropy(
            x, t(lib, IGNORED), weight=t(lib, CLASS_WEIGHT), label_smoothing=0.3, reduction=r
        ),
        LOGITS,
    ),
    "cross_entropy probabilities": (
        lambda lib, x, r: lib.nn.functional.cross_entropy(
            x, t(lib, SOFT), weight=t(lib, CLASS_WEIGHT), label_smoothing=0.1, reduction=r
        ),
        LOGITS,
    ),
    "cross_entropy (N, C, d)": (
        lambda lib, x, r: lib.nn.functional.cross_entropy(
            x, t(lib, CLASSES_3D), weight=t(lib, CLASS_WEIGHT), reduction=r
        ),
        LOGITS_3D,
    ),
    "cross_entropy one sample": (
        lambda lib, x, r: lib.nn.functional.cross_entropy(x, t(lib, 2), reduction=r),
        LOGITS[0],
    ),
    "cross_entropy huge logits": (
        lambda lib, x, r: lib.nn.functional.cross_entropy(x, t(lib, CLASSES), reduction=r),
        1000 * LOGITS,
    ),
    "cross_entropy all ignored": (
        lambda lib, x, r: lib.nn.functional.cross_entropy(x, t(lib, ALL_IGNORED), reduction=r),
        LOGITS,
    ),
    "nll": (lambda lib, x, r: lib.nn.functional.nll_loss(x, t(lib, CLASSES), reduction=r), LOGITS),
    "NLLLoss weight ignore": (
        lambda lib, x, r: lib.nn.NLLLoss(weight=t(lib, CLASS_WEIGHT), reduction=r)(x, t(lib, IGNORED)),
        LOGITS,
    ),
    "nll (N, C, d)": (lambda lib, x, r: lib.nn.functional.nll_loss(x, t(lib, CLASSES_3D), reduction=r), LOGITS_3D),
    "nll all ignored": (lambda lib, x, r: lib.nn.functional.nll_loss(x, t(lib, ALL_IGNORED), reduction=r), LOGITS),
}


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("name", LOSSES)
def test_loss_value_and_gradient(name, reduction):
    loss, x = LOSSES[name]
    results = []
    for lib in (tg, torch):
        inp = lib.tensor(x, requires_grad=True)
        out = loss(lib, inp, reduction)
        upstream = np.random.default_rng(5).standard_normal(tuple(out.shape))
        out.backward(lib.tensor(upstream))
        results.append((out, inp.grad))
    (ours, our_grad), (theirs, their_grad) = results
    assert_same_tensor(ours, theirs)
    assert_same_tensor(our_grad, their_grad, rtol=1e-8)  # BCE divides by max(x (1 - x), 1e-12) in its own order


# A target that requires grad (e.g. a second output of the network) gets its gradient too.
SPREAD = np.array([1.0, 2.0, 3.0])  # (N, C) -> (N, C, 3), for a loss with a class dimension in the middle
TARGET_GRAD_LOSSES: dict[str, Callable[..., Any]] = {
    "mse": lambda lib, x, y, r: lib.nn.functional.mse_loss(x, y, reduction=r),
    "l1": lambda lib, x, y, r: lib.nn.L1Loss(reduction=r)(x, y),
    "bce": lambda lib, x, y, r: lib.nn.functional.binary_cross_entropy(
        x.sigmoid(), y.sigmoid(), weight=t(lib, ELEMENT_WEIGHT), reduction=r
    ),
    "bce with logits": lambda lib, x, y, r: lib.nn.BCEWithLogitsLoss(
        weight=t(lib, ELEMENT_WEIGHT), pos_weight=t(lib, POS_WEIGHT), reduction=r
    )(x, y.sigmoid()),
    "cross_entropy probabilities": lambda lib, x, y, r: lib.nn.functional.cross_entropy(
        x, y.softmax(1), weight=t(lib, CLASS_WEIGHT), label_smoothing=0.1, reduction=r
    ),
    "cross_entropy probabilities (N, C, d)": lambda lib, x, y, r: lib.nn.functional.cross_entropy(
        x.reshape(N, C, 1) * t(lib, SPREAD), (y.reshape(N, C, 1) * t(lib, SPREAD)).softmax(1), reduction=r
    ),
}


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("name", TARGET_GRAD_LOSSES)
def test_loss_gradient_reaches_a_target_that_requires_grad(name, reduction):
    results = []
    for lib in (tg, torch):
        x, y = lib.tensor(LOGITS, requires_grad=True), lib.tensor(REAL_TARGET, requires_grad=True)
        out = TARGET_GRAD_LOSSES[name](lib, x, y, reduction)
        out.backward(lib.tensor(np.random.default_rng(5).standard_normal(tuple(out.shape))))
        results.append((out, x.grad, y.grad))
    for ours, theirs in zip(*results):
        assert_same_tensor(ours, theirs)


LOSS_ERRORS = {
    "bce input above 1": lambda lib: lib.nn.functional.binary_cross_entropy(lib.tensor([1.5]), lib.tensor([1.0])),
    "bce input nan": lambda lib: lib.nn.functional.binary_cross_entropy(lib.tensor([math.nan]), lib.tensor([1.0])),
    "class out of range": lambda lib: lib.nn.functional.cross_entropy(lib.ones(2, 3), lib.tensor([0, 3])),
    "negative class": lambda lib: lib.nn.functional.nll_loss(lib.ones(2, 3), lib.tensor([0, -1])),
    "target batch size": lambda lib: lib.nn.functional.cross_entropy(lib.ones(2, 3), lib.tensor([0, 1, 2])),
    "class weight size": lambda lib: lib.nn.functional.cross_entropy(
        lib.ones(2, 3), lib.tensor([0, 1]), weight=lib.ones(2)
    ),
    "label_smoothing range": lambda lib: lib.nn.functional.cross_entropy(
        lib.ones(2, 3), lib.tensor([0, 1]), label_smoothing=1.5
    ),
    "reduction name": lambda lib: lib.nn.functional.mse_loss(lib.ones(2), lib.ones(2), reduction="avg"),
    "bce target shape": lambda lib: lib.nn.functional.binary_cross_entropy(lib.ones(2) / 2, lib.ones(3)),
    "bce with logits target shape": lambda lib: lib.nn.functional.binary_cross_entropy_with_logits(
        lib.ones(2), lib.ones(3)
    ),
}


@pytest.mark.parametrize("name", LOSS_ERRORS)
def test_loss_error_is_an_instance_of_the_class_torch_raises(name):
    theirs = raised(lambda: LOSS_ERRORS[name](torch))
    ours = raised(lambda: LOSS_ERRORS[name](tg))
    assert isinstance(ours, type(theirs)), f"torch raises {type(theirs).__name__}, we raise {type(ours).__name__}"


# ---- optimizers: several steps from the same start ----------------------------------------------------------

OPTIMIZERS = {
    "SGD": lambda optim, params: optim.SGD(params, lr=0.1),
    "SGD momentum": lambda optim, params: optim.SGD(params, lr=0.1, momentum=0.9),
    "SGD dampening": lambda optim, params: optim.SGD(params, lr=0.1, momentum=0.9, dampening=0.5),
    "SGD nesterov": lambda optim, params: optim.SGD(params, lr=0.1, momentum=0.9, nesterov=True),
    "SGD weight_decay": lambda optim, params: optim.SGD(params, lr=0.1, weight_decay=0.1),
    "SGD momentum weight_decay": lambda optim, params: optim.SGD(params, lr=0.1, momentum=0.5, weight_decay=0.1),
    "SGD maximize": lambda optim, params: optim.SGD(params, lr=0.01, momentum=0.9, maximize=True),
    "Adam": lambda optim, params: optim.Adam(params, lr=0.01),
    "Adam betas eps": lambda optim, params: optim.Adam(params, lr=0.01, betas=(0.5, 0.9), eps=1e-6),
    "Adam weight_decay": lambda optim, params: optim.Adam(params, lr=0.01, weight_decay=0.1),
    "Adam amsgrad": lambda optim, params: optim.Adam(params, lr=0.01, amsgrad=True),
    "Adam amsgrad weight_decay": lambda optim, params: optim.Adam(params, lr=0.01, amsgrad=True, weight_decay=0.1),
    "Adam maximize": lambda optim, params: optim.Adam(params, lr=0.01, maximize=True),
    "Adam decoupled": lambda optim, params: optim.Adam(params, lr=0.01, weight_decay=0.1, decoupled_weight_decay=True),
    "AdamW": lambda optim, params: optim.AdamW(params, lr=0.01),
    "AdamW weight_decay": lambda optim, params: optim.AdamW(params, lr=0.01, weight_decay=0.3),
    "AdamW amsgrad": lambda optim, params: optim.AdamW(params, lr=0.01, amsgrad=True),
}
_opt_rng = np.random.default_rng(21)
W_START, B_START = _opt_rng.standard_normal((3, 4)), _opt_rng.standard_normal(4)
X_DATA, Y_DATA = _opt_rng.standard_normal((5, 3)), _opt_rng.standard_normal((5, 4))


def train(lib, make_optimizer, groups: bool, resume_after: int | None, steps: int = 5) -> list[np.ndarray]:
    """Fit x @ w + b to y (plus a quartic penalty, so the gradients change a lot) for a few steps.

    groups: w and b in two parameter groups, w with its own lr. resume_after: take the optimizer's
    state_dict after that many steps and continue with a new optimizer that loaded it.
    """
    w = lib.nn.Parameter(lib.tensor(W_START))
    b = lib.nn.Parameter(lib.tensor(B_START))
    params = [{"params": [w], "lr": 0.05}, {"params": [b]}] if groups else [w, b]
    optimizer = make_optimizer(lib.optim, params)
    x, y = lib.tensor(X_DATA), lib.tensor(Y_DATA)
    for step in range(steps):
        optimizer.zero_grad()
        loss = ((x @ w + b - y) ** 2).mean() + 0.01 * (w**4).sum()
        loss.backward()
        optimizer.step()
        if step + 1 == resume_after:
            saved = optimizer.state_dict()
            optimizer = make_optimizer(lib.optim, params)
            optimizer.load_state_dict(saved)
    return [as_numpy(w).copy(), as_numpy(b).copy()]


@pytest.mark.parametrize("resume_after", [None, 2], ids=["straight", "state_dict round trip"])
@pytest.mark.parametrize("groups", [False, True], ids=["one group", "two groups"])
@pytest.mark.parametrize("name", OPTIMIZERS)
def test_optimizer_trajectory(name, groups, resume_after):
    ours = train(tg, OPTIMIZERS[name], groups, resume_after)
    theirs = train(torch, OPTIMIZERS[name], groups, resume_after)
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("name", ["SGD", "Adam", "AdamW"])
def test_optimizer_defaults(name):
    ours = getattr(tg.optim, name)([tg.nn.Parameter(tg.ones(2))]).defaults
    theirs = getattr(torch.optim, name)([torch.nn.Parameter(torch.ones(2))]).defaults
    assert {k: theirs[k] for k in ours} == ours  # torch has more (foreach, fused, ...), ours are a subset


def optimizer_state_layout(lib):
    p, q = lib.nn.Parameter(lib.ones(2)), lib.nn.Parameter(lib.ones(3))
    layouts = []
    for make in (lambda: lib.optim.SGD([p, q], lr=0.1, momentum=0.9), lambda: lib.optim.Adam([p, q], amsgrad=True)):
        optimizer = make()
        (p.sum() + q.sum()).backward()
        optimizer.step()
        state = optimizer.state_dict()
        layouts.append(
            [
                sorted(state),
                {k: sorted(v) for k, v in state["state"].items()},
                [g["params"] for g in state["param_groups"]],
            ]
        )
    return layouts


def optimizer_param_groups(lib):
    p, q = lib.nn.Parameter(lib.ones(2)), lib.nn.Parameter(lib.ones(3))
    optimizer = lib.optim.SGD([{"params": [p]}, {"params": [q], "lr": 0.5}], lr=0.1, momentum=0.2)
    optimizer.add_param_group({"params": [lib.nn.Parameter(lib.ones(1))], "momentum": 0.7})
    return [(g["lr"], g["momentum"]) for g in optimizer.param_groups]


def optimizer_zero_grad(lib):
    p = lib.nn.Parameter(lib.ones(2))
    optimizer = lib.optim.SGD([p], lr=0.1)
    p.sum().backward()
    optimizer.zero_grad(set_to_none=False)
    zeros = p.grad.tolist()
    optimizer.zero_grad()
    return [zeros, p.grad, optimizer.step(lambda: 3.0)]


OPTIMIZER_SCENARIOS = [optimizer_state_layout, optimizer_param_groups, optimizer_zero_grad]


@pytest.mark.parametrize("scenario", OPTIMIZER_SCENARIOS, ids=[f.__name__ for f in OPTIMIZER_SCENARIOS])
def test_optimizer_scenarios(scenario):
    ours, theirs = both(scenario)
    assert ours == theirs


OPTIMIZER_ERRORS = {
    "negative lr": lambda lib, p: lib.optim.SGD([p], lr=-1),
    "negative momentum": lambda lib, p: lib.optim.SGD([p], lr=0.1, momentum=-1),
    "nesterov without momentum": lambda lib, p: lib.optim.SGD([p], lr=0.1, nesterov=True),
    "nesterov with dampening": lambda lib, p: lib.optim.SGD([p], lr=0.1, momentum=0.9, dampening=0.1, nesterov=True),
    "no parameters": lambda lib, p: lib.optim.SGD([], lr=0.1),
    "a tensor, not a list": lambda lib, p: lib.optim.SGD(p, lr=0.1),
    "beta of 1": lambda lib, p: lib.optim.Adam([p], betas=(1.0, 0.9)),
    "negative eps": lambda lib, p: lib.optim.Adam([p], eps=-1),
    "negative weight_decay": lambda lib, p: lib.optim.AdamW([p], weight_decay=-1),
    "a parameter in two groups": lambda lib, p: lib.optim.SGD([{"params": [p]}, {"params": [p]}], lr=0.1),
    "a non-leaf": lambda lib, p: lib.optim.SGD([p * 2], lr=0.1),
}


@pytest.mark.parametrize("name", OPTIMIZER_ERRORS)
def test_optimizer_error_is_an_instance_of_the_class_torch_raises(name):
    theirs = raised(lambda: OPTIMIZER_ERRORS[name](torch, torch.nn.Parameter(torch.ones(2))))
    ours = raised(lambda: OPTIMIZER_ERRORS[name](tg, tg.nn.Parameter(tg.ones(2))))
    assert isinstance(ours, type(theirs)), f"torch raises {type(theirs).__name__}, we raise {type(ours).__name__}"


# ---- nn.init and nn.Linear's default initialisation: the same distributions -----------------------------------

INITS = {
    "uniform_": lambda init, w: init.uniform_(w, -2.0, 3.0),
    "normal_": lambda init, w: init.normal_(w, 1.0, 2.0),
    "xavier_uniform_": lambda init, w: init.xavier_uniform_(w),
    "xavier_uniform_ gain": lambda init, w: init.xavier_uniform_(w, gain=2.0),
    "xavier_normal_": lambda init, w: init.xavier_normal_(w),
    "kaiming_uniform_": lambda init, w: init.kaiming_uniform_(w),
    "kaiming_uniform_ relu": lambda init, w: init.kaiming_uniform_(w, nonlinearity="relu"),
    "kaiming_uniform_ a=sqrt(5)": lambda init, w: init.kaiming_uniform_(w, a=math.sqrt(5)),
    "kaiming_normal_": lambda init, w: init.kaiming_normal_(w),
    "kaiming_normal_ fan_out relu": lambda init, w: init.kaiming_normal_(w, mode="fan_out", nonlinearity="relu"),
    "kaiming_normal_ tanh": lambda init, w: init.kaiming_normal_(w, nonlinearity="tanh"),
    "constant_": lambda init, w: init.constant_(w, 0.3),
    "zeros_": lambda init, w: init.zeros_(w),
    "ones_": lambda init, w: init.ones_(w),
}


@pytest.mark.parametrize("shape", [(200, 300), (64, 32, 3, 3)], ids=["linear", "conv"])
@pytest.mark.parametrize("name", INITS)
def test_init_distribution(name, shape):
    tg.manual_seed(0)
    torch.manual_seed(0)
    samples = []
    for lib in (tg, torch):
        w = lib.empty(*shape)
        out = INITS[name](lib.nn.init, w)
        assert out is w and dtype_name(w) == "float32" and tuple(w.shape) == shape
        samples.append(as_numpy(w).astype(np.float64))
    ours, theirs = samples
    # Over tens of thousands of draws the extremes of a uniform sit at its bounds, and the spread
    # and centre of any of these distributions agree to within about 2%.
    if "uniform" in name:
        np.testing.assert_allclose([ours.min(), ours.max()], [theirs.min(), theirs.max()], rtol=0.01)
    np.testing.assert_allclose(ours.std(), theirs.std(), rtol=0.02, atol=1e-6)
    np.testing.assert_allclose(ours.mean(), theirs.mean(), atol=0.02 * max(theirs.std(), 1e-3))


@pytest.mark.parametrize(
    "nonlinearity, param",
    [
        ("linear", None),
        ("sigmoid", None),
        ("tanh", None),
        ("relu", None),
        ("leaky_relu", None),
        ("leaky_relu", 0.2),
        ("selu", None),
        ("conv2d", None),
    ],
)
def test_calculate_gain(nonlinearity, param):
    ours, theirs = both(lambda lib: lib.nn.init.calculate_gain(nonlinearity, param))
    assert ours == pytest.approx(theirs, rel=1e-15)


def test_linear_default_init_is_uniform_within_one_over_sqrt_fan_in():
    tg.manual_seed(0)
    torch.manual_seed(0)
    ours, theirs = tg.nn.Linear(400, 300), torch.nn.Linear(400, 300)
    bound = 1 / math.sqrt(400)
    for name in ("weight", "bias"):
        a, b = as_numpy(getattr(ours, name)), as_numpy(getattr(theirs, name))
        assert np.abs(a).max() <= bound and np.abs(b).max() <= bound
        np.testing.assert_allclose(np.abs(a).max(), np.abs(b).max(), rtol=0.03)
        np.testing.assert_allclose(a.std(), b.std(), rtol=0.1 if name == "bias" else 0.02)


def test_init_of_a_zero_element_tensor_is_a_no_op_with_a_warning():
    for lib in (tg, torch):
        w = lib.empty(3, 0)
        with pytest.warns(UserWarning, match="zero-element"):
            assert lib.nn.init.kaiming_uniform_(w) is w


# ---- var/std, split/chunk, mm, view_as, sum/mean dtype=, log1p, softplus, leaky_relu -----------------------


# name: (fn(lib, *inputs), input shapes, "any" or "positive" inputs); pieces of split and chunk are weighted
# differently before they are joined, so a gradient sent to the wrong piece would show.
def weighted(lib: Any, pieces: tuple, dim: int = 0) -> Any:
    return lib.cat([piece * (i + 1) for i, piece in enumerate(pieces)], dim=dim)


MORE_OPS: dict[str, tuple[Callable[..., Any], tuple[tuple[int, ...], ...], str]] = {
    "var": (lambda lib, x: x.var(), (S,), "any"),
    "var dim": (lambda lib, x: x.var(1), (S,), "any"),
    "var positional unbiased": (lambda lib, x: x.var(0, False), (S,), "any"),
    "var positional unbiased keepdim": (lambda lib, x: x.var(1, True, True), (S,), "any"),
    "var bool first": (lambda lib, x: x.var(False), (S,), "any"),
    "var unbiased keyword": (lambda lib, x: x.var(dim=0, unbiased=False, keepdim=True), (S,), "any"),
    "var correction": (lambda lib, x: x.var(dim=(0, 2), correction=2), ((2, 3, 4),), "any"),
    "var correction 0 keepdim": (lambda lib, x: x.var(-1, correction=0, keepdim=True), (S,), "any"),
    "var float correction": (lambda lib, x: x.var(correction=0.5), (S,), "any"),
    "var function": (lambda lib, x: lib.var(x, 0, correction=0), (S,), "any"),
    "std": (lambda lib, x: x.std(), (S,), "any"),
    "std dim keepdim": (lambda lib, x: x.std(1, keepdim=True), (S,), "any"),
    "std positional unbiased": (lambda lib, x: x.std(0, False), (S,), "any"),
    "std function": (lambda lib, x: lib.std(x, dim=-1, correction=0), (S,), "any"),
    "split": (lambda lib, x: weighted(lib, x.split(3)), ((10,),), "any"),
    "split dim": (lambda lib, x: weighted(lib, x.split(3, dim=1), 1), (S,), "any"),
    "split sections": (lambda lib, x: weighted(lib, x.split([1, 0, 3], -1), -1), (S,), "any"),
    "split function": (lambda lib, x: weighted(lib, lib.split(x, [2, 1])), (S,), "any"),
    "chunk": (lambda lib, x: weighted(lib, x.chunk(4)), ((6,),), "any"),
    "unbind": (lambda lib, x: weighted(lib, x.unbind()), (S,), "any"),
    "unbind function dim": (lambda lib, x: weighted(lib, lib.unbind(x, -1)), ((2, 3, 4),), "any"),
    "chunk dim": (lambda lib, x: weighted(lib, x.chunk(3, dim=-1), -1), (S,), "any"),
    "chunk function": (lambda lib, x: weighted(lib, lib.chunk(x, 2, 1), 1), (S,), "any"),
    "mm": (lambda lib, x, y: x.mm(y), ((3, 4), (4, 2)), "any"),
    "mm function": (lambda lib, x, y: lib.mm(x, y), ((1, 4), (4, 1)), "any"),
    "view_as": (lambda lib, x, y: x.view_as(y), (S, (2, 6)), "any"),
    "reshape_as": (lambda lib, x, y: x.reshape_as(y) * y, (S, (6, 2)), "any"),
    "sum dtype": (lambda lib, x: x.float().sum(dtype=lib.float64), (S,), "any"),
    "sum dim dtype": (lambda lib, x: x.sum(1, True, dtype=lib.float32), (S,), "any"),
    "mean dtype": (lambda lib, x: x.float().mean(0, dtype=lib.float64), (S,), "any"),
    "sum function dtype": (lambda lib, x: lib.sum(x.float(), dtype=lib.float64), (S,), "any"),
    "log1p": (lambda lib, x: x.log1p(), (S,), "positive"),
    "log1p tiny": (lambda lib, x: (x * 1e-12).log1p(), (S,), "any"),
    "log1p function": (lambda lib, x: lib.log1p(x - 0.4), (S,), "positive"),
    "F.softplus": (lambda lib, x: lib.nn.functional.softplus(x * 5), (S,), "any"),
    "F.softplus beta threshold": (lambda lib, x: lib.nn.functional.softplus(x, beta=2, threshold=1), (S,), "any"),
    "F.softplus at 0": (lambda lib, x: lib.nn.functional.softplus(x * 0), (S,), "any"),
    "F.softplus tails": (lambda lib, x: lib.nn.functional.softplus(x * 40), (S,), "any"),
    "nn.Softplus": (lambda lib, x: lib.nn.Softplus(0.5, 2)(x), (S,), "any"),
    "F.leaky_relu": (lambda lib, x: lib.nn.functional.leaky_relu(x), (S,), "any"),
    "F.leaky_relu slope": (lambda lib, x: lib.nn.functional.leaky_relu(x, 0.2), (S,), "any"),
    "F.leaky_relu at 0": (lambda lib, x: lib.nn.functional.leaky_relu(x * 0, negative_slope=0.3), (S,), "any"),
    "nn.LeakyReLU": (lambda lib, x: lib.nn.LeakyReLU(0.1)(x), (S,), "any"),
}


@pytest.mark.parametrize("name", MORE_OPS)
def test_more_ops_value_dtype_and_gradient_in_float64(name):
    fn, shapes, domain = MORE_OPS[name]
    arrays = random_inputs(shapes, domain)
    results = []
    for lib in (tg, torch):
        inputs = [lib.tensor(a, requires_grad=True) for a in arrays]
        out = fn(lib, *inputs)
        out.backward(lib.tensor(np.random.default_rng(8).standard_normal(tuple(out.shape))))
        results.append((out, [x.grad for x in inputs]))
    (ours, our_grads), (theirs, their_grads) = results
    rtol = 1e-7 if ours.dtype == np.float32 else 1e-10
    assert_same_tensor(ours, theirs, rtol=rtol)
    for ours_g, theirs_g in zip(our_grads, their_grads):
        assert (ours_g is None) == (theirs_g is None)  # view_as's other gets no gradient
        if ours_g is not None:
            assert_same_tensor(ours_g, theirs_g, rtol=rtol)


def test_softplus_in_float32_agrees_with_torch_in_both_tails():
    x = np.array([-100.0, -30.0, -17.0, -10.0, -1e-3, 0.0, 1e-3, 10.0, 19.99, 20.0, 20.01, 100.0], dtype=np.float32)
    results = []
    for lib in (tg, torch):
        t = lib.tensor(x, requires_grad=True)
        out = lib.nn.functional.softplus(t)
        out.sum().backward()
        results.append((as_numpy(out), as_numpy(t.grad)))
    (ours, our_grad), (theirs, their_grad) = results
    np.testing.assert_allclose(ours, theirs, rtol=2e-7)
    np.testing.assert_allclose(our_grad, their_grad, rtol=2e-7)


def test_var_without_degrees_of_freedom_warns_and_gives_what_torch_gives():
    for call in (
        lambda lib: lib.tensor([2.0]).var(),
        lambda lib: lib.tensor([1.0, 2.0]).var(correction=2),
        lambda lib: lib.tensor(1.0).std(0),
    ):
        results = []
        for lib in (tg, torch):
            with pytest.warns(UserWarning, match="degrees of freedom"):
                results.append(call(lib))
        assert_same_tensor(*results)


def test_split_and_chunk_give_torchs_number_and_shapes_of_pieces():
    cases = [
        ((10,), lambda x: x.split(3)),
        ((10,), lambda x: x.split(20)),
        ((0,), lambda x: x.split(2)),
        ((0,), lambda x: x.split(0)),
        ((6,), lambda x: x.chunk(4)),
        ((6,), lambda x: x.chunk(5)),
        ((3,), lambda x: x.chunk(20)),
        ((0,), lambda x: x.chunk(3)),
        ((2, 7), lambda x: x.chunk(3, 1)),
    ]
    for shape, call in cases:
        ours, theirs = both(lambda lib: call(lib.zeros(*shape)))
        assert type(ours) is tuple and type(theirs) is tuple
        assert [tuple(p.shape) for p in ours] == [tuple(p.shape) for p in theirs]


MORE_ERRORS = {
    "var of int64": lambda lib: lib.tensor([1, 2], dtype=lib.int64).var(),
    "var unbiased and correction": lambda lib: lib.ones(3).var(0, unbiased=True, correction=1),
    "std dim range": lambda lib: lib.ones(2, 3).std(2),
    "split sections sum": lambda lib: lib.ones(10).split([3, 6]),
    "split negative section": lambda lib: lib.ones(10).split([-1, 11]),
    "split size 0": lambda lib: lib.ones(10).split(0),
    "split negative size": lambda lib: lib.ones(10).split(-1),
    "split 0-d": lambda lib: lib.tensor(1.0).split(1),
    "split float size": lambda lib: lib.ones(10).split(3.0),
    "split dim range": lambda lib: lib.ones(10).split(2, dim=1),
    "chunk 0": lambda lib: lib.ones(10).chunk(0),
    "chunk negative": lambda lib: lib.ones(10).chunk(-1),
    "chunk float": lambda lib: lib.ones(10).chunk(2.0),
    "chunk 0-d": lambda lib: lib.tensor(1.0).chunk(1),
    "mm of a vector": lambda lib: lib.ones(2, 3).mm(lib.ones(3)),
    "mm of 3-D": lambda lib: lib.ones(2, 2, 3).mm(lib.ones(3, 4)),
    "mm shapes": lambda lib: lib.ones(2, 3).mm(lib.ones(4, 5)),
    "view_as sizes": lambda lib: lib.ones(5).view_as(lib.ones(2, 3)),
    "view_as of a shape": lambda lib: lib.ones(6).view_as((2, 3)),
    "mean to an integer dtype": lambda lib: lib.ones(3).mean(dtype=lib.int64),
}


@pytest.mark.parametrize("name", MORE_ERRORS)
def test_more_errors_are_instances_of_the_class_torch_raises(name):
    theirs = raised(lambda: MORE_ERRORS[name](torch))
    ours = raised(lambda: MORE_ERRORS[name](tg))
    assert isinstance(ours, type(theirs)), f"torch raises {type(theirs).__name__}, we raise {type(ours).__name__}"


# ---- buffers, get_submodule/get_parameter/get_buffer, ModuleList/Sequential editing, the new activations --


def buffered_net(lib):
    nn = lib.nn

    class Norm(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = nn.Linear(2, 2)
            self.register_buffer("running_mean", lib.zeros(2))
            self.register_buffer("steps", lib.tensor(0, dtype=lib.int64))
            self.register_buffer("scratch", lib.ones(3), persistent=False)
            self.register_buffer("absent", None)
            self.gain = nn.Parameter(lib.ones(2))

        def forward(self, x):
            return self.fc(x - self.running_mean) * self.gain

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.register_buffer("offset", lib.ones(1))
            self.norm = Norm()
            self.head = nn.Sequential(nn.Linear(2, 1), nn.Softplus(), nn.LeakyReLU(0.2))

    return Net()


def float64_of(net: Any) -> Any:
    """The float64 dtype of the library that made net."""
    return torch.float64 if isinstance(net, torch.nn.Module) else tg.float64


BUFFER_QUERIES = {
    "state_dict keys, shapes and dtypes": lambda net: [
        (k, tuple(v.shape), dtype_name(v)) for k, v in net.state_dict().items()
    ],
    "state_dict with a prefix": lambda net: list(net.norm.state_dict(prefix="model.")),
    "named_buffers": lambda net: [name for name, _ in net.named_buffers()],
    "named_buffers not recursing": lambda net: [name for name, _ in net.named_buffers(recurse=False)],
    "named_buffers with a prefix": lambda net: [name for name, _ in net.norm.named_buffers(prefix="n")],
    "buffers": lambda net: [tuple(b.shape) for b in net.buffers()],
    "parameters": lambda net: [name for name, _ in net.named_parameters()],
    "double": lambda net: [(name, dtype_name(b)) for name, b in net.double().named_buffers()],
    "to float64 then float": lambda net: [dtype_name(b) for b in net.to(float64_of(net)).float().buffers()],
    "get_submodule": lambda net: [type(net.get_submodule(t)).__name__ for t in ("", "norm", "norm.fc", "head.1")],
    "get_parameter": lambda net: [tuple(net.get_parameter(t).shape) for t in ("norm.gain", "head.0.weight")],
    "get_buffer": lambda net: [tuple(net.get_buffer(t).shape) for t in ("offset", "norm.scratch")],
    "repr": repr,
}


@pytest.mark.parametrize("name", BUFFER_QUERIES)
def test_buffers_and_lookups_match_torch(name):
    ours, theirs = both(lambda lib: BUFFER_QUERIES[name](buffered_net(lib)))
    assert ours == theirs


LOOKUP_ERRORS = {
    "no such child": lambda net: net.get_submodule("head.5"),
    "no such attribute": lambda net: net.get_submodule("norm.nothing"),
    "a parameter is not a module": lambda net: net.get_submodule("norm.gain"),
    "a plain attribute is not a module": lambda net: net.get_submodule("training"),
    "no such parameter": lambda net: net.get_parameter("norm.fc.foo"),
    "a module is not a parameter": lambda net: net.get_parameter("norm"),
    "a buffer is not a parameter": lambda net: net.get_parameter("norm.running_mean"),
    "a parameter is not a buffer": lambda net: net.get_buffer("norm.gain"),
    "buffer name taken": lambda net: net.norm.register_buffer("gain", None),
    "buffer name with a dot": lambda net: net.register_buffer("a.b", None),
    "buffer name empty": lambda net: net.register_buffer("", None),
    "buffer name not a string": lambda net: net.register_buffer(1, None),
    "buffer of a list": lambda net: net.register_buffer("x", [1.0]),
    "assigning a number to a buffer": lambda net: setattr(net.norm, "steps", 3),
}


@pytest.mark.parametrize("name", LOOKUP_ERRORS)
def test_lookup_and_buffer_errors_match_torch(name):
    ours, theirs = both(lambda lib: raised(lambda: LOOKUP_ERRORS[name](buffered_net(lib))))
    assert type(ours) is type(theirs)
    if isinstance(theirs, AttributeError):  # get_submodule's messages, word for word
        assert str(ours) == str(theirs)


def buffers_load_and_strictness(lib):
    source, target = buffered_net(lib), buffered_net(lib)
    source.norm.running_mean += 3
    source.norm.steps += 5
    target.load_state_dict(source.state_dict())
    partial = {k: v for k, v in source.state_dict().items() if k != "norm.steps"}
    result = target.load_state_dict(partial, strict=False)
    extra = dict(source.state_dict(), **{"norm.scratch": source.norm.scratch})
    errors = [str(raised(lambda: target.load_state_dict(d))).split("\n")[1].strip() for d in (partial, extra)]
    return [as_numpy(target.norm.running_mean).tolist(), int(target.norm.steps), list(result), errors]


def buffer_reassignment(lib):
    net = buffered_net(lib)
    net.norm.running_mean = lib.full((2,), 4.0)
    net.norm.steps = None
    net.norm.scratch = lib.nn.Parameter(lib.ones(1))  # a Parameter takes the name over
    del net.offset
    return [list(net.state_dict()), [n for n, _ in net.named_buffers()], [n for n, _ in net.named_parameters()]]


def module_list_editing(lib):
    nn = lib.nn
    layers = nn.ModuleList([nn.Identity(), nn.ReLU()])
    layers.insert(1, nn.Tanh())
    layers.insert(3, nn.Linear(1, 1))
    layers += [nn.Sigmoid(), nn.Linear(1, 2)]
    layers.extend([nn.ReLU()])
    names = [type(m).__name__ for m in layers]
    del layers[0]
    del layers[1:3]
    del layers[-1]
    return [names, [type(m).__name__ for m in layers], list(layers.state_dict()), repr(layers)]


def sequential_deletion(lib):
    nn = lib.nn
    net = nn.Sequential(OrderedDict([("fc", nn.Linear(2, 2)), ("act", nn.ReLU()), ("out", nn.Linear(2, 1))]))
    del net[1]
    first = list(net.state_dict())
    del net[0:1]
    return [
        first,
        list(net.state_dict()),
        repr(net),
        hasattr(net, "fc"),
        hasattr(net, "out"),
        tuple(net(lib.ones(3, 2)).shape),
    ]


BUFFER_SCENARIOS = [buffers_load_and_strictness, buffer_reassignment, module_list_editing, sequential_deletion]


@pytest.mark.parametrize("scenario", BUFFER_SCENARIOS, ids=[f.__name__ for f in BUFFER_SCENARIOS])
def test_buffer_and_container_scenarios(scenario):
    ours, theirs = both(scenario)
    assert ours == theirs


@pytest.mark.parametrize(
    "make",
    [
        lambda nn: nn.LeakyReLU(),
        lambda nn: nn.LeakyReLU(0.2, True),
        lambda nn: nn.LeakyReLU(negative_slope=1e-3),
        lambda nn: nn.Softplus(),
        lambda nn: nn.Softplus(2, 5),
        lambda nn: nn.Softplus(beta=0.5),
    ],
)
def test_new_activation_reprs_are_torchs_text(make):
    ours, theirs = both(lambda lib: repr(make(lib.nn)))
    assert ours == theirs


# Deliberate: ModuleList.insert follows Python's list.insert (a negative index counts from the end, one past
# either end inserts there); torch's insert only handles 0 <= index <= len (a negative index is a KeyError).
def test_deliberate_module_list_insert_takes_a_negative_index_as_list_insert_does():
    ours = tg.nn.ModuleList([tg.nn.Identity(), tg.nn.ReLU()])
    ours.insert(-1, tg.nn.Tanh())
    assert [type(m).__name__ for m in ours] == ["Identity", "Tanh", "ReLU"]
    theirs = torch.nn.ModuleList([torch.nn.Identity(), torch.nn.ReLU()])
    with pytest.raises(KeyError):
        theirs.insert(-1, torch.nn.Tanh())


# Deliberate: double()/float()/to(dtype) give a floating buffer new data in the same Tensor object (as they do
# for parameters, here and in torch); torch replaces a buffer by a new tensor object.
def test_deliberate_dtype_changes_keep_the_buffer_object():
    ours, theirs = buffered_net(tg), buffered_net(torch)
    ours_before, theirs_before = ours.norm.running_mean, theirs.norm.running_mean
    ours.double()
    theirs.double()
    assert ours.norm.running_mean is ours_before and dtype_name(ours_before) == "float64"
    assert theirs.norm.running_mean is not theirs_before and dtype_name(theirs.norm.running_mean) == "float64"
