"""Names for the compiled source: whose code a frame runs, and what to call arguments, tensors and values.

Every name in `step.source` comes from the user's own code where it can: the step's parameter
names (`argument_names`), the variables and modules it refers to (`discover_names`), and, while
it is traced, the local variables that hold traced values (`LocalNames`, read from the frames on the
stack each time a node is recorded: no sys.settrace or sys.setprofile). `caller` finds
the line of the user's code a warning or an error should point at.
"""

from __future__ import annotations

import inspect
import os
import sys
import sysconfig
from typing import Any, Callable, Mapping

import numpy as np

import tinygrad_edu
from tinygrad_edu.compiler.sym import Sym, SymFloat
from tinygrad_edu.tensor import Tensor

__all__ = ["RESERVED", "frame_kind", "caller", "numbered", "LocalNames", "argument_names",
           "discover_names"]

# Names the generated function itself uses: no argument or variable may take them.
RESERVED = {"np", "abs", "dict", "step"}


_LIBRARY = os.path.dirname(os.path.abspath(tinygrad_edu.__file__)) + os.sep
_COMPILE = os.path.dirname(os.path.abspath(__file__)) + os.sep
_SKIP = (os.path.dirname(os.path.abspath(np.__file__)) + os.sep,
         os.path.abspath(sysconfig.get_paths()["stdlib"]) + os.sep)


def frame_kind(filename: str) -> str:
    """'compile' (this package), 'library' (the rest of tinygrad_edu), 'skip' (NumPy, stdlib) or 'user'."""
    path = os.path.abspath(filename)
    if path.startswith(_COMPILE):
        return "compile"
    if path.startswith(_LIBRARY):
        return "library"
    if path.startswith(_SKIP) or filename.startswith("<frozen"):
        return "skip"
    return "user"


_TENSOR_PY = _LIBRARY + "tensor.py"


def caller() -> tuple[str, str, int]:
    """(kind, filename, line) of the innermost frame outside this package, NumPy, the stdlib and Tensor's
    own methods (`if loss > 1:` calls Tensor.__bool__, but the decision is the caller's)."""
    frame = sys._getframe(1)
    while frame is not None:
        filename = frame.f_code.co_filename
        kind = frame_kind(filename)
        if kind == "user" or (kind == "library" and os.path.abspath(filename) != _TENSOR_PY):
            return kind, filename, frame.f_lineno
        frame = frame.f_back
    return "user", "<unknown>", 0


def numbered(name: str, taken: Any) -> str:
    """`name`, or the first of name_2, name_3, ... that is not in `taken`."""
    base, k = name, 2
    while name in taken:
        name = f"{base}_{k}"
        k += 1
    return name


class LocalNames:
    """Names traced values after the local variables that hold them, read from the frames on the stack.

    Each time the trace records a node (`Trace.saw_node`), the frames of the user's code and the
    library's are read: a value a user's variable holds gets that name (priority 3), over the name of a
    library's local (priority 1); arrays fixed at trace time are named in `array_names` (id -> (name,
    priority)). No trace or profile hook is installed: the frames are read, nothing is intercepted.

    In the update, a library frame with a local holding a parameter is an optimizer's loop over its
    parameters (`for p in group["params"]`), so a local (`denom`, `t`) holds a new value at each turn:
    there a value is named after the local and the parameter, `denom_W1` (priority 2).
    """

    def __init__(self, array_names: dict[int, tuple[str, int]]) -> None:
        self.array_names = array_names

    def read(self, frame: Any, params: Any = None) -> None:
        """Name the values held by the locals of `frame` and every frame that called it (params: in the update)."""
        while frame is not None:
            kind = _kind(frame.f_code.co_filename)
            local = frame.f_locals
            if kind == "library" and params:
                param = next((params[id(v)] for v in local.values() if isinstance(v, Tensor) and id(v) in params),
                             None)
                if param is not None:
                    self._loop(local, param)
                    frame = frame.f_back
                    continue
            if kind == "user" or kind == "library":
                self._locals(local, 3 if kind == "user" else 1)
            frame = frame.f_back

    def _locals(self, local: dict, priority: int) -> None:
        for name, value in local.items():
            if name.startswith("_") or name == "self" or not name.isidentifier():
                continue
            node = None
            if isinstance(value, Tensor):
                data = getattr(value, "data", None)  # (none yet while Tensor.__init__ runs)
                node = data.node if isinstance(data, Sym) else None
            elif isinstance(value, (Sym, SymFloat)):
                node = value.node
            if node is not None and node.kind in ("expr", "version"):
                node.variable.name_hint(name, priority)
            elif isinstance(value, np.ndarray) and self.array_names.get(id(value), ("", 0))[1] < priority:
                self.array_names[id(value)] = (name, priority)  # names constants: `rows`

    @staticmethod
    def _loop(local: dict, param: str) -> None:
        for name, value in local.items():
            if isinstance(value, (Sym, SymFloat)) and value.node.kind in ("expr", "version") and \
                    value.node.phase == "update" and not name.startswith("_"):
                value.node.variable.name_hint(f"{name}_{param}", 2)


