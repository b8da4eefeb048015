"""Convolution, transposed convolution, pooling and resizing against PyTorch: outputs and input/weight/bias
gradients for each option.

Skipped without torch.
"""

from __future__ import annotations

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu.ops import AvgPool, Conv, ConvTranspose, MaxPool

torch = pytest.importorskip("torch")

# (x shape, weight shape, options): each option alone, then together
CASES = [
    ((2, 3, 7, 6), (4, 3, 3, 3), {}),
    ((2, 3, 7, 6), (4, 3, 3, 2), {"stride": (2, 3)}),
    ((1, 2, 5, 5), (3, 2, 3, 3), {"padding": (2, 1)}),
    ((1, 2, 8, 9), (3, 2, 3, 2), {"dilation": (2, 3)}),
    ((2, 6, 5, 5), (9, 2, 2, 3), {"groups": 3}),
    ((2, 4, 9, 8), (6, 2, 3, 3), {"stride": (2, 2), "padding": (1, 2), "dilation": (2, 1), "groups": 2}),
    # the same op in 1 and 3 spatial dims
    ((2, 3, 9), (4, 3, 3), {"stride": (2,), "padding": (1,), "dilation": (2,)}),
    ((2, 3, 5, 4, 6), (4, 3, 3, 2, 3), {}),
    ((1, 4, 6, 7, 5), (6, 2, 2, 3, 2), {"stride": (2, 1, 2), "padding": (1, 0, 2), "dilation": (1, 2, 1), "groups": 2}),
]


def torch_fn(name: str, x_shape: tuple[int, ...]):
    """torch.nn.functional's `name` for the input's number of spatial dims: conv -> conv3d for a 5-d input."""
    return getattr(torch.nn.functional, f"{name}{len(x_shape) - 2}d")


@pytest.mark.parametrize("x_shape, w_shape, options", CASES)
def test_conv_matches_torch(x_shape, w_shape, options) -> None:
    rng = np.random.default_rng(0)
    x, w, b = rng.normal(size=x_shape), rng.normal(size=w_shape), rng.normal(size=w_shape[0])
    tx, tw, tb = (tg.tensor(a, dtype=tg.float64, requires_grad=True) for a in (x, w, b))
    out = Conv.apply(tx, tw, tb, **options)
    px, pw, pb = (torch.tensor(a, requires_grad=True) for a in (x, w, b))
    expected = torch_fn("conv", x_shape)(px, pw, pb, **options)
    assert out.shape == tuple(expected.shape)
    np.testing.assert_allclose(out.detach().numpy(), expected.detach().numpy(), rtol=1e-10, atol=1e-10)
    g = rng.normal(size=out.shape)
    (out * tg.tensor(g, dtype=tg.float64)).sum().backward()
    expected.backward(torch.tensor(g))
    for ours, theirs in ((tx, px), (tw, pw), (tb, pb)):
        np.testing.assert_allclose(ours.grad.numpy(), theirs.grad.numpy(), rtol=1e-10, atol=1e-10)


# (x shape, weight shape (in, out/groups, kh, kw), options) for the transposed convolution: each option alone,
# then together (output_padding must be below stride or dilation, as PyTorch checks)
TRANSPOSED = [
    ((2, 3, 4, 5), (3, 2, 3, 3), {}),
    ((2, 3, 4, 5), (3, 2, 3, 2), {"stride": (2, 3)}),
    ((1, 2, 5, 5), (2, 3, 3, 3), {"padding": (2, 1)}),
    ((1, 2, 4, 3), (2, 3, 3, 2), {"stride": (2, 3), "output_padding": (1, 2)}),
    ((1, 2, 4, 4), (2, 3, 2, 3), {"dilation": (2, 3)}),
    ((1, 2, 4, 4), (2, 3, 2, 2), {"dilation": (3, 2), "output_padding": (2, 1)}),  # output_padding < dilation
    ((2, 6, 3, 4), (6, 2, 2, 3), {"groups": 3}),
    (
        (2, 4, 5, 4),
        (4, 3, 3, 3),
        {"stride": (2, 2), "padding": (1, 2), "output_padding": (1, 0), "groups": 2, "dilation": (2, 1)},
    ),
    ((2, 3, 5), (3, 2, 3), {"stride": (3,), "padding": (1,), "output_padding": (2,)}),
    ((1, 2, 3, 2, 4), (2, 3, 2, 3, 2), {}),
    (
        (1, 4, 3, 4, 2),
        (4, 1, 3, 2, 2),
        {"stride": (2, 1, 3), "padding": (1, 0, 1), "output_padding": (1, 0, 2), "groups": 2, "dilation": (1, 2, 1)},
    ),
]


