"""What the emulator received and did: per-request records and global counters."""

from __future__ import annotations

import itertools
import threading
import time
from dataclasses import asdict, dataclass, field
from typing import Any

__all__ = ["Counters", "RecordedRequest", "Recorder"]


@dataclass
class RecordedRequest:
    """One HTTP request. Times are ``time.monotonic()`` seconds; ``None`` until they happen.

    ``prompt`` is the text the model saw (after templating); ``fim_prefix``/``fim_suffix`` are
    set when that text was a fill-in-the-middle prompt.
    """

    id: int
    method: str
    path: str
    body: Any
    started: float
    wall_time: float
    first_byte: float | None = None
    finished: float | None = None
    status: int | None = None
    disconnected: bool = False
    prompt: str | None = None
    fim_layout: str | None = None
    fim_prefix: str | None = None
    fim_suffix: str | None = None
    tokens_generated: int = 0
    chunks_sent: int = 0
    # A finished generation's Ollama metrics (prompt_eval_count, eval_duration, ...).
    metrics: dict[str, int] = field(default_factory=dict)

    @property
    def model(self) -> str | None:
        if isinstance(self.body, dict):
            value = self.body.get("model") or self.body.get("name")
            return str(value) if value is not None else None
        return None

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Counters:
    """Totals since start (or the last reset); tests assert ``tokens_after_disconnect == 0``."""

    generations_started: int = 0
    generations_completed: int = 0
    generations_cancelled: int = 0
    tokens_generated: int = 0
    tokens_after_disconnect: int = 0
    loads: int = 0
    unloads: int = 0
    evictions: int = 0
    downloads_started: int = 0
    downloads_cancelled: int = 0
    downloads_completed: int = 0
    bytes_downloaded: int = 0

    def to_json(self) -> dict[str, int]:
        return asdict(self)


@dataclass
class Recorder:
    """Thread-safe store of requests; written by the server loop, read from test threads."""

    requests: list[RecordedRequest] = field(default_factory=list)
    counters: Counters = field(default_factory=Counters)
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def start(self, method: str, path: str, body: Any) -> RecordedRequest:
        record = RecordedRequest(next(self._ids), method, path, body, time.monotonic(), time.time())
        with self._lock:
            self.requests.append(record)
        return record

    def snapshot(self) -> list[RecordedRequest]:
        with self._lock:
            return list(self.requests)

    def clear(self) -> None:
        with self._lock:
            self.requests.clear()
            self.counters = Counters()
