"""``python -m sim experiment=calibrate_tiny`` end to end: results folder, resume, a bad key."""

from __future__ import annotations

import pytest

from tests.e2e.test_cli import no_partial_files, results_folder, sim_cli

pytest.importorskip("pyabc", reason="the calibration extra (pyabc) is not installed")


def test_calibrate_tiny_runs_writes_its_posterior_and_a_rerun_continues(tmp_path):
    first = sim_cli("experiment=calibrate_tiny", f"output.root={tmp_path}", cwd=tmp_path,
                    timeout=600)  # fmt: skip
    assert first.returncode == 0, first.stderr
    folder = results_folder(first)
    assert {"posterior.parquet", "diagnostics.csv", "manifest.json"} <= {
        p.name for p in folder.iterdir()
    }
    no_partial_files(folder)
    assert "ABC-SMC:" in first.stdout and "over 2 generations" in first.stdout
    assert (tmp_path / "calibrate_tiny" / "calibration" / "abc.db").is_file()
    # The same command with a larger budget continues the stored run.
    again = sim_cli("experiment=calibrate_tiny", f"output.root={tmp_path}",
                    "calibration.generations=3", "calibration.max_simulations=400",
                    cwd=tmp_path, timeout=600)  # fmt: skip
    assert again.returncode == 0, again.stderr
    assert "over 3 generations" in again.stdout


def test_a_misspelt_calibration_key_is_one_clear_error(tmp_path):
    proc = sim_cli("experiment=calibrate_tiny", "+calibration.populaton_size=3", cwd=tmp_path)
    assert proc.returncode == 2
    assert "error: calibration.populaton_size: unknown key; did you mean" in proc.stderr
    assert "Traceback" not in proc.stderr
