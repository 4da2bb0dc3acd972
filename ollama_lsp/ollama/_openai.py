"""An async client for one OpenAI-compatible endpoint: vLLM, llama.cpp's server, LM Studio, TGI.

It speaks ``/v1/completions`` and ``/v1/chat/completions`` (streamed as server-sent events)
and ``/v1/models``, with the Ollama client's settings, credentials policy, transport, timeouts
and error tree. Such an engine serves the models it was started with: it has no pull, delete or
create, so the model questions the server asks every endpoint (list, running, show, load) are
answered from ``/v1/models``. Several endpoints are routed by ``ollama_lsp.providers.Fleet``.
"""

from __future__ import annotations

import asyncio
import json
import logging
import random
from collections.abc import AsyncGenerator, Mapping, Sequence
from dataclasses import dataclass
from types import TracebackType
from typing import Any, Self

import httpx
from httpx_sse import EventSource, SSEError

from ollama_lsp.ollama._auth import WITHHELD_ADVICE, client_auth
from ollama_lsp.ollama._endpoints import normalize_model_name
from ollama_lsp.ollama._errors import (
    AiError,
    AuthenticationFailed,
    BadResponse,
    ModelNotFound,
    OllamaTimeout,
    ServerBusy,
    map_error,
    redact_error,
)
from ollama_lsp.ollama._openai_errors import ENGINE, map_openai_error
from ollama_lsp.ollama._settings import ClientSettings
from ollama_lsp.ollama._transport import http_transport
from ollama_lsp.ollama._types import (
    EndpointHealth,
    ModelDetails,
    ModelInfo,
    ModelSummary,
    RunningModel,
)

__all__ = ["OpenAIClient", "ServedModel", "TextDelta", "Usage"]

log = logging.getLogger(__name__)

Json = dict[str, Any]
_BACKOFF_CAP = 8.0
#: How long the list of served models is trusted: it changes only when the server restarts.
_MODELS_FOR = 30.0


@dataclass(frozen=True, slots=True)
class Usage:
    """Token counts of a finished request (``usage``), where the engine reports them."""

    prompt_tokens: int | None
    completion_tokens: int | None


@dataclass(frozen=True, slots=True)
class TextDelta:
    """One streamed piece of an answer; the last has ``finish_reason`` (and ``usage`` when the
    engine sends it, in a chunk of its own)."""

    text: str
    finish_reason: str | None = None
    usage: Usage | None = None


@dataclass(frozen=True, slots=True)
class ServedModel:
    """One entry of ``/v1/models``; ``context_length`` where the engine says (vLLM's
    ``max_model_len``, llama.cpp's ``meta.n_ctx_train``)."""

    id: str
    owned_by: str | None = None
    context_length: int | None = None

    @classmethod
    def from_wire(cls, data: Json) -> ServedModel:
        meta = data.get("meta")
        length = data.get("max_model_len") or (
            meta.get("n_ctx_train") if isinstance(meta, dict) else None
        )
        return cls(
            id=str(data["id"]),
            owned_by=data.get("owned_by") if isinstance(data.get("owned_by"), str) else None,
            context_length=length if isinstance(length, int) and length > 0 else None,
        )


