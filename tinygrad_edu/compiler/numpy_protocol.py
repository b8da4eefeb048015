"""NumPy's protocols on Syms: what a ufunc or an array function called on a traced array computes and records.

NumPy hands every ufunc (`np.exp(s)`, `s + 1`, `np.add.at(s, i, g)`) with a Sym among its
operands to `Sym.__array_ufunc__`, and every array function (`np.where`, `np.concatenate`, ...)
to `Sym.__array_function__`; both come here. Each computes the real result with the very call it
records, so the compiled step computes the same value: `np.exp(a)` as `np.exp(a)`, and a call
that writes into its argument (`out=`, `np.copyto`) as a statement that changes that variable.
"""

from __future__ import annotations

from typing import Any, Callable, Optional

import numpy as np

from tinygrad_edu.compiler.nodes import (ATOM, BINARY, LOWEST, UNARY, UNARY_OPS, Builder, Node, active, binary_node,
                                         const, is_traced)
from tinygrad_edu.compiler.sym import Sym, in_place, real, wrap

__all__ = ["array_ufunc", "array_function", "numpy_name"]

# NumPy's own functions, as imported (the tracer replaces a few of them while it runs).
NUMPY_FUNCTIONS = {name: value for name, value in vars(np).items() if callable(value)}


def numpy_name(func: Callable) -> Optional[str]:
    """'np.exp' for np.exp, 'np.linalg.norm' for np.linalg.norm, else None."""
    name = getattr(func, "__name__", None)
    if name is None:
        return None
    if getattr(np, name, None) is func or NUMPY_FUNCTIONS.get(name) is func:
        return "np." + name
    for sub in ("linalg", "fft", "random"):
        if getattr(getattr(np, sub), name, None) is func:
            return f"np.{sub}.{name}"
    return None


# Array functions that write into one of their arguments.
MUTATING = {"copyto", "put", "place", "putmask", "fill_diagonal", "put_along_axis"}


def array_ufunc(ufunc: np.ufunc, method: str, inputs: tuple, kwargs: dict) -> Any:
    """`ufunc.method(*inputs, **kwargs)` with a traced operand: its real result, traced."""
    out = kwargs.pop("out", None)
    if method == "at":  # np.add.at(a, index, b) writes into a: it is `out`
        out, inputs = inputs[0], (inputs[0],) + inputs[1:]
    if out is not None:
        return _ufunc_out(ufunc, method, inputs, kwargs, out)
    value = getattr(ufunc, method)(*real(inputs), **real(kwargs))
    return wrap(value, _ufunc_node(ufunc, method, inputs, kwargs))


def array_function(func: Callable, args: tuple, kwargs: dict) -> Any:
    """`func(*args, **kwargs)`, a NumPy function given a traced array: its real result, traced where it is an array."""
    name = func.__name__
    if kwargs.get("out") is not None or name in MUTATING:
        return _mutating_function(func, args, kwargs)
    value = func(*real(args), **real(kwargs))
    b = Builder()
    text = numpy_name(func)
    if text is None:
        b.node(const(func, name), ATOM)
    else:
        b.text(text)
    b.text("(").call_args(args, kwargs).text(")")
    if isinstance(value, (np.ndarray, np.generic)):
        return wrap(value, b.build(ATOM, value))
    if isinstance(value, (list, tuple)) and value and all(isinstance(v, np.ndarray) for v in value):
        whole = b.build(ATOM, value)
        whole.must_name = True
        items = [Sym(v, Node("expr", [(0, ATOM), f"[{i}]"], (whole,), ATOM, v)) for i, v in enumerate(value)]
        return type(value)(items) if isinstance(value, list) else tuple(items)
    if type(value) is bool:  # np.allclose, np.array_equal...: a decision on values
        active().decide(b.build(ATOM, value), f"np.{name}()")
    return value  # dtypes, shapes, strings: facts fixed at trace time


def _ufunc_node(ufunc: np.ufunc, method: str, inputs: tuple, kwargs: dict) -> Node:
    """How a ufunc call is written: as its operator where it has one (`a * b`, `-a`), else `np.name(...)`."""
    name = ufunc.__name__
    if method == "__call__" and not kwargs:
        if name in BINARY and len(inputs) == 2:
            return binary_node(BINARY[name][0], inputs[0], inputs[1])
        if name in UNARY_OPS and len(inputs) == 1:
            return Builder().text(UNARY_OPS[name]).value(inputs[0], UNARY).build(UNARY, None)
    b = Builder().text(f"np.{name}" + ("" if method == "__call__" else f".{method}"))
    return b.text("(").call_args(inputs, kwargs).text(")").build(ATOM, None)


def _ufunc_out(ufunc: np.ufunc, method: str, inputs: tuple, kwargs: dict, out: tuple) -> Any:
    """A ufunc writing into `out=`: in place on a traced array; on an untraced array the value escapes."""
    out = out if isinstance(out, tuple) else (out,)
    if len(out) != 1 or not isinstance(out[0], Sym):
        for x in inputs:
            if is_traced(x):
                active().escape(x.node, f"written into an untraced array by np.{ufunc.__name__}(..., out=...)")
        if method == "at":
            return getattr(ufunc, method)(*real(inputs), **real(kwargs))
        return getattr(ufunc, method)(*real(inputs), out=real(out), **real(kwargs))
    target = out[0]

    def compute():
        if method == "at":
            getattr(ufunc, method)(target.value, *real(inputs[1:]), **real(kwargs))
        else:
            getattr(ufunc, method)(*real(inputs), out=(target.value,), **real(kwargs))
        return target.value

    def stmt(b: Builder) -> None:
        b.text(f"np.{ufunc.__name__}" + ("" if method == "__call__" else f".{method}") + "(")
        b.call_args(inputs, kwargs)
        if method != "at":
            b.text(", out=").node(target.node, LOWEST)
        b.text(")")

    return in_place(target, stmt, compute)


def _mutating_function(func: Callable, args: tuple, kwargs: dict) -> Any:
    """A function writing into an argument (`np.copyto(a, b)`, `out=`): in place on a traced array, as `_ufunc_out`."""
    target = kwargs.get("out") if kwargs.get("out") is not None else (args[0] if args else None)
    if not isinstance(target, Sym):
        for x in list(args) + list(kwargs.values()):
            if is_traced(x):
                active().escape(x.node, f"written into an untraced array by np.{func.__name__}()")
        return func(*real(args), **real(kwargs))
    result: list = []

    def compute():
        result.append(func(*real(args), **real(kwargs)))
        return target.value

    def stmt(b: Builder) -> None:
        b.text(numpy_name(func) or func.__name__).text("(").call_args(args, kwargs).text(")")

    in_place(target, stmt, compute)
    return target if kwargs.get("out") is not None else result[0]
