"""Benchmark: one XOR training step (tutorial A's 2-4-1 sigmoid network), NumPy by hand vs tinygrad_edu vs PyTorch.

tinygrad_edu runs three ways: raw tensors, nn + optim (eager), and the same nn + optim step compiled
with tg.compile (traced once, then replayed as straight-line NumPy).

Run from the repository root:
    python benchmarks/xor.py                 # about 10 s with PyTorch installed
    python benchmarks/xor.py --threads 2 --repeat 101

The implementations are in tinygrad_edu/apps/bench/xor.py (XorNumpy, XorTensors, xor_modules; the compiled
row is CompiledTrainer in harness.py), shared with `tinygrad-edu bench`. Exit status 1 when a row's
loss is not hand-written NumPy's to 1e-6.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

import _harness  # noqa: I001  (first: it pins BLAS threads before NumPy loads)

from tinygrad_edu.apps.bench import xor_comparison


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    _harness.common_arguments(parser)
    parser.add_argument("--repeat", type=_harness.positive_int, default=101, help="timed blocks per row (default 101)")
    parser.add_argument(
        "--steps", type=_harness.positive_int, default=100, help="training steps per block (default 100)"
    )
    parser.add_argument(
        "--check-steps",
        type=_harness.positive_int,
        default=10,
        help="steps whose losses are compared with NumPy's before timing (default 10)",
    )
    parser.add_argument("--tiny", action="store_true", help="3 blocks of 3 steps: only checks that it runs")
    args = parser.parse_args(argv)
    if args.tiny:
        args.repeat, args.steps, args.check_steps = 3, 3, 3
    return _harness.print_comparisons(
        args.threads,
        args.torch,
        lambda torch: [
            xor_comparison(args.repeat, args.steps, args.check_steps, torch, args.torch),
        ],
    )


if __name__ == "__main__":
    sys.exit(main())
