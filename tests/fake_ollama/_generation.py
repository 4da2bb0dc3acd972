"""What an engine is given and what it reports back; shared by the scripted and real engines."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from ._catalog import ModelSpec
from ._fim import FimParts

__all__ = [
    "Engine",
    "EngineCrashed",
    "Generation",
    "GenerationRequest",
    "GenerationStats",
    "StopFilter",
]


@dataclass
class GenerationRequest:
    """A generate or chat call after templating. ``prompt`` is the exact text the model sees."""

    endpoint: str  # "generate" or "chat"
    model: str  # display name as requested
    spec: ModelSpec
    prompt: str
    raw: bool = False
    user_prompt: str = ""
    suffix: str = ""
    system: str | None = None
    messages: Sequence[dict[str, Any]] = ()
    options: dict[str, Any] = field(default_factory=dict)
    fim: FimParts | None = None
    # Called once per token the engine produces; returns False once the client has gone.
    on_token: Callable[[], bool] = lambda: True
    # Previous prompt evaluated by the loaded model (for KV-cache reuse), shared per model.
    cache: list[str] = field(default_factory=list)
    # A ``crash`` fault: the model's runner dies after this many tokens.
    crash_after: int | None = None

    @property
    def num_predict(self) -> int:
        value = self.options.get("num_predict")
        return int(value) if value is not None else -1

    @property
    def stop(self) -> list[str]:
        value = self.options.get("stop")
        return [str(s) for s in value] if isinstance(value, list) else self.spec.stop

    @property
    def last_user_message(self) -> str:
        users = [m for m in self.messages if m.get("role") == "user"]
        return str(users[-1].get("content") or "") if users else self.user_prompt


@dataclass
class GenerationStats:
    """Ollama's metrics for the final chunk (durations in nanoseconds)."""

    prompt_eval_count: int = 0
    prompt_eval_duration: int = 0
    eval_count: int = 0
    eval_duration: int = 0
    done_reason: str = "stop"


class EngineCrashed(Exception):
    """The model's runner died; ``message`` is Ollama's text for it."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class Generation(Protocol):
    """One running generation: iterate :meth:`pieces`, then read :attr:`stats`."""

    stats: GenerationStats

    def pieces(self) -> AsyncIterator[str]: ...


class Engine(Protocol):
    """Produces text for a request. ``serves`` says whether it handles a model."""

    def serves(self, model: str) -> bool: ...

    def start(self, request: GenerationRequest) -> Generation: ...


class StopFilter:
    """Applies stop sequences to streamed text, holding back a tail that may begin one
    (as Ollama's runner does), so a stop string never reaches the client."""

    def __init__(self, stops: Sequence[str]) -> None:
        self._stops = [s for s in stops if s]
        self._pending = ""
        self.stopped = False

    def feed(self, piece: str) -> str:
        """Text that is safe to emit now; sets :attr:`stopped` when a stop sequence appeared."""
        text = self._pending + piece
        for stop in self._stops:
            at = text.find(stop)
            if at >= 0:
                self.stopped = True
                self._pending = ""
                return text[:at]
        hold = 0
        for stop in self._stops:
            for size in range(min(len(stop) - 1, len(text)), 0, -1):
                if text.endswith(stop[:size]):
                    hold = max(hold, size)
                    break
        self._pending = text[len(text) - hold :] if hold else ""
        return text[: len(text) - hold]

    def flush(self) -> str:
        """What was held back, once generation ended without a stop."""
        pending, self._pending = self._pending, ""
        return pending
