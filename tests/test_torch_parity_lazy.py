"""d2l-style names next to PyTorch: nn.LazyLinear (and its UninitializedParameter), Size, set_printoptions.

Each case runs the same code with `lib = tinygrad_edu` and `lib = torch` and compares what a script would see:
shapes, state_dict keys, parameters, trained weights, error classes, printed numbers. Skipped without torch.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import tinygrad_edu as tg

torch = pytest.importorskip("torch")

# ---- nn.LazyLinear -------------------------------------------------------------------------------------------

# (out_features, bias, input shape, dtype name)
LAZY_CASES = [
    (3, True, (2, 4), "float32"),
    (1, False, (5, 2), "float32"),
    (4, True, (2, 3, 6), "float64"),
    (2, True, (7,), "float32"),
]


def lazy_facts(lib: Any, out_features: int, bias: bool, shape: tuple, dtype: str) -> dict[str, Any]:
    layer = lib.nn.LazyLinear(out_features, bias=bias, dtype=getattr(lib, dtype))
    before = {"repr": repr(layer), "count": len(list(layer.parameters()))}
    y = layer(lib.zeros(*shape, dtype=getattr(lib, dtype)))
    return {
        "before": before,
        "out shape": tuple(y.shape),
        "class": type(layer).__name__,
        "repr": repr(layer),
        "in_features": layer.in_features,
        "keys": list(layer.state_dict()),
        "parameters": [
            (name, tuple(p.shape), type(p).__name__, p.requires_grad) for name, p in layer.named_parameters()
        ],
        "dtype": str(layer.weight.dtype).replace("torch.", ""),
    }


@pytest.mark.parametrize("out_features, bias, shape, dtype", LAZY_CASES)
def test_lazy_linear_becomes_torchs_linear(out_features, bias, shape, dtype):
    assert lazy_facts(tg, out_features, bias, shape, dtype) == lazy_facts(torch, out_features, bias, shape, dtype)


def test_lazy_linear_draws_weights_as_linear_does():
    tg.manual_seed(0)
    lazy = tg.nn.LazyLinear(5)
    lazy(tg.zeros(1, 4))
    tg.manual_seed(0)
    plain = tg.nn.Linear(4, 5)
    np.testing.assert_array_equal(lazy.weight.data, plain.weight.data)
    np.testing.assert_array_equal(lazy.bias.data, plain.bias.data)


def d2l_net(lib: Any) -> Any:
    return lib.nn.Sequential(lib.nn.LazyLinear(8), lib.nn.ReLU(), lib.nn.LazyLinear(1))


def train(lib: Any, net: Any, optimizer_first: bool, state: dict[str, np.ndarray] | None) -> dict[str, np.ndarray]:
    """Dry run, then (with `state`) torch's weights loaded, then three SGD steps; the trained weights by name."""
    rng = np.random.default_rng(0)
    x, y = lib.from_numpy(rng.normal(size=(16, 3))), lib.from_numpy(rng.normal(size=(16, 1)))
    opt = lib.optim.SGD(net.parameters(), lr=0.1) if optimizer_first else None
    net(lib.zeros(1, 3, dtype=lib.float64))  # the dry run sets in_features
    if state is not None:
        net.load_state_dict({name: lib.from_numpy(array.copy()) for name, array in state.items()})
    if opt is None:
        opt = lib.optim.SGD(net.parameters(), lr=0.1)
    for _ in range(3):
        opt.zero_grad()
        ((net(x) - y) ** 2).mean().backward()
        opt.step()
    return {name: p.detach().numpy().copy() for name, p in net.named_parameters()}


@pytest.mark.parametrize("optimizer_first", [False, True], ids=["optimizer after dry run", "optimizer before"])
def test_lazy_net_trains_as_torchs(optimizer_first: bool):
    """d2l's pattern: build with lazy layers, a dry run, then train (both start from torch's drawn weights)."""
    torch_start = d2l_net(torch).double()
    torch_start(torch.zeros(1, 3, dtype=torch.float64))
    start = {name: p.detach().numpy().copy() for name, p in torch_start.named_parameters()}
    theirs = train(torch, d2l_net(torch).double(), optimizer_first, start)
    ours = train(tg, d2l_net(tg).double(), optimizer_first, start)
    assert list(ours) == list(theirs) == ["0.weight", "0.bias", "2.weight", "2.bias"]
    for name in theirs:
        np.testing.assert_allclose(ours[name], theirs[name], rtol=1e-12, atol=1e-12)


# Uses of an UninitializedParameter before the first forward: each is refused, with torch's error class.
UNINITIALIZED_USES: list[tuple[str, Callable[[Any, Any], Any]]] = [
    ("shape", lambda lib, p: p.shape),
    ("exp()", lambda lib, p: p.exp()),
    ("numel()", lambda lib, p: p.numel()),
    ("p + 1", lambda lib, p: p + 1),
    ("p * p", lambda lib, p: p * p),
    ("sum()", lambda lib, p: p.sum()),
    ("zeros @ p", lambda lib, p: lib.zeros(2, 4) @ p),
]


@pytest.mark.parametrize("name, use", UNINITIALIZED_USES, ids=[u[0] for u in UNINITIALIZED_USES])
def test_uninitialized_parameter_refuses_use_as_torch(name, use):
    classes = []
    for lib in (torch, tg):
        p = next(lib.nn.LazyLinear(3).parameters())
        with pytest.raises((ValueError, RuntimeError)) as caught:
            use(lib, p)
        classes.append(caught.type)
        if lib is tg:
            assert "uninitialized parameter" in str(caught.value)
            assert "Call `forward`" in str(caught.value) or "dummy batch" in str(caught.value)
    assert classes[0] is classes[1]


