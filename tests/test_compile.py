"""tg.compile: a training step traced into straight-line NumPy gives eager mode's results and reads like the math.

Every comparison runs two copies of the same model from the same weights: one trained by the
original train_step (eager), one by its compiled step. They must agree to 1e-12 in float64.
"""

from __future__ import annotations

import inspect
import io
import re
import runpy
import warnings
from collections.abc import Callable
from contextlib import redirect_stdout
from pathlib import Path

import numpy as np
import pytest

import tinygrad_edu as tg
import tinygrad_edu.nn as nn
import tinygrad_edu.optim as optim
from tinygrad_edu.apps.reference import tutorial_a
from tinygrad_edu.autograd import Function
from tinygrad_edu.compiler import TracingError, TracingWarning
from tinygrad_edu.compiler import compile as tg_compile
from tinygrad_edu.nn import functional as F

ROOT = Path(__file__).resolve().parent.parent
XOR_X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
XOR_Y = np.array([[0.0], [1.0], [1.0], [0.0]])
TOL = 1e-12


# ---- models, each built twice from the same weights ---------------------------------------------------


class XorNet(nn.Module):
    """Tutorial A's 2-4-1 sigmoid network, with named layers (their names appear in the compiled source)."""

    def __init__(self) -> None:
        super().__init__()
        self.hidden = nn.Linear(2, 4, dtype=np.float64)
        self.output = nn.Linear(4, 1, dtype=np.float64)
        w = tutorial_a.init()
        self.hidden.weight.data[...] = w["W1"].T
        self.hidden.bias.data[...] = w["b1"].ravel()
        self.output.weight.data[...] = w["W2"].T
        self.output.bias.data[...] = w["b2"].ravel()

    def forward(self, x: tg.Tensor) -> tg.Tensor:
        return self.output(self.hidden(x).sigmoid()).sigmoid()


def mlp(seed: int = 0) -> nn.Module:
    """A small 20-16-16-3 ReLU network in float64, the same weights for the same seed."""
    tg.manual_seed(seed)
    return nn.Sequential(
        nn.Linear(20, 16, dtype=np.float64),
        nn.ReLU(),
        nn.Linear(16, 16, dtype=np.float64),
        nn.ReLU(),
        nn.Linear(16, 3, dtype=np.float64),
    )


def module_step(net: nn.Module, loss_fn: nn.Module, opt: optim.Optimizer) -> Callable:
    """The PyTorch-style step: zero_grad, loss, backward, optimizer step; returns the loss tensor."""

    def train_step(x: tg.Tensor, y: tg.Tensor) -> tg.Tensor:
        opt.zero_grad()
        loss = loss_fn(net(x), y)
        loss.backward()
        opt.step()
        return loss

    return train_step


def pair(make_net: Callable, make_opt: Callable, loss_fn: nn.Module) -> tuple:
    """(eager step, compiled step, eager net, compiled net, eager optimizer, compiled optimizer)."""
    nets = [make_net(), make_net()]
    opts = [make_opt(net.parameters()) for net in nets]
    eager = module_step(nets[0], loss_fn, opts[0])
    compiled = tg_compile(module_step(nets[1], loss_fn, opts[1]))
    return eager, compiled, nets[0], nets[1], opts[0], opts[1]


def assert_same_parameters(a: nn.Module, b: nn.Module) -> None:
    for (name, p), (_, q) in zip(a.named_parameters(), b.named_parameters()):
        np.testing.assert_allclose(q.data, p.data, rtol=0, atol=TOL, err_msg=name)
        np.testing.assert_allclose(q.grad.data, p.grad.data, rtol=0, atol=TOL, err_msg=f"grad of {name}")


def mlp_batches(steps: int, batch: int = 8, seed: int = 1):
    """Mini-batches of a fixed random data set: the same shapes, different values at every step."""
    rng = np.random.default_rng(seed)
    data, labels = rng.standard_normal((64, 20)), rng.integers(0, 3, 64)
    for _i in range(steps):
        rows = rng.permutation(64)[:batch]
        yield tg.tensor(data[rows], dtype=np.float64), tg.tensor(labels[rows])


# ---- results identical to eager mode ----------------------------------------------------------------------


def test_xor_1000_steps_match_eager():
    eager, compiled, net_e, net_c, _, _ = pair(XorNet, lambda p: optim.SGD(p, lr=0.1), nn.BCELoss())
    x, y = tg.tensor(XOR_X, dtype=np.float64), tg.tensor(XOR_Y, dtype=np.float64)
    losses = np.array([[eager(x, y).item(), compiled(x, y).item()] for _ in range(1000)])
    np.testing.assert_allclose(losses[:, 1], losses[:, 0], rtol=0, atol=TOL)
    assert losses[-1, 0] < losses[0, 0]  # it did train
    assert_same_parameters(net_e, net_c)
    assert compiled.traces == 1 and compiled.eager_calls == 0


