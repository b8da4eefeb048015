"""Compiled is eager, op by op: every row of the gradcheck table trains compiled and eagerly, to 1e-12.

Each case makes the row's inputs parameters (float64, requires grad), and trains them a few steps
with SGD on the loss sum(out * out) over the row's outputs: once eagerly and once through
tg.compile. The losses, the parameters and their gradients must agree to 1e-12 at every step, and
the compiled step must have compiled (one trace, no eager fallback).
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from test_gradcheck_ops import CASES, draw

import tinygrad_edu as tg
from tinygrad_edu import optim

TOL = 1e-12
STEPS = 3


def _train_step(op, params, opt):
    def train_step():
        opt.zero_grad()
        out = op.fn(*params)
        outs = out if isinstance(out, tuple) else (out,)
        loss = outs[0].mul(outs[0]).sum()
        for o in outs[1:]:
            loss = loss + (o * o).sum()
        loss.backward()
        opt.step()
        return loss

    return train_step


def _setup(op, shapes):
    rng = np.random.default_rng(0)
    params = [draw(shape, op.positive, rng) for shape in shapes]
    # a small lr keeps positive inputs (log, sqrt) positive over the few steps
    opt = optim.SGD(params, lr=1e-3, momentum=0.5)
    return params, opt


@pytest.mark.parametrize("op, shapes", CASES)
def test_every_op_trains_compiled_as_eagerly(op, shapes) -> None:
    eager_params, eager_opt = _setup(op, shapes)
    compiled_params, compiled_opt = _setup(op, shapes)
    eager = _train_step(op, eager_params, eager_opt)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a compiled step that gives up (runs eagerly) warns: fail on it
        compiled = tg.compile(_train_step(op, compiled_params, compiled_opt))
        for step in range(STEPS):
            expected, got = eager().item(), compiled().item()
            assert abs(got - expected) <= TOL * max(1.0, abs(expected)), f"loss at step {step}"
            for i, (p, q) in enumerate(zip(eager_params, compiled_params)):
                np.testing.assert_allclose(q.data, p.data, rtol=TOL, atol=TOL, err_msg=f"input {i} at step {step}")
                np.testing.assert_allclose(
                    q.grad.data, p.grad.data, rtol=TOL, atol=TOL, err_msg=f"grad of input {i} at step {step}"
                )
    assert compiled.traces == 1 and compiled.eager_calls == 0


def test_retain_grad_works_compiled() -> None:
    def make():
        rng = np.random.default_rng(1)
        w = tg.tensor(rng.standard_normal((3, 2)), requires_grad=True)
        opt = optim.SGD([w], lr=0.1)

        def train_step(x):
            opt.zero_grad()
            h = (x @ w).tanh()
            h.retain_grad()
            loss = (h * h).sum()
            loss.backward()
            opt.step()
            return loss, h.grad

        return train_step, w

    (eager, w_e), (step, w_c) = make(), make()
    compiled = tg.compile(step)
    x = tg.tensor(np.arange(12.0).reshape(4, 3) / 10)
    for _ in range(3):
        (loss_e, hgrad_e), (loss_c, hgrad_c) = eager(x), compiled(x)
        assert hgrad_c is not None, "retain_grad() gave no gradient in the compiled step"
        np.testing.assert_allclose(hgrad_c.data, hgrad_e.data, rtol=0, atol=TOL)  # d sum(h^2)/dh = 2h
        np.testing.assert_allclose(loss_c.data, loss_e.data, rtol=0, atol=TOL)
    np.testing.assert_allclose(w_c.data, w_e.data, rtol=0, atol=TOL)
    assert compiled.traces == 1 and compiled.eager_calls == 0


# ---- a compiled step follows the program's state: each change retraces ---------------------------------


class HalfInTraining(tg.nn.Module):
    """Halves its input in training mode only: a forward that reads self.training."""

    def forward(self, x):
        return x * 0.5 if self.training else x


def _guarded_model():
    tg.manual_seed(3)
    net = tg.nn.Sequential(
        tg.nn.Linear(2, 4, dtype=np.float64), HalfInTraining(), tg.nn.Tanh(), tg.nn.Linear(4, 1, dtype=np.float64)
    )
    extra = tg.tensor([0.5, -0.25], dtype=tg.float64, requires_grad=True)
    opt = optim.SGD(net.parameters(), lr=0.1)
    loss_fn = tg.nn.MSELoss()

    def train_step(x, y):
        opt.zero_grad()
        loss = loss_fn(net(x), y) + (extra * extra).sum()
        loss.backward()
        opt.step()
        return loss

    return train_step, net, extra, opt, loss_fn


def _new_output_layer(net, extra, opt, loss_fn):
    tg.manual_seed(4)
    net[3] = tg.nn.Linear(4, 1, dtype=np.float64)
    opt.add_param_group({"params": list(net[3].parameters())})


CHANGES = [
    ("model.eval()", lambda net, extra, opt, loss_fn: net.eval()),
    ("a layer frozen with requires_grad_(False)", lambda net, extra, opt, loss_fn: net[0].weight.requires_grad_(False)),
    ("a sub-module replaced", _new_output_layer),
    ("optimizer.add_param_group", lambda net, extra, opt, loss_fn: opt.add_param_group({"params": [extra], "lr": 0.5})),
    ("a loss module's reduction", lambda net, extra, opt, loss_fn: setattr(loss_fn, "reduction", "sum")),
]


@pytest.mark.parametrize("name, change", CHANGES, ids=[c[0] for c in CHANGES])
def test_a_change_of_program_state_retraces_and_stays_eager_exact(name, change) -> None:
    eager, *eager_state = _guarded_model()
    step, *compiled_state = _guarded_model()
    compiled = tg.compile(step)
    x = tg.tensor(np.array([[0.0, 1.0], [1.0, 0.5], [-1.0, 2.0]]), dtype=tg.float64)
    y = tg.tensor(np.array([[0.5], [-0.5], [1.0]]), dtype=tg.float64)
    for round in range(2):
        for _ in range(2):
            assert abs(compiled(x, y).item() - eager(x, y).item()) <= TOL
        if round == 0:
            traces = compiled.traces  # (2: the first call finds extra.grad None, the second does not)
            change(*eager_state)
            change(*compiled_state)
    (net_e, extra_e, *_), (net_c, extra_c, *_) = eager_state, compiled_state
    for a, b in zip([*net_e.parameters(), extra_e], [*net_c.parameters(), extra_c]):
        np.testing.assert_allclose(b.data, a.data, rtol=0, atol=TOL)
    assert compiled.traces == traces + 1 and compiled.eager_calls == 0  # the change, and only it, retraced


def test_a_variable_rebound_to_another_tensor_retraces() -> None:
    w = tg.tensor([1.0, 2.0], dtype=tg.float64, requires_grad=True)

    def train_step():
        return (w * w).sum()

    compiled = tg.compile(train_step)
    assert [compiled().item() for _ in range(2)] == [5.0, 5.0] and compiled.traces == 1
    w = tg.tensor([3.0, 0.0], dtype=tg.float64, requires_grad=True)  # the step's closure now holds another tensor
    assert [compiled().item() for _ in range(2)] == [9.0, 9.0] and compiled.traces == 2


class _Trainer:
    """A step as a bound method: what it reads comes through self."""

    def __init__(self, seed: int) -> None:
        tg.manual_seed(seed)
        self.model = tg.nn.Linear(2, 1, dtype=np.float64)
        self.opt = optim.SGD(self.model.parameters(), lr=0.1)
        self.calls = 0

    def step(self, x, y, scale):
        self.calls += 1  # a plain attribute that changes at every call: not program state
        self.opt.zero_grad()
        loss = ((self.model(x) - y) ** 2).mean() * scale
        loss.backward()
        self.opt.step()
        return loss


def _swap_model(t: _Trainer) -> None:
    t.model = tg.nn.Linear(2, 1, dtype=np.float64)
    t.opt = optim.SGD(t.model.parameters(), lr=0.1)


# (what changes between calls 2 and 3, the change, how many traces it leaves)
OWNER_CHANGES = [
    ("nothing but a counter attribute", lambda t: None, 1),
    ("the object's model and optimizer replaced", _swap_model, 2),
    ("the object's model in eval mode", lambda t: t.model.eval(), 2),
    ("an optimizer hyper-parameter but lr", lambda t: t.opt.param_groups[0].update(momentum=0.5), 2),
    ("lr (read at every call)", lambda t: t.opt.param_groups[0].update(lr=0.01), 1),
]


@pytest.mark.parametrize("name, change, traces", OWNER_CHANGES, ids=[c[0] for c in OWNER_CHANGES])
def test_a_bound_method_step_retraces_only_when_its_object_state_changes(name, change, traces) -> None:
    eager, traced = _Trainer(5), _Trainer(5)
    compiled = tg.compile(traced.step)
    x = tg.tensor(np.array([[0.0, 1.0], [1.0, 0.5], [-1.0, 2.0]]), dtype=tg.float64)
    y = tg.tensor(np.array([[0.5], [-0.5], [1.0]]), dtype=tg.float64)
    for call in range(4):
        if call == 2:
            tg.manual_seed(6)
            change(eager)
            tg.manual_seed(6)
            change(traced)
        assert abs(compiled(x, y, 2).item() - eager.step(x, y, 2).item()) <= TOL
    np.testing.assert_allclose(traced.model.weight.data, eager.model.weight.data, rtol=0, atol=TOL)
    assert compiled.traces == traces and compiled.eager_calls == 0


DRAWS = [
    ("np.random.randn", lambda rng: np.random.randn(2)),
    ("a Generator the step refers to", lambda rng: rng.standard_normal(2)),
    ("tg.randn", lambda rng: tg.randn(2, dtype=tg.float64).numpy()),
]


@pytest.mark.parametrize("name, draw_noise", DRAWS, ids=[d[0] for d in DRAWS])
def test_random_numbers_drawn_inside_a_step_warn(name, draw_noise) -> None:
    w = tg.tensor([1.0, 2.0], dtype=tg.float64, requires_grad=True)
    rng = np.random.default_rng(0)

    def train_step():
        loss = ((w + draw_noise(rng)) ** 2).sum()
        loss.backward()
        return loss

    with pytest.warns(tg.compiler.TracingWarning, match="drawn once"):
        tg.compile(train_step)()


def test_a_step_that_draws_nothing_does_not_warn() -> None:
    w = tg.tensor([1.0, 2.0], dtype=tg.float64, requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        tg.compile(lambda: (w * w).sum())()


def test_a_0d_parameter_keeps_0d_arrays_in_data_and_grad_compiled() -> None:
    w = tg.tensor(1.5, dtype=tg.float64, requires_grad=True)
    opt = optim.SGD([w], lr=0.1, momentum=0.9)

    def train_step():
        opt.zero_grad()
        loss = w * w  # two uses of w: its gradient is a sum, 0-d + 0-d (a NumPy scalar, unless kept an array)
        loss.backward()
        opt.step()
        return loss

    compiled = tg.compile(train_step)
    for _ in range(3):
        compiled()
        assert type(w.grad.data) is np.ndarray and type(w.data) is np.ndarray
        assert type(opt.state[w]["momentum_buffer"]) is np.ndarray


def test_tracing_installs_no_trace_or_profile_hook_and_names_ops_under_a_debugger() -> None:
    import sys

    seen = []
    w = tg.tensor([1.0, 2.0], dtype=tg.float64, requires_grad=True)
    opt = optim.Adam([w], lr=0.1)

    def train_step():
        opt.zero_grad()
        hidden = (w * w).tanh()
        seen.append((sys.gettrace(), sys.getprofile()))
        loss = (hidden * 3).sum()
        loss.backward()
        opt.step()
        return loss

    def debugger(frame, event, arg):  # as a debugger or coverage tool has one
        return None

    previous = sys.gettrace()
    sys.settrace(debugger)
    try:
        compiled = tg.compile(train_step)
        compiled()
        compiled()
    finally:
        sys.settrace(previous)
    assert seen and all(hooks == (debugger, None) for hooks in seen)  # the user's own hook, nothing of ours
    assert "tanh_1 = np.tanh(" in compiled.source  # names come from the ops
    assert "m_w *= 0.9" in compiled.source  # and from the optimizer's state and its parameter
