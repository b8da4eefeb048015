"""im2col and col2im: F.unfold cuts every sliding block of an image into a column, F.fold adds columns back into
an image (overlaps summed). nn.Unfold and nn.Fold are the modules.

Both go through one index array: for each kernel position and each block, the flat position of the pixel it
reads in the zero-padded image. unfold is `index_select` with it and fold is `index_add` with it, so each is
the other's gradient (they are adjoint linear maps), and the ops' backward passes give both derivatives.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from tinygrad_edu.errors import ShapeError
from tinygrad_edu.nn.conv import _ntuple
from tinygrad_edu.nn.module import Module
from tinygrad_edu.nn.padding import pad
from tinygrad_edu.tensor import Tensor, _operand_tensor

__all__ = ["unfold", "fold", "Unfold", "Fold"]


def _block_index(
    size: tuple[int, int], kernel: tuple[int, ...], dilation: tuple[int, ...], stride: tuple[int, ...]
) -> tuple[np.ndarray, tuple[int, int]]:
    """(flat index of shape (kh * kw * L,) into a padded (H, W) image, the blocks per dim (bh, bw))."""
    blocks = tuple((size[d] - dilation[d] * (kernel[d] - 1) - 1) // stride[d] + 1 for d in range(2))
    # row of kernel offset i in block a: a * stride + i * dilation (the same for columns)
    rows = np.arange(kernel[0])[:, None] * dilation[0] + np.arange(blocks[0])[None, :] * stride[0]  # (kh, bh)
    cols = np.arange(kernel[1])[:, None] * dilation[1] + np.arange(blocks[1])[None, :] * stride[1]  # (kw, bw)
    flat = rows[:, None, :, None] * size[1] + cols[None, :, None, :]  # (kh, kw, bh, bw)
    return flat.reshape(-1), (blocks[0], blocks[1])


def _options(name: str, kernel_size: Any, dilation: Any, padding: Any, stride: Any) -> tuple[tuple[int, ...], ...]:
    return tuple(_ntuple(name, v, 2) for v in (kernel_size, dilation, padding, stride))


def unfold(input: Any, kernel_size: Any, dilation: Any = 1, padding: Any = 0, stride: Any = 1) -> Tensor:
    """(N, C, H, W) -> (N, C kh kw, L): each of the L sliding kh x kw blocks as a column, as
    `torch.nn.functional.unfold` (im2col). A (C, H, W) input gives (C kh kw, L).

    Example:
        >>> F.unfold(tg.arange(9.0).reshape(1, 1, 3, 3), 2)[0]
        tensor([[0., 1., 3., 4.],
                [1., 2., 4., 5.],
                [3., 4., 6., 7.],
                [4., 5., 7., 8.]], dtype=float32)
    """
    x = _operand_tensor(input)
    if x.ndim not in (3, 4):
        # (IndexError, as PyTorch's im2col raises here)
        raise IndexError(f"Input Error: Only 3D or 4D input Tensors are supported (got {x.ndim}D)")
    kernel, dilation, padding, stride = _options("unfold", kernel_size, dilation, padding, stride)
    unbatched = x.ndim == 3
    if unbatched:
        x = x.unsqueeze(0)
    n, c, h, w = x.shape
    size = (h + 2 * padding[0], w + 2 * padding[1])
    index, blocks = _block_index(size, kernel, dilation, stride)
    if min(blocks) < 1:
        raise ShapeError(
            f"unfold: the padded input of spatial size {size} is smaller than the dilated kernel "
            f"({kernel} with dilation {dilation}): no block fits"
        )
    padded = pad(x, (padding[1], padding[1], padding[0], padding[0])).reshape(n, c, size[0] * size[1])
    out = padded.index_select(2, index).reshape(n, c * kernel[0] * kernel[1], blocks[0] * blocks[1])
    return out.squeeze(0) if unbatched else out


def fold(
    input: Any, output_size: Any, kernel_size: Any, dilation: Any = 1, padding: Any = 0, stride: Any = 1
) -> Tensor:
    """(N, C kh kw, L) -> (N, C, H, W): each column added back into the block it came from (overlaps add up),
    as `torch.nn.functional.fold` (col2im). fold(unfold(x)) is x times how many blocks cover each pixel.

    Example:
        >>> F.fold(tg.ones(1, 4, 4), (3, 3), 2)[0, 0]      # how many 2x2 blocks cover each pixel
        tensor([[1., 2., 1.],
                [2., 4., 2.],
                [1., 2., 1.]], dtype=float32)
    """
    cols = _operand_tensor(input)
    if cols.ndim not in (2, 3):
        raise ShapeError(
            f"Input Error: Only unbatched (2D) or batched (3D) input Tensors are supported (got {cols.ndim}D)"
        )
    out_size = _ntuple("fold", output_size, 2)
    kernel, dilation, padding, stride = _options("fold", kernel_size, dilation, padding, stride)
    unbatched = cols.ndim == 2
    if unbatched:
        cols = cols.unsqueeze(0)
    n, ckk, length = cols.shape
    per_channel = kernel[0] * kernel[1]
    if ckk % per_channel:
        raise ShapeError(
            f"Expected size of input's dimension 1 to be divisible by the product of kernel_size, "
            f"but got input.size(1)={ckk} and kernel_size={kernel}"
        )
    size = (out_size[0] + 2 * padding[0], out_size[1] + 2 * padding[1])
    index, blocks = _block_index(size, kernel, dilation, stride)
    if blocks[0] * blocks[1] != length or min(blocks) < 1:
        raise ShapeError(
            f"Given output_size={out_size}, kernel_size={kernel}, dilation={dilation}, padding={padding}, "
            f"stride={stride}, expected size of input's dimension 2 to match the calculated number of sliding "
            f"blocks {blocks[0]} * {blocks[1]} = {blocks[0] * blocks[1]}, but got input.size(2)={length}."
        )
    c = ckk // per_channel
    # (zeros_like of the input's own array: under tg.compile the canvas is traced too, as the columns added into it)
    canvas = Tensor._from_op(np.zeros_like(cols.data, shape=(n, c, size[0] * size[1])), None)
    image = canvas.index_add(2, index, cols.reshape(n, c, per_channel * length)).reshape(n, c, *size)
    image = image.narrow(2, padding[0], out_size[0]).narrow(3, padding[1], out_size[1])
    return image.squeeze(0) if unbatched else image


class Unfold(Module):
    """im2col: the sliding blocks of (N, C, H, W) inputs as columns. See `F.unfold`.

    Example:
        >>> nn.Unfold(kernel_size=(2, 3))
        Unfold(kernel_size=(2, 3), dilation=1, padding=0, stride=1)
    """

    def __init__(self, kernel_size: Any, dilation: Any = 1, padding: Any = 0, stride: Any = 1) -> None:
        super().__init__()
        self.kernel_size = kernel_size
        self.dilation = dilation
        self.padding = padding
        self.stride = stride

    def forward(self, input: Tensor) -> Tensor:
        return unfold(input, self.kernel_size, self.dilation, self.padding, self.stride)

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, dilation={self.dilation}, padding={self.padding}, stride={self.stride}"


class Fold(Module):
    """col2im: columns added back into (N, C, H, W) images. See `F.fold`. Example: `nn.Fold((4, 5), 2)(cols)`."""

    def __init__(
        self, output_size: Any, kernel_size: Any, dilation: Any = 1, padding: Any = 0, stride: Any = 1
    ) -> None:
        super().__init__()
        self.output_size = output_size
        self.kernel_size = kernel_size
        self.dilation = dilation
        self.padding = padding
        self.stride = stride

    def forward(self, input: Tensor) -> Tensor:
        return fold(input, self.output_size, self.kernel_size, self.dilation, self.padding, self.stride)

    def extra_repr(self) -> str:
        return (
            f"output_size={self.output_size}, kernel_size={self.kernel_size}, dilation={self.dilation}, "
            f"padding={self.padding}, stride={self.stride}"
        )
