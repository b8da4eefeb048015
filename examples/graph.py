"""Draw the computation graph of the XOR network's loss: what `loss.backward()` walks, as a picture.

Every op on a tensor that requires grad records itself in the result's `grad_fn`, with its inputs.
`tg.draw_graph(loss)` follows those links back from the loss and writes the graph as Graphviz DOT text:
one box per op (its name, output shape and dtype) and per leaf tensor (blue: a parameter, white:
data), an arrow from each input to the op that used it, and each parameter's gradient norm once
`backward()` has run. Numbers such as the 2 in `x ** 2` are written inside their op's box.

Two versions of the same network:
- by default, tutorial A's tensors W1, b1, W2, b2 and its formulas, so every op the tutorial writes
  (MatMul, Add, Sigmoid, Log, ...) is its own box;
- with --nn, the nn.Module version: each nn.Linear is one fused op and the boxes of the parameters
  carry their `named_parameters()` names (0.weight, 0.bias, ...).

Run:  python examples/graph.py                 (prints the DOT text)
      python examples/graph.py xor.dot         (writes it; paste it into any Graphviz viewer)
      python examples/graph.py xor.png --nn    (a picture: needs pip install graphviz and the dot program)
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # so a fresh clone runs it without installing

import tinygrad_edu as tg  # noqa: E402
from tinygrad_edu import nn  # noqa: E402
from tinygrad_edu.graph import draw_graph  # noqa: E402

X = [[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]]  # floats: float32 tensors, as in PyTorch
Y = [[0.0], [1.0], [1.0], [0.0]]


def tutorial_loss() -> tuple[tg.Tensor, dict[str, tg.Tensor]]:
    """Tutorial A's forward pass and loss, op by op; returns the loss and the named parameters."""
    tg.manual_seed(0)
    params = {
        "W1": tg.randn(2, 4, requires_grad=True),
        "b1": tg.zeros(1, 4, requires_grad=True),
        "W2": tg.randn(4, 1, requires_grad=True),
        "b2": tg.zeros(1, 1, requires_grad=True),
    }
    x, y = tg.tensor(X), tg.tensor(Y)
    A1 = (x @ params["W1"] + params["b1"]).sigmoid()  # hidden layer
    A2 = (A1 @ params["W2"] + params["b2"]).sigmoid()  # output
    loss = -(y * A2.log() + (1 - y) * (1 - A2).log()).mean()  # binary cross-entropy, written out
    return loss, params


def module_loss() -> tuple[tg.Tensor, nn.Module]:
    """The same network as an nn.Module, and nn.BCELoss (one fused op)."""
    tg.manual_seed(0)
    model = nn.Sequential(nn.Linear(2, 4), nn.Sigmoid(), nn.Linear(4, 1), nn.Sigmoid())
    loss = nn.BCELoss()(model(tg.tensor(X)), tg.tensor(Y))
    return loss, model


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Draw the XOR loss's computation graph.")
    parser.add_argument("path", nargs="?", help="file to write: .dot (text), or .png, .svg, .pdf (needs Graphviz)")
    parser.add_argument("--nn", action="store_true", help="draw the nn.Module version instead of the tutorial's")
    args = parser.parse_args(argv)

    loss, names = module_loss() if args.nn else tutorial_loss()
    loss.backward()  # so the parameters' boxes show their gradient norms

    if args.path is None:
        print(draw_graph(loss, model=names))
        print("// save it with: python examples/graph.py xor.dot (or xor.png with Graphviz installed)", file=sys.stderr)
        return 0
    try:
        draw_graph(loss, args.path, model=names)
    except (RuntimeError, ValueError) as error:  # Graphviz missing, or a file name we cannot draw to
        print(error, file=sys.stderr)
        return 1
    print(f"computation graph saved to {args.path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
