"""The layers built from existing ops: activations, Dropout, LayerNorm, BatchNorm1d/2d, Embedding, Unflatten and the
keyed containers. Each is gradchecked in float64, checked against facts stated here, and compared with torch
(outputs, gradients of the input and of every parameter, state_dict keys, train and eval) where it is installed.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu import nn
from tinygrad_edu.nn import functional as F

_rng = np.random.default_rng(11)
X = _rng.normal(size=(4, 3, 5)) * 2  # values from about -6 to 6, away from the kinks below
X = np.where(np.abs(X) < 0.05, 0.3, X)
X = np.where(np.abs(np.abs(X) - 3) < 0.05, 2.5, X)  # Hardsigmoid/Hardswish kinks at +-3
X = np.where(np.abs(X - 6) < 0.05, 5.5, X)  # ReLU6 at 6

# name: (fn(lib) -> module, input shape); the module is applied to float64 inputs
LAYERS: dict[str, tuple[Callable[[Any], Any], tuple[int, ...]]] = {
    "GELU tanh": (lambda lib: lib.nn.GELU(approximate="tanh"), (4, 3, 5)),
    "SiLU": (lambda lib: lib.nn.SiLU(), (4, 3, 5)),
    "ELU": (lambda lib: lib.nn.ELU(), (4, 3, 5)),
    "ELU alpha": (lambda lib: lib.nn.ELU(alpha=0.3), (4, 3, 5)),
    "CELU": (lambda lib: lib.nn.CELU(alpha=2.0), (4, 3, 5)),
    "SELU": (lambda lib: lib.nn.SELU(), (4, 3, 5)),
    "Softsign": (lambda lib: lib.nn.Softsign(), (4, 3, 5)),
    "Hardtanh": (lambda lib: lib.nn.Hardtanh(), (4, 3, 5)),
    "Hardtanh range": (lambda lib: lib.nn.Hardtanh(-2.0, 1.5), (4, 3, 5)),
    "ReLU6": (lambda lib: lib.nn.ReLU6(), (4, 3, 5)),
    "Hardsigmoid": (lambda lib: lib.nn.Hardsigmoid(), (4, 3, 5)),
    "Hardswish": (lambda lib: lib.nn.Hardswish(), (4, 3, 5)),
    "Mish": (lambda lib: lib.nn.Mish(), (4, 3, 5)),
    "LogSigmoid": (lambda lib: lib.nn.LogSigmoid(), (4, 3, 5)),
    "Softmin": (lambda lib: lib.nn.Softmin(dim=1), (4, 3, 5)),
    "LogSoftmax": (lambda lib: lib.nn.LogSoftmax(dim=-1), (4, 3, 5)),
    "Threshold": (lambda lib: lib.nn.Threshold(0.7, -3.0), (4, 3, 5)),
    "PReLU": (lambda lib: lib.nn.PReLU(), (4, 3, 5)),
    "PReLU per channel": (lambda lib: lib.nn.PReLU(num_parameters=3, init=0.1), (4, 3, 5)),
    "LayerNorm": (lambda lib: lib.nn.LayerNorm(5), (4, 3, 5)),
    "LayerNorm 2 dims": (lambda lib: lib.nn.LayerNorm([3, 5], eps=1e-3), (4, 3, 5)),
    "LayerNorm no affine": (lambda lib: lib.nn.LayerNorm(5, elementwise_affine=False), (4, 3, 5)),
    "LayerNorm no bias": (lambda lib: lib.nn.LayerNorm(5, bias=False), (4, 3, 5)),
    "BatchNorm1d (N, C)": (lambda lib: lib.nn.BatchNorm1d(5), (4, 5)),
    "BatchNorm1d (N, C, L)": (lambda lib: lib.nn.BatchNorm1d(3, momentum=0.3), (4, 3, 5)),
    "BatchNorm1d no affine": (lambda lib: lib.nn.BatchNorm1d(3, affine=False), (4, 3, 5)),
    "BatchNorm1d no running stats": (lambda lib: lib.nn.BatchNorm1d(3, track_running_stats=False), (4, 3, 5)),
    "BatchNorm1d cumulative": (lambda lib: lib.nn.BatchNorm1d(3, momentum=None), (4, 3, 5)),
    "BatchNorm2d": (lambda lib: lib.nn.BatchNorm2d(3, eps=1e-3), (2, 3, 4, 5)),
    "BatchNorm3d": (lambda lib: lib.nn.BatchNorm3d(3, momentum=0.2), (2, 3, 2, 3, 4)),
    "Unflatten": (lambda lib: lib.nn.Unflatten(1, (3, 5)), (4, 15)),
    "Identity": (lambda lib: lib.nn.Identity(54, unused=True), (4, 3, 5)),
}


def layer_input(shape: tuple[int, ...]) -> np.ndarray:
    """X's values in the given shape (repeated, with a growing offset, if more are needed)."""
    n = int(np.prod(shape))
    values = np.resize(X.reshape(-1), n) + 0.01 * (np.arange(n) // X.size)
    return values.reshape(shape)


def with_random_weights(module: Any, lib: Any, seed: int = 0) -> Any:
    """module.double(), with every parameter set to the same random values in both libraries (not the init)."""
    module = module.double()
    rng = np.random.default_rng(seed)
    for _, p in sorted(module.named_parameters()):
        values = rng.uniform(0.5, 1.5, size=tuple(p.shape))
        if lib is tg:
            p.data[...] = values
        else:
            import torch

            with torch.no_grad():
                p.copy_(torch.tensor(values))
    return module


@pytest.mark.parametrize("train", [True, False], ids=["train", "eval"])
@pytest.mark.parametrize("name", LAYERS)
def test_gradcheck_in_float64(name: str, train: bool) -> None:
    make, shape = LAYERS[name]
    module = with_random_weights(make(tg), tg).train(train)
    inputs = [tg.tensor(layer_input(shape), dtype=tg.float64, requires_grad=True)]
    params = [p for _, p in module.named_parameters()]
    assert tg.gradcheck(lambda x, *ps: module(x), inputs + params)


FACTS = [
    ("silu(1) = sigmoid(1)", lambda: F.silu(tg.tensor([1.0])).item(), 1 / (1 + np.exp(-1))),
    ("elu(-1) = e^-1 - 1", lambda: F.elu(tg.tensor([-1.0])).item(), np.exp(-1) - 1),
    ("selu(1) = scale", lambda: F.selu(tg.tensor([1.0])).item(), 1.0507009873554805),
    ("softsign(3) = 3/4", lambda: F.softsign(tg.tensor([3.0])).item(), 0.75),
    ("hardsigmoid(1.5) = 3/4", lambda: F.hardsigmoid(tg.tensor([1.5])).item(), 0.75),
    ("hardswish(-4) = 0", lambda: F.hardswish(tg.tensor([-4.0])).item(), 0.0),
    ("relu6(7) = 6", lambda: F.relu6(tg.tensor([7.0])).item(), 6.0),
    ("logsigmoid(-800) = -800", lambda: F.logsigmoid(tg.tensor([-800.0], dtype=tg.float64)).item(), -800.0),
    ("mish(0) = 0", lambda: F.mish(tg.tensor([0.0])).item(), 0.0),
    (
        "gelu tanh(1)",
        lambda: F.gelu(tg.tensor([1.0], dtype=tg.float64), approximate="tanh").item(),
        0.5 * (1 + np.tanh(np.sqrt(2 / np.pi) * 1.044715)),
    ),
    ("threshold(0.5; 1, 9) = 9", lambda: F.threshold(tg.tensor([0.5]), 1.0, 9.0).item(), 9.0),
]


@pytest.mark.parametrize("name, compute, expected", FACTS, ids=[f[0] for f in FACTS])
def test_activation_facts(name, compute, expected) -> None:
    assert compute() == pytest.approx(expected, rel=1e-6)


def test_exact_gelu_is_x_times_the_normal_cdf() -> None:
    # Phi(1) = 0.841344746068543 (the standard normal's CDF at 1, from tables); gelu(1) = 1 * Phi(1)
    x = tg.tensor([1.0, -1.0], dtype=tg.float64)
    np.testing.assert_allclose(nn.GELU()(x).numpy(), [0.841344746068543, -(1 - 0.841344746068543)], rtol=1e-14)


def test_dropout_scales_kept_units_and_is_identity_in_eval() -> None:
    tg.manual_seed(0)
    drop = nn.Dropout(p=0.25)
    y = drop(tg.ones(200, 200)).data
    assert set(np.unique(y)) == {0.0, np.float32(1 / 0.75)}
    assert (y == 0).mean() == pytest.approx(0.25, abs=0.01)  # 40,000 draws
    x = tg.ones(3)
    assert drop.eval()(x) is x
    tg.manual_seed(5)
    a = nn.Dropout()(tg.ones(50)).data
    tg.manual_seed(5)
    b = nn.Dropout()(tg.ones(50)).data
    np.testing.assert_array_equal(a, b)  # drawn from the library's generator
    assert np.all(nn.Dropout(p=1.0)(tg.ones(4)).data == 0) and np.all(F.dropout(tg.ones(4), p=0.0).data == 1)
    maps = nn.Dropout2d(0.5)(tg.ones(8, 6, 3, 3)).data
    assert np.all(maps.min(axis=(2, 3)) == maps.max(axis=(2, 3)))  # whole channels kept or dropped
    with pytest.raises(ValueError, match="between 0 and 1"):
        nn.Dropout(1.5)


def test_dropout_gradient_is_the_mask() -> None:
    tg.manual_seed(1)
    x = tg.ones(100, requires_grad=True)
    y = F.dropout(x, 0.4)
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.data, y.data)  # d(x m)/dx = m, and y = m where x = 1


