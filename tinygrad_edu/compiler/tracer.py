"""Tracing a training step: the unmodified engine runs it once with traced arrays (Syms) inside the tensors.

Nothing of Tensor, Function, Optimizer or NumPy is replaced while it runs. Before the call, the
tracer binds what the step reads (`Tracer.bind_all`), by ordinary attribute writes it undoes after
the call: the arrays of the arguments, of every tensor the step can reach (the parameters and
buffers of its modules, its optimizers' param groups, tensors in its closure, globals, object and
arguments), their existing gradients, the optimizers' state arrays and learning rates. Then
`Function.apply`, the backward walk and `optimizer.step()` run as always; NumPy hands every
operation on a Sym to sym.py, which computes the real value and records the line that computes it.
The tracer only watches, on `autograd.hooks`: it names each op's output and gradient and marks
the forward, backward and update sections. After the call it reads back which Syms ended in
`.data`, `.grad` and the optimizers' state: those are what each compiled call writes back.
"""

from __future__ import annotations

import keyword
import re
import sys
import warnings
from typing import Any, Callable

import numpy as np

from tinygrad_edu.autograd import Function, hooks
from tinygrad_edu.compiler.errors import TracingError, TracingWarning
from tinygrad_edu.compiler.naming import RESERVED, LocalNames, caller, numbered
from tinygrad_edu.compiler.nodes import ATOM, Builder, Node, Trace, _ACTIVE, const
from tinygrad_edu.compiler.sym import Sym, SymFloat, real
from tinygrad_edu.tensor import Tensor

__all__ = ["Tracer", "Binding"]

# Short names for state arrays in the compiled source: momentum_W1, m_W1, v_W1 (Adam's step count: step_W1).
STATE_NAMES = {"momentum_buffer": "momentum", "exp_avg": "m", "exp_avg_sq": "v", "max_exp_avg_sq": "v_max"}


class Binding:
    """Something the compiled step receives at each call: an input, a tensor's data, a gradient, state.

    kind: 'input' (argument `key` of the call), 'tensor' (`key`.data), 'grad' (`key`.grad.data),
    'hyper' ((optimizer, group index, name): the learning rate, read at each call) or 'state'
    ((optimizer, param, name): an array of the optimizer's state, such as Adam's moments).
    """

    def __init__(self, name: str, kind: str, key: Any, node: Node, value: Any) -> None:
        self.name, self.kind, self.key, self.node, self.value = name, kind, key, node, value
        # A value the step changes (a parameter, a gradient, the optimizer's state) cannot be guarded.
        self.mutable = kind in ("grad", "hyper", "state") or (
            kind == "tensor" and bool(getattr(key, "requires_grad", False)))


def snake(name: str) -> str:
    """'BCELoss' -> 'bce_loss', 'LogSoftmax' -> 'log_softmax'; a short name is one word: 'ReLU' -> 'relu'."""
    if len(name) <= 6:
        return name.lower()
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", "_", name).lower()


def op_comment(cls: type) -> str:
    """The first comment in an op's backward: 'd sigmoid/dx = s * (1 - s)'."""
    import inspect

    try:
        lines = inspect.getsource(cls.backward).splitlines()
    except (OSError, TypeError):
        return ""
    text = next((line.strip().lstrip("# ").strip() for line in lines if line.strip().startswith("#")), "")
    for stop in (". ", "; "):  # the formula, not the explanation after it
        text = text.split(stop)[0]
    return text.rstrip(".")


