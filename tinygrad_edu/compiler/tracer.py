"""Tracing a training step: the unmodified engine runs it once with traced arrays (Syms) inside the tensors.

`roots` finds the step's variables and guards them, `bind_all` puts Syms in (`restore` takes them out); the
`autograd.hooks` callbacks name op outputs and gradients and mark the forward, backward and update sections;
`returned` and `write_back` give, as source, what each compiled call returns and writes back.
"""

from __future__ import annotations

import inspect
import keyword
import math
import pickle
import re
import sys
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np

from tinygrad_edu.autograd import Function, hooks, note_in_place
from tinygrad_edu.compiler.sym import _ACTIVE, ATOM, Node, Sym, SymFloat, TracingError, TracingWarning, const, real
from tinygrad_edu.tensor import Tensor

__all__ = ["Tracer", "RESERVED", "numbered"]

RESERVED = {"np", "abs", "dict", "step"}  # names the generated function itself uses
# Short names for state arrays in the source: momentum_W1, m_W1, v_W1 (Adam's step count: step_W1).
# Tensor's methods: tensor.py and the mixins that took its methods (not tensor_surface.py, as before the move)
_TENSOR = {f"tinygrad_edu.tensor{part}" for part in ("", "_convert", "_indexing", "_math", "_reductions", "_shape")}
STATE_NAMES = {"momentum_buffer": "momentum", "exp_avg": "m", "exp_avg_sq": "v", "max_exp_avg_sq": "v_max"}
_OPTIONS = {str, int, float, bool, type(None)}  # the types of a module's options


