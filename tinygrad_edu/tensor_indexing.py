"""Indexing a Tensor: x[i], x[i] = v, and gather, with PyTorch's rules for what an index may be.

`Tensor` (tensor.py) inherits these from `IndexingMethods`. Reading `x[index]` is the op `Index`, writing
`x[index] = v` the op `SetItem` (ops/movement.py), so repeated indices accumulate their gradient; a slice is a
view of x (in_place.py), and a write goes through the one in-place path (`Tensor._in_place`). The index is
handed to NumPy after two conversions: tensors and lists become ndarrays (`_index_arrays`), and an index
mixing ints and arrays is applied in PyTorch's order, ints first (`_ints_first`). The other indexing methods
(scatter, index_select, masked_fill, take, nonzero, ...) are in tensor_surface.py.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

import tinygrad_edu as _tinygrad_edu
import tinygrad_edu.tensor as _tensor_module
from tinygrad_edu.arguments import check_dim, is_int
from tinygrad_edu.errors import ShapeError

if TYPE_CHECKING:
    from tinygrad_edu.tensor import Tensor

# tensor.py is still being imported when this module runs (Tensor inherits from it), so what these methods
# use of tensor.py (_tensor.Tensor) and of the package (_tg.ops, _tg.in_place) is read at call time. (Typed
# Any: the type checker sees `self` as this mixin where those functions expect a Tensor.)
_tensor: Any = _tensor_module
_tg: Any = _tinygrad_edu


class IndexingMethods:
    """Methods of Tensor (see the module docstring); `self` is always a Tensor."""

    __slots__ = ()

    if TYPE_CHECKING:  # what these methods use of Tensor, declared for the type checker only
        data: np.ndarray

        @property
        def shape(self) -> tuple[int, ...]: ...

        def _in_place(self, what: str, op: Any, other: Any, **options: Any) -> Tensor: ...

    def __getitem__(self, index: Any) -> Tensor:
        """Basic slicing and integer-array (or bool mask) indexing; repeated indices accumulate gradient."""
        split = None
        if type(index) is not slice:  # (x[a:b], the most common index, has nothing to convert or reorder: ~0.4 us)
            index = _index_arrays(index)
            split = _ints_first(index)
        try:
            if split is None:
                # (indexed once, by the op: a trial x[index] first, to check it, cost ~1 us a call)
                return _tg.in_place._view(self, _tg.ops.Index.apply(self, index=index), index)
            self.data[index]  # checked whole, so that an error names the index the user wrote
        except IndexError as error:
            raise IndexError(f"index {index!r} into a tensor of shape {self.shape}: {error}") from None
        # PyTorch takes the ints first, then the arrays (see _ints_first)
        return _tg.in_place._view(self, _tg.ops.Index.apply(_tg.ops.Index.apply(self, index=split[0]), index=split[1]))

    def __setitem__(self, index: Any, value: Any) -> None:
        """Write `value` into self[index] in place. Recorded as an op (PyTorch's CopySlices) when self or
        value requires grad, so `a[0] = w[0]` sends a[0]'s gradient to w."""
        index = _index_arrays(index)
        split = _ints_first(index)
        if split is not None:  # as in __getitem__, PyTorch's order: the ints select first (a view), then the arrays
            self[split[0]][split[1]] = value
            return
        target = self.data[index]  # an index out of range is PyTorch's IndexError, before any in-place check
        if isinstance(value, _tensor.Tensor):  # on the value as given: PyTorch's rule reads its shape
            _tg.in_place._check_no_overlap(self, "__setitem__", _tg.ops.SetItem, value, index)
        shape = value.shape if isinstance(value, (_tensor.Tensor, np.ndarray)) else ()
        extra = len(shape) - np.ndim(target)
        if extra > 0 and all(n == 1 for n in shape[:extra]):  # PyTorch drops a value's leading 1s: x[0] = y[None]
            value = value.reshape(shape[extra:])
        self._in_place("__setitem__", _tg.ops.SetItem, value, index=index)

    def gather(self, dim: int, index: Any) -> Tensor:
        """out[i][j][k] = self[index[i][j][k]][j][k] for dim 0 (and so on), as `torch.gather`.

        `index` has as many dimensions as self, and may be smaller than self in every dimension but
        `dim` (as PyTorch: only its first index.shape[d] positions are read); repeated indices
        accumulate their gradient.
        """
        axis = check_dim("gather", dim, self.data.ndim)
        index = _tensor._data(index)
        if not (_tg.autograd.is_other_array(index) and index.dtype.kind in "iu"):  # (traced indices stay traced)
            index = np.asarray(index)
        if index.ndim != self.data.ndim:
            raise ShapeError(
                f"gather: index of shape {index.shape} must have as many dimensions as the input {self.shape}"
            )
        if index.dtype.kind not in "iu":
            raise IndexError(f"gather: index must hold integers, got dtype {index.dtype}")
        for d, (n, m) in enumerate(zip(index.shape, self.data.shape)):
            if d != axis and n > m:
                raise ShapeError(
                    f"gather: index of shape {index.shape} is larger than the input {self.shape} in "
                    f"dimension {d} ({n} > {m}); it may only be larger in dimension dim={dim}"
                )
        size = self.data.shape[axis] if self.data.ndim else 1
        if index.size and (index.min() < 0 or index.max() >= size):  # (PyTorch refuses negative ones too)
            raise IndexError(
                f"gather: index out of range for dimension {dim} of size {size} "
                f"(index holds values from {index.min()} to {index.max()})"
            )
        return _tg.ops.Gather.apply(self, index=index, axis=axis)


def _index_arrays(index: Any) -> Any:
    """Replace tensors and lists inside an index by ndarrays, so NumPy does the indexing."""
    if isinstance(index, tuple):
        return tuple(_index_arrays(i) for i in index)
    if isinstance(index, _tensor.Tensor):
        return _tensor_index(index.data)
    if isinstance(index, list):
        if _list_as_tuple(index):
            return tuple(_index_arrays(i) for i in index)
        index = np.asarray(index)
    if isinstance(index, np.ndarray) and index.dtype.kind == "f":
        return index.astype(np.int64)  # (a list or array of floats: truncated toward zero, as PyTorch)
    return index


def _list_as_tuple(index: list[Any]) -> bool:
    """PyTorch's (and old NumPy's) rule: a list shorter than 32 that holds a list, tensor, slice, None or
    Ellipsis is a tuple of indices, so x[[[0, 1], [1, 2]]] is x[[0, 1], [1, 2]], two elements of a matrix."""
    return len(index) < 32 and any(
        isinstance(i, (list, tuple, _tensor.Tensor, np.ndarray, slice)) or i is None or i is Ellipsis for i in index
    )


def _tensor_index(data: Any) -> Any:
    """An index tensor's array as PyTorch takes it: int64, int32 and bool as they are, uint8 as a mask
    (PyTorch's old byte masks); a float (or int8, int16) tensor is an IndexError, not its values truncated."""
    if data.dtype == np.uint8:
        return data.astype(bool)
    if data.dtype.kind != "b" and (data.dtype.kind not in "iu" or data.dtype.itemsize < 4):
        raise IndexError(
            f"tensors used as indices must be long, int, byte or bool tensors (as in PyTorch), got a tensor of "
            f"dtype {data.dtype}; convert it with .long()"
        )
    return data


def _ints_first(index: Any) -> tuple[tuple[Any, ...], tuple[Any, ...]] | None:
    """For an index mixing ints and arrays, the two indices that apply it as PyTorch does; else None.

    NumPy counts an int as an advanced index alongside the arrays, so in x[0, :, [0, 1]] on shape (2, 3, 4)
    the int and the array, separated by a slice, put their dimension first: (2, 3). PyTorch selects with
    the ints first (basic indexing) and then applies the arrays: (3, 2). So: x[ints only][the rest].
    """
    if not isinstance(index, tuple):
        return None
    ints = [is_int(p) for p in index]
    if not any(ints) or not any(isinstance(p, (np.ndarray, list)) for p in index):
        return None
    first = tuple(p if i or p is None or p is Ellipsis else slice(None) for p, i in zip(index, ints))
    rest = tuple(slice(None) if p is None else p for p, i in zip(index, ints) if not i)
    return first, rest
