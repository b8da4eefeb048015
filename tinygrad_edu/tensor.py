"""The Tensor: an ndarray that remembers the op that made it, so gradients can flow back.

This file holds the Tensor's data model (`__slots__`, `__init__`, data, grad, requires_grad, shape, the version
counter), the autograd plumbing (backward, detach, retain_grad, requires_grad_), matmul, and the operators
(`x + y`: one line each, through `_binary`, which gives PyTorch's result dtype). Each differentiable method is a
one-line delegation to the op that computes it (forward and backward side by side, in `tinygrad_edu/ops/`); the
backward walk itself lives in `tinygrad_edu/autograd/__init__.py`. Tensor's other methods, by group, are
inherited from one mixin each:

    tensor_math.py        elementwise math: add, mul, div, pow, exp, log, sqrt, relu, sigmoid, tanh, trig,
                          exp2, erf, rounding, sign, remainders, clamp, maximum, minimum; and matmul's
                          relatives: dot, mv, mm, bmm, outer
    tensor_shape.py       reshape, view, permute, transpose, expand, squeeze, flatten, split, chunk
    tensor_reductions.py  sum, mean, var, std, max/min (with indices), amax, argmax, softmax, logsumexp
    tensor_indexing.py    x[i], x[i] = v, gather
    tensor_convert.py     conversions: to, float, double, long, type, half, cpu, device (dtype and device);
                          numpy, item, tolist, float(t), int(t), bool(t), an index (to NumPy and Python);
                          repr(t), f"{t:.4f}" (to text, with printing.py's options)
    tensor_surface.py     the rest of PyTorch's surface: logic and bitwise ops, scans, sorting, more shape
                          and indexing methods (flip, scatter, diff, rot90, ...), comparisons by name
    tensor_in_place.py    in-place methods (add_, abs_, clamp_, tril_, fill_, ...), each written back through
                          the one in-place path
    tensor_hooks.py       register_hook, register_post_accumulate_grad_hook: gradient hooks
    tensor_special.py     special functions: lgamma, digamma, polygamma, mvlgamma, erfinv, i0, sinc, igamma,
                          igammac (ops/special.py; the rest of torch.special is tg.special, special.py)
    tensor_surface3.py    more of PyTorch's surface: quantile, histc, kron, renorm, index_put, the addmm family
    tensor_linalg.py      inverse, det, logdet, slogdet, cholesky, pinverse, matrix_power, qr, svd (tg.linalg)
    tensor_top.py         put, put_, index_reduce, index_reduce_

PyTorch's dtype rules (the default dtype, type promotion, and `_binary_promoted`, the operators' path when an
operand must be cast first) live in `dtypes.py`, writing into a tensor in place (`+=`, `x[i] = v`) and views in
`in_place.py`, and NumPy's protocol (`np.exp(t)`) in `numpy_dispatch.py`.
"""

from __future__ import annotations

import operator
import weakref
from collections.abc import Iterator
from typing import Any

import numpy as np

from tinygrad_edu.arguments import check_matmul
from tinygrad_edu.device import check_device
from tinygrad_edu.errors import ArgumentError, DtypeError, ShapeError
from tinygrad_edu.tensor_convert import ConvertMethods
from tinygrad_edu.tensor_hooks import HookMethods
from tinygrad_edu.tensor_in_place import InPlaceMethods
from tinygrad_edu.tensor_indexing import IndexingMethods
from tinygrad_edu.tensor_linalg import LinalgMethods
from tinygrad_edu.tensor_math import MathMethods, _check_product_dtypes
from tinygrad_edu.tensor_reductions import ReductionMethods
from tinygrad_edu.tensor_shape import ShapeMethods
from tinygrad_edu.tensor_special import SpecialMethods
from tinygrad_edu.tensor_surface import SurfaceMethods
from tinygrad_edu.tensor_surface3 import Surface3Methods
from tinygrad_edu.tensor_top import TopMethods

__all__ = ["Tensor", "tensor", "from_numpy", "get_default_dtype", "set_default_dtype", "result_type"]


