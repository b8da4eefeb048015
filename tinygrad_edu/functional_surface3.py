"""More of torch's free functions: the forms of tensor_surface3.py's methods (`tg.quantile(x, q)` is
`x.quantile(q)`), and the functions PyTorch has only as functions: searchsorted, bucketize, tensordot,
trapezoid, gradient, block_diag, cartesian_prod, combinations, vander, isin, poisson, chain_matmul.

Each differentiable one is a composition of existing differentiable ops (tensordot is a permute, a reshape
and a matmul; trapezoid sums neighbours' means times the spacing; gradient takes differences of slices), so
gradients and double backward come with it. Index results (searchsorted, bucketize, isin) have no gradient.
"""

from __future__ import annotations

import itertools
from functools import reduce
from typing import Any

import numpy as np

from tinygrad_edu.arguments import check_dim
from tinygrad_edu.creation import _generator
from tinygrad_edu.dtypes import _widest, get_default_dtype
from tinygrad_edu.errors import ArgumentError, DtypeError, ShapeError
from tinygrad_edu.functional import cat, stack
from tinygrad_edu.functional_surface import meshgrid
from tinygrad_edu.tensor import Tensor, _operand_tensor, where
from tinygrad_edu.tensor_math import _floating

__all__ = [
    "quantile",
    "nanquantile",
    "nanmedian",
    "histc",
    "unique_consecutive",
    "searchsorted",
    "bucketize",
    "isin",
    "kron",
    "tensordot",
    "trapezoid",
    "trapz",
    "cumulative_trapezoid",
    "gradient",
    "block_diag",
    "cartesian_prod",
    "combinations",
    "vander",
    "diag_embed",
    "diagflat",
    "narrow_copy",
    "renorm",
    "index_put",
    "frexp",
    "ldexp",
    "logaddexp2",
    "float_power",
    "nextafter",
    "addbmm",
    "baddbmm",
    "addmv",
    "addr",
    "chain_matmul",
    "poisson",
]


def _plain(x: Any) -> Any:
    return x.data if isinstance(x, Tensor) else x


def _no_grad(data: Any) -> Tensor:
    return Tensor._from_op(np.asarray(data), None)


# ---- the forms of tensor_surface3.py's methods -------------------------------------------------------


def quantile(
    input: Any, q: Any, dim: int | None = None, keepdim: bool = False, *, interpolation: str = "linear"
) -> Any:
    """input.quantile(q, dim, keepdim, interpolation=...)."""
    return _operand_tensor(input).quantile(q, dim, keepdim, interpolation=interpolation)


def nanquantile(
    input: Any, q: Any, dim: int | None = None, keepdim: bool = False, *, interpolation: str = "linear"
) -> Any:
    """input.nanquantile(q, dim, keepdim, interpolation=...)."""
    return _operand_tensor(input).nanquantile(q, dim, keepdim, interpolation=interpolation)


def nanmedian(input: Any, dim: int | None = None, keepdim: bool = False) -> Any:
    """input.nanmedian(dim, keepdim)."""
    return _operand_tensor(input).nanmedian(dim, keepdim)


def histc(input: Any, bins: int = 100, min: float = 0, max: float = 0) -> Any:  # noqa: A002  (PyTorch's names)
    """input.histc(bins, min, max)."""
    return _operand_tensor(input).histc(bins, min, max)


def unique_consecutive(input: Any, return_inverse: bool = False, return_counts: bool = False, dim: Any = None) -> Any:
    """input.unique_consecutive(return_inverse, return_counts, dim)."""
    return _operand_tensor(input).unique_consecutive(return_inverse, return_counts, dim)


def kron(input: Any, other: Any) -> Any:
    """input.kron(other): the Kronecker product."""
    return _operand_tensor(input).kron(other)


def diag_embed(input: Any, offset: int = 0, dim1: int = -2, dim2: int = -1) -> Any:
    """input.diag_embed(offset, dim1, dim2)."""
    return _operand_tensor(input).diag_embed(offset, dim1, dim2)


def diagflat(input: Any, offset: int = 0) -> Any:
    """input.diagflat(offset)."""
    return _operand_tensor(input).diagflat(offset)


