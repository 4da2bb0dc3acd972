"""The Ollama implementation of :class:`AiProvider`."""

from __future__ import annotations

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
    load = metrics.load_duration
    return GenerationStats(
        prompt_tokens=metrics.prompt_eval_count,
        generated_tokens=metrics.eval_count,
        tokens_per_second=metrics.tokens_per_second,
        load_ms=load / 1e6 if load is not None else None,
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
        stream = self.client.generate_stream(
            model,
            prompt.prompt,
            suffix=prompt.suffix,
            raw=prompt.raw,
            options=request_options,
            keep_alive=self.keep_alive,
        )
        async with aclosing(stream):
            async for chunk in stream:
                parts.append(chunk.response)
                endpoint = chunk.endpoint or endpoint
                if chunk.done:
                    metrics = chunk.metrics
                elif should_stop is not None and chunk.response and should_stop("".join(parts)):
                    stopped = True
                    break
        result = CompletionResult(
            text="".join(parts), model=model, stats=stats_of(metrics), stopped_early=stopped
        )
        if not stopped:
            if endpoint != asked:  # failed over: the answer is filed under who gave it
                key = self.cache.key(endpoint, model, prompt, request_options)
            self.cache.put(key, result)
        return result

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
