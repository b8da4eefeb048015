"""Devices, as PyTorch names them: "cpu" is the one device here (NumPy); "cuda" and the others are a clear error.

`device=` is accepted by every function that makes a tensor, so programs written for PyTorch run
unchanged as long as they ask for the CPU; `tensor.device` is `tg.device("cpu")`.
"""

from __future__ import annotations

from typing import Any

__all__ = ["device", "check_device"]


def check_device(op: str, device: Any) -> None:
    """Accept device=None or "cpu" (the one device here), as a string or an object whose str() is "cpu";
    anything else ("cuda", "mps") is refused with what to do."""
    if device is None:
        return
    name = str(getattr(device, "type", device))
    if name.split(":")[0] != "cpu":
        raise RuntimeError(
            f"{op}: device {str(device)!r} is not available: tinygrad_edu runs on the CPU only "
            f"(NumPy); drop device= or pass device='cpu'"
        )


class device:  # noqa: N801  (torch.device's name)
    """A device, as `torch.device`: only "cpu" exists. Equal to device("cpu") (and, as torch's, not to the
    string "cpu": compare `x.device.type == "cpu"`).

    Example:
        >>> tg.ones(2).device
        device(type='cpu')
    """

    def __init__(self, type: str = "cpu", index: Any = None) -> None:
        check_device("device", type)
        self.type = "cpu"
        self.index = None

    def __eq__(self, other: Any) -> bool:
        return hasattr(other, "type") and str(other.type) == "cpu"

    def __hash__(self) -> int:
        return hash("cpu")

    def __str__(self) -> str:
        return "cpu"

    def __repr__(self) -> str:
        return "device(type='cpu')"
