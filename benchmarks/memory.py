"""Benchmark: memory of 1,000 MLP training steps, tinygrad_edu vs hand-written NumPy, each in its own process.

Each implementation trains the MLP of mlp.py (784-256-256-10, batch 128, float32) in a fresh Python
process, so that each peak is its own. The child reads its resident memory (RSS, /proc/self/statm)
after setup and every 100 steps, and its peak (VmHWM) at the end; the table shows the peak,
its ratio to NumPy's, and the growth from step 100 to the last step, which is about zero when each
step's graph is freed. Every row's losses over its first 10 steps must equal NumPy's to 1e-6.

Run from the repository root:
    python benchmarks/memory.py              # about 10 s
    python benchmarks/memory.py --steps 5000
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence
from typing import Any

import _harness  # noqa: I001  (first: it pins BLAS threads before NumPy loads)
from _harness import BASELINE, Goal, format_bytes

from tinygrad_edu.apps import bench

PEAK_GOAL = 1.2  # issue 5: peak RSS <= 1.2x the hand-written NumPy version's
GROWTH_TOLERANCE = 1024 * 1024  # "no growth": less than 1 MiB between the first sample and the last
CHECK_STEPS = 10

# child kind -> the row of tinygrad_edu.apps.bench.mlp_implementations that it runs
KINDS = {
    "numpy": bench.BASELINE,
    "tensors": bench.TENSORS,
    "modules": bench.MODULES,
    "compiled": bench.COMPILED,
    "torch": bench.PYTORCH,
}


def child(kind: str, steps: int, sample_every: int, threads: int) -> dict[str, Any]:
    """Train `steps` steps with one implementation and report RSS samples, the peak and the first losses."""
    torch = bench.load_torch("auto") if kind == "torch" else None
    factories, unavailable = bench.mlp_implementations(bench.mlp_data(), torch)
    if KINDS[kind] not in factories:
        return {"unavailable": unavailable[KINDS[kind]]}
    trainer = factories[KINDS[kind]]()
    with bench.benchmark_settings(threads, torch):
        after_setup = _harness.rss_bytes()
        losses, samples = [], {}
        start = time.perf_counter()
        for step in range(1, steps + 1):
            trainer.step()
            if step <= CHECK_STEPS:
                losses.append(trainer.loss())
            if step % sample_every == 0 or step == steps:
                samples[step] = _harness.rss_bytes()
        seconds = time.perf_counter() - start
        torch_threads = torch.get_num_threads() if torch is not None else None  # (as pinned for the steps)
    report = {
        "after_setup": after_setup,
        "samples": samples,
        "peak": _harness.peak_rss_bytes(),
        "losses": losses,
        "seconds": seconds,
    }
    if torch is not None:  # for the header: the parent does not import PyTorch (see ReportedTorch)
        report["torch"] = {"version": torch.__version__, "threads": torch_threads}
    return report


class ReportedTorch:
    """PyTorch as the torch child reported it: the version and thread count that the header prints.

    The parent imported PyTorch only to print that line, about 1 s of the run's 14 s CPU; the child that
    trains with it imports it anyway, and reports the thread count really pinned for its steps.
    """

    def __init__(self, report: dict[str, Any]) -> None:
        self.__version__ = report["version"]
        self.threads = report["threads"]

    def get_num_threads(self) -> int:
        return int(self.threads)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    _harness.common_arguments(parser)
    parser.add_argument("--steps", type=_harness.positive_int, default=1000, help="training steps (default 1000)")
    parser.add_argument(
        "--sample-every",
        type=_harness.positive_int,
        default=100,
        help="read RSS every this many steps; growth is measured from the first sample (default 100)",
    )
    parser.add_argument("--tiny", action="store_true", help="30 steps, sampled every 10: only checks that it runs")
    parser.add_argument("--child", choices=sorted(KINDS), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.tiny:
        args.steps, args.sample_every = 30, 10
    if args.child:
        _harness.report_to_parent(child(args.child, args.steps, args.sample_every, args.threads))
        return 0
    results: dict[str, dict[str, Any]] = {}
    for kind, name in KINDS.items():
        if kind == "torch" and args.torch == "no":
            results[name] = {"unavailable": "not used (--torch no)"}
            continue
        results[name] = _harness.run_child(
            "memory.py",
            [
                "--child",
                kind,
                "--steps",
                str(args.steps),
                "--sample-every",
                str(args.sample_every),
                "--threads",
                str(args.threads),
            ],
        )
    torch_report = results.get(bench.PYTORCH, {}).get("torch")
    torch = ReportedTorch(torch_report) if torch_report else None
    print(_harness.describe_environment(args.threads, torch, args.torch))  # (after the children: see ReportedTorch)
    print()
    table, goals, failures = summarise(results, args.steps, args.sample_every)
    print(
        f"## Memory: {args.steps} MLP steps (784-256-256-10, batch 128, float32), "
        "each implementation in its own process"
    )
    print()
    print(table)
    print()
    print(
        f"RSS sampled every {args.sample_every} steps; growth is from step {args.sample_every} to step {args.steps}. "
        f"Peak is the process's VmHWM (interpreter and imports included: importing PyTorch alone takes ~250 MiB)."
    )
    print("\n".join(_harness.verdict_lines(goals, failures)))
    return 1 if failures else 0


def summarise(results: dict[str, dict[str, Any]], steps: int, first_sample: int) -> tuple[str, list[Goal], list[str]]:
    """The table, the goals and the failed checks from the children's reports."""
    base = results[BASELINE]
    rows, goals, failures = [], [], []
    for name, r in results.items():
        if "unavailable" in r or "error" in r:
            rows.append([name, "-", "-", "-", "-", "-", "-", r.get("unavailable") or f"FAILED: {r['error']}"])
            if "error" in r:
                failures.append(f"{name}: the child process failed: {r['error']}")
            continue
        samples = {int(k): v for k, v in r["samples"].items()}
        first, last = samples[min(samples)], samples[max(samples)]
        note = "baseline"
        if name != BASELINE and "losses" in base:
            worst, failure = bench.check_losses(name, r["losses"], base["losses"])
            note = f"= NumPy's to {bench.relative(worst)} ({len(r['losses'])} steps)"
            if failure:
                note = "DIVERGED"
                failures.append(failure)
        ratio = f"{r['peak'] / base['peak']:.2f}x" if "peak" in base else "-"
        rows.append(
            [
                name,
                format_bytes(r["peak"]),
                ratio,
                format_bytes(r["after_setup"]),
                format_bytes(first),
                format_bytes(last),
                f"{(last - first) / 1024:+.0f} KiB",
                note,
            ]
        )
        r["growth"] = last - first
    header = [
        "implementation",
        "peak RSS",
        "x NumPy",
        "RSS after setup",
        f"RSS at step {first_sample}",
        f"RSS at step {steps}",
        "growth",
        "result check",
    ]
    table = _harness.markdown_table(header, rows)
    for name in (bench.MODULES, bench.TENSORS, bench.COMPILED):
        r = results.get(name, {})
        if "peak" in r and "peak" in base:
            ratio = r["peak"] / base["peak"]
            goals.append(
                Goal(
                    f"peak RSS, {name}, <= {PEAK_GOAL}x NumPy's",
                    ratio <= PEAK_GOAL,
                    f"{ratio:.3f}x: {format_bytes(r['peak'])} vs {format_bytes(base['peak'])}",
                )
            )
            goals.append(
                Goal(
                    f"no growth from the first sample to step {steps}, {name} (< 1 MiB)",
                    r["growth"] < GROWTH_TOLERANCE,
                    f"{r['growth'] / 1024:+.0f} KiB",
                )
            )
    return table, goals, failures


if __name__ == "__main__":
    sys.exit(main())
