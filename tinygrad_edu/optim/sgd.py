"""SGD: stochastic gradient descent with optional momentum, dampening, Nesterov and weight decay, as PyTorch."""

from __future__ import annotations

from typing import Any

import numpy as np

from tinygrad_edu.optim.optimizer import Optimizer, ParamsT
from tinygrad_edu.tensor import Tensor

__all__ = ["SGD"]


class SGD(Optimizer):
    """Stochastic gradient descent with PyTorch's exact update rule.

    For each parameter p with gradient g, at step t (lr = gamma, momentum = mu, dampening = tau,
    weight_decay = lambda):

        g <- -g                           if maximize
        g <- g + lambda p                 if weight_decay != 0
        if mu != 0:
            b <- g                        at the first step (the buffer starts as the gradient)
            b <- mu b + (1 - tau) g       afterwards
            g <- g + mu b                 if nesterov, else g <- b
        p <- p - gamma g

    Parameters whose `.grad` is None are skipped. The update is done in place on `p.data`.

    Example:
        >>> opt = tg.optim.SGD(net.parameters(), lr=0.1, momentum=0.9)
        >>> loss.backward(); opt.step(); opt.zero_grad()
    """

    def __init__(
        self,
        params: ParamsT,
        lr: float = 1e-3,
        momentum: float = 0.0,
        dampening: float = 0.0,
        weight_decay: float = 0.0,
        nesterov: bool = False,
        *,
        maximize: bool = False,
    ) -> None:
        defaults = dict(
            lr=lr,
            momentum=momentum,
            dampening=dampening,
            weight_decay=weight_decay,
            nesterov=nesterov,
            maximize=maximize,
        )
        super().__init__(params, defaults)

    def _check_group(self, group: dict[str, Any]) -> None:
        self._check_non_negative(
            group, {"lr": "learning rate", "momentum": "momentum value", "weight_decay": "weight_decay value"}
        )
        if group["nesterov"] and (group["momentum"] <= 0 or group["dampening"] != 0):
            raise ValueError(
                "Nesterov momentum requires a momentum and zero dampening, got "
                f"momentum={group['momentum']}, dampening={group['dampening']}"
            )

    def _init_state(self, group: dict[str, Any], p: Tensor) -> dict[str, Any] | None:
        # Only momentum keeps state; its buffer is made from the first gradient, in _update.
        return {} if group["momentum"] else None

    def _update_group(self, group: dict[str, Any], params: list[Tensor]) -> None:
        if group["momentum"] or group["weight_decay"] or group["maximize"]:
            super()._update_group(group, params)  # each parameter by _update, with its momentum buffer
            return
        # The plain rule p <- p - lr g for the whole group in one loop: no state to look up, no call per
        # parameter (1-2 us of a 2-4-1 XOR step with its 4 parameters).
        lr = group["lr"]
        for p in params:
            p.data -= lr * p._grad.data  # type: ignore[union-attr]  # (step passes only parameters with a gradient)

    def _update(self, group: dict[str, Any], p: Tensor, state: dict[str, Any] | None) -> None:
        """One update of p (see the class docstring for the rule)."""
        lr = group["lr"]
        momentum = group["momentum"]
        g = self._gradient(group, p)  # g <- -g if maximize; g <- g + lambda p if weight_decay (a new array)
        if momentum:
            assert state is not None  # (_init_state made it)
            buf = state.get("momentum_buffer")
            if buf is None:
                # b <- g: a copy in p's dtype, an array of g's kind (np.copy: a NumPy scalar g gives a 0-d array)
                buf = state["momentum_buffer"] = np.copy(g).astype(p.data.dtype, copy=False)
            else:
                dampening = group["dampening"]
                buf *= momentum
                buf += (1 - dampening) * g if dampening else g  # b <- mu b + (1 - tau) g
            if group["nesterov"]:  # g <- g + mu b, then p <- p - gamma g, all in mu b's array (the same bits,
                step = momentum * buf  # one temporary instead of two alive at once: see _average_square)
                step += g
                step *= lr
                p.data -= step
                return
            g = buf  # g <- b
        p.data -= lr * g  # p <- p - gamma g
