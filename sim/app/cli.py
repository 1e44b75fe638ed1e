"""The command line: ``python -m sim [experiment=NAME] [key=value ...]``.

``python -m sim --list`` (or ``list``) lists experiments, scenarios, rules and the other config
groups with one line each; ``--check`` prints the scenario as it would run, every parameter with
its origin and basis (:mod:`sim.app.check`). Both are answered here, before Hydra reads the
arguments. Everything else
goes to Hydra (``--cfg job`` prints the composed config, ``--help`` the usage, ``-m`` sweeps).

A user's mistake (a misspelt key or option, a wrong type, a value out of range, an unimportable
``_target_``, a bad scenario or timeline file) ends the run with one line ``error: <key path>:
<message>`` on stderr and exit code 2, without a traceback (set ``SIM_DEBUG=1`` or
``HYDRA_FULL_ERROR=1`` to see one); a fault of the machine (a full disk, a folder another run
holds) exits with 1 (:mod:`sim.app.errors`). A validation run whose Monte Carlo disagrees with the
exact values exits with 1. SIGTERM and Ctrl-C stop a run cleanly: files are written atomically,
so the results folder keeps only complete files.
"""

from __future__ import annotations

import inspect
import os
import signal
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import hydra
import pandas as pd
from hydra.core.hydra_config import HydraConfig
from omegaconf import DictConfig

from sim.app.check import report as check_report
from sim.app.check import split_check_flag
from sim.app.config import (
    config_error,
    is_config_failure,
    place_overrides,
    plain_numbers,
    register_configs,
)
from sim.app.errors import EXIT_USER, Terminated, debugging, fail, reported_errors
from sim.app.experiment import backtest_settings, run_backtest_experiment, run_experiment
from sim.core import paths
from sim.core.errors import ConfigError
from sim.core.intervals import format_interval
from sim.runs import labels
from sim.runs.experiment import Experiment, ExperimentResult, experiment_from_config
from sim.runs.settings import CUSTOM_RULE, RULE_GROUPS

LIST_FLAGS = ("--list", "list")
EXIT_CONFIG = EXIT_USER
EXIT_VALIDATION = 1
_FULL_ERROR = False


class ValidationFailed(Exception):
    """A validation run found the Monte Carlo and the exact values apart."""


@hydra.main(version_base="1.3", config_path=str(paths.CONFIG_DIR), config_name="config")
def run(cfg: DictConfig) -> None:
    """Run the composed experiment (or sweep) in Hydra's run directory; print its summary."""
    with _reported_errors():
        hc = HydraConfig.get()
        folder = Path(hc.runtime.output_dir)
        overrides = list(hc.overrides.task)
        command = [sys.executable, "-m", "sim", *sys.argv[1:]]
        try:
            _check_posterior_support(cfg)
            if cfg.get("sweep") is not None:
                _run_sweep(cfg, folder, overrides, command)
                return
            if cfg.get("robustness") is not None:
                _run_robustness(cfg, folder, overrides, command)
                return
            experiment = experiment_from_config(cfg, overrides=overrides)
            if cfg.get("calibration") is not None:
                _run_calibration(experiment, folder, command)
                return
            settings = backtest_settings(experiment)  # None unless a `backtest:` node is given
        except BaseException:
            # Hydra made the folder before the checks ran: leave no empty folder behind.
            if folder.is_dir() and not any(folder.iterdir()):
                folder.rmdir()
            raise
        if settings is not None:
            backtest = run_backtest_experiment(experiment, settings, folder, command=command)
            if not experiment.output.quiet:
                print(f"{experiment.name}: {experiment.question}")
                print(backtest.format())
            print(f"results: {folder}")
            return
        result = run_experiment(experiment, folder=folder, command=command)
        if not experiment.output.quiet:
            print_result(result)
        print(f"results: {result.folder}")
        _check_validation(result)


def _check_posterior_support(cfg: DictConfig) -> None:
    """Refuse a posterior where it makes no sense, rather than ignore it silently.

    Single experiments, sweeps, the robustness analysis and the back-test take one; a
    calibration (and its checks) starts from the scenario's priors and writes a posterior.
    """
    if cfg.get("posterior") is not None and cfg.get("calibration") is not None:
        raise ConfigError(
            "posterior",
            "a calibration starts from the scenario's priors and writes a posterior; it does "
            "not take one: remove posterior= (to calibrate other numbers, give them priors)",
        )


