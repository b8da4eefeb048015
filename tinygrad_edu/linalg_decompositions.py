"""tg.linalg's matrix functions, as torch.linalg's: inverses, determinants, solves, decompositions, matrix norms.

The differentiable cores are the ops of tinygrad_edu/ops/decompositions.py (Inv, Det, LogAbsDet, Solve, Cholesky,
QR, Eigh, SVD); everything else here (svdvals, pinv, lstsq, matrix_norm, matrix_power, cross, ...) is made of them
and of the ordinary ops, so its gradient comes with them. linalg.py re-exports every name of `__all__`.

Differences from PyTorch, chosen: real floating-point inputs only (float32, float64; no complex); det's gradient
at a singular matrix is its true derivative, the cofactor matrix (PyTorch 2.x may give 0 there); qr's mode='r'
is differentiable (PyTorch refuses, since it skips Q); inv_ex / cholesky_ex give NaN (not LAPACK's partial
results) for the matrices whose info is nonzero, and those results carry no gradient.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

from tinygrad_edu.errors import DtypeError, LinAlgError, ShapeError
from tinygrad_edu.functional import cat, stack
from tinygrad_edu.ops.decompositions import QR, SVD, Cholesky, Det, Eigh, Inv, LogAbsDet, Solve, unpack
from tinygrad_edu.tensor import Tensor, _operand_tensor, where

__all__ = [
    "LinAlgError",
    "inv",
    "inv_ex",
    "det",
    "slogdet",
    "solve",
    "cholesky",
    "cholesky_ex",
    "matrix_norm",
    "matrix_power",
    "matrix_rank",
    "cross",
    "vecdot",
    "multi_dot",
    "diagonal",
    "qr",
    "svd",
    "svdvals",
    "eigh",
    "eigvalsh",
    "pinv",
    "lstsq",
    "cond",
    "solve_triangular",
    "vander",
    "matmul",
]


# ---- the named tuples PyTorch returns (torch.return_types) ------------------------------------------------


class InvExResult(NamedTuple):
    inverse: Tensor
    info: Tensor


class CholeskyExResult(NamedTuple):
    L: Tensor  # noqa: N815  (torch's field name)
    info: Tensor


class SlogdetResult(NamedTuple):
    sign: Tensor
    logabsdet: Tensor


class QRResult(NamedTuple):
    Q: Tensor  # noqa: N815
    R: Tensor  # noqa: N815


class SVDResult(NamedTuple):
    U: Tensor  # noqa: N815
    S: Tensor  # noqa: N815
    Vh: Tensor  # noqa: N815


class EighResult(NamedTuple):
    eigenvalues: Tensor
    eigenvectors: Tensor


class LstsqResult(NamedTuple):
    solution: Tensor
    residuals: Tensor
    rank: Tensor
    singular_values: Tensor


# ---- argument checks, with PyTorch's refusals ---------------------------------------------------------------


def _float_matrices(op: str, a: Any, square: bool = True) -> Tensor:
    """a as a Tensor of float matrices (..., m, n), square if asked; else PyTorch's errors, told at `op`."""
    a = _operand_tensor(a)
    if a.dtype.kind != "f":
        raise DtypeError(
            f"{op}: Expected a floating point tensor as input. Got {a.dtype} "
            "(PyTorch refuses integer and bool matrices too: convert with .double() or .float())"
        )
    if a.dtype == np.float16:
        raise DtypeError(f"{op}: Low precision dtypes not supported. Got float16 (use .float() or .double())")
    if a.ndim < 2:
        raise ShapeError(f"{op}: The input tensor A must have at least 2 dimensions, got shape {tuple(a.shape)}")
    if square and a.shape[-1] != a.shape[-2]:
        raise ShapeError(
            f"{op}: A must be batches of square matrices, but they are {a.shape[-2]} by {a.shape[-1]} matrices "
            f"(shape {tuple(a.shape)})"
        )
    return a


def _same_dtype(op: str, a: Tensor, b: Tensor) -> None:
    if a.dtype != b.dtype:
        raise DtypeError(
            f"{op}: Expected A and B to have the same dtype, but found A of type {a.dtype} and B {b.dtype}"
        )


def _is_vector_rhs(a: Tensor, b: Tensor) -> bool:
    """PyTorch's rule for solve and lstsq: B is a (batch of) vector(s) if 1-D or of shape A.shape[:-1]."""
    return b.ndim == 1 or (b.ndim == a.ndim - 1 and tuple(b.shape) == tuple(a.shape[:-1]))


