"""tinygrad_edu.utils.hooks: hook handles, and how a Module with hooks is called, as torch.utils.hooks.

Every `register_*hook` (on a Tensor or a Module) keeps its hooks in an ordered dict keyed by a number, and
returns a `RemovableHandle` that takes that entry out again. A Module's hooks live in one `ModuleHooks`, which
`Module.__call__` hands the call to when the module has any (a module without hooks pays one test).
Backward hooks on a module need the gradients at its boundary: `BackwardHook` passes the module's inputs
and outputs through two identity ops each side, whose backward sees all their gradients at once.
"""

from __future__ import annotations

import itertools
import warnings
from collections import OrderedDict
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from tinygrad_edu.autograd import Function, is_grad_enabled
from tinygrad_edu.tensor import Tensor

__all__ = ["RemovableHandle", "ModuleHooks", "BackwardHook"]

# one counter for every handle, so that a hook's key is unique across all the dicts it may be in
_next_id = itertools.count()


class RemovableHandle:
    """A handle to a registered hook: `handle.remove()` unregisters it, as `torch.utils.hooks.RemovableHandle`.

    `hooks_dict` is the ordered dict the hook is in (under `handle.id`); `extra_dict`, a dict or a list of
    dicts, are others that hold the same key (the set of hooks called with keyword arguments, say). Removing
    twice, or after the hook's owner is gone, does nothing. Also a context manager: the hook is removed at
    the end of the block.

    Example:
        >>> x = tg.tensor([1.0, 2.0], requires_grad=True)
        >>> handle = x.register_hook(lambda grad: grad * 10)
        >>> (x * x).sum().backward()
        >>> x.grad                    # 10 * d sum(x^2)/dx
        tensor([20., 40.], dtype=float32)
        >>> handle.remove()
        >>> x.grad = None
        >>> (x * x).sum().backward()
        >>> x.grad
        tensor([2., 4.], dtype=float32)
    """

    id: int

    def __init__(self, hooks_dict: Any, *, extra_dict: Any = None) -> None:
        self.hooks_dict_ref = hooks_dict
        self.id = next(_next_id)
        if extra_dict is None:
            extra_dict = []
        self.extra_dict_ref = list(extra_dict) if isinstance(extra_dict, (list, tuple)) else [extra_dict]

    def remove(self) -> None:
        """Unregister the hook (from every dict that holds it)."""
        for table in (self.hooks_dict_ref, *self.extra_dict_ref):
            if self.id in table:
                del table[self.id]

    def __enter__(self) -> RemovableHandle:
        return self

    def __exit__(self, *exc: object) -> None:
        self.remove()


