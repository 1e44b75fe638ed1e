"""Figures of the back-test: what they draw, from a small hand-made forecast table."""

from __future__ import annotations

import datetime

import matplotlib.image as plt_image
import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure

from sim.backtest.forecast import EpisodeForecast
from sim.backtest.scores import forecast_table
from sim.history.episodes import load_reference_class
from sim.plots.backtest import episode_forecasts, reliability_diagram, save_backtest_figures


@pytest.fixture(scope="module")
def table():
    episodes = pd.DataFrame(
        {
            "episode_id": ["E1", "E1", "E2"],
            "coding": ["a", "b", "a"],
            "rung_7d": [3, 4, 1],
            "rung_30d": [3, 4, 1],
            "ceasefire_30d": [True, True, False],
        }
    ).astype({"rung_7d": "Int64", "rung_30d": "Int64", "ceasefire_30d": "boolean"})
    forecasts = [
        EpisodeForecast(
            episode_id=e,
            coding=c,
            striking_side="pakistan",
            scored_side="afghanistan",
            trigger_date=datetime.date(2024, 1, 1 + i),
            rung_7d=np.array([0.5, 0.2, 0.1, 0.1, 0.1, 0.0]),
            rung_30d=np.array([0.4, 0.2, 0.1, 0.2, 0.1, 0.0]),
            ceasefire_30d=0.3,
            current_rung=1,
            in_ceasefire=False,
            replications=100,
        )
        for i, (e, c) in enumerate(zip(episodes.episode_id, episodes.coding, strict=True))
    ]
    return forecast_table(forecasts, episodes, load_reference_class())


def test_reliability_diagram_draws_model_and_base_rate(table):
    fig = reliability_diagram(table, "a")
    assert isinstance(fig, Figure)
    ax, hist = fig.axes
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels[0] == "perfect reliability"
    # Two episodes (coding a) x 5 binary outcomes per forecaster.
    assert "model (10 forecasts)" in labels and "reference-class base rate (10 forecasts)" in labels
    assert sum(p.get_height() for p in hist.patches) == 20
    with pytest.raises(ValueError, match="bins must be >= 1"):
        reliability_diagram(table, bins=0)


def test_episode_forecasts_stack_the_rungs_and_mark_what_happened(table):
    fig = episode_forecasts(table, "rung_7d", "b")
    ax = fig.axes[0]
    # Two episodes and the base rate, six rungs each.
    assert len(ax.patches) == 3 * 6
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert labels == ["E1 b (afg)", "E2 a (afg)", "reference class (base rate)"]
    shown = sorted(t.get_text() for t in ax.texts)
    assert shown == ["1", "4"]
    with pytest.raises(ValueError, match="rung_7d or rung_30d"):
        episode_forecasts(table, "armed_7d")


def test_save_backtest_figures_writes_each_coding_set(table, tmp_path):
    paths = save_backtest_figures(table, tmp_path / "figures")
    assert sorted(p.name for p in paths) == sorted(
        f"{stem}_{c}.png"
        for c in "ab"
        for stem in ("reliability", "episodes_rung_7d", "episodes_rung_30d")
    )
    for path in paths:
        image = plt_image.imread(path)  # a readable PNG with something drawn on it
        assert image.ndim == 3 and len(np.unique(image.reshape(-1, image.shape[2]), axis=0)) > 2
