"""tg.special against torch.special: values over wide ranges (float64 and float32), the edge values (0, -0, poles,
+-inf, nan), integer inputs, first and second derivatives, PyTorch's refusals, and the names we lack.

The float64 tolerances are ~1e-13 relative, looser only where PyTorch's own kernel is less exact than ours (its
trigamma is off by ~5e-10 near x = 1, its igamma by ~2e-9 at a ~ 20: both checked against mpmath when written)
or where the value passes through 0 (digamma's and lgamma's roots: an absolute tolerance there).
"""

from __future__ import annotations

import os
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest

import tinygrad_edu as tg

torch = pytest.importorskip("torch")

RNG = np.random.default_rng(0)
ROOT = Path(__file__).resolve().parents[1]


def spread(low: float, high: float, n: int = 400) -> np.ndarray:
    """n points evenly and n at random in [low, high]."""
    return np.concatenate([np.linspace(low, high, n), RNG.uniform(low, high, n)])


def magnitudes(low_exp: float, high_exp: float, n: int = 300) -> np.ndarray:
    """+-10^e for e uniform in [low_exp, high_exp]: tiny and huge values of both signs."""
    m = 10.0 ** RNG.uniform(low_exp, high_exp, n)
    return np.concatenate([m, -m])


EDGES = np.array([0.0, -0.0, np.inf, -np.inf, np.nan, 1.0, 2.0, -1.0, -2.0, 0.5, -0.5, 1e-300, 1e300, -1e300])

# (name, inputs, rtol, atol): tg.special.<name>(x) against torch.special.<name>(x), float64
UNARY = [
    ("erf", [spread(-7, 7), magnitudes(-300, 300)], 1e-14, 0),
    ("erfc", [spread(-7, 27), magnitudes(-300, 300)], 1e-13, 0),
    ("erfcx", [spread(-26, 40), magnitudes(-300, 300)], 1e-13, 0),
    ("erfinv", [spread(-1, 1), 1 - 10.0 ** RNG.uniform(-16, 0, 300), 10.0 ** RNG.uniform(-300, 0, 300)], 1e-13, 0),
    ("ndtr", [spread(-37, 9), magnitudes(-300, 300)], 1e-12, 0),
    ("log_ndtr", [spread(-60, 30), magnitudes(-100, 10)], 1e-12, 0),
    ("ndtri", [spread(0, 1), 10.0 ** RNG.uniform(-300, 0, 300), 1 - 10.0 ** RNG.uniform(-16, 0, 300)], 1e-13, 0),
    ("gammaln", [spread(0, 40), spread(-40, 0), magnitudes(-300, 300)], 1e-13, 1e-13),
    ("digamma", [spread(0, 40), spread(-40, 0), magnitudes(-300, 300)], 1e-12, 1e-13),
    ("psi", [spread(0.1, 20)], 1e-12, 1e-13),
    ("i0", [spread(-50, 50), spread(-750, 750)], 1e-13, 0),
    ("i1", [spread(-50, 50), spread(-750, 750)], 1e-13, 0),
    ("i0e", [spread(-50, 50), magnitudes(-300, 300)], 1e-13, 0),
    ("i1e", [spread(-50, 50), magnitudes(-300, 300)], 1e-13, 0),
    ("sinc", [spread(-50, 50), magnitudes(-300, 5)], 1e-12, 1e-15),
    ("entr", [spread(-1, 20), 10.0 ** RNG.uniform(-300, 300, 300)], 1e-13, 0),
]
# torch.special's names for the library's existing ops (elementwise.py, explog.py): they warn where NumPy
# overflows (exp2(1100)), as they always have, so these are checked for values only. (expit: PyTorch flushes
# sigmoid(-740) to 0 where ours keeps the subnormal 1e-322, hence atol.)
EXISTING = [
    ("expit", [spread(-800, 800)], 1e-14, 1e-300),
    ("logit", [spread(0, 1)], 1e-12, 0),
    ("exp2", [spread(-1100, 1100)], 1e-14, 0),
    ("expm1", [spread(-50, 50), magnitudes(-300, 2)], 1e-14, 0),
    ("log1p", [spread(-1, 50), magnitudes(-300, 300)], 1e-14, 0),
]


