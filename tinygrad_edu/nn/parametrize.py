"""nn.utils.parametrize: make a module's parameter (or buffer) the output of a function of other tensors.

`register_parametrization(module, "weight", P)` moves the weight to `module.parametrizations.weight.original`
(or `original0`, `original1`, ... when P.right_inverse splits it into several) and makes `module.weight` a
property computing P(original) at every read, so the graph reaches the originals; assigning to
`module.weight` calls P.right_inverse. As PyTorch, the module's class is swapped for a subclass
(`ParametrizedLinear`) that holds the property, and swapped back when the last parametrization is removed.
"""

from __future__ import annotations

import contextlib
import copy
from collections.abc import Iterator, Sequence
from typing import Any, TypeVar

from tinygrad_edu.autograd import no_grad
from tinygrad_edu.nn.container import ModuleList
from tinygrad_edu.nn.keyed_container import ModuleDict
from tinygrad_edu.nn.module import Module, Parameter
from tinygrad_edu.tensor import Tensor

__all__ = [
    "ParametrizationList",
    "register_parametrization",
    "remove_parametrizations",
    "is_parametrized",
    "type_before_parametrizations",
    "cached",
    "transfer_parametrizations_and_params",
]

M = TypeVar("M", bound=Module)

# cached(): while it is open, each parametrized tensor is computed once and kept here, by (id(module), name).
_cache_enabled = 0
_cache: dict[tuple[int, str], Tensor] = {}


@contextlib.contextmanager
def cached() -> Iterator[None]:
    """Within this block each parametrized tensor is computed at its first read and then reused.

    Example:
        >>> layer = nn.Linear(3, 3)
        >>> class Symmetric(nn.Module):
        ...     def forward(self, X): return X.triu() + X.triu(1).transpose(0, 1)
        >>> _ = nn.utils.parametrize.register_parametrization(layer, "weight", Symmetric())
        >>> with nn.utils.parametrize.cached():
        ...     layer.weight is layer.weight
        True
        >>> layer.weight is layer.weight
        False
    """
    global _cache_enabled
    _cache_enabled += 1
    try:
        yield
    finally:
        _cache_enabled -= 1
        if not _cache_enabled:
            _cache.clear()


def _table(module: Module) -> Any:
    """module.parametrizations: the ModuleDict of each parametrized name's ParametrizationList."""
    return module.__dict__["parametrizations"]


def _register_parameter_or_buffer(module: Module, name: str, value: Tensor) -> None:
    if isinstance(value, Parameter):
        module.register_parameter(name, value)
    else:
        module.register_buffer(name, value)


def _set_in_place(original: Tensor, new: Tensor) -> None:
    """original takes new's values (and shape), staying the same object: an optimizer holding it still works."""
    original.data = new.data.astype(original.data.dtype, copy=True)
    original._bump_version()


def _check_output(what: str, unparametrized: Tensor, X: Any) -> None:
    """Refuse (ValueError, as PyTorch) an output that is not a tensor of the tensor's dtype and shape."""
    if not isinstance(X, Tensor):
        raise ValueError(f"A parametrization must return a tensor. Got {type(X).__name__}.")
    if X.dtype != unparametrized.dtype:
        raise ValueError(
            f"Registering a parametrization may not change the dtype of the tensor, unless the `unsafe` flag is "
            f"enabled.\nunparametrized dtype: {unparametrized.dtype}\n{what} dtype: {X.dtype}"
        )
    if X.shape != unparametrized.shape:
        raise ValueError(
            f"Registering a parametrization may not change the shape of the tensor, unless the `unsafe` flag is "
            f"enabled.\nunparametrized shape: {unparametrized.shape}\n{what} shape: {X.shape}"
        )


