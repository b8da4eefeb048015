"""Elementwise ops: each forward on NumPy arrays next to the backward that is its derivative.

Inputs may have different shapes that broadcast; a backward returns gradients of the broadcast
shape and the engine sums them back to each input's shape (`autograd.unbroadcast`).
Gradients are only computed for inputs that need them (`self.needs_input_grad`).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from tinygrad_edu.autograd import Function
from tinygrad_edu.tensor import Tensor

# ---- binary arithmetic ------------------------------------------------------------------------


class Add(Function):
    """a + b."""

    number_as_array = True  # (see Function.number_as_array)

    def forward(self, a, b):
        return a + b

    def backward(self, grad_out):
        # d(a + b)/da = 1, d(a + b)/db = 1
        return grad_out, grad_out


class Sub(Function):
    """a - b."""

    number_as_array = True  # (see Function.number_as_array)

    def forward(self, a, b):
        return a - b

    def backward(self, grad_out):
        # d(a - b)/da = 1, d(a - b)/db = -1
        return grad_out, (-grad_out if self.needs_input_grad[1] else None)


class Mul(Function):
    """a * b."""

    number_as_array = True  # (see Function.number_as_array)

    def forward(self, a, b):
        # keep only what the needed gradients use: then changing a constant input in place after
        # (x * c, c += 1) is as harmless as in PyTorch (autograd refuses when a saved input changed)
        need_a, need_b = self.needs_input_grad
        self.save(a if need_b else None, b if need_a else None)
        return a * b

    def backward(self, grad_out):
        # d(a * b)/da = b, d(a * b)/db = a
        a, b = self.saved
        need_a, need_b = self.needs_input_grad
        return (grad_out * b if need_a else None), (grad_out * a if need_b else None)


class Div(Function):
    """a / b."""

    number_as_array = True  # (see Function.number_as_array)

    def forward(self, a, b):
        self.save(a if self.needs_input_grad[1] else None, b)  # (a: only for b's gradient)
        return a / b

    def backward(self, grad_out):
        # d(a / b)/da = 1 / b, d(a / b)/db = -a / b^2
        a, b = self.saved
        need_a, need_b = self.needs_input_grad
        grad_a = grad_out / b if need_a else None
        grad_b = -grad_out * a / (b * b) if need_b else None
        return grad_a, grad_b


class Pow(Function):
    """a ** b, with the edge cases a = 0 and b = 0 differentiated as PyTorch does."""

    def forward(self, a, b):
        try:
            out = a**b
        except ValueError:  # NumPy refuses integers to negative integer powers; PyTorch computes them
            out = _integer_power(a, b)
        # out only where b's gradient needs it, as PyTorch saves it: then x ** 2 changed in place
        # before backward is as harmless as there
        self.save(a, b, out if self.needs_input_grad[1] else None)
        return out

    def backward(self, grad_out):
        # d(a^b)/da = b * a^(b-1), d(a^b)/db = a^b * log(a)
        a, b, out = self.saved
        need_a, need_b = self.needs_input_grad
        grad_a = grad_b = None
        if need_a:
            if np.any(b == 0):
                # Where b == 0, a^b = 1 for every a and the gradient is 0 (as PyTorch), also at a = 0
                # and a = +-inf, where b * a^(b-1) would be 0 * inf = nan.
                # (a ** (b - 1) is taken at a = 1 where b == 0, so that its own derivative there, which the
                # where discards, is finite: 0 * inf would make a second derivative nan)
                safe_a = np.where(b == 0, 1, a)
                with np.errstate(invalid="ignore", divide="ignore"):
                    grad_a = np.where(b == 0, 0, grad_out * b * safe_a ** (b - 1))
            else:
                grad_a = grad_out * b * a ** (b - 1)
        if need_b:
            # Where a == 0 and b >= 0, a^b does not change with b (0 or 1): the gradient is 0,
            # not 0 * log(0) = nan. Where b < 0 it stays a^b log(a) = inf * -inf. As in PyTorch.
            safe_a = np.where((a == 0) & (b >= 0), 1, a)
            grad_b = grad_out * out * np.log(safe_a)
        return grad_a, grad_b


def _integer_power(a, b):
    """a ** b for integers where some b < 0, as C and PyTorch compute it: 1 ** b = 1, (-1) ** b = +-1 and
    every other base to a negative power truncates to 0."""
    a, b = np.asarray(a), np.asarray(b)
    negative = b < 0
    out = a ** np.where(negative, 0, b)
    odd = (b % 2) != 0
    reciprocal = np.where(a == 1, 1, np.where(a == -1, np.where(odd, -1, 1), 0))
    return np.where(negative, reciprocal, out).astype(out.dtype)


class Maximum(Function):
    """max(a, b), elementwise (tg.maximum)."""

    def forward(self, a, b):
        self.save(a, b)
        return np.maximum(a, b)

    def backward(self, grad_out):
        # The gradient goes to the larger input; at a tie it is shared equally, as in PyTorch.
        a, b = self.saved
        share_a = (a > b) + 0.5 * (a == b)
        need_a, need_b = self.needs_input_grad
        return (grad_out * share_a if need_a else None), (grad_out * (1 - share_a) if need_b else None)


class Minimum(Function):
    """min(a, b), elementwise (tg.minimum)."""

    def forward(self, a, b):
        self.save(a, b)
        return np.minimum(a, b)

    def backward(self, grad_out):
        # The gradient goes to the smaller input; at a tie it is shared equally, as in PyTorch.
        a, b = self.saved
        share_a = (a < b) + 0.5 * (a == b)
        need_a, need_b = self.needs_input_grad
        return (grad_out * share_a if need_a else None), (grad_out * (1 - share_a) if need_b else None)


class Where(Function):
    """a where condition is true, else b (tg.where); condition is a bool array with no gradient."""

    def forward(self, condition, a, b):
        self.save(condition)
        return np.where(condition, a, b)

    def backward(self, grad_out):
        # The gradient goes to whichever input was chosen; the condition has none.
        (condition,) = self.saved
        need_a, need_b = self.needs_input_grad[1:]
        grad_a = np.where(condition, grad_out, 0) if need_a else None
        grad_b = np.where(condition, 0, grad_out) if need_b else None
        return None, grad_a, grad_b


# ---- unary math ---------------------------------------------------------------------------------


class Neg(Function):
    """-x."""

    def forward(self, x):
        return -x

    def backward(self, grad_out):
        # d(-x)/dx = -1
        return -grad_out


class Exp(Function):
    """e^x."""

    def forward(self, x):
        out = np.exp(x)
        self.save(out)
        return out

    def backward(self, grad_out):
        # d exp(x)/dx = exp(x)
        (out,) = self.saved
        return grad_out * out


class Log(Function):
    """The natural logarithm, log x."""

    def forward(self, x):
        self.save(x)
        return np.log(x)

    def backward(self, grad_out):
        # d log(x)/dx = 1 / x
        (x,) = self.saved
        return grad_out / x


class Log1p(Function):
    """log(1 + x), computed without forming 1 + x, which would round a tiny x away (np.log1p)."""

    def forward(self, x):
        self.save(x)
        return np.log1p(x)

    def backward(self, grad_out):
        # d log(1 + x)/dx = 1 / (1 + x)
        (x,) = self.saved
        return grad_out / (1 + x)


class Sqrt(Function):
    """The square root, sqrt(x)."""

    def forward(self, x):
        out = np.sqrt(x)
        self.save(out)
        return out

    def backward(self, grad_out):
        # d sqrt(x)/dx = 1 / (2 sqrt(x))
        (out,) = self.saved
        return grad_out / (2 * out)


class Abs(Function):
    """|x|."""

    def forward(self, x):
        self.save(x)
        return np.abs(x)

    def backward(self, grad_out):
        # d|x|/dx = sign(x), taken as 0 at x = 0 and at nan (as PyTorch's sgn: a nan input sends no nan back)
        (x,) = self.saved
        return grad_out * np.where(x == x, np.sign(x), 0)  # (x == x: False only at nan)


class ReLU(Function):
    """max(x, 0)."""

    def forward(self, x):
        out = np.maximum(x, 0)
        self.save(out)
        return out

    def backward(self, grad_out):
        # d relu(x)/dx = 1 where x > 0, else 0 (0 at x = 0, as PyTorch)
        (out,) = self.saved
        return grad_out * (out > 0)


class Sigmoid(Function):
    """1 / (1 + e^-x)."""

    def forward(self, x):
        # 1 / (1 + exp(-x)) for x >= 0 and the same value written exp(x) / (1 + exp(x)) for x < 0:
        # exp(-|x|) never overflows, and for very negative x it goes down through the subnormals to 0,
        # so log(sigmoid(-100)) is -100 in float32 too (a capped exp(-x) would stop at ~1e-38).
        # The numerator (1 for x >= 0, e for x < 0) is max(e, sign(x)), as e <= 1: the same bits as
        # np.where(x >= 0, 1.0, e), without a bool array or a scalar to broadcast (a (4, 4) float64 sigmoid
        # 3.6 -> 2.5 us; a (128, 256) float32 one 190 -> 60 us, where np.where's scalar was the slow part).
        e = np.exp(-np.abs(x))
        out = np.maximum(e, np.sign(x)) / (1.0 + e)
        self.save(out)
        return out

    def backward(self, grad_out):
        # d sigmoid/dx = s * (1 - s)
        (s,) = self.saved
        return grad_out * s * (1 - s)


class Tanh(Function):
    """tanh x."""

    def forward(self, x):
        out = np.tanh(x)
        self.save(out)
        return out

    def backward(self, grad_out):
        # d tanh/dx = 1 - tanh^2
        (t,) = self.saved
        return grad_out * (1 - t * t)


class Sin(Function):
    """sin x."""

    def forward(self, x):
        self.save(x)
        return np.sin(x)

    def backward(self, grad_out):
        # d sin(x)/dx = cos(x)
        (x,) = self.saved
        return grad_out * np.cos(x)


class Cos(Function):
    """cos x."""

    def forward(self, x):
        self.save(x)
        return np.cos(x)

    def backward(self, grad_out):
        # d cos(x)/dx = -sin(x)
        (x,) = self.saved
        return -grad_out * np.sin(x)


class Clamp(Function):
    """x limited to [min, max] (either bound may be None)."""

    def forward(self, x, min: float | None = None, max: float | None = None):
        self.save(x, min, max)
        return np.clip(x, min, max)

    def backward(self, grad_out):
        # The gradient passes where min <= x <= max (boundaries included, as PyTorch), else 0.
        x, low, high = self.saved
        inside = np.ones_like(x, dtype=bool)
        if low is not None:
            inside &= x >= low
        if high is not None:
            inside &= x <= high
        return grad_out * inside


class Cast(Function):
    """x converted to another dtype (Tensor.to); the gradient flows back only between float dtypes."""

    def forward(self, x, dtype: Any = None):
        return x.astype(dtype)

    def backward(self, grad_out):
        # The identity; the engine casts the gradient back to the input's dtype.
        return grad_out


class Copy(Function):
    """A copy of x that stays in the graph (Tensor.clone); its gradient is grad_out itself."""

    def forward(self, x):
        return x.copy()

    def backward(self, grad_out):
        return grad_out


# ---- composites: made of the ops above, so their gradients need no formula of their own ----------


def softplus(x: Tensor, beta: float = 1, threshold: float = 20) -> Tensor:
    """log(1 + exp(beta x)) / beta, elementwise, and x itself where beta x > threshold (F.softplus).

    Its derivative is sigmoid(beta x); it comes from the ops it is made of.
    """
    z = x if beta == 1 else x * beta
    # log(1 + e^z) = max(z, 0) + log(1 + e^-|z|): e^-|z| <= 1 never overflows, and log1p keeps the
    # tiny values for z << 0. max, not relu: at z = 0 a tie shares the gradient, 1/2 (and |z|'s
    # gradient there is 0), which is softplus'(0) = sigmoid(0); relu's 0 would lose it.
    smooth = z.maximum(0.0) + (-z.abs()).exp().log1p()
    if beta != 1:
        smooth = smooth / beta
    # The Where op directly, on the bool tensor: the condition is not converted outside an op, so
    # tg.compile traces it.
    return Where.apply(z > threshold, x, smooth)


def leaky_relu(x: Tensor, negative_slope: float = 0.01) -> Tensor:
    """x where x > 0, else negative_slope * x (F.leaky_relu): gradient 1, or negative_slope (at 0 too)."""
    return Where.apply(x > 0, x, x * negative_slope)
