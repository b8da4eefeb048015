"""gradcheck: compare autograd's gradients with central finite differences, in float64.

For every input that requires grad and every element of it, the numerical derivative
(f(x + eps) - f(x - eps)) / (2 eps) of every output element is compared with the analytic one
that backward() computes. A mismatch raises `GradcheckError` naming the output, the input, the
element and both values, so a failing test says where to look. `gradgradcheck` does the same for the
second derivatives: it gradchecks the first gradient, computed with create_graph=True.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from tinygrad_edu.autograd import enable_grad, grad, no_grad
from tinygrad_edu.tensor import Tensor

__all__ = ["gradcheck", "gradgradcheck", "GradcheckError", "jacobians"]


class GradcheckError(RuntimeError):
    """Raised by gradcheck when an analytic gradient differs from the numerical one."""


def central_difference(f: Callable[[], Any], x: np.ndarray, index: Any, eps: float) -> tuple[Any, Any, Any]:
    """The central difference (f(x + eps) - f(x - eps)) / (2 eps) along the element x[index].

    x is moved in place, f() is evaluated (without recording a graph) on each side, and x[index] is put
    back. Returns (derivative, f at +eps, f at -eps): the two sides too, for one-sided differences.
    The one finite-difference loop body that gradcheck, check_grads and locate_bad_backward share.

    Example:
        >>> x = np.array([1.0, 2.0])
        >>> derivative, plus, minus = central_difference(lambda: float(np.sum(x**3)), x, 1, 1e-6)
        >>> round(derivative, 5), x.tolist()
        (12.0, [1.0, 2.0])
    """
    original = x[index]
    with no_grad():
        x[index] = original + eps
        plus = f()
        x[index] = original - eps
        minus = f()
    x[index] = original
    return (plus - minus) / (2 * eps), plus, minus


def _as_float64_inputs(inputs: Sequence[Any]) -> list[Any]:
    """Fresh float64 leaves for the tensor inputs (same requires_grad); other inputs pass through."""
    copies = []
    for x in inputs:
        if isinstance(x, Tensor):
            leaf = Tensor(x.data, dtype=np.float64 if x.dtype.kind == "f" else x.dtype)
            leaf.requires_grad = x.requires_grad
            copies.append(leaf)
        else:
            copies.append(x)
    return copies


def _outputs(fn: Callable[..., Any], inputs: Sequence[Any]) -> tuple[Tensor, ...]:
    """fn's outputs as a tuple of Tensors (one Tensor, or a tuple or list of them, is accepted)."""
    out = fn(*inputs)
    outs = out if isinstance(out, (tuple, list)) else (out,)
    if not all(isinstance(o, Tensor) for o in outs):
        raise TypeError("gradcheck: fn must return a Tensor or a tuple of Tensors")
    return tuple(outs)


def jacobians(
    fn: Callable[..., Any], inputs: Sequence[Any], eps: float = 1e-6
) -> list[tuple[int, int, np.ndarray, np.ndarray]]:
    """Analytic and numerical Jacobians of every output with respect to every input that requires grad.

    Returns (output index, input index, analytic, numerical), each Jacobian shaped
    (output.numel(), input.numel()). Inputs are converted to float64 copies first.
    """
    xs = _as_float64_inputs(inputs)
    wrt = [i for i, x in enumerate(xs) if isinstance(x, Tensor) and x.requires_grad]
    if not wrt:
        raise ValueError("gradcheck: no input requires grad; pass tensors with requires_grad=True")
    with enable_grad():
        outs = _outputs(fn, xs)
    results = []
    for o, out in enumerate(outs):
        analytic = {i: np.zeros((out.numel(), xs[i].numel())) for i in wrt}
        if out.requires_grad:
            for k in range(out.numel()):
                for i in wrt:
                    xs[i].grad = None
                seed = np.zeros(out.shape)
                seed.flat[k] = 1.0
                out.backward(seed, retain_graph=True)
                for i in wrt:
                    if xs[i].grad is not None:
                        analytic[i][k] = xs[i].grad.data.reshape(-1)
        for i in wrt:
            numerical = np.zeros_like(analytic[i])
            flat = xs[i].data.reshape(-1)  # a view: writing to it perturbs the input
            output = lambda o=o: _outputs(fn, xs)[o].data.astype(np.float64).reshape(-1)  # noqa: E731
            for j in range(flat.size):
                numerical[:, j] = central_difference(output, flat, j, eps)[0]
            results.append((o, i, analytic[i], numerical))
    return results


def gradcheck(
    fn: Callable[..., Any],
    inputs: Tensor | Sequence[Any],
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    raise_exception: bool = True,
) -> bool:
    """Check fn's gradients against central finite differences in float64, as `torch.autograd.gradcheck`.

    Args:
        fn: takes the inputs and returns a Tensor (or a tuple of Tensors).
        inputs: a tensor or a sequence of inputs; tensors with requires_grad=True are checked. They
            are copied to float64 first, so a float32 function is checked at float64 precision.
        eps: the finite-difference step.
        atol, rtol: an element passes when |analytic - numerical| <= atol + rtol * |numerical|.
        raise_exception: raise GradcheckError on a mismatch (default) rather than return False.

    Example:
        >>> x = tg.randn(3, dtype=tg.float64, requires_grad=True)
        >>> tg.gradcheck(lambda x: (x * x).sum(), [x])
        True
    """
    if isinstance(inputs, Tensor):
        inputs = [inputs]
    for o, i, analytic, numerical in jacobians(fn, inputs, eps):
        # np.isclose is |a - n| <= atol + rtol |n|, and also fails a NaN, or an inf the other side lacks
        # (a plain `|a - n| > tol` test is False for NaN, and so would pass a backward returning NaN).
        bad = ~np.isclose(analytic, numerical, rtol=rtol, atol=atol)
        if bad.any():
            if not raise_exception:
                return False
            raise GradcheckError(_mismatch_message(fn, inputs, o, i, analytic, numerical, bad, atol, rtol))
    return True


