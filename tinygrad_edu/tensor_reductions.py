"""Reductions of a Tensor: sum, mean, var, std, max/min (with indices), amax/amin, argmax, softmax, logsumexp,
nansum/nanmean, cov/corrcoef.

`Tensor` (tensor.py) inherits these from `ReductionMethods`. Each is a one-line delegation to its op in
ops/reduce.py (Sum, Mean, Max, Min, Softmax, LogSoftmax, LogSumExp) after PyTorch's argument rules
(arguments.py's `reduce_args`: `dim` an int or a tuple, NumPy's axis=/keepdims= accepted too). The composites
live beside those ops: var/std in ops/reduce.py's `variance`, max/min over one dim with its indices in
`extreme_with_index`. The other reductions and scans (prod, all, any, cumsum, norm, median, ...) are in
tensor_surface.py.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np

import tinygrad_edu as _tinygrad_edu
import tinygrad_edu.tensor as _tensor_module
from tinygrad_edu.arguments import Dim, arg_reduce, check_dim, dim_or_axis, is_int, reduce_args
from tinygrad_edu.errors import DtypeError, ShapeError
from tinygrad_edu.tensor_math import _float_only

if TYPE_CHECKING:
    from tinygrad_edu.dtypes import DTypeLike
    from tinygrad_edu.tensor import Tensor

# tensor.py is still being imported when this module runs (Tensor inherits from it), so what these methods
# use of tensor.py (_tensor.Tensor) and of the package (_tg.ops) is read at call time. (Typed Any: the type
# checker sees `self` as this mixin where those functions expect a Tensor.)
_tensor: Any = _tensor_module
_tg: Any = _tinygrad_edu


class MinMax(NamedTuple):
    """What aminmax returns, as torch.return_types.aminmax."""

    min: Any
    max: Any


class ReductionMethods:
    """Methods of Tensor (see the module docstring); `self` is always a Tensor."""

    __slots__ = ()

    if TYPE_CHECKING:  # what these methods use of Tensor, declared for the type checker only
        data: np.ndarray

        def to(self, dtype: DTypeLike = None, device: Any = None, *args: Any, **kwargs: Any) -> Tensor: ...

    def sum(
        self,
        dim: Dim = None,
        keepdim: bool = False,
        *,
        dtype: DTypeLike = None,
        axis: Dim = None,
        keepdims: bool | None = None,
    ) -> Tensor:
        """Sum over `dim` (None: all; an int or a tuple). NumPy's axis=/keepdims= are accepted too.

        `dtype` casts the input first, as PyTorch: `x.sum(dtype=tg.float64)` adds float32 data in float64.
        """
        if dtype is not None:
            return self.to(dtype).sum(dim, keepdim, axis=axis, keepdims=keepdims)
        if self.data.dtype.kind in "bu" or self.data.dtype.kind == "i" and self.data.dtype.itemsize < 8:
            return self.to(np.int64).sum(dim, keepdim, axis=axis, keepdims=keepdims)  # as PyTorch: int64
        axes, keep = reduce_args("sum", self.data.ndim, dim, keepdim, axis, keepdims)
        return _tg.ops.Sum.apply(self, axes=axes, keepdim=keep)

    def mean(
        self,
        dim: Dim = None,
        keepdim: bool = False,
        *,
        dtype: DTypeLike = None,
        axis: Dim = None,
        keepdims: bool | None = None,
    ) -> Tensor:
        """Mean over `dim` (None: all; an int or a tuple); `dtype` (a float dtype) casts the input first."""
        ndim = self.data.ndim
        if dtype is None and self.data.dtype.kind not in "fc":  # PyTorch will not pick a float dtype for you
            raise DtypeError(
                f"mean(): could not infer output dtype: the input is {self.data.dtype}, not a floating-point dtype; "
                "convert it first (x.float().mean()) or pass dtype=tg.float32"
            )
        if type(dim) is int and -ndim <= dim < ndim and dtype is None and axis is None and keepdims is None:
            # mean(dim) of one dim in range, the usual call: reduce_args's answer without its checks (~0.5 us)
            return _tg.ops.Mean.apply(self, axes=(dim % ndim,), keepdim=bool(keepdim))
        if dtype is not None:
            if np.dtype(dtype).kind != "f":
                raise DtypeError(f"mean: dtype must be a floating-point dtype, got {np.dtype(dtype)}")
            return self.to(dtype).mean(dim, keepdim, axis=axis, keepdims=keepdims)
        axes, keep = reduce_args("mean", self.data.ndim, dim, keepdim, axis, keepdims)
        return _tg.ops.Mean.apply(self, axes=axes, keepdim=keep)

    def var(
        self,
        dim: Dim = None,
        unbiased: bool | None = None,
        keepdim: bool = False,
        *,
        correction: float | None = None,
    ) -> Tensor:
        """The variance over `dim`: sum((x - mean)^2) / (N - correction), as `torch.var`.

        N is the number of elements reduced. correction=1 (the default, Bessel's) is the unbiased
        estimate, correction=0 the population variance. PyTorch's older `unbiased=True/False` means
        correction 1/0, and is the second positional argument as in PyTorch: `x.var(0, False)`.

        Example:
            >>> tg.tensor([1.0, 2.0, 3.0, 4.0]).var()     # (2.25 + 0.25 + 0.25 + 2.25) / 3
            tensor(1.6666666, dtype=float32)
        """
        return _tg.ops.reduce.variance(self, "var", dim, unbiased, keepdim, correction)

    def std(
        self,
        dim: Dim = None,
        unbiased: bool | None = None,
        keepdim: bool = False,
        *,
        correction: float | None = None,
    ) -> Tensor:
        """The standard deviation over `dim`: sqrt(var), with var's arguments, as `torch.std`.

        Example:
            >>> tg.tensor([1.0, 3.0]).std(correction=0)    # sqrt((1 + 1) / 2)
            tensor(1., dtype=float32)
        """
        return _tg.ops.reduce.variance(self, "std", dim, unbiased, keepdim, correction).sqrt()

    def max(
        self,
        dim: Dim = None,
        keepdim: bool = False,
        *,
        axis: Dim = None,
        keepdims: bool | None = None,
    ) -> Any:
        """The largest value, or the largest values over `dim`, as `torch.max`.

        With no dim: a tensor. With an int `dim`: the named tuple `(values, indices)`, as PyTorch returns
        it (`x.max(1).values`, `values, indices = x.max(1)`), the gradient going to the first largest
        element. With a tuple of dims, or NumPy's `axis=`: the values only, as `amax`, ties sharing the
        gradient evenly. With a tensor in place of dim, `x.max(other)`: the elementwise maximum, as PyTorch.
        """
        if isinstance(dim, _tensor.Tensor):
            return _tg.maximum(self, dim)
        axes, keep = reduce_args("max", self.data.ndim, dim, keepdim, axis, keepdims)
        if is_int(dim):
            return _tg.ops.reduce.extreme_with_index(self, np.argmax, dim, keep)
        return _tg.ops.Max.apply(self, axes=axes, keepdim=keep)

    def min(
        self,
        dim: Dim = None,
        keepdim: bool = False,
        *,
        axis: Dim = None,
        keepdims: bool | None = None,
    ) -> Any:
        """The smallest value, or the smallest values over `dim`, as `torch.min` (see `max`); `x.min(other)` is the
        elementwise minimum."""
        if isinstance(dim, _tensor.Tensor):
            return _tg.minimum(self, dim)
        axes, keep = reduce_args("min", self.data.ndim, dim, keepdim, axis, keepdims)
        if is_int(dim):
            return _tg.ops.reduce.extreme_with_index(self, np.argmin, dim, keep)
        return _tg.ops.Min.apply(self, axes=axes, keepdim=keep)

    def amax(self, dim: Dim = None, keepdim: bool = False) -> Tensor:
        """The largest values over `dim` (None: all; an int or a tuple); ties share the gradient evenly."""
        axes, keep = reduce_args("amax", self.data.ndim, dim, keepdim, None, None)
        if dim is not None and axes is not None:
            _tg.ops.reduce.reducible("amax", self.data.shape, axes)
        return _tg.ops.Max.apply(self, axes=axes, keepdim=keep)

    def amin(self, dim: Dim = None, keepdim: bool = False) -> Tensor:
        """The smallest values over `dim` (None: all; an int or a tuple); ties share the gradient evenly."""
        axes, keep = reduce_args("amin", self.data.ndim, dim, keepdim, None, None)
        if dim is not None and axes is not None:
            _tg.ops.reduce.reducible("amin", self.data.shape, axes)
        return _tg.ops.Min.apply(self, axes=axes, keepdim=keep)

    def dist(self, other: Any, p: float = 2) -> Tensor:
        """The p-norm of self - other (broadcast), over all elements, as `torch.dist`."""
        return _tg.linalg.vector_norm(self - other, p)

    def aminmax(self, *, dim: int | None = None, keepdim: bool = False) -> MinMax:
        """(amin, amax) over `dim` (None: all elements), as `torch.aminmax`."""
        return MinMax(self.amin(dim, keepdim), self.amax(dim, keepdim))

    def nansum(self, dim: Dim = None, keepdim: bool = False, *, dtype: DTypeLike = None) -> Tensor:
        """The sum over `dim` with nan counted as 0; a nan's gradient is 0, as PyTorch.

        Example:
            >>> tg.tensor([1.0, float("nan"), 2.0]).nansum()
            tensor(3., dtype=float32)
        """
        x = self.to(dtype) if dtype is not None else self
        if x.data.dtype.kind == "f":
            x = _tensor.where(np.isnan(x.data), np.zeros((), x.data.dtype), x)
        return x.sum(dim, keepdim)

    def nanmean(self, dim: Dim = None, keepdim: bool = False, *, dtype: DTypeLike = None) -> Tensor:
        """The mean over `dim` of the elements that are not nan (nansum / their count), as `torch.nanmean`."""
        if self.data.dtype.kind != "f":  # (even with a float dtype=, as PyTorch)
            raise DtypeError(
                f"nanmean(): expected input to have floating point dtype but got {self.data.dtype}; convert it "
                "first: x.float().nanmean()"
            )
        x: Any = self.to(dtype) if dtype is not None else self
        counted = x.isnan().logical_not().to(x.data.dtype)  # 1 where x is a number, 0 where nan
        return x.nansum(dim, keepdim) / counted.sum(dim, keepdim)

    def cov(self, *, correction: int = 1, fweights: Any = None, aweights: Any = None) -> Tensor:
        """The covariance matrix of the variables in the rows (observations in the columns), as `torch.cov`:
        sum_k w_k (x_ik - m_i)(x_jk - m_j) / (sum w - correction ...), the weighted mean m, numpy.cov's formula.

        Example:
            >>> tg.tensor([[0.0, 1.0, 2.0], [2.0, 1.0, 0.0]]).cov()
            tensor([[ 1., -1.],
                    [-1.,  1.]], dtype=float32)
        """
        if self.data.ndim > 2:
            raise ShapeError(f"cov(): expected input to have two or fewer dimensions but got shape {self.data.shape}")
        x: Any = self if self.data.dtype.kind == "f" else self.to(_tensor.get_default_dtype())
        x = x.reshape(1, -1) if x.data.ndim < 2 else x
        weights = None
        for name, w in (("fweights", fweights), ("aweights", aweights)):
            if w is not None:
                w = w.data if isinstance(w, _tensor.Tensor) else np.asarray(w)
                if w.shape != (x.data.shape[1],):
                    raise ShapeError(f"cov(): {name} must be 1-D of {x.data.shape[1]} observations, got {w.shape}")
                weights = w if weights is None else weights * w
        if weights is None:
            mean = x.mean(1, keepdim=True)
            centred = x - mean
            scale = x.data.shape[1] - correction
            out = (centred @ centred.t()) / max(scale, 0)
        else:
            weights = np.asarray(weights, dtype=x.data.dtype)
            total = weights.sum()
            centred = x - (x * weights).sum(1, keepdim=True) / total
            # numpy.cov's normalisation: sum w - correction, or with aweights sum w - correction sum(w a) / sum w
            if aweights is None:
                scale = total - correction
            else:
                a = np.asarray(aweights.data if isinstance(aweights, _tensor.Tensor) else aweights, x.data.dtype)
                scale = total - correction * (weights * a).sum() / total
            out = ((centred * weights) @ centred.t()) / np.maximum(scale, 0)
        return out.reshape(()) if self.data.ndim < 2 else out

    def corrcoef(self) -> Tensor:
        """Pearson's correlation coefficients of the rows, cov_ij / sqrt(cov_ii cov_jj), clipped to [-1, 1]."""
        c = self.cov()
        if c.data.ndim == 0:
            return c / c
        d = c.diagonal().sqrt()
        return (c / d.reshape(-1, 1) / d.reshape(1, -1)).clamp(-1, 1)

    def argmax(self, dim: int | None = None, keepdim: bool = False, *, axis: int | None = None) -> Tensor:
        """Indices of the largest values (int64, no gradient); over the flattened tensor when dim is None.
        NumPy's `axis=` names dim too, as in PyTorch (`y_hat.argmax(axis=1)`)."""
        dim = dim_or_axis("argmax", dim, axis)
        return _tensor.Tensor._from_op(arg_reduce(np.argmax, self.data, dim, keepdim), None)

    def argmin(self, dim: int | None = None, keepdim: bool = False, *, axis: int | None = None) -> Tensor:
        """Indices of the smallest values (int64, no gradient); `axis=` names dim too."""
        dim = dim_or_axis("argmin", dim, axis)
        return _tensor.Tensor._from_op(arg_reduce(np.argmin, self.data, dim, keepdim), None)

    def softmax(self, dim: int = -1, dtype: Any = None) -> Tensor:
        """exp(x) / sum(exp(x)) along `dim`, computed stably (in `dtype` if given: the input is cast first)."""
        x = _float_only("softmax", self if dtype is None else self.to(dtype))
        return _tg.ops.Softmax.apply(x, axis=check_dim("softmax", dim, self.data.ndim))

    def log_softmax(self, dim: int = -1, dtype: Any = None) -> Tensor:
        """log(softmax(x)) along `dim`, computed stably (no log of 0; in `dtype` if given)."""
        x = _float_only("log_softmax", self if dtype is None else self.to(dtype))
        return _tg.ops.LogSoftmax.apply(x, axis=check_dim("log_softmax", dim, self.data.ndim))

    def logsumexp(self, dim: Dim = None, keepdim: bool = False) -> Tensor:
        """log(sum(exp(x))) over `dim`, computed stably."""
        axes, keep = reduce_args("logsumexp", self.data.ndim, dim, keepdim, None, None)
        return _tg.ops.LogSumExp.apply(self, axes=axes, keepdim=keep)
