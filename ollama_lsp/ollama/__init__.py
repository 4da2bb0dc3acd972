"""Async client for the Ollama HTTP API: one request path, one error tree.

See docs/client.md for the public API with examples.
"""

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
)
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
    "AiError",
    "ApiError",
    "AuthenticationFailed",
    "BadResponse",
    "ChatMessage",
    "ChatResponse",
    "EndpointHealth",
    "GenerateResponse",
    "InsertNotSupported",
    "Metrics",
    "ModelDetails",
    "ModelInfo",
    "ModelNotFound",
    "ModelSummary",
    "OllamaTimeout",
    "OllamaUnreachable",
    "OutOfMemory",
    "ProgressStatus",
    "PullProgress",
    "RequestCancelled",
    "RunningModel",
    "ServerBusy",
]
