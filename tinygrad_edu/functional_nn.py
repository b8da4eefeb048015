"""The names PyTorch also gives some nn.functional functions at the top level: torch.cosine_similarity,
torch.pixel_shuffle, torch.hinge_embedding_loss, ...

Most take F's arguments and are F's functions themselves. A few have torch's own top-level signature, which
differs from F's: the losses take `reduction` as an int (0 'none', 1 'mean', 2 'sum'), the dropouts
(input, p, train) with no defaults, and instance_norm puts weight and bias before the running statistics.
Called without `reduction`, torch.hinge_embedding_loss and torch.triplet_margin_loss return the unreduced
losses (PyTorch 2.x's binding reads their default as 0), and so do these.
"""

from __future__ import annotations

from typing import Any

from tinygrad_edu.creation import default_generator
from tinygrad_edu.nn import functional as F
from tinygrad_edu.nn.activation_more import _rrelu, rrelu_
from tinygrad_edu.nn.bilinear import bilinear
from tinygrad_edu.nn.distance import cosine_similarity, pairwise_distance, pdist
from tinygrad_edu.nn.normalization_extra import rms_norm
from tinygrad_edu.nn.pooling_extra import max_pool1d_with_indices
from tinygrad_edu.nn.shuffle import channel_shuffle, pixel_shuffle, pixel_unshuffle
from tinygrad_edu.tensor import Tensor

__all__ = [
    "cosine_similarity",
    "pairwise_distance",
    "pdist",
    "pixel_shuffle",
    "pixel_unshuffle",
    "channel_shuffle",
    "instance_norm",
    "rrelu",
    "rrelu_",
    "max_pool1d_with_indices",
    "hardshrink",
    "bilinear",
    "alpha_dropout",
    "feature_alpha_dropout",
    "rms_norm",
    "hinge_embedding_loss",
    "triplet_margin_loss",
]

REDUCTION_NAMES = {0: "none", 1: "mean", 2: "sum"}  # ATen's Reduction enum, which torch.<loss> takes


def _reduction(reduction: int | str) -> str:
    if isinstance(reduction, str):
        return reduction
    if reduction not in REDUCTION_NAMES:
        raise ValueError(f"reduction must be 0 ('none'), 1 ('mean') or 2 ('sum'), got {reduction}")
    return REDUCTION_NAMES[reduction]


def instance_norm(
    input: Any,
    weight: Tensor | None,
    bias: Tensor | None,
    running_mean: Tensor | None,
    running_var: Tensor | None,
    use_input_stats: bool,
    momentum: float,
    eps: float,
    cudnn_enabled: bool,
) -> Tensor:
    """F.instance_norm with torch.instance_norm's argument order (cudnn_enabled is accepted and unused).

    Example:
        >>> tg.instance_norm(tg.ones(1, 1, 2), None, None, None, None, True, 0.1, 1e-5, False)
        tensor([[[0., 0.]]], dtype=float32)
    """
    return F.instance_norm(input, running_mean, running_var, weight, bias, use_input_stats, momentum, eps)


def rrelu(
    input: Any, lower: float = 1.0 / 8, upper: float = 1.0 / 3, training: bool = False, generator: Any = None
) -> Tensor:
    """F.rrelu as torch.rrelu takes it; `generator` (a tg.Generator) draws the slopes in training, if given.

    Example:
        >>> tg.rrelu(tg.tensor([-1.0, 1.0]), 0.5, 0.5, True, tg.Generator().manual_seed(0))
        tensor([-0.5,  1. ], dtype=float32)
    """
    x = input if isinstance(input, Tensor) else Tensor(input)
    return _rrelu(x, lower, upper, training, default_generator() if generator is None else generator)


def hardshrink(input: Any, lambd: float = 0.5) -> Tensor:
    """x where |x| > lambd, else 0 (F.hardshrink).

    Example:
        >>> tg.hardshrink(tg.tensor([0.25, -1.0]))
        tensor([ 0., -1.], dtype=float32)
    """
    return F.hardshrink(input, lambd)


def alpha_dropout(input: Any, p: float, train: bool) -> Tensor:
    """F.alpha_dropout(input, p, training=train), as torch.alpha_dropout takes it."""
    return F.alpha_dropout(input, p, train)


def feature_alpha_dropout(input: Any, p: float, train: bool) -> Tensor:
    """F.feature_alpha_dropout(input, p, training=train), as torch.feature_alpha_dropout takes it."""
    return F.feature_alpha_dropout(input, p, train)


def hinge_embedding_loss(input: Any, target: Any, margin: float = 1.0, reduction: int | str = 0) -> Tensor:
    """F.hinge_embedding_loss with torch's int reduction (0: 'none', 1: 'mean', 2: 'sum').

    Example:
        >>> tg.hinge_embedding_loss(tg.tensor([0.25, 2.0]), tg.tensor([1, -1]), 1.0, 2)   # 0.25 + 0
        tensor(0.25, dtype=float32)
    """
    return F.hinge_embedding_loss(input, target, margin, reduction=_reduction(reduction))


def triplet_margin_loss(
    anchor: Any,
    positive: Any,
    negative: Any,
    margin: float = 1.0,
    p: float = 2,
    eps: float = 1e-6,
    swap: bool = False,
    reduction: int | str = 0,
) -> Tensor:
    """F.triplet_margin_loss with torch's int reduction (0: 'none', 1: 'mean', 2: 'sum')."""
    return F.triplet_margin_loss(anchor, positive, negative, margin, p, eps, swap, reduction=_reduction(reduction))
