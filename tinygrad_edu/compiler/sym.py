"""Symbolic arrays for tracing: a `Sym` holds a real NumPy value and the expression that computes it.

While a training step is traced, every array the engine sees is a `Sym`. Each NumPy operation on a
Sym computes its real value at once (so shapes, dtypes and `if need_a:` resolve as in eager mode)
and records a `Node`: the NumPy source text that computes the same value from the step's inputs.
`codegen.py` turns the recorded nodes into the lines of the compiled step.

The rule that keeps the compiled step exact: the value of a node is computed by the very NumPy
operation its text spells (`a * b` is computed as `a * b`, `np.exp(a)` as `np.exp(a)`).
"""

from __future__ import annotations

import math
import operator
from typing import Any, Callable, Optional

import numpy as np

# Operator precedence, as Python's grammar has it: a child expression is put in parentheses when
# it binds less tightly than its place in the parent requires.
LOWEST, COMPARE, BOR, BXOR, BAND, ADD, MUL, UNARY, POW, ATOM = 0, 5, 6, 7, 8, 10, 11, 12, 13, 15

BINARY = {  # ufunc name -> (operator, precedence)
    "add": ("+", ADD), "subtract": ("-", ADD), "multiply": ("*", MUL), "divide": ("/", MUL),
    "true_divide": ("/", MUL), "floor_divide": ("//", MUL), "remainder": ("%", MUL), "matmul": ("@", MUL),
    "less": ("<", COMPARE), "less_equal": ("<=", COMPARE), "greater": (">", COMPARE),
    "greater_equal": (">=", COMPARE), "equal": ("==", COMPARE), "not_equal": ("!=", COMPARE),
    "bitwise_and": ("&", BAND), "bitwise_or": ("|", BOR), "bitwise_xor": ("^", BXOR),
}
UNARY_OPS = {"negative": "-", "positive": "+", "invert": "~"}
PYTHON_BINARY = {  # operator -> function that computes it, for the dunder methods
    "+": operator.add, "-": operator.sub, "*": operator.mul, "/": operator.truediv, "//": operator.floordiv,
    "%": operator.mod, "@": operator.matmul, "**": operator.pow, "<": operator.lt, "<=": operator.le,
    ">": operator.gt, ">=": operator.ge, "==": operator.eq, "!=": operator.ne, "&": operator.and_,
    "|": operator.or_, "^": operator.xor,
}
PRECEDENCE = {op: prec for op, prec in BINARY.values()} | {"**": POW}
IN_PLACE = {"+": operator.iadd, "-": operator.isub, "*": operator.imul, "/": operator.itruediv,
            "//": operator.ifloordiv, "%": operator.imod, "**": operator.ipow, "@": operator.imatmul,
            "&": operator.iand, "|": operator.ior, "^": operator.ixor}


class Trace:
    """The recording: every node in creation order, plus hooks the tracer fills in (see tracer.py)."""

    def __init__(self) -> None:
        self.nodes: list[Node] = []
        self.phase = "forward"
        self.base_errstate = tuple(sorted(np.geterr().items()))
        self.floats: dict[int, tuple[float, Node]] = {}  # id of a plain float -> the traced float it came from

    # Hooks, replaced by the tracer.
    def track(self, tensor: Any) -> None:
        """A tensor was made during the trace."""

    def escape(self, node: "Node", what: str) -> None:
        """A traced value left the trace (NumPy took its plain value): the tracer decides what that means."""

    def decide(self, node: "Node", what: str) -> None:
        """Python control flow read a traced value (bool(), a comparison of .item()): frozen at trace time."""


_ACTIVE: list[Trace] = []


def active() -> Trace:
    if not _ACTIVE:
        raise RuntimeError("tinygrad_edu.compiler: a traced value was used after its trace ended")
    return _ACTIVE[-1]


