"""`ModelStore`: the SQLite file that remembers models, downloads, benchmarks, speeds and what
became of the suggestions shown.

Threading: one connection guarded by a lock. The server runs on asyncio and calls the store
from a thread pool (`asyncio.to_thread`); every method holds the lock only for a few small
statements, so callers never wait long. Several processes (one server per editor window) may
share the file: WAL lets readers run beside a writer, and `busy_timeout` makes writers queue.

Durability: every write is one `BEGIN IMMEDIATE ... COMMIT` transaction, so a process killed
at any instant leaves either the old or the new row, never a broken file.

The server writes the model list, every pull, every benchmark row and the suggestion counts
(`add_outcomes`); it reads back the pulls a killed server left unfinished. `models`,
`downloads_for`, `benchmarks_for` and `outcomes` read the rest back (for inspection, the
status, and the tests that check what was recorded).
"""

from __future__ import annotations

import functools
import logging
import os
import sqlite3
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Final

import platformdirs
import psutil

from ._rows import (
    BenchmarkResult,
    BenchmarkRow,
    Download,
    DownloadStatus,
    ModelRecord,
    ModelSpeeds,
    OutcomeCounts,
    StoredModel,
)
from ._schema import SCHEMA_VERSION, migrate, schema_version

__all__ = [
    "MEMORY",
    "ModelStore",
    "StoreCorrupted",
    "StoreError",
    "default_store_path",
    "process_alive",
]

log = logging.getLogger(__name__)

MEMORY: Final = ":memory:"
_APP_NAME: Final = "ollama-lsp"
_FILE_NAME: Final = "store.sqlite3"
_BUSY_TIMEOUT_MS: Final = 5000
_SQLITE_CORRUPT: Final = 11
_SQLITE_NOTADB: Final = 26
_FINAL_STATUSES: Final = frozenset(
    {DownloadStatus.DONE, DownloadStatus.FAILED, DownloadStatus.CANCELLED}
)

ProcessCheck = Callable[[int, float | None], bool]
Clock = Callable[[], datetime]


