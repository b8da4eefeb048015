"""Shape methods of a Tensor: reshape, view, permute, transpose, expand, squeeze, flatten, split, chunk.

`Tensor` (tensor.py) inherits these from `ShapeMethods`. Each is a one-line delegation to a movement op in
ops/movement.py (Reshape, Permute, Expand; split and chunk are slices of one tensor, `pieces`), after the
checks PyTorch makes on the shapes (arguments.py). A reshape, permute or transpose is a view, as in PyTorch:
it shares the input's data and its version counter (in_place.py's `_view`). The shape methods that are
compositions of these (flip, roll, repeat, movedim, narrow, ...) are in tensor_surface.py.
"""

from __future__ import annotations

import math
import operator
from typing import TYPE_CHECKING, Any

import numpy as np

import tinygrad_edu as _tinygrad_edu
import tinygrad_edu.tensor as _tensor_module
from tinygrad_edu.arguments import (
    Dim,
    as_tuple,
    check_dim,
    chunk_sizes,
    expand_target,
    infer_shape,
    shape_args,
    split_sizes,
)
from tinygrad_edu.errors import ShapeError
from tinygrad_edu.torch_alias import torch_prefix

if TYPE_CHECKING:
    from tinygrad_edu.dtypes import DTypeLike
    from tinygrad_edu.tensor import Tensor

# tensor.py is still being imported when this module runs (Tensor inherits from it), so what these methods
# use of tensor.py (_tensor.Tensor) and of the package (_tg.ops, _tg.in_place) is read at call time. (Typed
# Any: the type checker sees `self` as this mixin where those functions expect a Tensor.)
_tensor: Any = _tensor_module
_tg: Any = _tinygrad_edu


class Size(tuple):
    """A shape as torch.Size: a tuple of ints with `numel()`. `x.shape` and `x.size()` stay plain tuples (see the
    README's table of differences); Size is for scripts that build one or test `isinstance(s, torch.Size)`.

    Example:
        >>> s = tg.Size([2, 3])
        >>> s, s.numel(), s == (2, 3), s[1:]
        (Size([2, 3]), 6, True, Size([3]))
    """

    __slots__ = ()

    def __new__(cls, sizes: Any = ()) -> Size:
        items = tuple(sizes)
        for position, item in enumerate(items):
            try:
                operator.index(item)  # an int, a NumPy int, a 0-d int tensor; never a float
            except TypeError:
                raise TypeError(
                    f"Size() takes an iterable of 'int' (item {position} is {type(item).__name__!r})"
                ) from None
        return super().__new__(cls, (operator.index(item) for item in items))

    def numel(self) -> int:
        """The number of elements a tensor of this shape holds: the product of the sizes (1 for ())."""
        return math.prod(self)

    # a slice, a sum or a repeat of a Size is a Size, as in PyTorch
    def __getitem__(self, index: Any) -> Any:
        item = super().__getitem__(index)
        return Size(item) if isinstance(index, slice) else item

    def __add__(self, other: Any) -> Size:
        return Size(super().__add__(tuple(other)))

    def __radd__(self, other: Any) -> Size:
        return Size(tuple(other) + tuple(self))

    def __mul__(self, count: Any) -> Size:
        return Size(super().__mul__(count))

    __rmul__ = __mul__

    def __repr__(self) -> str:
        return f"{torch_prefix()}Size({list(self)})"  # torch.Size([2, 3]) under as-torch, as PyTorch prints it


