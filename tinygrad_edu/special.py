"""tg.special, as torch.special: the gamma family, Bessel functions, erf and its relatives, and their gradients.

Each function takes a tensor (or anything `tg.tensor` takes) and returns a tensor in the graph; an int tensor
computes in the default float dtype, as in PyTorch. New ops are in ops/special.py (forward beside backward,
the NumPy numerics in ops/special_numerics.py); names PyTorch has elsewhere too (erf, expit = sigmoid,
softmax, xlogy, ...) call the library's existing ops. A torch.special name that is not here is an
AttributeError that names it (`torch.special.airy_ai`: see torch_alias.py).

Example:
    >>> x = tg.tensor([0.5, 1.0, 2.0], dtype=tg.float64, requires_grad=True)
    >>> tg.special.gammaln(x).sum().backward()
    >>> x.grad                                   # d lgamma/dx = digamma
    tensor([-1.96351003, -0.57721566,  0.42278434], dtype=float64)
"""

from __future__ import annotations

import math
from typing import Any

from tinygrad_edu import ops
from tinygrad_edu.arguments import Dim
from tinygrad_edu.tensor import Tensor, _binary, _operand_tensor
from tinygrad_edu.tensor_math import _floating
from tinygrad_edu.torch_alias import torch_attribute_error

__all__ = [
    "erf",
    "erfc",
    "erfcx",
    "erfinv",
    "expit",
    "logit",
    "exp2",
    "expm1",
    "log1p",
    "log_ndtr",
    "ndtr",
    "ndtri",
    "digamma",
    "psi",
    "polygamma",
    "gammaln",
    "multigammaln",
    "gammainc",
    "gammaincc",
    "i0",
    "i0e",
    "i1",
    "i1e",
    "sinc",
    "round",
    "softmax",
    "log_softmax",
    "logsumexp",
    "xlogy",
    "xlog1py",
    "entr",
    "zeta",
]

# a torch.special name we lack: an AttributeError that names it
__getattr__ = torch_attribute_error(__name__)

_SQRT1_2 = math.sqrt(0.5)


def _float_tensor(input: Any) -> Tensor:
    """input as a Tensor, ints in the default float dtype."""
    return _floating(_operand_tensor(input))


def _pair(op: Any, input: Any, other: Any) -> Tensor:
    """op(input, other) with PyTorch's result dtype, either side a number or a tensor (ints give floats)."""
    if isinstance(input, Tensor) or not isinstance(other, Tensor):
        return _binary(op, _operand_tensor(input), other, true_divide=True)
    return _binary(op, other, input, reflected=True, true_divide=True)


# ---- erf and the normal distribution -----------------------------------------------------------


def erf(input: Any) -> Tensor:
    """The error function, 2/sqrt(pi) * integral_0^x e^(-t^2) dt (ops/explog.py's Erf)."""
    return _float_tensor(input).erf()


def erfc(input: Any) -> Tensor:
    """1 - erf(x), exact where erf(x) is near 1."""
    return _float_tensor(input).erfc()


def erfcx(input: Any) -> Tensor:
    """e^(x^2) erfc(x), the scaled complementary error function (finite where erfc underflows).

    Example:
        >>> tg.special.erfcx(tg.tensor([0.0, 30.0], dtype=tg.float64))   # ~ 1 / (x sqrt(pi)) for large x
        tensor([1.        , 0.01879589], dtype=float64)
    """
    return ops.Erfcx.apply(_float_tensor(input))


def erfinv(input: Any) -> Tensor:
    """The inverse of erf on (-1, 1); +-inf at +-1 and nan beyond (x.erfinv())."""
    return _float_tensor(input).erfinv()


def ndtr(input: Any) -> Tensor:
    """Phi(x), the standard normal CDF: erfc(-x / sqrt 2) / 2 (its gradient comes with erfc's).

    Example:
        >>> tg.special.ndtr(tg.tensor([0.0]))
        tensor([0.5], dtype=float32)
    """
    return (_float_tensor(input) * -_SQRT1_2).erfc() * 0.5


def log_ndtr(input: Any) -> Tensor:
    """log Phi(x), exact for x -> -inf where Phi underflows (log_ndtr(-40) = -804.6...)."""
    return ops.LogNdtr.apply(_float_tensor(input))


def ndtri(input: Any) -> Tensor:
    """Phi^-1(p), the standard normal quantile: ndtri(ndtr(x)) = x; -inf at 0, inf at 1, nan outside [0, 1]."""
    return ops.Ndtri.apply(_float_tensor(input))


# ---- the gamma function and its relatives ------------------------------------------------------


def gammaln(input: Any) -> Tensor:
    """log |Gamma(x)| (torch.lgamma, x.lgamma())."""
    return _float_tensor(input).lgamma()


def digamma(input: Any) -> Tensor:
    """psi(x) = d lgamma(x)/dx (x.digamma())."""
    return _float_tensor(input).digamma()


