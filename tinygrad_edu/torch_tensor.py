"""`torch.Tensor` under as-torch (torch_alias.py): Tensor's methods, PyTorch's legacy constructor, every tensor.

In PyTorch, calling the class `torch.Tensor(...)` is its legacy constructor: `torch.Tensor([1, 2])` is float32 (the
default dtype) and `torch.Tensor(2, 3)` a (2, 3) float tensor, where `torch.tensor([1, 2])` is int64. tinygrad_edu's
own `tg.Tensor(data)` keeps the data's dtype, as `tg.tensor` does (the README's table of differences), so
`tg.as_torch()` makes `torch.Tensor` `TorchTensor` below, and an as-torch script gets PyTorch's answers.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from tinygrad_edu.device import check_device
from tinygrad_edu.dtypes import get_default_dtype
from tinygrad_edu.tensor import Tensor
from tinygrad_edu.tensor_shape import Size

__all__ = ["TorchTensor", "legacy_tensor"]


def _is_size(x: Any) -> bool:
    """An int that can be a size (a Python or NumPy int, never a bool), as the legacy constructor reads one."""
    return isinstance(x, (int, np.integer)) and not isinstance(x, (bool, np.bool_))


def legacy_tensor(*args: Any, device: Any = None, **kwargs: Any) -> Tensor:
    """What `torch.Tensor(...)` gives in PyTorch: a tensor of the default float dtype (float32).

    `Tensor(data)` (a sequence or an ndarray) converts data to the default dtype: `Tensor([1, 2])` is float32
    where `tensor([1, 2])` is int64; an ndarray already of that dtype is shared, not copied, as in PyTorch.
    `Tensor(2, 3)` or `Tensor(Size([2, 3]))` makes that shape; PyTorch leaves the values uninitialised, here they
    are zeros. `Tensor()` is empty, shape (0,). `Tensor(t)` of a tensor is a view of t, its dtype kept. As in
    PyTorch, a number is not data (`Tensor(2.5)` is a TypeError: write `tensor(2.5)`), and dtype= and
    requires_grad= are refused: use `torch.tensor(data, dtype=..., requires_grad=...)`.

    Example:
        >>> legacy_tensor([1, 2]), legacy_tensor(2, 3).shape, legacy_tensor().shape
        (tensor([1., 2.], dtype=float32), (2, 3), (0,))
    """
    return _legacy("Tensor", get_default_dtype(), args, device, kwargs)


def _legacy(name: str, dtype: np.dtype, args: tuple[Any, ...], device: Any, kwargs: dict[str, Any]) -> Tensor:
    """legacy_tensor's work, for `torch.<name>(...)` making tensors of `dtype` (Tensor: the default dtype)."""
    if kwargs:
        raise TypeError(
            f"{name}(): unexpected keyword argument {next(iter(kwargs))!r}: PyTorch's legacy constructor "
            f"torch.{name}(...) takes only device=; for dtype= or requires_grad= use torch.tensor(data, ...)"
        )
    check_device(name, device)
    if len(args) == 1 and isinstance(args[0], Size):
        args = tuple(args[0])
    if all(_is_size(x) for x in args):  # Tensor(2, 3), and Tensor() with no sizes: shape (0,)
        shape = tuple(int(x) for x in args) if args else (0,)
        if any(n < 0 for n in shape):
            raise RuntimeError(f"{name}(): trying to create a tensor with a negative dimension: {list(shape)}")
        return Tensor(np.zeros(shape, dtype=dtype))
    if len(args) != 1:
        kinds = ", ".join(type(x).__name__ for x in args)
        raise TypeError(f"{name}(): takes sizes (ints) or one sequence of data, got ({kinds})")
    data = args[0]
    if isinstance(data, Tensor):
        if name != "Tensor" and data.dtype != dtype:  # (torch.Tensor(t) keeps t's dtype; torch.FloatTensor(t) asks)
            raise TypeError(f"{name}(): expected a tensor of dtype {dtype}, got {data.dtype}")
        return data.view_as(data)  # PyTorch's alias: the same data, in the graph
    if isinstance(data, np.ndarray):
        if data.dtype == dtype:
            return Tensor._from_op(data, None)  # shared, as torch.from_numpy
        if data.dtype.kind not in "biuf":
            raise TypeError(f"{name}(): cannot convert an ndarray of dtype {data.dtype}; tensors hold numbers")
    elif isinstance(data, (str, bytes)) or not hasattr(data, "__iter__"):
        raise TypeError(
            f"{name}(): data must be a sequence (got {type(data).__name__}), as in PyTorch; for a 0-d tensor "
            "of a number write torch.tensor(x)"
        )
    elif not isinstance(data, (list, tuple)):
        data = list(data)  # range(3), a generator
    return Tensor(data, dtype=dtype)


