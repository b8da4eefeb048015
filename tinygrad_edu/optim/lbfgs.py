"""LBFGS: a quasi-Newton method that re-evaluates the loss through a closure, with PyTorch's exact algorithm.

Unlike the other optimizers, one `step(closure)` runs up to `max_iter` iterations, each calling the closure
(which must zero the gradients, recompute the loss, call backward and return the loss). All parameters are
treated as one flat vector x; the curvature is remembered as the last `history_size` pairs
s = x_{k+1} - x_k, y = g_{k+1} - g_k, and the direction is d = -H g by the two-loop recursion.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from tinygrad_edu.optim.optimizer import Optimizer, ParamsT
from tinygrad_edu.tensor import Tensor

__all__ = ["LBFGS"]


def _cubic_interpolate(
    x1: float, f1: float, g1: float, x2: float, f2: float, g2: float, bounds: tuple[float, float] | None = None
) -> float:
    """The minimiser of the cubic through (x1, f1) and (x2, f2) with slopes g1 and g2, clipped to `bounds`.

    (Nocedal and Wright, eq. 3.59.) Without a real minimiser the middle of the bounds is returned.
    """
    low, high = bounds if bounds is not None else ((x1, x2) if x1 <= x2 else (x2, x1))
    d1 = g1 + g2 - 3 * (f1 - f2) / (x1 - x2)
    d2_square = d1 * d1 - g1 * g2
    if d2_square >= 0:
        d2 = math.sqrt(d2_square)
        if x1 <= x2:
            min_pos = x2 - (x2 - x1) * ((g2 + d2 - d1) / (g2 - g1 + 2 * d2))
        else:
            min_pos = x1 - (x1 - x2) * ((g1 + d2 - d1) / (g1 - g2 + 2 * d2))
        return float(min(max(min_pos, low), high))
    return (low + high) / 2.0


def _strong_wolfe(
    evaluate: Callable[[float], tuple[float, np.ndarray]],
    t: float,
    d: np.ndarray,
    f: float,
    g: np.ndarray,
    gtd: float,
    c1: float = 1e-4,
    c2: float = 0.9,
    tolerance_change: float = 1e-9,
    max_ls: int = 25,
) -> tuple[float, np.ndarray, float, int]:
    """A step t along d meeting the strong Wolfe conditions (Nocedal and Wright, algorithms 3.5 and 3.6).

    Sufficient decrease f(t) <= f + c1 t g.d and curvature |g(t).d| <= c2 |g.d|. `evaluate(t)` returns the
    loss and the flat gradient at x + t d. Returns (loss, gradient, t, number of evaluations).
    """
    d_norm = float(np.max(np.abs(d)))
    f_new, g_new = evaluate(t)
    evals = 1
    gtd_new = float(g_new @ d)
    t_prev, f_prev, g_prev, gtd_prev = 0.0, f, g, gtd
    done = False
    ls_iter = 0
    # Phase 1: grow t until an interval [t_prev, t] brackets a point that meets both conditions.
    while ls_iter < max_ls:
        if f_new > f + c1 * t * gtd or (ls_iter > 1 and f_new >= f_prev):
            bracket, bracket_f = [t_prev, t], [f_prev, f_new]
            bracket_g, bracket_gtd = [g_prev, g_new.copy()], [gtd_prev, gtd_new]
            break
        if abs(gtd_new) <= -c2 * gtd:
            bracket, bracket_f, bracket_g = [t], [f_new], [g_new]
            done = True
            break
        if gtd_new >= 0:
            bracket, bracket_f = [t_prev, t], [f_prev, f_new]
            bracket_g, bracket_gtd = [g_prev, g_new.copy()], [gtd_prev, gtd_new]
            break
        # extrapolate: the cubic's minimiser, between a little past t and 10 t
        step = _cubic_interpolate(t_prev, f_prev, gtd_prev, t, f_new, gtd_new, bounds=(t + 0.01 * (t - t_prev), t * 10))
        t_prev, f_prev, g_prev, gtd_prev = t, f_new, g_new.copy(), gtd_new
        t = step
        f_new, g_new = evaluate(t)
        evals += 1
        gtd_new = float(g_new @ d)
        ls_iter += 1
    if ls_iter == max_ls:
        bracket, bracket_f, bracket_g = [0.0, t], [f, f_new], [g, g_new]
    # Phase 2 (zoom): shrink the bracket, keeping its low end the best point so far.
    insufficient_progress = False
    low, high = (0, 1) if bracket_f[0] <= bracket_f[-1] else (1, 0)
    while not done and ls_iter < max_ls:
        if abs(bracket[1] - bracket[0]) * d_norm < tolerance_change:
            break
        t = _cubic_interpolate(bracket[0], bracket_f[0], bracket_gtd[0], bracket[1], bracket_f[1], bracket_gtd[1])
        # a trial too close to an end of the bracket makes little progress: move it 10% inside
        eps = 0.1 * (max(bracket) - min(bracket))
        if min(max(bracket) - t, t - min(bracket)) < eps:
            if insufficient_progress or t >= max(bracket) or t <= min(bracket):
                t = max(bracket) - eps if abs(t - max(bracket)) < abs(t - min(bracket)) else min(bracket) + eps
                insufficient_progress = False
            else:
                insufficient_progress = True
        else:
            insufficient_progress = False
        f_new, g_new = evaluate(t)
        evals += 1
        gtd_new = float(g_new @ d)
        ls_iter += 1
        if f_new > f + c1 * t * gtd or f_new >= bracket_f[low]:
            bracket[high], bracket_f[high], bracket_g[high], bracket_gtd[high] = t, f_new, g_new.copy(), gtd_new
            low, high = (0, 1) if bracket_f[0] <= bracket_f[1] else (1, 0)
        else:
            if abs(gtd_new) <= -c2 * gtd:
                done = True
            elif gtd_new * (bracket[high] - bracket[low]) >= 0:
                bracket[high], bracket_f[high] = bracket[low], bracket_f[low]
                bracket_g[high], bracket_gtd[high] = bracket_g[low], bracket_gtd[low]
            bracket[low], bracket_f[low], bracket_g[low], bracket_gtd[low] = t, f_new, g_new.copy(), gtd_new
    return bracket_f[low], bracket_g[low], bracket[low], evals


class LBFGS(Optimizer):
    """L-BFGS (Nocedal, 1980; Liu and Nocedal, 1989) with PyTorch's exact algorithm, defaults and state.

    Each `step(closure)` iterates up to `max_iter` times (at most `max_eval` closure calls, default
    max_iter * 5 // 4); with flat gradient g and direction d:

        d = -g at the very first iteration, else d = -H g by the two-loop recursion over the stored (s, y)
            (a pair is kept only if y.s > 1e-10; H starts as (y.s / y.y) I)
        t = min(1, 1 / sum|g|) lr at the first iteration, else lr; or, with line_search_fn="strong_wolfe",
            a step along d meeting the strong Wolfe conditions
        x <- x + t d

    It stops when max|g| <= tolerance_grad, g.d > -tolerance_change, max|t d| <= tolerance_change or the
    loss changes by less than tolerance_change. Only one parameter group is supported (as PyTorch). The
    state, kept under the first parameter as PyTorch's, holds 'func_evals', 'n_iter', 'd', 't', 'old_dirs',
    'old_stps', 'ro', 'H_diag', 'prev_flat_grad', 'prev_loss' (and 'al'), so a later step goes on from it.
    Returns the loss of the closure's first call.

    Example:
        >>> x = tg.tensor([-1.5, 2.0], dtype=tg.float64, requires_grad=True)
        >>> opt = tg.optim.LBFGS([x], line_search_fn="strong_wolfe")
        >>> def closure():
        ...     opt.zero_grad()
        ...     loss = (1 - x[0]) ** 2 + 100 * (x[1] - x[0] ** 2) ** 2   # Rosenbrock's function
        ...     loss.backward()
        ...     return loss
        >>> for _ in range(5):
        ...     _ = opt.step(closure)
        >>> [round(v, 4) for v in x.tolist()]
        [1.0, 1.0]
    """

    def __init__(
        self,
        params: ParamsT,
        lr: float = 1,
        max_iter: int = 20,
        max_eval: int | None = None,
        tolerance_grad: float = 1e-7,
        tolerance_change: float = 1e-9,
        history_size: int = 100,
        line_search_fn: str | None = None,
    ) -> None:
        if max_eval is None:
            max_eval = max_iter * 5 // 4
        defaults = dict(
            lr=lr,
            max_iter=max_iter,
            max_eval=max_eval,
            tolerance_grad=tolerance_grad,
            tolerance_change=tolerance_change,
            history_size=history_size,
            line_search_fn=line_search_fn,
        )
        super().__init__(params, defaults)
        if len(self.param_groups) != 1:
            raise ValueError("LBFGS doesn't support per-parameter options (parameter groups)")
        self._params: list[Tensor] = self.param_groups[0]["params"]

    def _check_group(self, group: dict[str, Any]) -> None:
        self._check_non_negative(group, {"lr": "learning rate"})

    # ---- all parameters as one flat vector ----------------------------------------------------------

    def _gather_flat_grad(self) -> np.ndarray:
        """The gradients of all parameters, flattened and joined (zeros for a parameter without one)."""
        parts = [
            np.zeros(p.data.size, p.data.dtype) if p.grad is None else p.grad.data.reshape(-1) for p in self._params
        ]
        return np.concatenate(parts)

    def _add_grad(self, t: float, d: np.ndarray) -> None:
        """x <- x + t d, in place on each parameter's slice of the flat vector."""
        offset = 0
        for p in self._params:
            n = p.data.size
            p.data += (t * d[offset : offset + n]).reshape(p.data.shape).astype(p.data.dtype, copy=False)
            offset += n
            p._bump_version()

    def _directional_evaluate(
        self, closure: Callable[[], Any], x: list[np.ndarray], t: float, d: np.ndarray
    ) -> tuple[float, np.ndarray]:
        """The loss and flat gradient at x + t d; the parameters are put back to x afterwards."""
        self._add_grad(t, d)
        loss = float(self._closure_loss(closure))
        flat_grad = self._gather_flat_grad()
        for p, saved in zip(self._params, x):
            p.data[...] = saved
        return loss, flat_grad

    # ---- the step --------------------------------------------------------------------------------

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """Run up to max_iter iterations of L-BFGS; `closure` (required) recomputes the loss and its gradients."""
        if closure is None:
            raise RuntimeError("LBFGS requires a closure: step(closure), the closure returning the loss")
        group = self.param_groups[0]
        lr, max_iter, max_eval = group["lr"], group["max_iter"], group["max_eval"]
        tolerance_grad, tolerance_change = group["tolerance_grad"], group["tolerance_change"]
        history_size, line_search_fn = group["history_size"], group["line_search_fn"]

        state = self.state.setdefault(self._params[0], {})
        state.setdefault("func_evals", 0)
        state.setdefault("n_iter", 0)

        orig_loss = self._closure_loss(closure)
        loss = float(orig_loss)
        current_evals = 1
        state["func_evals"] += 1
        flat_grad = self._gather_flat_grad()
        if np.max(np.abs(flat_grad)) <= tolerance_grad:  # already optimal
            return orig_loss

        d: Any = state.get("d")
        t: Any = state.get("t")
        old_dirs: Any = state.get("old_dirs")
        old_stps: Any = state.get("old_stps")
        ro: Any = state.get("ro")
        H_diag: Any = state.get("H_diag")
        prev_flat_grad: Any = state.get("prev_flat_grad")
        prev_loss: Any = state.get("prev_loss")

        n_iter = 0
        while n_iter < max_iter:
            n_iter += 1
            state["n_iter"] += 1
            if state["n_iter"] == 1:
                d = -flat_grad
                old_dirs, old_stps, ro = [], [], []
                H_diag = 1.0
            else:
                # remember the newest curvature pair (if it is one: y.s > 0), forgetting the oldest
                y = flat_grad - prev_flat_grad
                s = d * t
                ys = float(y @ s)
                if ys > 1e-10:
                    if len(old_dirs) == history_size:
                        old_dirs.pop(0)
                        old_stps.pop(0)
                        ro.pop(0)
                    old_dirs.append(y)
                    old_stps.append(s)
                    ro.append(1.0 / ys)
                    H_diag = ys / float(y @ y)
                # two-loop recursion: d = -H g
                al = [0.0] * len(old_dirs)
                q = -flat_grad
                for i in range(len(old_dirs) - 1, -1, -1):
                    al[i] = float(old_stps[i] @ q) * ro[i]
                    q = q - al[i] * old_dirs[i]
                r = q * H_diag
                for i in range(len(old_dirs)):
                    be_i = float(old_dirs[i] @ r) * ro[i]
                    r = r + (al[i] - be_i) * old_stps[i]
                d = r
                state["al"] = al
            prev_flat_grad = flat_grad.copy()
            prev_loss = loss

            t = min(1.0, 1.0 / float(np.sum(np.abs(flat_grad)))) * lr if state["n_iter"] == 1 else lr
            gtd = float(flat_grad @ d)
            if gtd > -tolerance_change:  # not a descent direction (to within tolerance)
                break

            evals = 0
            if line_search_fn is not None:
                if line_search_fn != "strong_wolfe":
                    raise RuntimeError("only 'strong_wolfe' is supported")
                x_init = [p.data.copy() for p in self._params]

                def evaluate(step: float, x: list[np.ndarray] = x_init, d: np.ndarray = d) -> tuple[float, np.ndarray]:
                    return self._directional_evaluate(closure, x, step, d)

                loss, flat_grad, t, evals = _strong_wolfe(
                    evaluate,
                    t,
                    d,
                    loss,
                    flat_grad,
                    gtd,
                    max_ls=max_eval - current_evals,
                )
                self._add_grad(t, d)
                opt_cond = np.max(np.abs(flat_grad)) <= tolerance_grad
            else:
                self._add_grad(t, d)
                opt_cond = False
                if n_iter != max_iter:  # the loss at the new point (not after the last iteration, as PyTorch)
                    loss = float(self._closure_loss(closure))
                    flat_grad = self._gather_flat_grad()
                    opt_cond = np.max(np.abs(flat_grad)) <= tolerance_grad
                    evals = 1
            current_evals += evals
            state["func_evals"] += evals

            if n_iter == max_iter or current_evals >= max_eval or opt_cond:
                break
            if np.max(np.abs(d * t)) <= tolerance_change or abs(loss - prev_loss) < tolerance_change:
                break

        state.update(
            d=d, t=t, old_dirs=old_dirs, old_stps=old_stps, ro=ro, H_diag=H_diag,
            prev_flat_grad=prev_flat_grad, prev_loss=prev_loss,
        )  # fmt: skip
        return orig_loss

    # ---- saving and resuming: the state is flat vectors and lists, not arrays shaped like a parameter --------

    def state_dict(self) -> dict[str, Any]:
        """As `Optimizer.state_dict`, with the history lists copied too."""
        saved = super().state_dict()
        for entries in saved["state"].values():
            for key, value in entries.items():
                if isinstance(value, list):
                    entries[key] = [v.copy() if isinstance(v, np.ndarray) else v for v in value]
        return saved

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore a `state_dict()`; the flat vectors and history lists are copied as they are."""
        flat_state = state_dict.get("state", {}) if isinstance(state_dict, dict) else {}
        super().load_state_dict({**state_dict, "state": {}})
        for i, entries in flat_state.items():
            restored: dict[str, Any] = {}
            for key, value in entries.items():
                if isinstance(value, list):
                    value = [self._as_value(v) for v in value]
                else:
                    value = self._as_value(value)
                restored[key] = value
            self.state[self._params[int(i)]] = restored
        self._params = self.param_groups[0]["params"]

    @staticmethod
    def _as_value(value: Any) -> Any:
        """A saved array (or Tensor, or torch tensor made an ndarray) as a copy; numbers as they are."""
        if isinstance(value, Tensor):
            return value.data.copy()
        if isinstance(value, np.ndarray):
            return value.item() if value.ndim == 0 else value.copy()
        return value
