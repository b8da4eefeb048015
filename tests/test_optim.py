"""Optimizers: each update rule against its formula written out below in NumPy, step by step, in float64.

The reference functions `sgd_reference` and `adam_reference` are PyTorch's documented update rules,
transcribed one line per formula line. Each test feeds the same sequence of gradients to the
optimizer and to the reference and compares every step to 1e-12.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu import nn, optim
from tinygrad_edu.nn import functional as F
from tinygrad_edu.serialization import load, save

STEPS = 5
rng = np.random.default_rng(2024)
START = [rng.normal(size=(3, 2)), rng.normal(size=(4,))]  # two parameters
GRADS = [[rng.normal(size=p.shape) for p in START] for _ in range(STEPS)]  # a gradient per step per parameter


# ---- the update rules, written out ----------------------------------------------------------------


def sgd_reference(
    p: np.ndarray,
    grads: list[np.ndarray],
    lr: float,
    momentum: float = 0.0,
    dampening: float = 0.0,
    weight_decay: float = 0.0,
    nesterov: bool = False,
    maximize: bool = False,
) -> list[np.ndarray]:
    """PyTorch's SGD. Returns the parameter after each step."""
    trajectory = []
    b: np.ndarray | None = None
    for g in grads:
        if maximize:
            g = -g
        g = g + weight_decay * p  # L2 penalty folded into the gradient
        if momentum != 0:
            b = g if b is None else momentum * b + (1 - dampening) * g  # the buffer starts as the first gradient
            g = g + momentum * b if nesterov else b
        p = p - lr * g
        trajectory.append(p)
    return trajectory


def adam_reference(
    p: np.ndarray,
    grads: list[np.ndarray],
    lr: float = 1e-3,
    betas=(0.9, 0.999),
    eps: float = 1e-8,
    weight_decay: float = 0.0,
    amsgrad: bool = False,
    maximize: bool = False,
    decoupled: bool = False,
) -> list[np.ndarray]:
    """PyTorch's Adam (decoupled=False) and AdamW (decoupled=True). Returns the parameter after each step."""
    beta1, beta2 = betas
    m = np.zeros_like(p)
    v = np.zeros_like(p)
    v_max = np.zeros_like(p)
    trajectory = []
    for t, g in enumerate(grads, start=1):
        if maximize:
            g = -g
        if decoupled:
            p = p * (1 - lr * weight_decay)  # AdamW: decay the weights themselves
        else:
            g = g + weight_decay * p  # Adam: L2 penalty in the gradient
        m = beta1 * m + (1 - beta1) * g
        v = beta2 * v + (1 - beta2) * g**2
        m_hat = m / (1 - beta1**t)  # bias corrections: m and v started at 0
        if amsgrad:
            v_max = np.maximum(v_max, v)
            v_hat = v_max / (1 - beta2**t)
        else:
            v_hat = v / (1 - beta2**t)
        p = p - lr * m_hat / (np.sqrt(v_hat) + eps)
        trajectory.append(p)
    return trajectory


def run(make_optimizer, grads=GRADS) -> list[list[np.ndarray]]:
    """Run an optimizer over fresh float64 copies of START, feeding `grads`; returns each step's parameters."""
    params = [nn.Parameter(tg.tensor(p)) for p in START]
    opt = make_optimizer(params)
    arrays = [p.data for p in params]
    trajectory = []
    for step_grads in grads:
        for p, g in zip(params, step_grads):
            p.grad = tg.tensor(g)
        opt.step()
        trajectory.append([p.data.copy() for p in params])
    assert all(p.data is a for p, a in zip(params, arrays)), "step() must update p.data in place"
    return trajectory


def assert_trajectories_equal(ours: list[list[np.ndarray]], reference: list[list[np.ndarray]]) -> None:
    for step, (got, want) in enumerate(zip(ours, reference), start=1):
        for i, (a, b) in enumerate(zip(got, want)):
            np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12, err_msg=f"step {step}, parameter {i}")


SGD_CONFIGS = [
    dict(lr=0.1),
    dict(lr=0.1, momentum=0.9),
    dict(lr=0.05, momentum=0.9, dampening=0.5),
    dict(lr=0.1, momentum=0.8, nesterov=True),
    dict(lr=0.1, weight_decay=0.3),
    dict(lr=0.1, momentum=0.9, weight_decay=0.1, nesterov=True),
    dict(lr=0.1, maximize=True),
    dict(lr=0.1, momentum=0.5, weight_decay=0.2, maximize=True),
]


