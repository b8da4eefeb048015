"""The autograd engine: the Function base class, grad mode, and the iterative backward walk.

Every differentiable op is a `Function` subclass with a `forward` and a `backward` on NumPy arrays
(see `tinygrad_edu/ops/`). `Function.apply` runs the forward and, when an input requires grad,
records the op in the graph. `backward()` walks that graph in reverse topological order, calls
each op's `backward` and reduces broadcast gradients back to each input's shape in one place,
`unbroadcast`, so that no op has to.
"""

from __future__ import annotations

import functools
from typing import Any, Callable, Iterator, Optional, Sequence, TypeVar

import numpy as np

from tinygrad_edu.tensor import Tensor

__all__ = [
    "Function",
    "no_grad",
    "enable_grad",
    "set_grad_enabled",
    "is_grad_enabled",
    "unbroadcast",
    "backward",
]

F = TypeVar("F", bound=Callable[..., Any])


# ---------------------------------------------------------------------------------------------
# Grad mode
# ---------------------------------------------------------------------------------------------

class _GradMode:
    """Holds the one global switch that says whether ops record a graph."""

    enabled = True


def is_grad_enabled() -> bool:
    """True when ops on tensors that require grad record the graph (the default)."""
    return _GradMode.enabled


class set_grad_enabled:
    """Turn graph recording on or off, as a context manager or a decorator.

    Example:
        >>> with tg.set_grad_enabled(False):
        ...     y = x * 2          # y.requires_grad is False
    """

    def __init__(self, mode: bool) -> None:
        self.mode = bool(mode)
        self.previous: list[bool] = []

    def __enter__(self) -> None:
        self.previous.append(_GradMode.enabled)
        _GradMode.enabled = self.mode

    def __exit__(self, *exc: object) -> None:
        _GradMode.enabled = self.previous.pop()

    def __call__(self, fn: F) -> F:
        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with self.__class__(self.mode):
                return fn(*args, **kwargs)

        return wrapper  # type: ignore[return-value]


class no_grad(set_grad_enabled):
    """Record nothing inside the block (or the decorated function): for evaluation and updates.

    Example:
        >>> with tg.no_grad():
        ...     prediction = model(x)
    """

    def __init__(self) -> None:
        super().__init__(False)

    def __call__(self, fn: F) -> F:
        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with no_grad():
                return fn(*args, **kwargs)

        return wrapper  # type: ignore[return-value]


class enable_grad(set_grad_enabled):
    """Record the graph inside the block even within `no_grad`."""

    def __init__(self) -> None:
        super().__init__(True)

    def __call__(self, fn: F) -> F:
        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with enable_grad():
                return fn(*args, **kwargs)

        return wrapper  # type: ignore[return-value]


# ---------------------------------------------------------------------------------------------
# Function: the one way an op is defined, for the engine's own ops and for users' ops alike
# ---------------------------------------------------------------------------------------------

class Function:
    """A differentiable op: `forward` computes the output, `backward` its vector-Jacobian product.

    Subclass it, write `forward(self, *arrays, **options)` returning an ndarray and
    `backward(self, grad_out)` returning one gradient per array input (an ndarray, or None where an
    input needs no gradient), then call `MyOp.apply(*tensors, **options)`. The instance is the
    op's context: keep what backward needs with `self.save(...)` and read it back from
    `self.saved`; `self.needs_input_grad[i]` tells whether input i needs a gradient at all.

    Inputs may be tensors, arrays or Python numbers; only tensors that require grad receive a
    gradient. `backward` may return a gradient of the broadcast shape: the engine sums it back to
    each input's shape.

    Example:
        >>> class Cube(tg.Function):
        ...     def forward(self, x):
        ...         self.save(x)
        ...         return x ** 3
        ...     def backward(self, grad_out):
        ...         (x,) = self.saved
        ...         return grad_out * 3 * x ** 2      # d x^3/dx = 3 x^2
        >>> y = Cube.apply(tg.tensor([2.0], requires_grad=True))
    """

    # The engine reads these three on every node it visits; a user's subclass may add any other.
    inputs: tuple[Any, ...]
    needs_input_grad: tuple[bool, ...]
    saved: tuple[Any, ...] = ()
    released = False  # set once backward has freed what the op saved

    def forward(self, *args: Any, **kwargs: Any) -> np.ndarray:
        raise NotImplementedError(f"{type(self).__name__} must define forward(self, *arrays)")

    def backward(self, grad_out: np.ndarray) -> Any:
        raise NotImplementedError(f"{type(self).__name__} must define backward(self, grad_out)")

    def save(self, *values: Any) -> None:
        """Keep values (usually arrays) that backward needs; they come back as `self.saved`."""
        self.saved = values

    @property
    def name(self) -> str:
        """The op's name as shown in error messages and graph drawings, e.g. 'Mul'."""
        return type(self).__name__

    @classmethod
    def apply(cls, *inputs: Any, **options: Any) -> Tensor:
        """Run the op on `inputs` (tensors, arrays or numbers) and record it if a gradient is needed."""
        ctx = cls()
        arrays = [x.data if isinstance(x, Tensor) else x for x in inputs]
        out = Tensor._from_op(np.asarray(ctx.forward(*arrays, **options)), None)
        if _GradMode.enabled:
            needs = tuple(isinstance(x, Tensor) and x.requires_grad for x in inputs)
            if True in needs:
                ctx.inputs = inputs
                ctx.needs_input_grad = needs
                out.requires_grad = True
                out.grad_fn = ctx
        if _anomaly.enabled:
            _anomaly.check_forward(ctx, out.data)
        return out

    def __repr__(self) -> str:
        return f"<{self.name}Backward>"


