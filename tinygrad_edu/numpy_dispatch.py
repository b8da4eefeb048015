"""NumPy's protocol on Tensor: `np.sin(t)`, `np.sum(t, axis=0)`, `ndarray * t` give Tensors in the graph.

NumPy hands a call to `Tensor.__array_ufunc__` (for ufuncs: `np.exp`, `np.add`, the operators of an
ndarray) or `Tensor.__array_function__` (for functions such as `np.sum`, `np.where`) whenever a
Tensor is among the arguments. Each is answered here by the Tensor method that computes it, so the
result takes part in autograd as MyGrad's does. The tables below are the whole list; any other NumPy
function raises a TypeError that names it and says how to get the plain value.

One exception, a detached write: an ndarray given as `out=` (`np.add(a, t, out=a)`, or `p.data +=
-lr * p.grad`, where `p.data` is an ndarray) receives the values with no graph, as a write into
PyTorch's `.data` does. `.data` stays a plain ndarray: that is our teaching choice (the array is
what an op's forward and backward compute with).

The eager engine never comes here: ops compute on the ndarrays inside tensors, not on tensors.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from tinygrad_edu.tensor import Tensor

__all__ = ["UFUNCS", "FUNCTIONS", "array_ufunc", "array_function"]

# ufunc -> (Tensor method for `ufunc(tensor, other)`, method for `ufunc(other, tensor)`); a unary
# ufunc has one method. The reflected method keeps PyTorch's dtype rules for `ndarray * tensor`.
UFUNCS: dict[np.ufunc, tuple[str] | tuple[str, str | None]] = {
    np.add: ("__add__", "__radd__"),
    np.subtract: ("__sub__", "__rsub__"),
    np.multiply: ("__mul__", "__rmul__"),
    np.true_divide: ("__truediv__", "__rtruediv__"),
    np.power: ("__pow__", "__rpow__"),
    np.matmul: ("__matmul__", "__rmatmul__"),
    np.maximum: ("maximum", "maximum"),  # symmetric: ties share the gradient either way
    np.minimum: ("minimum", "minimum"),
    np.less: ("__lt__", "__gt__"),  # comparisons give bool tensors outside the graph
    np.less_equal: ("__le__", "__ge__"),
    np.greater: ("__gt__", "__lt__"),
    np.greater_equal: ("__ge__", "__le__"),
    np.equal: ("__eq__", "__eq__"),
    np.not_equal: ("__ne__", "__ne__"),
    np.negative: ("__neg__",),
    np.positive: ("__pos__",),
    np.absolute: ("abs",),
    np.exp: ("exp",),
    np.log: ("log",),
    np.log1p: ("log1p",),
    np.sqrt: ("sqrt",),
    np.square: ("square",),
    np.tanh: ("tanh",),
    np.sin: ("sin",),
    np.cos: ("cos",),
    # issue 13's surface (tensor_math.py, tensor_surface.py). A reflected name of None: the method has no
    # reflected form, so in `ufunc(ndarray, tensor)` the ndarray becomes a Tensor first (see _reflected).
    np.tan: ("tan",),
    np.arcsin: ("asin",),
    np.arccos: ("acos",),
    np.arctan: ("atan",),
    np.sinh: ("sinh",),
    np.cosh: ("cosh",),
    np.arcsinh: ("asinh",),
    np.arccosh: ("acosh",),
    np.arctanh: ("atanh",),
    np.exp2: ("exp2",),
    np.expm1: ("expm1",),
    np.log2: ("log2",),
    np.log10: ("log10",),
    np.reciprocal: ("reciprocal",),
    np.floor: ("floor",),
    np.ceil: ("ceil",),
    np.trunc: ("trunc",),
    np.rint: ("round",),  # halves to even, as np.rint
    np.sign: ("sign",),
    np.isnan: ("isnan",),
    np.isinf: ("isinf",),
    np.isfinite: ("isfinite",),
    np.logical_not: ("logical_not",),
    np.invert: ("bitwise_not",),
    np.arctan2: ("atan2", None),
    np.hypot: ("hypot", "hypot"),
    np.logaddexp: ("logaddexp", "logaddexp"),
    np.copysign: ("copysign", None),
    np.fmod: ("fmod", None),
    np.remainder: ("__mod__", "__rmod__"),
    np.floor_divide: ("__floordiv__", "__rfloordiv__"),
    np.logical_and: ("logical_and", "logical_and"),
    np.logical_or: ("logical_or", "logical_or"),
    np.logical_xor: ("logical_xor", "logical_xor"),
    np.bitwise_and: ("bitwise_and", "bitwise_and"),
    np.bitwise_or: ("bitwise_or", "bitwise_or"),
    np.bitwise_xor: ("bitwise_xor", "bitwise_xor"),
    np.left_shift: ("bitwise_left_shift", None),
    np.right_shift: ("bitwise_right_shift", None),
}


def _tensor(x: Any) -> Tensor:
    return x if isinstance(x, Tensor) else Tensor(x)


def _reflected(names: tuple, tensor: Tensor, other: Any) -> Any:
    """`ufunc(other, tensor)`: the reflected method, or (where there is none) other made a Tensor first."""
    if names[1] is None:
        return getattr(_tensor(other), names[0])(tensor)
    return getattr(tensor, names[1])(other)


def _sum(a, axis=None, dtype=None, out=None, keepdims=False):
    return _tensor(a).sum(axis=axis, keepdims=keepdims, dtype=dtype)


def _mean(a, axis=None, dtype=None, out=None, keepdims=False):
    return _tensor(a).mean(axis=axis, keepdims=keepdims, dtype=dtype)


def _max(a, axis=None, out=None, keepdims=False):  # np.max is amax: ties share the gradient
    return _tensor(a).max(axis=axis, keepdims=keepdims)


def _min(a, axis=None, out=None, keepdims=False):
    return _tensor(a).min(axis=axis, keepdims=keepdims)


def _where(condition, x=None, y=None):
    if x is None or y is None:
        raise TypeError(
            "np.where(condition) with one argument (the indices) is not supported on Tensors; "
            "use np.nonzero(t.detach().numpy())"
        )
    from tinygrad_edu.tensor import where

    return where(condition, x, y)


def _concatenate(arrays, axis=0, out=None):
    from tinygrad_edu.functional import cat

    return cat(list(arrays), dim=axis)


def _stack(arrays, axis=0, out=None):
    from tinygrad_edu.functional import stack

    return stack(list(arrays), dim=axis)


def _reshape(a, shape=None, order="C", *, newshape=None, copy=None):
    return _tensor(a).reshape(shape if shape is not None else newshape)


def _transpose(a, axes=None):
    a = _tensor(a)
    return a.permute(*axes) if axes is not None else a.permute(*reversed(range(a.ndim)))


def _clip(a, a_min=None, a_max=None, out=None, *, min=None, max=None):
    low = a_min if a_min is not None else min
    high = a_max if a_max is not None else max
    return _tensor(a).clamp(low, high)


def _dot(a, b, out=None):
    a, b = _tensor(a), _tensor(b)
    return a * b if a.ndim == 0 or b.ndim == 0 else a.matmul(b)


def _squeeze(a, axis=None):
    return _tensor(a).squeeze(axis)


def _expand_dims(a, axis):
    if isinstance(axis, (tuple, list)):  # several new axes at once: the shape NumPy gives, by reshape
        return _tensor(a).reshape(np.expand_dims(np.empty(np.shape(a), dtype=bool), axis).shape)
    return _tensor(a).unsqueeze(axis)


def _copy(a, order="K", subok=False):
    return _tensor(a).clone()


def _split(ary, indices_or_sections, axis=0):
    """np.split: pieces at the given indices (or that many equal pieces), each a slice of ary."""
    t = _tensor(ary)
    axis = axis % t.ndim
    n = t.shape[axis]
    if isinstance(indices_or_sections, (int, np.integer)):
        if n % indices_or_sections:
            raise ValueError(
                f"np.split: array split does not result in an equal division ({n} by {indices_or_sections})"
            )
        indices_or_sections = range(n // indices_or_sections, n, n // indices_or_sections)
    bounds = [0, *(int(i) for i in indices_or_sections), n]
    return [t[(slice(None),) * axis + (slice(a, b),)] for a, b in zip(bounds[:-1], bounds[1:])]


def _take(a, indices, axis=None, out=None, mode="raise"):
    t = _tensor(a)
    if axis is None:
        return t.reshape(-1)[indices]
    return t[(slice(None),) * (axis % t.ndim) + (indices,)]


def _sliding_window_view(x, window_shape, axis=None, *, subok=False, writeable=False):
    """Every window of `window_shape` along `axis`, the window's axes appended: Tensor.unfold once per axis."""
    t = _tensor(x)
    shape = (window_shape,) if isinstance(window_shape, int) else tuple(window_shape)
    axes = tuple(range(t.ndim)) if axis is None else ((axis,) if isinstance(axis, int) else tuple(axis))
    for a, n in zip(axes, shape):
        t = t.unfold(a % x.ndim, n, 1)
    return t


