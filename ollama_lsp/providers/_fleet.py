"""The configured endpoints as one provider: a client and a provider per endpoint, routed.

Each endpoint speaks Ollama's API or the OpenAI-compatible one (``ClientSettings.apis``) and
gets its own client. :class:`Fleet` is the :class:`AiProvider` the pipeline and the chat use:
each request goes where the :class:`Router` says, and moves on to the next endpoint when one
cannot take it (no connection, busy, model missing) before it produced anything. Model
management goes to the client the router picks for the model (:meth:`Fleet.client_for`);
what only Ollama can do (pull, delete, create) to an Ollama endpoint (:meth:`Fleet.ollama_for`).

With one endpoint the fleet is a thin shell: no background requests, the client's own retries.
With several, what each endpoint has loaded is learned in the background (``/api/ps`` and
``/api/tags``, or ``/v1/models``) at most every ``LEARN_EVERY`` seconds while requests come.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncGenerator, Awaitable, Callable, Sequence
from contextlib import aclosing
from dataclasses import dataclass, replace
from functools import partial
from types import TracebackType
from typing import Self, TypeVar

import httpx

from ollama_lsp.errors import AiError
from ollama_lsp.ollama import (
    Api,
    ClientSettings,
    ModelNotFound,
    NotSupported,
    OllamaClient,
    OllamaUnreachable,
    OpenAIClient,
    ServerBusy,
)
from ollama_lsp.providers._cache import AiResponseCache
from ollama_lsp.providers._ollama import OllamaProvider
from ollama_lsp.providers._openai import OpenAIProvider
from ollama_lsp.providers._protocol import ShouldStop
from ollama_lsp.providers._routing import EndpointState, Router
from ollama_lsp.providers._types import (
    AiCapabilities,
    ChatChunk,
    ChatMessage,
    CompletionPrompt,
    CompletionResult,
    ModelOptions,
)

__all__ = ["EndpointReport", "Fleet", "Member", "ModelClient"]

log = logging.getLogger(__name__)

T = TypeVar("T")
ModelClient = OllamaClient | OpenAIClient
#: Seconds between two looks at what an endpoint has loaded, while requests come.
LEARN_EVERY = 10.0
#: Synthetic documents routed to tell how new documents would spread (doctor).
_SAMPLE_KEYS = 64
#: Failures after which the next endpoint is tried (nothing was generated yet).
_MOVE_ON = (OllamaUnreachable, ServerBusy, ModelNotFound)

_CANNOT = {
    "pull": "pull models: start it with the model it should serve (vLLM: `vllm serve MODEL`; "
    "llama.cpp: `llama-server -m FILE`), or add an Ollama endpoint to pull to",
    "delete": "delete models: they are files on that server, chosen when it starts",
    "quantize": "quantize models: serve a quantized file or checkpoint instead (a GGUF at "
    "another level, or an AWQ/GPTQ checkpoint for vLLM)",
    "benchmark": "benchmark quantization levels: it serves one level of each model",
}


@dataclass(frozen=True, slots=True)
class Member:
    """One endpoint: its API, client and provider."""

    url: str
    api: Api
    client: ModelClient
    provider: OllamaProvider | OpenAIProvider


@dataclass(frozen=True, slots=True)
class EndpointReport:
    """One endpoint as ``ollama.status`` and ``doctor`` show it: the probe's verdict, what it
    has loaded, and what the router knows (latency to first token, requests, their share)."""

    url: str
    api: Api
    healthy: bool
    version: str | None
    error: str | None
    probe_ms: float | None
    routing: EndpointState


class Fleet:
    """Every configured endpoint, routed: an :class:`AiProvider` and the model clients."""

    name = "fleet"

    def __init__(
        self,
        settings: ClientSettings,
        cache: AiResponseCache | None = None,
        *,
        keep_alive: float | str | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.settings = settings
        self.cache = cache if cache is not None else AiResponseCache()
        several = len(settings.endpoints) > 1
        members = []
        for url in settings.endpoints:
            # With several endpoints a failure moves on at once: the fleet retries the round.
            own = replace(
                settings, endpoints=(url,), max_retries=0 if several else settings.max_retries
            )
            api = settings.api_of(url)
            if api == "openai":
                openai = OpenAIClient(own, transport=transport)
                members.append(Member(url, api, openai, OpenAIProvider(openai, self.cache)))
            else:
                ollama = OllamaClient(own, transport=transport)
                provider = OllamaProvider(ollama, self.cache, keep_alive=keep_alive)
                members.append(Member(url, api, ollama, provider))
        self.members = tuple(members)
        self._by_url = {m.url: m for m in self.members}
        self.router = Router(settings.endpoints, clock=clock)
        self._learning: dict[str, asyncio.Task[bool]] = {}

    # -- settings ----------------------------------------------------------------------------

    @property
    def keep_alive(self) -> float | str | None:
        """Sent with every Ollama completion: how long the model stays loaded afterwards."""
        return next((p.keep_alive for p in self._ollama()), None)

    @keep_alive.setter
    def keep_alive(self, value: float | str | None) -> None:
        for provider in self._ollama():
            provider.keep_alive = value

    @property
    def stall_timeout(self) -> float | None:
        """A completion stream that has begun and then sends nothing this long is closed."""
        return next((p.stall_timeout for p in self._ollama()), None)

    @stall_timeout.setter
    def stall_timeout(self, value: float | None) -> None:
        for provider in self._ollama():
            provider.stall_timeout = value

    def forget_capabilities(self) -> None:
        """Drop cached capabilities (after a model was pulled, created or deleted)."""
        for provider in self._ollama():
            provider.forget_capabilities()

    # -- where requests go -------------------------------------------------------------------

    def order(self, model: str | None = None, affinity: str | None = None) -> list[str]:
        """The endpoints a request would try, best first (see :class:`Router`)."""
        if len(self.members) > 1:
            self._learn_when_stale()
        return self.router.order(model, affinity)

    def endpoint_for(self, model: str | None = None, affinity: str | None = None) -> str:
        """The endpoint a request for ``model`` (and ``affinity``) would go to first."""
        return self.order(model, affinity)[0]

    def member(self, url: str) -> Member:
        return self._by_url[url]

    def client_for(self, model: str | None = None) -> ModelClient:
        """The client of the endpoint that would serve ``model`` (for listing, showing,
        loading); any endpoint's client answers those questions."""
        return self._by_url[self.endpoint_for(model)].client

    def ollama_for(self, action: str, model: str | None = None) -> OllamaClient:
        """The client of the Ollama endpoint that would serve ``model``, to ``action`` it
        (``pull``, ``delete``, ``quantize``, ``benchmark``): :class:`NotSupported` when no
        Ollama endpoint is configured, saying what to do instead."""
        for url in self.order(model):
            client = self._by_url[url].client
            if isinstance(client, OllamaClient):
                return client
        url = self.endpoint_for(model)
        raise NotSupported(
            f"{url} is an OpenAI-compatible server, which cannot {_CANNOT.get(action, action)}",
            endpoint=url,
        )

    # -- the provider ------------------------------------------------------------------------

    async def capabilities(self, model: str) -> AiCapabilities:
        """What ``model`` can do, from the endpoint that would serve it."""
        _, capabilities = await self._first(
            model, None, lambda member: member.provider.capabilities(model)
        )
        return capabilities

    async def complete_code(
        self,
        prompt: CompletionPrompt,
        *,
        model: str,
        options: ModelOptions | None = None,
        should_stop: ShouldStop | None = None,
        affinity: str | None = None,
    ) -> CompletionResult:
        """A completion from the endpoint the router picks; the next one is tried when an
        endpoint cannot take it. The time to the first token goes to the router."""
        clock = self.router.clock
        times: dict[str, float] = {}

        def first_token(text: str) -> bool:
            times.setdefault("first", clock())
            return should_stop(text) if should_stop is not None else False

        async def ask(member: Member) -> CompletionResult:
            times.clear()
            times["start"] = clock()
            return await member.provider.complete_code(
                prompt, model=model, options=options, should_stop=first_token
            )

        url, result = await self._first(model, affinity, ask, count=True)
        latency = None
        if not result.cached:
            load = (result.stats.load_ms or 0.0) / 1000 if result.stats else 0.0
            latency = max(0.0, times.get("first", clock()) - times["start"] - load)
        self.router.finished(url, latency=latency)
        self.router.place(affinity, url, latency)
        return replace(result, endpoint=url)

    async def prefill(
        self,
        prompt: CompletionPrompt,
        *,
        model: str,
        options: ModelOptions | None = None,
        affinity: str | None = None,
    ) -> CompletionResult:
        """Warm the KV cache of the endpoint the router would send ``affinity``'s next
        completion to; an OpenAI-compatible server is left alone."""

        async def ask(member: Member) -> CompletionResult:
            if not isinstance(member.provider, OllamaProvider):
                return CompletionResult("", model)
            return await member.provider.prefill(prompt, model=model, options=options)

        url, result = await self._first(model, affinity, ask)
        return replace(result, endpoint=url)

    async def stream_chat(
        self,
        messages: Sequence[ChatMessage],
        *,
        model: str,
        options: ModelOptions | None = None,
        affinity: str | None = None,
    ) -> AsyncGenerator[ChatChunk, None]:
        """A chat answer from the endpoint the router picks for the conversation; the next
        endpoint is tried while the first chunk has not come."""
        clock = self.router.clock

        async def open_stream(
            member: Member,
        ) -> tuple[AsyncGenerator[ChatChunk, None], ChatChunk, float]:
            started = clock()
            stream = member.provider.stream_chat(messages, model=model, options=options)
            try:
                first = await anext(stream)
            except BaseException:
                await stream.aclose()
                raise
            return stream, first, clock() - started

        url, (stream, first, latency) = await self._first(model, affinity, open_stream, count=True)
        self.router.place(affinity, url, latency)
        try:
            async with aclosing(stream):
                yield first
                async for chunk in stream:
                    yield chunk
        finally:
            self.router.finished(url, latency=latency)

    async def _first(
        self,
        model: str | None,
        affinity: str | None,
        call: Callable[[Member], Awaitable[T]],
        *,
        count: bool = False,
    ) -> tuple[str, T]:
        """``call`` on the endpoints in the router's order until one answers: its URL and
        answer. A failure in :data:`_MOVE_ON` moves on to the next endpoint; when every one
        failed to connect or was busy, the round is retried with backoff (``max_retries``).
        With ``count`` the request is counted in flight, and the caller ends it with
        ``router.finished`` once it is over.
        """
        failures: list[AiError] = []
        rounds = self.settings.max_retries + 1 if len(self.members) > 1 else 1
        for attempt in range(rounds):
            if attempt:
                await asyncio.sleep(self.settings.retry_backoff * 2 ** (attempt - 1))
            failures.clear()
            for url in self.order(model, affinity):
                if count:
                    self.router.started(url)
                try:
                    result = await call(self._by_url[url])
                except _MOVE_ON as error:
                    failures.append(error)
                    self._failed(url, model, error)
                    if count:
                        self.router.finished(url)
                    continue
                except BaseException:
                    if count:
                        self.router.finished(url)
                    raise
                self.router.mark_up(url)
                return url, result
            if not all(isinstance(f, OllamaUnreachable | ServerBusy) for f in failures):
                break
        raise self._give_up(failures)

    def _failed(self, url: str, model: str | None, error: AiError) -> None:
        if isinstance(error, ModelNotFound) and model is not None:
            self.router.lacks(url, model)
        else:
            self.router.mark_down(url)
        if len(self.members) > 1:
            log.info("%s: %s; trying the next endpoint", url, error.message)

    def _give_up(self, failures: list[AiError]) -> AiError:
        missing = [f for f in failures if isinstance(f, ModelNotFound)]
        if missing:
            return missing[0]
        unreachable = [f for f in failures if isinstance(f, OllamaUnreachable)]
        if len(unreachable) > 1 and len(unreachable) == len(failures):
            names = ", ".join(str(f.endpoint) for f in unreachable)
            error = OllamaUnreachable(
                f"no endpoint is reachable ({names}): start the servers, or check "
                "ollama.endpoints / OLLAMA_HOST",
                endpoint=unreachable[-1].endpoint,
            )
            error.__cause__ = unreachable[-1].__cause__
            return error
        return failures[-1]

    # -- what each endpoint has --------------------------------------------------------------

    def _learn_when_stale(self) -> None:
        """Look at what stale endpoints have loaded, in the background (never on the path of
        a request); an endpoint marked down is looked at once its verdict expires."""
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return
        now = self.router.clock()
        for member in self.members:
            url = member.url
            stale = now - self.router.learned_at(url) >= LEARN_EVERY
            if stale and not self.router.is_down(url) and url not in self._learning:
                task = loop.create_task(self.learn(member), name=f"learn what {url} has")
                self._learning[url] = task
                task.add_done_callback(partial(self._learned, url))

    def _learned(self, url: str, _task: asyncio.Task[bool]) -> None:
        self._learning.pop(url, None)

    async def learn(self, member: Member) -> bool:
        """Ask ``member`` what it has loaded and installed; False when it did not answer."""
        try:
            if isinstance(member.client, OpenAIClient):
                served = [m.id for m in await member.client.models()]
                self.router.learned(member.url, loaded=served, available=served)
            else:
                running, installed = await asyncio.gather(
                    member.client.running(), member.client.list_models()
                )
                self.router.learned(
                    member.url,
                    loaded=[m.name for m in running],
                    available=[m.name for m in installed],
                )
        except AiError as error:
            log.info("%s: %s", member.url, error.message)
            self.router.mark_down(member.url)
            return False
        self.router.mark_up(member.url)
        return True

    async def report(self, model: str | None = None) -> list[EndpointReport]:
        """Probe every endpoint now and learn what it has loaded: for status and doctor."""

        async def one(member: Member) -> EndpointReport:
            started = time.monotonic()
            health = (await member.client.health())[0]
            probe_ms = round((time.monotonic() - started) * 1000, 1)
            if health.healthy:
                await self.learn(member)
            else:
                self.router.mark_down(member.url)
            state = next(s for s in self.router.states() if s.url == member.url)
            return EndpointReport(
                member.url,
                member.api,
                health.healthy,
                health.version,
                health.error,
                probe_ms if health.healthy else None,
                state,
            )

        return list(await asyncio.gather(*(one(m) for m in self.members)))

    def spread(self, model: str | None) -> dict[str, float]:
        """How new documents would spread over the endpoints now (part of each, 0 to 1)."""
        firsts = [self.router.order(model, f"document {i}")[0] for i in range(_SAMPLE_KEYS)]
        return {url: firsts.count(url) / _SAMPLE_KEYS for url in self.router.endpoints}

    def _ollama(self) -> list[OllamaProvider]:
        return [m.provider for m in self.members if isinstance(m.provider, OllamaProvider)]

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
        """Stop background work and close every client."""
        tasks = list(self._learning.values())
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await asyncio.gather(*(m.client.aclose() for m in self.members))