def narrow_copy(input: Any, dim: int, start: int, length: int) -> Any:
    """input.narrow_copy(dim, start, length)."""
    return _operand_tensor(input).narrow_copy(dim, start, length)


def renorm(input: Any, p: float, dim: int, maxnorm: float) -> Any:
    """input.renorm(p, dim, maxnorm)."""
    return _operand_tensor(input).renorm(p, dim, maxnorm)


def index_put(input: Any, indices: Any, values: Any, accumulate: bool = False) -> Any:
    """input.index_put(indices, values, accumulate)."""
    return _operand_tensor(input).index_put(indices, values, accumulate)


def frexp(input: Any) -> Any:
    """input.frexp(): (mantissa, exponent)."""
    return _operand_tensor(input).frexp()


def ldexp(input: Any, other: Any) -> Any:
    """input.ldexp(other): input * 2^other."""
    return _operand_tensor(input).ldexp(other)


def logaddexp2(input: Any, other: Any) -> Any:
    """input.logaddexp2(other): log2(2^input + 2^other)."""
    return _operand_tensor(input).logaddexp2(other)


def float_power(input: Any, exponent: Any) -> Any:
    """input ** exponent in float64 (a number input is made a float64 tensor)."""
    return _operand_tensor(input).float_power(exponent)


def nextafter(input: Any, other: Any) -> Any:
    """input.nextafter(other)."""
    return _operand_tensor(input).nextafter(other)


def addbmm(input: Any, batch1: Any, batch2: Any, *, beta: Any = 1, alpha: Any = 1) -> Any:
    """input.addbmm(batch1, batch2, beta=..., alpha=...)."""
    return _operand_tensor(input).addbmm(batch1, batch2, beta=beta, alpha=alpha)


def baddbmm(input: Any, batch1: Any, batch2: Any, *, beta: Any = 1, alpha: Any = 1) -> Any:
    """input.baddbmm(batch1, batch2, beta=..., alpha=...)."""
    return _operand_tensor(input).baddbmm(batch1, batch2, beta=beta, alpha=alpha)


def addmv(input: Any, mat: Any, vec: Any, *, beta: Any = 1, alpha: Any = 1) -> Any:
    """input.addmv(mat, vec, beta=..., alpha=...)."""
    return _operand_tensor(input).addmv(mat, vec, beta=beta, alpha=alpha)


def addr(input: Any, vec1: Any, vec2: Any, *, beta: Any = 1, alpha: Any = 1) -> Any:
    """input.addr(vec1, vec2, beta=..., alpha=...)."""
    return _operand_tensor(input).addr(vec1, vec2, beta=beta, alpha=alpha)


# ---- searching (int64 indices, no gradient) ----------------------------------------------------------


def searchsorted(
    sorted_sequence: Any,
    input: Any,
    *,
    out_int32: bool = False,
    right: bool = False,
    side: str | None = None,
    sorter: Any = None,
) -> Tensor:
    """For each value of input, the index where it would go in the (last dim of) sorted_sequence to keep it
    sorted: the first place with sequence[i] >= value (right=True or side="right": > value), as
    `torch.searchsorted`. An N-D sequence is searched row by row (its leading dims must be input's); `sorter`
    holds the indices that sort an unsorted sequence. int64 (int32 with out_int32=True), no gradient.

    Example:
        >>> tg.searchsorted(tg.tensor([1, 3, 5, 7]), tg.tensor([3, 6]))
        tensor([1, 3], dtype=int64)
        >>> tg.searchsorted(tg.tensor([1, 3, 5, 7]), tg.tensor([3, 6]), right=True)
        tensor([2, 3], dtype=int64)
    """
    if side is not None:
        if side not in ("left", "right"):
            raise ArgumentError(f"searchsorted: side can only be 'left' or 'right' but got {side}")
        if right and side == "left":
            raise ArgumentError(
                "searchsorted: side and right can't be set to opposites, got side of left while right was True"
            )
        right = side == "right"
    seq = np.asarray(_plain(sorted_sequence))
    if sorter is not None:
        order = np.asarray(_plain(sorter))
        if order.shape != seq.shape:
            raise ShapeError(
                f"searchsorted: boundary and sorter must have the same size, but got boundary tensor {list(seq.shape)} "
                f"and got sorter tensor {list(order.shape)}"
            )
        seq = np.take_along_axis(seq, order.astype(np.int64), -1)
    values = np.asarray(_plain(input))
    if seq.ndim == 1:
        rows, wanted = seq.reshape(1, -1), values.reshape(1, -1)
    elif values.ndim == 0:
        raise ShapeError("searchsorted: input value can be a scalar only when boundaries tensor dimension is 1")
    elif seq.shape[:-1] != values.shape[:-1]:
        raise ShapeError(
            "searchsorted: boundaries tensor should be 1 dimension or the first N-1 dimensions of boundaries tensor "
            f"and input value tensor must match, but we got boundaries tensor {list(seq.shape)} and input value "
            f"tensor {list(values.shape)}"
        )
    else:  # row r of the sequence for row r of the values
        count = int(np.prod(seq.shape[:-1]))
        rows, wanted = seq.reshape(count, seq.shape[-1]), values.reshape(count, values.shape[-1])
    out = _binary_search(rows, wanted, right).reshape(values.shape)
    return _no_grad(np.asarray(out, dtype=np.int32 if out_int32 else np.int64))


