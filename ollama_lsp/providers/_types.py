"""Value types exchanged between the completion and chat code and a provider.

They belong to the provider interface, not to any one backend: the Ollama provider translates
them to and from Ollama's wire types, so the layers above never see those.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

__all__ = [
    "AiCapabilities",
    "ChatChunk",
    "ChatMessage",
    "CompletionPrompt",
    "CompletionResult",
    "GenerationStats",
    "ModelOptions",
]


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
class ModelOptions:
    """How to run the model for one request; ``None`` leaves a value to the backend.

    ``num_ctx`` is the context window in tokens (a different value makes Ollama reload the
    model, so callers keep it constant); ``max_tokens`` bounds the generated tokens; ``stop``
    adds stop sequences to the prompt's own; ``seed`` makes a sampled (temperature > 0)
    generation repeatable, and tells samples of the same prompt apart.
    """

    num_ctx: int | None = None
    max_tokens: int | None = None
    temperature: float | None = None
    stop: tuple[str, ...] = ()
    seed: int | None = None


@dataclass(frozen=True, slots=True)
class GenerationStats:
    """What a finished generation cost, where the backend says (else ``None``)."""

    prompt_tokens: int | None = None
    generated_tokens: int | None = None
    tokens_per_second: float | None = None
    load_ms: float | None = None
    prompt_ms: float | None = None
    """Time spent evaluating the ``prompt_tokens`` (those the model's cache did not hold)."""
    generation_ms: float | None = None
    """Time spent writing the ``generated_tokens``."""


@dataclass(frozen=True, slots=True)
class CompletionResult:
    """The text a provider generated for a :class:`CompletionPrompt`.

    ``cached`` is true when it came from the response cache; ``stopped_early`` when
    ``should_stop`` ended the generation (the text is then a prefix of what the model would
    have produced, and is not cached). ``endpoint`` is the server that answered, when known.
    """

    text: str
    model: str
    stats: GenerationStats | None = None
    cached: bool = False
    stopped_early: bool = False
    endpoint: str | None = None


@dataclass(frozen=True, slots=True)
class ChatMessage:
    """One message of a conversation."""

    role: Literal["system", "user", "assistant"]
    content: str


@dataclass(frozen=True, slots=True)
class ChatChunk:
    """A piece of a streamed chat answer; the last one has ``done`` set and the stats."""

    text: str
    done: bool
    stats: GenerationStats | None = None


@dataclass(frozen=True, slots=True)
class AiCapabilities:
    """What a model can do, as its server reports it.

    ``fim`` is fill-in-the-middle (Ollama's ``insert`` capability), ``None`` when the server
    does not say (an OpenAI-compatible engine: the family table decides); ``context_window`` is
    in tokens, ``None`` when the server does not say.
    """

    streaming: bool
    code_completion: bool
    fim: bool | None
    chat: bool
    context_window: int | None
