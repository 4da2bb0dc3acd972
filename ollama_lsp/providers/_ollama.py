"""The Ollama implementation of :class:`AiProvider`."""

from __future__ import annotations

import time
from collections.abc import AsyncGenerator, Sequence
from contextlib import aclosing
from dataclasses import replace
from typing import Any

from cachetools import TTLCache

from ollama_lsp.ollama import Metrics, ModelInfo, OllamaClient
from ollama_lsp.providers._cache import AiResponseCache
from ollama_lsp.providers._protocol import ShouldStop
from ollama_lsp.providers._types import (
    AiCapabilities,
    ChatChunk,
    ChatMessage,
    CompletionPrompt,
    CompletionResult,
    GenerationStats,
    ModelOptions,
)

__all__ = ["OllamaProvider", "capabilities_of", "stats_of", "wire_options"]

#: Capabilities change only when a model is re-pulled or re-created; keep them a few minutes.
_CAPABILITIES_TTL = 300.0
_CAPABILITIES_MAX = 128


def capabilities_of(info: ModelInfo) -> AiCapabilities:
    """Derive capabilities from ``/api/show``.

    Servers before the ``capabilities`` field are judged by their template: a template that
    uses ``.Suffix`` can fill in the middle.
    """
    caps = set(info.capabilities)
    if not caps:
        caps = {"completion"} | ({"insert"} if ".Suffix" in info.template else set())
    generates = "completion" in caps
    return AiCapabilities(
        streaming=True,
        code_completion=generates or "insert" in caps,
        fim="insert" in caps,
        chat=generates,
        context_window=info.context_length,
    )


def stats_of(metrics: Metrics | None) -> GenerationStats | None:
    """Ollama's metrics (nanoseconds) as the provider interface's :class:`GenerationStats`."""
    if metrics is None:
        return None

    def ms(nanoseconds: int | None) -> float | None:
        return nanoseconds / 1e6 if nanoseconds is not None else None

    return GenerationStats(
        prompt_tokens=metrics.prompt_eval_count,
        generated_tokens=metrics.eval_count,
        tokens_per_second=metrics.tokens_per_second,
        load_ms=ms(metrics.load_duration),
        prompt_ms=ms(metrics.prompt_eval_duration),
        generation_ms=ms(metrics.eval_duration),
    )


def wire_options(options: ModelOptions | None, stop: tuple[str, ...] = ()) -> dict[str, Any]:
    """Ollama's ``options`` object for ``options`` plus the prompt's ``stop`` sequences."""
    wire: dict[str, Any] = {}
    if options is not None:
        if options.num_ctx is not None:
            wire["num_ctx"] = options.num_ctx
        if options.max_tokens is not None:
            wire["num_predict"] = options.max_tokens
        if options.temperature is not None:
            wire["temperature"] = options.temperature
        if options.seed is not None:
            wire["seed"] = options.seed
        stop = (*options.stop, *stop)
    if stop:
        wire["stop"] = list(dict.fromkeys(stop))
    return wire


class _Pace:
    """The writing speed as the client sees it (one streamed line per token), for a stream
    closed before Ollama's final object and its counters."""

    def __init__(self) -> None:
        self.tokens = 0
        self.first = self.last = 0.0

    def token(self) -> None:
        self.last = time.perf_counter()
        if not self.tokens:
            self.first = self.last
        self.tokens += 1

    def stats(self) -> GenerationStats | None:
        if self.tokens < 2 or self.last <= self.first:
            return None
        per_token = (self.last - self.first) / (self.tokens - 1)
        return GenerationStats(
            generated_tokens=self.tokens,
            tokens_per_second=1 / per_token,
            generation_ms=per_token * self.tokens * 1000,
        )


