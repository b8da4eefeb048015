"""CompiledStep, what `tg.compile(train_step)` returns: each trace with its `StateKey` and its generated `call`
(checks, reads, the step's function, write-back); a call no trace accepts traces anew (up to `max_traces`)."""

from __future__ import annotations

import inspect
import itertools
import math
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

__all__ = ["CompiledStep", "StateKey"]

_COUNTER = itertools.count(1)
_OPTIONS = {str, int, float, bool, type(None)}  # the types of a module's options


class _Mismatch(Exception):
    """The arguments or state differ from the trace's in kind, shape or structure: try another trace."""


class CompiledStep:
    """A training step compiled to straight-line NumPy (see tg.compile): call it as the original function.

    Attributes:
        source: the generated function of the latest trace (forward, backward and update).
        traces: how many traces it keeps (1 unless shapes or the program's state changed).
        eager_calls: how many calls ran eagerly (after max_traces, or when the step cannot be compiled).
    """

    def __init__(self, fn: Callable, names: Any = None, max_traces: int = 8) -> None:
        self.fn, self.names, self.max_traces = fn, names, max_traces
        self.traces = self.eager_calls = 0
        self._entries: list[_Entry] = []
        self._warned: set[str] = set()
        func = getattr(fn, "__func__", fn)
        self._owner, self._namespace = getattr(fn, "__self__", None), getattr(func, "__globals__", {})
        self._cells = list(zip(getattr(getattr(func, "__code__", None), "co_freevars", ()), func.__closure__ or ()))
        try:
            self._globals = sorted(inspect.getclosurevars(func).globals)  # the global names it reads
        except (TypeError, ValueError):
            self._globals = []
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
        signature = _signature(args)
        for entry in self._entries:
            if entry.signature == signature and entry.state.matches(args):
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

    def _trace(self, args: tuple) -> Any:
        """Run the step once, traced (a TracingError stops it there); compile what it did."""
        state = StateKey(self, args)
        tracer = Tracer(self.fn, args, self.names, state.roots)
        generators = random_states([value for _, value in state.roots])
        tracer.run()
        drawn = [name for name, g, before in generators if _state(g) != before]
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
            self.max_traces = 0  # every later call runs eagerly, with this one warning
            self._warned.add("limit")
            warnings.warn(f"tg.compile: {self.__name__} uses {tracer.escaped}; it runs eagerly", TracingWarning, 3)
            return result
        if tracer.state_created:  # the optimizer made its state in this call (Adam's first step): trace the next
            return result
        self.traces += 1
        shapes = ", ".join(f"{n}: {_describe(a)}" for n, a in zip(tracer.arg_names, args)) or "no arguments"
        title = (
            f"Compiled by tg.compile from {self.__name__} ({os.path.basename(self._where[0])}:{self._where[1]}), "
            f"for {shapes}.\nEach line is one op's forward, backward or update, in the order the engine runs them."
        )
        self._entries.insert(
            0, _Entry(tracer, title, f"<tg.compile of {self.__name__} #{next(_COUNTER)}>", args, state)
        )
        for node in tracer.nodes:  # let the traced call's intermediate arrays go
            node.value, node.args, node.meta = None, (), {}
        return result

    def __repr__(self) -> str:
        return f"<CompiledStep of {self.__name__}: {self.traces} trace(s)>"