class _TorchTensorType(type):
    """The type of TorchTensor: calling TorchTensor is `legacy_tensor`, and every tinygrad_edu tensor is an
    instance (`isinstance(x, torch.Tensor)`), every subclass of Tensor a subclass (`nn.Parameter`). A class a
    script derives from torch.Tensor is an ordinary subclass of Tensor."""

    def __call__(cls, *args: Any, **kwargs: Any) -> Any:
        if cls is TorchTensor:
            return legacy_tensor(*args, **kwargs)
        return super().__call__(*args, **kwargs)

    def __instancecheck__(cls, instance: Any) -> bool:
        return isinstance(instance, Tensor) if cls is TorchTensor else super().__instancecheck__(instance)

    def __subclasscheck__(cls, subclass: Any) -> bool:
        return issubclass(subclass, Tensor) if cls is TorchTensor else super().__subclasscheck__(subclass)


class TorchTensor(Tensor, metaclass=_TorchTensorType):
    """`torch.Tensor` under as_torch: Tensor's methods (`torch.Tensor.add(x, y)`), PyTorch's legacy constructor
    (`torch.Tensor([1, 2])` is float32, see legacy_tensor), and `isinstance(x, torch.Tensor)` true for every tensor.
    It makes no instances of its own: `type(torch.Tensor([1]))` is tinygrad_edu's Tensor.

    Example:
        >>> TorchTensor([1, 2]).dtype, isinstance(tg.zeros(2), TorchTensor), issubclass(tg.nn.Parameter, TorchTensor)
        (dtype('float32'), True, True)
    """

    __slots__ = ()


# ---- torch.FloatTensor, torch.LongTensor, ...: the legacy constructors of one dtype each -----------------------


class _TypedTensorType(type):
    """The type of FloatTensor and its kin: calling one is the legacy constructor of its dtype
    (`torch.LongTensor([1, 2])`, `torch.FloatTensor(2, 3)`), isinstance tests a tensor's dtype
    (`isinstance(torch.ones(2), torch.FloatTensor)`), and `x.type(torch.DoubleTensor)` converts."""

    _legacy_dtype: np.dtype

    def __call__(cls, *args: Any, device: Any = None, **kwargs: Any) -> Any:
        return _legacy(cls.__name__, cls._legacy_dtype, args, device, kwargs)

    def __instancecheck__(cls, instance: Any) -> bool:
        return isinstance(instance, Tensor) and instance.data.dtype == cls._legacy_dtype

    def __repr__(cls) -> str:
        return f"<class 'torch.{cls.__name__}'>"


def _typed_tensor(name: str, dtype: Any) -> Any:
    return _TypedTensorType(
        name, (), {"_legacy_dtype": np.dtype(dtype), "__doc__": f"torch.{name}: see _TypedTensorType"}
    )


FloatTensor = _typed_tensor("FloatTensor", np.float32)
DoubleTensor = _typed_tensor("DoubleTensor", np.float64)
HalfTensor = _typed_tensor("HalfTensor", np.float16)
LongTensor = _typed_tensor("LongTensor", np.int64)
IntTensor = _typed_tensor("IntTensor", np.int32)
ShortTensor = _typed_tensor("ShortTensor", np.int16)
CharTensor = _typed_tensor("CharTensor", np.int8)
ByteTensor = _typed_tensor("ByteTensor", np.uint8)
BoolTensor = _typed_tensor("BoolTensor", np.bool_)

__all__ += [
    "FloatTensor",
    "DoubleTensor",
    "HalfTensor",
    "LongTensor",
    "IntTensor",
    "ShortTensor",
    "CharTensor",
    "ByteTensor",
    "BoolTensor",
]
