"""Convolution and pooling layers and their nn.functional forms: Conv1d/2d, MaxPool1d/2d, AvgPool1d/2d
(the transposed convolutions are in conv_transpose.py, the adaptive pools in adaptive_pool.py).

Each 1-d form is the 2-d op on an input of height 1: (N, C, L) -> (N, C, 1, L) and back.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from tinygrad_edu.dtypes import DTypeLike
from tinygrad_edu.errors import ArgumentError, ShapeError
from tinygrad_edu.nn import init
from tinygrad_edu.nn.module import Module, Parameter
from tinygrad_edu.nn.padding import pad
from tinygrad_edu.ops.conv import AvgPool2d as AvgPool2dOp
from tinygrad_edu.ops.conv import Conv2d as Conv2dOp
from tinygrad_edu.ops.conv import MaxPool2d as MaxPool2dOp
from tinygrad_edu.tensor import Tensor

__all__ = [
    "Conv1d",
    "Conv2d",
    "MaxPool1d",
    "MaxPool2d",
    "AvgPool1d",
    "AvgPool2d",
    "conv1d",
    "conv2d",
    "max_pool1d",
    "max_pool2d",
    "avg_pool1d",
    "avg_pool2d",
]

IntOrPair = int | tuple[int, int]
PADDING_MODES = ("zeros", "reflect", "replicate", "circular")


def _pair(value: Any) -> tuple[int, int]:
    return (value, value) if isinstance(value, int) else (int(value[0]), int(value[1]))


def _as_tensor(x: Any) -> Tensor:
    return x if isinstance(x, Tensor) else Tensor(x)


def _check_rank(name: str, x: Tensor, rank: int) -> None:
    if x.ndim != rank:
        raise ShapeError(
            f"{name}: expected a {rank}-d input (batch, channels, {'H, W' if rank == 4 else 'L'}), "
            f"got shape {tuple(x.shape)}; add a batch dimension with x.unsqueeze(0)"
        )


def conv2d(
    input: Any,
    weight: Tensor,
    bias: Tensor | None = None,
    stride: IntOrPair = 1,
    padding: IntOrPair | str = 0,
    dilation: IntOrPair = 1,
    groups: int = 1,
) -> Tensor:
    """2-d cross-correlation, as torch.nn.functional.conv2d; padding may be an int, a pair, "valid" or "same".

    Example:
        >>> F.conv2d(tg.ones(1, 1, 4, 4), tg.ones(2, 1, 3, 3), padding="same").shape
        (1, 2, 4, 4)
    """
    x = _as_tensor(input)
    _check_rank("conv2d", x, 4)
    stride, dilation = _pair(stride), _pair(dilation)
    if padding == "valid":
        padding = 0
    if padding != "same":
        return Conv2dOp.apply(
            x,
            weight,
            *(() if bias is None else (bias,)),
            stride=stride,
            padding=_pair(padding),
            dilation=dilation,
            groups=groups,
        )
    if stride != (1, 1):
        raise ValueError("conv2d: padding='same' is not supported for strided convolutions (as in PyTorch)")
    # PyTorch pads d (k - 1) in all, the odd one on the far side; we pad the larger half on both sides
    # and drop the one extra output at the start, which gives the same numbers.
    total = [d * (k - 1) for d, k in zip(dilation, weight.shape[2:])]
    pad = tuple(t - t // 2 for t in total)
    out = Conv2dOp.apply(
        x, weight, *(() if bias is None else (bias,)), stride=stride, padding=pad, dilation=dilation, groups=groups
    )
    skip_h, skip_w = (t % 2 for t in total)
    return out[:, :, skip_h:, skip_w:] if skip_h or skip_w else out


def _one(name: str, value: Any) -> Any:
    """A 1-d option as PyTorch takes it, k or (k,), as the int k (a string such as "same" stays)."""
    if isinstance(value, (int, str)) or value is None:
        return value
    if len(value) != 1:
        raise ArgumentError(f"{name}: a 1-d option takes one number or a 1-tuple, got {value!r}")
    return value[0]


def conv1d(
    input: Any,
    weight: Tensor,
    bias: Tensor | None = None,
    stride: int = 1,
    padding: int | str = 0,
    dilation: int = 1,
    groups: int = 1,
) -> Tensor:
    """1-d cross-correlation, as torch.nn.functional.conv1d: conv2d at height 1."""
    x = _as_tensor(input)
    _check_rank("conv1d", x, 3)
    padding = _one("conv1d", padding)
    out = conv2d(
        x.unsqueeze(2),
        weight.unsqueeze(2),
        bias,
        (1, _one("conv1d", stride)),
        padding if isinstance(padding, str) else (0, padding),
        (1, _one("conv1d", dilation)),
        groups,
    )
    return out.squeeze(2)


def _pool_options(kernel_size: Any, stride: Any, padding: Any) -> tuple:
    kernel = _pair(kernel_size)
    return kernel, kernel if stride is None or stride == [] else _pair(stride), _pair(padding)


def max_pool2d(
    input: Any,
    kernel_size: IntOrPair,
    stride: IntOrPair | None = None,
    padding: IntOrPair = 0,
    dilation: IntOrPair = 1,
    ceil_mode: bool = False,
    return_indices: bool = False,
) -> Any:
    """The maximum of each window, as torch.nn.functional.max_pool2d (stride defaults to kernel_size)."""
    x = _as_tensor(input)
    _check_rank("max_pool2d", x, 4)
    kernel, stride, padding = _pool_options(kernel_size, stride, padding)
    options = dict(kernel_size=kernel, stride=stride, padding=padding, dilation=_pair(dilation), ceil_mode=ceil_mode)
    out = MaxPool2dOp.apply(x, **options)
    if not return_indices:
        return out
    pool = MaxPool2dOp()  # the indices are not differentiable: the op's forward again, kept out of the graph
    pool.forward(x.data, **options)
    return out, Tensor._from_op(pool.indices(), None)


def max_pool1d(
    input: Any,
    kernel_size: int | tuple[int, ...],
    stride: int | tuple[int, ...] | None = None,
    padding: int | tuple[int, ...] = 0,
    dilation: int | tuple[int, ...] = 1,
    ceil_mode: bool = False,
    return_indices: bool = False,
) -> Any:
    """max_pool2d at height 1, as torch.nn.functional.max_pool1d."""
    x = _as_tensor(input)
    _check_rank("max_pool1d", x, 3)
    step = _one("max_pool1d", stride)
    out = max_pool2d(
        x.unsqueeze(2),
        (1, _one("max_pool1d", kernel_size)),
        None if step is None else (1, step),
        (0, _one("max_pool1d", padding)),
        (1, _one("max_pool1d", dilation)),
        ceil_mode,
        return_indices,
    )
    if return_indices:
        return out[0].squeeze(2), out[1].squeeze(2)
    return out.squeeze(2)


def avg_pool2d(
    input: Any,
    kernel_size: IntOrPair,
    stride: IntOrPair | None = None,
    padding: IntOrPair = 0,
    ceil_mode: bool = False,
    count_include_pad: bool = True,
) -> Tensor:
    """The mean of each window, as torch.nn.functional.avg_pool2d (stride defaults to kernel_size)."""
    x = _as_tensor(input)
    _check_rank("avg_pool2d", x, 4)
    kernel, stride, padding = _pool_options(kernel_size, stride, padding)
    return AvgPool2dOp.apply(
        x, kernel_size=kernel, stride=stride, padding=padding, ceil_mode=ceil_mode, count_include_pad=count_include_pad
    )


def avg_pool1d(
    input: Any,
    kernel_size: int | tuple[int, ...],
    stride: int | tuple[int, ...] | None = None,
    padding: int | tuple[int, ...] = 0,
    ceil_mode: bool = False,
    count_include_pad: bool = True,
) -> Tensor:
    """avg_pool2d at height 1, as torch.nn.functional.avg_pool1d."""
    x = _as_tensor(input)
    _check_rank("avg_pool1d", x, 3)
    step = _one("avg_pool1d", stride)
    return avg_pool2d(
        x.unsqueeze(2),
        (1, _one("avg_pool1d", kernel_size)),
        None if step is None else (1, step),
        (0, _one("avg_pool1d", padding)),
        ceil_mode,
        count_include_pad,
    ).squeeze(2)


class _ConvNd(Module):
    """What Conv1d and Conv2d share: PyTorch's arguments, parameters and initialisation."""

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: tuple,
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
        if in_channels % groups or out_channels % groups:
            raise ValueError(
                f"{type(self).__name__}: in_channels ({in_channels}) and out_channels ({out_channels}) "
                f"must both be divisible by groups ({groups})"
            )
        if padding_mode not in PADDING_MODES or (transposed and padding_mode != "zeros"):
            allowed = "'zeros'" if transposed else ", ".join(map(repr, PADDING_MODES))
            raise ValueError(f"{type(self).__name__}: padding_mode must be one of {allowed}, got {padding_mode!r}")
        if isinstance(padding, str) and padding not in ("same", "valid"):
            raise ValueError(f"{type(self).__name__}: padding must be 'same', 'valid' or numbers, not {padding!r}")
        dtype = np.dtype(np.float32 if dtype is None else dtype)
        self.in_channels, self.out_channels, self.kernel_size = in_channels, out_channels, kernel_size
        self.stride, self.padding, self.dilation, self.groups = stride, padding, dilation, groups
        self.padding_mode = padding_mode
        # a transposed convolution maps out -> in in the forward convolution's terms: (in, out/groups, k...)
        shape = (in_channels, out_channels // groups) if transposed else (out_channels, in_channels // groups)
        self.weight = Parameter(Tensor._from_op(np.empty((*shape, *kernel_size), dtype=dtype), None))
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
        if self.padding not in (0, (0,), (0, 0)):
            text += f", padding={self.padding}"
        if self.dilation not in ((1,), (1, 1)):
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
        if self.padding_mode == "zeros":
            return input, self.padding
        pads: list[int] = []
        for i in reversed(range(len(self.kernel_size))):  # F.pad takes the last dim first
            if self.padding == "same":
                total = self.dilation[i] * (self.kernel_size[i] - 1)
                pads += [total // 2, total - total // 2]
            elif self.padding != "valid":
                pads += [self.padding[i], self.padding[i]]
        return pad(_as_tensor(input), pads or [0, 0], mode=self.padding_mode), 0


class Conv2d(_ConvNd):
    """A 2-d convolution layer with PyTorch's arguments; weight (out, in/groups, kh, kw), bias (out,).

    Example:
        >>> nn.Conv2d(1, 6, 5)(tg.zeros(2, 1, 28, 28)).shape
        (2, 6, 24, 24)
    """

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: IntOrPair,
        stride: IntOrPair = 1,
        padding: IntOrPair | str = 0,
        dilation: IntOrPair = 1,
        groups: int = 1,
        bias: bool = True,
        padding_mode: str = "zeros",
        dtype: DTypeLike = None,
    ) -> None:
        super().__init__(
            in_channels,
            out_channels,
            _pair(kernel_size),
            _pair(stride),
            padding if isinstance(padding, str) else _pair(padding),
            _pair(dilation),
            groups,
            bias,
            padding_mode,
            dtype,
        )

    def forward(self, input: Any) -> Tensor:
        input, padding = self._padded(input)
        return conv2d(input, self.weight, self.bias, self.stride, padding, self.dilation, self.groups)


class Conv1d(_ConvNd):
    """A 1-d convolution layer with PyTorch's arguments; weight (out, in/groups, k), bias (out,)."""

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: int,
        stride: int = 1,
        padding: int | str = 0,
        dilation: int = 1,
        groups: int = 1,
        bias: bool = True,
        padding_mode: str = "zeros",
        dtype: DTypeLike = None,
    ) -> None:
        def one(v: Any) -> Any:  # the 1-d option as a 1-tuple (a string such as "same" stays)
            v = _one("Conv1d", v)
            return v if isinstance(v, str) else (v,)

        super().__init__(
            in_channels,
            out_channels,
            one(kernel_size),
            one(stride),
            one(padding),
            one(dilation),
            groups,
            bias,
            padding_mode,
            dtype,
        )

    def forward(self, input: Any) -> Tensor:
        input, padding = self._padded(input)
        padding = padding if isinstance(padding, (int, str)) else padding[0]
        return conv1d(input, self.weight, self.bias, self.stride[0], padding, self.dilation[0], self.groups)