_KINDS: dict[str, str] = {}


def _kind(filename: str) -> str:
    """frame_kind, remembered per file (it is asked for every frame at every recorded node)."""
    kind = _KINDS.get(filename)
    if kind is None:
        kind = _KINDS[filename] = frame_kind(filename)
    return kind


# ---- names from what the step refers to ------------------------------------------------------------

def argument_names(fn: Callable, count: int) -> list[str]:
    """The names of fn's first `count` positional parameters (arg3 for the rest)."""
    try:
        params = [p for p in inspect.signature(fn).parameters.values()
                  if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    except (TypeError, ValueError):
        params = []
    names = [p.name for p in params[:count]]
    return names + [f"arg{i}" for i in range(len(names), count)]


def discover_names(fn: Callable, names: Any = None) -> dict[int, str]:
    """id(tensor) -> a name for the compiled source, from `names=` and from what `fn` refers to.

    Found: tensors in fn's closure, in the globals its code reads and in the attributes of the
    object it is a method of (their variable names); the parameters of modules found there
    (`fc1.weight` -> `fc1_weight`, `0.weight` of `net` -> `net0_weight`); tensors in lists
    (`params[2]` -> `params2`) and dicts (`p["W1"]` -> `W1`).
    """
    from tinygrad_edu.nn import Module

    found: dict[int, str] = {}

    def add(t: Any, name: str) -> None:
        if isinstance(t, Tensor) and id(t) not in found:
            name = "".join(c if c.isalnum() or c == "_" else "_" for c in name)
            found[id(t)] = name if name and not name[0].isdigit() else "p" + name

    def add_module(module: Any, prefix: str) -> None:
        for pname, p in module.named_parameters():
            add(p, (prefix + pname if pname[0].isdigit() else pname))

    if names is not None:
        if isinstance(names, Module):
            add_module(names, "layer")
        else:
            items = names.items() if isinstance(names, Mapping) else names
            for name, t in items:
                add(t, name)
    candidates: list[tuple[str, Any]] = []
    owner = getattr(fn, "__self__", None)
    func = getattr(fn, "__func__", fn)
    if owner is not None:
        if isinstance(owner, Module):
            add_module(owner, "layer")
        if hasattr(owner, "__dict__"):
            candidates += [(k, v) for k, v in vars(owner).items() if not k.startswith("_")]
    try:
        closure = inspect.getclosurevars(func)
        candidates += list(closure.nonlocals.items()) + list(closure.globals.items())
    except (TypeError, ValueError):
        pass
    modules = [name for name, value in candidates
               if isinstance(value, Module) and next(value.parameters(), None) is not None]
    for name, value in candidates:
        if isinstance(value, Tensor):
            add(value, name)
        elif isinstance(value, Module):
            add_module(value, name + ("_" if len(modules) > 1 else ""))
        elif isinstance(value, (list, tuple)):
            for i, t in enumerate(value):
                add(t, f"{name}{i}")
        elif isinstance(value, dict):
            for k, t in value.items():
                if isinstance(k, str):
                    add(t, k if k.isidentifier() else f"{name}_{k}")
    return found
