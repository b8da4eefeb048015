"""Embedding: a lookup table of learned vectors, one row per index, as torch.nn.Embedding.

Looking up is indexing (`weight[indices]`), whose backward adds each output row's gradient into the row it
came from, so a repeated index accumulates. `embedding` is re-exported by nn.functional.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from tinygrad_edu.autograd import no_grad
from tinygrad_edu.creation import default_generator
from tinygrad_edu.dtypes import dtype_or_default
from tinygrad_edu.errors import DtypeError
from tinygrad_edu.nn.module import Module, Parameter
from tinygrad_edu.ops import elementwise
from tinygrad_edu.tensor import Tensor

__all__ = ["embedding", "Embedding"]


def _indices(input: Any) -> np.ndarray:
    indices = input.data if isinstance(input, Tensor) else np.asarray(input)
    if indices.dtype.kind not in "iu":
        raise DtypeError(f"embedding: indices must be an integer tensor (int64 or int32), got dtype {indices.dtype}")
    return indices


def embedding(
    input: Any,
    weight: Tensor,
    padding_idx: int | None = None,
    max_norm: float | None = None,
    norm_type: float = 2.0,
    scale_grad_by_freq: bool = False,
    sparse: bool = False,
) -> Tensor:
    """The rows of weight at the given integer indices: output shape indices.shape + (embedding_dim,).

    padding_idx: positions holding this index get the row's value but send no gradient to it.
    scale_grad_by_freq: each position's gradient is divided by the number of times its index occurs in input.
    max_norm: rows looked up whose norm exceeds max_norm are first rescaled, in place, to norm max_norm.

    Example:
        >>> F.embedding(tg.tensor([[0, 2]], dtype=tg.int64), tg.randn(3, 4)).shape
        (1, 2, 4)
    """
    indices = _indices(input)
    rows = weight.data.shape[0]
    if indices.size and (indices.min() < -rows or indices.max() >= rows):
        raise IndexError(
            f"embedding: index out of range in self (indices from {indices.min()} to {indices.max()}, "
            f"the table has {rows} rows)"
        )
    if max_norm is not None:
        with no_grad():
            used = np.unique(indices)
            norms = np.linalg.norm(weight.data[used], ord=norm_type, axis=1)
            too_long = norms > max_norm
            scale = max_norm / (norms[too_long] + 1e-7)
            weight.data[used[too_long]] *= scale[:, None].astype(weight.data.dtype)
    out = weight[indices]
    if scale_grad_by_freq and out.requires_grad:
        # each position's gradient divided by how often its index occurs in `indices`, as PyTorch; the value
        # stays exactly out (out - out.detach() is 0), only the gradient is scaled
        _, where_in, counts = np.unique(indices, return_inverse=True, return_counts=True)
        scale = (1.0 / counts[where_in.reshape(indices.shape)])[..., None].astype(out.data.dtype)
        out = out.detach() + (out - out.detach()) * Tensor._from_op(scale, None)
    if padding_idx is not None and out.requires_grad:
        if padding_idx < 0:
            padding_idx += rows
        # The same values, but the padding positions take theirs from a detached copy: no gradient to that row.
        keep = (indices != padding_idx)[..., None]
        out = elementwise.Where.apply(Tensor._from_op(keep, None), out, out.detach())
    return out


class Embedding(Module):
    """A table of num_embeddings vectors of size embedding_dim; `emb(indices)` looks them up.

    The weight is drawn from N(0, 1) (PyTorch's initialisation); the row padding_idx is set to zeros and
    gets no gradient. `sparse=True` is accepted and gives the same (dense) gradient.

    Example:
        >>> emb = nn.Embedding(27, 10)
        >>> emb(tg.tensor([[1, 5, 0]], dtype=tg.int64)).shape
        (1, 3, 10)
    """

    def __init__(
        self,
        num_embeddings: int,
        embedding_dim: int,
        padding_idx: int | None = None,
        max_norm: float | None = None,
        norm_type: float = 2.0,
        scale_grad_by_freq: bool = False,
        sparse: bool = False,
        _weight: Any | None = None,
        _freeze: bool = False,
        device: Any = None,
        dtype: Any = None,
    ) -> None:
        super().__init__()
        self.num_embeddings = num_embeddings
        self.embedding_dim = embedding_dim
        if padding_idx is not None:
            if not -num_embeddings <= padding_idx < num_embeddings:
                raise AssertionError("Padding_idx must be within num_embeddings")
            if padding_idx < 0:
                padding_idx += num_embeddings
        self.padding_idx = padding_idx
        self.max_norm = max_norm
        self.norm_type = norm_type
        self.scale_grad_by_freq = scale_grad_by_freq
        self.sparse = sparse
        if _weight is None:
            self.weight = Parameter(
                default_generator().standard_normal((num_embeddings, embedding_dim)).astype(dtype_or_default(dtype)),
                requires_grad=not _freeze,
            )
            if padding_idx is not None:
                self.weight.data[padding_idx] = 0
        else:
            weight = _weight.data if isinstance(_weight, Tensor) else np.asarray(_weight)
            if weight.shape != (num_embeddings, embedding_dim):
                raise ValueError("Shape of weight does not match num_embeddings and embedding_dim")
            self.weight = Parameter(weight, requires_grad=not _freeze)

    @classmethod
    def from_pretrained(
        cls,
        embeddings: Any,
        freeze: bool = True,
        padding_idx: int | None = None,
        max_norm: float | None = None,
        norm_type: float = 2.0,
        scale_grad_by_freq: bool = False,
        sparse: bool = False,
    ) -> Embedding:
        """An Embedding whose table is `embeddings` (2-D, shared, not copied); frozen unless freeze=False.

        Example:
            >>> emb = nn.Embedding.from_pretrained(tg.tensor([[1.0, 2.0], [3.0, 4.0]]))
        """
        data = embeddings.data if isinstance(embeddings, Tensor) else np.asarray(embeddings)
        if data.ndim != 2:
            raise ValueError("Embeddings parameter is expected to be 2-dimensional")
        rows, cols = data.shape
        return cls(
            rows, cols, padding_idx, max_norm, norm_type, scale_grad_by_freq, sparse, _weight=embeddings, _freeze=freeze
        )

    def forward(self, input: Any) -> Tensor:
        return embedding(
            input, self.weight, self.padding_idx, self.max_norm, self.norm_type, self.scale_grad_by_freq, self.sparse
        )

    def extra_repr(self) -> str:
        text = f"{self.num_embeddings}, {self.embedding_dim}"
        if self.padding_idx is not None:
            text += f", padding_idx={self.padding_idx}"
        if self.max_norm is not None:
            text += f", max_norm={self.max_norm}"
        return text
