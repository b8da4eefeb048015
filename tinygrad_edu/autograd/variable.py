"""tg.autograd.Variable, as torch.autograd.Variable: the wrapper that PyTorch programs older than 0.4 put around
every tensor that should get a gradient (`Variable(x, requires_grad=True)`).

PyTorch keeps it for that old code, and so do we: `Variable(t)` is a new leaf tensor sharing t's memory (as
`t.detach()`), requiring grad if asked, and every tensor counts as a Variable (`isinstance(t, Variable)`). New
code writes `torch.tensor(..., requires_grad=True)` or `t.requires_grad_()`.

Example:
    >>> from tinygrad_edu.autograd import Variable
    >>> x = Variable(tg.ones(2), requires_grad=True)
    >>> x.requires_grad, x.is_leaf, isinstance(x, Variable)
    (True, True, True)
"""

from __future__ import annotations

import warnings
from typing import Any

from tinygrad_edu.tensor import Tensor

__all__ = ["Variable"]


class _VariableType(type):
    """Makes isinstance(t, Variable) true for every tensor, as in PyTorch, where Variable and Tensor merged."""

    def __instancecheck__(cls, instance: Any) -> bool:
        return isinstance(instance, Tensor)


class Variable(metaclass=_VariableType):
    """A new leaf tensor sharing data's memory, requiring grad if asked (see the module docstring)."""

    def __new__(cls, data: Any, requires_grad: bool = False, volatile: bool = False) -> Any:
        if not isinstance(data, Tensor):
            raise TypeError(f"Variable data has to be a tensor, but got {type(data).__name__}")
        if volatile:
            warnings.warn(
                "volatile was removed and now has no effect. Use `with torch.no_grad():` instead.",
                UserWarning,
                stacklevel=2,
            )
        out = data.detach()
        if requires_grad:
            out.requires_grad_(True)
        return out
