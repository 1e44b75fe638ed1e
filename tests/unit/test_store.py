import json
import os
import re
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from matplotlib.figure import Figure
from omegaconf import DictConfig, OmegaConf
from PIL import Image

from sim.storage import manifest as manifests
from sim.storage.store import (
    ChunkWriter,
    ResultsFolder,
    atomic_write,
    finish_manifest,
    load_results,
    manifest,
    read_parquet,
    write_json,
    write_parquet,
)

REPO = Path(__file__).resolve().parents[2]


def outcomes(start: int, n: int, horizon: int = 30) -> pd.DataFrame:
    rng = np.random.default_rng(start)
    df = pd.DataFrame(
        {
            "replication": np.arange(start, start + n, dtype="int64"),
            "max_rung": rng.integers(0, 6, n).astype("int8"),
            "day_rung_3": np.where(rng.random(n) < 0.5, np.nan, rng.integers(1, horizon, n)),
            "war": rng.random(n) < 0.1,
        }
    )
    df.attrs = {"horizon": horizon, "start_rung": 1, "actors": ["pakistan", "afghanistan"]}
    return df


def names(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir())


# --- atomic writes ---------------------------------------------------------------------------


def test_parquet_round_trip_keeps_values_dtypes_and_attrs(tmp_path):
    df = outcomes(0, 50)
    df.attrs["n"] = np.int64(50)
    path = write_parquet(df, tmp_path / "o.parquet")
    back = read_parquet(path)
    pd.testing.assert_frame_equal(back, df)
    assert back.attrs == {**df.attrs, "n": 50}
    assert names(tmp_path) == ["o.parquet"]


def test_parquet_schema_casts_and_refuses_other_columns(tmp_path):
    schema = pa.schema([("replication", pa.int32()), ("war", pa.bool_())])
    df = pd.DataFrame({"war": [True, False], "replication": [0, 1]})
    back = read_parquet(write_parquet(df, tmp_path / "o.parquet", schema))
    assert list(back.columns) == ["replication", "war"]
    assert back["replication"].dtype == np.int32
    with pytest.raises(ValueError, match=r"missing \['war'\], not in schema \['x'\]"):
        write_parquet(df.drop(columns="war").assign(x=1), tmp_path / "p.parquet", schema)


def test_read_directory_skips_leftover_dot_temp_file(tmp_path):
    write_parquet(outcomes(0, 10), tmp_path / "chunk-000000.parquet")
    write_parquet(outcomes(10, 10), tmp_path / "chunk-000001.parquet")
    (tmp_path / ".chunk-000002.parquet.4242.tmp").write_bytes(b"PAR1 half a file")
    (tmp_path / "._chunk-000000.parquet").write_bytes(b"macOS resource fork")
    expected = pd.concat([outcomes(0, 10), outcomes(10, 10)], ignore_index=True)
    back = read_parquet(tmp_path)
    pd.testing.assert_frame_equal(back, expected)
    assert back.attrs == expected.attrs
    # The same directory also reads with pyarrow itself: the reason temp names start with ".".
    assert pq.read_table(tmp_path).num_rows == 20


def test_read_empty_directory_names_it(tmp_path):
    with pytest.raises(FileNotFoundError, match="no Parquet files"):
        read_parquet(tmp_path)


def test_atomic_write_leaves_nothing_when_write_fails_half_way(tmp_path):
    def half(tmp: Path) -> None:
        with open(tmp, "wb") as f:
            f.write(b"x" * 1000)
        raise RuntimeError("disk on fire")

    with pytest.raises(RuntimeError, match="disk on fire"):
        atomic_write(tmp_path / "a.bin", half)
    assert names(tmp_path) == []


def test_atomic_write_keeps_old_file_when_write_fails(tmp_path):
    path = tmp_path / "a.json"
    write_json({"v": 1}, path)

    def fail(tmp: Path) -> None:
        tmp.write_text('{"v": ')
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        atomic_write(path, fail)
    assert json.loads(path.read_text()) == {"v": 1}
    assert names(tmp_path) == ["a.json"]


@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="needs /proc to name fds")
def test_atomic_write_fsyncs_file_and_directory(tmp_path, monkeypatch):
    synced = []
    real = os.fsync

    def spy(fd):
        synced.append(os.readlink(f"/proc/self/fd/{fd}"))
        real(fd)

    monkeypatch.setattr(os, "fsync", spy)
    atomic_write(tmp_path / "a.txt", lambda tmp: tmp.write_text("hi"))
    folder = tmp_path.resolve()
    assert synced == [str(folder / f".a.txt.{os.getpid()}.tmp"), str(folder)]


