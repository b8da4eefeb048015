"""Module and Parameter: how a network holds its weights, names them, and saves and loads them.

As in PyTorch, assigning a `Parameter` or a `Module` to an attribute of a Module registers it:
`self.fc1 = nn.Linear(2, 4)` makes `fc1` a sub-module, and its weight shows up in `parameters()`
as `fc1.weight`. Buffers are tensors a module keeps that are not trained (running statistics, a
fixed mask): `register_buffer` names them, and they are saved in the state dict. The registries are
three ordered dicts, `_parameters`, `_buffers` and `_modules`; the values are also kept as ordinary
attributes, so reading `self.fc1` in `forward` costs a plain attribute lookup.
`Sequential` and `ModuleList` are in `container.py`.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Iterator, Mapping
from typing import Any, NamedTuple, TypeVar

import numpy as np

from tinygrad_edu.device import check_device
from tinygrad_edu.dtypes import _check_can_require_grad, _to_array
from tinygrad_edu.errors import DtypeError
from tinygrad_edu.in_place import _share_version
from tinygrad_edu.tensor import Tensor
from tinygrad_edu.tensor_convert import _is_device
from tinygrad_edu.utils.hooks import ModuleHooks, RemovableHandle

__all__ = ["Module", "Parameter"]

M = TypeVar("M", bound="Module")


class Parameter(Tensor):
    """A Tensor that is a weight of a Module: it requires grad, and assigning it to a Module registers it.

    Given a Tensor, the Parameter shares its data (no copy), as `torch.nn.Parameter`; anything else
    (a list, an ndarray) is copied with `tg.tensor`'s rules.

    Example:
        >>> w = nn.Parameter(tg.zeros(2, 3))
        >>> w.requires_grad, w.shape
        (True, (2, 3))
    """

    __slots__ = ()

    def __init__(self, data: Any = None, requires_grad: bool = True) -> None:
        if data is None:
            array = np.empty((0,), dtype=np.float32)
        elif isinstance(data, Tensor):
            array = data.data  # shared, as torch.nn.Parameter(tensor)
        else:
            array = _to_array(data)
        self.data = array
        self._grad = None
        self.grad_fn = None
        self._version = 0
        # No view shares the data yet (what an unset _aliases slot means too, see in_place._share_version).
        # Set, so that the version bump of every optimizer step reads None instead of catching the
        # AttributeError of an unset slot: 0.39 -> 0.19 us a parameter.
        self._aliases = None
        self.requires_grad = False
        if requires_grad:
            _check_can_require_grad(array.dtype, "Parameter")
            self.requires_grad = True
        if isinstance(data, Tensor):  # same memory, so one version counter: an in-place change of either is seen
            _share_version(data, self)

    def __repr__(self) -> str:
        return "Parameter containing:\n" + super().__repr__()


def _attribute(module: Module, name: str) -> Any:
    """getattr(module, name), with the AttributeError PyTorch's get_submodule gives when there is none."""
    try:
        return getattr(module, name)
    except AttributeError:
        raise AttributeError(f"{type(module).__name__} has no attribute `{name}`") from None


class _IncompatibleKeys(NamedTuple):
    """What `load_state_dict` returns: the keys it did not find, and those it did not use (PyTorch's name)."""

    missing_keys: list[str]
    unexpected_keys: list[str]

    # print() shows this too: a tuple has no __str__ of its own, so object.__str__ calls __repr__.
    def __repr__(self) -> str:
        if not self.missing_keys and not self.unexpected_keys:
            return "<All keys matched successfully>"  # what PyTorch prints
        return f"_IncompatibleKeys(missing_keys={self.missing_keys}, unexpected_keys={self.unexpected_keys})"


def _is_float_dtype(dtype: Any) -> bool:
    """True when `dtype` names a floating-point dtype (False for anything NumPy cannot read as a dtype)."""
    try:
        return np.dtype(dtype).kind == "f"
    except TypeError:
        return False


