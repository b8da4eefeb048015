"""nn.RNN, nn.LSTM, nn.GRU and their cells against PyTorch 2.13: the same weights (torch's, loaded through
state_dict) give the same outputs, final states and gradients of every parameter, input and initial state, to 1e-10
in float64, for every layer and every layout (layers, directions, batch_first, unbatched, hx given or not).
PyTorch is the oracle; the few tests that do not need it check the initialisation, gradcheck and tg.compile.
"""

from __future__ import annotations

import importlib.util
import math
import re
import subprocess
import sys
import warnings

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu import nn, optim

HAS_TORCH = importlib.util.find_spec("torch") is not None
needs_torch = pytest.mark.skipif(not HAS_TORCH, reason="needs PyTorch to compare with")
if HAS_TORCH:
    import torch

TOL = 1e-10
SEQ, BATCH, IN, HIDDEN = 4, 3, 3, 5

# layer name, its own constructor arguments
LAYERS = [
    ("RNN", {}),
    ("RNN", {"nonlinearity": "relu"}),
    ("LSTM", {}),
    ("LSTM", {"proj_size": 2}),
    ("GRU", {}),
]

# constructor arguments, batched input?, hx given?
LAYOUTS = [
    ({}, True, False),
    ({}, True, True),
    ({"num_layers": 2}, True, True),
    ({"bidirectional": True}, True, False),
    ({"num_layers": 2, "bidirectional": True}, True, True),
    ({"batch_first": True}, True, True),
    ({"batch_first": True, "num_layers": 2}, False, True),
    ({}, False, False),
    ({"num_layers": 2, "bidirectional": True}, False, True),
    ({"bias": False, "num_layers": 2}, True, True),
    ({"num_layers": 2, "dropout": 0.5}, True, False),  # dropout in eval mode (both): no effect
]


def layer_pair(name: str, kwargs: dict, seed: int = 0):
    """A torch layer in float64 and ours with its weights (loaded through state_dict)."""
    torch.manual_seed(seed)
    theirs = getattr(torch.nn, name)(IN, HIDDEN, dtype=torch.float64, **kwargs).eval()
    ours = getattr(nn, name)(IN, HIDDEN, dtype=tg.float64, **kwargs).eval()
    assert list(ours.state_dict()) == list(theirs.state_dict())
    ours.load_state_dict({k: v.numpy() for k, v in theirs.state_dict().items()})
    return ours, theirs


def states_shapes(layer, batch_size: int | None) -> list[tuple[int, ...]]:
    """Shapes of hx (h_0, or h_0 and c_0), from the layer's documented layout; unbatched: batch_size None."""
    directions = 2 if layer.bidirectional else 1
    h = layer.proj_size if getattr(layer, "proj_size", 0) else layer.hidden_size
    batch = () if batch_size is None else (batch_size,)
    shapes = [(layer.num_layers * directions, *batch, h)]
    if isinstance(layer, torch.nn.LSTM):
        shapes.append((layer.num_layers * directions, *batch, layer.hidden_size))
    return shapes


def both(arrays: list[np.ndarray]):
    """The same values as our leaf tensors and torch's, each requiring grad."""
    ours = [tg.tensor(a, requires_grad=True) for a in arrays]
    theirs = [torch.tensor(a, requires_grad=True) for a in arrays]
    return ours, theirs


def flat(result) -> list:
    """(output, h_n) or (output, (h_n, c_n)) as one list of tensors."""
    output, state = result
    return [output, *(state if isinstance(state, tuple) else (state,))]


def assert_close(ours, theirs, what: str) -> None:
    ours = ours.detach().numpy() if hasattr(ours, "detach") else ours
    theirs = theirs.detach().numpy()
    assert ours.shape == theirs.shape, f"{what}: shape {ours.shape} != torch's {theirs.shape}"
    np.testing.assert_allclose(ours, theirs, rtol=0, atol=TOL, err_msg=what)


