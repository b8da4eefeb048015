"""Reductions (sum, mean, max, min) and the softmax family, forward next to backward.

`axes` is None (every axis) or a sorted tuple of non-negative axes; the Tensor methods turn
PyTorch's `dim` and NumPy's `axis` into that form. A reduction's backward spreads `grad_out`
back over the axes it removed.
"""

from __future__ import annotations

import math
from typing import Any, NamedTuple

import numpy as np

from tinygrad_edu.arguments import Dim, check_dim, variance_args
from tinygrad_edu.autograd import Function, _add_reduce  # (np.add.reduce: ndarray.sum without its Python wrapper)
from tinygrad_edu.ops.movement import Gather
from tinygrad_edu.tensor import Tensor

Axes = tuple[int, ...] | None


_HALF = np.dtype(np.float16)


def _spread(grad: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """A new, writable array of `shape` holding `grad` broadcast over it.

    (np.broadcast_to would give a read-only view that the engine must copy before a leaf keeps it;
    filling a fresh array costs less than that copy.)
    """
    if type(grad) is np.ndarray:  # (np.empty: ~0.15 us less than np.empty_like)
        out = np.empty(shape, grad.dtype)
    else:  # an array of grad's kind: traced arrays stay traced
        out = np.empty_like(grad, shape=shape, order="C")
    out[...] = grad
    return out


def _keep_dims(grad_out: np.ndarray, shape: tuple[int, ...], axes: Axes, keepdim: bool) -> np.ndarray:
    """grad_out with the reduced axes put back as size 1, so it broadcasts against the input."""
    if keepdim:
        return grad_out
    if axes is None:
        return np.reshape(grad_out, (1,) * len(shape))
    return np.expand_dims(grad_out, axes)


class Sum(Function):
    """The sum of x over `axes` (None: all of them)."""

    def forward(self, x, axes: Axes = None, keepdim: bool = False):
        self.save(x.shape, axes, keepdim)
        if type(x) is np.ndarray:
            return _add_reduce(x, axes, None, None, keepdim)
        return x.sum(axis=axes, keepdims=keepdim)  # a traced array sums itself

    def backward(self, grad_out):
        # d sum(x)/dx_i = 1: every input element gets the gradient of the sum it went into
        shape, axes, keepdim = self.saved
        return _spread(_keep_dims(grad_out, shape, axes, keepdim), shape)


class Mean(Function):
    """The mean of x over `axes` (None: all of them)."""

    def forward(self, x, axes: Axes = None, keepdim: bool = False):
        # (one axis, the usual case, is read directly: the generator cost ~0.7 us of a 4.6 us mean, np.prod ~4 us)
        count = x.size if axes is None else x.shape[axes[0]] if len(axes) == 1 else math.prod(x.shape[a] for a in axes)
        self.save(x.shape, axes, keepdim, count)
        if x.dtype is _HALF:  # np.mean accumulates float16 in float32 (a dtype by identity: 0.1 us less than ==)
            return np.mean(x, axis=axes, keepdims=keepdim)
        # what np.mean computes, with less overhead
        if type(x) is np.ndarray:
            return _add_reduce(x, axes, None, None, keepdim) / count
        return x.sum(axis=axes, keepdims=keepdim) / count

    def backward(self, grad_out):
        # d mean(x)/dx_i = 1 / n
        shape, axes, keepdim, count = self.saved
        return _spread(_keep_dims(grad_out, shape, axes, keepdim) / count, shape)


class Max(Function):
    """The largest value of x over `axes`, as torch.amax."""

    def forward(self, x, axes: Axes = None, keepdim: bool = False):
        out = np.max(x, axis=axes, keepdims=True)
        self.save(x, out, axes, keepdim)
        # (of a 0-d x, out itself: squeeze would copy NumPy's scalar, and backward would no longer see
        # that the output it saved was changed in place)
        return out if keepdim or x.ndim == 0 else np.squeeze(out, axis=axes)

    def constant_saved(self):
        return (self.saved[1],)  # the max, kept dims: only compared with x, so a constant in double backward

    def backward(self, grad_out):
        # The gradient goes to the largest element; ties share it evenly (as torch.amax).
        x, out, axes, keepdim = self.saved
        return _to_extremes(grad_out, x, out, axes, keepdim)


class Min(Function):
    """The smallest value of x over `axes`, as torch.amin."""

    def forward(self, x, axes: Axes = None, keepdim: bool = False):
        out = np.min(x, axis=axes, keepdims=True)
        self.save(x, out, axes, keepdim)
        return out if keepdim or x.ndim == 0 else np.squeeze(out, axis=axes)  # (0-d x: as Max)

    def constant_saved(self):
        return (self.saved[1],)  # the min, kept dims: only compared with x, so a constant in double backward

    def backward(self, grad_out):
        # The gradient goes to the smallest element; ties share it evenly (as torch.amin).
        x, out, axes, keepdim = self.saved
        return _to_extremes(grad_out, x, out, axes, keepdim)


def _to_extremes(grad_out, x, out, axes, keepdim):
    """grad_out sent to the elements of x equal to the extreme `out` of their slice, shared evenly at ties."""
    hits = x == out
    share = hits / np.sum(hits, axis=axes, keepdims=True)
    return _keep_dims(grad_out, x.shape, axes, keepdim) * share


class Softmax(Function):
    """exp(x) / sum(exp(x)) along `axis`."""

    def forward(self, x, axis: int = -1):
        # exp(x - max) / sum(exp(x - max)): the shift cancels and keeps exp from overflowing
        # (initial=-inf: the max over a size-0 axis, where the result is empty, as in PyTorch)
        e = np.exp(x - np.max(x, axis=axis, keepdims=True, initial=-np.inf))
        out = e / np.sum(e, axis=axis, keepdims=True)
        self.save(out, axis)
        return out

    def backward(self, grad_out):
        # d softmax: s * (g - sum(g * s))
        s, axis = self.saved
        return s * (grad_out - np.sum(grad_out * s, axis=axis, keepdims=True))


class LogSoftmax(Function):
    """log(softmax(x)) along `axis`."""

    def forward(self, x, axis: int = -1):
        # x - logsumexp(x), with the max shifted out first so nothing overflows or takes log(0)
        shifted = x - np.max(x, axis=axis, keepdims=True, initial=-np.inf)  # (-inf: a size-0 axis)
        with np.errstate(divide="ignore"):  # log(0): a size-0 axis, whose result is empty anyway
            out = shifted - np.log(np.sum(np.exp(shifted), axis=axis, keepdims=True))
        self.save(out, axis)
        return out

    def backward(self, grad_out):
        # d log_softmax: g - softmax * sum(g)
        out, axis = self.saved
        return grad_out - np.exp(out) * np.sum(grad_out, axis=axis, keepdims=True)


class LogSumExp(Function):
    """log(sum(exp(x))) over `axes`."""

    def forward(self, x, axes: Axes = None, keepdim: bool = False):
        # m + log(sum(exp(x - m))) with m the max; an all -inf slice gives -inf, not nan, and so does
        # a sum over nothing (a size-0 axis: m starts at -inf), as in PyTorch
        m = np.max(x, axis=axes, keepdims=True, initial=-np.inf)
        m = np.where(np.isfinite(m), m, 0)
        e = np.exp(x - m)
        total = np.sum(e, axis=axes, keepdims=True)
        with np.errstate(divide="ignore"):  # log(0) = -inf: an all -inf slice, or a sum over nothing
            out = m + np.log(total)
        self.save(x, m, axes, keepdim)
        return out if keepdim else np.squeeze(out, axis=axes)

    def constant_saved(self):
        return (self.saved[1],)  # the shift m cancels in the gradient: a constant in double backward

    def backward(self, grad_out):
        # d logsumexp/dx = softmax(x) = exp(x - m) / sum(exp(x - m)), for any shift m. (Not
        # exp(x - logsumexp(x)): at |x| ~ 1000 logsumexp(x) is rounded to float32's spacing there,
        # 6e-5, and so would be the gradient.) Recomputed from x, so double backward records it.
        x, m, axes, keepdim = self.saved
        e = np.exp(x - m)
        return _keep_dims(grad_out, x.shape, axes, keepdim) * (e / np.sum(e, axis=axes, keepdims=True))


# ---- composites: reductions made of the ops above, so their gradients need no formula of their own ----


def variance(
    x: Tensor,
    op: str,
    dim: Dim,
    unbiased: bool | None,
    keepdim: bool,
    correction: float | None,
) -> Tensor:
    """var's formula from differentiable ops, so its gradient, 2 (x - mean) / (N - correction), is automatic."""
    axes, keep, divisor = variance_args(op, x.data, dim, unbiased, keepdim, correction)
    centered = x - x.mean(axes, keepdim=True)  # (mean's own gradient term sums to 0)
    squares = (centered * centered).sum(axes, keepdim=keep)
    if divisor > 0:
        return squares / divisor
    # No degrees of freedom left (N <= correction): s / 0 is inf, and 0 / 0 nan, as in PyTorch.
    with np.errstate(divide="ignore", invalid="ignore"):
        return squares / divisor


class MinMax(NamedTuple):
    """What `x.max(dim)` and `x.min(dim)` return for an int dim, as PyTorch's `torch.return_types.max`."""

    values: Tensor
    indices: Tensor


def reducible(name: str, shape: tuple[int, ...], axes: Any) -> None:
    """max/min over a named dim of size 0 has no value to give: PyTorch's IndexError, naming the dim."""
    for axis in axes:
        if shape[axis] == 0:
            raise IndexError(f"{name}(): expected reduction dim {axis} of shape {shape} to have non-zero size")


def extreme_with_index(x: Tensor, arg: Any, dim: int, keepdim: bool) -> MinMax:
    """max/min over one dim as PyTorch does it: the values at the first extreme index, whose
    gradient goes to that one element (amax/amin share it between ties instead)."""
    name = "max" if arg is np.argmax else "min"
    axis = check_dim(name, dim, x.data.ndim)
    if x.data.ndim:
        reducible(name, x.data.shape, (axis,))
    indices = np.expand_dims(arg(x.data, axis=axis), axis) if x.data.ndim else np.asarray(0)
    # (Gather itself: the indices of arg(), in range by construction, need none of gather's checks)
    values = Gather.apply(x, index=indices, axis=axis) if x.data.ndim else x.clone()
    if not keepdim and x.data.ndim:
        values, indices = values.squeeze(axis), indices.squeeze(axis)
    return MinMax(values, Tensor._from_op(indices, None))
