"""Argument checking for the Tensor's methods: PyTorch- and NumPy-style dims, shapes and indices
turned into one canonical form, with errors that name the op and the shapes."""

from __future__ import annotations

import functools
import math
import operator
import warnings
from collections.abc import Sequence
from typing import Any, TypeGuard

import numpy as np

from tinygrad_edu.errors import ArgumentError, DtypeError, ShapeError

Dim = int | Sequence[int] | None  # a `dim` argument: one dimension, several, or None for all


def as_tuple(dim: Any) -> tuple[int, ...]:
    """One dim or several as a tuple: 1 -> (1,), [0, 2] -> (0, 2)."""
    return tuple(dim) if isinstance(dim, (tuple, list)) else (dim,)


def is_int(dim: Any) -> TypeGuard[int]:
    """True for a Python or NumPy integer, but not a bool (True is an int to Python, never a dim here)."""
    return isinstance(dim, (int, np.integer)) and not isinstance(dim, bool)


def check_dim(op: str, dim: int, ndim: int) -> int:
    """A dimension index in range(ndim), negative counting from the end; else an error naming the op."""
    if not isinstance(dim, (int, np.integer)) or isinstance(dim, bool):
        raise TypeError(f"{op}: dim must be an int, got {dim!r}")
    n = ndim or 1  # (a 0-d tensor takes dim 0 and -1; not max(ndim, 1): Python 3.11's max() costs ~0.3 us)
    if not -n <= dim < n:
        raise IndexError(f"{op}: dim {dim} is out of range for a tensor with {ndim} dimension(s)")
    return int(dim) % n


def dim_or_axis(op: str, dim: Any, axis: Any) -> Any:
    """dim, or NumPy's name for it, axis: PyTorch takes either (`y_hat.argmax(axis=1)`); both is an error."""
    if axis is None:
        return dim
    if dim is not None:
        raise TypeError(f"{op}: give dim or axis, not both")
    return axis


def reduce_args(
    op: str, ndim: int, dim: Dim, keepdim: bool, axis: Dim, keepdims: bool | None
) -> tuple[tuple[int, ...] | None, bool]:
    """Accept dim/keepdim (PyTorch) or axis/keepdims (NumPy); return sorted axes (None: all) and keepdim."""
    if axis is not None:
        if dim is not None:
            raise TypeError(f"{op}: give dim or axis, not both")
        dim = axis
    if keepdims is not None:
        keepdim = keepdims
    if dim is None:
        return None, bool(keepdim)
    if isinstance(dim, int) and ndim > 0:  # one dim, the usual case: no set to sort (~0.7 us of a mean)
        return (check_dim(op, dim, ndim),), bool(keepdim)
    axes = tuple(sorted({check_dim(op, d, ndim) for d in as_tuple(dim)}))
    if ndim == 0:
        axes = ()
    return axes, bool(keepdim)


def arg_reduce(fn: Any, data: np.ndarray, dim: int | None, keepdim: bool) -> np.ndarray:
    """fn (np.argmax or np.argmin) over dim, as an array; over the flattened data when dim is None."""
    if dim is None:
        result = fn(data)
    else:
        result = fn(data, axis=check_dim(fn.__name__, dim, data.ndim), keepdims=keepdim)
    # an array of another kind (a traced one) is kept as it is; NumPy's scalar becomes a 0-d ndarray
    if isinstance(result, np.ndarray) or hasattr(type(result), "__array_function__"):
        return result
    return np.asarray(result)


def shape_args(shape: tuple[Any, ...]) -> tuple[int, ...]:
    """Accept reshape(2, 3), reshape((2, 3)) and reshape([2, 3]); a size that is not an integer
    (e.g. 2.5) is a TypeError, as in PyTorch, rather than silently truncated."""
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        shape = tuple(shape[0])
    try:
        return tuple(map(operator.index, shape))  # (map: no generator frame per call)
    except TypeError:
        raise TypeError(f"sizes must be integers, got {shape}") from None