def _binary_search(rows: np.ndarray, values: np.ndarray, right: bool) -> np.ndarray:
    """For each value of row r of `values`, the first place i of row r of `rows` with rows[r, i] >= value
    (> value if right), by bisection, all values at once. Written as PyTorch's search (move right while
    not(middle >= value)), so a nan lands where PyTorch puts it: comparisons with nan are False."""
    n = rows.shape[1]
    start = np.zeros(values.shape, dtype=np.int64)
    end = np.full(values.shape, n, dtype=np.int64)
    while np.any(start < end):
        searching = start < end
        middle = (start + end) // 2
        middle_value = np.take_along_axis(rows, np.minimum(middle, max(n - 1, 0)), axis=1)
        with np.errstate(invalid="ignore"):
            below = ~(middle_value > values) if right else ~(middle_value >= values)
        start = np.where(searching & below, middle + 1, start)
        end = np.where(searching & ~below, middle, end)
    return start


def bucketize(input: Any, boundaries: Any, *, out_int32: bool = False, right: bool = False) -> Tensor:
    """The bucket of each value of input between the 1-D sorted `boundaries`: the i with boundaries[i-1] <
    value <= boundaries[i] (right=True: boundaries[i-1] <= value < boundaries[i]), as `torch.bucketize`.

    Example:
        >>> tg.bucketize(tg.tensor([0.5, 1.0, 2.5]), tg.tensor([1.0, 2.0]))
        tensor([0, 0, 2], dtype=int64)
    """
    if np.ndim(_plain(boundaries)) != 1:
        raise ShapeError(
            f"bucketize: boundaries tensor must be 1 dimension, but got dim({np.ndim(_plain(boundaries))})"
        )
    return searchsorted(boundaries, input, out_int32=out_int32, right=right)


def isin(elements: Any, test_elements: Any, *, assume_unique: bool = False, invert: bool = False) -> Tensor:
    """True where an element of `elements` is one of `test_elements` (either may be a number), as `torch.isin`;
    a bool tensor of elements' shape.

    Example:
        >>> tg.isin(tg.tensor([1, 2, 3]), tg.tensor([2, 5]))
        tensor([False,  True, False], dtype=bool)
    """
    return _no_grad(np.isin(_plain(elements), _plain(test_elements), assume_unique=assume_unique, invert=invert))


# ---- products ----------------------------------------------------------------------------------------


