"""More of torch's functions next to PyTorch: quantile, searchsorted, kron, tensordot, trapezoid, gradient,
block_diag, index_put, renorm, the addmm family and the rest (tinygrad_edu/tensor_surface3.py and
functional_surface3.py).

Each row is one call written once as `fn(lib, *inputs)` and run with `lib = tinygrad_edu` and `lib = torch`
on the same NumPy inputs; the values and dtypes of every output are compared, and for the differentiable rows
the gradients of a weighted sum of the outputs with respect to every float input. The error rows check that
tinygrad_edu refuses what PyTorch refuses. Skipped where torch is not installed.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np
import pytest

import tinygrad_edu as tg
from tests.parity import assert_refused_as_pytorch

torch = pytest.importorskip("torch")

RNG = np.random.default_rng(7)
NAN = float("nan")


def to_numpy(t: Any) -> np.ndarray:
    return t.detach().numpy() if isinstance(t, torch.Tensor) else np.asarray(t.data)


def dtype_name(t: Any) -> str:
    return str(t.dtype).removeprefix("torch.")


def distinct(*shape: int) -> np.ndarray:
    """float64 values, all different (no ties for sorting), in [-2, 2]."""
    return RNG.permutation(np.linspace(-2.0, 2.0, int(np.prod(shape)))).reshape(shape) + RNG.uniform(0, 0.01, shape)


def with_nans(x: np.ndarray, *where: tuple) -> np.ndarray:
    x = x.copy()
    for place in where:
        x[place] = NAN
    return x


def weights(shape: tuple) -> np.ndarray:
    """A fixed, uneven weight per output element: the gradient of sum(out * w) checks every element."""
    return (np.cos(np.arange(int(np.prod(shape)))) + 1.5).reshape(shape)


class Row(NamedTuple):
    name: str
    fn: Any  # fn(lib, *tensors) -> a tensor or a tuple of tensors
    inputs: list  # NumPy arrays: float ones require grad in the gradient check
    grad: bool = True  # compare gradients too


def run(lib: Any, row: Row, grad: bool) -> tuple[list, list]:
    tensors = []
    for a in row.inputs:
        t = lib.tensor(a)
        if grad and a.dtype.kind == "f":
            t.requires_grad_()
        tensors.append(t)
    out = row.fn(lib, *tensors)
    outs = list(out) if isinstance(out, tuple) else [out]
    values = [(to_numpy(o), dtype_name(o)) for o in outs]
    grads: list = []
    if grad:
        total = None
        for o in outs:
            if o.requires_grad:
                w = weights(tuple(o.shape))
                term = (o * (lib.tensor(w, dtype=o.dtype))).sum()
                total = term if total is None else total + term
        assert total is not None, f"{row.name}: no output requires grad in {lib.__name__}"
        total.backward()
        grads = [None if t.grad is None else to_numpy(t.grad) for t in tensors]
    return values, grads


def check(row: Row) -> None:
    tg_values, tg_grads = run(tg, row, row.grad)
    torch_values, torch_grads = run(torch, row, row.grad)
    assert len(tg_values) == len(torch_values), f"{row.name}: {len(tg_values)} outputs, torch {len(torch_values)}"
    for (ours, our_dtype), (theirs, their_dtype) in zip(tg_values, torch_values):
        assert our_dtype == their_dtype, f"{row.name}: dtype {our_dtype}, torch {their_dtype}"
        assert ours.shape == theirs.shape, f"{row.name}: shape {ours.shape}, torch {theirs.shape}"
        np.testing.assert_allclose(ours, theirs, rtol=1e-5, atol=1e-6, equal_nan=True, err_msg=row.name)
    for i, (ours, theirs) in enumerate(zip(tg_grads, torch_grads)):
        if theirs is None or ours is None:  # (a zero gradient may be None on either side)
            other = theirs if ours is None else ours
            assert other is None or not np.any(other), f"{row.name}: input {i} has a gradient on one side only"
            continue
        np.testing.assert_allclose(ours, theirs, rtol=1e-5, atol=1e-6, equal_nan=True, err_msg=f"{row.name} grad {i}")


X34 = distinct(3, 4)
X35 = distinct(3, 5)
X234 = distinct(2, 3, 4)
V5 = distinct(5)
Q = np.array([0.0, 0.25, 0.5, 0.9, 1.0])

QUANTILES = [
    Row("quantile q number", lambda lib, x: lib.quantile(x, 0.3), [X34]),
    Row("quantile dim=1", lambda lib, x: x.quantile(0.7, dim=1), [X35]),
    Row("quantile dim=0 keepdim", lambda lib, x: x.quantile(0.4, 0, True), [X234]),
    Row("quantile dim=None keepdim", lambda lib, x: lib.quantile(x, 0.5, keepdim=True), [X34]),
    Row("quantile q tensor dim=-1", lambda lib, x: x.quantile(lib.tensor(Q), dim=-1), [X34]),
    Row("quantile q tensor dim=1 keepdim", lambda lib, x: x.quantile(lib.tensor(Q), 1, keepdim=True), [X234]),
    Row("quantile q 0-d tensor", lambda lib, x: x.quantile(lib.tensor(0.6, dtype=lib.float64), dim=0), [X34]),
    Row("quantile float32", lambda lib, x: x.float().quantile(0.35, dim=1), [X35]),
    Row("quantile of a 0-d tensor", lambda lib, x: x.quantile(0.5), [np.array(1.5)]),
    Row("quantile of a 0-d tensor dim=0", lambda lib, x: x.quantile(lib.tensor(Q), dim=0), [np.array(1.5)]),
    Row("quantile nan in a row", lambda lib, x: x.quantile(0.5, dim=1), [with_nans(X34, (1, 2))], grad=False),
    *[
        Row(
            f"quantile interpolation={how}",
            lambda lib, x, how=how: x.quantile(lib.tensor(Q), 1, interpolation=how),
            [X34],
        )
        for how in ("linear", "lower", "higher", "midpoint", "nearest")
    ],
    Row("nanquantile no nans", lambda lib, x: lib.nanquantile(x, 0.3, dim=0), [X34]),
    Row(
        "nanquantile nans", lambda lib, x: x.nanquantile(lib.tensor(Q), dim=1), [with_nans(X35, (0, 1), (2, 0), (2, 4))]
    ),
    Row("nanquantile all-nan row", lambda lib, x: x.nanquantile(0.5, dim=1), [with_nans(X34, (1,))], grad=False),
    Row("nanquantile dim=None", lambda lib, x: x.nanquantile(0.8), [with_nans(X34, (0, 0))]),
    *[
        Row(
            f"nanquantile interpolation={how}",
            lambda lib, x, how=how: x.nanquantile(lib.tensor(Q), 1, interpolation=how),
            [with_nans(X35, (1, 3))],
        )
        for how in ("lower", "higher", "midpoint", "nearest")
    ],
    Row("nanmedian", lambda lib, x: x.nanmedian(), [with_nans(X34, (0, 1), (2, 2))]),
    Row("nanmedian of an empty tensor", lambda lib, x: x.nanmedian(), [np.zeros(0)], False),
    Row(
        "addr promotes",
        lambda lib, x, a, b: lib.addr(x.float(), a, b),
        [distinct(2, 3), distinct(2), distinct(3)],
        False,
    ),
    Row("nanmedian no nans", lambda lib, x: lib.nanmedian(x), [X34]),
    Row("nanmedian dim=1", lambda lib, x: x.nanmedian(1), [with_nans(X35, (0, 1), (2, 2), (2, 3))]),
    Row("nanmedian dim=0 keepdim", lambda lib, x: lib.nanmedian(x, 0, keepdim=True), [with_nans(X34, (1, 1))]),
]

COUNTING = [
    Row("histc", lambda lib, x: x.histc(bins=4, min=-2, max=2), [X34], grad=False),
    Row("histc data range", lambda lib, x: lib.histc(x.float(), bins=7), [X35], grad=False),
    Row("histc values outside", lambda lib, x: lib.histc(x, 5, -1, 1), [X35], grad=False),
    Row("histc equal values", lambda lib, x: lib.histc(x, 3), [np.full(4, 2.0)], grad=False),
    Row(
        "unique_consecutive",
        lambda lib, x: lib.unique_consecutive(x, return_inverse=True, return_counts=True),
        [np.array([[1, 1, 2], [2, 3, 3], [1, 1, 1]])],
        grad=False,
    ),
    Row(
        "unique_consecutive values only", lambda lib, x: x.unique_consecutive(), [np.array([5, 5, 1, 1, 5])], grad=False
    ),
    Row(
        "unique_consecutive dim=0",
        lambda lib, x: x.unique_consecutive(True, True, dim=0),
        [np.array([[1, 2], [1, 2], [3, 4], [1, 2]])],
        grad=False,
    ),
    Row(
        "unique_consecutive dim=1",
        lambda lib, x: lib.unique_consecutive(x, return_counts=True, dim=1),
        [np.array([[1, 1, 2], [3, 3, 4]])],
        grad=False,
    ),
]

SEQ = np.array([-1.0, 0.0, 0.5, 0.5, 2.0])
SEQ2 = np.sort(distinct(2, 4), axis=1)
SEARCHING = [
    Row("searchsorted", lambda lib, s, v: lib.searchsorted(s, v), [SEQ, np.array([[0.5, -3.0], [1.0, 2.0]])], False),
    Row(
        "searchsorted right",
        lambda lib, s, v: lib.searchsorted(s, v, right=True),
        [SEQ, np.array([0.5, 2.0, 0.0])],
        False,
    ),
    Row(
        "searchsorted side", lambda lib, s, v: lib.searchsorted(s, v, side="right"), [SEQ, np.array([0.5, 9.0])], False
    ),
    Row(
        "searchsorted out_int32",
        lambda lib, s, v: lib.searchsorted(s, v, out_int32=True),
        [SEQ, np.array([0.5])],
        False,
    ),
    Row("searchsorted scalar", lambda lib, s: lib.searchsorted(s, 0.5), [SEQ], False),
    Row("searchsorted rows", lambda lib, s, v: lib.searchsorted(s, v), [SEQ2, distinct(2, 3)], False),
    Row(
        "searchsorted sorter",
        lambda lib, s, v, i: lib.searchsorted(s, v, sorter=i),
        [np.array([3.0, 1.0, 2.0]), np.array([1.5, 3.5]), np.array([1, 2, 0])],
        False,
    ),
    Row("searchsorted ints", lambda lib, s, v: lib.searchsorted(s, v), [np.array([1, 3, 5]), np.array([3, 4])], False),
    Row(
        "searchsorted nans (PyTorch's order: nan compares False)",
        lambda lib, s, v: lib.searchsorted(s, v),
        [np.array([1.0, 2.0, NAN]), np.array([NAN, 5.0, 1.5])],
        False,
    ),
    Row("bucketize", lambda lib, v, b: lib.bucketize(v, b), [np.array([[0.5, -3.0], [0.0, 2.5]]), SEQ], False),
    Row(
        "bucketize right out_int32",
        lambda lib, v, b: lib.bucketize(v, b, out_int32=True, right=True),
        [np.array([0.5, 0.0]), SEQ],
        False,
    ),
    Row("isin", lambda lib, a, b: lib.isin(a, b), [np.array([[1, 2], [3, 4]]), np.array([4, 1, 7])], False),
    Row("isin invert", lambda lib, a, b: lib.isin(a, b, invert=True), [np.array([1, 2, 3]), np.array([2])], False),
    Row("isin number", lambda lib, a: lib.isin(a, 2), [np.array([1, 2, 3])], False),
]

PRODUCTS = [
    Row("kron 2-D", lambda lib, a, b: lib.kron(a, b), [distinct(2, 3), distinct(2, 2)]),
    Row("kron 1-D with 2-D", lambda lib, a, b: a.kron(b), [distinct(2), distinct(3, 2)]),
    Row("kron 3-D with 1-D", lambda lib, a, b: lib.kron(a, b), [distinct(2, 1, 2), distinct(3)]),
    Row("kron ints", lambda lib, a, b: lib.kron(a, b), [np.array([[1, 2]]), np.array([[3], [4]])], False),
    Row("kron int with float", lambda lib, a, b: lib.kron(a.int(), b.float()), [np.array([1, 2]), V5], False),
    Row("tensordot dims=2", lambda lib, a, b: lib.tensordot(a, b), [X234, distinct(3, 4, 2)]),
    Row("tensordot dims=1", lambda lib, a, b: lib.tensordot(a, b, dims=1), [X34, distinct(4, 2)]),
    Row("tensordot dims=0", lambda lib, a, b: lib.tensordot(a, b, 0), [distinct(2), distinct(3)]),
    Row("tensordot lists", lambda lib, a, b: lib.tensordot(a, b, dims=([0, 2], [2, 0])), [X234, distinct(4, 5, 2)]),
    Row("tensordot one pair", lambda lib, a, b: lib.tensordot(a, b, dims=([1], [0])), [X34, distinct(4, 3)]),
    Row("addbmm", lambda lib, x, a, b: x.addbmm(a, b), [distinct(2, 4), distinct(3, 2, 5), distinct(3, 5, 4)]),
    Row(
        "addbmm beta alpha",
        lambda lib, x, a, b: lib.addbmm(x, a, b, beta=0.5, alpha=2),
        [distinct(4), distinct(3, 2, 5), distinct(3, 5, 4)],
    ),
    Row(
        "baddbmm",
        lambda lib, x, a, b: lib.baddbmm(x, a, b, alpha=-1.5),
        [distinct(3, 2, 4), distinct(3, 2, 5), distinct(3, 5, 4)],
    ),
    Row(
        "baddbmm broadcast",
        lambda lib, x, a, b: x.baddbmm(a, b, beta=3),
        [distinct(2, 1), distinct(3, 2, 5), distinct(3, 5, 4)],
    ),
    Row("addmv", lambda lib, x, m, v: x.addmv(m, v, beta=2, alpha=0.5), [distinct(3), distinct(3, 4), distinct(4)]),
    Row(
        "addmv beta=0 ignores nan",
        lambda lib, x, m, v: lib.addmv(x, m, v, beta=0),
        [np.full(3, NAN), distinct(3, 4), distinct(4)],
    ),
    Row("addr", lambda lib, x, a, b: lib.addr(x, a, b), [distinct(3, 4), distinct(3), distinct(4)]),
    Row(
        "addr beta alpha",
        lambda lib, x, a, b: x.addr(a, b, beta=-1, alpha=2.5),
        [distinct(4), distinct(3), distinct(4)],
    ),
    Row(
        "addr ints",
        lambda lib, x, a, b: lib.addr(x, a, b, alpha=2),
        [np.ones((2, 2), np.int64), np.array([1, 2]), np.array([3, 4])],
        False,
    ),
    Row(
        "chain_matmul", lambda lib, a, b, c: lib.chain_matmul(a, b, c), [distinct(2, 3), distinct(3, 4), distinct(4, 2)]
    ),
    Row("chain_matmul one", lambda lib, a: lib.chain_matmul(a), [distinct(2, 3)]),
]

X_POINTS = np.array([0.0, 0.5, 1.5, 1.75])
INTEGRALS = [
    Row("trapezoid", lambda lib, y: lib.trapezoid(y), [X34]),
    Row("trapezoid dx", lambda lib, y: lib.trapezoid(y, dx=0.5, dim=0), [X34]),
    Row("trapezoid x 1-D", lambda lib, y, x: lib.trapezoid(y, x), [X34, X_POINTS]),
    Row(
        "trapezoid x like y", lambda lib, y, x: lib.trapezoid(y, x, dim=1), [X34, np.cumsum(np.abs(distinct(3, 4)), 1)]
    ),
    Row("trapezoid x along dim 0", lambda lib, y, x: lib.trapezoid(y, x, dim=0), [X234, np.array([0.0, 2.0])]),
    Row("trapezoid ints", lambda lib, y: lib.trapezoid(y), [np.array([1, 2, 4])], False),
    Row("trapezoid int x", lambda lib, y, x: lib.trapezoid(y, x), [np.array([1, 2, 4]), np.array([1, 2, 5])], False),
    Row("trapezoid one sample", lambda lib, y: lib.trapezoid(y), [distinct(3, 1)], False),
    Row("trapz dx", lambda lib, y: lib.trapz(y, dx=2.0), [V5]),
    Row("trapz x", lambda lib, y, x: lib.trapz(y, x), [X34, X_POINTS]),
    Row("cumulative_trapezoid", lambda lib, y: lib.cumulative_trapezoid(y), [X34]),
    Row(
        "cumulative_trapezoid x dim=0",
        lambda lib, y, x: lib.cumulative_trapezoid(y, x, dim=0),
        [X34, np.array([0.0, 1.0, 3.0])],
    ),
    Row("cumulative_trapezoid dx", lambda lib, y: lib.cumulative_trapezoid(y, dx=0.25), [X234]),
    Row("gradient 1-D", lambda lib, y: lib.gradient(y), [V5]),
    Row("gradient 2-D", lambda lib, y: lib.gradient(y), [X34]),
    Row("gradient spacing", lambda lib, y: lib.gradient(y, spacing=0.5), [X34]),
    Row("gradient spacing per dim", lambda lib, y: lib.gradient(y, spacing=[2.0, 0.5, 1.5]), [X234]),
    Row("gradient dim", lambda lib, y: lib.gradient(y, dim=1), [X234]),
    Row("gradient dims", lambda lib, y: lib.gradient(y, spacing=[3.0, 0.5], dim=[0, -1]), [X234]),
    Row("gradient edge_order=2", lambda lib, y: lib.gradient(y, edge_order=2), [X34]),
    Row("gradient edge_order=2 spacing", lambda lib, y: lib.gradient(y, spacing=0.25, edge_order=2, dim=1), [X35]),
    Row(
        "gradient coordinates",
        lambda lib, y: lib.gradient(y, spacing=(lib.tensor([0.0, 1.0, 1.5]), lib.tensor([0.0, 0.5, 2.0, 2.25]))),
        [X34],
    ),
    Row(
        "gradient coordinates edge_order=2",
        lambda lib, y: lib.gradient(y, spacing=(lib.tensor([0.0, 0.4, 1.5, 2.5, 2.75]),), dim=1, edge_order=2),
        [X35],
    ),
    Row(
        "gradient coordinates that require grad",
        lambda lib, y, c: lib.gradient(y, spacing=[c], dim=0, edge_order=2),
        [X34, np.array([0.0, 0.5, 1.75])],
    ),
    Row(
        "gradient float32 with float64 coordinates",
        lambda lib, y, c: lib.gradient(y.float(), spacing=(c,), dim=1),
        [X34, np.array([0.0, 1.0, 1.5, 3.0])],
    ),
    Row("gradient ints", lambda lib, y: lib.gradient(y), [np.array([1, 2, 4, 8])], False),
]

BUILDING = [
    Row("block_diag", lambda lib, a, b, c: lib.block_diag(a, b, c), [distinct(2, 3), distinct(2), np.array(1.5)]),
    Row("block_diag one", lambda lib, a: lib.block_diag(a), [X34]),
    Row(
        "block_diag dtypes",
        lambda lib, a, b: lib.block_diag(a, b),
        [np.array([[1, 2]]), np.array([[0.5], [2.5]])],
        False,
    ),
    Row("block_diag float32 float64", lambda lib, a, b: lib.block_diag(a.float(), b), [X34, distinct(2, 2)], False),
    Row("block_diag empty", lambda lib: lib.block_diag(), [], False),
    Row("cartesian_prod", lambda lib, a, b: lib.cartesian_prod(a, b), [distinct(3), distinct(2)]),
    Row(
        "cartesian_prod three",
        lambda lib, a, b, c: lib.cartesian_prod(a, b, c),
        [distinct(2), distinct(3), distinct(2)],
    ),
    Row("cartesian_prod one", lambda lib, a: lib.cartesian_prod(a), [V5]),
    Row("combinations", lambda lib, x: lib.combinations(x), [V5]),
    Row("combinations r=3", lambda lib, x: lib.combinations(x, r=3), [V5]),
    Row("combinations with_replacement", lambda lib, x: lib.combinations(x, 2, with_replacement=True), [distinct(4)]),
    Row("combinations r=1", lambda lib, x: lib.combinations(x, 1), [distinct(3)]),
    Row("combinations r > n", lambda lib, x: lib.combinations(x, 4), [np.array([1, 2])], False),
    Row("combinations r=0", lambda lib, x: lib.combinations(x, 0), [np.array([1, 2])], False),
    # (torch.vander's own backward fails, "modified by an inplace operation": its gradient is checked below)
    Row("vander", lambda lib, x: lib.vander(x), [distinct(4)], False),
    Row("vander N increasing", lambda lib, x: lib.vander(x, N=3, increasing=True), [distinct(5)], False),
    Row("vander with a zero", lambda lib, x: lib.vander(x, 4), [np.array([0.0, 1.5, -2.0])], False),
    Row("vander ints", lambda lib, x: lib.vander(x.int()), [np.array([1, 2, 3])], False),
    Row("vander bools", lambda lib, x: lib.vander(x), [np.array([True, False])], False),
    Row("vander N=0", lambda lib, x: lib.vander(x, N=0), [distinct(2)], False),
    Row("diag_embed", lambda lib, x: lib.diag_embed(x), [X34]),
    Row("diag_embed offset", lambda lib, x: x.diag_embed(1), [X34]),
    Row("diag_embed negative offset, dims", lambda lib, x: x.diag_embed(-2, 0, 2), [X34]),
    Row("diag_embed dims", lambda lib, x: lib.diag_embed(x, dim1=-1, dim2=0), [X234]),
    Row("diag_embed 1-D ints", lambda lib, x: lib.diag_embed(x), [np.array([1, 2])], False),
    Row("diagflat", lambda lib, x: lib.diagflat(x), [X34[:2, :2]]),
    Row("diagflat offset", lambda lib, x: x.diagflat(-1), [distinct(3)]),
    Row("narrow_copy", lambda lib, x: lib.narrow_copy(x, 1, 1, 2), [X34]),
    Row("narrow_copy method", lambda lib, x: x.narrow_copy(0, 1, 2), [X34]),
    Row("narrow_copy negative start", lambda lib, x: x.narrow_copy(0, -2, 2), [X34], False),  # (torch's backward fails)
]

INDEX = np.array([0, 2, 2])
INDEX_PUT = [
    Row("index_put", lambda lib, x, v: x.index_put((lib.tensor([0, 2]), lib.tensor([1, 3])), v), [X34, distinct(2)]),
    Row(
        "index_put accumulate repeats",
        lambda lib, x, v: lib.index_put(x, (lib.tensor(INDEX), lib.tensor([1, 1, 3])), v, accumulate=True),
        [X34, distinct(3)],
    ),
    Row("index_put rows", lambda lib, x, v: x.index_put((lib.tensor([2, 0]),), v), [X34, distinct(4)]),
    Row(
        "index_put rows accumulate", lambda lib, x, v: x.index_put((lib.tensor(INDEX),), v, True), [X34, distinct(3, 4)]
    ),
    Row(
        "index_put 0-d value",
        lambda lib, x, v: x.index_put((lib.tensor([1]), lib.tensor([0])), v),
        [X34, np.array(0.5)],
    ),
    Row("index_put mask", lambda lib, x, v: x.index_put((lib.tensor(X34 > 0),), v), [X34, np.array(2.0)]),
    Row(
        "index_put_ on an intermediate",
        lambda lib, x, v: (x * 2).index_put_((lib.tensor([1, 2]),), v, accumulate=True) * 1,
        [X34, distinct(4)],
    ),
]

# take_along_dim (tensor_surface.py) broadcasts self and indices outside dim, and flattens both with dim=None
TAKE_ALONG_DIM = [
    Row("take_along_dim broadcast", lambda lib, x: lib.take_along_dim(x, lib.tensor([[0, 2]]), 1), [X34]),
    Row("take_along_dim broadcast self", lambda lib, x: x[:, None].take_along_dim(lib.tensor([[[1], [3]]]), 2), [X34]),
    Row("take_along_dim dim=None", lambda lib, x: lib.take_along_dim(x, lib.tensor([[5, 0], [11, 5]])), [X34]),
    Row("take_along_dim sorted", lambda lib, x: x.take_along_dim(x.argsort(1), dim=1), [X34]),
]

NORMS = [
    Row("renorm p=2 dim=0", lambda lib, x: x.renorm(2, 0, 1.5), [X34]),
    Row("renorm p=1 dim=1", lambda lib, x: lib.renorm(x, 1, 1, 2.0), [X34]),
    Row("renorm p=inf 3-D", lambda lib, x: lib.renorm(x, float("inf"), 2, 1.0), [X234]),
    Row("renorm p=3 dim=-1 float32", lambda lib, x: x.float().renorm(3, -1, 0.7), [X234]),
]

ELEMENTWISE = [
    Row("frexp", lambda lib, x: lib.frexp(x), [np.array([0.0, -3.5, 1e-5, 8.0, 1e30])], False),
    Row("frexp float32", lambda lib, x: x.float().frexp(), [X34], False),
    # (an int exponent >= 0 here: torch's gradient for a negative int exponent is 0, see the test below)
    Row("ldexp", lambda lib, x, e: lib.ldexp(x, e), [X34, np.array([1, 2, 0, 3])]),
    Row("ldexp negative int exponent", lambda lib, x, e: lib.ldexp(x, e), [X34, np.array([1, -2, 0, -3])], False),
    Row("ldexp float exponent", lambda lib, x, e: x.ldexp(e), [X34, distinct(4)]),
    Row("ldexp ints", lambda lib, x, e: lib.ldexp(x, e), [np.array([1, 3]), np.array([2, 1])], False),
    Row("logaddexp2", lambda lib, a, b: lib.logaddexp2(a, b), [X34, distinct(4)]),
    Row("logaddexp2 float32", lambda lib, a, b: a.float().logaddexp2(b.float()), [X34 * 100, distinct(3, 4) * 100]),
    Row("float_power", lambda lib, x: lib.float_power(x, 2), [X34]),
    Row("float_power tensor exponent", lambda lib, x, e: x.abs().float().float_power(e), [X34, distinct(4)]),
    Row("float_power ints", lambda lib, x: lib.float_power(x, 3), [np.array([1, 2, -3])], False),
    Row("nextafter", lambda lib, a, b: lib.nextafter(a, b), [X34, distinct(3, 4)], False),
    Row("nextafter float32", lambda lib, a, b: a.float().nextafter(b.float()), [X34, np.zeros(4)], False),
]

IN_PLACE = [
    Row("renorm_", lambda lib, x: (x * 1).renorm_(2, 1, 1.0), [X34]),
    Row("ldexp_", lambda lib, x, e: (x * 1).ldexp_(e), [X34, np.array([1, 0, 2, 1])]),
    Row("float_power_", lambda lib, x: (x * 1).float_power_(2.5), [np.abs(X34)]),
    Row(
        "addbmm_",
        lambda lib, x, a, b: (x * 1).addbmm_(a, b, alpha=2),
        [distinct(2, 4), distinct(3, 2, 5), distinct(3, 5, 4)],
    ),
    Row(
        "baddbmm_",
        lambda lib, x, a, b: (x * 1).baddbmm_(a, b, beta=0.5),
        [distinct(3, 2, 4), distinct(3, 2, 5), distinct(3, 5, 4)],
    ),
    Row("addmv_", lambda lib, x, m, v: (x * 1).addmv_(m, v), [distinct(3), distinct(3, 4), distinct(4)]),
    Row("addr_", lambda lib, x, a, b: (x * 1).addr_(a, b, beta=2), [distinct(3, 4), distinct(3), distinct(4)]),
    Row("nextafter_", lambda lib, a, b: a.clone().nextafter_(b), [X34, np.zeros(4)], False),
]

# quantile and nanquantile over shapes, dims, keepdim and the five interpolations (nans for nanquantile)
QUANTILE_SWEEP = [
    Row(
        f"{op} {shape} dim={dim} keepdim={keepdim} {how}",
        lambda lib, x, op=op, dim=dim, keepdim=keepdim, how=how: getattr(x, op)(
            lib.tensor(Q), dim, keepdim, interpolation=how
        ),
        [with_nans(distinct(*shape), (0,) * len(shape)) if op == "nanquantile" else distinct(*shape)],
    )
    for op in ("quantile", "nanquantile")
    for shape in ((7,), (3, 4), (2, 3, 5))
    for dim in (None, 0, -1)
    for keepdim in (False, True)
    for how in ("linear", "lower", "higher", "midpoint", "nearest")
]

ROWS = (
    QUANTILE_SWEEP
    + QUANTILES
    + COUNTING
    + SEARCHING
    + PRODUCTS
    + INTEGRALS
    + BUILDING
    + INDEX_PUT
    + TAKE_ALONG_DIM
    + NORMS
    + ELEMENTWISE
    + IN_PLACE
)


@pytest.mark.parametrize("row", ROWS, ids=[row.name for row in ROWS])
def test_values_dtypes_and_gradients_match_pytorch(row: Row) -> None:
    check(row)


# ---- what PyTorch refuses, tinygrad_edu refuses -------------------------------------------------------------

F = np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
ERRORS = [
    ("quantile of ints", lambda lib: lib.quantile(lib.tensor([1, 2]), 0.5)),
    ("quantile q > 1", lambda lib: lib.quantile(lib.tensor(F), 1.5)),
    ("quantile q < 0", lambda lib: lib.tensor(F).quantile(lib.tensor([0.5, -0.1], dtype=lib.float64))),
    ("quantile q dtype", lambda lib: lib.tensor(F).quantile(lib.tensor([0.5], dtype=lib.float32))),
    ("quantile q 2-D", lambda lib: lib.tensor(F).quantile(lib.tensor([[0.5]], dtype=lib.float64))),
    ("quantile interpolation", lambda lib: lib.tensor(F).quantile(0.5, interpolation="cubic")),
    ("quantile empty", lambda lib: lib.tensor(np.zeros(0)).quantile(0.5)),
    ("quantile dim out of range", lambda lib: lib.tensor(F).quantile(0.5, dim=2)),
    ("nanquantile of ints", lambda lib: lib.nanquantile(lib.tensor([1, 2]), 0.5)),
    ("histc of ints", lambda lib: lib.histc(lib.tensor([1, 2]))),
    ("histc bins=0", lambda lib: lib.histc(lib.tensor(F), 0)),
    ("histc min > max", lambda lib: lib.histc(lib.tensor(F), 3, min=5, max=1)),
    ("searchsorted side", lambda lib: lib.searchsorted(lib.tensor(SEQ), lib.tensor([1.0]), side="middle")),
    (
        "searchsorted side and right",
        lambda lib: lib.searchsorted(lib.tensor(SEQ), lib.tensor([1.0]), right=True, side="left"),
    ),
    ("searchsorted leading dims", lambda lib: lib.searchsorted(lib.tensor(F), lib.tensor(np.ones((3, 1))))),
    ("searchsorted scalar with rows", lambda lib: lib.searchsorted(lib.tensor(F), 1.0)),
    (
        "searchsorted sorter shape",
        lambda lib: lib.searchsorted(lib.tensor(SEQ), lib.tensor([1.0]), sorter=lib.tensor([0, 1])),
    ),
    ("bucketize 2-D boundaries", lambda lib: lib.bucketize(lib.tensor([1.0]), lib.tensor(F))),
    ("tensordot dims < 0", lambda lib: lib.tensordot(lib.tensor(F), lib.tensor(F), dims=-1)),
    ("tensordot sizes", lambda lib: lib.tensordot(lib.tensor(F), lib.tensor(F), dims=1)),
    ("tensordot pair of ints", lambda lib: lib.tensordot(lib.tensor(F), lib.tensor(F.T), dims=(1, 0))),
    ("tensordot dtypes", lambda lib: lib.tensordot(lib.tensor(F), lib.tensor(F.T).float(), dims=1)),
    (
        "tensordot lists of different lengths",
        lambda lib: lib.tensordot(lib.tensor(F), lib.tensor(F), dims=([0, 1], [0])),
    ),
    ("trapezoid x and dx", lambda lib: lib.trapezoid(lib.tensor(F), lib.tensor([1.0, 2.0, 3.0]), dx=2)),
    ("trapezoid x length", lambda lib: lib.trapezoid(lib.tensor(F), lib.tensor([1.0, 2.0]))),
    ("gradient edge_order=3", lambda lib: lib.gradient(lib.tensor(F), edge_order=3)),
    ("gradient too short", lambda lib: lib.gradient(lib.tensor([1.0, 2.0]), edge_order=2)),
    ("gradient 0-d tensor spacing", lambda lib: lib.gradient(lib.tensor([1.0, 2.0, 3.0]), spacing=[lib.tensor(2.0)])),
    ("gradient list of coordinates", lambda lib: lib.gradient(lib.tensor([1.0, 2.0, 3.0]), spacing=[[0.0, 1.0, 2.0]])),
    ("gradient spacing length", lambda lib: lib.gradient(lib.tensor([1.0, 2.0, 3.0]), spacing=[1.0, 2.0])),
    ("block_diag 3-D", lambda lib: lib.block_diag(lib.tensor(np.zeros((1, 1, 1))))),
    ("cartesian_prod 2-D", lambda lib: lib.cartesian_prod(lib.tensor(F), lib.tensor([1.0]))),
    ("cartesian_prod dtypes", lambda lib: lib.cartesian_prod(lib.tensor([1, 2]), lib.tensor([1.5]))),
    ("combinations 2-D", lambda lib: lib.combinations(lib.tensor(F))),
    ("combinations r < 0", lambda lib: lib.combinations(lib.tensor([1, 2]), r=-1)),
    ("vander 2-D", lambda lib: lib.vander(lib.tensor(F))),
    ("vander N < 0", lambda lib: lib.vander(lib.tensor([1.0, 2.0]), N=-1)),
    ("renorm of ints", lambda lib: lib.renorm(lib.tensor([[1, 2]]), 2, 0, 1.0)),
    ("take_along_dim ndim", lambda lib: lib.take_along_dim(lib.tensor(F), lib.tensor([1]), 0)),
    ("take_along_dim broadcast", lambda lib: lib.take_along_dim(lib.tensor(F), lib.tensor([[0], [2], [1]]), 1)),
    ("renorm 1-D", lambda lib: lib.renorm(lib.tensor([1.0, 2.0]), 2, 0, 1.0)),
    ("renorm p=0", lambda lib: lib.renorm(lib.tensor(F), 0, 0, 1.0)),
    ("renorm maxnorm < 0", lambda lib: lib.renorm(lib.tensor(F), 2, 0, -1.0)),
    ("diag_embed same dims", lambda lib: lib.diag_embed(lib.tensor(F), dim1=0, dim2=0)),
    ("frexp of ints", lambda lib: lib.frexp(lib.tensor([1, 2]))),
    ("logaddexp2 of ints", lambda lib: lib.logaddexp2(lib.tensor([1, 2]), lib.tensor([1, 2]))),
    ("nextafter of ints", lambda lib: lib.nextafter(lib.tensor([1, 2]), lib.tensor([2, 1]))),
    ("float_power_ on float32", lambda lib: lib.tensor([1.0, 2.0]).float_power_(2)),
    ("index_put dtype", lambda lib: lib.tensor(F).index_put((lib.tensor([0]),), lib.tensor(1.0))),
    ("index_put int values into floats", lambda lib: lib.tensor(F).index_put((lib.tensor([0]),), lib.tensor(1))),
    (
        "index_put float index",
        lambda lib: lib.tensor(F).index_put((lib.tensor([0.0]),), lib.tensor(1.0, dtype=lib.float64)),
    ),
    (
        "index_put too many indices",
        lambda lib: lib.tensor([1.0]).index_put((lib.tensor([0]), lib.tensor([0])), lib.tensor(1.0)),
    ),
    ("addmv shapes", lambda lib: lib.addmv(lib.tensor(np.zeros(2)), lib.tensor(F), lib.tensor([1.0, 2.0]))),
    (
        "addbmm self shape",
        lambda lib: lib.addbmm(lib.tensor(np.zeros(3)), lib.tensor(np.ones((2, 2, 3))), lib.tensor(np.ones((2, 3, 2)))),
    ),
    (
        "addmv dtypes",
        lambda lib: lib.addmv(lib.ones(2), lib.ones(2, 2, dtype=lib.float64), lib.ones(2, dtype=lib.float64)),
    ),
    (
        "addbmm dtypes",
        lambda lib: lib.ones(2, 2).addbmm(lib.ones(1, 2, 2, dtype=lib.float64), lib.ones(1, 2, 2, dtype=lib.float64)),
    ),
    ("baddbmm dtypes", lambda lib: lib.baddbmm(lib.ones(2, 2, dtype=lib.int64), lib.ones(1, 2, 2), lib.ones(1, 2, 2))),
    (
        "addr float alpha on ints",
        lambda lib: lib.addr(lib.tensor([[0, 0]]), lib.tensor([1]), lib.tensor([1, 2]), alpha=0.5),
    ),
    ("chain_matmul none", lambda lib: lib.chain_matmul()),
    ("chain_matmul 1-D", lambda lib: lib.chain_matmul(lib.tensor([1.0, 2.0]))),
    ("narrow_copy out of range", lambda lib: lib.narrow_copy(lib.tensor(F), 1, 2, 2)),
    ("poisson negative rate", lambda lib: lib.poisson(lib.tensor([-1.0]))),
]


@pytest.mark.filterwarnings("ignore::UserWarning")  # (torch.chain_matmul's deprecation warning)
@pytest.mark.parametrize("call", [c for _, c in ERRORS], ids=[name for name, _ in ERRORS])
def test_refused_where_pytorch_refuses(call: Any) -> None:
    assert_refused_as_pytorch(call, torch)


# ---- poisson: random, so its statistics, dtype and gradient --------------------------------------------------


def test_poisson_draws_have_the_rates_as_means_and_zero_gradient() -> None:
    rates = np.array([0.0, 0.5, 3.0, 20.0])
    tg.manual_seed(0)
    ours = tg.tensor(np.tile(rates, (4000, 1)), requires_grad=True)
    draws = tg.poisson(ours)
    np.testing.assert_allclose(draws.data.mean(0), rates, atol=0.2)
    np.testing.assert_allclose(draws.data.var(0), rates, rtol=0.15, atol=0.05)  # a Poisson's variance is its mean
    assert np.all(draws.data == np.round(draws.data))
    theirs = torch.poisson(torch.tensor(np.tile(rates, (3, 1)), requires_grad=True))
    assert dtype_name(draws) == dtype_name(theirs) == "float64"
    assert draws.requires_grad == theirs.requires_grad
    draws.sum().backward()
    assert ours.grad is not None and not np.any(ours.grad.data)
    assert tg.poisson(tg.ones(3)).dtype == np.float32
    g = tg.Generator().manual_seed(5)
    first = tg.poisson(tg.ones(50), generator=g)
    assert np.array_equal(first.data, tg.poisson(tg.ones(50), generator=tg.Generator().manual_seed(5)).data)


def test_each_new_tensor_method_has_the_torch_tensor_method_of_its_name() -> None:
    from tinygrad_edu.tensor_surface3 import Surface3Methods

    ours = [name for name in vars(Surface3Methods) if not name.startswith("_") and callable(getattr(tg.Tensor, name))]
    assert ours, "Surface3Methods defines no methods"
    assert [name for name in ours if not hasattr(torch.Tensor, name)] == []


def test_each_new_function_is_a_torch_function() -> None:
    from tinygrad_edu import functional_surface3

    assert [name for name in functional_surface3.__all__ if not callable(getattr(torch, name, None))] == []


# ---- gradients PyTorch gets wrong or cannot compute: against their formulas ------------------------------


def test_vander_gradient_is_the_derivative_of_each_power() -> None:
    """d/dx_i sum_k w_ik x_i^k = sum_k k w_ik x_i^(k-1); torch.vander's backward raises (an in-place op)."""
    x_values = np.array([0.0, 1.5, -2.0, 0.5])
    x = tg.tensor(x_values, requires_grad=True)
    out = tg.vander(x, N=4, increasing=True)
    w = weights(out.shape)
    (out * w).sum().backward()
    k = np.arange(4)
    expected = np.sum(w[:, 1:] * k[1:] * x_values[:, None] ** (k[1:] - 1), axis=1)
    np.testing.assert_allclose(x.grad.data, expected)
    np.testing.assert_allclose(out.data, np.vander(x_values, 4, increasing=True))


