"""Scenario discovery: where in parameter space is an outcome likely? PRIM boxes.

The Patient Rule Induction Method [1]_ starts from a box holding every point of a sweep and
peels it: at each step it cuts off the slice (the `peel_alpha` share of points at the low or high
end of one numeric parameter, or one category of a categorical one) that raises the share of
points with the outcome most per point removed (the "lenient" objective of EMA Workbench, so a
large cut such as a whole category must earn its loss of coverage). The sequence of boxes
trades **coverage** (the share of all points with the outcome that lie in the box) against
**density** (the share of points in the box that have the outcome). :meth:`PrimResult.box`
picks a box (the best coverage x density, or the largest box above a density), optionally
**pastes** it (widens its limits again while density does not fall), and describes it in
words::

    mediators.qatar.leverage <= 0.35 and states.pakistan.retaliation.p_act >= 0.06:
    density 0.62, coverage 0.71

References
----------
.. [1] Friedman, J. H. and Fisher, N. I. (1999). "Bump hunting in high-dimensional data."
   Statistics and Computing 9(2), 123-143.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

__all__ = ["Box", "PrimResult", "prim"]


def _is_numeric(column: pd.Series) -> bool:
    return pd.api.types.is_numeric_dtype(column) and not pd.api.types.is_bool_dtype(column)


def _contains(X: pd.DataFrame, limits: Mapping[str, tuple | frozenset]) -> np.ndarray:
    inside = np.ones(len(X), dtype=bool)
    for name, limit in limits.items():
        x = X[name].to_numpy()
        if isinstance(limit, frozenset):
            inside &= np.isin(x, list(limit))
        else:
            inside &= (x >= limit[0]) & (x <= limit[1])
    return inside


def _fmt(x: float) -> str:
    return f"{x:.3g}"


@dataclass(frozen=True)
class Box:
    """A box in parameter space: numeric limits ``low <= x <= high`` and sets of categories.

    Parameters
    ----------
    limits : dict
        Parameter -> ``(low, high)`` (numeric) or frozenset of categories, for every
        parameter; only those tighter than the data (`restricted`) matter.
    restricted : tuple of str
        Parameters the box restricts, in the order they were first restricted.
    coverage : float
        Points with the outcome inside the box / all points with the outcome.
    density : float
        Points with the outcome inside the box / points inside the box.
    mass : float
        Points inside the box / all points.
    n : int
        Points inside the box.
    """

    limits: dict = field(repr=False)
    restricted: tuple
    coverage: float
    density: float
    mass: float
    n: int
    _full: dict = field(repr=False, default_factory=dict)

    def contains(self, X: pd.DataFrame) -> np.ndarray:
        """Whether each row of `X` (with the same parameter columns) lies in the box."""
        return _contains(X, {k: self.limits[k] for k in self.restricted})

    def conditions(self) -> list[str]:
        """One condition per restricted parameter, e.g. ``leverage <= 0.35``."""
        out = []
        for name in self.restricted:
            limit = self.limits[name]
            if isinstance(limit, frozenset):
                out.append(f"{name} in {{{', '.join(sorted(map(str, limit)))}}}")
                continue
            lo, hi = limit
            full_lo, full_hi = self._full.get(name, (-math.inf, math.inf))
            if lo > full_lo and hi < full_hi:
                out.append(f"{_fmt(lo)} <= {name} <= {_fmt(hi)}")
            elif lo > full_lo:
                out.append(f"{name} >= {_fmt(lo)}")
            else:
                out.append(f"{name} <= {_fmt(hi)}")
        return out

    def describe(self) -> str:
        """The box in words with its density and coverage."""
        where = " and ".join(self.conditions()) or "everywhere"
        return (
            f"{where}: density {self.density:.2f}, coverage {self.coverage:.2f} "
            f"(mass {self.mass:.2f}, {self.n} points)"
        )

    def __str__(self) -> str:
        return self.describe()


def _restricted(limits: Mapping, full: Mapping) -> list[str]:
    out = []
    for name, limit in limits.items():
        if isinstance(limit, frozenset):
            if limit != full[name]:
                out.append(name)
        elif limit[0] > full[name][0] or limit[1] < full[name][1]:
            out.append(name)
    return out


@dataclass(frozen=True)
class PrimResult:
    """The peeling trajectory of :func:`prim`.

    Parameters
    ----------
    boxes : list of Box
        From the whole space (coverage 1) to the last box before `min_mass`.
    X : DataFrame
        The parameters, one row per point.
    y : ndarray of bool
        The outcome, shape (n,).
    paste_alpha : float
        Share of a box's points added per pasting step.
    """

    boxes: list = field(repr=False)
    X: pd.DataFrame = field(repr=False)
    y: np.ndarray = field(repr=False)
    paste_alpha: float = 0.05

    def trajectory(self) -> pd.DataFrame:
        """One row per box: ``step``, ``coverage``, ``density``, ``mass``, ``n``, ``box``."""
        return pd.DataFrame(
            {
                "step": range(len(self.boxes)),
                "coverage": [b.coverage for b in self.boxes],
                "density": [b.density for b in self.boxes],
                "mass": [b.mass for b in self.boxes],
                "n": [b.n for b in self.boxes],
                "box": [" and ".join(b.conditions()) or "everywhere" for b in self.boxes],
            }
        )

    def box(self, min_density: float | None = None, paste: bool = True) -> Box:
        """A box of the trajectory: the best trade-off, or the largest one dense enough.

        Parameters
        ----------
        min_density : float, optional
            In [0, 1]: take the box with the highest coverage whose density is at least this
            (EMA Workbench's ``threshold``). By default, take the box that maximises
            coverage x density, the share of outcome points captured times the box's purity.
        paste : bool
            Widen the chosen box again, one limit at a time, while its density does not fall.

        Returns
        -------
        Box
        """
        if min_density is None:
            chosen = max(self.boxes, key=lambda b: (b.coverage * b.density, b.coverage))
        else:
            if not 0 <= min_density <= 1:
                raise ValueError(f"min_density must be in [0, 1], got {min_density}")
            dense = [b for b in self.boxes if b.density >= min_density]
            if not dense:
                best = max(b.density for b in self.boxes)
                raise ValueError(
                    f"no box reaches density {min_density}; the densest has "
                    f"{best:.3f} (lower min_density, or peel further with a "
                    "smaller min_mass)"
                )
            chosen = max(dense, key=lambda b: (b.coverage, b.density))
        return self._paste(chosen) if paste else chosen

    def select(self, step: int) -> Box:
        """The box at `step` of the trajectory (see :meth:`trajectory`), not pasted."""
        return self.boxes[step]

    def _paste(self, box: Box) -> Box:
        X, y = self.X, self.y
        limits = dict(box.limits)
        inside = _contains(X, limits)
        coarse = True
        while True:
            density = y[inside].mean()
            # Paste `paste_alpha` of the box's points at a time, then point by point at the end.
            step = max(1, int(self.paste_alpha * inside.sum())) if coarse else 1
            best = None
            for name in box.restricted:
                limit = limits[name]
                others = _contains(X, {k: v for k, v in limits.items() if k != name})
                x = X[name].to_numpy()
                candidates = []
                if isinstance(limit, frozenset):
                    for cat in set(x[others]) - set(limit):
                        candidates.append(limit | {cat})
                else:
                    below = np.sort(x[others & (x < limit[0])])
                    above = np.sort(x[others & (x > limit[1])])
                    if below.size:
                        candidates.append((below[max(0, below.size - step)], limit[1]))
                    if above.size:
                        candidates.append((limit[0], above[min(above.size, step) - 1]))
                for new in candidates:
                    trial = others & _contains(X, {name: new})
                    d = y[trial].mean()
                    if d >= density and (best is None or d > best[0]):
                        best = (d, name, new, trial)
            if best is None:
                if coarse and step > 1:
                    coarse = False
                    continue
                break
            limits[best[1]] = best[2]
            inside = best[3]
        return _make_box(limits, inside, y, box._full, order=box.restricted)

    def __str__(self) -> str:
        return self.box().describe()


def _make_box(
    limits: dict, inside: np.ndarray, y: np.ndarray, full: dict, order: tuple = ()
) -> Box:
    restricted = _restricted(limits, full)
    restricted = [n for n in order if n in restricted] + [n for n in restricted if n not in order]
    hits = int(y[inside].sum())
    return Box(
        limits=dict(limits),
        restricted=tuple(restricted),
        coverage=hits / max(int(y.sum()), 1),
        density=hits / max(int(inside.sum()), 1),
        mass=float(inside.mean()),
        n=int(inside.sum()),
        _full=full,
    )


def prim(
    X: pd.DataFrame,
    y: np.ndarray | pd.Series,
    peel_alpha: float = 0.05,
    paste_alpha: float = 0.05,
    min_mass: float = 0.05,
) -> PrimResult:
    """Peel boxes around the points where `y` holds.

    Parameters
    ----------
    X : DataFrame
        Parameters, one row per point: numeric columns, or text / categorical columns.
    y : array of bool
        The outcome at each point, e.g. ``table["p_rung5_365d"] > 0.1``; shape (n,).
    peel_alpha : float
        Share of the box's points cut off per peeling step, in (0, 0.5). On a parameter
        with few levels a step cuts off at least its lowest or highest level.
    paste_alpha : float
        Share of the box's points added per pasting step, in (0, 1).
    min_mass : float
        Peeling stops before a box would hold fewer than this share of all points, in (0, 1).

    Returns
    -------
    PrimResult
        ``result.box().describe()`` reads the chosen box;
        ``result.trajectory()`` shows the coverage-density trade-off.

    Examples
    --------
    >>> rng = np.random.default_rng(1)
    >>> X = pd.DataFrame(rng.random((1000, 2)), columns=["a", "b"])
    >>> print(prim(X, (X["a"] < 0.3).to_numpy()).box().conditions())
    ['a <= 0.3']
    """
    y = np.asarray(y, dtype=bool)
    if len(X) != y.size:
        raise ValueError(f"X has {len(X)} rows but y has {y.size} entries")
    if y.size == 0 or not y.any():
        raise ValueError("the outcome holds at no point: there is nothing to find")
    if not 0 < peel_alpha < 0.5:
        raise ValueError(f"peel_alpha must be in (0, 0.5), got {peel_alpha}")
    if not 0 < paste_alpha < 1:
        raise ValueError(f"paste_alpha must be in (0, 1), got {paste_alpha}")
    if not 0 < min_mass < 1:
        raise ValueError(f"min_mass must be in (0, 1), got {min_mass}")
    X = X.reset_index(drop=True)
    full: dict = {}
    for name in X.columns:
        column = X[name]
        if column.isna().any():
            raise ValueError(f"parameter '{name}' has missing values")
        full[name] = (
            (float(column.min()), float(column.max()))
            if _is_numeric(column)
            else frozenset(column.unique())
        )
    limits = dict(full)
    inside = np.ones(y.size, dtype=bool)
    order: list[str] = []
    boxes = [_make_box(limits, inside, y, full)]
    while True:
        best = None
        n_in = int(inside.sum())
        density = y[inside].mean()
        for name in X.columns:
            x = X[name].to_numpy()
            xin = x[inside]
            candidates = []
            if isinstance(limits[name], frozenset):
                if len(limits[name]) > 1:
                    candidates = [(limits[name] - {cat}, x != cat) for cat in limits[name]]
            elif xin.min() < xin.max():
                lo = np.quantile(xin, peel_alpha)
                hi = np.quantile(xin, 1 - peel_alpha)
                # On few levels the quantile may cut nothing: then cut the extreme level.
                lo = lo if (xin < lo).any() else np.unique(xin)[1]
                hi = hi if (xin > hi).any() else np.unique(xin)[-2]
                keep_lo, keep_hi = x >= lo, x <= hi
                candidates = [
                    ((float(xin[xin >= lo].min()), limits[name][1]), keep_lo),
                    ((limits[name][0], float(xin[xin <= hi].max())), keep_hi),
                ]
            for new, keep in candidates:
                trial = inside & keep
                n = int(trial.sum())
                if n < min_mass * y.size or n == n_in:
                    continue
                # Gain in density per point removed: a large cut (a whole category) must
                # earn its loss of coverage ("lenient" objective; the plain mean is greedy).
                gain = (y[trial].mean() - density) / (n_in - n)
                if best is None or (gain, n) > (best[0], best[1]):
                    best = (gain, n, name, new, trial)
        if best is None:
            break
        _, _, name, new, inside = best
        limits[name] = new
        if name not in order:
            order.append(name)
        boxes.append(_make_box(limits, inside, y, full, order=tuple(order)))
    return PrimResult(boxes=boxes, X=X, y=y, paste_alpha=paste_alpha)
