"""In-place ops and views: writing into a tensor's data while keeping its gradient right, as PyTorch does.

A tensor changed in place takes the op as its new grad_fn (recorded on a copy of its old value); a slice
written in place writes its bases' graphs too (PyTorch's CopySlices); and every tensor sharing the data
counts the change in its version, so a graph that saved the old value refuses backward.
"""

from __future__ import annotations

import weakref
from typing import Any

import numpy as np

from tinygrad_edu import autograd as _autograd
from tinygrad_edu import ops as _ops
from tinygrad_edu.errors import DtypeError, ShapeError
from tinygrad_edu.tensor import Tensor, _binary, _data


def _in_place(x: Tensor, what: str, op: Any, other: Any, **options: Any) -> Tensor:
    """x <- op(x, other), written into x.data, as PyTorch's in-place methods (see _write_in_place).

    A value that does not broadcast to x's own shape (x += y with y larger) is a ShapeError, PyTorch's
    RuntimeError, where NumPy's write raises a plain ValueError (nothing was written then).
    """
    try:
        return _write_in_place(x, what, op, other, **options)
    except ValueError as error:
        if isinstance(error, RuntimeError):  # ours (ShapeError, ArgumentError): already says what went wrong
            raise
        shape = other.shape if isinstance(other, Tensor) else np.shape(other)
        raise ShapeError(
            f"{what}: a value of shape {shape} cannot be written in place into "
            f"{'the indexed part of ' if op is _ops.SetItem else ''}a tensor of shape {x.shape} "
            f"(an in-place op keeps the tensor's shape): {error}"
        ) from None


def _write_in_place(x: Tensor, what: str, op: Any, other: Any, **options: Any) -> Tensor:
    """x <- op(x, other), written into x.data.

    Outside the graph (nothing requires grad, or under no_grad) this is one NumPy in-place write.
    In the graph, the op is recorded on a copy of x's old value (its inputs must not change
    under it), and x takes the op as its new grad_fn; ops recorded earlier keep sending their
    gradient to the grad_fn x had then (see autograd's Function.rebased_from). Either way the
    version goes up, so a graph that saved x's old value refuses backward.
    """
    record = _autograd.is_grad_enabled() and (x.requires_grad or (isinstance(other, Tensor) and other.requires_grad))
    if record and x.requires_grad and x.grad_fn is None:
        raise RuntimeError(
            f"{what}: a leaf Variable that requires grad is being used in an in-place operation "
            f"(a {x.dtype} tensor of shape {x.shape}); do it under `with tg.no_grad():` (as "
            "optimizers do), or work on a copy: x = x.clone()"
        )
    if not x.data.flags.writeable:  # expand()'s NumPy broadcast view, or a view of one: read-only
        written = x.data[options["index"]] if op is _ops.SetItem else x.data
        if written.size and any(stride == 0 and n > 1 for stride, n in zip(written.strides, written.shape)):
            raise RuntimeError(  # writing one element would write all that share it: PyTorch refuses too
                f"{what}: unsupported operation: more than one element of the written-to tensor (shape {x.shape}) "
                "refers to a single memory location, as after expand(); clone() it first"
            )
        raise RuntimeError(  # PyTorch writes through to the expanded tensor's base; NumPy's view is read-only
            f"{what}: a view of an expand()ed tensor is read-only here (shape {x.shape}); clone() it first"
        )
    if op is not _ops.SetItem and isinstance(other, Tensor):  # (x[index] = value: checked by __setitem__)
        if other.shape != x.shape and np.broadcast_shapes(x.shape, other.shape) != x.shape:
            # NumPy drops a leading size-1 dim when it writes ((1,) into a 0-d x); PyTorch refuses, as here
            raise ShapeError(
                f"{what}: output with shape {list(x.shape)} doesn't match the broadcast shape "
                f"{list(np.broadcast_shapes(x.shape, other.shape))} (an in-place op keeps the tensor's shape)"
            )
        _check_no_overlap(x, what, op, other)
    if record:
        old = Tensor._from_op(x.data.copy(), x.grad_fn)  # x's value before, at its grad_fn then
        old.requires_grad = x.requires_grad
        if op is _ops.SetItem:
            out = op.apply(old, other, **options)
        else:
            out = _binary(op, old, other, true_divide=op is _ops.Div)
        _check_cast(what, out.data, x.data)
        bases, views = _aliases_to_update(x, what)
        x.data[...] = out.data
    else:
        out = None
        value = _data(other)
        if op is _ops.SetItem:
            x.data[options["index"]] = value
        else:
            try:
                if op is _ops.Add:
                    x.data += value
                elif op is _ops.Sub:
                    x.data -= value
                elif op is _ops.Mul:
                    x.data *= value
                else:
                    x.data /= value
            except TypeError:  # NumPy refuses e.g. float into int, as PyTorch does
                result = np.result_type(x.data, value)
                if op is _ops.Div and result.kind in "biu":  # true division: a float even of ints
                    result = np.dtype(np.float32)
                _check_cast(what, result, x.data)
                raise
    previous_fn = x.grad_fn
    _bump_version(x)
    if out is not None:
        _take_grad_fn(x, out, previous_fn)
        _update_aliases(x, bases, views)
    return x


