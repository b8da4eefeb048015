"""Ops that move elements without doing arithmetic: reshape, permute, expand, index, setitem, cat, stack.

Each backward moves the gradient back the way the forward moved the data.
"""

from __future__ import annotations

import functools
from typing import Any

import numpy as np

from tinygrad_edu.autograd import Function
from tinygrad_edu.tensor import Tensor


class Reshape(Function):
    """x's elements in a new shape; the gradient goes back to the input's shape."""

    def forward(self, x, shape: tuple[int, ...] = ()):
        self.save(x.shape)
        return x.reshape(shape)

    def backward(self, grad_out):
        (shape,) = self.saved
        return grad_out.reshape(shape)


class Permute(Function):
    """x with its axes reordered: the output's axis i is the input's axis dims[i]."""

    def forward(self, x, dims: tuple[int, ...] = ()):
        self.save(dims)
        return x.transpose(dims)

    def backward(self, grad_out):
        # the inverse permutation puts every axis back where it came from
        (dims,) = self.saved
        return np.transpose(grad_out, np.argsort(dims))


class Expand(Function):
    """x broadcast to a larger shape (a read-only view, no copy)."""

    def forward(self, x, shape: tuple[int, ...] = ()):
        if type(x) is np.ndarray and x.flags.c_contiguous and not x.dtype.hasobject:
            # The same read-only view as np.broadcast_to (of x's memory, x its base), built directly: np.broadcast_to
            # runs an nditer to find the strides (2.1 -> 0.6 us).
            out = np.ndarray(shape, x.dtype, x, 0, _broadcast_strides(x.shape, x.strides, len(shape)))
            out.setflags(write=False)  # (0.07 us less than out.flags.writeable = False, which makes a flags object)
            return out
        return np.broadcast_to(x, shape)  # other strides, and other array kinds (tg.compile's traced arrays)

    def backward(self, grad_out):
        # Expanding copies x; the engine sums the copies' gradients back (unbroadcast).
        return grad_out


@functools.lru_cache(maxsize=1024)
def _broadcast_strides(sizes: tuple[int, ...], strides: tuple[int, ...], ndim: int) -> tuple[int, ...]:
    """The strides of an array of these sizes and strides broadcast to `ndim` dims: an added or stretched axis
    steps 0 bytes. (Remembered: the same shapes come back at every step, and a loop in Python costs ~0.5 us.)"""
    return (0,) * (ndim - len(sizes)) + tuple(0 if n == 1 else s for n, s in zip(sizes, strides))


def _is_basic(index: Any) -> bool:
    """True for an index of ints, slices, None and Ellipsis: it selects each element at most once."""
    if type(index) is slice:  # x[a:b], the most common index: answered without walking a tuple (~1 us)
        return True
    parts = index if isinstance(index, tuple) else (index,)
    return all(p is None or p is Ellipsis or isinstance(p, (int, np.integer, slice)) for p in parts)


class Index(Function):
    """x[index]: basic slicing, or integer-array and bool-mask indexing."""

    def forward(self, x, index: Any = None):
        self.save(x.shape, x.dtype, index)
        if type(index) is slice:  # x[a:b]: a view, nothing to decide (saves the walk over the index below)
            return x[index]
        parts = index if isinstance(index, tuple) else (index,)
        if all(isinstance(p, (int, np.integer)) and type(p) is not bool for p in parts):
            # x[0] of a vector is a NumPy scalar (a copy); x[0, ...] is the same element as a 0-d view,
            # as PyTorch's x[0] is a view (an in-place change of it changes x)
            return x[parts + (Ellipsis,)]
        out = x[index]
        if type(out) is np.ndarray and not out.flags.c_contiguous and not _is_basic(index):
            # Integer-array indexing makes a new tensor, which PyTorch lays out contiguously; NumPy may not
            # (x[:, [2, 0]] comes out transposed in memory), and then x[:, [2, 0]].view(-1) would be refused.
            out = np.ascontiguousarray(out)
        return out

    def backward(self, grad_out):
        shape, dtype, index = self.saved
        if type(grad_out) is np.ndarray:  # (np.zeros: ~0.35 us less than the two lines below, a fifth of this backward)
            grad = np.zeros(shape, dtype)
        else:  # zeros of grad_out's kind (a traced array stays traced); np.zeros_like costs ~0.4 us more than this
            grad = np.empty_like(grad_out, shape=shape, dtype=dtype, order="C")
            grad[...] = 0
        if _is_basic(index):
            grad[index] = grad_out
        else:
            # An element picked k times gets k gradients: add.at accumulates repeated indices.
            np.add.at(grad, index, grad_out)
        return grad


class SetItem(Function):
    """x with x[index] replaced by value: an in-place write recorded as an op (PyTorch's CopySlices)."""

    def forward(self, x, value, index: Any = None):
        self.save(index)
        out = x.copy()
        out[index] = value
        return out

    def backward(self, grad_out):
        # The written elements came from value (whose gradient the engine sums back over broadcasting);
        # the rest came from x, whose overwritten elements no longer reach the output.
        (index,) = self.saved
        need_x, need_value = self.needs_input_grad
        grad_x = None
        if need_x:
            grad_x = np.copy(grad_out)
            grad_x[index] = 0
        return grad_x, (grad_out[index] if need_value else None)


class Cat(Function):
    """The inputs joined along an existing axis (tg.cat)."""

    def forward(self, *xs, axis: int = 0):
        self.save(axis, np.cumsum([x.shape[axis] for x in xs])[:-1])
        return np.concatenate(xs, axis=axis)

    def backward(self, grad_out):
        # each input gets back its own slice of the gradient
        axis, splits = self.saved
        return tuple(np.split(grad_out, splits, axis=axis))


class Stack(Function):
    """The inputs joined along a new axis (tg.stack)."""

    def forward(self, *xs, axis: int = 0):
        self.save(axis, len(xs))
        return np.stack(xs, axis=axis)

    def backward(self, grad_out):
        # input i gets the gradient's slice i along the new axis
        axis, count = self.saved
        return tuple(np.take(grad_out, i, axis=axis) for i in range(count))


class Gather(Function):
    """The elements of x at `index` along `axis`, as torch.gather."""

    def forward(self, x, index=None, axis: int = 0):
        # out[i][j] = x[index[i][j]][j] for axis 0 (and so on): torch.gather, np.take_along_axis.
        # index may be smaller than x in the other axes: only x's leading part there is read.
        self.save(x.shape, x.dtype, index, axis)
        part = tuple(slice(None) if a == axis else slice(0, n) for a, n in enumerate(index.shape))
        return np.take_along_axis(x[part], index, axis=axis)

    def backward(self, grad_out):
        # each picked element gets the gradient of every place it was picked for (add.at accumulates)
        shape, dtype, index, axis = self.saved
        grad = np.zeros_like(grad_out, shape=shape, dtype=dtype, order="C")  # (of grad_out's kind)
        where = list(np.ix_(*[np.arange(n) for n in index.shape]))
        where[axis] = index
        np.add.at(grad, tuple(where), grad_out)
        return grad


# ---- composites: made of the ops above ----------------------------------------------------------


def pieces(x: Tensor, axis: int, sizes: list[int]) -> tuple[Tensor, ...]:
    """x[..., start:start + size, ...] along `axis` for each size in turn."""
    before = (slice(None),) * axis
    out = []
    start = 0
    for size in sizes:
        out.append(x[before + (slice(start, start + size),)])
        start += size
    return tuple(out)
