"""PyTorch-style custom Functions: the errors (each clear where PyTorch's is terse), freeing, hooks and the fast path.

Gradients are compared with torch.autograd.Function in test_torch_parity_custom_function.py; each error case here
is a function of `lib` so that file checks PyTorch refuses the same code too.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import tinygrad_edu as tg


def _function(lib: Any, backward: Any, forward: Any = None) -> Any:
    """A Function whose forward is x * y (or `forward`) and whose backward is `backward(ctx, grad_output)`."""

    class Custom(lib.autograd.Function):
        @staticmethod
        def forward(ctx, x, y):
            ctx.save_for_backward(x, y)
            return forward(x, y) if forward else x * y

        @staticmethod
        def backward(ctx, grad_output):
            return backward(ctx, grad_output)

    return Custom


def _tensor(lib: Any, values: Any, requires_grad: bool = True) -> Any:
    return (tg.tensor if lib is tg else lib.tensor)(values, requires_grad=requires_grad)


def too_few_gradients(lib: Any) -> None:
    f = _function(lib, lambda ctx, g: g)
    f.apply(_tensor(lib, [1.0, 2.0]), _tensor(lib, [3.0, 4.0])).sum().backward()


def too_many_gradients(lib: Any) -> None:
    f = _function(lib, lambda ctx, g: (g, g, g))
    f.apply(_tensor(lib, [1.0, 2.0]), _tensor(lib, [3.0, 4.0])).sum().backward()


def wrong_shape(lib: Any) -> None:
    f = _function(lib, lambda ctx, g: (g.sum(), g[:1]))
    f.apply(_tensor(lib, [1.0, 2.0]), _tensor(lib, [3.0, 4.0])).sum().backward()


def gradient_for_a_number(lib: Any) -> None:
    class Scale(lib.autograd.Function):
        @staticmethod
        def forward(ctx, x, k):
            return x * k

        @staticmethod
        def backward(ctx, grad_output):
            return grad_output * 2, grad_output.sum()

    Scale.apply(_tensor(lib, [1.0, 2.0]), 2.0).sum().backward()


def saved_input_changed_in_place(lib: Any) -> None:
    f = _function(lib, lambda ctx, g: tuple(ctx.saved_tensors))
    x, y = _tensor(lib, [1.0, 2.0]), _tensor(lib, [3.0, 4.0], requires_grad=False)
    out = f.apply(x, y)
    y.add_(1.0)
    out.sum().backward()


def keyword_argument_counts_as_an_input(lib: Any) -> None:
    # forward(ctx, x, y) called as apply(x, y=...): y is an input too, so backward owes it a gradient
    f = _function(lib, lambda ctx, g: g)
    f.apply(_tensor(lib, [1.0]), y=_tensor(lib, [2.0])).sum().backward()


def second_backward_without_retain_graph(lib: Any) -> None:
    f = _function(lib, lambda ctx, g: tuple(g * t for t in reversed(ctx.saved_tensors)))
    out = f.apply(_tensor(lib, [1.0]), _tensor(lib, [2.0])).sum()
    out.backward()
    out.backward()


# (case, the error we raise, what our message says)
ERRORS = [
    (too_few_gradients, RuntimeError, r"Custom.backward returned 1 gradient\(s\) but forward had 2 input"),
    (too_many_gradients, RuntimeError, r"returned 3 gradient\(s\) but forward had 2 input"),
    (wrong_shape, RuntimeError, r"Custom.backward returned a gradient of shape \(\) for input 0 of shape \(2,\)"),
    (gradient_for_a_number, RuntimeError, "gradient for input 1, which is a float, not a tensor: return None"),
    (saved_input_changed_in_place, RuntimeError, "saved tensor 1 of Custom .* is at version 1; expected version 0"),
    (keyword_argument_counts_as_an_input, RuntimeError, r"returned 1 gradient\(s\) but forward had 2 input"),
    (second_backward_without_retain_graph, RuntimeError, "a second time"),
]


@pytest.mark.parametrize("case, error, message", ERRORS, ids=[e[0].__name__ for e in ERRORS])
def test_errors_are_clear(case, error, message):
    with pytest.raises(error, match=message):
        case(tg)


def test_broadcast_gradient_is_summed_back_as_in_pytorch():
    # backward may return the gradient of the broadcast shape (as PyTorch allows): the engine sums it back
    f = _function(tg, lambda ctx, g: (g * ctx.saved_tensors[1], g * ctx.saved_tensors[0]))
    x, y = tg.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True), tg.tensor([10.0, 20.0], requires_grad=True)
    f.apply(x, y).sum().backward()
    assert np.array_equal(y.grad.numpy(), [4.0, 6.0])  # sum over rows of x
    assert np.array_equal(x.grad.numpy(), [[10.0, 20.0], [10.0, 20.0]])


def test_saved_tensors_are_freed_after_backward_and_kept_with_retain_graph():
    f = _function(tg, lambda ctx, g: tuple(g * t for t in reversed(ctx.saved_tensors)))
    x, y = tg.tensor([2.0], requires_grad=True), tg.tensor([3.0], requires_grad=True)
    out = f.apply(x, y)
    out.backward(retain_graph=True)
    out.backward()
    assert x.grad.item() == 6.0 and y.grad.item() == 4.0  # two backward passes accumulate
    assert out.grad_fn.ctx._saved == ()


def test_constants_only_record_nothing_and_mark_non_differentiable_outputs():
    f = _function(tg, lambda ctx, g: (g, g))
    out = f.apply(tg.tensor([1.0]), tg.tensor([2.0]))
    assert not out.requires_grad and out.grad_fn is None

    class ArgMax(tg.Function):
        @staticmethod
        def forward(ctx, x):
            index = x.argmax()
            value = x.max()
            ctx.mark_non_differentiable(index)
            ctx.is_max = x == value
            return value, index

        @staticmethod
        def backward(ctx, grad_value, grad_index):
            assert grad_index.numpy() == 0  # a materialized zero for the output without a gradient
            return grad_value * ctx.is_max

    x = tg.tensor([1.0, 5.0, 2.0], requires_grad=True)
    value, index = ArgMax.apply(x)
    assert value.requires_grad and not index.requires_grad
    (value * 2).backward()
    assert np.array_equal(x.grad.numpy(), [0.0, 2.0, 0.0])


def test_forward_returning_outputs_of_two_float_dtypes_is_an_error():
    class Two(tg.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2, (x * 3).double()

        @staticmethod
        def backward(ctx, a, b):
            return a + b

    with pytest.raises(TypeError, match=r"outputs with gradients of different dtypes \(float32, float64\)"):
        Two.apply(tg.tensor([1.0], requires_grad=True))


def test_graph_node_is_named_after_the_user_class_and_the_hook_sees_it():
    f = _function(tg, lambda ctx, g: (g, g))
    seen = []

    class Watch:
        def forward(self, fn, out):
            seen.append(fn.name)

        def backward(self, fn, grads):
            seen.append("back " + fn.name)

    with tg.autograd.hooks.watching(Watch()):
        out = f.apply(tg.tensor([1.0], requires_grad=True), tg.tensor([2.0]))
        out.backward()
    assert repr(out.grad_fn) == "<CustomBackward>" and seen == [
        "Mul",
        "Custom",
        "back Custom",
    ]  # the Mul inside forward, then the node


def test_library_ops_keep_the_fast_apply():
    # Only a PyTorch-style class gets the other apply; an op written our way (instance methods) keeps Function.apply,
    # so the library's ops pay no per-call check for the new style.
    from tinygrad_edu.autograd import custom_function

    class Ours(tg.Function):
        def forward(self, x):
            return x

        def backward(self, grad_out):
            return grad_out

    assert Ours.apply.__func__ is tg.Function.apply.__func__
    assert _function(tg, lambda ctx, g: g).apply.__func__ is custom_function.apply
    assert {type(op).apply.__func__ for op in [(tg.tensor([1.0], requires_grad=True) * 2).grad_fn]} == {
        tg.Function.apply.__func__
    }


class _Softplus(tg.Function):
    """log(1 + e^x), saving its input; d/dx = sigmoid(x)."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return (x.exp() + 1).log()

    @staticmethod
    def backward(ctx, grad_output):
        (x,) = ctx.saved_tensors
        return grad_output * x.sigmoid()