def _check_no_overlap(x: Tensor, what: str, op: Any, other: Tensor, index: Any = None) -> None:
    """Refuse, as PyTorch does, an in-place write whose input overlaps the written memory in part
    (`x[1:] += x[:-1]`, `x += x[0]`, `y += y.T`): PyTorch's kernels read while they write, so it refuses
    rather than compute a result that depends on the order of the loop. The same memory laid out the
    same way (`x += x`, `x[:] = x`) is allowed, and so is what PyTorch cannot judge cheaply (a strided
    or broadcast view, which it computes as it goes, where NumPy buffers the input).
    """
    written, value = x.data, other.data
    # memory is an ndarray's property (a traced array of tg.compile shares none); np.may_share_memory only
    # compares the two arrays' bounds, so the exact test below runs only for a tensor and a view of it
    if not (isinstance(written, np.ndarray) and isinstance(value, np.ndarray)):
        return
    if not np.may_share_memory(written, value):
        return
    advanced = op is _ops.SetItem and not _ops.movement._is_basic(index)
    if op is _ops.SetItem and not advanced:
        written = written[index]  # x[index] = value copies into the view x[index], as PyTorch's copy_to:
        if not isinstance(written, np.ndarray):  # one element (NumPy's scalar): the same as value's or none
            return
        if value.shape != written.shape:
            if value.ndim == 0:  # a fill with the number it holds, read first
                return
            expanded = _expanded_as_pytorch(value, written.shape)
            if expanded is None:  # it does not fit: the write says so (_in_place)
                return
            value = expanded
    overlap = _overlap(written, value)
    # index_put_ (an advanced index) refuses even the whole tensor written into itself; the others a part
    if overlap == "partial" or (advanced and overlap == "full"):
        raise RuntimeError(
            f"{what}: unsupported operation: some elements of the input tensor (shape {other.shape}) and the "
            f"written-to tensor (shape {written.shape}) refer to a single memory location. Please clone() the "
            "tensor before performing the operation, e.g. x += y.clone()"
        )


def _expanded_as_pytorch(value: np.ndarray, shape: tuple[int, ...]) -> np.ndarray | None:
    """value as PyTorch's setitem hands it to copy_: without all its leading 1s, then expanded to shape. The
    strides matter (the overlap test compares them): a new dim of size 1 takes the stride of a contiguous
    layout (the next size times the next stride), an expanded one 0; None when value does not fit."""
    ones = next((i for i, n in enumerate(value.shape) if n != 1), value.ndim)
    value = value[(0,) * ones + (Ellipsis,)]
    if value.ndim > len(shape):
        return None
    sizes, strides = list(value.shape), list(value.strides)
    for _ in range(len(shape) - value.ndim):
        # (a 0-d value's first new dim: stride 0, as PyTorch's expand of a 0-d tensor gives)
        strides.insert(0, sizes[0] * strides[0] if sizes else 0)
        sizes.insert(0, 1)
    for i, (n, target) in enumerate(zip(sizes, shape)):
        if n != target:
            if n != 1:
                return None
            strides[i] = 0
    return np.lib.stride_tricks.as_strided(value, shape=shape, strides=strides, writeable=False)


