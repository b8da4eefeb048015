"""Tracing a training step: run it once with Syms inside every tensor, recording forward, backward and update.

While tracing (`Tracer.run`) a few entry points of the engine are replaced, and put back
afterwards (see patches.py):
- `Function.apply` runs each op's own `forward` on Syms, so its NumPy code records its lines;
- `Tensor.backward` walks the graph as the engine does, calling each op's own `backward` on Syms
  (both in engine.py);
- `Tensor.data` and `Tensor.grad` are watched (`read_data`, `write_data`, ... below), so that a
  tensor the step reads (a parameter, the data it was given, a gradient left from the last call)
  becomes an argument of the compiled step, and a tensor the step changes is written back after
  each call (writeback.py);
- `Optimizer.step` runs for real, then its update is recorded (`optimizer_step`, optimizers.py).
The trace computes every real value, so the traced call is itself one ordinary training step.
"""

from __future__ import annotations

import keyword
import sys
import warnings
from typing import Any, Callable

import numpy as np

from tinygrad_edu.compiler.engine import _DATA, _GRAD, OpRecord, SymEngine, is_set, new_tensor, raw_data, raw_grad
from tinygrad_edu.compiler.errors import TracingError, TracingWarning
from tinygrad_edu.compiler.naming import RESERVED, LocalNames, caller, numbered
from tinygrad_edu.compiler.nodes import ATOM, Node, Trace, _ACTIVE
from tinygrad_edu.compiler.patches import engine_patches, install, uninstall
from tinygrad_edu.compiler.sym import Sym, SymFloat, real
from tinygrad_edu.compiler.writeback import WriteBack
from tinygrad_edu.tensor import Tensor

__all__ = ["Tracer", "Binding"]


class Binding:
    """Something the compiled step receives at each call: an input, a tensor's data, a gradient, state.

    kind: 'input' (argument `key` of the call), 'tensor' (`key`.data of a tensor the step reads),
    'grad' (`key`.grad.data, a gradient left from before the call), 'hyper' ((optimizer, group
    index, name): a hyper-parameter read at each call, the learning rate), 'state' ((optimizer,
    param, name): an array of the optimizer's state, such as Adam's moments and step count).
    """

    def __init__(self, name: str, kind: str, key: Any, node: Node, value: Any) -> None:
        self.name, self.kind, self.key, self.node, self.value = name, kind, key, node, value
        # A value the step changes (a parameter, a gradient, the optimizer's state) cannot be guarded.
        self.mutable = kind in ("grad", "hyper", "state") or (
            kind == "tensor" and bool(getattr(key, "requires_grad", False)))


