"""The autograd engine: the Function base class, grad mode, and the iterative backward walk.

Every differentiable op is a `Function` subclass with a `forward` and a `backward` on NumPy arrays
(see `tinygrad_edu/ops/`). `Function.apply` runs the forward and, when an input requires grad,
records the op in the graph. `backward()` walks that graph in reverse topological order, calls
each op's `backward` and reduces broadcast gradients back to each input's shape in one place,
`unbroadcast`, so that no op has to.

One engine for every kind of array: `apply` and the walk make no assumption that the tensors hold
ndarrays, so an array of another kind that speaks NumPy's protocol (the compiler's traced arrays)
flows through every op's forward and backward unchanged (tests/test_engine_seam.py). Whatever
watches the engine (anomaly detection, a tracer) installs a watcher on the one hook object, `hooks`.
A user's hooks on one tensor (`Tensor.register_hook`) are another thing: a `TensorHooks`, which the walk runs
where that tensor's gradient is complete.
"""

from __future__ import annotations

import functools
import heapq
import inspect
import itertools
import threading
from collections.abc import Callable, Mapping, Sequence
from types import MappingProxyType
from typing import Any, TypeVar

import numpy as np

from tinygrad_edu.errors import ShapeError
from tinygrad_edu.tensor import _FLOATS, _TENSOR_TYPES, Tensor
from tinygrad_edu.torch_alias import torch_attribute_error

# A missing name is an AttributeError that names the torch name we lack (as_torch maps torch's modules here).
__getattr__ = torch_attribute_error(__name__)

__all__ = [
    "Function",
    "no_grad",
    "enable_grad",
    "inference_mode",
    "set_grad_enabled",
    "is_grad_enabled",
    "unbroadcast",
    "backward",
    "grad",
    "graph_functions",
    "graph_seed",
    "EngineHooks",
    "hooks",
    "TensorHooks",
    "as_array",
    "is_other_array",
]

F = TypeVar("F", bound=Callable[..., Any])

# Every recorded op gets the next number: an op is always numbered after the ops that made its inputs.
_creation_order = itertools.count()
# Function.apply makes every op's output with this: a module global is looked up faster than
# object.__new__ or Tensor._from_op, and apply runs once per op.
_new_tensor = object.__new__
# The creation number at the latest in-place change of any tensor (see note_in_place): the backward
# walk checks saved values only for ops recorded before it, so a walk with no change since costs nothing.
_last_in_place = -1
# needs_input_grad of one and of two inputs, looked up by requires_grad: apply keeps one of these rather than
# a new tuple per op (one fewer object for the garbage collector to scan while the graph lives). (A dict, not
# a tuple indexed by the flags: NumPy's bool, which a user may have assigned, is found as True is.)
# _NEEDS_TWO[a][b] is (a, b): two lookups by one flag each cost less than one by a tuple built per call.
_NEEDS_ONE = {flag: (flag,) for flag in (False, True)}
_NEEDS_TWO = {a: {b: (a, b) for b in (False, True)} for a in (False, True)}
# the kinds of constant operand that apply's two-input fast path takes beside a tensor: a Python number, or the
# 0-d ndarray that an operator makes of it (tensor.py's _constant)
_CONSTANT_TYPES = frozenset((float, int, np.ndarray))


# ---------------------------------------------------------------------------------------------
# Grad mode
# ---------------------------------------------------------------------------------------------


class _GradModeState(threading.local):
    """Whether ops record a graph: one switch per thread, as in PyTorch (a new thread starts with it on),
    so `no_grad()` in one thread never turns recording off in another."""

    enabled = True


_GradMode = _GradModeState()


def is_grad_enabled() -> bool:
    """True when ops on tensors that require grad record the graph (the default)."""
    return _GradMode.enabled


class _GradModeSwitch:
    """A context manager and decorator that sets grad mode on entry and restores it on exit."""

    mode = True

    def __init__(self) -> None:
        self.previous: list[bool] = []

    def __enter__(self) -> None:
        self.previous.append(_GradMode.enabled)
        _GradMode.enabled = self.mode

    def __exit__(self, *exc: object) -> None:
        _GradMode.enabled = self.previous.pop()

    def __call__(self, fn: F) -> F:
        """Decorate fn: it runs with this grad mode, and the caller's mode comes back afterwards.

        A generator function runs with the mode each time it resumes, as PyTorch's decorators do
        (a wrapper that only set the mode around the call would return before the body ever ran).
        """
        mode = self.mode
        if inspect.isgeneratorfunction(fn):

            @functools.wraps(fn)
            def generator(*args: Any, **kwargs: Any) -> Any:
                inner = fn(*args, **kwargs)
                sent = None
                while True:
                    previous = _GradMode.enabled
                    _GradMode.enabled = mode
                    try:
                        item = inner.send(sent)
                    except StopIteration as stop:
                        return stop.value
                    finally:
                        _GradMode.enabled = previous
                    sent = yield item

            return generator  # type: ignore[return-value]

        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            previous = _GradMode.enabled
            _GradMode.enabled = mode
            try:
                return fn(*args, **kwargs)
            finally:
                _GradMode.enabled = previous

        return wrapper  # type: ignore[return-value]


class no_grad(_GradModeSwitch):
    """Record nothing inside the block (or the decorated function): for evaluation and updates.

    Usable as `with tg.no_grad():`, `@tg.no_grad()` and `@tg.no_grad`, as in PyTorch.

    Example:
        >>> with tg.no_grad():
        ...     prediction = model(x)      # prediction.requires_grad is False
    """

    mode = False

    def __new__(cls, fn: Any = None) -> Any:
        if callable(fn):  # used bare, as @tg.no_grad: decorate fn straight away
            return object.__new__(cls)(fn)
        return object.__new__(cls)

    def __init__(self, fn: Any = None) -> None:
        super().__init__()


