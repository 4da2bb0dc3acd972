"""The async Ollama client: every call goes through ``_open``, then ``_request`` or ``_stream``."""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import AsyncGenerator, AsyncIterator, Callable, Mapping, Sequence
from contextlib import aclosing
from dataclasses import replace
from functools import partial
from types import TracebackType
from typing import Any, Self, TypeVar

import httpx

from ollama_lsp.ollama._auth import WITHHELD_ADVICE, client_auth
from ollama_lsp.ollama._endpoints import EndpointPool
from ollama_lsp.ollama._errors import (
    AiError,
    AuthenticationFailed,
    BadResponse,
    ModelNotFound,
    OllamaTimeout,
    OllamaUnreachable,
    ServerBusy,
    ServerError,
    map_error,
    redact_error,
)
from ollama_lsp.ollama._ndjson import NdjsonDecoder, NdjsonError
from ollama_lsp.ollama._settings import ClientSettings
from ollama_lsp.ollama._transport import http_transport
from ollama_lsp.ollama._types import (
    ChatMessage,
    ChatResponse,
    EndpointHealth,
    GenerateResponse,
    ModelInfo,
    ModelSummary,
    ProgressStatus,
    PullProgress,
    RunningModel,
)

__all__ = ["OllamaClient"]

log = logging.getLogger(__name__)

T = TypeVar("T")
Json = dict[str, Any]
KeepAlive = float | str | None
Message = ChatMessage | Mapping[str, Any]

_BACKOFF_CAP = 8.0