@pytest.mark.parametrize("x_shape, w_shape, options", TRANSPOSED)
def test_conv_transpose_matches_torch(x_shape, w_shape, options) -> None:
    rng = np.random.default_rng(3)
    groups = options.get("groups", 1)
    x, w, b = rng.normal(size=x_shape), rng.normal(size=w_shape), rng.normal(size=w_shape[1] * groups)
    tx, tw, tb = (tg.tensor(a, dtype=tg.float64, requires_grad=True) for a in (x, w, b))
    out = ConvTranspose.apply(tx, tw, tb, **options)
    px, pw, pb = (torch.tensor(a, requires_grad=True) for a in (x, w, b))
    expected = torch_fn("conv_transpose", x_shape)(px, pw, pb, **options)
    assert out.shape == tuple(expected.shape)
    np.testing.assert_allclose(out.detach().numpy(), expected.detach().numpy(), rtol=1e-10, atol=1e-10)
    g = rng.normal(size=out.shape)
    (out * tg.tensor(g, dtype=tg.float64)).sum().backward()
    expected.backward(torch.tensor(g))
    for ours, theirs in ((tx, px), (tw, pw), (tb, pb)):
        np.testing.assert_allclose(ours.grad.numpy(), theirs.grad.numpy(), rtol=1e-10, atol=1e-10)


# (x shape, options) for max pooling; kernel_size and stride are pairs, as the op takes them
MAX_POOLS = [
    ((2, 3, 6, 6), {"kernel_size": (2, 2), "stride": (2, 2)}),
    ((1, 2, 7, 5), {"kernel_size": (3, 2), "stride": (1, 2), "padding": (1, 1)}),
    ((1, 2, 8, 9), {"kernel_size": (2, 3), "stride": (2, 2), "dilation": (3, 2)}),
    ((1, 2, 5, 7), {"kernel_size": (2, 2), "stride": (2, 2), "ceil_mode": True}),
    ((1, 1, 6, 6), {"kernel_size": (3, 3), "stride": (2, 2), "padding": (1, 1), "ceil_mode": True}),
    ((2, 3, 11), {"kernel_size": (3,), "stride": (2,), "padding": (1,), "dilation": (2,)}),
    ((2, 2, 4, 6, 5), {"kernel_size": (2, 2, 2), "stride": (2, 2, 2)}),
    ((1, 2, 5, 6, 7), {"kernel_size": (3, 2, 3), "stride": (2, 1, 2), "padding": (1, 1, 0), "dilation": (1, 2, 2)}),
    ((1, 2, 5, 4, 5), {"kernel_size": (2, 2, 3), "stride": (2, 2, 2), "padding": (1, 0, 1), "ceil_mode": True}),
]
AVG_POOLS = [
    ((2, 3, 6, 6), {"kernel_size": (2, 2), "stride": (2, 2)}),
    ((1, 2, 7, 5), {"kernel_size": (3, 3), "stride": (2, 1), "padding": (1, 1)}),
    ((1, 2, 7, 5), {"kernel_size": (3, 3), "stride": (2, 1), "padding": (1, 1), "count_include_pad": False}),
    ((1, 2, 6, 5), {"kernel_size": (3, 2), "stride": (2, 2), "padding": (1, 1), "ceil_mode": True}),
    (
        (1, 2, 6, 5),
        {"kernel_size": (3, 2), "stride": (2, 2), "padding": (1, 1), "ceil_mode": True, "count_include_pad": False},
    ),
    ((2, 3, 8), {"kernel_size": (3,), "stride": (2,), "padding": (1,), "count_include_pad": False}),
    ((2, 2, 4, 6, 5), {"kernel_size": (2, 3, 2), "stride": (1, 2, 2)}),
    (
        (1, 2, 5, 6, 5),
        {
            "kernel_size": (3, 3, 2),
            "stride": (2, 2, 2),
            "padding": (1, 1, 1),
            "ceil_mode": True,
            "count_include_pad": False,
        },
    ),
]


