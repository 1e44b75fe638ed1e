"""Global sensitivity of a sweep's output: Sobol indices and Morris screening, through SALib.

Run a sweep with design ``saltelli`` (for :func:`sobol`) or ``morris`` (for :func:`morris`), then
pass its spec and table and the name of an output column (``p_rung5_365d``,
``mean_battle_deaths``, ...). Parameters enter SALib on the unit interval (the sweep maps
them to their ranges or lists), so Morris effects are per full range of each lever and levers
in different units compare directly. :func:`rank_levers` orders the levers by total Sobol index
or by Morris ``mu_star``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np
import pandas as pd

from sim.core.errors import did_you_mean

UNSTABLE_WIDTH = 0.2
"""Widest interval of a Sobol index (high - low) still called stable: wider, and a ranking of
levers whose indices differ by less than that is noise."""

__all__ = [
    "UNSTABLE_WIDTH",
    "Design",
    "MorrisResult",
    "SobolResult",
    "morris",
    "rank_levers",
    "sobol",
]


class Design(Protocol):
    """What the analyses read of a sweep (:class:`sim.sweeps.Sweep` is one).

    Typed as a protocol so that analysis sits below sweeps: the sweep imports the analysis,
    never the other way round.
    """

    design: str
    samples: int | None
    levels: int
    second_order: bool

    @property
    def names(self) -> list[str]:
        """The swept parameters, in the order of the design's columns."""

    def points(self) -> list[Any]:
        """The points of the design, in order."""

    def problem(self) -> dict[str, Any]:
        """SALib's problem: names, bounds on the unit interval."""

    def unit_design(self) -> np.ndarray | None:
        """The design on the unit interval, shape (points, parameters)."""


@dataclass(frozen=True)
class SobolResult:
    """Sobol indices of one output, with bootstrap confidence intervals.

    Parameters
    ----------
    indices : DataFrame
        One row per parameter (index: its name) with ``S1``, ``S1_low``, ``S1_high``, ``ST``,
        ``ST_low``, ``ST_high``: first-order and total indices and their intervals
        (index +/- SALib's ``*_conf`` half-width).
    output : str
        The output column analysed.
    samples : int
        Base samples N of the Saltelli design.
    confidence : float
        Confidence level of the intervals.
    second_order : DataFrame or None
        ``S2`` between pairs of parameters, when the design has them.
    """

    indices: pd.DataFrame
    output: str
    samples: int | None
    confidence: float
    second_order: pd.DataFrame | None = field(default=None, repr=False)

    def ranking(self) -> pd.DataFrame:
        """Levers by total index ST, most influential first, with a ``rank`` column."""
        return rank_levers(self)

    @property
    def method(self) -> str:
        """What ranks the levers: the total Sobol index."""
        return "Sobol total index ST"

    @property
    def warning(self) -> str | None:
        """Why the indices are not yet stable, or None.

        Unstable means: an index lies outside [0, 1] by more than its own interval (impossible for
        a variance share: the sample is too small), or an interval is wider than
        `UNSTABLE_WIDTH`, so the ranking may change with more samples.
        """
        reasons = []
        for key in ("S1", "ST"):
            low, high = self.indices[f"{key}_low"], self.indices[f"{key}_high"]
            outside = self.indices.index[(high < 0) | (low > 1)].tolist()
            if outside:
                reasons.append(f"{key} outside [0, 1] for {', '.join(outside)}")
            widest = float((high - low).max())
            if widest > UNSTABLE_WIDTH:
                reasons.append(f"{key} intervals up to {widest:.2f} wide")
        if not reasons:
            return None
        return (
            f"Sobol indices of {self.output} are not stable with N={self.samples} "
            f"({'; '.join(reasons)}): raise the samples (e.g. sweep.samples="
            f"{4 * (self.samples or 1)}) before ranking the levers"
        )

    def __str__(self) -> str:
        text = (
            f"Sobol indices of {self.output} (N={self.samples}, "
            f"{self.confidence:.0%} intervals)\n" + self.indices.round(3).to_string()
        )
        return text if self.warning is None else f"{text}\nwarning: {self.warning}"


