"""Smoke tests of the benchmarks: each script runs at a tiny size, its result checks pass, its table has its rows.

No time is asserted (a shared 2-core machine makes timings noise in a test); what is asserted is
what makes a benchmark trustworthy: every row reached hand-written NumPy's result, a row that does
not is reported and fails the run, and the tables and goals are there for a reader.
"""

from __future__ import annotations

import importlib.util
import subprocess
import sys
import time
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

from tinygrad_edu.apps import bench
from tinygrad_edu.apps.bench import BASELINE, COMPILED, MODULES, PYTORCH, TENSORS
from tinygrad_edu.compiler import TracingWarning

BENCHMARKS = Path(__file__).resolve().parent.parent / "benchmarks"
GEMMS = bench.GEMMS

# script -> the rows that must have run (numbers in their median column); PyTorch is off (--torch no).
SCRIPTS = {
    "xor.py": [BASELINE, TENSORS, MODULES, COMPILED],
    "mlp.py": [BASELINE, TENSORS, MODULES, COMPILED, GEMMS],
    "overhead.py": [  # one row per op, issue 16's table
        "mul",
        "add",
        "matmul",
        "getitem y[0:4]",
        "reshape (16,) then (4, 4)",
        "exp, then - 1",
        "mean(1, keepdim) then expand",
    ],
    "memory.py": [BASELINE, TENSORS, MODULES, COMPILED],
    "chain.py": [BASELINE, "tinygrad_edu"],
    "lenet.py": [MODULES],
}


def table_rows(output: str) -> dict[str, list[list[str]]]:
    """Row name -> the cells of each table row with that name (chain.py has one row per length)."""
    rows: dict[str, list[list[str]]] = {}
    for line in output.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if line.startswith("| ") and cells[0] not in ("implementation", "") and not set(cells[0]) <= {"-"}:
            rows.setdefault(cells[0], []).append(cells)
    return rows


def run_script(script: str, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(BENCHMARKS / script), *args], capture_output=True, text=True, timeout=300
    )


@pytest.mark.parametrize("script", SCRIPTS)
def test_each_script_runs_tiny_and_every_row_matches_numpy(script):
    done = run_script(script, "--tiny", "--torch", "no")
    output = done.stdout
    assert done.returncode == 0, output + done.stderr
    assert "RESULT CHECK FAILED" not in output and "DIVERGED" not in output
    rows = table_rows(output)
    for name in SCRIPTS[script]:
        assert name in rows, f"{script}: no row {name!r} in\n{output}"
        for cells in rows[name]:
            assert cells[1] != "-", f"{script}: row {name!r} has no numbers: {cells}"
    # PyTorch is optional: with --torch no its row is there and says why it has no numbers.
    assert "not used (--torch no)" in output
    # The header names the machine and the versions; the goals are stated as met or not.
    for label in ("machine:", "python:", "numpy:", "BLAS:", "OPENBLAS_CORETYPE=", "pytorch:", "load:"):
        assert label in output, f"{script}: the header lacks {label}"
    goals = [line for line in output.splitlines() if line.startswith("- ")]  # no failures, so only goals
    assert "Goals:" in output and goals
    assert all(any(v in line for v in (": met (", ": NOT MET (", ": n/a (")) for line in goals), goals
    if script in ("xor.py", "mlp.py", "overhead.py", "chain.py"):  # timed with the machine's load beside the times
        assert "Machine load: " in output and "load average " in output


def test_overhead_prints_issue_16s_columns_and_a_goal_per_op():
    done = run_script("overhead.py", "--tiny", "--torch", "no")
    header = next(line for line in done.stdout.splitlines() if line.startswith("| op "))
    cells = [c.strip() for c in header.strip("|").split("|")]
    assert cells[:5] == ["op", "NumPy fwd + hand bwd", "tinygrad_edu", "PyTorch eager", "ours / PyTorch"]
    rows = table_rows(done.stdout)
    for op in SCRIPTS["overhead.py"]:
        assert rows[op][0][1].endswith(" us") and rows[op][0][2].endswith(" us")
        assert rows[op][0][3] == "not used (--torch no)" and rows[op][0][4] == "-"  # no PyTorch, no ratio
        assert f"- {op}, tinygrad_edu, <= 0.5x PyTorch eager's time: n/a (not used (--torch no))" in done.stdout


