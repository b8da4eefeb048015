"""The traced values: `Sym` (a real NumPy array plus the `Node` that computes it) and `SymFloat` (a Python float).

Each operation on a Sym computes its real value at once (so shapes, dtypes and flags resolve as in
eager mode) and records a Node whose source text computes it with the very NumPy operation it ran
(`a * b` as `a * b`, `a += b` as `a += b`): that keeps a compiled step exact. NumPy hands ufuncs and
array functions with a Sym operand to `array_ufunc` / `array_function`.
"""

from __future__ import annotations

import builtins
import math
import operator
from collections.abc import Callable
from typing import Any

import numpy as np

from tinygrad_edu.tensor import Tensor

__all__ = ["Sym", "SymFloat", "Node", "TracingError", "TracingWarning", "real", "const", "active"]


class TracingError(RuntimeError):
    """The step does something `tg.compile` cannot turn into straight-line code (the message says what)."""


class TracingWarning(UserWarning):
    """Something in the step is frozen at trace time (e.g. an `if` on a tensor's value)."""


# Python's operator precedence: a child expression gets parentheses when it binds less tightly than its place needs.
LOWEST, COMPARE, BOR, BXOR, BAND, ADD, MUL, UNARY, POW, ATOM = 0, 5, 6, 7, 8, 10, 11, 12, 13, 15
# Python's binary operators: symbol -> the name of its function in `operator` (and of its dunder methods).
OPERATOR_NAMES = dict(
    zip(
        "+ - * / // % ** @ & | ^ < <= > >= == !=".split(),
        "add sub mul truediv floordiv mod pow matmul and_ or_ xor lt le gt ge eq ne".split(),
    )
)
OPERATORS = {op: getattr(operator, name) for op, name in OPERATOR_NAMES.items()}
PRECEDENCE = dict(zip(OPERATOR_NAMES, [ADD, ADD, MUL, MUL, MUL, MUL, POW, MUL, BAND, BOR, BXOR] + [COMPARE] * 6))
# The ufuncs NumPy calls for those operators: np.add(a, b) is written a + b.
BINARY = dict(
    zip(
        "add subtract multiply divide true_divide floor_divide remainder matmul less less_equal greater "
        "greater_equal equal not_equal bitwise_and bitwise_or bitwise_xor".split(),
        "+ - * / / // % @ < <= > >= == != & | ^".split(),
    )
)
UNARY_OPS = {"negative": "-", "positive": "+", "invert": "~"}
WRITERS = {"copyto", "put", "place", "putmask", "fill_diagonal", "put_along_axis"}  # functions that write into args[0]

_ACTIVE: list[Any] = []  # the tracers recording now (tracer.py), innermost last


def active() -> Any:
    """The trace being recorded now."""
    if not _ACTIVE:
        raise RuntimeError("tinygrad_edu.compiler: a traced value was used after its trace ended")
    return _ACTIVE[-1]


class Node:
    """One recorded value: its source (`parts`: strings, and (node, precedence) pairs that read another node's
    value, in parentheses where it binds less tightly than the precedence needs) and its value.

    Kinds: 'expr', 'arg' (a name the step receives), 'const' (fixed at trace time), 'stmt' (changes a
    variable in place, `W -= lr * dW`; its value is the variable's after it, read by the variable's name).
    """

    __slots__ = tuple("index kind parts prec value hint must_name sources phase variable meta".split())

    def __init__(self, kind: str, parts: list, prec: int = ATOM, value: Any = None, sources: Any = None) -> None:
        trace = active()
        self.index = len(trace.nodes)
        trace.nodes.append(self)
        self.kind, self.parts, self.prec, self.value = kind, parts, prec, value
        self.hint: str | None = None  # a name for its line: a binding's, an op's (linear_1), a function's
        self.must_name = False  # op outputs and gradients always get a line
        self.sources: frozenset = sources if sources is not None else frozenset().union(*(a.sources for a in self.args))
        self.phase = trace.phase  # 'forward', 'backward' or 'update': the source's section
        self.variable: Node = self  # for a 'stmt': the node that first held the variable it changes
        self.meta: dict = {} if trace.op is None else {"op": trace.op}  # op: the backward that made it

    @property
    def args(self) -> list[Node]:
        """The nodes it reads."""
        return [p[0] for p in self.parts if type(p) is tuple]


