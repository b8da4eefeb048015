"""Free-function forms of the methods in tensor_surface.py (`tg.sin(x)` is `x.sin()`), and the ops that
take or give several tensors: atan2 & co., meshgrid, broadcast_tensors, std_mean, var_mean.

(The first ops' free functions, `tg.exp`, `tg.cat`, ..., are in functional.py.)
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from tinygrad_edu.arguments import Dim
from tinygrad_edu.tensor import Tensor, _operand_tensor

__all__ = [
    "sin",
    "cos",
    "tan",
    "asin",
    "acos",
    "atan",
    "atan2",
    "arcsin",
    "arccos",
    "arctan",
    "arctan2",
    "sinh",
    "cosh",
    "asinh",
    "acosh",
    "atanh",
    "arcsinh",
    "arccosh",
    "arctanh",
    "hypot",
    "exp2",
    "expm1",
    "log2",
    "log10",
    "logaddexp",
    "xlogy",
    "erf",
    "erfc",
    "reciprocal",
    "rsqrt",
    "square",
    "lerp",
    "floor",
    "ceil",
    "round",
    "trunc",
    "fix",
    "frac",
    "sign",
    "sgn",
    "copysign",
    "fmod",
    "remainder",
    "floor_divide",
    "nan_to_num",
    "isnan",
    "isinf",
    "isfinite",
    "logical_not",
    "logical_and",
    "logical_or",
    "logical_xor",
    "bitwise_not",
    "bitwise_and",
    "bitwise_or",
    "bitwise_xor",
    "bitwise_left_shift",
    "bitwise_right_shift",
    "prod",
    "all",
    "any",
    "count_nonzero",
    "histogram",
    "cumsum",
    "cumprod",
    "cummax",
    "cummin",
    "logcumsumexp",
    "amax",
    "amin",
    "argmax",
    "argmin",
    "norm",
    "std_mean",
    "var_mean",
    "sort",
    "argsort",
    "topk",
    "kthvalue",
    "median",
    "mode",
    "unique",
    "flip",
    "fliplr",
    "flipud",
    "roll",
    "repeat_interleave",
    "tile",
    "tril",
    "triu",
    "diag",
    "diagonal",
    "trace",
    "unflatten",
    "narrow",
    "movedim",
    "moveaxis",
    "swapaxes",
    "swapdims",
    "meshgrid",
    "broadcast_tensors",
    "scatter",
    "scatter_add",
    "scatter_reduce",
    "index_select",
    "index_add",
    "index_copy",
    "masked_fill",
    "masked_select",
    "masked_scatter",
    "nonzero",
    "argwhere",
    "take",
    "take_along_dim",
    "gather",
    "numel",
]


# ---- one tensor in: each is the method of the same name -------------------------------------------------


def sin(input: Any) -> Tensor:
    """sin x (x.sin())."""
    return _operand_tensor(input).sin()


def cos(input: Any) -> Tensor:
    """cos x (x.cos())."""
    return _operand_tensor(input).cos()


def tan(input: Any) -> Tensor:
    """tan x (x.tan())."""
    return _operand_tensor(input).tan()


def asin(input: Any) -> Tensor:
    """arcsin x (x.asin())."""
    return _operand_tensor(input).asin()


def acos(input: Any) -> Tensor:
    """arccos x (x.acos())."""
    return _operand_tensor(input).acos()


def atan(input: Any) -> Tensor:
    """arctan x (x.atan())."""
    return _operand_tensor(input).atan()


def atan2(input: Any, other: Any) -> Tensor:
    """The angle of the point (other, input) (input.atan2(other))."""
    return _operand_tensor(input).atan2(other)


arcsin, arccos, arctan, arctan2 = asin, acos, atan, atan2


def sinh(input: Any) -> Tensor:
    """sinh x (x.sinh())."""
    return _operand_tensor(input).sinh()


def cosh(input: Any) -> Tensor:
    """cosh x (x.cosh())."""
    return _operand_tensor(input).cosh()


def asinh(input: Any) -> Tensor:
    """arsinh x (x.asinh())."""
    return _operand_tensor(input).asinh()


def acosh(input: Any) -> Tensor:
    """arcosh x (x.acosh())."""
    return _operand_tensor(input).acosh()


def atanh(input: Any) -> Tensor:
    """artanh x (x.atanh())."""
    return _operand_tensor(input).atanh()


arcsinh, arccosh, arctanh = asinh, acosh, atanh  # NumPy's names, as PyTorch has them too


def hypot(input: Any, other: Any) -> Tensor:
    """sqrt(input^2 + other^2) (input.hypot(other))."""
    return _operand_tensor(input).hypot(other)


def exp2(input: Any) -> Tensor:
    """2^x (x.exp2())."""
    return _operand_tensor(input).exp2()


def expm1(input: Any) -> Tensor:
    """e^x - 1 (x.expm1())."""
    return _operand_tensor(input).expm1()


def log2(input: Any) -> Tensor:
    """The base-2 logarithm (x.log2())."""
    return _operand_tensor(input).log2()


def log10(input: Any) -> Tensor:
    """The base-10 logarithm (x.log10())."""
    return _operand_tensor(input).log10()


def logaddexp(input: Any, other: Any) -> Tensor:
    """log(e^input + e^other) (input.logaddexp(other))."""
    return _operand_tensor(input).logaddexp(other)


def xlogy(input: Any, other: Any) -> Tensor:
    """input log(other), 0 where input is 0 (input.xlogy(other))."""
    return _operand_tensor(input).xlogy(other)


def erf(input: Any) -> Tensor:
    """The error function (x.erf())."""
    return _operand_tensor(input).erf()


def erfc(input: Any) -> Tensor:
    """1 - erf x (x.erfc())."""
    return _operand_tensor(input).erfc()


def reciprocal(input: Any) -> Tensor:
    """1 / x (x.reciprocal())."""
    return _operand_tensor(input).reciprocal()


def rsqrt(input: Any) -> Tensor:
    """1 / sqrt(x) (x.rsqrt())."""
    return _operand_tensor(input).rsqrt()


def square(input: Any) -> Tensor:
    """x * x (x.square())."""
    return _operand_tensor(input).square()


def lerp(input: Any, end: Any, weight: Any) -> Tensor:
    """input + weight * (end - input) (input.lerp(end, weight))."""
    return _operand_tensor(input).lerp(end, weight)


def floor(input: Any) -> Tensor:
    """The largest integer <= x (x.floor())."""
    return _operand_tensor(input).floor()


def ceil(input: Any) -> Tensor:
    """The smallest integer >= x (x.ceil())."""
    return _operand_tensor(input).ceil()


def round(input: Any, *, decimals: int = 0) -> Tensor:  # noqa: A001  (tg.round, as torch.round)
    """x rounded to `decimals` places, halves to even (x.round())."""
    return _operand_tensor(input).round(decimals)


def trunc(input: Any) -> Tensor:
    """x rounded toward zero (x.trunc())."""
    return _operand_tensor(input).trunc()


fix = trunc  # PyTorch's other name


def frac(input: Any) -> Tensor:
    """x - trunc(x) (x.frac())."""
    return _operand_tensor(input).frac()


def sign(input: Any) -> Tensor:
    """-1, 0 or 1 (x.sign())."""
    return _operand_tensor(input).sign()


sgn = sign  # (for real tensors, as here, sgn is sign)


def copysign(input: Any, other: Any) -> Tensor:
    """|input| with other's sign (input.copysign(other))."""
    return _operand_tensor(input).copysign(other)


