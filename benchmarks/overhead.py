"""Benchmark: the per-op overhead of autograd: forward + backward of a (4, 4) float32 multiply (and add).

A chain of N ops, y = y * c (or y = y + c) with c a constant (4, 4) tensor, then one backward from y;
the time divided by N is what one small op costs with its gradient. At this size the arithmetic is
nothing: the table measures the machinery (creating tensors and graph nodes, the backward walk).

Rows: NumPy by hand (mul: the forward y * c and the backward g * c; add: the forward y + c, whose
backward passes g through unchanged), tinygrad_edu, and PyTorch eager when installed. Every row's
gradient of x must equal NumPy's to 1e-6 relative.

Run from the repository root:
    python benchmarks/overhead.py            # a few seconds
    python benchmarks/overhead.py --ops 10000
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from typing import Any

import _harness  # noqa: I001  (first: it pins BLAS threads before NumPy loads)
import numpy as np
from _harness import BASELINE, Comparison, Goal, Row, relative

import tinygrad_edu as tg

GOAL_US = 2.0  # issue 5: forward + backward of a small elementwise op in at most 2 us (half of PyTorch's)


def chains(op: str, n: int, torch: Any) -> dict[str, Callable[[], np.ndarray]]:
    """For `op` in ("mul", "add"): each implementation's chain of n ops + backward, returning d y/d x."""
    rng = np.random.default_rng(0)
    x0 = rng.standard_normal((4, 4), dtype=np.float32)
    # Factors near 1 (and small addends) keep a chain of thousands of ops finite.
    c0 = (rng.uniform(0.999, 1.001, (4, 4)) if op == "mul" else rng.uniform(-1e-3, 1e-3, (4, 4))).astype(np.float32)

    def numpy_by_hand() -> np.ndarray:
        y = x0
        for _ in range(n):
            y = y * c0 if op == "mul" else y + c0
        grad = np.ones_like(x0)
        if op == "mul":
            for _ in range(n):
                grad = grad * c0  # d(y c)/dy = c
        return grad  # d(y + c)/dy = 1: the add's backward is the identity, nothing to compute

    x, c, seed = tg.tensor(x0, requires_grad=True), tg.tensor(c0), tg.ones(4, 4)

    def tinygrad_edu() -> np.ndarray:
        y = x
        for _ in range(n):
            y = y * c if op == "mul" else y + c
        x.grad = None
        y.backward(seed)
        return x.grad.data

    rows = {BASELINE: numpy_by_hand, "tinygrad_edu": tinygrad_edu}
    if torch is not None:
        tx, tc, tseed = torch.tensor(x0, requires_grad=True), torch.tensor(c0), torch.ones(4, 4)

        def pytorch() -> np.ndarray:
            y = tx
            for _ in range(n):
                y = y * tc if op == "mul" else y + tc
            tx.grad = None
            y.backward(tseed)
            return tx.grad.numpy()

        rows["PyTorch eager"] = pytorch
    return rows


def compare(op: str, n: int, repeat: int, torch: Any, torch_mode: str) -> Comparison:
    functions = chains(op, n, torch)
    what = "y * c, backward g * c" if op == "mul" else "y + c, backward passes g"
    comparison = Comparison(
        f"Per-op overhead: (4, 4) float32 {op} ({what}), forward + backward",
        [Row(name) for name in functions],
        unit="per op",
    )
    if torch is None:
        why = "not installed" if torch_mode == "auto" else "not used (--torch no)"
        comparison.rows.append(Row("PyTorch eager", note=why))
    want = functions[BASELINE]()
    for name, fn in functions.items():
        got = fn()
        diff = float(np.max(np.abs(got - want) / np.abs(want)))
        comparison.row(name).note = "baseline" if name == BASELINE else f"d y/d x = NumPy's to {relative(diff)}"
        if not diff <= 1e-6:
            comparison.row(name).note = "DIVERGED"
            comparison.failures.append(f"{name}: gradient differs from NumPy's by {diff:.3g} relative (> 1e-6)")
    times = _harness.time_steps(functions, repeat, block=1)
    for name, values in times.items():
        comparison.row(name).times = [t / n for t in values]  # per op: one chain is n ops
    comparison.notes.append(f"{repeat} repeats of a chain of {n} ops and one backward; times are per op.")
    tg_us = comparison.row("tinygrad_edu").median * 1e6
    measured = f"{tg_us:.2f} us"
    if torch is not None:
        measured += f"; PyTorch here {comparison.row('PyTorch eager').median * 1e6:.2f} us"
    goal = f"per-op overhead of {op}, tinygrad_edu, <= {GOAL_US:g} us"
    comparison.goals.append(Goal(goal, tg_us <= GOAL_US, measured))
    return comparison


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    _harness.common_arguments(parser)
    parser.add_argument("--ops", type=_harness.positive_int, default=1000, help="length of each chain (default 1000)")
    parser.add_argument("--repeat", type=_harness.positive_int, default=51, help="timed chains per row (default 51)")
    parser.add_argument("--tiny", action="store_true", help="3 chains of 10 ops: only checks that it runs")
    args = parser.parse_args(argv)
    if args.tiny:
        args.ops, args.repeat = 10, 3
    return _harness.print_comparisons(
        args.threads,
        args.torch,
        lambda torch: [compare(op, args.ops, args.repeat, torch, args.torch) for op in ("mul", "add")],
    )


if __name__ == "__main__":
    sys.exit(main())
