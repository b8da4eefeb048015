"""Code generation: a finished trace becomes the source of one straight-line NumPy function, `def step(...)`.

Op outputs, gradients and values read more than once get a line of their own; a value read once is
written inside the line that reads it; one nothing reads is left out. Lines keep the engine's order.
An expression the trace computed twice on the same operands is computed once, and one that every call
computes alike is a constant (`share_and_fold`). Around it, `def call(_args)`: the guards, the reads of its
arguments, the call, the write-back.
"""

from __future__ import annotations

import builtins
import inspect
import itertools
import keyword
import linecache
import os
import re
from types import SimpleNamespace
from typing import Any

import numpy as np

from tinygrad_edu.autograd import note_in_place
from tinygrad_edu.compiler.sym import _ACTIVE, ATOM, Node
from tinygrad_edu.compiler.tracer import RESERVED, Tracer, numbered, same_array
from tinygrad_edu.tensor import Tensor

_COUNTER = itertools.count(1)
TAKEN = set(keyword.kwlist) | set(dir(builtins)) | RESERVED  # (builtins: so no line shadows one)


class Mismatch(Exception):
    """The arguments or state differ from the trace's in kind, shape or structure: try another trace."""


def generate(tracer: Tracer) -> SimpleNamespace:
    """Turn the trace into `def step(<bindings>): ...` and the `def call(_args):` around it (the guards, the
    reads, the write-back), and compile both: (source, fn, call_source, call)."""
    shapes = ", ".join(f"{n}: {_describe_argument(a)}" for n, a in zip(tracer.arg_names, tracer.args)) or "no arguments"
    title = (
        f"Compiled by tg.compile from {tracer.name} ({os.path.basename(tracer.where[0])}:{tracer.where[1]}), "
        f"for {shapes}.\nEach line is one op's forward, backward or update, in the order the engine runs them."
    )
    filename = f"<tg.compile of {tracer.name} #{next(_COUNTER)}>"
    _ACTIVE.append(tracer)  # new nodes (the return statement, folded constants) join the trace's list
    try:
        source, fn, bindings = _Generator(tracer).run(title, filename)
    finally:
        _ACTIVE.remove(tracer)
    names = [str(b.hint) for b in bindings]
    guards = tracer.guards + [f"{tracer.tensor(t)}._grad is None" for t in tracer.grad_none]
    guards += [
        f"({name} is {tracer.ref(b.value)} or {same_array(name, b.value, tracer.ref)})"
        for name, b in zip(names, bindings)
        if b.meta["role"] == "tensor"
    ]
    lines = [
        "try:",
        *[f"    {name} = {b.meta['read']}" for name, b in zip(names, bindings)],
        "    if not (",
        "        " + guards[0],
    ]
    lines += [*[f"        and {g}" for g in guards[1:]], "    ):", "        raise _Mismatch"]
    lines += ["except (IndexError, KeyError, AttributeError):", "    raise _Mismatch from None"]  # (a slot gone)
    lines += [f"_out = _kernel({', '.join(names)})", *tracer.writes, f"return {tracer.returns}"]
    call_source = "def call(_args):\n" + "".join(f"    {line}\n" for line in lines)
    ns = dict(tracer.constants, np=np, _tensor=Tensor._from_op, _note_in_place=note_in_place)
    ns.update(_Mismatch=Mismatch, _kernel=fn)
    exec(compile(call_source, filename + ":call", "exec"), ns)
    return SimpleNamespace(source=source, fn=fn, call_source=call_source, call=ns["call"])


def _flat(node: Node, text: Any) -> str:
    """A node's source, each reference to another node written by `text(node, precedence)`."""
    return "".join(p if isinstance(p, str) else text(*p) for p in node.parts)