class OllamaProvider:
    """Completions and chat from Ollama, with capability and response caches."""

    name = "ollama"

    def __init__(
        self,
        client: OllamaClient,
        cache: AiResponseCache | None = None,
        *,
        keep_alive: float | str | None = None,
    ) -> None:
        self.client = client
        self.cache = cache if cache is not None else AiResponseCache()
        #: Sent with every completion: how long Ollama keeps the model loaded afterwards.
        self.keep_alive = keep_alive
        #: A completion stream that has begun and then sends nothing this long (s) is closed.
        self.stall_timeout: float | None = None
        self._capabilities: TTLCache[tuple[str, str], AiCapabilities] = TTLCache(
            maxsize=_CAPABILITIES_MAX, ttl=_CAPABILITIES_TTL
        )

    async def capabilities(self, model: str) -> AiCapabilities:
        """Capabilities of ``model`` from ``/api/show``, cached per (endpoint, model)."""
        endpoint = await self.client.endpoint_for(model)
        cached = self._capabilities.get((endpoint, model))
        if cached is not None:
            return cached
        info = await self.client.show(model)
        capabilities = capabilities_of(info)
        self._capabilities[(info.endpoint or endpoint, model)] = capabilities
        return capabilities

    def forget_capabilities(self) -> None:
        """Drop cached capabilities (after a model was pulled, created or deleted)."""
        self._capabilities.clear()

    async def complete_code(
        self,
        prompt: CompletionPrompt,
        *,
        model: str,
        options: ModelOptions | None = None,
        should_stop: ShouldStop | None = None,
        affinity: str | None = None,
    ) -> CompletionResult:
        """Stream a completion from ``/api/generate`` (``affinity`` matters to a fleet only).

        After each chunk ``should_stop(text_so_far)`` may end the generation: the stream is
        closed, so Ollama stops generating, and the partial text is returned with
        ``stopped_early`` set. Only complete results are cached.
        """
        request_options = wire_options(options, prompt.stop)
        asked = await self.client.endpoint_for(model)
        key = self.cache.key(asked, model, prompt, request_options)
        hit = self.cache.get(key)
        if hit is not None:
            return replace(hit, cached=True)

        endpoint = asked
        parts: list[str] = []
        metrics: Metrics | None = None
        stopped = False
        pace = _Pace()
        stream = self.client.generate_stream(
            model,
            prompt.prompt,
            suffix=prompt.suffix,
            raw=prompt.raw,
            options=request_options,
            keep_alive=self.keep_alive,
            stall_timeout=self.stall_timeout,
        )
        async with aclosing(stream):
            async for chunk in stream:
                parts.append(chunk.response)
                endpoint = chunk.endpoint or endpoint
                if chunk.done:  # the stream ends itself: its connection goes back to the pool
                    metrics = chunk.metrics
                    continue
                pace.token()
                if should_stop is not None and chunk.response and should_stop("".join(parts)):
                    stopped = True
                    break
        result = CompletionResult(
            text="".join(parts),
            model=model,
            stats=stats_of(metrics) or pace.stats(),
            stopped_early=stopped,
            endpoint=endpoint,
        )
        if not stopped:
            if endpoint != asked:  # failed over: the answer is filed under who gave it
                key = self.cache.key(endpoint, model, prompt, request_options)
            self.cache.put(key, result)
        return result

    async def prefill(
        self,
        prompt: CompletionPrompt,
        *,
        model: str,
        options: ModelOptions | None = None,
        affinity: str | None = None,
    ) -> CompletionResult:
        """Have Ollama evaluate ``prompt`` into its KV cache: a generation of one token.

        Not ``num_predict: 0``, which Ollama's runner takes as no limit at all. Never answered
        from the response cache: evaluating the prompt is the point.
        """
        wire = wire_options(options, prompt.stop)
        wire["num_predict"] = 1
        endpoint = await self.client.endpoint_for(model)
        metrics: Metrics | None = None
        stream = self.client.generate_stream(
            model,
            prompt.prompt,
            suffix=prompt.suffix,
            raw=prompt.raw,
            options=wire,
            keep_alive=self.keep_alive,
            stall_timeout=self.stall_timeout,
        )
        async with aclosing(stream):
            async for chunk in stream:
                endpoint = chunk.endpoint or endpoint
                metrics = chunk.metrics if chunk.done else metrics
        return CompletionResult("", model, stats_of(metrics), endpoint=endpoint)

    async def stream_chat(
        self,
        messages: Sequence[ChatMessage],
        *,
        model: str,
        options: ModelOptions | None = None,
        affinity: str | None = None,
    ) -> AsyncGenerator[ChatChunk, None]:
        """A chat answer chunk by chunk; closing the iterator stops the generation at once."""
        stream = self.client.chat_stream(
            model,
            [{"role": m.role, "content": m.content} for m in messages],
            options=wire_options(options) or None,
        )
        async with aclosing(stream):
            async for chunk in stream:
                yield ChatChunk(chunk.message.content, chunk.done, stats_of(chunk.metrics))