def test_atomic_write_requires_write_fn_to_create_the_file(tmp_path):
    with pytest.raises(FileNotFoundError, match="did not create"):
        atomic_write(tmp_path / "a.txt", lambda tmp: None)


def test_write_json_converts_numpy_and_dates(tmp_path):
    obj = {"n": np.int64(3), "p": np.float64(0.5), "a": np.arange(2), "t": pd.Timestamp(0)}
    path = write_json(obj, tmp_path / "x.json")
    text = path.read_text()
    assert text.startswith('{\n  "n": 3,')
    assert json.loads(text) == {"n": 3, "p": 0.5, "a": [0, 1], "t": "1970-01-01T00:00:00"}


KILLED_WRITER = """
import sys, time
from pathlib import Path
import numpy as np, pyarrow as pa, pyarrow.parquet as pq
from sim.storage.store import atomic_write

folder = Path(sys.argv[1])
table = pa.table({"x": np.arange(2_000_000, dtype="int64")})

def slow(tmp):
    with pq.ParquetWriter(tmp, table.schema) as writer:
        writer.write_table(table)
        (folder.parent / "ready").touch()
        time.sleep(120)
        writer.write_table(table)

atomic_write(folder / "chunk-000001.parquet", slow)
"""


def test_sigkill_during_write_leaves_no_final_file_and_folder_reads(tmp_path):
    folder = tmp_path / "outcomes"
    write_parquet(outcomes(0, 10), folder / "chunk-000000.parquet")
    child = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(KILLED_WRITER), str(folder)],
        cwd=REPO,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 60
        while not (tmp_path / "ready").exists():
            assert child.poll() is None, child.stderr.read().decode()
            assert time.monotonic() < deadline, "writer never got half-way"
            time.sleep(0.05)
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait()
        child.stderr.close()
    assert child.returncode == -signal.SIGKILL
    temp = f".chunk-000001.parquet.{child.pid}.tmp"
    assert names(folder) == sorted([temp, "chunk-000000.parquet"])
    assert (folder / temp).stat().st_size > 1_000_000
    pd.testing.assert_frame_equal(read_parquet(folder), outcomes(0, 10))
    assert pq.read_table(folder).num_rows == 10


# --- chunk streaming -------------------------------------------------------------------------


def test_chunk_writer_out_of_order_then_finalize_in_index_order(tmp_path):
    chunks = {i: outcomes(10 * i, 10) for i in range(4)}
    chunks[2]["max_rung"] = chunks[2]["max_rung"].astype("int64")  # cast to the first schema
    writer = ChunkWriter(tmp_path / "outcomes")
    seen = []
    for i in (3, 0, 2, 1):
        writer.write(i, chunks[i])
        seen.append(writer.done_chunks())
    assert seen == [[3], [0, 3], [0, 2, 3], [0, 1, 2, 3]]
    assert writer.schema.field("max_rung").type == pa.int8()

    out = writer.finalize(tmp_path / "outcomes.parquet")
    expected = pd.concat([chunks[i] for i in range(4)], ignore_index=True)
    expected["max_rung"] = expected["max_rung"].astype("int8")
    back = read_parquet(out)
    pd.testing.assert_frame_equal(back, expected)
    assert back.attrs == chunks[0].attrs
    assert pq.ParquetFile(out).metadata.num_row_groups == 4  # streamed, one chunk at a time
    assert names(tmp_path) == ["outcomes.parquet"]


def test_chunk_writer_resumes_with_schema_from_disk(tmp_path):
    ChunkWriter(tmp_path / "c").write(0, outcomes(0, 5))
    (tmp_path / "c" / ".chunk-000001.parquet.99.tmp").write_bytes(b"junk")
    resumed = ChunkWriter(tmp_path / "c")
    assert resumed.done_chunks() == [0]
    assert resumed.schema.field("max_rung").type == pa.int8()
    resumed.write(1, outcomes(5, 5).astype({"max_rung": "int64"}))
    back = read_parquet(resumed.finalize(tmp_path / "o.parquet"))
    assert back["max_rung"].dtype == np.int8
    assert back["replication"].tolist() == list(range(10))


def test_chunk_writer_given_schema_refuses_other_columns(tmp_path):
    schema = pa.schema([("replication", pa.int64())])
    with pytest.raises(ValueError, match="not in schema"):
        ChunkWriter(tmp_path / "c", schema).write(0, outcomes(0, 3))
    with pytest.raises(ValueError, match="chunk index must be >= 0"):
        ChunkWriter(tmp_path / "c", schema).write(-1, outcomes(0, 3)[["replication"]])