def _binary(op: Any, a: Tensor, b: Any, reflected: bool = False, true_divide: bool = False) -> Tensor:
    """`a op b` (or `b op a` when reflected) with PyTorch's result dtype: the one call every operator makes."""
    # The usual case first, in as few tests as possible (~0.1 us of a ~1.8 us a * b): two tensors of one float
    # dtype, or a float tensor and a Python number (for + - * /, passed on as a 0-d array: see _constant); the result
    # is then that dtype. (A dtype is compared by identity: NumPy keeps one object per builtin dtype, and an equal
    # one that is not it takes the long way.)
    dtype = a.data.dtype
    if type(b) in _TENSOR_TYPES:
        usual = b.data.dtype is dtype and dtype in _FLOATS
    else:
        usual = (type(b) is float or type(b) is int) and dtype in _FLOATS
        if usual and op.number_as_array and dtype in _CONSTANTS and type(a.data) is np.ndarray:
            b = _constant(b, dtype)
    if not usual and not (
        dtype.kind == "f"
        and type(b) in _TENSOR_TYPES
        and b.data.dtype.kind == "f"
        and (b.data.ndim > 0) == (a.data.ndim > 0)  # float tensors of two dtypes: the wider one
    ):
        # uncommon: an int, bool, 0-d or NumPy-number side (the only path a bool can take, so `-` refuses it here)
        if op is _ops.Sub:
            _no_bool_minus(a, b)
        return _binary_promoted(op, a, b, reflected, true_divide)
    return op.apply(b, a) if reflected else op.apply(a, b)


# the usual float dtypes, tested first (a frozenset lookup, 0.03 us, costs less than `dtype.kind == "f"`, 0.05 us)
_FLOATS = frozenset(np.dtype(t) for t in (np.float32, np.float64, np.float16))
# Tensor and its subclasses (nn.Parameter, ...): the fast paths of the operators and of Function.apply test an
# input's exact type against this set (0.005 us more than `is Tensor`; isinstance costs 0.01-0.02 us more, and
# without the subclasses, x + w with w a Parameter took the ~5x slower path of mixed dtypes). Tensor adds itself
# and each subclass when the class is made (Tensor.__init_subclass__).
_TENSOR_TYPES: set[type] = set()


# The Python numbers met as the other operand of a float32 or float64 tensor's + - * / (x * 2.0, 1 - x), each as
# the 0-d array of that dtype it stands for: NumPy converts a Python number at every call, which makes x * 2.0
# cost about twice x * y (~0.4 us more), in the forward and again in a backward that uses it (grad * 2.0). The
# result is the same to the bit: NumPy casts a Python number to the array's dtype too (tests/test_tensor.py).
_CONSTANTS: dict[np.dtype, dict[float, np.ndarray]] = {np.dtype(np.float32): {}, np.dtype(np.float64): {}}


def _constant(value: float, dtype: np.dtype) -> Any:
    """`value` as a read-only 0-d array of `dtype` (float32 or float64), kept for the next use of the same number."""
    cache = _CONSTANTS[dtype]
    array = cache.get(value)
    if array is None:
        array = np.array(value, dtype)
        # nan is never found again (it is unequal to itself), and 0.0 would be found for -0.0 (they are equal)
        if value == value and value != 0:
            if len(cache) >= 256:  # a program that uses many numbers (a decaying rate) keeps only the recent ones
                cache.clear()
            array.flags.writeable = False  # (shared by every op that uses the number)
            cache[value] = array
    return array


def _no_bool_minus(a: Tensor, b: Any = None) -> None:
    """PyTorch refuses `-` (negation, subtraction) on bools, a bool tensor or a Python bool: on a mask
    it is a mistake for `~` or `^`, not the integer arithmetic NumPy would do."""
    if a.data.dtype.kind == "b" or type(b) is bool or (isinstance(b, Tensor) and b.data.dtype.kind == "b"):
        what = "Negation, the `-` operator, on" if b is None else "Subtraction, the `-` operator, with"
        raise DtypeError(
            f"{what} a bool tensor is not supported (PyTorch refuses it too); to invert a mask use `~` or "
            "logical_not(), to compare two masks `^`; for arithmetic convert first, e.g. x.long()"
        )


def _data(x: Any) -> Any:
    """The ndarray inside a Tensor; anything else (a number, an array) as it is."""
    return x.data if isinstance(x, Tensor) else x


