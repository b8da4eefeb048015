"""tutorial_checks: each tutorial's network rebuilt with tinygrad_edu.nn, and checked against the tutorial.

- `models.py`: the network (`TutorialNet`), the losses, the map between a tutorial's weights and a
  Linear's, and `build_autograd_model(tutorial)`, the tutorial's autograd twin.
- `checks.py`: the three checks (gradients, training trajectory, published figures) and `run_checks()`.
  `tinygrad-edu check` (tinygrad_edu/apps/check.py) prints their results as a table.

Example:
    >>> from tinygrad_edu.apps.tutorial_checks import run_checks
    >>> [(result.tutorial.name, result.passed) for result in run_checks(["B"])]
    [('B', True)]
"""

from tinygrad_edu.apps.tutorial_checks.checks import (
    GRAD_STEPS,
    GRAD_TOL,
    HELD_TO_PUBLISHED,
    PUBLISHED_TOL,
    TRAJECTORY_TOL,
    Builder,
    CheckResult,
    check_gradients,
    compare_published,
    max_abs_diff,
    run_check,
    run_checks,
    train_twin,
)
from tinygrad_edu.apps.tutorial_checks.models import (
    SPECS,
    AutogradTutorial,
    NetSpec,
    TutorialNet,
    build_autograd_model,
    half_mean_squared_error,
    half_summed_squared_error,
    mean_bce,
    mean_squared_error,
    to_state_dict,
    to_tutorial_params,
)

__all__ = [
    "GRAD_STEPS", "GRAD_TOL", "HELD_TO_PUBLISHED", "PUBLISHED_TOL", "TRAJECTORY_TOL", "Builder", "CheckResult",
    "check_gradients", "compare_published", "max_abs_diff", "run_check", "run_checks", "train_twin",
    "SPECS", "AutogradTutorial", "NetSpec", "TutorialNet", "build_autograd_model", "half_mean_squared_error",
    "half_summed_squared_error", "mean_bce", "mean_squared_error", "to_state_dict", "to_tutorial_params",
]