def _overlap(a: np.ndarray, b: np.ndarray) -> str:
    """How two arrays' memory overlaps, as PyTorch judges it: "full" (the same elements, laid out the same
    way), "partial", "none", or "unknown" when one of them is not dense (strided, broadcast, reversed)."""
    if a is b:
        return "full"
    if a.size == 0 or b.size == 0:
        return "none"
    if not (_dense(a) and _dense(b)):
        return "unknown"
    a_begin, b_begin = a.__array_interface__["data"][0], b.__array_interface__["data"][0]
    a_end, b_end = a_begin + a.nbytes, b_begin + b.nbytes
    if a_begin == b_begin and a_end == b_end:
        return "full" if a.strides == b.strides else "partial"
    return "partial" if a_begin < b_end and b_begin < a_end else "none"


def _dense(a: np.ndarray) -> bool:
    """Do a's elements fill one block of memory with no gap and no repeat, in some order of its dims
    (PyTorch's is_non_overlapping_and_dense)? Negative strides count as not dense: PyTorch has none."""
    expected = a.itemsize
    for stride, n in sorted((s, n) for s, n in zip(a.strides, a.shape) if n != 1):
        if stride != expected:
            return False
        expected *= n
    return True


def _update_aliases(x: Tensor, bases: list[tuple[Tensor, Any, Tensor]], views: list[Tensor]) -> None:
    """After x took a new grad_fn for an in-place change: give its bases and its slices theirs too.

    (Also for a custom Function's ctx.mark_dirty, autograd/custom_function.py.)
    """
    # A slice written in place changes its base too: as PyTorch's CopySlices, each base (the
    # slice's, then that one's, ...) takes the op "its old value with the slice written in".
    view = x
    for base, index, base_old in bases:
        written = _ops.SetItem.apply(base_old, view, index=index)
        # (base's data already holds these values, through NumPy's view; written again for
        # tg.compile, whose traced arrays do not share memory as views do)
        base.data[...] = written.data
        _take_grad_fn(base, written, base_old.grad_fn)
        view = base
    for view in views:
        base, index = view._view_of
        regenerated = _ops.Index.apply(base, index=index)
        view.data[...] = regenerated.data  # (the same values already, but for tg.compile: see above)
        _take_grad_fn(view, regenerated, view.grad_fn)


def _aliases_to_update(x: Tensor, what: str) -> tuple[list[tuple[Tensor, Any, Tensor]], list[Tensor]]:
    """(the bases x is a slice of, the slices of x and of them) that an in-place change of x recorded in the
    graph changes too (see _update_aliases); an alias in the graph that cannot follow the change is refused."""
    bases = _bases_to_update(x, what)
    views = _slices_to_update(x, bases)
    if any(t.requires_grad and not any(t is v for v in views) for t in _other_aliases(x, bases)):
        raise RuntimeError(
            f"{what}: this in-place change of a tensor of shape {x.shape} also changes another tensor "
            "in the graph that shares its data (a view made by reshape, permute or detach), whose "
            "gradient would then be wrong. Change a copy instead (x = x.clone()), or make the view "
            "after the change"
        )
    return bases, views


def _take_grad_fn(x: Tensor, out: Tensor, previous_fn: Any) -> None:
    """Make out's op (an in-place op recorded on a copy of x) x's grad_fn; it remembers the old one."""
    if out.grad_fn is not None:
        out.grad_fn.rebased_from = previous_fn
        out.grad_fn.made_version = x._version
        x.grad_fn = out.grad_fn
        x.requires_grad = True


def _bases_to_update(x: Tensor, what: str) -> list[tuple[Tensor, Any, Tensor]]:
    """For an in-place op recorded on a view: (base, index, base's value before) for each tensor it
    is a slice of, innermost first. A reshape or permute view cannot be written back: refused."""
    bases = []
    t = x
    while getattr(t, "_view_of", None) is not None:
        base, index = t._view_of
        if index is None or (base.requires_grad and base.grad_fn is None):
            kind = "a view of a leaf that requires grad" if index is not None else "a reshape or permute view"
            raise RuntimeError(
                f"{what}: {kind} (shape {t.shape} of a tensor of shape {base.shape}) is being used in an "
                "in-place operation that autograd records; change a copy instead (x = x.clone())"
            )
        base_old = Tensor._from_op(base.data.copy(), base.grad_fn)  # base's value before, at its grad_fn
        base_old.requires_grad = base.requires_grad
        bases.append((base, index, base_old))
        t = base
    return bases


