"""tg.utils.data: datasets, samplers, collation and the DataLoader, against facts stated here and against torch."""

from __future__ import annotations

from collections import namedtuple
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import tinygrad_edu as tg
from tinygrad_edu.utils.data import (
    BatchSampler,
    ConcatDataset,
    DataLoader,
    Dataset,
    IterableDataset,
    RandomSampler,
    SequentialSampler,
    Subset,
    SubsetRandomSampler,
    TensorDataset,
    default_collate,
    random_split,
)

Pair = namedtuple("Pair", ["x", "y"])


class Numbers(Dataset):
    """Sample i is i itself (so a batch shows which indices it holds)."""

    def __init__(self, n: int) -> None:
        self.n = n

    def __len__(self) -> int:
        return self.n

    def __getitem__(self, i: int) -> int:
        if not 0 <= i < self.n:
            raise IndexError(i)
        return i


def test_tg_utils_data_is_importable_both_ways() -> None:
    import tinygrad_edu.utils.data as data

    assert tg.utils.data is data and data.DataLoader is DataLoader


@settings(max_examples=60, deadline=None)
@given(n=st.integers(1, 60), batch_size=st.integers(1, 17), drop_last=st.booleans(), seed=st.integers(0, 2**31))
def test_an_epoch_visits_every_index_once(n: int, batch_size: int, drop_last: bool, seed: int) -> None:
    loader = DataLoader(
        Numbers(n), batch_size=batch_size, shuffle=True, drop_last=drop_last, generator=np.random.default_rng(seed)
    )
    batches = [b.tolist() for b in loader]
    seen = [i for b in batches for i in b]
    assert len(batches) == len(loader) == (n // batch_size if drop_last else -(-n // batch_size))
    assert all(len(b) == batch_size for b in batches[:-1])
    assert all(len(b) == batch_size for b in batches) or not drop_last
    if drop_last:
        assert len(seen) == n - n % batch_size and len(set(seen)) == len(seen)
    else:
        assert sorted(seen) == list(range(n))


def test_shuffle_draws_a_new_order_each_epoch_reproducibly() -> None:
    def epochs(seed: int) -> list[list[int]]:
        tg.manual_seed(seed)
        loader = DataLoader(Numbers(20), batch_size=20, shuffle=True)
        return [next(iter(loader)).tolist() for _ in range(3)]

    first = epochs(1)
    assert first == epochs(1) and first != epochs(2)
    assert first[0] != first[1] and sorted(first[0]) == list(range(20))
    gen_a, gen_b = np.random.default_rng(5), np.random.default_rng(5)
    a = [b.tolist() for b in DataLoader(Numbers(9), batch_size=4, shuffle=True, generator=gen_a)]
    b = [b.tolist() for b in DataLoader(Numbers(9), batch_size=4, shuffle=True, generator=gen_b)]
    assert a == b


def test_tensor_dataset_batches_are_the_rows() -> None:
    x = tg.tensor(np.arange(12.0).reshape(6, 2))
    y = tg.tensor(np.arange(6), dtype=tg.int64)
    ds = TensorDataset(x, y)
    assert len(ds) == 6 and ds[4][1].item() == 4
    xb, yb = next(iter(DataLoader(ds, batch_size=4)))
    np.testing.assert_array_equal(xb.numpy(), np.arange(8.0).reshape(4, 2))
    assert yb.dtype == np.int64 and yb.tolist() == [0, 1, 2, 3]
    with pytest.raises(ValueError, match="Size mismatch"):
        TensorDataset(tg.zeros(3, 2), tg.zeros(4))


COLLATE = {
    "numbers": [1, 2, 3],
    "floats": [0.5, 1.5],
    "bools": [True, False],
    "arrays": [np.zeros((2, 3), dtype=np.float32), np.ones((2, 3), dtype=np.float32)],
    "int arrays": [np.arange(3), np.arange(3) + 1],
    "numpy scalars": [np.float32(1.0), np.float32(2.5)],
    "tuples": [(np.ones(2), 0), (np.zeros(2), 1)],
    "dicts": [{"x": np.ones(2), "label": 3, "name": "a"}, {"x": np.zeros(2), "label": 4, "name": "b"}],
    "nested": [{"pair": (1.0, [np.ones(1), 2])}, {"pair": (2.0, [np.zeros(1), 3])}],
    "namedtuples": [Pair(np.ones(2), 1), Pair(np.zeros(2), 0)],
}


def describe(batch: Any) -> Any:
    """The structure of a collated batch: container types, and each tensor's dtype, shape and values."""
    if hasattr(batch, "dtype") and hasattr(batch, "shape") and not isinstance(batch, np.ndarray):
        dtype = str(batch.dtype).removeprefix("torch.")
        return ("tensor", dtype, tuple(batch.shape), np.asarray(batch.tolist()).tolist())
    if isinstance(batch, dict):
        return {key: describe(value) for key, value in batch.items()}
    if isinstance(batch, tuple) and hasattr(batch, "_fields"):
        return (type(batch).__name__, [describe(b) for b in batch])
    if isinstance(batch, (list, tuple)):
        return (type(batch).__name__, [describe(b) for b in batch])
    return batch


def test_collate_facts() -> None:
    assert describe(default_collate(COLLATE["numbers"])) == ("tensor", "int64", (3,), [1, 2, 3])
    assert describe(default_collate(COLLATE["floats"])) == ("tensor", "float64", (2,), [0.5, 1.5])
    assert describe(default_collate(COLLATE["bools"]))[1] == "bool"
    x, label = default_collate(COLLATE["tuples"])  # a tuple sample gives a list of columns, as PyTorch
    assert x.shape == (2, 2) and label.tolist() == [0, 1]
    d = default_collate(COLLATE["dicts"])
    assert d["name"] == ["a", "b"] and d["label"].tolist() == [3, 4]
    pair = default_collate(COLLATE["namedtuples"])
    assert type(pair) is Pair and pair.y.tolist() == [1, 0]
    with pytest.raises(RuntimeError, match="equal size"):
        default_collate([[1, 2], [3]])


def test_samplers_and_batch_sampler() -> None:
    assert list(SequentialSampler(range(4))) == [0, 1, 2, 3]
    assert list(BatchSampler(SequentialSampler(range(5)), 2, False)) == [[0, 1], [2, 3], [4]]
    assert list(BatchSampler(SequentialSampler(range(5)), 2, True)) == [[0, 1], [2, 3]]
    assert len(BatchSampler(range(5), 2, False)) == 3 and len(BatchSampler(range(5), 2, True)) == 2
    rng = np.random.default_rng(0)
    drawn = list(RandomSampler(range(5), num_samples=12, generator=rng))
    assert len(drawn) == 12 and sorted(drawn[:5]) == sorted(drawn[5:10]) == list(range(5))
    with_replacement = list(RandomSampler(range(3), replacement=True, num_samples=50, generator=rng))
    assert len(with_replacement) == 50 and set(with_replacement) <= {0, 1, 2}
    assert sorted(SubsetRandomSampler([7, 3, 9], generator=rng)) == [3, 7, 9]


def test_loader_with_sampler_batch_sampler_and_no_batching() -> None:
    ds = Numbers(7)
    assert [b.tolist() for b in DataLoader(ds, batch_size=3, sampler=[6, 0, 5, 1])] == [[6, 0, 5], [1]]
    loader = DataLoader(ds, batch_sampler=[[0, 1], [4, 5, 6]])
    assert [b.tolist() for b in loader] == [[0, 1], [4, 5, 6]] and len(loader) == 2
    unbatched = DataLoader(ds, batch_size=None)
    assert list(unbatched) == list(range(7)) and len(unbatched) == 7
    assert [b for b in DataLoader(ds, batch_size=4, collate_fn=lambda samples: sum(samples))] == [6, 15]


def test_subset_concat_and_random_split() -> None:
    ds = Numbers(10)
    assert [Subset(ds, [9, 2, 4])[i] for i in range(3)] == [9, 2, 4]
    both = ConcatDataset([Numbers(3), Numbers(4)])
    assert len(both) == 7 and [both[i] for i in range(7)] == [0, 1, 2, 0, 1, 2, 3] and both[-1] == 3
    assert len(Numbers(2) + Numbers(5)) == 7
    parts = random_split(ds, [3, 7], generator=np.random.default_rng(0))
    assert [len(p) for p in parts] == [3, 7]
    assert sorted(p[i] for p in parts for i in range(len(p))) == list(range(10))
    # fractions: floor(10 * f) = 3, 3, 3, and the one left over goes to the first
    assert [len(p) for p in random_split(ds, [0.3, 0.3, 0.4 - 1e-12 + 1e-12])] == [3, 3, 4]
    assert [len(p) for p in random_split(Numbers(11), [0.25, 0.25, 0.5])] == [3, 3, 5]
    with pytest.raises(ValueError, match="Sum of input lengths"):
        random_split(ds, [3, 3])
    with pytest.warns(UserWarning, match="split at index 1 is 0") as caught:  # floor(0.5) = 0 each; one left over
        assert [len(p) for p in random_split(Numbers(1), [0.5, 0.5])] == [1, 0]
    assert caught[0].filename == __file__  # the warning names the caller's line, not utils/data.py


class Stream(IterableDataset):
    """Yields 0..n-1 as (float, int) pairs; knows its length only if asked to."""

    def __init__(self, n: int, sized: bool = True) -> None:
        self.n, self.sized = n, sized

    def __iter__(self):
        return iter([(float(i), i) for i in range(self.n)])

    def __len__(self) -> int:
        if not self.sized:
            raise TypeError("Stream has no length")
        return self.n


def test_iterable_dataset_is_batched_in_its_own_order() -> None:
    batches = list(DataLoader(Stream(7), batch_size=3))
    assert [b[1].tolist() for b in batches] == [[0, 1, 2], [3, 4, 5], [6]] and batches[0][0].dtype == np.float64
    assert len(DataLoader(Stream(7), batch_size=3)) == 3
    assert len(DataLoader(Stream(7), batch_size=3, drop_last=True)) == 2
    assert [b[1].tolist() for b in DataLoader(Stream(7), batch_size=3, drop_last=True)] == [[0, 1, 2], [3, 4, 5]]
    assert [s[1] for s in DataLoader(Stream(3), batch_size=None)] == [0, 1, 2]
    with pytest.raises(TypeError):
        len(DataLoader(Stream(3, sized=False)))
    with pytest.raises(ValueError, match="shuffle"):
        DataLoader(Stream(3), shuffle=True)
    with pytest.raises(ValueError, match="sampler"):
        DataLoader(Stream(3), sampler=[0, 1])


ERRORS = {
    "sampler and shuffle": lambda data, ds: data.DataLoader(ds, sampler=[0], shuffle=True),
    "batch_sampler and batch_size": lambda data, ds: data.DataLoader(ds, batch_sampler=[[0]], batch_size=2),
    "batch_size None and drop_last": lambda data, ds: data.DataLoader(ds, batch_size=None, drop_last=True),
    "batch_size 0": lambda data, ds: data.BatchSampler(range(3), 0, False),
    "negative num_workers": lambda data, ds: data.DataLoader(ds, num_workers=-1),
    "empty ConcatDataset": lambda data, ds: data.ConcatDataset([]),
    "split lengths": lambda data, ds: data.random_split(ds, [1, 1]),
    "num_samples 0": lambda data, ds: data.RandomSampler(ds, num_samples=0),
}


@pytest.mark.parametrize("name", ERRORS)
def test_errors(name: str) -> None:
    with pytest.raises(ValueError):
        ERRORS[name](tg.utils.data, Numbers(5))


# ---- torch.utils.data: the same batches, structures, lengths and errors ------------------------------------------


@pytest.mark.parametrize("name", COLLATE)
def test_collate_is_torchs(name: str) -> None:
    torch = pytest.importorskip("torch")
    assert describe(default_collate(COLLATE[name])) == describe(torch.utils.data.default_collate(COLLATE[name]))


LOADERS = {
    "batches": dict(batch_size=4),
    "drop_last": dict(batch_size=4, drop_last=True),
    "one batch": dict(batch_size=100),
    "no batching": dict(batch_size=None),
    "sampler": dict(batch_size=3, sampler=[5, 4, 9, 0, 1]),
    "batch_sampler": dict(batch_sampler=[[1, 2], [0], [9, 8, 7]]),
}


@pytest.mark.parametrize("name", LOADERS)
def test_unshuffled_loader_is_torchs(name: str) -> None:
    torch = pytest.importorskip("torch")
    x, y = np.arange(30.0).reshape(10, 3), np.arange(10)
    ours = DataLoader(TensorDataset(tg.tensor(x, dtype=tg.float64), tg.tensor(y, dtype=tg.int64)), **LOADERS[name])
    theirs = torch.utils.data.DataLoader(
        torch.utils.data.TensorDataset(torch.tensor(x), torch.tensor(y)), **LOADERS[name]
    )
    assert len(ours) == len(theirs)
    assert [describe(b) for b in ours] == [describe(b) for b in theirs]


def test_iterable_dataset_batches_are_torchs() -> None:
    torch = pytest.importorskip("torch")

    class TorchStream(torch.utils.data.IterableDataset):
        def __iter__(self):
            return iter(Stream(8))

        def __len__(self):
            return 8

    for options in (dict(batch_size=3), dict(batch_size=3, drop_last=True), dict(batch_size=None)):
        ours, theirs = DataLoader(Stream(8), **options), torch.utils.data.DataLoader(TorchStream(), **options)
        assert len(ours) == len(theirs)
        assert [describe(b) for b in ours] == [describe(b) for b in theirs]
    for options in (dict(shuffle=True), dict(sampler=[0, 1])):
        with pytest.raises(ValueError):
            torch.utils.data.DataLoader(TorchStream(), **options)


@pytest.mark.parametrize(
    "n, lengths", [(10, [0.3, 0.3, 0.4]), (11, [0.25, 0.25, 0.5]), (7, [0.5, 0.5]), (100, [0.7, 0.2, 0.1]), (5, [2, 3])]
)
def test_random_split_lengths_are_torchs(n: int, lengths: list) -> None:
    torch = pytest.importorskip("torch")
    ours = [len(p) for p in random_split(Numbers(n), lengths)]
    theirs = [len(p) for p in torch.utils.data.random_split(Numbers(n), lengths)]
    assert ours == theirs


@pytest.mark.parametrize("name", ERRORS)
def test_torch_raises_value_error_too(name: str) -> None:
    torch = pytest.importorskip("torch")
    # deliberate: torch checks an empty ConcatDataset with a bare assert; a ValueError says the same and survives -O
    expected = AssertionError if name == "empty ConcatDataset" else ValueError
    with pytest.raises(expected):
        ERRORS[name](torch.utils.data, Numbers(5))
