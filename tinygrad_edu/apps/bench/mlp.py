"""The MLP workload: 784-256-256-10, ReLU, softmax cross-entropy (mean), batch 128, float32, SGD lr 0.01.

The step by hand in NumPy (MlpNumpy, the baseline, its backward derived by hand: 8 GEMMs), with
tinygrad_edu's raw tensors (MlpTensors), and with nn + optim (mlp_modules, which builds the PyTorch row
too, and the compiled row: the same step through tg.compile). `mlp_comparison` checks and times them,
with the same 8 GEMMs timed alone in the same rounds: the floor that BLAS sets. That the nn + optim step
really does 8 GEMMs is counted, not assumed: in tg.compile's trace of it (`traced_gemms`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

import tinygrad_edu as tg

from .harness import (
    MODULES,
    Comparison,
    CompiledTrainer,
    Implementations,
    Library,
    ModuleTrainer,
    Trainer,
    compiled_goals,
    format_time,
    implementation_rows,
    load_linear,
    run_comparison,
    speed_goals,
)

__all__ = [
    "MLP_SIZES",
    "MLP_BATCH",
    "MLP_LR",
    "FLOAT32_DRIFT",
    "mlp_data",
    "MlpNumpy",
    "MlpTensors",
    "mlp_modules",
    "mlp_implementations",
    "mlp_gemms",
    "GEMMS",
    "traced_gemms",
    "mlp_flops",
    "mlp_comparison",
]

MLP_SIZES = (784, 256, 256, 10)
MLP_BATCH = 128
MLP_LR = 0.01
# After hundreds of float32 steps, losses that agreed to 1e-7 at first differ by up to ~1e-4
# relative (rounding differs with the order of each sum); a wrong gradient is off by far more.
FLOAT32_DRIFT = 1e-3


def mlp_data(batch: int = MLP_BATCH, sizes: Sequence[int] = MLP_SIZES, seed: int = 0) -> dict[str, np.ndarray]:
    """One fixed batch and the initial weights, float32, drawn once so every implementation shares them.

    Weights and biases are uniform in +-1/sqrt(fan_in), as torch.nn.Linear draws them; W is (in, out).
    """
    rng = np.random.default_rng(seed)
    data: dict[str, np.ndarray] = {
        "x": rng.standard_normal((batch, sizes[0]), dtype=np.float32),
        "y": rng.integers(0, sizes[-1], size=batch),
    }
    for i, (fan_in, fan_out) in enumerate(zip(sizes[:-1], sizes[1:], strict=True), start=1):
        bound = 1.0 / np.sqrt(fan_in)
        data[f"W{i}"] = rng.uniform(-bound, bound, (fan_in, fan_out)).astype(np.float32)
        data[f"b{i}"] = rng.uniform(-bound, bound, fan_out).astype(np.float32)
    return data


class MlpNumpy(Trainer):
    """The step by hand: forward, log-softmax cross-entropy, the derived backward (8 GEMMs), SGD in place."""

    def __init__(self, d: dict[str, np.ndarray]) -> None:
        self.x, self.y = d["x"], d["y"]
        self.w = {k: v.copy() for k, v in d.items() if k[0] in "Wb"}
        self.onehot = np.eye(d["W3"].shape[1], dtype=np.float32)[self.y]

    def step(self) -> None:
        w, x, n = self.w, self.x, self.x.shape[0]
        z1 = x @ w["W1"] + w["b1"]
        h1 = np.maximum(z1, 0)
        z2 = h1 @ w["W2"] + w["b2"]
        h2 = np.maximum(z2, 0)
        logits = h2 @ w["W3"] + w["b3"]
        shifted = logits - logits.max(axis=1, keepdims=True)
        exp = np.exp(shifted)
        total = exp.sum(axis=1, keepdims=True)
        # loss = mean over the batch of -log softmax(logits)[label] = log(sum exp) - shifted[label]
        self.last = np.mean(np.log(total)[:, 0] - shifted[np.arange(n), self.y])
        d_logits = (exp / total - self.onehot) / n  # d loss/d logits = (softmax - onehot) / n
        d_h2 = d_logits @ w["W3"].T
        d_z2 = d_h2 * (z2 > 0)  # d relu/dz = 1 where z > 0
        d_h1 = d_z2 @ w["W2"].T
        d_z1 = d_h1 * (z1 > 0)
        grads = {
            "W3": h2.T @ d_logits,
            "b3": d_logits.sum(axis=0),
            "W2": h1.T @ d_z2,
            "b2": d_z2.sum(axis=0),
            "W1": x.T @ d_z1,
            "b1": d_z1.sum(axis=0),
        }
        for k, g in grads.items():
            g *= MLP_LR
            w[k] -= g


class MlpTensors(Trainer):
    """tinygrad_edu with raw tensors: x @ W + b, relu, log_softmax, the label's entry, mean; manual SGD."""

    def __init__(self, d: dict[str, np.ndarray]) -> None:
        self.x = tg.from_numpy(d["x"])
        self.rows, self.y = np.arange(len(d["y"])), d["y"]
        self.params = [tg.tensor(d[k], requires_grad=True) for k in ("W1", "b1", "W2", "b2", "W3", "b3")]

    def step(self) -> None:
        W1, b1, W2, b2, W3, b3 = self.params
        h1 = (self.x @ W1 + b1).relu()
        h2 = (h1 @ W2 + b2).relu()
        logp = (h2 @ W3 + b3).log_softmax(dim=1)
        loss = -logp[self.rows, self.y].mean()  # cross-entropy: minus the label's log-probability, averaged
        for p in self.params:
            p.grad = None
        loss.backward()
        with tg.no_grad():
            for p in self.params:
                p -= MLP_LR * p.grad  # type: ignore[operator]  # set by loss.backward() just above
        self.last = loss