def _slices_to_update(x: Tensor, bases: list[tuple[Tensor, Any, Tensor]]) -> list[Tensor]:
    """The live slices of x or of its bases (or slices of those, ...), which an in-place change of
    x may change: each gets a fresh grad_fn afterwards, as PyTorch regenerates its views'."""
    updated = {id(x)} | {id(base) for base, _, _ in bases}
    pending = [
        t for t in _other_aliases(x, bases) if getattr(t, "_view_of", None) is not None and t._view_of[1] is not None
    ]
    slices: list[Tensor] = []
    found = True
    while found:  # a slice of a slice after that slice: bases before their slices
        found = False
        for t in pending:
            if id(t) not in updated and id(t._view_of[0]) in updated:
                slices.append(t)
                updated.add(id(t))
                found = True
    return slices


def _other_aliases(x: Tensor, bases: list[tuple[Tensor, Any, Tensor]]) -> list[Tensor]:
    """The other live tensors that share x's data, besides the bases updated with it."""
    group = getattr(x, "_aliases", None)
    if group is None:
        return []
    skip = {id(x)} | {id(base) for base, _, _ in bases}
    return [t for t in (ref() for ref in group) if t is not None and id(t) not in skip]


def _bump_version(x: Tensor) -> None:
    """Count one in-place change of this tensor's data, on it and every tensor sharing its data.

    Each op that made one of them and saved its output learns its output changed, so its backward
    refuses (as PyTorch). Optimizers call this after updating `p.data` in place.
    """
    _autograd.note_in_place()
    group = getattr(x, "_aliases", None)
    if group is None and x.grad_fn is None:  # a leaf that shares its data with no view (a parameter, at every
        x._version += 1  # optimizer step): the loop below for it alone, without the list (0.40 -> 0.34 us a call)
        return
    tensors = [x] if group is None else [t for t in (ref() for ref in group) if t is not None]
    if len(tensors) == 1 and group is not None:  # the others are gone (nn.Linear's temporary tensor): back to
        x._aliases = None  # the fast path above at the next optimizer step
    for t in tensors:
        t._version += 1
        if t.grad_fn is not None:
            t.grad_fn.output_changed = (t.data, t._version)


def _check_cast(what: str, result: Any, target: np.ndarray) -> None:
    """Refuse an in-place op whose result dtype cannot be stored in the target, as PyTorch does."""
    dtype = result if isinstance(result, np.dtype) else result.dtype  # (.dtype: also for a traced array)
    if not np.can_cast(dtype, target.dtype, casting="same_kind"):
        raise DtypeError(
            f"{what}: result type {dtype} can't be cast to the desired output type {target.dtype} "
            "(an in-place op keeps the tensor's dtype); use the out-of-place form, e.g. x = x + y"
        )


def _share_version(base: Tensor, alias: Tensor) -> Tensor:
    """Give `alias`, which holds (part of) base's data, base's version counter: an in-place change of
    either counts for both, as for PyTorch's views. The tensors sharing data are a list of weak references."""
    alias._version = base._version
    group = getattr(base, "_aliases", None)  # (an unset slot: no alias yet)
    if group is None:
        group = base._aliases = [weakref.ref(base)]
    elif len(group) >= 16 and len(group) & (len(group) - 1) == 0:  # now and then, forget the dead ones
        group[:] = [ref for ref in group if ref() is not None]
    group.append(weakref.ref(alias))
    alias._aliases = group
    return alias


def _view(base: Tensor, out: Tensor, index: Any = None) -> Tensor:
    """out, made from base by a reshape, permute or slice (index); when NumPy made it a view of base's
    data (no copy), it shares base's version counter (see _share_version) and remembers base, so that
    an in-place change of it is written back into base's graph too (see Tensor._in_place)."""
    if index is not None:
        # basic slicing (ints, slices, None, ...) always gives a view in NumPy; said so from the index,
        # not from memory, so that tg.compile's traced arrays (which share no memory) follow it too
        is_view = _ops.movement._is_basic(index)
    else:
        owner = out.data.base
        is_view = owner is not None and (owner is base.data or owner is base.data.base)
    if is_view:
        out._view_of = (base, index)
        return _share_version(base, out)
    return out
