"""Every nn layer makes its parameters and float buffers in the default dtype (tg.set_default_dtype), or in the
`dtype=` it is given, as PyTorch's layers do; integer buffers such as num_batches_tracked stay int64.

The table covers every Module class that nn exports (a new class without an entry is built with no arguments,
and the test fails if it needs some), so a new layer cannot forget its dtype unnoticed.
"""

from __future__ import annotations

import inspect
from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu import nn

# containers hold what they are given; losses make nothing
NOT_LAYERS = {"Module", "Sequential", "ModuleList", "ModuleDict", "ParameterList", "ParameterDict"}

# name: fn(lib) -> (args, kwargs) for the classes that need arguments (the rest are built with none)
ARGS: dict[str, Any] = {
    "Linear": lambda lib: ((3, 2), {}),
    "LazyLinear": lambda lib: ((3,), {}),
    "Embedding": lambda lib: ((5, 3), {"padding_idx": 0}),
    "LayerNorm": lambda lib: ((4,), {}),
    "GroupNorm": lambda lib: ((2, 4), {}),
    "BatchNorm1d": lambda lib: ((3,), {}),
    "BatchNorm2d": lambda lib: ((3,), {}),
    "BatchNorm3d": lambda lib: ((3,), {}),
    "Conv1d": lambda lib: ((2, 4, 3), {}),
    "Conv2d": lambda lib: ((2, 4, 3), {}),
    "Conv3d": lambda lib: ((2, 4, 3), {}),
    "ConvTranspose1d": lambda lib: ((2, 4, 3), {}),
    "ConvTranspose2d": lambda lib: ((2, 4, 3), {}),
    "ConvTranspose3d": lambda lib: ((2, 4, 3), {}),
    "MaxPool1d": lambda lib: ((2,), {}),
    "MaxPool2d": lambda lib: ((2,), {}),
    "MaxPool3d": lambda lib: ((2,), {}),
    "AvgPool1d": lambda lib: ((2,), {}),
    "AvgPool2d": lambda lib: ((2,), {}),
    "AvgPool3d": lambda lib: ((2,), {}),
    "AdaptiveAvgPool1d": lambda lib: ((2,), {}),
    "AdaptiveAvgPool2d": lambda lib: ((2,), {}),
    "AdaptiveAvgPool3d": lambda lib: ((2,), {}),
    "AdaptiveMaxPool1d": lambda lib: ((2,), {}),
    "AdaptiveMaxPool2d": lambda lib: ((2,), {}),
    "AdaptiveMaxPool3d": lambda lib: ((2,), {}),
    "Unflatten": lambda lib: ((1, (2, 2)), {}),
    "Threshold": lambda lib: ((0.1, 0.0), {}),
    "Softmax": lambda lib: ((), {"dim": 1}),
    "LogSoftmax": lambda lib: ((), {"dim": 1}),
    "Softmin": lambda lib: ((), {"dim": 1}),
    "PReLU": lambda lib: ((3,), {}),
    "MultiheadAttention": lambda lib: ((4, 2), {"add_bias_kv": True}),
    "MultiheadAttention kdim": lambda lib: ((4, 2), {"kdim": 3, "vdim": 5}),
    "TransformerEncoderLayer": lambda lib: ((4, 2), {"dim_feedforward": 8}),
    "TransformerEncoder": lambda lib: ((lib.nn.TransformerEncoderLayer(4, 2, 8, batch_first=True), 2), {}),
    "TransformerDecoderLayer": lambda lib: ((4, 2), {"dim_feedforward": 8}),
    "TransformerDecoder": lambda lib: ((lib.nn.TransformerDecoderLayer(4, 2, 8, batch_first=True), 2), {}),
    "Transformer": lambda lib: (
        (),
        {"d_model": 4, "nhead": 2, "num_encoder_layers": 1, "num_decoder_layers": 1, "dim_feedforward": 8},
    ),
    "RNNBase": lambda lib: (("GRU", 3, 4), {}),
    "RNN": lambda lib: ((3, 4), {"num_layers": 2, "bidirectional": True}),
    "LSTM": lambda lib: ((3, 4), {"proj_size": 2}),
    "GRU": lambda lib: ((3, 4), {}),
    "RNNCellBase": lambda lib: ((3, 4, True, 2), {}),
    "RNNCell": lambda lib: ((3, 4), {}),
    "LSTMCell": lambda lib: ((3, 4), {}),
    "GRUCell": lambda lib: ((3, 4), {}),
}

