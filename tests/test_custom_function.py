"""PyTorch-style custom Functions: the errors (each clear where PyTorch's is terse), freeing, hooks and the fast path.

Gradients are compared with torch.autograd.Function in test_torch_parity_custom_function.py; each error case here
is a function of `lib` so that file checks PyTorch refuses the same code too.
"""

from __future__ import annotations

import re
import subprocess
import sys
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


def _add_one(lib: Any) -> Any:
    """A Function that adds 1 to its input in place and says so with ctx.mark_dirty."""

    class AddOne(lib.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            x.add_(1.0)
            ctx.mark_dirty(x)
            return x

        @staticmethod
        def backward(ctx, grad_output):
            return grad_output * 2  # (not the true derivative 1: a factor that shows the gradient went through)

    return AddOne


def dirty_leaf_that_requires_grad(lib: Any) -> None:
    _add_one(lib).apply(_tensor(lib, [1.0, 2.0]))


def dirty_view_of_a_leaf_that_requires_grad(lib: Any) -> None:
    _add_one(lib).apply(_tensor(lib, [1.0, 2.0, 3.0])[1:])


def dirty_but_not_returned(lib: Any) -> None:
    class Twice(lib.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            x.mul_(2.0)
            ctx.mark_dirty(x)
            return x * 1.0  # a new tensor, not x

        @staticmethod
        def backward(ctx, grad_output):
            return grad_output * 2

    Twice.apply(_tensor(lib, [1.0]) * 1.0)


def dirty_input_saved_before_by_another_op(lib: Any) -> None:
    x = _tensor(lib, [1.0, 2.0]) * 1.0
    square = x * x  # Mul saved x, which AddOne then changes
    _add_one(lib).apply(x)
    square.sum().backward()


def once_differentiable_twice(lib: Any) -> None:
    class Cube(lib.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x * x * x

        @staticmethod
        @lib.autograd.function.once_differentiable
        def backward(ctx, grad_output):
            (x,) = ctx.saved_tensors
            return grad_output * 3 * x * x

    x = _tensor(lib, [1.0, 2.0])
    (grad,) = lib.autograd.grad((Cube.apply(x) ** 2).sum(), x, create_graph=True)  # grad_output requires grad
    grad.sum().backward()


# (case, the error we raise, what our message says, key words PyTorch's message has too: checked, case-insensitive,
# in both, here for ours and in test_torch_parity_custom_function.py for PyTorch's)
ERRORS = [
    (
        too_few_gradients,
        RuntimeError,
        r"Custom.backward returned 1 gradient\(s\) but forward had 2 input",
        "returned .*gradient",
    ),
    (too_many_gradients, RuntimeError, r"returned 3 gradient\(s\) but forward had 2 input", "returned .*gradient"),
    (
        wrong_shape,
        RuntimeError,
        r"Custom.backward returned a gradient of shape \(\) for input 0 of shape \(2,\)",
        "returned an? .*gradient",
    ),
    (
        gradient_for_a_number,
        RuntimeError,
        "gradient for input 1, which is a float, not a tensor: return None",
        "returned a gradient",
    ),
    (
        saved_input_changed_in_place,
        RuntimeError,
        "saved tensor 1 of Custom .* is at version 1; expected version 0",
        "modified by an inplace operation",
    ),
    (
        keyword_argument_counts_as_an_input,
        RuntimeError,
        r"returned 1 gradient\(s\) but forward had 2 input",
        "returned .*gradient",
    ),
    (second_backward_without_retain_graph, RuntimeError, "a second time", "a second time"),
    (
        dirty_leaf_that_requires_grad,
        RuntimeError,
        r"AddOne: .* \(ctx.mark_dirty of a float32 tensor of shape \(2,\)\); pass a copy",
        "a leaf Variable that requires grad has been used in an in-place operation",
    ),
    (
        dirty_view_of_a_leaf_that_requires_grad,
        RuntimeError,
        r"AddOne \(ctx.mark_dirty\): a view of a leaf that requires grad \(shape \(2,\) of a tensor of shape \(3,\)\)",
        "view of a leaf",
    ),
    (
        dirty_but_not_returned,
        RuntimeError,
        r"Twice: .* \(a tensor of shape \(1,\)\)\. The inputs that are modified inplace must all be outputs",
        "marked as dirty during the forward method were not returned as output",
    ),
    (
        dirty_input_saved_before_by_another_op,
        RuntimeError,
        "input 0 of Mul .* is at version 2; expected version 0",
        "modified by an inplace operation",
    ),
    (
        once_differentiable_twice,
        RuntimeError,
        r"\(Cube.backward\): its gradient cannot be differentiated again",
        "trying to differentiate twice a function that was marked with @once_differentiable",
    ),
]


@pytest.mark.parametrize("case, error, message, key_words", ERRORS, ids=[e[0].__name__ for e in ERRORS])
def test_errors_are_clear(case, error, message, key_words):
    with pytest.raises(error, match=message) as raised:
        case(tg)
    assert re.search(key_words, str(raised.value), re.IGNORECASE)


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


class _ScaleInPlace(tg.Function):
    """x *= w in place (ctx.mark_dirty), saving the changed x: d(xw)/dx = w, d(xw)/dw = x = (xw) / w."""

    @staticmethod
    def forward(ctx, x, w):
        x.mul_(w)
        ctx.mark_dirty(x)
        ctx.save_for_backward(x, w)
        return x

    @staticmethod
    def backward(ctx, grad_output):
        y, w = ctx.saved_tensors
        return grad_output * w, grad_output * y / w


class _MinMaxUnmaterialized(_MinMax):
    """_MinMax with set_materialize_grads(False): backward gets None for an output the loss does not use."""

    @staticmethod
    def forward(ctx, a, b):
        ctx.set_materialize_grads(False)
        return _MinMax.forward(ctx, a, b)

    @staticmethod
    def backward(ctx, grad_min, grad_max):
        zero = tg.zeros(ctx.a_smaller.shape, dtype=tg.float64)
        grad_min = zero if grad_min is None else grad_min
        grad_max = zero if grad_max is None else grad_max
        return _MinMax.backward(ctx, grad_min, grad_max)


def _away_from_zero(w: tg.Tensor) -> tg.Tensor:
    return w.abs() + 0.5  # (backward divides by w)


# (name, function, input shapes): gradcheck in float64, as the op table checks the library's ops
GRADCHECK_ROWS = [
    ("softplus", lambda x: _Softplus.apply(x), [(3, 4)]),
    ("min_max", lambda a, b: _MinMax.apply(a, b), [(5,), (5,)]),
    ("min_max_broadcast_used_once", lambda a, b: _MinMax.apply(a, b)[1] * 2, [(2, 3), (3,)]),
    ("scale_in_place_mark_dirty", lambda x, w: _ScaleInPlace.apply(x * 1.0, _away_from_zero(w)), [(2, 3), (2, 3)]),
    ("scale_in_place_of_a_slice", lambda x, w: _slice_scaled(x, _away_from_zero(w)), [(4,), (2,)]),
    ("min_max_unmaterialized_min_only", lambda a, b: _MinMaxUnmaterialized.apply(a, b)[0], [(5,), (5,)]),
]


def _slice_scaled(x: tg.Tensor, w: tg.Tensor) -> tg.Tensor:
    y = x * 1.0
    _ScaleInPlace.apply(y[1:3], w)  # changes y through the slice
    return y


@pytest.mark.parametrize("name, fn, shapes", GRADCHECK_ROWS, ids=[r[0] for r in GRADCHECK_ROWS])
def test_gradcheck_passes_for_pytorch_style_functions(name, fn, shapes):
    rng = np.random.default_rng(0)
    inputs = [tg.tensor(rng.uniform(-2, 2, s), dtype=tg.float64, requires_grad=True) for s in shapes]
    assert tg.gradcheck(fn, inputs)
    assert tg.gradgradcheck(fn, inputs)


def test_once_differentiable_backward_gives_first_derivatives_and_runs_with_grad_off():
    seen = []

    class Cube(tg.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x**3

        @staticmethod
        @tg.autograd.function.once_differentiable
        def backward(ctx, grad_output):
            seen.append(tg.is_grad_enabled())
            (x,) = ctx.saved_tensors
            return grad_output * 3 * x**2

    x = tg.tensor(np.array([0.5, -1.5]), dtype=tg.float64, requires_grad=True)
    assert tg.gradcheck(Cube.apply, [x])
    (grad,) = tg.autograd.grad((Cube.apply(x) ** 2).sum(), x, create_graph=True)
    assert seen[-1] is False and grad.requires_grad  # ran with grad off; the result is marked, not recorded
    assert np.allclose(grad.detach().numpy(), 6 * x.detach().numpy() ** 5)  # d x^6/dx
    with pytest.raises(RuntimeError, match="marked with @once_differentiable"):  # (torch's gradgradcheck fails too)
        tg.gradgradcheck(Cube.apply, [x])


def test_torch_autograd_function_imports_under_as_torch():
    # `from torch.autograd.function import once_differentiable` is how PyTorch code imports it
    script = (
        "import tinygrad_edu; tinygrad_edu.as_torch()\n"
        "from torch.autograd.function import Function, FunctionCtx, once_differentiable\n"
        "import torch.autograd.functional as AF\n"
        "from tinygrad_edu.autograd import custom_function\n"
        "print(Function is tinygrad_edu.Function, FunctionCtx is custom_function.FunctionCtx,"
        " once_differentiable is custom_function.once_differentiable, AF is tinygrad_edu.autograd.functional)\n"
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["True"] * 4