class ParametrizationList(ModuleList):
    """The parametrizations of one tensor, applied in order, and the original tensor(s) they start from.

    Held as `_table(module)[name]`: calling it computes the parametrized tensor; `right_inverse(value)`
    sets the originals so that it computes `value` (through each parametrization's right_inverse, last first).
    """

    original: Tensor  # (registered by __init__ when right_inverse gives one tensor; else original0, original1, ...)

    def __init__(self, modules: Sequence[Module], original: Tensor, unsafe: bool = False) -> None:
        if len(modules) == 0:
            raise ValueError("ParametrizationList requires one or more modules.")
        super().__init__(modules)
        self.unsafe = unsafe
        with no_grad():
            new: Any = original
            for module in reversed(list(self)):
                if hasattr(module, "right_inverse"):
                    try:
                        new = module.right_inverse(new)
                    except NotImplementedError:
                        pass
        if not isinstance(new, (Tensor, Sequence)):
            raise ValueError(
                "'right_inverse' must return a Tensor or a Sequence of tensors (list, tuple...). "
                f"Got {type(new).__name__}"
            )
        self.is_tensor = isinstance(new, Tensor)
        self.ntensors = 1 if self.is_tensor else len(new)
        if isinstance(new, Tensor):
            if original.dtype != new.dtype:
                raise ValueError(
                    "When `right_inverse` outputs one tensor, it may not change the dtype.\n"
                    f"original.dtype: {original.dtype}\nright_inverse(original).dtype: {new.dtype}"
                )
            _set_in_place(original, new)
            _register_parameter_or_buffer(self, "original", original)
        else:
            for i, part in enumerate(new):
                if not isinstance(part, Tensor):
                    raise ValueError(
                        "'right_inverse' must return a Tensor or a Sequence of tensors (list, tuple...). "
                        f"Got element {i} of the sequence with type {type(part).__name__}."
                    )
                if isinstance(original, Parameter):
                    part = Parameter(part.data.copy(), requires_grad=original.requires_grad)
                else:
                    part = part.detach().requires_grad_(original.requires_grad)
                _register_parameter_or_buffer(self, f"original{i}", part)
        if not self.unsafe:
            _check_output("parametrized", original, self())

    def originals(self) -> list[Tensor]:
        """The tensor(s) the parametrizations start from: [original], or [original0, original1, ...]."""
        if self.is_tensor:
            return [self.original]
        return [getattr(self, f"original{i}") for i in range(self.ntensors)]

    def right_inverse(self, value: Tensor) -> None:
        """Set the originals so that the parametrized tensor is `value` (under no_grad, in place)."""
        with no_grad():
            for module in reversed(list(self)):
                if not hasattr(module, "right_inverse"):
                    raise RuntimeError(f"parametrization {type(module).__name__} does not implement right_inverse.")
                value = module.right_inverse(value)
            if self.is_tensor:
                if not isinstance(value, Tensor):
                    raise ValueError(f"`right_inverse` should return a tensor. Got {type(value).__name__}")
                if value.dtype != self.original.dtype:
                    raise ValueError(
                        f"The tensor returned by `right_inverse` has dtype {value.dtype} while "
                        f"`original` has dtype {self.original.dtype}"
                    )
                _set_in_place(self.original, value)
            else:
                if not isinstance(value, Sequence) or len(value) != self.ntensors:
                    raise ValueError(
                        f"'right_inverse' must return a sequence of {self.ntensors} tensors. Got {type(value).__name__}"
                    )
                for original, part in zip(self.originals(), value):
                    _set_in_place(original, part)

    def forward(self) -> Tensor:
        parametrizations = list(self)
        x = parametrizations[0](*self.originals())
        for module in parametrizations[1:]:
            x = module(x)
        return x


