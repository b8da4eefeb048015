"""The per-op overhead of autograd (issue 16's table): forward + backward of small ops, per op, beside NumPy by hand
and PyTorch eager.

For each op, a chain of n of them, y = op(y) starting from a (4, 4) float32 x, then one backward from y; the time
divided by n is what one small op costs with its gradient. At this size the arithmetic is nothing: the table
measures the machinery (creating tensors and graph nodes, the backward walk, checking arguments, undoing
broadcasting). The three implementations take turns chain by chain, every time is process CPU time (wall time is
shown beside the ratio), and every row's gradient of x must equal NumPy's before it is timed.

Used by `tinygrad-edu bench` (short chains) and benchmarks/overhead.py (the full run).
"""

from __future__ import annotations

import statistics
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

import tinygrad_edu as tg

from .environment import describe_load, machine_load
from .harness import BASELINE, Comparison, Goal, Row, markdown_table, noise_reasons, relative, time_steps

GOAL = 0.5  # issue 16: each op, forward + backward, in at most half of PyTorch eager's time
TOLERANCE = 1e-5  # float32: sums in another order (mean, matmul) round differently
OURS, PYTORCH = "tinygrad_edu", "PyTorch eager"


@dataclass
class Op:
    """One row: how the chain's step is written in NumPy (forward, and backward given what forward kept),
    in tinygrad_edu or PyTorch (`step(lib, y, c)`), and the constant c it uses (None: no constant)."""

    name: str
    numpy_forward: Callable[[np.ndarray, np.ndarray], tuple[np.ndarray, Any]]  # (y, c) -> (new y, what backward needs)
    numpy_backward: Callable[[np.ndarray, Any, np.ndarray], np.ndarray]  # (g, kept, c) -> g for y
    step: Callable[[Any, Any], Any]  # (y, c) -> new y, in either library
    constant: str = "none"  # how c is drawn: "factor" (near 1), "addend" (near 0), "matrix" (near I), "none"
    tolerance: float = TOLERANCE  # of d y/d x against NumPy's, relative


def _scatter_rows(g: np.ndarray, kept: Any, c: np.ndarray) -> np.ndarray:
    grad = np.zeros((4, 4), np.float32)
    grad[0:4] = g  # d y[0:4]/dy puts the gradient back where the slice came from
    return grad


OPS = [
    Op("mul", lambda y, c: (y * c, None), lambda g, k, c: g * c, lambda y, c: y * c, "factor"),
    Op("add", lambda y, c: (y + c, None), lambda g, k, c: g, lambda y, c: y + c, "addend"),
    Op("matmul", lambda y, c: (y @ c, None), lambda g, k, c: g @ c.T, lambda y, c: y @ c, "matrix"),
    Op("getitem y[0:4]", lambda y, c: (y[0:4], None), _scatter_rows, lambda y, c: y[0:4]),
    Op(
        "reshape (16,) then (4, 4)",
        lambda y, c: (y.reshape(16).reshape(4, 4), None),
        lambda g, k, c: g.reshape(16).reshape(4, 4),
        lambda y, c: y.reshape(16).reshape(4, 4),
    ),
    # exp alone would overflow within 5 ops; exp(y) - 1 has a fixed point at 0 that the chain approaches slowly
    # from y < 0. Near 0 the "- 1" cancels, which magnifies the last-bit differences between PyTorch's float32
    # exp and NumPy's, step after step: PyTorch's d y/d x agrees to ~5e-4 (a wrong gradient is off by O(1)).
    Op(
        "exp, then - 1",
        lambda y, c: (np.exp(y) - 1, np.exp(y)),
        lambda g, e, c: g * e,  # d exp(y)/dy = exp(y)
        lambda y, c: y.exp() - 1,
        tolerance=2e-3,
    ),
    Op(
        "mean(1, keepdim) then expand",
        lambda y, c: (np.broadcast_to(y.mean(1, keepdims=True), (4, 4)), None),
        lambda g, k, c: np.broadcast_to(g.sum(1, keepdims=True) / 4, (4, 4)),
        lambda y, c: y.mean(1, keepdim=True).expand(4, 4),
    ),
]


def chains(op: Op, n: int, torch: Any) -> dict[str, Callable[[], np.ndarray]]:
    """Each implementation's chain of n ops + one backward, returning d y/d x (weighted by ones)."""
    rng = np.random.default_rng(0)
    x0 = -np.abs(rng.standard_normal((4, 4), dtype=np.float32))  # (exp(y) - 1 runs away from y > 0)
    # A constant near 1 (factor, matrix) or near 0 (addend) keeps a chain of thousands of ops finite.
    c0 = {
        "factor": lambda: rng.uniform(0.999, 1.001, (4, 4)),
        "addend": lambda: rng.uniform(-1e-3, 1e-3, (4, 4)),
        "matrix": lambda: np.eye(4) + rng.uniform(-1e-4, 1e-4, (4, 4)),
        "none": lambda: np.zeros((4, 4)),
    }[op.constant]().astype(np.float32)

    def numpy_by_hand() -> np.ndarray:
        y, kept = x0, []
        for _ in range(n):
            y, k = op.numpy_forward(y, c0)
            kept.append(k)
        grad = np.ones_like(x0)
        for k in reversed(kept):
            grad = op.numpy_backward(grad, k, c0)
        return np.asarray(grad)

    x, c, seed = tg.tensor(x0, requires_grad=True), tg.tensor(c0), tg.ones(4, 4)

    def tinygrad_edu() -> np.ndarray:
        y = x
        for _ in range(n):
            y = op.step(y, c)
        x.grad = None
        y.backward(seed)
        assert x.grad is not None
        return x.grad.data

    rows = {BASELINE: numpy_by_hand, OURS: tinygrad_edu}
    if torch is not None:
        tx, tc, tseed = torch.tensor(x0, requires_grad=True), torch.tensor(c0), torch.ones(4, 4)

        def pytorch() -> np.ndarray:
            y = tx
            for _ in range(n):
                y = op.step(y, tc)
            tx.grad = None
            y.backward(tseed)
            return tx.grad.numpy()

        rows[PYTORCH] = pytorch
    return rows


