"""Property tests: broadcasting's gradients, reshape and permute round trips, reductions, unbroadcast.

Hypothesis draws the shapes. Every expected gradient is computed here independently of the engine:
a broadcast input's gradient is the sum, over the output elements each of its elements was copied
to, of (upstream gradient) * (local derivative), which `sum_into` computes with np.bincount.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable

import hypothesis.extra.numpy as hnp
import hypothesis.strategies as st
import numpy as np
import pytest
from hypothesis import given, settings

import tinygrad_edu as tg

PROPERTY = settings(max_examples=40, deadline=None)

Shape = tuple[int, ...]

# pairs of shapes that broadcast together, from 0-d up to 4-d, including size-1 stretching
shape_pairs = hnp.mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=4, max_side=4)
shapes = hnp.array_shapes(min_dims=0, max_dims=4, min_side=1, max_side=4)
seeds = st.integers(0, 2**32 - 1)


def sum_into(shape: Shape, contributions: np.ndarray) -> np.ndarray:
    """Add each element of `contributions` (of a broadcast shape) into the element of `shape` it came from.

    Every element of a broadcast copy of an array of `shape` is a copy of one original element;
    broadcasting the original's flat indices says which one. bincount then adds up the copies.
    """
    which = np.broadcast_to(np.arange(math.prod(shape)).reshape(shape), contributions.shape)
    total = np.bincount(which.ravel(), weights=contributions.ravel(), minlength=math.prod(shape))
    return total.reshape(shape)


def values(rng: np.random.Generator, shape: Shape) -> np.ndarray:
    """float64 values with 0.5 <= |v| <= 2: safe to divide by, and distinct (no ties for maximum)."""
    return rng.uniform(0.5, 2.0, size=shape) * rng.choice([-1.0, 1.0], size=shape)


# ---- binary ops: each with its local derivatives d out/d a and d out/d b on the broadcast arrays ----

Derivatives = Callable[[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]


def checkerboard(*shapes: Shape) -> np.ndarray:
    """A fixed True/False pattern of the shapes' broadcast shape: the condition for `where`."""
    shape = np.broadcast_shapes(*shapes)
    return np.indices(shape).sum(axis=0) % 2 == 0 if shape else np.array(True)


def where_op(a: tg.Tensor, b: tg.Tensor) -> tg.Tensor:
    return tg.where(checkerboard(a.shape, b.shape), a, b)


BINARY_OPS: list[tuple[str, Callable[[tg.Tensor, tg.Tensor], tg.Tensor], Derivatives]] = [
    ("add", lambda a, b: a + b, lambda A, B: (np.ones_like(A), np.ones_like(B))),
    ("sub", lambda a, b: a - b, lambda A, B: (np.ones_like(A), -np.ones_like(B))),
    ("mul", lambda a, b: a * b, lambda A, B: (B, A)),
    ("div", lambda a, b: a / b, lambda A, B: (1 / B, -A / B**2)),
    ("maximum", tg.maximum, lambda A, B: ((A > B) * 1.0, (B > A) * 1.0)),
    ("where", where_op, lambda A, B: (checkerboard(A.shape) * 1.0, (~checkerboard(A.shape)) * 1.0)),
    ("minimum", tg.minimum, lambda A, B: ((A < B) * 1.0, (B < A) * 1.0)),
    ("fmax", tg.fmax, lambda A, B: ((A > B) * 1.0, (B > A) * 1.0)),
    ("fmin", tg.fmin, lambda A, B: ((A < B) * 1.0, (B < A) * 1.0)),
    # |a| ** b: d/da = b |a|^(b-1) sign(a), d/db = |a|^b log|a|
    ("pow", lambda a, b: a.abs() ** b, lambda A, B: (B * abs(A) ** (B - 1) * np.sign(A), abs(A) ** B * np.log(abs(A)))),
    (
        "float_power",
        lambda a, b: tg.float_power(a.abs(), b),
        lambda A, B: (B * abs(A) ** (B - 1) * np.sign(A), abs(A) ** B * np.log(abs(A))),
    ),
    ("atan2", tg.atan2, lambda A, B: (B / (A**2 + B**2), -A / (A**2 + B**2))),
    ("hypot", tg.hypot, lambda A, B: (A / np.hypot(A, B), B / np.hypot(A, B))),
    # the weights of a softmax over the pair, in base e and in base 2
    ("logaddexp", tg.logaddexp, lambda A, B: (1 / (1 + np.exp(B - A)), 1 / (1 + np.exp(A - B)))),
    ("logaddexp2", tg.logaddexp2, lambda A, B: (1 / (1 + 2 ** (B - A)), 1 / (1 + 2 ** (A - B)))),
    # a log|b|: d/da = log|b|, d/db = a / b
    ("xlogy", lambda a, b: tg.xlogy(a, b.abs()), lambda A, B: (np.log(abs(B)), A / B)),
    # |a| sign(b): d/da = sign(a) sign(b); b only lends its sign, so d/db = 0
    ("copysign", tg.copysign, lambda A, B: (np.sign(A) * np.sign(B), np.zeros_like(B))),
]


