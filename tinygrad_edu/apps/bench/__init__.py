"""`tinygrad-edu bench`: a seconds-long XOR, MLP and per-op comparison, and the harness that benchmarks/ shares.

Each comparison trains the same network from the same initial weights in several implementations:
hand-written NumPy (the baseline), tinygrad_edu with raw tensors, tinygrad_edu with `nn` and
`optim`, the same nn + optim step compiled with `tg.compile`, and PyTorch eager when it is
installed. Before anything is timed, every implementation runs a few steps and its losses must
equal the NumPy ones to 1e-6 relative: a benchmark that does not check its result proves nothing.
The table gives seconds per training step (forward, loss, backward, SGD update): median, min and
max over repeats, and the median's ratio to hand-written NumPy.

The package, one file per part:
    environment.py  the machine: optional PyTorch, BLAS threads, the header, --threads and --torch
    harness.py      tables, goals, timing, result checks, trainers, run_comparison, print_comparisons
    xor.py          the XOR workload (tutorial A's network) and its comparison
    mlp.py          the MLP workload (784-256-256-10) and its comparison, with the GEMM floor
    overhead.py     the per-op overhead table (issue 16): chains of small ops, forward + backward, per op
    __init__.py     this command, and every name above, importable from `tinygrad_edu.apps.bench`
    __main__.py     `python -m tinygrad_edu.apps.bench`, the same as `tinygrad-edu bench`

The full-size scripts are in benchmarks/ (xor.py, mlp.py, overhead.py, memory.py, chain.py); they
use these workloads and this harness, so the quick run and the full run measure the same code.

Example:
    $ tinygrad-edu bench              # XOR, MLP and per-op overhead, one BLAS thread, a few seconds
    $ tinygrad-edu bench --threads 2 --torch no
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence

from .environment import (
    benchmark_settings,
    common_arguments,
    describe_environment,
    describe_load,
    load_torch,
    machine_load,
    positive_int,
)
from .harness import (
    BASELINE,
    COMPILED,
    MODULES,
    PYTORCH,
    RTOL,
    TENSORS,
    Comparison,
    CompiledTrainer,
    Goal,
    Implementations,
    Library,
    ModuleTrainer,
    Row,
    Timing,
    Trainer,
    check_losses,
    compiled_goals,
    format_time,
    implementation_rows,
    load_linear,
    markdown_table,
    noise_reasons,
    print_comparisons,
    relative,
    run_comparison,
    speed_goals,
    time_steps,
    timed_rows,
    trace_cost,
    verdict_lines,
)
from .mlp import (
    FLOAT32_DRIFT,
    GEMMS,
    MLP_BATCH,
    MLP_LR,
    MLP_SIZES,
    MlpNumpy,
    MlpTensors,
    mlp_comparison,
    mlp_data,
    mlp_flops,
    mlp_gemms,
    mlp_implementations,
    mlp_modules,
    traced_gemms,
)
from .overhead import OverheadTable, overhead_comparison
from .xor import (
    XOR_LR,
    XOR_X,
    XOR_Y,
    XorNumpy,
    XorTensors,
    xor_comparison,
    xor_implementations,
    xor_modules,
    xor_weights,
)

__all__ = [
    # environment.py
    "load_torch",
    "benchmark_settings",
    "machine_load",
    "describe_load",
    "describe_environment",
    "positive_int",
    "common_arguments",
    # harness.py
    "RTOL",
    "BASELINE",
    "TENSORS",
    "MODULES",
    "COMPILED",
    "PYTORCH",
    "Row",
    "Goal",
    "Comparison",
    "format_time",
    "markdown_table",
    "verdict_lines",
    "Timing",
    "time_steps",
    "timed_rows",
    "noise_reasons",
    "check_losses",
    "relative",
    "Trainer",
    "ModuleTrainer",
    "CompiledTrainer",
    "Implementations",
    "Library",
    "load_linear",
    "implementation_rows",
    "run_comparison",
    "trace_cost",
    "speed_goals",
    "compiled_goals",
    "print_comparisons",
    # xor.py
    "XOR_X",
    "XOR_Y",
    "XOR_LR",
    "xor_weights",
    "XorNumpy",
    "XorTensors",
    "xor_modules",
    "xor_implementations",
    "xor_comparison",
    # mlp.py
    "MLP_SIZES",
    "MLP_BATCH",
    "MLP_LR",
    "FLOAT32_DRIFT",
    "mlp_data",
    "MlpNumpy",
    "MlpTensors",
    "mlp_modules",
    "mlp_implementations",
    "mlp_gemms",
    "GEMMS",
    "traced_gemms",
    "mlp_flops",
    "mlp_comparison",
    # overhead.py
    "OverheadTable",
    "overhead_comparison",
    # this file
    "main",
]


def main(argv: Sequence[str] | None = None) -> int:
    """Run the quick XOR, MLP and per-op comparisons and print their tables; 1 if a result check failed.

    Example:
        >>> main(["--tiny", "--torch", "no"])   # the machine, a table for each workload, the goals met
        date: ...
        0
    """
    parser = argparse.ArgumentParser(
        prog="tinygrad-edu bench",
        description="A quick (seconds) benchmark of XOR and MLP training steps and of the per-op overhead: "
        "hand-written NumPy, tinygrad_edu and PyTorch (when installed), side by side. The full benchmarks are in "
        "benchmarks/.",
    )
    common_arguments(parser)
    parser.add_argument("--tiny", action="store_true", help="a handful of steps, to check that it runs")
    args = parser.parse_args(argv)
    # (repeat, block, check_steps) of each workload
    xor_size = (3, 3, 3) if args.tiny else (15, 50, 10)
    mlp_size = (3, 1, 3) if args.tiny else (9, 5, 5)
    overhead_size = (10, 3) if args.tiny else (300, 15)  # (ops per chain, chains per row)
    status = print_comparisons(
        args.threads,
        args.torch,
        lambda torch: [
            xor_comparison(*xor_size, torch=torch, torch_mode=args.torch),
            mlp_comparison(*mlp_size, torch=torch, torch_mode=args.torch),
            overhead_comparison(*overhead_size, torch=torch, torch_mode=args.torch),
        ],
    )
    print("\nThe full benchmarks, with more repeats: benchmarks/ in the source tree (see its README.md).")
    return status
