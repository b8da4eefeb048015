"""Convolution and pooling as strided windows and one einsum or reduction, in 1, 2 or 3 spatial dims: Conv,
ConvTranspose, MaxPool, AvgPool.

An input is (N, C, *size) with len(size) = k spatial dims, k taken from the weight or the kernel; every option
(stride, padding, dilation, ...) is a k-tuple. nn.functional's conv1d/2d/3d, max_pool1d/2d/3d, ... call these.
"""

from __future__ import annotations

import math

import numpy as np

from tinygrad_edu.autograd import Function
from tinygrad_edu.errors import ArgumentError, ShapeError

_ALL = slice(None)


def _spatial(slices):
    """[:, :, *slices]: an index that leaves the batch and channel dims whole."""
    return (_ALL, _ALL, *slices)


def _pad(x, padding, extra=None, value=0.0):
    """x (N, C, *size) with `value` around each spatial dim (and `extra` more on its far side, for ceil_mode).

    A new array made from x (np.full_like), so other array kinds flow through.
    """
    extra = extra or (0,) * len(padding)
    if not any(padding) and not any(extra):
        return x
    size = x.shape[2:]
    shape = (*x.shape[:2], *(n + 2 * p + e for n, p, e in zip(size, padding, extra)))
    out = np.full_like(x, value, shape=shape, order="C")
    out[_spatial((slice(p, p + n) for p, n in zip(padding, size)))] = x
    return out


def _crop(grad_xp, padding, size):
    """The inverse of _pad for a gradient: the part that lay over the input."""
    return grad_xp[_spatial((slice(p, p + n) for p, n in zip(padding, size)))]


def _windows(xp, kernel, stride, dilation):
    """(N, C, *out, *kernel): every window the kernel sees, as a strided view (no copy, no loop over pixels)."""
    span = tuple(d * (k - 1) + 1 for k, d in zip(kernel, dilation))  # the window a dilated kernel covers
    view = np.lib.stride_tricks.sliding_window_view(xp, span, axis=tuple(range(2, 2 + len(kernel))))
    return view[_spatial((*(slice(None, None, s) for s in stride), *(slice(None, None, d) for d in dilation)))]


def _first(win, out_size):
    """The first out_size windows along each spatial dim (the ones an output reads)."""
    return win[_spatial(slice(0, m) for m in out_size)]


def _options(k, stride, padding, dilation):
    """The options as k-tuples, PyTorch's defaults (stride 1, padding 0, dilation 1) where None."""
    return stride or (1,) * k, padding or (0,) * k, dilation or (1,) * k


def _letters(k):
    """einsum letters for k output positions and k kernel offsets: ('pqr'[:k], 'ijl'[:k])."""
    return "pqr"[:k], "ijl"[:k]


def _scatter(grad_xp, part, offset, stride, dilation, out_size):
    """grad_xp[window offset `offset` of every output position] += part: the col2im step for one kernel offset."""
    reached = (slice(i * d, i * d + s * (m - 1) + 1, s) for i, s, d, m in zip(offset, stride, dilation, out_size))
    grad_xp[_spatial(reached)] += part