class StoreError(Exception):
    """The store could not do what was asked; `.message` says why."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class StoreCorrupted(StoreError):
    """The file is not a readable SQLite database."""


#: Names the store file (or `:memory:`) in place of the default; the server and CLI honour it.
STORE_ENV = "OLLAMA_LSP_STORE"


def default_store_path() -> Path | str:
    """`$OLLAMA_LSP_STORE` when set, else `store.sqlite3` in the user's data directory
    (`$XDG_DATA_HOME/ollama-lsp` on Linux)."""
    override = os.environ.get(STORE_ENV)
    if override:
        return override
    return platformdirs.user_data_path(_APP_NAME, appauthor=False) / _FILE_NAME


def _utcnow() -> datetime:
    return datetime.now(UTC)


def _to_text(when: datetime | None) -> str | None:
    if when is None:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return when.astimezone(UTC).isoformat()


def _from_text(text: str | None) -> datetime | None:
    return None if text is None else datetime.fromisoformat(text)


def _process_started(pid: int) -> float | None:
    try:
        return psutil.Process(pid).create_time()
    except psutil.Error:
        return None


def process_alive(pid: int, started: float | None) -> bool:
    """Whether `pid` still runs and is the same process that started (not a reused id)."""
    try:
        proc = psutil.Process(pid)
        if proc.status() == psutil.STATUS_ZOMBIE:
            return False
        return started is None or abs(proc.create_time() - started) < 1.0
    except psutil.NoSuchProcess:
        return False
    except psutil.AccessDenied:
        return True


def _is_corruption(error: sqlite3.DatabaseError) -> bool:
    code = getattr(error, "sqlite_errorcode", None)
    return code is not None and code & 0xFF in (_SQLITE_CORRUPT, _SQLITE_NOTADB)


class ModelStore:
    """Models, downloads and benchmarks in one SQLite file. Open with `ModelStore.open()`."""

    def __init__(
        self,
        conn: sqlite3.Connection,
        *,
        path: Path | None,
        clock: Clock = _utcnow,
        notices: tuple[str, ...] = (),
        max_finished_downloads: int = 500,
        max_benchmarks: int = 5000,
        max_outcome_rows: int = 1000,
    ) -> None:
        self._conn = conn
        self._lock = threading.RLock()
        self._clock = clock
        self._pid = os.getpid()
        self._pid_started = _process_started(self._pid)
        self._max_finished_downloads = max_finished_downloads
        self._max_benchmarks = max_benchmarks
        self._max_outcome_rows = max_outcome_rows
        self.path = path
        """The file in use, or None for an in-memory store."""
        self.notices = notices
        """What happened while opening (a corrupt file moved aside...), for the user's log."""

    # -- opening and closing ------------------------------------------------------------

    @classmethod
    def open(
        cls,
        path: str | Path | None = None,
        *,
        recover_corrupt: bool = True,
        clock: Clock = _utcnow,
        max_finished_downloads: int = 500,
        max_benchmarks: int = 5000,
        max_outcome_rows: int = 1000,
    ) -> ModelStore:
        """Open (creating and migrating) the store at `path` (default: the user data dir).

        Never fails for the server's sake; `notices` says what went wrong instead:
        - a corrupt file is renamed to `<name>.corrupt-<time>` and a fresh store is created
          (with `recover_corrupt=False`, `StoreCorrupted` is raised instead);
        - a file written by a newer ollama-lsp, or one that cannot be opened at all (no
          permission, locked too long), is left untouched and the store lives in memory.
        """
        make = functools.partial(
            cls,
            clock=clock,
            max_finished_downloads=max_finished_downloads,
            max_benchmarks=max_benchmarks,
            max_outcome_rows=max_outcome_rows,
        )

        def in_memory(notice: str) -> ModelStore:
            log.warning(notice)
            return make(_connect(MEMORY), path=None, notices=(notice,))

        if path is None:
            path = default_store_path()
        if str(path) == MEMORY:
            return make(_connect(MEMORY), path=None)
        file = Path(path)
        try:
            file.parent.mkdir(parents=True, exist_ok=True)
            return make(_connect(str(file)), path=file)
        except _NewerSchema as newer:
            return in_memory(
                f"The model store {file} was written by a newer ollama-lsp (schema "
                f"{newer.version} > {SCHEMA_VERSION}); it is left untouched and this session "
                "keeps its records in memory only."
            )
        except sqlite3.DatabaseError as error:
            if not _is_corruption(error) and not isinstance(error, _FailedCheck):
                return in_memory(
                    f"Cannot open the model store {file} ({error}); this session keeps its "
                    "records in memory only."
                )
            if not recover_corrupt:
                raise StoreCorrupted(
                    f"The model store {file} is corrupt ({error}); move it aside or delete it."
                ) from error
            try:
                moved = _move_aside(file, clock())
            except OSError as move_error:
                return in_memory(
                    f"The model store {file} is corrupt ({error}) and could not be moved aside "
                    f"({move_error}); this session keeps its records in memory only."
                )
            notice = (
                f"The model store {file} was corrupt ({error}); it was moved to {moved.name} "
                "and a fresh store was created. Download history and benchmarks start over."
            )
            log.warning(notice)
            return make(_connect(str(file)), path=file, notices=(notice,))
        except OSError as error:
            return in_memory(
                f"Cannot create the model store {file} ({error}); this session keeps its "
                "records in memory only."
            )

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    def __enter__(self) -> ModelStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- plumbing ---------------------------------------------------------------------------

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """One write transaction; any sqlite error becomes `StoreError` after a rollback."""
        with self._lock:
            try:
                self._conn.execute("BEGIN IMMEDIATE")
            except sqlite3.Error as error:
                raise StoreError(f"The model store cannot be written: {error}") from error
            try:
                yield self._conn
            except BaseException as error:
                self._conn.execute("ROLLBACK")
                if isinstance(error, sqlite3.Error):
                    raise StoreError(f"The model store write failed: {error}") from error
                raise
            self._conn.execute("COMMIT")

    def _read(self, sql: str, params: Iterable[Any] = ()) -> list[sqlite3.Row]:
        with self._lock:
            try:
                return self._conn.execute(sql, tuple(params)).fetchall()
            except sqlite3.Error as error:
                raise StoreError(f"The model store cannot be read: {error}") from error

    def _now(self) -> str:
        text = _to_text(self._clock())
        assert text is not None
        return text

    # -- models -----------------------------------------------------------------------------

    def upsert_models(
        self, endpoint: str, models: Iterable[ModelRecord], *, prune: bool = True
    ) -> None:
        """Store what `endpoint` lists; with `prune`, forget its models that are gone."""
        records = list(models)
        with self._write() as conn:
            conn.executemany(
                """
                INSERT INTO models (endpoint, name, digest, size, family, quantization,
                                    parameter_size, modified)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (endpoint, name) DO UPDATE SET
                    digest = excluded.digest, size = excluded.size, family = excluded.family,
                    quantization = excluded.quantization,
                    parameter_size = excluded.parameter_size, modified = excluded.modified
                """,
                [
                    (
                        endpoint,
                        m.name,
                        m.digest,
                        m.size,
                        m.family,
                        m.quantization,
                        m.parameter_size,
                        _to_text(m.modified),
                    )
                    for m in records
                ],
            )
            if prune:
                keep = {m.name for m in records}
                stored = conn.execute("SELECT name FROM models WHERE endpoint = ?", (endpoint,))
                gone = [(endpoint, name) for (name,) in stored.fetchall() if name not in keep]
                conn.executemany("DELETE FROM models WHERE endpoint = ? AND name = ?", gone)

    def remove_model(self, endpoint: str, name: str) -> bool:
        """Forget one model (after a delete); returns whether it was known."""
        with self._write() as conn:
            cursor = conn.execute(
                "DELETE FROM models WHERE endpoint = ? AND name = ?", (endpoint, name)
            )
            return cursor.rowcount > 0

    def models(self, endpoint: str | None = None) -> list[StoredModel]:
        """Known models, by endpoint and name."""
        where, params = ("WHERE endpoint = ?", (endpoint,)) if endpoint else ("", ())
        rows = self._read(f"SELECT * FROM models {where} ORDER BY endpoint, name", params)
        return [_model(row) for row in rows]

    # -- downloads --------------------------------------------------------------------------

    def queue_download(self, model: str, endpoint: str) -> Download:
        """Record a pull waiting for its turn; an unfinished one for the same model is reused."""
        return self._claim_download(model, endpoint, DownloadStatus.QUEUED)

    def start_download(self, model: str, endpoint: str, *, total: int | None = None) -> Download:
        """Mark a pull as running in this process.

        A queued or interrupted row for the same model and endpoint is resumed (its
        `completed` bytes are kept until the first progress update); otherwise a row is added.
        """
        return self._claim_download(model, endpoint, DownloadStatus.RUNNING, total)

    def _claim_download(
        self, model: str, endpoint: str, status: DownloadStatus, total: int | None = None
    ) -> Download:
        now = self._now()
        with self._write() as conn:
            row = conn.execute(
                "SELECT id FROM downloads WHERE endpoint = ? AND model = ? "
                "AND status IN ('queued', 'interrupted', 'running', 'verifying') "
                "ORDER BY id DESC LIMIT 1",
                (endpoint, model),
            ).fetchone()
            owner = (self._pid, self._pid_started)
            if row is None:
                cursor = conn.execute(
                    "INSERT INTO downloads (model, endpoint, status, total, started, "
                    "owner_pid, owner_started) VALUES (?, ?, ?, ?, ?, ?, ?)",
                    (model, endpoint, status.value, total, now, *owner),
                )
                download_id = int(cursor.lastrowid or 0)
            else:
                download_id = int(row["id"])
                conn.execute(
                    "UPDATE downloads SET status = CASE WHEN status IN ('running', 'verifying') "
                    "THEN status ELSE ? END, total = COALESCE(?, total), started = ?, "
                    "finished = NULL, error = NULL, owner_pid = ?, owner_started = ? "
                    "WHERE id = ?",
                    (status.value, total, now, *owner, download_id),
                )
            return _download(self._one(conn, download_id))

    def update_download(
        self,
        download_id: int,
        *,
        completed: int,
        total: int | None = None,
        status: DownloadStatus = DownloadStatus.RUNNING,
    ) -> Download:
        """Record progress (callers throttle to a few updates a second)."""
        if status not in (DownloadStatus.RUNNING, DownloadStatus.VERIFYING):
            raise ValueError(f"progress cannot set status {status}; use finish_download")
        with self._write() as conn:
            conn.execute(
                "UPDATE downloads SET completed = ?, total = COALESCE(?, total), status = ? "
                "WHERE id = ?",
                (completed, total, status.value, download_id),
            )
            return _download(self._one(conn, download_id))

    def finish_download(
        self, download_id: int, status: DownloadStatus, error: str | None = None
    ) -> Download:
        """Close a pull as done, failed or cancelled; old finished rows are pruned."""
        if status not in _FINAL_STATUSES:
            raise ValueError(f"{status} is not a final status")
        with self._write() as conn:
            conn.execute(
                "UPDATE downloads SET status = ?, error = ?, finished = ?, "
                "completed = CASE WHEN ? = 'done' AND total IS NOT NULL "
                "THEN total ELSE completed END WHERE id = ?",
                (status.value, error, self._now(), status.value, download_id),
            )
            finished = _download(self._one(conn, download_id))
            conn.execute(
                "DELETE FROM downloads WHERE finished IS NOT NULL AND id NOT IN "
                "(SELECT id FROM downloads WHERE finished IS NOT NULL ORDER BY id DESC LIMIT ?)",
                (self._max_finished_downloads,),
            )
            return finished

    def downloads_for(self, model: str, endpoint: str | None = None) -> list[Download]:
        """A model's pulls, newest first."""
        sql = "SELECT * FROM downloads WHERE model = ?"
        params: tuple[str, ...] = (model,)
        if endpoint is not None:
            sql += " AND endpoint = ?"
            params += (endpoint,)
        return [_download(row) for row in self._read(sql + " ORDER BY id DESC", params)]

    def interrupted_downloads(self) -> list[Download]:
        """Pulls cut short by a dead process, oldest first: candidates to resume."""
        rows = self._read("SELECT * FROM downloads WHERE status = 'interrupted' ORDER BY id")
        return [_download(row) for row in rows]

    def recover_on_start(self, *, is_alive: ProcessCheck = process_alive) -> list[Download]:
        """Mark in-flight pulls whose owning process is gone as interrupted; returns them.

        Pulls owned by another live server (a second editor window) are left alone.
        """
        with self._write() as conn:
            rows = conn.execute(
                "SELECT * FROM downloads WHERE status IN ('queued', 'running', 'verifying')"
            ).fetchall()
            dead = [
                row["id"]
                for row in rows
                if row["owner_pid"] is None or not is_alive(row["owner_pid"], row["owner_started"])
            ]
            conn.executemany(
                "UPDATE downloads SET status = 'interrupted' WHERE id = ?",
                [(download_id,) for download_id in dead],
            )
            return [_download(self._one(conn, download_id)) for download_id in dead]

    @staticmethod
    def _one(conn: sqlite3.Connection, download_id: int) -> sqlite3.Row:
        row = conn.execute("SELECT * FROM downloads WHERE id = ?", (download_id,)).fetchone()
        if row is None:
            raise StoreError(f"No download with id {download_id}.")
        result: sqlite3.Row = row
        return result

    # -- benchmarks -------------------------------------------------------------------------

    def record_benchmark(self, result: BenchmarkResult) -> BenchmarkRow:
        """Store one measured level; the oldest rows beyond the cap are pruned."""
        created = self._now()
        with self._write() as conn:
            cursor = conn.execute(
                "INSERT INTO benchmarks (model, level, load_ms, prompt_tps, eval_tps, "
                "memory_bytes, agreement, run_id, created) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    result.model,
                    result.level,
                    result.load_ms,
                    result.prompt_tokens_per_second,
                    result.eval_tokens_per_second,
                    result.memory_bytes,
                    result.agreement,
                    result.run_id,
                    created,
                ),
            )
            row_id = int(cursor.lastrowid or 0)
            conn.execute(
                "DELETE FROM benchmarks WHERE id NOT IN "
                "(SELECT id FROM benchmarks ORDER BY id DESC LIMIT ?)",
                (self._max_benchmarks,),
            )
        created_at = _from_text(created)
        assert created_at is not None
        return BenchmarkRow(id=row_id, result=result, created=created_at)

    def benchmarks_for(self, model: str, *, run_id: str | None = None) -> list[BenchmarkRow]:
        """A model's results (optionally of one run), oldest first."""
        sql = "SELECT * FROM benchmarks WHERE model = ?"
        params: tuple[str, ...] = (model,)
        if run_id is not None:
            sql += " AND run_id = ?"
            params += (run_id,)
        return [_benchmark(row) for row in self._read(sql + " ORDER BY id", params)]

    # -- speeds -----------------------------------------------------------------------------

    def save_speeds(self, speeds: Iterable[ModelSpeeds]) -> None:
        """Remember what each (endpoint, model) was measured at, replacing the old figures."""
        rows = [
            (
                s.endpoint,
                s.model,
                s.prompt_tokens_per_second,
                s.eval_tokens_per_second,
                s.chars_per_token,
                s.prompt_samples,
                s.eval_samples,
                s.chars_samples,
                self._now(),
            )
            for s in speeds
        ]
        with self._write() as conn:
            conn.executemany(
                "INSERT OR REPLACE INTO speeds (endpoint, model, prompt_tps, eval_tps, "
                "chars_per_token, prompt_samples, eval_samples, chars_samples, updated) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                rows,
            )

    def speeds(self) -> list[ModelSpeeds]:
        """Every remembered (endpoint, model) speed, the most recently measured first."""
        rows = self._read("SELECT * FROM speeds ORDER BY updated DESC")
        return [
            ModelSpeeds(
                endpoint=row["endpoint"],
                model=row["model"],
                prompt_tokens_per_second=row["prompt_tps"],
                eval_tokens_per_second=row["eval_tps"],
                chars_per_token=row["chars_per_token"],
                prompt_samples=row["prompt_samples"],
                eval_samples=row["eval_samples"],
                chars_samples=row["chars_samples"],
            )
            for row in rows
        ]

    # -- suggestion outcomes ----------------------------------------------------------------

    def add_outcomes(self, changes: Iterable[OutcomeCounts]) -> None:
        """Add each row's counts (changes, possibly negative) to the stored ones.

        One row per kind, language and model; beyond the cap, the rows updated longest ago
        are pruned.
        """
        rows = [
            (c.kind, c.language, c.model, c.shown, c.accepted, c.partial, c.dismissed)
            for c in changes
        ]
        if not rows:
            return
        now = self._now()
        with self._write() as conn:
            conn.executemany(
                """
                INSERT INTO suggestion_outcomes (kind, language, model, shown, accepted,
                                                 partial, dismissed, updated)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (kind, language, model) DO UPDATE SET
                    shown = shown + excluded.shown,
                    accepted = accepted + excluded.accepted,
                    partial = partial + excluded.partial,
                    dismissed = dismissed + excluded.dismissed,
                    updated = excluded.updated
                """,
                [(*row, now) for row in rows],
            )
            conn.execute(
                "UPDATE suggestion_outcomes SET shown = MAX(shown, 0), accepted = "
                "MAX(accepted, 0), partial = MAX(partial, 0), dismissed = MAX(dismissed, 0) "
                "WHERE MIN(shown, accepted, partial, dismissed) < 0"
            )
            conn.execute(
                "DELETE FROM suggestion_outcomes WHERE rowid NOT IN (SELECT rowid FROM "
                "suggestion_outcomes ORDER BY updated DESC, rowid DESC LIMIT ?)",
                (self._max_outcome_rows,),
            )

    def outcomes(self, kind: str | None = None) -> list[OutcomeCounts]:
        """The counts per kind, language and model (of one kind if given), most shown first."""
        sql = "SELECT * FROM suggestion_outcomes"
        params: tuple[str, ...] = ()
        if kind is not None:
            sql += " WHERE kind = ?"
            params = (kind,)
        rows = self._read(sql + " ORDER BY shown DESC, kind, language, model", params)
        return [
            OutcomeCounts(
                kind=row["kind"],
                language=row["language"],
                model=row["model"],
                shown=row["shown"],
                accepted=row["accepted"],
                partial=row["partial"],
                dismissed=row["dismissed"],
            )
            for row in rows
        ]