def tensordot(a: Any, b: Any, dims: Any = 2) -> Tensor:
    """The sum of products over dims of a and b: dims=n contracts a's last n dims with b's first n, a pair
    of lists ([a dims], [b dims]) names them, as `torch.tensordot`; made of permute, reshape and matmul.

    Example:
        >>> tg.tensordot(tg.ones(2, 3, 4), tg.ones(3, 4, 5)).shape
        (2, 5)
        >>> tg.tensordot(tg.ones(2, 3), tg.ones(4, 2), dims=([0], [1])).shape
        (3, 4)
    """
    a, b = _operand_tensor(a), _operand_tensor(b)
    if a.data.dtype != b.data.dtype:
        raise DtypeError(f"tensordot: both inputs should have same dtype, got {a.data.dtype} and {b.data.dtype}")
    if isinstance(dims, Tensor):
        dims = dims.data.tolist()
    if isinstance(dims, (int, np.integer)) and not isinstance(dims, bool):
        if dims < 0:
            raise ArgumentError(f"tensordot expects dims >= 0, but got dims={dims}")
        if dims > a.ndim or dims > b.ndim:
            raise ShapeError(f"tensordot: dims={dims} is more than the dims of shapes {a.shape} and {b.shape}")
        dims_a, dims_b = list(range(a.ndim - dims, a.ndim)), list(range(dims))
    elif isinstance(dims, (list, tuple)) and len(dims) == 2 and all(isinstance(d, (list, tuple)) for d in dims):
        if len(dims[0]) != len(dims[1]):
            raise ShapeError(f"tensordot: both dimension lists should have same length, got {dims[0]} and {dims[1]}")
        dims_a = [check_dim("tensordot", d, a.ndim) for d in dims[0]]
        dims_b = [check_dim("tensordot", d, b.ndim) for d in dims[1]]
    else:
        raise TypeError(f"tensordot: dims must be an int or a pair of lists of equal length, got {dims!r}")
    for da, db in zip(dims_a, dims_b):
        if a.shape[da] != b.shape[db]:
            raise ShapeError(
                f"tensordot: contracted dimensions need to match, but first has size {a.shape[da]} in dim {da} and "
                f"second has size {b.shape[db]} in dim {db}"
            )
    free_a = [d for d in range(a.ndim) if d not in dims_a]
    free_b = [d for d in range(b.ndim) if d not in dims_b]
    k = int(np.prod([a.shape[d] for d in dims_a]))
    left = (a.permute(*free_a, *dims_a) if a.ndim else a).reshape(-1, k)  # (free of a, contracted)
    right = (b.permute(*dims_b, *free_b) if b.ndim else b).reshape(k, -1)  # (contracted, free of b)
    return (left @ right).reshape(*[a.shape[d] for d in free_a], *[b.shape[d] for d in free_b])


def chain_matmul(*matrices: Any) -> Tensor:
    """The product of the matrices, left to right, as the (deprecated) `torch.chain_matmul`.

    Example:
        >>> tg.chain_matmul(tg.ones(2, 3), tg.ones(3, 4), tg.ones(4, 1)).tolist()
        [[12.0], [12.0]]
    """
    if not matrices:
        raise ArgumentError("chain_matmul(): Expected one or more matrices")
    ms = [_operand_tensor(m) for m in matrices]
    for m in ms:
        if m.ndim != 2:
            raise ShapeError(f"chain_matmul: Tensor dimension is {m.ndim}, expected 2 instead.")
    return ms[0].clone() if len(ms) == 1 else reduce(lambda x, y: x.mm(y), ms)


# ---- integrals and derivatives of sampled values ------------------------------------------------------


def _spacing_along(x: Tensor, axis: int, ndim: int) -> Any:
    """x's differences, as a tensor that broadcasts along `axis` of an ndim-dimensional y."""
    steps = x.diff()
    return steps.reshape(*[steps.shape[0] if i == axis else 1 for i in range(ndim)])


def _trapezoids(op: str, y: Any, x: Any, dx: Any, dim: int) -> tuple[Tensor, int]:
    """The area of each trapezoid between neighbours along dim: (y_i + y_(i+1)) / 2 * spacing_i."""
    if x is not None and dx is not None:
        raise TypeError(f"{op}: takes either x or dx, not both")
    y = _floating(_operand_tensor(y))
    axis = check_dim(op, dim, max(y.ndim, 1))
    n = y.shape[axis]
    pieces = n - 1 if n else 0
    mean = (y.narrow(axis, 0, pieces) + y.narrow(axis, min(1, n), pieces)) / 2
    if x is None:
        return (mean if dx is None or dx == 1 else mean * dx), axis
    x = _operand_tensor(x)
    if x.ndim == 1:
        if x.shape[0] != n:
            raise ShapeError(f"{op}: x of shape {x.shape} must have the size {n} of y's dim {dim}")
        return mean * _spacing_along(x, axis, y.ndim), axis
    return mean * x.diff(dim=dim), axis


