"""Per-request fault injection: statuses, delays, stalls, cuts, malformed lines, OOM, crashes."""

from __future__ import annotations

import threading
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

__all__ = ["ALL_KINDS", "BUSY_MESSAGE", "DEFAULT_MESSAGES", "Fault", "FaultBook", "FaultKind"]

FaultKind = Literal["status", "delay", "stall", "cut", "malformed", "error_line", "oom", "crash"]

ALL_KINDS: frozenset[str] = frozenset(
    ("status", "delay", "stall", "cut", "malformed", "error_line", "oom", "crash")
)
DEFAULT_MESSAGES: dict[str, str] = {
    "status": "an error was encountered while running the model",
    "error_line": "an error was encountered while running the model",
    "malformed": '{"model":"broken","created_at":',
}
# The 503 Ollama sends when its queue is full (two spaces, sic).
BUSY_MESSAGE = "server busy, please try again.  maximum pending requests exceeded"


@dataclass
class Fault:
    """One fault. ``path`` limits it to an endpoint (``/api/generate``), ``model`` to a model;
    ``times`` is how many requests it hits (``None``: every one until cleared).

    - ``status``: answer ``status`` with ``{"error": message}`` before any byte.
    - ``delay``: wait ``seconds`` before the first byte.
    - ``stall``: after ``after_chunks`` lines, stop sending for ``seconds`` (0: until the client
      leaves).
    - ``cut``: after ``after_chunks`` lines, close the connection without finishing the body.
    - ``malformed``: after ``after_chunks`` lines, send ``message`` as a line that is not JSON.
    - ``error_line``: after ``after_chunks`` lines, send ``{"error": message}`` and end (HTTP 200).
    - ``oom``: loading the model fails with Ollama's out-of-memory 500.
    - ``crash``: the model's runner dies (segmentation fault) after ``after_chunks`` tokens;
      with the real engine the runner process really kills itself.
    """

    kind: FaultKind
    path: str | None = None
    model: str | None = None
    after_chunks: int = 0
    seconds: float = 0.0
    status: int = 500
    message: str = ""
    times: int | None = 1

    def __post_init__(self) -> None:
        if self.kind not in ALL_KINDS:
            raise ValueError(f"unknown fault kind {self.kind!r}; one of {sorted(ALL_KINDS)}")
        if not self.message:
            if self.kind == "status" and self.status == 503:
                self.message = BUSY_MESSAGE
            else:
                self.message = DEFAULT_MESSAGES.get(self.kind, "")

    def matches(self, path: str, model: str | None) -> bool:
        if self.path is not None and self.path != path:
            return False
        return self.model is None or (model or "").lower() == self.model.lower()

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class FaultBook:
    """Armed faults; each request takes the ones that match it (consuming ``times``)."""

    faults: list[Fault] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, fault: Fault) -> None:
        with self._lock:
            self.faults.append(fault)

    def clear(self) -> None:
        with self._lock:
            self.faults.clear()

    def take(self, path: str, model: str | None, kinds: frozenset[str]) -> list[Fault]:
        """Faults for one request; ``kinds`` are those the endpoint can express."""
        taken = []
        with self._lock:
            for fault in list(self.faults):
                if fault.kind not in kinds or not fault.matches(path, model):
                    continue
                taken.append(fault)
                if fault.times is not None:
                    fault.times -= 1
                    if fault.times <= 0:
                        self.faults.remove(fault)
        return taken
