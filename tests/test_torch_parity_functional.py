"""tg.autograd.functional next to torch.autograd.functional: the same calls, the same structure, shapes and values.

Each row is one call written once, `call(lib, F, inputs, v)` with F = lib.autograd.functional, run on the same
float64 inputs under both libraries; the results (a Tensor, a tuple, a tuple of tuples) must have the same
structure and agree to 1e-10, including the Hessian and Hessian-vector product of a 2-layer MLP's loss.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import tinygrad_edu as tg
import tinygrad_edu.autograd.functional  # noqa: F401  (tg.autograd.functional)

torch = pytest.importorskip("torch")


def _lib_tensor(lib: Any, array: np.ndarray) -> Any:
    return tg.tensor(array) if lib is tg else torch.tensor(array)


def _structure(result: Any) -> Any:
    """result as nested tuples of ndarrays (and a marker for a Tensor), to compare across the two libraries."""
    if isinstance(result, tuple):
        return tuple(_structure(r) for r in result)
    return np.asarray(result.detach().numpy())


def _assert_same(ours: Any, theirs: Any) -> None:
    if isinstance(theirs, tuple):
        assert isinstance(ours, tuple) and len(ours) == len(theirs)
        for a, b in zip(ours, theirs):
            _assert_same(a, b)
    else:
        assert not isinstance(ours, tuple)
        assert ours.shape == theirs.shape
        np.testing.assert_allclose(ours, theirs, rtol=1e-10, atol=1e-10)


def _random(shape: tuple[int, ...], seed: int) -> np.ndarray:
    return np.random.default_rng(seed).uniform(-1.0, 1.0, shape)


# functions of tensors written with names both libraries have
def cube_sum(x):
    return (x**3).sum()


def elementwise(x):
    return x.sin() * x.exp()


def two_in_two_out(x, y):
    return x @ y, (x * x).sum(0)


def scalar_of_two(x, y):
    return (x.tanh() @ y).sum() * (y**2).sum()


def ignores_y(x, y):
    return x * 2


# (name, the call, input shapes (a tuple of shapes: a tuple of inputs), v's shapes or None, needs second derivatives)
ROWS = [
    ("vjp_single", lambda F, i, v: F.vjp(elementwise, i, v), (3,), (3,), False),
    ("vjp_scalar_no_v", lambda F, i, v: F.vjp(cube_sum, i), (2, 2), None, False),
    ("vjp_tuples", lambda F, i, v: F.vjp(two_in_two_out, i, v), ((2, 3), (3, 4)), ((2, 4), (3,)), False),
    ("vjp_unused_input_zeros", lambda F, i, v: F.vjp(ignores_y, i, v), ((3,), (2,)), (3,), False),
    ("jacobian_single", lambda F, i, v: F.jacobian(elementwise, i), (2, 3), None, False),
    ("jacobian_tuples", lambda F, i, v: F.jacobian(two_in_two_out, i), ((2, 3), (3, 2)), None, False),
    ("jacobian_tuple_in", lambda F, i, v: F.jacobian(scalar_of_two, i), ((2, 3), (3,)), None, False),
    ("jacobian_vectorize", lambda F, i, v: F.jacobian(elementwise, i, vectorize=True), (3,), None, False),
    ("jacobian_unused", lambda F, i, v: F.jacobian(ignores_y, i), ((2,), (3,)), None, False),
    ("jvp_single", lambda F, i, v: F.jvp(elementwise, i, v), (3,), (3,), True),
    ("jvp_tuples", lambda F, i, v: F.jvp(two_in_two_out, i, v), ((2, 3), (3, 4)), ((2, 3), (3, 4)), True),
    ("hessian_single", lambda F, i, v: F.hessian(cube_sum, i), (2, 2), None, True),
    ("hessian_tuple", lambda F, i, v: F.hessian(scalar_of_two, i), ((2, 3), (3,)), None, True),
    ("vhp_tuple", lambda F, i, v: F.vhp(scalar_of_two, i, v), ((2, 3), (3,)), ((2, 3), (3,)), True),
    ("hvp_tuple", lambda F, i, v: F.hvp(scalar_of_two, i, v), ((2, 3), (3,)), ((2, 3), (3,)), True),
    ("hvp_scalar_input", lambda F, i, v: F.hvp(lambda x: x.exp() * x, i), (), None, True),
    ("jacobian_create_graph", lambda F, i, v: F.jacobian(elementwise, i, create_graph=True), (3,), None, True),
]


def _inputs(lib: Any, shapes: Any, seed: int) -> Any:
    if isinstance(shapes, tuple) and shapes and isinstance(shapes[0], tuple):
        return tuple(_lib_tensor(lib, _random(s, seed + k)) for k, s in enumerate(shapes))
    return _lib_tensor(lib, _random(shapes, seed))


@pytest.mark.parametrize("name, call, shapes, v_shapes, second", ROWS, ids=[r[0] for r in ROWS])
def test_same_structure_and_values_as_torch(name, call, shapes, v_shapes, second):
    results = []
    for lib in (tg, torch):
        inputs = _inputs(lib, shapes, 0)
        v = None if v_shapes is None else _inputs(lib, v_shapes, 100)
        results.append(_structure(call(lib.autograd.functional, inputs, v)))
    _assert_same(*results)


def _mlp_loss(lib: Any) -> Any:
    """A 2-layer MLP's BCE-with-logits loss on fixed data, as a function of its four parameters."""
    x = _lib_tensor(lib, _random((5, 3), 7))
    y = _lib_tensor(lib, (np.random.default_rng(8).uniform(size=(5, 1)) > 0.5).astype(np.float64))
    nn = tg.nn if lib is tg else torch.nn

    def loss(w1, b1, w2, b2):
        logits = (x @ w1 + b1).tanh() @ w2 + b2
        return nn.functional.binary_cross_entropy_with_logits(logits, y)

    params = tuple(_lib_tensor(lib, _random(s, 20 + k)) for k, s in enumerate([(3, 4), (4,), (4, 1), (1,)]))
    return loss, params


