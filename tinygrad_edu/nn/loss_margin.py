"""The margin losses: hinge embedding, soft margin, multi-class and multi-label margin, and the triplet losses,
as functions (re-exported by nn.functional) beside their modules (exported by nn).

Like loss_composite.py, each is a few Tensor ops (clamp_min, gather, logsigmoid, pairwise_distance), so the
gradients, also with respect to a target that requires grad, come from the ops. The class targets of the
multi-class losses are integer indices and take no gradient. Arguments and defaults are PyTorch's.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from tinygrad_edu.errors import ArgumentError, ShapeError
from tinygrad_edu.nn.activation_extra import logsigmoid
from tinygrad_edu.nn.distance import PairwiseDistance, pairwise_distance
from tinygrad_edu.nn.loss import _Loss
from tinygrad_edu.nn.loss_composite import _check, _like, _reduce
from tinygrad_edu.nn.module import Module
from tinygrad_edu.tensor import Tensor, _operand_tensor, where

__all__ = [
    "hinge_embedding_loss",
    "soft_margin_loss",
    "multi_margin_loss",
    "multilabel_margin_loss",
    "triplet_margin_loss",
    "triplet_margin_with_distance_loss",
    "HingeEmbeddingLoss",
    "SoftMarginLoss",
    "MultiMarginLoss",
    "MultiLabelMarginLoss",
    "TripletMarginLoss",
    "TripletMarginWithDistanceLoss",
]


def _legacy_reduction(size_average: bool | None, reduce: bool | None, reduction: str) -> str:
    """PyTorch's deprecated size_average= and reduce= flags, turned into the reduction they mean."""
    if size_average is None and reduce is None:
        return reduction
    if reduce is False:
        return "none"
    return "sum" if size_average is False else "mean"


def _class_indices(name: str, target: Any) -> np.ndarray:
    """Integer class targets as an int64 array (no gradient)."""
    t = target.data if isinstance(target, Tensor) else np.asarray(target)
    if t.dtype.kind not in "iu":
        raise ArgumentError(f"{name}: the target must hold class indices (an integer tensor), got dtype {t.dtype}")
    return t.astype(np.int64)


# ---- two classes, labels y = +-1 --------------------------------------------------------------------------


def hinge_embedding_loss(
    input: Any,
    target: Any,
    margin: float = 1.0,
    size_average: bool | None = None,
    reduce: bool | None = None,
    reduction: str = "mean",
) -> Tensor:
    """x where y = 1, max(0, margin - x) where y = -1 (x typically a distance), as `F.hinge_embedding_loss`.

    Example:
        >>> F.hinge_embedding_loss(tg.tensor([0.3, 0.4]), [1, -1], reduction="none")
        tensor([0.3, 0.6], dtype=float32)
    """
    reduction = _legacy_reduction(size_average, reduce, reduction)
    _check("hinge_embedding_loss", reduction)
    x = _operand_tensor(input)
    y = _like(target, x)
    # PyTorch's: the margin term where y != 1, plus x itself where y != -1 (both for labels other than +-1)
    loss = where(y != 1, (margin - x).clamp_min(0.0), 0.0) + where(y != -1, x, 0.0)
    return _reduce(loss, reduction)


def soft_margin_loss(
    input: Any, target: Any, size_average: bool | None = None, reduce: bool | None = None, reduction: str = "mean"
) -> Tensor:
    """log(1 + exp(-y x)), the logistic loss for labels y = +-1, as `F.soft_margin_loss`.

    Example:
        >>> F.soft_margin_loss(tg.tensor([0.0]), [1])         # log 2
        tensor(0.6931472, dtype=float32)
    """
    reduction = _legacy_reduction(size_average, reduce, reduction)
    _check("soft_margin_loss", reduction)
    x = _operand_tensor(input)
    y = _like(target, x)
    if tuple(y.shape) != tuple(x.shape):
        raise ShapeError(f"soft_margin_loss: target shape {tuple(y.shape)} differs from input shape {tuple(x.shape)}")
    return _reduce(-logsigmoid(y * x), reduction)  # log(1 + e^-z) = -log sigmoid(z), without overflow


# ---- many classes: the target class's score against the others ---------------------------------------------


