"""detect_anomaly: stop at the first op whose output or gradient holds NaN or inf, and say where it was made.

While the mode is on, `_ANOMALY` is installed on the engine's hook object (`autograd.hooks`), so the
engine calls it after every op's forward and after every op's backward. The forward check also
records, on each op it sees, the line of the user's code that created it, so that a NaN found later
in backward can be traced back to a line. When the mode is off the engine tests one flag per op and nothing else runs.
"""

from __future__ import annotations

import functools
import linecache
import os
import sys
import threading
from typing import Any, Callable, Optional, Sequence, TypeVar, cast

import numpy as np

from tinygrad_edu.autograd import Function, hooks
from tinygrad_edu.tensor import Tensor

__all__ = ["AnomalyError", "detect_anomaly", "is_anomaly_enabled"]

F = TypeVar("F", bound=Callable[..., Any])

# Frames from files under this folder are the library's own; the user's line is the first frame outside.
_PACKAGE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__))) + os.sep


class AnomalyError(RuntimeError):
    """Raised under `detect_anomaly()` when an op's output or gradient holds NaN or inf."""


class _AnomalyMode(threading.local):
    """How many detect_anomaly() blocks this thread is inside: the mode is per thread, as PyTorch's,
    so a block in one thread checks only that thread's ops."""

    depth = 0


_MODE = _AnomalyMode()
_OPEN = [0]  # blocks open in all threads: the watcher stays installed while there is one
_LOCK = threading.Lock()


def is_anomaly_enabled() -> bool:
    """True inside `detect_anomaly()` in this thread (as `torch.is_anomaly_enabled`)."""
    return _MODE.depth > 0


class _AnomalyWatcher:
    """The watcher detect_anomaly installs on the engine's hooks: the two checks below, for the ops
    of the threads that are inside a block."""

    def forward(self, fn: Function, out: Any) -> None:
        if _MODE.depth:
            _check_forward(fn, out)

    def backward(self, fn: Function, grads: Sequence[Any]) -> None:
        if _MODE.depth:
            _check_backward(fn, grads)


_ANOMALY = _AnomalyWatcher()


class detect_anomaly:
    """Raise `AnomalyError` at the first op whose output (forward) or gradient (backward) is not finite.

    Use it as a context manager or as a decorator; blocks may be nested, and each restores the mode
    it found on exit. The error names the op, the shapes of its inputs and the line of your code that
    created the op. Checking every array costs time: turn it on to find a NaN, not for every run.
    As `torch.autograd.detect_anomaly`, which checks backward only; this one checks forward too.

    Example:
        >>> x = tg.tensor([0.0, 1.0], requires_grad=True)
        >>> with tg.detect_anomaly():
        ...     y = x.log()
        Traceback (most recent call last):
        tinygrad_edu.debug.anomaly.AnomalyError: Log produced inf in its output (input shapes (2,)) at ...: y = x.log()
    """

    def __enter__(self) -> None:
        _MODE.depth += 1
        with _LOCK:  # the first block open in any thread installs the watcher (once: nested blocks check once)
            _OPEN[0] += 1
            if _OPEN[0] == 1:
                hooks.add(_ANOMALY)

    def __exit__(self, *exc: object) -> None:
        _MODE.depth -= 1
        with _LOCK:
            _OPEN[0] -= 1
            if _OPEN[0] == 0:
                hooks.remove(_ANOMALY)

    def __call__(self, fn: F) -> F:
        """Decorate fn: every call of it runs inside `detect_anomaly()`."""
        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with detect_anomaly():
                return fn(*args, **kwargs)

        return wrapper  # type: ignore[return-value]


def _check_forward(fn: Function, out: np.ndarray) -> None:
    """After fn's forward: raise if its output is not finite; else remember where fn was created."""
    if _is_finite(out):
        if hasattr(fn, "inputs"):  # recorded in the graph: its backward may fail later
            # an attribute only this mode adds (and reads back with getattr), so Function does not declare it
            cast(Any, fn).created_at = _user_line()
        return
    where = _user_line()
    shapes = f"input shapes {_input_shapes(fn)}" if hasattr(fn, "inputs") else f"output shape {out.shape}"
    message = f"{fn.name} produced {_what(out)} in its output ({shapes}) at {where}"
    already = [i for i, x in enumerate(getattr(fn, "inputs", ())) if not _is_finite(_array(x))]
    if already:
        message += f"; its input {already[0]} already held {_what(_array(fn.inputs[already[0]]))}"
    raise AnomalyError(message)


def _check_backward(fn: Function, grads: Sequence[Any]) -> None:
    """After fn's backward: raise if a gradient it returned is not finite."""
    for i, grad in enumerate(grads):
        if grad is None or _is_finite(np.asarray(grad)):
            continue
        site = getattr(fn, "created_at", None)
        created = f"op created at {site}" if site else "op created outside detect_anomaly(), line unknown"
        raise AnomalyError(
            f"{fn.name}'s backward produced {_what(np.asarray(grad))} in the gradient for input {i} "
            f"(input shapes {_input_shapes(fn)}), {created}"
        )


def _user_line() -> str:
    """'file:line: code' of the innermost frame on the stack that is not inside tinygrad_edu."""
    frame: Optional[Any] = sys._getframe(1)
    while frame is not None and os.path.abspath(frame.f_code.co_filename).startswith(_PACKAGE_DIR):
        frame = frame.f_back
    if frame is None:
        return "<inside tinygrad_edu>"
    filename, line = frame.f_code.co_filename, frame.f_lineno
    code = linecache.getline(filename, line).strip()
    return f"{filename}:{line}: {code}" if code else f"{filename}:{line}"


def _array(x: Any) -> np.ndarray:
    """An op input as an array: a Tensor's data, or the number or array itself."""
    return np.asarray(x.data if isinstance(x, Tensor) else x)


def _is_finite(a: np.ndarray) -> bool:
    """True unless `a` holds a NaN or an inf (only float and complex arrays can)."""
    return a.dtype.kind not in "fc" or bool(np.isfinite(a).all())


def _what(a: np.ndarray) -> str:
    """'nan', 'inf' or 'nan and inf': what a non-finite array holds."""
    kinds = [name for name, found in (("nan", np.isnan(a).any()), ("inf", np.isinf(a).any())) if found]
    return " and ".join(kinds)


def _input_shapes(fn: Function) -> str:
    """The shapes of fn's inputs as text: '(2, 3), (3,)'."""
    shapes = [np.shape(_array(x)) for x in getattr(fn, "inputs", ())]
    return ", ".join(str(s) for s in shapes)
