"""One engine, any array kind: every op's forward and backward run unchanged on arrays other than ndarrays.

`Box` below is the smallest array of another kind: an ndarray inside, and every NumPy call on it
(NumPy's `__array_ufunc__`/`__array_function__` protocol, operators, ndarray methods) gives a Box
again. It refuses to be converted to an ndarray, so any place where the engine or an op assumes
ndarrays (`np.asarray(x)`, `np.zeros(shape)` filled with gradients) fails here. Every row of the
gradcheck table runs with Boxes inside its input tensors, and must give eager mode's values and
gradients bit for bit, as Boxes. This is the seam tg.compile's traced arrays flow through.
"""

from __future__ import annotations

import numpy as np
import pytest
from test_gradcheck_ops import CASES, draw

import tinygrad_edu as tg
from tinygrad_edu.autograd import hooks


class Leak(AssertionError):
    """A Box was turned into a plain ndarray: something assumed ndarrays."""


def _unbox(x):
    if isinstance(x, Box):
        return x.a
    if isinstance(x, (list, tuple)):
        return _same_kind(x, [_unbox(v) for v in x])
    if isinstance(x, dict):
        return {k: _unbox(v) for k, v in x.items()}
    return x


def _box(x):
    if isinstance(x, (np.ndarray, np.generic)):
        return Box(x)
    if isinstance(x, (list, tuple)):
        return _same_kind(x, [_box(v) for v in x])
    return x


def _same_kind(x, items):
    """items as a sequence of x's type: a named tuple (np.linalg.svd's result) is made from its fields."""
    return x._make(items) if hasattr(x, "_fields") else type(x)(items)


class Box(np.lib.mixins.NDArrayOperatorsMixin):
    """An array of another kind: NumPy's protocol on an ndarray inside (see the module docstring)."""

    def __init__(self, a):
        self.a = a

    shape = property(lambda self: self.a.shape)
    dtype = property(lambda self: self.a.dtype)
    ndim = property(lambda self: self.a.ndim)
    size = property(lambda self: self.a.size)
    flags = property(lambda self: np.asarray(self.a).flags)
    base = property(lambda self: None)
    T = property(lambda self: Box(self.a.T))

    def __array__(self, dtype=None, copy=None):
        raise Leak("a Box was converted to an ndarray")

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        out = kwargs.pop("out", None)
        if out is not None:
            target = out[0]
            getattr(ufunc, method)(*_unbox(inputs), out=(_unbox(target),), **_unbox(kwargs))
            return target
        if method == "at":
            getattr(ufunc, method)(*_unbox(inputs), **_unbox(kwargs))
            return None
        return _box(getattr(ufunc, method)(*_unbox(inputs), **_unbox(kwargs)))

    def __array_function__(self, func, types, args, kwargs):
        return _box(func(*_unbox(args), **_unbox(kwargs)))

    def __getitem__(self, index):
        return _box(self.a[_unbox(index)])

    def __setitem__(self, index, value):
        self.a[_unbox(index)] = _unbox(value)

    def __len__(self):
        return len(self.a)

    def __bool__(self):
        return bool(self.a)

    def __getattr__(self, name):  # ndarray's methods (sum, reshape, astype, copy, ...) give Boxes
        method = getattr(self.a, name)
        return lambda *args, **kwargs: _box(method(*_unbox(args), **_unbox(kwargs)))


def _run(op, shapes, boxed: bool):
    rng = np.random.default_rng(0)
    inputs = [draw(shape, op.positive, rng) for shape in shapes]
    if boxed:
        for t in inputs:
            t.data = Box(t.data)
    out = op.fn(*inputs)
    outs = out if isinstance(out, tuple) else (out,)
    total = sum(((o * o).sum() for o in outs), tg.tensor(0.0, dtype=tg.float64))
    total.backward()
    return [o.data for o in outs], [t.grad.data if t.grad is not None else None for t in inputs]


@pytest.mark.parametrize("op, shapes", CASES)
def test_every_op_runs_unchanged_on_another_array_kind(op, shapes) -> None:
    values, grads = _run(op, shapes, boxed=False)
    boxed_values, boxed_grads = _run(op, shapes, boxed=True)
    for plain, boxed in zip(values + grads, boxed_values + boxed_grads):
        if plain is None:
            assert boxed is None
            continue
        assert isinstance(boxed, Box), f"{op.name}: got {type(boxed).__name__}, not the inputs' array kind"
        assert boxed.a.dtype == plain.dtype and boxed.a.shape == plain.shape
        np.testing.assert_array_equal(boxed.a, plain)  # bit for bit: the same NumPy calls


def test_the_hook_object_sees_every_forward_and_backward() -> None:
    seen = []

    class Watcher:
        def forward(self, fn, out):
            seen.append(("forward", fn.name))

        def backward(self, fn, grads):
            seen.append(("backward", fn.name))

    x = tg.tensor([1.0, 2.0], requires_grad=True)
    with hooks.watching(Watcher()):
        y = (x * 2).exp().sum()
        y.backward()
    assert seen == [
        ("forward", "Mul"),
        ("forward", "Exp"),
        ("forward", "Sum"),
        ("backward", "Sum"),
        ("backward", "Exp"),
        ("backward", "Mul"),
    ]
    assert not hooks.active and hooks.watchers == []
    (x * 2).sum().backward()
    assert len(seen) == 6  # uninstalled: nothing more is seen


OPTIMIZERS = [
    ("SGD", lambda ps: tg.optim.SGD(ps, lr=0.1)),
    (
        "SGD momentum, Nesterov, weight decay",
        lambda ps: tg.optim.SGD(ps, lr=0.1, momentum=0.9, nesterov=True, weight_decay=0.01),
    ),
    ("Adam", lambda ps: tg.optim.Adam(ps, lr=0.01)),
    ("AdamW, amsgrad, maximize", lambda ps: tg.optim.AdamW(ps, lr=0.01, amsgrad=True, maximize=True)),
]


def _train(make_opt, boxed: bool):
    rng = np.random.default_rng(2)
    w = tg.tensor(rng.standard_normal((3, 2)), requires_grad=True)
    if boxed:
        w.data = Box(w.data)
    opt = make_opt([w])
    x = tg.tensor(rng.standard_normal((4, 3)))
    for _ in range(3):
        opt.zero_grad()
        ((x @ w).tanh() ** 2).sum().backward()
        opt.step()
    return w.data, [v for v in opt.state.get(w, {}).values()]


@pytest.mark.parametrize("name, make_opt", OPTIMIZERS, ids=[o[0] for o in OPTIMIZERS])
def test_optimizers_update_another_array_kind_in_place(name, make_opt) -> None:
    plain, plain_state = _train(make_opt, boxed=False)
    boxed, boxed_state = _train(make_opt, boxed=True)
    assert isinstance(boxed, Box)
    np.testing.assert_array_equal(boxed.a, plain)
    for p, b in zip(plain_state, boxed_state):
        assert isinstance(b, Box), "optimizer state made as a plain ndarray"
        np.testing.assert_array_equal(b.a, p)
