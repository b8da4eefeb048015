"""RMSprop, Adagrad, Adadelta, Adamax, NAdam and RAdam: each against its published rule written out below, and torch.

Each `*_reference` is the update rule as the class docstring and PyTorch's documentation state it, one line
per formula line, in float64 and without in-place tricks. The optimizers run on the parameters and gradients
of test_optim.py; every step is compared. The torch tests (skipped without torch) also load a state_dict
taken from torch.optim into ours half-way, and continue.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest
from test_optim import START, run

import tinygrad_edu as tg
from tinygrad_edu import nn, optim

# Twelve steps, so that RAdam's default (rectified from step 6 on) goes through both of its branches.
_rng = np.random.default_rng(14)
GRADS = [[_rng.normal(size=p.shape) for p in START] for _ in range(12)]


def rmsprop_reference(
    p, grads, lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0.0, momentum=0.0, centered=False, maximize=False
):
    v, a, b = np.zeros_like(p), np.zeros_like(p), np.zeros_like(p)
    out = []
    for g in grads:
        g = (-g if maximize else g) + weight_decay * p
        v = alpha * v + (1 - alpha) * g**2
        if centered:
            a = alpha * a + (1 - alpha) * g
            d = np.sqrt(v - a**2) + eps
        else:
            d = np.sqrt(v) + eps
        if momentum > 0:
            b = momentum * b + g / d
            p = p - lr * b
        else:
            p = p - lr * g / d
        out.append(p)
    return out


def adagrad_reference(
    p, grads, lr=1e-2, lr_decay=0.0, weight_decay=0.0, initial_accumulator_value=0.0, eps=1e-10, maximize=False
):
    s = np.full_like(p, initial_accumulator_value)
    out = []
    for t, g in enumerate(grads, start=1):
        g = (-g if maximize else g) + weight_decay * p
        s = s + g**2
        p = p - lr / (1 + (t - 1) * lr_decay) * g / (np.sqrt(s) + eps)
        out.append(p)
    return out


def adadelta_reference(p, grads, lr=1.0, rho=0.9, eps=1e-6, weight_decay=0.0, maximize=False):
    v, u = np.zeros_like(p), np.zeros_like(p)
    out = []
    for g in grads:
        g = (-g if maximize else g) + weight_decay * p
        v = rho * v + (1 - rho) * g**2
        delta = np.sqrt(u + eps) / np.sqrt(v + eps) * g
        u = rho * u + (1 - rho) * delta**2
        p = p - lr * delta
        out.append(p)
    return out


def adamax_reference(p, grads, lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0, maximize=False):
    b1, b2 = betas
    m, u = np.zeros_like(p), np.zeros_like(p)
    out = []
    for t, g in enumerate(grads, start=1):
        g = (-g if maximize else g) + weight_decay * p
        m = b1 * m + (1 - b1) * g
        u = np.maximum(b2 * u, np.abs(g) + eps)
        p = p - lr / (1 - b1**t) * m / u
        out.append(p)
    return out


def _decay(p, g, lr, weight_decay, decoupled):
    """(p, g) after weight decay: AdamW's shrink of p, or the L2 term in g."""
    return (p * (1 - lr * weight_decay), g) if decoupled else (p, g + weight_decay * p)


def nadam_reference(
    p,
    grads,
    lr=2e-3,
    betas=(0.9, 0.999),
    eps=1e-8,
    weight_decay=0.0,
    momentum_decay=4e-3,
    decoupled_weight_decay=False,
    maximize=False,
):
    b1, b2 = betas
    m, v, mu_product = np.zeros_like(p), np.zeros_like(p), 1.0
    out = []
    for t, g in enumerate(grads, start=1):
        p, g = _decay(p, -g if maximize else g, lr, weight_decay, decoupled_weight_decay)
        mu = b1 * (1 - 0.5 * 0.96 ** (t * momentum_decay))
        mu_next = b1 * (1 - 0.5 * 0.96 ** ((t + 1) * momentum_decay))
        mu_product = mu_product * mu
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g**2
        d = np.sqrt(v / (1 - b2**t)) + eps
        p = p - lr * (1 - mu) / (1 - mu_product) * g / d - lr * mu_next / (1 - mu_product * mu_next) * m / d
        out.append(p)
    return out


def radam_reference(
    p, grads, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0, decoupled_weight_decay=False, maximize=False
):
    b1, b2 = betas
    m, v = np.zeros_like(p), np.zeros_like(p)
    rho_inf = 2 / (1 - b2) - 1
    out = []
    for t, g in enumerate(grads, start=1):
        p, g = _decay(p, -g if maximize else g, lr, weight_decay, decoupled_weight_decay)
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g**2
        m_hat = m / (1 - b1**t)
        rho_t = rho_inf - 2 * t * b2**t / (1 - b2**t)
        if rho_t > 5:
            r = math.sqrt((rho_t - 4) * (rho_t - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho_t))
            p = p - lr * m_hat * r * math.sqrt(1 - b2**t) / (np.sqrt(v) + eps)
        else:
            p = p - lr * m_hat
        out.append(p)
    return out