@pytest.mark.parametrize(
    "name, make_opt, steps",
    [
        ("SGD with momentum", lambda p: optim.SGD(p, lr=0.05, momentum=0.9), 1000),
        ("Adam", lambda p: optim.Adam(p, lr=1e-3), 1000),
        (
            "SGD Nesterov, weight decay",
            lambda p: optim.SGD(p, lr=0.05, momentum=0.9, nesterov=True, weight_decay=1e-2),
            100,
        ),
        ("SGD dampening, maximize", lambda p: optim.SGD(p, lr=0.01, momentum=0.5, dampening=0.3, maximize=True), 100),
        ("AdamW, amsgrad", lambda p: optim.AdamW(p, lr=1e-3, amsgrad=True), 100),
        ("Adam, L2 weight decay", lambda p: optim.Adam(p, lr=1e-3, weight_decay=1e-2, maximize=True), 100),
    ],
)
def test_mlp_cross_entropy_matches_eager(name, make_opt, steps):
    eager, compiled, net_e, net_c, _, _ = pair(mlp, make_opt, nn.CrossEntropyLoss())
    for x, y in mlp_batches(steps):
        assert abs(compiled(x, y).item() - eager(x, y).item()) <= TOL
    assert_same_parameters(net_e, net_c)
    assert compiled.traces == 1 and compiled.eager_calls == 0  # new labels at each step are traced, not assumed


def tutorial_step(lr: float = tutorial_a.LR) -> tuple[Callable, dict]:
    """Tutorial A written with raw tensors and a manual SGD update, returning loss.item()."""
    params = {k: tg.tensor(v, requires_grad=True, dtype=np.float64) for k, v in tutorial_a.init().items()}
    W1, b1, W2, b2 = params["W1"], params["b1"], params["W2"], params["b2"]

    def train_step(x, y):
        Z1 = x @ W1 + b1
        A1 = Z1.sigmoid()
        Z2 = A1 @ W2 + b2
        A2 = Z2.sigmoid()
        loss = -(y * A2.log() + (1 - y) * (1 - A2).log()).mean()
        for p in params.values():
            p.grad = None
        loss.backward()
        with tg.no_grad():
            for p in params.values():
                p -= lr * p.grad
        return loss.item()

    return train_step, params


def test_raw_tensors_and_manual_sgd_match_eager_and_tutorial_a():
    eager, p_e = tutorial_step()
    train_step, p_c = tutorial_step()
    compiled = tg_compile(train_step)
    x, y = tg.tensor(XOR_X, dtype=np.float64), tg.tensor(XOR_Y, dtype=np.float64)
    losses = [(eager(x, y), compiled(x, y)) for _ in range(300)]
    assert all(type(c) is float and abs(c - e) <= TOL for e, c in losses)
    for k in p_e:
        np.testing.assert_allclose(p_c[k].data, p_e[k].data, rtol=0, atol=TOL)
    reference, _ = tutorial_a.train(epochs=300)  # the tutorial's own NumPy code, derived by hand
    np.testing.assert_allclose([c for _, c in losses], reference, rtol=0, atol=1e-12)


def test_compiled_and_eager_calls_interleave_on_one_model():
    """The optimizer's state (Adam's moments and step count) is the optimizer's own: both kinds of call use it."""
    eager, compiled, net_e, net_c, _, opt_c = pair(mlp, lambda p: optim.Adam(p, lr=1e-2), nn.CrossEntropyLoss())
    step_c_eagerly = compiled.fn
    for i, (x, y) in enumerate(mlp_batches(40)):
        eager(x, y)
        (compiled if i % 3 else step_c_eagerly)(x, y)
    assert_same_parameters(net_e, net_c)
    assert all(state["step"] == 40 for state in opt_c.state.values())


def test_a_loaded_checkpoint_resumes_the_compiled_step_at_its_step_count():
    """load_state_dict puts new arrays in Adam's state, its step count t among them: every call reads them."""
    eager, compiled, net_e, net_c, opt_e, opt_c = pair(mlp, lambda p: optim.Adam(p, lr=1e-2), nn.CrossEntropyLoss())
    batches = list(mlp_batches(30))
    for x, y in batches[:10]:
        eager(x, y), compiled(x, y)
    saved = [(net.state_dict(), opt.state_dict()) for net, opt in ((net_e, opt_e), (net_c, opt_c))]
    for x, y in batches[10:20]:
        eager(x, y), compiled(x, y)
    for (net, opt), (weights, state) in zip(((net_e, opt_e), (net_c, opt_c)), saved):
        net.load_state_dict(weights)
        opt.load_state_dict(state)  # back to t = 10: a bias correction read at t = 20 would differ
    for x, y in batches[10:30]:
        assert abs(compiled(x, y).item() - eager(x, y).item()) <= TOL
    assert_same_parameters(net_e, net_c)
    assert all(state["step"] == 30 for state in opt_c.state.values())
    assert compiled.traces == 1 and compiled.eager_calls == 0


def test_learning_rate_is_read_at_every_call():
    eager, compiled, net_e, net_c, opt_e, opt_c = pair(XorNet, lambda p: optim.SGD(p, lr=0.5), nn.BCELoss())
    x, y = tg.tensor(XOR_X, dtype=np.float64), tg.tensor(XOR_Y, dtype=np.float64)
    for i in range(20):
        for opt in (opt_e, opt_c):
            opt.param_groups[0]["lr"] = 0.5 / (1 + i)  # a schedule
        eager(x, y), compiled(x, y)
    assert_same_parameters(net_e, net_c)
    assert compiled.traces == 1


