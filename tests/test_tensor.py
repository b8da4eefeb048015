"""The Tensor itself: construction and dtype rules, attributes, operators, creation functions, stability."""

from __future__ import annotations

import operator
import warnings

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu.ops import Linear

# ---- construction and dtypes ------------------------------------------------------------------

# (data, dtype argument, expected dtype, expected shape): PyTorch's rules. Python floats become float32
# (the default dtype), ints int64, bools bool; NumPy data keeps its dtype; dtype= always wins.
CONSTRUCTION = [
    (3, None, np.int64, ()),
    (2.5, None, np.float32, ()),
    (True, None, np.bool_, ()),
    ([1, 2, 3], None, np.int64, (3,)),
    ([[1.0, 2.0], [3.0, 4.0]], None, np.float32, (2, 2)),
    ([[True], [False]], None, np.bool_, (2, 1)),
    ([1, 2.5, True], None, np.float32, (3,)),
    (np.array([1, 2], dtype=np.int64), None, np.int64, (2,)),
    (np.array([1, 2], dtype=np.int32), None, np.int32, (2,)),
    (np.array([True, False]), None, np.bool_, (2,)),
    (np.array([1.0, 2.0], dtype=np.float64), None, np.float64, (2,)),
    (np.array([1.0, 2.0], dtype=np.float32), None, np.float32, (2,)),
    (np.array([1.0], dtype=np.float16), None, np.float16, (1,)),
    (np.float64(1.5), None, np.float64, ()),
    ([1, 2], tg.float64, np.float64, (2,)),
    ([1, 2], tg.int64, np.int64, (2,)),
    (np.array([1.5, 2.5]), tg.float32, np.float32, (2,)),
    (np.array([0.0, 2.0]), tg.bool, np.bool_, (2,)),
]


@pytest.mark.parametrize("data, dtype, expected_dtype, expected_shape", CONSTRUCTION)
def test_construction_follows_pytorchs_dtype_rules(data, dtype, expected_dtype, expected_shape):
    for make in (tg.tensor, tg.Tensor):
        x = make(data, dtype=dtype)
        assert x.dtype == expected_dtype
        assert x.shape == expected_shape
        np.testing.assert_array_equal(x.data, np.asarray(data).astype(expected_dtype))


def test_a_tensor_made_from_a_tensor_keeps_its_dtype_and_copies_its_data():
    x = tg.tensor(np.array([1.0, 2.0]))  # float64
    y = tg.tensor(x)
    assert y.dtype == np.float64
    y.data[0] = 10.0
    assert x.data[0] == 1.0


def test_construction_copies_but_from_numpy_shares_memory():
    array = np.array([1.0, 2.0])
    copied, shared = tg.tensor(array), tg.from_numpy(array)
    array[0] = 7.0
    assert copied.data[0] == 1.0
    assert shared.data[0] == 7.0 and shared.dtype == np.float64


@pytest.mark.parametrize(
    "make",
    [
        lambda: tg.tensor([1, 2], dtype=tg.int64, requires_grad=True),
        lambda: tg.tensor([True], dtype=tg.bool, requires_grad=True),
        lambda: tg.tensor([1, 2], dtype=tg.int32).requires_grad_(),
        lambda: tg.zeros(3, dtype=tg.int64, requires_grad=True),
        lambda: tg.arange(3, requires_grad=True),  # int64, as torch.arange of ints
    ],
)
def test_requires_grad_on_a_non_float_dtype_is_a_dtype_error(make):
    with pytest.raises(tg.DtypeError, match="floating-point") as caught:
        make()
    assert isinstance(caught.value, RuntimeError)  # what PyTorch raises
    assert isinstance(caught.value, TypeError)


def test_requires_grad_on_int_data_is_refused_as_in_pytorch():
    with pytest.raises(tg.DtypeError, match=r"only floating-point.*x\.float\(\)"):
        tg.tensor([1, 2], requires_grad=True)
    assert tg.tensor([1.0, 2], requires_grad=True).dtype == np.float32


@pytest.mark.parametrize("ragged", [[[1, 2], [3]], [[1.0], [2.0, 3.0]], [[[1, 2]], [[3, 4], [5, 6]]]])
def test_a_ragged_list_is_a_value_error(ragged):
    with pytest.raises(ValueError, match="ragged"):
        tg.tensor(ragged)


@pytest.mark.parametrize("data", ["abc", None, [1 + 2j], {"a": 1}])
def test_data_that_is_not_numbers_is_a_dtype_error(data):
    with pytest.raises(tg.DtypeError):
        tg.tensor(data)


# ---- attributes and methods -------------------------------------------------------------------


def test_shape_ndim_dtype_numel_describe_the_data():
    x = tg.zeros(2, 3, 4)
    assert x.shape == (2, 3, 4) and isinstance(x.shape, tuple)
    assert x.ndim == 3 and x.dim() == 3
    assert x.dtype == tg.float32
    assert x.numel() == 24
    assert x.size() == (2, 3, 4) and x.size(1) == 3
    scalar = tg.tensor(5.0)
    assert scalar.shape == () and scalar.ndim == 0 and scalar.numel() == 1


def test_data_is_the_ndarray_and_can_be_assigned():
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    assert isinstance(x.data, np.ndarray)
    x.data = np.array([3.0, 4.0], dtype=np.float32)  # as in PyTorch: new values, same leaf
    y = (x * x).sum()
    assert y.item() == 25.0
    y.backward()
    np.testing.assert_array_equal(x.grad.data, [6.0, 8.0])  # 2x at the new values
    assert x.requires_grad and x.grad_fn is None


def test_grad_is_none_until_backward_then_a_tensor_of_the_leafs_shape_and_dtype():
    x = tg.tensor([[1.0, 2.0, 3.0]], dtype=tg.float64, requires_grad=True)
    assert x.grad is None
    (x * 2).sum().backward()
    assert isinstance(x.grad, tg.Tensor)
    assert x.grad.shape == x.shape and x.grad.dtype == np.float64
    assert not x.grad.requires_grad


