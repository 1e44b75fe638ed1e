"""Resuming: a sweep folder read back as it was written, a results folder claimed by one run
alone, and the fingerprint of a user's rule that a resumed sweep is compared against."""

from __future__ import annotations

import hashlib
import inspect
import json
import os
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pytest
import user_rules

from sim.storage import store
from sim.storage.manifest import code_fingerprint
from sim.sweeps.runner import Sweep, load_sweep, run_sweep

P_ACT = "states.pakistan.retaliation.p_act"
MC = {"replications": 40, "horizon": 30, "seed": 5}


def test_a_folder_that_is_no_sweep_is_named(tmp_path):
    with pytest.raises(FileNotFoundError) as info:
        load_sweep(tmp_path)
    assert str(info.value) == f"{tmp_path} is not a sweep folder: it has no sweep.json"


def test_a_sweep_folder_reads_back_as_the_sweep_left_it(tmp_path, seed_scenario):
    # A range parameter (low, high, num) leaves its unused keys empty in the saved spec.
    sweep = Sweep.from_config(
        {"parameters": {P_ACT: {"low": 0.1, "high": 0.3, "num": 2}}, "horizons": [30]}
    )
    result = run_sweep(sweep, seed_scenario, tmp_path / "s", **MC)
    back = load_sweep(tmp_path / "s")
    pd.testing.assert_frame_equal(back.table, result.table, check_exact=True)
    assert back.failures == result.failures == []
    assert back.sweep.to_dict() == sweep.to_dict()


def test_claims_of_one_folder_take_numbered_siblings_in_order(tmp_path):
    wanted = tmp_path / "deep" / "er" / "run"  # parents created as needed
    claimed = [store.ResultsFolder.claim(wanted).path for _ in range(3)]
    assert claimed == [wanted, wanted.with_name("run-1"), wanted.with_name("run-2")]
    placeholder = json.loads((claimed[2] / store.MANIFEST_FILE).read_text(encoding="utf-8"))
    assert placeholder == {"seed": None, "finished": None, "claimed_by_pid": os.getpid()}


def test_an_existing_empty_folder_is_claimed_as_it_is(tmp_path):
    # Hydra creates the run directory before the run claims it.
    (tmp_path / "run").mkdir()
    assert store.ResultsFolder.claim(tmp_path / "run").path == tmp_path / "run"


def test_a_results_folders_chunks_keep_to_the_schema_given(tmp_path):
    folder = store.ResultsFolder(tmp_path)
    writer = folder.chunk_writer(pa.schema([("replication", pa.int64())]))
    with pytest.raises(ValueError, match="not in schema"):
        writer.write(0, pd.DataFrame({"replication": [1], "other": [2.0]}))
    assert writer.done_chunks() == []


def test_json_writes_what_it_cannot_hold_as_its_text(tmp_path):
    path = store.write_json({"folder": Path("a/b"), "n": 3}, tmp_path / "x.json")
    assert json.loads(path.read_text(encoding="utf-8")) == {"folder": "a/b", "n": 3}


def test_a_user_rule_is_fingerprinted_by_its_source():
    tree = {
        "states": {"a": {"retaliation": {"_target_": "user_rules.AlwaysAt", "rung": 2}}},
        "ceasefire": {"_target_": "user_rules.Gone"},
        "other": {"_target_": "no_such_module.Rule"},
    }
    rules = code_fingerprint(tree)["rules"]
    source = inspect.getsource(user_rules.AlwaysAt)
    assert rules == {
        "user_rules.AlwaysAt": hashlib.sha256(source.encode()).hexdigest(),
        "user_rules.Gone": "unavailable: AttributeError",
        "no_such_module.Rule": "unavailable: ModuleNotFoundError",
    }


def _chunk(first: int, horizon: int) -> pd.DataFrame:
    df = pd.DataFrame({"replication": range(first, first + 3)})
    df.attrs = {"horizon": horizon}
    return df


def test_a_gap_after_the_second_chunk_is_refused(tmp_path):
    writer = store.ChunkWriter(tmp_path / "c")
    for i in (0, 1, 3):
        writer.write(i, _chunk(3 * i, 30))
    with pytest.raises(ValueError) as info:
        writer.finalize(tmp_path / "o.parquet")
    assert str(info.value) == f"chunks missing from {tmp_path / 'c'}: [2]"


def test_the_compacted_file_takes_its_attrs_from_the_lowest_chunk(tmp_path):
    writer = store.ChunkWriter(tmp_path / "c")
    writer.write(1, _chunk(3, 90))  # written first, but not the lowest
    writer.write(0, _chunk(0, 30))
    back = store.read_parquet(writer.finalize(tmp_path / "o.parquet"))
    assert back.attrs == {"horizon": 30}
    assert back["replication"].tolist() == list(range(6))
    one = store.ChunkWriter(tmp_path / "one")
    one.write(0, _chunk(0, 7))
    assert store.read_parquet(one.finalize(tmp_path / "one.parquet")).attrs == {"horizon": 7}


def test_a_claim_makes_the_folder_again_when_another_run_removed_it(tmp_path, monkeypatch):
    # Between this run's mkdir and its exclusive create, another run may remove the empty folder.
    calls = []
    real_open = os.open

    def racing_open(path, flags, *args):
        calls.append(path)
        if len(calls) == 1:
            raise FileNotFoundError(path)
        return real_open(path, flags, *args)

    monkeypatch.setattr(store.os, "open", racing_open)
    assert store.ResultsFolder.claim(tmp_path / "run").path == tmp_path / "run"
    assert len(calls) == 2