class Tensor(
    MathMethods,
    ShapeMethods,
    ReductionMethods,
    IndexingMethods,
    ConvertMethods,
    SurfaceMethods,
    InPlaceMethods,
    HookMethods,
    Surface3Methods,
    SpecialMethods,
    LinalgMethods,
    TopMethods,
):
    """An n-dimensional array of numbers that records how it was computed, for reverse-mode autograd.

    Args:
        data: a number, a (nested) list, an ndarray or a Tensor. The data is copied.
        requires_grad: record operations on this tensor so that `backward()` fills its `.grad`.
        dtype: the NumPy dtype to store. By default, as PyTorch: arrays keep their dtype (float64 stays
            float64, int32 int32); Python floats become float32, Python ints int64, bools bool.

    Example:
        >>> x = tg.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
        >>> y = (x * x).sum()
        >>> y.backward()
        >>> x.grad                 # d sum(x^2)/dx = 2x
        tensor([[2., 4.],
                [6., 8.]], dtype=float32)
    """

    # _version counts in-place changes (as PyTorch's): ops remember it for what they save, and backward
    # refuses if it moved. _aliases (set by detach and by views) lists the tensors sharing this one's data;
    # _view_of (set on a view) is (base, index), index None for a reshape or permute.
    # .grad is a property over the slot _grad, so an assignment is checked as PyTorch checks it.
    # _hooks (set by register_hook on a leaf) holds a leaf's hooks; a non-leaf's are in its grad_fn.
    __slots__ = (
        "data",
        "_grad",
        "requires_grad",
        "grad_fn",
        "_version",
        "_aliases",
        "_view_of",
        "_hooks",
        "__weakref__",
    )

    data: np.ndarray
    requires_grad: bool
    grad_fn: Any  # the Function that made this tensor, or None for a leaf
    _version: int
    _grad: Tensor | None
    _aliases: Any  # (not set until a detach or a view shares the data: see _share_version)
    _view_of: Any
    _hooks: Any  # (not set until register_hook on a leaf: see autograd.TensorHooks)

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        _TENSOR_TYPES.add(cls)  # a subclass's tensors take the operators' fast paths too

    def __init__(self, data: Any, requires_grad: bool = False, dtype: DTypeLike = None) -> None:
        self.data = _to_array(data, dtype)
        self._grad = None
        self._version = 0
        self.grad_fn = None
        self.requires_grad = False
        if requires_grad:
            _check_can_require_grad(self.data.dtype, "Tensor")
            self.requires_grad = True

    @classmethod
    def _from_op(cls, data: np.ndarray, grad_fn: Any) -> Tensor:
        """Wrap an ndarray the library computed, with no conversion or copy (the fast path)."""
        out = object.__new__(cls)
        out.data = data
        out._grad = None
        out.grad_fn = grad_fn
        out.requires_grad = grad_fn is not None
        out._version = 0
        return out

    # ---- what a tensor is -----------------------------------------------------------------------

    @property
    def shape(self) -> tuple[int, ...]:
        """The length of each dimension, e.g. (2, 3); () for a scalar."""
        return self.data.shape

    @property
    def ndim(self) -> int:
        """The number of dimensions, len(shape)."""
        return self.data.ndim

    @property
    def dtype(self) -> np.dtype:
        """The NumPy dtype of the data, e.g. dtype('float32')."""
        return self.data.dtype

    @property
    def is_leaf(self) -> bool:
        """True for tensors the user made (no grad_fn); only leaves get `.grad` filled."""
        return self.grad_fn is None

    def size(self, dim: int | None = None) -> tuple[int, ...] | int:
        """The shape, or its length along `dim`, as `torch.Tensor.size`."""
        return self.data.shape if dim is None else self.data.shape[dim]

    def dim(self) -> int:
        """The number of dimensions, as `torch.Tensor.dim` (the same as `ndim`)."""
        return self.data.ndim

    ndimension = dim  # (torch's older name)

    def numel(self) -> int:
        """Number of elements."""
        return self.data.size

    def __len__(self) -> int:
        if self.data.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return len(self.data)

    def __iter__(self) -> Iterator[Tensor]:
        if self.data.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        return (self[i] for i in range(len(self.data)))

    __hash__ = object.__hash__  # == builds a tensor, so identity is the hash, as in PyTorch

    # (numpy(), item(), tolist(), float(t), int(t), bool(t), repr(t), f"{t:.4f}": tensor_convert.py)

    # ---- NumPy's protocol: np.exp(t), np.sum(t, axis=0), ndarray * t (tinygrad_edu/numpy_dispatch.py) ----

    def __array__(self, dtype: DTypeLike = None, copy: bool | None = None) -> np.ndarray:
        return self.data if dtype is None else self.data.astype(dtype)

    def __array_ufunc__(self, ufunc: Any, method: str, *inputs: Any, **kwargs: Any) -> Any:
        """A NumPy ufunc with a Tensor argument: the Tensor op that computes it, so it joins the graph."""
        return _numpy_dispatch.array_ufunc(ufunc, method, inputs, kwargs)

    def __array_function__(self, func: Any, types: Any, args: Any, kwargs: Any) -> Any:
        """A NumPy function with a Tensor argument (np.sum, np.where, ...): see numpy_dispatch.FUNCTIONS."""
        return _numpy_dispatch.array_function(func, types, args, kwargs)

    # ---- autograd ---------------------------------------------------------------------------

    @property
    def grad(self) -> Tensor | None:
        """The gradient that backward() accumulated here (None until then), a tensor of self's shape and dtype."""
        return self._grad

    @grad.setter
    def grad(self, value: Tensor | None) -> None:
        # Checked as PyTorch checks it, so a wrong .grad fails here rather than at the next backward
        # (or broadcasts silently into the next accumulation).
        if value is not None:
            if not isinstance(value, Tensor):
                raise TypeError(
                    f"assigned grad expected to be a Tensor or None but got grad of type "
                    f"{type(value).__name__}; wrap it: x.grad = tg.tensor(...)"
                )
            if value.data.dtype != self.data.dtype:
                raise DtypeError(
                    f"assigned grad has data of a different type: {value.data.dtype} for a tensor "
                    f"of dtype {self.data.dtype}; convert it first, e.g. g.to({self.data.dtype.name!r})"
                )
            if value.data.shape != self.data.shape:
                raise ShapeError(
                    f"assigned grad has data of a different size: shape {value.data.shape} for a "
                    f"tensor of shape {self.data.shape}"
                )
        self._grad = value

    def backward(
        self, gradient: Any = None, retain_graph: bool | None = None, create_graph: bool = False, inputs: Any = None
    ) -> None:
        """Compute the gradient of this tensor with respect to every leaf that requires grad.

        Gradients are added to each leaf's `.grad` (they accumulate until zeroed). A scalar needs no
        `gradient`; any other shape needs one of its own shape (the vector in the vector-Jacobian
        product). The graph's saved arrays are freed afterwards unless `retain_graph=True` (its
        default is `create_graph`). With `inputs=` (a tensor or a sequence), only those tensors'
        `.grad` receive a gradient, as in PyTorch. With `create_graph=True` the gradients are recorded
        too: `.grad` is then a tensor in a graph, which can be differentiated again.
        """
        if retain_graph is None:
            retain_graph = create_graph
        if not self.requires_grad:
            raise RuntimeError(
                "backward(): this tensor does not require grad and has no grad_fn; "
                "did you forget requires_grad=True on an input, or call it under no_grad()?"
            )
        if inputs is None:
            if create_graph:
                _autograd.backward(self, _autograd.graph_seed(self, gradient), retain_graph, None, True)
            else:
                _autograd.backward(self, self._seed(gradient), retain_graph)
            return
        inputs = [inputs] if isinstance(inputs, Tensor) else list(inputs)
        if not inputs:
            raise RuntimeError("backward(): inputs= was given but is empty; pass the tensors to accumulate into")
        grads = _autograd.grad(self, inputs, gradient, retain_graph, create_graph, allow_unused=True)
        for x, g in zip(inputs, grads):
            if g is not None:  # (as in PyTorch, .grad of a non-leaf input is filled too)
                if create_graph:
                    x._grad = g if x._grad is None else x._grad + g  # recorded: the sum is in the graph
                else:
                    x._grad = g if x._grad is None else Tensor._from_op(x._grad.data + g.data, None)

    def _seed(self, gradient: Any) -> Any:
        """The array that starts a backward walk from this tensor: ones for a scalar, else `gradient`'s copy."""
        if gradient is None:
            if self.data.size != 1:
                raise RuntimeError(
                    f"backward(): grad can be implicitly created only for scalar outputs, this "
                    f"tensor has shape {self.shape}; pass gradient= of that shape"
                )
            if self.data.shape == () and type(self.data) is np.ndarray:  # a loss, the usual case: np.ones_like
                return np.array(1, self.data.dtype)  # is NumPy-level Python (~1.4 us; this ~0.3 us)
            return np.ones_like(self.data)  # (a traced array's ones are traced too)
        seed = _data(gradient)
        if _autograd.is_other_array(seed):  # (a traced array: a copy of its own kind)
            seed = seed.astype(self.data.dtype)
        else:
            seed = np.array(seed, dtype=self.data.dtype)  # a copy: the walk may hand it to a leaf
        if seed.shape != self.data.shape:
            raise ShapeError(f"backward(): gradient has shape {seed.shape} but the tensor has shape {self.shape}")
        return seed

    def to_dot(self, path: str | None = None, model: Any = None) -> str:
        """This tensor's computation graph as Graphviz DOT text (see `tg.draw_graph`)."""
        from tinygrad_edu.graph import draw_graph  # imported here: graph.py imports this file

        return draw_graph(self, path, model=model)

    def detach(self) -> Tensor:
        """A tensor sharing this one's data, cut from the graph (requires_grad=False).

        As in PyTorch the two share one version counter: changing either in place is seen by the
        graphs that saved the other.
        """
        return _share_version(self, Tensor._from_op(self.data, None))

    def retain_grad(self) -> None:
        """Keep this non-leaf tensor's gradient in `.grad` at the next backward(), as PyTorch's retain_grad.

        Example:
            >>> x = tg.tensor([1.0, 2.0], requires_grad=True)
            >>> h = x * 2
            >>> h.retain_grad()
            >>> (h * h).sum().backward()
            >>> h.grad                     # d sum(h^2)/dh = 2h
            tensor([4., 8.], dtype=float32)
        """
        if not self.requires_grad:
            raise RuntimeError("retain_grad(): this tensor does not require grad, so it has no gradient to keep")
        if self.grad_fn is not None:  # a leaf keeps its gradient anyway
            self._tensor_hooks().retained = weakref.ref(self)

    @property
    def retains_grad(self) -> bool:
        """True for a non-leaf tensor whose gradient backward() keeps (see retain_grad)."""
        hooks = self.grad_fn.output_hooks if self.grad_fn is not None else None
        return hooks is not None and hooks.retained is not None

    def requires_grad_(self, requires_grad: bool = True) -> Tensor:
        """Set requires_grad in place on a leaf and return self."""
        if requires_grad:
            _check_can_require_grad(self.data.dtype, "requires_grad_")
        elif self.grad_fn is not None:
            raise RuntimeError("requires_grad_(False) is only for leaves; use detach() on the result of an op")
        self.requires_grad = bool(requires_grad)
        return self

    def clone(self) -> Tensor:
        """A copy of the data that stays in the graph (its gradient flows back to self)."""
        return _ops.Copy.apply(self)

    def zero_(self) -> Tensor:
        """Fill with zeros in place (recorded in the graph, as PyTorch, when self requires grad)."""
        return self._in_place("zero_", _ops.SetItem, 0, index=Ellipsis)

    # ---- linear algebra: matmul (its relatives dot, mv, mm, bmm and outer are in tensor_math.py) --------

    def matmul(self, other: Any) -> Tensor:
        """Matrix product with NumPy's rules: 1-D vectors, matrices and batches of matrices."""
        other = _operand_tensor(other)
        a, b = self.data, other.data
        # Two matrices of one dtype whose inner sizes agree, the usual case, need no more checking (~0.4 us a call)
        if a.ndim == 2 and b.ndim == 2 and a.shape[1] == b.shape[0] and a.dtype == b.dtype and a.dtype.kind != "b":
            return _ops.MatMul.apply(self, other)
        check_matmul(a.shape, b.shape)
        _check_product_dtypes("matmul", a, b)  # one dtype, not bool
        return _ops.MatMul.apply(self, other)

    # ---- operator sugar: one line each, with the math it means ----------------------------
    # `_binary` gives each PyTorch's result dtype; the `r` methods are the reflected forms.

    def __add__(self, other: Any) -> Tensor:  # self + other
        return _binary(_ops.Add, self, other)

    def __radd__(self, other: Any) -> Tensor:  # other + self
        return _binary(_ops.Add, self, other, reflected=True)

    def __sub__(self, other: Any) -> Tensor:  # self - other (a bool side is refused in _binary)
        return _binary(_ops.Sub, self, other)

    def __rsub__(self, other: Any) -> Tensor:  # other - self
        return _binary(_ops.Sub, self, other, reflected=True)

    def __mul__(self, other: Any) -> Tensor:  # self * other
        return _binary(_ops.Mul, self, other)

    def __rmul__(self, other: Any) -> Tensor:  # other * self
        return _binary(_ops.Mul, self, other, reflected=True)

    def __truediv__(self, other: Any) -> Tensor:  # self / other
        return _binary(_ops.Div, self, other, true_divide=True)

    def __rtruediv__(self, other: Any) -> Tensor:  # other / self
        return _binary(_ops.Div, self, other, reflected=True, true_divide=True)

    def __pow__(self, exponent: Any) -> Tensor:  # self ** exponent
        if type(exponent) is int and exponent < 0 and self.data.dtype.kind in "iub":
            raise ArgumentError(
                f"pow: Integers to negative integer powers are not allowed (a {self.dtype} tensor "
                f"of shape {self.shape} ** {exponent}); convert first, e.g. x.float() ** {exponent}"
            )
        if self.data.dtype.kind == "b" and isinstance(exponent, Tensor) and exponent.data.dtype.kind == "b":
            raise DtypeError("pow: a bool tensor to a bool tensor's powers is not supported (nor in PyTorch); x.long()")
        if type(exponent) is bool and self.data.dtype.kind == "b":  # stays bool, as PyTorch (NumPy's is int8)
            return _binary(_ops.Pow, self, exponent).bool()
        return _binary(_ops.Pow, self, exponent)

    def __rpow__(self, base: Any) -> Tensor:  # base ** self
        if type(base) is bool and self.data.dtype.kind == "b":
            raise DtypeError("pow: a bool base to a bool tensor's powers is not supported (nor in PyTorch); x.long()")
        return _binary(_ops.Pow, self, base, reflected=True)

    def __matmul__(self, other: Any) -> Tensor:  # self @ other
        if type(other) in _TENSOR_TYPES:
            # two matrices of one float dtype whose inner sizes agree, the usual case: matmul's checks
            # answered here, without two more calls (~0.6 us of a ~2.4 us x @ w)
            a, b = self.data, other.data
            if a.ndim == 2 and b.ndim == 2 and a.shape[1] == b.shape[0] and a.dtype is b.dtype and a.dtype in _FLOATS:
                return _ops.MatMul.apply(self, other)
        elif isinstance(other, (int, float)):
            return NotImplemented  # a number is not a matrix: Python raises TypeError, as PyTorch
        return self.matmul(other)

    def __rmatmul__(self, other: Any) -> Tensor:  # other @ self
        if isinstance(other, (int, float)):
            return NotImplemented
        return _operand_tensor(other).matmul(self)

    def __neg__(self) -> Tensor:  # -self
        _no_bool_minus(self)
        return _ops.Neg.apply(self)

    def __pos__(self) -> Tensor:  # +self
        return self

    def __abs__(self) -> Tensor:  # |self|
        return self.abs()  # (tensor_math's, which refuses bools as PyTorch)

    # Comparisons give bool tensors that are outside the graph (they have no gradient).
    def __lt__(self, other: Any) -> Tensor:  # self < other
        return _compare("<", operator.lt, self, other)

    def __le__(self, other: Any) -> Tensor:  # self <= other
        return _compare("<=", operator.le, self, other)

    def __gt__(self, other: Any) -> Tensor:  # self > other
        return _compare(">", operator.gt, self, other)

    def __ge__(self, other: Any) -> Tensor:  # self >= other
        return _compare(">=", operator.ge, self, other)

    def __eq__(self, other: Any) -> Tensor:  # type: ignore[override]  # self == other
        return _compare("==", operator.eq, self, other)

    def __ne__(self, other: Any) -> Tensor:  # type: ignore[override]  # self != other
        return _compare("!=", operator.ne, self, other)

    # In-place updates: `p -= lr * p.grad` changes p's data (see _in_place).
    def __iadd__(self, other: Any) -> Tensor:  # self += other
        return self._in_place("+=", _ops.Add, other)

    def __isub__(self, other: Any) -> Tensor:  # self -= other
        _no_bool_minus(self, other)
        return self._in_place("-=", _ops.Sub, other)

    def __imul__(self, other: Any) -> Tensor:  # self *= other
        return self._in_place("*=", _ops.Mul, other)

    def __itruediv__(self, other: Any) -> Tensor:  # self /= other
        return self._in_place("/=", _ops.Div, other)

    def _in_place(self, what: str, op: Any, other: Any, **options: Any) -> Tensor:
        """self <- op(self, other), written into self.data, as PyTorch's in-place methods (see in_place.py)."""
        return _in_place(self, what, op, other, **options)

    def _bump_version(self) -> None:
        """Count one in-place change of self's data (see in_place.py); optimizers call it after `p.data -= ...`."""
        _bump_version(self)


