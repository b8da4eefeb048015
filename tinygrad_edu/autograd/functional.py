"""tg.autograd.functional: Jacobians, Hessians and their products with a vector, as torch.autograd.functional.

Each function takes a Python function `func` of tensors and the point `inputs` (a Tensor or a tuple of
Tensors) and differentiates `func` there with `tg.autograd.grad`; the results have PyTorch's structure
(a tuple where PyTorch gives one, a Tensor where it gives one) and shapes. All six are built from the one
reverse-mode engine:

- `vjp`  v^T J: one backward pass.
- `jvp`  J v: the "double vjp" trick, as PyTorch does: g(u) = u^T J is linear in u, so the vjp of g
  with v is (J^T)^T v = J v; it needs the engine's create_graph.
- `jacobian`: one vjp per output element (a row of J each).
- `hessian`: the jacobian of the gradient.
- `vhp`  v^T H: the vjp of the gradient;  `hvp`  H v: the double-vjp trick on the gradient.

`create_graph=True` keeps the results in the graph (to differentiate them again); `strict=True` raises
where an output does not depend on an input instead of returning zeros, as PyTorch does.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tinygrad_edu.autograd import enable_grad, grad, is_grad_enabled, set_grad_enabled
from tinygrad_edu.creation import zeros, zeros_like
from tinygrad_edu.functional import stack
from tinygrad_edu.tensor import Tensor

__all__ = ["vjp", "jvp", "jacobian", "hessian", "vhp", "hvp"]


# ---- the pieces every function shares --------------------------------------------------------------


def _as_tuple(value: Any, what: str, fn_name: str) -> tuple[bool, tuple[Tensor, ...]]:
    """(was it a tuple, value as a tuple of Tensors), with PyTorch's TypeError for anything else."""
    is_tuple = isinstance(value, tuple)
    values = value if is_tuple else (value,)
    for i, x in enumerate(values):
        if not isinstance(x, Tensor):
            where = f"the value at index {i}" if is_tuple else f"the given {what}"
            raise TypeError(
                f"The {what} given to {fn_name} must be either a Tensor or a tuple of Tensors but {where} "
                f"has type {type(x).__name__}."
            )
    return is_tuple, values


def _unpack(result: tuple[Any, ...], is_tuple: bool) -> Any:
    """result as the caller's structure: the tuple, or its one element."""
    return result if is_tuple else result[0]


def _prepare(inputs: tuple[Tensor, ...], create_graph: bool, need_graph: bool) -> tuple[Tensor, ...]:
    """The tensors func is evaluated at: new leaves, or (with create_graph, for an input in a graph) a view
    that keeps the result connected to that graph, as PyTorch does."""
    return tuple(
        x.view_as(x) if create_graph and x.requires_grad else x.detach().requires_grad_(need_graph) for x in inputs
    )


def _finish(values: tuple[Any, ...], create_graph: bool) -> tuple[Any, ...]:
    """Results cut from the graph unless create_graph (nested tuples too)."""
    if create_graph:
        return values
    return tuple(_finish(v, False) if isinstance(v, tuple) else v.detach() for v in values)


def _check_v(v: tuple[Tensor, ...], other: tuple[Tensor, ...], is_tuple: bool) -> None:
    """v must match `other` (the inputs or the outputs) in number and shapes."""
    if len(v) != len(other):
        if is_tuple:
            raise RuntimeError(f"v is a tuple of invalid length: should be {len(other)} but got {len(v)}.")
        raise RuntimeError("The given v should contain a single Tensor.")
    for i, (a, b) in enumerate(zip(v, other)):
        if a.shape != b.shape:
            where = f"Entry {i} in " if is_tuple else ""
            raise RuntimeError(f"{where}v has invalid size: should be {b.shape} but got {a.shape}.")


def _check_outputs(outputs: tuple[Tensor, ...], strict: bool) -> None:
    """In strict mode every output must depend on the inputs."""
    if strict:
        for i, out in enumerate(outputs):
            if not out.requires_grad:
                raise RuntimeError(
                    f"Output {i} of the user-provided function does not require gradients. The outputs must "
                    "be computed in a differentiable manner from the input when running in strict mode."
                )