@dataclass(frozen=True)
class MorrisResult:
    """Morris elementary effects of one output.

    Parameters
    ----------
    indices : DataFrame
        One row per parameter with ``mu`` (mean effect), ``mu_star`` (mean absolute effect:
        the screening measure), ``mu_star_conf`` (half-width of its bootstrap interval) and
        ``sigma`` (spread of effects: interaction or non-linearity), each per full range of the
        lever.
    output : str
        The output column analysed.
    trajectories : int
        Trajectories of the design.
    """

    indices: pd.DataFrame
    output: str
    trajectories: int

    def ranking(self) -> pd.DataFrame:
        """Levers by ``mu_star``, most influential first, with a ``rank`` column."""
        return rank_levers(self)

    @property
    def method(self) -> str:
        """What ranks the levers: Morris' mean absolute elementary effect."""
        return "Morris mu_star"

    def __str__(self) -> str:
        return (
            f"Morris screening of {self.output} ({self.trajectories} trajectories)\n"
            + self.indices.round(4).to_string()
        )


def _output(sweep: Design, table: pd.DataFrame, output: str, design: str) -> np.ndarray:
    """The output in design order, checked complete and not constant."""
    if sweep.design != design:
        raise ValueError(
            f"this analysis needs a sweep with design '{design}', got '{sweep.design}'"
        )
    if output not in table.columns:
        outputs = [c for c in table.columns if c.startswith(("p_", "mean_", "diff_"))]
        raise KeyError(
            f"no output column '{output}' in the sweep table; "
            + did_you_mean(output, outputs or list(table.columns))
        )
    n = len(sweep.points())
    ordered = table.sort_values("point")
    if len(ordered) != n or not np.array_equal(ordered["point"].to_numpy(), np.arange(n)):
        raise ValueError(
            f"the table must hold every point 0..{n - 1} of the design, in any "
            f"order; it has {len(ordered)} rows"
        )
    if "status" in ordered.columns:
        bad = ordered.loc[ordered["status"] != "done", "point"].tolist()
        if bad:
            raise ValueError(
                f"points {bad[:20]} did not finish; run the sweep again (it "
                "retries them) before the analysis: it needs every point"
            )
    y = ordered[output].to_numpy(dtype=float)
    if not np.all(np.isfinite(y)):
        raise ValueError(
            f"output '{output}' has missing values at points "
            f"{ordered.loc[~np.isfinite(y), 'point'].tolist()[:20]}"
        )
    if np.ptp(y) == 0:
        raise ValueError(
            f"output '{output}' is {y[0]} at every point: there is no variance "
            "to apportion (choose another output, rung or horizon)"
        )
    return y


def sobol(
    sweep: Design,
    table: pd.DataFrame,
    output: str,
    confidence: float = 0.95,
    num_resamples: int = 1000,
    seed: int = 0,
) -> SobolResult:
    """First-order and total Sobol indices of `output`, with bootstrap intervals.

    Parameters
    ----------
    sweep : Design
        A sweep with design ``saltelli`` (``samples`` = N, a power of 2).
    table : DataFrame
        Its table (every point finished), e.g. ``run_sweep(...).table``.
    output : str
        Column to analyse, e.g. ``p_rung5_365d``.
    confidence : float
        Confidence level of the intervals.
    num_resamples : int
        Bootstrap resamples for the intervals.
    seed : int
        Seed of the bootstrap.

    Returns
    -------
    SobolResult

    Notes
    -----
    ``SALib.analyze.sobol.analyze`` with the Saltelli (2010) and Jansen estimators [1]_. The
    Monte Carlo noise of each point adds to the output's variance and so biases first-order
    indices down and total indices up a little: use enough replications that the interval of
    each point is narrow beside the spread between points.

    References
    ----------
    .. [1] Saltelli, A. et al. (2010). "Variance based sensitivity analysis of model output.
       Design and estimator for the total sensitivity index." Computer Physics Communications
       181(2), 259-270.
    """
    from SALib.analyze import sobol as salib_sobol

    y = _output(sweep, table, output, "saltelli")
    si = salib_sobol.analyze(
        sweep.problem(),
        y,
        calc_second_order=sweep.second_order,
        num_resamples=num_resamples,
        conf_level=confidence,
        seed=seed,
    )
    names = sweep.names
    indices = pd.DataFrame(index=pd.Index(names, name="parameter"))
    for key in ("S1", "ST"):
        indices[key] = si[key]
        indices[f"{key}_low"] = si[key] - si[f"{key}_conf"]
        indices[f"{key}_high"] = si[key] + si[f"{key}_conf"]
    second = pd.DataFrame(si["S2"], index=names, columns=names) if sweep.second_order else None
    return SobolResult(
        indices=indices,
        output=output,
        samples=int(sweep.samples),
        confidence=confidence,
        second_order=second,
    )