def compare_forward_backward(ours_layer, theirs_layer, call_ours, call_theirs, arrays, rng) -> None:
    """Run both, compare every result, then backpropagate the same weighted sum of the results and compare the
    gradients of every parameter and every input."""
    ours_in, theirs_in = both(arrays)
    ours_out, theirs_out = call_ours(ours_in), call_theirs(theirs_in)
    assert len(ours_out) == len(theirs_out)
    for i, (a, b) in enumerate(zip(ours_out, theirs_out)):
        assert_close(a, b, f"result {i}")
    weights = [rng.standard_normal(b.shape) for b in theirs_out]
    sum(((a * tg.tensor(w)).sum() for a, w in zip(ours_out, weights)), tg.tensor(0.0, dtype=tg.float64)).backward()
    sum((b * torch.tensor(w)).sum() for b, w in zip(theirs_out, weights)).backward()
    for i, (a, b) in enumerate(zip(ours_in, theirs_in)):
        assert_close(a.grad, b.grad, f"grad of input {i}")
    theirs_params = dict(theirs_layer.named_parameters())
    for name, p in ours_layer.named_parameters():
        assert_close(p.grad, theirs_params[name].grad, f"grad of {name}")


@needs_torch
@pytest.mark.parametrize("layout", LAYOUTS, ids=lambda r: f"{r[0]}-{'batched' if r[1] else 'unbatched'}-hx{r[2]}")
@pytest.mark.parametrize("layer", LAYERS, ids=lambda r: f"{r[0]}{r[1]}")
def test_layer_matches_torch(layer, layout):
    (name, own_kwargs), (kwargs, batched, with_hx) = layer, layout
    ours, theirs = layer_pair(name, {**own_kwargs, **kwargs})
    rng = np.random.default_rng(1)
    shape = (SEQ, IN) if not batched else (BATCH, SEQ, IN) if theirs.batch_first else (SEQ, BATCH, IN)
    arrays = [rng.standard_normal(shape)]
    if with_hx:
        arrays += [rng.standard_normal(s) for s in states_shapes(theirs, BATCH if batched else None)]

    def call(layer):
        def run(inputs):
            x, *hx = inputs
            return flat(layer(x, (hx[0] if len(hx) == 1 else tuple(hx)) if hx else None))

        return run

    compare_forward_backward(ours, theirs, call(ours), call(theirs), arrays, rng)


# name, constructor arguments
CELLS = [
    ("RNNCell", {}),
    ("RNNCell", {"nonlinearity": "relu"}),
    ("RNNCell", {"bias": False}),
    ("LSTMCell", {}),
    ("LSTMCell", {"bias": False}),
    ("GRUCell", {}),
    ("GRUCell", {"bias": False}),
]


@needs_torch
@pytest.mark.parametrize("batched, with_hx", [(True, True), (True, False), (False, True), (False, False)])
@pytest.mark.parametrize("cell", CELLS, ids=lambda r: f"{r[0]}{r[1]}")
def test_cell_matches_torch_over_three_steps(cell, batched, with_hx):
    name, kwargs = cell
    torch.manual_seed(0)
    theirs = getattr(torch.nn, name)(IN, HIDDEN, dtype=torch.float64, **kwargs)
    ours = getattr(nn, name)(IN, HIDDEN, dtype=tg.float64, **kwargs)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    ours.load_state_dict({k: v.numpy() for k, v in theirs.state_dict().items()})
    rng = np.random.default_rng(2)
    batch = (BATCH,) if batched else ()
    lstm = name == "LSTMCell"
    arrays = [rng.standard_normal((3, *batch, IN))]
    if with_hx:
        arrays += [rng.standard_normal((*batch, HIDDEN)) for _ in range(2 if lstm else 1)]

    def call(cell):
        def run(inputs):  # the user's own loop over three steps, each step's state kept
            x, *hx = inputs
            state = (tuple(hx) if lstm else hx[0]) if hx else None
            results = []
            for t in range(3):
                state = cell(x[t], state)
                results += list(state) if lstm else [state]
            return results

        return run

    compare_forward_backward(ours, theirs, call(ours), call(theirs), arrays, rng)


