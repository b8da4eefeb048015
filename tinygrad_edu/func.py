"""tg.func, as torch.func: vmap, which maps a function over a dimension of its inputs (also `tg.vmap`).

PyTorch batches the function's ops; here vmap runs the function once per index and stacks the results, which gives
the same values and, since every step is an ordinary op (select the slice, call, stack), the same gradients, at
the price of a Python loop. Inputs and outputs may be nested tuples, lists and dicts of tensors.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from tinygrad_edu.creation import get_rng_state, set_rng_state
from tinygrad_edu.functional import stack
from tinygrad_edu.tensor import Tensor
from tinygrad_edu.torch_alias import torch_attribute_error

__all__ = ["vmap"]

__getattr__ = torch_attribute_error(__name__)

RANDOMNESS = ("error", "different", "same")


def _broadcast_dims(dims: Any, tree: Any, where: str) -> Any:
    """dims matched to the tree of inputs: an int or None applies to every leaf below it."""
    if dims is None or isinstance(dims, int):
        if isinstance(tree, (tuple, list)):
            return [_broadcast_dims(dims, t, where) for t in tree]
        if isinstance(tree, dict):
            return {k: _broadcast_dims(dims, v, where) for k, v in tree.items()}
        return dims
    if isinstance(dims, (tuple, list)) and isinstance(tree, (tuple, list)) and len(dims) == len(tree):
        return [_broadcast_dims(d, t, where) for d, t in zip(dims, tree, strict=True)]
    if isinstance(dims, dict) and isinstance(tree, dict) and dims.keys() == tree.keys():
        return {k: _broadcast_dims(dims[k], tree[k], where) for k in tree}
    raise ValueError(f"vmap: {where}={dims!r} is not compatible with the structure of the inputs")


def _leaves(tree: Any, dims: Any) -> list[tuple[Any, Any]]:
    if isinstance(tree, (tuple, list)):
        return [pair for t, d in zip(tree, dims, strict=True) for pair in _leaves(t, d)]
    if isinstance(tree, dict):
        return [pair for k in tree for pair in _leaves(tree[k], dims[k])]
    return [(tree, dims)]


def _slice(tree: Any, dims: Any, i: int) -> Any:
    """The i-th slice of every mapped tensor, the tree's structure kept."""
    if isinstance(tree, (tuple, list)):
        return type(tree)(_slice(t, d, i) for t, d in zip(tree, dims, strict=True))
    if isinstance(tree, dict):
        return {k: _slice(tree[k], dims[k], i) for k in tree}
    return tree if dims is None else tree.select(dims, i)


def _stack(results: list, dims: Any) -> Any:
    """The per-index outputs stacked into one, along out_dims, the tree's structure kept."""
    first = results[0]
    if isinstance(first, (tuple, list)):
        return type(first)(_stack([r[j] for r in results], dims[j]) for j in range(len(first)))
    if isinstance(first, dict):
        return {k: _stack([r[k] for r in results], dims[k]) for k in first}
    if not isinstance(first, Tensor):
        raise ValueError(f"vmap: the function must only return Tensors, got type {type(first)}")
    if dims is None:
        return first  # (an unmapped output: PyTorch requires it not to depend on the mapped inputs)
    return stack(results, dim=dims if dims >= 0 else dims + first.ndim + 1)


def vmap(
    func: Callable[..., Any],
    in_dims: Any = 0,
    out_dims: Any = 0,
    randomness: str = "error",
    *,
    chunk_size: int | None = None,
) -> Callable[..., Any]:
    """func mapped over dimension in_dims of its inputs, its outputs stacked along out_dims, as `torch.vmap`.

    in_dims is an int or None for every input, or a tuple with one entry per argument (each an int, None for an
    input passed whole, or a nested tuple/list/dict matching that argument). Keyword arguments are passed whole.
    randomness: "different" draws new random numbers for each index, "same" the same ones for every index (the
    random state is rewound before each call), "error" (the default) is accepted but does not detect random
    calls. chunk_size is accepted and changes nothing (the loop runs one index at a time).

    Example:
        >>> x = tg.tensor([[1.0, 2.0], [3.0, 4.0]])
        >>> tg.vmap(lambda row: row.dot(row))(x)
        tensor([ 5., 25.], dtype=float32)
        >>> tg.vmap(lambda a, b: a * b, in_dims=(1, None))(x, tg.tensor(10.0))
        tensor([[10., 30.],
                [20., 40.]], dtype=float32)
    """
    if randomness not in RANDOMNESS:
        raise RuntimeError(f"Only allowed values for randomness are 'error', 'different', or 'same'. Got {randomness}")
    if chunk_size is not None and (not isinstance(chunk_size, int) or chunk_size < 1):
        raise ValueError(f"vmap: chunk_size should be None or greater than 0. (got {chunk_size})")

    @functools.wraps(func)
    def mapped(*args: Any, **kwargs: Any) -> Any:
        if isinstance(in_dims, (tuple, list)) and len(in_dims) != len(args):
            raise ValueError(
                f"vmap: in_dims is not compatible with the structure of the inputs: expected one entry per "
                f"argument, got {len(in_dims)} entries for {len(args)} arguments"
            )
        dims = _broadcast_dims(tuple(in_dims) if isinstance(in_dims, list) else in_dims, args, "in_dims")
        sizes = []
        for leaf, dim in _leaves(list(args), dims):
            if dim is None:
                continue
            if not isinstance(leaf, Tensor):
                raise ValueError(
                    f"vmap: got in_dim={dim} for an input of type {type(leaf).__name__}; only Tensors can be mapped "
                    "over, use None as its in_dim"
                )
            if not -leaf.ndim <= dim < leaf.ndim:
                raise ValueError(f"vmap: in_dim={dim} is out of range for a tensor of {leaf.ndim} dimensions")
            sizes.append(leaf.shape[dim])
        if not sizes:
            raise ValueError("vmap: at least one input must be a Tensor mapped over (an in_dim that is not None)")
        if len(set(sizes)) > 1:
            raise ValueError(
                f"vmap: Expected all tensors to have the same size in the mapped dimension, got sizes {sizes} for "
                "the mapped dimension"
            )
        state = get_rng_state() if randomness == "same" else None
        results = []
        for i in range(sizes[0]):
            if state is not None:
                set_rng_state(state)
            results.append(func(*_slice(list(args), dims, i), **kwargs))
        if not results:
            raise ValueError("vmap: the mapped dimension has size 0: there is nothing to stack")
        out_tree = _broadcast_dims(out_dims, results[0], "out_dims")
        return _stack(results, out_tree)

    return mapped
