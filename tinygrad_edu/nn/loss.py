"""Loss functions as modules: MSELoss, L1Loss, BCELoss, BCEWithLogitsLoss, CrossEntropyLoss, NLLLoss.

Each holds its options and calls the function of the same meaning in `nn.functional`, where the
checks and the formulas are documented. Call as `criterion(prediction, target)`.
"""

from __future__ import annotations

from typing import Any

from tinygrad_edu.nn import functional as F
from tinygrad_edu.nn.module import Module
from tinygrad_edu.tensor import Tensor

__all__ = ["MSELoss", "L1Loss", "BCELoss", "BCEWithLogitsLoss", "CrossEntropyLoss", "NLLLoss"]


class _Loss(Module):
    """What every loss module has: a checked `reduction` ('mean', 'sum' or 'none')."""

    def __init__(self, reduction: str = "mean") -> None:
        super().__init__()
        F._check_reduction(type(self).__name__, reduction)
        self.reduction = reduction


class MSELoss(_Loss):
    """Mean squared error, mean((x - y)^2); reduction 'mean' | 'sum' | 'none'. See `F.mse_loss`.

    Example:
        >>> nn.MSELoss()(tg.tensor([1.0, 2.0]), tg.tensor([1.0, 4.0]))
        tensor(2., dtype=float32)
    """

    def forward(self, input: Tensor, target: Any) -> Tensor:
        """The loss of `input` against `target`, with this module's reduction."""
        return F.mse_loss(input, target, reduction=self.reduction)


class L1Loss(_Loss):
    """Mean absolute error, mean(|x - y|). See `F.l1_loss`.

    Example:
        >>> nn.L1Loss()(tg.tensor([1.0, 2.0]), tg.tensor([0.0, 4.0]))
        tensor(1.5, dtype=float32)
    """

    def forward(self, input: Tensor, target: Any) -> Tensor:
        """The loss of `input` against `target`, with this module's reduction."""
        return F.l1_loss(input, target, reduction=self.reduction)


class BCELoss(_Loss):
    """Binary cross-entropy of probabilities in [0, 1], logs clamped at -100. See `F.binary_cross_entropy`.

    Example:
        >>> nn.BCELoss()(tg.tensor([0.5]), tg.tensor([1.0]))
        tensor(0.6931472, dtype=float32)
    """

    def __init__(self, weight: Any = None, reduction: str = "mean") -> None:
        super().__init__(reduction)
        self.weight = weight

    def forward(self, input: Tensor, target: Any) -> Tensor:
        """The loss of `input` against `target`, with this module's weight and reduction."""
        return F.binary_cross_entropy(input, target, weight=self.weight, reduction=self.reduction)


class BCEWithLogitsLoss(_Loss):
    """Sigmoid + binary cross-entropy of raw scores, computed stably. See `F.binary_cross_entropy_with_logits`.

    Example:
        >>> nn.BCEWithLogitsLoss()(tg.tensor([0.0]), tg.tensor([1.0]))
        tensor(0.6931472, dtype=float32)
    """

    def __init__(self, weight: Any = None, reduction: str = "mean", pos_weight: Any = None) -> None:
        super().__init__(reduction)
        self.weight = weight
        self.pos_weight = pos_weight

    def forward(self, input: Tensor, target: Any) -> Tensor:
        """The loss of `input` against `target`, with this module's weights and reduction."""
        return F.binary_cross_entropy_with_logits(
            input, target, weight=self.weight, reduction=self.reduction, pos_weight=self.pos_weight
        )


class CrossEntropyLoss(_Loss):
    """Softmax + negative log-likelihood of raw scores (N, C) against class indices (N,). See `F.cross_entropy`.

    Example:
        >>> nn.CrossEntropyLoss()(tg.zeros(1, 2), [1])      # -log(1/2)
        tensor(0.6931472, dtype=float32)
    """

    def __init__(
        self, weight: Any = None, ignore_index: int = -100, reduction: str = "mean", label_smoothing: float = 0.0
    ) -> None:
        super().__init__(reduction)
        self.weight = weight
        self.ignore_index = ignore_index
        self.label_smoothing = label_smoothing

    def forward(self, input: Tensor, target: Any) -> Tensor:
        """The loss of the scores `input` against `target`, with this module's options."""
        return F.cross_entropy(
            input,
            target,
            weight=self.weight,
            ignore_index=self.ignore_index,
            reduction=self.reduction,
            label_smoothing=self.label_smoothing,
        )


class NLLLoss(_Loss):
    """Negative log-likelihood of log-probabilities (N, C) at class indices (N,). See `F.nll_loss`.

    Example:
        >>> nn.NLLLoss()(tg.tensor([[-1.0, -2.0]]), [1])
        tensor(2., dtype=float32)
    """

    def __init__(self, weight: Any = None, ignore_index: int = -100, reduction: str = "mean") -> None:
        super().__init__(reduction)
        self.weight = weight
        self.ignore_index = ignore_index

    def forward(self, input: Tensor, target: Any) -> Tensor:
        """The loss of the log-probabilities `input` against `target`, with this module's options."""
        return F.nll_loss(input, target, weight=self.weight, ignore_index=self.ignore_index, reduction=self.reduction)
