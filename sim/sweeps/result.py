"""A sweep's result: its table and failures read back from the folder, analysed when complete."""

from __future__ import annotations

import dataclasses
import json
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.core.intervals import format_interval
from sim.storage import store
from sim.sweeps.design import Sweep
from sim.sweeps.folder import (
    DISCOVERY_FILE,
    FAILURES_DIR,
    POINTS_DIR,
    SENSITIVITY_FILE,
    SWEEP_FILE,
    _file,
)
from sim.sweeps.parameters import Point

__all__ = ["SweepResult", "load_sweep"]

_DONE, _FAILED = "done", "failed"
# Rows of the printed summary beyond which the middle is elided (the files hold every row).
_SHOWN_ROWS = 40


@dataclass(frozen=True)
class SweepResult:
    """A sweep's table and failures, read from its folder.

    Parameters
    ----------
    sweep : Sweep
        The spec.
    folder : Path
        The sweep folder.
    table : DataFrame
        One row per point (see :func:`run_sweep`), sorted by ``point``.
    failures : list of dict
        One record per failed point: ``point``, ``parameters``, ``settings``, ``seed``,
        ``error``, ``traceback``.
    computed : list of int
        Points computed in this session (the others were read back from the folder).
    baseline : int or None
        Index of the baseline point.
    analyses : dict
        Output -> :class:`~sim.analysis.sensitivity.SobolResult` or
        :class:`~sim.analysis.sensitivity.MorrisResult`, for the outputs of ``sweep.analyze``.
    box : Box or None
        PRIM's box where ``sweep.discover`` holds (:mod:`sim.analysis.discovery`).
    """

    sweep: Sweep
    folder: Path
    table: pd.DataFrame = field(repr=False)
    failures: list = field(default_factory=list, repr=False)
    computed: list = field(default_factory=list)
    baseline: int | None = None
    analyses: dict = field(default_factory=dict, repr=False)
    box: Any = None

    @property
    def ok(self) -> bool:
        """True when every point finished."""
        return bool((self.table["status"] == _DONE).all())

    @property
    def exit_code(self) -> int:
        """0 when every point finished, 1 when some failed (for a command line)."""
        return 0 if self.ok else 1

    def sobol(self, output: str, **kwargs: Any) -> Any:
        """Sobol indices of `output` (a saltelli sweep): :func:`sim.analysis.sensitivity.sobol`."""
        from sim.analysis import sensitivity

        return sensitivity.sobol(self.sweep, self.table, output, **kwargs)

    def morris(self, output: str, **kwargs: Any) -> Any:
        """Morris screening of `output`: :func:`sim.analysis.sensitivity.morris`."""
        from sim.analysis import sensitivity

        return sensitivity.morris(self.sweep, self.table, output, **kwargs)

    def discover(self, condition: str | np.ndarray, **kwargs: Any) -> Any:
        """PRIM boxes where `condition` holds; see :func:`sim.analysis.discovery.prim`.

        `condition` is an expression on the table's columns such as ``"p_rung5_365d > 0.1"``
        (``DataFrame.eval``) or a boolean array with one entry per finished point.
        """
        from sim.analysis import discovery

        done = self.table[self.table["status"] == _DONE]
        y = done.eval(condition) if isinstance(condition, str) else np.asarray(condition)
        return discovery.prim(done[self.sweep.names], y, **kwargs)

    def summary(self, rungs: Sequence[int] | None = None) -> str:
        """A printable table: parameters, the headline probabilities, differences, status.

        Parameters
        ----------
        rungs : sequence of int, optional
            Rungs shown, at the longest horizon; the sweep's rungs by default.
        """
        t = self.table
        # A sweep over a posterior: the posterior-predictive interval first, the Monte Carlo one
        # beside it (docs/posterior.md).
        predictive = any(c.endswith("_pp_low") for c in t.columns)
        shown = pd.DataFrame({"point": t["point"]})
        for name in self.sweep.names:
            shown[name] = t[name]
        for k in rungs or self.sweep.rungs:
            cols = sorted(
                (c for c in t.columns if c.startswith(f"p_rung{k}_") and c.endswith("d")),
                key=lambda c: int(c.split("_")[2][:-1]),
            )
            if not cols:
                continue
            col = cols[-1]
            diff = col.replace("p_", "diff_", 1)
            if predictive:
                shown[f"{col} (predictive)"] = [_cell(t, i, col, "_pp") for i in t.index]
            shown[f"{col} (MC)" if predictive else col] = [_cell(t, i, col) for i in t.index]
            if diff in t.columns and predictive:
                shown[f"{diff} (predictive)"] = [
                    "baseline" if t.at[i, "point"] == self.baseline else _cell(t, i, diff, "_pp")
                    for i in t.index
                ]
            if diff in t.columns:
                shown[f"{diff} (MC, ratio)" if predictive else f"{diff} (ratio)"] = [
                    "baseline" if t.at[i, "point"] == self.baseline else _paired_cell(t, i, diff)
                    for i in t.index
                ]
        for col in self.sweep.show:
            if col in t.columns:
                shown[col] = [f"{v:.4g}" if pd.notna(v) else "-" for v in t[col]]
        shown["status"] = t["status"]
        done = int((t["status"] == _DONE).sum())
        lines = [
            f"sweep {self.sweep.name}: {done} of {len(t)} points done "
            f"({len(self.computed)} computed now), folder {self.folder}"
        ]
        if predictive:
            lines.append(
                "(predictive) = posterior-predictive estimate [central 90% of the per-draw "
                "values: parameter and Monte Carlo uncertainty]; (MC) = [95% interval, Monte "
                "Carlo error only]"
            )
        else:
            lines.append("[95% intervals, Monte Carlo error only]")
        if self.baseline is not None:
            lines.append(
                f"differences are point - baseline (point {self.baseline}), paired on "
                "common random numbers; (ratio) = paired / independent interval width"
            )
        lines.append(shown.to_string(index=False, max_rows=_SHOWN_ROWS))
        for output, analysis in self.analyses.items():
            lines.append("")
            lines.append(f"levers ranked by their influence on {output} ({analysis.method}):")
            lines.append(analysis.ranking().round(3).to_string(index=False))
            if getattr(analysis, "warning", None):
                lines.append(f"warning: {analysis.warning}")
        if self.box is not None:
            lines.append("")
            lines.append(f"where {self.sweep.discover} (PRIM): {self.box.describe()}")
        if (self.sweep.analyze or self.sweep.discover) and not self.ok:
            lines.append("analyze and discover wait for every point: run the sweep again")
        if self.failures:
            lines.append(f"{len(self.failures)} point(s) failed:")
            for f in self.failures:
                lines.append(
                    f"  point {f['point']} {f['parameters']} seed {f['seed']}: "
                    f"{f['error']}  [traceback in {FAILURES_DIR}/point-"
                    f"{f['point']:06d}.json]"
                )
        return "\n".join(lines)