def test_tinygrad_edu_bench_prints_the_three_comparisons_and_exits_0(capsys):
    assert bench.main(["--tiny"]) == 0  # PyTorch too when it is installed
    output = capsys.readouterr().out
    assert output.count("## ") == 3
    # issue 16's per-op table, with a PyTorch column (numbers, or "not installed") and a goal per op
    header = next(line for line in output.splitlines() if line.startswith("| op "))
    assert [c.strip() for c in header.strip("|").split("|")][2:5] == ["tinygrad_edu", "PyTorch eager", "ours / PyTorch"]
    for op in SCRIPTS["overhead.py"]:
        assert table_rows(output)[op][0][1].endswith(" us")
        assert f"- {op}, tinygrad_edu, <= 0.5x PyTorch eager's time: " in output
    rows = table_rows(output)
    for name in (BASELINE, TENSORS, MODULES, COMPILED, GEMMS):
        assert all(cells[1] != "-" for cells in rows[name])
    assert len(rows[COMPILED]) == 2  # XOR and MLP
    assert len(rows[PYTORCH]) == 2  # one per comparison: numbers, or "not installed"
    assert "XOR step, tinygrad_edu, compiled, <= 1.20x hand-written NumPy" in output
    assert "MLP step, tinygrad_edu, compiled, no slower than eager (nn + optim)" in output
    # tg.compile's one-time cost and its pay-off, once per comparison; the GEMMs counted in the trace
    assert output.count("tg.compile's trace: the first step took ") == 2
    assert output.count("steps against eager nn + optim") + output.count("it never pays off here") == 2
    assert "trace of the nn + optim step does 8 matrix products" in output
    if importlib.util.find_spec("threadpoolctl") is not None:  # the bench extra (make test-all installs it)
        assert "threads:      --threads 1, applied with threadpoolctl" in output
    else:  # plain `make test`: the header says how the limit was applied, or that it could not be
        assert (
            "threads:      --threads 1, applied with OPENBLAS_NUM_THREADS" in output or "could NOT be applied" in output
        )


def test_compare_commits_times_two_versions_side_by_side_and_checks_they_agree():
    # HEAD against this checkout: the same library on both sides (or HEAD's and the working tree's)
    done = run_script("compare_commits.py", "HEAD", "--tiny")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "## Before: HEAD (" in done.stdout and "load:" in done.stdout
    rows = table_rows(done.stdout)
    for name in (
        "mul (per op)",
        "reshape (16,) then (4, 4) (per op)",
        "y * 1.0001, y + 0.0001 (per op)",
        "XOR step, nn + optim",
        "MLP step, tensors + manual SGD",
    ):
        workload, before, after, ratio, check = rows[name][0]
        assert before.endswith((" us", " ms")) and after.endswith((" us", " ms")), rows[name]
        assert float(ratio) > 0 and check.startswith("same result"), rows[name]


class TwoStepsAtOnce(bench.XorNumpy):
    """A wrong implementation: it trains twice per step, so its losses leave NumPy's from step 1."""

    def step(self) -> None:
        super().step()
        super().step()


class Broken(bench.Trainer):
    def step(self) -> None:
        raise RuntimeError("shapes do not align")


def test_a_row_that_diverges_or_raises_is_named_and_not_timed():
    w = bench.xor_weights()
    implementations = (
        {BASELINE: lambda: bench.XorNumpy(w), "twice per step": lambda: TwoStepsAtOnce(w), "broken": Broken},
        {"absent": "not installed"},
    )
    result = bench.run_comparison("XOR", implementations, repeat=2, block=2, check_steps=3)
    assert len(result.failures) == 2
    assert result.failures[0].startswith("twice per step: loss after step 1 is")
    assert result.failures[1] == "broken: raised RuntimeError: shapes do not align"
    assert result.row("twice per step").note == "DIVERGED" and not result.row("twice per step").times
    assert not result.row("broken").times and not result.row("absent").times
    assert len(result.row(BASELINE).times) == 2
    assert "RESULT CHECK FAILED" in result.render()


