"""Writing into a copy of x at indices: scatter, scatter_add, index_add, index_copy (gather's reverse).

`where` is a tuple of index arrays that names the written elements of x, built by the Tensor method
from PyTorch's (dim, index) form: for scatter it is index along `dim` and the position itself along
every other dim, for index_add the index along `dim` and every position elsewhere. `src` holds one
value per index (a number is broadcast). Each backward reads the gradient back at the same places.
"""

from __future__ import annotations

import numpy as np

from tinygrad_edu.autograd import Function


class Scatter(Function):
    """A copy of x with x[where] = src: each written element of x is replaced (index_copy, scatter)."""

    def forward(self, x, src, where=()):
        self.save(where)
        out = x.copy()
        out[where] = src
        return out

    def backward(self, grad_out):
        # an overwritten element of x no longer reaches the output: gradient 0 there; src's element
        # is now the output's, so it gets the gradient at its place
        (where,) = self.saved
        need_x, need_src = self.needs_input_grad
        grad_x = None
        if need_x:
            grad_x = grad_out.copy()
            grad_x[where] = 0
        return grad_x, (grad_out[where] if need_src else None)


class ScatterAdd(Function):
    """A copy of x with src added at x[where]; repeated places add up (scatter_add, index_add)."""

    def forward(self, x, src, where=()):
        self.save(where)
        out = x.copy()
        np.add.at(out, where, src)
        return out

    def backward(self, grad_out):
        # d out/dx = 1 everywhere; each src element was added to one place: it gets that place's gradient
        (where,) = self.saved
        need_x, need_src = self.needs_input_grad
        return (grad_out if need_x else None), (grad_out[where] if need_src else None)