def test_batchnorm_running_statistics_and_eval() -> None:
    bn = nn.BatchNorm1d(2, momentum=0.5)
    x = np.array([[1.0, 10.0], [3.0, 20.0], [5.0, 60.0]])
    y = bn(tg.tensor(x, dtype=tg.float32)).data  # (a float64 input to a float32 layer: an error, as PyTorch)
    np.testing.assert_allclose(y.mean(0), 0, atol=1e-6)
    np.testing.assert_allclose(y.var(0), x.var(0) / (x.var(0) + 1e-5), rtol=1e-5)  # biased variance in training
    # running = (1 - m) running + m batch, with the unbiased variance n / (n - 1) var
    np.testing.assert_allclose(bn.running_mean.data, 0.5 * 0 + 0.5 * x.mean(0), rtol=1e-6)
    np.testing.assert_allclose(bn.running_var.data, 0.5 * 1 + 0.5 * x.var(0, ddof=1), rtol=1e-6)
    assert bn.num_batches_tracked.item() == 1 and bn.num_batches_tracked.dtype == np.int64
    bn.eval()
    z = bn(tg.tensor(x, dtype=tg.float32)).data
    np.testing.assert_allclose(z, (x - bn.running_mean.data) / np.sqrt(bn.running_var.data + 1e-5), rtol=1e-5)
    assert bn.num_batches_tracked.item() == 1  # eval leaves the statistics alone
    assert list(bn.state_dict()) == ["weight", "bias", "running_mean", "running_var", "num_batches_tracked"]
    with pytest.raises(ValueError, match="more than 1 value per channel"):
        nn.BatchNorm1d(2)(tg.ones(1, 2))
    with pytest.raises(ValueError, match="2D or 3D"):
        nn.BatchNorm1d(2)(tg.ones(1, 2, 3, 4))


