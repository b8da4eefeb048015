"""More activations, each as a function (re-exported by nn.functional) beside its module, as in torch.nn.

Every one is composed of existing differentiable Tensor ops (exp, tanh, sigmoid, softplus, where, clamp,
max, min), so its gradient is the chain rule of those ops and needs no backward of its own. The formula
is in each docstring. GELU's exact form needs erf, which the library does not have: `approximate="tanh"`
is implemented, and the default ('none') raises, naming it.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from tinygrad_edu.dtypes import dtype_or_default
from tinygrad_edu.errors import ShapeError
from tinygrad_edu.nn import functional as F
from tinygrad_edu.nn.module import Module, Parameter
from tinygrad_edu.ops import elementwise
from tinygrad_edu.tensor import Tensor, _operand_tensor
from tinygrad_edu.tensor_math import _float_only

__all__ = [
    "gelu",
    "silu",
    "elu",
    "celu",
    "selu",
    "softsign",
    "hardtanh",
    "relu6",
    "hardsigmoid",
    "hardswish",
    "mish",
    "logsigmoid",
    "softmin",
    "threshold",
    "prelu",
    "GELU",
    "SiLU",
    "ELU",
    "CELU",
    "SELU",
    "Softsign",
    "Hardtanh",
    "ReLU6",
    "Hardsigmoid",
    "Hardswish",
    "Mish",
    "LogSigmoid",
    "Softmin",
    "Threshold",
    "PReLU",
]

# SELU's constants (Klambauer et al., 2017): the fixed point of mean 0, variance 1
SELU_ALPHA = 1.6732632423543772848170429916717
SELU_SCALE = 1.0507009873554804934193349852946


def _where(condition: Tensor, a: Tensor, b: Any) -> Tensor:
    return elementwise.Where.apply(condition, a, b)


# ---- the functions --------------------------------------------------------------------------------------


def gelu(input: Tensor, approximate: str = "none") -> Tensor:
    """x Phi(x) = x/2 (1 + erf(x / sqrt 2)) (PyTorch's default, 'none'); with approximate='tanh':
    x/2 (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))).
    """
    x = _float_only("gelu", _operand_tensor(input))
    if approximate == "none":
        return 0.5 * x * (1 + (x * (1 / math.sqrt(2))).erf())
    if approximate != "tanh":
        raise ValueError(f"gelu: approximate must be 'none' or 'tanh', got {approximate!r}")
    inner = (x + 0.044715 * x**3) * math.sqrt(2 / math.pi)
    return 0.5 * x * (1 + inner.tanh())


def silu(input: Tensor, inplace: bool = False) -> Tensor:
    """x sigmoid(x) (also called swish)."""
    x = _float_only("silu", _operand_tensor(input))
    return x * x.sigmoid()


def _exp_minus_one(x: Tensor) -> Tensor:
    """e^x - 1 for x <= 0: the negative branch of elu, without overflow where x is large (the branch is unused
    there). x itself at 0 (not min(x, 0), which halves a tie's gradient): PyTorch's gradient at 0 is this branch's."""
    return _where(x <= 0, x, 0.0).exp() - 1


def elu(input: Tensor, alpha: float = 1.0, inplace: bool = False) -> Tensor:
    """x for x > 0, else alpha (e^x - 1)."""
    x = _float_only("elu", _operand_tensor(input))
    return _where(x > 0, x, alpha * _exp_minus_one(x))


def celu(input: Tensor, alpha: float = 1.0, inplace: bool = False) -> Tensor:
    """max(0, x) + min(0, alpha (e^(x/alpha) - 1))."""
    if alpha == 0:
        raise ValueError("celu: ZeroDivisionError, alpha cannot be 0 (it divides x)")
    x = _float_only("celu", _operand_tensor(input))
    return _where(x > 0, x, alpha * _exp_minus_one(x / alpha))


def selu(input: Tensor, inplace: bool = False) -> Tensor:
    """scale (x for x > 0, else alpha (e^x - 1)), with scale = 1.0507..., alpha = 1.6732...."""
    return SELU_SCALE * elu(_float_only("selu", _operand_tensor(input)), SELU_ALPHA)


def softsign(input: Tensor) -> Tensor:
    """x / (1 + |x|)."""
    x = _operand_tensor(input)
    return x / (1 + x.abs())


def hardtanh(input: Tensor, min_val: float = -1.0, max_val: float = 1.0, inplace: bool = False) -> Tensor:
    """x clamped to [min_val, max_val]; its gradient is 1 strictly inside, 0 outside and on the bounds themselves
    (PyTorch's; clamp's is 1 on the bounds)."""
    if min_val > max_val:
        raise ValueError("min_val cannot be greater than max_val")
    x = _operand_tensor(input)
    if x.data.dtype.kind in "iu":  # an int tensor stays int, its bounds truncated to ints, as PyTorch
        return x.clamp(int(min_val), int(max_val))
    return _where(x > min_val, _where(x < max_val, x, max_val), min_val)


def relu6(input: Tensor, inplace: bool = False) -> Tensor:
    """min(max(0, x), 6)."""
    return hardtanh(input, 0.0, 6.0)


def hardsigmoid(input: Tensor, inplace: bool = False) -> Tensor:
    """0 for x <= -3, 1 for x >= 3, x/6 + 1/2 between: a piecewise-linear sigmoid. Its gradient is 1/6 strictly
    between, 0 at -3 and 3 themselves, as PyTorch's."""
    x = _float_only("hardsigmoid", _operand_tensor(input))
    return _where(x > -3, _where(x < 3, x / 6 + 0.5, 1.0), 0.0)


def hardswish(input: Tensor, inplace: bool = False) -> Tensor:
    """x hardsigmoid(x) (MobileNetV3): 0 for x <= -3, x for x >= 3, x (x + 3) / 6 between. Its gradient,
    (2x + 3) / 6 between, is PyTorch's at the joins too: 0 at -3 and 1 at 3."""
    x = _float_only("hardswish", _operand_tensor(input))
    return _where(x > -3, _where(x < 3, x * (x + 3) / 6, x), 0.0)


def mish(input: Tensor, inplace: bool = False) -> Tensor:
    """x tanh(softplus(x))."""
    x = _float_only("mish", _operand_tensor(input))
    return x * F.softplus(x).tanh()


def logsigmoid(input: Tensor) -> Tensor:
    """log(sigmoid(x)) = -softplus(-x), computed so that it neither overflows nor takes log(0)."""
    return -F.softplus(-_float_only("logsigmoid", _operand_tensor(input)))


def softmin(input: Tensor, dim: int | None = None) -> Tensor:
    """softmax(-x) along dim (no dim: PyTorch's deprecated guess, with its warning; see F._implicit_dim)."""
    x = _float_only("softmin", _operand_tensor(input))
    return (-x).softmax(F._implicit_dim("softmin", x.ndim) if dim is None else dim)


def threshold(input: Tensor, threshold: float, value: float, inplace: bool = False) -> Tensor:
    """x where x > threshold, else value."""
    x = _operand_tensor(input)
    return _where(x > threshold, x, np.asarray(value, dtype=x.data.dtype))


def prelu(input: Tensor, weight: Tensor) -> Tensor:
    """x for x > 0, else a x, with a learned a per channel (dimension 1 of the input) or one a for all."""
    x = _operand_tensor(input)
    F._check_layer_dtypes("prelu", x, weight=weight)
    n = weight.data.size
    if n != 1:
        channels = x.data.shape[1] if x.ndim >= 2 else None
        if channels != n:
            raise ShapeError(
                f"prelu: weight has {n} values, one per channel, but the input of shape {x.data.shape} "
                f"has {channels} channels in dimension 1"
            )
        weight = weight.reshape((n,) + (1,) * (x.ndim - 2))  # lines up with dimension 1
    return _where(x > 0, x, weight * x)


# ---- the modules --------------------------------------------------------------------------------------


class GELU(Module):
    """gelu(x, approximate): the exact x Phi(x) by default, or its tanh approximation (see `gelu`).

    Example:
        >>> nn.GELU(approximate="tanh")(tg.tensor([1.0]))      # x * Phi(x), Phi by its tanh approximation
        tensor([0.841192], dtype=float32)
    """

    def __init__(self, approximate: str = "none") -> None:
        super().__init__()
        if approximate not in ("none", "tanh"):
            raise ValueError(f"GELU: approximate must be 'none' or 'tanh', got {approximate!r}")
        self.approximate = approximate

    def forward(self, input: Tensor) -> Tensor:
        return gelu(input, self.approximate)

    def extra_repr(self) -> str:
        return f"approximate='{self.approximate}'"


class _Elementwise(Module):
    """An activation with no parameters and an `inplace` flag (accepted; the result is always a new tensor)."""

    def __init__(self, inplace: bool = False) -> None:
        super().__init__()
        self.inplace = inplace

    def extra_repr(self) -> str:
        return "inplace=True" if self.inplace else ""


class SiLU(_Elementwise):
    """x sigmoid(x). Example: `nn.SiLU()(x)`."""

    def forward(self, input: Tensor) -> Tensor:
        return silu(input)


class ELU(_Elementwise):
    """x for x > 0, else alpha (e^x - 1). Example: `nn.ELU(alpha=0.5)(x)`."""

    def __init__(self, alpha: float = 1.0, inplace: bool = False) -> None:
        super().__init__(inplace)
        self.alpha = alpha

    def forward(self, input: Tensor) -> Tensor:
        return elu(input, self.alpha)

    def extra_repr(self) -> str:
        return f"alpha={self.alpha}" + (", inplace=True" if self.inplace else "")


class CELU(ELU):
    """max(0, x) + min(0, alpha (e^(x/alpha) - 1)). Example: `nn.CELU(alpha=2.0)(x)`."""

    def forward(self, input: Tensor) -> Tensor:
        return celu(input, self.alpha)


class SELU(_Elementwise):
    """scale * elu(x, alpha) with the self-normalising constants. Example: `nn.SELU()(x)`."""

    def forward(self, input: Tensor) -> Tensor:
        return selu(input)


class Softsign(Module):
    """x / (1 + |x|). Example: `nn.Softsign()(x)`."""

    def forward(self, input: Tensor) -> Tensor:
        return softsign(input)


class Hardtanh(_Elementwise):
    """x clamped to [min_val, max_val]. Example: `nn.Hardtanh(-2.0, 2.0)(x)`."""

    def __init__(self, min_val: float = -1.0, max_val: float = 1.0, inplace: bool = False) -> None:
        super().__init__(inplace)
        if min_val > max_val:
            raise ValueError("min_val cannot be greater than max_val")
        self.min_val = min_val
        self.max_val = max_val

    def forward(self, input: Tensor) -> Tensor:
        return hardtanh(input, self.min_val, self.max_val)

    def extra_repr(self) -> str:
        return f"min_val={self.min_val}, max_val={self.max_val}" + (", inplace=True" if self.inplace else "")


class ReLU6(Hardtanh):
    """min(max(0, x), 6). Example: `nn.ReLU6()(x)`."""

    def __init__(self, inplace: bool = False) -> None:
        super().__init__(0.0, 6.0, inplace)

    def extra_repr(self) -> str:
        return "inplace=True" if self.inplace else ""


class Hardsigmoid(_Elementwise):
    """relu6(x + 3) / 6. Example: `nn.Hardsigmoid()(x)`."""

    def forward(self, input: Tensor) -> Tensor:
        return hardsigmoid(input)


class Hardswish(_Elementwise):
    """x relu6(x + 3) / 6. Example: `nn.Hardswish()(x)`."""

    def forward(self, input: Tensor) -> Tensor:
        return hardswish(input)


class Mish(_Elementwise):
    """x tanh(softplus(x)). Example: `nn.Mish()(x)`."""

    def forward(self, input: Tensor) -> Tensor:
        return mish(input)


class LogSigmoid(Module):
    """log(sigmoid(x)). Example: `nn.LogSigmoid()(x)`."""

    def forward(self, input: Tensor) -> Tensor:
        return logsigmoid(input)


class Softmin(Module):
    """softmax(-x) along dim. Example: `nn.Softmin(dim=1)(x)`."""

    def __init__(self, dim: int | None = None) -> None:
        super().__init__()
        self.dim = dim

    def forward(self, input: Tensor) -> Tensor:
        return softmin(input, self.dim)

    def extra_repr(self) -> str:
        return f"dim={self.dim}"


class Threshold(_Elementwise):
    """x where x > threshold, else value. Example: `nn.Threshold(0.1, 20.0)(x)`."""

    def __init__(self, threshold: float, value: float, inplace: bool = False) -> None:
        super().__init__(inplace)
        self.threshold = threshold
        self.value = value

    def forward(self, input: Tensor) -> Tensor:
        return threshold(input, self.threshold, self.value)

    def extra_repr(self) -> str:
        return f"threshold={self.threshold}, value={self.value}" + (", inplace=True" if self.inplace else "")


class PReLU(Module):
    """x for x > 0, else a x, with a learned slope a: one for all channels, or one per channel (dimension 1).

    The slope is the parameter `weight`, of shape (num_parameters,), initialised to `init` (0.25).

    Example:
        >>> act = nn.PReLU(num_parameters=3)      # for inputs (N, 3, ...)
    """

    def __init__(self, num_parameters: int = 1, init: float = 0.25, device: Any = None, dtype: Any = None) -> None:
        super().__init__()
        self.num_parameters = num_parameters
        self.init = init
        self.weight = Parameter(np.full((num_parameters,), init, dtype=dtype_or_default(dtype)))

    def reset_parameters(self) -> None:
        self.weight.data[...] = self.init

    def forward(self, input: Tensor) -> Tensor:
        return prelu(input, self.weight)

    def extra_repr(self) -> str:
        return f"num_parameters={self.num_parameters}"