class Conv(Function):
    """Cross-correlation as torch.nn.functional.conv1d/2d/3d: x (N, C, *size), weight (O, C/groups, *kernel),
    bias (O,).

    out[n, o, y] = b[o] + sum over c and kernel offsets i of w[o, c, i] * xpad[n, g*C/groups + c, y*stride + i*dilation]
    (y and i k-dim positions), where g is the group of output channel o.
    """

    def forward(self, x, weight, bias=None, *, stride=None, padding=None, dilation=None, groups=1):
        n, c, *size = x.shape
        o, cg, *kernel = weight.shape
        name = f"conv{len(kernel)}d"
        stride, padding, dilation = _options(len(kernel), stride, padding, dilation)
        if c != cg * groups or o % groups:
            raise ShapeError(
                f"{name}: input of {c} channels and weight of shape {tuple(weight.shape)} do not "
                f"fit groups={groups} (need C == weight.shape[1] * groups and O divisible by groups)"
            )
        self.stride, self.padding, self.dilation, self.groups = stride, padding, dilation, groups
        xp = _pad(x, padding)
        out_size = tuple((m - d * (k - 1) - 1) // s + 1 for m, k, s, d in zip(xp.shape[2:], kernel, stride, dilation))
        if min(out_size) < 1:
            raise ShapeError(
                f"{name}: input of size {tuple(size)} (padded {tuple(xp.shape[2:])}) is smaller than the "
                f"dilated kernel; pass a larger input or more padding"
            )
        self.save(x, weight)  # (x, not xp: backward pads again, so double backward records the padding)
        self.in_size = tuple(size)
        out = _correlate(xp, weight, stride, dilation, groups, out_size)
        if bias is not None:
            out = out + bias.reshape(1, o, *(1 for _ in kernel))
        return out

    def backward(self, grad_out):
        # out is linear in w and in x: dw is each window times grad_out, summed over batch and positions;
        # dx scatters grad_out * w back onto the positions each kernel offset read (col2im).
        x, weight = self.saved
        xp = _pad(x, self.padding)
        need_x, need_w = self.needs_input_grad[:2]
        grad_x = grad_w = None
        if need_w:
            grad_w = _correlate_grad_weight(xp, grad_out, weight.shape, self.stride, self.dilation, self.groups)
        if need_x:
            grad_xp = _correlate_grad_input(grad_out, weight, xp.shape, self.stride, self.dilation, self.groups)
            grad_x = _crop(grad_xp, self.padding, self.in_size)
        if len(self.needs_input_grad) == 2:
            return grad_x, grad_w
        grad_b = grad_out.sum(axis=(0, *range(2, grad_out.ndim))) if self.needs_input_grad[2] else None
        return grad_x, grad_w, grad_b


# The three products a convolution is made of, shared by Conv and ConvTranspose (whose forward is Conv's input
# gradient, and whose input gradient is Conv's forward).


def _correlate(xp, weight, stride, dilation, groups, out_size):
    """out[n, o, y] = sum over c and offsets i of w[o, c, i] * xp[n, g*C/groups + c, y*stride + i*dilation]."""
    n = xp.shape[0]
    o, cg, *kernel = weight.shape
    pos, off = _letters(len(kernel))
    win = _first(_windows(xp, kernel, stride, dilation), out_size).reshape(n, groups, cg, *out_size, *kernel)
    wg = weight.reshape(groups, o // groups, cg, *kernel)
    return np.einsum(f"ngc{pos}{off},goc{off}->ngo{pos}", win, wg, optimize=True).reshape(n, o, *out_size)


def _correlate_grad_weight(xp, grad_out, weight_shape, stride, dilation, groups):
    """d out / d w applied to grad_out: each window of xp times grad_out, summed over batch and positions."""
    n = xp.shape[0]
    o, cg, *kernel = weight_shape
    out_size = grad_out.shape[2:]
    pos, off = _letters(len(kernel))
    g = grad_out.reshape(n, groups, o // groups, *out_size)
    win = _first(_windows(xp, kernel, stride, dilation), out_size).reshape(n, groups, cg, *out_size, *kernel)
    return np.einsum(f"ngc{pos}{off},ngo{pos}->goc{off}", win, g, optimize=True).reshape(weight_shape)


def _correlate_grad_input(grad_out, weight, shape, stride, dilation, groups):
    """d out / d xp applied to grad_out, an array of `shape` made like grad_out.

    grad_out * w is scattered back onto the positions each kernel offset read (col2im), one offset at a time
    (no loop over positions).
    """
    n, c = shape[:2]
    o, cg, *kernel = weight.shape
    out_size = grad_out.shape[2:]
    pos, off = _letters(len(kernel))
    g = grad_out.reshape(n, groups, o // groups, *out_size)
    wg = weight.reshape(groups, o // groups, cg, *kernel)
    # every offset's contribution in one product (a matmul), then one strided add per offset
    parts = np.einsum(f"ngo{pos},goc{off}->{off}ngc{pos}", g, wg, optimize=True).reshape(*kernel, n, c, *out_size)
    grad_xp = np.zeros_like(grad_out, shape=shape, order="C")
    for offset in np.ndindex(*kernel):
        _scatter(grad_xp, parts[offset], offset, stride, dilation, out_size)
    return grad_xp


class ConvTranspose(Function):
    """The transposed convolution, as torch.nn.functional.conv_transpose1d/2d/3d: x (N, Cin, *size), weight
    (Cin, Cout/groups, *kernel), bias (Cout,).

    It is the gradient of Conv with respect to its input: every input position spreads x * w over the output
    positions its kernel covers, stride apart. So its forward is Conv's col2im, and its gradients are Conv's
    forward (for x) and Conv's weight gradient with the roles of input and grad_out swapped (for w).
    Output size per dim: (size - 1) * stride - 2 * padding + dilation * (k - 1) + output_padding + 1.
    """

    def forward(self, x, weight, bias=None, *, stride=None, padding=None, output_padding=None, groups=1, dilation=None):
        n, c, *size = x.shape
        cin, og, *kernel = weight.shape
        name = f"conv_transpose{len(kernel)}d"
        stride, padding, dilation = _options(len(kernel), stride, padding, dilation)
        output_padding = output_padding or (0,) * len(kernel)
        if c != cin or cin % groups:
            raise ShapeError(
                f"{name}: input of {c} channels and weight of shape {tuple(weight.shape)} do not "
                f"fit groups={groups} (need C == weight.shape[0], divisible by groups)"
            )
        for op, s, d in zip(output_padding, stride, dilation):
            if op >= max(s, d):
                raise ArgumentError(
                    f"{name}: output_padding {tuple(output_padding)} must be smaller than either "
                    f"stride {tuple(stride)} or dilation {tuple(dilation)}"
                )
        # the padded output: every position some kernel offset of some input position reaches, plus output_padding
        full = [
            (m - 1) * s + d * (k - 1) + 1 + op for m, s, d, k, op in zip(size, stride, dilation, kernel, output_padding)
        ]
        out_size = tuple(f - 2 * p for f, p in zip(full, padding))
        if min(out_size) < 1:
            raise ShapeError(
                f"{name}: input of size {tuple(size)} with padding {tuple(padding)} gives an output of "
                f"size {out_size}; pass less padding"
            )
        self.stride, self.padding, self.dilation, self.groups = stride, padding, dilation, groups
        self.save(x, weight)
        out_p = _correlate_grad_input(x, weight, (n, og * groups, *full), stride, dilation, groups)
        out = _crop(out_p, padding, out_size)
        if bias is not None:
            out = out + bias.reshape(1, -1, *(1 for _ in kernel))
        return out

    def backward(self, grad_out):
        # the forward is linear, its adjoint is a convolution: grad_x is grad_out (padded back) correlated with w
        x, weight = self.saved
        need_x, need_w = self.needs_input_grad[:2]
        gp = _pad(grad_out, self.padding)
        grad_x = grad_w = None
        if need_x:
            grad_x = _correlate(gp, weight, self.stride, self.dilation, self.groups, x.shape[2:])
        if need_w:
            grad_w = _correlate_grad_weight(gp, x, weight.shape, self.stride, self.dilation, self.groups)
        if len(self.needs_input_grad) == 2:
            return grad_x, grad_w
        grad_b = grad_out.sum(axis=(0, *range(2, grad_out.ndim))) if self.needs_input_grad[2] else None
        return grad_x, grad_w, grad_b


def _pool_size(name, size, kernel, stride, padding, dilation, ceil_mode):
    """(outputs, extra padding on the far side) along one axis, by PyTorch's rule.

    outputs = floor or ceil of (size + 2 padding - dilation (kernel - 1) - 1) / stride, plus 1; with ceil_mode
    the last window must still start inside the input or the left padding.
    """
    span = dilation * (kernel - 1) + 1
    if padding > kernel // 2:  # (PyTorch's rule: half the kernel, not of the dilated span)
        raise ArgumentError(f"{name}: padding {padding} should be at most half of the kernel size {kernel}")
    room = size + 2 * padding - span
    out = (-(-room // stride) if ceil_mode else room // stride) + 1
    if ceil_mode and (out - 1) * stride >= size + padding:
        out -= 1
    if out < 1:
        raise ShapeError(f"{name}: input size {size} with padding {padding} is smaller than the kernel {span}")
    return out, max(0, (out - 1) * stride + span - (size + 2 * padding))


class _Pool(Function):
    """What max and average pooling share: the padded input and its windows."""

    def _windows_of(self, name, x, kernel, stride, padding, dilation, ceil_mode, value):
        sizes = [
            _pool_size(name, *options, ceil_mode) for options in zip(x.shape[2:], kernel, stride, padding, dilation)
        ]
        out_size, extra = tuple(s[0] for s in sizes), tuple(s[1] for s in sizes)
        self.kernel, self.stride, self.padding, self.dilation = kernel, stride, padding, dilation
        self.in_size, self.out_size = x.shape[2:], out_size
        xp = _pad(x, padding, extra, value)
        return xp, _first(_windows(xp, kernel, stride, dilation), out_size)


class MaxPool(_Pool):
    """The largest value of each window, as torch.nn.functional.max_pool1d/2d/3d (padding counts as -inf)."""

    def forward(self, x, *, kernel_size, stride, padding=None, dilation=None, ceil_mode=False):
        name = f"max_pool{len(kernel_size)}d"
        stride, padding, dilation = _options(len(kernel_size), stride, padding, dilation)
        xp, win = self._windows_of(name, x, kernel_size, stride, padding, dilation, ceil_mode, -np.inf)
        flat = win.reshape(*win.shape[: 2 + len(kernel_size)], math.prod(kernel_size))
        self.argmax = np.argmax(flat, axis=-1)  # the first maximum, as PyTorch
        self.save(xp.shape)  # (only its shape: the gradient is grad_out placed at the argmax)
        return np.take_along_axis(flat, self.argmax[..., np.newaxis], axis=-1)[..., 0]

    def indices(self):
        """Where each maximum came from, flat into its input plane or volume (y * W + x in 2-d), as
        return_indices=True gives."""
        offsets = np.unravel_index(self.argmax, self.kernel)
        k, flat = len(self.kernel), 0
        for d in range(k):
            along = np.arange(self.out_size[d]).reshape([-1 if e == d else 1 for e in range(k)])
            position = along * self.stride[d] + offsets[d] * self.dilation[d] - self.padding[d]
            flat = flat * self.in_size[d] + position
        return np.asarray(flat).astype(np.int64)

    def backward(self, grad_out):
        # d max / d x is 1 at the window's argmax and 0 elsewhere: each kernel offset gets grad_out where it won
        (padded_shape,) = self.saved
        grad_xp = np.zeros_like(grad_out, shape=padded_shape, order="C")
        for k, offset in enumerate(np.ndindex(*self.kernel)):
            part = np.where(self.argmax == k, grad_out, 0)
            _scatter(grad_xp, part, offset, self.stride, self.dilation, self.out_size)
        return _crop(grad_xp, self.padding, self.in_size)


class AvgPool(_Pool):
    """The mean of each window, as torch.nn.functional.avg_pool1d/2d/3d.

    count_include_pad=True divides by the window's size within the padded input (PyTorch: not the extra
    ceil_mode border); False divides by the number of real input positions in the window; divisor_override, when
    given, by that number everywhere.
    """

    def forward(
        self, x, *, kernel_size, stride, padding=None, ceil_mode=False, count_include_pad=True, divisor_override=None
    ):
        k = len(kernel_size)
        if divisor_override is not None and int(divisor_override) == 0:
            raise ArgumentError(f"avg_pool{k}d: divisor_override must not be zero")
        stride, padding, _ = _options(k, stride, padding, None)
        ones = (1,) * k
        xp, win = self._windows_of(f"avg_pool{k}d", x, kernel_size, stride, padding, ones, ceil_mode, 0.0)
        # the divisor of each output position: the windows of a plain 0/1 mask of the positions that count
        mask = np.zeros(xp.shape[2:])
        inside = padding if count_include_pad else (0,) * k
        mask[tuple(slice(p - q, p + n + q) for p, q, n in zip(padding, inside, x.shape[2:]))] = 1.0
        mask_windows = _first(_windows(mask[np.newaxis, np.newaxis], kernel_size, stride, ones), self.out_size)
        self.divisor = mask_windows[0, 0].sum(axis=tuple(range(-k, 0))).astype(x.dtype)
        if divisor_override is not None:
            self.divisor = np.full_like(self.divisor, int(divisor_override))
        self.save(xp.shape)  # (only its shape: the gradient is grad_out spread over each window)
        return win.sum(axis=tuple(range(-k, 0))) / self.divisor

    def backward(self, grad_out):
        # each position of a window gets grad_out / divisor, once for every window it is in
        (padded_shape,) = self.saved
        grad_xp = np.zeros_like(grad_out, shape=padded_shape, order="C")
        part = grad_out / self.divisor
        for offset in np.ndindex(*self.kernel):
            _scatter(grad_xp, part, offset, self.stride, (1,) * len(offset), self.out_size)
        return _crop(grad_xp, self.padding, self.in_size)
