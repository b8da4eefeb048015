"""Newton's method on tutorial A's network: the Hessian from grad of grad, checked, then used.

Tutorial A trains its 2-4-1 sigmoid network on XOR with gradient descent: 10,000 steps of
W <- W - 0.1 dW. Gradient descent uses the slope only. Newton's method also uses the curvature: near
a minimum the loss is about L(t + d) = L(t) + g.d + d.H.d / 2, where g is the gradient and H the
Hessian (the matrix of second derivatives), and the d that minimises that is the solution of H d = -g.

The network has 17 parameters (W1 2x4, b1 4, W2 4x1, b2 1), so H is 17x17. It comes from
`tg.autograd.functional.hessian`: the engine differentiates its own backward pass (grad of grad). Before
using it we check it twice:
- against finite differences of the *gradient*: column j of H is about (g(t + h e_j) - g(t - h e_j)) / 2h,
  with g tutorial A's own hand-derived backward_propagation;
- against PyTorch's torch.autograd.functional.hessian of the same loss, when PyTorch is installed.

A neural network's loss is not convex: at the tutorial's starting point H has negative eigenvalues, and
a plain Newton step would head for a saddle or a maximum. So each step solves (H + lam I) d = -g, with
lam raised until the step lowers the loss and lowered again after each success (Levenberg-Marquardt
damping): with large lam it is a short gradient step, with small lam a Newton step. 20 such steps get
further than the tutorial's 10,000 gradient steps.

Run:  python examples/newton.py             (--steps 20, see --help)
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # so a fresh clone runs it without installing

import tinygrad_edu as tg  # noqa: E402
from tinygrad_edu.apps.reference import tutorial_a  # noqa: E402
from tinygrad_edu.autograd.functional import hessian  # noqa: E402
from tinygrad_edu.nn import functional as F  # noqa: E402

NAMES = ("W1", "b1", "W2", "b2")
SHAPES = [tutorial_a.PARAM_SHAPES[name] for name in NAMES]
SIZES = [int(np.prod(shape)) for shape in SHAPES]


def unflatten(theta: np.ndarray) -> dict[str, np.ndarray]:
    """The 17 numbers as tutorial A's parameter dict (W1, b1, W2, b2 in that order)."""
    pieces = np.split(theta, np.cumsum(SIZES)[:-1])
    return {name: piece.reshape(shape) for name, piece, shape in zip(NAMES, pieces, SHAPES)}


def loss_of(theta: tg.Tensor) -> tg.Tensor:
    """Tutorial A's loss, the mean binary cross-entropy of its forward pass, as a function of all 17 parameters."""
    X, y = tg.tensor(tutorial_a.X), tg.tensor(tutorial_a.Y)
    offsets = np.cumsum([0, *SIZES])
    W1, b1, W2, b2 = (theta[a:b].reshape(shape) for a, b, shape in zip(offsets[:-1], offsets[1:], SHAPES))
    A1 = (X @ W1 + b1).sigmoid()
    A2 = (A1 @ W2 + b2).sigmoid()
    return F.binary_cross_entropy(A2, y)


def tutorial_gradient(theta: np.ndarray) -> np.ndarray:
    """Tutorial A's hand-derived gradient (its backward_propagation), flattened."""
    params = unflatten(theta)
    _, cache = tutorial_a.forward(params, tutorial_a.X)
    grads = tutorial_a.backward(params, tutorial_a.X, tutorial_a.Y, cache)
    return np.concatenate([grads[name].ravel() for name in NAMES])


def finite_difference_hessian(theta: np.ndarray, h: float = 1e-5) -> np.ndarray:
    """Column j: the central difference of the tutorial's gradient along parameter j."""
    columns = []
    for j in range(theta.size):
        step = np.zeros_like(theta)
        step[j] = h
        columns.append((tutorial_gradient(theta + step) - tutorial_gradient(theta - step)) / (2 * h))
    return np.stack(columns, axis=1)