@pytest.mark.parametrize("name, op, derivatives", BINARY_OPS, ids=[row[0] for row in BINARY_OPS])
@PROPERTY
@given(pair=shape_pairs, seed=seeds)
def test_binary_op_gradients_are_summed_back_to_each_input_shape(name, op, derivatives, pair, seed):
    (shape_a, shape_b), out_shape = pair
    rng = np.random.default_rng(seed)
    a = tg.tensor(values(rng, shape_a), requires_grad=True, dtype=tg.float64)
    b = tg.tensor(values(rng, shape_b), requires_grad=True, dtype=tg.float64)
    upstream = rng.standard_normal(out_shape)

    out = op(a, b)
    assert out.shape == out_shape
    out.backward(upstream)

    A, B = np.broadcast_to(a.data, out_shape), np.broadcast_to(b.data, out_shape)
    d_a, d_b = derivatives(A, B)
    assert a.grad.shape == shape_a and b.grad.shape == shape_b
    np.testing.assert_allclose(a.grad.data, sum_into(shape_a, upstream * d_a), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(b.grad.data, sum_into(shape_b, upstream * d_b), rtol=1e-12, atol=1e-12)


@PROPERTY
@given(
    pair=hnp.mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=3, max_side=3),
    op_index=st.integers(0, len(BINARY_OPS) - 1),
    seed=seeds,
)
def test_binary_op_gradients_equal_finite_differences(pair, op_index, seed):
    (shape_a, shape_b), _ = pair
    name, op, _ = BINARY_OPS[op_index]
    rng = np.random.default_rng(seed)
    a = tg.tensor(values(rng, shape_a), requires_grad=True, dtype=tg.float64)
    b = tg.tensor(values(rng, shape_b), requires_grad=True, dtype=tg.float64)
    assert tg.gradcheck(op, [a, b]), name


# ---- shape round trips ---------------------------------------------------------------------------


def prime_factors(n: int) -> list[int]:
    factors, p = [], 2
    while n > 1:
        while n % p == 0:
            factors.append(p)
            n //= p
        p += 1
    return factors


@st.composite
def shape_and_new_shape(draw) -> tuple[Shape, tuple[int, ...]]:
    """A shape and another with the same number of elements, sometimes with one dimension as -1."""
    shape = draw(shapes)
    factors = prime_factors(math.prod(shape))
    ndim = draw(st.integers(0 if not factors else 1, 4))
    new = [1] * ndim
    for factor in factors:  # hand each prime factor to one of the new dimensions
        new[draw(st.integers(0, ndim - 1))] *= factor
    if ndim and draw(st.booleans()):
        new[draw(st.integers(0, ndim - 1))] = -1
    return shape, tuple(new)


@PROPERTY
@given(shapes=shape_and_new_shape(), seed=seeds)
def test_reshape_and_back_is_the_identity_in_value_and_gradient(shapes, seed):
    shape, new_shape = shapes
    rng = np.random.default_rng(seed)
    x = tg.tensor(rng.standard_normal(shape), requires_grad=True)
    upstream = rng.standard_normal(shape).astype(np.float32)

    middle = x.reshape(new_shape)
    assert middle.numel() == x.numel()
    np.testing.assert_array_equal(middle.data, x.data.reshape(new_shape))
    y = middle.reshape(x.shape)
    np.testing.assert_array_equal(y.data, x.data)
    y.backward(upstream)
    np.testing.assert_array_equal(x.grad.data, upstream)


@st.composite
def shape_and_permutation(draw) -> tuple[Shape, list[int]]:
    shape = draw(shapes)
    dims = draw(st.permutations(range(len(shape))))
    negative = draw(st.booleans())  # the same dims, counted from the end
    return shape, [d - len(shape) for d in dims] if negative else list(dims)


@PROPERTY
@given(case=shape_and_permutation(), seed=seeds)
def test_permute_then_inverse_permute_is_the_identity_in_value_and_gradient(case, seed):
    shape, dims = case
    rng = np.random.default_rng(seed)
    x = tg.tensor(rng.standard_normal(shape), requires_grad=True)
    upstream = rng.standard_normal(shape).astype(np.float32)

    permuted = x.permute(*dims)
    np.testing.assert_array_equal(permuted.data, np.transpose(x.data, dims))
    inverse = np.argsort([d % len(shape) for d in dims]).tolist()
    y = permuted.permute(inverse)
    np.testing.assert_array_equal(y.data, x.data)
    y.backward(upstream)
    np.testing.assert_array_equal(x.grad.data, upstream)