def literal(x: Any) -> tuple[str, int] | None:
    """Source text and precedence that evaluate to exactly x (same type and value), or None."""
    if x is Ellipsis or type(x) in (type(None), bool, str):
        return ("..." if x is Ellipsis else repr(x)), ATOM
    if type(x) is float and not math.isfinite(x):
        return ("np.nan", ATOM) if math.isnan(x) else ("np.inf", ATOM) if x > 0 else ("-np.inf", UNARY)
    if type(x) in (int, float):
        return repr(x), (UNARY if math.copysign(1, x) < 0 else ATOM)
    if isinstance(x, np.dtype) and x.isbuiltin and getattr(np, x.name, None) is x.type:
        return f"np.{x.name}", ATOM  # np.float64 stands for np.dtype('float64')
    name, builtin = getattr(x, "__name__", ""), getattr(x, "__module__", "") == "builtins"
    if isinstance(x, type) and getattr(builtins if builtin else np, name, None) is x:
        return ("" if builtin else "np.") + name, ATOM  # a class by its name: float, np.float32
    if isinstance(x, np.generic) and x.dtype.kind in "biuf" and np.isfinite(x) and repr(x).startswith("np."):
        return repr(x), ATOM  # NumPy 2's repr of a scalar round-trips: np.float32(0.1)
    return None


def const(x: Any, hint: str | None = None) -> Node:
    """A node for a value fixed at trace time: a literal where it has one, else a named constant."""
    text = literal(x)
    node = Node("const", [text[0]] if text else [], text[1] if text else ATOM, x, frozenset())
    node.hint = None if text else hint
    return node


def src(x: Any, prec: int = LOWEST) -> list:
    """The parts of the source of x: a traced value by reference, a literal inline, an index as np.s_[...], a
    tuple or list item by item, else a constant."""
    if isinstance(x, (Sym, SymFloat)):
        return [(x.node, prec)]
    text = literal(x)
    if text is not None:
        return [text[0] if text[1] >= prec else f"({text[0]})"]
    one = isinstance(x, tuple) and len(x) == 1
    if isinstance(x, slice) or isinstance(x, tuple) and any(isinstance(v, slice) for v in x):
        return ["np.s_[", *index(x), ",]" if one else "]"]  # an index passed to a function
    if isinstance(x, (tuple, list)):
        return ["(" if isinstance(x, tuple) else "[", *items(x), ",)" if one else ")" if type(x) is tuple else "]"]
    return [(const(x), prec)]


def items(args: Any, kwargs: dict | None = None) -> list:
    """A call's arguments: `a, b, key=value`."""
    pairs = [(None, a) for a in args] + list((kwargs or {}).items())
    return [part for i, (key, v) in enumerate(pairs) for part in [", "] * (i > 0) + [f"{key}="] * bool(key) + src(v)]


def index(idx: Any) -> list:
    """A subscript as Python writes it: a[1:, None], a[..., 0], a[::-1], a[rows, cols]."""
    if isinstance(idx, tuple) and not idx:
        return ["()"]
    parts: list = []
    for i, item in enumerate(idx if isinstance(idx, tuple) else (idx,)):
        parts += [", "] if i else []
        if not isinstance(item, slice):
            parts += src(item)
            continue
        for j, bound in enumerate((item.start, item.stop) + (() if item.step is None else (item.step,))):
            parts += ([":"] if j else []) + ([] if bound is None else src(bound, UNARY))
    return parts


def binary(op: str, a: Any, b: Any) -> Node:
    """`a <op> b`, each side in parentheses only where Python's precedence needs them."""
    prec = PRECEDENCE[op]
    if op == "**":  # right-associative, and its left side must be a primary (-x ** 2 is -(x ** 2))
        left, right = ATOM, UNARY
    elif prec == COMPARE:  # comparisons chain in Python (a < b < c): never write one inside another
        left = right = COMPARE + 1
    else:
        left, right = prec, prec + 1
    return Node("expr", [*src(a, left), f" {op} ", *src(b, right)], prec)


