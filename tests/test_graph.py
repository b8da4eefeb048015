"""Tests of draw_graph: the DOT text of known graphs is parsed back into nodes, labels and edges."""

from __future__ import annotations

import re
import sys
import types

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu import graph as graph_module
from tinygrad_edu.graph import draw_graph

NODE = re.compile(r'^\s*(t\d+) \[label="((?:[^"\\]|\\.)*)", fillcolor=(\w+)(.*)\];$')
EDGE = re.compile(r"^\s*(t\d+) -> (t\d+);$")


def parse(dot: str) -> tuple[dict[str, dict], list[tuple[str, str]]]:
    """The nodes (id -> label lines, colour, root flag) and the edges (input id, op id) of DOT text.

    Every line is either a header/footer line, a node or an edge: anything else fails the parse.
    """
    lines = dot.strip().splitlines()
    assert lines[0] == "digraph computation {" and lines[-1] == "}"
    nodes, edges = {}, []
    for line in lines[1:-1]:
        if line.strip().startswith(("graph [", "node [")):
            continue
        if match := NODE.match(line):
            node, label, colour, rest = match.groups()
            assert node not in nodes, f"node {node} declared twice"
            nodes[node] = {"lines": label.split("\\n"), "colour": colour, "root": "peripheries=2" in rest}
        elif match := EDGE.match(line):
            edges.append(match.groups())
        else:
            raise AssertionError(f"not a node or an edge: {line!r}")
    for a, b in edges:
        assert a in nodes and b in nodes, f"edge {a} -> {b} names an undeclared node"
    return nodes, edges


def by_title(nodes: dict[str, dict]) -> dict[str, list[str]]:
    """title (the label's first line) -> the ids of the nodes with that title."""
    titles: dict[str, list[str]] = {}
    for node, info in nodes.items():
        titles.setdefault(info["lines"][0], []).append(node)
    return titles


def test_a_known_graph_has_one_node_per_op_and_leaf_and_one_edge_per_tensor_input():
    # loss = sum((x * w + 2) * x): leaves x, w; ops Mul, Add, Mul, Sum. The 2 is a constant.
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    w = tg.tensor([3.0, 4.0], requires_grad=True)
    loss = ((x * w + 2) * x).sum()
    nodes, edges = parse(draw_graph(loss))

    titles = by_title(nodes)
    assert sorted(titles) == ["Add", "Mul", "Sum", "leaf"]
    assert [len(titles[t]) for t in ("Add", "Mul", "Sum", "leaf")] == [1, 2, 1, 2]
    # Edges: x->Mul1, w->Mul1, Mul1->Add, Add->Mul2, x->Mul2, Mul2->Sum. None from the constant.
    assert len(edges) == 6
    into = {node: sum(1 for _, b in edges if b == node) for node in nodes}
    out_of = {node: sum(1 for a, _ in edges if a == node) for node in nodes}
    (add,), (total,) = titles["Add"], titles["Sum"]
    assert into[add] == 1 and "const 2" in nodes[add]["lines"]
    assert into[total] == 1 and out_of[total] == 0 and nodes[total]["root"]
    assert sorted(out_of[leaf] for leaf in titles["leaf"]) == [1, 2]  # w is used once, x twice
    assert sum(info["root"] for info in nodes.values()) == 1


def test_a_tensor_used_twice_by_one_op_gets_two_edges():
    x = tg.tensor([3.0], requires_grad=True)
    nodes, edges = parse(draw_graph(x * x))
    assert len(nodes) == 2
    assert len(edges) == 2 and edges[0] == edges[1]


LABEL_CASES = [
    # (name, build the root from a float32 leaf of shape (2, 3), expected label lines of the root)
    ("sum to a scalar", lambda a: a.sum(), ["Sum", "scalar float32"]),
    ("mean over a dim", lambda a: a.mean(dim=0), ["Mean", "(3,) float32"]),
    ("float64 cast", lambda a: a.double(), ["Cast", "(2, 3) float64"]),
    ("matmul", lambda a: a @ tg.ones(3, 4), ["MatMul", "(2, 4) float32"]),
    ("reshape", lambda a: a.reshape(3, 2), ["Reshape", "(3, 2) float32"]),
    ("float constant", lambda a: a * 0.5, ["Mul", "(2, 3) float32", "const 0.5"]),
]


