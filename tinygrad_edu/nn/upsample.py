"""Resizing: F.interpolate and nn.Upsample (modes "nearest", "nearest-exact", "linear", "bilinear", "bicubic",
"trilinear", "area").

Every mode here is separable: the output along each spatial dim picks input positions with an index array
(`index_select`, whose gradient adds back into the picked positions) and, for the linear modes, blends the two
neighbours with fixed weights. So the gradient comes from existing ops, and the index rules are PyTorch's:
- nearest: src = min(floor(dst * scale), in - 1), computed in float32 as PyTorch does;
- nearest-exact: src = min(floor((dst + 0.5) * scale), in - 1);
- linear: src = dst * (in - 1) / (out - 1) with align_corners, else (dst + 0.5) * scale - 0.5 clamped at 0,
  blended between floor(src) and the next position by the fraction;
- bicubic: src as linear but not clamped, four taps floor(src) - 1 ... floor(src) + 2 (clamped to the input)
  weighted by Keys' cubic convolution (a = -0.75), as PyTorch;
- area: the mean over each cell, as adaptive average pooling (adaptive_pool.py), one averaging matrix per dim;
- bilinear and bicubic with antialias=True: one fixed weight matrix per dim too, whose filter is widened when
  downsampling so that every input counts (_antialias_weights);
where scale = 1 / scale_factor when one is given (and recompute_scale_factor is not True), else in / out.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from tinygrad_edu.errors import ShapeError
from tinygrad_edu.nn.adaptive_pool import _averaging
from tinygrad_edu.nn.module import Module
from tinygrad_edu.tensor import Tensor, _operand_tensor

__all__ = ["interpolate", "upsample", "Upsample", "UpsamplingNearest2d", "UpsamplingBilinear2d"]

LINEAR_MODES = {"linear": 1, "bilinear": 2, "bicubic": 2, "trilinear": 3}  # mode -> the spatial dims it takes
IMPLEMENTED = ("nearest", "nearest-exact", *LINEAR_MODES, "area")
CUBIC_A = -0.75  # PyTorch's (and OpenCV's) cubic convolution parameter


def _per_dim(name: str, value: Any, dims: int) -> list | None:
    """An int/float or a sequence of one per spatial dim, as a list of `dims` values."""
    if value is None:
        return None
    values = list(value) if isinstance(value, Sequence) else [value] * dims
    if len(values) != dims:
        raise ValueError(f"interpolate: {name} {value!r} must have one entry per spatial dim ({dims})")
    return values


def _linear_source(out: int, size: int, scale: float | None, align_corners: bool, dtype: np.dtype) -> tuple:
    """(i0, i1, fraction): out position d blends input i0 (weight 1 - fraction) and i1 (weight fraction)."""
    dst = np.arange(out, dtype=dtype)
    if align_corners:
        src = dst * dtype.type((size - 1) / (out - 1) if out > 1 else 0.0)
    else:
        step = dtype.type(1.0 / scale if scale is not None and scale > 0 else size / out)
        src = np.maximum((dst + dtype.type(0.5)) * step - dtype.type(0.5), 0)
    i0 = np.minimum(src.astype(np.int64), size - 1)
    fraction = np.clip(src - i0, 0, 1).astype(dtype)
    return i0, np.minimum(i0 + 1, size - 1), fraction


def _cubic_source(out: int, size: int, scale: float | None, align_corners: bool, dtype: np.dtype) -> tuple:
    """(indices (out, 4), weights (out, 4)): out position d blends inputs floor(src) - 1 ... floor(src) + 2
    (clamped to the input) with Keys' cubic convolution weights of the fraction t = src - floor(src)."""
    dst = np.arange(out, dtype=dtype)
    if align_corners:
        src = dst * dtype.type((size - 1) / (out - 1) if out > 1 else 0.0)
    else:  # as linear, but not clamped at 0
        step = dtype.type(1.0 / scale if scale is not None and scale > 0 else size / out)
        src = (dst + dtype.type(0.5)) * step - dtype.type(0.5)
    i0 = np.floor(src)
    t = (src - i0).astype(dtype)[:, np.newaxis]
    a = dtype.type(CUBIC_A)
    near = np.concatenate([t, 1 - t], axis=1)  # distances to the two inner taps, in [0, 1]
    far = np.concatenate([t + 1, 2 - t], axis=1)  # and to the two outer ones, in [1, 2]
    inner = ((a + 2) * near - (a + 3)) * near * near + 1
    outer = ((a * far - 5 * a) * far + 8 * a) * far - 4 * a
    weights = np.stack([outer[:, 0], inner[:, 0], inner[:, 1], outer[:, 1]], axis=1).astype(dtype)
    indices = np.clip(i0.astype(np.int64)[:, np.newaxis] + np.arange(-1, 3), 0, size - 1)
    return indices, weights


