"""Making tensors: zeros, ones, full, arange, and random ones drawn from the library's seeded generator.

Every random number in the library (these functions, `nn.init`, `nn.Linear`) comes from one
NumPy Generator, so `tg.manual_seed(n)` makes a whole run reproducible.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from tinygrad_edu.arguments import shape_args
from tinygrad_edu.device import check_device
from tinygrad_edu.dtypes import DTypeLike, _check_can_require_grad, dtype_or_default, get_default_dtype
from tinygrad_edu.errors import ArgumentError, DtypeError, ShapeError
from tinygrad_edu.generator import Generator
from tinygrad_edu.tensor import Tensor

__all__ = [
    "manual_seed",
    "default_generator",
    "zeros",
    "ones",
    "full",
    "empty",
    "eye",
    "arange",
    "linspace",
    "rand",
    "randn",
    "zeros_like",
    "ones_like",
    "full_like",
    "rand_like",
    "randn_like",
    "Generator",
    "seed",
    "initial_seed",
    "get_rng_state",
    "set_rng_state",
    "logspace",
    "randint",
    "randperm",
    "multinomial",
    "normal",
    "bernoulli",
    "randint_like",
    "empty_like",
]


class _RandomState:
    """Holds the library's one Generator; `manual_seed` reseeds it in place (as torch's default generator)."""

    generator = Generator()


def manual_seed(seed: int) -> Generator:
    """Seed every random initialisation in the library (as `torch.manual_seed`); returns the generator.

    Example:
        >>> _ = tg.manual_seed(0); a = tg.randn(3)
        >>> _ = tg.manual_seed(0); b = tg.randn(3)
        >>> np.array_equal(a.numpy(), b.numpy())
        True
    """
    return _RandomState.generator.manual_seed(seed)


def default_generator() -> Generator:
    """The Generator that rand, randn, nn.init and nn.Linear draw from."""
    return _RandomState.generator


def _make(array: np.ndarray, requires_grad: bool) -> Tensor:
    """A leaf tensor holding `array` itself (no copy), requiring grad if asked and its dtype allows."""
    out = Tensor._from_op(array, None)
    if requires_grad:
        _check_can_require_grad(array.dtype, "tensor creation")
        out.requires_grad = True
    return out


def _size(op: str, size: tuple[Any, ...], keyword: Any = None) -> tuple[int, ...]:
    """The shape asked for, as `zeros(2, 3)`, `zeros((2, 3))` or `zeros(size=(2, 3))` (the keyword); a negative
    size is a ShapeError (as PyTorch)."""
    if keyword is not None:
        if size:
            raise TypeError(f"{op}: give the size as arguments or as size=, not both")
        size = (keyword,)
    shape = shape_args(size)
    if any(n < 0 for n in shape):
        raise ShapeError(f"{op}: sizes must be non-negative, got {shape}")
    return shape


def _float_dtype(op: str, dtype: DTypeLike) -> np.dtype:
    """Random samples are floats: an integer or bool dtype is refused, as in PyTorch."""
    dt = dtype_or_default(dtype)
    if dt.kind != "f":
        raise DtypeError(f"{op}: random samples need a floating-point dtype, got {dt}")
    return dt


def zeros(
    *sizes: Any, size: Any = None, dtype: DTypeLike = None, requires_grad: bool = False, device: Any = None
) -> Tensor:
    """A tensor of zeros, e.g. `tg.zeros(2, 3)` or `tg.zeros((2, 3))` (float32 by default)."""
    check_device("zeros", device)
    return _make(np.zeros(_size("zeros", sizes, size), dtype=dtype_or_default(dtype)), requires_grad)


def ones(
    *sizes: Any, size: Any = None, dtype: DTypeLike = None, requires_grad: bool = False, device: Any = None
) -> Tensor:
    """A tensor of ones (float32 by default)."""
    check_device("ones", device)
    return _make(np.ones(_size("ones", sizes, size), dtype=dtype_or_default(dtype)), requires_grad)


def empty(
    *sizes: Any, size: Any = None, dtype: DTypeLike = None, requires_grad: bool = False, device: Any = None
) -> Tensor:
    """A tensor whose values are not initialised (here: zeros, so results never depend on garbage)."""
    check_device("empty", device)
    return zeros(*sizes, size=size, dtype=dtype, requires_grad=requires_grad)


def full(
    size: Any, fill_value: float, dtype: DTypeLike = None, requires_grad: bool = False, device: Any = None
) -> Tensor:
    """A tensor of shape `size` filled with `fill_value`. Without dtype, as PyTorch: a bool fill gives
    bool, an int fill int64, a float fill float32 (the default dtype).

    Example:
        >>> tg.full((2,), 7).dtype
        dtype('int64')
    """
    check_device("full", device)
    if dtype is None:
        dtype = _fill_dtype(fill_value)
    return _make(np.full(_size("full", (size,)), fill_value, dtype=dtype_or_default(dtype)), requires_grad)


def _fill_dtype(value: Any) -> np.dtype:
    """The dtype PyTorch gives a tensor made from the Python number `value` alone."""
    if isinstance(value, (bool, np.bool_)):
        return np.dtype(np.bool_)
    if isinstance(value, (int, np.integer)):
        return np.dtype(np.int64)
    return get_default_dtype()


def eye(
    n: int, m: int | None = None, dtype: DTypeLike = None, requires_grad: bool = False, device: Any = None
) -> Tensor:
    """The n x m identity matrix."""
    check_device("eye", device)
    _size("eye", (n, n if m is None else m))  # only checks: negative sizes are a ShapeError, as for zeros
    return _make(np.eye(n, m, dtype=dtype_or_default(dtype)), requires_grad)


def arange(
    start: float,
    end: float | None = None,
    step: float = 1,
    dtype: DTypeLike = None,
    requires_grad: bool = False,
    device: Any = None,
) -> Tensor:
    """Values from start (inclusive) to end (exclusive) by step; int64 for int arguments, as in PyTorch.

    Example:
        >>> tg.arange(3)
        tensor([0, 1, 2], dtype=int64)
        >>> tg.arange(0, 1, 0.5)
        tensor([0. , 0.5], dtype=float32)
    """
    check_device("arange", device)
    if end is None:
        start, end = 0, start
    if step == 0:
        raise ArgumentError("arange: step must be nonzero")
    if dtype is None:
        ints = all(isinstance(v, (int, np.integer)) for v in (start, end, step))
        dtype = np.int64 if ints else get_default_dtype()
    return _make(np.arange(start, end, step, dtype=np.dtype(dtype)), requires_grad)


def linspace(
    start: float, end: float, steps: int, dtype: DTypeLike = None, requires_grad: bool = False, device: Any = None
) -> Tensor:
    """`steps` evenly spaced values from start to end, both included. With an integer dtype, as PyTorch:
    start and end become integers first, and each value is truncated toward zero (NumPy's linspace
    rounds down instead: -2.5 gives -3 there, -2 here)."""
    check_device("linspace", device)
    if steps < 0:
        raise ArgumentError(f"linspace: number of steps must be non-negative, got {steps}")
    dt = dtype_or_default(dtype)
    if dt.kind in "iub":
        values = np.linspace(np.trunc(start), np.trunc(end), steps)
        return _make(np.trunc(values).astype(dt), requires_grad)
    return _make(np.linspace(start, end, steps, dtype=dt), requires_grad)


def logspace(
    start: float,
    end: float,
    steps: int,
    base: float = 10.0,
    dtype: DTypeLike = None,
    requires_grad: bool = False,
    device: Any = None,
) -> Tensor:
    """base ** linspace(start, end, steps), as `torch.logspace`.

    Example:
        >>> tg.logspace(0, 2, 3)
        tensor([  1.,  10., 100.], dtype=float32)
    """
    check_device("logspace", device)
    if steps < 0:
        raise ArgumentError(f"logspace: number of steps must be non-negative, got {steps}")
    values = np.power(float(base), np.linspace(start, end, steps))
    dt = dtype_or_default(dtype)
    return _make((np.trunc(values) if dt.kind in "iub" else values).astype(dt), requires_grad)


def rand(
    *sizes: Any,
    size: Any = None,
    dtype: DTypeLike = None,
    requires_grad: bool = False,
    generator: np.random.Generator | None = None,
    device: Any = None,
) -> Tensor:
    """Uniform samples from [0, 1), drawn from the library's generator (see `manual_seed`)."""
    check_device("rand", device)
    gen = generator or _RandomState.generator
    return _make(gen.random(_size("rand", sizes, size)).astype(_float_dtype("rand", dtype)), requires_grad)