def _einsum(*operands, out=None, optimize=False):
    from tinygrad_edu.functional_surface import einsum  # (imported here: it imports tensor.py too)

    return einsum(*operands)


def _broadcast_to(array, shape, subok=False):
    return _tensor(array).expand(shape)


# Facts about a tensor, not values: they need no graph.
def _shape(a):
    return a.shape


def _ndim(a):
    return a.ndim


def _size(a, axis=None):
    return a.numel() if axis is None else a.shape[axis]


# issue 13's surface, under NumPy's argument names
def _prod(a, axis=None, dtype=None, out=None, keepdims=False):
    return _tensor(a).prod(axis, keepdims, dtype=dtype)


def _cumsum(a, axis=None, dtype=None, out=None):
    a = _tensor(a)
    return (a.reshape(-1) if axis is None else a).cumsum(0 if axis is None else axis, dtype=dtype)


def _cumprod(a, axis=None, dtype=None, out=None):
    a = _tensor(a)
    return (a.reshape(-1) if axis is None else a).cumprod(0 if axis is None else axis, dtype=dtype)


def _all(a, axis=None, out=None, keepdims=False, *, where=None):
    return _tensor(a).all(axis, keepdims)


def _any(a, axis=None, out=None, keepdims=False, *, where=None):
    return _tensor(a).any(axis, keepdims)


