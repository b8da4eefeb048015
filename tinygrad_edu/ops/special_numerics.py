"""The numerics of torch.special in NumPy alone: gamma and its relatives, Bessel I0 and I1, erf's inverses.

Each function takes and returns float64 ndarrays (ops/special.py casts to and from the input's dtype) and is
exact to about 1e-15 relative where its value is far from 0 (near a root, such as lgamma's at 1 and 2, the
error is relative to the terms that cancel). The recipe is the classic one each time: a series where the
argument is small, an asymptotic expansion where it is large, and a recurrence or a reflection formula that
carries every other argument into one of those two regions. Overflow to inf is the right answer where the
true value is beyond float64 (lgamma(1e308), i0(800)), so it is computed under np.errstate, without warnings.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from fractions import Fraction
from typing import Any

import numpy as np

from tinygrad_edu.ops.explog import _ERF_SWITCH, _erf_parts

_SQRT_PI = math.sqrt(math.pi)
_LOG_SQRT_2PI = 0.5 * math.log(2 * math.pi)


def _bernoulli(count: int) -> list[float]:
    """B_0, B_1, ..., B_(count-1), from B_m = -1/(m+1) sum_(k<m) C(m+1, k) B_k, in exact fractions."""
    b = [Fraction(1)]
    for m in range(1, count):
        b.append(-sum((math.comb(m + 1, k) * b[k] for k in range(m)), Fraction(0)) / (m + 1))
    return [float(v) for v in b]


def _quiet(fn: Callable[..., np.ndarray]) -> Callable[..., np.ndarray]:
    """fn under np.errstate(all="ignore"): each np.where below computes both of its branches everywhere, and
    the branch not taken may overflow or divide by 0 (the taken one gives inf or nan only where that is the
    value, as in PyTorch)."""

    @functools.wraps(fn)
    def quiet(*args: Any) -> np.ndarray:
        with np.errstate(all="ignore"):
            return fn(*args)

    return quiet


_B = _bernoulli(32)  # B_2k for 2k <= 30: the Euler-Maclaurin and Stirling corrections below


# ---- erf's relatives: erfcx, log_ndtr, erfinv, ndtri --------------------------------------------


def _erfcx_fraction(x: np.ndarray) -> np.ndarray:
    """e^(x^2) erfc x = 1/sqrt(pi) / (x + (1/2)/(x + 1/(x + (3/2)/(x + ...)))), for x >= 2 (explog.py's
    fraction without its e^(-x^2)): no exp at all, so it neither overflows nor underflows however large x is."""
    tail = x
    for k in range(60, 0, -1):
        tail = x + (k / 2) / tail
    return 1 / (_SQRT_PI * tail)


def erf_erfc(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(erf x, erfc x), each exact where x is (explog.py's, which the ops Erf and Erfc use)."""
    return _erf_parts(x)


@_quiet
def erfcx(x: np.ndarray) -> np.ndarray:
    """e^(x^2) erfc x: the fraction for x >= 2.5, e^(x^2) (1 - erf x) below (inf once e^(x^2) is, x < -26.6)."""
    small = x < _ERF_SWITCH
    near = np.exp(np.square(np.where(small, x, 0.0))) * erf_erfc(np.where(small, x, 0.0))[1]
    far = _erfcx_fraction(np.where(small, _ERF_SWITCH, x))
    return np.where(small, near, far)


@_quiet
def log_ndtr(x: np.ndarray) -> np.ndarray:
    """log Phi(x), Phi(x) = erfc(-x/sqrt 2)/2: from erfcx where Phi is small (x < -1), so log(e^(-x^2/2) ...)
    is written -x^2/2 + log(...) and never takes the log of an underflowed 0; log1p(-erfc(x/sqrt 2)/2) else."""
    left = x < -1
    xl = np.where(left, x, -1.0)
    xr = np.where(left, -1.0, x)
    low = np.log(erfcx(-xl / math.sqrt(2)) / 2) - xl * xl / 2
    high = np.log1p(-erf_erfc(xr / math.sqrt(2))[1] / 2)
    return np.where(left, low, high)


