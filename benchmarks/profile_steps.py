"""Where tinygrad_edu's time goes: cProfile over many XOR or MLP steps, or an op chain, in microseconds per step.

Prints the functions with the most time of their own (tottime) and, separately, the most time
including what they call (cumtime), each divided by the number of steps, so a line reads
"this function costs N us of every training step". For finding what to optimise; no goal is judged.
cProfile's own bookkeeping inflates every call by roughly 0.1-0.3 us, so small functions called
many times look costlier than they are: compare with the un-profiled medians of xor.py / mlp.py.

Run from the repository root:
    python benchmarks/profile_steps.py xor
    python benchmarks/profile_steps.py mlp --steps 300
    python benchmarks/profile_steps.py mul-chain --top 25
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import sys
import time
from collections.abc import Callable, Sequence

import _harness  # noqa: I001  (first: it pins BLAS threads before NumPy loads)
import numpy as np

import tinygrad_edu as tg
from tinygrad_edu.apps import bench


def workload(name: str) -> tuple[Callable[[], None], str]:
    """The function one "step" runs, and what a step is."""
    if name.startswith(("xor", "mlp")):
        row = bench.MODULES if name.endswith("-modules") else bench.TENSORS
        factories, unavailable = (
            bench.xor_implementations() if name.startswith("xor") else bench.mlp_implementations(bench.mlp_data())
        )
        if row not in factories:
            raise SystemExit(f"{row}: {unavailable[row]}")
        return factories[row]().step, f"{name.split('-')[0].upper()} training step, {row}"
    # mul-chain / add-chain: one (4, 4) op and its share of the backward, as overhead.py measures it
    x = tg.tensor(np.ones((4, 4), np.float32), requires_grad=True)
    c, seed = tg.full((4, 4), 1.0001), tg.ones(4, 4)
    ops = 1000

    def chain() -> None:
        y = x
        for _ in range(ops):
            y = y * c if name == "mul-chain" else y + c
        x.grad = None
        y.backward(seed)

    return chain, f"chain of {ops} (4, 4) ops, forward + backward (divide by {ops} for per op)"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("workload", choices=["xor", "xor-modules", "mlp", "mlp-modules", "mul-chain", "add-chain"])
    parser.add_argument(
        "--steps", type=_harness.positive_int, default=None, help="steps to profile (default: about 2 s worth)"
    )
    parser.add_argument("--top", type=_harness.positive_int, default=18, help="lines per list (default 18)")
    _harness.common_arguments(parser)
    args = parser.parse_args(argv)
    step, what = workload(args.workload)
    with _harness.benchmark_settings(args.threads):
        for _ in range(20):  # warm up
            step()
        start = time.perf_counter()
        for _ in range(20):
            step()
        plain = (time.perf_counter() - start) / 20
        steps = args.steps or max(20, int(2.0 / plain))
        profiler = cProfile.Profile()
        profiler.enable()
        for _ in range(steps):
            step()
        profiler.disable()
    stats = pstats.Stats(profiler)
    total = sum(entry[2] for entry in stats.stats.values())  # type: ignore[attr-defined]
    print(
        f"{what}: {plain * 1e6:.1f} us per step without the profiler, "
        f"{total / steps * 1e6:.1f} us with it; {steps} steps\n"
    )
    for key, title in ((2, "own time (tottime)"), (3, "including callees (cumtime)")):
        rows = sorted(stats.stats.items(), key=lambda item: -item[1][key])[: args.top]  # type: ignore[attr-defined]
        table = [[f"{v[key] / steps * 1e6:.1f}", f"{v[1] / steps:.1f}", _where(k)] for k, v in rows]
        print(f"### top {args.top} by {title}, us per step\n")
        print(_harness.markdown_table(["us/step", "calls/step", "function"], table))
        print()
    return 0


def _where(key: tuple[str, int, str]) -> str:
    filename, line, function = key
    if filename == "~":
        return function  # a built-in, e.g. <built-in method numpy...>
    short = filename.split("tinygrad_edu/")[-1] if "tinygrad_edu/" in filename else filename.rsplit("/", 1)[-1]
    return f"{short}:{line} {function}"


if __name__ == "__main__":
    sys.exit(main())
