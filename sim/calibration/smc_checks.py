"""Leave-one-episode-out and simulation-based calibration with one ABC-SMC run per fold.

The costly variant of :mod:`~sim.calibration.checks` (``checks.method: smc``): each fold or
replicate is a full :func:`~sim.calibration.smc.calibrate` run in a folder of its own, so a killed
check resumes. The reference-table variant (:mod:`~sim.calibration.bank`) answers the same
questions from one table of prior simulations.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pandas as pd

from sim.backtest.scores import forecast_table, score_table, skill_table
from sim.calibration.checks import (
    CheckSettings,
    LooResult,
    SbcResult,
    coverage_table,
    observed_probabilities,
    predictive_forecasts,
)
from sim.calibration.posterior import posterior_draws, weighted_quantile
from sim.calibration.record import EpisodeStarts, library_record, set_values, simulate_record
from sim.calibration.settings import CalibrationSettings
from sim.calibration.smc import calibrate
from sim.core.errors import ConfigError
from sim.history.episodes import load_reference_class
from sim.scenario.loading import scenario_from_dict
from sim.scenario.schema import Scenario

__all__ = ["leave_one_out", "simulation_based_calibration"]


def leave_one_out(
    scenario: Scenario,
    folder: str | Path,
    settings: CalibrationSettings | None = None,
    checks: CheckSettings | None = None,
    seed: int = 0,
    executor: str = "serial",
    workers: int | None = None,
    scheduler: str | None = None,
    progress: bool = False,
) -> LooResult:
    """Calibrate without each episode in turn and forecast it from that posterior.

    Parameters
    ----------
    scenario : Scenario
        Priors and fixed values.
    folder : str or Path
        Each fold's calibration goes to ``fold-<episode_id>/`` (resumable, as a calibration is).
    settings : CalibrationSettings, optional
        Each fold's calibration (its ``exclude`` is set per fold).
    checks : CheckSettings, optional
        Posterior draws and copies per forecast, the episodes left out, bootstrap resamples.
    seed, executor, workers, scheduler, progress
        As in :func:`~sim.calibration.smc.calibrate`.

    Returns
    -------
    LooResult
    """
    settings = settings or CalibrationSettings()
    checks = checks or CheckSettings()
    folder = Path(folder)
    library = settings.read_episodes(scenario)
    known = library[library["outcome_known"]]
    events = settings.read_events(scenario)
    record = library_record(library, settings.coding)
    ids = list(record["episode_id"]) if checks.episodes is None else list(checks.episodes)
    unknown = sorted(set(ids) - set(record["episode_id"]))
    if unknown:
        raise ConfigError("checks.episodes", f"no episode with a known outcome named {unknown}")
    forecasts, folds = [], []
    for n, episode_id in enumerate(ids, 1):
        if progress:
            import sys

            print(f"[fold {n}/{len(ids)}] without {episode_id}", file=sys.stderr)
        fold = dataclasses.replace(settings, exclude=(*settings.exclude, episode_id))
        result = calibrate(
            scenario,
            folder / f"fold-{episode_id}",
            fold,
            seed=seed,
            executor=executor,
            workers=workers,
            scheduler=scheduler,
            progress=progress,
            events=events,
        )
        rows = known[known["episode_id"] == episode_id]
        forecasts += predictive_forecasts(
            scenario,
            result.posterior,
            rows,
            events,
            checks.draws,
            checks.copies,
            seed,
            engine=settings.engine,
        )
        folds.append(
            {
                "episode_id": episode_id,
                "simulations": result.total_simulations,
                "generations": len(result.diagnostics),
                "epsilon": float(result.diagnostics["epsilon"].iloc[-1]),
            }
        )
    rows = known[known["episode_id"].isin(ids)]
    table = forecast_table(forecasts, rows, load_reference_class())
    return LooResult(
        table=table,
        scores=score_table(table),
        skill=skill_table(table, checks.resamples, 0.95, seed),
        observed=observed_probabilities(table),
        folds=pd.DataFrame(folds),
    )


def simulation_based_calibration(
    scenario: Scenario,
    folder: str | Path,
    settings: CalibrationSettings | None = None,
    checks: CheckSettings | None = None,
    seed: int = 0,
    executor: str = "serial",
    workers: int | None = None,
    scheduler: str | None = None,
    progress: bool = False,
) -> SbcResult:
    """Calibrate on synthetic records made from prior draws and rank the true values.

    Parameters
    ----------
    scenario : Scenario
        Priors and fixed values.
    folder : str or Path
        Replicate i's calibration goes to ``replicate-<i>/`` (resumable).
    settings : CalibrationSettings, optional
        Each replicate's calibration.
    checks : CheckSettings, optional
        ``replicates`` synthetic records, ``draws`` posterior draws ranked against.
    seed, executor, workers, scheduler, progress
        As in :func:`~sim.calibration.smc.calibrate`.

    Returns
    -------
    SbcResult
    """
    settings = settings or CalibrationSettings()
    checks = checks or CheckSettings()
    folder = Path(folder)
    events = settings.read_events(scenario)
    record = library_record(settings.read_episodes(scenario), settings.coding)
    starts = EpisodeStarts(record, events)
    base = scenario.to_dict()
    integers = {p for p, prior in scenario.priors.items() if prior.dist == "integer"}
    rng = np.random.default_rng(seed)
    rows = []
    for i in range(checks.replicates):
        # The truth: one draw from each prior (the same law the calibration starts from).
        truth = {
            path: float(scenario.priors[path].ppf(rng.random())) for path in settings.parameters
        }
        true_scenario = scenario_from_dict(set_values(base, truth, integers))
        outcomes = simulate_record(
            true_scenario, starts, seed=seed + 7 * (i + 1), engine=settings.engine
        )
        synthetic = record.copy()
        for column in ("rung_7d", "rung_30d"):
            synthetic[column] = outcomes[column].to_numpy()
        known = record["ceasefire_30d"].notna().to_numpy()
        synthetic["ceasefire_30d"] = np.where(known, outcomes["ceasefire_30d"], np.nan)
        if progress:
            import sys

            print(f"[replicate {i + 1}/{checks.replicates}]", file=sys.stderr)
        result = calibrate(
            scenario,
            folder / f"replicate-{i:02d}",
            settings,
            seed=seed + i,
            executor=executor,
            workers=workers,
            scheduler=scheduler,
            progress=progress,
            observed_record=synthetic,
            events=events,
        )
        posterior = result.posterior
        w = posterior["weight"].to_numpy(float)
        draws = posterior_draws(posterior, checks.draws, seed + i)
        for path in settings.parameters:
            x = posterior[path].to_numpy(float)
            value = round(truth[path]) if path in integers else truth[path]
            q25, q75, q05, q95 = weighted_quantile(x, w, np.array([0.25, 0.75, 0.05, 0.95]))
            rows.append(
                {
                    "replicate": i,
                    "parameter": path,
                    "truth": value,
                    "rank": int((draws[path].to_numpy(float) < value).sum()),
                    "draws": checks.draws,
                    "in50": bool(q25 <= value <= q75),
                    "in90": bool(q05 <= value <= q95),
                    "simulations": result.total_simulations,
                }
            )
    ranks = pd.DataFrame(rows)
    return SbcResult(ranks=ranks, coverage=coverage_table(ranks))
