"""More of PyTorch's Tensor surface: quantiles, histc, kron, renorm, index_put, diag_embed, frexp,
ldexp, float_power, the add-and-multiply family (addbmm, baddbmm, addmv, addr), and their in-place forms.

`Tensor` (tensor.py) inherits these from `Surface3Methods`. Each differentiable method is a composition of
existing differentiable ops (a quantile is a gather from the sorted values and a lerp, kron a broadcast
product, renorm a product with a factor made of a norm), so gradients and double backward come with it;
results PyTorch gives no gradient (counts, indices, bits) are made outside the graph.

The free functions (`tg.quantile(x, q)`, `tg.searchsorted`, `tg.block_diag`, ...) are in functional_surface3.py.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np

import tinygrad_edu as _tg  # (still being imported when this runs: its names are read at call time)
from tinygrad_edu.arguments import check_dim
from tinygrad_edu.errors import ArgumentError, DtypeError, ShapeError
from tinygrad_edu.tensor_surface import _no_grad, _plain, _t

INTERPOLATIONS = ("linear", "lower", "higher", "midpoint", "nearest")


class MantissaExponent(NamedTuple):
    """What frexp returns, as torch.return_types.frexp."""

    mantissa: Any
    exponent: Any


def _float_input(op: str, x: Any) -> None:
    if x.data.dtype.kind != "f":
        raise DtypeError(f"{op}: expects a floating point tensor, got dtype {x.data.dtype} (convert with .float())")


def _add_scaled(op: str, x: Any, product: Any, beta: Any, alpha: Any, same_dtype: bool = True) -> Any:
    """beta * x + alpha * product, x broadcast to the product's shape; beta = 0 ignores x's values (a nan in x
    does not spread, its gradient is zeros), as PyTorch's addmm family. PyTorch's addbmm, baddbmm and addmv
    refuse a self whose dtype is not the product's (addr promotes: same_dtype=False)."""
    if same_dtype and x.data.dtype != product.data.dtype:
        raise DtypeError(
            f"{op}: input tensors must have the same dtype, got {x.data.dtype} for self and {product.data.dtype} "
            "for the product"
        )
    try:
        fits = np.broadcast_shapes(x.shape, product.shape) == product.shape
    except ValueError:
        fits = False
    if not fits:
        raise ShapeError(f"{op}: self of shape {x.shape} does not broadcast to the product's shape {product.shape}")
    product = product if alpha == 1 else product * alpha
    if beta == 0:
        return _t().where(np.zeros(product.shape, dtype=bool), x, product)
    return (x if beta == 1 else x * beta) + product


