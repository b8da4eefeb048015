"""The losses written as short chains of Tensor ops: smooth L1, Huber, KL divergence, the margin and
embedding losses, and the Gaussian and Poisson negative log-likelihoods (`nn.functional` re-exports them).

Unlike the fused losses of `ops/loss.py` (one graph node each, with a hand-written backward), these
are a few lines of Tensor ops, so their gradients, also with respect to a target that requires grad,
come from the ops' own backward passes and need no formula here. Each one is written so that
extreme inputs give no overflow or nan: logs only ever see positive numbers (`where` picks a safe
stand-in elsewhere), and log(sigmoid(x)) is `logsigmoid`, which never computes exp of a large number.
The arguments and their defaults are PyTorch's.
"""

from __future__ import annotations

import math
from typing import Any

from tinygrad_edu.creation import full_like
from tinygrad_edu.errors import ArgumentError, ShapeError
from tinygrad_edu.nn.activation_extra import logsigmoid
from tinygrad_edu.tensor import Tensor, _operand_tensor, where

__all__ = [
    "smooth_l1_loss",
    "huber_loss",
    "kl_div",
    "margin_ranking_loss",
    "cosine_embedding_loss",
    "multilabel_soft_margin_loss",
    "gaussian_nll_loss",
    "poisson_nll_loss",
]


def _check(name: str, reduction: str, allowed: tuple[str, ...] = ("mean", "sum", "none")) -> None:
    """A ValueError unless `reduction` is one of `allowed`."""
    if reduction not in allowed:
        raise ValueError(
            f"{name}: {reduction!r} is not a valid value for reduction; use {', '.join(map(repr, allowed))}"
        )


def _reduce(loss: Tensor, reduction: str) -> Tensor:
    """'none': the losses; 'sum': their sum; 'mean': their mean."""
    if reduction == "none":
        return loss
    return loss.sum() if reduction == "sum" else loss.mean()


def _like(value: Any, x: Tensor) -> Tensor:
    """A target (Tensor, ndarray, list or number) as a Tensor of x's dtype; one that requires grad keeps its graph."""
    if isinstance(value, Tensor):
        return value if value.dtype == x.dtype else value.to(x.dtype)
    return Tensor(value, dtype=x.dtype)


def _same_shape(name: str, x: Tensor, target: Tensor) -> None:
    """A ShapeError unless target and input have one shape (as mse_loss: broadcasting them is a classic bug)."""
    if target.shape != x.shape:
        raise ShapeError(
            f"{name}: target shape {tuple(target.shape)} differs from input shape {tuple(x.shape)}. They must "
            f"be equal (PyTorch only warns and broadcasts); reshape one of them, e.g. target.reshape({tuple(x.shape)})"
        )


# ---- regression: quadratic near zero, linear beyond --------------------------------------------------


def smooth_l1_loss(input: Tensor, target: Any, reduction: str = "mean", beta: float = 1.0) -> Tensor:
    """Smooth L1: 0.5 d^2 / beta where |d| < beta, else |d| - 0.5 beta, with d = x - y; beta = 0 is L1.

    Example:
        >>> F.smooth_l1_loss(tg.tensor([0.5, 3.0]), [0.0, 0.0])      # (0.125 + 2.5) / 2
        tensor(1.3125, dtype=float32)
    """
    _check("smooth_l1_loss", reduction)
    if beta < 0:
        raise ArgumentError(f"smooth_l1_loss: beta must be >= 0 (0 gives the L1 loss), got {beta}")
    x = _operand_tensor(input)
    y = _like(target, x)
    _same_shape("smooth_l1_loss", x, y)
    d = (x - y).abs()
    if beta == 0:  # the quadratic part would divide by zero; its region |d| < 0 is empty anyway
        return _reduce(d, reduction)
    return _reduce(where(d < beta, 0.5 * d * d / beta, d - 0.5 * beta), reduction)


def huber_loss(input: Tensor, target: Any, reduction: str = "mean", delta: float = 1.0) -> Tensor:
    """Huber: 0.5 d^2 where |d| < delta, else delta (|d| - 0.5 delta); it equals delta * smooth_l1(beta=delta).

    Example:
        >>> F.huber_loss(tg.tensor([0.5, 3.0]), [0.0, 0.0], delta=2.0)   # (0.125 + 2 * 2) / 2
        tensor(2.0625, dtype=float32)
    """
    _check("huber_loss", reduction)
    if not delta > 0:
        raise ArgumentError(f"huber_loss: delta must be positive, got {delta}")
    x = _operand_tensor(input)
    y = _like(target, x)
    _same_shape("huber_loss", x, y)
    d = (x - y).abs()
    return _reduce(where(d < delta, 0.5 * d * d, delta * (d - 0.5 * delta)), reduction)