def test_embedding_lookup_padding_and_from_pretrained() -> None:
    tg.manual_seed(0)
    emb = nn.Embedding(5, 3, padding_idx=1)
    assert np.all(emb.weight.data[1] == 0)
    idx = tg.tensor([[0, 1, 4], [4, 1, 2]], dtype=tg.int64)
    out = emb(idx)
    np.testing.assert_array_equal(out.data, emb.weight.data[idx.data])
    out.sum().backward()
    np.testing.assert_array_equal(emb.weight.grad.data[:, 0], [1, 0, 1, 0, 2])  # repeats add up; padding gets none
    table = tg.tensor([[1.0, 2.0], [3.0, 4.0]])
    frozen = nn.Embedding.from_pretrained(table)
    assert not frozen.weight.requires_grad and frozen(tg.tensor([1], dtype=tg.int64)).tolist() == [[3.0, 4.0]]
    assert nn.Embedding.from_pretrained(table, freeze=False).weight.requires_grad
    with pytest.raises(tg.DtypeError, match="integer"):
        emb(tg.tensor([0.0, 1.0]))
    with pytest.raises(IndexError, match="out of range"):
        emb(tg.tensor([5], dtype=tg.int64))


def test_embedding_max_norm_renormalises_the_rows_used() -> None:
    emb = nn.Embedding.from_pretrained(tg.tensor([[3.0, 4.0], [0.3, 0.4], [6.0, 8.0]]), max_norm=1.0)
    emb(tg.tensor([0, 1], dtype=tg.int64))
    np.testing.assert_allclose(np.linalg.norm(emb.weight.data, axis=1), [1.0, 0.5, 10.0], rtol=1e-6)


