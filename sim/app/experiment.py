"""Compose a named experiment with Hydra and run it into a results folder.

Examples
--------
>>> import sim
>>> exp = sim.load_experiment("restraint", overrides=["mc.replications=200"])
>>> exp.scenario.name, exp.mc.replications, exp.executor.name  # what the engine takes
('pak_afg_2026', 200, 'serial')
>>> res = sim.run_experiment(exp)  # writes outputs/restraint/<date>_<time>/
>>> res.folder.parent.as_posix(), list(res.summary.columns[:2])
('outputs/restraint', ['rung', 'rung_name'])
>>> sim.load_results(res.folder).outcomes.shape[0]  # also config, manifest, summary, figures
200
"""

from __future__ import annotations

import logging

__all__ = ["backtest_settings", "load_experiment", "run_backtest_experiment", "run_experiment"]

from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from omegaconf import DictConfig, OmegaConf

from sim.app.config import config_error, place_overrides, plain_numbers, register_configs
from sim.core.errors import ConfigError
from sim.core.paths import CONFIG_DIR
from sim.runs.experiment import (
    VALIDATION_FILE,
    Experiment,
    ExperimentResult,
    compare_exact,
    experiment_from_config,
)
from sim.runs.labels import folder_label, run_label
from sim.runs.settings import (
    EXPERIMENT_GROUP,
    MonteCarloConfig,
)
from sim.storage import store

if TYPE_CHECKING:
    from sim.backtest import BacktestResult, BacktestSettings

_log = logging.getLogger(__name__)

FIGURE_REPLICATIONS = 1_000_000
"""Figures of a run with more replications are drawn from its first this many."""


def load_experiment(name: str | None = None, overrides: Sequence[str] = ()) -> Experiment:
    """Compose a named experiment with Hydra's compose API and check it, as the CLI would.

    Parameters
    ----------
    name : str, optional
        A file of ``experiments/`` without ``.yaml``; None takes the default (seed_baseline).
    overrides : sequence of str
        Hydra overrides, as on the command line: ``["mc.replications=2000",
        "retaliation=threshold", "retaliation.state=pakistan"]``.

    Returns
    -------
    Experiment

    Raises
    ------
    ConfigError
        One message naming the key path (and the fix, where there is one).

    Examples
    --------
    >>> import sim
    >>> exp = sim.load_experiment("seed_baseline", overrides=["mc.replications=500"])
    >>> exp.mc.replications, sorted(exp.scenario.states)
    (500, ['afghanistan', 'pakistan'])
    """
    from hydra import compose, initialize_config_dir

    register_configs()
    overrides = plain_numbers([str(o) for o in overrides])
    given = overrides if name is None else [f"{EXPERIMENT_GROUP}={name}", *overrides]
    given = place_overrides(given)  # scenario.mediators.0.x=... names the actor's id
    try:
        with initialize_config_dir(config_dir=str(CONFIG_DIR), version_base="1.3", job_name="sim"):
            cfg = compose(config_name="config", overrides=given)
    except Exception as exc:  # Hydra and OmegaConf errors become one ConfigError
        raise config_error(exc) from None
    return experiment_from_config(cfg, overrides=given)