@pytest.mark.parametrize("config", SGD_CONFIGS, ids=[str(c) for c in SGD_CONFIGS])
def test_sgd_follows_pytorchs_rule(config: dict[str, Any]) -> None:
    ours = run(lambda params: optim.SGD(params, **config))
    per_param = [sgd_reference(START[i], [g[i] for g in GRADS], **config) for i in range(len(START))]
    assert_trajectories_equal(ours, [list(step) for step in zip(*per_param)])


ADAM_CONFIGS = [
    ("Adam", dict(lr=0.1)),
    ("Adam", dict(lr=0.01, betas=(0.8, 0.95), eps=1e-3)),
    ("Adam", dict(lr=0.1, weight_decay=0.1)),
    ("Adam", dict(lr=0.1, amsgrad=True)),
    ("Adam", dict(lr=0.1, maximize=True, weight_decay=0.05, amsgrad=True)),
    ("AdamW", dict(lr=0.1)),  # the default weight_decay of 1e-2
    ("AdamW", dict(lr=0.1, weight_decay=0.3, amsgrad=True)),
    ("AdamW", dict(lr=0.1, weight_decay=0.3, maximize=True)),
]


@pytest.mark.parametrize("name, config", ADAM_CONFIGS, ids=[f"{n} {c}" for n, c in ADAM_CONFIGS])
def test_adam_and_adamw_follow_pytorchs_rule(name: str, config: dict[str, Any]) -> None:
    ours = run(lambda params: getattr(optim, name)(params, **config))
    reference = dict(config, decoupled=name == "AdamW")
    if name == "AdamW":
        reference.setdefault("weight_decay", 1e-2)
    per_param = [adam_reference(START[i], [g[i] for g in GRADS], **reference) for i in range(len(START))]
    assert_trajectories_equal(ours, [list(step) for step in zip(*per_param)])


# ---- a few hand-checked facts about the rules -------------------------------------------------------


def test_momentum_accumulates_a_constant_gradient() -> None:
    # g = 1 each step, lr 0.1, momentum 0.9: buffers 1, 1.9, 2.71, so p = -0.1 (1 + 1.9 + 2.71)
    p = nn.Parameter(tg.zeros(1, dtype=np.float64))
    opt = optim.SGD([p], lr=0.1, momentum=0.9)
    for _ in range(3):
        p.grad = tg.ones(1, dtype=np.float64)
        opt.step()
    assert p.item() == pytest.approx(-0.561, abs=1e-12)
    np.testing.assert_allclose(opt.state[p]["momentum_buffer"], [2.71], rtol=1e-12)


def test_adams_first_step_moves_every_weight_by_lr_whatever_the_gradient_scale() -> None:
    # After the bias corrections, m_hat = g and v_hat = g^2 at t = 1, so the step is lr g / (|g| + eps).
    p = nn.Parameter(tg.zeros(3, dtype=np.float64))
    p.grad = tg.tensor([1e-3, -5.0, 200.0], dtype=np.float64)
    optim.Adam([p], lr=0.01).step()
    np.testing.assert_allclose(p.data, [-0.01, 0.01, -0.01], rtol=1e-4)


def test_parameters_without_gradients_are_skipped() -> None:
    a, b = nn.Parameter(tg.ones(2)), nn.Parameter(tg.ones(2))
    # (plain SGD updates a whole group in one loop; with momentum, and Adam, each parameter keeps state)
    for opt in (optim.SGD([a, b], lr=0.1), optim.SGD([a, b], lr=0.1, momentum=0.9), optim.Adam([a, b], lr=0.1)):
        a.grad, b.grad = tg.ones(2), None
        versions = a._version, b._version
        opt.step()
        assert np.all(b.data == 1) and np.all(a.data != 1)
        assert b not in opt.state  # no state made for it either
        assert (a._version, b._version) == (versions[0] + 1, versions[1])  # only a changed in place


def test_plain_sgd_keeps_no_state_as_pytorch() -> None:
    p = nn.Parameter(tg.ones(2, dtype=np.float64))
    opt = optim.SGD([p], lr=0.5)
    p.grad = tg.tensor([1.0, -2.0], dtype=np.float64)
    opt.step()
    assert p.data.tolist() == [0.5, 2.0] and opt.state == {} and opt.state_dict()["state"] == {}


