"""Attention: F.scaled_dot_product_attention, nn.MultiheadAttention and nn.TransformerEncoderLayer.

All three are built from existing ops (matmul, softmax, masked_fill, linear), so their gradients come from those.
The masks follow PyTorch, whose two conventions are opposite:
- scaled_dot_product_attention: a bool attn_mask is True where a query MAY attend;
- MultiheadAttention: a bool attn_mask or key_padding_mask is True where it may NOT (a padded key).
A float mask is added to the scores in both (-inf forbids).

A query row that may attend to no key at all gets weights 0 (and output 0) from scaled_dot_product_attention, as
PyTorch's; its softmax over only -inf would be 0/0. MultiheadAttention with need_weights=True gives NaN there, as
PyTorch does on that path (need_weights=False goes through scaled_dot_product_attention and gives 0).
"""

from __future__ import annotations

import copy
import math
from collections.abc import Callable
from typing import Any

import numpy as np

from tinygrad_edu.dtypes import DTypeLike, dtype_or_default
from tinygrad_edu.errors import ArgumentError, ShapeError
from tinygrad_edu.functional import cat
from tinygrad_edu.nn import init
from tinygrad_edu.nn.activation import ReLU
from tinygrad_edu.nn.activation_extra import GELU
from tinygrad_edu.nn.container import ModuleList
from tinygrad_edu.nn.dropout import Dropout, dropout
from tinygrad_edu.nn.functional import linear
from tinygrad_edu.nn.linear import Linear
from tinygrad_edu.nn.module import Module, Parameter
from tinygrad_edu.nn.normalization import LayerNorm
from tinygrad_edu.nn.padding import pad
from tinygrad_edu.tensor import Tensor, _operand_tensor, where

__all__ = [
    "scaled_dot_product_attention",
    "MultiheadAttention",
    "TransformerEncoderLayer",
    "TransformerEncoder",
]


def _plain(mask: Any) -> np.ndarray:
    return mask.data if isinstance(mask, Tensor) else np.asarray(mask)


