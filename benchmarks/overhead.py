"""Benchmark: the per-op overhead of autograd: forward + backward of small ops, per op, against PyTorch eager.

For each op in the table, a chain of N of them, y = op(y) starting from a (4, 4) float32 x, then one
backward from y; the time divided by N is what one small op costs with its gradient. At this size the
arithmetic is nothing: the table measures the machinery (creating tensors and graph nodes, the backward
walk, checking arguments, undoing broadcasting).

Columns: NumPy by hand (the op's forward and its hand-written backward, no graph), tinygrad_edu, PyTorch eager
when installed, and ours / PyTorch (issue 16's goal: at most 0.5x). The three implementations take turns
chain by chain, every time is process CPU time (wall time is shown beside the ratio), and the machine's
load is read before and after: a run on a busy machine says it is too noisy to judge. Every row's gradient
of x must equal NumPy's to 1e-5 relative before it is timed.

The workload (the ops, their NumPy by hand, the table) is in tinygrad_edu/apps/bench/overhead.py, shared with
`tinygrad-edu bench`, which runs it with shorter chains.

Run from the repository root:
    python benchmarks/overhead.py            # about 20 s with PyTorch installed
    python benchmarks/overhead.py --ops 10000 --repeat 21
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

import _harness  # noqa: I001  (first: it pins BLAS threads before NumPy loads)

from tinygrad_edu.apps.bench import overhead_comparison


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    _harness.common_arguments(parser)
    parser.add_argument("--ops", type=_harness.positive_int, default=1000, help="length of each chain (default 1000)")
    parser.add_argument("--repeat", type=_harness.positive_int, default=31, help="timed chains per row (default 31)")
    parser.add_argument("--tiny", action="store_true", help="3 chains of 10 ops: only checks that it runs")
    args = parser.parse_args(argv)
    if args.tiny:
        args.ops, args.repeat = 10, 3
    return _harness.print_comparisons(
        args.threads, args.torch, lambda torch: [overhead_comparison(args.ops, args.repeat, torch, args.torch)]
    )


if __name__ == "__main__":
    sys.exit(main())