class ModuleHooks:
    """One module's hooks, each kind an ordered dict id -> hook, and the call of a module that has some.

    `forward_pre` hooks may replace the arguments, `forward` hooks the output; the `*_kwargs` dicts hold the
    ids of hooks registered with `with_kwargs=True` and `always_call` those that run even when forward
    raises. `backward_pre` and `backward` are the full backward (pre-)hooks (see `BackwardHook`).
    """

    def __init__(self) -> None:
        self.forward_pre: OrderedDict[int, Callable[..., Any]] = OrderedDict()
        self.forward_pre_kwargs: dict[int, bool] = {}
        self.forward: OrderedDict[int, Callable[..., Any]] = OrderedDict()
        self.forward_kwargs: dict[int, bool] = {}
        self.always_call: dict[int, bool] = {}
        self.backward_pre: OrderedDict[int, Callable[..., Any]] = OrderedDict()
        self.backward: OrderedDict[int, Callable[..., Any]] = OrderedDict()

    def add(
        self, table: OrderedDict[int, Any], hook: Callable[..., Any], prepend: bool, *flags: dict
    ) -> RemovableHandle:
        """Register hook in table (first when prepend), its id also in each dict of flags; return its handle."""
        handle = RemovableHandle(table, extra_dict=list(flags))
        table[handle.id] = hook
        for flag in flags:
            flag[handle.id] = True
        if prepend:
            table.move_to_end(handle.id, last=False)
        return handle

    def call(self, module: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        """module(*args, **kwargs) with its hooks, in PyTorch's order: forward pre-hooks, (the inputs' side of
        the backward hooks), forward, forward hooks, (the outputs' side of the backward hooks)."""
        for key, hook in list(self.forward_pre.items()):
            if key in self.forward_pre_kwargs:
                result = hook(module, args, kwargs)
                if result is not None:
                    if not (isinstance(result, tuple) and len(result) == 2):
                        raise RuntimeError(
                            f"forward pre-hook must return None or a tuple of (new_args, new_kwargs), but got {result}."
                        )
                    args, kwargs = result
            else:
                result = hook(module, args)
                if result is not None:
                    args = result if isinstance(result, tuple) else (result,)
        backward = None
        if (self.backward or self.backward_pre) and is_grad_enabled():
            backward = BackwardHook(module, self)
            args = backward.wrap_inputs(args)
        called: set[int] = set()
        output = None
        try:
            output = module.forward(*args, **kwargs)
            for key, hook in list(self.forward.items()):
                called.add(key)
                if key in self.forward_kwargs:
                    result = hook(module, args, kwargs, output)
                else:
                    result = hook(module, args, output)
                if result is not None:
                    output = result
        except Exception:
            for key, hook in list(self.forward.items()):  # as PyTorch: the always_call hooks not run yet, then raise
                if key in self.always_call and key not in called:
                    try:
                        hook(module, args, kwargs, output) if key in self.forward_kwargs else hook(module, args, output)
                    except Exception as error:
                        warnings.warn(
                            f"forward hook with always_call=True raised an exception that was ignored: {error!r}",
                            stacklevel=2,
                        )
            raise
        if backward is not None:
            output = backward.wrap_outputs(output)
        return output


class BackwardHook:
    """The full backward hooks of one call of a module, as PyTorch's: grad_output is complete when every output
    has its gradient; `backward_pre` hooks may replace it; then, when every input has its gradient,
    `hook(module, grad_input, grad_output)` may replace grad_input (one entry per positional argument, None
    where it is not a tensor that requires grad).

    Each side is a boundary (`_boundary`): the tensors that require grad go into one op, `_Gather`, whose
    output (a 0-d zero, the token) feeds one identity op `_Pass` per tensor. In the walk each `_Pass` notes
    its tensor's gradient; `_Gather` is older than all of them and used only by them, so its backward runs
    after theirs, sees every gradient at once, calls the hooks and returns the gradients that flow on.
    """

    def __init__(self, module: Any, hooks: ModuleHooks) -> None:
        self.module, self.hooks = module, hooks
        self.n_inputs = 0
        self.input_index: list[int] | None = None  # the positions of the inputs that require grad, if any
        self.output_index: list[int] = []
        self.n_outputs = 0
        self.grad_outputs: tuple[Any, ...] = ()

    def wrap_inputs(self, args: tuple[Any, ...]) -> tuple[Any, ...]:
        self.n_inputs = len(args)
        index = [i for i, a in enumerate(args) if isinstance(a, Tensor) and a.requires_grad]
        if not index:
            return args
        self.input_index = index
        passed = list(args)
        for i, tensor in zip(index, _boundary([args[i] for i in index], self.inputs_done)):
            passed[i] = tensor
        return tuple(passed)

    def wrap_outputs(self, output: Any) -> Any:
        single = isinstance(output, Tensor)
        tensors = [output] if single else list(output) if isinstance(output, (tuple, list)) else []
        index = [i for i, t in enumerate(tensors) if isinstance(t, Tensor) and t.requires_grad]
        if not index:
            return output
        self.n_outputs, self.output_index = len(tensors), index
        for i, tensor in zip(index, _boundary([tensors[i] for i in index], self.outputs_done)):
            tensors[i] = tensor
        return tensors[0] if single else type(output)(tensors)

    def outputs_done(self, grads: list[Any]) -> list[Any]:
        """The outputs' gradients are all in: the backward pre-hooks, then the gradients that flow into forward."""
        grad_outputs = _packed(grads, self.output_index, self.n_outputs)
        for hook in list(self.hooks.backward_pre.values()):
            result = hook(self.module, grad_outputs)
            if result is not None:
                grad_outputs = _checked(result, len(grad_outputs), "Backward pre hook", "grad_output")
        self.grad_outputs = grad_outputs
        if self.input_index is None:  # no input requires grad: PyTorch calls the hooks now, grad_input all None
            grad_inputs = (None,) * self.n_inputs
            for hook in list(self.hooks.backward.values()):
                result = hook(self.module, grad_inputs, grad_outputs)
                if result is not None and any(r is not None for r in result):
                    raise RuntimeError(
                        "Backward hook for Modules where no input requires gradient should always return None or "
                        "None for all gradients."
                    )
        return [grad_outputs[i] for i in self.output_index]

    def inputs_done(self, grads: list[Any]) -> list[Any]:
        """The inputs' gradients are all in: the backward hooks, then the gradients that flow on."""
        grad_inputs = _packed(grads, self.input_index or [], self.n_inputs)
        for hook in list(self.hooks.backward.values()):
            result = hook(self.module, grad_inputs, self.grad_outputs)
            if result is not None:
                grad_inputs = _checked(result, len(grad_inputs), "Backward hook", "grad_input")
        return [grad_inputs[i] for i in self.input_index or []]


def _packed(grads: list[Any], index: list[int], n: int) -> tuple[Any, ...]:
    """One entry per position: the gradient (as a Tensor) where index has it, else None."""
    packed: list[Any] = [None] * n
    for i, grad in zip(index, grads):
        packed[i] = grad if grad is None or isinstance(grad, Tensor) else Tensor._from_op(grad, None)
    return tuple(packed)


def _checked(result: Any, n: int, what: str, name: str) -> tuple[Any, ...]:
    result = tuple(result) if isinstance(result, (tuple, list)) else (result,)
    if len(result) != n:
        raise RuntimeError(f"{what} returned an invalid number of {name}, got {len(result)}, but expected {n}")
    return result


def _boundary(tensors: Sequence[Tensor], done: Callable[[list[Any]], list[Any]]) -> list[Tensor]:
    """The tensors passed through a boundary (see BackwardHook): done(grads) is called in backward with all
    their gradients, and what it returns flows on to them."""
    token = _Gather.apply(*tensors, done=done)
    return [_Pass.apply(token, tensor.data, gather=token.grad_fn, index=i) for i, tensor in enumerate(tensors)]


class _Gather(Function):
    """tensors -> a 0-d zero; its backward hands done() every gradient that the _Pass ops noted."""

    def forward(self, *arrays: Any, done: Callable[[list[Any]], list[Any]]) -> Any:
        self.done, self.grads = done, [None] * len(arrays)
        return np.zeros_like(arrays[0], shape=())  # (_like: a traced array stays one)

    def backward(self, grad_out: Any) -> Any:
        grads, self.grads = self.grads, [None] * len(self.grads)  # (fresh for a second backward)
        results = self.done(grads)
        return tuple(_array_like(result, grad) for result, grad in zip(results, grads))


class _Pass(Function):
    """(token, x) -> x, the identity: its backward notes x's gradient for the _Gather that made token."""

    def forward(self, token: Any, x: Any, gather: _Gather, index: int) -> Any:
        self.gather, self.index = gather, index
        return x

    def backward(self, grad_out: Any) -> Any:
        self.gather.grads[self.index] = grad_out
        return 0.0, None  # the token's gradient: it only orders the walk


def _array_like(result: Any, grad: Any) -> Any:
    """A hook's gradient as the walk carries it: an array in eager mode, a Tensor in double backward."""
    if isinstance(result, Tensor) and not isinstance(grad, Tensor):
        return result.data
    return result