# the nn-extra block (padding layers, shuffles, instance/RMS/local response norm, fold, unpooling, lp pooling, bilinear)
ARGS.update(
    {
        **{
            f"{kind}Pad{d}d": lambda lib: ((1,), {})
            for kind in ("Zero", "Reflection", "Replication", "Circular")
            for d in (1, 2, 3)
        },
        **{f"ConstantPad{d}d": lambda lib: ((1, 0.5), {}) for d in (1, 2, 3)},
        "PixelShuffle": lambda lib: ((2,), {}),
        "PixelUnshuffle": lambda lib: ((2,), {}),
        "ChannelShuffle": lambda lib: ((2,), {}),
        "InstanceNorm1d": lambda lib: ((3,), {"affine": True, "track_running_stats": True}),
        "InstanceNorm2d": lambda lib: ((3,), {"affine": True}),
        "InstanceNorm3d": lambda lib: ((3,), {"track_running_stats": True}),
        "RMSNorm": lambda lib: ((4,), {}),
        "LocalResponseNorm": lambda lib: ((2,), {}),
        "Unfold": lambda lib: ((2,), {}),
        "Fold": lambda lib: ((4, 2), {}),
        "MaxUnpool1d": lambda lib: ((2,), {}),
        "MaxUnpool2d": lambda lib: ((2,), {}),
        "LPPool1d": lambda lib: ((2, 2), {}),
        "LPPool2d": lambda lib: ((2, 2), {}),
        "Bilinear": lambda lib: ((3, 2, 4), {}),
    }
)


def layer_names() -> list[str]:
    names = [n for n in nn.__all__ if isinstance(getattr(nn, n), type) and issubclass(getattr(nn, n), nn.Module)]
    return [n for n in names if n not in NOT_LAYERS] + [n for n in ARGS if " " in n]


def takes_dtype(lib: Any, name: str) -> bool:
    # A class whose __init__ is (*args, **kwargs) passes them on (torch's RNN, LSTM, GRU to RNNBase): ask its base.
    for cls in getattr(lib.nn, name.split()[0]).__mro__:
        parameters = inspect.signature(cls).parameters
        if not any(p.kind is inspect.Parameter.VAR_KEYWORD for p in parameters.values()):
            return "dtype" in parameters
    return False


def build(lib: Any, name: str, **extra: Any) -> Any:
    args, kwargs = ARGS[name](lib) if name in ARGS else ((), {})
    module = getattr(lib.nn, name.split()[0])(*args, **kwargs, **extra)
    if name.startswith("Lazy"):  # a dry run gives the weights their shape (the dtype is already set, as in torch)
        module(lib.zeros(1, 2, dtype=module.weight.dtype))
    return module


def tensors(module: Any) -> Iterator[tuple[str, np.dtype]]:
    """(name, dtype) of every parameter and buffer, PyTorch's state_dict names."""
    for key, value in module.state_dict().items():
        yield key, np.asarray(value.numpy() if hasattr(value, "numpy") else value).dtype


@pytest.fixture
def float64_default() -> Iterator[None]:
    tg.set_default_dtype(tg.float64)
    try:
        yield
    finally:
        tg.set_default_dtype(tg.float32)


@pytest.mark.parametrize("name", layer_names())
def test_a_layer_takes_the_default_dtype(name: str, float64_default: None) -> None:
    for key, dtype in tensors(build(tg, name)):
        expected = np.int64 if key.endswith("num_batches_tracked") else np.float64
        assert dtype == expected, f"{name}.{key} is {dtype}, expected {np.dtype(expected)}"


@pytest.mark.parametrize("name", [n for n in layer_names() if takes_dtype(tg, n)])
def test_dtype_argument_overrides_the_default(name: str) -> None:
    module = build(tg, name, dtype=tg.float64)  # (the default stays float32)
    for key, dtype in tensors(module):
        assert dtype == (np.int64 if key.endswith("num_batches_tracked") else np.float64), f"{name}.{key}"


def test_the_layers_that_take_dtype_are_torchs() -> None:
    torch = pytest.importorskip("torch")
    names = {n.split()[0] for n in layer_names() if hasattr(torch.nn, n.split()[0])}

    assert {n for n in names if takes_dtype(tg, n)} == {n for n in names if takes_dtype(torch, n)}


@pytest.mark.parametrize("name", layer_names())
def test_parameter_and_buffer_dtypes_are_torchs_under_a_float64_default(name: str, float64_default: None) -> None:
    torch = pytest.importorskip("torch")
    if not hasattr(torch.nn, name.split()[0]):
        pytest.skip(f"torch.nn has no {name}")
    previous = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    try:
        theirs = dict(tensors(build(torch, name)))
    finally:
        torch.set_default_dtype(previous)
    assert dict(tensors(build(tg, name))) == theirs