def test_gradients_for_inputs_floats_as_arguments_and_zero_grad_to_zeros():
    """x.grad (an input that requires grad), lr as a Python float argument, and zero_grad(set_to_none=False)."""

    def make():
        net = XorNet()
        opt = optim.SGD(net.parameters(), lr=0.1)

        def train_step(x, y, lr):
            opt.param_groups[0]["lr"] = lr
            opt.zero_grad(set_to_none=False)
            loss = F.mse_loss(net(x), y)
            loss.backward()
            opt.step()
            return float(loss), x.grad

        return net, train_step

    (net_e, eager), (net_c, compiled) = make(), make()
    compiled = tg_compile(compiled)
    y = tg.tensor(XOR_Y, dtype=np.float64)
    for i in range(6):
        x_e, x_c = (tg.tensor(XOR_X, dtype=np.float64, requires_grad=True) for _ in range(2))
        (loss_e, grad_e), (loss_c, grad_c) = eager(x_e, y, 0.5 / (i + 1)), compiled(x_c, y, 0.5 / (i + 1))
        assert type(loss_c) is float and abs(loss_c - loss_e) <= TOL
        np.testing.assert_allclose(x_c.grad.data, grad_e.data, rtol=0, atol=TOL)
        np.testing.assert_allclose(grad_c.data, grad_e.data, rtol=0, atol=TOL)
    assert "def step(x, y, lr," in compiled.source
    assert_same_parameters(net_e, net_c)


def test_a_compiled_step_called_while_tracing_is_an_error():
    """Nested compiled steps are not supported: the outer trace stops, naming the inner step."""
    net = XorNet()
    opt = optim.SGD(net.parameters(), lr=0.1)
    inner = tg_compile(module_step(net, nn.BCELoss(), opt))

    def outer(x, y):
        return inner(x, y) * 2

    x, y = tg.tensor(XOR_X, dtype=np.float64), tg.tensor(XOR_Y, dtype=np.float64)
    with pytest.raises(TracingError, match="train_step is a compiled step, called while another step is traced"):
        tg_compile(outer)(x, y)
    assert inner.traces == 0 and type(net.hidden.weight.data) is np.ndarray  # the real arrays are back
    assert tg_compile(lambda x, y: inner.fn(x, y) * 2, names=net)(x, y).shape == ()  # its function traces


def test_random_numbers_drawn_inside_the_step_warn():
    net = XorNet()

    def train_step(x, y):
        noisy = x + tg.randn(4, 2, dtype=np.float64) * 0.01  # drawn once, when traced
        loss = F.binary_cross_entropy(net(noisy), y)
        loss.backward()
        return loss

    with pytest.warns(TracingWarning, match="drawn once"):
        tg_compile(train_step)(tg.tensor(XOR_X, dtype=np.float64), tg.tensor(XOR_Y, dtype=np.float64))


def test_no_tensors_graph_or_backward_walk_at_run_time(monkeypatch):
    eager, compiled, net_e, net_c, _, _ = pair(XorNet, lambda p: optim.SGD(p, lr=0.1), nn.BCELoss())
    x, y = tg.tensor(XOR_X, dtype=np.float64), tg.tensor(XOR_Y, dtype=np.float64)
    eager(x, y), compiled(x, y)  # the first call traces

    def forbidden(*args, **kwargs):
        raise AssertionError("the compiled step used the engine")

    monkeypatch.setattr(Function, "apply", classmethod(forbidden))
    monkeypatch.setattr(tg.Tensor, "backward", forbidden)
    for _ in range(5):
        compiled(x, y)
    monkeypatch.undo()
    for _ in range(5):
        eager(x, y)
    assert_same_parameters(net_e, net_c)


# ---- the source reads like the math ------------------------------------------------------------------------


def xor_source() -> str:
    _, compiled, *_ = pair(XorNet, lambda p: optim.SGD(p, lr=0.1), nn.BCELoss())
    compiled(tg.tensor(XOR_X, dtype=np.float64), tg.tensor(XOR_Y, dtype=np.float64))
    return compiled.source


def assigned(source: str) -> list[str]:
    """The names the lines of a source assign, in order."""
    return [
        line.split(" = ")[0].strip()
        for line in source.splitlines()
        if " = " in line and not line.strip().startswith("#")
    ]


def test_source_has_a_line_per_op_and_the_parameters_names():
    source = xor_source()
    names = assigned(source)
    # the forward: one line for each op's output (linear also adds its bias in place, on a second line)
    for op in ("linear_1", "sigmoid_1", "linear_2", "sigmoid_2", "bce_loss_1"):
        assert names.count(op) == 1, op
    assert "def step(x, y, hidden_weight, hidden_bias, output_weight, output_bias, lr):" in source
    # the backward: a gradient per op input, named d<name>; the update: one line per parameter
    for grad in (
        "d_sigmoid_2",
        "d_linear_2",
        "d_sigmoid_1",
        "d_linear_1",
        "d_hidden_weight",
        "d_hidden_bias",
        "d_output_weight",
        "d_output_bias",
    ):
        assert names.count(grad) == 1, grad
    for p in ("hidden_weight", "hidden_bias", "output_weight", "output_bias"):
        assert f"    {p} -= lr * d_{p}\n" in source
    assert "Tensor" not in source and "backward(" not in source


