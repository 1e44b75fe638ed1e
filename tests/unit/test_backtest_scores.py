"""Scores of the back-test against hand computations, baselines, skill and its interval."""

from __future__ import annotations

import datetime
import math

import numpy as np
import pandas as pd
import pytest

from sim.backtest.forecast import EpisodeForecast
from sim.backtest.scores import (
    BINARY,
    LOG_FLOOR,
    _scores,
    baseline_forecasts,
    binary_probability,
    coding_set,
    forecast_table,
    observed,
    reference_rates,
    score_table,
    skill,
    skill_table,
)
from sim.history.episodes import load_reference_class

RUNGS = np.array([0.1, 0.2, 0.1, 0.3, 0.2, 0.1])


def _forecast(episode_id: str = "E1", coding: str = "a", current: int = 2) -> EpisodeForecast:
    return EpisodeForecast(
        episode_id=episode_id,
        coding=coding,
        striking_side="pakistan",
        scored_side="afghanistan",
        trigger_date=datetime.date(2024, 3, 18),
        rung_7d=RUNGS,
        rung_30d=np.array([0.0, 0.1, 0.1, 0.3, 0.3, 0.2]),
        ceasefire_30d=0.25,
        current_rung=current,
        in_ceasefire=False,
        replications=1000,
    )


def _episodes(rows: list[dict]) -> pd.DataFrame:
    base = {"rung_7d": 3, "rung_30d": 4, "ceasefire_30d": True, "outcome_known": True}
    return pd.DataFrame([{**base, **r} for r in rows]).astype(
        {"rung_7d": "Int64", "rung_30d": "Int64", "ceasefire_30d": "boolean"}
    )


def test_brier_and_log_scores_match_hand_computation():
    rows = pd.DataFrame({"probability": [0.7, 0.7, 0.0], "observed": [1.0, 0.0, 1.0]})
    scores = _scores(rows, "armed_7d")
    np.testing.assert_allclose(scores["brier"], [0.3**2, 0.7**2, 1.0])
    # A forecast of 0 that misses is clipped to the floor instead of scoring infinity.
    np.testing.assert_allclose(
        scores["log"], [-math.log(0.7), -math.log(0.3), -math.log(LOG_FLOOR)]
    )


def test_rps_counts_the_observed_rung_as_category_rung_plus_one():
    # Forecast over rungs 0..5; rung 1 happened. Cumulative forecast 0.1 0.3 0.4 0.7 0.9 1.0
    # against the cumulative outcome 0 1 1 1 1 1: squared gaps summed, by hand.
    cumulative = np.cumsum(RUNGS)
    by_hand = sum((c - o) ** 2 for c, o in zip(cumulative, [0, 1, 1, 1, 1, 1], strict=True))
    assert by_hand == pytest.approx(0.01 + 0.49 + 0.36 + 0.09 + 0.01 + 0.0)
    rows = pd.DataFrame([{**{f"p{k}": RUNGS[k] for k in range(6)}, "observed": 1.0}])
    assert _scores(rows, "rung_7d")["rps"][0] == pytest.approx(by_hand)
    # The trap the 1-based convention guards against: rung 1 read as category 1 is rung 0.
    import scoringrules as sr

    assert float(sr.rps_score(1.0, RUNGS)) != pytest.approx(by_hand)


def test_binary_probabilities_follow_from_the_rung_distribution():
    f = _forecast()
    assert binary_probability(f.rung_7d, f.rung_30d, 0.25, "armed_7d") == pytest.approx(0.6)
    assert binary_probability(f.rung_7d, f.rung_30d, 0.25, "rung4_7d") == pytest.approx(0.3)
    assert binary_probability(f.rung_7d, f.rung_30d, 0.25, "rung4_30d") == pytest.approx(0.5)
    assert f.probability("ceasefire_30d") == 0.25
    with pytest.raises(ValueError, match="unknown outcome 'rung9_7d'"):
        binary_probability(f.rung_7d, f.rung_30d, 0.25, "rung9_7d")


def test_observed_outcomes_of_an_episode_row():
    row = _episodes([{"rung_7d": 3, "rung_30d": 4, "ceasefire_30d": pd.NA}]).iloc[0]
    assert observed(row, "armed_7d") == 1.0
    assert observed(row, "rung4_7d") == 0.0
    assert observed(row, "rung4_30d") == 1.0
    assert observed(row, "rung_30d") == 4.0
    assert math.isnan(observed(row, "ceasefire_30d"))


def test_reference_rates_are_the_reference_class_frequencies():
    reference = load_reference_class()
    rates = reference_rates(reference)
    rows = reference[reference["outcome_known"] & (reference["coding"] == "a")]
    assert rates["n"] == len(rows)
    for k in range(6):
        assert rates["rung_7d"][k] == pytest.approx((rows["rung_7d"] == k).sum() / len(rows))
    assert rates["ceasefire_30d"] == pytest.approx(rows["ceasefire_30d"].dropna().mean())


