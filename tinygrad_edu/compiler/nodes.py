"""The recording a trace makes: `Node` (one value and the NumPy source that computes it), `Trace` and `Builder`.

While a training step is traced, every NumPy operation on a traced value (see sym.py) records a
`Node`: the source text that computes the same value from the step's inputs, with references to
the nodes it reads. `Builder` writes that text piece by piece, putting parentheses only where
Python's precedence needs them; `codegen.py` turns the recorded nodes into the lines of the
compiled step.

The rule that keeps the compiled step exact: the value of a node is computed by the very NumPy
operation its text spells (`a * b` is computed as `a * b`, `np.exp(a)` as `np.exp(a)`).
"""

from __future__ import annotations

import math
from typing import Any, Optional

import numpy as np

__all__ = ["Trace", "Node", "Traced", "Builder", "active", "const", "literal", "binary_node", "is_traced",
           "contains_traced"]

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
PRECEDENCE = {op: prec for op, prec in BINARY.values()} | {"**": POW}  # Python operator -> precedence


class Trace:
    """The recording: every node in creation order, plus hooks the tracer fills in (see tracer.py)."""

    def __init__(self) -> None:
        self.nodes: list[Node] = []
        self.phase = "forward"
        self.base_errstate = tuple(sorted(np.geterr().items()))
        self.floats: dict[int, tuple[float, Node]] = {}  # id of a plain float -> the traced float it came from

    # Hooks, replaced by the tracer.
    def saw_node(self) -> None:
        """A node was recorded (the tracer names values after the locals holding them, naming.py)."""

    def track(self, tensor: Any) -> None:
        """A tensor was made during the trace."""

    def escape(self, node: "Node", what: str) -> None:
        """A traced value left the trace (NumPy took its plain value): the tracer decides what that means."""

    def decide(self, node: "Node", what: str) -> None:
        """Python control flow read a traced value (bool(), a comparison of .item()): frozen at trace time."""


_ACTIVE: list[Trace] = []


def active() -> Trace:
    """The trace being recorded now (the innermost one)."""
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
        trace.saw_node()
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
        """Offer a name for this node's line; it is kept only if it beats the current hint's priority."""
        if priority > self.priority:
            self.hint, self.priority = hint, priority

    def __repr__(self) -> str:
        return f"<Node {self.index} {self.kind} {self.hint or ''}>"


class Traced:
    """What the traced values (sym.py's `Sym` and `SymFloat`) have in common: `.node`, the node that computes them."""

    __slots__ = ()
    node: Node


# ---- building nodes -------------------------------------------------------------------------------

def is_traced(x: Any) -> bool:
    """Whether x is a traced value (a Sym or a SymFloat)."""
    return isinstance(x, Traced)


def contains_traced(x: Any) -> bool:
    """Whether x is, or holds (in tuples, lists, dicts, slices), a traced value."""
    if is_traced(x):
        return True
    if isinstance(x, (tuple, list)):
        return any(contains_traced(v) for v in x)
    if isinstance(x, dict):
        return any(contains_traced(v) for v in x.values())
    if isinstance(x, slice):
        return contains_traced((x.start, x.stop, x.step))
    return False


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
        """Append literal source text."""
        self.parts.append(s)
        return self

    def node(self, n: Node, prec: int) -> "Builder":
        """Append a reference to node n, parenthesised if it binds less tightly than `prec`."""
        self.parts.append((len(self.args), prec))
        self.args.append(n)
        return self

    def value(self, x: Any, prec: int = LOWEST) -> "Builder":
        """Render x: a traced value by reference, a literal inline, containers item by item, else a constant."""
        if isinstance(x, Traced):
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
        """Append a call's arguments: `a, b, key=value`."""
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
        """The finished node: the collected source, of precedence `prec`, recorded with its value."""
        return Node(kind, self.parts, tuple(self.args), prec, value)


def binary_node(op: str, a: Any, b: Any) -> Node:
    """The node of `a <op> b`, each side in parentheses only where Python's precedence needs them."""
    prec = PRECEDENCE[op]
    if op == "**":  # right-associative, and its left side must be a primary (-x ** 2 is -(x ** 2))
        left, right = ATOM, UNARY
    elif prec == COMPARE:  # comparisons chain in Python: a < b < c; never write one inside another
        left = right = COMPARE + 1
    else:
        left, right = prec, prec + 1
    return Builder().value(a, left).text(f" {op} ").value(b, right).build(prec, None)
