"""The name lists stay in step: adding an op is its Function class, a Tensor method and a gradcheck row, and
every list a learner reads by hand (the imports of tinygrad_edu/ops/__init__.py, the `__all__`s of the
free functions) is checked here, so a forgotten entry fails with a message that says where to add it.

Why explicit lists and tests rather than lists built by a loop: a reader who greps for `Sinh` or `tg.sin`
finds the line that names it, and ruff and mypy read a literal `__all__` (a computed one hides the names
from both). tests/test_gradcheck_ops.py checks the other direction: every op class has a gradcheck row.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu import functional, functional_surface, ops
from tinygrad_edu.nn import functional as nn_functional

# ops/loss.py's fused losses are called by nn.functional's losses, which are their front door
NOT_EXPORTED_MODULES = {"loss"}


def op_classes_defined_in_ops() -> dict[str, tuple[str, type]]:
    """Every public Function subclass written in a module of tinygrad_edu/ops, by name: (module, class)."""
    found = {}
    for info in pkgutil.iter_modules(ops.__path__):
        module = importlib.import_module(f"tinygrad_edu.ops.{info.name}")
        for name, value in vars(module).items():
            if (
                inspect.isclass(value)
                and issubclass(value, tg.Function)
                and value.__module__ == module.__name__
                and not name.startswith("_")
            ):
                found[name] = (info.name, value)
    return found


def test_every_op_class_is_exported_from_tinygrad_edu_ops() -> None:
    missing = [
        f"{name} (tinygrad_edu/ops/{module}.py)"
        for name, (module, cls) in op_classes_defined_in_ops().items()
        if module not in NOT_EXPORTED_MODULES and getattr(ops, name, None) is not cls
    ]
    assert not missing, (
        f"op classes not exported: {', '.join(missing)}; add each to its import line and to __all__ in "
        "tinygrad_edu/ops/__init__.py"
    )


def test_ops_all_is_exactly_the_imported_op_classes() -> None:
    imported = {name for name, value in vars(ops).items() if inspect.isclass(value) and issubclass(value, tg.Function)}
    assert set(ops.__all__) == imported, (
        f"tinygrad_edu/ops/__init__.py: __all__ and the imports differ: only in __all__ "
        f"{sorted(set(ops.__all__) - imported)}, only imported {sorted(imported - set(ops.__all__))}"
    )


@pytest.mark.parametrize("module", [functional, functional_surface, nn_functional], ids=lambda m: m.__name__)
def test_every_public_function_of_a_functional_module_is_in_its_all(module) -> None:
    defined = {
        name
        for name, value in vars(module).items()
        if inspect.isfunction(value) and value.__module__ == module.__name__ and not name.startswith("_")
    }
    assert not defined - set(module.__all__), (
        f"{module.__file__}: functions missing from __all__: {sorted(defined - set(module.__all__))}"
    )
    assert not set(module.__all__) - set(vars(module)), (
        f"{module.__file__}: __all__ names that are not defined: {sorted(set(module.__all__) - set(vars(module)))}"
    )


def test_every_name_in_tg_all_exists_once() -> None:
    assert [name for name in tg.__all__ if not hasattr(tg, name)] == []
    twice = sorted({name for name in tg.__all__ if tg.__all__.count(name) > 1})
    assert not twice, f"tinygrad_edu/__init__.py: names in __all__ twice: {twice}"


def test_tg_exports_every_free_function() -> None:
    for module in (functional, functional_surface):
        missing = [name for name in module.__all__ if getattr(tg, name, None) is not getattr(module, name)]
        assert not missing, f"tg.{missing[0]} is not {module.__name__}.{missing[0]}: see tinygrad_edu/__init__.py"


# ---- against PyTorch: a Tensor method whose torch.<name> exists has a tg.<name> ----------------------

torch = pytest.importorskip("torch")


def test_every_method_that_torch_has_as_a_function_has_a_tg_function() -> None:
    methods = [name for name in dir(tg.Tensor) if not name.startswith("_") and callable(getattr(tg.Tensor, name))]
    # In-place methods (a trailing underscore) are methods only; torch.clamp_ & co. are internal aliases.
    missing = [
        name
        for name in methods
        if not name.endswith("_") and callable(getattr(torch, name, None)) and not hasattr(tg, name)
    ]
    assert not missing, (
        f"Tensor methods with a torch.<name> function but no tg.<name>: {missing}; add each to "
        "tinygrad_edu/functional.py (or functional_surface.py) and its __all__"
    )


X = np.array([[0.5, -1.5, 2.0], [3.0, -0.25, 1.0]])
Y = np.array([[1.0, 2.0, -1.0], [0.5, 0.5, 4.0]])

# (name, arguments after the tensor): tg.<name>(x, ...) against torch.<name>(x, ...), both from X (and Y)
FUNCTION_FORMS = [
    ("add", (Y,)),
    ("sub", (Y,)),
    ("mul", (Y,)),
    ("div", (Y,)),
    ("pow", (2.0,)),
    ("neg", ()),
    ("clip", (-1.0, 1.0)),
    ("max", ()),
    ("max", (1,)),
    ("max", (0, True)),
    ("max", (Y,)),
    ("min", (1,)),
    ("min", (Y,)),
    ("reshape", ((3, 2),)),
    ("flatten", ()),
    ("squeeze", ()),
    ("unsqueeze", (1,)),
    ("permute", ((1, 0),)),
    ("transpose", (0, 1)),
    ("t", ()),
    ("broadcast_to", ((4, 2, 3),)),
    ("clone", ()),
    ("detach", ()),
    ("arcsinh", ()),
    ("arctanh", ()),
    ("fix", ()),
    ("sgn", ()),
    ("fliplr", ()),
    ("flipud", ()),
    ("greater", (Y,)),
    ("less_equal", (Y,)),
    ("not_equal", (Y,)),
]


def _as(lib, value):
    """A NumPy array argument as a tensor of `lib` (tg or torch); anything else as it is."""
    return (tg.tensor if lib is tg else torch.tensor)(value) if isinstance(value, np.ndarray) else value


@pytest.mark.parametrize("name, args", FUNCTION_FORMS, ids=[f"{n}{len(a)}" for n, a in FUNCTION_FORMS])
def test_function_forms_match_torch(name, args) -> None:
    x = X / 4 if name in ("arctanh",) else X  # (artanh is defined on (-1, 1))
    ours = getattr(tg, name)(tg.tensor(x), *[_as(tg, a) for a in args])
    theirs = getattr(torch, name)(torch.tensor(x), *[_as(torch, a) for a in args])
    pairs = zip(ours, theirs) if isinstance(theirs, tuple) else [(ours, theirs)]  # (values, indices)
    for a, b in pairs:
        assert a.shape == tuple(b.shape)
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-12)


# ---- the free functions of functional_surface3.py: the same checks as the modules above --------------------------


def test_functional_surface3_lists_every_function_in_its_all_and_tg_exports_each() -> None:
    from tinygrad_edu import functional_surface3

    test_every_public_function_of_a_functional_module_is_in_its_all(functional_surface3)
    missing = [n for n in functional_surface3.__all__ if getattr(tg, n, None) is not getattr(functional_surface3, n)]
    assert not missing, f"tg.{missing[0]} is not functional_surface3.{missing[0]}: see tinygrad_edu/__init__.py"
