"""Convolution and pooling as strided windows and one einsum or reduction: Conv2d, ConvTranspose2d, MaxPool2d,
AvgPool2d.

The 1-d forms are the 2-d ones on an input of height 1 (nn.functional reshapes).
"""

from __future__ import annotations

import numpy as np

from tinygrad_edu.autograd import Function


def _pad(x, padding, extra=(0, 0), value=0.0):
    """x (N, C, H, W) with `value` around H and W (and `extra` more at the bottom and right, for ceil_mode).

    A new array made from x (np.full_like), so other array kinds flow through.
    """
    (ph, pw), (eh, ew) = padding, extra
    if ph == pw == eh == ew == 0:
        return x
    n, c, h, w = x.shape
    out = np.full_like(x, value, shape=(n, c, h + 2 * ph + eh, w + 2 * pw + ew), order="C")
    out[:, :, ph : ph + h, pw : pw + w] = x
    return out


def _windows(xp, kernel, stride, dilation):
    """(N, C, Ho, Wo, kh, kw): every window the kernel sees, as a strided view (no copy, no loop over pixels)."""
    (kh, kw), (sh, sw), (dh, dw) = kernel, stride, dilation
    span = (dh * (kh - 1) + 1, dw * (kw - 1) + 1)  # the window a dilated kernel covers
    view = np.lib.stride_tricks.sliding_window_view(xp, span, axis=(2, 3))
    return view[:, :, ::sh, ::sw, ::dh, ::dw]


class Conv2d(Function):
    """Cross-correlation as torch.nn.functional.conv2d: x (N, C, H, W), weight (O, C/groups, kh, kw), bias (O,).

    out[n, o, y, x] = b[o] + sum over c, i, j of w[o, c, i, j] * xpad[n, g*C/groups + c, y*sh + i*dh, x*sw + j*dw]
    where g is the group of output channel o.
    """

    def forward(self, x, weight, bias=None, *, stride=(1, 1), padding=(0, 0), dilation=(1, 1), groups=1):
        n, c, h, w = x.shape
        o, cg, kh, kw = weight.shape
        if c != cg * groups or o % groups:
            raise ValueError(
                f"conv2d: input of {c} channels and weight of shape {tuple(weight.shape)} do not "
                f"fit groups={groups} (need C == weight.shape[1] * groups and O divisible by groups)"
            )
        self.stride, self.padding, self.dilation, self.groups = stride, padding, dilation, groups
        xp = _pad(x, padding)
        win = _windows(xp, (kh, kw), stride, dilation)
        ho, wo = win.shape[2], win.shape[3]
        if ho < 1 or wo < 1:
            raise ValueError(
                f"conv2d: input of size {(h, w)} (padded {tuple(xp.shape[2:])}) is smaller than the "
                f"dilated kernel; pass a larger input or more padding"
            )
        self.save(x, weight)  # (x, not xp: backward pads again, so double backward records the padding)
        self.in_shape = x.shape
        out = _correlate(xp, weight, stride, dilation, groups, (ho, wo))
        if bias is not None:
            out = out + bias.reshape(1, o, 1, 1)
        return out

    def backward(self, grad_out):
        # out is linear in w and in x: dw is each window times grad_out, summed over batch and pixels;
        # dx scatters grad_out * w back onto the pixels each kernel offset (i, j) read (col2im).
        x, weight = self.saved
        xp = _pad(x, self.padding)
        need_x, need_w = self.needs_input_grad[:2]
        grad_x = grad_w = None
        if need_w:
            grad_w = _correlate_grad_weight(xp, grad_out, weight.shape, self.stride, self.dilation, self.groups)
        if need_x:
            grad_xp = _correlate_grad_input(grad_out, weight, xp.shape, self.stride, self.dilation, self.groups)
            ph, pw = self.padding
            h, w = self.in_shape[2:]
            grad_x = grad_xp[:, :, ph : ph + h, pw : pw + w]
        if len(self.needs_input_grad) == 2:
            return grad_x, grad_w
        grad_b = grad_out.sum(axis=(0, 2, 3)) if self.needs_input_grad[2] else None
        return grad_x, grad_w, grad_b


# The three products a convolution is made of, shared by Conv2d and ConvTranspose2d (whose forward is
# Conv2d's input gradient, and whose input gradient is Conv2d's forward).