def test_ldexp_gradient_is_two_to_the_exponent_for_negative_int_exponents_too() -> None:
    """d(x 2^e)/dx = 2^e. (torch 2.x gives 0 where an int exponent is negative: it takes 2^e in ints.)"""
    e = np.array([1, -2, 0, -3])
    x = tg.tensor(X34, requires_grad=True)
    tg.ldexp(x, tg.tensor(e)).sum().backward()
    np.testing.assert_allclose(x.grad.data, np.broadcast_to(2.0**e, X34.shape))


def test_searchsorted_matches_pytorch_on_random_rows_with_ties_and_nans() -> None:
    rng = np.random.default_rng(1)
    for _ in range(200):
        n, m = rng.integers(0, 8), rng.integers(0, 6)
        lead = tuple(rng.integers(1, 3, size=rng.integers(0, 3)))
        seq = np.sort(rng.integers(-3, 4, size=(*lead, n)).astype(float), axis=-1)  # with ties
        if rng.random() < 0.3 and n:
            seq[..., -1] = NAN
        values = rng.integers(-4, 5, size=(*lead, m)).astype(float)
        if rng.random() < 0.3 and m:
            values[..., 0] = NAN
        if not lead and rng.random() < 0.5:
            seq = seq.reshape(-1)
        for side in ("left", "right"):
            ours = tg.searchsorted(tg.tensor(seq), tg.tensor(values), side=side)
            theirs = torch.searchsorted(torch.tensor(seq), torch.tensor(values), side=side)
            np.testing.assert_array_equal(ours.data, theirs.numpy(), err_msg=f"{seq} {values} {side}")


