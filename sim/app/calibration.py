"""``python -m sim experiment=calibrate``: ABC-SMC calibration, its results folder and figures.

The calibration itself is :func:`sim.calibration.calibrate`; this module reads the experiment's
``calibration:`` node, keeps pyabc's database in a stable folder (``calibration.folder``, default
``<output.root>/<name>/calibration``) so that the same command continues a stored run, and writes
the run's results folder: ``config.yaml``, ``overrides.yaml``, ``manifest.json``, copies of
``posterior.parquet``, ``diagnostics.csv`` and ``observed.json``, and ``figures/``.
"""

from __future__ import annotations

import logging
import shutil
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from omegaconf import DictConfig, OmegaConf

from sim.app.experiment import start_run
from sim.calibration import (
    CalibrationResult,
    CalibrationSettings,
    calibrate,
    default_parameters,
)
from sim.core.errors import ConfigError
from sim.runs.experiment import Experiment
from sim.storage import store

__all__ = [
    "calibration_folder",
    "calibration_settings",
    "check_settings",
    "run_calibration_experiment",
    "run_check_experiment",
]

_log = logging.getLogger(__name__)
_COPIED = ("posterior.parquet", "diagnostics.csv", "observed.json")


def calibration_settings(experiment: Experiment) -> CalibrationSettings:
    """The experiment's checked ``calibration:`` node (defaults where it has none).

    ``parameters: null`` (or no node) calibrates :func:`default_parameters` of the experiment's
    scenario: its own states' numbers, so ``calibrate`` runs on any scenario with priors.
    """
    node = experiment.config.get("calibration")
    data = OmegaConf.to_container(node, resolve=True) if isinstance(node, DictConfig) else node
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ConfigError("calibration", f"a mapping of the calibration's settings; got {data!r}")
    if data.get("parameters") is None:
        data = {**data, "parameters": list(default_parameters(experiment.scenario))}
    return CalibrationSettings.from_config(data)


def calibration_folder(experiment: Experiment, settings: CalibrationSettings) -> Path:
    """Where the pyabc database lives: ``calibration.folder`` or ``<root>/<name>/calibration``."""
    if settings.folder:
        return Path(settings.folder)
    return Path(experiment.output.root) / experiment.name / "calibration"


def run_calibration_experiment(
    experiment: Experiment,
    settings: CalibrationSettings | None = None,
    folder: str | Path | None = None,
    command: Sequence[str] | None = None,
) -> CalibrationResult:
    """Run (or continue) the calibration of an experiment and write its results folder.

    Parameters
    ----------
    experiment : Experiment
        Its scenario (priors and fixed values), ``mc.seed`` and executor are used.
    settings : CalibrationSettings, optional
        Default: the experiment's ``calibration:`` node.
    folder : str or Path, optional
        The results folder; default ``<output.root>/<name>/<date>_<time>``.
    command : sequence of str, optional
        Recorded in the manifest.

    Returns
    -------
    CalibrationResult
        Its ``folder`` is the database's folder, its ``results_folder`` this run's.
    """
    settings = settings or calibration_settings(experiment)
    database = calibration_folder(experiment, settings)
    results, record = start_run(experiment, folder, command, {"calibration_folder": str(database)})
    with results.removed_if_unused():  # the episode and event files are read here
        result = calibrate(
            experiment.scenario,
            database,
            settings,
            **_run_settings(experiment),
        )
    for name in _COPIED:
        shutil.copy2(database / name, results.path / name)
    extra: dict[str, Any] = {
        "total_simulations": result.total_simulations,
        "generations": len(result.diagnostics),
        "seconds": round(result.seconds, 1),
    }
    if experiment.output.figures:
        from sim.plots.calibration import save_calibration_figures

        try:
            save_calibration_figures(
                result.posterior,
                result.diagnostics,
                results.path / store.FIGURES_DIR,
                experiment.scenario.priors,
            )
        except Exception as exc:  # a failed figure must not cost the run its results
            extra["figures_error"] = f"{type(exc).__name__}: {exc}"
            _log.warning("figures not saved (%s); the results are complete", exc)
    results.write_manifest({**store.finish_manifest(record), **extra})
    object.__setattr__(result, "results_folder", results.path)
    return result


def check_settings(experiment: Experiment) -> tuple[str, Any] | None:
    """The experiment's ``checks:`` node as (kind, CheckSettings), or None if it has none."""
    node = experiment.config.get("checks")
    if node is None:
        return None
    from sim.calibration.checks import CheckSettings

    data = OmegaConf.to_container(node, resolve=True) if isinstance(node, DictConfig) else node
    if not isinstance(data, dict):
        raise ConfigError("checks", f"a mapping with kind: loo or sbc; got {data!r}")
    kind = data.pop("kind", None)
    if kind not in ("loo", "sbc"):
        raise ConfigError("checks.kind", f"must be 'loo' or 'sbc', got {kind!r}")
    return kind, CheckSettings.from_config(data)


def run_check_experiment(
    experiment: Experiment,
    folder: str | Path | None = None,
    command: Sequence[str] | None = None,
) -> Any:
    """Run a calibration check (leave-one-episode-out or SBC) and write its results folder.

    The folds' or replicates' calibrations live under ``calibration.folder`` (default
    ``<output.root>/<name>/calibration``), so the same command resumes them. The results folder
    gets ``config.yaml``, ``overrides.yaml``, ``manifest.json`` and the check's tables
    (``loo_*.csv`` or ``sbc_*.csv``); SBC adds ``figures/sbc_ranks.png``.
    """
    from sim.calibration.check_runner import run_check

    settings = calibration_settings(experiment)
    kind, checks = check_settings(experiment)  # type: ignore[misc]
    database = calibration_folder(experiment, settings)
    results, record = start_run(
        experiment, folder, command, {"check": kind, "calibration_folder": str(database)}
    )
    with results.removed_if_unused():  # the episode and event files are read here
        result = run_check(
            kind,
            experiment.scenario,
            database,
            settings,
            checks,
            **_run_settings(experiment),
        )
    result.write(results.path)
    extra: dict[str, Any] = {}
    if kind == "sbc" and experiment.output.figures:
        from sim.plots.calibration import rank_histogram

        try:
            results.save_figure(rank_histogram(result.ranks), "sbc_ranks")
        except Exception as exc:  # a failed figure must not cost the run its results
            extra["figures_error"] = f"{type(exc).__name__}: {exc}"
            _log.warning("figures not saved (%s); the results are complete", exc)
    results.write_manifest({**store.finish_manifest(record), **extra})
    object.__setattr__(result, "folder", results.path)
    return result


def _run_settings(experiment: Experiment) -> dict[str, Any]:
    """Seed, executor and progress of a calibration or check, as the runners take them."""
    ex = experiment.executor
    return {
        "seed": experiment.mc.seed,
        "executor": ex.name,
        "workers": ex.workers,
        "scheduler": ex.scheduler,
        "progress": bool(experiment.output.progress is not False and not experiment.output.quiet),
    }
