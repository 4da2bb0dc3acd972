"""The interface the completion pipeline and the chat feature program against."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Sequence
from typing import Protocol, runtime_checkable

from ollama_lsp.providers._types import (
    AiCapabilities,
    ChatChunk,
    ChatMessage,
    CompletionPrompt,
    CompletionResult,
    ModelOptions,
)

__all__ = ["AiProvider", "PromptWarming", "ShouldStop"]

#: Called with all text generated so far; returning True ends the generation early.
ShouldStop = Callable[[str], bool]


@runtime_checkable
class AiProvider(Protocol):
    """A source of code completions and chat answers: one Ollama or OpenAI-compatible
    endpoint, or a :class:`~ollama_lsp.providers.Fleet` of them.

    Failures are :class:`ollama_lsp.errors.AiError` s whose message is meant for the user.
    """

    @property
    def name(self) -> str:
        """A short identifier shown to users, e.g. ``"ollama"``."""
        ...

    async def capabilities(self, model: str) -> AiCapabilities:
        """What ``model`` can do, as its server reports it."""
        ...

    async def complete_code(
        self,
        prompt: CompletionPrompt,
        *,
        model: str,
        options: ModelOptions | None = None,
        should_stop: ShouldStop | None = None,
        affinity: str | None = None,
    ) -> CompletionResult:
        """Generate a completion for ``prompt``; stop early once ``should_stop`` says so.

        ``affinity`` (a document's URI) keeps related requests on one server, whose KV cache
        holds their common prefix, where there are several.
        """
        ...

    def stream_chat(
        self,
        messages: Sequence[ChatMessage],
        *,
        model: str,
        options: ModelOptions | None = None,
        affinity: str | None = None,
    ) -> AsyncIterator[ChatChunk]:
        """A chat answer chunk by chunk; close the iterator to stop the generation.
        ``affinity`` (a conversation) as for :meth:`complete_code`."""
        ...


@runtime_checkable
class PromptWarming(Protocol):
    """A provider whose server keeps the last prompt's KV cache and can evaluate a prompt
    ahead of the request that will need it (Ollama: a generation of one token)."""

    async def prefill(
        self,
        prompt: CompletionPrompt,
        *,
        model: str,
        options: ModelOptions | None = None,
        affinity: str | None = None,
    ) -> CompletionResult:
        """Have the model evaluate ``prompt`` now; the text is of no use, the stats are.
        ``affinity`` as for :meth:`AiProvider.complete_code`."""
        ...
