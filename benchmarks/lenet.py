"""Benchmark: one LeNet-style training step (conv-pool-conv-pool-fc-fc-fc on 28x28, batch 64, float32, SGD).

tinygrad_edu (nn + optim, convolution from strided windows and one einsum) side by side with PyTorch eager,
both at one thread by default; every row starts from the same weights and must reach the same losses.

Run from the repository root:
    python benchmarks/lenet.py
    python benchmarks/lenet.py --tiny --torch no    # only checks that it runs
"""

from __future__ import annotations

import argparse
import functools
import sys
from collections.abc import Sequence
from typing import Any

import _harness  # noqa: I001  (first: it pins BLAS threads before NumPy loads)
import numpy as np

import tinygrad_edu as tg
from tinygrad_edu.apps.bench.harness import MODULES, PYTORCH, Comparison, Goal, ModuleTrainer, run_comparison


class LenetComparison(Comparison):
    """The table with tinygrad_edu's row as the one each ratio is to (LeNet has no hand-written NumPy row)."""

    def table(self, baseline: str = MODULES) -> str:
        return super().table(MODULES).replace("x NumPy", "x tinygrad_edu")


def lenet(nn: Any) -> Any:
    """LeNet-5's shape in either library: 1x28x28 -> 6x24x24 -> 6x12x12 -> 16x8x8 -> 16x4x4 -> 120 -> 84 -> 10."""
    return nn.Sequential(
        nn.Conv2d(1, 6, 5),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Conv2d(6, 16, 5),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Linear(256, 120),
        nn.ReLU(),
        nn.Linear(120, 84),
        nn.ReLU(),
        nn.Linear(84, 10),
    )


def lenet_trainer(weights: dict[str, np.ndarray], x: np.ndarray, y: np.ndarray, library: tuple) -> ModuleTrainer:
    _, nn, optim, from_numpy, _ = library
    model = lenet(nn)
    model.load_state_dict({k: from_numpy(v.copy()) for k, v in weights.items()})
    return ModuleTrainer(
        model, nn.CrossEntropyLoss(), optim.SGD(model.parameters(), lr=0.01), from_numpy(x), from_numpy(y)
    )


def lenet_comparison(repeat: int, block: int, check_steps: int, torch: Any, torch_mode: str, batch: int) -> Any:
    rng = np.random.default_rng(0)
    tg.manual_seed(0)
    weights = {k: np.asarray(v, dtype=np.float32) for k, v in lenet(tg.nn).state_dict().items()}
    x = rng.normal(size=(batch, 1, 28, 28)).astype(np.float32)
    y = rng.integers(0, 10, size=batch).astype(np.int64)
    factories = {
        MODULES: functools.partial(lenet_trainer, weights, x, y, (MODULES, tg.nn, tg.optim, tg.from_numpy, None))
    }
    unavailable = {}
    if torch is None:
        unavailable[PYTORCH] = "not installed" if torch_mode == "auto" else "not used (--torch no)"
    else:
        factories[PYTORCH] = functools.partial(
            lenet_trainer, weights, x, y, (PYTORCH, torch.nn, torch.optim, torch.from_numpy, None)
        )
    # run_comparison checks rows against a hand-written NumPy baseline, which LeNet has none of: the
    # losses of every row are checked here instead, against tinygrad_edu's, before timing.
    losses = {}
    for name, make in factories.items():
        trainer = make()
        losses[name] = []
        for _ in range(check_steps):
            trainer.step()
            losses[name].append(trainer.loss())
    comparison = run_comparison(
        f"LeNet-style CNN on 1x28x28, batch {batch}, float32: one SGD step", (factories, unavailable), repeat, block, 0
    )
    comparison.__class__ = LenetComparison  # the same result, its table relative to tinygrad_edu
    for name, got in losses.items():
        worst = max(abs(a - b) / abs(b) for a, b in zip(got, losses[MODULES]))
        comparison.row(name).note = f"losses = tinygrad_edu's to {worst:.1e} ({check_steps} steps)"
        if worst > 1e-4:
            comparison.row(name).note = "DIVERGED"
            comparison.failures.append(f"{name}: losses {got} are not tinygrad_edu's {losses[MODULES]}")
    comparison.notes.append(f"{repeat} interleaved repeats of {block} step(s), from the same initial weights.")
    ours, theirs = comparison.row(MODULES), comparison.row(PYTORCH)
    if ours.times and theirs.times:
        ratio = ours.median / theirs.median
        comparison.goals = [Goal("LeNet step, tinygrad_edu / PyTorch eager (stated, no target)", True, f"{ratio:.2f}x")]
    else:
        comparison.goals = [Goal("LeNet step, tinygrad_edu / PyTorch eager", None, "PyTorch did not run")]
    return comparison


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    _harness.common_arguments(parser)
    parser.add_argument("--repeat", type=_harness.positive_int, default=21, help="timed blocks per row (default 21)")
    parser.add_argument("--steps", type=_harness.positive_int, default=3, help="training steps per block (default 3)")
    parser.add_argument("--batch", type=_harness.positive_int, default=64, help="batch size (default 64)")
    parser.add_argument(
        "--check-steps",
        type=_harness.positive_int,
        default=5,
        help="steps whose losses are compared before timing (default 5)",
    )
    parser.add_argument("--tiny", action="store_true", help="3 blocks of 1 step: only checks that it runs")
    args = parser.parse_args(argv)
    if args.tiny:
        args.repeat, args.steps, args.check_steps = 3, 1, 3
    return _harness.print_comparisons(
        args.threads,
        args.torch,
        lambda torch: [
            lenet_comparison(args.repeat, args.steps, args.check_steps, torch, args.torch, args.batch),
        ],
    )


if __name__ == "__main__":
    sys.exit(main())