def multi_margin_loss(
    input: Any,
    target: Any,
    p: int = 1,
    margin: float = 1.0,
    weight: Any = None,
    size_average: bool | None = None,
    reduce: bool | None = None,
    reduction: str = "mean",
) -> Tensor:
    """sum over i != y of max(0, margin - x[y] + x[i])^p / C per sample, each term times weight[y]: the
    multi-class hinge loss, as `F.multi_margin_loss` (p is 1 or 2).

    Example:
        >>> F.multi_margin_loss(tg.tensor([[0.1, 0.2, 0.4, 0.8]]), [3])   # (0.3 + 0.4 + 0.6) / 4
        tensor(0.325, dtype=float32)
    """
    name = "multi_margin_loss"
    reduction = _legacy_reduction(size_average, reduce, reduction)
    _check(name, reduction)
    if p not in (1, 2):
        raise ArgumentError(f"{name}: only p == 1 and p == 2 supported, got p={p}")
    x = _operand_tensor(input)
    t = _class_indices(name, target)
    if x.ndim not in (1, 2):
        raise ShapeError(f"{name}: expected a 1-D (C) or 2-D (N, C) input, got shape {tuple(x.shape)}")
    scores = x if x.ndim == 2 else x.unsqueeze(0)
    n, c = scores.shape
    t = t.reshape(-1)
    if t.size != n:
        raise ShapeError(f"{name}: inconsistent target size: got {t.size} targets for {n} samples")
    if t.size and (t.min() < 0 or t.max() >= c):
        raise ArgumentError(f"{name}: target out of range: the classes are 0 to {c - 1}, got {t.tolist()}")
    z = (margin - scores.gather(1, t[:, None]) + scores).clamp_min(0.0)
    terms = z if p == 1 else z * z
    others = (np.arange(c)[None, :] != t[:, None]).astype(x.dtype)  # the target's own term is left out
    if weight is not None:
        w = weight.data if isinstance(weight, Tensor) else np.asarray(weight, dtype=x.dtype)
        if w.shape != (c,):
            raise ShapeError(f"{name}: weight must have one entry per class ({c}), got shape {w.shape}")
        others = others * w[t][:, None].astype(x.dtype)
    loss = (terms * Tensor._from_op(others, None)).sum(1) / c
    if x.ndim == 1 and np.ndim(target.data if isinstance(target, Tensor) else target) == 0:
        loss = loss.reshape(())
    return _reduce(loss, reduction)


def multilabel_margin_loss(
    input: Any, target: Any, size_average: bool | None = None, reduce: bool | None = None, reduction: str = "mean"
) -> Tensor:
    """sum over target classes j and non-target classes i of max(0, 1 - (x[j] - x[i])) / C per sample, as
    `F.multilabel_margin_loss`. Each target row lists class indices and ends at the first -1.

    Example:
        >>> F.multilabel_margin_loss(tg.tensor([[0.1, 0.2, 0.4, 0.8]]), [[3, 0, -1, 1]])
        tensor(0.85, dtype=float32)
    """
    reduction = _legacy_reduction(size_average, reduce, reduction)
    name = "multilabel_margin_loss"
    _check(name, reduction)
    x = _operand_tensor(input)
    t = _class_indices(name, target)
    if x.ndim not in (1, 2) or t.shape != tuple(x.shape):
        raise ShapeError(
            f"{name}: expected an input (C) or (N, C) and a target of the same shape, "
            f"got {tuple(x.shape)} and {t.shape}"
        )
    scores, t2 = (x, t) if x.ndim == 2 else (x.unsqueeze(0), t[None, :])
    n, c = scores.shape
    listed = np.cumprod(t2 != -1, axis=1).astype(bool)  # the slots before the first -1
    if np.any(listed & ((t2 < 0) | (t2 >= c))):
        raise ArgumentError(f"{name}: target out of range: the classes are 0 to {c - 1} (and -1 to end a row)")
    safe = np.where(listed, t2, 0)
    is_target = np.zeros((n, c), dtype=bool)
    for slot in range(c):  # is_target[n, t[n, slot]] = True for each listed slot
        is_target[np.arange(n)[listed[:, slot]], safe[listed[:, slot], slot]] = True
    chosen = scores.gather(1, safe)  # x[j] for each listed slot: (N, C)
    z = (1.0 - chosen.unsqueeze(2) + scores.unsqueeze(1)).clamp_min(0.0)  # (N, slot, class)
    pairs = (listed[:, :, None] & ~is_target[:, None, :]).astype(x.dtype)
    loss = (z * Tensor._from_op(pairs, None)).sum((1, 2)) / c
    return _reduce(loss if x.ndim == 2 else loss.reshape(()), reduction)


