"""CompiledStep, what `tg.compile(train_step)` returns: it traces on the first call and replays afterwards.

Each trace has a generated `call` (`call_source`): it checks that the program state is as when traced
(`StateGuard`) and that the arguments have the same kinds, shapes and dtypes (values, for other Python
values), reads what the trace bound, runs the step's function and writes its outputs back. A call that
no trace accepts is traced anew (up to `max_traces`).
"""

from __future__ import annotations

import inspect
import itertools
import os
import pickle
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np

from tinygrad_edu.autograd import note_in_place
from tinygrad_edu.compiler.codegen import generate
from tinygrad_edu.compiler.sym import _ACTIVE, TracingError, TracingWarning
from tinygrad_edu.compiler.tracer import Tracer
from tinygrad_edu.tensor import Tensor

__all__ = ["CompiledStep", "StateGuard"]

_COUNTER = itertools.count(1)
_OPTIONS = (str, int, float, bool, type(None))  # a module's options and an optimizer's hyper-parameters
_MISSING = object()


class _Mismatch(Exception):
    """The arguments or state differ from the trace's in kind, shape or structure: try another trace."""


class CompiledStep:
    """A training step compiled to straight-line NumPy: call it as the original function.

    Attributes:
        source: the generated function of the latest trace (forward, backward and update).
        traces: how many traces it keeps (1 unless shapes or the program's state changed).

    Example:
        >>> step = tg.compile(train_step)
        >>> loss = step(x, y)          # traces, and trains once
        >>> loss = step(x, y)          # replays the generated code
        >>> print(step.source)
        # Compiled by tg.compile from train_step ...
        ...
    """

    def __init__(self, fn: Callable, names: Any = None, max_traces: int = 8) -> None:
        self.fn, self.names, self.max_traces = fn, names, max_traces
        self.traces = self.eager_calls = 0
        self._entries: list[_Entry] = []
        self._warned: set[str] = set()
        self._guard = StateGuard(fn)
        self.__wrapped__, self.__doc__ = fn, getattr(fn, "__doc__", None)
        self.__name__ = getattr(fn, "__name__", "step")
        code = getattr(getattr(fn, "__func__", fn), "__code__", None)
        self._where = (code.co_filename, code.co_firstlineno) if code else ("<tg.compile>", 0)

    @property
    def source(self) -> str:
        """The source of the latest trace's function (empty before the first trace)."""
        return self._entries[0].source if self._entries else ""

    @property
    def function(self) -> Callable | None:
        """The latest trace's generated function itself (inspect.getsource works on it)."""
        return self._entries[0].fn if self._entries else None

    @property
    def call_source(self) -> str:
        """The code around it: the checks, how arguments, parameters and state are read, what is written back."""
        return self._entries[0].call_source if self._entries else ""

    def __call__(self, *args: Any) -> Any:
        if _ACTIVE:
            raise TracingError(
                f"tg.compile: {self.__name__} is a compiled step, called while another step is traced; "
                "compile only the outer step (call the inner one's .fn)"
            )
        for entry in self._entries:
            try:
                return entry.call(args)
            except _Mismatch:
                continue
        if self.traces >= self.max_traces:
            if "limit" not in self._warned:
                self._warned.add("limit")
                why = f"{self.traces} traces already (max_traces); calls with new shapes run eagerly"
                warnings.warn(f"tg.compile: {why}", TracingWarning, stacklevel=2)
            self.eager_calls += 1
            return self.fn(*args)
        return self._trace(args)

    def _give_up(self, why: str, result: Any) -> Any:
        """Run every later call eagerly, with one warning saying why."""
        self.max_traces = 0
        self._warned.add("limit")
        warnings.warn(f"tg.compile: {why}", TracingWarning, stacklevel=4)
        return result

    def _trace(self, args: tuple) -> Any:
        """Run the step once, traced (a TracingError stops it there); compile what it did."""
        roots = [(name, value) for name, _, value in self._guard.roots(args)]
        tracer = Tracer(self.fn, args, self.names, roots)
        checks = self._guard.check(args)  # the program state as the call found it
        generators = random_states([value for _, value in roots])
        tracer.run()
        drawn = [name for name, g, state in generators if _state(g) != state]
        if drawn:
            warnings.warn_explicit(
                f"tg.compile: {self.__name__} drew random numbers ({', '.join(drawn)}) while traced: they are "
                "drawn once, when traced; every compiled call reuses those numbers. Draw them outside and pass "
                "them in as an argument.",
                TracingWarning,
                *self._where,
            )
        result = _rebuild(tracer.structure, [node.value for node in tracer.outputs])
        if tracer.escaped:  # the trace would hold for this one value only
            return self._give_up(f"{self.__name__} uses {tracer.escaped}; it runs eagerly", result)
        if tracer.state_created:  # the optimizer made its state in this call (Adam's first step): trace the next
            return result
        self.traces += 1
        shapes = ", ".join(f"{n}: {_describe(a)}" for n, a in zip(tracer.arg_names, args)) or "no arguments"
        title = (
            f"Compiled by tg.compile from {self.__name__} ({os.path.basename(self._where[0])}:{self._where[1]}), "
            f"for {shapes}.\nEach line is one op's forward, backward or update, in the order the engine runs them."
        )
        try:
            entry = _Entry(tracer, title, f"<tg.compile of {self.__name__} #{next(_COUNTER)}>", args, checks)
        except Exception as error:  # a fault of tg.compile's, not of the step: keep training, eagerly
            why = f"could not compile {self.__name__} ({type(error).__name__}: {error}); it runs eagerly"
            return self._give_up(why + ". Please report this", result)
        self._entries.insert(0, entry)
        for node in tracer.nodes:  # let the traced call's intermediate arrays go
            node.value, node.args, node.meta = None, (), {}
        return result

    def __repr__(self) -> str:
        return f"<CompiledStep of {self.__name__}: {self.traces} trace(s)>"