def _inject_new_class(module: Module) -> None:
    """Swap the module's class for a subclass named Parametrized<Class>, which will hold the properties."""
    cls = type(module)

    def __setattr__(self: Module, name: str, value: Any) -> None:
        if is_parametrized(self, name):
            if isinstance(value, Parameter):  # as PyTorch: the name is taken by the parametrization
                raise KeyError(f"attribute '{name}' already exists")
            object.__setattr__(self, name, value)  # the property's setter: right_inverse
            return
        cls.__setattr__(self, name, value)

    def __getstate__(self: Module) -> Any:
        raise RuntimeError(
            "Serialization of parametrized modules is only supported through state_dict(). "
            "See: https://pytorch.org/tutorials/beginner/saving_loading_models.html"
        )

    def __deepcopy__(self: Module, memo: dict[int, Any]) -> Module:
        # copy.deepcopy works (as PyTorch's): a new object of the same class, with a deep copy of its attributes
        replica = memo.get(id(self))
        if replica is None:
            replica = memo[id(self)] = type(self).__new__(type(self))
            replica.__dict__.update(copy.deepcopy(self.__dict__, memo))
        return replica

    module.__class__ = type(
        f"Parametrized{cls.__name__}",
        (cls,),
        {"__setattr__": __setattr__, "__getstate__": __getstate__, "__deepcopy__": __deepcopy__},
    )


def _inject_property(module: Module, name: str) -> None:
    """module.<name>: computed by its ParametrizationList at each read (or once, within cached()); set through it."""

    def get_parametrized(self: Module) -> Tensor:
        parametrization = _table(self)[name]
        if not _cache_enabled:
            return parametrization()
        key = (id(self), name)
        tensor = _cache.get(key)
        if tensor is None:
            tensor = _cache[key] = parametrization()
        return tensor

    def set_original(self: Module, value: Tensor) -> None:
        _table(self)[name].right_inverse(value)

    setattr(type(module), name, property(get_parametrized, set_original))


def register_parametrization(module: M, tensor_name: str, parametrization: Module, *, unsafe: bool = False) -> M:
    """Make module.<tensor_name> = parametrization(original), original being the parameter (or buffer) it was.

    If the parametrization has `right_inverse`, the original is initialised to right_inverse(tensor) (several
    originals if it returns a tuple). Registering on a name already parametrized chains the new one after
    the others. Unless unsafe=True, a parametrization that changes the dtype or shape is refused (ValueError).

    Example:
        >>> class Positive(nn.Module):
        ...     def forward(self, X): return X.exp()
        ...     def right_inverse(self, Y): return Y.log()
        >>> layer = nn.Linear(2, 2)
        >>> _ = nn.init.constant_(layer.weight, 0.5)         # (positive, so that right_inverse's log is defined)
        >>> _ = nn.utils.parametrize.register_parametrization(layer, "weight", Positive())
        >>> type(layer).__name__, list(layer.state_dict())
        ('ParametrizedLinear', ['bias', 'parametrizations.weight.original'])
        >>> layer.weight = tg.full((2, 2), 3.0)           # stored as log(3), read back as 3
        >>> [round(v, 5) for v in layer.weight.flatten().tolist()]
        [3.0, 3.0, 3.0, 3.0]
    """
    parametrization.train(module.training)
    if is_parametrized(module, tensor_name):
        if not unsafe:
            Y = getattr(module, tensor_name)
            X = parametrization(Y)
            _check_output("parametrized", Y, X)
            if hasattr(parametrization, "right_inverse"):
                try:
                    Z = parametrization.right_inverse(X)
                except NotImplementedError:
                    pass
                else:
                    _check_output("right_inverse", Y, Z)
        parametrizations = _table(module)[tensor_name]
        parametrizations.append(parametrization)
        parametrizations.unsafe |= unsafe
    elif tensor_name in module._buffers or tensor_name in module._parameters:
        original = getattr(module, tensor_name)
        parametrizations = ParametrizationList([parametrization], original, unsafe=unsafe)
        delattr(module, tensor_name)
        if not is_parametrized(module):
            _inject_new_class(module)
            module.add_module("parametrizations", ModuleDict())
        _inject_property(module, tensor_name)
        _table(module)[tensor_name] = parametrizations
    else:
        raise ValueError(
            f"Module '{module}' does not have a parameter, a buffer, or a parametrized element with name "
            f"'{tensor_name}'"
        )
    return module