def _erfcinv(q: np.ndarray) -> np.ndarray:
    """The x >= 0.47 with erfc x = q, for q in (0, 0.5]: Newton's method on log erfc x = log q, which is
    concave (so Newton converges from the start) and needs no erfc that underflows (log erfcx x - x^2)."""
    t = -np.log(q)
    x = np.sqrt(np.maximum(t - 0.5 * np.log(np.pi * t), 0.1))  # erfc x ~ e^(-x^2) / (x sqrt pi)
    for _ in range(10):
        ratio = erfcx(x)
        f = np.log(ratio) - x * x - np.log(q)
        x = x + f * ratio * (_SQRT_PI / 2)  # d log erfc x / dx = -2/sqrt(pi) / erfcx x
    return x


def _erfinv_center(y: np.ndarray) -> np.ndarray:
    """erfinv y for |y| <= 0.5: its Taylor start, then Halley's method on erf x = y."""
    x = y * (_SQRT_PI / 2) * (1 + (np.pi / 12) * y * y + (7 * np.pi**2 / 480) * y**4)
    for _ in range(3):
        step = (erf_erfc(x)[0] - y) / ((2 / _SQRT_PI) * np.exp(-x * x))
        x = x - step / (1 + x * step)  # Halley: erf'' = -2x erf'
    return x


@_quiet
def erfinv(y: np.ndarray) -> np.ndarray:
    """The x with erf x = y; |y| > 1/2 from erfc x = 1 - |y| (exact there), so the tails keep their digits."""
    a = np.abs(y)
    center = a <= 0.5
    tails = np.sign(y) * _erfcinv(np.where(center | (a >= 1), 0.5, 1 - a))
    out = np.where(center, _erfinv_center(np.where(center, y, 0.0)), tails)
    out = np.where(a == 1, np.copysign(np.inf, y), out)
    return np.where(a > 1, np.nan, out)


@_quiet
def ndtri(p: np.ndarray) -> np.ndarray:
    """The x with Phi(x) = p: sqrt 2 erfinv(2p - 1) where 2p - 1 is exact (p >= 1/4), else -sqrt 2 erfcinv(2p)."""
    low = p < 0.25
    left = -math.sqrt(2) * _erfcinv(np.where(low & (p > 0), 2 * p, 0.5))
    out = np.where(low, left, math.sqrt(2) * erfinv(np.where(low, 0.0, 2 * p - 1)))
    out = np.where(p == 0, -np.inf, out)
    return np.where((p < 0) | (p > 1), np.nan, out)


# ---- the gamma function's logarithm, its derivatives, the Hurwitz zeta function ---------------------


def _sinpi_reduced(x: np.ndarray) -> np.ndarray:
    """x - (the nearest integer): in [-1/2, 1/2], exact, so sin(pi r) and tan(pi r) lose nothing to pi x."""
    return x - np.round(x)


def _largest(values: Any, default: float) -> float:
    """The largest finite element of `values` (a number or an array), for a loop's length: it must be known before
    the loop, so it is read from the argument itself (under tg.compile, an argument that is a traced array would
    be an error that says so; the ops pass the order s and the shape a, constants in practice)."""
    finite = np.asarray(values, dtype=np.float64)
    finite = finite[np.isfinite(finite)]
    return float(finite.max(initial=default))


def _cot_derivative(n: int, c: np.ndarray) -> np.ndarray:
    """d^n/dt^n cot(t) as a polynomial in c = cot t: P_0 = c, P_(k+1) = -(1 + c^2) P_k'(c), as d cot/dt = -(1 + c^2)."""
    p = np.array([0.0, 1.0])  # coefficients, lowest power first
    for _ in range(n):
        p = -np.polynomial.polynomial.polymul([1.0, 0.0, 1.0], np.polynomial.polynomial.polyder(p))
    return np.polynomial.polynomial.polyval(c, p)


_ZETA_TERMS = 70  # at most this many terms are summed one by one (s > 60 needs no more: see zeta)