def test_adam_update_is_adams_own_code():
    """Adam's step() writes its lines, its state named after each parameter (its locals are tmp): nothing twice."""
    _, compiled, *_ = pair(XorNet, lambda p: optim.Adam(p, lr=0.01), nn.BCELoss())
    for _ in range(2):  # Adam makes its state in the first call: that trace is not kept (see tg.compile)
        compiled(tg.tensor(XOR_X, dtype=np.float64), tg.tensor(XOR_Y, dtype=np.float64))
    source = compiled.source
    assert compiled.traces == 1
    for p in ("hidden_weight", "hidden_bias", "output_weight", "output_bias"):
        # t <- t + 1, in the state's 0-d array; then p <- p - (lr / (1 - b1^t)) m / (sqrt(v) / sqrt(1 - b2^t) + eps)
        t = re.search(rf"    (tmp_\d+) = step_{p}\.item\(\)\n", source).group(1)
        denom = re.search(rf"    (tmp_\d+) = np\.sqrt\(v_{p}\)\n", source).group(1)
        lines = [
            f"step_{p} += 1",
            f"{t} = step_{p}.item()",
            f"m_{p} *= 0.9",
            f"v_{p} *= 0.999",
            f"{denom} = np.sqrt(v_{p})",
            f"{denom} /= np.sqrt(1 - 0.999 ** {t}).item()",
            f"{denom} += 1e-08",
            f"np.divide(m_{p}, {denom}, out={denom})",
            f"{denom} *= lr / (1 - 0.9 ** {t})",
            f"{p} -= {denom}",
        ]
        at = [source.find(f"    {line}\n") for line in lines]
        assert -1 not in at and at == sorted(at), p


def test_xor_backward_shows_the_sigmoid_derivative():
    # d sigmoid/dx = s (1 - s): the first sigmoid's backward, as the Sigmoid op writes it
    assert "d_linear_1 = d_sigmoid_1 * sigmoid_1 * (1 - sigmoid_1)" in xor_source()
    train_step, _ = tutorial_step()
    compiled = tg_compile(train_step)
    compiled(tg.tensor(XOR_X, dtype=np.float64), tg.tensor(XOR_Y, dtype=np.float64))
    # tutorial A's line dZ1 = dA1 * (A1 * (1 - A1)), op for op: Z1 = x @ W1 + b1 is the output of add_1
    assert "d_add_1 = d_sigmoid_1 * sigmoid_1 * (1 - sigmoid_1)" in compiled.source


def test_the_header_lists_a_folded_constant_by_its_value():
    """BCE's mean over the 4 rows of XOR seeds the backward with 1/4: one constant, listed with its dtype and value
    (a decision: not with the expression np.ones_like(loss) / 4 it was folded from)."""
    source = xor_source()
    header = source[: source.index("def step(")]
    assert f"#   c: float64 {1 / len(XOR_X)!r}\n" in header and "ones_like" not in header
    assert " c * " in source  # the backward reads it by its name


def test_tracebacks_and_inspect_show_the_generated_source():
    _, compiled, *_ = pair(XorNet, lambda p: optim.SGD(p, lr=0.1), nn.BCELoss())
    compiled(tg.tensor(XOR_X, dtype=np.float64), tg.tensor(XOR_Y, dtype=np.float64))
    assert inspect.getsource(compiled.function) in compiled.source


# ---- guards ----------------------------------------------------------------------------------------------


def test_a_new_shape_traces_again_and_old_shapes_stay_compiled():
    eager, compiled, net_e, net_c, _, _ = pair(XorNet, lambda p: optim.SGD(p, lr=0.1), nn.BCELoss())
    batches = [(XOR_X, XOR_Y), (XOR_X[:3], XOR_Y[:3]), (XOR_X, XOR_Y), (XOR_X[1:3], XOR_Y[1:3])]
    for x, y in batches * 3:
        x, y = tg.tensor(x, dtype=np.float64), tg.tensor(y, dtype=np.float64)
        assert abs(compiled(x, y).item() - eager(x, y).item()) <= TOL
    assert compiled.traces == 3
    assert "float64 (2, 2)" in compiled.source  # the latest trace says what it was traced for
    assert_same_parameters(net_e, net_c)


def test_past_max_traces_new_shapes_run_eagerly_with_one_warning():
    """ndarray arguments are traced like tensors: a new shape is a new trace, up to max_traces."""
    nets = [XorNet(), XorNet()]
    opts = [optim.SGD(n.parameters(), lr=0.1) for n in nets]

    def steps(net, opt):
        def train_step(x, y):  # x, y: ndarrays
            opt.zero_grad()
            loss = F.binary_cross_entropy(net(tg.tensor(x)), tg.tensor(y))
            loss.backward()
            opt.step()
            return loss

        return train_step

    eager, compiled = steps(nets[0], opts[0]), tg_compile(steps(nets[1], opts[1]), max_traces=1)
    batches = [(XOR_X, XOR_Y), (XOR_X[:3], XOR_Y[:3]), (XOR_X, XOR_Y), (XOR_X[1:3], XOR_Y[1:3])]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for x, y in batches:
            assert abs(compiled(x, y).item() - eager(x, y).item()) <= TOL
    assert compiled.traces == 1 and compiled.eager_calls == 2
    assert [str(w.message) for w in caught] == [
        "tg.compile: 1 traces already (max_traces); calls with new shapes run eagerly"
    ]
    assert_same_parameters(nets[0], nets[1])


def test_a_changed_hyper_parameter_traces_again():
    eager, compiled, net_e, net_c, opt_e, opt_c = pair(
        mlp, lambda p: optim.SGD(p, lr=0.05, momentum=0.9), nn.CrossEntropyLoss()
    )
    for i, (x, y) in enumerate(mlp_batches(10)):
        if i == 5:
            opt_e.param_groups[0]["momentum"] = opt_c.param_groups[0]["momentum"] = 0.5
        eager(x, y), compiled(x, y)
    assert compiled.traces == 2
    assert_same_parameters(net_e, net_c)


