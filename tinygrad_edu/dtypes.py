"""PyTorch's dtype rules: the default float dtype, turning user data into arrays, and type promotion.

Every op that mixes dtypes asks `result_type` (or `_promote`) here, so `int tensor + 0.5` is float32 and
`uint8 tensor + 1000` stays uint8, as in PyTorch, where NumPy alone would say float64 and int64. The operators
(`x + y`, tensor.py's `_binary`) take a fast path when NumPy already gives PyTorch's dtype, and otherwise
`_binary_promoted` here, which casts first.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from tinygrad_edu import autograd as _autograd
from tinygrad_edu.errors import ArgumentError, DtypeError
from tinygrad_edu.tensor import Tensor  # (tensor.py imports this module at its end, once Tensor exists)

__all__ = ["get_default_dtype", "set_default_dtype", "result_type"]

DTypeLike = Any  # anything np.dtype() accepts: np.float32, tg.float64, 'float32', a dtype

# The dtype of tensors made from Python floats, and of float results of int inputs, as in PyTorch.
# tg.set_default_dtype changes it; code elsewhere reads it through get_default_dtype() at call time.
DEFAULT_DTYPE = np.dtype(np.float32)


def get_default_dtype() -> np.dtype:
    """The default float dtype (float32 unless set_default_dtype changed it), as `torch.get_default_dtype`."""
    return DEFAULT_DTYPE


def set_default_dtype(dtype: DTypeLike) -> None:
    """Make `dtype` (a float dtype) the default for Python floats, creation functions and new layers, as
    `torch.set_default_dtype`.

    Example:
        >>> tg.set_default_dtype(tg.float64); tg.tensor(1.5).dtype
        dtype('float64')
    """
    global DEFAULT_DTYPE
    dtype = np.dtype(dtype)
    if dtype.kind != "f":
        raise DtypeError(f"set_default_dtype: only floating-point dtypes can be the default, got {dtype}")
    DEFAULT_DTYPE = dtype


def dtype_or_default(dtype: DTypeLike) -> np.dtype:
    """`dtype` as a NumPy dtype, or the default dtype when it is None: what a new layer's parameters and float
    buffers get, as PyTorch's `dtype=None` factory argument (read at construction, so set_default_dtype counts)."""
    return get_default_dtype() if dtype is None else np.dtype(dtype)


_PLAIN_DATA = (np.ndarray, list, tuple, float, int, bool)  # what tensors are usually made from: no other array kind


def _to_array(data: Any, dtype: DTypeLike = None) -> np.ndarray:
    """Convert what a user hands us into a new ndarray, following PyTorch's dtype rules."""
    if isinstance(data, Tensor):
        data = data.data
    if dtype is not None:
        dtype = np.dtype(dtype)
    if type(data) not in _PLAIN_DATA and _autograd.is_other_array(data):
        # a traced array: a copy of its own kind, with the same dtype rules
        if dtype is None:
            dtype = data.dtype if data.dtype.kind == "f" else DEFAULT_DTYPE
        return data.astype(dtype)
    try:
        array = np.array(data, dtype=dtype)
    except ValueError as error:
        if isinstance(data, (list, tuple)):
            raise ValueError(f"tensor: ragged nested sequence: every row must have the same length ({error})") from None
        raise
    except TypeError as error:
        raise DtypeError(f"tensor: cannot make a tensor from {type(data).__name__}: {error}") from None
    if array.dtype.kind not in "biuf":
        raise DtypeError(
            f"tensor: unsupported data of dtype {array.dtype} (from {type(data).__name__}); "
            "tensors hold numbers (float, int or bool)"
        )
    if dtype is None and not isinstance(data, (np.ndarray, np.generic)):
        # Python numbers and lists, as PyTorch: floats become the default dtype (float32), ints int64,
        # bools bool (NumPy already gives int64 and bool for those)
        if array.dtype.kind == "f":
            array = array.astype(DEFAULT_DTYPE)
        elif array.dtype.kind in "iu":
            array = array.astype(np.int64)
    return array


def _check_can_require_grad(dtype: np.dtype, where: str) -> None:
    """Refuse requires_grad on a non-float dtype: only real-valued tensors have a derivative, as in PyTorch."""
    if dtype.kind != "f":
        raise DtypeError(
            f"{where}: only floating-point tensors can require grad, got dtype {dtype}; convert first, e.g. x.float()"
        )


_CATEGORY = {"b": 0, "u": 1, "i": 1, "f": 2}  # PyTorch's type categories: bool < integer < floating


def _widest(dtypes: list) -> np.dtype:
    """The dtype that holds every dtype of the highest category among `dtypes` (int + float16 is float16)."""
    top = max(_CATEGORY[d.kind] for d in dtypes)
    return np.result_type(*[d for d in dtypes if _CATEGORY[d.kind] == top])


def result_type(*operands: Any) -> np.dtype:
    """The dtype PyTorch's type promotion gives `operands` (tensors and Python numbers), as `torch.result_type`.

    Tensors with dimensions decide; a 0-d tensor changes the result only when its category (bool < int <
    float) is higher than theirs, and a Python number only when its category is higher than every
    tensor's: then a float gives the default dtype, an int int64. So float16 tensor + float64 0-d tensor
    is float16, int tensor + 0.5 is float32, uint8 tensor + 1000 stays uint8.
    """
    dims = [x.data.dtype for x in operands if isinstance(x, Tensor) and x.data.ndim]
    zeros = [x.data.dtype for x in operands if isinstance(x, Tensor) and not x.data.ndim]
    numbers = [x for x in operands if not isinstance(x, Tensor)]
    dtype = _widest(dims) if dims else None
    if zeros:
        zero = _widest(zeros)
        if dtype is None or _CATEGORY[zero.kind] > _CATEGORY[dtype.kind]:
            dtype = zero
    if numbers:
        top = max(2 if isinstance(x, float) else 0 if isinstance(x, bool) else 1 for x in numbers)
        if dtype is None or top > _CATEGORY[dtype.kind]:
            dtype = (np.dtype(np.bool_), np.dtype(np.int64), DEFAULT_DTYPE)[top]
    if dtype is None:
        raise ArgumentError("result_type needs at least one tensor or number")
    return dtype


