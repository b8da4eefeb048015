"""Every differentiable op, checked by tg.gradcheck in float64 from one table: adding an op is adding a row.

Each row of `OPS` is (name, fn, shapes): `fn` takes one tensor per input and returns a tensor, and
`shapes` lists the input shapes to try, one tuple of shapes per case. Broadcasting pairs and 0-d
tensors are in the shape lists, so every op is also checked where its gradient must be summed back
to a smaller input. Inputs are drawn away from the points where an op has no derivative (0 for
abs and relu, the bounds of clamp, ties for max and min), because there finite differences and the
gradient legitimately disagree.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any, NamedTuple

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu import nn
from tinygrad_edu.nn import functional as F
from tinygrad_edu.ops import AvgPool, Cast, Conv, ConvTranspose, Linear, MaxPool

Shape = tuple[int, ...]


class Op(NamedTuple):
    name: str
    fn: Callable[..., tg.Tensor]
    shapes: list[tuple[Shape, ...]]  # one tuple of input shapes per case
    positive: bool = False  # draw inputs from [0.5, 2]: for log, sqrt and the base of **
    options: dict[str, Any] = {}  # extra arguments for gradcheck


# ---- the shapes the rows share ------------------------------------------------------------------

# one input: a 0-d tensor, a vector, a matrix, a 3-d tensor
UNARY = [((),), ((5,),), ((3, 4),), ((2, 3, 4),)]
# two inputs: equal shapes, then every kind of broadcasting
BINARY = [
    ((3, 4), (3, 4)),
    ((3, 4), (4,)),  # a row added to every row
    ((3, 1), (1, 4)),  # both stretched: an outer sum
    ((), (2, 3)),  # a 0-d tensor on the left
    ((2, 3), ()),  # and on the right
    ((), ()),
    ((2, 1, 3), (4, 1)),  # different ranks, stretched on both sides
]
MATRIX = [((3, 4),), ((2, 3, 4),)]  # inputs that have a dim 1 and a dim -1 to reduce over
CUBE = [((2, 3, 4),)]
GRID = [((4, 5),)]  # the input that every indexing row picks from


def alternating(*shapes: Shape) -> np.ndarray:
    """A fixed True/False/True/... mask of the shapes' broadcast shape: the condition for `where`."""
    shape = np.broadcast_shapes(*shapes)
    return (np.arange(int(np.prod(shape))) % 2 == 0).reshape(shape)


MASK = alternating((4, 5)) & (np.arange(5) != 3)  # a bool mask over GRID's shape
CONDITION = np.array([True, False, False, True])  # broadcasts against (3, 4)


def written(index: Any) -> Callable[[tg.Tensor, tg.Tensor], tg.Tensor]:
    """(x, v) -> a copy of x * 2 with v written into [index]: the in-place write recorded as SetItem."""

    def fn(x: tg.Tensor, v: tg.Tensor) -> tg.Tensor:
        h = x * 2  # a non-leaf: in-place ops are allowed on it, as in PyTorch
        h[index] = v
        return h

    return fn


def decremented(x: tg.Tensor) -> tg.Tensor:
    """x * 2 with `h[1] -= 1` done in place: an in-place op on an element of an intermediate."""
    h = x * 2
    h[1] -= 1
    return h * h


# ---- the table --------------------------------------------------------------------------------