class inference_mode(no_grad):
    """`no_grad` under PyTorch's other name (`torch.inference_mode`): record nothing inside the block or the
    decorated function. PyTorch's inference tensors also refuse later use in autograd; here they are ordinary
    tensors made without a graph. `inference_mode(False)` leaves the grad mode as it is, as in PyTorch.

    Example:
        >>> with tg.inference_mode():
        ...     (tg.ones(2, requires_grad=True) * 2).requires_grad
        False
    """

    def __new__(cls, mode: Any = True) -> Any:
        if callable(mode):  # used bare, as @tg.inference_mode: decorate the function straight away
            return cls()(mode)
        return object.__new__(cls)

    def __init__(self, mode: Any = True) -> None:
        super().__init__()
        self.inference = mode is not False

    def __enter__(self) -> None:
        self.previous.append(_GradMode.enabled)
        if self.inference:
            _GradMode.enabled = False

    def __call__(self, fn: F) -> F:
        return super().__call__(fn) if self.inference else fn


class enable_grad(no_grad):
    """Record the graph inside the block (or the decorated function), even within `no_grad`."""

    mode = True


class set_grad_enabled(_GradModeSwitch):
    """Turn graph recording on or off: at once when called, or for a block or a decorated function.

    As in PyTorch, `tg.set_grad_enabled(False)` takes effect immediately; used with `with`, the
    previous mode comes back at the end of the block.

    Example:
        >>> with tg.set_grad_enabled(False):
        ...     y = x * 2          # y.requires_grad is False
    """

    def __init__(self, mode: bool) -> None:
        super().__init__()
        self.mode = bool(mode)
        self.previous.append(_GradMode.enabled)  # what __exit__ restores
        _GradMode.enabled = self.mode

    def __enter__(self) -> None:
        pass  # the mode was already set when this object was made

    def __call__(self, fn: F) -> F:
        _GradMode.enabled = self.previous[-1]  # as a decorator it applies only while fn runs
        return super().__call__(fn)


def as_array(x: Any) -> Any:
    """x as the engine keeps an op's result or a gradient: an array, of whatever kind the tensors hold.

    NumPy scalars (what a full reduction returns), Python numbers and Tensors become ndarrays, as
    np.asarray makes them. An array of another kind that speaks NumPy's protocol (it has
    `__array_function__`, as the compiler's traced arrays do) is kept as it is: converting it would
    stop it flowing through the engine. The eager path never gets here with an ndarray.
    """
    if type(x) is np.ndarray:
        return x
    if isinstance(x, np.generic):  # a full reduction's NumPy scalar, the usual case here: asked first, as the
        return np.asarray(x)  # hasattr in is_other_array fails slowly for it (an AttributeError: 0.3 us)
    return x if is_other_array(x) else np.asarray(x)


def is_other_array(x: Any) -> bool:
    """True for an array of a kind other than ndarray and Tensor that speaks NumPy's protocol (a traced array)."""
    return hasattr(type(x), "__array_function__") and not isinstance(x, (np.ndarray, Tensor))


# ---------------------------------------------------------------------------------------------
# Function: the one way an op is defined, for the engine's own ops and for users' ops alike
# ---------------------------------------------------------------------------------------------


class _Inputs:
    """`Function.inputs`: the inputs an op was applied to, as given (tensors, arrays or numbers), a tuple.

    An op keeps them in two fields of its own, `_in0` and `_in1`, and the tuple is built when it is read:
    a tuple kept per op would be one more object for Python's cycle collector to scan for as long as the
    graph lives (each op leaves its output Tensor and itself: 2 objects, not 3; on a 100,000-op chain the
    collector's share falls by about a quarter). `_in1` is the second input, or one of two markers: the op
    has one input (`_in0`), or `_in0` is the tuple of all of them (another number of inputs, or set here).
    """

    def __get__(self, fn: Any, owner: Any = None) -> Any:
        if fn is None:
            return self
        second = fn._in1
        if second is _ONE_INPUT:
            return (fn._in0,)
        return fn._in0 if second is _ALL_INPUTS else (fn._in0, second)

    def __set__(self, fn: Any, inputs: Sequence[Any]) -> None:
        fn._in0, fn._in1 = tuple(inputs), _ALL_INPUTS