def trapezoid(y: Any, x: Any = None, *, dx: Any = None, dim: int = -1) -> Tensor:
    """The integral of y along dim by the trapezoid rule, with sample points x (a 1-D tensor, or one of y's
    shape) or equal steps dx (default 1), as `torch.trapezoid`; ints give float32.

    Example:
        >>> tg.trapezoid(tg.tensor([1.0, 2.0, 4.0]))
        tensor(4.5, dtype=float32)
        >>> tg.trapezoid(tg.tensor([1.0, 2.0, 4.0]), tg.tensor([0.0, 1.0, 3.0]))
        tensor(7.5, dtype=float32)
    """
    areas, axis = _trapezoids("trapezoid", y, x, dx, dim)
    return areas.sum(axis)


def trapz(y: Any, x: Any = None, *, dx: Any = None, dim: int = -1) -> Tensor:
    """trapezoid, under its older name (`torch.trapz`)."""
    return trapezoid(y, x, dx=dx, dim=dim)


def cumulative_trapezoid(y: Any, x: Any = None, *, dx: Any = None, dim: int = -1) -> Tensor:
    """The running trapezoid integral of y along dim (one value fewer than y), as `torch.cumulative_trapezoid`.

    Example:
        >>> tg.cumulative_trapezoid(tg.tensor([1.0, 2.0, 4.0]))
        tensor([1.5, 4.5], dtype=float32)
    """
    areas, axis = _trapezoids("cumulative_trapezoid", y, x, dx, dim)
    return areas.cumsum(axis)


def gradient(input: Any, *, spacing: Any = 1, dim: Any = None, edge_order: int = 1) -> tuple:
    """The derivative of sampled values along each of `dim` (None: every dim), as `torch.gradient`: central
    differences inside, one-sided differences of order `edge_order` (1 or 2) at the two ends. `spacing` is
    one step for all dims, one step per dim, or per dim a 1-D tensor of coordinates. A tuple, one tensor per dim.

    Example:
        >>> tg.gradient(tg.tensor([1.0, 2.0, 4.0, 8.0]))
        (tensor([1. , 1.5, 3. , 4. ], dtype=float32),)
    """
    x = _floating(_operand_tensor(input))
    if edge_order not in (1, 2):
        raise ArgumentError(f"torch.gradient only supports edge_order=1 and edge_order=2, got {edge_order}")
    if dim is None:
        dims = list(range(x.ndim))
    elif isinstance(dim, (list, tuple)):
        dims = [check_dim("gradient", d, x.ndim) for d in dim]
    else:
        dims = [check_dim("gradient", dim, x.ndim)]
    if isinstance(spacing, (list, tuple)):
        if len(spacing) != len(dims):
            raise ArgumentError(
                f"gradient: expected spacing to be unspecified, a scalar, or a list of length {len(dims)} (one per "
                f"dim), but got a list of length {len(spacing)}"
            )
        spacings = list(spacing)
    else:
        spacings = [spacing] * len(dims)
    for d in dims:
        if x.shape[d] < edge_order + 1:
            raise ShapeError(
                f"torch.gradient expected each dimension size to be at least edge_order+1, got size {x.shape[d]} "
                f"in dim {d}"
            )
    return tuple(_derivative(x, d, h, edge_order) for d, h in zip(dims, spacings))