def test_T_reverses_the_dimensions():
    m = tg.tensor(np.arange(6.0).reshape(2, 3))
    np.testing.assert_array_equal(m.T.data, m.data.T)
    cube = tg.zeros(2, 3, 4)
    assert cube.T.shape == (4, 3, 2)
    vector = tg.zeros(5)
    assert vector.T.shape == (5,)


def test_grad_fn_links_a_result_to_the_op_that_made_it():
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    assert x.grad_fn is None and x.is_leaf
    y = x * 3
    assert y.grad_fn is not None and not y.is_leaf
    assert "Mul" in repr(y.grad_fn)
    assert y.grad_fn.inputs[0] is x  # the graph can be walked back to the leaf
    assert "Exp" in repr(y.exp().grad_fn)


def test_numpy_returns_the_data_and_refuses_while_it_requires_grad():
    x = tg.tensor([1.0, 2.0])
    assert isinstance(x.numpy(), np.ndarray)
    np.testing.assert_array_equal(x.numpy(), [1.0, 2.0])
    w = tg.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="detach"):
        w.numpy()
    np.testing.assert_array_equal(w.detach().numpy(), [1.0, 2.0])


def test_item_gives_a_python_number_for_one_element():
    assert tg.tensor(2.5).item() == 2.5 and isinstance(tg.tensor(2.5).item(), float)
    assert tg.tensor([[7.0]]).item() == 7.0
    three = tg.tensor([3], dtype=tg.int64).item()
    assert three == 3 and isinstance(three, int)
    with pytest.raises(RuntimeError, match=r"\(2,\)"):  # PyTorch raises a RuntimeError
        tg.tensor([1.0, 2.0]).item()


def test_detach_shares_data_and_leaves_the_graph():
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    y = x * 2
    d = y.detach()
    assert not d.requires_grad and d.grad_fn is None
    assert np.shares_memory(d.data, y.data)


def test_requires_grad_underscore_sets_the_flag_in_place_and_returns_self():
    x = tg.tensor([1.0])
    assert x.requires_grad_() is x and x.requires_grad
    assert x.requires_grad_(False) is x and not x.requires_grad
    with pytest.raises(RuntimeError):  # only leaves can stop requiring grad; use detach() otherwise
        (tg.tensor([1.0], requires_grad=True) * 2).requires_grad_(False)


def test_repr_shows_data_dtype_and_grad_state():
    plain = repr(tg.tensor([1.5, 2.5]))
    assert "1.5" in plain and "2.5" in plain and "float32" in plain
    assert "requires_grad" not in plain and "grad_fn" not in plain
    leaf = repr(tg.tensor([1.5], dtype=tg.float64, requires_grad=True))
    assert "1.5" in leaf and "float64" in leaf and "requires_grad=True" in leaf
    result = repr(tg.tensor([1.5], requires_grad=True) * 2)
    assert "3." in result and "grad_fn" in result and "Mul" in result


# ---- operators: a Tensor, a Python number or an ndarray on either side ------------------------

A = np.array([[1.0, -2.0, 3.0], [0.5, 4.0, -1.5]])
B = np.array([2.0, -0.5, 1.25])
ARITHMETIC = [
    ("+", operator.add),
    ("-", operator.sub),
    ("*", operator.mul),
    ("/", operator.truediv),
]


@pytest.mark.parametrize("symbol, op", ARITHMETIC, ids=[s for s, _ in ARITHMETIC])
@pytest.mark.parametrize("other", [B, 3.0, 2], ids=["ndarray", "float", "int"])
def test_arithmetic_with_a_tensor_number_or_ndarray_on_either_side(symbol, op, other):
    a = tg.tensor(A)
    as_operand = [other, tg.tensor(other, dtype=tg.float64)]  # raw, and wrapped in a Tensor
    for right in as_operand:
        result = op(a, right)
        assert isinstance(result, tg.Tensor)
        np.testing.assert_allclose(result.data, op(A, np.asarray(other, dtype=np.float64)))
    for left in as_operand:
        result = op(left, a)
        assert isinstance(result, tg.Tensor), f"{type(left).__name__} {symbol} Tensor"
        np.testing.assert_allclose(result.data, op(np.asarray(other, dtype=np.float64), A))


# Python numbers as operands, including the ones an operator's constant cache must keep apart or never keep
# (-0.0 beside 0.0, nan), ints that float32 rounds, and numbers that overflow float32
NUMBERS = [2.0, 0.1, 1 / 3, 7, -3, 0.0, -0.0, float("nan"), float("inf"), -float("inf"), 2**24 + 1, 2**70, 1e-45, 1e300]


@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.float16])
@pytest.mark.parametrize("symbol, op", [*ARITHMETIC, ("**", operator.pow)], ids=[*(s for s, _ in ARITHMETIC), "**"])
def test_a_python_number_operand_gives_numpys_result_to_the_bit_each_time(symbol, op, dtype):
    x = np.array([1.5, -2.0, 0.0, -0.0, 3e-39, 6e4, np.inf], dtype=dtype)
    t = tg.tensor(x)
    with np.errstate(all="ignore"):
        for number in NUMBERS * 2:  # twice: the second time each number may come from the cache
            for ours, numpys in ((op(t, number), op(x, number)), (op(number, t), op(number, x))):
                assert ours.dtype == numpys.dtype
                assert ours.data.tobytes() == numpys.tobytes(), f"{x.dtype} {symbol} {number!r}"


def test_a_python_number_gives_the_gradient_of_its_value_in_the_tensors_dtype():
    x = tg.tensor([1.0, 2.0], requires_grad=True)  # float32
    (x * 0.1 + (1 - x) / 3).sum().backward()
    expected = np.float32(0.1) - np.float32(1) / np.float32(3)  # d/dx (0.1 x + (1 - x) / 3), in float32
    np.testing.assert_array_equal(x.grad.data, np.full(2, expected, dtype=np.float32))


