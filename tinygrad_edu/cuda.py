"""`torch.cuda` for programs that ask before they use a GPU: there is none here, so `is_available()` is False.

`device = "cuda" if torch.cuda.is_available() else "cpu"` is how course programs pick their device; with this
module they pick the CPU and run. Seeding CUDA is a no-op, as in PyTorch on a machine without CUDA. Anything
else of torch.cuda is an AttributeError naming it.
"""

from __future__ import annotations

from tinygrad_edu.torch_alias import torch_attribute_error

__getattr__ = torch_attribute_error(__name__)

__all__ = ["is_available", "device_count", "manual_seed", "manual_seed_all"]


def is_available() -> bool:
    """False: tinygrad_edu runs on the CPU only (NumPy)."""
    return False


def device_count() -> int:
    """0: there are no GPUs here."""
    return 0


def manual_seed(seed: int) -> None:
    """Nothing to seed: as PyTorch's `torch.cuda.manual_seed` without CUDA, silently ignored."""


def manual_seed_all(seed: int) -> None:
    """Nothing to seed: as PyTorch's `torch.cuda.manual_seed_all` without CUDA, silently ignored."""