@_quiet
def zeta(s: Any, q: Any) -> np.ndarray:
    """Hurwitz's zeta(s, q) = sum_(k >= 0) (q + k)^-s, s > 1: the terms while q + k < 10 + s, then the rest by
    Euler-Maclaurin, int_a^inf t^-s dt + a^-s / 2 + sum_j B_2j / (2j)! s (s+1) ... (s+2j-2) a^(-s-2j+1), whose
    corrections shrink like ((s + 2j) / (2 pi a))^2j. (For s > 60 the first 70 terms are summed: what is left is
    below 70^-60 of them, so the corrections' slower fall does not matter.) For q < 0 (s an integer n + 1), the
    reflection of polygamma's: zeta(s, q) = (-1)^n [zeta(s, 1 - q) + pi^s P_n(cot(pi q)) / n!] (_cot_derivative).
    As torch (Cephes): inf at s = 1 and at the poles q = 0, -1, ..., -inf; nan for s < 1, for q < 0 with s
    fractional, and for s or q +inf; here also nan for q < 0 with s > 71."""
    most = min(_largest(s, 2.0), _ZETA_TERMS + 1)  # (the loops' lengths, from s alone)
    s, q = s + np.zeros_like(q), q + np.zeros_like(s)  # (one shape: s and q broadcast)
    pole = (s == 1) | ((q <= 0) & (q == np.floor(q)))
    bad = (s < 1) | ((q <= 0) & (s != np.floor(s))) | np.isnan(s) | np.isnan(q) | np.isinf(s) | (q == np.inf)
    bad = bad | ((q < 0) & (s > _ZETA_TERMS + 1))
    ok = ~(pole | bad)
    s = np.where(ok, s, 2.0)
    q = np.where(ok, q, 1.0)
    reflect = q < 0
    y = np.where(reflect, 1 - q, q)  # > 0
    count = np.minimum(np.maximum(np.ceil(10 + s - y), 0), _ZETA_TERMS)
    total = np.zeros_like(y)
    for k in range(int(np.ceil(10 + most))):
        total = total + np.where(k < count, (y + k) ** -s, 0.0)
    a = y + count
    power = a**-s  # a^-s; each correction below is the last one times (s+2j-1)(s+2j) / ((2j+1)(2j+2) a^2)
    total = total + a ** (1 - s) / (s - 1) + power / 2
    factor = s * power / a
    for j in range(1, 14):
        total = total + _B[2 * j] / math.factorial(2 * j) * factor
        factor = factor * (s + 2 * j - 1) * (s + 2 * j) / (a * a)
    cot = 1 / np.tan(np.pi * np.where(reflect, _sinpi_reduced(q), 0.5))
    derivative = np.zeros_like(y)
    for n in range(1, int(most)):
        derivative = np.where(s == n + 1, np.pi ** (n + 1) * _cot_derivative(n, cot) / math.factorial(n), derivative)
    sign = np.where(np.floor(s / 2) * 2 == s, -1.0, 1.0)  # (-1)^n, n = s - 1
    total = np.where(reflect, sign * (total + derivative), total)
    return np.where(pole, np.inf, np.where(bad, np.nan, total))


def _lgamma_near_two(z: np.ndarray) -> np.ndarray:
    """lgamma(2 + z) for |z| <= 1/2: (1 - gamma) z + sum_(k >= 2) (-1)^k (zeta(k) - 1) / k z^k, Horner's rule."""
    total = np.zeros_like(z)
    for k in range(40, 1, -1):
        total = (total + (-1) ** k * _ZETA_MINUS_1[k] / k) * z
    return (total + (1 - np.euler_gamma)) * z