def fmod(input: Any, other: Any) -> Tensor:
    """The remainder with input's sign (input.fmod(other))."""
    return _operand_tensor(input).fmod(other)


def remainder(input: Any, other: Any) -> Tensor:
    """The remainder with other's sign, as Python's % (input.remainder(other))."""
    return _operand_tensor(input).remainder(other)


def floor_divide(input: Any, other: Any) -> Tensor:
    """floor(input / other), no gradient (input // other)."""
    return _operand_tensor(input).floor_divide(other)


def nan_to_num(input: Any, nan: float = 0.0, posinf: float | None = None, neginf: float | None = None) -> Tensor:
    """nan, +inf and -inf replaced by numbers (x.nan_to_num())."""
    return _operand_tensor(input).nan_to_num(nan, posinf, neginf)


def isnan(input: Any) -> Tensor:
    """True where x is nan."""
    return _operand_tensor(input).isnan()


def isinf(input: Any) -> Tensor:
    """True where x is infinite."""
    return _operand_tensor(input).isinf()


def isfinite(input: Any) -> Tensor:
    """True where x is finite."""
    return _operand_tensor(input).isfinite()


def logical_not(input: Any) -> Tensor:
    """not x, elementwise."""
    return _operand_tensor(input).logical_not()


def logical_and(input: Any, other: Any) -> Tensor:
    """input and other, elementwise."""
    return _operand_tensor(input).logical_and(other)


