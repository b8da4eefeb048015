"""`torch.backends` for programs that ask which accelerators there are, or set their switches: there are none here.

`"mps" if torch.backends.mps.is_available() else "cpu"` picks the CPU, and lines such as
`torch.backends.cudnn.benchmark = True` or `torch.backends.cuda.matmul.allow_tf32 = True` are accepted and change
nothing: NumPy computes every op on the CPU the one way it knows.
"""

from __future__ import annotations

from typing import Any

from tinygrad_edu.torch_alias import torch_attribute_error

__getattr__ = torch_attribute_error(__name__)

__all__ = ["cuda", "cudnn", "mps"]


class Backend:
    """One of PyTorch's backends, absent here: `is_available()` and `is_built()` are False; its switches are kept
    as plain attributes (PyTorch's defaults), so a program may read and set them."""

    def __init__(self, **switches: Any) -> None:
        self.__dict__.update(switches)

    def is_available(self) -> bool:
        """False: tinygrad_edu runs on the CPU only (NumPy)."""
        return False

    def is_built(self) -> bool:
        """False: no support for this backend is built in."""
        return False


mps = Backend()
cudnn = Backend(enabled=True, benchmark=False, deterministic=False, allow_tf32=True)
cuda = Backend(matmul=Backend(allow_tf32=False, allow_fp16_reduced_precision_reduction=True))
