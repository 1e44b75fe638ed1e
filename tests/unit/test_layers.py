"""The package's layers hold: import-linter's contracts (pyproject.toml) pass, and catch a breach.

docs/architecture.md names the layers and why they are ordered so. The contracts run in-process
through import-linter's own entry point, so they hold in any environment that installs the dev
extra, CI included.
"""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
from pathlib import Path

from optional import require

import sim

importlinter_cli = require("importlinter.cli", "dev")

PACKAGE = Path(sim.__file__).parent
PYPROJECT = PACKAGE.parent / "pyproject.toml"


def test_the_import_contracts_hold(capsys):
    code = importlinter_cli.lint_imports(config_filename=str(PYPROJECT), no_cache=True)
    assert code == 0, capsys.readouterr().out


def test_an_upward_import_breaks_a_contract(tmp_path):
    # A copy of the package in which the bottom layer imports the command line must fail.
    shutil.copytree(PACKAGE, tmp_path / "sim", ignore=shutil.ignore_patterns("__pycache__", "data"))
    shutil.copy(PYPROJECT, tmp_path / "pyproject.toml")
    (tmp_path / "sim" / "core" / "breach.py").write_text("from sim.app import cli  # noqa\n")
    proc = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys; from importlinter.cli import lint_imports; "
            "sys.exit(lint_imports(config_filename='pyproject.toml', no_cache=True))",
        ],
        cwd=tmp_path,
        env={"PYTHONPATH": str(tmp_path), "PATH": ""},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode != 0, proc.stdout
    assert "sim.core.breach -> sim.app.cli" in proc.stdout


def test_no_module_imports_a_sibling_that_imports_it_back():
    # Within a subpackage: no two modules import each other, even only for type hints.
    edges: set[tuple[str, str]] = set()
    for path in PACKAGE.rglob("*.py"):
        name = ".".join(path.relative_to(PACKAGE.parent).with_suffix("").parts)
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("sim"):
                edges.add((name.removesuffix(".__init__"), node.module))
    both = sorted((a, b) for a, b in edges if (b, a) in edges and a < b)
    allowed = {("sim.scenario.loading", "sim.scenario.schema")}  # Scenario.replace re-checks
    assert set(both) <= allowed, both
