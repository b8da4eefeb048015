"""Lazy layers: LazyLinear, whose in_features is read from its first input, and the UninitializedParameter it holds.

As in PyTorch, a lazy layer's weights have no shape until the first forward; that call sets in_features from the
input's last dim, draws the weights as nn.Linear does, and turns the layer into a plain `nn.Linear` (PyTorch's
`cls_to_become`) and its UninitializedParameters into plain Parameters: the very same objects, so a reference taken
before the first call (an optimizer's, say) sees the weights. Before then, any use of the weights raises an error
that says to call forward with a dummy batch first.
"""

from __future__ import annotations

from typing import Any, NoReturn

import numpy as np

from tinygrad_edu.dtypes import DTypeLike, dtype_or_default
from tinygrad_edu.errors import ShapeError
from tinygrad_edu.nn.linear import Linear
from tinygrad_edu.nn.module import Module, Parameter
from tinygrad_edu.tensor import Tensor

__all__ = ["LazyLinear", "UninitializedParameter"]

_USE_MESSAGE = (
    "Attempted to use an uninitialized parameter ({what}). This error happens when you are using a LazyModule "
    "(nn.LazyLinear) before its first forward, or explicitly manipulating nn.UninitializedParameter objects: call "
    "the module on a dummy batch to initialize the parameters first"
)


class _NoData:
    """What an UninitializedParameter holds as its `.data`: it knows its dtype, and any other use raises.

    Every op reads `.data`, so raising here stops them all (arithmetic, reductions, NumPy functions) with one
    message; the dtype stays readable so an optimizer can be made before the first forward, as in PyTorch.
    """

    def __init__(self, dtype: np.dtype) -> None:
        self.dtype = dtype

    def astype(self, dtype: Any, copy: bool = True) -> _NoData:
        """Still no data, in another dtype: `LazyLinear(3).double()` works before the first forward, as in PyTorch."""
        return _NoData(np.dtype(dtype))

    def __getattr__(self, name: str) -> NoReturn:
        if name == "shape":
            # PyTorch's words (a RuntimeError there too): reading the shape is how load_state_dict would meet it
            raise RuntimeError(
                "Can't access the shape of an uninitialized parameter. Call `forward` to initialize the "
                "parameters before accessing their attributes."
            )
        raise ValueError(_USE_MESSAGE.format(what=f"its .{name}"))

    def _refuse(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise ValueError(_USE_MESSAGE.format(what="in an operation"))

    # NumPy meeting it (np.exp(p.data), ndarray + p.data) and Python operators on it: all refused.
    __array__ = __array_ufunc__ = __array_function__ = _refuse
    __add__ = __radd__ = __sub__ = __rsub__ = __mul__ = __rmul__ = __truediv__ = __rtruediv__ = _refuse
    __matmul__ = __rmatmul__ = __pow__ = __rpow__ = __neg__ = __getitem__ = __setitem__ = __len__ = _refuse
    __iter__ = __float__ = __int__ = __bool__ = _refuse


class UninitializedParameter(Parameter):
    """A Parameter with no shape yet: what a lazy layer holds until its first forward (torch.nn's name).

    It is listed by `parameters()`, requires grad, and has a dtype; anything that needs its values or shape
    raises. `materialize(shape)` gives it zeros of that shape and makes it a plain Parameter, in place.

    Example:
        >>> p = nn.UninitializedParameter()
        >>> p.shape
        Traceback (most recent call last):
        ...
        RuntimeError: Can't access the shape of an uninitialized parameter. Call `forward` to initialize the parameters before accessing their attributes.
        >>> p.materialize((2, 3))
        >>> type(p).__name__, p.shape
        ('Parameter', (2, 3))
    """  # noqa: E501  (a doctest's expected line)

    __slots__ = ()

    def __init__(self, requires_grad: bool = True, dtype: DTypeLike = None) -> None:
        super().__init__(np.empty((0,), dtype=dtype_or_default(dtype)), requires_grad)
        self.data = _NoData(self.data.dtype)  # type: ignore[assignment]  # a stand-in until materialize

    def materialize(self, shape: tuple[int, ...]) -> None:
        """Give the parameter zeros of `shape` (in its dtype) and turn it into a plain Parameter, in place."""
        self.data = np.zeros(shape, dtype=self.data.dtype)
        # the same object, so every reference to it (an optimizer's, say) now holds the weights
        self.__class__ = Parameter  # type: ignore[assignment]

    def __repr__(self) -> str:
        return "<UninitializedParameter>"


class LazyLinear(Linear):
    """nn.Linear without in_features: the first forward reads it from the input's last dim, then draws the weights
    as nn.Linear does and the layer becomes an nn.Linear.

    Example:
        >>> layer = nn.LazyLinear(4)
        >>> layer
        LazyLinear(in_features=0, out_features=4, bias=True)
        >>> layer(tg.zeros(3, 2)).shape
        (3, 4)
        >>> layer, layer.weight.shape
        (Linear(in_features=2, out_features=4, bias=True), (4, 2))
    """

    weight: Any  # an UninitializedParameter until the first forward, then a Parameter
    bias: Any

    def __init__(self, out_features: int, bias: bool = True, dtype: DTypeLike = None) -> None:
        Module.__init__(self)  # (not Linear's: it would draw weights for an in_features we do not know yet)
        self.in_features = 0  # PyTorch's placeholder until the first forward
        self.out_features = out_features
        self.weight = UninitializedParameter(dtype=dtype)
        if bias:
            self.bias = UninitializedParameter(dtype=dtype)
        else:
            self.register_parameter("bias", None)

    def reset_parameters(self) -> None:
        """Nothing to draw before the first forward; after it, this layer is a Linear and uses Linear's."""

    def forward(self, input: Any) -> Tensor:
        """The first call sets in_features = input.shape[-1], draws the weights and becomes a Linear; then x W^T + b."""
        if not isinstance(input, Tensor):
            input = Tensor(input)
        if input.ndim == 0:
            raise ShapeError(f"{self!r}: a 0-d input has no last dim to read in_features from (give it shape (..., n))")
        self.in_features = input.shape[-1]
        self.weight.materialize((self.out_features, self.in_features))
        if self.bias is not None:
            self.bias.materialize((self.out_features,))
        self.__class__ = Linear  # type: ignore[assignment]  # PyTorch's cls_to_become: from now on a plain Linear
        self.reset_parameters()  # Linear's: uniform in +-1/sqrt(in_features)
        return self.forward(input)