def is_parametrized(module: Module, tensor_name: str | None = None) -> bool:
    """Whether `module` has any parametrization (tensor_name None), or one on `tensor_name`.

    Example:
        >>> nn.utils.parametrize.is_parametrized(nn.Linear(2, 2))
        False
    """
    parametrizations = module.__dict__.get("parametrizations")
    if not isinstance(parametrizations, ModuleDict):
        return False
    if tensor_name is None:
        return len(parametrizations) > 0
    return tensor_name in parametrizations


def remove_parametrizations(module: M, tensor_name: str, leave_parametrized: bool = True) -> M:
    """Undo register_parametrization on `tensor_name`: it is again a parameter (or buffer) of the module.

    With leave_parametrized=True it holds the parametrized value (in the same tensor object as the original,
    when there was one original); with False the original itself (refused for several originals).

    Example:
        >>> layer = nn.Linear(2, 2)
        >>> class Double(nn.Module):
        ...     def forward(self, X): return 2 * X
        >>> _ = nn.utils.parametrize.register_parametrization(layer, "weight", Double())
        >>> _ = nn.utils.parametrize.remove_parametrizations(layer, "weight")
        >>> type(layer).__name__, [name for name, _ in layer.named_parameters()]
        ('Linear', ['bias', 'weight'])
    """
    if not is_parametrized(module, tensor_name):
        raise ValueError(f"Module {module} does not have a parametrization on {tensor_name}")
    parametrizations = _table(module)[tensor_name]
    if parametrizations.is_tensor:
        original = parametrizations.original
        if leave_parametrized:
            with no_grad():
                t = getattr(module, tensor_name)
            _set_in_place(original, t)
    else:
        if not leave_parametrized:
            raise ValueError(
                "Cannot leave unparametrized (`leave_parametrized=False`) a tensor "
                "that is parametrized in terms of a sequence of tensors."
            )
        t = getattr(module, tensor_name)
        original = Parameter(t.data.copy()) if t.requires_grad else t.detach()
    delattr(type(module), tensor_name)
    del _table(module)[tensor_name]
    _register_parameter_or_buffer(module, tensor_name, original)
    if not is_parametrized(module):
        delattr(module, "parametrizations")
        module.__class__ = type(module).__bases__[0]
    return module


def type_before_parametrizations(module: Module) -> type:
    """The module's class before parametrizations swapped it (Linear for a ParametrizedLinear).

    Example:
        >>> nn.utils.parametrize.type_before_parametrizations(nn.Linear(2, 2)).__name__
        'Linear'
    """
    if is_parametrized(module):
        return type(module).__bases__[0]
    return type(module)


def transfer_parametrizations_and_params(from_module: Module, to_module: M, tensor_name: str | None = None) -> M:
    """Register on `to_module` the parametrizations of `from_module` (all, or those of `tensor_name`), sharing
    the original tensors: both modules then train the same originals. As PyTorch, a name `to_module` lacks is
    first made a Parameter holding from_module's parametrized value.

    Example:
        >>> a, b = nn.Linear(2, 2), nn.Linear(2, 2)
        >>> _ = nn.utils.parametrizations.weight_norm(a)
        >>> _ = nn.utils.parametrize.transfer_parametrizations_and_params(a, b)
        >>> b.parametrizations.weight.original0 is a.parametrizations.weight.original0
        True
    """
    if not is_parametrized(from_module):
        return to_module
    source = _table(from_module)
    for name in list(source) if tensor_name is None else [tensor_name]:
        if not hasattr(to_module, name):
            to_module.register_parameter(name, Parameter(getattr(from_module, name).detach().data.copy()))
        for parametrization in source[name]:
            register_parametrization(to_module, name, parametrization)
        target = _table(to_module)[name]
        for i, original in enumerate(source[name].originals()):
            key = "original" if source[name].is_tensor else f"original{i}"
            setattr(target, key, original)
    return to_module
