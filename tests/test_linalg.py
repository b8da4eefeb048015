"""tg.linalg's matrix functions against PyTorch (values and gradients, float64, batches, broadcasting) and NumPy,
and the errors PyTorch raises (non-square, integer dtype, singular matrices).

Most cases are one function `fn(L, *tensors)` written once for both libraries (L is tg or torch: their APIs
match), run on the same inputs; its outputs and the gradients of a fixed weighted sum of them must agree.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu.errors import DtypeError, ShapeError

torch = pytest.importorskip("torch")

INF = float("inf")


def random(shape: tuple[int, ...], seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).standard_normal(shape)


def eye(L: Any, n: int) -> Any:
    return L.eye(n, dtype=L.float64)


def spd(L: Any, m: Any) -> Any:
    """M M^T + n I: symmetric positive-definite (cholesky, eigh)."""
    return m @ m.mT + m.shape[-1] * eye(L, m.shape[-1])


def usv(r: Any) -> Any:
    return r[0] * r[1].unsqueeze(-2) @ r[2]


def outputs(result: Any) -> list[Any]:
    """The tensors of a result (a tensor, a named tuple or a list), empty ones left out."""
    items = list(result) if isinstance(result, (tuple, list)) else [result]
    return [t for t in items if t.numel() > 0]


def run(L: Any, fn: Callable, arrays: list[np.ndarray]) -> tuple[list[np.ndarray], list[np.ndarray | None]]:
    """fn's outputs and d(sum of outputs * fixed weights)/d inputs, under library L."""
    inputs = [L.tensor(a, dtype=L.float64, requires_grad=True) for a in arrays]
    outs = outputs(fn(L, *inputs))
    loss = 0
    for k, out in enumerate(outs):
        if out.dtype == L.float64 and out.requires_grad:
            weights = random(tuple(out.shape), seed=100 + k)
            loss = loss + (out * L.tensor(weights, dtype=L.float64)).sum()
    if not isinstance(loss, int):
        loss.backward()
    values = [np.asarray(out.detach().numpy()) for out in outs]
    grads = [None if x.grad is None else np.asarray(x.grad.numpy()) for x in inputs]
    return values, grads