def _constant(values: Any, shape: tuple[int, ...], dtype: Any) -> Tensor:
    """A tensor outside the graph (a sign, a rank) from values computed with NumPy calls only, so that a
    traced step (tg.compile) records them too."""
    return Tensor._from_op(np.reshape(values, shape).astype(dtype), None)


def _eye(n: int, like: Tensor) -> np.ndarray:
    return np.eye(n, dtype=like.dtype)


# ---- inverses, determinants, solves -------------------------------------------------------------------------


def inv(A: Any) -> Tensor:  # noqa: N803  (torch's argument name)
    """The inverse of each square matrix of A (..., n, n); a singular one raises LinAlgError.

    Example:
        >>> tg.linalg.inv(tg.tensor([[2.0, 0.0], [0.0, 4.0]]))
        tensor([[0.5 , 0.  ],
                [0.  , 0.25]], dtype=float32)
    """
    return Inv.apply(_float_matrices("linalg.inv", A))


def _zero_pivots(a: np.ndarray) -> np.ndarray:
    """LAPACK getrf's info for each matrix: the 1-based index of the first zero pivot of an LU factorization
    with partial pivoting (0 when there is none), as int32 of the batch shape."""
    n = a.shape[-1]
    u = np.array(a, copy=True).reshape(-1, n, n)
    rows = np.arange(u.shape[0])
    info = np.zeros(u.shape[0], dtype=np.int32)
    for j in range(n):
        p = np.argmax(np.abs(u[:, j:, j]), axis=1) + j
        u[rows, j], u[rows, p] = u[rows, p], u[rows, j].copy()
        pivot = u[:, j, j]
        info = np.where((info == 0) & (pivot == 0), j + 1, info).astype(np.int32)
        factors = u[:, j + 1 :, j] / np.where(pivot == 0, 1, pivot)[:, None]
        u[:, j + 1 :, :] -= factors[:, :, None] * u[:, j : j + 1, :]
    return info.reshape(a.shape[:-2])


def inv_ex(A: Any, *, check_errors: bool = False) -> InvExResult:  # noqa: N803
    """(inverse, info): inv that reports a singular matrix in `info` (int32, batch shape: 0, or the 1-based
    index of the LU factorization's first zero pivot) instead of raising, unless check_errors.

    Example:
        >>> tg.linalg.inv_ex(tg.tensor([[1.0, 2.0], [2.0, 4.0]])).info
        tensor(2, dtype=int32)
    """
    A = _float_matrices("linalg.inv_ex", A)
    info = _zero_pivots(A.data)
    if not info.any():
        try:
            return InvExResult(Inv.apply(A), Tensor(info))
        except LinAlgError:  # LAPACK found a zero pivot where our elimination's rounding did not
            info = np.full(info.shape, A.shape[-1], dtype=np.int32)
    if check_errors:
        raise LinAlgError(f"linalg.inv_ex: the input of shape {tuple(A.shape)} is singular (info {info.tolist()})")
    flat = A.data.reshape(-1, *A.shape[-2:])
    out = np.full_like(flat, np.nan)
    for i, bad in enumerate(info.reshape(-1)):
        if not bad:
            out[i] = np.linalg.inv(flat[i])
    return InvExResult(Tensor(out.reshape(A.shape)), Tensor(info))


def det(A: Any) -> Tensor:  # noqa: N803
    """The determinant of each square matrix of A. Its gradient is the cofactor matrix det(A) A^-T; where a
    matrix is singular (det 0, no inverse) the cofactors come from an SVD instead, so the gradient is still
    the derivative (for a matrix of rank n - 1 it is nonzero).

    Example:
        >>> tg.linalg.det(tg.tensor([[1.0, 2.0], [3.0, 4.0]], dtype=tg.float64))
        tensor(-2., dtype=float64)
    """
    return Det.apply(_float_matrices("linalg.det", A))


def slogdet(A: Any) -> SlogdetResult:  # noqa: N803
    """(sign, logabsdet) with det(A) = sign * exp(logabsdet): no overflow for large matrices. The gradient
    flows through logabsdet (d log|det A|/dA = A^-T); sign is a constant.

    Example:
        >>> tg.linalg.slogdet(tg.tensor([[-2.0, 0.0], [0.0, 3.0]], dtype=tg.float64)).sign
        tensor(-1., dtype=float64)
    """
    A = _float_matrices("linalg.slogdet", A)
    sign = np.linalg.slogdet(np.expand_dims(A.data, 0)).sign[0]  # (as LogAbsDet: arrays, so tg.compile traces them)
    return SlogdetResult(_constant(sign, A.shape[:-2], A.dtype), LogAbsDet.apply(A))