def _run_sweep(cfg: DictConfig, folder: Path, overrides: list[str], command: list[str]) -> None:
    from sim.sweeps.from_config import run_sweep_from_config

    result = run_sweep_from_config(cfg, results=folder, overrides=overrides, command=command)
    if cfg.output.figures and result.ok:
        from sim.plots.sweep_figures import save_sweep_figures  # matplotlib only when asked

        save_sweep_figures(result)
    if not cfg.output.quiet:
        print(result.summary())
    print(f"results: {folder}")
    if result.exit_code:
        fail(
            f"{len(result.failures)} sweep point(s) failed (listed above); run the same "
            "command again to retry them",
            result.exit_code,
        )


def _run_calibration(experiment: Experiment, folder: Path, command: list[str]) -> None:
    from sim.app.calibration import run_calibration_experiment, run_check_experiment

    if experiment.config.get("checks") is not None:
        result = run_check_experiment(experiment, folder=folder, command=command)
    else:
        result = run_calibration_experiment(experiment, folder=folder, command=command)
    if not experiment.output.quiet:
        print(f"{experiment.name}: {experiment.question}")
        print(result.summary())
    print(f"results: {folder}")


def _run_robustness(
    cfg: DictConfig, folder: Path, overrides: list[str], command: list[str]
) -> None:
    from sim.plots import robustness_chart
    from sim.storage.store import ResultsFolder
    from sim.sweeps.robustness import run_robustness_from_config

    result = run_robustness_from_config(cfg, results=folder, overrides=overrides, command=command)
    if cfg.output.figures:
        ResultsFolder(folder).save_figure(robustness_chart(result.table), "robustness")
    if not cfg.output.quiet:
        print(result.summary())
    print(f"results: {folder}")


def _check_validation(result: ExperimentResult) -> None:
    if result.passed:
        return
    bad = result.validation[~result.validation["agrees"]]
    worst = bad.loc[bad["z"].abs().idxmax()]
    raise ValidationFailed(
        f"{len(bad)} of {len(result.validation)} probabilities disagree with the exact values "
        f"beyond {result.experiment.validation.tolerance_se} s.e. (worst: rung {worst.rung} "
        f"within {worst.within_days} days, {worst.z:+.1f} s.e.); see {result.folder}/validation.csv"
    )


def main(argv: Sequence[str] | None = None) -> None:
    """Entry point of ``python -m sim``: list, or hand the arguments to Hydra.

    Parameters
    ----------
    argv : sequence of str, optional
        The arguments (default ``sys.argv[1:]``).
    """
    args = list(sys.argv[1:] if argv is None else argv)
    if any(a in LIST_FLAGS for a in args):
        print(listing())
        return
    check, args = split_check_flag(plain_numbers(args))
    with _reported_errors():
        args = place_overrides(args)  # scenario.mediators.0.x=... names the actor's id
    if check:  # the scenario as it will run, with the basis of every parameter; nothing runs
        with _reported_errors():
            print(check_report(args))
        return
    sys.argv = [sys.argv[0], *args]
    register_configs()
    global _FULL_ERROR
    _FULL_ERROR = os.environ.get("HYDRA_FULL_ERROR") == "1"
    os.environ["HYDRA_FULL_ERROR"] = "1"  # Hydra re-raises instead of printing; we report
    previous = signal.signal(signal.SIGTERM, _terminate)
    try:
        with _reported_errors():
            run()
    finally:
        signal.signal(signal.SIGTERM, previous)
        if not _FULL_ERROR:
            os.environ.pop("HYDRA_FULL_ERROR", None)


@contextmanager
def _reported_errors() -> Iterator[None]:
    """Turn a failure into ``error: <message>`` and an exit code, without a traceback.

    Inside the job as well as around Hydra: an exception leaving the job would make Hydra print
    its overrides first. Bugs keep their traceback (:mod:`sim.app.errors`).
    """
    with reported_errors(debug=_FULL_ERROR or debugging(), also=_described):
        yield


def _described(exc: BaseException) -> tuple[str, int] | None:
    if isinstance(exc, ValidationFailed):
        return str(exc), EXIT_VALIDATION
    if is_config_failure(exc):
        return str(config_error(exc)), EXIT_CONFIG
    return None