# ---- second derivatives: a Hessian-vector product of every differentiable row, next to PyTorch's ----------


def second_derivatives(lib: Any, row: Row) -> list:
    """d/dx_j sum_i <d/dx_i sum_k <out_k, w_k>, u_i> for every float input x_j (zeros where unused)."""
    tensors = [lib.tensor(a, requires_grad=a.dtype.kind == "f") for a in row.inputs]
    floats = [t for t in tensors if t.requires_grad]
    out = row.fn(lib, *tensors)
    outs = [o for o in (out if isinstance(out, tuple) else (out,)) if o.requires_grad]
    total = sum((o * lib.tensor(weights(tuple(o.shape)), dtype=o.dtype)).sum() for o in outs)
    firsts = lib.autograd.grad(total, floats, create_graph=True, allow_unused=True)
    inner = sum(
        (g * lib.tensor(weights(tuple(g.shape))[::-1].copy(), dtype=g.dtype)).sum()
        for g in firsts
        if g is not None and g.requires_grad
    )
    if not isinstance(inner, (lib.Tensor,)):  # every first gradient is constant: second derivatives are 0
        return [np.zeros(t.shape) for t in floats]
    seconds = lib.autograd.grad(inner, floats, allow_unused=True)
    return [np.zeros(tuple(t.shape)) if s is None else to_numpy(s) for s, t in zip(seconds, floats)]


