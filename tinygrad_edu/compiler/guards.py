"""The program state a trace was made under, so that a compiled step retraces when the program changes it.

A trace freezes what it saw: which modules are in training mode, which parameters require grad,
the module tree, each optimizer's param groups, a module's options (a loss's `reduction`). The step
reads all of these without receiving them, through the variables it refers to (its closure, its
globals, the object of a bound method) and its arguments. `StateGuard.fingerprint` describes them
as one tuple; a trace is used only by a call whose fingerprint is the one it was traced under, so
after `model.eval()`, `layer.weight.requires_grad_(False)`, a replaced sub-module,
`optimizer.add_param_group(...)` or `loss_fn.reduction = 'sum'` the step is traced again.

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
    """Fingerprints the modules, optimizers and tensors a step refers to (see the module docstring)."""

    def __init__(self, fn: Callable) -> None:
        func = getattr(fn, "__func__", fn)
        self.owner = getattr(fn, "__self__", None)
        self.cells = getattr(func, "__closure__", None) or ()
        try:
            self.global_names = sorted(inspect.getclosurevars(func).globals)
        except (TypeError, ValueError):
            self.global_names = []
        self.globals = getattr(func, "__globals__", {})

    def roots(self, args: tuple) -> list[Any]:
        """What the step refers to now: its closure's values, its globals, its object, its arguments."""
        values = []
        for cell in self.cells:
            try:
                values.append(cell.cell_contents)
            except ValueError:  # a cell not yet filled
                pass
        values += [self.globals.get(name) for name in self.global_names]
        if self.owner is not None:
            values.append(self.owner)
            values += list(getattr(self.owner, "__dict__", {}).values())
        # (tensors among the arguments are checked by each trace's own guards: their shape, dtype, requires_grad)
        return values + [a for a in args if not isinstance(a, Tensor)]

    def fingerprint(self, args: tuple) -> tuple:
        """One tuple that changes when anything a trace depends on changes (modules, optimizers, tensors)."""
        from tinygrad_edu.nn.module import Module
        from tinygrad_edu.optim.optimizer import Optimizer

        parts: list[Any] = []
        seen: set[int] = set()
        for value in self.roots(args):
            items = list(value.values()) if isinstance(value, dict) else value if isinstance(value, (list, tuple)) \
                else [value]
            for item in items:
                if id(item) in seen:
                    continue
                seen.add(id(item))
                if isinstance(item, Module):
                    parts.append(_module(item))
                elif isinstance(item, Optimizer):
                    parts.append(tuple((tuple(map(id, g["params"])), tuple(sorted(k for k in g if k != "params")))
                                       for g in item.param_groups))
                elif isinstance(item, Tensor):
                    parts.append(item.requires_grad)  # (not its identity: a rebound variable is no new trace)
        return tuple(parts)


def _module(module: Any) -> tuple:
    """A module tree: each module's place, class, mode and options, and each parameter's requires_grad."""
    tree = []
    for name, sub in module.named_modules():
        options = tuple((k, v) for k, v in vars(sub).items()
                        if not k.startswith("_") and isinstance(v, _OPTION_TYPES))
        tree.append((name, id(sub), sub.training, options))
    params = tuple((id(p), p.requires_grad) for p in module.parameters())
    return tuple(tree), params


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