def test_a_step_without_zero_grad_accumulates_as_eager_does():
    nets = [XorNet(), XorNet()]
    opts = [optim.SGD(n.parameters(), lr=0.1) for n in nets]

    def steps(net, opt):
        def train_step(x, y):
            loss = F.binary_cross_entropy(net(x), y)
            loss.backward()  # no zero_grad: gradients add up from call to call
            opt.step()
            return loss

        return train_step

    eager, compiled = steps(nets[0], opts[0]), tg_compile(steps(nets[1], opts[1]))
    x, y = tg.tensor(XOR_X, dtype=np.float64), tg.tensor(XOR_Y, dtype=np.float64)
    for _ in range(10):
        eager(x, y), compiled(x, y)
    assert compiled.traces == 2  # the first trace had no gradient yet; the second adds to the last one
    assert_same_parameters(nets[0], nets[1])


def test_a_step_that_gives_a_parameter_a_new_array_writes_it_back():
    """p.data = p.data - lr * grad (a new array, not an in-place update): each call puts the new array in p."""
    nets = [XorNet(), XorNet()]

    def steps(net):
        def train_step(x, y):
            net.zero_grad()
            loss = F.binary_cross_entropy(net(x), y)
            loss.backward()
            with tg.no_grad():
                for p in net.parameters():
                    p.data = p.data - 0.1 * p.grad.data
            return loss

        return train_step

    eager, compiled = steps(nets[0]), tg_compile(steps(nets[1]))
    x, y = tg.tensor(XOR_X, dtype=np.float64), tg.tensor(XOR_Y, dtype=np.float64)
    for _ in range(5):
        assert abs(compiled(x, y).item() - eager(x, y).item()) <= TOL
    assert compiled.traces == 1 and compiled.call_source.count(".data = _out[") == 4
    assert_same_parameters(nets[0], nets[1])


def test_control_flow_on_a_traced_value_warns():
    net = XorNet()
    opt = optim.SGD(net.parameters(), lr=0.1)

    def train_step(x, y):
        opt.zero_grad()
        loss = F.binary_cross_entropy(net(x), y)
        if loss.item() > 10.0:  # frozen at trace time
            return loss
        loss.backward()
        opt.step()
        return loss

    with pytest.warns(TracingWarning, match="frozen at trace time"):
        tg_compile(train_step)(tg.tensor(XOR_X, dtype=np.float64), tg.tensor(XOR_Y, dtype=np.float64))


def test_numpy_code_that_takes_a_traced_value_out_is_an_error_naming_the_line():
    """NumPy on a parameter or an input outside the ops: a trace would hold for that value only, so it stops there
    (a decision: the step does not run eagerly behind the user's back), with the real arrays back in place."""
    net = XorNet()

    def on_a_parameter(x, y):
        loss = F.binary_cross_entropy(net(x * float(np.asarray(net.hidden.weight.data).max())), y)
        loss.backward()
        return loss

    def on_an_input(x, y):
        weight = tg.tensor(np.asarray(y.data) + 1.0)  # computed outside the ops
        return F.binary_cross_entropy(net(x), y, weight=weight)

    x, y = tg.tensor(XOR_X, dtype=np.float64), tg.tensor(XOR_Y, dtype=np.float64)
    for step, value in ((on_a_parameter, "hidden_weight"), (on_an_input, "y")):
        line = step.__code__.co_firstlineno + 1
        compiled = tg_compile(step)
        with pytest.raises(
            TracingError, match=rf"{step.__name__} \(.*test_compile.py:{line}\) takes the value of {value}"
        ):
            compiled(x, y)
        assert compiled.traces == 0 and type(net.hidden.weight.data) is np.ndarray and type(y.data) is np.ndarray
        assert net.hidden.weight.grad is None


def test_repeated_rows_add_their_gradients_as_in_eager():
    """Index's backward adds into a fresh array (np.add.at): traced too, line by line."""
    nets = [mlp(3), mlp(3)]
    opts = [optim.SGD(n.parameters(), lr=0.1) for n in nets]
    rows = np.array([0, 0, 1, 2, 2, 2])

    def steps(net, opt):
        def train_step(x, y):
            opt.zero_grad()
            loss = F.cross_entropy(net(x)[rows], y[rows])  # repeated rows: gradients add up
            loss.backward()
            opt.step()
            return loss

        return train_step

    eager, compiled = steps(nets[0], opts[0]), tg_compile(steps(nets[1], opts[1]))
    for x, y in mlp_batches(5):
        assert abs(compiled(x, y).item() - eager(x, y).item()) <= TOL
    assert "np.add.at(" in compiled.source or "] = " in compiled.source
    assert_same_parameters(nets[0], nets[1])


class Cube(Function):
    """x^3, written with NumPy calls as the library's ops are: it traces like them."""

    def forward(self, x):
        self.save(x)
        return x**3

    def backward(self, grad_out):
        (x,) = self.saved
        return np.copy(grad_out) * 3 * x**2  # d x^3/dx = 3 x^2


class CubeByConversion(Cube):
    """The same op, but its backward converts grad_out with np.array, which takes a traced array's value out."""

    def backward(self, grad_out):
        (x,) = self.saved
        return np.array(grad_out) * 3 * x**2


def cube_step(op, w):
    def train_step(x):
        w.grad = None
        loss = op.apply(x @ w).mean()
        loss.backward()
        with tg.no_grad():
            for p in (w,):
                p -= 0.1 * p.grad
        return loss.item()

    return train_step


