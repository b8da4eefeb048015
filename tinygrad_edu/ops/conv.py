"""Convolution as strided windows and one einsum: Conv2d (Conv1d is a Conv2d of height 1)."""

from __future__ import annotations

import numpy as np

from tinygrad_edu.autograd import Function


def _pad(x, padding):
    """x (N, C, H, W) with zeros around H and W: a new array made from x, so other array kinds flow through."""
    ph, pw = padding
    if ph == 0 and pw == 0:
        return x
    n, c, h, w = x.shape
    out = np.zeros_like(x, shape=(n, c, h + 2 * ph, w + 2 * pw), order="C")
    out[:, :, ph:ph + h, pw:pw + w] = x
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
            raise ValueError(f"conv2d: input of {c} channels and weight of shape {tuple(weight.shape)} do not "
                             f"fit groups={groups} (need C == weight.shape[1] * groups and O divisible by groups)")
        self.stride, self.padding, self.dilation, self.groups = stride, padding, dilation, groups
        xp = _pad(x, padding)
        win = _windows(xp, (kh, kw), stride, dilation)
        ho, wo = win.shape[2], win.shape[3]
        if ho < 1 or wo < 1:
            raise ValueError(f"conv2d: input of size {(h, w)} (padded {tuple(xp.shape[2:])}) is smaller than the "
                             f"dilated kernel; pass a larger input or more padding")
        self.save(xp, weight)
        self.in_shape = x.shape
        win = win.reshape(n, groups, cg, ho, wo, kh, kw)
        wg = weight.reshape(groups, o // groups, cg, kh, kw)
        out = np.einsum("ngchwij,gocij->ngohw", win, wg, optimize=True).reshape(n, o, ho, wo)
        if bias is not None:
            out = out + bias.reshape(1, o, 1, 1)
        return out

    def backward(self, grad_out):
        # out is linear in w and in x: dw is each window times grad_out, summed over batch and pixels;
        # dx scatters grad_out * w back onto the pixels each kernel offset (i, j) read (col2im), one offset at a time.
        xp, weight = self.saved
        need_x, need_w = self.needs_input_grad[:2]
        (sh, sw), (dh, dw), groups = self.stride, self.dilation, self.groups
        n, c = xp.shape[:2]
        o, cg, kh, kw = weight.shape
        ho, wo = grad_out.shape[2:]
        g = grad_out.reshape(n, groups, o // groups, ho, wo)
        grad_x = grad_w = None
        if need_w:
            win = _windows(xp, (kh, kw), self.stride, self.dilation).reshape(n, groups, cg, ho, wo, kh, kw)
            grad_w = np.einsum("ngchwij,ngohw->gocij", win, g, optimize=True).reshape(o, cg, kh, kw)
        if need_x:
            wg = weight.reshape(groups, o // groups, cg, kh, kw)
            grad_xp = np.zeros_like(xp, shape=xp.shape, order="C")
            for i in range(kh):
                for j in range(kw):
                    part = np.einsum("ngohw,goc->ngchw", g, wg[:, :, :, i, j]).reshape(n, c, ho, wo)
                    grad_xp[:, :, i * dh:i * dh + sh * (ho - 1) + 1:sh, j * dw:j * dw + sw * (wo - 1) + 1:sw] += part
            ph, pw = self.padding
            h, w = self.in_shape[2:]
            grad_x = grad_xp[:, :, ph:ph + h, pw:pw + w]
        if len(self.needs_input_grad) == 2:
            return grad_x, grad_w
        grad_b = grad_out.sum(axis=(0, 2, 3)) if self.needs_input_grad[2] else None
        return grad_x, grad_w, grad_b
