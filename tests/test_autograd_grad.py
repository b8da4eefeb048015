"""tg.autograd.grad and Tensor.backward(inputs=...): PyTorch's semantics, values checked by hand and against torch."""

import numpy as np
import pytest

import tinygrad_edu as tg


def _graph():
    """y = sum((x * w)^2) with x = [1, 2], w = [3, 4]: dy/dx = 2 x w^2, dy/dw = 2 w x^2, dy/dh = 2 h."""
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    w = tg.tensor([3.0, 4.0], requires_grad=True)
    h = x * w
    return x, w, h, (h * h).sum()


def test_grad_returns_a_tuple_and_leaves_dot_grad_alone():
    x, w, h, y = _graph()
    gx, gw, gh = tg.autograd.grad(y, [x, w, h])
    assert np.array_equal(gx.numpy(), [18.0, 64.0])  # 2 x w^2
    assert np.array_equal(gw.numpy(), [6.0, 32.0])  # 2 w x^2
    assert np.array_equal(gh.numpy(), [6.0, 16.0])  # 2 h
    assert x.grad is None and w.grad is None
    assert not gx.requires_grad


def test_grad_of_a_single_tensor_input_is_a_one_tuple():
    x, _, _, y = _graph()
    result = tg.autograd.grad(y, x)
    assert isinstance(result, tuple) and len(result) == 1


def test_grad_frees_the_graph_unless_retain_graph():
    x, _, _, y = _graph()
    tg.autograd.grad(y, x, retain_graph=True)
    tg.autograd.grad(y, x)
    with pytest.raises(RuntimeError, match="second time"):
        tg.autograd.grad(y, x)


def test_grad_outputs_weights_each_output_and_sums_over_outputs():
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    a, b = x * 3, x * x
    (gx,) = tg.autograd.grad([a, b], x, grad_outputs=[tg.tensor([1.0, 10.0]), tg.tensor([2.0, 1.0])])
    assert np.array_equal(gx.numpy(), [3.0 + 2 * 2 * 1.0, 30.0 + 2 * 2.0])  # v_a * 3 + v_b * 2x


def test_unused_input_raises_unless_allow_unused():
    x, _, _, y = _graph()
    z = tg.tensor([1.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="allow_unused=True"):
        tg.autograd.grad(y, [x, z], retain_graph=True)
    gx, gz = tg.autograd.grad(y, [x, z], allow_unused=True)
    assert gz is None and gx is not None


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda x, y: tg.autograd.grad(y, tg.tensor([1.0])), "does not require grad"),
        (lambda x, y: tg.autograd.grad(tg.tensor(1.0), x), "element 0 of outputs does not require grad"),
        (lambda x, y: tg.autograd.grad(x * 2, x), "only for scalar outputs"),
    ],
)
def test_grad_errors(call, message):
    x, _, _, y = _graph()
    with pytest.raises(RuntimeError, match=message):
        call(x, y)


def test_backward_inputs_accumulates_only_into_those():
    x, w, h, y = _graph()
    y.backward(inputs=[w, h])
    assert x.grad is None
    assert np.array_equal(w.grad.numpy(), [6.0, 32.0])
    assert np.array_equal(h.grad.numpy(), [6.0, 16.0])  # as in PyTorch, a non-leaf input gets .grad too


def test_backward_retain_graph_defaults_to_create_graph():
    x, _, _, y = _graph()
    y.backward()
    with pytest.raises(RuntimeError, match="second time"):
        y.backward()


def test_grad_matches_torch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    xs, ws = rng.standard_normal((3, 4)), rng.standard_normal((4, 2))
    x, w = tg.tensor(xs, requires_grad=True), tg.tensor(ws, requires_grad=True)
    tx, tw = torch.tensor(xs, requires_grad=True), torch.tensor(ws, requires_grad=True)
    ours = tg.autograd.grad((x @ w).tanh().sum(), [x, w])
    theirs = torch.autograd.grad((tx @ tw).tanh().sum(), [tx, tw])
    for a, b in zip(ours, theirs):
        assert np.allclose(a.numpy(), b.numpy(), rtol=0, atol=1e-12)