class Module:
    """Base class of every layer and network: subclass it, assign layers in `__init__`, write `forward`.

    Example:
        >>> class Net(nn.Module):
        ...     def __init__(self):
        ...         super().__init__()
        ...         self.fc1 = nn.Linear(2, 4)
        ...         self.fc2 = nn.Linear(4, 1)
        ...     def forward(self, x):
        ...         return self.fc2(self.fc1(x).sigmoid()).sigmoid()
        >>> net = Net()
        >>> [name for name, _ in net.named_parameters()]
        ['fc1.weight', 'fc1.bias', 'fc2.weight', 'fc2.bias']
    """

    training: bool
    _parameters: dict[str, Parameter | None]
    _buffers: dict[str, Tensor | None]
    _non_persistent_buffers_set: set[str]
    _modules: dict[str, Module | None]
    # this module's hooks (register_forward_hook and friends), made at the first; None: the call is just forward
    _module_hooks: ModuleHooks | None = None

    def __init__(self) -> None:
        # object.__setattr__: these are the registries themselves, not things to register
        object.__setattr__(self, "training", True)
        object.__setattr__(self, "_parameters", OrderedDict())
        object.__setattr__(self, "_buffers", OrderedDict())
        object.__setattr__(self, "_non_persistent_buffers_set", set())  # buffers left out of state_dict
        object.__setattr__(self, "_modules", OrderedDict())

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        """The computation; every subclass defines it. Call the module (`net(x)`), not `forward`."""
        raise NotImplementedError(f'Module [{type(self).__name__}] is missing the required "forward" function')

    def __call__(self, *args: Any, **kwargs: Any) -> Tensor:
        # Without hooks, calling a module is calling its forward: one test is all the hooks cost (see
        # utils/hooks.py). Typed as what (nearly) every module returns, so a type checker sees `model(x)` as a
        # Tensor; a forward returning something else still works.
        if self._module_hooks is None:
            return self.forward(*args, **kwargs)
        return self._module_hooks.call(self, args, kwargs)

    # ---- hooks, as PyTorch's (kept in one ModuleHooks: utils/hooks.py) ----------------------------

    def _hook_table(self) -> ModuleHooks:
        if self._module_hooks is None:
            object.__setattr__(self, "_module_hooks", ModuleHooks())
        assert self._module_hooks is not None
        return self._module_hooks

    def register_forward_pre_hook(
        self, hook: Callable[..., Any], *, prepend: bool = False, with_kwargs: bool = False
    ) -> RemovableHandle:
        """Call `hook(module, args)` before each forward; a value it returns replaces the positional arguments
        (a tuple, or one value that becomes a 1-tuple). With `with_kwargs=True` it is `hook(module, args,
        kwargs)` and may return a pair `(args, kwargs)`. `prepend=True` runs it before the hooks already there.

        Example:
            >>> layer = nn.Identity()
            >>> _ = layer.register_forward_pre_hook(lambda module, args: (args[0] * 2,))
            >>> layer(tg.tensor([1.0, 2.0]))
            tensor([2., 4.], dtype=float32)
        """
        hooks = self._hook_table()
        flags = [hooks.forward_pre_kwargs] if with_kwargs else []
        return hooks.add(hooks.forward_pre, hook, prepend, *flags)

    def register_forward_hook(
        self,
        hook: Callable[..., Any],
        *,
        prepend: bool = False,
        with_kwargs: bool = False,
        always_call: bool = False,
    ) -> RemovableHandle:
        """Call `hook(module, args, output)` after each forward; a value it returns replaces the output.

        With `with_kwargs=True` it is `hook(module, args, kwargs, output)`; with `always_call=True` it runs
        even when forward raises (output None then); `prepend=True` runs it before the hooks already there.

        Example:
            >>> layer = nn.Linear(3, 2)
            >>> shapes = []
            >>> handle = layer.register_forward_hook(lambda module, args, output: shapes.append(output.shape))
            >>> _ = layer(tg.ones(4, 3))
            >>> handle.remove()
            >>> _ = layer(tg.ones(4, 3))
            >>> shapes
            [(4, 2)]
        """
        hooks = self._hook_table()
        flags = ([hooks.forward_kwargs] if with_kwargs else []) + ([hooks.always_call] if always_call else [])
        return hooks.add(hooks.forward, hook, prepend, *flags)

    def register_full_backward_pre_hook(self, hook: Callable[..., Any], prepend: bool = False) -> RemovableHandle:
        """Call `hook(module, grad_output)` once the gradients of the module's outputs are complete; a tuple it
        returns replaces grad_output (what flows into the module's ops), as PyTorch's."""
        hooks = self._hook_table()
        return hooks.add(hooks.backward_pre, hook, prepend)

    def register_full_backward_hook(self, hook: Callable[..., Any], prepend: bool = False) -> RemovableHandle:
        """Call `hook(module, grad_input, grad_output)` once the gradients of the module's inputs are complete.

        As PyTorch's: grad_input has one entry per positional argument of the call (None where it is not a
        tensor that requires grad; the weights are not inputs), grad_output one per output; a tuple the hook
        returns replaces grad_input. When no input requires grad the hook runs as soon as grad_output is
        known, with grad_input all None.

        Example:
            >>> layer = nn.Linear(3, 2)
            >>> _ = layer.register_full_backward_hook(
            ...     lambda module, grad_input, grad_output: print(grad_input[0].shape, grad_output[0].shape))
            >>> layer(tg.ones(4, 3, requires_grad=True)).sum().backward()
            (4, 3) (4, 2)
        """
        hooks = self._hook_table()
        return hooks.add(hooks.backward, hook, prepend)

    # ---- registration ---------------------------------------------------------------------------

    def __setattr__(self, name: str, value: Any) -> None:
        """`self.name = value`, registering a Parameter or Module value (or None over a registered name).

        A Tensor (or None) assigned to the name of a registered buffer replaces that buffer.
        """
        params = self.__dict__.get("_parameters")
        modules = self.__dict__.get("_modules")
        buffers = self.__dict__.get("_buffers")
        if isinstance(value, Parameter):
            if params is None or modules is None:  # all three registries are made together, in __init__
                raise AttributeError("cannot assign parameters before Module.__init__() call")
            modules.pop(name, None)
            self._forget_buffer(name)
            params[name] = value
        elif params is not None and name in params:
            if value is not None:
                raise TypeError(
                    f"cannot assign '{type(value).__name__}' as parameter '{name}' (nn.Parameter or None expected)"
                )
            params[name] = None
        elif isinstance(value, Module):
            if modules is None or params is None:
                raise AttributeError("cannot assign module before Module.__init__() call")
            params.pop(name, None)
            self._forget_buffer(name)
            modules[name] = value
        elif modules is not None and name in modules:
            if value is not None:
                raise TypeError(
                    f"cannot assign '{type(value).__name__}' as child module '{name}' (nn.Module or None expected)"
                )
            modules[name] = None
        elif buffers is not None and name in buffers:
            if value is not None and not isinstance(value, Tensor):
                raise TypeError(f"cannot assign '{type(value).__name__}' as buffer '{name}' (Tensor or None expected)")
            buffers[name] = value
        object.__setattr__(self, name, value)  # also a plain attribute, for fast reads in forward

    def __delattr__(self, name: str) -> None:
        self._parameters.pop(name, None)
        self._forget_buffer(name)
        self._modules.pop(name, None)
        object.__delattr__(self, name)

    def _forget_buffer(self, name: str) -> None:
        """Unregister the buffer `name`, if there is one (its name is being given to something else)."""
        if "_buffers" in self.__dict__:
            self._buffers.pop(name, None)
            self._non_persistent_buffers_set.discard(name)

    def _check_new_name(self, name: Any, registry: dict, what: str) -> None:
        """Refuse a name that is not a string, is empty, holds '.' or is taken by a plain attribute."""
        if not isinstance(name, str):
            raise TypeError(f"{what} name should be a string, got {type(name).__name__}")
        if name == "" or "." in name:
            raise KeyError(f'{what} name can\'t be empty or contain ".", got "{name}"')
        if name not in registry and name in self.__dict__:
            raise KeyError(f"attribute '{name}' already exists")

    def register_parameter(self, name: str, param: Parameter | None) -> None:
        """Register `param` (a Parameter, or None for an absent one such as a disabled bias) as `name`."""
        if "_parameters" not in self.__dict__:
            raise AttributeError("cannot assign parameter before Module.__init__() call")
        self._check_new_name(name, self._parameters, "parameter")
        if param is not None and not isinstance(param, Parameter):
            raise TypeError(
                f"cannot assign '{type(param).__name__}' object to parameter '{name}' (nn.Parameter or None required)"
            )
        self._parameters[name] = param
        object.__setattr__(self, name, param)

    def add_module(self, name: str, module: Module | None) -> None:
        """Register a sub-module as `name` (what attribute assignment does, for names made at run time)."""
        if "_modules" not in self.__dict__:
            raise AttributeError("cannot assign module before Module.__init__() call")
        if module is not None and not isinstance(module, Module):
            raise TypeError(f"{type(module).__name__} is not a Module subclass")
        self._check_new_name(name, self._modules, "module")
        self._modules[name] = module
        object.__setattr__(self, name, module)

    register_module = add_module

    def register_buffer(self, name: str, tensor: Tensor | None, persistent: bool = True) -> None:
        """Register a tensor that belongs to the module's state but is not trained, as `name`.

        A buffer is an attribute (`self.name`), is listed by `buffers()` but not by `parameters()`,
        is saved by `state_dict()` and restored by `load_state_dict()` (unless persistent=False),
        and follows the module's floating dtype in `to()`, `double()` and `float()`. None registers
        an absent buffer (skipped everywhere, as a None parameter is).

        Example:
            >>> class Scale(nn.Module):
            ...     def __init__(self):
            ...         super().__init__()
            ...         self.register_buffer("factor", tg.tensor([2.0]))
            ...     def forward(self, x):
            ...         return x * self.factor
            >>> list(Scale().state_dict()), list(Scale().parameters())
            (['factor'], [])
        """
        if "_buffers" not in self.__dict__:
            raise AttributeError("cannot assign buffer before Module.__init__() call")
        self._check_new_name(name, self._buffers, "buffer")
        if tensor is not None and not isinstance(tensor, Tensor):
            raise TypeError(
                f"cannot assign '{type(tensor).__name__}' object to buffer '{name}' (Tensor or None required)"
            )
        self._buffers[name] = tensor
        if persistent:
            self._non_persistent_buffers_set.discard(name)
        else:
            self._non_persistent_buffers_set.add(name)
        object.__setattr__(self, name, tensor)

    # ---- walking the tree -----------------------------------------------------------------------

    def named_modules(
        self, memo: set | None = None, prefix: str = "", remove_duplicate: bool = True
    ) -> Iterator[tuple[str, Module]]:
        """(dotted name, module) for this module (name '') and every module below it, depth first."""
        if memo is None:
            memo = set()
        if remove_duplicate:
            if self in memo:
                return
            memo.add(self)
        yield prefix, self
        for name, module in self._modules.items():
            if module is not None:
                child_prefix = prefix + "." + name if prefix else name
                yield from module.named_modules(memo, child_prefix, remove_duplicate)

    def modules(self) -> Iterator[Module]:
        """This module and every module below it, each once."""
        for _, module in self.named_modules():
            yield module

    def named_children(self) -> Iterator[tuple[str, Module]]:
        """(name, module) for the direct sub-modules, each once."""
        seen = set()
        for name, module in self._modules.items():
            if module is not None and module not in seen:
                seen.add(module)
                yield name, module

    def children(self) -> Iterator[Module]:
        """The direct sub-modules, each once."""
        for _, module in self.named_children():
            yield module

    def named_parameters(
        self, prefix: str = "", recurse: bool = True, remove_duplicate: bool = True
    ) -> Iterator[tuple[str, Parameter]]:
        """(dotted name, parameter) pairs, in registration order, e.g. ('fc1.weight', Parameter).

        A parameter shared by two layers is listed once (under its first name) unless
        remove_duplicate=False.
        """
        return self._named_members("_parameters", prefix, recurse, remove_duplicate)

    def _named_members(
        self, registry: str, prefix: str, recurse: bool, remove_duplicate: bool
    ) -> Iterator[tuple[str, Any]]:
        """(dotted name, tensor) for the tensors in each module's `registry` ('_parameters' or '_buffers')."""
        owners = self.named_modules(prefix=prefix, remove_duplicate=remove_duplicate) if recurse else [(prefix, self)]
        seen: set[int] = set()
        for owner_prefix, module in owners:
            for name, member in getattr(module, registry).items():
                if member is None or (remove_duplicate and id(member) in seen):
                    continue
                seen.add(id(member))
                yield (owner_prefix + "." + name if owner_prefix else name), member

    def parameters(self, recurse: bool = True) -> Iterator[Parameter]:
        """Every parameter, each once, in registration order: what an optimizer takes.

        Example:
            >>> sum(p.numel() for p in nn.Linear(2, 4).parameters())   # 4 x 2 weights + 4 biases
            12
        """
        for _, param in self.named_parameters(recurse=recurse):
            yield param

    def named_buffers(
        self, prefix: str = "", recurse: bool = True, remove_duplicate: bool = True
    ) -> Iterator[tuple[str, Tensor]]:
        """(dotted name, buffer) pairs, in registration order, persistent or not, e.g. ('bn.running_mean', Tensor)."""
        return self._named_members("_buffers", prefix, recurse, remove_duplicate)

    def buffers(self, recurse: bool = True) -> Iterator[Tensor]:
        """Every buffer, each once, in registration order."""
        for _, buffer in self.named_buffers(recurse=recurse):
            yield buffer

    def get_submodule(self, target: str) -> Module:
        """The sub-module at the dotted path `target` ('' is self), as `torch.nn.Module.get_submodule`.

        Example:
            >>> nn.Sequential(nn.Linear(2, 2), nn.Sequential(nn.Sigmoid())).get_submodule("1.0")
            Sigmoid()
        """
        if target == "":
            return self
        module = self
        for item in target.split("."):
            value = _attribute(module, item)
            if not isinstance(value, Module):
                raise AttributeError(f"`{item}` is not an nn.Module")
            module = value
        return module

    def get_parameter(self, target: str) -> Parameter:
        """The parameter at the dotted path `target`, e.g. '0.weight' (the names of named_parameters)."""
        module_path, _, name = target.rpartition(".")
        value = _attribute(self.get_submodule(module_path), name)
        if not isinstance(value, Parameter):
            raise AttributeError(f"`{name}` is not an nn.Parameter")
        return value

    def get_buffer(self, target: str) -> Tensor | None:
        """The buffer at the dotted path `target`, e.g. 'bn.running_mean' (the names of named_buffers).

        None for a buffer registered as None (e.g. BatchNorm's with track_running_stats=False), as PyTorch.
        """
        module_path, _, name = target.rpartition(".")
        module = self.get_submodule(module_path)
        _attribute(module, name)  # no such attribute: the error names the module, as PyTorch's
        if name not in module._buffers:
            raise AttributeError(f"`{name}` is not a buffer")
        return module._buffers[name]

    def apply(self: M, fn: Callable[[Module], Any]) -> M:
        """Call fn on every sub-module (children first) and on self, e.g. to initialise weights; returns self."""
        for module in self.children():
            module.apply(fn)
        fn(self)
        return self

    # ---- training helpers -----------------------------------------------------------------------

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Clear every parameter's gradient: to None (the default, as PyTorch), or to zeros."""
        for param in self.parameters():
            if set_to_none:
                param.grad = None
            elif param.grad is not None:
                # A fresh array: the old one may be shared with another gradient, or read-only.
                param.grad = Tensor._from_op(np.zeros_like(param.data), None)

    def train(self: M, mode: bool = True) -> M:
        """Set training mode (`.training`) on this module and every sub-module; returns self."""
        if not isinstance(mode, bool):
            raise ValueError(f"training mode is expected to be boolean, got {mode!r}")
        self.training = mode
        for module in self.children():
            module.train(mode)
        return self

    def eval(self: M) -> M:
        """Set evaluation mode: `train(False)`."""
        return self.train(False)

    def requires_grad_(self: M, requires_grad: bool = True) -> M:
        """Turn gradient tracking of every parameter on or off (to freeze layers); returns self."""
        for param in self.parameters():
            param.requires_grad_(requires_grad)
        return self

    # ---- dtype: the same Parameter objects, new data --------------------------------------------

    def to(self: M, *args: Any, **kwargs: Any) -> M:
        """Convert every parameter (and gradient) and floating buffer to a floating dtype, in place; returns self.

        PyTorch's forms all work: `to(dtype)`, `to(device)`, `to(device, dtype)`, `to(tensor)` (its dtype),
        `to(device=..., dtype=...)`, with `non_blocking=` accepted. The CPU is the one device here: "cpu",
        `tg.device("cpu")` and None change nothing, "cuda" is a clear error. The Parameter and buffer objects stay
        the same (an optimizer built on them keeps working); only their `.data` is replaced. Integer and bool
        buffers (counters, masks) keep their dtype, as in PyTorch.

        Example:
            >>> net = nn.Linear(2, 1).to(tg.device("cpu"), tg.float64)
            >>> net.weight.dtype
            dtype('float64')
        """
        dtype, device = kwargs.pop("dtype", None), kwargs.pop("device", None)
        kwargs.pop("non_blocking", None)  # (nothing runs asynchronously on the CPU)
        kwargs.pop("memory_format", None)
        if kwargs:
            raise TypeError(f"nn.Module.to() got an unexpected keyword argument {next(iter(kwargs))!r}")
        for arg in args:
            if isinstance(arg, Tensor):
                dtype = arg.dtype
            elif _is_device(arg):
                device = arg
            elif not isinstance(arg, bool):  # (a bool is the positional non_blocking)
                dtype = arg
        check_device("nn.Module.to", device)
        if dtype is None:
            return self
        if not _is_float_dtype(dtype):
            raise DtypeError(f"nn.Module.to only accepts floating point dtypes, but got {dtype!r}")
        dtype = np.dtype(dtype)
        for param in self.parameters():
            param.data = param.data.astype(dtype, copy=False)
            if param.grad is not None:
                param.grad.data = param.grad.data.astype(dtype, copy=False)
        for buffer in self.buffers():
            if buffer.data.dtype.kind == "f":
                buffer.data = buffer.data.astype(dtype, copy=False)
        return self

    def double(self: M) -> M:
        """Convert every parameter and floating buffer to float64 in place (what gradient checks use); returns self."""
        return self.to(np.float64)

    def float(self: M) -> M:
        """Convert every parameter and floating buffer to float32 in place; returns self."""
        return self.to(np.float32)

    # ---- state: names to arrays -----------------------------------------------------------------

    def state_dict(self, prefix: str = "", keep_vars: bool = False) -> OrderedDict[str, Any]:
        """An ordered mapping of dotted name to a copy of each parameter's and persistent buffer's data.

        The keys and their order are PyTorch's: module by module, its parameters then its buffers.
        A parameter shared by two layers appears under both names (as in PyTorch). With
        keep_vars=True the values are the Parameter and buffer objects themselves, not copies.

        Example:
            >>> list(nn.Sequential(nn.Linear(2, 4), nn.Sigmoid(), nn.Linear(4, 1)).state_dict())
            ['0.weight', '0.bias', '2.weight', '2.bias']
        """
        state: OrderedDict[str, Any] = OrderedDict()
        for owner, module in self.named_modules(remove_duplicate=False):
            owner_prefix = prefix + (owner + "." if owner else "")  # prefix is put in front as given
            for name, param in module._parameters.items():
                if param is not None:
                    state[owner_prefix + name] = param if keep_vars else param.data.copy()
            for name, buffer in module._buffers.items():
                if buffer is not None and name not in module._non_persistent_buffers_set:
                    state[owner_prefix + name] = buffer if keep_vars else buffer.data.copy()
        return state

    def load_state_dict(self, state_dict: Mapping[str, Any], strict: bool = True) -> _IncompatibleKeys:
        """Copy arrays (or Tensors) from `state_dict` into the parameters and persistent buffers of the same name.

        The copy is in place, cast to each parameter's (or buffer's) dtype. Every key and shape is
        checked before anything is copied: a missing key, an unexpected key (when strict) or a wrong
        shape (always) raises one RuntimeError that lists them all, and the model is left exactly as it was.
        Returns (missing_keys, unexpected_keys), which strict=False tolerates.

        Example:
            >>> fresh = nn.Linear(2, 1)
            >>> fresh.load_state_dict(trained.state_dict())
            <All keys matched successfully>
        """
        if not isinstance(state_dict, Mapping):
            raise TypeError(f"Expected state_dict to be dict-like, got {type(state_dict).__name__}.")
        own = self.state_dict(keep_vars=True)
        missing = [key for key in own if key not in state_dict]
        unexpected = [key for key in state_dict if key not in own]
        problems = []
        arrays = {}
        for key, param in own.items():
            if key not in state_dict:
                continue
            value = state_dict[key]
            try:
                array = value.data if isinstance(value, Tensor) else np.asarray(value)
            except (TypeError, ValueError) as error:  # e.g. a ragged list
                problems.append(f"value for {key} is not an array: {error}")
                continue
            if array.dtype.kind not in "biuf":
                problems.append(f"value for {key} is not numeric (dtype {array.dtype}).")
            elif array.shape != param.data.shape:
                problems.append(
                    f"size mismatch for {key}: copying a param with shape {array.shape} from checkpoint, "
                    f"the shape in current model is {param.data.shape}."
                )
            else:
                arrays[key] = array
        if strict:
            if missing:
                problems.insert(0, "Missing key(s) in state_dict: " + ", ".join(f'"{k}"' for k in missing) + ".")
            if unexpected:
                problems.insert(
                    1 if missing else 0,
                    "Unexpected key(s) in state_dict: " + ", ".join(f'"{k}"' for k in unexpected) + ".",
                )
        if problems:
            raise RuntimeError(
                f"Error(s) in loading state_dict for {type(self).__name__}:\n\t"
                + "\n\t".join(problems)
                + "\nNothing was loaded: the model is unchanged."
            )
        for key, array in arrays.items():
            param = own[key]
            if param.data.flags.writeable:
                param.data[...] = array  # in place, cast to the parameter's dtype
                param._bump_version()  # as PyTorch's copy_: graphs that saved the old weights refuse backward
            else:
                param.data = array.astype(param.data.dtype)
        return _IncompatibleKeys(missing, unexpected)

    # ---- printing -------------------------------------------------------------------------------

    def extra_repr(self) -> str:
        """The text inside this module's parentheses in its repr, e.g. 'in_features=2, out_features=4, bias=True'."""
        return ""

    def __repr__(self) -> str:
        # Name(extra) for a leaf; otherwise one line per child, "(name): child", indented two spaces,
        # with the child's own lines indented with it (as PyTorch prints).
        extra = self.extra_repr()
        lines = extra.split("\n") if extra else []
        for name, module in self._modules.items():
            child = repr(module).replace("\n", "\n  ")
            lines.append(f"({name}): {child}")
        if not lines:
            return f"{type(self).__name__}()"
        if len(lines) == 1 and not self._modules:
            return f"{type(self).__name__}({lines[0]})"
        return type(self).__name__ + "(\n  " + "\n  ".join(lines) + "\n)"