def test_a_users_op_written_with_numpy_calls_traces_like_the_librarys():
    params = [tg.tensor(np.linspace(-1, 1, 6).reshape(2, 3), requires_grad=True, dtype=np.float64) for _ in range(2)]
    eager, compiled = cube_step(Cube, params[0]), tg_compile(cube_step(Cube, params[1]))
    x = tg.tensor(XOR_X[:, :2] + 0.5, dtype=np.float64)
    for _ in range(5):
        assert abs(compiled(x) - eager(x)) <= TOL
    assert "cube_1 = " in compiled.source and "    # Cube backward\n" in compiled.source
    assert "= np.copy(d_cube_1) * 3 * " in compiled.source  # its own NumPy code, not a call of the op
    np.testing.assert_allclose(params[1].data, params[0].data, rtol=0, atol=TOL)


def test_an_op_whose_numpy_code_takes_the_value_out_is_an_error_naming_it():
    w = tg.tensor(np.linspace(-1, 1, 6).reshape(2, 3), requires_grad=True, dtype=np.float64)
    with pytest.raises(TracingError, match=r"CubeByConversion.backward .*np.copy"):
        tg_compile(cube_step(CubeByConversion, w))(tg.tensor(XOR_X[:, :2] + 0.5, dtype=np.float64))
    assert type(w.data) is np.ndarray  # the real arrays are back in the tensors


# A user's op whose backward writes d x^3/dx = 3 x^2 * grad_out in one NumPy form: (form, a line the source has).
# Each form is written as the op wrote it, so the compiled step is exact; where it writes into an array, a
# statement on that array.
def _fill(g, x):
    out = np.empty_like(g)
    out.fill(3.0)  # recorded as out[...] = 3.0
    return out * g * x**2


def _copyto(g, x):
    out = np.zeros_like(g)
    np.copyto(out, g * 3 * x**2)
    return out


def _slices(g, x):
    out = np.zeros_like(g)
    out[:, 0:2] = (g * 3 * x**2)[:, 0:2]
    out[:, 2:] = (g * 3 * x**2)[:, 2:]
    return out


def _add_at(g, x):
    out = np.zeros_like(g)
    np.add.at(out, (slice(None), np.array([2, 0, 1])), (g * 3 * x**2)[:, [2, 0, 1]])
    return out


def _bool_dtype(g, x):
    return np.where(np.ones_like(g, dtype=bool), g * 3 * x**2, 0.0)


def _float_item(g, x):
    return g * (3 * x**2).sum().item() / (3 * x**2).sum().item() * 3 * x**2  # (a float kept traced: a SymFloat)


NUMPY_FORMS = [
    (_fill, "[...] = 3.0"),
    (_copyto, "np.copyto("),
    (_slices, "[:, 0:2] = "),  # slices as Python writes them
    (_add_at, "np.add.at(d_matmul_1, np.s_[:, const], "),  # an index passed to a function reads as np.s_[...]
    (_bool_dtype, "np.ones_like(d_cube_form_1, dtype=bool)"),  # a class by its name, not a constant
    (_float_item, ".item()"),
]


@pytest.mark.parametrize("backward, line", NUMPY_FORMS, ids=[f.__name__.strip("_") for f, _ in NUMPY_FORMS])
def test_a_users_op_traces_each_numpy_form_exactly(backward, line):
    class CubeForm(Cube):
        def backward(self, grad_out):
            (x,) = self.saved
            return backward(grad_out, x)

    params = [tg.tensor(np.linspace(-1, 1, 6).reshape(2, 3), requires_grad=True, dtype=np.float64) for _ in range(2)]
    eager, compiled = cube_step(CubeForm, params[0]), tg_compile(cube_step(CubeForm, params[1]))
    x = tg.tensor(XOR_X[:, :2] + 0.5, dtype=np.float64)
    for _ in range(3):
        assert abs(compiled(x) - eager(x)) <= TOL
    assert compiled.traces == 1 and line in compiled.source
    np.testing.assert_allclose(params[1].data, params[0].data, rtol=0, atol=TOL)


def test_the_learning_rate_negated_stays_read_at_every_call():
    """-lr is traced as a float (not folded into a constant): the compiled step follows a changed lr."""
    nets = [XorNet(), XorNet()]
    opts = [optim.SGD(net.parameters(), lr=0.5) for net in nets]

    def steps(net, opt):
        def train_step(x, y):
            opt.zero_grad()
            loss = F.binary_cross_entropy(net(x), y)
            loss.backward()
            with tg.no_grad():
                for p in net.parameters():
                    p.data += -opt.param_groups[0]["lr"] * p.grad.data
            return loss

        return train_step

    eager, compiled = steps(nets[0], opts[0]), tg_compile(steps(nets[1], opts[1]))
    x, y = tg.tensor(XOR_X, dtype=np.float64), tg.tensor(XOR_Y, dtype=np.float64)
    for lr in (0.5, 0.5, 0.1, 0.1):
        for opt in opts:
            opt.param_groups[0]["lr"] = lr
        assert abs(compiled(x, y).item() - eager(x, y).item()) <= TOL
    negated = re.search(r"    (tmp\w*) = -lr\n", compiled.source)  # (one line: the four parameters read it)
    assert (
        compiled.traces == 1
        and negated
        and f"    hidden_weight += {negated.group(1)} * d_hidden_weight\n" in compiled.source
    )
    assert_same_parameters(nets[0], nets[1])


def test_a_numpy_decision_on_a_traced_value_warns():
    net = XorNet()

    def train_step(x, y):
        loss = F.binary_cross_entropy(net(x), y)
        if np.allclose(net.hidden.weight.data, 0.0):  # frozen at trace time
            return loss
        loss.backward()
        return loss

    with pytest.warns(TracingWarning, match=r"np.allclose\(\) reads the value of a traced tensor"):
        tg_compile(train_step)(tg.tensor(XOR_X, dtype=np.float64), tg.tensor(XOR_Y, dtype=np.float64))