def real(x: Any) -> Any:
    """x with every traced value replaced by its real value (in tuples, lists, dicts, slices too)."""
    if isinstance(x, (Sym, SymFloat)):
        return x.value
    if isinstance(x, (tuple, list)):
        return type(x)(real(v) for v in x)
    if isinstance(x, dict):
        return {k: real(v) for k, v in x.items()}
    return slice(real(x.start), real(x.stop), real(x.step)) if isinstance(x, slice) else x


def wrap(value: Any, node: Node | list) -> Any:
    """The traced form of a result (computed by `node`, or by an expression of these parts): arrays and NumPy
    scalars become Syms, Python floats SymFloats."""
    node = node if isinstance(node, Node) else Node("expr", node)
    node.value = value
    if isinstance(value, (np.ndarray, np.generic)):
        return Sym(value, node)
    return SymFloat(value, node) if type(value) is float else value


def in_place(target: Sym, statement: list, write: Callable, *args: Any, **kwargs: Any) -> Any:
    """Change `target` in place: `write(*args, **kwargs)` on the real values, recorded as the `statement` parts;
    target's node is that statement now. Returns what `write` returned."""
    old = target.node
    result = write(*real(args), **real(kwargs))
    target.value = target.value if result is None else result  # (`s += 1` on a NumPy scalar makes a new one)
    target.node = stmt = Node("stmt", statement, LOWEST, target.value)
    stmt.variable = old.variable
    old.variable.must_name = True
    return result


class Sym:
    """An ndarray stand-in during tracing: a real value (`.value`) and the node that computes it (`.node`).

    Shapes, dtypes, flags and views are the real value's: a compiled step is specialised to them.
    """

    __slots__ = ("value", "node")
    __array_priority__ = 1000.0
    __hash__ = None  # type: ignore[assignment]

    def __init__(self, value: Any, node: Node) -> None:
        self.value, self.node = value, node

    T = property(lambda self: self._attr("T"))
    mT = property(lambda self: self._attr("mT"))

    def __len__(self) -> int:
        return len(self.value)

    def __iter__(self):
        return (self[i] for i in range(len(self.value)))

    def __repr__(self) -> str:
        return f"Sym({self.value!r})"

    # ---- leaving the trace: the tracer decides what that means (an error, or a guarded value) ----
    def _out(self, what: str, convert: Callable) -> Any:
        active().escape(self.node, what)
        return convert(self.value)

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        return self._out("converted to a NumPy array", lambda v: np.asarray(v, dtype=dtype))

    def __bool__(self) -> bool:
        active().decide(self.node, "bool()")
        return bool(self.value)

    def item(self, *args: Any) -> Any:
        """One element: a float stays traced (a SymFloat); anything else leaves the trace."""
        if type(self.value.item(*args)) is float:
            return self._method("item", args, {})
        return self._out("converted with item()", lambda v: v.item(*args))

    def __array_ufunc__(self, ufunc: np.ufunc, method: str, *inputs: Any, **kwargs: Any) -> Any:
        return array_ufunc(ufunc, method, inputs, kwargs)

    def __array_function__(self, func: Callable, types: Any, args: tuple, kwargs: dict) -> Any:
        return array_function(func, args, kwargs)

    def __getitem__(self, idx: Any) -> Any:
        return wrap(self.value[real(idx)], [(self.node, ATOM), "[", *index(idx), "]"])

    def __setitem__(self, idx: Any, new: Any) -> None:
        in_place(self, [(self.node, ATOM), "[", *index(idx), "] = ", *src(new)], operator.setitem, self, idx, new)

    def fill(self, x: Any) -> None:
        """Fill in place, recorded as `a[...] = x`."""
        self[...] = x

    def _attr(self, name: str) -> Sym:
        return wrap(getattr(self.value, name), [(self.node, ATOM), "." + name])

    def _method(self, name: str, args: tuple, kwargs: dict) -> Any:
        value = getattr(self.value, name)(*real(args), **real(kwargs))
        return wrap(value, [(self.node, ATOM), f".{name}(", *items(args, kwargs), ")"])

    def _in_place(self, op: str, other: Any) -> Sym:
        iop = getattr(operator, "i" + OPERATOR_NAMES[op].rstrip("_"))  # a += b is operator.iadd(a, b)
        in_place(self, [(self.node, ATOM), f" {op}= ", *src(other)], iop, self, other)
        return self