def infer_shape(old: tuple[int, ...], new: tuple[int, ...]) -> tuple[int, ...]:
    """`new` with its -1 (if any) filled in; a ShapeError unless it holds exactly as many elements."""
    # math.prod of a few ints costs ~0.1 us; np.prod first builds an array from the tuple (~4 us, three times
    # a reshape). (It is also exact where np.prod's int64 would overflow.)
    size = math.prod(old)
    if -1 in new:
        known = math.prod(n for n in new if n != -1)
        if new.count(-1) == 1 and known != 0 and size % known == 0:
            new = tuple(size // known if n == -1 else n for n in new)
    if math.prod(new) != size or (new and min(new) < 0):  # (min(new, default=0) costs 0.15 us more)
        raise ShapeError(f"reshape: cannot reshape a tensor of shape {old} ({size} elements) into {new}")
    return new


@functools.lru_cache(maxsize=1024)
def expand_target(old: tuple[int, ...], shape: tuple[Any, ...]) -> tuple[int, ...]:
    """The shape `expand(*shape)` of a tensor of shape `old` gives: -1 keeps the input's size there. A ShapeError
    unless NumPy's broadcasting rule allows it (each size kept or a 1 stretched, new sizes added in front, none
    negative); a TypeError for a size that is not an integer.

    Remembered per (old, shape): a model expands the same shapes at every step, and the answer from the
    cache costs ~0.15 us where working it out costs ~1 us (a miss, or an error, costs that once more).
    """
    shape = shape_args(shape)
    offset = len(shape) - len(old)
    target = tuple(old[i - offset] if n == -1 and i >= offset else n for i, n in enumerate(shape))
    if offset < 0 or any(n < 0 for n in target) or any(o not in (n, 1) for o, n in zip(old, target[offset:])):
        raise ShapeError(f"expand: cannot expand shape {old} to {shape}")
    return target


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
    if len(a) <= 2 and len(b) <= 2:
        return  # no batch dimensions to check: saves np.broadcast_shapes (~2 us) on every vector and matrix product
    try:
        np.broadcast_shapes(a[:-2], b[:-2])
    except ValueError:
        raise ShapeError(f"matmul: batch dimensions of shapes {a} and {b} do not broadcast") from None


def check_mm(a: tuple[int, ...], b: tuple[int, ...]) -> None:
    """Raise a ShapeError unless both shapes are matrices (2-D) whose inner sizes agree, as torch.mm wants."""
    for what, shape in (("self", a), ("mat2", b)):
        if len(shape) != 2:
            raise ShapeError(
                f"mm: {what} must be a matrix (2-D), got shape {shape}; use matmul for vectors and batches"
            )
    if a[1] != b[0]:
        raise ShapeError(f"mm: shapes {a} and {b} cannot be multiplied ({a[1]} != {b[0]})")


def variance_args(
    op: str, data: np.ndarray, dim: Any, unbiased: bool | None, keepdim: bool, correction: float | None
) -> tuple[tuple[int, ...] | None, bool, float]:
    """var's and std's arguments as (axes, keepdim, divisor), where divisor = max(0, N - correction).

    N is the number of elements each result is computed from. PyTorch's older `unbiased=True/False`
    means correction 1/0, and a bool in dim's place is that `unbiased` (`x.var(False)`). When
    N <= correction there are no degrees of freedom left: the divisor is 0 and, as PyTorch, we warn.
    """
    if data.dtype.kind != "f":
        raise DtypeError(
            f"{op}: std and var only support floating-point dtypes, got {data.dtype}; convert first, e.g. x.float()"
        )
    if isinstance(dim, bool):  # x.var(True): PyTorch's var(unbiased) form
        if unbiased is not None:
            raise TypeError(f"{op}: unbiased given twice")
        dim, unbiased = None, dim
    if unbiased is not None:
        if correction is not None:
            raise TypeError(f"{op}: give correction or unbiased, not both")
        correction = 1 if unbiased else 0
    elif correction is None:
        correction = 1  # Bessel's correction: the unbiased estimate, PyTorch's default
    elif isinstance(correction, bool) or not isinstance(correction, (int, float, np.integer, np.floating)):
        raise TypeError(f"{op}: correction must be a number, got {correction!r}")
    axes, keep = reduce_args(op, data.ndim, dim, keepdim, None, None)
    count = data.size if axes is None else math.prod(data.shape[a] for a in axes)
    if count - correction <= 0:
        warnings.warn(
            f"{op}(): degrees of freedom is <= 0: correction ({correction}) should be less than "
            f"the number of elements reduced ({count}); the result is inf or nan",
            UserWarning,
            stacklevel=4,
        )  # the user's line: it called var, which called _variance, which called us
    return axes, keep, max(0, count - correction)


def _size(op: str, what: str, value: Any) -> int:
    """A split size or a number of chunks, which must be a Python or NumPy integer (not a bool or float)."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{op}: {what} must be an integer, got {value!r}")
    return int(value)


def _piece_axis(op: str, shape: tuple[int, ...], dim: int) -> int:
    """split's and chunk's dim as an axis; a 0-d tensor has nothing to cut."""
    if len(shape) == 0:
        raise ShapeError(f"{op}: expects a tensor of at least 1 dimension, got a 0-d tensor")
    return check_dim(op, dim, len(shape))


def split_sizes(shape: tuple[int, ...], dim: int, split_size_or_sections: Any) -> tuple[int, list[int]]:
    """The axis and the sizes of split's pieces along it, as torch.split cuts them.

    An int s gives pieces of s elements and a last, smaller one for the rest (one empty piece for an
    empty dimension); a list or tuple gives those sizes, which must sum to the dimension's size.
    """
    axis = _piece_axis("split", shape, dim)
    length = shape[axis]
    if isinstance(split_size_or_sections, (list, tuple)):
        sizes = [_size("split", "each section size", s) for s in split_size_or_sections]
        if any(s < 0 for s in sizes):
            raise ShapeError(f"split: section sizes must not be negative, got {sizes}")
        if sum(sizes) != length:
            raise ShapeError(
                f"split: section sizes {sizes} sum to {sum(sizes)}, but dimension {dim} of "
                f"shape {shape} has size {length}"
            )
        return axis, sizes
    size = _size("split", "split_size", split_size_or_sections)
    if size < 0:
        raise ShapeError(f"split: split_size must not be negative, got {size}")
    if size == 0 and length != 0:
        raise ShapeError(
            f"split: split_size can only be 0 if the dimension is empty, but dimension {dim} "
            f"of shape {shape} has size {length}"
        )
    if length == 0:
        return axis, [0]
    full, rest = divmod(length, size)
    return axis, [size] * full + ([rest] if rest else [])


def chunk_sizes(shape: tuple[int, ...], dim: int, chunks: Any) -> tuple[int, list[int]]:
    """The axis and the sizes of chunk's pieces along it: ceil(n / chunks) each, as torch.chunk.

    So there may be fewer than `chunks` pieces (6 elements in 4 chunks are 3 pieces of 2); an empty
    dimension gives `chunks` empty pieces.
    """
    axis = _piece_axis("chunk", shape, dim)
    chunks = _size("chunk", "chunks", chunks)
    if chunks <= 0:
        raise ArgumentError(f"chunk: chunks must be greater than 0, got {chunks}")
    length = shape[axis]
    if length == 0:
        return axis, [0] * chunks
    return split_sizes(shape, axis, -(-length // chunks))  # -(-n // c) is ceil(n / c)


def check_same_dtype(op: str, a: Any, b: Any) -> None:
    """Matrix products do not promote, as in PyTorch: both operands must have one dtype, with a hint."""
    if a.dtype != b.dtype:
        hint = "convert one with .to(other.dtype)"
        if a.dtype.kind != "f" or b.dtype.kind != "f":
            hint = "convert the integer side with .float() (e.g. x.float()), or make the data with floats"
        raise DtypeError(
            f"{op}: both operands must have the same dtype, got {a.dtype} and {b.dtype} "
            f"(PyTorch: 'mat1 and mat2 must have the same dtype'); {hint}"
        )
