"""PyTorch-style custom Functions: `@staticmethod forward(ctx, ...)` and `backward(ctx, ...)` on Tensors.

A subclass of `tg.Function` written PyTorch's way runs unchanged here:

    class Exp(tg.Function):
        @staticmethod
        def forward(ctx, x):
            result = x.exp()
            ctx.save_for_backward(result)
            return result

        @staticmethod
        def backward(ctx, grad_output):
            (result,) = ctx.saved_tensors
            return grad_output * result  # d e^x/dx = e^x

`Function.__init_subclass__` (autograd/__init__.py) sees the static forward and gives the class
`apply` from this file; the library's own ops (instance methods on arrays, `self.save`) keep
`Function.apply` and its hot path untouched.

How it maps onto the engine: the engine's graph node is a `CustomBackward` (one of our own ops); the
user's `ctx` is a separate `FunctionCtx`, so attributes a user sets on it never collide with what the
engine keeps on a node. The engine gives an op one output; several outputs are packed into one flat
array that the node outputs, and each user-facing output is an `OutputOf` op that picks its slice (and
carries the user's name, so every output's grad_fn reads `<ClassNameBackward>`). An input changed in
place and declared with `ctx.mark_dirty` is returned as itself and takes the node as its grad_fn, as an
in-place op does (tinygrad_edu/in_place.py).
Because the user's backward sees Tensors, when the engine runs it in create_graph mode (grad_out a
Tensor, grad mode on) the gradient it computes is itself recorded: a custom op is twice
differentiable when its backward is.
"""

from __future__ import annotations

import functools
import inspect
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np

from tinygrad_edu import autograd as _autograd
from tinygrad_edu import in_place as _in_place
from tinygrad_edu.tensor import Tensor

__all__ = ["FunctionCtx", "CustomBackward", "OutputOf", "DelayedError", "once_differentiable", "apply"]


class FunctionCtx:
    """The `ctx` a PyTorch-style forward and backward share: save tensors and set any attribute on it.

    Example:
        >>> class Square(tg.Function):
        ...     @staticmethod
        ...     def forward(ctx, x):
        ...         ctx.save_for_backward(x)
        ...         return x * x
        ...     @staticmethod
        ...     def backward(ctx, grad_output):
        ...         (x,) = ctx.saved_tensors
        ...         return 2 * x * grad_output       # d x^2/dx = 2x
        >>> x = tg.tensor([3.0], requires_grad=True)
        >>> Square.apply(x).sum().backward()
        >>> x.grad.numpy()
        array([6.], dtype=float32)
    """

    def __init__(self, name: str, needs_input_grad: tuple[bool, ...]) -> None:
        self.needs_input_grad = needs_input_grad  # one flag per forward input: does it need a gradient?
        self.materialize_grads = True
        self._name = name
        self._saved: tuple[Any, ...] = ()
        self._saved_versions: tuple[int, ...] = ()
        self._freed = False
        self._non_differentiable: set[int] = set()
        self._dirty: tuple[Tensor, ...] = ()

    def save_for_backward(self, *tensors: Tensor | None) -> None:
        """Keep tensors (or None) for backward, where `ctx.saved_tensors` gives them back.

        Each tensor's version is noted when apply ends (after ctx.mark_dirty's changes count), as in
        PyTorch: reading it in backward after a later in-place change is an error, rather than a gradient
        computed with the changed values.
        """
        for i, t in enumerate(tensors):
            if t is not None and not isinstance(t, Tensor):
                raise TypeError(
                    f"{self._name}: save_for_backward takes tensors or None, got {type(t).__name__} at "
                    f"position {i}; keep other values as attributes on ctx (ctx.k = k)"
                )
        self._saved = tensors
        self._note_versions()

    def _note_versions(self) -> None:
        self._saved_versions = tuple(0 if t is None else t._version for t in self._saved)

    @property
    def saved_tensors(self) -> tuple[Any, ...]:
        """The tensors given to save_for_backward, checked to be unchanged since."""
        if self._freed:
            raise RuntimeError(
                f"{self._name}: saved_tensors were freed after the first backward(); call "
                "backward(retain_graph=True) the first time to backward through the graph twice"
            )
        for i, (t, version) in enumerate(zip(self._saved, self._saved_versions)):
            if t is not None and t._version != version:
                raise RuntimeError(
                    "one of the variables needed for gradient computation has been modified by an inplace "
                    f"operation: saved tensor {i} of {self._name} (a {t.dtype} tensor of shape {tuple(t.shape)}) "
                    f"is at version {t._version}; expected version {version} instead. Change a copy "
                    "(x = x.clone()) rather than the tensor itself"
                )
        return self._saved

    def mark_non_differentiable(self, *outputs: Tensor) -> None:
        """Declare outputs of forward that have no gradient (indices, masks): they do not require grad."""
        self._non_differentiable.update(id(t) for t in outputs)

    def mark_dirty(self, *tensors: Tensor) -> None:
        """Declare inputs that forward changed in place; forward must return them (as PyTorch requires).

        Each comes back as the very same tensor, its version counted up once more, and with the Function's
        node as its grad_fn: ops that use it afterwards send their gradient through the Function, ops that
        used it before still reach the grad_fn it had then. A leaf that requires grad (or a view of one) is
        refused, as in PyTorch: change a clone of it instead.
        """
        self._dirty = tensors

    def set_materialize_grads(self, value: bool) -> None:
        """With False, backward gets None (not zeros) for the gradient of an output the loss does not use
        or that has none (mark_non_differentiable), as in PyTorch; backward must then handle None."""
        self.materialize_grads = bool(value)


