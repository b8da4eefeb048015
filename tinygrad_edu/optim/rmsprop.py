"""RMSprop, Adagrad and Adadelta: gradient steps divided by a running root-mean-square of past gradients, as PyTorch."""

from __future__ import annotations

from typing import Any

import numpy as np

from tinygrad_edu.optim.optimizer import Optimizer, ParamsT
from tinygrad_edu.tensor import Tensor

__all__ = ["RMSprop", "Adagrad", "Adadelta"]


class RMSprop(Optimizer):
    """RMSprop with PyTorch's exact update rule (Hinton's lecture 6e, with optional centring and momentum).

    For each parameter p with gradient g (lr = gamma, alpha, momentum = mu, weight_decay = lambda):

        g <- -g                                      if maximize
        g <- g + lambda p                            if weight_decay != 0
        v <- alpha v + (1 - alpha) g^2               (v, 'square_avg', starts at 0)
        if centered:
            a <- alpha a + (1 - alpha) g             (a, 'grad_avg', starts at 0)
            d <- sqrt(v - a^2) + eps                 (the root of a variance, not of a raw second moment)
        else:
            d <- sqrt(v) + eps
        if mu != 0:
            b <- mu b + g / d                        (b, 'momentum_buffer', starts at 0)
            p <- p - gamma b
        else:
            p <- p - gamma g / d

    Unlike Adam there is no bias correction: v starts at 0, so the first steps are large (g / sqrt(1 - alpha)).
    State under PyTorch's names: 'step' (a 0-d float64 array), 'square_avg', and 'momentum_buffer'
    (if momentum) and 'grad_avg' (if centered). `foreach` is accepted for PyTorch's signature and ignored.

    Example:
        >>> opt = tg.optim.RMSprop(net.parameters(), lr=1e-2, momentum=0.9, centered=True)
    """

    def __init__(
        self,
        params: ParamsT,
        lr: float = 1e-2,
        alpha: float = 0.99,
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        momentum: float = 0.0,
        centered: bool = False,
        foreach: bool | None = None,
        maximize: bool = False,
    ) -> None:
        defaults = dict(
            lr=lr,
            alpha=alpha,
            eps=eps,
            weight_decay=weight_decay,
            momentum=momentum,
            centered=centered,
            maximize=maximize,
        )
        super().__init__(params, defaults)

    def _check_group(self, group: dict[str, Any]) -> None:
        self._check_non_negative(
            group,
            {
                "lr": "learning rate",
                "eps": "epsilon value",
                "momentum": "momentum value",
                "weight_decay": "weight_decay value",
                "alpha": "alpha value",
            },
        )

    def _init_state(self, group: dict[str, Any], p: Tensor) -> dict[str, Any]:
        state = {"step": np.array(0.0), "square_avg": np.zeros_like(p.data)}
        if group["momentum"] > 0:
            state["momentum_buffer"] = np.zeros_like(p.data)
        if group["centered"]:
            state["grad_avg"] = np.zeros_like(p.data)
        return state

    def _update(self, group: dict[str, Any], p: Tensor, state: dict[str, Any]) -> None:
        """One update of p (see the class docstring for the rule)."""
        lr, alpha, eps, momentum = group["lr"], group["alpha"], group["eps"], group["momentum"]
        g = self._gradient(group, p)  # g <- -g if maximize; g <- g + lambda p if weight_decay (a new array)
        state["step"] += 1
        v = state["square_avg"]
        self._average_square(v, g, alpha)  # v <- alpha v + (1 - alpha) g^2
        if group["centered"]:
            a = state["grad_avg"]
            a *= alpha
            a += (1 - alpha) * g  # a <- alpha a + (1 - alpha) g
            denom = np.sqrt(v - a * a) + eps
        else:
            denom = np.sqrt(v) + eps
        if momentum > 0:
            buf = state["momentum_buffer"]
            buf *= momentum
            buf += g / denom  # b <- mu b + g / d
            p.data -= lr * buf
        else:
            p.data -= lr * (g / denom)


