"""Making tensors: zeros, ones, full, arange, and random ones drawn from the library's seeded generator.

Every random number in the library (these functions, `nn.init`, `nn.Linear`) comes from one
NumPy Generator, so `tg.manual_seed(n)` makes a whole run reproducible.
"""

from __future__ import annotations

from typing import Any, Optional

import numpy as np

from tinygrad_edu.arguments import shape_args
from tinygrad_edu.errors import ArgumentError, DtypeError, ShapeError
from tinygrad_edu.tensor import DEFAULT_DTYPE, DTypeLike, Tensor, _check_can_require_grad

__all__ = [
    "manual_seed", "default_generator", "zeros", "ones", "full", "empty", "eye", "arange",
    "linspace", "rand", "randn", "zeros_like", "ones_like", "full_like", "rand_like", "randn_like",
]


class _RandomState:
    """Holds the library's one Generator; `manual_seed` replaces it."""

    generator = np.random.default_rng()


def manual_seed(seed: int) -> np.random.Generator:
    """Seed every random initialisation in the library (as `torch.manual_seed`); returns the generator.

    Example:
        >>> _ = tg.manual_seed(0); a = tg.randn(3)
        >>> _ = tg.manual_seed(0); b = tg.randn(3)
        >>> np.array_equal(a.numpy(), b.numpy())
        True
    """
    _RandomState.generator = np.random.default_rng(seed)
    return _RandomState.generator


def default_generator() -> np.random.Generator:
    """The Generator that rand, randn, nn.init and nn.Linear draw from."""
    return _RandomState.generator


def _make(array: np.ndarray, requires_grad: bool) -> Tensor:
    """A leaf tensor holding `array` itself (no copy), requiring grad if asked and its dtype allows."""
    out = Tensor._from_op(array, None)
    if requires_grad:
        _check_can_require_grad(array.dtype, "tensor creation")
        out.requires_grad = True
    return out


def _dtype(dtype: DTypeLike) -> np.dtype:
    """The dtype asked for, float32 when none is."""
    return DEFAULT_DTYPE if dtype is None else np.dtype(dtype)


def _size(op: str, size: tuple[Any, ...]) -> tuple[int, ...]:
    """The shape asked for, as `zeros(2, 3)` or `zeros((2, 3))`; a negative size is a ShapeError (as PyTorch)."""
    shape = shape_args(size)
    if any(n < 0 for n in shape):
        raise ShapeError(f"{op}: sizes must be non-negative, got {shape}")
    return shape


def _float_dtype(op: str, dtype: DTypeLike) -> np.dtype:
    """Random samples are floats: an integer or bool dtype is refused, as in PyTorch."""
    dt = _dtype(dtype)
    if dt.kind != "f":
        raise DtypeError(f"{op}: random samples need a floating-point dtype, got {dt}")
    return dt


def zeros(*size: Any, dtype: DTypeLike = None, requires_grad: bool = False) -> Tensor:
    """A tensor of zeros, e.g. `tg.zeros(2, 3)` or `tg.zeros((2, 3))` (float32 by default)."""
    return _make(np.zeros(_size("zeros", size), dtype=_dtype(dtype)), requires_grad)


def ones(*size: Any, dtype: DTypeLike = None, requires_grad: bool = False) -> Tensor:
    """A tensor of ones (float32 by default)."""
    return _make(np.ones(_size("ones", size), dtype=_dtype(dtype)), requires_grad)


def empty(*size: Any, dtype: DTypeLike = None, requires_grad: bool = False) -> Tensor:
    """A tensor whose values are not initialised (here: zeros, so results never depend on garbage)."""
    return zeros(*size, dtype=dtype, requires_grad=requires_grad)


def full(size: Any, fill_value: float, dtype: DTypeLike = None, requires_grad: bool = False) -> Tensor:
    """A tensor of shape `size` filled with `fill_value` (float32 by default)."""
    return _make(np.full(_size("full", (size,)), fill_value, dtype=_dtype(dtype)), requires_grad)


