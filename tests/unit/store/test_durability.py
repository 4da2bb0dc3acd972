"""The store across processes: migrations, a SIGKILL mid-write, concurrent writers."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from ollama_lsp.store import (
    MIGRATIONS,
    SCHEMA_VERSION,
    BenchmarkResult,
    DownloadStatus,
    Migration,
    ModelStore,
    migrate,
    schema_version,
)

EP = "http://127.0.0.1:11434"


def _connect(path: Path) -> sqlite3.Connection:
    return sqlite3.connect(path, isolation_level=None)


def test_a_version_1_file_is_migrated_and_keeps_its_rows(tmp_path: Path) -> None:
    path = tmp_path / "store.sqlite3"
    conn = _connect(path)
    assert migrate(conn, target=1) == 1
    conn.execute(
        "INSERT INTO models (endpoint, name, digest, size) VALUES (?, 'codellama:7b', 'abc', 5)",
        (EP,),
    )
    conn.execute(
        "INSERT INTO downloads (model, endpoint, status, completed, total, started) "
        "VALUES ('tinyllama', ?, 'running', 40, 100, '2026-01-01T00:00:00+00:00')",
        (EP,),
    )
    conn.close()

    with ModelStore.open(path) as store:
        assert [m.name for m in store.models()] == ["codellama:7b"]
        interrupted = store.recover_on_start()  # an old row without an owner: nobody runs it
        assert [(d.model, d.completed) for d in interrupted] == [("tinyllama", 40)]
        store.record_benchmark(BenchmarkResult("m", "Q8_0", 1.0, 2.0, 3.0, 4, None, "r"))
    with sqlite3.connect(path) as check:
        assert schema_version(check) == SCHEMA_VERSION


def test_a_failing_migration_leaves_the_previous_version_intact(tmp_path: Path) -> None:
    conn = _connect(tmp_path / "store.sqlite3")
    broken = (*MIGRATIONS, Migration(99, "broken", ("CREATE TABLE t (x)", "NOT SQL")))
    with pytest.raises(sqlite3.OperationalError):
        migrate(conn, target=99, migrations=broken)
    assert schema_version(conn) == SCHEMA_VERSION
    tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master")}
    assert "t" not in tables and "benchmarks" in tables


_WRITER = """
import sys
from ollama_lsp.store import ModelStore
store = ModelStore.open(sys.argv[1])
download = store.start_download("codellama:7b-code", "http://127.0.0.1:11434", total=10**9)
completed = 0
while True:
    completed += 4096
    store.update_download(download.id, completed=completed)
    if completed == 4096 * 50:
        print(download.id, flush=True)
"""


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL")
def test_a_download_killed_mid_write_is_interrupted_on_next_open(tmp_path: Path) -> None:
    path = tmp_path / "store.sqlite3"
    writer = subprocess.Popen(
        [sys.executable, "-c", _WRITER, str(path)], stdout=subprocess.PIPE, text=True
    )
    assert writer.stdout is not None
    download_id = int(writer.stdout.readline())  # the writer is now in its update loop
    os.kill(writer.pid, signal.SIGKILL)
    writer.wait()
    writer.stdout.close()

    with ModelStore.open(path) as store:
        assert store.notices == ()  # the file is intact
        recovered = store.recover_on_start()
        assert [d.id for d in recovered] == [download_id]
        (download,) = store.interrupted_downloads()
        assert download.status is DownloadStatus.INTERRUPTED
        assert download.completed >= 4096 * 50 and download.total == 10**9
        resumed = store.start_download(download.model, download.endpoint)
        assert resumed.id == download_id and resumed.status is DownloadStatus.RUNNING


def test_two_connections_write_and_read_concurrently(tmp_path: Path) -> None:
    path = tmp_path / "store.sqlite3"
    first, second = ModelStore.open(path), ModelStore.open(path)
    ids = [first.start_download("a", EP).id, second.start_download("b", EP).id]
    errors: list[BaseException] = []

    def work(store: ModelStore, download_id: int) -> None:
        try:
            for completed in range(1, 101):
                store.update_download(download_id, completed=completed)
                store.downloads_for("a")
        except BaseException as error:  # pragma: no cover - reported below
            errors.append(error)

    threads = [
        threading.Thread(target=work, args=(store, download_id))
        for store in (first, second)
        for download_id in ids
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    downloads = [*second.downloads_for("a"), *second.downloads_for("b")]
    assert [d.completed for d in downloads] == [100, 100]
    first.close()
    second.close()
