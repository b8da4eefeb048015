"""The program state a trace was made under, so that a compiled step retraces when the program changes it.

A trace freezes what it saw: which modules are in training mode, which parameters require grad,
the module tree, each optimizer's param groups, a module's options (a loss's `reduction`). The step
reads all of these without receiving them, through the variables it refers to (its closure, its
globals, the object of a bound method) and its arguments. A trace is used only by a call that finds
them as they were when it was traced, so after `model.eval()`, `layer.weight.requires_grad_(False)`,
a replaced sub-module, `optimizer.add_param_group(...)` or `loss_fn.reduction = 'sum'` the step is
traced again.
`StateGuard.check` writes that test as a generated function of one line per fact, so a compiled call
pays microseconds for it.

Random numbers drawn inside the step (np.random, tg.rand*, a Generator the step refers to) are
drawn once, when traced: `random_states` and `random_draws` see that from the generators' states
before and after the traced call, and the compiled step warns.
"""

from __future__ import annotations

import inspect
from typing import Any, Callable

import numpy as np

from tinygrad_edu.tensor import Tensor

__all__ = ["StateGuard", "random_states", "random_draws"]

_OPTION_TYPES = (str, int, float, bool, type(None))


class StateGuard:
    """Finds what a step refers to, and writes the check that it is as it was (see the module docstring)."""

    def __init__(self, fn: Callable) -> None:
        func = getattr(fn, "__func__", fn)
        self.owner = getattr(fn, "__self__", None)
        self.cells = getattr(func, "__closure__", None) or ()
        try:
            self.global_names = sorted(inspect.getclosurevars(func).globals)
        except (TypeError, ValueError):
            self.global_names = []
        self.globals = getattr(func, "__globals__", {})

    def roots(self, args: tuple) -> list[tuple[str, Any]]:
        """(how a call reaches it, value) for what the step refers to: closure, globals, its object, arguments."""
        found = []
        for i, cell in enumerate(self.cells):
            try:
                found.append((f"_cells[{i}].cell_contents", cell.cell_contents))
            except ValueError:  # a cell not yet filled
                pass
        found += [(f"_globals.get({name!r})", self.globals.get(name)) for name in self.global_names]
        if self.owner is not None:
            found.append(("_owner", self.owner))
            found += [(f"_owner.__dict__.get({k!r})", v) for k, v in getattr(self.owner, "__dict__", {}).items()]
        # (tensors among the arguments are checked by each trace's own guards: their shape, dtype, requires_grad)
        return found + [(f"_args[{i}]", a) for i, a in enumerate(args) if not isinstance(a, Tensor)]

    def check(self, args: tuple) -> Callable[[tuple], bool]:
        """`unchanged(args)`: True while every module, optimizer and tensor the step refers to is as now.

        It is generated code (one line per fact, as step.py's call), so a compiled call pays a few
        microseconds for it.
        """
        writer = _CheckWriter()
        for expr, value in self.roots(args):
            writer.value(expr, value, depth=0)
        ns = {"_cells": self.cells, "_globals": self.globals, "_owner": self.owner, "_missing": _MISSING}
        ns.update(writer.refs)
        source = "def unchanged(_args):\n" + "".join(writer.lines) + "    return True\n"
        exec(compile(source, "<tg.compile state check>", "exec"), ns)
        unchanged = ns["unchanged"]
        unchanged.source = source
        return unchanged


_MISSING = object()