# -x, +x, ~x and abs(x) are the ufuncs NumPy runs for them on an ndarray
for _name, _ufunc in {"neg": np.negative, "pos": np.positive, "invert": np.invert, "abs": np.absolute}.items():
    setattr(Sym, f"__{_name}__", (lambda ufunc: lambda self: ufunc(self))(_ufunc))
# Facts of the real value (a view's base too: the engine copies a view, as eagerly)
for _name in ("shape", "dtype", "ndim", "size", "itemsize", "nbytes", "flags", "base"):
    setattr(Sym, _name, property((lambda name: lambda self: getattr(self.value, name))(_name)))
for _name, (_what, _convert) in {
    "__float__": ("converted with float()", float),
    "tolist": ("converted with tolist()", lambda v: v.tolist()),
    "__int__": ("converted with int()", int),
    "__index__": ("used as an integer index", operator.index),
}.items():
    setattr(Sym, _name, (lambda what, convert: lambda self: self._out(what, convert))(_what, _convert))
for _name in (
    "reshape transpose swapaxes squeeze sum mean max min prod any all argmax argmin astype copy ravel flatten clip "
    "dot cumsum std var round repeat take conj view nonzero trace diagonal cumprod searchsorted"
).split():
    setattr(Sym, _name, (lambda name: lambda self, *args, **kwargs: self._method(name, args, kwargs))(_name))


class SymFloat(float):
    """A Python float that remembers how it was computed: `loss.item()` and the learning rate while tracing.

    Arithmetic gives SymFloats (Python's float arithmetic, as the compiled code does); comparisons give
    plain bools, reported as decisions frozen at trace time. After its trace it is an ordinary float.
    """

    node: Node

    def __new__(cls, value: float, node: Node) -> SymFloat:
        self = super().__new__(cls, value)
        self.node = node
        node.value = float(value)
        return self

    value = property(lambda self: float.__float__(self))
    __hash__ = float.__hash__

    def __float__(self) -> float:
        plain = float.__float__(self)  # float(loss.item()) is still the traced value: remember which float it is
        if _ACTIVE:
            _ACTIVE[-1].floats[id(plain)] = (plain, self.node)
        return plain

    def __neg__(self):
        value = -float.__float__(self)
        return SymFloat(value, Node("expr", ["-", (self.node, UNARY)], UNARY)) if _ACTIVE else value

    def __pos__(self):
        return self

    def __array_ufunc__(self, ufunc: np.ufunc, method: str, *inputs: Any, **kwargs: Any) -> Any:
        # The compiled code holds a plain Python float here (a "weak" scalar that takes the array's dtype).
        if not _ACTIVE:
            return getattr(ufunc, method)(*real(inputs), **real(kwargs))
        return array_ufunc(ufunc, method, inputs, kwargs)


def _binary(self: Any, op: str, other: Any, reflected: bool = False) -> Any:
    """`self <op> other` (reflected: `other <op> self`) on the real values, recorded as Python writes it."""
    if isinstance(other, (list, dict, set, Tensor)) or other is None:
        return NotImplemented  # (a Tensor handles the operator itself, with its dtype rules)
    a, b = (other, self) if reflected else (self, other)
    value = OPERATORS[op](real(a), real(b))
    if isinstance(self, SymFloat) and not _ACTIVE:  # kept after its trace (in a list, say): an ordinary float
        return value
    if type(value) is bool:  # comparing floats: Python control flow will read it
        active().decide(self.node, f"a comparison ({op})")
        return value
    return wrap(value, binary(op, a, b))


