"""LBFGS, Rprop, ASGD, PolynomialLR, WeightedRandomSampler/ChainDataset/StackDataset and the nn.utils norms and
parametrizations, against PyTorch.

Optimizers run the same float64 problem from the same start in both libraries and are compared after every
step (parameters, losses, state); a state_dict taken from torch is loaded into ours half-way. Samplers are
checked for their distribution (a seeded generator; torch's exact draws differ by design). Modules are
copied from torch's, and compared on outputs, gradients and state_dict keys.
"""

from __future__ import annotations

import copy
import warnings
from typing import Any

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu import nn
from tinygrad_edu.utils.data import (
    ChainDataset,
    DataLoader,
    IterableDataset,
    StackDataset,
    TensorDataset,
    WeightedRandomSampler,
)

torch = pytest.importorskip("torch")

_rng = np.random.default_rng(2024)
A = _rng.standard_normal((8, 3))
B = _rng.standard_normal(8)
X0 = _rng.standard_normal(3)
C0 = np.array([-1.2, 1.0])


def _lib(name: str) -> Any:
    return tg if name == "tg" else torch


def _np(value: Any) -> Any:
    """A torch value (tensor, list of them, dict) as NumPy, for comparing and for loading into ours."""
    if isinstance(value, torch.Tensor):
        return value.detach().numpy().copy()
    if isinstance(value, list):
        return [_np(v) for v in value]
    if isinstance(value, tuple):
        return tuple(_np(v) for v in value)
    if isinstance(value, dict):
        return {k: _np(v) for k, v in value.items()}
    return value


def _loss(T: Any, problem: str, x: Any, c: Any) -> Any:
    """A least-squares problem coupled to a small one in c, or Rosenbrock's function in c plus |x|^2."""
    if problem == "lsq":
        return ((T.tensor(A) @ x - T.tensor(B)) ** 2).sum() + 0.5 * (c**2).sum() + (x[0] * c[1]) ** 2
    return (1 - c[0]) ** 2 + 100 * (c[1] - c[0] ** 2) ** 2 + (x**2).sum()


def _params(T: Any) -> tuple[Any, Any]:
    return T.tensor(X0.copy(), requires_grad=True), T.tensor(C0.copy(), requires_grad=True)


def _run_lbfgs(name: str, problem: str, kwargs: dict, steps: int, opt_state: Any = None) -> tuple:
    T = _lib(name)
    x, c = _params(T)
    opt = T.optim.LBFGS([x, c], **kwargs)

    def closure() -> Any:
        opt.zero_grad()
        loss = _loss(T, problem, x, c)
        loss.backward()
        return loss

    losses, values = [], []
    for _ in range(steps):
        losses.append(float(opt.step(closure).item()))
        values.append(np.concatenate([x.detach().numpy(), c.detach().numpy()]))
    return np.array(values), np.array(losses), opt, closure, (x, c)


LBFGS_CASES = [
    (line_search, problem, kwargs)
    for line_search in (None, "strong_wolfe")
    for problem in ("lsq", "rosenbrock")
    for kwargs in ({}, {"max_iter": 5, "history_size": 3}, {"lr": 0.5, "max_iter": 7, "max_eval": 9})
]


