"""The patterns docs/model.md says the scenario reproduces, computed from the back-test.

docs/model.md (1.1): "an Afghan military response within a week of each Pakistani strike episode
(3 of 3, 2024–2025); ... one escalation in three to multi-day interstate clashes, ended by a
mediated ceasefire". The three Pakistani strike episodes of 2024–2025 are the air strikes of
18 Mar 2024 and 24 Dec 2024 and the Kabul strike of 9 Oct 2025 (seeds/episodes.csv, coding a).

Each test asks whether the record is plausible under the model's back-test forecasts: the
probability the forecasts give to what happened must be at least `PLAUSIBLE`. Every forecast
probability is taken 4 Monte Carlo standard errors in the model's favour, so a failure is never
Monte Carlo noise. With the scenario's earlier rules (graduated and proportional) three of these
failed; the ordered-logit rules of the calibration issue (#13) pass them. Should a change of the
scenario fail one, mark it a strict expected failure naming that issue: never loosen or remove it.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from sim.backtest.forecast import forecast_episode
from sim.history.episodes import load_episodes
from sim.history.timeline import load_events

R = 4000
SEED = 20260222
PLAUSIBLE = 0.05
STRIKES = ("PK-AF-2024-03-18", "PK-AF-2024-12-24", "PK-AF-2025-10-09")


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


def test_the_clash_episode_is_oct_2025(forecasts):
    f, episode = forecasts["PK-AF-2025-10-09"]
    assert episode.rung_7d >= 4
    assert _generous(f.probability("rung4_7d")) >= PLAUSIBLE, f.probability("rung4_7d")


def test_the_clashes_end_in_a_mediated_ceasefire(forecasts):
    f, episode = forecasts["PK-AF-2025-10-09"]
    assert episode.rung_7d >= 4 and bool(episode.ceasefire_30d)
    p = f.info["clashes_7d_then_ceasefire_30d"]
    assert p <= min(f.probability("rung4_7d"), f.ceasefire_30d)
    assert _generous(p) >= PLAUSIBLE, p
