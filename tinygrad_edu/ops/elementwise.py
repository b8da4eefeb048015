"""Elementwise ops: each forward on NumPy arrays next to the backward that is its derivative.

Inputs may have different shapes that broadcast; a backward returns gradients of the broadcast
shape and the engine sums them back to each input's shape (`autograd.unbroadcast`).
Gradients are only computed for inputs that need them (`self.needs_input_grad`).
"""

from __future__ import annotations

from typing import Any, Optional

import numpy as np

from tinygrad_edu.autograd import Function

# ---- binary arithmetic ------------------------------------------------------------------------


class Add(Function):
    """a + b."""

    def forward(self, a, b):
        return a + b

    def backward(self, grad_out):
        # d(a + b)/da = 1, d(a + b)/db = 1
        return grad_out, grad_out


class Sub(Function):
    """a - b."""

    def forward(self, a, b):
        return a - b

    def backward(self, grad_out):
        # d(a - b)/da = 1, d(a - b)/db = -1
        return grad_out, (-grad_out if self.needs_input_grad[1] else None)


class Mul(Function):
    """a * b."""

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
        out = a ** b
        self.save(a, b, out)
        return out

    def backward(self, grad_out):
        # d(a^b)/da = b * a^(b-1), d(a^b)/db = a^b * log(a)
        a, b, out = self.saved
        need_a, need_b = self.needs_input_grad
        grad_a = grad_b = None
        if need_a:
            exponent = b - 1
            if np.any(b == 0):
                # Where b == 0, a^b = 1 for every a and the gradient is 0, also at a = 0, where
                # 0 * 0^(-1) would be nan: there a^1 stands in for a^(b-1), times b = 0 (as PyTorch).
                exponent = np.where(b == 0, 1, exponent)
            grad_a = grad_out * b * a ** exponent
        if need_b:
            # Where a == 0 and b >= 0, a^b does not change with b (0 or 1): the gradient is 0,
            # not 0 * log(0) = nan. Where b < 0 it stays a^b log(a) = inf * -inf. As in PyTorch.
            safe_a = np.where((a == 0) & (b >= 0), 1, a)
            grad_b = grad_out * out * np.log(safe_a)
        return grad_a, grad_b


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
        # d|x|/dx = sign(x), taken as 0 at x = 0 (as PyTorch)
        (x,) = self.saved
        return grad_out * np.sign(x)


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


# exp overflows past these arguments; sigmoid of anything beyond is 0 or 1 to the dtype's precision.
_EXP_LIMIT = {np.dtype(t): float(np.log(np.finfo(t).max)) - 1 for t in (np.float16, np.float32, np.float64)}


class Sigmoid(Function):
    """1 / (1 + e^-x)."""

    def forward(self, x):
        # 1 / (1 + exp(-x)), the textbook formula, with -x capped where exp would overflow
        # (sigmoid(-1000) is 0 to float precision either way, but without an overflow warning).
        limit = _EXP_LIMIT.get(x.dtype, 700.0)
        out = 1.0 / (1.0 + np.exp(np.minimum(-x, limit)))
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


class Clamp(Function):
    """x limited to [min, max] (either bound may be None)."""

    def forward(self, x, min: Optional[float] = None, max: Optional[float] = None):
        self.save(x, min, max)
        return np.clip(x, min, max)

    def backward(self, grad_out):
        # The gradient passes where min <= x <= max (boundaries included, as PyTorch), else 0.
        x, low, high = self.saved
        inside = np.ones(x.shape, dtype=bool)
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
