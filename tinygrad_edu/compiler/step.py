"""CompiledStep, what `tg.compile(train_step)` returns: its traces, each one generated `call` (guards, reads,
the step's function, write-back); a call that no trace's guards accept traces anew (up to `max_traces`)."""

from __future__ import annotations

import inspect
import itertools
import os
import pickle
import warnings
from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

import numpy as np

from tinygrad_edu.autograd import note_in_place
from tinygrad_edu.compiler.codegen import generate
from tinygrad_edu.compiler.sym import _ACTIVE, TracingError, TracingWarning
from tinygrad_edu.compiler.tracer import Tracer
from tinygrad_edu.tensor import Tensor

__all__ = ["CompiledStep"]

_COUNTER = itertools.count(1)


class _Mismatch(Exception):
    """The arguments or state differ from the trace's in kind, shape or structure: try another trace."""


class CompiledStep:
    """A training step compiled to straight-line NumPy (see tg.compile): call it as the original function.

    Attributes:
        source: the generated function of the latest trace (forward, backward and update).
        call_source: the code around it: the guards, how arguments, parameters and state are read, what is
            written back.
        function: the latest trace's generated function itself (inspect.getsource works on it).
        traces: how many traces it keeps (1 unless shapes or the program's state changed).
        eager_calls: how many calls ran eagerly (those after max_traces traces).
    """

    def __init__(self, fn: Callable, names: Any = None, max_traces: int = 8) -> None:
        self.fn, self.names, self.max_traces = fn, names, max_traces
        self.traces = self.eager_calls = 0
        self._entries: list[SimpleNamespace] = []  # newest first
        self.__wrapped__, self.__doc__ = fn, getattr(fn, "__doc__", None)
        self.__name__ = getattr(fn, "__name__", "step")
        code = getattr(getattr(fn, "__func__", fn), "__code__", None)
        self._where = (code.co_filename, code.co_firstlineno) if code else ("<tg.compile>", 0)

    source = property(lambda self: self._entries[0].source if self._entries else "")
    call_source = property(lambda self: self._entries[0].call_source if self._entries else "")
    function = property(lambda self: self._entries[0].fn if self._entries else None)

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
            if not self.eager_calls:  # (warn once)
                why = f"{self.traces} traces already (max_traces); calls with new shapes run eagerly"
                warnings.warn(f"tg.compile: {why}", TracingWarning, stacklevel=2)
            self.eager_calls += 1
            return self.fn(*args)
        return self._trace(args)

    def _trace(self, args: tuple) -> Any:
        """Run the step once, traced (a TracingError stops it there); compile what it did."""
        tracer = Tracer(self.fn, args, self.names)
        guards, roots = _guards(self, args, tracer)  # the state now, before the step changes it
        values = [value for _, value in roots]
        before = _random_states(values)
        tracer.run(roots)
        drawn = [name for (name, state), (_, after) in zip(before, _random_states(values)) if state != after]
        if drawn:
            warnings.warn_explicit(
                f"tg.compile: {self.__name__} drew random numbers ({', '.join(drawn)}) while traced: they are "
                "drawn once, when traced; every compiled call reuses those numbers. Draw them outside and pass "
                "them in as an argument.",
                TracingWarning,
                *self._where,
            )
        ns: dict[str, Any] = dict(tracer.constants, np=np, _tensor=Tensor._from_op, _note_in_place=note_in_place)
        result = eval(tracer.returns, ns, {"_out": [node.value for node in tracer.outputs]})
        if tracer.state_created:  # the optimizer made its state in this call (Adam's first step): trace the next
            return result
        self.traces += 1
        shapes = ", ".join(f"{n}: {_describe(a)}" for n, a in zip(tracer.arg_names, args)) or "no arguments"
        title = (
            f"Compiled by tg.compile from {self.__name__} ({os.path.basename(self._where[0])}:{self._where[1]}), "
            f"for {shapes}.\nEach line is one op's forward, backward or update, in the order the engine runs them."
        )
        filename = f"<tg.compile of {self.__name__} #{next(_COUNTER)}>"
        source, fn, bindings = generate(tracer, title, filename)
        guards += tracer.guards + [f"{tracer.tensor(t)}._grad is None" for t in tracer.grad_none]
        reads = [f"{b.name} = {b.read}" for b in bindings]  # (a slot that is gone: a KeyError, a mismatch)
        guards += [
            f"({b.name} is {tracer.ref(b.value)} or {_same_array(b.name, b.value, tracer.ref)})"
            for b in bindings
            if b.kind == "tensor"
        ]
        lines = ["try:", *[f"    {read}" for read in reads], "    if not (", "        " + guards[0]]
        lines += [*[f"        and {g}" for g in guards[1:]], "    ):", "        raise _Mismatch"]
        lines += ["except (IndexError, KeyError, AttributeError):", "    raise _Mismatch from None"]
        lines += [f"_out = _kernel({', '.join(b.name for b in bindings)})", *tracer.writes, f"return {tracer.returns}"]
        call_source = "def call(_args):\n" + "".join(f"    {line}\n" for line in lines)
        ns.update(tracer.constants, _Mismatch=_Mismatch, _kernel=fn)
        exec(compile(call_source, filename + ":call", "exec"), ns)
        self._entries.insert(0, SimpleNamespace(source=source, fn=fn, call_source=call_source, call=ns["call"]))
        for node in tracer.nodes:  # let the traced call's intermediate arrays go
            node.value, node.parts, node.meta = None, [], {}
        return result

    def __repr__(self) -> str:
        return f"<CompiledStep of {self.__name__}: {self.traces} trace(s)>"


