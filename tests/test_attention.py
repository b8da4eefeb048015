"""Attention against PyTorch: F.scaled_dot_product_attention, nn.MultiheadAttention (weights copied from ours into
torch's through state_dict) and nn.TransformerEncoderLayer; outputs, attention weights, and the gradients of every
input and parameter, for each option. Also float64 gradchecks of the layers and the rows that mask everything.
The parity tests are skipped without torch.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu import nn
from tinygrad_edu.nn import functional as F

RNG = np.random.default_rng(0)
SOME_MASKED = RNG.random((4, 6)) > 0.4  # SDPA: True where a query may attend
SOME_MASKED[1] = False  # query 1 may attend to nothing
FLOAT_MASK = RNG.normal(size=(2, 1, 4, 6))
FLOAT_MASK[0, 0, 2] = -np.inf  # a row of -inf: nothing allowed
FLOAT_MASK[1, 0, 1, 3] = -np.inf

# (query, key, value shapes, options; "mask" becomes attn_mask in both libraries)
SDPA = [
    ((2, 3, 4, 5), (2, 3, 6, 5), (2, 3, 6, 7), {}),
    ((4, 5), (6, 5), (6, 7), {"scale": 0.3}),  # no batch dims
    ((2, 3, 4, 5), (2, 3, 6, 5), (2, 3, 6, 7), {"is_causal": True}),
    ((2, 3, 5, 5), (2, 3, 3, 5), (2, 3, 3, 2), {"is_causal": True}),  # L > S: causal is tril of (L, S)
    ((2, 3, 4, 5), (2, 3, 6, 5), (2, 3, 6, 7), {"mask": SOME_MASKED}),
    ((2, 3, 4, 5), (2, 3, 6, 5), (2, 3, 6, 7), {"mask": FLOAT_MASK}),
    ((2, 4, 4, 5), (2, 2, 6, 5), (2, 2, 6, 7), {"enable_gqa": True}),
]


def _mask(lib: Any, options: dict) -> dict:
    options = dict(options)
    if "mask" in options:
        options["attn_mask"] = lib.tensor(options.pop("mask"))
    return options


@pytest.mark.parametrize("q_shape, k_shape, v_shape, options", SDPA)
def test_scaled_dot_product_attention_matches_torch(q_shape, k_shape, v_shape, options) -> None:
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(1)
    arrays = [rng.normal(size=s) for s in (q_shape, k_shape, v_shape)]
    ours = [tg.tensor(a, requires_grad=True) for a in arrays]
    theirs = [torch.tensor(a, requires_grad=True) for a in arrays]
    out = F.scaled_dot_product_attention(*ours, **_mask(tg, options))
    expected = torch.nn.functional.scaled_dot_product_attention(*theirs, **_mask(torch, options))
    assert out.shape == tuple(expected.shape)
    np.testing.assert_allclose(out.detach().numpy(), expected.detach().numpy(), rtol=1e-12, atol=1e-12)
    g = rng.normal(size=out.shape)
    (out * tg.tensor(g)).sum().backward()
    expected.backward(torch.tensor(g))
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=1e-12, atol=1e-12)


def test_a_query_that_may_attend_to_nothing_gets_zeros_not_nan() -> None:
    """PyTorch's safe softmax: the row's weights, its output and the gradients through it are 0."""
    q, k, v = (tg.randn(3, 4, dtype=tg.float64, requires_grad=True) for _ in range(3))
    allowed = np.ones((3, 3), dtype=bool)
    allowed[1] = False
    out = F.scaled_dot_product_attention(q, k, v, attn_mask=allowed)
    out.sum().backward()
    assert np.array_equal(out.detach().numpy()[1], np.zeros(4))
    assert np.array_equal(q.grad.numpy()[1], np.zeros(4))
    assert all(np.isfinite(t.grad.numpy()).all() for t in (q, k, v))


@pytest.mark.parametrize(
    "name, fn, shapes",
    [
        ("sdpa", lambda q, k, v: F.scaled_dot_product_attention(q, k, v), [(2, 3, 4), (2, 5, 4), (2, 5, 3)]),
        ("sdpa causal", lambda q, k, v: F.scaled_dot_product_attention(q, k, v, is_causal=True), [(3, 4)] * 3),
        (
            "sdpa bool mask with an empty row",
            lambda q, k, v: F.scaled_dot_product_attention(q, k, v, attn_mask=SOME_MASKED),
            [(4, 5), (6, 5), (6, 2)],
        ),
        (
            "sdpa float mask (a gradient for the mask too)",
            lambda q, k, v, m: F.scaled_dot_product_attention(q, k, v, attn_mask=m, scale=0.7),
            [(2, 4, 3), (2, 5, 3), (2, 5, 2), (4, 5)],
        ),
    ],
)
def test_scaled_dot_product_attention_gradcheck_in_float64(name, fn, shapes) -> None:
    rng = np.random.default_rng(2)
    inputs = [tg.tensor(rng.normal(size=s), dtype=tg.float64, requires_grad=True) for s in shapes]
    assert tg.gradcheck(fn, inputs)


# ---- nn.MultiheadAttention ----------------------------------------------------------------------------------

PADDED = np.zeros((2, 5), dtype=bool)
PADDED[0, 3:] = True  # the last two keys of sample 0 are padding
SOME_HIDDEN = RNG.random((4, 5)) > 0.7  # MultiheadAttention: True where a query may NOT attend
CAUSAL = ~np.tril(np.ones((4, 4), dtype=bool))
SEQ_FIRST = ((4, 2, 6), (5, 2, 6), (5, 2, 6))  # (L, N, E), (S, N, E), (S, N, E)
SELF = ((2, 4, 6),) * 3  # batch_first self-attention

# (constructor options, forward options, query/key/value shapes)
MHA = [
    ({}, {}, SEQ_FIRST),
    ({"batch_first": True}, {}, ((2, 4, 6), (2, 5, 6), (2, 5, 6))),
    ({}, {"average_attn_weights": False}, SEQ_FIRST),
    ({}, {"need_weights": False}, SEQ_FIRST),
    ({"kdim": 3, "vdim": 5}, {}, ((4, 2, 6), (5, 2, 3), (5, 2, 5))),
    ({"bias": False}, {}, SEQ_FIRST),
    ({}, {"key_padding_mask": PADDED}, SEQ_FIRST),
    ({}, {"key_padding_mask": PADDED, "need_weights": False}, SEQ_FIRST),
    ({}, {"attn_mask": SOME_HIDDEN, "key_padding_mask": PADDED}, SEQ_FIRST),
    ({}, {"attn_mask": RNG.normal(size=(4, 4, 5))}, SEQ_FIRST),  # a float mask per (sample, head)
    ({"batch_first": True}, {"attn_mask": CAUSAL, "is_causal": True}, SELF),
    ({"batch_first": True}, {"attn_mask": CAUSAL, "is_causal": True, "need_weights": False}, SELF),
    ({}, {}, ((4, 6), (5, 6), (5, 6))),  # unbatched
    ({}, {"key_padding_mask": PADDED[0]}, ((4, 6), (5, 6), (5, 6))),
    ({"add_bias_kv": True}, {}, SEQ_FIRST),
    ({"add_zero_attn": True}, {"need_weights": False}, SEQ_FIRST),
    ({"add_bias_kv": True, "add_zero_attn": True}, {"attn_mask": SOME_HIDDEN, "key_padding_mask": PADDED}, SEQ_FIRST),
    (
        {"add_bias_kv": True, "kdim": 3, "vdim": 5},
        {"attn_mask": RNG.normal(size=(4, 4, 5))},
        ((4, 2, 6), (5, 2, 3), (5, 2, 5)),
    ),
]


def _forward_options(lib: Any, options: dict) -> dict:
    return {k: lib.tensor(v) if k.endswith("mask") else v for k, v in options.items()}


@pytest.mark.parametrize("init_options, options, shapes", MHA)
def test_multihead_attention_matches_torch_from_the_same_weights(init_options, options, shapes) -> None:
    torch = pytest.importorskip("torch")
    ours = nn.MultiheadAttention(6, 2, **init_options).double()
    theirs = torch.nn.MultiheadAttention(6, 2, **init_options).double()
    assert list(ours.state_dict()) == list(theirs.state_dict())
    theirs.load_state_dict({k: torch.tensor(v) for k, v in ours.state_dict().items()})
    rng = np.random.default_rng(3)
    arrays = [rng.normal(size=s) for s in shapes]
    x = [tg.tensor(a, requires_grad=True) for a in arrays]
    px = [torch.tensor(a, requires_grad=True) for a in arrays]
    out, weights = ours(*x, **_forward_options(tg, options))
    expected, expected_weights = theirs(*px, **_forward_options(torch, options))
    assert out.shape == tuple(expected.shape)
    np.testing.assert_allclose(out.detach().numpy(), expected.detach().numpy(), rtol=1e-12, atol=1e-12)
    if expected_weights is None:
        assert weights is None
    else:
        assert weights.shape == tuple(expected_weights.shape)
        np.testing.assert_allclose(weights.detach().numpy(), expected_weights.detach().numpy(), rtol=1e-12, atol=1e-12)
    g = rng.normal(size=out.shape)
    (out * tg.tensor(g)).sum().backward()
    expected.backward(torch.tensor(g))
    for a, b in zip(x, px):
        np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=1e-12, atol=1e-12)
    their_params = dict(theirs.named_parameters())
    assert [n for n, _ in ours.named_parameters()] == list(their_params)
    for name, p in ours.named_parameters():
        np.testing.assert_allclose(p.grad.numpy(), their_params[name].grad.numpy(), rtol=1e-11, atol=1e-12)


@pytest.mark.filterwarnings("ignore:invalid value encountered")  # the 0/0 that gives torch's NaN
@pytest.mark.parametrize("need_weights", [True, False])
def test_multihead_attention_with_every_key_padded_is_torchs(need_weights: bool) -> None:
    """PyTorch gives NaN for a sample whose keys are all padding when it returns the weights, 0 when it does not
    (that path is scaled_dot_product_attention's safe softmax); so do we."""
    torch = pytest.importorskip("torch")
    padded = np.zeros((2, 3), dtype=bool)
    padded[1] = True
    ours, theirs = nn.MultiheadAttention(4, 2).double(), torch.nn.MultiheadAttention(4, 2).double()
    theirs.load_state_dict({k: torch.tensor(v) for k, v in ours.state_dict().items()})
    x = np.random.default_rng(4).normal(size=(3, 2, 4))
    out = ours(tg.tensor(x), tg.tensor(x), tg.tensor(x), key_padding_mask=padded, need_weights=need_weights)[0]
    expected = theirs(*(torch.tensor(x),) * 3, key_padding_mask=torch.tensor(padded), need_weights=need_weights)[0]
    np.testing.assert_allclose(out.detach().numpy(), expected.detach().numpy(), rtol=1e-12, atol=1e-12)
    assert np.isnan(out.detach().numpy()[:, 1]).all() == need_weights


def test_multihead_attention_initialisation_is_torchs() -> None:
    """xavier_uniform_ on in_proj_weight (bound sqrt(6 / (E + 3E))), zero biases, out_proj's weight as Linear's."""
    torch = pytest.importorskip("torch")
    ours, theirs = nn.MultiheadAttention(16, 4), torch.nn.MultiheadAttention(16, 4)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    for key, value in theirs.state_dict().items():
        a, b = np.asarray(ours.state_dict()[key]), value.numpy()
        assert a.shape == b.shape and a.dtype == b.dtype
        if key.endswith("bias"):
            assert not a.any() and not b.any()
    bound = np.sqrt(6 / (16 + 48))
    assert 0.95 * bound < np.abs(np.asarray(ours.state_dict()["in_proj_weight"])).max() <= bound
    assert np.abs(np.asarray(ours.state_dict()["out_proj.weight"])).max() <= 1 / np.sqrt(16)
    # add_bias_kv: bias_k and bias_v (1, 1, E) from xavier_normal_, std sqrt(2 / (E + E))
    ours = nn.MultiheadAttention(400, 4, add_bias_kv=True, kdim=3)
    theirs = torch.nn.MultiheadAttention(400, 4, add_bias_kv=True, kdim=3)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    for name in ("bias_k", "bias_v"):
        assert ours.state_dict()[name].shape == (1, 1, 400)
        assert np.std(ours.state_dict()[name]) == pytest.approx(np.sqrt(2 / 800), rel=0.2)


@pytest.mark.parametrize("options", [{}, {"key_padding_mask": PADDED}, {"attn_mask": SOME_HIDDEN}])
def test_multihead_attention_gradcheck_in_float64(options) -> None:
    mha = nn.MultiheadAttention(4, 2, kdim=3).double()
    rng = np.random.default_rng(5)
    q, k = tg.tensor(rng.normal(size=(4, 2, 4)), requires_grad=True), tg.tensor(rng.normal(size=(5, 2, 3)))
    params = [p for _, p in mha.named_parameters()]
    assert tg.gradcheck(lambda q, *ps: mha(q, k, q[:, :, :4].sum(0).expand(5, 2, 4), **options)[0], [q, *params])


def test_multihead_attention_dropout_drops_weights_in_training_only() -> None:
    """In training each weight is 0 or scaled by 1 / (1 - p) = 2, from the library's generator; in eval none is."""
    tg.manual_seed(0)
    mha = nn.MultiheadAttention(4, 1, dropout=0.5).double()
    x = tg.randn(6, 1, 4, dtype=tg.float64)
    dropped = mha(x, x, x)[1].detach().numpy()
    kept = mha.eval()(x, x, x)[1].detach().numpy()
    np.testing.assert_allclose(kept.sum(-1), 1.0, rtol=1e-12)
    zero = dropped == 0
    assert 0 < zero.sum() < zero.size
    np.testing.assert_allclose(dropped[~zero], 2 * kept[~zero], rtol=1e-12)


# ---- nn.TransformerEncoderLayer ---------------------------------------------------------------------------

ENCODERS = [
    ({}, {}),
    ({"batch_first": True}, {}),
    ({"norm_first": True, "activation": "gelu"}, {}),
    ({"batch_first": True, "norm_first": True}, {"src_key_padding_mask": PADDED[:, :4]}),
    ({"batch_first": True}, {"src_mask": CAUSAL, "is_causal": True}),
    ({"bias": False, "layer_norm_eps": 1e-3}, {}),
]


@pytest.mark.parametrize("train", [True, False], ids=["train", "eval"])
@pytest.mark.parametrize("init_options, options", ENCODERS)
def test_transformer_encoder_layer_matches_torch(init_options, options, train) -> None:
    torch = pytest.importorskip("torch")
    make = dict(d_model=6, nhead=2, dim_feedforward=10, dropout=0.0, **init_options)
    ours, theirs = nn.TransformerEncoderLayer(**make).double(), torch.nn.TransformerEncoderLayer(**make).double()
    assert list(ours.state_dict()) == list(theirs.state_dict())
    rng = np.random.default_rng(6)
    # random values for every parameter (not the init: the LayerNorms' ones and zeros would hide a swap)
    state = {k: rng.uniform(-1, 1, size=np.shape(v)) for k, v in ours.state_dict().items()}
    ours.load_state_dict(state)
    theirs.load_state_dict({k: torch.tensor(v) for k, v in state.items()})
    ours.train(train), theirs.train(train)
    x = rng.normal(size=(2, 4, 6))
    tx, px = tg.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    out, expected = ours(tx, **_forward_options(tg, options)), theirs(px, **_forward_options(torch, options))
    np.testing.assert_allclose(out.detach().numpy(), expected.detach().numpy(), rtol=1e-10, atol=1e-10)
    out.sum().backward()
    expected.sum().backward()
    np.testing.assert_allclose(tx.grad.numpy(), px.grad.numpy(), rtol=1e-10, atol=1e-10)
    their_params = dict(theirs.named_parameters())
    for name, p in ours.named_parameters():
        np.testing.assert_allclose(p.grad.numpy(), their_params[name].grad.numpy(), rtol=1e-9, atol=1e-10)


def test_transformer_encoder_stacks_copies_of_the_layer() -> None:
    torch = pytest.importorskip("torch")
    make = dict(d_model=4, nhead=2, dim_feedforward=8, dropout=0.0)
    ours = nn.TransformerEncoder(nn.TransformerEncoderLayer(**make), 2, norm=nn.LayerNorm(4)).double()
    theirs = torch.nn.TransformerEncoder(torch.nn.TransformerEncoderLayer(**make), 2, norm=torch.nn.LayerNorm(4))
    theirs = theirs.double()
    assert list(ours.state_dict()) == list(theirs.state_dict())
    theirs.load_state_dict({k: torch.tensor(v) for k, v in ours.state_dict().items()})
    x = np.random.default_rng(7).normal(size=(3, 2, 4))
    np.testing.assert_allclose(
        ours(tg.tensor(x)).detach().numpy(), theirs(torch.tensor(x)).detach().numpy(), rtol=1e-10, atol=1e-10
    )
    assert ours.layers[0].linear1.weight is not ours.layers[1].linear1.weight


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda: nn.MultiheadAttention(6, 4), "divisible by num_heads"),
        (
            lambda: nn.MultiheadAttention(4, 2)(tg.ones(3, 2, 4), tg.ones(3, 2, 4), tg.ones(3, 2, 4), is_causal=True),
            "is_causal",
        ),
        (lambda: nn.MultiheadAttention(4, 2)(tg.ones(3, 2, 5), tg.ones(3, 2, 5), tg.ones(3, 2, 5)), "embed_dim=4"),
        (lambda: F.scaled_dot_product_attention(tg.ones(2, 3), tg.ones(4, 2), tg.ones(4, 3)), "do not fit"),
        (
            lambda: F.scaled_dot_product_attention(
                tg.ones(2, 3), tg.ones(2, 3), tg.ones(2, 3), np.ones((2, 2), bool), is_causal=True
            ),
            "not both",
        ),
        (lambda: nn.TransformerEncoderLayer(4, 2, activation="tanh"), "activation"),
    ],
)
def test_errors_say_what_to_do(make, message) -> None:
    with pytest.raises((ValueError, NotImplementedError)) as caught:
        make()
    assert message in str(caught.value)