def torch_hessian(theta: np.ndarray) -> np.ndarray | None:
    """PyTorch's Hessian of the same loss, or None when PyTorch is not installed."""
    try:
        import torch
    except ImportError:
        return None
    X, y = torch.tensor(tutorial_a.X), torch.tensor(tutorial_a.Y)
    offsets = np.cumsum([0, *SIZES])

    def loss(t):
        W1, b1, W2, b2 = (t[a:b].reshape(shape) for a, b, shape in zip(offsets[:-1], offsets[1:], SHAPES))
        A2 = ((X @ W1 + b1).sigmoid() @ W2 + b2).sigmoid()
        return torch.nn.functional.binary_cross_entropy(A2, y)

    return torch.autograd.functional.hessian(loss, torch.tensor(theta)).numpy()


def gradient_and_hessian(theta: np.ndarray) -> tuple[float, np.ndarray, np.ndarray]:
    """(loss, gradient, Hessian) at theta, all from tinygrad_edu's autograd."""
    t = tg.tensor(theta, requires_grad=True)
    loss = loss_of(t)
    (g,) = tg.autograd.grad(loss, t)
    return loss.item(), g.numpy(), hessian(loss_of, tg.tensor(theta)).numpy()


def loss_value(theta: np.ndarray) -> float:
    with tg.no_grad():
        return loss_of(tg.tensor(theta)).item()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Damped Newton's method on tutorial A's XOR network.")
    parser.add_argument("--steps", type=int, default=20, help="Newton steps (default 20)")
    args = parser.parse_args(argv)

    theta = np.concatenate([value.ravel() for value in (tutorial_a.init()[name] for name in NAMES)])
    print(f"tutorial A's network from its own initial weights: {theta.size} parameters, loss {loss_value(theta):.6f}")

    # 1. The Hessian, and the two checks.
    loss, g, H = gradient_and_hessian(theta)
    print("\nthe Hessian at the start (17 x 17; rows and columns W1[0,0..3], W1[1,0..3], b1[0..3], W2[0..3], b2):")
    with np.printoptions(precision=3, suppress=True, linewidth=150):  # (only here: the caller's options stay)
        print(H)
    fd_error = np.abs(H - finite_difference_hessian(theta)).max()
    print(f"\nlargest difference from finite differences of tutorial A's gradient: {fd_error:.2e}")
    theirs = torch_hessian(theta)
    if theirs is None:
        print("PyTorch is not installed: its Hessian is not compared")
    else:
        print(f"largest difference from PyTorch's Hessian: {np.abs(H - theirs).max():.2e}")
    print(
        f"symmetric: {np.allclose(H, H.T, atol=1e-12)}; eigenvalues from {np.linalg.eigvalsh(H).min():.4f} "
        f"to {np.linalg.eigvalsh(H).max():.4f} (a negative one: the loss is not convex here)"
    )

    # 2. Damped Newton: solve (H + lam I) d = -g, keep the step only if it lowers the loss. lam starts large
    #    (short, gradient-like steps, while H is indefinite) and shrinks after each success, down to a floor
    #    that keeps the steps from jumping to the plateau where two XOR points are predicted 0.5.
    print(f"\n{'step':>4}  {'loss':>10}  {'lam':>8}")
    lam = 10.0
    for step in range(1, args.steps + 1):
        loss, g, H = gradient_and_hessian(theta)
        while lam < 1e12:
            d = np.linalg.solve(H + lam * np.eye(theta.size), -g)
            if loss_value(theta + d) < loss:
                theta, lam = theta + d, max(lam / 3, 1e-3)
                break
            lam *= 3  # the quadratic model was not trusted that far: a shorter, more gradient-like step
        print(f"{step:>4}  {loss_value(theta):>10.3e}  {lam:>8.1e}")

    predictions, _ = tutorial_a.forward(unflatten(theta), tutorial_a.X)
    descent_losses, _ = tutorial_a.train()
    print(
        f"\nfinal loss {loss_value(theta):.3e} after {args.steps} Newton steps; tutorial A's gradient descent "
        f"reaches {descent_losses[-1]:.3e} after {tutorial_a.EPOCHS:,} steps"
    )
    print(f"predictions {predictions.ravel().round(4)} for targets {tutorial_a.Y.ravel()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