def _derivative(f: Tensor, axis: int, h: Any, edge_order: int) -> Tensor:
    """df/dx along axis from samples f at coordinates: a uniform step h (a number), or a 1-D tensor of the
    coordinates themselves (then the gradient reaches them too, as PyTorch's)."""
    n = f.shape[axis]

    def at(start: int, length: int) -> Tensor:
        return f.narrow(axis, start % n, length)

    if isinstance(h, (int, float, np.integer, np.floating)) and not isinstance(h, bool):
        h = float(h)
        inside = (at(2, n - 2) - at(0, n - 2)) / (2 * h)
        if edge_order == 1:
            first, last = (at(1, 1) - at(0, 1)) / h, (at(-1, 1) - at(-2, 1)) / h
        else:
            first = (at(0, 1) * -1.5 + at(1, 1) * 2.0 - at(2, 1) * 0.5) / h
            last = (at(-3, 1) * 0.5 - at(-2, 1) * 2.0 + at(-1, 1) * 1.5) / h
        return cat([first, inside, last], axis)
    if not isinstance(h, Tensor):
        raise TypeError(f"gradient: each element of spacing must be a number or a 1-D tensor, got {type(h).__name__}")
    if h.ndim != 1:
        raise ShapeError(
            f"torch.gradient expected each element of spacing to have one dimension, but got an element with "
            f"{h.ndim} dimensions"
        )
    if h.shape[0] != n:
        raise ShapeError(f"gradient: {h.shape[0]} coordinates for a dim of size {n}")
    step = h.diff()
    hl, hr = step.narrow(0, 0, n - 2), step.narrow(0, 1, n - 2)  # the steps left and right of each inner point

    def along(c: Tensor) -> Tensor:  # coefficients that broadcast along axis
        return c.reshape(*[n - 2 if i == axis else 1 for i in range(f.ndim)])

    inside = (
        at(0, n - 2) * along(-hr / (hl * (hl + hr)))
        + at(1, n - 2) * along((hr - hl) / (hl * hr))
        + at(2, n - 2) * along(hl / (hr * (hl + hr)))
    )
    if edge_order == 1:
        first = (at(1, 1) - at(0, 1)) / step[0]
        last = (at(-1, 1) - at(-2, 1)) / step[-1]
    else:  # second-order one-sided differences through the first (last) three points
        a, b = step[0], step[1]
        first = (
            at(0, 1) * (-(2 * a + b) / (a * (a + b))) + at(1, 1) * ((a + b) / (a * b)) - at(2, 1) * (a / (b * (a + b)))
        )
        a, b = step[-2], step[-1]
        last = (
            at(-3, 1) * (b / (a * (a + b)))
            - at(-2, 1) * ((a + b) / (a * b))
            + at(-1, 1) * ((2 * b + a) / (b * (a + b)))
        )
    return cat([first, inside, last], axis)


# ---- building tensors from tensors ---------------------------------------------------------------------


def block_diag(*tensors: Any) -> Tensor:
    """The tensors (0-d, 1-D as a row, or 2-D) as the blocks along the diagonal of one matrix, zeros elsewhere,
    as `torch.block_diag`; made of cat, so gradients reach every block.

    Example:
        >>> tg.block_diag(tg.tensor([[1, 2]]), tg.tensor(3)).tolist()
        [[1, 2, 0], [0, 0, 3]]
    """
    if not tensors:
        return Tensor(np.zeros((1, 0), dtype=get_default_dtype()))
    ts = [_operand_tensor(t) for t in tensors]
    for i, t in enumerate(ts):
        if t.ndim > 2:
            raise ShapeError(
                f"torch.block_diag: Input tensors must have 2 or fewer dimensions. Input {i} has {t.ndim} dimensions"
            )
    dtype = _widest([t.data.dtype for t in ts])
    blocks = [t.reshape(1, -1) if t.ndim < 2 else t for t in ts]
    blocks = [b if b.data.dtype == dtype else b.to(dtype) for b in blocks]
    width = sum(b.shape[1] for b in blocks)
    rows, left = [], 0
    for block in blocks:
        height, cols = block.shape
        right = width - left - cols
        parts = [Tensor(np.zeros((height, left), dtype)), block, Tensor(np.zeros((height, right), dtype))]
        rows.append(cat([p for p in parts if p.shape[1] or p is block], 1))
        left += cols
    return cat(rows, 0)