class Tracer:
    """Runs `fn(*args)` once with traced values and keeps what the code generator and the call need."""

    def __init__(self, fn: Callable, args: tuple, names: Any, where: tuple[str, int]) -> None:
        self.fn, self.args, self.user_names, self.where = fn, args, names, where
        self.name = getattr(fn, "__name__", "step")
        try:
            params = [p.name for p in inspect.signature(fn).parameters.values() if p.kind <= p.POSITIONAL_OR_KEYWORD]
        except (TypeError, ValueError):
            params = []
        self.arg_names = (params + [f"arg{i}" for i in range(len(params), len(args))])[: len(args)]
        self.nodes: list[Node] = []
        self.phase = "forward"
        self.floats: dict[int, tuple[float, Node]] = {}  # id of a plain float -> the traced float it came from
        self.bindings: dict[str, Node] = {}  # the generated function's arguments (see bind), by name
        self.bound: dict[int, Node] = {}  # id(tensor) -> the argument that holds its data
        self.tensors: list[Tensor] = []  # the bound tensors, in the order found
        self.grads: dict[int, tuple[Tensor, Sym]] = {}  # id(tensor) -> (its .grad, the Sym put in it)
        self.grad_none: list[Tensor] = []  # bound tensors whose .grad was None when the call started
        self.pending: list[tuple[Tensor, Tensor]] = []  # (tensor, placeholder gradient): see pending_grads
        # (what the slot holds now, its argument node, its tensor): a tensor's data or a state array, written
        # back (to the argument's `read`) when the step replaced it
        self.slots: list[tuple[Callable, Node, Tensor | None]] = []
        self.hypers: list[tuple[dict, str, Any, Any]] = []  # (group, key, original, traced stand-in)
        self.optimizers: list[Any] = []
        self.state_keys: dict[int, dict] = {}  # id(optimizer) -> the keys of its state when the call started
        self.state_created = False  # (Adam's first step: the trace is not kept)
        self.ops: dict[Function, Node] = {}  # the ops applied in this trace -> their outputs' nodes
        self.op_counts: dict[str, int] = {}
        self.op: Function | None = None  # the op whose backward runs now (then the engine fits its gradients)
        self.outputs: list[Node] = []  # what the generated function returns: `_out` of the call
        self.constants: dict[str, Any] = {}  # the objects the generated call refers to (see ref)
        self.refs: dict[int, str] = {}  # id -> its name in constants
        self.guards: list[str] = []  # the state the trace is specialised to, as expressions true now
        self.variables: list[Any] = []  # the values of the step's variables (see roots)
        self.writes: list[str] = []  # the call's lines after the function (see write_back)

    def ref(self, value: Any) -> str:
        """The name of `value` in the generated call's namespace (the constants keep it alive: ids stay unique)."""
        name = self.refs.setdefault(id(value), f"_k{len(self.refs)}")
        self.constants[name] = value
        return name

    def same(self, read: str, value: Any) -> str:
        """A guard that `read` is still `value`: a plain value as a literal (but nan, inf), an object by identity."""
        if type(value) not in _OPTIONS or (type(value) is float and not math.isfinite(value)):
            return f"{read} is {self.ref(value)}"
        return f"{read} {'is' if value is None or type(value) is bool else '=='} {value!r}"

    def tensor(self, t: Tensor) -> str:
        """How the generated call finds tensor t: the argument it was, or the tensor itself."""
        b = self.bound.get(id(t))
        return f"_args[{b.meta['index']}]" if b is not None and b.meta["role"] == "input" else self.ref(t)

    # ---- binding what the step reads ------------------------------------------------------------
    def bind(self, name: str, role: str, value: Any, read: str, index: int | None = None) -> Any:
        """A new argument of the generated function: its value as a Sym or a SymFloat. Its node (kind 'arg')
        keeps `read`, the source that reads it at each call, and its role: 'input' (argument `index` of the
        call), 'tensor' (a tensor's .data), 'grad', 'hyper' (lr) or 'state' (an optimizer's)."""
        name = name.lstrip("_") or "arg"
        name = numbered(name + "_" if keyword.iskeyword(name) or name in RESERVED else name, self.bindings)
        node = Node("arg", [], ATOM, value, frozenset([name]))
        node.hint = name
        node.meta.update(read=read, role=role, index=index)
        self.bindings[name] = node
        return SymFloat(float(value), node) if type(value) is float else Sym(value, node)

    def bind_all(self) -> list:
        """Put Syms into what the step reads from its arguments and its variables (`roots`; see the package
        docstring; restore takes them out), and guard the state they are traced under; returns the step's
        arguments. An argument's guards: its kind, shape, dtype, requires_grad and which array is passed twice;
        a float's type only (it is traced); the value of anything else."""
        from tinygrad_edu.nn.module import Module
        from tinygrad_edu.optim.optimizer import Optimizer

        args, guards, ref = self.args, self.guards, self.ref
        guards.append(f"len(_args) == {len(args)}")
        traced = []
        for i, (name, a) in enumerate(zip(self.arg_names, args)):
            read = f"_args[{i}]"
            guards.append(f"type({read}) is {ref(type(a))}")
            if isinstance(a, (Tensor, np.ndarray)):  # which array is passed twice
                first = next(j for j, b in enumerate(args) if b is a)
                arrays = [j for j, b in enumerate(args[:i]) if isinstance(b, (Tensor, np.ndarray)) and first in (i, j)]
                guards += [f"{read} {'is' if j == first else 'is not'} _args[{j}]" for j in arrays]
            if isinstance(a, Tensor):
                guards += [f"{read}.requires_grad is {a.requires_grad}", same_array(f"{read}.data", a.data, ref)]
                self._bind_tensor(a, name, i)
            elif isinstance(a, np.ndarray) or type(a) is float:
                guards += [same_array(read, a, ref)] if isinstance(a, np.ndarray) else []
                a = self.bind(name, "input", a, read, i)
            else:
                guards.append(f"({read} is {ref(a)} or {read} == {ref(a)})")
            traced.append(a)
        roots = self.roots()
        self.variables = [value for _, value in roots]
        names: dict[int, str] = {}  # a tensor's name from a module or a variable (an optimizer's only: 'tensor')
        found: dict[int, Tensor] = {}  # the tensors, in the order found
        seen: set[int] = set()

        same, guards = self.same, self.guards

        def reach(name: str | None, value: Any, depth: int) -> None:
            """Find the tensors (named by the module tree) and guard the state they are traced under: a module's
            options (`training`, `reduction`), sub-modules and parameters, an optimizer's param groups and
            hyper-parameters but lr, each tensor's requires_grad."""
            if isinstance(value, Tensor):
                if id(value) not in found:
                    found[id(value)] = value
                    guards.append(same(f"{self.ref(value)}.requires_grad", value.requires_grad))
                if name is not None:
                    name = re.sub(r"\W", "_", name)
                    names.setdefault(id(value), name if name and not name[0].isdigit() else "p" + name)
            elif id(value) not in seen:
                seen.add(id(value))
                if isinstance(value, Module):
                    for m in (m for m in value.modules() if m is value or id(m) not in seen):
                        seen.add(id(m))
                        r = self.ref(m)
                        guards.extend(same(f"{r}.{k}", v) for k, v in vars(m).items() if type(v) in _OPTIONS)
                        for slot in ("_modules", "_parameters"):  # the same sub-modules and parameters, by identity
                            items = getattr(m, slot)
                            guards.append(f"len({r}.{slot}) == {len(items)}" if items else f"not {r}.{slot}")
                            guards.extend(f"{r}.{slot}[{k!r}] is {self.ref(item)}" for k, item in items.items())
                    for pname, t in [*value.named_parameters(), *value.named_buffers()]:
                        reach((name or "") + pname if pname[0].isdigit() else pname, t, 1)
                elif isinstance(value, Optimizer):
                    self.optimizers.append(value)
                    o = self.ref(value)
                    guards.append(f"len({o}.param_groups) == {len(value.param_groups)}")
                    for i, group in enumerate(value.param_groups):
                        g, params = f"{o}.param_groups[{i}]", group["params"]
                        guards.extend([f"len({g}) == {len(group)}", f"len({g}['params']) == {len(params)}"])
                        guards.extend(f"{g}['params'][{j}] is {self.ref(p)}" for j, p in enumerate(params))
                        guards.extend(same(f"{g}[{k!r}]", h) for k, h in group.items() if k not in ("params", "lr"))
                        for p in params:
                            reach(None, p, 1)
                elif depth == 0 and isinstance(value, (list, tuple, dict)):
                    for key, item in value.items() if isinstance(value, dict) else enumerate(value):
                        reach(key if isinstance(key, str) and key.isidentifier() else f"{name}{key}", item, 1)

        user = self.user_names
        for name, value in ([("layer", user)] if isinstance(user, Module) else [*dict(user or {}).items()]) + roots:
            reach(name, value, 0)
        for t in found.values():
            self._bind_tensor(t, names.get(id(t), "tensor"))
        for t in self.tensors:
            g = t.grad
            if g is None and t.requires_grad:  # see pending_grads
                zero: Any = Sym(np.zeros_like(real(t.data)), const(0.0))  # Tensor holds any array kind
                self.pending.append((t, Tensor._from_op(zero, None)))
                t.grad = self.pending[-1][1]
            elif g is None:
                self.grad_none.append(t)
            elif type(g.data) is np.ndarray:  # (a gradient that is None at a later call: an AttributeError)
                sym = self.bind(f"grad_{self.bound[id(t)].hint}", "grad", g.data, f"{self.tensor(t)}._grad.data")
                self.grads[id(t)], g.data = (g, sym), sym
        for opt in self.optimizers:
            self._bind_optimizer(opt)
        return traced

    def _bind_tensor(self, t: Tensor, name: str, index: int | None = None) -> None:
        if id(t) not in self.bound and type(t.data) is np.ndarray:
            read = f"{self.ref(t) if index is None else f'_args[{index}]'}.data"
            t.data = sym = self.bind(name, "tensor" if index is None else "input", t.data, read, index)
            self.bound[id(t)] = sym.node
            self.slots.append((lambda: t.data, sym.node, t))
            self.tensors.append(t)

    def _bind_optimizer(self, opt: Any) -> None:
        """lr is read at every call; other float hyper-parameters are literals (a change retraces)."""
        for i, group in enumerate(opt.param_groups):
            for key, value in list(group.items()):
                if key == "lr" and type(value) is float:
                    name, read = "lr" if len(opt.param_groups) == 1 else f"lr_{i}", f"{self.ref(opt)}.param_groups"
                    stand_in = self.bind(name, "hyper", value, f"{read}[{i}]['lr']")
                elif type(value) is float:  # a literal that writes itself: (1 - 0.9) stays readable
                    stand_in = SymFloat(value, const(value))
                elif type(value) is tuple and all(type(v) is float for v in value):
                    stand_in = tuple(SymFloat(v, const(v)) for v in value)
                else:
                    continue
                self.hypers.append((group, key, value, stand_in))
                group[key] = stand_in
        self.state_keys[id(opt)] = {id(p): set(s) for p, s in opt.state.items()}
        for p, entries in opt.state.items():
            for key, value in list(entries.items()):
                if type(value) is np.ndarray:
                    name = f"{STATE_NAMES.get(key, key)}_{self.bound[id(p)].hint if id(p) in self.bound else 'param'}"
                    read = f"{self.ref(opt)}.state[{self.ref(p)}][{key!r}]"
                    sym = entries[key] = self.bind(name, "state", value, read)
                    self.slots.append((lambda s=entries, k=key: s.get(k), sym.node, None))

    def pending_grads(self) -> None:
        """At the first backward walk: a gradient that was None at the start holds a placeholder until then. If
        the step cleared or replaced it (zero_grad), the trace holds whatever gradient a call starts with; if
        not, it holds for calls that start with None (a step without zero_grad traces again once there is one)."""
        for t, placeholder in self.pending:
            if t.grad is placeholder:
                t.grad = None
                self.grad_none.append(t)
        self.pending.clear()

    # ---- what the engine tells (autograd.hooks) ----------------------------------------------------
    def forward(self, fn: Function, out: Any) -> None:
        """An op's forward made `out`: a line of its own, named after the op (linear_1)."""
        if not isinstance(out, Sym):
            return
        _as_array(out)
        cls = type(fn).__name__
        seq = self.op_counts[cls] = self.op_counts.get(cls, 0) + 1
        if out.node.kind in ("expr", "stmt"):
            snake = cls if len(cls) <= 6 else re.sub(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", "_", cls)
            out.node.variable.hint = out.node.variable.hint or f"{snake.lower()}_{seq}"
        recorded = getattr(fn, "inputs", None) is not None
        out.node.must_name = out.node.must_name or recorded or self.phase == "forward"
        if recorded:
            self.ops[fn] = out.node
            for x in fn.inputs:
                if isinstance(x, Tensor) and x.requires_grad and x.grad_fn is None and type(x.data) is np.ndarray:
                    raise TracingError(
                        f"tg.compile: {cls} reads a tensor of shape {x.shape} that requires grad, but the step "
                        "cannot reach it (it is not in its closure, globals, object, arguments, modules or "
                        "optimizers); pass it in as an argument or name it with tg.compile(..., names=...)"
                    )

    def walk(self, root: Tensor, gradient: Any, starting: bool) -> None:
        """A backward walk starts (the backward section) or has ended (the update follows, almost always)."""
        if not starting:
            self.op, self.phase = None, "update"
            for t in self.tensors:
                if t.grad is not None and isinstance(t.grad.data, Sym):
                    _as_array(t.grad.data)
                    self._grad_of(t.grad.data, getattr(t.data, "node", None))
            return
        self.pending_grads()
        self.phase = "backward"
        if isinstance(gradient, Sym):
            self._grad_of(gradient, getattr(root.data, "node", None))
            gradient.node.phase = "backward"
            text = "".join(p for p in gradient.node.parts if isinstance(p, str))
            gradient.node.meta["seed"] = text.startswith("np.ones_like(")

    def grad_out(self, fn: Function, grad_out: Any) -> None:
        """fn's backward is next: its grad_out is the gradient of fn's output (d_linear_1)."""
        if fn not in self.ops:
            raise TracingError(
                f"tg.compile: {type(fn).__name__} was applied before tracing began; build it in the step"
            )
        self.op = fn  # the nodes made from now on go under the heading of its backward (see Node.meta)
        self._grad_of(grad_out, self.ops[fn])

    def backward(self, fn: Function, grads: Any) -> None:
        """fn's backward returned `grads`: its lines go under its heading, each gradient named after its input."""
        for x, g in zip(fn.inputs, grads):
            if isinstance(g, Sym):
                _as_array(g)
                if isinstance(x, Tensor):
                    self._grad_of(g, getattr(x.data, "node", None))

    def _grad_of(self, grad: Any, of: Node | None) -> None:
        """grad, if traced, is the gradient of the value `of` computes: a line named d<its name>."""
        if isinstance(grad, Sym):
            node = grad.node.variable  # (a gradient changed in place is named as the variable that holds it)
            node.must_name = True
            node.meta.setdefault("grad_of", of)

    # ---- what Syms tell ---------------------------------------------------------------------------
    def escape(self, node: Node, what: str) -> None:
        """A traced value left NumPy's protocol: the trace would hold for this value only, so it stops here."""
        if node.sources:  # (a constant: nothing to follow)
            frame = _caller()
            owner, code = frame.f_locals.get("self"), frame.f_code  # (co_qualname: Python 3.11 on)
            where = f"{type(owner).__name__}.{code.co_name}" if owner is not None else code.co_name
            raise TracingError(
                f"tg.compile: {where} ({code.co_filename}:{frame.f_lineno}) takes the value of "
                f"{', '.join(sorted(node.sources))} out of NumPy's protocol (it is {what}); write it with NumPy "
                "calls that take the array as it is (np.copy(x) or x.copy() rather than np.array(x), x.item() "
                "rather than float(x)), or call the step without tg.compile"
            )

    def decide(self, node: Node, what: str) -> None:
        """Python control flow in the user's code read a traced value: warn that it is frozen at trace time."""
        frame = _caller()
        if node.sources and not frame.f_globals.get("__name__", "").startswith("tinygrad_edu."):
            message = f"tg.compile: {what} reads the value of a traced tensor here; Python control flow is frozen "
            message += "at trace time, so the compiled step always does what this call did"
            warnings.warn_explicit(message, TracingWarning, frame.f_code.co_filename, frame.f_lineno)

    # ---- running the step, and what it leaves ------------------------------------------------------
    def run(self) -> Any:
        """Call the step once with everything bound (see bind_all) and return what it returned; `returns` and
        `writes` say what each call returns and writes back, as source. A random draw inside warns."""
        _ACTIVE.append(self)
        hooks.add(self)
        try:
            traced = self.bind_all()  # (the state now, before the step changes it)
            before = _random_states(self.variables)
            result = self.fn(*traced)
            self.pending_grads()
            self.returns = self.returned(result)
            self.write_back()
        finally:
            hooks.remove(self)
            self.pending_grads()
            self.restore()
            _ACTIVE.remove(self)
        after = _random_states(self.variables)
        drawn = [name for (name, state), (_, later) in zip(before, after) if state != later]
        if drawn:
            warnings.warn_explicit(
                f"tg.compile: {self.name} drew random numbers ({', '.join(drawn)}) while traced: they are "
                "drawn once, when traced; every compiled call reuses those numbers. Draw them outside and pass "
                "them in as an argument.",
                TracingWarning,
                *self.where,
            )
        namespace = dict(self.constants, np=np, _tensor=Tensor._from_op, _note_in_place=note_in_place)
        return eval(self.returns, namespace, {"_out": [node.value for node in self.outputs]})

    def roots(self) -> list[tuple[str, Any]]:
        """The step's variables, (name, value), that bind_all binds from: its closure, the globals it names, its
        arguments that are not tensors, its object and that object's attributes. Each is guarded by identity, or
        as still none of the kinds the trace follows; the state below them (modules, optimizers, tensors) is
        guarded by bind_all's walk. Each call reads the guards, with no walk.
        """
        from tinygrad_edu.nn.module import Module
        from tinygrad_edu.optim.optimizer import Optimizer

        args, ref, guards = self.args, self.ref, self.guards
        kinds = (Tensor, Module, Optimizer, list, tuple, dict)
        func, owner = getattr(self.fn, "__func__", self.fn), getattr(self.fn, "__self__", None)
        code = getattr(func, "__code__", None)
        cells = zip(getattr(code, "co_freevars", ()), getattr(func, "__closure__", None) or ())
        try:
            names, namespace = sorted(inspect.getclosurevars(func).globals), func.__globals__  # the globals it reads
        except (TypeError, ValueError):
            names, namespace = [], {}
        roots = [(name, _contents(cell), f"{ref(_contents)}({ref(cell)})") for name, cell in cells]
        roots += [(name, namespace.get(name), f"{ref(namespace)}.get({name!r})") for name in names]
        roots += [(self.arg_names[i], a, f"_args[{i}]") for i, a in enumerate(args) if not isinstance(a, Tensor)]
        guards += [
            self.same(read, v) if isinstance(v, kinds) else f"not isinstance({read}, {ref(kinds)})"
            for _, v, read in roots
        ]
        named = [(name, value) for name, value, _ in roots]
        if owner is not None:
            named += [("layer", owner), *vars(owner).items()]
            mine = [id(v) for v in vars(owner).values() if isinstance(v, kinds)]
            guards.append(f"[id(v) for v in {ref(owner)}.__dict__.values() if isinstance(v, {ref(kinds)})] == {mine}")
        return named

    def returned(self, result: Any) -> str:
        """What the step returned, as source from the function's outputs `_out` (a tensor: a new tensor outside
        the graph) and constants."""
        if isinstance(result, Tensor) and isinstance(result.data, Sym):  # (an ndarray, as each call computes it)
            out = self._written(result.data)
            return f"_tensor({out if type(result.data.value) is np.ndarray else f'np.asarray({out})'}, None)"
        if isinstance(result, (Sym, SymFloat)):
            return self._written(result)
        if type(result) is float and self.floats.get(id(result), (None,))[0] is result:
            return f"_out[{self._out(self.floats[id(result)][1])}]"
        if type(result) in (tuple, list):
            items = "".join(f"{self.returned(r)}, " for r in result)
            return f"({items})" if type(result) is tuple else f"[{items}]"
        if type(result) is dict:
            return "{" + "".join(f"{self.ref(k)}: {self.returned(v)}, " for k, v in result.items()) + "}"
        if type(result) is float:
            message = "tg.compile: the step returns a float the trace cannot follow (return loss or loss.item()); "
            warnings.warn(message + "the compiled step returns this value at every call", TracingWarning, 2)
        return self.ref(result)

    def _out(self, node: Node) -> int:
        self.outputs.append(node)
        return len(self.outputs) - 1

    def _written(self, value: Any) -> str:
        """What a slot gets at each call: an output of the function, or a constant (a copy of it)."""
        return f"_out[{self._out(value.node)}]" if isinstance(value, (Sym, SymFloat)) else f"{self.ref(value)}.copy()"

    def write_back(self) -> None:
        """The lines each call runs after the function: the gradients, data and state arrays the step set; a new
        version of each tensor it changed in place, as eagerly."""
        for t in self.tensors:  # (a gradient goes to the slot under .grad, as the engine's: it has t's shape)
            g, (g0, sym) = t.grad, self.grads.get(id(t), (None, None))  # (None, None): no gradient was bound
            if g is None and g0 is None and any(t is n for n in self.grad_none):
                continue
            if g is None or g is not g0 or g.data is not sym or sym.node.variable.kind != "arg":  # type: ignore
                self.writes.append(
                    f"{self.tensor(t)}._grad = {'None' if g is None else f'_tensor({self._written(g.data)}, None)'}"
                )
        changed: list[str] = []
        for get, node, owner in self.slots:
            value = get()
            if not (isinstance(value, Sym) and value.node.variable is node):
                self.writes.append(f"{node.meta['read']} = {self._written(value)}")
            elif value.node.kind == "stmt" and owner is not None:
                changed.append(self.tensor(owner))
        if changed:  # (Tensor._bump_version written out for a leaf that shares its data with no view)
            self.writes += ["_note_in_place()", f"for _t in [{', '.join(changed)}]:"]
            self.writes.append("    if _t.grad_fn is None and getattr(_t, '_aliases', None) is None: _t._version += 1")
            self.writes.append("    else: _t._bump_version()")
        for opt in self.optimizers:  # state made in this call (Adam's first step): the trace is not kept
            self.state_created |= {id(p): set(s) for p, s in opt.state.items()} != self.state_keys[id(opt)]

    def restore(self) -> None:
        """Put real arrays back into every tensor, gradient, state entry and param group the trace bound."""
        for t in self.tensors:
            t.data = real(t.data)
        for g in [t.grad for t in self.tensors if t.grad is not None] + [g for g, _ in self.grads.values()]:
            g.data = real(g.data)
        for opt in self.optimizers:
            for entries in opt.state.values():
                entries.update({key: real(value) for key, value in entries.items()})
        for group, key, original, stand_in in self.hypers:
            group[key] = original if group.get(key) is stand_in else real(group.get(key))


def _as_array(x: Sym) -> None:
    """A NumPy scalar as an op's output or a gradient becomes a 0-d array, as the engine's as_array makes it."""
    if isinstance(x.value, np.generic):
        x.value = np.asarray(x.value)
        x.node = Node("expr", ["np.asarray(", (x.node, 0), ")"], ATOM, x.value)


def _caller() -> Any:
    """The innermost frame of the user's code or the library, passing over the frames that only pass a value on:
    tg.compile's, Tensor's methods (for `if loss > 1:` the decision is __bool__'s caller's), NumPy's and Python's."""
    frame = sys._getframe(1)
    while frame.f_back is not None and (
        (module := frame.f_globals.get("__name__", "")).startswith(("tinygrad_edu.compiler.", "numpy"))
        or module in _TENSOR
        or module.split(".")[0] in sys.stdlib_module_names
    ):
        frame = frame.f_back
    return frame


def same_array(read: str, array: np.ndarray, ref: Callable) -> str:
    """A guard that the array `read` has array's shape and dtype."""
    return f"({read}.shape == {array.shape!r} and {read}.dtype == {ref(array.dtype)})"


def _contents(cell: Any) -> Any:
    try:
        return cell.cell_contents
    except ValueError:  # a cell not yet filled
        return None


def _random_states(values: list[Any]) -> list[tuple[str, bytes]]:
    """(name, pickled state) of NumPy's global RandomState, tg's generator and each Generator or RandomState
    among `values`, the step's variables: a draw inside the traced call changes one of these."""
    from tinygrad_edu.creation import default_generator

    generators = [("np.random", np.random.mtrand._rand), ("tg.manual_seed's generator", default_generator())]
    generators += [(type(g).__name__, g) for g in values if isinstance(g, (np.random.Generator, np.random.RandomState))]
    return [(name, pickle.dumps(g)) for name, g in generators]


def numbered(name: str, taken: Any) -> str:
    """`name`, or the first of name_2, name_3, ... that is not in `taken`."""
    base, k = name, 2
    while name in taken:
        name, k = f"{base}_{k}", k + 1
    return name