def randn(
    *sizes: Any,
    size: Any = None,
    dtype: DTypeLike = None,
    requires_grad: bool = False,
    generator: np.random.Generator | None = None,
    device: Any = None,
) -> Tensor:
    """Standard normal samples, drawn from the library's generator (see `manual_seed`)."""
    check_device("randn", device)
    gen = generator or _RandomState.generator
    return _make(gen.standard_normal(_size("randn", sizes, size)).astype(_float_dtype("randn", dtype)), requires_grad)


def _like(x: Any, dtype: DTypeLike) -> tuple[tuple[int, ...], np.dtype]:
    """(shape, dtype) for a `*_like` function: x's own, unless a dtype is given."""
    data = x.data if isinstance(x, Tensor) else np.asarray(x)
    return data.shape, (data.dtype if dtype is None else np.dtype(dtype))


def zeros_like(x: Any, dtype: DTypeLike = None, requires_grad: bool = False, device: Any = None) -> Tensor:
    """Zeros with x's shape and dtype."""
    check_device("zeros_like", device)
    shape, dt = _like(x, dtype)
    return _make(np.zeros(shape, dtype=dt), requires_grad)


def ones_like(x: Any, dtype: DTypeLike = None, requires_grad: bool = False, device: Any = None) -> Tensor:
    """Ones with x's shape and dtype."""
    check_device("ones_like", device)
    shape, dt = _like(x, dtype)
    return _make(np.ones(shape, dtype=dt), requires_grad)


