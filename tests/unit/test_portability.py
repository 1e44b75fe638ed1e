"""``import sim`` works where POSIX-only modules do not exist (Windows)."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import sim

POSIX_ONLY = {"fcntl", "termios", "tty", "pty", "pwd", "grp", "resource", "posix"}
PACKAGE = Path(sim.__file__).parent


def _imported(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


def test_no_module_of_the_package_imports_a_posix_only_module():
    sources = sorted(PACKAGE.rglob("*.py"))
    assert len(sources) > 10
    offending = {
        str(p.relative_to(PACKAGE)): sorted(_imported(p) & POSIX_ONLY)
        for p in sources
        if _imported(p) & POSIX_ONLY
    }
    assert offending == {}


def test_the_package_and_its_sweeps_import_without_fcntl():
    # As on Windows: no fcntl. filelock then falls back (with a warning, ignored here) to its
    # portable lock; on Windows it uses msvcrt.
    code = (
        "import sys, warnings\n"
        "sys.modules['fcntl'] = None\n"
        "warnings.filterwarnings('ignore', 'only soft file lock')\n"
        "import sim, sim.sweeps, sim.app.cli\n"
        "print(len(sim.__all__))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert int(done.stdout) == len(sim.__all__)