def test_finalize_refuses_gaps_and_empty(tmp_path):
    writer = ChunkWriter(tmp_path / "c")
    with pytest.raises(ValueError, match="no chunks"):
        writer.finalize(tmp_path / "o.parquet")
    writer.write(0, outcomes(0, 3))
    writer.write(2, outcomes(6, 3))
    with pytest.raises(ValueError, match=r"chunks missing .*\[1\]"):
        writer.finalize(tmp_path / "o.parquet")
    with pytest.raises(ValueError, match="inside the chunk directory"):
        writer.finalize(tmp_path / "c" / "o.parquet")
    assert writer.done_chunks() == [0, 2]
    assert not (tmp_path / "o.parquet").exists()


# --- manifest --------------------------------------------------------------------------------

MANIFEST_KEYS = {
    "seed",
    "versions",
    "git_commit",
    "git_dirty",
    "python",
    "platform",
    "hostname",
    "command",
    "started",
    "finished",
    "duration_s",
}


def test_manifest_keys_versions_and_git(tmp_path):
    record = manifest(7, extra={"entropy": 7, "chunk_size": 1000})
    assert set(record) == MANIFEST_KEYS | {"entropy", "chunk_size"}
    assert (record["seed"], record["entropy"]) == (7, 7)
    assert record["command"] == sys.argv
    assert set(record["versions"]) == set(manifests._PACKAGES)
    assert record["versions"]["numpy"] == np.__version__
    assert record["versions"]["pandas"] == pd.__version__
    commit = record["git_commit"]
    assert commit is None or re.fullmatch(r"[0-9a-f]{40}", commit)
    assert record["git_dirty"] in ((None,) if commit is None else (True, False))
    started = pd.Timestamp(record["started"])
    assert started.tz is not None and started.utcoffset() == pd.Timedelta(0)
    assert record["finished"] is None and record["duration_s"] is None
    write_json(record, tmp_path / "m.json")
    assert json.loads((tmp_path / "m.json").read_text()) == record


def test_manifest_command_and_clashing_extra():
    assert manifest(1, command=["python", "-m", "sim", "mc.R=10"])["command"][-1] == "mc.R=10"
    with pytest.raises(ValueError, match=r"may not replace manifest keys \['versions'\]"):
        manifest(1, extra={"versions": {}})


def test_missing_package_version_is_not_installed():
    assert manifests._version("surely-no-such-package-xyz") == "not installed"


def test_finish_manifest_sets_finish_and_duration():
    record = manifest(1)
    time.sleep(0.01)
    done = finish_manifest(record)
    assert record["finished"] is None
    assert pd.Timestamp(done["finished"]) > pd.Timestamp(done["started"])
    assert 0.01 <= done["duration_s"] < 60


@pytest.fixture
def no_parent_repo(monkeypatch, tmp_path):
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path))
    for var in ("GIT_DIR", "GIT_WORK_TREE"):
        monkeypatch.delenv(var, raising=False)


def test_git_state_of_a_checkout_clean_then_dirty(tmp_path, no_parent_repo):
    repo = tmp_path / "repo"
    repo.mkdir()

    def git(*args):
        subprocess.run(
            ["git", "-c", "user.name=t", "-c", "user.email=t@t", *args],
            cwd=repo,
            check=True,
            capture_output=True,
        )

    git("init", "-q")
    (repo / "a.txt").write_text("a")
    git("add", "a.txt")
    git("commit", "-q", "-m", "a")
    head = subprocess.run(
        ["git", "rev-parse", "HEAD"], cwd=repo, capture_output=True, text=True, check=True
    ).stdout.strip()
    assert manifests._git_state(repo) == (head, False)
    (repo / "a.txt").write_text("b")
    assert manifests._git_state(repo) == (head, True)


def test_git_state_none_outside_a_checkout_or_without_git(tmp_path, no_parent_repo, monkeypatch):
    assert manifests._git_state(tmp_path) == (None, None)
    monkeypatch.setenv("PATH", "")
    assert manifests._git_state(REPO) == (None, None)


# --- results folders -------------------------------------------------------------------------


def test_create_makes_unique_folders(tmp_path):
    first = ResultsFolder.create(tmp_path, "run")
    second = ResultsFolder.create(tmp_path, "run")
    assert (first.path, second.path) == (tmp_path / "run", tmp_path / "run-1")
    assert first.path.is_dir() and second.path.is_dir()
    dated = ResultsFolder.create(tmp_path / "outputs")
    rel = dated.path.relative_to(tmp_path / "outputs").as_posix()
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}/\d{2}-\d{2}-\d{2}(-\d+)?", rel)


