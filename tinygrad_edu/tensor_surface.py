"""The rest of PyTorch's Tensor surface: logic, bitwise, scans, sorting, more shape and indexing methods.

`Tensor` (tensor.py) inherits these from `SurfaceMethods`, so `x.cumsum(0)`, `x.flip(0)`, `x.sort()` are
ordinary Tensor methods; they live here to keep tensor.py readable in one sitting (tensor.py's docstring
lists the other groups: elementwise math is in tensor_math.py). Each method is a one-line delegation to
its op in `tinygrad_edu/ops/` (scan.py, scatter.py), or a short composition of existing differentiable ops
(a flip is an index with step -1, a sort is a gather at the argsort), so its gradient comes with it. Results
that have no gradient in PyTorch (comparisons, logical and bitwise ops, indices) are made outside the graph.

The free functions (`tg.sin(x)`, `tg.cumsum(x, 0)`, ...) are in functional_surface.py.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np

import tinygrad_edu as _tg  # (still being imported when this runs: `_tg.ops` is read at call time)
from tinygrad_edu import tensor as _tensor_module  # (likewise: its names are read at call time)
from tinygrad_edu.arguments import Dim, as_tuple, check_dim, dim_or_axis, integer_index, reduce_args, shape_args
from tinygrad_edu.errors import DtypeError, ShapeError
from tinygrad_edu.tensor_math import _floating  # (ints into float math give float32)


class HistogramBins(NamedTuple):
    """What histogram returns, as torch.return_types.histogram."""

    hist: Any
    bin_edges: Any


class ValuesIndices(NamedTuple):
    """What sort, topk, kthvalue, median(dim), mode, cummax and cummin return, as torch.return_types."""

    values: Any
    indices: Any


def _ops() -> Any:
    return _tg.ops


def _t() -> Any:
    return _tensor_module


def _no_grad(data: Any) -> Any:
    """A tensor outside the graph holding data (an array, kept of its own kind)."""
    return _t().Tensor._from_op(_tg.autograd.as_array(data), None)


def _plain(x: Any) -> Any:
    """The array inside a Tensor; anything else as it is."""
    return x.data if isinstance(x, _t().Tensor) else x


def _index_array(op: str, index: Any) -> Any:
    """An index argument as an int64 array (kept of its own kind when it is a traced array)."""
    index = _plain(index)
    if _tg.autograd.is_other_array(index) and index.dtype.kind in "iu":
        return index
    index = np.asarray(index)
    if index.dtype.kind not in "iu":
        raise DtypeError(f"{op}: index must hold integers, got dtype {index.dtype}")
    return integer_index(index)


def _elementwise_no_grad(op: str, ufunc: Any, x: Any, other: Any) -> Any:
    """ufunc(x, other) outside the graph, with an error naming the op and both shapes where they do not
    broadcast (PyTorch's "The size of tensor a must match ...")."""
    other = _plain(other)
    try:
        return _no_grad(ufunc(x.data, other))
    except ValueError:
        raise ShapeError(
            f"{op}: shapes {x.shape} and {tuple(np.shape(other))} do not broadcast (the size of tensor a must "
            "match the size of tensor b, or be 1, in each dimension counted from the right)"
        ) from None


def _integer_only(op: str, *tensors: Any) -> None:
    for x in tensors:
        kind = np.asarray(_plain(x)).dtype.kind if not isinstance(x, _t().Tensor) else x.data.dtype.kind
        if kind not in "biu":
            raise DtypeError(
                f"{op}: only integer and bool tensors are supported, got a {kind!r}-kind dtype "
                f"(float); cast first, e.g. x.long()"
            )


class SurfaceMethods:
    """Methods of Tensor (see the module docstring); `self` is always a Tensor."""

    __slots__ = ()

    if TYPE_CHECKING:  # what these methods use of Tensor, declared for the type checker only
        data: np.ndarray
        requires_grad: bool
        grad_fn: Any

        def __getitem__(self, index: Any) -> Any: ...

        def __setitem__(self, index: Any, value: Any) -> None: ...

        def __mul__(self, other: Any) -> Any: ...

        def __array_ufunc__(self, ufunc: Any, method: str, *inputs: Any, **kwargs: Any) -> Any: ...

        @property
        def shape(self) -> tuple[int, ...]: ...

        @property
        def ndim(self) -> int: ...

        clone: Callable[..., Any]
        to: Callable[..., Any]
        reshape: Callable[..., Any]
        gather: Callable[..., Any]
        permute: Callable[..., Any]
        transpose: Callable[..., Any]
        numel: Callable[..., int]
        expand: Callable[..., Any]

    # ---- tests of values and logic: bool tensors outside the graph --------------------------

    def isnan(self) -> Any:
        """True where x is nan."""
        return _no_grad(np.isnan(self.data))

    def isinf(self) -> Any:
        """True where x is +inf or -inf."""
        return _no_grad(np.isinf(self.data))

    def isfinite(self) -> Any:
        """True where x is neither nan nor infinite."""
        return _no_grad(np.isfinite(self.data))

    def logical_not(self) -> Any:
        """not x, elementwise (nonzero is True)."""
        return _no_grad(np.logical_not(self.data))

    def logical_and(self, other: Any) -> Any:
        """x and other, elementwise (nonzero is True)."""
        return _elementwise_no_grad("logical_and", np.logical_and, self, other)

    def logical_or(self, other: Any) -> Any:
        """x or other, elementwise."""
        return _elementwise_no_grad("logical_or", np.logical_or, self, other)

    def logical_xor(self, other: Any) -> Any:
        """x xor other, elementwise."""
        return _elementwise_no_grad("logical_xor", np.logical_xor, self, other)

    # Bitwise ops, on integer and bool tensors only (as PyTorch): no gradient.
    def bitwise_not(self) -> Any:
        """~x: bits flipped (not, for bools)."""
        _integer_only("bitwise_not", self)
        return _no_grad(np.invert(self.data))

    def bitwise_and(self, other: Any) -> Any:
        """x & other, elementwise."""
        _integer_only("bitwise_and", self, other)
        return _elementwise_no_grad("bitwise_and", np.bitwise_and, self, other)

    def bitwise_or(self, other: Any) -> Any:
        """x | other, elementwise."""
        _integer_only("bitwise_or", self, other)
        return _elementwise_no_grad("bitwise_or", np.bitwise_or, self, other)

    def bitwise_xor(self, other: Any) -> Any:
        """x ^ other, elementwise."""
        _integer_only("bitwise_xor", self, other)
        return _elementwise_no_grad("bitwise_xor", np.bitwise_xor, self, other)

    def bitwise_left_shift(self, other: Any) -> Any:
        """x << other, elementwise."""
        _integer_only("bitwise_left_shift", self, other)
        return _elementwise_no_grad("bitwise_left_shift", np.left_shift, self, other)

    def bitwise_right_shift(self, other: Any) -> Any:
        """x >> other, elementwise (arithmetic: the sign is kept)."""
        _integer_only("bitwise_right_shift", self, other)
        return _elementwise_no_grad("bitwise_right_shift", np.right_shift, self, other)

    def __invert__(self) -> Any:  # ~self
        return self.bitwise_not()

    def __and__(self, other: Any) -> Any:  # self & other
        return self.bitwise_and(other)

    def __rand__(self, other: Any) -> Any:  # other & self
        return self.bitwise_and(other)

    def __or__(self, other: Any) -> Any:  # self | other
        return self.bitwise_or(other)

    def __ror__(self, other: Any) -> Any:  # other | self
        return self.bitwise_or(other)

    def __xor__(self, other: Any) -> Any:  # self ^ other
        return self.bitwise_xor(other)

    def __rxor__(self, other: Any) -> Any:  # other ^ self
        return self.bitwise_xor(other)

    def __lshift__(self, other: Any) -> Any:  # self << other
        return self.bitwise_left_shift(other)

    def __rshift__(self, other: Any) -> Any:  # self >> other
        return self.bitwise_right_shift(other)

    # ---- reductions and scans (ops/scan.py; all/any/count_nonzero have no gradient) --------

    def prod(self, dim: int | None = None, keepdim: bool = False, *, dtype: Any = None) -> Any:
        """The product over `dim` (None: all elements); ints and bools give int64, as PyTorch."""
        x = self.to(dtype) if dtype is not None else self
        if x.data.dtype.kind in "bu" or (x.data.dtype.kind == "i" and x.data.dtype != np.int64):
            x = x.to(np.int64)
        axis = None if dim is None else check_dim("prod", dim, max(x.ndim, 1))
        if x.ndim == 0:
            axis = None
        return _ops().Prod.apply(x, axis=axis, keepdim=bool(keepdim) and axis is not None)

    def all(self, dim: Dim = None, keepdim: bool = False) -> Any:
        """True where every element over `dim` is nonzero (a bool tensor, no gradient)."""
        axes, keep = reduce_args("all", self.ndim, dim, keepdim, None, None)
        return _no_grad(np.all(self.data, axis=axes, keepdims=keep))

    def any(self, dim: Dim = None, keepdim: bool = False) -> Any:
        """True where some element over `dim` is nonzero (a bool tensor, no gradient)."""
        axes, keep = reduce_args("any", self.ndim, dim, keepdim, None, None)
        return _no_grad(np.any(self.data, axis=axes, keepdims=keep))

    def count_nonzero(self, dim: Dim = None, *more_dims: int) -> Any:
        """The number of nonzero elements over `dim` (int64, no gradient); several dims as a tuple or as arguments."""
        if more_dims:
            dim = (*as_tuple(dim), *more_dims)
        axes, _ = reduce_args("count_nonzero", self.ndim, dim, False, None, None)
        return _no_grad(np.asarray(np.count_nonzero(self.data, axis=axes), dtype=np.int64))

    def bincount(self, weights: Any = None, minlength: int = 0) -> Any:
        """How often each value 0, 1, ..., max occurs in a 1-D non-negative int tensor (or the sum of the
        weights of its places), as `torch.bincount`; no gradient."""
        if self.ndim != 1 or self.data.dtype.kind not in "iu":
            raise DtypeError(
                f"bincount: only supports 1-d non-negative integral inputs, got {self.data.dtype} {self.shape}"
            )
        if self.numel() and self.data.min() < 0:
            raise ValueError(
                f"bincount: only supports 1-d non-negative integral inputs, got the value {self.data.min()}"
            )
        w = None if weights is None else np.asarray(_plain(weights))
        counts = np.bincount(self.data, weights=w, minlength=minlength)
        if w is None:
            return _no_grad(counts.astype(np.int64))
        # sums of float weights keep the weights' dtype (int weights sum in float64), as PyTorch
        return _no_grad(counts.astype(w.dtype if w.dtype.kind == "f" else np.float64))

    def histogram(self, bins: Any = 100, *, range: Any = None, weight: Any = None, density: bool = False) -> Any:
        """(counts, bin edges) of the values in `bins` equal bins over `range` (default: min to max) or between
        the edges in a tensor `bins`, as `torch.histogram`; float tensors only, no gradient.

        Example:
            >>> tg.tensor([0.0, 1.0, 1.0, 4.0]).histogram(2)
            HistogramBins(hist=tensor([3., 1.], dtype=float32), bin_edges=tensor([0., 2., 4.], dtype=float32))
        """
        if self.data.dtype.kind != "f":
            raise DtypeError(f"histogram: takes a float tensor, got dtype {self.data.dtype}; convert it with .float()")
        hist, edges = np.histogram(self.data, bins=_plain(bins), range=range, weights=_plain(weight), density=density)
        return HistogramBins(_no_grad(hist.astype(self.data.dtype)), _no_grad(edges.astype(self.data.dtype)))

    def multinomial(self, num_samples: int, replacement: bool = False, *, generator: Any = None) -> Any:
        """Indices drawn with this tensor's weights (see `tg.multinomial`)."""
        return _tg.multinomial(self, num_samples, replacement, generator=generator)

    def bernoulli(self, p: float | None = None, *, generator: Any = None) -> Any:
        """1 with probability self (or p, for every element), elementwise, else 0 (see `tg.bernoulli`)."""
        return _tg.bernoulli(self, p, generator=generator)

    def msort(self) -> Any:
        """The values sorted along dim 0, as `torch.msort`."""
        return self.sort(0).values

    def is_nonzero(self) -> bool:
        """The truth of a one-element tensor, as `torch.is_nonzero` (an error for any other size)."""
        if self.numel() != 1:
            raise RuntimeError(f"is_nonzero: Boolean value of Tensor with {self.numel()} values is ambiguous")
        return bool(self.data.reshape(()))

    def is_same_size(self, other: Any) -> bool:
        """True if other has this tensor's shape."""
        return tuple(other.shape) == self.shape

    def nelement(self) -> int:
        """The number of elements, as `torch.Tensor.nelement` (the same as numel)."""
        return self.numel()

    def _scan_axis(self, op: str, dim: int) -> int:
        return check_dim(op, dim, max(self.ndim, 1))

    def _scan_input(self, dtype: Any) -> Any:
        """The input of cumsum/cumprod: cast to dtype if given; ints and bools accumulate in int64 (as PyTorch)."""
        x = self.to(dtype) if dtype is not None else self
        if x.data.dtype.kind in "bu" or (x.data.dtype.kind == "i" and x.data.dtype != np.int64):
            x = x.to(np.int64)
        return x

    def cumsum(self, dim: Any = None, *, dtype: Any = None, axis: Any = None) -> Any:
        """out_j = x_0 + ... + x_j along `dim` (or NumPy's `axis=`, as PyTorch takes it)."""
        dim = dim_or_axis("cumsum", dim, axis)
        x = self._scan_input(dtype)
        if x.ndim == 0:
            return x.clone()
        return _ops().Cumsum.apply(x, axis=self._scan_axis("cumsum", dim))

    def cumprod(self, dim: Any = None, *, dtype: Any = None, axis: Any = None) -> Any:
        """out_j = x_0 * ... * x_j along `dim` (or `axis=`)."""
        dim = dim_or_axis("cumprod", dim, axis)
        x = self._scan_input(dtype)
        if x.ndim == 0:
            return x.clone()
        return _ops().Cumprod.apply(x, axis=self._scan_axis("cumprod", dim))

    def logcumsumexp(self, dim: int) -> Any:
        """out_j = log(e^x_0 + ... + e^x_j) along `dim`, without overflow."""
        x = _floating(self)
        if x.ndim == 0:
            return x.clone()
        return _ops().LogCumSumExp.apply(x, axis=self._scan_axis("logcumsumexp", dim))

    def cummax(self, dim: int) -> ValuesIndices:
        """(the running maximum along `dim`, the index where it was reached); the gradient goes to that index."""
        return self._running("cummax", np.maximum, dim)

    def cummin(self, dim: int) -> ValuesIndices:
        """(the running minimum along `dim`, the index where it was reached)."""
        return self._running("cummin", np.minimum, dim)

    def _running(self, op: str, ufunc: Any, dim: int) -> ValuesIndices:
        if self.ndim == 0:
            return ValuesIndices(self.clone(), _no_grad(np.zeros_like(self.data, dtype=np.int64)))
        axis = self._scan_axis(op, dim)
        running = ufunc.accumulate(self.data, axis=axis)
        # the index is the last position k <= j where x_k reached the running extreme (PyTorch takes
        # the later of equal values): the positions where x equals it, carried forward by a running max
        shape = [1] * self.ndim
        shape[axis] = self.shape[axis]
        position = np.reshape(np.arange(self.shape[axis]), shape)
        hits = np.where(self.data == running, position, 0)
        indices = np.maximum.accumulate(hits, axis=axis).astype(np.int64)
        return ValuesIndices(self.gather(axis, indices), _no_grad(indices))

    def norm(self, p: Any = "fro", dim: Dim = None, keepdim: bool = False) -> Any:
        """The p-norm over `dim` (None: all elements): (sum |x|^p)^(1/p); "fro" is p = 2, inf the largest |x|."""
        return _tg.linalg.vector_norm(self, 2 if p in ("fro", None) else p, dim, keepdim)

    # ---- sorting and selection: values are a gather at the sorted indices, so gradients flow --

    def argsort(self, dim: int = -1, descending: bool = False, stable: bool = False) -> Any:
        """The indices that sort `dim` (int64, no gradient); ties keep their order."""
        if self.ndim == 0:
            return _no_grad(np.zeros_like(self.data, dtype=np.int64))
        axis = check_dim("argsort", dim, self.ndim)
        data = self.data
        if descending:
            # sorting -x ascending keeps equal elements in order; bools and unsigned ints cannot be negated
            data = -data.astype(np.int64) if data.dtype.kind in "bu" else -data
        return _no_grad(np.argsort(data, axis=axis, kind="stable").astype(np.int64))

    def sort(self, dim: int = -1, descending: bool = False, stable: bool = False) -> ValuesIndices:
        """(the values sorted along `dim`, their indices in self), as `torch.sort`."""
        indices = self.argsort(dim, descending)
        if self.ndim == 0:
            return ValuesIndices(self.clone(), indices)
        return ValuesIndices(self.gather(check_dim("sort", dim, self.ndim), indices.data), indices)

    def topk(self, k: int, dim: int = -1, largest: bool = True, sorted: bool = True) -> ValuesIndices:
        """(the k largest values along `dim`, their indices), largest first (or the k smallest)."""
        axis = check_dim("topk", dim, max(self.ndim, 1))
        n = self.shape[axis] if self.ndim else 1
        if not 0 <= k <= n:
            raise IndexError(f"topk: k={k} is out of range for dimension {dim} of size {n} (shape {self.shape})")
        order = self.argsort(dim, descending=largest)
        if self.ndim == 0:
            return ValuesIndices(self.clone(), order)
        indices = np.take(order.data, np.arange(k), axis=axis)
        return ValuesIndices(self.gather(axis, indices), _no_grad(indices))

    def kthvalue(self, k: int, dim: int = -1, keepdim: bool = False) -> ValuesIndices:
        """(the k-th smallest value along `dim`, counting from 1, and its index)."""
        axis = check_dim("kthvalue", dim, max(self.ndim, 1))
        n = self.shape[axis] if self.ndim else 1
        if not 1 <= k <= n:
            raise IndexError(f"kthvalue: k={k} is out of range for dimension {dim} of size {n} (shape {self.shape})")
        if self.ndim == 0:
            return ValuesIndices(self.clone(), _no_grad(np.zeros_like(self.data, dtype=np.int64)))
        indices = np.take(self.argsort(dim).data, [k - 1], axis=axis)
        values = self.gather(axis, indices)
        if not keepdim:
            values, indices = values.squeeze(axis), np.squeeze(indices, axis)
        return ValuesIndices(values, _no_grad(indices))

    def median(self, dim: int | None = None, keepdim: bool = False) -> Any:
        """The lower median (the ((n + 1) // 2)-th smallest), as `torch.median`: of all elements when dim
        is None (a tensor), else (values, indices) along dim."""
        if dim is None:
            flat = self.reshape(-1)
            return flat.kthvalue((flat.shape[0] + 1) // 2, 0).values
        n = self.shape[check_dim("median", dim, max(self.ndim, 1))] if self.ndim else 1
        return self.kthvalue((n + 1) // 2, dim, keepdim)

    def mode(self, dim: int = -1, keepdim: bool = False) -> ValuesIndices:
        """(the most frequent value along `dim`, the smallest such at a tie, and its last index), as `torch.mode`."""
        if self.ndim == 0:
            return ValuesIndices(self.clone(), _no_grad(np.zeros_like(self.data, dtype=np.int64)))
        axis = check_dim("mode", dim, self.ndim)
        # counts over an (i, j) grid of the slice, equal[i, j] = x_i == x_j: O(n^2), in NumPy calls only
        x = np.moveaxis(self.data, axis, -1)
        counts = np.sum(np.expand_dims(x, -1) == np.expand_dims(x, -2), axis=-1)
        most = counts == np.max(counts, axis=-1, keepdims=True)
        # the smallest of the most frequent values (the others replaced by the slice's largest value)
        value = np.min(np.where(most, x, np.max(x, axis=-1, keepdims=True)), axis=-1, keepdims=True)
        last = np.max(np.where(x == value, np.arange(x.shape[-1]), -1), axis=-1, keepdims=True)
        indices = np.moveaxis(last, -1, axis).astype(np.int64)
        values = self.gather(axis, indices)
        if not keepdim:
            values, indices = values.squeeze(axis), np.squeeze(indices, axis)
        return ValuesIndices(values, _no_grad(indices))

    def unique(
        self, sorted: bool = True, return_inverse: bool = False, return_counts: bool = False, dim: int | None = None
    ) -> Any:
        """The distinct values, sorted (no gradient); with return_inverse/return_counts also where each
        element went and how often each value occurs, as `torch.unique`."""
        values, inverse, counts = np.unique(self.data, return_inverse=True, return_counts=True, axis=dim)
        out = [_no_grad(values)]
        if return_inverse:
            out.append(_no_grad(np.reshape(inverse, self.shape if dim is None else (-1,)).astype(np.int64)))
        if return_counts:
            out.append(_no_grad(counts.astype(np.int64)))
        return out[0] if len(out) == 1 else tuple(out)

    # ---- shape: compositions of index, reshape, permute, expand and cat ---------------------

    def flip(self, *dims: Any) -> Any:
        """The elements in reverse order along each of `dims`: a new tensor, as in PyTorch (a copy, not a view:
        changing it in place leaves self as it was, and its strides are a contiguous tensor's)."""
        flipped = {check_dim("flip", d, self.ndim) for d in shape_args(dims)}
        return self[tuple(slice(None, None, -1) if i in flipped else slice(None) for i in range(self.ndim))].clone()

    def fliplr(self) -> Any:
        """flip(1)."""
        return self.flip(1)

    def flipud(self) -> Any:
        """flip(0)."""
        return self.flip(0)

    def roll(self, shifts: Any, dims: Any = None) -> Any:
        """The elements shifted by `shifts` along `dims`, those pushed off the end coming back at the start;
        with no dims, over the flattened tensor."""
        if dims is None:
            return self.reshape(-1).roll(shifts, 0).reshape(self.shape)
        shifts, dims = as_tuple(shifts), as_tuple(dims)
        if len(shifts) != len(dims):
            raise ValueError(f"roll: shifts {shifts} and dims {dims} must have the same length")
        out = self
        for shift, dim in zip(shifts, dims):
            axis = check_dim("roll", dim, self.ndim)
            n = self.shape[axis]
            out = out.index_select(axis, (np.arange(n) - shift) % max(n, 1))  # out_i = x_(i - shift)
        return out

    def index_select(self, dim: int, index: Any) -> Any:
        """The slices of self at `index` (a 1-D integer tensor) along `dim`; repeats add up in the gradient."""
        index = _index_array("index_select", index)
        if index.ndim > 1:
            raise ShapeError(f"index_select: index must be 1-D, got shape {index.shape}")
        if self.ndim == 0:
            return self[np.reshape(index, (-1,))].reshape(())
        axis = check_dim("index_select", dim, self.ndim)
        return self[(slice(None),) * axis + (np.reshape(index, (-1,)),)]

    def repeat(self, *sizes: Any) -> Any:
        """The tensor tiled sizes[i] times along dim i (as np.tile; leading sizes add new dims)."""
        sizes = shape_args(sizes)
        if len(sizes) < self.ndim:
            raise ShapeError(
                f"repeat: {len(sizes)} repeat sizes for a tensor of {self.ndim} dimensions "
                f"(shape {self.shape}); give at least one per dimension"
            )
        shape = (1,) * (len(sizes) - self.ndim) + self.shape
        # each dim n becomes (1, n), is expanded to (r, n) and merged into r * n: copies side by side
        split = self.reshape([m for n in shape for m in (1, n)])
        copies = split.expand(*[m for r, n in zip(sizes, shape) for m in (r, n)])
        return copies.reshape([r * n for r, n in zip(sizes, shape)])

    def tile(self, *dims: Any) -> Any:
        """repeat, with missing leading sizes taken as 1 (as torch.tile)."""
        dims = shape_args(dims)
        return self.repeat(*((1,) * (self.ndim - len(dims)) + tuple(dims)))

    def repeat_interleave(self, repeats: Any, dim: int | None = None) -> Any:
        """Each element repeated `repeats` times in place along `dim` (flattened when dim is None)."""
        x = self.reshape(-1) if dim is None else self
        axis = 0 if dim is None else check_dim("repeat_interleave", dim, self.ndim)
        counts = _plain(repeats)
        return x.index_select(axis, np.repeat(np.arange(x.shape[axis]), counts))

    def _triangle(self, op: str, diagonal: int, keep: Any) -> Any:
        if self.ndim < 2:
            raise ShapeError(f"{op}: expects a tensor of at least 2 dimensions, got shape {self.shape}")
        rows, cols = self.shape[-2:]
        mask = keep(np.arange(cols)[None, :] - np.arange(rows)[:, None], diagonal)  # col - row vs diagonal
        return _t().where(mask, self, np.zeros((), self.data.dtype))  # (a 0 of our dtype: bool stays bool)

    def tril(self, diagonal: int = 0) -> Any:
        """The lower triangle (col - row <= diagonal) of the last two dims, zeros above."""
        return self._triangle("tril", diagonal, np.less_equal)

    def triu(self, diagonal: int = 0) -> Any:
        """The upper triangle (col - row >= diagonal) of the last two dims, zeros below."""
        return self._triangle("triu", diagonal, np.greater_equal)

    def diagonal(self, offset: int = 0, dim1: int = 0, dim2: int = 1) -> Any:
        """The diagonal of dims dim1 and dim2 (shifted by offset), as the last dim of the result."""
        d1, d2 = check_dim("diagonal", dim1, self.ndim), check_dim("diagonal", dim2, self.ndim)
        if d1 == d2:
            raise ShapeError(f"diagonal: dim1 and dim2 must differ, both are {d1}")
        rest = [d for d in range(self.ndim) if d not in (d1, d2)]
        moved = self.permute(*rest, d1, d2)
        rows, cols = self.shape[d1], self.shape[d2]
        start_row, start_col = max(-offset, 0), max(offset, 0)
        n = max(min(rows - start_row, cols - start_col), 0)
        return moved[(Ellipsis, np.arange(n) + start_row, np.arange(n) + start_col)]

    def diag(self, diagonal: int = 0) -> Any:
        """A 1-D tensor as the `diagonal`-th diagonal of a square matrix; a matrix's diagonal as 1-D."""
        if self.ndim == 2:
            return self.diagonal(diagonal)
        if self.ndim != 1:
            raise ShapeError(f"diag: expects a 1-D or 2-D tensor, got shape {self.shape}")
        n, k = self.shape[0], abs(diagonal)
        square = self * np.eye(n, dtype=np.bool_)  # x_j on the diagonal: (eye * x)[i, j] = x_j delta_ij
        if k == 0:
            return square
        # move it off the main diagonal: k zero rows below (k > 0) or above, k zero columns the other side
        pad = (k, 0, 0, k) if diagonal > 0 else (0, k, k, 0)
        return _tg.nn.functional.pad(square, pad)

    def trace(self) -> Any:
        """The sum of a matrix's diagonal."""
        if self.ndim != 2:
            raise ShapeError(f"trace: expects a matrix, got shape {self.shape}")
        return self.diagonal().sum()

    def unflatten(self, dim: int, sizes: Sequence[int]) -> Any:
        """Split dim into several of the given sizes (one may be -1)."""
        axis = check_dim("unflatten", dim, self.ndim)
        return self.reshape(*self.shape[:axis], *sizes, *self.shape[axis + 1 :])

    def unfold(self, dimension: int, size: int, step: int) -> Any:
        """Every window of `size` elements along `dimension`, `step` apart, as a new last dim."""
        axis = check_dim("unfold", dimension, max(self.ndim, 1))
        n = self.shape[axis] if self.ndim else 1
        if size > n or step <= 0:
            raise ShapeError(
                f"unfold: size {size} must be <= {n} (dimension {dimension} of {self.shape}) and step {step} > 0"
            )
        windows = (n - size) // step + 1
        where = np.arange(windows)[:, None] * step + np.arange(size)[None, :]  # (windows, size)
        x = self if self.ndim else self.reshape(1)
        picked = x[(slice(None),) * axis + (where,)]  # dims: ..., windows, size, ...
        return picked.movedim(axis + 1, -1)

    def narrow(self, dim: int, start: int, length: int) -> Any:
        """self[..., start:start + length, ...] along `dim` (a negative start counts from the end)."""
        axis = check_dim("narrow", dim, self.ndim)
        start = start + self.shape[axis] if start < 0 else start
        if not 0 <= start <= start + length <= self.shape[axis]:
            raise IndexError(
                f"narrow: start {start} + length {length} exceeds dimension {dim} of size {self.shape[axis]}"
            )
        return self[(slice(None),) * axis + (slice(start, start + length),)]

    def movedim(self, source: Any, destination: Any) -> Any:
        """The dims `source` moved to positions `destination`, the others keeping their order."""
        src = [check_dim("movedim", d, self.ndim) for d in as_tuple(source)]
        dst = [check_dim("movedim", d, self.ndim) for d in as_tuple(destination)]
        if len(src) != len(dst):
            raise ValueError(f"movedim: source {source} and destination {destination} must have the same length")
        order = [d for d in range(self.ndim) if d not in src]
        for d, s in sorted(zip(dst, src)):
            order.insert(d, s)
        return self.permute(*order)

    moveaxis = movedim

    def swapaxes(self, axis0: int, axis1: int) -> Any:
        """transpose(axis0, axis1), under NumPy's name."""
        return self.transpose(axis0, axis1)

    swapdims = swapaxes

    def contiguous(self) -> Any:
        """self if its elements are laid out in row-major order, else a row-major copy (in the graph), so
        that view() can reshape it in place, as `torch.Tensor.contiguous`."""
        if type(self.data) is not np.ndarray or self.data.flags.c_contiguous:
            return self
        return self.clone()

    def is_contiguous(self) -> bool:
        """True if the elements are laid out in row-major order (False after a transpose)."""
        return type(self.data) is not np.ndarray or bool(self.data.flags.c_contiguous)

    def stride(self, dim: int | None = None) -> Any:
        """The step in elements from one index to the next along each dim (or along `dim`), as
        `torch.Tensor.stride`: NumPy's byte strides over the item size, so (3, 1) for a row-major (2, 3)
        tensor and (1, 3) after .t(). Ops that PyTorch computes into a new tensor (flip, x[:, [2, 0]]) give a new
        contiguous one here too."""
        strides = tuple(step // self.data.itemsize for step in self.data.strides)
        return strides if dim is None else strides[check_dim("stride", dim, max(self.ndim, 1))]

    def diff(self, n: int = 1, dim: int = -1, prepend: Any = None, append: Any = None) -> Any:
        """out_i = x_(i+1) - x_i along `dim`, n times over (after prepend and append are joined on), as
        `torch.diff`; for bools x_(i+1) != x_i.

        Example:
            >>> tg.tensor([1, 4, 9, 16]).diff()
            tensor([3, 5, 7], dtype=int64)
        """
        if self.ndim == 0:
            raise ShapeError("diff: expects input to be at least one-dimensional, got a 0-d tensor")
        axis = check_dim("diff", dim, self.ndim)
        x = self
        if prepend is not None or append is not None:
            parts = [
                p if isinstance(p, _t().Tensor) else _t().tensor(p) for p in (prepend, self, append) if p is not None
            ]
            x = _tg.cat(parts, axis)
        before = (slice(None),) * axis
        for _ in range(n):
            later, earlier = x[before + (slice(1, None),)], x[before + (slice(None, -1),)]
            x = later.ne(earlier) if x.data.dtype.kind == "b" else later - earlier
        return x

    def rot90(self, k: int = 1, dims: Sequence[int] = (0, 1)) -> Any:
        """The tensor turned by k quarter turns in the plane of `dims`, from dims[0] towards dims[1]."""
        if len(dims) != 2:
            raise ValueError(f"rot90: expected total rotation dims == 2, but got dims = {len(dims)}")
        if self.ndim < 2:
            raise ShapeError(f"rot90: expected total dims >= 2, but got total dims = {self.ndim}")
        a, b = (check_dim("rot90", d, self.ndim) for d in dims)
        if a == b:
            raise ValueError(f"rot90: expected rotation dims to be different, but got dim0 = {a} and dim1 = {b}")
        k = k % 4
        if k == 1:
            return self.flip(b).transpose(a, b)
        if k == 2:
            return self.flip(a, b)
        if k == 3:
            return self.flip(a).transpose(a, b)
        return self.clone()

    def tensor_split(self, indices_or_sections: Any, dim: int = 0) -> tuple:
        """Views of self split along `dim`: into n parts (the first n % size ones one longer), or at the
        given indices, as `torch.tensor_split` (and np.array_split)."""
        axis = check_dim("tensor_split", dim, max(self.ndim, 1))
        size = self.shape[axis]
        cuts = _plain(indices_or_sections)
        if isinstance(cuts, (int, np.integer)) or (np.ndim(cuts) == 0 and np.asarray(cuts).dtype.kind in "iu"):
            sections = int(cuts)
            if sections <= 0:
                raise ValueError(f"tensor_split: number of sections must be larger than 0, got {sections}")
            small, extra = divmod(size, sections)
            cuts = np.cumsum([small + 1] * extra + [small] * (sections - extra))[:-1]
        bounds = [0, *[int(c) for c in np.reshape(cuts, -1)], size]
        before = (slice(None),) * axis
        return tuple(self[before + (slice(lo, max(lo, hi)),)] for lo, hi in zip(bounds, bounds[1:]))

    # ---- indexing: writing into a copy (ops/scatter.py), masks, take ------------------------

    def _scatter_where(self, op: str, dim: int, index: Any, src: Any) -> tuple:
        """(where, src) for scatter-like ops: index along dim, the position itself along the other dims."""
        axis = check_dim(op, dim, max(self.ndim, 1))
        index = _index_array(op, index)
        if index.ndim != self.ndim:
            raise ShapeError(f"{op}: index of shape {index.shape} must have as many dimensions as self {self.shape}")
        where = list(np.ix_(*[np.arange(n) for n in index.shape]))
        where[axis] = index
        if isinstance(src, _t().Tensor):  # only src[:index.shape] is used, as PyTorch
            src = src[tuple(slice(0, n) for n in index.shape)]
        return tuple(where), src

    def scatter(self, dim: int, index: Any, src: Any = None, *, value: Any = None, reduce: Any = None) -> Any:
        """A copy of self with self[index[i][j]][j] = src[i][j] for dim 0 (and so on), as `torch.scatter`."""
        if reduce is not None:
            raise NotImplementedError("scatter: reduce= is not supported; use scatter_add or scatter_reduce")
        src = value if src is None else src
        where, src = self._scatter_where("scatter", dim, index, src)
        return _ops().Scatter.apply(self, self._same_dtype(src), where=where)

    def scatter_add(self, dim: int, index: Any, src: Any) -> Any:
        """A copy of self with src[i][j] added at self[index[i][j]][j] for dim 0 (repeats add up)."""
        where, src = self._scatter_where("scatter_add", dim, index, src)
        return _ops().ScatterAdd.apply(self, self._same_dtype(src), where=where)

    def scatter_reduce(self, dim: int, index: Any, src: Any, reduce: str, *, include_self: bool = True) -> Any:
        """src's values reduced into self at index along dim, as `torch.scatter_reduce`: reduce "sum", "mean",
        "prod", "amax" or "amin" over the values that land on a place, with self's own value unless
        include_self=False. prod's gradient is the product of the other factors (zeros included), amax's and
        amin's is shared evenly among the values equal to the result, as PyTorch."""
        if reduce not in ("sum", "mean", "prod", "amax", "amin"):
            raise ValueError(f"scatter_reduce: reduce must be 'sum', 'mean', 'prod', 'amax' or 'amin', got {reduce!r}")
        where, src = self._scatter_where("scatter_reduce", dim, index, src)
        if reduce in ("prod", "amax", "amin"):
            return _ops().ScatterReduce.apply(
                self, self._same_dtype(src), where=where, reduce=reduce, include_self=include_self
            )
        base = self if include_self else _ops().Scatter.apply(self, np.zeros((), self.data.dtype), where=where)
        total = _ops().ScatterAdd.apply(base, self._same_dtype(src), where=where)
        if reduce == "sum":
            return total
        # mean: divide by how many values each place holds (1 for a place nothing lands on, which keeps self)
        counts = np.zeros(self.shape, dtype=np.int64)
        np.add.at(counts, where, 1)
        counts = counts + (1 if include_self else 0)
        counts = np.maximum(counts, 1)
        if self.data.dtype.kind != "f":
            return _no_grad(np.floor_divide(total.data, counts))
        return total / counts.astype(self.data.dtype)

    def index_add(self, dim: int, index: Any, source: Any, *, alpha: float = 1) -> Any:
        """A copy of self with alpha * source's slice i added to self's slice index[i] along dim."""
        axis = check_dim("index_add", dim, max(self.ndim, 1))
        where = (slice(None),) * axis + (np.reshape(_index_array("index_add", index), (-1,)),)
        source = source * alpha if alpha != 1 else source
        return _ops().ScatterAdd.apply(self, self._same_dtype(source), where=where)

    def index_fill(self, dim: int, index: Any, value: Any) -> Any:
        """A copy of self with value in the slices `index` along dim; their gradient goes to value (a 0-d
        tensor) rather than to self."""
        axis = check_dim("index_fill", dim, max(self.ndim, 1))
        chosen = np.zeros(self.shape[axis] if self.ndim else 1, dtype=np.bool_)
        chosen[np.reshape(_index_array("index_fill", index), (-1,))] = True
        if isinstance(value, _t().Tensor) and value.ndim != 0:
            raise ShapeError(f"index_fill: only supports a 0-dimensional value tensor, got shape {value.shape}")
        mask = np.reshape(chosen, (-1,) + (1,) * (self.ndim - axis - 1)) if self.ndim else chosen.reshape(())
        return self.masked_fill(mask, value)

    def index_copy(self, dim: int, index: Any, source: Any) -> Any:
        """A copy of self with self's slice index[i] along dim replaced by source's slice i."""
        axis = check_dim("index_copy", dim, max(self.ndim, 1))
        where = (slice(None),) * axis + (np.reshape(_index_array("index_copy", index), (-1,)),)
        return _ops().Scatter.apply(self, self._same_dtype(source), where=where)

    def _same_dtype(self, src: Any) -> Any:
        """src as self's dtype: what is written into self takes self's dtype (a float into an int tensor truncates)."""
        if isinstance(src, _t().Tensor):
            if src.data.dtype != self.data.dtype:
                if src.data.dtype.kind == "f" and self.data.dtype.kind == "f":
                    raise DtypeError(
                        f"scatter/index ops: self has dtype {self.data.dtype} and src {src.data.dtype}; "
                        f"they must match, as in PyTorch (cast one with .to())"
                    )
                return src.to(self.data.dtype)
            return src
        return np.asarray(src, dtype=self.data.dtype)

    def masked_fill(self, mask: Any, value: Any) -> Any:
        """A copy of self with `value` where mask is True (mask broadcasts against self)."""
        mask = np.asarray(_plain(mask), dtype=np.bool_)
        if isinstance(value, _t().Tensor):
            value = value.to(self.data.dtype)
        else:  # a number takes self's dtype (2.7 into an int tensor is 2), as PyTorch
            value = _no_grad(np.asarray(value, dtype=self.data.dtype))
        return _t().where(mask, value, self)

    def masked_select(self, mask: Any) -> Any:
        """The elements of self where mask is True, as a 1-D tensor (mask and self broadcast)."""
        mask = np.asarray(_plain(mask), dtype=np.bool_)
        shape = np.broadcast_shapes(self.shape, mask.shape)
        return self.expand(*shape)[np.broadcast_to(mask, shape)]

    def masked_scatter(self, mask: Any, source: Any) -> Any:
        """A copy of self with source's elements, in order, written where mask is True."""
        mask = np.broadcast_to(np.asarray(_plain(mask), dtype=np.bool_), self.shape)
        # the k-th True place takes source's k-th element (places where mask is False take element 0,
        # which `where` then drops, with gradient 0)
        order = np.where(mask, np.cumsum(mask.reshape(-1)).reshape(self.shape) - 1, 0)
        return _t().where(mask, source.reshape(-1)[order], self)

    def take(self, index: Any) -> Any:
        """The elements of the flattened self at `index`, in index's shape."""
        return self.reshape(-1)[_index_array("take", index)]

    def take_along_dim(self, indices: Any, dim: int | None = None) -> Any:
        """gather along dim, self and indices broadcast against each other in the other dims, as
        `torch.take_along_dim`; with dim=None, of the flattened self at the flattened indices.

        Example:
            >>> tg.tensor([[10, 30, 20], [60, 40, 50]]).take_along_dim(tg.tensor([[0, 2]]), 1)
            tensor([[10, 20],
                    [60, 50]], dtype=int64)
        """
        index = _index_array("take_along_dim", indices)
        if dim is None:
            return self.reshape(-1).gather(0, np.reshape(index, (-1,)))
        axis = check_dim("take_along_dim", dim, max(self.ndim, 1))
        if index.ndim != self.ndim:
            raise ShapeError(
                f"take_along_dim: input {self.shape} and indices {index.shape} should have the same number of dims"
            )
        # every dim but `dim` broadcast: self keeps its length along dim, the indices theirs
        try:
            rest = np.broadcast_shapes(
                self.shape[:axis] + (1,) + self.shape[axis + 1 :], index.shape[:axis] + (1,) + index.shape[axis + 1 :]
            )
        except ValueError:
            raise ShapeError(
                f"take_along_dim: input {self.shape} and indices {index.shape} do not broadcast outside dim {dim}"
            ) from None
        x = self.expand(*rest[:axis], self.shape[axis], *rest[axis + 1 :])
        return x.gather(axis, np.broadcast_to(index, rest[:axis] + (index.shape[axis],) + rest[axis + 1 :]))

    def nonzero(self, as_tuple: bool = False) -> Any:
        """The indices of the nonzero elements: an (n, ndim) int64 tensor, or a tuple of ndim 1-D ones."""
        if as_tuple:
            return tuple(_no_grad(i.astype(np.int64)) for i in np.nonzero(np.atleast_1d(self.data)))
        return _no_grad(np.argwhere(self.data).astype(np.int64))

    def argwhere(self) -> Any:
        """nonzero(), as `torch.argwhere`."""
        return self.nonzero()

    # ---- new tensors with this one's dtype (as PyTorch's new_zeros and friends) ----------------

    def _new(self, array: Any, dtype: Any, requires_grad: bool) -> Any:
        out = _t().Tensor(array, dtype=self.data.dtype if dtype is None else dtype)
        return out.requires_grad_() if requires_grad else out

    def new_zeros(self, *size: Any, dtype: Any = None, device: Any = None, requires_grad: bool = False) -> Any:
        """Zeros of the given size with this tensor's dtype (or dtype)."""
        _check_device("new_zeros", device)
        return self._new(np.zeros(shape_args(size)), dtype, requires_grad)

    def new_ones(self, *size: Any, dtype: Any = None, device: Any = None, requires_grad: bool = False) -> Any:
        """Ones of the given size with this tensor's dtype (or dtype)."""
        _check_device("new_ones", device)
        return self._new(np.ones(shape_args(size)), dtype, requires_grad)

    def new_empty(self, *size: Any, dtype: Any = None, device: Any = None, requires_grad: bool = False) -> Any:
        """A tensor of the given size with this tensor's dtype (here zeros)."""
        return self.new_zeros(*size, dtype=dtype, device=device, requires_grad=requires_grad)

    def new_full(
        self, size: Any, fill_value: Any, *, dtype: Any = None, device: Any = None, requires_grad: bool = False
    ) -> Any:
        """fill_value in the given size with this tensor's dtype (or dtype)."""
        _check_device("new_full", device)
        return self._new(np.full(shape_args((size,)), fill_value), dtype, requires_grad)

    def new_tensor(self, data: Any, *, dtype: Any = None, device: Any = None, requires_grad: bool = False) -> Any:
        """A new tensor of data (copied) with this tensor's dtype (or dtype)."""
        _check_device("new_tensor", device)
        return self._new(np.array(_plain(data)), dtype, requires_grad)

    # ---- comparisons under their method names (bool tensors outside the graph) ---------------

    def eq(self, other: Any) -> Any:
        """self == other, elementwise."""
        return self == other

    def ne(self, other: Any) -> Any:
        """self != other, elementwise."""
        return self != other

    def lt(self, other: Any) -> Any:
        """self < other, elementwise."""
        return self < other

    def le(self, other: Any) -> Any:
        """self <= other, elementwise."""
        return self <= other

    def gt(self, other: Any) -> Any:
        """self > other, elementwise."""
        return self > other

    def ge(self, other: Any) -> Any:
        """self >= other, elementwise."""
        return self >= other

    less, less_equal, greater, greater_equal, not_equal = lt, le, gt, ge, ne

    def isclose(self, other: Any, rtol: float = 1e-05, atol: float = 1e-08, equal_nan: bool = False) -> Any:
        """|self - other| <= atol + rtol * |other|, elementwise (a bool tensor)."""
        return _no_grad(np.isclose(self.data, _plain(other), rtol=rtol, atol=atol, equal_nan=equal_nan))

    def allclose(self, other: Any, rtol: float = 1e-05, atol: float = 1e-08, equal_nan: bool = False) -> bool:
        """True if isclose holds everywhere (a Python bool)."""
        return bool(np.all(np.isclose(self.data, _plain(other), rtol=rtol, atol=atol, equal_nan=equal_nan)))

    def equal(self, other: Any) -> bool:
        """True if other has the same shape and the same values (a Python bool)."""
        other = _plain(other)
        return tuple(np.shape(other)) == self.shape and bool(np.all(self.data == other))


def _check_device(op: str, device: Any) -> None:
    from tinygrad_edu.device import check_device

    check_device(op, device)