def solve(A: Any, B: Any, *, left: bool = True) -> Tensor:  # noqa: N803
    """X with A X = B (left=False: X A = B), for square A (..., n, n) and B (..., n, k) or a vector B (n,) or
    (..., n); the batch axes broadcast. A singular A raises LinAlgError.

    Example:
        >>> tg.linalg.solve(tg.tensor([[2.0, 0.0], [0.0, 4.0]]), tg.tensor([2.0, 2.0]))
        tensor([1. , 0.5], dtype=float32)
    """
    A = _float_matrices("linalg.solve", A)
    B = _operand_tensor(B)
    _same_dtype("linalg.solve", A, B)
    if not left:  # X A = B  <=>  A^T X^T = B^T
        return solve(A.mT, B.mT).mT
    vector = _is_vector_rhs(A, B)
    b = B.unsqueeze(-1) if vector else B
    n = A.shape[-1]
    if b.ndim < 2 or b.shape[-2] != n:
        raise ShapeError(
            f"linalg.solve: Incompatible shapes of A and B for the equation AX = B: A {tuple(A.shape)}, "
            f"B {tuple(B.shape)} (B's rows must be A's {n})"
        )
    try:
        np.broadcast_shapes(A.shape[:-2], b.shape[:-2])
    except ValueError:
        raise ShapeError(
            f"linalg.solve: the batch shapes of A {tuple(A.shape)} and B {tuple(B.shape)} do not broadcast"
        ) from None
    x = Solve.apply(A, b)
    return x.squeeze(-1) if vector else x


def cholesky(A: Any, *, upper: bool = False) -> Tensor:  # noqa: N803
    """L, lower triangular with A = L L^T, for symmetric positive-definite A (only its lower triangle is
    read); upper=True gives U = L^T, with A = U^T U. A matrix that is not positive-definite raises LinAlgError.

    Example:
        >>> tg.linalg.cholesky(tg.tensor([[4.0, 2.0], [2.0, 2.0]]))
        tensor([[2., 0.],
                [1., 1.]], dtype=float32)
    """
    low = Cholesky.apply(_float_matrices("linalg.cholesky", A))
    return low.mT if upper else low


def cholesky_ex(A: Any, *, upper: bool = False, check_errors: bool = False) -> CholeskyExResult:  # noqa: N803
    """(L, info): cholesky that reports failure in `info` (int32, batch shape: 0, or the order of the first
    leading minor that is not positive-definite) instead of raising, unless check_errors.

    Example:
        >>> tg.linalg.cholesky_ex(tg.tensor([[1.0, 2.0], [2.0, 1.0]])).info
        tensor(2, dtype=int32)
    """
    A = _float_matrices("linalg.cholesky_ex", A)
    try:
        return CholeskyExResult(cholesky(A, upper=upper), Tensor(np.zeros(A.shape[:-2], dtype=np.int32)))
    except LinAlgError:
        pass
    n = A.shape[-1]
    flat = A.data.reshape(-1, n, n)
    info = np.zeros(flat.shape[0], dtype=np.int32)
    out = np.full_like(flat, np.nan)
    for i, a in enumerate(flat):
        for order in range(1, n + 1):  # the smallest leading minor that fails
            try:
                np.linalg.cholesky(a[:order, :order])
            except np.linalg.LinAlgError:
                info[i] = order
                break
        if not info[i]:
            out[i] = np.linalg.cholesky(a)
    if check_errors:
        raise LinAlgError(
            f"linalg.cholesky_ex: the input of shape {tuple(A.shape)} is not positive-definite "
            f"(the leading minors of order {info[info > 0].tolist()} are not)"
        )
    low = out.reshape(A.shape)
    return CholeskyExResult(Tensor(np.swapaxes(low, -1, -2) if upper else low), Tensor(info.reshape(A.shape[:-2])))


# ---- decompositions -----------------------------------------------------------------------------------------


