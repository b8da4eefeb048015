"""`tinygrad-edu bench`: a seconds-long XOR and MLP comparison, and the harness that benchmarks/ shares.

Each comparison trains the same network from the same initial weights in several implementations:
hand-written NumPy (the baseline), tinygrad_edu with raw tensors, tinygrad_edu with `nn` and
`optim`, and PyTorch eager when it is installed. Before anything is timed, every implementation runs
a few steps and its losses must equal the NumPy ones to 1e-6 relative: a benchmark that does not check
its result proves nothing. The table gives seconds per training step (forward, loss, backward, SGD
update): median, min and max over repeats, and the median's ratio to hand-written NumPy.

The full-size scripts are in benchmarks/ (xor.py, mlp.py, overhead.py, memory.py, chain.py); they
use the workloads and the harness below, so the quick run and the full run measure the same code.

Example:
    $ tinygrad-edu bench              # XOR and MLP, one BLAS thread, a few seconds
    $ tinygrad-edu bench --threads 2 --torch no
"""

from __future__ import annotations

import argparse
import gc
import importlib
import importlib.util
import os
import platform
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Optional, Sequence

import numpy as np

import tinygrad_edu as tg

__all__ = [
    "Row", "Goal", "Comparison", "Trainer", "load_torch", "benchmark_settings", "describe_environment",
    "time_steps", "check_losses", "run_comparison", "xor_implementations", "xor_comparison",
    "mlp_implementations", "mlp_comparison", "main",
]

RTOL = 1e-6  # every implementation's loss must equal hand-written NumPy's to this relative tolerance
BASELINE = "NumPy, by hand"


# ---------------------------------------------------------------------------------------------
# The harness: optional PyTorch, BLAS threads, the machine, timing, tables and goals
# ---------------------------------------------------------------------------------------------

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
        ...     np.ones((256, 256)) @ np.ones((256, 256))
    """

    def __init__(self, n: int, torch: Any = None) -> None:
        self.n = n
        self.torch = torch
        self._limits: Any = None
        self._torch_before: Optional[int] = None

    def __enter__(self) -> "benchmark_settings":
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


def _cpu_model() -> str:
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
            blas = np.show_config(mode="dicts").get("Build Dependencies", {}).get("blas", {})
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
            capture_output=True, text=True, timeout=5,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "-C", str(root), "status", "--porcelain", "--untracked-files=no"],
            capture_output=True, text=True, timeout=5,
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
    ]
    return "\n".join(lines)


@dataclass
class Row:
    """One line of a table: an implementation's seconds per step over repeats, or a note why none."""

    name: str
    times: list[float] = field(default_factory=list)
    note: str = ""  # e.g. "not installed", or the loss check: "loss = NumPy's (max rel diff 3e-16)"

    @property
    def median(self) -> float:
        return statistics.median(self.times)


@dataclass
class Goal:
    """A target from issue 5, as met / not met / n/a with the measured value beside it."""

    text: str
    met: Optional[bool]  # None: could not be measured in this run (e.g. PyTorch not installed)
    measured: str

    def render(self) -> str:
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
    line = lambda cells: "| " + " | ".join(str(c).ljust(w) for c, w in zip(cells, widths)) + " |"  # noqa: E731
    return "\n".join([line(header), line(["-" * w for w in widths]), *(line(r) for r in rows)])


