"""locate_bad_backward: find the op in a recorded graph whose backward disagrees with finite differences.

A wrong gradient at the parameters says that something is wrong, not where. Here every op of the
graph is checked on its own: a fresh instance of the same op class is run on float64 copies of the
inputs it saw, with the same options, and its backward (a vector-Jacobian product with a random
grad_out) is compared with central differences of sum(grad_out * forward(x)) with respect to each
element of each input that needs a gradient. Ops are visited from the inputs towards the output, so
the first one that disagrees is the one to fix: the ops after it were fed a wrong gradient but
compute their own correctly.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Optional

import numpy as np

from tinygrad_edu.autograd import Function, graph_functions, unbroadcast
from tinygrad_edu.gradcheck import central_difference
from tinygrad_edu.tensor import Tensor

__all__ = ["BadBackward", "locate_bad_backward"]


@dataclass
class BadBackward:
    """The first op whose backward disagrees with finite differences, and the element where it does.

    `analytic` is what the op's backward gave and `numerical` the central difference, both entries of
    the vector-Jacobian product with a random grad_out (the same one for both). str() is the message.
    """

    op: Function
    input_shapes: tuple[tuple[int, ...], ...]
    input_index: int
    element: tuple[int, ...]
    analytic: float
    numerical: float

    @property
    def name(self) -> str:
        """The op's class name, e.g. 'MatMul'."""
        return self.op.name

    def __str__(self) -> str:
        shapes = ", ".join(str(s) for s in self.input_shapes)
        return (
            f"{self.name} (inputs of shape {shapes}): backward disagrees with finite differences for "
            f"input {self.input_index} at element {self.element}: analytic {self.analytic:.6g}, "
            f"numerical {self.numerical:.6g} (entries of the gradient for a random grad_out)"
        )


def locate_bad_backward(output: Tensor, eps: float = 1e-6, atol: float = 1e-5, rtol: float = 1e-3,
                        max_elements: Optional[int] = 1000, seed: int = 0) -> Optional[BadBackward]:
    """Check each op of output's graph at its own inputs; return the first whose backward is wrong, or None.

    Every op that made `output` (built-in ops and your own `Function` subclasses alike) is re-run in
    float64 on copies of the inputs it was given, so a float32 graph is checked at float64 precision;
    the graph and its tensors are left as they are, and it works after `backward()` too. An element
    passes when |analytic - numerical| <= atol + rtol * |numerical|, or when the op has a kink there
    (relu at 0, a tie in max) and the analytic value lies between the one-sided differences.

    Skipped: inputs that need no gradient, ops whose output is not float64 when re-run (a cast to
    float32 or to an integer), and ops whose forward raises on float64 copies. An input with more than
    `max_elements` elements is checked at that many elements, drawn at random (None: all of them).
    Each checked element costs two runs of that one op's forward.

    Example:
        >>> class BadSquare(tg.Function):      # a wrong backward: d a^2/da is 2a, not a
        ...     def forward(self, a):
        ...         self.save(a)
        ...         return a * a
        ...     def backward(self, grad_out):
        ...         (a,) = self.saved
        ...         return grad_out * a
        >>> w = tg.randn(3, 4, dtype=tg.float64, requires_grad=True)
        >>> print(tg.locate_bad_backward(BadSquare.apply(w).sum()))
        BadSquare (inputs of shape (3, 4)): backward disagrees with finite differences for input 0 ...
        >>> print(tg.locate_bad_backward(model(x).sum()))     # None when every op is right
        None
    """
    if not isinstance(output, Tensor):
        raise TypeError(f"locate_bad_backward: expected a Tensor, got {type(output).__name__}")
    if output.grad_fn is None:
        return None
    rng = np.random.default_rng(seed)
    for fn in graph_functions(output):  # from the inputs towards the output
        bad = _check_op(fn, eps, atol, rtol, max_elements, rng)
        if bad is not None:
            return bad
    return None


