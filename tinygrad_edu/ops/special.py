"""torch.special's ops, forward beside backward: the gamma family, Bessel I0 and I1, erf's inverses, sinc, entr.

Each forward computes in float64 with the NumPy numerics of special_numerics.py and returns the input's dtype.
A derivative that is itself a special function (lgamma' = digamma, i0' = i1) is computed by `_special`: on
arrays, the numerics; on Tensors (double backward, create_graph=True), the op, so that its own gradient is
recorded too. So every op here has exact first and second derivatives, with no formula written twice.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

import tinygrad_edu as _tinygrad_edu
from tinygrad_edu.autograd import Function
from tinygrad_edu.ops import special_numerics as numerics

_tg: Any = _tinygrad_edu  # (read at call time: the package is still being imported when this module loads)
_SQRT_PI = math.sqrt(math.pi)
_SQRT_2PI = math.sqrt(2 * math.pi)


def _in_float64(fn: Callable[..., Any], *args: Any) -> Any:
    """fn of the arguments computed in float64, returned in their float dtype (float32 stays float32). Arrays are
    converted with .astype, numbers (an order n, a constant s) passed as they are, so that a traced array
    (tg.compile) stays traced."""
    dtype = np.result_type(*(getattr(a, "dtype", a) for a in args))
    out = fn(*(a.astype(np.float64) if hasattr(a, "astype") else a for a in args))
    with np.errstate(over="ignore"):  # (a float64 value beyond float32's range is inf in float32, as in PyTorch)
        return out.astype(dtype, copy=False)


def _special(name: str, *args: Any) -> Any:
    """tg.special.<name>(*args) if an argument is a Tensor (double backward: the op is recorded), else the same
    function of the arrays from the numerics (first backward: plain NumPy)."""
    if any(hasattr(a, "grad_fn") for a in args):
        return getattr(_tg.special, name)(*args)
    return _in_float64(_NUMERICS[name], *args)


_NUMERICS: dict[str, Callable[..., Any]] = {
    "digamma": numerics.digamma,
    "polygamma": numerics.polygamma,
    "i0": lambda x: numerics.bessel_i(0, x),
    "i1": lambda x: numerics.bessel_i(1, x),
    "i0e": lambda x: numerics.bessel_i_scaled(0, x),
    "i1e": lambda x: numerics.bessel_i_scaled(1, x),
    "gammaln": numerics.lgamma,
    "zeta": numerics.zeta,
}


class Lgamma(Function):
    """log |Gamma(x)| (torch.lgamma, torch.special.gammaln)."""

    def forward(self, x):
        self.save(x)
        return _in_float64(numerics.lgamma, x)

    def backward(self, grad_out):
        # d lgamma(x)/dx = digamma(x)
        (x,) = self.saved
        return grad_out * _special("digamma", x)


class Digamma(Function):
    """psi(x) = d lgamma(x)/dx (torch.digamma, torch.special.psi)."""

    def forward(self, x):
        self.save(x)
        return _in_float64(numerics.digamma, x)

    def backward(self, grad_out):
        # d psi(x)/dx = psi^(1)(x), the trigamma function
        (x,) = self.saved
        return grad_out * _special("polygamma", 1, x)


class Polygamma(Function):
    """psi^(n)(x), the n-th derivative of digamma (n >= 1; n = 0 is Digamma)."""

    def forward(self, x, n: int = 1):
        self.n = n
        self.save(x)
        return _in_float64(lambda v: numerics.polygamma(n, v), x)

    def backward(self, grad_out):
        # d psi^(n)(x)/dx = psi^(n+1)(x)
        (x,) = self.saved
        return grad_out * _special("polygamma", self.n + 1, x)


class Erfinv(Function):
    """The inverse of erf on (-1, 1): erfinv(erf(x)) = x."""

    def forward(self, y):
        out = _in_float64(numerics.erfinv, y)
        self.save(out)
        return out

    def backward(self, grad_out):
        # x = erfinv(y): dx/dy = 1 / erf'(x) = sqrt(pi)/2 e^(x^2)
        (out,) = self.saved
        return grad_out * (_SQRT_PI / 2) * np.exp(out * out)


class Erfcx(Function):
    """e^(x^2) erfc(x), the scaled complementary error function: no overflow or underflow for large x."""

    def forward(self, x):
        out = _in_float64(numerics.erfcx, x)
        self.save(x, out)
        return out

    def backward(self, grad_out):
        # d/dx e^(x^2) erfc(x) = 2x e^(x^2) erfc(x) - 2/sqrt(pi) = 2x out - 2/sqrt(pi)
        x, out = self.saved
        return grad_out * (2 * x * out - 2 / _SQRT_PI)


class LogNdtr(Function):
    """log Phi(x), the log of the standard normal CDF, without underflow for x -> -inf."""

    def forward(self, x):
        out = _in_float64(numerics.log_ndtr, x)
        self.save(x, out)
        return out

    def backward(self, grad_out):
        # d log Phi(x)/dx = phi(x) / Phi(x) = e^(-x^2/2 - log Phi(x)) / sqrt(2 pi): no ratio of underflowed numbers
        x, out = self.saved
        return grad_out * np.exp(-(out + x * x / 2)) / _SQRT_2PI


class Ndtri(Function):
    """Phi^-1(p), the quantile function of the standard normal: ndtri(ndtr(x)) = x."""

    def forward(self, p):
        out = _in_float64(numerics.ndtri, p)
        self.save(out)
        return out

    def backward(self, grad_out):
        # x = Phi^-1(p): dx/dp = 1 / phi(x) = sqrt(2 pi) e^(x^2/2)
        (out,) = self.saved
        return grad_out * _SQRT_2PI * np.exp(out * out / 2)


class I0(Function):
    """I0(x), the modified Bessel function of the first kind of order 0."""

    def forward(self, x):
        self.save(x)
        return _in_float64(lambda v: numerics.bessel_i(0, v), x)

    def backward(self, grad_out):
        # I0' = I1
        (x,) = self.saved
        return grad_out * _special("i1", x)


class I0e(Function):
    """e^-|x| I0(x), I0 scaled so that it does not overflow."""

    def forward(self, x):
        out = _in_float64(lambda v: numerics.bessel_i_scaled(0, v), x)
        self.save(x, out)
        return out

    def backward(self, grad_out):
        # d/dx e^-|x| I0(x) = e^-|x| I1(x) - sign(x) e^-|x| I0(x) = i1e(x) - sign(x) out
        x, out = self.saved
        return grad_out * (_special("i1e", x) - np.sign(x) * out)


class I1(Function):
    """I1(x), the modified Bessel function of the first kind of order 1."""

    def forward(self, x):
        out = _in_float64(lambda v: numerics.bessel_i(1, v), x)
        self.save(x, out)
        return out

    def backward(self, grad_out):
        # I1' = I0 - I1 / x, and 1/2 at x = 0 (I1 ~ x/2 there)
        x, out = self.saved
        at_zero = x == 0
        safe = np.where(at_zero, 1.0, x)
        return grad_out * np.where(at_zero, 0.5, _special("i0", x) - out / safe)


class I1e(Function):
    """e^-|x| I1(x), I1 scaled so that it does not overflow."""

    def forward(self, x):
        out = _in_float64(lambda v: numerics.bessel_i_scaled(1, v), x)
        self.save(x, out)
        return out

    def backward(self, grad_out):
        # d/dx e^-|x| I1(x) = i0e(x) - out (sign(x) + 1/x), and 1/2 at x = 0
        x, out = self.saved
        at_zero = x == 0
        safe = np.where(at_zero, 1.0, x)
        return grad_out * np.where(at_zero, 0.5, _special("i0e", x) - out * (np.sign(x) + 1 / safe))


class Sinc(Function):
    """sin(pi x) / (pi x), and 1 at x = 0 (the normalized sinc)."""

    def forward(self, x):
        self.save(x)
        at_zero = x == 0
        safe = np.where(at_zero, 1.0, x) * np.pi
        with np.errstate(invalid="ignore"):  # (sin of +-inf is nan, as in PyTorch)
            return np.where(at_zero, 1.0, np.sin(safe) / safe).astype(x.dtype, copy=False)

    def backward(self, grad_out):
        # d/dx sin(pi x)/(pi x) = (cos(pi x) - sinc(x)) / x; near 0, where that cancels, the derivative of
        # sinc's series 1 - (pi x)^2/6 + (pi x)^4/120 - (pi x)^6/5040: -pi^2 x/3 + pi^4 x^3/30 - pi^6 x^5/840,
        # exact there to float64 and right at 0 in its own derivative too (-pi^2/3, where PyTorch gives nan)
        (x,) = self.saved
        near = np.abs(x) < 0.01
        safe = np.where(near, 1.0, x)
        series = x * (-(np.pi**2) / 3 + x * x * (np.pi**4 / 30 - x * x * np.pi**6 / 840))
        return grad_out * np.where(near, series, (np.cos(np.pi * safe) - np.sin(np.pi * safe) / (np.pi * safe)) / safe)


class Entr(Function):
    """-x log x for x > 0, 0 at x = 0 and -inf for x < 0 (the entropy term; torch.special.entr)."""

    def forward(self, x):
        self.save(x)
        with np.errstate(divide="ignore", invalid="ignore"):
            out = np.where(x > 0, -x * np.log(np.where(x > 0, x, 1.0)), np.where(x == 0, 0.0, -np.inf))
        return np.where(np.isnan(x), x, out).astype(x.dtype, copy=False)

    def backward(self, grad_out):
        # d(-x log x)/dx = -(log x + 1); nan for x < 0 and +inf at 0, as PyTorch's formula gives
        (x,) = self.saved
        with np.errstate(divide="ignore", invalid="ignore"):
            return grad_out * -(np.log(x) + 1)


class Xlog1py(Function):
    """x log(1 + y), and 0 where x == 0 (unless y is nan), as torch.special.xlog1py."""

    def forward(self, x, y):
        self.save(x, y)
        with np.errstate(divide="ignore", invalid="ignore"):
            out = x * np.log1p(y)
        return np.where((x == 0) & (y == y), 0.0, out).astype(out.dtype, copy=False)

    def backward(self, grad_out):
        # d/dx = log(1 + y) (0 where x == 0 and y <= -1, PyTorch's choice); d/dy = x / (1 + y)
        x, y = self.saved
        need_x, need_y = self.needs_input_grad
        with np.errstate(divide="ignore", invalid="ignore"):
            grad_x = grad_out * np.where((x == 0) & (y <= -1), 0.0, np.log1p(y)) if need_x else None
            grad_y = grad_out * x / (1 + y) if need_y else None
        return grad_x, grad_y


def _no_derivative(name: str) -> NotImplementedError:
    """PyTorch's refusal for a derivative it does not define (it is a NotImplementedError there too)."""
    return NotImplementedError(f"the derivative for '{name}' is not implemented.")


