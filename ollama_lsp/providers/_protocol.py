"""The interface the completion and chat features program against."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from typing import Any, Protocol, runtime_checkable

from ollama_lsp.ollama import ChatMessage, ChatResponse
from ollama_lsp.providers._types import AiCapabilities, CompletionPrompt, CompletionResult

__all__ = ["AiProvider", "ShouldStop"]

#: Called with all text generated so far; returning True ends the generation early.
ShouldStop = Callable[[str], bool]


@runtime_checkable
class AiProvider(Protocol):
    """A source of code completions and chat answers (Ollama today, others later)."""

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
        options: Mapping[str, Any] | None = None,
        should_stop: ShouldStop | None = None,
    ) -> CompletionResult:
        """Generate a completion for ``prompt``; stop early once ``should_stop`` says so."""
        ...

    async def chat(
        self,
        messages: Sequence[ChatMessage],
        *,
        model: str,
        options: Mapping[str, Any] | None = None,
    ) -> ChatResponse:
        """A whole chat answer."""
        ...

    def stream_chat(
        self,
        messages: Sequence[ChatMessage],
        *,
        model: str,
        options: Mapping[str, Any] | None = None,
    ) -> AsyncIterator[ChatResponse]:
        """A chat answer chunk by chunk; close the iterator to stop the generation."""
        ...