# -- connection and row helpers ---------------------------------------------------------------


class _NewerSchema(Exception):
    def __init__(self, version: int) -> None:
        super().__init__(version)
        self.version = version


class _FailedCheck(sqlite3.DatabaseError):
    """`PRAGMA quick_check` found damage that plain reads might not hit yet."""


def _connect(target: str) -> sqlite3.Connection:
    conn = sqlite3.connect(
        target, isolation_level=None, check_same_thread=False, timeout=_BUSY_TIMEOUT_MS / 1000
    )
    try:
        conn.row_factory = sqlite3.Row
        conn.execute(f"PRAGMA busy_timeout = {_BUSY_TIMEOUT_MS}")
        if target != MEMORY:
            check = conn.execute("PRAGMA quick_check").fetchone()
            if check is None or check[0] != "ok":
                raise _FailedCheck(f"integrity check failed: {check[0] if check else 'no answer'}")
        version = schema_version(conn)
        if version > SCHEMA_VERSION:
            raise _NewerSchema(version)
        if target != MEMORY:
            conn.execute("PRAGMA journal_mode = WAL")
            conn.execute("PRAGMA synchronous = NORMAL")
        migrate(conn)
    except BaseException:
        conn.close()
        raise
    return conn


def _move_aside(file: Path, now: datetime) -> Path:
    """Rename the damaged file (and its WAL and shared-memory files) out of the way."""
    stamp = now.astimezone(UTC).strftime("%Y%m%dT%H%M%S")
    target = file.with_name(f"{file.name}.corrupt-{stamp}")
    counter = 1
    while target.exists():
        target = file.with_name(f"{file.name}.corrupt-{stamp}-{counter}")
        counter += 1
    file.replace(target)
    for suffix in ("-wal", "-shm"):
        sidecar = file.with_name(file.name + suffix)
        if sidecar.exists():
            sidecar.replace(target.with_name(target.name + suffix))
    return target