def _sort(a, axis=-1, kind=None, order=None, *, stable=None):
    a = _tensor(a)
    return (a.reshape(-1) if axis is None else a).sort(-1 if axis is None else axis).values


def _argsort(a, axis=-1, kind=None, order=None, *, stable=None):
    a = _tensor(a)
    return (a.reshape(-1) if axis is None else a).argsort(-1 if axis is None else axis)


def _flip(m, axis=None):
    m = _tensor(m)
    return m.flip(*(range(m.ndim) if axis is None else (axis if isinstance(axis, (tuple, list)) else (axis,))))


def _roll(a, shift, axis=None):
    return _tensor(a).roll(shift, axis)


def _round(a, decimals=0, out=None):
    return _tensor(a).round(decimals)


def _argmax(a, axis=None, out=None, *, keepdims=False):
    return _tensor(a).argmax(axis, keepdims)


def _argmin(a, axis=None, out=None, *, keepdims=False):
    return _tensor(a).argmin(axis, keepdims)


def _tile(A, reps):
    return _tensor(A).tile(reps if isinstance(reps, (tuple, list)) else (reps,))


def _tril(m, k=0):
    return _tensor(m).tril(k)


def _triu(m, k=0):
    return _tensor(m).triu(k)


def _trace(a, offset=0, axis1=0, axis2=1, dtype=None, out=None):
    return _tensor(a).diagonal(offset, axis1, axis2).sum(-1, dtype=dtype)


def _diagonal(a, offset=0, axis1=0, axis2=1):
    return _tensor(a).diagonal(offset, axis1, axis2)


def _moveaxis(a, source, destination):
    return _tensor(a).movedim(source, destination)


def _swapaxes(a, axis1, axis2):
    return _tensor(a).swapaxes(axis1, axis2)


def _nan_to_num(x, copy=True, nan=0.0, posinf=None, neginf=None):
    return _tensor(x).nan_to_num(nan, posinf, neginf)


def _count_nonzero(a, axis=None, *, keepdims=False):
    return _tensor(a).count_nonzero(axis)