def test_keyed_containers_register_their_entries() -> None:
    heads = nn.ModuleDict({"a": nn.Linear(2, 3), "b": nn.Linear(3, 1)})
    heads["c"] = nn.Identity()
    assert list(heads) == ["a", "b", "c"] and "b" in heads and len(heads) == 3
    assert [n for n, _ in heads.named_parameters()] == ["a.weight", "a.bias", "b.weight", "b.bias"]
    del heads["a"]
    assert list(heads.state_dict()) == ["b.weight", "b.bias"]
    plist = nn.ParameterList([nn.Parameter(tg.ones(2)), tg.zeros(3)])
    plist.append(tg.ones(1))
    assert len(plist) == 3 and isinstance(plist[1], nn.Parameter) and plist[-1].shape == (1,)
    assert list(plist.state_dict()) == ["0", "1", "2"] and len(list(plist.parameters())) == 3
    pdict = nn.ParameterDict({"w": tg.ones(2)})
    pdict.update([("b", nn.Parameter(tg.zeros(1)))])
    assert list(pdict.keys()) == ["w", "b"] and sorted(pdict.state_dict()) == ["b", "w"]
    assert isinstance(pdict["w"], nn.Parameter) and pdict.pop("w").shape == (2,) and list(pdict) == ["b"]
    opt = tg.optim.SGD(nn.ModuleDict({"x": nn.Linear(1, 1)}).parameters(), lr=0.1)
    assert len(opt.param_groups[0]["params"]) == 2


# ---- torch: the same outputs, gradients, state_dict keys, in train and in eval ---------------------------------


def run_layer(lib: Any, name: str, train: bool, steps: int = 3) -> dict[str, Any]:
    make, shape = LAYERS[name]
    module = with_random_weights(make(lib), lib)
    module.train(train)
    outs, grads = [], []
    for step in range(steps):  # a few calls, so that running statistics move (and in eval, are used)
        x = lib.tensor(layer_input(shape) * (1 + step), requires_grad=True)
        y = module(x)
        (y * lib.tensor(np.cos(np.arange(y.numel())).reshape(tuple(y.shape)))).sum().backward()
        outs.append(y.detach().numpy().copy())
        grads.append(x.grad.numpy().copy())
    params = {n: p.grad.numpy().copy() for n, p in module.named_parameters()}
    state = {k: np.asarray(v.numpy() if hasattr(v, "numpy") else v) for k, v in module.state_dict().items()}
    return {"outs": outs, "grads": grads, "param_grads": params, "state": state}


# torch's float64 hardsigmoid backward multiplies by 1/6 rounded to float32 (its results are off by 3e-8)
RTOL = {"Hardsigmoid": 1e-7}


@pytest.mark.parametrize("train", [True, False], ids=["train", "eval"])
@pytest.mark.parametrize("name", LAYERS)
def test_layer_is_torchs(name: str, train: bool) -> None:
    pytest.importorskip("torch")
    import torch

    ours, theirs = run_layer(tg, name, train), run_layer(torch, name, train)
    for key in ("outs", "grads"):
        for a, b in zip(ours[key], theirs[key]):
            np.testing.assert_allclose(a, b, rtol=RTOL.get(name, 1e-10), atol=1e-12)
    assert list(ours["param_grads"]) == list(theirs["param_grads"])
    for key, value in ours["param_grads"].items():
        np.testing.assert_allclose(value, theirs["param_grads"][key], rtol=1e-10, atol=1e-12)
    assert list(ours["state"]) == list(theirs["state"])
    for key, value in ours["state"].items():
        np.testing.assert_allclose(value, theirs["state"][key], rtol=1e-10, atol=1e-12)
        assert value.dtype == theirs["state"][key].dtype


EMBEDDINGS = {
    "Embedding": {},
    "Embedding padding": {"padding_idx": 2},
    "Embedding max_norm": {"max_norm": 2.0},
    "Embedding scale_grad_by_freq": {"scale_grad_by_freq": True},  # index 2 occurs 3 times: its grads / 3
    "Embedding scale_grad_by_freq, padding": {"scale_grad_by_freq": True, "padding_idx": 0},
}


@pytest.mark.parametrize("name", EMBEDDINGS)
def test_embedding_is_torchs(name: str) -> None:
    torch = pytest.importorskip("torch")
    options = EMBEDDINGS[name]
    table = np.random.default_rng(4).normal(size=(6, 4))
    idx = np.array([[0, 2, 5], [2, 2, 1]])
    results = []
    for lib in (tg, torch):
        emb = lib.nn.Embedding.from_pretrained(lib.tensor(table.copy()), freeze=False, **options)
        y = emb(lib.tensor(idx, dtype=lib.int64))
        (y * lib.tensor(np.arange(24.0).reshape(2, 3, 4))).sum().backward()
        results.append((y.detach().numpy(), emb.weight.grad.numpy(), emb.weight.detach().numpy()))
    for a, b in zip(*results):
        np.testing.assert_allclose(a, b, rtol=1e-7, atol=1e-12)