def logical_or(input: Any, other: Any) -> Tensor:
    """input or other, elementwise."""
    return _operand_tensor(input).logical_or(other)


def logical_xor(input: Any, other: Any) -> Tensor:
    """input xor other, elementwise."""
    return _operand_tensor(input).logical_xor(other)


def bitwise_not(input: Any) -> Tensor:
    """~x (integers and bools)."""
    return _operand_tensor(input).bitwise_not()


def bitwise_and(input: Any, other: Any) -> Tensor:
    """input & other (integers and bools)."""
    return _operand_tensor(input).bitwise_and(other)


def bitwise_or(input: Any, other: Any) -> Tensor:
    """input | other (integers and bools)."""
    return _operand_tensor(input).bitwise_or(other)


def bitwise_xor(input: Any, other: Any) -> Tensor:
    """input ^ other (integers and bools)."""
    return _operand_tensor(input).bitwise_xor(other)


def bitwise_left_shift(input: Any, other: Any) -> Tensor:
    """input << other (integers)."""
    return _operand_tensor(input).bitwise_left_shift(other)


def bitwise_right_shift(input: Any, other: Any) -> Tensor:
    """input >> other (integers)."""
    return _operand_tensor(input).bitwise_right_shift(other)


# ---- reductions, scans, sorting --------------------------------------------------------------------


def prod(input: Any, dim: int | None = None, keepdim: bool = False, *, dtype: Any = None) -> Tensor:
    """The product over dim (x.prod())."""
    return _operand_tensor(input).prod(dim, keepdim, dtype=dtype)


def all(input: Any, dim: Dim = None, keepdim: bool = False) -> Tensor:  # noqa: A001  (tg.all, as torch.all)
    """True where every element over dim is nonzero (x.all())."""
    return _operand_tensor(input).all(dim, keepdim)


def any(input: Any, dim: Dim = None, keepdim: bool = False) -> Tensor:  # noqa: A001  (tg.any, as torch.any)
    """True where some element over dim is nonzero (x.any())."""
    return _operand_tensor(input).any(dim, keepdim)


def count_nonzero(input: Any, dim: Dim = None) -> Tensor:
    """The number of nonzero elements over dim (x.count_nonzero())."""
    return _operand_tensor(input).count_nonzero(dim)


def histogram(input: Any, bins: Any = 100, *, range: Any = None, weight: Any = None, density: bool = False) -> Any:
    """(counts, bin edges) of input's values (x.histogram(bins))."""
    return _operand_tensor(input).histogram(bins, range=range, weight=weight, density=density)


def cumsum(input: Any, dim: Any = None, *, dtype: Any = None, axis: Any = None) -> Tensor:
    """Running sums along dim (x.cumsum(dim))."""
    return _operand_tensor(input).cumsum(dim, dtype=dtype, axis=axis)


def cumprod(input: Any, dim: Any = None, *, dtype: Any = None, axis: Any = None) -> Tensor:
    """Running products along dim (x.cumprod(dim))."""
    return _operand_tensor(input).cumprod(dim, dtype=dtype, axis=axis)


def cummax(input: Any, dim: int) -> Any:
    """(running maximum, its index) along dim (x.cummax(dim))."""
    return _operand_tensor(input).cummax(dim)


def cummin(input: Any, dim: int) -> Any:
    """(running minimum, its index) along dim (x.cummin(dim))."""
    return _operand_tensor(input).cummin(dim)


def logcumsumexp(input: Any, dim: int) -> Tensor:
    """Running log-sum-exp along dim (x.logcumsumexp(dim))."""
    return _operand_tensor(input).logcumsumexp(dim)


def amax(input: Any, dim: Dim = None, keepdim: bool = False) -> Tensor:
    """The largest values over dim (x.amax())."""
    return _operand_tensor(input).amax(dim, keepdim)