def _model(row: sqlite3.Row) -> StoredModel:
    return StoredModel(
        endpoint=row["endpoint"],
        name=row["name"],
        digest=row["digest"],
        size=row["size"],
        family=row["family"],
        quantization=row["quantization"],
        parameter_size=row["parameter_size"],
        modified=_from_text(row["modified"]),
    )


def _download(row: sqlite3.Row) -> Download:
    started = _from_text(row["started"])
    assert started is not None
    return Download(
        id=row["id"],
        model=row["model"],
        endpoint=row["endpoint"],
        status=DownloadStatus(row["status"]),
        completed=row["completed"],
        total=row["total"],
        started=started,
        finished=_from_text(row["finished"]),
        error=row["error"],
        owner_pid=row["owner_pid"],
    )


def _benchmark(row: sqlite3.Row) -> BenchmarkRow:
    created = _from_text(row["created"])
    assert created is not None
    return BenchmarkRow(
        id=row["id"],
        result=BenchmarkResult(
            model=row["model"],
            level=row["level"],
            load_ms=row["load_ms"],
            prompt_tokens_per_second=row["prompt_tps"],
            eval_tokens_per_second=row["eval_tps"],
            memory_bytes=row["memory_bytes"],
            agreement=row["agreement"],
            run_id=row["run_id"],
        ),
        created=created,
    )
