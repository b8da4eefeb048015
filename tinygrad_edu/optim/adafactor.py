"""Adafactor: Adam-like steps whose second moment of a matrix is kept as row and column averages, as PyTorch's."""

from __future__ import annotations

from typing import Any

import numpy as np

from tinygrad_edu.optim.optimizer import Optimizer, ParamsT, _data
from tinygrad_edu.tensor import Tensor

__all__ = ["Adafactor"]


def _lerp(start: np.ndarray, end: np.ndarray, weight: float) -> None:
    """start <- start + weight (end - start), in place, in the two forms PyTorch's lerp uses (for its bits)."""
    if weight < 0.5:
        start += weight * (end - start)
    else:
        start[...] = end - (end - start) * (1 - weight)


class Adafactor(Optimizer):
    """Adafactor (Shazeer and Stern, 2018) with PyTorch's exact update rule (torch.optim.Adafactor).

    For each parameter p with gradient g, at step t = 1, 2, ... (lr, beta2_decay = c, eps = (eps1, eps2),
    d, weight_decay = lambda; eps1=None means the dtype's machine epsilon):

        g <- -g                                          if maximize
        b_t = t^c                                        (the weight of the new square: 1 at t = 1, then falling)
        rho = min(lr, 1 / sqrt(t));  alpha = max(eps2, rms(p)) rho
        p <- p (1 - lr lambda)                           if weight_decay != 0
        for a matrix (the last two dimensions):
            R <- R + b_t (mean of g^2 over columns - R)  ('row_var', shape (..., n, 1))
            C <- C + b_t (mean of g^2 over rows - C)     ('col_var', shape (..., 1, m))
            V = R C / max(mean(R), eps1)                 (a rank-one estimate of the second moment)
        for a vector: V <- V + b_t (g^2 - V)             ('variance')
        u = g / sqrt(max(V, eps1^2))
        p <- p - alpha u / max(1, rms(u) / d)

    Only O(n + m) numbers are kept for an n x m weight. State under PyTorch's names: 'step' (a 0-d float64
    array) and 'row_var'/'col_var' or 'variance'. `foreach` is accepted for PyTorch's signature and ignored.

    Example:
        >>> opt = tg.optim.Adafactor(net.parameters(), lr=1e-2)
        >>> sorted(opt.state_dict()["param_groups"][0])[:3]
        ['beta2_decay', 'd', 'eps']
    """

    _factored = ("row_var", "col_var")

    def __init__(
        self,
        params: ParamsT,
        lr: float = 1e-2,
        beta2_decay: float = -0.8,
        eps: tuple[float | None, float] = (None, 1e-3),
        d: float = 1.0,
        weight_decay: float = 0.0,
        *,
        foreach: bool | None = None,
        maximize: bool = False,
    ) -> None:
        defaults = dict(
            lr=lr, beta2_decay=beta2_decay, eps=tuple(eps), d=d, weight_decay=weight_decay, maximize=maximize
        )
        super().__init__(params, defaults)

    def _check_group(self, group: dict[str, Any]) -> None:
        eps1, eps2 = group["eps"]
        if not 0.0 <= group["lr"]:
            raise ValueError(f"Learning rate should be >= 0 but is: {group['lr']}")
        if not 0.0 >= group["beta2_decay"]:
            raise ValueError(f"beta2_decay should be <= 0 but is: {group['beta2_decay']}")
        if eps1 is not None and not 0.0 <= eps1:
            raise ValueError(f"epsilon1 should be >= 0 but is: {eps1}")
        if not 0.0 <= eps2:
            raise ValueError(f"epsilon2 should be >= 0 but is: {eps2}")
        if not 1.0 <= group["d"]:
            raise ValueError(f"Clipping threshold d should be >= 1 but is: {group['d']}")
        if not 0.0 <= group["weight_decay"]:
            raise ValueError(f"weight_decay should be >= 0 but is: {group['weight_decay']}")

    @staticmethod
    def _factored_shapes(shape: tuple[int, ...]) -> tuple[tuple[int, ...], tuple[int, ...]]:
        """The shapes of row_var (..., n, 1) and col_var (..., 1, m) for a weight of shape (..., n, m)."""
        return shape[:-1] + (1,), shape[:-2] + (1,) + shape[-1:]

    def _init_state(self, group: dict[str, Any], p: Tensor) -> dict[str, Any]:
        state: dict[str, Any] = {"step": np.array(0.0)}
        if p.data.ndim > 1:
            row, col = self._factored_shapes(p.data.shape)
            state["row_var"] = np.zeros(row, p.data.dtype)
            state["col_var"] = np.zeros(col, p.data.dtype)
        else:
            state["variance"] = np.zeros_like(p.data)
        return state

    def _update(self, group: dict[str, Any], p: Tensor, state: dict[str, Any]) -> None:
        """One update of p (see the class docstring for the rule)."""
        lr, d, weight_decay = group["lr"], group["d"], group["weight_decay"]
        eps1, eps2 = group["eps"]
        if eps1 is None:
            eps1 = float(np.finfo(p.data.dtype).eps)
        g = p.grad.data  # type: ignore[union-attr]  # (step() passes only parameters with a gradient)
        g = -g if group["maximize"] else g
        state["step"] += 1
        t = state["step"].item()
        beta2_t = t ** group["beta2_decay"]
        rho = min(lr, 1 / t**0.5)
        alpha = max(eps2, float(np.sqrt(np.sum(p.data * p.data))) / p.data.size**0.5) * rho
        if weight_decay != 0:
            p.data *= 1 - lr * weight_decay
        if g.ndim > 1:
            row_var, col_var = state["row_var"], state["col_var"]
            _lerp(row_var, np.sqrt(np.sum(g * g, axis=-1, keepdims=True)) ** 2 / g.shape[-1], beta2_t)
            _lerp(col_var, np.sqrt(np.sum(g * g, axis=-2, keepdims=True)) ** 2 / g.shape[-2], beta2_t)
            var_estimate = (row_var @ col_var) / np.maximum(row_var.mean(axis=-2, keepdims=True), eps1)
        else:
            variance = state["variance"]
            _lerp(variance, g * g, beta2_t)
            var_estimate = variance.copy()
        update = g / np.sqrt(np.maximum(var_estimate, eps1 * eps1))
        denom = max(1.0, float(np.sqrt(np.sum(update * update))) / (update.size**0.5 * d))
        p.data -= (alpha / denom) * update

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """As `Optimizer.load_state_dict`; row_var and col_var are checked against their own shapes."""
        saved_state = state_dict.get("state", {}) if isinstance(state_dict, dict) else {}
        factored = {i: {k: v for k, v in e.items() if k in self._factored} for i, e in saved_state.items()}
        rest = {i: {k: v for k, v in e.items() if k not in self._factored} for i, e in saved_state.items()}
        index_to_param: dict[Any, Tensor] = {}
        for saved, group in zip(state_dict.get("param_groups", []), self.param_groups):
            index_to_param.update(zip(saved["params"], group["params"]))
        restored: dict[Tensor, dict[str, np.ndarray]] = {}
        for i, entries in factored.items():
            p = index_to_param.get(i)
            if p is None or not entries:
                continue
            if p.data.ndim < 2:
                raise ValueError(f"loaded state of parameter {i} has row_var/col_var, but it has {p.data.ndim} dims")
            for key, shape in zip(self._factored, self._factored_shapes(p.data.shape)):
                array = np.asarray(_data(entries[key]))
                if array.shape != shape:
                    raise ValueError(f"loaded state '{key}' of parameter {i} has shape {array.shape}, expected {shape}")
                restored.setdefault(p, {})[key] = array.astype(p.data.dtype)
        super().load_state_dict({**state_dict, "state": rest})
        for p, entries in restored.items():
            self.state[p].update(entries)
