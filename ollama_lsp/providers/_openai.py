"""The OpenAI-compatible implementation of :class:`AiProvider` (vLLM, llama.cpp's server, ...).

Completions go to ``/v1/completions`` with the prompt as the family built it: a raw FIM
prompt is plain text to such an engine, so it works wherever the model knows its FIM tokens.
A prompt that leaves the FIM layout to the server (``raw`` false, a ``suffix``) sends the
``suffix`` field, which llama-cpp-python honours and vLLM refuses (``InsertNotSupported``).
Such an engine reports no capabilities: ``fim`` is ``None``, so the family table decides.
"""

from __future__ import annotations

import time
from collections.abc import AsyncGenerator, Sequence
from contextlib import aclosing
from dataclasses import replace

from ollama_lsp.ollama import OpenAIClient, TextDelta
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

__all__ = ["OpenAIProvider"]


class _Tally:
    """Counts the pieces of a stream and times them, for stats the engine may not send."""

    def __init__(self) -> None:
        self.pieces = 0
        self.first: float | None = None
        self.last: float | None = None
        self.finish: str | None = None
        self.prompt_tokens: int | None = None
        self.generated: int | None = None

    def add(self, delta: TextDelta) -> None:
        if delta.text:
            now = time.monotonic()
            self.first = self.first if self.first is not None else now
            self.last = now
            self.pieces += 1
        self.finish = delta.finish_reason or self.finish
        if delta.usage is not None:
            self.prompt_tokens = delta.usage.prompt_tokens
            self.generated = delta.usage.completion_tokens

    def stats(self, max_tokens: int | None) -> GenerationStats:
        generated = self.generated if self.generated is not None else self.pieces
        if self.finish == "length" and max_tokens is not None:
            generated = max(generated, max_tokens)  # cut by the budget, as the pipeline asks
        speed = None
        if self.first is not None and self.last is not None and self.last > self.first:
            speed = (self.pieces - 1) / (self.last - self.first)
        return GenerationStats(self.prompt_tokens, generated, speed, None)


class OpenAIProvider:
    """Completions and chat from one OpenAI-compatible endpoint, with a response cache."""

    name = "openai"

    def __init__(self, client: OpenAIClient, cache: AiResponseCache | None = None) -> None:
        self.client = client
        self.cache = cache if cache is not None else AiResponseCache()

    async def capabilities(self, model: str) -> AiCapabilities:
        """From ``/v1/models``: the model must be served; FIM support is not reported."""
        served = await self.client.served(model)
        return AiCapabilities(
            streaming=True,
            code_completion=True,
            fim=None,
            chat=True,
            context_window=served.context_length,
        )

    async def complete_code(
        self,
        prompt: CompletionPrompt,
        *,
        model: str,
        options: ModelOptions | None = None,
        should_stop: ShouldStop | None = None,
        affinity: str | None = None,
    ) -> CompletionResult:
        """Stream ``/v1/completions``; ``should_stop`` may close the stream early (the engine
        then stops generating). ``num_ctx`` is the server's to set and is not sent."""
        options = options or ModelOptions()
        stop = (*options.stop, *prompt.stop)
        key = self.cache.key(
            self.client.endpoint,
            model,
            prompt,
            {"max": options.max_tokens, "t": options.temperature, "seed": options.seed},
        )
        hit = self.cache.get(key)
        if hit is not None:
            return replace(hit, cached=True)
        parts: list[str] = []
        tally = _Tally()
        stopped = False
        stream = self.client.complete_stream(
            model,
            prompt.prompt,
            suffix=None if prompt.raw else prompt.suffix,
            max_tokens=options.max_tokens,
            temperature=options.temperature,
            stop=stop,
            seed=options.seed,
        )
        async with aclosing(stream):
            async for delta in stream:
                tally.add(delta)
                if not delta.text:
                    continue
                parts.append(delta.text)
                if should_stop is not None and should_stop("".join(parts)):
                    stopped = True
                    break
        result = CompletionResult(
            "".join(parts), model, tally.stats(options.max_tokens), stopped_early=stopped
        )
        if not stopped:
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
        options = options or ModelOptions()
        stream = self.client.chat_stream(
            model,
            [{"role": m.role, "content": m.content} for m in messages],
            max_tokens=options.max_tokens,
            temperature=options.temperature,
            stop=options.stop,
        )
        tally = _Tally()
        async with aclosing(stream):
            async for delta in stream:
                tally.add(delta)
                if delta.text:
                    yield ChatChunk(delta.text, False)
        yield ChatChunk("", True, tally.stats(options.max_tokens))
