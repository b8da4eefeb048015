"""`tinygrad-edu as-torch SCRIPT [ARGS...]`: run a PyTorch script unchanged, with `import torch` giving tinygrad_edu.

The script runs as `__main__` (so its `if __name__ == "__main__":` block runs), with `sys.argv` set to
[SCRIPT, ARGS...] and its own folder first on `sys.path`, as `python SCRIPT ARGS...` would run it.
"""

from __future__ import annotations

import runpy
import sys
from collections.abc import Sequence
from pathlib import Path

from tinygrad_edu.torch_alias import TORCH_MODULES, as_torch

USAGE = f"""usage: tinygrad-edu as-torch SCRIPT [ARGS...]

Run the PyTorch script SCRIPT with ARGS on tinygrad_edu: `import torch` and its modules
{", ".join(TORCH_MODULES)}
give tinygrad_edu's modules. A torch name that tinygrad_edu lacks is an AttributeError (or
ImportError) naming it."""


def main(argv: Sequence[str] | None = None) -> int:
    """Run the script named by argv[0] with the arguments argv[1:]; returns 0 (or the script's SystemExit)."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] in ("-h", "--help"):
        print(USAGE)
        return 0 if argv else 2
    script = Path(argv[0])
    if not script.is_file():
        print(f"tinygrad-edu as-torch: no such script: {script}", file=sys.stderr)
        return 2
    as_torch()
    sys.argv = [str(script), *argv[1:]]
    sys.path.insert(0, str(script.resolve().parent))
    runpy.run_path(str(script), run_name="__main__")
    return 0
