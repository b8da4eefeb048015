"""`tg.as_torch()`: `import torch` (and torch.nn, torch.optim, ...) gives tinygrad_edu's own modules, so a PyTorch
script runs on tinygrad_edu unchanged (`python -m tinygrad_edu as-torch SCRIPT` calls it, then runs the script).

Each torch module name becomes a second name for one tinygrad_edu module: `sys.modules["torch.nn"]` is the very
object `tinygrad_edu.nn`, so there is no second copy and `torch.nn.Linear is tg.nn.Linear`. A torch name that
tinygrad_edu lacks fails where it is used, with its name: `torch.fft` is an AttributeError (from the modules'
`__getattr__`, `torch_attribute_error` below) and `import torch.distributions` an ImportError (from the import
finder below), never a confusing failure later.

One name is not tinygrad_edu's own: `torch.Tensor`, called, is PyTorch's legacy constructor (`torch.Tensor([1, 2])`
is float32, `torch.Tensor(2, 3)` a (2, 3) float tensor), where `tg.Tensor(data)` keeps the data's dtype as
`tg.tensor` does. So as_torch makes `tinygrad_edu.Tensor` (the same name: `torch` is `tinygrad_edu`) `TorchTensor`
(torch_tensor.py), a subclass that every tensor counts as an instance of; the library's own code uses
`tinygrad_edu.tensor.Tensor`, which stays as it is.
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import sys
from collections.abc import Callable, Sequence
from types import ModuleType
from typing import NoReturn

__all__ = ["as_torch", "TORCH_MODULES", "torch_attribute_error", "torch_prefix"]

# torch's module -> the tinygrad_edu module it becomes
TORCH_MODULES = {
    "torch": "tinygrad_edu",
    "torch.nn": "tinygrad_edu.nn",
    "torch.nn.functional": "tinygrad_edu.nn.functional",
    "torch.nn.init": "tinygrad_edu.nn.init",
    "torch.nn.utils": "tinygrad_edu.nn.utils",
    "torch.nn.utils.rnn": "tinygrad_edu.nn.rnn_utils",
    "torch.optim": "tinygrad_edu.optim",
    "torch.optim.lr_scheduler": "tinygrad_edu.optim.lr_scheduler",
    "torch.utils": "tinygrad_edu.utils",
    "torch.utils.data": "tinygrad_edu.utils.data",
    "torch.utils.hooks": "tinygrad_edu.utils.hooks",
    "torch.autograd": "tinygrad_edu.autograd",
    "torch.autograd.function": "tinygrad_edu.autograd.function",
    "torch.autograd.functional": "tinygrad_edu.autograd.functional",
    "torch.linalg": "tinygrad_edu.linalg",
    "torch.cuda": "tinygrad_edu.cuda",
    "torch.backends": "tinygrad_edu.backends",
    "torch.special": "tinygrad_edu.special",
    "torch.distributions": "tinygrad_edu.distributions",
    "torch.func": "tinygrad_edu.func",
    "torch.nn.utils.parametrize": "tinygrad_edu.nn.parametrize",
    "torch.nn.utils.parametrizations": "tinygrad_edu.nn.parametrizations",
    "torch.optim.swa_utils": "tinygrad_edu.optim.swa_utils",
    "torch.nn.utils.stateless": "tinygrad_edu.nn.stateless",
}
_TORCH_NAMES = {ours: theirs for theirs, ours in TORCH_MODULES.items()}

README_HINT = "the README's section 'PyTorch scripts on tinygrad_edu' lists what is covered"


def torch_attribute_error(module_name: str) -> Callable[[str], NoReturn]:
    """A module's `__getattr__` (PEP 562, called only for a name the module lacks) whose AttributeError says which
    torch name tinygrad_edu does not implement: `tg.nn.SyncBatchNorm` names `torch.nn.SyncBatchNorm`."""
    torch_name = _TORCH_NAMES.get(module_name, module_name)

    def __getattr__(name: str) -> NoReturn:
        if name.startswith("__"):  # Python's own probes (__path__, __wrapped__, ...): the plain message
            raise AttributeError(f"module {module_name!r} has no attribute {name!r}")
        raise AttributeError(
            f"module {module_name!r} has no attribute {name!r}: tinygrad_edu does not implement "
            f"{torch_name}.{name} ({README_HINT})"
        )

    return __getattr__


class _MissingTorchModules(importlib.abc.MetaPathFinder):
    """Refuses `import torch.X` for any X not in TORCH_MODULES with an ImportError that says so.

    It sits in front of the other finders, so a real PyTorch installed beside us is never half-imported into
    the tinygrad_edu modules standing in for it.
    """

    def find_spec(
        self, fullname: str, path: Sequence[str] | None, target: ModuleType | None = None
    ) -> importlib.machinery.ModuleSpec | None:
        if fullname.split(".")[0] != "torch" or fullname in TORCH_MODULES:
            return None
        raise ModuleNotFoundError(
            f"tinygrad_edu does not implement {fullname} (as_torch maps only {', '.join(TORCH_MODULES)}; "
            f"{README_HINT})",
            name=fullname,
        )


def as_torch() -> ModuleType:
    """Make `import torch`, `torch.nn`, `torch.nn.functional`, `torch.optim`, `torch.optim.lr_scheduler`,
    `torch.utils.data` and `torch.autograd` give tinygrad_edu's modules from now on; returns `torch`.

    Call it before the first `import torch` (in a notebook: first cell). If the real PyTorch is already
    imported, its modules stay where earlier code holds them, and mixing the two would fail in confusing
    ways, so that is a RuntimeError. Calling it twice is harmless. From then on `torch.Tensor`, which is
    `tinygrad_edu.Tensor`, is `TorchTensor`: PyTorch's legacy constructor.

    Example:
        >>> import subprocess, sys
        >>> script = "import tinygrad_edu; tinygrad_edu.as_torch(); import torch.nn as nn; print(nn.Linear)"
        >>> subprocess.run([sys.executable, "-c", script], capture_output=True, text=True).stdout
        "<class 'tinygrad_edu.nn.linear.Linear'>\\n"
    """
    current = sys.modules.get("torch")
    if current is not None and getattr(current, "__name__", None) != "tinygrad_edu":
        raise RuntimeError(
            "as_torch: the real torch is already imported in this process; call tinygrad_edu.as_torch() "
            "before the first `import torch` (e.g. restart the notebook's kernel and call it first)"
        )
    for theirs, ours in TORCH_MODULES.items():
        sys.modules[theirs] = importlib.import_module(ours)
    from tinygrad_edu.torch_tensor import TorchTensor  # (imported here: this module loads before Tensor exists)

    sys.modules["torch"].Tensor = TorchTensor  # type: ignore[attr-defined]  # torch.Tensor(...): see above
    if not any(isinstance(finder, _MissingTorchModules) for finder in sys.meta_path):
        sys.meta_path.insert(0, _MissingTorchModules())
    return sys.modules["torch"]


def torch_prefix() -> str:
    """`torch.` while as_torch is in force (`import torch` gives tinygrad_edu), else nothing: what is printed before
    a name such as Size, so that an as-torch script prints `torch.Size([2, 3])` as PyTorch does."""
    return "torch." if sys.modules.get("torch") is sys.modules.get("tinygrad_edu") else ""
