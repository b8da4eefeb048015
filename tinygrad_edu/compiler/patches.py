"""The engine entry points a trace still replaces (Function.apply, Tensor.backward, .data, .grad, Optimizer.step).

`engine_patches(tracer)` lists every replacement as (owner, attribute, (original, stand-in));
`install` puts the stand-ins in place for the one traced call and `uninstall` puts the originals
back. Each stand-in hands its work to the tracer (tracer.py) or its engine (engine.py).

What no longer needs a stand-in, because the engine lets traced arrays flow through it (issue 12):
`tg.tensor(traced)`, comparisons, argmax/argmin, `tg.where`, `__array__`, NumPy's `np.zeros/empty/...`
(ops make new arrays with `*_like` from an input) and `tg.rand*` (a draw is seen from the generators'
states, guards.py). Issue 12 asks for the rest to go too: see the compiler's package docstring.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable, Iterator

from tinygrad_edu.autograd import Function
from tinygrad_edu.tensor import Tensor

if TYPE_CHECKING:
    from tinygrad_edu.compiler.tracer import Tracer

__all__ = ["engine_patches", "install", "uninstall"]

Patch = tuple[Any, str, tuple[Any, Any]]  # (owner, attribute, (original or None, stand-in))


def engine_patches(tracer: Tracer) -> list[Patch]:
    """Everything replaced while `tracer` runs its step, as (owner, attribute, (original or None, stand-in))."""
    from tinygrad_edu.optim.optimizer import Optimizer

    patches: list[Patch] = []

    def patch(owner: Any, name: str, value: Any) -> None:
        patches.append((owner, name, (owner.__dict__.get(name), value)))

    apply = classmethod(lambda cls, *inputs, **options: tracer.apply(cls, inputs, options))
    for cls in _subclasses(Function):
        if cls is Function or "apply" in cls.__dict__:
            patch(cls, "apply", apply)
    patch(Tensor, "data", _Watched(tracer, "data"))
    patch(Tensor, "grad", _Watched(tracer, "grad"))
    patch(Tensor, "backward", lambda t, gradient=None, retain_graph=False: tracer.backward(t, gradient,
                                                                                         retain_graph))
    for cls in _subclasses(Optimizer):
        if "step" in cls.__dict__:
            patch(cls, "step", _optimizer_step(tracer, cls.__dict__["step"]))
    return patches


def install(patches: list[Patch]) -> None:
    """Put every stand-in in place."""
    for owner, name, (_, stand_in) in patches:
        setattr(owner, name, stand_in)


def uninstall(patches: list[Patch]) -> None:
    """Put every original back (in reverse order), removing what the owner did not have itself."""
    for owner, name, (original, _) in reversed(patches):
        if original is None:
            delattr(owner, name)
        else:
            setattr(owner, name, original)


def _subclasses(cls: type) -> Iterator[type]:
    """cls and every class derived from it, at any depth."""
    yield cls
    for sub in cls.__subclasses__():
        yield from _subclasses(sub)


class _Watched:
    """Stands in for Tensor's `data` or `grad` slot while tracing, telling the tracer of reads and writes."""

    def __init__(self, tracer: Tracer, name: str) -> None:
        self.tracer, self.name = tracer, name

    def __get__(self, t: Any, owner: Any = None) -> Any:
        if t is None:
            return self
        return self.tracer.read_data(t) if self.name == "data" else self.tracer.read_grad(t)

    def __set__(self, t: Any, value: Any) -> None:
        if self.name == "data":
            self.tracer.write_data(t, value)
        else:
            self.tracer.write_grad(t, value)


# ---- the stand-ins ---------------------------------------------------------------------------------

def _optimizer_step(tracer: Tracer, original: Callable) -> Callable:
    def step(opt: Any, closure: Any = None) -> Any:
        return tracer.optimizer_step(opt, original, closure)

    return step
