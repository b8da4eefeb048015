"""More dropout: Dropout3d (whole channels of volumes), and alpha dropout, which keeps a SELU network's
activations at mean 0 and variance 1 (AlphaDropout per element, FeatureAlphaDropout per channel).

Alpha dropout sets a dropped unit to SELU's negative saturation value -alpha' (alpha' = 1.7580993408473766)
rather than 0, then applies the affine map a x + b that restores mean 0 and variance 1 for a unit-normal input:
a = 1 / sqrt((alpha'^2 p + 1)(1 - p)), b = alpha' a p. Masks come from the library's generator (`tg.manual_seed`).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from tinygrad_edu.creation import default_generator
from tinygrad_edu.nn.dropout import _channel_dropout, _check_p, _DropoutNd
from tinygrad_edu.tensor import Tensor, _operand_tensor

__all__ = [
    "dropout3d",
    "alpha_dropout",
    "feature_alpha_dropout",
    "Dropout3d",
    "AlphaDropout",
    "FeatureAlphaDropout",
]

SELU_SATURATION = 1.7580993408473766  # -(the value SELU tends to for x -> -inf) = scale * alpha


def dropout3d(input: Any, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:
    """Zero whole channels of an (N, C, D, H, W) or (C, D, H, W) input with probability p, scaling the rest by
    1/(1-p). Example: `F.dropout3d(x, 0.2)`."""
    return _channel_dropout("dropout3d", input, p, training, 3)


def _alpha_dropped(x: Tensor, p: float, mask_shape: tuple[int, ...]) -> Tensor:
    """a x + alpha' a p where kept, -alpha' a (1 - p) where dropped (the mask broadcast from mask_shape)."""
    if p == 1:
        return x * 0.0
    keep = (default_generator().random(mask_shape) >= p).astype(x.dtype)
    a = 1.0 / math.sqrt((SELU_SATURATION**2 * p + 1) * (1 - p))
    shift = SELU_SATURATION * a * (keep - 1 + p)  # alpha' a p where kept, -alpha' a (1 - p) where dropped
    return x * Tensor._from_op(np.asarray(keep * a, dtype=x.dtype), None) + shift.astype(x.dtype)


def alpha_dropout(input: Any, p: float = 0.5, training: bool = False, inplace: bool = False) -> Tensor:
    """Alpha dropout per element, in training (else the input). See the module docstring.

    Example:
        >>> F.alpha_dropout(x, 0.5) is x        # training=False by default: the input itself
        True
    """
    _check_p(p)
    x = _operand_tensor(input)
    if not training or p == 0:
        return x
    return _alpha_dropped(x, p, tuple(x.shape))


def feature_alpha_dropout(input: Any, p: float = 0.5, training: bool = False, inplace: bool = False) -> Tensor:
    """Alpha dropout of whole channels: one draw per (sample, channel) of an (N, C, *) input, in training."""
    _check_p(p)
    x = _operand_tensor(input)
    if not training or p == 0:
        return x
    if x.ndim < 2:
        raise ValueError(f"Feature dropout requires at least 2 dimensions in the input, got shape {tuple(x.shape)}")
    return _alpha_dropped(x, p, tuple(x.shape[:2]) + (1,) * (x.ndim - 2))


class Dropout3d(_DropoutNd):
    """Dropout of whole channels of (N, C, D, H, W) inputs, in training. Example: `nn.Dropout3d(0.1)(x)`."""

    def forward(self, input: Any) -> Tensor:
        return dropout3d(input, self.p, self.training)


class AlphaDropout(_DropoutNd):
    """Alpha dropout per element in training, identity in eval: for SELU networks.

    Example:
        >>> nn.AlphaDropout(0.2)
        AlphaDropout(p=0.2, inplace=False)
    """

    def forward(self, input: Any) -> Tensor:
        return alpha_dropout(input, self.p, self.training)


class FeatureAlphaDropout(_DropoutNd):
    """Alpha dropout of whole channels in training, identity in eval. Example: `nn.FeatureAlphaDropout(0.2)(x)`."""

    def forward(self, input: Any) -> Tensor:
        return feature_alpha_dropout(input, self.p, self.training)
