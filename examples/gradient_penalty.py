"""A gradient penalty: the size of d output / d input as a term of the loss, trained through grad of grad.

A network that classifies points of the plane can be very steep: a small move of the input swings its
output. A gradient penalty (double backpropagation, Drucker and LeCun 1992; the "GP" of WGAN-GP) adds the
mean squared norm of the input gradient to the loss:

    loss = BCE(f(x), y) + lam * mean_i |d f(x_i) / d x_i|^2

The penalty is itself a gradient, so training on it needs the gradient of a gradient:
`tg.autograd.grad(..., create_graph=True)` returns d f / d x as a Tensor in the graph, and
`loss.backward()` then differentiates through it to the weights.

The data: XOR on the plane (a point is class 1 when its two coordinates have the same sign), 200 points.
The same 2-16-1 tanh network is trained twice from the same initial weights, with lam = 0 and with the
penalty, and the two are compared: accuracy on fresh points, and the mean input-gradient norm (the penalty
buys a much flatter function for a little accuracy: XOR's boundary is steep by nature). Before
training, the penalized loss's gradient is checked against finite differences (`tg.gradcheck`) and
against PyTorch when it is installed.

Run:  python examples/gradient_penalty.py          (--steps 400 --lam 0.003, see --help)
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # so a fresh clone runs it without installing

import tinygrad_edu as tg  # noqa: E402
from tinygrad_edu import optim  # noqa: E402
from tinygrad_edu.nn import functional as F  # noqa: E402

SHAPES = {"W1": (2, 16), "b1": (16,), "W2": (16, 1), "b2": (1,)}


def xor_points(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """n points uniform in [-1, 1]^2, labelled 1 where x0 * x1 > 0."""
    x = np.random.default_rng(seed).uniform(-1.0, 1.0, (n, 2))
    return x, (x[:, :1] * x[:, 1:] > 0).astype(np.float64)


def initial_weights(seed: int = 0) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    return {name: rng.normal(0.0, 1.0, shape) for name, shape in SHAPES.items()}


def logits(params: dict[str, tg.Tensor], x: tg.Tensor) -> tg.Tensor:
    """The 2-16-1 network: tanh hidden layer, one logit out."""
    return (x @ params["W1"] + params["b1"]).tanh() @ params["W2"] + params["b2"]


def input_gradients(params: dict[str, tg.Tensor], x: np.ndarray, create_graph: bool) -> tg.Tensor:
    """d logit_i / d x_i for every point i, shape (n, 2).

    Point i's logit depends on x_i alone, so the gradient of the *sum* of the logits with respect to the
    (n, 2) input holds every point's own gradient in its row: one backward pass for all n.
    """
    inputs = tg.tensor(x, requires_grad=True)
    with tg.enable_grad():  # (a gradient needs a graph, even where the caller has turned recording off)
        (grad,) = tg.autograd.grad(logits(params, inputs).sum(), inputs, create_graph=create_graph)
    return grad


def penalized_loss(params: dict[str, tg.Tensor], x: np.ndarray, y: np.ndarray, lam: float) -> tg.Tensor:
    """BCE on the logits plus lam times the mean squared norm of the input gradients."""
    bce = F.binary_cross_entropy_with_logits(logits(params, tg.tensor(x)), tg.tensor(y))
    if lam == 0:
        return bce
    penalty = (input_gradients(params, x, create_graph=True) ** 2).sum(1).mean()
    return bce + lam * penalty


def torch_gradient(weights: dict[str, np.ndarray], x: np.ndarray, y: np.ndarray, lam: float) -> list | None:
    """The same penalized loss's gradient in the weights, from PyTorch; None when it is not installed."""
    try:
        import torch
    except ImportError:
        return None
    params = {name: torch.tensor(value, requires_grad=True) for name, value in weights.items()}
    inputs = torch.tensor(x, requires_grad=True)
    out = (inputs @ params["W1"] + params["b1"]).tanh() @ params["W2"] + params["b2"]
    (grad_x,) = torch.autograd.grad(out.sum(), inputs, create_graph=True)
    loss = torch.nn.functional.binary_cross_entropy_with_logits(out, torch.tensor(y))
    loss = loss + lam * (grad_x**2).sum(1).mean()
    return [g.numpy() for g in torch.autograd.grad(loss, list(params.values()))]


def train(weights: dict[str, np.ndarray], x: np.ndarray, y: np.ndarray, lam: float, steps: int) -> dict:
    """Adam on the penalized loss; returns the trained parameters as tensors."""
    params = {name: tg.tensor(value, requires_grad=True) for name, value in weights.items()}
    optimizer = optim.Adam(params.values(), lr=0.02)
    for _ in range(steps):
        optimizer.zero_grad()
        penalized_loss(params, x, y, lam).backward()  # through the penalty's own backward: grad of grad
        optimizer.step()
    return params


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Train with a gradient penalty (the input gradient's norm).")
    parser.add_argument("--steps", type=int, default=400, help="Adam steps for each of the two runs (default 400)")
    parser.add_argument("--lam", type=float, default=0.003, help="weight of the penalty (default 0.003)")
    args = parser.parse_args(argv)
    x, y = xor_points(200, seed=1)
    x_test, y_test = xor_points(1000, seed=2)
    weights = initial_weights()

    # 1. Check the gradient of the penalized loss before trusting it.
    def loss_in(W1: tg.Tensor, b1: tg.Tensor, W2: tg.Tensor, b2: tg.Tensor) -> tg.Tensor:
        return penalized_loss({"W1": W1, "b1": b1, "W2": W2, "b2": b2}, x[:20], y[:20], args.lam)

    start = [tg.tensor(weights[name], requires_grad=True) for name in SHAPES]
    print(f"gradcheck of the penalized loss (finite differences, float64): {tg.gradcheck(loss_in, start)}")
    ours = tg.autograd.grad(loss_in(*start), start)
    theirs = torch_gradient(weights, x[:20], y[:20], args.lam)
    if theirs is None:
        print("PyTorch is not installed: its gradient is not compared")
    else:
        difference = max(np.abs(a.numpy() - b).max() for a, b in zip(ours, theirs))
        print(f"largest difference from PyTorch's gradient: {difference:.2e}")

    # 2. Train twice from the same weights, without and with the penalty, and compare.
    print(f"\n{'':>18} {'test accuracy':>14} {'mean |d f/d x|':>15}")
    for label, lam in [("no penalty", 0.0), (f"penalty lam={args.lam}", args.lam)]:
        params = train(weights, x, y, lam, args.steps)
        with tg.no_grad():
            accuracy = ((logits(params, tg.tensor(x_test)).numpy() > 0) == (y_test > 0.5)).mean()
        norm = np.linalg.norm(input_gradients(params, x_test, create_graph=False).numpy(), axis=1).mean()
        print(f"{label:>18} {accuracy:>14.3f} {norm:>15.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
