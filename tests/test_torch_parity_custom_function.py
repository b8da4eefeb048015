"""PyTorch-style custom Functions next to torch.autograd.Function: the same user code, the same gradients.

Each row is one Function written once, as `make(lib)` returning a subclass of `lib.autograd.Function`, with
the shapes of its inputs; it runs with `lib = tinygrad_edu` and with `lib = torch` on the same float64 inputs.
Second derivatives (through the user's backward, run on Tensors with create_graph=True) are compared too.
"""

from __future__ import annotations

import re
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
    assert [_fn_name(o) for o in ours] == [_fn_name(o) for o in theirs]  # <ClassNameBackward>, every output
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


@pytest.mark.parametrize(
    "case, error, key_words", [(e[0], e[1], e[3]) for e in ERRORS], ids=[e[0].__name__ for e in ERRORS]
)
def test_torch_refuses_the_same_code_with_the_same_error(case, error, key_words):
    with pytest.raises(error) as raised:
        case(torch)
    assert re.search(key_words, str(raised.value), re.IGNORECASE)


# ---- ctx.mark_dirty, ctx.set_materialize_grads(False), once_differentiable, grad_fn names ----------------------
# Each scenario is written once as a function of `lib` and returns what a user can observe (values, gradients,
# versions, `is`, grad_fn names); the two libraries must give the same.


def _fn_name(t: Any) -> Any:
    """A custom Function's node name as each library shows it: torch's class name, our repr without <>."""
    if t.grad_fn is None:
        return None
    return repr(t.grad_fn).strip("<>") if isinstance(t, tg.Tensor) else type(t.grad_fn).__name__


def _new(lib: Any, values: Any, requires_grad: bool = False) -> Any:
    return (tg.tensor if lib is tg else torch.tensor)(values, dtype=lib.float64, requires_grad=requires_grad)


def _array(t: Any) -> np.ndarray:
    return np.asarray(t.detach().numpy())


