"""Products and running (scan) ops along one axis: prod, cumsum, cumprod, logcumsumexp.

A scan's output j depends on inputs 0..j, so its backward runs the other way: input i collects the
gradients of every output j >= i (a cumulative sum from the end).
"""

from __future__ import annotations

import numpy as np

from tinygrad_edu.autograd import Function


def _reverse_cumsum(x, axis: int):
    """out_i = sum over j >= i of x_j along axis."""
    return np.flip(np.cumsum(np.flip(x, axis), axis=axis), axis)


def _exclusive_cumprod(x, axis: int):
    """out_i = product over j < i of x_j along axis (1 for i = 0): no division, so zeros are fine."""
    ones = np.ones_like(np.take(x, [0], axis=axis))
    head = np.take(x, np.arange(x.shape[axis] - 1), axis=axis)
    return np.cumprod(np.concatenate([ones, head], axis=axis), axis=axis)


class Prod(Function):
    """The product of x's elements over `axis` (None: all of them)."""

    def forward(self, x, axis: int | None = None, keepdim: bool = False):
        out = np.prod(x, axis=axis, keepdims=keepdim)
        # (out is saved, unused, as PyTorch's ProdBackward saves it: changing the product in place before
        # backward is then the same "modified by an inplace operation" error)
        self.save(x, axis, keepdim, out)
        return out

    def backward(self, grad_out):
        # d prod(x)/dx_i = the product of all the other elements: the products before i times those
        # after i. (Not prod / x_i, which is 0/0 where x_i = 0.)
        x, axis, keepdim, _ = self.saved
        if 0 in x.shape:  # no elements: nothing to send a gradient to (and the scans below need one)
            return np.zeros_like(x)
        flat = np.reshape(x, (-1,)) if axis is None else x
        along = 0 if axis is None else axis
        others = _exclusive_cumprod(flat, along) * np.flip(_exclusive_cumprod(np.flip(flat, along), along), along)
        if axis is None:
            return np.reshape(grad_out, (1,) * x.ndim) * np.reshape(others, x.shape)
        return (grad_out if keepdim else np.expand_dims(grad_out, axis)) * others


class Cumsum(Function):
    """out_j = x_0 + ... + x_j along `axis`."""

    def forward(self, x, axis: int = 0):
        self.save(axis)
        return np.cumsum(x, axis=axis)

    def backward(self, grad_out):
        # x_i is in every out_j with j >= i
        (axis,) = self.saved
        return _reverse_cumsum(grad_out, axis)


class Cumprod(Function):
    """out_j = x_0 * ... * x_j along `axis`."""

    def forward(self, x, axis: int = 0):
        out = np.cumprod(x, axis=axis)
        self.save(x, out, axis)
        return out

    def backward(self, grad_out):
        # d out_j/dx_i = the product of x_0..x_j without x_i, for j >= i. Without zeros that is
        # out_j / x_i, so grad_i = sum_{j>=i} g_j out_j / x_i.
        x, out, axis = self.saved
        if not np.any(x == 0):
            return _reverse_cumsum(grad_out * out, axis) / x
        # With a zero, dividing by it is 0/0: take each x_i out by setting it to 1 (O(n^2), exact).
        n = x.shape[axis]
        position = np.reshape(np.arange(n), (n,) + (1,) * (x.ndim - axis - 1))
        grad = np.zeros_like(grad_out)
        for i in range(n):
            without_i = np.cumprod(np.where(position == i, 1, x), axis=axis)
            collected = np.sum(np.where(position >= i, grad_out * without_i, 0), axis=axis, keepdims=True)
            grad = np.where(position == i, collected, grad)
        return grad


class LogCumSumExp(Function):
    """out_j = log(e^x_0 + ... + e^x_j) along `axis`, without overflow."""

    def forward(self, x, axis: int = 0):
        out = np.logaddexp.accumulate(x, axis=axis)
        self.save(x, out, axis)
        return out

    def backward(self, grad_out):
        # d out_j/dx_i = e^(x_i - out_j) for j >= i (a softmax weight, <= 1, so it never overflows):
        # grad_i = sum_{j>=i} g_j e^(x_i - out_j), over an (i, j) grid.
        x, out, axis = self.saved
        n = x.shape[axis]
        xs = np.expand_dims(np.moveaxis(x, axis, -1), -1)  # (..., i, 1)
        outs = np.expand_dims(np.moveaxis(out, axis, -1), -2)  # (..., 1, j)
        gs = np.expand_dims(np.moveaxis(grad_out, axis, -1), -2)
        later = np.arange(n)[None, :] >= np.arange(n)[:, None]  # j >= i
        weights = np.exp(np.where(later, xs - outs, -np.inf))
        return np.moveaxis(np.sum(gs * weights, axis=-1), -1, axis)
