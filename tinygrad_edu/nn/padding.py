"""F.pad: a border added around the last dims, with a constant or copied from the tensor itself; and
F.one_hot, which widens class indices into rows of zeros with a one (no gradient).

Every mode is made of differentiable ops, so the gradient comes with it: "constant" joins blocks of
the value on each side (cat; a negative pad crops, a slice), and "reflect", "replicate" and
"circular" pick the border's elements from the input with an index array along each padded dim,
so that an element copied into the border gets the border's gradient too.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from tinygrad_edu.errors import ArgumentError, ShapeError
from tinygrad_edu.tensor import Tensor, _operand_tensor

__all__ = ["pad", "one_hot"]


def one_hot(tensor: Any, num_classes: int = -1) -> Tensor:
    """Class indices (an integer tensor) as rows of num_classes zeros with a 1 at the index (int64), as
    `F.one_hot`; num_classes=-1 takes the largest index + 1.

    Example:
        >>> F.one_hot(tg.tensor([0, 2], dtype=tg.int64), 3)
        tensor([[1, 0, 0],
                [0, 0, 1]], dtype=int64)
    """
    indices = tensor.data if isinstance(tensor, Tensor) else np.asarray(tensor)
    if indices.dtype.kind not in "iu":
        raise ArgumentError(
            f"one_hot: the indices must be an integer tensor (int64), got dtype {indices.dtype}; convert with .long()"
        )
    if indices.size and indices.min() < 0:
        raise ArgumentError("one_hot: the indices must be non-negative")
    count = int(indices.max()) + 1 if num_classes == -1 and indices.size else int(num_classes)
    if indices.size and indices.max() >= count:
        raise ArgumentError(f"one_hot: index {int(indices.max())} is out of range for num_classes={count}")
    return Tensor._from_op((indices[..., None] == np.arange(count)).astype(np.int64), None)


def _border_index(mode: str, n: int, before: int, after: int) -> np.ndarray:
    """For each output position along one dim, the input position it copies (i runs from -before)."""
    i = np.arange(-before, n + after)
    if mode == "replicate":  # the edge element, repeated
        return np.clip(i, 0, n - 1)
    if mode == "circular":  # the other end, wrapped around
        return i % n
    # reflect: mirrored about the edge element, which is not repeated (period 2n - 2)
    period = 2 * (n - 1)
    i = np.abs(i) % period if period else np.zeros_like(i)
    return np.where(i >= n, period - i, i)


def pad(input: Any, pad: Sequence[int], mode: str = "constant", value: float = 0.0) -> Tensor:
    """Pad the last len(pad) // 2 dims: `pad` is (left, right) for the last dim, then for the one before, ...

    Example:
        >>> F.pad(tg.ones(2, 2), (1, 0, 0, 1)).shape     # one column on the left, one row at the bottom
        (3, 3)
    """
    x = _operand_tensor(input)
    pad = [int(p) for p in pad]
    if len(pad) % 2 or len(pad) // 2 > x.ndim:
        raise ShapeError(
            f"pad: {pad} must hold a (before, after) pair for each of at most {x.ndim} dims "
            f"(the input has shape {x.shape})"
        )
    if mode not in ("constant", "reflect", "replicate", "circular"):
        raise ArgumentError(f"pad: mode must be 'constant', 'reflect', 'replicate' or 'circular', got {mode!r}")
    if mode != "constant" and value != 0:
        raise ArgumentError(f"pad: value= is only for mode='constant', got mode={mode!r}")
    dims = len(pad) // 2
    if mode != "constant" and (dims > 3 or x.ndim not in (dims + 1, dims + 2)):
        # (PyTorch's kernels for these modes take a batch dim or none, then 1 to 3 padded dims: nothing else)
        raise NotImplementedError(
            f"pad: mode={mode!r} pads the last 1, 2 or 3 dims of an input with one or two dims more "
            f"(2-d or 3-d for 2 pads, 3-d or 4-d for 4, 4-d or 5-d for 6), got {len(pad)} pads for shape {x.shape}"
        )
    out = x
    for k in range(len(pad) // 2):
        axis = x.ndim - 1 - k
        before, after = pad[2 * k], pad[2 * k + 1]
        if mode == "constant":
            out = _constant(out, axis, before, after, value)
            continue
        n = out.shape[axis]
        if mode == "reflect" and (before >= n or after >= n):
            raise ShapeError(
                f"pad: reflect padding ({before}, {after}) must be smaller than dimension {axis} "
                f"of size {n} (input shape {x.shape})"
            )
        if mode == "circular" and (before > n or after > n):
            raise ShapeError(
                f"pad: circular padding ({before}, {after}) must be at most dimension {axis} "
                f"of size {n} (input shape {x.shape})"
            )
        out = out.index_select(axis, _border_index(mode, n, before, after))
    return out


def _constant(x: Tensor, axis: int, before: int, after: int, value: float) -> Tensor:
    """x with `before` and `after` elements of value added along axis (negative: that many cut off)."""
    from tinygrad_edu.functional import cat

    n = x.shape[axis]
    kept = n - max(-before, 0) - max(-after, 0)
    if kept < 0:  # (PyTorch cuts before it pads: cutting more than there is fails, whatever is added after)
        raise ShapeError(f"pad: padding ({before}, {after}) cuts more than dimension {axis} of size {n} holds")
    x = x.narrow(axis, max(-before, 0), kept)
    parts = []
    for count in (before, after):
        shape = list(x.shape)
        shape[axis] = max(count, 0)
        parts.append(Tensor(np.full(shape, value, dtype=x.dtype)))
    return cat([parts[0], x, parts[1]], dim=axis)
