"""Typed, immutable views of Ollama API responses (field names as on the wire).

Each type has a ``from_wire`` constructor that accepts the JSON object the server sent and
tolerates fields that older servers omit; unknown fields are ignored.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "ChatMessage",
    "ChatResponse",
    "EndpointHealth",
    "GenerateResponse",
    "Metrics",
    "ModelDetails",
    "ModelInfo",
    "ModelSummary",
    "ProgressStatus",
    "PullProgress",
    "RunningModel",
]

Wire = Mapping[str, Any]


def _opt_int(data: Wire, key: str) -> int | None:
    value = data.get(key)
    return int(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def _opt_str(data: Wire, key: str) -> str | None:
    value = data.get(key)
    return value if isinstance(value, str) else None


def _strings(data: Wire, key: str) -> tuple[str, ...]:
    value = data.get(key)
    return tuple(v for v in value if isinstance(v, str)) if isinstance(value, list) else ()


@dataclass(frozen=True, slots=True)
class Metrics:
    """Timing and token counts of a finished generation (durations in nanoseconds)."""

    total_duration: int | None = None
    load_duration: int | None = None
    prompt_eval_count: int | None = None
    prompt_eval_duration: int | None = None
    eval_count: int | None = None
    eval_duration: int | None = None

    @property
    def tokens_per_second(self) -> float | None:
        """Generation speed, ``eval_count / eval_duration`` in tokens per second."""
        if not self.eval_count or not self.eval_duration:
            return None
        return self.eval_count / self.eval_duration * 1e9

    @classmethod
    def from_wire(cls, data: Wire) -> Metrics | None:
        """The metrics of a final chunk, or ``None`` when the chunk carries none."""
        metrics = cls(
            total_duration=_opt_int(data, "total_duration"),
            load_duration=_opt_int(data, "load_duration"),
            prompt_eval_count=_opt_int(data, "prompt_eval_count"),
            prompt_eval_duration=_opt_int(data, "prompt_eval_duration"),
            eval_count=_opt_int(data, "eval_count"),
            eval_duration=_opt_int(data, "eval_duration"),
        )
        return None if metrics == cls() else metrics


@dataclass(frozen=True, slots=True)
class GenerateResponse:
    """One chunk of ``/api/generate`` (or the whole answer when not streaming)."""

    model: str
    response: str
    done: bool
    done_reason: str | None = None
    metrics: Metrics | None = None
    context: tuple[int, ...] | None = None
    #: The base URL of the server that answered (not part of equality).
    endpoint: str | None = field(default=None, compare=False)

    @classmethod
    def from_wire(cls, data: Wire, endpoint: str | None = None) -> GenerateResponse:
        """Build from a JSON object; raises ``KeyError``/``TypeError`` on a wrong shape."""
        context = data.get("context")
        response = data.get("response", "")
        if not isinstance(response, str):
            raise TypeError("'response' is not a string")
        return cls(
            model=str(data["model"]),
            response=response,
            done=bool(data.get("done", False)),
            done_reason=_opt_str(data, "done_reason"),
            metrics=Metrics.from_wire(data),
            context=tuple(int(t) for t in context) if isinstance(context, list) else None,
            endpoint=endpoint,
        )


@dataclass(frozen=True, slots=True)
class ChatMessage:
    """One message of a conversation; ``role`` is system, user, assistant or tool."""

    role: str
    content: str

    @classmethod
    def from_wire(cls, data: Wire) -> ChatMessage:
        """Build from a JSON object."""
        content = data.get("content", "")
        if not isinstance(content, str):
            raise TypeError("'content' is not a string")
        return cls(role=str(data["role"]), content=content)


@dataclass(frozen=True, slots=True)
class ChatResponse:
    """One chunk of ``/api/chat`` (or the whole answer when not streaming)."""

    model: str
    message: ChatMessage
    done: bool
    done_reason: str | None = None
    metrics: Metrics | None = None
    #: The base URL of the server that answered (not part of equality).
    endpoint: str | None = field(default=None, compare=False)

    @classmethod
    def from_wire(cls, data: Wire, endpoint: str | None = None) -> ChatResponse:
        """Build from a JSON object."""
        return cls(
            model=str(data["model"]),
            message=ChatMessage.from_wire(data["message"]),
            done=bool(data.get("done", False)),
            done_reason=_opt_str(data, "done_reason"),
            metrics=Metrics.from_wire(data),
            endpoint=endpoint,
        )


@dataclass(frozen=True, slots=True)
class ModelDetails:
    """The ``details`` object of tags, show and ps."""

    format: str | None = None
    family: str | None = None
    families: tuple[str, ...] = ()
    parameter_size: str | None = None
    quantization_level: str | None = None
    parent_model: str | None = None

    @classmethod
    def from_wire(cls, data: Any) -> ModelDetails:
        """Build from a JSON object; a missing or null ``details`` gives empty details."""
        if not isinstance(data, Mapping):
            return cls()
        return cls(
            format=_opt_str(data, "format"),
            family=_opt_str(data, "family"),
            families=_strings(data, "families"),
            parameter_size=_opt_str(data, "parameter_size"),
            quantization_level=_opt_str(data, "quantization_level"),
            parent_model=_opt_str(data, "parent_model") or None,
        )


@dataclass(frozen=True, slots=True)
class ModelSummary:
    """One entry of ``/api/tags``: a model available on the server."""

    name: str
    model: str
    size: int
    digest: str
    modified_at: str | None
    details: ModelDetails
    capabilities: tuple[str, ...] = ()

    @classmethod
    def from_wire(cls, data: Wire) -> ModelSummary:
        """Build from a JSON object."""
        name = str(data["name"])
        return cls(
            name=name,
            model=str(data.get("model") or name),
            size=_opt_int(data, "size") or 0,
            digest=str(data.get("digest", "")),
            modified_at=_opt_str(data, "modified_at"),
            details=ModelDetails.from_wire(data.get("details")),
            capabilities=_strings(data, "capabilities"),
        )


@dataclass(frozen=True, slots=True)
class ModelInfo:
    """The answer of ``/api/show``: what a model is and what it can do."""

    name: str
    details: ModelDetails
    capabilities: tuple[str, ...]
    template: str
    parameters: str
    model_info: Mapping[str, Any]
    modified_at: str | None
    #: The base URL of the server that answered (not part of equality).
    endpoint: str | None = field(default=None, compare=False)

    @property
    def context_length(self) -> int | None:
        """The trained context length, from ``model_info["<architecture>.context_length"]``."""
        arch = self.model_info.get("general.architecture")
        keys = [f"{arch}.context_length"] if isinstance(arch, str) else []
        keys += [k for k in self.model_info if k.endswith(".context_length")]
        for key in keys:
            value = self.model_info.get(key)
            if isinstance(value, int) and not isinstance(value, bool) and value > 0:
                return value
        return None

    @property
    def supports_insert(self) -> bool:
        """Whether the model can fill in the middle (its template uses ``.Suffix``)."""
        return "insert" in self.capabilities

    @classmethod
    def from_wire(cls, name: str, data: Wire, endpoint: str | None = None) -> ModelInfo:
        """Build from the show response of model ``name``."""
        model_info = data.get("model_info")
        return cls(
            name=name,
            details=ModelDetails.from_wire(data.get("details")),
            capabilities=_strings(data, "capabilities"),
            template=str(data.get("template") or ""),
            parameters=str(data.get("parameters") or ""),
            model_info=dict(model_info) if isinstance(model_info, Mapping) else {},
            modified_at=_opt_str(data, "modified_at"),
            endpoint=endpoint,
        )


@dataclass(frozen=True, slots=True)
class RunningModel:
    """One entry of ``/api/ps``: a model loaded in memory."""

    name: str
    model: str
    size: int
    size_vram: int
    digest: str
    details: ModelDetails
    expires_at: str | None
    context_length: int | None

    @classmethod
    def from_wire(cls, data: Wire) -> RunningModel:
        """Build from a JSON object."""
        name = str(data["name"])
        return cls(
            name=name,
            model=str(data.get("model") or name),
            size=_opt_int(data, "size") or 0,
            size_vram=_opt_int(data, "size_vram") or 0,
            digest=str(data.get("digest", "")),
            details=ModelDetails.from_wire(data.get("details")),
            expires_at=_opt_str(data, "expires_at"),
            context_length=_opt_int(data, "context_length"),
        )


@dataclass(frozen=True, slots=True)
class PullProgress:
    """One progress event of ``/api/pull``; ``total``/``completed`` are bytes of ``digest``."""

    status: str
    digest: str | None = None
    total: int | None = None
    completed: int | None = None

    @classmethod
    def from_wire(cls, data: Wire) -> PullProgress:
        """Build from a JSON object."""
        return cls(
            status=str(data["status"]),
            digest=_opt_str(data, "digest"),
            total=_opt_int(data, "total"),
            completed=_opt_int(data, "completed"),
        )


@dataclass(frozen=True, slots=True)
class ProgressStatus:
    """One progress event of ``/api/create``; quantizing reports ``total``/``completed``."""

    status: str
    total: int | None = None
    completed: int | None = None

    @classmethod
    def from_wire(cls, data: Wire) -> ProgressStatus:
        """Build from a JSON object."""
        return cls(
            status=str(data["status"]),
            total=_opt_int(data, "total"),
            completed=_opt_int(data, "completed"),
        )


@dataclass(frozen=True, slots=True)
class EndpointHealth:
    """The result of probing one endpoint with ``GET /`` and ``/api/version``."""

    url: str
    healthy: bool
    version: str | None = None
    error: str | None = None
