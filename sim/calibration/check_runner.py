"""Run a calibration check by its method: the reference table or one ABC-SMC run each.

:func:`run_check` is what ``python -m sim experiment=calibrate_loo`` and ``calibrate_sbc`` call
(``docs/calibration.md``, "Checking the calibration").
"""

from __future__ import annotations

from pathlib import Path

from sim.calibration.bank import bank_leave_one_out, bank_sbc, simulate_bank
from sim.calibration.checks import CheckSettings, LooResult, SbcResult
from sim.calibration.record import EpisodeStarts, library_record
from sim.calibration.settings import CalibrationSettings
from sim.calibration.smc_checks import leave_one_out, simulation_based_calibration
from sim.core.errors import ConfigError
from sim.scenario.schema import Scenario

__all__ = ["run_check"]


def run_check(
    kind: str,
    scenario: Scenario,
    folder: str | Path,
    settings: CalibrationSettings,
    checks: CheckSettings,
    seed: int = 0,
    executor: str = "serial",
    workers: int | None = None,
    scheduler: str | None = None,
    progress: bool = False,
) -> LooResult | SbcResult:
    """Run leave-one-out (``kind="loo"``) or SBC (``"sbc"``) by the method of `checks`."""
    if checks.method == "smc":
        run = leave_one_out if kind == "loo" else simulation_based_calibration
        return run(scenario, folder, settings, checks, seed, executor, workers, scheduler, progress)
    library = settings.read_episodes(scenario)
    events = settings.read_events(scenario)
    record = library_record(library, settings.coding)
    starts = EpisodeStarts(record, events)
    bank = simulate_bank(
        scenario,
        settings.parameters,
        starts,
        checks.table,
        folder,
        seed=seed,
        executor="serial" if executor == "dask" else executor,
        workers=workers,
        progress=progress,
        engine=settings.engine,
    )
    if kind == "sbc":
        return bank_sbc(scenario, bank, record, min(checks.replicates, len(bank)), checks.accept)
    if checks.episodes is not None:
        raise ConfigError("checks.episodes", "takes effect with method: smc only")
    known = library[library["outcome_known"]]
    return bank_leave_one_out(
        scenario,
        bank,
        record,
        known,
        events,
        checks.accept,
        checks.copies,
        seed,
        checks.resamples,
        engine=settings.engine,
    )