def qr(A: Any, mode: str = "reduced") -> QRResult:  # noqa: N803
    """(Q, R) with A = Q R, Q's columns orthonormal, R upper triangular. mode 'reduced': Q (m, k), R (k, n),
    k = min(m, n); 'complete': Q (m, m), R (m, n); 'r': R only (Q an empty tensor).

    Example:
        >>> Q, R = tg.linalg.qr(tg.tensor([[3.0, 1.0], [4.0, 2.0]], dtype=tg.float64))
        >>> bool(((Q @ R - tg.tensor([[3.0, 1.0], [4.0, 2.0]], dtype=tg.float64)).abs() < 1e-12).all())
        True
    """
    if mode not in ("reduced", "complete", "r"):
        raise ValueError(
            f"linalg.qr: qr received unrecognized mode '{mode}' but expected one of 'reduced' (default), 'r', "
            "or 'complete'"
        )
    A = _float_matrices("linalg.qr", A, square=False)
    m, n = A.shape[-2], A.shape[-1]
    rows = m if mode == "complete" else min(m, n)
    q, r = unpack(QR.apply(A, mode="complete" if mode == "complete" else "reduced"), [(m, rows), (rows, n)])
    if mode == "r":
        return QRResult(Tensor(np.zeros(0, dtype=A.dtype)), r)
    return QRResult(q, r)


def eigh(A: Any, UPLO: str = "L") -> EighResult:  # noqa: N803
    """(eigenvalues, eigenvectors) of each symmetric matrix A = V diag(w) V^T: w ascending, V's columns the
    unit eigenvectors (each up to its sign). Only the triangle UPLO ('L' or 'U') is read. The gradient is
    that of distinct eigenvalues; a function of V should not depend on the vectors' signs.

    Example:
        >>> tg.linalg.eigh(tg.tensor([[2.0, 1.0], [1.0, 2.0]], dtype=tg.float64)).eigenvalues
        tensor([1., 3.], dtype=float64)
    """
    if UPLO not in ("L", "U"):
        raise ValueError(f"linalg.eigh: Expected UPLO argument to be 'L' or 'U', but got {UPLO}")
    A = _float_matrices("linalg.eigh", A)
    n = A.shape[-1]
    w, v = unpack(Eigh.apply(A, uplo=UPLO), [(n,), (n, n)])
    return EighResult(w, v)


def eigvalsh(A: Any, UPLO: str = "L") -> Tensor:  # noqa: N803
    """The eigenvalues of each symmetric matrix, ascending: eigh(A, UPLO).eigenvalues.

    Example:
        >>> tg.linalg.eigvalsh(tg.tensor([[2.0, 0.0], [0.0, 1.0]], dtype=tg.float64))
        tensor([1., 2.], dtype=float64)
    """
    return eigh(_float_matrices("linalg.eigvalsh", A), UPLO).eigenvalues


def svd(A: Any, full_matrices: bool = True, *, driver: Any = None) -> SVDResult:  # noqa: N803
    """(U, S, Vh) with A = U diag(S) Vh, S descending. full_matrices (the default, as PyTorch): U (m, m),
    Vh (n, n); else U (m, k), Vh (k, n), k = min(m, n). The gradient is that of distinct singular values
    (for full_matrices, U's and Vh's columns past k do not take part); a function of U and Vh should not
    depend on their signs (U diag(S) Vh does not).

    Example:
        >>> tg.linalg.svd(tg.tensor([[3.0, 0.0], [0.0, -4.0]], dtype=tg.float64)).S
        tensor([4., 3.], dtype=float64)
    """
    A = _float_matrices("linalg.svd", A, square=False)
    m, n = A.shape[-2], A.shape[-1]
    k = min(m, n)
    shapes = [(m, m), (k,), (n, n)] if full_matrices else [(m, k), (k,), (k, n)]
    u, s, vh = unpack(SVD.apply(A, full_matrices=bool(full_matrices)), shapes)
    return SVDResult(u, s, vh)


def svdvals(A: Any, *, driver: Any = None) -> Tensor:  # noqa: N803
    """The singular values of each matrix, descending: svd(A, full_matrices=False).S.

    Example:
        >>> tg.linalg.svdvals(tg.tensor([[0.0, 2.0], [1.0, 0.0]], dtype=tg.float64))
        tensor([2., 1.], dtype=float64)
    """
    return svd(_float_matrices("linalg.svdvals", A, square=False), full_matrices=False).S


