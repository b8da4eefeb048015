"""Gradient hooks of Tensor, as PyTorch's: `register_hook` and `register_post_accumulate_grad_hook`.

`Tensor` (tensor.py) inherits these from `HookMethods`. Where hooks live, so the backward walk pays nothing when
none is registered: a non-leaf's hooks sit in its grad_fn's `output_hooks` (beside retain_grad), a leaf's in the
Tensor's `_hooks` slot, set only when used; the walk runs them (tinygrad_edu/autograd, `TensorHooks`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from tinygrad_edu import autograd as _autograd

if TYPE_CHECKING:  # (imported where used: tinygrad_edu.utils imports utils.data, which needs the Tensor)
    from tinygrad_edu.tensor import Tensor
    from tinygrad_edu.utils.hooks import RemovableHandle


class HookMethods:
    """Methods of Tensor (see the module docstring); `self` is always a Tensor."""

    __slots__ = ()

    if TYPE_CHECKING:  # what these methods use of Tensor, declared for the type checker only
        requires_grad: bool
        grad_fn: Any
        _hooks: Any

        @property
        def shape(self) -> tuple[int, ...]: ...

    def register_hook(self, hook: Callable[[Tensor], Tensor | None]) -> RemovableHandle:
        """Call `hook(grad)` with this tensor's gradient in every backward; a Tensor it returns replaces the gradient.

        As `torch.Tensor.register_hook`: on a leaf the hook sees the whole gradient (summed over every use)
        before it is added to `.grad`; on a non-leaf, once its gradient is complete, and what it returns is
        what flows on to the ops that made it (and what retain_grad() keeps). Hooks run in the order they
        were registered, in `backward()` and in `tg.autograd.grad` alike. Returns a handle whose `remove()`
        unregisters the hook.

        Example:
            >>> x = tg.tensor([1.0, 2.0], requires_grad=True)
            >>> h = x * 3
            >>> seen = []
            >>> _ = h.register_hook(lambda grad: seen.append(grad.numpy()))   # observe: returns None
            >>> _ = x.register_hook(lambda grad: grad * 0.5)                   # scale x's gradient
            >>> h.sum().backward()
            >>> seen, x.grad
            ([array([1., 1.], dtype=float32)], tensor([1.5, 1.5], dtype=float32))
        """
        if not self.requires_grad:
            raise RuntimeError(
                "cannot register a hook on a tensor that doesn't require gradient (its shape is "
                f"{self.shape}); set requires_grad=True on it, or register the hook on a tensor computed from one"
            )
        from tinygrad_edu.utils.hooks import RemovableHandle

        table = self._tensor_hooks()
        handle = RemovableHandle(table.pre)
        table.pre[handle.id] = hook
        return handle

    def register_post_accumulate_grad_hook(self, hook: Callable[[Tensor], None]) -> RemovableHandle:
        """Call `hook(tensor)` on this leaf once backward() has added its gradient to `.grad`, as PyTorch.

        Example:
            >>> w = tg.tensor([1.0, 2.0], requires_grad=True)
            >>> _ = w.register_post_accumulate_grad_hook(lambda t: print("grad", t.grad))
            >>> (w * w).sum().backward()
            grad tensor([2., 4.], dtype=float32)
        """
        if not self.requires_grad:
            raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
        if self.grad_fn is not None:
            raise RuntimeError(
                "post accumulate grad hooks cannot be registered on non-leaf tensors: only leaves have .grad "
                "accumulated; use register_hook on this tensor instead"
            )
        from tinygrad_edu.utils.hooks import RemovableHandle

        table = self._tensor_hooks()
        handle = RemovableHandle(table.post)
        table.post[handle.id] = hook
        return handle

    def _tensor_hooks(self) -> Any:
        """This tensor's TensorHooks, made on first use: in its grad_fn for a non-leaf, in its slot for a leaf."""
        if self.grad_fn is not None:
            if self.grad_fn.output_hooks is None:
                self.grad_fn.output_hooks = _autograd.TensorHooks()
            return self.grad_fn.output_hooks
        table = getattr(self, "_hooks", None)
        if table is None:
            table = self._hooks = _autograd.TensorHooks()
            _autograd.TensorHooks.on_leaves = True
        return table
