"""What the scripts in benchmarks/ share: BLAS threads pinned before NumPy loads, the import path, RSS.

Import it first in every script, before NumPy: OPENBLAS_NUM_THREADS and its kin are read only
when the BLAS library loads, so they must be set before `import numpy` runs anywhere. A variable
the user already set is left as it is. The rest of the harness (the machine header, timing, tables,
goals) is the package tinygrad_edu/apps/bench/ (environment.py, harness.py), re-exported here, and so are
the XOR and MLP workloads (xor.py, mlp.py), so that `tinygrad-edu bench` runs the same code.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")


def threads_from_argv(argv: Sequence[str]) -> str:
    """The value of --threads N (or --threads=N) in argv; "1" when it is not there."""
    for i, arg in enumerate(argv):
        if arg == "--threads" and i + 1 < len(argv):
            return argv[i + 1]
        if arg.startswith("--threads="):
            return arg.split("=", 1)[1]
    return "1"


def pin_threads_early(argv: Sequence[str]) -> None:
    """Set the BLAS thread variables from --threads, unless the user set them; then children inherit them too."""
    for name in THREAD_VARIABLES:
        os.environ.setdefault(name, threads_from_argv(argv))


if "numpy" not in sys.modules:  # too late otherwise: benchmark_settings (threadpoolctl) then does it at run time
    pin_threads_early(sys.argv[1:])

# Measure the checkout this folder belongs to, whether or not tinygrad_edu is installed.
ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tinygrad_edu.apps.bench import (  # noqa: E402  (after the thread variables, on purpose)
    BASELINE,
    Comparison,
    Goal,
    Row,
    benchmark_settings,
    common_arguments,
    describe_environment,
    describe_load,
    format_time,
    load_torch,
    machine_load,
    markdown_table,
    noise_reasons,
    positive_int,
    print_comparisons,
    relative,
    time_steps,
    verdict_lines,
)

__all__ = [
    "BASELINE",
    "Comparison",
    "Goal",
    "Row",
    "benchmark_settings",
    "common_arguments",
    "describe_environment",
    "describe_load",
    "format_time",
    "load_torch",
    "machine_load",
    "markdown_table",
    "noise_reasons",
    "positive_int",
    "print_comparisons",
    "relative",
    "time_steps",
    "verdict_lines",
    "rss_bytes",
    "peak_rss_bytes",
    "reset_peak_rss",
    "format_bytes",
    "run_child",
    "report_to_parent",
]

MB = 1024 * 1024


def rss_bytes() -> int:
    """This process's resident memory now (Linux: /proc/self/statm; elsewhere the peak, the best available)."""
    try:
        resident_pages = int(Path("/proc/self/statm").read_text().split()[1])
    except OSError:
        return peak_rss_bytes()
    return resident_pages * os.sysconf("SC_PAGE_SIZE")


def peak_rss_bytes() -> int:
    """This process's peak resident memory so far (Linux: VmHWM; elsewhere ru_maxrss).

    Not ru_maxrss on Linux: it carries over the parent's peak through fork and exec, so a child
    started by a parent that had imported PyTorch would report PyTorch's peak as its own.
    """
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak if sys.platform == "darwin" else peak * 1024  # KiB on Linux, bytes on macOS


def reset_peak_rss() -> bool:
    """Reset the kernel's peak-RSS mark (Linux: write 5 to /proc/self/clear_refs); False where it cannot."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        return False
    return True


def format_bytes(n: float) -> str:
    """Bytes in MiB (2^20 bytes), one decimal: 45.1 MiB."""
    return f"{n / MB:.1f} MiB"


def run_child(script: str, args: Sequence[str]) -> dict[str, Any]:
    """Run `python script --child ...` in a fresh process (its own memory peak) and return what it reported.

    The child prints one JSON line, last, through `report_to_parent`. A child that fails is reported as
    {"error": ...} rather than stopping the benchmark.
    """
    command = [sys.executable, str(Path(__file__).parent / script), *args]
    done = subprocess.run(command, capture_output=True, text=True)
    lines = done.stdout.strip().splitlines()
    if done.returncode != 0 or not lines:
        tail = (done.stderr or done.stdout).strip().splitlines()[-3:]
        return {"error": f"exit {done.returncode}: {' / '.join(tail)}"}
    return json.loads(lines[-1])


def report_to_parent(result: dict[str, Any]) -> None:
    print(json.dumps(result))
