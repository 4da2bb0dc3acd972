"""The client's one error tree, and the one function that maps failures onto it.

::

    AiError                      the base (ollama_lsp.errors); ``.message`` says what to do next
    ├── OllamaUnreachable        no endpoint answered (connection refused, DNS, TLS)
    ├── OllamaTimeout            connect, read or first-token timeout
    ├── ModelNotFound            the model is not pulled on the server
    ├── InsertNotSupported       a suffix (fill-in-the-middle) sent to a model without ``insert``
    ├── OutOfMemory              the server could not load or run the model
    ├── ServerBusy               503: the server's queue is full
    ├── AuthenticationFailed     401/403, usually from a reverse proxy
    ├── BadResponse              the server sent something that is not the Ollama API
    ├── RequestCancelled         the request was cancelled (499, or by the caller)
    ├── NotSupported             the engine cannot do this (an OpenAI-compatible server pulls
    │                            no models)
    └── ApiError                 any other error status

Low-level ``httpx`` exceptions, HTTP error statuses with their ``{"error": ...}`` bodies and
mid-stream ``{"error": ...}`` lines all go through :func:`map_error`, which callers raise
``from`` the original exception. A server's answer can echo what it was sent (a proxy's error
page, a malformed line): the client passes every error it raises through
:func:`redact_error`, so no message carries the API key, a secret header or a URL password.
"""

from __future__ import annotations

import re
import ssl
from dataclasses import dataclass

import httpx

from ollama_lsp.errors import AiError

__all__ = [
    "AiError",
    "ApiError",
    "AuthenticationFailed",
    "BadResponse",
    "InsertNotSupported",
    "ModelNotFound",
    "NotSupported",
    "OllamaTimeout",
    "OllamaUnreachable",
    "OutOfMemory",
    "RequestCancelled",
    "ServerBusy",
    "ServerError",
    "map_error",
    "redact",
    "redact_error",
]


class OllamaUnreachable(AiError):
    """No connection could be made to the endpoint (or to any endpoint)."""


class OllamaTimeout(AiError):
    """A connect, read or first-token timeout expired."""


class _ModelError(AiError):
    """An error about one model, named in ``model``."""

    def __init__(
        self, message: str, *, model: str, endpoint: str | None = None, status: int | None = None
    ) -> None:
        super().__init__(message, endpoint=endpoint, status=status)
        self.model = model


class ModelNotFound(_ModelError):
    """The model is not available on the server: it must be pulled first."""


class InsertNotSupported(_ModelError):
    """The model's template has no suffix slot, so it cannot fill in the middle."""


class OutOfMemory(AiError):
    """The server lacks the memory to load or run the model.

    ``required`` and ``available`` are the sizes the server named (e.g. ``"7.5 GiB"``), if any.
    """

    def __init__(
        self,
        message: str,
        *,
        required: str | None = None,
        available: str | None = None,
        endpoint: str | None = None,
        status: int | None = None,
    ) -> None:
        super().__init__(message, endpoint=endpoint, status=status)
        self.required = required
        self.available = available


class ServerBusy(AiError):
    """The server's request queue is full (503); retrying later may succeed."""


class AuthenticationFailed(AiError):
    """The server or a proxy in front of it rejected the credentials (401/403)."""


class BadResponse(AiError):
    """The response was not valid Ollama API output (bad JSON, wrong shape, cut stream)."""


class RequestCancelled(AiError):
    """The request was cancelled before it completed."""


class NotSupported(AiError):
    """The endpoint's engine cannot do what was asked (pull, delete or quantize a model on an
    OpenAI-compatible server); the message says what to do instead."""


class ApiError(AiError):
    """Any other error status; ``status`` holds it."""

    def __init__(self, message: str, *, status: int, endpoint: str | None = None) -> None:
        super().__init__(message, endpoint=endpoint, status=status)


@dataclass(frozen=True, slots=True)
class ServerError:
    """An error the server reported: an error status with its body's ``error`` text, or an
    ``{"error": ...}`` line inside a stream (``mid_stream``, status 200)."""

    status: int
    text: str
    mid_stream: bool = False


_MEMORY_SIZES = re.compile(
    r"requires more system memory \((?P<required>[^)]+)\)"
    r" than is available \((?P<available>[^)]+)\)"
)
_OOM_MARKERS = (
    "out of memory",
    "requires more system memory",
    "insufficient memory",
    "not enough memory",
    "cudamalloc failed",
    "unable to load full model",
)
_CODE_MODEL_HINT = "codellama:7b-code"


def map_error(
    cause: ServerError | httpx.HTTPError,
    *,
    endpoint: str,
    model: str | None = None,
    engine: str = "Ollama",
) -> AiError:
    """Translate a server error or an ``httpx`` exception into the :class:`AiError` tree.

    ``engine`` names the server in transport errors (``"Ollama"``, or an OpenAI-compatible
    server, whose errors :mod:`._openai_errors` reads).
    """
    if isinstance(cause, ServerError):
        return _from_server(cause, endpoint, model)
    return _from_transport(cause, endpoint, engine)


# ``scheme://user:password@``: the password goes, the rest of the URL stays readable.
_URL_PASSWORD = re.compile(r"(\b[a-z][a-z0-9+.-]*://[^\s/:@]*):[^\s/@]+@", re.IGNORECASE)


