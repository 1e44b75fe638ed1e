"""An unsupported Python gets one clear message, not a failure deep inside an import."""

import importlib.util
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import sim

CHECK = Path(sim.__file__).parent / "_python_check.py"


def _execute_check() -> None:
    spec = importlib.util.spec_from_file_location("_python_check_copy", CHECK)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)


@pytest.mark.parametrize("version", [(3, 11, 9, "final", 0), (3, 8, 0, "final", 0)])
def test_an_older_python_is_refused_with_the_version_and_the_fix(monkeypatch, version):
    monkeypatch.setattr(sys, "version_info", version)
    with pytest.raises(ImportError, match=r"sim needs Python 3\.12 or newer.*make run"):
        _execute_check()


@pytest.mark.parametrize("version", [(3, 12, 0, "final", 0), (3, 13, 1, "final", 0)])
def test_a_supported_python_passes(monkeypatch, version):
    monkeypatch.setattr(sys, "version_info", version)
    _execute_check()


def test_the_check_runs_before_any_other_import_of_the_package():
    first = next(
        line
        for line in (Path(sim.__file__).read_text().splitlines())
        if line.startswith(("import ", "from "))
    )
    assert first.startswith("import sim._python_check")


REPO = Path(__file__).resolve().parents[2]


@pytest.mark.skipif(
    not (REPO / "Makefile").is_file() or shutil.which("make") is None,
    reason="needs the checkout's Makefile and GNU make (not part of an installed wheel)",
)
@pytest.mark.parametrize(
    ("python", "status"), [("/nonexistent/python3.12", 2), (sys.executable, 0)]
)
def test_make_checks_the_python_before_creating_anything(python, status):
    done = subprocess.run(
        ["make", "-s", "python-check", f"PY={python}"],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == status, done.stderr
    if status:
        assert done.stderr.startswith("error: sim needs Python 3.12 or newer")
        assert "make run PY=" in done.stderr
    else:
        assert done.stderr == ""
