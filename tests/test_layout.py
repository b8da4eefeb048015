"""The library core never imports its applications (tinygrad_edu/apps/: the command line, demo, check, bench,
the tutorial references and checks): the dependency runs one way, so the core reads and imports on its own."""

import ast
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "tinygrad_edu"
APPS = "tinygrad_edu.apps"
# `python -m tinygrad_edu` is the command line's door, so it is an application's file that lives at the top
ENTRY_POINTS = {PACKAGE / "__main__.py"}


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported_modules(source: str, module: str, is_package: bool) -> set[str]:
    """Every module an `import` or `from ... import` in `source` names, relative ones made absolute
    (`from . import x` names both the package and package.x, since x may be a module)."""
    package = module if is_package else module.rpartition(".")[0]
    names = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = package.split(".")[: len(package.split(".")) - (node.level - 1)] if node.level else []
            origin = ".".join([*base, *([node.module] if node.module else [])])
            names |= {origin} | {f"{origin}.{alias.name}" for alias in node.names}
    return names


def _is_app(name: str) -> bool:
    return name == APPS or name.startswith(APPS + ".")


def core_files() -> list[Path]:
    return [
        path for path in sorted(PACKAGE.rglob("*.py")) if path not in ENTRY_POINTS and not _is_app(_module_name(path))
    ]


# (source, its module, is it a package's __init__, does it import an application?)
DETECTOR_CASES = [
    ("from tinygrad_edu.apps.reference import TUTORIALS", "tinygrad_edu.gradcheck", False, True),
    ("import tinygrad_edu.apps.cli", "tinygrad_edu.gradcheck", False, True),
    ("from tinygrad_edu import apps", "tinygrad_edu.gradcheck", False, True),
    ("from .apps import demo", "tinygrad_edu.gradcheck", False, True),
    ("from ..apps.bench import main", "tinygrad_edu.debug.localise", False, True),
    ("from . import apps", "tinygrad_edu", True, True),
    ("def f():\n    from tinygrad_edu.apps import check", "tinygrad_edu.nn.loss", False, True),
    ("from tinygrad_edu import nn, optim", "tinygrad_edu.gradcheck", False, False),
    ("from ..autograd import Function", "tinygrad_edu.ops.loss", False, False),
    ("import tinygrad_edu.application_notes", "tinygrad_edu.gradcheck", False, False),
]


@pytest.mark.parametrize("source, module, is_package, imports_app", DETECTOR_CASES)
def test_the_import_walk_finds_every_spelling_of_an_application_import(source, module, is_package, imports_app):
    assert any(map(_is_app, imported_modules(source, module, is_package))) == imports_app


def test_core_modules_never_import_the_applications():
    files = core_files()
    assert PACKAGE / "tensor.py" in files and PACKAGE / "debug" / "localise.py" in files  # the walk sees the core
    offenders = {
        str(path.relative_to(PACKAGE.parent)): sorted(filter(_is_app, found))
        for path in files
        if any(map(_is_app, found := imported_modules(path.read_text(), _module_name(path), path.stem == "__init__")))
    }
    assert not offenders, f"the library core imports its applications: {offenders}"


def test_importing_the_library_loads_no_application():
    code = (
        "import sys, tinygrad_edu, tinygrad_edu.nn, tinygrad_edu.optim, tinygrad_edu.debug, tinygrad_edu.utils.data\n"
        "print(sorted(m for m in sys.modules if m == 'tinygrad_edu.apps' or m.startswith('tinygrad_edu.apps.')))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"
