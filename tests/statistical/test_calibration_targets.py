"""The calibration's targets, measured small: SBC coverage, and leave-one-episode-out skill.

Both run on one reference table of 400 prior draws (sim.calibration.bank), a twelfth of the
documented runs' 5,000 (docs/calibration.md, docs/backtest.md), so each draw is kept at the same
rate (2 %: 8 of 400) and the answers are noisier versions of those runs'.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from sim.calibration import EpisodeStarts, library_record
from sim.calibration.bank import bank_leave_one_out, bank_sbc, simulate_bank
from sim.calibration.settings import DEFAULT_PARAMETERS
from sim.history.episodes import load_episodes
from sim.history.timeline import load_events

pytest.importorskip("pyabc", reason="the calibration extra (pyabc) is not installed")

pytestmark = pytest.mark.slow

TABLE, ACCEPT = 400, 8
CLASHES_SKILL = (
    "#13: the leave-one-out Brier skill against the base rate is below 0 for interstate clashes "
    "within 7 days in codings a: -0.05 [-2.84, +0.30] on the 5,000-draw table of the twelve "
    "default parameters (python -m sim experiment=calibrate_loo executor=serial, "
    "docs/backtest.md), -0.25 on this 400-draw table; the model gives the Kabul strike of "
    "2025-10-09 and the Kurram-Khost clash of 2024-09-07 (clashes within a week) 0.17 and 0.20. "
    "The other targets are met since the border channel and the truce's term: ceasefire or pause "
    "within 30 days +0.11 in both codings (+0.11 and +0.04 here), armed answer within 7 days "
    "+0.12 and +0.08, clashes within 7 days in codings b +0.19, and the least probability of an "
    "observed outcome 0.140 (0.1375 here)"
)


@pytest.fixture(scope="module")
def table(seed_scenario, tmp_path_factory):
    library = load_episodes()
    events = load_events()
    record = library_record(library)
    starts = EpisodeStarts(record, events)
    folder = tmp_path_factory.mktemp("table")
    bank = simulate_bank(seed_scenario, DEFAULT_PARAMETERS, starts, TABLE, folder, seed=20260222)
    return bank, record, library, events


def test_sbc_intervals_cover_the_truth_at_their_nominal_rates(seed_scenario, table):
    # Every draw of the table is a truth in turn: 400 replicates x 11 parameters. The pooled
    # count must lie in the central 99.9 % of a binomial at the nominal rate, with n the number
    # of replicates (not of replicate-parameter pairs, which are correlated within a replicate:
    # the conservative choice of n).
    bank, record, _, _ = table
    result = bank_sbc(seed_scenario, bank, record, replicates=TABLE, accept=ACCEPT)
    ranks = result.ranks
    k = len(DEFAULT_PARAMETERS)
    cov = result.coverage[result.coverage["parameter"] == "all"].set_index("level")
    for level, column in ((0.5, "in50"), (0.9, "in90")):
        rate = ranks[column].mean()
        expected = cov.loc[level, "expected"]  # below nominal: 8 draws, interpolated quantiles
        low, high = stats.binom(TABLE, expected).ppf([0.0005, 0.9995]) / TABLE
        assert low <= rate <= high, (level, rate, expected, low, high)
    # The ranks are uniform: a chi-square test over 3 bins per parameter at the 0.1 % level.
    for path, part in ranks.groupby("parameter"):
        counts = np.histogram(part["rank"], bins=3, range=(0, ACCEPT + 1))[0]
        expected = np.diff(np.floor(np.linspace(0, ACCEPT + 1, 4))) / (ACCEPT + 1) * len(part)
        assert stats.chisquare(counts, expected).pvalue > 1e-3, (path, counts)
    assert len(ranks) == TABLE * k


@pytest.mark.xfail(strict=True, reason=CLASHES_SKILL)
def test_leave_one_out_forecasts_meet_the_issues_targets(seed_scenario, table):
    # Issue 13 item 5: on the Pakistan-Afghanistan episodes the leave-one-out Brier skill against
    # the base rate is at least 0, and no observed outcome gets less than 10 % probability.
    bank, record, library, events = table
    known = library[library["outcome_known"]]
    result = bank_leave_one_out(
        seed_scenario, bank, record, known, events, accept=ACCEPT, copies=10, resamples=200
    )
    skill = result.skill
    brier = skill[
        (skill["baseline"] == "reference_class")
        & (skill["score"] == "brier")
        & skill["outcome"].isin(["armed_7d", "rung4_7d", "ceasefire_30d"])
    ]
    assert len(brier) == 6  # 3 outcomes x 2 coding sets
    assert (brier["skill"] >= 0).all(), brier[["codings", "outcome", "skill"]].to_string()
    assert result.observed["p_observed"].min() >= 0.10, result.observed.nsmallest(3, "p_observed")