class Node:
    """One recorded value: how to write it (`parts`), what it reads (`args`) and what it was when traced.

    `parts` is a list of strings and (i, precedence) pairs; the pair stands for args[i], put in
    parentheses when its own precedence is lower than the one given. Kinds:
    'expr' (an expression), 'arg' (a name the step receives), 'const' (a value fixed at trace time),
    'stmt' (a statement that changes a variable in place: `W -= lr * dW`), 'version' (a variable
    after such a statement: the same name, read after it).
    """

    __slots__ = ("index", "kind", "parts", "args", "prec", "value", "hint", "priority", "must_name",
                 "sources", "errstate", "phase", "variable", "stores", "meta")

    def __init__(self, kind: str, parts: list, args: tuple, prec: int, value: Any = None,
                 sources: Optional[frozenset] = None) -> None:
        trace = active()
        self.index = len(trace.nodes)
        trace.nodes.append(self)
        self.kind = kind
        self.parts = parts
        self.args = args
        self.prec = prec
        self.value = value
        self.hint: Optional[str] = None  # a name to give it if it gets a line of its own
        self.priority = 0  # how good the hint is: 3 user's variable, 2 op output, 1 library local
        self.must_name = False  # op outputs and gradients always get a line
        self.sources = sources if sources is not None else frozenset().union(*(a.sources for a in args))
        err = tuple(sorted(np.geterr().items()))
        self.errstate = None if err == trace.base_errstate else err
        self.phase = trace.phase  # 'forward', 'backward' or 'update': the source's section
        self.variable: Node = self  # for a 'version': the node that first held the variable
        self.stores: Optional[Node] = None  # for a 'stmt': the variable it changes
        self.meta: dict = {}

    def name_hint(self, hint: str, priority: int) -> None:
        if priority > self.priority:
            self.hint, self.priority = hint, priority

    def __repr__(self) -> str:
        return f"<Node {self.index} {self.kind} {self.hint or ''}>"


# ---- building nodes -------------------------------------------------------------------------------

def is_traced(x: Any) -> bool:
    return isinstance(x, (Sym, SymFloat))


def contains_traced(x: Any) -> bool:
    if is_traced(x):
        return True
    if isinstance(x, (tuple, list)):
        return any(contains_traced(v) for v in x)
    if isinstance(x, dict):
        return any(contains_traced(v) for v in x.values())
    if isinstance(x, slice):
        return contains_traced((x.start, x.stop, x.step))
    return False


def real(x: Any) -> Any:
    """x with every traced value replaced by its real value (recursively in tuples, lists, dicts, slices)."""
    if isinstance(x, Sym):
        return x.value
    if isinstance(x, SymFloat):
        return float.__float__(x)
    if isinstance(x, tuple):
        return tuple(real(v) for v in x)
    if isinstance(x, list):
        return [real(v) for v in x]
    if isinstance(x, dict):
        return {k: real(v) for k, v in x.items()}
    if isinstance(x, slice):
        return slice(real(x.start), real(x.stop), real(x.step))
    return x


def literal(x: Any) -> Optional[tuple[str, int]]:
    """Source text and precedence that evaluate to exactly x (same type and value), or None."""
    t = type(x)
    if t in (type(None), bool, str):
        return repr(x), ATOM
    if t is int:
        return repr(x), (UNARY if x < 0 else ATOM)
    if t is float:
        if math.isnan(x):
            return "np.nan", ATOM
        if math.isinf(x):
            return ("np.inf", ATOM) if x > 0 else ("-np.inf", UNARY)
        return repr(x), (UNARY if x < 0 or (x == 0 and math.copysign(1, x) < 0) else ATOM)
    if x is Ellipsis:
        return "...", ATOM
    if isinstance(x, np.dtype):
        if x.isbuiltin and getattr(np, x.name, None) is x.type:  # np.float64 stands for np.dtype('float64')
            return f"np.{x.name}", ATOM
        return f"np.dtype({str(x)!r})", ATOM
    if isinstance(x, type) and issubclass(x, np.generic) and getattr(np, x.__name__, None) is x:
        return f"np.{x.__name__}", ATOM
    if isinstance(x, np.generic) and x.dtype.kind in "biuf":
        text = repr(x)
        try:
            back = eval(text, {"np": np})  # repr of a NumPy scalar round-trips: np.float32(0.1)
        except Exception:
            return None
        if type(back) is type(x) and (back == x or (np.isnan(back) and np.isnan(x))):
            return text, ATOM
        return None
    if t in (tuple, list):
        items = [literal(v) for v in x]
        if any(i is None for i in items):
            return None
        body = ", ".join(text for text, _ in items)
        if t is tuple:
            return ("(" + body + ("," if len(items) == 1 else "") + ")"), ATOM
        return "[" + body + "]", ATOM
    return None


