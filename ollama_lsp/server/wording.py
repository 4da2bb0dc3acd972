"""Server texts in the editor's words: how to pull a model, said the way this editor does it.

Messages name the terminal command (`` `ollama pull NAME` ``); the editor the user sits in has
its own (``:Ollama pull NAME`` in Neovim, *Pull Model* in VS Code), named from the
``clientInfo`` of ``initialize``.
"""

from __future__ import annotations

import re

__all__ = ["in_editor_words", "pull_action"]

_PULL = re.compile(r"`ollama pull (?P<model>[^`\s]+)`")


def pull_action(editor: str | None, model: str) -> str:
    """How the user of ``editor`` (``clientInfo.name``) pulls ``model``."""
    name = (editor or "").lower()
    if "neovim" in name or name == "nvim":
        return f"`:Ollama pull {model}`"
    if "code" in name:  # Visual Studio Code, code-server, VSCodium
        return f"Ollama: Pull Model ({model})"
    return f"`ollama pull {model}`"


def in_editor_words(message: str, editor: str | None) -> str:
    """``message`` with each `` `ollama pull NAME` `` said as ``editor`` does it."""
    return _PULL.sub(lambda match: pull_action(editor, match["model"]), message)
