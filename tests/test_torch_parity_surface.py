"""The surface ops of issue 13 next to PyTorch: the same call on the same float64 inputs gives the same values,
result dtype and gradients; on integer and bool inputs, the same values and result dtype.

Each row is one call written once as `fn(lib, *inputs)` and run with `lib = tinygrad_edu` and `lib = torch`.
Outputs may be a tensor or a tuple of tensors (sort's values and indices); the gradient compared is that of
sum(out * w) for a fixed w per float output. Skipped where torch is not installed.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple

import numpy as np
import pytest

import tinygrad_edu as tg

torch = pytest.importorskip("torch")


class Row(NamedTuple):
    name: str
    fn: Callable[..., Any]  # fn(lib, *inputs)
    shapes: tuple  # one shape per input
    domain: str = "any"  # "any": 0.3 <= |x| <= 1.7; "positive": [0.5, 2]; "unit": (-0.9, 0.9)


def inputs(shapes, domain: str, seed: int = 0) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    out = []
    for shape in shapes:
        if domain == "positive":
            out.append(rng.uniform(0.5, 2.0, size=shape))
        elif domain == "unit":
            out.append(rng.uniform(-0.9, 0.9, size=shape))
        else:
            out.append(rng.uniform(0.3, 1.7, size=shape) * rng.choice([-1.0, 1.0], size=shape))
    return out


def outputs(out: Any) -> list:
    if isinstance(out, (tuple, list)):
        return [o for item in out for o in outputs(item)]
    return [out]


def to_numpy(t: Any) -> np.ndarray:
    return t.detach().numpy() if isinstance(t, torch.Tensor) else np.asarray(t.data)


def dtype_name(t: Any) -> str:
    return str(t.dtype).removeprefix("torch.")


def ix(lib, data) -> Any:
    """An int64 index tensor of either library."""
    return lib.tensor(data, dtype=lib.int64)


IDX = np.array([[2, 0, 1, 1], [0, 2, 2, 0]])
MASK = np.array([[True, False, True, False, True], [False, False, True, True, False], [True] * 5, [False] * 5])

ROWS = [
    # elementwise
    Row("sin", lambda lib, x: lib.sin(x), ((3, 4),)),
    Row("cos", lambda lib, x: lib.cos(x), ((3, 4),)),
    Row("tan", lambda lib, x: lib.tan(x), ((3, 4),)),
    Row("asin", lambda lib, x: lib.asin(x), ((3, 4),), "unit"),
    Row("acos", lambda lib, x: x.acos(), ((3, 4),), "unit"),
    Row("atan", lambda lib, x: lib.atan(x), ((3, 4),)),
    Row("atan2", lambda lib, a, b: lib.atan2(a, b), ((3, 4), (4,))),
    Row("arctan2", lambda lib, a, b: lib.arctan2(a, b), ((3, 1), (4,))),
    Row("sinh", lambda lib, x: lib.sinh(x), ((5,),)),
    Row("cosh", lambda lib, x: lib.cosh(x), ((5,),)),
    Row("tanh", lambda lib, x: lib.tanh(x), ((5,),)),
    Row("asinh", lambda lib, x: lib.asinh(x), ((5,),)),
    Row("acosh", lambda lib, x: lib.acosh(x + 1), ((5,),), "positive"),
    Row("atanh", lambda lib, x: lib.atanh(x), ((5,),), "unit"),
    Row("exp2", lambda lib, x: lib.exp2(x), ((5,),)),
    Row("expm1", lambda lib, x: lib.expm1(x * 1e-9), ((5,),)),
    Row("log2", lambda lib, x: lib.log2(x), ((5,),), "positive"),
    Row("log10", lambda lib, x: x.log10(), ((5,),), "positive"),
    Row("log1p", lambda lib, x: lib.log1p(x), ((5,),), "positive"),
    Row("rsqrt", lambda lib, x: lib.rsqrt(x), ((5,),), "positive"),
    Row("erf", lambda lib, x: lib.erf(x * 3), ((4, 5),)),
    Row("erfc", lambda lib, x: lib.erfc(x * 3), ((4, 5),)),
    Row("erf, erfc far out", lambda lib, x: lib.erf(x * 6) + lib.erfc(x * 6) * 1e10, ((4, 5),)),
    Row(
        "floor, ceil, round, trunc",
        lambda lib, x: lib.floor(x * 3) + lib.ceil(x * 3) + lib.round(x * 3) + lib.trunc(x * 3),
        ((4, 5),),
    ),
    Row("round decimals=2", lambda lib, x: lib.round(x * 3, decimals=2), ((4, 5),)),
    Row("frac", lambda lib, x: lib.frac(x * 3), ((4, 5),)),
    Row("sign", lambda lib, x: lib.sign(x), ((4, 5),)),
    Row("reciprocal", lambda lib, x: lib.reciprocal(x), ((4, 5),)),
    Row("square", lambda lib, x: lib.square(x), ((4, 5),)),
    Row("lerp", lambda lib, a, b, w: lib.lerp(a, b, w), ((3, 4), (4,), (3, 1))),
    Row("lerp scalar weight", lambda lib, a, b: a.lerp(b, 0.25), ((3, 4), (3, 4))),
    Row("logaddexp", lambda lib, a, b: lib.logaddexp(a * 100, b), ((3, 4), (3, 4))),
    Row("xlogy", lambda lib, a, b: lib.xlogy(a, b), ((3, 4), (4,)), domain="positive"),
    Row(
        "xlogy where x is 0",
        lambda lib, a, b: lib.xlogy(a * lib.tensor([0.0, 1.0, 0.0, 1.0]), b),
        ((3, 4), (4,)),
        "positive",
    ),
    Row("hypot", lambda lib, a, b: lib.hypot(a, b), ((3, 4), (1, 4))),
    Row("copysign", lambda lib, a, b: lib.copysign(a, b), ((3, 4), (3, 4))),
    Row("fmod", lambda lib, a, b: lib.fmod(a * 3, b), ((3, 4), (3, 4))),
    Row("remainder", lambda lib, a, b: lib.remainder(a * 3, b), ((3, 4), (3, 4))),
    Row("%", lambda lib, a, b: (a * 3) % b + a % 0.7, ((3, 4), (3, 4))),
    Row(
        "nan_to_num",
        lambda lib, x: (
            lib.nan_to_num(x + lib.tensor([np.inf, np.nan, -np.inf, 1.0], dtype=lib.float64)),
            lib.nan_to_num(
                x - lib.tensor([np.inf, np.nan, 2.0, -np.inf], dtype=lib.float64), nan=0.5, posinf=3.0, neginf=-1.0
            ),
        ),
        ((3, 4),),
    ),
    # reductions and scans
    Row("prod", lambda lib, x: lib.prod(x), ((3, 4),)),
    Row("prod dim=1 keepdim", lambda lib, x: x.prod(1, keepdim=True), ((3, 4),)),
    Row(
        "prod with zeros", lambda lib, x: (x * lib.tensor([1.0, 0.0, 0.0, 1.0], dtype=lib.float64)).prod(-1), ((3, 4),)
    ),
    Row("cumsum", lambda lib, x: lib.cumsum(x, 1), ((3, 4),)),
    Row("cumsum, cumprod axis=", lambda lib, x: (x.cumsum(axis=0), lib.cumprod(x, axis=1)), ((3, 4),)),
    Row("cumprod", lambda lib, x: lib.cumprod(x, 0), ((3, 4),)),
    Row(
        "cumprod with a zero",
        lambda lib, x: (x * lib.tensor([1.0, 1.0, 0.0, 1.0], dtype=lib.float64)).cumprod(-1),
        ((3, 4),),
    ),
    Row("logcumsumexp", lambda lib, x: lib.logcumsumexp(x * 50, 1), ((3, 4),)),
    Row("cummax", lambda lib, x: lib.cummax(x, 1), ((3, 4),)),
    Row("cummin", lambda lib, x: x.cummin(0), ((3, 4),)),
    Row("std_mean", lambda lib, x: lib.std_mean(x, 1), ((3, 4),)),
    Row("var_mean correction=0 keepdim", lambda lib, x: lib.var_mean(x, 0, correction=0, keepdim=True), ((3, 4),)),
    Row("var unbiased=False", lambda lib, x: x.var(1, unbiased=False), ((3, 4),)),
    Row("std correction=2", lambda lib, x: x.std(correction=2), ((3, 4),)),
    Row("norm", lambda lib, x: x.norm(), ((3, 4),)),
    Row("norm p=1 dim=1", lambda lib, x: x.norm(1, dim=1), ((3, 4),)),
    Row("linalg.norm", lambda lib, x: lib.linalg.norm(x), ((3, 4),)),
    Row("linalg.vector_norm ord=3 dim=0", lambda lib, x: lib.linalg.vector_norm(x, 3, dim=0), ((3, 4),)),
    Row("linalg.vector_norm ord=inf", lambda lib, x: lib.linalg.vector_norm(x, float("inf")), ((3, 4),)),
    Row("amax, amin", lambda lib, x: (lib.amax(x, 1), lib.amin(x, (0, 1))), ((3, 4),)),
    Row("argmax, argmin", lambda lib, x: (lib.argmax(x), lib.argmin(x, 1, keepdim=True)), ((3, 4),)),
    Row("argmax, argmin axis=", lambda lib, x: (x.argmax(axis=1), lib.argmin(x, axis=0)), ((3, 4),)),
    Row("all, any", lambda lib, x: (lib.all(x > 0), lib.any(x > 0, 1), (x > 0).all(0)), ((3, 4),)),
    Row("count_nonzero", lambda lib, x: (lib.count_nonzero(x > 0), lib.count_nonzero(x > 0, 1)), ((3, 4),)),
    # sorting and selection
    Row("sort", lambda lib, x: lib.sort(x, 1), ((3, 4),)),
    Row("sort descending dim=0", lambda lib, x: x.sort(0, descending=True), ((3, 4),)),
    Row("argsort", lambda lib, x: lib.argsort(x, 0), ((3, 4),)),
    Row("topk", lambda lib, x: lib.topk(x, 2), ((3, 4),)),
    Row("topk smallest dim=0", lambda lib, x: x.topk(2, 0, largest=False), ((3, 4),)),
    Row("kthvalue", lambda lib, x: lib.kthvalue(x, 3, 1), ((3, 4),)),
    Row("kthvalue keepdim", lambda lib, x: x.kthvalue(2, 0, keepdim=True), ((3, 4),)),
    Row("median", lambda lib, x: lib.median(x), ((3, 4),)),
    Row("median dim", lambda lib, x: x.median(1), ((3, 4),)),
    Row("mode with ties", lambda lib, x: lib.mode(lib.round(x * 2), 1), ((3, 8),)),
    Row("mode keepdim", lambda lib, x: lib.round(x).mode(0, keepdim=True), ((6, 4),)),
    Row(
        "F.gelu exact and tanh",
        lambda lib, x: (lib.nn.functional.gelu(x * 3), lib.nn.functional.gelu(x, approximate="tanh")),
        ((3, 4),),
    ),
    # shape
    Row("flip", lambda lib, x: lib.flip(x, (0, 2)), ((2, 3, 4),)),
    Row("roll", lambda lib, x: lib.roll(x, (1, -2), (0, 2)), ((2, 3, 4),)),
    Row("roll flat", lambda lib, x: lib.roll(x, 5), ((2, 3, 4),)),
    Row("repeat", lambda lib, x: x.repeat(2, 1, 3), ((3, 4),)),
    Row("tile", lambda lib, x: lib.tile(x, (2,)), ((3, 4),)),
    Row("repeat_interleave", lambda lib, x: lib.repeat_interleave(x, 2, dim=0), ((3, 4),)),
    Row("repeat_interleave flat", lambda lib, x: x.repeat_interleave(3), ((3, 4),)),
    Row("tril, triu", lambda lib, x: (lib.tril(x, -1), lib.triu(x, 1), x.tril(2)), ((2, 3, 4),)),
    Row("diag of a vector", lambda lib, x: (lib.diag(x), lib.diag(x, 2), lib.diag(x, -1)), ((3,),)),
    Row("diag of a matrix", lambda lib, x: (lib.diag(x), lib.diag(x, 1), lib.diag(x, -2)), ((3, 4),)),
    Row("diagonal", lambda lib, x: (lib.diagonal(x, 1, 0, 2), x.diagonal(-1, 2, 1)), ((2, 3, 4),)),
    Row("trace", lambda lib, x: lib.trace(x), ((3, 4),)),
    Row("unflatten", lambda lib, x: x.unflatten(1, (2, -1)), ((3, 4),)),
    Row("unfold", lambda lib, x: x.unfold(1, 2, 1), ((2, 5, 3),)),
    Row("unfold step 2", lambda lib, x: x.unfold(-1, 3, 2), ((2, 7),)),
    Row("narrow", lambda lib, x: lib.narrow(x, 1, 1, 2), ((3, 4),)),
    Row(
        "square, view, contiguous, clone",
        lambda lib, x: (lib.square(x), x.T.contiguous().view(2, 6), x.view(-1), x.clone(), x.contiguous()),
        ((3, 4),),
    ),
    Row("movedim", lambda lib, x: lib.movedim(x, (0, 1), (2, 0)), ((2, 3, 4),)),
    Row("swapaxes", lambda lib, x: lib.swapaxes(x, 0, 2), ((2, 3, 4),)),
    Row("meshgrid ij", lambda lib, a, b: lib.meshgrid(a, b, indexing="ij"), ((3,), (4,))),
    Row("meshgrid xy", lambda lib, a, b, c: lib.meshgrid(a, b, c, indexing="xy"), ((3,), (4,), (2,))),
    Row("broadcast_tensors", lambda lib, a, b: lib.broadcast_tensors(a, b), ((3, 1), (4,))),
    Row("F.pad constant", lambda lib, x: lib.nn.functional.pad(x, (1, 2, 0, 1), value=0.5), ((2, 3, 4),)),
    Row("F.pad negative", lambda lib, x: lib.nn.functional.pad(x, (-1, 2)), ((2, 3, 4),)),
    Row("F.pad reflect", lambda lib, x: lib.nn.functional.pad(x, (2, 1, 1, 2), mode="reflect"), ((2, 3, 4),)),
    Row("F.pad replicate", lambda lib, x: lib.nn.functional.pad(x, (3, 1), mode="replicate"), ((2, 3, 4),)),
    Row("F.pad circular", lambda lib, x: lib.nn.functional.pad(x, (1, 4, 2, 0), mode="circular"), ((2, 3, 4),)),
    # indexing
    Row("scatter", lambda lib, x, s: x.scatter(1, ix(lib, [[0, 3], [1, 2], [3, 0]]), s), ((3, 4), (3, 2))),
    Row("scatter value", lambda lib, x: lib.scatter(x, 0, ix(lib, [[2, 0, 1, 1]]), value=1.5), ((3, 4),)),
    Row("scatter_add", lambda lib, x, s: lib.scatter_add(x, 0, ix(lib, IDX), s), ((3, 4), (2, 4))),
    Row(
        "scatter_reduce sum, mean",
        lambda lib, x, s: (
            lib.scatter_reduce(x, 0, ix(lib, IDX), s, "sum"),
            x.scatter_reduce(0, ix(lib, IDX), s, "mean"),
        ),
        ((3, 4), (2, 4)),
    ),
    Row(
        "scatter_reduce include_self=False",
        lambda lib, x, s: (
            x.scatter_reduce(0, ix(lib, IDX), s, "sum", include_self=False),
            x.scatter_reduce(0, ix(lib, IDX), s, "mean", include_self=False),
        ),
        ((3, 4), (2, 4)),
    ),
    Row(
        "scatter_reduce amax, amin, prod",
        lambda lib, x, s: tuple(
            lib.scatter_reduce(x, 0, ix(lib, IDX), s, r, include_self=inc)
            for r in ("amax", "amin", "prod")
            for inc in (True, False)
        ),
        ((3, 4), (2, 4)),
    ),
    Row(
        "scatter_reduce amax with ties",
        lambda lib, x, s: lib.round(x).scatter_reduce(0, ix(lib, IDX), lib.round(s), "amax") * x,
        ((3, 4), (2, 4)),
    ),
    Row("gather", lambda lib, x: lib.gather(x, 0, ix(lib, IDX)), ((3, 4),)),
    Row("index_select", lambda lib, x: lib.index_select(x, 1, ix(lib, [3, 0, 3])), ((3, 4),)),
    Row("index_add", lambda lib, x, s: x.index_add(0, ix(lib, [2, 2]), s, alpha=2.0), ((3, 4), (2, 4))),
    Row("index_copy", lambda lib, x, s: x.index_copy(1, ix(lib, [3, 0]), s), ((3, 4), (3, 2))),
    Row("masked_fill", lambda lib, x: x.masked_fill(lib.tensor(MASK), -2.0), ((4, 5),)),
    Row("masked_fill broadcast", lambda lib, x: lib.masked_fill(x, lib.tensor(MASK[0]), 3.0), ((4, 5),)),
    Row("masked_select", lambda lib, x: lib.masked_select(x, lib.tensor(MASK)), ((4, 5),)),
    Row("masked_scatter", lambda lib, x, s: x.masked_scatter(lib.tensor(MASK), s), ((4, 5), (3, 5))),
    Row("take", lambda lib, x: lib.take(x, ix(lib, [[0, 7], [7, 19]])), ((4, 5),)),
    Row("take_along_dim", lambda lib, x: lib.take_along_dim(x, ix(lib, [[1], [4], [0], [0]]), 1), ((4, 5),)),
    Row("einsum matmul", lambda lib, a, b: lib.einsum("ij,jk->ik", a, b), ((3, 4), (4, 2))),
    Row(
        "einsum batch, implicit output",
        lambda lib, a, b: (lib.einsum("bij,bjk->bik", a, b), lib.einsum("bij,bjk", a, b)),
        ((2, 3, 4), (2, 4, 2)),
    ),
    Row(
        "einsum trace, diagonal, sum",
        lambda lib, x: (lib.einsum("ii", x), lib.einsum("ii->i", x), lib.einsum("ij->", x)),
        ((3, 3),),
    ),
    Row(
        "einsum ...",
        lambda lib, a, b: (
            lib.einsum("...ij,...jk->...ik", a, b),
            lib.einsum("...ij,...jk", a, b),
            lib.einsum("b...,b...->...", a, a),
            lib.einsum("...i->...", b),
        ),
        ((2, 3, 4), (2, 4, 5)),
    ),
    Row(
        "einsum ... broadcast",
        lambda lib, a, b: (
            lib.einsum("...ij,...jk->...ik", a, b),
            lib.einsum("...ij,...jk", b.transpose(-1, -2), a.transpose(-1, -2)),
            lib.einsum("...,...->...", a[0, :, :, 0], b[:, 0, :1]),
        ),
        ((2, 1, 3, 4), (5, 4, 2)),
    ),
    Row(
        "einsum size-1 labels broadcast",
        lambda lib, a, b: (lib.einsum("ij,ij->ij", a[:1], b), lib.einsum("ij,jk->ik", a[:, :1], b[:1].T)),
        ((3, 4), (3, 4)),
    ),
    Row(
        "einsum diagonals",
        lambda lib, x: (lib.einsum("bii->bi", x), lib.einsum("iij->", x[:3, :3]), lib.einsum("bii", x)),
        ((3, 3, 3),),
    ),
    Row(
        "einsum sublist form",
        lambda lib, a, b: (
            lib.einsum(a, [0, 1], b, [1, 2], [0, 2]),
            lib.einsum(a, [27, 1], b, [1, 51]),
            lib.einsum(a, [Ellipsis, 1], b, [1, 2], [Ellipsis, 2]),
        ),
        ((3, 4), (4, 2)),
    ),
    Row("einsum three operands", lambda lib, a, b, c: lib.einsum("i,ij,jk->k", a, b, c), ((3,), (3, 4), (4, 2))),
    Row("nonzero", lambda lib, x: (lib.nonzero(x > 0), (x > 0).nonzero(as_tuple=True)), ((4, 5),)),
]


def run(lib, row: Row, seed: int = 0):
    arrays = inputs(row.shapes, row.domain, seed)
    xs = [lib.tensor(a, dtype=lib.float64, requires_grad=True) for a in arrays]
    outs = outputs(row.fn(lib, *xs))
    float_outs = [o for o in outs if o.requires_grad]
    if float_outs:
        rng = np.random.default_rng(1)
        np_errors = np.errstate(over="ignore")  # (nan_to_num's default posinf is the dtype's largest value)
        np_errors.__enter__()
        total = sum(
            (o * lib.tensor(rng.uniform(-1, 1, size=tuple(o.shape)), dtype=lib.float64)).sum() for o in float_outs
        )
        total.backward()
        np_errors.__exit__(None, None, None)
    grads = [None if x.grad is None else to_numpy(x.grad) for x in xs]
    return outs, grads


@pytest.mark.parametrize("row", ROWS, ids=[r.name for r in ROWS])
def test_values_dtypes_and_gradients_match_torch(row: Row) -> None:
    ours, our_grads = run(tg, row)
    theirs, their_grads = run(torch, row)
    assert len(ours) == len(theirs)
    for o, t in zip(ours, theirs):
        assert tuple(o.shape) == tuple(t.shape)
        assert dtype_name(o) == dtype_name(t)
        assert o.requires_grad == t.requires_grad
        np.testing.assert_allclose(to_numpy(o), to_numpy(t), rtol=1e-12, atol=1e-14, equal_nan=True)
    for g, h in zip(our_grads, their_grads):
        assert (g is None) == (h is None)
        if g is not None:
            np.testing.assert_allclose(g, h, rtol=1e-10, atol=1e-12)


# ---- integer and bool inputs: the result dtype as PyTorch's ------------------------------------------

INTS = np.array([[3, -1, 0, 7], [2, 2, -5, 1]])

DTYPE_ROWS = [
    ("tan of int64", lambda lib, x: lib.tan(x)),
    ("exp2, log2 of int64", lambda lib, x: (lib.exp2(x), lib.log2(lib.abs(x) + 1))),
    ("atan2 of ints", lambda lib, x: lib.atan2(x, x + 1)),
    ("erf of int64", lambda lib, x: lib.erf(x)),
    ("floor, ceil, round, trunc of int64", lambda lib, x: (lib.floor(x), lib.ceil(x), lib.round(x), lib.trunc(x))),
    ("sign of int64", lambda lib, x: lib.sign(x)),
    ("reciprocal of int64", lambda lib, x: lib.reciprocal(x + 10)),
    ("// and % of int64", lambda lib, x: (x // 3, x % 3, 7 // (x + 10), lib.fmod(x, 3), lib.remainder(x, -3))),
    ("& | ^ ~ << >> of int64", lambda lib, x: (x & 6, x | 1, x ^ x, ~x, x << 2, x >> 1, 5 & x)),
    ("& | ^ ~ of bool", lambda lib, x: ((x > 0) & (x < 3), (x > 0) | (x < 0), (x > 0) ^ True, ~(x > 0))),
    (
        "logical_*",
        lambda lib, x: (
            lib.logical_and(x, x > 1),
            lib.logical_or(x, x < 0),
            lib.logical_not(x),
            lib.logical_xor(x, x > 1),
        ),
    ),
    ("isnan, isinf, isfinite", lambda lib, x: (lib.isnan(x), lib.isinf(x / 0.0), lib.isfinite(x / 0.0))),
    ("prod of int64, of bool", lambda lib, x: (lib.prod(x), (x > 0).prod(1))),
    ("cumsum of bool, cumprod of int64", lambda lib, x: ((x > 0).cumsum(1), lib.cumprod(x, 0))),
    ("cumsum dtype=float64", lambda lib, x: lib.cumsum(x, 1, dtype=lib.float64)),
    ("cummax of int64", lambda lib, x: lib.cummax(x, 1)),
    ("sort, topk of int64", lambda lib, x: (lib.sort(x, 1, descending=True), lib.topk(x, 2, 0))),
    ("mode of int64", lambda lib, x: lib.mode(x, 1)),
    ("unique", lambda lib, x: lib.unique(x, return_inverse=True, return_counts=True)),
    ("nonzero", lambda lib, x: lib.nonzero(x)),
    (
        "scatter_reduce of int64",
        lambda lib, x: tuple(
            x.scatter_reduce(1, ix(lib, [[0, 0], [3, 3]]), x[:, :2] * 3, r, include_self=inc)
            for r in ("sum", "mean", "prod", "amax", "amin")
            for inc in (True, False)
        ),
    ),
    ("scatter int64", lambda lib, x: x.scatter(1, ix(lib, [[0], [3]]), 9)),
    ("masked_fill int64 with a float", lambda lib, x: x.masked_fill(x > 1, 2.7)),
    ("tril, flip, roll, repeat of int64", lambda lib, x: (x.tril(), x.flip(0), x.roll(1, 1), x.repeat(2, 1))),
    ("nan_to_num of int64", lambda lib, x: lib.nan_to_num(x)),
    ("F.one_hot", lambda lib, x: (lib.nn.functional.one_hot(x + 5), lib.nn.functional.one_hot(x + 5, 15))),
]


@pytest.mark.parametrize("name, fn", DTYPE_ROWS, ids=[r[0] for r in DTYPE_ROWS])
def test_integer_and_bool_inputs_give_torchs_values_and_dtypes(name, fn) -> None:
    with np.errstate(divide="ignore", invalid="ignore"):
        ours = outputs(fn(tg, tg.tensor(INTS, dtype=tg.int64)))
    theirs = outputs(fn(torch, torch.tensor(INTS, dtype=torch.int64)))
    assert len(ours) == len(theirs)
    for o, t in zip(ours, theirs):
        assert dtype_name(o) == dtype_name(t), name
        assert tuple(o.shape) == tuple(t.shape)
        np.testing.assert_allclose(to_numpy(o).astype(np.float64), to_numpy(t).astype(np.float64), rtol=1e-6)


def test_bitwise_ops_refuse_float_tensors_as_torch() -> None:
    with pytest.raises(tg.DtypeError, match="bitwise_and: only integer and bool"):
        tg.tensor([1.0]) & tg.tensor([1.0])
    with pytest.raises(RuntimeError):
        torch.tensor([1.0]) & torch.tensor([1.0])


def test_floor_divide_has_no_derivative_as_torch() -> None:
    # the result of a tensor that requires grad requires grad, and backward through it raises, as PyTorch
    for lib in (tg, torch):
        x = lib.tensor([1.5, -2.5], requires_grad=True)
        for q in (x // 2, 7.0 // x, lib.floor_divide(x, x)):
            assert q.requires_grad
            with pytest.raises(RuntimeError, match="floor_divide.*not implemented"):
                q.sum().backward()
    np.testing.assert_array_equal((tg.tensor([1.5, -2.5]) // 2).numpy(), [0.0, -2.0])


# ---- creation: deterministic values and dtypes as PyTorch's -----------------------------------------

CREATION = [
    ("full int", lambda lib: lib.full((2, 3), 7)),
    ("full bool", lambda lib: lib.full((2,), True)),
    ("full float", lambda lib: lib.full((2,), 1.5)),
    ("full dtype", lambda lib: lib.full((2,), 1, dtype=lib.float64)),
    ("linspace", lambda lib: lib.linspace(-1, 2, 7)),
    ("linspace int64 truncates", lambda lib: lib.linspace(-3, 3, 5, dtype=lib.int64)),
    ("linspace int32 negative", lambda lib: lib.linspace(-7.5, 2.5, 9, dtype=lib.int32)),
    ("logspace", lambda lib: lib.logspace(-1, 2, 4)),
    ("logspace base 2", lambda lib: lib.logspace(0, 4, 5, base=2.0, dtype=lib.float64)),
    ("eye", lambda lib: lib.eye(2, 3, dtype=lib.int64)),
    ("empty_like dtype", lambda lib: lib.empty_like(lib.ones(2, 2), dtype=lib.int32) * 0),
    ("zeros_like dtype", lambda lib: lib.zeros_like(lib.ones(2, 2), dtype=lib.float64)),
    ("randint dtype", lambda lib: lib.randint(0, 1, (3,))),
    ("randperm dtype", lambda lib: lib.randperm(1)),
    ("multinomial dtype", lambda lib: lib.multinomial(lib.tensor([0.0, 1.0]), 2, replacement=True)),
    ("bernoulli dtype", lambda lib: lib.bernoulli(lib.ones(3, dtype=lib.float64))),
    ("normal of tensors", lambda lib: lib.normal(lib.ones(3), lib.zeros(3))),
    ("zeros size=", lambda lib: lib.zeros(size=(2, 3))),
    ("ones size= list", lambda lib: lib.ones(size=[2])),
    ("empty size=", lambda lib: lib.empty(size=(2,), dtype=lib.int64) * 0),
    ("randn size= 0-d", lambda lib: lib.randn(size=(), dtype=lib.float64) * 0),
    ("rand size=", lambda lib: lib.rand(size=(2, 1)) * 0),
]


@pytest.mark.parametrize("name, make", CREATION, ids=[c[0] for c in CREATION])
def test_creation_values_and_dtypes_match_torch(name, make) -> None:
    ours, theirs = make(tg), make(torch)
    assert dtype_name(ours) == dtype_name(theirs)
    assert tuple(ours.shape) == tuple(theirs.shape)
    np.testing.assert_allclose(to_numpy(ours).astype(np.float64), to_numpy(theirs).astype(np.float64), rtol=1e-6)


def test_torchs_generator_surface_is_ours() -> None:
    for name in ("manual_seed", "seed", "initial_seed", "get_state", "set_state"):
        assert hasattr(torch.Generator(), name) and hasattr(tg.Generator(), name)
    assert tg.Generator().manual_seed(3).initial_seed() == torch.Generator().manual_seed(3).initial_seed() == 3


# ---- Tensor methods PyTorch programs use: the same results (values, dtype; Python values as they are) ------

X = np.array([[1.5, -2.0, 0.25], [3.0, 0.5, -1.0]])

METHODS = [
    ("histogram", lambda lib, x: (x.histogram(4), lib.histogram(x, 3, range=(0.0, 1.0), density=True))),
    ("histogram edges", lambda lib, x: x.histogram(lib.tensor([-2.0, 0.0, 0.5, 3.0]), weight=x.abs())),
    ("is_tensor", lambda lib, x: (lib.is_tensor(x), lib.is_tensor(X), lib.is_tensor(1.0))),
    ("pi, e, inf, nan", lambda lib, x: (lib.pi, lib.e, lib.inf, str(lib.nan), type(lib.pi))),
    ("nelement, numel, dim, size(d)", lambda lib, x: (x.nelement(), x.numel(), x.dim(), x.size(1), x.size(-2))),
    ("type()", lambda lib, x: (x.type(), x.double().type(), x.long().type(), x.bool().type(), x.half().type())),
    ("type(dtype), type(name)", lambda lib, x: (x.type(lib.float64), x.type("torch.IntTensor"))),
    ("type_as", lambda lib, x: x.type_as(lib.zeros(1, dtype=lib.int64))),
    (
        "new_zeros, new_ones, new_full, new_tensor, new_empty",
        lambda lib, x: (
            x.new_zeros(2, 3),
            x.new_ones((2,)),
            x.new_full((2,), 7),
            x.new_tensor([1, 2]),
            x.new_zeros(2, dtype=lib.int64),
            x.new_empty(3).shape,
        ),
    ),
    (
        "to dtype, to cpu, to other, cpu",
        lambda lib, x: (
            x.to(lib.float64),
            x.to("cpu"),
            x.to("cpu", lib.int64),
            x.to(lib.zeros(1, dtype=lib.int32)),
            x.cpu(),
            x.to(dtype=lib.float16, device="cpu"),
        ),
    ),
    (
        "float, double, long, int, bool, half, short, byte",
        lambda lib, x: (x.float(), x.double(), x.long(), x.int(), x.bool(), x.half(), x.short(), x.abs().byte()),
    ),
    ("tolist, item", lambda lib, x: (x.tolist(), x[0, 0].item(), x.long().tolist())),
    ("eq, ne, lt, le, gt, ge", lambda lib, x: (x.eq(0.5), x.ne(0.5), x.lt(0), x.le(0.5), x.gt(x.T.sum()), x.ge(1))),
    ("greater, less", lambda lib, x: (x.greater(0), x.less(0), x.greater_equal(0.5), x.less_equal(0.5))),
    (
        "allclose, isclose, equal",
        lambda lib, x: (
            x.allclose(x + 1e-9),
            x.allclose(x + 1e-3),
            lib.allclose(x, x * 1.0),
            x.isclose(x + 1e-6),
            lib.isclose(x, x + 1e-2),
            x.equal(x * 1.0),
            lib.equal(x, x + 1),
            x.equal(x[:1]),
        ),
    ),
    ("contiguous, clone", lambda lib, x: (x.T.contiguous(), x.clone())),
    (
        "device",
        lambda lib, x: (str(x.device), x.device.type, x.device == lib.device("cpu"), x.device == "cpu", x.is_cuda),
    ),
    (
        "tg.eq, tg.gt, ...",
        lambda lib, x: (lib.eq(x, 0.5), lib.ne(x, x), lib.lt(x, 1), lib.le(x, 1), lib.gt(x, 0), lib.ge(x, 0)),
    ),
]


@pytest.mark.parametrize("name, fn", METHODS, ids=[m[0] for m in METHODS])
def test_tensor_methods_match_torch(name, fn) -> None:
    ours, theirs = fn(tg, tg.tensor(X, dtype=tg.float32)), fn(torch, torch.tensor(X, dtype=torch.float32))
    for o, t in zip(outputs(ours), outputs(theirs)):
        if isinstance(t, torch.Tensor):
            assert isinstance(o, tg.Tensor) and dtype_name(o) == dtype_name(t) and tuple(o.shape) == tuple(t.shape)
            np.testing.assert_allclose(to_numpy(o).astype(np.float64), to_numpy(t).astype(np.float64), rtol=1e-6)
        else:
            assert o == t, name


# in-place methods: the same values, self returned; on a leaf that requires grad, under no_grad (as optimizers)
IN_PLACE = [
    ("add_ alpha", lambda lib, x: x.add_(lib.ones(3), alpha=2.0)),
    ("sub_, mul_, div_", lambda lib, x: x.sub_(0.5).mul_(lib.tensor([1.0, 2.0, 3.0])).div_(4.0)),
    ("pow_, clamp_", lambda lib, x: x.pow_(2).clamp_(0.1, 2.0)),
    ("clamp_ max only", lambda lib, x: x.clamp_(max=0.6)),
    ("zero_, fill_", lambda lib, x: (x.zero_(), x.fill_(2.5))),
    ("copy_ broadcast", lambda lib, x: x.copy_(lib.tensor([1.0, 2.0, 3.0]))),
    ("masked_fill_", lambda lib, x: x.masked_fill_(x < 0, 0.0)),
    ("index_add_", lambda lib, x: x.index_add_(0, ix(lib, [1, 1]), lib.ones(2, 3))),
    ("scatter_", lambda lib, x: x.scatter_(1, ix(lib, [[2], [0]]), lib.full((2, 1), 9.0))),
    ("scatter_ value", lambda lib, x: x.scatter_(0, ix(lib, [[1, 0, 1]]), value=-4.0)),
]


@pytest.mark.parametrize("name, fn", IN_PLACE, ids=[m[0] for m in IN_PLACE])
def test_in_place_methods_match_torch(name, fn) -> None:
    results = []
    for lib in (tg, torch):
        x = lib.tensor(X, dtype=lib.float32, requires_grad=True)
        with lib.no_grad():
            out = fn(lib, x)
        assert all(o is x for o in outputs(out))  # an in-place method returns self
        results.append(to_numpy(x).copy())
    np.testing.assert_allclose(results[0], results[1], rtol=1e-6)


def test_in_place_methods_on_a_leaf_that_requires_grad_are_refused_while_recording() -> None:
    for lib, error in ((tg, RuntimeError), (torch, RuntimeError)):
        x = lib.tensor(X, requires_grad=True)
        for call in (lambda: x.add_(1), lambda: x.clamp_(0, 1), lambda: x.fill_(0), lambda: x.mul_(2)):
            with pytest.raises(error):
                call()


def test_requires_grad_and_detach_in_place() -> None:
    for lib in (tg, torch):
        x = lib.tensor([1.0, 2.0]).requires_grad_()
        assert x.requires_grad
        y = x * 2
        assert y.detach_() is y and not y.requires_grad and y.grad_fn is None


def test_uniform_and_normal_in_place_draw_from_the_generator() -> None:
    g = tg.Generator().manual_seed(0)
    x = tg.zeros(1000).uniform_(-2.0, 3.0, generator=g).numpy()
    assert x.min() >= -2.0 and x.max() < 3.0 and abs(x.mean() - 0.5) < 0.1
    y = tg.zeros(1000).normal_(1.0, 0.1, generator=g.manual_seed(1)).numpy()
    assert abs(y.mean() - 1.0) < 0.02
    np.testing.assert_array_equal(tg.zeros(1000).normal_(1.0, 0.1, generator=g.manual_seed(1)).numpy(), y)


def test_cuda_is_a_clear_error_and_cpu_is_accepted() -> None:
    x = tg.tensor([1.0], device="cpu")
    for call in (
        lambda: x.to("cuda"),
        lambda: x.cuda(),
        lambda: tg.tensor([1.0], device="cuda"),
        lambda: x.new_zeros(2, device="cuda:0"),
    ):
        with pytest.raises(RuntimeError, match="CPU only"):
            call()
    assert x.to(tg.device("cpu")) is x and tg.device("cpu") == torch.device("cpu")
    # programs ask torch.cuda before they choose: here the answer is always the CPU
    device = "cuda" if tg.cuda.is_available() else "cpu"
    assert device == "cpu" and tg.cuda.device_count() == 0 and tg.cuda.manual_seed_all(0) is None
    assert tg.ones(2, device=device).to(device).device == torch.device("cpu")
    device = "cuda" if tg.cuda.is_available() else "mps" if tg.backends.mps.is_available() else "cpu"
    assert device == "cpu" and not tg.backends.cudnn.is_available()
    tg.backends.cudnn.benchmark = True  # a switch that programs set: accepted, nothing to switch here
    assert tg.backends.cudnn.benchmark and tg.backends.cuda.matmul.allow_tf32 is False  # (PyTorch's default)


# ---- PyTorch's dtype rules (issue 13): construction, promotion, and what matrix products refuse ----------

PROMOTION = [
    ("Python ints, bools, floats", lambda lib: (lib.tensor(3), lib.tensor([True]), lib.tensor([1, 2.5]))),
    ("int tensor + Python float", lambda lib: lib.tensor([1, 2]) + 0.5),
    ("int tensor / int tensor", lambda lib: lib.tensor([1, 2]) / lib.tensor([2, 2])),
    ("int tensor * Python int", lambda lib: lib.tensor([1, 2]) * 3),
    ("bool + bool, bool + int", lambda lib: (lib.tensor([True]) + lib.tensor([True]), lib.tensor([True]) + 1)),
    ("float32 tensor + int64 tensor", lambda lib: lib.ones(2) + lib.tensor([1, 2])),
    (
        "sin, exp, sqrt, log, sigmoid, tanh, cos of ints",
        lambda lib: (
            lib.tensor([1, 2]).sin(),
            lib.tensor([1, 2]).exp(),
            lib.tensor([1, 4]).sqrt(),
            lib.tensor([1, 2]).log(),
            lib.tensor([1, 2]).sigmoid(),
            lib.tensor([1, 2]).tanh(),
            lib.tensor([1, 2]).cos(),
        ),
    ),
    ("mean of floats of ints", lambda lib: lib.tensor([1, 2]).float().mean()),
    (
        "sum of uint8, int32, bool",
        lambda lib: (
            lib.tensor(np.array([200, 100], dtype=np.uint8)).sum(),
            lib.tensor([1, 2], dtype=lib.int32).sum(),
            lib.tensor([True, True]).sum(),
        ),
    ),
    (
        "where, clamp of ints",
        lambda lib: (lib.where(lib.tensor([True, False]), lib.tensor([1, 2]), 0.5), lib.tensor([1, 5]).clamp(2, 3)),
    ),
    ("cat of int64", lambda lib: lib.cat([lib.tensor([1]), lib.tensor([2, 3])])),
    ("bool mask picks rows", lambda lib: lib.tensor([[1.0], [2.0], [3.0]])[lib.tensor([True, False, True])]),
]


@pytest.mark.parametrize("name, make", PROMOTION, ids=[p[0] for p in PROMOTION])
def test_dtype_rules_match_torch(name, make) -> None:
    ours, theirs = outputs(make(tg)), outputs(make(torch))
    for o, t in zip(ours, theirs):
        assert dtype_name(o) == dtype_name(t), name
        np.testing.assert_allclose(to_numpy(o).astype(np.float64), to_numpy(t).astype(np.float64), rtol=1e-6)


MIXED = [
    ("nn.Linear on an int tensor", lambda lib: lib.nn.Linear(2, 3)(lib.tensor([[1, 2]])), "x.float()"),
    ("float32 @ float64", lambda lib: lib.ones(2, 2) @ lib.ones(2, 2, dtype=lib.float64), "same dtype"),
    ("mm of int and float", lambda lib: lib.ones(2, 2).mm(lib.tensor([[1, 2], [3, 4]])), "x.float()"),
    (
        "F.linear float64 input, float32 weight",
        lambda lib: lib.nn.functional.linear(lib.ones(1, 2, dtype=lib.float64), lib.ones(3, 2)),
        "same dtype",
    ),
]


@pytest.mark.parametrize("name, call, hint", MIXED, ids=[m[0] for m in MIXED])
def test_matrix_products_of_mixed_dtypes_raise_as_torch_with_a_hint(name, call, hint) -> None:
    with pytest.raises(RuntimeError):
        call(torch)
    with pytest.raises(tg.DtypeError, match="same dtype") as caught:
        call(tg)
    assert hint in str(caught.value)


DEFAULT_DTYPE_USES = [
    ("Python floats", lambda lib: lib.tensor([1.5, 2.0])),
    ("zeros, rand", lambda lib: (lib.zeros(2), lib.rand(2).dtype == lib.get_default_dtype())),
    (
        "arange of floats, linspace, full",
        lambda lib: (lib.arange(0, 1, 0.5), lib.linspace(0, 1, 3), lib.full((2,), 0.5)),
    ),
    ("int tensor + Python float, int / int", lambda lib: (lib.tensor([1]) + 0.5, lib.tensor([1]) / lib.tensor([2]))),
    ("sin of ints", lambda lib: lib.tensor([1, 2]).sin()),
    ("nn.Linear's weight", lambda lib: lib.nn.Linear(2, 3).weight),
]


@pytest.mark.parametrize("name, make", DEFAULT_DTYPE_USES, ids=[d[0] for d in DEFAULT_DTYPE_USES])
def test_set_default_dtype_float64_as_torch(name, make) -> None:
    results = []
    for lib in (tg, torch):
        lib.set_default_dtype(lib.float64)
        try:
            assert "float64" in str(lib.get_default_dtype())
            results.append(outputs(make(lib)))
        finally:
            lib.set_default_dtype(lib.float32)
    for o, t in zip(*results):
        if isinstance(t, torch.Tensor):
            assert dtype_name(o) == dtype_name(t) == "float64", name
        else:
            assert o == t
    assert tg.get_default_dtype() == np.float32


def test_set_default_dtype_refuses_ints_as_torch() -> None:
    with pytest.raises(TypeError):
        torch.set_default_dtype(torch.int64)
    with pytest.raises(tg.DtypeError, match="floating-point"):
        tg.set_default_dtype(tg.int64)


# Type promotion over every pair of dtypes, with and without 0-d ("weak") tensors: tinygrad_edu's result
# dtype is torch's (or torch refuses). 7 x 7 dtypes x 3 shape pairings x the ops below.
DTYPES = ["bool", "uint8", "int32", "int64", "float16", "float32", "float64"]
PAIRINGS = [((2,), (2,)), ((2,), ()), ((), (2,)), ((), ())]
PROMOTING = {
    "+": lambda lib, x, y: x + y,
    "/": lambda lib, x, y: x / y,
    "*": lambda lib, x, y: x * y,
    "where": lambda lib, x, y: lib.where(lib.ones(2, dtype=lib.bool), x, y),
    "maximum": lambda lib, x, y: lib.maximum(x, y),
    "cat": lambda lib, x, y: lib.cat([x.reshape(-1), y.reshape(-1)]),
    "stack": lambda lib, x, y: lib.stack([x, y]) if tuple(x.shape) == tuple(y.shape) else x * 0,
    "+ Python int, float, bool": lambda lib, x, y: (x + 3, x * 2.5, x + True),
}


@pytest.mark.parametrize("op", list(PROMOTING), ids=list(PROMOTING))
def test_type_promotion_of_every_dtype_pair_matches_torch(op) -> None:
    fn = PROMOTING[op]
    differ = []
    for a in DTYPES:
        for b in DTYPES:
            for sa, sb in PAIRINGS:
                try:
                    theirs = outputs(
                        fn(torch, torch.ones(sa, dtype=getattr(torch, a)), torch.ones(sb, dtype=getattr(torch, b)))
                    )
                except RuntimeError:
                    continue  # torch refuses (e.g. bool - bool); not compared
                with np.errstate(all="ignore"):
                    ours = outputs(fn(tg, tg.ones(sa, dtype=getattr(tg, a)), tg.ones(sb, dtype=getattr(tg, b))))
                if [dtype_name(o) for o in ours] != [dtype_name(t) for t in theirs]:
                    differ.append((a, sa, b, sb, [dtype_name(o) for o in ours], [dtype_name(t) for t in theirs]))
    assert differ == []


VIEWS = [
    ("view of a transposed matrix as a vector", lambda lib: lib.ones(2, 3).T.view(6)),
    ("view of a column slice", lambda lib: lib.ones(2, 4)[:, :2].reshape(-1).shape and lib.ones(2, 4)[:, :2].view(4)),
    ("view of a permuted 3-d tensor merging dims", lambda lib: lib.ones(2, 3, 4).permute(1, 0, 2).view(6, 4)),
]
VIEWS_OK = [
    ("view of a transposed matrix, same shape", lambda lib: lib.ones(2, 3).T.view(3, 2)),
    ("contiguous().view", lambda lib: lib.ones(2, 3).T.contiguous().view(6)),
    (
        "view splitting the last dim of a permuted tensor",
        lambda lib: lib.ones(2, 3, 4).permute(1, 0, 2).view(3, 2, 2, 2),
    ),
    ("view of a row slice", lambda lib: lib.ones(4, 3)[1:3].view(6)),
    (
        "is_contiguous",
        lambda lib: (
            lib.ones(2, 3).is_contiguous(),
            lib.ones(2, 3).T.is_contiguous(),
            lib.ones(2, 3).T.contiguous().is_contiguous(),
        ),
    ),
]


@pytest.mark.parametrize("name, call", VIEWS, ids=[v[0] for v in VIEWS])
def test_view_refuses_what_torch_refuses_and_says_to_reshape(name, call) -> None:
    with pytest.raises(RuntimeError, match="view size is not compatible"):
        call(torch)
    with pytest.raises(RuntimeError, match=r"view: .*\.reshape\(\.\.\.\)"):
        call(tg)


@pytest.mark.parametrize("name, call", VIEWS_OK, ids=[v[0] for v in VIEWS_OK])
def test_view_allows_what_torch_allows(name, call) -> None:
    for o, t in zip(outputs(call(tg)), outputs(call(torch))):
        assert (tuple(o.shape) == tuple(t.shape)) if isinstance(t, torch.Tensor) else o == t


GRAPH_IN_PLACE = [
    ("add_, mul_, sub_, div_", lambda lib, h: h.add_(1).mul_(3).sub_(0.5).div_(2)),
    ("pow_, clamp_", lambda lib, h: h.pow_(2).clamp_(0.5, 10.0)),
    ("masked_fill_, fill_ of a slice", lambda lib, h: (h.masked_fill_(h > 3, 0.0), h[:1].fill_(7.0))),
    (
        "index_add_, scatter_",
        lambda lib, h: h.index_add_(0, ix(lib, [1, 1]), lib.ones(2, 2, dtype=lib.float64)).scatter_(
            1, ix(lib, [[0], [1]]), lib.full((2, 1), 5.0, dtype=lib.float64)
        ),
    ),
    ("copy_ of a broadcast row", lambda lib, h: h.copy_(lib.tensor([3.0, -1.0], dtype=lib.float64))),
]


@pytest.mark.parametrize("name, fn", GRAPH_IN_PLACE, ids=[g[0] for g in GRAPH_IN_PLACE])
def test_in_place_methods_on_a_graph_tensor_give_torchs_gradients(name, fn) -> None:
    grads = []
    for lib in (tg, torch):
        x = lib.tensor([[1.0, 2.0], [3.0, -1.5]], dtype=lib.float64, requires_grad=True)
        h = x * 2
        fn(lib, h)
        (h * lib.tensor([[1.0, -2.0], [0.5, 3.0]], dtype=lib.float64)).sum().backward()
        grads.append((to_numpy(h), to_numpy(x.grad)))
    np.testing.assert_allclose(grads[0][0], grads[1][0], rtol=1e-12)
    np.testing.assert_allclose(grads[0][1], grads[1][1], rtol=1e-12)
