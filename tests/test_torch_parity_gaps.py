"""The gaps left in the Tensor surface after issue 13, next to PyTorch: each test failed before its fix.

scatter_reduce's signature and its "prod" gradient at zero factors, view(dtype) as a reinterpretation of
the bits, float tensors refused as indices, gather with a smaller index, `//` on tensors that require grad,
and einsum's broadcast "...", diagonals and sublist form. Skipped where torch is not installed.
"""

from __future__ import annotations

import contextlib

import numpy as np
import pytest

import tinygrad_edu as tg

torch = pytest.importorskip("torch")


def both(fn):
    """fn(lib) for tinygrad_edu and for torch."""
    return fn(tg), fn(torch)


def as_numpy(t) -> np.ndarray:
    return t.detach().numpy() if isinstance(t, torch.Tensor) else np.asarray(t.data)


# ---- scatter_reduce ---------------------------------------------------------------------------------

# (self, src, index along dim 0, include_self): places with one zero factor, two, a zero in self
PROD_CASES = [
    ("one zero in src", [1.5, 5.0, -2.0], [2.0, 0.0, 3.0, 4.0], [0, 0, 1, 0], True),
    ("two zeros at a place", [1.5, 5.0, -2.0], [0.0, 0.0, 3.0, 4.0], [0, 0, 1, 2], True),
    ("zero in self", [0.0, 5.0, -2.0], [2.0, 7.0, 3.0, 4.0], [0, 0, 1, 0], True),
    ("zero, include_self=False", [1.5, 5.0, -2.0], [2.0, 0.0, 3.0, 4.0], [0, 0, 1, 0], False),
    ("no zeros", [1.5, 5.0, -2.0], [2.0, -0.5, 3.0, 4.0], [2, 0, 1, 0], True),
]


@pytest.mark.parametrize("name, base, src, index, include_self", PROD_CASES, ids=[c[0] for c in PROD_CASES])
def test_scatter_reduce_prod_gradient_at_zero_factors_is_the_product_of_the_others(
    name, base, src, index, include_self
) -> None:
    results = []
    for lib in (tg, torch):
        x = lib.tensor(base, dtype=lib.float64, requires_grad=True)
        s = lib.tensor(src, dtype=lib.float64, requires_grad=True)
        out = x.scatter_reduce(0, lib.tensor(index), s, reduce="prod", include_self=include_self)
        (out * lib.tensor([1.0, -2.0, 0.5], dtype=lib.float64)).sum().backward()
        results.append([as_numpy(out), as_numpy(x.grad), as_numpy(s.grad)])
    for ours, theirs in zip(*results):
        np.testing.assert_allclose(ours, theirs, rtol=1e-14)


def test_scatter_reduce_takes_torchs_arguments() -> None:
    for lib in (tg, torch):
        x = lib.tensor([1.0, 2.0])
        out = lib.scatter_reduce(x, 0, lib.tensor([1, 1]), lib.tensor([3.0, 4.0]), "amax", include_self=False)
        np.testing.assert_array_equal(as_numpy(out), [1.0, 4.0])
        out = x.scatter_reduce(dim=0, index=lib.tensor([0, 0]), src=lib.tensor([3.0, 4.0]), reduce="mean")
        np.testing.assert_allclose(as_numpy(out), [8 / 3, 2.0])
        with pytest.raises(TypeError):  # reduce comes after src, and is required
            x.scatter_reduce(0, lib.tensor([0]), "prod")


# ---- view(dtype): the same bytes read as another dtype ----------------------------------------------

BITS = np.array([[1.0, -2.0, 0.5, 3.25], [0.0, -0.0, 1e-3, 7.0]])

VIEW_DTYPES = [
    ("float32 as int32", lambda lib: lib.tensor(BITS, dtype=lib.float32).view(lib.int32)),
    ("float64 as int64, dtype=", lambda lib: lib.tensor(BITS, dtype=lib.float64).view(dtype=lib.int64)),
    ("float32 as int16: the last dim doubles", lambda lib: lib.tensor(BITS, dtype=lib.float32).view(lib.int16)),
    ("float32 as float64: the last dim halves", lambda lib: lib.tensor(BITS, dtype=lib.float32).view(lib.float64)),
    ("int64 as uint8", lambda lib: lib.tensor([[1, -1], [256, 3]]).view(lib.uint8)),
    ("bool as uint8", lambda lib: lib.tensor([True, False]).view(lib.uint8)),
    ("0-d, same size", lambda lib: lib.tensor(1.5, dtype=lib.float32).view(lib.int32)),
    ("transposed, same size", lambda lib: lib.tensor(BITS, dtype=lib.float32).T.view(lib.int32)),
    ("sliced rows, larger item", lambda lib: lib.tensor(BITS, dtype=lib.float32)[:, :2].view(lib.float64)),
    ("of a tensor that requires grad", lambda lib: lib.tensor(BITS, requires_grad=True).view(lib.float32)),
]


