"""torch's remaining top-level functions, part 1: making tensors (as_tensor, asarray, scalar_tensor, the deprecated
range), the process-wide settings PyTorch scripts call (threads, the default device, deterministic algorithms,
flushing denormals), questions about dtypes (promote_types, can_cast, is_signed, typename), and the complex-number
functions as PyTorch answers them for real tensors (real is the tensor itself, imag raises, angle is 0 or pi).

The math and scatter functions (fmax, gcd, vdot, hsplit, select_scatter, index_reduce, put, ...) are in
functional_top_ops.py; the top-level aliases of nn.functional and the in-place `torch.exp_` family in
functional_top_aliases.py; torch.vmap in func.py.
"""

from __future__ import annotations

import builtins
import os
import warnings
from typing import Any

import numpy as np

from tinygrad_edu.creation import arange  # noqa: F401  (named in range's docstring)
from tinygrad_edu.device import check_device, device
from tinygrad_edu.dtypes import _CATEGORY, _widest, get_default_dtype
from tinygrad_edu.errors import ArgumentError, DtypeError
from tinygrad_edu.functional import cat
from tinygrad_edu.tensor import Tensor, from_numpy, where

__all__ = [
    "as_tensor",
    "asarray",
    "scalar_tensor",
    "set_num_threads",
    "get_num_threads",
    "set_num_interop_threads",
    "get_num_interop_threads",
    "set_default_device",
    "get_default_device",
    "use_deterministic_algorithms",
    "are_deterministic_algorithms_enabled",
    "is_deterministic_algorithms_warn_only_enabled",
    "set_flush_denormal",
    "is_inference_mode_enabled",
    "concat",
    "concatenate",
    "promote_types",
    "can_cast",
    "is_signed",
    "typename",
    "real",
    "imag",
    "conj",
    "conj_physical",
    "angle",
    "is_complex",
    "is_conj",
    "is_neg",
    "resolve_conj",
    "resolve_neg",
]
# (torch.range is exported by name in __init__.py, not through __all__: `from tinygrad_edu import *` must not
# replace Python's own range)


# ---- making tensors ------------------------------------------------------------------------------------


def _same_dtype(array: Any, dtype: Any) -> bool:
    return dtype is None or np.dtype(dtype) == array.dtype


def as_tensor(data: Any, dtype: Any = None, device: Any = None) -> Tensor:
    """data as a tensor, sharing memory where it can, as `torch.as_tensor`: a tensor of that dtype is returned as it
    is, an ndarray of that dtype is wrapped without a copy (as from_numpy); anything else is converted (copied).

    Example:
        >>> a = np.zeros(2)
        >>> t = tg.as_tensor(a)
        >>> a[0] = 5.0
        >>> t
        tensor([5., 0.], dtype=float64)
    """
    check_device("as_tensor", device)
    if isinstance(data, Tensor):
        return data if _same_dtype(data.data, dtype) else data.to(dtype)
    if isinstance(data, np.ndarray) and _same_dtype(data, dtype):
        return from_numpy(data)
    return Tensor(data, dtype=dtype)


def asarray(
    obj: Any, *, dtype: Any = None, device: Any = None, copy: bool | None = None, requires_grad: bool | None = None
) -> Tensor:
    """obj as a tensor, as `torch.asarray`: shares memory with a tensor or ndarray of the asked dtype unless
    copy=True; copy=False where a copy is needed (another dtype, a list) is a ValueError. A tensor keeps its graph
    unless requires_grad says otherwise (False: detached; True: a leaf that requires grad, if it is not in a graph).

    Example:
        >>> a = np.arange(3.0)
        >>> tg.asarray(a).data is a
        True
        >>> tg.asarray([1, 2], dtype=tg.float32)
        tensor([1., 2.], dtype=float32)
    """
    check_device("asarray", device)
    array = obj.data if isinstance(obj, Tensor) else obj
    shares = isinstance(array, np.ndarray) and _same_dtype(array, dtype)
    if copy is False and not shares:
        raise ValueError(f"asarray: can't alias {type(obj).__name__} of this dtype without a copy (copy=False)")
    if shares and not copy:
        out = obj if isinstance(obj, Tensor) else from_numpy(array)
    elif isinstance(obj, Tensor):
        out = obj.clone() if _same_dtype(array, dtype) else obj.to(dtype)
    else:
        out = Tensor(np.array(array, copy=True) if isinstance(array, np.ndarray) else array, dtype=dtype)
    if requires_grad is False and out.requires_grad:
        out = out.detach()
    elif requires_grad and not out.requires_grad:
        out = out.detach() if out is obj else out
        out.requires_grad_(True)
    return out


