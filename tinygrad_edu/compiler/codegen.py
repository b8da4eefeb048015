"""Code generation: from a finished trace to the source text of one straight-line NumPy function.

Every op output, every gradient and every value read more than once gets a line of its own
(`A1 = ...`, `dW1 = ...`); a value read once is written inside the expression that reads it; a
value nothing reads (an argument check, say) is left out. Lines keep the order in which the engine
computed them, so the function does exactly what the eager step did, with the same NumPy calls on
the same operands.
"""

from __future__ import annotations

import builtins
import keyword
import linecache
from typing import Any, Optional

import numpy as np

from tinygrad_edu.compiler.sym import ATOM, Node, _ACTIVE
from tinygrad_edu.compiler.tracer import RESERVED as _USED, Binding, Tracer, numbered

RESERVED = set(keyword.kwlist) | set(dir(builtins)) | _USED  # (builtins: so no line shadows one)


class Generated:
    """The compiled function, its source, and how to call it: the bindings it takes, the values it returns."""

    def __init__(self, source: str, fn: Any, bindings: list[Binding], outputs: list[int], filename: str) -> None:
        self.source, self.fn, self.bindings, self.outputs, self.filename = source, fn, bindings, outputs, filename


def generate(tracer: Tracer, title: str, filename: str) -> Generated:
    """Turn the trace into `def step(<bindings>): ...` and compile it."""
    _ACTIVE.append(tracer)  # new nodes (folded constants) join the trace's list
    try:
        return _Generator(tracer).run(title, filename)
    finally:
        _ACTIVE.remove(tracer)