class Adagrad(Optimizer):
    """Adagrad (Duchi et al., 2011) with PyTorch's exact update rule.

    For each parameter p with gradient g, at step t = 1, 2, ... (lr = gamma, lr_decay = eta,
    weight_decay = lambda):

        g <- -g                                      if maximize
        g <- g + lambda p                            if weight_decay != 0
        gamma_t = gamma / (1 + (t - 1) eta)
        s <- s + g^2                                 (s, 'sum', starts at initial_accumulator_value)
        p <- p - gamma_t g / (sqrt(s) + eps)

    Each weight's step shrinks as its squared gradients add up: rarely-moved weights keep large steps.
    As in PyTorch, the state ('step' 0 and 'sum') of every parameter given to the constructor exists from
    the start, so `state_dict()` lists it before any step; a group added later gets its state at its first step.

    Example:
        >>> opt = tg.optim.Adagrad(net.parameters(), lr=0.1)
    """

    def __init__(
        self,
        params: ParamsT,
        lr: float = 1e-2,
        lr_decay: float = 0.0,
        weight_decay: float = 0.0,
        initial_accumulator_value: float = 0.0,
        eps: float = 1e-10,
        foreach: bool | None = None,
        *,
        maximize: bool = False,
    ) -> None:
        defaults = dict(
            lr=lr,
            lr_decay=lr_decay,
            eps=eps,
            weight_decay=weight_decay,
            initial_accumulator_value=initial_accumulator_value,
            maximize=maximize,
        )
        super().__init__(params, defaults)
        for group in self.param_groups:
            for p in group["params"]:
                self.state[p] = self._new_state(p, initial_accumulator_value)

    @staticmethod
    def _new_state(p: Any, initial: float) -> dict[str, Any]:
        return {"step": np.array(0.0), "sum": np.full_like(p.data, initial)}

    def _check_group(self, group: dict[str, Any]) -> None:
        self._check_non_negative(
            group,
            {
                "lr": "learning rate",
                "lr_decay": "lr_decay value",
                "weight_decay": "weight_decay value",
                "initial_accumulator_value": "initial_accumulator_value value",
                "eps": "epsilon value",
            },
        )

    def _init_state(self, group: dict[str, Any], p: Tensor) -> dict[str, Any]:
        return self._new_state(p, group["initial_accumulator_value"])  # (a group added after the constructor)

    def _update(self, group: dict[str, Any], p: Tensor, state: dict[str, Any]) -> None:
        """One update of p (see the class docstring for the rule)."""
        g = self._gradient(group, p)  # g <- -g if maximize; g <- g + lambda p if weight_decay (a new array)
        state["step"] += 1
        t = state["step"].item()
        lr_t = group["lr"] / (1 + (t - 1) * group["lr_decay"])
        s = state["sum"]
        s += g * g  # s <- s + g^2
        p.data -= lr_t * (g / (np.sqrt(s) + group["eps"]))


class Adadelta(Optimizer):
    """Adadelta (Zeiler, 2012) with PyTorch's exact update rule.

    For each parameter p with gradient g (lr = gamma, rho, weight_decay = lambda):

        g <- -g                                      if maximize
        g <- g + lambda p                            if weight_decay != 0
        v <- rho v + (1 - rho) g^2                   (v, 'square_avg', starts at 0)
        delta = sqrt(u + eps) / sqrt(v + eps) g      (u, 'acc_delta', starts at 0)
        u <- rho u + (1 - rho) delta^2
        p <- p - gamma delta

    The ratio of the two running roots gives each step the units of the parameter, so lr defaults to 1.
    State under PyTorch's names: 'step' (a 0-d float64 array), 'square_avg', 'acc_delta'.

    Example:
        >>> opt = tg.optim.Adadelta(net.parameters())
    """

    def __init__(
        self,
        params: ParamsT,
        lr: float = 1.0,
        rho: float = 0.9,
        eps: float = 1e-6,
        weight_decay: float = 0.0,
        foreach: bool | None = None,
        *,
        maximize: bool = False,
    ) -> None:
        defaults = dict(lr=lr, rho=rho, eps=eps, weight_decay=weight_decay, maximize=maximize)
        super().__init__(params, defaults)

    def _check_group(self, group: dict[str, Any]) -> None:
        self._check_non_negative(group, {"lr": "learning rate", "eps": "epsilon value"})
        if not 0.0 <= group["rho"] <= 1.0:
            raise ValueError(f"Invalid rho value: {group['rho']} (it must be in [0, 1])")
        self._check_non_negative(group, {"weight_decay": "weight_decay value"})

    def _init_state(self, group: dict[str, Any], p: Tensor) -> dict[str, Any]:
        return {"step": np.array(0.0), "square_avg": np.zeros_like(p.data), "acc_delta": np.zeros_like(p.data)}

    def _update(self, group: dict[str, Any], p: Tensor, state: dict[str, Any]) -> None:
        """One update of p (see the class docstring for the rule)."""
        lr, rho, eps = group["lr"], group["rho"], group["eps"]
        g = self._gradient(group, p)  # g <- -g if maximize; g <- g + lambda p if weight_decay (a new array)
        state["step"] += 1
        v, u = state["square_avg"], state["acc_delta"]
        self._average_square(v, g, rho)  # v <- rho v + (1 - rho) g^2
        delta = np.sqrt(u + eps) / np.sqrt(v + eps) * g
        self._average_square(u, delta, rho)  # u <- rho u + (1 - rho) delta^2
        p.data -= lr * delta