def _check_pool(op, torch_fn, x_shape, options):
    rng = np.random.default_rng(1)
    x = rng.normal(size=x_shape)
    tx, px = tg.tensor(x, dtype=tg.float64, requires_grad=True), torch.tensor(x, requires_grad=True)
    out, expected = op.apply(tx, **options), torch_fn(px, **options)
    assert out.shape == tuple(expected.shape)
    np.testing.assert_allclose(out.detach().numpy(), expected.detach().numpy(), rtol=1e-12, atol=1e-12)
    g = rng.normal(size=out.shape)
    (out * tg.tensor(g, dtype=tg.float64)).sum().backward()
    expected.backward(torch.tensor(g))
    np.testing.assert_allclose(tx.grad.numpy(), px.grad.numpy(), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("x_shape, options", MAX_POOLS)
def test_max_pool_matches_torch(x_shape, options) -> None:
    _check_pool(MaxPool, torch_fn("max_pool", x_shape), x_shape, options)
    x = np.random.default_rng(1).normal(size=x_shape)
    pool = MaxPool()
    pool.forward(x, **options)
    _, expected = torch_fn("max_pool", x_shape)(torch.tensor(x), return_indices=True, **options)
    np.testing.assert_array_equal(pool.indices(), expected.numpy())


@pytest.mark.parametrize("x_shape, options", AVG_POOLS)
def test_avg_pool_matches_torch(x_shape, options) -> None:
    _check_pool(AvgPool, torch_fn("avg_pool", x_shape), x_shape, options)


# ---- the layers: PyTorch's constructor arguments, state_dict keys, and outputs from the same weights --------

LAYERS = [
    ("Conv2d(3, 4, 3)", (2, 3, 7, 6)),
    ("Conv2d(4, 6, (3, 2), stride=2, padding=1, dilation=(1, 2), groups=2, bias=False)", (1, 4, 9, 8)),
    ("Conv2d(2, 3, (4, 3), padding='same', dilation=(1, 2))", (1, 2, 6, 7)),
    ("Conv2d(2, 3, 3, padding='valid')", (1, 2, 5, 5)),
    ("Conv1d(3, 4, 3, stride=2, padding=1)", (2, 3, 9)),
    ("Conv1d(4, 4, 4, padding='same', groups=4)", (2, 4, 7)),
    ("MaxPool2d(2)", (2, 3, 6, 7)),
    ("MaxPool2d(3, stride=2, padding=1, ceil_mode=True)", (1, 2, 6, 6)),
    ("MaxPool1d(3, stride=2, dilation=2)", (2, 3, 11)),
    ("AvgPool2d(2, stride=1, padding=1, count_include_pad=False)", (1, 2, 5, 4)),
    ("AvgPool1d(3, stride=2, padding=1, ceil_mode=True)", (2, 3, 8)),
    ("GroupNorm(2, 6)", (2, 6, 3, 4)),
    ("AdaptiveAvgPool2d(1)", (2, 3, 5, 4)),
    ("AdaptiveAvgPool2d((2, None))", (1, 2, 6, 5)),
    ("GroupNorm(3, 3, affine=False)", (2, 3, 5)),
    ("ConvTranspose2d(3, 4, 3)", (2, 3, 5, 4)),
    ("ConvTranspose2d(4, 6, (3, 2), stride=2, padding=1, output_padding=1, groups=2, dilation=(1, 2))", (1, 4, 4, 5)),
    ("ConvTranspose2d(2, 3, 2, stride=2, bias=False)", (1, 2, 3, 3)),
    ("ConvTranspose1d(3, 2, 4, stride=3, padding=1, output_padding=2)", (2, 3, 6)),
    ("Conv2d(2, 3, 3, padding=1, padding_mode='reflect')", (1, 2, 5, 6)),
    ("Conv2d(2, 3, (3, 4), padding='same', padding_mode='circular')", (1, 2, 5, 6)),
    ("Conv2d(2, 4, 3, stride=2, padding=(2, 1), padding_mode='replicate', groups=2)", (1, 2, 7, 6)),
    ("Conv1d(2, 3, 3, padding=2, padding_mode='replicate')", (2, 2, 7)),
    ("Conv1d(2, 3, 4, padding='same', dilation=2, padding_mode='reflect')", (2, 2, 9)),
    ("Upsample(scale_factor=2)", (1, 2, 3, 4)),
    ("Upsample(size=(5, 7), mode='nearest')", (1, 2, 3, 4)),
    ("Upsample(scale_factor=(1.5, 0.5), mode='bilinear')", (2, 2, 4, 6)),
    ("Upsample(size=7, mode='linear', align_corners=True)", (2, 3, 4)),
    ("UpsamplingBilinear2d(scale_factor=2)", (1, 2, 3, 3)),
    ("UpsamplingNearest2d(size=5)", (1, 2, 3, 3)),
    ("AdaptiveAvgPool2d((3, 2))", (2, 3, 7, 5)),  # sizes that do not divide: cells overlap
    ("AdaptiveAvgPool2d(4)", (3, 5, 6)),  # unbatched
    ("AdaptiveAvgPool2d((7, 3))", (1, 2, 5, 5)),  # larger than the input
    ("AdaptiveAvgPool1d(4)", (2, 3, 10)),
    ("AdaptiveMaxPool2d((3, 2))", (2, 3, 7, 5)),
    ("AdaptiveMaxPool2d((5, None))", (3, 7, 5)),
    ("AdaptiveMaxPool2d((7, 6))", (1, 2, 4, 5)),
    ("AdaptiveMaxPool1d(3)", (2, 3, 10)),
    ("Conv3d(2, 4, 3)", (2, 2, 5, 4, 6)),
    ("Conv3d(4, 6, (3, 2, 2), stride=(2, 1, 2), padding=1, dilation=(1, 2, 1), groups=2, bias=False)", (1, 4, 6, 7, 5)),
    ("Conv3d(2, 3, (3, 2, 4), padding='same', padding_mode='reflect')", (1, 2, 5, 4, 6)),
    ("ConvTranspose3d(2, 4, 3, stride=2, padding=1, output_padding=(1, 0, 1))", (1, 2, 3, 4, 2)),
    ("MaxPool3d(2)", (2, 2, 4, 6, 5)),
    ("MaxPool3d((3, 2, 2), stride=1, padding=1, ceil_mode=True)", (1, 2, 4, 5, 4)),
    ("AvgPool3d(2, stride=1, padding=1, count_include_pad=False)", (1, 2, 3, 4, 5)),
    ("AvgPool3d((2, 3, 2), ceil_mode=True)", (1, 2, 5, 7, 5)),
    ("AdaptiveAvgPool3d((2, None, 3))", (2, 3, 5, 4, 7)),  # cells that overlap, a kept size
    ("AdaptiveAvgPool3d(2)", (3, 5, 6, 4)),  # unbatched
    ("AdaptiveMaxPool3d((3, 2, 4))", (2, 3, 7, 5, 6)),
    ("AdaptiveMaxPool3d((2, None, 5))", (3, 4, 6, 3)),  # unbatched, a kept size, larger than the input
]


@pytest.mark.parametrize("layer, x_shape", LAYERS)
def test_layer_matches_torch_from_the_same_weights(layer, x_shape) -> None:
    ours = eval(f"tg.nn.{layer}")
    theirs = eval(f"torch.nn.{layer}").double()
    state = ours.state_dict()
    assert list(state) == list(theirs.state_dict())
    theirs.load_state_dict({k: torch.tensor(v, dtype=torch.float64) for k, v in state.items()})
    x = np.random.default_rng(2).normal(size=x_shape)
    tx, px = tg.tensor(x, dtype=tg.float64, requires_grad=True), torch.tensor(x, requires_grad=True)
    if state:
        ours = ours.double() if hasattr(ours, "double") else ours
    out, expected = ours(tx), theirs(px)
    assert out.shape == tuple(expected.shape)
    np.testing.assert_allclose(out.detach().numpy(), expected.detach().numpy(), rtol=1e-6, atol=1e-6)
    out.sum().backward()
    expected.sum().backward()
    np.testing.assert_allclose(tx.grad.numpy(), px.grad.numpy(), rtol=1e-6, atol=1e-6)


def test_conv_initialisation_has_pytorchs_bounds() -> None:
    """kaiming_uniform(a=sqrt(5)) gives weights in +-1/sqrt(fan_in), and the bias the same bound."""
    tg.manual_seed(0)
    conv = tg.nn.Conv2d(4, 8, (3, 5), groups=2)
    fan_in = 2 * 3 * 5
    for p in (conv.weight, conv.bias):
        values = p.detach().numpy()
        assert np.abs(values).max() <= 1 / np.sqrt(fan_in)
        assert np.abs(values).max() > 0.8 / np.sqrt(fan_in)  # spread over the range, not a smaller one


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda: tg.nn.Conv2d(3, 4, 3, groups=2), "divisible by groups"),
        (lambda: tg.nn.Conv2d(3, 4, 3, padding_mode="zero"), "padding_mode"),
        (lambda: tg.nn.ConvTranspose2d(3, 4, 3, padding_mode="reflect"), "padding_mode"),
        (lambda: tg.nn.ConvTranspose2d(3, 4, 3, stride=2, output_padding=2)(tg.zeros(1, 3, 4, 4)), "output_padding"),
        (lambda: tg.nn.ConvTranspose2d(3, 4, 3, stride=2)(tg.zeros(1, 3, 4, 4), output_size=(11, 11)), "range from"),
        (lambda: tg.nn.functional.interpolate(tg.zeros(1, 1, 4), scale_factor=2, mode="lanczos"), "lanczos"),
        (lambda: tg.nn.functional.interpolate(tg.zeros(1, 1, 4, 4), size=2, antialias=True), "anti-alias"),
        (lambda: tg.nn.functional.interpolate(tg.zeros(1, 1, 4), size=2, mode="linear", antialias=True), "4-d"),
        (lambda: tg.nn.functional.interpolate(tg.zeros(1, 1, 4), scale_factor=2, mode="bilinear"), "4-d input"),
        (lambda: tg.nn.functional.interpolate(tg.zeros(1, 1, 4), size=3, scale_factor=2), "one of"),
        (lambda: tg.nn.functional.interpolate(tg.zeros(1, 1, 4), size=3, align_corners=True), "align_corners"),
        (lambda: tg.nn.Conv2d(3, 4, 3)(tg.zeros(5, 5)), "4-d input"),  # (3-d: unbatched, as in PyTorch)
        (lambda: tg.nn.Conv2d(3, 4, 3)(tg.zeros(1, 2, 5, 5)), "conv2d"),
        (lambda: tg.nn.functional.conv2d(tg.zeros(1, 1, 5, 5), tg.zeros(1, 1, 3, 3), stride=2, padding="same"), "same"),
        (lambda: tg.nn.MaxPool2d(2, padding=2)(tg.zeros(1, 1, 5, 5)), "half of the kernel"),
    ],
)
def test_errors_where_pytorch_raises(make, message) -> None:
    with pytest.raises((ValueError, NotImplementedError)) as caught:
        make()
    assert message in str(caught.value)


