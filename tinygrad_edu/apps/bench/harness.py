"""The benchmark harness: result tables, goals, timing, result checks, trainers and `run_comparison`.

A comparison trains the same network in several implementations (rows), checks every row's losses
against hand-written NumPy's before timing anything, times the rows in turns, and renders a table
with the goals beside it. The workloads (xor.py, mlp.py) only supply the rows.

On a shared machine a wall-clock time also counts the time other processes held the CPU, so every
row is timed twice: process CPU time (what the ratios and goals use) and wall time (shown beside it).
The machine's load is read before and after each comparison, and a run whose wall time ran well past
its CPU time, or that ran on an overloaded machine, says it is too noisy to judge.
"""

from __future__ import annotations

import functools
import importlib
import importlib.util
import math
import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

import tinygrad_edu as tg

from .environment import benchmark_settings, describe_environment, describe_load, load_torch, machine_load

__all__ = [
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
]

RTOL = 1e-6  # every implementation's loss must equal hand-written NumPy's to this relative tolerance

# Row names, the same in every table.
BASELINE = "NumPy, by hand"
TENSORS = "tinygrad_edu, tensors + manual SGD"
MODULES = "tinygrad_edu, nn + optim"
COMPILED = "tinygrad_edu, compiled"  # the nn + optim step, through tg.compile
PYTORCH = "PyTorch eager, nn + optim"


@dataclass
class Row:
    """One line of a table: an implementation's seconds per step over repeats, or a note why none."""

    name: str
    times: list[float] = field(default_factory=list)  # process CPU seconds per step, one per repeat
    note: str = ""  # e.g. "not installed", or the loss check: "loss = NumPy's (max rel diff 3e-16)"
    wall: list[float] = field(default_factory=list)  # wall-clock seconds per step, the same repeats

    @property
    def median(self) -> float:
        """The median of the timed CPU seconds per step."""
        return statistics.median(self.times)

    @property
    def wall_median(self) -> float:
        """The median of the wall-clock seconds per step (the CPU median when wall times were not kept)."""
        return statistics.median(self.wall) if self.wall else self.median


@dataclass
class Goal:
    """A target from an issue (5, 7 or 16), as met / not met / n/a with the measured value beside it."""

    text: str
    met: bool | None  # None: could not be measured in this run (e.g. PyTorch not installed)
    measured: str

    def render(self) -> str:
        """The goal as one Markdown list item: '- XOR step <= 2.50x NumPy: met (2.03x)'."""
        verdict = {True: "met", False: "NOT MET", None: "n/a"}[self.met]
        return f"- {self.text}: {verdict} ({self.measured})"


def format_time(seconds: float) -> str:
    """A duration with a unit a person reads at a glance: 21.6 us, 1.73 ms, 0.84 s."""
    if seconds < 1e-3:
        return f"{seconds * 1e6:.2f} us" if seconds < 1e-5 else f"{seconds * 1e6:.1f} us"
    if seconds < 1.0:
        return f"{seconds * 1e3:.3g} ms"
    return f"{seconds:.3g} s"


def markdown_table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """A Markdown table with aligned columns, readable in a terminal and pasteable into README.md."""
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    line = lambda cells: "| " + " | ".join(str(c).ljust(w) for c, w in zip(cells, widths, strict=True)) + " |"  # noqa: E731
    return "\n".join([line(header), line(["-" * w for w in widths]), *(line(r) for r in rows)])


def verdict_lines(goals: Sequence[Goal], failures: Sequence[str]) -> list[str]:
    """The lines that end every benchmark's report: its goals, then any failed result check, each under a heading.

    Example:
        >>> verdict_lines([Goal("XOR step <= 2.50x NumPy", True, "2.03x")], [])
        ['', 'Goals:', '- XOR step <= 2.50x NumPy: met (2.03x)']
    """
    lines = ["", "Goals:", *(g.render() for g in goals)] if goals else []
    if failures:
        lines += ["", "RESULT CHECK FAILED:", *(f"- {f}" for f in failures)]
    return lines


