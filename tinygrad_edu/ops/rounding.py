"""Rounding, sign and remainder ops, and nan_to_num: the ops whose derivative is 0 or 1 almost everywhere.

floor, ceil, round, trunc and sign are piecewise constant: PyTorch gives them a gradient of 0 (not
an error), and so do we. fmod and remainder pass the gradient to the dividend unchanged. floor_divide
has no derivative in PyTorch: backward through it is an error there, and here.
"""

from __future__ import annotations

import numpy as np

from tinygrad_edu.autograd import Function


class _PiecewiseConstant(Function):
    """An op that is constant between its jumps: its gradient is 0 wherever it has one."""

    def backward(self, grad_out):
        # d floor(x)/dx = 0 (and so for ceil, round, trunc, sign), as PyTorch takes it also at the jumps
        return np.zeros_like(grad_out)


class Floor(_PiecewiseConstant):
    """The largest integer <= x."""

    def forward(self, x):
        return np.floor(x)


class Ceil(_PiecewiseConstant):
    """The smallest integer >= x."""

    def forward(self, x):
        return np.ceil(x)


class Round(_PiecewiseConstant):
    """x rounded to `decimals` places, halves to even (as torch.round and np.round)."""

    def forward(self, x, decimals: int = 0):
        return np.round(x, decimals)


class Trunc(_PiecewiseConstant):
    """x rounded toward zero."""

    def forward(self, x):
        return np.trunc(x)


class Sign(_PiecewiseConstant):
    """-1, 0 or 1 as x is negative, zero or positive."""

    def forward(self, x):
        return np.sign(x)


class FloorDivide(Function):
    """floor(a / b), elementwise (// and torch.floor_divide)."""

    def forward(self, a, b):
        return np.floor_divide(a, b)

    def backward(self, grad_out):
        # PyTorch defines no derivative here (not a zero one, as for floor): its result requires grad and
        # backward through it raises; so does ours, so that a program that runs here runs there
        raise RuntimeError(
            "floor_divide (//): the derivative is not implemented, as in PyTorch, so backward cannot pass "
            "through a // b of a tensor that requires grad; use (a / b).floor() for a gradient of 0, or "
            "a.detach() // b to keep // out of the graph"
        )


class Fmod(Function):
    """a - trunc(a / b) * b: the remainder with the dividend's sign (C's fmod, torch.fmod)."""

    def forward(self, a, b):
        self.save(a, b)
        return np.fmod(a, b)

    def backward(self, grad_out):
        # d fmod/da = 1, d fmod/db = -trunc(a / b) (between the jumps)
        a, b = self.saved
        need_a, need_b = self.needs_input_grad
        return (grad_out if need_a else None), (-grad_out * np.trunc(a / b) if need_b else None)


class Remainder(Function):
    """a - floor(a / b) * b: the remainder with the divisor's sign (Python's %, torch.remainder)."""

    def forward(self, a, b):
        self.save(a, b)
        return np.remainder(a, b)

    def backward(self, grad_out):
        # d remainder/da = 1, d remainder/db = -floor(a / b) (between the jumps)
        a, b = self.saved
        need_a, need_b = self.needs_input_grad
        return (grad_out if need_a else None), (-grad_out * np.floor(a / b) if need_b else None)


class Copysign(Function):
    """|a| with the sign of b."""

    def forward(self, a, b):
        out = np.copysign(a, b)
        self.save(a, out)
        return out

    def backward(self, grad_out):
        # d copysign(a, b)/da = out / a (+1 or -1; 0 at a = 0, as PyTorch); b only chooses a sign: 0
        a, out = self.saved
        need_a, need_b = self.needs_input_grad
        grad_a = grad_out * np.where(a == 0, 0, out / np.where(a == 0, 1, a)) if need_a else None
        return grad_a, (np.zeros_like(grad_out) if need_b else None)


class NanToNum(Function):
    """x with nan, +inf and -inf replaced by numbers (by default 0 and the dtype's largest and smallest)."""

    def forward(self, x, nan: float = 0.0, posinf=None, neginf=None):
        self.save(x)
        return np.nan_to_num(x, nan=nan, posinf=posinf, neginf=neginf)

    def backward(self, grad_out):
        # the identity where x is finite; a replaced value is a constant, with gradient 0
        (x,) = self.saved
        return grad_out * np.isfinite(x)