class _Entry:
    """One trace: its generated function, and the generated `call` that checks, reads and writes back."""

    def __init__(self, tracer: Tracer, title: str, filename: str, args: tuple, checks: tuple[list, dict]) -> None:
        self.source, self.fn, bindings = generate(tracer, title, filename)
        self.structure = tracer.structure
        lines = [f"if len(_args) != {len(args)}: raise _Mismatch"] + [f"if {c}: raise _Mismatch" for c in checks[0]]
        ns: dict[str, Any] = dict(checks[1], _Mismatch=_Mismatch, _kernel=self.fn, _new=_new_tensor, _s=self)
        ns.update(_rebuild=_rebuild, _note_in_place=note_in_place)

        def ref(value: Any) -> str:
            ns[f"_c{len(ns)}"] = value
            return f"_c{len(ns) - 1}"

        def tensor(t: Any) -> str:  # how the call finds tensor t: the argument it was, or the tensor itself
            b = tracer.bound.get(id(t))
            return f"_a{b.key}" if b is not None and b.kind == "input" else ref(t)

        def same_array(v: str, array: np.ndarray) -> str:
            return f"{v} is not {ref(array)} and ({v}.shape != {array.shape!r} or {v}.dtype != {ref(array.dtype)})"

        for i, a in enumerate(args):  # 1. the arguments: the same kinds, shapes and dtypes (values, for the rest)
            lines.append(f"_a{i} = _args[{i}]")
            same = next((j for j in range(i) if args[j] is a and isinstance(a, Tensor)), None)
            if same is not None:  # one tensor passed twice when traced: it must be again
                lines.append(f"if _a{i} is not _a{same}: raise _Mismatch")
            elif isinstance(a, (Tensor, np.ndarray)):
                grad = f" or _a{i}.requires_grad is not {a.requires_grad}" if isinstance(a, Tensor) else ""
                data = ".data" if isinstance(a, Tensor) else ""
                lines.append(f"if type(_a{i}) is not {ref(type(a))}{grad}: raise _Mismatch")
                lines += [f"_v{i} = _a{i}{data}", f"if {same_array(f'_v{i}', np.asarray(a))}: raise _Mismatch"]
            elif type(a) is float:
                lines.append(f"if type(_a{i}) is not float: raise _Mismatch")
            else:
                lines.append(f"if type(_a{i}) is not {ref(type(a))} or _a{i} != {ref(a)}: raise _Mismatch")
        lines += [f"if {tensor(t)}._grad is not None: raise _Mismatch" for t in tracer.grad_none]
        for b in bindings:  # 2. what the function receives, read now
            if b.kind == "input":
                lines.append(f"{b.name} = _{'v' if isinstance(args[b.key], (Tensor, np.ndarray)) else 'a'}{b.key}")
            elif b.kind == "tensor":
                lines += [f"{b.name} = {ref(b.key)}.data", f"if {same_array(b.name, b.value)}: raise _Mismatch"]
            elif b.kind == "grad":
                lines += [f"_g = {tensor(b.key)}._grad", "if _g is None: raise _Mismatch", f"{b.name} = _g.data"]
            elif b.kind == "hyper":
                lines.append(f"{b.name} = {ref(b.key[0])}.param_groups[{b.key[1]}][{b.key[2]!r}]")
            else:  # state
                state = f"{ref(b.key[0])}.state.get({ref(b.key[1])}, {{}}).get({b.key[2]!r})"
                lines += [f"{b.name} = {state}", f"if {b.name} is None: raise _Mismatch"]
        lines.append(f"_out = _kernel({', '.join(b.name for b in bindings)})")
        # 3. write back gradients (to the slot under .grad, as the engine: they have t's shape and dtype), data
        # and state; a tensor changed in place counts a new version, as eagerly
        for t, value in tracer.grad_writes:
            lines.append(f"{tensor(t)}._grad = {_value(value, ref, tensor=True)}")
        for t, value in tracer.data_writes:
            lines.append(f"{tensor(t)}.data = {_value(value, ref)}")
        for opt, p, key, value in tracer.state_writes:
            lines.append(f"{ref(opt)}.state[{ref(p)}][{key!r}] = {_value(value, ref)}")
        if tracer.changed:  # (Tensor._bump_version written out for a leaf that shares its data with no view)
            lines.append("_note_in_place()")
        for t in tracer.changed:
            lines += [
                f"_t = {tensor(t)}",
                "if _t.grad_fn is None and getattr(_t, '_aliases', None) is None: _t._version += 1",
                "else: _t._bump_version()",
            ]
        lines.append("return _rebuild(_s.structure, _out)")
        self.call_source = "def call(_args):\n" + "".join(f"    {line}\n" for line in lines)
        exec(compile(self.call_source, filename + ":call", "exec"), ns)
        self.call = ns["call"]