_ONE_INPUT = object()  # Function._in1 of an op of one input
_ALL_INPUTS = object()  # Function._in1 of an op whose _in0 is the tuple of its inputs


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

    With `create_graph=True` (grad of grad) the same `backward` runs with `grad_out` a Tensor and, in
    `self.saved`, the input and output Tensors in place of their arrays, under grad mode: written in
    NumPy calls, it records the gradient's graph with no second formula. A float value saved that is
    neither an input nor the output makes double backward refuse, unless `constant_saved()` names it
    (a sign, a shift that cancels).

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

    # What apply() records and the backward walk reads; a user's subclass may add any other attribute.
    inputs = _Inputs()  # the inputs as given: tensors, arrays or numbers (kept in _in0 and _in1)
    _in0: Any
    _in1: Any = _ALL_INPUTS
    # the keyword options forward was called with (axes, dtype, ...); most ops have none, and share this empty
    # read-only one (an attribute fewer per op: with one more, Python gives each op a dict of its own)
    options: Mapping[str, Any] = MappingProxyType({})
    needs_input_grad: tuple[bool, ...]  # one flag per input: does it need a gradient?
    saved: tuple[Any, ...] = ()  # what forward kept for backward (see save())
    sequence: int  # creation order of recorded ops; the backward walk goes newest first
    released = False  # set once backward has freed what the op saved
    # each input's _version when the op was recorded (0 for a non-tensor); () when all were 0, the common case
    versions: Sequence[int] = ()
    # In-place ops (see Tensor._in_place) give a tensor a new grad_fn. The op recorded then keeps the
    # tensor's previous grad_fn, so an op recorded earlier can still find the grad_fn its input had when
    # it was recorded (PyTorch records that edge at creation).
    rebased_from: Any = None  # the grad_fn the output had before this in-place op
    # (input index, tensor, its _version then) for each input that is a copy cast to the promoted dtype
    # (a_f32 / b_f64), so that an in-place change of the tensor itself is seen as PyTorch sees it
    cast_from: Sequence[tuple[int, Tensor, int]] = ()
    made_version = 0  # the _version of this op's output when it was made (for error messages)
    output_changed: Any = None  # (array, version) once the output was changed in place after this op
    output_hooks: Any = None  # the output's TensorHooks (register_hook, retain_grad), when it has any
    # True for an op whose result is the same to the bit when a Python number operand comes as the 0-d array of the
    # tensor's dtype that NumPy would cast it to (+ - * /): the operators then pass it so (see tensor._constant).
    # Not **: NumPy computes x ** 2 as x * x, and x ** 0.5 as a square root, only for a number.
    number_as_array = False

    def __init_subclass__(cls, **kwargs: Any) -> None:
        """A subclass written PyTorch's way (a @staticmethod forward(ctx, ...) on Tensors) gets PyTorch's
        `apply` (autograd/custom_function.py). This runs once per class, so the library's own ops keep
        this class's `apply` with no per-call check."""
        super().__init_subclass__(**kwargs)
        if isinstance(inspect.getattr_static(cls, "forward"), staticmethod) and "apply" not in cls.__dict__:
            from tinygrad_edu.autograd import custom_function

            cls.apply = classmethod(custom_function.apply)  # type: ignore[assignment,method-assign]

    def forward(self, *args: Any, **kwargs: Any) -> np.ndarray:
        """The op's output, computed from NumPy arrays (or numbers); every subclass defines it."""
        raise NotImplementedError(f"{type(self).__name__} must define forward(self, *arrays)")

    def backward(self, grad_out: np.ndarray) -> Any:
        """d loss/d input for each input, given grad_out = d loss/d output; every subclass defines it.

        Returns one ndarray (or None) per input of forward, as a tuple when there are several.
        """
        raise NotImplementedError(f"{type(self).__name__} must define backward(self, grad_out)")

    def constant_saved(self) -> tuple[Any, ...]:
        """The float values among `saved` that backward uses only as constants (a sign, a scale that does
        not depend on the inputs): double backward reads them as they are. Every other saved float value
        must be an input or the output (see `autograd._recorded_backward`)."""
        return ()

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
        # Which inputs want a gradient, and their arrays for forward. The common cases, one Tensor
        # (x.exp()), two Tensors (a * b) and a Tensor and a number (a * 2.0), are read without a loop,
        # and forward gets their arrays as arguments written out: packing them into a tuple for
        # forward(*arrays) and unpacking it again costs ~0.1 us an op.
        n = len(inputs)
        x0: Any  # the first input's array (or number), and x1 the second's
        x1: Any
        if n == 2:
            first, second = inputs
            if type(first) in _TENSOR_TYPES and type(second) in _TENSOR_TYPES:  # (Tensor or a subclass: a Parameter)
                x0, x1 = first.data, second.data
                needs: tuple[bool, ...] = _NEEDS_TWO[first.requires_grad][second.requires_grad]
                changed = first._version or second._version  # nonzero when changed in place before (see below)
            elif type(first) in _TENSOR_TYPES and type(second) in _CONSTANT_TYPES:  # (x * 2.0: tensor.py's _constant)
                x0, x1 = first.data, second
                needs = _NEEDS_TWO[first.requires_grad][False]
                changed = first._version
            elif type(second) in _TENSOR_TYPES and type(first) in _CONSTANT_TYPES:  # (1 - x)
                x0, x1 = first, second.data
                needs = _NEEDS_TWO[False][second.requires_grad]
                changed = second._version
            else:
                (x0, x1), needs, changed = _unpack(inputs)
        elif n == 1 and type(inputs[0]) in _TENSOR_TYPES:
            first = inputs[0]
            x0 = first.data
            needs = _NEEDS_ONE[first.requires_grad]
            changed = first._version
        else:  # numbers, arrays, Parameters, more inputs
            arrays, needs, changed = _unpack(inputs)
            if n == 1:
                x0 = arrays[0]
        ctx.needs_input_grad = needs  # before forward, so forward may skip saving what no one needs
        try:
            # (most ops take no options, and a call with **{} costs 0.07 us more than one without)
            if n == 2:
                data = ctx.forward(x0, x1, **options) if options else ctx.forward(x0, x1)
            elif n == 1:
                data = ctx.forward(x0, **options) if options else ctx.forward(x0)
            else:
                data = ctx.forward(*arrays, **options)
        except ShapeError:
            raise
        except ValueError as error:  # NumPy's complaint about shapes, told at the op the user called
            shapes = " and ".join(str(np.shape(x.data if isinstance(x, Tensor) else x)) for x in inputs)
            raise ShapeError(f"{ctx.name}: cannot apply to inputs of shapes {shapes}: {error}") from None
        if type(data) is not np.ndarray:  # e.g. the NumPy scalar that a full reduction returns
            data = _output_array(ctx, data)
        out = _new_tensor(Tensor)  # Tensor._from_op written out: this line runs for every op
        out.data = data
        out._grad = None
        out._version = 0
        # Only floating-point results carry a gradient (an int or bool result is a constant).
        if True in needs and _GradMode.enabled and (data.dtype in _FLOATS or data.dtype.kind == "f"):
            if n == 2:  # (the fields that Function.inputs reads: see _Inputs)
                ctx._in0, ctx._in1 = first, second
            elif n == 1:
                ctx._in0, ctx._in1 = inputs[0], _ONE_INPUT
            else:
                ctx._in0 = inputs
            if options:
                ctx.options = options  # so tinygrad_edu.debug can re-run this op on its own
            ctx.sequence = next(_creation_order)
            if changed:  # (else every input is at version 0, what Function.versions = () stands for)
                ctx.versions = [x._version if isinstance(x, Tensor) else 0 for x in inputs]
            out.requires_grad = True
            out.grad_fn = ctx
        else:
            out.requires_grad = False
            out.grad_fn = None
        if hooks.active:
            hooks.forward(ctx, data)
        return out

    def __repr__(self) -> str:
        return f"<{self.name}Backward>"