class _Generator:
    """One run of code generation: simplify the trace, decide which nodes get lines, name them, write them."""

    def __init__(self, tracer: Tracer) -> None:
        self.tracer = tracer
        self.alias: dict[int, Node] = {}

    def resolve(self, node: Node) -> Node:
        """The node that stands for `node` after copies were dropped and repeated expressions shared."""
        while id(node) in self.alias:
            node = self.alias[id(node)]
        return node

    # ---- which nodes are needed, and how often each is read ------------------------------------------
    def live_nodes(self) -> tuple[list[Node], dict[int, int]]:
        """The nodes the returned values and the in-place updates need (in trace order), and how often each is read."""
        roots = [self.ret]
        for node in self.tracer.nodes:
            stores_argument = node.stores is not None and node.stores.kind == "arg"  # W -= lr * dW
            if node.kind == "stmt" and (node.meta.get("root") or stores_argument):
                roots.append(node)
        live: dict[int, Node] = {}
        uses: dict[int, int] = {}
        stack = list(roots)
        while stack:
            node = stack.pop()
            if id(node) in live:
                continue
            live[id(node)] = node
            for arg in node.args:
                arg = self.resolve(arg)
                uses[id(arg)] = uses.get(id(arg), 0) + 1
                stack.append(arg)
            if node.kind == "version":  # reading a variable after a statement reads the variable itself
                stack.append(self.resolve(node.variable))
        return sorted(live.values(), key=lambda n: n.index), uses

    def share_common(self) -> None:
        """Compute an expression once where the trace computed it twice on the same operands: `1 - s` in
        both BCE's and the sigmoid's backward. The same NumPy call on the same arrays gives the same
        array, so this changes no value; it is not done for values changed in place later, nor for
        values handed to the caller (each gradient keeps an array of its own).
        """
        nodes, _ = self.live_nodes()
        targets = {id(self.resolve(n.stores)) for n in nodes if n.kind == "stmt" and n.stores is not None}
        outputs = {id(self.resolve(n)) for n in self.tracer.outputs}
        seen: dict[tuple, Node] = {}
        for node in nodes:
            if node.kind != "expr" or id(node) in targets or id(node) in outputs:
                continue
            if any(isinstance(p, str) and "random" in p for p in node.parts):
                continue
            if any(a.kind == "const" and not a.meta.get("literal") and callable(a.value) for a in node.args):
                continue
            key = (tuple(p if isinstance(p, str) else (id(self.resolve(node.args[p[0]])), p[1]) for p in node.parts),
                   node.errstate)
            first = seen.setdefault(key, node)
            if first is not node:
                self.alias[id(node)] = first
                first.must_name = first.must_name or node.must_name
                if node.priority > first.priority:
                    first.hint, first.priority = node.hint, node.priority
                for k in ("grad_of", "op", "comment"):
                    if k in node.meta:
                        first.meta.setdefault(k, node.meta[k])

    def fold_seed(self) -> None:
        """d_loss = np.ones_like(loss) depends only on loss's shape: computed once, when traced."""
        nodes, _ = self.live_nodes()
        outputs = {id(self.resolve(n)) for n in self.tracer.outputs}
        for node in nodes:
            if node.meta.get("seed") and id(node) not in outputs and node.variable is node:
                text = "".join(p if isinstance(p, str) else self.text_unnamed(node.args[p[0]]) for p in node.parts)
                folded = Node("const", [], (), ATOM, node.value, frozenset())
                folded.hint, folded.priority = node.hint, node.priority
                folded.meta["grad_of"] = node.meta.get("grad_of")
                folded.meta["folded"] = text
                self.alias[id(node)] = folded

    def text_unnamed(self, node: Node) -> str:
        """A node's name hint, for the note on a folded constant ('...' when it has none)."""
        node = self.resolve(node)
        return node.hint or "..."

    # ---- which nodes get a line ---------------------------------------------------------------------
    def plan(self) -> None:
        """Decide which expressions get a line of their own (self.named); the rest are written where read."""
        nodes, uses = self.live_nodes()
        self.nodes, self.uses = nodes, uses
        self.named: dict[int, bool] = {}
        for node in nodes:
            if node.kind == "expr":
                self.named[id(node)] = node.must_name or uses.get(id(node), 0) > 1 or node.variable is not node
        # A value read inside a later line must not be read after a statement that changed what it reads.
        self.consumer: dict[int, Node] = {}
        for node in nodes:
            for arg in node.args:
                self.consumer[id(self.resolve(arg))] = node
        changes: dict[int, list[int]] = {}  # variable -> where statements change it
        for n in nodes:
            if n.kind == "stmt" and n.stores is not None:
                changes.setdefault(id(self.resolve(n.stores)), []).append(n.index)
        changed = True
        while changed:
            changed = False
            for node in nodes:
                if node.kind != "expr" or self.named[id(node)]:
                    continue
                position = self.position(node)
                consumer = self.consumer.get(id(node))
                if consumer is not None and consumer.errstate != node.errstate:
                    self.named[id(node)] = changed = True
                    continue
                for arg in node.args:
                    arg = self.resolve(arg)
                    var = self.variable_of(arg)
                    if var is None:
                        continue
                    if any(arg.index < index < position for index in changes.get(id(var), ())):
                        self.named[id(node)] = changed = True
                        break

    def variable_of(self, node: Node) -> Optional[Node]:
        """The variable a node is read from (itself, or the first holder of a version); None for a constant."""
        if node.kind == "version":
            return self.resolve(node.variable)
        if node.kind in ("arg", "expr"):
            return node
        return None

    def position(self, node: Node) -> float:
        """Where a node is computed: at its own line, or inside the line of the node that reads it."""
        while node.kind == "expr" and not self.named.get(id(node), True):
            consumer = self.consumer.get(id(node))
            if consumer is None:
                break
            node = consumer
        return node.index

    # ---- names ---------------------------------------------------------------------------------------
    def assign_names(self) -> None:
        """A distinct Python name for every argument, named line and named constant."""
        self.names: dict[int, str] = {}
        self.taken = set(RESERVED) | set(self.tracer.bindings)
        self.namespace: dict[str, Any] = {}
        self.const_notes: dict[str, Optional[str]] = {}
        self.versions: dict[int, list[Node]] = {}
        for node in self.nodes:
            if node.kind == "version":
                self.versions.setdefault(id(self.resolve(node.variable)), []).append(node)
        for node in self.nodes:
            if node.kind == "arg":
                self.names[id(node)] = node.hint
        variables = [n for n in self.nodes if n.kind == "expr" and self.named[id(n)]]
        # Variables holding gradients are named after what they are the gradient of, so that goes second.
        gradients_last = lambda n: (n.meta.get("grad_of") is not None and n.priority < 3, n.index)  # noqa: E731
        for node in sorted(variables, key=gradients_last):
            self.names[id(node)] = self.fresh(self.hint_for(node))
        same_value: dict[tuple, str] = {}  # equal small arrays (np.arange(n) made twice) share one name
        for node in self.nodes:
            if node.kind == "const" and not node.meta.get("literal"):
                value = node.value
                key = None
                if isinstance(value, np.ndarray) and value.size <= 4096 and not node.meta.get("grad_of"):
                    key = (value.dtype.str, value.shape, value.tobytes())
                    if key in same_value:
                        self.names[id(node)] = same_value[key]
                        continue
                hint = self.hint_for(node) if node.meta.get("grad_of") is not None else node.hint
                held = self.tracer.array_names.get(id(node.value))
                if held and (not hint or node.priority < held[1]):
                    hint = held[0]
                name = self.fresh(hint or _const_hint(node.value))
                if key is not None:
                    same_value[key] = name
                self.names[id(node)] = name
                self.namespace[name] = node.value
                self.const_notes[name] = node.meta.get("folded")

    def hint_for(self, node: Node) -> str:
        """The name to give a line: d<name> for a gradient the user did not name, else its best hint, or 'tmp'."""
        # The best hint of the variable: a version may carry the user's name for the updated value.
        hint, priority = node.hint, node.priority
        for other in self.versions.get(id(node), ()):
            if other.priority > priority:
                hint, priority = other.hint, other.priority
        primal = node.meta.get("grad_of")
        if primal is not None and priority < 3:
            primal = self.resolve(primal)
            base = self.names.get(id(self.variable_of(primal) or primal)) or primal.hint or "tmp"
            return ("d" + base) if len(base) <= 3 and "_" not in base else "d_" + base
        return hint or "tmp"

    def fresh(self, hint: str) -> str:
        """A variable name after the hint that no other variable, argument or builtin has."""
        name = numbered(hint if hint.isidentifier() else "tmp", self.taken)
        self.taken.add(name)
        return name

    # ---- text ------------------------------------------------------------------------------------------
    def text(self, node: Node, prec: int = 0) -> str:
        """The source that reads node's value: its name, or its expression (in parentheses where `prec` needs)."""
        node = self.resolve(node)
        if node.kind == "version":
            return self.names[id(self.resolve(node.variable))]
        if id(node) in self.names:
            return self.names[id(node)]
        body = "".join(part if isinstance(part, str) else self.text(node.args[part[0]], part[1])
                       for part in node.parts)
        return body if node.prec >= prec else f"({body})"

    def line(self, node: Node) -> str:
        """The line of a named node, `name = expression`, or a statement as it is."""
        body = "".join(part if isinstance(part, str) else self.text(node.args[part[0]], part[1])
                       for part in node.parts)
        if node.kind == "stmt":
            return body
        return f"{self.names[id(node)]} = {body}"

    def run(self, title: str, filename: str) -> Generated:
        """Every pass in order, then the source of `def step(...)`, compiled."""
        # The return statement is a node like the others: what it returns is read at the very end.
        outputs = self.tracer.outputs
        parts: list = ["return ("]
        for i in range(len(outputs)):
            parts += [", "] if i else []
            parts.append((i, 0))
        parts.append(",)" if len(outputs) == 1 else ")")
        self.ret = Node("stmt", parts, tuple(outputs), 0)
        self.fold_seed()
        self.share_common()
        self.plan()
        self.assign_names()
        # The step's own arguments first, then what it reads (parameters, gradients, lr, state) in the
        # order it first reads them.
        first_read: dict[int, int] = {}
        for node in self.nodes:
            for arg in node.args:
                first_read.setdefault(id(self.resolve(arg)), node.index)
        bindings = [n.meta["binding"] for n in self.nodes if n.kind == "arg"]
        bindings.sort(key=lambda b: (b.kind != "input", b.key if b.kind == "input" else first_read.get(id(b.node), 0)))
        lines = [f"def step({', '.join(b.name for b in bindings)}):"]
        body: list[str] = []
        phase, op_group, errstate = None, None, None
        for node in self.nodes:
            if node.kind not in ("expr", "stmt") or (node.kind == "expr" and not self.named[id(node)]):
                continue
            if node is self.ret:
                body.append(self.line(node))
                continue
            if node.phase != phase:
                phase, errstate = node.phase, None
                body.append(f"# {phase}")
                op_group = None
            text = self.line(node)
            op = node.meta.get("op")
            if node.phase == "backward" and op is not None and op[2] is not op_group:
                op_group, errstate = op[2], None
                comment = node.meta.get("comment")
                body.append(f"# {op[0]} backward" + (f": {comment}" if comment else ""))
            elif node.phase == "forward" and op is not None and op[1] == "forward" and node.priority >= 3:
                text += f"  # {op[0]}"
            if node.errstate:
                if node.errstate != errstate or not body[-1].startswith("    "):
                    base = dict(self.tracer.base_errstate)
                    settings = ", ".join(f"{k}={v!r}" for k, v in node.errstate if base[k] != v)
                    body.append(f"with np.errstate({settings}):")
                text = "    " + text
            errstate = node.errstate
            body.append(text)
        lines += ["    " + line for line in body]
        header = [f"# {line}" for line in title.splitlines()]
        consts = [f"#   {name}" + (f" = {self.const_notes[name]}" if self.const_notes.get(name) else "")
                  + f": {_describe(value)}" for name, value in self.namespace.items()]
        if consts:
            header += ["# Constants, fixed when traced:"] + consts
        source = "\n".join(header + lines) + "\n"
        namespace = dict(self.namespace)
        namespace["np"] = np
        code = compile(source, filename, "exec")
        linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
        exec(code, namespace)
        return Generated(source, namespace["step"], bindings, list(range(len(self.tracer.outputs))), filename)


def _const_hint(value: Any) -> str:
    """A name for a constant that has no better one: a class's name, 'const' for an array, else 'c'."""
    if isinstance(value, type):
        return value.__name__
    if isinstance(value, np.ndarray):
        return "const"
    return "c"


def _describe(value: Any) -> str:
    """A constant as the source's header lists it: its dtype and shape, or its value for a 0-d array."""
    if isinstance(value, np.ndarray):
        if value.ndim == 0:
            return f"{value.dtype} {value.item()!r}"
        return f"{value.dtype} array of shape {value.shape}"
    if isinstance(value, type):
        return f"the class {value.__module__}.{value.__qualname__}"
    return type(value).__name__