def test_param_groups_have_their_own_hyper_parameters() -> None:
    a, b = nn.Parameter(tg.zeros(1, dtype=np.float64)), nn.Parameter(tg.zeros(1, dtype=np.float64))
    opt = optim.SGD([{"params": [a], "lr": 1.0}, {"params": [b]}], lr=0.1, momentum=0.5)
    assert [g["lr"] for g in opt.param_groups] == [1.0, 0.1]
    assert opt.param_groups[0]["momentum"] == 0.5  # from the defaults
    a.grad = b.grad = tg.ones(1, dtype=np.float64)
    opt.step()
    assert (a.item(), b.item()) == (-1.0, -0.1)
    c = nn.Parameter(tg.zeros(1))
    opt.add_param_group({"params": [c], "lr": 0.5})
    assert opt.param_groups[2]["lr"] == 0.5 and opt.param_groups[2]["params"] == [c]
    with pytest.raises(ValueError, match="more than one parameter group"):
        opt.add_param_group({"params": [a]})


def test_zero_grad() -> None:
    net = nn.Linear(2, 1)
    opt = optim.SGD(net.parameters(), lr=0.1)
    F.mse_loss(net(tg.ones(3, 2)), np.zeros((3, 1))).backward()
    opt.zero_grad(set_to_none=False)
    assert all(np.all(p.grad.data == 0) for p in net.parameters())
    opt.zero_grad()
    assert all(p.grad is None for p in net.parameters())


def test_step_with_a_closure_returns_its_loss() -> None:
    net = nn.Linear(2, 1)
    opt = optim.SGD(net.parameters(), lr=0.1)

    def closure():
        opt.zero_grad()
        loss = F.mse_loss(net(tg.ones(3, 2)), np.zeros((3, 1)))
        loss.backward()
        return loss

    before = net.weight.data.copy()
    loss = opt.step(closure)
    assert isinstance(loss, tg.Tensor)
    np.testing.assert_allclose(net.weight.data, before - 0.1 * net.weight.grad.data, rtol=1e-6)


def test_model_double_after_building_the_optimizer_keeps_it_working() -> None:
    net = nn.Linear(2, 1)
    opt = optim.SGD(net.parameters(), lr=0.1)
    net.double()  # same Parameter objects, float64 data
    F.mse_loss(net(tg.ones(3, 2, dtype=np.float64)), np.zeros((3, 1))).backward()
    expected = net.weight.data - 0.1 * net.weight.grad.data
    opt.step()
    np.testing.assert_array_equal(net.weight.data, expected)


# ---- bad hyper-parameters -------------------------------------------------------------------------

BAD = [
    (optim.SGD, dict(lr=-0.1), "-0.1"),
    (optim.SGD, dict(lr=0.1, momentum=-0.5), "-0.5"),
    (optim.SGD, dict(lr=0.1, weight_decay=-1e-4), "-0.0001"),
    (optim.SGD, dict(lr=0.1, nesterov=True), "Nesterov"),
    (optim.SGD, dict(lr=0.1, momentum=0.9, dampening=0.1, nesterov=True), "dampening=0.1"),
    (optim.Adam, dict(lr=-1.0), "-1.0"),
    (optim.Adam, dict(betas=(1.0, 0.999)), "index 0: 1.0"),
    (optim.Adam, dict(betas=(0.9, -0.1)), "index 1: -0.1"),
    (optim.Adam, dict(eps=-1e-8), "-1e-08"),
    (optim.Adam, dict(weight_decay=-0.1), "-0.1"),
    (optim.AdamW, dict(betas=(0.9, 1.5)), "1.5"),
]


@pytest.mark.parametrize("cls, options, pattern", BAD, ids=[f"{c.__name__} {o}" for c, o, _ in BAD])
def test_bad_hyper_parameters_are_value_errors_naming_the_value(cls, options, pattern) -> None:
    with pytest.raises(ValueError, match=pattern.replace("(", r"\(").replace(".", r"\.")):
        cls([nn.Parameter(tg.zeros(1))], **options)