def _add_one(lib: Any) -> Any:
    class AddOne(lib.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            x.add_(1.0)
            ctx.mark_dirty(x)
            return x

        @staticmethod
        def backward(ctx, grad_output):
            return grad_output * 2

    return AddOne


def dirty_non_leaf(lib: Any) -> dict:
    a = _new(lib, [1.0, 2.0, 3.0], requires_grad=True)
    b = a * 3
    c = _add_one(lib).apply(b)
    facts = {"same": c is b, "version": c._version, "name": _fn_name(c), "value": _array(c)}
    (c * c).sum().backward()
    return facts | {"grad": a.grad.numpy()}


def dirty_and_saved_then_twice_differentiated(lib: Any) -> dict:
    class ScaleInPlace(lib.autograd.Function):  # saves the input it changed: saved after the change counts
        @staticmethod
        def forward(ctx, x, w):
            x.mul_(w)
            ctx.mark_dirty(x)
            ctx.save_for_backward(x, w)
            return x

        @staticmethod
        def backward(ctx, grad_output):
            y, w = ctx.saved_tensors  # y = x * w
            return grad_output * w, grad_output * y / w

    a, w = _new(lib, [1.0, 2.0], requires_grad=True), _new(lib, [3.0, 4.0], requires_grad=True)
    c = ScaleInPlace.apply(a * a, w)
    grad_a, grad_w = lib.autograd.grad((c * c).sum(), (a, w), create_graph=True)
    (grad_a.sum() + grad_w.sum()).backward()
    return {"grad_a": _array(grad_a), "grad_w": _array(grad_w), "a2": a.grad.numpy(), "w2": w.grad.numpy()}


def dirty_slice_of_a_non_leaf(lib: Any) -> dict:
    a = _new(lib, [1.0, 2.0, 3.0], requires_grad=True)
    b = a * 1
    view = b[1:]
    out = _add_one(lib).apply(view)
    facts = {"same": out is view, "b": _array(b), "b_version": b._version}
    (b * b).sum().backward()
    return facts | {"grad": a.grad.numpy()}


def dirty_constant_with_an_input_that_requires_grad(lib: Any) -> dict:
    class AddInto(lib.autograd.Function):
        @staticmethod
        def forward(ctx, x, w):
            x.add_(w)
            ctx.mark_dirty(x)
            return x

        @staticmethod
        def backward(ctx, grad_output):
            return grad_output, grad_output * 3

    x, w = _new(lib, [1.0, 1.0]), _new(lib, [2.0, 3.0], requires_grad=True)
    y = AddInto.apply(x, w)
    facts = {"same": y is x, "requires_grad": x.requires_grad, "name": _fn_name(x), "version": x._version}
    (y * y).sum().backward()
    return facts | {"grad": w.grad.numpy()}


def dirty_with_nothing_to_record(lib: Any) -> dict:
    x = _new(lib, [1.0, 2.0])
    y = _add_one(lib).apply(x)
    return {"same": y is x, "version": x._version, "requires_grad": y.requires_grad, "value": _array(y)}


def dirty_among_several_outputs(lib: Any) -> dict:
    class Split(lib.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            x.mul_(2.0)
            ctx.mark_dirty(x)
            return x, x.sum()

        @staticmethod
        def backward(ctx, grad_x, grad_sum):
            return grad_x * 2 + grad_sum * 2

    a = _new(lib, [1.0, 2.0], requires_grad=True)
    b = a + 0
    p, s = Split.apply(b)
    facts = {"same": p is b, "names": (_fn_name(p), _fn_name(s)), "version": p._version}
    (p * p).sum().backward(retain_graph=True)
    s.backward()
    return facts | {"grad": a.grad.numpy()}


def dirty_after_an_op_that_saved_nothing(lib: Any) -> dict:
    a = _new(lib, [1.0, 2.0], requires_grad=True)
    b = a * 1
    before = b + 1.0  # recorded before the change: its gradient still reaches b's old history
    _add_one(lib).apply(b)
    (before * 5 + b).sum().backward()
    return {"grad": a.grad.numpy(), "before": _array(before)}


def _two_outputs(lib: Any, materialize: bool, seen: list) -> Any:
    class Two(lib.autograd.Function):  # two outputs with gradients and an index without
        @staticmethod
        def forward(ctx, x):
            ctx.set_materialize_grads(materialize)
            index = x.argmax()
            ctx.mark_non_differentiable(index)
            return x * 2, x * 3, index

        @staticmethod
        def backward(ctx, grad_double, grad_triple, grad_index):
            seen.append(
                tuple(None if g is None else _array(g).tolist() for g in (grad_double, grad_triple, grad_index))
            )
            grad = 0.0
            if grad_double is not None:
                grad = grad + grad_double * 2
            if grad_triple is not None:
                grad = grad + grad_triple * 3
            return grad

    return Two


def _materialize_scenario(materialize: bool) -> Any:
    def scenario(lib: Any) -> dict:
        seen: list = []
        x = _new(lib, [1.0, 3.0, 2.0], requires_grad=True)
        double, triple, index = _two_outputs(lib, materialize, seen).apply(x)
        names = (_fn_name(double), _fn_name(triple), _fn_name(index))
        double.sum().backward(retain_graph=True)  # triple unused
        triple.sum().backward(retain_graph=True)  # double unused
        (double.sum() * 0 + triple.sum()).backward()  # both used, one with a zero gradient
        return {"seen": seen, "names": names, "grad": x.grad.numpy()}

    scenario.__name__ = f"materialize_grads_{materialize}"
    return scenario


def _cube_once(lib: Any) -> Any:
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

    return Cube


def once_differentiable_first_derivatives(lib: Any) -> dict:
    cube = _cube_once(lib)
    x = _new(lib, [1.0, -2.0], requires_grad=True)
    (plain,) = lib.autograd.grad(cube.apply(x).sum(), x)
    # recorded, but the gradient passed in is a constant: the result is a constant too, as in PyTorch
    (constant,) = lib.autograd.grad(cube.apply(x).sum(), x, create_graph=True)
    (marked,) = lib.autograd.grad((cube.apply(x) ** 2).sum(), x, create_graph=True)
    return {
        "plain": plain.numpy(),
        "constant": (_array(constant), constant.requires_grad),
        "marked": (_array(marked), marked.requires_grad),
    }


SCENARIOS = [
    dirty_non_leaf,
    dirty_and_saved_then_twice_differentiated,
    dirty_slice_of_a_non_leaf,
    dirty_constant_with_an_input_that_requires_grad,
    dirty_with_nothing_to_record,
    dirty_among_several_outputs,
    dirty_after_an_op_that_saved_nothing,
    _materialize_scenario(False),
    _materialize_scenario(True),
    once_differentiable_first_derivatives,
]


def _same(a: Any, b: Any) -> None:
    if isinstance(a, dict):
        assert a.keys() == b.keys()
        for key in a:
            _same(a[key], b[key])
    elif isinstance(a, (tuple, list)):
        assert len(a) == len(b)
        for x, y in zip(a, b):
            _same(x, y)
    elif isinstance(a, np.ndarray):
        assert a.shape == b.shape
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12)
    else:
        assert a == b


@pytest.mark.parametrize("scenario", SCENARIOS, ids=[s.__name__ for s in SCENARIOS])
def test_in_place_materialize_and_once_differentiable_as_torch(scenario):
    _same(scenario(tg), scenario(torch))


@pytest.mark.parametrize("lib", [tg, torch], ids=["tinygrad_edu", "torch"])
def test_mark_dirty_of_a_tensor_that_is_not_an_input_warns_and_counts_the_change(lib):
    class Fresh(lib.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            y = x * 2
            ctx.mark_dirty(y)
            return y

        @staticmethod
        def backward(ctx, grad_output):
            return grad_output * 2

    x = _new(lib, [1.0, 2.0], requires_grad=True)
    with pytest.warns(UserWarning, match="mark_dirty\\(\\) received a tensor that was not an input"):
        y = Fresh.apply(x)
    assert y._version == 1 and _fn_name(y) == "FreshBackward"
    y.sum().backward()
    assert x.grad.numpy().tolist() == [2.0, 2.0]
