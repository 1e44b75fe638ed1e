"""The config way into a sweep: a composed experiment (or plain mapping) with a ``sweep:`` node.

``python -m sim experiment=NAME`` hands such a config here (:mod:`sim.app.cli`); the points run in
:func:`sim.sweeps.runner.run_sweep`.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from omegaconf import DictConfig

from sim.core.errors import ConfigError
from sim.history.timeline import DEFAULT_SCENARIO
from sim.runs.labels import folder_label
from sim.storage import store
from sim.sweeps.design import Sweep
from sim.sweeps.folder import TABLE_FILE
from sim.sweeps.parameters import FROM_PRIOR, _plain, ranges_from_priors
from sim.sweeps.result import SweepResult
from sim.sweeps.runner import _resolve_scenario, run_sweep

__all__ = ["prior_ranges", "run_sweep_from_config", "stable_folder"]


def prior_ranges(node: dict[str, Any], scenario: Any, where: str) -> dict[str, Any]:
    """A sweep node whose ``parameters`` given as ``prior`` take the scenario's prior ranges.

    `scenario` is a Scenario, a name or a scenario node (loaded only when a ``prior`` is used);
    see :func:`sim.sweeps.parameters.ranges_from_priors`.
    """
    params = node.get("parameters")
    if isinstance(params, Mapping) and any(v == FROM_PRIOR for v in params.values()):
        ranged = ranges_from_priors(params, _resolve_scenario(scenario), where)
        node = {**node, "parameters": ranged}
    return node


def stable_folder(kind: str, scenario: Any) -> str:
    """The name of a sweep's resumable folder: `kind`, and the scenario's name if not the default.

    The same command finds the same folder again (and resumes it); a run on another scenario
    gets its own (``sweep_ind_pak_2019``), so the two never hold each other's points.
    """
    if isinstance(scenario, Mapping):
        name = scenario.get("name")
    else:
        name = getattr(scenario, "name", scenario if isinstance(scenario, str) else None)
    return kind if not name or name == DEFAULT_SCENARIO else f"{kind}_{folder_label(name)}"


def run_sweep_from_config(
    cfg: Mapping[str, Any],
    results: str | os.PathLike | None = None,
    overrides: Sequence[str] = (),
    command: Sequence[str] | None = None,
) -> SweepResult:
    """Run the sweep of an experiment config: the entry of ``python -m sim experiment=NAME``.

    Parameters
    ----------
    cfg : DictConfig or mapping
        A config composed by Hydra from ``configs/config.yaml`` with a ``sweep`` node (see
        :meth:`Sweep.from_config`): the scenario, a chosen retaliation or ceasefire rule, ``mc``
        and ``executor`` are read and checked by :func:`sim.runs.experiment.experiment_from_config`.
        A plain mapping (a notebook) may instead give ``scenario`` as a name or a scenario node,
        ``mc`` (``replications``, ``horizon``, ``seed``, ``chunk_size``) and ``executor``.
    results : path, optional
        The run's results folder (Hydra's run directory). It gets ``config.yaml``,
        ``overrides.yaml``, ``manifest.json`` (with ``sweep_folder``), the table as
        ``summary.csv`` and ``sweep.parquet``. The sweep itself lives in a stable folder,
        ``sweep.folder`` or ``<output.root>/<name>/sweep``, so the same command resumes it.
    overrides, command : sequence of str
        Recorded in the results folder.

    Returns
    -------
    SweepResult
        ``exit_code`` is 1 when some point failed.
    """
    if (_plain(cfg.get("history")) or {}).get("replay"):
        # Each point would need its own replay (the replay reads the swept parameters).
        raise ConfigError(
            "history.replay",
            "sweeps start from the scenario's values; a replayed "
            "history is not supported in a sweep yet (set history.replay=false)",
        )
    if (_plain(cfg.get("mc")) or {}).get("stop"):
        raise ConfigError(
            "mc.stop",
            "every point of a sweep runs mc.replications replications (paired differences "
            "need the same ones); adaptive stopping is not supported in a sweep: remove mc.stop",
        )
    if isinstance(cfg, DictConfig):
        from sim.runs.experiment import experiment_from_config

        experiment = experiment_from_config(cfg, overrides=overrides)
        scenario, mc, config = (
            experiment.scenario,
            dataclasses.asdict(experiment.mc),
            experiment.config,
        )
        executor = dataclasses.asdict(experiment.executor)
        root = experiment.output.root
        # The checked config's sweep: actors named by position are ids there.
        node = dict(_plain(config["sweep"]))
    else:
        scenario, mc, config = cfg.get("scenario"), _plain(cfg.get("mc")) or {}, cfg
        executor = cfg.get("executor")
        root = (_plain(cfg.get("output")) or {}).get("root", "outputs")
        node = dict(_plain(cfg["sweep"]))
    name = str(cfg.get("name") or node.get("name") or "sweep")
    node.setdefault("name", name)
    node.setdefault("folder", str(Path(root) / node["name"] / stable_folder("sweep", scenario)))
    sweep = Sweep.from_config(prior_ranges(node, scenario, "sweep.parameters"))
    settings = {
        k: mc[k] for k in ("replications", "horizon", "seed", "chunk_size") if mc.get(k) is not None
    }
    record = store.manifest(settings.get("seed"), command=command, extra={"experiment": name})
    posterior = None
    if isinstance(cfg, DictConfig):
        posterior = experiment.posterior
        settings["posterior_cell"] = experiment.mc.posterior_cell
    progress = (_plain(cfg.get("output")) or {}).get("progress")
    quiet = (_plain(cfg.get("output")) or {}).get("quiet")
    result = run_sweep(
        sweep,
        scenario,
        executor=executor,
        config=config,
        posterior=posterior,
        progress=False if quiet else progress,
        **settings,
    )
    if results is not None and Path(results).resolve() != result.folder.resolve():
        folder = store.ResultsFolder.claim(results)  # another run may hold it
        folder.write_config(_plain(config))
        folder.write_overrides(list(overrides))
        store.write_parquet(result.table, folder.path / TABLE_FILE)
        folder.write_summary(result.table)
        record["sweep_folder"] = str(result.folder.resolve())
        record["points_failed"] = len(result.failures)
        folder.write_manifest(store.finish_manifest(record))
    return result