@pytest.mark.parametrize(
    "torch_mode, pytorch_row",
    [
        ("no", "not used (--torch no)"),  # PyTorch is left out on request...
        ("auto", "not installed"),  # ...or because it is not there (torch is None)
        ("auto", "runs"),  # or it runs: a stand-in with torch's three names builds the row
    ],
)
def test_implementation_rows_put_numpy_first_and_give_each_library_its_own_row(torch_mode, pytorch_row):
    stand_in = SimpleNamespace(nn="torch.nn", optim="torch.optim", from_numpy=np.asarray)
    torch = stand_in if pytorch_row == "runs" else None
    factories, unavailable = bench.implementation_rows(
        lambda: "by hand",
        lambda: "tensors",
        lambda library: library,  # modules(library) hands back its library
        ["Sequential", "Linear", "SGD"],
        torch,
        torch_mode,
    )
    assert list(factories)[:4] == [BASELINE, TENSORS, MODULES, COMPILED]
    assert factories[BASELINE]() == "by hand" and factories[TENSORS]() == "tensors"
    assert factories[MODULES]()[0] == MODULES  # each row is bound to its own library, not the loop's last
    if pytorch_row == "runs":
        assert factories[PYTORCH]()[:3] == (PYTORCH, "torch.nn", "torch.optim") and not unavailable
    else:
        assert PYTORCH not in factories and unavailable == {PYTORCH: pytorch_row}


def test_the_compiled_row_traces_once_then_replays_and_keeps_numpys_losses():
    w = bench.xor_weights()
    by_hand = bench.XorNumpy(w)
    factories, _ = bench.xor_implementations(torch_mode="no")
    compiled = factories[COMPILED]()
    for _ in range(20):
        by_hand.step()
        compiled.step()
        assert compiled.loss() == pytest.approx(by_hand.loss(), rel=1e-12, abs=0)
    assert compiled.compiled.traces == 1 and compiled.compiled.eager_calls == 0  # 19 replays
    assert "def step(" in compiled.compiled.source


def test_a_compiled_row_that_ran_eagerly_is_a_failed_row_not_an_eager_timing():
    def eager_only() -> bench.CompiledTrainer:
        trainer = bench.xor_implementations(torch_mode="no")[0][COMPILED]()
        trainer.compiled.max_traces = 0  # tg.compile then runs every call eagerly, as after a failed compile
        return trainer

    w = bench.xor_weights()
    implementations = ({BASELINE: lambda: bench.XorNumpy(w), COMPILED: eager_only}, {})
    with pytest.warns(TracingWarning, match="run eagerly"):
        result = bench.run_comparison("XOR", implementations, repeat=2, block=2, check_steps=3)
    assert result.row(COMPILED).note == "RAISED RuntimeError" and not result.row(COMPILED).times
    assert result.failures == [
        f"{COMPILED}: raised RuntimeError: tg.compile ran 1 step(s) eagerly instead of replaying its trace (0 trace(s))"
    ]


# (NumPy, eager nn + optim, compiled) medians in us -> the verdicts: <= 1.05x NumPy, no slower than eager
@pytest.mark.parametrize(
    "numpy_us, eager_us, compiled_us, verdicts",
    [
        (100, 110, 104, [True, True]),  # 1.04x NumPy, faster than eager
        (100, 110, 106, [False, True]),  # 1.06x NumPy: too slow, though faster than eager
        (100, 103, 104, [True, False]),  # within 1.05x, but slower than eager
        (100, None, 104, [True, None]),  # no eager row to compare with: n/a
        (100, 110, None, [None]),  # the compiled row did not run: n/a
    ],
)
def test_compiled_goals_judge_the_compiled_row_against_numpy_and_eager(numpy_us, eager_us, compiled_us, verdicts):
    def row(name, us):
        return bench.Row(name, [us * 1e-6] if us else [], note="" if us else "not available")

    result = bench.Comparison("t", [row(BASELINE, numpy_us), row(MODULES, eager_us), row(COMPILED, compiled_us)])
    goals = bench.compiled_goals(result, 1.05, "MLP step", versus_eager=True)
    assert [g.met for g in goals] == verdicts
    if compiled_us and eager_us:
        assert goals[1].measured == f"{compiled_us / eager_us:.3f}x eager's time"


@pytest.mark.parametrize("failures, status", [([], 0), (["row: loss after step 1 is 0.5"], 1)])
def test_print_comparisons_prints_header_and_tables_and_exits_1_on_a_failed_check(capsys, failures, status):
    result = bench.Comparison(
        "t", [bench.Row(BASELINE, [1e-6])], goals=[bench.Goal("goal", True, "1x")], failures=list(failures)
    )
    assert bench.print_comparisons(1, "no", lambda torch: [result]) == status
    output = capsys.readouterr().out
    assert "machine:" in output and "## t" in output and "- goal: met (1x)" in output
    assert ("RESULT CHECK FAILED:\n- row: loss after step 1 is 0.5" in output) == bool(failures)


