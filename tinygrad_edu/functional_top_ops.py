"""torch's remaining top-level functions, part 2: math and scatters. fmax/fmin (nan-ignoring maximum and minimum),
gcd/lcm, heaviside, vdot, ger, hsplit/vsplit/dsplit, rsub, broadcast_shapes, unravel_index, fill, and the
functional forms of writing into a tensor: select_scatter, slice_scatter, diagonal_scatter, index_reduce, put.

Each differentiable one is a composition of existing differentiable ops (fmax is a `where`, a scatter is a clone
with a slice written into it, index_reduce is scatter_reduce along one dimension), so gradients and double
backward come with it. gcd, lcm, heaviside and unravel_index give integers or steps: no gradient.
"""

from __future__ import annotations

import builtins
from typing import Any

import numpy as np

from tinygrad_edu.arguments import check_dim
from tinygrad_edu.dtypes import result_type
from tinygrad_edu.errors import ArgumentError, DtypeError, ShapeError
from tinygrad_edu.tensor import Tensor, _operand_tensor, where
from tinygrad_edu.tensor_shape import Size

__all__ = [
    "fmax",
    "fmin",
    "gcd",
    "lcm",
    "heaviside",
    "vdot",
    "ger",
    "hsplit",
    "vsplit",
    "dsplit",
    "rsub",
    "broadcast_shapes",
    "unravel_index",
    "fill",
    "select_scatter",
    "slice_scatter",
    "diagonal_scatter",
    "index_reduce",
    "put",
]


def _no_grad(data: Any) -> Tensor:
    return Tensor._from_op(np.asarray(data), None)


# ---- elementwise ---------------------------------------------------------------------------------------


def fmax(input: Any, other: Any) -> Tensor:
    """The elementwise maximum that ignores nan (nan only where both are nan), as `torch.fmax`; the gradient goes
    to input where input >= other or other is nan, else to other.

    Example:
        >>> tg.fmax(tg.tensor([1.0, float("nan"), 2.0]), tg.tensor([float("nan"), 3.0, 5.0]))
        tensor([1., 3., 5.], dtype=float32)
    """
    a, b = _operand_tensor(input), _operand_tensor(other)
    return where((a >= b) | b.isnan(), a, b)


def fmin(input: Any, other: Any) -> Tensor:
    """The elementwise minimum that ignores nan (nan only where both are nan), as `torch.fmin`; the gradient goes
    to input where input <= other or other is nan, else to other.

    Example:
        >>> tg.fmin(tg.tensor([1.0, float("nan")]), tg.tensor([float("nan"), 3.0]))
        tensor([1., 3.], dtype=float32)
    """
    a, b = _operand_tensor(input), _operand_tensor(other)
    return where((a <= b) | b.isnan(), a, b)


def _integer_pair(op: str, input: Any, other: Any) -> tuple[Any, Any, np.dtype]:
    a, b = _operand_tensor(input), _operand_tensor(other)
    dtype = result_type(a, b)
    if dtype.kind not in "iu":
        raise DtypeError(f"{op}: implemented for integer tensors only, got dtype {dtype}")
    return a.data.astype(dtype), b.data.astype(dtype), dtype


def gcd(input: Any, other: Any) -> Tensor:
    """The elementwise greatest common divisor (non-negative) of two integer tensors, as `torch.gcd`.

    Example:
        >>> tg.gcd(tg.tensor([12, -9, 0]), tg.tensor([18, 6, 5])).tolist()
        [6, 3, 5]
    """
    a, b, dtype = _integer_pair("gcd", input, other)
    return _no_grad(np.gcd(a, b).astype(dtype))


def lcm(input: Any, other: Any) -> Tensor:
    """The elementwise least common multiple (non-negative) of two integer tensors, as `torch.lcm`.

    Example:
        >>> tg.lcm(tg.tensor([4, -6]), tg.tensor([6, 4])).tolist()
        [12, 12]
    """
    a, b, dtype = _integer_pair("lcm", input, other)
    return _no_grad(np.lcm(a, b).astype(dtype))


def heaviside(input: Any, values: Any) -> Tensor:
    """The step function: 0 where input < 0 (and where it is nan), values where input == 0, 1 where input > 0, as
    `torch.heaviside`; input and values must have one dtype. It has no gradient.

    Example:
        >>> tg.heaviside(tg.tensor([-1.0, 0.0, 2.0]), tg.tensor(0.5)).tolist()
        [0.0, 0.5, 1.0]
    """
    x, v = _operand_tensor(input), _operand_tensor(values)
    if x.data.dtype != v.data.dtype:
        raise DtypeError(
            f"heaviside is not yet implemented for tensors with different dtypes ({x.data.dtype} and {v.data.dtype})"
        )
    steps = np.where(x.data == 0, v.data, (x.data > 0).astype(x.data.dtype))
    return _no_grad(steps.astype(x.data.dtype))