# PyTorch's ndtr is 0 below x ~ -8 in float64 (1e-15 and less are lost: it computes 1/2 + erf(x/sqrt 2)/2 there);
# ours keeps them (mpmath agrees), so it is compared with erfc(-x/sqrt 2)/2 computed by PyTorch
REFERENCE = {"ndtr": lambda t: torch.erfc(-t * 0.5**0.5) / 2}


def reference(name: str):
    return REFERENCE.get(name, getattr(torch.special, name))


def as_torch(values: np.ndarray, dtype=np.float64):
    return torch.tensor(np.asarray(values, dtype=dtype))


def check_close(ours: tg.Tensor, theirs, rtol: float, atol: float) -> None:
    assert ours.dtype == np.dtype(str(theirs.dtype).replace("torch.", "")), (ours.dtype, theirs.dtype)
    assert ours.shape == tuple(theirs.shape)
    np.testing.assert_allclose(ours.numpy(), theirs.detach().numpy(), rtol=rtol, atol=atol, equal_nan=True)


@pytest.mark.filterwarnings("error")  # no overflow or invalid-value warnings, for any input
@pytest.mark.parametrize("name, inputs, rtol, atol", UNARY, ids=[case[0] for case in UNARY])
def test_values_match_torch_in_float64_over_wide_ranges_and_at_the_edges(name, inputs, rtol, atol) -> None:
    for x in [*inputs, EDGES]:
        check_close(getattr(tg.special, name)(tg.tensor(x)), reference(name)(as_torch(x)), rtol, atol)


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
@pytest.mark.parametrize("name, inputs, rtol, atol", EXISTING, ids=[case[0] for case in EXISTING])
def test_torch_special_names_of_existing_ops_match_torch(name, inputs, rtol, atol) -> None:
    for x in [*inputs, EDGES]:
        check_close(getattr(tg.special, name)(tg.tensor(x)), reference(name)(as_torch(x)), rtol, atol)


@pytest.mark.filterwarnings("error")
@pytest.mark.parametrize("name, inputs, rtol, atol", UNARY, ids=[case[0] for case in UNARY])
def test_values_match_torch_in_float32(name, inputs, rtol, atol) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # (the float64 inputs cast to float32 overflow to inf: not our warning)
        x = np.concatenate([*inputs, EDGES]).astype(np.float32)
    if name in ("i0", "i1"):  # (PyTorch's float32 I0 is inf from |x| = 88.7, where its e^x overflows; ours from 93)
        x = x[np.abs(x) < 88]
    ours = getattr(tg.special, name)(tg.tensor(x))
    theirs = reference(name)(as_torch(x, np.float32))
    # ours computes in float64 and rounds once; PyTorch's float32 kernels are a few float32 ulps off, and some
    # flush float32's subnormals (below 1.2e-38) to 0
    check_close(ours, theirs, 2e-5, max(atol, 1e-6 if name in ("gammaln", "digamma", "psi", "sinc") else 1e-37))


@pytest.mark.parametrize("n", [1, 2, 3, 4, 7])
def test_polygamma_matches_torch(n) -> None:
    rtol = 1e-9 if n == 1 else 1e-12  # (PyTorch's trigamma is good to ~5e-10 only)
    for x in [spread(0, 30), spread(-10, 0), 10.0 ** RNG.uniform(-5, 5, 300), EDGES[np.abs(EDGES) < 1e300]]:
        ours, theirs = tg.special.polygamma(n, tg.tensor(x)), torch.special.polygamma(n, as_torch(x))
        fine = ~((x <= 0) & (x == np.floor(x)))  # (at the poles PyTorch's trigamma is a huge finite number: ours inf)
        check_close(ours[fine] if n == 1 else ours, theirs[fine] if n == 1 else theirs, rtol, 1e-300)


@pytest.mark.parametrize("p", [1, 2, 5])
def test_multigammaln_matches_torch(p) -> None:
    x = spread((p - 1) / 2 + 1e-3, 40)
    check_close(tg.special.multigammaln(tg.tensor(x), p), torch.special.multigammaln(as_torch(x), p), 1e-13, 1e-13)
    check_close(tg.mvlgamma(tg.tensor(x), p), torch.mvlgamma(as_torch(x), p), 1e-13, 1e-13)


