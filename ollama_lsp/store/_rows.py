"""Typed rows of the model store: what callers pass in and get back."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

__all__ = [
    "ACTIVE_DOWNLOAD_STATUSES",
    "BenchmarkResult",
    "BenchmarkRow",
    "Download",
    "DownloadStatus",
    "ModelRecord",
    "ModelSpeeds",
    "OutcomeCounts",
    "StoredModel",
    "add_up",
    "parse_timestamp",
]


def parse_timestamp(text: str | None) -> datetime | None:
    """Ollama's RFC 3339 times (`modified_at`, nanoseconds and offsets included), or None."""
    if not text:
        return None
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        return None


class DownloadStatus(StrEnum):
    """Lifecycle of a pull; the first three are "in flight", the rest are final or resumable."""

    QUEUED = "queued"
    RUNNING = "running"
    VERIFYING = "verifying"
    DONE = "done"
    FAILED = "failed"
    CANCELLED = "cancelled"
    INTERRUPTED = "interrupted"


ACTIVE_DOWNLOAD_STATUSES = frozenset(
    {DownloadStatus.QUEUED, DownloadStatus.RUNNING, DownloadStatus.VERIFYING}
)


@dataclass(frozen=True, slots=True)
class ModelRecord:
    """A model as an endpoint lists it (`/api/tags`), ready to be stored."""

    name: str
    digest: str
    size: int
    family: str = ""
    quantization: str = ""
    parameter_size: str = ""
    modified: datetime | None = None
    """Ollama's `modified_at`, through `parse_timestamp`."""


@dataclass(frozen=True, slots=True)
class StoredModel:
    """A model row: what the endpoint said of it (its `last_used` column is not used)."""

    endpoint: str
    name: str
    digest: str
    size: int
    family: str
    quantization: str
    parameter_size: str
    modified: datetime | None


@dataclass(frozen=True, slots=True)
class Download:
    """A pull of one model from one endpoint; `owner_pid` is the server process running it."""

    id: int
    model: str
    endpoint: str
    status: DownloadStatus
    completed: int
    total: int | None
    started: datetime
    finished: datetime | None
    error: str | None
    owner_pid: int | None

    @property
    def fraction(self) -> float | None:
        """Share done in [0, 1], or None while the total is unknown."""
        if not self.total:
            return None
        return min(1.0, self.completed / self.total)


@dataclass(frozen=True, slots=True)
class BenchmarkResult:
    """One measured level of one model, as the benchmark produces it."""

    model: str
    level: str
    load_ms: float
    prompt_tokens_per_second: float
    eval_tokens_per_second: float
    memory_bytes: int
    agreement: float | None
    run_id: str


@dataclass(frozen=True, slots=True)
class BenchmarkRow:
    """A stored benchmark result with its id and creation time."""

    id: int
    result: BenchmarkResult
    created: datetime


@dataclass(frozen=True, slots=True)
class ModelSpeeds:
    """How fast a model evaluates prompts and writes on one endpoint, learned from Ollama's
    counters, with the number of generations each figure comes from."""

    endpoint: str
    model: str
    prompt_tokens_per_second: float
    eval_tokens_per_second: float
    chars_per_token: float
    prompt_samples: int
    eval_samples: int
    chars_samples: int


@dataclass(frozen=True, slots=True)
class OutcomeCounts:
    """What became of the suggestions of one kind, language and model.

    Each shown suggestion is counted once in ``shown`` and at most once in one of the others,
    the best it reached: ``accepted`` (taken whole), ``partial`` (a word or a line of it
    taken, the rest left) or ``dismissed`` (left without taking anything). The rest were not
    reported by the editor.
    """

    kind: str
    language: str
    model: str
    shown: int = 0
    accepted: int = 0
    partial: int = 0
    dismissed: int = 0

    def rate(self, outcome: str) -> float | None:
        """The share of the shown suggestions that ended in ``outcome`` (``accepted``,
        ``partial``, ``dismissed``); None before any was shown."""
        count: int = getattr(self, outcome)
        return count / self.shown if self.shown else None


def add_up(
    rows: Iterable[OutcomeCounts], *, kind: str = "*", language: str = "*", model: str = "*"
) -> OutcomeCounts:
    """The counts of ``rows`` added up, under the names given (``*``: all)."""
    total = OutcomeCounts(kind, language, model)
    for row in rows:
        total = OutcomeCounts(
            kind,
            language,
            model,
            shown=total.shown + row.shown,
            accepted=total.accepted + row.accepted,
            partial=total.partial + row.partial,
            dismissed=total.dismissed + row.dismissed,
        )
    return total
