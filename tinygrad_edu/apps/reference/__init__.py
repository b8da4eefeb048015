"""Plain-NumPy references of four from-scratch tutorials (A to D), the oracles for the autograd engine."""

from . import tutorial_a, tutorial_b, tutorial_c, tutorial_d
from ._base import Params, Tutorial

# One entry per tutorial, A to D.
TUTORIALS: dict[str, Tutorial] = {
    name: Tutorial.from_module(name, module)
    for name, module in {"A": tutorial_a, "B": tutorial_b, "C": tutorial_c, "D": tutorial_d}.items()
}

__all__ = ["TUTORIALS", "Params", "Tutorial", "tutorial_a", "tutorial_b", "tutorial_c", "tutorial_d"]