class Surface3Methods:
    """Methods of Tensor (see the module docstring); `self` is always a Tensor."""

    __slots__ = ()

    if TYPE_CHECKING:  # what these methods use of Tensor, declared for the type checker only
        data: np.ndarray
        requires_grad: bool

        def __getitem__(self, index: Any) -> Any: ...

        def __mul__(self, other: Any) -> Any: ...

        @property
        def shape(self) -> tuple[int, ...]: ...

        @property
        def ndim(self) -> int: ...

        clone: Callable[..., Any]
        numel: Callable[..., int]
        to: Callable[..., Any]
        reshape: Callable[..., Any]
        gather: Callable[..., Any]
        movedim: Callable[..., Any]
        narrow: Callable[..., Any]
        sort: Callable[..., Any]
        diag: Callable[..., Any]
        bmm: Callable[..., Any]
        mv: Callable[..., Any]
        outer: Callable[..., Any]
        logaddexp: Callable[..., Any]
        unsqueeze: Callable[..., Any]
        _assign_: Callable[..., Any]
        _assign_result_: Callable[..., Any]
        _same_dtype: Callable[..., Any]

    # ---- quantiles and medians: gathers from the sorted values, so the gradient reaches the picked elements --

    def quantile(self, q: Any, dim: int | None = None, keepdim: bool = False, *, interpolation: str = "linear") -> Any:
        """The q-th quantiles along `dim` (None: of all elements), as `torch.quantile`: the value at rank
        q (n - 1) of the sorted values, between two neighbours by `interpolation` ("linear", "lower",
        "higher", "midpoint", "nearest"). q is a number or a 1-D tensor (then the first dim of the result
        runs over q). A slice holding a nan gives nan.

        Example:
            >>> tg.tensor([1.0, 2.0, 4.0, 8.0]).quantile(tg.tensor([0.0, 0.5, 1.0]))
            tensor([1., 3., 8.], dtype=float32)
        """
        return self._quantile("quantile", q, dim, keepdim, interpolation, ignore_nan=False)

    def nanquantile(
        self, q: Any, dim: int | None = None, keepdim: bool = False, *, interpolation: str = "linear"
    ) -> Any:
        """quantile with the nans left out (a slice of nans only gives nan), as `torch.nanquantile`.

        Example:
            >>> tg.tensor([1.0, float("nan"), 3.0]).nanquantile(0.5)
            tensor(2., dtype=float32)
        """
        return self._quantile("nanquantile", q, dim, keepdim, interpolation, ignore_nan=True)

    def _quantile(self, op: str, q: Any, dim: Any, keepdim: bool, interpolation: str, ignore_nan: bool) -> Any:
        if self.data.dtype.kind != "f":
            raise DtypeError(f"{op}() input tensor must be either float or double dtype, got {self.data.dtype}")
        if interpolation not in INTERPOLATIONS:
            raise ArgumentError(
                f"{op}() interpolation must be one of linear, lower, higher, midpoint or nearest. Got {interpolation}"
            )
        if isinstance(q, _t().Tensor):
            if q.data.dtype != self.data.dtype:
                raise DtypeError(f"{op}() q tensor must be same dtype as the input tensor, got {q.data.dtype}")
            if q.ndim > 1:
                raise ShapeError(f"{op}() q must be a scalar or 1D tensor, got shape {q.shape}")
        qs = np.asarray(_plain(q), dtype=self.data.dtype)
        if np.any((qs < 0) | (qs > 1)):
            raise ArgumentError(f"{op}() q values must be in the range [0, 1], got {qs.tolist()}")
        if self.numel() == 0:
            raise ShapeError(f"{op}() input tensor must be non-empty")
        # the reduced dim last: x of shape (*rest, n); None reduces every element
        if dim is None:
            x = self.reshape(-1)
            axis = 0
        else:
            axis = check_dim(op, dim, max(self.ndim, 1))
            x = self.reshape(1) if self.ndim == 0 else self.movedim(axis, -1)
        n = x.shape[-1]
        ordered = x.sort(-1).values  # nans sort last
        nans = np.isnan(x.data)
        if ignore_nan:
            valid = n - np.sum(nans, axis=-1, keepdims=True)  # (*rest, 1): the values that count
        else:
            valid = np.full(x.shape[:-1] + (1,), n)
        ranks = qs.reshape(-1) * (valid - 1)  # (*rest, nq): where each q falls in the sorted slice
        if ignore_nan:
            ranks = np.where(valid == 0, n - 1, ranks)  # a slice of nans only: the (nan) last element
        else:
            ranks = np.where(np.any(nans, axis=-1, keepdims=True), n - 1, ranks)  # a nan spreads
        below, above = np.floor(ranks), np.ceil(ranks)
        if interpolation == "lower":
            value = ordered.gather(-1, below.astype(np.int64))
        elif interpolation == "higher":
            value = ordered.gather(-1, above.astype(np.int64))
        elif interpolation == "nearest":
            value = ordered.gather(-1, np.round(ranks).astype(np.int64))  # (halves to even, as PyTorch)
        else:
            low, high = ordered.gather(-1, below.astype(np.int64)), ordered.gather(-1, above.astype(np.int64))
            weight = (ranks - below) if interpolation == "linear" else np.full_like(ranks, 0.5)
            weight = np.where(below == above, 0.0, weight).astype(self.data.dtype)
            value = low + weight * (high - low)  # lerp
        # (*rest, nq) -> (nq, *reduced shape); a number q has no q dim
        value = value.movedim(-1, 0)
        if dim is None:
            shape = (1,) * self.ndim if keepdim else ()
        else:
            shape = tuple(1 if i == axis else s for i, s in enumerate(self.shape)) if keepdim else x.shape[:-1]
        return value.reshape(*((qs.size,) if qs.ndim else ()), *shape)

    def nanmedian(self, dim: int | None = None, keepdim: bool = False) -> Any:
        """The lower median of the values that are not nan, as `torch.nanmedian`: of all elements when dim is
        None (a tensor), else (values, indices) along dim.

        Example:
            >>> tg.tensor([3.0, float("nan"), 1.0, 2.0]).nanmedian()
            tensor(2., dtype=float32)
        """
        if dim is None:
            if self.numel() == 0:  # (nothing to take the median of: nan, as PyTorch)
                return _no_grad(np.full((), np.nan, dtype=self.data.dtype))
            return self.reshape(-1).nanmedian(0).values.reshape(())
        axis = check_dim("nanmedian", dim, max(self.ndim, 1))
        if self.ndim == 0:
            return _tg.tensor_surface.ValuesIndices(self.clone(), _no_grad(np.zeros((), dtype=np.int64)))
        order = np.argsort(self.data, axis=axis, kind="stable")  # nans last
        valid = np.sum(~np.isnan(self.data), axis=axis, keepdims=True)
        k = np.maximum(valid - 1, 0) // 2  # the lower median's place among the sorted values (0 if all nan)
        indices = np.take_along_axis(order, k, axis=axis).astype(np.int64)
        values = self.gather(axis, indices)
        if not keepdim:
            values, indices = values.squeeze(axis), np.squeeze(indices, axis)
        return _tg.tensor_surface.ValuesIndices(values, _no_grad(indices))

    # ---- counting (no gradient) ----------------------------------------------------------------

    def histc(self, bins: int = 100, min: float = 0, max: float = 0) -> Any:  # noqa: A002  (PyTorch's names)
        """How many elements fall in each of `bins` equal bins over [min, max] (with min = max: the data's
        smallest and largest values), as `torch.histc`; elements outside are not counted. No gradient.

        Example:
            >>> tg.tensor([1.0, 2.0, 1.0]).histc(bins=4, min=0, max=3)
            tensor([0., 2., 1., 0.], dtype=float32)
        """
        if self.data.dtype.kind != "f":
            raise DtypeError(f"histc: not implemented for dtype {self.data.dtype} (PyTorch's neither); use .float()")
        if bins <= 0:
            raise ArgumentError(f"histc: bins must be > 0, got {bins}")
        low, high = float(min), float(max)
        if low > high:
            raise ArgumentError(f"histc: max must be larger than min, got min={min}, max={max}")
        if low == high and self.numel():
            low, high = float(np.min(self.data)), float(np.max(self.data))
        if low == high:
            low, high = low - 1, high + 1
        counts, _ = np.histogram(self.data, bins=bins, range=(low, high))
        return _no_grad(counts.astype(self.data.dtype))

    def unique_consecutive(self, return_inverse: bool = False, return_counts: bool = False, dim: Any = None) -> Any:
        """The values with each run of equal consecutive elements (or slices along `dim`) kept once, as
        `torch.unique_consecutive`; with return_inverse/return_counts also each element's run and the runs'
        lengths. No gradient.

        Example:
            >>> tg.tensor([1, 1, 2, 2, 3, 1]).unique_consecutive()
            tensor([1, 2, 3, 1], dtype=int64)
        """
        if dim is None:
            x = np.reshape(self.data, -1)
            changes = x[1:] != x[:-1]
        else:
            axis = check_dim("unique_consecutive", dim, max(self.ndim, 1))
            x = np.moveaxis(self.data, axis, 0)
            changes = np.any((x[1:] != x[:-1]).reshape(max(x.shape[0] - 1, 0), -1), axis=1)
        starts = np.flatnonzero(np.concatenate([[len(x) > 0], changes]))
        values = x[starts] if dim is None else np.moveaxis(x[starts], 0, axis)
        out = [_no_grad(np.ascontiguousarray(values))]
        if return_inverse:
            inverse = np.cumsum(np.concatenate([[0], changes])).astype(np.int64)[: len(x)]
            out.append(_no_grad(inverse.reshape(self.shape if dim is None else (-1,))))
        if return_counts:
            out.append(_no_grad(np.diff(np.append(starts, len(x))).astype(np.int64)))
        return out[0] if len(out) == 1 else tuple(out)

    # ---- products and shapes built from existing ops -------------------------------------------

    def kron(self, other: Any) -> Any:
        """The Kronecker product: out[i*m + k, j*n + l] = self[i, j] other[k, l] (in any number of dims), as
        `torch.kron`: each dim of self interleaved with other's, then a broadcast product.

        Example:
            >>> tg.tensor([1, 2]).kron(tg.tensor([1, 10]))
            tensor([ 1, 10,  2, 20], dtype=int64)
        """
        other = _t()._operand_tensor(other)
        ndim = max(self.ndim, other.ndim)
        a_shape = (1,) * (ndim - self.ndim) + self.shape
        b_shape = (1,) * (ndim - other.ndim) + other.shape
        a = self.reshape(*[m for n in a_shape for m in (n, 1)])  # (a0, 1, a1, 1, ...)
        b = other.reshape(*[m for n in b_shape for m in (1, n)])  # (1, b0, 1, b1, ...)
        return (a * b).reshape(*[n * m for n, m in zip(a_shape, b_shape)])

    def diag_embed(self, offset: int = 0, dim1: int = -2, dim2: int = -1) -> Any:
        """A tensor whose diagonals (offset `offset`, in the plane of dims dim1 and dim2 of the result) hold
        the last dim of self, zeros elsewhere, as `torch.diag_embed`.

        Example:
            >>> tg.tensor([1, 2]).diag_embed(1).tolist()
            [[0, 1, 0], [0, 0, 2], [0, 0, 0]]
        """
        ndim = self.ndim + 1
        d1, d2 = check_dim("diag_embed", dim1, ndim), check_dim("diag_embed", dim2, ndim)
        if d1 == d2:
            raise ShapeError(f"diag_embed: diagonal dimensions cannot be identical {dim1}, {dim2}")
        x = self.reshape(1) if self.ndim == 0 else self
        n, k = x.shape[-1], abs(offset)
        square = x.unsqueeze(-1) * np.eye(n, dtype=np.bool_)  # square[..., i, j] = x_i delta_ij
        if k:  # k zero rows below and k zero columns left (offset > 0), or the other way round
            square = _tg.nn.functional.pad(square, (k, 0, 0, k) if offset > 0 else (0, k, k, 0))
        return square.movedim((ndim - 2, ndim - 1), (d1, d2))

    def diagflat(self, offset: int = 0) -> Any:
        """The flattened tensor as the `offset`-th diagonal of a square matrix, as `torch.diagflat`.

        Example:
            >>> tg.tensor([[1, 2]]).diagflat().tolist()
            [[1, 0], [0, 2]]
        """
        return self.reshape(-1).diag(offset)

    def narrow_copy(self, dim: int, start: int, length: int) -> Any:
        """narrow(dim, start, length) as a copy, as `torch.narrow_copy`.

        Example:
            >>> tg.arange(5).narrow_copy(0, 1, 3)
            tensor([1, 2, 3], dtype=int64)
        """
        return self.narrow(dim, start, length).clone()

    def renorm(self, p: float, dim: int, maxnorm: float) -> Any:
        """Each slice along `dim` whose p-norm is above maxnorm scaled down to norm maxnorm (by maxnorm /
        (norm + 1e-7), as PyTorch), the others unchanged, as `torch.renorm`; the gradient goes through the norm.

        Example:
            >>> tg.tensor([[3.0, 4.0], [0.3, 0.4]]).renorm(2, 0, 1.0)
            tensor([[0.6, 0.8],
                    [0.3, 0.4]], dtype=float32)
        """
        if self.data.dtype.kind != "f":
            raise DtypeError(f"renorm: expected a floating point tensor as input, got {self.data.dtype}")
        if p <= 0:
            raise ArgumentError(f"renorm: non-positive-norm not supported, got p={p}")
        if maxnorm < 0:
            raise ArgumentError(f"renorm: expected maxnorm to be >= 0 but got {maxnorm}")
        if self.ndim < 2:
            raise ShapeError(f"renorm: input needs at least 2 dimensions, got {self.ndim} dimensions")
        axis = check_dim("renorm", dim, self.ndim)
        others = tuple(d for d in range(self.ndim) if d != axis)
        norm = _tg.linalg.vector_norm(self, p, others, keepdim=True)
        big = norm.data > maxnorm
        factor = _t().where(big, maxnorm / (norm + 1e-7), np.ones((), self.data.dtype))
        return self * factor

    # ---- elementwise ---------------------------------------------------------------------------

    def frexp(self) -> MantissaExponent:
        """(mantissa, exponent) with self = mantissa * 2^exponent and 0.5 <= |mantissa| < 1 (int32 exponent),
        as `torch.frexp`; no gradient.

        Example:
            >>> tg.tensor([8.0]).frexp()
            MantissaExponent(mantissa=tensor([0.5], dtype=float32), exponent=tensor([4], dtype=int32))
        """
        if self.data.dtype.kind != "f":
            raise DtypeError(f"frexp: only supports floating-point dtypes, got {self.data.dtype}")
        mantissa, exponent = np.frexp(self.data)
        return MantissaExponent(_no_grad(mantissa), _no_grad(exponent.astype(np.int32)))

    def ldexp(self, other: Any) -> Any:
        """self * 2^other, as `torch.ldexp` (ints give float32); the gradient flows to both.

        Example:
            >>> tg.tensor([1, 3]).ldexp(tg.tensor([2, 1]))
            tensor([4., 6.], dtype=float32)
        """
        return self * (2.0 ** _t()._operand_tensor(other))

    def logaddexp2(self, other: Any) -> Any:
        """log2(2^self + 2^other), elementwise, without overflow, as `torch.logaddexp2` (floats only).

        Example:
            >>> tg.tensor([1.0, 3.0]).logaddexp2(tg.tensor([1.0, 3.0]))
            tensor([2., 4.], dtype=float32)
        """
        other = _t()._operand_tensor(other)
        _float_input("logaddexp2", self)
        _float_input("logaddexp2", other)
        ln2 = float(np.log(2.0))
        return (self * ln2).logaddexp(other * ln2) / ln2  # log2 y = ln y / ln 2, and 2^a = e^(a ln 2)

    def float_power(self, exponent: Any) -> Any:
        """self ** exponent computed in float64 (the result is always float64), as `torch.float_power`.

        Example:
            >>> tg.tensor([2, 3]).float_power(2)
            tensor([4., 9.], dtype=float64)
        """
        if isinstance(exponent, _t().Tensor):
            return self.to(np.float64) ** exponent.to(np.float64)
        return self.to(np.float64) ** float(exponent)

    def nextafter(self, other: Any) -> Any:
        """The next floating-point value after self towards other, as `torch.nextafter` (floats only; no
        gradient).

        Example:
            >>> bool(tg.tensor([1.0]).nextafter(tg.tensor([2.0])).item() > 1.0)
            True
        """
        other = _t()._operand_tensor(other)
        _float_input("nextafter", self)
        _float_input("nextafter", other)
        dtype = _tg.result_type(self, other)
        return _no_grad(np.nextafter(self.data.astype(dtype), other.data.astype(dtype)))

    # ---- the add-and-multiply family: beta * self + alpha * (a product) -------------------------

    def addbmm(self, batch1: Any, batch2: Any, *, beta: Any = 1, alpha: Any = 1) -> Any:
        """beta * self + alpha * sum_b batch1[b] @ batch2[b], as `torch.addbmm`.

        Example:
            >>> tg.zeros(2, 2).addbmm(tg.ones(3, 2, 4), tg.ones(3, 4, 2)).tolist()
            [[12.0, 12.0], [12.0, 12.0]]
        """
        return _add_scaled("addbmm", self, _t()._operand_tensor(batch1).bmm(batch2).sum(0), beta, alpha)

    def baddbmm(self, batch1: Any, batch2: Any, *, beta: Any = 1, alpha: Any = 1) -> Any:
        """beta * self + alpha * (batch1 @ batch2), batch by batch, as `torch.baddbmm`.

        Example:
            >>> tg.ones(1, 2).baddbmm(tg.ones(3, 2, 4), tg.ones(3, 4, 2), alpha=0.5).shape
            (3, 2, 2)
        """
        return _add_scaled("baddbmm", self, _t()._operand_tensor(batch1).bmm(batch2), beta, alpha)

    def addmv(self, mat: Any, vec: Any, *, beta: Any = 1, alpha: Any = 1) -> Any:
        """beta * self + alpha * (mat @ vec), as `torch.addmv`.

        Example:
            >>> tg.ones(2).addmv(tg.ones(2, 3), tg.ones(3), beta=2).tolist()
            [5.0, 5.0]
        """
        return _add_scaled("addmv", self, _t()._operand_tensor(mat).mv(vec), beta, alpha)

    def addr(self, vec1: Any, vec2: Any, *, beta: Any = 1, alpha: Any = 1) -> Any:
        """beta * self + alpha * outer(vec1, vec2), as `torch.addr`.

        Example:
            >>> tg.zeros(2, 2).addr(tg.tensor([1.0, 2.0]), tg.tensor([1.0, 3.0])).tolist()
            [[1.0, 3.0], [2.0, 6.0]]
        """
        vec1 = _t()._operand_tensor(vec1)
        if vec1.data.dtype.kind in "biu" and (isinstance(alpha, float) or isinstance(beta, float)):
            raise DtypeError("addr: for integral input tensors, argument alpha and beta must not be floating point")
        return _add_scaled("addr", self, vec1.outer(vec2), beta, alpha, same_dtype=False)

    # ---- index_put: writing values at a tuple of index tensors ----------------------------------

    def index_put(self, indices: Any, values: Any, accumulate: bool = False) -> Any:
        """A copy of self with self[indices] = values (or += with accumulate=True, where repeated places add
        up), as `torch.index_put`; indices is a tuple of integer or bool tensors, values broadcasts to the
        places and must have self's dtype. The gradient reaches values and the places of self kept.

        Example:
            >>> tg.zeros(3).index_put((tg.tensor([0, 0, 2]),), tg.tensor(1.0), accumulate=True)
            tensor([2., 0., 1.], dtype=float32)
        """
        where: list[Any] = []
        for index in indices if isinstance(indices, (tuple, list)) else (indices,):
            array = np.asarray(_plain(index))
            if array.dtype.kind == "b":
                where.extend(np.nonzero(array))  # a mask of k dims stands for k integer indices
            elif array.dtype.kind in "iu":
                where.append(array.astype(np.int64))
            else:
                raise IndexError(f"index_put: tensors used as indices must be long, int or bool, got {array.dtype}")
        if len(where) > self.ndim:
            raise IndexError(f"index_put: too many indices ({len(where)}) for a tensor of {self.ndim} dimensions")
        values = _t()._operand_tensor(values) if not isinstance(values, _t().Tensor) else values
        if values.data.dtype != self.data.dtype:
            raise DtypeError(
                f"index_put: requires the source and destination dtypes match, got {self.data.dtype} for the "
                f"destination and {values.data.dtype} for the source"
            )
        op = _tg.ops.ScatterAdd if accumulate else _tg.ops.Scatter
        return op.apply(self, values, where=tuple(where))

    def index_put_(self, indices: Any, values: Any, accumulate: bool = False) -> Any:
        """index_put, in place.

        Example:
            >>> x = tg.zeros(3)
            >>> _ = x.index_put_((tg.tensor([1]),), tg.tensor(5.0))
            >>> x
            tensor([0., 5., 0.], dtype=float32)
        """
        return self._assign_(self.clone().index_put(indices, values, accumulate))

    # ---- in-place forms -------------------------------------------------------------------------

    def renorm_(self, p: float, dim: int, maxnorm: float) -> Any:
        """renorm, in place."""
        return self._assign_result_("renorm_", self.clone().renorm(p, dim, maxnorm))

    def ldexp_(self, other: Any) -> Any:
        """ldexp, in place (self must be a float tensor)."""
        return self._assign_result_("ldexp_", self.clone().ldexp(other))

    def float_power_(self, exponent: Any) -> Any:
        """float_power, in place: self must be float64, the result's dtype."""
        if self.data.dtype != np.float64:
            raise DtypeError(
                f"the base given to float_power_ has dtype {self.data.dtype} but the operation's result requires "
                "dtype float64"
            )
        return self._assign_result_("float_power_", self.clone().float_power(exponent))

    def nextafter_(self, other: Any) -> Any:
        """nextafter, in place."""
        return self._assign_result_("nextafter_", self.clone().nextafter(other))

    def addbmm_(self, batch1: Any, batch2: Any, *, beta: Any = 1, alpha: Any = 1) -> Any:
        """addbmm, in place."""
        return self._assign_result_("addbmm_", self.clone().addbmm(batch1, batch2, beta=beta, alpha=alpha))

    def baddbmm_(self, batch1: Any, batch2: Any, *, beta: Any = 1, alpha: Any = 1) -> Any:
        """baddbmm, in place."""
        return self._assign_result_("baddbmm_", self.clone().baddbmm(batch1, batch2, beta=beta, alpha=alpha))

    def addmv_(self, mat: Any, vec: Any, *, beta: Any = 1, alpha: Any = 1) -> Any:
        """addmv, in place."""
        return self._assign_result_("addmv_", self.clone().addmv(mat, vec, beta=beta, alpha=alpha))

    def addr_(self, vec1: Any, vec2: Any, *, beta: Any = 1, alpha: Any = 1) -> Any:
        """addr, in place."""
        return self._assign_result_("addr_", self.clone().addr(vec1, vec2, beta=beta, alpha=alpha))
