"""Adaptive pooling: AdaptiveAvgPool1d/2d/3d and AdaptiveMaxPool1d/2d/3d, and their nn.functional forms.

The output has a given size, whatever the input's; output cell i along a dim of size n -> m covers the inputs
from start = floor(i * n / m) to end = ceil((i + 1) * n / m) (PyTorch's rule), so neighbouring cells may overlap
by one input when m does not divide n.
- average: the mean over a box is the mean along each of its dims in turn, so the average is one matmul per dim
  with a fixed (m, n) averaging matrix, and the gradient is theirs.
- max: every cell's inputs are picked with an index array (padded to the widest cell by repeating its last
  input, which cannot change a maximum), then a max over the picked values.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from tinygrad_edu.errors import ShapeError
from tinygrad_edu.nn.module import Module
from tinygrad_edu.tensor import Tensor, _operand_tensor

__all__ = [
    "adaptive_avg_pool1d",
    "adaptive_avg_pool2d",
    "adaptive_avg_pool3d",
    "adaptive_max_pool1d",
    "adaptive_max_pool2d",
    "adaptive_max_pool3d",
    "AdaptiveAvgPool1d",
    "AdaptiveAvgPool2d",
    "AdaptiveAvgPool3d",
    "AdaptiveMaxPool1d",
    "AdaptiveMaxPool2d",
    "AdaptiveMaxPool3d",
]


def _cells(n: int, m: int) -> tuple[np.ndarray, np.ndarray]:
    """(start, end) of each of the m output cells over an input of size n, PyTorch's rule."""
    i = np.arange(m)
    return (i * n) // m, -((-(i + 1) * n) // m)


def _averaging(n: int, m: int, dtype: np.dtype) -> np.ndarray:
    """The (m, n) matrix whose row i averages the inputs of cell i."""
    start, end = _cells(n, m)
    j = np.arange(n)
    inside = (j >= start[:, np.newaxis]) & (j < end[:, np.newaxis])
    return (inside / (end - start)[:, np.newaxis]).astype(dtype)


def _picks(n: int, m: int) -> np.ndarray:
    """(m, widest cell) input positions of each cell, the last one repeated where a cell is narrower."""
    start, end = _cells(n, m)
    offsets = np.arange(int((end - start).max()))
    return np.minimum(start[:, np.newaxis] + offsets, end[:, np.newaxis] - 1)


def _sizes(name: str, x: Tensor, output_size: Any, dims: int) -> list[int]:
    """output_size as one int per spatial dim (None keeps the input's size), checking the input's rank."""
    if x.ndim not in (dims + 1, dims + 2):
        raise ShapeError(
            f"{name}: expected a {dims + 1}-d (unbatched) or {dims + 2}-d (batched) input, got shape {x.shape}"
        )
    given = [output_size] * dims if output_size is None or isinstance(output_size, int) else list(output_size)
    if len(given) != dims:
        raise ValueError(f"{name}: output_size {output_size!r} must have {dims} entries")
    sizes = [x.shape[-dims + d] if s is None else int(s) for d, s in enumerate(given)]
    if any(s < 1 for s in sizes) or any(n < 1 for n in x.shape[-dims:]):
        raise ValueError(f"{name}: output size {tuple(sizes)} and input shape {x.shape} must have no zero-size dim")
    return sizes


def _adaptive_avg_pool(dims: int, input: Any, output_size: Any) -> Tensor:
    """The mean over each cell in `dims` trailing dims: one matmul with an averaging matrix per dim (the mean over
    a box is the mean along each of its dims in turn)."""
    x = _operand_tensor(input)
    sizes = _sizes(f"adaptive_avg_pool{dims}d", x, output_size, dims)
    for d, m in zip(range(-dims, 0), sizes):
        averaging = Tensor(_averaging(x.shape[d], m, x.dtype).T)
        x = x @ averaging if d == -1 else (x.movedim(d, -1) @ averaging).movedim(-1, d)
    return x


def adaptive_avg_pool1d(input: Any, output_size: Any) -> Tensor:
    """The mean over each of output_size cells of the last dim, as torch.nn.functional.adaptive_avg_pool1d."""
    return _adaptive_avg_pool(1, input, output_size)


def adaptive_avg_pool2d(input: Any, output_size: Any) -> Tensor:
    """The mean over each of output_size cells (PyTorch's split), as torch.nn.functional.adaptive_avg_pool2d.

    Example:
        >>> F.adaptive_avg_pool2d(tg.arange(5.0).reshape(1, 1, 1, 5), (1, 2))   # cells [0, 3) and [2, 5)
        tensor([[[[1., 3.]]]], dtype=float32)
    """
    return _adaptive_avg_pool(2, input, output_size)


def adaptive_avg_pool3d(input: Any, output_size: Any) -> Tensor:
    """The mean over each of output_size (D, H, W) cells, as torch.nn.functional.adaptive_avg_pool3d.

    Example:
        >>> F.adaptive_avg_pool3d(tg.arange(8.0).reshape(1, 1, 2, 2, 2), 1)
        tensor([[[[[3.5]]]]], dtype=float32)
    """
    return _adaptive_avg_pool(3, input, output_size)