# name: fn(lib) that raises in torch; ours must raise an instance of torch's class (RuntimeError, ValueError, ...)
RAISES_AS_TORCH = {
    "conv_transpose2d channels": lambda lib: lib.nn.functional.conv_transpose2d(
        lib.zeros(1, 3, 4, 4), lib.zeros(2, 2, 3, 3)
    ),
    "conv_transpose2d groups": lambda lib: lib.nn.functional.conv_transpose2d(
        lib.zeros(1, 3, 4, 4), lib.zeros(3, 2, 3, 3), groups=2
    ),
    "conv_transpose2d output_padding": lambda lib: lib.nn.functional.conv_transpose2d(
        lib.zeros(1, 3, 4, 4), lib.zeros(3, 2, 3, 3), stride=2, output_padding=2
    ),
    "conv_transpose1d output_padding": lambda lib: lib.nn.functional.conv_transpose1d(
        lib.zeros(1, 3, 4), lib.zeros(3, 2, 3), output_padding=1
    ),
    "conv_transpose3d output_padding": lambda lib: lib.nn.functional.conv_transpose3d(
        lib.zeros(1, 3, 4, 4, 4), lib.zeros(3, 2, 3, 3, 3), stride=2, output_padding=2
    ),
    "conv_transpose2d output too small": lambda lib: lib.nn.functional.conv_transpose2d(
        lib.zeros(1, 3, 1, 1), lib.zeros(3, 2, 2, 2), padding=3
    ),
    "conv_transpose2d rank": lambda lib: lib.nn.functional.conv_transpose2d(
        lib.zeros(3, 4, 4, 4, 1), lib.zeros(3, 2, 3, 3)
    ),
    "conv_transpose2d stride of 3": lambda lib: lib.nn.functional.conv_transpose2d(
        lib.zeros(1, 3, 4, 4), lib.zeros(3, 2, 3, 3), stride=(1, 1, 1)
    ),
    "conv_transpose2d padding 'same'": lambda lib: lib.nn.functional.conv_transpose2d(
        lib.zeros(1, 3, 4, 4), lib.zeros(3, 2, 3, 3), padding="same"
    ),
    "ConvTranspose2d groups": lambda lib: lib.nn.ConvTranspose2d(3, 4, 3, groups=2),
    "ConvTranspose2d padding_mode": lambda lib: lib.nn.ConvTranspose2d(3, 4, 3, padding_mode="reflect"),
    "ConvTranspose2d output_padding": lambda lib: lib.nn.ConvTranspose2d(3, 4, 3, stride=2, output_padding=2)(
        lib.zeros(1, 3, 4, 4)
    ),
    "ConvTranspose2d output_size": lambda lib: lib.nn.ConvTranspose2d(3, 4, 3, stride=2)(
        lib.zeros(1, 3, 4, 4), output_size=(11, 11)
    ),
    "ConvTranspose2d output_size entries": lambda lib: lib.nn.ConvTranspose2d(3, 4, 3, stride=2)(
        lib.zeros(1, 3, 4, 4), output_size=(11, 11, 1)
    ),
    "ConvTranspose2d channels": lambda lib: lib.nn.ConvTranspose2d(3, 4, 3)(lib.zeros(1, 2, 4, 4)),
    "ConvTranspose2d padding 'same'": lambda lib: lib.nn.ConvTranspose2d(3, 4, 3, padding="same")(
        lib.zeros(1, 3, 4, 4)
    ),
    "conv2d channels": lambda lib: lib.nn.functional.conv2d(lib.zeros(1, 3, 4, 4), lib.zeros(2, 2, 3, 3)),
    "conv2d kernel larger than input": lambda lib: lib.nn.functional.conv2d(
        lib.zeros(1, 3, 2, 2), lib.zeros(2, 3, 3, 3)
    ),
    "conv2d same, strided": lambda lib: lib.nn.functional.conv2d(
        lib.zeros(1, 3, 4, 4), lib.zeros(2, 3, 3, 3), stride=2, padding="same"
    ),
    "conv3d channels": lambda lib: lib.nn.functional.conv3d(lib.zeros(1, 2, 3, 4, 4), lib.zeros(2, 3, 3, 3, 3)),
    "max_pool3d padding": lambda lib: lib.nn.functional.max_pool3d(lib.zeros(1, 1, 4, 4, 4), 2, padding=2),
    "avg_pool3d kernel larger than input": lambda lib: lib.nn.functional.avg_pool3d(lib.zeros(1, 1, 1, 4, 4), 2),
    "interpolate antialias nearest": lambda lib: lib.nn.functional.interpolate(
        lib.zeros(1, 2, 4, 4), size=2, antialias=True
    ),
    "interpolate antialias trilinear": lambda lib: lib.nn.functional.interpolate(
        lib.zeros(1, 2, 4, 4, 4), size=2, mode="trilinear", antialias=True
    ),
    "interpolate int64 nearest": lambda lib: lib.nn.functional.interpolate(
        lib.zeros(1, 2, 4, 4, dtype=lib.int64), scale_factor=2
    ),
    "interpolate int64 bilinear": lambda lib: lib.nn.functional.interpolate(
        lib.zeros(1, 2, 4, 4, dtype=lib.int64), scale_factor=2, mode="bilinear"
    ),
    "interpolate int32 linear": lambda lib: lib.nn.functional.interpolate(
        lib.zeros(1, 2, 4, dtype=lib.int32), scale_factor=2, mode="linear"
    ),
    "interpolate uint8 linear": lambda lib: lib.nn.functional.interpolate(
        lib.zeros(1, 2, 4, dtype=lib.uint8), scale_factor=2, mode="linear"
    ),
    "interpolate uint8 area": lambda lib: lib.nn.functional.interpolate(
        lib.zeros(1, 2, 4, 4, dtype=lib.uint8), size=3, mode="area"
    ),
    "interpolate bool trilinear": lambda lib: lib.nn.functional.interpolate(
        lib.zeros(1, 2, 2, 2, 4, dtype=lib.bool), scale_factor=2, mode="trilinear"
    ),
}