class _Generator:
    """One run: share and fold, decide which nodes get lines, name them, write them."""

    def __init__(self, tracer: Tracer) -> None:
        self.tracer = tracer
        self.alias: dict[int, Node] = {}  # a node -> the node that stands for it (shared or folded)

    def live(self) -> tuple[list[Node], dict[int, int]]:
        """The nodes the return value and the in-place updates of arguments need (in trace order), and their reads."""
        stack = [self.ret] + [n for n in self.tracer.nodes if n.kind == "stmt" and n.variable.kind == "arg"]
        live: dict[int, Node] = {}
        uses: dict[int, int] = {}
        while stack:
            node = stack.pop()
            if id(node) not in live:
                live[id(node)] = node
                for arg in node.args:
                    uses[id(arg)] = uses.get(id(arg), 0) + 1
                stack += [*node.args, node.variable]  # (reading a statement's value reads its variable)
        return sorted(live.values(), key=lambda n: n.index), uses

    def share_and_fold(self) -> None:
        """Compute an expression once where the trace computed it twice on the same operands (`1 - s` in both
        BCE's forward and the sigmoid's backward: the same NumPy call on the same arrays gives the same array),
        but not a value changed in place later nor one handed to the caller. Fold what every call computes
        alike into a constant computed when traced: d_loss = np.ones_like(loss) (it depends only on loss's
        shape) and a NumPy scalar made of folded constants only (d_loss / 4). A call that returned its operand
        itself (y.astype(np.float64, copy=False) of a float64 y) is that operand. Each node's arguments are
        rewritten to the nodes that stand for them, in trace order (a node only reads earlier ones)."""
        nodes, _ = self.live()
        kept = {id(n.variable) for n in nodes if n.kind == "stmt"} | {id(n) for n in self.tracer.outputs}
        seen: dict[tuple, Node] = {}
        for node in nodes:
            node.parts = [(self.alias.get(id(p[0]), p[0]), p[1]) if type(p) is tuple else p for p in node.parts]
            args = node.args
            if node.kind != "expr" or id(node) in kept:
                continue
            scalar = isinstance(node.value, np.generic) and args and all("folded" in a.meta for a in args)
            if node.meta.get("seed") or scalar:  # (the header lists its value)
                folded = self.alias[id(node)] = Node("const", [], ATOM, node.value, frozenset())
                folded.hint, folded.meta = node.hint, dict(node.meta, folded=True)
            elif node.value is not None and args and args[0].value is node.value:
                self.alias[id(node)] = args[0]
            else:
                key = tuple((id(p[0]), p[1]) if type(p) is tuple else p for p in node.parts)
                first = seen.setdefault(key, node)
                if first is not node:
                    self.alias[id(node)] = first
                    first.must_name |= node.must_name
                    first.hint, first.meta = first.hint or node.hint, {**node.meta, **first.meta}

    def plan(self) -> None:
        """Which expressions get a line (self.named); the rest are written inside the line that reads them.

        From the last node back, so that where a node's reader is written is known: a value read once is
        named all the same when a statement between its operands and that line changes what it reads."""
        self.nodes, uses = self.live()
        changes: dict[int, list[int]] = {}  # variable -> where statements change it
        for n in self.nodes:
            if n.kind == "stmt":
                changes.setdefault(id(n.variable), []).append(n.index)
        reader = {id(a): n for n in self.nodes for a in n.args}
        line: dict[int, int] = {}  # node -> the index of the line that computes it
        self.named: dict[int, bool] = {}
        for node in reversed(self.nodes):
            line[id(node)] = node.index
            if node.kind == "expr":
                where = line[id(reader[id(node)])]
                changed = any(a.index < i < where for a in node.args for i in changes.get(id(a.variable), ()))
                self.named[id(node)] = named = node.must_name or uses.get(id(node), 0) > 1 or changed
                line[id(node)] = node.index if named else where

    def assign_names(self) -> None:
        """A distinct Python name for every argument, line and named constant; gradients are named last,
        after what they are the gradient of (d_<name>, or d<name> for a short name: dW1)."""
        self.names: dict[int, str] = {id(n): n.hint or "" for n in self.nodes if n.kind == "arg"}
        self.taken = TAKEN | set(self.tracer.bindings)
        self.namespace: dict[str, Any] = {}

        def hint(node: Node) -> str:
            primal = node.meta.get("grad_of")
            if primal is not None:
                primal = self.alias.get(id(primal), primal)
                base = self.names.get(id(primal.variable)) or primal.hint or "tmp"
                return ("d" + base) if len(base) <= 3 and "_" not in base else "d_" + base
            return node.hint or "tmp"

        lines = [n for n in self.nodes if self.named.get(id(n))]
        for node in sorted(lines, key=lambda n: (n.meta.get("grad_of") is not None, n.index)):
            self.names[id(node)] = self.fresh(hint(node))
        for node in self.nodes:  # constants: named after their kind, a gradient after what it is the gradient of
            if node.kind == "const" and not node.parts:  # (a literal is its own source)
                value = node.value
                name = hint(node) if node.meta.get("grad_of") is not None else node.hint
                kind = value.__name__ if isinstance(value, type) else "const" if isinstance(value, np.ndarray) else "c"
                self.names[id(node)] = name = self.fresh(name or kind)
                self.namespace[name] = value

    def fresh(self, hint: str) -> str:
        name = numbered(hint if hint.isidentifier() else "tmp", self.taken)
        self.taken.add(name)
        return name

    def text(self, node: Node, prec: int = 0) -> str:
        """The source that reads node's value: its name, or its expression (in parentheses where `prec` needs)."""
        if id(node.variable) in self.names:  # (a statement's value reads as its variable)
            return self.names[id(node.variable)]
        body = _flat(node, self.text)
        return body if node.prec >= prec else f"({body})"

    def run(self, title: str, filename: str) -> tuple[str, Any, list[Node]]:
        outputs = self.tracer.outputs
        parts = [part for i, node in enumerate(outputs) for part in [", "] * (i > 0) + [(node, 0)]]
        self.ret = Node("stmt", ["return (", *parts, ",)" if len(outputs) == 1 else ")"], 0)
        self.share_and_fold()
        self.plan()
        self.assign_names()
        # The step's own arguments first, then what it reads (parameters, gradients, lr, state) in the order read.
        first_read = {id(arg): node.index for node in reversed(self.nodes) for arg in node.args}
        bindings = sorted(
            (n for n in self.nodes if n.kind == "arg"),
            key=lambda b: (0, b.meta["index"]) if b.meta["role"] == "input" else (1, first_read.get(id(b), 0)),
        )
        body: list[str] = []
        phase = group = None
        for node in self.nodes:
            if node.kind != "stmt" and not self.named.get(id(node)):
                continue
            op = node.meta.get("op")  # (the op whose backward wrote the line)
            if node.phase != phase and node is not self.ret:
                phase, group = node.phase, None
                body.append(f"# {phase}")
            if node.phase == "backward" and op is not None and op is not group:
                group, comment = op, _comment(type(op))
                body.append(f"# {type(op).__name__} backward" + (f": {comment}" if comment else ""))
            text = _flat(node, self.text)
            body.append(text if node.kind == "stmt" else f"{self.names[id(node)]} = {text}")
        header = [f"# {line}" for line in title.splitlines()]
        if self.namespace:
            header.append("# Constants, fixed when traced:")
        header += [f"#   {name}: {_describe(value)}" for name, value in self.namespace.items()]
        lines = header + [f"def step({', '.join(str(b.hint) for b in bindings)}):"] + ["    " + line for line in body]
        source = "\n".join(lines) + "\n"
        namespace = dict(self.namespace, np=np)
        linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
        exec(compile(source, filename, "exec"), namespace)
        return source, namespace["step"], bindings


def _comment(cls: Any) -> str:
    """The first comment line in an op's backward, up to its first sentence: 'd sigmoid/dx = s * (1 - s)'."""
    try:
        lines = [line.strip() for line in inspect.getsource(cls.backward).splitlines()]
    except (OSError, TypeError):
        return ""
    text = next((line.lstrip("# ").strip() for line in lines if line.startswith("#")), "")
    return re.split(r"[.;] ", text)[0].rstrip(".")


def _describe(value: Any) -> str:
    """A constant as the source's header lists it: its dtype and shape, or its value for a 0-d array."""
    if isinstance(value, (np.ndarray, np.generic)):
        return f"{value.dtype} {value.item()!r}" if value.ndim == 0 else f"{value.dtype} array of shape {value.shape}"
    return f"the class {value.__module__}.{value.__qualname__}" if isinstance(value, type) else type(value).__name__


def _describe_argument(a: Any) -> str:
    """An argument as the source's title names it: 'float64 (4, 2)', 'float', or its repr."""
    a = a.data if isinstance(a, Tensor) else a
    return f"{a.dtype} {a.shape}" if isinstance(a, np.ndarray) else "float" if type(a) is float else repr(a)