@dataclass
class Comparison:
    """One benchmark's result: the rows, the goals, and any failed result check."""

    title: str
    rows: list[Row]
    goals: list[Goal] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)  # a row that diverged or raised: exit non-zero
    notes: list[str] = field(default_factory=list)
    unit: str = "per step"

    def row(self, name: str) -> Row:
        return next(r for r in self.rows if r.name == name)

    def ratio(self, name: str, baseline: str = BASELINE) -> float:
        """The row's median over the baseline's median."""
        return self.row(name).median / self.row(baseline).median

    def table(self, baseline: str = BASELINE) -> str:
        base = self.row(baseline)
        body = []
        for r in self.rows:
            if r.times:
                ratio = f"{r.median / base.median:.2f}x" if base.times else "-"
                body.append([r.name, format_time(r.median), format_time(min(r.times)),
                             format_time(max(r.times)), ratio, r.note])
            else:
                body.append([r.name, "-", "-", "-", "-", r.note])
        header = ["implementation", f"median {self.unit}", "min", "max", "x NumPy", "result check"]
        return markdown_table(header, body)

    def render(self) -> str:
        parts = [f"## {self.title}", "", self.table()]
        parts += [""] + self.notes if self.notes else []
        parts += ["", "Goals:", *(g.render() for g in self.goals)] if self.goals else []
        if self.failures:
            parts += ["", "RESULT CHECK FAILED:", *(f"- {f}" for f in self.failures)]
        return "\n".join(parts)


def time_steps(
    steps: dict[str, Callable[[], Any]], repeat: int, block: int, warmup: int = 2
) -> dict[str, list[float]]:
    """Seconds per call of each function: `repeat` timed blocks of `block` calls, after `warmup` blocks.

    The implementations take turns block by block (round robin), so a burst of load from another
    process slows them all alike rather than one of them. Each block's time is divided by `block`.
    """
    times: dict[str, list[float]] = {name: [] for name in steps}
    for r in range(warmup + repeat):
        for name, step in steps.items():
            start = time.perf_counter()
            for _ in range(block):
                step()
            elapsed = time.perf_counter() - start
            if r >= warmup:
                times[name].append(elapsed / block)
    return times


def check_losses(
    name: str, losses: Sequence[float], reference: Sequence[float], rtol: float = RTOL
) -> tuple[float, Optional[str]]:
    """Compare a row's losses, step by step, with the baseline's: (largest relative difference, failure or None)."""
    worst = 0.0
    for i, (got, want) in enumerate(zip(losses, reference)):
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
        raise NotImplementedError

    def loss(self) -> float:
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


# Row names, the same in every table.
TENSORS = "tinygrad_edu, tensors + manual SGD"
MODULES = "tinygrad_edu, nn + optim"
PYTORCH = "PyTorch eager, nn + optim"

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


def _load_linear(layer: Any, weight: np.ndarray, bias: np.ndarray, to_data: Callable[[np.ndarray], Any]) -> None:
    """Give a linear layer our (out, in) weight and (out,) bias, as copies that keep their dtype.

    Replacing `.data` rather than copying into it keeps float64: the XOR comparison runs in float64,
    as the tutorial does, while layers are built in float32 in both libraries. `to_data` makes what
    `.data` holds from an ndarray: the ndarray itself for tinygrad_edu, a torch.Tensor for PyTorch.
    """
    for param, value in ((layer.weight, weight), (layer.bias, bias)):
        if tuple(param.shape) != value.shape:
            raise ValueError(f"parameter of shape {tuple(param.shape)} cannot take a value of shape {value.shape}")
        param.data = to_data(np.array(value, copy=True))


Library = tuple[str, Any, Any, Callable[[np.ndarray], Any], Callable[[np.ndarray], Any]]


def _library_rows(names: Sequence[str], torch: Any, torch_mode: str) -> tuple[list[Library], dict[str, str]]:
    """[(row, nn, optim, ndarray -> tensor, ndarray -> a parameter's .data)] for tinygrad_edu and PyTorch.

    Also, row name -> why it is missing (tinygrad_edu.nn lacks a name, PyTorch is not installed).
    """
    rows, unavailable = [], {}
    nn, optim, why = _nn_and_optim(names)
    if nn is None:
        unavailable[MODULES] = why
    else:
        rows.append((MODULES, nn, optim, tg.from_numpy, np.asarray))
    if torch is None:
        unavailable[PYTORCH] = "not installed" if torch_mode == "auto" else "not used (--torch no)"
    else:
        rows.append((PYTORCH, torch.nn, torch.optim, torch.from_numpy, torch.from_numpy))
    return rows, unavailable