@pytest.mark.parametrize("name", ["gammainc", "gammaincc"])
def test_incomplete_gamma_matches_torch(name) -> None:
    a = np.concatenate([RNG.uniform(0, 5, 2000), RNG.uniform(0, 60, 2000), [0, 0, 1, np.inf, 1, -1, 1, np.nan, 2]])
    x = np.concatenate([RNG.uniform(0, 5, 2000), RNG.uniform(0, 60, 2000), [0, 1, 0, 1, np.inf, 1, -1, 1, np.nan]])
    # (atol: Q = 1e-30 against PyTorch's Cephes, which is good to ~2e-9 at a ~ 20, x ~ 15: mpmath agrees with us)
    check_close(
        getattr(tg.special, name)(tg.tensor(a), tg.tensor(x)),
        getattr(torch.special, name)(as_torch(a), as_torch(x)),
        1e-8,
        1e-15,
    )


def test_zeta_matches_torch() -> None:
    s = np.concatenate([RNG.uniform(1.01, 12, 1000), np.full(300, 3.0), [1, 0.5, 2, 2, 2, 2.5, np.nan]])
    q = np.concatenate([10.0 ** RNG.uniform(-3, 3, 1000), RNG.uniform(-20, 0, 300), [2, 2, 0, -3, np.inf, -1.5, 1]])
    check_close(tg.special.zeta(tg.tensor(s), tg.tensor(q)), torch.special.zeta(as_torch(s), as_torch(q)), 1e-12, 0)


def test_xlogy_and_xlog1py_match_torch_including_zero_and_nan() -> None:
    x = np.array([0.0, 0.0, 0.0, 1.5, -2.0, 3.0, np.nan, 0.0])
    y = np.array([0.0, -1.0, 2.0, 0.5, 4.0, np.nan, 1.0, -2.0])
    for name in ("xlogy", "xlog1py"):
        ours, theirs = getattr(tg.special, name), getattr(torch.special, name)
        check_close(ours(tg.tensor(x), tg.tensor(y)), theirs(as_torch(x), as_torch(y)), 1e-14, 0)
        check_close(ours(2.0, tg.tensor(y)), theirs(2.0, as_torch(y)), 1e-14, 0)  # a number either side
        check_close(ours(tg.tensor(x), 3.0), theirs(as_torch(x), 3.0), 1e-14, 0)


def test_the_reductions_and_round_match_torch() -> None:
    x = RNG.normal(size=(3, 4)) * 5
    t = as_torch(x)
    check_close(tg.special.softmax(tg.tensor(x), 1), torch.special.softmax(t, 1), 1e-14, 0)
    check_close(tg.special.log_softmax(tg.tensor(x), 0), torch.special.log_softmax(t, 0), 1e-14, 0)
    check_close(tg.special.logsumexp(tg.tensor(x), 1, True), torch.special.logsumexp(t, 1, True), 1e-14, 0)
    check_close(tg.special.round(tg.tensor(x), decimals=1), torch.special.round(t, decimals=1), 1e-14, 0)
    check_close(
        tg.special.logit(tg.tensor(x / 20 + 0.5), eps=0.3), torch.special.logit(t / 20 + 0.5, eps=0.3), 1e-14, 0
    )


@pytest.mark.parametrize("name", ["gammaln", "digamma", "erfinv", "i0", "i1e", "ndtri", "sinc", "erfcx", "entr"])
def test_an_integer_input_gives_the_default_float_dtype(name) -> None:
    ints = np.array([0, 1, 2, 3])
    check_close(
        getattr(tg.special, name)(tg.tensor(ints)), getattr(torch.special, name)(torch.tensor(ints)), 1e-6, 1e-7
    )


# ---- gradients: first and second derivatives against PyTorch's -----------------------------------------------

