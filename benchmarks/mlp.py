"""Benchmark: one MLP training step (784-256-256-10, ReLU, cross-entropy, batch 128, float32, SGD).

Hand-written NumPy (the backward derived by hand, 8 GEMMs) vs tinygrad_edu (raw tensors, nn + optim,
and the nn + optim step compiled with tg.compile) vs PyTorch, plus the step's 8 GEMMs timed alone:
the floor BLAS sets, reported as the fraction of it each step reaches.

Run from the repository root:
    python benchmarks/mlp.py                 # about 10 s
    python benchmarks/mlp.py --threads 2

The implementations are in tinygrad_edu/apps/bench/mlp.py (MlpNumpy, MlpTensors, mlp_modules; the compiled
row is CompiledTrainer in harness.py), shared with `tinygrad-edu bench`. Exit status 1 when a row's
loss is not hand-written NumPy's to 1e-6.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

import _harness  # noqa: I001  (first: it pins BLAS threads before NumPy loads)

from tinygrad_edu.apps.bench import mlp_comparison


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    _harness.common_arguments(parser)
    parser.add_argument("--repeat", type=_harness.positive_int, default=51, help="timed blocks per row (default 51)")
    parser.add_argument("--steps", type=_harness.positive_int, default=10, help="training steps per block (default 10)")
    parser.add_argument("--batch", type=_harness.positive_int, default=128, help="batch size (default 128)")
    parser.add_argument(
        "--check-steps",
        type=_harness.positive_int,
        default=10,
        help="steps whose losses are compared with NumPy's before timing (default 10)",
    )
    parser.add_argument("--tiny", action="store_true", help="3 blocks of 1 step: only checks that it runs")
    args = parser.parse_args(argv)
    if args.tiny:
        args.repeat, args.steps, args.check_steps = 3, 1, 3
    return _harness.print_comparisons(
        args.threads,
        args.torch,
        lambda torch: [
            mlp_comparison(args.repeat, args.steps, args.check_steps, torch, args.torch, batch=args.batch),
        ],
    )


if __name__ == "__main__":
    sys.exit(main())