def test_the_kept_0d_arrays_of_python_numbers_are_read_only_and_bounded():
    from tinygrad_edu.tensor import _CONSTANTS

    x = tg.tensor([1.0, 2.0], requires_grad=True)
    y = x * 0.25
    kept = y.grad_fn.inputs[1]
    assert kept.shape == () and kept.dtype == np.float32 and not kept.flags.writeable
    for i in range(1000):  # a program that uses many different numbers (a decaying learning rate)
        x * (1 + i / 1000)
    assert len(_CONSTANTS[np.dtype(np.float32)]) <= 256


def test_ndarray_on_the_left_of_a_tensor_gives_a_tensor_in_the_graph():
    x = tg.tensor(B, requires_grad=True)
    y = A * x
    assert isinstance(y, tg.Tensor) and y.grad_fn is not None
    y.sum().backward()
    np.testing.assert_allclose(x.grad.data, A.sum(axis=0))


def test_powers_and_matmul_with_numbers_and_arrays():
    x = tg.tensor(np.array([1.0, 2.0, 3.0]))
    np.testing.assert_allclose((x**2).data, [1.0, 4.0, 9.0])
    np.testing.assert_allclose((2**x).data, [2.0, 4.0, 8.0])
    np.testing.assert_allclose((x**x).data, [1.0, 4.0, 27.0])
    np.testing.assert_allclose((x ** np.array([0.5, 1.0, 2.0])).data, [1.0, 2.0, 9.0])
    np.testing.assert_allclose((A @ x).data, A @ x.data)  # ndarray @ Tensor
    np.testing.assert_allclose((tg.tensor(A) @ B).data, A @ B)  # Tensor @ ndarray
    np.testing.assert_allclose((-x).data, [-1.0, -2.0, -3.0])
    np.testing.assert_allclose(abs(-x).data, [1.0, 2.0, 3.0])


COMPARISONS = [
    ("<", operator.lt),
    ("<=", operator.le),
    (">", operator.gt),
    (">=", operator.ge),
    ("==", operator.eq),
    ("!=", operator.ne),
]


@pytest.mark.parametrize("symbol, op", COMPARISONS, ids=[s for s, _ in COMPARISONS])
@pytest.mark.parametrize("other", [np.array([1.0, 0.0, 3.0]), 1.0, [1.0, 5.0, 2.0], "tensor"])
def test_comparisons_give_bool_tensors_outside_the_graph(symbol, op, other):
    x = tg.tensor([1.0, 2.0, 3.0], requires_grad=True)
    if isinstance(other, str):
        other = tg.tensor([2.0, 2.0, 2.0], requires_grad=True)
    raw_other = other.data if isinstance(other, tg.Tensor) else np.asarray(other)
    for result, expected in [(op(x, other), op(x.data, raw_other)), (op(other, x), op(raw_other, x.data))]:
        assert isinstance(result, tg.Tensor)
        assert result.dtype == np.bool_
        assert not result.requires_grad and result.grad_fn is None
        np.testing.assert_array_equal(result.data, expected)


def test_comparing_a_0d_tensor_gives_a_0d_bool_tensor():
    result = tg.tensor(1.0) < 2
    assert isinstance(result.data, np.ndarray) and result.shape == () and result.item() is True


# ---- every op's forward value equals an independent NumPy formula ------------------------------
# (gradcheck proves each backward matches its forward; this proves the forward itself is right)

X = np.array([[0.5, -1.2, 2.0, 0.1], [-0.3, 1.7, -2.2, 0.9], [1.1, 0.4, -0.6, -1.5]])  # (3, 4)
Y = np.array([0.2, -0.7, 1.3, -0.4])  # (4,)
W = np.arange(8.0).reshape(2, 4) / 10  # (2, 4): a Linear layer's weight, out = 2, in = 4


def np_logsumexp(a, axis):
    return np.log(np.sum(np.exp(a), axis=axis))


FORWARD = [
    ("exp", lambda x, y: x.exp(), lambda x, y: np.exp(x)),
    ("log", lambda x, y: x.abs().log(), lambda x, y: np.log(np.abs(x))),
    ("sqrt", lambda x, y: x.abs().sqrt(), lambda x, y: np.sqrt(np.abs(x))),
    ("abs", lambda x, y: x.abs(), lambda x, y: np.abs(x)),
    ("neg", lambda x, y: -x, lambda x, y: -x),
    ("relu", lambda x, y: x.relu(), lambda x, y: np.where(x > 0, x, 0.0)),
    ("sigmoid", lambda x, y: x.sigmoid(), lambda x, y: 1 / (1 + np.exp(-x))),
    ("tanh", lambda x, y: x.tanh(), lambda x, y: np.tanh(x)),
    ("clamp", lambda x, y: x.clamp(-1.0, 1.0), lambda x, y: np.minimum(np.maximum(x, -1.0), 1.0)),
    ("clamp(min)", lambda x, y: x.clamp(min=0.0), lambda x, y: np.maximum(x, 0.0)),
    ("pow", lambda x, y: x.abs() ** y, lambda x, y: np.abs(x) ** y),
    ("maximum", lambda x, y: tg.maximum(x, y), lambda x, y: np.maximum(x, y)),
    ("minimum", lambda x, y: tg.minimum(x, y), lambda x, y: np.minimum(x, y)),
    ("where", lambda x, y: tg.where(x > 0, x, y), lambda x, y: np.where(x > 0, x, y)),
    ("softmax", lambda x, y: x.softmax(0), lambda x, y: np.exp(x) / np.exp(x).sum(axis=0)),
    ("log_softmax", lambda x, y: x.log_softmax(1), lambda x, y: x - np_logsumexp(x, 1)[:, None]),
    ("logsumexp", lambda x, y: x.logsumexp(1), lambda x, y: np_logsumexp(x, 1)),
    ("matmul", lambda x, y: x @ y, lambda x, y: np.matmul(x, y)),
    ("Linear", lambda x, y: Linear.apply(x, tg.tensor(W), y[:2]), lambda x, y: x @ W.T + y[:2]),
    ("transpose", lambda x, y: x.transpose(0, 1), lambda x, y: x.T),
    ("permute", lambda x, y: x.reshape(3, 2, 2).permute(2, 0, 1), lambda x, y: x.reshape(3, 2, 2).transpose(2, 0, 1)),
    ("flatten", lambda x, y: x.flatten(), lambda x, y: x.ravel()),
    ("unsqueeze", lambda x, y: x.unsqueeze(1), lambda x, y: x[:, None, :]),
    ("squeeze", lambda x, y: x[:, :1].squeeze(), lambda x, y: x[:, 0]),
    ("expand", lambda x, y: y.expand(2, 4), lambda x, y: np.stack([y, y])),
    ("index", lambda x, y: x[[2, 0, 2], 1:], lambda x, y: x[[2, 0, 2], 1:]),
    ("cat", lambda x, y: tg.cat([x, y.reshape(1, 4)]), lambda x, y: np.vstack([x, y])),
    ("stack", lambda x, y: tg.stack([y, y * 2], dim=1), lambda x, y: np.column_stack([y, 2 * y])),
    ("clone", lambda x, y: x.clone(), lambda x, y: x.copy()),
    ("float", lambda x, y: x.float(), lambda x, y: x.astype(np.float32)),
]