def _float64(x: Any) -> Any:
    """A float64 copy of a floating-point tensor or array; anything else (ints, bools, options) as it is."""
    data = x.data if isinstance(x, Tensor) else x
    if isinstance(data, np.ndarray) and data.dtype.kind == "f":
        return data.astype(np.float64)
    return data


def _run(op: Function, arrays: list[Any]) -> tuple[Function, np.ndarray]:
    """Run a fresh instance of op's class, with op's options, on copies of arrays (a forward may keep
    or change its inputs); return the instance (ready for backward) and the output."""
    fresh = type(op)()
    fresh.needs_input_grad = op.needs_input_grad
    copies = [a.copy() if isinstance(a, np.ndarray) else a for a in arrays]
    return fresh, np.asarray(fresh.forward(*copies, **getattr(op, "options", {})))


def _check_op(op: Function, eps: float, atol: float, rtol: float, max_elements: Optional[int],
              rng: np.random.Generator) -> Optional[BadBackward]:
    """Compare one op's backward with central differences through its forward alone, at its own inputs."""
    arrays = [_float64(x) for x in op.inputs]
    wrt = [i for i, needed in enumerate(op.needs_input_grad)
           if needed and isinstance(arrays[i], np.ndarray) and arrays[i].dtype == np.float64]
    try:
        fresh, out = _run(op, arrays)
    except Exception:  # a user's op that only accepts its own dtype: nothing to compare with
        return None
    if not wrt or out.dtype != np.float64:
        return None

    # Analytic: the op's own backward, for a random grad_out, broadcasting undone as the engine does.
    grad_out = np.asarray(rng.standard_normal(out.shape))
    grads = fresh.backward(grad_out)
    grads = grads if isinstance(grads, tuple) else (grads,)
    shapes = tuple(np.shape(a) for a in arrays)

    def weighted_output(xs: list[Any]) -> float:
        # s(x) = sum(grad_out * f(x)), whose gradient is exactly the vector-Jacobian product
        return float(np.sum(grad_out * _run(op, xs)[1]))

    base = weighted_output(arrays)
    for i in wrt:
        x = arrays[i]
        grad = grads[i] if i < len(grads) else None
        analytic = np.zeros(x.shape) if grad is None else np.asarray(grad, dtype=np.float64)
        if analytic.shape != x.shape:
            try:
                analytic = unbroadcast(analytic, x.shape)
            except (ValueError, IndexError):  # the engine refuses such a gradient with its own error
                return None
        for flat in _elements(x.size, max_elements, rng):
            index = np.unravel_index(flat, x.shape) if x.shape else ()
            central, plus, minus = central_difference(lambda: weighted_output(arrays), x, index, eps)
            a = float(analytic[index])
            if _disagrees(a, central, (plus - base) / eps, (base - minus) / eps, atol, rtol):
                return BadBackward(op, shapes, i, tuple(int(k) for k in index), a, central)
    return None


def _elements(size: int, max_elements: Optional[int], rng: np.random.Generator) -> np.ndarray:
    """Flat indices to check: all of them, or max_elements drawn at random (sorted, for a readable order)."""
    if max_elements is None or size <= max_elements:
        return np.arange(size)
    return np.sort(rng.choice(size, size=max_elements, replace=False))


def _disagrees(analytic: float, central: float, right: float, left: float, atol: float, rtol: float) -> bool:
    """True when the analytic derivative is neither close to the central difference nor a valid subgradient."""
    if not np.isfinite(central):  # the step crossed a singularity (log near 0): no verdict here
        return False
    if abs(analytic - central) <= atol + rtol * abs(central):
        return False
    # At a kink the one-sided slopes differ and any value between them is a valid (sub)gradient:
    # relu'(0) = 0 is the left slope, max shares ties, |x|'(0) = 0 lies between -1 and 1.
    low, high = min(left, right), max(left, right)
    slack = atol + rtol * max(abs(low), abs(high))
    return not (low - slack <= analytic <= high + slack)
