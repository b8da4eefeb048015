"""Recording an optimizer's update as lines of the compiled step.

By the time this runs, the traced call's real update is done (tracer.optimizer_step). To record
it, the optimizer's own `step()` runs a second time on shadow copies: each parameter, gradient and
state array is a Sym holding a copy of its value (so nothing real changes twice) but the node of the
real one, and the learning rate is an argument of the compiled step. Its in-place NumPy code
(`p.data -= lr * g`, `buf *= momentum`, Adam's step count `t += 1`) then writes the lines. Its
state exists now (the real step made it), so the lines are those of every step after the first,
which is what later calls run. An optimizer whose step cannot be traced (it keeps a Python number
in its state, or lets a traced value out of NumPy) runs as it is, as one call in the compiled
step: `_optimizer_step(optimizer, ...)`.
"""

from __future__ import annotations

from typing import Any, Callable

import numpy as np

from tinygrad_edu.compiler.engine import _DATA, _GRAD, new_tensor, raw_data
from tinygrad_edu.compiler.nodes import ATOM, LOWEST, Builder, Node, const
from tinygrad_edu.compiler.sym import Sym, SymFloat
from tinygrad_edu.compiler.tracer import Tracer

# Short names for state arrays in the compiled source: momentum_W1, m_W1, v_W1 (Adam's step count: step_W1).
STATE_NAMES = {"momentum_buffer": "momentum", "exp_avg": "m", "exp_avg_sq": "v", "max_exp_avg_sq": "v_max"}


def record_update(tracer: Tracer, opt: Any, original: Callable, params: list, datas: list, grads: list) -> None:
    """Add the lines of `opt.step()` to the trace (see the module docstring)."""
    names = [d.node.variable.hint if isinstance(d, Sym) else f"param{i}" for i, d in enumerate(datas)]
    mark = len(tracer.nodes)
    shadow = _Shadow(tracer, opt, params, datas, grads, names)
    try:
        tracer.op_stack.append(_UpdateRecord())
        try:
            tracer.local_names.loop = (getattr(original, "__code__", None), shadow.names)
            try:
                original(opt)
            finally:
                tracer.local_names.loop = None
        finally:
            escaped = tracer.op_stack.pop().escaped
        if escaped:
            raise _CannotTrace("its NumPy code lets a traced value out")
        shadow.finish()
    except _CannotTrace:
        shadow.undo()
        for node in tracer.nodes[mark:]:
            if node.kind == "stmt":
                node.kind = "dead"
        _opaque_update(tracer, opt, params, datas, grads)


class _CannotTrace(Exception):
    """The optimizer's step cannot be recorded line by line: it runs as one opaque call instead."""


class _UpdateRecord:
    """Stands on the tracer's op stack while the optimizer runs, so an escape marks it, not the step."""

    escaped = False


class _Shadow:
    """Swaps shadow Syms into the parameters, gradients, state and hyper-parameters, and back."""

    def __init__(self, tracer: Tracer, opt: Any, params: list, datas: list, grads: list, names: list) -> None:
        self.tracer, self.opt, self.params, self.datas, self.grads = tracer, opt, params, datas, grads
        self.names = dict(zip(map(id, params), names))
        self.data = [Sym(np.array(d.value), d.node) for d in datas]
        self.grad = [None if g is None else new_tensor(Sym(np.array(g.data.value), g.data.node)) for g in grads]
        for p, d, g in zip(params, self.data, self.grad):
            _DATA.__set__(p, d)
            _GRAD.__set__(p, g)
        # Hyper-parameters: lr is read at every call; the others are literals, guarded (a change re-traces).
        self.groups = [dict(group) for group in opt.param_groups]
        for i, group in enumerate(opt.param_groups):
            for key, value in list(group.items()):
                if key == "params":
                    continue
                if key == "lr" and type(value) is float:
                    name = "lr" if len(opt.param_groups) == 1 else f"lr_{i}"
                    group[key] = tracer.bind(name, "hyper", (opt, i, key), value)
                    continue
                if not isinstance(value, SymFloat):  # (a SymFloat: the step set it from its input)
                    tracer.hyper_guards.append((opt, i, key, value))
                group[key] = _literal(value)
        # State: every array becomes an argument read from optimizer.state at each call.
        self.state = {id(p): dict(s) for p, s in opt.state.items()}
        self.state_syms: dict[tuple[int, str], Sym] = {}
        for p, entries in opt.state.items():
            for key, value in list(entries.items()):
                if isinstance(value, np.ndarray):
                    pname = self.names.get(id(p), "param")
                    name = f"{STATE_NAMES.get(key, key)}_{pname}"
                    node = tracer.bind(name, "state", (opt, p, key), value, wrap=False)
                    sym = Sym(np.array(value), node)
                    self.state_syms[(id(p), key)] = sym
                    entries[key] = sym

    def finish(self) -> None:
        """Check the update only changed arrays in place; give the real Syms the shadows' final nodes."""
        opt = self.opt
        for p, entries in opt.state.items():
            before = self.state.get(id(p))
            if before is None or set(before) != set(entries):
                raise _CannotTrace("it adds state")
            for key, value in entries.items():
                if (id(p), key) in self.state_syms:
                    if value is not self.state_syms[(id(p), key)]:
                        raise _CannotTrace("it replaces a state array")
                elif value is not before[key] and value != before[key]:
                    raise _CannotTrace("it changes a Python number in its state")
        for p, d in zip(self.params, self.data):
            if raw_data(p) is not d:
                raise _CannotTrace("it replaces a parameter's array")
        self._restore()
        for real, shadow in zip(self.datas, self.data):
            real.node = shadow.node  # the real array was updated by the real step; later reads see the update
        for real, shadow in zip(self.grads, self.grad):
            if real is not None:
                raw_data(real).node = raw_data(shadow).node

    def undo(self) -> None:
        """Give up recording: the real parameters, gradients, groups and state back, unchanged."""
        self._restore()

    def _restore(self) -> None:
        """Swap the real arrays, groups and state back in for the shadows."""
        for p, d, g in zip(self.params, self.datas, self.grads):
            _DATA.__set__(p, d)
            _GRAD.__set__(p, g)
        for group, saved in zip(self.opt.param_groups, self.groups):
            group.clear()
            group.update(saved)
        for p, entries in self.opt.state.items():
            saved = self.state.get(id(p))
            if saved is not None:
                entries.clear()
                entries.update(saved)


def _literal(value: Any) -> Any:
    """A hyper-parameter as a traced float that writes itself as a literal: (1 - 0.9) stays readable."""
    if type(value) is float:
        return SymFloat(value, const(value))
    if type(value) is tuple and all(type(v) is float for v in value):
        return tuple(SymFloat(v, const(v)) for v in value)
    return value


def _opaque_update(tracer: Tracer, opt: Any, params: list, datas: list, grads: list) -> None:
    """`_optimizer_step(optimizer, (p, grad), ...)`: the optimizer's own step, called at each step."""
    b = Builder().text("_optimizer_step(").node(const(opt, "optimizer"), ATOM)
    for p, d, g in zip(params, datas, grads):
        b.text(", (").node(const(p, "tensor"), ATOM).text(", ").node(d.node, LOWEST).text(", ")
        if g is None:
            b.text("None")
        else:
            b.node(raw_data(g).node, LOWEST)
        b.text(")")
    stmt = b.text(")").build(LOWEST, None, kind="stmt")
    stmt.meta["root"] = True
    for d in datas:
        version = Node("version", [], (stmt,), ATOM, d.value, d.node.sources)
        version.variable = d.node.variable
        d.node = version
