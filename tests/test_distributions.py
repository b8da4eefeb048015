"""tg.distributions next to torch.distributions: log_prob, entropy, moments, KL and their gradients from the same
parameters; sample's shapes, dtypes and statistics (the draws themselves are not PyTorch's numbers); the errors."""

from __future__ import annotations

import numpy as np
import pytest

import tinygrad_edu as tg

torch = pytest.importorskip("torch")

PROBS = np.array([[0.1, 0.2, 0.7], [0.5, 0.25, 0.25]])
LOGITS = np.array([[0.3, -1.0, 2.0], [0.0, 0.5, -0.5]])

# name -> (how to build it in a library from float64 parameters, the values to score)
CASES = {
    "Categorical(probs)": (lambda lib, p: lib.distributions.Categorical(probs=p[0]), [PROBS], np.array([2, 0])),
    "Categorical(logits)": (lambda lib, p: lib.distributions.Categorical(logits=p[0]), [LOGITS], np.array([[1, 2]])),
    "Bernoulli(probs)": (lambda lib, p: lib.distributions.Bernoulli(probs=p[0]), [PROBS], (PROBS > 0.2) * 1.0),
    "Bernoulli(logits)": (lambda lib, p: lib.distributions.Bernoulli(logits=p[0]), [LOGITS], (LOGITS > 0) * 1.0),
    "Normal": (
        lambda lib, p: lib.distributions.Normal(p[0], p[1]),
        [LOGITS, PROBS + 0.5],
        np.array([[0.0, 1.0, -2.0], [0.5, 0.5, 3.0]]),
    ),
    "Normal broadcast": (
        lambda lib, p: lib.distributions.Normal(p[0], p[1]),
        [LOGITS, np.array([0.5, 1.0, 2.0])],
        0.25,
    ),
    "Uniform": (
        lambda lib, p: lib.distributions.Uniform(p[0], p[0] + p[1]),
        [LOGITS, PROBS + 0.5],
        np.array([[0.5, -0.9, 2.1], [0.1, 0.6, -0.2]]),  # (inside [low, high): PyTorch checks it, as we do)
    ),
}


def _pair(name: str):
    make, params, value = CASES[name]
    ours_params = [tg.tensor(p, requires_grad=True) for p in params]
    theirs_params = [torch.tensor(p, requires_grad=True) for p in params]
    return make(tg, ours_params), make(torch, theirs_params), ours_params, theirs_params, value


def _value(lib, value, like):
    dtype = lib.int64 if np.asarray(value).dtype.kind == "i" else lib.float64
    return lib.tensor(value, dtype=dtype)


