"""Run the back-test over a whole episode library, write its results, print its score table.

``python -m sim experiment=backtest`` composes ``experiments/backtest.yaml`` and calls
:func:`run_backtest` with the experiment's scenario, replications and seed; a notebook can call
it directly::

    import sim
    from sim.backtest import run_backtest
    result = run_backtest(sim.load_scenario(), replications=500)
    print(result.format())

The results folder gets ``forecasts.csv`` (every forecaster's forecast of every outcome of every
episode coding, beside the outcome), ``scores.csv`` (mean scores and the model's skill against
each baseline with its bootstrap interval) and the figures of :mod:`sim.plots.backtest`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.backtest.forecast import EpisodeForecast, forecast_episode
from sim.backtest.scores import (
    BINARY,
    CATEGORICAL,
    FORECASTERS,
    forecast_table,
    score_table,
    skill_table,
)
from sim.core.errors import ConfigError, did_you_mean
from sim.history.episodes import load_episodes, load_reference_class
from sim.history.timeline import episodes_path, load_events, scenario_as_of
from sim.scenario.posterior import CELL, Posterior
from sim.scenario.schema import Scenario
from sim.storage.store import write_csv

__all__ = [
    "FORECASTS_FILE",
    "SCORES_FILE",
    "BacktestResult",
    "BacktestSettings",
    "run_backtest",
]

FORECASTS_FILE = "forecasts.csv"
SCORES_FILE = "scores.csv"

_HEADLINE = ("armed_7d", "rung4_7d", "ceasefire_30d", "rung_7d", "rung_30d")
_SCORE_OF = {**{o: "brier" for o in BINARY}, **{o: "rps" for o in CATEGORICAL}}


@dataclass(frozen=True)
class BacktestSettings:
    """What the back-test reads and how it computes its intervals (the ``backtest:`` node).

    Parameters
    ----------
    episodes : str, optional
        The episode library; default the scenario's own (``timeline.episodes``).
    reference_class : str, optional
        The reference class of the base-rate baseline; default ``seeds/reference_class.csv``.
    events : str, optional
        The timeline replayed up to each trigger; default the scenario's own
        (``timeline.events``).
    resamples : int
        Bootstrap resamples of the skill intervals, >= 100.
    confidence : float
        Level of the skill intervals, in (0, 1).
    """

    episodes: str | None = None
    reference_class: str | None = None
    events: str | None = None
    resamples: int = 2000
    confidence: float = 0.95

    def __post_init__(self) -> None:
        if self.resamples < 100:
            raise ConfigError("backtest.resamples", f"must be >= 100, got {self.resamples}")
        if not 0 < self.confidence < 1:
            raise ConfigError("backtest.confidence", f"must be in (0, 1), got {self.confidence}")

    @classmethod
    def from_config(cls, node: Mapping[str, Any] | None) -> BacktestSettings:
        """Check a ``backtest:`` mapping; unknown keys fail with their path and a suggestion."""
        names = [f.name for f in dataclasses.fields(cls)]
        node = dict(node or {})
        for key in node:
            if key not in names:
                raise ConfigError(f"backtest.{key}", f"unknown key; {did_you_mean(key, names)}")
        return cls(**node)


@dataclass(frozen=True, eq=False)
class BacktestResult:
    """What :func:`run_backtest` produced.

    Parameters
    ----------
    forecasts : list of EpisodeForecast
        The model's forecast of each episode coding with a known outcome.
    table : DataFrame
        Every forecaster's forecasts beside the outcomes (:func:`~sim.backtest.forecast_table`).
    scores : DataFrame
        Mean scores (:func:`~sim.backtest.score_table`).
    skill : DataFrame
        The model's skill against each baseline (:func:`~sim.backtest.skill_table`).
    settings : BacktestSettings
        What was read.
    replications, seed : int
        Monte Carlo replications per episode coding, and the seed.
    """

    forecasts: list[EpisodeForecast]
    table: pd.DataFrame = field(repr=False)
    scores: pd.DataFrame = field(repr=False)
    skill: pd.DataFrame = field(repr=False)
    settings: BacktestSettings
    replications: int
    seed: int
    episodes: pd.DataFrame = field(repr=False, default_factory=pd.DataFrame)
    folder: Path | None = None

    def scores_csv(self) -> pd.DataFrame:
        """One table: mean scores of every forecaster and the model's skill against each baseline.

        Rows (codings, outcome, score, baseline): ``model``, ``baseline_score``, ``skill``,
        ``ci_low``, ``ci_high``, ``confidence``, ``episodes``, ``replications``.
        """
        out = self.skill.copy()
        out["confidence"] = self.settings.confidence
        out["replications"] = self.replications
        return out

    def write(self, folder: str | Path) -> list[Path]:
        """Write ``forecasts.csv`` and ``scores.csv`` into `folder` (atomically); return them."""
        folder = Path(folder)
        return [
            write_csv(self.table, folder / FORECASTS_FILE),
            write_csv(self.scores_csv(), folder / SCORES_FILE),
        ]

    def format(self) -> str:
        """The score table printed by ``python -m sim experiment=backtest``."""
        return format_backtest(self)


def run_backtest(
    scenario: Scenario,
    replications: int = 2000,
    seed: int = 0,
    settings: BacktestSettings | None = None,
    progress: bool = False,
    posterior: Posterior | None = None,
    posterior_cell: int = CELL,
) -> BacktestResult:
    """Forecast every episode coding with a known outcome, and score the forecasts.

    Parameters
    ----------
    scenario : Scenario
        The parameters forecast with (its starting values are replaced by each replay).
    replications : int
        R per episode coding, >= 1.
    seed : int
        The seed of every episode's run (common random numbers across episodes).
    settings : BacktestSettings, optional
        Files and intervals; default :class:`BacktestSettings`.
    progress : bool
        Print one line per episode coding on stderr.
    posterior : Posterior, optional
        Parameter draws each episode's replications are spread over (posterior-predictive
        forecasts, ``docs/posterior.md``); each episode's replay keeps the point values.
    posterior_cell : int
        Consecutive replications sharing a draw.

    Returns
    -------
    BacktestResult
    """
    import sys

    settings = settings or BacktestSettings()
    if replications < 1:
        raise ValueError(f"replications must be >= 1, got {replications}")
    events = load_events(settings.events, scenario)
    as_of = scenario_as_of(scenario)
    library = load_episodes(settings.episodes or episodes_path(scenario), as_of=as_of)
    reference = load_reference_class(settings.reference_class)
    # No hindsight: the base rate counts only episodes up to the scenario's as-of date.
    reference = reference[reference["trigger_date"].dt.date <= as_of].reset_index(drop=True)
    known = library[library["outcome_known"]]
    forecasts = []
    for n, episode in enumerate(known.itertuples(index=False), 1):
        if progress:
            print(f"[{n}/{len(known)}] {episode.episode_id} {episode.coding}", file=sys.stderr)
        forecasts.append(
            forecast_episode(
                scenario, events, episode, replications, seed, posterior, posterior_cell
            )
        )
    table = forecast_table(forecasts, known, reference)
    return BacktestResult(
        forecasts=forecasts,
        table=table,
        scores=score_table(table),
        skill=skill_table(table, settings.resamples, settings.confidence, seed),
        settings=settings,
        replications=replications,
        seed=seed,
        episodes=known,
    )


def format_backtest(result: BacktestResult) -> str:
    """Mean scores of the model and the baselines and the model's skill, per coding set.

    Parameters
    ----------
    result : BacktestResult

    Returns
    -------
    str
    """
    skill = result.skill
    level = f"{result.settings.confidence:.0%}"
    episodes = result.episodes
    n_episodes = episodes["episode_id"].nunique()
    n_twice = int((episodes.groupby("episode_id").size() > 1).sum())
    span = f"{episodes['trigger_date'].min():%b %Y} – {episodes['trigger_date'].max():%b %Y}"
    lines = [
        f"Back-test: {n_episodes} episodes with a known outcome ({span}), {n_twice} of them "
        f"coded two ways; {result.replications:,} replications per coding, seed {result.seed}.",
        "Mean score (lower is better: Brier for events, RPS over rungs 0-5); skill = "
        "1 - model / baseline,",
        f"[{level} bootstrap interval over episodes: it covers the sampling of these few "
        "episodes only].",
    ]
    for codings in sorted(skill["codings"].unique()):
        what = (
            "each episode's first account (coding a)"
            if codings == "a"
            else f"coding {codings} where the sources disagree, else a"
        )
        lines += ["", f"Codings {codings}: {what}"]
        rows = [
            [
                "outcome",
                "score",
                "n",
                *(f.replace("_", " ") for f in FORECASTERS),
                "skill vs reference class",
                "skill vs persistence",
            ]
        ]
        for outcome in _HEADLINE:
            score = _SCORE_OF[outcome]
            part = skill[
                (skill["codings"] == codings)
                & (skill["outcome"] == outcome)
                & (skill["score"] == score)
            ].set_index("baseline")
            means = [
                part["model"].iloc[0],
                *(part.loc[b, "baseline_score"] for b in FORECASTERS[1:]),
            ]
            rows.append(
                [
                    outcome,
                    score,
                    str(int(part["episodes"].iloc[0])),
                    *(f"{m:.3f}" for m in means),
                    _skill_cell(part.loc["reference_class"]),
                    _skill_cell(part.loc["persistence"]),
                ]
            )
        lines += _columns(rows)
    lines += [
        "",
        f"Few episodes: {n_episodes} of one pair of states, with overlapping windows; the "
        "intervals are wide and",
        "still understate the uncertainty. Each forecast's own Monte Carlo error is at most "
        f"+-{1.96 * 0.5 / np.sqrt(result.replications):.3f} (95 %). docs/backtest.md explains "
        "the method.",
    ]
    return "\n".join(lines)


def _skill_cell(row: pd.Series) -> str:
    if np.isnan(row["skill"]):
        return "undefined"
    if np.isnan(row["ci_low"]) and np.isnan(row["ci_high"]):  # one episode: nothing to resample
        return f"{row['skill']:+.2f} [no interval]"
    low = "-inf" if np.isneginf(row["ci_low"]) else f"{row['ci_low']:+.2f}"
    high = "n/a" if np.isnan(row["ci_high"]) else f"{row['ci_high']:+.2f}"
    return f"{row['skill']:+.2f} [{low}, {high}]"


def _columns(rows: Sequence[Sequence[str]]) -> list[str]:
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in rows]
    return [lines[0], "  ".join("-" * w for w in widths), *lines[1:]]
