"""The machine a benchmark runs on: optional PyTorch, pinned BLAS threads, the header that describes it all.

Every table is printed under this header (date, CPU, versions, the BLAS kernel and the thread count in
force, the load), because a timing means nothing without the machine it was taken on. `--threads` and `--torch`,
the two options every benchmark takes, are defined here too.
"""

from __future__ import annotations

import argparse
import gc
import importlib
import importlib.util
import os
import platform
import subprocess
import time
from pathlib import Path
from typing import Any

import numpy as np

import tinygrad_edu as tg

__all__ = [
    "load_torch",
    "benchmark_settings",
    "machine_load",
    "describe_load",
    "describe_environment",
    "positive_int",
    "common_arguments",
]


def load_torch(mode: str = "auto") -> Any:
    """PyTorch if it is importable and `mode` is "auto", else None (it is an optional comparison)."""
    if mode == "no":
        return None
    try:
        return importlib.import_module("torch")
    except ImportError:
        return None


class benchmark_settings:
    """Inside the block: `n` BLAS (and PyTorch) threads where that can be set, and a quiet garbage collector.

    Threads: environment variables (OPENBLAS_NUM_THREADS...) only act before NumPy loads, and the
    scripts in benchmarks/ set them first thing; here, after the fact, threadpoolctl changes the
    running BLAS (when it is installed) and `torch.set_num_threads` PyTorch's pool.
    `describe_environment` reports the thread count really in force, so a limit that failed shows.

    Garbage collector: the objects that exist on entry (importing PyTorch leaves about 150,000) are
    frozen out of its sight (gc.freeze). Otherwise every full collection walks them all, about
    80 ms with PyTorch imported, and bills it to whichever row happened to trigger it.

    Example:
        >>> with benchmark_settings(1):
        ...     product = np.ones((256, 256)) @ np.ones((256, 256))
    """

    def __init__(self, n: int, torch: Any = None) -> None:
        self.n = n
        self.torch = torch
        self._limits: Any = None
        self._torch_before: int | None = None

    def __enter__(self) -> benchmark_settings:
        try:
            from threadpoolctl import threadpool_limits
        except ImportError:
            pass
        else:
            self._limits = threadpool_limits(limits=self.n)
        if self.torch is not None:
            self._torch_before = self.torch.get_num_threads()
            self.torch.set_num_threads(self.n)
        gc.collect()
        gc.freeze()
        return self

    def __exit__(self, *exc: object) -> None:
        gc.unfreeze()
        if self._limits is not None:
            self._limits.restore_original_limits()
        if self._torch_before is not None:
            self.torch.set_num_threads(self._torch_before)


def _cpu_pressure() -> float | None:
    """Linux's CPU pressure: the share of the last 10 s in which some runnable task waited for a CPU (%)."""
    try:
        first = Path("/proc/pressure/cpu").read_text().splitlines()[0]  # "some avg10=1.23 avg60=... total=..."
    except (OSError, IndexError):
        return None
    fields = dict(part.split("=", 1) for part in first.split()[1:])
    return float(fields["avg10"]) if "avg10" in fields else None


def machine_load() -> dict[str, float]:
    """The machine's load now: 1-minute load average, usable cores and, where Linux has it, CPU pressure (%).

    Example:
        >>> sorted(machine_load())[-2:]
        ['load1', 'usable_cores']
    """
    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:
        usable = os.cpu_count() or 1
    load: dict[str, float] = {"load1": os.getloadavg()[0], "usable_cores": usable}
    pressure = _cpu_pressure()
    if pressure is not None:
        load["cpu_pressure"] = pressure
    return load


def describe_load(load: dict[str, float]) -> str:
    """One machine_load reading in words: 'load average 3.10 on 2 usable cores, CPU pressure 41.2%'."""
    text = f"load average {load['load1']:.2f} on {load['usable_cores']:.0f} usable cores"
    return text + (f", CPU pressure {load['cpu_pressure']:.1f}%" if "cpu_pressure" in load else "")


