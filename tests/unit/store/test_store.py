"""ModelStore: models, downloads, benchmarks, suggestion outcomes, recovery and opening."""

from __future__ import annotations

import sqlite3
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from ollama_lsp.store import (
    BenchmarkResult,
    DownloadStatus,
    ModelRecord,
    ModelStore,
    OutcomeCounts,
    StoreCorrupted,
    StoreError,
    default_store_path,
    parse_timestamp,
    schema_version,
)

EP = "http://127.0.0.1:11434"


@pytest.fixture
def store() -> ModelStore:
    return ModelStore.open(":memory:")


def record(name: str, digest: str = "d1", size: int = 100) -> ModelRecord:
    return ModelRecord(name=name, digest=digest, size=size, family="llama", quantization="Q4_0")


def bench(model: str, level: str, run_id: str = "r1") -> BenchmarkResult:
    return BenchmarkResult(model, level, 120.0, 300.0, 40.0, 4_000_000_000, 0.9, run_id)


def test_upsert_prunes_gone_models_and_updates_the_others(store: ModelStore) -> None:
    store.upsert_models(EP, [record("a:1"), record("b:1")])
    store.upsert_models(EP, [record("a:1", digest="d2", size=200), record("c:1")])
    models = {m.name: m for m in store.models(EP)}
    assert set(models) == {"a:1", "c:1"}
    assert models["a:1"].digest == "d2" and models["a:1"].size == 200


def test_models_of_other_endpoints_are_not_pruned(store: ModelStore) -> None:
    store.upsert_models(EP, [record("a:1")])
    store.upsert_models("http://other:11434", [record("b:1")])
    assert [m.name for m in store.models(EP)] == ["a:1"]
    assert store.remove_model(EP, "a:1") and not store.remove_model(EP, "a:1")
    assert [m.name for m in store.models()] == ["b:1"]


def test_download_lifecycle(store: ModelStore) -> None:
    d = store.start_download("m:1", EP)
    assert d.status is DownloadStatus.RUNNING and d.fraction is None
    d = store.update_download(d.id, completed=50, total=200)
    assert d.fraction == 0.25
    d = store.update_download(d.id, completed=200, status=DownloadStatus.VERIFYING)
    assert d.status is DownloadStatus.VERIFYING and d.total == 200
    d = store.finish_download(d.id, DownloadStatus.DONE)
    assert d.status is DownloadStatus.DONE and d.finished is not None
    assert store.downloads_for("m:1") == [d]


def test_progress_and_finish_reject_wrong_statuses(store: ModelStore) -> None:
    d = store.start_download("m:1", EP)
    with pytest.raises(ValueError):
        store.update_download(d.id, completed=1, status=DownloadStatus.DONE)
    with pytest.raises(ValueError):
        store.finish_download(d.id, DownloadStatus.RUNNING)
    with pytest.raises(StoreError):
        store.update_download(9999, completed=1)


def test_failed_download_keeps_its_error_and_progress(store: ModelStore) -> None:
    d = store.start_download("m:1", EP, total=1000)
    store.update_download(d.id, completed=300)
    d = store.finish_download(d.id, DownloadStatus.FAILED, "connection reset")
    assert (d.completed, d.error) == (300, "connection reset")


def test_queued_then_started_reuses_one_row(store: ModelStore) -> None:
    queued = store.queue_download("m:1", EP)
    assert queued.status is DownloadStatus.QUEUED
    running = store.start_download("m:1", EP)
    assert running.id == queued.id and running.status is DownloadStatus.RUNNING
    assert len(store.downloads_for("m:1")) == 1


