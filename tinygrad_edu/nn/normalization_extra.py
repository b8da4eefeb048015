"""More normalisations: instance norm (each sample's channel on its own), RMS norm (scale only, no centring) and
local response norm (AlexNet's division by the activity of neighbouring channels), as functions (re-exported by
nn.functional) beside their modules InstanceNorm1d/2d/3d, RMSNorm and LocalResponseNorm.

All are Tensor-op compositions, so gradients and second derivatives come from the ops.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from tinygrad_edu.autograd import no_grad
from tinygrad_edu.dtypes import dtype_or_default
from tinygrad_edu.errors import ShapeError
from tinygrad_edu.nn.module import Module, Parameter
from tinygrad_edu.nn.normalization import _NormBase
from tinygrad_edu.nn.padding import pad
from tinygrad_edu.tensor import Tensor, _operand_tensor

__all__ = [
    "instance_norm",
    "rms_norm",
    "local_response_norm",
    "InstanceNorm1d",
    "InstanceNorm2d",
    "InstanceNorm3d",
    "RMSNorm",
    "LocalResponseNorm",
]


def instance_norm(
    input: Any,
    running_mean: Tensor | None = None,
    running_var: Tensor | None = None,
    weight: Tensor | None = None,
    bias: Tensor | None = None,
    use_input_stats: bool = True,
    momentum: float = 0.1,
    eps: float = 1e-5,
) -> Tensor:
    """Normalise each channel of each sample of an (N, C, *) input over its own spatial positions, then
    y * weight + bias per channel, as `torch.nn.functional.instance_norm`.

    With use_input_stats=True and running statistics given, these are updated in place with the batch's
    average of the per-instance means and unbiased variances; with use_input_stats=False they normalise.

    Example:
        >>> y = F.instance_norm(tg.tensor([[[1.0, 3.0]]]))
        >>> y.round(decimals=3)
        tensor([[[-1.,  1.]]], dtype=float32)
    """
    x = _operand_tensor(input)
    if x.ndim < 3:
        raise ShapeError(f"instance_norm: expected an input of shape (N, C, *) with spatial dims, got {x.shape}")
    dims = tuple(range(2, x.ndim))
    channel_shape = (1, x.shape[1]) + (1,) * (x.ndim - 2)
    if use_input_stats:
        count = int(np.prod(x.shape[2:]))
        if count <= 1:
            raise ValueError(f"Expected more than 1 spatial element when training, got input size {list(x.shape)}")
        mean = x.mean(dims, keepdim=True)
        centred = x - mean
        var = (centred * centred).mean(dims, keepdim=True)
        y = centred / (var + eps).sqrt()
        if running_mean is not None and running_var is not None:
            with no_grad():
                batch_mean = mean.data.reshape(x.shape[:2]).mean(0)
                unbiased = var.data.reshape(x.shape[:2]).mean(0) * (count / (count - 1))
                running_mean.data *= 1 - momentum
                running_mean.data += (momentum * batch_mean).astype(running_mean.dtype)
                running_var.data *= 1 - momentum
                running_var.data += (momentum * unbiased).astype(running_var.dtype)
    else:
        if running_mean is None or running_var is None:
            raise ValueError("Expected running_mean and running_var to be defined when use_input_stats is false")
        y = (x - running_mean.reshape(channel_shape)) / (running_var.reshape(channel_shape) + eps).sqrt()
    if weight is not None:
        y = y * weight.reshape(channel_shape)
    if bias is not None:
        y = y + bias.reshape(channel_shape)
    return y


def rms_norm(
    input: Any, normalized_shape: int | Sequence[int], weight: Tensor | None = None, eps: float | None = None
) -> Tensor:
    """x / sqrt(mean(x^2) + eps) over the last len(normalized_shape) dims, times weight; eps=None is the
    machine epsilon of x's dtype, as `torch.nn.functional.rms_norm`.

    Example:
        >>> F.rms_norm(tg.tensor([[3.0, 4.0]]), (2,), eps=0.0) * (12.5 ** 0.5)
        tensor([[3., 4.]], dtype=float32)
    """
    x = _operand_tensor(input)
    shape = (normalized_shape,) if isinstance(normalized_shape, int) else tuple(normalized_shape)
    if tuple(x.shape[x.ndim - len(shape) :]) != shape or len(shape) > x.ndim:
        raise ShapeError(
            f"rms_norm: normalized_shape {list(shape)} must be the last dims of the input, "
            f"got input of shape {tuple(x.shape)}"
        )
    if eps is None:
        eps = float(np.finfo(x.dtype).eps)
    dims = tuple(range(x.ndim - len(shape), x.ndim))
    y = x * ((x * x).mean(dims, keepdim=True) + eps).rsqrt()
    return y if weight is None else y * weight


def local_response_norm(input: Any, size: int, alpha: float = 1e-4, beta: float = 0.75, k: float = 1.0) -> Tensor:
    """x / (k + alpha * mean of x^2 over `size` neighbouring channels)^beta, the window centred on each channel
    (zero-padded at the ends), as `torch.nn.functional.local_response_norm`.

    Example:
        >>> F.local_response_norm(tg.ones(1, 3, 1), size=2, alpha=1.0, beta=1.0, k=0.0).flatten()  # 1 / mean(0, 1)
        tensor([2., 1., 1.], dtype=float32)
    """
    x = _operand_tensor(input)
    if x.ndim < 3:
        raise ValueError(f"Expected 3D or higher dimensionality input (got {x.ndim} dimensions)")
    if x.numel() == 0:
        return x
    squared = x * x
    before, after = size // 2, (size - 1) // 2
    widths = [0, 0] * (x.ndim - 2) + [before, after]  # (F.pad lists the last dim first: dim 1 comes last)
    padded = pad(squared, widths)
    window = padded.narrow(1, 0, x.shape[1])
    for shift in range(1, size):
        window = window + padded.narrow(1, shift, x.shape[1])
    return x / (window * (alpha / size) + k) ** beta


# ---- the modules -----------------------------------------------------------------------------------------


class _InstanceNorm(_NormBase):
    """What InstanceNorm1d/2d/3d share; they differ in the number of spatial dims."""

    spatial = 1

    def __init__(
        self,
        num_features: int,
        eps: float = 1e-5,
        momentum: float | None = 0.1,
        affine: bool = False,
        track_running_stats: bool = False,
        device: Any = None,
        dtype: Any = None,
        *,
        bias: bool = True,
    ) -> None:
        super().__init__(num_features, eps, momentum, affine, track_running_stats, dtype, bias)

    def forward(self, input: Any) -> Tensor:
        x = _operand_tensor(input)
        if x.ndim not in (self.spatial + 1, self.spatial + 2):
            raise ValueError(f"expected {self.spatial + 1}D or {self.spatial + 2}D input (got {x.ndim}D input)")
        channel_dim = x.ndim - self.spatial - 1
        if self.affine and x.shape[channel_dim] != self.num_features:
            raise ValueError(
                f"expected input's size at dim={channel_dim} to match num_features ({self.num_features}), "
                f"but got: {x.shape[channel_dim]}."
            )
        unbatched = x.ndim == self.spatial + 1
        y = instance_norm(
            x.unsqueeze(0) if unbatched else x,
            self.running_mean,
            self.running_var,
            self.weight,
            self.bias,
            self.training or not self.track_running_stats,
            self.momentum if self.momentum is not None else 0.0,
            self.eps,
        )
        return y.squeeze(0) if unbatched else y

    def extra_repr(self) -> str:
        return (
            f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, affine={self.affine}, "
            f"bias={self.bias is not None}, track_running_stats={self.track_running_stats}"
        )


class InstanceNorm1d(_InstanceNorm):
    """Instance normalisation of (N, C, L) or (C, L) inputs: each sample's channel over its length.

    Example:
        >>> norm = nn.InstanceNorm1d(3, affine=True)
        >>> [name for name, _ in norm.named_parameters()]
        ['weight', 'bias']
    """


class InstanceNorm2d(_InstanceNorm):
    """Instance normalisation of (N, C, H, W) or (C, H, W) inputs. Example: `nn.InstanceNorm2d(16)(x)`."""

    spatial = 2


class InstanceNorm3d(_InstanceNorm):
    """Instance normalisation of (N, C, D, H, W) or (C, D, H, W) inputs. Example: `nn.InstanceNorm3d(8)(x)`."""

    spatial = 3


class RMSNorm(Module):
    """Root-mean-square normalisation over the last dims, with a learned elementwise weight (ones). See `F.rms_norm`.

    Example:
        >>> nn.RMSNorm(4)
        RMSNorm((4,), eps=None, elementwise_affine=True)
    """

    weight: Parameter | None

    def __init__(
        self,
        normalized_shape: int | Sequence[int],
        eps: float | None = None,
        elementwise_affine: bool = True,
        device: Any = None,
        dtype: Any = None,
    ) -> None:
        super().__init__()
        shape = (normalized_shape,) if isinstance(normalized_shape, int) else tuple(normalized_shape)
        self.normalized_shape = shape
        self.eps = eps
        self.elementwise_affine = elementwise_affine
        dt = dtype_or_default(dtype)
        self.register_parameter("weight", Parameter(np.ones(shape, dtype=dt)) if elementwise_affine else None)

    def reset_parameters(self) -> None:
        if self.weight is not None:
            self.weight.data[...] = 1

    def forward(self, x: Tensor) -> Tensor:
        return rms_norm(x, self.normalized_shape, self.weight, self.eps)

    def extra_repr(self) -> str:
        return f"{self.normalized_shape}, eps={self.eps}, elementwise_affine={self.elementwise_affine}"


class LocalResponseNorm(Module):
    """Divide each channel by the activity of its `size` neighbours. See `F.local_response_norm`.

    Example:
        >>> nn.LocalResponseNorm(2)
        LocalResponseNorm(2, alpha=0.0001, beta=0.75, k=1.0)
    """

    def __init__(self, size: int, alpha: float = 1e-4, beta: float = 0.75, k: float = 1.0) -> None:
        super().__init__()
        self.size = size
        self.alpha = alpha
        self.beta = beta
        self.k = k

    def forward(self, input: Tensor) -> Tensor:
        return local_response_norm(input, self.size, self.alpha, self.beta, self.k)

    def extra_repr(self) -> str:
        return f"{self.size}, alpha={self.alpha}, beta={self.beta}, k={self.k}"