def _antialias_weights(
    out: int, size: int, scale: float | None, align_corners: bool, mode: str, dtype: np.dtype
) -> np.ndarray:
    """The (out, size) matrix of antialiased resizing along one dim, PyTorch's antialias=True rule.

    Downsampling by s widens the filter (the triangle of bilinear, the cubic of bicubic with a = -0.5) s times, so
    each output averages every input it covers instead of sampling two or four: output i centred at
    c = s (i + 0.5) weighs input j by filter((j + 0.5 - c) / max(s, 1)) over the inputs within the support
    (max(s, 1) times 1 or 2), the weights normalised to sum to 1. Upsampling keeps the plain filter.
    align_corners only changes the step s to (size - 1) / (out - 1).
    """
    if align_corners:
        step = (size - 1) / (out - 1) if out > 1 else 0.0
    else:
        step = 1.0 / scale if scale is not None and scale > 0 else size / out
    stretch = max(step, 1.0)
    support = (1.0 if mode == "bilinear" else 2.0) * stretch
    centre = step * (np.arange(out) + 0.5)
    first = np.maximum((centre - support + 0.5).astype(np.int64), 0)
    last = np.minimum((centre + support + 0.5).astype(np.int64), size)  # (exclusive)
    j = np.arange(size)
    distance = np.abs((j + 0.5 - centre[:, np.newaxis]) / stretch)
    if mode == "bilinear":
        weights = np.maximum(1 - distance, 0)
    else:  # Keys' cubic with a = -0.5, PyTorch's antialiasing choice
        a = -0.5
        inner = ((a + 2) * distance - (a + 3)) * distance * distance + 1
        outer = ((distance - 5) * distance + 8) * distance * a - 4 * a
        weights = np.where(distance < 1, inner, np.where(distance < 2, outer, 0.0))
    weights = np.where((j >= first[:, np.newaxis]) & (j < last[:, np.newaxis]), weights, 0.0)
    return (weights / weights.sum(axis=1, keepdims=True)).astype(dtype)


def _nearest_source(out: int, size: int, scale: float | None, exact: bool, dims: int) -> np.ndarray:
    """For each output position, the input position it copies (PyTorch computes the step in float32)."""
    dst = np.arange(out)
    if not exact and dims == 2 and out in (size, 2 * size):
        # PyTorch's 2-d nearest kernel (not its 1-d nor 3-d) takes shortcuts, whatever scale_factor says: i, i // 2
        return dst if out == size else dst // 2
    step = np.float32(1.0 / scale if scale is not None and scale > 0 else size / out)
    src = np.floor((dst + 0.5) * np.float64(step)) if exact else np.floor(dst.astype(np.float32) * step)
    return np.minimum(src.astype(np.int64), size - 1)