def const(x: Any, hint: Optional[str] = None) -> Node:
    """A node for a value fixed at trace time: a literal when it has one, else a named constant."""
    text = literal(x)
    if text is not None:
        node = Node("const", [text[0]], (), text[1], x, frozenset())
        node.meta["literal"] = True
    else:
        node = Node("const", [], (), ATOM, x, frozenset())
        if hint:
            node.name_hint(hint, 1)
    return node


class Builder:
    """Collects the parts and args of one node's source while its arguments are rendered."""

    def __init__(self) -> None:
        self.parts: list = []
        self.args: list[Node] = []

    def text(self, s: str) -> "Builder":
        self.parts.append(s)
        return self

    def node(self, n: Node, prec: int) -> "Builder":
        self.parts.append((len(self.args), prec))
        self.args.append(n)
        return self

    def value(self, x: Any, prec: int = LOWEST) -> "Builder":
        """Render x: a traced value by reference, a literal inline, containers item by item, else a constant."""
        if isinstance(x, (Sym, SymFloat)):
            return self.node(x.node, prec)
        if isinstance(x, (tuple, list)) and contains_traced(x):
            self.text("(" if isinstance(x, tuple) else "[")
            for i, item in enumerate(x):
                if i:
                    self.text(", ")
                self.value(item)
            if isinstance(x, tuple):
                return self.text(",)" if len(x) == 1 else ")")
            return self.text("]")
        lit = literal(x)
        if lit is not None:
            text, p = lit
            return self.text(text if p >= prec else "(" + text + ")")
        return self.node(const(x), prec)

    def call_args(self, args: tuple, kwargs: dict) -> "Builder":
        first = True
        for a in args:
            if not first:
                self.text(", ")
            self.value(a)
            first = False
        for k, v in kwargs.items():
            if not first:
                self.text(", ")
            self.text(f"{k}=")
            self.value(v)
            first = False
        return self

    def index(self, idx: Any) -> "Builder":
        """Render a subscript: a[1:, None], a[..., 0], a[rows, cols]."""
        items = idx if isinstance(idx, tuple) and idx else (idx,)
        if isinstance(idx, tuple) and not idx:
            return self.text("()")
        for i, item in enumerate(items):
            if i:
                self.text(", ")
            if isinstance(item, slice):
                for j, part in enumerate((item.start, item.stop, item.step)):
                    if j:
                        self.text(":")
                    if part is not None:
                        self.value(part, UNARY)
            else:
                self.value(item)
        return self

    def build(self, prec: int, value: Any, kind: str = "expr") -> Node:
        return Node(kind, self.parts, tuple(self.args), prec, value)


def wrap(value: Any, node: Node) -> Any:
    """The traced form of a result: arrays and NumPy scalars become Syms, Python floats SymFloats."""
    node.value = value
    if isinstance(value, (np.ndarray, np.generic)):
        return Sym(value, node)
    if type(value) is float:
        return SymFloat(value, node)
    return value


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


def in_place(target: "Sym", make_stmt: Callable[[Builder], None], compute: Callable[[], Any]) -> "Sym":
    """Change `target` in place: compute the real value in place, record a statement and a new version.

    The statement keeps the exact in-place semantics of NumPy (`a += b` keeps a's dtype), and every
    later read of the variable reads the version node, which has the same name.
    """
    old = target.node
    result = compute()
    b = Builder()
    make_stmt(b)
    stmt = Node("stmt", b.parts, tuple(b.args), LOWEST, None)
    stmt.stores = old.variable
    old.variable.must_name = True
    version = Node("version", [], (stmt,), ATOM, result, old.sources | stmt.sources)
    version.variable = old.variable
    target.node = version
    target.value = result
    return target