def run_experiment(
    experiment: Experiment | DictConfig,
    folder: str | Path | None = None,
    command: Sequence[str] | None = None,
    progress: bool | None = None,
) -> ExperimentResult:
    """Run an experiment and write its results folder.

    Parameters
    ----------
    experiment : Experiment or DictConfig
        From :func:`load_experiment`, or a config (checked here): a composed one, or the
        ``config.yaml`` of a results folder (``sim.load_results(path).config``) to run it again.
    folder : str or Path, optional
        The results folder (the CLI passes Hydra's run directory). By default a new folder
        ``<output.root>/<name>/<YYYY-MM-DD_HH-MM-SS>_<scenario>[__<overrides>]``
        (:mod:`sim.runs.labels`); a folder that already holds a run is never overwritten: a
        suffix ``-1``, ``-2``, ... is added.
    command : sequence of str, optional
        The command to record in the manifest (default ``sys.argv``).
    progress : bool, optional
        Progress bar; None follows ``output`` (see :meth:`Experiment.simulate`).

    Returns
    -------
    ExperimentResult
    """
    if isinstance(experiment, DictConfig):
        experiment = experiment_from_config(experiment)
    mc = experiment.mc
    results, record = start_run(
        experiment,
        folder,
        command,
        {
            "replications": mc.replications,
            "horizon": mc.horizon,
            "chunk_size": mc.chunk_size,
            "engine": mc.engine,
            "executor": experiment.executor.name,
            "code": store.code_fingerprint(experiment.scenario.to_dict()),
        },
    )
    # Chunks stream to outcomes/ and are compacted into outcomes.parquet, both atomically.
    result = experiment.simulate(progress=progress, out_dir=results.path)
    horizons = _summary_horizons(mc)
    # With a posterior the summary adds the posterior-predictive interval (pp_low, pp_high).
    summary = result.summary(horizons=horizons, rungs=tuple(mc.rungs))
    results.write_summary(summary)
    validation = None
    if experiment.validation.exact:
        validation = compare_exact(
            result, horizons, tuple(mc.rungs), experiment.validation.tolerance_se
        )
        store.write_csv(validation, results.path / VALIDATION_FILE)
    extra: dict[str, Any] = {"run": result.info}
    if experiment.output.figures:
        from sim.plots.figures import save_figures  # matplotlib only when figures are asked for

        # Figures of a very large run are drawn from its first replications (an i.i.d. sample):
        # their memory stays bounded; their titles give the replications drawn.
        sample = result
        if result.replications > FIGURE_REPLICATIONS:
            sample = result.head(FIGURE_REPLICATIONS)
            extra["figures_replications"] = FIGURE_REPLICATIONS
        try:
            label = run_label(
                experiment.scenario.name,
                experiment.scenario.as_of,
                experiment.name,
                experiment.overrides,
            )
            save_figures(
                sample,
                results.path / store.FIGURES_DIR,
                label=label,
                casualty_max=experiment.output.casualty_max,
            )
        except Exception as exc:  # a failed figure must not cost the run its results
            extra["figures_error"] = f"{type(exc).__name__}: {exc}"
            _log.warning("figures not saved (%s); the results are complete", exc)
    results.write_manifest({**store.finish_manifest(record), **extra})
    return ExperimentResult(
        folder=results.path,
        experiment=experiment,
        result=result,
        summary=summary,
        validation=validation,
    )


def start_run(
    experiment: Experiment,
    folder: str | Path | None,
    command: Sequence[str] | None,
    extra: dict[str, Any],
) -> tuple[store.ResultsFolder, dict[str, Any]]:
    """Claim a run's folder and write what every run writes first: config, overrides, manifest.

    Parameters
    ----------
    experiment : Experiment
    folder : str or Path, optional
        As in :func:`run_experiment`.
    command : sequence of str, optional
        Recorded in the manifest.
    extra : dict
        More manifest fields (the experiment's name and posterior file are added).

    Returns
    -------
    (ResultsFolder, dict)
        The folder and its opening manifest (finish it with `store.finish_manifest`).
    """
    results = _results_folder(experiment, folder)
    results.write_config(experiment.config)
    results.write_overrides(list(experiment.overrides))
    posterior = {"posterior": experiment.posterior.source} if experiment.posterior else {}
    record = store.manifest(
        experiment.mc.seed,
        command=command,
        extra={"experiment": experiment.name, **posterior, **extra},
    )
    results.write_manifest(record)
    return results, record