@needs_torch
@pytest.mark.parametrize("name", ["RNN", "LSTM", "GRU"])
def test_dropout_between_layers_in_training(name):
    """dropout=1 zeroes the second layer's whole input in training (deterministic, so comparable with torch):
    the second layer then sees zeros, the first layer's own output is untouched."""
    ours, theirs = layer_pair(name, {"num_layers": 2, "dropout": 1.0})
    ours.train(), theirs.train()
    x = np.random.default_rng(3).standard_normal((SEQ, BATCH, IN))
    ours_out, theirs_out = flat(ours(tg.tensor(x))), flat(theirs(torch.tensor(x)))
    for a, b in zip(ours_out, theirs_out):
        assert_close(a, b, "dropout=1 in training")
    ours.eval()
    assert not np.allclose(flat(ours(tg.tensor(x)))[0].detach().numpy(), ours_out[0].detach().numpy())  # eval


@needs_torch
@pytest.mark.parametrize(
    "name, args, kwargs",
    [
        ("RNN", (3, 4), {}),
        ("RNN", (3, 4, 2), {"nonlinearity": "relu", "bias": False}),
        ("LSTM", (3, 4, 2), {"dropout": 0.5, "bidirectional": True, "proj_size": 2, "batch_first": True}),
        ("GRU", (3, 4), {"bidirectional": True}),
        ("RNNCell", (3, 4), {"nonlinearity": "relu"}),
        ("LSTMCell", (3, 4), {"bias": False}),
        ("GRUCell", (3, 4), {}),
    ],
)
def test_repr_parameters_and_state_dict_as_torch(name, args, kwargs):
    theirs = getattr(torch.nn, name)(*args, **kwargs)
    ours = getattr(nn, name)(*args, **kwargs)
    assert repr(ours) == repr(theirs)
    assert [(k, tuple(p.shape)) for k, p in ours.named_parameters()] == [
        (k, tuple(p.shape)) for k, p in theirs.named_parameters()
    ]
    ours.load_state_dict({k: v.numpy() for k, v in theirs.state_dict().items()})
    if hasattr(theirs, "all_weights"):
        assert [[p.shape for p in ws] for ws in ours.all_weights] == [
            [tuple(p.shape) for p in ws] for ws in theirs.all_weights
        ]


@pytest.mark.parametrize("name", ["RNN", "LSTM", "GRU", "RNNCell", "LSTMCell", "GRUCell"])
def test_initialisation_is_uniform_within_one_over_sqrt_hidden(name):
    tg.manual_seed(0)
    layer = getattr(nn, name)(30, 64)
    bound = 1 / math.sqrt(64)
    values = np.concatenate([p.detach().numpy().ravel() for p in layer.parameters()])
    assert values.min() >= -bound and values.max() < bound
    assert values.min() < -0.99 * bound and values.max() > 0.99 * bound  # fills the interval
    assert abs(values.mean()) < 0.05 * bound and abs(values.std() - bound / math.sqrt(3)) < 0.02 * bound
    assert {p.dtype for p in layer.parameters()} == {np.dtype(np.float32)}  # the default dtype
    tg.manual_seed(0)
    again = getattr(nn, name)(30, 64)
    assert all(np.array_equal(a.data, b.data) for a, b in zip(layer.parameters(), again.parameters()))