def test_return_values_keep_their_kind():
    net = XorNet()
    opt = optim.SGD(net.parameters(), lr=0.1)

    def train_step(x, y):
        opt.zero_grad()
        prediction = net(x)
        loss = F.binary_cross_entropy(prediction, y)
        loss.backward()
        opt.step()
        return loss, loss.item(), {"prediction": prediction}

    compiled = tg_compile(train_step)
    x, y = tg.tensor(XOR_X, dtype=np.float64), tg.tensor(XOR_Y, dtype=np.float64)
    for _ in range(2):  # the traced call and a compiled one
        loss, value, extra = compiled(x, y)
        assert isinstance(loss, tg.Tensor) and loss.grad_fn is None and loss.shape == ()
        assert type(value) is float and value == loss.item()
        assert extra["prediction"].shape == (4, 1)


def test_the_example_runs():
    out = io.StringIO()
    with redirect_stdout(out):
        runpy.run_path(str(ROOT / "examples" / "compiled_step.py"), run_name="__main__")
    text = out.getvalue()
    assert "def step(X, y, W1, b1, W2, b2):" in text
    # tutorial A's dZ2 beside the compiled dZ2: the loss's and the sigmoid's derivatives, op by op
    beside = [line for line in text.splitlines() if line.startswith("dZ2 = A2 - y")]
    assert beside and re.search(r"\| d_add_2 = d_sigmoid_2 \* sigmoid_2 \* tmp_\d+$", beside[0])
    assert float(text.rsplit("losses: ", 1)[1]) <= 1e-12


# ---- the backward walk goes in the engine's order ------------------------------------------------------------


def three_uses_step(w: tg.Tensor) -> Callable:
    """h = x * w feeds three ops, made in the order exp, sigmoid, square; the loss reads them in another order."""

    def train_step(x):
        w.grad = None
        h = x * w
        a, b, c = h.exp(), h.sigmoid(), h * h
        total = (b.tanh() + a).sum() * 0.5 + (c + b * 0.3 + a * 1.7).sum()
        total.backward()
        with tg.no_grad():
            for p in (w,):
                p -= 0.01 * p.grad
        return total

    return train_step


def test_gradients_from_several_uses_add_up_in_the_engines_order():
    """dh is the sum of three gradients; floating-point addition is not associative, so the compiled
    step must add them in the order the engine does (newest op first) to give the very same bits."""
    rng = np.random.default_rng(5)
    ws = [tg.tensor(np.linspace(-1, 1, 12).reshape(3, 4), requires_grad=True, dtype=np.float64) for _ in range(2)]
    eager, compiled = three_uses_step(ws[0]), tg_compile(three_uses_step(ws[1]))
    for _ in range(20):
        x = tg.tensor(rng.standard_normal((3, 4)), dtype=np.float64)
        assert compiled(x).item() == eager(x).item()
    np.testing.assert_array_equal(ws[1].grad.data, ws[0].grad.data)
    np.testing.assert_array_equal(ws[1].data, ws[0].data)


def test_a_graph_recorded_before_tracing_is_an_error():
    w = tg.tensor(np.linspace(-1, 1, 6).reshape(2, 3), requires_grad=True, dtype=np.float64)
    h = w * 2.0  # recorded eagerly, before the step is traced: its op cannot be part of the compiled step

    def train_step(x):
        w.grad = None
        loss = (x @ h).sum()
        loss.backward()
        return loss

    with pytest.raises(TracingError, match="before tracing began"):
        tg_compile(train_step)(tg.tensor(XOR_X, dtype=np.float64))


def test_an_op_whose_forward_reads_needs_input_grad_traces_as_in_eager_mode():
    class ScaleIfNeeded(tg.Function):
        def forward(self, x, w):
            self.save(x if self.needs_input_grad[1] else None, w)  # eager sets the flags before forward
            return x * w

        def backward(self, grad_out):
            x, w = self.saved
            return grad_out * w, (grad_out * x).sum(axis=0) if x is not None else None

    w = tg.tensor(np.array([0.5, -1.0]), requires_grad=True)

    def train_step(x):
        w.grad = None
        loss = ScaleIfNeeded.apply(x, w).sum()
        loss.backward()
        with tg.no_grad():
            w.data -= 0.1 * w.grad.data
        return loss

    x = tg.tensor(np.array([[1.0, 2.0], [3.0, 4.0]]))
    step = tg.compile(train_step)
    for _ in range(3):
        step(x)
    np.testing.assert_allclose(w.data, np.array([0.5, -1.0]) - 0.3 * np.array([4.0, 6.0]), rtol=1e-12)


def test_where_as_a_method_with_a_condition_from_the_parameters_compiles():
    w = tg.tensor(np.array([0.5, -1.0, 2.0]), requires_grad=True)

    def train_step(x):
        w.grad = None
        z = x * w
        loss = z.where(w > 0, z * 0.1).sum()  # relu-like, with a condition computed from w
        loss.backward()
        with tg.no_grad():
            w.data -= 0.1 * w.grad.data
        return loss

    x = tg.tensor(np.array([1.0, 2.0, 3.0]))
    eager_w = w.data.copy()
    for _ in range(3):  # the same steps by hand: d loss/d w = x where w > 0, else 0.1 x
        eager_w -= 0.1 * np.where(eager_w > 0, x.data, 0.1 * x.data)
    step = tg.compile(train_step)
    for _ in range(3):
        step(x)
    np.testing.assert_allclose(w.data, eager_w, rtol=1e-12)


