"""Linear layers: Linear (y = x W^T + b), Identity, Flatten and Unflatten."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from tinygrad_edu.arguments import check_same_dtype
from tinygrad_edu.dtypes import DTypeLike, dtype_or_default
from tinygrad_edu.errors import ShapeError
from tinygrad_edu.nn import init
from tinygrad_edu.nn.module import Module, Parameter
from tinygrad_edu.ops.linalg import Linear as LinearOp
from tinygrad_edu.tensor import Tensor

__all__ = ["Linear", "Identity", "Flatten", "Unflatten"]


class Linear(Module):
    """A fully connected layer: y = x W^T + b, with W of shape (out_features, in_features), b (out_features,).

    Weights and bias start uniform in [-1/sqrt(in_features), 1/sqrt(in_features)), PyTorch's default,
    drawn from `tg.default_generator()` (so `tg.manual_seed(k)` makes them reproducible).
    `dtype` is the default dtype (float32, see tg.set_default_dtype) unless given.
    The input has shape (..., in_features).

    Example:
        >>> layer = nn.Linear(2, 4)
        >>> layer(tg.zeros(3, 2)).shape
        (3, 4)
        >>> layer.weight.shape, layer.bias.shape
        ((4, 2), (4,))
    """

    def __init__(self, in_features: int, out_features: int, bias: bool = True, dtype: DTypeLike = None) -> None:
        super().__init__()
        dtype = dtype_or_default(dtype)
        self.in_features = in_features
        self.out_features = out_features
        self.weight = Parameter(Tensor._from_op(np.empty((out_features, in_features), dtype=dtype), None))
        if bias:
            self.bias = Parameter(Tensor._from_op(np.empty((out_features,), dtype=dtype), None))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Draw new weights (then the bias) uniform in +-1/sqrt(in_features), as PyTorch's Linear."""
        # PyTorch writes this as kaiming_uniform_(weight, a=sqrt(5)), whose bound
        # sqrt(3) * sqrt(2 / (1 + 5)) / sqrt(fan_in) is exactly 1 / sqrt(fan_in).
        bound = 1 / math.sqrt(self.in_features) if self.in_features > 0 else 0.0
        init.uniform_(self.weight, -bound, bound)
        if self.bias is not None:
            init.uniform_(self.bias, -bound, bound)

    def forward(self, input: Any) -> Tensor:
        """input @ weight.T + bias, for an input of shape (..., in_features)."""
        if not isinstance(input, Tensor):
            input = Tensor(input)
        data = input.data
        # The checks are two comparisons; the messages, which name the layer (repr: 0.7 us, as long as the op's
        # own overhead), are built only when one fails.
        if data.shape[-1:] != (self.in_features,):
            raise ShapeError(
                f"{self!r}: input of shape {data.shape} should have in_features = {self.in_features} "
                "in its last dimension"
            )
        weight = self.weight  # read once: a parametrized weight (spectral_norm) is recomputed at each read
        if data.dtype != weight.data.dtype:
            check_same_dtype(repr(self), data, weight.data)  # an int input is refused, as in PyTorch
        return LinearOp.apply(input, weight, self.bias)

    def extra_repr(self) -> str:
        return f"in_features={self.in_features}, out_features={self.out_features}, bias={self.bias is not None}"


class Identity(Module):
    """Returns its input unchanged (a placeholder, e.g. for a layer switched off).

    Example:
        >>> x = tg.ones(2); nn.Identity()(x) is x
        True
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__()  # any arguments are accepted and ignored, as in PyTorch

    def forward(self, input: Any) -> Any:
        """The input itself."""
        return input


class Flatten(Module):
    """Merges dimensions start_dim..end_dim into one: (N, 2, 3) becomes (N, 6) by default.

    Example:
        >>> nn.Flatten()(tg.zeros(5, 2, 3)).shape
        (5, 6)
    """

    def __init__(self, start_dim: int = 1, end_dim: int = -1) -> None:
        super().__init__()
        self.start_dim = start_dim
        self.end_dim = end_dim

    def forward(self, input: Tensor) -> Tensor:
        """input.flatten(start_dim, end_dim)."""
        return input.flatten(self.start_dim, self.end_dim)

    def extra_repr(self) -> str:
        return f"start_dim={self.start_dim}, end_dim={self.end_dim}"


class Unflatten(Module):
    """Splits dimension `dim` into `unflattened_size`: Flatten's inverse. (N, 6) becomes (N, 2, 3).

    Example:
        >>> nn.Unflatten(1, (2, 3))(tg.zeros(5, 6)).shape
        (5, 2, 3)
    """

    def __init__(self, dim: int, unflattened_size: Sequence[int]) -> None:
        super().__init__()
        self.dim = dim
        self.unflattened_size = tuple(unflattened_size)

    def forward(self, input: Tensor) -> Tensor:
        """input reshaped, with dimension dim replaced by unflattened_size (one entry may be -1)."""
        shape = input.shape
        dim = self.dim % len(shape) if shape else 0
        return input.reshape(shape[:dim] + self.unflattened_size + shape[dim + 1 :])

    def extra_repr(self) -> str:
        return f"dim={self.dim}, unflattened_size={self.unflattened_size}"
