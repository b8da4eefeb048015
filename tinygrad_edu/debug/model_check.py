"""check_grads: compare a model's parameter gradients with finite differences, one table row per parameter.

The check runs on a float64 copy of the model, whatever its dtype, so a correct float32 model passes
(differentiating in float32 itself, as `torch.autograd.gradcheck` would, fails on correct code: a step
small enough for an accurate slope loses most of float32's 7 digits). When a parameter fails, the
recorded graph is searched for the op whose backward is wrong (`locate_bad_backward`).
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any, Callable, Optional

import numpy as np

from tinygrad_edu.autograd import enable_grad
from tinygrad_edu.debug.localise import BadBackward, locate_bad_backward
from tinygrad_edu.gradcheck import GradcheckError, central_difference
from tinygrad_edu.tensor import Tensor

__all__ = ["GradReport", "GradRow", "check_grads"]

# Finite-difference step and tolerances for the dtype the loss is computed in: float64 normally (the
# copy is float64), lower when loss_fn itself casts to a lower precision. A central difference with
# step h has error ~ h^2 (truncation) + unit roundoff / h (cancellation), so h grows as precision drops.
_STEP_AND_TOLERANCES: dict[np.dtype, tuple[float, float, float]] = {
    np.dtype(np.float64): (1e-6, 1e-5, 1e-3),  # (eps, atol, rtol): tg.gradcheck's and PyTorch's defaults
    np.dtype(np.float32): (1e-3, 1e-3, 1e-2),
    np.dtype(np.float16): (1e-1, 1e-1, 1e-1),
}


@dataclass
class GradRow:
    """One parameter's result: the largest errors between autograd's gradient and the numerical one.

    `max_rel_err` is max |analytic - numerical| / max |numerical|: the error relative to the size of
    that gradient. A parameter passes when every element has |a - n| <= atol + rtol * |n|.
    """

    name: str
    shape: tuple[int, ...]
    max_abs_err: float
    max_rel_err: float
    ok: bool
    analytic: np.ndarray = field(repr=False)
    numerical: np.ndarray = field(repr=False)


@dataclass
class GradReport:
    """What `check_grads` found: one row per parameter, and the op to blame when a row fails.

    `ok` is True when every parameter passes; `str(report)` is the table. `culprit` is the first op
    whose backward disagrees with finite differences (None when all pass, or when no single op is
    wrong, e.g. a kink in the loss itself).
    """

    rows: list[GradRow]
    model_dtype: str
    checked_in: str
    eps: float
    atol: float
    rtol: float
    loss: float
    culprit: Optional[BadBackward] = None

    @property
    def ok(self) -> bool:
        """True when every parameter's gradient passes."""
        return all(row.ok for row in self.rows)

    @property
    def failed(self) -> list[str]:
        """Names of the parameters whose gradient is wrong."""
        return [row.name for row in self.rows if not row.ok]

    def __bool__(self) -> bool:
        """`assert tg.check_grads(...)` passes exactly when every parameter does."""
        return self.ok

    def raise_if_failed(self) -> "GradReport":
        """Raise GradcheckError with the whole table (and the op to blame) unless every parameter passes.

        Example:
            >>> report = tg.check_grads(model, loss_fn, x).raise_if_failed()   # returns the report
        """
        if not self.ok:
            raise GradcheckError(str(self))
        return self

    def __str__(self) -> str:
        header = ("parameter", "shape", "max abs err", "max rel err", "result")
        cells = [header] + [
            (row.name, str(row.shape), f"{row.max_abs_err:.2e}", f"{row.max_rel_err:.2e}",
             "pass" if row.ok else "FAIL")
            for row in self.rows
        ]
        widths = [max(len(line[k]) for line in cells) for k in range(len(header))]
        lines = [
            f"check_grads: {self.model_dtype} model, checked in {self.checked_in} "
            f"(eps={self.eps:g}, atol={self.atol:g}, rtol={self.rtol:g}), loss = {self.loss:.6g}"
        ]
        for i, line in enumerate(cells):
            lines.append("  ".join(c.ljust(w) for c, w in zip(line, widths)).rstrip())
            if i == 0:
                lines.append("  ".join("-" * w for w in widths))
        if self.ok:
            lines.append(f"all {len(self.rows)} parameters pass")
        else:
            lines.append(f"{len(self.failed)} of {len(self.rows)} parameters FAIL: {', '.join(self.failed)}")
            if self.culprit is not None:
                lines.append(f"first op whose backward is wrong: {self.culprit}")
            else:
                lines.append("no single op's backward disagrees with finite differences at its own inputs "
                             "(a kink in the loss, or an input changed in place?)")
        return "\n".join(lines)


