"""Exponentials, logarithms and the error function beyond e^x and log x (those are in elementwise.py).

NumPy has no erf, so `erf` below computes it from two classic expansions, each in NumPy calls on its
input (so it runs on every array kind the engine carries) and each exact to float64 where it is used.
"""

from __future__ import annotations

import numpy as np

from tinygrad_edu.autograd import Function

_LN2 = float(np.log(2.0))
_LN10 = float(np.log(10.0))
_TWO_OVER_SQRT_PI = float(2.0 / np.sqrt(np.pi))
_ERF_SWITCH = 2.0  # below: the series; above: the continued fraction (both exact to ~1e-15 there)


class Exp2(Function):
    """2^x."""

    def forward(self, x):
        out = np.exp2(x)
        self.save(out)
        return out

    def backward(self, grad_out):
        # d 2^x/dx = 2^x log 2
        (out,) = self.saved
        return grad_out * out * _LN2


class Expm1(Function):
    """e^x - 1, exact for tiny x where e^x rounds to 1 (np.expm1)."""

    def forward(self, x):
        out = np.expm1(x)
        self.save(out)
        return out

    def backward(self, grad_out):
        # d (e^x - 1)/dx = e^x = out + 1
        (out,) = self.saved
        return grad_out * (out + 1)


class Log2(Function):
    """The base-2 logarithm."""

    def forward(self, x):
        self.save(x)
        return np.log2(x)

    def backward(self, grad_out):
        # d log2(x)/dx = 1 / (x log 2)
        (x,) = self.saved
        return grad_out / (x * _LN2)


class Log10(Function):
    """The base-10 logarithm."""

    def forward(self, x):
        self.save(x)
        return np.log10(x)

    def backward(self, grad_out):
        # d log10(x)/dx = 1 / (x log 10)
        (x,) = self.saved
        return grad_out / (x * _LN10)


class LogAddExp(Function):
    """log(e^a + e^b), without overflow (np.logaddexp)."""

    def forward(self, a, b):
        out = np.logaddexp(a, b)
        self.save(a, b, out)
        return out

    def backward(self, grad_out):
        # d/da = e^a / (e^a + e^b) = e^(a - out), and likewise for b
        a, b, out = self.saved
        need_a, need_b = self.needs_input_grad
        return (grad_out * np.exp(a - out) if need_a else None), (grad_out * np.exp(b - out) if need_b else None)


class Xlogy(Function):
    """x log y, and 0 where x == 0 (even where y == 0), as torch.xlogy: the x log x terms of an entropy."""

    def forward(self, x, y):
        self.save(x, y)
        with np.errstate(divide="ignore", invalid="ignore"):
            out = x * np.log(y)
        return np.where((x == 0) & (y == y), 0.0, out)  # (y == y: a nan y stays nan, as in PyTorch)

    def backward(self, grad_out):
        # d/dx = log y, and 0 where x == 0 and y <= 0 (PyTorch's choice: there log y is -inf or nan); d/dy = x / y
        x, y = self.saved
        need_x, need_y = self.needs_input_grad
        with np.errstate(divide="ignore", invalid="ignore"):
            grad_x = grad_out * np.where((x == 0) & (y <= 0), 0.0, np.log(y)) if need_x else None
            grad_y = grad_out * x / y if need_y else None
        return grad_x, grad_y


def _erf_series(x):
    """erf x = 2/sqrt(pi) e^(-x^2) sum_n x (2x^2)^n / (1 3 5 ... (2n+1)): every term positive, so
    nothing cancels; 80 terms reach float64's precision for |x| < 2.5 (it is used below 2)."""
    x2 = x * x
    term = x
    total = x
    for n in range(1, 80):
        term = term * (2 * x2) / (2 * n + 1)
        total = total + term
    return _TWO_OVER_SQRT_PI * np.exp(-x2) * total


def _erfc_fraction(x):
    """erfc x = e^(-x^2)/sqrt(pi) / (x + (1/2)/(x + 1/(x + (3/2)/(x + ...)))) for x >= 2, where
    60 levels of the continued fraction reach float64's precision (evaluated from the inside out). (From 2
    rather than 2.5: 1 - erf x up to 2.5 lost three digits to cancellation, erfc(2.49) ~ 4e-4; more levels, to
    start lower, would nest too deep for tg.compile's source.)"""
    tail = x
    for k in range(60, 0, -1):
        tail = x + (k / 2) / tail
    with np.errstate(over="ignore", under="ignore"):  # (x * x of a huge x is inf: e^-inf = 0, the answer)
        return np.exp(-x * x) / np.sqrt(np.pi) / tail


def _erf_parts(x):
    """(erf x, erfc x), each from the expansion that is exact where x is (see the two above), computed in float64
    and returned in x's dtype (in float32, 1 - series near the switch would lose erfc's last digits)."""
    dtype = x.dtype
    x = x.astype(np.float64)
    a = np.abs(x)
    small = a < _ERF_SWITCH
    series = _erf_series(np.where(small, x, 0))  # (each expansion sees only values it converges for)
    tail = _erfc_fraction(np.where(small, _ERF_SWITCH, a))
    sign = np.where(x < 0, -1, 1)
    erf = np.where(small, series, sign * (1 - tail))
    erfc = np.where(small, 1 - series, np.where(x < 0, 2 - tail, tail))  # erfc(-a) = 2 - erfc(a)
    return erf.astype(dtype), erfc.astype(dtype)


class Erf(Function):
    """The error function, erf x = 2/sqrt(pi) * integral from 0 to x of e^(-t^2) dt."""

    def forward(self, x):
        self.save(x)
        return _erf_parts(x)[0]

    def backward(self, grad_out):
        # d erf(x)/dx = 2/sqrt(pi) e^(-x^2)
        (x,) = self.saved
        return grad_out * _TWO_OVER_SQRT_PI * np.exp(-x * x)


class Erfc(Function):
    """1 - erf x, exact for large x where 1 - erf x would cancel to 0."""

    def forward(self, x):
        self.save(x)
        return _erf_parts(x)[1]

    def backward(self, grad_out):
        # d erfc(x)/dx = -2/sqrt(pi) e^(-x^2)
        (x,) = self.saved
        return -grad_out * _TWO_OVER_SQRT_PI * np.exp(-x * x)
