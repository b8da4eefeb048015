"""nn.functional: activations, linear and the losses as plain functions (the modules in nn call these).

Each loss checks its arguments here, with messages that name the shapes or values at fault, and
then runs one fused op from `tinygrad_edu/ops/loss.py`, where its forward and gradient live.
Targets may be Tensors, ndarrays or lists. A target that requires grad (e.g. a second output of the
network) gets its gradient as in PyTorch, from the same fused op's backward (`_target_input`).
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from tinygrad_edu.arguments import check_same_dtype
from tinygrad_edu.autograd import is_grad_enabled
from tinygrad_edu.errors import ArgumentError, DtypeError, ShapeError
from tinygrad_edu.ops import elementwise, linalg
from tinygrad_edu.ops import loss as loss_ops
from tinygrad_edu.tensor import Tensor, _operand_tensor
from tinygrad_edu.tensor_math import _float_only
from tinygrad_edu.torch_alias import torch_attribute_error

__all__ = [
    "linear",
    "sigmoid",
    "relu",
    "tanh",
    "softmax",
    "log_softmax",
    "softplus",
    "leaky_relu",
    "mse_loss",
    "l1_loss",
    "binary_cross_entropy",
    "binary_cross_entropy_with_logits",
    "cross_entropy",
    "nll_loss",
]

REDUCTIONS = ("mean", "sum", "none")

# A missing name is an AttributeError that names the torch name we lack (as_torch maps torch's modules here).
__getattr__ = torch_attribute_error(__name__)

# NumPy's min and max reductions, called directly by the loss checks below (see binary_cross_entropy)
_min_of, _max_of = np.minimum.reduce, np.maximum.reduce

# The functional forms of the newer layers live beside their modules (activation_extra.py, dropout.py,
# normalization.py, sparse.py, conv.py, conv_transpose.py, adaptive_pool.py, upsample.py, attention.py, padding.py)
# and are re-exported here at the end of this file, so `F.gelu`, `F.interpolate` etc. work.


# ---- layers and activations ------------------------------------------------------------------------


def linear(input: Any, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """y = x W^T + b, with W of shape (out, in) and b of shape (out,), as `torch.nn.functional.linear`.

    Example:
        >>> F.linear(tg.ones(3, 2), tg.ones(4, 2)).shape
        (3, 4)
    """
    x = _operand_tensor(input)
    if x.data.shape[-1:] != weight.data.shape[-1:]:
        raise ShapeError(
            f"linear: input of shape {x.data.shape} and weight of shape {weight.data.shape} do not fit: "
            f"the input's last dimension must be in_features = {weight.data.shape[-1]}"
        )
    check_same_dtype("linear", x.data, weight.data)
    return linalg.Linear.apply(x, weight, bias)


def sigmoid(input: Tensor) -> Tensor:
    """1 / (1 + exp(-x)), elementwise (an int input gives the default float dtype, as Tensor.sigmoid)."""
    return _operand_tensor(input).sigmoid()


def relu(input: Tensor) -> Tensor:
    """max(x, 0), elementwise."""
    return elementwise.ReLU.apply(_operand_tensor(input))


def tanh(input: Tensor) -> Tensor:
    """tanh(x), elementwise (an int input gives the default float dtype, as Tensor.tanh)."""
    return _operand_tensor(input).tanh()


def softmax(input: Tensor, dim: int | None = None, *, dtype: Any = None) -> Tensor:
    """exp(x) / sum(exp(x)) along `dim`: each slice along dim becomes a probability distribution.

    With no dim, PyTorch's deprecated choice, with its warning (see `_implicit_dim`).

    Example:
        >>> F.softmax(tg.tensor([[0.0, 0.0]]), dim=1)
        tensor([[0.5, 0.5]], dtype=float32)
    """
    x = _operand_tensor(input)
    return x.softmax(_implicit_dim("softmax", x.ndim) if dim is None else dim, dtype=dtype)


def log_softmax(input: Tensor, dim: int | None = None, *, dtype: Any = None) -> Tensor:
    """log(softmax(x)) along `dim`, computed without taking the log of 0 (no dim: see `_implicit_dim`)."""
    x = _operand_tensor(input)
    return x.log_softmax(_implicit_dim("log_softmax", x.ndim) if dim is None else dim, dtype=dtype)


def _implicit_dim(name: str, ndim: int) -> int:
    """The dim PyTorch normalises over when softmax, log_softmax or softmin is given none: 0 for a 0-, 1- or 3-d
    input, else 1 (the classes of a (batch, classes, ...) input). PyTorch has deprecated the guess and warns, with
    this UserWarning; so do we, as a guess can be wrong for the shape at hand."""
    warnings.warn(
        f"Implicit dimension choice for {name} has been deprecated. Change the call to include dim=X as an argument.",
        UserWarning,
        stacklevel=3,
    )
    return 0 if ndim in (0, 1, 3) else 1


def softplus(input: Tensor, beta: float = 1, threshold: float = 20) -> Tensor:
    """log(1 + exp(beta x)) / beta, elementwise: a smooth relu, as `torch.nn.functional.softplus`.

    Where beta x > threshold the result is x itself, as in PyTorch (the two differ there by
    log(1 + exp(-beta x)) / beta < exp(-threshold) / beta). Its derivative is sigmoid(beta x).

    Example:
        >>> F.softplus(tg.tensor([0.0, 30.0]))          # log(2), and 30 past the threshold
        tensor([ 0.6931472, 30.       ], dtype=float32)
    """
    return elementwise.softplus(_float_only("softplus", _operand_tensor(input)), beta, threshold)


def leaky_relu(input: Tensor, negative_slope: float = 0.01, inplace: bool = False) -> Tensor:
    """x where x > 0, else negative_slope * x, as `torch.nn.functional.leaky_relu`.

    Its gradient is 1 for x > 0 and negative_slope elsewhere (at 0 too, as PyTorch). `inplace` is
    accepted for PyTorch code that passes it; the result is always a new tensor.

    Example:
        >>> F.leaky_relu(tg.tensor([-2.0, 3.0]), 0.1)
        tensor([-0.2,  3. ], dtype=float32)
    """
    return elementwise.leaky_relu(_float_only("leaky_relu", _operand_tensor(input)), negative_slope)


# ---- argument checks shared by the losses -------------------------------------------------------


def _check_reduction(name: str, reduction: str) -> None:
    """A ValueError unless reduction is 'mean', 'sum' or 'none'."""
    if reduction not in REDUCTIONS:
        raise ValueError(f"{name}: {reduction!r} is not a valid value for reduction; use 'mean', 'sum' or 'none'")


def _same_shape_target(name: str, input: Tensor, target: Any) -> np.ndarray:
    """The target as an array of the input's dtype; a ShapeError unless it has the input's shape."""
    t = target.data if isinstance(target, Tensor) else np.asarray(target)
    if t.shape != input.data.shape:
        raise ShapeError(
            f"{name}: target shape {t.shape} differs from input shape {input.data.shape}. "
            f"They must be equal; broadcasting them would silently compare every prediction with every "
            f"target (e.g. (4, 1) against (4,) gives (4, 4)). Reshape one of them, "
            f"e.g. target.reshape({', '.join(map(str, input.data.shape)) or '()'})."
        )
    return t.astype(input.data.dtype, copy=False)


def _target_needs_grad(target: Any) -> bool:
    """True when the target is a Tensor that requires grad, so the loss must differentiate it too."""
    return isinstance(target, Tensor) and target.requires_grad and is_grad_enabled()


def _target_input(target: Any, checked: np.ndarray, x: Tensor) -> Any:
    """The target as the loss op's second input: a Tensor of the input's dtype when it requires grad (the
    op's backward then gives its gradient, through the cast to its own dtype), else the checked array."""
    return target.to(x.dtype) if _target_needs_grad(target) else checked


def _weight(name: str, what: str, weight: Any, shape: tuple[int, ...], dtype: np.dtype) -> np.ndarray | None:
    """An optional weight as an array of `dtype`; a ShapeError unless it broadcasts to `shape`."""
    if weight is None:
        return None
    w = weight.data if isinstance(weight, Tensor) else np.asarray(weight)
    try:
        fits = np.broadcast_shapes(w.shape, shape) == shape
    except ValueError:
        fits = False
    if not fits:
        raise ShapeError(f"{name}: {what} of shape {w.shape} does not broadcast to the input's shape {shape}")
    return w.astype(dtype, copy=False)


# ---- regression losses ------------------------------------------------------------------------------


def mse_loss(input: Tensor, target: Any, reduction: str = "mean") -> Tensor:
    """Mean squared error: mean((x - y)^2) (or the sum, or each (x_i - y_i)^2 with reduction='none').

    Unlike PyTorch, which only warns, input and target of different shapes are a ShapeError (a
    ValueError): broadcasting a (4, 1) prediction against a (4,) target is the most common bug.

    Example:
        >>> F.mse_loss(tg.tensor([1.0, 2.0]), [1.0, 4.0])      # (0 + 4) / 2
        tensor(2., dtype=float32)
    """
    _check_reduction("mse_loss", reduction)
    x = _operand_tensor(input)
    t = _same_shape_target("mse_loss", x, target)
    return loss_ops.MSELoss.apply(x, _target_input(target, t, x), reduction=reduction)


def l1_loss(input: Tensor, target: Any, reduction: str = "mean") -> Tensor:
    """Mean absolute error: mean(|x - y|). Shapes must match (a ShapeError otherwise, as mse_loss).

    Example:
        >>> F.l1_loss(tg.tensor([1.0, 2.0]), [0.0, 4.0])       # (1 + 2) / 2
        tensor(1.5, dtype=float32)
    """
    _check_reduction("l1_loss", reduction)
    x = _operand_tensor(input)
    t = _same_shape_target("l1_loss", x, target)
    return loss_ops.L1Loss.apply(x, _target_input(target, t, x), reduction=reduction)


# ---- binary classification ------------------------------------------------------------------------


def binary_cross_entropy(input: Tensor, target: Any, weight: Any = None, reduction: str = "mean") -> Tensor:
    """Binary cross-entropy of probabilities x in [0, 1]: -w [y log(x) + (1 - y) log(1 - x)].

    Each log is clamped at -100, as in PyTorch, so a prediction of exactly 0 or 1 gives a finite loss
    (at most 100 per element) and a finite gradient. An input or target outside [0, 1] (or nan) is
    PyTorch's error, "all elements of input (target) should be between 0 and 1", naming the values; a
    target whose shape differs from the input's is a ShapeError naming both shapes.
    `weight` rescales each element's loss and must broadcast to the input's shape.

    Example:
        >>> F.binary_cross_entropy(tg.tensor([0.5]), [1.0])    # -log(0.5)
        tensor(0.6931472, dtype=float32)
    """
    _check_reduction("binary_cross_entropy", reduction)
    x = _operand_tensor(input)
    t = _same_shape_target("binary_cross_entropy", x, target)
    w = _weight("binary_cross_entropy", "weight", weight, x.data.shape, x.data.dtype)
    # PyTorch checks each element's input, then its target, is in [0, 1]. The target here by its min and
    # max: NumPy's two fastest reductions, faster than any one-expression test (t * (1 - t) >= 0, ...).
    # (NumPy's reductions called directly: t.min() and t.max() add a Python wrapper each, ~0.15 us)
    target_ok = t.size == 0 or (_min_of(t, None) >= 0 and _max_of(t, None) <= 1)  # (nan fails both comparisons)
    # With a target that requires grad the op differentiates the target too, and the input's gradient
    # stays the finite (x - y) / max(x (1 - x), 1e-12) at x = 0 or 1.
    loss = loss_ops.BCELoss.apply(x, _target_input(target, t, x), weight=w, reduction=reduction)
    # The input is checked through the loss: an input outside [0, 1] (or nan) makes a log nan and so the
    # loss nan, and the loss is often one number, so no pass over the input is made on every call.
    out = loss.data
    if not target_ok or ((out != out) if out.ndim == 0 else np.isnan(out).any()):  # nan: unequal to itself
        _bce_range_check(x.data, t)
    return loss


def _bce_range_check(x: np.ndarray, t: np.ndarray) -> None:
    """PyTorch's error for the first element whose input, or else target, is outside [0, 1] (or nan)."""
    bad_x, bad_t = ~((x >= 0) & (x <= 1)), ~((t >= 0) & (t <= 1))
    first_x = int(np.argmax(bad_x)) if bad_x.any() else x.size
    first_t = int(np.argmax(bad_t)) if bad_t.any() else t.size
    if first_x == x.size and first_t == t.size:
        return  # (a nan loss from a nan weight: not a range error)
    what, values = ("input", x) if first_x <= first_t else ("target", t)
    hint = (
        "apply a sigmoid first, or use binary_cross_entropy_with_logits on the raw scores"
        if what == "input"
        else "targets are probabilities, e.g. 0. or 1. labels"
    )
    raise ArgumentError(
        f"binary_cross_entropy: all elements of {what} should be between 0 and 1: each is a probability in "
        f"[0, 1], got values from {np.min(values)} to {np.max(values)} ({what} shape {values.shape}); {hint}"
    )


def binary_cross_entropy_with_logits(
    input: Tensor, target: Any, weight: Any = None, reduction: str = "mean", pos_weight: Any = None
) -> Tensor:
    """Sigmoid and binary cross-entropy in one, computed stably from raw scores (logits) x.

    l = w [(1 - y) x + (1 + (p - 1) y) log(1 + exp(-x))], with log(1 + exp(-x)) evaluated as
    max(-x, 0) + log(1 + exp(-|x|)), so any x is fine (no overflow at x = +-1000). `pos_weight` p
    weighs the positive examples (broadcast along the last dimension, one per class).

    Example:
        >>> F.binary_cross_entropy_with_logits(tg.tensor([0.0]), [1.0])    # -log(sigmoid(0))
        tensor(0.6931472, dtype=float32)
    """
    _check_reduction("binary_cross_entropy_with_logits", reduction)
    x = _operand_tensor(input)
    t = _same_shape_target("binary_cross_entropy_with_logits", x, target)
    w = _weight("binary_cross_entropy_with_logits", "weight", weight, x.data.shape, x.data.dtype)
    p = _weight("binary_cross_entropy_with_logits", "pos_weight", pos_weight, x.data.shape, x.data.dtype)
    return loss_ops.BCEWithLogitsLoss.apply(x, _target_input(target, t, x), weight=w, pos_weight=p, reduction=reduction)


# ---- multi-class classification -------------------------------------------------------------------


def _class_layout(name: str, x: Tensor) -> tuple[Tensor, int, tuple[int, ...]]:
    """Scores with the class dimension last, flattened to (M, C); also C and the per-sample shape.

    Input (N, C) is used as is; (C,) is one sample; (N, C, d1, ...) has one sample per (n, d1, ...).
    """
    shape = x.data.shape
    if len(shape) == 0:
        raise ShapeError(f"{name}: input must have a class dimension, got a 0-d tensor")
    if len(shape) == 1:
        return x.reshape(1, shape[0]), shape[0], ()
    classes = shape[1]
    sample_shape = (shape[0],) + shape[2:]
    if len(shape) > 2:  # move the class dimension last, then flatten the samples
        x = x.permute(0, *range(2, len(shape)), 1).reshape(-1, classes)
    return x, classes, sample_shape


def _per_sample(loss: Tensor, sample_shape: tuple[int, ...], reduction: str) -> Tensor:
    """With reduction='none', the flat (M,) losses in the targets' shape (reshaped only if it differs)."""
    if reduction == "none" and loss.data.shape != sample_shape:
        return loss.reshape(sample_shape)
    return loss


def _class_targets(
    name: str,
    target: np.ndarray,
    sample_shape: tuple[int, ...],
    input_shape: tuple[int, ...],
    classes: int,
    ignore_index: int,
) -> tuple[np.ndarray, np.ndarray | None]:
    """Class indices as a flat int64 array, checked (the right shape, whole numbers, in range), and the mask
    of the samples kept (target != ignore_index), or None when every sample is kept."""
    if target.shape != sample_shape:
        raise ShapeError(
            f"{name}: for input of shape {input_shape} the target must hold one class index per sample, "
            f"shape {sample_shape}, or one probability per class, shape {input_shape}; got {target.shape}"
        )
    if target.dtype not in (np.int64, np.uint8):
        # As PyTorch (which names them Long and Byte): a float target of this shape is almost always a
        # label array built with floats by mistake, and taking it as indices would hide that.
        raise DtypeError(
            f"{name}: class indices must have dtype int64 (or uint8), got {target.dtype} target of shape "
            f"{target.shape}; convert it with target.long(). Float targets are class probabilities and "
            f"must have the input's shape {input_shape}."
        )
    t = target.astype(np.int64).reshape(-1)
    # The common case costs two reductions: every target a class, and an ignore_index (by default -100) that is
    # none, so every sample is kept. The element-wise masks (five passes more) are made only otherwise.
    if not t.size or (t.min() >= 0 and t.max() < classes):
        if not 0 <= ignore_index < classes:
            return t, None
        keep = t != ignore_index
        return t, None if keep.all() else keep
    keep = t != ignore_index
    bad = ((t < 0) | (t >= classes)) & keep
    if bad.any():
        raise IndexError(
            f"{name}: target {t[bad][0]} is out of bounds for {classes} classes "
            f"(valid: 0 to {classes - 1}, or ignore_index={ignore_index})"
        )
    return t, keep  # (some target is ignore_index, out of the classes' range)


def _class_weight(name: str, weight: Any, classes: int, dtype: np.dtype) -> np.ndarray | None:
    """An optional per-class weight as an array of `dtype`; a ShapeError unless it has shape (classes,)."""
    if weight is None:
        return None
    w = weight.data if isinstance(weight, Tensor) else np.asarray(weight)
    if w.shape != (classes,):
        raise ShapeError(f"{name}: weight must have one entry per class, shape ({classes},), got {w.shape}")
    return w.astype(dtype, copy=False)


def cross_entropy(
    input: Tensor,
    target: Any,
    weight: Any = None,
    ignore_index: int = -100,
    reduction: str = "mean",
    label_smoothing: float = 0.0,
) -> Tensor:
    """Cross-entropy of raw scores (logits) against class indices or class probabilities.

    For class indices y (shape (N,) for input (N, C)): l_i = -w_{y_i} log softmax(x_i)_{y_i}, and
    'mean' divides the sum by sum_i w_{y_i} (by N without weights), skipping samples whose target is
    `ignore_index`. For probabilities q of the input's shape: l_i = -sum_c w_c q_ic log softmax(x_i)_c
    and 'mean' divides by N. `label_smoothing` e mixes the target with the uniform distribution:
    (1 - e) target + e / C. Logits of any size are fine (the softmax is shifted by its max).

    Example:
        >>> F.cross_entropy(tg.tensor([[0.0, 0.0]]), [1])      # -log(1/2)
        tensor(0.6931472, dtype=float32)
    """
    name = "cross_entropy"
    _check_reduction(name, reduction)
    if not 0.0 <= label_smoothing <= 1.0:
        raise ArgumentError(f"{name}: label_smoothing must be between 0.0 and 1.0, got {label_smoothing}")
    x = _operand_tensor(input)
    dtype = x.data.dtype
    scores, classes, sample_shape = _class_layout(name, x)
    t = target.data if isinstance(target, Tensor) else np.asarray(target)
    w = _class_weight(name, weight, classes, dtype)
    if t.shape == x.data.shape and t.dtype.kind == "f":
        # Probabilities: a_ic = w_c ((1 - e) q_ic + e / C); 'mean' divides by the number of samples.
        q = t.astype(dtype, copy=False)
        if x.data.ndim > 2:
            q = np.moveaxis(q, 1, -1)
        q = q.reshape(-1, classes)
        if _target_needs_grad(target):
            # The same coefficients as below, as Tensor ops, so the fused op's gradient for them reaches q.
            q_t = target.to(dtype)
            if x.data.ndim > 2:
                q_t = q_t.permute(0, *range(2, x.data.ndim), 1)
            coefficients = (1 - label_smoothing) * q_t.reshape(-1, classes) + label_smoothing / classes
            if w is not None:
                coefficients = coefficients * w
        else:
            coefficients = (1 - label_smoothing) * q + label_smoothing / classes
            if w is not None:
                coefficients *= w
        loss = loss_ops.SoftCrossEntropyLoss.apply(scores, coefficients, count=float(q.shape[0]), reduction=reduction)
        return _per_sample(loss, sample_shape, reduction)
    # Class indices. 'mean' divides by the summed class weights of the kept samples (their number
    # without weights); a sample whose target is ignore_index has weight 0.
    idx, keep = _class_targets(name, t, sample_shape, x.data.shape, classes, ignore_index)  # keep None: all kept
    safe = idx if keep is None else np.where(keep, idx, 0)
    if w is not None:
        sample_weight = w[safe] if keep is None else w[safe] * keep
    else:
        sample_weight = None if keep is None else keep.astype(dtype)
    count = float(idx.size if sample_weight is None else np.sum(sample_weight))
    if label_smoothing:
        # a_ic = w_c ((1 - e) [c == y_i] + e / C), a row of zeros for an ignored sample
        coefficients = np.full((idx.size, classes), label_smoothing / classes, dtype=dtype)
        coefficients[np.arange(idx.size), safe] += 1 - label_smoothing
        if w is not None:
            coefficients *= w
        if keep is not None:
            coefficients *= keep[:, np.newaxis]
        loss = loss_ops.SoftCrossEntropyLoss.apply(scores, coefficients, count=count, reduction=reduction)
    else:
        loss = loss_ops.CrossEntropyLoss.apply(
            scores, target=safe, sample_weight=sample_weight, count=count, reduction=reduction
        )
    return _per_sample(loss, sample_shape, reduction)


def nll_loss(
    input: Tensor, target: Any, weight: Any = None, ignore_index: int = -100, reduction: str = "mean"
) -> Tensor:
    """Negative log-likelihood of log-probabilities x at class indices y: l_i = -w_{y_i} x_{i, y_i}.

    Use it after `log_softmax` (cross_entropy does both at once). 'mean' divides by the summed
    weights of the kept samples' targets; samples whose target is `ignore_index` are skipped.

    Example:
        >>> F.nll_loss(tg.tensor([[-1.0, -2.0]]), [1])
        tensor(2., dtype=float32)
    """
    name = "nll_loss"
    _check_reduction(name, reduction)
    x = _operand_tensor(input)
    scores, classes, sample_shape = _class_layout(name, x)
    t = target.data if isinstance(target, Tensor) else np.asarray(target)
    idx, keep = _class_targets(name, t, sample_shape, x.data.shape, classes, ignore_index)
    w = _class_weight(name, weight, classes, x.data.dtype)
    if keep is None:
        keep = np.ones(idx.size, dtype=bool)
    safe = np.where(keep, idx, 0)
    sample_weight = (np.ones(idx.size, dtype=x.data.dtype) if w is None else w[safe]) * keep
    count = float(np.sum(sample_weight))
    loss = loss_ops.NLLLoss.apply(scores, target=safe, sample_weight=sample_weight, count=count, reduction=reduction)
    return _per_sample(loss, sample_shape, reduction)


def _check_layer_dtypes(name: str, input: Any, **others: Any) -> None:
    """PyTorch's convolution, normalisation and prelu kernels take no mix of dtypes (a float64 input to a float32
    layer is a RuntimeError there, not a promotion): each of `others` given (weight, bias, running statistics)
    must have the input's dtype."""
    dtype = np.dtype(input.dtype)
    for what, other in others.items():
        if other is not None and np.dtype(other.dtype) != dtype:
            raise DtypeError(
                f"{name}: the input is {dtype} but the {what} is {np.dtype(other.dtype)} (PyTorch does not mix "
                f"them here); convert the layer with .to({dtype}) or the input with .to({np.dtype(other.dtype)})"
            )


# ---- re-exported from the layer files (see the note under REDUCTIONS) ---------------------------------------
from tinygrad_edu.nn.activation_extra import (  # noqa: E402  (they import this module)
    celu,
    elu,
    gelu,
    hardsigmoid,
    hardswish,
    hardtanh,
    logsigmoid,
    mish,
    prelu,
    relu6,
    selu,
    silu,
    softmin,
    softsign,
    threshold,
)
from tinygrad_edu.nn.conv import (  # noqa: E402
    avg_pool1d,
    avg_pool2d,
    avg_pool3d,
    conv1d,
    conv2d,
    conv3d,
    max_pool1d,
    max_pool2d,
    max_pool3d,
)
from tinygrad_edu.nn.dropout import dropout, dropout1d, dropout2d  # noqa: E402
from tinygrad_edu.nn.loss_composite import (  # noqa: E402
    cosine_embedding_loss,
    gaussian_nll_loss,
    huber_loss,
    kl_div,
    margin_ranking_loss,
    multilabel_soft_margin_loss,
    poisson_nll_loss,
    smooth_l1_loss,
)
from tinygrad_edu.nn.normalization import batch_norm, group_norm, layer_norm  # noqa: E402
from tinygrad_edu.nn.sparse import embedding  # noqa: E402

__all__ += [
    "gelu",
    "silu",
    "elu",
    "celu",
    "selu",
    "softsign",
    "hardtanh",
    "relu6",
    "hardsigmoid",
    "hardswish",
    "mish",
    "logsigmoid",
    "softmin",
    "threshold",
    "prelu",
    "dropout",
    "dropout1d",
    "dropout2d",
    "layer_norm",
    "batch_norm",
    "embedding",
    "group_norm",
    "conv1d",
    "conv2d",
    "max_pool1d",
    "max_pool2d",
    "avg_pool1d",
    "avg_pool2d",
    "adaptive_avg_pool2d",
]
from tinygrad_edu.nn.padding import one_hot, pad  # noqa: E402

__all__ += ["pad", "one_hot"]
from tinygrad_edu.nn.adaptive_pool import (  # noqa: E402
    adaptive_avg_pool1d,
    adaptive_avg_pool2d,
    adaptive_avg_pool3d,
    adaptive_max_pool1d,
    adaptive_max_pool2d,
    adaptive_max_pool3d,
)
from tinygrad_edu.nn.attention import scaled_dot_product_attention  # noqa: E402
from tinygrad_edu.nn.conv_transpose import conv_transpose1d, conv_transpose2d, conv_transpose3d  # noqa: E402
from tinygrad_edu.nn.upsample import interpolate, upsample  # noqa: E402

__all__ += ["conv_transpose1d", "conv_transpose2d", "interpolate", "upsample", "scaled_dot_product_attention"]
__all__ += ["adaptive_avg_pool1d", "adaptive_max_pool1d", "adaptive_max_pool2d"]
__all__ += ["conv3d", "conv_transpose3d", "max_pool3d", "avg_pool3d", "adaptive_avg_pool3d", "adaptive_max_pool3d"]
__all__ += [
    "smooth_l1_loss",
    "huber_loss",
    "kl_div",
    "margin_ranking_loss",
    "cosine_embedding_loss",
    "multilabel_soft_margin_loss",
    "gaussian_nll_loss",
    "poisson_nll_loss",
]
from tinygrad_edu.nn.activation_more import (  # noqa: E402
    celu_,
    elu_,
    glu,
    gumbel_softmax,
    hardshrink,
    hardtanh_,
    leaky_relu_,
    relu_,
    rrelu,
    rrelu_,
    selu_,
    softshrink,
    tanhshrink,
    threshold_,
)
from tinygrad_edu.nn.distance import cosine_similarity, normalize, pairwise_distance, pdist  # noqa: E402
from tinygrad_edu.nn.normalization_extra import instance_norm, local_response_norm, rms_norm  # noqa: E402
from tinygrad_edu.nn.shuffle import channel_shuffle, pixel_shuffle, pixel_unshuffle  # noqa: E402

__all__ += ["normalize", "cosine_similarity", "pairwise_distance", "pdist"]
__all__ += ["glu", "softshrink", "hardshrink", "tanhshrink", "rrelu", "rrelu_", "gumbel_softmax"]
__all__ += ["relu_", "elu_", "leaky_relu_", "hardtanh_", "selu_", "celu_", "threshold_"]
__all__ += ["pixel_shuffle", "pixel_unshuffle", "channel_shuffle"]
__all__ += ["instance_norm", "rms_norm", "local_response_norm"]
from tinygrad_edu.nn.bilinear import bilinear  # noqa: E402
from tinygrad_edu.nn.dropout_extra import alpha_dropout, dropout3d, feature_alpha_dropout  # noqa: E402
from tinygrad_edu.nn.fold import fold, unfold  # noqa: E402
from tinygrad_edu.nn.loss_margin import (  # noqa: E402
    hinge_embedding_loss,
    multi_margin_loss,
    multilabel_margin_loss,
    soft_margin_loss,
    triplet_margin_loss,
    triplet_margin_with_distance_loss,
)
from tinygrad_edu.nn.pooling_extra import (  # noqa: E402
    lp_pool1d,
    lp_pool2d,
    max_pool1d_with_indices,
    max_pool2d_with_indices,
    max_unpool1d,
    max_unpool2d,
)

__all__ += ["unfold", "fold", "bilinear", "alpha_dropout", "feature_alpha_dropout", "dropout3d"]
__all__ += ["max_pool1d_with_indices", "max_pool2d_with_indices", "max_unpool1d", "max_unpool2d"]
__all__ += ["lp_pool1d", "lp_pool2d"]
__all__ += ["hinge_embedding_loss", "soft_margin_loss", "multi_margin_loss", "multilabel_margin_loss"]
__all__ += ["triplet_margin_loss", "triplet_margin_with_distance_loss"]
