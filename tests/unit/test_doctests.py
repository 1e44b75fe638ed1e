"""Every example in a docstring of the package runs and prints what it shows (doctest).

The modules are found by their source (any ``>>>`` line), so a new example, or an example in a
new or moved module, is collected without a list to update.
"""

from __future__ import annotations

import doctest
import importlib
import io
from pathlib import Path

import pytest

import sim

PACKAGE = Path(sim.__file__).parent
OPTIONS = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


WITH_EXAMPLES = sorted(
    _module_name(p) for p in PACKAGE.rglob("*.py") if ">>> " in p.read_text(encoding="utf-8")
)


def test_the_examples_are_found():
    assert len(WITH_EXAMPLES) >= 10
    assert {"sim.analysis.stats", "sim.scenario.loading", "sim.runs.montecarlo"} <= set(
        WITH_EXAMPLES
    )


@pytest.mark.parametrize("name", WITH_EXAMPLES)
def test_the_docstring_examples_run(name, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # an example that writes files writes them here
    module = importlib.import_module(name)
    tests = [t for t in doctest.DocTestFinder().find(module, name) if t.examples]
    assert tests, f"{name} has '>>> ' in its source but no docstring example doctest can run"
    report = io.StringIO()
    runner = doctest.DocTestRunner(optionflags=OPTIONS)
    for test in tests:
        runner.run(test, out=report.write)
    assert runner.failures == 0, report.getvalue()
    assert runner.tries >= len(tests)