def bad_calls():
    """(name, constructor args, input shape, hx shapes or None, PyTorch's message, a phrase of ours)."""
    return [
        ("LSTM", {}, (SEQ, BATCH, IN, 1), None, "Expected input to be 2D or 3D", "Expected input to be 2D or 3D"),
        ("GRU", {}, (SEQ, BATCH, IN + 1), None, "input.size(-1) must be equal to input_size", "Expected 3, got 4"),
        ("RNN", {}, (SEQ, BATCH, IN), [(1, BATCH + 1, HIDDEN)], "Expected hidden size", "Expected hidden size"),
        ("RNN", {}, (SEQ, BATCH, IN), [(BATCH, HIDDEN)], "hx should also be 3-D", "should also be 3-D"),
        ("GRU", {}, (SEQ, IN), [(1, 1, HIDDEN)], "hx should also be 2-D", "should also be 2-D"),
        ("LSTM", {}, (SEQ, BATCH, IN), [(1, BATCH, HIDDEN), (1, BATCH, 2)], "hidden[1] size", "hidden[1] size"),
        (
            "LSTM",
            {"proj_size": 2},
            (SEQ, BATCH, IN),
            [(1, BATCH, HIDDEN), (1, BATCH, HIDDEN)],
            "hidden[0]",
            "(1, 3, 2)",
        ),
        ("LSTM", {}, (SEQ, IN), [(1, HIDDEN), (1, 1, HIDDEN)], "should also be 2-D", "should also be 2-D"),
        ("GRUCell", {}, (BATCH, IN + 2), None, "inconsistent input_size", "got 5 expected 3"),
        ("RNNCell", {}, (BATCH, IN), [(BATCH + 1, HIDDEN)], "batch size", "(4, 5) does not fit: expected (3, 5)"),
        ("LSTMCell", {}, (BATCH, IN), [(BATCH, HIDDEN), (BATCH, 1)], "hidden1", "hidden1 of shape (3, 1)"),
        ("GRUCell", {}, (1, BATCH, IN), None, "Expected input to be 1D or 2D", "Expected input to be 1D or 2D"),
    ]


@needs_torch
@pytest.mark.parametrize("name, kwargs, shape, hx_shapes, theirs_says, ours_says", bad_calls())
def test_shape_errors_where_torch_raises_name_the_layer_and_shapes(
    name, kwargs, shape, hx_shapes, theirs_says, ours_says
):
    ours = getattr(nn, name)(IN, HIDDEN, dtype=tg.float64, **kwargs)
    theirs = getattr(torch.nn, name)(IN, HIDDEN, dtype=torch.float64, **kwargs)
    zeros = [np.zeros(s) for s in hx_shapes or []]
    lstm = "LSTM" in name

    def hx(make):
        return None if hx_shapes is None else tuple(map(make, zeros)) if lstm else make(zeros[0])

    with pytest.raises((RuntimeError, ValueError)) as theirs_error:
        theirs(torch.zeros(shape, dtype=torch.float64), hx(torch.tensor))
    assert theirs_says in str(theirs_error.value)
    with pytest.raises(theirs_error.type) as ours_error:
        ours(tg.zeros(*shape, dtype=tg.float64), hx(tg.tensor))
    assert ours_says in str(ours_error.value) and name in str(ours_error.value)


@needs_torch
@pytest.mark.parametrize(
    "make",
    [
        lambda m: m.RNN(3, 4, nonlinearity="sigmoid"),
        lambda m: m.RNN(3, 4, dropout=1.5),
        lambda m: m.LSTM(3, 0),
        lambda m: m.LSTM(3, 4, proj_size=4),
        lambda m: m.LSTM(3, 4, proj_size=-1),
        lambda m: m.GRU(3, 4, num_layers=0),
        lambda m: m.GRU(3, 4, bias=1),
        lambda m: m.GRU(3.0, 4),
        lambda m: m.GRU(3, 4, proj_size=2),
        lambda m: m.RNN(3, 4, proj_size=1),
    ],
)
def test_constructor_errors_as_torch(make):  # (proj_size on RNN and GRU: torch's ValueError, as the LSTM's)
    with pytest.raises(Exception) as theirs:
        make(torch.nn)
    with pytest.raises((TypeError, ValueError)) as ours:
        make(nn)
    assert ours.type is theirs.type
    assert str(theirs.value).split(":")[0].split(".")[0] in str(ours.value)


