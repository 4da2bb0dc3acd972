"""Async client for the Ollama HTTP API: one request path, one error tree.

See docs/client.md for the public API with examples.
"""

from ollama_lsp.ollama._auth import WITHHELD_ADVICE
from ollama_lsp.ollama._client import OllamaClient
from ollama_lsp.ollama._errors import (
    AiError,
    ApiError,
    AuthenticationFailed,
    BadResponse,
    InsertNotSupported,
    ModelNotFound,
    OllamaTimeout,
    OllamaUnreachable,
    OutOfMemory,
    RequestCancelled,
    ServerBusy,
    redact,
)
from ollama_lsp.ollama._settings import DEFAULT_HOST, ClientSettings, parse_host
from ollama_lsp.ollama._types import (
    ChatMessage,
    ChatResponse,
    EndpointHealth,
    GenerateResponse,
    Metrics,
    ModelDetails,
    ModelInfo,
    ModelSummary,
    ProgressStatus,
    PullProgress,
    RunningModel,
)

__all__ = [
    "DEFAULT_HOST",
    "WITHHELD_ADVICE",
    "AiError",
    "ApiError",
    "AuthenticationFailed",
    "BadResponse",
    "ChatMessage",
    "ChatResponse",
    "ClientSettings",
    "EndpointHealth",
    "GenerateResponse",
    "InsertNotSupported",
    "Metrics",
    "ModelDetails",
    "ModelInfo",
    "ModelNotFound",
    "ModelSummary",
    "OllamaClient",
    "OllamaTimeout",
    "OllamaUnreachable",
    "OutOfMemory",
    "ProgressStatus",
    "PullProgress",
    "RequestCancelled",
    "RunningModel",
    "ServerBusy",
    "parse_host",
    "redact",
]