# (name, tg function, torch function, inputs): both differentiated twice at the inputs
GRADS = [
    ("gammaln", tg.special.gammaln, torch.special.gammaln, [0.3, 1.0, 2.5, 30.0, -0.5, -2.7]),
    ("digamma", tg.special.digamma, torch.special.digamma, [0.3, 1.0, 2.5, 30.0, -0.5, -2.7]),
    ("polygamma 2", lambda x: tg.special.polygamma(2, x), lambda x: torch.special.polygamma(2, x), [0.3, 2.5, -0.5]),
    ("multigammaln 3", lambda x: tg.special.multigammaln(x, 3), lambda x: torch.special.multigammaln(x, 3), [1.2, 5.0]),
    ("erfinv", tg.special.erfinv, torch.special.erfinv, [-0.99, -0.3, 0.0, 0.6, 0.999999]),
    ("erfcx", tg.special.erfcx, torch.special.erfcx, [-3.0, 0.0, 1.0, 2.0, 40.0]),
    ("ndtr", tg.special.ndtr, torch.special.ndtr, [-5.0, 0.0, 1.5]),
    ("log_ndtr", tg.special.log_ndtr, torch.special.log_ndtr, [-50.0, -3.0, -1.0, 0.0, 4.0]),
    ("ndtri", tg.special.ndtri, torch.special.ndtri, [1e-100, 0.01, 0.3, 0.5, 0.99]),
    ("i0", tg.special.i0, torch.special.i0, [-3.0, 0.0, 0.5, 40.0]),
    ("i0e", tg.special.i0e, torch.special.i0e, [-3.0, 0.5, 40.0]),
    ("i1", tg.special.i1, torch.special.i1, [-3.0, 0.0, 0.5, 40.0]),
    ("i1e", tg.special.i1e, torch.special.i1e, [-3.0, 0.0, 0.5, 40.0]),
    ("sinc", tg.special.sinc, torch.special.sinc, [-2.5, 0.003, 0.3, 7.1]),
    ("entr", tg.special.entr, torch.special.entr, [0.1, 1.0, 3.0]),
]


@pytest.mark.parametrize("name, ours, theirs, values", GRADS, ids=[case[0] for case in GRADS])
def test_first_and_second_derivatives_match_torch(name, ours, theirs, values) -> None:
    x = tg.tensor(values, dtype=tg.float64, requires_grad=True)
    xt = torch.tensor(values, dtype=torch.float64, requires_grad=True)
    (g,) = tg.autograd.grad(ours(x).sum(), [x], create_graph=True)
    (gt,) = torch.autograd.grad(theirs(xt).sum(), [xt], create_graph=True)
    np.testing.assert_allclose(g.detach().numpy(), gt.detach().numpy(), rtol=1e-9)
    (gg,) = tg.autograd.grad(g.sum(), [x])
    (ggt,) = torch.autograd.grad(gt.sum(), [xt])
    np.testing.assert_allclose(gg.numpy(), ggt.numpy(), rtol=1e-8, atol=1e-12)


def test_sinc_derivatives_at_0_are_its_series() -> None:
    # sinc = 1 - (pi x)^2/6 + ...: sinc'(0) = 0, sinc''(0) = -pi^2/3 (PyTorch: 0 and nan)
    x = tg.tensor([0.0], dtype=tg.float64, requires_grad=True)
    (g,) = tg.autograd.grad(tg.special.sinc(x).sum(), [x], create_graph=True)
    (gg,) = tg.autograd.grad(g.sum(), [x])
    assert g.item() == 0.0 and gg.item() == pytest.approx(-(np.pi**2) / 3, rel=1e-14)


@pytest.mark.parametrize("name", ["xlogy", "xlog1py"])
def test_binary_gradients_match_torch(name) -> None:
    x, y = np.array([0.0, 1.5, -2.0, 0.0]), np.array([0.5, 2.0, 3.0, -1.0 if name == "xlog1py" else 0.0])
    a, b = tg.tensor(x, requires_grad=True), tg.tensor(y, requires_grad=True)
    at, bt = as_torch(x).requires_grad_(), as_torch(y).requires_grad_()
    getattr(tg.special, name)(a, b).sum().backward()
    getattr(torch.special, name)(at, bt).sum().backward()
    np.testing.assert_allclose(a.grad.numpy(), at.grad.numpy(), rtol=1e-14)
    np.testing.assert_allclose(b.grad.numpy()[:3], bt.grad.numpy()[:3], rtol=1e-14)


@pytest.mark.parametrize("name", ["gammainc", "gammaincc"])
def test_the_incomplete_gamma_has_a_gradient_in_x_and_refuses_one_in_a_as_torch(name) -> None:
    a, x = np.array([0.5, 2.5, 10.0]), np.array([0.3, 4.0, 9.0])
    xs, xt = tg.tensor(x, requires_grad=True), as_torch(x).requires_grad_()
    getattr(tg.special, name)(tg.tensor(a), xs).sum().backward()
    getattr(torch.special, name)(as_torch(a), xt).sum().backward()
    np.testing.assert_allclose(xs.grad.numpy(), xt.grad.numpy(), rtol=1e-12)
    with pytest.raises(NotImplementedError, match="derivative for 'igamma"):
        getattr(torch.special, name)(as_torch(a).requires_grad_(), as_torch(x)).sum().backward()
    with pytest.raises(NotImplementedError, match="derivative for 'igamma"):
        getattr(tg.special, name)(tg.tensor(a, requires_grad=True), tg.tensor(x)).sum().backward()