class OllamaClient:
    """Async client for the native Ollama API over one or more endpoints.

    Use it as an async context manager (or call :meth:`aclose`). Streaming methods are async
    generators: closing one (``aclose()``, ``contextlib.aclosing``) or cancelling the task that
    iterates it closes the HTTP response at once, and Ollama stops generating. ``transport``
    replaces the HTTP transport (tests, custom proxies).
    """

    def __init__(
        self,
        settings: ClientSettings | None = None,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.settings = settings if settings is not None else ClientSettings.from_env()
        s = self.settings
        verify = s.ssl_verify()
        headers, auth = client_auth(s)
        for endpoint in s.withheld_from:
            log.warning(WITHHELD_ADVICE.format(endpoint=endpoint))
        self._http = httpx.AsyncClient(
            headers=headers,
            auth=auth,
            verify=verify,
            timeout=httpx.Timeout(s.read_timeout, connect=s.connect_timeout),
            follow_redirects=True,
            transport=transport if transport is not None else http_transport(verify=verify),
        )
        self._pool = EndpointPool(s.endpoints, self._http, probe_timeout=s.connect_timeout)
        self._secrets = s.secrets
        #: Parsed request URLs by (endpoint, path): parsing one costs more than building the
        #: rest of a request, and the set is small (the endpoints times the API's paths).
        self._urls: dict[tuple[str, str], httpx.URL] = {}
        #: Finished streams still reading their last empty chunk (see :meth:`_finish_later`).
        self._finishing: set[asyncio.Task[None]] = set()

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
        """Close all connections and stop background health probes."""
        if self._finishing:
            await asyncio.gather(*self._finishing, return_exceptions=True)
        await self._pool.aclose()
        await self._http.aclose()

    def __repr__(self) -> str:
        return f"OllamaClient(endpoints={self.settings.endpoints!r})"

    # -- generation ------------------------------------------------------------------------

    def generate_stream(
        self,
        model: str,
        prompt: str = "",
        *,
        suffix: str | None = None,
        raw: bool = False,
        system: str | None = None,
        options: Mapping[str, Any] | None = None,
        keep_alive: KeepAlive = None,
        stall_timeout: float | None = None,
    ) -> AsyncGenerator[GenerateResponse, None]:
        """Stream ``/api/generate`` chunks; the last has ``done=True`` and the metrics.

        ``suffix`` asks for fill-in-the-middle (the model needs the ``insert`` capability);
        ``raw`` sends ``prompt`` untemplated. ``options`` are model parameters such as
        ``num_predict``, ``temperature``, ``stop`` or ``num_ctx``. ``stall_timeout`` replaces
        the read timeout between two lines once the answer has begun: a completion nobody
        waits two minutes for (see :meth:`_stream`).
        """
        body: Json = {"model": model, "prompt": prompt, "stream": True}
        _put(body, suffix=suffix, system=system, options=options, keep_alive=keep_alive)
        if raw:
            body["raw"] = True
        return self._typed_stream(
            "/api/generate", body, model, GenerateResponse.from_wire, _is_done, stall=stall_timeout
        )

    async def generate(
        self,
        model: str,
        prompt: str = "",
        *,
        suffix: str | None = None,
        raw: bool = False,
        system: str | None = None,
        options: Mapping[str, Any] | None = None,
        keep_alive: KeepAlive = None,
    ) -> GenerateResponse:
        """Generate a whole answer: the final chunk with ``response`` holding all the text.

        It streams underneath, so timeouts and cancellation behave as for
        :meth:`generate_stream`.
        """
        parts: list[str] = []
        last: GenerateResponse | None = None
        stream = self.generate_stream(
            model,
            prompt,
            suffix=suffix,
            raw=raw,
            system=system,
            options=options,
            keep_alive=keep_alive,
        )
        async with aclosing(stream):
            async for chunk in stream:
                parts.append(chunk.response)
                last = chunk
        assert last is not None  # _stream raises unless a final chunk arrived
        return replace(last, response="".join(parts))

    def chat_stream(
        self,
        model: str,
        messages: Sequence[Message],
        *,
        options: Mapping[str, Any] | None = None,
        keep_alive: KeepAlive = None,
    ) -> AsyncGenerator[ChatResponse, None]:
        """Stream ``/api/chat`` chunks; the last has ``done=True`` and the metrics."""
        body: Json = {"model": model, "messages": [_message(m) for m in messages], "stream": True}
        _put(body, options=options, keep_alive=keep_alive)
        return self._typed_stream("/api/chat", body, model, ChatResponse.from_wire, _is_done)

    async def chat(
        self,
        model: str,
        messages: Sequence[Message],
        *,
        options: Mapping[str, Any] | None = None,
        keep_alive: KeepAlive = None,
    ) -> ChatResponse:
        """A whole chat answer: the final chunk with the full assistant message."""
        parts: list[str] = []
        role = "assistant"
        last: ChatResponse | None = None
        stream = self.chat_stream(model, messages, options=options, keep_alive=keep_alive)
        async with aclosing(stream):
            async for chunk in stream:
                parts.append(chunk.message.content)
                role = chunk.message.role or role
                last = chunk
        assert last is not None
        return replace(last, message=ChatMessage(role=role, content="".join(parts)))

    async def load(self, model: str, keep_alive: KeepAlive = None) -> GenerateResponse:
        """Load ``model`` into memory (an empty prompt; ``done_reason`` is ``"load"``)."""
        return await self.generate(model, keep_alive=keep_alive)

    async def unload(self, model: str) -> GenerateResponse:
        """Unload ``model`` from memory now (``keep_alive`` 0; ``done_reason`` ``"unload"``)."""
        return await self.generate(model, keep_alive=0)

    # -- models ----------------------------------------------------------------------------

    async def list_models(self) -> list[ModelSummary]:
        """Models available on the first healthy endpoint (``/api/tags``)."""
        return await self._request(
            "GET", "/api/tags", parse=partial(_parse_list, "models", ModelSummary.from_wire)
        )

    async def running(self) -> list[RunningModel]:
        """Models loaded in memory on the first healthy endpoint (``/api/ps``)."""
        return await self._request(
            "GET", "/api/ps", parse=partial(_parse_list, "models", RunningModel.from_wire)
        )

    async def show(self, model: str) -> ModelInfo:
        """Details, capabilities, template and parameters of ``model`` (``/api/show``)."""
        return await self._request(
            "POST",
            "/api/show",
            {"model": model},
            model=model,
            parse=lambda data, endpoint: ModelInfo.from_wire(model, data, endpoint),
        )

    def pull(self, model: str) -> AsyncGenerator[PullProgress, None]:
        """Download ``model``; yields progress events up to ``status == "success"``."""
        body: Json = {"model": model, "stream": True}
        return self._typed_stream(
            "/api/pull", body, model, _no_endpoint(PullProgress.from_wire), _is_success, True
        )

    def create(
        self, model: str, *, from_: str, quantize: str | None = None
    ) -> AsyncGenerator[ProgressStatus, None]:
        """Create ``model`` from ``from_``, optionally quantized (e.g. ``"q4_K_M"``)."""
        body: Json = {"model": model, "from": from_, "stream": True}
        if quantize:
            body["quantize"] = quantize
        return self._typed_stream(
            "/api/create", body, from_, _no_endpoint(ProgressStatus.from_wire), _is_success, True
        )

    async def delete(self, model: str) -> None:
        """Delete ``model`` from the server."""
        await self._request("DELETE", "/api/delete", {"model": model}, model=model, parse=_nothing)
        self._pool.forget_models()

    async def copy(self, source: str, destination: str) -> None:
        """Copy model ``source`` to a new name ``destination``."""
        body = {"source": source, "destination": destination}
        await self._request("POST", "/api/copy", body, model=source, parse=_nothing)
        self._pool.forget_models()

    async def version(self) -> str:
        """The server version (``/api/version``)."""
        return await self._request(
            "GET", "/api/version", parse=lambda data, _: str(data["version"])
        )

    async def health(self) -> list[EndpointHealth]:
        """Probe every endpoint (``GET /`` and ``/api/version``), in configured order."""
        return list(await asyncio.gather(*(self._pool.probe(e) for e in self._pool.endpoints)))

    async def endpoint_for(self, model: str | None = None) -> str:
        """The endpoint a request for ``model`` would go to first."""
        return (await self._pool.order(model))[0]

    # -- the request path ------------------------------------------------------------------

    async def _open(
        self, method: str, path: str, body: Json | None, model: str | None, *, stream: bool
    ) -> tuple[httpx.Response, str]:
        """Send one request, failing over and retrying; return a successful response.

        Connection failures move on to the next endpoint; 503 answers too. When every
        endpoint failed, wait (exponential backoff with jitter) and try again, at most
        ``max_retries`` times. Any other error status is raised at once.
        """
        failures: list[AiError] = []
        for attempt in range(self.settings.max_retries + 1):
            if attempt:
                await asyncio.sleep(self._backoff(attempt))
            failures.clear()
            for endpoint in await self._pool.order(model):
                request = self._http.build_request(
                    method, self._url(endpoint, path), json=body, timeout=self._timeout(stream)
                )
                try:
                    response = await self._http.send(request, stream=True)
                except (httpx.ConnectError, httpx.ConnectTimeout) as exc:
                    log.warning("%s %s: cannot connect to %s", method, path, endpoint)
                    self._pool.mark(endpoint, healthy=False)
                    failures.append(self._map(exc, endpoint, model))
                    failures[-1].__cause__ = exc
                    continue
                except httpx.HTTPError as exc:
                    raise self._map(exc, endpoint, model) from exc
                self._pool.mark(endpoint, healthy=True)
                if response.is_success:
                    log.debug("%s %s -> %s", method, path, endpoint)
                    return response, endpoint
                error = await self._error_of(response, endpoint, model)
                if not isinstance(error, ServerBusy):
                    raise error
                log.warning("%s %s: %s is busy", method, path, endpoint)
                failures.append(error)
        raise self._give_up(failures)

    async def _request(
        self,
        method: str,
        path: str,
        body: Json | None = None,
        *,
        model: str | None = None,
        parse: Callable[[Any, str], T],
    ) -> T:
        """A short request: its JSON body (``None`` if empty) read by ``parse(body, endpoint)``.

        Every error it raises has been through :func:`redact_error`.
        """
        try:
            response, endpoint = await self._open(method, path, body, model, stream=False)
            try:
                content = await response.aread()
            except httpx.HTTPError as exc:
                raise self._map(exc, endpoint, model) from exc
            finally:
                await response.aclose()
            try:
                data = response.json() if content.strip() else None
            except ValueError as exc:
                raise BadResponse(
                    f"{endpoint}{path} did not answer JSON: check that the URL points at an "
                    "Ollama server",
                    endpoint=endpoint,
                    status=response.status_code,
                ) from exc
            return _parse(partial(parse, data, endpoint), endpoint)
        except AiError as error:
            raise redact_error(error, self._secrets) from error.__cause__

    async def _stream(
        self,
        path: str,
        body: Json,
        model: str | None,
        is_final: Callable[[Json], bool],
        stall: float | None = None,
    ) -> AsyncGenerator[tuple[Json, str], None]:
        """Stream NDJSON objects with the endpoint that sent them, up to a final object.

        The first line must arrive within ``first_token_timeout`` of the call, each later read
        within ``read_timeout`` (``stall`` when given). An ``{"error": ...}`` line raises; so
        does a stream that ends before a final object. The response is closed however the
        generator ends.
        """
        between = stall if stall is not None else self.settings.read_timeout
        setting = "ollama.timeouts.completionStall" if stall is not None else "ollama.timeouts.read"
        loop = asyncio.get_running_loop()
        first_deadline = loop.time() + self.settings.first_token_timeout
        try:
            async with asyncio.timeout_at(first_deadline):
                response, endpoint = await self._open("POST", path, body, model, stream=True)
        except TimeoutError as exc:
            raise self._first_token_timeout(self.settings.endpoints[0], model) from exc
        decoder = NdjsonDecoder()
        chunks = response.aiter_bytes()
        started = finishing = False
        try:
            while True:
                deadline = loop.time() + between if started else first_deadline
                try:
                    async with asyncio.timeout_at(deadline):
                        chunk = await anext(chunks, None)
                    objects = decoder.feed(chunk) if chunk is not None else decoder.close()
                except TimeoutError as exc:
                    if started:
                        raise OllamaTimeout(
                            f"Ollama at {endpoint} stopped sending for {between:g}s in the "
                            f"middle of an answer: check the server, or raise {setting}",
                            endpoint=endpoint,
                        ) from exc
                    raise self._first_token_timeout(endpoint, model) from exc
                except httpx.HTTPError as exc:
                    raise self._map(exc, endpoint, model) from exc
                except NdjsonError as exc:
                    raise BadResponse(
                        f"{endpoint} sent a malformed stream ({exc}): check that the URL points "
                        "at an Ollama server",
                        endpoint=endpoint,
                        status=response.status_code,
                    ) from exc
                for obj in objects:
                    started = True
                    if obj.get("error"):
                        raise self._map(
                            ServerError(response.status_code, str(obj["error"]), mid_stream=True),
                            endpoint,
                            model,
                        )
                    yield obj, endpoint
                    if is_final(obj):
                        finishing = True
                        self._finish_later(response, chunks)
                        return
                if chunk is None:
                    raise BadResponse(
                        f"the stream from {endpoint} ended before it was done: the server may "
                        "have stopped or restarted; try again",
                        endpoint=endpoint,
                        status=response.status_code,
                    )
        finally:
            if not finishing:
                await response.aclose()

    def _finish_later(self, response: httpx.Response, chunks: AsyncIterator[bytes]) -> None:
        """Drain and close a finished stream off the caller's path: the answer is complete at
        the final object, and the last empty chunk only returns the connection to the pool."""

        async def finish() -> None:
            try:
                await asyncio.sleep(_FINISH_AFTER)
                await _drain(chunks)
            finally:
                await response.aclose()

        task = asyncio.get_running_loop().create_task(finish(), name="finish an Ollama stream")
        self._finishing.add(task)
        task.add_done_callback(self._finishing.discard)

    async def _typed_stream(
        self,
        path: str,
        body: Json,
        model: str | None,
        parse: Callable[[Json, str], T],
        is_final: Callable[[Json], bool],
        changes_models: bool = False,
        stall: float | None = None,
    ) -> AsyncGenerator[T, None]:
        """:meth:`_stream`, each object parsed with ``parse(object, endpoint)``.

        Every error it raises has been through :func:`redact_error`.
        """
        stream = self._stream(path, body, model, is_final, stall)
        try:
            async with aclosing(stream):
                async for obj, endpoint in stream:
                    yield _parse(partial(parse, obj, endpoint), endpoint)
        except AiError as error:
            raise redact_error(error, self._secrets) from error.__cause__
        finally:
            if changes_models:
                self._pool.forget_models()

    # -- helpers ---------------------------------------------------------------------------

    def _url(self, endpoint: str, path: str) -> httpx.URL:
        url = self._urls.get((endpoint, path))
        if url is None:
            url = self._urls[(endpoint, path)] = httpx.URL(endpoint + path)
        return url

    def _timeout(self, stream: bool) -> httpx.Timeout:
        s = self.settings
        # A stream's reads are timed per line in _stream (first token, then read_timeout).
        read = None if stream else s.read_timeout
        return httpx.Timeout(connect=s.connect_timeout, read=read, write=s.read_timeout, pool=None)

    def _backoff(self, attempt: int) -> float:
        ceiling = min(_BACKOFF_CAP, self.settings.retry_backoff * 2 ** (attempt - 1))
        return random.uniform(ceiling / 2, ceiling)

    def _map(
        self, cause: ServerError | httpx.HTTPError, endpoint: str, model: str | None
    ) -> AiError:
        error = map_error(cause, endpoint=endpoint, model=model)
        if isinstance(error, AuthenticationFailed) and endpoint in self.settings.withheld_from:
            advice = WITHHELD_ADVICE.format(endpoint=endpoint)
            error = AuthenticationFailed(advice, endpoint=endpoint, status=error.status)
        if isinstance(error, ModelNotFound):
            self._pool.forget_models(endpoint)
        return error

    async def _error_of(
        self, response: httpx.Response, endpoint: str, model: str | None
    ) -> AiError:
        try:
            content = await response.aread()
        except httpx.HTTPError:
            content = b""
        finally:
            await response.aclose()
        text = content.decode("utf-8", "replace")
        try:
            decoded = response.json()
        except ValueError:
            decoded = None
        if isinstance(decoded, dict) and isinstance(decoded.get("error"), str):
            text = decoded["error"]
        elif isinstance(decoded, dict) and isinstance(decoded.get("error"), dict):
            text = str(decoded["error"].get("message", text))
        return self._map(ServerError(response.status_code, text[:500]), endpoint, model)

    def _give_up(self, failures: list[AiError]) -> AiError:
        if not failures:
            return OllamaUnreachable("no Ollama endpoint is configured: set ollama.endpoints")
        unreachable = [f for f in failures if isinstance(f, OllamaUnreachable)]
        if len(unreachable) > 1 and len(unreachable) == len(failures):
            names = ", ".join(str(f.endpoint) for f in unreachable)
            error = OllamaUnreachable(
                f"Ollama is not running at any endpoint ({names}): start it with `ollama serve`, "
                "or check ollama.endpoints / OLLAMA_HOST",
                endpoint=unreachable[-1].endpoint,
            )
            error.__cause__ = unreachable[-1].__cause__
            return error
        return failures[-1]

    def _first_token_timeout(self, endpoint: str, model: str | None) -> OllamaTimeout:
        what = f"model '{model}'" if model else "the request"
        return OllamaTimeout(
            f"{what} produced nothing on {endpoint} within "
            f"{self.settings.first_token_timeout:g}s: it may still be loading; try again, pick a "
            "smaller model, or raise ollama.timeouts.firstToken",
            endpoint=endpoint,
        )


#: A finished stream is drained this long (s) after its final object, once the answer it
#: completes has gone out: draining first would delay that answer.
_FINISH_AFTER = 0.005


async def _drain(chunks: AsyncIterator[bytes], limit: float = 0.05) -> None:
    """Read what is left of a finished stream (its last empty chunk), briefly, so the
    connection goes back to the pool: closing it mid-body costs a new connection next time."""
    try:
        async with asyncio.timeout(limit):
            async for _ in chunks:
                pass
    except (TimeoutError, httpx.HTTPError):
        pass


def _put(body: Json, **fields: Any) -> None:
    body.update({k: v for k, v in fields.items() if v is not None})


def _message(message: Message) -> Json:
    if isinstance(message, ChatMessage):
        return {"role": message.role, "content": message.content}
    return dict(message)


def _no_endpoint(parse: Callable[[Json], T]) -> Callable[[Json, str], T]:
    return lambda data, _endpoint: parse(data)


def _is_done(obj: Json) -> bool:
    return bool(obj.get("done"))


def _is_success(obj: Json) -> bool:
    return obj.get("status") == "success"


def _parse(build: Callable[[], T], endpoint: str) -> T:
    """Run ``build``; a wrong-shaped answer becomes :class:`BadResponse`."""
    try:
        return build()
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise BadResponse(
            f"{endpoint} answered in an unexpected shape ({type(exc).__name__}: {exc}): check "
            "that the URL points at an Ollama server and that it is up to date",
            endpoint=endpoint,
        ) from exc


def _nothing(data: Any, endpoint: str) -> None:
    """For requests whose answer does not matter."""


def _parse_list(key: str, parse: Callable[[Any], T], data: Any, endpoint: str) -> list[T]:
    return [parse(item) for item in data[key] or []]
