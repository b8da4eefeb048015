"""Free-function forms of the Tensor's ops, as PyTorch has them: `tg.exp(x)` is `x.exp()`.

Also the ops that take several tensors at once: `cat`, `stack`, `maximum`, `minimum`, `matmul`, `mm`,
and those that give several: `split`, `chunk`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from tinygrad_edu import ops
from tinygrad_edu.arguments import Dim, check_dim
from tinygrad_edu.dtypes import DTypeLike, _cast, _promote, result_type
from tinygrad_edu.errors import ShapeError
from tinygrad_edu.tensor import Tensor, _operand_tensor, where

__all__ = [
    "cat",
    "stack",
    "split",
    "chunk",
    "where",
    "maximum",
    "minimum",
    "matmul",
    "mm",
    "exp",
    "log",
    "log1p",
    "sqrt",
    "abs",
    "relu",
    "sigmoid",
    "tanh",
    "clamp",
    "sum",
    "mean",
    "var",
    "std",
    "softmax",
    "log_softmax",
    "logsumexp",
]


def _tensors(op: str, tensors: Sequence[Any]) -> list[Tensor]:
    """The tensors of cat or stack, checked: a non-empty list or tuple (arrays become tensors)."""
    if isinstance(tensors, Tensor) or not isinstance(tensors, (list, tuple)):
        raise TypeError(f"{op}: expects a list or tuple of tensors, got {type(tensors).__name__}")
    if not tensors:  # PyTorch: a ValueError for cat, a RuntimeError for stack; ShapeError is both
        raise ShapeError(f"{op}: expects a non-empty list of tensors")
    return [_operand_tensor(t) for t in tensors]


def cat(tensors: Sequence[Any], dim: int = 0) -> Tensor:
    """Join tensors along an existing dimension; every other dimension must match.

    Example:
        >>> tg.cat([tg.zeros(2, 3), tg.ones(1, 3)]).shape
        (3, 3)
    """
    ts = _tensors("cat", tensors)
    first = ts[0].shape
    axis = check_dim("cat", dim, len(first))
    for t in ts[1:]:
        if t.ndim != len(first) or t.shape[:axis] + t.shape[axis + 1 :] != first[:axis] + first[axis + 1 :]:
            shapes = ", ".join(str(x.shape) for x in ts)
            raise ShapeError(f"cat: shapes {shapes} differ outside dimension {dim}")
    return ops.Cat.apply(*_same_dtype(ts), axis=axis)


def stack(tensors: Sequence[Any], dim: int = 0) -> Tensor:
    """Join same-shaped tensors along a new dimension `dim`.

    Example:
        >>> tg.stack([tg.zeros(3), tg.ones(3)]).shape
        (2, 3)
    """
    ts = _tensors("stack", tensors)
    if any(t.shape != ts[0].shape for t in ts):
        raise ShapeError(f"stack: all tensors must have the same shape, got {', '.join(str(t.shape) for t in ts)}")
    axis = check_dim("stack", dim, ts[0].ndim + 1)
    return ops.Stack.apply(*_same_dtype(ts), axis=axis)


def _same_dtype(ts: list[Tensor]) -> list:
    """The tensors of cat or stack cast to PyTorch's promoted dtype (an int tensor joined to float32 ones
    is float32; NumPy would give float64)."""
    dtype = result_type(*ts)
    return [_cast(t, dtype) for t in ts]


def split(
    tensor: Tensor, split_size_or_sections: int | list[int] | tuple[int, ...], dim: int = 0
) -> tuple[Tensor, ...]:
    """Cut a tensor into pieces along `dim` (see `Tensor.split`).

    Example:
        >>> [p.shape for p in tg.split(tg.zeros(5), [1, 4])]
        [(1,), (4,)]
    """
    return _operand_tensor(tensor).split(split_size_or_sections, dim)


def chunk(input: Tensor, chunks: int, dim: int = 0) -> tuple[Tensor, ...]:
    """Cut a tensor into at most `chunks` pieces of equal size along `dim` (see `Tensor.chunk`)."""
    return _operand_tensor(input).chunk(chunks, dim)


def maximum(a: Any, b: Any) -> Tensor:
    """Elementwise max of two tensors; ties share the gradient equally."""
    return ops.Maximum.apply(*_promote(_operand_tensor(a), b))


def minimum(a: Any, b: Any) -> Tensor:
    """Elementwise min of two tensors; ties share the gradient equally."""
    return ops.Minimum.apply(*_promote(_operand_tensor(a), b))


def matmul(a: Any, b: Any) -> Tensor:
    """Matrix product (see `Tensor.matmul`)."""
    return _operand_tensor(a).matmul(b)


def mm(input: Any, mat2: Any) -> Tensor:
    """The product of two matrices, 2-D only (see `Tensor.mm`)."""
    return _operand_tensor(input).mm(mat2)


def exp(x: Tensor) -> Tensor:
    """e^x, elementwise (see `Tensor.exp`)."""
    return _operand_tensor(x).exp()


def log(x: Tensor) -> Tensor:
    """The natural logarithm, elementwise (see `Tensor.log`)."""
    return _operand_tensor(x).log()


def log1p(x: Tensor) -> Tensor:
    """log(1 + x), elementwise, exact for tiny x (see `Tensor.log1p`)."""
    return _operand_tensor(x).log1p()


def sqrt(x: Tensor) -> Tensor:
    """The square root, elementwise (see `Tensor.sqrt`)."""
    return _operand_tensor(x).sqrt()


def abs(x: Tensor) -> Tensor:
    """|x|, elementwise (see `Tensor.abs`)."""
    return _operand_tensor(x).abs()


def relu(x: Tensor) -> Tensor:
    """max(x, 0), elementwise (see `Tensor.relu`)."""
    return _operand_tensor(x).relu()


def sigmoid(x: Tensor) -> Tensor:
    """1 / (1 + exp(-x)), elementwise (see `Tensor.sigmoid`)."""
    return _operand_tensor(x).sigmoid()


def tanh(x: Tensor) -> Tensor:
    """The hyperbolic tangent, elementwise (see `Tensor.tanh`)."""
    return _operand_tensor(x).tanh()


def clamp(x: Tensor, min: float | None = None, max: float | None = None) -> Tensor:
    """Every element limited to [min, max] (see `Tensor.clamp`)."""
    return _operand_tensor(x).clamp(min, max)


def sum(x: Tensor, dim: Dim = None, keepdim: bool = False, *, dtype: DTypeLike = None) -> Tensor:
    """The sum over `dim` (None: every element; see `Tensor.sum`)."""
    return _operand_tensor(x).sum(dim, keepdim, dtype=dtype)


def mean(x: Tensor, dim: Dim = None, keepdim: bool = False, *, dtype: DTypeLike = None) -> Tensor:
    """The mean over `dim` (None: every element; see `Tensor.mean`)."""
    return _operand_tensor(x).mean(dim, keepdim, dtype=dtype)


def var(
    x: Tensor, dim: Dim = None, unbiased: bool | None = None, keepdim: bool = False, *, correction: float | None = None
) -> Tensor:
    """The variance over `dim`, sum((x - mean)^2) / (N - correction) (see `Tensor.var`).

    Example:
        >>> tg.var(tg.tensor([1.0, 3.0]))           # ((-1)^2 + 1^2) / (2 - 1)
        tensor(2., dtype=float32)
    """
    return _operand_tensor(x).var(dim, unbiased, keepdim, correction=correction)


def std(
    x: Tensor, dim: Dim = None, unbiased: bool | None = None, keepdim: bool = False, *, correction: float | None = None
) -> Tensor:
    """The standard deviation over `dim`, sqrt(var) (see `Tensor.std`)."""
    return _operand_tensor(x).std(dim, unbiased, keepdim, correction=correction)


def softmax(x: Tensor, dim: int = -1) -> Tensor:
    """exp(x) / sum(exp(x)) along `dim`, computed stably (see `Tensor.softmax`)."""
    return _operand_tensor(x).softmax(dim)


def log_softmax(x: Tensor, dim: int = -1) -> Tensor:
    """log(softmax(x)) along `dim`, computed stably (see `Tensor.log_softmax`)."""
    return _operand_tensor(x).log_softmax(dim)


def logsumexp(x: Tensor, dim: Dim = None, keepdim: bool = False) -> Tensor:
    """log(sum(exp(x))) over `dim`, computed stably (see `Tensor.logsumexp`)."""
    return _operand_tensor(x).logsumexp(dim, keepdim)