def rsub(input: Any, other: Any, *, alpha: Any = 1) -> Tensor:
    """other - alpha * input, as `torch.rsub`.

    Example:
        >>> tg.rsub(tg.tensor([1.0, 2.0]), 10.0)
        tensor([9., 8.], dtype=float32)
    """
    x = _operand_tensor(input)
    scaled = x if alpha == 1 else x * alpha
    return other - scaled if isinstance(other, Tensor) else scaled.__rsub__(other)


# ---- products ------------------------------------------------------------------------------------------


def vdot(input: Any, other: Any) -> Tensor:
    """The dot product of two 1-D tensors of one dtype (for real tensors, what dot gives), as `torch.vdot`.

    Example:
        >>> tg.vdot(tg.tensor([1.0, 2.0]), tg.tensor([3.0, 4.0]))
        tensor(11., dtype=float32)
    """
    a, b = _operand_tensor(input), _operand_tensor(other)
    if a.ndim != 1 or b.ndim != 1:
        raise ShapeError(f"vdot: 1D tensors expected, but got {a.ndim}D and {b.ndim}D tensors")
    if a.data.dtype != b.data.dtype:
        raise DtypeError(f"vdot: expected both vectors to have same dtype, but found {a.data.dtype} and {b.data.dtype}")
    return a.dot(b)


def ger(input: Any, vec2: Any) -> Tensor:
    """torch.ger: the outer product, another name for outer.

    Example:
        >>> tg.ger(tg.tensor([1.0, 2.0]), tg.tensor([3.0, 4.0])).tolist()
        [[3.0, 4.0], [6.0, 8.0]]
    """
    return _operand_tensor(input).outer(vec2)


# ---- splitting -----------------------------------------------------------------------------------------


def _split_along(op: str, input: Any, indices_or_sections: Any, dim: int, min_dims: int) -> tuple:
    x = _operand_tensor(input)
    if x.ndim < min_dims:
        raise ShapeError(
            f"torch.{op} requires a tensor with at least {min_dims} dimension{'s' if min_dims > 1 else ''}, but got "
            f"a tensor with {x.ndim} dimensions!"
        )
    if isinstance(indices_or_sections, int) and (indices_or_sections == 0 or x.shape[dim] % indices_or_sections != 0):
        raise ShapeError(
            f"torch.{op} attempted to split along dimension {dim}, but the size of the dimension {x.shape[dim]} "
            f"is not divisible by the split_size {indices_or_sections}!"
        )
    return x.tensor_split(indices_or_sections, dim)


def hsplit(input: Any, indices_or_sections: Any) -> tuple:
    """Split along dimension 1 (0 for a 1-D tensor) into equal sections or at indices, as `torch.hsplit`.

    Example:
        >>> [t.shape for t in tg.hsplit(tg.zeros(2, 4), 2)]
        [(2, 2), (2, 2)]
    """
    x = _operand_tensor(input)
    return _split_along("hsplit", x, indices_or_sections, 0 if x.ndim == 1 else 1, 1)


def vsplit(input: Any, indices_or_sections: Any) -> tuple:
    """Split along dimension 0 of a tensor of 2 or more dimensions, as `torch.vsplit`.

    Example:
        >>> [t.shape for t in tg.vsplit(tg.zeros(4, 2), [1])]
        [(1, 2), (3, 2)]
    """
    return _split_along("vsplit", input, indices_or_sections, 0, 2)


def dsplit(input: Any, indices_or_sections: Any) -> tuple:
    """Split along dimension 2 of a tensor of 3 or more dimensions, as `torch.dsplit`.

    Example:
        >>> [t.shape for t in tg.dsplit(tg.zeros(1, 1, 4), 2)]
        [(1, 1, 2), (1, 1, 2)]
    """
    return _split_along("dsplit", input, indices_or_sections, 2, 3)


# ---- shapes and flat indices ---------------------------------------------------------------------------


def broadcast_shapes(*shapes: Any) -> Size:
    """The shape that tensors of these shapes broadcast to (an int stands for a 1-D shape), as
    `torch.broadcast_shapes`.

    Example:
        >>> tg.broadcast_shapes((2, 1), (3,))
        Size([2, 3])
    """
    as_tuples = [(s,) if isinstance(s, (int, np.integer)) else tuple(s) for s in shapes]
    try:
        return Size(np.broadcast_shapes(*as_tuples))
    except ValueError:
        raise ShapeError(
            f"broadcast_shapes: shape mismatch: objects cannot be broadcast to a single shape ({as_tuples})"
        ) from None