def amin(input: Any, dim: Dim = None, keepdim: bool = False) -> Tensor:
    """The smallest values over dim (x.amin())."""
    return _operand_tensor(input).amin(dim, keepdim)


def argmax(input: Any, dim: int | None = None, keepdim: bool = False, *, axis: int | None = None) -> Tensor:
    """Indices of the largest values (x.argmax())."""
    return _operand_tensor(input).argmax(dim, keepdim, axis=axis)


def argmin(input: Any, dim: int | None = None, keepdim: bool = False, *, axis: int | None = None) -> Tensor:
    """Indices of the smallest values (x.argmin())."""
    return _operand_tensor(input).argmin(dim, keepdim, axis=axis)


def norm(input: Any, p: Any = "fro", dim: Dim = None, keepdim: bool = False) -> Tensor:
    """The p-norm over dim (x.norm()); see tg.linalg.vector_norm."""
    return _operand_tensor(input).norm(p, dim, keepdim)


def std_mean(input: Any, dim: Dim = None, *, correction: float | None = None, keepdim: bool = False) -> tuple:
    """(std, mean) over dim, as torch.std_mean."""
    x = _operand_tensor(input)
    return x.std(dim, keepdim=keepdim, correction=correction), x.mean(dim, keepdim)


def var_mean(input: Any, dim: Dim = None, *, correction: float | None = None, keepdim: bool = False) -> tuple:
    """(var, mean) over dim, as torch.var_mean."""
    x = _operand_tensor(input)
    return x.var(dim, keepdim=keepdim, correction=correction), x.mean(dim, keepdim)


def sort(input: Any, dim: int = -1, descending: bool = False, stable: bool = False) -> Any:
    """(sorted values, indices) along dim (x.sort())."""
    return _operand_tensor(input).sort(dim, descending, stable)


def argsort(input: Any, dim: int = -1, descending: bool = False, stable: bool = False) -> Tensor:
    """The indices that sort dim (x.argsort())."""
    return _operand_tensor(input).argsort(dim, descending, stable)


def topk(input: Any, k: int, dim: int = -1, largest: bool = True, sorted: bool = True) -> Any:
    """(k largest values, indices) along dim (x.topk(k))."""
    return _operand_tensor(input).topk(k, dim, largest, sorted)


def kthvalue(input: Any, k: int, dim: int = -1, keepdim: bool = False) -> Any:
    """(k-th smallest value, index) along dim (x.kthvalue(k))."""
    return _operand_tensor(input).kthvalue(k, dim, keepdim)


def median(input: Any, dim: int | None = None, keepdim: bool = False) -> Any:
    """The lower median (x.median())."""
    return _operand_tensor(input).median(dim, keepdim)


def mode(input: Any, dim: int = -1, keepdim: bool = False) -> Any:
    """(most frequent value, its index) along dim (x.mode())."""
    return _operand_tensor(input).mode(dim, keepdim)


def unique(
    input: Any, sorted: bool = True, return_inverse: bool = False, return_counts: bool = False, dim: int | None = None
) -> Any:
    """The distinct values (x.unique())."""
    return _operand_tensor(input).unique(sorted, return_inverse, return_counts, dim)


# ---- shape ----------------------------------------------------------------------------------------


def flip(input: Any, dims: Sequence[int]) -> Tensor:
    """Reversed along dims (x.flip(dims))."""
    return _operand_tensor(input).flip(dims)


def fliplr(input: Any) -> Tensor:
    """Reversed left to right, along dim 1 (x.fliplr())."""
    return _operand_tensor(input).fliplr()


def flipud(input: Any) -> Tensor:
    """Reversed upside down, along dim 0 (x.flipud())."""
    return _operand_tensor(input).flipud()


def roll(input: Any, shifts: Any, dims: Any = None) -> Tensor:
    """Shifted with wrap-around (x.roll(shifts, dims))."""
    return _operand_tensor(input).roll(shifts, dims)


def repeat_interleave(input: Any, repeats: Any, dim: int | None = None) -> Tensor:
    """Each element repeated in place (x.repeat_interleave(repeats, dim))."""
    return _operand_tensor(input).repeat_interleave(repeats, dim)


def tile(input: Any, dims: Sequence[int]) -> Tensor:
    """Tiled (x.tile(dims))."""
    return _operand_tensor(input).tile(dims)