@dataclass
class Comparison:
    """One benchmark's result: the rows, the goals, and any failed result check."""

    title: str
    rows: list[Row]
    goals: list[Goal] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)  # a row that diverged or raised: exit non-zero
    notes: list[str] = field(default_factory=list)
    unit: str = "per step"
    load: list[str] = field(default_factory=list)  # the machine's load before and after timing (machine_load)
    noisy: list[str] = field(default_factory=list)  # why this run is too noisy to judge (noise_reasons)

    def row(self, name: str) -> Row:
        """The row of the implementation called `name`."""
        return next(r for r in self.rows if r.name == name)

    def ratio(self, name: str, baseline: str = BASELINE) -> float:
        """The row's median over the baseline's median."""
        return self.row(name).median / self.row(baseline).median

    def table(self, baseline: str = BASELINE) -> str:
        """The rows as a Markdown table: median, min and max CPU times, the median wall time, and each CPU
        median's ratio to the baseline's."""
        base = self.row(baseline)
        body = []
        for r in self.rows:
            if r.times:
                ratio = f"{r.median / base.median:.2f}x" if base.times else "-"
                low, high = format_time(min(r.times)), format_time(max(r.times))
                body.append([r.name, format_time(r.median), low, high, format_time(r.wall_median), ratio, r.note])
            else:
                body.append([r.name, "-", "-", "-", "-", "-", r.note])
        header = ["implementation", f"median CPU {self.unit}", "min", "max", "median wall", "x NumPy", "result check"]
        return markdown_table(header, body)

    def render(self) -> str:
        """The whole report: title, table, notes, the machine's load, goals and any failed result check."""
        parts = [f"## {self.title}", "", self.table()]
        parts += [""] + self.notes if self.notes else []
        parts += [f"Machine load: {'; '.join(self.load)}"] if self.load else []
        if self.noisy:
            parts.append(f"TOO NOISY TO JUDGE: {'; '.join(self.noisy)}. Rerun on a quieter machine.")
        return "\n".join(parts + verdict_lines(self.goals, self.failures))


@dataclass
class Timing:
    """One function's seconds per call over the timed blocks: process CPU time and wall-clock time."""

    cpu: list[float] = field(default_factory=list)
    wall: list[float] = field(default_factory=list)


def time_steps(steps: dict[str, Callable[[], Any]], repeat: int, block: int, warmup: int = 2) -> dict[str, Timing]:
    """Seconds per call of each function: `repeat` timed blocks of `block` calls, after `warmup` blocks.

    The implementations take turns block by block (round robin), so a burst of load from another
    process slows them all alike rather than one of them. Each block's time is divided by `block`.
    Each block is timed in process CPU time (time.process_time: what this process ran, not the time
    other processes held the CPU) and in wall time (time.perf_counter).
    """
    times = {name: Timing() for name in steps}
    for r in range(warmup + repeat):
        for name, step in steps.items():
            cpu, wall = time.process_time(), time.perf_counter()
            for _ in range(block):
                step()
            wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
            if r >= warmup:
                times[name].cpu.append(cpu / block)
                times[name].wall.append(wall / block)
    return times


# A run is too noisy to judge when the machine was busier than this. Wall over CPU time is the direct
# measure: 1.15 means the benchmark waited for the CPU for 15% of its time, so its caches and its turn
# on the core were shared with other work, which CPU time does not fully remove either.
NOISY_WALL_OVER_CPU = 1.15
NOISY_PRESSURE = 25.0  # % of the last 10 s in which some task waited for a CPU


def noise_reasons(rows: Sequence[Row], loads: Sequence[dict[str, float]]) -> list[str]:
    """Why a run is too noisy to judge ([] when it is not): waited-for CPU, load above the cores, CPU pressure.

    Example:
        >>> rows = [Row("a", [1.0], wall=[1.5]), Row("b", [1.0], wall=[1.0])]
        >>> noise_reasons(rows, [{"load1": 3.0, "usable_cores": 2}])
        ['1 of 2 rows waited for a CPU (wall time up to 1.50x CPU time)', 'load average 3.00 > 2 usable cores']
    """
    reasons = []
    timed = [r for r in rows if r.times and r.wall]
    waited = [r.wall_median / r.median for r in timed if r.wall_median > NOISY_WALL_OVER_CPU * r.median]
    if waited:
        reasons.append(
            f"{len(waited)} of {len(timed)} rows waited for a CPU (wall time up to {max(waited):.2f}x CPU time)"
        )
    load1 = max(load["load1"] for load in loads) if loads else 0.0
    if loads and load1 > loads[0]["usable_cores"]:
        reasons.append(f"load average {load1:.2f} > {loads[0]['usable_cores']:.0f} usable cores")
    pressure = max((load.get("cpu_pressure", 0.0) for load in loads), default=0.0)
    if pressure > NOISY_PRESSURE:
        reasons.append(f"CPU pressure {pressure:.1f}% > {NOISY_PRESSURE:g}%")
    return reasons