REFERENCES = {
    "RMSprop": rmsprop_reference,
    "Adagrad": adagrad_reference,
    "Adadelta": adadelta_reference,
    "Adamax": adamax_reference,
    "NAdam": nadam_reference,
    "RAdam": radam_reference,
}

CONFIGS = [
    ("RMSprop", dict()),
    ("RMSprop", dict(lr=0.01, alpha=0.9, eps=1e-3)),
    ("RMSprop", dict(lr=0.01, centered=True)),
    ("RMSprop", dict(lr=0.01, momentum=0.9)),
    ("RMSprop", dict(lr=0.01, momentum=0.5, centered=True, weight_decay=0.1, maximize=True)),
    ("Adagrad", dict()),
    ("Adagrad", dict(lr=0.1, lr_decay=0.05, initial_accumulator_value=0.5)),
    ("Adagrad", dict(lr=0.1, weight_decay=0.2, eps=1e-3, maximize=True)),
    ("Adadelta", dict()),
    ("Adadelta", dict(lr=0.5, rho=0.5, eps=1e-3)),
    ("Adadelta", dict(weight_decay=0.1, maximize=True)),
    ("Adamax", dict()),
    ("Adamax", dict(lr=0.1, betas=(0.5, 0.8), eps=1e-3)),
    ("Adamax", dict(lr=0.1, weight_decay=0.1, maximize=True)),
    ("NAdam", dict()),
    ("NAdam", dict(lr=0.1, betas=(0.8, 0.9), momentum_decay=0.1)),
    ("NAdam", dict(lr=0.1, weight_decay=0.1)),
    ("NAdam", dict(lr=0.1, weight_decay=0.1, decoupled_weight_decay=True, maximize=True)),
    ("RAdam", dict()),
    ("RAdam", dict(lr=0.1, betas=(0.5, 0.6))),  # rho_inf = 4: never rectified, momentum SGD throughout
    ("RAdam", dict(lr=0.1, betas=(0.9, 0.8))),  # rectified from step 7 on
    ("RAdam", dict(lr=0.1, weight_decay=0.1)),
    ("RAdam", dict(lr=0.1, weight_decay=0.1, decoupled_weight_decay=True, maximize=True)),
]
IDS = [f"{name} {config}" for name, config in CONFIGS]


def assert_close(ours: list[list[np.ndarray]], reference: list[list[np.ndarray]]) -> None:
    for step, (got, want) in enumerate(zip(ours, reference), start=1):
        for i, (a, b) in enumerate(zip(got, want)):
            np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12, err_msg=f"step {step}, parameter {i}")


@pytest.mark.parametrize("name, config", CONFIGS, ids=IDS)
def test_follows_the_published_rule(name: str, config: dict[str, Any]) -> None:
    ours = run(lambda params: getattr(optim, name)(params, **config), GRADS)
    per_param = [REFERENCES[name](START[i], [g[i] for g in GRADS], **config) for i in range(len(START))]
    assert_close(ours, [list(step) for step in zip(*per_param)])


def test_radams_two_branches_are_both_exercised() -> None:
    # rho_t = rho_inf - 2 t b2^t / (1 - b2^t), rho_inf = 2 / (1 - b2) - 1; rho_1 = 1 whatever b2.
    def rho(t, b2):
        return 2 / (1 - b2) - 1 - 2 * t * b2**t / (1 - b2**t)

    assert all(rho(t, 0.6) <= 5 for t in range(1, 13))  # rho_inf = 4: never rectified
    assert [rho(t, 0.999) > 5 for t in range(1, 13)] == [False] * 5 + [True] * 7
    assert [rho(t, 0.8) > 5 for t in range(1, 13)] == [False] * 6 + [True] * 6


def test_rmsprops_first_step_is_lr_over_sqrt_one_minus_alpha() -> None:
    # v_1 = (1 - alpha) g^2, so the first step is lr g / (sqrt(1 - alpha) |g| + eps): no bias correction.
    p = nn.Parameter(tg.zeros(2, dtype=np.float64))
    p.grad = tg.tensor([3.0, -0.5], dtype=np.float64)
    optim.RMSprop([p], lr=0.01, alpha=0.99, eps=0.0).step()
    np.testing.assert_allclose(p.data, [-0.1, 0.1], rtol=1e-12)