def full_like(
    x: Any, fill_value: float, dtype: DTypeLike = None, requires_grad: bool = False, device: Any = None
) -> Tensor:
    """`fill_value` with x's shape and dtype."""
    check_device("full_like", device)
    shape, dt = _like(x, dtype)
    return _make(np.full(shape, fill_value, dtype=dt), requires_grad)


def rand_like(
    x: Any,
    dtype: DTypeLike = None,
    requires_grad: bool = False,
    device: Any = None,
    generator: np.random.Generator | None = None,
) -> Tensor:
    """Uniform [0, 1) samples with x's shape and dtype."""
    check_device("rand_like", device)
    shape, dt = _like(x, dtype)
    return rand(*shape, dtype=dt, requires_grad=requires_grad, generator=generator)


def randn_like(
    x: Any,
    dtype: DTypeLike = None,
    requires_grad: bool = False,
    device: Any = None,
    generator: np.random.Generator | None = None,
) -> Tensor:
    """Standard normal samples with x's shape and dtype."""
    check_device("randn_like", device)
    shape, dt = _like(x, dtype)
    return randn(*shape, dtype=dt, requires_grad=requires_grad, generator=generator)


def empty_like(x: Any, dtype: DTypeLike = None, requires_grad: bool = False, device: Any = None) -> Tensor:
    """A tensor of x's shape and dtype whose values are not initialised (here: zeros)."""
    return zeros_like(x, dtype=dtype, requires_grad=requires_grad, device=device)


# ---- more of torch's random functions; each draws from `generator` or the library's --------------


def _generator(generator: np.random.Generator | None) -> np.random.Generator:
    """The generator given, else the library's default one (what tg.manual_seed seeds)."""
    return _RandomState.generator if generator is None else generator


def seed() -> int:
    """Reseed the default generator from the operating system's entropy; returns the seed, as `torch.seed`."""
    return _RandomState.generator.seed()


def initial_seed() -> int:
    """The default generator's seed, as `torch.initial_seed`."""
    return _RandomState.generator.initial_seed()


def get_rng_state() -> dict:
    """The default generator's state (see Generator.get_state)."""
    return _RandomState.generator.get_state()


def set_rng_state(state: dict) -> None:
    """Restore the default generator's state from get_rng_state()."""
    _RandomState.generator.set_state(state)


def randint(
    low: int,
    high: Any = None,
    size: Any = None,
    *,
    generator: np.random.Generator | None = None,
    dtype: DTypeLike = None,
    requires_grad: bool = False,
    device: Any = None,
) -> Tensor:
    """Integers drawn uniformly from [low, high) (int64), as `torch.randint(low=0, high, size)`.

    Example:
        >>> tg.randint(0, 10, (2, 3)).shape
        (2, 3)
        >>> tg.randint(5, (4,)).dtype          # low defaults to 0
        dtype('int64')
    """
    check_device("randint", device)
    if size is None:  # randint(high, size)
        low, high, size = 0, low, high
    if size is None:
        raise TypeError("randint: size is required, e.g. tg.randint(0, 10, (3,))")
    if high <= low:
        raise ArgumentError(f"randint: high ({high}) must be larger than low ({low})")
    dt = np.dtype(np.int64) if dtype is None else np.dtype(dtype)
    values = _generator(generator).integers(low, high, size=_size("randint", (size,)))
    return _make(values.astype(dt), requires_grad)


def randint_like(
    x: Any,
    low: int = 0,
    high: Any = None,
    *,
    dtype: DTypeLike = None,
    requires_grad: bool = False,
    device: Any = None,
    generator: np.random.Generator | None = None,
) -> Tensor:
    """randint with x's shape and dtype: `randint_like(x, high)` or `randint_like(x, low, high)`."""
    if high is None:
        low, high = 0, low
    shape, dt = _like(x, dtype)
    return randint(low, high, shape, generator=generator, dtype=dt, requires_grad=requires_grad, device=device)