@pytest.mark.parametrize("line_search, problem, kwargs", LBFGS_CASES)
def test_lbfgs_matches_torch(line_search, problem, kwargs):
    ours, our_losses, opt, _, _ = _run_lbfgs("tg", problem, {"line_search_fn": line_search, **kwargs}, 4)
    theirs, their_losses, topt, _, _ = _run_lbfgs("torch", problem, {"line_search_fn": line_search, **kwargs}, 4)
    np.testing.assert_allclose(ours, theirs, rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(our_losses, their_losses, rtol=1e-7, atol=1e-9)
    ours_state = opt.state_dict()["state"][0]
    theirs_state = topt.state_dict()["state"][0]
    assert set(ours_state) == set(theirs_state)
    assert ours_state["func_evals"] == theirs_state["func_evals"]
    assert ours_state["n_iter"] == theirs_state["n_iter"]
    np.testing.assert_allclose(ours_state["d"], _np(theirs_state["d"]), rtol=1e-7, atol=1e-9)
    assert len(ours_state["old_dirs"]) == len(theirs_state["old_dirs"])


def test_lbfgs_solves_rosenbrock_and_least_squares():
    values, _, _, _, _ = _run_lbfgs("tg", "rosenbrock", {"line_search_fn": "strong_wolfe"}, 8)
    np.testing.assert_allclose(values[-1], [0, 0, 0, 1, 1], atol=1e-4)  # (it stops once the loss stalls)
    values, _, _, _, _ = _run_lbfgs("tg", "lsq", {"line_search_fn": "strong_wolfe", "max_iter": 50}, 3)
    # the minimiser of the coupled problem: gradient zero (checked with the formula, at c = 0)
    x = values[-1][:3]
    np.testing.assert_allclose(2 * A.T @ (A @ x - B), 0, atol=1e-4)


@pytest.mark.parametrize("line_search", [None, "strong_wolfe"])
def test_lbfgs_state_dict_round_trip_and_torch_state(line_search):
    kwargs = {"line_search_fn": line_search, "max_iter": 4, "history_size": 3}
    _, _, opt, closure, (x, c) = _run_lbfgs("tg", "rosenbrock", kwargs, 2)
    _, _, topt, tclosure, (tx, tc) = _run_lbfgs("torch", "rosenbrock", kwargs, 2)
    saved = opt.state_dict()
    # (torch's state_dict and load_state_dict share its tensors, which LBFGS changes in place: take copies)
    their_saved = copy.deepcopy(topt.state_dict())
    # a fresh optimizer over copies, loaded with our state dict, and one loaded with torch's, continue as torch
    for state in (saved, _np(their_saved)):
        x2 = tg.tensor(x.detach().numpy().copy(), requires_grad=True)
        c2 = tg.tensor(c.detach().numpy().copy(), requires_grad=True)
        opt2 = tg.optim.LBFGS([x2, c2], **kwargs)
        opt2.load_state_dict(state)

        def closure2() -> Any:
            opt2.zero_grad()
            loss = _loss(tg, "rosenbrock", x2, c2)
            loss.backward()
            return loss

        tx2, tc2 = tx.detach().clone().requires_grad_(True), tc.detach().clone().requires_grad_(True)
        topt2 = torch.optim.LBFGS([tx2, tc2], **kwargs)
        topt2.load_state_dict(copy.deepcopy(their_saved))

        def tclosure2() -> Any:
            topt2.zero_grad()
            loss = _loss(torch, "rosenbrock", tx2, tc2)
            loss.backward()
            return loss

        for _ in range(2):
            opt2.step(closure2)
            topt2.step(tclosure2)
        np.testing.assert_allclose(c2.detach().numpy(), tc2.detach().numpy(), rtol=1e-9, atol=1e-9)
        np.testing.assert_allclose(x2.detach().numpy(), tx2.detach().numpy(), rtol=1e-9, atol=1e-9)
    # taking the state dict copied the history: later steps leave it as it was
    before = [d.copy() for d in saved["state"][0]["old_dirs"]]
    opt.step(closure)
    assert all(np.array_equal(a, b) for a, b in zip(before, saved["state"][0]["old_dirs"]))


def test_lbfgs_errors_as_torch():
    for T in (tg, torch):
        p = T.zeros(2, requires_grad=True)
        with pytest.raises(ValueError, match="per-parameter options"):
            T.optim.LBFGS([{"params": [p]}, {"params": [T.zeros(1, requires_grad=True)]}])
        with pytest.raises(ValueError, match="Invalid learning rate"):
            T.optim.LBFGS([p], lr=-1.0)
        opt = T.optim.LBFGS([p], line_search_fn="backtracking")

        def closure(opt=opt, p=p) -> Any:
            opt.zero_grad()
            loss = ((p - 1) ** 2).sum()
            loss.backward()
            return loss

        with pytest.raises(RuntimeError, match="only 'strong_wolfe' is supported"):
            opt.step(closure)
        with pytest.raises(TypeError if T is torch else RuntimeError):
            opt.step()
    assert tg.optim.LBFGS([tg.zeros(1, requires_grad=True)], max_iter=8).defaults["max_eval"] == 10


def test_lbfgs_stops_at_once_when_the_gradient_is_zero():
    p = tg.ones(2, requires_grad=True)
    opt = tg.optim.LBFGS([p])
    calls = []

    def closure() -> Any:
        calls.append(1)
        opt.zero_grad()
        loss = ((p - 1) ** 2).sum()
        loss.backward()
        return loss

    assert opt.step(closure).item() == 0.0
    assert len(calls) == 1 and p.tolist() == [1.0, 1.0]


# ---- Rprop and ASGD ------------------------------------------------------------------------------------------

FIRST_ORDER_CASES = [
    ("Rprop", {}),
    ("Rprop", {"lr": 0.1, "etas": (0.3, 1.5), "step_sizes": (1e-3, 0.2)}),
    ("Rprop", {"maximize": True, "lr": 1e-3}),
    ("ASGD", {}),
    ("ASGD", {"lr": 0.05, "t0": 5, "lambd": 1e-2, "alpha": 0.5, "weight_decay": 0.1}),
    ("ASGD", {"lr": 1e-3, "t0": 3, "maximize": True}),
]


def _run_first_order(name: str, cls: str, kwargs: dict, steps: int, load: Any = None) -> tuple:
    T = _lib(name)
    x, c = _params(T)
    opt = getattr(T.optim, cls)([{"params": [x]}, {"params": [c], "lr": 0.02}], **kwargs)
    history = []
    for step in range(steps):
        if load is not None and step == steps // 2:
            opt.load_state_dict(load)
        opt.zero_grad()
        _loss(T, "lsq", x, c).backward()
        opt.step()
        history.append(np.concatenate([x.detach().numpy(), c.detach().numpy()]))
    return np.array(history), opt


@pytest.mark.parametrize("cls, kwargs", FIRST_ORDER_CASES)
def test_rprop_asgd_match_torch_step_by_step(cls, kwargs):
    ours, opt = _run_first_order("tg", cls, kwargs, 25)
    theirs, topt = _run_first_order("torch", cls, kwargs, 25)
    np.testing.assert_allclose(ours, theirs, rtol=1e-10, atol=1e-12)
    ours_state, theirs_state = opt.state_dict()["state"], _np(topt.state_dict()["state"])
    assert ours_state.keys() == theirs_state.keys()
    for i in ours_state:
        assert set(ours_state[i]) == set(theirs_state[i])
        for key in ours_state[i]:
            np.testing.assert_allclose(ours_state[i][key], theirs_state[i][key], rtol=1e-10, atol=1e-12)
    # the hyper-parameters torch keeps (ours leaves out foreach/capturable/differentiable, which do nothing here)
    our_group = opt.state_dict()["param_groups"][1]
    their_group = topt.state_dict()["param_groups"][1]
    for key, value in our_group.items():
        assert their_group[key] == value, key


@pytest.mark.parametrize("cls, kwargs", FIRST_ORDER_CASES)
def test_rprop_asgd_resume_from_torch_state_dict(cls, kwargs):
    _, topt_half = _run_first_order("torch", cls, kwargs, 6)
    theirs, _ = _run_first_order("torch", cls, kwargs, 12)
    # ours runs 6 steps, then loads torch's state after its 6 steps (the same state) and goes on
    ours, opt = _run_first_order("tg", cls, kwargs, 12, load=_np(topt_half.state_dict()))
    np.testing.assert_allclose(ours, theirs, rtol=1e-10, atol=1e-12)
    # and our own round trip: a copy of the state dict loads back and changes nothing
    saved = opt.state_dict()
    opt.load_state_dict(saved)
    assert opt.state_dict()["state"].keys() == saved["state"].keys()


def test_rprop_asgd_errors_as_torch():
    for T in (tg, torch):
        p = T.zeros(2, requires_grad=True)
        with pytest.raises(ValueError, match="Invalid eta values: 0.5, 0.9"):
            T.optim.Rprop([p], etas=(0.5, 0.9))
        with pytest.raises(ValueError, match="Invalid learning rate"):
            T.optim.Rprop([p], lr=-0.1)
        with pytest.raises(ValueError, match="Invalid learning rate"):
            T.optim.ASGD([p], lr=-0.1)
        with pytest.raises(ValueError, match="Invalid weight_decay value"):
            T.optim.ASGD([p], weight_decay=-1.0)
        T.optim.Rprop([p], foreach=False, differentiable=False, capturable=False)  # accepted, as torch
        T.optim.ASGD([p], foreach=False, differentiable=False, capturable=False)


def test_asgd_average_is_the_mean_of_the_iterates_after_t0():
    # with lambd = 0 and t0 = 0 the average ax is a running mean of the iterates
    p = tg.tensor([1.0, -2.0], dtype=tg.float64, requires_grad=True)
    opt = tg.optim.ASGD([p], lr=0.1, lambd=0.0, t0=0)
    iterates = []
    for _ in range(6):
        opt.zero_grad()
        (p**2).sum().backward()
        opt.step()
        iterates.append(p.detach().numpy().copy())
    # mu_t = 1 / max(1, t - t0) is 1 at steps 1 and 2, then 1/2, 1/3, ...: the mean from the second iterate on
    # (to float32 precision: mu is kept in the default dtype, as torch keeps it)
    np.testing.assert_allclose(opt.state[p]["ax"], np.mean(iterates[1:], axis=0), rtol=1e-7)


# ---- PolynomialLR ---------------------------------------------------------------------------------------------


def _schedule(T: Any, build: Any, epochs: int = 10) -> np.ndarray:
    opt = T.optim.SGD(
        [{"params": [T.zeros(1, requires_grad=True)]}, {"params": [T.zeros(1, requires_grad=True)], "lr": 0.3}], lr=1.0
    )
    scheds = build(T, opt)
    scheds = scheds if isinstance(scheds, list) else [scheds]
    lrs = [scheds[-1].get_last_lr()]
    for _ in range(epochs):
        opt.step()
        for s in scheds:
            s.step()
        lrs.append([g["lr"] for g in opt.param_groups])
    return np.array(lrs)


SCHEDULES = [
    lambda T, o: T.optim.lr_scheduler.PolynomialLR(o),
    lambda T, o: T.optim.lr_scheduler.PolynomialLR(o, total_iters=4, power=2.0),
    lambda T, o: T.optim.lr_scheduler.PolynomialLR(o, total_iters=7, power=0.5),
    lambda T, o: [T.optim.lr_scheduler.PolynomialLR(o, total_iters=6), T.optim.lr_scheduler.ExponentialLR(o, 0.9)],
    lambda T, o: T.optim.lr_scheduler.ChainedScheduler(
        [T.optim.lr_scheduler.PolynomialLR(o, total_iters=6, power=0.5), T.optim.lr_scheduler.StepLR(o, 2)]
    ),
    lambda T, o: T.optim.lr_scheduler.SequentialLR(
        o,
        [T.optim.lr_scheduler.LinearLR(o, 0.5, total_iters=2), T.optim.lr_scheduler.PolynomialLR(o, total_iters=5)],
        milestones=[3],
    ),
]


@pytest.mark.parametrize("build", SCHEDULES)
def test_polynomial_lr_matches_torch(build):
    np.testing.assert_allclose(_schedule(tg, build), _schedule(torch, build), rtol=1e-12, atol=1e-15)


def test_polynomial_lr_formula_state_dict_and_epoch_argument():
    opt = tg.optim.SGD([tg.zeros(1, requires_grad=True)], lr=2.0)
    sched = tg.optim.lr_scheduler.PolynomialLR(opt, total_iters=5, power=3.0)
    for epoch in range(1, 8):
        opt.step()
        sched.step()
        assert sched.get_last_lr()[0] == pytest.approx(2.0 * (1 - min(epoch, 5) / 5) ** 3, abs=1e-15)
    saved = sched.state_dict()
    assert saved["total_iters"] == 5 and saved["power"] == 3.0 and saved["last_epoch"] == 7
    other = tg.optim.lr_scheduler.PolynomialLR(tg.optim.SGD([tg.zeros(1, requires_grad=True)], lr=2.0))
    other.load_state_dict(saved)
    assert other.total_iters == 5 and other.last_epoch == 7
    # step(epoch): the closed form, with torch's deprecation warning
    for T in (tg, torch):
        o = T.optim.SGD([T.zeros(1, requires_grad=True)], lr=2.0)
        s = T.optim.lr_scheduler.PolynomialLR(o, total_iters=4, power=2.0)
        o.step()
        with pytest.warns(UserWarning, match="epoch parameter"):
            s.step(2)
        assert o.param_groups[0]["lr"] == pytest.approx(2.0 * 0.25)


# ---- data: WeightedRandomSampler, ChainDataset, StackDataset --------------------------------------------------


def test_weighted_random_sampler_distribution():
    weights = [0.0, 1.0, 2.0, 5.0]
    n = 40000
    draws = np.array(list(WeightedRandomSampler(weights, n, generator=np.random.default_rng(7))))
    counts = np.bincount(draws, minlength=4)
    expected = n * np.array(weights) / sum(weights)
    assert counts[0] == 0
    # each count within 5 standard deviations of its binomial mean
    sd = np.sqrt(expected * (1 - np.array(weights) / sum(weights)))
    assert np.all(np.abs(counts[1:] - expected[1:]) < 5 * sd[1:])
    # a tensor of weights works too; the same seed gives the same draws
    again = list(WeightedRandomSampler(tg.tensor(weights), n, generator=np.random.default_rng(7)))
    assert again == draws.tolist()
    assert len(WeightedRandomSampler(weights, 11)) == 11


def test_weighted_random_sampler_without_replacement():
    weights = [1.0, 0.0, 3.0, 1.0, 10.0]
    draws = list(WeightedRandomSampler(weights, 4, replacement=False, generator=np.random.default_rng(0)))
    assert sorted(draws) == [0, 2, 3, 4]  # every non-zero weight once, the zero one never
    # the heaviest index comes first most often
    firsts = [next(iter(WeightedRandomSampler(weights, 2, replacement=False))) for _ in range(300)]
    assert firsts.count(4) > 150
    for cls in (WeightedRandomSampler, torch.utils.data.WeightedRandomSampler):
        # all five: the zero-weight index comes last, as torch.multinomial gives it
        assert [list(cls(weights, 5, replacement=False))[-1] for _ in range(20)] == [1] * 20
        with pytest.raises(RuntimeError, match="without replacement"):
            list(cls(weights, 6, replacement=False))


@pytest.mark.parametrize(
    "args, error",
    [
        (([1.0, 2.0], 0), ValueError),
        (([1.0, 2.0], 2.5), ValueError),
        (([1.0, 2.0], True), ValueError),
        (([[1.0, 2.0]], 3), ValueError),
    ],
)
def test_weighted_random_sampler_errors_as_torch(args, error):
    with pytest.raises(error) as ours:
        WeightedRandomSampler(*args)
    with pytest.raises(error) as theirs:
        torch.utils.data.WeightedRandomSampler(*args)
    assert str(ours.value).split(" but ")[0] == str(theirs.value).split(" but ")[0]
    with pytest.raises(ValueError, match="replacement should be a boolean"):
        WeightedRandomSampler([1.0], 1, replacement=1)


def test_dataloader_with_weighted_sampler():
    ds = TensorDataset(tg.arange(6))
    sampler = WeightedRandomSampler([0, 0, 1, 0, 0, 1], num_samples=10, generator=np.random.default_rng(1))
    batches = list(DataLoader(ds, batch_size=4, sampler=sampler))
    assert [len(b[0]) for b in batches] == [4, 4, 2]
    assert set(np.concatenate([b[0].numpy() for b in batches]).tolist()) <= {2, 5}
    assert len(DataLoader(ds, batch_size=4, sampler=sampler)) == 3


def _streams(lib: Any) -> tuple[Any, Any]:
    base = IterableDataset if lib is tg else torch.utils.data.IterableDataset

    class Upto(base):  # type: ignore[misc, valid-type]
        def __init__(self, start: int, stop: int) -> None:
            self.start, self.stop = start, stop

        def __iter__(self) -> Any:
            return iter(range(self.start, self.stop))

        def __len__(self) -> int:
            return self.stop - self.start

    return Upto(0, 3), Upto(10, 14)


def test_chain_dataset_as_torch():
    a, b = _streams(tg)
    ta, tb = _streams(torch)
    chain = ChainDataset([a, b])
    assert list(chain) == list(torch.utils.data.ChainDataset([ta, tb]))
    assert len(chain) == len(torch.utils.data.ChainDataset([ta, tb])) == 7
    assert list(a + b) == list(ta + tb)  # IterableDataset + IterableDataset chains them, as torch
    assert isinstance(a + b, ChainDataset)
    batches = [x.tolist() for x in DataLoader(chain, batch_size=3)]
    their_batches = [x.tolist() for x in torch.utils.data.DataLoader(torch.utils.data.ChainDataset([ta, tb]), 3)]
    assert batches == their_batches
    with pytest.raises(AssertionError, match="only supports IterableDataset"):
        list(ChainDataset([a, TensorDataset(tg.zeros(2))]))
    with pytest.raises(ValueError, match="IterableDataset"):
        DataLoader(chain, shuffle=True)


def test_stack_dataset_tuple_and_dict_as_torch():
    xs, ys = np.arange(12.0).reshape(4, 3), np.arange(4)
    ours_tuple = StackDataset(TensorDataset(tg.tensor(xs)), TensorDataset(tg.tensor(ys)))
    theirs_tuple = torch.utils.data.StackDataset(
        torch.utils.data.TensorDataset(torch.tensor(xs)), torch.utils.data.TensorDataset(torch.tensor(ys))
    )
    assert len(ours_tuple) == len(theirs_tuple) == 4
    ours_item, theirs_item = ours_tuple[2], theirs_tuple[2]
    assert isinstance(ours_item, tuple) and len(ours_item) == len(theirs_item) == 2
    np.testing.assert_array_equal(ours_item[0][0].numpy(), theirs_item[0][0].numpy())
    ours_dict = StackDataset(x=TensorDataset(tg.tensor(xs)), y=TensorDataset(tg.tensor(ys)))
    assert list(ours_dict[1]) == ["x", "y"]
    batch = next(iter(DataLoader(ours_dict, batch_size=3)))
    their_batch = next(
        iter(
            torch.utils.data.DataLoader(
                torch.utils.data.StackDataset(
                    x=torch.utils.data.TensorDataset(torch.tensor(xs)),
                    y=torch.utils.data.TensorDataset(torch.tensor(ys)),
                ),
                batch_size=3,
            )
        )
    )
    assert list(batch) == list(their_batch) == ["x", "y"]
    np.testing.assert_array_equal(batch["x"][0].numpy(), their_batch["x"][0].numpy())
    np.testing.assert_array_equal(batch["y"][0].numpy(), their_batch["y"][0].numpy())


@pytest.mark.parametrize("case", ["both", "none", "mismatch"])
def test_stack_dataset_errors_as_torch(case):
    def build(lib: Any, cls: Any, tds: Any) -> Any:
        a, b = tds(lib.zeros(3)), tds(lib.zeros(4))
        if case == "both":
            return cls(a, y=a)
        if case == "none":
            return cls()
        return cls(a, b)

    with pytest.raises(ValueError) as ours:
        build(tg, StackDataset, TensorDataset)
    with pytest.raises(ValueError) as theirs:
        build(torch, torch.utils.data.StackDataset, torch.utils.data.TensorDataset)
    assert str(ours.value) == str(theirs.value)


# ---- nn.utils: norms and clipping ----------------------------------------------------------------------------

GRADS = [_rng.standard_normal((3, 2)), _rng.standard_normal(4), _rng.standard_normal((2, 2, 2))]


@pytest.mark.parametrize("norm_type", [2.0, 1.0, 3.0, float("inf"), "inf", 0.5])
def test_get_total_norm_matches_torch(norm_type):
    ours = nn.utils.get_total_norm([tg.tensor(g) for g in GRADS], norm_type)
    theirs = torch.nn.utils.get_total_norm([torch.tensor(g) for g in GRADS], norm_type)
    assert ours.dtype == np.float64
    np.testing.assert_allclose(ours.item(), theirs.item(), rtol=1e-12)
    assert nn.utils.get_total_norm(tg.tensor(GRADS[0])).item() == pytest.approx(np.linalg.norm(GRADS[0]))
    assert nn.utils.get_total_norm([]).item() == 0.0


def test_get_total_norm_nonfinite_raises_as_torch():
    for T, f in ((tg, nn.utils.get_total_norm), (torch, torch.nn.utils.get_total_norm)):
        with pytest.raises(RuntimeError, match="non-finite"):
            f([T.tensor([1.0, float("nan")])], error_if_nonfinite=True)
        assert np.isnan(float(f([T.tensor([1.0, float("nan")])])))


@pytest.mark.parametrize("max_norm", [0.5, 100.0])
def test_clip_grads_with_norm_matches_torch(max_norm):
    def grads(T: Any) -> list:
        params = [T.tensor(np.zeros_like(g), requires_grad=True) for g in GRADS]
        for p, g in zip(params, GRADS):
            (p * T.tensor(g)).sum().backward()
        return params

    ours, theirs = grads(tg), grads(torch)
    total = nn.utils.get_total_norm([p.grad for p in ours])
    nn.utils.clip_grads_with_norm_(ours, max_norm, total)
    torch.nn.utils.clip_grads_with_norm_(theirs, max_norm, torch.nn.utils.get_total_norm([p.grad for p in theirs]))
    for p, q in zip(ours, theirs):
        np.testing.assert_allclose(p.grad.numpy(), q.grad.numpy(), rtol=1e-12)
    nn.utils.clip_grads_with_norm_([tg.zeros(1, requires_grad=True)], 1.0, 2.0)  # no gradients: nothing to do


def test_clip_grad_norm_is_deprecated_as_torch():
    p = tg.tensor([3.0, 4.0], dtype=tg.float64, requires_grad=True)
    (p * p).sum().backward()
    tp = torch.tensor([3.0, 4.0], dtype=torch.float64, requires_grad=True)
    (tp * tp).sum().backward()
    with pytest.warns(FutureWarning) as ours:
        total = nn.utils.clip_grad_norm(p, 1.0)
    with pytest.warns(FutureWarning) as theirs:
        their_total = torch.nn.utils.clip_grad_norm(tp, 1.0)
    assert str(ours[0].message) == str(theirs[0].message)
    assert total.item() == pytest.approx(their_total.item())
    np.testing.assert_allclose(p.grad.numpy(), tp.grad.numpy(), rtol=1e-12)


# ---- the old weight_norm / spectral_norm ----------------------------------------------------------------------


def _pair(build: Any) -> tuple[Any, Any]:
    """The same module in torch and ours (float64), ours loaded with torch's weights."""
    theirs = build(torch.nn).double()
    ours = build(nn).double()
    ours.load_state_dict({k: v.numpy() for k, v in theirs.state_dict().items()})
    return ours, theirs


def _compare_forward_backward(ours: Any, theirs: Any, x: np.ndarray) -> None:
    out, their_out = ours(tg.tensor(x)), theirs(torch.tensor(x))
    np.testing.assert_allclose(out.detach().numpy(), their_out.detach().numpy(), rtol=1e-10, atol=1e-12)
    ours.zero_grad()
    theirs.zero_grad()
    (out**2).sum().backward()
    (their_out**2).sum().backward()
    names = [n for n, _ in ours.named_parameters()]
    assert names == [n for n, _ in theirs.named_parameters()]
    for (name, p), (_, q) in zip(ours.named_parameters(), theirs.named_parameters()):
        np.testing.assert_allclose(p.grad.numpy(), q.grad.numpy(), rtol=1e-9, atol=1e-12, err_msg=name)


LAYERS = {
    "linear": (lambda L: L.Linear(4, 3), (5, 4)),
    "conv": (lambda L: L.Conv2d(2, 3, 2), (1, 2, 4, 4)),
    "conv_transpose": (lambda L: L.ConvTranspose2d(2, 3, 2), (1, 2, 3, 3)),
}


@pytest.mark.parametrize("layer", sorted(LAYERS))
@pytest.mark.parametrize("dim", [0, 1, None, -1])
def test_old_weight_norm_matches_torch(layer, dim):
    build, shape = LAYERS[layer]
    ours, theirs = _pair(build)
    with pytest.warns(FutureWarning, match="parametrizations.weight_norm"):
        nn.utils.weight_norm(ours, dim=dim)
    with pytest.warns(FutureWarning):
        torch.nn.utils.weight_norm(theirs, dim=dim)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    assert ours.weight_g.shape == tuple(theirs.weight_g.shape)
    for key, value in theirs.state_dict().items():
        np.testing.assert_allclose(ours.state_dict()[key], value.numpy(), rtol=1e-12)
    # change the magnitudes: the next forward (the hook) recomputes the weight from them
    ours.weight_g.data *= 2.0
    with torch.no_grad():
        theirs.weight_g.mul_(2.0)
    x = np.random.default_rng(3).standard_normal(shape)
    _compare_forward_backward(ours, theirs, x)
    nn.utils.remove_weight_norm(ours)
    torch.nn.utils.remove_weight_norm(theirs)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    np.testing.assert_allclose(ours.weight.detach().numpy(), theirs.weight.detach().numpy(), rtol=1e-12)
    assert isinstance(ours.weight, nn.Parameter)


def test_old_weight_norm_errors():
    layer = nn.Linear(2, 2)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        nn.utils.weight_norm(layer)
        with pytest.raises(RuntimeError, match="Cannot register two weight_norm hooks"):
            nn.utils.weight_norm(layer)
    with pytest.raises(ValueError, match="weight_norm of 'bias' not found"):
        nn.utils.remove_weight_norm(layer, "bias")


@pytest.mark.parametrize("layer", sorted(LAYERS))
def test_old_spectral_norm_matches_torch(layer):
    build, shape = LAYERS[layer]
    ours, theirs = _pair(build)
    nn.utils.spectral_norm(ours, n_power_iterations=2)
    torch.nn.utils.spectral_norm(theirs, n_power_iterations=2)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    assert ours.weight_u.shape == tuple(theirs.weight_u.shape)
    ours.weight_u.data[...] = theirs.weight_u.numpy()  # torch's random start vectors
    ours.weight_v.data[...] = theirs.weight_v.numpy()
    x = np.random.default_rng(4).standard_normal(shape)
    for mode in ("train", "train", "eval"):
        getattr(ours, mode)()
        getattr(theirs, mode)()
        _compare_forward_backward(ours, theirs, x)
        np.testing.assert_allclose(ours.weight_u.numpy(), theirs.weight_u.numpy(), rtol=1e-10, atol=1e-12)
    nn.utils.remove_spectral_norm(ours)
    torch.nn.utils.remove_spectral_norm(theirs)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    np.testing.assert_allclose(ours.weight.detach().numpy(), theirs.weight.detach().numpy(), rtol=1e-10)


def test_old_spectral_norm_makes_the_top_singular_value_one():
    layer = nn.utils.spectral_norm(nn.Linear(6, 4).double())
    for _ in range(300):  # one power iteration per call in training mode
        layer(tg.ones(1, 6, dtype=tg.float64))
    assert np.linalg.svd(layer.weight.detach().numpy())[1][0] == pytest.approx(1.0, abs=1e-6)
    with pytest.raises(RuntimeError, match="Cannot register two spectral_norm hooks"):
        nn.utils.spectral_norm(layer)
    with pytest.raises(ValueError, match="Expected n_power_iterations to be positive"):
        nn.utils.spectral_norm(nn.Linear(2, 2), n_power_iterations=0)


# ---- parametrize -------------------------------------------------------------------------------------------


def _symmetric(lib: Any) -> Any:
    class Symmetric(lib.nn.Module):
        def forward(self, X: Any) -> Any:
            return X.triu() + X.triu(1).transpose(0, 1)

    return Symmetric()


def _exp(lib: Any) -> Any:
    class Exp(lib.nn.Module):
        def forward(self, X: Any) -> Any:
            return X.exp()

        def right_inverse(self, Y: Any) -> Any:
            return Y.log()

    return Exp()


def _scale(lib: Any) -> Any:
    class Scale(lib.nn.Module):
        def forward(self, X: Any) -> Any:
            return 3 * X

        def right_inverse(self, Y: Any) -> Any:
            return Y / 3

    return Scale()


def test_register_parametrization_matches_torch():
    ours, theirs = _pair(lambda L: L.Linear(3, 3))
    weight = ours.weight
    opt = tg.optim.SGD(ours.parameters(), lr=0.1)  # made before: it must still update the original
    nn.utils.parametrize.register_parametrization(ours, "weight", _symmetric(tg))
    torch.nn.utils.parametrize.register_parametrization(theirs, "weight", _symmetric(torch))
    assert type(ours).__name__ == type(theirs).__name__ == "ParametrizedLinear"
    assert list(ours.state_dict()) == list(theirs.state_dict()) == ["bias", "parametrizations.weight.original"]
    assert ours.parametrizations.weight.original is weight
    assert nn.utils.parametrize.is_parametrized(ours) and nn.utils.parametrize.is_parametrized(ours, "weight")
    assert not nn.utils.parametrize.is_parametrized(ours, "bias")
    assert nn.utils.parametrize.type_before_parametrizations(ours) is nn.Linear
    x = np.random.default_rng(5).standard_normal((4, 3))
    _compare_forward_backward(ours, theirs, x)
    np.testing.assert_allclose(ours.weight.detach().numpy(), ours.weight.detach().numpy().T)
    before = weight.detach().numpy().copy()
    opt.step()
    assert not np.array_equal(before, weight.detach().numpy())


def test_parametrization_right_inverse_chain_and_remove_as_torch():
    ours, theirs = _pair(lambda L: L.Linear(3, 3))
    ours.weight.data[...] = np.abs(ours.weight.data) + 0.1
    with torch.no_grad():
        theirs.weight.abs_().add_(0.1)
    for lib, module in ((tg, ours), (torch, theirs)):
        lib.nn.utils.parametrize.register_parametrization(module, "weight", _exp(lib))
        lib.nn.utils.parametrize.register_parametrization(module, "weight", _scale(lib))  # chained after Exp
    np.testing.assert_allclose(
        ours.parametrizations.weight.original.detach().numpy(),
        theirs.parametrizations.weight.original.detach().numpy(),
        rtol=1e-12,
    )
    target = np.abs(np.random.default_rng(6).standard_normal((3, 3))) + 0.5
    ours.weight = tg.tensor(target)  # through both right_inverses: original = log(target / 3)
    theirs.weight = torch.tensor(target)
    np.testing.assert_allclose(ours.weight.detach().numpy(), target, rtol=1e-12)
    np.testing.assert_allclose(ours.parametrizations.weight.original.detach().numpy(), np.log(target / 3), rtol=1e-12)
    _compare_forward_backward(ours, theirs, np.ones((2, 3)))
    for module in (ours, theirs):
        with pytest.raises(KeyError, match="attribute 'weight' already exists"):
            module.weight = type(module.bias)(module.bias.detach().reshape(3, 1).expand(3, 3).clone())
    nn.utils.parametrize.remove_parametrizations(ours, "weight")
    torch.nn.utils.parametrize.remove_parametrizations(theirs, "weight")
    assert type(ours) is nn.Linear and not hasattr(ours, "parametrizations")
    assert list(ours.state_dict()) == list(theirs.state_dict()) == ["bias", "weight"]
    np.testing.assert_allclose(ours.weight.detach().numpy(), target, rtol=1e-12)


def test_remove_parametrizations_leave_parametrized_false():
    layer = nn.Linear(2, 2).double()
    original = layer.weight.detach().numpy().copy()
    nn.utils.parametrize.register_parametrization(layer, "weight", _scale(tg))
    nn.utils.parametrize.remove_parametrizations(layer, "weight", leave_parametrized=False)
    np.testing.assert_allclose(layer.weight.detach().numpy(), original / 3, rtol=1e-12)  # the original itself


def test_parametrize_cached():
    layer = nn.Linear(3, 3)
    nn.utils.parametrize.register_parametrization(layer, "weight", _symmetric(tg))
    assert layer.weight is not layer.weight
    with nn.utils.parametrize.cached():
        first = layer.weight
        assert layer.weight is first
    assert layer.weight is not first


def test_parametrize_errors_as_torch():
    class Shrink(nn.Module):
        def forward(self, X: Any) -> Any:
            return X[:1]

    class TorchShrink(torch.nn.Module):
        def forward(self, X: Any) -> Any:
            return X[:1]

    for lib, shrink in ((tg, Shrink()), (torch, TorchShrink())):
        P = lib.nn.utils.parametrize
        with pytest.raises(ValueError, match="may not change the shape"):
            P.register_parametrization(lib.nn.Linear(2, 2), "weight", shrink)
        P.register_parametrization(lib.nn.Linear(2, 2), "weight", shrink, unsafe=True)  # allowed when unsafe
        with pytest.raises(ValueError, match="does not have a parameter, a buffer, or a parametrized element"):
            P.register_parametrization(lib.nn.Linear(2, 2), "nothing", _symmetric(lib))
        with pytest.raises(ValueError, match="does not have a parametrization on weight"):
            P.remove_parametrizations(lib.nn.Linear(2, 2), "weight")
        layer = lib.nn.utils.parametrizations.weight_norm(lib.nn.Linear(2, 2))
        with pytest.raises(ValueError, match="Cannot leave unparametrized"):
            P.remove_parametrizations(layer, "weight", leave_parametrized=False)


def test_parametrize_a_buffer():
    bn = nn.BatchNorm1d(3)
    nn.utils.parametrize.register_parametrization(bn, "running_var", _scale(tg))
    assert "parametrizations.running_var.original" in bn.state_dict()
    assert [n for n, _ in bn.named_buffers()][0] != "running_var"
    np.testing.assert_allclose(bn.running_var.numpy(), np.ones(3))  # original 1/3, read back 3 * 1/3


# ---- parametrizations.weight_norm / spectral_norm ------------------------------------------------------------


@pytest.mark.parametrize("layer", sorted(LAYERS))
@pytest.mark.parametrize("dim", [0, 1, None])
def test_parametrizations_weight_norm_matches_torch(layer, dim):
    build, shape = LAYERS[layer]
    ours, theirs = _pair(build)
    nn.utils.parametrizations.weight_norm(ours, dim=dim)
    torch.nn.utils.parametrizations.weight_norm(theirs, dim=dim)
    their_state = theirs.state_dict()
    assert list(ours.state_dict()) == list(their_state)
    assert "parametrizations.weight.original0" in their_state
    for key, value in their_state.items():
        np.testing.assert_allclose(ours.state_dict()[key], value.numpy(), rtol=1e-12)
    _compare_forward_backward(ours, theirs, np.random.default_rng(8).standard_normal(shape))
    nn.utils.parametrize.remove_parametrizations(ours, "weight")
    torch.nn.utils.parametrize.remove_parametrizations(theirs, "weight")
    np.testing.assert_allclose(ours.weight.detach().numpy(), theirs.weight.detach().numpy(), rtol=1e-12)


@pytest.mark.parametrize("layer", sorted(LAYERS))
def test_parametrizations_spectral_norm_matches_torch(layer):
    build, shape = LAYERS[layer]
    ours, theirs = _pair(build)
    nn.utils.parametrizations.spectral_norm(ours)
    torch.nn.utils.parametrizations.spectral_norm(theirs)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    ours.load_state_dict({k: v.numpy() for k, v in theirs.state_dict().items()})  # torch's u and v
    x = np.random.default_rng(9).standard_normal(shape)
    # (each read of a parametrized weight in training mode runs a power iteration: a layer reads it once a call)
    for mode in ("train", "train", "eval"):
        getattr(ours, mode)()
        getattr(theirs, mode)()
        _compare_forward_backward(ours, theirs, x)
    # once the power iterations have converged, the top singular value of the weight read is 1
    fresh = nn.utils.parametrizations.spectral_norm(nn.Linear(5, 4).double())
    for _ in range(300):  # each read in training mode runs a power iteration
        _ = fresh.weight
    fresh.eval()
    assert np.linalg.svd(fresh.weight.detach().numpy())[1][0] == pytest.approx(1.0, abs=1e-6)


# ---- nn.init: deprecated names, sparse_ -------------------------------------------------------------------

DEPRECATED_INIT = [
    ("uniform", (3, 4)),
    ("normal", (3, 4)),
    ("constant", (3, 4)),
    ("eye", (3, 4)),
    ("dirac", (3, 2, 3)),
    ("xavier_uniform", (3, 4)),
    ("xavier_normal", (3, 4)),
    ("kaiming_uniform", (3, 4)),
    ("kaiming_normal", (3, 4)),
    ("orthogonal", (3, 4)),
    ("sparse", (3, 4)),
]


@pytest.mark.parametrize("name, shape", DEPRECATED_INIT)
def test_deprecated_init_names_warn_as_torch(name, shape):
    args = {"constant": (0.5,), "sparse": (0.5,)}.get(name, ())
    with pytest.warns(FutureWarning) as ours:
        out = getattr(nn.init, name)(tg.empty(*shape), *args)
    with pytest.warns(FutureWarning) as theirs:
        getattr(torch.nn.init, name)(torch.empty(*shape), *args)
    assert str(ours[0].message) == str(theirs[0].message)
    assert ours[0].filename == __file__  # the warning points at the caller's line, as torch's
    assert out.shape == shape
    if name in ("constant", "eye", "dirac"):  # deterministic: the same values as torch
        expected = getattr(torch.nn.init, name + "_")(torch.empty(*shape), *args)
        np.testing.assert_array_equal(out.numpy(), expected.numpy())


def test_sparse_init_as_torch():
    tg.manual_seed(0)
    w = nn.init.sparse_(tg.empty(20, 30), sparsity=0.25, std=0.5)
    tw = torch.nn.init.sparse_(torch.empty(20, 30), sparsity=0.25, std=0.5)
    zeros = (w.numpy() == 0).sum(axis=0)
    assert zeros.tolist() == (tw.numpy() == 0).sum(axis=0).tolist() == [5] * 30
    nonzero = w.numpy()[w.numpy() != 0]
    assert 0.4 < nonzero.std() < 0.6
    for T, f in ((tg, nn.init.sparse_), (torch, torch.nn.init.sparse_)):
        with pytest.raises(ValueError, match="Only tensors with 2 dimensions are supported"):
            f(T.empty(2, 3, 4), 0.1)


# ---- Adafactor -----------------------------------------------------------------------------------------------

_W0, _b0, _K0 = _rng.standard_normal((3, 4)), _rng.standard_normal(3), _rng.standard_normal((2, 3, 4))
_XA = _rng.standard_normal((5, 4))


def _run_adafactor(name: str, kwargs: dict, steps: int = 20, load: Any = None) -> tuple:
    """A matrix, a vector, a 3-d and a 0-d parameter: the factored and the unfactored second moments."""
    T = _lib(name)
    W, b, K = (T.tensor(v.copy(), requires_grad=True) for v in (_W0, _b0, _K0))
    s = T.tensor(0.7, dtype=T.float64, requires_grad=True)
    opt = T.optim.Adafactor([W, b, K, s], **kwargs)
    history = []
    for step in range(steps):
        if load is not None and step == steps // 2:
            opt.load_state_dict(load)
        opt.zero_grad()
        ((((T.tensor(_XA) @ W.T + b) * s) ** 2).sum() + (K**3).sum() * s).backward()
        opt.step()
        history.append(np.concatenate([v.detach().numpy().ravel() for v in (W, b, K)] + [[s.item()]]))
    return np.array(history), opt


ADAFACTOR_CASES = [
    {},
    {"lr": 0.05, "beta2_decay": -0.5, "eps": (1e-20, 1e-2), "d": 1.5, "weight_decay": 0.1},
    {"lr": 1e-3, "maximize": True},
]


@pytest.mark.parametrize("kwargs", ADAFACTOR_CASES)
def test_adafactor_matches_torch_and_resumes_from_its_state(kwargs):
    ours, opt = _run_adafactor("tg", kwargs)
    theirs, topt = _run_adafactor("torch", kwargs)
    np.testing.assert_allclose(ours, theirs, rtol=1e-10, atol=1e-12)
    ours_state, theirs_state = opt.state_dict()["state"], _np(topt.state_dict()["state"])
    for i in theirs_state:
        assert set(ours_state[i]) == set(theirs_state[i])
        for key in theirs_state[i]:
            np.testing.assert_allclose(ours_state[i][key], theirs_state[i][key], rtol=1e-10, atol=1e-14)
    assert ours_state[0]["row_var"].shape == (3, 1) and ours_state[2]["col_var"].shape == (2, 1, 4)
    _, half = _run_adafactor("torch", kwargs, 10)
    resumed, _ = _run_adafactor("tg", kwargs, 20, load=_np(half.state_dict()))
    np.testing.assert_allclose(resumed, theirs, rtol=1e-10, atol=1e-12)


def test_adafactor_errors_as_torch():
    bad = [{"lr": -1.0}, {"beta2_decay": 0.5}, {"eps": (-1.0, 1e-3)}, {"eps": (None, -1.0)}, {"d": 0.5}]
    bad.append({"weight_decay": -0.1})
    for kwargs in bad:
        with pytest.raises(ValueError) as ours:
            tg.optim.Adafactor([tg.zeros(2, requires_grad=True)], **kwargs)
        with pytest.raises(ValueError) as theirs:
            torch.optim.Adafactor([torch.zeros(2, requires_grad=True)], **kwargs)
        assert str(ours.value) == str(theirs.value)
    _, opt = _run_adafactor("tg", {}, 2)
    saved = opt.state_dict()
    saved["state"][0]["row_var"] = np.zeros((4, 1))
    with pytest.raises(ValueError, match="row_var"):
        opt.load_state_dict(saved)


def test_parametrized_module_deepcopies_but_does_not_pickle_as_torch():
    import pickle

    for lib in (tg, torch):
        layer = lib.nn.utils.parametrizations.weight_norm(lib.nn.Linear(2, 2))
        twin = copy.deepcopy(layer)
        assert type(twin).__name__ == "ParametrizedLinear"
        assert list(twin.state_dict()) == list(layer.state_dict())
        with lib.no_grad():
            twin.parametrizations.weight.original0.mul_(2.0)  # the norms: the copy is independent of the layer
        assert not np.allclose(twin.weight.detach().numpy(), layer.weight.detach().numpy())
        with pytest.raises(RuntimeError, match="only supported through state_dict"):
            pickle.dumps(layer)


@pytest.mark.parametrize("line_search", [None, "strong_wolfe"])
def test_lbfgs_step_between_two_backwards_of_a_retained_graph_is_refused(line_search):
    # LBFGS changes the parameters in place, as the other optimizers (tests/test_in_place.py) and as torch's
    w = tg.tensor([1.0, 2.0], requires_grad=True)
    opt = tg.optim.LBFGS([w], line_search_fn=line_search)
    y = (w * w).sum()
    y.backward(retain_graph=True)

    def closure() -> Any:
        opt.zero_grad()
        loss = ((w - 3) ** 2).sum()
        loss.backward()
        return loss

    opt.step(closure)
    with pytest.raises(RuntimeError, match=r"Mul .* is at version [1-9]\d*; expected version 0"):
        y.backward()


# ---- optim.swa_utils -------------------------------------------------------------------------------------------


def _averaging_run(lib: Any, make_avg: Any, steps: int = 5) -> tuple[Any, Any]:
    """Train a small net with BatchNorm (the same weights and data in both libraries), averaging it each step."""
    net = lib.nn.Sequential(lib.nn.Linear(3, 4), lib.nn.BatchNorm1d(4), lib.nn.Linear(4, 1)).double()
    for p, value in zip(net.parameters(), _NET0):
        with lib.no_grad():
            p.copy_(lib.tensor(value))
    averaged = make_avg(lib, net)
    opt = lib.optim.SGD(net.parameters(), lr=0.1)
    for step in range(steps):
        opt.zero_grad()
        (net(lib.tensor(_XS[step])) ** 2).mean().backward()
        opt.step()
        averaged.update_parameters(net)
    return averaged, net


_NET0 = [_rng.standard_normal(s) for s in [(4, 3), (4,), (4,), (4,), (1, 4), (1,)]]
_XS = [_rng.standard_normal((6, 3)) for _ in range(6)]
AVERAGES = {
    "swa": lambda lib, net: lib.optim.swa_utils.AveragedModel(net),
    "ema_multi": lambda lib, net: lib.optim.swa_utils.AveragedModel(
        net, multi_avg_fn=lib.optim.swa_utils.get_ema_multi_avg_fn(0.7)
    ),
    "ema_fn": lambda lib, net: lib.optim.swa_utils.AveragedModel(net, avg_fn=lib.optim.swa_utils.get_ema_avg_fn(0.7)),
    "swa_fn_buffers": lambda lib, net: lib.optim.swa_utils.AveragedModel(
        net, avg_fn=lib.optim.swa_utils.get_swa_avg_fn(), use_buffers=True
    ),
    "ema_buffers": lambda lib, net: lib.optim.swa_utils.AveragedModel(
        net, multi_avg_fn=lib.optim.swa_utils.get_ema_multi_avg_fn(0.5), use_buffers=True
    ),
}


@pytest.mark.parametrize("kind", sorted(AVERAGES))
def test_averaged_model_matches_torch(kind):
    ours, _ = _averaging_run(tg, AVERAGES[kind])
    theirs, _ = _averaging_run(torch, AVERAGES[kind])
    their_state = theirs.state_dict()
    assert list(ours.state_dict()) == list(their_state)
    for key, value in their_state.items():
        np.testing.assert_allclose(ours.state_dict()[key], value.numpy(), rtol=1e-10, atol=1e-12, err_msg=key)
    x = _XS[5]
    ours.eval()
    theirs.eval()
    np.testing.assert_allclose(
        ours(tg.tensor(x)).detach().numpy(), theirs(torch.tensor(x)).detach().numpy(), rtol=1e-10
    )


def test_averaged_model_is_the_mean_of_the_updates():
    w = nn.Linear(2, 1).double()
    swa = tg.optim.swa_utils.AveragedModel(w)
    seen = []
    for k in range(4):
        w.weight.data[...] = k * k
        seen.append(w.weight.detach().numpy().copy())
        swa.update_parameters(w)
    np.testing.assert_allclose(swa.module.weight.detach().numpy(), np.mean(seen, axis=0), rtol=1e-12)
    assert int(swa.n_averaged.item()) == 4
    with pytest.raises(AssertionError, match="Only one of avg_fn and multi_avg_fn"):
        tg.optim.swa_utils.AveragedModel(w, avg_fn=lambda *a: a[0], multi_avg_fn=lambda *a: None)
    for f in (tg.optim.swa_utils.get_ema_avg_fn, tg.optim.swa_utils.get_ema_multi_avg_fn):
        with pytest.raises(ValueError, match="Invalid decay value 1.5"):
            f(1.5)


def test_update_bn_matches_torch():
    _, net = _averaging_run(tg, AVERAGES["swa"])
    _, tnet = _averaging_run(torch, AVERAGES["swa"])
    net.eval()
    tnet.eval()
    loader = [(tg.tensor(x), 0) for x in _XS]
    tg.optim.swa_utils.update_bn(loader, net)
    torch.optim.swa_utils.update_bn([(torch.tensor(x), 0) for x in _XS], tnet)
    assert not net.training and net[1].momentum == 0.1
    for key, value in tnet.state_dict().items():
        np.testing.assert_allclose(net.state_dict()[key], value.numpy(), rtol=1e-10, atol=1e-12, err_msg=key)


@pytest.mark.parametrize("strategy, anneal_epochs", [("cos", 10), ("linear", 3), ("cos", 0), ("linear", 1)])
def test_swalr_matches_torch(strategy, anneal_epochs):
    def build(T: Any, opt: Any) -> Any:
        return T.optim.swa_utils.SWALR(opt, swa_lr=[0.05, 0.01], anneal_epochs=anneal_epochs, anneal_strategy=strategy)

    np.testing.assert_allclose(_schedule(tg, build, 14), _schedule(torch, build, 14), rtol=1e-12, atol=1e-15)


def test_swalr_errors_as_torch():
    for T in (tg, torch):
        opt = T.optim.SGD([T.zeros(1, requires_grad=True)], lr=0.1)
        with pytest.raises(ValueError, match="anneal_strategy must be one of 'cos' or 'linear'"):
            T.optim.swa_utils.SWALR(opt, 0.05, anneal_strategy="step")
        with pytest.raises(ValueError, match="anneal_epochs must be equal or greater than 0"):
            T.optim.swa_utils.SWALR(opt, 0.05, anneal_epochs=-1)


# ---- nn.utils.stateless ----------------------------------------------------------------------------------------


def test_functional_call_matches_torch():
    ours, theirs = _pair(lambda L: L.Sequential(L.Linear(3, 4), L.BatchNorm1d(4), L.Linear(4, 2)))
    w = _rng.standard_normal((4, 3))
    mean = _rng.standard_normal(4)
    x = _rng.standard_normal((5, 3))
    results = []
    for lib, module in ((tg, ours), (torch, theirs)):
        module.eval()
        weight = lib.tensor(w, requires_grad=True)
        with pytest.warns(FutureWarning, match="torch.func.functional_call"):
            out = lib.nn.utils.stateless.functional_call(
                module, {"0.weight": weight, "1.running_mean": lib.tensor(mean)}, (lib.tensor(x),)
            )
        out.pow(2).sum().backward()
        assert module[0].weight.grad is None  # the gradient went to the stand-in, not to the module's own
        results.append((out.detach().numpy(), weight.grad.numpy(), module[0].weight.detach().numpy()))
    for a, b in zip(*results):
        np.testing.assert_allclose(a, b, rtol=1e-10)
    assert not np.allclose(results[0][2], w)  # the module's own weight is back


def test_functional_call_tied_weights_and_strict_as_torch():
    for lib in (tg, torch):
        shared = lib.nn.Linear(2, 2, bias=False).double()
        net = lib.nn.Sequential(shared, shared)
        x = lib.ones(1, 2, dtype=lib.float64)
        call = lib.nn.utils.stateless.functional_call
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", FutureWarning)
            eye = lib.eye(2, dtype=lib.float64)
            assert call(net, {"0.weight": eye}, x).tolist() == [[1.0, 1.0]]  # both uses of the tied weight
            # untied, the two names are swapped one after the other in the one shared module: the last wins
            untied = call(net, {"0.weight": eye, "1.weight": 2 * eye}, x, tie_weights=False)
            assert untied.tolist() == [[4.0, 4.0]]
            with pytest.raises(ValueError, match="which are tied"):
                call(net, {"0.weight": eye, "1.weight": 2 * eye}, x)
            with pytest.raises(RuntimeError, match=r"Unexpected key\(s\): 'nope'"):
                call(net, {"0.weight": eye, "nope": eye}, x, strict=True)


# ---- nn.utils fusion -------------------------------------------------------------------------------------------


def _trained_bn(ours: Any, theirs: Any, shape: tuple) -> None:
    """Give both BatchNorms the same non-trivial running statistics and affine parameters, then eval mode."""
    stats = np.random.default_rng(11)
    for value_key in ("weight", "bias", "running_mean"):
        value = stats.standard_normal(ours.num_features)
        getattr(ours, value_key).data[...] = value
        with torch.no_grad():
            getattr(theirs, value_key).copy_(torch.tensor(value))
    var = stats.uniform(0.5, 2.0, ours.num_features)
    ours.running_var.data[...] = var
    theirs.running_var.copy_(torch.tensor(var))
    ours.eval()
    theirs.eval()


@pytest.mark.parametrize("layer", ["conv", "conv_transpose", "linear"])
def test_fuse_bn_matches_torch(layer):
    build, shape = LAYERS[layer]
    (conv, tconv), x = _pair(build), np.random.default_rng(12).standard_normal(shape)
    channels = 3
    bn_build = {"linear": lambda L: L.BatchNorm1d(channels)}.get(layer, lambda L: L.BatchNorm2d(channels))
    bn, tbn = _pair(bn_build)
    _trained_bn(bn, tbn, shape)
    conv.eval()
    tconv.eval()
    if layer == "linear":
        fused, tfused = nn.utils.fuse_linear_bn_eval(conv, bn), torch.nn.utils.fuse_linear_bn_eval(tconv, tbn)
    else:
        transpose = layer == "conv_transpose"
        fused = nn.utils.fuse_conv_bn_eval(conv, bn, transpose=transpose)
        tfused = torch.nn.utils.fuse_conv_bn_eval(tconv, tbn, transpose=transpose)
    np.testing.assert_allclose(fused.weight.detach().numpy(), tfused.weight.detach().numpy(), rtol=1e-12)
    np.testing.assert_allclose(fused.bias.detach().numpy(), tfused.bias.detach().numpy(), rtol=1e-12, atol=1e-14)
    assert isinstance(fused.weight, nn.Parameter) and fused is not conv
    expected = bn(conv(tg.tensor(x))).detach().numpy()
    np.testing.assert_allclose(fused(tg.tensor(x)).detach().numpy(), expected, rtol=1e-10, atol=1e-12)
    conv.train()
    with pytest.raises(AssertionError, match="Fusion only for eval!"):
        nn.utils.fuse_conv_bn_eval(conv, bn)


def test_get_worker_info_in_the_main_process_as_torch():
    assert tg.utils.data.get_worker_info() is None
    assert torch.utils.data.get_worker_info() is None


def test_transfer_parametrizations_and_params_as_torch():
    results = []
    for lib in (tg, torch):
        a = lib.nn.Linear(3, 2).double()
        b = lib.nn.Linear(3, 2).double()
        P = lib.nn.utils.parametrize
        lib.nn.utils.parametrizations.weight_norm(a)
        P.register_parametrization(a, "bias", _scale(lib))
        P.transfer_parametrizations_and_params(a, b)
        assert type(b).__name__ == "ParametrizedLinear"
        assert b.parametrizations.weight.original0 is a.parametrizations.weight.original0
        assert b.parametrizations.bias.original is a.parametrizations.bias.original
        results.append((sorted(b.state_dict()), b.weight.detach().numpy(), a.weight.detach().numpy()))
        only_weight = P.transfer_parametrizations_and_params(a, lib.nn.Linear(3, 2).double(), "weight")
        assert P.is_parametrized(only_weight, "weight") and not P.is_parametrized(only_weight, "bias")
    assert results[0][0] == results[1][0]
    for ours in results:
        np.testing.assert_array_equal(ours[1], ours[2])  # b computes a's weight from the shared originals
