"""Every loss: values against plain-NumPy formulas, gradients by tg.gradcheck in float64, edge cases and errors.

Each row of `LOSSES` is (name, call, numpy_formula, make_inputs): `call(x)` runs the loss on the
prediction x through `nn.functional`, `numpy_formula(x)` computes the unreduced losses written out
with NumPy from the textbook definition (and the count that 'mean' divides by), and every row runs
with every reduction. The module forms (nn.MSELoss, ...) are checked to give the same numbers.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import NamedTuple

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu import nn
from tinygrad_edu.nn import functional as F

REDUCTIONS = ["mean", "sum", "none"]
rng = np.random.default_rng(1234)

# ---- fixed data shared by the rows ----------------------------------------------------------------

PROBS = rng.uniform(0.05, 0.95, (5, 3))  # predictions for BCE, away from 0 and 1
SOFT = rng.uniform(0.0, 1.0, (5, 3))  # soft 0..1 targets
WEIGHT = rng.uniform(0.5, 2.0, (5, 3))  # per-element weights
ROW_WEIGHT = rng.uniform(0.5, 2.0, (3,))  # broadcasts along the rows
POS_WEIGHT = np.array([0.5, 1.0, 3.0])  # one per class (last dimension)
LOGITS = rng.normal(0.0, 2.0, (6, 4))
CLASSES = np.array([0, 3, 1, 2, 3, 0])
CLASSES_IGNORED = np.array([0, 3, -100, 2, 3, -100])
CLASS_WEIGHT = np.array([0.2, 1.0, 2.5, 0.7])
CLASS_PROBS = rng.dirichlet(np.ones(4), size=6)


def log_softmax_np(z: np.ndarray, axis: int = -1) -> np.ndarray:
    """log softmax, shifted by the max so exp does not overflow."""
    shifted = z - z.max(axis=axis, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=axis, keepdims=True))


def one_hot(classes: np.ndarray, n: int) -> np.ndarray:
    return (classes[:, None] == np.arange(n)).astype(float)


def ce_np(x, classes, weight=None, smoothing=0.0, ignore_index=-100):
    """Cross-entropy per sample and the 'mean' divisor, from its definition:
    l_i = -sum_c w_c q_ic log softmax(x_i)_c with q = (1 - e) onehot(y_i) + e / C,
    0 for an ignored sample; mean divides by sum_i w_{y_i} over the kept samples."""
    n, c = x.shape
    w = np.ones(c) if weight is None else weight
    keep = classes != ignore_index
    safe = np.where(keep, classes, 0)
    q = (1 - smoothing) * one_hot(safe, c) + smoothing / c
    losses = -(w * q * log_softmax_np(x)).sum(axis=1) * keep
    return losses, (w[safe] * keep).sum()


def ce_probs_np(x, probs, weight=None, smoothing=0.0):
    """Cross-entropy against class probabilities: l_i = -sum_c w_c q'_ic log softmax(x_i)_c; mean over N."""
    n, c = x.shape
    w = np.ones(c) if weight is None else weight
    q = (1 - smoothing) * probs + smoothing / c
    return -(w * q * log_softmax_np(x)).sum(axis=1), n


def nll_np(logp, classes, weight=None, ignore_index=-100):
    """l_i = -w_{y_i} logp[i, y_i]; mean divides by the summed weights of the kept samples."""
    w = np.ones(logp.shape[1]) if weight is None else weight
    keep = classes != ignore_index
    safe = np.where(keep, classes, 0)
    return -w[safe] * logp[np.arange(len(safe)), safe] * keep, (w[safe] * keep).sum()


def bce_np(x, y, w=1.0):
    """-w [y log x + (1 - y) log(1 - x)], each log clamped at -100 (PyTorch's definition)."""
    with np.errstate(divide="ignore"):
        return -w * (y * np.maximum(np.log(x), -100) + (1 - y) * np.maximum(np.log(1 - x), -100))


def bce_logits_np(x, y, w=1.0, p=1.0):
    """The textbook -w [p y log s + (1 - y) log(1 - s)], s = sigmoid(x): for moderate x only."""
    s = 1 / (1 + np.exp(-x))
    return -w * (p * y * np.log(s) + (1 - y) * np.log(1 - s))


class Loss(NamedTuple):
    name: str
    call: Callable[[tg.Tensor, str], tg.Tensor]  # (prediction, reduction) -> loss
    numpy: Callable[[np.ndarray], tuple[np.ndarray, float]]  # prediction -> (losses, mean divisor)
    x: np.ndarray  # the prediction to evaluate at


