"""Matrix functions and decompositions (torch.linalg's): inv, det, log|det|, solve, cholesky, qr, eigh, svd.

Each op works on the last two axes of its input, a matrix or a batch of them. The backward formulas are the
standard ones (Giles, "An extended collection of matrix derivative results", 2008; Townsend, "Differentiating
the singular value decomposition", 2016; Walter & Lehmann 2018 for QR), written with NumPy calls that Tensors
answer too (np.linalg.inv and np.linalg.solve included: numpy_dispatch.py), so grad of grad comes free.

An op with several results (qr: Q and R; eigh: eigenvalues and eigenvectors; svd: U, S and Vh) outputs them
packed: each flattened over its matrix axes and concatenated along one last axis (`pack`); tg.linalg cuts
the packed tensor back into its pieces (`unpack`), slices of one op, so their gradients meet in one backward.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from tinygrad_edu.autograd import Function
from tinygrad_edu.errors import LinAlgError


def mT(x: Any) -> Any:  # noqa: N802  (torch's name)
    """Each matrix of x transposed: the last two axes swapped."""
    return np.swapaxes(x, -1, -2)


def pack(*arrays: Any, batch: tuple[int, ...]) -> np.ndarray:
    """The arrays (each batch + its own shape) flattened after the batch axes and joined along one last axis."""
    return np.concatenate([np.reshape(a, batch + (-1,)) for a in arrays], axis=-1)


def unpack(packed: Any, shapes: list[tuple[int, ...]]) -> list[Any]:
    """`pack` undone: the pieces of `packed` (ndarray or Tensor), one per shape, each with the batch axes."""
    batch = tuple(packed.shape[:-1])
    pieces, start = [], 0
    for shape in shapes:
        size = int(np.prod(shape))
        pieces.append(np.reshape(packed[..., start : start + size], batch + tuple(shape)))
        start += size
    return pieces


def _diag_embed(v: Any) -> Any:
    """A batch of vectors (..., n) as the diagonal matrices (..., n, n)."""
    return np.expand_dims(v, -1) * np.eye(v.shape[-1], dtype=v.dtype)


def _off_diagonal_reciprocal(d: Any) -> Any:
    """1 / d off the diagonal, 0 on it and wherever d is 0. d is 0 off the diagonal at a repeated eigen- or
    singular value, where the vectors are not unique: leaving the term out keeps the gradient finite (PyTorch
    divides by 0 there), and right for functions that do not depend on the vectors' choice, such as the
    values themselves (svdvals, eigvalsh, matrix norms) or U diag(S) Vh."""
    keep = (d != 0) & ~np.eye(d.shape[-1], dtype=bool)
    return np.where(keep, 1.0 / np.where(keep, d, 1.0), 0.0)


def _raise_singular(op: str, a: np.ndarray, what: str = "singular") -> None:
    """PyTorch's LinAlgError for a matrix the op cannot take, naming the op, the shape, and a way out."""
    way_out = {
        "linalg.inv": "linalg.inv_ex reports it in `info` instead; linalg.pinv takes any matrix",
        "linalg.solve": "linalg.lstsq takes any matrix",
        "linalg.cholesky": "linalg.cholesky_ex reports it in `info` instead; linalg.eigvalsh shows the eigenvalues",
    }[op]
    raise LinAlgError(f"{op}: the input of shape {tuple(a.shape)} is {what} (PyTorch raises here too); {way_out}")


class Inv(Function):
    """A^-1 of every square matrix A of a batch."""

    def forward(self, a):
        try:
            out = np.linalg.inv(a)
        except np.linalg.LinAlgError:
            _raise_singular("linalg.inv", a)
        self.save(out)
        return out

    def backward(self, grad_out):
        # d(A^-1) = -A^-1 dA A^-1, so dA = -A^-T g A^-T
        (inv,) = self.saved
        return -(mT(inv) @ grad_out @ mT(inv))


def _cofactor(a: Any, det: Any) -> Any:
    """det(A) A^-T, the matrix of cofactors (d det(A)/dA). Where some matrix of the batch is singular (det 0,
    no inverse), every cofactor comes from the SVD A = U S Vh instead: cof(A) = det(U Vh) U diag(prod_{j!=i}
    s_j) Vh, which is right for any A (for rank n-1 it is the one nonzero term). (np.linalg.svd on Tensors is
    tg.linalg.svd, so double backward goes through the SVD's gradient: right where the s_j are distinct.)"""
    if bool(np.all(det != 0)):
        return np.expand_dims(det, (-1, -2)) * mT(np.linalg.inv(a))
    u, s, vh = np.linalg.svd(a)
    n = s.shape[-1]
    others = np.stack(
        [np.prod(np.concatenate([s[..., :i], s[..., i + 1 :]], axis=-1), axis=-1) for i in range(n)], axis=-1
    )
    sign = np.linalg.det(u) * np.linalg.det(vh)
    return np.expand_dims(sign, (-1, -2)) * (u * np.expand_dims(others, -2)) @ vh