def _unpack(inputs: tuple[Any, ...]) -> tuple[list[Any], tuple[bool, ...], bool]:
    """apply's general case: each input's array for forward (a number or an array as it is), which inputs
    want a gradient, and whether any input was changed in place before (its version is then recorded)."""
    arrays = []
    needs = []
    changed = False
    for x in inputs:
        if isinstance(x, Tensor):
            arrays.append(x.data)
            needs.append(x.requires_grad)
            changed = changed or x._version != 0
        else:
            arrays.append(x)
            needs.append(False)
    return arrays, tuple(needs), changed


def _output_array(ctx: Function, data: Any) -> Any:
    """A forward's result that is not an ndarray (a NumPy scalar) as the array the output keeps. Where the
    forward saved that very scalar, the array replaces it in `saved`, so that double backward finds the
    output there by identity. (A function of its own: a new local in `apply` would cost every op.)"""
    array = as_array(data)
    for value in ctx.saved:  # (a loop, not any() over a generator: ~0.3 us less, and no saved value is the usual case)
        if value is data:
            ctx.saved = tuple(array if s is data else s for s in ctx.saved)
            break
    return array


# ---------------------------------------------------------------------------------------------
# The backward walk
# ---------------------------------------------------------------------------------------------


def unbroadcast(grad: Any, shape: tuple[int, ...]) -> Any:
    """Sum `grad` over the axes that broadcasting added or stretched, so it gets `shape` back.

    Broadcasting copies an input along some axes; the gradient of a copy is the sum of the
    gradients of its copies. This is the only place in the library that undoes broadcasting.
    """
    grad_shape = grad.shape
    if grad_shape == shape:  # nothing was broadcast
        return grad
    axes, how = _summed_axes(grad_shape, shape)
    if axes:
        keep = how != "drop"  # (only leading axes were added: their sum without them has the shape)
        if type(grad) is np.ndarray:  # NumPy's sum itself: ndarray.sum calls it through a Python wrapper (~0.1 us)
            grad = _add_reduce(grad, axes, None, None, keep)
        else:  # a Tensor (double backward) or a traced array sums itself, so the sum is recorded
            grad = grad.sum(axis=axes, keepdims=keep)
        if how != "reshape":  # the kept dims are the shape, or the leading axes are gone
            return grad
    return grad.reshape(shape)  # (also the ValueError for a gradient that does not broadcast to shape)


# ndarray.sum(axis, keepdims) is np.add.reduce(x, axis, None, None, keepdims) behind a Python wrapper (~0.1 us);
# unbroadcast, and Sum and Mean (ops/reduce.py), call it directly (a module global: two attribute lookups less)
_add_reduce: Any = np.add.reduce


@functools.lru_cache(maxsize=1024)
def _summed_axes(grad_shape: tuple[int, ...], shape: tuple[int, ...]) -> tuple[tuple[int, ...], str]:
    """How unbroadcast sums a gradient of grad_shape back to shape: the axes broadcasting added or stretched,
    and what follows their sum: "drop" (summed without keeping dims, only leading axes were added), "keep"
    (summed keeping dims, only axes of size 1 were stretched) or "reshape" (both). Remembered per pair of
    shapes: a model sends the same shapes back at every step (~1 us of Python a call -> ~0.15 us)."""
    extra = len(grad_shape) - len(shape)
    # a bias (n,) under (batch, n); shape () is left to the general case, whose reshape keeps a 0-d array where
    # this sum would give a NumPy scalar
    if extra > 0 and shape and grad_shape[extra:] == shape:
        return tuple(range(extra)), "drop"
    axes = list(range(extra)) if extra else []
    for i, n in enumerate(shape, start=extra):
        if n == 1 and grad_shape[i] != 1:
            axes.append(i)
    # (a size that differs and is not a stretched 1 is a gradient that does not fit: the reshape refuses it)
    fits = all(n == grad_shape[i] for i, n in enumerate(shape) if i not in axes)
    return tuple(axes), "keep" if not extra and axes and fits else "reshape"


def graph_functions(root: Tensor) -> list[Function]:
    """Every op in root's graph, in the order they were created (inputs' ops before their users')."""
    found: dict[Function, None] = {}  # an insertion-ordered set
    stack = [root.grad_fn] if root.grad_fn is not None else []
    while stack:
        fn = stack.pop()
        if fn not in found:
            found[fn] = None
            # each input's grad_fn as it was when fn was recorded (an in-place op may have made a newer one)
            parents = (_grad_fn_when(x, fn) for x in fn.inputs if isinstance(x, Tensor))
            stack.extend(p for p in parents if p is not None)
    return sorted(found, key=lambda fn: fn.sequence)


