"""torch's remaining top-level functions next to PyTorch (tinygrad_edu/functional_top.py, functional_top_ops.py,
functional_top_aliases.py, func.py, tensor_top.py): as_tensor, asarray, fmax/fmin, gcd/lcm, heaviside, the scatters,
index_reduce, put, range, vmap, the settings functions, the nn.functional names at the top level and the
in-place `torch.exp_` family.

The rows are written once as `fn(lib, *inputs)` and run with `lib = tinygrad_edu` and `lib = torch` on the same NumPy
inputs; values, dtypes and the gradients of a weighted sum of the outputs are compared. The error rows check that
tinygrad_edu refuses what PyTorch refuses. Skipped where torch is not installed.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
import warnings
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
import pytest

import tinygrad_edu as tg
from tests.parity import assert_refused_as_pytorch
from tinygrad_edu import functional_top, functional_top_aliases, functional_top_ops

torch = pytest.importorskip("torch")
pytestmark = pytest.mark.filterwarnings("ignore:index_reduce\\(\\) is in beta")  # (PyTorch's own warning)

RNG = np.random.default_rng(11)
NAN = float("nan")
ROOT = Path(__file__).resolve().parents[1]


def to_numpy(t: Any) -> np.ndarray:
    return t.detach().numpy() if isinstance(t, torch.Tensor) else np.asarray(t.data)


def dtype_name(t: Any) -> str:
    return str(t.dtype).removeprefix("torch.")


def distinct(*shape: int) -> np.ndarray:
    """float64 values, all different (no ties), in about [-2, 2]."""
    return RNG.permutation(np.linspace(-2.0, 2.0, int(np.prod(shape)))).reshape(shape) + RNG.uniform(0, 0.01, shape)


def weights(shape: tuple) -> np.ndarray:
    """A fixed, uneven weight per output element: the gradient of sum(out * w) checks every element."""
    return (np.cos(np.arange(int(np.prod(shape)))) + 1.5).reshape(shape)


class Row(NamedTuple):
    name: str
    fn: Any  # fn(lib, *tensors) -> a tensor or a tuple of tensors
    inputs: list  # NumPy arrays: float ones require grad in the gradient check
    grad: bool = True  # compare gradients too


def run(lib: Any, row: Row) -> tuple[list, list]:
    tensors = []
    for a in row.inputs:
        t = lib.tensor(a)
        if row.grad and a.dtype.kind == "f":
            t.requires_grad_()
        tensors.append(t)
    out = row.fn(lib, *tensors)
    outs = list(out) if isinstance(out, (tuple, list)) else [out]
    values = [(to_numpy(o), dtype_name(o)) for o in outs]
    grads: list = []
    if row.grad:
        total = None
        for o in outs:
            if o.requires_grad:
                term = (o * lib.tensor(weights(tuple(o.shape)), dtype=o.dtype)).sum()
                total = term if total is None else total + term
        assert total is not None, f"{row.name}: no output requires grad in {lib.__name__}"
        total.backward()
        grads = [None if t.grad is None else to_numpy(t.grad) for t in tensors]
    return values, grads


def check(row: Row) -> None:
    tg_values, tg_grads = run(tg, row)
    torch_values, torch_grads = run(torch, row)
    assert len(tg_values) == len(torch_values), f"{row.name}: {len(tg_values)} outputs, torch {len(torch_values)}"
    for (ours, our_dtype), (theirs, their_dtype) in zip(tg_values, torch_values, strict=True):
        assert our_dtype == their_dtype, f"{row.name}: dtype {our_dtype}, torch {their_dtype}"
        assert ours.shape == theirs.shape, f"{row.name}: shape {ours.shape}, torch {theirs.shape}"
        np.testing.assert_allclose(ours, theirs, rtol=1e-5, atol=1e-6, equal_nan=True, err_msg=row.name)
    for i, (ours, theirs) in enumerate(zip(tg_grads, torch_grads, strict=True)):
        if theirs is None or ours is None:  # (a zero gradient may be None on either side)
            other = theirs if ours is None else ours
            assert other is None or not np.any(other), f"{row.name}: input {i} has a gradient on one side only"
            continue
        np.testing.assert_allclose(ours, theirs, rtol=1e-5, atol=1e-6, equal_nan=True, err_msg=f"{row.name} grad {i}")


X34 = distinct(3, 4)
Y34 = distinct(3, 4)
X35 = distinct(3, 5)
X234 = distinct(2, 3, 4)
X333 = distinct(3, 3, 3)
V3, V4, V5 = distinct(3), distinct(4), distinct(5)
WITH_NANS = np.array([1.0, NAN, 2.0, NAN, -3.0, 0.5])
OTHER_NANS = np.array([NAN, 3.0, 5.0, NAN, -4.0, 0.5])  # (the last pair ties: the gradient goes to input)
INTS = np.array([12, -9, 0, 7, 0, -15])
INTS2 = np.array([18, 6, 5, -21, 0, 10])
I4 = np.array([4, 0, 2])

ROWS = [
    Row("fmax with nans", lambda lib, a, b: lib.fmax(a, b), [WITH_NANS, OTHER_NANS]),
    Row("fmin with nans", lambda lib, a, b: lib.fmin(a, b), [WITH_NANS, OTHER_NANS]),
    Row("fmax broadcast", lambda lib, a, b: lib.fmax(a, b), [X34, V4]),
    Row("fmin float32 and float64", lambda lib, a, b: lib.fmin(a.float(), b), [X34, Y34]),
    Row("fmax ints", lambda lib, a, b: lib.fmax(a, b), [INTS, INTS2], False),
    Row("gcd", lambda lib, a, b: lib.gcd(a, b), [INTS, INTS2], False),
    Row("lcm", lambda lib, a, b: lib.lcm(a, b), [INTS, INTS2], False),
    Row("gcd int32 and int64", lambda lib, a, b: lib.gcd(a.int(), b), [INTS, INTS2], False),
    Row("heaviside", lambda lib, x, v: lib.heaviside(x, v), [np.array([-1.0, 0.0, 2.0, NAN]), np.array(0.5)], False),
    Row("heaviside ints", lambda lib, x, v: lib.heaviside(x, v), [np.array([-2, 0, 3]), np.array([7, 8, 9])], False),
    Row("angle", lambda lib, x: lib.angle(x), [np.array([-2.0, 0.0, 3.0, NAN, -0.0])]),
    Row("angle of ints", lambda lib, x: lib.angle(x), [np.array([-2, 0, 3])], False),
    Row("real, conj, resolve_conj, resolve_neg", lambda lib, x: (lib.real(x), lib.conj(x), lib.resolve_conj(x)), [X34]),
    Row("conj_physical", lambda lib, x: lib.conj_physical(x), [V3]),
    Row("vdot", lambda lib, a, b: lib.vdot(a, b), [V5, V5[::-1].copy()]),
    Row("ger", lambda lib, a, b: lib.ger(a, b), [V3, V4]),
    Row("rsub tensor", lambda lib, a, b: lib.rsub(a, b), [X34, V4]),
    Row("rsub number alpha", lambda lib, a: lib.rsub(a, 2.0, alpha=3), [X34]),
    Row("rsub ints and a float", lambda lib, a: lib.rsub(a, 2.5), [INTS], False),
    Row("hsplit sections", lambda lib, x: lib.hsplit(x, 3), [X234]),
    Row("hsplit indices", lambda lib, x: lib.hsplit(x, [1, 3]), [X34]),
    Row("hsplit 1-D", lambda lib, x: lib.hsplit(x, 2), [V4]),
    Row("vsplit", lambda lib, x: lib.vsplit(x, [2]), [X34]),
    Row("dsplit", lambda lib, x: lib.dsplit(x, 2), [X234]),
    Row("select_scatter", lambda lib, x, s: lib.select_scatter(x, s, 1, -1), [X34, V3]),
    Row("select_scatter dim 0", lambda lib, x, s: lib.select_scatter(x, s, 0, 1), [X34, V4]),
    Row("slice_scatter", lambda lib, x, s: lib.slice_scatter(x, s, 1, 1, None, 2), [X35, distinct(3, 2)]),
    Row("slice_scatter defaults", lambda lib, x, s: lib.slice_scatter(x, s), [X34, Y34]),
    Row("slice_scatter end", lambda lib, x, s: lib.slice_scatter(x, s, 0, end=2), [X34, distinct(2, 4)]),
    Row("diagonal_scatter", lambda lib, x, s: lib.diagonal_scatter(x, s), [X34, V3]),
    Row("diagonal_scatter offset 1", lambda lib, x, s: lib.diagonal_scatter(x, s, 1), [X34, V3]),
    Row("diagonal_scatter offset -1", lambda lib, x, s: lib.diagonal_scatter(x, s, -1), [X34, distinct(2)]),
    Row("diagonal_scatter dims 0, 2", lambda lib, x, s: lib.diagonal_scatter(x, s, 0, 0, 2), [X333, distinct(3, 3)]),
    Row("diagonal_scatter dims 2, 1", lambda lib, x, s: lib.diagonal_scatter(x, s, 1, 2, 1), [X333, distinct(3, 2)]),
    *[
        Row(
            f"index_reduce {how} include_self={keep}",
            lambda lib, x, s, how=how, keep=keep: lib.index_reduce(
                x, 0, lib.tensor([0, 2, 0, 4]), s, how, include_self=keep
            ),
            [distinct(5, 3), distinct(4, 3)],
        )
        for how in ("prod", "mean", "amax", "amin")
        for keep in (True, False)
    ],
    Row(
        "index_reduce dim 1 method",
        lambda lib, x, s: x.index_reduce(1, lib.tensor([3, 3]), s, "amax"),
        [X34, distinct(3, 2)],
    ),
    Row("put", lambda lib, x, s: lib.put(x, lib.tensor([0, 5, -1]), s), [X34, V3]),
    Row("put accumulate", lambda lib, x, s: x.put(lib.tensor([[1, 1], [2, 1]]), s, accumulate=True), [X34, V4]),
    Row("fill number", lambda lib, x: lib.fill(x, 2.5), [X34]),
    Row("fill int tensor with a float", lambda lib, x: lib.fill(x, 2.5), [INTS], False),
    Row("fill 0-d tensor", lambda lib, x, v: lib.fill(x, v), [X34, np.array(1.5)]),
    Row("concat", lambda lib, a, b: lib.concat([a, b], dim=1), [X34, X35[:, :3].T.copy()[:3]]),
    Row("concatenate axis", lambda lib, a, b: lib.concatenate([a, b], axis=0), [X34, Y34]),
    Row("as_tensor of a tensor to float32", lambda lib, x: lib.as_tensor(x, dtype=lib.float32), [X34]),
    Row("scalar_tensor", lambda lib: lib.scalar_tensor(3), [], False),
    Row("scalar_tensor dtype", lambda lib: lib.scalar_tensor(3, dtype=lib.int32), [], False),
    Row("scalar_tensor bool", lambda lib: lib.scalar_tensor(True), [], False),
    Row("unravel_index", lambda lib: lib.unravel_index(lib.tensor([5, 0, -1, 11]), (3, 4)), [], False),
    Row("unravel_index int shape", lambda lib: lib.unravel_index(lib.tensor(3), 5), [], False),
    Row(
        "unravel_index past the end wraps", lambda lib: lib.unravel_index(lib.tensor([12, -13, 30]), (3, 4)), [], False
    ),
    # the nn.functional ops under their top-level names, in ATen's signatures
    Row("dropout eval", lambda lib, x: lib.dropout(x, 0.5, False), [X34]),
    Row("embedding weight first", lambda lib, w: lib.embedding(w, lib.tensor([[2, 0], [1, 2]])), [X34]),
    Row("embedding padding_idx", lambda lib, w: lib.embedding(w, lib.tensor([2, 0, 0]), 0), [X34]),
    Row("layer_norm", lambda lib, x, w, b: lib.layer_norm(x, [4], w, b, 1e-5, False), [X34, V4, V4[::-1].copy()]),
    Row("group_norm", lambda lib, x: lib.group_norm(x, 2), [distinct(2, 4, 3)]),
    Row(
        "batch_norm training, ATen's order",
        lambda lib, x, w, b: lib.batch_norm(x, w, b, None, None, True, 0.1, 1e-5, False),
        [X34, V4, V4[::-1].copy()],
    ),
    Row(
        "batch_norm with running stats",
        lambda lib, x, w, b: lib.batch_norm(
            x, w, b, lib.tensor([0.5, 0, 1, -1], dtype=x.dtype), lib.ones(4, dtype=x.dtype) * 2, False, 0.1, 1e-5, True
        ),
        [X34, V4, V4[::-1].copy()],
    ),
    Row("conv1d", lambda lib, x, w: lib.conv1d(x, w, None, 1, 1), [distinct(2, 3, 6), distinct(4, 3, 3)]),
    Row("conv2d", lambda lib, x, w: lib.conv2d(x, w, stride=2), [distinct(1, 2, 5, 5), distinct(3, 2, 3, 3)]),
    Row("conv3d", lambda lib, x, w: lib.conv3d(x, w), [distinct(1, 1, 3, 3, 3), distinct(2, 1, 2, 2, 2)]),
    Row(
        "conv_transpose1d",
        lambda lib, x, w: lib.conv_transpose1d(x, w, None, 2),
        [distinct(1, 2, 4), distinct(2, 3, 3)],
    ),
    Row("conv_transpose2d", lambda lib, x, w: lib.conv_transpose2d(x, w), [distinct(1, 2, 3, 3), distinct(2, 1, 2, 2)]),
    Row(
        "conv_transpose3d",
        lambda lib, x, w: lib.conv_transpose3d(x, w, stride=2),
        [distinct(1, 2, 2, 2, 2), distinct(2, 1, 2, 2, 2)],
    ),
    Row("max_pool1d", lambda lib, x: lib.max_pool1d(x, 2), [distinct(2, 3, 6)]),
    Row("max_pool2d stride padding", lambda lib, x: lib.max_pool2d(x, 3, 2, 1), [distinct(1, 2, 5, 5)]),
    Row("max_pool3d", lambda lib, x: lib.max_pool3d(x, 2), [distinct(1, 1, 4, 4, 4)]),
    Row("avg_pool1d", lambda lib, x: lib.avg_pool1d(x, 3, 2, 1), [distinct(2, 3, 7)]),
    Row("adaptive_avg_pool1d", lambda lib, x: lib.adaptive_avg_pool1d(x, 3), [distinct(2, 3, 7)]),
    Row("adaptive_max_pool1d values and indices", lambda lib, x: lib.adaptive_max_pool1d(x, 3), [distinct(2, 3, 7)]),
    Row("kl_div default (none, as PyTorch's binding)", lambda lib, x, t: lib.kl_div(x, t.exp()), [X34, Y34]),
    Row("kl_div mean", lambda lib, x, t: lib.kl_div(x, t.exp(), 1), [X34, Y34]),
    Row("kl_div sum log_target", lambda lib, x, t: lib.kl_div(x, t, 2, log_target=True), [X34, Y34]),
    Row("kl_div none", lambda lib, x, t: lib.kl_div(x, t.exp(), 0), [X34, Y34]),
    Row("threshold", lambda lib, x: lib.threshold(x, 0.1, -5.0), [X34]),
    Row("selu, celu", lambda lib, x: (lib.selu(x), lib.celu(x, 0.7)), [X34]),
    Row("prelu", lambda lib, x, w: lib.prelu(x, w), [distinct(2, 3, 4), np.array([0.25, 0.5, 0.1])]),
    Row(
        "binary_cross_entropy_with_logits pos_weight, sum",
        lambda lib, x, t: lib.binary_cross_entropy_with_logits(x, t.sigmoid(), None, lib.tensor(np.abs(V4) + 0.5), 2),
        [X34, Y34],
    ),
    Row(
        "binary_cross_entropy_with_logits default",
        lambda lib, x, t: lib.binary_cross_entropy_with_logits(x, t.sigmoid()),
        [X34, Y34],
    ),
    Row(
        "poisson_nll_loss",
        lambda lib, x, t: lib.poisson_nll_loss(x, t.abs(), True, True, 1e-8, 1),
        [X34, Y34],
    ),
    Row(
        "margin_ranking_loss",
        lambda lib, a, b: lib.margin_ranking_loss(a, b, lib.tensor([1.0, -1.0, 1.0, -1.0], dtype=a.dtype), 0.2, 0),
        [V4, V4[::-1].copy()],
    ),
    Row(
        "cosine_embedding_loss",
        lambda lib, a, b: lib.cosine_embedding_loss(a, b, lib.tensor([1.0, -1.0, 1.0], dtype=a.dtype), 0.1),
        [X34, Y34],
    ),
    Row(
        "margin_ranking_loss, cosine_embedding_loss default reduction",
        lambda lib, a, b: (
            lib.margin_ranking_loss(a[0], b[1], lib.tensor([1.0, -1.0, 1.0, -1.0], dtype=a.dtype)),
            lib.cosine_embedding_loss(a, b, lib.tensor([1.0, -1.0, 1.0], dtype=a.dtype), 0.1, 1),
        ),
        [X34, Y34],
    ),
    Row("constant_pad_nd", lambda lib, x: lib.constant_pad_nd(x, [1, 2, 0, 1], 3.5), [X34]),
]


@pytest.mark.parametrize("row", ROWS, ids=[row.name for row in ROWS])
def test_values_dtypes_and_gradients_match_pytorch(row: Row) -> None:
    check(row)


@pytest.mark.parametrize(
    "name", ["exp_", "sqrt_", "abs_", "relu_", "sigmoid_", "tanh_", "clamp_", "zero_", "fill_", "selu_", "celu_"]
)
def test_in_place_functions_change_their_input_as_pytorch(name: str) -> None:
    args = {"clamp_": (-0.5, 0.5), "fill_": (2.0,)}.get(name, ())
    ours, theirs = tg.tensor(np.abs(X34) + 0.1), torch.tensor(np.abs(X34) + 0.1)
    ours_out, theirs_out = getattr(tg, name)(ours, *args), getattr(torch, name)(theirs, *args)
    assert ours_out is ours and theirs_out is theirs
    np.testing.assert_allclose(ours.data, theirs.numpy(), rtol=1e-6, err_msg=name)


def test_threshold_and_dropout_in_place_forms() -> None:
    ours, theirs = tg.tensor(X34.copy()), torch.tensor(X34.copy())
    tg.threshold_(ours, 0.2, 9.0)
    torch.threshold_(theirs, 0.2, 9.0)
    np.testing.assert_allclose(ours.data, theirs.numpy())
    assert tg.dropout_(ours, 0.3, False) is ours


def test_every_in_place_alias_is_a_torch_function_and_a_tinygrad_edu_method() -> None:
    names = functional_top_aliases.IN_PLACE
    assert [n for n in names if not callable(getattr(torch, n, None))] == []
    assert [n for n in names if not callable(getattr(tg.Tensor, n, None))] == []
    # and none is forgotten: every in-place method of ours that torch has at the top level is there
    ours = {
        n for n in dir(tg.Tensor) if n.endswith("_") and not n.startswith("_") and callable(getattr(torch, n, None))
    }
    assert sorted(ours - set(names) - set(functional_top_aliases.__all__)) == []


def test_every_nn_functional_op_that_torch_has_at_the_top_level_is_there() -> None:
    names = [n for n in dir(tg.nn.functional) if not n.startswith("_") and callable(getattr(torch, n, None))]
    assert [n for n in names if not hasattr(tg, n)] == []


def test_star_import_keeps_python_range_and_func_names_what_it_lacks() -> None:
    namespace: dict = {}
    exec("from tinygrad_edu import *", namespace)  # noqa: S102
    assert "range" not in namespace and "vmap" in namespace and "fmax" in namespace
    assert tg.range is functional_top.range
    assert tg.func.vmap is tg.vmap
    with pytest.raises(AttributeError, match=r"does not implement torch\.func\.jacrev"):
        tg.func.jacrev  # noqa: B018


def test_each_new_name_is_a_torch_name() -> None:
    for module in (functional_top, functional_top_ops, functional_top_aliases):
        assert [n for n in module.__all__ if not hasattr(torch, n)] == [], module.__name__
        assert [n for n in module.__all__ if getattr(tg, n) is not getattr(module, n)] == [], module.__name__
    for name in ("put", "put_", "index_reduce", "index_reduce_"):
        assert hasattr(torch.Tensor, name) and callable(getattr(tg.Tensor, name))


# ---- making tensors: memory sharing, dtypes ------------------------------------------------------------------


def test_as_tensor_shares_memory_where_pytorch_does() -> None:
    for lib in (tg, torch):
        a = np.zeros(3)
        shared, converted = lib.as_tensor(a), lib.as_tensor(a, dtype=lib.float32)
        a[0] = 5.0
        assert to_numpy(shared)[0] == 5.0 and to_numpy(converted)[0] == 0.0, lib.__name__
        assert dtype_name(shared) == "float64" and dtype_name(converted) == "float32"
        t = lib.ones(2)
        assert lib.as_tensor(t) is t
        assert dtype_name(lib.as_tensor([1, 2])) == "int64" and dtype_name(lib.as_tensor([1.0])) == "float32"
    with pytest.raises(RuntimeError, match="not available"):
        tg.as_tensor([1.0], device="cuda")


def test_asarray_shares_copies_and_refuses_as_pytorch() -> None:
    for lib in (tg, torch):
        a = np.arange(3.0)
        shared, copied = lib.asarray(a), lib.asarray(a, copy=True)
        a[1] = 9.0
        assert to_numpy(shared)[1] == 9.0 and to_numpy(copied)[1] == 1.0, lib.__name__
        t = lib.ones(2)
        alias = lib.asarray(t)
        t.add_(1)
        assert to_numpy(alias).tolist() == [2.0, 2.0], lib.__name__
        assert dtype_name(lib.asarray([1.5, 2], dtype=lib.float64)) == "float64"
        assert lib.asarray(np.ones(2, dtype=np.float32), requires_grad=True).requires_grad
        with pytest.raises(ValueError):  # noqa: PT011
            lib.asarray(np.ones(2), dtype=lib.float32, copy=False)
        x = lib.ones(2, requires_grad=True) * 2
        assert lib.asarray(x, requires_grad=None).grad_fn is not None, lib.__name__  # the graph kept
        assert not lib.asarray(x, requires_grad=False).requires_grad
        assert lib.asarray(x, copy=True, requires_grad=None).requires_grad


def test_range_includes_end_has_the_float_dtype_and_warns() -> None:
    for args, kwargs in [((1, 4), {}), ((0, 1, 0.25), {}), ((5, 1, -2), {}), ((0, 3), {"dtype": torch.int64})]:
        with pytest.warns(UserWarning, match="torch.range is deprecated"):
            ours = tg.range(*args, **({"dtype": tg.int64} if kwargs else {}))
        with pytest.warns(UserWarning):
            theirs = torch.range(*args, **kwargs)
        assert dtype_name(ours) == dtype_name(theirs)
        np.testing.assert_allclose(ours.data, theirs.numpy())
    with pytest.raises(RuntimeError), pytest.warns(UserWarning):
        tg.range(0, 1, 0)


def test_dtype_questions_answer_as_pytorch() -> None:
    pairs = [("int64", "float16"), ("uint8", "int8"), ("bool", "int32"), ("float32", "float64"), ("int16", "uint8")]
    for a, b in pairs:
        for x, y in ((a, b), (b, a)):
            theirs = str(torch.promote_types(getattr(torch, x), getattr(torch, y))).removeprefix("torch.")
            assert tg.promote_types(getattr(tg, x), getattr(tg, y)) == np.dtype(theirs)
            assert tg.can_cast(getattr(tg, x), getattr(tg, y)) == torch.can_cast(getattr(torch, x), getattr(torch, y))
    for name in ("float32", "float64", "float16", "int64", "int32", "int16", "int8", "uint8", "bool"):
        ours, theirs = tg.zeros(1, dtype=getattr(tg, name)), torch.zeros(1, dtype=getattr(torch, name))
        assert tg.is_signed(ours) == torch.is_signed(theirs), name
        assert tg.typename(ours) == torch.typename(theirs), name
    for obj in (1.5, "a", np.float64(1), torch.nn.Module, tg.Tensor.add):
        assert tg.typename(obj) == torch.typename(obj), obj


def test_complex_functions_on_real_tensors_answer_as_pytorch() -> None:
    ours, theirs = tg.tensor(X34), torch.tensor(X34)
    assert tg.real(ours) is ours and tg.conj(ours) is ours
    for name in ("is_complex", "is_conj", "is_neg"):
        assert getattr(tg, name)(ours) == getattr(torch, name)(theirs) is False
    with pytest.raises(RuntimeError, match="imag is not implemented"):
        torch.imag(theirs)
    with pytest.raises(RuntimeError, match="imag is not implemented"):
        tg.imag(ours)


def test_settings_are_remembered_and_refused_as_pytorch() -> None:
    threads, interop = tg.get_num_threads(), tg.get_num_interop_threads()
    try:
        tg.set_num_threads(2)
        assert tg.get_num_threads() == 2
        tg.set_num_interop_threads(3)
        assert tg.get_num_interop_threads() == 3
        for bad in (0, -1):
            with pytest.raises(RuntimeError):
                torch.set_num_threads(bad)
            with pytest.raises(RuntimeError):
                tg.set_num_threads(bad)
        with pytest.raises(TypeError):
            tg.set_num_threads(1.5)
    finally:
        tg.set_num_threads(threads)
        tg.set_num_interop_threads(interop)
    assert tg.get_default_device() == tg.device("cpu")
    tg.set_default_device("cpu")
    tg.set_default_device(None)
    with pytest.raises(RuntimeError, match="not available"):
        tg.set_default_device("cuda")
    tg.use_deterministic_algorithms(True, warn_only=True)
    assert tg.are_deterministic_algorithms_enabled() and tg.is_deterministic_algorithms_warn_only_enabled()
    tg.use_deterministic_algorithms(False)
    assert not tg.are_deterministic_algorithms_enabled() and not tg.is_deterministic_algorithms_warn_only_enabled()
    with pytest.raises(TypeError):
        tg.use_deterministic_algorithms(1)
    assert isinstance(tg.set_flush_denormal(False), bool) and isinstance(torch.set_flush_denormal(False), bool)
    assert tg.is_inference_mode_enabled() is torch.is_inference_mode_enabled() is False


def test_broadcast_shapes_as_pytorch() -> None:
    for shapes in [((2, 1), (3,)), ((1,), (4, 1, 5), (3, 1)), (2, (3, 2)), ((),), ((0, 1), (1, 3))]:
        assert tuple(tg.broadcast_shapes(*shapes)) == tuple(torch.broadcast_shapes(*shapes))
    assert type(tg.broadcast_shapes((2,))) is tg.Size
    with pytest.raises(RuntimeError):
        torch.broadcast_shapes((2,), (3,))
    with pytest.raises(RuntimeError):
        tg.broadcast_shapes((2,), (3,))


# ---- refusals ------------------------------------------------------------------------------------------------

ERRORS = [
    ("gcd floats", lambda lib: lib.gcd(lib.tensor([1.0]), lib.tensor([2.0]))),
    ("heaviside dtypes differ", lambda lib: lib.heaviside(lib.tensor([1.0]), lib.tensor([1.0], dtype=lib.float64))),
    ("vdot 2-D", lambda lib: lib.vdot(lib.ones(2, 2), lib.ones(2, 2))),
    ("vdot dtypes differ", lambda lib: lib.vdot(lib.ones(2), lib.ones(2, dtype=lib.float64))),
    ("vdot lengths differ", lambda lib: lib.vdot(lib.ones(2), lib.ones(3))),
    ("hsplit 0-d", lambda lib: lib.hsplit(lib.tensor(1.0), 1)),
    ("hsplit not divisible", lambda lib: lib.hsplit(lib.ones(2, 4), 3)),
    ("vsplit 1-D", lambda lib: lib.vsplit(lib.ones(4), 2)),
    ("dsplit 2-D", lambda lib: lib.dsplit(lib.ones(2, 2), 2)),
    ("select_scatter wrong src shape", lambda lib: lib.select_scatter(lib.ones(3, 4), lib.ones(3), 0, 0)),
    ("slice_scatter wrong src shape", lambda lib: lib.slice_scatter(lib.ones(3, 4), lib.ones(2, 4), 0, 0, 1)),
    ("diagonal_scatter wrong src shape", lambda lib: lib.diagonal_scatter(lib.ones(3, 4), lib.ones(4))),
    ("index_reduce sum", lambda lib: lib.index_reduce(lib.ones(3), 0, lib.tensor([0]), lib.ones(1), "sum")),
    (
        "index_reduce dtypes differ",
        lambda lib: lib.index_reduce(lib.ones(3), 0, lib.tensor([0]), lib.ones(1, dtype=lib.float64), "prod"),
    ),
    ("put out of range", lambda lib: lib.put(lib.ones(2, 2), lib.tensor([4]), lib.ones(1))),
    ("put counts differ", lambda lib: lib.put(lib.ones(2, 2), lib.tensor([0, 1]), lib.ones(3))),
    ("put float index", lambda lib: lib.put(lib.ones(2, 2), lib.tensor([0.0]), lib.ones(1))),
    ("put dtypes differ", lambda lib: lib.put(lib.ones(2, 2), lib.tensor([0]), lib.ones(1, dtype=lib.float64))),
    ("fill 1-D value", lambda lib: lib.fill(lib.ones(2), lib.ones(2))),
    ("unravel_index floats", lambda lib: lib.unravel_index(lib.tensor([1.0]), (2, 2))),
    ("imag of a real tensor", lambda lib: lib.imag(lib.ones(2))),
    ("dropout without train", lambda lib: lib.dropout(lib.ones(2), 0.5)),
    ("poisson_nll_loss without its arguments", lambda lib: lib.poisson_nll_loss(lib.ones(2), lib.ones(2))),
]


@pytest.mark.parametrize("call", [c for _, c in ERRORS], ids=[name for name, _ in ERRORS])
def test_refused_where_pytorch_refuses(call: Any) -> None:
    assert_refused_as_pytorch(call, torch)


# ---- in place: put_ and index_reduce_ ------------------------------------------------------------------------


def test_put_and_index_reduce_in_place_as_pytorch_with_gradients() -> None:
    results = {}
    for lib in (tg, torch):
        x = lib.tensor(X34, requires_grad=True)
        s = lib.tensor(V3, requires_grad=True)
        h = x * 1.5
        h.put_(lib.tensor([0, 7, 7]), s, accumulate=True)
        h.index_reduce_(1, lib.tensor([2, 2, 0]), s.reshape(3, 1).expand(3, 3) * 2, "mean")
        (h * lib.tensor(weights((3, 4)))).sum().backward()
        results[lib.__name__] = (to_numpy(h), to_numpy(x.grad), to_numpy(s.grad))
    for ours, theirs in zip(results["tinygrad_edu"], results["torch"], strict=True):
        np.testing.assert_allclose(ours, theirs, rtol=1e-10)


# ---- vmap ----------------------------------------------------------------------------------------------------

VMAPS = [
    ("a row function", lambda lib, x, w: lib.vmap(lambda r, v: (r * v).sum().sin())(x, w), [X34, Y34]),
    (
        "in_dims (1, None), out_dims 1",
        lambda lib, x, w: lib.vmap(lambda c, v: c * v.sum(), in_dims=(1, None), out_dims=1)(x, w),
        [X34, V5],
    ),
    ("negative in_dims and out_dims", lambda lib, x: lib.vmap(lambda r: r.exp(), -1, -1)(x), [X234]),
    (
        "nested in_dims, tuple outputs and out_dims",
        lambda lib, x, w: lib.vmap(lambda p, k: (p[0] * p[1], p[0].sum() * k), in_dims=((0, 1), None), out_dims=(1, 0))(
            (x, w.T), 2.0
        ),
        [X34, Y34.T.copy()[:4, :3].T.copy()],
    ),
    ("vmap of vmap", lambda lib, x: lib.vmap(lib.vmap(lambda e: e * e + 1))(x), [X234]),
    ("torch.func.vmap, matrix times vector", lambda lib, m, v: lib.func.vmap(lambda a: a @ v)(m), [X234, V4]),
]


@pytest.mark.parametrize("fn, inputs", [(f, i) for _, f, i in VMAPS], ids=[name for name, _, _ in VMAPS])
def test_vmap_values_and_gradients_match_pytorch(fn: Any, inputs: list) -> None:
    check(Row("vmap", fn, inputs))


def test_vmap_randomness_same_gives_every_index_the_same_draws() -> None:
    tg.manual_seed(0)
    same = tg.vmap(lambda x: x + tg.rand(3), randomness="same")(tg.zeros(4, 3))
    assert np.all(same.data == same.data[0]) and np.any(same.data != 0)
    different = tg.vmap(lambda x: x + tg.rand(3), randomness="different")(tg.zeros(4, 3))
    assert len({tuple(row) for row in different.data.tolist()}) == 4
    assert tg.vmap(lambda x: x * 2, chunk_size=2)(tg.ones(3)).tolist() == [2.0, 2.0, 2.0]


VMAP_ERRORS = [
    ("randomness", lambda lib: lib.vmap(lambda x: x, randomness="sometimes")),
    ("sizes differ", lambda lib: lib.vmap(lambda a, b: a + b)(lib.ones(2), lib.ones(3))),
    ("in_dims of the wrong length", lambda lib: lib.vmap(lambda a, b: a + b, in_dims=(0,))(lib.ones(2), lib.ones(2))),
    ("a number mapped over", lambda lib: lib.vmap(lambda a, b: a + b)(lib.ones(2), 1.0)),
    ("nothing mapped over", lambda lib: lib.vmap(lambda a: a, in_dims=None)(lib.ones(2))),
    ("in_dim out of range", lambda lib: lib.vmap(lambda a: a, in_dims=2)(lib.ones(2))),
    ("a number returned", lambda lib: lib.vmap(lambda a: 1.0)(lib.ones(2))),
]


@pytest.mark.parametrize("call", [c for _, c in VMAP_ERRORS], ids=[name for name, _ in VMAP_ERRORS])
def test_vmap_refuses_where_pytorch_refuses(call: Any) -> None:
    with pytest.raises(Exception) as theirs:  # noqa: PT011, B017
        call(torch)
    with pytest.raises(type(theirs.value)):
        call(tg)


# ---- a PyTorch script using several of them, run under as-torch ---------------------------------------------

SCRIPT = """
import warnings
import numpy as np
import torch
import torch.func

