"""Loss functions as modules: MSELoss, L1Loss, BCELoss, BCEWithLogitsLoss, CrossEntropyLoss, NLLLoss, and
SmoothL1Loss, HuberLoss, KLDivLoss, MarginRankingLoss, CosineEmbeddingLoss, MultiLabelSoftMarginLoss,
GaussianNLLLoss, PoissonNLLLoss.

Each holds its options and calls the function of the same meaning in `nn.functional`, where the
checks and the formulas are documented. Call as `criterion(prediction, target)`.
"""

from __future__ import annotations

from typing import Any

from tinygrad_edu.nn import functional as F
from tinygrad_edu.nn.module import Module
from tinygrad_edu.tensor import Tensor

__all__ = [
    "MSELoss",
    "L1Loss",
    "BCELoss",
    "BCEWithLogitsLoss",
    "CrossEntropyLoss",
    "NLLLoss",
    "SmoothL1Loss",
    "HuberLoss",
    "KLDivLoss",
    "MarginRankingLoss",
    "CosineEmbeddingLoss",
    "MultiLabelSoftMarginLoss",
    "GaussianNLLLoss",
    "PoissonNLLLoss",
]


class _Loss(Module):
    """What every loss module has: a checked `reduction` ('mean', 'sum' or 'none')."""

    weight: Any  # (set by _register_weight, in the losses that take a class weight)
    pos_weight: Any

    def __init__(self, reduction: str = "mean") -> None:
        super().__init__()
        F._check_reduction(type(self).__name__, reduction)
        self.reduction = reduction

    def _register_weight(self, name: str, weight: Any) -> None:
        """A class weight as PyTorch keeps it: a buffer (in state_dict, converted by .double() and .to()).
        Anything else F's loss accepts as a weight (a list, an ndarray) stays a plain attribute."""
        if weight is None or isinstance(weight, Tensor):
            self.register_buffer(name, weight)
        else:
            setattr(self, name, weight)


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
        self._register_weight("weight", weight)

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
        self._register_weight("weight", weight)
        self._register_weight("pos_weight", pos_weight)

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
        self._register_weight("weight", weight)
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
        self._register_weight("weight", weight)
        self.ignore_index = ignore_index

    def forward(self, input: Tensor, target: Any) -> Tensor:
        """The loss of the log-probabilities `input` against `target`, with this module's options."""
        return F.nll_loss(input, target, weight=self.weight, ignore_index=self.ignore_index, reduction=self.reduction)


class SmoothL1Loss(_Loss):
    """Quadratic for |x - y| < beta, linear beyond. See `F.smooth_l1_loss`.

    Example:
        >>> nn.SmoothL1Loss(beta=1.0)(tg.tensor([0.5, 3.0]), tg.tensor([0.0, 0.0]))
        tensor(1.3125, dtype=float32)
    """

    def __init__(self, reduction: str = "mean", beta: float = 1.0) -> None:
        super().__init__(reduction)
        self.beta = beta

    def forward(self, input: Tensor, target: Any) -> Tensor:
        """The loss of `input` against `target`, with this module's beta and reduction."""
        return F.smooth_l1_loss(input, target, reduction=self.reduction, beta=self.beta)


class HuberLoss(_Loss):
    """Quadratic for |x - y| < delta, linear with slope delta beyond. See `F.huber_loss`.

    Example:
        >>> nn.HuberLoss(delta=2.0)(tg.tensor([0.5, 3.0]), tg.tensor([0.0, 0.0]))
        tensor(2.0625, dtype=float32)
    """

    def __init__(self, reduction: str = "mean", delta: float = 1.0) -> None:
        super().__init__(reduction)
        self.delta = delta

    def forward(self, input: Tensor, target: Any) -> Tensor:
        """The loss of `input` against `target`, with this module's delta and reduction."""
        return F.huber_loss(input, target, reduction=self.reduction, delta=self.delta)


class KLDivLoss(Module):
    """KL divergence of log-probabilities `input` from `target`; reduction may also be 'batchmean'. See `F.kl_div`.

    Example:
        >>> nn.KLDivLoss(reduction="batchmean")(tg.tensor([[0.5, 0.5]]).log(), tg.tensor([[0.5, 0.5]]))
        tensor(0., dtype=float32)
    """

    def __init__(self, reduction: str = "mean", log_target: bool = False) -> None:
        super().__init__()
        if reduction not in ("mean", "batchmean", "sum", "none"):
            raise ValueError(f"KLDivLoss: {reduction!r} is not a valid value for reduction; use 'batchmean', ...")
        self.reduction = reduction
        self.log_target = log_target

    def forward(self, input: Tensor, target: Any) -> Tensor:
        """The divergence of `target` from exp(`input`), with this module's options."""
        return F.kl_div(input, target, reduction=self.reduction, log_target=self.log_target)