def backward(
    root: Tensor,
    gradient: Any,
    retain_graph: bool = False,
    targets: dict[int, list[Any]] | None = None,
    create_graph: bool = False,
) -> None:
    """Accumulate d(root)/d(leaf), weighted by `gradient`, into `.grad` of every leaf that requires grad.

    With `targets` (id(tensor) -> [tensor, gradient so far]), as `grad()` and `Tensor.backward(inputs=...)`
    pass it, the gradients go only into those entries: no leaf's `.grad` changes, and a target that is
    not a leaf gets the gradient of the op that made it (its complete grad_out when that op is reached).

    The walk visits ops newest first. An op is always created after the ops that made its inputs,
    so when the newest op still waiting is taken from the heap, every op that used its output has
    already passed its gradient down: its grad_out is complete. No recursion and no separate
    topological sort: each op is pushed and popped once, so the walk is linear in the graph size
    (times a log factor from the heap, in C). On a chain, where one op waits at a time, the heap stays empty.

    With `create_graph=True` the gradients are Tensors and each op's own backward runs on Tensors under
    grad mode (see `_recorded_backward`), so the gradients are themselves recorded: they can be
    differentiated again. `gradient` is then a Tensor (see `graph_seed`).
    """
    if create_graph:
        if not _GradMode.enabled:  # the gradient's graph is recorded even inside no_grad, as in PyTorch
            with enable_grad():
                return backward(root, gradient, retain_graph, targets, create_graph)
        outputs = _outputs_of(root)
    # arrays already given to some leaf's .grad in this walk, by id; kept here so that no id is reused for a new
    # array while the walk runs (a freed gradient's id given to a fresh one would cost a needless copy)
    owned: dict[int, Any] = {}
    watched = hooks.active  # (tested once here: a local costs less than hooks.active at every op)
    # a leaf with tensor hooks gets its gradient once it is summed (see _LeafHooks); until any leaf has a hook,
    # the walk adds into .grad directly
    leaf_hooks = _LeafHooks() if TensorHooks.on_leaves else None
    accumulate = _accumulate if leaf_hooks is None else leaf_hooks.add
    if watched:
        hooks.walk(root, gradient, True)
    if targets is not None:
        made_by = {id(e[0].grad_fn): e for e in targets.values() if e[0].grad_fn is not None}
    if root.grad_fn is None:  # a leaf: its gradient is the seed itself
        if targets is None:
            accumulate(root, gradient, owned)
        elif id(root) in targets:
            _capture(targets[id(root)], gradient)
        if leaf_hooks is not None:
            leaf_hooks.finish(owned)
        if watched:
            hooks.walk(root, gradient, False)
        return
    # The ops waiting for their turn: a heap ordered newest first, each with the gradient of its output summed
    # over its users so far in `grads`; except that while only one op waits (a chain, the common case) it is
    # held in `single`, its gradient in `single_grad`, and no heap entry is made (saves a tuple, a push, a pop
    # and three dict operations per op: ~0.4 us).
    grads: dict[Function, Any] = {}
    waiting: list[tuple[int, Function]] = []
    single: Function | None = root.grad_fn
    single_grad = gradient
    while single is not None or waiting:
        if single is not None:
            fn, single, grad_out = single, None, single_grad
        else:
            fn = heapq.heappop(waiting)[1]
            grad_out = grads.pop(fn)
        if watched:
            hooks.grad_out(fn, grad_out)
        if fn.output_hooks is not None:  # the output's tensor hooks, then retain_grad (by autograd.grad too)
            grad_out = fn.output_hooks.run(grad_out, owned)
        if targets is not None:
            if id(fn) in made_by:  # a target that is not a leaf: fn's grad_out is complete now
                _capture(made_by[id(fn)], grad_out)
        if fn.released:
            raise RuntimeError(
                f"backward through {fn.name} a second time: its saved values were freed after the "
                "first backward(). Call backward(retain_graph=True) the first time if you need to "
                "backward through the same graph twice."
            )
        stale = fn.sequence < _last_in_place  # a tensor changed in place since fn was recorded (rare)
        if stale:
            _check_saved_unchanged(fn)
        if create_graph:
            grads_in = _recorded_backward(fn, grad_out, outputs.get(fn))
        else:
            grads_in = fn.backward(grad_out)
        if type(grads_in) is not tuple:
            grads_in = (grads_in,)
        # fn.inputs, read here without the call to _Inputs.__get__ (~0.1 us a node)
        second = fn._in1
        inputs = (fn._in0,) if second is _ONE_INPUT else fn._in0 if second is _ALL_INPUTS else (fn._in0, second)
        if len(grads_in) != len(inputs):
            raise RuntimeError(f"{fn.name}.backward returned {len(grads_in)} gradient(s) for {len(inputs)} input(s)")
        if watched:
            hooks.backward(fn, grads_in)
        needs = fn.needs_input_grad
        i = -1
        for parent in inputs:  # with grads_in[i] and needs[i] (by index: zip() costs ~0.2 us a node in CPython 3.11)
            i += 1
            grad = grads_in[i]
            if not needs[i] or grad is None:
                continue
            data = parent.data
            # (dtypes by identity first: NumPy keeps one object per builtin dtype, and `is` costs less than `!=`)
            if (
                type(grad) is not np.ndarray
                or grad.shape != data.shape
                or (grad.dtype is not data.dtype and grad.dtype != data.dtype)
            ):
                grad = _fit(fn, grad, parent)
            parent_fn = parent.grad_fn
            if stale:  # an in-place op may have given parent a newer grad_fn: take the one it had for fn
                parent_fn = _grad_fn_when(parent, fn)
            if parent_fn is None:
                if targets is None:
                    accumulate(parent, grad, owned)
                elif id(parent) in targets:
                    _capture(targets[id(parent)], grad)
            elif parent_fn is single:  # a second path into the same tensor (x * x)
                single_grad = single_grad + grad
            elif single is None and not waiting:  # (then grads is empty too: no need to look parent_fn up there)
                single, single_grad = parent_fn, grad  # the only op waiting: no need to order it
            elif parent_fn in grads:
                grads[parent_fn] = grads[parent_fn] + grad  # (the same, for an op on the heap)
            else:
                if single is not None:  # a second op waits: both go on the heap
                    grads[single] = single_grad
                    heapq.heappush(waiting, (-single.sequence, single))
                    single = None
                grads[parent_fn] = grad
                heapq.heappush(waiting, (-parent_fn.sequence, parent_fn))
        if not retain_graph:
            fn.released = True  # let the saved arrays go with the graph, as PyTorch does
            fn.saved = ()
    if leaf_hooks is not None:
        leaf_hooks.finish(owned)
    if watched:
        hooks.walk(root, gradient, False)