def scaled_dot_product_attention(
    query: Any,
    key: Any,
    value: Any,
    attn_mask: Any = None,
    dropout_p: float = 0.0,
    is_causal: bool = False,
    scale: float | None = None,
    enable_gqa: bool = False,
) -> Tensor:
    """softmax(q k^T * scale + mask) v over the last two dims, as torch.nn.functional.scaled_dot_product_attention.

    query (..., L, E), key (..., S, E), value (..., S, Ev) -> (..., L, Ev); scale defaults to 1/sqrt(E).
    attn_mask broadcasts to (..., L, S): bool True where a query may attend, or a float added to the scores.
    is_causal lets query i attend to keys 0..i only. dropout_p drops attention weights (always, as PyTorch:
    pass 0.0 in eval). enable_gqa shares each key/value head among query heads (dim -3) as PyTorch.

    Example:
        >>> q, k = tg.zeros(2, 4), tg.randn(2, 4)          # equal scores: the mean of the values allowed
        >>> v = tg.tensor([[1.0], [3.0]])
        >>> F.scaled_dot_product_attention(q, k, v, is_causal=True)      # query 0 sees key 0 only, query 1 both
        tensor([[1.],
                [2.]], dtype=float32)
    """
    q, k, v = _operand_tensor(query), _operand_tensor(key), _operand_tensor(value)
    if q.ndim < 2 or k.ndim < 2 or v.ndim < 2 or q.shape[-1] != k.shape[-1] or k.shape[-2] != v.shape[-2]:
        raise ShapeError(
            f"scaled_dot_product_attention: query {q.shape}, key {k.shape} and value {v.shape} do not fit: need "
            "(..., L, E), (..., S, E) and (..., S, Ev)"
        )
    if is_causal and attn_mask is not None:
        raise ArgumentError("scaled_dot_product_attention: pass attn_mask or is_causal=True, not both (as PyTorch)")
    if enable_gqa and q.ndim >= 3 and k.shape[-3] != q.shape[-3]:
        if q.shape[-3] % k.shape[-3]:
            raise ShapeError(
                f"scaled_dot_product_attention: {q.shape[-3]} query heads are not a multiple of {k.shape[-3]} key heads"
            )
        k = k.repeat_interleave(q.shape[-3] // k.shape[-3], dim=-3)
        v = v.repeat_interleave(q.shape[-3] // v.shape[-3], dim=-3)
    length, source = q.shape[-2], k.shape[-2]
    scores = (q @ k.transpose(-2, -1)) * (1.0 / math.sqrt(q.shape[-1]) if scale is None else scale)
    if is_causal:
        attn_mask = np.tril(np.ones((length, source), dtype=np.bool_))
    if attn_mask is not None:
        if _plain(attn_mask).dtype == np.bool_:
            scores = scores.masked_fill(~_plain(attn_mask), -np.inf)
        else:
            scores = scores + attn_mask
    weights = _softmax_of_rows(scores, safe=True)
    if dropout_p > 0.0:
        weights = dropout(weights, dropout_p)
    return weights @ v


def _softmax_of_rows(scores: Tensor, safe: bool) -> Tensor:
    """softmax over the last dim; with safe=True a row of only -inf (no key allowed) gives weights 0, not NaN.

    Such a row's scores are replaced by 0 before the softmax, so no NaN appears in the forward or the backward,
    and its weights by 0 after it (their gradient is 0 too). Tensor ops throughout, with no test of the values
    in Python, so tg.compile traces it.
    """
    if not safe:
        return scores.softmax(-1)
    dead = scores.detach().amax(-1, keepdim=True) == -np.inf
    return where(dead, 0.0, where(dead, 0.0, scores).softmax(-1))


def _float_mask(name: str, mask: Any, dtype: np.dtype) -> Any:
    """MultiheadAttention's mask as something to add to the scores: a bool mask (True: may not attend) becomes
    -inf / 0 of the query's dtype; a float mask is used as it is."""
    if mask is None:
        return None
    plain = _plain(mask)
    if plain.dtype == np.bool_:
        return np.where(plain, -np.inf, 0.0).astype(dtype)
    if plain.dtype.kind != "f":
        raise TypeError(f"MultiheadAttention: {name} must be a bool or float tensor, got dtype {plain.dtype}")
    return mask


class MultiheadAttention(Module):
    """nn.MultiheadAttention with PyTorch's parameters, initialisation and forward.

    Parameters: in_proj_weight (3E, E) and in_proj_bias (3E,) stacking the query, key and value projections
    (q_proj_weight, k_proj_weight, v_proj_weight instead when kdim or vdim differ from E), and out_proj, a
    Linear(E, E); with add_bias_kv, bias_k and bias_v (1, 1, E), one more key and value for every sequence, and with
    add_zero_attn a key and value of zeros after them. Inputs are (L, N, E) (or (N, L, E) with batch_first=True, or
    unbatched (L, E)); forward returns (output, attention weights averaged over the heads (N, L, S), or per head
    (N, H, L, S), or None).

    Example:
        >>> mha = nn.MultiheadAttention(8, 2, batch_first=True)
        >>> out, weights = mha(tg.randn(3, 5, 8), tg.randn(3, 7, 8), tg.randn(3, 7, 8))
        >>> out.shape, weights.shape
        ((3, 5, 8), (3, 5, 7))
    """

    def __init__(
        self,
        embed_dim: int,
        num_heads: int,
        dropout: float = 0.0,
        bias: bool = True,
        add_bias_kv: bool = False,
        add_zero_attn: bool = False,
        kdim: int | None = None,
        vdim: int | None = None,
        batch_first: bool = False,
        device: Any = None,
        dtype: DTypeLike = None,
    ) -> None:
        super().__init__()
        if embed_dim <= 0 or num_heads <= 0:
            raise ValueError(f"MultiheadAttention: embed_dim ({embed_dim}) and num_heads ({num_heads}) must be > 0")
        if embed_dim % num_heads:
            raise ValueError(
                f"MultiheadAttention: embed_dim ({embed_dim}) must be divisible by num_heads ({num_heads})"
            )
        dtype = dtype_or_default(dtype)
        self.embed_dim, self.num_heads, self.dropout, self.batch_first = embed_dim, num_heads, dropout, batch_first
        self.kdim = embed_dim if kdim is None else kdim
        self.vdim = embed_dim if vdim is None else vdim
        self.head_dim = embed_dim // num_heads
        self._qkv_same_embed_dim = self.kdim == embed_dim and self.vdim == embed_dim

        def empty(*shape: int) -> Parameter:
            return Parameter(Tensor._from_op(np.empty(shape, dtype=dtype), None))

        if self._qkv_same_embed_dim:
            self.in_proj_weight = empty(3 * embed_dim, embed_dim)
            for name in ("q_proj_weight", "k_proj_weight", "v_proj_weight"):
                self.register_parameter(name, None)
        else:
            self.q_proj_weight = empty(embed_dim, embed_dim)
            self.k_proj_weight = empty(embed_dim, self.kdim)
            self.v_proj_weight = empty(embed_dim, self.vdim)
            self.register_parameter("in_proj_weight", None)
        if bias:
            self.in_proj_bias = empty(3 * embed_dim)
        else:
            self.register_parameter("in_proj_bias", None)
        self.bias_k: Parameter | None = None
        self.bias_v: Parameter | None = None
        if add_bias_kv:  # one learned key and value appended to every sequence's keys and values
            self.bias_k, self.bias_v = empty(1, 1, embed_dim), empty(1, 1, embed_dim)
        self.add_zero_attn = add_zero_attn  # a key and value of zeros appended after them
        self.out_proj = Linear(embed_dim, embed_dim, bias=bias, dtype=dtype)
        self._reset_parameters()

    def _reset_parameters(self) -> None:
        """PyTorch's: xavier_uniform_ on the input projections, zero biases; out_proj's weight keeps Linear's."""
        if self._qkv_same_embed_dim:
            init.xavier_uniform_(self.in_proj_weight)
        else:
            for w in (self.q_proj_weight, self.k_proj_weight, self.v_proj_weight):
                init.xavier_uniform_(w)
        if self.in_proj_bias is not None:
            init.constant_(self.in_proj_bias, 0.0)
            init.constant_(self.out_proj.bias, 0.0)
        if self.bias_k is not None and self.bias_v is not None:
            init.xavier_normal_(self.bias_k)
            init.xavier_normal_(self.bias_v)

    def _projections(self, query: Tensor, key: Tensor, value: Tensor) -> tuple[Tensor, Tensor, Tensor]:
        e = self.embed_dim
        if self._qkv_same_embed_dim:
            w_q, w_k, w_v = self.in_proj_weight[:e], self.in_proj_weight[e : 2 * e], self.in_proj_weight[2 * e :]
        else:
            w_q, w_k, w_v = self.q_proj_weight, self.k_proj_weight, self.v_proj_weight
        b = self.in_proj_bias
        b_q, b_k, b_v = (None, None, None) if b is None else (b[:e], b[e : 2 * e], b[2 * e :])
        return linear(query, w_q, b_q), linear(key, w_k, b_k), linear(value, w_v, b_v)

    def forward(
        self,
        query: Any,
        key: Any,
        value: Any,
        key_padding_mask: Any = None,
        need_weights: bool = True,
        attn_mask: Any = None,
        average_attn_weights: bool = True,
        is_causal: bool = False,
    ) -> tuple[Tensor, Tensor | None]:
        query, key, value = _operand_tensor(query), _operand_tensor(key), _operand_tensor(value)
        if is_causal and attn_mask is None:
            raise ArgumentError(
                "MultiheadAttention: is_causal=True is a hint that attn_mask is the causal mask; pass that mask "
                "too (True above the diagonal: tg.ones(L, L).triu(1).bool()), as PyTorch requires"
            )
        batched = query.ndim == 3
        if not batched:  # one sequence: a batch of one, taken off at the end
            query, key, value = query.unsqueeze(1), key.unsqueeze(1), value.unsqueeze(1)
            if key_padding_mask is not None:
                key_padding_mask = _plain(key_padding_mask)[np.newaxis]
        elif self.batch_first:  # the computation below is sequence-first, as PyTorch's
            query, key, value = (t.transpose(0, 1) for t in (query, key, value))
        length, batch, e = query.shape
        source, heads, hd = key.shape[0], self.num_heads, self.head_dim
        if e != self.embed_dim or key.shape[:2] != value.shape[:2] or key.shape[1] != batch:
            raise ShapeError(
                f"MultiheadAttention: query {tuple(query.shape)}, key {tuple(key.shape)} and value "
                f"{tuple(value.shape)} (sequence-first) do not fit embed_dim={self.embed_dim}"
            )
        q, k, v = self._projections(query, key, value)
        if self.bias_k is not None and self.bias_v is not None:
            k = cat([k, self.bias_k.expand(1, batch, e)])
            v = cat([v, self.bias_v.expand(1, batch, e)])
        # (L, N, E) -> (N, H, L, hd): each head attends on its own slice of the embedding
        q, k, v = (t.reshape(t.shape[0], batch, heads, hd).permute(1, 2, 0, 3) for t in (q, k, v))
        if self.add_zero_attn:
            zeros = Tensor(np.zeros((batch, heads, 1, hd), dtype=q.dtype))
            k, v = cat([k, zeros], dim=2), cat([v, zeros], dim=2)
        if is_causal and key_padding_mask is None and not need_weights:
            # PyTorch then drops attn_mask and takes the hint: the causal mask over all keys, the bias_kv and
            # zero_attn keys included (hidden from the first queries), as scaled_dot_product_attention builds it
            attn_mask = None
        else:
            is_causal = False
        mask = _float_mask("attn_mask", attn_mask, q.dtype)
        if mask is not None:
            mask = mask.reshape(batch, heads, length, source) if _plain(mask).ndim == 3 else mask
        padding = _float_mask("key_padding_mask", key_padding_mask, q.dtype)
        if padding is not None:  # (N, S) -> (N, 1, 1, S): the same keys hidden from every head and query
            padding = padding.reshape(batch, 1, 1, source)
            mask = padding if mask is None else mask + padding
        extra = k.shape[2] - source  # the keys appended above: every query may attend to them
        if mask is not None and extra:
            mask = pad(_operand_tensor(mask), (0, extra))
        p = self.dropout if self.training else 0.0
        if need_weights:
            scores = (q * math.sqrt(1.0 / hd)) @ k.transpose(-2, -1)
            weights = _softmax_of_rows(scores if mask is None else scores + mask, safe=False)
            if p > 0.0:
                weights = dropout(weights, p)
            out = weights @ v
        else:
            out = scaled_dot_product_attention(q, k, v, mask, p, is_causal=is_causal)
        # (N, H, L, hd) -> (L, N, E), then the output projection
        out = self.out_proj(out.permute(2, 0, 1, 3).reshape(length, batch, e))
        if self.batch_first and batched:
            out = out.transpose(0, 1)
        if not batched:
            out = out.squeeze(1)
        if not need_weights:
            return out, None
        if average_attn_weights:
            weights = weights.mean(1)
        return out, weights if batched else weights.squeeze(0)


def _activation(activation: str | Callable[[Tensor], Tensor], layer: str = "TransformerEncoderLayer") -> Any:
    if activation == "relu":
        return ReLU()
    if activation == "gelu":
        return GELU()
    if callable(activation):
        return activation
    raise ArgumentError(f"{layer}: activation should be 'relu', 'gelu' or a callable, not {activation!r}")


class TransformerEncoderLayer(Module):
    """nn.TransformerEncoderLayer: self-attention then a feed-forward block, each with dropout, a residual
    connection and a LayerNorm (after each block, or before it with norm_first=True), with PyTorch's submodule
    names (self_attn, linear1, linear2, norm1, norm2, dropout, dropout1, dropout2).

    Example:
        >>> layer = nn.TransformerEncoderLayer(d_model=8, nhead=2, dim_feedforward=16, batch_first=True)
        >>> layer(tg.randn(3, 5, 8)).shape
        (3, 5, 8)
    """

    def __init__(
        self,
        d_model: int,
        nhead: int,
        dim_feedforward: int = 2048,
        dropout: float = 0.1,
        activation: str | Callable[[Tensor], Tensor] = "relu",
        layer_norm_eps: float = 1e-5,
        batch_first: bool = False,
        norm_first: bool = False,
        bias: bool = True,
        device: Any = None,
        dtype: DTypeLike = None,
    ) -> None:
        super().__init__()
        self.self_attn = MultiheadAttention(
            d_model, nhead, dropout=dropout, bias=bias, batch_first=batch_first, dtype=dtype
        )
        self.linear1 = Linear(d_model, dim_feedforward, bias=bias, dtype=dtype)
        self.dropout = Dropout(dropout)
        self.linear2 = Linear(dim_feedforward, d_model, bias=bias, dtype=dtype)
        self.norm_first = norm_first
        self.norm1 = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, dtype=dtype)
        self.norm2 = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, dtype=dtype)
        self.dropout1 = Dropout(dropout)
        self.dropout2 = Dropout(dropout)
        self.activation = _activation(activation)

    def forward(
        self, src: Any, src_mask: Any = None, src_key_padding_mask: Any = None, is_causal: bool = False
    ) -> Tensor:
        x = _operand_tensor(src)
        if self.norm_first:
            x = x + self._attention_block(self.norm1(x), src_mask, src_key_padding_mask, is_causal)
            return x + self._feed_forward_block(self.norm2(x))
        x = self.norm1(x + self._attention_block(x, src_mask, src_key_padding_mask, is_causal))
        return self.norm2(x + self._feed_forward_block(x))

    def _attention_block(self, x: Tensor, mask: Any, key_padding_mask: Any, is_causal: bool) -> Tensor:
        out = self.self_attn(
            x, x, x, attn_mask=mask, key_padding_mask=key_padding_mask, need_weights=False, is_causal=is_causal
        )[0]
        return self.dropout1(out)

    def _feed_forward_block(self, x: Tensor) -> Tensor:
        return self.dropout2(self.linear2(self.dropout(self.activation(self.linear1(x)))))


class TransformerEncoder(Module):
    """nn.TransformerEncoder: num_layers copies of encoder_layer (layers.0, layers.1, ...), then an optional norm.

    Example:
        >>> layer = nn.TransformerEncoderLayer(d_model=8, nhead=2, dim_feedforward=16)
        >>> nn.TransformerEncoder(layer, num_layers=2)(tg.randn(5, 3, 8)).shape
        (5, 3, 8)
    """

    def __init__(
        self, encoder_layer: TransformerEncoderLayer, num_layers: int, norm: Module | None = None, **ignored: Any
    ) -> None:
        super().__init__()
        self.layers = ModuleList([copy.deepcopy(encoder_layer) for _ in range(num_layers)])
        self.num_layers = num_layers
        self.norm = norm

    def forward(
        self, src: Any, mask: Any = None, src_key_padding_mask: Any = None, is_causal: bool | None = None
    ) -> Tensor:
        x = _operand_tensor(src)
        for layer in self.layers:
            x = layer(x, src_mask=mask, src_key_padding_mask=src_key_padding_mask, is_causal=bool(is_causal))
        return x if self.norm is None else self.norm(x)