def _in_place_body(name: str) -> Callable[[tg.Tensor], None]:
    """h -> an in-place change of h, recorded by autograd (issue 10): each form a compiled step must follow."""

    def slice_times_3(h):
        h[1, 0:1] *= 3

    def set_row(h):
        h[0] = 0.0

    def through_a_kept_view(h):
        row = h[1]
        row -= 1  # changes h too (a view), with no write-back statement

    return {"h[1, 0:1] *= 3": slice_times_3, "h[0] = 0": set_row, "row = h[1]; row -= 1": through_a_kept_view}[name]


@pytest.mark.parametrize("name", ["h[1, 0:1] *= 3", "h[0] = 0", "row = h[1]; row -= 1"])
def test_a_compiled_step_with_in_place_ops_matches_the_eager_one(name):
    body = _in_place_body(name)
    results = []
    for compiled in (False, True):
        w = tg.tensor(np.ones((3, 2)), requires_grad=True)
        opt = tg.optim.SGD([w], lr=0.01)

        def step(x):
            opt.zero_grad()
            h = x @ w
            body(h)
            loss = (h * h).sum()
            loss.backward()
            opt.step()
            return loss.item()

        run = tg.compile(step) if compiled else step
        x = tg.tensor(np.arange(6.0).reshape(2, 3))
        losses = [run(x) for _ in range(3)]
        results.append((losses, w.data.copy()))
    (eager_losses, eager_w), (compiled_losses, compiled_w) = results
    np.testing.assert_allclose(compiled_losses, eager_losses, rtol=1e-12)
    np.testing.assert_allclose(compiled_w, eager_w, rtol=1e-12)


# ---- tracing runs the engine as it is ------------------------------------------------------------------------


def engine_entry_points() -> dict:
    """What a tracer could be tempted to replace: the engine's, the optimizers' and NumPy's own functions."""
    found = {
        f"{cls.__name__}.{name}": cls.__dict__[name]
        for cls in (Function, tg.Tensor)
        for name in ("apply", "backward", "data", "grad", "__init__")
        if name in cls.__dict__
    }
    found["Optimizer.step"] = optim.Optimizer.__dict__["step"]  # the loop; each rule is its class's _update
    found.update(
        {
            f"{cls.__name__}.{name}": cls.__dict__[name]
            for cls in (optim.SGD, optim.Adam)
            for name in ("_init_state", "_update")
        }
    )
    found.update({f"np.{name}": getattr(np, name) for name in ("zeros", "zeros_like", "empty", "ones", "asarray")})
    return found


def test_tracing_replaces_nothing_of_the_engine_optimizers_or_numpy():
    net = XorNet()
    opt = optim.Adam(net.parameters(), lr=0.01)
    before, during = engine_entry_points(), []

    def train_step(x, y):
        opt.zero_grad()
        loss = F.binary_cross_entropy(net(x), y)
        during.append(engine_entry_points())  # read while the step is being traced
        loss.backward()
        opt.step()
        during.append(engine_entry_points())
        return loss

    compiled = tg_compile(train_step)
    x, y = tg.tensor(XOR_X, dtype=np.float64), tg.tensor(XOR_Y, dtype=np.float64)
    for _ in range(3):  # the first call makes Adam's state and traces again at the second; the third replays
        compiled(x, y)
    assert compiled.traces == 1 and len(during) == 4
    for seen in during:
        assert all(seen[name] is before[name] for name in before), [n for n in before if seen[n] is not before[n]]


def test_a_tensor_that_requires_grad_and_cannot_be_reached_is_an_error_unless_named():
    def make():
        hidden = {"w": tg.tensor(np.linspace(-1, 1, 6).reshape(2, 3), requires_grad=True, dtype=np.float64)}
        holder = [hidden]  # a list of a dict: deeper than the tracer looks

        def train_step(x):
            w = holder[0]["w"]
            w.grad = None
            loss = (x @ w).tanh().sum()
            loss.backward()
            return loss

        return train_step, hidden["w"]

    x = tg.tensor(XOR_X, dtype=np.float64)
    step, _ = make()
    with pytest.raises(TracingError, match=r"\(2, 3\) that requires grad.*names="):
        tg_compile(step)(x)
    step, w = make()
    compiled = tg_compile(step, names={"w": w})
    for _ in range(2):
        compiled(x)
    assert "def step(x, w):" in compiled.source and "dw = " in compiled.source


def test_a_compiled_update_counts_a_new_version_as_the_eager_one_does():
    """SGD's step changes the weights in place: a graph that saved them refuses backward, compiled as eagerly."""
    for compile_it in (False, True):
        net = XorNet()
        opt = optim.SGD(net.parameters(), lr=0.1)
        step = module_step(net, nn.BCELoss(), opt)
        step = tg_compile(step) if compile_it else step
        x, y = tg.tensor(XOR_X, dtype=np.float64), tg.tensor(XOR_Y, dtype=np.float64)
        for _ in range(3):
            step(x, y)
        saved = (net(x) * 1.0).sum()  # the graph saves hidden.weight's array (Linear's backward reads it)
        before = net.hidden.weight._version
        step(x, y)
        assert net.hidden.weight._version > before, compile_it
        with pytest.raises(RuntimeError, match="modified by an inplace operation|changed in place|in place"):
            saved.backward()