def _value(value: Any, ref: Callable, tensor: bool = False) -> str:
    """The source of what a written-back attribute gets: an output of the function, a constant (copied), or None."""
    if value is None:
        return "None"
    text = f"{ref(value[1])}.copy()" if isinstance(value, tuple) else f"_out[{value}]"
    return f"_new({text})" if tensor else text


def _rebuild(structure: Any, values: Any) -> Any:
    """The step's return value from the function's outputs: a tensor as a new tensor outside the graph."""
    kind, body = structure
    if kind == "tensor":
        return _new_tensor(np.asarray(values[body]))
    if kind in ("float", "array"):
        return values[body]
    if kind in ("tuple", "list"):
        items = [_rebuild(s, values) for s in body]
        return tuple(items) if kind == "tuple" else items
    return {k: _rebuild(v, values) for k, v in body.items()} if kind == "dict" else body


def _new_tensor(array: np.ndarray) -> Tensor:
    return Tensor._from_op(array, None)


def _describe(a: Any) -> str:
    """An argument as the source's title names it: 'float64 (4, 2)', 'float', or its repr."""
    a = a.data if isinstance(a, Tensor) else a
    return f"{a.dtype} {a.shape}" if isinstance(a, np.ndarray) else "float" if type(a) is float else repr(a)


# ---- the program state a trace was made under ----------------------------------------------------------


