"""SQLite store of models, downloads, benchmarks and suggestion outcomes (see `ModelStore`)."""

from ._rows import (
    ACTIVE_DOWNLOAD_STATUSES,
    BenchmarkResult,
    BenchmarkRow,
    Download,
    DownloadStatus,
    ModelRecord,
    ModelSpeeds,
    OutcomeCounts,
    StoredModel,
    add_up,
    parse_timestamp,
)
from ._schema import MIGRATIONS, SCHEMA_VERSION, Migration, migrate, schema_version
from ._store import (
    MEMORY,
    STORE_ENV,
    ModelStore,
    StoreCorrupted,
    StoreError,
    default_store_path,
    process_alive,
)

__all__ = [
    "ACTIVE_DOWNLOAD_STATUSES",
    "MEMORY",
    "MIGRATIONS",
    "SCHEMA_VERSION",
    "STORE_ENV",
    "BenchmarkResult",
    "BenchmarkRow",
    "Download",
    "DownloadStatus",
    "Migration",
    "ModelRecord",
    "ModelSpeeds",
    "ModelStore",
    "OutcomeCounts",
    "StoreCorrupted",
    "StoreError",
    "StoredModel",
    "add_up",
    "default_store_path",
    "migrate",
    "parse_timestamp",
    "process_alive",
    "schema_version",
]