def run_comparison(
    title: str, implementations: Implementations, repeat: int, block: int, check_steps: int, warmup: int = 2,
    final_rtol: float = RTOL,
) -> Comparison:
    """Check every implementation's losses against the baseline's, time them all round robin, check again.

    `implementations` is (row name -> function building a fresh trainer, baseline first;
    row name -> why that row has no numbers). Before timing, the losses of the first `check_steps`
    steps must equal NumPy's to 1e-6 relative. Every trainer then takes the same number of timed
    steps, so their last losses are compared too, to `final_rtol`: float32 rounding, which differs
    with the order of a sum, makes trajectories drift apart slowly over hundreds of steps.
    """
    factories, unavailable = implementations
    rows = {name: Row(name) for name in [*factories, *unavailable]}
    for name, why in unavailable.items():
        rows[name].note = why
    comparison = Comparison(title, list(rows.values()))
    trainers: dict[str, Trainer] = {}
    reference: list[float] = []
    for name, make in factories.items():
        try:
            trainer = make()
            losses = []
            for _ in range(check_steps):
                trainer.step()
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
    times = time_steps({name: t.step for name, t in trainers.items()}, repeat, block, warmup)
    for name, values in times.items():
        rows[name].times = values
    if BASELINE in trainers:
        steps = check_steps + (warmup + repeat) * block
        final = trainers[BASELINE].loss()
        for name, trainer in trainers.items():
            if name == BASELINE:
                continue
            worst, failure = check_losses(name, [trainer.loss()], [final], final_rtol)
            rows[name].note += f", {relative(worst)} after {steps:,}"
            if failure:
                rows[name].note = "DIVERGED while timed"
                comparison.failures.append(failure.replace("step 1", f"step {steps:,}"))
    return comparison


def _speed_goals(comparison: Comparison, limit: float, what: str, versus_pytorch: bool = False) -> list[Goal]:
    """The goal is judged on the nn + optim row (what users write) when it ran, else on raw tensors."""
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


# ---------------------------------------------------------------------------------------------
# XOR: tutorial A's 2-4-1 sigmoid network, mean binary cross-entropy, lr 0.1, the 4 points at once
# ---------------------------------------------------------------------------------------------

XOR_X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=np.float64)
XOR_Y = np.array([[0], [1], [1], [0]], dtype=np.float64)
XOR_LR = 0.1


def xor_weights(seed: int = 42) -> dict[str, np.ndarray]:
    """Tutorial A's initial weights (np.random.seed(42); W1 = randn(2, 4), W2 = randn(4, 1); zero biases).

    Float64 and laid out (in, out) as the tutorial has them: Z1 = X @ W1 + b1.
    """
    rng = np.random.RandomState(seed)
    W1 = rng.randn(2, 4)
    W2 = rng.randn(4, 1)
    return {"W1": W1, "b1": np.zeros((1, 4)), "W2": W2, "b2": np.zeros((1, 1))}


class XorNumpy(Trainer):
    """Tutorial A's step written out by hand: forward, loss, the derived backward, update in place."""

    def __init__(self, w: dict[str, np.ndarray]) -> None:
        self.w = {k: v.copy() for k, v in w.items()}

    def step(self) -> None:
        w, X, Y, m = self.w, XOR_X, XOR_Y, XOR_X.shape[0]
        A1 = 1 / (1 + np.exp(-(X @ w["W1"] + w["b1"])))
        A2 = 1 / (1 + np.exp(-(A1 @ w["W2"] + w["b2"])))
        self.last = -np.sum(Y * np.log(A2) + (1 - Y) * np.log(1 - A2)) / m
        dZ2 = A2 - Y  # dBCE/dZ2 per sample: the sigmoid's s(1 - s) cancels the log's derivative
        dW2 = A1.T @ dZ2 / m
        db2 = np.sum(dZ2, axis=0, keepdims=True) / m
        dZ1 = (dZ2 @ w["W2"].T) * (A1 * (1 - A1))  # d sigmoid/dz = s (1 - s)
        dW1 = X.T @ dZ1 / m
        db1 = np.sum(dZ1, axis=0, keepdims=True) / m
        w["W1"] -= XOR_LR * dW1
        w["b1"] -= XOR_LR * db1
        w["W2"] -= XOR_LR * dW2
        w["b2"] -= XOR_LR * db2


