"""The store's schema as an ordered list of migrations, tracked by `PRAGMA user_version`.

Each migration runs in its own transaction together with the version bump, so a failure
leaves the file at the previous version, intact. Append new steps; never edit old ones.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

__all__ = ["MIGRATIONS", "SCHEMA_VERSION", "Migration", "migrate", "schema_version"]


@dataclass(frozen=True, slots=True)
class Migration:
    """One schema step: the version it produces and the statements that produce it."""

    version: int
    description: str
    statements: tuple[str, ...]


MIGRATIONS: tuple[Migration, ...] = (
    Migration(
        1,
        "models and downloads",
        (
            """
            CREATE TABLE models (
                endpoint TEXT NOT NULL,
                name TEXT NOT NULL,
                digest TEXT NOT NULL,
                size INTEGER NOT NULL,
                family TEXT NOT NULL DEFAULT '',
                quantization TEXT NOT NULL DEFAULT '',
                parameter_size TEXT NOT NULL DEFAULT '',
                modified TEXT,
                last_used TEXT,
                PRIMARY KEY (endpoint, name)
            )
            """,
            """
            CREATE TABLE downloads (
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                model TEXT NOT NULL,
                endpoint TEXT NOT NULL,
                status TEXT NOT NULL CHECK (status IN ('queued', 'running', 'verifying',
                    'done', 'failed', 'cancelled', 'interrupted')),
                completed INTEGER NOT NULL DEFAULT 0,
                total INTEGER,
                started TEXT NOT NULL,
                finished TEXT,
                error TEXT,
                owner_pid INTEGER,
                owner_started REAL
            )
            """,
            "CREATE INDEX downloads_by_status ON downloads (status)",
            "CREATE INDEX downloads_by_model ON downloads (endpoint, model)",
        ),
    ),
    Migration(
        2,
        "benchmarks",
        (
            """
            CREATE TABLE benchmarks (
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                model TEXT NOT NULL,
                level TEXT NOT NULL,
                load_ms REAL NOT NULL,
                prompt_tps REAL NOT NULL,
                eval_tps REAL NOT NULL,
                memory_bytes INTEGER NOT NULL,
                agreement REAL,
                run_id TEXT NOT NULL,
                created TEXT NOT NULL
            )
            """,
            "CREATE INDEX benchmarks_by_model ON benchmarks (model, created)",
        ),
    ),
    Migration(
        3,
        "model speeds",
        (
            """
            CREATE TABLE speeds (
                endpoint TEXT NOT NULL,
                model TEXT NOT NULL,
                prompt_tps REAL NOT NULL,
                eval_tps REAL NOT NULL,
                chars_per_token REAL NOT NULL,
                prompt_samples INTEGER NOT NULL,
                eval_samples INTEGER NOT NULL,
                chars_samples INTEGER NOT NULL,
                updated TEXT NOT NULL,
                PRIMARY KEY (endpoint, model)
            )
            """,
        ),
    ),
    Migration(
        4,
        "suggestion outcomes",
        (
            """
            CREATE TABLE suggestion_outcomes (
                kind TEXT NOT NULL,
                language TEXT NOT NULL,
                model TEXT NOT NULL,
                shown INTEGER NOT NULL DEFAULT 0,
                accepted INTEGER NOT NULL DEFAULT 0,
                partial INTEGER NOT NULL DEFAULT 0,
                dismissed INTEGER NOT NULL DEFAULT 0,
                updated TEXT NOT NULL,
                PRIMARY KEY (kind, language, model)
            )
            """,
        ),
    ),
)

SCHEMA_VERSION = MIGRATIONS[-1].version


def schema_version(conn: sqlite3.Connection) -> int:
    """The version the file is at (0 for a new, empty file)."""
    row = conn.execute("PRAGMA user_version").fetchone()
    return int(row[0])


def migrate(
    conn: sqlite3.Connection,
    *,
    target: int = SCHEMA_VERSION,
    migrations: tuple[Migration, ...] = MIGRATIONS,
) -> int:
    """Apply the missing steps up to `target`; returns the version reached.

    `conn` must be in autocommit mode (`isolation_level=None`) so that the explicit
    transactions here are the only ones.
    """
    current = schema_version(conn)
    for step in migrations:
        if step.version <= current or step.version > target:
            continue
        conn.execute("BEGIN IMMEDIATE")
        try:
            for statement in step.statements:
                conn.execute(statement)
            conn.execute(f"PRAGMA user_version = {int(step.version)}")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")
        current = step.version
    return current
