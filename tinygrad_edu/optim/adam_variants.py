"""Adamax, NAdam and RAdam: Adam's running averages with another norm, Nesterov's look-ahead, or a rectified step."""

from __future__ import annotations

from typing import Any

import numpy as np

from tinygrad_edu.optim.adam import check_adam_group
from tinygrad_edu.optim.optimizer import Optimizer, ParamsT
from tinygrad_edu.tensor import Tensor

__all__ = ["Adamax", "NAdam", "RAdam"]


class _AdamFamily(Optimizer):
    """What Adamax, NAdam and RAdam share: Adam's hyper-parameter checks, and PyTorch's lerp for running averages."""

    def _check_group(self, group: dict[str, Any]) -> None:
        check_adam_group(self, group)

    @staticmethod
    def _average(m: np.ndarray, g: np.ndarray, beta: float) -> None:
        """m <- beta m + (1 - beta) g, in place, written m + (1 - beta)(g - m) as PyTorch's lerp computes it."""
        m += (1 - beta) * (g - m)


class Adamax(_AdamFamily):
    """Adamax (Kingma and Ba, 2015, section 7): Adam with the infinity norm in place of the root mean square.

    For each parameter p with gradient g, at step t = 1, 2, ... (lr = gamma, betas = (b1, b2)):

        g <- -g                                      if maximize
        g <- g + lambda p                            if weight_decay != 0
        m <- b1 m + (1 - b1) g                       ('exp_avg', starts at 0)
        u <- max(b2 u, |g| + eps)                    ('exp_inf', starts at 0)
        p <- p - (gamma / (1 - b1^t)) m / u

    Only m needs a bias correction: a running maximum does not start too small.

    Example:
        >>> opt = tg.optim.Adamax(net.parameters(), lr=2e-3)
    """

    def __init__(
        self,
        params: ParamsT,
        lr: float = 2e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        foreach: bool | None = None,
        *,
        maximize: bool = False,
    ) -> None:
        defaults = dict(lr=lr, betas=tuple(betas), eps=eps, weight_decay=weight_decay, maximize=maximize)
        super().__init__(params, defaults)

    def _init_state(self, group: dict[str, Any], p: Tensor) -> dict[str, Any]:
        return {"step": np.array(0.0), "exp_avg": np.zeros_like(p.data), "exp_inf": np.zeros_like(p.data)}

    def _update(self, group: dict[str, Any], p: Tensor, state: dict[str, Any]) -> None:
        """One update of p (see the class docstring for the rule)."""
        beta1, beta2 = group["betas"]
        g = self._gradient(group, p)
        state["step"] += 1
        t = state["step"].item()
        m, u = state["exp_avg"], state["exp_inf"]
        self._average(m, g, beta1)
        u *= beta2
        np.maximum(u, np.abs(g) + group["eps"], out=u)  # u <- max(b2 u, |g| + eps)
        p.data -= (group["lr"] / (1 - beta1**t)) * (m / u)


class NAdam(_AdamFamily):
    """NAdam (Dozat, 2016): Adam with Nesterov momentum, and PyTorch's momentum schedule.

    For each parameter p with gradient g, at step t = 1, 2, ... (lr = gamma, betas = (b1, b2),
    momentum_decay = psi):

        g <- -g                                      if maximize
        p <- p (1 - gamma lambda)                    if decoupled_weight_decay, else g <- g + lambda p
        mu_t = b1 (1 - 0.5 * 0.96^(t psi))           (the momentum warms up towards b1)
        P <- P mu_t                                  ('mu_product', starts at 1)
        m <- b1 m + (1 - b1) g;  v <- b2 v + (1 - b2) g^2
        d = sqrt(v / (1 - b2^t)) + eps
        p <- p - gamma (1 - mu_t) / (1 - P) g / d - gamma mu_{t+1} / (1 - P mu_{t+1}) m / d

    The second term looks one step ahead with next step's momentum: that is the Nesterov part.
    State under PyTorch's names: 'step' and 'mu_product' (0-d float64 arrays), 'exp_avg', 'exp_avg_sq'.

    Example:
        >>> opt = tg.optim.NAdam(net.parameters(), lr=2e-3)
    """

    _scalar_state = ("step", "mu_product")

    def __init__(
        self,
        params: ParamsT,
        lr: float = 2e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        momentum_decay: float = 4e-3,
        decoupled_weight_decay: bool = False,
        *,
        foreach: bool | None = None,
        maximize: bool = False,
    ) -> None:
        defaults = dict(
            lr=lr,
            betas=tuple(betas),
            eps=eps,
            weight_decay=weight_decay,
            momentum_decay=momentum_decay,
            decoupled_weight_decay=decoupled_weight_decay,
            maximize=maximize,
        )
        super().__init__(params, defaults)

    def _check_group(self, group: dict[str, Any]) -> None:
        super()._check_group(group)
        self._check_non_negative(group, {"momentum_decay": "momentum_decay value"})

    def _init_state(self, group: dict[str, Any], p: Tensor) -> dict[str, Any]:
        return {
            "step": np.array(0.0),
            "mu_product": np.array(1.0),
            "exp_avg": np.zeros_like(p.data),
            "exp_avg_sq": np.zeros_like(p.data),
        }

    def _update(self, group: dict[str, Any], p: Tensor, state: dict[str, Any]) -> None:
        """One update of p (see the class docstring for the rule)."""
        lr, eps, psi = group["lr"], group["eps"], group["momentum_decay"]
        beta1, beta2 = group["betas"]
        g = self._gradient(group, p)
        state["step"] += 1
        t = state["step"].item()
        mu = beta1 * (1.0 - 0.5 * 0.96 ** (t * psi))
        mu_next = beta1 * (1.0 - 0.5 * 0.96 ** ((t + 1) * psi))
        state["mu_product"] *= mu
        mu_product = state["mu_product"].item()
        m, v = state["exp_avg"], state["exp_avg_sq"]
        self._average(m, g, beta1)
        self._average_square(v, g, beta2)  # v <- b2 v + (1 - b2) g^2
        denom = np.sqrt(v / (1 - beta2**t)) + eps
        p.data -= (lr * (1.0 - mu) / (1.0 - mu_product)) * (g / denom)
        p.data -= (lr * mu_next / (1.0 - mu_product * mu_next)) * (m / denom)