LOSSES = [
    Loss("mse", lambda x, r: F.mse_loss(x, SOFT, reduction=r), lambda x: ((x - SOFT) ** 2, x.size), PROBS),
    Loss("l1", lambda x, r: F.l1_loss(x, SOFT, reduction=r), lambda x: (np.abs(x - SOFT), x.size), PROBS),
    Loss("bce", lambda x, r: F.binary_cross_entropy(x, SOFT, reduction=r), lambda x: (bce_np(x, SOFT), x.size), PROBS),
    Loss(
        "bce weight",
        lambda x, r: F.binary_cross_entropy(x, SOFT, weight=WEIGHT, reduction=r),
        lambda x: (bce_np(x, SOFT, WEIGHT), x.size),
        PROBS,
    ),
    Loss(
        "bce row weight",
        lambda x, r: F.binary_cross_entropy(x, SOFT, weight=ROW_WEIGHT, reduction=r),
        lambda x: (bce_np(x, SOFT, ROW_WEIGHT), x.size),
        PROBS,
    ),
    Loss(
        "bce logits",
        lambda x, r: F.binary_cross_entropy_with_logits(x, SOFT, reduction=r),
        lambda x: (bce_logits_np(x, SOFT), x.size),
        LOGITS[:5, :3],
    ),
    Loss(
        "bce logits weights",
        lambda x, r: F.binary_cross_entropy_with_logits(x, SOFT, weight=WEIGHT, pos_weight=POS_WEIGHT, reduction=r),
        lambda x: (bce_logits_np(x, SOFT, WEIGHT, POS_WEIGHT), x.size),
        LOGITS[:5, :3],
    ),
    Loss("cross entropy", lambda x, r: F.cross_entropy(x, CLASSES, reduction=r), lambda x: ce_np(x, CLASSES), LOGITS),
    Loss(
        "cross entropy ignore",
        lambda x, r: F.cross_entropy(x, CLASSES_IGNORED, reduction=r),
        lambda x: ce_np(x, CLASSES_IGNORED),
        LOGITS,
    ),
    Loss(
        "cross entropy weight",
        lambda x, r: F.cross_entropy(x, CLASSES, weight=CLASS_WEIGHT, reduction=r),
        lambda x: ce_np(x, CLASSES, CLASS_WEIGHT),
        LOGITS,
    ),
    Loss(
        "cross entropy weight ignore",
        lambda x, r: F.cross_entropy(x, CLASSES_IGNORED, weight=CLASS_WEIGHT, reduction=r),
        lambda x: ce_np(x, CLASSES_IGNORED, CLASS_WEIGHT),
        LOGITS,
    ),
    Loss(
        "cross entropy smoothing",
        lambda x, r: F.cross_entropy(x, CLASSES_IGNORED, weight=CLASS_WEIGHT, label_smoothing=0.1, reduction=r),
        lambda x: ce_np(x, CLASSES_IGNORED, CLASS_WEIGHT, 0.1),
        LOGITS,
    ),
    Loss(
        "cross entropy probabilities",
        lambda x, r: F.cross_entropy(x, CLASS_PROBS, weight=CLASS_WEIGHT, label_smoothing=0.2, reduction=r),
        lambda x: ce_probs_np(x, CLASS_PROBS, CLASS_WEIGHT, 0.2),
        LOGITS,
    ),
    Loss(
        "nll",
        lambda x, r: F.nll_loss(x, CLASSES_IGNORED, weight=CLASS_WEIGHT, reduction=r),
        lambda x: nll_np(x, CLASSES_IGNORED, CLASS_WEIGHT),
        log_softmax_np(LOGITS),
    ),
]

# The losses of nn/loss_composite.py, from their textbook definitions (PyTorch's documentation).
X53, SIGNS5 = LOGITS[:5, :3], np.array([1.0, -1.0, 1.0, -1.0, -1.0])


def huberish_np(d, beta):
    """smooth L1: 0.5 d^2 / beta where |d| < beta, else |d| - 0.5 beta."""
    return np.where(np.abs(d) < beta, 0.5 * d**2 / beta, np.abs(d) - 0.5 * beta)


def cos_np(a, b):
    return (a * b).sum(1) / np.sqrt((a * a).sum(1) * (b * b).sum(1))


def log_sigmoid_np(z):
    return -np.logaddexp(0, -z)