# Python's operators: a + b, b + a (reflected: comparisons need none) and, on an array, a += b
for _op, _name in OPERATOR_NAMES.items():
    _name = _name.rstrip("_")
    for _cls in (Sym, SymFloat):
        setattr(_cls, f"__{_name}__", (lambda op: lambda self, other: _binary(self, op, other))(_op))
        if PRECEDENCE[_op] != COMPARE:
            setattr(_cls, f"__r{_name}__", (lambda op: lambda self, other: _binary(self, op, other, True))(_op))
    if PRECEDENCE[_op] != COMPARE:
        setattr(Sym, f"__i{_name}__", (lambda op: lambda self, other: self._in_place(op, other))(_op))


# ---- NumPy's protocols on traced values --------------------------------------------------------------


def array_ufunc(ufunc: np.ufunc, method: str, inputs: tuple, kwargs: dict) -> Any:
    """`ufunc.method(*inputs, **kwargs)` with a traced operand: its real result, traced (as its operator, if any)."""
    out = inputs[0] if method == "at" else kwargs.pop("out", None)  # np.add.at(a, index, b) writes into a
    call = f"np.{ufunc.__name__}" + ("" if method == "__call__" else f".{method}")
    if out is not None:
        target = out[0] if isinstance(out, tuple) else out
        writes = kwargs if method == "at" else dict(kwargs, out=target)
        return _write_into(target, getattr(ufunc, method), call, inputs, writes)
    value = getattr(ufunc, method)(*real(inputs), **real(kwargs))
    name, plain = ufunc.__name__, method == "__call__" and not kwargs
    if plain and name in BINARY and len(inputs) == 2:
        return wrap(value, binary(BINARY[name], *inputs))
    if plain and name in UNARY_OPS and len(inputs) == 1:
        return wrap(value, Node("expr", [UNARY_OPS[name], *src(inputs[0], UNARY)], UNARY))
    return wrap(value, [call + "(", *items(inputs, kwargs), ")"])


def array_function(func: Callable, args: tuple, kwargs: dict) -> Any:
    """`func(*args, **kwargs)`, a NumPy function given a traced array: its real result, traced where it is an array."""
    name, out = func.__name__, kwargs.get("out")
    modules = (("np", np), ("np.linalg", np.linalg), ("np.fft", np.fft))  # np.exp, np.linalg.norm: by its name
    text = next((f"{prefix}.{name}" for prefix, m in modules if getattr(m, name, None) is func), None)
    if out is not None or name in WRITERS:
        return _write_into(args[0] if out is None else out, func, text or name, args, kwargs)
    value = func(*real(args), **real(kwargs))
    call = [text or (const(func, name), ATOM), "(", *items(args, kwargs), ")"]
    if isinstance(value, (np.ndarray, np.generic)):
        return wrap(value, call)
    if isinstance(value, (list, tuple)) and value and all(isinstance(v, np.ndarray) for v in value):
        whole = Node("expr", call, ATOM, value)  # np.split(...): a line of its own, then its items
        whole.must_name = True
        pieces = (Sym(v, Node("expr", [(whole, ATOM), f"[{i}]"], ATOM, v)) for i, v in enumerate(value))
        # (a named tuple, as np.linalg.qr's and svd's results, is made from its fields, not from one iterable)
        return value._make(pieces) if hasattr(value, "_fields") else type(value)(pieces)  # type: ignore[union-attr]
    if type(value) is bool:  # np.allclose, np.array_equal...: a decision on values
        active().decide(Node("expr", call, ATOM, value), f"np.{name}()")
    return value  # dtypes, shapes, strings: facts fixed at trace time


def _write_into(target: Any, fn: Callable, call: str, args: tuple, kwargs: dict) -> Any:
    """A call that writes into `target` (`out=`, `np.add.at`, `np.copyto`): a statement on a traced target;
    into an untraced array, the traced operands' values leave the trace."""
    if isinstance(target, Sym):
        result = in_place(target, [call + "(", *items(args, kwargs), ")"], fn, *args, **kwargs)
        return target if kwargs.get("out") is not None else result
    for x in [*args, *kwargs.values()]:
        if isinstance(x, (Sym, SymFloat)):
            active().escape(x.node, f"written into an untraced array by {call}()")
    return fn(*real(args), **real(kwargs))