def _terminate(signum: int, frame: object) -> None:
    raise Terminated(signum)


# --- printing -------------------------------------------------------------------------------


def print_result(result: ExperimentResult) -> None:
    """Print the summary table (and the validation table) of a finished run."""
    exp = result.experiment
    print(f"{exp.name}: {exp.question}" if exp.question else exp.name)
    print(run_label(exp))
    print(
        format_summary(
            result.summary,
            result.result.replications,
            exp.mc.seed,
            exp.scenario.start_rung,
            posterior=Path(exp.posterior.source).name if exp.posterior else None,
        )
    )
    stop = result.result.info.get("stop")
    if stop:
        print(
            f"adaptive stopping: {stop['reached']} reached after {stop['replications']:,} of "
            f"{exp.mc.replications:,} replications (P(rung >= {stop['rung']}) to "
            f"+-{stop['achieved_half_width']:.4f}, target +-{stop['half_width']})"
        )
    if result.validation is not None:
        print()
        print(format_validation(result.validation, exp.validation.tolerance_se))


def run_label(experiment: Experiment) -> str:
    """What was run, so a variant is not read as the experiment it came from.

    Examples
    --------
    >>> import sim
    >>> run_label(sim.load_experiment("restraint", overrides=["mc.replications=500"]))
    'scenario pak_afg_2026 (as of 2026-02-22), experiment restraint; overrides: mc.replications=500'
    """
    scenario = experiment.scenario
    return labels.run_label(scenario.name, scenario.as_of, experiment.name, experiment.overrides)


def format_summary(
    summary: pd.DataFrame,
    replications: int,
    seed: int,
    start_rung: int = 0,
    posterior: str | None = None,
) -> str:
    """P(max rung >= k within t days) as a rung-by-horizon text table with its intervals.

    A plain run shows each probability with its 95 % Monte Carlo interval. A run over a posterior
    (a summary with ``pp_low``/``pp_high``) shows two labelled lines per rung: the
    posterior-predictive estimate with its interval over the draws (the main figure), and below
    it the Monte Carlo-only interval of the same estimate (``docs/posterior.md``). Rungs at or
    below `start_rung` (reached on day 0, probability 1) are left out of the printed table, with
    a note; ``summary.csv`` keeps them.
    """
    horizons = list(dict.fromkeys(summary["within_days"]))
    predictive = "pp_low" in summary.columns
    if predictive:
        level = round(100 * float(summary["pp_level"].iloc[0]))
        draws = int(summary["draws"].max())
        head = [
            "P(max rung >= k within t days): posterior-predictive estimate [central "
            f"{level}% of the per-draw probabilities: parameter and Monte Carlo uncertainty], "
            "and below it [95% interval, Monte Carlo error only]",
            f"{replications:,} replications over {draws:,} posterior draws "
            f"({posterior or 'posterior'}), seed {seed}",
            "",
        ]
        rows = [["rung k", "interval", *(f"t = {t:g} days" for t in horizons)]]
    else:
        head = [
            f"P(max rung >= k within t days) [95% interval, Monte Carlo error only]; "
            f"{replications:,} replications, seed {seed}",
            "",
        ]
        rows = [["rung k", *(f"t = {t:g} days" for t in horizons)]]
    for (rung, name), group in summary.groupby(["rung", "rung_name"], sort=False):
        if rung <= start_rung:
            continue
        cells = {
            row.within_days: format_interval(row.probability, row.ci_low, row.ci_high)
            for row in group.itertuples()
        }
        if not predictive:
            rows.append([f"{rung} {name}", *(cells.get(t, "") for t in horizons)])
            continue
        pp = {
            row.within_days: format_interval(row.probability, row.pp_low, row.pp_high)
            for row in group.itertuples()
        }
        rows.append([f"{rung} {name}", "posterior-predictive", *(pp.get(t, "") for t in horizons)])
        rows.append(["", "Monte Carlo only", *(cells.get(t, "") for t in horizons)])
    below = sorted(int(k) for k in summary["rung"].unique() if k <= start_rung)
    note = (
        [
            f"(rungs {', '.join(map(str, below))}: reached on day 0, the scenario starts at rung "
            f"{start_rung})"
        ]
        if below
        else []
    )
    return "\n".join(head + _columns(rows) + note)