# (name, fn(L, *inputs), input shapes)
CASES: list[tuple[str, Callable, list[tuple[int, ...]]]] = [
    ("inv", lambda L, a: L.linalg.inv(a + 3 * eye(L, 3)), [(2, 3, 3)]),
    ("det", lambda L, a: L.linalg.det(a + 3 * eye(L, 3)), [(4, 3, 3)]),
    ("det 2x2 no batch", lambda L, a: L.linalg.det(a), [(2, 2)]),
    ("slogdet", lambda L, a: L.linalg.slogdet(a), [(2, 3, 3)]),
    ("logdet of spd, Tensor.logdet", lambda L, a: L.logdet(spd(L, a)) + spd(L, a).logdet(), [(2, 3, 3)]),
    ("solve matrix B", lambda L, a, b: L.linalg.solve(a + 3 * eye(L, 3), b), [(3, 3), (3, 2)]),
    ("solve vector B", lambda L, a, b: L.linalg.solve(a + 3 * eye(L, 3), b), [(3, 3), (3,)]),
    ("solve batch of vectors B", lambda L, a, b: L.linalg.solve(a + 3 * eye(L, 3), b), [(2, 3, 3), (2, 3)]),
    ("solve one vector, batch A", lambda L, a, b: L.linalg.solve(a + 3 * eye(L, 3), b), [(2, 3, 3), (3,)]),
    ("solve batches broadcast", lambda L, a, b: L.linalg.solve(a + 3 * eye(L, 3), b), [(2, 1, 3, 3), (4, 3, 2)]),
    ("solve left=False", lambda L, a, b: L.linalg.solve(a + 3 * eye(L, 3), b, left=False), [(2, 3, 3), (4, 3)]),
    ("cholesky of M M^T + nI", lambda L, m: L.linalg.cholesky(spd(L, m)), [(2, 3, 3)]),
    ("cholesky upper", lambda L, m: L.linalg.cholesky(spd(L, m), upper=True), [(3, 3)]),
    ("cholesky_ex", lambda L, m: L.linalg.cholesky_ex(spd(L, m)), [(2, 3, 3)]),
    ("inv_ex", lambda L, a: L.linalg.inv_ex(a + 3 * eye(L, 3)), [(2, 3, 3)]),
    ("qr reduced tall", lambda L, a: L.linalg.qr(a), [(2, 5, 3)]),
    ("qr reduced wide", lambda L, a: L.linalg.qr(a), [(3, 5)]),
    ("qr complete square", lambda L, a: L.linalg.qr(a, mode="complete"), [(4, 4)]),
    ("qr complete tall (values)", lambda L, a: [t.detach() for t in L.linalg.qr(a, mode="complete")], [(5, 3)]),
    ("eigh values, |vectors|", lambda L, m: (lambda r: [r[0], r[1].abs()])(L.linalg.eigh(m + m.mT)), [(2, 4, 4)]),
    ("eigh UPLO=U (lower triangle not read)", lambda L, a: L.linalg.eigh(a, UPLO="U")[0], [(4, 4)]),
    ("eigvalsh", lambda L, m: L.linalg.eigvalsh(m + m.mT), [(3, 3)]),
    (
        "svd U diag(S) Vh, S, |U|, |Vh| tall",
        lambda L, a: (lambda r: [usv(r), r[1], r[0].abs(), r[2].abs()])(L.linalg.svd(a, full_matrices=False)),
        [(2, 5, 3)],
    ),
    (
        "svd wide",
        lambda L, a: (lambda r: [usv(r), r[1], r[0].abs(), r[2].abs()])(L.linalg.svd(a, full_matrices=False)),
        [(3, 5)],
    ),
    (
        "svd full_matrices (values, |U|, |Vh|)",
        lambda L, a: (lambda r: [r[0].abs().detach(), r[1], r[2].abs().detach()])(L.linalg.svd(a)),
        [(4, 3)],
    ),
    ("svdvals", lambda L, a: L.linalg.svdvals(a), [(2, 3, 4)]),
    ("pinv tall", lambda L, a: L.linalg.pinv(a), [(2, 5, 3)]),
    ("pinv wide", lambda L, a: L.linalg.pinv(a), [(3, 4)]),
    ("pinv hermitian", lambda L, m: L.linalg.pinv(spd(L, m), hermitian=True), [(3, 3)]),
    ("pinverse, Tensor.pinverse", lambda L, a: L.pinverse(a) + a.pinverse(), [(4, 3)]),
    ("lstsq solution, rank", lambda L, a, b: L.linalg.lstsq(a, b), [(2, 5, 3), (2, 5, 2)]),
    ("lstsq vector B", lambda L, a, b: L.linalg.lstsq(a, b), [(5, 3), (5,)]),
    ("lstsq gelsd", lambda L, a, b: L.linalg.lstsq(a, b, driver="gelsd"), [(2, 5, 3), (2, 5, 2)]),
    (
        "lstsq gelss, gels",
        lambda L, a, b: [*L.linalg.lstsq(a, b, driver="gelss"), L.linalg.lstsq(a, b, driver="gels")[0]],
        [(5, 3), (5, 2)],
    ),
    ("matrix_norm fro, nuc", lambda L, a: [L.linalg.matrix_norm(a), L.linalg.matrix_norm(a, "nuc")], [(2, 3, 4)]),
    ("matrix_norm 2, -2", lambda L, a: [L.linalg.matrix_norm(a, 2), L.linalg.matrix_norm(a, -2)], [(2, 3, 4)]),
    (
        "matrix_norm 1, -1, inf, -inf",
        lambda L, a: [L.linalg.matrix_norm(a, o) for o in (1, -1, INF, -INF)],
        [(2, 3, 4)],
    ),
    (
        "matrix_norm dim=(0, 2) keepdim",
        lambda L, a: [L.linalg.matrix_norm(a, o, dim=(0, 2), keepdim=True) for o in ("fro", "nuc", 2, 1, -INF)],
        [(3, 2, 4)],
    ),
    (
        "matrix_norm dim=(-1, -2)",
        lambda L, a: [L.linalg.matrix_norm(a, o, dim=(-1, -2)) for o in (1, INF, -2)],
        [(2, 3, 4)],
    ),
    (
        "norm ord with a 2-tuple dim, 2-D",
        lambda L, a: [
            L.linalg.norm(a, 1, dim=(1, 2)),
            L.linalg.norm(a[0], "nuc"),
            L.linalg.norm(a[0], -INF),
            L.linalg.norm(a, dim=(0, 1)),
        ],
        [(2, 3, 4)],
    ),
    (
        "matrix_power 0, 1, 2, 5, -1, -3",
        lambda L, a: [L.linalg.matrix_power(a + 3 * eye(L, 3), n) for n in (0, 1, 2, 5, -1, -3)],
        [(2, 3, 3)],
    ),
    ("Tensor.matrix_power, tg.matrix_power", lambda L, a: a.matrix_power(3) + L.matrix_power(a, 2), [(3, 3)]),
    ("cross broadcast", lambda L, a, b: L.linalg.cross(a, b), [(4, 1, 3), (1, 2, 3)]),
    ("cross dim=0", lambda L, a, b: L.linalg.cross(a, b, dim=0), [(3, 4), (3, 4)]),
    ("vecdot", lambda L, a, b: L.linalg.vecdot(a, b), [(2, 3, 4), (3, 4)]),
    ("vecdot dim=0", lambda L, a, b: L.linalg.vecdot(a, b, dim=0), [(3, 4), (3, 1)]),
    ("multi_dot matrices", lambda L, a, b, c: L.linalg.multi_dot([a, b, c]), [(2, 3), (3, 4), (4, 2)]),
    ("multi_dot vector ends", lambda L, a, b, c: L.linalg.multi_dot([a, b, c]), [(3,), (3, 4), (4,)]),
    (
        "diagonal",
        lambda L, a: [L.linalg.diagonal(a), L.linalg.diagonal(a, offset=1), L.linalg.diagonal(a, dim1=0, dim2=2)],
        [(3, 4, 4)],
    ),
    (
        "cond p None, -2 (tall), fro, nuc, 1, inf",
        lambda L, a, b: [
            L.linalg.cond(b),
            L.linalg.cond(b, -2),
            # (values only: torch 2.13's backward of cond for these p fails, an in-place error inside torch)
            *[L.linalg.cond(a + 3 * eye(L, 3), p).detach() for p in ("fro", "nuc", 1, INF)],
        ],
        [(2, 3, 3), (4, 3)],
    ),
    (
        "solve_triangular upper, lower unitriangular",
        lambda L, a, b: [
            L.linalg.solve_triangular(a + 3 * eye(L, 3), b, upper=True),
            L.linalg.solve_triangular(a + 3 * eye(L, 3), b, upper=False, unitriangular=True),
        ],
        [(2, 3, 3), (3, 2)],
    ),
    (
        "solve_triangular left=False, batches broadcast",
        lambda L, a, b: L.linalg.solve_triangular(a + 3 * eye(L, 3), b, upper=False, left=False),
        [(2, 1, 3, 3), (4, 2, 3)],
    ),
    (
        "vander (a 0 in x), N",
        lambda L, x: [L.linalg.vander(x * L.tensor([0.0, 1.0, 1.0, 1.0], dtype=L.float64)), L.linalg.vander(x, N=2)],
        [(2, 4)],
    ),
    ("linalg.matmul", lambda L, a, b: L.linalg.matmul(a, b), [(2, 3, 4), (4,)]),
    (
        "Tensor.inverse, tg.inverse",
        lambda L, a: (a + 3 * eye(L, 3)).inverse() + L.inverse(a + 3 * eye(L, 3)),
        [(2, 3, 3)],
    ),
    ("Tensor.det, tg.det, slogdet", lambda L, a: [a.det(), L.det(a), *a.slogdet(), *L.slogdet(a)], [(2, 3, 3)]),
    ("Tensor.cholesky, tg.cholesky", lambda L, m: [spd(L, m).cholesky(), L.cholesky(spd(L, m), upper=True)], [(3, 3)]),
    ("Tensor.qr, tg.qr some=False", lambda L, a: [*a.qr(), *L.qr(a[:3], some=False)], [(4, 3)]),
    (
        "Tensor.svd, tg.svd: V",
        lambda L, a: (lambda r: [r[0] * r[1].unsqueeze(-2) @ r[2].mT, r[1], r[2].abs()])(a.svd()),
        [(2, 4, 3)],
    ),
    (
        "tg.svd some=False, compute_uv=False",
        lambda L, a: [*L.svd(a, some=False, compute_uv=False), L.svd(a, some=False)[0].abs()],
        [(3, 2)],
    ),
]


