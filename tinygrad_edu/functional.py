"""Free-function forms of the Tensor's ops, as PyTorch has them: `tg.exp(x)` is `x.exp()`.

Also the ops that take several tensors at once: `cat`, `stack`, `hstack` & co., `maximum`, `minimum`, `matmul`,
`mm`, `bmm`, `cdist`, and those that give several: `split`, `chunk`, `tensor_split`. (The free functions of
tensor_surface.py's methods are in functional_surface.py.)
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

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
    "unbind",
    "is_tensor",
    "where",
    "maximum",
    "minimum",
    "matmul",
    "mm",
    "bmm",
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
    "add",
    "sub",
    "mul",
    "div",
    "pow",
    "neg",
    "clip",
    "max",
    "min",
    "dot",
    "outer",
    "mv",
    "reshape",
    "flatten",
    "squeeze",
    "unsqueeze",
    "permute",
    "transpose",
    "t",
    "broadcast_to",
    "clone",
    "detach",
    "multiply",
    "subtract",
    "divide",
    "true_divide",
    "negative",
    "absolute",
    "clamp_min",
    "clamp_max",
    "addcmul",
    "addcdiv",
    "addmm",
    "select",
    "ravel",
    "is_floating_point",
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
    for i, t in enumerate(ts):
        if t.ndim == 0:  # it has no dimension to join along
            raise ShapeError(f"cat: zero-dimensional tensor (at position {i}) cannot be concatenated; use stack")
    sized = [t for t in ts if t.shape != (0,)]
    first = sized[0].shape if sized else ts[0].shape
    axis = check_dim("cat", dim, len(first))
    if sized and len(sized) < len(ts):  # PyTorch's legacy rule: a 1-D empty tensor joins any cat, as nothing
        nothing = first[:axis] + (0,) + first[axis + 1 :]
        ts = [t.reshape(nothing) if t.shape == (0,) else t for t in ts]  # (its gradient: empty, via reshape)
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


def unbind(input: Tensor, dim: int = 0) -> tuple[Tensor, ...]:
    """The slices of a tensor along `dim`, that dimension removed (see `Tensor.unbind`)."""
    return _operand_tensor(input).unbind(dim)


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


def bmm(input: Any, mat2: Any) -> Tensor:
    """A batch of matrix products, (b, n, m) by (b, m, p), as `torch.bmm` (see `Tensor.bmm`)."""
    return _operand_tensor(input).bmm(mat2)


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


# ---- the function forms of more Tensor methods, as torch.<name> (tests/test_front_door.py lists them) ----


def add(input: Any, other: Any, *, alpha: Any = 1) -> Tensor:
    """input + alpha * other, elementwise with broadcasting (see `Tensor.add`)."""
    return _operand_tensor(input).add(other, alpha=alpha)


def sub(input: Any, other: Any, *, alpha: Any = 1) -> Tensor:
    """input - alpha * other, elementwise with broadcasting (see `Tensor.sub`)."""
    return _operand_tensor(input).sub(other, alpha=alpha)


def mul(input: Any, other: Any) -> Tensor:
    """input * other, elementwise with broadcasting (see `Tensor.mul`)."""
    return _operand_tensor(input).mul(other)


def div(input: Any, other: Any, *, rounding_mode: str | None = None) -> Tensor:
    """input / other, elementwise with broadcasting: true division, or rounded (see `Tensor.div`)."""
    return _operand_tensor(input).div(other, rounding_mode=rounding_mode)


def pow(input: Any, exponent: Any) -> Tensor:
    """input ** exponent, elementwise with broadcasting (see `Tensor.pow`)."""
    return _operand_tensor(input).pow(exponent)


def neg(input: Any) -> Tensor:
    """-input, elementwise (see `Tensor.neg`)."""
    return _operand_tensor(input).neg()


clip = clamp  # NumPy's name, as PyTorch has it


def max(input: Any, dim: Any = None, keepdim: bool = False) -> Any:
    """The largest value; over an int `dim` the named tuple (values, indices); with a tensor as the second
    argument the elementwise maximum, as `torch.max(a, b)` (see `Tensor.max`).

    Example:
        >>> tg.max(tg.tensor([[1.0, 5.0], [4.0, 2.0]]), 1).indices
        tensor([1, 0], dtype=int64)
    """
    if isinstance(dim, Tensor):
        return maximum(input, dim)
    return _operand_tensor(input).max(dim, keepdim)


def min(input: Any, dim: Any = None, keepdim: bool = False) -> Any:
    """The smallest value; over an int `dim` the named tuple (values, indices); with a tensor as the second
    argument the elementwise minimum, as `torch.min(a, b)` (see `Tensor.min`)."""
    if isinstance(dim, Tensor):
        return minimum(input, dim)
    return _operand_tensor(input).min(dim, keepdim)


def dot(input: Any, other: Any) -> Tensor:
    """The inner product of two vectors (see `Tensor.dot`)."""
    return _operand_tensor(input).dot(other)


def mv(input: Any, vec: Any) -> Tensor:
    """The product of a matrix and a vector (see `Tensor.mv`)."""
    return _operand_tensor(input).mv(vec)


def outer(input: Any, vec2: Any) -> Tensor:
    """The outer product of two vectors (see `Tensor.outer`)."""
    return _operand_tensor(input).outer(vec2)


def reshape(input: Any, shape: Sequence[int]) -> Tensor:
    """input's elements in a new shape (-1: inferred), as `torch.reshape` (see `Tensor.reshape`)."""
    return _operand_tensor(input).reshape(shape)