@pytest.mark.parametrize(
    "losses, reference, passes",
    [
        ([0.5, 0.25], [0.5, 0.25], True),  # equal
        ([0.5, 0.25 * (1 + 5e-7)], [0.5, 0.25], True),  # within 1e-6 relative
        ([0.5, 0.25 * (1 + 2e-6)], [0.5, 0.25], False),  # outside it
        ([0.5, float("nan")], [0.5, 0.25], False),  # nan never equals
        ([-1e-9, -1e-9], [-1e-9, -1e-9 * (1 + 5e-7)], True),  # relative: small losses are judged fairly
    ],
)
def test_losses_must_equal_numpys_to_1e_6_relative(losses, reference, passes):
    worst, failure = bench.check_losses("row", losses, reference)
    assert (failure is None) == passes
    if passes:
        assert worst <= 1e-6
    else:
        assert failure.startswith("row: loss after step 2 is")


def test_time_steps_runs_warmup_and_repeat_blocks_of_each_function_in_turn():
    calls = []
    steps = {"a": lambda: calls.append("a"), "b": lambda: calls.append("b")}
    times = bench.time_steps(steps, repeat=3, block=2, warmup=1)
    assert calls == (["a", "a", "b", "b"] * 4)  # round robin: 1 warmup + 3 timed blocks
    for timing in times.values():  # CPU time and wall time of each of the 3 timed blocks
        assert len(timing.cpu) == len(timing.wall) == 3 and all(t >= 0 for t in timing.cpu + timing.wall)


def test_cpu_time_leaves_out_sleeping_and_wall_time_counts_it():
    times = bench.time_steps({"sleep": lambda: time.sleep(0.02)}, repeat=2, block=1, warmup=0)["sleep"]
    assert min(times.wall) >= 0.02 and max(times.cpu) < 0.01  # a process waiting is not running


# (CPU median, wall median, load average, CPU pressure) -> the reasons to call the run too noisy to judge
@pytest.mark.parametrize(
    "cpu, wall, load1, pressure, reasons",
    [
        (1.0, 1.05, 0.5, 3.0, []),  # quiet: wall within 1.15x of CPU, load below the cores, little pressure
        (1.0, 1.30, 0.5, None, ["1 of 1 rows waited for a CPU (wall time up to 1.30x CPU time)"]),
        (1.0, 1.0, 2.5, None, ["load average 2.50 > 2 usable cores"]),
        (1.0, 1.0, 1.0, 40.0, ["CPU pressure 40.0% > 25%"]),  # /proc/pressure/cpu, where Linux has it
    ],
)
def test_a_run_on_a_busy_machine_is_called_too_noisy_to_judge(cpu, wall, load1, pressure, reasons):
    load = {"load1": load1, "usable_cores": 2}
    if pressure is not None:
        load["cpu_pressure"] = pressure
    assert bench.noise_reasons([bench.Row("a", [cpu], wall=[wall])], [load]) == reasons
    result = bench.Comparison("t", [bench.Row(BASELINE, [cpu], wall=[wall])], noisy=reasons)
    assert ("TOO NOISY TO JUDGE: " in result.render()) == bool(reasons)


def test_machine_load_reads_the_load_average_and_the_usable_cores():
    load = bench.machine_load()
    assert load["load1"] >= 0 and load["usable_cores"] >= 1
    assert ("cpu_pressure" in load) == Path("/proc/pressure/cpu").exists()


# (eager, compiled, first step) in us -> the steps after which compiling pays off, or why it never does
@pytest.mark.parametrize(
    "eager, compiled, first, says",
    [
        (30, 10, 2000, "pays for itself after 100 steps"),  # (2000 - 10) / (30 - 10) = 99.5
        (30, 10, 30, "pays for itself after 1 steps"),
        (10, 10, 2000, "it never pays off here"),  # replaying saves nothing
        (None, 10, 2000, "no eager row to say when it pays off"),
    ],
)
def test_trace_cost_says_after_how_many_steps_compiling_pays_off(eager, compiled, first, says):
    rows = [bench.Row(MODULES, [eager * 1e-6] if eager else []), bench.Row(COMPILED, [compiled * 1e-6])]
    assert says in bench.trace_cost(bench.Comparison("t", rows), first * 1e-6)


def test_the_gemm_floor_is_timed_in_the_same_rounds_as_the_steps():
    calls = []
    w = bench.xor_weights()

    class Logged(bench.XorNumpy):
        def step(self) -> None:
            calls.append("step")
            super().step()

    implementations = ({BASELINE: lambda: Logged(w)}, {})
    result = bench.run_comparison("t", implementations, 2, 1, 1, warmup=0, alone={"floor": lambda: calls.append("f")})
    assert calls == ["step", "step", "f", "step", "f"]  # 1 checked step, then 2 rounds: the step, then the floor
    assert len(result.row("floor").times) == 2