def timed_rows(
    comparison: Comparison, steps: dict[str, Callable[[], Any]], repeat: int, block: int, warmup: int = 2
) -> None:
    """Time `steps` round robin (time_steps) into the comparison's rows of those names, with the machine's
    load before and after, and the reasons, if any, that make the run too noisy to judge."""
    before = machine_load()
    times = time_steps(steps, repeat, block, warmup)
    after = machine_load()
    for name, timing in times.items():
        row = comparison.row(name)
        row.times, row.wall = timing.cpu, timing.wall
    comparison.load = [f"before {describe_load(before)}", f"after {describe_load(after)}"]
    comparison.noisy = noise_reasons([comparison.row(name) for name in steps], [before, after])


def check_losses(
    name: str, losses: Sequence[float], reference: Sequence[float], rtol: float = RTOL
) -> tuple[float, str | None]:
    """Compare a row's losses, step by step, with the baseline's: (largest relative difference, failure or None)."""
    worst = 0.0
    for i, (got, want) in enumerate(zip(losses, reference, strict=True)):
        diff = abs(got - want) / max(abs(want), 1e-300)
        if not diff <= rtol:  # also catches nan
            return diff, (
                f"{name}: loss after step {i + 1} is {got!r}, hand-written NumPy's is {want!r} "
                f"(relative difference {diff:.3g} > {rtol:g})"
            )
        worst = max(worst, diff)
    return worst, None


def relative(diff: float) -> str:
    """A relative difference for a table: '0' when exact, else one digit: '2e-16'."""
    return "0" if diff == 0 else f"{diff:.0e}"


class Trainer:
    """One implementation of a training step: `step()` trains once; `loss()` is the loss of the last step."""

    last: Any = None  # the loss the last step computed (an ndarray scalar or a tensor)

    def step(self) -> None:
        """One training step: forward, loss, backward and update; keeps the loss in `self.last`."""
        raise NotImplementedError

    def loss(self) -> float:
        """The last step's loss as a Python float."""
        return float(self.last.item())  # a tensor's or a NumPy scalar's value; outside the timed steps


class ModuleTrainer(Trainer):
    """A step written the PyTorch way: zero_grad, loss_fn(model(x), y), backward, optimizer.step.

    The same code trains a tinygrad_edu model (nn + optim) and a PyTorch one (torch.nn + torch.optim).
    """

    def __init__(self, model: Any, loss_fn: Any, optimizer: Any, x: Any, y: Any) -> None:
        self.model, self.loss_fn, self.optimizer, self.x, self.y = model, loss_fn, optimizer, x, y

    def step(self) -> None:
        self.optimizer.zero_grad()
        loss = self.loss_fn(self.model(self.x), self.y)
        loss.backward()
        self.optimizer.step()
        self.last = loss


class CompiledTrainer(Trainer):
    """A ModuleTrainer's step compiled with tg.compile: traced at the first step, replayed as NumPy after.

    It trains the ModuleTrainer's own model, optimizer and data, so it starts from the same weights
    as every other row. `loss()`, called outside the timed steps, raises if tg.compile ran a step
    eagerly instead of replaying it: the row would otherwise time eager mode under the compiled name.

    Example:
        >>> from tinygrad_edu.apps.bench import xor_implementations
        >>> factories, _ = xor_implementations(torch_mode="no")
        >>> trainer = factories[COMPILED]()     # CompiledTrainer(xor_modules(...)) for tinygrad_edu
        >>> trainer.step()                      # traces (and trains once)
        >>> trainer.step()                      # replays the generated NumPy function
        >>> print(trainer.compiled.source)      # forward, backward and update as NumPy, one line per op
        # Compiled by tg.compile from ...
    """

    def __init__(self, eager: ModuleTrainer) -> None:
        model, loss_fn, optimizer = eager.model, eager.loss_fn, eager.optimizer

        def train_step(x: tg.Tensor, y: tg.Tensor) -> tg.Tensor:  # ModuleTrainer.step, as a function of the data
            optimizer.zero_grad()
            loss = loss_fn(model(x), y)
            loss.backward()
            optimizer.step()
            return loss

        self.x, self.y = eager.x, eager.y
        self.compiled = tg.compile(train_step)

    def step(self) -> None:
        self.last = self.compiled(self.x, self.y)

    def loss(self) -> float:
        if self.compiled.eager_calls:
            raise RuntimeError(
                f"tg.compile ran {self.compiled.eager_calls} step(s) eagerly instead of replaying "
                f"its trace ({self.compiled.traces} trace(s))"
            )
        return super().loss()


