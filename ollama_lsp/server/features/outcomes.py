"""``ollama.suggestionOutcome``: the editor says what became of a suggestion it was offered.

One command for every kind of suggestion (``completion``; ``nextEdit`` when next-edit
predictions report theirs), as Copilot's ``didPartiallyAcceptCompletion`` and friends are for
Copilot. Its argument: ``{id, kind?, outcome}``, ``outcome`` one of ``shown`` (a choice the
user cycled to), ``accepted`` (the item's own command), ``partial`` (a word or a line taken)
and ``dismissed`` (left without taking it).
"""

from __future__ import annotations

from functools import partial
from typing import Any, TypeVar

from pygls.exceptions import JsonRpcInvalidParams

from ollama_lsp.server.commands import Args, register_command, required_str
from ollama_lsp.server.outcomes import COMMAND, KINDS, OUTCOMES, SuggestionOutcomes
from ollama_lsp.server.server import OllamaLanguageServer

__all__ = ["register", "suggestion_outcome"]

T = TypeVar("T", bound=str)


def _one_of(args: Args, key: str, allowed: tuple[T, ...], default: T | None = None) -> T:
    value = args.get(key, default)
    for name in allowed:
        if value == name:
            return name
    choices = ", ".join(f'"{name}"' for name in allowed)
    raise JsonRpcInvalidParams(f"`{key}` must be one of {choices}.")


async def suggestion_outcome(
    ls: OllamaLanguageServer, args: Args, outcomes: SuggestionOutcomes
) -> dict[str, Any]:
    suggestion_id = required_str(args, "id")
    kind = _one_of(args, "kind", KINDS, "completion")
    outcome = _one_of(args, "outcome", OUTCOMES)
    return {"counted": outcomes.report(kind, suggestion_id, outcome)}


def register(server: OllamaLanguageServer, outcomes: SuggestionOutcomes) -> None:
    register_command(server, COMMAND, partial(suggestion_outcome, outcomes=outcomes))
