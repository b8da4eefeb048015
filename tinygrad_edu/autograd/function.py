"""tg.autograd.function: the names of torch.autograd.function, for code that imports them from there.

`from torch.autograd.function import once_differentiable` (or `Function`, `FunctionCtx`) works as written
under `tg.as_torch()`; each name is the one defined elsewhere (autograd/__init__.py and
autograd/custom_function.py), not a copy.

Example:
    >>> from tinygrad_edu.autograd.function import Function, once_differentiable
    >>> Function is tg.Function
    True
"""

from __future__ import annotations

from tinygrad_edu.autograd import Function
from tinygrad_edu.autograd.custom_function import FunctionCtx, once_differentiable
from tinygrad_edu.torch_alias import torch_attribute_error

# A missing name is an AttributeError that names the torch name we lack (as_torch maps torch.autograd.function here).
__getattr__ = torch_attribute_error(__name__)

__all__ = ["Function", "FunctionCtx", "once_differentiable"]
