"""Argument checking for the Tensor's methods: PyTorch- and NumPy-style dims, shapes and indices
turned into one canonical form, with errors that name the op and the shapes."""

from __future__ import annotations

import operator
from typing import Any, Optional, Sequence, Union

import numpy as np

from tinygrad_edu.errors import ShapeError

Dim = Union[int, Sequence[int], None]  # a `dim` argument: one dimension, several, or None for all


def as_tuple(dim: Any) -> tuple[int, ...]:
    """One dim or several as a tuple: 1 -> (1,), [0, 2] -> (0, 2)."""
    return tuple(dim) if isinstance(dim, (tuple, list)) else (dim,)


def check_dim(op: str, dim: int, ndim: int) -> int:
    """A dimension index in range(ndim), negative counting from the end; else an error naming the op."""
    if not isinstance(dim, (int, np.integer)) or isinstance(dim, bool):
        raise TypeError(f"{op}: dim must be an int, got {dim!r}")
    if not -max(ndim, 1) <= dim < max(ndim, 1):
        raise IndexError(f"{op}: dim {dim} is out of range for a tensor with {ndim} dimension(s)")
    return int(dim) % max(ndim, 1)


def reduce_args(op: str, ndim: int, dim: Dim, keepdim: bool, axis: Dim,
                keepdims: Optional[bool]) -> tuple[Optional[tuple[int, ...]], bool]:
    """Accept dim/keepdim (PyTorch) or axis/keepdims (NumPy); return sorted axes (None: all) and keepdim."""
    if axis is not None:
        if dim is not None:
            raise TypeError(f"{op}: give dim or axis, not both")
        dim = axis
    if keepdims is not None:
        keepdim = keepdims
    if dim is None:
        return None, bool(keepdim)
    axes = tuple(sorted({check_dim(op, d, ndim) for d in as_tuple(dim)}))
    if ndim == 0:
        axes = ()
    return axes, bool(keepdim)


def arg_reduce(fn: Any, data: np.ndarray, dim: Optional[int], keepdim: bool) -> np.ndarray:
    """fn (np.argmax or np.argmin) over dim, as an array; over the flattened data when dim is None."""
    if dim is None:
        return np.asarray(fn(data))
    return np.asarray(fn(data, axis=check_dim(fn.__name__, dim, data.ndim), keepdims=keepdim))


def shape_args(shape: tuple[Any, ...]) -> tuple[int, ...]:
    """Accept reshape(2, 3), reshape((2, 3)) and reshape([2, 3]); a size that is not an integer
    (e.g. 2.5) is a TypeError, as in PyTorch, rather than silently truncated."""
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        shape = tuple(shape[0])
    try:
        return tuple(operator.index(n) for n in shape)
    except TypeError:
        raise TypeError(f"sizes must be integers, got {shape}") from None


def infer_shape(old: tuple[int, ...], new: tuple[int, ...]) -> tuple[int, ...]:
    """`new` with its -1 (if any) filled in; a ShapeError unless it holds exactly as many elements."""
    size = int(np.prod(old))
    known = int(np.prod([n for n in new if n != -1]))
    if new.count(-1) == 1 and known != 0 and size % known == 0:
        new = tuple(size // known if n == -1 else n for n in new)
    if new.count(-1) > 0 or any(n < 0 for n in new) or int(np.prod(new)) != size:
        raise ShapeError(f"reshape: cannot reshape a tensor of shape {old} ({size} elements) into {new}")
    return new


def integer_index(array: np.ndarray) -> np.ndarray:
    """Index arrays as NumPy wants them. `tg.tensor([0, 2])` is float32 (as all tensors made from
    Python numbers are), so float indices holding whole numbers are taken as the integers they are."""
    if array.dtype.kind != "f":
        return array
    if not np.all(np.mod(array, 1) == 0):
        raise IndexError(f"tensors used as indices must hold whole numbers or bools, got {array.dtype} values {array}")
    return array.astype(np.int64)


def check_matmul(a: tuple[int, ...], b: tuple[int, ...]) -> None:
    """Raise a ShapeError naming both shapes unless NumPy's matmul accepts them."""
    if len(a) == 0 or len(b) == 0:
        raise ShapeError(f"matmul: both arguments need at least 1 dimension, got shapes {a} and {b}")
    k_a = a[-1]
    k_b = b[0] if len(b) == 1 else b[-2]
    if k_a != k_b:
        raise ShapeError(f"matmul: shapes {a} and {b} do not align ({k_a} != {k_b})")
    try:
        np.broadcast_shapes(a[:-2], b[:-2])
    except ValueError:
        raise ShapeError(f"matmul: batch dimensions of shapes {a} and {b} do not broadcast") from None