def flatten(input: Any, start_dim: int = 0, end_dim: int = -1) -> Tensor:
    """Dimensions start_dim to end_dim merged into one (see `Tensor.flatten`)."""
    return _operand_tensor(input).flatten(start_dim, end_dim)


def squeeze(input: Any, dim: Dim = None) -> Tensor:
    """input without its size-1 dimensions (or only `dim`'s) (see `Tensor.squeeze`)."""
    return _operand_tensor(input).squeeze(dim)


def unsqueeze(input: Any, dim: int) -> Tensor:
    """input with a new size-1 dimension at `dim` (see `Tensor.unsqueeze`)."""
    return _operand_tensor(input).unsqueeze(dim)


def permute(input: Any, dims: Sequence[int]) -> Tensor:
    """input's dimensions in the order `dims` (see `Tensor.permute`)."""
    return _operand_tensor(input).permute(*dims)


def transpose(input: Any, dim0: int, dim1: int) -> Tensor:
    """input with dimensions dim0 and dim1 swapped (see `Tensor.transpose`)."""
    return _operand_tensor(input).transpose(dim0, dim1)


def t(input: Any) -> Tensor:
    """A matrix transposed; a vector or 0-d tensor as it is (see `Tensor.t`)."""
    return _operand_tensor(input).t()


def broadcast_to(input: Any, size: Sequence[int]) -> Tensor:
    """input stretched to `size` by broadcasting (see `Tensor.broadcast_to`)."""
    return _operand_tensor(input).broadcast_to(size)


def clone(input: Any) -> Tensor:
    """A copy of input that stays in the graph (see `Tensor.clone`)."""
    return _operand_tensor(input).clone()


def detach(input: Any) -> Tensor:
    """input outside the graph, sharing its data (see `Tensor.detach`)."""
    return _operand_tensor(input).detach()


def is_tensor(obj: Any) -> bool:
    """True when obj is a Tensor, as `torch.is_tensor`."""
    return isinstance(obj, Tensor)


# ---- torch's other names, and compositions PyTorch programs call as functions -------------------------------
multiply = mul
subtract = sub
divide = div
true_divide = div
negative = neg
absolute = abs


def clamp_min(input: Any, min: Any) -> Tensor:
    """The larger of input and min, elementwise (see `Tensor.clamp_min`)."""
    return _operand_tensor(input).clamp_min(min)


def clamp_max(input: Any, max: Any) -> Tensor:
    """The smaller of input and max, elementwise (see `Tensor.clamp_max`)."""
    return _operand_tensor(input).clamp_max(max)


def addcmul(input: Any, tensor1: Any, tensor2: Any, *, value: Any = 1) -> Tensor:
    """input + value * tensor1 * tensor2 (see `Tensor.addcmul`)."""
    return _operand_tensor(input).addcmul(tensor1, tensor2, value=value)


def addcdiv(input: Any, tensor1: Any, tensor2: Any, *, value: Any = 1) -> Tensor:
    """input + value * tensor1 / tensor2 (see `Tensor.addcdiv`)."""
    return _operand_tensor(input).addcdiv(tensor1, tensor2, value=value)


def addmm(input: Any, mat1: Any, mat2: Any, *, beta: Any = 1, alpha: Any = 1) -> Tensor:
    """beta * input + alpha * (mat1 @ mat2), for matrices (see `Tensor.addmm`)."""
    return _operand_tensor(input).addmm(mat1, mat2, beta=beta, alpha=alpha)


def select(input: Any, dim: int, index: int) -> Tensor:
    """The slice at index along dim, that dimension removed (see `Tensor.select`)."""
    return _operand_tensor(input).select(dim, index)


def ravel(input: Any) -> Tensor:
    """The elements as one dimension (see `Tensor.ravel`)."""
    return _operand_tensor(input).ravel()


