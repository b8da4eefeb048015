"""The source distribution: built from this tree, it carries the licence and everything its own tests use."""

import shutil
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

# What `pytest` inside the unpacked sdist needs, besides the package: the tests and the scripts they run.
NEEDED = ["LICENSE", "README.md", "pyproject.toml", "conftest.py", "tinygrad_edu/py.typed"]
NEEDED_TREES = ["tinygrad_edu", "tests", "examples", "benchmarks"]


def _build_sdist(work: Path) -> Path:
    """Build the sdist with setuptools' own backend (offline: no isolated environment, no download).

    It builds from a copy of the tree without *.egg-info: setuptools adds every file an old egg-info's
    SOURCES.txt lists, which would hide a file that MANIFEST.in no longer ships.
    """
    setuptools = pytest.importorskip("setuptools")
    if int(setuptools.__version__.split(".")[0]) < 77:
        pytest.skip(f"setuptools {setuptools.__version__} cannot build this project (needs >= 77, `license-files`)")
    source, out = work / "source", work / "dist"
    shutil.copytree(ROOT, source, ignore=shutil.ignore_patterns("*.egg-info", ".venv", ".git", "build", "dist"))
    code = f"from setuptools import build_meta; print(build_meta.build_sdist({str(out)!r}))"
    result = subprocess.run([sys.executable, "-c", code], cwd=source, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    return out / result.stdout.strip().splitlines()[-1]


@pytest.fixture(scope="module")
def sdist(tmp_path_factory) -> tarfile.TarFile:
    if not (ROOT / "pyproject.toml").exists():
        pytest.skip("not a source tree: nothing to build an sdist from")
    with tarfile.open(_build_sdist(tmp_path_factory.mktemp("sdist"))) as archive:
        yield archive


def _members(archive: tarfile.TarFile) -> set[str]:
    """Paths inside the sdist, without its top folder (tinygrad_edu-VERSION/)."""
    return {name.split("/", 1)[1] for name in archive.getnames() if "/" in name}


def test_sdist_carries_the_licence_and_what_its_tests_need(sdist):
    expected = set(NEEDED)
    for tree in NEEDED_TREES:
        expected |= {str(path.relative_to(ROOT)) for path in (ROOT / tree).rglob("*.py")}
    missing = sorted(expected - _members(sdist))
    assert not missing, f"the sdist lacks {missing}"


def test_sdist_leaves_out_local_state(sdist):
    local = [
        name for name in _members(sdist) if name.split("/")[0] in (".venv", ".git", ".ci") or "__pycache__" in name
    ]
    assert not local, f"the sdist ships local files: {local[:5]}"


def test_sdist_metadata_names_the_licence_by_spdx(sdist):
    top = sdist.getnames()[0].split("/")[0]
    metadata = sdist.extractfile(f"{top}/PKG-INFO").read().decode()
    assert "License-Expression: MIT" in metadata
    assert "License-File: LICENSE" in metadata
    assert "Copyright (c) 2026 the tinygrad_edu authors" in (ROOT / "LICENSE").read_text()
