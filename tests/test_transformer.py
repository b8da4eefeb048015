"""nn.TransformerDecoderLayer, nn.TransformerDecoder and nn.Transformer against PyTorch from the same weights (random
values copied into both through state_dict, float64): state_dict keys, outputs and the gradients of every input
and parameter, in train mode (dropout=0) and eval mode, for each option and mask. Also float64 gradchecks, the
causal mask, the initialisation and the errors. The parity tests are skipped without torch.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu import nn

# torch's TransformerEncoder says it cannot use its nested-tensor fast path: nothing to do with the comparison
pytestmark = pytest.mark.filterwarnings("ignore:enable_nested_tensor is True")

RNG = np.random.default_rng(0)
T, S = 4, 5  # target and source (memory) lengths; batch 2, d_model 6, 2 heads
CAUSAL = ~np.tril(np.ones((T, T), dtype=bool))  # True above the diagonal: may not attend
TGT_PADDED = np.zeros((2, T), dtype=bool)
TGT_PADDED[1, 3:] = True
MEMORY_PADDED = np.zeros((2, S), dtype=bool)
MEMORY_PADDED[0, 3:] = True
MEMORY_HIDDEN = RNG.random((T, S)) > 0.7
MEMORY_HIDDEN[:, 0] = False  # every query keeps a key: no all-masked row (whose NaN/0 is tested elsewhere)


def _causal_float(lib: Any) -> Any:
    return lib.nn.Transformer.generate_square_subsequent_mask(T, dtype=lib.float64)


# (constructor options, forward options; an entry that is a function of the library builds that library's mask)
DECODER_LAYERS = [
    ({}, {}),
    ({"batch_first": True}, {}),
    ({"norm_first": True, "activation": "gelu"}, {}),
    ({"batch_first": True}, {"tgt_mask": CAUSAL, "tgt_is_causal": True}),
    ({}, {"tgt_mask": _causal_float}),
    ({"batch_first": True, "norm_first": True}, {"tgt_key_padding_mask": TGT_PADDED}),
    ({"batch_first": True}, {"memory_key_padding_mask": MEMORY_PADDED, "memory_mask": MEMORY_HIDDEN}),
    ({}, {"memory_mask": RNG.normal(size=(T, S))}),  # a float mask, added to the scores
    ({"bias": False, "layer_norm_eps": 1e-3}, {"tgt_mask": CAUSAL}),
]


def _options(lib: Any, options: dict) -> dict:
    out = {}
    for key, value in options.items():
        if callable(value):
            out[key] = value(lib)
        elif key.endswith("mask"):
            out[key] = lib.tensor(value)
        else:
            out[key] = value
    return out


def _same_random_weights(ours: Any, theirs: Any, seed: int) -> None:
    """Random values for every parameter (not the init: the LayerNorms' ones and zeros would hide a swap)."""
    torch = pytest.importorskip("torch")
    assert list(ours.state_dict()) == list(theirs.state_dict())
    rng = np.random.default_rng(seed)
    state = {k: rng.uniform(-1, 1, size=np.shape(v)) for k, v in ours.state_dict().items()}
    ours.load_state_dict(state)
    theirs.load_state_dict({k: torch.tensor(v) for k, v in state.items()})


def _compare(ours_out: Any, theirs_out: Any, inputs: list, their_inputs: list, ours: Any, theirs: Any) -> None:
    """Outputs, then the gradients of a random weighting of the outputs for every input and parameter."""
    torch = pytest.importorskip("torch")
    assert ours_out.shape == tuple(theirs_out.shape)
    np.testing.assert_allclose(ours_out.detach().numpy(), theirs_out.detach().numpy(), rtol=1e-10, atol=1e-10)
    g = np.random.default_rng(9).normal(size=ours_out.shape)
    (ours_out * tg.tensor(g)).sum().backward()
    theirs_out.backward(torch.tensor(g))
    for a, b in zip(inputs, their_inputs):
        np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=1e-9, atol=1e-10)
    their_params = dict(theirs.named_parameters())
    assert [n for n, _ in ours.named_parameters()] == list(their_params)
    for name, p in ours.named_parameters():
        np.testing.assert_allclose(p.grad.numpy(), their_params[name].grad.numpy(), rtol=1e-9, atol=1e-10)


def _inputs(batch_first: bool, seed: int) -> tuple[list, list]:
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(seed)
    shapes = [(2, T, 6), (2, S, 6)] if batch_first else [(T, 2, 6), (S, 2, 6)]
    arrays = [rng.normal(size=s) for s in shapes]
    return [tg.tensor(a, requires_grad=True) for a in arrays], [torch.tensor(a, requires_grad=True) for a in arrays]


