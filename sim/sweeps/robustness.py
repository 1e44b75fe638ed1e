"""Robustness of policies across uncertain futures, on common random numbers.

A *policy* is a set of lever settings (e.g. Pakistan's retaliation rule); a *future* is one point
of a design over uncertain parameters (a :class:`~sim.sweeps.Sweep`, e.g. a Latin hypercube over
assumptions). Every policy runs in every future on the same seed, so replication *r* sees the same
random numbers everywhere. For an outcome (P(max rung >= k within t days)) and each policy,
:func:`sim.analysis.robustness.robustness_metrics` gives the metrics of McPhail et al. (2018):

- ``expected``: the mean probability over the futures (Laplace's principle of insufficient
  reason: the futures are equally likely);
- ``worst``: the highest probability in any future (Wald's maximin, for a harm: minimax);
- ``max_regret`` and ``p90_regret``: regret is the probability under the policy minus the lowest
  probability any policy achieves in the same future (Savage's regret from the best policy); its
  maximum over the futures and its 90th percentile;
- ``satisficing``: the share of futures where the probability stays at or under a threshold
  (Starr's domain criterion).

Each comes with a bootstrap interval over replications, resampled jointly across all policies and
futures (they share the replications), so the interval carries the Monte Carlo error of every
probability and the correlation that common random numbers give them.
:func:`run_robustness` runs the policies x futures through the sweep machinery and writes the
table; ``python -m sim experiment=robustness`` does it from a config (``docs/robustness.md``).

References
----------
McPhail, C., Maier, H. R., Kwakkel, J. H., Giuliani, M., Castelletti, A. and Westra, S. (2018).
"Robustness metrics: how are they calculated, when should they be used and why do they give
different results?" Earth's Future 6(2), 169-191. https://doi.org/10.1002/2017EF000649
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.analysis.robustness import METRICS, robustness_metrics
from sim.analysis.stats import binomial_interval
from sim.core.errors import ConfigError, did_you_mean
from sim.core.intervals import format_interval
from sim.scenario.posterior import CELL
from sim.storage import store
from sim.sweeps.from_config import prior_ranges, stable_folder
from sim.sweeps.runner import OUTCOMES_DIR, Sweep, run_sweep

__all__ = [
    "Outcome",
    "RobustnessResult",
    "robustness_from_config",
    "run_robustness",
    "run_robustness_from_config",
]

_TABLE_FILE = "robustness.csv"
_PROBABILITIES_FILE = "probabilities.csv"


@dataclass(frozen=True)
class Outcome:
    """An outcome judged across futures: P(max rung >= `rung` within `within` days).

    Parameters
    ----------
    rung : int
        Rung of the ladder, 0..5.
    within : int
        Days, >= 1 and at most the horizon.
    threshold : float
        Satisficing threshold: a future is acceptable when the probability is at most this, in
        [0, 1].
    """

    rung: int
    within: int
    threshold: float

    def __post_init__(self) -> None:
        if self.rung not in range(6):
            raise ValueError(f"rung must be an integer in 0..5, got {self.rung}")
        if self.within < 1:
            raise ValueError(f"within must be >= 1 day, got {self.within}")
        if not 0 <= self.threshold <= 1:
            raise ValueError(f"threshold must be in [0, 1], got {self.threshold}")

    @property
    def name(self) -> str:
        """Column-style name, ``p_rung{k}_{t}d`` as in a sweep table."""
        return f"p_rung{self.rung}_{self.within}d"


@dataclass(frozen=True, eq=False)
class RobustnessResult:
    """Policies judged across futures, read from or written to a folder.

    Parameters
    ----------
    table : pd.DataFrame
        One row per (outcome, policy): ``outcome`` (``p_rung{k}_{t}d``), ``threshold``, then the
        columns of :func:`robustness_metrics`.
    probabilities : pd.DataFrame
        One row per (outcome, policy, future): ``outcome``, ``policy``, ``future`` (the point
        index of the futures design), the future's parameters, ``probability`` with its Wilson
        ``low`` and ``high``, and ``replications``.
    folder : Path
        Where the policies' sweeps and the tables are.
    """

    table: pd.DataFrame
    probabilities: pd.DataFrame
    folder: Path

    def summary(self) -> str:
        """A printable table: each outcome's metrics by policy, with their intervals."""
        lines = []
        for outcome, rows in self.table.groupby("outcome", sort=False):
            lines.append(
                f"{outcome} (satisficing: at most {rows['threshold'].iloc[0]:g}), "
                f"{self.probabilities['future'].nunique()} futures:"
            )
            shown = pd.DataFrame({"policy": rows["policy"]})
            for metric in METRICS:
                shown[metric] = [
                    format_interval(v, lo, hi)
                    for v, lo, hi in zip(
                        rows[metric], rows[f"{metric}_low"], rows[f"{metric}_high"], strict=True
                    )
                ]
            lines.append(shown.to_string(index=False))
        return "\n".join(lines)