def format_validation(table: pd.DataFrame, tolerance_se: float) -> str:
    """Monte Carlo beside the exact values, with the difference in standard errors."""
    header = ["rung k", "t days", "monte carlo", "exact", "difference", "s.e.", "z", "check"]
    rows = [header]
    for row in table.itertuples():
        rows.append(
            [
                str(row.rung),
                f"{row.within_days:g}",
                f"{row.monte_carlo:.4f}",
                f"{row.exact:.4f}",
                f"{row.difference:+.4f}",
                f"{row.se:.4f}",
                f"{row.z:+.2f}",
                "ok" if row.agrees else f"DISAGREES (> {tolerance_se:g})",
            ]
        )
    verdict = "all agree" if table["agrees"].all() else f"{int((~table['agrees']).sum())} disagree"
    return "\n".join(
        [
            f"Monte Carlo vs exact Markov chain: {verdict} within {tolerance_se:g} s.e.",
            "",
            *_columns(rows),
        ]
    )


def _columns(rows: list[list[str]]) -> list[str]:
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = [
        "  ".join(cell.ljust(w) for cell, w in zip(r, widths, strict=True)).rstrip() for r in rows
    ]
    return [lines[0], "  ".join("-" * w for w in widths), *lines[1:]]


# --- listing ----------------------------------------------------------------------------------


def listing() -> str:
    """Every option of every config group, with one line of description each."""
    configs = paths.CONFIG_DIR
    sections = [
        (
            "Experiments",
            "experiment=NAME",
            paths.EXPERIMENTS_DIR,
            _experiments(paths.EXPERIMENTS_DIR),
            "default: seed_baseline",
        ),
        (
            "Scenarios",
            "scenario=NAME, or scenario=PATH.yaml for a file of your own",
            configs / "scenario",
            _scenarios(configs / "scenario"),
            "default: pak_afg_2026",
        ),
        (
            "Retaliation rules",
            "retaliation=NAME retaliation.state=STATE|all",
            configs / "retaliation",
            _rules("retaliation"),
            "default: none chosen, each state keeps the scenario's rule",
        ),
        (
            "Ceasefire rules",
            "ceasefire=NAME",
            configs / "ceasefire",
            _rules("ceasefire"),
            "default: none chosen, the scenario's rule",
        ),
    ]
    for group, title in (
        ("mc", "Monte Carlo settings"),
        ("executor", "Executors"),
        ("output", "Output"),
    ):
        folder = configs / group
        options = {p.stem: _first_comment(p) for p in sorted(folder.glob("*.yaml"))}
        sections.append((title, f"{group}=NAME", folder, options, ""))
    lines = []
    for title, usage, folder, options, default in sections:
        note = f"; {default}" if default else ""
        lines.append(f"{title} ({usage}{note}) in {folder}:")
        width = max((len(k) for k in options), default=0)
        lines += [f"  {name:<{width}}  {text}".rstrip() for name, text in options.items()]
        lines.append("")
    lines.append(
        "Run: python -m sim experiment=NAME key=value ...; show the composed config "
        "without running: add --cfg job."
    )
    return "\n".join(lines)


def _first_comment(path: Path) -> str:
    for line in path.read_text(encoding="utf-8").splitlines():
        text = line.lstrip("#").strip()
        if line.startswith("#") and text and not text.startswith("@package"):
            return text
    return ""


def _experiments(folder: Path) -> dict[str, str]:
    out = {}
    for path in sorted(folder.glob("*.yaml")):
        text = _first_comment(path)
        question = text.removeprefix("Question:").split(" Run:")[0].strip()
        out[path.stem] = question[:1].upper() + question[1:]
    return out


def _scenarios(folder: Path) -> dict[str, str]:
    import yaml

    out = {}
    for path in sorted(folder.glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        out[path.stem] = str(data.get("description") or _first_comment(path))
    return out


def _rules(kind: str) -> dict[str, str]:
    out = {}
    for name, cls in sorted(RULE_GROUPS[kind].items()):
        doc = inspect.getdoc(cls) or ""
        out[name] = doc.splitlines()[0] if doc else cls.__name__
    out[CUSTOM_RULE] = f"your own class: {kind}._target_=mypkg.rules.MyRule"
    return out
