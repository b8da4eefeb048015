"""More pooling: max pooling that returns its indices (F.max_pool1d/2d_with_indices), its partial inverse
max unpooling (F.max_unpool1d/2d, nn.MaxUnpool1d/2d), and power-average pooling (F.lp_pool1d/2d, nn.LPPool1d/2d).

max_unpool writes each value at its index into a zero image (`scatter`, whose gradient is the gather back);
lp_pool is (sum over the window of x^p)^(1/p), an average pool of x^p times the window size, as PyTorch's.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from tinygrad_edu.errors import ShapeError
from tinygrad_edu.nn.conv import _ntuple, avg_pool1d, avg_pool2d, max_pool1d, max_pool2d
from tinygrad_edu.nn.module import Module
from tinygrad_edu.tensor import Tensor, _operand_tensor

__all__ = [
    "max_pool1d_with_indices",
    "max_pool2d_with_indices",
    "max_unpool1d",
    "max_unpool2d",
    "lp_pool1d",
    "lp_pool2d",
    "MaxUnpool1d",
    "MaxUnpool2d",
    "LPPool1d",
    "LPPool2d",
]


def max_pool1d_with_indices(
    input: Any,
    kernel_size: Any,
    stride: Any = None,
    padding: Any = 0,
    dilation: Any = 1,
    ceil_mode: bool = False,
    return_indices: bool = False,
) -> Any:
    """(values, indices) of max_pool1d: F.max_pool1d with return_indices=True (the argument is ignored, as torch's)."""
    return max_pool1d(input, kernel_size, stride, padding, dilation, ceil_mode, True)


def max_pool2d_with_indices(
    input: Any,
    kernel_size: Any,
    stride: Any = None,
    padding: Any = 0,
    dilation: Any = 1,
    ceil_mode: bool = False,
    return_indices: bool = False,
) -> Any:
    """(values, indices) of max_pool2d: F.max_pool2d with return_indices=True (the argument is ignored, as torch's).

    Example:
        >>> values, indices = F.max_pool2d_with_indices(tg.tensor([[[[1.0, 4.0], [3.0, 2.0]]]]), 2)
        >>> indices.flatten().tolist()      # the flat position of 4 in the 2 x 2 image
        [1]
    """
    return max_pool2d(input, kernel_size, stride, padding, dilation, ceil_mode, True)


def _max_unpool(
    dims: int, input: Any, indices: Any, kernel_size: Any, stride: Any, padding: Any, output_size: Any
) -> Tensor:
    name = f"max_unpool{dims}d"
    x = _operand_tensor(input)
    idx = indices.data if isinstance(indices, Tensor) else np.asarray(indices)
    if x.ndim not in (dims + 1, dims + 2):
        raise ShapeError(f"{name}: expected a {dims + 1}D or {dims + 2}D input, got shape {tuple(x.shape)}")
    if idx.shape != tuple(x.shape):
        raise ShapeError(f"{name}: indices of shape {idx.shape} must have the input's shape {tuple(x.shape)}")
    kernel = _ntuple(name, kernel_size, dims)
    steps = kernel if stride is None else _ntuple(name, stride, dims)
    pads = _ntuple(name, padding, dims)
    spatial_in = x.shape[x.ndim - dims :]
    if output_size is None:
        spatial = tuple((spatial_in[d] - 1) * steps[d] - 2 * pads[d] + kernel[d] for d in range(dims))
    else:
        spatial = tuple(int(s) for s in output_size)[-dims:]
        if len(tuple(output_size)) not in (dims, x.ndim):
            raise ShapeError(f"{name}: output_size must have {dims} or {x.ndim} elements, got {tuple(output_size)}")
    leading = tuple(x.shape[: x.ndim - dims])
    total = int(np.prod(spatial))
    if idx.size and (idx.min() < 0 or idx.max() >= total):
        raise ShapeError(f"{name}: Found an invalid max index: {int(idx.max())} (output volumes are of size {total})")
    flat_x = x.reshape(*leading, -1)
    canvas = Tensor._from_op(np.zeros_like(x.data, shape=leading + (total,)), None)  # (traced under tg.compile)
    out = canvas.scatter(len(leading), idx.reshape(*leading, -1).astype(np.int64), flat_x)
    return out.reshape(*leading, *spatial)


def max_unpool1d(
    input: Any, indices: Any, kernel_size: Any, stride: Any = None, padding: Any = 0, output_size: Any = None
) -> Tensor:
    """Each value of a max_pool1d output put back at the position its index names, zeros elsewhere."""
    return _max_unpool(1, input, indices, kernel_size, stride, padding, output_size)


def max_unpool2d(
    input: Any, indices: Any, kernel_size: Any, stride: Any = None, padding: Any = 0, output_size: Any = None
) -> Tensor:
    """Each value of a max_pool2d output put back at the position its index names, zeros elsewhere.

    Example:
        >>> values, indices = F.max_pool2d(tg.tensor([[[[1.0, 4.0], [3.0, 2.0]]]]), 2, return_indices=True)
        >>> F.max_unpool2d(values, indices, 2)
        tensor([[[[0., 4.],
                  [0., 0.]]]], dtype=float32)
    """
    return _max_unpool(2, input, indices, kernel_size, stride, padding, output_size)


def lp_pool1d(input: Any, norm_type: float, kernel_size: int, stride: Any = None, ceil_mode: bool = False) -> Tensor:
    """(sum of x^p over each window)^(1/p), as `torch.nn.functional.lp_pool1d` (p = norm_type).

    Example:
        >>> F.lp_pool1d(tg.tensor([[3.0, 4.0]]), 2, 2)
        tensor([[5.]], dtype=float32)
    """
    x = _operand_tensor(input)
    out = avg_pool1d(x**norm_type, kernel_size, stride, 0, ceil_mode)
    return (out * _ntuple("lp_pool1d", kernel_size, 1)[0]) ** (1.0 / norm_type)


def lp_pool2d(input: Any, norm_type: float, kernel_size: Any, stride: Any = None, ceil_mode: bool = False) -> Tensor:
    """(sum of x^p over each window)^(1/p), as `torch.nn.functional.lp_pool2d` (p = norm_type)."""
    x = _operand_tensor(input)
    kh, kw = _ntuple("lp_pool2d", kernel_size, 2)
    out = avg_pool2d(x**norm_type, kernel_size, stride, 0, ceil_mode)
    return (out * (kh * kw)) ** (1.0 / norm_type)


class _MaxUnpoolNd(Module):
    dims = 1

    def __init__(self, kernel_size: Any, stride: Any = None, padding: Any = 0) -> None:
        super().__init__()
        name = type(self).__name__
        self.kernel_size = _ntuple(name, kernel_size, self.dims)
        self.stride = _ntuple(name, stride if stride is not None else kernel_size, self.dims)
        self.padding = _ntuple(name, padding, self.dims)

    def forward(self, input: Tensor, indices: Tensor, output_size: Any = None) -> Tensor:
        return _max_unpool(self.dims, input, indices, self.kernel_size, self.stride, self.padding, output_size)

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class MaxUnpool1d(_MaxUnpoolNd):
    """The partial inverse of MaxPool1d (return_indices=True). Example: `nn.MaxUnpool1d(2)(values, indices)`."""


class MaxUnpool2d(_MaxUnpoolNd):
    """The partial inverse of MaxPool2d (return_indices=True).

    Example:
        >>> nn.MaxUnpool2d(2)
        MaxUnpool2d(kernel_size=(2, 2), stride=(2, 2), padding=(0, 0))
    """

    dims = 2


class _LPPoolNd(Module):
    def __init__(self, norm_type: float, kernel_size: Any, stride: Any = None, ceil_mode: bool = False) -> None:
        super().__init__()
        self.norm_type = norm_type
        self.kernel_size = kernel_size
        self.stride = stride
        self.ceil_mode = ceil_mode

    def extra_repr(self) -> str:
        return (
            f"norm_type={self.norm_type}, kernel_size={self.kernel_size}, stride={self.stride}, "
            f"ceil_mode={self.ceil_mode}"
        )


class LPPool1d(_LPPoolNd):
    """Power-average pooling over windows of the last dim. See `F.lp_pool1d`. Example: `nn.LPPool1d(2, 3)(x)`."""

    def forward(self, input: Tensor) -> Tensor:
        return lp_pool1d(input, float(self.norm_type), self.kernel_size, self.stride, self.ceil_mode)


class LPPool2d(_LPPoolNd):
    """Power-average pooling over windows of the last 2 dims. See `F.lp_pool2d`. Example: `nn.LPPool2d(2, 3)(x)`."""

    def forward(self, input: Tensor) -> Tensor:
        return lp_pool2d(input, float(self.norm_type), self.kernel_size, self.stride, self.ceil_mode)