_TENSOR_TYPES.add(Tensor)


def _compare(op: str, fn: Any, a: Tensor, other: Any) -> Tensor:
    """`a op other` as a bool tensor outside the graph; shapes that do not broadcast are a ShapeError."""
    try:
        return Tensor._from_op(_autograd.as_array(fn(a.data, _data(other))), None)
    except ValueError as error:
        shapes = f"{a.shape} and {np.shape(_data(other))}"
        raise ShapeError(f"comparison {op}: shapes {shapes} do not broadcast ({error})") from None


def _operand_tensor(x: Any) -> Tensor:
    """x itself if it is a Tensor, else a new Tensor made from it (with tg.tensor's dtype rules)."""
    return x if isinstance(x, Tensor) else Tensor(x)


# ---- the tensor-making functions users call as tg.tensor(...) ------------------------------


def tensor(data: Any, requires_grad: bool = False, dtype: DTypeLike = None, device: Any = None) -> Tensor:
    """Make a Tensor from data (copied), as `torch.tensor`.

    Example:
        >>> tg.tensor([1.0, 2, 3])           # floats become float32, as in PyTorch
        tensor([1., 2., 3.], dtype=float32)
        >>> tg.tensor([1, 2, 3]).dtype       # and ints int64
        dtype('int64')
    """
    check_device("tensor", device)
    return Tensor(data, requires_grad=requires_grad, dtype=dtype)


