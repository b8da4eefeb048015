"""The hypothesis settings the random-program tests share, so TG_FUZZ_EXAMPLES means one thing in each.

By default a fixed, derandomized set of examples runs (the same in every CI run); TG_FUZZ_EXAMPLES=N runs N
examples from a random seed instead, to search further.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings


def fuzz_settings(default_examples: int, *also_suppress: HealthCheck) -> settings:
    """Settings for a random-program test: `default_examples` derandomized, or TG_FUZZ_EXAMPLES random ones."""
    extra = os.environ.get("TG_FUZZ_EXAMPLES")
    return settings(
        max_examples=int(extra) if extra else default_examples,
        derandomize=not extra,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, *also_suppress],
        database=None,
    )
