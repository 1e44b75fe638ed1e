"""Calibration of a scenario's uncertain parameters on the episode record (``docs/calibration.md``).

:mod:`~sim.calibration.record` simulates the episode library's record with a parameter set;
:mod:`~sim.calibration.summary` reduces a record to statistics and measures their distance;
:mod:`~sim.calibration.smc` runs pyabc's ABC-SMC over the parameters' priors and writes the
posterior; :mod:`~sim.calibration.posterior` reads and draws from the posterior file.
"""

from sim.calibration.posterior import (
    POSTERIOR_FILE,
    posterior_draws,
    posterior_intervals,
)
from sim.calibration.record import (
    EpisodeStarts,
    library_record,
    simulate_record,
    with_values,
)
from sim.calibration.settings import DEFAULT_PARAMETERS, CalibrationSettings, default_parameters
from sim.calibration.smc import CalibrationResult, calibrate
from sim.calibration.summary import distance, statistic_names, summary_statistics

__all__ = [
    "DEFAULT_PARAMETERS",
    "default_parameters",
    "POSTERIOR_FILE",
    "CalibrationResult",
    "CalibrationSettings",
    "EpisodeStarts",
    "calibrate",
    "distance",
    "library_record",
    "posterior_draws",
    "posterior_intervals",
    "simulate_record",
    "statistic_names",
    "summary_statistics",
    "with_values",
]