# ---- triplets: an anchor nearer its positive than its negative, by a margin ---------------------------------


def triplet_margin_with_distance_loss(
    anchor: Any,
    positive: Any,
    negative: Any,
    *,
    distance_function: Callable[[Tensor, Tensor], Tensor] | None = None,
    margin: float = 1.0,
    swap: bool = False,
    reduction: str = "mean",
) -> Tensor:
    """max(0, d(a, p) - d(a, n) + margin) with any distance d (default F.pairwise_distance); swap=True uses
    min(d(a, n), d(p, n)) as the negative distance, as `F.triplet_margin_with_distance_loss`.

    Example:
        >>> a, p, n = tg.tensor([[0.0, 0.0]]), tg.tensor([[0.0, 1.0]]), tg.tensor([[0.0, 3.0]])
        >>> F.triplet_margin_with_distance_loss(a, p, n, distance_function=lambda u, v: (u - v).abs().sum(-1))
        tensor(0., dtype=float32)
    """
    _check("triplet_margin_with_distance_loss", reduction)
    if margin <= 0:
        raise ArgumentError(f"triplet_margin_with_distance_loss: margin must be greater than 0, got {margin}")
    a, p, n = _operand_tensor(anchor), _operand_tensor(positive), _operand_tensor(negative)
    if not (a.ndim == p.ndim == n.ndim):
        raise ShapeError(
            f"The anchor, positive, and negative tensors are expected to have the same number of dimensions, "
            f"but got: anchor {a.ndim}D, positive {p.ndim}D, and negative {n.ndim}D inputs"
        )
    d = distance_function if distance_function is not None else pairwise_distance
    d_pos, d_neg = d(a, p), d(a, n)
    if swap:
        d_swap = d(p, n)
        d_neg = where(d_swap < d_neg, d_swap, d_neg)  # (torch.minimum: the gradient goes to the smaller)
    return _reduce((margin + d_pos - d_neg).clamp_min(0.0), reduction)


def triplet_margin_loss(
    anchor: Any,
    positive: Any,
    negative: Any,
    margin: float = 1.0,
    p: float = 2,
    eps: float = 1e-6,
    swap: bool = False,
    size_average: bool | None = None,
    reduce: bool | None = None,
    reduction: str = "mean",
) -> Tensor:
    """max(0, ||a - p + eps||_p - ||a - n + eps||_p + margin), as `F.triplet_margin_loss`.

    Example:
        >>> a, p, n = tg.tensor([[0.0, 0.0]]), tg.tensor([[0.0, 1.0]]), tg.tensor([[0.0, 1.5]])
        >>> F.triplet_margin_loss(a, p, n, eps=0.0)          # 1 - 1.5 + 1
        tensor(0.5, dtype=float32)
    """
    reduction = _legacy_reduction(size_average, reduce, reduction)
    _check("triplet_margin_loss", reduction)
    a, pos, neg = _operand_tensor(anchor), _operand_tensor(positive), _operand_tensor(negative)
    if not (a.ndim == pos.ndim == neg.ndim):
        raise ShapeError(
            f"The anchor, positive, and negative tensors are expected to have the same number of dimensions, "
            f"but got: anchor {a.ndim}D, positive {pos.ndim}D, and negative {neg.ndim}D inputs"
        )
    d_pos = pairwise_distance(a, pos, p, eps)
    d_neg = pairwise_distance(a, neg, p, eps)
    if swap:
        d_swap = pairwise_distance(pos, neg, p, eps)
        d_neg = where(d_swap < d_neg, d_swap, d_neg)
    return _reduce((margin + d_pos - d_neg).clamp_min(0.0), reduction)


# ---- the modules -----------------------------------------------------------------------------------------


class HingeEmbeddingLoss(_Loss):
    """x for y = 1, max(0, margin - x) for y = -1. See `F.hinge_embedding_loss`. Example: `nn.HingeEmbeddingLoss()`."""

    def __init__(
        self, margin: float = 1.0, size_average: Any = None, reduce: Any = None, reduction: str = "mean"
    ) -> None:
        super().__init__(_legacy_reduction(size_average, reduce, reduction))
        self.margin = margin

    def forward(self, input: Tensor, target: Any) -> Tensor:
        return hinge_embedding_loss(input, target, margin=self.margin, reduction=self.reduction)


