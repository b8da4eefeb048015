"""Hooks next to PyTorch's: Tensor.register_hook, register_post_accumulate_grad_hook, and Module forward, forward-pre
and full backward (pre-)hooks.

Each row is one program written once, `case(lib)` with `lib` tinygrad_edu or torch, returning what it observed
(gradients, what the hooks saw, in order); the two libraries must observe the same. Error rows check that both
refuse, with the message PyTorch gives.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu.utils.hooks import RemovableHandle

torch = pytest.importorskip("torch")


def values(found: Any) -> Any:
    """What a case observed, as nested lists of float64 arrays (None, numbers and strings kept)."""
    if isinstance(found, (list, tuple)):
        return [values(f) for f in found]
    if isinstance(found, dict):
        return {k: values(v) for k, v in found.items()}
    if hasattr(found, "detach"):
        return np.asarray(found.detach().numpy(), dtype=np.float64)
    if isinstance(found, (tg.Tensor,)):
        return np.asarray(found.data, dtype=np.float64)
    return found


def assert_same(ours: Any, theirs: Any) -> None:
    if isinstance(theirs, list):
        assert isinstance(ours, list) and len(ours) == len(theirs), (ours, theirs)
        for a, b in zip(ours, theirs):
            assert_same(a, b)
    elif isinstance(theirs, dict):
        assert isinstance(ours, dict) and ours.keys() == theirs.keys(), (ours, theirs)
        for key in theirs:
            assert_same(ours[key], theirs[key])
    elif isinstance(theirs, np.ndarray):
        assert isinstance(ours, np.ndarray) and ours.shape == theirs.shape, (ours, theirs)
        np.testing.assert_allclose(ours, theirs, rtol=1e-12, atol=1e-12)
    else:
        assert ours == theirs


def leaf(lib: Any, values: list[Any]) -> Any:
    return lib.tensor(np.array(values, dtype=np.float64), requires_grad=True)


# ---- Tensor hooks ---------------------------------------------------------------------------------------


def leaf_scaled(lib: Any) -> Any:  # a leaf's hook scales the gradient before it reaches .grad
    x = leaf(lib, [1.0, -2.0, 3.0])
    x.register_hook(lambda g: g * 10)
    (x * x).sum().backward()
    return x.grad


def leaf_used_twice_hook_once(lib: Any) -> Any:  # the hook sees the whole gradient, once
    x = leaf(lib, [1.0, 2.0])
    seen: list[Any] = []
    x.register_hook(lambda g: seen.append(g.clone()))
    (x * x * 3 + x.exp()).sum().backward()
    return [seen, x.grad]


def leaf_accumulates_after_hook(lib: Any) -> Any:  # .grad from an earlier backward is not passed to the hook
    x = leaf(lib, [1.0, 2.0])
    seen: list[Any] = []
    (x * 2).sum().backward()
    x.register_hook(lambda g: seen.append(g.clone()) or g + 1)
    (x * 3).sum().backward()
    return [seen, x.grad]


def non_leaf_replaced(lib: Any) -> Any:  # a non-leaf's hook replaces the gradient that flows on
    x = leaf(lib, [1.0, -2.0])
    y = x * 3
    y.register_hook(lambda g: lib.ones_like(g) * 5)
    (y * y).sum().backward()
    return x.grad


def non_leaf_complete_gradient(lib: Any) -> Any:  # the hook runs once, on the sum over y's two users
    x = leaf(lib, [0.5, 1.5])
    y = x.sin()
    seen: list[Any] = []
    y.register_hook(lambda g: seen.append(g.clone()))
    (y * 2 + y * y).sum().backward()
    return [seen, x.grad]


def order_of_hooks(lib: Any) -> Any:  # registration order; each sees what the one before returned
    x = leaf(lib, [1.0, 2.0])
    y = x * x
    seen: list[Any] = []
    y.register_hook(lambda g: seen.append(("first", g.clone())) or g * 2)
    y.register_hook(lambda g: seen.append(("second", g.clone())) or g + 1)
    x.register_hook(lambda g: seen.append(("x", g.clone())))
    (y * 3).sum().backward()
    return [seen, x.grad]


def removed(lib: Any) -> Any:  # after remove() the hook is gone; removing twice is harmless
    x = leaf(lib, [1.0, 2.0])
    handle = x.register_hook(lambda g: g * 100)
    kept = x.register_hook(lambda g: g + 1)
    handle.remove()
    handle.remove()
    (x * x).sum().backward()
    first = x.grad.clone()
    kept.remove()
    x.grad = None
    (x * x).sum().backward()
    return [first, x.grad]


def handle_as_context(lib: Any) -> Any:
    x = leaf(lib, [1.0, 2.0])
    with x.register_hook(lambda g: g * 0):
        (x * 2).sum().backward()
    (x * 2).sum().backward()
    return x.grad


def retain_grad_after_hooks(lib: Any) -> Any:  # retain_grad keeps the gradient after the hooks, whatever the order
    x = leaf(lib, [1.0, 2.0])
    y = x * 2
    y.retain_grad()
    y.register_hook(lambda g: g * 7)
    z = y * 1
    z.register_hook(lambda g: g - 1)
    z.retain_grad()
    (z * z).sum().backward()
    return [y.grad, z.grad, x.grad, y.retains_grad]


def autograd_grad_leaf(lib: Any) -> Any:  # autograd.grad returns the leaf's gradient after its hook
    x = leaf(lib, [1.0, 2.0])
    x.register_hook(lambda g: g * 2)
    (gx,) = lib.autograd.grad((x * x).sum(), x)
    return [gx, x.grad]


def autograd_grad_non_leaf(lib: Any) -> Any:  # the gradient of y, and the one that flows on to x, after y's hook
    # (both at once, grad(..., [y, x]), PyTorch gives y's gradient before the hook: a case left out here)
    found = []
    for wanted in ("y", "x"):
        x = leaf(lib, [1.0, 2.0])
        y = x * 1
        y.register_hook(lambda g: g * 5)
        found += lib.autograd.grad((y * y).sum(), y if wanted == "y" else x)
    return found


def backward_inputs(lib: Any) -> Any:  # backward(inputs=...) as autograd.grad
    x = leaf(lib, [1.0, 2.0])
    w = leaf(lib, [3.0, 4.0])
    x.register_hook(lambda g: g * 3)
    (x * w).sum().backward(inputs=[x])
    return [x.grad, w.grad]


def leaf_is_root(lib: Any) -> Any:
    x = leaf(lib, [2.0])
    x.register_hook(lambda g: g * 3)
    x.backward(lib.ones_like(x))
    return x.grad


def post_accumulate(lib: Any) -> Any:  # the post hook sees .grad after the (hooked) gradient was added
    w = leaf(lib, [1.0, 2.0])
    seen: list[Any] = []
    w.register_hook(lambda g: g * 2)
    w.register_post_accumulate_grad_hook(lambda t: seen.append(t.grad.clone()))
    (w * w).sum().backward()
    (w * 3).sum().backward()
    return seen


def double_backward(lib: Any) -> Any:  # create_graph: the hook's result is part of the recorded gradient
    x = leaf(lib, [1.0, 2.0])
    y = x * x
    y.register_hook(lambda g: g * y)
    (gx,) = lib.autograd.grad((y * 3).sum(), x, create_graph=True)
    gx.sum().backward()
    return [gx, x.grad]


TENSOR_CASES = [
    leaf_scaled,
    leaf_used_twice_hook_once,
    leaf_accumulates_after_hook,
    non_leaf_replaced,
    non_leaf_complete_gradient,
    order_of_hooks,
    removed,
    handle_as_context,
    retain_grad_after_hooks,
    autograd_grad_leaf,
    autograd_grad_non_leaf,
    backward_inputs,
    leaf_is_root,
    post_accumulate,
    double_backward,
]


# ---- Module hooks ---------------------------------------------------------------------------------------


def linear(lib: Any, n_in: int = 3, n_out: int = 2) -> Any:
    layer = lib.nn.Linear(n_in, n_out).double()
    rng = np.random.default_rng(n_in * 10 + n_out)
    with lib.no_grad():
        layer.weight.copy_(lib.tensor(rng.standard_normal((n_out, n_in))))
        layer.bias.copy_(lib.tensor(rng.standard_normal(n_out)))
    return layer


def batch(lib: Any, requires_grad: bool = False) -> Any:
    data = np.array([[1.0, -2.0, 0.5], [0.3, 0.1, -1.0]])
    return lib.tensor(data, requires_grad=requires_grad)


def forward_pre_replaces_input(lib: Any) -> Any:
    layer = linear(lib)
    layer.register_forward_pre_hook(lambda module, args: args[0] * 2)  # one value: becomes the 1-tuple
    return layer(batch(lib))


def forward_pre_with_kwargs(lib: Any) -> Any:
    class Scale(lib.nn.Module):
        def forward(self, x, factor=1.0):
            return x * factor

    module = Scale()
    seen: list[Any] = []
    module.register_forward_pre_hook(
        lambda m, args, kwargs: seen.append(sorted(kwargs)) or (args, {"factor": 3.0}), with_kwargs=True
    )
    return [module(batch(lib), factor=2.0), seen]


def forward_hook_replaces_output(lib: Any) -> Any:  # in a Sequential: the next layer gets the replaced output
    net = lib.nn.Sequential(linear(lib), lib.nn.Tanh(), linear(lib, 2, 1))
    net[1].register_forward_hook(lambda module, args, output: output * -1)
    x = batch(lib, requires_grad=True)
    net(x).sum().backward()
    return [net(x), x.grad, net[0].weight.grad]


def forward_hooks_order(lib: Any) -> Any:  # pre-hooks, then forward hooks; prepend puts a hook first
    net = lib.nn.Sequential(linear(lib), lib.nn.ReLU())
    log: list[Any] = []
    net.register_forward_pre_hook(lambda m, args: log.append("pre"))
    net.register_forward_pre_hook(lambda m, args: log.append("pre, prepended"), prepend=True)
    net.register_forward_hook(lambda m, args, out: log.append(("outer", tuple(out.shape))))
    net.register_forward_hook(lambda m, args, kwargs, out: log.append(("kwargs", kwargs)), with_kwargs=True)
    net[0].register_forward_hook(lambda m, args, out: log.append(("inner", tuple(args[0].shape))))
    net(batch(lib))
    return log


def forward_hook_always_call(lib: Any) -> Any:  # when forward raises, only always_call hooks run, output None
    class Fails(lib.nn.Module):
        def forward(self, x):
            raise ValueError("no")

    module = Fails()
    log: list[Any] = []
    module.register_forward_hook(lambda m, args, out: log.append(("plain", out)))
    module.register_forward_hook(lambda m, args, out: log.append(("always", out)), always_call=True)
    with pytest.raises(ValueError):
        module(batch(lib))
    return log


def hooks_removed_and_copied(lib: Any) -> Any:  # deepcopy copies the hooks; a handle removes from its own module
    layer = linear(lib)
    handle = layer.register_forward_hook(lambda m, args, out: out * 0)
    twin = copy.deepcopy(layer)
    handle.remove()
    return [layer(batch(lib)), twin(batch(lib)), sorted(twin.state_dict())]


def hooks_shared_by_copy_kept_by_load(lib: Any) -> Any:  # copy.copy shares the hooks; load_state_dict keeps them
    layer = linear(lib)
    handle = layer.register_forward_pre_hook(lambda m, args: (args[0] + 1,))
    twin = copy.copy(layer)
    layer.load_state_dict(linear(lib, 3, 2).state_dict())
    found = [layer(batch(lib)), twin(batch(lib))]
    handle.remove()
    return [*found, twin(batch(lib))]


def backward_hook_shapes(lib: Any, requires_grad: bool) -> Any:
    layer, relu = linear(lib), lib.nn.ReLU()
    log: list[Any] = []
    for module in (layer, relu):
        module.register_full_backward_hook(
            lambda m, grad_input, grad_output: log.append(
                (type(m).__name__, [g if g is None else g.clone() for g in grad_input], list(grad_output))
            )
        )
    relu(layer(batch(lib, requires_grad))).sum().backward()
    return [log, layer.weight.grad]


def backward_hook_input_grad(lib: Any) -> Any:
    return backward_hook_shapes(lib, True)


def backward_hook_no_input_grad(lib: Any) -> Any:  # no input requires grad: grad_input is (None,)
    return backward_hook_shapes(lib, False)


def backward_hook_replaces_grad_input(lib: Any) -> Any:
    layer, relu = linear(lib), lib.nn.ReLU()
    relu.register_full_backward_hook(lambda m, grad_input, grad_output: (grad_input[0] * 2,))
    x = batch(lib, requires_grad=True)
    relu(layer(x)).sum().backward()
    return [x.grad, layer.weight.grad, layer.bias.grad]


def backward_pre_hook_replaces_grad_output(lib: Any) -> Any:
    layer = linear(lib)
    seen: list[Any] = []
    layer.register_full_backward_pre_hook(lambda m, grad_output: (grad_output[0] * 3,))
    layer.register_full_backward_hook(lambda m, grad_input, grad_output: seen.append(grad_output[0].clone()))
    x = batch(lib, requires_grad=True)
    (layer(x) ** 2).sum().backward()
    return [seen, x.grad, layer.weight.grad]


def backward_hook_on_sequential(lib: Any) -> Any:  # the container's own boundary: its input and final output
    net = lib.nn.Sequential(linear(lib), lib.nn.Sigmoid(), linear(lib, 2, 1))
    seen: list[Any] = []
    net.register_full_backward_hook(lambda m, gi, go: seen.append([gi[0].clone(), go[0].clone()]))
    x = batch(lib, requires_grad=True)
    net(x).sum().backward()
    net(x).sum().backward()  # a second call and backward: the hook runs again, with fresh gradients
    return [seen, x.grad]


MODULE_CASES = [
    forward_pre_replaces_input,
    forward_pre_with_kwargs,
    forward_hook_replaces_output,
    forward_hooks_order,
    forward_hook_always_call,
    hooks_removed_and_copied,
    hooks_shared_by_copy_kept_by_load,
    backward_hook_input_grad,
    backward_hook_no_input_grad,
    backward_hook_replaces_grad_input,
    backward_pre_hook_replaces_grad_output,
    backward_hook_on_sequential,
]


@pytest.mark.filterwarnings("ignore:Full backward hook is firing")  # torch's warning for the no-input-grad row
@pytest.mark.parametrize("case", TENSOR_CASES + MODULE_CASES, ids=lambda c: c.__name__)
def test_same_as_torch(case: Callable[[Any], Any]) -> None:
    ours = values(case(tg))
    theirs = values(case(torch))
    assert_same(ours, theirs)


# ---- errors: both refuse, with PyTorch's words --------------------------------------------------------


def hook_on_constant(lib: Any) -> None:
    lib.tensor([1.0]).register_hook(lambda g: g)


def post_hook_on_non_leaf(lib: Any) -> None:
    (leaf(lib, [1.0]) * 2).register_post_accumulate_grad_hook(lambda t: None)


def hook_changes_size(lib: Any) -> None:
    x = leaf(lib, [1.0, 2.0])
    x.register_hook(lambda g: lib.zeros(3, dtype=lib.float64))
    (x * 2).sum().backward()


def pre_hook_bad_return(lib: Any) -> None:
    layer = linear(lib)
    layer.register_forward_pre_hook(lambda m, args, kwargs: 5, with_kwargs=True)
    layer(batch(lib))


def backward_hook_wrong_count(lib: Any) -> None:
    layer = linear(lib)
    layer.register_full_backward_hook(lambda m, gi, go: (gi[0], gi[0]))
    layer(batch(lib, requires_grad=True)).sum().backward()


def backward_hook_grad_without_input(lib: Any) -> None:
    layer = linear(lib)
    layer.register_full_backward_hook(lambda m, gi, go: (go[0],))
    layer(batch(lib)).sum().backward()


ERRORS = [
    (hook_on_constant, "cannot register a hook on a tensor that doesn't require gradient"),
    (post_hook_on_non_leaf, "post accumulate grad hooks cannot be registered on non-leaf tensors"),
    (hook_changes_size, "hook '<lambda>' has changed the size of value"),
    (pre_hook_bad_return, "forward pre-hook must return None or a tuple of (new_args, new_kwargs), but got 5."),
    (backward_hook_wrong_count, "Backward hook returned an invalid number of grad_input, got 2, but expected 1"),
    (backward_hook_grad_without_input, "Backward hook for Modules where no input requires gradient should always"),
]


@pytest.mark.filterwarnings("ignore:Full backward hook is firing")
@pytest.mark.parametrize(("case", "message"), ERRORS, ids=[c.__name__ for c, _ in ERRORS])
def test_errors_as_torch(case: Callable[[Any], None], message: str) -> None:
    for lib in (tg, torch):
        with pytest.raises(RuntimeError, match=re.escape(message)):
            case(lib)


# ---- tinygrad_edu's own: the handle, the no-hook path, tg.compile ----------------------------------------


def test_handle_is_torch_utils_hooks_removable_handle() -> None:
    from tinygrad_edu.torch_alias import TORCH_MODULES

    handle = tg.tensor([1.0], requires_grad=True).register_hook(lambda g: g)
    assert isinstance(handle, RemovableHandle) and isinstance(handle.id, int)
    assert TORCH_MODULES["torch.utils.hooks"] == "tinygrad_edu.utils.hooks"
    assert tg.utils.hooks.RemovableHandle is RemovableHandle


def test_no_hooks_costs_one_test() -> None:
    """A module without hooks keeps the class's None (its call is just forward); an op without hooks has none."""
    layer = tg.nn.Linear(2, 2)
    assert "_module_hooks" not in vars(layer) and layer._module_hooks is None
    y = layer(tg.ones(1, 2))
    assert y.grad_fn.output_hooks is None
    layer.register_forward_hook(lambda m, a, o: None).remove()
    assert layer._module_hooks is not None  # (kept, empty: the call takes the hooks path, which finds none)
    np.testing.assert_array_equal(layer(tg.ones(1, 2)).detach().numpy(), y.detach().numpy())


