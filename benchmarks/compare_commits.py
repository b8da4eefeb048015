"""Before and after a change: the library at another commit beside this checkout's, in one process, round by round.

On a shared machine the CPU's speed drifts between processes and from minute to minute (on the 2-core machine
of benchmarks/README.md it doubled and halved within an hour while the load average and CPU pressure read quiet),
so two runs of a benchmark, one after the other, cannot tell a 10% change from the drift. Here both versions of
tinygrad_edu are imported into one process, each with its own modules, and every round times a workload on one
version and then on the other: the two times of a round share the machine's state, so the median of the
rounds' ratios (after / before) is what the change did. Each row also checks that both versions compute the
same gradient (chains) or loss (training steps), so a speed-up that changed a result is reported, not hidden.

Rows: issue 16's per-op chains as benchmarks/overhead.py runs them (1,000 ops and one backward, time per op),
chain.py's multiply-and-add by Python numbers, and the XOR and MLP training steps (tensors, and nn + optim).
A row that the older version lacks is left out. The other commit is exported with `git archive` into a
temporary folder, which is removed at the end.

Run from the repository root:
    python benchmarks/compare_commits.py HEAD~3                 # about 2 minutes
    python benchmarks/compare_commits.py 17eccbb --rounds 41 --only chains
    python benchmarks/compare_commits.py HEAD --tiny            # 2 short rounds: only checks that it runs
"""

from __future__ import annotations

import argparse
import importlib
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = "tinygrad_edu"


def pin_threads(threads: str) -> None:
    """One BLAS thread (or --threads), set before NumPy loads, as benchmarks/_harness.py does for the other scripts."""
    for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(name, threads)