def is_floating_point(input: Any) -> bool:
    """True when input is a tensor of a float dtype (see `Tensor.is_floating_point`)."""
    return _operand_tensor(input).is_floating_point()


# ---- more joins, and functions of the methods added with them (issue surface16) ---------------------------


def atleast_1d(*tensors: Any) -> Any:
    """Each tensor with at least 1 dimension (a 0-d one becomes shape (1,)); one tensor, or a tuple."""
    out = tuple(t.reshape(1) if t.ndim == 0 else t for t in _tensors("atleast_1d", _one_or_many(tensors)))
    return out[0] if len(out) == 1 else out


def atleast_2d(*tensors: Any) -> Any:
    """Each tensor with at least 2 dimensions: () becomes (1, 1), (n,) becomes (1, n)."""
    out = tuple(t.reshape(1, -1) if t.ndim < 2 else t for t in _tensors("atleast_2d", _one_or_many(tensors)))
    return out[0] if len(out) == 1 else out


def atleast_3d(*tensors: Any) -> Any:
    """Each tensor with at least 3 dimensions: () is (1, 1, 1), (n,) is (1, n, 1), (m, n) is (m, n, 1)."""
    shapes = {0: lambda t: (1, 1, 1), 1: lambda t: (1, t.shape[0], 1), 2: lambda t: (*t.shape, 1)}
    out = tuple(
        t.reshape(shapes[t.ndim](t)) if t.ndim < 3 else t for t in _tensors("atleast_3d", _one_or_many(tensors))
    )
    return out[0] if len(out) == 1 else out


def _one_or_many(tensors: tuple) -> Sequence[Any]:
    """atleast_nd(a, b) and atleast_nd([a, b]) both mean the tensors a and b."""
    return tensors[0] if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)) else tensors


def hstack(tensors: Sequence[Any]) -> Tensor:
    """cat along dim 1, or along dim 0 when the tensors are 1-D (0-d ones count as 1-D), as `torch.hstack`."""
    ts = [atleast_1d(t) for t in _tensors("hstack", tensors)]
    return cat(ts, 0 if ts[0].ndim == 1 else 1)


def vstack(tensors: Sequence[Any]) -> Tensor:
    """cat along dim 0 of the tensors made at least 2-D (a vector is a row)."""
    return cat([atleast_2d(t) for t in _tensors("vstack", tensors)], 0)


def dstack(tensors: Sequence[Any]) -> Tensor:
    """cat along dim 2 of the tensors made at least 3-D."""
    return cat([atleast_3d(t) for t in _tensors("dstack", tensors)], 2)


def column_stack(tensors: Sequence[Any]) -> Tensor:
    """The tensors side by side as columns: a vector (or a number) is one column, a matrix its columns."""
    return cat([t.reshape(-1, 1) if t.ndim < 2 else t for t in _tensors("column_stack", tensors)], 1)


row_stack = vstack  # PyTorch's other name


def logit(input: Any, eps: float | None = None) -> Tensor:
    """log(x / (1 - x)) (see `Tensor.logit`)."""
    return _operand_tensor(input).logit(eps)


def deg2rad(input: Any) -> Tensor:
    """Degrees to radians (see `Tensor.deg2rad`)."""
    return _operand_tensor(input).deg2rad()


def rad2deg(input: Any) -> Tensor:
    """Radians to degrees (see `Tensor.rad2deg`)."""
    return _operand_tensor(input).rad2deg()


def dist(input: Any, other: Any, p: float = 2) -> Tensor:
    """The p-norm of input - other (see `Tensor.dist`)."""
    return _operand_tensor(input).dist(other, p)


def bincount(input: Any, weights: Any = None, minlength: int = 0) -> Tensor:
    """How often each value occurs (see `Tensor.bincount`)."""
    return _operand_tensor(input).bincount(weights, minlength)


def cdist(x1: Any, x2: Any, p: float = 2.0) -> Tensor:
    """The p-norm distance between each row of x1 (..., P, M) and each row of x2 (..., R, M): (..., P, R).

    Example:
        >>> tg.cdist(tg.tensor([[0.0, 0.0]]), tg.tensor([[3.0, 4.0], [0.0, 1.0]]))
        tensor([[5., 1.]], dtype=float32)
    """
    a, b = _operand_tensor(x1), _operand_tensor(x2)
    if a.ndim < 2 or b.ndim < 2 or a.shape[-1] != b.shape[-1]:
        raise ShapeError(
            f"cdist: x1 {a.shape} and x2 {b.shape} must be at least 2-D with the same last dimension (the features)"
        )
    return (a.unsqueeze(-2) - b.unsqueeze(-3)).norm(p, dim=-1)