def test_adagrad_state_exists_before_the_first_step_as_in_pytorch() -> None:
    a = nn.Parameter(tg.zeros(2))
    opt = optim.Adagrad([a], initial_accumulator_value=0.25)
    sd = opt.state_dict()
    assert sorted(sd["state"][0]) == ["step", "sum"] and sd["state"][0]["step"] == 0
    np.testing.assert_array_equal(sd["state"][0]["sum"], [0.25, 0.25])
    b = nn.Parameter(tg.zeros(1))
    opt.add_param_group({"params": [b], "lr": 0.5})
    assert b not in opt.state  # a group added later gets its state at its first step
    b.grad = tg.ones(1)
    opt.step()
    assert opt.state[b]["step"] == 1 and opt.param_groups[1]["lr_decay"] == 0.0


STATE_KEYS = {
    "RMSprop": (dict(momentum=0.9, centered=True), ["grad_avg", "momentum_buffer", "square_avg", "step"]),
    "Adadelta": (dict(), ["acc_delta", "square_avg", "step"]),
    "Adamax": (dict(), ["exp_avg", "exp_inf", "step"]),
    "NAdam": (dict(), ["exp_avg", "exp_avg_sq", "mu_product", "step"]),
    "RAdam": (dict(), ["exp_avg", "exp_avg_sq", "step"]),
}


@pytest.mark.parametrize("name", STATE_KEYS)
def test_state_names_and_round_trip_through_state_dict(name: str) -> None:
    config, keys = STATE_KEYS[name]
    straight = run(lambda params: getattr(optim, name)(params, **config), GRADS)
    params = [nn.Parameter(tg.tensor(p)) for p in START]
    opt = getattr(optim, name)(params, **config)
    for step_grads in GRADS[:2]:
        for p, g in zip(params, step_grads):
            p.grad = tg.tensor(g)
        opt.step()
    saved = opt.state_dict()
    assert sorted(saved["state"][0]) == keys
    opt = getattr(optim, name)(params, **config)
    opt.load_state_dict(saved)
    for step_grads in GRADS[2:]:
        for p, g in zip(params, step_grads):
            p.grad = tg.tensor(g)
        opt.step()
    for a, b in zip(params, straight[-1]):
        np.testing.assert_array_equal(a.data, b)


BAD = [
    (optim.RMSprop, dict(alpha=-0.1), "alpha"),
    (optim.RMSprop, dict(momentum=-1.0), "momentum"),
    (optim.Adagrad, dict(lr_decay=-1.0), "lr_decay"),
    (optim.Adagrad, dict(initial_accumulator_value=-1.0), "initial_accumulator_value"),
    (optim.Adadelta, dict(rho=1.5), "rho"),
    (optim.Adamax, dict(betas=(1.0, 0.9)), "index 0"),
    (optim.NAdam, dict(momentum_decay=-1.0), "momentum_decay"),
    (optim.RAdam, dict(eps=-1.0), "epsilon"),
]


@pytest.mark.parametrize("cls, options, word", BAD, ids=[f"{c.__name__} {o}" for c, o, _ in BAD])
def test_bad_hyper_parameters_are_value_errors_naming_them(cls, options, word) -> None:
    with pytest.raises(ValueError, match=word):
        cls([nn.Parameter(tg.zeros(1))], **options)


# ---- torch.optim: the same trajectory, the same defaults, and its state_dict loads into ours ---------------------


def torch_state_dict_as_numpy(sd: dict) -> dict:
    """A torch optimizer state_dict with each tensor as an ndarray (what tg.load gives for a saved one)."""
    state = {
        i: {k: (v.numpy() if hasattr(v, "numpy") else v) for k, v in entries.items()}
        for i, entries in sd["state"].items()
    }
    return {"state": state, "param_groups": sd["param_groups"]}


@pytest.fixture
def torch64():
    """torch, with float64 as its default dtype for the test: torch keeps NAdam's mu_product (and the step
    counts) in the default dtype, so under float32 its mu_product is rounded to float32 at each step, where
    ours is a float64 number. With float64 both compute the same rule in the same precision."""
    torch = pytest.importorskip("torch")
    before = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    yield torch
    torch.set_default_dtype(before)


@pytest.mark.parametrize("name, config", CONFIGS, ids=IDS)
def test_same_updates_as_torch_and_torchs_state_dict_loads(torch64, name: str, config: dict[str, Any]) -> None:
    torch = torch64
    ours = run(lambda params: getattr(optim, name)(params, **config), GRADS)
    params = [torch.nn.Parameter(torch.tensor(p)) for p in START]
    opt = getattr(torch.optim, name)(params, **config)
    resumed = [nn.Parameter(tg.tensor(p)) for p in START]
    for step, step_grads in enumerate(GRADS):
        for p, g in zip(params, step_grads):
            p.grad = torch.tensor(g)
        opt.step()
        for a, p in zip(ours[step], params):
            np.testing.assert_allclose(a, p.detach().numpy(), rtol=1e-10, atol=1e-12, err_msg=f"step {step + 1}")
        if step == 1:  # from here on, ours continues from torch's weights and torch's state
            for q, p in zip(resumed, params):
                q.data[...] = p.detach().numpy()
            ours_resumed = getattr(optim, name)(resumed, **config)
            ours_resumed.load_state_dict(torch_state_dict_as_numpy(opt.state_dict()))
        elif step > 1:
            for q, g in zip(resumed, step_grads):
                q.grad = tg.tensor(g)
            ours_resumed.step()
            for q, p in zip(resumed, params):
                np.testing.assert_allclose(q.data, p.detach().numpy(), rtol=1e-10, atol=1e-12)
    assert sorted(ours_resumed.state_dict()["state"][0]) == sorted(opt.state_dict()["state"][0])


