"""NumPy's protocol on Tensor (tinygrad_edu/numpy_dispatch.py): NumPy's functions give Tensors in the graph.

The gradients of the NumPy forms are checked by gradcheck in tests/test_gradcheck_ops.py (the rows
named np.*); here: what comes back, the dtype rules of `ndarray op tensor`, the detached write into
an ndarray `out=`, and the errors.
"""

from __future__ import annotations

import numpy as np
import pytest

import tinygrad_edu as tg


def test_np_sin_is_a_tensor_in_the_graph_and_its_gradient_is_cos() -> None:
    x = tg.tensor([0.0, 0.5, 2.0], dtype=tg.float64, requires_grad=True)
    y = np.sin(x)
    assert isinstance(y, tg.Tensor) and y.grad_fn is not None
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), np.cos([0.0, 0.5, 2.0]), rtol=0, atol=1e-15)


# (NumPy call, the Tensor expression it must equal, value and gradient)
SAME_AS_METHOD = [
    ("np.exp", lambda t: np.exp(t), lambda t: t.exp()),
    ("np.sum axis=0", lambda t: np.sum(t, axis=0), lambda t: t.sum(0)),
    ("np.sum keepdims", lambda t: np.sum(t, axis=1, keepdims=True), lambda t: t.sum(1, keepdim=True)),
    ("np.mean", lambda t: np.mean(t), lambda t: t.mean()),
    ("np.max axis=1", lambda t: np.max(t, axis=1), lambda t: t.amax(1)),
    ("np.min", lambda t: np.min(t), lambda t: t.amin()),
    ("np.clip", lambda t: np.clip(t, -0.1, 0.2), lambda t: t.clamp(-0.1, 0.2)),
    ("np.transpose", lambda t: np.transpose(t), lambda t: t.T),
    ("np.reshape", lambda t: np.reshape(t, (3, 2)), lambda t: t.reshape(3, 2)),
    ("np.dot", lambda t: np.dot(t, np.transpose(t)), lambda t: t @ t.T),
    ("np.square", lambda t: np.square(t), lambda t: t * t),
    ("-ndarray + tensor", lambda t: np.ones((2, 3)) - t, lambda t: 1.0 - t),
]


@pytest.mark.parametrize("name, numpy_form, tensor_form", SAME_AS_METHOD, ids=[r[0] for r in SAME_AS_METHOD])
def test_numpy_form_equals_the_tensor_method_in_value_and_gradient(name, numpy_form, tensor_form) -> None:
    values = np.array([[0.3, -0.2, 0.7], [-0.5, 0.1, 0.25]])
    a = tg.tensor(values, dtype=tg.float64, requires_grad=True)
    b = tg.tensor(values, dtype=tg.float64, requires_grad=True)
    ya, yb = numpy_form(a), tensor_form(b)
    assert isinstance(ya, tg.Tensor) and ya.requires_grad
    np.testing.assert_array_equal(ya.detach().numpy(), yb.detach().numpy())
    (ya * ya).sum().backward()
    (yb * yb).sum().backward()
    np.testing.assert_array_equal(a.grad.numpy(), b.grad.numpy())


# ndarray (or NumPy number) on the left of a float32 tensor: PyTorch's result dtypes
DTYPES = [
    ("int64 ndarray * float32 tensor", lambda t: np.arange(3) * t, np.float32),
    ("float64 ndarray + float32 tensor", lambda t: np.zeros(3) + t, np.float64),
    ("np.float64(2) * float32 tensor", lambda t: np.float64(2.0) * t, np.float32),
    ("bool ndarray - float32 tensor", lambda t: np.array([True, False, True]) - t, np.float32),
    ("float32 ndarray / float32 tensor", lambda t: np.ones(3, np.float32) / t, np.float32),
]


@pytest.mark.parametrize("name, fn, dtype", DTYPES, ids=[r[0] for r in DTYPES])
def test_ndarray_op_tensor_is_a_tensor_with_pytorchs_dtype(name, fn, dtype) -> None:
    t = tg.tensor([1.0, 2.0, 4.0], requires_grad=True)
    out = fn(t)
    assert isinstance(out, tg.Tensor) and out.requires_grad
    assert out.dtype == dtype


def test_ndarray_op_tensor_matches_the_reflected_operator() -> None:
    t = tg.tensor([1.0, 2.0, 4.0])
    a = np.array([3.0, 5.0, 7.0], dtype=np.float32)
    for numpy_side, reflected in [
        (a * t, t.__rmul__(a)),
        (a - t, t.__rsub__(a)),
        (a**t, t.__rpow__(a)),
        (a < t, t > a),
    ]:
        np.testing.assert_array_equal(numpy_side.numpy(), reflected.numpy())
        assert numpy_side.dtype == reflected.dtype


def test_p_data_update_is_a_detached_write_into_the_same_array() -> None:
    p = tg.tensor([1.0, 2.0], requires_grad=True)
    (p * p).sum().backward()  # p.grad = 2p = [2, 4]
    array = p.data
    lr = 0.1
    p.data += -lr * p.grad
    assert p.data is array and type(p.data) is np.ndarray
    np.testing.assert_allclose(p.data, [0.8, 1.6], rtol=1e-6)
    assert p.grad_fn is None and p.requires_grad


def test_ndarray_out_receives_the_values_and_records_nothing() -> None:
    t = tg.tensor([1.0, 2.0], requires_grad=True)
    out = np.zeros(2, dtype=np.float32)
    result = np.multiply(t, 3.0, out=out)
    assert result is out
    np.testing.assert_array_equal(out, [3.0, 6.0])
    total = np.zeros((), dtype=np.float32)
    np.sum(t, out=total)
    assert total == 3.0


def test_a_tensor_as_out_is_refused_with_what_to_do() -> None:
    t = tg.tensor([1.0, 2.0])
    with pytest.raises(TypeError, match=r"out=.*t\.data"):
        np.add(t, 1.0, out=t)


UNSUPPORTED = [
    ("np.linalg.eig", lambda t: np.linalg.eig(t)),  # (np.linalg.inv, solve, det, svd are in the table)
    ("np.fft.fft", lambda t: np.fft.fft(t)),
    ("np.add.reduce", lambda t: np.add.reduce(t)),
    ("np.ldexp", lambda t: np.ldexp(t, 2)),
]


@pytest.mark.parametrize("name, call", UNSUPPORTED, ids=[r[0] for r in UNSUPPORTED])
def test_a_numpy_function_outside_the_table_names_itself_and_the_way_out(name, call) -> None:
    t = tg.tensor([[1.0, 2.0], [3.0, 5.0]], requires_grad=True)
    with pytest.raises(TypeError) as caught:
        call(t)
    assert name in str(caught.value)
    assert "t.detach().numpy()" in str(caught.value)


def test_the_detached_values_still_work_with_any_numpy_function() -> None:
    t = tg.tensor([[1.0, 2.0], [3.0, 5.0]], requires_grad=True)
    np.testing.assert_allclose(np.linalg.inv(t.detach().numpy()) @ t.detach().numpy(), np.eye(2), atol=1e-6)
    assert np.asarray(t).shape == (2, 2)  # __array__ still converts: np.asarray takes the plain values


def test_shape_facts_through_numpy() -> None:
    t = tg.zeros(2, 3)
    assert np.shape(t) == (2, 3) and np.ndim(t) == 2 and np.size(t) == 6
