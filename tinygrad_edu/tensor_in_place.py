"""In-place methods of Tensor, as PyTorch's (`x.add_(y)`, `x.abs_()`, `x.clamp_(0, 1)`, `x.tril_()`, ...).

`Tensor` (tensor.py) inherits these from `InPlaceMethods`. Each goes through the one in-place path: +=, -=,
*=, /= (Tensor.__iadd__ ...) or item assignment (Tensor.__setitem__, in in_place.py), so the rule on what may
change in place, and how a change is recorded in the graph, lives in one place, and each method's gradient
is that of the out-of-place op it writes back. An op's result is computed from a clone, so the op never
saves the very array that is then overwritten. A result that needs a wider dtype (the sqrt of an int
tensor) is refused, as PyTorch refuses it; a narrower one (a comparison's bools into floats) is cast.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import tinygrad_edu as _tg  # (still being imported when this runs: `_tg.in_place` is read at call time)
from tinygrad_edu import tensor as _tensor_module  # (likewise)
from tinygrad_edu.errors import ShapeError


def _t() -> Any:
    return _tensor_module


class InPlaceMethods:
    """Methods of Tensor (see the module docstring); `self` is always a Tensor."""

    __slots__ = ()

    if TYPE_CHECKING:  # what these methods use of Tensor, declared for the type checker only
        data: Any
        grad_fn: Any
        requires_grad: bool

        def __setitem__(self, index: Any, value: Any) -> None: ...

        def __iadd__(self, other: Any) -> Any: ...

        def __isub__(self, other: Any) -> Any: ...

        def __imul__(self, other: Any) -> Any: ...

        def __itruediv__(self, other: Any) -> Any: ...

        @property
        def shape(self) -> tuple[int, ...]: ...

        clone: Callable[..., Any]

    # ---- shape changes in place: the same memory seen in a new shape ------------------------------------

    def _reshape_in_place(self, what: str, reshaped: Any) -> Any:
        """self now holds `reshaped`, a view of its data in another shape (unsqueeze_, t_, ...); returns self.

        Only outside the graph: the ops that used self earlier send its gradient back in its old shape, so a
        tensor that requires grad is refused (PyTorch refuses a leaf, and rewrites a non-leaf's graph)."""
        if self.requires_grad:
            raise RuntimeError(
                f"{what}: changing the shape in place of a tensor that requires grad is not supported here (PyTorch "
                f"refuses it for a leaf too); write x = x.{what.rstrip('_')}(...) instead"
            )
        self.data = reshaped.data
        return self

    def unsqueeze_(self, dim: int) -> Any:
        """x.unsqueeze(dim), in place: a new dimension of size 1 at dim."""
        return self._reshape_in_place("unsqueeze_", _t().Tensor._from_op(self.data, None).unsqueeze(dim))

    def squeeze_(self, dim: Any = None) -> Any:
        """x.squeeze(dim), in place: the dimensions of size 1 (all, or dim) removed."""
        return self._reshape_in_place("squeeze_", _t().Tensor._from_op(self.data, None).squeeze(dim))

    def t_(self) -> Any:
        """x.t(), in place: a matrix transposed."""
        return self._reshape_in_place("t_", _t().Tensor._from_op(self.data, None).t())

    def transpose_(self, dim0: int, dim1: int) -> Any:
        """x.transpose(dim0, dim1), in place."""
        return self._reshape_in_place("transpose_", _t().Tensor._from_op(self.data, None).transpose(dim0, dim1))

    swapdims_ = transpose_
    swapaxes_ = transpose_

    # ---- arithmetic and the writes every other method uses ----------------------------------------

    def add_(self, other: Any, *, alpha: Any = 1) -> Any:
        """self += alpha * other, in place; returns self."""
        self += other if alpha == 1 else other * alpha
        return self

    def sub_(self, other: Any, *, alpha: Any = 1) -> Any:
        """self -= alpha * other, in place."""
        self -= other if alpha == 1 else other * alpha
        return self

    def mul_(self, other: Any) -> Any:
        """self *= other, in place."""
        self *= other
        return self

    def div_(self, other: Any, *, rounding_mode: str | None = None) -> Any:
        """self /= other, in place (rounding_mode: see div)."""
        if rounding_mode is not None:
            return self._assign_result_("div_", self.clone().div(other, rounding_mode=rounding_mode))
        self /= other
        return self

    def _assign_(self, value: Any) -> Any:
        self[...] = value
        return self

    def _assign_result_(self, what: str, result: Any) -> Any:
        # an op's result written back: unlike copy_, a result that needs a wider dtype (int ** 0.5) is refused
        _tg.in_place._check_cast(what, result.data, self.data)
        if result.shape != self.shape:  # (x.pow_(y) with y larger than x): copy_ would squeeze it in
            raise ShapeError(f"{what}: the result's shape {result.shape} is not the tensor's own {self.shape}")
        return self._assign_(result)

    def pow_(self, exponent: Any) -> Any:
        """self = self ** exponent, in place."""
        if isinstance(exponent, _t().Tensor):  # (x.pow_(x.T): PyTorch refuses an exponent overlapping x in part)
            _tg.in_place._check_no_overlap(self, "pow_", _tg.ops.Pow, exponent)  # type: ignore[arg-type]
        return self._assign_result_("pow_", self.clone() ** exponent)  # (of a copy: must not change what ** saved)

    def clamp_(self, min: Any = None, max: Any = None) -> Any:
        """self = self.clamp(min, max), in place."""
        return self._assign_result_("clamp_", self.clone().clamp(min, max))  # (of a copy, as pow_)

    clip_ = clamp_

    def clamp_min_(self, min: Any) -> Any:
        """self = self.clamp_min(min), in place."""
        return self._assign_result_("clamp_min_", self.clone().clamp(min=min))

    def clamp_max_(self, max: Any) -> Any:
        """self = self.clamp_max(max), in place."""
        return self._assign_result_("clamp_max_", self.clone().clamp(max=max))

    def addcmul_(self, tensor1: Any, tensor2: Any, *, value: Any = 1) -> Any:
        """self += value * tensor1 * tensor2, in place (the update of optimizers written by hand)."""
        return self._assign_result_("addcmul_", self.clone().addcmul(tensor1, tensor2, value=value))

    def addcdiv_(self, tensor1: Any, tensor2: Any, *, value: Any = 1) -> Any:
        """self += value * tensor1 / tensor2, in place (Adam's step written by hand)."""
        return self._assign_result_("addcdiv_", self.clone().addcdiv(tensor1, tensor2, value=value))

    def relu_(self) -> Any:
        """self = self.relu(), in place."""
        return self._assign_result_("relu_", self.clone().relu())

    def sigmoid_(self) -> Any:
        """self = self.sigmoid(), in place."""
        return self._assign_result_("sigmoid_", self.clone().sigmoid())

    def tanh_(self) -> Any:
        """self = self.tanh(), in place."""
        return self._assign_result_("tanh_", self.clone().tanh())

    def exp_(self) -> Any:
        """self = self.exp(), in place."""
        return self._assign_result_("exp_", self.clone().exp())

    def fill_(self, value: Any) -> Any:
        """Every element set to value, in place."""
        return self._assign_(value)

    def copy_(self, src: Any, non_blocking: bool = False) -> Any:
        """self's values replaced by src's (broadcast to self's shape, cast to self's dtype), in place.
        (`non_blocking` is accepted, as in PyTorch; on the CPU every copy is done when it returns.)"""
        return self._assign_(src)

    def uniform_(self, a: float = 0.0, b: float = 1.0, *, generator: Any = None) -> Any:
        """Filled with uniform samples from [a, b), in place."""
        gen = _tg.default_generator() if generator is None else generator
        return self._assign_(a + (b - a) * gen.random(self.shape))

    def normal_(self, mean: float = 0.0, std: float = 1.0, *, generator: Any = None) -> Any:
        """Filled with normal samples, in place."""
        gen = _tg.default_generator() if generator is None else generator
        return self._assign_(mean + std * gen.standard_normal(self.shape))

    def masked_fill_(self, mask: Any, value: Any) -> Any:
        """value where mask is True, in place."""
        return self._assign_(self.clone().masked_fill(mask, value))

    def index_add_(self, dim: int, index: Any, source: Any, *, alpha: float = 1) -> Any:
        """source's slices added at index along dim, in place."""
        return self._assign_(self.clone().index_add(dim, index, source, alpha=alpha))

    def scatter_(self, dim: int, index: Any, src: Any = None, *, value: Any = None) -> Any:
        """scatter, in place."""
        return self._assign_(self.clone().scatter(dim, index, src, value=value))

    def scatter_add_(self, dim: int, index: Any, src: Any) -> Any:
        """scatter_add, in place."""
        return self._assign_(self.clone().scatter_add(dim, index, src))

    def detach_(self) -> Any:
        """Cut this tensor from the graph in place: it becomes a leaf that does not require grad."""
        self.grad_fn = None
        self.requires_grad = False  # type: ignore[misc]  # (a slot of Tensor, which this class is mixed into)
        return self

    # ---- elementwise functions: self = f(self) ------------------------------------------------

    def abs_(self) -> Any:
        """self = |self|, in place."""
        return self._assign_result_("abs_", self.clone().abs())

    def neg_(self) -> Any:
        """self = -self, in place."""
        return self._assign_result_("neg_", self.clone().neg())

    def sqrt_(self) -> Any:
        """self = sqrt(self), in place."""
        return self._assign_result_("sqrt_", self.clone().sqrt())

    def rsqrt_(self) -> Any:
        """self = 1 / sqrt(self), in place."""
        return self._assign_result_("rsqrt_", self.clone().rsqrt())

    def log_(self) -> Any:
        """self = log(self), in place."""
        return self._assign_result_("log_", self.clone().log())

    def log2_(self) -> Any:
        """self = log2(self), in place."""
        return self._assign_result_("log2_", self.clone().log2())

    def log10_(self) -> Any:
        """self = log10(self), in place."""
        return self._assign_result_("log10_", self.clone().log10())

    def log1p_(self) -> Any:
        """self = log(1 + self), in place."""
        return self._assign_result_("log1p_", self.clone().log1p())

    def exp2_(self) -> Any:
        """self = 2 ** self, in place."""
        return self._assign_result_("exp2_", self.clone().exp2())

    def expm1_(self) -> Any:
        """self = e ** self - 1, in place."""
        return self._assign_result_("expm1_", self.clone().expm1())

    def sin_(self) -> Any:
        """self = sin(self), in place."""
        return self._assign_result_("sin_", self.clone().sin())

    def cos_(self) -> Any:
        """self = cos(self), in place."""
        return self._assign_result_("cos_", self.clone().cos())

    def tan_(self) -> Any:
        """self = tan(self), in place."""
        return self._assign_result_("tan_", self.clone().tan())

    def asin_(self) -> Any:
        """self = asin(self), in place."""
        return self._assign_result_("asin_", self.clone().asin())

    def acos_(self) -> Any:
        """self = acos(self), in place."""
        return self._assign_result_("acos_", self.clone().acos())

    def atan_(self) -> Any:
        """self = atan(self), in place."""
        return self._assign_result_("atan_", self.clone().atan())

    def sinh_(self) -> Any:
        """self = sinh(self), in place."""
        return self._assign_result_("sinh_", self.clone().sinh())

    def cosh_(self) -> Any:
        """self = cosh(self), in place."""
        return self._assign_result_("cosh_", self.clone().cosh())

    def asinh_(self) -> Any:
        """self = asinh(self), in place."""
        return self._assign_result_("asinh_", self.clone().asinh())

    def acosh_(self) -> Any:
        """self = acosh(self), in place."""
        return self._assign_result_("acosh_", self.clone().acosh())

    def atanh_(self) -> Any:
        """self = atanh(self), in place."""
        return self._assign_result_("atanh_", self.clone().atanh())

    def floor_(self) -> Any:
        """self = floor(self), in place."""
        return self._assign_result_("floor_", self.clone().floor())

    def ceil_(self) -> Any:
        """self = ceil(self), in place."""
        return self._assign_result_("ceil_", self.clone().ceil())

    def trunc_(self) -> Any:
        """self = trunc(self), in place."""
        return self._assign_result_("trunc_", self.clone().trunc())

    def frac_(self) -> Any:
        """self = self - trunc(self), in place."""
        return self._assign_result_("frac_", self.clone().frac())

    def sign_(self) -> Any:
        """self = sign(self), in place."""
        return self._assign_result_("sign_", self.clone().sign())

    def reciprocal_(self) -> Any:
        """self = 1 / self, in place."""
        return self._assign_result_("reciprocal_", self.clone().reciprocal())

    def square_(self) -> Any:
        """self = self ** 2, in place."""
        return self._assign_result_("square_", self.clone().square())

    def erf_(self) -> Any:
        """self = erf(self), in place."""
        return self._assign_result_("erf_", self.clone().erf())

    def erfc_(self) -> Any:
        """self = 1 - erf(self), in place."""
        return self._assign_result_("erfc_", self.clone().erfc())

    def logical_not_(self) -> Any:
        """self = not self (1 or 0 in self's dtype), in place."""
        return self._assign_result_("logical_not_", self.clone().logical_not())

    def bitwise_not_(self) -> Any:
        """self = ~self, in place."""
        return self._assign_result_("bitwise_not_", self.clone().bitwise_not())

    def round_(self, decimals: int = 0) -> Any:
        """self = self rounded half to even (to `decimals` places), in place."""
        return self._assign_result_("round_", self.clone().round(decimals=decimals))

    def nan_to_num_(self, nan: float = 0.0, posinf: float | None = None, neginf: float | None = None) -> Any:
        """nan, +inf and -inf replaced by finite numbers, in place (see nan_to_num)."""
        return self._assign_result_("nan_to_num_", self.clone().nan_to_num(nan, posinf, neginf))

    absolute_, negative_, fix_, sgn_ = abs_, neg_, trunc_, sign_  # PyTorch's other names
    arcsin_, arccos_, arctan_, arcsinh_, arccosh_, arctanh_ = asin_, acos_, atan_, asinh_, acosh_, atanh_

    # ---- with a second operand: self = f(self, other) -------------------------------------------

    def remainder_(self, other: Any) -> Any:
        """self = self mod other (the sign of other), in place."""
        return self._assign_result_("remainder_", self.clone().remainder(other))

    def fmod_(self, other: Any) -> Any:
        """self = self mod other (the sign of self), in place."""
        return self._assign_result_("fmod_", self.clone().fmod(other))

    def atan2_(self, other: Any) -> Any:
        """self = atan2(self, other), in place."""
        return self._assign_result_("atan2_", self.clone().atan2(other))

    def hypot_(self, other: Any) -> Any:
        """self = sqrt(self^2 + other^2), in place."""
        return self._assign_result_("hypot_", self.clone().hypot(other))

    def copysign_(self, other: Any) -> Any:
        """self = |self| with other's sign, in place."""
        return self._assign_result_("copysign_", self.clone().copysign(other))

    def xlogy_(self, other: Any) -> Any:
        """self = self * log(other) (0 where self is 0), in place."""
        return self._assign_result_("xlogy_", self.clone().xlogy(other))

    def floor_divide_(self, other: Any) -> Any:
        """self = floor(self / other), in place."""
        return self._assign_result_("floor_divide_", self.clone().floor_divide(other))

    def logical_and_(self, other: Any) -> Any:
        """self = self and other, in place."""
        return self._assign_result_("logical_and_", self.clone().logical_and(other))

    def logical_or_(self, other: Any) -> Any:
        """self = self or other, in place."""
        return self._assign_result_("logical_or_", self.clone().logical_or(other))

    def logical_xor_(self, other: Any) -> Any:
        """self = self xor other, in place."""
        return self._assign_result_("logical_xor_", self.clone().logical_xor(other))

    def bitwise_and_(self, other: Any) -> Any:
        """self = self & other, in place."""
        return self._assign_result_("bitwise_and_", self.clone().bitwise_and(other))

    def bitwise_or_(self, other: Any) -> Any:
        """self = self | other, in place."""
        return self._assign_result_("bitwise_or_", self.clone().bitwise_or(other))

    def bitwise_xor_(self, other: Any) -> Any:
        """self = self ^ other, in place."""
        return self._assign_result_("bitwise_xor_", self.clone().bitwise_xor(other))

    def bitwise_left_shift_(self, other: Any) -> Any:
        """self = self << other, in place."""
        return self._assign_result_("bitwise_left_shift_", self.clone().bitwise_left_shift(other))

    def bitwise_right_shift_(self, other: Any) -> Any:
        """self = self >> other, in place."""
        return self._assign_result_("bitwise_right_shift_", self.clone().bitwise_right_shift(other))

    def eq_(self, other: Any) -> Any:
        """self = self == other, in place."""
        return self._assign_result_("eq_", self.clone().eq(other))

    def ne_(self, other: Any) -> Any:
        """self = self != other, in place."""
        return self._assign_result_("ne_", self.clone().ne(other))

    def lt_(self, other: Any) -> Any:
        """self = self < other, in place."""
        return self._assign_result_("lt_", self.clone().lt(other))

    def le_(self, other: Any) -> Any:
        """self = self <= other, in place."""
        return self._assign_result_("le_", self.clone().le(other))

    def gt_(self, other: Any) -> Any:
        """self = self > other, in place."""
        return self._assign_result_("gt_", self.clone().gt(other))

    def ge_(self, other: Any) -> Any:
        """self = self >= other, in place."""
        return self._assign_result_("ge_", self.clone().ge(other))

    def lerp_(self, end: Any, weight: Any) -> Any:
        """self = self + weight * (end - self), in place."""
        return self._assign_result_("lerp_", self.clone().lerp(end, weight))

    arctan2_, true_divide_, divide_, multiply_, subtract_ = atan2_, div_, div_, mul_, sub_  # PyTorch's other names
    less_, less_equal_, greater_, greater_equal_, not_equal_ = lt_, le_, gt_, ge_, ne_

    # ---- shape-keeping ops along a dim, and writes into places ----------------------------------

    def tril_(self, diagonal: int = 0) -> Any:
        """self = self.tril(diagonal), in place: zeros above the diagonal."""
        return self._assign_result_("tril_", self.clone().tril(diagonal))

    def triu_(self, diagonal: int = 0) -> Any:
        """self = self.triu(diagonal), in place: zeros below the diagonal."""
        return self._assign_result_("triu_", self.clone().triu(diagonal))

    def cumsum_(self, dim: int, *, dtype: Any = None) -> Any:
        """self = self.cumsum(dim), in place (an int tensor keeps its dtype, as every in-place op)."""
        return self._assign_result_("cumsum_", self.clone().cumsum(dim, dtype=dtype))

    def cumprod_(self, dim: int, *, dtype: Any = None) -> Any:
        """self = self.cumprod(dim), in place."""
        return self._assign_result_("cumprod_", self.clone().cumprod(dim, dtype=dtype))

    def index_fill_(self, dim: int, index: Any, value: Any) -> Any:
        """value written into the slices index along dim, in place."""
        return self._assign_(self.clone().index_fill(dim, index, value))

    def index_copy_(self, dim: int, index: Any, source: Any) -> Any:
        """source's slices written at index along dim, in place."""
        return self._assign_(self.clone().index_copy(dim, index, source))

    def masked_scatter_(self, mask: Any, source: Any) -> Any:
        """source's elements written where mask is True, in place."""
        return self._assign_(self.clone().masked_scatter(mask, source))

    def scatter_reduce_(self, dim: int, index: Any, src: Any, reduce: str, *, include_self: bool = True) -> Any:
        """scatter_reduce, in place."""
        return self._assign_(self.clone().scatter_reduce(dim, index, src, reduce, include_self=include_self))