class SoftMarginLoss(_Loss):
    """log(1 + exp(-y x)). See `F.soft_margin_loss`. Example: `nn.SoftMarginLoss()(scores, labels)`."""

    def __init__(self, size_average: Any = None, reduce: Any = None, reduction: str = "mean") -> None:
        super().__init__(_legacy_reduction(size_average, reduce, reduction))

    def forward(self, input: Tensor, target: Any) -> Tensor:
        return soft_margin_loss(input, target, reduction=self.reduction)


class MultiMarginLoss(_Loss):
    """The multi-class hinge loss; `weight` (one per class) is a buffer. See `F.multi_margin_loss`.

    Example:
        >>> sorted(nn.MultiMarginLoss(weight=tg.ones(3)).state_dict())
        ['weight']
    """

    def __init__(
        self,
        p: int = 1,
        margin: float = 1.0,
        weight: Any = None,
        size_average: Any = None,
        reduce: Any = None,
        reduction: str = "mean",
    ) -> None:
        super().__init__(_legacy_reduction(size_average, reduce, reduction))
        if p not in (1, 2):
            raise ValueError("only p == 1 and p == 2 supported")
        weight_dims = np.ndim(weight.data if isinstance(weight, Tensor) else weight)
        if weight is not None and weight_dims != 1:
            raise ValueError(f"MultiMarginLoss: expected weight to be None or 1D tensor, got {weight_dims}D")
        self.p = p
        self.margin = margin
        self._register_weight("weight", weight)

    def forward(self, input: Tensor, target: Any) -> Tensor:
        return multi_margin_loss(
            input, target, p=self.p, margin=self.margin, weight=self.weight, reduction=self.reduction
        )


class MultiLabelMarginLoss(_Loss):
    """The multi-label hinge loss. See `F.multilabel_margin_loss`. Example: `nn.MultiLabelMarginLoss()(x, y)`."""

    def __init__(self, size_average: Any = None, reduce: Any = None, reduction: str = "mean") -> None:
        super().__init__(_legacy_reduction(size_average, reduce, reduction))

    def forward(self, input: Tensor, target: Any) -> Tensor:
        return multilabel_margin_loss(input, target, reduction=self.reduction)


class TripletMarginLoss(_Loss):
    """max(0, d(a, p) - d(a, n) + margin) with the p-norm distance. See `F.triplet_margin_loss`.

    Example:
        >>> nn.TripletMarginLoss(margin=0.5)
        TripletMarginLoss()
    """

    def __init__(
        self,
        margin: float = 1.0,
        p: float = 2.0,
        eps: float = 1e-6,
        swap: bool = False,
        size_average: Any = None,
        reduce: Any = None,
        reduction: str = "mean",
    ) -> None:
        super().__init__(_legacy_reduction(size_average, reduce, reduction))
        if margin <= 0:
            raise ValueError(f"TripletMarginLoss: expected margin to be greater than 0, got {margin} instead")
        self.margin = margin
        self.p = p
        self.eps = eps
        self.swap = swap

    def forward(self, anchor: Tensor, positive: Tensor, negative: Tensor) -> Tensor:
        return triplet_margin_loss(
            anchor, positive, negative, self.margin, self.p, self.eps, self.swap, reduction=self.reduction
        )


class TripletMarginWithDistanceLoss(_Loss):
    """The triplet loss with any distance function; the default is an nn.PairwiseDistance submodule, as in
    PyTorch. See `F.triplet_margin_with_distance_loss`. Example: `nn.TripletMarginWithDistanceLoss(margin=0.5)`."""

    def __init__(
        self,
        *,
        distance_function: Callable[[Tensor, Tensor], Tensor] | None = None,
        margin: float = 1.0,
        swap: bool = False,
        reduction: str = "mean",
    ) -> None:
        super().__init__(reduction)
        if margin <= 0:
            raise ValueError(
                f"TripletMarginWithDistanceLoss: expected margin to be greater than 0, got {margin} instead"
            )
        self.distance_function: Module | Callable[[Tensor, Tensor], Tensor] = (
            distance_function if distance_function is not None else PairwiseDistance()
        )
        self.margin = margin
        self.swap = swap

    def forward(self, anchor: Tensor, positive: Tensor, negative: Tensor) -> Tensor:
        return triplet_margin_with_distance_loss(
            anchor,
            positive,
            negative,
            distance_function=self.distance_function,
            margin=self.margin,
            swap=self.swap,
            reduction=self.reduction,
        )