@pytest.mark.filterwarnings("ignore:torch.(cholesky|svd|qr) is deprecated:UserWarning")  # (torch's own forms)
@pytest.mark.parametrize("name, fn, shapes", CASES, ids=[c[0] for c in CASES])
def test_values_and_gradients_match_torch(name: str, fn: Callable, shapes: list[tuple[int, ...]]) -> None:
    arrays = [random(shape, seed=i) for i, shape in enumerate(shapes)]
    ours_values, ours_grads = run(tg, fn, arrays)
    theirs_values, theirs_grads = run(torch, fn, arrays)
    assert len(ours_values) == len(theirs_values)
    for ours, theirs in zip(ours_values, theirs_values):
        assert ours.shape == theirs.shape and ours.dtype == theirs.dtype, (ours.shape, theirs.shape)
        np.testing.assert_allclose(ours, theirs, rtol=1e-9, atol=1e-10)
    for ours, theirs in zip(ours_grads, theirs_grads):
        assert (ours is None) == (theirs is None)
        if ours is not None:
            np.testing.assert_allclose(ours, theirs, rtol=1e-8, atol=1e-10)


# ---- second derivatives against PyTorch's ------------------------------------------------------------------

SECOND = [
    ("inv", lambda L, a: L.linalg.inv(a + 3 * eye(L, 3))),
    ("det", lambda L, a: L.linalg.det(a + 3 * eye(L, 3))),
    ("slogdet", lambda L, a: L.linalg.slogdet(a + 3 * eye(L, 3)).logabsdet),
    ("solve", lambda L, a: L.linalg.solve(a + 3 * eye(L, 3), a[..., 0])),
    ("cholesky", lambda L, a: L.linalg.cholesky(spd(L, a))),
    ("eigvalsh", lambda L, a: L.linalg.eigvalsh(a + a.mT)),
    ("svdvals", lambda L, a: L.linalg.svdvals(a)),
    ("qr", lambda L, a: L.linalg.qr(a).R),
]