@pytest.mark.parametrize("name, ours, reference", FORWARD, ids=[row[0] for row in FORWARD])
def test_forward_values_equal_numpy(name, ours, reference):
    x = tg.tensor(X, requires_grad=True)
    y = tg.tensor(Y, requires_grad=True)
    expected = reference(X, Y)
    got = ours(x, y)
    assert got.shape == expected.shape
    np.testing.assert_allclose(got.data, expected, rtol=1e-6, atol=1e-12)


# ---- creation functions ---------------------------------------------------------------------


def test_zeros_ones_full_have_the_asked_shape_values_and_float32():
    for size in [(2, 3), ((2, 3),), ([2, 3],)]:  # zeros(2, 3), zeros((2, 3)), zeros([2, 3])
        np.testing.assert_array_equal(tg.zeros(*size).data, np.zeros((2, 3)))
        np.testing.assert_array_equal(tg.ones(*size).data, np.ones((2, 3)))
    assert tg.zeros(2).dtype == tg.ones(2).dtype == tg.full((2,), 1.0).dtype == np.float32
    np.testing.assert_array_equal(tg.full((2, 2), 7.5).data, [[7.5, 7.5], [7.5, 7.5]])
    assert tg.zeros(()).shape == ()
    assert tg.ones(3, dtype=tg.float64).dtype == np.float64
    w = tg.zeros(3, requires_grad=True)
    assert w.requires_grad and w.is_leaf


def test_zeros_like_and_ones_like_copy_shape_and_dtype():
    x = tg.tensor(np.ones((2, 5)))  # float64
    for like, value in [(tg.zeros_like(x), 0.0), (tg.ones_like(x), 1.0)]:
        assert like.shape == (2, 5) and like.dtype == np.float64
        np.testing.assert_array_equal(like.data, np.full((2, 5), value))
    assert tg.zeros_like(x, dtype=tg.float32).dtype == np.float32


def test_arange_like_torch():
    np.testing.assert_array_equal(tg.arange(5).data, [0, 1, 2, 3, 4])
    assert tg.arange(5).dtype == np.int64  # int arguments give int64, as in PyTorch
    np.testing.assert_allclose(tg.arange(1.0, 2.0, 0.25).data, [1.0, 1.25, 1.5, 1.75])
    assert tg.arange(0.0, 1.0, 0.5).dtype == np.float32
    np.testing.assert_array_equal(tg.arange(2, 8, 3).data, [2, 5])


def test_rand_is_uniform_in_0_1_and_randn_is_standard_normal():
    tg.manual_seed(0)
    u = tg.rand(10_000)
    assert u.dtype == np.float32 and u.shape == (10_000,)
    assert 0.0 <= u.data.min() and u.data.max() < 1.0
    assert abs(u.data.mean() - 0.5) < 0.02
    n = tg.randn(100, 100)
    assert n.shape == (100, 100) and n.dtype == np.float32
    assert abs(n.data.mean()) < 0.05 and abs(n.data.std() - 1.0) < 0.05


def test_manual_seed_makes_random_tensors_reproducible():
    tg.manual_seed(123)
    first = (tg.randn(3, 4).data, tg.rand(5).data)
    tg.manual_seed(123)
    second = (tg.randn(3, 4).data, tg.rand(5).data)
    np.testing.assert_array_equal(first[0], second[0])
    np.testing.assert_array_equal(first[1], second[1])
    tg.manual_seed(124)
    assert not np.array_equal(tg.randn(3, 4).data, first[0])


# ---- numerical stability at +-1000: finite values, finite gradients, no RuntimeWarning -------

EXTREME = [-1000.0, -30.0, 0.0, 30.0, 1000.0]

# (name, fn, expected value, expected gradient of the sum): each derived by hand for EXTREME.
# sigmoid: 1/(1+e^-x); its gradient s(1-s) is 0 at +-1000 and 1/4 at 0.
# log_softmax: x - logsumexp(x) = x - 1000 here (e^1000 dominates); d sum / dx = 1 - 5 softmax(x).
# logsumexp: 1000 for these inputs; its gradient is softmax(x) = (0, 0, 0, 0, 1).
s30 = 1 / (1 + np.exp(-30.0))
STABILITY = [
    (
        "sigmoid",
        lambda x: x.sigmoid(),
        [0.0, 1 - s30, 0.5, s30, 1.0],
        [0.0, s30 * (1 - s30), 0.25, s30 * (1 - s30), 0.0],
    ),
    ("tanh", lambda x: x.tanh(), np.tanh(EXTREME), 1 - np.tanh(EXTREME) ** 2),
    ("softmax", lambda x: x.softmax(-1), [0.0, 0.0, 0.0, 0.0, 1.0], [0.0, 0.0, 0.0, 0.0, 0.0]),
    ("log_softmax", lambda x: x.log_softmax(-1), [-2000.0, -1030.0, -1000.0, -970.0, 0.0], [1.0, 1.0, 1.0, 1.0, -4.0]),
    ("logsumexp", lambda x: x.logsumexp(-1), 1000.0, [0.0, 0.0, 0.0, 0.0, 1.0]),
]


