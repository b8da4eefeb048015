"""The bilinear layer y_k = x1^T W_k x2 + b_k: F.bilinear and nn.Bilinear.

It is two matrix products: x1 against every W_k at once (W reshaped to (in1, out * in2)), then each result
row dotted with x2. The gradients are those of matmul, mul and sum.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from tinygrad_edu.arguments import check_same_dtype
from tinygrad_edu.dtypes import DTypeLike, dtype_or_default
from tinygrad_edu.errors import ShapeError
from tinygrad_edu.nn import init
from tinygrad_edu.nn.module import Module, Parameter
from tinygrad_edu.tensor import Tensor, _operand_tensor

__all__ = ["bilinear", "Bilinear"]


def bilinear(input1: Any, input2: Any, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """y_k = sum_ij x1_i W_kij x2_j + b_k, for inputs (*, in1) and (*, in2) and weight (out, in1, in2), as
    `torch.nn.functional.bilinear`.

    Example:
        >>> F.bilinear(tg.tensor([[1.0, 2.0]]), tg.tensor([[3.0]]), tg.ones(1, 2, 1))    # (1 + 2) * 3
        tensor([[9.]], dtype=float32)
    """
    x1, x2 = _operand_tensor(input1), _operand_tensor(input2)
    w = _operand_tensor(weight)
    if w.ndim != 3:
        raise ShapeError(f"bilinear(): weight must be 3-dimensional (out, in1, in2), got shape {tuple(w.shape)}")
    out, in1, in2 = w.shape
    if x1.shape[:-1] != x2.shape[:-1]:
        raise ShapeError(
            f"bilinear(): input batch dimensions do not match: got {tuple(x1.shape[:-1])} and {tuple(x2.shape[:-1])}"
        )
    if x1.shape[-1:] != (in1,) or x2.shape[-1:] != (in2,):
        raise ShapeError(
            f"bilinear(): input sizes {x1.shape[-1:]} and {x2.shape[-1:]} do not match the weight's "
            f"(in1, in2) = ({in1}, {in2})"
        )
    check_same_dtype("bilinear", x1.data, w.data)
    check_same_dtype("bilinear", x2.data, w.data)
    batch = tuple(x1.shape[:-1])
    a, b = x1.reshape(-1, in1), x2.reshape(-1, in2)
    # x1 W_k for every k at once: (B, in1) @ (in1, out * in2) -> (B, out, in2)
    left = (a @ w.permute(1, 0, 2).reshape(in1, out * in2)).reshape(-1, out, in2)
    y = (left * b.unsqueeze(1)).sum(-1)
    if bias is not None:
        y = y + bias
    return y.reshape(*batch, out)


class Bilinear(Module):
    """y = x1^T W x2 + b, with W of shape (out_features, in1_features, in2_features) and b (out_features,), both
    drawn uniform in [-1/sqrt(in1_features), 1/sqrt(in1_features)), as PyTorch's Bilinear.

    Example:
        >>> layer = nn.Bilinear(3, 2, 4)
        >>> layer(tg.zeros(5, 3), tg.zeros(5, 2)).shape, layer.weight.shape
        ((5, 4), (4, 3, 2))
    """

    def __init__(
        self,
        in1_features: int,
        in2_features: int,
        out_features: int,
        bias: bool = True,
        device: Any = None,
        dtype: DTypeLike = None,
    ) -> None:
        super().__init__()
        dt = dtype_or_default(dtype)
        self.in1_features = in1_features
        self.in2_features = in2_features
        self.out_features = out_features
        self.weight = Parameter(Tensor._from_op(np.empty((out_features, in1_features, in2_features), dtype=dt), None))
        if bias:
            self.bias = Parameter(Tensor._from_op(np.empty((out_features,), dtype=dt), None))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Draw the weight (then the bias) uniform in +-1/sqrt(in1_features)."""
        bound = 1 / math.sqrt(self.weight.shape[1]) if self.weight.shape[1] > 0 else 0.0
        init.uniform_(self.weight, -bound, bound)
        if self.bias is not None:
            init.uniform_(self.bias, -bound, bound)

    def forward(self, input1: Tensor, input2: Tensor) -> Tensor:
        return bilinear(input1, input2, self.weight, self.bias)

    def extra_repr(self) -> str:
        return (
            f"in1_features={self.in1_features}, in2_features={self.in2_features}, "
            f"out_features={self.out_features}, bias={self.bias is not None}"
        )