def _grad(
    outputs: tuple[Tensor, ...],
    inputs: tuple[Tensor, ...],
    grad_outputs: tuple[Any, ...] | None = None,
    create_graph: bool = False,
    retain_graph: bool | None = None,
) -> tuple[Tensor | None, ...]:
    """tg.autograd.grad over the outputs that are in the graph at all; None for an input none of them uses."""
    if grad_outputs is None:
        grad_outputs = (None,) * len(outputs)
    kept = [(out, g) for out, g in zip(outputs, grad_outputs) if out.requires_grad]
    if not kept:
        return (None,) * len(inputs)
    return grad(
        [out for out, _ in kept],
        list(inputs),
        [g for _, g in kept],
        retain_graph=retain_graph,
        create_graph=create_graph,
        allow_unused=True,
    )


def _vjp_filled(
    outputs: tuple[Tensor | None, ...],
    wrt: tuple[Tensor, ...],
    vs: tuple[Any, ...],
    refs: tuple[Tensor, ...],
    strict: bool,
    create_graph: bool,
    stage: str,
) -> tuple[Tensor, ...]:
    """The last step of every product: v^T (d outputs / d wrt), zeros where wrt does not reach (see _zeros_for_none).

    An output that is None (a gradient that did not exist, in the double-vjp trick) is left out with its v. It
    runs with grad on only where the result is to stay in a graph (create_graph, or the caller's grad mode),
    as PyTorch's functions do.
    """
    with set_grad_enabled(create_graph or is_grad_enabled()):
        used = [(out, v) for out, v in zip(outputs, vs) if out is not None]
        products = _grad(tuple(out for out, _ in used), wrt, tuple(v for _, v in used), create_graph=create_graph)
        return _zeros_for_none(products, refs, strict, create_graph, stage)


# What each stage's missing gradient means, for the strict-mode errors (PyTorch's words).
_INDEPENDENT = {
    "back": "The output of the user-provided function is independent of input {i}. This is not allowed in strict mode.",
    "back_trick": "The gradient with respect to the input is independent of entry {i} in the grad_outputs "
    "when using the double backward trick to compute forward mode gradients. This is not allowed in strict mode.",
    "double_back": "The jacobian of the user-provided function is independent of input {i}. This is not "
    "allowed in strict mode.",
    "double_back_trick": "The hessian of the user-provided function is independent of entry {i} in the "
    "grad_jacobian. This is not allowed in strict mode as it prevents from using the double backward trick to "
    "replace forward mode AD.",
}


def _zeros_for_none(
    grads: tuple[Tensor | None, ...], refs: tuple[Tensor, ...], strict: bool, create_graph: bool, stage: str
) -> tuple[Tensor, ...]:
    """Zeros where an input got no gradient (it does not affect the output), or strict mode's error."""
    filled = []
    for i, (g, ref) in enumerate(zip(grads, refs)):
        if g is None:
            if strict:
                raise RuntimeError(_INDEPENDENT[stage].format(i=i))
            g = zeros_like(ref)
        elif strict and create_graph and not g.requires_grad:
            what = "hessian" if "double" in stage else "jacobian"
            raise RuntimeError(
                f"The {what} of the user-provided function is independent of input {i}. This is not allowed "
                "in strict mode when create_graph=True."
            )
        filled.append(g)
    return tuple(filled)


def _single_scalar(outputs: tuple[Tensor, ...], is_tuple: bool, fn_name: str) -> None:
    """hessian, vhp and hvp need func to return one Tensor of one element."""
    if is_tuple:
        raise RuntimeError(f"The function given to {fn_name} should return a single Tensor")
    if outputs[0].numel() != 1:
        raise RuntimeError(f"The Tensor returned by the function given to {fn_name} should contain a single element")


# ---- the six functions -----------------------------------------------------------------------------


def vjp(
    func: Callable[..., Any], inputs: Any, v: Any = None, create_graph: bool = False, strict: bool = False
) -> tuple[Any, Any]:
    """(func(*inputs), v^T J): the vector-Jacobian product of func at inputs, as torch.autograd.functional.vjp.

    `v` has the outputs' structure and shapes; it may be None only when func returns one single-element
    Tensor. The product has the inputs' structure.

    Example:
        >>> from tinygrad_edu.autograd.functional import vjp
        >>> x = tg.tensor([1.0, 2.0])
        >>> out, g = vjp(lambda x: x * x, x, v=tg.tensor([1.0, 10.0]))     # v * 2x
        >>> g.numpy()
        array([ 2., 40.], dtype=float32)
    """
    with enable_grad():
        is_inputs_tuple, inputs = _as_tuple(inputs, "inputs", "vjp")
        inputs = _prepare(inputs, create_graph, need_graph=True)
        is_outputs_tuple, outputs = _as_tuple(func(*inputs), "outputs of the user-provided function", "vjp")
        _check_outputs(outputs, strict)
        if v is not None:
            _, vs = _as_tuple(v, "v", "vjp")
            vs = _prepare(vs, create_graph, need_graph=False)
            _check_v(vs, outputs, is_outputs_tuple)
        else:
            if len(outputs) != 1 or outputs[0].numel() != 1:
                raise RuntimeError(
                    "The vector v can only be None if the user-provided function returns a single Tensor with "
                    "a single element."
                )
            vs = (None,)  # type: ignore[assignment]
    result = _vjp_filled(outputs, inputs, vs, inputs, strict, create_graph, "back")
    return _unpack(_finish(outputs, create_graph), is_outputs_tuple), _unpack(
        _finish(result, create_graph), is_inputs_tuple
    )