def mlp_modules(d: dict[str, np.ndarray], library: Library) -> ModuleTrainer:
    """The MLP as nn.Sequential of Linear and ReLU, CrossEntropyLoss and SGD, in either library."""
    _, nn, optim, to_tensor, to_data = library
    sizes = [d["W1"].shape[0], d["W1"].shape[1], d["W2"].shape[1], d["W3"].shape[1]]
    model = nn.Sequential(
        nn.Linear(sizes[0], sizes[1]),
        nn.ReLU(),
        nn.Linear(sizes[1], sizes[2]),
        nn.ReLU(),
        nn.Linear(sizes[2], sizes[3]),
    )
    for index, i in ((0, 1), (2, 2), (4, 3)):
        load_linear(model[index], np.ascontiguousarray(d[f"W{i}"].T), d[f"b{i}"], to_data)  # W as (out, in)
    optimizer = optim.SGD(model.parameters(), lr=MLP_LR)
    return ModuleTrainer(model, nn.CrossEntropyLoss(), optimizer, to_tensor(d["x"]), to_tensor(d["y"]))


def mlp_implementations(d: dict[str, np.ndarray], torch: Any = None, torch_mode: str = "auto") -> Implementations:
    """The MLP rows: row name -> trainer factory (NumPy first), and row name -> why it cannot run."""
    return implementation_rows(
        lambda: MlpNumpy(d),
        lambda: MlpTensors(d),
        lambda library: mlp_modules(d, library),
        ["Sequential", "Linear", "ReLU", "CrossEntropyLoss", "SGD"],
        torch,
        torch_mode,
    )


