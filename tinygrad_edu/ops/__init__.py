"""Where the forward and backward passes live: every differentiable op, one Function class each.

- `elementwise.py`: + - * / ** maximum minimum where, exp log log1p sqrt abs relu sigmoid tanh sin cos clamp, casts
- `trig.py`: tan, asin acos atan atan2 hypot, sinh cosh asinh acosh atanh
- `explog.py`: exp2 expm1 log2 log10 logaddexp xlogy, erf erfc
- `rounding.py`: floor ceil round trunc sign (gradient 0), floor_divide (none), fmod remainder copysign nan_to_num
- `reduce.py`: sum mean max min, softmax log_softmax logsumexp
- `scan.py`: prod, cumsum cumprod logcumsumexp
- `movement.py`: reshape permute expand index setitem gather cat stack
- `scatter.py`: scatter scatter_add scatter_reduce index_add index_copy: writing into a copy at indices
- `linalg.py`: matmul, linear
- `conv.py`: conv, conv_transpose, max_pool, avg_pool in 1, 2 or 3 spatial dims, from strided windows
- `einsum.py`: einsum
- `special.py`: torch.special's lgamma digamma polygamma erfinv erfcx log_ndtr ndtri i0 i0e i1 i1e sinc entr xlog1py
  igamma igammac zeta (their NumPy numerics: `special_numerics.py`)
- `decompositions.py`: torch.linalg's inv det log|det| solve cholesky qr eigh svd (several results packed in one)
- `loss.py`: each loss as one fused op (called by `nn.functional`, so not re-exported here)

Composites, made of these ops so that their gradients need no formula of their own, sit at the end of their
op's file: var/std and max/min with indices in `reduce.py`, split/chunk's pieces in `movement.py`, softplus
and leaky_relu in `elementwise.py`. The import lines below and `__all__` are the list of op classes;
tests/test_front_door.py fails, naming the class, when one is missing.
"""

from tinygrad_edu.ops.conv import AvgPool, Conv, ConvTranspose, MaxPool
from tinygrad_edu.ops.decompositions import QR, SVD, Cholesky, Det, Eigh, Inv, LogAbsDet, Solve
from tinygrad_edu.ops.einsum import Einsum
from tinygrad_edu.ops.elementwise import (
    Abs,
    Add,
    Cast,
    Clamp,
    Copy,
    Cos,
    Div,
    Exp,
    Log,
    Log1p,
    Maximum,
    Minimum,
    Mul,
    Neg,
    Pow,
    ReLU,
    Sigmoid,
    Sin,
    Sqrt,
    Sub,
    Tanh,
    Where,
)
from tinygrad_edu.ops.explog import Erf, Erfc, Exp2, Expm1, Log2, Log10, LogAddExp, Xlogy
from tinygrad_edu.ops.linalg import Linear, MatMul
from tinygrad_edu.ops.movement import Cat, Expand, Gather, Index, Permute, Reshape, SetItem, Stack
from tinygrad_edu.ops.reduce import LogSoftmax, LogSumExp, Max, Mean, Min, Softmax, Sum
from tinygrad_edu.ops.rounding import (
    Ceil,
    Copysign,
    Floor,
    FloorDivide,
    Fmod,
    NanToNum,
    Remainder,
    Round,
    Sign,
    Trunc,
)
from tinygrad_edu.ops.scan import Cumprod, Cumsum, LogCumSumExp, Prod
from tinygrad_edu.ops.scatter import Scatter, ScatterAdd, ScatterReduce
from tinygrad_edu.ops.special import (
    I0,
    I1,
    Digamma,
    Entr,
    Erfcx,
    Erfinv,
    I0e,
    I1e,
    Igamma,
    Igammac,
    Lgamma,
    LogNdtr,
    Ndtri,
    Polygamma,
    Sinc,
    Xlog1py,
    Zeta,
)
from tinygrad_edu.ops.trig import Acos, Acosh, Asin, Asinh, Atan, Atan2, Atanh, Cosh, Hypot, Sinh, Tan

__all__ = [
    "Abs",
    "Add",
    "Cast",
    "Clamp",
    "Copy",
    "Div",
    "Exp",
    "Log",
    "Log1p",
    "Maximum",
    "Minimum",
    "Mul",
    "Neg",
    "Pow",
    "ReLU",
    "Sigmoid",
    "Sqrt",
    "Sub",
    "Tanh",
    "Where",
    "Sin",
    "Cos",
    "Tan",
    "Asin",
    "Acos",
    "Atan",
    "Atan2",
    "Hypot",
    "Sinh",
    "Cosh",
    "Asinh",
    "Acosh",
    "Atanh",
    "Exp2",
    "Expm1",
    "Log2",
    "Log10",
    "LogAddExp",
    "Xlogy",
    "Erf",
    "Erfc",
    "Floor",
    "Ceil",
    "Round",
    "Trunc",
    "Sign",
    "FloorDivide",
    "Fmod",
    "Remainder",
    "Copysign",
    "NanToNum",
    "Linear",
    "MatMul",
    "AvgPool",
    "Conv",
    "ConvTranspose",
    "MaxPool",
    "Cat",
    "Expand",
    "Gather",
    "Index",
    "Permute",
    "Reshape",
    "SetItem",
    "Stack",
    "LogSoftmax",
    "LogSumExp",
    "Max",
    "Mean",
    "Min",
    "Softmax",
    "Sum",
    "Prod",
    "Cumsum",
    "Cumprod",
    "LogCumSumExp",
    "Scatter",
    "ScatterAdd",
    "ScatterReduce",
    "Einsum",
    # torch.special (special.py)
    "Lgamma",
    "Digamma",
    "Polygamma",
    "Erfinv",
    "Erfcx",
    "LogNdtr",
    "Ndtri",
    "I0",
    "I0e",
    "I1",
    "I1e",
    "Sinc",
    "Entr",
    "Xlog1py",
    "Igamma",
    "Igammac",
    "Zeta",
    "Inv",
    "Det",
    "LogAbsDet",
    "Solve",
    "Cholesky",
    "QR",
    "Eigh",
    "SVD",
]
