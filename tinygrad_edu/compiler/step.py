"""CompiledStep: what `tg.compile(train_step)` returns; it traces on the first call and replays afterwards.

A call goes through one cached trace whose guards accept the arguments (the same shapes, dtypes and
Python values as when traced; the optimizer's hyper-parameters unchanged): it reads the current
arrays of the parameters and the optimizer's state, runs the generated function, and writes the new
gradients back to `.grad`. A call no trace accepts is traced anew (up to `max_traces` traces). Where
the trace had to assume the *values* of an input (see `TracingError` and the module docstring of
`tinygrad_edu.compiler`), a call with other values runs the original function instead.
"""

from __future__ import annotations

import itertools
import os
import warnings
from typing import Any, Callable

import numpy as np

from tinygrad_edu.compiler.codegen import Generated, generate
from tinygrad_edu.compiler.sym import TracingWarning
from tinygrad_edu.compiler.guards import StateGuard, random_draws, random_states
from tinygrad_edu.compiler.sym import _ACTIVE
from tinygrad_edu.compiler.tracer import Tracer
from tinygrad_edu.tensor import Tensor

__all__ = ["CompiledStep"]

_COUNTER = itertools.count(1)


class _Mismatch(Exception):
    """The arguments or the state differ from the trace's in shape or structure: try another trace."""


class _ValueMismatch(Exception):
    """An input whose value the trace assumed has another value: run the original function."""


class CompiledStep:
    """A training step compiled to straight-line NumPy: call it as the original function.

    Attributes:
        source: the generated function of the latest trace (forward, backward and update).
        traces: how many times it traced (1 unless shapes or structure changed).

    Example:
        >>> step = tg.compile(train_step)
        >>> loss = step(X, y)          # traces, and trains once
        >>> loss = step(X, y)          # replays the generated code
        >>> print(step.source)
    """

    def __init__(self, fn: Callable, names: Any = None, max_traces: int = 8) -> None:
        self.fn = fn
        self.names = names
        self.max_traces = max_traces
        self.traces = 0
        self.eager_calls = 0
        self._entries: list[_Entry] = []
        self._warned: set[str] = set()
        self._guard = StateGuard(fn)
        self.__wrapped__ = fn
        self.__doc__ = getattr(fn, "__doc__", None)
        self.__name__ = getattr(fn, "__name__", "step")

    @property
    def source(self) -> str:
        """The source of the latest trace's function (empty before the first call)."""
        return self._entries[0].generated.source if self._entries else ""

    @property
    def function(self) -> Callable:
        """The latest trace's generated function itself (inspect.getsource works on it)."""
        return self._entries[0].generated.fn if self._entries else None

    @property
    def call_source(self) -> str:
        """The code around it: how arguments, parameters and state are read and gradients written back."""
        return self._entries[0].call_source if self._entries else ""

    def __call__(self, *args: Any) -> Any:
        if _ACTIVE:  # called inside another step being traced: that trace follows it op by op
            return self.fn(*args)
        for entry in self._entries:
            if not entry.unchanged(args):  # modes, requires_grad, module tree, param groups (guards.py)
                continue
            try:
                return entry.call(args)
            except _Mismatch:
                continue
            except _ValueMismatch:
                self._warn_once("value", f"tg.compile: {entry.value_note}; this call runs eagerly")
                self.eager_calls += 1
                return self.fn(*args)
        if self.traces >= self.max_traces:
            self._warn_once("limit", f"tg.compile: {self.traces} traces already (max_traces); calls with new "
                                     "shapes run eagerly")
            self.eager_calls += 1
            return self.fn(*args)
        return self._trace(args)

    def _trace(self, args: tuple) -> Any:
        """Run the step once, traced (a TracingError stops it there); compile what it did."""
        tracer = Tracer(self.fn, args, self.names)
        unchanged = self._guard.check(args)  # the program state as the call found it
        generators = random_states([value for _, value in self._guard.roots(args)])
        tracer.run()
        drawn = random_draws(generators)
        if drawn:
            warnings.warn_explicit(
                f"tg.compile: {self.__name__} drew random numbers ({', '.join(drawn)}) while traced: they are "
                "drawn once, when traced; every compiled call reuses those numbers. Draw them outside and pass "
                "them in as an argument.", TracingWarning, *_where(self.fn))
        result = _rebuild(tracer.structure, [node.value for node in tracer.outputs])
        if tracer.state_created:  # the optimizer made its state in this call (Adam's first step): trace the next
            return result
        self.traces += 1
        shapes = ", ".join(f"{n}: {_describe(a)}" for n, a in zip(tracer.arg_names, args))
        title = (f"Compiled by tg.compile from {self.__name__}{_location(self.fn)}, for {shapes or 'no arguments'}.\n"
                 "Each line is one op's forward, backward or update, in the order the engine runs them.")
        filename = f"<tg.compile of {self.__name__} #{next(_COUNTER)}>"
        try:
            generated = generate(tracer, title, filename)
            self._entries.insert(0, _Entry(tracer, generated, args))
            self._entries[0].unchanged = unchanged
        except Exception as error:  # a fault of tg.compile's, not of the step: keep training, eagerly
            self.max_traces = 0
            self._warn_once("failed", f"tg.compile could not compile {self.__name__} ({type(error).__name__}: "
                                      f"{error}); it runs eagerly. Please report this.")
            return result
        for node in tracer.nodes:  # let the traced call's intermediate arrays go
            node.value, node.args, node.meta = None, (), {}
        for binding in generated.bindings:
            binding.node = None
        return result

    def _warn_once(self, key: str, message: str) -> None:
        if key not in self._warned:
            self._warned.add(key)
            warnings.warn(message, TracingWarning, stacklevel=3)

    def __repr__(self) -> str:
        return f"<CompiledStep of {self.__name__}: {self.traces} trace(s)>"