def randperm(
    n: int,
    *,
    generator: np.random.Generator | None = None,
    dtype: DTypeLike = None,
    requires_grad: bool = False,
    device: Any = None,
) -> Tensor:
    """A random permutation of 0..n-1 (int64), as `torch.randperm`."""
    check_device("randperm", device)
    if n < 0:
        raise ArgumentError(f"randperm: n must be non-negative, got {n}")
    dt = np.dtype(np.int64) if dtype is None else np.dtype(dtype)
    return _make(_generator(generator).permutation(int(n)).astype(dt), requires_grad)


def normal(
    mean: Any = 0.0,
    std: Any = 1.0,
    size: Any = None,
    *,
    generator: np.random.Generator | None = None,
    dtype: DTypeLike = None,
    requires_grad: bool = False,
    device: Any = None,
) -> Tensor:
    """Normal samples with the given mean and std (numbers or tensors, which broadcast), as `torch.normal`.

    Example:
        >>> bool(abs(tg.normal(2.0, 3.0, size=(10000,)).mean().item() - 2.0) < 0.2)   # about 2
        True
    """
    check_device("normal", device)
    means, stds = (m.data if isinstance(m, Tensor) else np.asarray(m, dtype=np.float64) for m in (mean, std))
    if np.any(stds < 0):
        raise ArgumentError(f"normal: std must be non-negative, got {std}")
    if size is None:
        if means.ndim == 0 and stds.ndim == 0:
            raise TypeError("normal: with a number for mean and for std, give size=, e.g. tg.normal(0, 1, (3,))")
        shape = np.broadcast_shapes(means.shape, stds.shape)
    else:
        shape = _size("normal", (size,))
    kinds = [m.data.dtype for m in (mean, std) if isinstance(m, Tensor)]
    dt = np.dtype(dtype) if dtype is not None else (kinds[0] if kinds and kinds[0].kind == "f" else get_default_dtype())
    draws = _generator(generator).standard_normal(shape)
    return _make((means + stds * draws).astype(_float_dtype("normal", dt)), requires_grad)


def bernoulli(input: Any, p: float | None = None, *, generator: np.random.Generator | None = None) -> Tensor:
    """1 with probability input (elementwise), else 0, in input's dtype, as `torch.bernoulli`."""
    probs = input.data if isinstance(input, Tensor) else np.asarray(input, dtype=get_default_dtype())
    if p is not None:
        probs = np.full_like(probs, p)
    if np.any((probs < 0) | (probs > 1)):
        raise ArgumentError("bernoulli: every probability must be in [0, 1]")
    draws = _generator(generator).random(probs.shape) < probs
    return _make(draws.astype(probs.dtype if probs.dtype.kind == "f" else get_default_dtype()), False)


def multinomial(
    input: Any, num_samples: int, replacement: bool = False, *, generator: np.random.Generator | None = None
) -> Tensor:
    """Indices drawn with the (unnormalised, non-negative) weights in each row of input, as `torch.multinomial`:
    a 1-D input gives (num_samples,), a 2-D one (rows, num_samples), int64. Without replacement an index is
    drawn at most once per row, so num_samples may not exceed the number of categories with nonzero weight.

    Example:
        >>> draws = tg.multinomial(tg.tensor([0.0, 1.0, 3.0]), 4000, replacement=True)
        >>> sorted(set(draws.tolist())), bool(2.5 < (draws == 2).sum().item() / (draws == 1).sum().item() < 3.5)
        ([1, 2], True)
    """
    weights = np.asarray(input.data if isinstance(input, Tensor) else input, dtype=np.float64)
    if weights.ndim not in (1, 2):
        raise ShapeError(f"multinomial: input must be 1-D or 2-D, got shape {weights.shape}")
    if np.any(weights < 0) or not np.all(np.isfinite(weights)):
        raise ArgumentError("multinomial: weights must be finite and non-negative")
    rows = weights.reshape(-1, weights.shape[-1])
    if np.any(rows.sum(axis=1) <= 0):
        raise ArgumentError("multinomial: every row of weights must have a positive sum")
    if not replacement and num_samples > np.min(np.count_nonzero(rows, axis=1)):
        raise ArgumentError(
            f"multinomial: cannot draw {num_samples} samples without replacement from a row "
            f"with {np.min(np.count_nonzero(rows, axis=1))} categories of nonzero weight"
        )
    gen = _generator(generator)
    picks = [gen.choice(row.size, size=num_samples, replace=replacement, p=row / row.sum()) for row in rows]
    out = np.array(picks, dtype=np.int64).reshape(weights.shape[:-1] + (num_samples,))
    return _make(out, False)
