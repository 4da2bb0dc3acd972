"""AI providers: the protocol the completion layer calls, and its Ollama implementation."""

from ollama_lsp.providers._cache import AiResponseCache
from ollama_lsp.providers._ollama import OllamaProvider, capabilities_of
from ollama_lsp.providers._protocol import AiProvider, ShouldStop
from ollama_lsp.providers._types import AiCapabilities, CompletionPrompt, CompletionResult

__all__ = [
    "AiCapabilities",
    "AiProvider",
    "AiResponseCache",
    "CompletionPrompt",
    "CompletionResult",
    "OllamaProvider",
    "ShouldStop",
    "capabilities_of",
]
