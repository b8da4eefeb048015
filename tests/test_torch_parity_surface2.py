"""Parity fixes of issue surface16 next to PyTorch: activations on integer inputs, Parameter sharing its
tensor's version counter, binary_cross_entropy's range check, and Tensor methods courses use.

Each row is one call written once as `fn(lib, ...)` and run with `lib = tinygrad_edu` and `lib = torch`;
values and dtypes are compared, and errors where PyTorch raises. Skipped where torch is not installed.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import tinygrad_edu as tg
import tinygrad_edu.nn.functional as tg_F

torch = pytest.importorskip("torch")
torch_F = torch.nn.functional


def lib_F(lib: Any) -> Any:
    return tg_F if lib is tg else torch_F


def to_numpy(t: Any) -> np.ndarray:
    return t.detach().numpy() if isinstance(t, torch.Tensor) else np.asarray(t.data)


def dtype_name(t: Any) -> str:
    return str(t.dtype).removeprefix("torch.")


def outcome(call: Any, lib: Any) -> tuple[str, Any]:
    """("ok", (values, dtype)) or ("error", the exception), for comparing what each library does."""
    try:
        out = call(lib)
    except Exception as error:  # noqa: BLE001 (the error is what the row compares)
        return "error", error
    return "ok", (to_numpy(out), dtype_name(out))


def ints(lib: Any) -> Any:
    return lib.tensor([[-3, -1, 0], [1, 2, 5]])


# ---- 1. activations on an int tensor: float32 where PyTorch converts, an error where it has no kernel ----

ACTIVATIONS_ON_INTS = [
    ("F.sigmoid", lambda lib: lib_F(lib).sigmoid(ints(lib))),
    ("F.tanh", lambda lib: lib_F(lib).tanh(ints(lib))),
    ("nn.Sigmoid", lambda lib: lib.nn.Sigmoid()(ints(lib))),
    ("nn.Tanh", lambda lib: lib.nn.Tanh()(ints(lib))),
    ("Tensor.sigmoid", lambda lib: ints(lib).sigmoid()),
    ("tg.sigmoid", lambda lib: lib.sigmoid(ints(lib))),
    ("tg.tanh", lambda lib: lib.tanh(ints(lib))),
    ("F.softsign", lambda lib: lib_F(lib).softsign(ints(lib))),
    ("F.relu", lambda lib: lib_F(lib).relu(ints(lib))),
    ("nn.ReLU", lambda lib: lib.nn.ReLU()(ints(lib))),
    ("F.hardtanh", lambda lib: lib_F(lib).hardtanh(ints(lib), -1.5, 1.5)),
    ("F.relu6", lambda lib: lib_F(lib).relu6(ints(lib))),
    ("nn.Hardtanh", lambda lib: lib.nn.Hardtanh()(ints(lib))),
    ("F.threshold", lambda lib: lib_F(lib).threshold(ints(lib), 1, 7)),
    ("F.softmax dtype=", lambda lib: lib_F(lib).softmax(ints(lib), 1, dtype=lib.float32)),
    ("F.log_softmax dtype=", lambda lib: lib_F(lib).log_softmax(ints(lib), 1, dtype=lib.float64)),
    ("F.softmax", lambda lib: lib_F(lib).softmax(ints(lib), 1)),
    ("F.log_softmax", lambda lib: lib_F(lib).log_softmax(ints(lib), 1)),
    ("Tensor.softmax", lambda lib: ints(lib).softmax(0)),
    ("F.softmin", lambda lib: lib_F(lib).softmin(ints(lib), 1)),
    ("F.silu", lambda lib: lib_F(lib).silu(ints(lib))),
    ("F.gelu", lambda lib: lib_F(lib).gelu(ints(lib))),
    ("F.gelu tanh", lambda lib: lib_F(lib).gelu(ints(lib), approximate="tanh")),
    ("F.elu", lambda lib: lib_F(lib).elu(ints(lib))),
    ("F.celu", lambda lib: lib_F(lib).celu(ints(lib))),
    ("F.selu", lambda lib: lib_F(lib).selu(ints(lib))),
    ("F.mish", lambda lib: lib_F(lib).mish(ints(lib))),
    ("F.logsigmoid", lambda lib: lib_F(lib).logsigmoid(ints(lib))),
    ("F.softplus", lambda lib: lib_F(lib).softplus(ints(lib))),
    ("F.hardsigmoid", lambda lib: lib_F(lib).hardsigmoid(ints(lib))),
    ("F.hardswish", lambda lib: lib_F(lib).hardswish(ints(lib))),
    ("F.leaky_relu", lambda lib: lib_F(lib).leaky_relu(ints(lib))),
    ("nn.LeakyReLU", lambda lib: lib.nn.LeakyReLU()(ints(lib))),
    ("nn.ELU", lambda lib: lib.nn.ELU()(ints(lib))),
    ("nn.Softplus", lambda lib: lib.nn.Softplus()(ints(lib))),
]


@pytest.mark.parametrize("name, call", ACTIVATIONS_ON_INTS, ids=[row[0] for row in ACTIVATIONS_ON_INTS])
def test_activations_on_int_tensors_match_torch(name: str, call: Any) -> None:
    ours, theirs = outcome(call, tg), outcome(call, torch)
    assert ours[0] == theirs[0], f"{name}: tinygrad_edu {ours[1]!r}, torch {theirs[1]!r}"
    if ours[0] == "error":
        op = name.split(".")[-1].split()[0].lower()
        assert isinstance(ours[1], RuntimeError) and "dtype int64" in str(ours[1])
        assert name.startswith("nn.") or op in str(ours[1]), f"{name}: the error does not name the op: {ours[1]}"
        return
    (values, dtype), (expected, expected_dtype) = ours[1], theirs[1]
    assert dtype == expected_dtype
    np.testing.assert_allclose(values, expected, rtol=1e-6, atol=1e-7)


# ---- 3. binary_cross_entropy checks each element's input, then its target, is in [0, 1] ------------------

NAN = float("nan")
BCE_CASES = [
    ("in range", [0.3, 0.6], [1.0, 0.0]),
    ("input 0 and 1", [0.0, 1.0], [1.0, 0.0]),
    ("input above 1", [1.5, 0.3], [1.0, 0.0]),
    ("input below 0", [0.3, -0.1], [1.0, 0.0]),
    ("input nan", [NAN, 0.3], [1.0, 0.0]),
    ("target above 1", [0.3, 0.6], [1.5, 0.0]),
    ("target below 0", [0.3, 0.6], [1.0, -0.5]),
    ("target nan", [0.3, 0.6], [NAN, 1.0]),
    ("target bad first", [0.3, 1.5], [2.0, 1.0]),
    ("input bad first", [1.5, 0.3], [1.0, 2.0]),
    ("both bad at one element", [1.5, 0.3], [2.0, 1.0]),
    ("input bad, 2-d", [[0.2, 0.4], [0.6, 7.0]], [[0.0, 1.0], [1.0, 0.0]]),
]


@pytest.mark.parametrize("reduction", ["mean", "none"])
@pytest.mark.parametrize("name, x, y", BCE_CASES, ids=[case[0] for case in BCE_CASES])
def test_binary_cross_entropy_range_checks_match_torch(name: str, x: list, y: list, reduction: str) -> None:
    def call(lib: Any) -> Any:
        return lib_F(lib).binary_cross_entropy(lib.tensor(x), lib.tensor(y), reduction=reduction)

    ours, theirs = outcome(call, tg), outcome(call, torch)
    assert ours[0] == theirs[0], f"{name}: tinygrad_edu {ours[1]!r}, torch {theirs[1]!r}"
    if ours[0] == "error":
        assert isinstance(ours[1], RuntimeError)
        assert str(theirs[1]) in str(ours[1]), f"torch says {theirs[1]}, we say {ours[1]}"
    else:
        np.testing.assert_allclose(ours[1][0], theirs[1][0], rtol=1e-6)


def test_bce_loss_module_checks_as_the_function() -> None:
    with pytest.raises(RuntimeError, match="all elements of input should be between 0 and 1"):
        tg.nn.BCELoss()(tg.tensor([1.2]), tg.tensor([1.0]))