class XorTensors(Trainer):
    """tinygrad_edu with raw tensors: the tutorial's forward and loss as tensor ops, autograd, manual SGD."""

    def __init__(self, w: dict[str, np.ndarray]) -> None:
        self.params = {k: tg.tensor(v, requires_grad=True, dtype=v.dtype) for k, v in w.items()}
        self.X, self.Y = tg.from_numpy(XOR_X), tg.from_numpy(XOR_Y)

    def step(self) -> None:
        p, X, Y = self.params, self.X, self.Y
        A1 = (X @ p["W1"] + p["b1"]).sigmoid()
        A2 = (A1 @ p["W2"] + p["b2"]).sigmoid()
        loss = -(Y * A2.log() + (1 - Y) * (1 - A2).log()).mean()
        for t in p.values():
            t.grad = None
        loss.backward()
        with tg.no_grad():
            for t in p.values():
                t -= XOR_LR * t.grad
        self.last = loss


def xor_modules(w: dict[str, np.ndarray], library: Library) -> ModuleTrainer:
    """The XOR network as nn.Sequential(Linear, Sigmoid, Linear, Sigmoid), BCELoss and SGD, in either library."""
    _, nn, optim, to_tensor, to_data = library
    model = nn.Sequential(nn.Linear(2, 4), nn.Sigmoid(), nn.Linear(4, 1), nn.Sigmoid())
    _load_linear(model[0], w["W1"].T, w["b1"].reshape(-1), to_data)  # nn.Linear keeps W as (out, in)
    _load_linear(model[2], w["W2"].T, w["b2"].reshape(-1), to_data)
    optimizer = optim.SGD(model.parameters(), lr=XOR_LR)
    return ModuleTrainer(model, nn.BCELoss(), optimizer, to_tensor(XOR_X), to_tensor(XOR_Y))


def xor_implementations(torch: Any = None, torch_mode: str = "auto") -> Implementations:
    """The XOR rows: row name -> trainer factory (NumPy first), and row name -> why it cannot run."""
    w = xor_weights()
    factories: dict[str, Callable[[], Trainer]] = {BASELINE: lambda: XorNumpy(w), TENSORS: lambda: XorTensors(w)}
    libraries, unavailable = _library_rows(["Sequential", "Linear", "Sigmoid", "BCELoss", "SGD"], torch, torch_mode)
    for library in libraries:
        factories[library[0]] = lambda library=library: xor_modules(w, library)
    return factories, unavailable


def xor_comparison(
    repeat: int = 101, block: int = 100, check_steps: int = 10, torch: Any = None, torch_mode: str = "auto"
) -> Comparison:
    """One XOR training step in every implementation: checked, timed, with issue 5's goals."""
    comparison = run_comparison(
        "XOR 2-4-1, sigmoid, BCE, full batch (4 points), float64: one SGD step",
        xor_implementations(torch, torch_mode), repeat, block, check_steps, final_rtol=RTOL,
    )
    comparison.notes.append(
        f"{repeat} repeats of {block} step(s) each; every row starts from tutorial A's weights (seed 42) and "
        f"its losses over {check_steps} steps are checked against NumPy's before timing."
    )
    comparison.goals = _speed_goals(comparison, 2.5, "XOR step", versus_pytorch=True)
    return comparison