def _policy_folder(folder: Path, index: int, name: str) -> Path:
    safe = "".join(c if c.isalnum() or c in "-_" else "_" for c in name)
    return folder / f"policy-{index:02d}-{safe}"


def run_robustness(
    policies: Mapping[str, Mapping[str, Any]],
    futures: Sweep,
    outcomes: Sequence[Outcome],
    scenario: Any = None,
    folder: str | os.PathLike = "outputs/robustness",
    *,
    replications: int = 1000,
    horizon: int = 365,
    seed: int = 0,
    chunk_size: int = 8192,
    executor: Mapping[str, Any] | None = None,
    confidence: float = 0.95,
    n_resamples: int = 1000,
    posterior: Any = None,
    posterior_cell: int = CELL,
) -> RobustnessResult:
    """Run every policy in every future on the same seed and judge the policies' robustness.

    Parameters
    ----------
    policies : mapping
        Policy name -> settings (scenario key path -> value, as a sweep's ``fixed``), e.g.
        ``{"restraint": {"states.pakistan.retaliation": {"name": "threshold", "level": 1.0}}}``;
        at least two policies.
    futures : Sweep
        The design over uncertain parameters; its points are the futures. The policies' keys
        must not be among its parameters.
    outcomes : sequence of Outcome
        The outcomes judged, each with its satisficing threshold; ``within`` at most `horizon`.
    scenario : Scenario, str or mapping, optional
        The base scenario (as :func:`~sim.sweeps.run_sweep`).
    folder : path
        Each policy's sweep runs in ``policy-NN-<name>/`` below it (a rerun resumes), keeping
        every point's outcomes; the tables are written as ``robustness.csv`` and
        ``probabilities.csv``.
    replications, horizon, seed, chunk_size : int
        Monte Carlo settings, the same for every policy and future: common random numbers.
    executor : mapping, optional
        As in :func:`~sim.sweeps.run_sweep`.
    confidence : float
        Confidence level of every interval.
    n_resamples : int
        Bootstrap resamples (:func:`robustness_metrics`).
    posterior : Posterior or path, optional
        Parameter draws every policy's and future's replications are spread over, as in
        :func:`~sim.sweeps.run_sweep` (``docs/posterior.md``): replication g has the same draw
        and random numbers under every policy and future. A parameter both in the posterior and
        among the futures' or a policy's keys is refused.
    posterior_cell : int
        Consecutive replications sharing a draw.

    Returns
    -------
    RobustnessResult
    """
    if len(policies) < 2:
        raise ConfigError("robustness.policies", "give at least two policies to compare")
    if not outcomes:
        raise ConfigError("robustness.outcomes", "give at least one outcome")
    swept = {p.path for p in futures.parameters}
    for name, settings in policies.items():
        clash = sorted(swept & {str(k).removeprefix("scenario.") for k in settings})
        if clash:
            raise ConfigError(
                f"robustness.policies.{name}",
                f"{clash[0]} is both a lever of the policy and an uncertain parameter of the "
                "futures: keep levers and uncertainties apart",
            )
    for outcome in outcomes:
        if outcome.within > horizon:
            raise ConfigError(
                "robustness.outcomes",
                f"within={outcome.within} exceeds the horizon {horizon}: outcomes are censored",
            )
    folder = Path(folder)
    points = futures.points()
    rungs = sorted({o.rung for o in outcomes})
    # (outcome, policy, future, replication)
    reached = np.zeros((len(outcomes), len(policies), len(points), replications), dtype=bool)
    for i, (name, settings) in enumerate(policies.items()):
        sweep = dataclasses.replace(
            futures,
            fixed={**futures.fixed, **dict(settings)},
            keep_outcomes=True,
            baseline=None,
            analyze=(),
            discover=None,
            name=f"{futures.name}-{name}",
            rungs=tuple(rungs),
            horizons=tuple(sorted({o.within for o in outcomes})),
        )
        result = run_sweep(
            sweep,
            scenario,
            _policy_folder(folder, i, name),
            replications=replications,
            horizon=horizon,
            seed=seed,
            chunk_size=chunk_size,
            executor=executor,
            posterior=posterior,
            posterior_cell=posterior_cell,
        )
        if not result.ok:
            raise RuntimeError(
                f"policy {name}: {len(result.failures)} future(s) failed, e.g. "
                f"{result.failures[0]['error']}; see {result.folder}"
            )
        for point in points:
            path = result.folder / OUTCOMES_DIR / f"point-{point.index:06d}.parquet"
            days = store.read_parquet(path).sort_values("replication")
            for o, outcome in enumerate(outcomes):
                day = days[f"day_rung_{outcome.rung}"]
                reached[o, i, point.index] = (day <= outcome.within).to_numpy()
    names = list(policies)
    tables, probabilities = [], []
    for o, outcome in enumerate(outcomes):
        table = robustness_metrics(
            reached[o], names, outcome.threshold, confidence, n_resamples, seed=seed
        )
        table.insert(0, "threshold", outcome.threshold)
        table.insert(0, "outcome", outcome.name)
        tables.append(table)
        counts = reached[o].sum(axis=-1)
        for i, name in enumerate(names):
            for point in points:
                k = int(counts[i, point.index])
                est = binomial_interval(k, replications, "wilson", confidence)
                probabilities.append(
                    {
                        "outcome": outcome.name,
                        "policy": name,
                        "future": point.index,
                        **point.display,
                        "probability": est.estimate,
                        "low": est.low,
                        "high": est.high,
                        "replications": replications,
                    }
                )
    result = RobustnessResult(
        table=pd.concat(tables, ignore_index=True),
        probabilities=pd.DataFrame(probabilities),
        folder=folder,
    )
    store.write_csv(result.table, folder / _TABLE_FILE)
    store.write_csv(result.probabilities, folder / _PROBABILITIES_FILE)
    return result