def jvp(
    func: Callable[..., Any], inputs: Any, v: Any = None, create_graph: bool = False, strict: bool = False
) -> tuple[Any, Any]:
    """(func(*inputs), J v): the Jacobian-vector product of func at inputs, as torch.autograd.functional.jvp.

    `v` has the inputs' structure and shapes (None only for one single-element input); the product has the
    outputs'. Computed with the double-vjp trick: u -> u^T J is linear, and its vjp with v is J v.

    Example:
        >>> from tinygrad_edu.autograd.functional import jvp
        >>> x = tg.tensor([1.0, 2.0])
        >>> out, jv = jvp(lambda x: x * x, x, v=tg.tensor([1.0, 1.0]))     # 2x * v
        >>> jv.numpy()
        array([2., 4.], dtype=float32)
    """
    with enable_grad():
        is_inputs_tuple, inputs = _as_tuple(inputs, "inputs", "jvp")
        inputs = _prepare(inputs, create_graph, need_graph=True)
        if v is not None:
            _, vs = _as_tuple(v, "v", "jvp")
            vs = _prepare(vs, create_graph, need_graph=False)
            _check_v(vs, inputs, is_inputs_tuple)
        else:
            if len(inputs) != 1 or inputs[0].numel() != 1:
                raise RuntimeError(
                    "The vector v can only be None if the input to the user-provided function is a single "
                    "Tensor with a single element."
                )
            vs = (None,)  # type: ignore[assignment]
        is_outputs_tuple, outputs = _as_tuple(func(*inputs), "outputs of the user-provided function", "jvp")
        _check_outputs(outputs, strict)
        # u: a free vector per output; grad_inputs = u^T J, recorded so that it can be differentiated in u
        us = tuple(zeros_like(out, requires_grad=True) for out in outputs)
        grad_inputs = _grad(outputs, inputs, us, create_graph=True)
        _zeros_for_none(grad_inputs, inputs, strict, create_graph, "back")
    result = _vjp_filled(grad_inputs, us, vs, outputs, strict, create_graph, "back_trick")  # the vjp of u -> u^T J
    return _unpack(_finish(outputs, create_graph), is_outputs_tuple), _unpack(
        _finish(result, create_graph), is_outputs_tuple
    )