psi = digamma  # (torch.special.psi is torch.special.digamma's alias)


def polygamma(n: int, input: Any) -> Tensor:
    """psi^(n)(x), the n-th derivative of digamma (n first, as torch.special.polygamma)."""
    return _float_tensor(input).polygamma(n)


def multigammaln(input: Any, p: int) -> Tensor:
    """log of the multivariate gamma function of dimension p (x.mvlgamma(p))."""
    return _float_tensor(input).mvlgamma(p)


def gammainc(input: Any, other: Any) -> Tensor:
    """P(a, x), the regularized lower incomplete gamma function, a = input, x = other (a.igamma(x)); only x has
    a gradient, as in PyTorch."""
    return _pair(ops.Igamma, input, other)


def gammaincc(input: Any, other: Any) -> Tensor:
    """Q(a, x) = 1 - P(a, x), the regularized upper incomplete gamma function (a.igammac(x))."""
    return _pair(ops.Igammac, input, other)


def zeta(input: Any, other: Any) -> Tensor:
    """Hurwitz's zeta(s, q) = sum_(k >= 0) (q + k)^-s, s = input, q = other; only q has a gradient, as in PyTorch.

    Example:
        >>> tg.special.zeta(tg.tensor([2.0], dtype=tg.float64), 1.0)   # Riemann's zeta(2) = pi^2 / 6
        tensor([1.64493407], dtype=float64)
    """
    return _pair(ops.Zeta, input, other)


# ---- Bessel functions ---------------------------------------------------------------------------


def i0(input: Any) -> Tensor:
    """I0(x), the modified Bessel function of the first kind of order 0 (x.i0())."""
    return _float_tensor(input).i0()


def i0e(input: Any) -> Tensor:
    """e^-|x| I0(x): I0 scaled, finite for every x."""
    return ops.I0e.apply(_float_tensor(input))


def i1(input: Any) -> Tensor:
    """I1(x), the modified Bessel function of the first kind of order 1."""
    return ops.I1.apply(_float_tensor(input))


def i1e(input: Any) -> Tensor:
    """e^-|x| I1(x): I1 scaled, finite for every x."""
    return ops.I1e.apply(_float_tensor(input))


# ---- the rest: elementary functions under torch.special's names --------------------------------


def expit(input: Any) -> Tensor:
    """1 / (1 + e^-x), the logistic sigmoid (x.sigmoid())."""
    return _float_tensor(input).sigmoid()


def logit(input: Any, eps: float | None = None) -> Tensor:
    """log(x / (1 - x)), expit's inverse; with eps, x is first clamped to [eps, 1 - eps] (x.logit(eps))."""
    return _float_tensor(input).logit(eps)


def exp2(input: Any) -> Tensor:
    """2^x."""
    return _float_tensor(input).exp2()


def expm1(input: Any) -> Tensor:
    """e^x - 1, exact for tiny x."""
    return _float_tensor(input).expm1()


def log1p(input: Any) -> Tensor:
    """log(1 + x), exact for tiny x."""
    return _float_tensor(input).log1p()


def sinc(input: Any) -> Tensor:
    """sin(pi x) / (pi x), and 1 at 0 (x.sinc())."""
    return _float_tensor(input).sinc()


def round(input: Any, *, decimals: int = 0) -> Tensor:  # noqa: A001  (torch.special.round)
    """x rounded to `decimals` places, halves to even (x.round(decimals))."""
    return _operand_tensor(input).round(decimals)


def softmax(input: Any, dim: int, *, dtype: Any = None) -> Tensor:
    """e^x / sum(e^x) along dim (x.softmax(dim, dtype))."""
    return _operand_tensor(input).softmax(dim, dtype)


def log_softmax(input: Any, dim: int, *, dtype: Any = None) -> Tensor:
    """log softmax(x) along dim (x.log_softmax(dim, dtype))."""
    return _operand_tensor(input).log_softmax(dim, dtype)


def logsumexp(input: Any, dim: Dim, keepdim: bool = False) -> Tensor:
    """log sum(e^x) over dim (x.logsumexp(dim, keepdim))."""
    return _operand_tensor(input).logsumexp(dim, keepdim)


def xlogy(input: Any, other: Any) -> Tensor:
    """x log y, 0 where x is 0 (x.xlogy(y))."""
    return _pair(ops.Xlogy, input, other)


def xlog1py(input: Any, other: Any) -> Tensor:
    """x log(1 + y), 0 where x is 0.

    Example:
        >>> tg.special.xlog1py(tg.tensor([0.0, 2.0]), tg.tensor([-1.0, 0.0]))   # 0 log 0 = 0, 2 log 1 = 0
        tensor([0., 0.], dtype=float32)
    """
    return _pair(ops.Xlog1py, input, other)


def entr(input: Any) -> Tensor:
    """-x log x for x > 0, 0 at 0, -inf for x < 0: one term of an entropy."""
    return ops.Entr.apply(_float_tensor(input))
