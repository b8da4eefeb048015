"""Tutorial A's hand-derived backprop beside the backward pass tg.compile traces from tinygrad_edu's own ops.

Tutorial A ("The Art of Building a Neural Network from Scratch") trains a 2-4-1 sigmoid network on
XOR and derives every gradient by hand. Here the same network is a few tensor operations, and
`tg.compile` turns one training step (forward, loss.backward(), the SGD update) into NumPy source.
The two are printed side by side, matched by variable name: the compiled step names a value after
the op that made it (Z1 = X @ W1 + b1 is `add_1`, A1 is `sigmoid_1`) and each gradient after what it
is the gradient of (dZ2 is `d_add_2`, dW2 is `dW2`), so tutorial A's dZ2, dW2, db2, dA1, dZ1, dW1
and db1 each have a line of their own on the right. The right side takes more lines: where the
tutorial uses dZ2 = A2 - y (the sigmoid's derivative cancelled by hand against the loss's), the
engine applies the chain rule op by op; both give the same numbers, which the last lines check.

Run from the repository root:  python examples/compiled_step.py
"""

from __future__ import annotations

import inspect
import re
import shutil
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # so a fresh clone runs it without installing

import tinygrad_edu as tg  # noqa: E402
from tinygrad_edu.apps.reference import tutorial_a  # noqa: E402
from tinygrad_edu.compiler import compile as tg_compile  # noqa: E402
from tinygrad_edu.nn import functional as F  # noqa: E402

LR = tutorial_a.LR
# tutorial A's names for what the compiled step names after its ops (the parameters keep their names)
COMPILED_NAMES = {"Z1": "add_1", "A1": "sigmoid_1", "Z2": "add_2", "A2": "sigmoid_2"}
COMPILED_NAMES.update({f"d{k}": f"d_{v}" for k, v in COMPILED_NAMES.items()})


def make_step() -> tuple[tg_compile, dict[str, tg.Tensor]]:
    """The tutorial's network as tensors W1, b1, W2, b2 from its own initial weights, and its step compiled."""
    params = {name: tg.tensor(value, requires_grad=True, dtype=np.float64) for name, value in tutorial_a.init().items()}
    W1, b1, W2, b2 = params["W1"], params["b1"], params["W2"], params["b2"]

    def train_step(X: tg.Tensor, y: tg.Tensor) -> float:
        Z1 = X @ W1 + b1
        A1 = Z1.sigmoid()
        Z2 = A1 @ W2 + b2
        A2 = Z2.sigmoid()
        loss = F.binary_cross_entropy(A2, y)  # the mean binary cross-entropy, as tutorial A's compute_loss
        for p in (W1, b1, W2, b2):
            p.grad = None
        loss.backward()
        with tg.no_grad():
            for p in (W1, b1, W2, b2):
                p -= LR * p.grad  # tutorial A's update_weights
        return loss.item()

    return tg_compile(train_step), params


def assigned_name(line: str) -> str:
    """'dZ2 = A2 - y  # ...' -> 'dZ2'; '' for a line that assigns nothing."""
    match = re.match(r"\s*([A-Za-z_]\w*)\s*=[^=]", line)
    return match.group(1) if match else ""


def side_by_side(left: list[str], right: list[str], width: int) -> str:
    """Two columns in the right column's order, each left line beside the right line assigning the same name
    (tutorial A's name, as COMPILED_NAMES translates it).

    A left line with no partner goes just before the partner of the next left line that has one.
    """
    right_index = {}
    for i, line in enumerate(right):
        right_index.setdefault(assigned_name(line), i)
    beside: dict[int, str] = {}
    before: dict[int, list[str]] = {}
    waiting: list[str] = []
    for line in left:
        name = assigned_name(line)
        i = right_index.get(COMPILED_NAMES.get(name, name)) if name else None
        if i is None or i in beside:
            waiting.append(line)
            continue
        beside[i] = line
        before.setdefault(i, []).extend(waiting)
        waiting = []
    rows: list[tuple[str, str]] = []
    for i, line in enumerate(right):
        rows += [(w, "") for w in before.get(i, [])]
        rows.append((beside.get(i, ""), line))
    rows += [(w, "") for w in waiting]
    return "\n".join(f"{a[:width]:<{width}} | {b}".rstrip() for a, b in rows)


def body_lines(function: object) -> list[str]:
    """The statements of a function, without its signature, docstring and return."""
    source = inspect.getsource(function)
    body = source.split('"""')[2] if '"""' in source else source
    return [line.strip() for line in body.splitlines() if line.strip() and not line.strip().startswith("return")]


def main() -> None:
    step, params = make_step()
    X, y = tg.tensor(tutorial_a.X, dtype=np.float64), tg.tensor(tutorial_a.Y, dtype=np.float64)
    losses = [step(X, y) for _ in range(1000)]  # the first call traces; the others run the generated code

    source = step.source.splitlines()
    start = next(i for i, line in enumerate(source) if line.strip() == "# backward")
    end = next(i for i, line in enumerate(source) if line.strip() == "# update")
    compiled_forward = [line[4:] for line in source[:start] if line.startswith("    ") and "# forward" not in line]
    compiled_backward = [line[4:] for line in source[start + 1 : end]]

    width = max(46, min(60, shutil.get_terminal_size((160, 20)).columns // 3))
    title = f"{'tutorial A, by hand':<{width}} | tg.compile, traced from the ops' own forward and backward"
    print(title)
    print("-" * len(title))
    print(side_by_side(body_lines(tutorial_a.forward), compiled_forward, width))
    print(f"{'':<{width}} |")
    print(side_by_side(body_lines(tutorial_a.backward), compiled_backward, width))
    print()
    print("The whole compiled step, as tg.compile generated it:")
    print()
    print(step.source)

    reference, _ = tutorial_a.train(epochs=1000)
    print(
        f"1,000 compiled steps: loss {losses[0]:.6f} -> {losses[-1]:.6f}; "
        f"largest difference from tutorial A's own losses: {np.max(np.abs(np.array(losses) - reference)):.1e}"
    )


if __name__ == "__main__":
    main()
