"""The patterns docs/model.md says the scenario reproduces, computed from the back-test.

docs/model.md (1.1): "an Afghan military response within a week of each Pakistani strike episode
(3 of 3, 2024–2025); ... one escalation in three to multi-day interstate clashes, ended by a
mediated ceasefire". The three Pakistani strike episodes of 2024–2025 are the air strikes of
18 Mar 2024 and 24 Dec 2024 and the Kabul strike of 9 Oct 2025 (seeds/episodes.csv, coding a).

Each test asks whether the record is plausible under the model's back-test forecasts: the
probability the forecasts give to what happened must be at least `PLAUSIBLE`. Every forecast
probability is taken 4 Monte Carlo standard errors in the model's favour, so a failure is never
Monte Carlo noise. Where the shipped scenario fails today, the test is a strict expected failure
naming the calibration issue (#13); it must not be loosened or removed.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from sim.backtest.forecast import forecast_episode
from sim.history.timeline import load_episodes, load_events

R = 4000
SEED = 20260222
PLAUSIBLE = 0.05
STRIKES = ("PK-AF-2024-03-18", "PK-AF-2024-12-24", "PK-AF-2025-10-09")
CALIBRATION = (
    "calibration issue #13: the shipped parameters give {what}; the back-test "
    "(docs/backtest.md) shows the model far from the record"
)


@pytest.fixture(scope="module")
def forecasts(seed_scenario):
    events, library = load_events(), load_episodes()
    out = {}
    for episode_id in STRIKES:
        rows = library[(library["episode_id"] == episode_id) & (library["coding"] == "a")]
        episode = next(rows.itertuples(index=False))
        out[episode_id] = (forecast_episode(seed_scenario, events, episode, R, SEED), episode)
    return out


def _generous(p: float) -> float:
    """The forecast probability moved 4 Monte Carlo standard errors up, at most 1."""
    se = math.sqrt(max(p * (1 - p), 0.25 / R) / R)
    return min(1.0, p + 4 * se)


def _poisson_binomial(p: list[float]) -> np.ndarray:
    """P(exactly k of independent events with probabilities `p` happen), k = 0..len(p)."""
    dist = np.array([1.0])
    for q in p:
        dist = np.convolve(dist, [1 - q, q])
    return dist


def test_the_three_episodes_are_pakistani_strikes_answered_in_a_week(forecasts):
    # The record the patterns rest on, read from the library (not pasted).
    for _, episode in forecasts.values():
        assert (episode.striking_side, episode.scored_side) == ("pakistan", "afghanistan")
        assert episode.rung_7d >= 3 and episode.first_armed_day <= 7
    assert sum(int(e.rung_7d >= 4) for _, e in forecasts.values()) == 1


@pytest.mark.xfail(
    strict=True,
    reason=CALIBRATION.format(
        what="an Afghan armed answer within 7 days a small chance after strikes with few or no "
        "reported dead (Mar 2024, 8 dead: about 4 %; Oct 2025, none reported: under 1 %)"
    ),
)
def test_afghan_military_response_within_a_week_3_of_3(forecasts):
    p_all = math.prod(_generous(f.probability("armed_7d")) for f, _ in forecasts.values())
    assert p_all >= PLAUSIBLE, {k: f.probability("armed_7d") for k, (f, _) in forecasts.items()}


def test_one_escalation_in_three_to_interstate_clashes_count(forecasts):
    # How many of the three reach rung 4 within 7 days: 1 in the record. Under the model the
    # count's distribution must leave at least PLAUSIBLE on each side of 1.
    p = [f.probability("rung4_7d") for f, _ in forecasts.values()]
    dist = _poisson_binomial([_generous(q) for q in p])
    low = _poisson_binomial([max(0.0, 2 * q - _generous(q)) for q in p])
    assert dist[1:].sum() >= PLAUSIBLE, p  # at least one clash is plausible
    assert low[:2].sum() >= PLAUSIBLE, p  # at most one clash is plausible


@pytest.mark.xfail(
    strict=True,
    reason=CALIBRATION.format(
        what="interstate clashes within 7 days of the Kabul strike (Oct 2025) under 1 %"
    ),
)
def test_the_clash_episode_is_oct_2025(forecasts):
    f, episode = forecasts["PK-AF-2025-10-09"]
    assert episode.rung_7d >= 4
    assert _generous(f.probability("rung4_7d")) >= PLAUSIBLE, f.probability("rung4_7d")


@pytest.mark.xfail(
    strict=True,
    reason=CALIBRATION.format(
        what="clashes within 7 days of the Kabul strike (Oct 2025) and then a ceasefire under 1 %"
    ),
)
def test_the_clashes_end_in_a_mediated_ceasefire(forecasts):
    f, episode = forecasts["PK-AF-2025-10-09"]
    assert episode.rung_7d >= 4 and bool(episode.ceasefire_30d)
    p = f.info["clashes_7d_then_ceasefire_30d"]
    assert p <= min(f.probability("rung4_7d"), f.ceasefire_30d)
    assert _generous(p) >= PLAUSIBLE, p