# ---- distributions -------------------------------------------------------------------------------------


def kl_div(input: Tensor, target: Any, reduction: str = "mean", log_target: bool = False) -> Tensor:
    """KL divergence KL(y || exp(x)) per element, with x = log-probabilities: y (log y - x), 0 where y = 0.

    With `log_target=True` the target is given as log y too: exp(log y) (log y - x). reduction
    'batchmean' divides the sum by the batch size x.shape[0] (the true KL divergence per sample);
    'mean' divides by the number of elements, as PyTorch does (which warns that this is rarely meant).

    Example:
        >>> F.kl_div(tg.tensor([0.5, 0.5]).log(), [0.5, 0.5], reduction="sum")   # equal distributions
        tensor(0., dtype=float32)
    """
    _check("kl_div", reduction, ("mean", "batchmean", "sum", "none"))
    x = _operand_tensor(input)
    y = _like(target, x)
    if log_target:
        loss = y.exp() * (y - x)
    else:
        # y log y, taken as 0 at y = 0 (its limit); log only sees y > 0, so no -inf * 0 = nan
        positive = y > 0
        loss = where(positive, y * where(positive, y, 1.0).log(), 0.0) - y * x
    if reduction == "batchmean":
        total = loss.sum()
        return total / x.shape[0] if x.ndim else total
    return _reduce(loss, reduction)


def gaussian_nll_loss(
    input: Tensor, target: Any, var: Any, full: bool = False, eps: float = 1e-6, reduction: str = "mean"
) -> Tensor:
    """Gaussian negative log-likelihood: 0.5 (log v + (x - y)^2 / v) (+ 0.5 log(2 pi) with `full`).

    `var` has the input's shape (one variance per prediction), or that shape with one dimension of
    size 1 or without its last dimension (one variance shared along it), or is a number. Variances
    below `eps` count as `eps` in the value, while the gradient passes to them unchanged (as PyTorch's
    clamp under no_grad); a negative variance is a ValueError.

    Example:
        >>> F.gaussian_nll_loss(tg.tensor([1.0]), [3.0], tg.tensor([1.0]))    # 0.5 * (0 + 4)
        tensor(2., dtype=float32)
    """
    name = "gaussian_nll_loss"
    _check(name, reduction)
    x = _operand_tensor(input)
    y = _like(target, x)
    if isinstance(var, (int, float)):
        if var < 0:
            raise ArgumentError(f"{name}: var has negative entry/entries (got {var}); variances must be >= 0")
        v = full_like(x, float(var))
    else:
        v = _like(var, x)
        if (v.data < 0).any():  # (a check on the values: the compiler lets library code read them)
            raise ArgumentError(f"{name}: var has negative entry/entries; variances must be >= 0")
    if v.shape != x.shape:
        if tuple(v.shape) == tuple(x.shape[:-1]):  # one variance per sample, shared by its last dimension
            v = v.unsqueeze(-1)
        elif not (v.ndim == x.ndim and sum(b for a, b in zip(x.shape, v.shape) if a != b) == 1):
            raise ShapeError(
                f"{name}: var is of incorrect size {tuple(v.shape)} for input {tuple(x.shape)}; use the input's "
                f"shape, that shape with one dimension of size 1, or that shape without its last dimension"
            )
    floor = v.detach().clamp(min=eps) - v.detach()  # 0 where v >= eps: shifts the value, not the gradient
    v = v + floor
    loss = 0.5 * (v.log() + (x - y) ** 2 / v)
    if full:
        loss = loss + 0.5 * math.log(2 * math.pi)
    return _reduce(loss, reduction)


def poisson_nll_loss(
    input: Tensor,
    target: Any,
    log_input: bool = True,
    full: bool = False,
    eps: float = 1e-8,
    reduction: str = "mean",
) -> Tensor:
    """Poisson negative log-likelihood of a rate: exp(x) - y x if `log_input` (x = log rate), else x - y log(x + eps).

    `full` adds Stirling's approximation of log(y!), y log y - y + 0.5 log(2 pi y), for targets y > 1
    (0 for y <= 1, as PyTorch).

    Example:
        >>> F.poisson_nll_loss(tg.tensor([0.0]), [2.0])      # exp(0) - 2 * 0
        tensor(1., dtype=float32)
    """
    _check("poisson_nll_loss", reduction)
    x = _operand_tensor(input)
    y = _like(target, x)
    loss = x.exp() - y * x if log_input else x - y * (x + eps).log()
    if full:
        big = y > 1
        safe = where(big, y, 2.0)  # a stand-in > 1 where the term is 0, so log sees no 0
        stirling = safe * safe.log() - safe + 0.5 * (2 * math.pi * safe).log()
        loss = loss + where(big, stirling, 0.0)
    return _reduce(loss, reduction)