def unravel_index(indices: Any, shape: Any) -> tuple:
    """The coordinates of flat (row-major) indices in a tensor of `shape`, one int64 tensor per dimension, as
    `torch.unravel_index`.

    Example:
        >>> [c.tolist() for c in tg.unravel_index(tg.tensor([5, 1]), (2, 3))]
        [[1, 0], [2, 1]]
    """
    flat = np.asarray(indices.data if isinstance(indices, Tensor) else indices)
    if flat.dtype.kind not in "iu":
        raise DtypeError(f"unravel_index: expected 'indices' to be integer dtype, but got {flat.dtype}")
    dims = (int(shape),) if isinstance(shape, (int, np.integer)) else tuple(int(s) for s in shape)
    if any(d < 0 for d in dims):
        raise ValueError("unravel_index: 'shape' cannot have negative values, but got " + str(dims))
    if flat.size and 0 in dims:
        raise IndexError(f"unravel_index: no index exists in a tensor of shape {dims}")
    # PyTorch checks no bounds: the coordinates are those of the index modulo the size (-1 is the last element)
    strides = [int(np.prod(dims[i + 1 :])) for i in builtins.range(len(dims))]
    flat = flat.astype(np.int64)
    return tuple(
        _no_grad(np.asarray((flat // stride) % d, dtype=np.int64)) for stride, d in zip(strides, dims, strict=True)
    )


# ---- writing into a copy -------------------------------------------------------------------------------


def fill(input: Any, value: Any) -> Tensor:
    """A tensor of input's shape and dtype holding value everywhere, as `torch.fill` (the gradient goes to a
    tensor value, summed; input gets zeros).

    Example:
        >>> tg.fill(tg.zeros(2), 3)
        tensor([3., 3.], dtype=float32)
    """
    x = _operand_tensor(input)
    if isinstance(value, Tensor):
        if value.ndim:
            raise ShapeError(
                f"fill only supports 0-dimension value tensor but got tensor with {value.ndim} dimensions."
            )
        filler = value if value.data.dtype == x.data.dtype else value.to(x.data.dtype)
    else:
        filler = _no_grad(np.asarray(value, dtype=x.data.dtype))
    return where(np.ones(x.shape, dtype=np.bool_), filler, x)


def _scatter_into(op: str, input: Any, key: tuple, src: Any, expected: tuple) -> Tensor:
    """A copy of input with input[key] = src, where src must have the shape `expected` of input[key]."""
    x, s = _operand_tensor(input), _operand_tensor(src)
    if tuple(s.shape) != tuple(expected):
        raise ShapeError(
            f"{op}: expected src to have a size equal to the slice of self. src size = {list(s.shape)}, slice "
            f"size = {list(expected)}"
        )
    out = x.clone()
    out[key] = s
    return out


def select_scatter(input: Any, src: Any, dim: int, index: int) -> Tensor:
    """A copy of input whose select(dim, index) is src, as `torch.select_scatter`; gradients reach both.

    Example:
        >>> tg.select_scatter(tg.zeros(2, 2), tg.ones(2), 0, 1).tolist()
        [[0.0, 0.0], [1.0, 1.0]]
    """
    x = _operand_tensor(input)
    axis = check_dim("select_scatter", dim, x.ndim)
    key = (slice(None),) * axis + (index,)
    return _scatter_into("select_scatter", x, key, src, x.select(axis, index).shape)


def slice_scatter(
    input: Any, src: Any, dim: int = 0, start: int | None = None, end: int | None = None, step: int = 1
) -> Tensor:
    """A copy of input whose slice start:end:step along dim is src, as `torch.slice_scatter`; gradients reach
    both.

    Example:
        >>> tg.slice_scatter(tg.zeros(4), tg.ones(2), start=0, step=2).tolist()
        [1.0, 0.0, 1.0, 0.0]
    """
    x = _operand_tensor(input)
    axis = check_dim("slice_scatter", dim, x.ndim)
    key = (slice(None),) * axis + (slice(start, end, step),)
    return _scatter_into("slice_scatter", x, key, src, x.data[key].shape)


def diagonal_scatter(input: Any, src: Any, offset: int = 0, dim1: int = 0, dim2: int = 1) -> Tensor:
    """A copy of input whose diagonal(offset, dim1, dim2) is src (its last dimension along the diagonal, as
    diagonal gives it), as `torch.diagonal_scatter`; gradients reach both.

    Example:
        >>> tg.diagonal_scatter(tg.zeros(2, 2), tg.ones(2)).tolist()
        [[1.0, 0.0], [0.0, 1.0]]
    """
    x, s = _operand_tensor(input), _operand_tensor(src)
    d1, d2 = check_dim("diagonal_scatter", dim1, x.ndim), check_dim("diagonal_scatter", dim2, x.ndim)
    expected = x.diagonal(offset, d1, d2).shape
    if tuple(s.shape) != tuple(expected):
        raise ShapeError(
            f"diagonal_scatter: expected src to have a size equal to the slice of self. src size = "
            f"{list(s.shape)}, slice size = {list(expected)}"
        )
    n = expected[-1]
    rows = np.arange(n) + max(-offset, 0)
    cols = np.arange(n) + max(offset, 0)
    key: list[Any] = [slice(None)] * x.ndim
    key[d1], key[d2] = rows, cols
    # NumPy puts the dimension of two index arrays where they stand if they are neighbours, else first
    place = min(d1, d2) if abs(d1 - d2) == 1 else 0
    out = x.clone()
    out[tuple(key)] = s.movedim(-1, place)
    return out


REDUCTIONS = ("prod", "mean", "amax", "amin")


def index_reduce(input: Any, dim: int, index: Any, source: Any, reduce: str, *, include_self: bool = True) -> Tensor:
    """input with the slices of source reduced into the places index names along dim ("prod", "mean", "amax" or
    "amin"; include_self=False leaves input's own values at those places out), as `torch.index_reduce`. It is
    scatter_reduce with index spread along dim, so gradients are scatter_reduce's.

    Example:
        >>> tg.index_reduce(tg.ones(3), 0, tg.tensor([0, 0, 2]), tg.tensor([2.0, 3.0, 4.0]), "prod")
        tensor([6., 1., 4.], dtype=float32)
    """
    x, s = _operand_tensor(input), _operand_tensor(source)
    if reduce not in REDUCTIONS:
        raise ArgumentError(f"index_reduce(): Expected reduce to be one of prod, mean, amax or amin but got {reduce}.")
    axis = check_dim("index_reduce", dim, x.ndim)
    idx = np.asarray(index.data if isinstance(index, Tensor) else index)
    if idx.ndim > 1 or idx.dtype.kind not in "iu":
        raise IndexError(f"index_reduce(): Index is supposed to be a vector of integers, got {idx.ndim}-D {idx.dtype}")
    if s.ndim != x.ndim or (s.ndim and s.shape[axis] != idx.size):
        raise ShapeError(
            f"index_reduce(): source {s.shape} must have input's {x.ndim} dimensions and index's length "
            f"{idx.size} along dim {axis}"
        )
    if x.data.dtype != s.data.dtype:
        raise DtypeError(f"index_reduce(): self ({x.data.dtype}) and source ({s.data.dtype}) must have the same dtype")
    spread = np.broadcast_to(idx.astype(np.int64).reshape([-1 if d == axis else 1 for d in range(s.ndim)]), s.shape)
    return x.scatter_reduce(axis, _no_grad(np.ascontiguousarray(spread)), s, reduce, include_self=include_self)


def put(input: Any, index: Any, source: Any, accumulate: bool = False) -> Tensor:
    """A copy of input with source's values written at the flat (row-major) places index names (added up with
    accumulate=True), as `torch.put`; gradients reach input's kept places and source.

    Example:
        >>> tg.put(tg.zeros(2, 2), tg.tensor([3, 0]), tg.tensor([1.0, 2.0])).tolist()
        [[2.0, 0.0], [0.0, 1.0]]
    """
    x, s = _operand_tensor(input), _operand_tensor(source)
    flat = np.asarray(index.data if isinstance(index, Tensor) else index).reshape(-1)
    if flat.dtype.kind not in "iu":
        raise IndexError(f"put_(): Expected a long tensor for index, but got {flat.dtype}")
    if flat.size != s.numel():
        raise ShapeError(
            f"put_(): Expected source and index to have the same number of elements, but got source.numel() = "
            f"{s.numel()}, index.numel() = {flat.size}"
        )
    size = x.numel()
    bad = flat[(flat >= size) | (flat < -size)]
    if bad.size:
        raise IndexError(f"put_(): out of range: tried to access index {int(bad[0])} on a tensor of {size} elements.")
    places = np.where(flat < 0, flat + size, flat).astype(np.int64)
    return x.reshape(-1).index_put((_no_grad(places),), s.reshape(-1), accumulate).reshape(x.shape)
