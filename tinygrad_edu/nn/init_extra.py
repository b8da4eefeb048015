"""More of nn.init: sparse_, and PyTorch's deprecated names without the trailing underscore (`nn.init` exports them).

Each old name (`nn.init.xavier_uniform`, ...) warns with PyTorch's FutureWarning and calls the new one.
"""

from __future__ import annotations

import math
import warnings
from typing import Any

from tinygrad_edu.nn.init import (
    Generator,
    _accepts_data,
    _fill,
    _generator,
    constant_,
    dirac_,
    eye_,
    kaiming_normal_,
    kaiming_uniform_,
    normal_,
    orthogonal_,
    uniform_,
    xavier_normal_,
    xavier_uniform_,
)
from tinygrad_edu.tensor import Tensor

__all__ = [
    "sparse_",
    "uniform",
    "normal",
    "constant",
    "eye",
    "dirac",
    "xavier_uniform",
    "xavier_normal",
    "kaiming_uniform",
    "kaiming_normal",
    "orthogonal",
    "sparse",
]


@_accepts_data
def sparse_(tensor: Tensor, sparsity: float, std: float = 0.01, generator: Generator = None) -> Tensor:
    """Fill a 2-D tensor from N(0, std^2), then zero ceil(sparsity * rows) random rows of each column.

    (Martens, 2010.) The rows zeroed are drawn per column from `generator` (else the library's).

    Example:
        >>> w = nn.init.sparse_(tg.empty(10, 3), sparsity=0.3)
        >>> [int((w[:, j] == 0).sum()) for j in range(3)]
        [3, 3, 3]
    """
    if tensor.ndim != 2:
        raise ValueError("Only tensors with 2 dimensions are supported")
    rows, cols = tensor.shape
    num_zeros = int(math.ceil(sparsity * rows))
    rng = _generator(generator)
    values = rng.normal(0.0, std, (rows, cols))
    for col in range(cols):
        values[rng.permutation(rows)[:num_zeros], col] = 0
    return _fill(tensor, values)


def _deprecated(old_name: str) -> None:
    warnings.warn(
        f"`nn.init.{old_name}` is now deprecated in favor of `nn.init.{old_name}_`.", FutureWarning, stacklevel=3
    )


def uniform(*args: Any, **kwargs: Any) -> Tensor:
    """Deprecated: `uniform_` (a FutureWarning, as PyTorch)."""
    _deprecated("uniform")
    return uniform_(*args, **kwargs)


def normal(*args: Any, **kwargs: Any) -> Tensor:
    """Deprecated: `normal_` (a FutureWarning, as PyTorch)."""
    _deprecated("normal")
    return normal_(*args, **kwargs)


def constant(*args: Any, **kwargs: Any) -> Tensor:
    """Deprecated: `constant_` (a FutureWarning, as PyTorch)."""
    _deprecated("constant")
    return constant_(*args, **kwargs)


def eye(*args: Any, **kwargs: Any) -> Tensor:
    """Deprecated: `eye_` (a FutureWarning, as PyTorch)."""
    _deprecated("eye")
    return eye_(*args, **kwargs)


def dirac(*args: Any, **kwargs: Any) -> Tensor:
    """Deprecated: `dirac_` (a FutureWarning, as PyTorch)."""
    _deprecated("dirac")
    return dirac_(*args, **kwargs)


def xavier_uniform(*args: Any, **kwargs: Any) -> Tensor:
    """Deprecated: `xavier_uniform_` (a FutureWarning, as PyTorch)."""
    _deprecated("xavier_uniform")
    return xavier_uniform_(*args, **kwargs)


def xavier_normal(*args: Any, **kwargs: Any) -> Tensor:
    """Deprecated: `xavier_normal_` (a FutureWarning, as PyTorch)."""
    _deprecated("xavier_normal")
    return xavier_normal_(*args, **kwargs)


def kaiming_uniform(*args: Any, **kwargs: Any) -> Tensor:
    """Deprecated: `kaiming_uniform_` (a FutureWarning, as PyTorch)."""
    _deprecated("kaiming_uniform")
    return kaiming_uniform_(*args, **kwargs)


def kaiming_normal(*args: Any, **kwargs: Any) -> Tensor:
    """Deprecated: `kaiming_normal_` (a FutureWarning, as PyTorch).

    Example:
        >>> import warnings
        >>> with warnings.catch_warnings(record=True) as caught:
        ...     warnings.simplefilter("always")
        ...     _ = nn.init.kaiming_normal(tg.empty(3, 4))
        >>> str(caught[0].message)
        '`nn.init.kaiming_normal` is now deprecated in favor of `nn.init.kaiming_normal_`.'
    """
    _deprecated("kaiming_normal")
    return kaiming_normal_(*args, **kwargs)


def orthogonal(*args: Any, **kwargs: Any) -> Tensor:
    """Deprecated: `orthogonal_` (a FutureWarning, as PyTorch)."""
    _deprecated("orthogonal")
    return orthogonal_(*args, **kwargs)


def sparse(*args: Any, **kwargs: Any) -> Tensor:
    """Deprecated: `sparse_` (a FutureWarning, as PyTorch)."""
    _deprecated("sparse")
    return sparse_(*args, **kwargs)