class ShapeMethods:
    """Methods of Tensor (see the module docstring); `self` is always a Tensor."""

    __slots__ = ()

    if TYPE_CHECKING:  # what these methods use of Tensor, declared for the type checker only
        data: np.ndarray

        @property
        def shape(self) -> tuple[int, ...]: ...

        def __getitem__(self, index: Any) -> Tensor: ...

    def reshape(self, *shape: Any) -> Tensor:
        """The same elements in a new shape; one dimension may be -1 (inferred).

        Always a new tensor (in the graph when self requires grad), even when the shape is unchanged,
        as in PyTorch.
        """
        sizes = shape[0] if len(shape) == 1 and type(shape[0]) is tuple else shape  # reshape(4, 4) or reshape((4, 4))
        if sizes:
            # NumPy's reshape checks the sizes as PyTorch does (-1 inferred, the count kept), so they go to it as
            # given; only when it refuses are they checked here again, for an error that names them (~0.6 us of a
            # ~2 us reshape)
            try:
                return _tg.in_place._view(self, _tg.ops.Reshape.apply(self, shape=sizes))
            except (ShapeError, TypeError):
                pass
        target = infer_shape(self.data.shape, shape_args(shape))  # raises the error that says what is wrong
        return _tg.in_place._view(self, _tg.ops.Reshape.apply(self, shape=target))

    def view(self, *shape: Any, dtype: DTypeLike = None) -> Tensor:
        """reshape without a copy, as `torch.Tensor.view`: refused, as PyTorch refuses it, where the
        elements are not laid out so that the new shape can read them in place (after a transpose).

        `x.view(dtype)` reads the same bytes as another dtype, as PyTorch (the bit pattern, not a
        conversion; outside the graph): to a smaller item the last dimension grows, to a larger one it shrinks.

        Example:
            >>> tg.tensor([1.0, -2.0]).view(tg.int32).tolist()
            [1065353216, -1073741824]
        """
        if dtype is None and shape and not isinstance(shape[0], (int, np.integer, tuple, list)):
            dtype = shape[0]
        if dtype is not None:
            return _tensor.Tensor._from_op(_bits_as(self.data, np.dtype(dtype)), None)
        target = infer_shape(self.data.shape, shape_args(shape))
        if type(self.data) is np.ndarray and not self.data.flags.c_contiguous:
            try:
                np.reshape(self.data, target, copy=False)
            except ValueError:
                raise RuntimeError(
                    f"view: the size {target} is not compatible with the input's layout (shape {self.shape}, "
                    "strides of a transposed or sliced tensor): at least one dimension spans two of its "
                    "dimensions. Use .reshape(...) instead, or .contiguous().view(...)"
                ) from None
        return _tg.in_place._view(self, _tg.ops.Reshape.apply(self, shape=target))

    def view_as(self, other: Tensor) -> Tensor:
        """`view` to other's shape, as `torch.Tensor.view_as`."""
        return self.view(_shape_of("view_as", other))

    def reshape_as(self, other: Tensor) -> Tensor:
        """`reshape` to other's shape, as `torch.Tensor.reshape_as`."""
        return self.reshape(_shape_of("reshape_as", other))

    def flatten(self, start_dim: int = 0, end_dim: int = -1) -> Tensor:
        """Merge the dimensions start_dim..end_dim into one (self itself if that is one dimension, as PyTorch)."""
        if self.data.ndim == 0:
            return self.reshape(1)
        start = check_dim("flatten", start_dim, self.data.ndim)
        end = check_dim("flatten", end_dim, self.data.ndim)
        if start > end:
            raise ShapeError(f"flatten: start_dim {start_dim} comes after end_dim {end_dim} for shape {self.shape}")
        if start == end:
            return self  # type: ignore[return-value]  # (self is a Tensor: this class is mixed into it)
        shape = self.data.shape
        merged = math.prod(shape[start : end + 1])  # (not -1: it cannot be inferred when a size is 0)
        return self.reshape(*shape[:start], merged, *shape[end + 1 :])

    def unsqueeze(self, dim: int) -> Tensor:
        """Insert a dimension of size 1 at `dim`."""
        dim = check_dim("unsqueeze", dim, self.data.ndim + 1)
        shape = self.data.shape
        return self.reshape(*shape[:dim], 1, *shape[dim:])

    def squeeze(self, dim: Dim = None, *more_dims: int) -> Tensor:
        """Remove dimensions of size 1 (all, or only `dim`; a `dim` whose size is not 1 is left alone). Several dims
        are a tuple or, as in PyTorch, separate arguments: x.squeeze(0, 2)."""
        if more_dims:
            dim = (*as_tuple(dim), *more_dims)
        shape = self.data.shape
        if self.data.ndim == 0:  # dim 0 or -1 of a 0-d tensor (check_dim allows those): nothing to remove
            if dim is not None:
                for d in as_tuple(dim):
                    check_dim("squeeze", d, 0)
            return self.reshape(())
        if dim is None:
            dims = {i for i, n in enumerate(shape) if n == 1}
        else:
            dims = {check_dim("squeeze", d, self.data.ndim) for d in as_tuple(dim)}
            dims = {d for d in dims if shape[d] == 1}
        return self.reshape(*[n for i, n in enumerate(shape) if i not in dims])

    def permute(self, *dims: Any) -> Tensor:
        """Reorder the dimensions: the result's dimension i is the input's dims[i]."""
        dims = tuple(shape_args(dims))
        if sorted(check_dim("permute", d, self.data.ndim) for d in dims) != list(range(self.data.ndim)):
            raise ShapeError(f"permute: {dims} is not a permutation of the {self.data.ndim} dimensions of {self.shape}")
        return _tg.in_place._view(self, _tg.ops.Permute.apply(self, dims=tuple(d % self.data.ndim for d in dims)))

    def transpose(self, dim0: int, dim1: int) -> Tensor:
        """Swap two dimensions."""
        dims = list(range(self.data.ndim))
        d0 = check_dim("transpose", dim0, self.data.ndim)
        d1 = check_dim("transpose", dim1, self.data.ndim)
        if dims:  # (a 0-d tensor has nothing to swap: dims 0 and -1 both name the tensor itself)
            dims[d0], dims[d1] = dims[d1], dims[d0]
        return _tg.in_place._view(self, _tg.ops.Permute.apply(self, dims=tuple(dims)))

    def t(self) -> Tensor:
        """Transpose a tensor of at most 2 dimensions (0-d and 1-d ones come back unchanged, as a new tensor)."""
        if self.data.ndim > 2:
            raise ShapeError(f"t(): expects a tensor of at most 2 dimensions, got shape {self.shape}")
        return _tg.in_place._view(self, _tg.ops.Permute.apply(self, dims=tuple(reversed(range(self.data.ndim)))))

    @property
    def T(self) -> Tensor:
        """The dimensions in reverse order (the transpose of a matrix)."""
        return _tg.in_place._view(self, _tg.ops.Permute.apply(self, dims=tuple(reversed(range(self.data.ndim)))))

    @property
    def mT(self) -> Tensor:  # noqa: N802  (torch's name)
        """The last two dimensions swapped: each matrix of a batch transposed, as `torch.Tensor.mT`."""
        if self.data.ndim < 2:
            raise ShapeError(f"mT: expects a matrix or a batch of matrices, got shape {self.shape}")
        return self.transpose(-2, -1)

    def select(self, dim: int, index: int) -> Tensor:
        """The slice at `index` along `dim`, that dimension removed: x.select(1, 0) is x[:, 0], as PyTorch's."""
        dim = check_dim("select", dim, self.data.ndim)
        if self.data.ndim == 0:
            raise IndexError("select: cannot select from a 0-d tensor")
        return self[(slice(None),) * dim + (index,)]

    def ravel(self) -> Tensor:
        """The elements as one dimension, as `torch.ravel` (the same as flatten())."""
        return self.reshape(-1)

    def expand(self, *shape: Any) -> Tensor:
        """Broadcast to `shape` without copying; -1 keeps a dimension. Gradients sum back."""
        if len(shape) == 1 and type(shape[0]) is tuple:  # expand((4, 4)) as expand(4, 4)
            shape = shape[0]
        try:
            target = expand_target(self.data.shape, shape)
        except TypeError:  # a size that cannot be hashed (a list, a tensor): the same check, after converting it
            target = expand_target(self.data.shape, shape_args(shape))
        return _tg.ops.Expand.apply(self, shape=target)

    def broadcast_to(self, *shape: Any) -> Tensor:
        """The same as `expand`, under NumPy's name."""
        return self.expand(*shape)

    def expand_as(self, other: Tensor) -> Tensor:
        """`expand` to other's shape."""
        return self.expand(*other.shape)

    def split(
        self,
        split_size_or_sections: int | list[int] | tuple[int, ...],
        dim: int = 0,
    ) -> tuple[Tensor, ...]:
        """Cut into pieces along `dim`: of `split_size` elements each (the last may be smaller), or of
        the sizes in a list, as `torch.split`. Each piece is a slice of self, so gradients flow back.

        Example:
            >>> [p.shape for p in tg.zeros(5, 2).split(2)]
            [(2, 2), (2, 2), (1, 2)]
        """
        return _tg.ops.movement.pieces(self, *split_sizes(self.data.shape, dim, split_size_or_sections))

    def chunk(self, chunks: int, dim: int = 0) -> tuple[Tensor, ...]:
        """Cut into `chunks` pieces of ceil(n / chunks) elements along `dim` (fewer pieces when that is
        too many for n), as `torch.chunk`.

        Example:
            >>> [p.shape for p in tg.zeros(6).chunk(4)]     # pieces of ceil(6 / 4) = 2: only 3 of them
            [(2,), (2,), (2,)]
        """
        return _tg.ops.movement.pieces(self, *chunk_sizes(self.data.shape, dim, chunks))

    def unbind(self, dim: int = 0) -> tuple[Tensor, ...]:
        """The slices along `dim`, that dimension removed, as `torch.unbind`: each is self[..., i, ...], so
        gradients flow back.

        Example:
            >>> [p.tolist() for p in tg.tensor([[1, 2], [3, 4]]).unbind(1)]
            [[1, 3], [2, 4]]
        """
        if self.data.ndim == 0:
            raise IndexError("unbind: a 0-d tensor has no dimension to unbind")
        dim = check_dim("unbind", dim, self.data.ndim)
        before = (slice(None),) * dim
        return tuple(self[before + (i,)] for i in range(self.data.shape[dim]))


