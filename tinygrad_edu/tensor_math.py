"""Elementwise math of a Tensor: add, mul, div, pow, exp, log, sqrt, relu, sigmoid, tanh, sin, clamp, maximum.

`Tensor` (tensor.py) inherits these from `MathMethods`. Each is a one-line delegation to its op in
ops/elementwise.py (forward beside backward): a binary op goes through tensor.py's `_binary`, which gives
the result PyTorch's dtype, as the operators (`x + y`, tensor.py) do; a float function of an int tensor
computes in the default float dtype (`_floating`), as PyTorch does. The operators (`x + y`, `-x`) are in
tensor.py; the rest of the elementwise functions (tan, exp2, erf, floor, sign, ...) in tensor_surface.py.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

import tinygrad_edu as _tinygrad_edu
import tinygrad_edu.tensor as _tensor_module
from tinygrad_edu.errors import ArgumentError
from tinygrad_edu.tensor_surface import _floating  # (ints into float math give float32)

if TYPE_CHECKING:
    from tinygrad_edu.tensor import Tensor

# tensor.py is still being imported when this module runs (Tensor inherits from it), so what these methods
# use of tensor.py (_tensor._binary) and of the package (_tg.ops) is read at call time. (Typed Any: the type
# checker sees `self` as this mixin where those functions expect a Tensor.)
_tensor: Any = _tensor_module
_tg: Any = _tinygrad_edu


class MathMethods:
    """Methods of Tensor (see the module docstring); `self` is always a Tensor."""

    __slots__ = ()

    if TYPE_CHECKING:  # what these methods use of Tensor, declared for the type checker only
        data: np.ndarray

        def __pow__(self, exponent: Any) -> Tensor: ...

        def to(self, dtype: Any = None, device: Any = None, *args: Any, **kwargs: Any) -> Tensor: ...

    def add(self, other: Any) -> Tensor:
        """self + other, elementwise with broadcasting."""
        return _tensor._binary(_tg.ops.Add, self, other)

    def sub(self, other: Any) -> Tensor:
        """self - other, elementwise with broadcasting."""
        return _tensor._binary(_tg.ops.Sub, self, other)

    def mul(self, other: Any) -> Tensor:
        """self * other, elementwise with broadcasting."""
        return _tensor._binary(_tg.ops.Mul, self, other)

    def div(self, other: Any) -> Tensor:
        """self / other, elementwise with broadcasting (true division: ints give float32)."""
        return _tensor._binary(_tg.ops.Div, self, other, true_divide=True)

    def pow(self, exponent: Any) -> Tensor:
        """self ** exponent, elementwise with broadcasting."""
        return self**exponent

    def neg(self) -> Tensor:
        """-self, elementwise."""
        return _tg.ops.Neg.apply(self)

    def exp(self) -> Tensor:
        """e^x, elementwise."""
        return _tg.ops.Exp.apply(_floating(self))

    def log(self) -> Tensor:
        """The natural logarithm, elementwise."""
        return _tg.ops.Log.apply(_floating(self))

    def log1p(self) -> Tensor:
        """log(1 + x), elementwise, exact even where x is tiny (1 + x would round x away)."""
        return _tg.ops.Log1p.apply(_floating(self))

    def sqrt(self) -> Tensor:
        """The square root, elementwise."""
        return _tg.ops.Sqrt.apply(_floating(self))

    def abs(self) -> Tensor:
        """|x|, elementwise (its gradient at 0 is taken as 0, as PyTorch)."""
        return _tg.ops.Abs.apply(self)

    def relu(self) -> Tensor:
        """max(x, 0), elementwise."""
        return _tg.ops.ReLU.apply(self)

    def sigmoid(self) -> Tensor:
        """1 / (1 + exp(-x)), elementwise."""
        return _tg.ops.Sigmoid.apply(_floating(self))

    def tanh(self) -> Tensor:
        """The hyperbolic tangent, elementwise."""
        return _tg.ops.Tanh.apply(_floating(self))

    def sin(self) -> Tensor:
        """The sine, elementwise (also reached as np.sin(x))."""
        return _tg.ops.Sin.apply(_floating(self))

    def cos(self) -> Tensor:
        """The cosine, elementwise (also reached as np.cos(x))."""
        return _tg.ops.Cos.apply(_floating(self))

    def clamp(self, min: float | None = None, max: float | None = None) -> Tensor:
        """Limit every element to [min, max]; the gradient flows where the input is inside the range."""
        if min is None and max is None:
            raise ArgumentError("clamp: at least one of min and max must be given")
        if self.data.dtype.kind != "f" and (isinstance(min, float) or isinstance(max, float)):
            return self.to(_tg.dtypes.get_default_dtype()).clamp(
                min, max
            )  # an int tensor clamped to float bounds: float32, as PyTorch
        return _tg.ops.Clamp.apply(self, min=_tensor._data(min), max=_tensor._data(max))

    clip = clamp

    def maximum(self, other: Any) -> Tensor:
        """The larger of self and other, elementwise; ties share the gradient equally."""
        return _tensor._binary(_tg.ops.Maximum, self, other)

    def minimum(self, other: Any) -> Tensor:
        """The smaller of self and other, elementwise; ties share the gradient equally."""
        return _tensor._binary(_tg.ops.Minimum, self, other)

    def where(self, condition: Any, other: Any) -> Tensor:
        """`self` where condition is true, else `other` (as `torch.Tensor.where`)."""
        return _tensor.where(condition, self, other)

    def square(self) -> Tensor:
        """x * x, elementwise."""
        return _tg.ops.Mul.apply(self, self)
