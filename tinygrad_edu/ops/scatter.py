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
            grad_x = np.copy(grad_out)
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


# the value a place starts from when only src's values count (include_self=False)
_START = {"amax": -np.inf, "amin": np.inf, "prod": 1.0}
_UFUNC = {"amax": np.maximum, "amin": np.minimum, "prod": np.multiply}


class ScatterReduce(Function):
    """A copy of x where each place x[where] also takes src's values by `reduce`: "amax", "amin" or "prod"
    (scatter_reduce; "sum" and "mean" are made of ScatterAdd). include_self=False leaves x's own value out
    at the places written."""

    def forward(self, x, src, where=(), reduce: str = "amax", include_self: bool = True):
        written = np.zeros_like(x, dtype=bool)
        written[where] = True
        out = x.copy()
        if not include_self:
            start = _START[reduce]
            if x.dtype.kind in "iu":  # (an integer dtype has no infinity: its extremes stand in)
                start = {"amax": np.iinfo(x.dtype).min, "amin": np.iinfo(x.dtype).max, "prod": 1}[reduce]
            elif x.dtype.kind == "b":
                start = reduce != "amax"
            out[written] = start
        _UFUNC[reduce].at(out, where, src)
        self.save(x, src, out, written, where, reduce, include_self)
        return out

    def backward(self, grad_out):
        x, src, out, written, where, reduce, include_self = self.saved
        need_x, need_src = self.needs_input_grad
        counts_x = np.logical_not(written) if not include_self else np.ones_like(written)
        if reduce == "prod":
            # d(prod)/d(one factor) = the product of the other factors at its place (not out / factor,
            # which is 0/0 where a factor is zero; PyTorch gives the product of the others there too)
            others_x, others_src = _products_of_the_others(x, np.broadcast_to(src, where[0].shape), where, counts_x)
            grad_x = grad_out * others_x if need_x else None
            grad_src = grad_out[where] * others_src if need_src else None
            return grad_x, grad_src
        # amax / amin: the gradient goes to every value equal to the result, shared evenly (as PyTorch)
        hits_x = (x == out) & counts_x
        hits_src = src == out[where]
        count = hits_x * np.ones_like(grad_out)  # (a float copy of the mask, of grad_out's kind)
        np.add.at(count, where, hits_src * np.ones_like(grad_out, shape=hits_src.shape))
        share = grad_out / np.maximum(count, 1)
        return (share * hits_x if need_x else None), (share[where] * hits_src if need_src else None)


def _products_of_the_others(x, src, where, counts_x):
    """For each factor of each place's product (x's own value where counts_x, and every src value that
    lands there), the product of the other factors at that place: 0 for x where counts_x is False.

    Without dividing: the factors are grouped by place, one row of a table per place (padded with 1s);
    the product of the others is the product of those before (an exclusive cumprod from the left)
    times the product of those after (the same from the right).
    """
    own = np.flatnonzero(counts_x)
    src_places = np.ravel_multi_index(np.broadcast_arrays(*where), x.shape).ravel()
    places = np.concatenate([own, src_places])
    values = np.concatenate([np.reshape(x, -1)[own], np.reshape(src, -1)])  # (np.reshape: x may be a Tensor)
    others = np.ones_like(values)
    if places.size:
        order = np.argsort(places, kind="stable")
        starts = np.flatnonzero(np.diff(places[order], prepend=-1))
        row = np.cumsum(np.diff(places[order], prepend=-1) != 0) - 1  # the place's row in the table
        col = np.arange(places.size) - starts[row]  # the factor's position in its row
        table = np.ones_like(values, shape=(starts.size, col.max() + 3))  # (a column of 1s at each end)
        table[row, col + 1] = values[order]
        left = np.cumprod(table, axis=1)
        right = np.cumprod(table[:, ::-1], axis=1)[:, ::-1]
        others[order] = left[row, col] * right[row, col + 2]
    others_x = np.zeros_like(x, shape=(np.size(x),))  # (written flat, then shaped: no write through a view)
    others_x[own] = others[: own.size]
    return others_x.reshape(x.shape), others[own.size :].reshape(src.shape)
