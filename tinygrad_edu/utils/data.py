"""Datasets, samplers and the DataLoader that batches them, as torch.utils.data.

A Dataset maps an index to a sample; a Sampler yields indices (in order, or shuffled); a BatchSampler groups
them; the DataLoader fetches each group's samples and `collate_fn` (default_collate) stacks them into
batch tensors, keeping the samples' structure (tuples, dicts, numbers, arrays).

Randomness (shuffle, RandomSampler, random_split) comes from the library's generator (`tg.manual_seed`),
or from `generator=`: a `tg.Generator` (`tg.Generator().manual_seed(s)`, as torch's) or any NumPy
`np.random.Generator` (tg.Generator is one); the orders drawn are reproducible but not torch's.
Everything runs in the main process: `num_workers` is accepted and the batches are the same as with 0.

Example:
    >>> ds = TensorDataset(tg.randn(100, 3), tg.arange(100))
    >>> for x, y in DataLoader(ds, batch_size=32, shuffle=True):
    ...     print(x.shape, y.shape)
    (32, 3) (32,)
    (32, 3) (32,)
    (32, 3) (32,)
    (4, 3) (4,)
"""

from __future__ import annotations

import collections.abc
import math
import warnings
from collections.abc import Callable, Iterable, Iterator, Sequence
from itertools import accumulate
from typing import Any, Generic, TypeVar

import numpy as np

from tinygrad_edu.creation import default_generator
from tinygrad_edu.functional import stack
from tinygrad_edu.tensor import Tensor, from_numpy
from tinygrad_edu.torch_alias import torch_attribute_error

# A missing name is an AttributeError that names the torch name we lack (as_torch maps torch's modules here).
__getattr__ = torch_attribute_error(__name__)

__all__ = [
    "Dataset",
    "IterableDataset",
    "TensorDataset",
    "Subset",
    "ConcatDataset",
    "random_split",
    "Sampler",
    "SequentialSampler",
    "RandomSampler",
    "SubsetRandomSampler",
    "BatchSampler",
    "DataLoader",
    "default_collate",
    "default_convert",
]

T = TypeVar("T")
Generator = np.random.Generator | None


def _rng(generator: Generator) -> np.random.Generator:
    """The generator given, else the library's (so tg.manual_seed makes shuffling reproducible)."""
    if generator is None:
        return default_generator()
    if not isinstance(generator, np.random.Generator):
        raise TypeError(
            f"generator must be a numpy.random.Generator (e.g. np.random.default_rng(seed)) or None, "
            f"got {type(generator).__name__}"
        )
    return generator


# ---- datasets ---------------------------------------------------------------------------------------------


class Dataset(Generic[T]):
    """A map from indices 0..len-1 to samples: subclass it and write __getitem__ (and __len__).

    `a + b` concatenates two datasets.

    Example:
        >>> class Squares(Dataset):
        ...     def __len__(self): return 10
        ...     def __getitem__(self, i): return float(i), float(i * i)
    """

    # No __len__ here, as in PyTorch: a subclass writes one if it can (an IterableDataset may not), so
    # `len(dataset)` below carries `type: ignore[arg-type]` where the code needs a dataset that has one.

    def __getitem__(self, index: int) -> T:
        raise NotImplementedError("Subclasses of Dataset should implement __getitem__.")

    def __add__(self, other: Dataset[T]) -> ConcatDataset[T]:
        return ConcatDataset([self, other])


class IterableDataset(Dataset[T]):
    """A stream of samples: subclass it and write __iter__ (for data read as it comes, with no index).

    A DataLoader batches it in the order it yields; shuffle, sampler and batch_sampler do not apply.

    Example:
        >>> class Counting(IterableDataset):
        ...     def __iter__(self): return iter(range(10))
        >>> [b.tolist() for b in DataLoader(Counting(), batch_size=4)]
        [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]
    """

    def __iter__(self) -> Iterator[T]:
        raise NotImplementedError("Subclasses of IterableDataset should implement __iter__.")

    def __add__(self, other: Any) -> Any:
        return ChainDataset([self, other])  # one stream after the other, as PyTorch