class Tracer(SymEngine, WriteBack, Trace):
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
        self.local_names = LocalNames(self.array_names)
        self.naming = False

    # ---- arguments and their names ---------------------------------------------------------------
    def track(self, t: Any) -> None:
        """A tensor was made during the trace (engine.new_tensor tells): it is no argument of the step."""
        self.created.add(id(t))
        self.keep.append(t)

    def unique(self, name: str) -> str:
        """A name for an argument of the generated function: an identifier no other argument has."""
        name = name.lstrip("_") or "arg"
        if keyword.iskeyword(name) or name in RESERVED:
            name += "_"
        return numbered(name, self.bindings)

    def bind(self, name: str, kind: str, key: Any, value: Any, wrap: bool = True) -> Any:
        """A new argument of the generated function (see Binding): its value as a Sym or SymFloat, or its node."""
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
        """What to call a tensor the step reads: its name in the user's code (naming.discover_names)."""
        name = self.names.get(id(t))
        if name:
            return name
        return "param" if t.requires_grad else "tensor"

    # ---- the hooks Syms call --------------------------------------------------------------------
    def saw_node(self) -> None:
        """A node was recorded: name the values the locals on the stack hold (naming.LocalNames)."""
        if self.naming:
            self.local_names.read(sys._getframe(2))

    def escape(self, node: Node, what: str) -> None:
        """A traced value left the trace: the op it is in runs as a call, or else the inputs' values are guarded.

        Outside an op, a value computed from what the step changes (a parameter, a gradient, the state)
        cannot be guarded: that is a TracingError.
        """
        if self.untraced:
            return
        if self.op_stack:
            self.op_stack[-1].escaped = True  # the op will run as an opaque call instead
            return
        if not node.sources:
            return  # a constant: nothing to follow
        _, filename, line = caller()
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
        """Python control flow in the user's code read a traced value: warn that it is frozen at trace time."""
        if self.untraced or self.op_stack or not node.sources:
            return
        kind, filename, line = caller()
        if kind == "user":
            warnings.warn_explicit(
                f"tg.compile: {what} reads the value of a traced tensor here; Python control flow is frozen at "
                "trace time, so the compiled step always does what this call did",
                TracingWarning, filename, line)

    # ---- running the step -------------------------------------------------------------------------
    def run(self) -> Any:
        """Call the step once with the engine patched and the inputs traced; returns what it returned."""
        _ACTIVE.append(self)
        patches = engine_patches(self)
        try:
            install(patches)
            traced = [self._input(i, a) for i, a in enumerate(self.args)]
            self.naming = True
            result = self.fn(*traced)
            self.naming = False
            self.structure = self.result_structure(result)
            self.find_writebacks()
            return result
        finally:
            self.naming = False
            uninstall(patches)
            self.restore()
            _ACTIVE.remove(self)

    def _input(self, i: int, a: Any) -> Any:
        """Argument i of the step as the traced call receives it: arrays and floats become arguments of the source."""
        name = self.arg_names[i]
        if isinstance(a, Tensor):
            data = raw_data(a)
            if isinstance(data, np.ndarray):
                self._bind_data(a, name, "input", i, data)
            return a
        if isinstance(a, np.ndarray):
            return self.bind(name, "input", i, a)
        if type(a) is float:
            return self.bind(name, "input", i, a)
        return a  # ints, strings, None...: part of the cache key, fixed in the trace

    def _bind_data(self, t: Tensor, name: str, kind: str, key: Any, data: np.ndarray) -> Sym:
        """t.data becomes an argument of the step ('input' or 'tensor'): a Sym inside t until the trace ends."""
        sym = self.bind(name, kind, key, data)
        self.bound[id(t)] = self.bindings[sym.node.hint]
        self.keep.append(t)
        _DATA.__set__(t, sym)
        return sym

    # ---- Tensor.data and Tensor.grad while tracing ---------------------------------------------
    def read_data(self, t: Tensor) -> Any:
        """`t.data` while tracing: a tensor from outside the step becomes an argument the first time it is read."""
        data = raw_data(t)
        if self.untraced or isinstance(data, Sym) or id(t) in self.created or id(t) in self.bound:
            return data
        if isinstance(data, np.ndarray):  # a tensor from outside the step: read at each call
            return self._bind_data(t, self.tensor_name(t), "tensor", t, data)
        return data

    def write_data(self, t: Tensor, value: Any) -> None:
        """`t.data = value` while tracing: a tensor from before the step is noted for writing back."""
        if not is_set(_DATA, t):  # a tensor being made right now
            if not self.untraced:
                self.created.add(id(t))
                self.keep.append(t)
        else:
            self._note_write(t, self.data_written)
        _DATA.__set__(t, value)

    def read_grad(self, t: Tensor) -> Any:
        """`t.grad` while tracing: a gradient left from before the call becomes an argument of the source."""
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
        """`t.grad = value` while tracing: a tensor from before the step is noted for writing back."""
        if is_set(_GRAD, t):
            self._note_write(t, self.grad_written)
        _GRAD.__set__(t, value)

    def _note_write(self, t: Tensor, written: dict[int, Tensor]) -> None:
        """A tensor from before the trace gets a new .data or .grad: the compiled step writes it back."""
        if not self.untraced and id(t) not in self.created:
            written[id(t)] = t
            self.keep.append(t)

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