def _cell(t: pd.DataFrame, i: int, col: str, kind: str = "") -> str:
    """``estimate [low, high]`` of `col`, with the interval of `kind` (``""`` or ``"_pp"``)."""
    signed = col.startswith("diff_")
    return format_interval(
        t.at[i, col], t.at[i, f"{col}{kind}_low"], t.at[i, f"{col}{kind}_high"], signed=signed
    )


def _paired_cell(t: pd.DataFrame, i: int, diff: str) -> str:
    text = format_interval(
        t.at[i, diff], t.at[i, f"{diff}_low"], t.at[i, f"{diff}_high"], signed=True
    )
    ratio = t.at[i, f"{diff}_width_ratio"]
    return text if pd.isna(ratio) else f"{text} ({ratio:.2f})"


def _analysed(result: SweepResult) -> SweepResult:
    """Run the ``analyze`` and ``discover`` steps and save them, once every point is done."""
    sweep, folder = result.sweep, result.folder
    if not result.ok or not (sweep.analyze or sweep.discover):
        return result
    analyses = {}
    for output in sweep.analyze:
        analyses[output] = (
            result.sobol(output) if sweep.design == "saltelli" else result.morris(output)
        )
    if analyses:
        frames = [a.ranking().assign(output=o) for o, a in analyses.items()]
        store.write_csv(pd.concat(frames, ignore_index=True), folder / SENSITIVITY_FILE)
    box = None
    if sweep.discover:
        y = result.table.eval(sweep.discover).to_numpy(dtype=bool)
        if y.any():
            box = result.discover(y).box()
            store.write_text(f"{sweep.discover}: {box.describe()}\n", folder / DISCOVERY_FILE)
        else:
            store.write_text(f"{sweep.discover}: holds at no point\n", folder / DISCOVERY_FILE)
    return dataclasses.replace(result, analyses=analyses, box=box)


def _collect(
    folder: Path, sweep: Sweep, points: Sequence[Point], baseline: int | None, computed: list[int]
) -> SweepResult:
    rows, failures = [], []
    for pt in points:
        done = _file(folder, POINTS_DIR, pt.index, ".parquet")
        failed = _file(folder, FAILURES_DIR, pt.index, ".json")
        if done.is_file():
            rows.append(store.read_parquet(done).to_dict("records")[0])
        elif failed.is_file():
            record = json.loads(failed.read_text(encoding="utf-8"))
            failures.append(record)
            rows.append(
                {
                    "point": pt.index,
                    **pt.display,
                    "status": _FAILED,
                    "seed": record["seed"],
                    "error": record["error"],
                }
            )
        else:
            rows.append({"point": pt.index, **pt.display, "status": "pending"})
    table = pd.DataFrame.from_records(rows)
    first = ["point", *sweep.names, "status"]
    last = [c for c in ("seed", "chunk_size", "seconds", "error") if c in table.columns]
    middle = [c for c in table.columns if c not in first and c not in last]
    table = table[first + middle + last]
    table.attrs = {"sweep": sweep.name, "baseline": baseline}
    return SweepResult(
        sweep=sweep,
        folder=folder,
        table=table,
        failures=failures,
        computed=list(computed),
        baseline=baseline,
    )


def load_sweep(folder: str | os.PathLike) -> SweepResult:
    """Read a sweep folder back: its spec, its table (finished so far) and its failures."""
    folder = Path(folder)
    path = folder / SWEEP_FILE
    if not path.is_file():
        raise FileNotFoundError(f"{folder} is not a sweep folder: it has no {SWEEP_FILE}")
    spec = json.loads(path.read_text(encoding="utf-8"))["sweep"]
    spec["parameters"] = [{k: v for k, v in p.items() if v is not None} for p in spec["parameters"]]
    sweep = Sweep.from_config(spec)
    points = sweep.points()
    return _analysed(_collect(folder, sweep, points, sweep.baseline_index(points), []))