class TensorDataset(Dataset[tuple]):
    """Samples are the i-th rows of each tensor (or array): `ds[i] == (x[i], y[i])`.

    Example:
        >>> ds = TensorDataset(tg.randn(4, 2), tg.tensor([0, 1, 1, 0], dtype=tg.int64))
        >>> len(ds), ds[0][0].shape
        (4, (2,))
    """

    def __init__(self, *tensors: Any) -> None:
        if not tensors:
            raise ValueError("TensorDataset needs at least one tensor")
        self.tensors = tuple(t if isinstance(t, Tensor) else from_numpy(np.asarray(t)) for t in tensors)
        sizes = [t.shape[0] if t.ndim else None for t in self.tensors]
        if None in sizes or any(n != sizes[0] for n in sizes):
            raise ValueError(
                f"Size mismatch between tensors: TensorDataset needs tensors with the same first "
                f"dimension, got shapes {[t.shape for t in self.tensors]}"
            )

    def __getitem__(self, index: int) -> tuple:
        return tuple(t[index] for t in self.tensors)

    def __len__(self) -> int:
        return self.tensors[0].shape[0]


class Subset(Dataset[T]):
    """The samples of `dataset` at `indices`, in that order: `Subset(ds, [3, 1])[0] is ds[3]`.

    Example:
        >>> ds = TensorDataset(tg.arange(100))
        >>> first_ten = Subset(ds, range(10))
        >>> len(first_ten), first_ten[3][0].item()
        (10, 3)
    """

    def __init__(self, dataset: Dataset[T], indices: Sequence[int]) -> None:
        self.dataset = dataset
        self.indices = indices

    def __getitem__(self, idx: int | list) -> Any:
        if isinstance(idx, list):  # a batch of indices, for datasets that take one (TensorDataset does)
            return self.dataset[[self.indices[i] for i in idx]]  # type: ignore[index]  # Dataset declares int
        return self.dataset[self.indices[idx]]

    def __len__(self) -> int:
        return len(self.indices)


class ConcatDataset(Dataset[T]):
    """Datasets one after another: index len(a) of `ConcatDataset([a, b])` is b[0].

    Example:
        >>> both = ConcatDataset([TensorDataset(tg.zeros(3)), TensorDataset(tg.ones(2))])
        >>> len(both), both[3][0].item()            # index 3 is the second dataset's first sample
        (5, 1.0)
    """

    def __init__(self, datasets: Iterable[Dataset]) -> None:
        self.datasets = list(datasets)
        if len(self.datasets) == 0:
            raise ValueError("datasets should not be an empty iterable")
        if any(isinstance(d, IterableDataset) for d in self.datasets):
            raise TypeError("ConcatDataset does not support IterableDataset")
        # map-style datasets, whose __len__ Dataset does not declare (see Dataset)
        self.cumulative_sizes = list(accumulate(len(d) for d in self.datasets))  # type: ignore[arg-type]

    def __len__(self) -> int:
        return self.cumulative_sizes[-1]

    def __getitem__(self, idx: int) -> T:
        if idx < 0:
            if -idx > len(self):
                raise ValueError("absolute value of index should not exceed dataset length")
            idx = len(self) + idx
        if idx >= len(self):
            raise IndexError(f"ConcatDataset: index {idx} is out of range for a dataset of length {len(self)}")
        which = next(i for i, end in enumerate(self.cumulative_sizes) if idx < end)
        start = self.cumulative_sizes[which - 1] if which else 0
        return self.datasets[which][idx - start]


def random_split(dataset: Dataset[T], lengths: Sequence[int | float], generator: Generator = None) -> list[Subset[T]]:
    """Split a dataset into non-overlapping random subsets of the given lengths, or fractions of its length.

    Fractions that sum to 1 become floor(n * fraction) samples each, and the remainder is handed out one
    by one from the first subset on, as PyTorch.

    Example:
        >>> ds = TensorDataset(tg.arange(10))
        >>> train, val = random_split(ds, [0.8, 0.2], generator=np.random.default_rng(0))
        >>> len(train), len(val), sorted(train.indices + val.indices) == list(range(10))
        (8, 2, True)
    """
    n = len(dataset)  # type: ignore[arg-type]  # a map-style dataset has a length (see Dataset)
    lengths = list(lengths)
    if math.isclose(sum(lengths), 1) and sum(lengths) <= 1:
        sizes = []
        for i, frac in enumerate(lengths):
            if frac < 0 or frac > 1:
                raise ValueError(f"Fraction at index {i} is not between 0 and 1")
            sizes.append(int(math.floor(n * frac)))
        for i in range(n - sum(sizes)):
            sizes[i % len(sizes)] += 1
        for i, size in enumerate(sizes):
            if size == 0:
                warnings.warn(
                    f"Length of split at index {i} is 0. This might result in an empty dataset.", stacklevel=2
                )
        lengths = sizes
    if sum(lengths) != n:
        raise ValueError(
            f"Sum of input lengths does not equal the length of the input dataset! ({sum(lengths)} != {n})"
        )
    order = _rng(generator).permutation(n).tolist()
    return [Subset(dataset, order[end - size : end]) for size, end in zip(lengths, accumulate(lengths))]


