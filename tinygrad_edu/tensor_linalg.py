"""Tensor's linear-algebra methods, as PyTorch's: inverse, det, logdet, slogdet, cholesky, pinverse, matrix_power,
qr, svd. `Tensor` (tensor.py) inherits them from `LinalgMethods`; each delegates to tg.linalg
(linalg_decompositions.py, imported at call time: it imports tensor.py). The free functions of the same names
(tg.inverse, tg.svd, ...) are in functional_linalg.py.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np

if TYPE_CHECKING:
    from tinygrad_edu.linalg_decompositions import QRResult, SlogdetResult
    from tinygrad_edu.tensor import Tensor


class SVDTuple(NamedTuple):
    """torch.svd's result (torch.return_types.svd): V, not linalg.svd's Vh = V^T."""

    U: Tensor  # noqa: N815  (torch's field names)
    S: Tensor  # noqa: N815
    V: Tensor  # noqa: N815


def _linalg() -> Any:
    """tg.linalg's matrix functions (tinygrad_edu/linalg_decompositions.py)."""
    return importlib.import_module("tinygrad_edu.linalg_decompositions")


class LinalgMethods:
    """Methods of Tensor (see the module docstring); `self` is always a Tensor."""

    __slots__ = ()

    def inverse(self) -> Tensor:
        """The inverse of each square matrix: tg.linalg.inv(self).

        Example:
            >>> tg.tensor([[4.0, 0.0], [0.0, 2.0]]).inverse()
            tensor([[0.25, 0.  ],
                    [0.  , 0.5 ]], dtype=float32)
        """
        return _linalg().inv(self)

    def det(self) -> Tensor:
        """The determinant of each square matrix: tg.linalg.det(self).

        Example:
            >>> tg.tensor([[1.0, 2.0], [3.0, 4.0]], dtype=tg.float64).det()
            tensor(-2., dtype=float64)
        """
        return _linalg().det(self)

    def slogdet(self) -> SlogdetResult:
        """(sign, logabsdet) of each square matrix: tg.linalg.slogdet(self).

        Example:
            >>> tg.tensor([[2.0, 0.0], [0.0, -1.0]], dtype=tg.float64).slogdet().sign
            tensor(-1., dtype=float64)
        """
        return _linalg().slogdet(self)

    def logdet(self) -> Tensor:
        """log det of each square matrix, as torch.logdet: NaN where det < 0, -inf where det = 0.

        Example:
            >>> tg.tensor([[2.0, 0.0], [0.0, 3.0]], dtype=tg.float64).logdet().exp()
            tensor(6., dtype=float64)
        """
        sign, logabsdet = _linalg().slogdet(self)
        # log det = log|det| + log(sign): 0 for sign 1, NaN for -1 (a constant: the gradient is log|det|'s)
        return logabsdet + np.where(sign.data > 0, 0.0, np.where(sign.data == 0, -np.inf, np.nan))

    def cholesky(self, upper: bool = False) -> Tensor:
        """The Cholesky factor of each symmetric positive-definite matrix: tg.linalg.cholesky(self, upper=upper).

        Example:
            >>> tg.tensor([[4.0, 0.0], [0.0, 9.0]]).cholesky()
            tensor([[2., 0.],
                    [0., 3.]], dtype=float32)
        """
        return _linalg().cholesky(self, upper=upper)

    def pinverse(self, rcond: float = 1e-15) -> Tensor:
        """The pseudo-inverse, singular values below rcond times the largest taken as 0: linalg.pinv(self, rtol=rcond).

        Example:
            >>> tg.tensor([[2.0], [0.0]], dtype=tg.float64).pinverse()
            tensor([[0.5, 0. ]], dtype=float64)
        """
        return _linalg().pinv(self, rtol=rcond)

    def matrix_power(self, n: int) -> Tensor:
        """self^n for an integer n: tg.linalg.matrix_power(self, n).

        Example:
            >>> tg.tensor([[2.0, 0.0], [0.0, 1.0]]).matrix_power(-1)
            tensor([[0.5, 0. ],
                    [0. , 1. ]], dtype=float32)
        """
        return _linalg().matrix_power(self, n)

    def qr(self, some: bool = True) -> QRResult:
        """(Q, R), as torch.qr: the reduced decomposition when some, else the complete one.

        Example:
            >>> tg.tensor([[0.0, 1.0], [2.0, 0.0]], dtype=tg.float64).qr().R.abs()
            tensor([[2., 0.],
                    [0., 1.]], dtype=float64)
        """
        return _linalg().qr(self, "reduced" if some else "complete")

    def svd(self, some: bool = True, compute_uv: bool = True) -> SVDTuple:
        """(U, S, V) with self = U diag(S) V^T, as torch.svd: V (not Vh); reduced when some. Without
        compute_uv, U and V are zero-filled (m, m) and (n, n) matrices, as PyTorch's.

        Example:
            >>> tg.tensor([[0.0, 3.0], [1.0, 0.0]], dtype=tg.float64).svd().S
            tensor([3., 1.], dtype=float64)
        """
        u, s, vh = _linalg().svd(self, full_matrices=not some)
        if not compute_uv:
            from tinygrad_edu.tensor import Tensor

            m, n = u.shape[-2], vh.shape[-1]
            batch = tuple(s.shape[:-1])
            zeros = np.zeros
            return SVDTuple(Tensor(zeros(batch + (m, m), s.dtype)), s, Tensor(zeros(batch + (n, n), s.dtype)))
        return SVDTuple(u, s, vh.mT)