def _tolerance(op: str, s: np.ndarray, m: int, n: int, atol: Any, rtol: Any, dtype: Any) -> np.ndarray:
    """PyTorch's cut-off for matrix_rank and pinv: max(atol, rtol * largest singular value), per matrix; rtol
    defaults to eps * max(m, n), or to 0 when only a positive atol is given."""
    atol_v = np.asarray(0.0 if atol is None else (atol.data if isinstance(atol, Tensor) else atol), dtype=np.float64)
    if rtol is None:
        rtol_v = np.asarray(0.0 if atol is not None and np.all(atol_v > 0) else np.finfo(dtype).eps * max(m, n))
    else:
        rtol_v = np.asarray(rtol.data if isinstance(rtol, Tensor) else rtol, dtype=np.float64)
    smax = s.max(axis=-1) if s.shape[-1] else np.zeros(s.shape[:-1])
    return np.maximum(atol_v, rtol_v * smax)


def matrix_rank(A: Any, *, atol: Any = None, rtol: Any = None, hermitian: bool = False) -> Tensor:  # noqa: N803
    """The number of singular values above max(atol, rtol * the largest), per matrix (int64; no gradient).

    Example:
        >>> tg.linalg.matrix_rank(tg.tensor([[1.0, 2.0], [2.0, 4.0]]))
        tensor(1, dtype=int64)
    """
    A = _float_matrices("linalg.matrix_rank", A, square=hermitian)
    a = A.data
    s = np.abs(np.linalg.eigvalsh(a)) if hermitian else np.linalg.svd(a, compute_uv=False)
    tol = _tolerance("linalg.matrix_rank", s, a.shape[-2], a.shape[-1], atol, rtol, a.dtype)
    return _constant(np.sum(s > np.expand_dims(tol, -1), axis=-1), a.shape[:-2], np.int64)


def pinv(A: Any, *, atol: Any = None, rtol: Any = None, hermitian: bool = False) -> Tensor:  # noqa: N803
    """The Moore-Penrose pseudo-inverse A^+ = V diag(1/s) U^T, the singular values s at or below
    max(atol, rtol * the largest) taken as 0 (hermitian: from eigh). Made of svd (or eigh), so its gradient
    is theirs: right where the kept singular values are distinct and the rank does not change.

    Example:
        >>> tg.linalg.pinv(tg.tensor([[2.0, 0.0], [0.0, 0.0]], dtype=tg.float64))
        tensor([[0.5, 0. ],
                [0. , 0. ]], dtype=float64)
    """
    A = _float_matrices("linalg.pinv", A, square=hermitian)
    m, n = A.shape[-2], A.shape[-1]
    if hermitian:
        w, v = eigh(A)
        s_abs = np.abs(w.data)
        tol = _tolerance("linalg.pinv", s_abs, m, n, atol, rtol, A.dtype)
        keep = s_abs > np.expand_dims(tol, -1)
        w_inv = _masked_reciprocal(w, keep)
        return (v * w_inv.unsqueeze(-2)) @ v.mT
    u, s, vh = svd(A, full_matrices=False)
    tol = _tolerance("linalg.pinv", s.data, m, n, atol, rtol, A.dtype)
    s_inv = _masked_reciprocal(s, s.data > np.expand_dims(tol, -1))
    return (vh.mT * s_inv.unsqueeze(-2)) @ u.mT


def _masked_reciprocal(x: Tensor, keep: np.ndarray) -> Tensor:
    """1 / x where keep, 0 elsewhere, with no infinity on either path (so none in the gradient)."""
    return where(keep, 1.0 / where(keep, x, 1.0), 0.0)