# ---- the symbolic array ---------------------------------------------------------------------------

class Sym:
    """An ndarray stand-in during tracing: a real value (`.value`) and the node that computes it (`.node`).

    Shapes, dtypes and sizes are real (a compiled step is specialised to them); every operation that
    produces an array produces a Sym.
    """

    __slots__ = ("value", "node")
    __array_priority__ = 1000.0

    def __init__(self, value: Any, node: Node) -> None:
        self.value = value
        self.node = node

    # ---- what the array is (real: fixed at trace time) -------------------------------------------
    shape = property(lambda self: self.value.shape)
    dtype = property(lambda self: self.value.dtype)
    ndim = property(lambda self: self.value.ndim)
    size = property(lambda self: self.value.size)
    itemsize = property(lambda self: self.value.itemsize)
    nbytes = property(lambda self: self.value.nbytes)
    strides = property(lambda self: np.asarray(self.value).strides)
    flags = property(lambda self: np.asarray(self.value).flags)
    base = property(lambda self: None)

    def __len__(self) -> int:
        return len(self.value)

    def __iter__(self):
        return (self[i] for i in range(len(self.value)))

    def __repr__(self) -> str:
        return f"Sym({self.value!r})"

    # ---- leaving the trace --------------------------------------------------------------------
    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        active().escape(self.node, "converted to a NumPy array")
        value = np.asarray(self.value)
        return value if dtype is None else value.astype(dtype)

    def __float__(self) -> float:
        active().escape(self.node, "converted with float()")
        return float(self.value)

    def __int__(self) -> int:
        active().escape(self.node, "converted with int()")
        return int(self.value)

    def __index__(self) -> int:
        active().escape(self.node, "used as an integer index")
        return operator.index(self.value)

    def __complex__(self) -> complex:
        active().escape(self.node, "converted with complex()")
        return complex(self.value)

    def __bool__(self) -> bool:
        active().decide(self.node, "bool()")
        return bool(self.value)

    def tolist(self) -> Any:
        active().escape(self.node, "converted with tolist()")
        return self.value.tolist()

    def item(self, *args: Any) -> Any:
        value = self.value.item(*args)
        if type(value) is float:
            b = Builder().node(self.node, ATOM).text(".item(").call_args(args, {}).text(")")
            return SymFloat(value, b.build(ATOM, value))
        active().escape(self.node, "converted with item()")
        return value

    # ---- NumPy's protocols: every ufunc and array function with a Sym argument comes here --------
    def __array_ufunc__(self, ufunc: np.ufunc, method: str, *inputs: Any, **kwargs: Any) -> Any:
        out = kwargs.pop("out", None)
        if method == "at":  # np.add.at(a, index, b) writes into a: it is `out`
            out, inputs = inputs[0], (inputs[0],) + inputs[1:]
        if out is not None:
            return _ufunc_out(ufunc, method, inputs, kwargs, out)
        value = getattr(ufunc, method)(*real(inputs), **real(kwargs))
        return wrap(value, _ufunc_node(ufunc, method, inputs, kwargs))

    def __array_function__(self, func: Callable, types: Any, args: tuple, kwargs: dict) -> Any:
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

    # ---- indexing -------------------------------------------------------------------------------
    def __getitem__(self, idx: Any) -> Any:
        value = self.value[real(idx)]
        b = Builder().node(self.node, ATOM).text("[").index(idx).text("]")
        return wrap(value, b.build(ATOM, value))

    def __setitem__(self, idx: Any, new: Any) -> None:
        def compute():
            self.value[real(idx)] = real(new)
            return self.value

        in_place(self, lambda b: b.node(self.node, ATOM).text("[").index(idx).text("] = ").value(new), compute)

    # ---- attributes and methods of ndarray that make arrays -----------------------------------
    @property
    def T(self) -> "Sym":
        return self._attr("T")

    @property
    def mT(self) -> "Sym":
        return self._attr("mT")

    def _attr(self, name: str) -> "Sym":
        value = getattr(self.value, name)
        return wrap(value, Builder().node(self.node, ATOM).text("." + name).build(ATOM, value))

    def _method(self, name: str, args: tuple, kwargs: dict) -> Any:
        value = getattr(self.value, name)(*real(args), **real(kwargs))
        b = Builder().node(self.node, ATOM).text(f".{name}(").call_args(args, kwargs).text(")")
        return wrap(value, b.build(ATOM, value))

    def fill(self, x: Any) -> None:
        def compute():
            self.value.fill(real(x))
            return self.value

        in_place(self, lambda b: b.node(self.node, ATOM).text(".fill(").value(x).text(")"), compute)

    # ---- operators: each computes its real value with the operator it writes ------------------
    def _binary(self, op: str, other: Any, reflected: bool = False) -> Any:
        if isinstance(other, (list, dict, set)) or other is None or getattr(type(other), "__array_ufunc__", 0) is None:
            return NotImplemented  # (a Tensor sets __array_ufunc__ = None: let it handle the operator)
        a, b = (other, self) if reflected else (self, other)
        value = PYTHON_BINARY[op](real(a), real(b))
        return wrap(value, binary_node(op, a, b))

    def _in_place(self, op: str, other: Any) -> "Sym":
        def compute():
            return IN_PLACE[op](self.value, real(other))

        return in_place(self, lambda b: b.node(self.node, ATOM).text(f" {op}= ").value(other), compute)

    def __neg__(self):
        return wrap(-self.value, Builder().text("-").node(self.node, UNARY).build(UNARY, None))

    def __pos__(self):
        return wrap(+self.value, Builder().text("+").node(self.node, UNARY).build(UNARY, None))

    def __invert__(self):
        return wrap(~self.value, Builder().text("~").node(self.node, UNARY).build(UNARY, None))

    def __abs__(self):
        return wrap(abs(self.value), Builder().text("abs(").node(self.node, LOWEST).text(")").build(ATOM, None))

    __hash__ = None  # type: ignore[assignment]