def _lgamma_positive(x: np.ndarray) -> np.ndarray:
    """lgamma x for x > 0 (and inf at inf)."""
    # (0, 2.5): the series about 2, with lgamma(1 + z) = lgamma(2 + z) - log1p(z), lgamma(x) = lgamma(x+1) - log x
    y = np.where(x < 0.5, x + 1, x)
    z = np.where(y >= 1.5, y - 2, y - 1)
    small = _lgamma_near_two(np.where(y < 2.5, z, 0.0)) - np.where(y >= 1.5, 0.0, np.log1p(z))
    small = small - np.where(x < 0.5, np.log(x), 0.0)
    # [2.5, 20): Gamma(x) = (x-1)(x-2)...(x-n) Gamma(x-n) down to x - n in [1.5, 2.5), all factors > 1
    n = np.where((x >= 2.5) & (x < 20), np.floor(x - 1.5), 0.0)
    product = np.ones_like(x)
    for k in range(1, 19):
        product = product * np.where(k <= n, x - k, 1.0)
    middle = np.log(product) + _lgamma_near_two(np.where(n > 0, x - n - 2, 0.0))
    # [20, inf): Stirling, (x - 1/2) log x - x + log sqrt(2 pi) + sum_k B_2k / (2k (2k-1) x^(2k-1))
    big = np.where(x >= 20, x, 20.0)
    total = np.zeros_like(x)
    for k in range(8, 0, -1):
        total = total / (big * big) + _B[2 * k] / (2 * k * (2 * k - 1))
    series = total / big
    stirling = (big - 0.5) * np.log(big) - big + _LOG_SQRT_2PI + series
    stirling = np.where(np.isinf(big), np.inf, stirling)
    return np.where(x < 2.5, small, np.where(x < 20, middle, stirling))


def _lgamma1p(a: np.ndarray) -> np.ndarray:
    """lgamma(1 + a), exact for tiny a too (1 + a would round a away): lgamma(2 + a) - log1p(a) for |a| <= 1/2."""
    near = np.abs(a) <= 0.5
    return np.where(near, _lgamma_near_two(np.where(near, a, 0.0)) - np.log1p(np.where(near, a, 0.0)), lgamma(a + 1))


@_quiet
def lgamma(x: np.ndarray) -> np.ndarray:
    """log |Gamma(x)|: for x < 0 by reflection, Gamma(x) Gamma(1 - x) = pi / sin(pi x); inf at 0, -1, -2, ..."""
    negative = x < 0
    positive = _lgamma_positive(np.where(negative, 1 - x, x))
    r = _sinpi_reduced(np.where(negative, x, 0.5))  # (0.5 where unused: no 1/sin(0) computed for nothing)
    reflected = np.log(np.pi / np.abs(np.sin(np.pi * np.where(r == 0, 0.5, r)))) - positive
    out = np.where(negative, reflected, positive)
    out = np.where((x <= 0) & (x == np.floor(x)) | np.isinf(x), np.inf, out)
    return np.where(np.isnan(x), x, out)


@_quiet
def digamma(x: np.ndarray) -> np.ndarray:
    """psi(x) = d lgamma(x)/dx: psi(x) = psi(x + n) - sum_(k<n) 1/(x + k) up to x + n >= 10, then
    log x - 1/(2x) - sum_k B_2k / (2k x^2k); for x < 0, psi(1 - x) - pi / tan(pi x). As torch: psi(+-0) = -+inf,
    nan at the negative integers and at -inf."""
    negative = x < 0
    y = np.where(negative, 1 - x, x)
    y = np.where(y > 0, y, 1.0)
    count = np.where(np.isfinite(y), np.maximum(np.ceil(10 - y), 0), 0)
    shift = np.zeros_like(y)
    for k in range(10):
        shift = shift + np.where(k < count, 1 / (y + k), 0.0)
    big = y + count
    series = np.zeros_like(y)
    for k in range(8, 0, -1):
        series = (series + _B[2 * k] / (2 * k)) / (big * big)
    out = np.where(np.isinf(big), np.inf, np.log(big) - 0.5 / big - series) - shift
    r = _sinpi_reduced(x)
    out = np.where(negative, out - np.pi / np.tan(np.pi * np.where(r == 0, 0.5, r)), out)
    out = np.where(negative & ((r == 0) | np.isinf(x)), np.nan, out)
    out = np.where(x == 0, np.copysign(np.inf, -x), out)
    return np.where(np.isnan(x), x, out)


