"""Function.apply and the backward walk, done as the engine does them but on Syms, so each op writes its lines.

`SymEngine` is the part of the tracer that stands in for tinygrad_edu/autograd.py while a step is
traced: `apply` runs an op's own `forward` on Syms and `backward` walks the graph in the engine's
order (the ops of `autograd.graph_functions`, newest first), calling each op's own `backward`,
undoing broadcasting with the engine's `unbroadcast` and accumulating gradients as the engine
does. An op whose NumPy code lets a traced value out (`np.add.at` into a fresh array, say) is
recorded as a call instead: `_forward(Op, ...)` and `_backward(ctx, ...)` in the generated source.
"""

from __future__ import annotations

import functools
import inspect
import re
from typing import Any, Optional

import numpy as np

from tinygrad_edu.autograd import Function, _grad_fn_when, graph_functions, is_grad_enabled, unbroadcast
from tinygrad_edu.autograd import _creation_order  # the engine's own numbering of ops, which its walk follows
from tinygrad_edu.compiler.errors import TracingError
from tinygrad_edu.compiler.nodes import ATOM, Builder, Node, _ACTIVE, const
from tinygrad_edu.compiler.sym import Sym, SymFloat, real, wrap
from tinygrad_edu.errors import ShapeError
from tinygrad_edu.tensor import Tensor

__all__ = ["SymEngine", "OpRecord", "new_tensor", "raw_data", "raw_grad", "is_set"]


def snake(name: str) -> str:
    """'BCELoss' -> 'bce_loss', 'LogSoftmax' -> 'log_softmax'; a short name is one word: 'ReLU' -> 'relu'."""
    if len(name) <= 6:
        return name.lower()
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", "_", name).lower()


class OpRecord:
    """One applied op: its class, its output node, and how it was traced."""

    def __init__(self, cls: type, seq: int) -> None:
        self.cls, self.seq = cls, seq
        self.name = f"{snake(cls.__name__)}_{seq}"
        self.escaped = False  # its NumPy code let a traced value out: it runs as an opaque call
        self.out: Optional[Node] = None
        self.ctx_node: Optional[Node] = None  # set when the op runs as `_forward(...)`
        self.real_ctx: Any = None


def _data_descriptor(name: str) -> Any:
    """Tensor's own slot descriptor for `name`, which reads and writes the slot past any patch."""
    for klass in Tensor.__mro__:
        if name in klass.__dict__:
            return klass.__dict__[name]
    raise AttributeError(name)


_DATA = _data_descriptor("data")
_GRAD = _data_descriptor("_grad")  # the slot under Tensor.grad, a property that checks assignments


def raw_data(t: Tensor) -> Any:
    """t.data as stored, past the tracer's watch on it (patches.py)."""
    return _DATA.__get__(t, type(t))


def raw_grad(t: Tensor) -> Any:
    """t.grad as stored, past the tracer's watch on it (patches.py)."""
    return _GRAD.__get__(t, type(t))


def is_set(slot: Any, t: Tensor) -> bool:
    """Whether t's `data` or `grad` slot (_DATA, _GRAD) holds a value: not yet while Tensor.__init__ runs."""
    try:
        slot.__get__(t, type(t))
        return True
    except AttributeError:
        return False


def new_tensor(data: Any) -> Tensor:
    """A tensor outside the graph holding `data`, made with the public attributes only."""
    t = object.__new__(Tensor)
    if _ACTIVE:
        _ACTIVE[-1].track(t)
    _DATA.__set__(t, data)
    _GRAD.__set__(t, None)
    t.grad_fn = None
    t.requires_grad = False
    t._version = 0
    return t


@functools.lru_cache(maxsize=None)
def _op_comment(cls: type, method: str) -> str:
    """The first comment in an op's forward or backward: '# d sigmoid/dx = s * (1 - s)'."""
    try:
        source = inspect.getsource(getattr(cls, method))
    except (OSError, TypeError):
        return ""
    for line in source.splitlines():
        line = line.strip()
        if line.startswith("#"):
            text = line.lstrip("# ").strip()
            for stop in (". ", "; "):  # the formula, not the explanation after it
                if stop in text:
                    text = text[:text.index(stop)]
            return text.rstrip(".")
    return ""