def interpolate(
    input: Any,
    size: int | Sequence[int] | None = None,
    scale_factor: float | Sequence[float] | None = None,
    mode: str = "nearest",
    align_corners: bool | None = None,
    recompute_scale_factor: bool | None = None,
    antialias: bool = False,
) -> Tensor:
    """Resize the spatial dims (all dims after batch and channels) to `size` or by `scale_factor`, as
    torch.nn.functional.interpolate; the output size is floor(in * scale_factor) when a factor is given.
    antialias=True (bilinear and bicubic, 4-d inputs) averages every input a smaller output covers, as PyTorch.

    Example:
        >>> F.interpolate(tg.tensor([[[1.0, 2.0]]]), scale_factor=2)
        tensor([[[1., 1., 2., 2.]]], dtype=float32)
        >>> F.interpolate(tg.tensor([[[1.0, 2.0]]]), size=3, mode="linear", align_corners=True)
        tensor([[[1. , 1.5, 2. ]]], dtype=float32)
        >>> F.interpolate(tg.tensor([[[[1.0, 2.0, 3.0, 4.0]]]]), size=(1, 1), mode="bilinear", antialias=True)
        tensor([[[[2.5]]]], dtype=float32)
    """
    x = _operand_tensor(input)
    dims = x.ndim - 2
    if dims < 1:
        raise ShapeError(f"interpolate: expected an input with batch, channel and spatial dims, got shape {x.shape}")
    if mode not in IMPLEMENTED:
        raise NotImplementedError(
            f"interpolate: mode={mode!r} is not implemented in tinygrad_edu; it has {', '.join(IMPLEMENTED)}"
        )
    if antialias and (mode not in ("bilinear", "bicubic") or dims != 2):
        raise ValueError(  # (PyTorch too: its antialiasing is for 4-d inputs in these two modes only)
            f"interpolate: anti-alias is implemented for mode='bilinear' and 'bicubic' on 4-d inputs, "
            f"not mode={mode!r} on a {x.ndim}-d input"
        )
    dtype = np.dtype(x.dtype)
    if dtype == np.uint8 and mode in ("bilinear", "bicubic") and dims == 2:
        raise NotImplementedError(
            f"interpolate: mode={mode!r} on uint8 input is not implemented in tinygrad_edu (PyTorch blends uint8 "
            "images with a fixed-point rounding that we do not reproduce); convert the input with .float()"
        )
    if dtype.kind != "f" and not (dtype == np.uint8 and mode in ("nearest", "nearest-exact", "bilinear", "bicubic")):
        raise NotImplementedError(  # as PyTorch, which resizes no integer dtype but uint8, and that not in every mode
            f"interpolate: mode={mode!r} is not implemented for {dtype} input (as in PyTorch); convert the input "
            "with .float()"
        )
    if mode in LINEAR_MODES and dims != LINEAR_MODES[mode]:
        raise NotImplementedError(
            f"interpolate: got a {x.ndim}-d input (shape {x.shape}), but mode {mode!r} needs a "
            f"{LINEAR_MODES[mode] + 2}-d input"
        )
    if align_corners is not None and mode not in LINEAR_MODES:
        raise ValueError(
            "interpolate: align_corners can only be set with the interpolating modes linear, bilinear, "
            f"bicubic, trilinear, not mode={mode!r}"
        )
    if (size is None) == (scale_factor is None):
        raise ValueError("interpolate: give exactly one of size and scale_factor")
    sizes, factors = _per_dim("size", size, dims), _per_dim("scale_factor", scale_factor, dims)
    in_sizes = x.shape[2:]
    if factors is not None:
        sizes = [math.floor(n * float(f)) for n, f in zip(in_sizes, factors)]
    assert sizes is not None
    if any(int(s) < 1 for s in sizes) and mode != "area":  # (area, adaptive pooling, gives an empty result)
        raise ShapeError(f"interpolate: output size {tuple(sizes)} for input of shape {x.shape} must be positive")
    # PyTorch steps by 1 / scale_factor unless told to recompute the step from the sizes
    scales = factors if factors is not None and not recompute_scale_factor else [None] * dims
    out = x
    for d, (n, m, scale) in enumerate(zip(in_sizes, sizes, scales)):
        axis = 2 + d
        if mode == "area" or antialias:  # one fixed (m, n) matrix per dim: adaptive averaging, or antialiasing
            if mode == "area":
                matrix = _averaging(n, int(m), np.dtype(x.dtype))
            else:
                matrix = _antialias_weights(int(m), n, scale, bool(align_corners), mode, np.dtype(x.dtype))
            out = (out.movedim(axis, -1) @ Tensor(matrix.T)).movedim(-1, axis)
        elif mode == "bicubic":
            indices, weights = _cubic_source(int(m), n, scale, bool(align_corners), np.dtype(x.dtype))
            shape = [1] * x.ndim
            shape[axis] = -1
            taps = [out.index_select(axis, indices[:, k]) * Tensor(weights[:, k].reshape(shape)) for k in range(4)]
            out = taps[0] + taps[1] + taps[2] + taps[3]
        elif mode in LINEAR_MODES:
            i0, i1, t = _linear_source(int(m), n, scale, bool(align_corners), np.dtype(x.dtype))
            shape = [1] * x.ndim
            shape[axis] = -1
            weight = Tensor(t.reshape(shape))
            out = out.index_select(axis, i0) * (1 - weight) + out.index_select(axis, i1) * weight
        else:
            out = out.index_select(axis, _nearest_source(int(m), n, scale, mode == "nearest-exact", dims))
    return out