# ---- samplers: which indices, in which order --------------------------------------------------------------


class Sampler(Generic[T]):
    """Yields indices (or batches of them) into a dataset: subclass it and write __iter__ (and __len__)."""

    def __init__(self, data_source: Any | None = None) -> None:
        pass

    def __iter__(self) -> Iterator[T]:
        raise NotImplementedError


class SequentialSampler(Sampler[int]):
    """0, 1, ..., len(data_source) - 1."""

    def __init__(self, data_source: Any) -> None:
        self.data_source = data_source

    def __iter__(self) -> Iterator[int]:
        return iter(range(len(self.data_source)))

    def __len__(self) -> int:
        return len(self.data_source)


class RandomSampler(Sampler[int]):
    """A fresh random permutation of the indices at each pass (or num_samples draws with replacement).

    Example:
        >>> sorted(RandomSampler(range(5), generator=np.random.default_rng(0)))   # a permutation of 0..4
        [0, 1, 2, 3, 4]
    """

    def __init__(
        self, data_source: Any, replacement: bool = False, num_samples: int | None = None, generator: Generator = None
    ) -> None:
        self.data_source = data_source
        self.replacement = replacement
        self._num_samples = num_samples
        self.generator = generator
        if not isinstance(replacement, bool):
            raise TypeError(f"replacement should be a boolean value, but got replacement={replacement}")
        if not isinstance(self.num_samples, int) or self.num_samples <= 0:
            raise ValueError(f"num_samples should be a positive integer value, but got num_samples={self.num_samples}")

    @property
    def num_samples(self) -> int:
        return len(self.data_source) if self._num_samples is None else self._num_samples

    def __iter__(self) -> Iterator[int]:
        n = len(self.data_source)
        rng = _rng(self.generator)
        if self.replacement:
            return iter(rng.integers(0, n, size=self.num_samples).tolist())
        # num_samples may exceed n: whole permutations, then part of one more (as PyTorch)
        full, rest = divmod(self.num_samples, n)
        order = [i for _ in range(full) for i in rng.permutation(n).tolist()]
        return iter(order + rng.permutation(n).tolist()[:rest])

    def __len__(self) -> int:
        return self.num_samples


class SubsetRandomSampler(Sampler[int]):
    """The given indices, in a fresh random order at each pass."""

    def __init__(self, indices: Sequence[int], generator: Generator = None) -> None:
        self.indices = indices
        self.generator = generator

    def __iter__(self) -> Iterator[int]:
        return iter([self.indices[i] for i in _rng(self.generator).permutation(len(self.indices)).tolist()])

    def __len__(self) -> int:
        return len(self.indices)


class BatchSampler(Sampler[list[int]]):
    """Groups another sampler's indices into lists of batch_size (the last shorter, or dropped if drop_last).

    Example:
        >>> list(BatchSampler(SequentialSampler(range(5)), batch_size=2, drop_last=False))
        [[0, 1], [2, 3], [4]]
    """

    def __init__(self, sampler: Sampler[int] | Iterable[int], batch_size: int, drop_last: bool) -> None:
        if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size <= 0:
            raise ValueError(f"batch_size should be a positive integer value, but got batch_size={batch_size}")
        if not isinstance(drop_last, bool):
            raise ValueError(f"drop_last should be a boolean value, but got drop_last={drop_last}")
        self.sampler = sampler
        self.batch_size = batch_size
        self.drop_last = drop_last

    def __iter__(self) -> Iterator[list[int]]:
        batch = []
        for index in self.sampler:
            batch.append(index)
            if len(batch) == self.batch_size:
                yield batch
                batch = []
        if batch and not self.drop_last:
            yield batch

    def __len__(self) -> int:
        n = len(self.sampler)  # type: ignore[arg-type]  # the sampler's length (TypeError if it has none, as PyTorch)
        return n // self.batch_size if self.drop_last else -(-n // self.batch_size)