def _error_class(call: Any) -> type[BaseException]:
    try:
        call()
    except Exception as error:  # the class is what is compared
        return type(error)
    raise AssertionError("expected an error")


# (what is called, with the library as `lib` and `fn` its functional module): each raises a RuntimeError in torch
ATTENTION_RUNTIME_ERRORS = {
    "sdpa with a mask and is_causal": lambda lib, fn: fn.scaled_dot_product_attention(
        lib.ones(2, 3, 4), lib.ones(2, 3, 4), lib.ones(2, 3, 4), attn_mask=lib.ones(3, 3).bool(), is_causal=True
    ),
    "sdpa with query and key of other widths": lambda lib, fn: fn.scaled_dot_product_attention(
        lib.ones(2, 3, 4), lib.ones(2, 3, 5), lib.ones(2, 3, 4)
    ),
    "MultiheadAttention is_causal without a mask": lambda lib, fn: lib.nn.MultiheadAttention(4, 2)(
        lib.ones(3, 2, 4), lib.ones(3, 2, 4), lib.ones(3, 2, 4), is_causal=True
    ),
    "an unknown activation": lambda lib, fn: lib.nn.TransformerEncoderLayer(4, 2, activation="foo"),
}


@pytest.mark.parametrize("call", ATTENTION_RUNTIME_ERRORS.values(), ids=ATTENTION_RUNTIME_ERRORS.keys())
def test_attention_errors_are_runtime_errors_as_in_torch(call: Any) -> None:
    torch = pytest.importorskip("torch")
    assert issubclass(_error_class(lambda: call(torch, torch.nn.functional)), RuntimeError)
    assert issubclass(_error_class(lambda: call(tg, F)), RuntimeError)
