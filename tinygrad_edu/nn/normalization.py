"""LayerNorm, GroupNorm and BatchNorm1d/2d/3d: normalise to mean 0 and variance 1, then scale and shift, as torch.nn.

All are composed of differentiable Tensor ops (mean, subtraction, square, sqrt, division), so their
gradients, through the batch statistics too, come from autograd:

    y = (x - mean) / sqrt(var + eps) * weight + bias       (var: the biased variance, divided by n)

LayerNorm takes the statistics over each sample's last dimensions; BatchNorm over the batch (and the
length or the pixels) for each channel. BatchNorm keeps running statistics, PyTorch's buffers
`running_mean`, `running_var` (updated with the unbiased variance, n / (n - 1) times the batch's) and
`num_batches_tracked`, and uses them in eval mode. The functions are re-exported by nn.functional.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from tinygrad_edu.autograd import no_grad
from tinygrad_edu.dtypes import dtype_or_default
from tinygrad_edu.errors import ShapeError
from tinygrad_edu.nn import functional as F
from tinygrad_edu.nn.module import Module, Parameter
from tinygrad_edu.tensor import Tensor, _operand_tensor

__all__ = [
    "layer_norm",
    "batch_norm",
    "group_norm",
    "LayerNorm",
    "GroupNorm",
    "BatchNorm1d",
    "BatchNorm2d",
    "BatchNorm3d",
]


def layer_norm(
    input: Tensor,
    normalized_shape: Sequence[int],
    weight: Tensor | None = None,
    bias: Tensor | None = None,
    eps: float = 1e-5,
) -> Tensor:
    """Normalise over the last len(normalized_shape) dimensions of each sample, then weight * y + bias.

    Example:
        >>> y = F.layer_norm(tg.randn(2, 5), (5,))
        >>> bool(y.mean(-1).abs().max() < 1e-6), bool((y.var(-1, unbiased=False) - 1).abs().max() < 1e-4)
        (True, True)
    """
    x = _operand_tensor(input)
    shape = tuple(normalized_shape)
    if x.data.shape[x.ndim - len(shape) :] != shape or x.ndim < len(shape):
        raise ShapeError(
            f"layer_norm: given normalized_shape={list(shape)}, expected input with shape "
            f"[*, {', '.join(map(str, shape))}], but got input of size {list(x.data.shape)}"
        )
    F._check_layer_dtypes("layer_norm", x, weight=weight, bias=bias)
    dims = tuple(range(x.ndim - len(shape), x.ndim))
    mean = x.mean(dims, keepdim=True)
    centred = x - mean
    var = (centred * centred).mean(dims, keepdim=True)
    y = centred / (var + eps).sqrt()
    if weight is not None:
        y = y * weight
    if bias is not None:
        y = y + bias
    return y


def batch_norm(
    input: Tensor,
    running_mean: Tensor | None,
    running_var: Tensor | None,
    weight: Tensor | None = None,
    bias: Tensor | None = None,
    training: bool = False,
    momentum: float = 0.1,
    eps: float = 1e-5,
) -> Tensor:
    """Normalise each channel (dimension 1) of an (N, C, *) input by batch statistics (training) or running ones.

    In training the running statistics, if given, are updated in place:
    running = (1 - momentum) running + momentum batch, with the batch's unbiased variance.

    Example:
        >>> y = F.batch_norm(x, None, None, training=True)     # each channel of y: mean 0, variance 1
    """
    x = _operand_tensor(input)
    if x.ndim < 2:
        raise ShapeError(f"batch_norm: expected an input of shape (N, C, *), got {x.data.shape}")
    F._check_layer_dtypes("batch_norm", x, weight=weight, bias=bias, running_mean=running_mean, running_var=running_var)
    dims = (0,) + tuple(range(2, x.ndim))
    channel_shape = (1, x.data.shape[1]) + (1,) * (x.ndim - 2)
    if training:
        n = x.data.size // x.data.shape[1]
        if n <= 1:
            raise ValueError(
                f"Expected more than 1 value per channel when training, got input size {list(x.data.shape)}"
            )
        mean = x.mean(dims, keepdim=True)
        centred = x - mean
        var = (centred * centred).mean(dims, keepdim=True)
        y = centred / (var + eps).sqrt()
        if running_mean is not None and running_var is not None:
            with no_grad():
                batch_mean = mean.data.reshape(-1)
                unbiased = var.data.reshape(-1) * (n / (n - 1))
                running_mean.data *= 1 - momentum
                running_mean.data += momentum * batch_mean
                running_var.data *= 1 - momentum
                running_var.data += momentum * unbiased
    else:
        if running_mean is None or running_var is None:
            raise ValueError("batch_norm: eval mode needs running_mean and running_var (or training=True)")
        running = running_mean.data.reshape(channel_shape)
        y = (x - running) / np.sqrt(running_var.data.reshape(channel_shape) + eps).astype(x.data.dtype)
    if weight is not None:
        y = y * weight.reshape(channel_shape)
    if bias is not None:
        y = y + bias.reshape(channel_shape)
    return y


class LayerNorm(Module):
    """Layer normalisation (Ba et al., 2016) over the last dimensions, with a learned elementwise weight and bias.

    Parameters `weight` (ones) and `bias` (zeros) of shape normalized_shape, if elementwise_affine.

    Example:
        >>> ln = nn.LayerNorm(16)
        >>> ln(tg.randn(4, 10, 16)).shape
        (4, 10, 16)
    """

    # Registered in __init__ through register_parameter (None when absent); declared here for type checkers.
    weight: Parameter | None
    bias: Parameter | None

    def __init__(
        self,
        normalized_shape: int | Sequence[int],
        eps: float = 1e-5,
        elementwise_affine: bool = True,
        bias: bool = True,
        device: Any = None,
        dtype: Any = None,
    ) -> None:
        super().__init__()
        shape = (normalized_shape,) if isinstance(normalized_shape, int) else tuple(normalized_shape)
        self.normalized_shape = shape
        self.eps = eps
        self.elementwise_affine = elementwise_affine
        dt = dtype_or_default(dtype)
        # None registers an absent parameter (as PyTorch), so a LayerNorm without bias has no 'bias' key
        self.register_parameter("weight", Parameter(np.ones(shape, dtype=dt)) if elementwise_affine else None)
        self.register_parameter("bias", Parameter(np.zeros(shape, dtype=dt)) if elementwise_affine and bias else None)

    def forward(self, input: Tensor) -> Tensor:
        return layer_norm(input, self.normalized_shape, self.weight, self.bias, self.eps)

    def extra_repr(self) -> str:
        return f"{self.normalized_shape}, eps={self.eps}, elementwise_affine={self.elementwise_affine}"


def group_norm(
    input: Tensor, num_groups: int, weight: Tensor | None = None, bias: Tensor | None = None, eps: float = 1e-5
) -> Tensor:
    """Normalise each sample over groups of channels (and all positions), then a per-channel weight * y + bias.

    Example:
        >>> F.group_norm(tg.randn(2, 4, 3, 3), 2).shape
        (2, 4, 3, 3)
    """
    x = _operand_tensor(input)
    if x.ndim < 2 or x.data.shape[1] % num_groups:
        raise ShapeError(
            f"group_norm: expected an input (N, C, *) with C divisible by num_groups={num_groups}, "
            f"got shape {list(x.data.shape)}"
        )
    F._check_layer_dtypes("group_norm", x, weight=weight, bias=bias)
    n, c = x.data.shape[:2]
    if n * c // num_groups * int(np.prod(x.data.shape[2:])) == 1:
        # (PyTorch's check, as batch_norm's in training: one value per group normalises to 0 whatever it is)
        raise ValueError(
            f"group_norm: expected more than 1 value per group, got input of shape {list(x.data.shape)} "
            f"with num_groups={num_groups}"
        )
    grouped = x.reshape(n, num_groups, -1)  # each group's channels and positions: the values that share a mean
    mean = grouped.mean(-1, keepdim=True)
    centred = grouped - mean
    var = (centred * centred).mean(-1, keepdim=True)
    y = (centred / (var + eps).sqrt()).reshape(x.data.shape)
    per_channel = (c,) + (1,) * (x.ndim - 2)  # weight and bias (C,) broadcast over the positions
    if weight is not None:
        y = y * weight.reshape(per_channel)
    if bias is not None:
        y = y + bias.reshape(per_channel)
    return y


class GroupNorm(Module):
    """Group normalisation (Wu and He, 2018): nn.GroupNorm(num_groups, num_channels), weight ones, bias zeros.

    Example:
        >>> nn.GroupNorm(2, 4)(tg.randn(2, 4, 5)).shape
        (2, 4, 5)
    """

    weight: Parameter | None
    bias: Parameter | None

    def __init__(
        self,
        num_groups: int,
        num_channels: int,
        eps: float = 1e-5,
        affine: bool = True,
        device: Any = None,
        dtype: Any = None,
    ) -> None:
        super().__init__()
        if num_channels % num_groups:
            raise ValueError(f"GroupNorm: num_channels ({num_channels}) must be divisible by num_groups ({num_groups})")
        self.num_groups, self.num_channels, self.eps, self.affine = num_groups, num_channels, eps, affine
        dt = dtype_or_default(dtype)
        self.register_parameter("weight", Parameter(np.ones(num_channels, dtype=dt)) if affine else None)
        self.register_parameter("bias", Parameter(np.zeros(num_channels, dtype=dt)) if affine else None)

    def forward(self, input: Tensor) -> Tensor:
        return group_norm(input, self.num_groups, self.weight, self.bias, self.eps)

    def extra_repr(self) -> str:
        return f"{self.num_groups}, {self.num_channels}, eps={self.eps}, affine={self.affine}"


class _NormBase(Module):
    """What the batch and instance norms share, as PyTorch's _NormBase: num_features, eps, momentum, the affine
    weight (ones) and bias (zeros), and the running statistics with their counter."""

    # Registered in __init__ (None when affine=False or track_running_stats=False); declared here for type checkers.
    weight: Parameter | None
    bias: Parameter | None
    running_mean: Tensor | None
    running_var: Tensor | None
    num_batches_tracked: Tensor | None

    def __init__(
        self,
        num_features: int,
        eps: float,
        momentum: float | None,
        affine: bool,
        track_running_stats: bool,
        dtype: Any,
        bias: bool = True,
    ) -> None:
        super().__init__()
        self.num_features = num_features
        self.eps = eps
        self.momentum = momentum
        self.affine = affine
        self.track_running_stats = track_running_stats
        dt = dtype_or_default(dtype)
        self.register_parameter("weight", Parameter(np.ones(num_features, dtype=dt)) if affine else None)
        self.register_parameter("bias", Parameter(np.zeros(num_features, dtype=dt)) if affine and bias else None)
        if track_running_stats:
            self.register_buffer("running_mean", Tensor._from_op(np.zeros(num_features, dtype=dt), None))
            self.register_buffer("running_var", Tensor._from_op(np.ones(num_features, dtype=dt), None))
            self.register_buffer("num_batches_tracked", Tensor._from_op(np.array(0, dtype=np.int64), None))
        else:
            self.register_buffer("running_mean", None)
            self.register_buffer("running_var", None)
            self.register_buffer("num_batches_tracked", None)

    def reset_running_stats(self) -> None:
        if self.track_running_stats:
            for buffer, value in ((self.running_mean, 0), (self.running_var, 1), (self.num_batches_tracked, 0)):
                if buffer is not None:  # None only if track_running_stats was switched on after __init__
                    buffer.data[...] = value

    def reset_parameters(self) -> None:
        self.reset_running_stats()
        if self.weight is not None:
            self.weight.data[...] = 1
        if self.bias is not None:
            self.bias.data[...] = 0


class _BatchNorm(_NormBase):
    """What BatchNorm1d and BatchNorm2d share; they differ only in the input shapes they accept."""

    _dims: tuple[int, ...] = ()

    def __init__(
        self,
        num_features: int,
        eps: float = 1e-5,
        momentum: float | None = 0.1,
        affine: bool = True,
        track_running_stats: bool = True,
        device: Any = None,
        dtype: Any = None,
    ) -> None:
        super().__init__(num_features, eps, momentum, affine, track_running_stats, dtype)

    def forward(self, input: Tensor) -> Tensor:
        x = _operand_tensor(input)
        if x.ndim not in self._dims:
            raise ShapeError(
                f"{type(self).__name__}: expected {' or '.join(f'{d}D' for d in self._dims)} input "
                f"(got {x.ndim}D input of shape {x.data.shape})"
            )
        # (with no weight and no running statistics nothing has num_features entries: PyTorch normalises the
        # channels the input has, and so do we)
        if x.data.shape[1] != self.num_features and (self.affine or self.track_running_stats):
            raise ShapeError(
                f"{type(self).__name__}({self.num_features}): the input of shape {x.data.shape} has "
                f"{x.data.shape[1]} channels in dimension 1"
            )
        use_batch_stats = self.training or not self.track_running_stats
        momentum = 0.0 if self.momentum is None else self.momentum
        if self.training and self.track_running_stats and self.num_batches_tracked is not None:  # as PyTorch
            self.num_batches_tracked.data += 1
            if self.momentum is None:  # a cumulative average of all batches so far
                momentum = 1.0 / float(self.num_batches_tracked.data)
        update = self.training and self.track_running_stats
        return batch_norm(
            x,
            self.running_mean if update or not use_batch_stats else None,
            self.running_var if update or not use_batch_stats else None,
            self.weight,
            self.bias,
            use_batch_stats,
            momentum,
            self.eps,
        )

    def extra_repr(self) -> str:
        return (
            f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, affine={self.affine}, "
            f"track_running_stats={self.track_running_stats}"
        )


class BatchNorm1d(_BatchNorm):
    """Batch normalisation (Ioffe and Szegedy, 2015) of (N, C) or (N, C, L) inputs, per channel C.

    In training: the batch's statistics, and the running ones updated (momentum 0.1; None for a cumulative
    average). In eval: the running statistics. track_running_stats=False always uses the batch's.

    Example:
        >>> bn = nn.BatchNorm1d(8)
        >>> list(bn.state_dict())
        ['weight', 'bias', 'running_mean', 'running_var', 'num_batches_tracked']
    """

    _dims = (2, 3)


class BatchNorm2d(_BatchNorm):
    """Batch normalisation of (N, C, H, W) inputs, per channel C (see BatchNorm1d). Example: `nn.BatchNorm2d(16)`."""

    _dims = (4,)


class BatchNorm3d(_BatchNorm):
    """Batch normalisation of (N, C, D, H, W) inputs, per channel C (see BatchNorm1d).

    Example:
        >>> nn.BatchNorm3d(4)(tg.randn(2, 4, 3, 5, 5)).shape
        (2, 4, 3, 5, 5)
    """

    _dims = (5,)