# ---- collation: a list of samples -> one batch ------------------------------------------------------------


def default_collate(batch: list) -> Any:
    """Stack a list of samples into a batch, keeping their structure, as torch's default_collate.

    Tensors and arrays are stacked along a new first dimension (arrays keep their dtype); Python floats
    become a float64 tensor, ints an int64 one, bools a bool one; strings stay a list; a dict collates
    each key; a tuple or list collates position by position (a tuple gives a list, as PyTorch;
    a namedtuple stays one).

    Example:
        >>> default_collate([(tg.zeros(2), 0), (tg.ones(2), 1)])
        [tensor([[0., 0.],
                [1., 1.]], dtype=float32), tensor([0, 1], dtype=int64)]
    """
    elem = batch[0]
    elem_type = type(elem)  # to rebuild a container of the same type (a dict subclass, a namedtuple, a list)
    if isinstance(elem, Tensor):
        return stack(batch, 0)
    if isinstance(elem, np.ndarray) and elem.dtype.kind in "biufc":
        return from_numpy(np.stack(batch))
    if isinstance(elem, (np.bool_, np.number)):
        return from_numpy(np.array(batch))
    if isinstance(elem, bool):
        return from_numpy(np.array(batch, dtype=np.bool_))
    if isinstance(elem, float):
        return from_numpy(np.array(batch, dtype=np.float64))
    if isinstance(elem, int):
        return from_numpy(np.array(batch, dtype=np.int64))
    if isinstance(elem, (str, bytes)):
        return batch
    if isinstance(elem, collections.abc.Mapping):
        collated = {key: default_collate([sample[key] for sample in batch]) for key in elem}
        try:
            return elem_type(collated)
        except TypeError:  # a mapping type that cannot be built from a dict
            return collated
    if isinstance(elem, tuple) and hasattr(elem, "_fields"):  # a namedtuple
        return elem_type(*(default_collate(list(samples)) for samples in zip(*batch)))
    if isinstance(elem, collections.abc.Sequence):
        if any(len(sample) != len(elem) for sample in batch):
            raise RuntimeError("each element in list of batch should be of equal size")
        columns = [default_collate(list(samples)) for samples in zip(*batch)]
        if isinstance(elem, tuple):
            return columns
        try:
            return elem_type(columns)
        except TypeError:
            return columns
    raise TypeError(
        f"default_collate: batch must contain tensors, numpy arrays, numbers, dicts or lists; "
        f"found {type(elem).__name__}"
    )


def default_convert(data: Any) -> Any:
    """Without batching (batch_size=None): each NumPy array becomes a Tensor, inside any structure."""
    data_type = type(data)  # to rebuild a container of the same type (a dict subclass, a namedtuple)
    if isinstance(data, np.ndarray) and data.dtype.kind in "biufc":
        return from_numpy(data)
    if isinstance(data, collections.abc.Mapping):
        return data_type({key: default_convert(value) for key, value in data.items()})
    if isinstance(data, tuple) and hasattr(data, "_fields"):
        return data_type(*(default_convert(d) for d in data))
    if isinstance(data, (list, tuple)):
        return [default_convert(d) for d in data]  # a tuple gives a list, as PyTorch
    return data


# ---- the loader -------------------------------------------------------------------------------------------