class MarginRankingLoss(_Loss):
    """max(0, -y (x1 - x2) + margin) for pairs ranked by y = +-1. See `F.margin_ranking_loss`.

    Example:
        >>> nn.MarginRankingLoss(margin=1.0)(tg.tensor([2.0]), tg.tensor([1.5]), tg.tensor([1.0]))
        tensor(0.5, dtype=float32)
    """

    def __init__(self, margin: float = 0.0, reduction: str = "mean") -> None:
        super().__init__(reduction)
        self.margin = margin

    def forward(self, input1: Tensor, input2: Tensor, target: Any) -> Tensor:
        """The ranking loss of the pairs (`input1`, `input2`) labelled `target`."""
        return F.margin_ranking_loss(input1, input2, target, margin=self.margin, reduction=self.reduction)


class CosineEmbeddingLoss(_Loss):
    """1 - cos for similar pairs (y = 1), max(0, cos - margin) for dissimilar (y = -1). See `F.cosine_embedding_loss`.

    Example:
        >>> nn.CosineEmbeddingLoss()(tg.tensor([[1.0, 0.0]]), tg.tensor([[1.0, 0.0]]), tg.tensor([-1]))
        tensor(1., dtype=float32)
    """

    def __init__(self, margin: float = 0.0, reduction: str = "mean") -> None:
        super().__init__(reduction)
        self.margin = margin

    def forward(self, input1: Tensor, input2: Tensor, target: Any) -> Tensor:
        """The embedding loss of the pairs (`input1`, `input2`) labelled `target`."""
        return F.cosine_embedding_loss(input1, input2, target, margin=self.margin, reduction=self.reduction)


class MultiLabelSoftMarginLoss(_Loss):
    """Per-class binary cross-entropy of logits, averaged over classes. See `F.multilabel_soft_margin_loss`.

    Example:
        >>> nn.MultiLabelSoftMarginLoss()(tg.zeros(1, 2), tg.tensor([[1.0, 0.0]]))
        tensor(0.6931472, dtype=float32)
    """

    def __init__(self, weight: Any = None, reduction: str = "mean") -> None:
        super().__init__(reduction)
        self._register_weight("weight", weight)

    def forward(self, input: Tensor, target: Any) -> Tensor:
        """The loss of the logits `input` against 0/1 `target`, with this module's weight and reduction."""
        return F.multilabel_soft_margin_loss(input, target, weight=self.weight, reduction=self.reduction)


class GaussianNLLLoss(_Loss):
    """Negative log-likelihood of `target` under N(input, var). See `F.gaussian_nll_loss`.

    Example:
        >>> nn.GaussianNLLLoss()(tg.tensor([1.0]), tg.tensor([3.0]), tg.tensor([1.0]))
        tensor(2., dtype=float32)
    """

    def __init__(self, *, full: bool = False, eps: float = 1e-6, reduction: str = "mean") -> None:
        super().__init__(reduction)
        self.full = full
        self.eps = eps

    def forward(self, input: Tensor, target: Any, var: Any) -> Tensor:
        """The loss of the means `input` and variances `var` against `target`."""
        return F.gaussian_nll_loss(input, target, var, full=self.full, eps=self.eps, reduction=self.reduction)


class PoissonNLLLoss(_Loss):
    """Negative log-likelihood of counts `target` under Poisson(rate). See `F.poisson_nll_loss`.

    Example:
        >>> nn.PoissonNLLLoss()(tg.tensor([0.0]), tg.tensor([2.0]))
        tensor(1., dtype=float32)
    """

    def __init__(self, log_input: bool = True, full: bool = False, eps: float = 1e-8, reduction: str = "mean") -> None:
        super().__init__(reduction)
        self.log_input = log_input
        self.full = full
        self.eps = eps

    def forward(self, input: Tensor, target: Any) -> Tensor:
        """The loss of the (log-)rates `input` against the counts `target`."""
        return F.poisson_nll_loss(
            input, target, log_input=self.log_input, full=self.full, eps=self.eps, reduction=self.reduction
        )