def test_compile_traces_hooks() -> None:
    """tg.compile traces a step whose hooks do tensor ops: the compiled steps give eager mode's losses and weights."""

    def train(compiled: bool) -> tuple[list[float], np.ndarray, Any]:
        tg.manual_seed(0)
        model = tg.nn.Sequential(tg.nn.Linear(2, 3), tg.nn.Tanh(), tg.nn.Linear(3, 1))
        model[1].register_forward_hook(lambda m, a, out: out * 2)
        model[0].weight.register_hook(lambda g: g * 0.5)
        model[2].register_full_backward_hook(lambda m, gi, go: (gi[0] * 3,))
        optimizer = tg.optim.SGD(model.parameters(), lr=0.1)

        def step(x: tg.Tensor, y: tg.Tensor) -> tg.Tensor:
            optimizer.zero_grad()
            loss = ((model(x) - y) ** 2).mean()
            loss.backward()
            optimizer.step()
            return loss

        run = tg.compile(step) if compiled else step
        x, y = tg.tensor(np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]], np.float32)), tg.ones(3, 1)
        losses = [run(x, y).item() for _ in range(4)]
        return losses, model[0].weight.detach().numpy().copy(), run

    eager_losses, eager_weight, _ = train(False)
    losses, weight, step = train(True)
    np.testing.assert_allclose(losses, eager_losses, rtol=1e-6)
    np.testing.assert_allclose(weight, eager_weight, rtol=1e-6)
    assert "* 0.5" in step.source and "* 3" in step.source  # the hooks' ops are in the traced source