def test_recover_marks_only_dead_owners_interrupted_and_resume_reuses_row(
    store: ModelStore,
) -> None:
    mine = store.start_download("mine:1", EP)
    store.update_download(mine.id, completed=10, total=100)
    other = store.start_download("other:1", "http://other:11434")
    alive_pids: set[int] = set()  # nobody is alive: both rows belong to a dead process
    recovered = store.recover_on_start(is_alive=lambda pid, started: pid in alive_pids)
    assert {d.id for d in recovered} == {mine.id, other.id}
    assert all(d.status is DownloadStatus.INTERRUPTED for d in store.interrupted_downloads())

    resumed = store.start_download("mine:1", EP)
    assert resumed.id == mine.id and resumed.completed == 10
    assert resumed.status is DownloadStatus.RUNNING
    assert [d.id for d in store.interrupted_downloads()] == [other.id]


def test_recover_leaves_downloads_of_live_processes_alone(store: ModelStore) -> None:
    store.start_download("m:1", EP)  # owned by this (live) test process
    assert store.recover_on_start() == []
    assert [d.status for d in store.downloads_for("m:1")] == [DownloadStatus.RUNNING]


def test_finished_downloads_are_pruned_to_the_cap() -> None:
    store = ModelStore.open(":memory:", max_finished_downloads=3)
    for i in range(5):
        d = store.start_download(f"m{i}", EP)
        store.finish_download(d.id, DownloadStatus.DONE)
    store.start_download("live", EP)
    kept = [name for name in ("m0", "m1", "m2", "m3", "m4", "live") if store.downloads_for(name)]
    assert kept == ["m2", "m3", "m4", "live"]


def test_benchmarks_are_pruned_to_the_cap() -> None:
    store = ModelStore.open(":memory:", max_benchmarks=2)
    for level in ("Q4_0", "Q4_K_M", "Q8_0"):
        store.record_benchmark(bench("m", level))
    assert [r.result.level for r in store.benchmarks_for("m")] == ["Q4_K_M", "Q8_0"]


def test_benchmarks_round_trip_and_filter_by_run(store: ModelStore) -> None:
    store.record_benchmark(bench("codellama:7b-code", "Q4_K_M", "r1"))
    store.record_benchmark(bench("codellama:7b-code", "Q8_0", "r1"))
    store.record_benchmark(bench("codellama:7b-code", "Q4_K_M", "r2"))
    store.record_benchmark(bench("tinyllama", "Q4_0", "r1"))
    rows = store.benchmarks_for("codellama:7b-code")
    assert [r.result.level for r in rows] == ["Q4_K_M", "Q8_0", "Q4_K_M"]
    assert rows[0].result == bench("codellama:7b-code", "Q4_K_M", "r1")
    assert len(store.benchmarks_for("codellama:7b-code", run_id="r2")) == 1


def test_outcome_changes_add_up_per_kind_language_and_model(store: ModelStore) -> None:
    model = "qwen2.5-coder:1.5b-base"
    store.add_outcomes([OutcomeCounts("completion", "python", model, shown=3, dismissed=2)])
    store.add_outcomes(
        [
            OutcomeCounts("completion", "python", model, shown=1, accepted=1, dismissed=-1),
            OutcomeCounts("completion", "go", model, shown=1, partial=1),
            OutcomeCounts("nextEdit", "python", model, shown=1),
        ]
    )
    assert store.outcomes("completion") == [
        OutcomeCounts("completion", "python", model, shown=4, accepted=1, dismissed=1),
        OutcomeCounts("completion", "go", model, shown=1, partial=1),
    ]
    assert [o.kind for o in store.outcomes()] == ["completion", "completion", "nextEdit"]


def test_outcome_counts_never_go_below_zero(store: ModelStore) -> None:
    store.add_outcomes([OutcomeCounts("completion", "python", "m", shown=1, dismissed=-1)])
    store.add_outcomes([OutcomeCounts("completion", "python", "m", dismissed=-1)])
    assert store.outcomes() == [OutcomeCounts("completion", "python", "m", shown=1)]


