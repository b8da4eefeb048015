"""Vector lengths and distances: F.normalize, F.cosine_similarity, F.pairwise_distance, F.pdist, and the modules
nn.CosineSimilarity and nn.PairwiseDistance (nn.functional re-exports the functions).

Each is a short chain of Tensor ops, so gradients (and second derivatives) come from the ops themselves. The
p-norms go through `_norm`, which gives a zero vector the gradient 0, as PyTorch's norm does (the plain
formula sqrt(sum x^2) would divide 0 by 0 there).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from tinygrad_edu.dtypes import get_default_dtype
from tinygrad_edu.errors import ArgumentError, DtypeError, ShapeError
from tinygrad_edu.nn.module import Module
from tinygrad_edu.tensor import Tensor, _operand_tensor, where

__all__ = [
    "normalize",
    "cosine_similarity",
    "pairwise_distance",
    "pdist",
    "CosineSimilarity",
    "PairwiseDistance",
]


def _float(x: Any) -> Tensor:
    """x as a float Tensor (an int input gives the default float dtype, as PyTorch's norms do)."""
    x = _operand_tensor(x)
    return x if x.data.dtype.kind == "f" else x.to(get_default_dtype())


def _floating(name: str, x: Any) -> Tensor:
    """x as a Tensor, which must be floating point (PyTorch refuses integers here)."""
    x = _operand_tensor(x)
    if x.data.dtype.kind != "f":
        raise DtypeError(f"{name}: expected a floating point input, got dtype {x.dtype}; convert with .float()")
    return x


def _norm(x: Tensor, p: float, dim: Any, keepdim: bool) -> Tensor:
    """(sum |x|^p)^(1/p) over dim, with gradient 0 where the whole slice is 0 (PyTorch's subgradient there).

    p = inf is the largest |x|, p = 0 the count of non-zeros (no gradient), as `torch.linalg.vector_norm`.
    """
    p = float(p)
    if math.isinf(p):
        a = x.abs()
        return a.amax(dim, keepdim) if p > 0 else a.amin(dim, keepdim)
    if p == 0:  # (x * 0 keeps the count in the graph, with gradient 0, as PyTorch's)
        return (x * 0 + (x != 0).to(x.dtype)).sum(dim, keepdim=keepdim)
    powered = (x * x) if p == 2 else x.abs() ** p
    total = powered.sum(dim, keepdim=keepdim)
    positive = total > 0
    safe = where(positive, total, 1.0)  # the root is taken of 1 where the slice is all zeros, then dropped
    root = safe.sqrt() if p == 2 else safe ** (1.0 / p)
    return where(positive, root, 0.0)


def normalize(input: Any, p: float = 2.0, dim: int = 1, eps: float = 1e-12, out: Any = None) -> Tensor:
    """x / max(||x||_p, eps) along `dim`: each slice scaled to length 1, as `torch.nn.functional.normalize`.

    Example:
        >>> F.normalize(tg.tensor([[3.0, 4.0]]))
        tensor([[0.6, 0.8]], dtype=float32)
    """
    if out is not None:
        raise ArgumentError("normalize: out= is not supported; use the returned tensor")
    x = _floating("normalize", input)
    return x / _norm(x, p, dim, True).clamp_min(eps)


def cosine_similarity(x1: Any, x2: Any, dim: int = 1, eps: float = 1e-8) -> Tensor:
    """sum((x1 / max(||x1||, eps)) * (x2 / max(||x2||, eps))) along `dim`, after broadcasting x1 with x2.

    This is PyTorch's formula: each input is divided by its own norm first (so the result stays in
    [-1, 1]), and the clamp to eps changes the value only, not the gradient of the norm (PyTorch clamps
    under no_grad).

    Example:
        >>> F.cosine_similarity(tg.tensor([[1.0, 0.0]]), tg.tensor([[1.0, 1.0]]))
        tensor([0.70710677], dtype=float32)
    """
    a, b = _operand_tensor(x1), _operand_tensor(x2)
    if a.data.dtype.kind != "f" and b.data.dtype.kind != "f":
        raise DtypeError(f"cosine_similarity: expected a floating point input, got dtypes {a.dtype} and {b.dtype}")
    a, b = _float(a), _float(b)
    if a.dtype != b.dtype:
        wider = np.promote_types(a.dtype, b.dtype)
        a, b = a.to(wider), b.to(wider)
    try:
        shape = np.broadcast_shapes(a.shape, b.shape)
    except ValueError:
        raise ShapeError(
            f"cosine_similarity: the shapes {tuple(a.shape)} and {tuple(b.shape)} do not broadcast"
        ) from None
    a, b = a.broadcast_to(shape), b.broadcast_to(shape)
    norm_a, norm_b = _norm(a, 2, dim, True), _norm(b, 2, dim, True)
    # the clamped value, with the gradient of the unclamped norm: n + (max(n, eps) - n), the bracket a constant
    norm_a = norm_a + (norm_a.detach().clamp_min(eps) - norm_a.detach())
    norm_b = norm_b + (norm_b.detach().clamp_min(eps) - norm_b.detach())
    return ((a / norm_a) * (b / norm_b)).sum(dim)


def pairwise_distance(x1: Any, x2: Any, p: float = 2.0, eps: float = 1e-6, keepdim: bool = False) -> Tensor:
    """||x1 - x2 + eps||_p over the last dim, as `torch.nn.functional.pairwise_distance` (eps keeps the norm
    away from 0, where its gradient is undefined).

    Example:
        >>> F.pairwise_distance(tg.tensor([[0.0, 0.0]]), tg.tensor([[3.0, 4.0]]), eps=0.0)
        tensor([5.], dtype=float32)
    """
    a, b = _float(x1), _float(x2)
    d = a - b + eps
    return _norm(d, p, max(a.ndim, b.ndim) - 1, keepdim) if d.ndim else _norm(d, p, None, keepdim)


def pdist(input: Any, p: float = 2.0) -> Tensor:
    """The p-norm distance between every pair of rows i < j of an (N, M) input, as a vector of N (N - 1) / 2,
    in the order (0, 1), (0, 2), ..., (1, 2), ... (`torch.nn.functional.pdist`).

    Example:
        >>> F.pdist(tg.tensor([[0.0, 0.0], [3.0, 4.0], [0.0, 1.0]]))
        tensor([5.       , 1.       , 4.2426405], dtype=float32)
    """
    x = _floating("pdist", input)
    if x.ndim != 2:
        raise ShapeError(f"pdist: the input must be a 2-D tensor (N, M), got shape {tuple(x.shape)}")
    if p < 0:
        raise ArgumentError(f"pdist: p must be non-negative, got {p}")
    rows, cols = np.triu_indices(x.shape[0], 1)
    return _norm(x.index_select(0, rows) - x.index_select(0, cols), p, 1, False)


class CosineSimilarity(Module):
    """The cosine similarity of two inputs along `dim`. See `F.cosine_similarity`.

    Example:
        >>> nn.CosineSimilarity(dim=0)(tg.tensor([1.0, 0.0]), tg.tensor([0.0, 2.0]))
        tensor(0., dtype=float32)
    """

    def __init__(self, dim: int = 1, eps: float = 1e-8) -> None:
        super().__init__()
        self.dim = dim
        self.eps = eps

    def forward(self, x1: Tensor, x2: Tensor) -> Tensor:
        return cosine_similarity(x1, x2, self.dim, self.eps)


class PairwiseDistance(Module):
    """||x1 - x2 + eps||_p over the last dim. See `F.pairwise_distance`.

    Example:
        >>> nn.PairwiseDistance(p=1.0, eps=0.0)(tg.tensor([[1.0, 2.0]]), tg.tensor([[0.0, 0.0]]))
        tensor([3.], dtype=float32)
    """

    def __init__(self, p: float = 2.0, eps: float = 1e-6, keepdim: bool = False) -> None:
        super().__init__()
        self.norm = p
        self.eps = eps
        self.keepdim = keepdim

    def forward(self, x1: Tensor, x2: Tensor) -> Tensor:
        return pairwise_distance(x1, x2, self.norm, self.eps, self.keepdim)