class OpenAIClient:
    """Async client for the OpenAI-compatible API of the first endpoint in ``settings``.

    Streaming methods are async generators: closing one, or cancelling the task iterating it,
    closes the HTTP response, and the engine stops generating. The base URL may end in ``/v1``
    (as OpenAI's own clients write it) or not.
    """

    api = "openai"

    def __init__(
        self,
        settings: ClientSettings | None = None,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.settings = settings if settings is not None else ClientSettings.from_env()
        s = self.settings
        self.endpoint = s.endpoints[0]
        self._base = self.endpoint.removesuffix("/v1")
        verify = s.ssl_verify()
        headers, auth = client_auth(s)
        if self.endpoint in s.withheld_from:
            log.warning(WITHHELD_ADVICE.format(endpoint=self.endpoint))
        self._http = httpx.AsyncClient(
            headers=headers,
            auth=auth,
            verify=verify,
            timeout=httpx.Timeout(s.read_timeout, connect=s.connect_timeout),
            follow_redirects=True,
            transport=transport if transport is not None else http_transport(verify=verify),
        )
        self._secrets = s.secrets
        self._served: tuple[float, list[ServedModel]] | None = None

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._http.aclose()

    def __repr__(self) -> str:
        return f"OpenAIClient(endpoint={self.endpoint!r})"

    # -- generation ------------------------------------------------------------------------

    def complete_stream(
        self,
        model: str,
        prompt: str,
        *,
        suffix: str | None = None,
        max_tokens: int | None = None,
        temperature: float | None = None,
        stop: Sequence[str] = (),
        seed: int | None = None,
    ) -> AsyncGenerator[TextDelta, None]:
        """Stream ``/v1/completions``: the prompt is sent as it is (no chat template)."""
        body: Json = {"model": model, "prompt": prompt}
        _put(
            body,
            suffix=suffix,
            max_tokens=max_tokens,
            temperature=temperature,
            stop=stop,
            seed=seed,
        )
        return self._deltas("/v1/completions", body, model, _completion_text)

    def chat_stream(
        self,
        model: str,
        messages: Sequence[Mapping[str, str]],
        *,
        max_tokens: int | None = None,
        temperature: float | None = None,
        stop: Sequence[str] = (),
    ) -> AsyncGenerator[TextDelta, None]:
        """Stream ``/v1/chat/completions``: the engine applies the model's chat template."""
        body: Json = {"model": model, "messages": [dict(m) for m in messages]}
        _put(body, max_tokens=max_tokens, temperature=temperature, stop=stop)
        return self._deltas("/v1/chat/completions", body, model, _chat_text)

    # -- models ----------------------------------------------------------------------------

    async def models(self) -> list[ServedModel]:
        """The models the engine serves (``/v1/models``), cached for half a minute."""
        now = asyncio.get_running_loop().time()
        if self._served is not None and now - self._served[0] < _MODELS_FOR:
            return self._served[1]
        try:
            response = await self._open("GET", "/v1/models", None, None, stream=False)
            try:
                await response.aread()
            except httpx.HTTPError as exc:
                raise self._map(exc, None) from exc
            finally:
                await response.aclose()
            try:
                served = [ServedModel.from_wire(item) for item in response.json()["data"]]
            except (KeyError, TypeError, ValueError, AttributeError) as exc:
                raise BadResponse(
                    f"{self.endpoint}/v1/models did not answer a model list: check that the "
                    "URL points at an OpenAI-compatible server",
                    endpoint=self.endpoint,
                ) from exc
        except AiError as error:
            raise redact_error(error, self._secrets) from error.__cause__
        self._served = (now, served)
        return served

    async def served(self, model: str) -> ServedModel:
        """The served model named ``model``; :class:`ModelNotFound` naming those it serves."""
        served = await self.models()
        wanted = normalize_model_name(model)
        for entry in served:
            if entry.id == model or normalize_model_name(entry.id) == wanted:
                return entry
        names = ", ".join(entry.id for entry in served) or "none"
        raise ModelNotFound(
            f"model '{model}' is not served by {self.endpoint} (it serves: {names}): choose one "
            "of those, or start the server with it",
            model=model,
            endpoint=self.endpoint,
        )

    async def list_models(self) -> list[ModelSummary]:
        """The served models, as Ollama's model list (no size, digest or details)."""
        return [
            ModelSummary(e.id, e.id, 0, "", None, ModelDetails(), ("completion",))
            for e in await self.models()
        ]

    async def running(self) -> list[RunningModel]:
        """The served models: such an engine keeps every model it serves loaded."""
        return [
            RunningModel(e.id, e.id, 0, 0, "", ModelDetails(), None, e.context_length)
            for e in await self.models()
        ]

    async def show(self, model: str) -> ModelInfo:
        """What ``/v1/models`` says of ``model``; capabilities are not reported."""
        entry = await self.served(model)
        lengths = {"server.context_length": entry.context_length} if entry.context_length else {}
        return ModelInfo(model, ModelDetails(), (), "", "", lengths, None, self.endpoint)

    async def load(self, model: str, keep_alive: float | str | None = None) -> None:
        """Nothing to load: checks that the engine serves ``model``."""
        await self.served(model)

    async def unload(self, model: str) -> None:
        """Nothing to unload: the engine decides what stays in memory."""

    async def health(self) -> list[EndpointHealth]:
        """Whether ``/v1/models`` answers."""
        self._served = None
        try:
            await self.models()
        except AiError as error:
            return [EndpointHealth(self.endpoint, False, error=error.message)]
        return [EndpointHealth(self.endpoint, True, version="OpenAI-compatible")]

    async def version(self) -> str:
        return "OpenAI-compatible"

    # -- the request path ------------------------------------------------------------------

    async def _open(
        self, method: str, path: str, body: Json | None, model: str | None, *, stream: bool
    ) -> httpx.Response:
        """Send one request, retrying connection failures and busy answers with backoff."""
        failure: AiError | None = None
        for attempt in range(self.settings.max_retries + 1):
            if attempt:
                ceiling = min(_BACKOFF_CAP, self.settings.retry_backoff * 2 ** (attempt - 1))
                await asyncio.sleep(random.uniform(ceiling / 2, ceiling))
            request = self._http.build_request(
                method, self._base + path, json=body, timeout=self._timeout(stream)
            )
            try:
                response = await self._http.send(request, stream=True)
            except (httpx.ConnectError, httpx.ConnectTimeout) as exc:
                log.warning("%s %s: cannot connect to %s", method, path, self.endpoint)
                failure = self._map(exc, model)
                failure.__cause__ = exc
                continue
            if response.is_success:
                return response
            try:
                content = await response.aread()
            except httpx.HTTPError:
                content = b""
            finally:
                await response.aclose()
            error = map_openai_error(
                response.status_code, content, endpoint=self.endpoint, model=model
            )
            if isinstance(error, AuthenticationFailed) and self.endpoint in (
                self.settings.withheld_from
            ):
                error = AuthenticationFailed(
                    WITHHELD_ADVICE.format(endpoint=self.endpoint),
                    endpoint=self.endpoint,
                    status=error.status,
                )
            if not isinstance(error, ServerBusy):
                raise error
            failure = error
        assert failure is not None
        raise failure

    async def _deltas(
        self, path: str, body: Json, model: str, text_of: Any
    ) -> AsyncGenerator[TextDelta, None]:
        """Stream ``path``'s events as :class:`TextDelta` s, up to ``[DONE]``.

        The first event must arrive within ``first_token_timeout`` of the call, each later one
        within ``read_timeout``; an error event raises. Every error it raises has been through
        :func:`redact_error`.
        """
        body = {**body, "stream": True, "stream_options": {"include_usage": True}}
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.settings.first_token_timeout
        try:
            try:
                async with asyncio.timeout_at(deadline):
                    response = await self._open("POST", path, body, model, stream=True)
            except TimeoutError as exc:
                raise self._first_token_timeout(model) from exc
            try:
                events = EventSource(response).aiter_sse()
                started = False
                while True:
                    if started:
                        deadline = loop.time() + self.settings.read_timeout
                    try:
                        async with asyncio.timeout_at(deadline):
                            event = await anext(events, None)
                    except TimeoutError as exc:
                        if not started:
                            raise self._first_token_timeout(model) from exc
                        raise OllamaTimeout(
                            f"{ENGINE} at {self.endpoint} stopped sending for "
                            f"{self.settings.read_timeout:g}s: check the server, or raise "
                            "ollama.timeouts.read",
                            endpoint=self.endpoint,
                        ) from exc
                    if event is None:
                        raise BadResponse(
                            f"the stream from {self.endpoint} ended before [DONE]: the server "
                            "may have stopped or restarted; try again",
                            endpoint=self.endpoint,
                        )
                    started = True
                    if event.data.strip() == "[DONE]":
                        return
                    delta = self._delta(event.event, event.data, model, text_of)
                    if delta is not None:
                        yield delta
            except SSEError as exc:
                raise BadResponse(
                    f"{self.endpoint} did not answer a stream of server-sent events ({exc}): "
                    "check that the URL points at an OpenAI-compatible server",
                    endpoint=self.endpoint,
                ) from exc
            except httpx.HTTPError as exc:
                raise self._map(exc, model) from exc
            finally:
                await response.aclose()
        except AiError as error:
            raise redact_error(error, self._secrets) from error.__cause__

    def _delta(self, kind: str, data: str, model: str, text_of: Any) -> TextDelta | None:
        try:
            chunk = _json_object(data)
        except ValueError as exc:
            raise BadResponse(
                f"{self.endpoint} sent a malformed event ({data[:80]!r}): check that the URL "
                "points at an OpenAI-compatible server",
                endpoint=self.endpoint,
            ) from exc
        if kind == "error" or "error" in chunk or chunk.get("object") == "error":
            raise map_openai_error(200, chunk, endpoint=self.endpoint, model=model, mid_stream=True)
        usage = chunk.get("usage")
        choices = chunk.get("choices") or []
        choice = choices[0] if choices and isinstance(choices[0], dict) else {}
        text = text_of(choice)
        finish = choice.get("finish_reason")
        if not text and not finish and not isinstance(usage, dict):
            return None  # a role-only or keep-alive chunk
        return TextDelta(
            text,
            finish if isinstance(finish, str) else None,
            _usage(usage) if isinstance(usage, dict) else None,
        )

    def _map(self, exc: httpx.HTTPError, model: str | None) -> AiError:
        return map_error(exc, endpoint=self.endpoint, model=model, engine=ENGINE)

    def _timeout(self, stream: bool) -> httpx.Timeout:
        s = self.settings
        read = None if stream else s.read_timeout  # a stream's reads are timed per event
        return httpx.Timeout(connect=s.connect_timeout, read=read, write=s.read_timeout, pool=None)

    def _first_token_timeout(self, model: str) -> OllamaTimeout:
        return OllamaTimeout(
            f"model '{model}' produced nothing on {self.endpoint} within "
            f"{self.settings.first_token_timeout:g}s: the server may be busy; try again, or "
            "raise ollama.timeouts.firstToken",
            endpoint=self.endpoint,
        )


def _put(body: Json, **fields: Any) -> None:
    """Set the fields that have a value; stop sequences once each."""
    if fields.get("stop") is not None:
        fields["stop"] = list(dict.fromkeys(fields["stop"])) or None
    body.update({k: v for k, v in fields.items() if v is not None})


def _json_object(data: str) -> Json:
    value = json.loads(data)
    if not isinstance(value, dict):
        raise ValueError("not an object")
    return value


def _completion_text(choice: Json) -> str:
    text = choice.get("text")
    return text if isinstance(text, str) else ""


def _chat_text(choice: Json) -> str:
    delta = choice.get("delta")
    content = delta.get("content") if isinstance(delta, dict) else None
    return content if isinstance(content, str) else ""


def _usage(data: Json) -> Usage:
    def count(key: str) -> int | None:
        value = data.get(key)
        return value if isinstance(value, int) and not isinstance(value, bool) else None

    return Usage(count("prompt_tokens"), count("completion_tokens"))