@pytest.mark.parametrize("dtype", [tg.float32, tg.float64])
@pytest.mark.parametrize("name, fn, value, gradient", STABILITY, ids=[row[0] for row in STABILITY])
def test_stable_at_plus_minus_1000_without_warnings(name, fn, value, gradient, dtype):
    x = tg.tensor(EXTREME, dtype=dtype, requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # any overflow, divide-by-zero or invalid-value warning fails
        y = fn(x)
        y.sum().backward()
    assert np.all(np.isfinite(y.data)) and np.all(np.isfinite(x.grad.data))
    tolerance = 1e-6 if dtype == tg.float32 else 1e-12
    np.testing.assert_allclose(y.data, value, rtol=tolerance, atol=tolerance)
    np.testing.assert_allclose(x.grad.data, gradient, rtol=tolerance, atol=tolerance)


@pytest.mark.parametrize("dtype", [tg.float32, tg.float64])
def test_logsumexp_and_softmax_of_equal_huge_values(dtype):
    x = tg.tensor([1000.0, 1000.0], dtype=dtype, requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = x.logsumexp(0)
        out.backward()
        probabilities = (-x).softmax(0)
    np.testing.assert_allclose(out.item(), 1000.0 + np.log(2.0), rtol=1e-7)
    np.testing.assert_allclose(x.grad.data, [0.5, 0.5], rtol=1e-7)  # softmax of equal values
    np.testing.assert_allclose(probabilities.data, [0.5, 0.5], rtol=1e-7)


# ---- NumPy's spellings -------------------------------------------------------------------


@pytest.mark.parametrize("name", ["sum", "mean", "max", "min"])
def test_numpy_axis_and_keepdims_are_accepted_as_aliases(name):
    data = np.arange(24.0).reshape(2, 3, 4) % 7
    x = tg.tensor(data)
    expected = getattr(np, name)(data, axis=(0, 2), keepdims=True)
    np.testing.assert_allclose(getattr(x, name)(axis=(0, 2), keepdims=True).data, expected)
    np.testing.assert_allclose(getattr(x, name)(dim=(0, 2), keepdim=True).data, expected)
    np.testing.assert_allclose(getattr(x, name)(axis=1).data, getattr(np, name)(data, axis=1))
    with pytest.raises(TypeError, match="not both"):
        getattr(x, name)(dim=0, axis=1)


# ---- index tensors must hold integers (or bools), and clamp with tensor bounds --------------------


def test_a_float_index_tensor_is_an_index_error_as_in_pytorch():
    x = tg.tensor(np.arange(12.0).reshape(4, 3), requires_grad=True)
    with pytest.raises(IndexError, match="long, int, byte or bool tensors.*float32.*long()"):
        x[tg.tensor([0.0, 2, 2])]  # (whole numbers or not: the dtype decides, as PyTorch)
    picked = x[tg.tensor([0, 2, 2])]  # Python ints give int64
    picked.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy()[:, 0], [1, 0, 2, 0])  # row 2 picked twice


def test_clamp_takes_tensor_bounds_and_passes_gradient_inside_them():
    x = tg.tensor([-2.0, 0.5, 3.0], requires_grad=True)
    y = x.clamp(tg.tensor([-1.0, 0.0, 0.0]), tg.tensor([1.0, 1.0, 1.0]))
    np.testing.assert_array_equal(y.detach().numpy(), [-1.0, 0.5, 1.0])
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [0.0, 1.0, 0.0])


# ---- PyTorch's result dtypes, where NumPy alone would give float64 --------------------------------

# (expression, expected dtype): a float tensor keeps its dtype next to integers and NumPy numbers;
# integers next to a Python float, or divided, give float32 (PyTorch's default float).
RESULT_DTYPES = [
    (lambda: tg.ones(2) * tg.arange(2), np.float32),
    (lambda: tg.arange(2) + tg.ones(2, dtype=tg.float16), np.float16),
    (lambda: tg.ones(2, dtype=tg.float64) - tg.arange(2), np.float64),
    (lambda: tg.ones(2) * np.float64(2.0), np.float32),
    (lambda: np.float64(2.0) / tg.ones(2), np.float32),
    (lambda: tg.arange(4) * 0.5, np.float32),
    (lambda: 2.5 ** tg.arange(3), np.float32),
    (lambda: tg.arange(4) / 2, np.float32),
    (lambda: tg.arange(4) / tg.arange(1, 5), np.float32),
    (lambda: tg.arange(4) * 2, np.int64),
    (lambda: tg.arange(4) + np.int64(1), np.int64),
    (lambda: tg.ones(2) > 0, np.bool_),
    (lambda: tg.ones(2) * (tg.ones(2) > 0), np.float32),
    (lambda: tg.ones(2, dtype=tg.float64) + tg.ones(2), np.float64),
    (lambda: tg.maximum(tg.ones(2), tg.arange(2)), np.float32),
    (lambda: tg.where(tg.ones(2) > 0, 1.0, 0.0), np.float32),
    (lambda: tg.where(tg.ones(2) > 0, tg.arange(2), tg.ones(2)), np.float32),
]


@pytest.mark.parametrize("make, dtype", RESULT_DTYPES)
def test_result_dtypes_follow_pytorchs_promotion(make, dtype):
    assert make().dtype == dtype


def test_promotion_keeps_the_gradient_of_the_float_side():
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    y = x * tg.arange(1, 3)  # int64 side cast to float32: no float64 result, gradient to x only
    y.sum().backward()
    assert y.dtype == np.float32 and x.grad.dtype == np.float32
    np.testing.assert_array_equal(x.grad.numpy(), [1.0, 2.0])


# ---- shape ops give new tensors; arguments checked as PyTorch does ------------------------------


