"""tg.save / tg.load: state dicts (a model's, an optimizer's) to and from .npz files, without pickle.

A pickle file can run code when it is loaded; an .npz file is a zip of plain arrays, so loading one
is safe. The format:

- Every array goes in the zip under a flat key: the path to it in the nested structure, its keys
  joined by '/'. A model's state dict {'0.weight': array, ...} becomes the entries '0.weight', ...,
  so `np.load(path)['0.weight']` reads it back with NumPy alone; an optimizer's state
  {'state': {0: {'exp_avg': array}}, ...} becomes 'state/0/exp_avg'. (Should two paths collide, e.g.
  the keys 0 and '0', or a key holding '/', a suffix '#2', '#3', ... keeps the names distinct.)
- One more entry, '__tinygrad_edu_structure__', is a JSON text (stored as a NumPy string, which
  needs no pickle) describing everything else: which containers (dict, OrderedDict, list, tuple)
  hold what, with their keys in order and of their own types (int or str), the plain values (int,
  float, bool, str, None) inline, and for each array the flat key it is stored under.
  A JSON node is a plain value, or an object {"type": ...}:
      {"type": "dict" | "OrderedDict", "items": [[key, node], ...]}
      {"type": "list" | "tuple", "items": [node, ...]}
      {"type": "ndarray" | "scalar" | "Tensor", "key": flat key}   (scalar: a NumPy number)
  An .npz written by `np.savez` (no structure entry) loads as an OrderedDict of its arrays.

Files are written atomically: to a temporary file in the same folder, then renamed over the
target, so a crash never leaves a half-written checkpoint.
"""

from __future__ import annotations

import json
import os
import uuid
import zipfile
from collections import OrderedDict
from typing import Any, BinaryIO, Union

import numpy as np

from tinygrad_edu.tensor import Tensor

__all__ = ["save", "load"]

STRUCTURE_KEY = "__tinygrad_edu_structure__"
FORMAT_VERSION = 1

PathLike = Union[str, "os.PathLike[str]"]


def _flatten(obj: Any, path: list[str], arrays: dict[str, np.ndarray]) -> Any:
    """The JSON node describing obj; every array found is added to `arrays` under a fresh flat key."""
    if isinstance(obj, (np.ndarray, Tensor, np.generic)):
        kind = "Tensor" if isinstance(obj, Tensor) else "ndarray" if isinstance(obj, np.ndarray) else "scalar"
        array = np.asarray(obj.data if isinstance(obj, Tensor) else obj)
        if array.dtype.hasobject:
            raise TypeError(f"save: the array at {'/'.join(path) or 'the top'} holds Python objects "
                            "(dtype object), which cannot be stored without pickle")
        key = base = "/".join(path) or "array"
        n = 1
        while key in arrays or key == STRUCTURE_KEY:
            n += 1
            key = f"{base}#{n}"
        arrays[key] = array
        node = {"type": kind, "key": key}
        if isinstance(obj, Tensor) and obj.requires_grad:
            node["requires_grad"] = True
        return node
    if obj is None or isinstance(obj, (bool, int, float, str)):
        return obj
    if isinstance(obj, dict):
        items = []
        for key, value in obj.items():
            if isinstance(key, bool) or not isinstance(key, (str, int)):
                raise TypeError(f"save: dict keys must be str or int, got {key!r} at {'/'.join(path) or 'the top'}")
            items.append([key, _flatten(value, path + [str(key)], arrays)])
        return {"type": "OrderedDict" if isinstance(obj, OrderedDict) else "dict", "items": items}
    if isinstance(obj, (list, tuple)):
        items = [_flatten(value, path + [str(i)], arrays) for i, value in enumerate(obj)]
        return {"type": "tuple" if isinstance(obj, tuple) else "list", "items": items}
    hint = "; save its state_dict() instead" if hasattr(obj, "state_dict") else ""
    raise TypeError(f"save: cannot store a {type(obj).__name__} (at {'/'.join(path) or 'the top'}){hint}; "
                    "state dicts hold dicts, lists, tuples, arrays, Tensors, numbers, strings and None")