def test_uninitialized_parameter_in_a_layer_call_says_to_run_forward():
    with pytest.raises((ValueError, RuntimeError), match="uninitialized parameter"):
        tg.nn.functional.linear(tg.zeros(2, 4), next(tg.nn.LazyLinear(3).parameters()))


def test_uninitialized_parameter_is_listed_and_keeps_its_dtype():
    layer = tg.nn.LazyLinear(3, dtype=tg.float64)
    params = list(layer.parameters())
    assert [type(p) for p in params] == [tg.nn.UninitializedParameter] * 2
    assert all(p.requires_grad and p.dtype == np.float64 for p in params)
    assert repr(params[0]) == repr(next(torch.nn.LazyLinear(3).parameters())) == "<UninitializedParameter>"


def test_lazy_linear_refuses_a_0d_input():
    with pytest.raises(tg.ShapeError, match="0-d input"):
        tg.nn.LazyLinear(3)(tg.tensor(1.0))


# ---- Size ----------------------------------------------------------------------------------------------------

SIZE_CASES: list[tuple[str, Callable[[Any], Any]]] = [
    ("repr", lambda lib: repr(lib.Size([2, 3])).replace("torch.", "")),
    ("numel", lambda lib: lib.Size([2, 3, 4]).numel()),
    ("empty numel", lambda lib: lib.Size([]).numel()),
    ("a tuple", lambda lib: (isinstance(lib.Size((2, 3)), tuple), lib.Size([2, 3]) == (2, 3))),
    ("from a tuple", lambda lib: list(lib.Size((5, 1)))),
    ("item", lambda lib: lib.Size([2, 3])[1]),
    ("slice", lambda lib: repr(lib.Size([2, 3, 4])[1:]).replace("torch.", "")),
    ("add", lambda lib: repr(lib.Size([2, 3]) + (4,)).replace("torch.", "")),
    ("radd", lambda lib: repr((1,) + lib.Size([2, 3])).replace("torch.", "")),
    ("repeat", lambda lib: repr(lib.Size([2]) * 3).replace("torch.", "")),
    ("hash", lambda lib: hash(lib.Size([2, 3])) == hash((2, 3))),
    ("from numpy ints", lambda lib: list(lib.Size(np.array([2, 3])))),
    ("shape is one", lambda lib: lib.zeros(2, 3).shape == lib.Size([2, 3])),
]


@pytest.mark.parametrize("name, fn", SIZE_CASES, ids=[c[0] for c in SIZE_CASES])
def test_size_is_torchs(name, fn):
    assert fn(tg) == fn(torch)


def test_size_refuses_a_float_as_torch():
    with pytest.raises(TypeError, match="item 1 is 'float'"):
        tg.Size([2, 2.5])
    with pytest.raises(TypeError):
        torch.Size([2, 2.5])


# ---- set_printoptions ----------------------------------------------------------------------------------------


@pytest.fixture
def print_options():
    """Puts both libraries' print options back as they were."""
    yield
    tg.set_printoptions(profile="default")
    torch.set_printoptions(profile="default")


def numbers(text: str) -> list[float]:
    """The numbers a printed tensor shows, in order (its dtype's digits left out)."""
    body = text.split("dtype=")[0]
    return [float(s) for s in re.findall(r"-?\d+\.?\d*(?:e[+-]\d+)?", body.replace("tensor(", ""))]


# (options, values): what torch prints with the options, our repr shows the same numbers
PRINT_CASES = [
    ({"precision": 2}, [1 / 3, 2 / 3, -1.125]),
    ({"precision": 6}, [1 / 3, 2 / 3, 10.5]),
    ({"precision": 3, "sci_mode": True}, [1 / 3, 250.0]),
    ({"precision": 2, "sci_mode": True}, [1e-5, 1.0]),
    ({"precision": 4, "sci_mode": False}, [1e-5, 123.0]),
    ({"profile": "short"}, [1 / 3, 2 / 3]),
]


@pytest.mark.parametrize("options, values", PRINT_CASES)
def test_printoptions_show_torchs_numbers(print_options, options, values):
    tg.set_printoptions(**options)
    torch.set_printoptions(**options)
    ours, theirs = str(tg.tensor(values, dtype=tg.float64)), str(torch.tensor(values, dtype=torch.float64))
    assert numbers(ours) == numbers(theirs), (ours, theirs)


def test_precision_changes_what_print_shows(print_options, capsys):
    t = tg.tensor([1 / 3, 2 / 3])
    print(t)
    tg.set_printoptions(precision=2)
    print(t)
    default, two = capsys.readouterr().out.splitlines()
    assert "0.33333334" in default
    assert two == "tensor([0.33, 0.67], dtype=float32)"


def test_summary_options_show_torchs_items(print_options):
    tg.set_printoptions(threshold=5, edgeitems=2)
    torch.set_printoptions(threshold=5, edgeitems=2)
    ours, theirs = str(tg.arange(10.0)), str(torch.arange(10.0))
    assert "..." in ours and numbers(ours) == numbers(theirs) == [0.0, 1.0, 8.0, 9.0]
    tg.set_printoptions(profile="full")
    assert "..." not in str(tg.arange(2000.0))


def test_linewidth_wraps_and_numpy_is_left_alone(print_options):
    tg.set_printoptions(linewidth=20)
    assert len(str(tg.arange(10.0)).splitlines()) > 1
    assert len(str(np.arange(10.0)).splitlines()) == 1  # NumPy's own printing is not ours to change


def test_unknown_profile_names_the_choices(print_options):
    with pytest.raises(ValueError, match="unknown profile 'ful'.*default, short, full"):
        tg.set_printoptions(profile="ful")