@pytest.mark.parametrize("name, fn", SECOND, ids=[s[0] for s in SECOND])
def test_second_derivatives_match_torch(name: str, fn: Callable) -> None:
    a = random((2, 3, 3))
    results = []
    for L in (tg, torch):
        x = L.tensor(a, dtype=L.float64, requires_grad=True)
        out = fn(L, x)
        (g,) = L.autograd.grad((out * L.tensor(random(tuple(out.shape), 7))).sum(), x, create_graph=True)
        (gg,) = L.autograd.grad((g * g).sum(), x)
        results.append((g.detach().numpy(), gg.numpy()))
    np.testing.assert_allclose(results[0][0], results[1][0], rtol=1e-8, atol=1e-10)
    np.testing.assert_allclose(results[0][1], results[1][1], rtol=1e-7, atol=1e-9)


# ---- values against NumPy ----------------------------------------------------------------------------------


def test_values_match_numpy() -> None:
    a = random((2, 4, 4)) + 4 * np.eye(4)
    b = random((2, 4, 3), seed=1)
    t = tg.tensor(a)
    np.testing.assert_allclose(tg.linalg.inv(t).numpy(), np.linalg.inv(a), rtol=1e-12)
    np.testing.assert_allclose(tg.linalg.det(t).numpy(), np.linalg.det(a), rtol=1e-12)
    np.testing.assert_allclose(tg.linalg.slogdet(t).logabsdet.numpy(), np.linalg.slogdet(a)[1], rtol=1e-12)
    np.testing.assert_allclose(tg.linalg.solve(t, tg.tensor(b)).numpy(), np.linalg.solve(a, b), rtol=1e-12)
    sym = a + np.swapaxes(a, -1, -2)
    np.testing.assert_allclose(tg.linalg.eigvalsh(tg.tensor(sym)).numpy(), np.linalg.eigvalsh(sym), rtol=1e-12)
    np.testing.assert_allclose(tg.linalg.svdvals(tg.tensor(b)).numpy(), np.linalg.svd(b, compute_uv=False), rtol=1e-12)
    np.testing.assert_allclose(tg.linalg.pinv(tg.tensor(b)).numpy(), np.linalg.pinv(b), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(tg.linalg.matrix_power(t, 3).numpy(), np.linalg.matrix_power(a, 3), rtol=1e-12)
    np.testing.assert_allclose(tg.linalg.matrix_power(t, -2).numpy(), np.linalg.matrix_power(a, -2), rtol=1e-10)
    for ord in ("fro", "nuc", 1, -1, 2, -2, INF, -INF):
        np.testing.assert_allclose(
            tg.linalg.matrix_norm(tg.tensor(b), ord).numpy(), np.linalg.norm(b, ord, axis=(-2, -1)), rtol=1e-12
        )
    tall = random((6, 3), seed=2)
    rhs = random((6, 2), seed=3)
    np.testing.assert_allclose(
        tg.linalg.lstsq(tg.tensor(tall), tg.tensor(rhs)).solution.numpy(),
        np.linalg.lstsq(tall, rhs, rcond=None)[0],
        rtol=1e-10,
    )
    q, r = tg.linalg.qr(tg.tensor(tall))
    np.testing.assert_allclose((q @ r).numpy(), tall, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose((q.mT @ q).numpy(), np.eye(3), atol=1e-14)
    assert np.allclose(np.tril(r.numpy(), -1), 0)
    other = random((6, 3), seed=4)
    np.testing.assert_allclose(
        tg.linalg.cross(tg.tensor(tall), tg.tensor(other)).numpy(), np.cross(tall, other), rtol=1e-12
    )


def test_matrix_rank_matches_torch_and_numpy() -> None:
    low = random((3, 5, 2)) @ random((3, 2, 4), seed=1)  # rank 2
    for kwargs in ({}, {"atol": 1.0}, {"rtol": 0.5}, {"atol": 0.1, "rtol": 0.2}):
        ours = tg.linalg.matrix_rank(tg.tensor(low), **kwargs)
        theirs = torch.linalg.matrix_rank(torch.tensor(low), **kwargs)
        assert ours.dtype == np.int64 and ours.tolist() == theirs.tolist(), kwargs
    assert tg.linalg.matrix_rank(tg.tensor(low)).tolist() == np.linalg.matrix_rank(low).tolist() == [2, 2, 2]
    sym = low[0].T @ low[0]
    assert (
        tg.linalg.matrix_rank(tg.tensor(sym), hermitian=True).item()
        == torch.linalg.matrix_rank(torch.tensor(sym), hermitian=True).item()
    )


def test_det_gradient_at_a_singular_matrix_is_the_cofactor_matrix() -> None:
    # det [[a, b], [c, d]] = ad - bc: the gradient is [[d, -c], [-b, a]], at a singular matrix too
    x = tg.tensor([[1.0, 2.0], [2.0, 4.0]], dtype=tg.float64, requires_grad=True)
    tg.linalg.det(x).backward()
    np.testing.assert_allclose(x.grad.numpy(), [[4.0, -2.0], [-2.0, 1.0]], atol=1e-12)
    rank1 = tg.tensor(np.outer([1.0, 2.0, 3.0], [1.0, -1.0, 0.5]), dtype=tg.float64, requires_grad=True)
    tg.linalg.det(rank1).backward()  # rank n - 2: every cofactor is 0
    np.testing.assert_allclose(rank1.grad.numpy(), np.zeros((3, 3)), atol=1e-12)


@pytest.mark.filterwarnings("ignore:torch.(cholesky|svd|qr) is deprecated:UserWarning")
def test_result_fields_are_torchs() -> None:
    a = random((3, 3)) + 3 * np.eye(3)
    s = a @ a.T + 3 * np.eye(3)
    pairs = [
        (tg.linalg.slogdet(tg.tensor(a)), torch.linalg.slogdet(torch.tensor(a)), ("sign", "logabsdet")),
        (tg.slogdet(tg.tensor(a)), torch.slogdet(torch.tensor(a)), ("sign", "logabsdet")),
        (tg.linalg.qr(tg.tensor(a)), torch.linalg.qr(torch.tensor(a)), ("Q", "R")),
        (tg.qr(tg.tensor(a)), torch.qr(torch.tensor(a)), ("Q", "R")),
        (tg.linalg.svd(tg.tensor(a)), torch.linalg.svd(torch.tensor(a)), ("U", "S", "Vh")),
        (tg.svd(tg.tensor(a)), torch.svd(torch.tensor(a)), ("U", "S", "V")),
        (tg.linalg.eigh(tg.tensor(s)), torch.linalg.eigh(torch.tensor(s)), ("eigenvalues", "eigenvectors")),
        (tg.linalg.inv_ex(tg.tensor(a)), torch.linalg.inv_ex(torch.tensor(a)), ("inverse", "info")),
        (tg.linalg.cholesky_ex(tg.tensor(s)), torch.linalg.cholesky_ex(torch.tensor(s)), ("L", "info")),
        (
            tg.linalg.lstsq(tg.tensor(a), tg.tensor(a)),
            torch.linalg.lstsq(torch.tensor(a), torch.tensor(a)),
            ("solution", "residuals", "rank", "singular_values"),
        ),
    ]
    for ours, theirs, fields in pairs:
        assert ours._fields == fields
        for field in fields:
            value = getattr(theirs, field)
            assert getattr(ours, field).shape == tuple(value.shape), field
            assert str(getattr(ours, field).dtype) == str(value.dtype).replace("torch.", ""), field


def test_info_of_singular_and_indefinite_matrices_matches_torch() -> None:
    singular = np.array([[[1.0, 2.0], [2.0, 4.0]], [[2.0, 0.0], [0.0, 1.0]], [[0.0, 0.0], [0.0, 1.0]]])
    ours, theirs = tg.linalg.inv_ex(tg.tensor(singular)), torch.linalg.inv_ex(torch.tensor(singular))
    assert ours.info.dtype == np.int32 and ours.info.tolist() == theirs.info.tolist()
    np.testing.assert_allclose(ours.inverse.numpy()[1], theirs.inverse.numpy()[1])
    indefinite = np.array([[[1.0, 2.0], [2.0, 1.0]], [[2.0, 0.0], [0.0, 1.0]], [[-1.0, 0.0], [0.0, 1.0]]])
    ours_c, theirs_c = tg.linalg.cholesky_ex(tg.tensor(indefinite)), torch.linalg.cholesky_ex(torch.tensor(indefinite))
    assert ours_c.info.dtype == np.int32 and ours_c.info.tolist() == theirs_c.info.tolist()
    np.testing.assert_allclose(ours_c.L.numpy()[1], theirs_c.L.numpy()[1])
    with pytest.raises(tg.linalg.LinAlgError, match="inv_ex"):
        tg.linalg.inv_ex(tg.tensor(singular), check_errors=True)
    with pytest.raises(tg.linalg.LinAlgError, match="cholesky_ex"):
        tg.linalg.cholesky_ex(tg.tensor(indefinite), check_errors=True)


def test_float32_stays_float32_as_torch() -> None:
    a = (random((3, 3)) + 3 * np.eye(3)).astype(np.float32)
    for name in ("inv", "det", "svdvals", "pinv", "matrix_norm"):
        ours = getattr(tg.linalg, name)(tg.tensor(a))
        theirs = getattr(torch.linalg, name)(torch.tensor(a))
        assert ours.dtype == np.float32 and theirs.dtype == torch.float32
        np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-4, atol=1e-5)


# ---- errors ---------------------------------------------------------------------------------------------------

SQUARE_ONLY = ["inv", "det", "slogdet", "cholesky", "eigh", "eigvalsh", "inv_ex", "cholesky_ex", "matrix_power"]


@pytest.mark.parametrize("name", SQUARE_ONLY)
def test_a_non_square_matrix_is_refused_as_torch_refuses_it(name: str) -> None:
    args = (2,) if name == "matrix_power" else ()
    with pytest.raises(RuntimeError):
        getattr(torch.linalg, name)(torch.ones(2, 3, dtype=torch.float64), *args)
    with pytest.raises(ShapeError, match=rf"linalg.{name}.*\(2, 3\)"):
        getattr(tg.linalg, name)(tg.ones(2, 3, dtype=tg.float64), *args)


@pytest.mark.parametrize(
    "name", ["inv", "det", "slogdet", "cholesky", "eigh", "svd", "svdvals", "qr", "pinv", "matrix_norm"]
)
def test_an_integer_matrix_is_refused_as_torch_refuses_it(name: str) -> None:
    with pytest.raises(RuntimeError):
        getattr(torch.linalg, name)(torch.eye(2, dtype=torch.int64))
    with pytest.raises(DtypeError, match=rf"linalg.{name}: Expected a floating point tensor as input. Got int64"):
        getattr(tg.linalg, name)(tg.eye(2, dtype=tg.int64))
    assert issubclass(DtypeError, RuntimeError)


@pytest.mark.parametrize(
    "name, call",
    [
        ("linalg.inv", lambda L, s: L.linalg.inv(s)),
        ("linalg.solve", lambda L, s: L.linalg.solve(s, L.ones(2, dtype=L.float64))),
        ("linalg.cholesky", lambda L, s: L.linalg.cholesky(s)),
        ("linalg.inv", lambda L, s: L.inverse(s)),
    ],
)
def test_a_singular_matrix_raises_linalg_error(name: str, call: Callable) -> None:
    singular = np.array([[1.0, 2.0], [2.0, 4.0]])
    with pytest.raises(torch.linalg.LinAlgError):
        call(torch, torch.tensor(singular))
    with pytest.raises(tg.linalg.LinAlgError, match=rf"{name}: the input of shape \(2, 2\) is") as raised:
        call(tg, tg.tensor(singular))
    assert isinstance(raised.value, RuntimeError)  # as torch.linalg.LinAlgError


def test_other_errors_name_the_op() -> None:
    a = tg.eye(3, dtype=tg.float64)
    with pytest.raises(ShapeError, match="linalg.solve: Incompatible shapes"):
        tg.linalg.solve(a, tg.ones(4, 2, dtype=tg.float64))
    with pytest.raises(ShapeError, match="do not broadcast"):
        tg.linalg.solve(tg.eye(3, dtype=tg.float64).expand(2, 3, 3), tg.ones(4, 3, 1, dtype=tg.float64))
    with pytest.raises(DtypeError, match="same dtype"):
        tg.linalg.solve(a, tg.ones(3, dtype=tg.float32))
    with pytest.raises(DtypeError, match="Low precision"):
        tg.linalg.inv(tg.eye(2, dtype=tg.float16))
    with pytest.raises(ShapeError, match="at least 2 dimensions"):
        tg.linalg.det(tg.ones(3, dtype=tg.float64))
    with pytest.raises(ShapeError, match="must have length 3"):
        tg.linalg.cross(tg.ones(2), tg.ones(2))
    with pytest.raises(ShapeError, match="at least 2 tensors"):
        tg.linalg.multi_dot([tg.ones(2, 2)])
    with pytest.raises(ShapeError, match="tensor 1 must be 2D"):
        tg.linalg.multi_dot([tg.ones(2), tg.ones(2), tg.ones(2)])
    with pytest.raises(ValueError, match="Order 3 not supported"):
        tg.linalg.matrix_norm(a, 3)
    with pytest.raises(ValueError, match="unrecognized mode"):
        tg.linalg.qr(a, mode="full")
    with pytest.raises(ValueError, match="UPLO"):
        tg.linalg.eigh(a, UPLO="X")
    with pytest.raises(ValueError, match="driver"):
        tg.linalg.lstsq(a, a, driver="gelsx")
    with pytest.raises(ValueError, match="must be 1D or 2D"):
        tg.linalg.norm(tg.ones(2, 2, 2), 2)
    x = tg.tensor(random((4, 3)), dtype=tg.float64, requires_grad=True)
    with pytest.raises(RuntimeError, match="not differentiable when mode='complete'"):
        tg.linalg.qr(x, mode="complete").Q.sum().backward()


def test_linalg_error_is_exported_as_torch_exports_it() -> None:
    assert tg.linalg.LinAlgError is tg.errors.LinAlgError
    assert issubclass(tg.linalg.LinAlgError, RuntimeError) and issubclass(torch.linalg.LinAlgError, RuntimeError)
    for name in tg.linalg.__all__:
        assert hasattr(torch.linalg, name), name  # every tg.linalg name is torch.linalg's
    from tinygrad_edu import functional_linalg

    for name in functional_linalg.__all__:
        assert getattr(tg, name) is getattr(functional_linalg, name) and callable(getattr(torch, name)), name
        assert callable(getattr(tg.Tensor, name)) and callable(getattr(torch.Tensor, name)), name


@pytest.mark.parametrize("name", ["cholesky", "eigh", "eigvalsh", "inv", "det", "slogdet"])
def test_gradients_on_a_symmetric_positive_definite_leaf_match_torch(name: str) -> None:
    """The input itself (not a function of it) is the leaf: cholesky's and eigh's symmetric gradients are torch's."""
    m = random((2, 3, 3), seed=1)
    a = m @ np.swapaxes(m, -1, -2) + 3 * np.eye(3)
    grads = []
    for L in (tg, torch):
        x = L.tensor(a, dtype=L.float64, requires_grad=True)
        out = getattr(L.linalg, name)(x)
        out = {"eigh": lambda r: r[1].abs() + r[0].unsqueeze(-1), "slogdet": lambda r: r[1]}.get(name, lambda r: r)(out)
        (out * L.tensor(random(tuple(out.shape), seed=2))).sum().backward()
        grads.append(x.grad.numpy())
    np.testing.assert_allclose(grads[0], grads[1], rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize(
    "name, fn",
    [
        ("svdvals", lambda L, x: L.linalg.svdvals(x)),
        ("eigvalsh", lambda L, x: L.linalg.eigvalsh(x)),
        ("matrix_norm nuc", lambda L, x: L.linalg.matrix_norm(x, "nuc")),
        ("det", lambda L, x: L.linalg.det(x)),
    ],
)
def test_repeated_eigen_and_singular_values_give_torchs_finite_gradient(name: str, fn: Callable) -> None:
    a = np.diag([2.0, 2.0, 1.0, 1.0])  # each value twice: the vectors are not unique, the values' gradient is
    grads = []
    for L in (tg, torch):
        x = L.tensor(a, dtype=L.float64, requires_grad=True)
        out = fn(L, x)
        (out * L.tensor(np.arange(1.0, out.numel() + 1).reshape(tuple(out.shape)))).sum().backward()
        grads.append(x.grad.numpy())
    assert np.isfinite(grads[0]).all()
    np.testing.assert_allclose(grads[0], grads[1], rtol=1e-12, atol=1e-12)