class CustomBackward(_autograd.Function):
    """The engine's node for one call of a PyTorch-style Function: its backward calls the user's."""

    user: Any  # the user's Function subclass
    ctx: FunctionCtx
    # per output of forward: ("slice", start, stop, shape) for one with a gradient (its place in the packed
    # array), ("zero", shape, dtype) for a Tensor without one, ("none",) for an output that is not a Tensor
    outputs: list[tuple[Any, ...]]
    packed = False  # True when forward returned a tuple: the node's output is the outputs' flattened concatenation
    # The outputs (by index) whose OutputOf op passed a gradient down in the walk now running: the rest are
    # unused, and get None under ctx.set_materialize_grads(False). OutputOf ops are newer than this node,
    # so the walk has passed all of them by the time it reaches the node.
    received: set[int]

    @property
    def name(self) -> str:
        return self.user.__name__

    # The engine marks an op `released` once a backward without retain_graph has passed through it (and
    # frees what the op saved); the user's saved tensors live on ctx, so they are freed then too.
    @property
    def released(self) -> bool:
        return self.ctx._freed

    @released.setter
    def released(self, value: bool) -> None:
        if value:
            self.ctx._saved = ()
            self.ctx._freed = True

    def backward(self, grad_out: Any) -> Any:
        create_graph = isinstance(grad_out, Tensor)  # the engine's convention: Tensors when recording the gradient
        if self.packed:
            grads_out: list[Any] = []
            received, self.received = self.received, set()
            for k, (kind, *where) in enumerate(self.outputs):
                if kind != "none" and not self.ctx.materialize_grads and k not in received:
                    grads_out.append(None)  # unused or non-differentiable, and the user asked not to materialize
                elif kind == "slice":  # an output with a gradient: its slice of the packed gradient
                    start, stop, shape = where
                    grads_out.append(grad_out[start:stop].reshape(shape))
                elif kind == "zero":  # a non-differentiable output: a zero gradient (PyTorch materializes these too)
                    grads_out.append(Tensor._from_op(np.zeros(*where), None))
                else:  # an output that is not a Tensor: None, as in PyTorch
                    grads_out.append(None)
        else:
            grads_out = [grad_out]
        grads_out = [g if g is None or isinstance(g, Tensor) else Tensor._from_op(g, None) for g in grads_out]
        with _autograd.set_grad_enabled(create_graph):  # PyTorch runs backward with grad on only then
            grads = self.user.backward(self.ctx, *grads_out)
        if not isinstance(grads, tuple):
            grads = (grads,)
        n = len(self.inputs)
        if len(grads) < n or any(g is not None for g in grads[n:]):
            raise RuntimeError(
                f"{self.name}.backward returned {len(grads)} gradient(s) but forward had {n} input(s): "
                "return one gradient per forward input (None where an input has none)"
            )
        return tuple(self._check(i, g, create_graph) for i, g in enumerate(grads[:n]))

    def _check(self, i: int, grad: Any, create_graph: bool) -> Any:
        """Gradient i as the engine takes it: an array (a Tensor in create_graph mode), checked against input i."""
        if grad is None:
            return None
        x = self.inputs[i]
        if not isinstance(x, Tensor):
            raise RuntimeError(
                f"{self.name}.backward returned a gradient for input {i}, which is a {type(x).__name__}, "
                "not a tensor: return None there"
            )
        if not isinstance(grad, Tensor):
            raise TypeError(
                f"{self.name}.backward returned a {type(grad).__name__} for input {i}: return a Tensor or None"
            )
        try:
            np.broadcast_shapes(grad.shape, x.shape)
            fits = len(grad.shape) >= len(x.shape) and np.broadcast_shapes(grad.shape, x.shape) == grad.shape
        except ValueError:
            fits = False
        if not fits:
            raise RuntimeError(
                f"{self.name}.backward returned a gradient of shape {tuple(grad.shape)} for input {i} of shape "
                f"{tuple(x.shape)}: it must have the input's shape (or one that broadcasting made from it)"
            )
        return grad if create_graph else grad.data