@pytest.mark.parametrize("name", RAISES_AS_TORCH)
def test_error_is_an_instance_of_the_class_torch_raises(name: str) -> None:
    with pytest.raises(Exception) as theirs:
        RAISES_AS_TORCH[name](torch)
    with pytest.raises(Exception) as ours:
        RAISES_AS_TORCH[name](tg)
    assert isinstance(ours.value, type(theirs.value)), f"torch raises {type(theirs.value).__name__}: {theirs.value}"


@pytest.mark.parametrize("mode", ["nearest", "nearest-exact"])
def test_interpolate_resizes_uint8_by_copying_in_the_nearest_modes_as_pytorch(mode: str) -> None:
    x = np.random.default_rng(6).integers(0, 256, size=(1, 2, 3, 5)).astype(np.uint8)
    ours = tg.nn.functional.interpolate(tg.tensor(x), size=(7, 4), mode=mode)
    theirs = torch.nn.functional.interpolate(torch.tensor(x), size=(7, 4), mode=mode)
    assert ours.dtype == np.uint8
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())


def test_interpolate_refuses_uint8_blending_that_pytorch_rounds_its_own_way() -> None:
    x = tg.zeros(1, 2, 4, 4, dtype=tg.uint8)
    with pytest.raises(NotImplementedError, match="fixed-point"):
        tg.nn.functional.interpolate(x, scale_factor=2, mode="bilinear")