class _Entry:
    """One trace: its generated function, plus the generated code that checks, reads and writes back."""

    def __init__(self, tracer: Tracer, generated: Generated, args: tuple) -> None:
        self.generated = generated
        self.value_note = ""
        ns: dict[str, Any] = {"_Mismatch": _Mismatch, "_ValueMismatch": _ValueMismatch, "_kernel": generated.fn,
                              "_new": _new_tensor, "_array_equal": np.array_equal}
        counter = itertools.count()

        def ref(value: Any) -> str:
            name = f"_c{next(counter)}"
            ns[name] = value
            return name

        def tensor(t: Any) -> str:
            """How the call finds tensor t: the argument it was, or the tensor itself."""
            binding = tracer.bound.get(id(t))
            return f"_a{binding.key}" if binding is not None and binding.kind == "input" else ref(t)

        lines = ["def call(_args):", f"    if len(_args) != {len(args)}:", "        raise _Mismatch"]
        # 1. the arguments: the same kinds, shapes and dtypes (or values, for plain Python values)
        for i, a in enumerate(args):
            lines.append(f"    _a{i} = _args[{i}]")
            same = next((j for j in range(i) if args[j] is a and isinstance(a, Tensor)), None)
            if same is not None:  # traced as one tensor passed twice: it must be again
                lines.append(f"    if _a{i} is not _a{same}:")
                lines.append("        raise _Mismatch")
                continue
            if isinstance(a, (Tensor, np.ndarray)):
                array = a.data if isinstance(a, Tensor) else a
                lines.append(f"    if type(_a{i}) is not {ref(type(a))}:")
                lines.append("        raise _Mismatch")
                lines.append(f"    _v{i} = _a{i}.data" if isinstance(a, Tensor) else f"    _v{i} = _a{i}")
                # the array seen when tracing passes at once; any other must have its shape and dtype
                lines.append(f"    if _v{i} is not {ref(array)} and "
                             f"(_v{i}.shape != {array.shape!r} or _v{i}.dtype != {ref(array.dtype)}):")
                lines.append("        raise _Mismatch")
                if isinstance(a, Tensor):
                    lines.append(f"    if _a{i}.requires_grad is not {bool(a.requires_grad)}:")
                    lines.append("        raise _Mismatch")
            elif type(a) is float:
                lines.append(f"    if type(_a{i}) is not float:")
                lines.append("        raise _Mismatch")
            else:
                lines.append(f"    if type(_a{i}) is not {ref(type(a))} or _a{i} != {ref(a)}:")
                lines.append("        raise _Mismatch")
        # 2. what the trace assumed about gradients and hyper-parameters
        for t in tracer.grad_none:
            lines.append(f"    if {tensor(t)}.grad is not None:")
            lines.append("        raise _Mismatch")
        # 3. the function's arguments, read now
        reads = []
        for b in generated.bindings:
            if b.kind == "input":
                is_array = isinstance(args[b.key], (Tensor, np.ndarray))
                reads.append(f"    {b.name} = {'_v' if is_array else '_a'}{b.key}")
            elif b.kind == "tensor":
                reads.append(f"    {b.name} = {ref(b.key)}.data")
                reads.append(f"    if {b.name} is not {ref(b.value)} and ({b.name}.shape != {b.value.shape!r} "
                             f"or {b.name}.dtype != {ref(b.value.dtype)}):")
                reads.append("        raise _Mismatch")
            elif b.kind == "grad":
                reads.append(f"    _g = {tensor(b.key)}.grad")
                reads.append("    if _g is None:")
                reads.append("        raise _Mismatch")
                reads.append(f"    {b.name} = _g.data")
            elif b.kind == "hyper":
                opt, group, key = b.key
                reads.append(f"    {b.name} = {ref(opt)}.param_groups[{group}][{key!r}]")
            elif b.kind == "state":
                opt, p, key = b.key
                reads.append(f"    {b.name} = {ref(opt)}.state.get({ref(p)}, {{}}).get({key!r})")
                reads.append(f"    if {b.name} is None:")
                reads.append("        raise _Mismatch")
        lines += reads
        # 4. inputs whose values the trace had to assume (see TracingError): others run eagerly
        notes = []
        for name, whys in tracer.value_guards.items():
            b = tracer.bindings[name]
            if b not in generated.bindings and b.kind != "input":
                continue
            value = np.array(b.value, copy=True)
            source = f"_v{b.key}" if b.kind == "input" else f"{ref(b.key)}.data"  # (an input or a tensor)
            lines.append(f"    if not _array_equal({source}, {ref(value)}):")
            lines.append("        raise _ValueMismatch")
            notes.append(f"the trace used the values of {name} ({whys[0]})")
        self.value_note = "; ".join(notes)
        # 5. run, then write back gradients and data
        lines.append(f"    _out = _kernel({', '.join(b.name for b in generated.bindings)})")
        for t, value in tracer.grad_writes:
            lines.append(f"    {tensor(t)}.grad = {self._value(value, ref)}")
        for t, value in tracer.data_writes:
            lines.append(f"    {tensor(t)}.data = {self._value(value, ref, copy=True)}")
        for opt, p, key, value in tracer.state_writes:
            lines.append(f"    {ref(opt)}.state[{ref(p)}][{key!r}] = {self._value(value, ref, copy=True)}")
        lines.append(f"    return {self._structure(tracer.structure, ref)}")
        self.call_source = "\n".join(lines) + "\n"
        exec(compile(self.call_source, generated.filename + ":call", "exec"), ns)
        self.call = ns["call"]

    @staticmethod
    def _value(value: Any, ref: Callable, copy: bool = False) -> str:
        """The source of what a written-back attribute gets: an output of the function, a constant, or None."""
        if value is None:
            return "None"
        if isinstance(value, tuple):  # ('const', array): the same value at every call, in a fresh array
            return f"_new({ref(value[1])}.copy())" if not copy else f"{ref(value[1])}.copy()"
        return f"_out[{value}]" if copy else f"_new(_out[{value}])"

    def _structure(self, structure: Any, ref: Callable) -> str:
        """The source of the call's return value, built from the function's outputs as `_rebuild` builds it."""
        kind, body = structure
        if kind == "tensor":
            return f"_new(_out[{body}])"
        if kind in ("float", "array"):
            return f"_out[{body}]"
        if kind in ("tuple", "list"):
            items = ", ".join(self._structure(s, ref) for s in body)
            return f"({items}{',' if len(body) == 1 else ''})" if kind == "tuple" else f"[{items}]"
        if kind == "dict":
            return "{" + ", ".join(f"{ref(k)}: {self._structure(v, ref)}" for k, v in body.items()) + "}"
        return ref(body)