def tril(input: Any, diagonal: int = 0) -> Tensor:
    """The lower triangle (x.tril())."""
    return _operand_tensor(input).tril(diagonal)


def triu(input: Any, diagonal: int = 0) -> Tensor:
    """The upper triangle (x.triu())."""
    return _operand_tensor(input).triu(diagonal)


def diag(input: Any, diagonal: int = 0) -> Tensor:
    """A vector as a diagonal matrix, or a matrix's diagonal (x.diag())."""
    return _operand_tensor(input).diag(diagonal)


def diagonal(input: Any, offset: int = 0, dim1: int = 0, dim2: int = 1) -> Tensor:
    """The diagonal of two dims (x.diagonal())."""
    return _operand_tensor(input).diagonal(offset, dim1, dim2)


def trace(input: Any) -> Tensor:
    """The sum of a matrix's diagonal (x.trace())."""
    return _operand_tensor(input).trace()


def unflatten(input: Any, dim: int, sizes: Sequence[int]) -> Tensor:
    """dim split into sizes (x.unflatten(dim, sizes))."""
    return _operand_tensor(input).unflatten(dim, sizes)


def narrow(input: Any, dim: int, start: int, length: int) -> Tensor:
    """A slice along dim (x.narrow(dim, start, length))."""
    return _operand_tensor(input).narrow(dim, start, length)


def movedim(input: Any, source: Any, destination: Any) -> Tensor:
    """Dims moved (x.movedim(source, destination))."""
    return _operand_tensor(input).movedim(source, destination)


moveaxis = movedim


def swapaxes(input: Any, axis0: int, axis1: int) -> Tensor:
    """Two dims swapped (x.swapaxes(axis0, axis1))."""
    return _operand_tensor(input).swapaxes(axis0, axis1)


swapdims = swapaxes


def meshgrid(*tensors: Any, indexing: str = "ij") -> tuple:
    """Coordinate grids from 1-D tensors: output k varies along dim k ("ij") or with the first two
    swapped ("xy"), as torch.meshgrid; each is an expand of its input, so gradients sum back."""
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tuple(tensors[0])
    if indexing not in ("ij", "xy"):
        raise ValueError(f"meshgrid: indexing must be 'ij' or 'xy', got {indexing!r}")
    ts = [_operand_tensor(t).reshape(-1) for t in tensors]
    shape = [t.shape[0] for t in ts]
    if indexing == "xy" and len(ts) >= 2:
        shape[0], shape[1] = shape[1], shape[0]
    out = []
    for k, t in enumerate(ts):
        place = k if indexing == "ij" or k >= 2 else 1 - k
        view = [1] * len(ts)
        view[place] = t.shape[0]
        out.append(t.reshape(view).expand(*shape))
    return tuple(out)


def broadcast_tensors(*tensors: Any) -> tuple:
    """The tensors expanded to their common broadcast shape."""
    ts = [_operand_tensor(t) for t in tensors]
    shape = np.broadcast_shapes(*[t.shape for t in ts])
    return tuple(t.expand(*shape) for t in ts)


# ---- indexing -------------------------------------------------------------------------------------


def scatter(input: Any, dim: int, index: Any, src: Any = None, *, value: Any = None) -> Tensor:
    """input.scatter(dim, index, src)."""
    return _operand_tensor(input).scatter(dim, index, src, value=value)


def scatter_add(input: Any, dim: int, index: Any, src: Any) -> Tensor:
    """input.scatter_add(dim, index, src)."""
    return _operand_tensor(input).scatter_add(dim, index, src)


def scatter_reduce(input: Any, dim: int, index: Any, src: Any, reduce: str, *, include_self: bool = True) -> Tensor:
    """input.scatter_reduce(dim, index, src, reduce)."""
    return _operand_tensor(input).scatter_reduce(dim, index, src, reduce, include_self=include_self)


def index_select(input: Any, dim: int, index: Any) -> Tensor:
    """input.index_select(dim, index)."""
    return _operand_tensor(input).index_select(dim, index)


def index_add(input: Any, dim: int, index: Any, source: Any, *, alpha: float = 1) -> Tensor:
    """input.index_add(dim, index, source)."""
    return _operand_tensor(input).index_add(dim, index, source, alpha=alpha)


