"""Gradient debugging: check a model's gradients, find the op whose backward is wrong, stop at the first NaN.

- `check_grads(model, loss_fn, *inputs)`: a table of every parameter's gradient error, on a float64
  copy of the model (model_check.py).
- `locate_bad_backward(output)`: the first op of a recorded graph whose backward disagrees with finite
  differences at its own inputs (localise.py).
- `detect_anomaly()`: raise at the first op whose output or gradient holds NaN or inf, naming the line
  of your code that created it (anomaly.py).

Your own `Function` subclasses are checked exactly like the built-in ops.
"""

from tinygrad_edu.debug.anomaly import AnomalyError, detect_anomaly, is_anomaly_enabled
from tinygrad_edu.debug.localise import BadBackward, locate_bad_backward
from tinygrad_edu.debug.model_check import GradReport, GradRow, check_grads

__all__ = [
    "check_grads",
    "GradReport",
    "GradRow",
    "locate_bad_backward",
    "BadBackward",
    "detect_anomaly",
    "is_anomaly_enabled",
    "AnomalyError",
]