def _linalg_inv(a):
    from tinygrad_edu.linalg_decompositions import inv  # (imported here: it imports tensor.py too)

    return inv(a)


def _linalg_solve(a, b):
    """np.linalg.solve's rule (NumPy 2): b is a vector only when 1-D, else a matrix (or a batch of them)."""
    from tinygrad_edu.ops.decompositions import Solve

    b = _tensor(b)
    return Solve.apply(a, b.unsqueeze(-1)).squeeze(-1) if b.ndim == 1 else Solve.apply(a, b)


def _linalg_det(a):
    from tinygrad_edu.linalg_decompositions import det

    return det(a)


def _linalg_svd(a, full_matrices=True, compute_uv=True, hermitian=False):
    from tinygrad_edu.linalg_decompositions import svd

    u, s, vh = svd(a, full_matrices=full_matrices)
    return (u, s, vh) if compute_uv else s


def _filled(fill: Callable) -> Callable:
    """np.zeros_like and its kin on a Tensor: a new constant Tensor (no graph) of its shape or `shape`, so an
    op's backward that fills a fresh array and writes the gradient into it runs on Tensors too (double
    backward). np.empty_like gives zeros: its contents are unspecified anyway."""

    def like(a, *args, dtype=None, order="K", subok=True, shape=None, **kwargs):
        return Tensor(fill(_detached(a), *args, dtype=dtype, order=order, shape=shape, **kwargs))

    return like


# NumPy function -> what it is on Tensors (with NumPy's own argument names).
FUNCTIONS: dict[Callable, Callable] = {
    np.sum: _sum,
    np.mean: _mean,
    np.max: _max,
    np.amax: _max,
    np.min: _min,
    np.amin: _min,
    np.where: _where,
    np.concatenate: _concatenate,
    np.stack: _stack,
    np.reshape: _reshape,
    np.transpose: _transpose,
    np.clip: _clip,
    np.dot: _dot,
    np.squeeze: _squeeze,
    np.expand_dims: _expand_dims,
    np.broadcast_to: _broadcast_to,
    np.shape: _shape,
    np.ndim: _ndim,
    np.size: _size,
    np.prod: _prod,
    np.cumsum: _cumsum,
    np.cumprod: _cumprod,
    np.all: _all,
    np.any: _any,
    np.sort: _sort,
    np.argsort: _argsort,
    np.flip: _flip,
    np.roll: _roll,
    np.round: _round,
    np.around: _round,
    np.argmax: _argmax,
    np.argmin: _argmin,
    np.tile: _tile,
    np.tril: _tril,
    np.triu: _triu,
    np.trace: _trace,
    np.diagonal: _diagonal,
    np.moveaxis: _moveaxis,
    np.swapaxes: _swapaxes,
    np.nan_to_num: _nan_to_num,
    np.count_nonzero: _count_nonzero,
    np.copy: _copy,
    np.split: _split,
    np.take: _take,
    np.einsum: _einsum,
    np.lib.stride_tricks.sliding_window_view: _sliding_window_view,
    np.zeros_like: _filled(np.zeros_like),
    np.empty_like: _filled(np.zeros_like),
    np.ones_like: _filled(np.ones_like),
    np.full_like: _filled(np.full_like),
    # the matrix functions that linear-algebra ops' backward formulas call (ops/decompositions.py)
    np.linalg.inv: _linalg_inv,
    np.linalg.solve: _linalg_solve,
    np.linalg.det: _linalg_det,
    np.linalg.svd: _linalg_svd,
}


def _numpy_name(fn: Any) -> str:
    """'np.linalg.inv' for numpy.linalg.inv, 'np.add.reduce' for a ufunc method."""
    module = getattr(fn, "__module__", None) or "numpy"
    module = "np" + module[len("numpy") :] if module.startswith("numpy") else module
    module = "np" if module.startswith("np._core") or module.startswith("np.core") else module
    return f"{module}.{getattr(fn, '__name__', repr(fn))}"


def _unsupported(name: str) -> TypeError:
    return TypeError(
        f"{name} is not supported on a Tensor (the NumPy functions that work on Tensors are listed in "
        f"tinygrad_edu/numpy_dispatch.py); for the plain values without a gradient, call it on "
        f"t.detach().numpy()"
    )


