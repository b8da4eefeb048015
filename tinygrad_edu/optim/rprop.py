"""Rprop: resilient backpropagation, a step per weight that grows or shrinks with its gradient's sign, as PyTorch."""

from __future__ import annotations

from typing import Any

import numpy as np

from tinygrad_edu.optim.optimizer import Optimizer, ParamsT
from tinygrad_edu.tensor import Tensor

__all__ = ["Rprop"]


class Rprop(Optimizer):
    """Rprop (Riedmiller and Braun, 1993) with PyTorch's exact update rule (the variant without backtracking).

    Only the sign of each gradient element is used. For each parameter p with gradient g (etas = (eta-, eta+),
    step_sizes = (s_min, s_max)), with 'prev' the gradient kept from the last step (0 at first) and 'step_size'
    each element's own step (lr at first):

        g <- -g                                      if maximize
        f = eta+ where g prev > 0, eta- where g prev < 0, 1 where g prev = 0
        step_size <- clip(step_size f, s_min, s_max)
        g <- 0 where g prev < 0                      (the sign flipped: the last step overshot; pause one step)
        p <- p - sign(g) step_size
        prev <- g

    State under PyTorch's names: 'step' (a 0-d float64 array), 'prev', 'step_size'. `foreach`, `capturable`
    and `differentiable` are accepted for PyTorch's signature and ignored.

    Example:
        >>> opt = tg.optim.Rprop(net.parameters(), lr=0.01)
    """

    def __init__(
        self,
        params: ParamsT,
        lr: float = 1e-2,
        etas: tuple[float, float] = (0.5, 1.2),
        step_sizes: tuple[float, float] = (1e-6, 50),
        *,
        capturable: bool = False,
        foreach: bool | None = None,
        maximize: bool = False,
        differentiable: bool = False,
    ) -> None:
        defaults = dict(lr=lr, etas=tuple(etas), step_sizes=tuple(step_sizes), maximize=maximize)
        super().__init__(params, defaults)

    def _check_group(self, group: dict[str, Any]) -> None:
        self._check_non_negative(group, {"lr": "learning rate"})
        eta_minus, eta_plus = group["etas"]
        if not 0.0 < eta_minus < 1.0 < eta_plus:
            raise ValueError(f"Invalid eta values: {eta_minus}, {eta_plus}")

    def _init_state(self, group: dict[str, Any], p: Tensor) -> dict[str, Any]:
        return {"step": np.array(0.0), "prev": np.zeros_like(p.data), "step_size": np.full_like(p.data, group["lr"])}

    def _update(self, group: dict[str, Any], p: Tensor, state: dict[str, Any]) -> None:
        """One update of p (see the class docstring for the rule)."""
        eta_minus, eta_plus = group["etas"]
        step_min, step_max = group["step_sizes"]
        g = p.grad.data  # type: ignore[union-attr]  # (step() passes only parameters with a gradient)
        g = -g if group["maximize"] else g.copy()
        state["step"] += 1
        prev, step_size = state["prev"], state["step_size"]
        agreement = np.sign(g * prev)  # +1: the same sign as last step, -1: it flipped, 0: either was 0
        factor = np.where(agreement > 0, eta_plus, np.where(agreement < 0, eta_minus, 1.0)).astype(p.data.dtype)
        step_size *= factor
        np.clip(step_size, step_min, step_max, out=step_size)
        g[agreement < 0] = 0
        p.data -= np.sign(g) * step_size
        prev[...] = g