class _Entry:
    """One trace: its generated function, and the generated `call` that checks, reads and writes back."""

    def __init__(self, tracer: Tracer, title: str, filename: str, args: tuple, state: StateKey) -> None:
        self.source, self.fn, bindings = generate(tracer, title, filename)
        self.structure, self.state = tracer.structure, state
        self.signature, lines = _signature(args), [f"_a{i} = _args[{i}]" for i in range(len(args))]
        ns: dict[str, Any] = dict(_Mismatch=_Mismatch, _kernel=self.fn, _new=_new_tensor, _s=self)
        ns.update(_rebuild=_rebuild, _note_in_place=note_in_place)

        def ref(value: Any) -> str:
            ns[f"_c{len(ns)}"] = value
            return f"_c{len(ns) - 1}"

        def tensor(t: Any) -> str:  # how the call finds tensor t: the argument it was, or the tensor itself
            b = tracer.bound.get(id(t))
            return f"_a{b.key}" if b is not None and b.kind == "input" else ref(t)

        def same_array(v: str, array: np.ndarray) -> str:
            return f"{v} is not {ref(array)} and ({v}.shape != {array.shape!r} or {v}.dtype != {ref(array.dtype)})"

        lines += [f"if {tensor(t)}._grad is not None: raise _Mismatch" for t in tracer.grad_none]
        for b in bindings:  # 1. what the function receives, read now
            if b.kind == "input":
                lines.append(f"{b.name} = _a{b.key}{'.data' if isinstance(args[b.key], Tensor) else ''}")
            elif b.kind == "tensor":
                lines += [f"{b.name} = {ref(b.key)}.data", f"if {same_array(b.name, b.value)}: raise _Mismatch"]
            elif b.kind == "grad":
                lines += [f"_g = {tensor(b.key)}._grad", "if _g is None: raise _Mismatch", f"{b.name} = _g.data"]
            elif b.kind == "hyper":
                lines.append(f"{b.name} = {ref(b.key[0])}.param_groups[{b.key[1]}][{b.key[2]!r}]")
            else:  # state
                read = f"{ref(b.key[0])}.state.get({ref(b.key[1])}, {{}}).get({b.key[2]!r})"
                lines += [f"{b.name} = {read}", f"if {b.name} is None: raise _Mismatch"]
        lines.append(f"_out = _kernel({', '.join(b.name for b in bindings)})")
        # 2. write back gradients (to the slot under .grad, as the engine: they have t's shape and dtype), data
        # and state; a tensor changed in place counts a new version, as eagerly
        for t, value in tracer.grad_writes:
            lines.append(f"{tensor(t)}._grad = {_value(value, ref, tensor=True)}")
        for t, value in tracer.data_writes:
            lines.append(f"{tensor(t)}.data = {_value(value, ref)}")
        for opt, p, name, value in tracer.state_writes:
            lines.append(f"{ref(opt)}.state[{ref(p)}][{name!r}] = {_value(value, ref)}")
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


def _signature(args: tuple) -> list:
    """What a trace is specialised to in its arguments: kinds, shapes, dtypes, requires_grad and which tensor
    is passed twice; a float's type only (it is traced); the value of anything else."""
    ids = [*map(id, args)]
    return [
        (type(a), a.requires_grad, a.data.shape, a.data.dtype, ids.index(id(a)))
        if isinstance(a, Tensor)
        else (type(a), a.shape, a.dtype, ids.index(id(a)))
        if isinstance(a, np.ndarray)
        else float
        if type(a) is float
        else (type(a), a)
        for a in args
    ]


def _contents(cell: Any) -> Any:
    try:
        return cell.cell_contents
    except ValueError:  # a cell not yet filled
        return None


def _new_tensor(array: np.ndarray) -> Tensor:
    return Tensor._from_op(array, None)


def _describe(a: Any) -> str:
    """An argument as the source's title names it: 'float64 (4, 2)', 'float', or its repr."""
    a = a.data if isinstance(a, Tensor) else a
    return f"{a.dtype} {a.shape}" if isinstance(a, np.ndarray) else "float" if type(a) is float else repr(a)


# ---- the program state a trace was made under ----------------------------------------------------------


