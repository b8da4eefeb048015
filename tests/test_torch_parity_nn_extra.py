"""The nn.functional functions and nn modules of the nn-extra block (distances, padding layers, shrinks, shuffles,
instance/RMS/local response norm, fold/unfold, unpooling, lp pooling, bilinear, the margin losses) against PyTorch.

Each row of CALLS is one call written once, `fn(lib, F, *inputs)`, run on the same float64 inputs under both
libraries: values must agree, and so must the gradient of sum(out * R) for a fixed random R with respect to
every input. The module tests compare repr, state_dict keys, shapes and dtypes, and outputs with the same
weights loaded into both; the error tests check that we refuse what PyTorch refuses, with its exception type.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu import nn as tnn
from tinygrad_edu.nn import functional as TF

torch = pytest.importorskip("torch")
TORCH_F = torch.nn.functional


class Call(NamedTuple):
    name: str
    fn: Callable[..., Any]
    shapes: tuple[tuple[int, ...], ...]
    positive: bool = False  # inputs in [0.5, 2] rather than +-[0.3, 1.7]


def const(lib: Any, value: Any) -> Any:
    """A constant (target) tensor of `lib`, from a list or ndarray."""
    array = np.asarray(value)
    return tg.tensor(array) if lib is tg else torch.tensor(array)


def lib_nn(lib: Any) -> Any:
    return tnn if lib is tg else torch.nn


SIGNS = [1, -1, -1, 1, 1]
CLASSES = [3, 0, 1, 3, 2]
LABELS = [[3, 0, -1, 1], [1, 2, 0, 3], [-1, 0, 1, 2], [2, -1, 0, 0], [0, 0, 3, -1]]
CLASS_WEIGHT = [0.5, 1.0, 2.0, 1.5]

CALLS = [
    Call("normalize p=2 dim=1", lambda L, F, x: F.normalize(x), ((3, 4),)),
    Call("normalize p=1 dim=-1", lambda L, F, x: F.normalize(x, p=1.0, dim=-1), ((2, 3, 4),)),
    Call("normalize p=3 dim=0 eps", lambda L, F, x: F.normalize(x, 3.0, 0, eps=0.5), ((3, 4),)),
    Call("cosine_similarity", lambda L, F, a, b: F.cosine_similarity(a, b), ((3, 4), (3, 4))),
    Call("cosine_similarity broadcast", lambda L, F, a, b: F.cosine_similarity(a, b, dim=-1), ((3, 4), (4,))),
    Call("cosine_similarity 3-d dim=1", lambda L, F, a, b: F.cosine_similarity(a, b, 1, 1e-3), ((2, 3, 4), (2, 1, 4))),
    Call("pairwise_distance", lambda L, F, a, b: F.pairwise_distance(a, b), ((3, 4), (3, 4))),
    Call(
        "pairwise_distance p=1 keepdim", lambda L, F, a, b: F.pairwise_distance(a, b, 1.0, keepdim=True), ((3, 4), (4,))
    ),
    Call("pairwise_distance p=3 1-d", lambda L, F, a, b: F.pairwise_distance(a, b, 3.0, 0.1), ((4,), (4,))),
    Call("pairwise_distance p=inf", lambda L, F, a, b: F.pairwise_distance(a, b, float("inf")), ((3, 4), (3, 4))),
    Call("pdist", lambda L, F, x: F.pdist(x), ((5, 3),)),
    Call("pdist p=1, p=3", lambda L, F, x: F.pdist(x, 1.0) + F.pdist(x, 3.0), ((4, 3),)),
    Call("glu", lambda L, F, x: F.glu(x), ((3, 4),)),
    Call("glu dim=1", lambda L, F, x: F.glu(x, 1), ((2, 6, 3),)),
    Call("softshrink", lambda L, F, x: F.softshrink(x, 0.25), ((3, 4),)),
    Call("hardshrink", lambda L, F, x: F.hardshrink(x) + F.hardshrink(x, 1.0), ((3, 4),)),
    Call("tanhshrink", lambda L, F, x: F.tanhshrink(x), ((3, 4),)),
    Call("rrelu eval", lambda L, F, x: F.rrelu(x, 0.1, 0.4), ((3, 4),)),
    Call("pixel_shuffle", lambda L, F, x: F.pixel_shuffle(x, 2), ((2, 8, 3, 2),)),
    Call("pixel_shuffle unbatched r=3", lambda L, F, x: F.pixel_shuffle(x, 3), ((9, 2, 1),)),
    Call("pixel_unshuffle", lambda L, F, x: F.pixel_unshuffle(x, 2), ((2, 2, 4, 6),)),
    Call("pixel_unshuffle 5-d", lambda L, F, x: F.pixel_unshuffle(x, 2), ((2, 1, 3, 2, 4),)),
    Call("channel_shuffle", lambda L, F, x: F.channel_shuffle(x, 3), ((2, 6, 3),)),
    Call("channel_shuffle 4-d", lambda L, F, x: F.channel_shuffle(x, 2), ((1, 4, 2, 3),)),
    Call("softmax2d", lambda L, F, x: lib_nn(L).Softmax2d()(x), ((2, 3, 2, 2),)),
    Call("instance_norm", lambda L, F, x: F.instance_norm(x), ((2, 3, 5),)),
    Call(
        "instance_norm affine", lambda L, F, x, w, b: F.instance_norm(x, weight=w, bias=b), ((2, 3, 2, 3), (3,), (3,))
    ),
    Call("rms_norm", lambda L, F, x, w: F.rms_norm(x, (3, 4), w), ((2, 3, 4), (3, 4))),
    Call("rms_norm eps", lambda L, F, x: F.rms_norm(x, [4], eps=0.1), ((3, 4),)),
    Call("local_response_norm size 3", lambda L, F, x: F.local_response_norm(x, 3, 0.5, 0.75, 1.0), ((2, 5, 3),)),
    Call("local_response_norm size 2 4-d", lambda L, F, x: F.local_response_norm(x, 2, 0.3, 1.2, 2.0), ((2, 4, 3, 2),)),
    Call("local_response_norm 5-d", lambda L, F, x: F.local_response_norm(x, 4, 1.0, 0.5), ((1, 5, 2, 2, 2),)),
    Call("unfold", lambda L, F, x: F.unfold(x, 2), ((2, 3, 4, 5),)),
    Call(
        "unfold dilation padding stride",
        lambda L, F, x: F.unfold(x, (2, 3), dilation=(1, 2), padding=1, stride=(2, 1)),
        ((2, 2, 5, 6),),
    ),
    Call("unfold unbatched", lambda L, F, x: F.unfold(x, 3, padding=(0, 1)), ((2, 4, 4),)),
    Call("fold", lambda L, F, x: F.fold(x, (4, 5), 2), ((2, 12, 12),)),
    Call(
        "fold dilation padding stride",
        lambda L, F, x: F.fold(x, (5, 6), (2, 3), dilation=(1, 2), padding=1, stride=(2, 1)),
        ((2, 12, 12),),
    ),
    Call("fold unbatched", lambda L, F, x: F.fold(x, (3, 3), 2, stride=1), ((8, 4),)),
    Call(
        "max_unpool2d of max_pool2d_with_indices",
        lambda L, F, x: F.max_unpool2d(*F.max_pool2d_with_indices(x, 2), 2),
        ((2, 3, 4, 6),),
    ),
    Call(
        "max_unpool2d stride padding output_size",
        lambda L, F, x: F.max_unpool2d(*F.max_pool2d(x, 3, 2, 1, return_indices=True), 3, 2, 1, output_size=(5, 7)),
        ((1, 2, 5, 7),),
    ),
    Call(
        "max_unpool1d of max_pool1d_with_indices",
        lambda L, F, x: F.max_unpool1d(*F.max_pool1d_with_indices(x, 2), 2),
        ((2, 3, 6),),
    ),
    Call("lp_pool1d p=2", lambda L, F, x: F.lp_pool1d(x, 2, 3, stride=2), ((2, 3, 7),)),
    Call("lp_pool2d p=3", lambda L, F, x: F.lp_pool2d(x, 3, (2, 3)), ((2, 2, 4, 6),), positive=True),
    Call("lp_pool2d p=1.5 ceil_mode", lambda L, F, x: F.lp_pool2d(x, 1.5, 2, 2, True), ((1, 2, 5, 5),), positive=True),
    Call("bilinear", lambda L, F, a, b, w, c: F.bilinear(a, b, w, c), ((5, 3), (5, 2), (4, 3, 2), (4,))),
    Call("bilinear batch dims no bias", lambda L, F, a, b, w: F.bilinear(a, b, w), ((2, 3, 3), (2, 3, 2), (4, 3, 2))),
    Call(
        "hinge_embedding_loss",
        lambda L, F, x: (
            F.hinge_embedding_loss(x, const(L, SIGNS[:4] * 3).reshape(3, 4).double(), margin=0.8)
            + F.hinge_embedding_loss(x, const(L, SIGNS[:4] * 3).reshape(3, 4), reduction="sum")
        ),
        ((3, 4),),
    ),
    Call(
        "hinge_embedding_loss none",
        lambda L, F, x: F.hinge_embedding_loss(x, const(L, [[1.0, -1.0, 1.0, -1.0]]), reduction="none"),
        ((3, 4),),
    ),
    Call(
        "soft_margin_loss", lambda L, F, x: F.soft_margin_loss(x * 4, const(L, np.ones((5, 1)) * SIGNS[0])), ((5, 1),)
    ),
    Call(
        "soft_margin_loss none, sum",
        lambda L, F, x: (
            F.soft_margin_loss(x, const(L, np.array(SIGNS, dtype=np.float64)), reduction="none") * 2
            + F.soft_margin_loss(x, const(L, np.array(SIGNS, dtype=np.float64)), reduction="sum")
        ),
        ((5,),),
    ),
    Call("multi_margin_loss", lambda L, F, x: F.multi_margin_loss(x, const(L, CLASSES)), ((5, 4),)),
    Call(
        "multi_margin_loss p=2 margin weight none",
        lambda L, F, x: F.multi_margin_loss(
            x, const(L, CLASSES), p=2, margin=0.7, weight=const(L, CLASS_WEIGHT), reduction="none"
        ),
        ((5, 4),),
    ),
    Call("multi_margin_loss 1-d", lambda L, F, x: F.multi_margin_loss(x, const(L, 2), reduction="sum"), ((4,),)),
    Call("multilabel_margin_loss", lambda L, F, x: F.multilabel_margin_loss(x, const(L, LABELS)), ((5, 4),)),
    Call(
        "multilabel_margin_loss none, 1-d",
        lambda L, F, x: (
            F.multilabel_margin_loss(x, const(L, LABELS), reduction="none")
            + F.multilabel_margin_loss(x[0], const(L, LABELS[2]))
        ),
        ((5, 4),),
    ),
    Call("triplet_margin_loss", lambda L, F, a, p, n: F.triplet_margin_loss(a, p, n), ((5, 3), (5, 3), (5, 3))),
    Call(
        "triplet_margin_loss p=1 swap margin none",
        lambda L, F, a, p, n: F.triplet_margin_loss(a, p, n, 2.0, 1, swap=True, reduction="none"),
        ((5, 3), (5, 3), (5, 3)),
    ),
    Call(
        "triplet_margin_with_distance_loss cosine swap",
        lambda L, F, a, p, n: F.triplet_margin_with_distance_loss(
            a, p, n, distance_function=lambda u, v: 1 - F.cosine_similarity(u, v), margin=0.5, swap=True
        ),
        ((5, 3), (5, 3), (5, 3)),
    ),
    Call(
        "triplet_margin_with_distance_loss default",
        lambda L, F, a, p, n: F.triplet_margin_with_distance_loss(a, p, n, reduction="sum"),
        ((5, 3), (5, 3), (5, 3)),
    ),
]

PAD_CASES = [  # (module name, constructor arguments, input shape)
    ("ZeroPad1d", (2,), (2, 3, 4)),
    ("ZeroPad2d", ((1, 0, 2, 1),), (2, 3, 3)),
    ("ZeroPad3d", (1,), (1, 2, 2, 2, 3)),
    ("ConstantPad1d", ((1, 3), 2.5), (3, 4)),
    ("ConstantPad2d", (1, -1.0), (1, 2, 3, 3)),
    ("ConstantPad3d", ((1, 0, 0, 2, 1, 1), 0.5), (2, 2, 2, 3)),
    ("ReflectionPad1d", ((2, 1),), (2, 3, 4)),
    ("ReflectionPad2d", (2,), (1, 2, 3, 4)),
    ("ReflectionPad3d", ((1, 0, 1, 2, 0, 1),), (1, 2, 3, 3, 3)),
    ("ReplicationPad1d", (3,), (2, 3, 4)),
    ("ReplicationPad2d", ((0, 2, 1, 3),), (2, 3, 3)),
    ("ReplicationPad3d", (1,), (1, 1, 2, 3, 2)),
    ("CircularPad1d", ((1, 2),), (2, 3, 4)),
    ("CircularPad2d", (1,), (1, 2, 3, 3)),
    ("CircularPad3d", ((1, 1, 0, 2, 1, 0),), (1, 2, 2, 3, 3)),
]
for _name, _args, _shape in PAD_CASES:
    CALLS.append(Call(_name, lambda L, F, x, n=_name, a=_args: getattr(lib_nn(L), n)(*a)(x), (_shape,)))


def draw(shape: tuple[int, ...], positive: bool, rng: np.random.Generator) -> np.ndarray:
    if positive:
        return rng.uniform(0.5, 2.0, size=shape)
    return rng.uniform(0.3, 1.7, size=shape) * rng.choice([-1.0, 1.0], size=shape)


def run(lib: Any, call: Call, arrays: list[np.ndarray], weights: np.ndarray | None) -> tuple[np.ndarray, list]:
    """(the output's values, each input's gradient of sum(out * weights)) under lib."""
    F = TF if lib is tg else TORCH_F
    inputs = [(tg.tensor if lib is tg else torch.tensor)(a, requires_grad=True) for a in arrays]
    out = call.fn(lib, F, *inputs)
    r = np.ones(tuple(out.shape)) if weights is None else weights
    (out * (tg.tensor(r) if lib is tg else torch.tensor(r))).sum().backward()
    grads = [None if t.grad is None else np.asarray(t.grad.numpy()) for t in inputs]
    return np.asarray(out.detach().numpy()), grads


@pytest.mark.parametrize("call", CALLS, ids=[c.name for c in CALLS])
def test_values_and_gradients_match_torch(call: Call) -> None:
    rng = np.random.default_rng(0)
    arrays = [draw(s, call.positive, rng) for s in call.shapes]
    theirs, their_grads = run(torch, call, arrays, None)
    weights = rng.uniform(-1.0, 1.0, size=theirs.shape)
    theirs, their_grads = run(torch, call, arrays, weights)
    ours, our_grads = run(tg, call, arrays, weights)
    assert ours.shape == theirs.shape
    np.testing.assert_allclose(ours, theirs, rtol=1e-10, atol=1e-12)
    for ours_g, theirs_g in zip(our_grads, their_grads):
        assert (ours_g is None) == (theirs_g is None)
        if theirs_g is not None:
            np.testing.assert_allclose(ours_g, theirs_g, rtol=1e-9, atol=1e-12)


def test_max_pool_with_indices_gives_torchs_indices() -> None:
    x = np.random.default_rng(1).standard_normal((2, 3, 5, 7))
    for ours_fn, theirs_fn, args in (
        (TF.max_pool2d_with_indices, TORCH_F.max_pool2d_with_indices, (3, 2, 1)),
        (TF.max_pool1d_with_indices, TORCH_F.max_pool1d_with_indices, (2,)),
    ):
        data = x if ours_fn is TF.max_pool2d_with_indices else x[0]
        ours = ours_fn(tg.tensor(data), *args)
        theirs = theirs_fn(torch.tensor(data), *args)
        np.testing.assert_array_equal(ours[1].numpy(), theirs[1].numpy())
        np.testing.assert_allclose(ours[0].numpy(), theirs[0].numpy())


def test_top_level_names_match_torchs_signatures() -> None:
    rng = np.random.default_rng(2)
    a, b, c = (rng.standard_normal((4, 6)) for _ in range(3))
    w = rng.standard_normal((2, 6, 6))
    x4 = rng.standard_normal((2, 8, 2, 3))
    scale = rng.standard_normal(8)
    t = np.array([1.0, -1.0, 1.0, -1.0])
    pairs = [
        (lambda L, T: L.cosine_similarity(T(a), T(b), 0, 1e-8)),
        (lambda L, T: L.pairwise_distance(T(a), T(b), 1.0, 1e-6, True)),
        (lambda L, T: L.pdist(T(a), 3.0)),
        (lambda L, T: L.pixel_shuffle(T(x4), 2)),
        (lambda L, T: L.pixel_unshuffle(T(x4), 1)),
        (lambda L, T: L.channel_shuffle(T(x4), 4)),
        (lambda L, T: L.instance_norm(T(x4), T(scale), None, None, None, True, 0.1, 1e-5, False)),
        (lambda L, T: L.rrelu(T(a), 0.2, 0.3)),
        (lambda L, T: L.hardshrink(T(a), 0.7)),
        (lambda L, T: L.bilinear(T(a), T(b), T(w), None)),
        (lambda L, T: L.alpha_dropout(T(a), 0.5, False)),
        (lambda L, T: L.feature_alpha_dropout(T(a), 0.5, False)),
        (lambda L, T: L.rms_norm(T(a), (6,), None, 1e-3)),
        (lambda L, T: L.hinge_embedding_loss(T(a[:, 0]), T(t), 0.5, 0)),
        (lambda L, T: L.hinge_embedding_loss(T(a[:, 0]), T(t))),
        (lambda L, T: L.triplet_margin_loss(T(a), T(b), T(c), 1.5, 1.0, 1e-6, True, 2)),
        (lambda L, T: L.triplet_margin_loss(T(a), T(b), T(c))),
        (lambda L, T: L.hinge_embedding_loss(T(a[:, 0]), T(t), 1.0, 1)),
    ]
    for i, fn in enumerate(pairs):
        ours = fn(tg, tg.tensor).numpy()
        theirs = fn(torch, torch.tensor).numpy()
        assert ours.shape == theirs.shape, i
        np.testing.assert_allclose(ours, theirs, rtol=1e-10, atol=1e-12)


# ---- modules: constructor arguments, repr, state_dict, and the same weights giving the same outputs -------------

MODULES = [  # (name, constructor args, constructor kwargs, input shapes (float64) or None for no forward)
    ("CosineSimilarity", (0,), {"eps": 1e-6}, [(3, 4), (3, 4)]),
    ("PairwiseDistance", (1.0,), {"keepdim": True}, [(3, 4), (3, 4)]),
    ("GLU", (1,), {}, [(2, 4)]),
    ("Softshrink", (0.3,), {}, [(2, 4)]),
    ("Hardshrink", (), {}, [(2, 4)]),
    ("Tanhshrink", (), {}, [(2, 4)]),
    ("Softmax2d", (), {}, [(3, 2, 2)]),
    ("RReLU", (0.2, 0.4), {"inplace": True}, None),
    ("PixelShuffle", (2,), {}, [(1, 4, 2, 2)]),
    ("PixelUnshuffle", (2,), {}, [(1, 1, 2, 4)]),
    ("ChannelShuffle", (2,), {}, [(1, 4, 2)]),
    ("InstanceNorm1d", (3,), {}, [(2, 3, 4)]),
    ("InstanceNorm1d", (3,), {"affine": True}, [(3, 4)]),
    ("InstanceNorm1d", (3,), {"affine": True, "bias": False}, [(2, 3, 4)]),
    ("InstanceNorm2d", (3,), {"affine": True, "track_running_stats": True, "momentum": 0.3}, [(2, 3, 2, 2)]),
    ("InstanceNorm3d", (2,), {"eps": 1e-3, "track_running_stats": True}, [(2, 2, 2, 2, 2)]),
    ("RMSNorm", ((3, 4),), {}, [(2, 3, 4)]),
    ("RMSNorm", (4,), {"eps": 1e-4, "elementwise_affine": False}, [(2, 4)]),
    ("LocalResponseNorm", (3,), {"alpha": 0.1, "beta": 0.5, "k": 2.0}, [(2, 4, 3)]),
    ("Unfold", ((2, 3),), {"dilation": 1, "padding": (1, 0), "stride": 2}, [(1, 2, 5, 5)]),
    ("Fold", ((4, 5), 2), {"stride": 1}, [(2, 8, 12)]),
    ("MaxUnpool1d", (2,), {}, None),
    ("MaxUnpool2d", (3,), {"stride": 2, "padding": 1}, None),
    ("LPPool1d", (2, 3), {"stride": 2}, [(1, 2, 7)]),
    ("LPPool2d", (1.5, 2), {"ceil_mode": True}, None),
    ("AlphaDropout", (0.3,), {}, None),
    ("FeatureAlphaDropout", (), {}, None),
    ("Dropout3d", (0.2,), {"inplace": True}, None),
    ("Bilinear", (3, 2, 4), {}, [(5, 3), (5, 2)]),
    ("Bilinear", (3, 2, 4), {"bias": False, "dtype": "float64"}, [(5, 3), (5, 2)]),
    ("HingeEmbeddingLoss", (0.5,), {}, None),
    ("SoftMarginLoss", (), {"reduction": "sum"}, None),
    ("MultiMarginLoss", (2, 0.5), {"weight": "CLASS_WEIGHT"}, None),
    ("MultiLabelMarginLoss", (), {}, None),
    ("TripletMarginLoss", (), {"margin": 0.5, "p": 1.0, "swap": True}, [(3, 4), (3, 4), (3, 4)]),
    ("TripletMarginWithDistanceLoss", (), {"margin": 0.5}, [(3, 4), (3, 4), (3, 4)]),
    *[(name, args, {}, None) for name, args, _ in PAD_CASES],
]


def build(lib: Any, name: str, args: tuple, kwargs: dict) -> Any:
    kwargs = dict(kwargs)
    if kwargs.get("dtype") == "float64":
        kwargs["dtype"] = tg.float64 if lib is tg else torch.float64
    if kwargs.get("weight") == "CLASS_WEIGHT":
        kwargs["weight"] = const(lib, CLASS_WEIGHT)
    return getattr(lib_nn(lib), name)(*args, **kwargs)


@pytest.mark.parametrize("name, args, kwargs, shapes", MODULES, ids=[f"{m[0]}-{i}" for i, m in enumerate(MODULES)])
def test_module_matches_torch(name: str, args: tuple, kwargs: dict, shapes: list | None) -> None:
    ours, theirs = build(tg, name, args, kwargs), build(torch, name, args, kwargs)
    assert repr(ours) == repr(theirs)
    our_state, their_state = ours.state_dict(), theirs.state_dict()
    assert list(our_state) == list(their_state)
    for key, value in their_state.items():
        assert tuple(our_state[key].shape) == tuple(value.shape), key
        assert str(our_state[key].dtype) == str(value.dtype).removeprefix("torch."), key
    assert [n for n, _ in ours.named_parameters()] == [n for n, _ in theirs.named_parameters()]
    if shapes is None:
        return
    ours.load_state_dict({k: tg.tensor(v.numpy()) for k, v in their_state.items()})
    theirs.double()
    ours.double()
    rng = np.random.default_rng(3)
    arrays = [rng.standard_normal(s) for s in shapes]
    for _ in range(2):  # training twice: running statistics, where there are any, move the same way
        a = ours(*[tg.tensor(x) for x in arrays])
        b = theirs(*[torch.tensor(x) for x in arrays])
        np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), rtol=1e-10, atol=1e-12)
    for key, value in theirs.state_dict().items():
        np.testing.assert_allclose(np.asarray(ours.state_dict()[key]), value.numpy(), rtol=1e-10, err_msg=key)
    ours.eval()
    theirs.eval()
    a = ours(*[tg.tensor(x) for x in arrays])
    b = theirs(*[torch.tensor(x) for x in arrays])
    np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), rtol=1e-10, atol=1e-12)


def test_bilinear_init_draws_within_torchs_bound_and_repr() -> None:
    tg.manual_seed(0)
    layer = tnn.Bilinear(9, 2, 30)
    bound = 1 / 3
    for p in (layer.weight, layer.bias):
        values = p.detach().numpy()
        assert values.min() >= -bound and values.max() <= bound
        assert values.max() - values.min() > 1.5 * bound  # spread over the range, not all near 0
    assert layer.weight.dtype == np.float32


# ---- errors: what PyTorch refuses, refused here with an exception of its type ----------------------------------

ERRORS = [
    ("glu of an odd dim", lambda L, F: F.glu(const(L, np.ones((2, 3))))),
    ("pixel_shuffle channels", lambda L, F: F.pixel_shuffle(const(L, np.ones((1, 3, 2, 2))), 2)),
    ("pixel_unshuffle size", lambda L, F: F.pixel_unshuffle(const(L, np.ones((1, 1, 3, 2))), 2)),
    ("channel_shuffle groups", lambda L, F: F.channel_shuffle(const(L, np.ones((1, 3, 2))), 2)),
    ("fold blocks", lambda L, F: F.fold(const(L, np.ones((1, 4, 5))), (3, 3), 2)),
    ("fold kernel", lambda L, F: F.fold(const(L, np.ones((1, 5, 4))), (3, 3), 2)),
    ("unfold 2-d", lambda L, F: F.unfold(const(L, np.ones((3, 3))), 2)),
    ("pdist 3-d", lambda L, F: F.pdist(const(L, np.ones((2, 3, 4))))),
    ("pdist of ints", lambda L, F: F.pdist(const(L, [[1, 2], [3, 4]]))),
    ("normalize of ints", lambda L, F: F.normalize(const(L, [[1, 2], [3, 4]]))),
    ("cosine_similarity of ints", lambda L, F: F.cosine_similarity(const(L, [[1, 2]]), const(L, [[3, 4]]))),
    ("softshrink negative", lambda L, F: F.softshrink(const(L, np.ones(3)), -1.0)),
    ("multi_margin_loss p=3", lambda L, F: F.multi_margin_loss(const(L, np.ones((2, 3))), const(L, [0, 1]), p=3)),
    ("local_response_norm 2-d", lambda L, F: F.local_response_norm(const(L, np.ones((2, 3))), 2)),
    ("Softmax2d 2-d", lambda L, F: lib_nn(L).Softmax2d()(const(L, np.ones((2, 3))))),
    ("CircularPad1d 4-d", lambda L, F: lib_nn(L).CircularPad1d(1)(const(L, np.ones((1, 2, 3, 4))))),
    ("ReflectionPad1d too wide", lambda L, F: lib_nn(L).ReflectionPad1d(3)(const(L, np.ones((1, 2, 3))))),
    ("InstanceNorm1d 4-d", lambda L, F: lib_nn(L).InstanceNorm1d(2)(const(L, np.ones((1, 2, 3, 4))))),
    ("InstanceNorm1d channels", lambda L, F: lib_nn(L).InstanceNorm1d(3, affine=True)(const(L, np.ones((1, 2, 4))))),
    ("TripletMarginLoss margin", lambda L, F: lib_nn(L).TripletMarginLoss(margin=0.0)),
    ("MultiMarginLoss p", lambda L, F: lib_nn(L).MultiMarginLoss(p=3)),
    ("dropout3d p", lambda L, F: F.dropout3d(const(L, np.ones((1, 2, 2, 2, 2))), 1.5)),
    ("alpha_dropout p", lambda L, F: F.alpha_dropout(const(L, np.ones(3)), -0.1, True)),
]


@pytest.mark.parametrize("fn", [e[1] for e in ERRORS], ids=[e[0] for e in ERRORS])
def test_refuses_what_torch_refuses(fn: Callable[..., Any]) -> None:
    with pytest.raises(Exception) as theirs:
        fn(torch, TORCH_F)
    with pytest.raises(type(theirs.value)):
        fn(tg, TF)


# ---- the random ones: distributions and gradients, as PyTorch's documentation defines them -----------------------


def test_rrelu_in_training_draws_slopes_in_range_and_differentiates_through_them() -> None:
    tg.manual_seed(0)
    x = tg.tensor(-np.ones(20000), requires_grad=True)
    y = TF.rrelu(x, 0.1, 0.3, training=True)
    slopes = -y.detach().numpy()
    assert slopes.min() >= 0.1 and slopes.max() <= 0.3 and abs(slopes.mean() - 0.2) < 0.005
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), slopes)
    module = tnn.RReLU(0.1, 0.3)
    assert np.all(module(tg.tensor([2.0, 3.0])).numpy() == [2.0, 3.0])  # positives pass unchanged
    tg.manual_seed(5)
    first = TF.rrelu(tg.tensor(-np.ones(5)), training=True).numpy()
    tg.manual_seed(5)
    np.testing.assert_array_equal(TF.rrelu(tg.tensor(-np.ones(5)), training=True).numpy(), first)


def test_in_place_activations_write_into_the_input_as_torchs() -> None:
    data = np.random.default_rng(4).standard_normal((3, 4)) * 2
    calls = [
        ("relu_", ()),
        ("elu_", (0.7,)),
        ("leaky_relu_", (0.2,)),
        ("hardtanh_", (-0.5, 0.8)),
        ("selu_", ()),
        ("celu_", (1.3,)),
        ("threshold_", (0.1, -2.0)),
        ("rrelu_", (0.2, 0.2)),
    ]
    for name, args in calls:
        ours, theirs = tg.tensor(data), torch.tensor(data)
        assert getattr(TF, name)(ours, *args) is ours
        getattr(TORCH_F, name)(theirs, *args)
        np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-12, err_msg=name)
    # in place on a non-leaf keeps the graph: d relu_(2x) / dx = 2 where x > 0
    x = tg.tensor(data, requires_grad=True)
    TF.relu_(x * 2).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), np.where(data > 0, 2.0, 0.0))


def test_gumbel_softmax_samples_are_distributions_and_hard_ones_pass_the_soft_gradient() -> None:
    tg.manual_seed(0)
    logits = tg.tensor(np.log([[0.7, 0.2, 0.1]] * 4000), requires_grad=True)
    soft = TF.gumbel_softmax(logits, tau=0.5)
    np.testing.assert_allclose(soft.detach().numpy().sum(-1), 1.0)
    hard = TF.gumbel_softmax(logits, hard=True)
    h = hard.detach().numpy()
    assert set(np.unique(h)) == {0.0, 1.0} and np.all(h.sum(-1) == 1)
    # the Gumbel-max trick: argmax of logits + Gumbel noise is a sample of softmax(logits)
    np.testing.assert_allclose(h.mean(0), [0.7, 0.2, 0.1], atol=0.03)
    # straight through: the hard sample's gradient is the soft sample's
    tg.manual_seed(1)
    TF.gumbel_softmax(logits, hard=True)[:, 0].sum().backward()
    hard_grad = logits.grad.numpy().copy()
    logits.grad = None
    tg.manual_seed(1)
    TF.gumbel_softmax(logits, hard=False)[:, 0].sum().backward()
    np.testing.assert_allclose(hard_grad, logits.grad.numpy(), atol=1e-6)


def test_alpha_dropout_keeps_a_unit_normal_input_at_mean_0_and_variance_1() -> None:
    tg.manual_seed(0)
    x = np.random.default_rng(0).standard_normal(400000)
    for p in (0.2, 0.5):
        y = TF.alpha_dropout(tg.tensor(x), p, training=True).numpy()
        assert abs(y.mean()) < 0.01 and abs(y.std() - 1) < 0.01
        alpha = 1.7580993408473766
        a = 1 / np.sqrt((alpha**2 * p + 1) * (1 - p))
        dropped = ~np.isclose(y, a * x + alpha * a * p)
        np.testing.assert_allclose(y[dropped], -alpha * a * (1 - p))  # every dropped unit: one value
        assert abs(dropped.mean() - p) < 0.01
    assert TF.alpha_dropout(tg.tensor(x), 1.0, True).numpy().max() == 0  # as torch: p = 1 gives zeros
    y = TF.feature_alpha_dropout(tg.tensor(np.ones((2000, 3, 4))), 0.5, True).numpy()
    assert np.all(y.std(axis=2) < 1e-12)  # one draw per (sample, channel)
    y = TF.dropout3d(tg.tensor(np.ones((500, 2, 2, 2, 2))), 0.5).numpy()
    assert set(np.unique(y)) == {0.0, 2.0} and np.all(y.reshape(1000, 8).std(1) == 0)
    module = tnn.AlphaDropout(0.5)
    module.eval()
    assert np.all(module(tg.tensor(x)).numpy() == x)


def test_cosine_similarity_of_zero_vectors_is_0_with_finite_gradients_as_torch() -> None:
    for lib, F in ((tg, TF), (torch, TORCH_F)):
        a = (tg.tensor if lib is tg else torch.tensor)(np.zeros((2, 3)), requires_grad=True)
        b = (tg.tensor if lib is tg else torch.tensor)(np.ones((2, 3)), requires_grad=True)
        out = F.cosine_similarity(a, b)
        out.sum().backward()
        assert np.all(out.detach().numpy() == 0)
        assert np.all(np.isfinite(a.grad.numpy())) and np.all(np.isfinite(b.grad.numpy()))


# ---- signatures: the same argument names and defaults, so positional and keyword calls mean the same -----------

NEW_MODULES = sorted({m[0] for m in MODULES})
NEW_FUNCTIONS = [
    "normalize",
    "glu",
    "tanhshrink",
    "instance_norm",
    "rms_norm",
    "local_response_norm",
    "unfold",
    "fold",
    "max_pool1d_with_indices",
    "max_pool2d_with_indices",
    "max_unpool1d",
    "max_unpool2d",
    "lp_pool1d",
    "lp_pool2d",
    "gumbel_softmax",
    "rrelu",
    "alpha_dropout",
    "feature_alpha_dropout",
    "dropout3d",
    "hinge_embedding_loss",
    "soft_margin_loss",
    "multi_margin_loss",
    "multilabel_margin_loss",
    "triplet_margin_loss",
    "triplet_margin_with_distance_loss",
]  # (the others are C builtins in torch, with no Python signature to read)


def _signature(fn: Any) -> list[tuple[str, Any]]:
    import inspect

    return [(p.name, p.default) for p in inspect.signature(fn).parameters.values() if p.name != "self"]


@pytest.mark.parametrize("name", NEW_MODULES)
def test_module_constructor_and_forward_take_torchs_arguments(name: str) -> None:
    ours, theirs = getattr(tnn, name), getattr(torch.nn, name)
    if "args" not in dict(_signature(theirs.__init__)):  # (torch's Tanhshrink and Softmax2d take *args, **kwargs)
        assert _signature(ours.__init__) == _signature(theirs.__init__)
    assert [n for n, _ in _signature(ours.forward)] == [n for n, _ in _signature(theirs.forward)]


@pytest.mark.parametrize("name", NEW_FUNCTIONS)
def test_function_takes_torchs_arguments(name: str) -> None:
    assert _signature(getattr(TF, name)) == _signature(getattr(TORCH_F, name))


def test_the_deprecated_size_average_and_reduce_mean_what_they_mean_in_torch() -> None:
    x = np.random.default_rng(5).standard_normal((3, 4))
    for size_average, reduce in ((None, False), (False, None), (True, True), (False, True)):
        ours = TF.soft_margin_loss(tg.tensor(x), tg.tensor(np.sign(x)), size_average, reduce)
        theirs = TORCH_F.soft_margin_loss(torch.tensor(x), torch.tensor(np.sign(x)), size_average, reduce)
        np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-12)
        module = tnn.MultiLabelMarginLoss(size_average, reduce)
        assert module.reduction == torch.nn.MultiLabelMarginLoss(size_average, reduce).reduction


# ---- the corners of the distance functions: zero vectors, norms below eps, repeated rows, p = 0 and inf ----------

CORNERS = [
    ("normalize with a zero row", lambda L, F, x: F.normalize(x * const(L, [[0.0], [1.0]]))),
    ("cosine_similarity below eps", lambda L, F, x: F.cosine_similarity(x * 1e-9, x.flip(0), eps=1e-6)),
    ("cosine_similarity of a zero vector", lambda L, F, x: F.cosine_similarity(x * 0, x)),
    ("pdist of repeated rows", lambda L, F, x: F.pdist(L.cat([x, x[:1]]))),
    ("pdist p=0 and p=inf", lambda L, F, x: F.pdist(x, 0) + F.pdist(x, float("inf"))),
    ("pairwise_distance of a vector and a batch", lambda L, F, x: F.pairwise_distance(x[0], x)),
]


@pytest.mark.parametrize("fn", [c[1] for c in CORNERS], ids=[c[0] for c in CORNERS])
def test_distance_corners_match_torch(fn: Callable[..., Any]) -> None:
    data = np.random.default_rng(6).standard_normal((2, 3))
    results = []
    for lib, F in ((tg, TF), (torch, TORCH_F)):
        x = (tg.tensor if lib is tg else torch.tensor)(data, requires_grad=True)
        out = fn(lib, F, x)
        out.sum().backward()
        results.append((out.detach().numpy(), x.grad.numpy()))
    (ours, our_grad), (theirs, their_grad) = results
    np.testing.assert_allclose(ours, theirs, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(our_grad, their_grad, rtol=1e-9, atol=1e-12)