LOSSES += [
    Loss(
        "smooth l1 beta",
        lambda x, r: F.smooth_l1_loss(x, SOFT, reduction=r, beta=0.3),
        lambda x: (huberish_np(x - SOFT, 0.3), x.size),
        X53,
    ),
    Loss(
        "huber delta",
        lambda x, r: F.huber_loss(x, SOFT, reduction=r, delta=0.3),
        lambda x: (0.3 * huberish_np(x - SOFT, 0.3), x.size),
        X53,
    ),
    Loss(
        "kl div",
        lambda x, r: F.kl_div(x, SOFT, reduction=r),
        lambda x: (SOFT * (np.log(SOFT) - x), x.size),
        np.log(PROBS),
    ),
    Loss(
        "margin ranking",
        lambda x, r: F.margin_ranking_loss(x[:, 0], x[:, 1], SIGNS5, margin=0.2, reduction=r),
        lambda x: (np.maximum(0, -SIGNS5 * (x[:, 0] - x[:, 1]) + 0.2), 5),
        X53,
    ),
    Loss(
        "cosine embedding",
        lambda x, r: F.cosine_embedding_loss(x, SOFT, SIGNS5, margin=-0.5, reduction=r),
        lambda x: (np.where(SIGNS5 == 1, 1 - cos_np(x, SOFT), np.maximum(0, cos_np(x, SOFT) + 0.5)), 5),
        X53,
    ),
    Loss(
        "multilabel soft margin",
        lambda x, r: F.multilabel_soft_margin_loss(x, SOFT, weight=ROW_WEIGHT, reduction=r),
        lambda x: (
            -(ROW_WEIGHT * (SOFT * log_sigmoid_np(x) + (1 - SOFT) * log_sigmoid_np(-x))).sum(1) / 3,
            5,
        ),
        X53,
    ),
    Loss(
        "gaussian nll full",
        lambda x, r: F.gaussian_nll_loss(x, SOFT, WEIGHT, full=True, reduction=r),
        lambda x: (0.5 * (np.log(WEIGHT) + (x - SOFT) ** 2 / WEIGHT) + 0.5 * np.log(2 * np.pi), x.size),
        X53,
    ),
    Loss(
        "poisson nll",
        lambda x, r: F.poisson_nll_loss(x, SOFT * 3, reduction=r),
        lambda x: (np.exp(x) - SOFT * 3 * x, x.size),
        X53,
    ),
]
CASES = [(loss, reduction) for loss in LOSSES for reduction in REDUCTIONS]
IDS = [f"{loss.name}-{reduction}" for loss, reduction in CASES]


def reduce_np(losses: np.ndarray, divisor: float, reduction: str) -> np.ndarray:
    if reduction == "none":
        return losses
    return losses.sum() / (divisor if reduction == "mean" else 1)