@pytest.mark.parametrize("name", list(REFERENCES))
def test_defaults_are_torchs(name: str) -> None:
    torch = pytest.importorskip("torch")
    ours = getattr(optim, name)([nn.Parameter(tg.ones(2))]).defaults
    theirs = getattr(torch.optim, name)([torch.nn.Parameter(torch.ones(2))]).defaults
    assert {k: theirs[k] for k in ours} == ours


@pytest.mark.parametrize("cls, options, word", BAD, ids=[f"{c.__name__} {o}" for c, o, _ in BAD])
def test_torch_refuses_the_same_hyper_parameters(cls, options, word) -> None:
    torch = pytest.importorskip("torch")
    with pytest.raises(ValueError, match=word):
        getattr(torch.optim, cls.__name__)([torch.nn.Parameter(torch.ones(1))], **options)


# ---- tg.compile: a compiled training step with these optimizers gives the eager parameters ---------------------


@pytest.mark.parametrize(
    "name, config",
    [
        ("RMSprop", dict(momentum=0.9, centered=True)),
        ("Adagrad", dict(lr=0.1)),
        ("Adadelta", dict()),
        ("Adamax", dict()),
        ("NAdam", dict(lr=0.01)),
        ("RAdam", dict(lr=0.01)),
    ],
)
def test_compiled_step_matches_eager(name: str, config: dict[str, Any]) -> None:
    from test_compile import assert_same_parameters, mlp, mlp_batches, pair

    def make(params):
        return getattr(optim, name)(params, **config)

    eager, compiled, net_a, net_b, _, _ = pair(mlp, make, nn.CrossEntropyLoss())
    for x, y in mlp_batches(8):
        np.testing.assert_allclose(compiled(x, y).item(), eager(x, y).item(), rtol=1e-12)
    assert_same_parameters(net_a, net_b)


@pytest.mark.parametrize("name, config", CONFIGS, ids=IDS)
def test_our_state_dict_loads_into_torch(torch64, name: str, config: dict[str, Any]) -> None:
    torch = torch64
    params = [nn.Parameter(tg.tensor(p)) for p in START]
    opt = getattr(optim, name)(params, **config)
    for step_grads in GRADS[:3]:
        for p, g in zip(params, step_grads):
            p.grad = tg.tensor(g)
        opt.step()
    saved = opt.state_dict()
    theirs = [torch.nn.Parameter(torch.tensor(p.data.copy())) for p in params]
    torch_opt = getattr(torch.optim, name)(theirs, **config)
    torch_opt.load_state_dict(
        {
            "state": {i: {k: torch.tensor(v) for k, v in entries.items()} for i, entries in saved["state"].items()},
            "param_groups": saved["param_groups"],
        }
    )
    for step_grads in GRADS[3:]:
        for p, q, g in zip(params, theirs, step_grads):
            p.grad, q.grad = tg.tensor(g), torch.tensor(g)
        opt.step()
        torch_opt.step()
        for p, q in zip(params, theirs):
            np.testing.assert_allclose(p.data, q.detach().numpy(), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("name", list(REFERENCES))
def test_add_param_group_mid_run_is_torchs(torch64, name: str) -> None:
    torch = torch64
    trajectories = []
    for lib in (tg, torch):
        params = [lib.nn.Parameter(lib.tensor(p.copy())) for p in START]
        opt = getattr(lib.optim, name)([params[0]], lr=0.05)
        for step, step_grads in enumerate(GRADS[:6]):
            if step == 2:  # the second parameter joins with its own lr; the rest from the defaults
                opt.add_param_group({"params": [params[1]], "lr": 0.01})
            for p, g in zip(params, step_grads):
                p.grad = lib.tensor(g)
            opt.step()
        trajectories.append([p.detach().numpy().copy() if lib is torch else p.data.copy() for p in params])
        groups = [{k: v for k, v in g.items() if k != "params"} for g in opt.param_groups]
        trajectories.append(groups[1]["lr"])
    ours, our_lr, theirs, their_lr = trajectories
    assert our_lr == their_lr == 0.01
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)
