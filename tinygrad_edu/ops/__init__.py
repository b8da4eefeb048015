"""Where the forward and backward passes live: every differentiable op, one Function class each.

- `elementwise.py`: + - * / ** maximum minimum where, exp log log1p sqrt abs relu sigmoid tanh sin cos clamp, casts
- `reduce.py`: sum mean max min, softmax log_softmax logsumexp
- `movement.py`: reshape permute expand index setitem gather cat stack
- `linalg.py`: matmul, linear
- `conv.py`: conv2d, max_pool2d, avg_pool2d (the 1-d forms are these at height 1), from strided windows
- `loss.py`: each loss as one fused op (called by `nn.functional`, so not re-exported here)
"""

from tinygrad_edu.ops.conv import AvgPool2d, Conv2d, MaxPool2d
from tinygrad_edu.ops.elementwise import (
    Abs, Add, Cast, Clamp, Copy, Cos, Div, Exp, Log, Log1p, Maximum, Minimum, Mul, Neg, Pow, ReLU,
    Sigmoid, Sin, Sqrt, Sub, Tanh, Where,
)
from tinygrad_edu.ops.linalg import Linear, MatMul
from tinygrad_edu.ops.movement import Cat, Expand, Gather, Index, Permute, Reshape, SetItem, Stack
from tinygrad_edu.ops.reduce import LogSoftmax, LogSumExp, Max, Mean, Min, Softmax, Sum

__all__ = [
    "Abs", "Add", "Cast", "Clamp", "Copy", "Div", "Exp", "Log", "Log1p", "Maximum", "Minimum", "Mul", "Neg",
    "Pow", "ReLU", "Sigmoid", "Sqrt", "Sub", "Tanh", "Where", "Sin", "Cos",
    "Linear", "MatMul",
    "AvgPool2d", "Conv2d", "MaxPool2d",
    "Cat", "Expand", "Gather", "Index", "Permute", "Reshape", "SetItem", "Stack",
    "LogSoftmax", "LogSumExp", "Max", "Mean", "Min", "Softmax", "Sum",
]
