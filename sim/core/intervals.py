"""One way to print an estimate with its interval: ``0.123 [0.101, 0.148]``.

Every table the package prints (a run's summary, a sweep's table, an estimate's ``str``) shows
intervals through :func:`format_interval`, so they read the same everywhere.

Examples
--------
>>> format_interval(0.1234, 0.101, 0.1478)
'0.123 [0.101, 0.148]'
>>> format_interval(-0.02, -0.051, 0.011, signed=True)
'-0.020 [-0.051, +0.011]'
>>> format_interval(float("nan"), 0.0, 1.0)
'-'
"""

from __future__ import annotations

import math

__all__ = ["format_interval"]


def format_interval(
    estimate: float, low: float, high: float, digits: int = 3, signed: bool = False
) -> str:
    """Return ``estimate [low, high]`` with `digits` decimals, or ``-`` for a missing estimate.

    Parameters
    ----------
    estimate, low, high : float
        The point estimate and its interval's ends.
    digits : int
        Decimals shown.
    signed : bool
        Show a sign on every number (differences).
    """
    try:
        missing = estimate is None or math.isnan(estimate)
    except TypeError:  # pandas' NA
        missing = True
    if missing:
        return "-"
    fmt = f"{'+' if signed else ''}.{digits}f"
    return f"{estimate:{fmt}} [{low:{fmt}}, {high:{fmt}}]"
