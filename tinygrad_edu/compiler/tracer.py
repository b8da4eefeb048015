"""Tracing a training step: run it once with Syms inside every tensor, recording forward, backward and update.

While tracing (a `with Tracer(...)` block) a few entry points of the engine are replaced, and put
back afterwards:
- `Function.apply` runs each op's own `forward` on Syms, so its NumPy code records its lines;
- `Tensor.backward` walks the graph as the engine does, calling each op's own `backward` on Syms;
- `Tensor.data` and `Tensor.grad` are watched, so that a tensor the step reads (a parameter, the
  data it was given, a gradient left from the last call) becomes an argument of the compiled step,
  and a tensor the step changes is written back after each call;
- `Optimizer.step` runs for real, then its update is recorded (see `record_update`).
The trace computes every real value, so the traced call is itself one ordinary training step.
"""

from __future__ import annotations

import keyword
import math
import os
import sys
import sysconfig
import threading
import warnings
from typing import Any, Callable, Iterator, Optional

import numpy as np

import tinygrad_edu
from tinygrad_edu.autograd import Function
from tinygrad_edu.compiler.engine import _DATA, _GRAD, OpRecord, SymEngine, new_tensor, raw_data, raw_grad
from tinygrad_edu.compiler.errors import TracingError, TracingWarning
from tinygrad_edu.compiler.sym import ATOM, Builder, Node, Sym, SymFloat, Trace, _ACTIVE, contains_traced, real
from tinygrad_edu.tensor import Tensor

__all__ = ["Tracer", "Binding", "call_math", "new_tensor", "raw_data", "frame_kind", "RESERVED"]

# NumPy functions that make a new array without reading one: inside an op they make a traced array.
CREATION = ("empty", "zeros", "ones", "full", "empty_like", "zeros_like", "ones_like", "full_like")

# Names the generated function itself uses: no argument or variable may take them.
RESERVED = {"np", "math", "abs", "dict", "step", "_forward", "_backward", "_optimizer_step"}


_LIBRARY = os.path.dirname(os.path.abspath(tinygrad_edu.__file__)) + os.sep
_COMPILE = os.path.dirname(os.path.abspath(__file__)) + os.sep
_SKIP = (os.path.dirname(os.path.abspath(np.__file__)) + os.sep,
         os.path.abspath(sysconfig.get_paths()["stdlib"]) + os.sep)


def frame_kind(filename: str) -> str:
    """'compile' (this package), 'library' (the rest of tinygrad_edu), 'skip' (NumPy, stdlib) or 'user'."""
    path = os.path.abspath(filename)
    if path.startswith(_COMPILE):
        return "compile"
    if path.startswith(_LIBRARY):
        return "library"
    if path.startswith(_SKIP) or filename.startswith("<frozen"):
        return "skip"
    return "user"


_TENSOR_PY = _LIBRARY + "tensor.py"


def _caller() -> tuple[str, str, int]:
    """(kind, filename, line) of the innermost frame outside this package, NumPy, the stdlib and Tensor's
    own methods (`if loss > 1:` calls Tensor.__bool__, but the decision is the caller's)."""
    frame = sys._getframe(1)
    while frame is not None:
        filename = frame.f_code.co_filename
        kind = frame_kind(filename)
        if kind == "user" or (kind == "library" and os.path.abspath(filename) != _TENSOR_PY):
            return kind, filename, frame.f_lineno
        frame = frame.f_back
    return "user", "<unknown>", 0


class Binding:
    """Something the compiled step receives at each call: an input, a tensor's data, a gradient, state.

    kind: 'input' (argument `key` of the call), 'tensor' (`key`.data of a tensor the step reads),
    'grad' (`key`.grad.data, a gradient left from before the call), 'hyper' ((optimizer, group
    index, name): a hyper-parameter read at each call, the learning rate), 'state' ((optimizer,
    param, name): an array of the optimizer's state), 'step' ((optimizer, param): Adam's step count,
    incremented by each call).
    """

    def __init__(self, name: str, kind: str, key: Any, node: Node, value: Any) -> None:
        self.name, self.kind, self.key, self.node, self.value = name, kind, key, node, value
        # A value the step changes (a parameter, a gradient, the optimizer's state) cannot be guarded.
        self.mutable = kind in ("grad", "hyper", "state", "step") or (
            kind == "tensor" and bool(getattr(key, "requires_grad", False)))


