"""nn.utils.fusion: fold an eval-mode BatchNorm into the convolution or linear layer before it, as torch's.

In eval mode BatchNorm is y = (x - mean) / sqrt(var + eps) * gamma + beta, an affine map per channel, so it can
be absorbed: W' = W * s (per output channel), b' = (b - mean) * s + beta, with s = gamma / sqrt(var + eps).
"""

from __future__ import annotations

import copy
from typing import Any, TypeVar

import numpy as np

from tinygrad_edu.nn.module import Module, Parameter
from tinygrad_edu.tensor import Tensor

__all__ = ["fuse_conv_bn_eval", "fuse_conv_bn_weights", "fuse_linear_bn_eval", "fuse_linear_bn_weights"]

M = TypeVar("M", bound=Module)


def _as_array(x: Any) -> np.ndarray:
    return x.data if isinstance(x, Tensor) else np.asarray(x)


def _array(x: Any, like: np.ndarray, fill: float) -> np.ndarray:
    """x's array, or (x None) an array of `fill` shaped like `like`."""
    return np.full_like(like, fill) if x is None else _as_array(x)


def _requires_grad(x: Any) -> bool:
    return x.requires_grad if isinstance(x, Tensor) else True


def fuse_conv_bn_weights(
    conv_w: Tensor,
    conv_b: Tensor | None,
    bn_rm: Tensor,
    bn_rv: Tensor,
    bn_eps: float,
    bn_w: Tensor | None,
    bn_b: Tensor | None,
    transpose: bool = False,
) -> tuple[Parameter, Parameter]:
    """The weight and bias of a convolution followed by an eval-mode BatchNorm, as one convolution's.

    Example:
        >>> w, b = nn.utils.fuse_conv_bn_weights(tg.ones(2, 1, 1), None, tg.zeros(2), tg.full((2,), 3.0), 1.0,
        ...                                      None, None)
        >>> w.flatten().tolist(), b.tolist()
        ([0.5, 0.5], [0.0, 0.0])
    """
    rm, rv = _as_array(bn_rm), _as_array(bn_rv)
    w = conv_w.data
    b = _array(conv_b, rm, 0.0)
    gamma, beta = _array(bn_w, rm, 1.0), _array(bn_b, rm, 0.0)
    inv_std = 1 / np.sqrt(rv + bn_eps)
    shape = ([1, -1] if transpose else [-1, 1]) + [1] * (w.ndim - 2)
    fused_w = (w * (gamma * inv_std).reshape(shape)).astype(w.dtype)
    fused_b = ((b - rm) * inv_std * gamma + beta).astype(b.dtype if conv_b is not None else w.dtype)
    return (
        Parameter(fused_w, requires_grad=conv_w.requires_grad),
        Parameter(fused_b, requires_grad=_requires_grad(conv_b)),
    )


def fuse_conv_bn_eval(conv: M, bn: Any, transpose: bool = False) -> M:
    """A copy of `conv` that computes conv then bn (both in eval mode) in one convolution.

    Example:
        >>> conv, bn = nn.Conv2d(1, 2, 3).eval(), nn.BatchNorm2d(2).eval()
        >>> fused = nn.utils.fuse_conv_bn_eval(conv, bn)
        >>> x = tg.randn(1, 1, 5, 5)
        >>> bool((fused(x) - bn(conv(x))).abs().max() < 1e-5)
        True
    """
    if conv.training or bn.training:
        raise AssertionError("Fusion only for eval!")
    fused: Any = copy.deepcopy(conv)
    if bn.running_mean is None or bn.running_var is None:
        raise AssertionError("bn.running_mean and bn.running_var must be set")
    weight, bias = fuse_conv_bn_weights(
        fused.weight, fused.bias, bn.running_mean, bn.running_var, bn.eps, bn.weight, bn.bias, transpose
    )
    fused.weight, fused.bias = weight, bias
    return fused


def fuse_linear_bn_weights(
    linear_w: Tensor,
    linear_b: Tensor | None,
    bn_rm: Tensor,
    bn_rv: Tensor,
    bn_eps: float,
    bn_w: Tensor | None,
    bn_b: Tensor | None,
) -> tuple[Parameter, Parameter]:
    """The weight and bias of a linear layer followed by an eval-mode BatchNorm, as one linear layer's.

    Example:
        >>> w, b = nn.utils.fuse_linear_bn_weights(tg.ones(2, 3), tg.ones(2), tg.zeros(2), tg.full((2,), 3.0), 1.0,
        ...                                        None, None)
        >>> w[0].tolist(), b.tolist()
        ([0.5, 0.5, 0.5], [0.5, 0.5])
    """
    rm, rv = _as_array(bn_rm), _as_array(bn_rv)
    b = _array(linear_b, rm, 0.0)
    scale = _array(bn_w, rm, 1.0) / np.sqrt(rv + bn_eps)
    fused_w = linear_w.data * scale[..., None]
    fused_b = (b - rm) * scale + _array(bn_b, rm, 0.0)
    return (
        Parameter(fused_w.astype(linear_w.data.dtype), requires_grad=linear_w.requires_grad),
        Parameter(fused_b.astype(linear_w.data.dtype), requires_grad=_requires_grad(linear_b)),
    )


def fuse_linear_bn_eval(linear: M, bn: Any) -> M:
    """A copy of `linear` that computes linear then bn (both in eval mode) in one linear layer.

    Example:
        >>> lin, bn = nn.Linear(3, 2).eval(), nn.BatchNorm1d(2).eval()
        >>> fused = nn.utils.fuse_linear_bn_eval(lin, bn)
        >>> x = tg.randn(4, 3)
        >>> bool((fused(x) - bn(lin(x))).abs().max() < 1e-5)
        True
    """
    if linear.training or bn.training:
        raise AssertionError("Fusion only for eval!")
    if not (getattr(linear, "out_features", None) == bn.num_features or bn.num_features == 1):
        raise AssertionError("To fuse, linear.out_features must equal bn.num_features or bn.num_features must equal 1")
    if bn.running_mean is None or bn.running_var is None:
        raise AssertionError("bn.running_mean and bn.running_var must be set")
    fused: Any = copy.deepcopy(linear)
    weight, bias = fuse_linear_bn_weights(
        fused.weight, fused.bias, bn.running_mean, bn.running_var, bn.eps, bn.weight, bn.bias
    )
    fused.weight, fused.bias = weight, bias
    return fused