def test_conv_transpose_initialisation_and_state_dict_are_pytorchs() -> None:
    """weight (in, out/groups, kh, kw), bounds +-1/sqrt(fan_in) with fan_in = out/groups * kh * kw, as PyTorch."""
    tg.manual_seed(0)
    ours, theirs = tg.nn.ConvTranspose2d(4, 6, (3, 5), groups=2), torch.nn.ConvTranspose2d(4, 6, (3, 5), groups=2)
    assert {k: v.shape for k, v in ours.state_dict().items()} == {k: v.shape for k, v in theirs.state_dict().items()}
    assert repr(ours) == repr(theirs)
    fan_in = 3 * 3 * 5
    weight, bias = np.abs(ours.weight.detach().numpy()), np.abs(ours.bias.detach().numpy())
    assert 0.95 / np.sqrt(fan_in) < weight.max() <= 1 / np.sqrt(fan_in)  # 360 draws spread over the whole range
    assert bias.max() <= 1 / np.sqrt(fan_in)


@pytest.mark.parametrize(
    "layer, x_shape, output_size",
    [
        ("ConvTranspose2d", (1, 3, 5, 5), (9, 9)),
        ("ConvTranspose2d", (1, 3, 5, 5), (10, 10)),
        ("ConvTranspose2d", (1, 3, 5, 5), (1, 3, 9, 10)),  # batch and channels may come too
        ("ConvTranspose1d", (2, 3, 6), (12,)),
    ],
)
def test_conv_transpose_output_size_picks_the_output_padding_as_pytorch(layer, x_shape, output_size) -> None:
    ours = getattr(tg.nn, layer)(3, 2, 3, stride=2, padding=1).double()
    theirs = getattr(torch.nn, layer)(3, 2, 3, stride=2, padding=1).double()
    theirs.load_state_dict({k: torch.tensor(v) for k, v in ours.state_dict().items()})
    x = np.random.default_rng(5).normal(size=x_shape)
    out, expected = ours(tg.tensor(x), output_size=output_size), theirs(torch.tensor(x), output_size=output_size)
    assert out.shape == tuple(expected.shape)
    np.testing.assert_allclose(out.detach().numpy(), expected.detach().numpy(), rtol=1e-12, atol=1e-12)