def _unflatten(node: Any, arrays: Any) -> Any:
    """Rebuild the object that a JSON node describes, reading arrays from the open .npz."""
    if not isinstance(node, dict):
        return node
    kind = node["type"]
    if kind in ("dict", "OrderedDict"):
        pairs = [(key, _unflatten(value, arrays)) for key, value in node["items"]]
        return OrderedDict(pairs) if kind == "OrderedDict" else dict(pairs)
    if kind in ("list", "tuple"):
        values = [_unflatten(value, arrays) for value in node["items"]]
        return tuple(values) if kind == "tuple" else values
    array = arrays[node["key"]]
    if kind == "scalar":
        return array[()]
    if kind == "Tensor":
        return Tensor(array, requires_grad=node.get("requires_grad", False))
    return array


def _write_npz(out: BinaryIO, arrays: dict[str, np.ndarray]) -> None:
    """Write arrays as an .npz (what np.savez writes: a zip of one .npy file per key), pickle refused.

    Written here rather than with np.savez(out, **arrays), where a key such as 'file' would clash
    with np.savez's own argument names.
    """
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_STORED, allowZip64=True) as archive:
        for key, array in arrays.items():
            with archive.open(key + ".npy", "w", force_zip64=True) as member:
                np.lib.format.write_array(member, np.asanyarray(array), allow_pickle=False)


def save(obj: Any, f: Union[PathLike, BinaryIO]) -> None:
    """Save a state dict (or any nesting of dicts, lists, tuples, arrays, Tensors and numbers) as .npz.

    `f` is a path, used exactly as given (no '.npz' is appended), or a binary file object. A path is
    written atomically: a temporary file, then a rename.

    Example:
        >>> tg.save(model.state_dict(), "model.npz")
        >>> tg.save({"model": model.state_dict(), "optimizer": opt.state_dict(), "epoch": 3}, "ckpt.npz")
    """
    arrays: dict[str, np.ndarray] = {}
    structure = {"format": "tinygrad_edu", "version": FORMAT_VERSION, "root": _flatten(obj, [], arrays)}
    arrays[STRUCTURE_KEY] = np.array(json.dumps(structure))  # a unicode string array: no pickle needed
    if hasattr(f, "write"):
        _write_npz(f, arrays)
        return
    path = os.fspath(f)
    # A fresh name in the same folder (os.replace is atomic only within one file system); opened
    # with open(), so the file gets the usual permissions (mkstemp would make it private).
    tmp = os.path.join(os.path.dirname(os.path.abspath(path)),
                       f".{os.path.basename(path)}.{os.getpid()}.{uuid.uuid4().hex[:8]}.tmp")
    try:
        with open(tmp, "xb") as out:
            _write_npz(out, arrays)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise


def load(f: Union[PathLike, BinaryIO]) -> Any:
    """Load what `save` stored: the same nesting, with arrays as ndarrays (Tensors stay Tensors).

    Never unpickles anything (np.load with allow_pickle=False). A model's state dict comes back
    as an OrderedDict of name -> ndarray, ready for `model.load_state_dict`.

    Example:
        >>> tg.save(model.state_dict(), "model.npz")
        >>> missing, unexpected = model.load_state_dict(tg.load("model.npz"))
    """
    with np.load(f, allow_pickle=False) as npz:
        if STRUCTURE_KEY not in npz.files:  # a plain np.savez file: its arrays, in order
            return OrderedDict((key, npz[key]) for key in npz.files)
        structure = json.loads(str(npz[STRUCTURE_KEY][()]))
        if structure.get("format") != "tinygrad_edu" or structure.get("version", 0) > FORMAT_VERSION:
            raise ValueError(f"load: unsupported file format {structure.get('format')!r} "
                             f"version {structure.get('version')!r}")
        return _unflatten(structure["root"], npz)