@pytest.mark.parametrize("train", [True, False], ids=["train", "eval"])
@pytest.mark.parametrize("init_options, options", DECODER_LAYERS)
def test_transformer_decoder_layer_matches_torch(init_options, options, train) -> None:
    torch = pytest.importorskip("torch")
    make = dict(d_model=6, nhead=2, dim_feedforward=10, dropout=0.0, **init_options)
    ours, theirs = nn.TransformerDecoderLayer(**make).double(), torch.nn.TransformerDecoderLayer(**make).double()
    _same_random_weights(ours, theirs, seed=1)
    ours.train(train), theirs.train(train)
    x, px = _inputs(init_options.get("batch_first", False), seed=2)
    _compare(ours(*x, **_options(tg, options)), theirs(*px, **_options(torch, options)), x, px, ours, theirs)


def test_transformer_decoder_layer_takes_unbatched_sequences() -> None:
    torch = pytest.importorskip("torch")
    make = dict(d_model=6, nhead=3, dim_feedforward=8, dropout=0.0)
    ours, theirs = nn.TransformerDecoderLayer(**make).double(), torch.nn.TransformerDecoderLayer(**make).double()
    _same_random_weights(ours, theirs, seed=3)
    rng = np.random.default_rng(4)
    arrays = [rng.normal(size=(T, 6)), rng.normal(size=(S, 6))]
    x = [tg.tensor(a, requires_grad=True) for a in arrays]
    px = [torch.tensor(a, requires_grad=True) for a in arrays]
    mask = {"tgt_mask": CAUSAL, "memory_key_padding_mask": MEMORY_PADDED[0]}
    _compare(ours(*x, **_options(tg, mask)), theirs(*px, **_options(torch, mask)), x, px, ours, theirs)


@pytest.mark.parametrize("train", [True, False], ids=["train", "eval"])
def test_transformer_decoder_stacks_copies_of_the_layer(train) -> None:
    torch = pytest.importorskip("torch")
    make = dict(d_model=6, nhead=2, dim_feedforward=8, dropout=0.0)
    ours = nn.TransformerDecoder(nn.TransformerDecoderLayer(**make), 2, norm=nn.LayerNorm(6)).double()
    theirs = torch.nn.TransformerDecoder(torch.nn.TransformerDecoderLayer(**make), 2, norm=torch.nn.LayerNorm(6))
    theirs = theirs.double()
    _same_random_weights(ours, theirs, seed=5)
    ours.train(train), theirs.train(train)
    assert ours.layers[0].linear1.weight is not ours.layers[1].linear1.weight
    x, px = _inputs(False, seed=6)
    options = {"tgt_mask": _causal_float, "memory_key_padding_mask": MEMORY_PADDED}
    _compare(ours(*x, **_options(tg, options)), theirs(*px, **_options(torch, options)), x, px, ours, theirs)


# (constructor options, forward options)
TRANSFORMERS = [
    ({}, {}),
    ({"batch_first": True}, {"tgt_mask": _causal_float}),
    ({"batch_first": True}, {"tgt_mask": _causal_float, "tgt_is_causal": True}),
    ({"norm_first": True, "activation": "gelu"}, {"tgt_mask": CAUSAL, "src_key_padding_mask": MEMORY_PADDED}),
    (
        {},
        {
            "src_mask": RNG.normal(size=(S, S)),
            "memory_mask": MEMORY_HIDDEN,
            "memory_key_padding_mask": MEMORY_PADDED,
            "tgt_key_padding_mask": TGT_PADDED,
        },
    ),
    ({"bias": False, "num_encoder_layers": 1, "num_decoder_layers": 3}, {}),
]


@pytest.mark.parametrize("train", [True, False], ids=["train", "eval"])
@pytest.mark.parametrize("init_options, options", TRANSFORMERS)
def test_transformer_matches_torch(init_options, options, train) -> None:
    torch = pytest.importorskip("torch")
    make = dict(d_model=6, nhead=2, num_encoder_layers=2, num_decoder_layers=2, dim_feedforward=8, dropout=0.0)
    make.update(init_options)
    ours, theirs = nn.Transformer(**make).double(), torch.nn.Transformer(**make).double()
    _same_random_weights(ours, theirs, seed=7)
    ours.train(train), theirs.train(train)
    batch_first = init_options.get("batch_first", False)
    (tgt, src), (ptgt, psrc) = _inputs(batch_first, seed=8)
    out = ours(src, tgt, **_options(tg, options))
    expected = theirs(psrc, ptgt, **_options(torch, options))
    _compare(out, expected, [src, tgt], [psrc, ptgt], ours, theirs)


def test_transformer_defaults_and_initialisation_are_torchs() -> None:
    """PyTorch's defaults (d_model 512, 8 heads, 6 + 6 layers, 2048 wide) give the same state_dict, and every
    parameter of two or more dims is re-drawn by xavier_uniform_: bound sqrt(6 / (fan_in + fan_out))."""
    torch = pytest.importorskip("torch")
    ours, theirs = nn.Transformer(), torch.nn.Transformer()
    ours_state, their_state = ours.state_dict(), theirs.state_dict()
    assert list(ours_state) == list(their_state)
    for key, value in their_state.items():
        assert ours_state[key].shape == tuple(value.shape) and ours_state[key].dtype == np.float32, key
    assert ours.d_model == 512 and ours.nhead == 8 and not ours.batch_first
    assert ours.encoder.layers[0].dropout.p == 0.1 and ours.decoder.layers[5].norm3.eps == 1e-5
    for key in ("encoder.layers.0.self_attn.out_proj.weight", "decoder.layers.3.linear1.weight"):
        fan_out, fan_in = ours_state[key].shape
        bound = np.sqrt(6 / (fan_in + fan_out))
        assert 0.95 * bound < np.abs(ours_state[key]).max() <= bound, key  # Linear's own init is 1/sqrt(fan_in)
    assert not ours_state["decoder.layers.0.multihead_attn.in_proj_bias"].any()
    assert (ours_state["decoder.norm.weight"] == 1).all()