def test_results_folder_round_trip(tmp_path):
    folder = ResultsFolder.create(tmp_path, "run")
    df = outcomes(0, 20)
    summary = pd.DataFrame({"rung": [1, 2], "probability": [0.5, 0.25]})
    record = finish_manifest(manifest(3, command=["python", "-m", "sim"]))
    fig = Figure()
    fig.add_subplot().plot([0, 1], [1, 0])

    folder.write_config({"mc": {"R": 20, "seed": 3}, "seed": "${mc.seed}"})
    folder.write_overrides(["mc.R=20", "retaliation=graduated"])
    folder.write_manifest(record)
    folder.write_outcomes(df)
    folder.write_summary(summary)
    png = folder.save_figure(fig, "ladder")

    res = load_results(folder.path)
    assert res.path == folder.path
    assert isinstance(res.config, DictConfig)
    assert OmegaConf.to_container(res.config) == {"mc": {"R": 20, "seed": 3}, "seed": 3}
    assert res.overrides == ["mc.R=20", "retaliation=graduated"]
    assert res.manifest == record
    pd.testing.assert_frame_equal(res.outcomes, df)
    assert res.outcomes.attrs == df.attrs
    pd.testing.assert_frame_equal(res.summary, summary)
    assert res.figures == [png] == [folder.path / "figures" / "ladder.png"]
    with Image.open(png) as image:
        assert image.format == "PNG"
        assert image.info["dpi"] == pytest.approx((150, 150), abs=0.1)
    assert names(folder.path) == sorted(
        ["config.yaml", "figures", "manifest.json", "outcomes.parquet", "overrides.yaml"]
        + ["summary.csv"]
    )
    assert "DataFrame" not in repr(res)


def test_results_folder_chunks_finalize_into_outcomes(tmp_path):
    folder = ResultsFolder(tmp_path / "run")
    writer = folder.chunk_writer()
    writer.write(1, outcomes(5, 5))
    writer.write(0, outcomes(0, 5))
    writer.finalize(folder.outcomes_path)
    folder.write_manifest(manifest(0))
    res = load_results(folder.path)
    assert res.outcomes["replication"].tolist() == list(range(10))
    assert (res.config, res.overrides, res.summary, res.figures) == (None, [], None, [])


def test_save_figure_refuses_paths(tmp_path):
    with pytest.raises(ValueError, match="plain file name"):
        ResultsFolder(tmp_path).save_figure(Figure(), "../up")


def test_load_results_missing_folder(tmp_path):
    missing = tmp_path / "nope"
    with pytest.raises(FileNotFoundError, match=rf"{re.escape(str(missing))}.*manifest\.json"):
        load_results(missing)


def test_load_results_folder_without_manifest(tmp_path):
    (tmp_path / "config.yaml").write_text("a: 1\n")
    with pytest.raises(ValueError, match="not a sim results folder"):
        load_results(tmp_path)


# --- a run that fails on a late input ------------------------------------------------------


def _started(path) -> ResultsFolder:
    results = ResultsFolder.claim(path)
    results.write_config({"seed": 1})
    results.write_overrides(["mc.seed=1"])
    return results


@pytest.mark.parametrize("error", [ValueError("bad row"), FileNotFoundError(2, "missing", "x")])
def test_a_folder_with_only_its_start_files_is_removed_on_an_input_error(tmp_path, error):
    results = _started(tmp_path / "run")
    with pytest.raises(type(error)), results.removed_if_unused():
        raise error
    assert not results.path.exists()


def test_a_folder_holding_a_result_is_kept_on_an_input_error(tmp_path):
    results = _started(tmp_path / "run")
    with pytest.raises(ValueError), results.removed_if_unused():
        results.write_summary(pd.DataFrame({"day": [1]}))
        raise ValueError("bad row")
    assert sorted(p.name for p in results.path.iterdir()) == [
        "config.yaml", "manifest.json", "overrides.yaml", "summary.csv"
    ]  # fmt: skip


@pytest.mark.parametrize("error", [KeyboardInterrupt(), RuntimeError("a bug")])
def test_an_interrupted_or_crashed_run_keeps_its_folder(tmp_path, error):
    results = _started(tmp_path / "run")
    with pytest.raises(type(error)), results.removed_if_unused():
        raise error
    assert (results.path / "manifest.json").is_file()


def test_a_run_that_succeeds_keeps_its_folder(tmp_path):
    results = _started(tmp_path / "run")
    with results.removed_if_unused():
        pass
    assert (results.path / "config.yaml").is_file()