def _correlate(xp, weight, stride, dilation, groups, out_hw):
    """out[n, o, y, x] = sum over c, i, j of w[o, c, i, j] * xp[n, g*C/groups + c, y*sh + i*dh, x*sw + j*dw]."""
    n = xp.shape[0]
    o, cg, kh, kw = weight.shape
    ho, wo = out_hw
    win = _windows(xp, (kh, kw), stride, dilation)[:, :, :ho, :wo].reshape(n, groups, cg, ho, wo, kh, kw)
    wg = weight.reshape(groups, o // groups, cg, kh, kw)
    return np.einsum("ngchwij,gocij->ngohw", win, wg, optimize=True).reshape(n, o, ho, wo)


def _correlate_grad_weight(xp, grad_out, weight_shape, stride, dilation, groups):
    """d out / d w applied to grad_out: each window of xp times grad_out, summed over batch and pixels."""
    n = xp.shape[0]
    o, cg, kh, kw = weight_shape
    ho, wo = grad_out.shape[2:]
    g = grad_out.reshape(n, groups, o // groups, ho, wo)
    win = _windows(xp, (kh, kw), stride, dilation)[:, :, :ho, :wo].reshape(n, groups, cg, ho, wo, kh, kw)
    return np.einsum("ngchwij,ngohw->gocij", win, g, optimize=True).reshape(o, cg, kh, kw)


def _correlate_grad_input(grad_out, weight, shape, stride, dilation, groups):
    """d out / d xp applied to grad_out, an array of `shape` made like grad_out.

    grad_out * w is scattered back onto the pixels each kernel offset (i, j) read (col2im), one offset at a time
    (no loop over pixels).
    """
    n, c = shape[:2]
    o, cg, kh, kw = weight.shape
    ho, wo = grad_out.shape[2:]
    g = grad_out.reshape(n, groups, o // groups, ho, wo)
    wg = weight.reshape(groups, o // groups, cg, kh, kw)
    # every offset's contribution in one product (a matmul), then one strided add per offset
    parts = np.einsum("ngohw,gocij->ijngchw", g, wg, optimize=True).reshape(kh, kw, n, c, ho, wo)
    grad_xp = np.zeros_like(grad_out, shape=shape, order="C")
    for i in range(kh):
        for j in range(kw):
            _scatter(grad_xp, parts[i, j], (i, j), stride, dilation, (ho, wo))
    return grad_xp


class ConvTranspose2d(Function):
    """The transposed convolution, as torch.nn.functional.conv_transpose2d: x (N, Cin, H, W), weight
    (Cin, Cout/groups, kh, kw), bias (Cout,).

    It is the gradient of Conv2d with respect to its input: every input pixel spreads x * w over the output
    pixels its kernel covers, stride apart. So its forward is Conv2d's col2im, and its gradients are Conv2d's
    forward (for x) and Conv2d's weight gradient with the roles of input and grad_out swapped (for w).
    Output size: (H - 1) * stride - 2 * padding + dilation * (kh - 1) + output_padding + 1.
    """

    def forward(
        self, x, weight, bias=None, *, stride=(1, 1), padding=(0, 0), output_padding=(0, 0), groups=1, dilation=(1, 1)
    ):
        n, c, h, w = x.shape
        cin, og, kh, kw = weight.shape
        if c != cin or cin % groups:
            raise ValueError(
                f"conv_transpose2d: input of {c} channels and weight of shape {tuple(weight.shape)} do not "
                f"fit groups={groups} (need C == weight.shape[0], divisible by groups)"
            )
        for op, s, d in zip(output_padding, stride, dilation):
            if op >= max(s, d):
                raise ValueError(
                    f"conv_transpose2d: output_padding {tuple(output_padding)} must be smaller than either "
                    f"stride {tuple(stride)} or dilation {tuple(dilation)}"
                )
        # the padded output: every position some kernel offset of some input pixel reaches, plus output_padding
        full = [
            (size - 1) * s + d * (k - 1) + 1 + op
            for size, s, d, k, op in zip((h, w), stride, dilation, (kh, kw), output_padding)
        ]
        ho, wo = full[0] - 2 * padding[0], full[1] - 2 * padding[1]
        if ho < 1 or wo < 1:
            raise ValueError(
                f"conv_transpose2d: input of size {(h, w)} with padding {tuple(padding)} gives an output of "
                f"size {(ho, wo)}; pass less padding"
            )
        self.stride, self.padding, self.dilation, self.groups = stride, padding, dilation, groups
        self.save(x, weight)
        out_p = _correlate_grad_input(x, weight, (n, og * groups, *full), stride, dilation, groups)
        (ph, pw) = padding
        out = out_p[:, :, ph : ph + ho, pw : pw + wo]
        if bias is not None:
            out = out + bias.reshape(1, -1, 1, 1)
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
        grad_b = grad_out.sum(axis=(0, 2, 3)) if self.needs_input_grad[2] else None
        return grad_x, grad_w, grad_b


def _pool_size(size, kernel, stride, padding, dilation, ceil_mode):
    """(outputs, extra padding on the far side) along one axis, by PyTorch's rule.

    outputs = floor or ceil of (size + 2 padding - dilation (kernel - 1) - 1) / stride, plus 1; with ceil_mode
    the last window must still start inside the input or the left padding.
    """
    span = dilation * (kernel - 1) + 1
    if padding > span // 2 and padding > kernel // 2:
        raise ValueError(f"pool2d: padding {padding} should be at most half of the kernel size {kernel}")
    room = size + 2 * padding - span
    out = (-(-room // stride) if ceil_mode else room // stride) + 1
    if ceil_mode and (out - 1) * stride >= size + padding:
        out -= 1
    if out < 1:
        raise ValueError(f"pool2d: input size {size} with padding {padding} is smaller than the kernel {span}")
    return out, max(0, (out - 1) * stride + span - (size + 2 * padding))


def _scatter(grad_xp, part, offset, stride, dilation, out_hw):
    """grad_xp[window offset (i, j) of every output pixel] += part: the col2im step for one kernel offset."""
    (i, j), (sh, sw), (dh, dw), (ho, wo) = offset, stride, dilation, out_hw
    grad_xp[:, :, i * dh : i * dh + sh * (ho - 1) + 1 : sh, j * dw : j * dw + sw * (wo - 1) + 1 : sw] += part


class _Pool2d(Function):
    """What max and average pooling share: the padded input and its windows."""

    def _windows_of(self, x, kernel, stride, padding, dilation, ceil_mode, value):
        h, w = x.shape[2:]
        (ho, eh), (wo, ew) = (
            _pool_size(n, k, s, p, d, ceil_mode) for n, k, s, p, d in zip((h, w), kernel, stride, padding, dilation)
        )
        self.kernel, self.stride, self.padding, self.dilation = kernel, stride, padding, dilation
        self.in_shape, self.out_hw = x.shape, (ho, wo)
        xp = _pad(x, padding, (eh, ew), value)
        return xp, _windows(xp, kernel, stride, dilation)[:, :, :ho, :wo]

    def _crop(self, grad_xp):
        (ph, pw), (h, w) = self.padding, self.in_shape[2:]
        return grad_xp[:, :, ph : ph + h, pw : pw + w]


class MaxPool2d(_Pool2d):
    """The largest value of each window, as torch.nn.functional.max_pool2d (padding counts as -inf)."""

    def forward(self, x, *, kernel_size, stride, padding=(0, 0), dilation=(1, 1), ceil_mode=False):
        xp, win = self._windows_of(x, kernel_size, stride, padding, dilation, ceil_mode, -np.inf)
        n, c, ho, wo, kh, kw = win.shape
        flat = win.reshape(n, c, ho, wo, kh * kw)
        self.argmax = np.argmax(flat, axis=-1)  # the first maximum, as PyTorch
        self.save(xp.shape)  # (only its shape: the gradient is grad_out placed at the argmax)
        return np.take_along_axis(flat, self.argmax[..., np.newaxis], axis=-1)[..., 0]

    def indices(self):
        """Where each maximum came from, flat into its input plane (y * W + x), as return_indices=True gives."""
        kw, (ho, wo) = self.kernel[1], self.out_hw
        i, j = np.divmod(self.argmax, kw)
        rows = np.arange(ho).reshape(ho, 1) * self.stride[0] + i * self.dilation[0] - self.padding[0]
        cols = np.arange(wo) * self.stride[1] + j * self.dilation[1] - self.padding[1]
        return (rows * self.in_shape[3] + cols).astype(np.int64)

    def backward(self, grad_out):
        # d max / d x is 1 at the window's argmax and 0 elsewhere: each offset (i, j) gets grad_out where it won
        (padded_shape,) = self.saved
        kh, kw = self.kernel
        grad_xp = np.zeros_like(grad_out, shape=padded_shape, order="C")
        for k in range(kh * kw):
            part = np.where(self.argmax == k, grad_out, 0)
            _scatter(grad_xp, part, divmod(k, kw), self.stride, self.dilation, self.out_hw)
        return self._crop(grad_xp)


class AvgPool2d(_Pool2d):
    """The mean of each window, as torch.nn.functional.avg_pool2d.

    count_include_pad=True divides by the window's size within the padded input (PyTorch: not the extra
    ceil_mode border); False divides by the number of real input pixels in the window.
    """

    def forward(self, x, *, kernel_size, stride, padding=(0, 0), ceil_mode=False, count_include_pad=True):
        xp, win = self._windows_of(x, kernel_size, stride, padding, (1, 1), ceil_mode, 0.0)
        # the divisor of each output pixel: the windows of a plain 0/1 mask of the pixels that count
        (ph, pw), (h, w) = padding, x.shape[2:]
        mask = np.zeros(xp.shape[2:])
        if count_include_pad:
            mask[: h + 2 * ph, : w + 2 * pw] = 1.0
        else:
            mask[ph : ph + h, pw : pw + w] = 1.0
        ho, wo = self.out_hw
        counts = _windows(mask[np.newaxis, np.newaxis], kernel_size, stride, (1, 1))[0, 0, :ho, :wo].sum(axis=(-2, -1))
        self.divisor = counts.astype(x.dtype)
        self.save(xp.shape)  # (only its shape: the gradient is grad_out spread over each window)
        return win.sum(axis=(-2, -1)) / self.divisor

    def backward(self, grad_out):
        # each pixel of a window gets grad_out / divisor, once for every window it is in
        (padded_shape,) = self.saved
        kh, kw = self.kernel
        grad_xp = np.zeros_like(grad_out, shape=padded_shape, order="C")
        part = grad_out / self.divisor
        for k in range(kh * kw):
            _scatter(grad_xp, part, divmod(k, kw), self.stride, (1, 1), self.out_hw)
        return self._crop(grad_xp)