_KEYS = ("policies", "futures", "outcomes", "confidence", "resamples", "folder")


def robustness_from_config(node: Any, scenario: Any = None) -> dict[str, Any]:
    """Read a ``robustness:`` config node into the arguments of :func:`run_robustness`.

    Parameters
    ----------
    node : mapping
        ``policies`` (name -> settings), ``futures`` (a sweep node, :meth:`Sweep.from_config`),
        ``outcomes`` (a list of ``{rung, within, threshold}``), optionally ``confidence``,
        ``resamples`` and ``folder``. A future's parameter given as ``prior`` spans the range
        of the scenario's prior for it (:func:`sim.sweeps.parameters.ranges_from_priors`).
    scenario : Scenario, str or mapping, optional
        The scenario run, whose priors give those ranges (default the default scenario).

    Returns
    -------
    dict
        ``policies``, ``futures``, ``outcomes``, ``confidence``, ``n_resamples`` and, if given,
        ``folder``.

    Raises
    ------
    ConfigError
        Naming the key, e.g. ``robustness.outcomes.0.rung: rung must be an integer in 0..5``.
    """
    from omegaconf import OmegaConf

    data = OmegaConf.to_container(node, resolve=True) if OmegaConf.is_config(node) else node
    if not isinstance(data, Mapping):
        raise ConfigError("robustness", f"must be a mapping, got {data!r}")
    unknown = [k for k in data if k not in _KEYS]
    if unknown:
        raise ConfigError(
            f"robustness.{unknown[0]}", f"unknown key; {did_you_mean(str(unknown[0]), _KEYS)}"
        )
    for key in ("policies", "futures", "outcomes"):
        if not data.get(key):
            raise ConfigError(f"robustness.{key}", "missing: see docs/robustness.md")
    policies = data["policies"]
    if not isinstance(policies, Mapping) or not all(
        isinstance(v, Mapping) for v in policies.values()
    ):
        raise ConfigError(
            "robustness.policies", "must map each policy name to its settings (key path: value)"
        )
    futures = dict(data["futures"])
    futures.setdefault("name", "futures")
    futures = prior_ranges(futures, scenario, "robustness.futures.parameters")
    try:
        sweep = Sweep.from_config(futures)
    except ConfigError as exc:
        message = str(exc).removeprefix(f"{exc.path}: ")
        raise ConfigError(
            f"robustness.futures.{exc.path.removeprefix('sweep.')}", message
        ) from None
    outcomes = []
    for i, item in enumerate(data["outcomes"]):
        try:
            outcomes.append(Outcome(**dict(item)))
        except (TypeError, ValueError) as exc:
            raise ConfigError(f"robustness.outcomes.{i}", str(exc)) from None
    args = {
        "policies": {str(k): dict(v) for k, v in policies.items()},
        "futures": sweep,
        "outcomes": outcomes,
        "confidence": float(data.get("confidence", 0.95)),
        "n_resamples": int(data.get("resamples", 1000)),
    }
    if data.get("folder"):
        args["folder"] = str(data["folder"])
    return args