# (x shape, options) for F.interpolate: every mode, by size and by scale_factor, float32 and float64
INTERPOLATIONS = [
    ((1, 2, 5), {"size": 8}),
    ((1, 2, 10), {"size": 6}),  # PyTorch's float32 step 10/6 floors 3 * step to 4, not 5
    ((1, 2, 5), {"scale_factor": 2.5}),
    ((1, 2, 4, 5), {"size": (7, 3)}),
    ((1, 2, 4, 5), {"scale_factor": (1.7, 0.6)}),
    ((1, 2, 4, 5), {"scale_factor": 1.7, "mode": "nearest-exact"}),
    ((1, 1, 3, 4, 5), {"size": (4, 2, 7)}),
    ((1, 2, 5), {"size": 8, "mode": "linear"}),
    ((1, 2, 5), {"size": 3, "mode": "linear", "align_corners": True}),
    ((2, 2, 4, 5), {"size": (7, 3), "mode": "bilinear"}),
    ((2, 2, 4, 5), {"scale_factor": (2.3, 0.7), "mode": "bilinear"}),
    ((2, 2, 4, 5), {"scale_factor": (2.3, 0.7), "mode": "bilinear", "align_corners": True}),
    ((1, 2, 4, 5), {"scale_factor": 1.7, "mode": "bilinear", "recompute_scale_factor": True}),
    ((1, 1, 3, 4, 5), {"size": (4, 2, 7), "mode": "trilinear"}),
    ((1, 2, 4, 5), {"size": (7, 3), "mode": "bicubic"}),
    ((2, 1, 5, 6), {"scale_factor": (2.3, 0.6), "mode": "bicubic"}),
    ((2, 1, 5, 6), {"scale_factor": (2.3, 0.6), "mode": "bicubic", "align_corners": True}),
    ((2, 2, 7, 5), {"size": (3, 4), "mode": "area"}),
    ((2, 2, 9), {"scale_factor": 0.5, "mode": "area"}),
    ((1, 1, 5, 4, 6), {"size": (2, 3, 4), "mode": "area"}),
    # antialias: downsampling widens the filter to cover every input (PyTorch's rule), upsampling keeps it
    ((2, 2, 17, 23), {"size": (5, 7), "mode": "bilinear", "antialias": True}),
    ((1, 2, 16, 9), {"scale_factor": (0.3, 0.5), "mode": "bilinear", "antialias": True}),
    ((1, 2, 12, 10), {"size": (5, 3), "mode": "bilinear", "antialias": True, "align_corners": True}),
    ((1, 2, 4, 9), {"size": (7, 4), "mode": "bilinear", "antialias": True}),  # up one dim, down the other
    ((2, 1, 17, 13), {"size": (6, 4), "mode": "bicubic", "antialias": True}),
    ((1, 2, 9, 12), {"scale_factor": 0.4, "mode": "bicubic", "antialias": True, "recompute_scale_factor": True}),
]


