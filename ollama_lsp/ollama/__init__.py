"""Async clients for the Ollama HTTP API and for OpenAI-compatible engines: one error tree.

See docs/client.md for the public API with examples.
"""

from ollama_lsp.ollama._auth import WITHHELD_ADVICE
from ollama_lsp.ollama._client import OllamaClient
from ollama_lsp.ollama._endpoints import normalize_model_name
from ollama_lsp.ollama._errors import (
    AiError,
    ApiError,
    AuthenticationFailed,
    BadResponse,
    InsertNotSupported,
    ModelNotFound,
    NotSupported,
    OllamaTimeout,
    OllamaUnreachable,
    OutOfMemory,
    RequestCancelled,
    ServerBusy,
    redact,
)
from ollama_lsp.ollama._openai import OpenAIClient, ServedModel, TextDelta, Usage
from ollama_lsp.ollama._settings import APIS, DEFAULT_HOST, Api, ClientSettings, parse_host
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
    "APIS",
    "DEFAULT_HOST",
    "WITHHELD_ADVICE",
    "AiError",
    "Api",
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
    "NotSupported",
    "OllamaClient",
    "OllamaTimeout",
    "OllamaUnreachable",
    "OpenAIClient",
    "OutOfMemory",
    "ProgressStatus",
    "PullProgress",
    "RequestCancelled",
    "RunningModel",
    "ServedModel",
    "ServerBusy",
    "TextDelta",
    "Usage",
    "normalize_model_name",
    "parse_host",
    "redact",
]
