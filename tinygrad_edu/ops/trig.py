"""Trigonometric and hyperbolic ops, and their inverses: each forward next to the derivative that is its backward.

(sin and cos came first and live in elementwise.py; tanh is there too, as an activation.)
"""

from __future__ import annotations

import numpy as np

from tinygrad_edu.autograd import Function


class Tan(Function):
    """tan x."""

    def forward(self, x):
        out = np.tan(x)
        self.save(out)
        return out

    def backward(self, grad_out):
        # d tan(x)/dx = 1 / cos^2(x) = 1 + tan^2(x)
        (out,) = self.saved
        return grad_out * (1 + out * out)


class Asin(Function):
    """arcsin x, for -1 <= x <= 1."""

    def forward(self, x):
        self.save(x)
        return np.arcsin(x)

    def backward(self, grad_out):
        # d arcsin(x)/dx = 1 / sqrt(1 - x^2)
        (x,) = self.saved
        return grad_out / np.sqrt(1 - x * x)


class Acos(Function):
    """arccos x, for -1 <= x <= 1."""

    def forward(self, x):
        self.save(x)
        return np.arccos(x)

    def backward(self, grad_out):
        # d arccos(x)/dx = -1 / sqrt(1 - x^2)
        (x,) = self.saved
        return -grad_out / np.sqrt(1 - x * x)


class Atan(Function):
    """arctan x."""

    def forward(self, x):
        self.save(x)
        return np.arctan(x)

    def backward(self, grad_out):
        # d arctan(x)/dx = 1 / (1 + x^2)
        (x,) = self.saved
        return grad_out / (1 + x * x)


class Atan2(Function):
    """The angle of the point (b, a): arctan(a / b) in the right quadrant (torch.atan2(a, b))."""

    def forward(self, a, b):
        self.save(a, b)
        return np.arctan2(a, b)

    def backward(self, grad_out):
        # d atan2(a, b)/da = b / (a^2 + b^2), d atan2(a, b)/db = -a / (a^2 + b^2)
        a, b = self.saved
        need_a, need_b = self.needs_input_grad
        r2 = a * a + b * b
        return (grad_out * b / r2 if need_a else None), (-grad_out * a / r2 if need_b else None)


class Hypot(Function):
    """sqrt(a^2 + b^2), without overflow in the squares (np.hypot)."""

    def forward(self, a, b):
        out = np.hypot(a, b)
        self.save(a, b, out)
        return out

    def backward(self, grad_out):
        # d hypot(a, b)/da = a / hypot(a, b), and likewise for b
        a, b, out = self.saved
        need_a, need_b = self.needs_input_grad
        return (grad_out * a / out if need_a else None), (grad_out * b / out if need_b else None)


class Sinh(Function):
    """sinh x = (e^x - e^-x) / 2."""

    def forward(self, x):
        self.save(x)
        return np.sinh(x)

    def backward(self, grad_out):
        # d sinh(x)/dx = cosh(x)
        (x,) = self.saved
        return grad_out * np.cosh(x)


class Cosh(Function):
    """cosh x = (e^x + e^-x) / 2."""

    def forward(self, x):
        self.save(x)
        return np.cosh(x)

    def backward(self, grad_out):
        # d cosh(x)/dx = sinh(x)
        (x,) = self.saved
        return grad_out * np.sinh(x)


class Asinh(Function):
    """arsinh x = log(x + sqrt(x^2 + 1))."""

    def forward(self, x):
        self.save(x)
        return np.arcsinh(x)

    def backward(self, grad_out):
        # d arsinh(x)/dx = 1 / sqrt(x^2 + 1)
        (x,) = self.saved
        return grad_out / np.sqrt(x * x + 1)


class Acosh(Function):
    """arcosh x = log(x + sqrt(x^2 - 1)), for x >= 1."""

    def forward(self, x):
        self.save(x)
        return np.arccosh(x)

    def backward(self, grad_out):
        # d arcosh(x)/dx = 1 / sqrt(x^2 - 1)
        (x,) = self.saved
        return grad_out / np.sqrt(x * x - 1)


class Atanh(Function):
    """artanh x = log((1 + x) / (1 - x)) / 2, for -1 < x < 1."""

    def forward(self, x):
        self.save(x)
        return np.arctanh(x)

    def backward(self, grad_out):
        # d artanh(x)/dx = 1 / (1 - x^2)
        (x,) = self.saved
        return grad_out / (1 - x * x)