class DataLoader(Generic[T]):
    """Iterate over a dataset in batches: `for x, y in DataLoader(ds, batch_size=32, shuffle=True)`.

    shuffle draws a new order each epoch (from `generator`, else the library's generator); sampler gives
    the order instead; batch_sampler gives whole batches; drop_last drops a short last batch;
    batch_size=None turns batching off (each sample is only converted); collate_fn builds a batch from
    a list of samples (default_collate). `len(loader)` is the number of batches. num_workers, pin_memory,
    timeout and the other process options are accepted for PyTorch's signature; loading runs in this process.

    Example:
        >>> ds = TensorDataset(tg.randn(100, 3))
        >>> loader = DataLoader(ds, batch_size=16, shuffle=True, drop_last=True)
        >>> len(loader) == len(ds) // 16
        True
    """

    def __init__(
        self,
        dataset: Dataset[T],
        batch_size: int | None = 1,
        shuffle: bool | None = None,
        sampler: Sampler | Iterable | None = None,
        batch_sampler: Sampler[list] | Iterable[list] | None = None,
        num_workers: int = 0,
        collate_fn: Callable[[list], Any] | None = None,
        pin_memory: bool = False,
        drop_last: bool = False,
        timeout: float = 0,
        worker_init_fn: Callable | None = None,
        multiprocessing_context: Any = None,
        generator: Generator = None,
        *,
        prefetch_factor: int | None = None,
        persistent_workers: bool = False,
        pin_memory_device: str = "",
    ) -> None:
        if num_workers < 0:
            raise ValueError("num_workers option should be non-negative; use num_workers=0 to disable multiprocessing.")
        if timeout < 0:
            raise ValueError("timeout option should be non-negative")
        self._iterable = isinstance(dataset, IterableDataset)
        if self._iterable:
            if shuffle not in (None, False):
                raise ValueError(
                    f"DataLoader with IterableDataset: expected unspecified shuffle option, but got shuffle={shuffle}"
                )
            if sampler is not None or batch_sampler is not None:
                raise ValueError(
                    "DataLoader with IterableDataset: expected unspecified sampler and batch_sampler "
                    "options (the dataset's own order is used)"
                )
        if sampler is not None and shuffle:
            raise ValueError("sampler option is mutually exclusive with shuffle")
        if batch_sampler is not None:
            if batch_size != 1 or shuffle or sampler is not None or drop_last:
                raise ValueError(
                    "batch_sampler option is mutually exclusive with batch_size, shuffle, sampler, and drop_last"
                )
            batch_size = None
            drop_last = False
        elif batch_size is None and drop_last:
            raise ValueError("batch_size=None option disables auto-batching and is mutually exclusive with drop_last")
        if sampler is None:
            sampler = RandomSampler(dataset, generator=generator) if shuffle else SequentialSampler(dataset)
        if batch_size is not None and batch_sampler is None:
            batch_sampler = BatchSampler(sampler, batch_size, drop_last)
        self.dataset = dataset
        self.batch_size = batch_size
        self.drop_last = drop_last
        self.sampler = sampler
        self.batch_sampler = batch_sampler
        self.generator = generator
        self.num_workers = num_workers
        # called with a list of samples, or (batch_size=None) with one sample
        self.collate_fn: Callable[[Any], Any] = collate_fn or (
            default_collate if batch_sampler is not None else default_convert
        )

    def __iter__(self) -> Iterator[Any]:
        if self._iterable:
            yield from self._iterate_stream()
            return
        if self.batch_sampler is None:  # no batching: one sample at a time
            for index in self.sampler:
                yield self.collate_fn(self.dataset[index])
            return
        for indices in self.batch_sampler:
            yield self.collate_fn([self.dataset[i] for i in indices])

    def _iterate_stream(self) -> Iterator[Any]:
        """Batches of an IterableDataset: consecutive samples, in the order it yields them."""
        if self.batch_size is None:
            for sample in self.dataset:  # type: ignore[attr-defined]  # an IterableDataset: self._iterable
                yield self.collate_fn(sample)
            return
        batch = []
        for sample in self.dataset:  # type: ignore[attr-defined]  # as above
            batch.append(sample)
            if len(batch) == self.batch_size:
                yield self.collate_fn(batch)
                batch = []
        if batch and not self.drop_last:
            yield self.collate_fn(batch)

    def __len__(self) -> int:
        if self._iterable:  # only if the dataset knows its length (else TypeError, as PyTorch)
            n = len(self.dataset)  # type: ignore[arg-type]  # (see Dataset)
            if self.batch_size is None:
                return n
            return n // self.batch_size if self.drop_last else -(-n // self.batch_size)
        # typed as iterables, which may have no length: then len() raises TypeError, as in PyTorch
        if self.batch_sampler is not None:
            return len(self.batch_sampler)  # type: ignore[arg-type]
        return len(self.sampler)  # type: ignore[arg-type]


# Appended: more samplers and datasets, in their own file (it imports the base classes defined above).
from tinygrad_edu.utils.data_extra import (  # noqa: E402
    ChainDataset,
    StackDataset,
    WeightedRandomSampler,
    get_worker_info,
)

__all__ += ["WeightedRandomSampler", "ChainDataset", "StackDataset", "get_worker_info"]
