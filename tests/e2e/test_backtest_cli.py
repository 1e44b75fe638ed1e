"""``python -m sim experiment=backtest`` end to end, with a tiny R."""

from __future__ import annotations

import pandas as pd

from tests.e2e.test_cli import no_partial_files, results_folder, sim_cli

TINY = ["mc.replications=10", "backtest.resamples=100"]


def test_backtest_runs_end_to_end_and_writes_scores_forecasts_and_figures(tmp_path):
    proc = sim_cli(
        "experiment=backtest", *TINY, f"output.root={tmp_path}", cwd=tmp_path, timeout=300
    )
    assert proc.returncode == 0, proc.stderr
    folder = results_folder(proc)
    assert folder.parent == tmp_path / "backtest"
    names = {p.name for p in folder.iterdir()}
    assert {
        "config.yaml",
        "overrides.yaml",
        "manifest.json",
        "forecasts.csv",
        "scores.csv",
    } <= names
    figures = {p.name for p in (folder / "figures").iterdir()}
    assert {"reliability_a.png", "episodes_rung_7d_a.png", "reliability_b.png"} <= figures
    no_partial_files(folder)
    forecasts = pd.read_csv(folder / "forecasts.csv")
    assert set(forecasts["forecaster"]) == {"model", "reference_class", "persistence", "uniform"}
    assert (forecasts.loc[forecasts["forecaster"] == "model", "replications"] == 10).all()
    scores = pd.read_csv(folder / "scores.csv")
    assert set(scores["codings"]) == {"a", "b"}
    assert {"skill", "ci_low", "ci_high", "episodes"} <= set(scores.columns)
    # The printed table: scores of the model and the baselines, skill with its interval, and
    # what that interval covers.
    out = proc.stdout
    assert "Back-test: 20 episodes with a known outcome" in out
    assert "skill vs reference class" in out and "armed_7d" in out and "rung_7d" in out
    assert "covers the sampling of these few episodes only" in out


def test_a_misspelt_backtest_key_is_one_clear_error(tmp_path):
    proc = sim_cli("experiment=backtest", "+backtest.resample=10", cwd=tmp_path)
    assert proc.returncode == 2
    assert "error: backtest.resample: unknown key; did you mean 'resamples'?" in proc.stderr
    assert "Traceback" not in proc.stderr
