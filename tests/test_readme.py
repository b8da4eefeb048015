"""Every ```python block of README.md runs as written: a fresh namespace each, in an empty directory."""

from __future__ import annotations

import re
import traceback
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[1] / "README.md"

# A fenced block: the opening ``` line with its language, the body, and the closing ``` line.
FENCE = re.compile(r"^```[ \t]*(\w*)[^\n]*\n(.*?)^```[ \t]*$", re.MULTILINE | re.DOTALL)


def python_blocks(text: str) -> list[tuple[int, str]]:
    """(line number of the opening fence, source) of every block fenced as ```python or ```py."""
    blocks = []
    for match in FENCE.finditer(text):
        if match.group(1).lower() in ("python", "py"):
            blocks.append((text.count("\n", 0, match.start()) + 1, match.group(2)))
    return blocks


BLOCKS = python_blocks(README.read_text(encoding="utf-8")) if README.exists() else []


def test_the_block_finder_reads_fences_as_markdown_does():
    text = "intro\n```python\nx = 1\n```\n```sh\nls\n```\n\n```py\ny = 2\n```\n"
    assert python_blocks(text) == [(2, "x = 1\n"), (9, "y = 2\n")]


def test_the_readme_has_python_examples():
    assert README.exists(), "README.md is missing"
    assert BLOCKS, "README.md has no ```python block: its examples are what this file tests"


@pytest.mark.parametrize("line, source", BLOCKS, ids=[f"README.md line {line}" for line, _ in BLOCKS])
def test_readme_block_runs(line, source, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # a block that writes a file writes it here
    code = compile(source, f"README.md (block at line {line})", "exec")
    error = None
    try:
        exec(code, {"__name__": "__readme__"})
    except Exception:  # noqa: BLE001  (any error is a failure; show the block's own traceback)
        error = traceback.format_exc()
    if error is not None:  # failed outside the except, so pytest shows this message alone
        pytest.fail(
            f"the ```python block at README.md line {line} raised:\n{error}\nthe block:\n{source}", pytrace=False
        )