class Igamma(Function):
    """P(a, x) = gamma(a, x) / Gamma(a), the regularized lower incomplete gamma function (torch.special.gammainc).
    As in PyTorch, only x has a gradient: the one for a is a NotImplementedError."""

    upper = False

    def forward(self, a, x):
        self.save(a, x)
        return _in_float64(lambda u, v: numerics.gammainc(u, v, self.upper), a, x)

    def backward(self, grad_out):
        # dP/dx = x^(a-1) e^-x / Gamma(a) = e^((a-1) log x - x - lgamma(a)); dQ/dx = -dP/dx
        a, x = self.saved
        need_a, need_x = self.needs_input_grad
        if need_a:
            raise _no_derivative(f"{'igammac' if self.upper else 'igamma'}: input")
        if not need_x:
            return None, None
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            density = np.exp((a - 1) * np.log(x) - x - _special("gammaln", a))
        return None, grad_out * (-density if self.upper else density)


class Igammac(Igamma):
    """Q(a, x) = 1 - P(a, x), the regularized upper incomplete gamma function (torch.special.gammaincc), exact
    where Q is tiny. Only x has a gradient, as in PyTorch."""

    upper = True


class Zeta(Function):
    """Hurwitz's zeta(s, q) = sum_(k >= 0) (q + k)^-s (torch.special.zeta; zeta(s, 1) is Riemann's). As in PyTorch,
    only q has a gradient: the one for s is a NotImplementedError."""

    def forward(self, s, q):
        self.save(s, q)
        return _in_float64(numerics.zeta, s, q)

    def backward(self, grad_out):
        # d/dq sum_k (q + k)^-s = -s sum_k (q + k)^(-s-1) = -s zeta(s + 1, q)
        s, q = self.saved
        need_s, need_q = self.needs_input_grad
        if need_s:
            raise _no_derivative("zeta")
        return None, (grad_out * -s * _special("zeta", s + 1, q) if need_q else None)