class StateGuard:
    """What a step refers to (its closure, globals, object and arguments), and the checks that it is as it was.

    A trace freezes what it saw: which modules train, which parameters require grad, the module tree,
    each optimizer's param groups and hyper-parameters, a module's options (a loss's `reduction`). So
    after `model.eval()`, `requires_grad_(False)`, a replaced sub-module, `add_param_group(...)` or
    `loss_fn.reduction = 'sum'` the step traces again. `check` writes the test as lines of the trace's
    generated call, one per fact, so a compiled call pays microseconds for it.
    """

    def __init__(self, fn: Callable) -> None:
        self.func = func = getattr(fn, "__func__", fn)
        self.owner = getattr(fn, "__self__", None)
        self.cells = getattr(func, "__closure__", None) or ()
        try:
            self.global_names = sorted(inspect.getclosurevars(func).globals)
        except (TypeError, ValueError):
            self.global_names = []
        self.globals = getattr(func, "__globals__", {})

    def roots(self, args: tuple) -> list[tuple[str, str, Any]]:
        """(name, how a call reaches it, value) for what the step refers to (not its tensor arguments,
        which each trace checks itself)."""
        found = []
        for i, (name, cell) in enumerate(
            zip(getattr(getattr(self.func, "__code__", None), "co_freevars", ()), self.cells)
        ):
            try:
                found.append((name, f"_cells[{i}].cell_contents", cell.cell_contents))
            except ValueError:  # a cell not yet filled
                pass
        found += [(name, f"_globals.get({name!r})", self.globals.get(name)) for name in self.global_names]
        if self.owner is not None:
            found.append(("layer", "_owner", self.owner))
            found += [(k, f"_owner.__dict__.get({k!r})", v) for k, v in getattr(self.owner, "__dict__", {}).items()]
        return found + [(f"arg{i}", f"_args[{i}]", a) for i, a in enumerate(args) if not isinstance(a, Tensor)]

    def check(self, args: tuple) -> tuple[list[str], dict[str, Any]]:
        """Conditions that are True once a module, optimizer or tensor the step refers to has changed, and
        the namespace they read."""
        from tinygrad_edu.nn.module import Module
        from tinygrad_edu.optim.optimizer import Optimizer

        lines: list[str] = []
        ns: dict[str, Any] = {"_cells": self.cells, "_globals": self.globals, "_owner": self.owner}
        ns["_missing"] = _MISSING
        seen: set[int] = set()

        def ref(value: Any) -> str:
            ns[f"_o{len(ns)}"] = value
            return f"_o{len(ns) - 1}"

        def value(expr: str, v: Any, depth: int, member: bool = False) -> None:
            # a member (a module's parameter, in a param group) must be the same tensor; a variable may be rebound
            if isinstance(v, Tensor) and member:
                name = ref(v)
                lines.append(f"{expr} is not {name} or {name}.requires_grad is not {v.requires_grad}")
            elif isinstance(v, Tensor):
                lines.append(f"getattr({expr}, 'requires_grad', None) is not {v.requires_grad}")
            elif v is None and member:
                lines.append(f"{expr} is not None")
            elif isinstance(v, (Module, Optimizer)):
                name = ref(v)
                lines.append(f"{expr} is not {name}")
                if id(v) not in seen:
                    seen.add(id(v))
                    (module if isinstance(v, Module) else optimizer)(name, v)
            elif depth == 0 and isinstance(v, (list, tuple, dict)):
                items = list(v.items() if isinstance(v, dict) else enumerate(v))
                if any(isinstance(x, (Tensor, Module, Optimizer)) for _, x in items):
                    lines.append(f"not isinstance({expr}, {type(v).__name__}) or len({expr}) != {len(v)}")
                    for key, item in items:
                        value(f"{expr}[{key!r}]", item, depth + 1)

        def module(m: str, mod: Any) -> None:  # its mode, options, sub-modules and parameters
            lines.append(f"{m}.training is not {mod.training}")
            lines.extend(
                f"{m}.__dict__.get({k!r}, _missing) != {ref(v)}"
                for k, v in vars(mod).items()
                if k != "training" and not k.startswith("_") and isinstance(v, _OPTIONS)
            )
            for registry in ("_modules", "_parameters"):
                lines.append(f"len({m}.{registry}) != {len(getattr(mod, registry))}")
                for name, member in getattr(mod, registry).items():
                    value(f"{m}.{registry}.get({name!r}, _missing)", member, depth=1, member=True)

        def optimizer(o: str, opt: Any) -> None:  # its param groups, their parameters and hyper-parameters but lr
            lines.append(f"len({o}.param_groups) != {len(opt.param_groups)}")
            for i, group in enumerate(opt.param_groups):
                g = f"{o}.param_groups[{i}]"
                lines.append(f"len({g}) != {len(group)} or len({g}['params']) != {len(group['params'])}")
                lines.extend(
                    f"{g}.get({k!r}, _missing) != {ref(v)}"
                    for k, v in group.items()
                    if k not in ("params", "lr") and isinstance(v, (*_OPTIONS, tuple))
                )
                for j, p in enumerate(group["params"]):
                    value(f"{g}['params'][{j}]", p, depth=1, member=True)

        for _, expr, v in self.roots(args):
            value(expr, v, depth=0)
        return lines, ns


def random_states(roots: list[Any]) -> list[tuple[str, Any, Any]]:
    """(name, generator, its state now) for NumPy's global RandomState, tg's generator and every Generator or
    RandomState the step refers to: a draw inside the traced call changes one of these states."""
    from tinygrad_edu.creation import default_generator

    generators = [("np.random", np.random.mtrand._rand), ("tg.manual_seed's generator", default_generator())]
    generators += [(type(g).__name__, g) for g in roots if isinstance(g, (np.random.Generator, np.random.RandomState))]
    return [(name, g, _state(g)) for name, g in generators]


def _state(g: Any) -> bytes:
    """The generator's state as bytes, to compare (it is a dict of ints and arrays)."""
    return pickle.dumps(g.bit_generator.state if isinstance(g, np.random.Generator) else g.get_state(legacy=False))