# (logaddexp2 of +-200 in float32: PyTorch's second derivative overflows to nan there, ours stays finite)
SECOND_ROWS = [row for row in ROWS if row.grad and row.name != "logaddexp2 float32"]


@pytest.mark.parametrize("row", SECOND_ROWS, ids=[row.name for row in SECOND_ROWS])
def test_second_derivatives_match_pytorch(row: Row) -> None:
    ours, theirs = second_derivatives(tg, row), second_derivatives(torch, row)
    for i, (a, b) in enumerate(zip(ours, theirs)):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6, err_msg=f"{row.name}: second derivative {i}")


# ---- method forms that take a tensor or a probability where a dim usually goes ------------------------------


@pytest.mark.parametrize("method", ["max", "min"])
def test_max_and_min_of_another_tensor_are_elementwise_with_pytorchs_gradients(method):
    torch = pytest.importorskip("torch")
    a, b = np.array([[0.5, 2.0, -1.0], [3.0, 0.0, 1.5]]), np.array([1.0, -2.0, 0.25])
    ours_a, ours_b = tg.tensor(a, requires_grad=True), tg.tensor(b, requires_grad=True)
    theirs_a, theirs_b = torch.tensor(a, requires_grad=True), torch.tensor(b, requires_grad=True)
    ours, theirs = getattr(ours_a, method)(ours_b), getattr(theirs_a, method)(theirs_b)
    np.testing.assert_array_equal(ours.detach().numpy(), theirs.detach().numpy())
    (ours * tg.tensor(a)).sum().backward()
    (theirs * torch.tensor(a)).sum().backward()
    np.testing.assert_array_equal(ours_a.grad.numpy(), theirs_a.grad.numpy())
    np.testing.assert_array_equal(ours_b.grad.numpy(), theirs_b.grad.numpy())