def _adaptive_max_pool(dims: int, input: Any, output_size: Any, return_indices: bool) -> Any:
    """The maximum over each cell in `dims` trailing dims: every cell's inputs picked with one index array per dim,
    then a max over them; with return_indices, where each maximum came from, flat in its input plane or volume."""
    x = _operand_tensor(input)
    sizes = _sizes(f"adaptive_max_pool{dims}d", x, output_size, dims)
    lead, in_sizes = x.ndim - dims, x.shape[-dims:]
    picks = [_picks(n, m) for n, m in zip(in_sizes, sizes)]  # per dim: (cells, widest cell)
    # dim d's picks on axes 2d (its cell) and 2d + 1 (the input within it): together (m1, k1, m2, k2, ...)
    index = [p.reshape([p.shape[i % 2] if i // 2 == d else 1 for i in range(2 * dims)]) for d, p in enumerate(picks)]
    key = (Ellipsis, *index)
    picked = x[key]
    order = [*range(lead), *range(lead, lead + 2 * dims, 2), *range(lead + 1, lead + 2 * dims, 2)]
    widths = [p.shape[1] for p in picks]
    picked = picked.permute(*order).reshape(*x.shape[:lead], *sizes, math.prod(widths))
    out = picked.max(-1).values
    if not return_indices:
        return out
    offsets = np.unravel_index(np.argmax(picked.data, axis=-1), widths)  # the first maximum, as PyTorch
    flat: Any = 0
    for d, p in enumerate(picks):
        cell = np.arange(sizes[d]).reshape([-1 if e == d else 1 for e in range(dims)])
        flat = flat * in_sizes[d] + p[cell, offsets[d]]
    return out, Tensor._from_op(np.asarray(flat).astype(np.int64), None)


def adaptive_max_pool1d(input: Any, output_size: Any, return_indices: bool = False) -> Any:
    """The maximum over each of output_size cells of the last dim, as torch.nn.functional.adaptive_max_pool1d."""
    return _adaptive_max_pool(1, input, output_size, return_indices)


def adaptive_max_pool2d(input: Any, output_size: Any, return_indices: bool = False) -> Any:
    """The maximum over each of output_size cells, as torch.nn.functional.adaptive_max_pool2d; with
    return_indices, also where each came from, flat in its input plane (y * W + x).

    Example:
        >>> F.adaptive_max_pool2d(tg.arange(5.0).reshape(1, 1, 1, 5), (1, 2))
        tensor([[[[2., 4.]]]], dtype=float32)
    """
    return _adaptive_max_pool(2, input, output_size, return_indices)


def adaptive_max_pool3d(input: Any, output_size: Any, return_indices: bool = False) -> Any:
    """The maximum over each of output_size (D, H, W) cells, as torch.nn.functional.adaptive_max_pool3d.

    Example:
        >>> F.adaptive_max_pool3d(tg.arange(8.0).reshape(1, 1, 2, 2, 2), (1, 1, 2))
        tensor([[[[[6., 7.]]]]], dtype=float32)
    """
    return _adaptive_max_pool(3, input, output_size, return_indices)


class AdaptiveAvgPool2d(Module):
    """nn.AdaptiveAvgPool2d(output_size): adaptive_avg_pool2d with its size kept (no parameters); 1d and 3d are
    this with their number of dims.

    Example:
        >>> nn.AdaptiveAvgPool2d((3, None))(tg.zeros(2, 4, 7, 5)).shape
        (2, 4, 3, 5)
    """

    def __init__(self, output_size: Any) -> None:
        super().__init__()
        self.output_size = output_size

    dims = 2

    def forward(self, input: Any) -> Tensor:
        return _adaptive_avg_pool(self.dims, input, self.output_size)

    def extra_repr(self) -> str:
        return f"output_size={self.output_size}"


class AdaptiveAvgPool1d(AdaptiveAvgPool2d):
    """nn.AdaptiveAvgPool1d(output_size): adaptive_avg_pool1d with its size kept."""

    dims = 1


class AdaptiveAvgPool3d(AdaptiveAvgPool2d):
    """nn.AdaptiveAvgPool3d(output_size): adaptive_avg_pool3d with its size kept.

    Example:
        >>> nn.AdaptiveAvgPool3d((1, None, 2))(tg.zeros(2, 3, 5, 6, 7)).shape
        (2, 3, 1, 6, 2)
    """

    dims = 3


class AdaptiveMaxPool2d(Module):
    """nn.AdaptiveMaxPool2d(output_size, return_indices=False): adaptive_max_pool2d with its arguments kept; 1d and
    3d are this with their number of dims."""

    dims = 2

    def __init__(self, output_size: Any, return_indices: bool = False) -> None:
        super().__init__()
        self.output_size, self.return_indices = output_size, return_indices

    def forward(self, input: Any) -> Any:
        return _adaptive_max_pool(self.dims, input, self.output_size, self.return_indices)

    def extra_repr(self) -> str:
        return f"output_size={self.output_size}"


class AdaptiveMaxPool1d(AdaptiveMaxPool2d):
    """nn.AdaptiveMaxPool1d(output_size, return_indices=False): adaptive_max_pool1d with its arguments kept."""

    dims = 1


class AdaptiveMaxPool3d(AdaptiveMaxPool2d):
    """nn.AdaptiveMaxPool3d(output_size, return_indices=False): adaptive_max_pool3d with its arguments kept."""

    dims = 3