def scalar_tensor(s: Any, *, dtype: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:
    """A 0-d tensor holding the number s, of the default float dtype unless dtype says (an int too), as
    `torch.scalar_tensor`.

    Example:
        >>> tg.scalar_tensor(3)
        tensor(3., dtype=float32)
    """
    check_device("scalar_tensor", device)
    return Tensor(np.asarray(s, dtype=get_default_dtype() if dtype is None else dtype), requires_grad=requires_grad)


def range(  # noqa: A001  (torch's name)
    start: Any, end: Any, step: Any = 1, *, dtype: Any = None, device: Any = None, requires_grad: bool = False
) -> Tensor:
    """start, start + step, ... up to and including end, of the default float dtype: torch's deprecated
    `torch.range`, with its UserWarning (use arange, which stops before end).

    Example:
        >>> import warnings
        >>> with warnings.catch_warnings():
        ...     warnings.simplefilter("ignore")
        ...     tg.range(1, 3)
        tensor([1., 2., 3.], dtype=float32)
    """
    warnings.warn(
        "torch.range is deprecated and will be removed in a future release because its behavior is inconsistent "
        "with Python's range builtin. Instead, use torch.arange, which produces values in [start, end).",
        UserWarning,
        stacklevel=2,
    )
    check_device("range", device)
    if step == 0:
        raise ArgumentError("range: step must be nonzero")
    if (end - start) * step < 0:
        raise ArgumentError("range: upper bound and larger bound inconsistent with step sign")
    count = int(np.floor((end - start) / step)) + 1
    values = start + np.arange(count, dtype=np.float64) * step
    return Tensor(values.astype(get_default_dtype() if dtype is None else dtype), requires_grad=requires_grad)


def concat(tensors: Any, dim: int = 0) -> Tensor:
    """torch.concat: another name for cat.

    Example:
        >>> tg.concat([tg.ones(1), tg.zeros(1)])
        tensor([1., 0.], dtype=float32)
    """
    return cat(tensors, dim)


def concatenate(tensors: Any, axis: int = 0) -> Tensor:
    """torch.concatenate: cat, with NumPy's argument name `axis`.

    Example:
        >>> tg.concatenate([tg.ones(1), tg.zeros(1)], axis=0)
        tensor([1., 0.], dtype=float32)
    """
    return cat(tensors, axis)


# ---- process-wide settings -----------------------------------------------------------------------------


class _Settings:
    """What the settings functions remember (PyTorch keeps them in its C++ runtime)."""

    num_threads = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    num_interop_threads = num_threads
    deterministic = False
    deterministic_warn_only = False


def _positive_int(op: str, n: Any) -> int:
    if isinstance(n, builtins.bool) or not isinstance(n, (builtins.int, np.integer)):
        raise TypeError(f"{op}(): argument must be int, not {type(n).__name__}")
    if n <= 0:
        raise ArgumentError(f"{op}: expects a positive integer, got {n}")
    return builtins.int(n)


def set_num_threads(int: Any) -> None:  # noqa: A002  (torch's argument name)
    """Remember the number of threads for intra-op work, as `torch.set_num_threads`; NumPy's BLAS is limited to it
    when threadpoolctl is installed (it is optional), else the number is only remembered.

    Example:
        >>> old = tg.get_num_threads()
        >>> tg.set_num_threads(1); tg.get_num_threads()
        1
        >>> tg.set_num_threads(old)
    """
    _Settings.num_threads = _positive_int("set_num_threads", int)
    try:
        import threadpoolctl
    except ImportError:
        return
    threadpoolctl.threadpool_limits(limits=_Settings.num_threads, user_api="blas")


def get_num_threads() -> int:
    """The number of threads set_num_threads last set (at first, the CPUs this process may use)."""
    return _Settings.num_threads


def set_num_interop_threads(int: Any) -> None:  # noqa: A002  (torch's argument name)
    """Remember the number of inter-op threads, as `torch.set_num_interop_threads` (nothing runs between ops in
    parallel here, so it is only remembered)."""
    _Settings.num_interop_threads = _positive_int("set_num_interop_threads", int)


def get_num_interop_threads() -> int:
    """The number set_num_interop_threads last set."""
    return _Settings.num_interop_threads


def set_default_device(device: Any) -> None:
    """Accept the CPU (or None) as the default device, as `torch.set_default_device`; "cuda" and the others are
    a RuntimeError, as everywhere in tinygrad_edu.

    Example:
        >>> tg.set_default_device("cpu"); tg.get_default_device()
        device(type='cpu')
    """
    check_device("set_default_device", device)


def get_default_device() -> device:
    """The default device: always the CPU."""
    return device("cpu")


def use_deterministic_algorithms(mode: bool, *, warn_only: bool = False) -> None:
    """Remember the flag, as `torch.use_deterministic_algorithms`; every op here is deterministic already.

    Example:
        >>> tg.use_deterministic_algorithms(True); tg.are_deterministic_algorithms_enabled()
        True
        >>> tg.use_deterministic_algorithms(False)
    """
    if not isinstance(mode, builtins.bool):
        raise TypeError(f"use_deterministic_algorithms expects a bool, but got {type(mode).__name__}")
    _Settings.deterministic = mode
    _Settings.deterministic_warn_only = builtins.bool(warn_only)


def are_deterministic_algorithms_enabled() -> bool:
    """Whether use_deterministic_algorithms(True) is in force."""
    return _Settings.deterministic


def is_deterministic_algorithms_warn_only_enabled() -> bool:
    """Whether use_deterministic_algorithms was last called with warn_only=True."""
    return _Settings.deterministic_warn_only


def set_flush_denormal(mode: bool) -> bool:
    """Return False: NumPy gives no control of the CPU's denormal mode, so denormals are kept (as where PyTorch
    cannot set it; on x86 PyTorch sets it and returns True).

    Example:
        >>> tg.set_flush_denormal(True)
        False
    """
    return False


def is_inference_mode_enabled() -> bool:
    """False: tinygrad_edu's inference_mode is no_grad under another name and makes no inference tensors, so
    there is no inference mode to be in (check is_grad_enabled() instead)."""
    return False


# ---- dtypes --------------------------------------------------------------------------------------------


def _dtype(op: str, dtype: Any) -> np.dtype:
    if isinstance(dtype, Tensor):
        raise TypeError(f"{op}(): expected a dtype, got a Tensor")
    return np.dtype(dtype)


def promote_types(type1: Any, type2: Any) -> np.dtype:
    """The smallest dtype both dtypes convert to by PyTorch's rules (bool < integers < floats; within a kind,
    NumPy's promotion), as `torch.promote_types`.

    Example:
        >>> tg.promote_types(tg.int64, tg.float16)
        dtype('float16')
    """
    return _widest([_dtype("promote_types", type1), _dtype("promote_types", type2)])


def can_cast(from_: Any, to: Any) -> bool:
    """Whether PyTorch's type promotion allows casting from_ to `to`: not to a lower kind (float to int, int to
    bool), any size within a kind, as `torch.can_cast`.

    Example:
        >>> tg.can_cast(tg.float64, tg.int32), tg.can_cast(tg.int64, tg.int8)
        (False, True)
    """
    return _CATEGORY[_dtype("can_cast", from_).kind] <= _CATEGORY[_dtype("can_cast", to).kind]


def is_signed(input: Tensor) -> bool:
    """Whether input's dtype holds negative numbers (not bool nor uint8), as `torch.is_signed`.

    Example:
        >>> tg.is_signed(tg.ones(1)), tg.is_signed(tg.ones(1, dtype=tg.uint8))
        (True, False)
    """
    return input.data.dtype.kind in "if"


_TENSOR_TYPES = {
    "float32": "FloatTensor",
    "float64": "DoubleTensor",
    "float16": "HalfTensor",
    "int64": "LongTensor",
    "int32": "IntTensor",
    "int16": "ShortTensor",
    "int8": "CharTensor",
    "uint8": "ByteTensor",
    "bool": "BoolTensor",
}


def typename(obj: Any) -> str:
    """PyTorch's name for obj's type: "torch.FloatTensor" for a float32 tensor, else the type's dotted name, as
    `torch.typename`.

    Example:
        >>> tg.typename(tg.ones(1)), tg.typename(1.5)
        ('torch.FloatTensor', 'float')
    """
    if isinstance(obj, Tensor):
        return "torch." + _TENSOR_TYPES.get(obj.data.dtype.name, "Tensor")
    module = getattr(obj, "__module__", "") or ""
    name = getattr(obj, "__qualname__", None) or getattr(obj, "__name__", None)
    if name is None:
        module, name = type(obj).__module__, type(obj).__qualname__
    return name if module in ("", "builtins") else f"{module}.{name}"


# ---- complex numbers, for the real tensors there are here -------------------------------------------------


def real(input: Tensor) -> Tensor:
    """input itself: a real tensor is its own real part, as `torch.real` gives for real tensors.

    Example:
        >>> x = tg.ones(2)
        >>> tg.real(x) is x, tg.conj(x) is x, tg.is_complex(x)
        (True, True, False)
    """
    return input


def imag(input: Tensor) -> Tensor:
    """A RuntimeError, as `torch.imag` for a real tensor (tinygrad_edu has no complex dtypes).

    Example:
        >>> tg.imag(tg.ones(2))
        Traceback (most recent call last):
        ...
        tinygrad_edu.errors.DtypeError: imag is not implemented for tensors with non-complex dtypes.
    """
    raise DtypeError("imag is not implemented for tensors with non-complex dtypes.")


def conj(input: Tensor) -> Tensor:
    """input itself: a real tensor is its own conjugate, as `torch.conj` gives for real tensors."""
    return input


def conj_physical(input: Tensor) -> Tensor:
    """input's values (a new tensor in the graph): the conjugate of a real tensor, as `torch.conj_physical`."""
    return input.clone()


def resolve_conj(input: Tensor) -> Tensor:
    """input itself: no tensor here carries a lazy conjugation."""
    return input


def resolve_neg(input: Tensor) -> Tensor:
    """input itself: no tensor here carries a lazy negation."""
    return input


def is_complex(input: Tensor) -> bool:
    """False: tinygrad_edu has no complex dtypes."""
    return False


def is_conj(input: Tensor) -> bool:
    """False: no tensor here carries a lazy conjugation."""
    return False


def is_neg(input: Tensor) -> bool:
    """False: no tensor here carries a lazy negation."""
    return False


def angle(input: Tensor) -> Tensor:
    """The argument of each element as a complex number: pi for a negative one, 0 otherwise (nan stays nan), of
    a float dtype (the default one for ints and bools), with gradient zero, as `torch.angle` on real tensors.

    Example:
        >>> tg.angle(tg.tensor([-2.0, 0.0, 3.0])).tolist() == [np.float32(np.pi), 0.0, 0.0]
        True
    """
    x = input if input.data.dtype.kind == "f" else input.to(get_default_dtype())
    values = np.where(np.isnan(x.data), x.data, np.where(x.data < 0, np.pi, 0.0)).astype(x.data.dtype)
    # `where(all False, x, values)`: the values, joined to x's graph with a zero gradient (torch's angle_backward)
    return where(np.zeros(x.shape, dtype=np.bool_), x, Tensor._from_op(values, None))
