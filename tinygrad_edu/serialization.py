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
from typing import Any, BinaryIO, Union, cast

import numpy as np

from tinygrad_edu.errors import SerializationError
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
        node: dict[str, Any] = {"type": kind, "key": key}
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
            if isinstance(key, str) and "\0" in key:  # a zip member's name ends at a NUL: it would not read back
                raise SerializationError(f"save: dict key {key!r} at {'/'.join(path) or 'the top'} holds a NUL "
                                         "character, which the .npz format cannot store; rename the key")
            items.append([key, _flatten(value, path + [str(key)], arrays)])
        return {"type": "OrderedDict" if isinstance(obj, OrderedDict) else "dict", "items": items}
    if isinstance(obj, (list, tuple)):
        items = [_flatten(value, path + [str(i)], arrays) for i, value in enumerate(obj)]
        return {"type": "tuple" if isinstance(obj, tuple) else "list", "items": items}
    hint = "; save its state_dict() instead" if hasattr(obj, "state_dict") else ""
    raise TypeError(f"save: cannot store a {type(obj).__name__} (at {'/'.join(path) or 'the top'}){hint}; "
                    "state dicts hold dicts, lists, tuples, arrays, Tensors, numbers, strings and None")


def _unflatten(node: Any, arrays: Any) -> Any:
    """Rebuild the object that a JSON node describes, reading arrays from the open .npz.

    A node that is not what `_flatten` writes raises KeyError, TypeError or ValueError, which `load`
    reports as a SerializationError.
    """
    if not isinstance(node, dict):
        if isinstance(node, list):
            raise TypeError(f"a bare JSON list {node!r:.60} where a value or a node was expected")
        return node
    kind = node["type"]
    if kind in ("dict", "OrderedDict"):
        pairs = []
        for key, value in node["items"]:
            if isinstance(key, bool) or not isinstance(key, (str, int)):
                raise TypeError(f"dict key {key!r} is not a str or an int")
            pairs.append((key, _unflatten(value, arrays)))
        return OrderedDict(pairs) if kind == "OrderedDict" else dict(pairs)
    if kind in ("list", "tuple"):
        values = [_unflatten(value, arrays) for value in node["items"]]
        return tuple(values) if kind == "tuple" else values
    if kind not in ("ndarray", "scalar", "Tensor"):
        raise ValueError(f"unknown node type {kind!r}")
    key = node["key"]
    if not isinstance(key, str) or key not in arrays.files:
        raise KeyError(f"array {key!r} named by the structure is not in the file")
    array = arrays[key]
    if kind == "scalar":
        return array[()]
    if kind == "Tensor":  # its own dtype, whatever it is: an int64 or bool tensor comes back as it was
        return Tensor(array, dtype=array.dtype, requires_grad=bool(node.get("requires_grad", False)))
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
    if hasattr(f, "write"):  # a file object (mypy cannot narrow the union by hasattr, hence the cast)
        _write_npz(cast(BinaryIO, f), arrays)
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
    name = f if isinstance(f, (str, os.PathLike)) else getattr(f, "name", "the file object")
    try:
        npz = np.load(f, allow_pickle=False)
    except (ValueError, EOFError, OSError, zipfile.BadZipFile) as error:
        if isinstance(error, FileNotFoundError):
            raise
        raise SerializationError(f"load: {name} is not a file tg.save wrote (an .npz) and cannot be read "
                                 f"without pickle: {error}") from None
    if not isinstance(npz, np.lib.npyio.NpzFile):  # an .npy file: np.load gave its one array
        raise SerializationError(f"load: {name} is an .npy file (one array), not an .npz written by tg.save "
                                 "or np.savez; read it with np.load")
    with npz:
        try:
            if STRUCTURE_KEY not in npz.files:  # a plain np.savez file: its arrays, in order
                return OrderedDict((key, npz[key]) for key in npz.files)
            structure = json.loads(str(npz[STRUCTURE_KEY][()]))
            if not isinstance(structure, dict):
                raise TypeError("the structure is not a JSON object")
        except SerializationError:
            raise
        except (ValueError, TypeError, KeyError, OSError, RecursionError, zipfile.BadZipFile) as error:
            raise SerializationError(f"load: {name} is not a valid .npz: {error}") from None
        if structure.get("format") != "tinygrad_edu" or not isinstance(structure.get("version", 0), int) \
                or structure.get("version", 0) > FORMAT_VERSION:
            raise SerializationError(f"load: unsupported file format {structure.get('format')!r} "
                                     f"version {structure.get('version')!r}; this is tinygrad_edu's format "
                                     f"version {FORMAT_VERSION}")
        try:
            return _unflatten(structure["root"], npz)
        except (KeyError, TypeError, ValueError, AttributeError, IndexError, RecursionError) as error:
            raise SerializationError(f"load: {name} has a malformed structure entry ({type(error).__name__}: "
                                     f"{error}); was it written by tg.save?") from None
