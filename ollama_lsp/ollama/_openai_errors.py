"""The errors of OpenAI-compatible servers, mapped onto the client's one error tree.

vLLM, llama.cpp's server and llama-cpp-python answer ``{"error": {"message", "type",
"code"}}``; older vLLM ``{"object": "error", "message", "code"}``; FastAPI's own errors
``{"detail": ...}``. The same text can also arrive as a ``data:`` event inside a stream. Each
becomes the :class:`AiError` the Ollama client would raise for the same failure, with advice
that fits an engine that serves the models it was started with.
"""

from __future__ import annotations

import json
from typing import Any

from ollama_lsp.ollama._errors import (
    _OOM_MARKERS,
    AiError,
    ApiError,
    AuthenticationFailed,
    InsertNotSupported,
    ModelNotFound,
    OutOfMemory,
    ServerBusy,
)

__all__ = ["ENGINE", "error_text", "map_openai_error"]

#: How messages name an OpenAI-compatible server.
ENGINE = "the OpenAI-compatible server"


def error_text(body: str | bytes | Any) -> tuple[str, str]:
    """The message and the code (or type) of an error body, JSON or not."""
    data: Any = body
    if isinstance(body, str | bytes):
        try:
            data = json.loads(body)
        except ValueError:
            text = body.decode("utf-8", "replace") if isinstance(body, bytes) else body
            return text.strip()[:500], ""
    if not isinstance(data, dict):
        return str(data)[:500], ""
    error = data.get("error", data)
    if isinstance(error, str):
        return error[:500], ""
    if not isinstance(error, dict):
        return str(error)[:500], ""
    message = error.get("message") or error.get("detail") or json.dumps(error)
    code = error.get("code") or error.get("type") or ""
    return str(message)[:500], str(code)


def map_openai_error(
    status: int,
    body: str | bytes | Any,
    *,
    endpoint: str,
    model: str | None,
    mid_stream: bool = False,
) -> AiError:
    """The :class:`AiError` for an error status (or a mid-stream error event, ``status`` 200)."""
    text, code = error_text(body)
    lowered, code = text.lower(), code.lower()
    name = model or "?"
    if status in (401, 403):
        return AuthenticationFailed(
            f"the server at {endpoint} rejected the credentials (HTTP {status}): "
            "check ollama.apiKey / OLLAMA_API_KEY",
            endpoint=endpoint,
            status=status,
        )
    if "suffix" in lowered and ("support" in lowered or "not allowed" in lowered):
        return InsertNotSupported(
            f"{ENGINE} at {endpoint} does not take a suffix for model '{name}': use a model "
            "whose family ollama-lsp knows (its fill-in-the-middle prompt is sent as text)",
            model=name,
            endpoint=endpoint,
            status=status,
        )
    if model is not None and (
        code == "model_not_found"
        or (status == 404 and "model" in lowered)
        or ("model" in lowered and ("does not exist" in lowered or "not found" in lowered))
    ):
        return ModelNotFound(
            f"model '{name}' is not served by {endpoint}: choose one it serves "
            "(`ollama-lsp models`), or start the server with it",
            model=name,
            endpoint=endpoint,
            status=status,
        )
    if code == "context_length_exceeded" or "maximum context length" in lowered:
        return ApiError(
            f"the prompt is longer than model '{name}' takes on {endpoint} ({text}): set "
            "completion.numCtx (and chat.numCtx) to the server's context length or less",
            status=status,
            endpoint=endpoint,
        )
    if any(marker in lowered for marker in _OOM_MARKERS):
        return OutOfMemory(
            f"not enough memory to run model '{name}' on {endpoint} (the server said: {text}): "
            "ask its operator, or choose a smaller model",
            endpoint=endpoint,
            status=status,
        )
    if status in (429, 503):
        return ServerBusy(
            f"{ENGINE} at {endpoint} is busy ({text or f'HTTP {status}'}): try again in a moment",
            endpoint=endpoint,
            status=status,
        )
    if mid_stream:
        return ApiError(
            f"{ENGINE} at {endpoint} failed while answering: {text}",
            status=status,
            endpoint=endpoint,
        )
    return ApiError(
        f"{ENGINE} at {endpoint} answered {status}: {text or 'no error message'}",
        status=status,
        endpoint=endpoint,
    )