@pytest.mark.parametrize(
    "call, error, message",
    [
        (lambda x, y: y.backward(inputs=[]), RuntimeError, "inputs= was given but is empty"),
    ],
)
def test_what_is_refused_says_so(call, error, message):
    x, _, _, y = _graph()
    with pytest.raises(error, match=message):
        call(x, y)


# ---- create_graph=True: the gradient is itself recorded (double backward) ----------------------------


def test_grad_with_create_graph_gives_a_gradient_that_can_be_differentiated_again():
    x = tg.tensor([1.0, 2.0, -0.5], dtype=tg.float64, requires_grad=True)
    (g,) = tg.autograd.grad((x**3).sum(), x, create_graph=True)  # 3 x^2
    assert g.requires_grad and g.grad_fn is not None
    assert np.allclose(g.detach().numpy(), 3 * x.detach().numpy() ** 2)
    (h,) = tg.autograd.grad(g.sum(), x, create_graph=True)  # d/dx sum(3 x^2) = 6 x
    assert np.allclose(h.detach().numpy(), 6 * x.detach().numpy())
    (third,) = tg.autograd.grad(h.sum(), x)  # 6
    assert np.allclose(third.numpy(), 6.0)


def test_a_gradient_that_does_not_depend_on_the_inputs_does_not_require_grad_as_in_pytorch():
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    (g,) = tg.autograd.grad((x * 2).sum(), x, create_graph=True)  # 2: a constant
    assert np.array_equal(g.detach().numpy(), [2.0, 2.0]) and not g.requires_grad


def test_backward_with_create_graph_accumulates_a_grad_that_has_a_graph():
    x = tg.tensor([1.0, 2.0], dtype=tg.float64, requires_grad=True)
    (x.exp() * x).sum().backward(create_graph=True)  # .grad = e^x (1 + x)
    first = x.grad
    assert first.grad_fn is not None and np.allclose(first.detach().numpy(), np.exp([1, 2]) * [2, 3])
    (x * x).sum().backward(create_graph=True)  # accumulates 2 x, recorded: .grad = e^x (1 + x) + 2 x
    assert x.grad is not first and x.grad.grad_fn is not None
    penalty = x.grad.sum()
    x.grad = None
    penalty.backward()  # d/dx [e^x (1 + x) + 2 x] = e^x (2 + x) + 2
    assert np.allclose(x.grad.numpy(), np.exp([1, 2]) * [3, 4] + 2)


def test_create_graph_records_the_gradient_even_under_no_grad():
    x = tg.tensor([3.0], dtype=tg.float64, requires_grad=True)
    y = (x * x * x).sum()
    with tg.no_grad():
        (g,) = tg.autograd.grad(y, x, create_graph=True)
    assert g.requires_grad  # as in PyTorch, create_graph records regardless of grad mode
    assert np.allclose(tg.autograd.grad(g.sum(), x)[0].numpy(), 18.0)  # 6 x


def test_a_grad_output_that_requires_grad_is_part_of_the_gradients_graph():
    x = tg.tensor([1.0, 2.0], dtype=tg.float64, requires_grad=True)
    v = tg.tensor([3.0, -1.0], dtype=tg.float64, requires_grad=True)
    (g,) = tg.autograd.grad(x.sin(), x, v, create_graph=True)  # v cos x
    (gv,) = tg.autograd.grad(g.sum(), v)  # cos x
    assert np.allclose(gv.numpy(), np.cos([1.0, 2.0]))


def test_create_graph_false_leaves_the_grad_without_a_graph():
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    (x * x).sum().backward()
    assert x.grad.grad_fn is None and not x.grad.requires_grad