def check_grads(model: Any, loss_fn: Callable[..., Tensor], *inputs: Any, print_table: bool = False,
                eps: Optional[float] = None, atol: Optional[float] = None,
                rtol: Optional[float] = None) -> GradReport:
    """Check every parameter's gradient of `loss_fn(model, *inputs)` against central differences.

    Args:
        model: anything with `named_parameters()` yielding (name, Tensor) pairs, such as an nn.Module.
            It is not touched: the check runs on a deep copy whose parameters are made float64.
        loss_fn: called as `loss_fn(model_copy, *inputs)`; returns a one-element Tensor. It must be
            deterministic (no dropout or fresh random numbers between calls). A loss module such as
            `nn.MSELoss()` is used the PyTorch way instead: `loss_fn(model_copy(*inputs[:-1]), inputs[-1])`,
            so `tg.check_grads(model, nn.MSELoss(), x, y)` checks the loss of model(x) against y.
        inputs: passed on to loss_fn; floating-point tensors and arrays become float64 copies, the rest
            (integer labels, numbers) is passed as it is.
        print_table: print the report's table as well as returning it.
        eps, atol, rtol: the step and the tolerances (|a - n| <= atol + rtol * |n|); by default taken
            from the dtype the loss is computed in on the copy: float64, unless loss_fn casts lower.

    Returns:
        A GradReport: `.ok`, `.rows` (one per parameter that requires grad), `.culprit` (the first op
        whose backward is wrong, found when some row fails) and `str(report)`, the table.

    Each parameter element costs two evaluations of the loss: this is for small models and inputs.

    Example:
        >>> def loss_fn(model, x, y):
        ...     return ((model(x) - y) ** 2).mean()
        >>> report = tg.check_grads(model, loss_fn, x, y, print_table=True)
        check_grads: float32 model, checked in float64 (eps=1e-06, atol=1e-05, rtol=0.001), loss = ...
        parameter  shape   max abs err  max rel err  result
        ...
        all 4 parameters pass
        >>> assert report.ok, report
    """
    model_dtype = _dtypes_of(model)
    twin = _float64_copy(model)
    params = [(name, p) for name, p in twin.named_parameters() if p.requires_grad]
    if not params:
        raise ValueError("check_grads: the model has no parameter that requires grad")
    args = [_float64_input(x) for x in inputs]

    if _is_loss_module(loss_fn) and len(args) < 2:
        raise ValueError(f"check_grads: {type(loss_fn).__name__} needs the model's inputs and then the target")

    def loss_of(m: Any) -> Tensor:
        if _is_loss_module(loss_fn):  # PyTorch's way: criterion(model(inputs), target)
            loss = loss_fn(m(*args[:-1]), args[-1])
        else:
            loss = loss_fn(m, *args)
        if not isinstance(loss, Tensor) or loss.numel() != 1:
            got = f"shape {loss.shape}" if isinstance(loss, Tensor) else type(loss).__name__
            raise ValueError(f"check_grads: loss_fn must return a one-element Tensor, got {got}")
        return loss

    with enable_grad():
        loss = loss_of(twin)
    default = _STEP_AND_TOLERANCES.get(loss.dtype, _STEP_AND_TOLERANCES[np.dtype(np.float64)])
    eps, atol, rtol = (default[0] if eps is None else eps, default[1] if atol is None else atol,
                       default[2] if rtol is None else rtol)
    if loss.requires_grad:
        loss.backward()  # the graph stays readable for locate_bad_backward: it re-runs each op

    rows = []
    for name, p in params:
        analytic = np.zeros(p.shape) if p.grad is None else p.grad.data.astype(np.float64)
        numerical = np.zeros(p.shape)
        loss_value = lambda: float(loss_of(twin).data)  # noqa: E731
        for index in np.ndindex(*p.shape):
            # d loss / d p[index], the other elements fixed
            numerical[index] = central_difference(loss_value, p.data, index, eps)[0]
        rows.append(_row(name, analytic, numerical, atol, rtol))

    report = GradReport(rows, model_dtype, str(loss.dtype), eps, atol, rtol, float(loss.data))
    if not report.ok:
        report.culprit = locate_bad_backward(loss)
    if print_table:
        print(report)
    return report


def _is_loss_module(loss_fn: Any) -> bool:
    """True for nn's loss modules (MSELoss(), BCELoss(), ...), which take (prediction, target)."""
    from tinygrad_edu.nn.loss import _Loss  # here: nn builds on this package

    return isinstance(loss_fn, _Loss)


def _row(name: str, analytic: np.ndarray, numerical: np.ndarray, atol: float, rtol: float) -> GradRow:
    """One parameter's row of the report, from its analytic and numerical gradients."""
    error = np.abs(analytic - numerical)
    max_abs = float(error.max(initial=0.0))
    scale = float(np.abs(numerical).max(initial=0.0))
    max_rel = max_abs / scale if scale > 0 else (0.0 if max_abs == 0 else float("inf"))
    # NaN in either gradient must fail, so test "not within" rather than "beyond" the tolerance.
    ok = bool(np.all(error <= atol + rtol * np.abs(numerical)))
    return GradRow(name, tuple(analytic.shape), max_abs, max_rel, ok, analytic, numerical)


def _dtypes_of(model: Any) -> str:
    """The dtype of the model's parameters, e.g. 'float32' (or 'float32/float64' when they differ)."""
    names = sorted({str(p.dtype) for _, p in model.named_parameters()})
    return "/".join(names) if names else "empty"


def _float64_copy(model: Any) -> Any:
    """A deep copy of the model with every floating-point parameter converted to float64 in place."""
    twin = copy.deepcopy(model)
    for _, p in twin.named_parameters():
        if p.data.dtype.kind == "f":
            p.data = np.array(p.data, dtype=np.float64)  # a new C-ordered array: the user's stays as it was
        p.grad = None
    return twin


def _float64_input(x: Any) -> Any:
    """Float64 copies of floating-point tensors and arrays (no grad); other inputs unchanged."""
    if isinstance(x, Tensor) and x.dtype.kind == "f":
        return Tensor(x.data, dtype=np.float64)
    if isinstance(x, np.ndarray) and x.dtype.kind == "f":
        return x.astype(np.float64)
    return x