class _CheckWriter:
    """Writes the lines of `unchanged`: each returns False when one fact differs from now."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.refs: dict[str, Any] = {}
        self.seen: set[int] = set()

    def ref(self, value: Any) -> str:
        name = f"_o{len(self.refs)}"
        self.refs[name] = value
        return name

    def differs(self, condition: str) -> None:
        self.lines.append(f"    if {condition}:\n        return False\n")

    def value(self, expr: str, value: Any, depth: int, member: bool = False) -> None:
        """Facts about a value reached by `expr`: a module, an optimizer, a tensor, or a container of them.

        A tensor that is a member (a module's parameter, in a param group) must be the same tensor; one
        that a variable holds need not (a rebound variable is no new trace): its requires_grad must be.
        """
        from tinygrad_edu.nn.module import Module
        from tinygrad_edu.optim.optimizer import Optimizer

        if isinstance(value, Tensor) and member:
            name = self.ref(value)
            self.differs(f"{expr} is not {name}")
            if id(value) not in self.seen:
                self.seen.add(id(value))
                self.differs(f"{name}.requires_grad is not {value.requires_grad}")
        elif isinstance(value, Tensor):
            self.differs(f"getattr({expr}, 'requires_grad', None) is not {value.requires_grad}")
        elif value is None and member:
            self.differs(f"{expr} is not None")
        elif isinstance(value, (Module, Optimizer)):
            name = self.ref(value)
            self.differs(f"{expr} is not {name}")
            if id(value) not in self.seen:
                self.seen.add(id(value))
                if isinstance(value, Module):
                    self.module(name, value)
                else:
                    self.optimizer(name, value)
        elif depth == 0 and isinstance(value, (list, tuple, dict)) and _holds_state(value):
            self.differs(f"not isinstance({expr}, {type(value).__name__}) or len({expr}) != {len(value)}")
            items = value.items() if isinstance(value, dict) else enumerate(value)
            for key, item in items:
                self.value(f"{expr}[{key!r}]", item, depth + 1)

    def module(self, m: str, module: Any) -> None:
        """A module: its mode, options, sub-modules and parameters (and theirs, recursively)."""
        self.differs(f"{m}.training is not {module.training}")
        for k, v in vars(module).items():
            if k != "training" and not k.startswith("_") and isinstance(v, _OPTION_TYPES):
                self.differs(f"{m}.__dict__.get({k!r}, _missing) != {self.ref(v)}")
        for registry in ("_modules", "_parameters"):
            members = getattr(module, registry)
            self.differs(f"len({m}.{registry}) != {len(members)}")
            for name, member in members.items():
                self.value(f"{m}.{registry}.get({name!r}, _missing)", member, depth=1, member=True)

    def optimizer(self, o: str, opt: Any) -> None:
        """An optimizer: its param groups, the parameters in each, its hyper-parameters but lr (read at each call)."""
        self.differs(f"len({o}.param_groups) != {len(opt.param_groups)}")
        for i, group in enumerate(opt.param_groups):
            g = f"{o}.param_groups[{i}]"
            self.differs(f"len({g}) != {len(group)} or len({g}['params']) != {len(group['params'])}")
            for key, value in group.items():
                if key not in ("params", "lr") and isinstance(value, (*_OPTION_TYPES, tuple)):
                    self.differs(f"{g}.get({key!r}, _missing) != {self.ref(value)}")
            for j, p in enumerate(group["params"]):
                self.value(f"{g}['params'][{j}]", p, depth=1, member=True)


def _holds_state(container: Any) -> bool:
    """Whether a list, tuple or dict holds tensors, modules or optimizers (else it is no concern of a trace)."""
    from tinygrad_edu.nn.module import Module
    from tinygrad_edu.optim.optimizer import Optimizer

    items = container.values() if isinstance(container, dict) else container
    return any(isinstance(v, (Tensor, Module, Optimizer)) for v in items)


# ---- random numbers drawn inside the step -----------------------------------------------------------

def random_states(roots: list[Any]) -> list[tuple[str, Any, Any]]:
    """(name, generator, its state now) for NumPy's global RandomState, tg's generator and every
    Generator or RandomState the step refers to: a draw inside the step changes one of these states."""
    from tinygrad_edu.creation import default_generator

    generators = [("np.random", np.random.mtrand._rand), ("tg.manual_seed's generator", default_generator())]
    generators += [(type(g).__name__, g) for g in roots if isinstance(g, (np.random.Generator, np.random.RandomState))]
    return [(name, g, _state(g)) for name, g in generators]


def random_draws(before: list[tuple[str, Any, Any]]) -> list[str]:
    """The names of the generators whose state changed since `random_states` gave `before`."""
    return [name for name, g, state in before if not _equal(_state(g), state)]


def _state(g: Any) -> Any:
    return g.bit_generator.state if isinstance(g, np.random.Generator) else g.get_state(legacy=False)


def _equal(a: Any, b: Any) -> bool:
    if isinstance(a, dict):
        return isinstance(b, dict) and a.keys() == b.keys() and all(_equal(a[k], b[k]) for k in a)
    if isinstance(a, np.ndarray):
        return np.array_equal(a, b)
    return bool(a == b)
