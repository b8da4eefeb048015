"""The losses of nn/loss_composite.py next to PyTorch: values, input and target gradients for every reduction and
option, the module forms, the errors, and extreme inputs that must stay finite and silent.

Each row is one call written once as `fn(lib, x, y, reduction)` and run with `lib = tinygrad_edu` and with
`lib = torch`, in float64, on inputs x and y that both require grad. Skipped where torch is not installed; the
values are pinned without torch by the NumPy formulas in test_losses.py.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import tinygrad_edu as tg

torch = pytest.importorskip("torch")

N, C = 5, 4
_rng = np.random.default_rng(14)
X = _rng.standard_normal((N, C))
Y = _rng.standard_normal((N, C))
SIGNS = np.array([1.0, -1.0, 1.0, -1.0, -1.0])
WEIGHT = _rng.random(C) + 0.5
COUNTS = _rng.poisson(2.0, (N, C)).astype(np.float64)  # 0, 1 and > 1: both sides of the Stirling term


def F(lib: Any) -> Any:
    return lib.nn.functional


def t(lib: Any, array: Any) -> Any:
    return lib.tensor(array)


# name: (loss(lib, x, y, reduction), the reductions it takes). x and y are (N, C) float64 tensors requiring grad.
LOSSES: dict[str, tuple[Callable[..., Any], tuple[str, ...]]] = {
    "smooth_l1": (lambda lib, x, y, r: F(lib).smooth_l1_loss(x, y, reduction=r), ()),
    "smooth_l1 beta=0.4": (lambda lib, x, y, r: F(lib).smooth_l1_loss(x, y, reduction=r, beta=0.4), ()),
    "smooth_l1 beta=0 (L1)": (lambda lib, x, y, r: lib.nn.SmoothL1Loss(reduction=r, beta=0.0)(x, y), ()),
    "huber": (lambda lib, x, y, r: F(lib).huber_loss(x, y, reduction=r), ()),
    "huber delta=2.5": (lambda lib, x, y, r: lib.nn.HuberLoss(reduction=r, delta=2.5)(x, y), ()),
    "kl_div": (lambda lib, x, y, r: F(lib).kl_div(x.log_softmax(1), y.softmax(1), reduction=r), ("batchmean",)),
    "kl_div log_target": (
        lambda lib, x, y, r: lib.nn.KLDivLoss(reduction=r, log_target=True)(x.log_softmax(1), y.log_softmax(1)),
        ("batchmean",),
    ),
    "kl_div target with zeros": (
        lambda lib, x, y, r: F(lib).kl_div(x, y.relu(), reduction=r),  # y log y is 0 at y = 0
        ("batchmean",),
    ),
    "margin_ranking": (
        lambda lib, x, y, r: F(lib).margin_ranking_loss(x[:, 0], y[:, 0], t(lib, SIGNS), reduction=r),
        (),
    ),
    "margin_ranking margin=0.5 (N, C)": (
        lambda lib, x, y, r: lib.nn.MarginRankingLoss(0.5, reduction=r)(x, y, t(lib, np.sign(X))),
        (),
    ),
    "cosine_embedding": (lambda lib, x, y, r: F(lib).cosine_embedding_loss(x, y, t(lib, SIGNS), reduction=r), ()),
    "cosine_embedding margin=-0.3": (
        lambda lib, x, y, r: lib.nn.CosineEmbeddingLoss(margin=-0.3, reduction=r)(x, y, t(lib, SIGNS)),
        (),
    ),
    "cosine_embedding (D,) and 0-d target": (
        lambda lib, x, y, r: F(lib).cosine_embedding_loss(x[0], y[0], t(lib, -1.0), margin=-0.9, reduction=r),
        (),
    ),
    "multilabel_soft_margin": (
        lambda lib, x, y, r: F(lib).multilabel_soft_margin_loss(x, y.sigmoid(), reduction=r),
        (),
    ),
    "multilabel_soft_margin weight": (
        lambda lib, x, y, r: lib.nn.MultiLabelSoftMarginLoss(weight=t(lib, WEIGHT), reduction=r)(x, (y > 0).double()),
        (),
    ),
    "gaussian_nll var (N, C)": (lambda lib, x, y, r: F(lib).gaussian_nll_loss(x, y, x.exp() * 0.5, reduction=r), ()),
    "gaussian_nll var (N,) full": (
        lambda lib, x, y, r: F(lib).gaussian_nll_loss(x, y, y[:, 0].exp(), full=True, reduction=r),
        (),
    ),
    "gaussian_nll var (N, 1)": (
        lambda lib, x, y, r: lib.nn.GaussianNLLLoss(reduction=r)(x, y, x[:, :1].exp()),
        (),
    ),
    "gaussian_nll var (1, C)": (lambda lib, x, y, r: F(lib).gaussian_nll_loss(x, y, y[:1].exp(), reduction=r), ()),
    "gaussian_nll var a float": (lambda lib, x, y, r: F(lib).gaussian_nll_loss(x, y, 0.7, reduction=r), ()),
    "gaussian_nll var below eps": (
        lambda lib, x, y, r: lib.nn.GaussianNLLLoss(eps=0.5, reduction=r)(x, y, y.exp() * 0.3),
        (),
    ),
    "poisson_nll": (lambda lib, x, y, r: F(lib).poisson_nll_loss(x, y.exp() * 2, reduction=r), ()),
    "poisson_nll counts full": (
        lambda lib, x, y, r: F(lib).poisson_nll_loss(x, t(lib, COUNTS), full=True, reduction=r),
        (),
    ),
    "poisson_nll rate full": (
        lambda lib, x, y, r: lib.nn.PoissonNLLLoss(log_input=False, full=True, eps=1e-3, reduction=r)(
            x.exp(), y.exp() * 2
        ),
        (),
    ),
}
CASES = [(name, r) for name, (_, extra) in LOSSES.items() for r in ("mean", "sum", "none", *extra)]


@pytest.mark.parametrize("name, reduction", CASES)
def test_loss_value_and_gradients_of_input_and_target(name, reduction):
    results = []
    for lib in (tg, torch):
        x, y = lib.tensor(X, requires_grad=True), lib.tensor(Y, requires_grad=True)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # torch warns about kl_div's reduction='mean'
            out = LOSSES[name][0](lib, x, y, reduction)
        out.backward(lib.tensor(np.random.default_rng(5).standard_normal(tuple(out.shape))))
        results.append([out.detach().numpy() if lib is torch else out.data, x.grad, y.grad])
    (ours, our_x, our_y), (theirs, their_x, their_y) = results
    assert np.shape(ours) == np.shape(theirs) and str(ours.dtype) == "float64"
    np.testing.assert_allclose(ours, theirs, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(our_x.data, their_x.numpy(), rtol=1e-9, atol=1e-12)
    if their_y is None:  # torch's target gradient is None when y was not used differentiably
        assert our_y is None or not np.any(our_y.data)
    else:
        np.testing.assert_allclose(our_y.data, their_y.numpy(), rtol=1e-9, atol=1e-12)


# Extreme inputs: the value and gradient must be finite (or inf exactly where torch has inf), with no warning.
EXTREME = np.array([-1000.0, -30.0, 0.0, 30.0, 1000.0])
EXTREME_CASES: dict[str, Callable[[Any, Any], Any]] = {
    "smooth_l1": lambda lib, x: F(lib).smooth_l1_loss(x, lib.zeros(5, dtype=lib.float64), beta=1e-3),
    "huber": lambda lib, x: F(lib).huber_loss(x, lib.zeros(5, dtype=lib.float64), delta=1e-3),
    "kl_div": lambda lib, x: F(lib).kl_div(x.log_softmax(0), t(lib, [0.0, 0.0, 0.5, 0.5, 0.0]), reduction="sum"),
    "kl_div log_target": lambda lib, x: F(lib).kl_div(x * 0, x.log_softmax(0), log_target=True, reduction="sum"),
    "multilabel_soft_margin": lambda lib, x: F(lib).multilabel_soft_margin_loss(x, t(lib, [1.0, 0.0, 1.0, 1.0, 0.0])),
    "cosine_embedding zero vectors": lambda lib, x: F(lib).cosine_embedding_loss(
        (x * 0).reshape(1, 5), x.reshape(1, 5), t(lib, [1.0])
    ),
    "gaussian_nll var 0": lambda lib, x: F(lib).gaussian_nll_loss(x * 1e-3, x * 0, x * 0),
    "poisson_nll counts 0 and huge": lambda lib, x: F(lib).poisson_nll_loss(
        x * 1e-2, t(lib, np.array([0.0, 1.0, 1e6, 0.0, 1e30])), full=True
    ),
    "poisson_nll rate 0": lambda lib, x: F(lib).poisson_nll_loss(
        x * 0, t(lib, np.array([0.0, 1.0, 3.0, 0.0, 2.0])), False, True
    ),
}


@pytest.mark.parametrize("name", EXTREME_CASES)
def test_extreme_inputs_give_torchs_finite_values_without_warnings(name):
    results = []
    for lib in (tg, torch):
        x = lib.tensor(EXTREME, requires_grad=True)
        with warnings.catch_warnings():
            warnings.simplefilter("error" if lib is tg else "ignore")  # any overflow/invalid warning fails
            out = EXTREME_CASES[name](lib, x)
            out.backward()
        results.append((out.detach().item(), x.grad.numpy() if lib is torch else x.grad.data))
    (ours, our_grad), (theirs, their_grad) = results
    assert np.isfinite(ours) and np.all(np.isfinite(our_grad))
    np.testing.assert_allclose(ours, theirs, rtol=1e-10)
    np.testing.assert_allclose(our_grad, their_grad, rtol=1e-9, atol=1e-12)


def raised(fn: Callable[[], Any]) -> BaseException:
    with pytest.raises(Exception) as caught:
        fn()
    return caught.value


ERRORS: dict[str, Callable[[Any], Any]] = {
    "reduction": lambda lib: F(lib).huber_loss(lib.ones(2), lib.ones(2), reduction="avg"),
    "kl_div reduction": lambda lib: F(lib).kl_div(lib.ones(2), lib.ones(2), reduction="avg"),
    "smooth_l1 negative beta": lambda lib: F(lib).smooth_l1_loss(lib.ones(2), lib.ones(2), beta=-1.0),
    "huber delta 0": lambda lib: F(lib).huber_loss(lib.ones(2), lib.ones(2), delta=0.0),
    "margin_ranking dims": lambda lib: F(lib).margin_ranking_loss(lib.ones(2), lib.ones(2, 1), lib.ones(2)),
    "cosine_embedding target dims": lambda lib: F(lib).cosine_embedding_loss(
        lib.ones(2, 3), lib.ones(2, 3), lib.ones(2, 1)
    ),
    "gaussian_nll var size": lambda lib: F(lib).gaussian_nll_loss(lib.ones(2, 3), lib.ones(2, 3), lib.ones(3, 2)),
    "gaussian_nll negative var": lambda lib: F(lib).gaussian_nll_loss(lib.ones(2), lib.ones(2), -lib.ones(2)),
    "gaussian_nll negative float var": lambda lib: F(lib).gaussian_nll_loss(lib.ones(2), lib.ones(2), -1.0),
    "cross_entropy float class indices": lambda lib: F(lib).cross_entropy(lib.ones(2, 3), lib.tensor([0.0, 2.0])),
    "nll_loss float class indices": lambda lib: F(lib).nll_loss(lib.ones(2, 3), lib.tensor([0.0, 2.0])),
    "CrossEntropyLoss float class indices (N, C, d)": lambda lib: lib.nn.CrossEntropyLoss()(
        lib.ones(2, 3, 4), lib.zeros(2, 4)
    ),
}


@pytest.mark.parametrize("name", ERRORS)
def test_error_is_an_instance_of_the_class_torch_raises(name):
    theirs = raised(lambda: ERRORS[name](torch))
    ours = raised(lambda: ERRORS[name](tg))
    assert isinstance(ours, type(theirs)), f"torch raises {type(theirs).__name__}, we raise {type(ours).__name__}"


def test_float_class_indices_are_refused_with_the_hint_long():
    with pytest.raises(RuntimeError, match=r"cross_entropy: .*float32.*\.long\(\)"):
        tg.nn.functional.cross_entropy(tg.ones(2, 3), tg.tensor([0.0, 2.0]))


def test_float_targets_of_the_inputs_shape_are_probabilities_and_integer_indices_still_work():
    x = np.random.default_rng(0).standard_normal((3, 4))
    probs = np.full((3, 4), 0.25)
    classes = np.array([0, 3, 1])
    for target in (probs, classes):
        ours = tg.nn.functional.cross_entropy(tg.tensor(x), tg.tensor(target))
        theirs = torch.nn.functional.cross_entropy(torch.tensor(x), torch.tensor(target))
        np.testing.assert_allclose(ours.item(), theirs.item(), rtol=1e-12)