@pytest.mark.parametrize("name, make", VIEW_DTYPES, ids=[v[0] for v in VIEW_DTYPES])
def test_view_dtype_reinterprets_the_bits_as_torch(name, make) -> None:
    ours, theirs = both(make)
    assert str(ours.dtype) == str(theirs.dtype).removeprefix("torch.")
    assert tuple(ours.shape) == tuple(theirs.shape)
    assert ours.requires_grad == theirs.requires_grad  # (not differentiable in PyTorch)
    np.testing.assert_array_equal(as_numpy(ours), as_numpy(theirs))


VIEW_DTYPE_REFUSED = [
    ("last dim not divisible", lambda lib: lib.ones(2, 3).view(lib.float64), "divisible by 2"),
    ("transposed, other size", lambda lib: lib.ones(2, 3).T.view(lib.int16), "contiguous|stride"),
    ("0-d, other size", lambda lib: lib.tensor(1.0).view(lib.int16), "0-d|dim"),
]


@pytest.mark.parametrize("name, call, match", VIEW_DTYPE_REFUSED, ids=[v[0] for v in VIEW_DTYPE_REFUSED])
def test_view_dtype_refuses_what_torch_refuses(name, call, match) -> None:
    for lib in (tg, torch):
        with pytest.raises(RuntimeError, match=match):
            call(lib)


# ---- indexing: the index dtypes PyTorch takes ------------------------------------------------------

INDEX_REFUSED = [
    ("float32 tensor", lambda lib: lib.tensor([0.0, 2.0])),
    ("float64 tensor", lambda lib: lib.tensor([1.0], dtype=lib.float64)),
    ("int16 tensor", lambda lib: lib.tensor([1], dtype=lib.int16)),
]


@pytest.mark.parametrize("name, make", INDEX_REFUSED, ids=[r[0] for r in INDEX_REFUSED])
def test_indexing_with_a_float_tensor_is_an_index_error_as_torch(name, make) -> None:
    for lib in (tg, torch):
        x = lib.zeros(4, 3)
        with pytest.raises(IndexError, match="tensors used as indices must be long, int, byte or bool tensors"):
            x[make(lib)]
        with pytest.raises(IndexError, match="tensors used as indices must be long, int, byte or bool tensors"):
            x[:, make(lib)] = 1.0


INDEX_TAKEN = [
    ("int64 tensor", lambda lib: lib.tensor([3, 0, 3])),
    ("int32 tensor", lambda lib: lib.tensor([3, 0], dtype=lib.int32)),
    ("bool tensor", lambda lib: lib.tensor([True, False, False, True])),
    ("uint8 tensor: a mask", lambda lib: lib.tensor([1, 0, 1, 1], dtype=lib.uint8)),
    ("list of floats: truncated", lambda lib: [1.9, -1.5, 0.2]),
    ("array of floats: truncated", lambda lib: np.array([2.7, 0.0])),
]


@pytest.mark.parametrize("name, make", INDEX_TAKEN, ids=[r[0] for r in INDEX_TAKEN])
def test_the_index_dtypes_torch_takes_give_its_rows(name, make) -> None:
    data = np.arange(12.0).reshape(4, 3)
    with pytest.warns(UserWarning) if "uint8" in name else contextlib.nullcontext():
        theirs = torch.tensor(data)[make(torch)]
    np.testing.assert_array_equal(as_numpy(tg.tensor(data)[make(tg)]), as_numpy(theirs))


def test_gather_refuses_a_float_index_as_torch() -> None:
    for lib, error in ((tg, IndexError), (torch, RuntimeError)):
        with pytest.raises(error, match="gather.*int"):
            lib.zeros(3, 4).gather(1, lib.tensor([[0.0, 1.0]]))


# ---- gather with an index smaller than the input ---------------------------------------------------

GATHERS = [
    ("smaller in the other dim", 1, [[0, 2], [1, 0]]),
    ("smaller in both", 0, [[2, 0], [1, 1]]),
    ("larger along dim", 0, [[0], [2], [1], [1], [2]]),
    ("one row, repeats", 1, [[3, 3, 0, 3, 1]]),
]