class SymEngine:
    """Function.apply and Tensor.backward for the tracer (which holds the state these methods use)."""

    nodes: list
    ops: dict
    op_counts: dict
    op_stack: list
    keep: list
    created: set
    phase: str

    # ---- ops ------------------------------------------------------------------------------------
    def apply(self, cls: type, inputs: tuple, options: dict) -> Tensor:
        """Function.apply while tracing: the op's own forward on Syms, its output named after the op."""
        seq = self.op_counts[cls.__name__] = self.op_counts.get(cls.__name__, 0) + 1
        record = OpRecord(cls, seq)
        ctx = cls()
        arrays = [x.data if isinstance(x, Tensor) else x for x in inputs]
        needs = tuple(isinstance(x, Tensor) and x.requires_grad for x in inputs)
        ctx.needs_input_grad = needs  # before forward, as Function.apply sets it
        self.op_stack.append(record)
        try:
            out = ctx.forward(*arrays, **options)
        except ShapeError:
            raise
        except ValueError as error:
            shapes = " and ".join(str(np.shape(real(a))) for a in arrays)
            raise ShapeError(f"{cls.__name__}: cannot apply to inputs of shapes {shapes}: {error}") from None
        finally:
            self.op_stack.pop()
        # what the op read, as it was: the op may have to be re-run as a call (see _walk)
        record.arrays = [Sym(a.value, a.node) if isinstance(a, Sym) else a for a in arrays]
        record.options = {k: Sym(v.value, v.node) if isinstance(v, Sym) else v for k, v in options.items()}
        if record.escaped:
            out = self._opaque_forward(record, arrays, options)
        else:
            out = self.as_array(out)
        node = out.node
        if node.kind in ("expr", "version") and node.variable.priority < 2:
            node.variable.name_hint(record.name, 2)
        node.meta.setdefault("op", (cls.__name__, "forward", record))
        record.out = node
        t = new_tensor(out)
        self.created.add(id(t))
        self.keep.append(t)
        if is_grad_enabled() and out.dtype.kind == "f":
            if True in needs:
                ctx.inputs = inputs
                ctx.options = options
                ctx.sequence = next(_creation_order)  # as Function.apply numbers it: the walk's order
                t.requires_grad = True
                t.grad_fn = ctx
        if t.requires_grad or self.phase == "forward":
            node.must_name = True  # one line per op of the graph
        self.ops[id(ctx)] = record
        self.keep.append(ctx)
        return t

    def as_array(self, x: Any) -> Sym:
        """np.asarray(x) as the engine applies it to what forward and backward return."""
        if isinstance(x, Sym):
            if isinstance(x.value, np.ndarray):
                return x
            value = np.asarray(x.value)
            return Sym(value, Builder().text("np.asarray(").node(x.node, 0).text(")").build(ATOM, value))
        if isinstance(x, SymFloat):
            value = np.asarray(float(x))
            return Sym(value, Builder().text("np.asarray(").node(x.node, 0).text(")").build(ATOM, value))
        value = np.asarray(x)
        return Sym(value, const(value))

    def _opaque_forward(self, record: OpRecord, arrays: list, options: dict, index: Optional[float] = None) -> Sym:
        """Run the op as `ctx, out = _forward(Op, (inputs...), options)`: its NumPy code cannot be traced."""
        real_ctx = record.cls()
        value = np.asarray(real_ctx.forward(*real(arrays), **real(options)))
        b = Builder().text("_forward(").node(const(record.cls, record.cls.__name__), ATOM).text(", ")
        b.value(tuple(arrays)).text(", dict(").call_args((), options).text("))")
        whole = b.build(ATOM, (real_ctx, value))
        if index is not None:  # made during backward, but it is the op's forward: it goes where that was
            whole.index, whole.phase = index, record.out.phase
        whole.must_name = True
        whole.name_hint(record.name + "_call", 2)
        whole.meta["op"] = (record.cls.__name__, "forward", record)
        record.ctx_node, record.real_ctx = whole, real_ctx
        out = Node("expr", [(0, ATOM), "[1]"], (whole,), ATOM, value)
        if index is not None:
            out.index = index + 0.25
        return Sym(value, out)

    # ---- backward ---------------------------------------------------------------------------------
    def backward(self, root: Tensor, gradient: Any = None, retain_graph: bool = False) -> None:
        """Tensor.backward while tracing: the engine's walk, each op's own backward run on Syms."""
        if not root.requires_grad:
            raise RuntimeError(
                "backward(): this tensor does not require grad and has no grad_fn; "
                "did you forget requires_grad=True on an input, or call it under no_grad()?")
        self.phase = "backward"
        data = root.data
        if gradient is None:
            if data.size != 1:
                raise RuntimeError(
                    f"backward(): grad can be implicitly created only for scalar outputs, this tensor has "
                    f"shape {data.shape}; pass gradient= of that shape")
            seed = np.ones_like(data)
        else:
            g = gradient.data if isinstance(gradient, Tensor) else gradient
            value = np.asarray(real(g), dtype=data.dtype)
            b = Builder().text("np.asarray(").value(g).text(", dtype=").value(data.dtype).text(")")
            seed = Sym(value, b.build(ATOM, value))
            if value.shape != data.shape:
                raise ShapeError(f"backward(): gradient has shape {value.shape} but the tensor has shape {data.shape}")
        self._grad_name(seed, root)
        if gradient is None:
            seed.node.meta["seed"] = True
        if root.grad_fn is None:
            self._accumulate(root, seed)
        else:
            self._walk(root, seed, retain_graph)
        self.phase = "update"  # what follows backward() is, almost always, the update

    def _walk(self, root: Tensor, seed: Sym, retain_graph: bool) -> None:
        """The engine's walk: root's ops newest first, so every op's grad_out is complete when its turn comes."""
        grads: dict[Function, Sym] = {root.grad_fn: seed}  # op -> the gradient of its output, summed over its users
        for fn in reversed(graph_functions(root)):
            grad_out = grads.pop(fn, None)
            if grad_out is None:
                continue
            if fn.retained is not None and fn.retained() is not None:  # out.retain_grad(), as the engine does
                self._accumulate(fn.retained(), grad_out)
            if getattr(fn, "released", False):
                raise RuntimeError(
                    f"backward through {fn.name} a second time: its saved values were freed after the first "
                    "backward(). Call backward(retain_graph=True) the first time if you need to backward "
                    "through the same graph twice.")
            record = self.ops.get(id(fn))
            if record is None:
                raise TracingError(f"tg.compile: {type(fn).__name__} was applied before tracing began")
            traced = False
            comment = _op_comment(record.cls, "backward")
            if record.ctx_node is None:
                first = len(self.nodes)
                self.op_stack.append(record)
                try:
                    grads_in = fn.backward(grad_out)
                finally:
                    self.op_stack.pop()
                traced = not record.escaped
                for node in self.nodes[first:]:  # every line the op's backward wrote is under its heading
                    node.meta.setdefault("op", (record.cls.__name__, "backward", record))
                    node.meta.setdefault("comment", comment)
                if record.escaped:  # its backward cannot be traced: the whole op runs as calls instead
                    out = self._opaque_forward(record, record.arrays, record.options, index=record.out.index - 0.5)
                    record.out.kind, record.out.parts, record.out.args = "expr", out.node.parts, out.node.args
                    record.out.variable, record.out.sources = record.out, out.node.sources
            if not traced:
                grads_in = self._opaque_backward(record, fn.needs_input_grad, grad_out)
            if not isinstance(grads_in, tuple):
                grads_in = (grads_in,)
            if len(grads_in) != len(fn.inputs):
                raise RuntimeError(
                    f"{fn.name}.backward returned {len(grads_in)} gradient(s) for {len(fn.inputs)} input(s)")
            for parent, grad, needed in zip(fn.inputs, grads_in, fn.needs_input_grad):
                if not needed or grad is None:
                    continue
                grad = self._fit(fn, grad, parent)
                for node in (grad.node, grad.node.variable):  # (the variable: a gradient built in place)
                    node.meta.setdefault("op", (record.cls.__name__, "backward", record))
                    node.meta.setdefault("comment", comment)
                parent_fn = _grad_fn_when(parent, fn)  # (as the engine: the grad_fn parent had for fn)
                if parent_fn is None:
                    self._accumulate(parent, grad)
                else:
                    if parent_fn in grads:
                        grad = grads[parent_fn] + grad  # a second path into the same tensor
                    self._grad_name(grad, parent)
                    grads[parent_fn] = grad
            if not retain_graph:
                fn.released = True
                fn.saved = ()

    def _opaque_backward(self, record: OpRecord, needs: tuple, grad_out: Sym) -> tuple:
        """Run the op's backward as `_backward(ctx, needs, grad_out)`, one call in the source: it cannot be traced."""
        ctx = record.real_ctx
        ctx.needs_input_grad = needs
        value = ctx.backward(real(grad_out))
        value = value if isinstance(value, tuple) else (value,)
        b = Builder().text("_backward(").node(record.ctx_node, ATOM).text("[0], ").value(needs).text(", ")
        whole = b.node(grad_out.node, 0).text(")").build(ATOM, value)
        whole.must_name = True
        whole.name_hint(f"d_{record.name}_call", 2)
        whole.meta["op"] = (record.cls.__name__, "backward", record)
        return tuple(None if v is None else wrap(v, Node("expr", [(0, ATOM), f"[{i}]"], (whole,), ATOM, v))
                     for i, v in enumerate(value))

    def _fit(self, fn: Function, grad: Any, parent: Tensor) -> Sym:
        """The engine's fit: the gradient gets the parent's shape (unbroadcast) and dtype."""
        grad = self.as_array(grad)
        shape, dtype = parent.data.shape, parent.data.dtype
        if grad.shape != shape:
            try:
                grad = unbroadcast(grad, shape)
            except (ValueError, IndexError):
                raise RuntimeError(
                    f"{fn.name}.backward returned a gradient of shape {grad.shape} for an input of shape {shape}; "
                    "it must have the input's shape or broadcast to it") from None
        if grad.dtype != dtype:
            grad = grad.astype(dtype)
        return grad

    def _accumulate(self, leaf: Tensor, grad: Sym) -> None:
        """The engine's leaf update: a copy the leaf owns the first time, a sum afterwards."""
        if not leaf.requires_grad:
            return
        current = leaf.grad
        if current is None:
            value = np.array(grad.value)
            node = Builder().text("np.array(").node(grad.node, 0).text(")").build(ATOM, value)
            node.meta["copy_of"] = grad.node  # the code generator drops the copy when nothing else reads grad
            new = Sym(value, node)
        else:
            new = self.as_array(current.data + grad)  # as the engine: a 0-d sum stays a 0-d array
        new.node.meta.setdefault("op", grad.node.meta.get("op"))
        new.node.meta.setdefault("comment", grad.node.meta.get("comment", ""))
        self._grad_name(new, leaf)
        leaf.grad = new_tensor(new)

    def _grad_name(self, grad: Sym, of: Tensor) -> None:
        """A gradient gets a line of its own, named after what it is the gradient of (dW1, d_sigmoid_1)."""
        node = grad.node.variable  # (a gradient changed in place is named as the variable that holds it)
        node.must_name = True
        if "grad_of" not in node.meta:
            primal = raw_data(of)
            node.meta["grad_of"] = primal.node if isinstance(primal, Sym) else None