def _inputs(user: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> tuple[Any, ...]:
    """The node's inputs, one gradient each, as PyTorch counts them: for a forward without ctx (PyTorch 2's
    style) the arguments bound to forward's parameters, defaults filled in; for forward(ctx, ...) the
    positional arguments, then the keyword arguments' values in the order given."""
    if not kwargs:
        return args
    if not _has_setup_context(user):
        return args + tuple(kwargs.values())
    bound = inspect.signature(user.forward).bind(*args, **kwargs)
    bound.apply_defaults()
    return tuple(bound.args)


def _has_setup_context(user: Any) -> bool:
    """True for the PyTorch 2 style: forward(*args) without ctx, and a setup_context(ctx, inputs, output)."""
    return inspect.getattr_static(user, "setup_context", None) is not None


class OutputOf(_autograd.Function):
    """Output k of a Function with several outputs: its slice of the node's packed array, in its shape.

    It bears the user's class's name, so every output's grad_fn reads `<ClassNameBackward>` as in PyTorch
    (there the outputs share one node; here each has its own OutputOf in front of the node).
    """

    node: CustomBackward
    k: int

    @property
    def name(self) -> str:
        return self.node.name

    def forward(self, packed: np.ndarray, node: CustomBackward, k: int) -> np.ndarray:
        self.node, self.k = node, k
        _, start, stop, shape = node.outputs[k]
        self.save(packed.shape, start, stop)
        return packed[start:stop].reshape(shape)

    def backward(self, grad_out: Any) -> Any:
        size, start, stop = self.saved
        self.node.received.add(self.k)  # (for set_materialize_grads(False): this output was used)
        grad = np.zeros_like(grad_out, shape=size, order="C")  # (of grad_out's kind: a Tensor in double backward)
        grad[start:stop] = grad_out.reshape(-1)  # the other outputs' places get their own OutputOf's gradient
        return grad


class DelayedError(_autograd.Function):
    """Passes its input through; its backward raises: what a once_differentiable backward's results go through
    when the gradient is recorded (create_graph), so differentiating them again is an error, as in PyTorch."""

    what: str

    def forward(self, x: np.ndarray, what: str = "") -> np.ndarray:
        self.what = what
        return x

    def backward(self, grad_out: Any) -> Any:
        raise RuntimeError(
            f"trying to differentiate twice a function that was marked with @once_differentiable ({self.what}): "
            "its gradient cannot be differentiated again. Write that backward with differentiable Tensor ops "
            "(and drop the decorator) to get second derivatives"
        )


def once_differentiable(backward: Callable[..., Any]) -> Callable[..., Any]:
    """Decorate a custom Function's backward that is not itself differentiable, as PyTorch's.

    The backward runs with grad off. When the gradient is being recorded (create_graph=True) and a
    gradient passed in requires grad, the results are cut from the graph and marked, so that
    differentiating them again raises PyTorch's RuntimeError "trying to differentiate twice a function
    that was marked with @once_differentiable" rather than give a wrong second derivative.

    Example:
        >>> from tinygrad_edu.autograd.function import once_differentiable
        >>> class Exp(tg.Function):
        ...     @staticmethod
        ...     def forward(ctx, x):
        ...         ctx.result = x.exp()
        ...         return ctx.result
        ...     @staticmethod
        ...     @once_differentiable
        ...     def backward(ctx, grad_output):
        ...         return grad_output * ctx.result
        >>> x = tg.tensor([0.0], requires_grad=True)
        >>> Exp.apply(x).sum().backward()
        >>> x.grad.numpy()
        array([1.], dtype=float32)
    """

    @functools.wraps(backward)
    def wrapper(ctx: Any, *grads_out: Any) -> Any:
        with _autograd.no_grad():
            grads = backward(ctx, *grads_out)
        recorded = any(isinstance(g, Tensor) and g.requires_grad for g in grads_out)
        if not (_autograd.is_grad_enabled() and recorded):
            return grads
        what = (
            f"{ctx._name}.backward" if isinstance(ctx, FunctionCtx) else getattr(backward, "__qualname__", "backward")
        )
        many = isinstance(grads, tuple)
        marked = tuple(
            DelayedError.apply(g.detach().requires_grad_(), what=what)
            if isinstance(g, Tensor) and g.dtype.kind == "f"
            else g
            for g in (grads if many else (grads,))
        )
        return marked if many else marked[0]

    return wrapper


def apply(user: Any, *args: Any, **kwargs: Any) -> Any:
    """Run a PyTorch-style Function: forward on the tensors with grad off, then record one node if needed."""
    inputs = _inputs(user, args, kwargs)
    needs = tuple(isinstance(x, Tensor) and x.requires_grad for x in inputs)
    ctx = FunctionCtx(user.__name__, needs)
    with _autograd.no_grad():
        if _has_setup_context(user):
            result = user.forward(*inputs)
            user.setup_context(ctx, inputs, result)
        else:
            result = user.forward(ctx, *args, **kwargs)
    many = isinstance(result, tuple)
    results = result if many else (result,)
    record = _autograd.is_grad_enabled() and True in needs
    dirty = _dirty_inputs(user, ctx, inputs, results, record)
    ctx._note_versions()  # (after the dirty tensors' versions went up, as PyTorch notes them)
    # Only floating-point Tensors carry a gradient; other outputs (numbers, indices) pass through, as in PyTorch.
    differentiable = [
        isinstance(r, Tensor) and r.dtype.kind == "f" and id(r) not in ctx._non_differentiable for r in results
    ]
    if not record or True not in differentiable:
        return result  # (made with grad off, the outputs already record nothing)
    node = CustomBackward()
    node.user, node.ctx = user, ctx
    # a dirty input is the node's output now: the node's input is a stand-in with the history it had before
    node.inputs = tuple(dirty[id(x)][0] if id(x) in dirty else x for x in inputs)
    node.options, node.needs_input_grad = {}, needs
    node.sequence = next(_autograd._creation_order)
    if not many:
        out = _own(results[0], inputs, dirty)
        _set_history(out, node, dirty)
        if _autograd.hooks.active:
            _autograd.hooks.forward(node, out.data)
        return out
    # Several outputs: the node outputs them flattened into one array, and each is an OutputOf (its slice).
    dtypes = {r.dtype for r, d in zip(results, differentiable) if d}
    if len(dtypes) > 1:
        raise TypeError(
            f"{user.__name__}.forward returned outputs with gradients of different dtypes "
            f"({', '.join(sorted(str(d) for d in dtypes))}): return them in one floating dtype"
        )
    node.packed, node.received = True, set()
    node.outputs, flat, start = [], [], 0
    for r, d in zip(results, differentiable):
        if d:
            node.outputs.append(("slice", start, start + r.data.size, r.shape))
            flat.append(r.data.ravel())
            start += r.data.size
        else:
            node.outputs.append(("zero", r.shape, r.dtype) if isinstance(r, Tensor) else ("none",))
    packed = Tensor._from_op(np.concatenate(flat), node)
    if _autograd.hooks.active:
        _autograd.hooks.forward(node, packed.data)
    outs = []
    for k, (r, (kind, *_)) in enumerate(zip(results, node.outputs)):
        if kind == "slice":  # r becomes the output of its OutputOf (keeping its own array of the same values),
            r = _own(r, inputs, dirty)  # so a saved output is the tensor the graph knows
            _set_history(r, OutputOf.apply(packed, node=node, k=k).grad_fn, dirty)
        elif kind == "zero":
            r = _own(r, inputs, dirty)
            r.requires_grad, r.grad_fn = False, None
        outs.append(r)
    return tuple(outs)


def _dirty_inputs(
    user: Any, ctx: FunctionCtx, inputs: tuple[Any, ...], results: tuple[Any, ...], record: bool
) -> dict[int, tuple[Tensor, list[Any], list[Tensor]]]:
    """The inputs ctx.mark_dirty declared, checked as PyTorch checks them, each with its version counted up:
    id -> (a stand-in holding its history before, the bases and the slices that change with it)."""
    dirty: dict[int, tuple[Tensor, list[Any], list[Tensor]]] = {}
    for t in ctx._dirty:
        if not any(t is r for r in results):
            raise RuntimeError(
                f"{user.__name__}: some elements marked as dirty during the forward method were not returned as "
                f"output (a tensor of shape {tuple(t.shape)}). The inputs that are modified inplace must all be "
                "outputs of the Function: return them"
            )
        if not any(t is x for x in inputs):
            warnings.warn(
                f"{user.__name__}: ctx.mark_dirty() received a tensor that was not an input. Only input Tensors "
                "that have been mutated should be passed to ctx.mark_dirty()",
                UserWarning,
                stacklevel=3,
            )
        elif record and id(t) not in dirty:
            if t.requires_grad and t.grad_fn is None:
                raise RuntimeError(
                    f"{user.__name__}: a leaf Variable that requires grad has been used in an in-place operation "
                    f"(ctx.mark_dirty of a {t.dtype} tensor of shape {tuple(t.shape)}); pass a copy (x.clone()), "
                    "or call it under `with tg.no_grad():`"
                )
            bases, views = _in_place._aliases_to_update(t, f"{user.__name__} (ctx.mark_dirty)")
            before = Tensor._from_op(t.data, t.grad_fn)
            before.requires_grad = t.requires_grad
            dirty[id(t)] = (before, bases, views)
        t._bump_version()  # PyTorch counts the change once more for mark_dirty, whatever forward did
    return dirty


def _set_history(out: Tensor, fn: Any, dirty: dict[int, tuple[Tensor, list[Any], list[Tensor]]]) -> None:
    """Make fn (the node, or an OutputOf) out's grad_fn; a dirty input keeps its old history behind it, as
    a tensor changed by an in-place op does, and its bases and slices follow (see tinygrad_edu/in_place.py)."""
    if id(out) not in dirty:
        out.requires_grad, out.grad_fn = True, fn
        return
    before, bases, views = dirty[id(out)]
    fn.rebased_from, fn.made_version = before.grad_fn, out._version
    out.requires_grad, out.grad_fn = True, fn
    _in_place._update_aliases(out, bases, views)


def _own(r: Tensor, inputs: tuple[Any, ...], dirty: dict[int, Any]) -> Tensor:
    """The forward's result as the node's output: the same Tensor (what ctx may have saved), unless it
    is one of the inputs, returned as it came (then a new Tensor on the same data, as PyTorch makes a view;
    but an input marked dirty is returned as itself)."""
    if id(r) not in dirty and any(r is x for x in inputs):
        return Tensor._from_op(r.data, None)
    return r