def test_baselines():
    rates = {"rung_7d": RUNGS, "rung_30d": RUNGS, "ceasefire_30d": 0.3}
    base = baseline_forecasts(_forecast(current=2), rates)
    stay, _, cease = base["persistence"]
    np.testing.assert_array_equal(stay, [0, 0, 1, 0, 0, 0])
    assert cease == 0.0
    flat, _, half = base["uniform"]
    np.testing.assert_allclose(flat, np.full(6, 1 / 6))
    assert half == 0.5
    np.testing.assert_array_equal(base["reference_class"][0], RUNGS)


def test_skill_point_and_interval():
    model = np.array([0.1, 0.2, 0.3, 0.4, 0.0, 0.2])
    baseline = np.array([0.2, 0.2, 0.4, 0.4, 0.1, 0.1])
    result = skill(model, baseline, resamples=500, seed=1)
    assert result.skill == pytest.approx(1 - model.mean() / baseline.mean())
    assert result.low <= result.skill <= result.high
    assert result.episodes == 6
    same = skill(baseline, baseline, resamples=500)
    assert same.skill == 0.0 and same.low == same.high == 0.0


def test_skill_when_the_baseline_is_often_perfect():
    # Most resamples of a baseline right 9 times in 10 keep a positive mean; those that do not
    # give -inf skill, never NaN and never a warning (warnings are errors here).
    model = np.full(10, 0.1)
    baseline = np.array([0.0] * 9 + [1.0])
    result = skill(model, baseline, resamples=2000, seed=0)
    assert result.skill == pytest.approx(0.0)
    assert result.low == -np.inf
    assert np.isfinite(result.high)
    assert math.isnan(skill(model, np.zeros(10)).skill)


def test_tables_score_each_coding_set_and_every_forecaster():
    episodes = _episodes(
        [
            {"episode_id": "E1", "coding": "a", "rung_7d": 3, "rung_30d": 3},
            {"episode_id": "E1", "coding": "b", "rung_7d": 4, "rung_30d": 4},
            {"episode_id": "E2", "coding": "a", "rung_7d": 1, "rung_30d": 1},
            {"episode_id": "E3", "coding": "a", "rung_7d": 0, "rung_30d": 3},
        ]
    )
    forecasts = [_forecast(e, c) for e, c in zip(episodes.episode_id, episodes.coding, strict=True)]
    table = forecast_table(forecasts, episodes, load_reference_class())
    assert set(table["forecaster"]) == {"model", "reference_class", "persistence", "uniform"}
    assert len(coding_set(table, "a")) == len(coding_set(table, "b")) == len(table) * 3 // 4
    b = coding_set(table, "b")
    assert set(b.loc[b["episode_id"] == "E1", "coding"]) == {"b"}
    scores = score_table(table)
    mine = scores[
        (scores["codings"] == "a")
        & (scores["outcome"] == "armed_7d")
        & (scores["score"] == "brier")
        & (scores["forecaster"] == "model")
    ]
    # Model P(armed within 7 d) = 0.6 for each; outcomes 1, 0, 0 (coding a).
    assert mine["mean"].iloc[0] == pytest.approx((0.4**2 + 0.6**2 + 0.6**2) / 3)
    skills = skill_table(table, resamples=200)
    assert set(skills["baseline"]) == {"reference_class", "persistence", "uniform"}
    assert set(skills["outcome"]) == {*BINARY, "rung_7d", "rung_30d"}
    uniform = skills[
        (skills["codings"] == "a")
        & (skills["outcome"] == "rung_7d")
        & (skills["baseline"] == "uniform")
    ]
    assert uniform["skill"].iloc[0] == pytest.approx(
        1 - uniform["model"].iloc[0] / uniform["baseline_score"].iloc[0]
    )


@pytest.mark.parametrize(
    ("skill", "low", "high", "cell"),
    [
        (0.15, -0.2, 0.4, "+0.15 [-0.20, +0.40]"),
        (0.15, float("-inf"), 0.4, "+0.15 [-inf, +0.40]"),
        (0.15, -0.2, float("nan"), "+0.15 [-0.20, n/a]"),
        (0.15, float("nan"), float("nan"), "+0.15 [no interval]"),  # one episode
        (float("nan"), float("nan"), float("nan"), "undefined"),
    ],
)
def test_a_skill_cell_says_what_its_interval_is(skill, low, high, cell):
    from sim.backtest.runner import _skill_cell

    assert _skill_cell(pd.Series({"skill": skill, "ci_low": low, "ci_high": high})) == cell
