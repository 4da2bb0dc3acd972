"""AI providers: the interface the completion and chat code call; its Ollama and
OpenAI-compatible implementations; the fleet that routes requests over several endpoints.

The interface's types (prompts, options, results, chat messages) are the providers' own, so
nothing above this layer depends on a backend's wire types.
"""

from ollama_lsp.providers._cache import AiResponseCache
from ollama_lsp.providers._fleet import EndpointReport, Fleet, Member, ModelClient
from ollama_lsp.providers._ollama import OllamaProvider, capabilities_of
from ollama_lsp.providers._openai import OpenAIProvider
from ollama_lsp.providers._protocol import AiProvider, PromptWarming, ShouldStop
from ollama_lsp.providers._routing import EndpointState, Router
from ollama_lsp.providers._types import (
    AiCapabilities,
    ChatChunk,
    ChatMessage,
    CompletionPrompt,
    CompletionResult,
    GenerationStats,
    ModelOptions,
)

__all__ = [
    "AiCapabilities",
    "AiProvider",
    "AiResponseCache",
    "ChatChunk",
    "ChatMessage",
    "CompletionPrompt",
    "CompletionResult",
    "EndpointReport",
    "EndpointState",
    "Fleet",
    "GenerationStats",
    "Member",
    "ModelClient",
    "ModelOptions",
    "OllamaProvider",
    "OpenAIProvider",
    "PromptWarming",
    "Router",
    "ShouldStop",
    "capabilities_of",
]