class OverheadTable(Comparison):
    """The per-op table of issue 16: one line per op, the implementations as columns."""

    def __init__(self, title: str, torch_note: str) -> None:
        super().__init__(title, [], unit="per op")
        self.ops: list[tuple[str, dict[str, Row]]] = []
        self.torch_note = torch_note  # why there is no PyTorch column ("" when it ran)

    def table(self, baseline: str = BASELINE) -> str:
        def us(row: Row | None) -> str:
            return f"{row.median * 1e6:.2f} us" if row is not None and row.times else "-"

        body = []
        for name, rows in self.ops:
            ours, base, theirs = rows.get(OURS), rows[BASELINE], rows.get(PYTORCH)
            vs_torch = vs_numpy = wall = check = "-"
            if ours is not None:
                check = ours.note
                if ours.times and theirs is not None and theirs.times:
                    vs_torch = f"{ours.median / theirs.median:.2f}"
                    wall = f"{ours.wall_median / theirs.wall_median:.2f}"
                if ours.times and base.times:
                    vs_numpy = f"{ours.median / base.median:.1f}"
            torch_cell = us(theirs) if theirs is not None else self.torch_note
            body.append([name, us(base), us(ours), torch_cell, vs_torch, vs_numpy, wall, check])
        header = [
            "op",
            "NumPy fwd + hand bwd",
            OURS,
            PYTORCH,
            "ours / PyTorch",
            "ours / NumPy",
            "wall: ours / PyTorch",
            "d y/d x check",
        ]
        return markdown_table(header, body)


def measure(op: Op, n: int, repeat: int, torch: Any, table: OverheadTable) -> list[dict[str, float]]:
    """Check, then time op's chains round robin into the table; return the machine's load before and after."""
    functions = chains(op, n, torch)
    rows = {name: Row(name) for name in functions}
    want = functions[BASELINE]()
    for name, fn in list(functions.items())[1:]:
        got = fn()
        diff = float(np.max(np.abs(got - want) / np.maximum(np.abs(want), 1e-30)))
        rows[name].note = f"= NumPy's to {relative(diff)}"
        if not diff <= op.tolerance:
            rows[name].note = "DIVERGED"
            table.failures.append(f"{op.name}, {name}: d y/d x differs from NumPy's by {diff:.3g} relative")
            del functions[name]
    before = machine_load()
    for name, timing in time_steps(functions, repeat, block=1).items():
        rows[name].times = [t / n for t in timing.cpu]  # per op: one chain is n ops
        rows[name].wall = [t / n for t in timing.wall]
    table.ops.append((op.name, rows))
    table.rows += [Row(f"{op.name}: {r.name}", r.times, wall=r.wall) for r in rows.values()]  # for noise_reasons
    return [before, machine_load()]


def overhead_comparison(n: int, repeat: int, torch: Any, torch_mode: str) -> OverheadTable:
    """Issue 16's table: every op's chain checked and timed, the goal judged per op, the load recorded."""
    torch_note = "" if torch is not None else ("not installed" if torch_mode == "auto" else "not used (--torch no)")
    table = OverheadTable("Per-op overhead: (4, 4) float32, forward + backward, CPU time per op", torch_note)
    loads = []
    for op in OPS:
        loads += measure(op, n, repeat, torch, table)
    for name, rows in table.ops:
        ours, theirs = rows.get(OURS), rows.get(PYTORCH)
        text = f"{name}, tinygrad_edu, <= {GOAL:g}x PyTorch eager's time"
        if ours is None or not ours.times:
            table.goals.append(Goal(text, None, "tinygrad_edu's row diverged"))
        elif theirs is None or not theirs.times:
            table.goals.append(Goal(text, None, torch_note or "PyTorch's row diverged"))
        else:
            ratio = ours.median / theirs.median
            table.goals.append(Goal(text, ratio <= GOAL, f"{ratio:.2f}x"))
    worst = max(loads, key=lambda load: load["load1"])
    table.load = [f"busiest reading {describe_load(worst)}"]
    table.noisy = noise_reasons(table.rows, loads)
    spread = statistics.median(max(r.times) / min(r.times) for r in table.rows if r.times)
    table.notes.append(
        f"Median of {repeat} chains of {n} ops and one backward, divided by {n}; NumPy, tinygrad_edu and PyTorch "
        f"take turns chain by chain. Process CPU time; the median max/min spread over the rows is {spread:.2f}x."
    )
    return table