def gradgradcheck(
    fn: Callable[..., Any],
    inputs: Tensor | Sequence[Any],
    grad_outputs: Tensor | Sequence[Any] | None = None,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    raise_exception: bool = True,
) -> bool:
    """Check fn's second derivatives against finite differences of its gradient, as `torch.autograd.gradgradcheck`.

    The first gradient, d/d inputs of sum(output * grad_output), is computed with create_graph=True and
    checked by `gradcheck` with respect to both the inputs and the grad_outputs: so the backward of every
    op's backward is checked, also for the grad_output it receives. grad_outputs default to fixed random
    float64 tensors of the outputs' shapes. On a mismatch the GradcheckError names the input (an index
    past the inputs is a grad_output), the element and both values.

    Example:
        >>> x = tg.randn(3, dtype=tg.float64, requires_grad=True)
        >>> tg.gradgradcheck(lambda x: (x * x * x).sum(), [x])
        True
    """
    inputs = [inputs] if isinstance(inputs, Tensor) else list(inputs)
    xs = _as_float64_inputs(inputs)
    wrt = [i for i, x in enumerate(xs) if isinstance(x, Tensor) and x.requires_grad]
    if not wrt:
        raise ValueError("gradgradcheck: no input requires grad; pass tensors with requires_grad=True")
    with enable_grad():
        outs = _outputs(fn, xs)
    if grad_outputs is None:
        rng = np.random.default_rng(0)
        vs = [Tensor(rng.standard_normal(o.shape), dtype=np.float64) for o in outs]
        for v in vs:
            v.requires_grad = True
    else:
        vs = _as_float64_inputs([grad_outputs] if isinstance(grad_outputs, Tensor) else list(grad_outputs))
        if len(vs) != len(outs) or any(v.shape != o.shape for v, o in zip(vs, outs)):
            raise ValueError(
                f"gradgradcheck: grad_outputs has shapes {[tuple(v.shape) for v in vs]} for outputs of shapes "
                f"{[tuple(o.shape) for o in outs]}; pass one tensor of each output's shape"
            )
    n = len(xs)

    @enable_grad()
    def first_gradient(*args: Any) -> tuple[Tensor, ...]:
        # d/d x_i of sum_k output_k * grad_output_k, recorded: a function of the inputs and the grad_outputs
        xs_, vs_ = args[:n], args[n:]
        pairs = [(o, v) for o, v in zip(_outputs(fn, xs_), vs_) if o.requires_grad]
        found = grad([o for o, _ in pairs], [xs_[i] for i in wrt], [v for _, v in pairs], None, True, True)
        return tuple(Tensor(np.zeros_like(xs_[i].data)) if g is None else g for i, g in zip(wrt, found))

    first_gradient.__name__ = f"the gradient of {getattr(fn, '__name__', type(fn).__name__)}"
    try:
        return gradcheck(first_gradient, [*xs, *vs], eps, atol, rtol, raise_exception)
    except GradcheckError as error:
        raise GradcheckError(
            "grad" + str(error) + f"\n    (input i < {n} is fn's input i; input {n} + k is the grad_output of output k)"
        ) from None


def _mismatch_message(fn, inputs, o, i, analytic, numerical, bad, atol, rtol) -> str:
    """The GradcheckError text: where the worst entry of the Jacobian differs, and by how much."""
    with np.errstate(invalid="ignore"):
        difference = np.abs(analytic - numerical)
    worst = np.where(np.isfinite(difference), difference, np.inf)  # a NaN or inf entry is the worst
    out_k, in_j = np.argwhere(bad)[np.argmax(worst[bad])]
    x_shape = np.shape(inputs[i].data)
    element = np.unravel_index(in_j, x_shape) if x_shape else ()
    a, n = analytic[out_k, in_j], numerical[out_k, in_j]
    name = getattr(fn, "__name__", type(fn).__name__)
    return (
        f"gradcheck failed for {name}: d output[{o}] / d input[{i}] (input shape {x_shape}) "
        f"is wrong at input element {tuple(int(e) for e in element)}, output element {int(out_k)}:\n"
        f"    analytic  (backward)          = {a:.10g}\n"
        f"    numerical (central difference) = {n:.10g}\n"
        + (
            f"    |difference| = {abs(a - n):.3g} > atol + rtol * |numerical| = {atol + rtol * abs(n):.3g}\n"
            if np.isfinite(a) and np.isfinite(n)
            else "    one side is not finite (NaN or inf) where the other is, or both are NaN: a backward that\n"
            "    returns NaN or inf, or a point where the function is not differentiable\n"
        )
        + f"    {int(bad.sum())} of {bad.size} Jacobian entries differ for this input; "
        f"largest |difference| = {np.max(worst):.3g}"
    )