def test_generate_square_subsequent_mask_is_torchs() -> None:
    torch = pytest.importorskip("torch")
    for size, dtype in [(1, None), (4, None), (5, "float64")]:
        ours = nn.Transformer.generate_square_subsequent_mask(size, dtype=None if dtype is None else tg.float64)
        theirs = torch.nn.Transformer.generate_square_subsequent_mask(
            size, dtype=None if dtype is None else torch.float64
        )
        assert ours.dtype == np.dtype(str(theirs.dtype).removeprefix("torch."))
        assert np.array_equal(ours.numpy(), theirs.numpy())


def test_a_custom_encoder_and_decoder_are_used_as_they_are() -> None:
    encoder, decoder = nn.Identity(), nn.TransformerDecoder(nn.TransformerDecoderLayer(4, 2, 8), 1)
    model = nn.Transformer(d_model=4, nhead=2, custom_encoder=encoder, custom_decoder=decoder)
    assert model.encoder is encoder and model.decoder is decoder
    assert list(model.state_dict()) == ["decoder." + k for k in decoder.state_dict()]


@pytest.mark.parametrize("norm_first", [False, True])
def test_transformer_decoder_layer_gradcheck_in_float64(norm_first: bool) -> None:
    layer = nn.TransformerDecoderLayer(4, 2, 6, dropout=0.0, norm_first=norm_first, activation="gelu").double()
    rng = np.random.default_rng(10)
    tgt = tg.tensor(rng.normal(size=(3, 2, 4)), requires_grad=True)
    memory = tg.tensor(rng.normal(size=(5, 2, 4)), requires_grad=True)
    params = [p for _, p in layer.named_parameters()]
    causal = nn.Transformer.generate_square_subsequent_mask(3, dtype=tg.float64)
    assert tg.gradcheck(
        lambda t, m, *ps: layer(t, m, tgt_mask=causal, memory_key_padding_mask=MEMORY_PADDED), [tgt, memory, *params]
    )


def test_transformer_gradcheck_in_float64() -> None:
    model = nn.Transformer(4, 2, 1, 1, dim_feedforward=6, dropout=0.0, batch_first=True).double()
    rng = np.random.default_rng(11)
    src = tg.tensor(rng.normal(size=(2, 5, 4)), requires_grad=True)
    tgt = tg.tensor(rng.normal(size=(2, 3, 4)), requires_grad=True)
    params = [p for _, p in model.named_parameters()]
    assert tg.gradcheck(lambda s, t, *ps: model(s, t, tgt_mask=CAUSAL[:3, :3]), [src, tgt, *params])


def test_dropout_acts_in_training_only() -> None:
    tg.manual_seed(0)
    model = nn.Transformer(4, 2, 1, 1, dim_feedforward=8, dropout=0.5).double()
    src, tgt = tg.randn(5, 2, 4, dtype=tg.float64), tg.randn(3, 2, 4, dtype=tg.float64)
    first, second = model(src, tgt).detach().numpy(), model(src, tgt).detach().numpy()
    assert not np.allclose(first, second)  # a new dropout mask each call
    model.eval()
    np.testing.assert_array_equal(model(src, tgt).detach().numpy(), model(src, tgt).detach().numpy())


@pytest.mark.parametrize(
    "make, error, message",
    [
        (
            lambda: nn.TransformerDecoderLayer(4, 2, activation="tanh"),
            ValueError,
            "TransformerDecoderLayer: activation",
        ),
        (lambda: nn.TransformerDecoderLayer(6, 4), ValueError, "divisible by num_heads"),
        (lambda: nn.Transformer(4, 2, 1, 1, 8)(tg.ones(5, 2, 4), tg.ones(3, 3, 4)), RuntimeError, "batch number"),
        (lambda: nn.Transformer(4, 2, 1, 1, 8)(tg.ones(5, 2, 4), tg.ones(3, 2, 6)), RuntimeError, "d_model=4"),
        (
            lambda: nn.TransformerDecoder(nn.TransformerDecoderLayer(4, 2, 8), 1)(
                tg.ones(3, 2, 4), tg.ones(5, 2, 4), tgt_is_causal=True
            ),
            ValueError,
            "is_causal",
        ),
    ],
)
def test_errors_say_what_to_do(make, error, message) -> None:
    """Where PyTorch refuses, so do we, naming the layer and what to pass."""
    with pytest.raises(error, match=message):
        make()