def test_traced_gemms_counts_the_matrix_products_of_a_compiled_step():
    factories, _ = bench.mlp_implementations(bench.mlp_data(4, (6, 5, 4, 3)), torch_mode="no")
    trainer = factories[COMPILED]()
    trainer.step()
    assert bench.traced_gemms(trainer.compiled.source) == 8  # 3 forward, 2 input gradients, 3 weight gradients


def test_mlp_flops_count_the_eight_gemms_of_the_step():
    # (m, k, n) of each product, read off MlpNumpy.step: 2 m k n floating-point operations each.
    b = 128
    gemms = [
        (b, 784, 256),
        (b, 256, 256),
        (b, 256, 10),  # forward
        (b, 10, 256),
        (b, 256, 256),  # d_h2 = d_logits W3^T, d_h1 = d_z2 W2^T
        (784, b, 256),
        (256, b, 256),
        (256, b, 10),
    ]  # x^T d_z1, h1^T d_z2, h2^T d_logits
    assert bench.mlp_flops(b, (784, 256, 256, 10)) == sum(2 * m * k * n for m, k, n in gemms)


@pytest.mark.parametrize(
    "argv, threads",
    [
        ([], "1"),
        (["--threads", "2"], "2"),
        (["--repeat", "3", "--threads=4"], "4"),
        (["--threads"], "1"),
    ],
)
def test_threads_are_read_from_argv_before_numpy_loads(argv, threads):
    sys.path.insert(0, str(BENCHMARKS))
    try:
        import _harness
    finally:
        sys.path.remove(str(BENCHMARKS))
    assert _harness.threads_from_argv(argv) == threads


def test_table_shows_ratio_to_numpy_and_a_dash_for_a_row_without_numbers():
    result = bench.Comparison(
        "t", [bench.Row(BASELINE, [2e-6, 1e-6, 3e-6]), bench.Row("x", [4e-6]), bench.Row("y", note="not installed")]
    )
    rows = table_rows(result.table())
    assert rows[BASELINE][0][1:6] == ["2.00 us", "1.00 us", "3.00 us", "2.00 us", "1.00x"]  # wall: CPU's when absent
    assert rows["x"][0][5] == "2.00x"
    assert rows["y"][0][1:] == ["-", "-", "-", "-", "-", "not installed"]
    assert np.isclose(result.ratio("x"), 2.0)


def test_profile_steps_reports_microseconds_per_step_by_function():
    done = run_script("profile_steps.py", "xor", "--steps", "5", "--top", "3")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "us per step without the profiler" in done.stdout
    assert "autograd/__init__.py" in done.stdout  # the engine's own functions are among the costs listed


def test_profile_steps_phases_times_each_phase_of_an_nn_optim_step_inside_whole_steps():
    done = run_script("profile_steps.py", "xor-modules", "--phases", "--steps", "50")
    assert done.returncode == 0, done.stdout + done.stderr
    rows = {name: float(cells[0][1]) for name, cells in table_rows(done.stdout).items() if name != "phase"}
    phases = ["optimizer.zero_grad()", "model(x)", "loss_fn(out, y)", "loss.backward()", "optimizer.step()"]
    assert list(rows) == [*phases, "whole step (median of the sums)"]
    assert all(rows[p] > 0 for p in phases)
    refused = run_script("profile_steps.py", "xor", "--phases")
    assert refused.returncode != 0 and "use xor-modules or mlp-modules" in refused.stderr


def test_profile_steps_layouts_times_the_8_gemms_of_an_mlp_step_in_both_weight_layouts():
    done = run_script("profile_steps.py", "mlp", "--layouts", "--steps", "2")
    assert done.returncode == 0, done.stdout + done.stderr
    rows = {name: float(cells[0][1]) for name, cells in table_rows(done.stdout).items() if name != "GEMM"}
    # 3 forward, 2 input gradients (layer 1's input needs none), 3 weight gradients: 8, each in both layouts
    for layout in ("W (in, out)", "W (out, in)"):
        assert sum(layout in name for name in rows) == 8
        assert f"all 8 with {layout}: " in done.stdout
    assert all(us > 0 for us in rows.values())
    refused = run_script("profile_steps.py", "xor", "--layouts")
    assert refused.returncode != 0 and "use mlp or mlp-modules" in refused.stderr
