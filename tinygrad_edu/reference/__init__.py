"""Plain-NumPy references of four from-scratch tutorials (A to D), the oracles for the autograd engine."""

from . import tutorial_a, tutorial_b, tutorial_c, tutorial_d
from ._base import Params, Tutorial

# One entry per tutorial, in the order of /work/shared/tutorials/.
TUTORIALS: dict[str, Tutorial] = {
    "A": tutorial_a.TUTORIAL,
    "B": tutorial_b.TUTORIAL,
    "C": tutorial_c.TUTORIAL,
    "D": tutorial_d.TUTORIAL,
}

__all__ = ["TUTORIALS", "Params", "Tutorial", "tutorial_a", "tutorial_b", "tutorial_c", "tutorial_d"]