def binary_node(op: str, a: Any, b: Any) -> Node:
    prec = PRECEDENCE[op]
    if op == "**":  # right-associative, and its left side must be a primary (-x ** 2 is -(x ** 2))
        left, right = ATOM, UNARY
    elif prec == COMPARE:  # comparisons chain in Python: a < b < c; never write one inside another
        left = right = COMPARE + 1
    else:
        left, right = prec, prec + 1
    return Builder().value(a, left).text(f" {op} ").value(b, right).build(prec, None)


def _make_binary(op: str) -> tuple[Callable, Callable, Callable]:
    def forward(self, other):
        return self._binary(op, other)

    def reflected(self, other):
        return self._binary(op, other, reflected=True)

    def in_place_op(self, other):
        return self._in_place(op, other)

    return forward, reflected, in_place_op


for _op, _name in [("+", "add"), ("-", "sub"), ("*", "mul"), ("/", "truediv"), ("//", "floordiv"), ("%", "mod"),
                   ("**", "pow"), ("@", "matmul"), ("&", "and"), ("|", "or"), ("^", "xor")]:
    _f, _r, _i = _make_binary(_op)
    setattr(Sym, f"__{_name}__", _f)
    setattr(Sym, f"__r{_name}__", _r)
    setattr(Sym, f"__i{_name}__", _i)
for _op, _name in [("<", "lt"), ("<=", "le"), (">", "gt"), (">=", "ge"), ("==", "eq"), ("!=", "ne")]:
    setattr(Sym, f"__{_name}__", _make_binary(_op)[0])

# ndarray methods that compute a new array (or a view): recorded as `x.name(...)`.
ARRAY_METHODS = ("reshape", "transpose", "swapaxes", "squeeze", "sum", "mean", "max", "min", "prod", "any",
                 "all", "argmax", "argmin", "astype", "copy", "ravel", "flatten", "clip", "dot", "cumsum",
                 "std", "var", "round", "repeat", "take", "conj", "conjugate", "view", "nonzero", "trace",
                 "diagonal", "cumprod", "ptp", "searchsorted")