def from_numpy(array: np.ndarray) -> Tensor:
    """A Tensor that shares memory with `array` (no copy, dtype kept), as `torch.from_numpy`."""
    if not isinstance(array, np.ndarray):
        raise TypeError(f"from_numpy: expected an ndarray, got {type(array).__name__}")
    return Tensor._from_op(array, None)


_NOT_GIVEN: Any = object()  # where()'s input and other when left out


def where(condition: Any, input: Any = _NOT_GIVEN, other: Any = _NOT_GIVEN) -> Any:
    """Elementwise `input if condition else other`, with broadcasting; gradients flow to the chosen side.

    `where(condition)` alone is `nonzero(condition, as_tuple=True)`, as in PyTorch: one index tensor per dim.
    """
    if input is _NOT_GIVEN and other is _NOT_GIVEN:
        return _operand_tensor(condition).nonzero(as_tuple=True)
    if input is _NOT_GIVEN or other is _NOT_GIVEN:
        raise TypeError("where() takes a condition alone, or a condition, input and other")
    cond = _data(condition)
    if not _autograd.is_other_array(cond):
        cond = np.asarray(cond, dtype=np.bool_)
    elif cond.dtype != np.bool_:  # (a traced array stays traced)
        cond = cond.astype(np.bool_)
    if isinstance(input, Tensor) or not isinstance(other, Tensor):
        a, b = _promote(_operand_tensor(input), other)
    else:
        b, a = _promote(other, input)
    return _ops.Where.apply(cond, a, b)


# These modules use Tensor, so they are imported once Tensor exists.
from tinygrad_edu import autograd as _autograd  # noqa: E402
from tinygrad_edu import numpy_dispatch as _numpy_dispatch  # noqa: E402
from tinygrad_edu import ops as _ops  # noqa: E402
from tinygrad_edu.dtypes import (  # noqa: E402  (PyTorch's dtype rules, re-exported: tg.result_type and friends)
    DTypeLike,
    _binary_promoted,
    _check_can_require_grad,
    _promote,
    _to_array,
    get_default_dtype,
    result_type,
    set_default_dtype,
)
from tinygrad_edu.in_place import _bump_version, _in_place, _share_version  # noqa: E402
