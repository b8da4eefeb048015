"""Adam and AdamW: gradient steps scaled by running averages of the gradient and its square, as PyTorch."""

from __future__ import annotations

from typing import Any

import numpy as np

from tinygrad_edu.optim.optimizer import Optimizer, ParamsT
from tinygrad_edu.tensor import Tensor

__all__ = ["Adam", "AdamW"]


class Adam(Optimizer):
    """Adam with PyTorch's exact update rule (and AdamW's, with decoupled_weight_decay=True).

    For each parameter p with gradient g, at step t = 1, 2, ... (lr = gamma, betas = (b1, b2),
    weight_decay = lambda):

        g <- -g                                  if maximize
        p <- p (1 - gamma lambda)                if decoupled_weight_decay (AdamW)
        g <- g + lambda p                        otherwise, if weight_decay != 0 (L2 penalty)
        m <- b1 m + (1 - b1) g                   (m and v start at 0)
        v <- b2 v + (1 - b2) g^2
        v_max <- max(v_max, v); use v_max for v  if amsgrad
        p <- p - (gamma / (1 - b1^t)) m / (sqrt(v) / sqrt(1 - b2^t) + eps)

    The divisions by 1 - b^t are the bias corrections: m and v start at 0, so early averages are
    too small by that factor. Parameters whose `.grad` is None are skipped; updates are in place.

    The state of each parameter, under PyTorch's names: 'step' (t, the steps taken so far, a 0-d
    float64 array counted in place, where PyTorch keeps a 0-d tensor), 'exp_avg' (m), 'exp_avg_sq'
    (v) and, with amsgrad, 'max_exp_avg_sq' (v_max). Because t is an array changed in place like m
    and v, tg.compile traces this very step() and replays it with t read afresh at every call.

    Example:
        >>> opt = tg.optim.Adam(net.parameters(), lr=1e-3)
        >>> loss.backward(); opt.step(); opt.zero_grad()
    """

    def __init__(
        self,
        params: ParamsT,
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        amsgrad: bool = False,
        *,
        maximize: bool = False,
        decoupled_weight_decay: bool = False,
    ) -> None:
        defaults = dict(
            lr=lr,
            betas=tuple(betas),
            eps=eps,
            weight_decay=weight_decay,
            amsgrad=amsgrad,
            maximize=maximize,
            decoupled_weight_decay=decoupled_weight_decay,
        )
        super().__init__(params, defaults)

    def _check_group(self, group: dict[str, Any]) -> None:
        check_adam_group(self, group)

    def _init_state(self, group: dict[str, Any], p: Tensor) -> dict[str, Any]:
        # Made from p's array, so a parameter holding a traced array gets traced state too
        # (the step count: a 0-d float64 array of p's kind).
        state = {
            "step": np.zeros_like(p.data, shape=(), dtype=np.float64),
            "exp_avg": np.zeros_like(p.data),
            "exp_avg_sq": np.zeros_like(p.data),
        }
        if group["amsgrad"]:
            state["max_exp_avg_sq"] = np.zeros_like(p.data)
        return state

    def _update(self, group: dict[str, Any], p: Tensor, state: dict[str, Any]) -> None:
        """One update of p (see the class docstring for the rule)."""
        lr = group["lr"]
        beta1, beta2 = group["betas"]
        state["step"] += 1  # in place, as m and v below
        # The bias corrections are Python floats, as in PyTorch (a NumPy float64 would turn float32
        # arithmetic into float64); np.sqrt below, the same correctly rounded root as math.sqrt,
        # because tg.compile follows NumPy's calls and not math's.
        t = state["step"].item()
        # g <- -g if maximize; then AdamW's p <- p (1 - lr lambda), or Adam's L2 penalty g <- g + lambda p
        g = self._gradient(group, p)
        m, v = state["exp_avg"], state["exp_avg_sq"]
        m *= beta1
        m += (1 - beta1) * g  # m <- b1 m + (1 - b1) g
        self._average_square(v, g, beta2)  # v <- b2 v + (1 - b2) g^2
        if group["amsgrad"]:
            v = np.maximum(state["max_exp_avg_sq"], v, out=state["max_exp_avg_sq"])
        step_size = lr / (1 - beta1**t)
        denom = np.sqrt(v)
        denom /= np.sqrt(1 - beta2**t).item()  # sqrt(1 - b2^t)
        denom += group["eps"]
        np.divide(m, denom, out=denom)  # denom now holds m / denom
        denom *= step_size
        p.data -= denom


class AdamW(Adam):
    """Adam with decoupled weight decay (p <- p (1 - lr weight_decay) before the Adam step), weight_decay 1e-2.

    Example:
        >>> opt = tg.optim.AdamW(net.parameters(), lr=1e-3, weight_decay=1e-2)
    """

    def __init__(
        self,
        params: ParamsT,
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 1e-2,
        amsgrad: bool = False,
        *,
        maximize: bool = False,
    ) -> None:
        super().__init__(
            params,
            lr=lr,
            betas=betas,
            eps=eps,
            weight_decay=weight_decay,
            amsgrad=amsgrad,
            maximize=maximize,
            decoupled_weight_decay=True,
        )


def check_adam_group(optimizer: Optimizer, group: dict[str, Any]) -> None:
    """The hyper-parameter checks of Adam and its variants (Adamax, NAdam, RAdam), with PyTorch's messages."""
    optimizer._check_non_negative(group, {"lr": "learning rate", "eps": "epsilon value"})
    betas = group["betas"]
    if len(betas) != 2:
        raise ValueError(f"Invalid betas: {betas} (expected two numbers)")
    for i, beta in enumerate(betas):
        if not 0.0 <= beta < 1.0:
            raise ValueError(f"Invalid beta parameter at index {i}: {beta} (it must be in [0, 1))")
    optimizer._check_non_negative(group, {"weight_decay": "weight_decay value"})
