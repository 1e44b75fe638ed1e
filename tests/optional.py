"""Optional dependencies in the tests: skipped with a reason on a user's machine, required in CI.

The `dev` extra installs every optional dependency, so in CI (the environment variable ``CI`` is
set, as `.ci/run` and hosted CI services do) a missing one means a broken extra: its tests fail
instead of skipping silently.
"""

from __future__ import annotations

import importlib
import os
from types import ModuleType

import pytest


def require(module: str, extra: str) -> ModuleType:
    """Import `module`, or skip (outside CI) / fail (in CI) naming the extra that installs it."""
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        fix = f"pip install -e '.[{extra}]'"
        if os.environ.get("CI"):
            pytest.fail(f"{module} is missing in CI, where the dev extra installs it: {exc}; {fix}")
        reason = f"{module} is not installed, an optional dependency ({fix})"
        pytest.skip(reason, allow_module_level=True)