def run_robustness_from_config(
    cfg: Any,
    results: str | os.PathLike | None = None,
    overrides: Sequence[str] = (),
    command: Sequence[str] | None = None,
) -> RobustnessResult:
    """Run the robustness node of an experiment config: ``python -m sim experiment=robustness``.

    Parameters
    ----------
    cfg : DictConfig
        A config composed by Hydra with a ``robustness`` node (:func:`robustness_from_config`);
        the scenario, ``mc`` and ``executor`` are read and checked by
        :func:`sim.runs.experiment.experiment_from_config`.
    results : path, optional
        The run's results folder: it gets ``config.yaml``, ``overrides.yaml``,
        ``manifest.json``, ``robustness.csv`` (also as ``summary.csv``) and
        ``probabilities.csv`` (the command line adds ``figures/robustness.png``). The
        policies' sweeps live in a stable folder, ``robustness.folder`` or
        ``<output.root>/<name>/robustness``, so the same command resumes them.
    overrides, command : sequence of str
        Recorded in the results folder.

    Returns
    -------
    RobustnessResult
    """
    from sim.runs.experiment import experiment_from_config

    experiment = experiment_from_config(cfg, overrides=overrides)
    if experiment.mc.stop:
        raise ConfigError(
            "mc.stop",
            "every policy and future runs mc.replications replications (common random "
            "numbers); adaptive stopping is not supported here: remove mc.stop",
        )
    # The checked config's node: actors named by position are ids there.
    args = robustness_from_config(experiment.config["robustness"], experiment.scenario)
    kind = stable_folder("robustness", experiment.scenario)
    args.setdefault("folder", str(Path(experiment.output.root) / experiment.name / kind))
    mc = experiment.mc
    extra = {"experiment": experiment.name}
    if experiment.posterior is not None:
        extra["posterior"] = experiment.posterior.source
    record = store.manifest(mc.seed, command=command, extra=extra)
    result = run_robustness(
        scenario=experiment.scenario,
        replications=mc.replications,
        horizon=mc.horizon,
        seed=mc.seed,
        chunk_size=mc.chunk_size,
        executor=dataclasses.asdict(experiment.executor),
        posterior=experiment.posterior,
        posterior_cell=mc.posterior_cell,
        **args,
    )
    if results is not None:
        folder = store.ResultsFolder(results)
        folder.write_config(experiment.config)
        folder.write_overrides(list(overrides))
        store.write_csv(result.table, folder.path / _TABLE_FILE)
        store.write_csv(result.probabilities, folder.path / _PROBABILITIES_FILE)
        folder.write_summary(result.table)
        record["robustness_folder"] = str(result.folder.resolve())
        folder.write_manifest(store.finish_manifest(record))
    return result