def test_bad_parameter_lists() -> None:
    p = nn.Parameter(tg.zeros(2))
    with pytest.raises(ValueError, match="empty parameter list"):
        optim.SGD([], lr=0.1)
    with pytest.raises(ValueError, match="empty parameter list"):
        optim.Adam(nn.Sigmoid().parameters())  # a generator with nothing in it
    with pytest.raises(TypeError, match="iterable"):
        optim.SGD(p, lr=0.1)  # a single tensor, not a list
    with pytest.raises(ValueError, match="more than once"):
        optim.SGD([p, p], lr=0.1)
    with pytest.raises(ValueError, match="non-leaf"):
        optim.SGD([p * 2], lr=0.1)
    with pytest.raises(ValueError, match="-0.5"):
        optim.SGD([{"params": [p], "lr": -0.5}], lr=0.1)  # a group's own lr is checked too


def test_repr_lists_each_group() -> None:
    text = repr(optim.SGD([nn.Parameter(tg.zeros(1))], lr=0.1))
    assert text.startswith("SGD (\nParameter Group 0\n") and "    lr: 0.1\n" in text and text.endswith(")")


# ---- state_dict: resuming gives the same trajectory ------------------------------------------------

XOR_X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
XOR_Y = np.array([[0.0], [1.0], [1.0], [0.0]])


def train(net: nn.Module, opt: optim.Optimizer, steps: int) -> list[float]:
    losses = []
    for _ in range(steps):
        opt.zero_grad()
        loss = F.binary_cross_entropy(net(tg.tensor(XOR_X)), XOR_Y)
        loss.backward()
        opt.step()
        losses.append(loss.item())
    return losses


def xor_net() -> nn.Sequential:
    tg.manual_seed(7)
    return nn.Sequential(nn.Linear(2, 4), nn.Sigmoid(), nn.Linear(4, 1), nn.Sigmoid()).double()


MAKERS = [
    ("SGD nesterov", lambda ps: optim.SGD(ps, lr=0.5, momentum=0.9, nesterov=True, weight_decay=1e-3)),
    ("Adam amsgrad", lambda ps: optim.Adam(ps, lr=0.05, amsgrad=True)),
    ("AdamW groups", lambda ps: optim.AdamW([{"params": ps[:2], "lr": 0.1}, {"params": ps[2:]}], lr=0.02)),
]


@pytest.mark.parametrize("name, make", MAKERS, ids=[m[0] for m in MAKERS])
def test_resuming_from_a_saved_state_gives_the_uninterrupted_trajectory(tmp_path, name, make) -> None:
    net = xor_net()
    opt = make(list(net.parameters()))
    uninterrupted = train(net, opt, 8)
    final = net.state_dict()

    first = xor_net()
    first_opt = make(list(first.parameters()))
    before = train(first, first_opt, 4)
    save({"model": first.state_dict(), "optimizer": first_opt.state_dict()}, tmp_path / "checkpoint.npz")

    resumed = xor_net()  # fresh weights and a fresh optimizer, then the checkpoint
    resumed_opt = make(list(resumed.parameters()))
    checkpoint = load(tmp_path / "checkpoint.npz")
    resumed.load_state_dict(checkpoint["model"])
    resumed_opt.load_state_dict(checkpoint["optimizer"])
    after = train(resumed, resumed_opt, 4)

    assert before + after == uninterrupted
    for key, value in resumed.state_dict().items():
        np.testing.assert_array_equal(value, final[key])


def test_state_dict_layout_is_pytorchs_and_a_snapshot() -> None:
    net = xor_net()
    opt = optim.Adam(net.parameters(), lr=0.01)
    train(net, opt, 2)
    sd = opt.state_dict()
    assert sorted(sd) == ["param_groups", "state"]
    assert sd["param_groups"][0]["params"] == [0, 1, 2, 3] and sd["param_groups"][0]["betas"] == (0.9, 0.999)
    assert sorted(sd["state"]) == [0, 1, 2, 3]
    assert sd["state"][0]["step"] == 2 and sorted(sd["state"][0]) == ["exp_avg", "exp_avg_sq", "step"]
    kept = sd["state"][0]["exp_avg"].copy()
    train(net, opt, 1)
    np.testing.assert_array_equal(sd["state"][0]["exp_avg"], kept)  # later steps leave it alone