class Det(Function):
    """det(A) of every square matrix A of a batch."""

    def forward(self, a):
        out = np.linalg.det(a)
        self.save(a, out)
        return out

    def backward(self, grad_out):
        # d det(A)/dA = det(A) A^-T (Jacobi's formula), the cofactor matrix
        a, det = self.saved
        return np.expand_dims(grad_out, (-1, -2)) * _cofactor(a, det)


class LogAbsDet(Function):
    """log |det(A)|, slogdet's differentiable half (its sign is a constant: its gradient is 0 where defined)."""

    def forward(self, a):
        out = np.linalg.slogdet(np.expand_dims(a, 0)).logabsdet[0]  # (a batch of one: arrays, even for one matrix)
        self.save(a)
        return out

    def backward(self, grad_out):
        # d log|det A| / dA = A^-T (a singular A has no gradient here: np.linalg.inv raises, naming it)
        (a,) = self.saved
        return np.expand_dims(grad_out, (-1, -2)) * mT(np.linalg.inv(a))


class Solve(Function):
    """X with A X = B, A square (n, n) and B (n, k) matrices, their batch axes broadcast."""

    def forward(self, a, b):
        try:
            out = np.linalg.solve(a, b)
        except np.linalg.LinAlgError:
            _raise_singular("linalg.solve", a)
        self.save(a, out)
        return out

    def backward(self, grad_out):
        # X = A^-1 B: dB = A^-T g, and dA = -A^-T g X^T = -dB X^T (the engine sums broadcast batch axes back)
        a, x = self.saved
        grad_b = np.linalg.solve(mT(a), grad_out)
        grad_a = -(grad_b @ mT(x)) if self.needs_input_grad[0] else None
        return grad_a, (grad_b if self.needs_input_grad[1] else None)


class Cholesky(Function):
    """L, lower triangular with a positive diagonal, with A = L L^T (A symmetric positive-definite; only its
    lower triangle is read, as LAPACK's and PyTorch's)."""

    def forward(self, a):
        try:
            out = np.linalg.cholesky(a)
        except np.linalg.LinAlgError:
            _raise_singular("linalg.cholesky", a, "not positive-definite")
        self.save(out)
        return out

    def backward(self, grad_out):
        # With P = Phi(L^T g) (its lower triangle, the diagonal halved), dA = L^-T P L^-1, made symmetric
        # (A is: a perturbation of A is symmetric too, so only the symmetric part of the gradient is defined)
        (low,) = self.saved
        p = np.tril(mT(low) @ grad_out)
        p = p - 0.5 * _diag_embed(np.diagonal(p, 0, -2, -1))
        inv = np.linalg.inv(low)
        s = mT(inv) @ p @ inv
        return 0.5 * (s + mT(s))


class QR(Function):
    """A = Q R, Q with orthonormal columns and R upper triangular; packed output [Q, R] (see the module doc).
    mode 'reduced': Q (m, k), R (k, n), k = min(m, n); 'complete': Q (m, m), R (m, n)."""

    def forward(self, a, mode: Any = "reduced"):
        q, r = np.linalg.qr(a, mode=mode)
        out = pack(q, r, batch=a.shape[:-2])
        self.save(a, out, mode)
        return out

    def backward(self, grad_out):
        a, out, mode = self.saved
        m, n = a.shape[-2], a.shape[-1]
        if mode == "complete" and m > n:
            raise RuntimeError(
                "linalg.qr: the QR decomposition is not differentiable when mode='complete' and nrows > ncols "
                f"(input of shape {tuple(a.shape)}): Q's last m - n columns are any basis of a subspace (as PyTorch)"
            )
        k = min(m, n)
        shapes = [(m, k), (k, n)]
        q, r = unpack(out, shapes)
        grad_q, grad_r = unpack(grad_out, shapes)
        if m >= n:
            return _qr_square_or_tall_backward(q, r, grad_q, grad_r)
        # A wide, A = [X | Y] = Q [R1 | R2]: X = Q R1 is a square QR, and Y = Q R2 adds to Q's gradient
        r1 = r[..., :, :m]
        grad_r1, grad_r2 = grad_r[..., :, :m], grad_r[..., :, m:]
        y = a[..., :, m:]
        grad_x = _qr_square_or_tall_backward(q, r1, grad_q + y @ mT(grad_r2), grad_r1)
        return np.concatenate([grad_x, q @ grad_r2], axis=-1)


