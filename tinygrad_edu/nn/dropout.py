"""Dropout, Dropout1d, Dropout2d: in training, zero inputs at random and scale the rest by 1/(1-p); in eval, identity.

The mask is drawn from the library's generator (`tg.manual_seed`), so a seeded run drops the same units.
The functions (`dropout`, `dropout1d`, `dropout2d`) are re-exported by nn.functional.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from tinygrad_edu.creation import default_generator
from tinygrad_edu.errors import ShapeError
from tinygrad_edu.nn.module import Module
from tinygrad_edu.tensor import Tensor, _operand_tensor

__all__ = ["dropout", "dropout1d", "dropout2d", "Dropout", "Dropout1d", "Dropout2d"]


def _check_p(p: float) -> None:
    if p < 0.0 or p > 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")


def _dropped(x: Tensor, p: float, mask_shape: tuple[int, ...]) -> Tensor:
    """x times a constant mask of 0 (probability p) and 1/(1-p) (probability 1-p), broadcast from mask_shape.

    E[mask] = 1, so the expected output is x: eval needs no rescaling. With p = 1 everything is dropped.
    """
    keep = default_generator().random(mask_shape) >= p
    scale = 0.0 if p == 1 else 1.0 / (1.0 - p)
    mask = np.where(keep, scale, 0.0).astype(x.data.dtype)
    return x * Tensor._from_op(mask, None)


def dropout(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:
    """Zero each element with probability p and scale the others by 1/(1-p), when training; else the input.

    Example:
        >>> out = F.dropout(tg.ones(1000), p=0.5)
        >>> sorted(set(out.tolist()))                  # each element dropped (0) or scaled by 1 / (1 - p)
        [0.0, 2.0]
    """
    _check_p(p)
    x = _operand_tensor(input)
    if not training or p == 0:
        return x
    return _dropped(x, p, x.data.shape)


def _channel_dropout(name: str, input: Tensor, p: float, training: bool, spatial: int) -> Tensor:
    """Drop whole channels: one draw per (sample, channel), for inputs (N, C, *S) or (C, *S) with `spatial` dims S."""
    _check_p(p)
    x = _operand_tensor(input)
    if x.ndim not in (spatial + 1, spatial + 2):
        raise ShapeError(f"{name}: expected a {spatial + 1}-D (unbatched) or {spatial + 2}-D (batched) input, "
                         f"got shape {x.data.shape}")
    if not training or p == 0:
        return x
    leading = x.data.shape[: x.ndim - spatial]  # (N, C) or (C,)
    return _dropped(x, p, leading + (1,) * spatial)


def dropout1d(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:
    """Zero whole channels of an (N, C, L) or (C, L) input with probability p, scaling the rest by 1/(1-p)."""
    return _channel_dropout("dropout1d", input, p, training, 1)


def dropout2d(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:
    """Zero whole channels of an (N, C, H, W) or (C, H, W) input with probability p, scaling the rest by 1/(1-p)."""
    return _channel_dropout("dropout2d", input, p, training, 2)


class _DropoutNd(Module):
    def __init__(self, p: float = 0.5, inplace: bool = False) -> None:
        super().__init__()
        _check_p(p)
        self.p = p
        self.inplace = inplace

    def extra_repr(self) -> str:
        return f"p={self.p}, inplace={self.inplace}"


class Dropout(_DropoutNd):
    """During training, zero each element with probability p and scale the rest by 1/(1-p); in eval, identity.

    Example:
        >>> drop = nn.Dropout(0.2)
        >>> _ = drop.eval()
        >>> drop(x) is x
        True
    """

    def forward(self, input: Any) -> Tensor:
        return dropout(input, self.p, self.training)


class Dropout1d(_DropoutNd):
    """Dropout of whole channels of (N, C, L) inputs, in training. Example: `nn.Dropout1d(0.1)(x)`."""

    def forward(self, input: Any) -> Tensor:
        return dropout1d(input, self.p, self.training)


class Dropout2d(_DropoutNd):
    """Dropout of whole channels (feature maps) of (N, C, H, W) inputs, in training. Example: `nn.Dropout2d(0.1)(x)`."""

    def forward(self, input: Any) -> Tensor:
        return dropout2d(input, self.p, self.training)