class MaxPool2d(Module):
    """nn.MaxPool2d: max_pool2d with its arguments kept (no parameters)."""

    def __init__(
        self,
        kernel_size: IntOrPair,
        stride: IntOrPair | None = None,
        padding: IntOrPair = 0,
        dilation: IntOrPair = 1,
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
        return max_pool2d(
            input, self.kernel_size, self.stride, self.padding, self.dilation, self.ceil_mode, self.return_indices
        )


class MaxPool1d(MaxPool2d):
    """nn.MaxPool1d: max_pool1d with its arguments kept."""

    def forward(self, input: Any) -> Any:
        return max_pool1d(
            input, self.kernel_size, self.stride, self.padding, self.dilation, self.ceil_mode, self.return_indices
        )


class AvgPool2d(Module):
    """nn.AvgPool2d: avg_pool2d with its arguments kept (no parameters)."""

    def __init__(
        self,
        kernel_size: IntOrPair,
        stride: IntOrPair | None = None,
        padding: IntOrPair = 0,
        ceil_mode: bool = False,
        count_include_pad: bool = True,
    ) -> None:
        super().__init__()
        self.kernel_size, self.stride, self.padding = kernel_size, stride or kernel_size, padding
        self.ceil_mode, self.count_include_pad = ceil_mode, count_include_pad

    def forward(self, input: Any) -> Tensor:
        return avg_pool2d(input, self.kernel_size, self.stride, self.padding, self.ceil_mode, self.count_include_pad)


class AvgPool1d(AvgPool2d):
    """nn.AvgPool1d: avg_pool1d with its arguments kept."""

    def forward(self, input: Any) -> Tensor:
        return avg_pool1d(input, self.kernel_size, self.stride, self.padding, self.ceil_mode, self.count_include_pad)
