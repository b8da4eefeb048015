"""Draw a tensor's computation graph as Graphviz DOT text (and, when Graphviz is installed, as a picture).

The graph is the one `backward()` walks: every tensor an op made remembers that op as `grad_fn`, and
every op remembers its inputs in `grad_fn.inputs`. `draw_graph` follows those links back from a
tensor and writes one node per op and one per leaf tensor, with an edge from each input to the op
that used it, so the picture reads top to bottom in the direction the forward pass ran:

    x (2,)  w (2,)
        \\   /
         Mul          each op node: the op's name, its output's shape and dtype
          |
         Sum          the tensor you drew from is outlined twice

Constants: an op input that is not a Tensor (a Python number such as the 2 in `x * 2`, a NumPy array
such as `where`'s condition) gets no node and no edge; it is listed inside its op's label instead,
e.g. `Mul` / `const 2`. `None` inputs (an absent bias) are left out. Tensors that do not require grad
(the data) are leaves like any other and get a node, drawn in white. Options an op takes by keyword
(a reduction's `dim`, a fused loss's `target`) are not recorded in the graph, so they are not drawn.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Mapping
from typing import Any

import numpy as np

from tinygrad_edu.tensor import Tensor

__all__ = ["draw_graph", "RENDER_FORMATS"]

# File endings draw_graph renders through Graphviz; ".dot" is written as text with no dependency.
RENDER_FORMATS = ("png", "svg", "pdf")

# Fill colours, one per kind of node.
_OP_COLOUR = "lightgrey"
_PARAMETER_COLOUR = "lightblue"  # a leaf that requires grad: what training changes
_DATA_COLOUR = "white"  # a leaf that does not require grad: inputs, targets, constants


def draw_graph(tensor: Tensor, path: str | None = None, model: Any = None) -> str:
    """The computation graph that ends at `tensor`, as Graphviz DOT text.

    One node per op (its name, its output's shape and dtype) and per leaf tensor (its shape and
    dtype; its name when `model` is given and the leaf is one of `model.named_parameters()`), with
    the gradient's norm on any tensor whose `.grad` is filled. One edge per tensor input of each op,
    from the input to the op. Non-tensor inputs (numbers, arrays) are listed in their op's label
    rather than drawn. The walk is iterative, so a graph of any depth is fine.

    Args:
        tensor: where the graph ends, usually the loss.
        path: optional file to write. `.dot` writes the text itself (no dependency); `.png`, `.svg`
            and `.pdf` render it with Graphviz (the `graphviz` Python package and the `dot`
            program); a RuntimeError says which of them is missing and how to install it.
        model: optional module (anything with `named_parameters()`), or a dict {name: tensor}, whose
            names label the leaves.

    Returns:
        the DOT text (also when a file is written).

    Example:
        >>> w = tg.tensor([1.0, 2.0], requires_grad=True)
        >>> loss = (w * 3).sum()
        >>> print(tg.draw_graph(loss))        # 3 nodes (w, Mul, Sum), 2 edges
        digraph computation {
        ...
            t0 [label="leaf\\n(2,) float32", fillcolor=lightblue];
            t1 [label="Mul\\n(2,) float32\\nconst 3", fillcolor=lightgrey];
            t2 [label="Sum\\nscalar float32", fillcolor=lightgrey, penwidth=2, peripheries=2];
            t0 -> t1;
            t1 -> t2;
        }
        <BLANKLINE>
        >>> dot = tg.draw_graph(loss, "loss.dot")   # also writes loss.dot; "loss.png" needs Graphviz
    """
    if not isinstance(tensor, Tensor):
        raise TypeError(f"draw_graph: expected a Tensor, got {type(tensor).__name__}")
    if path is not None:
        extension = _extension(path)  # refuse a bad file name before doing any work
    names = _parameter_names(model)

    # Walk back from `tensor`, breadth first, with a growing list rather than recursion: a chain
    # of 100,000 ops must not overflow Python's stack. `found` numbers each tensor once.
    found: dict[int, int] = {id(tensor): 0}
    order = [tensor]
    edges: list[list[tuple[int, int]]] = []  # per op: (input's number, op's number) per tensor input
    for number, current in enumerate(order):  # `order` grows while we go through it
        if current.grad_fn is None:
            continue
        edges.append([])
        for parent in current.grad_fn.inputs:
            if not isinstance(parent, Tensor):
                continue  # a constant: shown in this op's label, not as a node
            if id(parent) not in found:
                found[id(parent)] = len(order)
                order.append(parent)
            edges[-1].append((found[id(parent)], number))

    # The walk went backwards; number the nodes the other way so the text reads in forward order
    # (leaves first, `tensor` last). DOT itself does not care about the order of statements.
    last = len(order) - 1
    lines = [
        "digraph computation {",
        '    graph [rankdir=TB, ordering=in, fontname="Helvetica"];',
        '    node [shape=box, style="rounded,filled", fontname="Helvetica", fontsize=11];',
        *(_node_line(f"t{last - i}", order[i], names, is_root=i == 0) for i in reversed(range(len(order)))),
        *(f"    t{last - a} -> t{last - b};" for group in reversed(edges) for a, b in group),
        "}",
    ]
    text = "\n".join(lines) + "\n"
    if path is not None:
        _write(text, path, extension)
    return text


def _node_line(node: str, tensor: Tensor, names: dict[int, str], is_root: bool) -> str:
    """One DOT node statement: the label's lines, then the colour for the node's kind."""
    fn = tensor.grad_fn
    if fn is not None:
        title = fn.name
        colour = _OP_COLOUR
    else:
        # Leaves: a parameter's name when we know it, else what kind of leaf it is.
        title = names.get(id(tensor), "leaf" if tensor.requires_grad else "data")
        colour = _PARAMETER_COLOUR if tensor.requires_grad else _DATA_COLOUR
    lines = [title, f"{_shape_text(tensor.shape)} {tensor.dtype}"]
    if fn is not None:
        lines += [f"const {_constant_text(x)}" for x in fn.inputs if not isinstance(x, Tensor) and x is not None]
    if tensor.grad is not None:
        # The Euclidean (Frobenius) norm of the gradient: how strongly the loss pulls on this tensor.
        lines.append(f"grad norm {float(np.linalg.norm(tensor.grad.data)):.4g}")
    extra = ", penwidth=2, peripheries=2" if is_root else ""
    return f'    {node} [label="{_escape(chr(10).join(lines))}", fillcolor={colour}{extra}];'


def _shape_text(shape: tuple[int, ...]) -> str:
    """A shape as a node shows it: '(2, 3)', or 'scalar' for ()."""
    return "scalar" if shape == () else str(shape)


def _constant_text(value: Any) -> str:
    """A short description of a non-tensor input: a number by its value, an array by its shape."""
    if isinstance(value, np.ndarray) and value.ndim > 0:
        return f"array {value.shape} {value.dtype}"
    if isinstance(value, (np.ndarray, np.generic)):
        value = value.item()
    return f"{value:.4g}" if isinstance(value, float) else repr(value)


def _escape(text: str) -> str:
    """Text inside a DOT double-quoted string: quotes and backslashes escaped, newlines as \\n."""
    return text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def _parameter_names(model: Any) -> dict[int, str]:
    """id(tensor) -> its name, from model.named_parameters() or a {name: tensor} dict (empty for None)."""
    if model is None:
        return {}
    if isinstance(model, Mapping):
        return {id(t): str(name) for name, t in model.items()}
    if not hasattr(model, "named_parameters"):
        raise TypeError(
            "draw_graph: model must be a module with named_parameters() or a dict of named tensors, "
            f"got {type(model).__name__}"
        )
    return {id(p): name for name, p in model.named_parameters()}


def _extension(path: str) -> str:
    """The format a file name asks for ('dot', 'png', 'svg' or 'pdf'); a ValueError for any other."""
    extension = os.path.splitext(str(path))[1].lower().lstrip(".")
    if extension != "dot" and extension not in RENDER_FORMATS:
        raise ValueError(
            f"draw_graph: cannot tell the format of {str(path)!r}; "
            "end the file name with .dot (text), or .png, .svg or .pdf (rendered with Graphviz)"
        )
    return extension


def _write(text: str, path: str, extension: str) -> None:
    """Save the DOT text at `path`: as it is for .dot, else rendered by Graphviz."""
    if extension == "dot":
        with open(path, "w", encoding="utf-8") as file:
            file.write(text)
        return
    missing = _missing_graphviz()
    if missing:
        raise RuntimeError(
            f"draw_graph: rendering {str(path)!r} needs Graphviz; missing: {'; '.join(missing)}. "
            "A path ending in .dot saves the DOT text and needs nothing."
        )
    import graphviz

    picture = graphviz.Source(text).pipe(format=extension)
    with open(path, "wb") as file:
        file.write(picture)


def _missing_graphviz() -> list[str]:
    """What rendering still needs, each with the command that installs it (empty when all is there)."""
    missing = []
    try:
        import graphviz  # noqa: F401
    except ImportError:
        missing.append("the graphviz Python package (pip install graphviz)")
    if shutil.which("dot") is None:
        missing.append(
            "the Graphviz `dot` program (apt-get install graphviz, or brew install graphviz, "
            "or see https://graphviz.org/download/)"
        )
    return missing
