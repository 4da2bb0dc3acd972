"""AI providers: the protocol the completion layer calls, and its Ollama implementation."""

from ollama_lsp.providers._types import AiCapabilities, CompletionPrompt, CompletionResult

__all__ = ["AiCapabilities", "CompletionPrompt", "CompletionResult"]