def grad(
    outputs: Any,
    inputs: Any,
    grad_outputs: Any = None,
    retain_graph: bool | None = None,
    create_graph: bool = False,
    allow_unused: bool = False,
) -> tuple[Tensor | None, ...]:
    """The gradients of `outputs` with respect to `inputs`, as a tuple, as `torch.autograd.grad`.

    Nothing is added to any `.grad`. `outputs` and `inputs` are a tensor or a sequence of tensors;
    `grad_outputs` gives the vector of the vector-Jacobian product for each output (None for a
    scalar output means 1). An input the outputs do not depend on is an error unless
    `allow_unused=True`, and then its gradient is None. `retain_graph` defaults to `create_graph`.

    Example:
        >>> x = tg.tensor([1.0, 2.0], requires_grad=True)
        >>> (gx,) = tg.autograd.grad((x * x).sum(), x)      # d sum(x^2)/dx = 2x
        >>> gx.numpy()
        array([2., 4.], dtype=float32)
    """
    outputs = [outputs] if isinstance(outputs, Tensor) else list(outputs)
    inputs = [inputs] if isinstance(inputs, Tensor) else list(inputs)
    if grad_outputs is None or isinstance(grad_outputs, Tensor):
        grad_outputs = [grad_outputs] * len(outputs)
    else:
        grad_outputs = list(grad_outputs)
    if len(grad_outputs) != len(outputs):
        raise RuntimeError(f"grad: grad_outputs has {len(grad_outputs)} entries for {len(outputs)} outputs")
    if retain_graph is None:
        retain_graph = create_graph
    for x in inputs:
        if not isinstance(x, Tensor) or not x.requires_grad:
            raise RuntimeError("grad: one of the differentiated tensors does not require grad")
    targets: dict[int, list[Any]] = {id(x): [x, None] for x in inputs}
    for i, (out, seed) in enumerate(zip(outputs, grad_outputs)):
        if not out.requires_grad:
            raise RuntimeError(f"grad: element {i} of outputs does not require grad and does not have a grad_fn")
        start = graph_seed(out, seed) if create_graph else out._seed(seed)
        backward(out, start, retain_graph or i < len(outputs) - 1, targets, create_graph)
    result = []
    for x in inputs:
        found = targets[id(x)][1]
        if found is not None and x.grad_fn is None and getattr(x, "_hooks", None) is not None:
            found = x._hooks.apply(found)  # a leaf's hooks see its whole gradient, as in PyTorch
        if found is None and not allow_unused:
            raise RuntimeError(
                "grad: one of the differentiated tensors appears to not have been used in the graph; "
                "pass allow_unused=True if this is what you want (its gradient is then None)"
            )
        if found is not None and not isinstance(found, Tensor):
            found = Tensor._from_op(found, None)
        result.append(found)
    return tuple(result)


def graph_seed(output: Tensor, gradient: Any) -> Tensor:
    """The Tensor that starts a create_graph walk from `output`: `gradient` itself when it is a Tensor
    (so the result depends on it in the graph, as in PyTorch), else the seed backward() would use."""
    if isinstance(gradient, Tensor) and gradient.shape == output.shape:
        return gradient if gradient.dtype == output.dtype else gradient.to(output.dtype)
    return Tensor._from_op(output._seed(gradient), None)


def note_in_place() -> None:
    """Called by every in-place change of a tensor: ops recorded before it are checked in backward."""
    global _last_in_place
    _last_in_place = next(_creation_order)


def _outputs_of(root: Tensor) -> dict[Function, Tensor]:
    """Each op in root's graph -> the Tensor it made (for double backward, which reads outputs as Tensors)."""
    outputs = {root.grad_fn: root}
    for fn in graph_functions(root):
        for x in fn.inputs:
            if isinstance(x, Tensor) and x.grad_fn is not None:
                outputs.setdefault(x.grad_fn, x)
    return outputs


def _recorded_backward(fn: Function, grad_out: Any, output: Tensor | None) -> Any:
    """fn.backward(grad_out) on Tensors, so that the gradients it returns are recorded (create_graph=True).

    An op's backward reads what its forward saved. Here each saved array that is an input's data or the
    output's data is swapped for that Tensor for the call, so the gradient depends on it in the graph;
    int and bool arrays (indices, masks) and the ndarrays passed in as inputs are constants. A float
    array that is neither (an intermediate of the forward) would be a constant that is not one: the
    second derivative through it would be wrong, so it is refused, as is a backward that calls a NumPy
    function that has no Tensor form.
    """
    saved = fn.saved
    tensors = {id(x.data): x for x in fn.inputs if isinstance(x, Tensor)}
    if output is not None:
        tensors.setdefault(id(output.data), output)
    # ndarrays passed as inputs or options (class weights, counts) never get a gradient: constants
    constants = {id(x) for x in (*fn.inputs, *fn.options.values()) if isinstance(x, np.ndarray)}
    fn.saved = tuple(_as_recorded(fn, value, tensors, constants) for value in saved)
    try:
        grads = fn.backward(grad_out)
    except (TypeError, AttributeError) as error:  # a NumPy call or array method that Tensors do not have
        raise _no_double_backward(fn, f"its backward calls NumPy in a way Tensors do not support ({error})") from None
    finally:
        fn.saved = saved
    # a gradient computed from constants alone (an ndarray or a number) is a constant Tensor
    if type(grads) is not tuple:
        grads = (grads,)
    return tuple(g if g is None or isinstance(g, Tensor) else Tensor._from_op(as_array(g), None) for g in grads)


def _as_recorded(fn: Function, value: Any, tensors: dict[int, Tensor], constants: set[int]) -> Any:
    """A saved value as double backward reads it: an input or the output as its Tensor (see _recorded_backward)."""
    if isinstance(value, (tuple, list)):
        return type(value)(_as_recorded(fn, v, tensors, constants) for v in value)
    if not isinstance(value, (np.ndarray, np.generic)) or value.dtype.kind not in "fc":
        return value  # shapes, options, numbers, int and bool arrays: constants
    if id(value) in tensors:
        return tensors[id(value)]
    if id(value) in constants or any(value is saved for saved in fn.constant_saved()):
        return value
    raise _no_double_backward(
        fn,
        f"its backward reads a float value of shape {np.shape(value)} computed in forward that is neither an "
        "input nor the output, so the second derivative through it cannot be recorded",
    )


def _no_double_backward(fn: Function, why: str) -> RuntimeError:
    return RuntimeError(
        f"double backward through {fn.name} is not supported: {why}. Compute this gradient with "
        "create_graph=False, or write the function with ops that support it (tests/test_gradcheck_ops.py "
        "lists them)"
    )