def mlp_gemms(d: dict[str, np.ndarray]) -> Callable[[], None]:
    """The step's 8 GEMMs alone, with its shapes and memory layouts: the floor that BLAS sets.

    forward x W1, h1 W2, h2 W3; backward dX for layers 3 and 2 (g W^T); dW for all three (h^T g).
    """
    x, W1, W2, W3 = d["x"], d["W1"], d["W2"], d["W3"]
    n = x.shape[0]
    h1 = np.ones((n, W1.shape[1]), np.float32)
    h2 = np.ones((n, W2.shape[1]), np.float32)
    g3 = np.ones((n, W3.shape[1]), np.float32)

    def gemms() -> None:
        x @ W1, h1 @ W2, h2 @ W3  # forward
        g3 @ W3.T, h2 @ W2.T  # dX of layers 3 and 2 (layer 1's input needs no gradient)
        x.T @ h1, h1.T @ h2, h2.T @ g3  # dW of layers 1, 2 and 3

    return gemms


GEMMS = "the step's 8 GEMMs alone (NumPy)"  # the floor's row


def traced_gemms(source: str) -> int:
    """The matrix products (`a @ b`) in the source that tg.compile generated for a step: the GEMMs it does.

    Example:
        >>> traced_gemms("h = x @ w.T; d_w = d_h.T @ x; y = h * 2")
        2
    """
    return len(re.findall(r" @ ", source))


def mlp_flops(batch: int, sizes: Sequence[int]) -> int:
    """2 x the multiply-adds of the 8 GEMMs: 3 forward, 3 backward dW, 2 backward dX (layers 2 and 3)."""
    layers = [a * b for a, b in zip(sizes[:-1], sizes[1:], strict=True)]
    return 2 * batch * (sum(layers) + sum(layers) + sum(layers[1:]))


def mlp_comparison(
    repeat: int = 51,
    block: int = 10,
    check_steps: int = 10,
    torch: Any = None,
    torch_mode: str = "auto",
    batch: int = MLP_BATCH,
    sizes: Sequence[int] = MLP_SIZES,
) -> Comparison:
    """One MLP training step in every implementation, the GEMM floor beside them, and the goals of issues 5, 7, 16."""
    d = mlp_data(batch, sizes)
    comparison = run_comparison(
        f"MLP {'-'.join(map(str, sizes))}, ReLU, softmax cross-entropy, batch {batch}, float32: one SGD step",
        mlp_implementations(d, torch, torch_mode),
        repeat,
        block,
        check_steps,
        final_rtol=FLOAT32_DRIFT,
        alone={GEMMS: mlp_gemms(d)},  # the floor, timed in the same rounds as the steps it bounds
    )
    gemm = comparison.row(GEMMS)
    gemm.note = "the BLAS floor"
    flops = mlp_flops(batch, sizes)
    ran = [r for r in comparison.rows if r.times and r is not gemm]
    fractions = ", ".join(f"{r.name} {gemm.median / r.median:.0%}" for r in ran)
    traced = CompiledTrainer(mlp_modules(d, (MODULES, tg.nn, tg.optim, tg.from_numpy, np.asarray)))
    traced.step()  # the trace of one nn + optim step: straight-line NumPy, one line per op
    comparison.notes += [
        f"{repeat} repeats of {block} step(s) each; every row starts from the same float32 weights and its losses "
        f"over {check_steps} steps are checked against NumPy's before timing.",
        f"GEMMs: tg.compile's trace of the nn + optim step does {traced_gemms(traced.compiled.source)} matrix "
        "products (3 forward, 2 input gradients, 3 weight gradients), the 8 that the floor times.",
        f"GEMM limit: the step's 8 GEMMs are {flops / 1e6:.1f} MFLOP; alone they run at "
        f"{flops / gemm.median / 1e9:.1f} GFLOP/s ({format_time(gemm.median)} CPU). Fraction of the GEMM limit "
        f"reached (GEMM time / step time): {fractions}.",
    ]
    comparison.goals = speed_goals(comparison, 1.10, "MLP step")
    comparison.goals += compiled_goals(comparison, 1.05, "MLP step", versus_eager=True)
    comparison.goals += speed_goals(comparison, 1.05, "MLP step (issue 16)")  # issue 16's tighter goal for eager
    return comparison
