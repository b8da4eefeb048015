"""nn.utils.stateless: call a module with other tensors in place of its parameters and buffers, as torch's.

`functional_call(module, {"weight": w}, x)` runs `module(x)` with `w` standing in for `module.weight` (so the
graph reaches `w`), then puts the module's own tensors back. PyTorch deprecates this module's function in
favour of `torch.func.functional_call`; it warns the same way here.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from tinygrad_edu.nn.module import Module
from tinygrad_edu.tensor import Tensor

__all__ = ["functional_call"]


def _all_tensors(module: Module) -> dict[str, Tensor]:
    """Every parameter and buffer under its every dotted name (a tied tensor under each of its names)."""
    named: dict[str, Tensor] = {}
    for owner, sub in module.named_modules(remove_duplicate=False):
        prefix = owner + "." if owner else ""
        for registry in (sub._parameters, sub._buffers):
            for name, value in registry.items():
                if value is not None:
                    named[prefix + name] = value
    return named


def _untie(module: Module, given: dict[str, Tensor]) -> dict[str, Tensor]:
    """With tied weights (one tensor under several names), a value given for one name goes to all of them."""
    names_of: dict[int, list[str]] = {}
    for name, tensor in _all_tensors(module).items():
        names_of.setdefault(id(tensor), []).append(name)
    tied = {name: names for names in names_of.values() if len(names) > 1 for name in names}
    untied = dict(given)
    for name, value in given.items():
        for other in tied.get(name, []):
            if other in given and given[other] is not value:
                keys = sorted(key for key in tied[name] if key in given)
                raise ValueError(
                    f"functional_call got multiple values for keys {keys}, which are tied. "
                    "Consider using tie_weights=False"
                )
            untied[other] = value
    return untied


@contextmanager
def _reparametrize(module: Module, tensors: dict[str, Tensor]) -> Iterator[None]:
    """Within the block, each dotted name of `tensors` reads as the tensor given; afterwards, as before."""
    saved: list[tuple[Module, str, dict | None, Any]] = []
    try:
        for dotted, value in tensors.items():
            path, _, attr = dotted.rpartition(".")
            owner = module.get_submodule(path) if path else module
            registries: tuple[dict[str, Any], ...] = (owner._parameters, owner._buffers)
            registry = next((r for r in registries if attr in r), None)
            saved.append((owner, attr, registry, owner.__dict__.get(attr)))
            if registry is not None:
                registry[attr] = value
            object.__setattr__(owner, attr, value)
        yield
    finally:
        for owner, attr, registry, old in reversed(saved):
            if registry is not None:
                registry[attr] = old
            object.__setattr__(owner, attr, old)


def functional_call(
    module: Module,
    parameters_and_buffers: dict[str, Tensor],
    args: Any = None,
    kwargs: dict[str, Any] | None = None,
    *,
    tie_weights: bool = True,
    strict: bool = False,
) -> Any:
    """module(*args, **kwargs) with the tensors of `parameters_and_buffers` standing in for the module's own.

    Names are dotted, as in `state_dict()`; names not given keep the module's tensors (unless strict=True,
    which also refuses unknown names). With tie_weights, a value for one name of a tied tensor serves all.

    Example:
        >>> import warnings; warnings.simplefilter("ignore", FutureWarning)
        >>> layer = nn.Linear(2, 1, bias=False)
        >>> w = tg.ones(1, 2, requires_grad=True)
        >>> out = nn.utils.stateless.functional_call(layer, {"weight": w}, tg.tensor([[2.0, 3.0]]))
        >>> out.item(), out.requires_grad, layer.weight is not w
        (5.0, True, True)
    """
    warnings.warn(
        "`torch.nn.utils.stateless.functional_call` is deprecated as of PyTorch 2.0 and will be removed in a future "
        "version of PyTorch. Please use `torch.func.functional_call` instead which is a drop-in replacement.",
        FutureWarning,
        stacklevel=2,
    )
    tensors = _untie(module, parameters_and_buffers) if tie_weights else dict(parameters_and_buffers)
    if strict:
        known = _all_tensors(module)
        errors = []
        unexpected = [key for key in tensors if key not in known]
        missing = [key for key in known if key not in tensors]
        if unexpected:
            errors.append(f"Unexpected key(s): {', '.join(map(repr, unexpected))}.")
        if missing:
            errors.append(f"Missing key(s): {', '.join(map(repr, missing))}.")
        if errors:
            raise RuntimeError(
                "Error(s) in reparametrizing for {}:\n\t{}".format(type(module).__name__, "\n\t".join(errors))
            )
    if args is None:
        args = ()
    elif not isinstance(args, tuple):
        args = (args,)
    with _reparametrize(module, tensors):
        return module(*args, **(kwargs or {}))