def eye(n: int, m: Optional[int] = None, dtype: DTypeLike = None, requires_grad: bool = False) -> Tensor:
    """The n x m identity matrix."""
    _size("eye", (n, n if m is None else m))  # only checks: negative sizes are a ShapeError, as for zeros
    return _make(np.eye(n, m, dtype=_dtype(dtype)), requires_grad)


def arange(start: float, end: Optional[float] = None, step: float = 1, dtype: DTypeLike = None,
           requires_grad: bool = False) -> Tensor:
    """Values from start (inclusive) to end (exclusive) by step; int64 for int arguments, as in PyTorch.

    Example:
        >>> tg.arange(3)
        tensor([0, 1, 2], dtype=int64)
        >>> tg.arange(0, 1, 0.5)
        tensor([0. , 0.5], dtype=float32)
    """
    if end is None:
        start, end = 0, start
    if step == 0:
        raise ArgumentError("arange: step must be nonzero")
    if dtype is None:
        ints = all(isinstance(v, (int, np.integer)) for v in (start, end, step))
        dtype = np.int64 if ints else DEFAULT_DTYPE
    return _make(np.arange(start, end, step, dtype=np.dtype(dtype)), requires_grad)


def linspace(start: float, end: float, steps: int, dtype: DTypeLike = None, requires_grad: bool = False) -> Tensor:
    """`steps` evenly spaced values from start to end, both included."""
    if steps < 0:
        raise ArgumentError(f"linspace: number of steps must be non-negative, got {steps}")
    return _make(np.linspace(start, end, steps, dtype=_dtype(dtype)), requires_grad)


def rand(*size: Any, dtype: DTypeLike = None, requires_grad: bool = False,
         generator: Optional[np.random.Generator] = None) -> Tensor:
    """Uniform samples from [0, 1), drawn from the library's generator (see `manual_seed`)."""
    gen = generator or _RandomState.generator
    return _make(gen.random(_size("rand", size)).astype(_float_dtype("rand", dtype)), requires_grad)


def randn(*size: Any, dtype: DTypeLike = None, requires_grad: bool = False,
          generator: Optional[np.random.Generator] = None) -> Tensor:
    """Standard normal samples, drawn from the library's generator (see `manual_seed`)."""
    gen = generator or _RandomState.generator
    return _make(gen.standard_normal(_size("randn", size)).astype(_float_dtype("randn", dtype)), requires_grad)


def _like(x: Any, dtype: DTypeLike) -> tuple[tuple[int, ...], np.dtype]:
    """(shape, dtype) for a `*_like` function: x's own, unless a dtype is given."""
    data = x.data if isinstance(x, Tensor) else np.asarray(x)
    return data.shape, (data.dtype if dtype is None else np.dtype(dtype))


def zeros_like(x: Any, dtype: DTypeLike = None, requires_grad: bool = False) -> Tensor:
    """Zeros with x's shape and dtype."""
    shape, dt = _like(x, dtype)
    return _make(np.zeros(shape, dtype=dt), requires_grad)


def ones_like(x: Any, dtype: DTypeLike = None, requires_grad: bool = False) -> Tensor:
    """Ones with x's shape and dtype."""
    shape, dt = _like(x, dtype)
    return _make(np.ones(shape, dtype=dt), requires_grad)


def full_like(x: Any, fill_value: float, dtype: DTypeLike = None, requires_grad: bool = False) -> Tensor:
    """`fill_value` with x's shape and dtype."""
    shape, dt = _like(x, dtype)
    return _make(np.full(shape, fill_value, dtype=dt), requires_grad)


def rand_like(x: Any, dtype: DTypeLike = None, requires_grad: bool = False) -> Tensor:
    """Uniform [0, 1) samples with x's shape and dtype."""
    shape, dt = _like(x, dtype)
    return rand(*shape, dtype=dt, requires_grad=requires_grad)


def randn_like(x: Any, dtype: DTypeLike = None, requires_grad: bool = False) -> Tensor:
    """Standard normal samples with x's shape and dtype."""
    shape, dt = _like(x, dtype)
    return randn(*shape, dtype=dt, requires_grad=requires_grad)
