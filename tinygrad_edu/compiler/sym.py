"""The traced values: `Sym`, a real NumPy array plus the node that computes it, and `SymFloat`, its Python float.

While a training step is traced, every array the engine sees is a `Sym`. Each operation on a Sym
computes its real value at once (so shapes, dtypes and `if need_a:` resolve as in eager mode) and
records a node (nodes.py) whose text computes the same value from the step's inputs: operators
and ndarray methods here, NumPy's ufuncs and functions in numpy_protocol.py. `SymFloat` is what
`loss.item()` returns while tracing: a float that remembers how it was computed.
"""

from __future__ import annotations

import operator
from typing import Any, Callable

import numpy as np

from tinygrad_edu.tensor import Tensor
from tinygrad_edu.compiler.nodes import ATOM, LOWEST, UNARY, Builder, Node, Traced, _ACTIVE, active, binary_node

__all__ = ["Sym", "SymFloat", "real", "wrap", "in_place"]

PYTHON_BINARY = {  # operator -> function that computes it, for the dunder methods
    "+": operator.add, "-": operator.sub, "*": operator.mul, "/": operator.truediv, "//": operator.floordiv,
    "%": operator.mod, "@": operator.matmul, "**": operator.pow, "<": operator.lt, "<=": operator.le,
    ">": operator.gt, ">=": operator.ge, "==": operator.eq, "!=": operator.ne, "&": operator.and_,
    "|": operator.or_, "^": operator.xor,
}
IN_PLACE = {"+": operator.iadd, "-": operator.isub, "*": operator.imul, "/": operator.itruediv,
            "//": operator.ifloordiv, "%": operator.imod, "**": operator.ipow, "@": operator.imatmul,
            "&": operator.iand, "|": operator.ior, "^": operator.ixor}


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


def wrap(value: Any, node: Node) -> Any:
    """The traced form of a result: arrays and NumPy scalars become Syms, Python floats SymFloats."""
    node.value = value
    if isinstance(value, (np.ndarray, np.generic)):
        return Sym(value, node)
    if type(value) is float:
        return SymFloat(value, node)
    return value


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

class Sym(Traced):
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
        """The real value as lists: it leaves the trace."""
        active().escape(self.node, "converted with tolist()")
        return self.value.tolist()

    def item(self, *args: Any) -> Any:
        """One element as a Python number: a float stays traced (a SymFloat); anything else leaves the trace."""
        value = self.value.item(*args)
        if type(value) is float:
            b = Builder().node(self.node, ATOM).text(".item(").call_args(args, {}).text(")")
            return SymFloat(value, b.build(ATOM, value))
        active().escape(self.node, "converted with item()")
        return value

    # ---- NumPy's protocols: every ufunc and array function with a Sym argument (numpy_protocol.py) ----
    def __array_ufunc__(self, ufunc: np.ufunc, method: str, *inputs: Any, **kwargs: Any) -> Any:
        return numpy_protocol.array_ufunc(ufunc, method, inputs, kwargs)

    def __array_function__(self, func: Callable, types: Any, args: tuple, kwargs: dict) -> Any:
        return numpy_protocol.array_function(func, args, kwargs)

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
        """The transpose, recorded as `x.T`."""
        return self._attr("T")

    @property
    def mT(self) -> "Sym":
        """The transpose of the last two axes, recorded as `x.mT`."""
        return self._attr("mT")

    def _attr(self, name: str) -> "Sym":
        value = getattr(self.value, name)
        return wrap(value, Builder().node(self.node, ATOM).text("." + name).build(ATOM, value))

    def _method(self, name: str, args: tuple, kwargs: dict) -> Any:
        value = getattr(self.value, name)(*real(args), **real(kwargs))
        b = Builder().node(self.node, ATOM).text(f".{name}(").call_args(args, kwargs).text(")")
        return wrap(value, b.build(ATOM, value))

    def fill(self, x: Any) -> None:
        """Fill in place with x, recorded as the statement `a.fill(x)`."""
        def compute():
            self.value.fill(real(x))
            return self.value

        in_place(self, lambda b: b.node(self.node, ATOM).text(".fill(").value(x).text(")"), compute)

    # ---- operators: each computes its real value with the operator it writes ------------------
    def _binary(self, op: str, other: Any, reflected: bool = False) -> Any:
        if isinstance(other, (list, dict, set, Tensor)) or other is None:
            return NotImplemented  # (a Tensor handles the operator itself, with its dtype rules)
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


# Python's operators: each one's three methods (a + b, b + a, a += b) call _binary or _in_place with its symbol.
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


# ---- the symbolic Python float ------------------------------------------------------------------

class SymFloat(float, Traced):
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
        """The plain float, as a Sym's `.value` is its plain array."""
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
        return numpy_protocol.array_ufunc(ufunc, method, inputs, kwargs)

    __hash__ = float.__hash__


for _op, _name in [("+", "add"), ("-", "sub"), ("*", "mul"), ("/", "truediv"), ("//", "floordiv"), ("%", "mod"),
                   ("**", "pow")]:
    _f, _r, _ = _make_binary(_op)
    setattr(SymFloat, f"__{_name}__", _f)
    setattr(SymFloat, f"__r{_name}__", _r)
for _op, _name in [("<", "lt"), ("<=", "le"), (">", "gt"), (">=", "ge"), ("==", "eq"), ("!=", "ne")]:
    setattr(SymFloat, f"__{_name}__", (lambda op: lambda self, other: self._compare(op, other))(_op))


# The NumPy protocol handlers make Syms, so they are imported once Sym exists.
from tinygrad_edu.compiler import numpy_protocol  # noqa: E402
