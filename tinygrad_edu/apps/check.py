"""`tinygrad-edu check`: reproduce tutorials A-D with autograd and print how close each comes, as a table.

For each tutorial the network is rebuilt with `tinygrad_edu.nn`, loaded with the tutorial's own initial
weights, and checked three ways (see `tinygrad_edu.apps.tutorial_checks`): its autograd gradients against the
tutorial's hand-derived ones, its full training run against the tutorial's, and its final predictions
against those the tutorial publishes. The exit status is 1 if any check fails, else 0.
"""

from __future__ import annotations

import argparse
import textwrap
import time
from collections.abc import Sequence

import numpy as np

from tinygrad_edu.apps.reference import TUTORIALS, Tutorial
from tinygrad_edu.apps.tutorial_checks import (
    GRAD_STEPS,
    GRAD_TOL,
    HELD_TO_PUBLISHED,
    PUBLISHED_TOL,
    TRAJECTORY_TOL,
    Builder,
    CheckResult,
    build_autograd_model,
    run_checks,
)

__all__ = ["main", "format_report"]

NOTE_WIDTH = 110  # the notes under the table are wrapped to this many characters

def _loss_note(tutorial: Tutorial) -> str | None:
    """What the table cannot say in a cell, from the tutorial's record: where its text and code part ways."""
    parts = []
    if tutorial.claimed_label != tutorial.descended_label:
        parts.append(f"{tutorial.name} claims {tutorial.claimed_loss}, but its update descends "
                     f"{tutorial.descended_loss}")
    if tutorial.output_activation != "sigmoid":
        parts.append(f"its output layer is {tutorial.output_activation}")
    if tutorial.predictions_before_last_update:
        parts.append("its printed predictions come from the forward pass before the last update")
    return "; ".join(parts) + "." if parts else None


def _vector(values: np.ndarray | None, decimals: int) -> str:
    """Predictions as one table cell: '0.01 0.98 0.98 0.02', or '-' when there are none."""
    if values is None:
        return "-"
    return " ".join(f"{v:.{decimals}f}" for v in np.ravel(values))


def _seed(result: CheckResult) -> str:
    """The seed cell: the seed, and whether it is the tutorial's own or ours."""
    tutorial = result.tutorial
    return f"{tutorial.seed} (tutorial's)" if tutorial.seed_is_tutorials else f"{tutorial.seed} (ours)"


def _published(result: CheckResult) -> str:
    """The cell comparing our predictions with the published ones."""
    if result.published_diff is None:
        return "none shown"
    verdict = f"<= {PUBLISHED_TOL}" if result.published_diff <= PUBLISHED_TOL else "NOT reproduced"
    return f"{result.published_diff:.4f} {verdict}"


def _table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """Rows of text cells as a table with aligned columns and a rule under the headers."""
    widths = [max(len(cell) for cell in column) for column in zip(headers, *rows, strict=True)]
    lines = [" | ".join(cell.ljust(width) for cell, width in zip(line, widths, strict=True)).rstrip()
             for line in (headers, *rows)]
    lines.insert(1, "-+-".join("-" * width for width in widths))
    return "\n".join(lines)


def _published_notes(result: CheckResult) -> list[str]:
    """What the comparison with the published predictions means, computed from the numbers."""
    tutorial = result.tutorial
    published = tutorial.published_predictions
    if published is None:
        seeded = "its own seed" if tutorial.seed_is_tutorials else "our seed (the tutorial sets none)"
        return [f"{tutorial.name} shows no predictions; it is run from {seeded}, {tutorial.seed}."]
    ours = np.ravel(result.predictions)
    worst = int(np.argmax(np.abs(ours - np.ravel(published))))
    inputs = " ".join(f"{x:g}" for x in tutorial.X[worst])
    where = f"sample {worst}, x = [{inputs}]: {ours[worst]:.4f} against {np.ravel(published)[worst]:.2f}"
    assert result.published_diff is not None  # compared whenever there are published predictions
    if result.published_diff <= PUBLISHED_TOL:
        line = (f"{tutorial.name}'s published predictions [{_vector(published, 2)}] are within {PUBLISHED_TOL} "
                f"of what its code gives from its seed {tutorial.seed} (largest difference "
                f"{result.published_diff:.4f}, {where})")
        rounded = np.round(ours, 2)
        if not np.array_equal(rounded, np.ravel(published)):
            line += f", but they are not that output rounded, [{_vector(rounded, 2)}]"
        return [line + "."]
    return [f"{tutorial.name}'s published predictions [{_vector(published, 2)}] are NOT what its own code gives "
            f"from its own seed {tutorial.seed}: [{_vector(ours, 4)}], largest difference "
            f"{result.published_diff:.4f} ({where}). Reported, not held to."]