def test_zeta_has_a_gradient_in_q_and_refuses_one_in_s_as_torch() -> None:
    q = tg.tensor([0.5, 2.0, 7.0], dtype=tg.float64, requires_grad=True)
    qt = torch.tensor([0.5, 2.0, 7.0], dtype=torch.float64, requires_grad=True)
    tg.special.zeta(3.0, q).sum().backward()
    torch.special.zeta(3.0, qt).sum().backward()
    np.testing.assert_allclose(q.grad.numpy(), qt.grad.numpy(), rtol=1e-12)
    with pytest.raises(NotImplementedError, match="derivative for 'zeta'"):
        tg.special.zeta(tg.tensor([3.0], requires_grad=True), 2.0).sum().backward()


def test_tensor_methods_and_top_level_functions_match_torch() -> None:
    x = np.array([0.25, 1.5, 3.0])
    t, tt = tg.tensor(x), as_torch(x)
    for name in ("lgamma", "digamma", "erfinv", "i0", "sinc"):
        arg = (t / 4, tt / 4) if name == "erfinv" else (t, tt)
        check_close(getattr(arg[0], name)(), getattr(arg[1], name)(), 1e-13, 0)
        check_close(getattr(tg, name)(arg[0]), getattr(torch, name)(arg[1]), 1e-13, 0)
    check_close(t.polygamma(2), tt.polygamma(2), 1e-13, 0)
    check_close((t + 1).mvlgamma(2), (tt + 1).mvlgamma(2), 1e-13, 0)
    check_close(t.igamma(t * 2), tt.igamma(tt * 2), 1e-12, 0)
    check_close(tg.igammac(t, t * 2), torch.igammac(tt, tt * 2), 1e-12, 0)
    y = tg.tensor(x)
    y.lgamma_()
    check_close(y, tt.clone().lgamma_(), 1e-13, 0)


def test_refusals_as_torch() -> None:
    x, xt = tg.tensor([0.4, 2.0]), torch.tensor([0.4, 2.0])
    for lib, t in ((tg, x), (torch, xt)):
        with pytest.raises(RuntimeError, match="negative n"):
            lib.special.polygamma(-1, t)
        with pytest.raises(RuntimeError, match="p has to be greater than or equal to 1"):
            lib.special.multigammaln(t, 0)
    # elements <= (p - 1)/2 are no longer refused (PyTorch 2.x): lgamma of the negatives, as there
    check_close(tg.special.multigammaln(x, 2), torch.special.multigammaln(xt, 2), 1e-6, 0)


# ---- the module: torch.special's names, the ones we lack, and as_torch ------------------------------------------


def test_every_name_is_torch_specials() -> None:
    assert [name for name in tg.special.__all__ if not hasattr(torch.special, name)] == []


@pytest.mark.parametrize("name", ["airy_ai", "bessel_y0", "spherical_bessel_j0", "chebyshev_polynomial_t"])
def test_a_torch_special_name_we_lack_is_an_attribute_error_naming_it(name) -> None:
    assert hasattr(torch.special, name)
    with pytest.raises(AttributeError, match=rf"tinygrad_edu does not implement torch\.special\.{name} \("):
        getattr(tg.special, name)


def test_torch_special_under_as_torch(tmp_path) -> None:
    source = (
        "import tinygrad_edu; tinygrad_edu.as_torch()\n"
        "import torch, torch.special\n"
        "from torch.special import gammaln\n"
        "x = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)\n"
        "torch.special.erf(x).sum().backward()\n"
        "print(torch.special is tinygrad_edu.special, gammaln is tinygrad_edu.special.gammaln,\n"
        "      *[f'{v:.6f}' for v in x.grad.tolist()])\n"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}  # (this checkout's tinygrad_edu, wherever the package is installed)
    out = subprocess.run(
        [sys.executable, "-c", source], cwd=tmp_path, capture_output=True, text=True, timeout=120, env=env
    )
    assert out.returncode == 0, out.stderr
    grad = 2 / np.sqrt(np.pi) * np.exp(-np.array([1.0, 4.0, 9.0]))  # d erf/dx
    assert out.stdout == "True True " + " ".join(f"{v:.6f}" for v in grad) + "\n"
