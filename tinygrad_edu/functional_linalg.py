"""The torch.* free functions of linear algebra (torch.inverse, torch.det, torch.svd, ...): each is the Tensor
method of the same name (tensor_linalg.py), whose work is done in tg.linalg (linalg_decompositions.py)."""

from __future__ import annotations

from typing import Any

from tinygrad_edu.linalg_decompositions import QRResult, SlogdetResult
from tinygrad_edu.tensor import Tensor, _operand_tensor
from tinygrad_edu.tensor_linalg import SVDTuple

__all__ = ["inverse", "det", "logdet", "slogdet", "cholesky", "pinverse", "matrix_power", "svd", "qr"]


def inverse(input: Any) -> Tensor:  # noqa: A002  (torch's argument name)
    """The inverse of each square matrix (input.inverse())."""
    return _operand_tensor(input).inverse()


def det(input: Any) -> Tensor:  # noqa: A002
    """The determinant of each square matrix (input.det())."""
    return _operand_tensor(input).det()


def logdet(input: Any) -> Tensor:  # noqa: A002
    """log det of each square matrix: NaN where det < 0 (input.logdet())."""
    return _operand_tensor(input).logdet()


def slogdet(input: Any) -> SlogdetResult:  # noqa: A002
    """(sign, logabsdet) of each square matrix (input.slogdet())."""
    return _operand_tensor(input).slogdet()


def cholesky(input: Any, upper: bool = False) -> Tensor:  # noqa: A002
    """The Cholesky factor of each symmetric positive-definite matrix (input.cholesky(upper))."""
    return _operand_tensor(input).cholesky(upper)


def pinverse(input: Any, rcond: float = 1e-15) -> Tensor:  # noqa: A002
    """The pseudo-inverse (input.pinverse(rcond))."""
    return _operand_tensor(input).pinverse(rcond)


def matrix_power(input: Any, n: int) -> Tensor:  # noqa: A002
    """input^n for an integer n (input.matrix_power(n))."""
    return _operand_tensor(input).matrix_power(n)


def svd(input: Any, some: bool = True, compute_uv: bool = True) -> SVDTuple:  # noqa: A002
    """(U, S, V) with input = U diag(S) V^T (input.svd(some, compute_uv)); tg.linalg.svd gives Vh instead.

    Example:
        >>> tg.svd(tg.tensor([[2.0, 0.0], [0.0, 1.0]], dtype=tg.float64)).S
        tensor([2., 1.], dtype=float64)
    """
    return _operand_tensor(input).svd(some, compute_uv)


def qr(input: Any, some: bool = True) -> QRResult:  # noqa: A002
    """(Q, R) with input = Q R (input.qr(some)); tg.linalg.qr takes a mode instead."""
    return _operand_tensor(input).qr(some)
