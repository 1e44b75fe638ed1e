"""The result of a Monte Carlo run: its outcomes table and the statistics asked of it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow.parquet as pq

from sim.analysis import predictive, stats
from sim.analysis.predictive import PREDICTIVE_LEVEL, PredictiveDifference, PredictiveEstimate
from sim.analysis.survival import survival
from sim.scenario.posterior import Posterior
from sim.scenario.schema import Scenario

__all__ = ["SimulationResult"]

# SciPy's BCa bootstrap builds n x n jackknife arrays: keep n where that is cheap.
_BOOTSTRAP_MAX = 2000


class SimulationResult:
    """Outcomes of R replications of a scenario, with the statistics a researcher asks for.

    Parameters
    ----------
    scenario : Scenario
        What was run.
    replications, horizon, seed, chunk_size : int
        How it was run (`replications` actually run: fewer than asked if a stopping rule
        stopped the run early).
    outcomes : DataFrame, optional
        One row per replication (``docs/outcomes.md``).
    events, trajectory : DataFrame or None
        The event log and per-day trajectory, when recorded.
    info : dict
        How the run went: executor, workers, chunks, timings, stopping (``docs/montecarlo.md``).
    outcomes_path : Path, optional
        A Parquet file holding the outcomes, read on first use of :attr:`outcomes` when
        `outcomes` is not given (runs streamed to ``out_dir``). The statistics methods read
        only the columns they need from it.
    posterior : Posterior, optional
        The parameter draws the replications were spread over (the outcomes then have a
        ``draw`` column); :meth:`predictive` and :meth:`summary` report posterior-predictive
        intervals.
    """

    def __init__(
        self,
        scenario: Scenario,
        replications: int,
        horizon: int,
        seed: int,
        chunk_size: int,
        outcomes: pd.DataFrame | None = None,
        events: pd.DataFrame | None = None,
        trajectory: pd.DataFrame | None = None,
        info: dict[str, Any] | None = None,
        outcomes_path: str | Path | None = None,
        posterior: Posterior | None = None,
    ) -> None:
        if outcomes is None and outcomes_path is None:
            raise ValueError("give the outcomes or the Parquet file holding them")
        self.scenario = scenario
        self.replications = replications
        self.horizon = horizon
        self.seed = seed
        self.chunk_size = chunk_size
        self.events = events
        self.trajectory = trajectory
        self.info = dict(info or {})
        self.outcomes_path = None if outcomes_path is None else Path(outcomes_path)
        self._outcomes = outcomes
        self.posterior = posterior

    def __repr__(self) -> str:
        return (
            f"SimulationResult(scenario={self.scenario.name!r}, replications="
            f"{self.replications}, horizon={self.horizon}, seed={self.seed}, chunk_size="
            f"{self.chunk_size}, executor={self.info.get('executor')!r})"
        )

    @property
    def outcomes(self) -> pd.DataFrame:
        """One row per replication, in replication order (``docs/outcomes.md``)."""
        if self._outcomes is None:
            self._outcomes = self._read()
        return self._outcomes

    def _read(self, columns: list[str] | None = None) -> pd.DataFrame:
        frame = pq.read_table(self.outcomes_path, columns=columns).to_pandas()
        frame.attrs.update(horizon=self.horizon, start_rung=int(self.scenario.start_rung))
        return frame

    def _columns(self, *columns: str) -> pd.DataFrame:
        """The outcomes, or just `columns` of them when they are on disk and not yet loaded."""
        if self._outcomes is not None:
            return self._outcomes
        return self._read(list(columns))

    def escalation_probability(
        self, rung: int, within: float | None = None, method: str = "wilson"
    ) -> stats.Estimate:
        """P(max rung >= `rung` within `within` days) with its 95 % interval."""
        return stats.escalation_probability(
            self._columns(f"day_rung_{rung}"), rung, within, method=method
        )

    def predictive(
        self, rung: int, within: float | None = None, level: float = PREDICTIVE_LEVEL
    ) -> PredictiveEstimate:
        """P(max rung >= `rung` within `within` days) over the posterior (a run with one).

        The estimate over all replications, the posterior-predictive interval (central `level`
        of the per-draw estimates: parameter and Monte Carlo uncertainty) and the 95 % Monte
        Carlo interval (:mod:`sim.analysis.predictive`, ``docs/posterior.md``).
        """
        return predictive.predictive_probability(
            self._columns(f"day_rung_{rung}", predictive.DRAW), rung, within, level
        )

    def summary(
        self, horizons: tuple[int, ...] = (7, 30, 90, 365), rungs: tuple[int, ...] = (1, 2, 3, 4, 5)
    ) -> pd.DataFrame:
        """One row per (rung, horizon): probability, 95 % interval, replications.

        With a posterior, also ``pp_low`` and ``pp_high``, the posterior-predictive interval
        (:func:`sim.analysis.predictive.predictive_summary`); ``ci_low`` and ``ci_high`` stay the
        Monte Carlo interval.
        """
        columns = [f"day_rung_{k}" for k in rungs]
        if self.posterior is not None:
            table = self._columns(*columns, predictive.DRAW)
            return predictive.predictive_summary(table, horizons=horizons, rungs=rungs)
        if self._outcomes is None:
            # One row group (one chunk) at a time: memory stays bounded at any R.
            return stats.pooled_summary(self._batches(columns), horizons=horizons, rungs=rungs)
        return stats.summary_table(self._outcomes, horizons=horizons, rungs=rungs)

    def _batches(self, columns: list[str]) -> Iterator[pd.DataFrame]:
        """`columns` of the outcomes on disk, one row group (a chunk) at a time."""
        with pq.ParquetFile(self.outcomes_path) as handle:
            for group in range(handle.num_row_groups):
                frame = handle.read_row_group(group, columns=columns).to_pandas()
                frame.attrs.update(horizon=self.horizon, start_rung=int(self.scenario.start_rung))
                yield frame

    def head(self, replications: int) -> SimulationResult:
        """The first `replications` replications (an i.i.d. sample of the run) as a result.

        Read one row group at a time from disk when the outcomes are there, so a figure of a
        very large run costs the memory of its sample only.
        """
        if self._outcomes is not None or self.replications <= replications:
            outcomes = self.outcomes.iloc[:replications]
        else:
            parts, rows = [], 0
            with pq.ParquetFile(self.outcomes_path) as handle:
                for group in range(handle.num_row_groups):
                    if rows >= replications:
                        break
                    part = handle.read_row_group(group).to_pandas()
                    parts.append(part.iloc[: replications - rows])
                    rows += len(parts[-1])
            outcomes = pd.concat(parts, ignore_index=True)
        outcomes.attrs.update(horizon=self.horizon, start_rung=int(self.scenario.start_rung))
        return SimulationResult(
            self.scenario,
            len(outcomes),
            self.horizon,
            self.seed,
            self.chunk_size,
            outcomes=outcomes,
            events=self.events,
            trajectory=self.trajectory,
            info=self.info,
            posterior=self.posterior,
        )

    def survival(self, rung: int) -> stats.SurvivalResult:
        """Kaplan-Meier curve of the time to reach `rung`, censored at the horizon."""
        return survival(self._columns(f"day_rung_{rung}"), rung)

    def compare(
        self, other: SimulationResult, rung: int, within: float | None = None
    ) -> stats.PairedComparison:
        """Paired difference ``other - self`` in P(max rung >= `rung`), same random numbers."""
        if other.seed != self.seed:
            raise ValueError(
                "compare runs made with the same seed (common random numbers); got seeds "
                f"{self.seed}/{other.seed}"
            )
        columns = ("replication", f"day_rung_{rung}")
        return stats.paired_difference(
            self._columns(*columns), other._columns(*columns), rung, within
        )

    def compare_predictive(
        self,
        other: SimulationResult,
        rung: int,
        within: float | None = None,
        level: float = PREDICTIVE_LEVEL,
    ) -> PredictiveDifference:
        """Paired difference ``other - self`` over the posterior, with both intervals.

        Both runs need the same seed and posterior: each replication then has the same draw and
        the same random numbers in both (:func:`sim.analysis.predictive.predictive_difference`).
        """
        if other.seed != self.seed:
            raise ValueError(
                "compare runs made with the same seed (common random numbers); got seeds "
                f"{self.seed}/{other.seed}"
            )
        columns = ("replication", f"day_rung_{rung}", predictive.DRAW)
        return predictive.predictive_difference(
            self._columns(*columns), other._columns(*columns), rung, within, level
        )

    def bootstrap(
        self,
        column: str,
        statistic: str | float = "mean",
        confidence: float = 0.95,
        n_resamples: int = 2000,
        seed: int = 0,
        method: str = "BCa",
        max_replications: int = _BOOTSTRAP_MAX,
    ) -> stats.BootstrapResult:
        """A casualty mean, median or quantile with its bootstrap interval.

        Parameters
        ----------
        column : str
            An outcome column, e.g. ``"civilian_deaths_pakistan"`` or ``"battle_deaths"``.
        statistic : str or float
            ``"mean"``, ``"median"`` or a quantile level in (0, 1).
        confidence, n_resamples, seed, method
            As in :func:`sim.analysis.stats.bootstrap_interval`.
        max_replications : int
            Use at most the first this many replications (an i.i.d. sample of the run):
            SciPy's BCa interval needs memory and time growing as n squared. The result's ``n``
            says how many were used.

        Returns
        -------
        sim.analysis.stats.BootstrapResult
        """
        table = self._columns(column)
        if column not in table.columns:
            raise ValueError(f"no outcome column {column!r}; columns: {', '.join(table.columns)}")
        values = table[column].to_numpy(dtype=float)[:max_replications]
        return stats.bootstrap_interval(values, statistic, confidence, n_resamples, seed, method)
