"""Convolution and pooling layers and their nn.functional forms: Conv1d/2d/3d, MaxPool1d/2d/3d, AvgPool1d/2d/3d
(the transposed convolutions are in conv_transpose.py, the adaptive pools in adaptive_pool.py).

Each is one N-d op of ops/conv.py (Conv, MaxPool, AvgPool) told its number of spatial dims: the 1-, 2- and 3-d
functions and classes differ only in that number.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from tinygrad_edu.dtypes import DTypeLike, dtype_or_default
from tinygrad_edu.errors import ArgumentError, ShapeError
from tinygrad_edu.nn import functional as F
from tinygrad_edu.nn import init
from tinygrad_edu.nn.module import Module, Parameter
from tinygrad_edu.nn.padding import pad
from tinygrad_edu.ops.conv import AvgPool as AvgPoolOp
from tinygrad_edu.ops.conv import Conv as ConvOp
from tinygrad_edu.ops.conv import MaxPool as MaxPoolOp
from tinygrad_edu.tensor import Tensor

__all__ = [
    "Conv1d",
    "Conv2d",
    "Conv3d",
    "MaxPool1d",
    "MaxPool2d",
    "MaxPool3d",
    "AvgPool1d",
    "AvgPool2d",
    "AvgPool3d",
    "conv1d",
    "conv2d",
    "conv3d",
    "max_pool1d",
    "max_pool2d",
    "max_pool3d",
    "avg_pool1d",
    "avg_pool2d",
    "avg_pool3d",
]

IntOrTuple = int | tuple[int, ...]
PADDING_MODES = ("zeros", "reflect", "replicate", "circular")


def _ntuple(name: str, value: Any, dims: int) -> tuple[int, ...]:
    """An option as PyTorch takes it, one number for every spatial dim or one per dim, as a dims-tuple."""
    if isinstance(value, (int, np.integer)):
        return (int(value),) * dims
    if isinstance(value, str):  # ('same' and 'valid' are handled before, where a convolution takes them)
        raise TypeError(f"{name}: this option must be numbers, not {value!r}")
    values = tuple(int(v) for v in value)
    if len(values) != dims:
        raise ArgumentError(f"{name}: a {dims}-d option takes one number or a {dims}-tuple, got {value!r}")
    return values


def _as_tensor(x: Any) -> Tensor:
    return x if isinstance(x, Tensor) else Tensor(x)


def _check_rank(name: str, x: Tensor, rank: int) -> None:
    if x.ndim != rank:
        sizes = {3: "L", 4: "H, W", 5: "D, H, W"}[rank]
        raise ShapeError(
            f"{name}: expected a {rank - 1}-d (unbatched) or {rank}-d input ([batch,] channels, {sizes}), "
            f"got shape {tuple(x.shape)}"
        )


def _batched(name: str, x: Tensor, dims: int) -> tuple[Tensor, bool]:
    """(x with a batch dim, whether it had none): PyTorch takes an unbatched (channels, *spatial) input too,
    computes it as a batch of one and returns the result without the batch dim."""
    if x.ndim == dims + 1:
        return x.unsqueeze(0), True
    _check_rank(name, x, dims + 2)
    return x, False


def _unbatched(out: Any, unbatched: bool) -> Any:
    """The batch dim _batched added, dropped again (from each result: return_indices gives two)."""
    if not unbatched:
        return out
    return tuple(o.squeeze(0) for o in out) if isinstance(out, tuple) else out.squeeze(0)


def _conv(
    dims: int,
    input: Any,
    weight: Tensor,
    bias: Tensor | None,
    stride: Any,
    padding: Any,
    dilation: Any,
    groups: int,
) -> Tensor:
    """The convolution in `dims` spatial dims: what conv1d, conv2d and conv3d are."""
    name = f"conv{dims}d"
    x, unbatched = _batched(name, _as_tensor(input), dims)
    F._check_layer_dtypes(name, x, weight=weight, bias=bias)
    return _unbatched(_conv_batched(name, dims, x, weight, bias, stride, padding, dilation, groups), unbatched)


def _conv_batched(
    name: str,
    dims: int,
    x: Tensor,
    weight: Tensor,
    bias: Tensor | None,
    stride: Any,
    padding: Any,
    dilation: Any,
    groups: int,
) -> Tensor:
    stride, dilation = _ntuple(name, stride, dims), _ntuple(name, dilation, dims)
    biases = () if bias is None else (bias,)
    if padding == "valid":
        padding = 0
    if padding != "same":
        pads = _ntuple(name, padding, dims)
        return ConvOp.apply(x, weight, *biases, stride=stride, padding=pads, dilation=dilation, groups=groups)
    if any(s != 1 for s in stride):
        raise ArgumentError(f"{name}: padding='same' is not supported for strided convolutions (as in PyTorch)")
    # PyTorch pads d (k - 1) in all, the odd one on the far side; we pad the larger half on both sides
    # and drop the one extra output at the start, which gives the same numbers.
    total = [d * (k - 1) for d, k in zip(dilation, weight.shape[2:])]
    pads = tuple(t - t // 2 for t in total)
    out = ConvOp.apply(x, weight, *biases, stride=stride, padding=pads, dilation=dilation, groups=groups)
    skip = [t % 2 for t in total]
    return out[(slice(None), slice(None)) + tuple(slice(s, None) for s in skip)] if any(skip) else out


def conv1d(
    input: Any,
    weight: Tensor,
    bias: Tensor | None = None,
    stride: IntOrTuple = 1,
    padding: IntOrTuple | str = 0,
    dilation: IntOrTuple = 1,
    groups: int = 1,
) -> Tensor:
    """1-d cross-correlation, as torch.nn.functional.conv1d; padding may be numbers, "valid" or "same".

    Example:
        >>> F.conv1d(tg.tensor([[[1.0, 2.0, 3.0]]]), tg.tensor([[[1.0, 10.0]]]))   # 1 + 20, 2 + 30
        tensor([[[21., 32.]]], dtype=float32)
    """
    return _conv(1, input, weight, bias, stride, padding, dilation, groups)


def conv2d(
    input: Any,
    weight: Tensor,
    bias: Tensor | None = None,
    stride: IntOrTuple = 1,
    padding: IntOrTuple | str = 0,
    dilation: IntOrTuple = 1,
    groups: int = 1,
) -> Tensor:
    """2-d cross-correlation, as torch.nn.functional.conv2d; padding may be an int, a pair, "valid" or "same".

    Example:
        >>> F.conv2d(tg.ones(1, 1, 4, 4), tg.ones(2, 1, 3, 3), padding="same").shape
        (1, 2, 4, 4)
    """
    return _conv(2, input, weight, bias, stride, padding, dilation, groups)


def conv3d(
    input: Any,
    weight: Tensor,
    bias: Tensor | None = None,
    stride: IntOrTuple = 1,
    padding: IntOrTuple | str = 0,
    dilation: IntOrTuple = 1,
    groups: int = 1,
) -> Tensor:
    """3-d cross-correlation over (D, H, W), as torch.nn.functional.conv3d.

    Example:
        >>> F.conv3d(tg.ones(1, 1, 4, 4, 4), tg.ones(2, 1, 3, 3, 3), padding=1).shape
        (1, 2, 4, 4, 4)
    """
    return _conv(3, input, weight, bias, stride, padding, dilation, groups)


def _max_pool(
    dims: int,
    input: Any,
    kernel_size: Any,
    stride: Any,
    padding: Any,
    dilation: Any,
    ceil_mode: bool,
    return_indices: bool,
) -> Any:
    """Max pooling in `dims` spatial dims: what max_pool1d, max_pool2d and max_pool3d are."""
    name = f"max_pool{dims}d"
    x, unbatched = _batched(name, _as_tensor(input), dims)
    kernel = _ntuple(name, kernel_size, dims)
    options = dict(
        kernel_size=kernel,
        stride=kernel if stride is None or stride == [] else _ntuple(name, stride, dims),
        padding=_ntuple(name, padding, dims),
        dilation=_ntuple(name, dilation, dims),
        ceil_mode=ceil_mode,
    )
    out = MaxPoolOp.apply(x, **options)
    if not return_indices:
        return _unbatched(out, unbatched)
    pool = MaxPoolOp()  # the indices are not differentiable: the op's forward again, kept out of the graph
    pool.forward(x.data, **options)
    return _unbatched((out, Tensor._from_op(pool.indices(), None)), unbatched)


def max_pool1d(
    input: Any,
    kernel_size: IntOrTuple,
    stride: IntOrTuple | None = None,
    padding: IntOrTuple = 0,
    dilation: IntOrTuple = 1,
    ceil_mode: bool = False,
    return_indices: bool = False,
) -> Any:
    """The maximum of each window, as torch.nn.functional.max_pool1d (stride defaults to kernel_size)."""
    return _max_pool(1, input, kernel_size, stride, padding, dilation, ceil_mode, return_indices)


def max_pool2d(
    input: Any,
    kernel_size: IntOrTuple,
    stride: IntOrTuple | None = None,
    padding: IntOrTuple = 0,
    dilation: IntOrTuple = 1,
    ceil_mode: bool = False,
    return_indices: bool = False,
) -> Any:
    """The maximum of each window, as torch.nn.functional.max_pool2d (stride defaults to kernel_size)."""
    return _max_pool(2, input, kernel_size, stride, padding, dilation, ceil_mode, return_indices)


def max_pool3d(
    input: Any,
    kernel_size: IntOrTuple,
    stride: IntOrTuple | None = None,
    padding: IntOrTuple = 0,
    dilation: IntOrTuple = 1,
    ceil_mode: bool = False,
    return_indices: bool = False,
) -> Any:
    """The maximum of each window, as torch.nn.functional.max_pool3d (stride defaults to kernel_size).

    Example:
        >>> F.max_pool3d(tg.arange(8.0).reshape(1, 1, 2, 2, 2), 2)
        tensor([[[[[7.]]]]], dtype=float32)
    """
    return _max_pool(3, input, kernel_size, stride, padding, dilation, ceil_mode, return_indices)


def _avg_pool(
    dims: int,
    input: Any,
    kernel_size: Any,
    stride: Any,
    padding: Any,
    ceil_mode: bool,
    count_include_pad: bool,
    divisor_override: int | None = None,
) -> Tensor:
    """Average pooling in `dims` spatial dims: what avg_pool1d, avg_pool2d and avg_pool3d are."""
    name = f"avg_pool{dims}d"
    x, unbatched = _batched(name, _as_tensor(input), dims)
    kernel = _ntuple(name, kernel_size, dims)
    if dims == 3 and any(n < k for n, k in zip(x.shape[2:], kernel)):
        # (PyTorch's avg_pool3d, unlike 1d and 2d, refuses this even where the padding would make room)
        raise ShapeError(
            f"{name}: input sizes {tuple(x.shape[2:])} are smaller than the kernel {kernel} (PyTorch requires "
            "each to be at least the kernel size, padding aside)"
        )
    out = AvgPoolOp.apply(
        x,
        kernel_size=kernel,
        stride=kernel if stride is None or stride == [] else _ntuple(name, stride, dims),
        padding=_ntuple(name, padding, dims),
        ceil_mode=ceil_mode,
        count_include_pad=count_include_pad,
        divisor_override=divisor_override,
    )
    return _unbatched(out, unbatched)


def avg_pool1d(
    input: Any,
    kernel_size: IntOrTuple,
    stride: IntOrTuple | None = None,
    padding: IntOrTuple = 0,
    ceil_mode: bool = False,
    count_include_pad: bool = True,
) -> Tensor:
    """The mean of each window, as torch.nn.functional.avg_pool1d (stride defaults to kernel_size)."""
    return _avg_pool(1, input, kernel_size, stride, padding, ceil_mode, count_include_pad)


def avg_pool2d(
    input: Any,
    kernel_size: IntOrTuple,
    stride: IntOrTuple | None = None,
    padding: IntOrTuple = 0,
    ceil_mode: bool = False,
    count_include_pad: bool = True,
    divisor_override: int | None = None,
) -> Tensor:
    """The mean of each window, as torch.nn.functional.avg_pool2d (stride defaults to kernel_size)."""
    return _avg_pool(2, input, kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override)


def avg_pool3d(
    input: Any,
    kernel_size: IntOrTuple,
    stride: IntOrTuple | None = None,
    padding: IntOrTuple = 0,
    ceil_mode: bool = False,
    count_include_pad: bool = True,
    divisor_override: int | None = None,
) -> Tensor:
    """The mean of each window, as torch.nn.functional.avg_pool3d (stride defaults to kernel_size).

    Example:
        >>> F.avg_pool3d(tg.arange(8.0).reshape(1, 1, 2, 2, 2), 2)
        tensor([[[[[3.5]]]]], dtype=float32)
    """
    return _avg_pool(3, input, kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override)


class _ConvNd(Module):
    """What Conv1d, Conv2d and Conv3d share: PyTorch's arguments (each option one number, or one per spatial dim,
    kept as a tuple), parameters, initialisation and forward. A subclass names its number of spatial dims."""

    dims: int  # spatial dims: 1, 2 or 3

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: IntOrTuple,
        stride: IntOrTuple = 1,
        padding: IntOrTuple | str = 0,
        dilation: IntOrTuple = 1,
        groups: int = 1,
        bias: bool = True,
        padding_mode: str = "zeros",
        device: Any = None,
        dtype: DTypeLike = None,
    ) -> None:
        self._init(in_channels, out_channels, kernel_size, stride, padding, dilation, groups, bias, padding_mode, dtype)

    def _init(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: Any,
        stride: Any,
        padding: Any,
        dilation: Any,
        groups: int,
        bias: bool,
        padding_mode: str,
        dtype: DTypeLike,
        transposed: bool = False,
    ) -> None:
        super().__init__()
        name = type(self).__name__
        if in_channels % groups or out_channels % groups:
            raise ValueError(
                f"{name}: in_channels ({in_channels}) and out_channels ({out_channels}) "
                f"must both be divisible by groups ({groups})"
            )
        if padding_mode not in PADDING_MODES or (transposed and padding_mode != "zeros"):
            allowed = "'zeros'" if transposed else ", ".join(map(repr, PADDING_MODES))
            raise ValueError(f"{name}: padding_mode must be one of {allowed}, got {padding_mode!r}")
        if isinstance(padding, str) and padding not in ("same", "valid"):
            raise ValueError(f"{name}: padding must be 'same', 'valid' or numbers, not {padding!r}")
        if padding == "same" and any(s != 1 for s in _ntuple(name, stride, self.dims)):
            # (checked here, as PyTorch does, since a padding_mode other than 'zeros' never reaches _conv's check)
            raise ValueError(f"{name}: padding='same' is not supported for strided convolutions (stride={stride})")
        dtype = dtype_or_default(dtype)
        self.in_channels, self.out_channels = in_channels, out_channels
        self.kernel_size = _ntuple(name, kernel_size, self.dims)
        self.stride, self.dilation = _ntuple(name, stride, self.dims), _ntuple(name, dilation, self.dims)
        self.padding = padding if isinstance(padding, str) else _ntuple(name, padding, self.dims)
        self.groups, self.padding_mode = groups, padding_mode
        # a transposed convolution maps out -> in in the forward convolution's terms: (in, out/groups, k...)
        shape = (in_channels, out_channels // groups) if transposed else (out_channels, in_channels // groups)
        self.weight = Parameter(Tensor._from_op(np.empty((*shape, *self.kernel_size), dtype=dtype), None))
        if bias:
            self.bias = Parameter(Tensor._from_op(np.empty((out_channels,), dtype=dtype), None))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """PyTorch's draw: kaiming_uniform_(a=sqrt(5)) for the weight, the bias uniform in +-1/sqrt(fan_in)."""
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            fan_in = self.weight.shape[1] * int(np.prod(self.kernel_size))
            bound = 1 / math.sqrt(fan_in) if fan_in > 0 else 0.0
            init.uniform_(self.bias, -bound, bound)

    def extra_repr(self) -> str:
        text = f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, stride={self.stride}"
        if self.padding != (0,) * self.dims:
            text += f", padding={self.padding}"
        if self.dilation != (1,) * self.dims:
            text += f", dilation={self.dilation}"
        text += self._output_padding_repr()
        if self.groups != 1:
            text += f", groups={self.groups}"
        if self.bias is None:
            text += ", bias=False"
        return text + (f", padding_mode={self.padding_mode}" if self.padding_mode != "zeros" else "")

    def _output_padding_repr(self) -> str:
        return ""  # (the transposed convolutions show their output_padding here)

    def _padded(self, input: Any) -> tuple[Any, Any]:
        """(input, padding to give the convolution). With a padding_mode other than 'zeros', as PyTorch: the input
        padded by F.pad in that mode ('same' puts the odd one on the far side) and no further padding."""
        if self.padding_mode == "zeros" or self.padding == "valid":
            return input, self.padding
        pads: list[int] = []
        for i in reversed(range(self.dims)):  # F.pad takes the last dim first
            if self.padding == "same":
                total = self.dilation[i] * (self.kernel_size[i] - 1)
                pads += [total // 2, total - total // 2]
            elif not isinstance(self.padding, str):  # ('valid': none)
                pads += [self.padding[i], self.padding[i]]
        return pad(_as_tensor(input), pads, mode=self.padding_mode), 0

    def forward(self, input: Any) -> Tensor:
        input, padding = self._padded(input)
        return _conv(self.dims, input, self.weight, self.bias, self.stride, padding, self.dilation, self.groups)


class Conv1d(_ConvNd):
    """A 1-d convolution layer with PyTorch's arguments; weight (out, in/groups, k), bias (out,).

    Example:
        >>> nn.Conv1d(3, 8, 5, padding="same")(tg.zeros(2, 3, 10)).shape
        (2, 8, 10)
    """

    dims = 1


class Conv2d(_ConvNd):
    """A 2-d convolution layer with PyTorch's arguments; weight (out, in/groups, kh, kw), bias (out,).

    Example:
        >>> nn.Conv2d(1, 6, 5)(tg.zeros(2, 1, 28, 28)).shape
        (2, 6, 24, 24)
    """

    dims = 2


class Conv3d(_ConvNd):
    """A 3-d convolution layer with PyTorch's arguments; weight (out, in/groups, kd, kh, kw), bias (out,).

    Example:
        >>> nn.Conv3d(2, 4, 3, stride=2)(tg.zeros(1, 2, 9, 9, 9)).shape
        (1, 4, 4, 4, 4)
    """

    dims = 3


class _MaxPoolNd(Module):
    """nn.MaxPool1d/2d/3d: max pooling with its arguments kept (no parameters)."""

    dims: int

    def __init__(
        self,
        kernel_size: IntOrTuple,
        stride: IntOrTuple | None = None,
        padding: IntOrTuple = 0,
        dilation: IntOrTuple = 1,
        return_indices: bool = False,
        ceil_mode: bool = False,
    ) -> None:
        super().__init__()
        self.kernel_size, self.stride, self.padding, self.dilation = (
            kernel_size,
            stride or kernel_size,
            padding,
            dilation,
        )
        self.return_indices, self.ceil_mode = return_indices, ceil_mode

    def forward(self, input: Any) -> Any:
        return _max_pool(
            self.dims,
            input,
            self.kernel_size,
            self.stride,
            self.padding,
            self.dilation,
            self.ceil_mode,
            self.return_indices,
        )


class MaxPool1d(_MaxPoolNd):
    """nn.MaxPool1d: max_pool1d with its arguments kept."""

    dims = 1


class MaxPool2d(_MaxPoolNd):
    """nn.MaxPool2d: max_pool2d with its arguments kept."""

    dims = 2


class MaxPool3d(_MaxPoolNd):
    """nn.MaxPool3d: max_pool3d with its arguments kept.

    Example:
        >>> nn.MaxPool3d(2)(tg.zeros(1, 3, 4, 6, 8)).shape
        (1, 3, 2, 3, 4)
    """

    dims = 3


class _AvgPoolNd(Module):
    """nn.AvgPool1d/2d/3d: average pooling with its arguments kept (no parameters)."""

    dims: int

    def __init__(
        self,
        kernel_size: IntOrTuple,
        stride: IntOrTuple | None = None,
        padding: IntOrTuple = 0,
        ceil_mode: bool = False,
        count_include_pad: bool = True,
        divisor_override: int | None = None,
    ) -> None:
        super().__init__()
        self.kernel_size, self.stride, self.padding = kernel_size, stride or kernel_size, padding
        self.ceil_mode, self.count_include_pad = ceil_mode, count_include_pad
        self.divisor_override = divisor_override

    def forward(self, input: Any) -> Tensor:
        return _avg_pool(
            self.dims,
            input,
            self.kernel_size,
            self.stride,
            self.padding,
            self.ceil_mode,
            self.count_include_pad,
            self.divisor_override,
        )


class AvgPool1d(_AvgPoolNd):
    """nn.AvgPool1d: avg_pool1d with its arguments kept (no divisor_override, as in PyTorch)."""

    dims = 1

    def __init__(
        self,
        kernel_size: IntOrTuple,
        stride: IntOrTuple | None = None,
        padding: IntOrTuple = 0,
        ceil_mode: bool = False,
        count_include_pad: bool = True,
    ) -> None:
        super().__init__(kernel_size, stride, padding, ceil_mode, count_include_pad)


class AvgPool2d(_AvgPoolNd):
    """nn.AvgPool2d: avg_pool2d with its arguments kept."""

    dims = 2


class AvgPool3d(_AvgPoolNd):
    """nn.AvgPool3d: avg_pool3d with its arguments kept.

    Example:
        >>> nn.AvgPool3d(2, stride=1)(tg.zeros(1, 3, 4, 6, 8)).shape
        (1, 3, 3, 5, 7)
    """

    dims = 3