def _subclasses(cls: type) -> Iterator[type]:
    yield cls
    for sub in cls.__subclasses__():
        yield from _subclasses(sub)


class Tracer(SymEngine, Trace):
    """Runs `fn(*args)` once with traced values and keeps what the code generator needs."""

    def __init__(self, fn: Callable, args: tuple, arg_names: list[str], names: dict[int, str]) -> None:
        super().__init__()
        self.fn, self.args, self.arg_names, self.names = fn, args, arg_names, names
        self.bindings: dict[str, Binding] = {}
        self.bound: dict[int, Binding] = {}  # id(tensor) -> its 'tensor' or 'input' binding
        self.created: set[int] = set()  # tensors made during the trace
        self.keep: list[Any] = []  # keeps every tensor seen alive, so ids stay unique
        self.data_written: dict[int, Tensor] = {}  # pre-existing tensors whose .data was rebound
        self.grad_written: dict[int, Tensor] = {}  # pre-existing tensors whose .grad was set
        self.grad_read: set[int] = set()
        self.grad_originals: dict[int, tuple[Tensor, Any]] = {}
        self.grad_none_guards: list[Any] = []  # tensors whose .grad was None when the call started
        self.hyper_guards: list[tuple[Any, int, str, Any]] = []
        self.value_guards: dict[str, list[str]] = {}  # binding name -> why its value is guarded
        self.ops: dict[int, OpRecord] = {}
        self.op_counts: dict[str, int] = {}
        self.op_stack: list[OpRecord] = []
        self.untraced = 0
        self.in_update = False
        self.outputs: list[Node] = []
        self.structure: Any = None
        self.array_names: dict[int, tuple[str, int]] = {}  # id of an array -> a variable that held it

    # ---- names ---------------------------------------------------------------------------------
    def track(self, t: Any) -> None:
        self.created.add(id(t))
        self.keep.append(t)

    def unique(self, name: str) -> str:
        """A name for an argument of the generated function: an identifier no other argument has."""
        name = name.lstrip("_") or "arg"
        if keyword.iskeyword(name) or name in RESERVED:
            name += "_"
        base, k = name, 2
        while name in self.bindings:
            name = f"{base}_{k}"
            k += 1
        return name

    def bind(self, name: str, kind: str, key: Any, value: Any, wrap: bool = True) -> Any:
        name = self.unique(name)
        node = Node("arg", [], (), ATOM, value, frozenset([name]))
        node.hint, node.priority = name, 99
        binding = Binding(name, kind, key, node, value)
        node.meta["binding"] = binding
        self.bindings[name] = binding
        if not wrap:
            return node
        if isinstance(value, (np.ndarray, np.generic)):
            return Sym(value, node)
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return SymFloat(float(value), node)
        return node

    def tensor_name(self, t: Tensor) -> str:
        name = self.names.get(id(t))
        if name:
            return name
        return "param" if t.requires_grad else "tensor"

    # ---- the hooks Syms call --------------------------------------------------------------------
    def escape(self, node: Node, what: str) -> None:
        if self.untraced:
            return
        if self.op_stack:
            self.op_stack[-1].escaped = True  # the op will run as an opaque call instead
            return
        if not node.sources:
            return  # a constant: nothing to follow
        _, filename, line = _caller()
        where = f"{filename}:{line}"
        mutable = sorted(s for s in node.sources if self.bindings[s].mutable)
        if mutable:
            raise TracingError(
                f"tg.compile: at {where} a value computed from {', '.join(mutable)} is {what}; the compiled "
                "step cannot follow NumPy code outside tinygrad_edu's ops, and this value changes at every "
                "call. Keep the computation in tensor operations (or use .item() for a number)."
            )
        for source in node.sources:
            self.value_guards.setdefault(source, []).append(f"{what} at {where}")

    def decide(self, node: Node, what: str) -> None:
        if self.untraced or self.op_stack or not node.sources:
            return
        kind, filename, line = _caller()
        if kind == "user":
            warnings.warn_explicit(
                f"tg.compile: {what} reads the value of a traced tensor here; Python control flow is frozen at "
                "trace time, so the compiled step always does what this call did",
                TracingWarning, filename, line)

    # ---- running the step -------------------------------------------------------------------------
    def run(self) -> Any:
        _ACTIVE.append(self)
        patches = self._patches()
        previous_profile = sys.getprofile()
        try:
            for owner, name, value in patches:
                setattr(owner, name, value[1])
            sys.setprofile(self._profile(previous_profile))
            traced = [self._input(i, a) for i, a in enumerate(self.args)]
            result = self.fn(*traced)
            sys.setprofile(previous_profile)
            self.structure = self._output(result)
            self._finish()
            return result
        finally:
            sys.setprofile(previous_profile)
            for owner, name, value in reversed(patches):
                if value[0] is None:
                    delattr(owner, name)
                else:
                    setattr(owner, name, value[0])
            self._restore()
            _ACTIVE.remove(self)

    def _patches(self) -> list[tuple[Any, str, tuple[Any, Any]]]:
        """(owner, attribute, (original or None, replacement)) for everything replaced while tracing."""
        from tinygrad_edu.optim.optimizer import Optimizer

        patches: list = []

        def patch(owner: Any, name: str, value: Any) -> None:
            patches.append((owner, name, (owner.__dict__.get(name), value)))

        tracer = self
        apply = classmethod(lambda cls, *inputs, **options: tracer.apply(cls, inputs, options))
        for cls in _subclasses(Function):
            if cls is Function or "apply" in cls.__dict__:
                patch(cls, "apply", apply)
        patch(Tensor, "data", _Watched(self, "data"))
        patch(Tensor, "grad", _Watched(self, "grad"))
        patch(Tensor, "__init__", self._tensor_init(Tensor.__init__))
        patch(Tensor, "backward", lambda t, gradient=None, retain_graph=False: tracer.backward(t, gradient,
                                                                                             retain_graph))
        for name in ("__lt__", "__le__", "__gt__", "__ge__", "__eq__", "__ne__"):
            patch(Tensor, name, self._comparison(name))
        for name in ("argmax", "argmin"):
            patch(Tensor, name, self._arg_reduce(getattr(np, name)))
        patch(Tensor, "__array__", lambda t, dtype=None, copy=None: np.asarray(t.data, dtype=dtype))
        import tinygrad_edu.tensor as tensor_module

        for module in (tinygrad_edu, tensor_module):  # tg.where takes np.asarray of its condition
            if "where" in module.__dict__:
                patch(module, "where", self._where(module.__dict__["where"]))
        # Random numbers drawn inside the step would be drawn once, when traced: say so.
        import tinygrad_edu.creation as creation

        for module in (tinygrad_edu, creation):
            for name in ("rand", "randn", "rand_like", "randn_like"):
                if name in module.__dict__:
                    patch(module, name, self._random(module.__dict__[name], name))
        # An op that fills a fresh array (out = np.empty(shape); out[...] = grad) fills a traced one.
        for name in CREATION:
            patch(np, name, self._creation(name, np.__dict__[name]))
        for cls in _subclasses(Optimizer):
            if "step" in cls.__dict__:
                original = cls.__dict__["step"]
                patch(cls, "step", self._optimizer_step(original))
        return patches

    def _optimizer_step(self, original: Callable) -> Callable:
        def step(opt: Any, closure: Any = None) -> Any:
            return self.optimizer_step(opt, original, closure)

        return step

    def _input(self, i: int, a: Any) -> Any:
        name = self.arg_names[i]
        if isinstance(a, Tensor):
            data = raw_data(a)
            if isinstance(data, np.ndarray):
                sym = self.bind(name, "input", i, data)
                self.bound[id(a)] = self.bindings[sym.node.hint]
                _DATA.__set__(a, sym)
                self.keep.append(a)
            return a
        if isinstance(a, np.ndarray):
            return self.bind(name, "input", i, a)
        if type(a) is float:
            return self.bind(name, "input", i, a)
        return a  # ints, strings, None...: part of the cache key, fixed in the trace

    # ---- Tensor.data and Tensor.grad while tracing ---------------------------------------------
    def read_data(self, t: Tensor) -> Any:
        data = raw_data(t)
        if self.untraced or isinstance(data, Sym) or id(t) in self.created or id(t) in self.bound:
            return data
        if isinstance(data, np.ndarray):  # a tensor from outside the step: read at each call
            sym = self.bind(self.tensor_name(t), "tensor", t, data)
            self.bound[id(t)] = self.bindings[sym.node.hint]
            self.keep.append(t)
            _DATA.__set__(t, sym)
            return sym
        return data

    def write_data(self, t: Tensor, value: Any) -> None:
        try:
            _DATA.__get__(t, type(t))
        except AttributeError:  # a tensor being made right now
            if not self.untraced:
                self.created.add(id(t))
                self.keep.append(t)
        else:
            if not self.untraced and id(t) not in self.created:
                self.data_written[id(t)] = t
                self.keep.append(t)
        _DATA.__set__(t, value)

    def read_grad(self, t: Tensor) -> Any:
        grad = raw_grad(t)
        key = id(t)
        if self.untraced or key in self.created or key in self.grad_written or key in self.grad_read:
            return grad
        self.grad_read.add(key)
        self.keep.append(t)
        if grad is None:
            self.grad_none_guards.append(t)  # the trace assumed no gradient at the start of the call
            return None
        data = raw_data(grad)
        if isinstance(data, np.ndarray):  # a gradient left from before the call: read at each call
            self.grad_originals[key] = (t, grad)
            sym = self.bind("grad_" + self.tensor_name(t), "grad", t, data)
            replacement = new_tensor(sym)
            self.created.add(id(replacement))
            self.keep.append(replacement)
            _GRAD.__set__(t, replacement)
            return replacement
        return grad

    def write_grad(self, t: Tensor, value: Any) -> None:
        try:
            _GRAD.__get__(t, type(t))
        except AttributeError:
            pass
        else:
            if not self.untraced and id(t) not in self.created:
                self.grad_written[id(t)] = t
                self.keep.append(t)
        _GRAD.__set__(t, value)

    def _tensor_init(self, original: Callable) -> Callable:
        tracer = self

        def __init__(t: Tensor, data: Any, requires_grad: bool = False, dtype: Any = None) -> None:
            inner = data.data if isinstance(data, Tensor) else data
            if tracer.untraced or not contains_traced(inner):
                return original(t, data, requires_grad, dtype)
            # tg.tensor(traced): the same copy and dtype rules as Tensor's constructor
            value = np.array(real(inner), dtype=dtype)
            b = Builder().text("np.array(").value(inner)
            if dtype is not None:
                b.text(", dtype=").value(np.dtype(dtype))
            node = b.text(")").build(ATOM, value)
            sym = Sym(value, node)
            if dtype is None and (value.dtype.kind != "f" or not isinstance(inner, Sym)):
                sym = sym.astype(np.float32)
            t.data = sym
            t.grad = None
            t.grad_fn = None
            t.requires_grad = bool(requires_grad)

        return __init__

    def _random(self, original: Callable, name: str) -> Callable:
        tracer = self

        def draw(*args: Any, **kwargs: Any) -> Any:
            if not tracer.untraced:
                _, filename, line = _caller()
                warnings.warn_explicit(
                    f"tg.compile: tg.{name}() inside the step is drawn once, when traced; every compiled call "
                    "reuses those numbers. Draw them outside and pass them in as an argument.",
                    TracingWarning, filename, line)
            return original(*args, **kwargs)

        return draw

    def _creation(self, name: str, original: Callable) -> Callable:
        thread = threading.get_ident()

        def create(*args: Any, **kwargs: Any) -> Any:
            value = original(*args, **kwargs)
            if not self.op_stack or self.untraced or not isinstance(value, np.ndarray) or \
                    threading.get_ident() != thread:
                return value
            return Sym(value, Builder().text(f"np.{name}(").call_args(args, kwargs).text(")").build(ATOM, value))

        return create

    def _where(self, original: Callable) -> Callable:
        def where(condition: Any, input: Any, other: Any) -> Tensor:
            cond = condition.data if isinstance(condition, Tensor) else condition
            if not isinstance(cond, Sym):
                return original(condition, input, other)
            from tinygrad_edu.ops import Where

            # np.asarray(cond, dtype=bool), as tg.where does; operands as Tensor's operators take them
            cond = cond if cond.dtype == np.bool_ else cond.astype(np.bool_)
            operands = [x if isinstance(x, (Tensor, int, float)) else Tensor(x) for x in (input, other)]
            return Where.apply(cond, *operands)

        return where

    def _comparison(self, name: str) -> Callable:
        tracer = self

        def compare(t: Tensor, other: Any) -> Tensor:
            other = other.data if isinstance(other, Tensor) else other
            data = t.data
            if not isinstance(data, Sym) and not isinstance(other, Sym):
                return new_tensor(np.asarray(getattr(data, name)(other)))
            return new_tensor(tracer.as_array(getattr(data, name)(other)))

        return compare

    def _arg_reduce(self, fn: Callable) -> Callable:
        tracer = self

        def arg_reduce(t: Tensor, dim: Optional[int] = None, keepdim: bool = False) -> Tensor:
            if dim is None:
                return new_tensor(tracer.as_array(fn(t.data)))
            return new_tensor(tracer.as_array(fn(t.data, axis=dim % max(t.data.ndim, 1), keepdims=keepdim)))

        return arg_reduce

    # ---- the optimizer ------------------------------------------------------------------------------
    def optimizer_step(self, opt: Any, original: Callable, closure: Any) -> Any:
        """optimizer.step() while tracing: the real update on real arrays, then its recording."""
        if self.untraced or self.in_update:  # e.g. a subclass's step calling super().step()
            return original(opt, closure) if closure is not None else original(opt)
        if closure is not None:
            raise TracingError("tg.compile: optimizer.step(closure) cannot be compiled; call backward() in the step")
        phase, self.phase = self.phase, "update"
        params = [p for group in opt.param_groups for p in group["params"]]
        datas = [p.data for p in params]
        grads = [p.grad for p in params]
        # 1. the real step, on the real arrays: the traced call is an ordinary training step
        arrays = [real(d) for d in datas]
        for p, array, g in zip(params, arrays, grads):
            _DATA.__set__(p, array)
            _GRAD.__set__(p, None if g is None else new_tensor(real(g.data)))
        self.untraced += 1
        try:
            original(opt)
        finally:
            self.untraced -= 1
            changed = [p for p, array in zip(params, arrays) if raw_data(p) is not array]
            for p, d, g in zip(params, datas, grads):
                _DATA.__set__(p, d)
                _GRAD.__set__(p, g)
        if changed:
            raise TracingError("tg.compile: the optimizer replaced parameter arrays instead of updating them in place")
        # 2. its update as lines of the compiled step
        from tinygrad_edu.compiler.optimizers import record_update

        self.in_update = True
        try:
            record_update(self, opt, original, params, datas, grads)
        finally:
            self.in_update = False
        self.phase = phase
        return None

    # ---- names from the user's code --------------------------------------------------------------
    def _profile(self, previous: Any) -> Callable:
        """A profile hook that, as each function returns, names traced values after its local variables."""

        def hook(frame: Any, event: str, arg: Any) -> None:
            if event == "return":
                kind = frame_kind(frame.f_code.co_filename)
                if kind in ("user", "library"):
                    priority = 3 if kind == "user" else 1
                    for name, value in list(frame.f_locals.items()):
                        if name.startswith("_") or name == "self" or not name.isidentifier():
                            continue
                        node = None
                        if isinstance(value, Tensor):
                            data = raw_data(value) if _has_data(value) else None
                            node = data.node if isinstance(data, Sym) else None
                        elif isinstance(value, (Sym, SymFloat)):
                            node = value.node
                        if node is not None and node.kind in ("expr", "version"):
                            node.variable.name_hint(name, priority)
                        elif isinstance(value, np.ndarray) and self.array_names.get(id(value), ("", 0))[1] < priority:
                            self.array_names[id(value)] = (name, priority)  # names constants: `rows`
            if callable(previous):  # a profiler already running (a Python one) still sees every event
                previous(frame, event, arg)

        return hook

    # ---- the end of the trace ----------------------------------------------------------------------
    def _output(self, result: Any) -> Any:
        """What the step returned, as a structure whose leaves are output indices or constants."""
        if isinstance(result, Tensor):
            data = raw_data(result)
            if isinstance(data, Sym):
                return ("tensor", self._out(data.node))
            return ("const", result)
        if isinstance(result, (Sym, SymFloat)):
            return ("array" if isinstance(result, Sym) else "float", self._out(result.node))
        if type(result) is float and id(result) in self.floats and self.floats[id(result)][0] is result:
            return ("float", self._out(self.floats[id(result)][1]))
        if isinstance(result, (tuple, list)):
            return (type(result).__name__, [self._output(r) for r in result])
        if isinstance(result, dict):
            return ("dict", {k: self._output(v) for k, v in result.items()})
        if type(result) is float:
            warnings.warn("tg.compile: the step returns a float the trace cannot follow (return loss or "
                          "loss.item()); the compiled step returns this value at every call", TracingWarning)
        return ("const", result)

    def _out(self, node: Node) -> int:
        self.outputs.append(node)
        return len(self.outputs) - 1

    def _finish(self) -> None:
        """Writebacks: which tensors' data and grads the compiled step must set after each call."""
        self.data_writes: list[tuple[Any, Any]] = []  # (binding key, node or constant)
        self.grad_writes: list[tuple[Any, Any]] = []
        for t in self.data_written.values():
            data = raw_data(t)
            binding = self.bound.get(id(t))
            if isinstance(data, Sym) and binding is not None and data.node.variable is binding.node:
                continue  # changed in place: nothing to write back
            self.data_writes.append((self._target(t), self._written(data)))
        for t in self.grad_written.values():
            grad = raw_grad(t)
            if grad is None:
                self.grad_writes.append((self._target(t), None))
            else:
                self.grad_writes.append((self._target(t), self._written(raw_data(grad))))
        for name in self.value_guards:  # a value the trace assumed must not be one the step changes
            if any(target[1] is self.bindings[name].key for target, _ in self.data_writes):
                raise TracingError(
                    f"tg.compile: the step changes {name}, whose value it also uses outside tinygrad_edu's ops")

    def _written(self, data: Any) -> Any:
        """What a tensor attribute gets after each call: an output of the function, or a constant."""
        return self._out(data.node) if isinstance(data, Sym) else ("const", data)

    def _target(self, t: Tensor) -> Any:
        """How the compiled step finds tensor t at each call: ('input', i) or ('tensor', t)."""
        binding = self.bound.get(id(t))
        if binding is not None and binding.kind == "input":
            return ("input", binding.key)
        return ("tensor", t)

    def _restore(self) -> None:
        """Put real arrays back into every tensor the trace touched."""
        for t in self.keep:
            if not isinstance(t, Tensor) or not _has_data(t):
                continue
            data = raw_data(t)
            if isinstance(data, Sym):
                _DATA.__set__(t, data.value)
            elif isinstance(data, SymFloat):
                _DATA.__set__(t, np.asarray(float(data)))
        for key, (t, original) in self.grad_originals.items():
            if key not in self.grad_written:
                _GRAD.__set__(t, original)


def _has_data(t: Tensor) -> bool:
    try:
        raw_data(t)
        return True
    except AttributeError:
        return False


class _Watched:
    """Stands in for Tensor's `data` or `grad` slot while tracing, telling the tracer of reads and writes."""

    def __init__(self, tracer: Tracer, name: str) -> None:
        self.tracer, self.name = tracer, name

    def __get__(self, t: Any, owner: Any = None) -> Any:
        if t is None:
            return self
        return self.tracer.read_data(t) if self.name == "data" else self.tracer.read_grad(t)

    def __set__(self, t: Any, value: Any) -> None:
        if self.name == "data":
            self.tracer.write_data(t, value)
        else:
            self.tracer.write_grad(t, value)


def call_math(name: str, x: Any) -> Any:
    """math.<name>(x) on a traced Python float, recorded (math functions cannot be intercepted)."""
    value = getattr(math, name)(float(x))
    if isinstance(x, SymFloat):
        return SymFloat(value, Builder().text(f"math.{name}(").value(x).text(")").build(ATOM, value))
    return value