# ---- reductions agree with NumPy ----------------------------------------------------------------


@st.composite
def shape_and_dims(draw) -> tuple[Shape, object]:
    """A shape of at least one dimension and a dim argument: None, an int or a tuple, maybe negative."""
    shape = draw(hnp.array_shapes(min_dims=1, max_dims=4, min_side=1, max_side=4))
    ndim = len(shape)
    chosen = draw(st.lists(st.integers(0, ndim - 1), min_size=1, max_size=ndim, unique=True))
    chosen = [d - ndim if draw(st.booleans()) else d for d in chosen]
    return shape, draw(st.sampled_from([None, chosen[0], tuple(chosen)]))


# amax/amin: `max(int dim)` returns PyTorch's (values, indices) pair, tested in test_tensor.py
REDUCTIONS = [("sum", np.sum), ("mean", np.mean), ("amax", np.max), ("amin", np.min)]


@pytest.mark.parametrize("name, reference", REDUCTIONS, ids=[row[0] for row in REDUCTIONS])
@PROPERTY
@given(case=shape_and_dims(), keepdim=st.booleans(), seed=seeds)
def test_reductions_over_any_dims_equal_numpy(name, reference, case, keepdim, seed):
    shape, dim = case
    x = tg.tensor(np.random.default_rng(seed).standard_normal(shape), dtype=tg.float64)
    expected = reference(x.data, axis=dim, keepdims=keepdim)
    got = getattr(x, name)(dim, keepdim=keepdim)
    assert got.shape == expected.shape
    np.testing.assert_allclose(got.data, expected, rtol=1e-12, atol=1e-12)
    # NumPy's spelling gives the same
    numpy_spelling = {"amax": "max", "amin": "min"}.get(name, name)
    np.testing.assert_array_equal(getattr(x, numpy_spelling)(axis=dim, keepdims=keepdim).data, got.data)


@PROPERTY
@given(case=shape_and_dims(), keepdim=st.booleans(), seed=seeds)
def test_sum_gradient_copies_the_upstream_gradient_to_every_summed_element(case, keepdim, seed):
    shape, dim = case
    rng = np.random.default_rng(seed)
    x = tg.tensor(rng.standard_normal(shape), requires_grad=True, dtype=tg.float64)
    out = x.sum(dim, keepdim=keepdim)
    upstream = rng.standard_normal(out.shape)
    out.backward(upstream)
    # d out[j] / d x[i] = 1 when x[i] went into out[j]: x[i] gets the upstream value of its sum
    summed = tuple(range(len(shape))) if dim is None else tuple(d % len(shape) for d in np.atleast_1d(dim))
    expected = upstream if keepdim else np.expand_dims(upstream, summed)
    np.testing.assert_array_equal(x.grad.data, np.broadcast_to(expected, shape))


# ---- unbroadcast, the one helper that undoes broadcasting ---------------------------------------