def _results_folder(experiment: Experiment, folder: str | Path | None) -> store.ResultsFolder:
    if folder is None:
        stamp = datetime.now().strftime("%Y-%m-%d_%H-%M-%S")
        label = folder_label(experiment.scenario.name, experiment.overrides)
        name = f"{stamp}_{label}"
        return store.ResultsFolder.claim(Path(experiment.output.root) / experiment.name / name)
    # Claimed atomically: a folder another run holds is never written into (a sibling is used).
    return store.ResultsFolder.claim(folder)


def _summary_horizons(mc: MonteCarloConfig) -> tuple[int, ...]:
    """Return the summary days: those of ``mc.horizons`` the run covers, else the horizon."""
    return tuple(t for t in mc.horizons if t <= mc.horizon) or (mc.horizon,)


# --- the back-test --------------------------------------------------------------------------


def backtest_settings(experiment: Experiment) -> BacktestSettings | None:
    """The experiment's checked ``backtest:`` node, or None if it has none.

    Raises
    ------
    ConfigError
        An unknown key or a bad value, with its key path.
    """
    node = experiment.config.get("backtest")
    if node is None:
        return None
    from sim.backtest import BacktestSettings

    data = OmegaConf.to_container(node, resolve=True) if isinstance(node, DictConfig) else node
    if not isinstance(data, dict):
        raise ConfigError("backtest", f"a mapping of the back-test's settings; got {data!r}")
    return BacktestSettings.from_config(data)


def run_backtest_experiment(
    experiment: Experiment,
    settings: BacktestSettings | None = None,
    folder: str | Path | None = None,
    command: Sequence[str] | None = None,
) -> BacktestResult:
    """Run the back-test of an experiment and write its results folder.

    The folder gets ``config.yaml``, ``overrides.yaml``, ``manifest.json``, ``forecasts.csv``,
    ``scores.csv`` and, unless ``output.figures`` is off, ``figures/`` with the reliability
    diagram and the per-episode forecasts of each coding set (:mod:`sim.plots.backtest`).

    Parameters
    ----------
    experiment : Experiment
        Its scenario, ``mc.replications`` (per episode coding) and ``mc.seed`` are used.
    settings : BacktestSettings, optional
        Default: the experiment's ``backtest:`` node, else the defaults.
    folder : str or Path, optional
        As in :func:`run_experiment`.
    command : sequence of str, optional
        Recorded in the manifest.

    Returns
    -------
    BacktestResult
        With the folder in ``result.folder``.

    Examples
    --------
    >>> import sim
    >>> from sim.app.experiment import run_backtest_experiment
    >>> exp = sim.load_experiment("backtest", ["mc.replications=5", "output.figures=false"])
    >>> result = run_backtest_experiment(exp)  # writes outputs/backtest/<date>_<time>/
    >>> sorted(p.name for p in result.folder.glob("*.csv"))
    ['forecasts.csv', 'scores.csv']
    """
    from sim.backtest import run_backtest

    settings = settings or backtest_settings(experiment)
    mc = experiment.mc
    results, record = start_run(
        experiment, folder, command, {"replications_per_episode": mc.replications}
    )
    progress = experiment.output.progress and not experiment.output.quiet
    with results.removed_if_unused():  # the episode files are read here
        result = run_backtest(
            experiment.scenario,
            mc.replications,
            mc.seed,
            settings,
            progress,
            posterior=experiment.posterior,
            posterior_cell=mc.posterior_cell,
        )
    result.write(results.path)
    extra: dict[str, Any] = {"episodes": int(result.episodes["episode_id"].nunique())}
    if experiment.output.figures:
        from sim.plots.backtest import save_backtest_figures

        try:
            save_backtest_figures(result.table, results.path / store.FIGURES_DIR)
        except Exception as exc:  # a failed figure must not cost the run its results
            extra["figures_error"] = f"{type(exc).__name__}: {exc}"
            _log.warning("figures not saved (%s); the results are complete", exc)
    results.write_manifest({**store.finish_manifest(record), **extra})
    object.__setattr__(result, "folder", results.path)
    return result