class RAdam(_AdamFamily):
    """RAdam (Liu et al., 2019): Adam whose adaptive step is switched on only once the variance estimate is reliable.

    For each parameter p with gradient g, at step t = 1, 2, ... (lr = gamma, betas = (b1, b2)):

        g <- -g                                      if maximize
        p <- p (1 - gamma lambda)                    if decoupled_weight_decay, else g <- g + lambda p
        m <- b1 m + (1 - b1) g;  v <- b2 v + (1 - b2) g^2
        m_hat = m / (1 - b1^t)
        rho_inf = 2 / (1 - b2) - 1;  rho_t = rho_inf - 2 t b2^t / (1 - b2^t)
        if rho_t > 5:
            r = sqrt((rho_t - 4)(rho_t - 2) rho_inf / ((rho_inf - 4)(rho_inf - 2) rho_t))
            p <- p - gamma m_hat r sqrt(1 - b2^t) / (sqrt(v) + eps)
        else:
            p <- p - gamma m_hat                     (plain momentum SGD while v is still too noisy)

    Example:
        >>> opt = tg.optim.RAdam(net.parameters(), lr=1e-3)
    """

    def __init__(
        self,
        params: ParamsT,
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        decoupled_weight_decay: bool = False,
        *,
        foreach: bool | None = None,
        maximize: bool = False,
    ) -> None:
        defaults = dict(
            lr=lr,
            betas=tuple(betas),
            eps=eps,
            weight_decay=weight_decay,
            decoupled_weight_decay=decoupled_weight_decay,
            maximize=maximize,
        )
        super().__init__(params, defaults)

    def _init_state(self, group: dict[str, Any], p: Tensor) -> dict[str, Any]:
        return {"step": np.array(0.0), "exp_avg": np.zeros_like(p.data), "exp_avg_sq": np.zeros_like(p.data)}

    def _update(self, group: dict[str, Any], p: Tensor, state: dict[str, Any]) -> None:
        """One update of p (see the class docstring for the rule)."""
        lr, eps = group["lr"], group["eps"]
        beta1, beta2 = group["betas"]
        g = self._gradient(group, p)
        state["step"] += 1
        t = state["step"].item()
        m, v = state["exp_avg"], state["exp_avg_sq"]
        self._average(m, g, beta1)
        self._average_square(v, g, beta2)  # v <- b2 v + (1 - b2) g^2
        correction2 = 1 - beta2**t
        m_hat = m / (1 - beta1**t)
        rho_inf = 2 / (1 - beta2) - 1
        rho_t = rho_inf - 2 * t * beta2**t / correction2
        # The branch on rho_t > 5 is taken by np.where on the step-count array, not by a Python `if`:
        # tg.compile traces this step once and replays it, so a Python decision would be frozen at
        # the traced step's branch. Both sides are computed; np.sqrt (not math.sqrt) for the same reason.
        step = m_hat * lr
        if rho_inf <= 5.0:  # (a hyper-parameter, not a traced value) rho_t < rho_inf: never rectified
            p.data -= step
            return
        count = state["step"]
        rectify = rho_inf - 2 * count * beta2**count / (1 - beta2**count) > 5.0
        rect_sq = (rho_t - 4) * (rho_t - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho_t)
        rect = np.sqrt(np.maximum(rect_sq, 0.0)).item()
        adaptive = np.sqrt(correction2).item() / (np.sqrt(v) + eps)
        p.data -= np.where(rectify, step * adaptive * rect, step)
