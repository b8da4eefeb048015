"""Containers: Sequential (modules applied one after another) and ModuleList (a list that registers its modules).

Their sub-modules are registered under the names '0', '1', ..., so parameters are named
'0.weight', '0.bias', '2.weight', ... exactly as in PyTorch. Deleting or inserting a module
renumbers the ones after it, so the names always run 0, 1, 2, ... (as PyTorch does).
"""

from __future__ import annotations

import operator
from collections import OrderedDict
from collections.abc import Iterable, Iterator, ValuesView
from typing import Any, cast

import numpy as np

from tinygrad_edu.nn.module import Module

__all__ = ["Sequential", "ModuleList"]


def _index(op: str, idx: Any, length: int) -> int:
    """idx as a position in range(length) (negative counts from the end), else an IndexError."""
    if isinstance(idx, bool) or not isinstance(idx, (int, np.integer)):
        raise TypeError(f"{op} indices must be integers or slices, not {type(idx).__name__}")
    idx = int(idx)
    if not -length <= idx < length:
        raise IndexError(f"{op}: index {idx} is out of range for {length} module(s)")
    return idx % length


def _members(container: Module) -> ValuesView[Module]:
    """The container's modules, in order (a live view of its registry, `_modules.values()`).

    Typed as Modules, which is what a container holds and what its users index it for. The registry's type
    allows None because any Module may set a registered name to None (`seq[0] = None`); a container keeps
    such a slot as PyTorch does (its forward then fails), without a None check PyTorch does not make.
    """
    return cast("ValuesView[Module]", container._modules.values())


def _renumber(container: Module, modules: list[Module]) -> None:
    """Register `modules` as the container's only sub-modules, under the names '0', '1', ... in order.

    The names are attributes too (for fast reads), so the old ones are removed first.
    """
    for name in list(container._modules):
        container.__dict__.pop(name, None)
    container._modules.clear()
    for i, module in enumerate(modules):
        container.add_module(str(i), module)


def _without(op: str, container: Module, idx: int | slice) -> list[Module]:
    """The container's modules with those at `idx` (a position or a slice) left out: `del container[idx]`."""
    modules = list(_members(container))
    if isinstance(idx, slice):
        del modules[idx]
    else:
        del modules[_index(op, idx, len(modules))]
    return modules


class Sequential(Module):
    """Modules applied in order: `Sequential(a, b, c)(x)` is `c(b(a(x)))`.

    Takes the modules as arguments (named '0', '1', ...) or one OrderedDict of name -> module.

    Example:
        >>> net = nn.Sequential(nn.Linear(2, 4), nn.Sigmoid(), nn.Linear(4, 1), nn.Sigmoid())
        >>> net(tg.zeros(3, 2)).shape
        (3, 1)
    """

    def __init__(self, *args: Any) -> None:
        super().__init__()
        if len(args) == 1 and isinstance(args[0], OrderedDict):
            for name, module in args[0].items():
                self.add_module(name, module)
        else:
            for i, module in enumerate(args):
                self.add_module(str(i), module)

    def forward(self, input: Any) -> Any:
        """Each module applied in turn to the previous one's output."""
        for module in self._modules.values():  # (the registry itself, not _members: no call per forward)
            input = module(input)  # type: ignore[misc]  # None only in a slot set to None (see _members)
        return input

    def __getitem__(self, idx: int | slice) -> Module | Sequential:
        if isinstance(idx, slice):
            return Sequential(OrderedDict(list(self._modules.items())[idx]))
        return list(_members(self))[_index("Sequential", idx, len(self._modules))]

    def __setitem__(self, idx: int, module: Module) -> None:
        name = list(self._modules)[_index("Sequential", idx, len(self._modules))]
        setattr(self, name, module)

    def __delitem__(self, idx: int | slice) -> None:
        # As PyTorch: the modules left are renamed '0', '1', ... (names given by an OrderedDict too).
        _renumber(self, _without("Sequential", self, idx))

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self) -> Iterator[Module]:
        return iter(_members(self))

    def append(self, module: Module) -> Sequential:
        """Add a module at the end (named by its position); returns self."""
        self.add_module(str(len(self._modules)), module)
        return self


class ModuleList(Module):
    """A list of modules whose parameters are registered (a plain Python list would hide them).

    It has no forward: iterate over it in your own forward.

    Example:
        >>> layers = nn.ModuleList([nn.Linear(2, 2) for _ in range(3)])
        >>> len(list(layers.parameters()))
        6
    """

    def __init__(self, modules: Iterable[Module] | None = None) -> None:
        super().__init__()
        if modules is not None:
            self.extend(modules)

    def __getitem__(self, idx: int | slice) -> Module | ModuleList:
        if isinstance(idx, slice):
            return ModuleList(list(_members(self))[idx])
        return cast(Module, self._modules[str(_index("ModuleList", idx, len(self._modules)))])  # see _members

    def __setitem__(self, idx: int, module: Module) -> None:
        setattr(self, str(_index("ModuleList", idx, len(self._modules))), module)

    def __delitem__(self, idx: int | slice) -> None:
        _renumber(self, _without("ModuleList", self, idx))

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self) -> Iterator[Module]:
        return iter(_members(self))

    def append(self, module: Module) -> ModuleList:
        """Add a module at the end; returns self."""
        self.add_module(str(len(self._modules)), module)
        return self

    def __repr__(self) -> str:
        # As PyTorch prints a ModuleList: a run of children that print the same is one entry,
        # "(0-2): 3 x Linear(...)", so a stack of identical layers stays readable.
        reprs = [repr(module) for module in self._modules.values()]
        if not reprs:
            return f"{type(self).__name__}()"
        lines = []
        start = 0
        while start < len(reprs):
            end = start
            while end + 1 < len(reprs) and reprs[end + 1] == reprs[start]:
                end += 1
            child = reprs[start].replace("\n", "\n  ")
            if end == start:
                lines.append(f"({start}): {child}")
            else:
                lines.append(f"({start}-{end}): {end - start + 1} x {child}")
            start = end + 1
        return type(self).__name__ + "(\n  " + "\n  ".join(lines) + "\n)"

    def extend(self, modules: Iterable[Module]) -> ModuleList:
        """Add every module of an iterable at the end; returns self."""
        if isinstance(modules, Module) and not isinstance(modules, (ModuleList, Sequential)):
            raise TypeError(f"ModuleList.extend should be called with an iterable, but got {type(modules).__name__}")
        for module in modules:
            self.append(module)
        return self

    def __iadd__(self, modules: Iterable[Module]) -> ModuleList:
        """`layers += [nn.Linear(2, 2)]`: extend in place."""
        return self.extend(modules)

    def insert(self, index: int, module: Module) -> None:
        """Insert `module` before position `index`, as Python's list.insert (a negative index counts
        from the end; one past either end inserts there); the modules after it are renumbered."""
        if not isinstance(module, Module):
            raise TypeError(f"{type(module).__name__} is not a Module subclass")
        modules = list(_members(self))
        modules.insert(operator.index(index), module)
        _renumber(self, modules)