OPS = [
    # arithmetic, with broadcasting
    Op("add", lambda a, b: a + b, BINARY),
    Op("sub", lambda a, b: a - b, BINARY),
    Op("mul", lambda a, b: a * b, BINARY),
    Op("div", lambda a, b: a / b, BINARY),
    Op("pow tensor**tensor", lambda a, b: a**b, BINARY, positive=True),
    Op("pow tensor**3", lambda x: x**3, UNARY),
    Op("pow tensor**-1.5", lambda x: x**-1.5, UNARY, positive=True),
    Op("pow 2.5**tensor", lambda x: 2.5**x, UNARY),
    Op("neg", lambda x: -x, UNARY),
    # a Python number or an ndarray on either side
    Op("scalar - tensor", lambda x: 2.0 - x, UNARY),
    Op("scalar / tensor", lambda x: 2.0 / x, UNARY),
    Op("tensor * scalar", lambda x: x * 3.0, UNARY),
    Op("ndarray * tensor", lambda x: np.linspace(-1.0, 2.0, 4) * x, [((4,),), ((3, 4),)]),
    Op("tensor + ndarray", lambda x: x + np.arange(4.0), [((4,),), ((3, 4),)]),
    # unary math
    Op("exp", lambda x: x.exp(), UNARY),
    Op("log", lambda x: x.log(), UNARY, positive=True),
    Op("sqrt", lambda x: x.sqrt(), UNARY, positive=True),
    Op("abs", lambda x: x.abs(), UNARY),
    Op("relu", lambda x: x.relu(), UNARY),
    Op("sigmoid", lambda x: x.sigmoid(), UNARY),
    Op("tanh", lambda x: x.tanh(), UNARY),
    Op("clamp(min, max)", lambda x: x.clamp(-0.5, 0.8), UNARY),
    Op("clamp(min)", lambda x: x.clamp(min=-0.5), UNARY),
    Op("clamp(max)", lambda x: x.clamp(max=0.5), UNARY),
    Op("clamp with tensor bounds", lambda x, lo: x.clamp(lo, lo + 0.8), BINARY[:3]),
    Op("tg.exp, tg.log, tg.sqrt", lambda x: tg.sqrt(tg.log(tg.exp(x))), UNARY, positive=True),
    Op("log1p", lambda x: x.log1p(), UNARY, positive=True),
    Op("sin", lambda x: x.sin(), UNARY),
    Op("cos", lambda x: x.cos(), UNARY),
    # NumPy's own functions on tensors (numpy_dispatch.py): the same ops, reached through NumPy's protocol
    Op("np.sin, np.cos, np.exp, np.tanh", lambda x: np.sin(x) * np.cos(x) + np.exp(np.tanh(x)), UNARY),
    Op("np.sum axis=0, np.mean, np.max", lambda x: np.sum(x, axis=0) + np.mean(x) + np.max(x), MATRIX),
    Op(
        "np.where, np.clip, np.maximum",
        lambda a, b: np.where(alternating(a.shape, b.shape), np.clip(a, -0.5, 0.8), np.maximum(a, b)),
        BINARY,
    ),
    Op(
        "np.matmul, ndarray @ tensor, np.transpose",
        lambda x: np.matmul(x, np.transpose(x)) + np.eye(3) @ x,
        [((3, 3),)],
    ),
    Op(
        "np.concatenate, np.stack, np.reshape",
        lambda a, b: np.reshape(np.concatenate([a, b]), (-1,)) + np.stack([a, b]).sum(),
        [((2, 3), (2, 3))],
    ),
    Op("tg.log1p of values in (-1, 1)", lambda x: tg.log1p(x * 0.5), UNARY),
    # activations composed of the ops above (softplus' threshold is crossed at x = 0.5 for beta 2)
    Op("F.softplus", lambda x: F.softplus(x), UNARY),
    Op("F.softplus beta=2 threshold=1", lambda x: F.softplus(x, beta=2, threshold=1), UNARY),
    Op("F.leaky_relu", lambda x: F.leaky_relu(x, 0.2), UNARY),
    # choosing between two inputs
    Op("maximum", lambda a, b: tg.maximum(a, b), BINARY),
    Op("minimum", lambda a, b: tg.minimum(a, b), BINARY),
    Op("maximum with a scalar", lambda x: x.maximum(0.25), UNARY),
    Op("where", lambda a, b: tg.where(alternating(a.shape, b.shape), a, b), BINARY),
    Op("where with a broadcast condition", lambda a, b: tg.where(CONDITION, a, b), [((3, 4), (3, 4)), ((4,), (3, 1))]),
    # reductions: dim None, an int, a negative int, a tuple; keepdim False and True
    Op("sum", lambda x: x.sum(), UNARY),
    Op("sum dim=0", lambda x: x.sum(0), MATRIX),
    Op("sum dim=-1 keepdim", lambda x: x.sum(dim=-1, keepdim=True), MATRIX),
    Op("sum dim=(0, 2)", lambda x: x.sum(dim=(0, 2)), CUBE),
    Op("sum dim=(0, -1) keepdim", lambda x: x.sum((0, -1), keepdim=True), CUBE),
    Op("sum dim=0 of a 0-d tensor", lambda x: x.sum(0), [((),)]),
    Op("mean", lambda x: x.mean(), UNARY),
    Op("mean dim=1", lambda x: x.mean(1), MATRIX),
    Op("mean dim=-1 keepdim", lambda x: x.mean(-1, keepdim=True), MATRIX),
    Op("mean dim=(0, 1)", lambda x: x.mean((0, 1)), MATRIX),
    Op("sum dtype=float64 of float32", lambda x: x.float().sum(1, dtype=tg.float64), MATRIX, options={"eps": 1e-3}),
    Op("mean dtype=float64 of float32", lambda x: x.float().mean(dtype=tg.float64), MATRIX, options={"eps": 1e-3}),
    # variance and standard deviation: made of mean, -, *, sum and /, so their gradients come with them
    Op("var", lambda x: x.var(), [((5,),), ((3, 4),)]),
    Op("var dim=1 unbiased=False", lambda x: x.var(1, False), MATRIX),
    Op("var dim=(0, 2) keepdim correction=0", lambda x: x.var((0, 2), keepdim=True, correction=0), CUBE),
    Op("std", lambda x: x.std(), [((5,),), ((3, 4),)]),
    Op("tg.std dim=-1 keepdim", lambda x: tg.std(x, -1, keepdim=True), MATRIX),
    Op("tg.var correction=2", lambda x: tg.var(x, 0, correction=2), [((4, 3),)]),
    Op("max", lambda x: x.max(), UNARY),
    Op("max dim=0", lambda x: x.max(0).values, MATRIX),
    Op("max dim=-1 keepdim", lambda x: x.max(dim=-1, keepdim=True).values, MATRIX),
    Op("max dim=(0, 2)", lambda x: x.max(dim=(0, 2)), CUBE),
    Op("amax dim=1", lambda x: x.amax(1), MATRIX),
    Op("amin dim=(0, 1) keepdim", lambda x: x.amin((0, 1), keepdim=True), CUBE),
    Op(
        "gather dim=1, repeated indices",
        lambda x: x.gather(1, np.array([[0, 0, 2], [1, 2, 2], [3, 3, 3]])),
        [((3, 4),)],
    ),
    Op("gather dim=0", lambda x: x.gather(0, np.array([[2, 0, 1, 1]])), [((3, 4),)]),
    Op("gather index smaller than x in the other dim", lambda x: x.gather(1, np.array([[3, 0], [1, 1]])), [((3, 4),)]),
    Op("setitem slice (PyTorch's CopySlices)", written(slice(1, 3)), [((4, 5), (2, 5)), ((4, 5), (5,)), ((4, 5), ())]),
    Op("setitem bool mask", written(MASK), [((4, 5), ())]),
    Op("setitem h[1] -= 1 on an intermediate", decremented, [((4, 5),)]),
    Op("min", lambda x: x.min(), UNARY),
    Op("min dim=1", lambda x: x.min(1).values, MATRIX),
    Op("min dim=-2 keepdim", lambda x: x.min(-2, keepdim=True).values, MATRIX),
    Op("min dim=(1, 2) keepdim", lambda x: x.min((1, 2), keepdim=True), CUBE),
    # the softmax family
    Op("softmax dim=-1", lambda x: x.softmax(-1), UNARY),
    Op("softmax dim=0", lambda x: x.softmax(0), MATRIX),
    Op("log_softmax dim=-1", lambda x: x.log_softmax(-1), UNARY),
    Op("log_softmax dim=1", lambda x: x.log_softmax(dim=1), MATRIX),
    Op("logsumexp", lambda x: x.logsumexp(), UNARY),
    Op("logsumexp dim=-1", lambda x: x.logsumexp(-1), MATRIX),
    Op("logsumexp dim=(0, 2) keepdim", lambda x: x.logsumexp((0, 2), keepdim=True), CUBE),
    Op("tg.softmax, tg.log_softmax", lambda x: tg.softmax(x, 0) + tg.log_softmax(x, 1), [((3, 4),)]),
    # moving elements
    Op("reshape", lambda x: x.reshape(2, 6), [((3, 4),), ((12,),)]),
    Op("reshape with -1", lambda x: x.reshape(-1, 2), [((3, 4),), ((2, 3, 4),)]),
    Op("reshape 0-d to (1, 1)", lambda x: x.reshape(1, 1), [((),)]),
    Op("reshape (1,) to 0-d", lambda x: x.reshape(()), [((1,),)]),
    Op("transpose", lambda x: x.transpose(0, 1), MATRIX),
    Op("transpose negative dims", lambda x: x.transpose(-1, 0), MATRIX),
    Op(".T", lambda x: x.T, MATRIX),
    Op("permute", lambda x: x.permute(2, 0, 1), CUBE),
    Op("permute negative dims", lambda x: x.permute((-1, 0, 1)), CUBE),
    Op("flatten", lambda x: x.flatten(), UNARY),
    Op("flatten start_dim=1", lambda x: x.flatten(1), CUBE),
    Op("unsqueeze", lambda x: x.unsqueeze(0), UNARY),
    Op("unsqueeze dim=-1", lambda x: x.unsqueeze(-1), UNARY),
    Op("squeeze", lambda x: x.squeeze(), [((3, 1, 4),), ((1,),), ((1, 1),)]),
    Op("squeeze dim=1", lambda x: x.squeeze(1), [((3, 1, 4),), ((2, 1),)]),
    Op("expand", lambda x: x.expand(3, 4), [((3, 1),), ((4,),), ((),), ((1, 1),)]),
    Op("expand with -1 and a new dim", lambda x: x.expand(2, -1, 4), [((3, 1),)]),
    Op("broadcast_to", lambda x: x.broadcast_to((2, 3, 4)), [((3, 1),), ((4,),), ((),)]),
    Op("view_as, reshape_as", lambda x: x.view_as(tg.zeros(4, 3)) + x.reshape_as(tg.zeros(4, 3)), [((3, 4),)]),
    # cutting into pieces: each piece is a slice, so its gradient lands where it was cut from
    Op("split 2 (a smaller last piece)", lambda x: x.split(2), [((5,),), ((5, 3),)]),
    Op("tg.split sections dim=1 (an empty one)", lambda x: tg.split(x, [1, 0, 3], dim=1), [((3, 4),), ((2, 4, 2),)]),
    Op("chunk 3 dim=-1", lambda x: x.chunk(3, dim=-1), [((3, 4),)]),
    Op("tg.chunk", lambda x: tg.chunk(x, 2), [((5, 2),)]),
    Op("unbind dim=1", lambda x: x.unbind(1), [((3, 4),), ((2, 3, 2),)]),
    Op("tg.unbind", lambda x: tg.unbind(x), [((3,),)]),
    # indexing: slices, ints, negative steps, integer arrays (repeats add up), bool masks
    Op("x[1:3]", lambda x: x[1:3], GRID),
    Op("x[:, ::-1]", lambda x: x[:, ::-1], GRID),
    Op("x[::-2, 1:]", lambda x: x[::-2, 1:], GRID),
    Op("x[1]", lambda x: x[1], GRID),
    Op("x[-1, 2] (a 0-d result)", lambda x: x[-1, 2], GRID),
    Op("x[None, ..., 0]", lambda x: x[None, ..., 0], GRID),
    Op("x[[0, 0, 2]] (a repeated row)", lambda x: x[[0, 0, 2]], GRID),
    Op("x[rows, cols] with repeated pairs", lambda x: x[[0, 2, 0, 0], [1, 1, 1, 4]], GRID),
    Op("x[:, [3, 3, 0]]", lambda x: x[:, [3, 3, 0]], GRID),
    Op("x[2-d index array]", lambda x: x[np.array([[0, 1], [1, 1]])], GRID),
    Op("x[int64 tensor]", lambda x: x[tg.tensor([3, 0, 3], dtype=tg.int64)], GRID),
    Op("x[bool mask]", lambda x: x[MASK], GRID),
    Op("x[bool row mask]", lambda x: x[np.array([True, False, True, True])], GRID),
    Op("outer", lambda a, b: a.outer(b), [((3,), (4,))]),
    Op("mv", lambda a, b: a.mv(b), [((2, 3), (3,))]),
    # matrix products: every combination of 1-d, 2-d and batched operands
    Op(
        "matmul",
        lambda a, b: a @ b,
        [
            ((3,), (3,)),  # dot product, a 0-d result
            ((3,), (3, 4)),  # vector @ matrix
            ((2, 3), (3,)),  # matrix @ vector
            ((2, 3), (3, 4)),
            ((5, 2, 3), (5, 3, 4)),  # batched @ batched
            ((5, 2, 3), (3, 4)),  # batched @ matrix: the matrix's gradient sums over the batch
            ((3,), (5, 3, 4)),  # vector @ batched
            ((5, 2, 3), (3,)),  # batched @ vector
            ((2, 1, 2, 3), (5, 3, 4)),  # batch dims (2, 1) and (5,) broadcast to (2, 5)
        ],
    ),
    Op("tg.matmul, ndarray @ tensor", lambda x: tg.matmul(x, x.T) + np.eye(3) @ x, [((3, 3),)]),
    Op("mm", lambda a, b: a.mm(b), [((2, 3), (3, 4)), ((1, 5), (5, 1))]),
    Op("tg.mm", lambda a, b: tg.mm(a, b), [((4, 2), (2, 3))]),
    Op("bmm", lambda a, b: a.bmm(b), [((3, 2, 4), (3, 4, 2)), ((1, 1, 3), (1, 3, 1))]),
    Op("addmm", lambda x, a, b: x.addmm(a, b, beta=0.5, alpha=2), [((4,), (3, 2), (2, 4)), ((3, 1), (3, 2), (2, 1))]),
    Op("tg.addmm beta=0", lambda x, a, b: tg.addmm(x, a, b, beta=0), [((3, 4), (3, 2), (2, 4))]),
    Op("addcmul", lambda x, a, b: x.addcmul(a, b, value=-0.5), [((3, 4), (3, 4), (3, 4)), ((3, 1), (4,), (3, 4))]),
    Op("addcdiv", lambda x, a, b: tg.addcdiv(x, a, b, value=2), [((3, 4), (4,), (3, 4))], positive=True),
    Op("mT", lambda x: x.mT, MATRIX),
    Op("select", lambda x: x.select(1, -2), GRID),
    Op(
        "Linear",
        lambda x, w, b: Linear.apply(x, w, b),
        [
            ((5, 3), (4, 3), (4,)),
            ((2, 5, 3), (4, 3), (4,)),  # leading batch dims
            ((3,), (4, 3), (4,)),  # one sample
        ],
    ),
    Op("Linear without bias", lambda x, w: Linear.apply(x, w), [((5, 3), (4, 3)), ((2, 5, 3), (4, 3))]),
    # convolution: each option alone, then together (the kernel is small, so finite differences stay cheap)
    Op("Conv2d", lambda x, w, b: Conv.apply(x, w, b), [((2, 3, 5, 4), (4, 3, 3, 2), (4,))]),
    Op("Conv2d without bias", lambda x, w: Conv.apply(x, w), [((1, 2, 4, 4), (3, 2, 2, 2))]),
    Op("Conv2d stride=2", lambda x, w: Conv.apply(x, w, stride=(2, 2)), [((1, 2, 6, 5), (3, 2, 3, 3))]),
    Op("Conv2d padding=(1, 2)", lambda x, w: Conv.apply(x, w, padding=(1, 2)), [((1, 2, 4, 3), (2, 2, 3, 3))]),
    Op("Conv2d dilation=2", lambda x, w: Conv.apply(x, w, dilation=(2, 2)), [((1, 2, 6, 6), (2, 2, 2, 3))]),
    Op("Conv2d groups=2", lambda x, w, b: Conv.apply(x, w, b, groups=2), [((2, 4, 4, 4), (6, 2, 2, 2), (6,))]),
    Op(
        "Conv2d all options",
        lambda x, w, b: Conv.apply(x, w, b, stride=(2, 1), padding=(1, 1), dilation=(1, 2), groups=2),
        [((1, 4, 5, 6), (2, 2, 3, 2), (2,))],
    ),
    Op("Conv 1-d", lambda x, w, b: Conv.apply(x, w, b, stride=(2,), padding=(1,)), [((2, 3, 7), (2, 3, 3), (2,))]),
    Op(
        "Conv 3-d all options",
        lambda x, w, b: Conv.apply(x, w, b, stride=(2, 1, 1), padding=(1, 0, 1), dilation=(1, 2, 1), groups=2),
        [((1, 4, 4, 5, 3), (2, 2, 2, 2, 2), (2,))],
    ),
    # the transposed convolution: Conv2d's col2im as the forward, its correlation as the input gradient
    Op("ConvTranspose2d", lambda x, w, b: ConvTranspose.apply(x, w, b), [((2, 3, 3, 4), (3, 2, 3, 2), (2,))]),
    Op(
        "ConvTranspose2d stride, output_padding",
        lambda x, w: ConvTranspose.apply(x, w, stride=(2, 3), output_padding=(1, 2)),
        [((1, 2, 3, 3), (2, 2, 2, 2))],
    ),
    Op(
        "ConvTranspose2d all options",
        lambda x, w, b: ConvTranspose.apply(
            x, w, b, stride=(2, 1), padding=(1, 1), output_padding=(1, 0), groups=2, dilation=(1, 2)
        ),
        [((1, 4, 3, 4), (4, 1, 3, 2), (2,))],
    ),
    Op(
        "ConvTranspose 3-d",
        lambda x, w, b: ConvTranspose.apply(x, w, b, stride=(2, 1, 2), padding=(1, 0, 0), output_padding=(1, 0, 0)),
        [((1, 2, 3, 2, 2), (2, 2, 2, 2, 3), (2,))],
    ),
    # resizing: index_select at PyTorch's source positions, blended for the linear modes
    Op(
        "F.interpolate nearest, nearest-exact",
        lambda x: F.interpolate(x, scale_factor=(1.5, 0.7)) * 2 + F.interpolate(x, size=(4, 2), mode="nearest-exact"),
        [((1, 2, 3, 4),)],
    ),
    Op(
        "F.interpolate bilinear, align_corners",
        lambda x: (
            F.interpolate(x, size=(5, 3), mode="bilinear")
            + F.interpolate(x, size=(5, 3), mode="bilinear", align_corners=True)
        ),
        [((2, 1, 3, 4),)],
    ),
    Op("F.interpolate linear", lambda x: F.interpolate(x, scale_factor=2.5, mode="linear"), [((2, 2, 3),)]),
    Op(
        "F.interpolate bilinear, bicubic antialias",
        lambda x: (
            F.interpolate(x, size=(3, 2), mode="bilinear", antialias=True)
            + F.interpolate(x, size=(3, 2), mode="bicubic", antialias=True)
        ),
        [((1, 2, 7, 5),)],
    ),
    Op("F.interpolate area", lambda x: F.interpolate(x, size=(2, 3), mode="area"), [((1, 2, 5, 4),)]),
    Op(
        "F.interpolate bicubic, align_corners",
        lambda x: (
            F.interpolate(x, size=(5, 3), mode="bicubic")
            + F.interpolate(x, size=(5, 3), mode="bicubic", align_corners=True)
        ),
        [((1, 2, 3, 4),)],
    ),
    # pooling: overlapping windows (stride < kernel) check that col2im adds where windows share a pixel
    Op("MaxPool2d", lambda x: MaxPool.apply(x, kernel_size=(2, 2), stride=(2, 2)), [((2, 3, 4, 6),)]),
    Op(
        "MaxPool2d overlapping, padded, dilated",
        lambda x: MaxPool.apply(x, kernel_size=(3, 2), stride=(1, 2), padding=(1, 1), dilation=(1, 2)),
        [((1, 2, 5, 6),)],
    ),
    Op(
        "MaxPool2d ceil_mode",
        lambda x: MaxPool.apply(x, kernel_size=(2, 2), stride=(2, 2), ceil_mode=True),
        [((1, 2, 5, 5),)],
    ),
    Op("AvgPool2d", lambda x: AvgPool.apply(x, kernel_size=(2, 3), stride=(1, 2)), [((2, 2, 4, 7),)]),
    Op(
        "AvgPool2d padded, ceil_mode, count_include_pad=False",
        lambda x: AvgPool.apply(
            x, kernel_size=(3, 3), stride=(2, 2), padding=(1, 1), ceil_mode=True, count_include_pad=False
        ),
        [((1, 2, 6, 5),)],
    ),
    Op(
        "MaxPool 3-d, AvgPool 3-d",
        lambda x: (
            MaxPool.apply(x, kernel_size=(2, 2, 3), stride=(1, 2, 2), padding=(1, 0, 1))
            + AvgPool.apply(x, kernel_size=(2, 2, 3), stride=(1, 2, 2), padding=(1, 0, 1), count_include_pad=False)
        ),
        [((1, 2, 3, 4, 5),)],
    ),
    Op(
        "MaxPool 1-d, AvgPool 1-d",
        lambda x: MaxPool.apply(x, kernel_size=(3,), stride=(2,)) + AvgPool.apply(x, kernel_size=(3,), stride=(2,)),
        [((2, 2, 7),)],
    ),
    Op("F.adaptive_avg_pool3d", lambda x: F.adaptive_avg_pool3d(x, (2, 3, 2)), [((1, 2, 3, 5, 4),)]),
    # adaptive pooling: output sizes that do not divide the input, so neighbouring cells share an input
    Op(
        "F.adaptive_avg_pool2d, adaptive_avg_pool1d",
        lambda x: F.adaptive_avg_pool2d(x, (3, 2)).sum(-1) + F.adaptive_avg_pool1d(x[:, :, 0], 3),
        [((2, 2, 5, 7),)],
    ),
    Op(
        "F.adaptive_max_pool2d, adaptive_max_pool1d",
        lambda x: F.adaptive_max_pool2d(x, (3, 2)).sum(-1) + F.adaptive_max_pool1d(x[:, :, 0], 3),
        [((2, 2, 5, 7),)],
    ),
    Op("F.adaptive_max_pool3d", lambda x: F.adaptive_max_pool3d(x, (2, 3, 2)), [((1, 2, 3, 5, 4),)]),
    Op("F.group_norm", lambda x, w, b: F.group_norm(x, 2, w, b), [((2, 4, 3), (4,), (4,))]),
    # attention: softmax(q k^T / sqrt(E) + mask) v; the bool mask leaves query 1 nothing to attend (weights 0)
    Op(
        "F.scaled_dot_product_attention",
        lambda q, k, v: F.scaled_dot_product_attention(q, k, v),
        [((2, 3, 4), (2, 5, 4), (2, 5, 3)), ((3, 4), (3, 4), (3, 2))],
    ),
    Op(
        "F.scaled_dot_product_attention causal, bool mask, float mask",
        lambda q, k, v, m: (
            F.scaled_dot_product_attention(q, k, v, is_causal=True)
            + F.scaled_dot_product_attention(q, k, v, attn_mask=np.tril(np.ones((4, 4), bool), -1))
            + F.scaled_dot_product_attention(q, k, v, attn_mask=m, scale=0.5)
        ),
        [((2, 4, 3), (2, 4, 3), (2, 4, 2), (4, 4))],
    ),
    # joining tensors
    Op("cat dim=0", lambda *xs: tg.cat(xs), [((2, 3), (1, 3), (3, 3)), ((2,), (3,))]),
    Op("cat dim=-1", lambda a, b: tg.cat([a, b], dim=-1), [((2, 3), (2, 4)), ((2, 2, 1), (2, 2, 3))]),
    Op("stack dim=0", lambda *xs: tg.stack(xs), [((3,), (3,)), ((), ()), ((2, 3), (2, 3), (2, 3))]),
    Op("stack dim=-1", lambda a, b: tg.stack([a, b], dim=-1), [((2, 3), (2, 3))]),
    # copies and dtype casts
    Op("clone", lambda x: x.clone(), UNARY),
    Op("Cast to float64", lambda x: Cast.apply(x, dtype=np.float64), UNARY),
    # through float32 and back: rounding to float32 needs a larger step for the finite differences
    Op("float() then double()", lambda x: x.float().double(), UNARY, options={"eps": 1e-3}),
]


