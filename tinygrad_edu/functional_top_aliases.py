"""torch's top-level names for work done elsewhere: the nn.functional ops PyTorch also puts at the top level
(`torch.conv2d`, `torch.layer_norm`, `torch.dropout`, ...), and the in-place functions `torch.exp_(x)`, ... that
are `x.exp_()`.

The top-level forms are ATen's own signatures, which sometimes differ from nn.functional's: `torch.dropout(input,
p, train)` has no defaults, `torch.embedding(weight, indices)` takes the weight first, `torch.batch_norm` puts the
weight and bias before the running statistics, the losses take `reduction` as ATen's int (0 "none", 1 "mean", 2
"sum"; left out, it is 0, as in PyTorch's Python binding of these names, though ATen's schema says 1),
`torch.max_pool2d` has no return_indices and `torch.adaptive_max_pool1d` always returns the indices too, and
layer_norm, group_norm, batch_norm accept a cudnn flag that changes nothing. Each function here converts its
arguments and calls nn.functional's, so there is one implementation (and one gradient) of each op.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tinygrad_edu.nn import functional as F  # noqa: N812  (PyTorch's usual name for it)

__all__ = [
    "dropout",
    "dropout_",
    "embedding",
    "layer_norm",
    "batch_norm",
    "group_norm",
    "conv1d",
    "conv2d",
    "conv3d",
    "conv_transpose1d",
    "conv_transpose2d",
    "conv_transpose3d",
    "max_pool1d",
    "max_pool2d",
    "max_pool3d",
    "avg_pool1d",
    "adaptive_avg_pool1d",
    "adaptive_max_pool1d",
    "kl_div",
    "threshold",
    "threshold_",
    "selu",
    "selu_",
    "celu",
    "celu_",
    "prelu",
    "binary_cross_entropy_with_logits",
    "poisson_nll_loss",
    "margin_ranking_loss",
    "cosine_embedding_loss",
    "constant_pad_nd",
]

# ---- the same function under both names: ATen's signature is nn.functional's -----------------------------

conv1d = F.conv1d
conv2d = F.conv2d
conv3d = F.conv3d
conv_transpose1d = F.conv_transpose1d
conv_transpose2d = F.conv_transpose2d
conv_transpose3d = F.conv_transpose3d
avg_pool1d = F.avg_pool1d
adaptive_avg_pool1d = F.adaptive_avg_pool1d
prelu = F.prelu

# ---- ATen's signatures, converted to nn.functional's -----------------------------------------------------

_REDUCTIONS = {0: "none", 1: "mean", 2: "sum"}


def _reduction(op: str, reduction: Any) -> str:
    """ATen's int reduction as nn.functional's name (a name is accepted too)."""
    if isinstance(reduction, str):
        return reduction
    if reduction not in _REDUCTIONS:
        raise ValueError(f"{op}: reduction must be 0 (none), 1 (mean) or 2 (sum), got {reduction!r}")
    return _REDUCTIONS[reduction]


def _in_place(what: str, input: Any, result: Any) -> Any:
    """result (computed from a clone of input) written back into input through the one in-place path."""
    return input._assign_result_(what, result)


def dropout(input: Any, p: float, train: bool) -> Any:
    """torch.dropout(input, p, train): F.dropout(input, p, training=train) (no defaults, as ATen's).

    Example:
        >>> tg.dropout(tg.ones(3), 0.5, False)
        tensor([1., 1., 1.], dtype=float32)
    """
    return F.dropout(input, p, train)


def dropout_(input: Any, p: float, train: bool) -> Any:
    """torch.dropout_: dropout in place."""
    return _in_place("dropout_", input, F.dropout(input.clone(), p, train))


def embedding(
    weight: Any, indices: Any, padding_idx: int = -1, scale_grad_by_freq: bool = False, sparse: bool = False
) -> Any:
    """torch.embedding(weight, indices, padding_idx=-1, ...): the rows of weight at indices, weight first (a
    negative padding_idx means none, as ATen's).

    Example:
        >>> tg.embedding(tg.eye(3), tg.tensor([2, 0])).tolist()
        [[0.0, 0.0, 1.0], [1.0, 0.0, 0.0]]
    """
    padding = None if padding_idx is None or padding_idx < 0 else padding_idx
    return F.embedding(indices, weight, padding, scale_grad_by_freq=scale_grad_by_freq, sparse=sparse)


def layer_norm(
    input: Any,
    normalized_shape: Any,
    weight: Any = None,
    bias: Any = None,
    eps: float = 1e-5,
    cudnn_enable: bool = True,
) -> Any:
    """torch.layer_norm: F.layer_norm, with ATen's cudnn_enable flag (ignored).

    Example:
        >>> tg.layer_norm(tg.tensor([1.0, 3.0]), [2]).round(decimals=3).tolist()
        [-1.0, 1.0]
    """
    return F.layer_norm(input, normalized_shape, weight, bias, eps)


def group_norm(
    input: Any, num_groups: int, weight: Any = None, bias: Any = None, eps: float = 1e-5, cudnn_enabled: bool = True
) -> Any:
    """torch.group_norm: F.group_norm, with ATen's cudnn_enabled flag (ignored)."""
    return F.group_norm(input, num_groups, weight, bias, eps)


def batch_norm(
    input: Any,
    weight: Any,
    bias: Any,
    running_mean: Any,
    running_var: Any,
    training: bool,
    momentum: float,
    eps: float,
    cudnn_enabled: bool,
) -> Any:
    """torch.batch_norm: ATen's order (weight and bias before the running statistics; every argument required),
    then F.batch_norm.

    Example:
        >>> x = tg.tensor([[1.0], [3.0]])
        >>> tg.batch_norm(x, None, None, None, None, True, 0.1, 0.0, False).tolist()
        [[-1.0], [1.0]]
    """
    return F.batch_norm(input, running_mean, running_var, weight, bias, training, momentum, eps)


def _stride(stride: Any) -> Any:
    return None if stride is None or (isinstance(stride, (tuple, list)) and len(stride) == 0) else stride


def max_pool1d(
    input: Any, kernel_size: Any, stride: Any = (), padding: Any = 0, dilation: Any = 1, ceil_mode: bool = False
) -> Any:
    """torch.max_pool1d: F.max_pool1d without return_indices (an empty stride means the kernel size)."""
    return F.max_pool1d(input, kernel_size, _stride(stride), padding, dilation, ceil_mode)


def max_pool2d(
    input: Any, kernel_size: Any, stride: Any = (), padding: Any = 0, dilation: Any = 1, ceil_mode: bool = False
) -> Any:
    """torch.max_pool2d: F.max_pool2d without return_indices (an empty stride means the kernel size).

    Example:
        >>> tg.max_pool2d(tg.arange(16.0).reshape(1, 4, 4), 2).tolist()
        [[[5.0, 7.0], [13.0, 15.0]]]
    """
    return F.max_pool2d(input, kernel_size, _stride(stride), padding, dilation, ceil_mode)


def max_pool3d(
    input: Any, kernel_size: Any, stride: Any = (), padding: Any = 0, dilation: Any = 1, ceil_mode: bool = False
) -> Any:
    """torch.max_pool3d: F.max_pool3d without return_indices (an empty stride means the kernel size)."""
    return F.max_pool3d(input, kernel_size, _stride(stride), padding, dilation, ceil_mode)


def adaptive_max_pool1d(input: Any, output_size: Any) -> Any:
    """torch.adaptive_max_pool1d: (values, indices), always both, as ATen's.

    Example:
        >>> values, indices = tg.adaptive_max_pool1d(tg.tensor([[1.0, 3.0, 2.0, 0.0]]), 2)
        >>> values.tolist(), indices.tolist()
        ([[3.0, 2.0]], [[1, 2]])
    """
    return F.adaptive_max_pool1d(input, output_size, return_indices=True)


def kl_div(input: Any, target: Any, reduction: Any = 0, *, log_target: bool = False) -> Any:
    """torch.kl_div: F.kl_div with ATen's int reduction (0, "none", by default; 1 is the mean over all elements).

    Example:
        >>> tg.kl_div(tg.zeros(2), tg.ones(2), 2).item()  # sum of t (log t - x) with t = 1, x = 0
        0.0
    """
    return F.kl_div(input, target, reduction=_reduction("kl_div", reduction), log_target=log_target)


def threshold(input: Any, threshold: float, value: float) -> Any:
    """torch.threshold: F.threshold (x where x > threshold, else value).

    Example:
        >>> tg.threshold(tg.tensor([0.5, 2.0]), 1.0, -1.0).tolist()
        [-1.0, 2.0]
    """
    return F.threshold(input, threshold, value)


def threshold_(input: Any, threshold: float, value: float) -> Any:
    """torch.threshold_: threshold in place."""
    return _in_place("threshold_", input, F.threshold(input.clone(), threshold, value))


def selu(input: Any) -> Any:
    """torch.selu: F.selu."""
    return F.selu(input)


def selu_(input: Any) -> Any:
    """torch.selu_: selu in place.

    Example:
        >>> x = tg.tensor([1.0])
        >>> tg.selu_(x) is x, round(x.item(), 4)
        (True, 1.0507)
    """
    return _in_place("selu_", input, F.selu(input.clone()))


def celu(input: Any, alpha: float = 1.0) -> Any:
    """torch.celu: F.celu."""
    return F.celu(input, alpha)


def celu_(input: Any, alpha: float = 1.0) -> Any:
    """torch.celu_: celu in place."""
    return _in_place("celu_", input, F.celu(input.clone(), alpha))


def binary_cross_entropy_with_logits(
    input: Any, target: Any, weight: Any = None, pos_weight: Any = None, reduction: Any = 0
) -> Any:
    """torch.binary_cross_entropy_with_logits: pos_weight before reduction, reduction as ATen's int (0, "none",
    by default)."""
    return F.binary_cross_entropy_with_logits(
        input,
        target,
        weight,
        reduction=_reduction("binary_cross_entropy_with_logits", reduction),
        pos_weight=pos_weight,
    )


def poisson_nll_loss(input: Any, target: Any, log_input: bool, full: bool, eps: float, reduction: Any) -> Any:
    """torch.poisson_nll_loss: every argument required, reduction as ATen's int."""
    return F.poisson_nll_loss(input, target, log_input, full, eps, _reduction("poisson_nll_loss", reduction))


def margin_ranking_loss(input1: Any, input2: Any, target: Any, margin: float = 0.0, reduction: Any = 0) -> Any:
    """torch.margin_ranking_loss: reduction as ATen's int (0, "none", by default)."""
    return F.margin_ranking_loss(input1, input2, target, margin, _reduction("margin_ranking_loss", reduction))


def cosine_embedding_loss(input1: Any, input2: Any, target: Any, margin: float = 0.0, reduction: Any = 0) -> Any:
    """torch.cosine_embedding_loss: reduction as ATen's int (0, "none", by default)."""
    return F.cosine_embedding_loss(input1, input2, target, margin, _reduction("cosine_embedding_loss", reduction))


def constant_pad_nd(input: Any, pad: Any, value: float = 0) -> Any:
    """torch.constant_pad_nd: F.pad in "constant" mode.

    Example:
        >>> tg.constant_pad_nd(tg.ones(1), [1, 0], 5.0)
        tensor([5., 1.], dtype=float32)
    """
    return F.pad(input, pad, "constant", value)


# ---- torch.exp_(x) & co.: the in-place Tensor methods that PyTorch also has as functions ----------------------

# Every `torch.<op>_` whose Tensor method `<op>_` tinygrad_edu has. They differ only in their name, so one loop
# makes them (below); each is `getattr(input, name)(*args, **kwargs)`, documented as the method it calls.
IN_PLACE = (
    "abs_",
    "acos_",
    "acosh_",
    "addmv_",
    "arccos_",
    "arccosh_",
    "arcsin_",
    "arcsinh_",
    "arctan_",
    "arctanh_",
    "asin_",
    "asinh_",
    "atan_",
    "atanh_",
    "ceil_",
    "clamp_",
    "clamp_max_",
    "clamp_min_",
    "clip_",
    "cos_",
    "cosh_",
    "detach_",
    "erf_",
    "erfc_",
    "exp2_",
    "exp_",
    "expm1_",
    "fill_",
    "fix_",
    "floor_",
    "frac_",
    "i0_",
    "index_put_",
    "ldexp_",
    "log10_",
    "log1p_",
    "log2_",
    "log_",
    "nan_to_num_",
    "neg_",
    "negative_",
    "reciprocal_",
    "relu_",
    "round_",
    "rsqrt_",
    "sigmoid_",
    "sin_",
    "sinc_",
    "sinh_",
    "sqrt_",
    "square_",
    "tan_",
    "tanh_",
    "trunc_",
    "xlogy_",
    "zero_",
)


def _in_place_alias(name: str) -> Callable[..., Any]:
    def alias(input: Any, *args: Any, **kwargs: Any) -> Any:
        return getattr(input, name)(*args, **kwargs)

    alias.__name__ = alias.__qualname__ = name
    alias.__doc__ = f"torch.{name}(input, ...): input.{name}(...), in place; returns input."
    return alias


for _name in IN_PLACE:
    globals()[_name] = _in_place_alias(_name)
__all__ += IN_PLACE