# ---------------------------------------------------------------------------------------------
# MLP: 784-256-256-10, ReLU, softmax cross-entropy (mean), batch 128, float32, SGD lr 0.01
# ---------------------------------------------------------------------------------------------

MLP_SIZES = (784, 256, 256, 10)
MLP_BATCH = 128
MLP_LR = 0.01
# After hundreds of float32 steps, losses that agreed to 1e-7 at first differ by up to ~1e-4
# relative (rounding differs with the order of each sum); a wrong gradient is off by far more.
FLOAT32_DRIFT = 1e-3


def mlp_data(batch: int = MLP_BATCH, sizes: Sequence[int] = MLP_SIZES, seed: int = 0) -> dict[str, np.ndarray]:
    """One fixed batch and the initial weights, float32, drawn once so every implementation shares them.

    Weights and biases are uniform in +-1/sqrt(fan_in), as torch.nn.Linear draws them; W is (in, out).
    """
    rng = np.random.default_rng(seed)
    data = {
        "x": rng.standard_normal((batch, sizes[0]), dtype=np.float32),
        "y": rng.integers(0, sizes[-1], size=batch),
    }
    for i, (fan_in, fan_out) in enumerate(zip(sizes[:-1], sizes[1:]), start=1):
        bound = 1.0 / np.sqrt(fan_in)
        data[f"W{i}"] = rng.uniform(-bound, bound, (fan_in, fan_out)).astype(np.float32)
        data[f"b{i}"] = rng.uniform(-bound, bound, fan_out).astype(np.float32)
    return data


class MlpNumpy(Trainer):
    """The step by hand: forward, log-softmax cross-entropy, the derived backward (8 GEMMs), SGD in place."""

    def __init__(self, d: dict[str, np.ndarray]) -> None:
        self.x, self.y = d["x"], d["y"]
        self.w = {k: v.copy() for k, v in d.items() if k[0] in "Wb"}
        self.onehot = np.eye(d["W3"].shape[1], dtype=np.float32)[self.y]

    def step(self) -> None:
        w, x, n = self.w, self.x, self.x.shape[0]
        z1 = x @ w["W1"] + w["b1"]
        h1 = np.maximum(z1, 0)
        z2 = h1 @ w["W2"] + w["b2"]
        h2 = np.maximum(z2, 0)
        logits = h2 @ w["W3"] + w["b3"]
        shifted = logits - logits.max(axis=1, keepdims=True)
        exp = np.exp(shifted)
        total = exp.sum(axis=1, keepdims=True)
        # loss = mean over the batch of -log softmax(logits)[label] = log(sum exp) - shifted[label]
        self.last = np.mean(np.log(total)[:, 0] - shifted[np.arange(n), self.y])
        d_logits = (exp / total - self.onehot) / n  # d loss/d logits = (softmax - onehot) / n
        d_h2 = d_logits @ w["W3"].T
        d_z2 = d_h2 * (z2 > 0)  # d relu/dz = 1 where z > 0
        d_h1 = d_z2 @ w["W2"].T
        d_z1 = d_h1 * (z1 > 0)
        grads = {
            "W3": h2.T @ d_logits, "b3": d_logits.sum(axis=0),
            "W2": h1.T @ d_z2, "b2": d_z2.sum(axis=0),
            "W1": x.T @ d_z1, "b1": d_z1.sum(axis=0),
        }
        for k, g in grads.items():
            g *= MLP_LR
            w[k] -= g