# A comparison's rows: (row name -> function building a fresh trainer, baseline first; row name -> why it cannot run).
Implementations = tuple[dict[str, Callable[[], Trainer]], dict[str, str]]


def _nn_and_optim(names: Sequence[str]) -> tuple[Any, Any, str]:
    """(tinygrad_edu.nn, tinygrad_edu.optim, '') when both exist with `names`, else (None, None, why not)."""
    found = []
    for module in ("tinygrad_edu.nn", "tinygrad_edu.optim"):
        if importlib.util.find_spec(module) is None:
            return None, None, f"not available: {module} does not exist"
        found.append(importlib.import_module(module))
    nn, optim = found
    missing = [n for n in names if not hasattr(nn, n) and not hasattr(optim, n)]
    if missing:
        return None, None, f"not available: tinygrad_edu.nn/optim lack {', '.join(missing)}"
    return nn, optim, ""


def load_linear(layer: Any, weight: np.ndarray, bias: np.ndarray, to_data: Callable[[np.ndarray], Any]) -> None:
    """Give a linear layer our (out, in) weight and (out,) bias, as copies that keep their dtype.

    Replacing `.data` rather than copying into it keeps float64: the XOR comparison runs in float64,
    as the tutorial does, while layers are built in float32 in both libraries. `to_data` makes what
    `.data` holds from an ndarray: the ndarray itself for tinygrad_edu, a torch.Tensor for PyTorch.
    """
    for param, value in ((layer.weight, weight), (layer.bias, bias)):
        if tuple(param.shape) != value.shape:
            raise ValueError(f"parameter of shape {tuple(param.shape)} cannot take a value of shape {value.shape}")
        param.data = to_data(np.array(value, copy=True))


# One library's nn + optim row: (row name, nn, optim, ndarray -> input tensor, ndarray -> a parameter's .data).
Library = tuple[str, Any, Any, Callable[[np.ndarray], Any], Callable[[np.ndarray], Any]]


def implementation_rows(
    by_hand: Callable[[], Trainer],
    tensors: Callable[[], Trainer],
    modules: Callable[[Library], ModuleTrainer],
    nn_names: Sequence[str],
    torch: Any = None,
    torch_mode: str = "auto",
) -> Implementations:
    """A workload's rows: NumPy by hand (the baseline, first), raw tensors, nn + optim, compiled, PyTorch.

    `modules(library)` builds the nn + optim trainer in tinygrad_edu or in PyTorch from that library's
    `Library` tuple; the compiled row is tinygrad_edu's nn + optim trainer with its step through
    tg.compile (CompiledTrainer). Each of these rows is left out, with the reason, where
    tinygrad_edu.nn/optim lack one of `nn_names` or PyTorch is not installed (or not wanted).

    Example:
        >>> from tinygrad_edu.apps.bench import XorNumpy, XorTensors, xor_modules, xor_weights
        >>> w = xor_weights()
        >>> factories, unavailable = implementation_rows(
        ...     lambda: XorNumpy(w), lambda: XorTensors(w), lambda library: xor_modules(w, library),
        ...     ["Sequential", "Linear", "Sigmoid", "BCELoss", "SGD"], torch=None, torch_mode="no")
        >>> list(factories)
        ['NumPy, by hand', 'tinygrad_edu, tensors + manual SGD', 'tinygrad_edu, nn + optim', 'tinygrad_edu, compiled']
        >>> unavailable
        {'PyTorch eager, nn + optim': 'not used (--torch no)'}
    """
    factories: dict[str, Callable[[], Trainer]] = {BASELINE: by_hand, TENSORS: tensors}
    unavailable: dict[str, str] = {}
    libraries: list[Library] = []
    nn, optim, why = _nn_and_optim(nn_names)
    if nn is None:
        unavailable[MODULES] = unavailable[COMPILED] = why
    else:
        libraries.append((MODULES, nn, optim, tg.from_numpy, np.asarray))
    if torch is None:
        unavailable[PYTORCH] = "not installed" if torch_mode == "auto" else "not used (--torch no)"
    else:
        libraries.append((PYTORCH, torch.nn, torch.optim, torch.from_numpy, torch.from_numpy))
    for library in libraries:
        factories[library[0]] = functools.partial(modules, library)  # binds this library, not the loop's last
        if library[0] == MODULES:  # the same trainer, its step compiled
            factories[COMPILED] = functools.partial(_compiled, modules, library)
    return factories, unavailable