def _make_method(name: str) -> Callable:
    def method(self, *args, **kwargs):
        return self._method(name, args, kwargs)

    method.__name__ = name
    return method


for _name in ARRAY_METHODS:
    setattr(Sym, _name, _make_method(_name))

# Array functions that write into one of their arguments.
MUTATING = {"copyto", "put", "place", "putmask", "fill_diagonal", "put_along_axis"}


def _ufunc_node(ufunc: np.ufunc, method: str, inputs: tuple, kwargs: dict) -> Node:
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


# ---- the symbolic Python float ------------------------------------------------------------------

class SymFloat(float):
    """A Python float that remembers how it was computed: what `loss.item()` returns while tracing.

    Arithmetic with numbers gives SymFloats (Python's float arithmetic, as the compiled code does);
    comparisons give plain bools, and are reported as decisions frozen at trace time.
    """

    node: Node

    def __new__(cls, value: float, node: Node) -> "SymFloat":
        self = super().__new__(cls, value)
        self.node = node
        node.value = float(value)
        return self

    @property
    def value(self) -> float:
        return float(self)

    def __float__(self) -> float:
        # float(loss.item()) is still the traced value: remember which plain float stands for it.
        plain = float.__float__(self)
        try:
            active().floats[id(plain)] = (plain, self.node)
        except (RuntimeError, AttributeError):
            pass
        return plain

    def _binary(self, op: str, other: Any, reflected: bool = False) -> Any:
        if not _ACTIVE:  # kept after its trace (e.g. in a list): an ordinary float
            a, b = (other, float(self)) if reflected else (float(self), other)
            return PYTHON_BINARY[op](a, real(b) if isinstance(b, SymFloat) else b)
        if type(other) not in (int, float, bool, SymFloat):
            return NotImplemented
        a, b = (other, self) if reflected else (self, other)
        value = PYTHON_BINARY[op](real(a), real(b))
        if type(value) is not float:
            return value
        return SymFloat(value, binary_node(op, a, b))

    def __neg__(self):
        if not _ACTIVE:
            return -float(self)
        return SymFloat(-float(self), Builder().text("-").node(self.node, UNARY).build(UNARY, None))

    def __pos__(self):
        return self

    def __abs__(self):
        if not _ACTIVE:
            return abs(float(self))
        return SymFloat(abs(float(self)), Builder().text("abs(").node(self.node, LOWEST).text(")").build(ATOM, None))

    def _compare(self, op: str, other: Any) -> Any:
        result = PYTHON_BINARY[op](float(self), real(other))
        if type(result) is bool and _ACTIVE:
            active().decide(self.node, f"a comparison ({op})")
        return result

    def __array_ufunc__(self, ufunc: np.ufunc, method: str, *inputs: Any, **kwargs: Any) -> Any:
        # NumPy would treat a float subclass as a float64 array; the compiled code will hold a plain
        # Python float here (a "weak" scalar that takes the array's dtype), so compute as that.
        if not _ACTIVE:
            kwargs = {k: real(v) for k, v in kwargs.items()}
            return getattr(ufunc, method)(*real(inputs), **kwargs)
        return Sym.__array_ufunc__(self, ufunc, method, *inputs, **kwargs)  # type: ignore[arg-type]

    __hash__ = float.__hash__


for _op, _name in [("+", "add"), ("-", "sub"), ("*", "mul"), ("/", "truediv"), ("//", "floordiv"), ("%", "mod"),
                   ("**", "pow")]:
    _f, _r, _ = _make_binary(_op)
    setattr(SymFloat, f"__{_name}__", _f)
    setattr(SymFloat, f"__r{_name}__", _r)
for _op, _name in [("<", "lt"), ("<=", "le"), (">", "gt"), (">=", "ge"), ("==", "eq"), ("!=", "ne")]:
    setattr(SymFloat, f"__{_name}__", (lambda op: lambda self, other: self._compare(op, other))(_op))
