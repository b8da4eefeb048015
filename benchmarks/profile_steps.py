"""Where tinygrad_edu's time goes: cProfile over many XOR or MLP steps, or an op chain, in microseconds per step.

Prints the functions with the most time of their own (tottime) and, separately, the most time
including what they call (cumtime), each divided by the number of steps, so a line reads
"this function costs N us of every training step". For finding what to optimise; no goal is judged.
cProfile's own bookkeeping inflates every call by roughly 0.1-0.3 us, so small functions called
many times look costlier than they are: compare with the un-profiled medians of xor.py / mlp.py.

With --layouts (mlp, mlp-modules) no profiler runs either: the MLP step's 8 GEMMs are timed, interleaved, with
each weight stored (in, out), as the hand-written NumPy step keeps it, and (out, in), as nn.Linear (and
PyTorch) keep it, so that x W^T is a GEMM of a transposed operand: what that layout alone costs the step.

With --phases (xor-modules and mlp-modules) no profiler runs: each phase of the PyTorch-style step
(zero_grad, model(x), loss_fn, backward, optimizer.step) is timed inside real training steps and its
median reported. Time a piece of the step there rather than alone in a loop: inside a step, where the
caches and branch predictors hold the rest of the step, a small NumPy call costs about 1 us, two to three
times what it costs in a loop of its own, so isolated timings underestimate what a change saves.

Run from the repository root:
    python benchmarks/profile_steps.py xor
    python benchmarks/profile_steps.py mlp --steps 300
    python benchmarks/profile_steps.py mul-chain --top 25
    python benchmarks/profile_steps.py xor-modules --phases
    python benchmarks/profile_steps.py mlp --layouts
"""

from __future__ import annotations

import argparse
import cProfile
import functools
import pstats
import statistics
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
    parser.add_argument(
        "--phases", action="store_true", help="time each phase of an nn + optim step inside real steps (no profiler)"
    )
    parser.add_argument(
        "--layouts", action="store_true", help="time the MLP step's 8 GEMMs with W as (in, out) and as (out, in)"
    )
    _harness.common_arguments(parser)
    args = parser.parse_args(argv)
    if args.layouts:
        return layouts(args.workload, args.steps or 41, args.threads)
    if args.phases:
        return phases(args.workload, args.steps or 20000, args.threads)
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


def phases(name: str, steps: int, threads: int) -> int:
    """The median time of each phase of ModuleTrainer.step, measured inside whole steps; the steps' median beside."""
    if not name.endswith("-modules"):
        raise SystemExit(f"--phases times the phases of an nn + optim step: use xor-modules or mlp-modules, not {name}")
    step, what = workload(name)
    trainer = step.__self__  # the ModuleTrainer whose step() this is
    model, loss_fn, optimizer, x, y = trainer.model, trainer.loss_fn, trainer.optimizer, trainer.x, trainer.y
    names = ["optimizer.zero_grad()", "model(x)", "loss_fn(out, y)", "loss.backward()", "optimizer.step()"]
    times: list[list[int]] = [[] for _ in range(len(names) + 1)]
    clock = time.perf_counter_ns
    with _harness.benchmark_settings(threads):
        for i in range(steps + 20):  # (the first 20 warm up)
            t0 = clock()
            optimizer.zero_grad()
            t1 = clock()
            out = model(x)
            t2 = clock()
            loss = loss_fn(out, y)
            t3 = clock()
            loss.backward()
            t4 = clock()
            optimizer.step()
            t5 = clock()
            if i >= 20:
                for j, (start, end) in enumerate(zip((t0, t1, t2, t3, t4, t0), (t1, t2, t3, t4, t5, t5))):
                    times[j].append(end - start)
    medians = [statistics.median(t) / 1e3 for t in times]
    print(f"{what}: median of each phase over {steps} steps (wall clock, inside whole steps)\n")
    table = [[label, f"{us:.2f}"] for label, us in zip(names, medians)]
    table.append(["whole step (median of the sums)", f"{medians[-1]:.2f}"])
    print(_harness.markdown_table(["phase", "us"], table))
    return 0


def layouts(name: str, repeat: int, threads: int) -> int:
    """The MLP step's 8 GEMMs, each timed with W as (in, out) and as (out, in), interleaved; medians in us."""
    if not name.startswith("mlp"):
        raise SystemExit(f"--layouts times the MLP step's GEMMs: use mlp or mlp-modules, not {name}")
    d = bench.mlp_data()
    x = d["x"]
    acts = [x] + [np.ones((x.shape[0], d[f"W{i}"].shape[1]), np.float32) for i in (1, 2, 3)]  # layer inputs, grads
    gemms: dict[str, Callable[[], None]] = {}
    for i in (1, 2, 3):
        w_in_out = d[f"W{i}"]  # the hand-written step's layout
        w_out_in = np.ascontiguousarray(w_in_out.T)  # nn.Linear's
        h, g, size = acts[i - 1], acts[i], f"{w_in_out.shape[0]}x{w_in_out.shape[1]}"
        # forward h W, backward dX = g W^T (not for layer 1: its input needs no gradient) and dW = h^T g
        gemms[f"layer {i} ({size}) forward, W (in, out): h @ W"] = functools.partial(np.matmul, h, w_in_out)
        gemms[f"layer {i} ({size}) forward, W (out, in): h @ W.T"] = functools.partial(np.matmul, h, w_out_in.T)
        if i > 1:
            gemms[f"layer {i} ({size}) dX, W (in, out): g @ W.T"] = functools.partial(np.matmul, g, w_in_out.T)
            gemms[f"layer {i} ({size}) dX, W (out, in): g @ W"] = functools.partial(np.matmul, g, w_out_in)
        gemms[f"layer {i} ({size}) dW, W (in, out): h.T @ g"] = functools.partial(np.matmul, h.T, g)
        gemms[f"layer {i} ({size}) dW, W (out, in): g.T @ h"] = functools.partial(np.matmul, g.T, h)
    with _harness.benchmark_settings(threads):
        times = _harness.time_steps(gemms, repeat, 10)
    medians = {label: statistics.median(t.cpu) * 1e6 for label, t in times.items()}
    print(
        f"The MLP step's 8 GEMMs (batch {x.shape[0]}, float32): median CPU time of {repeat} blocks of 10, interleaved\n"
    )
    print(_harness.markdown_table(["GEMM", "us"], [[label, f"{us:.1f}"] for label, us in medians.items()]))
    for layout in ("(in, out)", "(out, in)"):
        total = sum(us for label, us in medians.items() if f"W {layout}" in label)
        print(f"all 8 with W {layout}: {total:.1f} us")
    return 0


def _where(key: tuple[str, int, str]) -> str:
    filename, line, function = key
    if filename == "~":
        return function  # a built-in, e.g. <built-in method numpy...>
    short = filename.split("tinygrad_edu/")[-1] if "tinygrad_edu/" in filename else filename.rsplit("/", 1)[-1]
    return f"{short}:{line} {function}"


if __name__ == "__main__":
    sys.exit(main())
