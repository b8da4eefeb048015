"""Still more activations, each a function (re-exported by nn.functional) beside its module: glu, the shrinks,
rrelu, gumbel_softmax, Softmax2d, and the in-place forms F.relu_, F.elu_, ... that write the result into x.

All are compositions of differentiable Tensor ops (where, sigmoid, tanh, softmax), so gradients and second
derivatives come from those ops. rrelu's random slopes and gumbel_softmax's noise come from the library's
generator (`tg.manual_seed`), so a seeded run draws the same ones.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from tinygrad_edu.creation import default_generator
from tinygrad_edu.errors import ArgumentError, ShapeError
from tinygrad_edu.nn.activation_extra import celu, elu, hardtanh, selu, threshold
from tinygrad_edu.nn.module import Module
from tinygrad_edu.tensor import Tensor, _operand_tensor, where

__all__ = [
    "glu",
    "softshrink",
    "hardshrink",
    "tanhshrink",
    "rrelu",
    "rrelu_",
    "gumbel_softmax",
    "relu_",
    "elu_",
    "leaky_relu_",
    "hardtanh_",
    "selu_",
    "celu_",
    "threshold_",
    "GLU",
    "Softshrink",
    "Hardshrink",
    "Tanhshrink",
    "Softmax2d",
    "RReLU",
]


def glu(input: Any, dim: int = -1) -> Tensor:
    """The gated linear unit a * sigmoid(b), where a and b are the two halves of x along `dim`.

    Example:
        >>> F.glu(tg.tensor([2.0, 0.0]))       # 2 * sigmoid(0)
        tensor([1.], dtype=float32)
    """
    x = _operand_tensor(input)
    if x.ndim == 0:
        raise ShapeError("glu does not support scalars because halving size must be even")
    axis = dim % x.ndim
    if x.shape[axis] % 2:
        raise ShapeError(f"Halving dimension must be even, but dimension {axis} is size {x.shape[axis]}")
    a, b = x.chunk(2, axis)
    return a * b.sigmoid()


def softshrink(input: Any, lambd: float = 0.5) -> Tensor:
    """x - lambd where x > lambd, x + lambd where x < -lambd, else 0.

    Example:
        >>> F.softshrink(tg.tensor([-2.0, 0.25, 1.0]))
        tensor([-1.5,  0. ,  0.5], dtype=float32)
    """
    if lambd < 0:
        raise ArgumentError(f"lambda must be greater or equal to 0, but found to be {lambd}.")
    x = _operand_tensor(input)
    return where(x > lambd, x - lambd, where(x < -lambd, x + lambd, 0.0))


def hardshrink(input: Any, lambd: float = 0.5) -> Tensor:
    """x where |x| > lambd, else 0.

    Example:
        >>> F.hardshrink(tg.tensor([-2.0, 0.25, 1.0]))
        tensor([-2.,  0.,  1.], dtype=float32)
    """
    x = _operand_tensor(input)
    return where((x > lambd) | (x < -lambd), x, 0.0)


def tanhshrink(input: Any) -> Tensor:
    """x - tanh(x).

    Example:
        >>> F.tanhshrink(tg.tensor([0.0]))
        tensor([0.], dtype=float32)
    """
    x = _operand_tensor(input)
    return x - x.tanh()


def rrelu(
    input: Any, lower: float = 1.0 / 8, upper: float = 1.0 / 3, training: bool = False, inplace: bool = False
) -> Tensor:
    """Randomized leaky relu: x for x >= 0, else a x, with a ~ U(lower, upper) drawn per element in training,
    and the mean slope (lower + upper) / 2 in eval.

    Example:
        >>> F.rrelu(tg.tensor([-3.0, 2.0]), 0.25, 0.75)      # eval: the slope 0.5
        tensor([-1.5,  2. ], dtype=float32)
    """
    x = _operand_tensor(input)
    if inplace:
        return rrelu_(x, lower, upper, training)
    return _rrelu(x, lower, upper, training, default_generator())


def _rrelu(x: Tensor, lower: float, upper: float, training: bool, generator: Any) -> Tensor:
    """rrelu with the slopes drawn from `generator` (torch.rrelu takes one)."""
    if training:
        slopes = generator.uniform(lower, upper, size=x.shape).astype(x.dtype)
        slope: Any = Tensor._from_op(np.asarray(slopes), None)
    else:
        slope = (lower + upper) / 2
    return where(x > 0, x, x * slope)  # (x = 0 takes the slope branch, as PyTorch: gradient = slope there)


def gumbel_softmax(logits: Any, tau: float = 1.0, hard: bool = False, eps: float = 1e-10, dim: int = -1) -> Tensor:
    """softmax((logits + g) / tau) along `dim`, with g ~ Gumbel(0, 1) noise: a differentiable sample of a
    categorical distribution. With hard=True the value is the one-hot of the argmax, and the gradient that
    of the soft sample (the straight-through estimator). `eps` is unused, as in PyTorch.

    Example:
        >>> y = F.gumbel_softmax(tg.zeros(2, 3), hard=True)
        >>> y.sum(-1).tolist()
        [1.0, 1.0]
    """
    x = _operand_tensor(logits)
    gumbels = -np.log(default_generator().exponential(size=x.shape)).astype(x.dtype)
    soft = ((x + Tensor._from_op(np.asarray(gumbels), None)) / tau).softmax(dim)
    if not hard:
        return soft
    index = np.expand_dims(np.argmax(soft.data, axis=dim), dim)
    one_hot = np.zeros_like(soft.data)
    np.put_along_axis(one_hot, index, 1.0, axis=dim)
    return Tensor._from_op(one_hot, None) - soft.detach() + soft


# ---- in place: the result written into the input, which is returned ---------------------------------------


def relu_(input: Tensor) -> Tensor:
    """x = relu(x), in place. Example: `F.relu_(h)` on a tensor h that does not require grad or a non-leaf."""
    return input.relu_()


def elu_(input: Tensor, alpha: float = 1.0) -> Tensor:
    """x = elu(x, alpha), in place."""
    return input._assign_result_("elu_", elu(input.clone(), alpha))


def leaky_relu_(input: Tensor, negative_slope: float = 0.01) -> Tensor:
    """x = leaky_relu(x, negative_slope), in place."""
    from tinygrad_edu.nn.functional import leaky_relu

    return input._assign_result_("leaky_relu_", leaky_relu(input.clone(), negative_slope))


def hardtanh_(input: Tensor, min_val: float = -1.0, max_val: float = 1.0) -> Tensor:
    """x = hardtanh(x, min_val, max_val), in place."""
    return input._assign_result_("hardtanh_", hardtanh(input.clone(), min_val, max_val))


def selu_(input: Tensor) -> Tensor:
    """x = selu(x), in place."""
    return input._assign_result_("selu_", selu(input.clone()))


def celu_(input: Tensor, alpha: float = 1.0) -> Tensor:
    """x = celu(x, alpha), in place."""
    return input._assign_result_("celu_", celu(input.clone(), alpha))


def threshold_(input: Tensor, threshold: float, value: float) -> Tensor:
    """x = threshold(x, threshold, value), in place."""
    return input._assign_result_("threshold_", _threshold(input.clone(), threshold, value))


_threshold = threshold  # (threshold_'s argument of the same name hides the function)


def rrelu_(input: Tensor, lower: float = 1.0 / 8, upper: float = 1.0 / 3, training: bool = False) -> Tensor:
    """x = rrelu(x, lower, upper, training), in place.

    Example:
        >>> h = tg.tensor([-4.0, 1.0])
        >>> F.rrelu_(h, 0.25, 0.25) is h
        True
        >>> h
        tensor([-1.,  1.], dtype=float32)
    """
    return input._assign_result_("rrelu_", rrelu(input.clone(), lower, upper, training))


# ---- the modules -----------------------------------------------------------------------------------------


class GLU(Module):
    """a * sigmoid(b), the halves of the input along `dim`. Example: `nn.GLU(dim=1)(x)`."""

    def __init__(self, dim: int = -1) -> None:
        super().__init__()
        self.dim = dim

    def forward(self, input: Tensor) -> Tensor:
        return glu(input, self.dim)

    def extra_repr(self) -> str:
        return f"dim={self.dim}"


class Softshrink(Module):
    """x -+ lambd outside [-lambd, lambd], else 0. Example: `nn.Softshrink(0.3)(x)`."""

    def __init__(self, lambd: float = 0.5) -> None:
        super().__init__()
        self.lambd = lambd

    def forward(self, input: Tensor) -> Tensor:
        return softshrink(input, self.lambd)

    def extra_repr(self) -> str:
        return str(self.lambd)


class Hardshrink(Module):
    """x outside [-lambd, lambd], else 0. Example: `nn.Hardshrink(0.3)(x)`."""

    def __init__(self, lambd: float = 0.5) -> None:
        super().__init__()
        self.lambd = lambd

    def forward(self, input: Tensor) -> Tensor:
        return hardshrink(input, self.lambd)

    def extra_repr(self) -> str:
        return f"{self.lambd}"


class Tanhshrink(Module):
    """x - tanh(x). Example: `nn.Tanhshrink()(x)`."""

    def forward(self, input: Tensor) -> Tensor:
        return tanhshrink(input)


class Softmax2d(Module):
    """softmax over the channels (dim -3) of a (N, C, H, W) or (C, H, W) input, at each position.

    Example:
        >>> nn.Softmax2d()(tg.zeros(2, 1, 1)).flatten()
        tensor([0.5, 0.5], dtype=float32)
    """

    def forward(self, input: Any) -> Tensor:
        x = _operand_tensor(input)
        if x.ndim not in (3, 4):
            raise ValueError(f"Softmax2d: expected input to be 3D or 4D, got {x.ndim}D instead")
        return x.softmax(-3)


class RReLU(Module):
    """Randomized leaky relu: random slopes in U(lower, upper) in training, their mean in eval. See `F.rrelu`.

    Example:
        >>> act = nn.RReLU(0.1, 0.3)
        >>> _ = act.eval()
        >>> act(tg.tensor([-1.0]))
        tensor([-0.2], dtype=float32)
    """

    def __init__(self, lower: float = 1.0 / 8, upper: float = 1.0 / 3, inplace: bool = False) -> None:
        super().__init__()
        self.lower = lower
        self.upper = upper
        self.inplace = inplace

    def forward(self, input: Tensor) -> Tensor:
        return rrelu(input, self.lower, self.upper, self.training, self.inplace)

    def extra_repr(self) -> str:
        return f"lower={self.lower}, upper={self.upper}" + (", inplace=True" if self.inplace else "")