@needs_torch
def test_an_unknown_cell_nonlinearity_fails_at_forward_as_torch():
    x = np.zeros((2, 3), dtype=np.float32)
    with pytest.raises(RuntimeError, match="Unknown nonlinearity: gelu"):
        torch.nn.RNNCell(3, 4, nonlinearity="gelu")(torch.tensor(x))
    with pytest.raises(RuntimeError, match="RNNCell: Unknown nonlinearity: gelu"):
        nn.RNNCell(3, 4, nonlinearity="gelu")(tg.tensor(x))


def test_dropout_with_one_layer_warns_as_torch():
    with pytest.warns(UserWarning, match="non-zero dropout expects num_layers greater than 1"):
        nn.LSTM(3, 4, dropout=0.2)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        nn.LSTM(3, 4, num_layers=2, dropout=0.2)


def test_an_input_of_another_dtype_is_refused_with_both_conversions_named():
    with pytest.raises(ValueError, match=r"LSTM: input dtype \(float64\) does not match weight dtype \(float32\)"):
        nn.LSTM(3, 4)(tg.zeros(2, 1, 3, dtype=tg.float64))
    with pytest.raises(ValueError, match=r"model.to\(float32\)"):
        nn.GRUCell(3, 4, dtype=tg.float64)(tg.zeros(2, 3))


def packed_arrays(rng, lengths, batch_first=False):
    """A padded batch with garbage (not zeros) after each sequence's end: packing must never read it."""
    shape = (len(lengths), max(lengths), IN) if batch_first else (max(lengths), len(lengths), IN)
    return rng.standard_normal(shape) * 100


# lengths, enforce_sorted, batch_first, total_length for pad_packed_sequence
PACKINGS = [
    ([4, 2, 1], True, False, None),
    ([2, 4, 1, 4], False, False, None),
    ([1, 3, 2], False, True, 5),
    ([3], True, True, None),
]


@needs_torch
@pytest.mark.parametrize("lengths, enforce_sorted, batch_first, total_length", PACKINGS)
def test_pack_and_unpack_as_torch(lengths, enforce_sorted, batch_first, total_length):
    rng = np.random.default_rng(6)
    ours_in, theirs_in = both([packed_arrays(rng, lengths, batch_first)])
    kwargs = {"batch_first": batch_first, "enforce_sorted": enforce_sorted}
    ours = nn.utils.rnn.pack_padded_sequence(ours_in[0], lengths, **kwargs)
    theirs = torch.nn.utils.rnn.pack_padded_sequence(theirs_in[0], torch.tensor(lengths), **kwargs)
    assert_close(ours.data, theirs.data, "data")
    assert ours.batch_sizes.tolist() == theirs.batch_sizes.tolist() and ours.batch_sizes.dtype == np.int64
    for a, b in ((ours.sorted_indices, theirs.sorted_indices), (ours.unsorted_indices, theirs.unsorted_indices)):
        assert (a is None and b is None) or a.tolist() == b.tolist()
    unpack = {"batch_first": batch_first, "padding_value": -1.5, "total_length": total_length}
    (ours_padded, ours_lengths) = nn.utils.rnn.pad_packed_sequence(ours, **unpack)
    (theirs_padded, theirs_lengths) = torch.nn.utils.rnn.pad_packed_sequence(theirs, **unpack)
    assert_close(ours_padded, theirs_padded, "padded")
    assert ours_lengths.tolist() == theirs_lengths.tolist() == lengths and ours_lengths.dtype == np.int64
    weights = rng.standard_normal(theirs_padded.shape)
    (ours_padded * tg.tensor(weights)).sum().backward()
    (theirs_padded * torch.tensor(weights)).sum().backward()
    assert_close(ours_in[0].grad, theirs_in[0].grad, "grad through pack and unpack")
    sequences = [rng.standard_normal((n, 2)) for n in lengths]
    ours_seq = nn.utils.rnn.unpack_sequence(nn.utils.rnn.pack_sequence([tg.tensor(a) for a in sequences], False))
    theirs_seq = torch.nn.utils.rnn.unpack_sequence(
        torch.nn.utils.rnn.pack_sequence([torch.tensor(a) for a in sequences], False)
    )
    for a, b in zip(ours_seq, theirs_seq, strict=True):
        assert_close(a, b, "unpack_sequence")