def jacobian(
    func: Callable[..., Any],
    inputs: Any,
    create_graph: bool = False,
    strict: bool = False,
    vectorize: bool = False,
    strategy: str = "reverse-mode",
) -> Any:
    """The Jacobian of func at inputs, as torch.autograd.functional.jacobian.

    For one input and one output, a Tensor of shape `output.shape + input.shape`; a tuple over the inputs
    (or over the outputs) where func takes (or returns) a tuple; a tuple of tuples, `[i][j]` = d output i /
    d input j, where both are. One backward pass per output element. `vectorize=True` gives the same
    result (PyTorch batches the passes; here they stay a loop). Only `strategy="reverse-mode"`: there is no
    forward mode here.

    Example:
        >>> from tinygrad_edu.autograd.functional import jacobian
        >>> jacobian(lambda x: x * x, tg.tensor([1.0, 2.0])).numpy()     # diag(2x)
        array([[2., 0.],
               [0., 4.]], dtype=float32)
    """
    if strategy not in ("forward-mode", "reverse-mode"):
        raise ValueError(f'jacobian: strategy must be "forward-mode" or "reverse-mode", got {strategy!r}')
    if strategy == "forward-mode":
        raise NotImplementedError(
            'jacobian: strategy="forward-mode" is not available (this library has reverse mode only); '
            'use strategy="reverse-mode", which gives the same Jacobian'
        )
    if vectorize and strict:
        raise RuntimeError(
            "jacobian: `strict=True` and `vectorized=True` are not supported together (as in PyTorch). "
            "Please either set `strict=False` or `vectorize=False`."
        )
    with enable_grad():
        is_inputs_tuple, inputs = _as_tuple(inputs, "inputs", "jacobian")
        inputs = _prepare(inputs, create_graph, need_graph=True)
        is_outputs_tuple, outputs = _as_tuple(func(*inputs), "outputs of the user-provided function", "jacobian")
        _check_outputs(outputs, strict)
        rows_per_output = []
        for i, out in enumerate(outputs):
            rows: list[list[Tensor]] = [[] for _ in inputs]  # rows[j]: d out[k] / d input j, for each element k
            for k in range(out.numel()):
                one_hot = zeros(out.numel(), dtype=out.dtype)
                one_hot.data[k] = 1  # (a fresh constant: the write needs no graph)
                grads = _grad((out,), inputs, (one_hot.reshape(out.shape),), create_graph, retain_graph=True)
                for j, (g, x) in enumerate(zip(grads, inputs)):
                    if g is None:
                        if strict:
                            raise RuntimeError(
                                f"Output {i} of the user-provided function is independent of input {j}. This is "
                                "not allowed in strict mode."
                            )
                        g = zeros_like(x)
                    elif strict and create_graph and not g.requires_grad:
                        raise RuntimeError(
                            f"The jacobian of the user-provided function is independent of input {i}. This is "
                            "not allowed in strict mode when create_graph=True."
                        )
                    rows[j].append(g)
            rows_per_output.append(
                tuple(
                    stack(r).reshape(tuple(out.shape) + tuple(x.shape))
                    if r
                    else zeros(tuple(out.shape) + tuple(x.shape), dtype=x.dtype)  # an output with no elements
                    for r, x in zip(rows, inputs)
                )
            )
    result = _finish(tuple(rows_per_output), create_graph)
    return _unpack(tuple(_unpack(r, is_inputs_tuple) for r in result), is_outputs_tuple)


def hessian(
    func: Callable[..., Any],
    inputs: Any,
    create_graph: bool = False,
    strict: bool = False,
    vectorize: bool = False,
    outer_jacobian_strategy: str = "reverse-mode",
) -> Any:
    """The Hessian of a scalar func at inputs, as torch.autograd.functional.hessian: the Jacobian of its gradient.

    For one input, a Tensor of shape `input.shape + input.shape`; for a tuple of inputs, a tuple of tuples,
    `[i][j]` = d^2 func / d input i d input j. func must return one single-element Tensor.

    Example:
        >>> from tinygrad_edu.autograd.functional import hessian
        >>> hessian(lambda x: (x ** 3).sum(), tg.tensor([1.0, 2.0])).numpy()     # diag(6x)
        array([[ 6.,  0.],
               [ 0., 12.]], dtype=float32)
    """
    is_inputs_tuple, inputs = _as_tuple(inputs, "inputs", "hessian")

    def scalar(*x: Tensor) -> Tensor:
        is_tuple, outs = _as_tuple(func(*x), "outputs of the user-provided function", "hessian")
        _check_outputs(outs, strict)
        _single_scalar(outs, is_tuple, "hessian")
        return outs[0].squeeze()

    def gradient(*x: Tensor) -> tuple[Tensor, ...]:
        jac = jacobian(scalar, x, create_graph=True)
        if strict:
            for i, g in enumerate(jac):
                if not g.requires_grad:
                    raise RuntimeError(
                        "While computing the hessian, found that the jacobian of the user-provided function with "
                        f"respect to input {i} is independent of the input. This is not allowed in strict mode. "
                        "You should ensure that your function is twice differentiable and that the jacobian "
                        "depends on the inputs (this would be violated by a linear function for example)."
                    )
        return jac

    result = jacobian(
        gradient,
        inputs,
        create_graph=create_graph,
        strict=strict,
        vectorize=vectorize,
        strategy=outer_jacobian_strategy,
    )
    return _unpack(tuple(_unpack(r, is_inputs_tuple) for r in result), is_inputs_tuple)