# ---- the rest of PyTorch's surface (issue 13): trig, exp/log, rounding, scans, sorting, shape, indexing ----
# Inputs are mapped into each op's domain inside the row (x * 0.5 for asin, 1 + x for acosh); the
# piecewise-constant ops (floor, sign, ...) have gradient 0, which finite differences find too away
# from the jumps, and the draws keep |x| >= 0.3 away from them.
HALF = lambda x: x * 0.5  # noqa: E731  (|x * 0.5| <= 0.85: inside (-1, 1))
WEIGHT_4 = np.array([0.5, 1.0, 2.0, 1.5])  # class weights (and per-column weights for BCE)
CLASSES = np.array([0, 3, 1, 3, 2])  # class indices for 5 samples of 4 classes
INDEX_3x4 = np.array([[2, 0, 1, 1], [0, 2, 2, 0]])  # for scatter into (3, 4): rows picked along dim 0
ZEROS_2x4 = np.array([[0.0, 0.0, 1.0, 1.0], [1.0, 1.0, 1.0, 1.0]])  # zero factors for scatter_reduce "prod"
OPS += [
    Op("tan", lambda x: x.tan(), UNARY),
    Op("asin, acos", lambda x: HALF(x).asin() + HALF(x).acos() * 2, UNARY),
    Op("atan", lambda x: x.atan(), UNARY),
    Op("atan2", lambda a, b: tg.atan2(a, b), BINARY),
    Op("hypot", lambda a, b: a.hypot(b), BINARY),
    Op("sinh, cosh", lambda x: x.sinh() * 0.5 + x.cosh(), UNARY),
    Op("asinh", lambda x: x.asinh(), UNARY),
    Op("acosh of 1 + x", lambda x: (x + 1).acosh(), UNARY, positive=True),
    Op("atanh", lambda x: HALF(x).atanh(), UNARY),
    Op("exp2, expm1", lambda x: x.exp2() + tg.expm1(x), UNARY),
    Op("log2, log10", lambda x: x.log2() + tg.log10(x) * 3, UNARY, positive=True),
    Op("logaddexp", lambda a, b: tg.logaddexp(a, b), BINARY),
    Op("xlogy", lambda a, b: tg.xlogy(a, b), BINARY, positive=True),
    Op("erf", lambda x: x.erf(), UNARY),
    Op("erf beyond the series (|x| > 2.5)", lambda x: (x * 2.5).erf() + (x * 2.5).erfc(), UNARY),
    Op("erfc", lambda x: tg.erfc(x), UNARY),
    Op("reciprocal, rsqrt", lambda x: x.reciprocal() + x.rsqrt(), UNARY, positive=True),
    Op("lerp", lambda a, b: a.lerp(b, 0.3) + tg.lerp(b, a, b), BINARY),
    Op(
        "floor, ceil, round, trunc, sign (gradient 0)",
        lambda x: x.floor() + x.ceil() + x.round() + x.trunc() + x.sign() + x * 0.5,
        UNARY,
    ),
    Op("round decimals=1", lambda x: (x * 3.33).round(decimals=1) + x, UNARY),
    Op("frac", lambda x: (x * 3).frac(), UNARY),
    Op("copysign", lambda a, b: a.copysign(b), BINARY),
    Op("fmod", lambda a, b: tg.fmod(a * 3, b), BINARY),
    Op("remainder, %", lambda a, b: a.remainder(b) + (a * 3) % 0.7, BINARY),
    Op("nan_to_num", lambda x: (x.log() * 3).nan_to_num(), UNARY, positive=True),
    # reductions and scans
    Op("prod", lambda x: x.prod(), UNARY),
    Op("prod dim=1 keepdim", lambda x: x.prod(1, keepdim=True), MATRIX),
    Op("prod dim=0 with a zero", lambda x: (x * np.array([1.0, 0.0, 1.0, 1.0])).prod(1), [((3, 4),)]),
    Op("cumsum dim=1", lambda x: x.cumsum(1), MATRIX),
    Op("cumsum dim=0", lambda x: tg.cumsum(x, 0), UNARY),
    Op("cumprod dim=-1", lambda x: x.cumprod(-1), MATRIX),
    Op("cumprod with a zero", lambda x: (x * np.array([1.0, 1.0, 0.0, 1.0])).cumprod(-1), [((3, 4),)]),
    Op("logcumsumexp dim=1", lambda x: x.logcumsumexp(1), MATRIX),
    Op("cummax, cummin", lambda x: x.cummax(1).values + x.cummin(1).values, MATRIX),
    Op("std_mean, var_mean", lambda x: sum(tg.std_mean(x, 1)) + sum(tg.var_mean(x, correction=0)), MATRIX),
    Op(
        "norm, vector_norm ord=3, inf",
        lambda x: x.norm() + tg.linalg.vector_norm(x, 3, dim=-1).sum() + tg.linalg.vector_norm(x, float("inf")),
        MATRIX,
    ),
    # sorting and selection: a gather at the sorted places
    Op("sort, argsort", lambda x: x.sort(1).values + x.sort(0, descending=True).values.sum(0), MATRIX),
    Op("topk, kthvalue", lambda x: x.topk(2).values.sum(-1) + x.kthvalue(2, -1).values, MATRIX),
    Op("median", lambda x: x.median() + x.median(0).values.sum(), MATRIX),
    Op("mode (of distinct values: the smallest)", lambda x: x.mode(1).values, MATRIX),
    Op("F.gelu exact (erf)", lambda x: F.gelu(x), UNARY),
    # shape
    Op("flip", lambda x: x.flip(0, -1), MATRIX),
    Op("roll", lambda x: x.roll(1, 0) * x.roll((2, -1), (1, 0)) + x.roll(3), MATRIX),
    Op("repeat, tile", lambda x: x.repeat(2, 1, 3).sum(0) + x.tile((1, 3)), [((3, 4),)]),
    Op(
        "repeat_interleave",
        lambda x: x.repeat_interleave(2, dim=1).sum() + x.repeat_interleave(np.array([1, 0, 2])).sum(),
        [((3, 1),)],
    ),
    Op("tril, triu", lambda x: x.tril() + x.triu(1) * 2, MATRIX),
    Op(
        "diag, diagonal, trace",
        lambda x: x.diag(1).sum() + x.diagonal(-1).sum() + x.trace() + x.diag().diag(-1).sum(),
        [((4, 4),)],
    ),
    Op(
        "unflatten, unfold, narrow",
        lambda x: x.unflatten(1, (2, 2)).sum(1) + x.unfold(1, 2, 2).sum(-1) + x.narrow(1, 1, 2),
        [((3, 4),)],
    ),
    Op(
        "square, view, contiguous, clone",
        lambda x: x.square() + x.T.contiguous().view(4, 3).T * x.clone(),
        [((3, 4),)],
    ),
    Op("movedim, swapaxes", lambda x: x.movedim(0, -1) + x.swapaxes(0, 2).swapaxes(0, 1), CUBE),
    Op(
        "meshgrid, broadcast_tensors",
        lambda a, b: (
            sum(tg.meshgrid(a, b))
            + sum(tg.meshgrid(a, b, indexing="xy")).T
            + sum(tg.broadcast_tensors(a, b.reshape(4, 1))).T
        ),
        [((3,), (4,))],
    ),
    Op(
        "F.pad constant, reflect, replicate, circular",
        lambda x: (
            F.pad(x, (1, 2)).sum()
            + F.pad(x[None], (2, 1, 1, 0), "reflect").sum()  # (4 pads: a 3-d or 4-d input, as PyTorch)
            + F.pad(x, (1, 1), "replicate").sum()
            + F.pad(x[None], (2, 3, 1, 1), "circular").sum() * F.pad(x, (-1, 1), value=2.0).sum()
        ),
        [((3, 4),)],
    ),
    # indexing: writing into a copy, masks, take
    Op("scatter", lambda x, s: x.scatter(0, INDEX_3x4 % 3 + np.array([0, 1, 0, 1]) // 2, s), [((3, 4), (2, 4))]),
    Op("scatter value=", lambda x: x.scatter(1, np.array([[1], [0], [3]]), value=2.0), [((3, 4),)]),
    Op(
        "scatter_reduce sum, mean, include_self=False",
        lambda x, s: (
            x.scatter_reduce(0, INDEX_3x4, s, "sum") + x.scatter_reduce(0, INDEX_3x4, s, "mean", include_self=False)
        ),
        [((3, 4), (2, 4))],
    ),
    Op(
        "scatter_reduce amax, amin, prod",
        lambda x, s: (
            x.scatter_reduce(0, INDEX_3x4, s, "amax")
            + x.scatter_reduce(0, INDEX_3x4, s, "amin", include_self=False)
            + x.scatter_reduce(0, INDEX_3x4, s, "prod")
            + x.scatter_reduce(0, INDEX_3x4, s, "prod", include_self=False)
        ),
        [((3, 4), (2, 4))],
    ),
    Op(
        "scatter_reduce prod at zero factors",  # zeros: column 0 of self, src[0, 0] and src[0, 1]; (2, 0) has two
        lambda x, s: (x * (INDEX_3x4[0] != 2)).scatter_reduce(0, INDEX_3x4, s * ZEROS_2x4, "prod"),
        [((3, 4), (2, 4))],
    ),
    Op("scatter_add repeated", lambda x, s: x.scatter_add(0, INDEX_3x4, s), [((3, 4), (2, 4)), ((3, 4), (3, 5))]),
    Op(
        "index_select, index_add, index_copy",
        lambda x, s: (
            x.index_select(1, [3, 0, 3]).sum(1)[:, None]
            + x.index_add(0, [2, 2], s, alpha=2.0)
            + x.index_copy(0, np.array([1, 0]), s * 3)
        ),
        [((3, 4), (2, 4))],
    ),
    Op(
        "masked_fill, masked_select, masked_scatter",
        lambda x, s: x.masked_fill(MASK, 0.5).sum() + x.masked_select(MASK).sum() + x.masked_scatter(MASK, s),
        [((4, 5), (3, 5))],
    ),
    Op(
        "einsum matmul, batch, outer",
        lambda a, b: (
            tg.einsum("bij,jk->bik", a, b).sum(0) + tg.einsum("ij,kj", b, b).sum() * tg.einsum("bij->i", a)[:, None]
        ),
        [((2, 3, 4), (4, 5))],
    ),
    Op(
        "einsum with ...",
        lambda a, b: tg.einsum("...ij,...jk->...ik", a, b).sum(-1) + tg.einsum("...i->...", a),
        [((2, 3, 4), (2, 4, 5))],
    ),
    Op(
        "einsum trace, diagonal, repeated label",
        lambda x: tg.einsum("ii->", x) + tg.einsum("ii->i", x) * tg.einsum("ij,ij->i", x, x),
        [((3, 3),)],
    ),
    Op(
        "einsum ... broadcast, size-1 labels, sublist form",
        lambda a, b: (
            tg.einsum("...ij,...jk->...ik", a, b).sum(0)
            + tg.einsum("ij,jk->ik", a[0, 0, :, :1], b[0, :1])
            + tg.einsum(a[0, 0], [0, 1], b[1], [1, 2], [0, 2])
        ),
        [((2, 1, 3, 4), (5, 4, 2))],
    ),
    Op("einsum diagonal of a batch", lambda x: tg.einsum("bii->bi", x) + tg.einsum("iij->j", x), [((3, 3, 3),)]),
    # NumPy's forms of the surface ops (numpy_dispatch.py)
    Op(
        "np.tan, np.arcsinh, np.expm1, np.hypot, np.arctan2(ndarray, tensor)",
        lambda x: (
            np.tan(x * 0.5)
            + np.arcsinh(x)
            + np.expm1(x)
            + np.hypot(x, 0.5)
            + np.arctan2(np.linspace(-1.0, 1.0, x.shape[-1]), x)
        ),
        MATRIX,
    ),
    Op(
        "np.cumsum, np.prod, np.sort, np.flip, np.roll, np.trace",
        lambda x: (
            np.cumsum(x, axis=1) + np.prod(x, axis=0) + np.sort(x, axis=1) + np.flip(x) + np.roll(x, 1, 1) + np.trace(x)
        ),
        [((3, 4),)],
    ),
    # the fused losses (ops/loss.py): targets that require grad get a gradient too; probabilities for BCE
    # are drawn in [0.5, 2] and mapped into (0, 1)
    Op("F.mse_loss", lambda x, y: F.mse_loss(x, y), [((3, 4), (3, 4))]),
    Op(
        "F.mse_loss sum, none",
        lambda x, y: F.mse_loss(x, y, reduction="sum") + F.mse_loss(x, y, "none"),
        [((5,), (5,))],
    ),
    Op("F.l1_loss", lambda x, y: F.l1_loss(x, y) + F.l1_loss(x, y, reduction="none"), [((3, 4), (3, 4))]),
    Op(
        "F.binary_cross_entropy, weight=",
        lambda x, y: F.binary_cross_entropy(x / 2.5, y / 2.5) + F.binary_cross_entropy(x / 3, y / 3, WEIGHT_4, "sum"),
        [((3, 4), (3, 4))],
        positive=True,
    ),
    Op(
        "F.binary_cross_entropy_with_logits, weight=, pos_weight=",
        lambda x, y: (
            F.binary_cross_entropy_with_logits(x, y.sigmoid())
            + F.binary_cross_entropy_with_logits(x, y.sigmoid(), WEIGHT_4, "none", pos_weight=WEIGHT_4[::-1])
        ),
        [((3, 4), (3, 4))],
    ),
    Op(
        "F.cross_entropy, weight=, ignore_index, label_smoothing",
        lambda x: (
            F.cross_entropy(x, CLASSES)
            + F.cross_entropy(x, CLASSES, WEIGHT_4, reduction="sum", ignore_index=3)
            + F.cross_entropy(x, CLASSES, label_smoothing=0.2, reduction="none").sum()
        ),
        [((5, 4),)],
    ),
    Op("F.cross_entropy of probabilities", lambda x, q: F.cross_entropy(x, q.softmax(-1)), [((5, 4), (5, 4))]),
    Op("F.nll_loss", lambda x: F.nll_loss(x.log_softmax(-1), CLASSES, WEIGHT_4), [((5, 4),)]),
    Op(
        "take, take_along_dim",
        lambda x: x.take(np.array([[0, 7], [7, 19]])).sum() + x.take_along_dim(np.array([[1], [4], [0], [0]]), 1),
        GRID,
    ),
]


# ---- the losses written as Tensor ops (nn/loss_composite.py): input and target both differentiated ----
SIGNS = np.array([1.0, -1.0, -1.0])  # margin and embedding labels for 3 samples
OPS += [
    Op(
        "smooth_l1_loss, huber_loss",
        lambda x, y: F.smooth_l1_loss(x, y, beta=1.2) + F.huber_loss(x, y, reduction="sum", delta=0.8),
        [((3, 4), (3, 4))],
    ),
    Op(
        "kl_div batchmean, log_target",
        lambda x, y: F.kl_div(x.log_softmax(1), y, reduction="batchmean") + F.kl_div(x, y.log(), log_target=True),
        [((3, 4), (3, 4))],
        positive=True,
    ),
    Op(
        "margin_ranking_loss, cosine_embedding_loss",
        lambda a, b: (
            F.margin_ranking_loss(a[:, 0], b[:, 0], SIGNS, margin=0.2, reduction="sum")
            + F.cosine_embedding_loss(a, b, SIGNS, margin=-0.5)
        ),
        [((3, 4), (3, 4))],
    ),
    Op(
        "multilabel_soft_margin_loss",
        lambda x, y: F.multilabel_soft_margin_loss(x, y.sigmoid(), weight=np.array([0.5, 1.0, 2.0, 1.5])),
        [((3, 4), (3, 4))],
    ),
    Op(
        "gaussian_nll_loss full, var per sample",
        lambda x, y, v: F.gaussian_nll_loss(x, y, v, full=True) + F.gaussian_nll_loss(x, y, v[:, 0], reduction="sum"),
        [((3, 4), (3, 4), (3, 4))],
        positive=True,
    ),
    Op(
        "poisson_nll_loss log_input, full",
        lambda x, y: F.poisson_nll_loss(x, y * 2) + F.poisson_nll_loss(x, y * 2, log_input=False, full=True),
        [((3, 4), (3, 4))],
        positive=True,
    ),
]


# ---- compositions courses use (issue surface16): diff, nansum, rot90, cov, ... -----------------------------
NAN_AT = np.array([[True, False, False, False], [False, False, True, False], [False] * 4])  # over (3, 4)
OPS += [
    Op(
        "diff, diff n=2 prepend append",
        lambda x: x.diff() * 2 + tg.diff(x, 2, 0, prepend=x[:1] * 3, append=x[-1:]).sum(),
        [((3, 4),)],
    ),
    Op(
        "nansum, nanmean (nan where NAN_AT)",
        lambda x: (lambda y: y.nansum(1) + tg.nanmean(y, 1) + y.nanmean())(x.masked_fill(NAN_AT, float("nan"))),
        [((3, 4),)],
    ),
    Op("rot90 k=1, 2, 3", lambda x: x.rot90() * 1 + x.rot90(2, (1, 0)).t() * 2 + tg.rot90(x, -1) * 3, [((4, 4),)]),
    Op(
        "tensor_split sections, indices",
        lambda x: x.tensor_split(3, 1)[1].sum(1) * tg.tensor_split(x, [1, 2], 0)[2].sum(),
        [((3, 5),)],
    ),
    Op(
        "index_fill number, 0-d tensor",
        lambda x, v: x.index_fill(1, np.array([0, 2]), -1.0) * tg.index_fill(x, 0, np.array([1]), v),
        [((3, 4), ())],
    ),
    Op("aminmax", lambda x: (lambda m: m.min + 2 * m.max)(x.aminmax(dim=1)) + tg.aminmax(x).max, MATRIX),
    Op("logit, logit eps", lambda x: (x.abs() / 2).logit() + tg.logit(x.abs() / 2, eps=0.3), [((3, 4),)]),
    Op("deg2rad, rad2deg, dist", lambda x, y: tg.deg2rad(x) * x.rad2deg() + x.dist(y) + tg.dist(x, y, 3), BINARY[:2]),
    Op("inner", lambda a, b: a.inner(b) + tg.inner(a[0], b[1]).sum(), [((3, 4), (2, 4)), ((2, 3, 4), (4,))]),
    Op(
        "cdist p=2, p=1",
        lambda a, b: tg.cdist(a, b) + tg.cdist(a, b, p=1.0),
        [((3, 4), (2, 4)), ((2, 3, 4), (2, 5, 4))],
    ),
    Op(
        "hstack, vstack, dstack, column_stack",
        lambda x, y: (
            tg.hstack([x, y]).sum(1)
            + tg.vstack([x, y]).sum(0).sum()
            + tg.dstack([x, y]).sum((1, 2))
            + tg.column_stack([x[:, 0], y]).sum(0).sum()
        ),
        [((3, 4), (3, 4))],
    ),
    Op(
        "cov, corrcoef, weights",
        lambda x: (
            x.cov()
            + tg.corrcoef(x)
            + x.cov(correction=0, fweights=np.array([1, 2, 1, 3]), aweights=np.array([0.5, 1.0, 2.0, 1.5]))
        ),
        [((3, 4),)],
    ),
]


# ---- tensor_surface3.py: quantiles, kron, tensordot, integrals, block_diag, index_put, renorm, the addmm family --
QS = np.array([0.0, 0.3, 0.5, 1.0])
NAN_AT_3x5 = np.zeros((3, 5), dtype=bool)
NAN_AT_3x5[0, 1] = NAN_AT_3x5[2, 3] = NAN_AT_3x5[2, 4] = True
OPS += [
    Op(
        "quantile linear, q tensor, midpoint, nearest",
        lambda x: (
            x.quantile(0.3)
            + tg.quantile(x, tg.tensor(QS), dim=1).sum(0)[0]
            + x.quantile(0.5, dim=0, interpolation="midpoint").sum()
            + x.quantile(0.6, dim=-1, keepdim=True, interpolation="nearest").sum()
        ),
        [((3, 5),), ((2, 3, 5),)],
    ),
    Op(
        "nanquantile, nanmedian (nan where NAN_AT_3x5)",
        lambda x: (lambda y: y.nanquantile(0.4, dim=1) + tg.nanmedian(y, 1).values + y.nanmedian())(
            x.masked_fill(NAN_AT_3x5, float("nan"))
        ),
        [((3, 5),)],
    ),
    Op("kron", lambda a, b: a.kron(b), [((2, 3), (2, 2)), ((2,), (3, 2)), ((), (3,))]),
    Op(
        "tensordot dims=2, dims=lists",
        lambda a, b: tg.tensordot(a, b) + tg.tensordot(a, b, dims=([0, 2], [2, 1])).sum(),
        [((2, 3, 4), (3, 4, 2))],
    ),
    Op("tensordot dims=0", lambda a, b: tg.tensordot(a, b, 0), [((3,), (2,))]),
    Op(
        "trapezoid dx, x; cumulative_trapezoid",
        lambda y, x: (
            tg.trapezoid(y, dx=0.5) + tg.trapezoid(y, x.abs().cumsum(0)) + tg.cumulative_trapezoid(y, dim=1).sum(1)
        ),
        [((3, 4), (4,))],
    ),
    Op(
        "gradient spacing, coordinates, edge_order=2",
        lambda y: (
            tg.gradient(y)[0]
            + tg.gradient(y, spacing=0.5, dim=1)[0] * 2
            + tg.gradient(y, spacing=(tg.tensor([0.0, 0.5, 1.5, 1.75]),), dim=1, edge_order=2)[0]
            + tg.gradient(y, spacing=[2.0, 3.0], edge_order=2)[1]
        ),
        [((3, 4),)],
    ),
    Op(
        "gradient at coordinates that require grad",
        lambda y, c: (
            tg.gradient(y, spacing=[c.abs().cumsum(0)], dim=1)[0]
            + tg.gradient(y, spacing=[c.abs().cumsum(0)], dim=1, edge_order=2)[0]
        ),
        [((3, 4), (4,))],
    ),
    Op("block_diag", lambda a, b, c: tg.block_diag(a, b, c), [((2, 3), (2,), ())]),
    Op("cartesian_prod", lambda a, b: tg.cartesian_prod(a, b), [((3,), (2,))]),
    Op(
        "combinations r=2, r=3 with_replacement",
        lambda x: tg.combinations(x).sum(1) * 2 + tg.combinations(x, 3, True).sum(),
        [((4,),)],
    ),
    Op("vander", lambda x: tg.vander(x) + tg.vander(x, increasing=True), [((4,),)]),
    Op(
        "index_put, accumulate, index_put_",
        lambda x, v: (
            x.index_put((np.array([0, 2]), np.array([1, 3])), v)
            + tg.index_put(x, (np.array([1, 1]), np.array([0, 0])), v[0] * v, accumulate=True)
            + (x * 2).index_put_((np.array([2]),), v.sum(), accumulate=True)
        ),
        [((3, 4), (2,))],
    ),
    Op("renorm p=2, p=1", lambda x: x.renorm(2, 0, 1.5) + tg.renorm(x, 1, 1, 2.0), [((3, 4),)]),
    Op("renorm p=inf", lambda x: x.renorm(float("inf"), 2, 1.0), [((2, 3, 4),)]),
    Op(
        "diag_embed, diagflat",
        lambda x: x.diag_embed(1).sum(0) + tg.diag_embed(x[0], -1) + tg.diagflat(x[:, :2], 1)[:5, :5],
        [((3, 4),)],
    ),
    Op("narrow_copy", lambda x: x.narrow_copy(1, 1, 2) * tg.narrow_copy(x, 1, 0, 2), [((3, 4),)]),
    Op("ldexp", lambda x, e: x.ldexp(e) + tg.ldexp(x, np.array([1, -2, 0, 3])), [((3, 4), (4,))]),
    Op("logaddexp2", lambda a, b: a.logaddexp2(b) + tg.logaddexp2(b, a), BINARY[:3]),
    Op("float_power", lambda x, e: x.float_power(e) + tg.float_power(x, 3), [((3, 4), (4,))], positive=True),
    Op(
        "addbmm, baddbmm",
        lambda x, a, b: x.addbmm(a, b, beta=0.5, alpha=2) + tg.baddbmm(x, a, b, alpha=-1).sum(0),
        [((2, 4), (3, 2, 5), (3, 5, 4))],
    ),
    Op(
        "addmv, addr",
        lambda x, m, v: tg.addmv(x[:, 0], m, v, beta=2) + x.addr(m[:, 0], v, alpha=0.5).sum(1),
        [((3, 4), (3, 4), (4,))],
    ),
    Op("chain_matmul", lambda a, b, c: tg.chain_matmul(a, b, c), [((2, 3), (3, 4), (4, 2))]),
    Op(
        "take_along_dim broadcast, dim=None",
        lambda x: x.take_along_dim(np.array([[0, 2, 2]]), 1).sum(0) + tg.take_along_dim(x, np.array([5, 0, 5])),
        [((3, 4),)],
    ),
]


# ---- torch.special (ops/special.py): each op's gradient, and through _special its second derivative too -----
OPS += [
    Op(
        "lgamma, special.gammaln of negatives",
        lambda x: x.lgamma() + tg.special.gammaln(x * 0.4 - 1),
        UNARY,
        positive=True,
    ),
    Op(
        "digamma, special.psi of negatives", lambda x: tg.digamma(x) + tg.special.psi(x * 0.4 - 1), UNARY, positive=True
    ),
    Op("polygamma n=1, 2", lambda x: tg.polygamma(1, x) + x.polygamma(2) * 0.5, UNARY, positive=True),
    Op(
        "mvlgamma p=2, multigammaln p=3",
        lambda x: (x + 0.5).mvlgamma(2) + tg.special.multigammaln(x + 1.5, 3),
        UNARY,
        positive=True,
    ),
    Op("erfinv center and tails", lambda x: (x / 2).erfinv() + tg.erfinv(x / 1.8), UNARY),
    Op("special.erfcx both branches", lambda x: tg.special.erfcx(x * 3), UNARY),
    Op("special.log_ndtr, ndtr", lambda x: tg.special.log_ndtr(x * 3) + tg.special.ndtr(x * 2), UNARY),
    Op("special.ndtri", lambda x: tg.special.ndtri(x / 2.5), UNARY, positive=True),
    Op("i0, special.i1", lambda x: tg.i0(x * 2) + tg.special.i1(x * 3), UNARY),
    Op("special.i0e, i1e, series and asymptotic", lambda x: tg.special.i0e(x * 25) + tg.special.i1e(x * 24), UNARY),
    Op("sinc", lambda x: x.sinc() + tg.special.sinc(x * 3), UNARY),
    Op("special.entr", lambda x: tg.special.entr(x), UNARY, positive=True),
    Op("special.xlog1py", lambda a, b: tg.special.xlog1py(a, b), BINARY, positive=True),
    Op(
        "igamma, special.gammaincc (gradient in x)",
        lambda x: tg.igamma(tg.tensor(2.5, dtype=tg.float64), x * 2) + tg.special.gammaincc(0.7, x * 4),
        UNARY,
        positive=True,
    ),
    Op(
        "special.zeta (gradient in q)",
        lambda q: tg.special.zeta(3.0, q) + tg.special.zeta(2.5, q + 1),
        UNARY,
        positive=True,
    ),
]


# ---- torch.linalg's matrix functions (ops/decompositions.py, linalg_decompositions.py) ----------------------
# Inputs kept well-conditioned: a random A + 3 I is far from singular; M M^T + 3 I (or M + M^T for eigh) is
# symmetric (positive-definite), as cholesky and eigh ask. eigh's and svd's vectors have arbitrary signs: each
# row checks functions that do not depend on them (the values, U diag(S) Vh, |U|, |V|).
EYE3 = 3 * np.eye(3)


def _svd_rebuilt(r: Any) -> tg.Tensor:
    """U diag(S) Vh: the input again, from the reduced SVD (sign-free)."""
    return r.U * r.S.unsqueeze(-2) @ r.Vh


def _svd_abs_product(r: Any) -> tg.Tensor:
    """|U| diag(S) |Vh| over the first k = len(S) columns of U and rows of Vh (with full_matrices, the rest are
    any basis of their subspace: no gradient flows to them)."""
    k = r.S.shape[-1]
    return r.U[..., :, :k].abs() * r.S.unsqueeze(-2) @ r.Vh[..., :k, :].abs()


OPS += [
    Op("linalg.inv", lambda a: tg.linalg.inv(a + EYE3), [((3, 3),), ((2, 3, 3),)]),
    Op(
        "linalg.det, Tensor.det",
        lambda a: tg.linalg.det(a + EYE3) + (a / 2 + np.eye(3)).det(),
        [((3, 3),), ((2, 3, 3),)],
    ),
    Op(
        "linalg.det of a singular matrix (row 2 = 2 * row 1)",
        lambda a: tg.linalg.det(tg.stack([a[0], a[1], a[1] * 2])),
        [((3, 3),)],
    ),
    Op(
        "linalg.slogdet logabsdet, logdet of M M^T + I",
        lambda a: tg.linalg.slogdet(a + EYE3).logabsdet + (a @ a.mT + np.eye(3)).logdet(),
        [((3, 3),), ((2, 3, 3),)],
    ),
    Op(
        "linalg.solve B a matrix, batches broadcast",
        lambda a, b: tg.linalg.solve(a + EYE3, b),
        [((3, 3), (3, 2)), ((2, 3, 3), (3, 2)), ((3, 3), (2, 3, 2)), ((2, 1, 3, 3), (4, 3, 1))],
    ),
    Op("linalg.solve B a vector", lambda a, b: tg.linalg.solve(a + EYE3, b), [((3, 3), (3,)), ((2, 3, 3), (2, 3))]),
    Op("linalg.solve left=False", lambda a, b: tg.linalg.solve(a + EYE3, b, left=False), [((3, 3), (2, 3))]),
    Op(
        "linalg.cholesky of M M^T + 3I, upper=True",
        lambda m: tg.linalg.cholesky(m @ m.mT + EYE3) + 2 * tg.linalg.cholesky(m @ m.mT + EYE3, upper=True),
        [((3, 3),), ((2, 3, 3),)],
    ),
    Op(
        "linalg.qr reduced Q and R (tall, square, wide)",
        lambda a: (lambda r: r.Q.sum(-1) * 2 + r.R.sum(-2).sum(-1, keepdim=True))(tg.linalg.qr(a)),
        [((4, 3),), ((3, 3),), ((2, 3, 5),)],
    ),
    Op(
        "linalg.qr complete (square), mode r",
        lambda a: tg.linalg.qr(a, "complete").Q * 2 + tg.linalg.qr(a, "r").R,
        [((3, 3),)],
    ),
    Op(
        "linalg.eigh values, |vectors| of M + M^T; eigvalsh UPLO=U",
        lambda m: (
            (lambda r: r.eigenvalues.unsqueeze(-2) * r.eigenvectors.abs())(tg.linalg.eigh(m + m.mT))
            + tg.linalg.eigvalsh(m + m.mT, UPLO="U").unsqueeze(-1)
        ),
        [((3, 3),), ((2, 4, 4),)],
    ),
    Op(
        "linalg.svd U diag(S) Vh, |U| @ |Vh|, S (tall, wide)",
        lambda a: _svd_rebuilt(tg.linalg.svd(a, full_matrices=False)) + _svd_abs_product(tg.linalg.svd(a)),
        [((4, 3),), ((3, 5),), ((2, 3, 4),)],
    ),
    Op(
        "linalg.svdvals, matrix_norm nuc, 2, -2",
        lambda a: (
            tg.linalg.svdvals(a).sum(-1)
            + tg.linalg.matrix_norm(a, "nuc")
            + tg.linalg.matrix_norm(a, 2)
            + tg.linalg.matrix_norm(a, -2, keepdim=True).reshape(a.shape[:-2])
        ),
        [((3, 4),), ((2, 4, 3),)],
    ),
    Op("linalg.pinv, Tensor.pinverse", lambda a: tg.linalg.pinv(a) + a.pinverse(), [((4, 3),), ((2, 3, 5),)]),
    Op(
        "linalg.pinv hermitian of M M^T + I",
        lambda m: tg.linalg.pinv(m @ m.mT + np.eye(3), hermitian=True),
        [((3, 3),)],
    ),
    Op("linalg.lstsq solution", lambda a, b: tg.linalg.lstsq(a, b).solution, [((4, 3), (4, 2)), ((2, 5, 3), (5,))]),
    Op(
        "linalg.matrix_norm fro, 1, -1, inf, -inf; norm with a 2-tuple dim",
        lambda a: (
            tg.linalg.matrix_norm(a)
            + tg.linalg.matrix_norm(a, 1)
            + tg.linalg.matrix_norm(a, -1)
            + tg.linalg.matrix_norm(a, float("inf"))
            + tg.linalg.matrix_norm(a, -float("inf"))
            + tg.linalg.norm(a, 1, dim=(-1, -2))
        ),
        [((3, 4),), ((2, 3, 4),)],
    ),
    Op(
        "linalg.matrix_power 0, 1, 3, -2",
        lambda a: sum(tg.linalg.matrix_power(a + EYE3, n) for n in (0, 1, 3, -2)),
        [((3, 3),), ((2, 3, 3),)],
    ),
    Op(
        "linalg.cross, vecdot, diagonal",
        lambda a, b: (
            tg.linalg.cross(a, b) * tg.linalg.vecdot(a, b).unsqueeze(-1)
            + tg.linalg.diagonal(a.unsqueeze(-1) * b.unsqueeze(-2))
        ),
        [((3,), (3,)), ((2, 3), (1, 3)), ((4, 1, 3), (1, 2, 3))],
    ),
    Op(
        "linalg.multi_dot (vector ends)", lambda a, b, c: tg.linalg.multi_dot([a, b, c, b.mT]), [((3,), (3, 4), (4, 4))]
    ),
    Op(
        "linalg.cond 2, 1; solve_triangular upper, unitriangular; vander",
        lambda a, b: (
            (tg.linalg.cond(a) + tg.linalg.cond(a + EYE3, 1))[..., None, None]
            + tg.linalg.solve_triangular(a + EYE3, b, upper=True)
            + tg.linalg.solve_triangular(a, b, upper=False, unitriangular=True)
            + tg.linalg.vander(b[..., 0])
        ),
        [((3, 3), (3, 3)), ((2, 3, 3), (3, 3))],
    ),
    Op(
        "np.linalg.inv, solve, det, svd on tensors (numpy_dispatch.py)",
        lambda a, b: (
            np.linalg.inv(a + EYE3)
            + np.linalg.solve(a + EYE3, b)
            + np.expand_dims(np.linalg.det(a + EYE3), (-1, -2))
            + np.linalg.svd(a, full_matrices=False)[1].sum()
        ),
        [((3, 3), (3, 3)), ((3, 3), (3,)), ((2, 3, 3), (2, 3, 1))],
    ),
    Op(
        "Tensor.inverse, matrix_power, cholesky, qr, svd",
        lambda a: (
            (a + EYE3).inverse()
            + (a + EYE3).matrix_power(2)
            + (a @ a.mT + EYE3).cholesky()
            + a.qr().R
            + (lambda r: r.U * r.S.unsqueeze(-2) @ r.V.mT)(a.svd())
        ),
        [((3, 3),)],
    ),
]


# ---- torch's remaining top-level functions (functional_top*.py, func.py): compositions of the ops above --------
OPS += [
    Op("fmax, fmin", lambda a, b: tg.fmax(a, b) + tg.fmin(a, b) * 0.5, BINARY),
    Op("angle (gradient zero), times x", lambda x: x * tg.angle(x) + x, UNARY),
    Op("vdot", lambda a, b: tg.vdot(a, b), [((5,), (5,))]),
    Op("ger", lambda a, b: tg.ger(a, b), [((3,), (4,))]),
    Op("rsub alpha=2, tensor and number", lambda a, b: tg.rsub(a, b, alpha=2) + tg.rsub(a, 3.0), BINARY),
    Op(
        "hsplit, vsplit, dsplit",
        lambda x: tg.hsplit(x, 3)[1].exp().sum() + (tg.vsplit(x, 2)[0] ** 2).sum() + tg.dsplit(x, [1])[1].sin().sum(),
        CUBE,
    ),
    Op("select_scatter dim=1", lambda x, s: tg.select_scatter(x, s, 1, -1) * x, [((3, 4), (3,))]),
    Op(
        "slice_scatter start, end, step",
        lambda x, s: tg.slice_scatter(x, s, dim=1, start=1, end=None, step=2) * x,
        [((3, 5), (3, 2))],
    ),
    Op("diagonal_scatter offset=1", lambda x, s: tg.diagonal_scatter(x, s, 1) * x, [((3, 4), (3,))]),
    Op("diagonal_scatter dims 0, 2", lambda x, s: tg.diagonal_scatter(x, s, -1, 0, 2), [((3, 2, 3), (2, 2))]),
    Op(
        "index_reduce prod, mean (include_self both)",
        lambda x, s: (
            tg.index_reduce(x, 0, tg.tensor([0, 2, 0]), s, "prod")
            + tg.index_reduce(x, 0, tg.tensor([1, 1, 3]), s, "mean", include_self=False)
        ),
        [((4, 5), (3, 5))],
    ),
    Op(
        "index_reduce amax, amin along dim 1",
        lambda x, s: (
            x.index_reduce(1, tg.tensor([2, 0]), s, "amax")
            + tg.index_reduce(x, 1, tg.tensor([1, 1]), s, "amin", include_self=False)
        ),
        [((3, 4), (3, 2))],
    ),
    Op(
        "put, accumulate both",
        lambda x, s: tg.put(x, tg.tensor([0, 5, -1]), s) + x.put(tg.tensor([1, 1, 2]), s * s, accumulate=True),
        [((3, 4), (3,))],
    ),
    Op("fill with a tensor value", lambda x, v: tg.fill(x, v) * x, [((3, 4), ())]),
    Op("vmap of a row function", lambda x, w: tg.vmap(lambda r, v: (r * v).sum().sin())(x, w), [((3, 4), (3, 4))]),
    Op(
        "vmap in_dims=(1, None), out_dims=1",
        lambda x, w: tg.vmap(lambda c, v: c * v.sum(), in_dims=(1, None), out_dims=1)(x, w),
        [((3, 4), (2,))],
    ),
]


# ---- the nn-extra block (nn/distance.py, activation_more.py, shuffle.py, normalization_extra.py, fold.py, ...) ----
MARGIN_CLASSES = np.array([3, 0, 2])  # class targets for 3 samples of 4 classes
UNPOOL_IMAGE = tg.tensor(np.random.default_rng(7).standard_normal((1, 2, 4, 4)))  # where max_unpool puts values
MARGIN_LABELS = np.array([[3, 0, -1, 1], [1, 2, 0, 3], [2, -1, 0, 0]])  # multi-label targets, each row ends at -1


def seeded(fn: Callable[..., tg.Tensor], seed: int = 0) -> Callable[..., tg.Tensor]:
    """fn with the generator reseeded before each call: a random op draws the same noise for every evaluation."""

    def call(*inputs: Any, **options: Any) -> tg.Tensor:
        tg.manual_seed(seed)
        return fn(*inputs, **options)

    return call


OPS += [
    Op("normalize p=2, p=3", lambda x: F.normalize(x, dim=-1) + F.normalize(x, 3.0, dim=0), MATRIX),
    Op(
        "cosine_similarity broadcast",
        lambda a, b: F.cosine_similarity(a, b, dim=-1),
        [((3, 4), (3, 4)), ((3, 4), (4,))],
    ),
    Op(
        "pairwise_distance p=2, p=1 keepdim",
        lambda a, b: F.pairwise_distance(a, b) + F.pairwise_distance(a, b, 1.0, keepdim=True).sum(),
        [((3, 4), (3, 4))],
    ),
    Op("pdist p=2, p=3", lambda x: F.pdist(x) + F.pdist(x, 3.0), [((4, 3),)]),
    Op("glu", lambda x: F.glu(x, 1), [((3, 4),), ((2, 6, 3),)]),
    Op(
        "softshrink, hardshrink, tanhshrink",
        lambda x: F.softshrink(x, 0.25) + F.hardshrink(x, 1.0) + F.tanhshrink(x),
        UNARY,
    ),
    Op("rrelu eval, training (seeded)", lambda x: F.rrelu(x) + seeded(F.rrelu)(x, 0.1, 0.3, True), UNARY),
    Op(
        # (hard=True passes the soft sample's gradient through a one-hot value on purpose, so finite differences,
        # which see the constant one-hot, cannot check it: test_torch_parity_nn_extra.py checks it instead)
        "gumbel_softmax tau=0.5, dim=0 (seeded)",
        lambda x: seeded(F.gumbel_softmax)(x, 0.5) * seeded(F.gumbel_softmax, 1)(x, dim=0),
        MATRIX,
    ),
    Op("alpha_dropout training (seeded)", lambda x: seeded(F.alpha_dropout)(x, 0.3, True), CUBE),
    Op(
        "pixel_shuffle, pixel_unshuffle, channel_shuffle",
        lambda x: (
            F.pixel_shuffle(x, 2).reshape(1, 4, 2, 2) * F.pixel_unshuffle(x, 2).reshape(1, 4, 2, 2)
            + F.channel_shuffle(x, 2)
        ),
        [((1, 4, 2, 2),)],
    ),
    Op(
        "padding modules reflect, replicate, circular, constant",
        lambda x: (
            nn.ReflectionPad2d((1, 2, 0, 1))(x).sum()
            + nn.ReplicationPad1d(2)(x) * 2
            + nn.CircularPad1d((1, 3))(x)
            + nn.ConstantPad1d((2, 2), 0.5)(x)
        ),
        [((1, 3, 4),)],
    ),
    Op(
        "instance_norm affine, rms_norm, local_response_norm",
        lambda x, w: (
            F.instance_norm(x, weight=w, bias=w * 2)
            + F.rms_norm(x, (4,), w[:1].expand(4) + 1)
            + F.local_response_norm(x, 2, 0.5, 0.75, 1.0)
        ),
        [((2, 3, 4), (3,))],
    ),
    Op(
        "unfold, fold",
        lambda x: (
            F.unfold(x, 2, padding=1, stride=(1, 2)).sum()
            + F.fold(F.unfold(x, 2, dilation=(1, 2)), (3, 4), 2, dilation=(1, 2))
        ),
        [((1, 2, 3, 4),)],
    ),
    Op("fold overlapping", lambda c: F.fold(c, (3, 3), 2), [((1, 4, 4),)]),
    Op(
        "max_unpool2d, max_unpool1d",
        # (the indices come from a fixed image: max_pool's indices are data, which tg.compile cannot trace)
        lambda x: (
            F.max_unpool2d(F.max_pool2d(x, 2), F.max_pool2d_with_indices(UNPOOL_IMAGE, 2)[1], 2).sum()
            + F.max_unpool1d(F.max_pool1d(x[0], 2), F.max_pool1d_with_indices(UNPOOL_IMAGE[0], 2)[1], 2)
        ),
        [((1, 2, 4, 4),)],
    ),
    Op(
        "lp_pool1d p=2, lp_pool2d p=3",
        lambda x: F.lp_pool1d(x[0], 2, 2).sum() + F.lp_pool2d(x, 3, 2),
        [((1, 2, 4, 4),)],
        positive=True,
    ),
    Op("bilinear", lambda a, b, w, c: F.bilinear(a, b, w, c), [((3, 2), (3, 4), (5, 2, 4), (5,))]),
    Op(
        "hinge_embedding_loss, soft_margin_loss",
        lambda x: F.hinge_embedding_loss(x, SIGNS, margin=0.9) + F.soft_margin_loss(x, SIGNS, reduction="sum"),
        [((3,),)],
    ),
    Op(
        "multi_margin_loss p=1, p=2 weight; multilabel_margin_loss",
        lambda x: (
            F.multi_margin_loss(x, MARGIN_CLASSES)
            + F.multi_margin_loss(x, MARGIN_CLASSES, p=2, margin=0.5, weight=np.array([0.5, 1.0, 2.0, 1.5]))
            + F.multilabel_margin_loss(x, MARGIN_LABELS, reduction="sum")
        ),
        [((3, 4),)],
    ),
    Op(
        "triplet_margin_loss swap, triplet_margin_with_distance_loss",
        lambda a, p, n: (
            F.triplet_margin_loss(a, p, n, margin=2.0, swap=True)
            + F.triplet_margin_with_distance_loss(
                a, p, n, distance_function=lambda u, v: 1 - F.cosine_similarity(u, v), margin=1.5
            )
        ),
        [((3, 4), (3, 4), (3, 4))],
    ),
]


def draw(shape: Shape, positive: bool, rng: np.random.Generator) -> tg.Tensor:
    """A float64 input that requires grad, with values 0.3 <= |x| <= 1.7 (or in [0.5, 2] if positive).

    Keeping |x| >= 0.3 keeps abs and relu away from their kink at 0, and continuous random values
    are distinct (no ties for max and min) and miss clamp's bounds by far more than gradcheck's step.
    """
    if positive:
        values = rng.uniform(0.5, 2.0, size=shape)
    else:
        values = rng.uniform(0.3, 1.7, size=shape) * rng.choice([-1.0, 1.0], size=shape)
    return tg.tensor(values, dtype=tg.float64, requires_grad=True)


CASES = [
    pytest.param(op, shapes, id=f"{op.name}-{'&'.join(str(s) for s in shapes)}") for op in OPS for shapes in op.shapes
]


@pytest.mark.parametrize("op, shapes", CASES)
def test_gradient_matches_finite_differences(op: Op, shapes: tuple[Shape, ...]) -> None:
    rng = np.random.default_rng(0)
    inputs = [draw(shape, op.positive, rng) for shape in shapes]
    assert tg.gradcheck(op.fn, inputs, **op.options)


# Rows whose ops cannot be differentiated twice, with the reason: gradgradcheck must raise the engine's clear
# error for them (never a wrong second derivative). Every op of the library has double backward now, so the
# list is empty; the custom ops below show what the error looks like.
NO_DOUBLE_BACKWARD: dict[str, str] = {}


@pytest.mark.parametrize("op, shapes", CASES)
def test_second_derivative_matches_finite_differences_of_the_gradient(op: Op, shapes: tuple[Shape, ...]) -> None:
    rng = np.random.default_rng(0)
    inputs = [draw(shape, op.positive, rng) for shape in shapes]
    if op.name in NO_DOUBLE_BACKWARD:
        with pytest.raises(RuntimeError, match="double backward through .* is not supported"):
            tg.gradgradcheck(op.fn, inputs, **op.options)
    else:
        assert tg.gradgradcheck(op.fn, inputs, **op.options)


def test_no_double_backward_names_only_rows_of_the_table():
    assert set(NO_DOUBLE_BACKWARD) <= {op.name for op in OPS}


def test_the_table_covers_every_op_the_engine_defines():
    """Adding an op class to tinygrad_edu/ops without a row here fails this test."""
    import inspect

    from tinygrad_edu import ops
    from tinygrad_edu.autograd import graph_functions
    from tinygrad_edu.ops import loss

    defined = {
        name
        for module in (ops, loss)  # (the fused losses are not re-exported by ops)
        for name, cls in vars(module).items()
        if inspect.isclass(cls) and issubclass(cls, tg.Function) and cls is not tg.Function
    }
    covered = set()
    rng = np.random.default_rng(0)
    for op in OPS:
        for shapes in op.shapes:
            out = op.fn(*[draw(shape, op.positive, rng) for shape in shapes])
            for output in out if isinstance(out, tuple) else (out,):
                if output.grad_fn is not None:
                    covered |= {fn.name for fn in graph_functions(output)}
    assert defined - covered - NO_DERIVATIVE == set(), f"ops with no gradcheck row: {sorted(defined - covered)}"


# ops whose backward raises, as PyTorch's (each with a test that it does: test_torch_parity_surface.py)
NO_DERIVATIVE = {"FloorDivide"}


# ---- gradcheck itself must catch a wrong backward, and say where ---------------------------------


class WrongMul(tg.Function):
    """a * b, with a deliberately wrong gradient for b: a * a instead of a."""

    def forward(self, a, b):
        self.save(a, b)
        return a * b

    def backward(self, grad_out):
        a, b = self.saved
        return grad_out * b, grad_out * a * a  # d(a b)/db is a, not a^2


def wrong_mul(a: tg.Tensor, b: tg.Tensor) -> tg.Tensor:
    return WrongMul.apply(a, b)


def test_gradcheck_reports_a_wrong_backward_with_input_element_and_both_values() -> None:
    a = tg.tensor([[1.0, 2.0], [-3.0, 0.5]], dtype=tg.float64, requires_grad=True)
    b = tg.tensor([[1.0, 1.0], [1.0, 1.0]], dtype=tg.float64, requires_grad=True)
    # d out[k] / d b[k] is a[k] but the op says a[k]^2: the worst entry is a = -3 at element (1, 0),
    # where the op claims 9 and finite differences find -3.
    with pytest.raises(tg.GradcheckError) as caught:
        tg.gradcheck(wrong_mul, [a, b])
    message = str(caught.value)
    assert "wrong_mul" in message
    assert "input[1]" in message  # the second input (b), not the first
    assert "(1, 0)" in message  # the element of b
    numbers = [float(n) for n in re.findall(r"= (-?[\d.]+(?:e[-+]?\d+)?)", message)]
    assert any(abs(n - 9.0) < 1e-6 for n in numbers), message  # the analytic value
    assert any(abs(n + 3.0) < 1e-6 for n in numbers), message  # the numerical value


def test_gradcheck_returns_false_instead_of_raising_when_asked() -> None:
    a = tg.tensor([2.0, 3.0], dtype=tg.float64, requires_grad=True)
    b = tg.tensor([1.0, 1.0], dtype=tg.float64, requires_grad=True)
    assert tg.gradcheck(wrong_mul, [a, b], raise_exception=False) is False
    # the first input's gradient is right: checking it alone passes
    b.requires_grad_(False)
    assert tg.gradcheck(wrong_mul, [a, b], raise_exception=False) is True


def test_gradcheck_checks_float32_inputs_in_float64() -> None:
    # float32 finite differences with eps = 1e-6 would be noise; gradcheck copies inputs to float64.
    x = tg.tensor([0.1, 0.7, 1.3], requires_grad=True)
    assert x.dtype == np.float32
    assert tg.gradcheck(lambda x: (x * x).exp(), [x])


class NanBackward(tg.Function):
    """x * 2 whose backward returns NaN for the first element: a bug gradcheck must catch."""

    def forward(self, x):
        return x * 2

    def backward(self, grad_out):
        grad = grad_out * 2
        grad[..., 0] = np.nan
        return grad


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
@pytest.mark.parametrize(
    "name, fn, values",
    [
        ("a backward that returns NaN", lambda x: NanBackward.apply(x), [1.0, 2.0]),
        ("x ** 0.5 at 0 (inf against a NaN difference)", lambda x: x**0.5, [0.0, 1.0]),
        ("sqrt at 0", lambda x: x.sqrt(), [0.0, 1.0]),
    ],
)
def test_gradcheck_fails_where_one_jacobian_is_not_finite_and_the_other_differs(name, fn, values) -> None:
    x = tg.tensor(values, dtype=tg.float64, requires_grad=True)
    with pytest.raises(tg.GradcheckError, match="not finite") as caught:
        tg.gradcheck(fn, [x])
    assert "(0,)" in str(caught.value)  # the element at fault
    assert tg.gradcheck(fn, [x], raise_exception=False) is False


# ---- double backward: what the engine refuses, and gradgradcheck catching a wrong second derivative ----


class SavesAnIntermediate(tg.Function):
    """exp(x) * 2 that saves exp(x), which is neither its input nor its output, for backward."""

    def forward(self, x):
        e = np.exp(x)
        self.save(e)
        return e * 2

    def backward(self, grad_out):
        (e,) = self.saved
        return grad_out * 2 * e


class CallsNumPyTensorsLack(tg.Function):
    """x * 2 whose backward calls np.kron, a NumPy function that has no Tensor form."""

    def forward(self, x):
        return x * 2

    def backward(self, grad_out):
        return np.kron(grad_out, np.ones(1)) * 2


@pytest.mark.parametrize(
    "op, why",
    [
        (SavesAnIntermediate, "neither an input nor the output"),
        (CallsNumPyTensorsLack, "np.kron is not supported on a Tensor"),
    ],
)
def test_double_backward_through_an_op_that_cannot_do_it_raises_naming_the_op(op, why) -> None:
    x = tg.tensor([0.5, 1.5], dtype=tg.float64, requires_grad=True)
    y = op.apply(x).sum()
    assert tg.gradcheck(lambda x: op.apply(x), [x])  # its first derivative is right
    with pytest.raises(RuntimeError, match=f"double backward through {op.__name__} is not supported: .*{why}"):
        tg.autograd.grad(y, x, create_graph=True)
    with pytest.raises(RuntimeError, match=f"double backward through {op.__name__} is not supported"):
        tg.gradgradcheck(lambda x: op.apply(x), [x])


class DetachedSquare(tg.Function):
    """x^2 whose backward reads x through np.array: right first derivative, a constant in double backward."""

    def forward(self, x):
        self.save(x)
        return x * x

    def backward(self, grad_out):
        (x,) = self.saved
        return grad_out * 2 * np.array(x)  # (a copy of a Tensor is a plain array: its graph is lost)


def detached_square(x: tg.Tensor) -> tg.Tensor:
    return DetachedSquare.apply(x)


def test_gradgradcheck_reports_a_wrong_second_derivative_with_input_element_and_both_values() -> None:
    x = tg.tensor([1.0, -3.0], dtype=tg.float64, requires_grad=True)
    assert tg.gradcheck(detached_square, [x])
    # d/dx of (2 x v) is 2 v; the lost graph makes it 0. With grad_output v = (1, 1), the first
    # gradient's Jacobian with respect to x is diag(2, 2) against 0 analytically.
    with pytest.raises(tg.GradcheckError) as caught:
        tg.gradgradcheck(detached_square, [x], grad_outputs=[tg.ones(2, dtype=tg.float64)])
    message = str(caught.value)
    assert message.startswith("gradgradcheck failed for the gradient of detached_square")
    assert "d input[0]" in message and "input element (1,), output element 1" in message  # (ties: the last)
    numbers = [float(n) for n in re.findall(r"= (-?[\d.]+(?:e[-+]?\d+)?)", message)]
    assert numbers[:2] == [0.0, pytest.approx(2.0, abs=1e-6)], message  # analytic, numerical
    assert tg.gradgradcheck(detached_square, [x], raise_exception=False) is False


def test_gradgradcheck_refuses_grad_outputs_of_the_wrong_shape() -> None:
    x = tg.tensor([0.5, 2.0], dtype=tg.float64, requires_grad=True)
    with pytest.raises(ValueError, match=r"grad_outputs has shapes \[\(3,\)\] for outputs of shapes \[\(2,\)\]"):
        tg.gradgradcheck(lambda x: x**3, [x], grad_outputs=[tg.ones(3, dtype=tg.float64)])