@_quiet
def polygamma(n: int, x: np.ndarray) -> np.ndarray:
    """The n-th derivative of digamma: psi^(n)(x) = (-1)^(n+1) n! zeta(n + 1, x) for n >= 1 (for x < 0, zeta's
    reflection is polygamma's). At +-inf as torch, whose n = 1 (trigamma) has its own kernel: 0 at inf and nan at
    -inf, where n >= 2 give nan and -+inf."""
    if n == 0:
        return digamma(x)
    out = (-1) ** (n + 1) * float(math.factorial(n)) * zeta(float(n + 1), x)
    if n == 1:
        out = np.where(x == np.inf, 0.0, np.where(x == -np.inf, np.nan, out))
    return out


# ---- modified Bessel functions of the first kind, I0 and I1, and their scaled forms e^-|x| I(x) -------------

_BESSEL_SWITCH = 30.0  # below: the power series (all terms positive); above: the asymptotic expansion


def _bessel_series(order: int, x: np.ndarray) -> np.ndarray:
    """I_v(x) = sum_k (x/2)^(2k+v) / (k! (k+v)!), v = 0 or 1, for |x| <= 30 (80 terms reach float64 there)."""
    quarter = x * x / 4
    term = np.ones_like(x) if order == 0 else x / 2
    total = term
    for k in range(1, 80):
        term = term * quarter / (k * (k + order))
        total = total + term
    return total


def _bessel_scaled_asymptotic(order: int, a: np.ndarray) -> np.ndarray:
    """e^-a I_v(a) ~ 1/sqrt(2 pi a) sum_k (-1)^k (4v^2 - 1)(4v^2 - 9)...(4v^2 - (2k-1)^2) / (k! (8a)^k), a >= 30,
    where the terms shrink until k ~ 2a = 60 (to e^-60): 40 of them reach float64."""
    mu = 4.0 * order * order
    term = np.ones_like(a)
    total = term
    for k in range(1, 40):
        term = -term * (mu - (2 * k - 1) ** 2) / (k * 8 * a)
        total = total + term
    return total / np.sqrt(2 * np.pi * a)


@_quiet
def bessel_i_scaled(order: int, x: np.ndarray) -> np.ndarray:
    """e^-|x| I_v(x) for v = 0, 1 (i0e, i1e): I0 is even, I1 odd."""
    a = np.abs(x)
    near = a <= _BESSEL_SWITCH
    series = _bessel_series(order, np.where(near, a, 0.0)) * np.exp(-np.where(near, a, 0.0))
    far = _bessel_scaled_asymptotic(order, np.where(near, _BESSEL_SWITCH, a))
    out = np.where(near, series, far)
    return out if order == 0 else np.sign(x) * out


@_quiet
def bessel_i(order: int, x: np.ndarray) -> np.ndarray:
    """I_v(x) for v = 0, 1 (i0, i1): e^|x| times the scaled value, inf where I_v is beyond float64."""
    a = np.abs(x)
    near = a <= _BESSEL_SWITCH
    far = bessel_i_scaled(order, np.where(near, _BESSEL_SWITCH, x)) * np.exp(np.where(near, 0.0, a))
    return np.where(near, _bessel_series(order, np.where(near, x, 0.0)), far)


# ---- the regularized incomplete gamma functions P(a, x) and Q(a, x) = 1 - P(a, x) ---------------------------


def _log_gammainc_series(a: np.ndarray, x: np.ndarray, steps: int) -> np.ndarray:
    """log P(a, x), P = x^a e^-x / Gamma(a + 1) sum_n x^n / ((a + 1)...(a + n)), used where x < a + 1 (the terms
    shrink). As a log, so that Q = 1 - P = -expm1(log P) keeps its digits where P is near 1 (tiny a)."""
    term = np.ones_like(x)
    rest = np.zeros_like(x)  # the sum less its first term, 1: log1p(rest) keeps a rest below 1e-16
    for n in range(1, steps):
        term = term * x / (a + n)
        rest = rest + term
    return a * np.log(x) - x - _lgamma1p(a) + np.log1p(rest)