def index_copy(input: Any, dim: int, index: Any, source: Any) -> Tensor:
    """input.index_copy(dim, index, source)."""
    return _operand_tensor(input).index_copy(dim, index, source)


def masked_fill(input: Any, mask: Any, value: Any) -> Tensor:
    """input.masked_fill(mask, value)."""
    return _operand_tensor(input).masked_fill(mask, value)


def masked_select(input: Any, mask: Any) -> Tensor:
    """input.masked_select(mask)."""
    return _operand_tensor(input).masked_select(mask)


def masked_scatter(input: Any, mask: Any, source: Any) -> Tensor:
    """input.masked_scatter(mask, source)."""
    return _operand_tensor(input).masked_scatter(mask, source)


def nonzero(input: Any, *, as_tuple: bool = False) -> Any:
    """The indices of the nonzero elements (x.nonzero())."""
    return _operand_tensor(input).nonzero(as_tuple=as_tuple)


def argwhere(input: Any) -> Tensor:
    """x.argwhere()."""
    return _operand_tensor(input).argwhere()


def take(input: Any, index: Any) -> Tensor:
    """input.take(index)."""
    return _operand_tensor(input).take(index)


def take_along_dim(input: Any, indices: Any, dim: int | None = None) -> Tensor:
    """input.take_along_dim(indices, dim)."""
    return _operand_tensor(input).take_along_dim(indices, dim)


def gather(input: Any, dim: int, index: Any) -> Tensor:
    """input.gather(dim, index)."""
    return _operand_tensor(input).gather(dim, index)


def numel(input: Any) -> int:
    """The number of elements."""
    return _operand_tensor(input).numel()


# ---- einsum -------------------------------------------------------------------------------------


def einsum(equation: Any, *operands: Any) -> Tensor:
    """A sum of products named by index labels, as torch.einsum: "ij,jk->ik" is a matrix product,
    "ii->" a trace, "ii->i" a diagonal, "bi,bi->b" a batch of dot products, "...ij,...jk" a batched one.
    Without "->" the output is the "..." dims, then the labels that occur once, in alphabetical order.
    A dim of size 1 is broadcast against the same label's size elsewhere, "..." dims as broadcasting
    aligns them (from the right). PyTorch's sublist form, einsum(a, [0, 1], b, [1, 2], [0, 2]), works too.

    Example:
        >>> tg.einsum("ij,j->i", tg.ones(2, 3), tg.ones(3)).shape
        (2,)
        >>> tg.einsum("...ij,...jk->...ik", tg.ones(2, 1, 3, 4), tg.ones(5, 4, 2)).shape
        (2, 5, 3, 2)
    """
    from tinygrad_edu import ops
    from tinygrad_edu.errors import ShapeError

    if not isinstance(equation, str):
        equation, operands = _sublist_equation((equation, *operands))
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = tuple(operands[0])
    equation = equation.replace(" ", "")
    ts = [_operand_tensor(t) for t in operands]
    if "..." in equation:
        equation = _name_the_ellipsis(equation, ts)
    if "->" not in equation:
        letters = equation.replace(",", "")
        equation += "->" + "".join(sorted(c for c in set(letters) if letters.count(c) == 1))
    specs = equation.split("->")[0].split(",")
    if len(specs) != len(ts):
        raise ShapeError(f"einsum: {equation!r} names {len(specs)} operands, got {len(ts)}")
    sizes: dict[str, int] = {}
    for spec, t in zip(specs, ts):
        if len(spec) != t.ndim:
            raise ShapeError(f"einsum: {spec!r} names {len(spec)} dims for an operand of shape {t.shape}")
        own: dict[str, int] = {}
        for c, n in zip(spec, t.shape):
            if own.setdefault(c, n) != n:  # (a diagonal: no broadcasting within one operand, as PyTorch)
                raise ShapeError(f"einsum: label {c!r} is repeated in {spec!r} with sizes {own[c]} and {n}")
            m = sizes.get(c, n)
            if m != n and 1 not in (m, n):
                raise ShapeError(
                    f"einsum: label {c!r} is {m} in one place and {n} in another, and neither is 1 "
                    f"(shapes {', '.join(str(t.shape) for t in ts)})"
                )
            sizes[c] = n if m == 1 else m
    dtypes = {t.dtype for t in ts}
    if len(dtypes) > 1:  # as PyTorch: einsum does not promote
        raise ValueError(f"einsum: operands must have one dtype, got {sorted(str(d) for d in dtypes)}")
    # dims of size 1 stretched to their label's size (in the graph: Expand sums their gradient back)
    ts = [
        t.expand(*(sizes[c] for c in spec)) if t.ndim and t.shape != tuple(sizes[c] for c in spec) else t
        for spec, t in zip(specs, ts)
    ]
    return ops.Einsum.apply(*ts, equation=equation)


