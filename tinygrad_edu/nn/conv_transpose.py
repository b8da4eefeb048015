"""Transposed convolution layers and their nn.functional forms: ConvTranspose1d/2d/3d, conv_transpose1d/2d/3d.

A transposed convolution is the gradient of a convolution with respect to its input (ops/conv.py), so it
upsamples: each input position spreads itself, times the kernel, over a patch of the output, `stride` apart.
As in conv.py, the 1-, 2- and 3-d forms are one N-d op told its number of spatial dims.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from tinygrad_edu.dtypes import DTypeLike
from tinygrad_edu.nn import functional as F
from tinygrad_edu.nn.conv import IntOrTuple, _as_tensor, _batched, _ConvNd, _ntuple, _unbatched
from tinygrad_edu.ops.conv import ConvTranspose as ConvTransposeOp
from tinygrad_edu.tensor import Tensor

__all__ = [
    "ConvTranspose1d",
    "ConvTranspose2d",
    "ConvTranspose3d",
    "conv_transpose1d",
    "conv_transpose2d",
    "conv_transpose3d",
]


def _conv_transpose(
    dims: int,
    input: Any,
    weight: Tensor,
    bias: Tensor | None,
    stride: Any,
    padding: Any,
    output_padding: Any,
    groups: int,
    dilation: Any,
) -> Tensor:
    """The transposed convolution in `dims` spatial dims: what conv_transpose1d, 2d and 3d are."""
    name = f"conv_transpose{dims}d"
    x, unbatched = _batched(name, _as_tensor(input), dims)
    F._check_layer_dtypes(name, x, weight=weight, bias=bias)
    out = ConvTransposeOp.apply(
        x,
        weight,
        *(() if bias is None else (bias,)),
        stride=_ntuple(name, stride, dims),
        padding=_ntuple(name, padding, dims),
        output_padding=_ntuple(name, output_padding, dims),
        groups=groups,
        dilation=_ntuple(name, dilation, dims),
    )
    return _unbatched(out, unbatched)


def conv_transpose1d(
    input: Any,
    weight: Tensor,
    bias: Tensor | None = None,
    stride: IntOrTuple = 1,
    padding: IntOrTuple = 0,
    output_padding: IntOrTuple = 0,
    groups: int = 1,
    dilation: IntOrTuple = 1,
) -> Tensor:
    """The transposed 1-d convolution, as torch.nn.functional.conv_transpose1d; weight (in, out/groups, k).

    Example:
        >>> F.conv_transpose1d(tg.tensor([[[1.0, 2.0]]]), tg.tensor([[[1.0, 10.0]]]))   # 1*[1, 10] + 2*[1, 10] shifted
        tensor([[[ 1., 12., 20.]]], dtype=float32)
    """
    return _conv_transpose(1, input, weight, bias, stride, padding, output_padding, groups, dilation)


def conv_transpose2d(
    input: Any,
    weight: Tensor,
    bias: Tensor | None = None,
    stride: IntOrTuple = 1,
    padding: IntOrTuple = 0,
    output_padding: IntOrTuple = 0,
    groups: int = 1,
    dilation: IntOrTuple = 1,
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
    return _conv_transpose(2, input, weight, bias, stride, padding, output_padding, groups, dilation)


def conv_transpose3d(
    input: Any,
    weight: Tensor,
    bias: Tensor | None = None,
    stride: IntOrTuple = 1,
    padding: IntOrTuple = 0,
    output_padding: IntOrTuple = 0,
    groups: int = 1,
    dilation: IntOrTuple = 1,
) -> Tensor:
    """The transposed 3-d convolution, as torch.nn.functional.conv_transpose3d; weight (in, out/groups, kd, kh, kw).

    Example:
        >>> F.conv_transpose3d(tg.ones(1, 1, 2, 2, 2), tg.ones(1, 3, 2, 2, 2), stride=2).shape
        (1, 3, 4, 4, 4)
    """
    return _conv_transpose(3, input, weight, bias, stride, padding, output_padding, groups, dilation)


class _ConvTransposeNd(_ConvNd):
    """What ConvTranspose1d, 2d and 3d share: PyTorch's arguments (output_padding, and groups before bias and
    dilation), and output_size in forward."""

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: IntOrTuple,
        stride: IntOrTuple = 1,
        padding: IntOrTuple = 0,
        output_padding: IntOrTuple = 0,
        groups: int = 1,
        bias: bool = True,
        dilation: IntOrTuple = 1,
        padding_mode: str = "zeros",
        device: Any = None,
        dtype: DTypeLike = None,
    ) -> None:
        self._init(
            in_channels,
            out_channels,
            kernel_size,
            stride,
            padding,
            dilation,
            groups,
            bias,
            padding_mode,
            dtype,
            transposed=True,
        )
        self.output_padding = _ntuple(type(self).__name__, output_padding, self.dims)

    def _output_padding_repr(self) -> str:
        return f", output_padding={self.output_padding}" if any(self.output_padding) else ""

    def _output_padding(self, input: Tensor, output_size: Sequence[int] | None) -> tuple[int, ...]:
        """output_padding, or the one that gives output_size (which may include the batch and channel dims, or the
        channel dim of an unbatched input), as PyTorch: each size must lie between the smallest output and that
        plus stride - 1 (PyTorch's check here, though the op itself allows output_padding up to dilation - 1)."""
        if output_size is None:
            return self.output_padding
        k = self.dims
        sizes = [int(v) for v in output_size][-k:]
        around = k + (1 if input.ndim == k + 1 else 2)  # the spatial sizes and the dims around them
        if len(output_size) not in (k, around):
            raise ValueError(
                f"{type(self).__name__}: output_size must have {k} or {around} elements for an input of shape "
                f"{tuple(input.shape)}, got {output_size}"
            )
        given = _ntuple(type(self).__name__, self.padding, k)  # (never a string here: no 'same' when transposed)
        padding = []
        for d in range(k):
            smallest = (
                (input.shape[-k + d] - 1) * self.stride[d]
                - 2 * given[d]
                + self.dilation[d] * (self.kernel_size[d] - 1)
                + 1
            )
            largest = smallest + self.stride[d] - 1
            if not smallest <= sizes[d] <= largest:
                raise ValueError(
                    f"{type(self).__name__}: requested an output size of {sizes}, but valid sizes for input of "
                    f"shape {tuple(input.shape)} range from {smallest} to {largest} in dim {d}"
                )
            padding.append(sizes[d] - smallest)
        return tuple(padding)

    def forward(self, input: Any, output_size: Sequence[int] | None = None) -> Tensor:
        x = _as_tensor(input)
        output_padding = self._output_padding(x, output_size)
        return _conv_transpose(
            self.dims, x, self.weight, self.bias, self.stride, self.padding, output_padding, self.groups, self.dilation
        )


class ConvTranspose1d(_ConvTransposeNd):
    """A transposed 1-d convolution layer with PyTorch's arguments; weight (in, out/groups, k), bias (out,).

    Example:
        >>> nn.ConvTranspose1d(3, 2, 4, stride=2)(tg.zeros(5, 3, 10)).shape
        (5, 2, 22)
    """

    dims = 1


class ConvTranspose2d(_ConvTransposeNd):
    """A transposed 2-d convolution layer with PyTorch's arguments; weight (in, out/groups, kh, kw), bias (out,).

    Example:
        >>> up = nn.ConvTranspose2d(8, 4, 3, stride=2, padding=1, output_padding=1)
        >>> up(tg.zeros(2, 8, 7, 7)).shape          # doubles the size: 7 -> 14
        (2, 4, 14, 14)
        >>> up(tg.zeros(2, 8, 7, 7), output_size=(13, 13)).shape
        (2, 4, 13, 13)
    """

    dims = 2


class ConvTranspose3d(_ConvTransposeNd):
    """A transposed 3-d convolution layer with PyTorch's arguments; weight (in, out/groups, kd, kh, kw), bias (out,).

    Example:
        >>> nn.ConvTranspose3d(2, 4, 2, stride=2)(tg.zeros(1, 2, 3, 3, 3)).shape
        (1, 4, 6, 6, 6)
    """

    dims = 3