@pytest.mark.parametrize("build, expected", [case[1:] for case in LABEL_CASES], ids=[c[0] for c in LABEL_CASES])
def test_an_op_node_shows_the_op_name_and_its_output_shape_and_dtype(build, expected):
    a = tg.ones(2, 3, requires_grad=True)
    nodes, _ = parse(draw_graph(build(a)))
    (root,) = [info for info in nodes.values() if info["root"]]
    assert root["lines"] == expected
    assert root["colour"] == "lightgrey"


def test_an_array_constant_is_described_by_its_shape_and_a_tensor_without_grad_is_a_data_leaf():
    a = tg.tensor([1.0, -2.0, 3.0], requires_grad=True)
    b = tg.tensor([0.0, 0.0, 0.0])  # requires no grad: a leaf drawn as data
    out = tg.where(np.array([True, False, True]), a, b)
    nodes, edges = parse(draw_graph(out))
    titles = by_title(nodes)
    (where,) = titles["Where"]
    assert "const array (3,) bool" in nodes[where]["lines"]
    (data,) = titles["data"]
    assert nodes[data]["colour"] == "white"
    assert len(edges) == 2  # a and b; the condition array is a constant, not a node


def test_gradient_norms_appear_after_backward():
    # loss = sum(x * w): dloss/dx = w, dloss/dw = x, so the norms are |w| and |x|.
    x_values, w_values = np.array([3.0, 4.0]), np.array([1.0, 2.0])
    x = tg.tensor(x_values, requires_grad=True)
    w = tg.tensor(w_values, requires_grad=True)
    loss = (x * w).sum()
    before, _ = parse(draw_graph(loss))
    assert not any(line.startswith("grad norm") for info in before.values() for line in info["lines"])

    loss.backward()
    after, _ = parse(draw_graph(loss))
    norms = sorted(
        float(line.removeprefix("grad norm "))
        for info in after.values()
        for line in info["lines"]
        if line.startswith("grad norm")
    )
    expected = sorted([np.linalg.norm(w_values), np.linalg.norm(x_values)])  # sqrt(5), 5
    assert norms == pytest.approx(expected, rel=1e-3)


class TwoLayer:
    """A stand-in for an nn.Module: draw_graph only needs named_parameters()."""

    def __init__(self) -> None:
        self.weight = tg.randn(3, 2, requires_grad=True)
        self.bias = tg.zeros(3, requires_grad=True)

    def named_parameters(self):
        return iter([("layer.weight", self.weight), ("layer.bias", self.bias)])

    def __call__(self, x: tg.Tensor) -> tg.Tensor:
        return (x @ self.weight.T + self.bias).sigmoid()


def test_parameters_are_labelled_with_their_names_when_a_model_is_given():
    model = TwoLayer()
    x = tg.ones(4, 2)
    loss = model(x).mean()
    nodes, _ = parse(draw_graph(loss, model=model))
    titles = by_title(nodes)
    (weight,), (bias,) = titles["layer.weight"], titles["layer.bias"]
    assert nodes[weight]["lines"][1] == "(3, 2) float32" and nodes[weight]["colour"] == "lightblue"
    assert nodes[bias]["lines"][1] == "(3,) float32"
    assert len(titles["data"]) == 1  # x
    assert "leaf" not in titles  # every leaf that requires grad is one of the model's parameters


def test_a_dict_of_named_tensors_labels_those_tensors():
    w = tg.tensor([1.0, 2.0], requires_grad=True)
    b = tg.tensor([0.5], requires_grad=True)
    nodes, _ = parse(draw_graph((w * 2 + b).sum(), model={"w": w, "b": b}))
    titles = by_title(nodes)
    assert len(titles["w"]) == 1 and len(titles["b"]) == 1 and "leaf" not in titles


def test_parameters_of_a_real_module_are_named():
    nn = pytest.importorskip("tinygrad_edu.nn")
    tg.manual_seed(0)
    model = nn.Sequential(nn.Linear(2, 3), nn.Sigmoid(), nn.Linear(3, 1))
    loss = model(tg.ones(4, 2)).sum()
    nodes, _ = parse(draw_graph(loss, model=model))
    names = {info["lines"][0] for info in nodes.values()}
    assert {name for name, _ in model.named_parameters()} <= names