class MlpTensors(Trainer):
    """tinygrad_edu with raw tensors: x @ W + b, relu, log_softmax, the label's entry, mean; manual SGD."""

    def __init__(self, d: dict[str, np.ndarray]) -> None:
        self.x = tg.from_numpy(d["x"])
        self.rows, self.y = np.arange(len(d["y"])), d["y"]
        self.params = [tg.tensor(d[k], requires_grad=True) for k in ("W1", "b1", "W2", "b2", "W3", "b3")]

    def step(self) -> None:
        W1, b1, W2, b2, W3, b3 = self.params
        h1 = (self.x @ W1 + b1).relu()
        h2 = (h1 @ W2 + b2).relu()
        logp = (h2 @ W3 + b3).log_softmax(dim=1)
        loss = -logp[self.rows, self.y].mean()  # cross-entropy: minus the label's log-probability, averaged
        for p in self.params:
            p.grad = None
        loss.backward()
        with tg.no_grad():
            for p in self.params:
                p -= MLP_LR * p.grad
        self.last = loss


def mlp_modules(d: dict[str, np.ndarray], library: Library) -> ModuleTrainer:
    """The MLP as nn.Sequential of Linear and ReLU, CrossEntropyLoss and SGD, in either library."""
    _, nn, optim, to_tensor, to_data = library
    sizes = [d["W1"].shape[0], d["W1"].shape[1], d["W2"].shape[1], d["W3"].shape[1]]
    model = nn.Sequential(nn.Linear(sizes[0], sizes[1]), nn.ReLU(), nn.Linear(sizes[1], sizes[2]), nn.ReLU(),
                          nn.Linear(sizes[2], sizes[3]))
    for index, i in ((0, 1), (2, 2), (4, 3)):
        _load_linear(model[index], np.ascontiguousarray(d[f"W{i}"].T), d[f"b{i}"], to_data)  # W as (out, in)
    optimizer = optim.SGD(model.parameters(), lr=MLP_LR)
    return ModuleTrainer(model, nn.CrossEntropyLoss(), optimizer, to_tensor(d["x"]), to_tensor(d["y"]))


def mlp_implementations(d: dict[str, np.ndarray], torch: Any = None, torch_mode: str = "auto") -> Implementations:
    """The MLP rows: row name -> trainer factory (NumPy first), and row name -> why it cannot run."""
    factories: dict[str, Callable[[], Trainer]] = {BASELINE: lambda: MlpNumpy(d), TENSORS: lambda: MlpTensors(d)}
    names = ["Sequential", "Linear", "ReLU", "CrossEntropyLoss", "SGD"]
    libraries, unavailable = _library_rows(names, torch, torch_mode)
    for library in libraries:
        factories[library[0]] = lambda library=library: mlp_modules(d, library)
    return factories, unavailable


def mlp_gemms(d: dict[str, np.ndarray]) -> Callable[[], None]:
    """The step's 8 GEMMs alone, with its shapes and memory layouts: the floor that BLAS sets.

    forward x W1, h1 W2, h2 W3; backward dX for layers 3 and 2 (g W^T); dW for all three (h^T g).
    """
    x, W1, W2, W3 = d["x"], d["W1"], d["W2"], d["W3"]
    n = x.shape[0]
    h1 = np.ones((n, W1.shape[1]), np.float32)
    h2 = np.ones((n, W2.shape[1]), np.float32)
    g3 = np.ones((n, W3.shape[1]), np.float32)

    def gemms() -> None:
        x @ W1, h1 @ W2, h2 @ W3  # forward
        g3 @ W3.T, h2 @ W2.T  # dX of layers 3 and 2 (layer 1's input needs no gradient)
        x.T @ h1, h1.T @ h2, h2.T @ g3  # dW of layers 1, 2 and 3

    return gemms


def mlp_flops(batch: int, sizes: Sequence[int]) -> int:
    """2 x the multiply-adds of the 8 GEMMs: 3 forward, 3 backward dW, 2 backward dX (layers 2 and 3)."""
    layers = [a * b for a, b in zip(sizes[:-1], sizes[1:])]
    return 2 * batch * (sum(layers) + sum(layers) + sum(layers[1:]))


