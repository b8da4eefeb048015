"""PyTorch-style custom Functions next to torch.autograd.Function: the same user code, the same gradients.

Each row is one Function written once, as `make(lib)` returning a subclass of `lib.autograd.Function`, with
the shapes of its inputs; it runs with `lib = tinygrad_edu` and with `lib = torch` on the same float64 inputs.
Second derivatives (through the user's backward, run on Tensors with create_graph=True) are compared too.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import tinygrad_edu as tg
from tests.test_custom_function import ERRORS

torch = pytest.importorskip("torch")


def make_exp(lib: Any) -> Any:
    class Exp(lib.autograd.Function):  # saves its output
        @staticmethod
        def forward(ctx, x):
            result = x.exp()
            ctx.save_for_backward(result)
            return result

        @staticmethod
        def backward(ctx, grad_output):
            (result,) = ctx.saved_tensors
            return grad_output * result  # d e^x/dx = e^x

    return Exp


def make_mul_add(lib: Any) -> Any:
    class MulAdd(lib.autograd.Function):  # two tensors and a number; broadcasting; ctx attributes
        @staticmethod
        def forward(ctx, a, b, scale):
            ctx.scale = scale
            ctx.save_for_backward(a, b)
            return a * b * scale + a

        @staticmethod
        def backward(ctx, grad_output):
            a, b = ctx.saved_tensors
            grad_a = grad_output * b * ctx.scale + grad_output if ctx.needs_input_grad[0] else None
            grad_b = (grad_output * a * ctx.scale).sum(0) if ctx.needs_input_grad[1] else None
            return grad_a, grad_b, None

    return MulAdd


def make_cube(lib: Any) -> Any:
    class Cube(lib.autograd.Function):  # a backward that is itself differentiable: 3 x^2
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x * x * x

        @staticmethod
        def backward(ctx, grad_output):
            (x,) = ctx.saved_tensors
            return grad_output * 3 * x * x

    return Cube


def make_split_sum(lib: Any) -> Any:
    class SplitSum(lib.autograd.Function):  # two outputs with gradients, one without (an index)
        @staticmethod
        def forward(ctx, x, w):
            ctx.save_for_backward(x, w)
            best = x.argmax(1)
            ctx.mark_non_differentiable(best)
            return (x * w).sum(1), x.tanh(), best

        @staticmethod
        def backward(ctx, grad_sum, grad_tanh, grad_best):
            x, w = ctx.saved_tensors
            t = x.tanh()
            return grad_sum.unsqueeze(1) * w + grad_tanh * (1 - t * t), (grad_sum.unsqueeze(1) * x).sum(0)

    return SplitSum


def make_setup_context(lib: Any) -> Any:
    class Sin(lib.autograd.Function):  # PyTorch 2's style: forward without ctx, then setup_context
        @staticmethod
        def forward(x):
            return x.sin()

        @staticmethod
        def setup_context(ctx, inputs, output):
            (x,) = inputs
            ctx.save_for_backward(x)

        @staticmethod
        def backward(ctx, grad_output):
            (x,) = ctx.saved_tensors
            return grad_output * x.cos()

    return Sin


def make_keyword(lib: Any) -> Any:
    class Scale(lib.autograd.Function):  # keyword arguments bind to positions; defaults get a None gradient too
        @staticmethod
        def forward(x, factor=2.0, shift=0.0):
            return x * factor + shift

        @staticmethod
        def setup_context(ctx, inputs, output):
            ctx.factor = inputs[1]

        @staticmethod
        def backward(ctx, grad_output):
            return grad_output * ctx.factor, None, None

    return Scale


def make_keyword_tensor(lib: Any) -> Any:
    class Affine(lib.autograd.Function):  # forward(ctx, ...) called with a tensor by keyword: an input after the others
        @staticmethod
        def forward(ctx, x, w, bias=None):
            ctx.save_for_backward(x, w)
            return x @ w + bias

        @staticmethod
        def backward(ctx, grad_output):
            x, w = ctx.saved_tensors
            return grad_output @ w.T, x.T @ grad_output, grad_output.sum(0)

    return Affine


def make_with_number(lib: Any) -> Any:
    class Halve(lib.autograd.Function):  # an output that is not a Tensor passes through; its gradient is None
        @staticmethod
        def forward(ctx, x):
            return x / 2, 0.5

        @staticmethod
        def backward(ctx, grad_output, grad_number):
            assert grad_number is None
            return grad_output / 2

    return Halve


def _x(shape: tuple[int, ...], seed: int) -> np.ndarray:
    return np.random.default_rng(seed).uniform(-1.5, 1.5, shape)


# (name, make, inputs: an array shape to become a tensor requiring grad, or a constant as it is, kwargs)
ROWS = [
    ("exp", make_exp, [(3, 4)], {}),
    ("mul_add_broadcast", make_mul_add, [(3, 4), (4,), 0.5], {}),
    ("cube", make_cube, [(5,)], {}),
    ("split_sum", make_split_sum, [(3, 4), (4,)], {}),
    ("setup_context", make_setup_context, [(2, 3)], {}),
    ("keyword", make_keyword, [(4,)], {"shift": 1.0}),
    ("keyword_tensor", make_keyword_tensor, [(3, 4), (4, 2)], {"bias": (2,)}),
    ("number_output", make_with_number, [(3,)], {}),
]


def _call(lib: Any, make: Any, specs: list, kwargs: dict) -> tuple[list, list]:
    """Build the inputs (a shape becomes a float64 tensor requiring grad), call the Function: (tensors, outputs)."""
    tensor = tg.tensor if lib is tg else torch.tensor

    def make_input(spec: Any, seed: int) -> Any:
        return tensor(_x(spec, seed), dtype=lib.float64, requires_grad=True) if isinstance(spec, tuple) else spec

    inputs = [make_input(s, i) for i, s in enumerate(specs)]
    named = {k: make_input(s, 5 + i) for i, (k, s) in enumerate(kwargs.items())}
    outputs = make(lib).apply(*inputs, **named)
    outputs = outputs if isinstance(outputs, tuple) else (outputs,)
    tensors = [x for x in inputs + list(named.values()) if not isinstance(x, float)]
    return tensors, [o for o in outputs if not isinstance(o, float)]


def _run(lib: Any, make: Any, specs: list, kwargs: dict) -> tuple[list, list, Any]:
    """The outputs (as arrays), the gradients of a weighted sum of them, and the outputs."""
    tensor = tg.tensor if lib is tg else torch.tensor
    tensors, outputs = _call(lib, make, specs, kwargs)
    diff = [o for o in outputs if o.requires_grad]
    loss = sum(((o * tensor(_x(tuple(o.shape), 10 + k))).sum() for k, o in enumerate(diff)), tensor(0.0))
    grads = lib.autograd.grad(loss, tensors)
    return [np.asarray(o.detach().numpy()) for o in outputs], [g.numpy() for g in grads], outputs


@pytest.mark.parametrize("name, make, specs, kwargs", ROWS, ids=[r[0] for r in ROWS])
def test_values_and_gradients_equal_torch(name, make, specs, kwargs):
    ours_out, ours_grad, ours = _run(tg, make, specs, kwargs)
    theirs_out, theirs_grad, theirs = _run(torch, make, specs, kwargs)
    assert [o.requires_grad for o in ours] == [o.requires_grad for o in theirs]
    for a, b in zip(ours_out + ours_grad, theirs_out + theirs_grad):
        assert a.shape == b.shape
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("name, make, specs, kwargs", ROWS, ids=[r[0] for r in ROWS])
def test_second_derivatives_equal_torch(name, make, specs, kwargs):
    results = []
    for lib in (tg, torch):
        tensor = tg.tensor if lib is tg else torch.tensor
        tensors, outputs = _call(lib, make, specs, kwargs)
        loss = sum(((o * o).sum() for o in outputs if o.requires_grad), tensor(0.0))
        grads = lib.autograd.grad(loss, tensors, create_graph=True)
        # d/dx of sum(grad * grad): a second derivative through the user's backward
        penalty = sum((g * g).sum() for g in grads)
        results.append([g.detach().numpy() for g in lib.autograd.grad(penalty, tensors, allow_unused=True)])
    for a, b in zip(*results):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-10)


def test_needs_input_grad_and_grad_mode_inside_forward_match_torch():
    seen = {}
    for lib in (tg, torch):
        tensor = tg.tensor if lib is tg else torch.tensor

        class Probe(lib.autograd.Function):
            @staticmethod
            def forward(ctx, a, b, k):
                seen[lib.__name__] = (ctx.needs_input_grad, lib.is_grad_enabled())
                return a * b * k

            @staticmethod
            def backward(ctx, grad_output):
                return None, None, None

        a = tensor([1.0, 2.0], requires_grad=True)
        b = tensor([3.0, 4.0])
        Probe.apply(a, b, 2.0)
    assert seen["tinygrad_edu"] == seen["torch"] == ((True, False, False), False)


@pytest.mark.parametrize("case", [e[0] for e in ERRORS], ids=[e[0].__name__ for e in ERRORS])
def test_torch_refuses_the_same_code(case):
    with pytest.raises((RuntimeError, TypeError)):
        case(torch)