@pytest.mark.parametrize("name, dim, index", GATHERS, ids=[g[0] for g in GATHERS])
def test_gather_with_a_smaller_index_gives_torchs_values_and_gradient(name, dim, index) -> None:
    results = []
    for lib in (tg, torch):
        x = lib.tensor(np.arange(12.0).reshape(3, 4) / 7, dtype=lib.float64, requires_grad=True)
        out = lib.gather(x, dim, lib.tensor(index))
        (out * lib.tensor(np.arange(out.numel()).reshape(tuple(out.shape)) + 1.0, dtype=lib.float64)).sum().backward()
        results.append((as_numpy(out), as_numpy(x.grad)))
    np.testing.assert_array_equal(results[0][0], results[1][0])
    np.testing.assert_array_equal(results[0][1], results[1][1])


@pytest.mark.parametrize("index", [[[0, 1], [0, 1], [0, 1], [0, 1]], [[0, 1, 2, 0, 1]]], ids=["rows", "columns"])
def test_gather_refuses_an_index_larger_than_the_input_outside_dim(index) -> None:
    dim = 1 if len(index) == 4 else 0
    with pytest.raises(tg.ShapeError, match=f"larger than the input .* it may only be larger in dimension dim={dim}"):
        tg.zeros(3, 4).gather(dim, tg.tensor(index))
    with pytest.raises(RuntimeError, match="no larger than self"):
        torch.zeros(3, 4).gather(dim, torch.tensor(index))


# ---- // and % of tensors that require grad ---------------------------------------------------------

REMAINDERS = [
    ("x % y", lambda lib, x, y: x % y),
    ("x % scalar", lambda lib, x, y: x % -0.4),
    ("fmod", lambda lib, x, y: lib.fmod(x, y)),
    ("fmod by a scalar", lambda lib, x, y: x.fmod(0.3)),
    ("remainder", lambda lib, x, y: lib.remainder(x, y)),
    ("remainder of a tensor by a tensor", lambda lib, x, y: y.remainder(x)),
]


@pytest.mark.parametrize("name, fn", REMAINDERS, ids=[r[0] for r in REMAINDERS])
def test_remainder_and_fmod_give_torchs_values_and_gradients(name, fn) -> None:
    results = []
    for lib in (tg, torch):
        x = lib.tensor([1.5, -2.5, 0.7, -0.9], dtype=lib.float64, requires_grad=True)
        y = lib.tensor([0.4, 0.3, -0.6, -0.25], dtype=lib.float64, requires_grad=True)
        out = fn(lib, x, y)
        assert out.requires_grad
        (out * lib.tensor([1.0, -2.0, 0.5, 3.0], dtype=lib.float64)).sum().backward()
        results.append([as_numpy(out), as_numpy(x.grad)] + ([as_numpy(y.grad)] if y.grad is not None else []))
    assert len(results[0]) == len(results[1])
    for ours, theirs in zip(*results):
        np.testing.assert_allclose(ours, theirs, rtol=1e-12)


# ---- einsum: what PyTorch refuses ------------------------------------------------------------------

EINSUM_REFUSED = [
    ("sizes that do not broadcast", lambda lib: lib.einsum("ij,ij->ij", lib.ones(2, 3), lib.ones(3, 3))),
    ("... that do not broadcast", lambda lib: lib.einsum("...i,...i", lib.ones(2, 3), lib.ones(3, 3))),
    ("a diagonal of unequal sizes", lambda lib: lib.einsum("ii->i", lib.ones(1, 3))),
    ("a sublist label out of range", lambda lib: lib.einsum(lib.ones(2), [52])),
]


@pytest.mark.parametrize("name, call", EINSUM_REFUSED, ids=[e[0] for e in EINSUM_REFUSED])
def test_einsum_refuses_what_torch_refuses(name, call) -> None:
    with pytest.raises((RuntimeError, ValueError)):
        call(torch)
    with pytest.raises((tg.ShapeError, ValueError), match="einsum: "):
        call(tg)


# ---- randint_like: the one creation function of the issue that no parity test called ----------------

RANDINT_LIKE = [
    ("high only, float64 input", lambda lib: lib.randint_like(lib.zeros(2, 3, dtype=lib.float64), 5), 0, 5),
    ("low, high, dtype=", lambda lib: lib.randint_like(lib.zeros(4), 2, 7, dtype=lib.int64), 2, 7),
    ("of an int32 tensor", lambda lib: lib.randint_like(lib.zeros(3, dtype=lib.int32), 3), 0, 3),
]


@pytest.mark.parametrize("name, make, low, high", RANDINT_LIKE, ids=[r[0] for r in RANDINT_LIKE])
def test_randint_like_gives_torchs_shape_dtype_and_range(name, make, low, high) -> None:
    ours, theirs = both(make)
    assert tuple(ours.shape) == tuple(theirs.shape)
    assert str(ours.dtype) == str(theirs.dtype).removeprefix("torch.")
    values = as_numpy(ours)
    assert values.min() >= low and values.max() < high and np.all(values == np.round(values))