@pytest.mark.parametrize(
    "view",
    [
        lambda x: x.reshape(1, 2),
        lambda x: x.view(1, 2),
        lambda x: x.expand(1, 2),
        lambda x: x.squeeze(0),
        lambda x: x.T,
        lambda x: x.t(),
    ],
)
def test_a_shape_op_is_a_new_node_even_when_the_shape_does_not_change(view):
    x = tg.tensor([[1.0, 2.0]], requires_grad=True)
    y = view(x)
    assert y is not x and not y.is_leaf and y.grad_fn is not None
    (y * tg.tensor([[3.0, 4.0]]).reshape(y.shape)).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [[3.0, 4.0]])


def test_flatten_of_a_single_dimension_is_the_tensor_itself_and_start_after_end_is_an_error():
    x = tg.ones(2, 3)
    assert x.flatten(1, 1) is x and x.flatten(-1) is x and tg.ones(3).flatten().shape == (3,)
    with pytest.raises(tg.ShapeError, match="start_dim"):
        x.flatten(1, 0)


@pytest.mark.parametrize(
    "call, error",
    [
        (lambda: tg.ones(2, 3).reshape(2.5, 2), TypeError),  # not truncated to 2
        (lambda: tg.zeros(-1), tg.ShapeError),
        (lambda: tg.ones(2, -3), tg.ShapeError),
        (lambda: tg.eye(-1), tg.ShapeError),
        (lambda: tg.arange(0, 5, 0), RuntimeError),
        (lambda: tg.linspace(0, 1, -1), RuntimeError),
        (lambda: tg.rand(2, dtype=tg.int64), tg.DtypeError),
        (lambda: tg.rand_like(tg.arange(3)), tg.DtypeError),
        (lambda: tg.cat([]), tg.ShapeError),
        (lambda: tg.stack([]), tg.ShapeError),
        (lambda: tg.cat(tg.ones(2)), TypeError),
        (lambda: tg.ones(2).clamp(), RuntimeError),
        (lambda: tg.ones(2, 3).dot(tg.ones(3)), tg.ShapeError),
        (lambda: tg.ones(2, 3) @ 2, TypeError),
        (lambda: 2 @ tg.ones(2, 3), TypeError),
    ],
)
def test_bad_arguments_raise_what_pytorch_raises(call, error):
    with pytest.raises(error):
        call()


def test_clamp_without_bounds_and_arange_with_step_0_are_value_errors_too():
    for call in (lambda: tg.ones(2).clamp(), lambda: tg.arange(0, 5, 0)):
        with pytest.raises(ValueError):
            call()


def test_to_cpu_and_cpu_return_the_tensor_itself():
    x = tg.ones(2, requires_grad=True)
    assert x.to("cpu") is x and x.cpu() is x


# ---- max and min over one dim: PyTorch's (values, indices) -------------------------------------


def test_max_over_an_int_dim_is_a_values_indices_pair_and_over_a_tuple_the_values():
    x = tg.tensor([[1.0, 4.0, 2.0], [7.0, 0.0, 7.0]])
    values, indices = x.max(dim=1)
    np.testing.assert_array_equal(values.numpy(), [4.0, 7.0])
    np.testing.assert_array_equal(indices.numpy(), [1, 0])  # the first of tied maxima, as PyTorch
    assert x.max(1).values.shape == (2,) and x.min(0, keepdim=True).indices.shape == (1, 3)
    assert x.max(dim=(0, 1)).item() == 7.0  # a tuple of dims: values only, as amax
    assert x.max().item() == 7.0 and x.max(axis=1).shape == (2,)  # NumPy's axis=: values only


def test_gather_picks_along_a_dim_and_accumulates_repeated_picks():
    x = tg.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    out = x.gather(1, tg.tensor([[0, 0], [1, 0]]))
    np.testing.assert_array_equal(out.detach().numpy(), [[1.0, 1.0], [4.0, 3.0]])
    out.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [[2.0, 0.0], [1.0, 1.0]])
    with pytest.raises(tg.ShapeError, match="gather"):
        x.gather(0, [0, 1])


# ---- var and std: sum((x - mean)^2) / (N - correction), as torch.var / torch.std -------------------------

VAR_DATA = np.array([[1.0, 2.0, 3.0, 4.0], [2.0, 4.0, 6.0, 9.0], [0.5, -1.0, 0.0, 7.0]])

# (call, the same statistic from NumPy, whose ddof is PyTorch's correction)
VARIANCES = [
    (lambda x: x.var(), lambda a: np.var(a, ddof=1)),  # correction 1 (Bessel's) by default
    (lambda x: x.var(1), lambda a: np.var(a, axis=1, ddof=1)),
    (lambda x: x.var(-2, keepdim=True), lambda a: np.var(a, axis=0, ddof=1, keepdims=True)),
    (lambda x: x.var(dim=(0, 1), correction=2), lambda a: np.var(a, ddof=2)),
    (lambda x: x.var(1, correction=0), lambda a: np.var(a, axis=1)),
    (lambda x: x.var(correction=0.5), lambda a: np.var(a, ddof=0.5)),
    (lambda x: x.var(1, False), lambda a: np.var(a, axis=1)),  # the older positional unbiased=False
    (lambda x: x.var(0, True, True), lambda a: np.var(a, axis=0, ddof=1, keepdims=True)),
    (lambda x: x.var(False), lambda a: np.var(a)),  # var(unbiased): a bool first is unbiased, not a dim
    (lambda x: x.var(unbiased=True), lambda a: np.var(a, ddof=1)),
    (lambda x: tg.var(x, 1, keepdim=True, correction=0), lambda a: np.var(a, axis=1, keepdims=True)),
    (lambda x: x.std(), lambda a: np.std(a, ddof=1)),
    (lambda x: x.std(0), lambda a: np.std(a, axis=0, ddof=1)),
    (lambda x: x.std(1, False, True), lambda a: np.std(a, axis=1, keepdims=True)),
    (lambda x: tg.std(x, dim=-1, correction=0), lambda a: np.std(a, axis=-1)),
]


@pytest.mark.parametrize("call, expected", VARIANCES)
def test_var_and_std_match_numpys_with_ddof_equal_to_correction(call, expected):
    for dtype, rtol in ((tg.float64, 1e-14), (tg.float32, 1e-6)):
        out = call(tg.tensor(VAR_DATA, dtype=dtype))
        assert out.dtype == dtype
        np.testing.assert_allclose(out.numpy(), expected(VAR_DATA), rtol=rtol)