def _gradient_of_scalar(
    func: Callable[..., Any], inputs: Any, v: Any, create_graph: bool, strict: bool, fn_name: str
) -> tuple[bool, tuple[Tensor, ...], tuple[Any, ...], Tensor, tuple[Tensor, ...]]:
    """What vhp and hvp share: (is_inputs_tuple, inputs, v, func's output, its gradient kept in the graph)."""
    is_inputs_tuple, inputs = _as_tuple(inputs, "inputs", fn_name)
    inputs = _prepare(inputs, create_graph, need_graph=True)
    if v is not None:
        _, vs = _as_tuple(v, "v", fn_name)
        vs = _prepare(vs, create_graph, need_graph=False)
        _check_v(vs, inputs, is_inputs_tuple)
    else:
        if len(inputs) != 1 or inputs[0].numel() != 1:
            raise RuntimeError(
                "The vector v can only be None if the input to the user-provided function is a single Tensor "
                "with a single element."
            )
        vs = (None,)  # type: ignore[assignment]
    is_tuple, outputs = _as_tuple(func(*inputs), "outputs of the user-provided function", fn_name)
    _check_outputs(outputs, strict)
    _single_scalar(outputs, is_tuple, fn_name)
    gradient = _grad(outputs, inputs, create_graph=True)
    if strict:
        for i, g in enumerate(gradient):
            if g is None:
                raise RuntimeError(
                    f"The output of the user-provided function is independent of input {i}. This is not allowed in "
                    "strict mode."
                )
            if not g.requires_grad:
                raise RuntimeError(
                    "While computing the hessian, found that the jacobian of the user-provided function with "
                    f"respect to input {i} is independent of the input. This is not allowed in strict mode. You "
                    "should ensure that your function is twice differentiable and that the jacobian depends on the "
                    "inputs (this would be violated by a linear function for example)."
                )
    return is_inputs_tuple, inputs, vs, outputs[0], _zeros_for_none(gradient, inputs, False, False, "back")


def vhp(
    func: Callable[..., Any], inputs: Any, v: Any = None, create_graph: bool = False, strict: bool = False
) -> tuple[Any, Any]:
    """(func(*inputs), v^T H): the vector-Hessian product of a scalar func, as torch.autograd.functional.vhp.

    `v` has the inputs' structure and shapes; so has the product. It is the vjp of the gradient with v.

    Example:
        >>> from tinygrad_edu.autograd.functional import vhp
        >>> out, vh = vhp(lambda x: (x ** 3).sum(), tg.tensor([1.0, 2.0]), v=tg.tensor([1.0, 1.0]))
        >>> vh.numpy()                                                     # 6x * v
        array([ 6., 12.], dtype=float32)
    """
    with enable_grad():
        is_inputs_tuple, inputs, vs, output, gradient = _gradient_of_scalar(
            func, inputs, v, create_graph, strict, "vhp"
        )
    result = _vjp_filled(gradient, inputs, vs, inputs, strict, create_graph, "double_back")
    return _finish((output,), create_graph)[0], _unpack(_finish(result, create_graph), is_inputs_tuple)


def hvp(
    func: Callable[..., Any], inputs: Any, v: Any = None, create_graph: bool = False, strict: bool = False
) -> tuple[Any, Any]:
    """(func(*inputs), H v): the Hessian-vector product of a scalar func, as torch.autograd.functional.hvp.

    `v` has the inputs' structure and shapes; so has the product. As in PyTorch it is the double-vjp trick
    on the gradient (for a twice continuously differentiable func, H is symmetric and H v = v^T H).

    Example:
        >>> from tinygrad_edu.autograd.functional import hvp
        >>> out, hv = hvp(lambda x: (x[0] * x[1]) ** 2, tg.tensor([1.0, 2.0]), v=tg.tensor([1.0, 0.0]))
        >>> hv.numpy()                                   # first column of [[2 y^2, 4 x y], [4 x y, 2 x^2]]
        array([8., 8.], dtype=float32)
    """
    with enable_grad():
        is_inputs_tuple, inputs, vs, output, gradient = _gradient_of_scalar(
            func, inputs, v, create_graph, strict, "hvp"
        )
        # u^T H for a free u, recorded so that it can be differentiated in u: its vjp with v is H v
        us = tuple(zeros_like(x, requires_grad=True) for x in inputs)
        double_back = _grad(gradient, inputs, us, create_graph=True)
        _zeros_for_none(double_back, inputs, strict, create_graph, "double_back")
    result = _vjp_filled(double_back, us, vs, inputs, strict, create_graph, "double_back_trick")  # of u -> u^T H
    return _finish((output,), create_graph)[0], _unpack(_finish(result, create_graph), is_inputs_tuple)