def format_report(results: Sequence[CheckResult]) -> str:
    """The table of `tinygrad-edu check` and the notes under it.

    Example:
        >>> print(format_report(run_checks(["B"])))          # doctest: +ELLIPSIS
        tutorial | network ...
    """
    # Three tables of at most ~110 characters (one row of every column was 261 wide), one row per tutorial
    # in each: what it trains, how closely autograd follows it, and how its published predictions compare.
    tables: list[tuple[list[str], list[list[str]]]] = [
        (["tutorial", "network", "loss its text claims", "loss its update descends, lr x steps"], []),
        (["tutorial", "seed", "max|grad diff|", "max|loss diff|", "max|pred diff|"], []),
        (["tutorial", "final predictions", "published", "max|diff| to published", "result"], []),
    ]
    for result in results:
        tutorial = result.tutorial
        tables[0][1].append([tutorial.name, tutorial.network, tutorial.claimed_label,
                             f"{tutorial.descended_label}, lr {tutorial.lr:g} x {tutorial.epochs}"])
        tables[1][1].append([tutorial.name, _seed(result), f"{result.grad_diff:.1e}", f"{result.loss_diff:.1e}",
                             f"{result.prediction_diff:.1e}"])
        tables[2][1].append([tutorial.name, _vector(result.predictions, 2),
                             _vector(tutorial.published_predictions, 2), _published(result),
                             "pass" if result.passed else "FAIL"])
    notes = [
        f"grad diff: max |autograd - hand-derived| over every gradient entry, at init and after each of the "
        f"first {GRAD_STEPS} steps (float64, absolute; must be <= {GRAD_TOL:.0e}; the largest gradient entry is "
        f"{max(r.grad_scale for r in results):.2f}, so this is also relative).",
        f"loss diff, pred diff: max |autograd - tutorial| over the loss each tutorial prints at every epoch of "
        f"its full schedule, and over its final predictions (must be <= {TRAJECTORY_TOL:.0e}).",
        f"published: where the tutorial's own seed reproduces them ({', '.join(HELD_TO_PUBLISHED)}), our "
        f"predictions must be within {PUBLISHED_TOL} (one unit of the 2 printed decimals) of the published ones.",
    ]
    for result in results:
        notes += _published_notes(result)
        note = _loss_note(result.tutorial)
        if note is not None:
            notes.append(note)
        notes += [f"{result.tutorial.name} FAILED: {failure}" for failure in result.failures]
    wrapped = [textwrap.fill(note, NOTE_WIDTH, initial_indent="- ", subsequent_indent="  ") for note in notes]
    return "\n\n".join(_table(headers, rows) for headers, rows in tables) + "\n\n" + "\n".join(wrapped)


def main(argv: Sequence[str] | None = None, *, build: Builder = build_autograd_model) -> int:
    """Run the checks, print the table, and return 0 if every check passes, 1 otherwise.

    `build` makes each tutorial's autograd twin; a test passes a broken one to see the check fail.

    Example:
        >>> main(["B"])                                      # the tables and notes, then the status
        tutorial | network ...
        0
    """
    parser = argparse.ArgumentParser(
        prog="tinygrad-edu check",
        description="Reproduce tutorials A-D with autograd and print how close each comes, as a table.",
    )
    parser.add_argument("tutorials", nargs="*", metavar="TUTORIAL",
                        help="which tutorials to check: A, B, C or D (default: all four)")
    args = parser.parse_args(argv)
    unknown = [name for name in args.tutorials if name not in TUTORIALS]
    if unknown:
        parser.error(f"unknown tutorial(s) {', '.join(unknown)}: choose from {', '.join(TUTORIALS)}")
    start = time.perf_counter()
    results = run_checks(args.tutorials or list(TUTORIALS), build)
    print(format_report(results))
    failed = [result.tutorial.name for result in results if not result.passed]
    verdict = f"FAILED: {', '.join(failed)}" if failed else "all checks passed"
    print(f"\n{verdict} ({time.perf_counter() - start:.1f} s)")
    return 1 if failed else 0