@pytest.mark.parametrize("what", ["hessian", "hvp"])
def test_mlp_loss_hessian_and_hvp_equal_torch_to_1e_10(what):
    results = []
    for lib in (tg, torch):
        loss, params = _mlp_loss(lib)
        if what == "hessian":
            results.append(_structure(lib.autograd.functional.hessian(loss, params)))
        else:
            v = tuple(_lib_tensor(lib, _random(tuple(p.shape), 50 + k)) for k, p in enumerate(params))
            results.append(_structure(lib.autograd.functional.hvp(loss, params, v)))
    _assert_same(*results)


def test_create_graph_results_can_be_differentiated_again():
    # d/dx of sum(J(x)) for elementwise(x) = sin(x) e^x: J is diagonal, so this is the derivative of f'(x)
    rows = []
    for lib in (tg, torch):
        x = _lib_tensor(lib, _random((3,), 1)).requires_grad_()
        jac = lib.autograd.functional.jacobian(elementwise, x, create_graph=True)
        assert jac.requires_grad
        rows.append(lib.autograd.grad(jac.sum(), x)[0].detach().numpy())
    np.testing.assert_allclose(rows[0], rows[1], rtol=1e-12)


def _call_both(call: Any) -> list[str]:
    """The messages of the errors the call raises under each library (both must raise the same type)."""
    messages, types = [], []
    for lib in (tg, torch):
        with pytest.raises((RuntimeError, TypeError, ValueError, NotImplementedError, AssertionError)) as info:
            call(lib, lib.autograd.functional)
        messages.append(str(info.value))
        types.append(info.type)
    return messages


def _t(lib: Any, *values: float) -> Any:
    return _lib_tensor(lib, np.array(values, dtype=np.float64))


# (name, call, a phrase our message has, PyTorch refuses too)
ERRORS = [
    ("v_missing", lambda lib, F: F.vjp(elementwise, _t(lib, 1, 2)), "v can only be None"),
    ("v_wrong_shape", lambda lib, F: F.vjp(elementwise, _t(lib, 1, 2), _t(lib, 1)), "v has invalid size"),
    ("v_wrong_length", lambda lib, F: F.jvp(two_in_two_out, (_t(lib, 1), _t(lib, 1)), (_t(lib, 1),)), "invalid length"),
    ("not_a_tensor", lambda lib, F: F.jacobian(elementwise, [1.0]), "must be either a Tensor or a tuple of Tensors"),
    (
        "strict_unused",
        lambda lib, F: F.jacobian(ignores_y, (_t(lib, 1), _t(lib, 2)), strict=True),
        "independent of input 1",
    ),
    (
        "strict_constant_output",
        lambda lib, F: F.vjp(lambda x: _t(lib, 3), _t(lib, 1), strict=True),
        "does not require gradients",
    ),
    (
        "strict_vectorize",
        lambda lib, F: F.jacobian(elementwise, _t(lib, 1), strict=True, vectorize=True),
        "not supported together",
    ),
    ("hessian_not_scalar", lambda lib, F: F.hessian(elementwise, _t(lib, 1, 2)), "should contain a single element"),
    (
        "hessian_tuple_out",
        lambda lib, F: F.hessian(lambda x: (x.sum(), x.sum()), _t(lib, 1)),
        "should return a single Tensor",
    ),
]


@pytest.mark.parametrize("name, call, phrase", ERRORS, ids=[e[0] for e in ERRORS])
def test_errors_as_torch(name, call, phrase):
    ours, theirs = _call_both(call)
    assert phrase in ours and phrase in theirs


def test_strategy_forward_mode_is_a_clear_error():
    with pytest.raises(NotImplementedError, match='strategy="forward-mode" is not available'):
        tg.autograd.functional.jacobian(elementwise, tg.tensor([1.0]), strategy="forward-mode")
    with pytest.raises(ValueError, match="strategy must be"):
        tg.autograd.functional.jacobian(elementwise, tg.tensor([1.0]), strategy="sideways")