def morris(
    sweep: Design,
    table: pd.DataFrame,
    output: str,
    confidence: float = 0.95,
    num_resamples: int = 1000,
    seed: int = 0,
) -> MorrisResult:
    """Morris screening of `output`: mean absolute elementary effect and its spread.

    Parameters
    ----------
    sweep : Design
        A sweep with design ``morris``.
    table : DataFrame
        Its table (every point finished).
    output : str
        Column to analyse.
    confidence : float
        Confidence level of ``mu_star_conf``.
    num_resamples : int
        Bootstrap resamples for ``mu_star_conf``.
    seed : int
        Seed of the bootstrap.

    Returns
    -------
    MorrisResult

    Notes
    -----
    ``SALib.analyze.morris.analyze`` on the design in the unit cube [1]_.

    References
    ----------
    .. [1] Campolongo, F., Cariboni, J. and Saltelli, A. (2007). "An effective screening
       design for sensitivity analysis of large models." Environmental Modelling & Software
       22(10), 1509-1518.
    """
    from SALib.analyze import morris as salib_morris

    y = _output(sweep, table, output, "morris")
    si = salib_morris.analyze(
        sweep.problem(),
        sweep.unit_design(),
        y,
        num_resamples=num_resamples,
        conf_level=confidence,
        num_levels=sweep.levels,
        seed=seed,
    )
    indices = pd.DataFrame(
        {
            key: np.asarray(si[key], dtype=float)
            for key in ("mu", "mu_star", "mu_star_conf", "sigma")
        },
        index=pd.Index(sweep.names, name="parameter"),
    )
    return MorrisResult(indices=indices, output=output, trajectories=int(sweep.samples))


def rank_levers(result: SobolResult | MorrisResult, by: str | None = None) -> pd.DataFrame:
    """Order the levers by influence on the output.

    Parameters
    ----------
    result : SobolResult or MorrisResult
        From :func:`sobol` or :func:`morris`.
    by : str, optional
        Column to sort by; ``ST`` (Sobol) or ``mu_star`` (Morris) by default.

    Returns
    -------
    DataFrame
        The indices, most influential first, with ``rank`` (1 = most) and ``parameter``
        columns.
    """
    by = by or ("ST" if isinstance(result, SobolResult) else "mu_star")
    out = result.indices.sort_values(by, ascending=False).reset_index()
    out.insert(0, "rank", np.arange(1, len(out) + 1))
    return out


def ishigami_indices(a: float = 7.0, b: float = 0.1) -> tuple[Sequence[float], Sequence[float]]:
    """Analytic first-order and total Sobol indices of the Ishigami function.

    ``f(x) = sin(x1) + a sin(x2)^2 + b x3^4 sin(x1)`` with each x uniform on [-pi, pi] [1]_.

    Returns
    -------
    tuple of (S1, ST)
        Each a list of three floats; with a = 7, b = 0.1: S1 = 0.3139, 0.4424, 0 and
        ST = 0.5576, 0.4424, 0.2437.

    References
    ----------
    .. [1] Ishigami, T. and Homma, T. (1990). "An importance quantification technique in
       uncertainty analysis for computer models." ISUMA '90, 398-403.
    """
    pi4, pi8 = np.pi**4, np.pi**8
    v1 = 0.5 * (1 + b * pi4 / 5) ** 2
    v2 = a**2 / 8
    v13 = b**2 * pi8 * (1 / 18 - 1 / 50)
    total = v1 + v2 + v13
    return [v1 / total, v2 / total, 0.0], [(v1 + v13) / total, v2 / total, v13 / total]
