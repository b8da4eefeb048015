"""Elementwise math of a Tensor: arithmetic, exp and log, activations, trig, rounding, clamp, maximum; products.

`Tensor` (tensor.py) inherits these from `MathMethods`. Each is a one-line delegation to its op in
`tinygrad_edu/ops/` (elementwise.py, trig.py, explog.py, rounding.py; forward beside backward), or a short
composition of them (`rsqrt` is `sqrt` then `reciprocal`). A binary op goes through tensor.py's `_binary`,
which gives the result PyTorch's dtype, as the operators (`x + y`, in tensor.py) do; a float function of an
int tensor computes in the default float dtype (`_floating`), as PyTorch does. matmul's relatives are here too
(dot, mv, mm, bmm, outer: the shapes their PyTorch namesakes take, then the op MatMul); matmul is in tensor.py.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

import tinygrad_edu as _tinygrad_edu
import tinygrad_edu.tensor as _tensor_module
from tinygrad_edu.arguments import check_mm, check_same_dtype
from tinygrad_edu.errors import ArgumentError, DtypeError, ShapeError

if TYPE_CHECKING:
    from tinygrad_edu.tensor import Tensor

# tensor.py is still being imported when this module runs (Tensor inherits from it), so what these methods
# use of tensor.py (_tensor._binary) and of the package (_tg.ops) is read at call time. (Typed Any: the type
# checker sees `self` as this mixin where those functions expect a Tensor.)
_tensor: Any = _tensor_module
_tg: Any = _tinygrad_edu


def _check_product_dtypes(op: str, a: np.ndarray, b: np.ndarray) -> None:
    """Matrix products neither promote nor take bools, as in PyTorch (where matmul is in tensor.py, mm and its
    relatives here)."""
    check_same_dtype(op, a, b)
    if a.dtype.kind == "b":
        raise DtypeError(f"{op}: bool tensors are not supported (nor in PyTorch); convert first, x.long()")


def _floating(x: Any) -> Any:
    """x itself if it holds floats, else x as the default float dtype: int inputs to float math give
    float32, as in PyTorch (sin of an int tensor is a float tensor)."""
    return x if x.data.dtype.kind == "f" else x.to(_tensor.get_default_dtype())


def _float_only(op: str, x: Any) -> Any:
    """x itself if it holds floats, else the error PyTorch raises: the activations PyTorch has no integer
    kernel for (elu, softplus, softmax, ...) refuse ints, where sigmoid and tanh convert them (`_floating`)."""
    if x.data.dtype.kind != "f":
        raise DtypeError(
            f"{op}: not implemented for dtype {x.data.dtype} (PyTorch refuses it too); convert the input "
            "with .float() first"
        )
    return x


class MathMethods:
    """Methods of Tensor (see the module docstring); `self` is always a Tensor."""

    __slots__ = ()

    if TYPE_CHECKING:  # what these methods use of Tensor, declared for the type checker only
        data: np.ndarray

        def __pow__(self, exponent: Any) -> Tensor: ...

        def __sub__(self, other: Any) -> Tensor: ...

        def clone(self) -> Tensor: ...

        def to(self, dtype: Any = None, device: Any = None, *args: Any, **kwargs: Any) -> Tensor: ...

        def matmul(self, other: Any) -> Tensor: ...

        def reshape(self, *shape: Any) -> Tensor: ...

        def __add__(self, other: Any) -> Tensor: ...

        @property
        def shape(self) -> tuple[int, ...]: ...

    def add(self, other: Any, *, alpha: Any = 1) -> Tensor:
        """self + alpha * other, elementwise with broadcasting (alpha as `torch.add`'s)."""
        return _tensor._binary(_tg.ops.Add, self, other if alpha == 1 else other * alpha)

    def sub(self, other: Any, *, alpha: Any = 1) -> Tensor:
        """self - alpha * other, elementwise with broadcasting (alpha as `torch.sub`'s)."""
        _tensor._no_bool_minus(self, other)
        return _tensor._binary(_tg.ops.Sub, self, other if alpha == 1 else other * alpha)

    def mul(self, other: Any) -> Tensor:
        """self * other, elementwise with broadcasting."""
        return _tensor._binary(_tg.ops.Mul, self, other)

    def div(self, other: Any, *, rounding_mode: str | None = None) -> Tensor:
        """self / other, elementwise with broadcasting: true division (ints give float32), or with rounding_mode
        "floor" or "trunc" the quotient rounded down or toward zero, as `torch.div` (ints then stay ints; the
        gradient of a rounded quotient is 0, as in PyTorch).

        Example:
            >>> tg.tensor([5, -5]).div(2, rounding_mode="trunc").tolist(), tg.tensor([5, -5]).div(2).tolist()
            ([2, -2], [2.5, -2.5])
        """
        if rounding_mode is None:
            return _tensor._binary(_tg.ops.Div, self, other, true_divide=True)
        if rounding_mode not in ("floor", "trunc"):
            raise ArgumentError(f"div: rounding_mode must be None, 'trunc' or 'floor', got {rounding_mode!r}")
        if _tensor.result_type(self, _tensor._operand_tensor(other)).kind == "f":
            quotient = _tensor._binary(_tg.ops.Div, self, other, true_divide=True)
            return quotient.floor() if rounding_mode == "floor" else quotient.trunc()
        # integers, exactly (they have no gradient): floor division, then one up where trunc rounds toward zero
        floor = _tensor._binary(_tg.ops.FloorDivide, self, other)
        if rounding_mode == "floor":
            return floor
        inexact_negative = (floor < 0) & (floor * other != self)
        return floor + inexact_negative.to(floor.dtype)

    def pow(self, exponent: Any) -> Tensor:
        """self ** exponent, elementwise with broadcasting."""
        return self**exponent

    def neg(self) -> Tensor:
        """-self, elementwise."""
        _tensor._no_bool_minus(self)
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
        if self.data.dtype.kind == "b":
            raise DtypeError("abs: a bool tensor is not supported (nor in PyTorch); convert first, x.long()")
        return _tg.ops.Abs.apply(self)

    def relu(self) -> Tensor:
        """max(x, 0), elementwise."""
        if self.data.dtype.kind == "b":
            raise DtypeError("relu: bool inputs are not supported (nor in PyTorch); convert first, x.float()")
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
        if _bound_needs_grad(min) or _bound_needs_grad(max):
            # A bound that requires grad gets the gradient where it is the result (x < min, x > max), and x where
            # it is inside, as in PyTorch: written with where, which sends each element's gradient to one side.
            out: Any = self
            if min is not None:
                out = _tensor.where(out < min, min, out)
            if max is not None:
                out = _tensor.where(out > max, max, out)
            return out
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

    # torch's other names for the methods above
    multiply = mul
    subtract = sub
    divide = div
    true_divide = div
    negative = neg
    absolute = abs

    def clamp_min(self, min: Any) -> Tensor:
        """The larger of self and min, elementwise: clamp(min=min), as `torch.clamp_min`."""
        return self.clamp(min=min)

    def clamp_max(self, max: Any) -> Tensor:
        """The smaller of self and max, elementwise: clamp(max=max), as `torch.clamp_max`."""
        return self.clamp(max=max)

    def addcmul(self, tensor1: Any, tensor2: Any, *, value: Any = 1) -> Tensor:
        """self + value * tensor1 * tensor2, as `torch.addcmul` (the update of optimizers written by hand)."""
        product = _tensor._operand_tensor(tensor1) * tensor2
        return self + (product if value == 1 else value * product)

    def addcdiv(self, tensor1: Any, tensor2: Any, *, value: Any = 1) -> Tensor:
        """self + value * tensor1 / tensor2, as `torch.addcdiv` (Adam's step: p.addcdiv(m, v.sqrt() + eps)).

        Example:
            >>> tg.zeros(2).addcdiv(tg.tensor([1.0, 2.0]), tg.tensor([4.0, 4.0]), value=-2).tolist()
            [-0.5, -1.0]
        """
        tensor1, tensor2 = _tensor._operand_tensor(tensor1), _tensor._operand_tensor(tensor2)
        if tensor1.data.dtype.kind in "iub" and tensor2.data.dtype.kind in "iub":
            raise DtypeError(
                f"addcdiv: integer division of {tensor1.dtype} by {tensor2.dtype} is not supported (nor in PyTorch); "
                "convert first, e.g. tensor1.float()"
            )
        quotient = tensor1 / tensor2
        return self + (quotient if value == 1 else value * quotient)

    # ---- products of vectors and matrices: matmul's relatives (matmul itself, and `@`, are in tensor.py) ----
    # Each takes only the shapes its PyTorch namesake takes, then is the one op MatMul (ops/linalg.py).

    def dot(self, other: Any) -> Tensor:
        """The dot product of two 1-D tensors (use matmul for matrices), as `torch.dot`."""
        other = _tensor._operand_tensor(other)
        if self.data.ndim != 1 or other.data.ndim != 1:
            raise ShapeError(f"dot: expects two 1-D tensors, got shapes {self.shape} and {other.shape}")
        return self.matmul(other)

    def mv(self, vec: Any) -> Tensor:
        """The product of a matrix and a vector, as `torch.mv` (matmul takes any shapes).

        Example:
            >>> tg.ones(2, 3).mv(tg.tensor([1.0, 2.0, 3.0])).tolist()
            [6.0, 6.0]
        """
        vec = _tensor._operand_tensor(vec)
        if self.data.ndim != 2 or vec.data.ndim != 1 or self.data.shape[1] != vec.data.shape[0]:
            raise ShapeError(f"mv: expects a matrix (n, m) and a vector (m,), got shapes {self.shape} and {vec.shape}")
        _check_product_dtypes("mv", self.data, vec.data)
        return _tg.ops.MatMul.apply(self, vec)

    def mm(self, mat2: Any) -> Tensor:
        """The product of two matrices (2-D tensors only, as `torch.mm`; matmul takes any shapes).

        Example:
            >>> tg.ones(2, 3).mm(tg.ones(3, 4)).shape
            (2, 4)
        """
        mat2 = _tensor._operand_tensor(mat2)
        check_mm(self.data.shape, mat2.data.shape)
        _check_product_dtypes("mm", self.data, mat2.data)
        return _tg.ops.MatMul.apply(self, mat2)

    def bmm(self, mat2: Any) -> Tensor:
        """A batch of matrix products: (b, n, m) by (b, m, p) gives (b, n, p), as `torch.bmm` (no broadcasting
        of the batch; matmul broadcasts).

        Example:
            >>> tg.ones(5, 2, 3).bmm(tg.ones(5, 3, 4)).shape
            (5, 2, 4)
        """
        mat2 = _tensor._operand_tensor(mat2)
        a, b = self.data.shape, mat2.data.shape
        if len(a) != 3 or len(b) != 3:
            raise ShapeError(f"bmm: expects two 3-D tensors (b, n, m) and (b, m, p), got shapes {a} and {b}")
        if b[:2] != (a[0], a[2]):
            raise ShapeError(
                f"bmm: shapes {a} and {b} cannot be multiplied: mat2 must start ({a[0]}, {a[2]}), as PyTorch "
                "asks (the batch sizes equal, the inner sizes agree); matmul broadcasts the batch"
            )
        _check_product_dtypes("bmm", self.data, mat2.data)
        return _tg.ops.MatMul.apply(self, mat2)

    def addmm(self, mat1: Any, mat2: Any, *, beta: Any = 1, alpha: Any = 1) -> Tensor:
        """beta * self + alpha * (mat1 @ mat2), for matrices, as `torch.addmm` (self broadcasts to the product's
        shape; with beta=0 self's values are not used, so a nan in self does not spread, as in PyTorch).

        Example:
            >>> tg.ones(3).addmm(tg.ones(2, 4), tg.ones(4, 3), alpha=0.5).tolist()
            [[3.0, 3.0, 3.0], [3.0, 3.0, 3.0]]
        """
        product = _tensor._operand_tensor(mat1).mm(mat2)
        if np.broadcast_shapes(self.shape, product.shape) != product.shape:
            raise ShapeError(f"addmm: self of shape {self.shape} does not broadcast to the product's {product.shape}")
        product = product if alpha == 1 else product * alpha
        if beta == 0:  # self's values unused, its gradient zeros (as PyTorch's): `where` picks the product everywhere
            return _tensor.where(np.zeros(product.shape, dtype=bool), self, product)
        return (self if beta == 1 else self * beta) + product

    def inner(self, other: Any) -> Tensor:
        """The sums of products over the last dim of both: out[i.., j..] = sum_k self[i.., k] other[j.., k], as
        `torch.inner` (a product when either is 0-d)."""
        other = _tensor._operand_tensor(other)
        if self.data.ndim == 0 or other.data.ndim == 0:
            return self * other
        k, m = self.data.shape[-1], other.data.shape[-1]
        if k != m:
            raise ShapeError(
                f"inner: the last dimensions of {self.data.shape} and {other.data.shape} differ ({k} != {m})"
            )
        flat = self.reshape(-1, k) @ other.reshape(-1, k).t()  # every row of self against every row of other
        return flat.reshape(*self.data.shape[:-1], *other.data.shape[:-1])

    def outer(self, vec2: Any) -> Tensor:
        """The outer product of two 1-D tensors: out[i, j] = self[i] * vec2[j], as `torch.outer`.

        Example:
            >>> tg.tensor([1.0, 2.0]).outer(tg.tensor([1.0, 10.0, 100.0])).tolist()
            [[1.0, 10.0, 100.0], [2.0, 20.0, 200.0]]
        """
        vec2 = _tensor._operand_tensor(vec2)
        if self.data.ndim != 1 or vec2.data.ndim != 1:
            raise ShapeError(f"outer: expects two 1-D tensors, got shapes {self.shape} and {vec2.shape}")
        return self.reshape(-1, 1) * vec2  # a column times a row: broadcasting makes the table

    # ---- trig and hyperbolic (ops/trig.py) --------------------------------------------------

    def tan(self) -> Any:
        """tan x, elementwise."""
        return _tg.ops.Tan.apply(_floating(self))

    def asin(self) -> Any:
        """arcsin x, elementwise (nan outside [-1, 1])."""
        return _tg.ops.Asin.apply(_floating(self))

    def acos(self) -> Any:
        """arccos x, elementwise (nan outside [-1, 1])."""
        return _tg.ops.Acos.apply(_floating(self))

    def atan(self) -> Any:
        """arctan x, elementwise."""
        return _tg.ops.Atan.apply(_floating(self))

    def atan2(self, other: Any) -> Any:
        """The angle of the point (other, self) in (-pi, pi], elementwise with broadcasting."""
        return _tensor._binary(_tg.ops.Atan2, self, other, true_divide=True)

    def sinh(self) -> Any:
        """sinh x, elementwise."""
        return _tg.ops.Sinh.apply(_floating(self))

    def cosh(self) -> Any:
        """cosh x, elementwise."""
        return _tg.ops.Cosh.apply(_floating(self))

    def asinh(self) -> Any:
        """arsinh x, elementwise."""
        return _tg.ops.Asinh.apply(_floating(self))

    def acosh(self) -> Any:
        """arcosh x, elementwise (nan below 1)."""
        return _tg.ops.Acosh.apply(_floating(self))

    def atanh(self) -> Any:
        """artanh x, elementwise (nan outside [-1, 1])."""
        return _tg.ops.Atanh.apply(_floating(self))

    def hypot(self, other: Any) -> Any:
        """sqrt(self^2 + other^2), elementwise, without overflow."""
        return _tensor._binary(_tg.ops.Hypot, self, other, true_divide=True)

    # NumPy's names for the same ops, as PyTorch also has them
    def arcsin(self) -> Any:  # asin
        return self.asin()

    def arccos(self) -> Any:  # acos
        return self.acos()

    def arctan(self) -> Any:  # atan
        return self.atan()

    def arctan2(self, other: Any) -> Any:  # atan2
        return self.atan2(other)

    def arcsinh(self) -> Any:  # asinh
        return self.asinh()

    def arccosh(self) -> Any:  # acosh
        return self.acosh()

    def arctanh(self) -> Any:  # atanh
        return self.atanh()

    # ---- exponentials, logarithms, erf (ops/explog.py) and compositions ---------------------

    def exp2(self) -> Any:
        """2^x, elementwise."""
        return _tg.ops.Exp2.apply(_floating(self))

    def expm1(self) -> Any:
        """e^x - 1, elementwise, exact for tiny x."""
        return _tg.ops.Expm1.apply(_floating(self))

    def log2(self) -> Any:
        """The base-2 logarithm, elementwise."""
        return _tg.ops.Log2.apply(_floating(self))

    def log10(self) -> Any:
        """The base-10 logarithm, elementwise."""
        return _tg.ops.Log10.apply(_floating(self))

    def logaddexp(self, other: Any) -> Any:
        """log(e^self + e^other), elementwise, without overflow."""
        return _tensor._binary(_tg.ops.LogAddExp, self, other, true_divide=True)

    def xlogy(self, other: Any) -> Any:
        """self * log(other), elementwise, and 0 where self is 0 (even where other is 0), as `torch.xlogy`.

        Example:
            >>> tg.tensor([0.0, 2.0]).xlogy(tg.tensor([0.0, 1.0]))   # 0 log 0 = 0, 2 log 1 = 0
            tensor([0., 0.], dtype=float32)
        """
        return _tensor._binary(_tg.ops.Xlogy, self, other, true_divide=True)

    def positive(self) -> Any:
        """self itself, as `torch.positive` (+x); PyTorch refuses it for bools."""
        if self.data.dtype.kind == "b":
            raise DtypeError("positive: the `+` operator, on a bool tensor is not supported (PyTorch refuses it too)")
        return self

    def signbit(self) -> Any:
        """True where the sign bit is set (x < 0, and -0.0), as a bool tensor outside the graph."""
        return _tensor.Tensor._from_op(np.signbit(self.data), None)

    def isposinf(self) -> Any:
        """True where x is +inf."""
        return _tensor.Tensor._from_op(np.isposinf(self.data), None)

    def isneginf(self) -> Any:
        """True where x is -inf."""
        return _tensor.Tensor._from_op(np.isneginf(self.data), None)

    def logit(self, eps: float | None = None) -> Any:
        """log(x / (1 - x)), sigmoid's inverse; with eps, x is first clamped to [eps, 1 - eps], as PyTorch."""
        x = _floating(self)
        if eps is not None:
            x = x.clamp(eps, 1 - eps)
        return (x / (1 - x)).log()

    def deg2rad(self) -> Any:
        """x * pi / 180: degrees to radians."""
        return _floating(self) * (np.pi / 180)

    def rad2deg(self) -> Any:
        """x * 180 / pi: radians to degrees."""
        return _floating(self) * (180 / np.pi)

    def erf(self) -> Any:
        """The error function, elementwise."""
        return _tg.ops.Erf.apply(_floating(self))

    def erfc(self) -> Any:
        """1 - erf(x), elementwise, exact where erf(x) is near 1."""
        return _tg.ops.Erfc.apply(_floating(self))

    def reciprocal(self) -> Any:
        """1 / x, elementwise (ints give floats)."""
        return 1.0 / _floating(self)

    def rsqrt(self) -> Any:
        """1 / sqrt(x), elementwise."""
        return _floating(self).sqrt().reciprocal()

    def lerp(self, end: Any, weight: Any) -> Any:
        """self + weight * (end - self): the point a fraction `weight` of the way from self to end."""
        return self + weight * (end - self)

    # ---- rounding, sign, remainders (ops/rounding.py) ---------------------------------------
    # On integer tensors the rounding ops return a copy with the same dtype, as PyTorch.

    def floor(self) -> Any:
        """The largest integer <= x, elementwise (gradient 0)."""
        return self.clone() if self.data.dtype.kind != "f" else _tg.ops.Floor.apply(self)

    def ceil(self) -> Any:
        """The smallest integer >= x, elementwise (gradient 0)."""
        return self.clone() if self.data.dtype.kind != "f" else _tg.ops.Ceil.apply(self)

    def round(self, decimals: int = 0) -> Any:
        """x rounded to `decimals` places, halves to even, elementwise (gradient 0)."""
        if self.data.dtype.kind != "f" and decimals == 0:
            return self.clone()
        return _tg.ops.Round.apply(_floating(self), decimals=int(decimals))

    def trunc(self) -> Any:
        """x rounded toward zero, elementwise (gradient 0)."""
        return self.clone() if self.data.dtype.kind != "f" else _tg.ops.Trunc.apply(self)

    fix = trunc

    def frac(self) -> Any:
        """x - trunc(x): the fractional part, with x's sign (its gradient is 1)."""
        return self - self.trunc()

    def sign(self) -> Any:
        """-1, 0 or 1 as x is negative, zero or positive (gradient 0)."""
        if self.data.dtype == np.bool_:
            return self.clone()
        return _tg.ops.Sign.apply(self)

    sgn = sign

    def copysign(self, other: Any) -> Any:
        """|self| with the sign of other, elementwise (ints give floats)."""
        return _tensor._binary(_tg.ops.Copysign, self, other, true_divide=True)

    def fmod(self, other: Any) -> Any:
        """self - trunc(self / other) * other: the remainder with self's sign, as C's fmod."""
        return _tensor._binary(_tg.ops.Fmod, self, other)

    def remainder(self, other: Any) -> Any:
        """self - floor(self / other) * other: the remainder with other's sign, as Python's %."""
        return _tensor._binary(_tg.ops.Remainder, self, other)

    def floor_divide(self, other: Any) -> Any:
        """floor(self / other), elementwise. As in PyTorch it has no derivative: the result of a tensor that
        requires grad requires grad too, and backward through it raises (use (a / b).floor() for 0)."""
        return _tensor._binary(_tg.ops.FloorDivide, self, other)

    def __mod__(self, other: Any) -> Any:  # self % other
        return self.remainder(other)

    def __rmod__(self, other: Any) -> Any:  # other % self
        return _tensor._binary(_tg.ops.Remainder, self, other, reflected=True)

    def __floordiv__(self, other: Any) -> Any:  # self // other
        return self.floor_divide(other)

    def __rfloordiv__(self, other: Any) -> Any:  # other // self
        return _tensor._binary(_tg.ops.FloorDivide, self, other, reflected=True)

    def nan_to_num(self, nan: float = 0.0, posinf: float | None = None, neginf: float | None = None) -> Any:
        """x with nan, +inf, -inf replaced by nan (0), posinf and neginf (the dtype's largest and smallest)."""
        if self.data.dtype.kind != "f":
            return self.clone()
        return _tg.ops.NanToNum.apply(self, nan=nan, posinf=posinf, neginf=neginf)


def _bound_needs_grad(bound: Any) -> bool:
    """True for a clamp bound that is a tensor requiring grad (the Clamp op takes its bounds as constants)."""
    return isinstance(bound, _tensor.Tensor) and bound.requires_grad
