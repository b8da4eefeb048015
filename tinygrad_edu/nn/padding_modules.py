"""The padding layers of torch.nn: ZeroPad, ConstantPad, ReflectionPad, ReplicationPad and CircularPad, each in
1d, 2d and 3d. Every one is `F.pad` (nn/padding.py) with its mode and a padding fixed at construction.

`padding` is an int (the same on every side) or a tuple (left, right[, top, bottom[, front, back]]) with two
numbers per padded dim, the last dim first, as F.pad takes it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from tinygrad_edu.nn.module import Module
from tinygrad_edu.nn.padding import pad
from tinygrad_edu.tensor import Tensor, _operand_tensor

__all__ = [
    "ZeroPad1d",
    "ZeroPad2d",
    "ZeroPad3d",
    "ConstantPad1d",
    "ConstantPad2d",
    "ConstantPad3d",
    "ReflectionPad1d",
    "ReflectionPad2d",
    "ReflectionPad3d",
    "ReplicationPad1d",
    "ReplicationPad2d",
    "ReplicationPad3d",
    "CircularPad1d",
    "CircularPad2d",
    "CircularPad3d",
]


def _padding(padding: int | Sequence[int], dims: int) -> tuple[int, ...]:
    """An int repeated on both sides of each of `dims` dims, or a tuple of 2 * dims ints as given."""
    if isinstance(padding, int):
        return (padding,) * (2 * dims)
    padding = tuple(padding)
    if len(padding) != 2 * dims:
        raise ValueError(f"padding must be an int or a tuple of {2 * dims} ints for {dims} dims, got {padding}")
    return padding


class _PadNd(Module):
    """F.pad with a fixed padding and mode; `dims` is how many trailing dims it pads."""

    mode = "constant"
    dims = 1

    value = 0.0  # (the constant modes' fill)

    def __init__(self, padding: int | Sequence[int]) -> None:
        super().__init__()
        self.padding = _padding(padding, self.dims)

    def forward(self, input: Any) -> Tensor:
        x = _operand_tensor(input)
        if self.mode == "circular" and x.ndim not in (self.dims + 1, self.dims + 2):
            raise ValueError(f"expected {self.dims + 1}D or {self.dims + 2}D input (got {x.ndim}D input)")
        if self.mode == "constant":
            return pad(x, self.padding, "constant", self.value)
        return pad(x, self.padding, self.mode)

    def extra_repr(self) -> str:
        return f"{self.padding}"


class _ConstantPadNd(_PadNd):
    def __init__(self, padding: int | Sequence[int], value: float) -> None:
        super().__init__(padding)
        self.value = value

    def extra_repr(self) -> str:
        return f"padding={self.padding}, value={self.value}"


class ConstantPad1d(_ConstantPadNd):
    """Pad the last dim with `value`. Example: `nn.ConstantPad1d((1, 2), 3.5)(x)`."""


class ConstantPad2d(_ConstantPadNd):
    """Pad the last 2 dims with `value`. Example: `nn.ConstantPad2d(1, 0.5)(x)`."""

    dims = 2


class ConstantPad3d(_ConstantPadNd):
    """Pad the last 3 dims with `value`. Example: `nn.ConstantPad3d(1, 0.5)(x)`."""

    dims = 3


class _ZeroPadNd(_PadNd):
    def __init__(self, padding: int | Sequence[int]) -> None:
        super().__init__(padding)
        self.value = 0.0

    def extra_repr(self) -> str:
        return f"{self.padding}"


class ZeroPad1d(_ZeroPadNd):
    """Pad the last dim with zeros.

    Example:
        >>> nn.ZeroPad1d((1, 2))(tg.ones(1, 2))
        tensor([[0., 1., 1., 0., 0.]], dtype=float32)
    """


class ZeroPad2d(_ZeroPadNd):
    """Pad the last 2 dims with zeros. Example: `nn.ZeroPad2d((1, 1, 2, 0))(x)`."""

    dims = 2


class ZeroPad3d(_ZeroPadNd):
    """Pad the last 3 dims with zeros. Example: `nn.ZeroPad3d(1)(x)`."""

    dims = 3


class ReflectionPad1d(_PadNd):
    """Pad the last dim with its mirror image about the edge element.

    Example:
        >>> nn.ReflectionPad1d(2)(tg.tensor([[0.0, 1.0, 2.0]]))
        tensor([[2., 1., 0., 1., 2., 1., 0.]], dtype=float32)
    """

    mode = "reflect"


class ReflectionPad2d(_PadNd):
    """Pad the last 2 dims by reflection. Example: `nn.ReflectionPad2d(1)(x)`."""

    mode = "reflect"
    dims = 2


class ReflectionPad3d(_PadNd):
    """Pad the last 3 dims by reflection. Example: `nn.ReflectionPad3d(1)(x)`."""

    mode = "reflect"
    dims = 3


class ReplicationPad1d(_PadNd):
    """Pad the last dim by repeating its edge elements.

    Example:
        >>> nn.ReplicationPad1d((2, 1))(tg.tensor([[0.0, 1.0]]))
        tensor([[0., 0., 0., 1., 1.]], dtype=float32)
    """

    mode = "replicate"


class ReplicationPad2d(_PadNd):
    """Pad the last 2 dims by repeating the edges. Example: `nn.ReplicationPad2d(1)(x)`."""

    mode = "replicate"
    dims = 2


class ReplicationPad3d(_PadNd):
    """Pad the last 3 dims by repeating the edges. Example: `nn.ReplicationPad3d(1)(x)`."""

    mode = "replicate"
    dims = 3


class CircularPad1d(_PadNd):
    """Pad the last dim with the elements of its other end (wrapped around).

    Example:
        >>> nn.CircularPad1d(1)(tg.tensor([[0.0, 1.0, 2.0]]))
        tensor([[2., 0., 1., 2., 0.]], dtype=float32)
    """

    mode = "circular"


class CircularPad2d(_PadNd):
    """Pad the last 2 dims circularly. Example: `nn.CircularPad2d(1)(x)`."""

    mode = "circular"
    dims = 2


class CircularPad3d(_PadNd):
    """Pad the last 3 dims circularly. Example: `nn.CircularPad3d(1)(x)`."""

    mode = "circular"
    dims = 3