def export(ref: str, folder: Path) -> str:
    """The tree of commit `ref` written into folder (git archive); returns the commit's short hash."""
    commit = subprocess.run(
        ["git", "rev-parse", "--short", ref], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.strip()
    archive = subprocess.run(["git", "archive", commit], cwd=ROOT, capture_output=True, check=True).stdout
    subprocess.run(["tar", "-x", "-C", str(folder)], input=archive, check=True)
    return commit


class Version:
    """One checkout's tinygrad_edu, imported under its own modules: `use()` puts them in sys.modules.

    Python caches a package once per name, so each version is imported with only its own folder on the path,
    its modules are then taken out of sys.modules and kept here, and `use()` puts them back before that
    version runs (a function that imports inside its body then finds its own version's modules).
    """

    def __init__(self, label: str, folder: Path) -> None:
        self.label = label
        _forget_package()
        sys.path.insert(0, str(folder))
        try:
            self.tg = importlib.import_module(PACKAGE)
            self.bench = importlib.import_module(f"{PACKAGE}.apps.bench")
            self.overhead = importlib.import_module(f"{PACKAGE}.apps.bench.overhead")
        finally:
            sys.path.remove(str(folder))
        self.modules = {k: m for k, m in sys.modules.items() if k == PACKAGE or k.startswith(PACKAGE + ".")}
        loaded_from = Path(self.tg.__file__).resolve()
        if folder.resolve() not in loaded_from.parents:  # (an installed copy found first would time the wrong code)
            raise RuntimeError(f"{label}: imported {loaded_from}, not the copy in {folder}")
        _forget_package()

    def use(self) -> None:
        _forget_package()
        sys.modules.update(self.modules)


def _forget_package() -> None:
    for name in [k for k in sys.modules if k == PACKAGE or k.startswith(PACKAGE + ".")]:
        del sys.modules[name]


# ---- the workloads: each takes a Version and returns (the function a round times, the ops or steps in one call) ----
# (the function returns a gradient or a loss, which is compared between the versions)

Workload = Callable[[Version], tuple[Callable[[], Any], int]]


def overhead_chain(name: str, length: int) -> Workload:
    """One row of overhead.py's table, from each version's own definition of it."""

    def make(version: Version) -> tuple[Callable[[], Any], int]:
        op = next(op for op in version.overhead.OPS if op.name == name)
        return version.overhead.chains(op, length, None)[version.overhead.OURS], length

    return make


def number_chain(length: int) -> Workload:
    """chain.py's chain: y * 1.0001 and y + 0.0001 in turn, then one backward; returns d y/d x."""

    def make(version: Version) -> tuple[Callable[[], Any], int]:
        import numpy as np

        tg = version.tg
        x = tg.tensor(np.random.default_rng(0).standard_normal((4, 4), dtype=np.float32), requires_grad=True)

        def run() -> Any:
            y = x
            for i in range(length):
                y = y * 1.0001 if i % 2 == 0 else y + 0.0001
            x.grad = None
            y.sum().backward()
            return x.grad.data

        return run, length

    return make


def training_step(workload: str, row: str, steps: int) -> Workload:
    """`steps` training steps of the XOR or MLP row `row` (a fresh trainer per version); returns the last loss."""

    def make(version: Version) -> tuple[Callable[[], Any], int]:
        bench = version.bench
        data = (bench.mlp_data(),) if workload == "mlp" else ()  # (the MLP's batch and weights, drawn from a seed)
        trainer = getattr(bench, f"{workload}_implementations")(*data, torch_mode="no")[0][row]()

        def run() -> Any:
            for _ in range(steps):
                trainer.step()
            return trainer.loss()

        return run, steps

    return make


def workloads(current: Version, tiny: bool, only: str) -> dict[str, Workload]:
    """Row name -> workload, in the order of the table: overhead.py's ops as this checkout defines them."""
    length = 20 if tiny else 1000
    rows: dict[str, Workload] = {}
    if only in ("all", "chains"):
        for op in current.overhead.OPS:
            rows[f"{op.name} (per op)"] = overhead_chain(op.name, length)
        rows["y * 1.0001, y + 0.0001 (per op)"] = number_chain(length)
    if only in ("all", "steps"):
        from_bench = [("xor", 3 if tiny else 100), ("mlp", 1 if tiny else 5)]
        for workload, steps in from_bench:
            for row in ("tinygrad_edu, tensors + manual SGD", "tinygrad_edu, nn + optim"):
                rows[f"{workload.upper()} step, {row.removeprefix('tinygrad_edu, ')}"] = training_step(
                    workload, row, steps
                )
    return rows


def same_result(a: Any, b: Any) -> bool:
    """Both versions computed the same gradient or loss (to float32's last bits: a sum in another order may round
    differently)."""
    import numpy as np

    return bool(np.allclose(a, b, rtol=1e-5, atol=0, equal_nan=True))


def compare(before: Version, after: Version, rows: dict[str, Workload], rounds: int) -> list[list[str]]:
    """Each row timed on both versions in turn, `rounds` times: process CPU time per unit of work."""
    table = []
    for name, make in rows.items():
        try:
            before.use()
            run_before, units = make(before)
        except (StopIteration, KeyError, AttributeError) as missing:  # the older version lacks this row
            table.append([name, "-", "-", "-", f"not in the older version ({type(missing).__name__})"])
            continue
        after.use()
        run_after, _ = make(after)
        times: dict[str, list[float]] = {"before": [], "after": []}
        results: dict[str, Any] = {}
        turns = [("before", before, run_before), ("after", after, run_after)]
        for _ in range(rounds + 1):  # (the first round warms both up and is not counted)
            turns.reverse()  # which version goes first alternates, so that going first or second favours neither
            for label, version, run in turns:
                version.use()
                start = time.process_time()
                results[label] = run()
                times[label].append((time.process_time() - start) / units)
        ratios = [a / b for a, b in zip(times["after"][1:], times["before"][1:], strict=True)]
        check = "same result" if same_result(results["before"], results["after"]) else "RESULTS DIFFER"
        table.append(
            [
                name,
                _time(statistics.median(times["before"][1:])),
                _time(statistics.median(times["after"][1:])),
                f"{statistics.median(ratios):.3f}",
                f"{check}; ratios {min(ratios):.2f}-{max(ratios):.2f}",
            ]
        )
    return table


def _time(seconds: float) -> str:
    return f"{seconds * 1e6:.2f} us" if seconds < 1e-3 else f"{seconds * 1e3:.2f} ms"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("ref", help="the commit to compare this checkout with (a hash, a tag, HEAD~3, ...)")
    parser.add_argument("--rounds", type=int, default=21, help="timed rounds per row (default 21)")
    parser.add_argument("--only", choices=("all", "chains", "steps"), default="all", help="which rows (default all)")
    parser.add_argument("--threads", default="1", help="BLAS threads (default 1)")
    parser.add_argument("--tiny", action="store_true", help="2 short rounds: only checks that it runs")
    args = parser.parse_args(argv)
    pin_threads(args.threads)
    rounds = 2 if args.tiny else args.rounds
    sys.meta_path[:] = [f for f in sys.meta_path if "editable" not in repr(f).lower()]  # (an editable install's finder)
    with tempfile.TemporaryDirectory(prefix="compare-commits-") as folder:
        commit = export(args.ref, Path(folder))
        before = Version(f"{args.ref} ({commit})", Path(folder))
        after = Version("this checkout", ROOT)
        head = subprocess.run(["git", "describe", "--always", "--dirty"], cwd=ROOT, capture_output=True, text=True)
        after.use()
        print(after.bench.describe_environment(int(args.threads), None, "no"))
        print(f"\n## Before: {before.label}; after: this checkout ({head.stdout.strip()})\n")
        with after.bench.benchmark_settings(int(args.threads)):  # (threadpoolctl's limit, the collector frozen)
            table = compare(before, after, workloads(after, args.tiny, args.only), rounds)
    header = ["workload", "before, median CPU", "after, median CPU", "after / before", "check"]
    print(after.bench.markdown_table(header, table))
    print(
        f"\nMedian of {rounds} rounds (one untimed round first); each round times both versions, one after the other "
        "(which goes first alternates), so 'after / before' is the median of the rounds' ratios, each taken under "
        "one machine state. Process CPU time per op (chains) or per training step."
    )
    return 1 if any(row[-1].startswith("RESULTS DIFFER") for row in table) else 0


if __name__ == "__main__":
    sys.exit(main())