@needs_torch
@pytest.mark.parametrize(
    "lengths, kwargs",
    [
        ([4, 2, 1], {}),
        ([2, 4, 1, 4], {"num_layers": 2, "bidirectional": True}),
        ([1, 3, 2], {"bidirectional": True, "batch_first": True}),
        ([3, 1], {"num_layers": 2, "bias": False}),
    ],
)
@pytest.mark.parametrize("with_hx", [False, True])
@pytest.mark.parametrize("layer", LAYERS, ids=lambda r: f"{r[0]}{r[1]}")
def test_layer_over_a_packed_sequence_matches_torch(layer, lengths, kwargs, with_hx):
    """Each sequence steps exactly its own length: the packed output, h_n (in the batch's own order, every
    sequence's state at its own last step) and all gradients are torch's."""
    (name, own_kwargs) = layer
    ours, theirs = layer_pair(name, {**own_kwargs, **kwargs})
    rng = np.random.default_rng(7)
    batch_first = kwargs.get("batch_first", False)
    arrays = [packed_arrays(rng, lengths, batch_first)]
    if with_hx:
        arrays += [rng.standard_normal(s) for s in states_shapes(theirs, len(lengths))]

    def call(layer, utils):
        def run(inputs):
            x, *hx = inputs
            packed = utils.pack_padded_sequence(x, lengths, batch_first=batch_first, enforce_sorted=False)
            output, state = layer(packed, (hx[0] if len(hx) == 1 else tuple(hx)) if hx else None)
            padded, _ = utils.pad_packed_sequence(output, batch_first=batch_first)
            return flat((padded, state)) + [output.data]

        return run

    compare_forward_backward(ours, theirs, call(ours, nn.utils.rnn), call(theirs, torch.nn.utils.rnn), arrays, rng)


@needs_torch
@pytest.mark.parametrize(
    "call, says",
    [
        (lambda m, x: m.pack_padded_sequence(x, [2, 4, 1]), "must be sorted in decreasing order"),
        (lambda m, x: m.pack_padded_sequence(x, [4, 0, 0], enforce_sorted=False), "greater than 0"),
        (lambda m, x: m.pack_padded_sequence(x, [4, 2]), "Expected `len(lengths)` to be equal to batch_size"),
        (lambda m, x: m.pad_packed_sequence(m.pack_padded_sequence(x, [4, 2, 1]), total_length=3), "total_length"),
    ],
)
def test_packing_errors_as_torch(call, says):
    x = np.zeros((4, 3, 2))
    with pytest.raises((RuntimeError, ValueError)) as theirs:
        call(torch.nn.utils.rnn, torch.tensor(x))
    with pytest.raises(theirs.type, match=re.escape(says)) as ours:
        call(nn.utils.rnn, tg.tensor(x))
    assert says in str(theirs.value)
    assert str(ours.value).startswith(("pack_padded_sequence: ", "pad_packed_sequence: "))  # names the function


@needs_torch
@pytest.mark.parametrize(
    "shapes, kwargs",
    [
        ([(3, 2), (1, 2), (2, 2)], {}),
        ([(3, 2), (1, 2)], {"batch_first": True, "padding_value": -1.0}),
        ([(2,), (4,)], {"padding_side": "left"}),
    ],
)
def test_pad_sequence_as_torch(shapes, kwargs):
    rng = np.random.default_rng(4)
    arrays = [rng.standard_normal(s) for s in shapes]
    ours_in, theirs_in = both(arrays)
    ours = nn.utils.rnn.pad_sequence(ours_in, **kwargs)
    theirs = torch.nn.utils.rnn.pad_sequence(theirs_in, **kwargs)
    assert_close(ours, theirs, "pad_sequence")
    weights = rng.standard_normal(theirs.shape)
    (ours * tg.tensor(weights)).sum().backward()
    (theirs * torch.tensor(weights)).sum().backward()
    for a, b in zip(ours_in, theirs_in):
        assert_close(a.grad, b.grad, "pad_sequence grad")


