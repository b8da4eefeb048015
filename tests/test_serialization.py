"""tg.save / tg.load: state dicts through .npz files without pickle, the same structure back, atomic writes."""

from __future__ import annotations

import io
import os
from collections import OrderedDict

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu import nn, optim, serialization
from tinygrad_edu.nn import functional as F
from tinygrad_edu.serialization import load, save


def model() -> nn.Sequential:
    return nn.Sequential(nn.Linear(2, 4), nn.Sigmoid(), nn.Linear(4, 1))


def test_save_and_load_are_exported_as_tg_save_and_tg_load() -> None:
    assert tg.save is save and tg.load is load


def test_model_round_trip_gives_identical_outputs_in_a_fresh_model(tmp_path) -> None:
    trained = model()
    path = tmp_path / "model.npz"
    save(trained.state_dict(), path)
    loaded = load(path)
    assert isinstance(loaded, OrderedDict) and list(loaded) == ["0.weight", "0.bias", "2.weight", "2.bias"]
    for key, value in trained.state_dict().items():
        assert loaded[key].dtype == value.dtype
        np.testing.assert_array_equal(loaded[key], value)
    fresh = model()  # other random weights
    fresh.load_state_dict(loaded)
    x = tg.tensor(np.random.default_rng(0).normal(size=(5, 2)), dtype=tg.float32)
    np.testing.assert_array_equal(fresh(x).data, trained(x).data)


def test_the_file_is_a_plain_npz_that_numpy_reads_without_pickle(tmp_path) -> None:
    path = tmp_path / "model.npz"
    sd = model().state_dict()
    save(sd, path)
    with np.load(path, allow_pickle=False) as npz:
        for key, value in sd.items():
            np.testing.assert_array_equal(npz[key], value)  # stored under the parameter's own name
        assert all(npz[key].dtype != object for key in npz.files)


def test_optimizer_state_dict_comes_back_with_its_structure_and_types(tmp_path) -> None:
    net = model().double()
    opt = optim.Adam(
        [{"params": list(net.parameters())[:2], "lr": 0.1}, {"params": list(net.parameters())[2:]}], amsgrad=True
    )
    F.mse_loss(net(tg.ones(3, 2, dtype=np.float64)), np.zeros((3, 1))).backward()
    opt.step()
    sd = opt.state_dict()
    save(sd, tmp_path / "opt.npz")
    loaded = load(tmp_path / "opt.npz")
    assert loaded.keys() == sd.keys()
    assert loaded["param_groups"] == sd["param_groups"]  # numbers, bools, the betas tuple, params lists
    assert isinstance(loaded["param_groups"][0]["betas"], tuple)
    assert list(loaded["state"]) == [0, 1, 2, 3]  # int keys stay ints
    for i, entries in sd["state"].items():
        assert loaded["state"][i].keys() == entries.keys()
        step = loaded["state"][i]["step"]  # a 0-d float64 array, where PyTorch keeps a 0-d tensor
        assert isinstance(step, np.ndarray) and step.shape == () and step.dtype == np.float64 and step == 1
        for key in ("exp_avg", "exp_avg_sq", "max_exp_avg_sq"):
            np.testing.assert_array_equal(loaded["state"][i][key], entries[key])


ODD = {
    "int and str keys that print alike": {0: np.ones(2), "0": np.zeros(2)},
    "a key with a slash": {"a/b": np.arange(3), "a": {"b": np.arange(4)}},
    "names np.savez would choke on": {"file": np.ones(1), "allow_pickle": np.zeros(1)},
    "plain values": {"int": 3, "float": 0.1, "nan": float("nan"), "bool": True, "none": None, "str": "x", "big": 2**70},
    "containers": {"list": [1, [2.5, np.ones(2)]], "tuple": (0.9, 0.999), "empty": {}, "empty list": []},
    "numpy scalars and dtypes": {
        "f32": np.float32(1.5),
        "i8": np.int8(-3),
        "bool": np.zeros(2, dtype=bool),
        "half": np.ones((2, 0), dtype=np.float16),
    },
    "a top-level array": np.arange(6.0).reshape(2, 3),
    "a top-level list": [np.ones(1), 2],
}