def test_var_by_hand_and_its_gradient_two_x_minus_mean_over_n_minus_1():
    x = tg.tensor([1.0, 2.0, 3.0, 4.0], requires_grad=True)  # mean 2.5
    v = x.var()
    assert v.item() == pytest.approx((2.25 + 0.25 + 0.25 + 2.25) / 3)
    v.backward()
    np.testing.assert_allclose(x.grad.numpy(), 2 * (np.array([1.0, 2.0, 3.0, 4.0]) - 2.5) / 3, rtol=1e-6)
    x.grad = None
    x.std(correction=0).backward()  # d sqrt(v)/dx = (dv/dx) / (2 sqrt(v)), with v = 1.25
    np.testing.assert_allclose(x.grad.numpy(), (2 * (x.data - 2.5) / 4) / (2 * np.sqrt(1.25)), rtol=1e-6)


def test_var_with_no_degrees_of_freedom_warns_and_gives_nan_or_inf_as_pytorch():
    with pytest.warns(UserWarning, match="degrees of freedom"):
        assert np.isnan(tg.tensor([3.0]).var().item())  # 0 / (1 - 1)
    with pytest.warns(UserWarning, match="degrees of freedom"):
        assert np.isnan(tg.tensor(3.0).var().item())  # a 0-d tensor is one element
    with pytest.warns(UserWarning, match="degrees of freedom"):
        assert tg.tensor([1.0, 2.0]).std(correction=2).item() == np.inf  # 0.5 / max(0, 2 - 2)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # enough elements: no warning
        assert tg.tensor(3.0).var(correction=0).item() == 0.0


@pytest.mark.parametrize(
    "call, error",
    [
        (lambda: tg.tensor([1, 2], dtype=tg.int64).var(), tg.DtypeError),  # as PyTorch: floats only
        (lambda: tg.ones(3).var(unbiased=True, correction=1), TypeError),
        (lambda: tg.ones(3).std(True, unbiased=False), TypeError),
        (lambda: tg.ones(3).var(correction="1"), TypeError),
        (lambda: tg.ones(2, 3).var(2), IndexError),
    ],
)
def test_var_and_std_refuse_bad_arguments(call, error):
    with pytest.raises(error):
        call()


# ---- split and chunk: tuples of slices ----------------------------------------------------------------

# (shape, call, the dim it cuts, the shapes of the pieces): torch.split / torch.chunk's rules
PIECES = [
    ((10,), lambda x: x.split(3), 0, [(3,), (3,), (3,), (1,)]),  # the last piece takes the rest
    ((10,), lambda x: x.split(20), 0, [(10,)]),
    ((10,), lambda x: x.split([3, 0, 7]), 0, [(3,), (0,), (7,)]),  # sections, an empty one among them
    ((10,), lambda x: x.split((3, 7)), 0, [(3,), (7,)]),
    ((2, 6), lambda x: x.split(4, -1), 1, [(2, 4), (2, 2)]),
    ((2, 6), lambda x: tg.split(x, 4, dim=1), 1, [(2, 4), (2, 2)]),
    ((5, 2), lambda x: tg.split(x, [4, 1]), 0, [(4, 2), (1, 2)]),
    ((0,), lambda x: x.split(2), 0, [(0,)]),  # an empty dimension is one empty piece
    ((0,), lambda x: x.split(0), 0, [(0,)]),
    ((10,), lambda x: x.chunk(3), 0, [(4,), (4,), (2,)]),  # pieces of ceil(10 / 3) = 4
    ((10,), lambda x: x.chunk(4), 0, [(3,), (3,), (3,), (1,)]),
    ((6,), lambda x: x.chunk(4), 0, [(2,), (2,), (2,)]),  # ceil(6 / 4) = 2: only 3 pieces
    ((6,), lambda x: x.chunk(5), 0, [(2,), (2,), (2,)]),
    ((3,), lambda x: x.chunk(20), 0, [(1,), (1,), (1,)]),
    ((0,), lambda x: x.chunk(3), 0, [(0,), (0,), (0,)]),  # an empty dimension: `chunks` empty pieces
    ((2, 6), lambda x: tg.chunk(x, 4, dim=1), 1, [(2, 2), (2, 2), (2, 2)]),
]


@pytest.mark.parametrize("shape, call, dim, shapes", PIECES)
def test_split_and_chunk_cut_pytorchs_pieces_which_join_back_into_the_tensor(shape, call, dim, shapes):
    data = np.arange(float(np.prod(shape))).reshape(shape)
    pieces = call(tg.tensor(data))
    assert isinstance(pieces, tuple)
    assert [p.shape for p in pieces] == shapes
    np.testing.assert_array_equal(np.concatenate([p.numpy() for p in pieces], axis=dim), data)


def test_each_pieces_gradient_goes_back_to_where_it_was_cut_from():
    x = tg.tensor(np.arange(10.0), requires_grad=True)
    a, b, c = x.split([2, 5, 3])
    (a.sum() * 1 + b.sum() * 10 + c.sum() * 100).backward()
    np.testing.assert_array_equal(x.grad.numpy(), [1, 1, 10, 10, 10, 10, 10, 100, 100, 100])
    y = tg.ones(2, 4, requires_grad=True)
    first, second = y.chunk(2, dim=1)
    (first * 3).sum().backward()  # the second piece is unused: its place gets no gradient
    np.testing.assert_array_equal(y.grad.numpy(), [[3, 3, 0, 0], [3, 3, 0, 0]])


