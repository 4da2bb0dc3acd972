"""What memory management did, kept for ``ollama.status`` (the last 50) and logged."""

from __future__ import annotations

import logging
from collections import deque
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

__all__ = ["AdaptationLog", "AdaptationRecord"]

log = logging.getLogger(__name__)

_KEPT = 50


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


@dataclass(frozen=True, slots=True)
class AdaptationRecord:
    """One adaptation as ``ollama.status`` shows it; ``kind`` names it (``idleUnload``, ...)."""

    kind: str
    message: str
    role: str | None = None
    model: str | None = None
    from_ctx: int | None = None
    to_ctx: int | None = None
    suggested_tag: str | None = None
    at: str = field(default_factory=_now)

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"at": self.at, "kind": self.kind, "message": self.message}
        extra = {
            "role": self.role,
            "model": self.model,
            "fromCtx": self.from_ctx,
            "toCtx": self.to_ctx,
            "suggestedTag": self.suggested_tag,
        }
        out.update({k: v for k, v in extra.items() if v is not None})
        return out


class AdaptationLog:
    """The most recent adaptations, oldest first."""

    def __init__(self, kept: int = _KEPT) -> None:
        self._records: deque[AdaptationRecord] = deque(maxlen=kept)

    def record(self, record: AdaptationRecord) -> None:
        self._records.append(record)
        log.info("memory: %s", record.message)

    def to_json(self) -> list[dict[str, Any]]:
        return [record.to_json() for record in self._records]
