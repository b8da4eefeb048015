"""tg.Generator and the random and creation functions of issue 13: seeding, generator=, shapes, dtypes, ranges.

Their dtypes and the deterministic values (full, linspace, logspace) are also compared with PyTorch in
tests/test_torch_parity_surface.py; here, what holds without torch.
"""

from __future__ import annotations

import numpy as np
import pytest

import tinygrad_edu as tg

# (name, draw(generator) -> Tensor): every random function, with generator=
DRAWS = [
    ("rand", lambda g: tg.rand(3, 4, generator=g)),
    ("randn", lambda g: tg.randn(5, generator=g)),
    ("randint", lambda g: tg.randint(0, 10, (20,), generator=g)),
    ("randint_like", lambda g: tg.randint_like(tg.zeros(2, 3), 5, generator=g)),
    ("rand_like", lambda g: tg.rand_like(tg.zeros(2, 3), generator=g)),
    ("randn_like", lambda g: tg.randn_like(tg.zeros(2, 3), generator=g)),
    ("randperm", lambda g: tg.randperm(10, generator=g)),
    ("normal", lambda g: tg.normal(1.0, 2.0, (4,), generator=g)),
    ("bernoulli", lambda g: tg.bernoulli(tg.full((50,), 0.5), generator=g)),
    ("multinomial", lambda g: tg.multinomial(tg.tensor([[1.0, 2.0, 3.0], [0.0, 1.0, 1.0]]), 2, generator=g)),
]


@pytest.mark.parametrize("name, draw", DRAWS, ids=[d[0] for d in DRAWS])
def test_a_seeded_generator_repeats_its_draws_and_leaves_the_default_one_alone(name, draw) -> None:
    tg.manual_seed(0)
    default_state = tg.get_rng_state()
    g = tg.Generator().manual_seed(7)
    first = draw(g).numpy().copy()
    g.manual_seed(7)
    np.testing.assert_array_equal(draw(g).numpy(), first)
    assert tg.get_rng_state() == default_state  # nothing was drawn from the default generator
    state = g.get_state()
    after = draw(g).numpy().copy()
    g.set_state(state)
    np.testing.assert_array_equal(draw(g).numpy(), after)


def test_manual_seed_reseeds_the_default_generator_in_place() -> None:
    g = tg.default_generator()
    assert tg.manual_seed(3) is g and isinstance(g, tg.Generator) and isinstance(g, np.random.Generator)
    a = tg.randn(4).numpy().copy()
    tg.manual_seed(3)
    np.testing.assert_array_equal(tg.randn(4).numpy(), a)
    assert tg.initial_seed() == 3
    np.testing.assert_array_equal(a, np.random.default_rng(3).standard_normal(4).astype(np.float32))


def test_generator_seed_and_initial_seed() -> None:
    g = tg.Generator()
    s = g.seed()
    assert g.initial_seed() == s
    a = tg.rand(3, generator=g).numpy().copy()
    np.testing.assert_array_equal(tg.rand(3, generator=g.manual_seed(s)).numpy(), a)


def test_random_draws_are_in_range_with_torchs_dtypes() -> None:
    g = tg.Generator().manual_seed(0)
    r = tg.randint(3, 7, (1000,), generator=g)
    assert r.dtype == np.int64 and r.numpy().min() == 3 and r.numpy().max() == 6
    assert tg.randint(5, (2, 2)).shape == (2, 2)  # randint(high, size)
    assert sorted(tg.randperm(6).tolist()) == list(range(6))
    samples = tg.multinomial(tg.tensor([0.0, 1.0, 3.0]), 4000, replacement=True, generator=g).numpy()
    assert samples.dtype == np.int64 and set(np.unique(samples)) == {1, 2}
    assert abs((samples == 2).mean() - 0.75) < 0.03  # 4000 draws: the std of the mean is about 0.007
    rows = tg.multinomial(tg.tensor([[1.0, 1.0, 1.0, 1.0]] * 3), 4, generator=g).numpy()
    assert all(sorted(row) == [0, 1, 2, 3] for row in rows)  # without replacement: each index once
    n = tg.normal(2.0, 0.5, (20000,), generator=g).numpy()
    assert abs(n.mean() - 2.0) < 0.02 and abs(n.std() - 0.5) < 0.02
    assert tg.normal(tg.zeros(3, dtype=tg.float64), tg.ones(3, dtype=tg.float64)).dtype == np.float64
    b = tg.bernoulli(tg.full((10000,), 0.25), generator=g).numpy()
    assert b.dtype == np.float32 and set(np.unique(b)) <= {0.0, 1.0} and abs(b.mean() - 0.25) < 0.02


ERRORS = [
    ("randint high <= low", lambda: tg.randint(5, 5, (2,)), "high"),
    ("multinomial too many without replacement", lambda: tg.multinomial(tg.tensor([1.0, 0.0]), 2), "without"),
    ("multinomial negative weight", lambda: tg.multinomial(tg.tensor([1.0, -1.0]), 1), "non-negative"),
    ("bernoulli p > 1", lambda: tg.bernoulli(tg.tensor([1.5])), r"\[0, 1\]"),
    ("normal without size", lambda: tg.normal(0.0, 1.0), "size"),
    ("zeros on cuda", lambda: tg.zeros(2, device="cuda"), "CPU only"),
    ("Generator on cuda", lambda: tg.Generator(device="cuda:0"), "CPU only"),
    ("randn on mps", lambda: tg.randn(2, device="mps"), "device 'mps'"),
]


@pytest.mark.parametrize("name, call, message", ERRORS, ids=[e[0] for e in ERRORS])
def test_bad_arguments_raise_errors_that_say_what_is_wrong(name, call, message) -> None:
    with pytest.raises(Exception, match=message):
        call()


def test_device_cpu_is_accepted_everywhere() -> None:
    for make in (
        lambda: tg.zeros(2, device="cpu"),
        lambda: tg.ones(2, device="cpu"),
        lambda: tg.rand(2, device="cpu"),
        lambda: tg.arange(3, device="cpu"),
        lambda: tg.eye(2, device="cpu"),
        lambda: tg.full((2,), 1.0, device="cpu"),
        lambda: tg.randint(0, 3, (2,), device="cpu"),
        lambda: tg.linspace(0, 1, 3, device="cpu"),
        lambda: tg.logspace(0, 1, 3, device="cpu"),
    ):
        assert make().shape[0] in (2, 3)
