"""Gather a Hydra multirun (``python -m sim -m ...``) into one table."""

from __future__ import annotations

import json
import os
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd
from omegaconf import OmegaConf

from sim.storage import store
from sim.sweeps.parameters import _plain
from sim.sweeps.points import outcome_columns
from sim.sweeps.result import _DONE, _FAILED


def gather_multirun(
    folder: str | os.PathLike,
    rungs: Sequence[int] = (4, 5),
    horizons: Sequence[int] = (30, 90, 365),
) -> pd.DataFrame:
    """Collect the jobs of a Hydra multirun (``python -m sim -m ...``) into one tidy table.

    Parameters
    ----------
    folder : path
        The multirun folder (``multirun/DATE/TIME``); every folder below it holding a
        ``manifest.json`` or a ``.hydra/`` folder is a job.
    rungs, horizons : sequence of int
        As in :func:`outcome_columns`.

    Returns
    -------
    DataFrame
        One row per job: ``point`` (Hydra's job number), one column per override key with its
        value, ``status`` (``done``, or ``failed`` for a job without outcomes), the columns of
        :func:`outcome_columns`, ``seed`` and ``job`` (the job folder).
    """
    from hydra.core.override_parser.overrides_parser import OverridesParser

    folder = Path(folder)
    if not folder.is_dir():
        raise FileNotFoundError(f"no multirun folder at {folder}")
    jobs = sorted(
        {p.parent for p in folder.rglob(store.MANIFEST_FILE)}
        | {p.parent for p in folder.rglob(".hydra") if p.is_dir()}
    )
    parser = OverridesParser.create()
    rows, keys = [], []
    for position, job in enumerate(jobs):
        hydra_dir = job / ".hydra"
        overrides: list[str] = []
        for candidate in (job / store.OVERRIDES_FILE, hydra_dir / "overrides.yaml"):
            if candidate.is_file():
                overrides = [str(o) for o in OmegaConf.to_container(OmegaConf.load(candidate))]
                break
        number = position
        if (hydra_dir / "hydra.yaml").is_file():
            number = int(OmegaConf.load(hydra_dir / "hydra.yaml").hydra.job.get("num", position))
        elif (digits := re.match(r"\d+", job.name)) is not None:
            number = int(digits.group())  # NUM_<scenario>[__<overrides>] (sim.runs.labels)
        row: dict[str, Any] = {"point": number}
        for override in parser.parse_overrides(overrides):
            key = override.get_key_element()
            if key not in keys:
                keys.append(key)
            row[key] = _plain(override.value())
        outcomes_path = job / store.OUTCOMES_FILE
        manifest_path = job / store.MANIFEST_FILE
        if outcomes_path.is_file():
            row["status"] = _DONE
            row.update(outcome_columns(store.read_parquet(outcomes_path), rungs, horizons))
        else:
            row.update(status=_FAILED, error=f"no {store.OUTCOMES_FILE}: the job did not finish")
        if manifest_path.is_file():
            row["seed"] = json.loads(manifest_path.read_text(encoding="utf-8")).get("seed")
        row["job"] = str(job.relative_to(folder))
        rows.append(row)
    if not rows:
        raise FileNotFoundError(
            f"no job folders (with {store.MANIFEST_FILE} or .hydra/) under {folder}"
        )
    table = pd.DataFrame.from_records(rows).sort_values("point", kind="stable")
    first = ["point", *keys, "status"]
    return table[first + [c for c in table.columns if c not in first]].reset_index(drop=True)
