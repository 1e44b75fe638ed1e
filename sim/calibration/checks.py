"""Checks of a calibration: leave-one-episode-out forecasts, and simulation-based calibration.

**Leave-one-episode-out** (:func:`leave_one_out`): for each episode of the record, calibrate on
the other episodes (``calibration.exclude``), then forecast the left-out episode with the
posterior's predictive distribution: posterior draws, each simulated from the episode's replayed
start, pooled. The forecasts of every episode (both codings where the sources disagree) are
scored as the back-test scores its own (:mod:`sim.backtest.scores`): proper scores, skill against
the reference-class base rate, persistence and the uniform forecast, bootstrap intervals. Beside
them, the predictive probability each forecast gave the outcome that was observed.

**Simulation-based calibration** (:func:`simulation_based_calibration`, Talts et al. 2018): draw
parameter sets from the prior, simulate an episode record from each, calibrate on that synthetic
record, and check where the true values fall in their posteriors: the rank of each true value
among posterior draws is uniform, and the central 50 % and 90 % intervals cover it at their
nominal rates, when the calibration is honest.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.backtest.forecast import EpisodeForecast, episode_start
from sim.backtest.scores import BINARY
from sim.calibration.posterior import posterior_draws
from sim.calibration.record import (
    EpisodeStarts,
    set_values,
    simulate_record,
)
from sim.core.errors import ConfigError, did_you_mean
from sim.core.intervals import format_interval
from sim.scenario.loading import scenario_from_dict
from sim.scenario.schema import Scenario
from sim.storage.store import write_csv

__all__ = [
    "CheckSettings",
    "LooResult",
    "SbcResult",
    "predictive_forecasts",
    "coverage_table",
    "observed_probabilities",
]

_CATEGORIES = 6


@dataclass(frozen=True)
class CheckSettings:
    """How the checks forecast and rank (the ``checks:`` node of an experiment).

    Parameters
    ----------
    method : {"reference", "smc"}
        ``reference``: rejection ABC on one reference table of `table` prior draws
        (:mod:`~sim.calibration.bank`), the `accept` nearest kept per calibration; ``smc``: an
        ABC-SMC calibration (``calibration:``) per fold or replicate, far costlier.
    table, accept : int
        Prior draws of the reference table, and draws kept per calibration.
    draws : int
        Posterior draws per forecast (leave-one-out) or ranked against (SBC) with ``smc``, >= 1.
    copies : int
        Simulated copies of an episode per posterior draw (leave-one-out), >= 1.
    replicates : int
        Synthetic records of the simulation-based calibration, >= 1.
    episodes : list of str, optional
        Leave-one-out: only these episodes are left out in turn (default: every one).
    resamples : int
        Bootstrap resamples of the skill intervals.
    """

    method: str = "reference"
    table: int = 5000
    accept: int = 100
    draws: int = 100
    copies: int = 20
    replicates: int = 20
    episodes: tuple[str, ...] | None = None
    resamples: int = 2000

    def __post_init__(self) -> None:
        if self.method not in ("reference", "smc"):
            raise ConfigError("checks.method", f"must be 'reference' or 'smc', got {self.method!r}")
        if not 1 <= self.accept < self.table:
            raise ConfigError("checks.accept", f"must be in 1..table - 1, got {self.accept}")
        for name in ("draws", "copies", "replicates"):
            if getattr(self, name) < 1:
                raise ConfigError(f"checks.{name}", f"must be >= 1, got {getattr(self, name)}")
        if self.resamples < 100:
            raise ConfigError("checks.resamples", f"must be >= 100, got {self.resamples}")
        if self.episodes is not None:
            object.__setattr__(self, "episodes", tuple(self.episodes))

    @classmethod
    def from_config(cls, node: Mapping[str, Any] | None) -> CheckSettings:
        """Check a ``checks:`` mapping (without its ``kind``); unknown keys fail with a hint."""
        names = [f.name for f in dataclasses.fields(cls)]
        data = dict(node or {})
        for key in data:
            if key not in names:
                raise ConfigError(f"checks.{key}", f"unknown key; {did_you_mean(key, names)}")
        return cls(**data)


def predictive_forecasts(
    scenario: Scenario,
    posterior: pd.DataFrame,
    episodes: pd.DataFrame,
    events: pd.DataFrame,
    draws: int = 100,
    copies: int = 20,
    seed: int = 0,
    engine: str = "numpy",
) -> list[EpisodeForecast]:
    """Posterior-predictive forecasts of episode codings: `draws` parameter sets, pooled.

    Parameters
    ----------
    scenario : Scenario
        The parameters not in the posterior.
    posterior : DataFrame
        The posterior file's table (a column per key path, ``weight``).
    episodes : DataFrame
        Rows of the library (every coding to forecast).
    events : DataFrame
        The timeline.
    draws, copies : int
        Parameter sets drawn by weight, and simulated copies of each episode per set.
    seed : int
        Seed of the draws and the simulations.
    engine : {"numpy", "compiled"}
        The day the records are simulated on (:func:`~sim.calibration.record.simulate_record`).

    Returns
    -------
    list of EpisodeForecast
        One per row of `episodes`, with ``draws * copies`` replications.
    """
    rows = episodes.reset_index(drop=True)
    record = rows[["episode_id", "coding", "trigger_date", "striking_side", "scored_side"]]
    starts = EpisodeStarts(record, events)
    base = scenario.to_dict()
    integers = {p for p, prior in scenario.priors.items() if prior.dist == "integer"}
    n = len(rows)
    week = np.zeros((n, _CATEGORIES))
    month = np.zeros((n, _CATEGORIES))
    made = np.zeros(n)
    for k, values in enumerate(posterior_draws(posterior, draws, seed).to_dict("records")):
        drawn = scenario_from_dict(set_values(base, values, integers))
        runs = simulate_record(
            drawn, starts, seed=seed + 104729 * (k + 1), copies=copies, engine=engine
        )
        for i, mine in runs.groupby("episode"):
            week[i] += np.bincount(mine["rung_7d"], minlength=_CATEGORIES)
            month[i] += np.bincount(mine["rung_30d"], minlength=_CATEGORIES)
            made[i] += mine["ceasefire_30d"].sum()
    total = draws * copies
    out = []
    for i, row in enumerate(rows.itertuples(index=False)):
        date = pd.Timestamp(row.trigger_date).date()
        start_scenario, _, facts = episode_start(
            events, scenario, date, row.striking_side, row.scored_side
        )
        out.append(
            EpisodeForecast(
                episode_id=row.episode_id,
                coding=row.coding,
                striking_side=row.striking_side,
                scored_side=row.scored_side,
                trigger_date=date,
                rung_7d=week[i] / total,
                rung_30d=month[i] / total,
                ceasefire_30d=float(made[i] / total),
                current_rung=facts["current_rung"],
                in_ceasefire=facts["in_ceasefire"],
                replications=total,
                trigger=facts["trigger"],
                info={"start_rung": start_scenario.start_rung, "draws": draws},
            )
        )
    return out


def observed_probabilities(table: pd.DataFrame) -> pd.DataFrame:
    """The probability the model's forecast gave each binary outcome as it turned out.

    Parameters
    ----------
    table : DataFrame
        From :func:`sim.backtest.forecast_table`.

    Returns
    -------
    DataFrame
        One row per (episode_id, coding, outcome) with a known outcome: ``probability`` (of the
        event), ``observed`` (0/1) and ``p_observed`` (p if it happened, 1 - p if not).
    """
    rows = table[
        (table["forecaster"] == "model")
        & table["outcome"].isin(list(BINARY))
        & table["observed"].notna()
    ]
    out = rows[["episode_id", "coding", "outcome", "probability", "observed"]].copy()
    p = out["probability"].to_numpy(float)
    out["p_observed"] = np.where(out["observed"].to_numpy(float) == 1, p, 1 - p)
    return out.reset_index(drop=True)


@dataclass(frozen=True, eq=False)
class LooResult:
    """Leave-one-episode-out forecasts and their scores.

    Parameters
    ----------
    table : DataFrame
        Every forecaster's forecasts (:func:`sim.backtest.forecast_table`), the model's made
        by the posterior calibrated without the episode.
    scores, skill : DataFrame
        :func:`sim.backtest.score_table` and :func:`sim.backtest.skill_table` of the table.
    observed : DataFrame
        :func:`observed_probabilities` of the table.
    folds : DataFrame
        Per left-out episode: ``episode_id``, ``simulations``, ``generations``, ``epsilon``.
    folder : Path, optional
        The results folder (set by the command).
    """

    table: pd.DataFrame = field(repr=False)
    scores: pd.DataFrame = field(repr=False)
    skill: pd.DataFrame = field(repr=False)
    observed: pd.DataFrame = field(repr=False)
    folds: pd.DataFrame = field(repr=False)
    folder: Path | None = None

    def write(self, folder: str | Path) -> list[Path]:
        """Write the forecasts, skill, observed probabilities and folds as ``loo_*.csv``."""
        folder = Path(folder)
        return [
            write_csv(self.table, folder / "loo_forecasts.csv"),
            write_csv(self.skill, folder / "loo_scores.csv"),
            write_csv(self.observed, folder / "loo_observed.csv"),
            write_csv(self.folds, folder / "loo_folds.csv"),
        ]

    def summary(self) -> str:
        """Brier skill against the base rate per outcome, and the least observed probability."""
        lines = ["Leave-one-episode-out (each episode forecast by the posterior calibrated "
                 "without it):"]  # fmt: skip
        skill = self.skill[(self.skill["baseline"] == "reference_class")]
        for codings in sorted(skill["codings"].unique()):
            lines.append(f"codings {codings}:")
            part = skill[(skill["codings"] == codings) & skill["score"].isin(["brier", "rps"])]
            for row in part.itertuples(index=False):
                lines.append(
                    f"  {row.outcome:14s} {row.score:5s} model {row.model:.3f} base rate "
                    f"{row.baseline_score:.3f} skill "
                    + format_interval(row.skill, row.ci_low, row.ci_high, digits=2, signed=True)
                )
        worst = self.observed.nsmallest(5, "p_observed")
        lines.append("least predictive probability of an observed outcome:")
        for row in worst.itertuples(index=False):
            lines.append(
                f"  {row.episode_id} {row.coding} {row.outcome}: {row.p_observed:.3f} "
                f"(observed {int(row.observed)})"
            )
        return "\n".join(lines)


@dataclass(frozen=True, eq=False)
class SbcResult:
    """Simulation-based calibration: where the true values fell in their posteriors.

    Parameters
    ----------
    ranks : DataFrame
        One row per (replicate, parameter): ``replicate``, ``parameter``, ``truth``, ``rank``
        (posterior draws below the truth, 0..``draws``), ``draws``, ``in50``, ``in90`` (inside
        the central 50 % / 90 % weighted posterior interval), ``simulations``.
    coverage : DataFrame
        Per level (0.5, 0.9) and parameter (and ``all``): ``covered``, ``n``, ``rate`` and the
        central 95 % binomial range of the count at the ``expected`` rate
        (:func:`coverage_table`), ``low``, ``high``, and
        ``within`` (the count inside it).
    folder : Path, optional
        The results folder (set by the command).
    """

    ranks: pd.DataFrame = field(repr=False)
    coverage: pd.DataFrame = field(repr=False)
    folder: Path | None = None

    def write(self, folder: str | Path) -> list[Path]:
        """Write ``sbc_ranks.csv`` and ``sbc_coverage.csv``."""
        folder = Path(folder)
        return [
            write_csv(self.ranks, folder / "sbc_ranks.csv"),
            write_csv(self.coverage, folder / "sbc_coverage.csv"),
        ]

    def summary(self) -> str:
        """Coverage of the central 50 % and 90 % intervals, per parameter and pooled."""
        lines = ["Simulation-based calibration: coverage of the true values"]
        for row in self.coverage.itertuples(index=False):
            lines.append(
                f"  {row.level:.0%} {row.parameter}: {row.covered}/{row.n} = {row.rate:.2f} "
                f"(expected {row.expected:.3f}; 95 % binomial range {row.low}-{row.high}: "
                f"{'within' if row.within else 'OUTSIDE'})"
            )
        return "\n".join(lines)


def coverage_table(ranks: pd.DataFrame) -> pd.DataFrame:
    """Coverage of the central 50 % and 90 % intervals, per parameter and pooled (``all``).

    The expected rate is the nominal level, except for an interval read off ``kept`` equally
    weighted draws by linearly interpolated quantiles (the reference table's): a truth
    exchangeable with the draws falls between the interpolated quantiles at q_lo and q_hi with
    probability (kept - 1)(q_hi - q_lo) / (kept + 1), e.g. 0.490 and 0.882 for 100 draws. The
    range is the central 95 % of a binomial count at that rate; for ``all`` it treats the
    parameters of one replicate as independent, which they are not quite.
    """
    from scipy import stats

    kept = ranks["kept"].iloc[0] if "kept" in ranks and len(ranks) else np.nan
    coverage = []
    for level, column in ((0.5, "in50"), (0.9, "in90")):
        expected = level if pd.isna(kept) else (kept - 1) * level / (kept + 1)
        groups = [("all", ranks), *ranks.groupby("parameter", sort=False)]
        for name, part in groups:
            n, covered = len(part), int(part[column].sum())
            low, high = (int(v) for v in stats.binom(n, expected).ppf([0.025, 0.975]))
            coverage.append(
                {
                    "level": level,
                    "expected": expected,
                    "parameter": name,
                    "covered": covered,
                    "n": n,
                    "rate": covered / n,
                    "low": low,
                    "high": high,
                    "within": bool(low <= covered <= high),
                }
            )
    return pd.DataFrame(coverage)