# ---- pairs and labels ------------------------------------------------------------------------------


def margin_ranking_loss(
    input1: Tensor, input2: Tensor, target: Any, margin: float = 0.0, reduction: str = "mean"
) -> Tensor:
    """max(0, -y (x1 - x2) + margin): y = 1 means x1 should rank higher than x2, y = -1 lower.

    The three arguments must have the same number of dimensions (then they broadcast), as in PyTorch.

    Example:
        >>> F.margin_ranking_loss(tg.tensor([2.0, 0.0]), tg.tensor([1.0, 1.0]), [1.0, 1.0])   # (0 + 1) / 2
        tensor(0.5, dtype=float32)
    """
    name = "margin_ranking_loss"
    _check(name, reduction)
    x1 = _operand_tensor(input1)
    x2 = _like(input2, x1)
    y = _like(target, x1)
    if not x1.ndim == x2.ndim == y.ndim:
        raise ShapeError(
            f"{name}: all input tensors should have the same number of dimensions, got input1 "
            f"{tuple(x1.shape)}, input2 {tuple(x2.shape)}, target {tuple(y.shape)}"
        )
    return _reduce((-y * (x1 - x2) + margin).clamp(min=0.0), reduction)


COSINE_EPS = 1e-12  # added to each squared norm, as PyTorch, so a zero vector gives cos = 0, not 0 / 0


def cosine_embedding_loss(
    input1: Tensor, input2: Tensor, target: Any, margin: float = 0.0, reduction: str = "mean"
) -> Tensor:
    """1 - cos(x1, x2) for pairs labelled y = 1 (similar), max(0, cos(x1, x2) - margin) for y = -1.

    Inputs are (N, D) with target (N,), or (D,) with a 0-d target; cos is taken along D.

    Example:
        >>> F.cosine_embedding_loss(tg.tensor([[1.0, 0.0]]), tg.tensor([[0.0, 1.0]]), [1])   # 1 - 0
        tensor(1., dtype=float32)
    """
    name = "cosine_embedding_loss"
    _check(name, reduction)
    x1 = _operand_tensor(input1)
    x2 = _like(input2, x1)
    y = _like(target, x1)
    if x1.ndim not in (1, 2) or x1.shape != x2.shape or y.ndim != x1.ndim - 1 or tuple(y.shape) != tuple(x1.shape[:-1]):
        raise ShapeError(
            f"{name}: expected input1 and input2 of one shape (N, D) with target (N,), or (D,) with a 0-d target; "
            f"got input1 {tuple(x1.shape)}, input2 {tuple(x2.shape)}, target {tuple(y.shape)}"
        )
    dot = (x1 * x2).sum(-1)
    cos = dot / (((x1 * x1).sum(-1) + COSINE_EPS) * ((x2 * x2).sum(-1) + COSINE_EPS)).sqrt()
    loss = where(y == 1, 1 - cos, 0.0) + where(y == -1, (cos - margin).clamp(min=0.0), 0.0)
    return _reduce(loss, reduction)


def multilabel_soft_margin_loss(input: Tensor, target: Any, weight: Any = None, reduction: str = "mean") -> Tensor:
    """Binary cross-entropy of sigmoid(x) per class, averaged over the classes (last dimension) of each sample.

    l_n = -(1 / C) sum_c w_c [y_c log sigmoid(x_c) + (1 - y_c) log sigmoid(-x_c)], with targets y in {0, 1}.

    Example:
        >>> F.multilabel_soft_margin_loss(tg.tensor([[0.0, 0.0]]), [[1.0, 0.0]])   # log 2
        tensor(0.6931472, dtype=float32)
    """
    name = "multilabel_soft_margin_loss"
    _check(name, reduction)
    x = _operand_tensor(input)
    y = _like(target, x)
    _same_shape(name, x, y)
    loss = -(y * logsigmoid(x) + (1 - y) * logsigmoid(-x))
    if weight is not None:
        loss = loss * _like(weight, x)
    loss = loss.sum(-1) / x.shape[-1]
    return _reduce(loss, reduction)
