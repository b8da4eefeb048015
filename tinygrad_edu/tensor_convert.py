"""dtype and device conversions of a Tensor: to(), float(), double(), long(), type(), cpu(), as PyTorch's.

`Tensor` (tensor.py) inherits these from `ConvertMethods`. Between float dtypes a conversion is the op `Cast`
(ops/elementwise.py), so the gradient flows back cast to the input's dtype; to an int or bool dtype it has no
gradient, as in PyTorch. There is one device, the CPU: `to("cpu")` and `cpu()` return the tensor itself, and
`to("cuda")` or `cuda()` is a clear error. PyTorch's dtype rules (the default dtype, type promotion) are in
dtypes.py; numpy(), item() and tolist(), which leave the Tensor for NumPy or Python, are in tensor.py.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

import tinygrad_edu as _tinygrad_edu
import tinygrad_edu.tensor as _tensor_module
from tinygrad_edu.device import check_device

if TYPE_CHECKING:
    from tinygrad_edu.dtypes import DTypeLike
    from tinygrad_edu.tensor import Tensor

# tensor.py is still being imported when this module runs (Tensor inherits from it), so what these methods
# use of tensor.py (_tensor.Tensor) and of the package (_tg.ops) is read at call time. (Typed Any: the type
# checker sees `self` as this mixin where those functions expect a Tensor.)
_tensor: Any = _tensor_module
_tg: Any = _tinygrad_edu


class ConvertMethods:
    """Methods of Tensor (see the module docstring); `self` is always a Tensor."""

    __slots__ = ()

    if TYPE_CHECKING:  # what these methods use of Tensor, declared for the type checker only
        data: np.ndarray

    # ---- the device: the CPU, the one there is -------------------------------------------------

    @property
    def device(self) -> Any:
        """tg.device("cpu"): every tensor is on the CPU here."""
        from tinygrad_edu.device import device

        return device("cpu")

    @property
    def is_cuda(self) -> bool:
        """False: every tensor is on the CPU here."""
        return False

    def cuda(self, *args: Any, **kwargs: Any) -> Any:
        """Refused: there is no GPU here (tinygrad_edu runs on NumPy)."""
        check_device("cuda()", "cuda")

    # ---- dtype conversions ---------------------------------------------------------------------

    def to(self, dtype: DTypeLike = None, device: Any = None, *args: Any, **kwargs: Any) -> Tensor:
        """Convert to `dtype`; between float dtypes the gradient flows back (cast to the input's dtype).

        `x.to("cpu")` returns x, as in PyTorch for a tensor already on the CPU (the one device here);
        `x.to(other)` takes other's dtype; `x.to("cuda")` is a clear error. PyTorch's other forms,
        `x.to(device, dtype)` and `x.to(dtype=..., device=...)`, work too.
        """
        dtype, device = kwargs.pop("dtype", dtype), kwargs.pop("device", device)
        if isinstance(dtype, _tensor.Tensor):
            dtype = dtype.data.dtype
        if _is_device(dtype):  # x.to(device) or x.to(device, dtype)
            dtype, device = device, dtype
        check_device("to", device)
        if dtype is None or _is_device(dtype):
            check_device("to", dtype)
            return self  # type: ignore[return-value]  # (self is a Tensor: this class is mixed into it)
        dtype = np.dtype(dtype)
        if dtype == self.data.dtype:
            return self  # type: ignore[return-value]
        return _tg.ops.Cast.apply(self, dtype=dtype)

    def cpu(self) -> Tensor:
        """This tensor: it is already on the CPU (as `torch.Tensor.cpu` returns a CPU tensor as is)."""
        return self  # type: ignore[return-value]

    def float(self) -> Tensor:
        """Convert to float32."""
        return self.to(np.float32)

    def double(self) -> Tensor:
        """Convert to float64 (what gradient checks use)."""
        return self.to(np.float64)

    def long(self) -> Tensor:
        """Convert to int64 (no gradient)."""
        return self.to(np.int64)

    def int(self) -> Tensor:
        """Convert to int32 (no gradient)."""
        return self.to(np.int32)

    def bool(self) -> Tensor:
        """Convert to bool (no gradient)."""
        return self.to(np.bool_)

    def half(self) -> Any:
        """Convert to float16."""
        return self.to(np.float16)

    def short(self) -> Any:
        """Convert to int16 (no gradient)."""
        return self.to(np.int16)

    def byte(self) -> Any:
        """Convert to uint8 (no gradient)."""
        return self.to(np.uint8)

    def type(self, dtype: Any = None) -> Any:
        """With no argument, PyTorch's type name ('torch.FloatTensor'); else the tensor converted to dtype
        (a dtype, or a name such as 'torch.DoubleTensor')."""
        if dtype is None:
            return "torch." + _TYPE_NAMES.get(self.data.dtype, "Tensor")
        if isinstance(dtype, str) and dtype.removeprefix("torch.") in _TYPE_NAMES.values():
            name = dtype.removeprefix("torch.")
            dtype = next(k for k, v in _TYPE_NAMES.items() if v == name)
        return self.to(dtype)

    def type_as(self, other: Any) -> Any:
        """This tensor converted to other's dtype."""
        return self.to(other.dtype)


def _is_device(x: Any) -> bool:
    """True for what names a device ("cpu", "cuda:0", tg.device) rather than a dtype."""
    name = str(getattr(x, "type", x)) if isinstance(x, str) or hasattr(x, "index") else ""
    return name.split(":")[0] in ("cpu", "cuda", "mps", "xpu", "meta")


_TYPE_NAMES = {
    np.dtype(np.float32): "FloatTensor",
    np.dtype(np.float64): "DoubleTensor",
    np.dtype(np.float16): "HalfTensor",
    np.dtype(np.int64): "LongTensor",
    np.dtype(np.int32): "IntTensor",
    np.dtype(np.int16): "ShortTensor",
    np.dtype(np.int8): "CharTensor",
    np.dtype(np.uint8): "ByteTensor",
    np.dtype(np.bool_): "BoolTensor",
}