def _cpu_model() -> str:
    """The CPU's model name, from /proc/cpuinfo where there is one."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def _blas_lines() -> list[str]:
    """Which BLAS runs, which kernel (architecture) and with how many threads: threadpoolctl's view."""
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        try:
            blas: Any = np.show_config(mode="dicts").get("Build Dependencies", {}).get("blas", {})
        except TypeError:  # NumPy before 1.26 prints its configuration and returns nothing
            blas = {}
        return [
            f"{blas.get('name', '?')} {blas.get('version', '?')} (numpy's build info; install threadpoolctl "
            "to see the kernel and the thread count in force)"
        ]
    lines = []
    for pool in threadpool_info():
        kernel = pool.get("architecture") or pool.get("corename")
        parts = Path(pool.get("filepath", "")).parts
        # the package that ships the library: numpy.libs -> numpy, torch/lib -> torch
        owner = parts[parts.index("site-packages") + 1].split(".")[0] if "site-packages" in parts else "system"
        lines.append(
            f"{pool.get('user_api')}: {pool.get('internal_api')} {pool.get('version') or ''}".rstrip()
            + (f", kernel {kernel}" if kernel else "")
            + f", {pool.get('num_threads')} thread(s), from {owner}"
        )
    return lines or ["no BLAS found by threadpoolctl"]


def _git_commit() -> str:
    """The checkout's commit (and whether it has uncommitted changes), or '' when not in a git tree."""
    root = Path(tg.__file__).resolve().parent.parent
    try:
        commit = subprocess.run(
            ["git", "-C", str(root), "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            timeout=5,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "-C", str(root), "status", "--porcelain", "--untracked-files=no"],
            capture_output=True,
            text=True,
            timeout=5,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return ""
    return f"{commit}{' + uncommitted changes' if dirty else ''}" if commit else ""


def _pinning(threads: int) -> str:
    """How --threads was applied to the BLAS, or a warning that it could not be."""
    if importlib.util.find_spec("threadpoolctl") is not None:
        return f"--threads {threads}, applied with threadpoolctl (the BLAS lines above show the count in force)"
    if os.environ.get("OPENBLAS_NUM_THREADS") == str(threads):
        return f"--threads {threads}, applied with OPENBLAS_NUM_THREADS={threads} (set before NumPy loaded)"
    return (
        f"--threads {threads} could NOT be applied (NumPy was loaded first and threadpoolctl is not installed): "
        f"ratios may be unstable; run with OPENBLAS_NUM_THREADS={threads} set, or install threadpoolctl"
    )


def describe_environment(threads: int, torch: Any = None, torch_mode: str = "auto") -> str:
    """The header every benchmark prints: date, machine, versions, BLAS kernel and threads."""
    usable: int | None  # None: the OS does not say
    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:
        usable = os.cpu_count()
    commit = _git_commit()
    if torch is not None:
        torch_line = f"{torch.__version__} ({torch.get_num_threads()} thread(s))"
    elif torch_mode == "no":
        torch_line = "not used (--torch no)"
    else:
        torch_line = "not installed"
    env = ", ".join(f"{name}={os.environ.get(name, '(unset)')}" for name in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE"))
    lines = [
        f"date:         {time.strftime('%Y-%m-%d %H:%M %Z')}",
        f"machine:      {_cpu_model()}, {os.cpu_count()} logical cores ({usable} usable); {platform.platform()}",
        f"python:       {platform.python_version()} ({platform.python_implementation()})",
        f"numpy:        {np.__version__}",
        f"tinygrad_edu: {tg.__version__}" + (f" (git {commit})" if commit else ""),
        f"pytorch:      {torch_line}",
    ]
    lines += [f"BLAS:         {line}" for line in _blas_lines()]
    lines += [
        f"env:          {env} (as found; they pick OpenBLAS's kernel)",
        f"threads:      {_pinning(threads)}",
        f"load:         {describe_load(machine_load())} (now; each table gives its own before and after)",
    ]
    return "\n".join(lines)


def positive_int(text: str) -> int:
    """An argparse type: the integer `text` names, refused unless it is at least 1.

    Example:
        >>> positive_int("3")
        3
    """
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text}")
    return value


def common_arguments(parser: argparse.ArgumentParser) -> None:
    """--threads and --torch, as every benchmark takes them."""
    parser.add_argument(
        "--threads",
        type=positive_int,
        default=1,
        help="BLAS (and PyTorch) threads (default 1: ratios are stable only with threads fixed)",
    )
    parser.add_argument(
        "--torch",
        choices=("auto", "no"),
        default="auto",
        help="compare with PyTorch when it is installed (auto, the default) or not at all (no)",
    )
