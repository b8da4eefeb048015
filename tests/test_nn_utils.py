"""nn.utils (gradient clipping, parameters as a vector) and the nn.init fills eye_, dirac_, trunc_normal_,
orthogonal_: against the facts and formulas stated here, and against torch where it is installed."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu import nn

_rng = np.random.default_rng(3)
GRADS = [_rng.normal(size=(3, 4)), _rng.normal(size=(5,)), _rng.normal(size=(2, 2, 2))]


def params_with_grads(lib: Any, scale: float = 1.0, dtype: Any = np.float64) -> list:
    params = []
    for g in GRADS:
        p = lib.nn.Parameter(lib.zeros(*g.shape, dtype=getattr(lib, np.dtype(dtype).name)))
        p.grad = lib.tensor((g * scale).astype(dtype))
        params.append(p)
    return params


def joint_norm(p: float) -> float:
    flat = np.concatenate([g.ravel() for g in GRADS])
    return float(np.max(np.abs(flat))) if math.isinf(p) else float(np.sum(np.abs(flat) ** p) ** (1 / p))


@pytest.mark.parametrize("norm_type", [2.0, 1.0, 3.0, math.inf, "inf"])
@pytest.mark.parametrize("max_norm", [0.5, 1e6])
def test_clip_grad_norm_scales_all_gradients_by_one_factor(norm_type, max_norm) -> None:
    params = params_with_grads(tg)
    grads = [p.grad for p in params]
    total = nn.utils.clip_grad_norm_(params, max_norm, norm_type=norm_type)
    norm = joint_norm(float(norm_type))
    assert isinstance(total, tg.Tensor) and total.item() == pytest.approx(norm, rel=1e-12)
    factor = min(1.0, max_norm / (norm + 1e-6))
    for p, g, before in zip(params, grads, GRADS):
        assert p.grad is g  # in place
        np.testing.assert_allclose(p.grad.data, before * factor, rtol=1e-12)
    if max_norm < norm:  # after clipping the joint norm is max_norm (less the 1e-6 guard)
        flat = np.concatenate([p.grad.data.ravel() for p in params])
        after = (
            np.max(np.abs(flat))
            if math.isinf(float(norm_type))
            else np.sum(np.abs(flat) ** float(norm_type)) ** (1 / float(norm_type))
        )
        assert after == pytest.approx(max_norm, rel=1e-5)


def test_clip_grad_norm_edge_cases() -> None:
    p = nn.Parameter(tg.ones(2))
    assert nn.utils.clip_grad_norm_([p], 1.0).item() == 0.0  # no gradients: a norm of 0
    p.grad = tg.tensor([3.0, 4.0])
    assert nn.utils.clip_grad_norm_(p, 1.0, foreach=True).item() == pytest.approx(5.0)  # a single tensor is accepted
    p.grad = tg.tensor([np.inf, 1.0])
    with pytest.raises(RuntimeError, match="non-finite"):
        nn.utils.clip_grad_norm_([p], 1.0, error_if_nonfinite=True)
    np.testing.assert_array_equal(p.grad.data, [np.inf, 1.0])  # nothing was scaled
    assert math.isinf(nn.utils.clip_grad_norm_([p], 1.0).item())


def test_clip_grad_value_clamps_in_place() -> None:
    params = params_with_grads(tg)
    grads = [p.grad for p in params]
    assert nn.utils.clip_grad_value_(params, 0.5) is None
    for p, g, before in zip(params, grads, GRADS):
        assert p.grad is g
        np.testing.assert_array_equal(p.grad.data, np.clip(before, -0.5, 0.5))


def test_parameters_to_vector_and_back() -> None:
    net = nn.Sequential(nn.Linear(3, 2), nn.Linear(2, 1))
    vec = nn.utils.parameters_to_vector(net.parameters())
    assert vec.shape == (11,) and vec.requires_grad
    np.testing.assert_array_equal(vec.detach().numpy(), np.concatenate([p.data.ravel() for p in net.parameters()]))
    vec.sum().backward()  # in the graph: every parameter gets a gradient of ones
    assert all(np.all(p.grad.data == 1) for p in net.parameters())
    arrays = [p.data for p in net.parameters()]
    nn.utils.vector_to_parameters(tg.arange(11.0), net.parameters())
    assert [p.data is a for p, a in zip(net.parameters(), arrays)] == [True] * 4
    np.testing.assert_array_equal(net[0].weight.data, np.arange(6.0).reshape(2, 3))
    np.testing.assert_array_equal(net[1].bias.data, [10.0])
    with pytest.raises(TypeError, match="expected Tensor"):
        nn.utils.vector_to_parameters(np.zeros(11), net.parameters())
    with pytest.raises(ValueError, match="11 numbers"):
        nn.utils.vector_to_parameters(tg.zeros(10), net.parameters())


# ---- nn.init: eye_, dirac_, trunc_normal_, orthogonal_ ----------------------------------------------------------


def test_eye_and_dirac() -> None:
    np.testing.assert_array_equal(nn.init.eye_(tg.empty(2, 3)).data, [[1, 0, 0], [0, 1, 0]])
    w = nn.init.dirac_(tg.empty(3, 2, 3, 3))
    assert w.data.sum() == 2 and w.data[0, 0, 1, 1] == 1 and w.data[1, 1, 1, 1] == 1 and not w.data[2].any()
    w = nn.init.dirac_(tg.empty(4, 2, 5), groups=2)
    assert [tuple(i) for i in np.argwhere(w.data)] == [(0, 0, 2), (1, 1, 2), (2, 0, 2), (3, 1, 2)]
    with pytest.raises(ValueError, match="2 dimensions"):
        nn.init.eye_(tg.empty(2, 2, 2))
    with pytest.raises(ValueError, match="3, 4, or 5"):
        nn.init.dirac_(tg.empty(2, 2))
    with pytest.raises(ValueError, match="divisible"):
        nn.init.dirac_(tg.empty(3, 2, 3), groups=2)


def truncated_normal_moments(mean: float, std: float, a: float, b: float) -> tuple[float, float]:
    """Mean and standard deviation of N(mean, std^2) truncated to [a, b] (the textbook formulas)."""

    def pdf(x):
        return math.exp(-x * x / 2) / math.sqrt(2 * math.pi)

    def cdf(x):
        return (1 + math.erf(x / math.sqrt(2))) / 2

    alpha, beta = (a - mean) / std, (b - mean) / std
    z = cdf(beta) - cdf(alpha)
    m = mean + std * (pdf(alpha) - pdf(beta)) / z
    var = std**2 * (1 + (alpha * pdf(alpha) - beta * pdf(beta)) / z - ((pdf(alpha) - pdf(beta)) / z) ** 2)
    return m, math.sqrt(var)


@pytest.mark.parametrize("mean, std, a, b", [(0.0, 1.0, -2.0, 2.0), (0.5, 0.02, 0.49, 0.6), (1.0, 2.0, 0.0, 10.0)])
def test_trunc_normal_has_the_truncated_distribution(mean, std, a, b) -> None:
    w = nn.init.trunc_normal_(tg.empty(300, 300, dtype=tg.float64), mean, std, a, b, generator=np.random.default_rng(0))
    assert w.data.min() >= a and w.data.max() <= b
    m, s = truncated_normal_moments(mean, std, a, b)
    assert w.data.mean() == pytest.approx(m, abs=5 * s / 300) and w.data.std() == pytest.approx(s, rel=0.01)


@pytest.mark.parametrize("shape, gain", [((3, 5), 1.0), ((6, 2), 2.0), ((4, 2, 3, 3), 0.5)])
def test_orthogonal_rows_or_columns_are_orthonormal_times_gain(shape, gain) -> None:
    w = nn.init.orthogonal_(tg.empty(*shape, dtype=tg.float64), gain=gain).data.reshape(shape[0], -1)
    small = w @ w.T if w.shape[0] <= w.shape[1] else w.T @ w
    np.testing.assert_allclose(small, gain**2 * np.eye(len(small)), atol=1e-12)


# ---- torch.nn.utils and torch.nn.init -------------------------------------------------------------------------


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("norm_type", [2.0, 1.0, 3.0, math.inf])
@pytest.mark.parametrize("scale", [1.0, 1e-3])
def test_clip_grad_norm_is_torchs(dtype, norm_type, scale) -> None:
    torch = pytest.importorskip("torch")
    ours, theirs = params_with_grads(tg, scale, dtype), params_with_grads(torch, scale, dtype)
    total_ours = nn.utils.clip_grad_norm_(ours, 0.7, norm_type=norm_type)
    total_theirs = torch.nn.utils.clip_grad_norm_(theirs, 0.7, norm_type=norm_type)
    rtol = 1e-12 if dtype == np.float64 else 1e-5
    assert str(total_ours.dtype) == str(total_theirs.dtype).removeprefix("torch.")
    assert total_ours.item() == pytest.approx(total_theirs.item(), rel=rtol)
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a.grad.data, b.grad.numpy(), rtol=rtol, atol=1e-12)


def test_clip_grad_value_and_vectors_are_torchs() -> None:
    torch = pytest.importorskip("torch")
    ours, theirs = params_with_grads(tg), params_with_grads(torch)
    nn.utils.clip_grad_value_(ours, 0.3)
    torch.nn.utils.clip_grad_value_(theirs, 0.3)
    for a, b in zip(ours, theirs):
        np.testing.assert_array_equal(a.grad.data, b.grad.numpy())
    np.testing.assert_array_equal(
        nn.utils.parameters_to_vector([p.grad for p in ours]).numpy(),
        torch.nn.utils.parameters_to_vector([p.grad for p in theirs]).numpy(),
    )


FILLS = {
    "eye_": lambda init, lib: init.eye_(lib.empty(3, 5)),
    "eye_ tall": lambda init, lib: init.eye_(lib.empty(4, 2)),
    "dirac_": lambda init, lib: init.dirac_(lib.empty(3, 4, 3, 3)),
    "dirac_ groups": lambda init, lib: init.dirac_(lib.empty(6, 2, 3), groups=3),
    "dirac_ 3d": lambda init, lib: init.dirac_(lib.empty(2, 2, 3, 4, 5)),
}


@pytest.mark.parametrize("name", FILLS)
def test_deterministic_fills_are_torchs(name: str) -> None:
    torch = pytest.importorskip("torch")
    np.testing.assert_array_equal(FILLS[name](nn.init, tg).data, FILLS[name](torch.nn.init, torch).numpy())


@pytest.mark.parametrize("args", [(0.0, 1.0, -2.0, 2.0), (0.5, 0.2, 0.3, 1.5)])
def test_trunc_normal_distribution_is_torchs(args) -> None:
    torch = pytest.importorskip("torch")
    torch.manual_seed(0)
    ours = nn.init.trunc_normal_(tg.empty(200, 300), *args).data
    theirs = torch.nn.init.trunc_normal_(torch.empty(200, 300), *args).numpy()
    assert ours.dtype == theirs.dtype
    assert ours.mean() == pytest.approx(theirs.mean(), abs=0.01) and ours.std() == pytest.approx(theirs.std(), rel=0.02)
    assert ours.min() >= args[2] and theirs.min() >= args[2]


def test_init_errors_are_torchs() -> None:
    torch = pytest.importorskip("torch")
    for call in (
        lambda init, lib: init.eye_(lib.empty(2)),
        lambda init, lib: init.dirac_(lib.empty(2, 2)),
        lambda init, lib: init.orthogonal_(lib.empty(3)),
    ):
        with pytest.raises(ValueError):
            call(nn.init, tg)
        with pytest.raises(ValueError):
            call(torch.nn.init, torch)