def upsample(
    input: Any,
    size: int | Sequence[int] | None = None,
    scale_factor: float | Sequence[float] | None = None,
    mode: str = "nearest",
    align_corners: bool | None = None,
) -> Tensor:
    """F.upsample, PyTorch's older name for interpolate."""
    return interpolate(input, size, scale_factor, mode, align_corners)


class Upsample(Module):
    """nn.Upsample: interpolate with its arguments kept (no parameters).

    Example:
        >>> nn.Upsample(scale_factor=2, mode="nearest")(tg.zeros(1, 3, 4, 5)).shape
        (1, 3, 8, 10)
    """

    def __init__(
        self,
        size: int | Sequence[int] | None = None,
        scale_factor: float | Sequence[float] | None = None,
        mode: str = "nearest",
        align_corners: bool | None = None,
        recompute_scale_factor: bool | None = None,
    ) -> None:
        super().__init__()
        self.size, self.mode = size, mode
        # kept as floats, as PyTorch keeps them (its repr shows scale_factor=2.0)
        if isinstance(scale_factor, Sequence):
            self.scale_factor: Any = tuple(float(f) for f in scale_factor)
        else:
            self.scale_factor = None if scale_factor is None else float(scale_factor)
        self.align_corners, self.recompute_scale_factor = align_corners, recompute_scale_factor

    def forward(self, input: Any) -> Tensor:
        return interpolate(
            input,
            self.size,
            self.scale_factor,
            self.mode,
            self.align_corners,
            recompute_scale_factor=self.recompute_scale_factor,
        )

    def extra_repr(self) -> str:
        what = f"scale_factor={self.scale_factor!r}" if self.scale_factor is not None else f"size={self.size!r}"
        return f"{what}, mode={self.mode!r}"


class UpsamplingNearest2d(Upsample):
    """nn.UpsamplingNearest2d: Upsample with mode='nearest'."""

    def __init__(self, size: int | Sequence[int] | None = None, scale_factor: float | None = None) -> None:
        super().__init__(size, scale_factor, mode="nearest")


class UpsamplingBilinear2d(Upsample):
    """nn.UpsamplingBilinear2d: Upsample with mode='bilinear' and align_corners=True."""

    def __init__(self, size: int | Sequence[int] | None = None, scale_factor: float | None = None) -> None:
        super().__init__(size, scale_factor, mode="bilinear", align_corners=True)
