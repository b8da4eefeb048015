"""Transposed convolution layers and their nn.functional forms: ConvTranspose1d/2d, conv_transpose1d/2d.

A transposed convolution is the gradient of a convolution with respect to its input (ops/conv.py), so it
upsamples: each input pixel spreads itself, times the kernel, over a patch of the output, `stride` apart.
The 1-d form is the 2-d op on an input of height 1, as in conv.py.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from tinygrad_edu.dtypes import DTypeLike
from tinygrad_edu.nn.conv import IntOrPair, _as_tensor, _check_rank, _ConvNd, _one, _pair
from tinygrad_edu.ops.conv import ConvTranspose2d as ConvTranspose2dOp
from tinygrad_edu.tensor import Tensor

__all__ = ["ConvTranspose1d", "ConvTranspose2d", "conv_transpose1d", "conv_transpose2d"]


def conv_transpose2d(
    input: Any,
    weight: Tensor,
    bias: Tensor | None = None,
    stride: IntOrPair = 1,
    padding: IntOrPair = 0,
    output_padding: IntOrPair = 0,
    groups: int = 1,
    dilation: IntOrPair = 1,
) -> Tensor:
    """The transposed 2-d convolution, as torch.nn.functional.conv_transpose2d; weight (in, out/groups, kh, kw).

    Output size per dim: (H - 1) * stride - 2 * padding + dilation * (k - 1) + output_padding + 1.

    Example:
        >>> F.conv_transpose2d(tg.ones(1, 1, 2, 2), tg.ones(1, 1, 2, 2), stride=2)   # each pixel becomes a 2x2 block
        tensor([[[[1., 1., 1., 1.],
                  [1., 1., 1., 1.],
                  [1., 1., 1., 1.],
                  [1., 1., 1., 1.]]]], dtype=float32)
    """
    x = _as_tensor(input)
    _check_rank("conv_transpose2d", x, 4)
    return ConvTranspose2dOp.apply(
        x,
        weight,
        *(() if bias is None else (bias,)),
        stride=_pair(stride),
        padding=_pair(padding),
        output_padding=_pair(output_padding),
        groups=groups,
        dilation=_pair(dilation),
    )


def conv_transpose1d(
    input: Any,
    weight: Tensor,
    bias: Tensor | None = None,
    stride: int = 1,
    padding: int = 0,
    output_padding: int = 0,
    groups: int = 1,
    dilation: int = 1,
) -> Tensor:
    """The transposed 1-d convolution, as torch.nn.functional.conv_transpose1d: conv_transpose2d at height 1.

    Example:
        >>> F.conv_transpose1d(tg.tensor([[[1.0, 2.0]]]), tg.tensor([[[1.0, 10.0]]]))   # 1*[1, 10] + 2*[1, 10] shifted
        tensor([[[ 1., 12., 20.]]], dtype=float32)
    """
    x = _as_tensor(input)
    _check_rank("conv_transpose1d", x, 3)
    out = conv_transpose2d(
        x.unsqueeze(2),
        weight.unsqueeze(2),
        bias,
        (1, _one("conv_transpose1d", stride)),
        (0, _one("conv_transpose1d", padding)),
        (0, _one("conv_transpose1d", output_padding)),
        groups,
        (1, _one("conv_transpose1d", dilation)),
    )
    return out.squeeze(2)


class _ConvTransposeNd(_ConvNd):
    """What ConvTranspose1d and ConvTranspose2d share: output_padding, and output_size in forward."""

    output_padding: tuple[int, ...]

    def _output_padding_repr(self) -> str:
        return f", output_padding={self.output_padding}" if any(self.output_padding) else ""

    def _output_padding(self, input: Tensor, output_size: Sequence[int] | None) -> tuple[int, ...]:
        """output_padding, or the one that gives output_size (which may include the batch and channel dims), as
        PyTorch: each size must lie between the smallest output and that plus stride - 1 (or dilation - 1)."""
        if output_size is None:
            return self.output_padding
        k = len(self.kernel_size)
        sizes = [int(v) for v in output_size][-k:]
        if len(sizes) != k:
            raise ValueError(f"{type(self).__name__}: output_size must have {k} or {k + 2} elements, got {output_size}")
        padding = []
        for d in range(k):
            smallest = (
                (input.shape[-k + d] - 1) * self.stride[d]
                - 2 * self.padding[d]
                + self.dilation[d] * (self.kernel_size[d] - 1)
                + 1
            )
            largest = smallest + max(self.stride[d], self.dilation[d]) - 1
            if not smallest <= sizes[d] <= largest:
                raise ValueError(
                    f"{type(self).__name__}: requested an output size of {sizes}, but valid sizes for input of "
                    f"shape {tuple(input.shape)} range from {smallest} to {largest} in dim {d}"
                )
            padding.append(sizes[d] - smallest)
        return tuple(padding)


class ConvTranspose2d(_ConvTransposeNd):
    """A transposed 2-d convolution layer with PyTorch's arguments; weight (in, out/groups, kh, kw), bias (out,).

    Example:
        >>> up = nn.ConvTranspose2d(8, 4, 3, stride=2, padding=1, output_padding=1)
        >>> up(tg.zeros(2, 8, 7, 7)).shape          # doubles the size: 7 -> 14
        (2, 4, 14, 14)
        >>> up(tg.zeros(2, 8, 7, 7), output_size=(13, 13)).shape
        (2, 4, 13, 13)
    """

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: IntOrPair,
        stride: IntOrPair = 1,
        padding: IntOrPair = 0,
        output_padding: IntOrPair = 0,
        groups: int = 1,
        bias: bool = True,
        dilation: IntOrPair = 1,
        padding_mode: str = "zeros",
        dtype: DTypeLike = None,
    ) -> None:
        super().__init__(
            in_channels,
            out_channels,
            _pair(kernel_size),
            _pair(stride),
            _pair(padding),
            _pair(dilation),
            groups,
            bias,
            padding_mode,
            dtype,
            transposed=True,
        )
        self.output_padding = _pair(output_padding)

    def forward(self, input: Any, output_size: Sequence[int] | None = None) -> Tensor:
        x = _as_tensor(input)
        return conv_transpose2d(
            x,
            self.weight,
            self.bias,
            self.stride,
            self.padding,
            _pair(self._output_padding(x, output_size)),
            self.groups,
            self.dilation,
        )


class ConvTranspose1d(_ConvTransposeNd):
    """A transposed 1-d convolution layer with PyTorch's arguments; weight (in, out/groups, k), bias (out,).

    Example:
        >>> nn.ConvTranspose1d(3, 2, 4, stride=2)(tg.zeros(5, 3, 10)).shape
        (5, 2, 22)
    """

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: int,
        stride: int = 1,
        padding: int = 0,
        output_padding: int = 0,
        groups: int = 1,
        bias: bool = True,
        dilation: int = 1,
        padding_mode: str = "zeros",
        dtype: DTypeLike = None,
    ) -> None:
        def one(v: Any) -> tuple[int]:  # the 1-d option as a 1-tuple, as PyTorch keeps it
            return (_one(type(self).__name__, v),)

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
            transposed=True,
        )
        self.output_padding = one(output_padding)

    def forward(self, input: Any, output_size: Sequence[int] | None = None) -> Tensor:
        x = _as_tensor(input)
        return conv_transpose1d(
            x,
            self.weight,
            self.bias,
            self.stride[0],
            self.padding[0],
            self._output_padding(x, output_size)[0],
            self.groups,
            self.dilation[0],
        )
