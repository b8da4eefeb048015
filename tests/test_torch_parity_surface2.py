"""Parity fixes of issue surface16 next to PyTorch: activations on integer inputs, Parameter sharing its
tensor's version counter, binary_cross_entropy's range check, and Tensor methods courses use.

Each row is one call written once as `fn(lib, ...)` and run with `lib = tinygrad_edu` and `lib = torch`;
values and dtypes are compared, and errors where PyTorch raises. Skipped where torch is not installed.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import tinygrad_edu as tg
import tinygrad_edu.nn.functional as tg_F

torch = pytest.importorskip("torch")
torch_F = torch.nn.functional


def lib_F(lib: Any) -> Any:
    return tg_F if lib is tg else torch_F


def to_numpy(t: Any) -> np.ndarray:
    return t.detach().numpy() if isinstance(t, torch.Tensor) else np.asarray(t.data)


def dtype_name(t: Any) -> str:
    return str(t.dtype).removeprefix("torch.")


def outcome(call: Any, lib: Any) -> tuple[str, Any]:
    """("ok", (values, dtype)) or ("error", the exception), for comparing what each library does."""
    try:
        out = call(lib)
    except Exception as error:  # noqa: BLE001 (the error is what the row compares)
        return "error", error
    return "ok", (to_numpy(out), dtype_name(out))


def ints(lib: Any) -> Any:
    return lib.tensor([[-3, -1, 0], [1, 2, 5]])


# ---- 1. activations on an int tensor: float32 where PyTorch converts, an error where it has no kernel ----

ACTIVATIONS_ON_INTS = [
    ("F.sigmoid", lambda lib: lib_F(lib).sigmoid(ints(lib))),
    ("F.tanh", lambda lib: lib_F(lib).tanh(ints(lib))),
    ("nn.Sigmoid", lambda lib: lib.nn.Sigmoid()(ints(lib))),
    ("nn.Tanh", lambda lib: lib.nn.Tanh()(ints(lib))),
    ("Tensor.sigmoid", lambda lib: ints(lib).sigmoid()),
    ("tg.sigmoid", lambda lib: lib.sigmoid(ints(lib))),
    ("tg.tanh", lambda lib: lib.tanh(ints(lib))),
    ("F.softsign", lambda lib: lib_F(lib).softsign(ints(lib))),
    ("F.relu", lambda lib: lib_F(lib).relu(ints(lib))),
    ("nn.ReLU", lambda lib: lib.nn.ReLU()(ints(lib))),
    ("F.hardtanh", lambda lib: lib_F(lib).hardtanh(ints(lib), -1.5, 1.5)),
    ("F.relu6", lambda lib: lib_F(lib).relu6(ints(lib))),
    ("nn.Hardtanh", lambda lib: lib.nn.Hardtanh()(ints(lib))),
    ("F.threshold", lambda lib: lib_F(lib).threshold(ints(lib), 1, 7)),
    ("F.softmax dtype=", lambda lib: lib_F(lib).softmax(ints(lib), 1, dtype=lib.float32)),
    ("F.log_softmax dtype=", lambda lib: lib_F(lib).log_softmax(ints(lib), 1, dtype=lib.float64)),
    ("F.softmax", lambda lib: lib_F(lib).softmax(ints(lib), 1)),
    ("F.log_softmax", lambda lib: lib_F(lib).log_softmax(ints(lib), 1)),
    ("Tensor.softmax", lambda lib: ints(lib).softmax(0)),
    ("F.softmin", lambda lib: lib_F(lib).softmin(ints(lib), 1)),
    ("F.silu", lambda lib: lib_F(lib).silu(ints(lib))),
    ("F.gelu", lambda lib: lib_F(lib).gelu(ints(lib))),
    ("F.gelu tanh", lambda lib: lib_F(lib).gelu(ints(lib), approximate="tanh")),
    ("F.elu", lambda lib: lib_F(lib).elu(ints(lib))),
    ("F.celu", lambda lib: lib_F(lib).celu(ints(lib))),
    ("F.selu", lambda lib: lib_F(lib).selu(ints(lib))),
    ("F.mish", lambda lib: lib_F(lib).mish(ints(lib))),
    ("F.logsigmoid", lambda lib: lib_F(lib).logsigmoid(ints(lib))),
    ("F.softplus", lambda lib: lib_F(lib).softplus(ints(lib))),
    ("F.hardsigmoid", lambda lib: lib_F(lib).hardsigmoid(ints(lib))),
    ("F.hardswish", lambda lib: lib_F(lib).hardswish(ints(lib))),
    ("F.leaky_relu", lambda lib: lib_F(lib).leaky_relu(ints(lib))),
    ("nn.LeakyReLU", lambda lib: lib.nn.LeakyReLU()(ints(lib))),
    ("nn.ELU", lambda lib: lib.nn.ELU()(ints(lib))),
    ("nn.Softplus", lambda lib: lib.nn.Softplus()(ints(lib))),
]


@pytest.mark.parametrize("name, call", ACTIVATIONS_ON_INTS, ids=[row[0] for row in ACTIVATIONS_ON_INTS])
def test_activations_on_int_tensors_match_torch(name: str, call: Any) -> None:
    ours, theirs = outcome(call, tg), outcome(call, torch)
    assert ours[0] == theirs[0], f"{name}: tinygrad_edu {ours[1]!r}, torch {theirs[1]!r}"
    if ours[0] == "error":
        op = name.split(".")[-1].split()[0].lower()
        assert isinstance(ours[1], RuntimeError) and "dtype int64" in str(ours[1])
        assert name.startswith("nn.") or op in str(ours[1]), f"{name}: the error does not name the op: {ours[1]}"
        return
    (values, dtype), (expected, expected_dtype) = ours[1], theirs[1]
    assert dtype == expected_dtype
    np.testing.assert_allclose(values, expected, rtol=1e-6, atol=1e-7)


# ---- 3. binary_cross_entropy checks each element's input, then its target, is in [0, 1] ------------------

NAN = float("nan")
BCE_CASES = [
    ("in range", [0.3, 0.6], [1.0, 0.0]),
    ("input 0 and 1", [0.0, 1.0], [1.0, 0.0]),
    ("input above 1", [1.5, 0.3], [1.0, 0.0]),
    ("input below 0", [0.3, -0.1], [1.0, 0.0]),
    ("input nan", [NAN, 0.3], [1.0, 0.0]),
    ("target above 1", [0.3, 0.6], [1.5, 0.0]),
    ("target below 0", [0.3, 0.6], [1.0, -0.5]),
    ("target nan", [0.3, 0.6], [NAN, 1.0]),
    ("target bad first", [0.3, 1.5], [2.0, 1.0]),
    ("input bad first", [1.5, 0.3], [1.0, 2.0]),
    ("both bad at one element", [1.5, 0.3], [2.0, 1.0]),
    ("input bad, 2-d", [[0.2, 0.4], [0.6, 7.0]], [[0.0, 1.0], [1.0, 0.0]]),
]


@pytest.mark.parametrize("reduction", ["mean", "none"])
@pytest.mark.parametrize("name, x, y", BCE_CASES, ids=[case[0] for case in BCE_CASES])
def test_binary_cross_entropy_range_checks_match_torch(name: str, x: list, y: list, reduction: str) -> None:
    def call(lib: Any) -> Any:
        return lib_F(lib).binary_cross_entropy(lib.tensor(x), lib.tensor(y), reduction=reduction)

    ours, theirs = outcome(call, tg), outcome(call, torch)
    assert ours[0] == theirs[0], f"{name}: tinygrad_edu {ours[1]!r}, torch {theirs[1]!r}"
    if ours[0] == "error":
        assert isinstance(ours[1], RuntimeError)
        assert str(theirs[1]) in str(ours[1]), f"torch says {theirs[1]}, we say {ours[1]}"
    else:
        np.testing.assert_allclose(ours[1][0], theirs[1][0], rtol=1e-6)


def test_bce_loss_module_checks_as_the_function() -> None:
    with pytest.raises(RuntimeError, match="all elements of input should be between 0 and 1"):
        tg.nn.BCELoss()(tg.tensor([1.2]), tg.tensor([1.0]))


# ---- 4. Tensor methods and functions courses use: values and dtypes as torch's ------------------------------

A = np.array([[0.5, -1.5, 2.0, 0.25], [3.0, -0.25, 1.0, -2.0], [1.5, 0.75, -0.5, 4.0]])
WITH_NAN = np.array([[1.0, np.nan, 2.0], [np.nan, np.nan, 3.0]])
INTS = np.array([[3, 1, 4, 1], [5, 9, 2, 6]])


def t(lib: Any, array: np.ndarray) -> Any:
    return lib.tensor(array)


METHODS = [
    ("diff", lambda lib: t(lib, A).diff()),
    ("diff n=2 dim=0", lambda lib: t(lib, A).diff(n=2, dim=0)),
    ("diff prepend append", lambda lib: lib.diff(t(lib, A), dim=1, prepend=t(lib, A[:, :1]), append=t(lib, A))),
    ("diff int", lambda lib: t(lib, INTS).diff()),
    ("diff bool", lambda lib: t(lib, INTS > 3).diff()),
    ("nansum", lambda lib: t(lib, WITH_NAN).nansum()),
    ("nansum dim keepdim", lambda lib: lib.nansum(t(lib, WITH_NAN), 1, keepdim=True)),
    ("nansum int", lambda lib: t(lib, INTS).nansum(0)),
    ("nanmean", lambda lib: t(lib, WITH_NAN).nanmean(0)),
    ("nanmean all", lambda lib: lib.nanmean(t(lib, WITH_NAN))),
    ("nanmean int", lambda lib: t(lib, INTS).nanmean()),
    ("nanmean dtype", lambda lib: t(lib, INTS).nanmean(dtype=lib.float64)),
    ("rot90", lambda lib: t(lib, A).rot90()),
    ("rot90 k=2", lambda lib: t(lib, A).rot90(2)),
    ("rot90 k=-1 dims", lambda lib: lib.rot90(t(lib, A), -1, [1, 0])),
    ("rot90 k=5 3-d", lambda lib: t(lib, A.reshape(3, 2, 2)).rot90(5, [0, 2])),
    ("rot90 1-d", lambda lib: t(lib, A[0]).rot90()),
    ("rot90 same dims", lambda lib: t(lib, A).rot90(1, [1, 1])),
    ("tensor_split 3", lambda lib: t(lib, A).tensor_split(3, 1)),
    ("tensor_split 5", lambda lib: lib.tensor_split(t(lib, A), 5, dim=1)),
    ("tensor_split indices", lambda lib: t(lib, A).tensor_split([1, 3], 1)),
    ("tensor_split unsorted", lambda lib: t(lib, A).tensor_split([3, 1, 9])),
    ("tensor_split tensor", lambda lib: t(lib, A).tensor_split(lib.tensor([2]), 1)),
    ("index_fill", lambda lib: t(lib, A).index_fill(1, lib.tensor([0, 2]), -1.0)),
    ("index_fill int", lambda lib: lib.index_fill(t(lib, INTS), 0, lib.tensor([1]), 7)),
    (
        "index_fill 0-d tensor",
        lambda lib: t(lib, A).index_fill(0, lib.tensor([2, 0]), lib.tensor(9.0, dtype=lib.float64)),
    ),
    ("aminmax", lambda lib: t(lib, A).aminmax()),
    ("aminmax dim", lambda lib: lib.aminmax(t(lib, A), dim=0, keepdim=True)),
    ("aminmax int", lambda lib: t(lib, INTS).aminmax(dim=1)),
    ("cov", lambda lib: t(lib, A).cov()),
    ("cov 1-d", lambda lib: t(lib, A[1]).cov()),
    ("cov correction=0", lambda lib: lib.cov(t(lib, A), correction=0)),
    ("cov int", lambda lib: t(lib, INTS).cov()),
    (
        "cov weights",
        lambda lib: t(lib, A).cov(fweights=lib.tensor([1, 2, 1, 3]), aweights=lib.tensor([0.5, 1.0, 2.0, 1.5])),
    ),
    ("corrcoef", lambda lib: t(lib, A).corrcoef()),
    ("corrcoef int", lambda lib: lib.corrcoef(t(lib, INTS))),
    ("count_nonzero", lambda lib: t(lib, INTS > 3).count_nonzero(1)),
    ("stride", lambda lib: t(lib, A).stride()),
    ("stride of t()", lambda lib: t(lib, A).t().stride()),
    ("stride dim", lambda lib: t(lib, A).stride(-1)),
    ("stride of expand", lambda lib: t(lib, A[:1]).expand(3, 4).stride()),
    ("stride 3-d", lambda lib: t(lib, np.zeros((2, 3, 4), np.float32)).stride()),
    ("is_contiguous of t()", lambda lib: t(lib, A).t().is_contiguous()),
    ("cumsum dtype", lambda lib: t(lib, INTS).cumsum(1, dtype=lib.float32)),
    ("cumsum int32", lambda lib: lib.tensor(INTS, dtype=lib.int32).cumsum(0)),
    ("tril diagonal", lambda lib: t(lib, A).tril(-1)),
    ("triu diagonal", lambda lib: t(lib, A).triu(2)),
    ("repeat_interleave tensor", lambda lib: t(lib, A[0]).repeat_interleave(lib.tensor([1, 0, 2, 1]))),
    ("repeat_interleave dim", lambda lib: t(lib, A).repeat_interleave(2, dim=0)),
    ("repeat_interleave flat", lambda lib: lib.repeat_interleave(t(lib, INTS), 2)),
    ("new_zeros", lambda lib: t(lib, INTS).new_zeros(2, 3)),
    ("new_ones dtype", lambda lib: t(lib, A).new_ones((2,), dtype=lib.float32)),
    ("new_full", lambda lib: t(lib, INTS).new_full((2, 2), 3.7)),
    ("new_empty shape", lambda lib: t(lib, A).new_empty(3, 1).shape),
    ("new_tensor", lambda lib: t(lib, A).new_tensor([1, 2])),
    ("type_as", lambda lib: t(lib, INTS).type_as(t(lib, A))),
    ("expand_as", lambda lib: t(lib, A[:1]).expand_as(t(lib, A))),
    ("view_as", lambda lib: t(lib, A).view_as(t(lib, A.reshape(4, 3)))),
    ("masked_fill_ int", lambda lib: t(lib, INTS).masked_fill_(t(lib, INTS) > 3, -1)),
    ("index_select", lambda lib: t(lib, A).index_select(1, lib.tensor([3, 0, 0]))),
    ("take_along_dim", lambda lib: lib.take_along_dim(t(lib, A), lib.tensor([[0], [3], [1]]), 1)),
    ("take_along_dim argsort", lambda lib: t(lib, A).take_along_dim(t(lib, A).argsort(1), dim=1)),
    ("logical_and", lambda lib: lib.logical_and(t(lib, INTS) > 2, t(lib, INTS))),
    ("logical_or", lambda lib: t(lib, A).logical_or(t(lib, A[:1]) * 0)),
    ("logical_xor", lambda lib: t(lib, INTS[:1]).logical_xor(t(lib, A) > 0)),
    ("logical_or shapes that do not broadcast", lambda lib: t(lib, A).logical_or(t(lib, INTS))),
    ("logical_xor shapes that do not broadcast", lambda lib: lib.logical_xor(t(lib, INTS), t(lib, A))),
    ("bitwise_and shapes that do not broadcast", lambda lib: t(lib, INTS).bitwise_and(t(lib, INTS[:, :3]))),
    ("logical_not", lambda lib: lib.logical_not(t(lib, A))),
    ("isclose", lambda lib: t(lib, A).isclose(t(lib, A) + 1e-9)),
    ("isclose atol", lambda lib: lib.isclose(t(lib, A), t(lib, A) + 0.1, atol=0.2)),
    ("allclose", lambda lib: lib.allclose(t(lib, A), t(lib, A) * (1 + 1e-6))),
    ("flip", lambda lib: t(lib, A).flip(0, 1)),
    ("flip list", lambda lib: lib.flip(t(lib, A), [1])),
    ("fliplr flipud", lambda lib: t(lib, A).fliplr().flipud()),
    ("tril int", lambda lib: lib.tril(t(lib, INTS), 1)),
    ("triu bool", lambda lib: lib.triu(t(lib, INTS) > 2)),
    ("roll", lambda lib: t(lib, A).roll(1, 0)),
    ("roll flat", lambda lib: t(lib, A).roll(-3)),
    ("roll dims", lambda lib: lib.roll(t(lib, A), (1, -2), (0, 1))),
    ("cumsum int", lambda lib: t(lib, INTS).cumsum(0)),
    ("cumsum bool", lambda lib: (t(lib, INTS) > 2).cumsum(1)),
    ("cumsum float dtype", lambda lib: lib.cumsum(t(lib, A), 1, dtype=lib.float32)),
    ("logit", lambda lib: (t(lib, A).abs() / 5).logit()),
    ("logit eps", lambda lib: lib.logit(t(lib, A), eps=0.1)),
    ("logit int", lambda lib: t(lib, INTS).logit()),
    ("deg2rad rad2deg", lambda lib: lib.rad2deg(t(lib, A)).deg2rad()),
    ("deg2rad int", lambda lib: lib.deg2rad(t(lib, INTS))),
    ("dist", lambda lib: t(lib, A).dist(t(lib, A[:1]))),
    ("dist p=1", lambda lib: lib.dist(t(lib, A), t(lib, A) * 0, 1)),
    ("bincount", lambda lib: t(lib, INTS[0]).bincount()),
    ("bincount minlength", lambda lib: lib.bincount(t(lib, INTS[1]), minlength=12)),
    ("bincount weights float64", lambda lib: t(lib, INTS[0]).bincount(t(lib, A[0]))),
    ("bincount weights float32", lambda lib: t(lib, INTS[0]).bincount(lib.tensor(A[0], dtype=lib.float32))),
    ("bincount 2-d", lambda lib: t(lib, INTS).bincount()),
    ("bincount negative", lambda lib: t(lib, -INTS[0]).bincount()),
    ("cdist", lambda lib: lib.cdist(t(lib, A), t(lib, A[:2] * 2))),
    ("cdist p=1 batched", lambda lib: lib.cdist(t(lib, A.reshape(1, 3, 4)), t(lib, A[:2].reshape(1, 2, 4)), p=1.0)),
    ("hstack", lambda lib: lib.hstack([t(lib, A), t(lib, A[:, :1])])),
    ("hstack 1-d and 0-d", lambda lib: lib.hstack((t(lib, A[0]), lib.tensor(5.0, dtype=lib.float64)))),
    ("vstack", lambda lib: lib.vstack([t(lib, A), t(lib, A[0])])),
    ("row_stack", lambda lib: lib.row_stack([t(lib, A[1]), t(lib, A[0])])),
    ("dstack", lambda lib: lib.dstack([t(lib, A), t(lib, A)])),
    ("column_stack", lambda lib: lib.column_stack([t(lib, A[:, 0]), t(lib, A), t(lib, A[:, 1])])),
    ("atleast_1d", lambda lib: lib.atleast_1d(lib.tensor(3.0))),
    ("atleast_2d many", lambda lib: lib.atleast_2d(lib.tensor(3.0), t(lib, A[0]), t(lib, A))),
    ("atleast_3d list", lambda lib: lib.atleast_3d([t(lib, A[0]), t(lib, A)])),
    ("tril_indices", lambda lib: lib.tril_indices(3, 4)),
    ("triu_indices offset", lambda lib: lib.triu_indices(4, 3, 1)),
    ("tril_indices negative offset", lambda lib: lib.tril_indices(4, 4, -1)),
    ("inner", lambda lib: t(lib, A).inner(t(lib, A[:2]))),
    ("inner 1-d", lambda lib: lib.inner(t(lib, A[0]), t(lib, A[1]))),
    ("inner 0-d", lambda lib: lib.inner(t(lib, A), lib.tensor(2.0, dtype=lib.float64))),
    ("inner 3-d", lambda lib: t(lib, A.reshape(3, 2, 2)).inner(t(lib, A[:, :2]))),
    ("inner last dims differ", lambda lib: t(lib, A).inner(t(lib, A.T))),
    ("positive", lambda lib: lib.positive(t(lib, A))),
    ("positive bool", lambda lib: (t(lib, A) > 0).positive()),
    ("signbit", lambda lib: lib.signbit(lib.tensor([-0.0, 0.0, -1.5, 2.0, float("-inf")]))),
    ("isposinf isneginf", lambda lib: lib.tensor([float("inf"), -float("inf"), 1.0]).isposinf()),
    ("isneginf", lambda lib: lib.isneginf(lib.tensor([float("inf"), -float("inf"), 1.0]))),
    ("msort", lambda lib: t(lib, A).msort()),
    ("is_nonzero", lambda lib: lib.tensor([0.5]).is_nonzero()),
    ("is_nonzero of zero", lambda lib: lib.is_nonzero(lib.tensor([[0]]))),
    ("is_nonzero of two", lambda lib: lib.tensor([1, 2]).is_nonzero()),
    ("is_same_size", lambda lib: t(lib, A).is_same_size(t(lib, A.T))),
    ("multinomial shape dtype", lambda lib: t(lib, np.abs(A)).multinomial(2).shape),
    ("multinomial dtype", lambda lib: t(lib, np.abs(A)).multinomial(3, replacement=True).dtype == lib.int64),
    ("bernoulli of 0 and 1", lambda lib: lib.tensor([0.0, 1.0, 1.0]).bernoulli()),
]


def as_numpy_tree(out: Any) -> Any:
    """A result as NumPy values and dtype names: a tensor, a tuple of them, or a plain Python value."""
    if isinstance(out, (tuple, list)):
        return [as_numpy_tree(o) for o in out]
    if isinstance(out, (tg.Tensor, torch.Tensor)):
        return (to_numpy(out), dtype_name(out))
    return out


def assert_same(ours: Any, theirs: Any) -> None:
    if isinstance(theirs, list):
        assert isinstance(ours, list) and len(ours) == len(theirs), (ours, theirs)
        for a, b in zip(ours, theirs):
            assert_same(a, b)
    elif isinstance(theirs, tuple) and len(theirs) == 2 and isinstance(theirs[0], np.ndarray):
        assert ours[1] == theirs[1], f"dtype {ours[1]}, torch {theirs[1]}"
        assert ours[0].shape == theirs[0].shape, f"shape {ours[0].shape}, torch {theirs[0].shape}"
        np.testing.assert_allclose(ours[0], theirs[0], rtol=1e-6, atol=1e-12)
    else:
        assert ours == theirs


@pytest.mark.parametrize("name, call", METHODS, ids=[row[0] for row in METHODS])
def test_methods_courses_use_match_torch(name: str, call: Any) -> None:
    try:
        expected = as_numpy_tree(call(torch))
    except Exception as error:  # noqa: BLE001 (PyTorch refuses: so must we, as a RuntimeError-compatible error)
        with pytest.raises((RuntimeError, ValueError, IndexError)) as ours:
            call(tg)
        assert name.split()[0] in str(ours.value), f"the error does not name the op: {ours.value} (torch: {error})"
        return
    assert_same(as_numpy_tree(call(tg)), expected)


# In-place methods: (name, call on a tensor that changes it): the values, dtype and identity as torch's.
IN_PLACE = [
    ("abs_", lambda x: x.abs_()),
    ("neg_", lambda x: x.neg_()),
    ("negative_", lambda x: x.negative_()),
    ("sqrt_ of |x|", lambda x: x.abs_().sqrt_()),
    ("rsqrt_ of |x|", lambda x: x.abs_().rsqrt_()),
    ("log_ of |x|", lambda x: x.abs_().log_()),
    ("log2_ log10_ log1p_", lambda x: x.abs_().log2_().abs_().log10_().abs_().log1p_()),
    ("exp2_ expm1_", lambda x: x.exp2_().expm1_()),
    ("sin_ cos_ tan_", lambda x: x.sin_().cos_().tan_()),
    ("asin_ acos_ atan_", lambda x: x.sin_().asin_().cos_().acos_().atan_()),
    ("arcsin_ arctan_", lambda x: x.sin_().arcsin_().arctan_()),
    ("sinh_ cosh_ asinh_ acosh_ atanh_", lambda x: x.sinh_().asinh_().cosh_().acosh_().tanh_().atanh_()),
    ("floor_ ceil_ trunc_ round_", lambda x: x.mul_(3).floor_().div_(2).ceil_().div_(3).trunc_().add_(0.5).round_()),
    ("round_ decimals frac_ fix_", lambda x: x.round_(decimals=1).frac_().mul_(5).fix_()),
    ("sign_ sgn_", lambda x: x.sign_().sgn_()),
    ("reciprocal_ square_", lambda x: x.reciprocal_().square_()),
    ("erf_ erfc_", lambda x: x.erf_().erfc_()),
    ("nan_to_num_", lambda x: x.log_().nan_to_num_(nan=7.0)),
    ("clamp_ clamp_min_ clamp_max_", lambda x: x.clamp_(-1, 1.5).clamp_min_(-0.5).clamp_max_(1.0)),
    ("remainder_ fmod_", lambda x: x.remainder_(0.7).fmod_(-0.4)),
    ("atan2_ arctan2_ hypot_", lambda x: x.atan2_(torch_or_tg(x).ones_like(x) * 2).arctan2_(x * 0 + 0.5).hypot_(x)),
    ("copysign_ xlogy_", lambda x: x.copysign_(-1.0).xlogy_(x.abs() + 1)),
    ("lerp_", lambda x: x.lerp_(x * 0 + 1, 0.25)),
    ("floor_divide_ true_divide_ divide_", lambda x: x.floor_divide_(0.3).true_divide_(4).divide_(2)),
    ("multiply_ subtract_", lambda x: x.multiply_(3).subtract_(x * 0 + 1, alpha=2)),
    ("logical_and_ logical_or_", lambda x: x.logical_and_(x > 0).logical_or_(x * 0)),
    ("logical_xor_ logical_not_", lambda x: x.logical_xor_(x > 1).logical_not_()),
    ("lt_ ge_", lambda x: x.lt_(1.0).ge_(0.5)),
    ("eq_ ne_ le_ gt_", lambda x: x.clamp_(0, 1).eq_(1.0).ne_(0.0).le_(0.5).gt_(0.5)),
    ("less_ greater_equal_ not_equal_", lambda x: x.less_(1.0).greater_equal_(1.0).not_equal_(1.0)),
    ("tril_ triu_", lambda x: x.tril_(1).triu_(-1)),
    ("cumsum_ cumprod_", lambda x: x.cumsum_(1).cumprod_(0)),
    ("index_fill_", lambda x: x.index_fill_(1, index_of(x, [0, 3]), -2.0)),
    ("index_copy_", lambda x: x.index_copy_(0, index_of(x, [2, 0]), x[:2] * 10)),
    ("masked_fill_", lambda x: x.masked_fill_(x > 1, 0.0)),
    ("masked_scatter_", lambda x: x.masked_scatter_(x > 1, x * 100)),
    ("scatter_reduce_", lambda x: x.scatter_reduce_(1, index_of(x, [[0, 0], [1, 1], [3, 0]]), x[:, :2], "amax")),
]
INT_IN_PLACE = [
    ("bitwise_and_ bitwise_or_", lambda x: x.bitwise_and_(6).bitwise_or_(8)),
    ("bitwise_xor_ bitwise_not_", lambda x: x.bitwise_xor_(5).bitwise_not_()),
    ("bitwise shifts_", lambda x: x.bitwise_left_shift_(2).bitwise_right_shift_(1)),
    ("abs_ neg_ square_ of ints", lambda x: x.neg_().abs_().square_()),
    ("sqrt_ of ints (refused)", lambda x: x.sqrt_()),
    ("cumsum_ of ints", lambda x: x.cumsum_(0)),
    ("tril_ of ints", lambda x: x.tril_()),
]


def torch_or_tg(x: Any) -> Any:
    return torch if isinstance(x, torch.Tensor) else tg


def index_of(x: Any, data: Any) -> Any:
    return torch_or_tg(x).tensor(data)


def run_in_place(lib: Any, call: Any, array: np.ndarray) -> tuple[str, Any]:
    x = lib.tensor(array)
    try:
        out = call(x)
    except Exception as error:  # noqa: BLE001 (compared below)
        return "error", error
    assert out is x, "an in-place method returns self"
    return "ok", (to_numpy(x).copy(), dtype_name(x))


@pytest.mark.parametrize(
    "name, call, array",
    [(n, c, A) for n, c in IN_PLACE] + [(n, c, INTS) for n, c in INT_IN_PLACE],
    ids=[n for n, _ in IN_PLACE + INT_IN_PLACE],
)
def test_in_place_methods_match_torch(name: str, call: Any, array: np.ndarray) -> None:
    ours, theirs = run_in_place(tg, call, array), run_in_place(torch, call, array)
    assert ours[0] == theirs[0], f"{name}: tinygrad_edu {ours[1]!r}, torch {theirs[1]!r}"
    if ours[0] == "error":
        assert isinstance(ours[1], RuntimeError)
        return
    assert ours[1][1] == theirs[1][1]
    np.testing.assert_allclose(ours[1][0], theirs[1][0], rtol=1e-6, atol=1e-12, equal_nan=True)


def test_in_place_method_in_the_graph_sends_the_gradient_of_its_op() -> None:
    grads = []
    for lib in (tg, torch):
        w = lib.tensor(A, requires_grad=True)
        h = w * 1.0
        h.abs_().tril_().sqrt_()
        h.sum().backward()
        grads.append(to_numpy(w.grad))
    np.testing.assert_allclose(grads[0], grads[1], rtol=1e-12)


# ---- 2. nn.Parameter(t) shares t's data; PyTorch's also shares its version counter ----------------------


def test_parameter_shares_its_tensors_version_counter_as_torch() -> None:
    for lib in (torch, tg):
        t = lib.tensor([1.0, 2.0])
        p = lib.nn.Parameter(t)
        loss = (p * p).sum()  # saves p
        t.add_(1)  # changes the data p holds: backward must refuse, as in PyTorch
        with pytest.raises(RuntimeError, match="modified by an inplace operation"):
            loss.backward()


def test_abs_sends_no_nan_back_from_a_nan_input_as_torch() -> None:
    # d|x|/dx = sgn(x), and PyTorch's sgn(nan) is 0: |log(-1)|'s gradient is 0 * (1 / -1) = -0, not nan
    grads = []
    for lib in (tg, torch):
        x = lib.tensor([-1.0, 2.0], requires_grad=True)
        with np.errstate(invalid="ignore"):
            x.log().abs().sum().backward()
        grads.append(to_numpy(x.grad))
    np.testing.assert_array_equal(grads[0], grads[1])
