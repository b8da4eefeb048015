"""ASGD: averaged stochastic gradient descent, SGD whose running average of the iterates is kept too, as PyTorch."""

from __future__ import annotations

from typing import Any

import numpy as np

from tinygrad_edu.dtypes import get_default_dtype
from tinygrad_edu.optim.optimizer import Optimizer, ParamsT
from tinygrad_edu.tensor import Tensor

__all__ = ["ASGD"]


class ASGD(Optimizer):
    """Averaged SGD (Polyak and Juditsky, 1992) with PyTorch's exact update rule and step-size schedule.

    For each parameter p with gradient g, at step t = 1, 2, ... (lr = gamma, lambd = lambda, alpha, t0,
    weight_decay = w), with eta the current step size (gamma at first) and mu the averaging rate (1 at first):

        g <- -g                                      if maximize
        g <- g + w p                                 if weight_decay != 0
        p <- p (1 - lambda eta) - eta g
        ax <- p if mu = 1, else ax + mu (p - ax)     ('ax', the average of the iterates)
        eta <- gamma / (1 + lambda gamma t)^alpha
        mu <- 1 / max(1, t - t0)                     (averaging starts after t0 steps)

    The parameters themselves are plain SGD's (with a decay); the average is in `state[p]['ax']`.
    State under PyTorch's names: 'step', 'eta', 'mu' (0-d float64 arrays; eta and mu rounded to the default
    dtype, as PyTorch's) and 'ax'. `foreach`, `capturable`
    and `differentiable` are accepted for PyTorch's signature and ignored.

    Example:
        >>> opt = tg.optim.ASGD(net.parameters(), lr=0.01, t0=100)
    """

    _scalar_state = ("step", "eta", "mu")

    def __init__(
        self,
        params: ParamsT,
        lr: float = 1e-2,
        lambd: float = 1e-4,
        alpha: float = 0.75,
        t0: float = 1e6,
        weight_decay: float = 0.0,
        foreach: bool | None = None,
        maximize: bool = False,
        differentiable: bool = False,
        capturable: bool = False,
    ) -> None:
        defaults = dict(lr=lr, lambd=lambd, alpha=alpha, t0=t0, weight_decay=weight_decay, maximize=maximize)
        super().__init__(params, defaults)

    def _check_group(self, group: dict[str, Any]) -> None:
        self._check_non_negative(group, {"lr": "learning rate", "weight_decay": "weight_decay value"})

    def _init_state(self, group: dict[str, Any], p: Tensor) -> dict[str, Any]:
        return {
            "step": np.array(0.0),
            "eta": np.array(get_default_dtype().type(group["lr"]), dtype=np.float64),
            "mu": np.array(1.0),
            "ax": np.zeros_like(p.data),
        }

    def _update(self, group: dict[str, Any], p: Tensor, state: dict[str, Any]) -> None:
        """One update of p (see the class docstring for the rule)."""
        lr, lambd, alpha, t0 = group["lr"], group["lambd"], group["alpha"], group["t0"]
        g = self._gradient(group, p)  # g <- -g if maximize; g <- g + w p if weight_decay (a new array)
        state["step"] += 1
        t = state["step"].item()
        eta = state["eta"].item()
        p.data *= 1 - lambd * eta  # the decay term
        p.data -= eta * g
        ax, mu = state["ax"], state["mu"].item()
        if mu != 1:
            ax += (p.data - ax) * mu
        else:
            ax[...] = p.data
        # eta and mu rounded to the default dtype, as PyTorch keeps them (its scalar dtype), for the same bits
        scalar = get_default_dtype()
        state["eta"] = np.array(scalar.type(lr / (1 + lambd * lr * t) ** alpha), dtype=np.float64)
        state["mu"] = np.array(scalar.type(1 / max(1, t - t0)), dtype=np.float64)
