"""The error and the warning tg.compile gives when a step cannot be traced, or is traced with a caveat."""

from __future__ import annotations

__all__ = ["TracingError", "TracingWarning"]


class TracingError(RuntimeError):
    """The step does something `tg.compile` cannot turn into straight-line code (the message says what)."""


class TracingWarning(UserWarning):
    """Something in the step is frozen at trace time (e.g. an `if` on a tensor's value)."""
