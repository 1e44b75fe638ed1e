"""Every notebook runs top to bottom from a clean kernel, with few replications."""

from __future__ import annotations

from pathlib import Path

import jupytext
import pytest
from nbclient import NotebookClient

NOTEBOOKS = sorted((Path(__file__).parents[2] / "notebooks").glob("[0-9][0-9]_*.py"))
# Small runs: the notebooks read these in their parameter cell.
SMALL = {"SIM_NOTEBOOK_REPS": "200", "SIM_NOTEBOOK_SOBOL_N": "8"}

pytestmark = [pytest.mark.slow, pytest.mark.timeout(300)]


def test_every_notebook_is_collected():
    assert [p.name for p in NOTEBOOKS] == [
        "01_single_run.py",
        "02_monte_carlo.py",
        "03_sweeps_and_policies.py",
    ]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_runs(path, monkeypatch):
    for key, value in SMALL.items():
        monkeypatch.setenv(key, value)
    notebook = jupytext.read(path)
    assert notebook.metadata["kernelspec"]["name"] == "python3"
    # The kernel inherits this environment; a cell that raises fails the test.
    NotebookClient(
        notebook,
        kernel_name="python3",
        timeout=120,
        resources={"metadata": {"path": str(path.parent)}},
    ).execute()
    figures = [
        o
        for cell in notebook.cells
        if cell.cell_type == "code"
        for o in cell.get("outputs", [])
        if "image/png" in o.get("data", {})
    ]
    assert figures, f"{path.name} displayed no figure"
