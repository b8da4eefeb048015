"""Activation functions as modules: Sigmoid, ReLU, LeakyReLU, Softplus, Tanh, Softmax(dim), LogSoftmax(dim)."""

from __future__ import annotations

from tinygrad_edu.nn import functional as F
from tinygrad_edu.nn.module import Module
from tinygrad_edu.ops import elementwise
from tinygrad_edu.tensor import Tensor
from tinygrad_edu.tensor_math import _floating

__all__ = ["Sigmoid", "ReLU", "LeakyReLU", "Softplus", "Tanh", "Softmax", "LogSoftmax"]


class Sigmoid(Module):
    """1 / (1 + exp(-x)), elementwise; its derivative is s (1 - s).

    Example:
        >>> nn.Sigmoid()(tg.tensor([0.0]))
        tensor([0.5], dtype=float32)
    """

    def forward(self, input: Tensor) -> Tensor:
        """sigmoid(input), elementwise."""
        return elementwise.Sigmoid.apply(_floating(input))  # (F.sigmoid's rule, without its two calls)


class ReLU(Module):
    """max(x, 0), elementwise.

    `inplace` is accepted for PyTorch code that passes it, and shown in the repr as PyTorch does;
    the result is always a new tensor (the same values and gradient).

    Example:
        >>> nn.ReLU()(tg.tensor([-1.0, 2.0]))
        tensor([0., 2.], dtype=float32)
    """

    def __init__(self, inplace: bool = False) -> None:
        super().__init__()
        self.inplace = inplace

    def forward(self, input: Tensor) -> Tensor:
        """max(input, 0), elementwise."""
        return elementwise.ReLU.apply(input)

    def extra_repr(self) -> str:
        return "inplace=True" if self.inplace else ""


class LeakyReLU(Module):
    """x for x > 0, else negative_slope * x: a relu whose negative side keeps a small gradient.

    Example:
        >>> nn.LeakyReLU(0.1)(tg.tensor([-2.0, 3.0]))
        tensor([-0.2,  3. ], dtype=float32)
    """

    def __init__(self, negative_slope: float = 0.01, inplace: bool = False) -> None:
        super().__init__()
        self.negative_slope = negative_slope
        self.inplace = inplace

    def forward(self, input: Tensor) -> Tensor:
        """leaky_relu(input), elementwise."""
        return F.leaky_relu(input, self.negative_slope)

    def extra_repr(self) -> str:
        return f"negative_slope={self.negative_slope}" + (", inplace=True" if self.inplace else "")


class Softplus(Module):
    """log(1 + exp(beta x)) / beta, elementwise (x itself where beta x > threshold): a smooth relu.

    Example:
        >>> nn.Softplus()(tg.tensor([0.0]))        # log(2)
        tensor([0.6931472], dtype=float32)
    """

    def __init__(self, beta: float = 1.0, threshold: float = 20.0) -> None:
        super().__init__()
        self.beta = beta
        self.threshold = threshold

    def forward(self, input: Tensor) -> Tensor:
        """softplus(input), elementwise."""
        return F.softplus(input, self.beta, self.threshold)

    def extra_repr(self) -> str:
        return f"beta={self.beta}, threshold={self.threshold}"


class Tanh(Module):
    """tanh(x), elementwise; its derivative is 1 - tanh^2.

    Example:
        >>> nn.Tanh()(tg.tensor([0.0]))
        tensor([0.], dtype=float32)
    """

    def forward(self, input: Tensor) -> Tensor:
        """tanh(input), elementwise."""
        return elementwise.Tanh.apply(_floating(input))  # (F.tanh's rule: ints give the default float dtype)


class Softmax(Module):
    """exp(x) / sum(exp(x)) along `dim`, so each slice along dim sums to 1.

    With no `dim`, PyTorch's deprecated guess, with its warning (see `nn.functional._implicit_dim`).

    Example:
        >>> nn.Softmax(dim=1)(tg.zeros(1, 4))
        tensor([[0.25, 0.25, 0.25, 0.25]], dtype=float32)
    """

    def __init__(self, dim: int | None = None) -> None:
        super().__init__()
        self.dim = dim

    def forward(self, input: Tensor) -> Tensor:
        """softmax(input) along `self.dim`."""
        return F.softmax(input, self.dim)

    def extra_repr(self) -> str:
        return f"dim={self.dim}"


class LogSoftmax(Module):
    """log(softmax(x)) along `dim`, computed stably; pair it with NLLLoss (or use CrossEntropyLoss).

    Example:
        >>> nn.LogSoftmax(dim=1)(tg.zeros(1, 2))      # log(1/2)
        tensor([[-0.6931472, -0.6931472]], dtype=float32)
    """

    def __init__(self, dim: int | None = None) -> None:
        super().__init__()
        self.dim = dim

    def forward(self, input: Tensor) -> Tensor:
        """log_softmax(input) along `self.dim`."""
        return F.log_softmax(input, self.dim)

    def extra_repr(self) -> str:
        return f"dim={self.dim}"
