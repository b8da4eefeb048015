"""nn.utils' norm helpers: the total norm of gradients, clipping by a known norm, and the old (hook-based)
weight_norm and spectral_norm, as torch.nn.utils (`nn.utils` exports them).

weight_norm and spectral_norm here are PyTorch's original API: the weight becomes two parameters
(`weight_g`, `weight_v`) or a parameter and two buffers (`weight_orig`, `weight_u`, `weight_v`), and a forward
pre-hook recomputes `module.weight` from them before each call. `nn.utils.parametrizations` has the newer API.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Iterable
from typing import Any, TypeVar

import numpy as np

from tinygrad_edu.autograd import no_grad
from tinygrad_edu.nn.conv_transpose import _ConvTransposeNd
from tinygrad_edu.nn.module import Module, Parameter
from tinygrad_edu.nn.utils import clip_grad_norm_
from tinygrad_edu.tensor import Tensor, from_numpy

__all__ = [
    "get_total_norm",
    "clip_grads_with_norm_",
    "clip_grad_norm",
    "weight_norm",
    "remove_weight_norm",
    "spectral_norm",
    "remove_spectral_norm",
]

M = TypeVar("M", bound=Module)
Tensors = Tensor | Iterable[Tensor]


def _as_list(tensors: Tensors) -> list[Tensor]:
    return [tensors] if isinstance(tensors, Tensor) else list(tensors)


def get_total_norm(
    tensors: Tensors, norm_type: float | str = 2.0, error_if_nonfinite: bool = False, foreach: bool | None = None
) -> Tensor:
    """The norm of `tensors` (usually gradients) taken together, as if concatenated into one vector.

    (sum over all elements of |x|^p)^(1/p), computed as the norm of the per-tensor norms; max |x| for inf.
    A nan or inf total raises RuntimeError with error_if_nonfinite=True. No graph is recorded.

    Example:
        >>> nn.utils.get_total_norm([tg.tensor([3.0]), tg.tensor([4.0])]).item()
        5.0
    """
    arrays = [t.data for t in _as_list(tensors) if t is not None]
    p = float(norm_type)
    if not arrays:
        return from_numpy(np.array(0.0, dtype=np.float32))
    dtype = arrays[0].dtype
    if math.isinf(p):
        norms = np.array([np.max(np.abs(a)) if a.size else 0.0 for a in arrays], dtype=dtype)
        total = np.max(np.abs(norms)) if p > 0 else np.min(np.abs(norms))
    else:
        norms = np.array([np.sum(np.abs(a) ** p) ** (1.0 / p) for a in arrays], dtype=dtype)
        total = np.sum(norms**p) ** (1.0 / p)
    total = np.asarray(total, dtype=dtype)
    if error_if_nonfinite and not np.isfinite(total):
        raise RuntimeError(
            f"The total norm of order {p} for gradients from `parameters` is non-finite, so it cannot be "
            "clipped. To disable this error and scale the gradients by the non-finite norm anyway, set "
            "`error_if_nonfinite=False`"
        )
    return from_numpy(total)


def clip_grads_with_norm_(
    parameters: Tensors, max_norm: float, total_norm: Tensor | float, foreach: bool | None = None
) -> None:
    """Scale the gradients in place by min(1, max_norm / (total_norm + 1e-6)), with total_norm given.

    clip_grad_norm_ is get_total_norm of the gradients, then this.

    Example:
        >>> w = tg.tensor([1.0], requires_grad=True); (w * 10).sum().backward()
        >>> nn.utils.clip_grads_with_norm_([w], max_norm=1.0, total_norm=nn.utils.get_total_norm([w.grad]))
        >>> round(w.grad.item(), 5)
        1.0
    """
    grads = [p.grad for p in _as_list(parameters) if p.grad is not None]
    if not grads:
        return
    total = total_norm.data if isinstance(total_norm, Tensor) else np.asarray(total_norm)
    dtype = grads[0].data.dtype
    scale = np.minimum(np.asarray(max_norm, dtype=dtype) / (total.astype(dtype) + np.asarray(1e-6, dtype=dtype)), 1.0)
    with np.errstate(invalid="ignore"):
        for g in grads:
            g.data *= scale.astype(g.data.dtype)


def clip_grad_norm(
    parameters: Tensors,
    max_norm: float,
    norm_type: float | str = 2.0,
    error_if_nonfinite: bool = False,
    foreach: bool | None = None,
) -> Tensor:
    """Deprecated (a FutureWarning, as PyTorch): clip_grad_norm_, which it calls.

    Example:
        >>> import warnings
        >>> with warnings.catch_warnings(record=True) as caught:
        ...     warnings.simplefilter("always")
        ...     _ = nn.utils.clip_grad_norm(net.parameters(), 1.0)
        >>> caught[0].category.__name__
        'FutureWarning'
    """
    warnings.warn(
        "`torch.nn.utils.clip_grad_norm` is now deprecated in favor of `torch.nn.utils.clip_grad_norm_`.",
        FutureWarning,
        stacklevel=2,
    )
    return clip_grad_norm_(parameters, max_norm, norm_type, error_if_nonfinite, foreach)


# ---- weight normalisation: w = g v / ||v|| ---------------------------------------------------------------


def _norm_except_dim(v: Tensor, dim: int) -> Tensor:
    """The 2-norm of v over every dimension but `dim`, shaped to broadcast against v; dim=-1: the whole norm.

    (As PyTorch's norm_except_dim, where -1 means 'all dimensions', not the last one.)
    """
    if dim == -1:
        return v.pow(2).sum().sqrt()
    dim = dim % v.ndim
    others = tuple(d for d in range(v.ndim) if d != dim)
    return v.pow(2).sum(dim=others, keepdim=True).sqrt()


def _weight_from_g_v(v: Tensor, g: Tensor, dim: int) -> Tensor:
    """w = v (g / ||v||), the norm over every dimension but dim (a graph through both g and v)."""
    return v * (g / _norm_except_dim(v, dim))


def _forward_pre_hooks(module: Module) -> list[Any]:
    table = module._module_hooks
    return [] if table is None else list(table.forward_pre.values())


class WeightNorm:
    """The forward pre-hook of `weight_norm`: sets module.<name> from <name>_g and <name>_v before each call."""

    def __init__(self, name: str, dim: int) -> None:
        self.name = name
        self.dim = dim
        self.handle: Any = None

    def compute_weight(self, module: Module) -> Tensor:
        return _weight_from_g_v(getattr(module, self.name + "_v"), getattr(module, self.name + "_g"), self.dim)

    def remove(self, module: Module) -> None:
        weight = self.compute_weight(module)
        delattr(module, self.name)
        delattr(module, self.name + "_g")
        delattr(module, self.name + "_v")
        setattr(module, self.name, Parameter(weight.data.copy()))
        self.handle.remove()

    def __call__(self, module: Module, inputs: Any) -> None:
        setattr(module, self.name, self.compute_weight(module))


def weight_norm(module: M, name: str = "weight", dim: int | None = 0) -> M:
    """Reparametrise module.<name> as w = g v / ||v|| (Salimans and Kingma, 2016): PyTorch's old, deprecated API.

    The weight is replaced by two parameters, <name>_g (the norms, shaped to broadcast; a 0-d one for
    dim=None) and <name>_v (the direction, the old weight), and a forward pre-hook recomputes module.<name>
    before every call. The norm is taken over every dimension but `dim` (all of them for dim=None or -1, as
    PyTorch). Warns (FutureWarning) as PyTorch's does, pointing to nn.utils.parametrizations.weight_norm.

    Example:
        >>> import warnings; warnings.simplefilter("ignore", FutureWarning)
        >>> layer = nn.utils.weight_norm(nn.Linear(3, 2))
        >>> list(layer.state_dict()), layer.weight_g.shape
        (['bias', 'weight_g', 'weight_v'], (2, 1))
    """
    warnings.warn(
        "`torch.nn.utils.weight_norm` is deprecated in favor of `torch.nn.utils.parametrizations.weight_norm`.",
        FutureWarning,
        stacklevel=2,
    )
    for hook in _forward_pre_hooks(module):
        if isinstance(hook, WeightNorm) and hook.name == name:
            raise RuntimeError(f"Cannot register two weight_norm hooks on the same parameter {name}")
    dim = -1 if dim is None else dim
    fn = WeightNorm(name, dim)
    weight = getattr(module, name)
    if not isinstance(weight, Parameter) or name not in module._parameters:
        raise ValueError(f"weight_norm: module has no parameter named '{name}'")
    del module._parameters[name]
    object.__delattr__(module, name)
    with no_grad():
        g = _norm_except_dim(weight.detach(), dim)
    module.register_parameter(name + "_g", Parameter(g.data.copy()))
    module.register_parameter(name + "_v", Parameter(weight.data))
    setattr(module, name, fn.compute_weight(module))
    fn.handle = module.register_forward_pre_hook(fn)
    return module


def remove_weight_norm(module: M, name: str = "weight") -> M:
    """Undo `weight_norm`: module.<name> is again one Parameter (holding g v / ||v||), and the hook is gone.

    Example:
        >>> import warnings; warnings.simplefilter("ignore", FutureWarning)
        >>> layer = nn.utils.remove_weight_norm(nn.utils.weight_norm(nn.Linear(3, 2)))
        >>> [name for name, _ in layer.named_parameters()]
        ['bias', 'weight']
    """
    for hook in _forward_pre_hooks(module):
        if isinstance(hook, WeightNorm) and hook.name == name:
            hook.remove(module)
            return module
    raise ValueError(f"weight_norm of '{name}' not found in {module}")


# ---- spectral normalisation: w = w_orig / sigma(w_orig), sigma by power iteration ------------------------


def _normalize(x: np.ndarray, eps: float) -> np.ndarray:
    return x / max(float(np.linalg.norm(x)), eps)


class SpectralNorm:
    """The forward pre-hook of `spectral_norm`: module.<name> = <name>_orig / sigma before each call.

    sigma = u . (W v), W the weight as a matrix (`dim` first, the rest flattened); in training mode each call
    first runs `n_power_iterations` steps v <- W^T u / ||W^T u||, u <- W v / ||W v|| on the buffers u and v.
    """

    def __init__(self, name: str, n_power_iterations: int, dim: int, eps: float) -> None:
        if n_power_iterations <= 0:
            raise ValueError(
                f"Expected n_power_iterations to be positive, but got n_power_iterations={n_power_iterations}"
            )
        self.name = name
        self.n_power_iterations = n_power_iterations
        self.dim = dim
        self.eps = eps
        self.handle: Any = None

    def reshape_weight_to_matrix(self, weight: Tensor) -> Tensor:
        if self.dim != 0:
            order = [self.dim] + [d for d in range(weight.ndim) if d != self.dim]
            weight = weight.permute(*order)
        return weight.reshape(weight.shape[0], -1)

    def compute_weight(self, module: Module, do_power_iteration: bool) -> Tensor:
        weight = getattr(module, self.name + "_orig")
        u, v = getattr(module, self.name + "_u"), getattr(module, self.name + "_v")
        weight_mat = self.reshape_weight_to_matrix(weight)
        if do_power_iteration:
            w = weight_mat.data
            for _ in range(self.n_power_iterations):  # in place on the buffers, outside the graph
                v.data[...] = _normalize(w.T @ u.data, self.eps)
                u.data[...] = _normalize(w @ v.data, self.eps)
        u_now, v_now = from_numpy(u.data.copy()), from_numpy(v.data.copy())
        sigma = u_now.dot(weight_mat.mv(v_now))
        return weight / sigma

    def remove(self, module: Module) -> None:
        with no_grad():
            weight = self.compute_weight(module, do_power_iteration=False)
        delattr(module, self.name)
        delattr(module, self.name + "_u")
        delattr(module, self.name + "_v")
        delattr(module, self.name + "_orig")
        module.register_parameter(self.name, Parameter(weight.data.copy()))
        self.handle.remove()

    def __call__(self, module: Module, inputs: Any) -> None:
        setattr(module, self.name, self.compute_weight(module, do_power_iteration=module.training))


def spectral_norm(
    module: M, name: str = "weight", n_power_iterations: int = 1, eps: float = 1e-12, dim: int | None = None
) -> M:
    """Divide module.<name> by its largest singular value (Miyato et al., 2018): PyTorch's old API.

    The weight becomes the parameter <name>_orig and the buffers <name>_u, <name>_v (random unit vectors,
    drawn from the library's generator: not torch's numbers); a forward pre-hook sets module.<name> =
    <name>_orig / sigma before every call, running power iterations first in training mode. dim defaults to
    1 for the ConvTranspose layers, else 0.

    Example:
        >>> layer = nn.utils.spectral_norm(nn.Linear(4, 3))
        >>> list(layer.state_dict())
        ['bias', 'weight_orig', 'weight_u', 'weight_v']
        >>> for _ in range(50):
        ...     _ = layer(tg.ones(1, 4))
        >>> round(float(np.linalg.svd(layer.weight.detach().numpy())[1][0]), 4)
        1.0
    """
    for hook in _forward_pre_hooks(module):
        if isinstance(hook, SpectralNorm) and hook.name == name:
            raise RuntimeError(f"Cannot register two spectral_norm hooks on the same parameter {name}")
    if dim is None:
        dim = 1 if isinstance(module, _ConvTransposeNd) else 0
    fn = SpectralNorm(name, n_power_iterations, dim, eps)
    weight = module._parameters.get(name)
    if weight is None:
        raise ValueError(f"spectral_norm: module has no parameter named '{name}'")
    h, w = fn.reshape_weight_to_matrix(weight).shape
    from tinygrad_edu.creation import randn  # (the library's generator, as tg.manual_seed sets it)

    dtype = weight.data.dtype
    u = _normalize(randn(h).data.astype(dtype), eps)
    v = _normalize(randn(w).data.astype(dtype), eps)
    delattr(module, name)
    module.register_parameter(name + "_orig", weight)
    setattr(module, name, from_numpy(weight.data.copy()))
    module.register_buffer(name + "_u", from_numpy(u))
    module.register_buffer(name + "_v", from_numpy(v))
    fn.handle = module.register_forward_pre_hook(fn)
    return module


def remove_spectral_norm(module: M, name: str = "weight") -> M:
    """Undo `spectral_norm`: module.<name> is again one Parameter (the normalised weight), the hook is gone.

    Example:
        >>> layer = nn.utils.remove_spectral_norm(nn.utils.spectral_norm(nn.Linear(4, 3)))
        >>> [name for name, _ in layer.named_parameters()]
        ['bias', 'weight']
    """
    for hook in _forward_pre_hooks(module):
        if isinstance(hook, SpectralNorm) and hook.name == name:
            hook.remove(module)
            return module
    raise ValueError(f"spectral_norm of '{name}' not found in {module}")