def test_bernoulli_method_with_a_probability_draws_every_element_with_it():
    draws = tg.zeros(20000, dtype=tg.float64).bernoulli(0.25, generator=tg.Generator().manual_seed(3))
    assert draws.dtype == tg.float64 and draws.shape == (20000,)
    assert set(np.unique(draws.numpy()).tolist()) == {0.0, 1.0}
    assert abs(draws.mean().item() - 0.25) < 0.02  # 0.25 +- 4.6 standard deviations of the mean


@pytest.mark.parametrize("condition", [[[True, False], [False, True]], [0.0, 2.0, 3.0], [[0, 0], [0, 0]]])
def test_where_of_a_condition_alone_is_nonzero_as_a_tuple(condition):
    torch = pytest.importorskip("torch")
    ours, theirs = tg.where(tg.tensor(condition)), torch.where(torch.tensor(condition))
    assert len(ours) == len(theirs)
    for o, t in zip(ours, theirs):
        assert o.dtype == tg.int64 and o.tolist() == t.tolist()


@pytest.mark.parametrize(
    "call",
    [
        lambda x: x.squeeze(0, 2),
        lambda x: x.squeeze((0, 2)),
        lambda x: x.count_nonzero(3, 1),
        lambda x: x.count_nonzero((0, 1)),
        lambda x: x.clone().copy_(x * 2, True),
    ],
)
def test_dims_as_separate_arguments_and_copy_non_blocking_as_pytorch(call):
    torch = pytest.importorskip("torch")
    data = np.arange(6.0).reshape(1, 3, 1, 2) % 4
    ours, theirs = call(tg.tensor(data)), call(torch.tensor(data))
    assert ours.shape == tuple(theirs.shape) and ours.tolist() == theirs.tolist()