def _detached(x: Any) -> Any:
    """x with every Tensor replaced by its ndarray (in lists and tuples too): a write that records nothing."""
    if isinstance(x, Tensor):
        return x.data
    if isinstance(x, (list, tuple)):
        return type(x)(_detached(v) for v in x)
    return x


def _writes_into_array(out: Any) -> bool:
    """True for out= holding ndarrays only: NumPy writes the values there, with no graph (see module doc)."""
    outs = out if isinstance(out, tuple) else (out,)
    if any(isinstance(o, Tensor) for o in outs):
        raise TypeError(
            "out=: a Tensor cannot receive NumPy's output; write into t.data (a plain ndarray, "
            "under tg.no_grad() for a tensor that requires grad) or use t += ..."
        )
    return True


def _defers(values: Any) -> bool:
    """True when another array kind with its own protocol (the compiler's traced arrays) is present."""
    return any(
        not isinstance(x, (Tensor, np.ndarray, np.generic))
        and type(x).__array_ufunc__ is not np.ndarray.__array_ufunc__
        for x in values
        if hasattr(type(x), "__array_ufunc__")
    )


_PLAIN = (np.ndarray, np.generic, int, float, bool)  # what meets a Tensor in `ndarray * t` and `np.exp(t)`


def _add_at(target: Tensor, index: Any, values: Any) -> None:
    """np.add.at(t, index, v) into a Tensor: t[index] += v with repeated places adding up, in place and
    recorded (ScatterAdd on t's value, written back into t), as an op's backward does it on Tensors."""
    from tinygrad_edu.ops import ScatterAdd

    target[...] = ScatterAdd.apply(target, values, where=index)


def array_ufunc(ufunc: np.ufunc, method: str, inputs: tuple, kwargs: dict) -> Any:
    """`Tensor.__array_ufunc__`: a table ufunc on Tensors as the Tensor method that computes it."""
    names = UFUNCS.get(ufunc)
    if names is not None and method == "__call__" and not kwargs:  # the common case first: `ndarray * t`
        if len(inputs) == 1:
            return getattr(inputs[0], names[0])()
        a, b = inputs
        if isinstance(a, Tensor) and (isinstance(b, (Tensor,) + _PLAIN)):
            return getattr(a, names[0])(b)
        if isinstance(b, Tensor) and isinstance(a, _PLAIN):
            return _reflected(names, b, a)
    if _defers(inputs):
        return NotImplemented
    if kwargs.get("out") is not None and _writes_into_array(kwargs["out"]):
        return getattr(ufunc, method)(*_detached(inputs), **kwargs)
    if method == "at" and not isinstance(inputs[0], Tensor):  # np.add.at(array, index, t): into the array
        return ufunc.at(*_detached(inputs), **kwargs)
    if method == "at" and ufunc is np.add and len(inputs) == 3 and not kwargs:
        return _add_at(*inputs)
    name = _numpy_name(ufunc) + ("" if method == "__call__" else f".{method}")
    if names is None or method != "__call__":
        raise _unsupported(name)
    if kwargs:
        raise TypeError(
            f"{name}: the keyword argument(s) {', '.join(kwargs)} are not supported on a Tensor; "
            f"call it on t.detach().numpy() for the plain values"
        )
    if len(inputs) == 1:
        return getattr(inputs[0], names[0])()
    a, b = inputs
    return getattr(a, names[0])(b) if isinstance(a, Tensor) else _reflected(names, b, a)


def array_function(func: Callable, types: tuple, args: tuple, kwargs: dict) -> Any:
    """`Tensor.__array_function__`: a table function on Tensors, or a detached write into an ndarray `out=`."""
    if any(not issubclass(t, (Tensor, np.ndarray)) for t in types):
        return NotImplemented  # another array kind present: let it answer
    if kwargs.get("out") is not None and _writes_into_array(kwargs["out"]):
        return func(*_detached(args), **{k: _detached(v) for k, v in kwargs.items()})
    handler = FUNCTIONS.get(func)
    if handler is None:
        raise _unsupported(_numpy_name(func))
    return handler(*args, **kwargs)