def test_outcome_rows_are_pruned_to_the_cap_oldest_update_first() -> None:
    clock = iter(datetime(2026, 1, 1, 0, 0, s, tzinfo=UTC) for s in range(10))
    store = ModelStore.open(":memory:", max_outcome_rows=2, clock=lambda: next(clock))
    for language in ("c", "go", "rust"):
        store.add_outcomes([OutcomeCounts("completion", language, "m", shown=1)])
    store.add_outcomes([OutcomeCounts("completion", "go", "m", shown=1)])
    store.add_outcomes([OutcomeCounts("completion", "lua", "m", shown=1)])
    assert sorted(o.language for o in store.outcomes()) == ["go", "lua"]


def test_timestamps_come_from_the_clock_in_utc() -> None:
    now = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    store = ModelStore.open(":memory:", clock=lambda: now)
    d = store.start_download("m", EP)
    assert d.started == now
    d = store.finish_download(d.id, DownloadStatus.DONE)
    assert d.finished == now


def test_opens_in_the_user_data_dir_and_creates_a_wal_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    if sys.platform != "linux":
        pytest.skip("XDG layout is Linux only")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    path = default_store_path()
    assert path == tmp_path / "data" / "ollama-lsp" / "store.sqlite3"
    with ModelStore.open() as store:
        assert store.path == path
        store.start_download("m", EP)
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_corrupt_file_is_moved_aside_and_a_fresh_store_starts(tmp_path: Path) -> None:
    path = tmp_path / "store.sqlite3"
    path.write_bytes(b"this is not a database at all" * 200)
    store = ModelStore.open(path)
    assert store.path == path
    assert len(store.notices) == 1 and "corrupt" in store.notices[0]
    store.start_download("m", EP)
    aside = list(tmp_path.glob("store.sqlite3.corrupt-*"))
    assert len(aside) == 1 and aside[0].read_bytes().startswith(b"this is not")
    store.close()


def test_damaged_pages_are_detected_at_open(tmp_path: Path) -> None:
    path = tmp_path / "store.sqlite3"
    with ModelStore.open(path) as store:
        store.upsert_models(EP, [record(f"model-{i}:latest" * 4) for i in range(300)])
    with sqlite3.connect(path) as conn:  # fold the WAL into the main file
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    data = bytearray(path.read_bytes())
    page = 4096
    data[2 * page : 4 * page] = b"\xa5" * (2 * page)  # smash two b-tree pages
    path.write_bytes(bytes(data))

    with pytest.raises(StoreCorrupted, match="corrupt"):
        ModelStore.open(path, recover_corrupt=False)
    store = ModelStore.open(path)
    assert store.notices and store.models() == []
    store.close()


def test_file_from_a_newer_version_is_left_alone(tmp_path: Path) -> None:
    path = tmp_path / "store.sqlite3"
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA user_version = 99")
    before = path.read_bytes()
    store = ModelStore.open(path)
    assert store.path is None and "newer" in store.notices[0]
    store.start_download("m", EP)  # usable, in memory
    assert path.read_bytes() == before
    with sqlite3.connect(path) as conn:
        assert schema_version(conn) == 99


def test_ollama_timestamps_parse_and_round_trip(store: ModelStore) -> None:
    modified = parse_timestamp("2024-06-04T14:38:31.83753-07:00")
    assert modified == datetime(2024, 6, 4, 21, 38, 31, 837530, tzinfo=UTC)
    assert parse_timestamp("2026-09-25T12:53:40.297500004Z") is not None  # nanoseconds
    assert parse_timestamp("yesterday") is None and parse_timestamp(None) is None
    store.upsert_models(EP, [ModelRecord("m", "d", 1, modified=modified)])
    assert [m.modified for m in store.models(EP)] == [modified]


def test_an_unusable_location_falls_back_to_memory(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("")
    store = ModelStore.open(blocker / "store.sqlite3")
    assert store.path is None and "Cannot create" in store.notices[0]
    store.start_download("m", EP)
    directory = tmp_path / "a-directory.sqlite3"
    directory.mkdir()
    store = ModelStore.open(directory)  # sqlite cannot open a directory
    assert store.path is None and "Cannot open" in store.notices[0]