def _same_array(read: str, array: np.ndarray, ref: Callable) -> str:
    return f"({read}.shape == {array.shape!r} and {read}.dtype == {ref(array.dtype)})"


def _guards(step: CompiledStep, args: tuple, tracer: Tracer) -> tuple[list[str], list[tuple[str, Any]]]:
    """What a trace is specialised to, as expressions true now (`ref` names an object in the call's namespace),
    and the roots the tracer binds from: (name, value) of the step's variables.

    The arguments: kinds, shapes, dtypes, requires_grad and which array is passed twice; a float's type only
    (it is traced); the value of anything else. The step's variables, by identity; the state below them (modules,
    optimizers, tensors) is guarded by the tracer's walk as it binds (Tracer.bind_all). Each call reads the
    guards, with no walk.
    """
    from tinygrad_edu.nn.module import Module
    from tinygrad_edu.optim.optimizer import Optimizer

    kinds, ref = (Tensor, Module, Optimizer, list, tuple, dict), tracer.ref
    guards = [f"len(_args) == {len(args)}"]
    for i, a in enumerate(args):
        guards.append(f"type(_args[{i}]) is {ref(type(a))}")
        if isinstance(a, Tensor):
            guards += [f"_args[{i}].requires_grad is {a.requires_grad}", _same_array(f"_args[{i}].data", a.data, ref)]
        elif isinstance(a, np.ndarray):
            guards.append(_same_array(f"_args[{i}]", a, ref))
        elif type(a) is not float:
            guards.append(f"(_args[{i}] is {ref(a)} or _args[{i}] == {ref(a)})")
        if isinstance(a, (Tensor, np.ndarray)):  # which array is passed twice
            first = next(j for j, b in enumerate(args) if b is a)
            arrays = [j for j, b in enumerate(args[:i]) if isinstance(b, (Tensor, np.ndarray)) and first in (i, j)]
            guards += [f"_args[{i}] {'is' if j == first else 'is not'} _args[{j}]" for j in arrays]

    # the step's variables: its closure, the globals it names, its arguments that are not tensors, its object and
    # that object's attributes (a variable of the step: the same object, or still none of `kinds`)
    func, owner = getattr(step.fn, "__func__", step.fn), getattr(step.fn, "__self__", None)
    cells = zip(getattr(getattr(func, "__code__", None), "co_freevars", ()), getattr(func, "__closure__", None) or ())
    try:
        names, namespace = sorted(inspect.getclosurevars(func).globals), func.__globals__  # the globals it reads
    except (TypeError, ValueError):
        names, namespace = [], {}
    roots = [(name, _contents(cell), f"{ref(_contents)}({ref(cell)})") for name, cell in cells]
    roots += [(name, namespace.get(name), f"{ref(namespace)}.get({name!r})") for name in names]
    roots += [(tracer.arg_names[i], a, f"_args[{i}]") for i, a in enumerate(args) if not isinstance(a, Tensor)]
    guards += [
        tracer.same(read, v) if isinstance(v, kinds) else f"not isinstance({read}, {ref(kinds)})"
        for _, v, read in roots
    ]
    named = [(name, value) for name, value, _ in roots]
    if owner is not None:
        named += [("layer", owner), *vars(owner).items()]
        mine = [id(v) for v in vars(owner).values() if isinstance(v, kinds)]
        guards.append(f"[id(v) for v in {ref(owner)}.__dict__.values() if isinstance(v, {ref(kinds)})] == {mine}")
    return guards, named


def _contents(cell: Any) -> Any:
    try:
        return cell.cell_contents
    except ValueError:  # a cell not yet filled
        return None


def _describe(a: Any) -> str:
    """An argument as the source's title names it: 'float64 (4, 2)', 'float', or its repr."""
    a = a.data if isinstance(a, Tensor) else a
    return f"{a.dtype} {a.shape}" if isinstance(a, np.ndarray) else "float" if type(a) is float else repr(a)


def _random_states(values: list[Any]) -> list[tuple[str, bytes]]:
    """(name, pickled state) of NumPy's global RandomState, tg's generator and each Generator or RandomState
    among `values`, the step's variables: a draw inside the traced call changes one of these."""
    from tinygrad_edu.creation import default_generator

    generators = [("np.random", np.random.mtrand._rand), ("tg.manual_seed's generator", default_generator())]
    generators += [(type(g).__name__, g) for g in values if isinstance(g, (np.random.Generator, np.random.RandomState))]
    return [(name, pickle.dumps(g)) for name, g in generators]