def _sublist_equation(args: tuple) -> tuple[str, tuple]:
    """PyTorch's sublist form, (op1, [0, 1], op2, [1, 2], [0, 2]), as ("ab,bc->ac", (op1, op2)): labels
    0 to 25 are a to z, 26 to 51 are A to Z, Ellipsis is "..."."""

    def letters(sublist: Any) -> str:
        out = ""
        for label in sublist:
            if label is Ellipsis:
                out += "..."
            elif isinstance(label, int) and 0 <= label < 52:
                out += chr(ord("a") + label) if label < 26 else chr(ord("A") + label - 26)
            else:
                raise ValueError(f"einsum: a subscript in a sublist must be an int in [0, 52) or ..., got {label!r}")
        return out

    output = "->" + letters(args[-1]) if len(args) % 2 else ""
    pairs = args[: len(args) - len(args) % 2]
    return ",".join(letters(sub) for sub in pairs[1::2]) + output, tuple(pairs[0::2])


def _name_the_ellipsis(equation: str, ts: list) -> str:
    """The equation with each "..." replaced by letters it does not use, one per dim it stands for
    (aligned from the right, as broadcasting aligns them)."""
    inputs, arrow, output = equation.partition("->")
    specs = inputs.split(",")
    spare = [c for c in "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz" if c not in equation]
    count = max((t.ndim - (len(spec) - 3) for spec, t in zip(specs, ts) if "..." in spec), default=0)
    letters = "".join(spare[:count])
    named = []
    for spec, t in zip(specs, ts):
        if "..." in spec:
            k = t.ndim - (len(spec) - 3)
            spec = spec.replace("...", letters[count - k :] if k else "")
        named.append(spec)
    if arrow:
        output = output.replace("...", letters)
    else:
        rest = "".join(named).replace(",", "")
        output = letters + "".join(sorted(c for c in set(rest) if rest.count(c) == 1 and c not in letters))
    return ",".join(named) + "->" + output


__all__ += ["einsum"]


# ---- comparisons ---------------------------------------------------------------------------------


def eq(input: Any, other: Any) -> Tensor:
    """input == other, elementwise."""
    return _operand_tensor(input).eq(other)


def ne(input: Any, other: Any) -> Tensor:
    """input != other, elementwise."""
    return _operand_tensor(input).ne(other)


def lt(input: Any, other: Any) -> Tensor:
    """input < other, elementwise."""
    return _operand_tensor(input).lt(other)


def le(input: Any, other: Any) -> Tensor:
    """input <= other, elementwise."""
    return _operand_tensor(input).le(other)


def gt(input: Any, other: Any) -> Tensor:
    """input > other, elementwise."""
    return _operand_tensor(input).gt(other)


def ge(input: Any, other: Any) -> Tensor:
    """input >= other, elementwise."""
    return _operand_tensor(input).ge(other)


def isclose(input: Any, other: Any, rtol: float = 1e-05, atol: float = 1e-08, equal_nan: bool = False) -> Tensor:
    """|input - other| <= atol + rtol * |other|, elementwise."""
    return _operand_tensor(input).isclose(other, rtol, atol, equal_nan)


def allclose(input: Any, other: Any, rtol: float = 1e-05, atol: float = 1e-08, equal_nan: bool = False) -> bool:
    """True if isclose holds everywhere."""
    return _operand_tensor(input).allclose(other, rtol, atol, equal_nan)


def equal(input: Any, other: Any) -> bool:
    """True if other has input's shape and values."""
    return _operand_tensor(input).equal(other)


less, less_equal, greater, greater_equal, not_equal = lt, le, gt, ge, ne  # NumPy's names, as PyTorch has them

__all__ += ["eq", "ne", "lt", "le", "gt", "ge", "isclose", "allclose", "equal"]
__all__ += ["less", "less_equal", "greater", "greater_equal", "not_equal"]