def _qr_square_or_tall_backward(q: Any, r: Any, grad_q: Any, grad_r: Any) -> Any:
    """dA for A = Q R with m >= n: M = R gR^T - gQ^T Q; dA = (gQ + Q copyltu(M)) R^-T, where copyltu(M) is
    the symmetric matrix with M's lower triangle (Walter & Lehmann 2018, eq. for the reduced QR)."""
    mm = r @ mT(grad_r) - mT(grad_q) @ q
    low = np.tril(mm, -1)
    copyltu = low + mT(low) + _diag_embed(np.diagonal(mm, 0, -2, -1))
    b = grad_q + q @ copyltu
    return mT(np.linalg.solve(r, mT(b)))  # b R^-T


class Eigh(Function):
    """A = V diag(w) V^T for a symmetric A (only the triangle `uplo` is read), w ascending; packed [w, V]."""

    def forward(self, a, uplo: Any = "L"):
        w, v = np.linalg.eigh(a, UPLO=uplo)
        out = pack(w, v, batch=a.shape[:-2])
        self.save(out, a.shape[-1])
        return out

    def backward(self, grad_out):
        # dA = V (diag(gw) + F o skew(V^T gV)) V^T, F_ij = 1 / (w_j - w_i) off the diagonal (distinct w)
        out, n = self.saved
        w, v = unpack(out, [(n,), (n, n)])
        grad_w, grad_v = unpack(grad_out, [(n,), (n, n)])
        vt_gv = mT(v) @ grad_v
        skew = 0.5 * (vt_gv - mT(vt_gv))
        f = _off_diagonal_reciprocal(np.expand_dims(w, -2) - np.expand_dims(w, -1))
        return v @ (_diag_embed(grad_w) + f * skew) @ mT(v)


class SVD(Function):
    """A = U diag(S) Vh, S descending; packed [U, S, Vh]. full_matrices: U (m, m), Vh (n, n); else the
    reduced U (m, k), Vh (k, n), k = min(m, n)."""

    def forward(self, a, full_matrices: bool = False):
        u, s, vh = np.linalg.svd(a, full_matrices=full_matrices)
        out = pack(u, s, vh, batch=a.shape[:-2])
        self.save(a, out, full_matrices)
        return out

    def backward(self, grad_out):
        # Townsend 2016, with V = Vh^T, F_ij = 1 / (s_j^2 - s_i^2) off the diagonal (distinct s):
        #   dA = U [F o (U^T gU - gU^T U) S + diag(gS) + S F o (V^T gV - gV^T V)] V^T
        #        + (I - U U^T) gU S^-1 V^T + U S^-1 gV^T (I - V V^T)
        # With full_matrices, U's and Vh's columns past k are any basis: their gradients are left out (as PyTorch).
        a, out, full = self.saved
        m, n = a.shape[-2], a.shape[-1]
        k = min(m, n)
        shapes = [(m, m), (k,), (n, n)] if full else [(m, k), (k,), (k, n)]
        u, s, vh = unpack(out, shapes)
        grad_u, grad_s, grad_vh = unpack(grad_out, shapes)
        u, grad_u, vh, grad_vh = u[..., :, :k], grad_u[..., :, :k], vh[..., :k, :], grad_vh[..., :k, :]
        v, grad_v = mT(vh), mT(grad_vh)
        s2 = s * s
        f = _off_diagonal_reciprocal(np.expand_dims(s2, -2) - np.expand_dims(s2, -1))
        ut_gu = mT(u) @ grad_u
        vt_gv = mT(v) @ grad_v
        row_s = np.expand_dims(s, -2)  # X * row_s = X S; col_s * X = S X
        col_s = np.expand_dims(s, -1)
        core = (f * (ut_gu - mT(ut_gu))) * row_s + _diag_embed(grad_s) + col_s * (f * (vt_gv - mT(vt_gv)))
        grad_a = u @ core @ vh
        s_inv = np.where(s != 0, 1.0 / np.where(s != 0, s, 1.0), 0.0)
        if m > k:
            grad_a = grad_a + (grad_u - u @ ut_gu) * np.expand_dims(s_inv, -2) @ vh
        if n > k:
            grad_a = grad_a + u @ (np.expand_dims(s_inv, -1) * (mT(grad_v) - mT(vt_gv) @ vh))
        return grad_a
