"""nn.utils.parametrizations: weight_norm and spectral_norm written as parametrizations (nn.utils.parametrize).

The newer API of torch.nn.utils.parametrizations: the weight is recomputed at every read (or once per
`parametrize.cached()` block), and its originals live under `parametrizations.weight` in the state dict.
"""

from __future__ import annotations

from typing import TypeVar

import numpy as np

from tinygrad_edu.nn.conv_transpose import _ConvTransposeNd
from tinygrad_edu.nn.module import Module
from tinygrad_edu.nn.parametrize import register_parametrization
from tinygrad_edu.nn.utils_norms import _norm_except_dim, _normalize, _weight_from_g_v
from tinygrad_edu.tensor import Tensor, from_numpy

__all__ = ["weight_norm", "spectral_norm"]

M = TypeVar("M", bound=Module)


class _WeightNorm(Module):
    """w = g v / ||v|| from the originals (g, v); right_inverse splits a weight into its norms and itself."""

    def __init__(self, dim: int | None = 0) -> None:
        super().__init__()
        self.dim = -1 if dim is None else dim

    def forward(self, weight_g: Tensor, weight_v: Tensor) -> Tensor:
        return _weight_from_g_v(weight_v, weight_g, self.dim)

    def right_inverse(self, weight: Tensor) -> tuple[Tensor, Tensor]:
        return _norm_except_dim(weight, self.dim), weight


def weight_norm(module: M, name: str = "weight", dim: int | None = 0) -> M:
    """Reparametrise module.<name> as w = g v / ||v||, with g = original0 and v = original1, as PyTorch.

    The norm is over every dimension but `dim` (all of them for dim=None). PyTorch also loads a state dict
    saved with the old API's 'weight_g'/'weight_v' keys into these; here such keys must be renamed first.

    Example:
        >>> layer = nn.utils.parametrizations.weight_norm(nn.Linear(3, 2))
        >>> list(layer.state_dict())
        ['bias', 'parametrizations.weight.original0', 'parametrizations.weight.original1']
    """
    register_parametrization(module, name, _WeightNorm(dim), unsafe=True)
    return module


class _SpectralNorm(Module):
    """w / sigma(w), sigma the largest singular value by power iteration on the buffers _u and _v.

    A 1-d weight is divided by its norm. Otherwise W is the weight as a matrix (`dim` first, the rest
    flattened); in training mode each call first runs n_power_iterations steps u <- W v / ||W v||,
    v <- W^T u / ||W^T u||; then sigma = u . (W v).
    """

    _u: Tensor
    _v: Tensor

    def __init__(self, weight: Tensor, n_power_iterations: int = 1, dim: int = 0, eps: float = 1e-12) -> None:
        super().__init__()
        ndim = weight.ndim
        if dim >= ndim or dim < -ndim:
            raise IndexError(f"Dimension out of range (expected to be in range of [-{ndim}, {ndim - 1}] but got {dim})")
        if n_power_iterations <= 0:
            raise ValueError(
                f"Expected n_power_iterations to be positive, but got n_power_iterations={n_power_iterations}"
            )
        self.dim = dim if dim >= 0 else dim + ndim
        self.eps = eps
        if ndim > 1:
            from tinygrad_edu.creation import randn  # (the library's generator, as tg.manual_seed sets it)

            self.n_power_iterations = n_power_iterations
            weight_mat = self._reshape_weight_to_matrix(weight.detach())
            h, w = weight_mat.shape
            dtype = weight.data.dtype
            self.register_buffer("_u", from_numpy(_normalize(randn(h).data.astype(dtype), eps)))
            self.register_buffer("_v", from_numpy(_normalize(randn(w).data.astype(dtype), eps)))
            self._power_method(weight_mat.data, 15)  # start near the top singular vectors

    def _reshape_weight_to_matrix(self, weight: Tensor) -> Tensor:
        if self.dim != 0:
            weight = weight.permute(self.dim, *(d for d in range(weight.ndim) if d != self.dim))
        return weight.reshape(weight.shape[0], -1)

    def _power_method(self, w: np.ndarray, iterations: int) -> None:
        """Power iteration on the buffers, in place and outside the graph."""
        u, v = self._u.data, self._v.data
        for _ in range(iterations):
            u[...] = _normalize(w @ v, self.eps)
            v[...] = _normalize(w.T @ u, self.eps)

    def forward(self, weight: Tensor) -> Tensor:
        if weight.ndim == 1:
            return weight / weight.pow(2).sum().sqrt().clamp(min=self.eps)
        weight_mat = self._reshape_weight_to_matrix(weight)
        if self.training:
            self._power_method(weight_mat.data, self.n_power_iterations)
        u, v = from_numpy(self._u.data.copy()), from_numpy(self._v.data.copy())
        sigma = u.dot(weight_mat.mv(v))
        return weight / sigma

    def right_inverse(self, value: Tensor) -> Tensor:
        return value  # (any weight is its own preimage: forward only rescales it)


def spectral_norm(
    module: M, name: str = "weight", n_power_iterations: int = 1, eps: float = 1e-12, dim: int | None = None
) -> M:
    """Divide module.<name> by its largest singular value at every read, as a parametrization (PyTorch's new API).

    The buffers `parametrizations.<name>.0._u` and `_v` start as random unit vectors (the library's generator:
    not torch's numbers) refined by 15 power iterations. dim defaults to 1 for ConvTranspose layers, else 0.

    Example:
        >>> layer = nn.utils.parametrizations.spectral_norm(nn.Linear(4, 3))
        >>> list(layer.state_dict())
        ['bias', 'parametrizations.weight.original', 'parametrizations.weight.0._u', 'parametrizations.weight.0._v']
        >>> round(float(np.linalg.svd(layer.weight.detach().numpy())[1][0]), 4)
        1.0
    """
    weight = getattr(module, name, None)
    if not isinstance(weight, Tensor):
        raise ValueError(f"Module '{module}' has no parameter or buffer with name '{name}'")
    if dim is None:
        dim = 1 if isinstance(module, _ConvTransposeNd) else 0
    register_parametrization(module, name, _SpectralNorm(weight, n_power_iterations, dim, eps))
    return module
