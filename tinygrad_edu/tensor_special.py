"""Tensor's special-function methods, as PyTorch's: lgamma digamma polygamma mvlgamma erfinv i0 sinc igamma igammac.

`Tensor` (tensor.py) inherits these from `SpecialMethods`. Each is a one-line delegation to its op in
`tinygrad_edu/ops/special.py` (forward beside backward), or a short composition of them (mvlgamma is a sum of
lgammas). An int tensor computes in the default float dtype, as in PyTorch. The rest of torch.special (i0e,
i1, erfcx, ndtri, log_ndtr, zeta, ...), which PyTorch has no Tensor method for, is in special.py.
"""

from __future__ import annotations

from typing import Any

import numpy as np

import tinygrad_edu as _tinygrad_edu
import tinygrad_edu.tensor as _tensor_module
from tinygrad_edu.errors import ArgumentError
from tinygrad_edu.tensor_math import _floating

# tensor.py is still being imported when this module runs (Tensor inherits from it): read at call time
_tensor: Any = _tensor_module
_tg: Any = _tinygrad_edu


def _binary_float(op: Any, a: Any, b: Any) -> Any:
    """op(a, b) for a Tensor a and a Tensor or number b, with PyTorch's result dtype (ints give the default
    float): tensor.py's `_binary`, as the operators and xlogy use it."""
    return _tensor._binary(op, a, b, true_divide=True)


class SpecialMethods:
    """Methods of Tensor (see the module docstring); `self` is always a Tensor."""

    __slots__ = ()

    def lgamma(self) -> Any:
        """log |Gamma(x)|, elementwise.

        Example:
            >>> tg.tensor([1.0, 2.0, 3.0, 4.0]).lgamma().exp()   # Gamma(n) = (n - 1)!
            tensor([1., 1., 2., 6.], dtype=float32)
        """
        return _tg.ops.Lgamma.apply(_floating(self))

    def digamma(self) -> Any:
        """psi(x) = d lgamma(x)/dx, elementwise (psi(1) = -0.5772..., minus Euler's constant)."""
        return _tg.ops.Digamma.apply(_floating(self))

    def polygamma(self, n: int) -> Any:
        """psi^(n)(x), the n-th derivative of digamma, elementwise (note the order: x.polygamma(n), as PyTorch).

        Example:
            >>> tg.tensor([1.0], dtype=tg.float64).polygamma(1)   # pi^2 / 6
            tensor([1.64493407], dtype=float64)
        """
        n = int(n)
        if n < 0:
            raise ArgumentError(f"polygamma(n, x) does not support negative n (got n={n}), as in PyTorch")
        x = _floating(self)
        return _tg.ops.Digamma.apply(x) if n == 0 else _tg.ops.Polygamma.apply(x, n=n)

    def mvlgamma(self, p: int) -> Any:
        """The log of the multivariate gamma function of dimension p, elementwise:
        sum_(i < p) lgamma(x - i/2) + p (p - 1)/4 log(pi); p >= 1, as in PyTorch."""
        p = int(p)
        if p < 1:
            raise ArgumentError(f"mvlgamma: p has to be greater than or equal to 1 (got p={p}), as in PyTorch")
        x = _floating(self)  # (PyTorch no longer refuses elements <= (p - 1)/2: lgamma of negatives is defined)
        total = x.lgamma()
        for i in range(1, p):
            total = total + (x - i / 2).lgamma()
        return total + p * (p - 1) / 4 * float(np.log(np.pi))

    def erfinv(self) -> Any:
        """The inverse error function on (-1, 1), elementwise: +-inf at +-1, nan beyond."""
        return _tg.ops.Erfinv.apply(_floating(self))

    def i0(self) -> Any:
        """I0(x), the modified Bessel function of the first kind of order 0, elementwise."""
        return _tg.ops.I0.apply(_floating(self))

    def sinc(self) -> Any:
        """sin(pi x) / (pi x), and 1 at 0, elementwise (the normalized sinc)."""
        return _tg.ops.Sinc.apply(_floating(self))

    def igamma(self, other: Any) -> Any:
        """P(self, other), the regularized lower incomplete gamma function (torch.special.gammainc); as in
        PyTorch, only `other` (x) has a gradient."""
        return _binary_float(_tg.ops.Igamma, self, other)

    def igammac(self, other: Any) -> Any:
        """Q(self, other) = 1 - P(self, other), the regularized upper incomplete gamma function."""
        return _binary_float(_tg.ops.Igammac, self, other)

    # ---- in place, as PyTorch's x.lgamma_() & co. (in_place.py: version counters and the graph) ----

    def lgamma_(self) -> Any:
        """self = self.lgamma(), in place."""
        return self._assign_result_("lgamma_", self.clone().lgamma())  # type: ignore[attr-defined]

    def digamma_(self) -> Any:
        """self = self.digamma(), in place."""
        return self._assign_result_("digamma_", self.clone().digamma())  # type: ignore[attr-defined]

    def polygamma_(self, n: int) -> Any:
        """self = self.polygamma(n), in place."""
        return self._assign_result_("polygamma_", self.clone().polygamma(n))  # type: ignore[attr-defined]

    def erfinv_(self) -> Any:
        """self = self.erfinv(), in place."""
        return self._assign_result_("erfinv_", self.clone().erfinv())  # type: ignore[attr-defined]

    def i0_(self) -> Any:
        """self = self.i0(), in place."""
        return self._assign_result_("i0_", self.clone().i0())  # type: ignore[attr-defined]

    def sinc_(self) -> Any:
        """self = self.sinc(), in place."""
        return self._assign_result_("sinc_", self.clone().sinc())  # type: ignore[attr-defined]