def assert_same(a, b) -> None:
    assert type(a) is type(b), (type(a), type(b))
    if isinstance(a, dict):
        assert list(a) == list(b)
        for key in a:
            assert_same(a[key], b[key])
    elif isinstance(a, (list, tuple)):
        assert len(a) == len(b)
        for x, y in zip(a, b):
            assert_same(x, y)
    elif isinstance(a, (np.ndarray, np.generic)):
        assert a.dtype == b.dtype and a.shape == b.shape
        np.testing.assert_array_equal(a, b)
    elif isinstance(a, float) and np.isnan(a):
        assert np.isnan(b)
    else:
        assert a == b


@pytest.mark.parametrize("name", list(ODD))
def test_round_trip_of_odd_structures(tmp_path, name) -> None:
    save(ODD[name], tmp_path / "x.npz")
    assert_same(load(tmp_path / "x.npz"), ODD[name])


def test_tensors_come_back_as_tensors() -> None:
    buffer = io.BytesIO()
    save({"w": tg.tensor([1.0, 2.0], requires_grad=True), "x": tg.tensor([3.0])}, buffer)
    buffer.seek(0)
    loaded = load(buffer)
    assert isinstance(loaded["w"], tg.Tensor) and loaded["w"].requires_grad and not loaded["x"].requires_grad
    np.testing.assert_array_equal(loaded["w"].data, [1.0, 2.0])


def test_the_path_is_used_exactly_as_given(tmp_path) -> None:
    save({"a": np.ones(1)}, tmp_path / "weights.ckpt")
    save({"a": np.ones(1)}, str(tmp_path / "no_extension"))
    assert sorted(os.listdir(tmp_path)) == ["no_extension", "weights.ckpt"]


def test_a_file_written_by_np_savez_loads_as_its_arrays(tmp_path) -> None:
    np.savez(tmp_path / "plain.npz", w=np.ones(2), b=np.zeros(1))
    loaded = load(tmp_path / "plain.npz")
    assert list(loaded) == ["w", "b"] and np.all(loaded["w"] == 1)


def test_pickled_content_is_refused(tmp_path) -> None:
    path = tmp_path / "evil.npz"
    np.savez(path, payload=np.array([{"a": 1}], dtype=object))  # needs pickle to read
    with pytest.raises(ValueError, match="allow_pickle"):
        load(path)
    with pytest.raises(TypeError, match="dtype object"):
        save({"payload": np.array([{"a": 1}], dtype=object)}, tmp_path / "out.npz")


def test_unsupported_values_are_refused_before_anything_is_written(tmp_path) -> None:
    path = tmp_path / "model.npz"
    with pytest.raises(TypeError, match="set.*state/1"):
        save({"state": {1: {"x": {1, 2}}}}, path)
    with pytest.raises(TypeError, match="dict keys"):
        save({(1, 2): np.ones(1)}, path)
    with pytest.raises(TypeError, match=r"save its state_dict\(\) instead"):
        save(model(), path)
    assert os.listdir(tmp_path) == []


def test_a_failed_write_leaves_the_old_file_and_no_temporary_file(tmp_path, monkeypatch) -> None:
    path = tmp_path / "model.npz"
    save({"w": np.ones(3)}, path)
    original = path.read_bytes()

    def crash(out, arrays):
        out.write(b"half a file")
        raise OSError("disk full")

    monkeypatch.setattr(serialization, "_write_npz", crash)
    with pytest.raises(OSError, match="disk full"):
        save({"w": np.zeros(3)}, path)
    assert path.read_bytes() == original
    assert os.listdir(tmp_path) == ["model.npz"]
    np.testing.assert_array_equal(load(path)["w"], np.ones(3))