def redact(text: str, secrets: tuple[str, ...] = ()) -> str:
    """``text`` with each non-empty secret and any URL password replaced by ``***``."""
    for secret in secrets:
        if secret:
            text = text.replace(secret, "***")
    return _URL_PASSWORD.sub(r"\1:***@", text)


def redact_error(error: AiError, secrets: tuple[str, ...]) -> AiError:
    """Remove ``secrets`` (and URL passwords) from ``error``'s message and endpoint."""
    error.message = redact(error.message, secrets)
    error.args = (error.message,)
    if error.endpoint is not None:
        error.endpoint = redact(error.endpoint, secrets)
    return error


def _from_server(error: ServerError, endpoint: str, model: str | None) -> AiError:
    text = error.text.strip() or "no error message"
    lowered = text.lower()
    status = error.status
    name = model or "?"
    what = f"model '{model}'" if model else "the model"
    if status in (401, 403) or lowered == "unauthorized":
        # The body is often a proxy's HTML page: the status says enough.
        return AuthenticationFailed(
            f"the server at {endpoint} rejected the credentials (HTTP {status}): "
            "check ollama.apiKey / OLLAMA_API_KEY",
            endpoint=endpoint,
            status=status,
        )
    if "does not support insert" in lowered:
        return InsertNotSupported(
            f"model '{name}' does not support fill-in-the-middle (insert); "
            f"choose a code model such as {_CODE_MODEL_HINT}",
            model=name,
            endpoint=endpoint,
            status=status,
        )
    if "pull model manifest" in lowered and "does not exist" in lowered:
        return ModelNotFound(
            f"model '{name}' does not exist in the registry: check the name and tag "
            "on ollama.com/library",
            model=name,
            endpoint=endpoint,
            status=status,
        )
    if model is not None and (status == 404 or "not found" in lowered):
        return ModelNotFound(
            f"model '{name}' is not pulled on {endpoint}: pull it with `ollama pull {name}`",
            model=name,
            endpoint=endpoint,
            status=status,
        )
    if any(marker in lowered for marker in _OOM_MARKERS):
        sizes = _MEMORY_SIZES.search(text)
        required = sizes.group("required") if sizes else None
        available = sizes.group("available") if sizes else None
        detail = (
            f"it needs {required} but only {available} is available"
            if sizes
            else f"the server said: {text}"
        )
        return OutOfMemory(
            f"not enough memory to run {what} on {endpoint} ({detail}): "
            "choose a smaller model or quantization, or unload other models",
            required=required,
            available=available,
            endpoint=endpoint,
            status=status,
        )
    if status == 503 or "server busy" in lowered:
        return ServerBusy(
            f"Ollama at {endpoint} is busy ({text}): try again in a moment, "
            "or raise OLLAMA_MAX_QUEUE on the server",
            endpoint=endpoint,
            status=status,
        )
    if status == 499 or lowered == "request canceled":
        return RequestCancelled(
            f"the request to {endpoint} was cancelled", endpoint=endpoint, status=status
        )
    if error.mid_stream:
        return ApiError(
            f"Ollama at {endpoint} failed while answering: {text}", status=status, endpoint=endpoint
        )
    return ApiError(
        f"Ollama at {endpoint} answered {status}: {text}", status=status, endpoint=endpoint
    )


def _from_transport(exc: httpx.HTTPError, endpoint: str, engine: str = "Ollama") -> AiError:
    detail = str(exc) or type(exc).__name__
    if isinstance(exc, httpx.TimeoutException):
        kind = "connecting to" if isinstance(exc, httpx.ConnectTimeout) else "waiting for"
        return OllamaTimeout(
            f"timed out {kind} {engine} at {endpoint}: check that the server is not overloaded, "
            "or raise ollama.timeouts in the settings",
            endpoint=endpoint,
        )
    if _is_tls_error(exc):
        return OllamaUnreachable(
            f"TLS verification failed for {endpoint} ({detail}): set a CA bundle "
            "(ollama.tls.caBundle) or, on a trusted network only, set ollama.tls.verify to false",
            endpoint=endpoint,
        )
    if isinstance(exc, httpx.ConnectError | httpx.UnsupportedProtocol):
        start = "start it with `ollama serve`" if engine == "Ollama" else "start it"
        return OllamaUnreachable(
            f"{engine} is not running at {endpoint}: {start}, "
            "or check ollama.endpoints / OLLAMA_HOST",
            endpoint=endpoint,
        )
    if isinstance(exc, httpx.NetworkError):
        return OllamaUnreachable(
            f"the connection to {endpoint} broke ({detail}): the server may have stopped or "
            "restarted; try again",
            endpoint=endpoint,
        )
    if isinstance(exc, httpx.RemoteProtocolError | httpx.DecodingError):
        return BadResponse(
            f"the response from {endpoint} was cut off or malformed ({detail}): "
            f"check that the URL points at {'an Ollama' if engine == 'Ollama' else 'the'} server",
            endpoint=endpoint,
        )
    return ApiError(f"request to {endpoint} failed: {detail}", status=0, endpoint=endpoint)


def _is_tls_error(exc: BaseException) -> bool:
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, ssl.SSLError):
            return True
        seen = seen.__cause__ or seen.__context__
    return "CERTIFICATE_VERIFY_FAILED" in str(exc)
