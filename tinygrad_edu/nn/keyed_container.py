"""ModuleDict, ParameterList and ParameterDict: containers that register what they hold, as torch.nn.

(Sequential and ModuleList are in container.py.) A plain dict or list of layers or Parameters assigned to a
Module would hide them from parameters(), state_dict() and the optimizer; these register each entry under
its key (ModuleDict, ParameterDict) or its position "0", "1", ... (ParameterList).
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Any, ItemsView, Iterable, Iterator, Mapping, Optional, Union, cast

from tinygrad_edu.nn.container import _members
from tinygrad_edu.nn.module import Module, Parameter
from tinygrad_edu.tensor import Tensor

__all__ = ["ModuleDict", "ParameterList", "ParameterDict"]


def _pairs(name: str, values: Union[Mapping[str, Any], Iterable[tuple[str, Any]]]) -> list[tuple[str, Any]]:
    """(key, value) pairs from a mapping or an iterable of pairs, with PyTorch's errors for anything else."""
    if isinstance(values, Mapping):
        return list(values.items())
    pairs = []
    for i, pair in enumerate(values):
        if not isinstance(pair, (tuple, list)) or len(pair) != 2:
            raise ValueError(f"{name} update sequence element #{i} should be a (key, value) pair, got {pair!r}")
        pairs.append((pair[0], pair[1]))
    return pairs


def _as_parameter(value: Any) -> Any:
    """A Tensor that is not yet a Parameter becomes one (sharing its data), as PyTorch's containers do."""
    if isinstance(value, Tensor) and not isinstance(value, Parameter):
        return Parameter(value)
    return value


class ModuleDict(Module):
    """A dict of named sub-modules, in insertion order. It has no forward: pick modules by key in yours.

    Example:
        >>> heads = nn.ModuleDict({"cls": nn.Linear(8, 3), "box": nn.Linear(8, 4)})
        >>> [name for name, _ in heads.named_parameters()][:2]
        ['cls.weight', 'cls.bias']
    """

    def __init__(self, modules: Optional[Union[Mapping[str, Module], Iterable[tuple[str, Module]]]] = None) -> None:
        super().__init__()
        if modules is not None:
            self.update(modules)

    # Typed as Modules: a slot set to None is kept, as PyTorch does (see container._members).
    def __getitem__(self, key: str) -> Module:
        return cast(Module, self._modules[key])

    def __setitem__(self, key: str, module: Module) -> None:
        self.add_module(key, module)

    def __delitem__(self, key: str) -> None:
        del self._modules[key]
        object.__delattr__(self, key)

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self) -> Iterator[str]:
        return iter(self._modules)

    def __contains__(self, key: object) -> bool:
        return key in self._modules

    def keys(self) -> Iterable[str]:
        return self._modules.keys()

    def items(self) -> Iterable[tuple[str, Module]]:
        return cast("ItemsView[str, Module]", self._modules.items())

    def values(self) -> Iterable[Module]:
        return _members(self)

    def clear(self) -> None:
        for key in list(self._modules):
            del self[key]

    def pop(self, key: str) -> Module:
        module = self[key]
        del self[key]
        return module

    def update(self, modules: Union[Mapping[str, Module], Iterable[tuple[str, Module]]]) -> None:
        """Add (or replace) modules from a mapping or from (key, module) pairs."""
        for key, module in _pairs("ModuleDict", modules):
            self[key] = module


class ParameterList(Module):
    """A list of Parameters, registered as "0", "1", ... (Tensors given are made Parameters).

    Example:
        >>> ws = nn.ParameterList([nn.Parameter(tg.randn(3, 3)) for _ in range(4)])
        >>> len(list(ws.parameters()))
        4
    """

    def __init__(self, values: Optional[Iterable[Any]] = None) -> None:
        super().__init__()
        self._size = 0
        if values is not None:
            self.extend(values)

    def _index(self, idx: int) -> str:
        if not -self._size <= idx < self._size:
            raise IndexError(f"index {idx} is out of range for a ParameterList of length {self._size}")
        return str(idx % self._size)

    def __getitem__(self, idx: Union[int, slice]) -> Any:
        if isinstance(idx, slice):
            return ParameterList([self[i] for i in range(self._size)[idx]])
        return getattr(self, self._index(idx))

    def __setitem__(self, idx: int, value: Any) -> None:
        setattr(self, self._index(idx), _as_parameter(value))

    def __len__(self) -> int:
        return self._size

    def __iter__(self) -> Iterator[Any]:
        return (self[i] for i in range(self._size))

    def __iadd__(self, values: Iterable[Any]) -> "ParameterList":
        return self.extend(values)

    def append(self, value: Any) -> "ParameterList":
        """Add a Parameter (or a Tensor, made a Parameter) at the end; returns self."""
        self._size += 1
        setattr(self, str(self._size - 1), _as_parameter(value))
        return self

    def extend(self, values: Iterable[Any]) -> "ParameterList":
        if isinstance(values, Tensor) or not isinstance(values, Iterable):
            raise TypeError(f"ParameterList.extend should be called with an iterable, but got {type(values).__name__}")
        for value in values:
            self.append(value)
        return self

    def extra_repr(self) -> str:
        return "\n".join(f"({i}): Parameter containing: [{p.data.dtype} of size {'x'.join(map(str, p.data.shape))}]"
                         for i, p in enumerate(self) if isinstance(p, Tensor))


class ParameterDict(Module):
    """A dict of named Parameters, in insertion order (Tensors given are made Parameters).

    Example:
        >>> scales = nn.ParameterDict({"a": nn.Parameter(tg.ones(1)), "b": nn.Parameter(tg.zeros(1))})
        >>> sorted(scales.state_dict())
        ['a', 'b']
    """

    def __init__(self, parameters: Optional[Union[Mapping[str, Any], Iterable[tuple[str, Any]]]] = None) -> None:
        super().__init__()
        self._keys: "OrderedDict[str, None]" = OrderedDict()
        if parameters is not None:
            self.update(parameters)

    def __getitem__(self, key: str) -> Any:
        if key not in self._keys:
            raise KeyError(key)
        return getattr(self, key)

    def __setitem__(self, key: str, value: Any) -> None:
        value = _as_parameter(value)
        if isinstance(value, Parameter) or value is None:
            self.register_parameter(key, value)
        else:
            self._check_new_name(key, self._parameters, "parameter")
            object.__setattr__(self, key, value)  # anything else is kept as a plain attribute, as PyTorch
        self._keys[key] = None

    def __delitem__(self, key: str) -> None:
        del self._keys[key]
        self._parameters.pop(key, None)
        object.__delattr__(self, key)

    def __len__(self) -> int:
        return len(self._keys)

    def __iter__(self) -> Iterator[str]:
        return iter(self._keys)

    def __contains__(self, key: object) -> bool:
        return key in self._keys

    def keys(self) -> Iterable[str]:
        return self._keys.keys()

    def items(self) -> Iterable[tuple[str, Any]]:
        return [(key, self[key]) for key in self._keys]

    def values(self) -> Iterable[Any]:
        return [self[key] for key in self._keys]

    def get(self, key: str, default: Any = None) -> Any:
        return self[key] if key in self else default

    def pop(self, key: str) -> Any:
        value = self[key]
        del self[key]
        return value

    def clear(self) -> None:
        for key in list(self._keys):
            del self[key]

    def update(self, parameters: Union[Mapping[str, Any], Iterable[tuple[str, Any]]]) -> None:
        """Add (or replace) parameters from a mapping or from (key, value) pairs."""
        for key, value in _pairs("ParameterDict", parameters):
            self[key] = value