def _same(ours, theirs):
    np.testing.assert_allclose(ours.detach().numpy(), theirs.detach().numpy(), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("name", CASES)
@pytest.mark.parametrize("what", ["log_prob", "entropy", "mean", "variance", "stddev"])
def test_values_and_gradients_match_pytorch(name, what):
    ours_d, theirs_d, ours_p, theirs_p, value = _pair(name)
    if what == "log_prob":
        ours, theirs = ours_d.log_prob(_value(tg, value, None)), theirs_d.log_prob(_value(torch, value, None))
    else:
        ours, theirs = getattr(ours_d, what), getattr(theirs_d, what)
        if callable(ours):
            ours, theirs = ours(), theirs()
    assert ours.shape == tuple(theirs.shape)
    _same(ours, theirs)
    if not theirs.requires_grad or not np.isfinite(theirs.detach().numpy()).all():
        return
    weights = np.linspace(0.5, 1.5, theirs.numel()).reshape(tuple(theirs.shape))
    (ours * tg.tensor(weights)).sum().backward()
    (theirs * torch.tensor(weights)).sum().backward()
    for o, t in zip(ours_p, theirs_p):
        if t.grad is not None:
            _same(o.grad, t.grad)


KL_PAIRS = {
    "Normal": lambda lib, a, b: (lib.distributions.Normal(a, b), lib.distributions.Normal(b - 1, a.abs() + 0.5)),
    "Categorical": lambda lib, a, b: (lib.distributions.Categorical(logits=a), lib.distributions.Categorical(probs=b)),
    "Bernoulli": lambda lib, a, b: (lib.distributions.Bernoulli(logits=a), lib.distributions.Bernoulli(probs=b)),
    "Uniform": lambda lib, a, b: (lib.distributions.Uniform(a, a + b), lib.distributions.Uniform(a - 1, a + b + 1)),
}


@pytest.mark.parametrize("name", KL_PAIRS)
def test_kl_divergence_and_its_gradients_match_pytorch(name):
    ours_a, ours_b = tg.tensor(LOGITS, requires_grad=True), tg.tensor(PROBS, requires_grad=True)
    theirs_a, theirs_b = torch.tensor(LOGITS, requires_grad=True), torch.tensor(PROBS, requires_grad=True)
    ours = tg.distributions.kl_divergence(*KL_PAIRS[name](tg, ours_a, ours_b))
    theirs = torch.distributions.kl_divergence(*KL_PAIRS[name](torch, theirs_a, theirs_b))
    _same(ours, theirs)
    ours.sum().backward()
    theirs.sum().backward()
    for o, t in ((ours_a, theirs_a), (ours_b, theirs_b)):
        _same(o.grad, t.grad)


def test_kl_divergence_is_infinite_where_q_gives_no_mass_to_what_p_draws():
    p = tg.distributions.Categorical(probs=tg.tensor([0.5, 0.5]))
    q = tg.distributions.Categorical(probs=tg.tensor([1.0, 0.0]))
    assert tg.distributions.kl_divergence(p, q).item() == float("inf")
    assert tg.distributions.kl_divergence(q, p).item() == pytest.approx(np.log(2))


def test_samples_have_pytorchs_shapes_dtypes_and_the_distributions_statistics():
    tg.manual_seed(0)
    cat = tg.distributions.Categorical(probs=tg.tensor([0.2, 0.3, 0.5]))
    draws = cat.sample((20000,))
    assert draws.shape == (20000,) and draws.dtype == tg.int64
    np.testing.assert_allclose(np.bincount(draws.numpy(), minlength=3) / 20000, [0.2, 0.3, 0.5], atol=0.02)
    batch = tg.distributions.Categorical(logits=tg.zeros(4, 6)).sample((5,))
    assert batch.shape == (5, 4) and int(batch.max()) < 6
    bern = tg.distributions.Bernoulli(probs=tg.tensor([0.1, 0.9])).sample((10000,))
    assert bern.shape == (10000, 2) and bern.dtype == tg.float32
    np.testing.assert_allclose(bern.numpy().mean(0), [0.1, 0.9], atol=0.02)
    normal = tg.distributions.Normal(tg.tensor([1.0, -2.0]), tg.tensor([0.5, 3.0])).sample((40000,))
    assert normal.shape == (40000, 2) and not normal.requires_grad
    np.testing.assert_allclose(normal.numpy().mean(0), [1.0, -2.0], atol=0.05)
    np.testing.assert_allclose(normal.numpy().std(0), [0.5, 3.0], rtol=0.03)
    uniform = tg.distributions.Uniform(-1.0, 3.0).sample((10000,))
    assert float(uniform.min()) >= -1.0 and float(uniform.max()) < 3.0


def test_rsample_sends_the_gradient_to_the_parameters_and_sample_does_not():
    loc, scale = tg.tensor([0.5], requires_grad=True), tg.tensor([2.0], requires_grad=True)
    d = tg.distributions.Normal(loc, scale)
    draw = d.rsample((3,))
    draw.sum().backward()
    assert loc.grad.tolist() == [3.0]  # d(loc + eps scale)/d loc, three draws
    eps = (draw.detach() - 0.5) / 2.0
    np.testing.assert_allclose(scale.grad.numpy(), [eps.sum().item()], rtol=1e-6)
    assert not d.sample().requires_grad
    with pytest.raises(NotImplementedError, match="rsample"):
        tg.distributions.Categorical(logits=tg.zeros(3)).rsample()


def test_reinforce_step_pushes_up_the_log_probability_of_a_rewarded_action():
    # the REINFORCE idiom: m = Categorical(probs); a = m.sample(); loss = -m.log_prob(a) * reward
    logits = tg.zeros(3, requires_grad=True)
    m = tg.distributions.Categorical(logits=logits)
    action = m.sample()
    (-m.log_prob(action) * 1.0).backward()
    grad = logits.grad.numpy()
    assert grad[action.item()] < 0 and np.all(np.delete(grad, action.item()) > 0)  # descent raises its logit


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda: tg.distributions.Categorical(), "either `probs` or `logits`"),
        (lambda: tg.distributions.Bernoulli(probs=0.5, logits=0.0), "either `probs` or `logits`"),
        (lambda: tg.distributions.Normal(0.0, -1.0), "scale"),
        (lambda: tg.distributions.Uniform(1.0, 1.0), "low"),
        (lambda: tg.distributions.Categorical(probs=tg.tensor([-0.5, 1.5])), "non-negative"),
    ],
)
def test_bad_parameters_are_refused_as_in_pytorch(make, message):
    with pytest.raises(ValueError, match=message):
        make()


@pytest.mark.parametrize(
    "make, value",
    [
        (lambda lib: lib.distributions.Uniform(0.0, 1.0), 1.5),
        (lambda lib: lib.distributions.Bernoulli(probs=lib.tensor(0.5)), 0.5),
        (lambda lib: lib.distributions.Categorical(logits=lib.zeros(3)), 3),
    ],
)
def test_log_prob_of_a_value_outside_the_support_is_refused_as_in_pytorch(make, value):
    with pytest.raises(ValueError, match="within the support"):
        make(torch).log_prob(torch.tensor(value))
    with pytest.raises(ValueError, match="within the support"):
        make(tg).log_prob(tg.tensor(value))


def test_a_missing_distribution_names_the_torch_name():
    with pytest.raises(AttributeError, match=r"does not implement torch\.distributions\.Beta"):
        tg.distributions.Beta  # noqa: B018