def lstsq(A: Any, B: Any, rcond: float | None = None, *, driver: str | None = None) -> LstsqResult:  # noqa: N803
    """The least-squares solution X of A X = B (the X that minimizes |A X - B|, the shortest one when A is
    rank-deficient), as a named tuple (solution, residuals, rank, singular_values) filled as PyTorch's CPU
    drivers fill it: rank for 'gelsy' (the default), 'gelsd', 'gelss'; singular_values for 'gelsd', 'gelss';
    residuals (squared, summed over rows) for all but 'gelsy', when m > n and every A has full rank. The
    solution is pinv(A, rtol=rcond) @ B, so its gradient is pinv's.

    Example:
        >>> A = tg.tensor([[1.0, 0.0], [0.0, 1.0], [0.0, 0.0]], dtype=tg.float64)
        >>> tg.linalg.lstsq(A, tg.tensor([1.0, 2.0, 3.0], dtype=tg.float64)).solution
        tensor([1., 2.], dtype=float64)
    """
    driver = "gelsy" if driver is None else driver
    if driver not in ("gels", "gelsy", "gelsd", "gelss"):
        raise ValueError(
            f"torch.linalg.lstsq: parameter `driver` should be one of (gels, gelsy, gelsd, gelss), got {driver}"
        )
    A = _float_matrices("linalg.lstsq", A, square=False)
    B = _operand_tensor(B)
    _same_dtype("linalg.lstsq", A, B)
    vector = _is_vector_rhs(A, B)
    b = B.unsqueeze(-1) if vector else B
    m, n = A.shape[-2], A.shape[-1]
    if b.ndim < 2 or b.shape[-2] != m:
        raise ShapeError(
            f"torch.linalg.lstsq: input.size(-2) should match other.size(-2): A {tuple(A.shape)}, B {tuple(B.shape)}"
        )
    rtol = np.finfo(A.dtype).eps * max(m, n) if rcond is None else rcond
    x = pinv(A, rtol=rtol) @ b
    empty = Tensor(np.zeros(0, dtype=A.dtype))
    s = np.linalg.svd(A.data, compute_uv=False)
    rank_v = np.sum(s > np.expand_dims(_tolerance("", s, m, n, None, rtol, A.dtype), -1), axis=-1)
    rank = _constant(rank_v, A.shape[:-2], np.int64) if driver != "gels" else Tensor(np.zeros(0, dtype=np.int64))
    values = _constant(s, s.shape, A.dtype) if driver in ("gelsd", "gelss") else empty
    residuals = empty
    if driver != "gelsy" and m > n and bool(np.all(rank_v == n)):
        residuals = ((A @ x - b) ** 2).sum(-2)
        residuals = residuals.squeeze(-1) if vector else residuals
    return LstsqResult(x.squeeze(-1) if vector else x, residuals, rank, values)


# ---- norms, powers and products -----------------------------------------------------------------------------


def matrix_norm(
    A: Any, ord: Any = "fro", dim: tuple[int, int] = (-2, -1), keepdim: bool = False, *, dtype: Any = None
) -> Tensor:  # noqa: N803
    """A matrix norm over the two axes `dim`: 'fro' (the 2-norm of the elements), 'nuc' (the sum of the
    singular values), 2 / -2 (the largest / smallest singular value), 1 / -1 (the largest / smallest column
    sum of |A|), inf / -inf (the largest / smallest row sum of |A|).

    Example:
        >>> tg.linalg.matrix_norm(tg.tensor([[1.0, -2.0], [3.0, 4.0]], dtype=tg.float64), 1)
        tensor(6., dtype=float64)
    """
    A = _float_matrices("linalg.matrix_norm", A, square=False)
    if dtype is not None:
        A = A.to(dtype)
    if len(dim) != 2:
        raise ShapeError(f"linalg.matrix_norm: dim must be a 2-tuple. Got {tuple(dim)}")
    d0, d1 = (d % A.ndim for d in dim)
    if d0 == d1:
        raise ShapeError(f"linalg.matrix_norm: dims must be different. Got ({dim[0]}, {dim[1]})")
    if ord == "fro":
        return (A * A).sum((d0, d1), keepdim).sqrt()
    if ord in ("nuc", 2, -2):
        s = svdvals(A.movedim((d0, d1), (-2, -1)))
        out = s.sum(-1) if ord == "nuc" else (s.amax(-1) if ord == 2 else s.amin(-1))
        return out.unsqueeze(min(d0, d1)).unsqueeze(max(d0, d1)) if keepdim else out
    inf = float("inf")
    if ord in (1, -1, inf, -inf):
        summed, other = (d0, d1) if ord in (1, -1) else (d1, d0)  # 1: sum down each column; inf: along each row
        sums = A.abs().sum(summed, keepdim=True)
        out = sums.amax(other, keepdim=True) if ord in (1, inf) else sums.amin(other, keepdim=True)
        return out if keepdim else out.squeeze((d0, d1))
    raise ValueError(f"linalg.matrix_norm: Order {ord} not supported (use 'fro', 'nuc', 1, -1, 2, -2, inf or -inf)")


