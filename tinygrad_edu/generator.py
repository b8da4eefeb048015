"""tg.Generator, as torch.Generator: a seedable source of random numbers that random functions take as `generator=`.

It *is* a NumPy `np.random.Generator` (a subclass), so every place that draws with NumPy's methods
(`gen.random(...)`, `gen.standard_normal(...)`, `gen.permutation(...)`) takes one unchanged, and
`manual_seed` reseeds it in place, as torch's does: a generator handed out earlier follows the new seed.
`tg.manual_seed(s)` reseeds the library's default generator, `tg.default_generator()`.
"""

from __future__ import annotations

import secrets
from typing import Any

import numpy as np

from tinygrad_edu.device import check_device

__all__ = ["Generator"]


class Generator(np.random.Generator):
    """A seedable random number generator, as `torch.Generator`.

    Example:
        >>> g = tg.Generator().manual_seed(42)
        >>> a = tg.randn(3, generator=g)
        >>> _ = g.manual_seed(42)
        >>> b = tg.randn(3, generator=g)
        >>> bool((a == b).all())
        True
    """

    def __init__(self, device: Any = "cpu") -> None:
        check_device("Generator", device)
        seed = secrets.randbits(63)
        super().__init__(np.random.PCG64(seed))
        self._initial_seed = seed
        self.device = "cpu"

    def manual_seed(self, seed: int) -> Generator:
        """Reseed in place and return self: the draws that follow are those of np.random.default_rng(seed)."""
        seed = int(seed)
        self.bit_generator.state = np.random.PCG64(seed).state
        self._initial_seed = seed
        return self

    def seed(self) -> int:
        """Reseed from the operating system's entropy and return the new seed."""
        seed = secrets.randbits(63)
        self.manual_seed(seed)
        return seed

    def initial_seed(self) -> int:
        """The seed last set (by manual_seed or seed, or chosen at creation)."""
        return self._initial_seed

    def get_state(self) -> dict:
        """The generator's state (NumPy's bit generator state, a dict; torch gives a uint8 tensor)."""
        state = self.bit_generator.state
        return {k: (dict(v) if isinstance(v, dict) else v) for k, v in state.items()}

    def set_state(self, state: dict) -> Generator:
        """Restore a state from get_state(): the same draws follow again."""
        self.bit_generator.state = state
        return self

    def __repr__(self) -> str:
        return f"tg.Generator(initial_seed={self._initial_seed})"