@PROPERTY
@given(pair=shape_pairs, seed=seeds)
def test_unbroadcast_sums_a_gradient_back_to_the_shape_it_was_broadcast_from(pair, seed):
    (shape, _), broadcast_shape = pair
    grad = np.random.default_rng(seed).standard_normal(broadcast_shape)
    reduced = tg.unbroadcast(grad, shape)
    assert reduced.shape == shape
    np.testing.assert_allclose(reduced, sum_into(shape, grad), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(reduced.sum(), grad.sum(), rtol=1e-9)  # nothing lost, nothing counted twice


@PROPERTY
@given(shape=shapes, seed=seeds)
def test_unbroadcast_to_the_same_shape_changes_nothing(shape, seed):
    grad = np.random.default_rng(seed).standard_normal(shape)
    np.testing.assert_array_equal(tg.unbroadcast(grad, shape), grad)


@PROPERTY
@given(pair=shape_pairs)
def test_expand_gradient_counts_the_copies_of_each_element(pair):
    (shape, other), out_shape = pair
    # expand to the broadcast shape of `shape` and any partner: each element is copied k times,
    # so d sum(expand(x)) / dx = k for every element, k = numel(out) / numel(x)
    x = tg.ones(shape, requires_grad=True)
    x.expand(*out_shape).sum().backward()
    np.testing.assert_array_equal(x.grad.data, np.full(shape, math.prod(out_shape) / math.prod(shape)))


# (gradient's shape, input's shape): the two short cuts in unbroadcast (nothing broadcast; leading axes only)
# and the general path around them, each against the definition: sum over the added and stretched axes.
@pytest.mark.parametrize(
    "grad_shape, shape",
    [
        ((4, 4), (4, 4)),  # short cut: nothing was broadcast
        ((128, 10), (10,)),  # short cut: a bias under a batch
        ((2, 3, 4), (3, 4)),  # short cut: one leading axis of several
        ((2, 3, 4), (4,)),  # short cut: two leading axes
        ((2, 3, 4), (1, 4)),  # general: a leading axis and a stretched one
        ((4, 4), (4, 1)),  # general: stretched only
        ((3, 4), ()),  # general: to a 0-d input, which must stay a 0-d array, not a NumPy scalar
        ((), ()),  # short cut: 0-d to 0-d
    ],
)
def test_unbroadcast_short_cuts_give_the_definitions_sum_bit_for_bit(grad_shape, shape):
    grad = np.random.default_rng(0).standard_normal(grad_shape)
    extra = len(grad_shape) - len(shape)
    axes = tuple(range(extra)) + tuple(i + extra for i, n in enumerate(shape) if n == 1 and grad_shape[i + extra] != 1)
    want = grad.sum(axis=axes, keepdims=True).reshape(shape)
    got = tg.unbroadcast(grad, shape)
    assert type(got) is np.ndarray and got.shape == shape and got.dtype == grad.dtype
    np.testing.assert_array_equal(got, want)


# expand's check of the target shape, written on the shapes rather than by broadcasting a scratch array:
# (input's shape, target, the result's shape or None where PyTorch refuses), PyTorch the oracle where installed.
@pytest.mark.parametrize(
    "shape, target, result",
    [
        ((3, 1), (3, 4), (3, 4)),
        ((3, 1), (-1, 4), (3, 4)),  # -1 keeps a size
        ((3,), (2, 3), (2, 3)),  # a new leading axis
        ((1,), (0,), (0,)),  # a 1 stretched to 0
        ((), (2, 2), (2, 2)),
        ((3, 1), (2, 4), None),  # 3 is neither kept nor a 1
        ((2, 3), (3,), None),  # fewer dimensions than the input
        ((3,), (-1, 3), None),  # -1 for a new leading axis: there is no size to keep
        ((3,), (-2, 3), None),  # a negative size
    ],
)
def test_expand_accepts_and_refuses_targets_as_pytorch_does(shape, target, result):
    try:
        import torch
    except ImportError:
        torch = None
    if torch is not None:
        try:
            assert tuple(torch.zeros(shape).expand(*target).shape) == result
        except RuntimeError:
            assert result is None
    x = tg.zeros(shape, requires_grad=True)
    if result is not None:
        assert x.expand(*target).shape == result
    else:
        with pytest.raises(tg.ShapeError, match=rf"expand: cannot expand shape {re.escape(str(shape))} to"):
            x.expand(*target)


# (input's shape, target, layout): Expand builds its view with zero strides itself for a C-contiguous ndarray
# (np.broadcast_to elsewhere); either way it must be np.broadcast_to's view: the same strides and values,
# read-only, over the input's memory (an in-place change of x shows through, as in PyTorch).
@pytest.mark.parametrize(
    "shape, target, layout",
    [
        ((4, 1), (4, 4), "C"),
        ((1,), (3,), "C"),
        ((), (2, 3), "C"),
        ((3,), (2, 3), "C"),
        ((2, 1, 3), (4, 2, 5, 3), "C"),
        ((1, 1), (0, 5), "C"),  # a 1 stretched to 0
        ((4, 4), (4, 4), "C"),  # nothing stretched
        ((2, 1, 3), (2, 4, 3), "F"),  # not C-contiguous: np.broadcast_to's path
        ((4, 2), (3, 4, 2), "transposed"),
    ],
)
def test_expand_is_numpys_read_only_broadcast_view_of_the_input(shape, target, layout):
    data = np.arange(math.prod(shape), dtype=np.float32).reshape(shape)
    if layout == "F":
        data = np.asfortranarray(data)
    elif layout == "transposed":
        data = np.ascontiguousarray(data.T).T
    x = tg.tensor(0.0)
    x.data = data  # (tg.tensor would copy into C order)
    got = x.expand(*target).data
    want = np.broadcast_to(data, target)
    assert got.shape == want.shape and got.strides == want.strides and got.dtype == want.dtype
    np.testing.assert_array_equal(got, want)
    assert not got.flags.writeable
    if got.size:
        assert np.shares_memory(got, data)
