"""How tensors print: `set_printoptions` (torch's name and arguments) and the array text `repr(tensor)` is built from.

The numbers are NumPy's formatting (`np.array2string`) under our own options, so `tg.set_printoptions` changes how
tensors print and never how NumPy arrays do (as `torch.set_printoptions` leaves NumPy alone). An option never set
keeps NumPy's default: 8 significant digits, scientific notation when the values span many orders of magnitude,
and a summary (`...`) above 1000 elements.
"""

from __future__ import annotations

import sys
from typing import Any

import numpy as np

__all__ = ["set_printoptions", "array_text"]

# The options set so far, by torch's names; an absent one is NumPy's default.
_options: dict[str, Any] = {}

# torch's profiles, in NumPy's terms: "default" is our default (NumPy's formatting, where torch's has 4 digits)
_PROFILES: dict[str, dict[str, Any]] = {
    "default": {},
    "short": {"precision": 2, "edgeitems": 2},
    "full": {"threshold": sys.maxsize},  # never summarise
}


def set_printoptions(
    precision: int | None = None,
    threshold: int | None = None,
    edgeitems: int | None = None,
    linewidth: int | None = None,
    profile: str | None = None,
    sci_mode: bool | None = None,
) -> None:
    """Set how tensors print, as `torch.set_printoptions`: digits after the point, the element count above which a
    tensor is summarised with `...`, the items kept at each end of a summary, the line width, and scientific
    notation (True: always, False: never, None: NumPy's choice).

    `profile` ("default", "short" or "full") first resets every option to a preset; the other arguments given then
    change theirs. As in PyTorch, an argument left None keeps its setting, except `sci_mode`, which every call sets.

    Example:
        >>> tg.set_printoptions(precision=2)
        >>> tg.tensor([1 / 3, 2 / 3])
        tensor([0.33, 0.67], dtype=float32)
        >>> tg.set_printoptions(profile="default")
        >>> tg.tensor([1 / 3, 2 / 3])
        tensor([0.33333334, 0.6666667 ], dtype=float32)
    """
    if profile is not None:
        if profile not in _PROFILES:
            raise ValueError(f"set_printoptions: unknown profile {profile!r} (expected one of {', '.join(_PROFILES)})")
        _options.clear()
        _options.update(_PROFILES[profile])
    given = {"precision": precision, "threshold": threshold, "edgeitems": edgeitems, "linewidth": linewidth}
    _options.update({name: value for name, value in given.items() if value is not None})
    _options["sci_mode"] = sci_mode


def array_text(data: np.ndarray, prefix: str) -> str:
    """The array part of a tensor's repr, under the options set, indented to follow `prefix` on its first line."""
    options = {name: value for name, value in _options.items() if name != "sci_mode"}
    if "linewidth" in options:
        options["max_line_width"] = options.pop("linewidth")
    sci_mode = _options.get("sci_mode")
    if sci_mode is False:
        options["suppress_small"] = True  # NumPy's fixed-point notation, always
    elif sci_mode is True:
        digits = options.get("precision", np.get_printoptions()["precision"])
        options["formatter"] = {"float_kind": lambda x: np.format_float_scientific(x, precision=digits, unique=False)}
    return np.array2string(data, separator=", ", prefix=prefix, **options)