def test_adams_step_count_is_a_0d_float64_array_counted_in_place() -> None:
    # PyTorch keeps Adam's step as a 0-d tensor; here a 0-d float64 array (exact to 2**53 steps), changed
    # in place like the moments, so tg.compile reads it as it reads them.
    net = xor_net()
    opt = optim.Adam(net.parameters(), lr=0.01)
    train(net, opt, 1)
    first = next(net.parameters())
    step = opt.state[first]["step"]
    train(net, opt, 2)
    assert opt.state[first]["step"] is step
    assert step.shape == () and step.dtype == np.float64 and step == 3


STEP_FORMATS = [
    ("a 0-d array, as state_dict() gives", lambda step: step),
    ("a Python int, as older checkpoints hold", lambda step: int(step)),
    ("a Tensor", lambda step: tg.tensor(step)),
]


@pytest.mark.parametrize("name, saved_as", STEP_FORMATS, ids=[f[0] for f in STEP_FORMATS])
def test_a_loaded_step_count_is_a_float64_array_of_its_own(name, saved_as) -> None:
    p, q = nn.Parameter(tg.zeros(3)), nn.Parameter(tg.zeros(3))  # float32, which the count must not take
    opt, resumed = optim.Adam([p], lr=0.1), optim.Adam([q], lr=0.1)
    for _ in range(2):
        p.grad = tg.tensor([1.0, -2.0, 3.0])
        opt.step()
    sd = opt.state_dict()
    sd["state"][0]["step"] = saved_as(sd["state"][0]["step"])
    resumed.load_state_dict(sd)
    step = resumed.state[q]["step"]
    assert isinstance(step, np.ndarray) and step.shape == () and step.dtype == np.float64 and step == 2
    assert step is not sd["state"][0]["step"]  # a copy: stepping leaves the loaded dict alone
    q.data[...] = p.data
    p.grad, q.grad = tg.tensor([1.0, -2.0, 3.0]), tg.tensor([1.0, -2.0, 3.0])
    opt.step()
    resumed.step()
    np.testing.assert_array_equal(q.data, p.data)  # the third step, with t = 3 in both


MISMATCHES = [
    ("one group, two saved", lambda sd: sd["param_groups"].append(dict(sd["param_groups"][0])), "group"),
    ("fewer parameters", lambda sd: sd["param_groups"][0]["params"].pop(), "doesn't match the size"),
    ("wrong state shape", lambda sd: sd["state"][0].update(exp_avg=np.zeros((9, 9))), r"\(9, 9\)"),
    ("bad saved lr", lambda sd: sd["param_groups"][0].update(lr=-1.0), "-1.0"),
]


@pytest.mark.parametrize("name, damage, pattern", MISMATCHES, ids=[m[0] for m in MISMATCHES])
def test_failed_load_leaves_the_optimizer_unchanged(name, damage, pattern) -> None:
    net = xor_net()
    opt = optim.Adam(net.parameters(), lr=0.01)
    train(net, opt, 2)
    before = opt.state_dict()
    sd = opt.state_dict()
    sd["param_groups"][0]["lr"] = 0.123  # would show if anything were loaded
    damage(sd)
    with pytest.raises(ValueError, match=pattern):
        opt.load_state_dict(sd)
    after = opt.state_dict()
    assert after["param_groups"] == before["param_groups"]
    for i, entries in before["state"].items():
        for key, value in entries.items():
            np.testing.assert_array_equal(after["state"][i][key], value)


# ---- optional cross-check against torch.optim ------------------------------------------------------

TORCH_CONFIGS = [("SGD", c) for c in SGD_CONFIGS] + ADAM_CONFIGS


@pytest.mark.parametrize("name, config", TORCH_CONFIGS, ids=[f"{n} {c}" for n, c in TORCH_CONFIGS])
def test_same_updates_as_torch(name: str, config: dict[str, Any]) -> None:
    torch = pytest.importorskip("torch")
    ours = run(lambda params: getattr(optim, name)(params, **config))
    params = [torch.nn.Parameter(torch.tensor(p)) for p in START]
    opt = getattr(torch.optim, name)(params, **config)
    for step, step_grads in enumerate(GRADS):
        for p, g in zip(params, step_grads):
            p.grad = torch.tensor(g)
        opt.step()
        for a, p in zip(ours[step], params):
            np.testing.assert_allclose(a, p.detach().numpy(), rtol=1e-12, atol=1e-12)
