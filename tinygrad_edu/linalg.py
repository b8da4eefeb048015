"""tg.linalg, as torch.linalg: the vector norms here; inverses, solves, decompositions, matrix norms in
linalg_decompositions.py (re-exported: `__all__` lists both)."""

from __future__ import annotations

from typing import Any

import numpy as np

from tinygrad_edu import linalg_decompositions as _decompositions
from tinygrad_edu.arguments import Dim
from tinygrad_edu.linalg_decompositions import *  # noqa: F403  (inv, det, solve, svd, ...: the list is its __all__)
from tinygrad_edu.linalg_decompositions import matrix_norm
from tinygrad_edu.tensor import Tensor, _operand_tensor

__all__ = ["vector_norm", "norm", *_decompositions.__all__]


def vector_norm(x: Any, ord: Any = 2, dim: Dim = None, keepdim: bool = False) -> Tensor:
    """(sum |x|^ord)^(1/ord) over dim (None: every element); ord inf / -inf: the largest / smallest |x|,
    ord 0: the number of nonzero elements.

    Example:
        >>> tg.linalg.vector_norm(tg.tensor([3.0, 4.0]))
        tensor(5., dtype=float32)
    """
    x = _operand_tensor(x)
    x = x if x.dtype.kind == "f" else x.float()
    a = x.abs()
    if ord == float("inf"):
        return a.amax(dim, keepdim)
    if ord == -float("inf"):
        return a.amin(dim, keepdim)
    if ord == 0:
        return (a != 0).to(x.dtype).sum(dim, keepdim)
    if ord == 1:
        return a.sum(dim, keepdim)
    if ord == 2:
        return (x * x).sum(dim, keepdim).sqrt()
    return (a**ord).sum(dim, keepdim) ** (1.0 / ord)


def norm(x: Any, ord: Any = None, dim: Dim = None, keepdim: bool = False) -> Tensor:
    """The vector 2-norm of every element (ord None), vector_norm with ord over an int dim, or matrix_norm
    with ord over a 2-tuple dim (or over a 2-D input's two axes when ord is given and dim is None)."""
    x = _operand_tensor(x)
    if isinstance(dim, (tuple, list)) and len(dim) == 2 or (dim is None and ord is not None and x.ndim == 2):
        return matrix_norm(x, "fro" if ord is None else ord, (-2, -1) if dim is None else tuple(dim), keepdim)
    if dim is None and ord is not None and x.ndim != 1:
        raise ValueError(f"linalg.norm: If dim is not specified but ord is, the input must be 1D or 2D. Got {x.ndim}D")
    if ord in (None, "fro"):
        return vector_norm(x, 2, dim, keepdim)
    if isinstance(ord, str):
        raise NotImplementedError(f"linalg.norm: ord={ord!r} is not supported; use None, 'fro' or a number")
    return vector_norm(x, ord, dim, keepdim)


del np
