"""ollama-lsp: local Ollama models in every editor, over the Language Server Protocol."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("ollama-lsp")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0"

__all__ = ["__version__"]