def run_comparison(
    title: str,
    implementations: Implementations,
    repeat: int,
    block: int,
    check_steps: int,
    warmup: int = 2,
    final_rtol: float = RTOL,
    alone: dict[str, Callable[[], Any]] | None = None,
) -> Comparison:
    """Check every implementation's losses against the baseline's, time them all round robin, check again.

    `implementations` is (row name -> function building a fresh trainer, baseline first;
    row name -> why that row has no numbers). Before timing, the losses of the first `check_steps`
    steps must equal NumPy's to 1e-6 relative. Every trainer then takes the same number of timed
    steps, so their last losses are compared too, to `final_rtol`: float32 rounding, which differs
    with the order of a sum, makes trajectories drift apart slowly over hundreds of steps.
    `alone` (row name -> function) adds rows timed in the same rounds as the trainers, e.g. a floor
    that bounds them: timed after them instead, it would see another machine load than they did.
    The compiled row's first step (the trace) is timed too, and a note says when it pays off.
    """
    factories, unavailable = implementations
    rows = {name: Row(name) for name in [*factories, *unavailable]}
    for name, why in unavailable.items():
        rows[name].note = why
    comparison = Comparison(title, list(rows.values()))
    trainers: dict[str, Trainer] = {}
    reference: list[float] = []
    first_step: dict[str, float] = {}  # CPU seconds of each trainer's first step (the compiled row's trace)
    for name, make in factories.items():
        try:
            trainer = make()
            losses = []
            for i in range(check_steps):
                start = time.process_time()
                trainer.step()
                if i == 0:
                    first_step[name] = time.process_time() - start
                losses.append(trainer.loss())
        except Exception as error:  # a broken implementation is a failed row, not a crashed benchmark
            rows[name].note = f"RAISED {type(error).__name__}"
            comparison.failures.append(f"{name}: raised {type(error).__name__}: {error}")
            continue
        if name == BASELINE:
            reference = losses
            rows[name].note = f"baseline ({check_steps} steps checked)"
        else:
            worst, failure = check_losses(name, losses, reference)
            rows[name].note = f"= NumPy's to {relative(worst)} ({check_steps} steps)"
            if failure:
                rows[name].note = "DIVERGED"
                comparison.failures.append(failure)
                continue
        trainers[name] = trainer
    steps: dict[str, Callable[[], Any]] = {name: t.step for name, t in trainers.items()}
    for name, fn in (alone or {}).items():
        comparison.rows.append(Row(name))
        steps[name] = fn
    timed_rows(comparison, steps, repeat, block, warmup)
    if COMPILED in first_step and comparison.row(COMPILED).times:
        comparison.notes.append(trace_cost(comparison, first_step[COMPILED]))
    if BASELINE in trainers:
        taken = check_steps + (warmup + repeat) * block
        final = trainers[BASELINE].loss()
        for name, trainer in trainers.items():
            if name == BASELINE:
                continue
            worst, failure = check_losses(name, [trainer.loss()], [final], final_rtol)
            rows[name].note += f", {relative(worst)} after {taken:,}"
            if failure:
                rows[name].note = "DIVERGED while timed"
                comparison.failures.append(failure.replace("step 1", f"step {taken:,}"))
    return comparison


def trace_cost(comparison: Comparison, first: float) -> str:
    """tg.compile's one-time cost, in words: the first (traced) step's CPU time, its excess over a replayed
    step, and the number of steps after which compiling has paid that back against eager nn + optim.

    Example:
        >>> result = Comparison("t", [Row(MODULES, [30e-6]), Row(COMPILED, [10e-6])])
        >>> for part in trace_cost(result, 2e-3).split("; "):
        ...     print(part)
        tg.compile's trace: the first step took 2 ms CPU (200x a replayed step)
        it pays for itself after 100 steps against eager nn + optim (saving 20.0 us a step).
    """
    compiled = comparison.row(COMPILED).median
    text = f"tg.compile's trace: the first step took {format_time(first)} CPU ({first / compiled:.0f}x a replayed step)"
    modules = comparison.row(MODULES) if any(r.name == MODULES for r in comparison.rows) else None
    if modules is None or not modules.times:
        return text + "; no eager row to say when it pays off."
    saved = modules.median - compiled
    if saved <= 0:
        return text + "; it never pays off here: a replayed step is no faster than an eager one."
    steps = math.ceil((first - compiled) / saved)
    return (
        text
        + f"; it pays for itself after {steps:,} steps against eager nn + optim (saving {format_time(saved)} a step)."
    )


