"""Value types exchanged between the completion layer and a provider."""

from __future__ import annotations

from dataclasses import dataclass

from ollama_lsp.ollama import Metrics

__all__ = ["AiCapabilities", "CompletionPrompt", "CompletionResult"]


@dataclass(frozen=True, slots=True)
class CompletionPrompt:
    """What to send for one code completion.

    ``suffix`` is set for fill-in-the-middle through the model's template (Ollama's ``suffix``
    field); with ``raw`` the prompt already holds the model's FIM tokens and is sent untemplated.
    ``stop`` lists the stop sequences for this model family.
    """

    prompt: str
    suffix: str | None = None
    raw: bool = False
    stop: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class CompletionResult:
    """The text a provider generated for a :class:`CompletionPrompt`.

    ``cached`` is true when it came from the response cache; ``stopped_early`` when
    ``should_stop`` ended the generation (the text is then a prefix of what the model would
    have produced, and is not cached).
    """

    text: str
    model: str
    metrics: Metrics | None = None
    cached: bool = False
    stopped_early: bool = False


@dataclass(frozen=True, slots=True)
class AiCapabilities:
    """What a model can do, as its server reports it.

    ``fim`` is fill-in-the-middle (Ollama's ``insert`` capability); ``context_window`` is in
    tokens, ``None`` when the server does not say.
    """

    streaming: bool
    code_completion: bool
    fim: bool
    chat: bool
    context_window: int | None
