"""Proper scores of forecasts against coded outcomes, naive baselines, and skill with intervals.

Every forecaster (the model, and the baselines of :func:`baseline_forecasts`) gives, for each
episode coding, a distribution over the scored side's highest rung 0..5 within 7 and within 30
days and a probability of a ceasefire or pause within 30 days. The binary outcomes of
:data:`BINARY` follow from those, so each forecaster is coherent across outcomes.

Scores come from the ``scoringrules`` library: the Brier score and the log score for binary
outcomes, the ranked probability score (RPS, not normalised: the sum over the 5 thresholds of the
squared difference of the cumulative forecast and outcome) over the ordered rungs. Lower is
better for all three. A skill score is ``1 - mean score / mean score of the baseline`` (1 is
perfect, 0 no better than the baseline, negative worse), with a percentile bootstrap interval
over episodes (``scipy.stats.bootstrap``, episodes resampled in pairs of model and baseline).
The interval covers the sampling of episodes only: not the Monte Carlo error of the forecasts
(small beside it at the default R), not the coding (each coding is scored on its own).
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from sim.backtest.forecast import CATEGORIES, THRESHOLDS, EpisodeForecast, binary_probability

__all__ = [
    "BINARY",
    "CATEGORICAL",
    "FORECASTERS",
    "LOG_FLOOR",
    "SkillResult",
    "baseline_forecasts",
    "binary_probability",
    "forecast_table",
    "observed",
    "reference_rates",
    "score_table",
    "skill",
    "skill_table",
]

BINARY = {
    "armed_7d": "armed response (rung >= 3) within 7 days",
    "rung4_7d": "interstate clashes (rung >= 4) within 7 days",
    "armed_30d": "armed response (rung >= 3) within 30 days",
    "rung4_30d": "interstate clashes (rung >= 4) within 30 days",
    "ceasefire_30d": "ceasefire or pause within 30 days",
}
"""The binary outcomes scored, with what each means."""

CATEGORICAL = {
    "rung_7d": "highest rung within 7 days (0..5)",
    "rung_30d": "highest rung within 30 days (0..5)",
}
"""The ordered outcomes scored with the RPS."""

FORECASTERS = ("model", "reference_class", "persistence", "uniform")
"""The model and the three naive baselines, in the order tables show them."""

LOG_FLOOR = 0.01
"""Probabilities entering the log score are clipped to [LOG_FLOOR, 1 - LOG_FLOOR]: a forecast of
0 or 1 that misses would score infinity (the persistence baseline's do), and so would a Monte
Carlo estimate of 0 from finitely many replications. The Brier score and RPS use the forecast as
it is."""


def observed(episode: pd.Series | object, outcome: str) -> float:
    """The coded outcome of an episode row: 0 or 1 (binary), the rung (categorical), or NaN."""
    if outcome in CATEGORICAL:
        value = getattr(episode, outcome)
        return float(value) if not pd.isna(value) else np.nan
    if outcome == "ceasefire_30d":
        value = episode.ceasefire_30d
        return float(bool(value)) if not pd.isna(value) else np.nan
    what, window = outcome.split("_")
    rung = getattr(episode, f"rung_{window}")
    return float(rung >= THRESHOLDS[what]) if not pd.isna(rung) else np.nan


def reference_rates(reference: pd.DataFrame) -> dict[str, np.ndarray | float]:
    """The reference class's frequencies: rung distributions and the ceasefire rate.

    Parameters
    ----------
    reference : DataFrame
        From :func:`sim.history.episodes.load_reference_class`; only rows with a known outcome
        count, and of an episode coded twice only coding ``a``.

    Returns
    -------
    dict
        ``rung_7d`` and ``rung_30d`` (shape (6,)), ``ceasefire_30d`` (among rows that say),
        ``n`` (episodes).
    """
    rows = reference[reference["outcome_known"] & (reference["coding"] == "a")]
    if rows.empty:
        raise ValueError("the reference class has no episode with a known outcome")
    known = rows["ceasefire_30d"].dropna()
    return {
        "rung_7d": _shares(rows["rung_7d"]),
        "rung_30d": _shares(rows["rung_30d"]),
        "ceasefire_30d": float(known.mean()) if len(known) else 0.5,
        "n": len(rows),
    }


def _shares(rungs: pd.Series) -> np.ndarray:
    counts = np.bincount(rungs.astype(int).to_numpy(), minlength=len(CATEGORIES))
    return counts / counts.sum()


def baseline_forecasts(
    forecast: EpisodeForecast, rates: dict[str, np.ndarray | float]
) -> dict[str, tuple[np.ndarray, np.ndarray, float]]:
    """The naive forecasts of one episode, as (rung_7d, rung_30d, ceasefire_30d).

    - ``reference_class``: the reference class's frequencies (:func:`reference_rates`);
    - ``persistence``: the pair stays where it is: the scored side's highest rung is the pair's
      rung on the day before the trigger, with certainty, and no ceasefire is made;
    - ``uniform``: every rung equally likely; a ceasefire with probability 1/2.
    """
    stay = np.zeros(len(CATEGORIES))
    stay[forecast.current_rung] = 1.0
    flat = np.full(len(CATEGORIES), 1.0 / len(CATEGORIES))
    return {
        "reference_class": (
            np.asarray(rates["rung_7d"]),
            np.asarray(rates["rung_30d"]),
            float(rates["ceasefire_30d"]),
        ),
        "persistence": (stay, stay, 0.0),
        "uniform": (flat, flat, 0.5),
    }


def forecast_table(
    forecasts: Sequence[EpisodeForecast], episodes: pd.DataFrame, reference: pd.DataFrame
) -> pd.DataFrame:
    """Every forecaster's forecast of every outcome of every episode coding, beside the outcome.

    Parameters
    ----------
    forecasts : sequence of EpisodeForecast
        The model's forecasts.
    episodes : DataFrame
        The library they forecast (for the coded outcomes).
    reference : DataFrame
        The reference class (for its baseline).

    Returns
    -------
    DataFrame
        One row per (episode_id, coding, forecaster, outcome): ``trigger_date``,
        ``striking_side``, ``scored_side``, ``probability`` (binary outcomes), ``p0`` ..
        ``p5`` (categorical outcomes), ``observed``; ``replications`` for the model.
    """
    rates = reference_rates(reference)
    coded = episodes.set_index(["episode_id", "coding"])
    rows = []
    for f in forecasts:
        episode = coded.loc[(f.episode_id, f.coding)]
        sets = {
            "model": (f.rung_7d, f.rung_30d, f.ceasefire_30d),
            **baseline_forecasts(f, rates),
        }
        for forecaster in FORECASTERS:
            rung_7d, rung_30d, cease = sets[forecaster]
            head = {
                "episode_id": f.episode_id,
                "coding": f.coding,
                "trigger_date": pd.Timestamp(f.trigger_date),
                "striking_side": f.striking_side,
                "scored_side": f.scored_side,
                "forecaster": forecaster,
            }
            for outcome in BINARY:
                rows.append(
                    {
                        **head,
                        "outcome": outcome,
                        "probability": binary_probability(rung_7d, rung_30d, cease, outcome),
                        "observed": observed(episode, outcome),
                    }
                )
            for outcome, probs in (("rung_7d", rung_7d), ("rung_30d", rung_30d)):
                rows.append(
                    {
                        **head,
                        "outcome": outcome,
                        **{f"p{k}": float(probs[k]) for k in CATEGORIES},
                        "observed": observed(episode, outcome),
                    }
                )
    table = pd.DataFrame(rows)
    table["replications"] = np.where(
        table["forecaster"] == "model",
        table["episode_id"].map({f.episode_id: f.replications for f in forecasts}),
        np.nan,
    )
    return table


def _scores(rows: pd.DataFrame, outcome: str) -> dict[str, np.ndarray]:
    """Per-row scores of one outcome's rows (observed known): {score name: array}."""
    import scoringrules as sr

    obs = rows["observed"].to_numpy(float)
    if outcome in CATEGORICAL:
        probs = rows[[f"p{k}" for k in CATEGORIES]].to_numpy(float)
        # scoringrules takes the observed category 1-based (1..K): rung r is category r + 1.
        return {"rps": np.asarray(sr.rps_score(obs + 1, probs), float)}
    p = rows["probability"].to_numpy(float)
    clipped = np.clip(p, LOG_FLOOR, 1 - LOG_FLOOR)
    return {
        "brier": np.asarray(sr.brier_score(obs, p), float),
        "log": np.asarray(sr.log_score(obs, clipped), float),
    }


def coding_set(table: pd.DataFrame, coding: str) -> pd.DataFrame:
    """The rows of one account: each episode's coding `coding` where it has one, else ``a``."""
    has = set(table.loc[table["coding"] == coding, "episode_id"])
    keep = (table["coding"] == coding) | ((table["coding"] == "a") & ~table["episode_id"].isin(has))
    return table[keep]


def score_table(table: pd.DataFrame) -> pd.DataFrame:
    """Mean score of each forecaster on each outcome, per coding set.

    Parameters
    ----------
    table : DataFrame
        From :func:`forecast_table`.

    Returns
    -------
    DataFrame
        One row per (codings, outcome, score, forecaster): ``codings`` ("a": every episode's
        coding a; "b": coding b where an episode has one, else a), ``outcome``, ``score``
        (brier, log, rps), ``forecaster``, ``mean``, ``episodes`` (with a known outcome).
    """
    rows = []
    for codings in _codings(table):
        subset = coding_set(table, codings)
        for outcome in (*BINARY, *CATEGORICAL):
            part = subset[(subset["outcome"] == outcome) & subset["observed"].notna()]
            for forecaster in FORECASTERS:
                mine = part[part["forecaster"] == forecaster]
                for score, values in _scores(mine, outcome).items():
                    rows.append(
                        {
                            "codings": codings,
                            "outcome": outcome,
                            "score": score,
                            "forecaster": forecaster,
                            "mean": float(values.mean()) if len(values) else np.nan,
                            "episodes": len(values),
                        }
                    )
    return pd.DataFrame(rows)


def _codings(table: pd.DataFrame) -> list[str]:
    return sorted(table["coding"].unique())


@dataclass(frozen=True)
class SkillResult:
    """Skill of the model against a baseline on one outcome and score.

    Parameters
    ----------
    skill : float
        ``1 - mean(model) / mean(baseline)`` over the episodes; NaN if the baseline scores 0.
    low, high : float
        Percentile bootstrap interval over episodes (NaN with fewer than 3 episodes).
    episodes : int
        Episodes scored.
    confidence : float
        Level of the interval.
    """

    skill: float
    low: float
    high: float
    episodes: int
    confidence: float = 0.95


def skill(
    model: np.ndarray,
    baseline: np.ndarray,
    resamples: int = 2000,
    confidence: float = 0.95,
    seed: int = 0,
) -> SkillResult:
    """Skill score ``1 - mean(model) / mean(baseline)`` with a paired bootstrap interval.

    Parameters
    ----------
    model, baseline : ndarray
        Scores of the same episodes, shape (n,), lower is better.
    resamples : int
        Bootstrap resamples.
    confidence : float
        Level of the interval, in (0, 1).
    seed : int
        Seed of the resampling.

    Returns
    -------
    SkillResult

    Examples
    --------
    >>> r = skill(np.array([0.1, 0.2, 0.3]), np.array([0.2, 0.2, 0.2]))
    >>> round(r.skill, 6)
    0.0
    """
    from scipy import stats

    model, baseline = np.asarray(model, float), np.asarray(baseline, float)
    n = model.size
    if baseline.mean() == 0:
        return SkillResult(np.nan, np.nan, np.nan, n, confidence)
    point = 1.0 - model.mean() / baseline.mean()
    if n < 3 or np.ptp(model - baseline) == 0 and np.ptp(baseline) == 0:
        return SkillResult(float(point), np.nan, np.nan, n, confidence)

    def statistic(m: np.ndarray, b: np.ndarray, axis: int = -1) -> np.ndarray:
        # A resample in which the baseline is always right (mean score 0) has skill -inf if the
        # model missed anywhere, 0 if it did not: the limit as the baseline's mean goes to 0.
        mm, mb = m.mean(axis=axis), b.mean(axis=axis)
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(mb > 0, 1.0 - mm / mb, np.where(mm > 0, -np.inf, 0.0))

    with warnings.catch_warnings():
        # Interpolating between two -inf resamples gives NaN (SciPy warns): the bound is -inf.
        warnings.simplefilter("ignore", stats.DegenerateDataWarning)
        with np.errstate(invalid="ignore"):
            res = stats.bootstrap(
                (model, baseline),
                statistic,
                paired=True,
                vectorized=True,
                n_resamples=resamples,
                confidence_level=confidence,
                method="percentile",
                rng=np.random.default_rng(seed),
            )
    low, high = (float(x) for x in (res.confidence_interval.low, res.confidence_interval.high))
    return SkillResult(float(point), -np.inf if np.isnan(low) else low, high, n, confidence)


def skill_table(
    table: pd.DataFrame, resamples: int = 2000, confidence: float = 0.95, seed: int = 0
) -> pd.DataFrame:
    """The model's skill against each baseline, per coding set, outcome and score.

    Parameters
    ----------
    table : DataFrame
        From :func:`forecast_table`.
    resamples, confidence, seed
        As in :func:`skill`.

    Returns
    -------
    DataFrame
        One row per (codings, outcome, score, baseline): ``model``, ``baseline_score`` (means),
        ``skill``, ``ci_low``, ``ci_high``, ``episodes``.
    """
    rows = []
    for codings in _codings(table):
        subset = coding_set(table, codings)
        for outcome in (*BINARY, *CATEGORICAL):
            part = subset[(subset["outcome"] == outcome) & subset["observed"].notna()]
            part = part.sort_values(["episode_id", "coding"], kind="stable")
            scored = {f: _scores(part[part["forecaster"] == f], outcome) for f in FORECASTERS}
            for score, mine in scored["model"].items():
                for baseline in FORECASTERS[1:]:
                    theirs = scored[baseline][score]
                    result = skill(mine, theirs, resamples, confidence, seed)
                    rows.append(
                        {
                            "codings": codings,
                            "outcome": outcome,
                            "score": score,
                            "baseline": baseline,
                            "model": float(mine.mean()),
                            "baseline_score": float(theirs.mean()),
                            "skill": result.skill,
                            "ci_low": result.low,
                            "ci_high": result.high,
                            "episodes": result.episodes,
                        }
                    )
    return pd.DataFrame(rows)