def _cast(x: Tensor, dtype: np.dtype) -> Any:
    """x as dtype for an op's input: between floats in the graph (Cast), else its plain cast data (no gradient)."""
    if x.data.dtype == dtype:
        return x
    if x.data.dtype.kind == "f" and dtype.kind == "f":
        return x.to(dtype)
    return x.data.astype(dtype)


def _promote(a: Tensor, b: Any, true_divide: bool = False) -> tuple[Any, Any]:
    """The operands of `a op b`, cast to the dtype PyTorch's type promotion gives (see result_type).

    NumPy agrees with PyTorch when both sides are floats with dimensions, or `a` is a float tensor and
    `b` a Python number; elsewhere NumPy would give another dtype (float64 for an int tensor with a Python
    float, the wider dtype where PyTorch's 0-d tensor is "weak"), so both sides are cast first. A NumPy
    number such as np.float64(2) counts as a Python number, as in PyTorch; true division of ints gives
    the default float dtype.
    """
    if isinstance(b, np.generic):
        b = b.item()
    elif not isinstance(b, (Tensor, int, float)):
        b = Tensor(b)
    dtype = result_type(a, b)
    if true_divide and dtype.kind != "f":  # int / int
        dtype = DEFAULT_DTYPE
    return _cast(a, dtype), (_cast(b, dtype) if isinstance(b, Tensor) else b)


def _binary_promoted(op: Any, a: Tensor, b: Any, reflected: bool, true_divide: bool) -> Tensor:
    """tensor.py's `_binary` (`a op b`, or `b op a` when reflected) where an operand is first cast to the
    promoted dtype: an int, bool, 0-d or NumPy-number side, the uncommon path of the operators.

    The op then holds (and may save) a cast copy, where PyTorch saves the tensor itself: the op is told which
    tensors its inputs stand for, so that an in-place change of one of them still makes backward refuse (see
    autograd's _check_saved_unchanged).
    """
    cast_a, cast_b = _promote(a, b, true_divide)
    out = op.apply(cast_b, cast_a) if reflected else op.apply(cast_a, cast_b)
    if out.grad_fn is not None:
        pairs = ((cast_a, a), (cast_b, b))
        out.grad_fn.cast_from = [
            (i, original, original._version)
            for i, x in enumerate(out.grad_fn.inputs)
            for cast, original in pairs
            if x is cast and cast is not original and isinstance(original, Tensor)
        ]
    return out


# ---- torch.finfo and torch.iinfo: a dtype's limits, as Python numbers -------------------------------------------


class finfo:  # noqa: N801  (torch.finfo's name)
    """The limits of a float dtype (the default one if none is given), as `torch.finfo`: bits, eps, max, min,
    tiny (= smallest_normal) and resolution, as Python floats (NumPy's np.finfo gives NumPy scalars).

    Example:
        >>> tg.finfo(tg.float32).eps, tg.finfo(tg.float64).bits
        (1.1920928955078125e-07, 64)
    """

    def __init__(self, type: DTypeLike = None) -> None:  # noqa: A002  (torch's argument name)
        dtype = DEFAULT_DTYPE if type is None else np.dtype(type)
        if dtype.kind != "f":
            raise TypeError(f"torch.finfo() requires a floating point input type, got {dtype}; use iinfo for ints")
        info = np.finfo(dtype)
        self.dtype = str(dtype)
        self.bits = int(info.bits)
        self.eps, self.max, self.min = float(info.eps), float(info.max), float(info.min)
        self.tiny = self.smallest_normal = float(info.tiny)
        self.resolution = 10.0 ** -int(info.precision)  # (exactly, as torch; NumPy rounds it to the dtype)

    def __repr__(self) -> str:
        return (
            f"finfo(resolution={self.resolution}, min={self.min}, max={self.max}, eps={self.eps}, "
            f"smallest_normal={self.smallest_normal}, tiny={self.tiny}, dtype={self.dtype})"
        )


class iinfo:  # noqa: N801  (torch.iinfo's name)
    """The limits of an integer dtype, as `torch.iinfo`: bits, max and min as Python ints.

    Example:
        >>> tg.iinfo(tg.int32).max, tg.iinfo(tg.uint8).min
        (2147483647, 0)
    """

    def __init__(self, type: DTypeLike) -> None:  # noqa: A002  (torch's argument name)
        dtype = np.dtype(type)
        if dtype.kind not in "iu":
            raise TypeError(f"torch.iinfo() requires an integer input type, got {dtype}; use finfo for floats")
        info = np.iinfo(dtype)  # type: ignore[type-var]  # (an integer dtype, checked above)
        self.dtype = str(dtype)
        self.bits, self.max, self.min = int(info.bits), int(info.max), int(info.min)

    def __repr__(self) -> str:
        return f"iinfo(min={self.min}, max={self.max}, dtype={self.dtype})"


__all__ += ["finfo", "iinfo"]
