"""nn.utils: gradient clipping, and parameters as one flat vector, as torch.nn.utils.

Clipping works on the gradients in place, after `backward()` and before `optimizer.step()`. `nn.utils.rnn`
(padded and packed batches of sequences for the recurrent layers) is the module rnn_utils.py.
The rest lives in files of its own, exported at the end: utils_norms.py (get_total_norm, the old weight_norm and
spectral_norm), parametrize.py and parametrizations.py (`nn.utils.parametrize[ations]`), stateless.py, fusion.py.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from tinygrad_edu.functional import cat
from tinygrad_edu.nn import rnn_utils as rnn  # nn.utils.rnn, as torch.nn.utils.rnn: padding and packing
from tinygrad_edu.tensor import Tensor

__all__ = ["rnn", "clip_grad_norm_", "clip_grad_value_", "parameters_to_vector", "vector_to_parameters"]

Parameters = Tensor | Iterable[Tensor]


def _as_list(parameters: Parameters) -> list[Tensor]:
    return [parameters] if isinstance(parameters, Tensor) else list(parameters)


def clip_grad_norm_(
    parameters: Parameters,
    max_norm: float,
    norm_type: float | str = 2.0,
    error_if_nonfinite: bool = False,
    foreach: bool | None = None,
) -> Tensor:
    """Scale all gradients together so that their joint norm is at most max_norm; returns the norm before.

    The joint norm is that of all gradients concatenated into one vector: (sum |g|^p)^(1/p), or max |g|
    for norm_type inf. Every gradient is multiplied by min(1, max_norm / (norm + 1e-6)), in place.
    A nan or inf norm raises with error_if_nonfinite=True (else the gradients are scaled by it, as
    PyTorch). `foreach` is accepted for PyTorch's signature and ignored.

    Example:
        >>> loss.backward()
        >>> total = nn.utils.clip_grad_norm_(net.parameters(), max_norm=0.01)   # the norm before clipping
        >>> after = sum((p.grad ** 2).sum() for p in net.parameters()).sqrt()
        >>> bool(total > 0.01), bool(abs(after.item() - 0.01) < 1e-6)
        (True, True)
        >>> opt.step()
    """
    # as PyTorch's: the total norm of the gradients (utils_norms.get_total_norm), then clipping by it
    params = _as_list(parameters)
    total = _utils_norms.get_total_norm([p.grad for p in params if p.grad is not None], norm_type, error_if_nonfinite)
    _utils_norms.clip_grads_with_norm_(params, max_norm, total)
    return total


def clip_grad_value_(parameters: Parameters, clip_value: float, foreach: bool | None = None) -> None:
    """Clamp every gradient element into [-clip_value, clip_value], in place.

    Example:
        >>> nn.utils.clip_grad_value_(net.parameters(), clip_value=0.5)
    """
    clip_value = float(clip_value)
    for p in _as_list(parameters):
        if p.grad is not None:
            np.clip(p.grad.data, -clip_value, clip_value, out=p.grad.data)


def parameters_to_vector(parameters: Iterable[Tensor]) -> Tensor:
    """All parameters flattened and joined into one vector (a tensor in the graph, as PyTorch's).

    Example:
        >>> nn.utils.parameters_to_vector(nn.Linear(3, 2).parameters()).shape
        (8,)
    """
    return cat([p.reshape(-1) for p in parameters])


def vector_to_parameters(vec: Tensor, parameters: Iterable[Tensor]) -> None:
    """Copy consecutive slices of `vec` into the parameters (the inverse of parameters_to_vector).

    The values are copied into each parameter's own array (cast to its dtype), so an optimizer holding
    the parameter keeps working; PyTorch instead makes each parameter a view into vec.

    Example:
        >>> nn.utils.vector_to_parameters(tg.zeros(17), net.parameters())   # 2x4 + 4 + 4x1 + 1 numbers
        >>> float(net.fc1.weight.abs().sum())
        0.0
    """
    if not isinstance(vec, Tensor):
        raise TypeError(f"expected Tensor, but got: {type(vec).__name__}")
    params = list(parameters)
    needed = sum(p.data.size for p in params)
    if vec.ndim != 1 or vec.shape[0] != needed:
        raise ValueError(
            f"vector_to_parameters: the parameters hold {needed} numbers, got a vector of shape {vec.shape}"
        )
    start = 0
    for p in params:
        n = p.data.size
        p.data[...] = vec.data[start : start + n].reshape(p.data.shape)
        start += n


# Appended: norms, clipping by a given norm, the old hook-based weight_norm and spectral_norm (utils_norms.py),
# and the parametrization API (parametrize.py, parametrizations.py), each in its own file.
from tinygrad_edu.nn import utils_norms as _utils_norms  # noqa: E402
from tinygrad_edu.nn.utils_norms import *  # noqa: E402, F403  (get_total_norm, weight_norm, ...: its __all__)

__all__ += _utils_norms.__all__

from tinygrad_edu.nn import parametrizations, parametrize  # noqa: E402  # nn.utils.parametrize[ations]

__all__ += ["parametrize", "parametrizations"]
from tinygrad_edu.nn import stateless  # noqa: E402  # nn.utils.stateless.functional_call

__all__ += ["stateless"]
from tinygrad_edu.nn.fusion import (  # noqa: E402  # fold an eval-mode BatchNorm into the layer before it
    fuse_conv_bn_eval,
    fuse_conv_bn_weights,
    fuse_linear_bn_eval,
    fuse_linear_bn_weights,
)

__all__ += ["fuse_conv_bn_eval", "fuse_conv_bn_weights", "fuse_linear_bn_eval", "fuse_linear_bn_weights"]