def _gammaincc_small_x(a: np.ndarray, x: np.ndarray) -> np.ndarray:
    """Q(a, x) for x <= 1, from P = x^a / Gamma(a) sum_n (-x)^n / (n! (a + n)) (e^-t's series, integrated):
    Q = -expm1(a log x - lgamma(1 + a)) - x^a / Gamma(a) sum_(n >= 1) (-x)^n / (n! (a + n)). Where a is tiny, Q is
    too, and this keeps its digits (the series of _log_gammainc_series would cancel: 1 - e^(-x) sum ... ~ 0)."""
    term = np.ones_like(x)
    total = np.zeros_like(x)
    for n in range(1, 30):  # x^n / n! < 1e-30 by n = 30
        term = -term * x / n
        total = total + term / (a + n)
    log_lead = a * np.log(x) - _lgamma1p(a)
    return -np.expm1(log_lead) - np.exp(log_lead) * a * total


def _gammaincc_fraction(a: np.ndarray, x: np.ndarray, steps: int) -> np.ndarray:
    """Q(a, x) = x^a e^-x / Gamma(a) / (x + 1 - a - 1 (1 - a) / (x + 3 - a - 2 (2 - a) / (x + 5 - a - ...))),
    used where x >= a + 1, evaluated front to back by the modified Lentz method."""
    tiny = 1e-300
    b = x + 1 - a
    c = np.full_like(x, 1 / tiny)
    d = 1 / b
    h = d
    for i in range(1, steps):
        an = -i * (i - a)
        b = b + 2
        d = an * d + b
        d = np.where(np.abs(d) < tiny, tiny, d)
        c = b + an / c
        c = np.where(np.abs(c) < tiny, tiny, c)
        d = 1 / d
        delta = d * c
        h = h * delta
    return np.exp(a * np.log(x) - x - lgamma(a)) * h


@_quiet
def gammainc(a: np.ndarray, x: np.ndarray, upper: bool) -> np.ndarray:
    """P(a, x) (upper False) or Q(a, x) (upper True), each from the expansion that converges where (a, x) is
    (P's series for x < a + 1, Q's fraction beyond), and the other as 1 minus it. Edge values as torch (Cephes):
    nan for a < 0 or x < 0, and for a = x = 0."""
    # Both expansions' terms fall like e^(-k^2 / 2a) at worst (x ~ a), so 10 sqrt(a) + 40 of them reach float64; a
    # fixed count, from a alone (the shape, a constant in practice: see _largest), so the loops are straight-line
    steps = int(min(40 + 10 * np.sqrt(_largest(a, 1.0)), 20000))
    a, x = a + np.zeros_like(x), x + np.zeros_like(a)  # (one shape)
    interior = (a > 0) & (x > 0) & np.isfinite(a) & np.isfinite(x)
    aa = np.where(interior, a, 1.0)
    xx = np.where(interior, x, 1.0)
    use_series = xx < aa + 1
    log_series = _log_gammainc_series(np.where(use_series, aa, 1.0), np.where(use_series, xx, 0.5), steps)
    fraction = _gammaincc_fraction(np.where(use_series, 1.0, aa), np.where(use_series, 2.0, xx), steps)
    if upper:
        small_x = _gammaincc_small_x(np.where(use_series, aa, 1.0), np.where(use_series, np.minimum(xx, 1.0), 0.5))
        out = np.where(use_series, np.where(xx <= 1, small_x, -np.expm1(log_series)), fraction)
    else:
        out = np.where(use_series, np.exp(log_series), 1 - fraction)
    # the edges: P(0, x > 0) = 1, P(a, 0) = 0, P(a, inf) = 1, P(inf, x) = 0; nan where undefined
    edge = np.where((a == 0) & (x > 0), 1.0, np.where(x == 0, 0.0, np.where(np.isinf(x), 1.0, 0.0)))
    edge = 1 - edge if upper else edge
    nan = (a < 0) | (x < 0) | ((a == 0) & (x == 0)) | (np.isinf(a) & np.isinf(x)) | np.isnan(a) | np.isnan(x)
    return np.where(nan, np.nan, np.where(interior, out, edge))


# zeta(k) - 1 = zeta(k, 2) for k = 0..40 (entries 0 and 1 unused): the coefficients of lgamma's series about 2
_ZETA_MINUS_1 = [0.0, 0.0] + [float(zeta(np.float64(k), np.float64(2.0))) for k in range(2, 41)]
