"""Ends every run with what was skipped and why, so a light `make test` says what it left out.

A test skips when an optional dependency is missing (PyTorch for the parity tests, matplotlib,
scikit-learn, the graphviz package or its `dot` program). `-q` hides the reasons; this prints one line per
reason with its count and the extra that installs what is missing.
"""

import re
from collections import Counter

# The module a skipped test could not import -> (what those tests are, the extra that installs it).
MISSING_MODULES = {
    "torch": ("PyTorch parity tests", "parity"),
    "matplotlib": ("matplotlib tests", "plot"),
    "sklearn": ("scikit-learn tests", "examples"),
    "graphviz": ("Graphviz rendering tests", "graph"),
    "threadpoolctl": ("BLAS thread tests", "bench"),
}


def _skip_reason(report) -> str:
    """The message a skipped test gave (pytest keeps it as (file, line, 'Skipped: message'))."""
    longrepr = report.longrepr
    reason = longrepr[2] if isinstance(longrepr, tuple) else str(longrepr)
    return reason.removeprefix("Skipped: ")


def _explain(reason: str) -> tuple[str, str]:
    """(what was skipped, why) for a skip reason, naming the extra that installs a missing module."""
    missing = re.match(r"could not import '([\w.]+)'", reason)
    if missing and missing.group(1).split(".")[0] in MISSING_MODULES:
        what, extra = MISSING_MODULES[missing.group(1).split(".")[0]]
        return what, f"install the `{extra}` extra (make test-all)"
    return "tests", reason


def pytest_terminal_summary(terminalreporter) -> None:
    stats = terminalreporter.stats
    tests: Counter = Counter()  # (what, why) -> skipped tests
    files: dict = {}  # (what, why) -> the test files skipped whole (their tests are not counted: never collected)
    for report in stats.get("skipped", []):
        key = _explain(_skip_reason(report))
        if "::" in report.nodeid:
            tests[key] += 1
        else:
            files.setdefault(key, set()).add(report.nodeid)  # --doctest-modules collects a test file twice
            tests[key] += 0
    passed, failed = len(stats.get("passed", [])), len(stats.get("failed", [])) + len(stats.get("error", []))
    terminalreporter.write_sep("-", "what ran, and what was skipped")
    terminalreporter.write_line(f"{passed:,} passed, {failed:,} failed, {len(stats.get('skipped', [])):,} skipped")
    for (what, why), count in tests.most_common():
        whole = sorted(files.get((what, why), ()))
        also = f" and {len(whole)} whole test file{'s' * (len(whole) > 1)} ({', '.join(whole)})" if whole else ""
        terminalreporter.write_line(f"{count:,} {what}{also} skipped: {why}")