torch.manual_seed(0)
torch.set_num_threads(1)
torch.use_deterministic_algorithms(True)
torch.set_default_device("cpu")
a = np.arange(6.0).reshape(2, 3)
x = torch.as_tensor(a)
a[0, 0] = 10.0
print("shared", x[0, 0].item(), torch.get_num_threads(), torch.are_deterministic_algorithms_enabled())
w = torch.asarray([[0.5, -1.0, 2.0], [1.0, 0.0, -0.5]], dtype=torch.float64).requires_grad_()
y = torch.fmax(x * w, torch.tensor([[float("nan"), 1.0, 1.0]], dtype=torch.float64))
y = torch.select_scatter(y, torch.vdot(w[0], w[1]).expand(3), 0, 1)
y = torch.index_reduce(y, 1, torch.tensor([0, 0]), y[:, 1:], "amax")
z = torch.func.vmap(lambda r: torch.layer_norm(r, [3]))(y)
z = torch.cat(torch.hsplit(z, 3)[::-1], dim=1)
torch.relu_(z)
loss = torch.kl_div(torch.log_softmax(z, 1), torch.softmax(y, 1), 2) + torch.rsub(z, 1.0).abs().sum()
loss.backward()
with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    r = torch.range(0, 2)
print("loss", round(loss.item(), 6), "grad", [round(g, 6) for g in w.grad.flatten().tolist()], r.tolist())
print("gcd", torch.gcd(torch.tensor([12, 18]), torch.tensor([8, 27])).tolist(), torch.typename(x))
"""


def test_a_pytorch_script_using_them_prints_the_same_under_as_torch(tmp_path: Path) -> None:
    script = tmp_path / "script.py"
    script.write_text(textwrap.dedent(SCRIPT))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=120)
    ours = subprocess.run(
        [sys.executable, "-m", "tinygrad_edu", "as-torch", str(script)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
    )
    assert theirs.returncode == 0, theirs.stderr
    assert ours.returncode == 0, ours.stderr
    assert ours.stdout.splitlines() == theirs.stdout.splitlines()
    assert len(ours.stdout.splitlines()) == 3


# ---- what older PyTorch programs write: Variable, torch.FloatTensor and its kin -------------------------------

LEGACY_CALLS = {
    "FloatTensor([1, 2])": lambda lib: lib.FloatTensor([1, 2]),
    "LongTensor([1.0, 2.0])": lambda lib: lib.LongTensor([1.0, 2.0]),
    "DoubleTensor(2, 3)": lambda lib: lib.DoubleTensor(2, 3).zero_(),
    "ByteTensor([1, 0])": lambda lib: lib.ByteTensor([1, 0]),
    "BoolTensor([1, 0])": lambda lib: lib.BoolTensor([1, 0]),
    "IntTensor(ndarray)": lambda lib: lib.IntTensor(np.array([[1, 2]])),
    "x.type(DoubleTensor)": lambda lib: lib.ones(2).type(lib.DoubleTensor),
}


@pytest.mark.parametrize("name", LEGACY_CALLS)
def test_the_legacy_typed_constructors_make_pytorchs_tensors(name):
    ours, theirs = LEGACY_CALLS[name](tg), LEGACY_CALLS[name](torch)
    assert str(ours.dtype) == str(theirs.dtype).removeprefix("torch.")
    assert ours.tolist() == theirs.tolist()
    assert isinstance(ours, getattr(tg, ours.type().removeprefix("torch.")))  # a FloatTensor is one, as in PyTorch
    assert not isinstance(tg.ones(1), tg.LongTensor)


def test_variable_is_a_new_leaf_sharing_memory_and_every_tensor_is_one():
    from tinygrad_edu.autograd import Variable

    x = tg.ones(2)
    v = Variable(x, requires_grad=True)
    assert v is not x and v.requires_grad and v.is_leaf and isinstance(x, Variable)
    (v * 3).sum().backward()
    assert v.grad.tolist() == [3.0, 3.0]
    x.add_(1)  # the memory is shared, as torch's Variable(x) shares it
    assert v.tolist() == [2.0, 2.0]
    assert Variable(x * 2).grad_fn is None
    with pytest.raises(TypeError, match="Variable data has to be a tensor"):
        Variable([1.0, 2.0])
    with pytest.warns(UserWarning, match="volatile was removed"):
        Variable(x, volatile=True)


@pytest.mark.parametrize("name", ["float16", "float32", "float64", None])
def test_finfo_gives_pytorchs_limits_as_python_floats(name):
    ours = tg.finfo(getattr(tg, name)) if name else tg.finfo()
    theirs = torch.finfo(getattr(torch, name)) if name else torch.finfo()
    for field in ("bits", "eps", "max", "min", "tiny", "smallest_normal", "resolution"):
        mine, torchs = getattr(ours, field), getattr(theirs, field)
        assert mine == torchs and type(mine) is type(torchs), field


@pytest.mark.parametrize("name", ["uint8", "int8", "int16", "int32", "int64"])
def test_iinfo_gives_pytorchs_limits_as_python_ints(name):
    ours, theirs = tg.iinfo(getattr(tg, name)), torch.iinfo(getattr(torch, name))
    assert (ours.bits, ours.max, ours.min) == (theirs.bits, theirs.max, theirs.min)
    with pytest.raises(TypeError):
        tg.iinfo(tg.float32)