def _rebuild(structure: Any, values: list) -> Any:
    """The traced call's return value, built as later calls build theirs."""
    kind, body = structure
    if kind == "tensor":
        return _new_tensor(np.asarray(values[body]))
    if kind in ("float", "array"):
        return values[body]
    if kind in ("tuple", "list"):
        items = [_rebuild(s, values) for s in body]
        return tuple(items) if kind == "tuple" else items
    if kind == "dict":
        return {k: _rebuild(v, values) for k, v in body.items()}
    return body


def _new_tensor(array: np.ndarray) -> Tensor:
    """A tensor outside the graph holding `array` (what the step returns and what .grad gets)."""
    return Tensor._from_op(array, None)


def _describe(a: Any) -> str:
    """An argument as the source's title names it: 'float64 (4, 2)', 'float', or its repr."""
    if isinstance(a, Tensor):
        a = a.data
    if isinstance(a, np.ndarray):
        return f"{a.dtype} {a.shape}"
    if type(a) is float:
        return "float"
    return repr(a)


def _location(fn: Callable) -> str:
    """' (file.py:12)', where fn is defined, for the source's title."""
    try:
        code = getattr(fn, "__func__", fn).__code__
        return f" ({os.path.basename(code.co_filename)}:{code.co_firstlineno})"
    except AttributeError:
        return ""


def _where(fn: Callable) -> tuple[str, int]:
    """(file, line) where fn is defined, for a warning about the step as a whole."""
    code = getattr(getattr(fn, "__func__", fn), "__code__", None)
    return (code.co_filename, code.co_firstlineno) if code is not None else ("<tg.compile>", 0)
