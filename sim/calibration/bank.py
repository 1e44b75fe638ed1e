"""A reference table: many prior draws, each with one simulated copy of the episode record.

Rejection ABC on one table of prior simulations answers many calibrations at the cost of one:
a calibration keeps the `accept` draws whose record's statistics lie nearest the observed ones.
Because every draw keeps its record episode by episode, the statistics can be recomputed
without an episode (leave-one-episode-out: :func:`bank_leave_one_out`), and any draw can serve
as a synthetic truth whose record is calibrated on the others (simulation-based calibration:
:func:`bank_sbc`). The statistics and the distance are those of the ABC-SMC calibration
(:mod:`~sim.calibration.summary`); its posterior is the rejection-ABC posterior at the threshold
of the `accept`-th nearest record, the target of the SMC's first generations, not of its last.

The table is simulated in chunks on the project's executors (:mod:`sim.runs.executors`) and
written chunk by chunk (``bank/chunk-NNNN.parquet``), so a killed run keeps its finished chunks.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.calibration.record import EpisodeStarts, set_values, simulate_record
from sim.calibration.summary import STATISTICS
from sim.core.errors import ConfigError
from sim.scenario.loading import scenario_from_dict
from sim.scenario.schema import Scenario
from sim.storage.store import read_parquet, write_json, write_parquet

__all__ = ["Bank", "bank_leave_one_out", "bank_sbc", "bank_statistics", "nearest", "simulate_bank"]

CHUNK = 100
"""Prior draws per chunk (one task, one file)."""


@dataclass(frozen=True)
class _Task:
    index: int
    seed: int
    first: int
    size: int
    payload: Any = dataclasses.field(repr=False, default=None)


def _run_chunk(task: _Task) -> pd.DataFrame:
    data, integers, starts, values, engine = task.payload
    rows = []
    for k, drawn in enumerate(values):
        scenario = scenario_from_dict(set_values(data, drawn, integers))
        outcomes = simulate_record(scenario, starts, seed=task.seed + task.first + k, engine=engine)
        row = {"draw": task.first + k, **drawn}
        for column in ("rung_7d", "rung_30d", "ceasefire_30d"):
            for j, v in enumerate(outcomes[column].to_numpy()):
                row[f"{column}:{j}"] = v
        rows.append(row)
    return pd.DataFrame(rows)


@dataclass(frozen=True, eq=False)
class Bank:
    """Prior draws and their simulated records.

    Parameters
    ----------
    parameters : DataFrame
        One row per draw, one column per parameter key path.
    rung_7d, rung_30d, ceasefire : ndarray
        Shape (draws, episodes): each draw's simulated outcome of each episode of the record.
    """

    parameters: pd.DataFrame
    rung_7d: np.ndarray
    rung_30d: np.ndarray
    ceasefire: np.ndarray

    def __len__(self) -> int:
        return len(self.parameters)


def simulate_bank(
    scenario: Scenario,
    parameters: Sequence[str],
    starts: EpisodeStarts,
    draws: int,
    folder: str | Path,
    seed: int = 0,
    executor: str = "serial",
    workers: int | None = None,
    progress: bool = False,
    engine: str = "numpy",
) -> Bank:
    """Draw `draws` parameter sets from the priors and simulate one record of each (resumable).

    Parameters
    ----------
    scenario : Scenario
        Priors and fixed values.
    parameters : sequence of str
        Key paths drawn from their priors.
    starts : EpisodeStarts
        The record's episodes.
    draws : int
        Prior draws.
    folder : str or Path
        ``<folder>/bank/chunk-NNNN.parquet`` per chunk of :data:`CHUNK` draws; existing ones are
        kept.
    seed : int
        Seed of the draws (a Sobol-free plain uniform stream) and the simulations.
    executor, workers
        Where chunks run (``serial`` or ``processes``).
    progress : bool
        A tqdm bar over chunks.
    engine : {"numpy", "compiled"}
        The day each record is simulated on (``calibration.engine``); a table is continued only
        on the day it was drawn on.

    Returns
    -------
    Bank
    """
    from tqdm import tqdm

    from sim.runs.executors import open_executor

    priors = [scenario.priors[p] for p in parameters]
    rng = np.random.default_rng(seed)
    u = rng.random((draws, len(parameters)))
    values = np.column_stack([prior.ppf(u[:, i]) for i, prior in enumerate(priors)])
    data = scenario.to_dict()
    data.pop("priors", None)
    integers = {p for p, prior in scenario.priors.items() if prior.dist == "integer"}
    starts.starts(scenario)  # replay once, before workers fork
    folder = Path(folder) / "bank"
    folder.mkdir(parents=True, exist_ok=True)
    identity = {
        "parameters": list(parameters),
        "seed": seed,
        "episodes": [f"{r.episode_id} {r.coding}" for r in starts.record.itertuples()],
        "scenario": hashlib.sha256(
            json.dumps(data, sort_keys=True, default=str).encode()
        ).hexdigest()[:16],
        "engine": engine,
    }
    stored = folder / "settings.json"
    if stored.exists():
        before = json.loads(stored.read_text(encoding="utf-8"))
        before.setdefault("engine", "numpy")  # a table drawn before the engine was recorded
        changed = sorted(k for k in identity if before.get(k) != identity[k])
        if changed:
            raise ConfigError(
                "calibration.folder",
                f"{folder} holds a reference table with other {', '.join(changed)}; delete it "
                "or set calibration.folder to another one to start fresh",
            )
    else:
        write_json(identity, stored)
    tasks = []
    for index, first in enumerate(range(0, draws, CHUNK)):
        if (folder / f"chunk-{index:04d}.parquet").exists():
            continue
        size = min(CHUNK, draws - first)
        rows = values[first : first + size]
        chunk = [dict(zip(parameters, map(float, v), strict=True)) for v in rows]
        tasks.append(_Task(index, seed, first, size, (data, integers, starts, chunk, engine)))
    bar = tqdm(total=len(tasks), desc="reference table chunks", disable=not progress, leave=False)
    with open_executor(executor, workers) as ex:
        for frame in ex.map_unordered(_run_chunk, tasks):
            write_parquet(
                frame, folder / f"chunk-{int(frame['draw'].iloc[0]) // CHUNK:04d}.parquet"
            )
            bar.update(1)
    bar.close()
    table = pd.concat(
        [read_parquet(folder / f"chunk-{i:04d}.parquet") for i in range(-(-draws // CHUNK))],
        ignore_index=True,
    ).sort_values("draw")
    n = len(starts)

    def block(column: str) -> np.ndarray:
        return table[[f"{column}:{j}" for j in range(n)]].to_numpy()

    return Bank(
        parameters=table[list(parameters)].reset_index(drop=True),
        rung_7d=block("rung_7d").astype(int),
        rung_30d=block("rung_30d").astype(int),
        ceasefire=block("ceasefire_30d").astype(float),
    )


def bank_statistics(
    rung_7d: np.ndarray,
    rung_30d: np.ndarray,
    ceasefire: np.ndarray,
    sides: np.ndarray,
    keep: np.ndarray,
    known: np.ndarray,
) -> np.ndarray:
    """The statistics of :mod:`~sim.calibration.summary` for many records at once.

    Parameters
    ----------
    rung_7d, rung_30d, ceasefire : ndarray
        Shape (records, episodes).
    sides : ndarray of str
        Each episode's scored side.
    keep : ndarray of bool
        The episodes counted (False: left out).
    known : ndarray of bool
        Episodes whose real ceasefire outcome is known.

    Returns
    -------
    ndarray
        Shape (records, statistics), in the order of
        :func:`~sim.calibration.summary.statistic_names`.
    """
    columns = {"rung_7d": rung_7d, "rung_30d": rung_30d}
    out = []
    for side in sorted(set(sides)):
        mine = keep & (sides == side)
        for _, column, rung in STATISTICS:
            out.append((columns[column][:, mine] >= rung).mean(axis=1))
        counted = mine & known
        # As summary_statistics: a side without a known ceasefire outcome counts 0.
        out.append(
            ceasefire[:, counted].mean(axis=1) if counted.any() else np.zeros(len(ceasefire))
        )
    return np.column_stack(out)


def nearest(stats: np.ndarray, observed: np.ndarray, accept: int) -> np.ndarray:
    """Indices of the `accept` records nearest `observed` (Euclidean), ties broken by index."""
    d = np.sqrt(((stats - observed) ** 2).sum(axis=1))
    return np.argsort(d, kind="stable")[:accept]


def _observed(record: pd.DataFrame) -> tuple[np.ndarray, ...]:
    r7 = record["rung_7d"].to_numpy(int)[None, :]
    r30 = record["rung_30d"].to_numpy(int)[None, :]
    cf = np.nan_to_num(record["ceasefire_30d"].to_numpy(float))[None, :]
    return r7, r30, cf


def bank_leave_one_out(
    scenario: Scenario,
    bank: Bank,
    record: pd.DataFrame,
    episodes: pd.DataFrame,
    events: pd.DataFrame,
    accept: int,
    copies: int,
    seed: int = 0,
    resamples: int = 2000,
    engine: str = "numpy",
) -> Any:
    """Leave-one-episode-out with rejection ABC on the table: calibrate without e, forecast e.

    Parameters
    ----------
    scenario : Scenario
        Fixed values.
    bank : Bank
        The reference table of `record`'s episodes.
    record : DataFrame
        The record calibrated on (:func:`~sim.calibration.record.library_record`).
    episodes : DataFrame
        The library's rows with a known outcome (every coding of a left-out episode is
        forecast).
    events : DataFrame
        The timeline.
    accept : int
        Draws kept per fold (the nearest records without the episode).
    copies : int
        Simulated copies of the left-out episode per kept draw.
    seed, resamples
        Seed of the forecasts' simulations; bootstrap resamples of the skill intervals.
    engine : {"numpy", "compiled"}
        The day the forecasts are simulated on.

    Returns
    -------
    LooResult
    """
    from sim.backtest.scores import forecast_table, score_table, skill_table
    from sim.calibration.checks import LooResult, observed_probabilities, predictive_forecasts
    from sim.history.episodes import load_reference_class

    sides = record["scored_side"].to_numpy()
    known = record["ceasefire_30d"].notna().to_numpy()
    real = _observed(record)
    forecasts, folds = [], []
    for j, episode_id in enumerate(record["episode_id"]):
        keep = np.ones(len(record), bool)
        keep[j] = False
        stats = bank_statistics(bank.rung_7d, bank.rung_30d, bank.ceasefire, sides, keep, known)
        target = bank_statistics(*real, sides, keep, known)[0]
        kept = nearest(stats, target, accept)
        posterior = bank.parameters.iloc[kept].reset_index(drop=True)
        posterior["weight"] = 1.0 / len(kept)
        rows = episodes[episodes["episode_id"] == episode_id]
        forecasts += predictive_forecasts(
            scenario,
            posterior,
            rows,
            events,
            draws=accept,
            copies=copies,
            seed=seed + j,
            engine=engine,
        )
        d = np.sqrt(((stats[kept] - target) ** 2).sum(axis=1))
        folds.append({"episode_id": episode_id, "simulations": len(bank), "accepted": accept,
                      "epsilon": float(d.max())})  # fmt: skip
    rows = episodes[episodes["episode_id"].isin(record["episode_id"])]
    table = forecast_table(forecasts, rows, load_reference_class())
    return LooResult(
        table=table,
        scores=score_table(table),
        skill=skill_table(table, resamples, 0.95, seed),
        observed=observed_probabilities(table),
        folds=pd.DataFrame(folds),
    )


def bank_sbc(
    scenario: Scenario, bank: Bank, record: pd.DataFrame, replicates: int, accept: int
) -> Any:
    """Simulation-based calibration on the table: each of `replicates` draws is a synthetic truth.

    Draw i's simulated record is the observed record; the other draws are the reference table
    its rejection-ABC posterior (the `accept` nearest) comes from; the rank of draw i's values
    among the kept draws, and whether the central 50 % / 90 % intervals of the kept draws cover
    them, are recorded. Returns an :class:`~sim.calibration.checks.SbcResult`.
    """
    from sim.calibration.checks import SbcResult, coverage_table

    sides = record["scored_side"].to_numpy()
    known = record["ceasefire_30d"].notna().to_numpy()
    keep = np.ones(len(record), bool)
    stats = bank_statistics(bank.rung_7d, bank.rung_30d, bank.ceasefire, sides, keep, known)
    rows = []
    others = np.ones(len(bank), bool)
    for i in range(replicates):
        others[:] = True
        others[i] = False
        pool = np.flatnonzero(others)
        kept = pool[nearest(stats[pool], stats[i], accept)]
        for path in bank.parameters.columns:
            x = bank.parameters[path].to_numpy(float)
            truth, sample = x[i], x[kept]
            q25, q75, q05, q95 = np.quantile(sample, [0.25, 0.75, 0.05, 0.95])
            rows.append(
                {
                    "replicate": i,
                    "parameter": path,
                    "truth": truth,
                    "rank": int((sample < truth).sum()),
                    "draws": accept,
                    "kept": accept,
                    "in50": bool(q25 <= truth <= q75),
                    "in90": bool(q05 <= truth <= q95),
                    "simulations": len(bank) - 1,
                }
            )
    ranks = pd.DataFrame(rows)
    return SbcResult(ranks=ranks, coverage=coverage_table(ranks))