def _bits_as(data: np.ndarray, dtype: np.dtype) -> np.ndarray:
    """data's bytes read as dtype (view(dtype)), refused where PyTorch refuses it."""
    if dtype.itemsize != data.dtype.itemsize:
        what = f"view {data.dtype} as {dtype} (different element sizes)"
        if data.ndim == 0:
            raise RuntimeError(f"view: a 0-d tensor cannot {what}, as in PyTorch; reshape it to 1-d first")
        if data.strides[-1] != data.dtype.itemsize and data.shape[-1] != 1:
            raise RuntimeError(
                f"view: the last dimension must be contiguous to {what}, as in PyTorch (after a transpose "
                "it is not); call .contiguous() first"
            )
        ratio = dtype.itemsize // data.dtype.itemsize
        if ratio > 1 and data.shape[-1] % ratio:
            raise RuntimeError(
                f"view: the last dimension ({data.shape[-1]}) must be divisible by {ratio} to {what}, as in PyTorch"
            )
    try:
        return data.view(dtype)
    except ValueError as error:  # (other strides that the larger item does not divide, as PyTorch refuses)
        raise RuntimeError(f"view: cannot view {data.dtype} as {dtype} with shape {data.shape}: {error}") from None


def _shape_of(op: str, other: Any) -> tuple[int, ...]:
    """other's shape, for view_as and reshape_as; other must be a Tensor, as in PyTorch."""
    if not isinstance(other, _tensor.Tensor):
        raise TypeError(
            f"{op}: other must be a Tensor, got {type(other).__name__}; to give a shape, use "
            f"{op.removesuffix('_as')}(shape)"
        )
    return other.data.shape