@pytest.mark.parametrize("loss, reduction", CASES, ids=IDS)
def test_value_matches_the_numpy_formula(loss: Loss, reduction: str) -> None:
    out = loss.call(tg.tensor(loss.x), reduction)
    losses, divisor = loss.numpy(loss.x)
    expected = reduce_np(losses, divisor, reduction)
    assert out.dtype == np.float64 and out.shape == np.shape(expected)
    np.testing.assert_allclose(out.data, expected, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("loss, reduction", CASES, ids=IDS)
def test_gradient_matches_central_differences(loss: Loss, reduction: str) -> None:
    x = tg.tensor(loss.x, requires_grad=True)
    assert tg.gradcheck(lambda x: loss.call(x, reduction), [x])


@pytest.mark.parametrize("loss, reduction", CASES, ids=IDS)
def test_float32_prediction_gives_a_float32_loss(loss: Loss, reduction: str) -> None:
    x = tg.tensor(loss.x, dtype=np.float32, requires_grad=True)
    out = loss.call(x, reduction)
    assert out.dtype == np.float32
    out.sum().backward()
    assert x.grad.dtype == np.float32


# ---- the module forms give the function's numbers -------------------------------------------------

MODULES = [
    (nn.MSELoss, F.mse_loss, {}, PROBS, SOFT),
    (nn.L1Loss, F.l1_loss, {}, PROBS, SOFT),
    (nn.BCELoss, F.binary_cross_entropy, {"weight": WEIGHT}, PROBS, SOFT),
    (nn.BCEWithLogitsLoss, F.binary_cross_entropy_with_logits, {"pos_weight": POS_WEIGHT}, PROBS, SOFT),
    (nn.CrossEntropyLoss, F.cross_entropy, {"label_smoothing": 0.1, "ignore_index": 3}, LOGITS, CLASSES),
    (nn.NLLLoss, F.nll_loss, {"weight": CLASS_WEIGHT}, LOGITS, CLASSES),
]


@pytest.mark.parametrize("module, function, options, x, target", MODULES, ids=[m[0].__name__ for m in MODULES])
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_module_equals_function(module, function, options, x, target, reduction) -> None:
    out = module(reduction=reduction, **options)(tg.tensor(x), target)
    np.testing.assert_array_equal(out.data, function(tg.tensor(x), target, reduction=reduction, **options).data)


def test_module_reprs_are_pytorchs() -> None:
    assert repr(nn.BCELoss()) == "BCELoss()"
    assert repr(nn.CrossEntropyLoss()) == "CrossEntropyLoss()"


# ---- hand-computed values ---------------------------------------------------------------------------

HAND = [
    ("mse (0 + 4) / 2", lambda: F.mse_loss(tg.tensor([1.0, 2.0]), [1.0, 4.0]), 2.0),
    ("l1 (1 + 2) / 2", lambda: F.l1_loss(tg.tensor([1.0, 2.0]), [0.0, 4.0]), 1.5),
    ("bce -log(1/2)", lambda: F.binary_cross_entropy(tg.tensor([0.5]), [1.0]), np.log(2)),
    ("bce logits at 0: -log(1/2)", lambda: F.binary_cross_entropy_with_logits(tg.tensor([0.0]), [1.0]), np.log(2)),
    ("ce uniform over 4: log 4", lambda: F.cross_entropy(tg.zeros(3, 4), [0, 1, 3]), np.log(4)),
    ("nll picks -x[i, y_i]", lambda: F.nll_loss(tg.tensor([[-1.0, -2.0], [-3.0, -4.0]]), [1, 0]), (2 + 3) / 2),
]


@pytest.mark.parametrize("name, make, expected", HAND, ids=[h[0] for h in HAND])
def test_hand_computed_values(name, make, expected) -> None:
    assert make().item() == pytest.approx(expected, rel=1e-6)


# ---- edge cases: predictions exactly 0 and 1, huge logits ----------------------------------------


def test_bce_at_predictions_0_and_1_is_finite_and_clamped_at_100() -> None:
    # A confident wrong answer costs -log(0), clamped to 100; a confident right one costs 0.
    x = tg.tensor([0.0, 1.0, 0.0, 1.0], dtype=np.float64, requires_grad=True)
    y = [1.0, 0.0, 0.0, 1.0]
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no "divide by zero in log" either
        losses = F.binary_cross_entropy(x, y, reduction="none")
        losses.sum().backward()
    np.testing.assert_array_equal(losses.data, [100.0, 100.0, 0.0, 0.0])
    # PyTorch's gradient there: (x - y) / max(x (1 - x), 1e-12)
    np.testing.assert_array_equal(x.grad.data, [-1e12, 1e12, 0.0, 0.0])
    assert F.binary_cross_entropy(x, y).item() == 50.0  # the mean of 100, 100, 0, 0


def test_bce_just_inside_the_clamp() -> None:
    # log(1e-40) = -92.1 is above -100, so it is not clamped; log(1e-50) = -115.1 is.
    x = tg.tensor([1e-40, 1e-50], dtype=np.float64)
    np.testing.assert_allclose(
        F.binary_cross_entropy(x, [1.0, 1.0], reduction="none").data, [-np.log(1e-40), 100.0], rtol=1e-12
    )


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_bce_with_logits_at_plus_minus_1000_is_finite_and_exact(reduction: str) -> None:
    x = tg.tensor([1000.0, -1000.0, 1000.0, -1000.0], dtype=np.float64, requires_grad=True)
    y = np.array([0.0, 1.0, 1.0, 0.0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no overflow in exp
        loss = F.binary_cross_entropy_with_logits(x, y, reduction=reduction)
        loss.sum().backward()
    # log(1 + exp(1000)) = 1000 (+ e^-1000), and log(1 + exp(-1000)) = 0 in float64
    expected = np.array([1000.0, 1000.0, 0.0, 0.0])
    np.testing.assert_array_equal(loss.data, reduce_np(expected, 4, reduction))
    # d/dx = sigmoid(x) - y: 1, -1, 0, 0
    scale = 1 / 4 if reduction == "mean" else 1
    np.testing.assert_array_equal(x.grad.data, scale * np.array([1.0, -1.0, 0.0, 0.0]))


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_cross_entropy_at_logits_plus_minus_1000_is_finite_and_exact(reduction: str) -> None:
    x = tg.tensor([[1000.0, -1000.0, 0.0], [1000.0, -1000.0, 0.0]], dtype=np.float64, requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        loss = F.cross_entropy(x, [0, 1], reduction=reduction)
        loss.sum().backward()
    # softmax is (1, 0, 0) to float64 precision: right class costs 0, the -1000 one costs 2000
    np.testing.assert_array_equal(loss.data, reduce_np(np.array([0.0, 2000.0]), 2, reduction))
    scale = 1 / 2 if reduction == "mean" else 1
    # d/dx = softmax - onehot
    np.testing.assert_array_equal(x.grad.data, scale * np.array([[0.0, 0.0, 0.0], [1.0, -1.0, 0.0]]))


def test_cross_entropy_with_every_sample_ignored_is_nan_with_zero_gradient() -> None:
    # A mean over no samples: nan as in PyTorch; no sample contributes, so the gradient is 0.
    x = tg.tensor(LOGITS[:2], requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        loss = F.cross_entropy(x, [-100, -100])
        loss.backward()
    assert np.isnan(loss.item())
    np.testing.assert_array_equal(x.grad.data, 0.0)


def test_cross_entropy_unbatched_and_with_extra_dimensions() -> None:
    # (C,) with a 0-d target is one sample; (N, C, d) has one sample per (n, d).
    one = F.cross_entropy(tg.tensor(LOGITS[1]), np.array(2), reduction="none")
    assert one.shape == () and one.item() == pytest.approx(-log_softmax_np(LOGITS[1])[2], rel=1e-12)
    x = rng.normal(size=(2, 4, 3))  # N=2, C=4, d=3
    target = np.array([[0, 3, 1], [2, 2, 0]])
    out = F.cross_entropy(tg.tensor(x), target, reduction="none")
    expected = -np.take_along_axis(log_softmax_np(x, axis=1), target[:, None, :], axis=1)[:, 0, :]
    np.testing.assert_allclose(out.data, expected, rtol=1e-12)
    xt = tg.tensor(x, requires_grad=True)
    assert tg.gradcheck(lambda xt: F.cross_entropy(xt, target, label_smoothing=0.1), [xt])


def test_targets_can_be_tensors_arrays_or_lists_and_one_that_requires_grad_gets_its_gradient() -> None:
    x = tg.tensor([[0.2], [0.9]], requires_grad=True)
    y = tg.tensor([[0.0], [1.0]], requires_grad=True)
    losses = [F.binary_cross_entropy(x, t) for t in (y, y.data, [[0.0], [1.0]])]
    assert losses[0].item() == pytest.approx(losses[1].item(), rel=1e-6) and losses[1].item() == losses[2].item()
    losses[0].backward()
    # As in PyTorch: d/dy of -[y log x + (1 - y) log(1 - x)] is log(1 - x) - log(x), here averaged over 2.
    np.testing.assert_allclose(y.grad.data, (np.log(1 - x.data) - np.log(x.data)) / 2, rtol=1e-6)
    assert x.grad is not None
    # Class indices as an int64 Tensor (what tg.tensor([0, 3]) makes) or a list give the same loss.
    assert (
        F.cross_entropy(tg.tensor(LOGITS[:2]), tg.tensor([0, 3])).item()
        == F.cross_entropy(tg.tensor(LOGITS[:2]), [0, 3]).item()
    )


# ---- errors name the shapes or values at fault ---------------------------------------------------

ERRORS = [
    ("mse (4,1) vs (4,)", lambda: F.mse_loss(tg.zeros(4, 1), np.zeros(4)), ValueError, r"\(4,\).*\(4, 1\)"),
    ("l1 shapes", lambda: F.l1_loss(tg.zeros(2, 3), np.zeros((3, 2))), ValueError, r"\(3, 2\).*\(2, 3\)"),
    ("bce shapes", lambda: F.binary_cross_entropy(tg.zeros(4, 1), np.zeros(4)), ValueError, r"\(4,\).*\(4, 1\)"),
    (
        "bce above 1",
        lambda: F.binary_cross_entropy(tg.tensor([0.5, 1.5]), [0.0, 1.0]),
        ValueError,
        r"\[0, 1\].*0\.5 to 1\.5",
    ),
    ("bce below 0", lambda: F.binary_cross_entropy(tg.tensor([-0.25, 0.5]), [0.0, 1.0]), ValueError, r"-0\.25 to 0\.5"),
    ("bce nan", lambda: F.binary_cross_entropy(tg.tensor([np.nan, 0.5]), [0.0, 1.0]), ValueError, "nan"),
    (
        "bce weight shape",
        lambda: F.binary_cross_entropy(tg.zeros(2, 3), np.zeros((2, 3)), weight=np.ones(2)),
        ValueError,
        r"weight of shape \(2,\)",
    ),
    (
        "bce logits shapes",
        lambda: F.binary_cross_entropy_with_logits(tg.zeros(3), np.zeros((3, 1))),
        ValueError,
        r"\(3, 1\).*\(3,\)",
    ),
    (
        "ce target shape",
        lambda: F.cross_entropy(tg.zeros(4, 3), np.zeros((4, 1), dtype=int)),
        ValueError,
        r"\(4,\).*\(4, 1\)",
    ),
    ("ce target out of range", lambda: F.cross_entropy(tg.zeros(2, 3), [0, 3]), IndexError, "3 is out of bounds"),
    (  # as PyTorch: float targets are probabilities, of the input's shape; indices are int64 (or uint8)
        "ce float class indices",
        lambda: F.cross_entropy(tg.zeros(2, 3), tg.tensor([0.0, 1.0])),
        TypeError,
        r"int64.*got float32 target of shape \(2,\); convert it with target.long\(\).*\(2, 3\)",
    ),
    ("nll int32 class indices", lambda: F.nll_loss(tg.zeros(2, 3), np.array([0, 1], np.int32)), TypeError, "int32"),
    (
        "ce class weight shape",
        lambda: F.cross_entropy(tg.zeros(2, 3), [0, 1], weight=np.ones(2)),
        ValueError,
        r"\(3,\)",
    ),
    (
        "ce label smoothing",
        lambda: F.cross_entropy(tg.zeros(2, 3), [0, 1], label_smoothing=1.5),
        ValueError,
        "label_smoothing",
    ),
    ("nll target out of range", lambda: F.nll_loss(tg.zeros(2, 3), [-1, 0]), IndexError, "-1 is out of bounds"),
    (  # -100 is ignored only when it is the ignore_index
        "ce -100 with another ignore_index",
        lambda: F.cross_entropy(tg.zeros(2, 3), [-100, 0], ignore_index=1),
        IndexError,
        "-100 is out of bounds",
    ),
    ("bad reduction", lambda: F.mse_loss(tg.zeros(2), [0.0, 0.0], reduction="avg"), ValueError, "'avg'"),
    ("bad reduction in module", lambda: nn.MSELoss(reduction="avg"), ValueError, "'avg'"),
]


@pytest.mark.parametrize("name, make, error, pattern", ERRORS, ids=[e[0] for e in ERRORS])
def test_errors_name_what_is_wrong(name, make, error, pattern) -> None:
    with pytest.raises(error, match=pattern):
        make()


# ---- optional cross-check against PyTorch ---------------------------------------------------------

TORCH_CASES = [
    ("mse_loss", (PROBS, SOFT), {}),
    ("l1_loss", (PROBS, SOFT), {}),
    ("binary_cross_entropy", (PROBS, SOFT), {"weight": WEIGHT}),
    ("binary_cross_entropy", (np.array([0.0, 1.0, 0.3, 1.0]), np.array([1.0, 0.0, 0.2, 1.0])), {}),
    ("binary_cross_entropy_with_logits", (LOGITS * 300, CLASS_PROBS), {"pos_weight": np.arange(1.0, 5.0)}),
    ("cross_entropy", (LOGITS, CLASSES_IGNORED), {"weight": CLASS_WEIGHT, "label_smoothing": 0.15}),
    # an ignore_index that is a class: present in the targets, then absent (every sample kept)
    ("cross_entropy", (LOGITS, CLASSES), {"ignore_index": 3}),
    ("cross_entropy", (LOGITS, np.where(CLASSES == 1, 2, CLASSES)), {"ignore_index": 1, "weight": CLASS_WEIGHT}),
    ("nll_loss", (log_softmax_np(LOGITS), CLASSES), {"ignore_index": 0}),
    ("cross_entropy", (LOGITS, CLASS_PROBS), {"label_smoothing": 0.15}),
    ("nll_loss", (log_softmax_np(LOGITS), CLASSES_IGNORED), {"weight": CLASS_WEIGHT}),
]


@pytest.mark.parametrize("name, args, options", TORCH_CASES, ids=[c[0] for c in TORCH_CASES])
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_same_values_and_gradients_as_torch(name, args, options, reduction) -> None:
    torch = pytest.importorskip("torch")
    x, target = args
    ours = tg.tensor(x, requires_grad=True)
    out = getattr(F, name)(ours, target, reduction=reduction, **options)
    out.backward(np.ones(out.shape))
    theirs = torch.tensor(x, requires_grad=True)
    t_options = {k: torch.tensor(v) for k, v in options.items() if isinstance(v, np.ndarray)}
    t_options.update({k: v for k, v in options.items() if not isinstance(v, np.ndarray)})
    expected = getattr(torch.nn.functional, name)(theirs, torch.tensor(target), reduction=reduction, **t_options)
    expected.backward(torch.ones_like(expected))
    np.testing.assert_allclose(out.data, expected.detach().numpy(), rtol=1e-12, atol=1e-12)
    # rtol 1e-7: at a prediction of exactly 0 or 1, PyTorch divides by its BCE epsilon 1e-12 rounded to
    # float32 (9.9999998e-13), where we divide by 1e-12 itself
    np.testing.assert_allclose(ours.grad.data, theirs.grad.numpy(), rtol=1e-7, atol=1e-12)


# ---- as in PyTorch: range errors are RuntimeErrors too, and a target that requires grad gets one ------


@pytest.mark.parametrize(
    "make",
    [
        lambda: F.binary_cross_entropy(tg.tensor([0.5, 1.5]), [0.0, 1.0]),
        lambda: F.cross_entropy(tg.zeros(2, 3), [0, 1], label_smoothing=1.5),
    ],
    ids=["bce above 1", "label smoothing"],
)
def test_value_errors_are_also_runtime_errors_as_pytorch_raises(make) -> None:
    with pytest.raises(ValueError) as caught:
        make()
    assert isinstance(caught.value, RuntimeError)


X_PAIR, Y_PAIR = rng.normal(size=(3, 2)), rng.normal(size=(3, 2))
Y_PROBABILITIES = np.array([[0.1, 0.3], [0.99, 0.5], [0.9, 0.2]])  # inside (0, 1): gradcheck steps both ways

# (name, loss of (x, y) with y a Tensor, d loss / dy written out for reduction 'sum')
TARGET_GRADIENTS = [
    ("mse", lambda x, y, r: F.mse_loss(x, y, reduction=r), lambda x, y: -2 * (x - y)),
    ("l1", lambda x, y, r: F.l1_loss(x, y, reduction=r), lambda x, y: -np.sign(x - y)),
    (
        "bce",
        lambda x, y, r: F.binary_cross_entropy(x.sigmoid(), y, reduction=r),
        lambda x, y: np.log(1 - sigmoid_np(x)) - np.log(sigmoid_np(x)),
    ),  # = -x
    (
        "bce with logits, pos_weight p",
        lambda x, y, r: F.binary_cross_entropy_with_logits(x, y, pos_weight=np.array([2.0, 0.5]), reduction=r),
        lambda x, y: -x + (np.array([2.0, 0.5]) - 1) * np.log1p(np.exp(-x)),
    ),  # -x + (p - 1) softplus(-x)
    (
        "cross_entropy probabilities",
        lambda x, y, r: F.cross_entropy(x, y, reduction=r),
        lambda x, y: -log_softmax_np(x, axis=1),
    ),
]


def sigmoid_np(z: np.ndarray) -> np.ndarray:
    return 1 / (1 + np.exp(-z))


@pytest.mark.parametrize("name, loss, d_target", TARGET_GRADIENTS, ids=[c[0] for c in TARGET_GRADIENTS])
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_a_target_that_requires_grad_gets_its_gradient(name, loss, d_target, reduction) -> None:
    targets = Y_PROBABILITIES if name == "bce" else Y_PAIR  # BCE refuses targets outside [0, 1], as PyTorch
    x = tg.tensor(X_PAIR, requires_grad=True)
    y = tg.tensor(targets, requires_grad=True)
    out = loss(x, y, reduction)
    plain = loss(tg.tensor(X_PAIR), targets, reduction)  # the fused op, target as a constant: the same values
    np.testing.assert_allclose(out.data, plain.data, rtol=1e-12)
    out.backward(np.ones(out.shape))
    scale = 1 / X_PAIR.size if reduction == "mean" else 1.0
    if name == "cross_entropy probabilities" and reduction == "mean":
        scale = 1 / X_PAIR.shape[0]  # the mean over samples, not elements
    np.testing.assert_allclose(y.grad.data, scale * d_target(X_PAIR, targets), rtol=1e-10, atol=1e-12)
    assert x.grad is not None
    assert tg.gradcheck(lambda x, y: loss(x, y, reduction), [x, y])


# Every option a loss with a real-valued target takes, with that target requiring grad: each loss has one
# formula (its fused op), whose backward gives the target's gradient too; gradcheck checks both gradients.
# (name, loss of (x, y), x, y)
TARGET_GRADCHECKS = [
    ("mse", lambda x, y, r: F.mse_loss(x, y, reduction=r), LOGITS, LOGITS[::-1].copy()),
    ("l1", lambda x, y, r: nn.L1Loss(reduction=r)(x, y), LOGITS, LOGITS[::-1] + 0.5),
    ("bce, weight", lambda x, y, r: F.binary_cross_entropy(x, y, weight=WEIGHT, reduction=r), PROBS, SOFT),
    (
        "bce with logits, weight and pos_weight",
        lambda x, y, r: F.binary_cross_entropy_with_logits(x, y, weight=ROW_WEIGHT, pos_weight=POS_WEIGHT, reduction=r),
        LOGITS[:5, :3],
        SOFT,
    ),
    ("bce with logits, no weights", lambda x, y, r: nn.BCEWithLogitsLoss(reduction=r)(x, y), LOGITS[:5, :3], SOFT),
    (
        "cross_entropy probabilities, class weight and smoothing",
        lambda x, y, r: F.cross_entropy(x, y, weight=CLASS_WEIGHT, label_smoothing=0.2, reduction=r),
        LOGITS,
        CLASS_PROBS,
    ),
    (
        "cross_entropy probabilities, (N, C, d)",
        lambda x, y, r: F.cross_entropy(x, y, reduction=r),
        LOGITS.reshape(2, 4, 3),
        CLASS_PROBS.reshape(2, 4, 3),
    ),
]


@pytest.mark.parametrize("name, loss, x, y", TARGET_GRADCHECKS, ids=[c[0] for c in TARGET_GRADCHECKS])
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_gradcheck_with_a_target_that_requires_grad_for_every_option(name, loss, x, y, reduction) -> None:
    xt = tg.tensor(x, dtype=tg.float64, requires_grad=True)
    yt = tg.tensor(y, dtype=tg.float64, requires_grad=True)
    # the values are those of the same loss with the target as a constant
    np.testing.assert_allclose(loss(xt, yt, reduction).data, loss(tg.tensor(x), y, reduction).data, rtol=1e-6)
    assert tg.gradcheck(lambda a, b: loss(a, b, reduction), [xt, yt])


# (name, the loss on x with target y: one call of a fused op from ops/loss.py)
FUSED_TARGET_OPS = [
    ("mse", lambda x, y: F.mse_loss(x, y)),
    ("l1", lambda x, y: F.l1_loss(x, y)),
    ("bce", lambda x, y: F.binary_cross_entropy(x, y)),
    ("bce with logits", lambda x, y: F.binary_cross_entropy_with_logits(x, y, pos_weight=POS_WEIGHT)),
    ("cross_entropy probabilities", lambda x, y: F.cross_entropy(x, y, label_smoothing=0.1)),
]


@pytest.mark.parametrize("name, loss", FUSED_TARGET_OPS, ids=[c[0] for c in FUSED_TARGET_OPS])
@pytest.mark.parametrize("target_requires_grad", [False, True])
def test_the_fused_op_computes_the_targets_gradient_only_when_it_is_needed(name, loss, target_requires_grad):
    # A constant target costs no gradient: the op's backward returns None for it (needs_input_grad gates it).
    y = tg.tensor(SOFT, dtype=tg.float64, requires_grad=target_requires_grad)
    out = loss(tg.tensor(PROBS, dtype=tg.float64, requires_grad=True), y)
    grads = out.grad_fn.backward(np.ones(out.shape))
    assert isinstance(grads[0], np.ndarray) and grads[0].shape == PROBS.shape
    assert (grads[1] is not None) == target_requires_grad


def test_a_float32_target_that_requires_grad_gets_a_float32_gradient_from_a_float64_loss() -> None:
    # The op sees the target cast to the input's dtype; the cast's backward brings the gradient home.
    x = tg.tensor([0.5, 2.0], dtype=tg.float64, requires_grad=True)
    y = tg.tensor([1.0, 1.0], dtype=tg.float32, requires_grad=True)
    F.mse_loss(x, y, reduction="sum").backward()
    assert y.grad.dtype == np.float32 and y.grad.data.tolist() == [1.0, -2.0]


def test_bce_at_a_prediction_of_exactly_0_or_1_with_a_target_that_requires_grad_gives_pytorchs_gradients():
    # (x - y) / max(x (1 - x), 1e-12) for the prediction, as with a constant target: finite, not nan;
    # log(1 - x) - log(x) for the target, unclamped as in PyTorch: +-inf at x = 0 or 1.
    x = tg.tensor([0.0, 1.0, 0.5], dtype=tg.float64, requires_grad=True)
    y = tg.tensor([0.2, 0.7, 1.0], dtype=tg.float64, requires_grad=True)
    F.binary_cross_entropy(x, y, reduction="sum").backward()
    np.testing.assert_allclose(x.grad.data, [-0.2 / 1e-12, 0.3 / 1e-12, -2.0])
    assert x.grad.data.tolist()[2] == -2.0 and np.isfinite(x.grad.data).all()
    assert y.grad.data.tolist() == [np.inf, -np.inf, 0.0]


@pytest.mark.parametrize("target", [[2.0], [-0.5], [np.nan]])
def test_bce_refuses_a_target_outside_0_and_1_as_pytorch(target):
    for loss in (lambda x, y: F.binary_cross_entropy(x, y), lambda x, y: tg.nn.BCELoss()(x, y)):
        with pytest.raises(tg.ArgumentError, match="all elements of target should be between 0 and 1"):
            loss(tg.tensor([0.3]), tg.tensor(target))


CROSS_ENTROPY_FORMS = [
    ("class indices", lambda x: F.cross_entropy(x, CLASSES, CLASS_WEIGHT)),
    ("probabilities", lambda x: F.cross_entropy(x, CLASS_PROBS)),
    ("label smoothing", lambda x: F.cross_entropy(x, CLASSES, label_smoothing=0.1)),
]


@pytest.mark.parametrize("name, loss", CROSS_ENTROPY_FORMS, ids=[c[0] for c in CROSS_ENTROPY_FORMS])
def test_cross_entropy_backward_reuses_the_forwards_log_softmax_except_in_double_backward(name, loss, monkeypatch):
    from tinygrad_edu.ops import loss as loss_ops

    calls = []
    log_softmax = loss_ops._log_softmax_rows
    monkeypatch.setattr(loss_ops, "_log_softmax_rows", lambda z: calls.append(1) or log_softmax(z))
    x = tg.tensor(LOGITS, dtype=tg.float64, requires_grad=True)
    loss(x).backward()
    assert len(calls) == 1  # the forward's; a plain backward reads what it saved
    # Double backward recomputes log p from x, so that the graph records it: the same first derivative.
    (recorded,) = tg.autograd.grad(loss(x), x, create_graph=True)
    assert len(calls) == 3
    np.testing.assert_array_equal(recorded.data, x.grad.data)