def cartesian_prod(*tensors: Any) -> Tensor:
    """Every tuple of one element from each 1-D tensor, in order, as the rows of a matrix (one tensor: itself),
    as `torch.cartesian_prod`.

    Example:
        >>> tg.cartesian_prod(tg.tensor([1, 2]), tg.tensor([3, 4])).tolist()
        [[1, 3], [1, 4], [2, 3], [2, 4]]
    """
    ts = [_operand_tensor(t) for t in tensors]
    for t in ts:
        if t.ndim != 1:
            raise ShapeError(f"cartesian_prod: Expect a 1D vector, but got shape {list(t.shape)}")
    if len({t.data.dtype for t in ts}) > 1:
        raise DtypeError("cartesian_prod: meshgrid expects all tensors to have the same dtype")
    if len(ts) == 1:
        return ts[0]
    return stack([grid.reshape(-1) for grid in meshgrid(*ts, indexing="ij")], 1)


def combinations(input: Any, r: int = 2, with_replacement: bool = False) -> Tensor:
    """Every choice of r elements of a 1-D tensor, in order (as itertools.combinations, or
    combinations_with_replacement), as the rows of a matrix, as `torch.combinations`.

    Example:
        >>> tg.combinations(tg.tensor([1, 2, 3])).tolist()
        [[1, 2], [1, 3], [2, 3]]
    """
    x = _operand_tensor(input)
    if x.ndim != 1:
        raise ShapeError(f"combinations: Expect a 1D vector, but got shape {list(x.shape)}")
    if r < 0:
        raise ArgumentError(f"combinations: Expect a non-negative number, but got {r}")
    if r == 0:
        return x[np.zeros(0, dtype=np.int64)]
    choose = itertools.combinations_with_replacement if with_replacement else itertools.combinations
    picks = np.array(list(choose(range(x.shape[0]), r)), dtype=np.int64).reshape(-1, r)
    return x[picks]


def vander(x: Any, N: int | None = None, increasing: bool = False) -> Tensor:  # noqa: N803  (PyTorch's name)
    """The Vandermonde matrix of a 1-D tensor: columns x^(N-1), ..., x, 1 (or the other way round with
    increasing=True), as `torch.vander`; ints and bools give int64. Each power is the previous one times x,
    so the gradient is defined everywhere, x = 0 too.

    Example:
        >>> tg.vander(tg.tensor([1, 2, 3]))
        tensor([[1, 1, 1],
                [4, 2, 1],
                [9, 3, 1]], dtype=int64)
    """
    x = _operand_tensor(x)
    if x.ndim != 1:
        raise ShapeError(f"vander: x must be a one-dimensional tensor, got shape {x.shape}.")
    n = x.shape[0] if N is None else N
    if n < 0:
        raise ArgumentError(f"vander: N must be non-negative, got {n}.")
    if x.data.dtype.kind in "biu" and x.data.dtype != np.int64:
        x = x.to(np.int64)
    columns = [Tensor(np.ones(x.shape, x.data.dtype))]
    for _ in range(1, n):
        columns.append(x if len(columns) == 1 else columns[-1] * x)
    if n == 0:
        return Tensor(np.zeros((x.shape[0], 0), x.data.dtype))
    out = stack(columns[:n], 1)
    return out if increasing else out.flip(1)


# ---- random ------------------------------------------------------------------------------------------------


def poisson(input: Any, generator: Any = None) -> Tensor:
    """A Poisson draw with each element of input as its rate, in input's dtype, as `torch.poisson`; its
    gradient is zeros, as PyTorch's.

    Example:
        >>> tg.poisson(tg.zeros(3))
        tensor([0., 0., 0.], dtype=float32)
    """
    rates = _operand_tensor(input)
    if rates.data.dtype.kind != "f":
        raise DtypeError(f"poisson: expects a float tensor of rates, got dtype {rates.data.dtype}")
    if np.any(rates.data < 0) or np.any(np.isnan(rates.data)):
        raise ArgumentError("poisson: invalid Poisson rate, expected rate to be non-negative")
    draws = Tensor(_generator(generator).poisson(rates.data).astype(rates.data.dtype))
    if not rates.requires_grad:
        return draws
    return where(np.ones(rates.shape, dtype=bool), draws, rates)  # the draws, with a zero gradient for the rates