# ---------------------------------------------------------------------------------------------
# The backward walk
# ---------------------------------------------------------------------------------------------

def unbroadcast(grad: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """Sum `grad` over the axes that broadcasting added or stretched, so it gets `shape` back.

    Broadcasting copies an input along some axes; the gradient of a copy is the sum of the
    gradients of its copies. This is the only place in the library that undoes broadcasting.
    """
    extra = grad.ndim - len(shape)
    stretched = tuple(i + extra for i, n in enumerate(shape) if n == 1 and grad.shape[i + extra] != 1)
    axes = tuple(range(extra)) + stretched
    if axes:
        grad = grad.sum(axis=axes, keepdims=True)
    return grad.reshape(shape)


def _topological_order(root: Tensor) -> list[Tensor]:
    """Tensors of root's graph that an op made, each after every tensor that depends on it.

    An iterative depth-first search (no recursion, so a chain of 100,000 ops is fine): a tensor is
    appended once all the tensors it was made from have been appended, then the list is reversed.
    """
    order: list[Tensor] = []
    visited: set[int] = {id(root)}
    stack: list[tuple[Tensor, Iterator[Any]]] = [(root, iter(root.grad_fn.inputs))]
    while stack:
        tensor, parents = stack[-1]
        for parent in parents:
            if (
                isinstance(parent, Tensor)
                and parent.grad_fn is not None
                and id(parent) not in visited
            ):
                visited.add(id(parent))
                stack.append((parent, iter(parent.grad_fn.inputs)))
                break
        else:
            stack.pop()
            order.append(tensor)
    order.reverse()
    return order


def backward(root: Tensor, gradient: Optional[np.ndarray], retain_graph: bool = False) -> None:
    """Accumulate d(root)/d(leaf), weighted by `gradient`, into `.grad` of every leaf that requires grad."""
    if root.grad_fn is None:  # a leaf: its gradient is the seed itself
        _accumulate(root, gradient)
        return
    grads: dict[int, np.ndarray] = {id(root): gradient}
    for tensor in _topological_order(root):
        grad_out = grads.pop(id(tensor), None)
        if grad_out is None:  # nothing flowed here (every path to it was cut)
            continue
        fn = tensor.grad_fn
        if fn.released:
            raise RuntimeError(
                f"backward through {fn.name} a second time: its saved values were freed after the "
                "first backward(). Call backward(retain_graph=True) the first time if you need to "
                "backward through the same graph twice."
            )
        grads_in = fn.backward(grad_out)
        if not isinstance(grads_in, tuple):
            grads_in = (grads_in,)
        if len(grads_in) != len(fn.inputs):
            raise RuntimeError(
                f"{fn.name}.backward returned {len(grads_in)} gradient(s) for {len(fn.inputs)} input(s)"
            )
        if _anomaly.enabled:
            _anomaly.check_backward(fn, grads_in)
        for parent, grad, needed in zip(fn.inputs, grads_in, fn.needs_input_grad):
            if not needed or grad is None:
                continue
            grad = _fit(fn, grad, parent)
            if parent.grad_fn is None:
                _accumulate(parent, grad)
            else:
                key = id(parent)
                grads[key] = grads[key] + grad if key in grads else grad
        if not retain_graph:
            fn.released = True  # let the saved arrays go with the graph, as PyTorch does
            fn.saved = ()


def _fit(fn: Function, grad: Any, parent: Tensor) -> np.ndarray:
    """Give `grad` the parent's shape and dtype: undo broadcasting, cast float64 back to float32, etc."""
    grad = np.asarray(grad)
    if grad.shape != parent.data.shape:
        try:
            grad = unbroadcast(grad, parent.data.shape)
        except (ValueError, IndexError):
            raise RuntimeError(
                f"{fn.name}.backward returned a gradient of shape {grad.shape} for an input of "
                f"shape {parent.data.shape}; it must have the input's shape or broadcast to it"
            ) from None
    if grad.dtype != parent.data.dtype:
        grad = grad.astype(parent.data.dtype)
    return grad


def _accumulate(leaf: Tensor, grad: np.ndarray) -> None:
    """Add grad into leaf.grad. Out of place: the array may be shared with other gradients."""
    if not leaf.requires_grad:
        return
    if leaf.grad is None:
        leaf.grad = Tensor._from_op(grad, None)
    else:
        leaf.grad = Tensor._from_op(leaf.grad.data + grad, None)


# ---------------------------------------------------------------------------------------------
# Anomaly detection hooks (filled in by tinygrad_edu.debug; off by default and free when off)
# ---------------------------------------------------------------------------------------------

class _AnomalyHooks:
    """Switch and callbacks for `tg.detect_anomaly`; the engine only tests `enabled`."""

    enabled = False

    @staticmethod
    def check_forward(fn: Function, out: np.ndarray) -> None:  # replaced while enabled
        pass

    @staticmethod
    def check_backward(fn: Function, grads: Sequence[Any]) -> None:  # replaced while enabled
        pass


_anomaly = _AnomalyHooks