@pytest.mark.parametrize(
    "call, error",
    [
        (lambda: tg.ones(10).split([3, 6]), tg.ShapeError),  # sections must sum to the size
        (lambda: tg.ones(10).split([-1, 11]), tg.ShapeError),
        (lambda: tg.ones(10).split(0), tg.ShapeError),
        (lambda: tg.ones(10).split(-1), tg.ShapeError),
        (lambda: tg.tensor(1.0).split(1), tg.ShapeError),  # nothing to cut in a 0-d tensor
        (lambda: tg.ones(10).split(3.0), TypeError),
        (lambda: tg.ones(10).split(True), TypeError),
        (lambda: tg.ones(10).split(2, dim=1), IndexError),
        (lambda: tg.ones(10).chunk(0), tg.ArgumentError),
        (lambda: tg.ones(10).chunk(-1), RuntimeError),
        (lambda: tg.ones(10).chunk(2.0), TypeError),
        (lambda: tg.tensor(1.0).chunk(1), tg.ShapeError),
    ],
)
def test_split_and_chunk_refuse_bad_arguments(call, error):
    with pytest.raises(error):
        call()


# ---- mm, view_as, reshape_as ---------------------------------------------------------------------------


def test_mm_is_the_product_of_two_matrices_only():
    a, b = np.arange(6.0).reshape(2, 3), np.arange(12.0).reshape(3, 4)
    np.testing.assert_array_equal(tg.tensor(a).mm(tg.tensor(b)).numpy(), a @ b)
    np.testing.assert_array_equal(tg.mm(tg.tensor(a), b).numpy(), a @ b)
    for left, right, message in [
        ((3,), (3, 4), "self must be a matrix"),
        ((2, 3), (3,), "mat2 must be a matrix"),
        ((2, 2, 3), (3, 4), "self must be a matrix"),
        ((2, 3), (4, 5), r"3 != 4"),
    ]:
        with pytest.raises(tg.ShapeError, match=message):
            tg.ones(*left).mm(tg.ones(*right))


def test_view_as_and_reshape_as_take_the_other_tensors_shape():
    x = tg.tensor(np.arange(6.0))
    for out in (x.view_as(tg.zeros(2, 3)), x.reshape_as(tg.zeros(2, 3))):
        assert out.shape == (2, 3)
        np.testing.assert_array_equal(out.numpy(), np.arange(6.0).reshape(2, 3))
    with pytest.raises(TypeError, match="Tensor"):
        x.view_as((2, 3))
    with pytest.raises(tg.ShapeError):
        x.reshape_as(tg.zeros(4, 2))


# ---- sum and mean with dtype=: the input is cast first, as PyTorch --------------------------------------


def test_sum_and_mean_with_dtype_cast_the_input_before_reducing():
    x = tg.tensor(np.array([1e8, 1.0, -1e8], dtype=np.float32), requires_grad=True)
    assert x.sum().item() == 0.0  # in float32, 1e8 + 1 rounds back to 1e8
    total = x.sum(dtype=tg.float64)  # in float64 the 1 survives
    assert total.dtype == np.float64 and total.item() == 1.0
    total.backward()  # and the gradient flows back to float32
    assert x.grad.dtype == np.float32
    np.testing.assert_array_equal(x.grad.numpy(), [1.0, 1.0, 1.0])
    assert tg.mean(x, dtype=tg.float64).item() == pytest.approx(1 / 3)
    assert tg.sum(x, 0, True, dtype=tg.float64).shape == (1,)
    ints = tg.tensor([1, 2, 4], dtype=tg.int64)
    assert ints.sum(dtype=tg.float64).dtype == np.float64 and ints.mean(dtype=tg.float32).item() == pytest.approx(7 / 3)
    with pytest.raises(tg.DtypeError, match="floating"):
        tg.ones(3).mean(dtype=tg.int64)  # a mean of ints has no dtype to round to, as PyTorch


# ---- log1p --------------------------------------------------------------------------------------------


def test_log1p_keeps_tiny_values_that_log_of_one_plus_x_rounds_away():
    tiny = tg.tensor([1e-10, -1e-9], dtype=tg.float32, requires_grad=True)
    assert (1 + tiny).log().tolist() == [0.0, 0.0]  # 1 + 1e-10 is 1 in float32
    np.testing.assert_allclose(tiny.log1p().detach().numpy(), [1e-10, -1e-9], rtol=1e-6)  # log(1 + x) ~ x
    x = tg.tensor([0.0, 1.0, -0.5], requires_grad=True)
    np.testing.assert_allclose(tg.log1p(x).detach().numpy(), np.log([1.0, 2.0, 0.5]), rtol=1e-6)
    tg.log1p(x).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [1.0, 0.5, 2.0])  # d log(1 + x)/dx = 1 / (1 + x)


def test_sigmoid_of_very_negative_float32_inputs_goes_down_through_the_subnormals():
    # sigmoid(x) = e^x / (1 + e^x) ~ e^x for x << 0: float32's subnormals reach down to 1.4e-45, so
    # log(sigmoid(-100)) is -100 to their precision (a capped exp stopped at ~1e-38: -87.7).
    s = tg.tensor([-100.0, -95.0, -90.0]).sigmoid()
    assert s.dtype == np.float32
    np.testing.assert_allclose(np.log(s.data.astype(np.float64)), [-100.0, -95.0, -90.0], atol=0.05)
    assert tg.tensor([-200.0]).sigmoid().item() == 0.0  # below the subnormals: 0, without a warning
    x = tg.tensor([-100.0], dtype=tg.float64, requires_grad=True)
    x.sigmoid().log().backward()
    assert x.grad.item() == pytest.approx(1.0, rel=1e-12)  # d log(sigmoid(x))/dx = 1 - sigmoid(x)


@pytest.mark.parametrize("dtype", [tg.float16, tg.float32, tg.float64])
def test_sigmoid_at_infinities_signed_zeros_and_nan(dtype):
    # sigmoid(-inf) = 0, sigmoid(inf) = 1, sigmoid(+-0) = 1/2 (either zero is x >= 0 or its mirror), nan stays nan:
    # the forward picks its numerator by the sign of x, so these are the cases that pick wrong if it does
    x = tg.tensor([-np.inf, np.inf, -0.0, 0.0, np.nan], dtype=dtype)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        s = x.sigmoid()
    assert s.dtype == dtype
    np.testing.assert_array_equal(s.numpy(), np.array([0.0, 1.0, 0.5, 0.5, np.nan], dtype=dtype))
