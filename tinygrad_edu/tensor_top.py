"""Tensor methods for the top-level functions of functional_top_ops.py that PyTorch also has as methods: put and
index_reduce, and their in-place forms put_ and index_reduce_ (written back through the one in-place path).

`Tensor` (tensor.py) inherits these from `TopMethods`; each is a one-line delegation to its function.
"""

from __future__ import annotations

from typing import Any

import tinygrad_edu as _tg  # (still being imported when this runs: its names are read at call time)


class TopMethods:
    """put, put_, index_reduce, index_reduce_."""

    def put(self, index: Any, source: Any, accumulate: bool = False) -> Any:
        """A copy with source written at the flat places index names, as `torch.Tensor.put` (see tg.put).

        Example:
            >>> tg.zeros(3).put(tg.tensor([1]), tg.tensor([2.0]))
            tensor([0., 2., 0.], dtype=float32)
        """
        return _tg.functional_top_ops.put(self, index, source, accumulate)

    def put_(self, index: Any, source: Any, accumulate: bool = False) -> Any:
        """put, in place.

        Example:
            >>> x = tg.zeros(2, 2)
            >>> _ = x.put_(tg.tensor([0, 3]), tg.tensor([1.0, 1.0]), accumulate=True)
            >>> x.tolist()
            [[1.0, 0.0], [0.0, 1.0]]
        """
        this: Any = self  # (a Tensor: the mixin itself has no clone)
        return this._assign_(_tg.functional_top_ops.put(this.clone(), index, source, accumulate))

    def index_reduce(self, dim: int, index: Any, source: Any, reduce: str, *, include_self: bool = True) -> Any:
        """The slices of source reduced into self's places along dim, as `torch.Tensor.index_reduce` (see
        tg.index_reduce).

        Example:
            >>> tg.ones(2).index_reduce(0, tg.tensor([1, 1]), tg.tensor([2.0, 5.0]), "amax")
            tensor([1., 5.], dtype=float32)
        """
        return _tg.functional_top_ops.index_reduce(self, dim, index, source, reduce, include_self=include_self)

    def index_reduce_(self, dim: int, index: Any, source: Any, reduce: str, *, include_self: bool = True) -> Any:
        """index_reduce, in place.

        Example:
            >>> x = tg.ones(2)
            >>> _ = x.index_reduce_(0, tg.tensor([0, 0]), tg.tensor([2.0, 4.0]), "mean", include_self=False)
            >>> x.tolist()
            [3.0, 1.0]
        """
        this: Any = self  # (a Tensor: the mixin itself has no clone)
        return this._assign_(
            _tg.functional_top_ops.index_reduce(this.clone(), dim, index, source, reduce, include_self=include_self)
        )