def _grad_fn_when(tensor: Tensor, user: Function) -> Any:
    """The grad_fn `tensor` had when `user` was recorded: each in-place op since made a newer one."""
    fn = tensor.grad_fn
    while fn is not None and fn.sequence > user.sequence:
        fn = fn.rebased_from
    return fn


def _saved_arrays(fn: Function) -> list[np.ndarray]:
    """The arrays among what fn saved for backward."""
    return [s for s in fn.saved if isinstance(s, np.ndarray)]


def _modified_error(fn: Function, what: str, array: np.ndarray, version: int, expected: int) -> RuntimeError:
    """PyTorch's error for a saved tensor changed in place, naming the op and what it saved."""
    return RuntimeError(
        "one of the variables needed for gradient computation has been modified by an inplace operation: "
        f"{what} of {fn.name} (a {array.dtype} tensor of shape {tuple(array.shape)}) is at version "
        f"{version}; expected version {expected} instead. Change a copy (x = x.clone()) rather than the "
        "tensor itself, or make the change before the op uses the tensor"
    )


def _check_saved_unchanged(fn: Function) -> None:
    """Raise if an input or the output of fn that fn saved for backward was changed in place since."""
    saved = _saved_arrays(fn)
    if fn.output_changed is not None:
        array, version = fn.output_changed
        if any(np.may_share_memory(s, array) for s in saved):
            raise _modified_error(fn, "output 0", array, version, fn.made_version)
    versions = fn.versions or [0] * len(fn.inputs)
    for i, (parent, version) in enumerate(zip(fn.inputs, versions)):
        if (
            isinstance(parent, Tensor)
            and parent._version != version
            and any(np.may_share_memory(s, parent.data) for s in saved)
        ):
            raise _modified_error(fn, f"input {i}", parent.data, parent._version, version)
    for i, original, version in fn.cast_from:
        cast = fn.inputs[i]
        cast_data = cast.data if isinstance(cast, Tensor) else cast
        if original._version != version and any(np.may_share_memory(s, cast_data) for s in saved):
            raise _modified_error(fn, f"input {i}", original.data, original._version, version)


def _fit(fn: Function, grad: Any, parent: Tensor) -> np.ndarray:
    """Give `grad` the parent's shape and dtype: undo broadcasting, cast float64 back to float32, etc.

    In double backward (create_graph=True) it is a Tensor, and stays one: summing and casting are recorded.
    """
    shape = parent.data.shape
    if isinstance(grad, Tensor):
        if grad.shape != shape:
            grad = unbroadcast(grad, shape)
        return grad if grad.dtype == parent.data.dtype else grad.to(parent.data.dtype)
    if type(grad) is not np.ndarray:
        grad = as_array(grad)
    if grad.shape != shape:
        try:
            grad = unbroadcast(grad, shape)
        except (ValueError, IndexError):
            raise RuntimeError(
                f"{fn.name}.backward returned a gradient of shape {grad.shape} for an input of "
                f"shape {shape}; it must have the input's shape or broadcast to it"
            ) from None
    if grad.dtype != parent.data.dtype:
        grad = grad.astype(parent.data.dtype)
    return grad


def _capture(entry: list[Any], grad: Any) -> None:
    """Add grad into a target's entry [tensor, gradient so far] (a fresh array: see _accumulate)."""
    if isinstance(grad, Tensor):  # double backward: the gradient and the sum stay in the graph
        entry[1] = grad if entry[1] is None else entry[1] + grad
        return
    entry[1] = as_array(grad).copy() if entry[1] is None else entry[1] + grad


def _accumulate(leaf: Tensor, grad: np.ndarray, owned: dict[int, Any]) -> None:
    """Add grad into leaf.grad (or a retain_grad() tensor's), in an array no other gradient or user array shares.

    An op's backward may hand the same array to two inputs (Add does), a view of another array
    (Reshape does) or a read-only broadcast view (Sum does). Such an array is copied before a leaf
    keeps it, so `x.grad.zero_()` or an in-place update of one gradient never changes another; a
    fresh array (the common case: a matmul's result) is kept as it is, saving a copy per step.
    """
    if not leaf.requires_grad:
        return
    if isinstance(grad, Tensor):  # double backward: .grad is a Tensor in the graph, as in PyTorch
        if leaf._grad is not None:
            grad = leaf._grad + grad  # recorded (out of place), so the old .grad's graph is kept
        elif id(grad) in owned or grad.grad_fn is None:
            grad = grad.clone() if grad.requires_grad else Tensor._from_op(grad.data.copy(), None)
        owned[id(grad)] = grad
        leaf._grad = grad
        return
    # (the slot _grad, not the checked .grad property: the gradient has the leaf's shape and dtype already)
    if leaf._grad is not None:
        leaf._grad = Tensor._from_op(as_array(leaf._grad.data + grad), None)
        return
    base = grad if grad.base is None else grad.base
    if grad.base is not None or not grad.flags.writeable or id(base) in owned:
        grad = grad.copy()
    owned[id(grad)] = grad
    leaf._grad = Tensor._from_op(grad, None)


# ---------------------------------------------------------------------------------------------
# Tensor hooks: Tensor.register_hook and register_post_accumulate_grad_hook
# ---------------------------------------------------------------------------------------------


