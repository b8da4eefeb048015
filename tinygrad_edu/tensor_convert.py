"""How a Tensor converts: to another dtype or device, to NumPy and Python, and to text, as PyTorch's.

`Tensor` (tensor.py) inherits these from `ConvertMethods`:
- dtype and device: to(), float(), double(), long(), type(), cpu(). Between float dtypes a conversion is the op
  `Cast` (ops/elementwise.py), so the gradient flows back cast to the input's dtype; to an int or bool dtype it
  has no gradient, as in PyTorch. There is one device, the CPU: `to("cpu")` and `cpu()` return the tensor itself,
  and `to("cuda")` or `cuda()` is a clear error.
- leaving the Tensor for NumPy or Python: numpy(), item(), tolist(), and Python's own conversions of a
  one-element tensor: `float(t)`, `int(t)`, `bool(t)` (`if t:`), `operator.index(t)` (`names[t]`, `range(t)`).
- text: `repr(t)` (the numbers formatted by printing.py, under tg.set_printoptions) and `f"{loss:.4f}"`.
PyTorch's dtype rules (the default dtype, type promotion) are in dtypes.py.
"""

from __future__ import annotations

import builtins
from typing import TYPE_CHECKING, Any

import numpy as np

import tinygrad_edu as _tinygrad_edu
import tinygrad_edu.tensor as _tensor_module
from tinygrad_edu.device import check_device
from tinygrad_edu.errors import ShapeError
from tinygrad_edu.printing import array_text

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
        requires_grad: bool
        grad_fn: Any

        @property
        def shape(self) -> tuple[int, ...]: ...

    # ---- the device (the CPU, the one there is) and what the dtype says ------------------------

    @property
    def device(self) -> Any:
        """tg.device("cpu"): every tensor is on the CPU here."""
        from tinygrad_edu.device import device

        return device("cpu")

    @property
    def is_cuda(self) -> bool:
        """False: every tensor is on the CPU here."""
        return False

    @property
    def is_cpu(self) -> bool:
        """True: every tensor is on the CPU here."""
        return True

    def is_floating_point(self) -> bool:
        """True for a float dtype (float16, float32, float64), as `torch.is_floating_point`."""
        return self.data.dtype.kind == "f"

    def element_size(self) -> int:
        """The bytes of one element, e.g. 4 for float32 (as `torch.Tensor.element_size`; also `itemsize`)."""
        return self.data.dtype.itemsize

    @property
    def itemsize(self) -> int:
        """The bytes of one element, e.g. 4 for float32."""
        return self.data.dtype.itemsize

    @property
    def nbytes(self) -> int:
        """The bytes of all elements: numel() * itemsize."""
        return self.data.size * self.data.dtype.itemsize

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
        dtype = getattr(dtype, "_legacy_dtype", dtype)  # torch.FloatTensor and its kin (torch_tensor.py)
        if isinstance(dtype, str) and dtype.removeprefix("torch.") in _TYPE_NAMES.values():
            name = dtype.removeprefix("torch.")
            dtype = next(k for k, v in _TYPE_NAMES.items() if v == name)
        return self.to(dtype)

    def type_as(self, other: Any) -> Any:
        """This tensor converted to other's dtype."""
        return self.to(other.dtype)

    # ---- leaving the Tensor: NumPy's array, Python's numbers and lists -------------------------
    # (`builtins.int` in the annotations: in this class `int` is the method int(), a conversion to int32)

    def numpy(self) -> np.ndarray:
        """The data as an ndarray (shared, not copied). Refused while it requires grad, as in PyTorch."""
        if self.requires_grad:
            raise RuntimeError("numpy(): this tensor requires grad; call tensor.detach().numpy() to get its data")
        return self.data

    def item(self) -> builtins.float | builtins.int | builtins.bool:
        """The value of a one-element tensor as a Python number."""
        if self.data.size != 1:
            raise ShapeError(f"item(): only one-element tensors can be converted, got shape {self.shape}")
        return self.data.item()

    def tolist(self) -> Any:
        """The data as (nested) Python lists of Python numbers, e.g. [[1.0, 2.0]]."""
        return self.data.tolist()

    def __bool__(self) -> builtins.bool:  # `if t:`, `while t:`
        if self.data.size != 1:
            raise RuntimeError(f"the truth value of a tensor of shape {self.shape} is ambiguous; use .any() or .all()")
        return bool(self.data)

    def __float__(self) -> builtins.float:  # float(t)
        return float(self.item())

    def __int__(self) -> builtins.int:  # int(t)
        return int(self.item())

    def __index__(self) -> builtins.int:  # operator.index(t)
        # `names[ix]`, `range(n)`: PyTorch lets a one-element integer (or bool) tensor stand for a Python int
        if self.data.size != 1 or self.data.dtype.kind not in "iub":
            raise TypeError(
                f"only integer tensors of a single element can be converted to an index, got shape "
                f"{self.shape} and dtype {self.data.dtype}"
            )
        return int(self.data.item())

    # ---- text --------------------------------------------------------------------------------

    def __repr__(self) -> str:
        body = array_text(self.data, prefix="tensor(")  # (printing.py: NumPy's text, under tg.set_printoptions)
        extras = [f"dtype={self.data.dtype}"]
        if self.grad_fn is not None:
            extras.append(f"grad_fn={self.grad_fn!r}")
        elif self.requires_grad:
            extras.append("requires_grad=True")
        return f"tensor({body}, {', '.join(extras)})"

    def __format__(self, format_spec: str) -> str:
        # f"{loss:.4f}" formats the number of a 0-d tensor, as PyTorch; other tensors take no format spec
        if self.data.ndim == 0:
            return format(self.item(), format_spec)
        if format_spec:
            raise TypeError(
                f"unsupported format string {format_spec!r} passed to Tensor.__format__: only a 0-d tensor "
                f"formats as a number, this one has shape {self.shape} (format t.item() of a one-element tensor)"
            )
        return str(self)


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
