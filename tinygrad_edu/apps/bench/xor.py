"""The XOR workload: tutorial A's 2-4-1 sigmoid network, mean binary cross-entropy, lr 0.1, the 4 points at once.

Three ways to write one training step from the same initial weights: by hand in NumPy (XorNumpy, the
baseline), with tinygrad_edu's raw tensors (XorTensors), and with nn + optim (xor_modules, which
builds the PyTorch row too, and the compiled row: the same step through tg.compile). `xor_comparison`
checks and times them side by side.
"""

from __future__ import annotations

from typing import Any

import numpy as np

import tinygrad_edu as tg

from .harness import (
    RTOL,
    Comparison,
    Implementations,
    Library,
    ModuleTrainer,
    Trainer,
    compiled_goals,
    implementation_rows,
    load_linear,
    run_comparison,
    speed_goals,
)

__all__ = [
    "XOR_X",
    "XOR_Y",
    "XOR_LR",
    "xor_weights",
    "XorNumpy",
    "XorTensors",
    "xor_modules",
    "xor_implementations",
    "xor_comparison",
]

XOR_X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=np.float64)
XOR_Y = np.array([[0], [1], [1], [0]], dtype=np.float64)
XOR_LR = 0.1


def xor_weights(seed: int = 42) -> dict[str, np.ndarray]:
    """Tutorial A's initial weights (np.random.seed(42); W1 = randn(2, 4), W2 = randn(4, 1); zero biases).

    Float64 and laid out (in, out) as the tutorial has them: Z1 = X @ W1 + b1.
    """
    rng = np.random.RandomState(seed)
    W1 = rng.randn(2, 4)
    W2 = rng.randn(4, 1)
    return {"W1": W1, "b1": np.zeros((1, 4)), "W2": W2, "b2": np.zeros((1, 1))}


class XorNumpy(Trainer):
    """Tutorial A's step written out by hand: forward, loss, the derived backward, update in place."""

    def __init__(self, w: dict[str, np.ndarray]) -> None:
        self.w = {k: v.copy() for k, v in w.items()}

    def step(self) -> None:
        w, X, Y, m = self.w, XOR_X, XOR_Y, XOR_X.shape[0]
        A1 = 1 / (1 + np.exp(-(X @ w["W1"] + w["b1"])))
        A2 = 1 / (1 + np.exp(-(A1 @ w["W2"] + w["b2"])))
        self.last = -np.sum(Y * np.log(A2) + (1 - Y) * np.log(1 - A2)) / m
        dZ2 = A2 - Y  # dBCE/dZ2 per sample: the sigmoid's s(1 - s) cancels the log's derivative
        dW2 = A1.T @ dZ2 / m
        db2 = np.sum(dZ2, axis=0, keepdims=True) / m
        dZ1 = (dZ2 @ w["W2"].T) * (A1 * (1 - A1))  # d sigmoid/dz = s (1 - s)
        dW1 = X.T @ dZ1 / m
        db1 = np.sum(dZ1, axis=0, keepdims=True) / m
        w["W1"] -= XOR_LR * dW1
        w["b1"] -= XOR_LR * db1
        w["W2"] -= XOR_LR * dW2
        w["b2"] -= XOR_LR * db2


class XorTensors(Trainer):
    """tinygrad_edu with raw tensors: the tutorial's forward and loss as tensor ops, autograd, manual SGD."""

    def __init__(self, w: dict[str, np.ndarray]) -> None:
        self.params = {k: tg.tensor(v, requires_grad=True, dtype=v.dtype) for k, v in w.items()}
        self.X, self.Y = tg.from_numpy(XOR_X), tg.from_numpy(XOR_Y)

    def step(self) -> None:
        p, X, Y = self.params, self.X, self.Y
        A1 = (X @ p["W1"] + p["b1"]).sigmoid()
        A2 = (A1 @ p["W2"] + p["b2"]).sigmoid()
        loss = -(Y * A2.log() + (1 - Y) * (1 - A2).log()).mean()
        for t in p.values():
            t.grad = None
        loss.backward()
        with tg.no_grad():
            for t in p.values():
                t -= XOR_LR * t.grad  # type: ignore[operator]  # set by loss.backward() just above
        self.last = loss


def xor_modules(w: dict[str, np.ndarray], library: Library) -> ModuleTrainer:
    """The XOR network as nn.Sequential(Linear, Sigmoid, Linear, Sigmoid), BCELoss and SGD, in either library."""
    _, nn, optim, to_tensor, to_data = library
    model = nn.Sequential(nn.Linear(2, 4), nn.Sigmoid(), nn.Linear(4, 1), nn.Sigmoid())
    load_linear(model[0], w["W1"].T, w["b1"].reshape(-1), to_data)  # nn.Linear keeps W as (out, in)
    load_linear(model[2], w["W2"].T, w["b2"].reshape(-1), to_data)
    optimizer = optim.SGD(model.parameters(), lr=XOR_LR)
    return ModuleTrainer(model, nn.BCELoss(), optimizer, to_tensor(XOR_X), to_tensor(XOR_Y))


def xor_implementations(torch: Any = None, torch_mode: str = "auto") -> Implementations:
    """The XOR rows: row name -> trainer factory (NumPy first), and row name -> why it cannot run."""
    w = xor_weights()
    return implementation_rows(
        lambda: XorNumpy(w),
        lambda: XorTensors(w),
        lambda library: xor_modules(w, library),
        ["Sequential", "Linear", "Sigmoid", "BCELoss", "SGD"],
        torch,
        torch_mode,
    )


def xor_comparison(
    repeat: int = 101, block: int = 100, check_steps: int = 10, torch: Any = None, torch_mode: str = "auto"
) -> Comparison:
    """One XOR training step in every implementation: checked, timed, with the goals of issues 5, 7 and 16."""
    comparison = run_comparison(
        "XOR 2-4-1, sigmoid, BCE, full batch (4 points), float64: one SGD step",
        xor_implementations(torch, torch_mode),
        repeat,
        block,
        check_steps,
        final_rtol=RTOL,
    )
    comparison.notes.append(
        f"{repeat} repeats of {block} step(s) each; every row starts from tutorial A's weights (seed 42) and "
        f"its losses over {check_steps} steps are checked against NumPy's before timing."
    )
    comparison.goals = speed_goals(comparison, 2.5, "XOR step", versus_pytorch=True)
    comparison.goals += compiled_goals(comparison, 1.2, "XOR step")
    # issue 16's tighter goals for the same rows, judged on the same figures
    comparison.goals += speed_goals(comparison, 1.5, "XOR step (issue 16)")
    comparison.goals += compiled_goals(comparison, 1.1, "XOR step (issue 16)")
    return comparison