class TensorHooks:
    """One tensor's hooks: each `fn(grad)` in `pre` may return a new gradient, which is what flows on.

    A non-leaf keeps them in its grad_fn (`Function.output_hooks`), so the walk tests one attribute per op,
    which is None unless hooks or retain_grad were asked for, and runs them when that op's grad_out is
    complete; `retained` is then the weak reference that retain_grad() set: .grad keeps the gradient after
    the hooks, as in PyTorch. A leaf keeps them in its `_hooks` slot (unset otherwise), with `post`, the
    hooks called with the leaf once its .grad has been updated; the walk looks for them only once some leaf
    has had a hook (`on_leaves`).
    """

    on_leaves = False  # set at the first hook on a leaf, and kept: walks since then look for leaves' hooks

    def __init__(self) -> None:
        self.pre: dict[int, Callable[[Tensor], Any]] = {}
        self.post: dict[int, Callable[[Tensor], Any]] = {}
        self.retained: Any = None

    def apply(self, grad: Any) -> Any:
        """grad after each hook in `pre`, in the order they were registered."""
        for hook in list(self.pre.values()):
            given = grad if isinstance(grad, Tensor) else Tensor._from_op(grad, None)
            result = hook(given)
            if result is None:
                continue
            new = result.data if isinstance(result, Tensor) and not isinstance(grad, Tensor) else result
            if np.shape(new) != np.shape(grad):
                name = getattr(hook, "__name__", type(hook).__name__)
                raise RuntimeError(
                    f"hook '{name}' has changed the size of value: it returned shape {tuple(np.shape(new))} for "
                    f"a gradient of shape {tuple(np.shape(grad))}; return a gradient of the tensor's shape"
                )
            grad = new
        return grad

    def run(self, grad_out: Any, owned: dict[int, Any]) -> Any:
        """A non-leaf's gradient after its hooks, kept in its .grad when it called retain_grad()."""
        if self.pre:
            grad_out = self.apply(grad_out)
        tensor = self.retained() if self.retained is not None else None
        if tensor is not None:
            _accumulate(tensor, grad_out, owned)
        return grad_out


class _LeafHooks:
    """The leaves' gradients held back in one walk until they are summed, for leaves that have hooks.

    PyTorch runs a leaf's hooks once, on its whole gradient, before adding it to .grad; the walk reaches a
    leaf once per use, so a leaf with hooks has its parts summed here and is finished at the end of the walk.
    """

    def __init__(self) -> None:
        self.pending: dict[int, list[Any]] = {}

    def add(self, leaf: Tensor, grad: Any, owned: dict[int, Any]) -> None:
        """The walk's _accumulate, for leaves with hooks."""
        if getattr(leaf, "_hooks", None) is None or not leaf.requires_grad:
            return _accumulate(leaf, grad, owned)
        entry = self.pending.get(id(leaf))
        if entry is None:
            self.pending[id(leaf)] = [leaf, grad]
        else:
            entry[1] = entry[1] + grad

    def finish(self, owned: dict[int, Any]) -> None:
        """Run each held leaf's hooks, add the result to its .grad, then call its post-accumulate hooks."""
        for leaf, grad in self.pending.values():
            table: TensorHooks = leaf._hooks
            _accumulate(leaf, table.apply(grad), owned)
            for hook in list(table.post.values()):
                hook(leaf)


# ---------------------------------------------------------------------------------------------
# The engine's one hook object: whatever watches the engine (anomaly detection, tracing, naming)
# ---------------------------------------------------------------------------------------------


class EngineHooks:
    """Where everything that watches the engine plugs in; nothing else about the engine is ever replaced.

    A watcher is any object with the methods `forward(fn, out)` (called after each op's forward,
    with its output array) and `backward(fn, grads)` (after each op's backward in the walk, with the
    gradients it returned). It may also have `grad_out(fn, grad_out)` (before an op's backward, with
    the gradient of its output) and `walk(root, gradient, starting)` (when a backward walk starts and
    when it has ended). `tg.detect_anomaly` is one watcher; tg.compile's tracer, which names arrays
    and sections after these events, is another. The engine tests `hooks.active` once per op: with no
    watcher installed that is all it costs.

    Example:
        >>> class Count:
        ...     def __init__(self): self.ops = 0
        ...     def forward(self, fn, out): self.ops += 1
        ...     def backward(self, fn, grads): pass
        >>> counter = Count()
        >>> with tg.autograd.hooks.watching(counter):
        ...     y = tg.tensor([1.0], requires_grad=True) * 2
        >>> counter.ops
        1
    """

    def __init__(self) -> None:
        self.watchers: list[Any] = []
        self.active = False  # True while any watcher is installed: the one thing the engine tests

    def add(self, watcher: Any) -> None:
        """Install a watcher (after the ones already there)."""
        self.watchers.append(watcher)
        self.active = True

    def remove(self, watcher: Any) -> None:
        """Take a watcher out again (the last one installed, if it is there twice)."""
        for i in range(len(self.watchers) - 1, -1, -1):
            if self.watchers[i] is watcher:
                del self.watchers[i]
                break
        self.active = bool(self.watchers)

    def watching(self, watcher: Any) -> _Watching:
        """A context manager: `watcher` is installed inside the block."""
        return _Watching(self, watcher)

    def forward(self, fn: Function, out: Any) -> None:
        """Tell every watcher that fn's forward made `out`."""
        for watcher in list(self.watchers):
            watcher.forward(fn, out)

    def backward(self, fn: Function, grads: Sequence[Any]) -> None:
        """Tell every watcher that fn's backward returned `grads` (one per input)."""
        for watcher in list(self.watchers):
            watcher.backward(fn, grads)

    def grad_out(self, fn: Function, grad_out: Any) -> None:
        """Tell the watchers that have the method that fn's backward is about to get `grad_out`."""
        for watcher in list(self.watchers):
            if hasattr(watcher, "grad_out"):
                watcher.grad_out(fn, grad_out)

    def walk(self, root: Tensor, gradient: Any, starting: bool) -> None:
        """Tell the watchers that have the method that a backward walk from root starts (or has ended)."""
        for watcher in list(self.watchers):
            if hasattr(watcher, "walk"):
                watcher.walk(root, gradient, starting)


class _Watching:
    """`with hooks.watching(w):` installs w for the block."""

    def __init__(self, hooks: EngineHooks, watcher: Any) -> None:
        self.hooks, self.watcher = hooks, watcher

    def __enter__(self) -> Any:
        self.hooks.add(self.watcher)
        return self.watcher

    def __exit__(self, *exc: object) -> None:
        self.hooks.remove(self.watcher)


hooks = EngineHooks()

# torch.autograd.Variable, for old PyTorch programs (it needs Tensor's methods, so it comes last)
from tinygrad_edu.autograd.variable import Variable  # noqa: E402

__all__ += ["Variable"]