@pytest.mark.parametrize("name", ["LSTM", "GRU"])
def test_gradcheck_through_time(name):
    """Finite differences agree with backward for the input, the initial state and every parameter."""
    tg.manual_seed(0)
    layer = getattr(nn, name)(2, 3, num_layers=2, bidirectional=True, dtype=tg.float64)
    x = tg.randn(3, 2, 2, dtype=tg.float64, requires_grad=True)
    h0 = tg.randn(4, 2, 3, dtype=tg.float64, requires_grad=True)
    if name == "LSTM":
        c0 = tg.randn(4, 2, 3, dtype=tg.float64, requires_grad=True)
        assert tg.gradcheck(lambda x, h, c: flat(layer(x, (h, c))), [x, h0, c0])
    else:
        assert tg.gradcheck(lambda x, h: flat(layer(x, h)), [x, h0])
    report = tg.check_grads(layer, lambda m, x: sum((t**2).sum() for t in flat(m(x))), x.detach())
    assert report.ok, str(report)


def test_compiled_training_step_equals_eager():
    """An LSTM language-model step traced by tg.compile gives eager mode's losses and weights."""

    class CharLSTM(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.embed = nn.Embedding(7, 4, dtype=tg.float64)
            self.lstm = nn.LSTM(4, 6, num_layers=2, batch_first=True, dtype=tg.float64)
            self.head = nn.Linear(6, 7, dtype=tg.float64)

        def forward(self, idx):
            output, _ = self.lstm(self.embed(idx))
            return self.head(output)

    def make():
        tg.manual_seed(0)
        model = CharLSTM()
        optimizer = optim.Adam(model.parameters(), lr=0.05)

        def step(x, y):
            optimizer.zero_grad()
            loss = nn.functional.cross_entropy(model(x).reshape(-1, 7), y.reshape(-1))
            loss.backward()
            optimizer.step()
            return loss

        return model, step

    rng = np.random.default_rng(5)
    eager_model, eager_step = make()
    compiled_model, step = make()
    compiled_step = tg.compile(step)
    for _ in range(4):
        x = tg.tensor(rng.integers(0, 7, (2, 5)))
        y = tg.tensor(rng.integers(0, 7, (2, 5)))
        np.testing.assert_allclose(compiled_step(x, y).item(), eager_step(x, y).item(), rtol=1e-12)
    for (name, a), b in zip(eager_model.named_parameters(), compiled_model.parameters()):
        np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), rtol=0, atol=1e-12, err_msg=name)
    assert "tanh" in compiled_step.source  # the steps are in the straight-line source, not a call to a layer


def test_as_torch_resolves_the_layers_and_nn_utils_rnn(tmp_path):
    script = tmp_path / "script.py"
    script.write_text(
        "import torch\nfrom torch.nn.utils.rnn import pad_sequence\nimport torch.nn.utils.rnn as rnn_utils\n"
        "print(torch.nn.LSTM.__module__, torch.nn.GRUCell(2, 3), rnn_utils.pad_sequence is pad_sequence)\n"
        "torch.nn.utils.rnn.invert_permutation(None)\n"
    )
    done = subprocess.run(
        [sys.executable, "-m", "tinygrad_edu", "as-torch", str(script)], capture_output=True, text=True, timeout=120
    )
    assert done.stdout == "tinygrad_edu.nn.rnn GRUCell(2, 3) True\n", done.stderr
    assert "tinygrad_edu does not implement torch.nn.utils.rnn.invert_permutation" in done.stderr