def matrix_power(A: Any, n: int) -> Tensor:  # noqa: N803
    """A^n for an integer n: repeated squaring (n < 0: of inv(A); n = 0: the identity, with a zero gradient).

    Example:
        >>> tg.linalg.matrix_power(tg.tensor([[1.0, 1.0], [0.0, 1.0]]), 3)
        tensor([[1., 3.],
                [0., 1.]], dtype=float32)
    """
    A = _operand_tensor(A)
    if A.ndim < 2 or A.shape[-1] != A.shape[-2]:
        raise ShapeError(f"linalg.matrix_power: expected a batch of square matrices, got shape {tuple(A.shape)}")
    if not isinstance(n, (int, np.integer)):
        raise TypeError(f"linalg.matrix_power: n must be an int, got {type(n).__name__}")
    if n == 0:
        return where(np.ones(A.shape, dtype=bool), np.broadcast_to(_eye(A.shape[-1], A), A.shape), A)
    base = inv(A) if n < 0 else A
    n = abs(int(n))
    result: Tensor | None = None
    while True:  # A^n = product of A^(2^i) over the bits i of n
        if n & 1:
            result = base if result is None else result @ base
        n >>= 1
        if not n:
            assert result is not None
            return result
        base = base @ base


def cross(input: Any, other: Any, *, dim: int = -1) -> Tensor:  # noqa: A002  (torch's argument name)
    """The cross product of 3-vectors along `dim`, the inputs (of one rank, as PyTorch asks) broadcast.

    Example:
        >>> tg.linalg.cross(tg.tensor([1.0, 0.0, 0.0]), tg.tensor([0.0, 1.0, 0.0]))
        tensor([0., 0., 1.], dtype=float32)
    """
    a, b = _operand_tensor(input), _operand_tensor(other)
    if a.ndim == 0 or b.ndim == 0 or a.shape[dim] != 3 or b.shape[dim] != 3:
        raise ShapeError(
            f"linalg.cross: inputs dimension {dim} must have length 3. Got shapes {tuple(a.shape)} and {tuple(b.shape)}"
        )
    if a.ndim != b.ndim:
        raise ShapeError(
            f"linalg.cross: inputs must have the same number of dimensions, got shapes {tuple(a.shape)} and "
            f"{tuple(b.shape)}"
        )
    shape = np.broadcast_shapes(tuple(a.shape), tuple(b.shape))
    a, b = a.expand(*shape).movedim(dim, -1), b.expand(*shape).movedim(dim, -1)
    x0, x1, x2 = a[..., 0], a[..., 1], a[..., 2]
    y0, y1, y2 = b[..., 0], b[..., 1], b[..., 2]
    out = stack([x1 * y2 - x2 * y1, x2 * y0 - x0 * y2, x0 * y1 - x1 * y0], dim=-1)
    return out.movedim(-1, dim)


def vecdot(x: Any, y: Any, *, dim: int = -1) -> Tensor:
    """The dot product of x and y along `dim` (sum of x * y), the inputs broadcast against each other.

    Example:
        >>> tg.linalg.vecdot(tg.tensor([[1.0, 2.0], [3.0, 4.0]]), tg.tensor([1.0, 1.0]))
        tensor([3., 7.], dtype=float32)
    """
    x, y = _operand_tensor(x), _operand_tensor(y)
    if x.ndim == 0 or y.ndim == 0:
        raise ShapeError(
            f"linalg.vecdot: the inputs must have at least one dimension, got {tuple(x.shape)} and {tuple(y.shape)}"
        )
    return (x * y).sum(dim)


def multi_dot(tensors: Any) -> Tensor:
    """The product of a chain of matrices, the first and the last of which may be vectors (as torch.linalg).

    Example:
        >>> tg.linalg.multi_dot([tg.tensor([1.0, 2.0]), tg.eye(2), tg.tensor([3.0, 4.0])])
        tensor(11., dtype=float32)
    """
    tensors = [_operand_tensor(t) for t in tensors]
    if len(tensors) < 2:
        raise ShapeError(f"multi_dot(): expected at least 2 tensors but got {len(tensors)}")
    for i, t in enumerate(tensors):
        end = i in (0, len(tensors) - 1)
        if t.ndim != 2 and not (end and t.ndim == 1):
            raise ShapeError(
                f"multi_dot(): tensor {i} must be 2D{' or 1D' if end else ''} but got {t.ndim}D "
                f"(shape {tuple(t.shape)})"
            )
    out = tensors[0]
    for t in tensors[1:]:
        out = out @ t
    return out


def diagonal(A: Any, *, offset: int = 0, dim1: int = -2, dim2: int = -1) -> Tensor:  # noqa: N803
    """The diagonal of each matrix (shifted by offset), as Tensor.diagonal with the last two axes as default.

    Example:
        >>> tg.linalg.diagonal(tg.tensor([[1.0, 2.0], [3.0, 4.0]]))
        tensor([1., 4.], dtype=float32)
    """
    return _operand_tensor(A).diagonal(offset, dim1, dim2)