class Tracer(Trace):
    """Runs `fn(*args)` once with traced values and keeps what the code generator needs."""

    def __init__(self, fn: Callable, args: tuple, arg_names: list[str], names: dict[int, str],
                 roots: list[Any]) -> None:
        super().__init__()
        self.fn, self.args, self.arg_names, self.names, self.roots = fn, args, arg_names, names, roots
        self.bindings: dict[str, Binding] = {}
        self.bound: dict[int, Binding] = {}  # id(tensor) -> its 'tensor' or 'input' binding
        self.tensors: list[Tensor] = []  # the bound tensors, in the order found
        self.grads: dict[int, tuple[Tensor, Sym]] = {}  # id(tensor) -> (its .grad, the Sym put in it)
        self.grad_none: list[Tensor] = []  # bound tensors whose .grad was None when the call started
        self.pending: dict[int, tuple[Tensor, Tensor]] = {}  # (tensor, placeholder): see pending_grads
        self.states: list[tuple[Any, Any, str, Sym]] = []  # (optimizer, param, key, Sym) of bound state
        self.hypers: list[tuple[dict, str, Any, Any]] = []  # (group, key, original, traced stand-in)
        self.optimizers: list[Any] = []
        self.value_guards: dict[str, list[str]] = {}  # binding name -> why its value is guarded
        self.ops: dict[int, Node] = {}  # id(op) -> its output's node, for the ops applied in this trace
        self.op_counts: dict[str, int] = {}
        self.keep: list[Any] = []  # the ops of the trace, kept alive so ids stay unique
        self.mark = 0  # the first node of the op whose backward runs now
        self.outputs: list[Node] = []
        self.structure: Any = None
        self.state_created = False
        self.array_names: dict[int, tuple[str, int]] = {}  # id of an array -> a variable that held it
        self.params = {}  # id(tensor) -> its name, for an optimizer's loop locals: denom_W1
        self.local_names = LocalNames(self.array_names)
        self.naming = False

    # ---- binding what the step reads ------------------------------------------------------------
    def bind(self, name: str, kind: str, key: Any, value: Any) -> Any:
        """A new argument of the generated function (see Binding): its value as a Sym or a SymFloat."""
        name = name.lstrip("_") or "arg"
        name = numbered(name + "_" if keyword.iskeyword(name) or name in RESERVED else name, self.bindings)
        node = Node("arg", [], (), ATOM, value, frozenset([name]))
        node.hint, node.priority = name, 99
        node.meta["binding"] = self.bindings[name] = Binding(name, kind, key, node, value)
        return SymFloat(float(value), node) if type(value) is float else Sym(value, node)

    def bind_all(self) -> list:
        """Put Syms into everything the step reads (see the module docstring); returns the step's arguments."""
        from tinygrad_edu.nn.module import Module
        from tinygrad_edu.optim.optimizer import Optimizer

        traced = []
        for i, a in enumerate(self.args):
            name = self.arg_names[i]
            if isinstance(a, Tensor):
                self._bind_tensor(a, name, "input", i)
            elif isinstance(a, np.ndarray) or type(a) is float:
                a = self.bind(name, "input", i, a)
            traced.append(a)
        seen: set[int] = set()

        def reach(value: Any, depth: int) -> None:
            if id(value) in seen:
                return
            seen.add(id(value))
            if isinstance(value, Tensor):
                self._bind_tensor(value, self.names.get(id(value)) or "tensor", "tensor", value)
            elif isinstance(value, Module):
                for t in [*value.parameters(), *value.buffers()]:
                    reach(t, 1)
            elif hasattr(value, "_guard") and hasattr(value, "__wrapped__"):  # a compiled step it calls
                for _, inner in value._guard.roots(()):
                    reach(inner, 0)
            elif isinstance(value, Optimizer):
                self.optimizers.append(value)
                for group in value.param_groups:
                    for p in group["params"]:
                        reach(p, 1)
            elif depth == 0 and isinstance(value, (list, tuple, dict)):
                for item in (value.values() if isinstance(value, dict) else value):
                    reach(item, 1)

        for root in self.roots:
            reach(root, 0)
        for t in self.tensors:
            g = t.grad
            if g is None and t.requires_grad:  # see pending_grads
                self.pending[id(t)] = (t, Tensor._from_op(Sym(np.zeros_like(t.data.value), const(0.0)), None))
                t.grad = self.pending[id(t)][1]
            elif g is None:
                self.grad_none.append(t)
            elif type(g.data) is np.ndarray:
                sym = self.bind("grad_" + self.bound[id(t)].name, "grad", t, g.data)
                self.grads[id(t)] = (g, sym)
                g.data = sym
        for opt in self.optimizers:
            self._bind_optimizer(opt)
        return traced

    def _bind_tensor(self, t: Tensor, name: str, kind: str, key: Any) -> None:
        if id(t) in self.bound or type(t.data) is not np.ndarray:
            return
        sym = self.bind(name, kind, key, t.data)
        self.bound[id(t)] = self.bindings[sym.node.hint]
        self.params[id(t)] = sym.node.hint
        self.tensors.append(t)
        t.data = sym

    def _bind_optimizer(self, opt: Any) -> None:
        """lr is read at every call; other float hyper-parameters are literals (guards.py retraces on a change)."""
        for i, group in enumerate(opt.param_groups):
            for key, value in list(group.items()):
                if key == "lr" and type(value) is float:
                    name = "lr" if len(opt.param_groups) == 1 else f"lr_{i}"
                    stand_in = self.bind(name, "hyper", (opt, i, key), value)
                elif type(value) is float:  # a literal that writes itself: (1 - 0.9) stays readable
                    stand_in = SymFloat(value, const(value))
                elif type(value) is tuple and all(type(v) is float for v in value):
                    stand_in = tuple(SymFloat(v, const(v)) for v in value)
                else:
                    continue
                self.hypers.append((group, key, value, stand_in))
                group[key] = stand_in
        self.state_keys = {id(p): set(s) for p, s in opt.state.items()}
        for p, entries in opt.state.items():
            for key, value in list(entries.items()):
                if type(value) is np.ndarray:
                    name = f"{STATE_NAMES.get(key, key)}_{self.params.get(id(p), 'param')}"
                    sym = entries[key] = self.bind(name, "state", (opt, p, key), value)
                    self.states.append((opt, p, key, sym))

    def pending_grads(self) -> None:
        """Decide, at the first backward walk, whether the trace depends on a gradient being None at the start.

        A tensor that requires grad and has none when the call starts holds a placeholder until then.
        If the step cleared or replaced it (opt.zero_grad()), the trace holds whatever the gradient is
        when a later call starts; if not, the placeholder goes and the trace holds only for a call that
        starts with no gradient (a step without zero_grad traces again once there is one).
        """
        for t, placeholder in self.pending.values():
            if t.grad is placeholder:
                t.grad = None
                self.grad_none.append(t)
        self.pending.clear()

    # ---- what the engine tells (autograd.hooks) ----------------------------------------------------
    def forward(self, fn: Function, out: Any) -> None:
        """An op's forward made `out`: it gets a line of its own, named after the op (linear_1)."""
        if not isinstance(out, Sym):
            return
        _as_array(out)
        cls = type(fn).__name__
        seq = self.op_counts[cls] = self.op_counts.get(cls, 0) + 1
        node = out.node
        if node.kind in ("expr", "version") and node.variable.priority < 2:
            node.variable.name_hint(f"{snake(cls)}_{seq}", 2)
        node.meta.setdefault("op", (cls, "forward", fn))
        recorded = getattr(fn, "inputs", None) is not None
        if recorded or self.phase == "forward":
            node.must_name = True
        if recorded:
            self.ops[id(fn)] = node
            self.keep.append(fn)
            for x in fn.inputs:
                if isinstance(x, Tensor) and x.requires_grad and x.grad_fn is None and type(x.data) is np.ndarray:
                    raise TracingError(
                        f"tg.compile: {cls} reads a tensor of shape {x.shape} that requires grad, but the step "
                        "can not reach it (it is not in its closure, globals, object, arguments, modules or "
                        "optimizers); pass it in as an argument or name it with tg.compile(..., names=...)")

    def walk(self, root: Tensor, gradient: Any, starting: bool) -> None:
        """A backward walk starts (the backward section) or has ended (the update follows, almost always)."""
        if starting:
            self.pending_grads()
            self.phase = "backward"
            if isinstance(gradient, Sym):
                self._grad_of(gradient, root)
                gradient.node.phase = "backward"
                gradient.node.meta["seed"] = "".join(p for p in gradient.node.parts if isinstance(p, str)) \
                    .startswith("np.ones_like(")
            self.mark = len(self.nodes)
            return
        self.phase = "update"
        for t in self.tensors:
            if t.grad is not None and isinstance(t.grad.data, Sym):
                _as_array(t.grad.data)
                self._grad_of(t.grad.data, t)

    def grad_out(self, fn: Function, grad_out: Any) -> None:
        """fn's backward is next: its grad_out is the gradient of fn's output (d_linear_1)."""
        if id(fn) not in self.ops:
            raise TracingError(f"tg.compile: {type(fn).__name__} was applied before tracing began; build the "
                               "whole graph inside the step")
        if isinstance(grad_out, Sym):
            grad_out.node.variable.must_name = True
            grad_out.node.variable.meta.setdefault("grad_of", self.ops[id(fn)])
        self.mark = len(self.nodes)

    def backward(self, fn: Function, grads: Any) -> None:
        """fn's backward returned `grads`: its lines go under its heading, each gradient named after its input."""
        cls = type(fn)
        comment = op_comment(cls)
        for node in self.nodes[self.mark:]:
            node.meta.setdefault("op", (cls.__name__, "backward", fn))
            node.meta.setdefault("comment", comment)
        for x, g in zip(fn.inputs, grads):
            if isinstance(g, Sym):
                _as_array(g)
                for node in (g.node, g.node.variable):
                    node.meta.setdefault("op", (cls.__name__, "backward", fn))
                    node.meta.setdefault("comment", comment)
                if isinstance(x, Tensor):
                    self._grad_of(g, x)
        self.mark = len(self.nodes)

    def _grad_of(self, grad: Sym, of: Tensor) -> None:
        node = grad.node.variable  # (a gradient changed in place is named as the variable that holds it)
        node.must_name = True
        if "grad_of" not in node.meta:
            node.meta["grad_of"] = of.data.node if isinstance(of.data, Sym) else None

    # ---- what Syms tell ---------------------------------------------------------------------------
    def saw_node(self) -> None:
        """A node was recorded: name the values the locals on the stack hold (naming.LocalNames)."""
        if self.naming:
            self.local_names.read(sys._getframe(2), self.params if self.phase == "update" else None)

    def escape(self, node: Node, what: str) -> None:
        """A traced value left the trace: an error inside an op or optimizer, else the value is guarded.

        Outside an op, a value computed from what the step changes (a parameter, a gradient, the
        state) cannot be guarded: that is a TracingError too.
        """
        from tinygrad_edu.optim.optimizer import Optimizer

        if not node.sources:
            return  # a constant: nothing to follow
        frame = sys._getframe(1)
        while frame is not None:
            owner = frame.f_locals.get("self")
            if isinstance(owner, (Function, Optimizer)):
                raise TracingError(
                    f"tg.compile: {type(owner).__name__}.{frame.f_code.co_name} lets a traced array out of NumPy's "
                    f"protocol (it is {what}, line {frame.f_lineno}); write it with NumPy calls that take the "
                    "array as it is (np.copy(x) or x.copy() rather than np.array(x), x.item() rather than "
                    "float(x)), or call the step without tg.compile")
            frame = frame.f_back
        _, filename, line = caller()
        where = f"{filename}:{line}"
        mutable = sorted(s for s in node.sources if self.bindings[s].mutable)
        if mutable:
            raise TracingError(
                f"tg.compile: at {where} a value computed from {', '.join(mutable)} is {what}; the compiled "
                "step cannot follow NumPy code outside tinygrad_edu's ops, and this value changes at every "
                "call. Keep the computation in tensor operations (or use .item() for a number).")
        for source in node.sources:
            self.value_guards.setdefault(source, []).append(f"{what} at {where}")

    def decide(self, node: Node, what: str) -> None:
        """Python control flow in the user's code read a traced value: warn that it is frozen at trace time."""
        if not node.sources:
            return
        kind, filename, line = caller()
        if kind == "user":
            warnings.warn_explicit(
                f"tg.compile: {what} reads the value of a traced tensor here; Python control flow is frozen at "
                "trace time, so the compiled step always does what this call did", TracingWarning, filename, line)

    # ---- running the step -------------------------------------------------------------------------
    def run(self) -> Any:
        """Call the step once with everything bound; returns what it returned."""
        _ACTIVE.append(self)
        hooks.add(self)
        try:
            traced = self.bind_all()
            self.naming = True
            result = self.fn(*traced)
            self.naming = False
            self.pending_grads()
            self.structure = self.result_structure(result)
            self.find_writebacks()
            return result
        finally:
            self.naming = False
            hooks.remove(self)
            self.pending_grads()
            self.restore()
            _ACTIVE.remove(self)

    def result_structure(self, result: Any) -> Any:
        """What the step returned, as a structure whose leaves are output indices or constants."""
        if isinstance(result, Tensor):
            return ("tensor", self._out(result.data.node)) if isinstance(result.data, Sym) else ("const", result)
        if isinstance(result, (Sym, SymFloat)):
            return ("array" if isinstance(result, Sym) else "float", self._out(result.node))
        if type(result) is float and id(result) in self.floats and self.floats[id(result)][0] is result:
            return ("float", self._out(self.floats[id(result)][1]))
        if isinstance(result, (tuple, list)):
            return (type(result).__name__, [self.result_structure(r) for r in result])
        if isinstance(result, dict):
            return ("dict", {k: self.result_structure(v) for k, v in result.items()})
        if type(result) is float:
            warnings.warn("tg.compile: the step returns a float the trace cannot follow (return loss or "
                          "loss.item()); the compiled step returns this value at every call", TracingWarning)
        return ("const", result)

    def _out(self, node: Node) -> int:
        self.outputs.append(node)
        return len(self.outputs) - 1

    def _written(self, value: Any) -> Any:
        """What an attribute gets after each call: an output of the function, or a constant."""
        return self._out(value.node) if isinstance(value, Sym) else ("const", value)

    def find_writebacks(self) -> None:
        """Which tensors' data and grads, and which state arrays, each compiled call sets from the function's outputs."""
        self.data_writes: list[tuple[Tensor, Any]] = []
        self.grad_writes: list[tuple[Tensor, Any]] = []
        self.state_writes: list[tuple[Any, Any, str, Any]] = []
        for t in self.tensors:
            binding = self.bound[id(t)]
            if not (isinstance(t.data, Sym) and t.data.node.variable is binding.node):  # else: changed in place
                self.data_writes.append((t, self._written(t.data)))
            g, (g0, sym) = t.grad, self.grads.get(id(t), (None, None))
            if g is None and g0 is None and any(t is n for n in self.grad_none):
                continue
            if g is not None and g is g0 and g.data is sym and sym.node.variable.kind == "arg":
                continue
            self.grad_writes.append((t, None if g is None else self._written(g.data)))
        for opt, p, key, sym in self.states:
            value = opt.state.get(p, {}).get(key)
            if not (value is sym and sym.node.variable.kind == "arg"):
                self.state_writes.append((opt, p, key, self._written(value)))
        for opt in self.optimizers:
            if {id(p): set(s) for p, s in opt.state.items()} != self.state_keys:
                self.state_created = True  # e.g. Adam's first step: this trace is not kept (step.py)
        for name in self.value_guards:  # a value the trace assumed must not be one the step changes
            if any(t is self.bindings[name].key for t, _ in self.data_writes):
                raise TracingError(
                    f"tg.compile: the step changes {name}, whose value it also uses outside tinygrad_edu's ops")

    def restore(self) -> None:
        """Put real arrays back into every tensor, gradient, state entry and param group the trace bound."""
        for t in self.tensors:
            t.data = real(t.data)
            if t.grad is not None:
                t.grad.data = real(t.grad.data)
        for g, sym in self.grads.values():
            g.data = real(g.data)
        for opt in self.optimizers:
            for entries in opt.state.values():
                for key, value in entries.items():
                    entries[key] = real(value)
        for group, key, original, stand_in in self.hypers:
            group[key] = original if group.get(key) is stand_in else real(group.get(key))


def _as_array(x: Sym) -> None:
    """A NumPy scalar in an op's output or a gradient becomes a 0-d array, as the engine's as_array makes it."""
    if isinstance(x.value, np.generic):
        value = np.asarray(x.value)
        x.node = Builder().text("np.asarray(").node(x.node, 0).text(")").build(ATOM, value)
        x.value = value