def speed_goals(comparison: Comparison, limit: float, what: str, versus_pytorch: bool = False) -> list[Goal]:
    """Speed goals (issue 5's; issue 16 tightens the limits): at most `limit` x hand-written NumPy's time and, if
    asked, faster than PyTorch.

    The goal is judged on the nn + optim row (what users write) when it ran, else on raw tensors.
    """
    ran = [name for name in (MODULES, TENSORS) if comparison.row(name).times]
    if not ran or not comparison.row(BASELINE).times:
        return [Goal(f"{what} <= {limit:.2f}x hand-written NumPy", None, "no tinygrad_edu row ran")]
    name = ran[0]
    ratio = comparison.ratio(name)
    goals = [Goal(f"{what}, {name}, <= {limit:.2f}x hand-written NumPy", ratio <= limit, f"{ratio:.3f}x")]
    if versus_pytorch:
        if comparison.row(PYTORCH).times:
            vs = comparison.row(name).median / comparison.row(PYTORCH).median
            goals.append(Goal(f"{what}, {name}, faster than PyTorch eager", vs < 1.0, f"{vs:.2f}x PyTorch's time"))
        else:
            goals.append(Goal(f"{what} faster than PyTorch eager", None, comparison.row(PYTORCH).note))
    return goals


def compiled_goals(comparison: Comparison, limit: float, what: str, versus_eager: bool = False) -> list[Goal]:
    """Issue 7's speed goals for the compiled row: at most `limit` x NumPy's time and, if asked, no slower than eager.

    Eager is the nn + optim row: the same step, not compiled.

    Example:
        >>> result = Comparison("t", [Row(BASELINE, [2e-6]), Row(MODULES, [3e-6]), Row(COMPILED, [2.2e-6])])
        >>> for goal in compiled_goals(result, 1.2, "XOR step", versus_eager=True):
        ...     print(goal.render())
        - XOR step, tinygrad_edu, compiled, <= 1.20x hand-written NumPy: met (1.100x)
        - XOR step, tinygrad_edu, compiled, no slower than eager (nn + optim): met (0.733x eager's time)
    """
    text = f"{what}, {COMPILED}, <= {limit:.2f}x hand-written NumPy"
    compiled, baseline = comparison.row(COMPILED), comparison.row(BASELINE)
    if not compiled.times or not baseline.times:
        return [Goal(text, None, compiled.note or "the compiled row did not run")]
    ratio = comparison.ratio(COMPILED)
    goals = [Goal(text, ratio <= limit, f"{ratio:.3f}x")]
    if versus_eager:
        text = f"{what}, {COMPILED}, no slower than eager (nn + optim)"
        if comparison.row(MODULES).times:
            vs = comparison.ratio(COMPILED, MODULES)
            goals.append(Goal(text, vs <= 1.0, f"{vs:.3f}x eager's time"))
        else:
            goals.append(Goal(text, None, comparison.row(MODULES).note))
    return goals


def _compiled(modules: Callable[[Library], ModuleTrainer], library: Library) -> Trainer:
    """The nn + optim trainer of `library`, its step through tg.compile."""
    return CompiledTrainer(modules(library))


def print_comparisons(threads: int, torch_mode: str, run: Callable[[Any], Sequence[Comparison]]) -> int:
    """Print the machine's header, run `run(torch)` under `benchmark_settings`, print each table; 1 if a check failed.

    `torch` is PyTorch or None, as `--torch` (`torch_mode`) and the installation allow. This is the
    whole of a benchmark's main once its options are read.

    Example:
        >>> from tinygrad_edu.apps.bench.xor import xor_comparison
        >>> print_comparisons(1, "no", lambda torch: [xor_comparison(3, 3, 3, torch, "no")])
        date: ...
        0
    """
    torch = load_torch(torch_mode)
    with benchmark_settings(threads, torch):
        print(describe_environment(threads, torch, torch_mode))
        results = run(torch)
    for result in results:
        print()
        print(result.render())
    return 1 if any(r.failures for r in results) else 0