def test_default_initialisations_and_state_dict_keys_are_torchs() -> None:
    torch = pytest.importorskip("torch")
    for make in (
        lambda lib: lib.nn.Embedding(300, 200, padding_idx=0),
        lambda lib: lib.nn.LayerNorm((2, 3)),
        lambda lib: lib.nn.BatchNorm2d(4),
        lambda lib: lib.nn.PReLU(3),
        lambda lib: lib.nn.ModuleDict({"x": lib.nn.LayerNorm(2), "y": lib.nn.BatchNorm1d(2)}),
    ):
        ours, theirs = make(tg).state_dict(), make(torch).state_dict()
        assert list(ours) == list(theirs)
        for key in ours:
            a, b = np.asarray(ours[key]), theirs[key].numpy()
            assert a.shape == b.shape and a.dtype == b.dtype
            if key.endswith("weight") and a.size > 1000:  # N(0, 1) embeddings
                assert a[1:].std() == pytest.approx(b[1:].std(), rel=0.02) and not a[0].any() and not b[0].any()
            else:
                np.testing.assert_array_equal(a, b)


def test_embedding_gradcheck_in_float64() -> None:
    idx = tg.tensor([[0, 2, 2], [3, 1, 0]], dtype=tg.int64)
    weight = tg.tensor(np.random.default_rng(2).normal(size=(4, 3)), dtype=tg.float64, requires_grad=True)
    assert tg.gradcheck(lambda w: F.embedding(idx, w), [weight])
    # (with padding_idx the padding row deliberately gets no gradient although the output reads it, so
    # finite differences disagree there by design: test_embedding_lookup_padding_and_from_pretrained checks it)


ERRORS = {
    "LayerNorm shape": lambda lib: lib.nn.LayerNorm(4)(lib.ones(2, 3)),
    "BatchNorm1d channels": lambda lib: lib.nn.BatchNorm1d(3)(lib.ones(4, 5)),
    "BatchNorm1d dims": lambda lib: lib.nn.BatchNorm1d(3)(lib.ones(2, 3, 4, 5)),
    "BatchNorm2d dims": lambda lib: lib.nn.BatchNorm2d(3)(lib.ones(2, 3)),
    "BatchNorm3d dims": lambda lib: lib.nn.BatchNorm3d(3)(lib.ones(2, 3, 4, 5)),
    "BatchNorm one value": lambda lib: lib.nn.BatchNorm1d(3)(lib.ones(1, 3)),
    "Dropout p": lambda lib: lib.nn.Dropout(-0.1),
    "Dropout1d dims": lambda lib: lib.nn.Dropout1d()(lib.ones(2, 3, 4, 5)),
    "PReLU channels": lambda lib: lib.nn.PReLU(4)(lib.ones(2, 3)),
    "Embedding float indices": lambda lib: lib.nn.Embedding(3, 2)(lib.tensor([0.0, 1.0])),
    "Embedding index out of range": lambda lib: lib.nn.Embedding(3, 2)(lib.tensor([3], dtype=lib.int64)),
}
# (Hardtanh(1.0, -1.0): torch checks with a bare assert; we raise ValueError, which survives python -O)


@pytest.mark.parametrize("name", ERRORS)
def test_error_is_an_instance_of_the_class_torch_raises(name: str) -> None:
    torch = pytest.importorskip("torch")
    with pytest.raises(Exception) as theirs:
        ERRORS[name](torch)
    with pytest.raises(Exception) as ours:
        ERRORS[name](tg)
    assert isinstance(ours.value, type(theirs.value)), f"torch raises {type(theirs.value).__name__}: {theirs.value}"


def test_one_d_options_take_a_number_or_a_one_tuple_as_pytorch() -> None:
    x = tg.tensor(np.arange(20.0).reshape(1, 2, 10), dtype=tg.float32)  # (the Conv1d's dtype, as PyTorch needs)
    assert np.array_equal(F.max_pool1d(x, (3,), (2,)).numpy(), F.max_pool1d(x, 3, 2).numpy())
    assert np.array_equal(F.avg_pool1d(x, (4,), padding=(1,)).numpy(), F.avg_pool1d(x, 4, padding=1).numpy())
    assert nn.Conv1d(2, 3, (3,), padding="same")(x).shape == (1, 3, 10)
    with pytest.raises(tg.ArgumentError, match=r"max_pool1d: a 1-d option takes one number or a 1-tuple"):
        F.max_pool1d(x, (3, 3))
