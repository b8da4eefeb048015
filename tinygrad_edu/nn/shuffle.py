"""Rearranging channels: F.pixel_shuffle, F.pixel_unshuffle, F.channel_shuffle and their modules.

Each is a reshape, a permute and a reshape, so the gradient is the same rearrangement run backwards
(the movement ops' own backward passes).
"""

from __future__ import annotations

from typing import Any

from tinygrad_edu.errors import ShapeError
from tinygrad_edu.nn.module import Module
from tinygrad_edu.tensor import Tensor, _operand_tensor

__all__ = ["pixel_shuffle", "pixel_unshuffle", "channel_shuffle", "PixelShuffle", "PixelUnshuffle", "ChannelShuffle"]


def pixel_shuffle(input: Any, upscale_factor: int) -> Tensor:
    """(*, C r^2, H, W) -> (*, C, H r, W r): each group of r^2 channels becomes an r x r block of pixels.

    Example:
        >>> F.pixel_shuffle(tg.arange(4.0).reshape(1, 4, 1, 1), 2)[0, 0]
        tensor([[0., 1.],
                [2., 3.]], dtype=float32)
    """
    x = _operand_tensor(input)
    r = int(upscale_factor)
    if x.ndim < 3:
        raise ShapeError(f"pixel_shuffle expects input to have at least 3 dimensions, but got input with {x.ndim}")
    if r <= 0:
        raise ValueError(f"pixel_shuffle expects a positive upscale_factor, but got {r}")
    *batch, c, h, w = x.shape
    if c % (r * r):
        raise ShapeError(
            f"pixel_shuffle expects its input's 'channel' dimension to be divisible by the square of upscale_factor, "
            f"but input.size(-3)={c} is not divisible by {r * r}"
        )
    nb = len(batch)
    out = x.reshape(*batch, c // (r * r), r, r, h, w)
    out = out.permute(*range(nb), nb, nb + 3, nb + 1, nb + 4, nb + 2)  # (*, C, H, r, W, r)
    return out.reshape(*batch, c // (r * r), h * r, w * r)


def pixel_unshuffle(input: Any, downscale_factor: int) -> Tensor:
    """(*, C, H r, W r) -> (*, C r^2, H, W): the inverse of pixel_shuffle.

    Example:
        >>> F.pixel_unshuffle(tg.arange(4.0).reshape(1, 1, 2, 2), 2).flatten()
        tensor([0., 1., 2., 3.], dtype=float32)
    """
    x = _operand_tensor(input)
    r = int(downscale_factor)
    if x.ndim < 3:
        raise ShapeError(f"pixel_unshuffle expects input to have at least 3 dimensions, but got input with {x.ndim}")
    if r <= 0:
        raise ValueError(f"pixel_unshuffle expects a positive downscale_factor, but got {r}")
    *batch, c, h, w = x.shape
    if h % r or w % r:
        raise ShapeError(
            f"pixel_unshuffle expects height and width to be divisible by downscale_factor, "
            f"but got input of shape {tuple(x.shape)} and downscale_factor={r}"
        )
    nb = len(batch)
    out = x.reshape(*batch, c, h // r, r, w // r, r)
    out = out.permute(*range(nb), nb, nb + 2, nb + 4, nb + 1, nb + 3)  # (*, C, r, r, H, W)
    return out.reshape(*batch, c * r * r, h // r, w // r)


def channel_shuffle(input: Any, groups: int) -> Tensor:
    """(N, g k, *) -> (N, k g, *): the channels, read as a g x k grid, transposed (ShuffleNet's mixing of groups).

    Example:
        >>> F.channel_shuffle(tg.arange(4.0).reshape(1, 4, 1), 2).flatten()
        tensor([0., 2., 1., 3.], dtype=float32)
    """
    x = _operand_tensor(input)
    g = int(groups)
    if g <= 0:
        raise ValueError(f"Number of groups to divide channels in must be positive. Value of groups:{g}")
    if x.ndim < 3:
        raise ShapeError(f"channel_shuffle expects input to have at least 3 dimensions, but got input with {x.ndim}")
    n, c, *rest = x.shape
    if c % g:
        raise ShapeError(f"Number of channels must be divisible by groups. Got {c} channels and {g} groups.")
    return x.reshape(n, g, c // g, *rest).transpose(1, 2).reshape(n, c, *rest)


class PixelShuffle(Module):
    """(*, C r^2, H, W) -> (*, C, H r, W r). See `F.pixel_shuffle`. Example: `nn.PixelShuffle(2)(x)`."""

    def __init__(self, upscale_factor: int) -> None:
        super().__init__()
        self.upscale_factor = upscale_factor

    def forward(self, input: Tensor) -> Tensor:
        return pixel_shuffle(input, self.upscale_factor)

    def extra_repr(self) -> str:
        return f"upscale_factor={self.upscale_factor}"


class PixelUnshuffle(Module):
    """(*, C, H r, W r) -> (*, C r^2, H, W). See `F.pixel_unshuffle`. Example: `nn.PixelUnshuffle(2)(x)`."""

    def __init__(self, downscale_factor: int) -> None:
        super().__init__()
        self.downscale_factor = downscale_factor

    def forward(self, input: Tensor) -> Tensor:
        return pixel_unshuffle(input, self.downscale_factor)

    def extra_repr(self) -> str:
        return f"downscale_factor={self.downscale_factor}"


class ChannelShuffle(Module):
    """Interleave the channels of `groups` groups. See `F.channel_shuffle`. Example: `nn.ChannelShuffle(2)(x)`."""

    def __init__(self, groups: int) -> None:
        super().__init__()
        self.groups = groups

    def forward(self, input: Tensor) -> Tensor:
        return channel_shuffle(input, self.groups)

    def extra_repr(self) -> str:
        return f"groups={self.groups}"