def tril_indices(row: int, col: int, offset: int = 0, *, dtype: DTypeLike = None) -> Tensor:
    """The (row, col) indices of the lower triangle of a row x col matrix, as a 2 x N int64 tensor."""
    return Tensor(np.stack(np.tril_indices(row, offset, col)), dtype="int64" if dtype is None else dtype)


def triu_indices(row: int, col: int, offset: int = 0, *, dtype: DTypeLike = None) -> Tensor:
    """The (row, col) indices of the upper triangle of a row x col matrix, as a 2 x N int64 tensor."""
    return Tensor(np.stack(np.triu_indices(row, offset, col)), dtype="int64" if dtype is None else dtype)


__all__ += ["atleast_1d", "atleast_2d", "atleast_3d", "hstack", "vstack", "dstack", "column_stack", "row_stack"]
__all__ += ["logit", "deg2rad", "rad2deg", "dist", "bincount", "cdist", "tril_indices", "triu_indices"]


# ---- reductions, splits and turns courses use (issue surface16) -------------------------------------------


def diff(input: Any, n: int = 1, dim: int = -1, prepend: Any = None, append: Any = None) -> Tensor:
    """x_(i+1) - x_i along dim, n times over (see `Tensor.diff`)."""
    return _operand_tensor(input).diff(n, dim, prepend, append)


def nansum(input: Any, dim: Dim = None, keepdim: bool = False, *, dtype: Any = None) -> Tensor:
    """The sum with nan counted as 0 (see `Tensor.nansum`)."""
    return _operand_tensor(input).nansum(dim, keepdim, dtype=dtype)


def nanmean(input: Any, dim: Dim = None, keepdim: bool = False, *, dtype: Any = None) -> Tensor:
    """The mean of the elements that are not nan (see `Tensor.nanmean`)."""
    return _operand_tensor(input).nanmean(dim, keepdim, dtype=dtype)


def aminmax(input: Any, *, dim: int | None = None, keepdim: bool = False) -> Any:
    """(amin, amax) over dim (see `Tensor.aminmax`)."""
    return _operand_tensor(input).aminmax(dim=dim, keepdim=keepdim)


def cov(input: Any, *, correction: int = 1, fweights: Any = None, aweights: Any = None) -> Tensor:
    """The covariance matrix of the rows (see `Tensor.cov`)."""
    return _operand_tensor(input).cov(correction=correction, fweights=fweights, aweights=aweights)


def corrcoef(input: Any) -> Tensor:
    """The correlation coefficients of the rows (see `Tensor.corrcoef`)."""
    return _operand_tensor(input).corrcoef()


def rot90(input: Any, k: int = 1, dims: Sequence[int] = (0, 1)) -> Tensor:
    """k quarter turns in the plane of dims (see `Tensor.rot90`)."""
    return _operand_tensor(input).rot90(k, dims)


def tensor_split(input: Any, indices_or_sections: Any, dim: int = 0) -> tuple:
    """Views split into n parts or at indices (see `Tensor.tensor_split`)."""
    return _operand_tensor(input).tensor_split(indices_or_sections, dim)


def index_fill(input: Any, dim: int, index: Any, value: Any) -> Tensor:
    """A copy with value in the slices index along dim (see `Tensor.index_fill`)."""
    return _operand_tensor(input).index_fill(dim, index, value)


__all__ += ["diff", "nansum", "nanmean", "aminmax", "cov", "corrcoef", "rot90", "tensor_split", "index_fill"]


def inner(input: Any, other: Any) -> Tensor:
    """Sums of products over the last dims (see `Tensor.inner`)."""
    return _operand_tensor(input).inner(other)


def positive(input: Any) -> Tensor:
    """input itself (see `Tensor.positive`)."""
    return _operand_tensor(input).positive()


def signbit(input: Any) -> Tensor:
    """True where the sign bit is set (see `Tensor.signbit`)."""
    return _operand_tensor(input).signbit()


def isposinf(input: Any) -> Tensor:
    """True where input is +inf."""
    return _operand_tensor(input).isposinf()


def isneginf(input: Any) -> Tensor:
    """True where input is -inf."""
    return _operand_tensor(input).isneginf()


def msort(input: Any) -> Tensor:
    """The values sorted along dim 0 (see `Tensor.msort`)."""
    return _operand_tensor(input).msort()


def is_nonzero(input: Any) -> bool:
    """The truth of a one-element tensor (see `Tensor.is_nonzero`)."""
    return _operand_tensor(input).is_nonzero()


def is_same_size(input: Any, other: Any) -> bool:
    """True if both have the same shape."""
    return _operand_tensor(input).is_same_size(other)


__all__ += ["inner", "positive", "signbit", "isposinf", "isneginf", "msort", "is_nonzero", "is_same_size"]
