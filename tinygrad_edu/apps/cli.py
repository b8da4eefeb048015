"""The `tinygrad-edu` command (also `python -m tinygrad_edu`): demo, check, bench and as-torch.

Each sub-command lives in its own module and takes its own arguments; this file only dispatches.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

# sub-command -> (module whose main(argv) runs it, one-line help)
COMMANDS = {
    "demo": ("tinygrad_edu.apps.demo", "train the XOR network and show the loss and predictions"),
    "check": (
        "tinygrad_edu.apps.check",
        "reproduce tutorials A-D and compare their hand-derived gradients with autograd",
    ),
    "bench": ("tinygrad_edu.apps.bench", "a quick benchmark of XOR and MLP steps against hand-written NumPy"),
    "as-torch": (
        "tinygrad_edu.apps.as_torch",
        "run a PyTorch script unchanged on tinygrad_edu: as-torch SCRIPT [ARGS...]",
    ),
}


def main(argv: Sequence[str] | None = None) -> int:
    """Run a sub-command; returns its exit status."""
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = argparse.ArgumentParser(
        prog="tinygrad-edu",
        description="tinygrad_edu: a small, exact autograd over NumPy.",
        epilog="Run `tinygrad-edu COMMAND --help` for a command's options.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {_version()}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, (_, help_text) in COMMANDS.items():
        commands.add_parser(name, help=help_text, add_help=False)
    if not argv or argv[0] not in COMMANDS:
        parser.parse_args(argv or ["--help"])  # prints help or argparse's error and exits
        return 2
    module = importlib.import_module(COMMANDS[argv[0]][0])
    return int(module.main(argv[1:]) or 0)


def _version() -> str:
    from tinygrad_edu import __version__

    return __version__


if __name__ == "__main__":
    sys.exit(main())
