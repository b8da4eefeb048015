"""More of torch.utils.data: WeightedRandomSampler, ChainDataset and StackDataset (`tg.utils.data` exports them)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import Any

import numpy as np

from tinygrad_edu.tensor import Tensor
from tinygrad_edu.utils.data import Dataset, Generator, IterableDataset, Sampler, _rng

__all__ = ["WeightedRandomSampler", "ChainDataset", "StackDataset", "get_worker_info"]


class WeightedRandomSampler(Sampler[int]):
    """`num_samples` indices into 0..len(weights)-1, index i drawn with probability weights[i] / sum(weights).

    With replacement=True (the default) an index may come many times; without it each comes at most once
    (so num_samples can be at most len(weights)), and zero-weight indices only after all the others, as torch's.
    The weights need not sum to 1. As the other samplers, draws come from `generator` (else the library's);
    they are reproducible but not torch's.

    Example:
        >>> draws = list(WeightedRandomSampler([0.0, 1.0, 3.0], 1000, generator=np.random.default_rng(0)))
        >>> 0 in draws, 650 < draws.count(2) < 850   # index 2 three times as often as index 1; index 0 never
        (False, True)
    """

    def __init__(
        self, weights: Sequence[float] | Any, num_samples: int, replacement: bool = True, generator: Generator = None
    ) -> None:
        if isinstance(num_samples, bool) or not isinstance(num_samples, int) or num_samples <= 0:
            raise ValueError(f"num_samples should be a positive integer value, but got num_samples={num_samples}")
        if not isinstance(replacement, bool):
            raise ValueError(f"replacement should be a boolean value, but got replacement={replacement}")
        array = weights.data if isinstance(weights, Tensor) else weights
        weights_array = np.asarray(array, dtype=np.float64)
        if weights_array.ndim != 1:
            raise ValueError(
                f"weights should be a 1d sequence but given weights have shape {tuple(weights_array.shape)}"
            )
        self.weights = weights_array
        self.num_samples = num_samples
        self.replacement = replacement
        self.generator = generator

    def __iter__(self) -> Iterator[int]:
        w = self.weights
        if not np.all(np.isfinite(w)) or np.any(w < 0):
            raise RuntimeError("invalid multinomial distribution (encountering probability entry < 0, inf or nan)")
        total = w.sum()
        if total <= 0:
            raise RuntimeError("invalid multinomial distribution (sum of probabilities <= 0)")
        rng = _rng(self.generator)
        if self.replacement:
            return iter(rng.choice(len(w), size=self.num_samples, p=w / total).tolist())
        if self.num_samples > len(w):
            raise RuntimeError("cannot sample n_sample > prob_dist.size(-1) samples without replacement")
        # Without replacement, as torch.multinomial: the weighted indices first, in a weighted order; past
        # those, the zero-weight ones, in a uniform order.
        nonzero = np.flatnonzero(w)
        first = rng.choice(nonzero, size=min(self.num_samples, len(nonzero)), replace=False, p=w[nonzero] / total)
        rest = rng.permutation(np.flatnonzero(w == 0))[: self.num_samples - len(first)]
        return iter(np.concatenate([first, rest]).astype(np.int64).tolist())

    def __len__(self) -> int:
        return self.num_samples


class ChainDataset(IterableDataset):
    """Streams one after another: iterating it iterates each IterableDataset in turn (`a + b` of two streams).

    Example:
        >>> class Upto(IterableDataset):
        ...     def __init__(self, n): self.n = n
        ...     def __iter__(self): return iter(range(self.n))
        >>> list(ChainDataset([Upto(3), Upto(2)]))
        [0, 1, 2, 0, 1]
    """

    def __init__(self, datasets: Iterable[Dataset]) -> None:
        self.datasets = datasets

    def __iter__(self) -> Iterator[Any]:
        for d in self.datasets:
            if not isinstance(d, IterableDataset):
                raise AssertionError("ChainDataset only supports IterableDataset")
            yield from d

    def __len__(self) -> int:
        total = 0
        for d in self.datasets:
            if not isinstance(d, IterableDataset):
                raise AssertionError("ChainDataset only supports IterableDataset")
            total += len(d)  # type: ignore[arg-type]  # (a stream without a length: TypeError, as PyTorch)
        return total


class StackDataset(Dataset):
    """Datasets of one length side by side: sample i is a tuple (positional datasets) or a dict (keywords).

    Example:
        >>> from tinygrad_edu.utils.data import TensorDataset
        >>> images, labels = TensorDataset(tg.zeros(4, 2)), TensorDataset(tg.arange(4))
        >>> sorted(StackDataset(image=images, label=labels)[1])
        ['image', 'label']
        >>> len(StackDataset(images, labels)[1])
        2
    """

    datasets: tuple[Dataset, ...] | dict[str, Dataset]

    def __init__(self, *args: Dataset, **kwargs: Dataset) -> None:
        if args:
            if kwargs:
                raise ValueError(
                    "Supported either ``tuple``- (via ``args``) or``dict``- (via ``kwargs``) like input/output, "
                    "but both types are given."
                )
            parts: list[Any] = list(args)
            self.datasets = args
        elif kwargs:
            parts = list(kwargs.values())
            self.datasets = kwargs
        else:
            raise ValueError("At least one dataset should be passed")
        self._length = len(parts[0])
        if any(self._length != len(d) for d in parts):
            raise ValueError("Size mismatch between datasets")

    def __getitem__(self, index: int) -> Any:
        if isinstance(self.datasets, dict):
            return {key: d[index] for key, d in self.datasets.items()}
        return tuple(d[index] for d in self.datasets)

    def __len__(self) -> int:
        return self._length


def get_worker_info() -> None:
    """Information about the DataLoader worker process this code runs in: None, as PyTorch's in the main process.

    Loading always runs in the main process here (num_workers is accepted and ignored), so an IterableDataset
    that splits its stream by worker sees the whole stream, as PyTorch's with num_workers=0.

    Example:
        >>> get_worker_info() is None
        True
    """
    return None