def test_a_leaf_alone_is_one_node():
    nodes, edges = parse(draw_graph(tg.tensor(1.0, requires_grad=True)))
    assert [info["lines"] for info in nodes.values()] == [["leaf", "scalar float32"]]
    assert edges == []


def test_a_chain_deeper_than_the_recursion_limit_is_drawn():
    x = tg.tensor([1.0], requires_grad=True)
    y = x
    depth = 5000  # well past Python's default recursion limit of 1000
    for _ in range(depth):
        y = y + 1.0
    nodes, edges = parse(draw_graph(y))
    assert len(nodes) == depth + 1 and len(edges) == depth


def test_a_dot_path_writes_the_text(tmp_path):
    x = tg.tensor([1.0], requires_grad=True)
    path = tmp_path / "graph.dot"
    text = draw_graph(x.exp(), str(path))
    assert path.read_text(encoding="utf-8") == text


def test_an_unknown_extension_is_refused_before_anything_is_written(tmp_path):
    with pytest.raises(ValueError, match=r"\.dot.*\.png"):
        draw_graph(tg.tensor([1.0]), str(tmp_path / "graph.jpg"))
    assert list(tmp_path.iterdir()) == []


def test_a_non_tensor_and_a_model_without_parameters_are_refused():
    with pytest.raises(TypeError, match="expected a Tensor"):
        draw_graph(np.ones(3))
    with pytest.raises(TypeError, match="named_parameters\\(\\) or a dict"):
        draw_graph(tg.tensor([1.0]), model=object())


@pytest.mark.parametrize(
    "has_package, has_program, expected",
    [
        (False, True, ["pip install graphviz"]),
        (True, False, ["apt-get install graphviz"]),
        (False, False, ["pip install graphviz", "apt-get install graphviz"]),
    ],
)
def test_rendering_without_graphviz_says_what_is_missing(monkeypatch, tmp_path, has_package, has_program, expected):
    # sys.modules decides what `import graphviz` finds: None makes the import fail, a module passes.
    monkeypatch.setitem(sys.modules, "graphviz", types.ModuleType("graphviz") if has_package else None)
    monkeypatch.setattr(graph_module.shutil, "which", lambda name: "/usr/bin/dot" if has_program else None)
    with pytest.raises(RuntimeError) as error:
        draw_graph(tg.tensor([1.0], requires_grad=True).exp(), str(tmp_path / "graph.png"))
    message = str(error.value)
    for hint in expected:
        assert hint in message
    if has_package:
        assert "pip install" not in message
    if has_program:
        assert "apt-get" not in message
    assert list(tmp_path.iterdir()) == []


def test_rendering_a_png_with_graphviz_installed(tmp_path):
    pytest.importorskip("graphviz")
    if graph_module.shutil.which("dot") is None:
        pytest.skip("the Graphviz dot program is not installed")
    path = tmp_path / "graph.png"
    draw_graph((tg.tensor([1.0], requires_grad=True) * 2).sum(), str(path))
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_tensor_to_dot_is_draw_graph():
    if not hasattr(tg.Tensor, "to_dot"):
        pytest.skip("Tensor.to_dot is not added yet")
    y = (tg.tensor([1.0, 2.0], requires_grad=True) * 3).sum()
    assert y.to_dot() == draw_graph(y)


def test_the_graph_of_a_gradient_made_with_create_graph_is_drawn_back_to_the_leaf():
    # g = d/dx sum(x^3) = 3 x^2, recorded: its graph is the first backward's ops (Pow's backward
    # computes grad_out * 3 * x^2), ending at x itself, so its gradient can be drawn and taken again.
    x = tg.tensor([1.0, 2.0], dtype=tg.float64, requires_grad=True)
    (g,) = tg.autograd.grad((x**3).sum(), x, create_graph=True)
    nodes, edges = parse(draw_graph(g))
    titles = by_title(nodes)
    assert titles["leaf"] and len(titles["leaf"]) == 1  # x, the only leaf that requires grad
    assert "Pow" in titles and "Mul" in titles  # x ** 2 and the products with grad_out and 3
    (leaf,) = titles["leaf"]
    (power,) = titles["Pow"]
    assert (leaf, power) in edges  # x feeds the x ** 2 of the gradient
    assert sum(info["root"] for info in nodes.values()) == 1 and nodes[next(n for n in nodes if nodes[n]["root"])][
        "lines"
    ][0] in ("Mul", "Add")
