"""The engine entry points a trace replaces (Function.apply, Tensor.backward, .data, .grad, ...) and their stand-ins.

`engine_patches(tracer)` lists every replacement as (owner, attribute, (original, stand-in));
`install` puts the stand-ins in place for the one traced call and `uninstall` puts the originals
back. Each stand-in hands its work to the tracer (tracer.py) or its engine (engine.py), or records
what eager mode would do with a traced value: `tg.tensor(traced)`, a comparison, `tg.where`.
"""

from __future__ import annotations

import sys
import threading
import warnings
from typing import TYPE_CHECKING, Any, Callable, Iterator, Optional

import numpy as np

import tinygrad_edu
from tinygrad_edu.autograd import Function
from tinygrad_edu.compiler.engine import new_tensor
from tinygrad_edu.compiler.errors import TracingWarning
from tinygrad_edu.compiler.naming import caller
from tinygrad_edu.compiler.nodes import ATOM, Builder, contains_traced
from tinygrad_edu.compiler.sym import Sym, real
from tinygrad_edu.tensor import Tensor

if TYPE_CHECKING:
    from tinygrad_edu.compiler.tracer import Tracer

__all__ = ["engine_patches", "install", "uninstall"]

# NumPy functions that make a new array without reading one: inside an op they make a traced array.
CREATION = ("empty", "zeros", "ones", "full", "empty_like", "zeros_like", "ones_like", "full_like")

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
    patch(Tensor, "__init__", _tensor_init(tracer, Tensor.__init__))
    patch(Tensor, "backward", lambda t, gradient=None, retain_graph=False: tracer.backward(t, gradient,
                                                                                         retain_graph))
    for name in ("__lt__", "__le__", "__gt__", "__ge__", "__eq__", "__ne__"):
        patch(Tensor, name, _comparison(tracer, name))
    for name in ("argmax", "argmin"):
        patch(Tensor, name, _arg_reduce(tracer, getattr(np, name)))
    patch(Tensor, "__array__", lambda t, dtype=None, copy=None: np.asarray(t.data, dtype=dtype))
    # (`import tinygrad_edu.tensor as m` would give the function tg.tensor, which shadows the module's name)
    tensor_module = sys.modules["tinygrad_edu.tensor"]
    for module in (tinygrad_edu, tensor_module):  # tg.where takes np.asarray of its condition
        if "where" in module.__dict__:
            patch(module, "where", _where(module.__dict__["where"]))
    # Random numbers drawn inside the step would be drawn once, when traced: say so.
    import tinygrad_edu.creation as creation

    for module in (tinygrad_edu, creation):
        for name in ("rand", "randn", "rand_like", "randn_like"):
            if name in module.__dict__:
                patch(module, name, _random(tracer, module.__dict__[name], name))
    # An op that fills a fresh array (out = np.empty(shape); out[...] = grad) fills a traced one.
    for name in CREATION:
        patch(np, name, _creation(tracer, name, np.__dict__[name]))
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


def _tensor_init(tracer: Tracer, original: Callable) -> Callable:
    def __init__(t: Tensor, data: Any, requires_grad: bool = False, dtype: Any = None) -> None:
        inner = data.data if isinstance(data, Tensor) else data
        if tracer.untraced or not contains_traced(inner):
            return original(t, data, requires_grad, dtype)
        # tg.tensor(traced): the same copy and dtype rules as Tensor's constructor
        value = np.array(real(inner), dtype=dtype)
        b = Builder().text("np.array(").value(inner)
        if dtype is not None:
            b.text(", dtype=").value(np.dtype(dtype))
        node = b.text(")").build(ATOM, value)
        sym = Sym(value, node)
        if dtype is None and (value.dtype.kind in "iu" or (value.dtype.kind == "f" and not isinstance(inner, Sym))):
            sym = sym.astype(np.float32)  # (bools stay bool, as in Tensor's constructor)
        t.data = sym
        t.grad = None
        t.grad_fn = None
        t._version = 0
        t.requires_grad = bool(requires_grad)

    return __init__


def _random(tracer: Tracer, original: Callable, name: str) -> Callable:
    def draw(*args: Any, **kwargs: Any) -> Any:
        if not tracer.untraced:
            _, filename, line = caller()
            warnings.warn_explicit(
                f"tg.compile: tg.{name}() inside the step is drawn once, when traced; every compiled call "
                "reuses those numbers. Draw them outside and pass them in as an argument.",
                TracingWarning, filename, line)
        return original(*args, **kwargs)

    return draw


def _creation(tracer: Tracer, name: str, original: Callable) -> Callable:
    thread = threading.get_ident()

    def create(*args: Any, **kwargs: Any) -> Any:
        value = original(*args, **kwargs)
        if not tracer.op_stack or tracer.untraced or not isinstance(value, np.ndarray) or \
                threading.get_ident() != thread:
            return value
        return Sym(value, Builder().text(f"np.{name}(").call_args(args, kwargs).text(")").build(ATOM, value))

    return create


def _where(original: Callable) -> Callable:
    def where(condition: Any, input: Any, other: Any) -> Tensor:
        cond = condition.data if isinstance(condition, Tensor) else condition
        if not isinstance(cond, Sym):
            return original(condition, input, other)
        from tinygrad_edu.ops import Where

        # np.asarray(cond, dtype=bool), as tg.where does; operands as Tensor's operators take them
        cond = cond if cond.dtype == np.bool_ else cond.astype(np.bool_)
        operands = [x if isinstance(x, (Tensor, int, float)) else Tensor(x) for x in (input, other)]
        return Where.apply(cond, *operands)

    return where


def _comparison(tracer: Tracer, name: str) -> Callable:
    def compare(t: Tensor, other: Any) -> Tensor:
        other = other.data if isinstance(other, Tensor) else other
        data = t.data
        if not isinstance(data, Sym) and not isinstance(other, Sym):
            return new_tensor(np.asarray(getattr(data, name)(other)))
        return new_tensor(tracer.as_array(getattr(data, name)(other)))

    return compare


def _arg_reduce(tracer: Tracer, fn: Callable) -> Callable:
    def arg_reduce(t: Tensor, dim: Optional[int] = None, keepdim: bool = False) -> Tensor:
        if dim is None:
            return new_tensor(tracer.as_array(fn(t.data)))
        return new_tensor(tracer.as_array(fn(t.data, axis=dim % max(t.data.ndim, 1), keepdims=keepdim)))

    return arg_reduce