def mlp_comparison(
    repeat: int = 51, block: int = 10, check_steps: int = 10, torch: Any = None, torch_mode: str = "auto",
    batch: int = MLP_BATCH, sizes: Sequence[int] = MLP_SIZES,
) -> Comparison:
    """One MLP training step in every implementation, the GEMM floor beside them, and issue 5's goals."""
    d = mlp_data(batch, sizes)
    comparison = run_comparison(
        f"MLP {'-'.join(map(str, sizes))}, ReLU, softmax cross-entropy, batch {batch}, float32: one SGD step",
        mlp_implementations(d, torch, torch_mode), repeat, block, check_steps, final_rtol=FLOAT32_DRIFT,
    )
    # The floor: the same 8 GEMMs timed alone, at the same thread count.
    gemm = Row("the step's 8 GEMMs alone (NumPy)", note="the BLAS floor")
    gemm.times = time_steps({"gemm": mlp_gemms(d)}, repeat, block)["gemm"]
    comparison.rows.append(gemm)
    flops = mlp_flops(batch, sizes)
    ran = [r for r in comparison.rows if r.times and r is not gemm]
    fractions = ", ".join(f"{r.name} {gemm.median / r.median:.0%}" for r in ran)
    comparison.notes += [
        f"{repeat} repeats of {block} step(s) each; every row starts from the same float32 weights and its losses "
        f"over {check_steps} steps are checked against NumPy's before timing.",
        f"GEMM limit: the step's 8 GEMMs are {flops / 1e6:.1f} MFLOP; alone they run at "
        f"{flops / gemm.median / 1e9:.1f} GFLOP/s ({format_time(gemm.median)}). Fraction of the GEMM limit "
        f"reached (GEMM time / step time): {fractions}.",
    ]
    comparison.goals = _speed_goals(comparison, 1.10, "MLP step")
    return comparison


# ---------------------------------------------------------------------------------------------
# `tinygrad-edu bench`
# ---------------------------------------------------------------------------------------------

def positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text}")
    return value


def common_arguments(parser: argparse.ArgumentParser) -> None:
    """--threads and --torch, as every benchmark takes them."""
    parser.add_argument("--threads", type=positive_int, default=1,
                        help="BLAS (and PyTorch) threads (default 1: ratios are stable only with threads fixed)")
    parser.add_argument("--torch", choices=("auto", "no"), default="auto",
                        help="compare with PyTorch when it is installed (auto, the default) or not at all (no)")


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Run the quick XOR and MLP comparisons and print their tables; 1 if a result check failed.

    Example:
        >>> main(["--tiny", "--torch", "no"])   # doctest: +SKIP
        0
    """
    parser = argparse.ArgumentParser(
        prog="tinygrad-edu bench",
        description="A quick (seconds) benchmark of XOR and MLP training steps: hand-written NumPy, "
        "tinygrad_edu and PyTorch (when installed), side by side. The full benchmarks are in benchmarks/.",
    )
    common_arguments(parser)
    parser.add_argument("--tiny", action="store_true", help="a handful of steps, to check that it runs")
    args = parser.parse_args(argv)
    torch = load_torch(args.torch)
    xor_size = dict(repeat=3, block=3, check_steps=3) if args.tiny else dict(repeat=15, block=50, check_steps=10)
    mlp_size = dict(repeat=3, block=1, check_steps=3) if args.tiny else dict(repeat=9, block=5, check_steps=5)
    with benchmark_settings(args.threads, torch):
        print(describe_environment(args.threads, torch, args.torch))
        results = [
            xor_comparison(**xor_size, torch=torch, torch_mode=args.torch),
            mlp_comparison(**mlp_size, torch=torch, torch_mode=args.torch),
        ]
    for result in results:
        print()
        print(result.render())
    print("\nThe full benchmarks, with more repeats: benchmarks/ in the source tree (see its README.md).")
    return 1 if any(r.failures for r in results) else 0


if __name__ == "__main__":
    sys.exit(main())