class StateKey:
    """What a trace froze of the program state, as one generated expression (`source`) of the facts to read.

    The objects are found once, by walking what the step refers to: its variables (by identity), the
    modules (`training`, options that are plain values such as `reduction`, sub-modules and parameters
    by identity), the optimizers (param groups, their parameters, hyper-parameters but lr) and the
    tensors (requires_grad). `matches(args)` at each call reads them, with no walk.
    """

    def __init__(self, step: CompiledStep, args: tuple) -> None:
        from tinygrad_edu.nn.module import Module
        from tinygrad_edu.optim.optimizer import Optimizer

        kinds = (Tensor, Module, Optimizer, list, tuple, dict)
        ns: dict[str, Any] = dict(_contents=_contents, _kinds=kinds)

        def ref(value: Any) -> str:
            ns[f"_o{len(ns)}"] = value
            return f"_o{len(ns) - 1}"

        def same(read: str, value: Any) -> str:  # a plain value as a literal (but nan, inf); an object by identity
            if type(value) not in _OPTIONS or (type(value) is float and not math.isfinite(value)):
                return f"{read} is {ref(value)}"
            return f"{read} {'is' if value is None or type(value) is bool else '=='} {value!r}"

        def root(read: str, value: Any) -> str:  # a variable of the step: the same object, or still none of kinds
            return same(read, value) if isinstance(value, kinds) else f"not isinstance({read}, _kinds)"

        # the step's variables: its closure, the globals it names, its arguments that are not tensors (each trace
        # checks those itself), its object and that object's attributes; the tracer binds what they reach
        roots = [(name, _contents(cell), f"_contents({ref(cell)})") for name, cell in step._cells]
        roots += [(name, step._namespace.get(name), f"{ref(step._namespace)}.get({name!r})") for name in step._globals]
        roots += [(f"arg{i}", a, f"_args[{i}]") for i, a in enumerate(args) if not isinstance(a, Tensor)]
        reads = [root(read, value) for _, value, read in roots]
        self.roots = [(name, value) for name, value, _ in roots]
        if step._owner is not None:
            self.roots += [("layer", step._owner), *vars(step._owner).items()]
            mine = [id(v) for v in vars(step._owner).values() if isinstance(v, kinds)]
            reads.append(f"[id(v) for v in {ref(step._owner)}.__dict__.values() if isinstance(v, _kinds)] == {mine}")
        found: set[int] = set()
        stack = [value for _, value in self.roots]
        while stack:
            v = stack.pop()
            if id(v) in found or not isinstance(v, kinds):
                continue
            found.add(id(v))
            if isinstance(v, Tensor):
                reads.append(same(f"{ref(v)}.requires_grad", v.requires_grad))
            elif isinstance(v, Module):
                m = ref(v)
                reads += [same(f"{m}.{k}", option) for k, option in vars(v).items() if type(option) in _OPTIONS]
                for slot in ("_modules", "_parameters"):  # the same sub-modules and parameters, by identity
                    items = getattr(v, slot)
                    reads += [f"len({m}.{slot}) == {len(items)}"]
                    reads += [f"{m}.{slot}[{k!r}] is {ref(item)}" for k, item in items.items()]
                stack += [*v._modules.values(), *v._parameters.values()]
            elif isinstance(v, Optimizer):
                o = ref(v)
                reads.append(f"len({o}.param_groups) == {len(v.param_groups)}")
                for i, g in enumerate(v.param_groups):
                    params = [id(p) for p in g["params"]]
                    reads += [
                        f"len({o}.param_groups[{i}]) == {len(g)}",
                        f"[*map(id, {o}.param_groups[{i}]['params'])] == {params}",
                    ]
                    reads += [
                        same(f"{o}.param_groups[{i}][{k!r}]", h) for k, h in g.items() if k not in ("params", "lr")
                    ]
                stack += [p for group in v.param_groups for p in group["params"]]
            else:
                stack += list(v.values() if isinstance(v, dict) else v)
        self.source = "lambda _args: (\n    " + "\n    and ".join(reads or ["True"]) + "\n)"
        self.read = eval(compile(self.source, "<tg.compile state key>", "eval"), ns)

    def matches(self, args: tuple) -> bool:
        """Whether the state now is the trace's (a param group, option or sub-module that is gone: it is not)."""
        try:
            return self.read(args)
        except (IndexError, KeyError, AttributeError):
            return False


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