DTYPES = [
    np.bool_,
    np.int8,
    np.int16,
    np.int32,
    np.int64,
    np.uint8,
    np.uint16,
    np.uint32,
    np.uint64,
    np.float16,
    np.float32,
    np.float64,
]


@pytest.mark.parametrize("dtype", DTYPES, ids=[np.dtype(d).name for d in DTYPES])
def test_every_dtype_round_trips_exactly_as_array_tensor_and_scalar(dtype) -> None:
    info = np.iinfo(dtype) if np.dtype(dtype).kind in "iu" else None
    values = [info.min, info.max, 0, 1] if info else ([True, False] if dtype is np.bool_ else [0.1, -3e4, 1.5])
    array = np.array(values, dtype=dtype)
    buffer = io.BytesIO()
    save({"array": array, "tensor": tg.tensor(array, dtype=dtype), "scalar": array[0]}, buffer)
    buffer.seek(0)
    loaded = load(buffer)
    for value in (loaded["array"], loaded["tensor"].data, np.asarray(loaded["scalar"])):
        assert value.dtype == np.dtype(dtype)
    np.testing.assert_array_equal(loaded["tensor"].data, array)
    assert loaded["scalar"] == array[0] and type(loaded["scalar"]) is type(array[0])


def test_an_int_tensor_keeps_values_float32_cannot_hold() -> None:
    buffer = io.BytesIO()
    buffers = nn.Module()
    buffers.register_buffer("count", tg.tensor([16777217, 123456789], dtype=tg.int64))
    save(buffers.state_dict(keep_vars=True), buffer)
    buffer.seek(0)
    count = load(buffer)["count"]
    assert isinstance(count, tg.Tensor) and count.dtype == np.int64 and count.tolist() == [16777217, 123456789]


def _npz_with_structure(text: str) -> io.BytesIO:
    buffer = io.BytesIO()
    serialization._write_npz(buffer, {"w": np.ones(2), serialization.STRUCTURE_KEY: np.array(text)})
    buffer.seek(0)
    return buffer


def _npy() -> io.BytesIO:
    buffer = io.BytesIO()
    np.save(buffer, np.arange(3))
    buffer.seek(0)
    return buffer


def _nested(depth: int) -> str:
    return (
        '{"format": "tinygrad_edu", "version": 1, "root": ' + '{"type": "list", "items": [' * depth + "]}" * depth + "}"
    )


MALFORMED = {
    ".npy file": _npy,
    "not a zip": lambda: io.BytesIO(b"this is not a checkpoint"),
    "structure not JSON": lambda: _npz_with_structure("{not json"),
    "structure a JSON list": lambda: _npz_with_structure("[1, 2]"),
    "root node without a type": lambda: _npz_with_structure(
        '{"format": "tinygrad_edu", "version": 1, "root": {"x": 1}}'
    ),
    "unknown node type": lambda: _npz_with_structure(
        '{"format": "tinygrad_edu", "version": 1, "root": {"type": "set"}}'
    ),
    "array key missing": lambda: _npz_with_structure(
        '{"format": "tinygrad_edu", "version": 1, "root": {"type": "ndarray", "key": "nope"}}'
    ),
    "items not pairs": lambda: _npz_with_structure(
        '{"format": "tinygrad_edu", "version": 1, "root": {"type": "dict", "items": [1, 2]}}'
    ),
    "nested too deep": lambda: _npz_with_structure(_nested(5000)),
    "another format": lambda: _npz_with_structure('{"format": "other", "version": 1, "root": 1}'),
}


@pytest.mark.parametrize("name", MALFORMED)
def test_a_malformed_file_is_one_clear_error(name) -> None:
    with pytest.raises(tg.SerializationError, match="load: "):
        load(MALFORMED[name]())


def test_a_key_holding_a_nul_character_is_refused_at_save(tmp_path) -> None:
    with pytest.raises(tg.SerializationError, match="NUL"):
        save({"a\0b": np.ones(1)}, tmp_path / "x.npz")
    assert os.listdir(tmp_path) == []
