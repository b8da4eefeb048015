"""Convolution and pooling against PyTorch: outputs and input/weight/bias gradients for each option (skipped without torch)."""

from __future__ import annotations

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu.ops import AvgPool2d, Conv2d, MaxPool2d

torch = pytest.importorskip("torch")

# (x shape, weight shape, options): each option alone, then together
CASES = [
    ((2, 3, 7, 6), (4, 3, 3, 3), {}),
    ((2, 3, 7, 6), (4, 3, 3, 2), {"stride": (2, 3)}),
    ((1, 2, 5, 5), (3, 2, 3, 3), {"padding": (2, 1)}),
    ((1, 2, 8, 9), (3, 2, 3, 2), {"dilation": (2, 3)}),
    ((2, 6, 5, 5), (9, 2, 2, 3), {"groups": 3}),
    ((2, 4, 9, 8), (6, 2, 3, 3), {"stride": (2, 2), "padding": (1, 2), "dilation": (2, 1), "groups": 2}),
]


@pytest.mark.parametrize("x_shape, w_shape, options", CASES)
def test_conv2d_matches_torch(x_shape, w_shape, options) -> None:
    rng = np.random.default_rng(0)
    x, w, b = rng.normal(size=x_shape), rng.normal(size=w_shape), rng.normal(size=w_shape[0])
    tx, tw, tb = (tg.tensor(a, dtype=tg.float64, requires_grad=True) for a in (x, w, b))
    out = Conv2d.apply(tx, tw, tb, **options)
    px, pw, pb = (torch.tensor(a, requires_grad=True) for a in (x, w, b))
    expected = torch.nn.functional.conv2d(px, pw, pb, **options)
    assert out.shape == tuple(expected.shape)
    np.testing.assert_allclose(out.detach().numpy(), expected.detach().numpy(), rtol=1e-10, atol=1e-10)
    g = rng.normal(size=out.shape)
    (out * tg.tensor(g, dtype=tg.float64)).sum().backward()
    expected.backward(torch.tensor(g))
    for ours, theirs in ((tx, px), (tw, pw), (tb, pb)):
        np.testing.assert_allclose(ours.grad.numpy(), theirs.grad.numpy(), rtol=1e-10, atol=1e-10)


# (x shape, options) for max pooling; kernel_size and stride are pairs, as the op takes them
MAX_POOLS = [
    ((2, 3, 6, 6), {"kernel_size": (2, 2), "stride": (2, 2)}),
    ((1, 2, 7, 5), {"kernel_size": (3, 2), "stride": (1, 2), "padding": (1, 1)}),
    ((1, 2, 8, 9), {"kernel_size": (2, 3), "stride": (2, 2), "dilation": (3, 2)}),
    ((1, 2, 5, 7), {"kernel_size": (2, 2), "stride": (2, 2), "ceil_mode": True}),
    ((1, 1, 6, 6), {"kernel_size": (3, 3), "stride": (2, 2), "padding": (1, 1), "ceil_mode": True}),
]
AVG_POOLS = [
    ((2, 3, 6, 6), {"kernel_size": (2, 2), "stride": (2, 2)}),
    ((1, 2, 7, 5), {"kernel_size": (3, 3), "stride": (2, 1), "padding": (1, 1)}),
    ((1, 2, 7, 5), {"kernel_size": (3, 3), "stride": (2, 1), "padding": (1, 1), "count_include_pad": False}),
    ((1, 2, 6, 5), {"kernel_size": (3, 2), "stride": (2, 2), "padding": (1, 1), "ceil_mode": True}),
    ((1, 2, 6, 5), {"kernel_size": (3, 2), "stride": (2, 2), "padding": (1, 1), "ceil_mode": True,
                    "count_include_pad": False}),
]


def _check_pool(op, torch_fn, x_shape, options):
    rng = np.random.default_rng(1)
    x = rng.normal(size=x_shape)
    tx, px = tg.tensor(x, dtype=tg.float64, requires_grad=True), torch.tensor(x, requires_grad=True)
    out, expected = op.apply(tx, **options), torch_fn(px, **options)
    assert out.shape == tuple(expected.shape)
    np.testing.assert_allclose(out.detach().numpy(), expected.detach().numpy(), rtol=1e-12, atol=1e-12)
    g = rng.normal(size=out.shape)
    (out * tg.tensor(g, dtype=tg.float64)).sum().backward()
    expected.backward(torch.tensor(g))
    np.testing.assert_allclose(tx.grad.numpy(), px.grad.numpy(), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("x_shape, options", MAX_POOLS)
def test_max_pool2d_matches_torch(x_shape, options) -> None:
    _check_pool(MaxPool2d, torch.nn.functional.max_pool2d, x_shape, options)
    x = np.random.default_rng(1).normal(size=x_shape)
    pool = MaxPool2d()
    pool.forward(x, **options)
    _, expected = torch.nn.functional.max_pool2d(torch.tensor(x), return_indices=True, **options)
    np.testing.assert_array_equal(pool.indices(), expected.numpy())


@pytest.mark.parametrize("x_shape, options", AVG_POOLS)
def test_avg_pool2d_matches_torch(x_shape, options) -> None:
    _check_pool(AvgPool2d, torch.nn.functional.avg_pool2d, x_shape, options)