# ---- more of torch.linalg, made of the above ---------------------------------------------------------------


def cond(A: Any, p: Any = None) -> Tensor:  # noqa: N803
    """The condition number of each matrix in the norm p: |A|_p |A^-1|_p. p None or 2: the largest singular
    value over the smallest (any m x n matrix; -2: the inverse ratio); 'fro', 'nuc', 1, -1, inf, -inf: the
    matrix norms of A and inv(A) (square A only).

    Example:
        >>> tg.linalg.cond(tg.tensor([[4.0, 0.0], [0.0, 0.5]], dtype=tg.float64))
        tensor(8., dtype=float64)
    """
    if p in (None, 2, -2):
        s = svdvals(_float_matrices("linalg.cond", A, square=False))
        ratio = s[..., 0] / s[..., -1]
        return 1.0 / ratio if p == -2 else ratio
    A = _float_matrices(f"linalg.cond(ord={p})", A)
    return matrix_norm(A, p) * matrix_norm(inv(A), p)


def solve_triangular(
    A: Any,  # noqa: N803
    B: Any,  # noqa: N803
    *,
    upper: bool,
    left: bool = True,
    unitriangular: bool = False,
) -> Tensor:
    """X with A X = B (left=False: X A = B) for a triangular A: only its upper (upper=True) or lower triangle
    is read, and with unitriangular its diagonal is taken as ones. B is a matrix (..., n, k) (no vector form,
    as PyTorch); the batch axes broadcast. A's gradient lands on the triangle it reads.

    Example:
        >>> tg.linalg.solve_triangular(tg.tensor([[2.0, 1.0], [0.0, 4.0]]), tg.tensor([[3.0], [4.0]]), upper=True)
        tensor([[1.],
                [1.]], dtype=float32)
    """
    A = _float_matrices("linalg.solve_triangular", A)
    B = _operand_tensor(B)
    _same_dtype("linalg.solve_triangular", A, B)
    if B.ndim < 2:
        raise ShapeError(
            f"linalg.solve_triangular: The input tensor B must have at least 2 dimensions, got shape {tuple(B.shape)}"
        )
    tri = A.triu() if upper else A.tril()
    if unitriangular:  # the diagonal replaced by ones
        n = A.shape[-1]
        tri = where(np.eye(n, dtype=bool), _eye(n, A), tri)
    rows = B.shape[-2] if left else B.shape[-1]
    if rows != A.shape[-1]:
        raise ShapeError(
            f"linalg.solve_triangular: Incompatible shapes of A and B for the equation "
            f"{'AX = B' if left else 'XA = B'}: A {tuple(A.shape)}, B {tuple(B.shape)}"
        )
    return Solve.apply(tri, B) if left else Solve.apply(tri.mT, B.mT).mT  # X A = B <=> A^T X^T = B^T


def vander(x: Any, *, N: int | None = None) -> Tensor:  # noqa: N803
    """The Vandermonde matrix of x (..., n): columns x^0, x^1, ..., x^(N-1) (N = n by default), as running
    products, so the gradient is exact at x = 0 too.

    Example:
        >>> tg.linalg.vander(tg.tensor([2.0, 3.0]), N=3)
        tensor([[1., 2., 4.],
                [1., 3., 9.]], dtype=float32)
    """
    x = _operand_tensor(x)
    if x.ndim == 0:
        raise ShapeError("linalg.vander: x must have at least one dimension")
    n = x.shape[-1] if N is None else N
    if n < 0:
        raise ValueError(f"linalg.vander: N must be non-negative, got {n}")
    if n == 0:
        return x.unsqueeze(-1)[..., :0]
    columns = x.unsqueeze(-1).expand(*x.shape, n - 1)
    ones = Tensor(np.ones(tuple(x.shape) + (1,), dtype=x.dtype))
    return cat([ones, columns], dim=-1).cumprod(-1)


def matmul(input: Any, other: Any) -> Tensor:  # noqa: A002
    """input @ other, as torch.linalg.matmul (an alias of torch.matmul).

    Example:
        >>> tg.linalg.matmul(tg.tensor([[1.0, 2.0]]), tg.tensor([[3.0], [4.0]]))
        tensor([[11.]], dtype=float32)
    """
    return _operand_tensor(input) @ other
