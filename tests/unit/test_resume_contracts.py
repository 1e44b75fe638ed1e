"""Resuming: a sweep folder read back as it was written, a results folder claimed by one run
alone, and the fingerprint of a user's rule that a resumed sweep is compared against."""

from __future__ import annotations

import hashlib
import inspect
import json
import os
import re
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pytest
import user_rules
from matplotlib.figure import Figure

from sim.rules.retaliation import OrderedLogit
from sim.storage import store
from sim.storage.manifest import code_fingerprint
from sim.sweeps.folder import _changed_keys
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
        {
            "parameters": {P_ACT: {"low": 0.1, "high": 0.3, "num": 2}},
            "horizons": [30],
            "baseline": 0,
        }
    )
    result = run_sweep(sweep, seed_scenario, tmp_path / "s", **MC)
    back = load_sweep(tmp_path / "s")
    pd.testing.assert_frame_equal(back.table, result.table, check_exact=True)
    assert back.failures == result.failures == []
    assert back.sweep.to_dict() == sweep.to_dict()
    # The paired differences against the baseline are read back too.
    assert back.table.loc[0, "diff_rung4_30d"] == 0.0


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
        "deep": {"_target_": "sim.rules.retaliation.OrderedLogit"},
    }
    rules = code_fingerprint(tree)["rules"]
    source = inspect.getsource(user_rules.AlwaysAt)
    assert rules == {
        "user_rules.AlwaysAt": hashlib.sha256(source.encode()).hexdigest(),
        "user_rules.Gone": "unavailable: AttributeError",
        "no_such_module.Rule": "unavailable: ModuleNotFoundError",
        "sim.rules.retaliation.OrderedLogit": hashlib.sha256(
            inspect.getsource(OrderedLogit).encode()
        ).hexdigest(),
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


def test_a_results_folder_lists_its_figures_not_temp_files_or_folders(tmp_path):
    folder = store.ResultsFolder(tmp_path)
    folder.write_manifest({"seed": 1, "finished": "2026-01-01T00:00:00"})
    fig = Figure()
    png = folder.save_figure(fig, "ladder.png")  # the suffix is not doubled
    assert png == tmp_path / "figures" / "ladder.png"
    (tmp_path / "figures" / ".ladder.png.1.tmp").write_bytes(b"")
    (tmp_path / "figures" / "sub").mkdir()
    results = store.load_results(tmp_path)
    assert results.figures == [png]
    assert (results.outcomes, results.summary, results.config) == (None, None, None)


def test_an_unfinished_run_is_read_with_a_warning(tmp_path, caplog):
    folder = store.ResultsFolder(tmp_path)
    folder.write_manifest({"seed": 1, "finished": None})
    with caplog.at_level("WARNING", logger="sim"):
        assert not store.load_results(tmp_path).finished
    assert [r.getMessage() for r in caplog.records] == [
        f"{tmp_path} holds an unfinished run (stopped, or still running): its manifest has no "
        "finish time, and outcomes or summary may be missing; Results.finished is False"
    ]
    caplog.clear()
    folder.write_manifest({"seed": 1, "finished": "2026-01-01T00:00:00"})
    with caplog.at_level("WARNING", logger="sim"):
        assert store.load_results(tmp_path).finished
    assert caplog.records == []


def test_outcomes_are_written_to_the_schema_given(tmp_path):
    folder = store.ResultsFolder(tmp_path)
    df = pd.DataFrame({"replication": [0, 1], "max_rung": [3, 5]})
    folder.write_outcomes(df, pa.schema([("replication", pa.int64()), ("max_rung", pa.int8())]))
    assert store.read_parquet(folder.outcomes_path)["max_rung"].dtype == "int8"


def test_a_results_folder_is_made_under_outputs_named_by_date_and_time(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    path = store.ResultsFolder.create().path
    assert path.parent.parent == Path("outputs")
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}/\d{2}-\d{2}-\d{2}", f"{path.parent.name}/{path.name}")


def test_a_changed_sweep_names_keys_added_removed_or_set_to_null():
    # The keys a refused resume lists (SweepChangedError's "changed: ..."): a key present on
    # one side only counts as changed, even when the other side's value is null.
    old = {"mc": {"seed": 1, "gone": 2}, "a": None, "same": [1, {}]}
    new = {"mc": {"seed": 1, "new": None}, "same": [1, {}], "b": 3}
    assert _changed_keys(old, new) == ["a", "b", "mc.gone", "mc.new"]
    assert _changed_keys(new, old) == ["a", "b", "mc.gone", "mc.new"]
    assert _changed_keys({"x": {}}, {"x": []}) == ["x"]


def test_a_results_folder_shows_its_path():
    assert repr(store.ResultsFolder("out/run")) == "ResultsFolder('out/run')"


def test_a_stopped_sweep_reads_back_its_done_failed_and_pending_points(tmp_path, seed_scenario):
    sweep = Sweep.from_config({"name": "s", "parameters": {P_ACT: [0.1, 1.5, 0.3]}, "baseline": 0})
    result = run_sweep(sweep, seed_scenario, tmp_path / "s", **MC)
    (tmp_path / "s" / "points" / "point-000002.parquet").unlink()  # as if stopped before it
    back = load_sweep(tmp_path / "s")
    table = back.table
    assert list(table["status"]) == ["done", "failed", "pending"]
    assert list(table["point"]) == [0, 1, 2]
    assert list(table.columns[:3]) == ["point", P_ACT, "status"]
    assert list(table.columns[-4:]) == ["seed", "chunk_size", "seconds", "error"]
    assert table.loc[1, "seed"] == MC["seed"] and table.loc[1, "error"].startswith("ConfigError")
    assert table.loc[0, "seconds"] == result.table.loc[0, "seconds"]
    assert table.attrs == {"sweep": "s", "baseline": 0}
    assert (back.folder, back.baseline, back.failures) == (tmp_path / "s", 0, result.failures)
