"""What the PyTorch parity tests share: the check that tinygrad_edu refuses a call where PyTorch refuses it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

import tinygrad_edu as tg


def assert_refused_as_pytorch(call: Callable[[Any], Any], torch: Any) -> None:
    """call(torch) raises, and call(tg) raises too, of the same family: a RuntimeError or IndexError of PyTorch's
    is one here too (our errors are both kinds; torch's own error classes vary, so that is what is compared)."""
    with pytest.raises(Exception) as theirs:  # noqa: PT011, B017
        call(torch)
    with pytest.raises((RuntimeError, TypeError, ValueError, IndexError)) as ours:
        call(tg)
    if isinstance(theirs.value, (RuntimeError, IndexError)) and not isinstance(theirs.value, NotImplementedError):
        kinds = f"{type(ours.value)} for torch's {type(theirs.value)}"
        assert isinstance(ours.value, (RuntimeError, IndexError)), kinds