class _MinMax(tg.Function):
    """Two outputs with gradients: the smaller and the larger of a and b, elementwise."""

    @staticmethod
    def forward(ctx, a, b):
        ctx.a_smaller = a < b
        return tg.minimum(a, b), tg.maximum(a, b)

    @staticmethod
    def backward(ctx, grad_min, grad_max):
        s = ctx.a_smaller
        return tg.where(s, grad_min, grad_max), tg.where(s, grad_max, grad_min)


# (name, function, input shapes): gradcheck in float64, as the op table checks the library's ops
GRADCHECK_ROWS = [
    ("softplus", lambda x: _Softplus.apply(x), [(3, 4)]),
    ("min_max", lambda a, b: _MinMax.apply(a, b), [(5,), (5,)]),
    ("min_max_broadcast_used_once", lambda a, b: _MinMax.apply(a, b)[1] * 2, [(2, 3), (3,)]),
]


@pytest.mark.parametrize("name, fn, shapes", GRADCHECK_ROWS, ids=[r[0] for r in GRADCHECK_ROWS])
def test_gradcheck_passes_for_pytorch_style_functions(name, fn, shapes):
    rng = np.random.default_rng(0)
    inputs = [tg.tensor(rng.uniform(-2, 2, s), dtype=tg.float64, requires_grad=True) for s in shapes]
    assert tg.gradcheck(fn, inputs)
    assert tg.gradgradcheck(fn, inputs)
