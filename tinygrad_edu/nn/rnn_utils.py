"""nn.utils.rnn: batches of sequences of different lengths, padded or packed, as torch.nn.utils.rnn.

A padded batch is one (L_max, B, *) tensor, each sequence followed by padding. A PackedSequence keeps only the
real steps: its `data` holds, time step by time step, the rows of the sequences still running at that step, longest
sequence first, and `batch_sizes[t]` says how many there are. The recurrent layers (nn/rnn.py) take it and step
each sequence exactly as far as its own length, so h_n is each sequence's state at its own last step.

Packing and unpacking are one indexing op each (rows picked by an index array), so gradients flow back through them.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, NamedTuple

import numpy as np

from tinygrad_edu.errors import ShapeError
from tinygrad_edu.functional import cat, stack
from tinygrad_edu.tensor import Tensor, _operand_tensor
from tinygrad_edu.torch_alias import torch_attribute_error

__all__ = [
    "PackedSequence",
    "pack_padded_sequence",
    "pad_packed_sequence",
    "pack_sequence",
    "unpack_sequence",
    "pad_sequence",
    "unpad_sequence",
]


class PackedSequence(NamedTuple):
    """Sequences of different lengths, packed: (data, batch_sizes, sorted_indices, unsorted_indices), as PyTorch's.

    data (sum of the lengths, *): step 0 of every sequence (longest first), then step 1 of those that have one, ...
    batch_sizes (int64, one per step): how many sequences have that step. sorted_indices: the batch's order,
    longest first (None when the batch came sorted); unsorted_indices its inverse.
    Make one with pack_padded_sequence or pack_sequence, not by hand.
    """

    data: Tensor
    batch_sizes: Tensor
    sorted_indices: Tensor | None = None
    unsorted_indices: Tensor | None = None


def _int64(values: Any) -> Tensor:
    return Tensor._from_op(np.asarray(values, dtype=np.int64), None)


def _plain(values: Any) -> np.ndarray:
    return np.asarray(values.data if isinstance(values, Tensor) else values)


def pack_padded_sequence(
    input: Any, lengths: Any, batch_first: bool = False, enforce_sorted: bool = True
) -> PackedSequence:
    """Pack a padded batch (L, B, *) (or (B, L, *) with batch_first) whose sequence b has lengths[b] real steps.

    With enforce_sorted (the default) the lengths must be in decreasing order; enforce_sorted=False sorts the batch
    (longest first) and remembers the order, so pad_packed_sequence and the layers' h_n give it back unsorted.

    Example:
        >>> padded = tg.tensor([[1.0, 4.0], [2.0, 0.0], [3.0, 0.0]])          # (L=3, B=2): lengths 3 and 1
        >>> packed = nn.utils.rnn.pack_padded_sequence(padded, [3, 1])
        >>> packed.data.tolist(), packed.batch_sizes.tolist()
        ([1.0, 4.0, 2.0, 3.0], [2, 1, 1])
    """
    x = _operand_tensor(input)
    lengths = _plain(lengths).astype(np.int64).reshape(-1)
    x = x.transpose(0, 1) if batch_first else x  # (L, B, *)
    if x.ndim < 2 or len(lengths) != x.shape[1]:
        batch = x.shape[1] if x.ndim >= 2 else None
        raise ShapeError(
            f"pack_padded_sequence: Expected `len(lengths)` to be equal to batch_size, but got {len(lengths)} "
            f"(batch_size={batch}, input of shape {tuple(_operand_tensor(input).shape)})"
        )
    if lengths.size and lengths.min() <= 0:
        raise ShapeError(
            "pack_padded_sequence: Length of all samples has to be greater than 0, but found an element in "
            f"'lengths' that is <= 0 (lengths {lengths.tolist()})"
        )
    if lengths.size and lengths.max() > x.shape[0]:
        raise ShapeError(
            f"pack_padded_sequence: a length of {lengths.max()} is longer than the input's {x.shape[0]} time steps"
        )
    sorted_indices = unsorted_indices = None
    order = np.arange(len(lengths))
    if enforce_sorted:
        if np.any(np.diff(lengths) > 0):
            raise ShapeError(
                "pack_padded_sequence: `lengths` array must be sorted in decreasing order when `enforce_sorted` is "
                f"True (got {lengths.tolist()}). You can pass `enforce_sorted=False` to pack_padded_sequence and/or "
                "pack_sequence to sidestep this requirement"
            )
    else:
        order = np.argsort(-lengths, kind="stable")
        lengths = lengths[order]
        sorted_indices, unsorted_indices = _int64(order), _int64(np.argsort(order))
    batch_sizes = np.array([(lengths > t).sum() for t in range(lengths[0] if lengths.size else 0)], dtype=np.int64)
    # row by row of data: time step t, then the batch_sizes[t] longest sequences at that step
    steps = np.repeat(np.arange(len(batch_sizes)), batch_sizes)
    sequences = np.concatenate([order[:size] for size in batch_sizes]) if len(batch_sizes) else steps
    return PackedSequence(x[steps, sequences], _int64(batch_sizes), sorted_indices, unsorted_indices)


def pad_packed_sequence(
    sequence: PackedSequence, batch_first: bool = False, padding_value: float = 0.0, total_length: int | None = None
) -> tuple[Tensor, Tensor]:
    """Unpack to (padded, lengths): padded (L, B, *) (or (B, L, *) with batch_first) in the batch's original order,
    padding_value after each sequence's end, L the longest length (or total_length); lengths int64 (B,).

    Example:
        >>> packed = nn.utils.rnn.pack_sequence([tg.tensor([1.0, 2.0, 3.0]), tg.tensor([4.0])])
        >>> padded, lengths = nn.utils.rnn.pad_packed_sequence(packed, batch_first=True, padding_value=-1.0)
        >>> padded.tolist(), lengths.tolist()
        ([[1.0, 2.0, 3.0], [4.0, -1.0, -1.0]], [3, 1])
    """
    data, batch_sizes, sorted_indices, unsorted_indices = sequence
    sizes = _plain(batch_sizes).astype(np.int64)
    steps, batch = len(sizes), int(sizes[0]) if len(sizes) else 0
    if total_length is not None and total_length < steps:
        raise ValueError(
            "pad_packed_sequence: Expected total_length to be at least the length of the longest sequence in input, "
            f"but got total_length={total_length} and max sequence length being {steps}"
        )
    length = steps if total_length is None else total_length
    # where each padded position (t, b) reads from: its row of data, or one padding row appended after data
    rows = np.full((length, batch), len(data), dtype=np.int64)
    starts = np.concatenate([[0], np.cumsum(sizes)[:-1]]).astype(np.int64)
    for t, (start, size) in enumerate(zip(starts, sizes)):
        rows[t, :size] = np.arange(start, start + size)
    lengths = (sizes[None, :] > np.arange(batch)[:, None]).sum(axis=1)  # sequence b runs while batch_sizes > b
    if unsorted_indices is not None:
        rows, lengths = rows[:, _plain(unsorted_indices)], lengths[_plain(unsorted_indices)]
    pad = Tensor._from_op(np.full_like(data.data, padding_value, shape=(1, *data.shape[1:])), None)
    padded = cat([data, pad])[rows]
    return (padded.transpose(0, 1) if batch_first else padded), _int64(lengths)


def pack_sequence(sequences: Sequence[Any], enforce_sorted: bool = True) -> PackedSequence:
    """Pack a list of sequences (each (L_i, *)): pad_sequence, then pack_padded_sequence with their lengths.

    Example:
        >>> nn.utils.rnn.pack_sequence([tg.ones(3, 2), tg.ones(1, 2)]).batch_sizes.tolist()
        [2, 1, 1]
    """
    lengths = [_operand_tensor(s).shape[0] for s in sequences]
    return pack_padded_sequence(pad_sequence(sequences), lengths, enforce_sorted=enforce_sorted)


def unpack_sequence(packed_sequences: PackedSequence) -> list[Tensor]:
    """The list of sequences a PackedSequence holds, in their original order (pack_sequence's inverse).

    Example:
        >>> [s.tolist() for s in nn.utils.rnn.unpack_sequence(nn.utils.rnn.pack_sequence([tg.ones(1), tg.zeros(2)],
        ...     enforce_sorted=False))]
        [[1.0], [0.0, 0.0]]
    """
    padded, lengths = pad_packed_sequence(packed_sequences, batch_first=True)
    return [padded[b, :length] for b, length in enumerate(lengths.tolist())]


def pad_sequence(
    sequences: Sequence[Any], batch_first: bool = False, padding_value: float = 0.0, padding_side: str = "right"
) -> Tensor:
    """Stack sequences of different lengths (each (L_i, *)) into one (L_max, B, *) tensor (or (B, L_max, *) with
    batch_first), padding_value after each (before it with padding_side="left"), as torch's pad_sequence.

    Example:
        >>> nn.utils.rnn.pad_sequence([tg.ones(3, 2), tg.ones(1, 2)]).shape
        (3, 2, 2)
        >>> nn.utils.rnn.pad_sequence([tg.tensor([1, 2, 3]), tg.tensor([4])], batch_first=True).tolist()
        [[1, 2, 3], [4, 0, 0]]
    """
    if padding_side not in ("left", "right"):
        raise ValueError(f'pad_sequence: padding_side must be "left" or "right", got {padding_side!r}')
    tensors = [_operand_tensor(t) for t in sequences]
    if not tensors:
        raise ShapeError("pad_sequence: received an empty list of sequences")
    rest = tensors[0].shape[1:]
    if any(t.ndim == 0 or t.shape[1:] != rest for t in tensors):
        raise ShapeError(
            "pad_sequence: every sequence must be (L_i, *) with the same trailing sizes, got shapes "
            + ", ".join(str(t.shape) for t in tensors)
        )
    longest = max(t.shape[0] for t in tensors)
    padded = []
    for t in tensors:
        missing = longest - t.shape[0]
        if missing:
            fill = Tensor._from_op(np.full_like(t.data, padding_value, shape=(missing, *rest)), None)
            t = cat([t, fill] if padding_side == "right" else [fill, t])
        padded.append(t)
    return stack(padded, 1 if not batch_first else 0)


def unpad_sequence(padded_sequences: Any, lengths: Any, batch_first: bool = False) -> list[Tensor]:
    """The sequences of a padded batch, each cut to its length (pad_sequence's inverse).

    Example:
        >>> padded = nn.utils.rnn.pad_sequence([tg.ones(3), tg.ones(1)])
        >>> [s.shape for s in nn.utils.rnn.unpad_sequence(padded, tg.tensor([3, 1]))]
        [(3,), (1,)]
    """
    x = _operand_tensor(padded_sequences)
    x = x if batch_first else x.transpose(0, 1)
    return [x[b, :length] for b, length in enumerate(_plain(lengths).tolist())]


# A missing name is an AttributeError naming the torch.nn.utils.rnn name we lack (as_torch maps that module here).
__getattr__ = torch_attribute_error(__name__)
