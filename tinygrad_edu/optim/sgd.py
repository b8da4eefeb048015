"""SGD: stochastic gradient descent with optional momentum, dampening, Nesterov and weight decay, as PyTorch."""

from __future__ import annotations

from typing import Any, Callable, Optional

import numpy as np

from tinygrad_edu.optim.optimizer import Optimizer, ParamsT

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

    def __init__(self, params: ParamsT, lr: float = 1e-3, momentum: float = 0.0, dampening: float = 0.0,
                 weight_decay: float = 0.0, nesterov: bool = False, *, maximize: bool = False) -> None:
        defaults = dict(lr=lr, momentum=momentum, dampening=dampening, weight_decay=weight_decay,
                        nesterov=nesterov, maximize=maximize)
        super().__init__(params, defaults)

    def _check_group(self, group: dict[str, Any]) -> None:
        self._check_non_negative(group, {"lr": "learning rate", "momentum": "momentum value",
                                         "weight_decay": "weight_decay value"})
        if group["nesterov"] and (group["momentum"] <= 0 or group["dampening"] != 0):
            raise ValueError(
                "Nesterov momentum requires a momentum and zero dampening, got "
                f"momentum={group['momentum']}, dampening={group['dampening']}"
            )

    def step(self, closure: Optional[Callable[[], Any]] = None) -> Any:
        """One update of every parameter that has a gradient (see the class docstring for the rule)."""
        loss = self._closure_loss(closure)
        for group in self.param_groups:
            lr = group["lr"]
            momentum = group["momentum"]
            dampening = group["dampening"]
            weight_decay = group["weight_decay"]
            nesterov = group["nesterov"]
            maximize = group["maximize"]
            for p in group["params"]:
                if p.grad is None:
                    continue
                g = p.grad.data
                if not (momentum or weight_decay or maximize):
                    p.data -= lr * g  # the plain rule, p <- p - lr g, in place
                    p._bump_version()  # an in-place change, as PyTorch's: graphs that saved p refuse backward
                    continue
                if maximize:
                    g = -g
                if weight_decay:
                    g = g + weight_decay * p.data  # a new array: the gradient itself is left as it is
                if momentum:
                    state = self.state.setdefault(p, {})
                    buf = state.get("momentum_buffer")
                    if buf is None:
                        # a copy in p's dtype, an array of g's kind (np.copy: a NumPy scalar g gives a 0-d array)
                        buf = state["momentum_buffer"] = np.copy(g).astype(p.data.dtype, copy=False)
                    else:
                        buf *= momentum
                        buf += (1 - dampening) * g if dampening else g
                    g = g + momentum * buf if nesterov else buf
                p.data -= lr * g
                p._bump_version()
        return loss