@pytest.mark.parametrize("dtype, tol", [(np.float64, 1e-14), (np.float32, 2e-6)], ids=["float64", "float32"])
@pytest.mark.parametrize("x_shape, options", INTERPOLATIONS)
def test_interpolate_matches_torch(x_shape, options, dtype, tol) -> None:
    rng = np.random.default_rng(6)
    x = rng.normal(size=x_shape).astype(dtype)
    tx, px = tg.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    out = tg.nn.functional.interpolate(tx, **options)
    expected = torch.nn.functional.interpolate(px, **options)
    assert out.shape == tuple(expected.shape) and out.dtype == x.dtype
    np.testing.assert_allclose(out.detach().numpy(), expected.detach().numpy(), rtol=tol, atol=tol)
    g = rng.normal(size=out.shape).astype(dtype)
    (out * tg.tensor(g)).sum().backward()
    expected.backward(torch.tensor(g))
    np.testing.assert_allclose(tx.grad.numpy(), px.grad.numpy(), rtol=tol, atol=tol)


@pytest.mark.parametrize(
    "fn, x_shape, output_size",
    [
        ("adaptive_max_pool2d", (2, 3, 7, 5), (3, 2)),
        ("adaptive_max_pool2d", (3, 4, 5), 6),
        ("adaptive_max_pool1d", (2, 9), 4),
        ("adaptive_max_pool3d", (2, 3, 7, 5, 6), (3, 2, 4)),
        ("adaptive_max_pool3d", (3, 4, 5, 3), (6, None, 2)),
    ],
)
def test_adaptive_max_pool_indices_are_torchs(fn, x_shape, output_size) -> None:
    x = np.random.default_rng(7).normal(size=x_shape)
    _, ours = getattr(tg.nn.functional, fn)(tg.tensor(x), output_size, return_indices=True)
    _, theirs = getattr(torch.nn.functional, fn)(torch.tensor(x), output_size, return_indices=True)
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
