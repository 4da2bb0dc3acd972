"""What became of the suggestions shown: counted per kind, language and model, on this machine.

The server offers each suggestion under an id; the editor reports what the user did with it
through ``ollama.suggestionOutcome`` (the item's own command when it is accepted whole, as
Copilot's ``didPartiallyAcceptCompletion`` for a word or a line, and when it is left). Each
suggestion ends in the best outcome it reached, counted once: ``accepted`` over ``partial``
over ``dismissed``. Only the counts are kept, in the model store; the text never is, and
nothing leaves the machine.

Counts are batched in memory and written a few seconds later (and at shutdown), off the
keystroke path; the ids are remembered for an hour, a bounded number of them.
"""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Final, Literal, get_args

from cachetools import TTLCache
from lsprotocol import types

from ollama_lsp.server.server import OllamaLanguageServer
from ollama_lsp.store import ModelStore, OutcomeCounts, StoreError, add_up

__all__ = [
    "COMMAND",
    "KINDS",
    "OUTCOMES",
    "Kind",
    "Outcome",
    "SuggestionOutcomes",
    "accept_command",
    "summary",
]

log = logging.getLogger(__name__)

#: The command the editors call (and the one an offered item carries for a whole accept).
COMMAND: Final = "ollama.suggestionOutcome"

Kind = Literal["completion", "nextEdit"]
KINDS: tuple[Kind, ...] = get_args(Kind)
Outcome = Literal["shown", "dismissed", "partial", "accepted"]
OUTCOMES: tuple[Outcome, ...] = get_args(Outcome)
#: An outcome replaces a lesser one only: a suggestion partly taken, then left, stays
#: ``partial``; one left, then taken whole after all (typed through again), is ``accepted``.
_RANK: Final[dict[Outcome, int]] = {o: rank for rank, o in enumerate(OUTCOMES)}
#: How a suggestion can end, best first.
_ENDINGS: Final = ("accepted", "partial", "dismissed")


def accept_command(suggestion_id: str, kind: Kind = "completion") -> types.Command:
    """The command an offered item carries: the editor runs it when it accepts the item."""
    argument = {"id": suggestion_id, "kind": kind, "outcome": "accepted"}
    return types.Command(title="Accept the suggestion", command=COMMAND, arguments=[argument])


@dataclass(slots=True)
class _Offered:
    kind: Kind
    language: str
    model: str
    outcome: Outcome | None = None  # None: offered, not seen yet (a choice not cycled to)


class SuggestionOutcomes:
    """The offered suggestions by id, and the counts waiting to be written to the store."""

    def __init__(
        self,
        server: OllamaLanguageServer,
        store: ModelStore,
        *,
        max_tracked: int = 4096,
        remember_for: float = 3600.0,
        write_after: float = 5.0,
    ) -> None:
        self._server = server
        self._store = store
        self._offered: TTLCache[tuple[Kind, str], _Offered] = TTLCache(
            maxsize=max_tracked, ttl=remember_for
        )
        self._pending: Counter[tuple[Kind, str, str, str]] = Counter()
        self._write_after = write_after
        self._scheduled: asyncio.TimerHandle | None = None

    def offered(
        self, kind: Kind, suggestion_id: str, language: str, model: str, *, shown: bool
    ) -> None:
        """A suggestion went to the editor; ``shown`` when the editor displays it at once (the
        first of a list; the others count once the editor says it showed them)."""
        key = (kind, suggestion_id)
        if key not in self._offered:
            self._offered[key] = _Offered(kind, language, model)
        if shown:
            self.report(kind, suggestion_id, "shown")

    def report(self, kind: Kind, suggestion_id: str, outcome: Outcome) -> bool:
        """The editor says what became of a suggestion; False for an id it was never offered
        under (another server's, or forgotten)."""
        offered = self._offered.get((kind, suggestion_id))
        if offered is None:
            return False
        before = offered.outcome
        if before is None:
            self._count(offered, "shown", 1)
            offered.outcome = "shown"
            before = "shown"
        if _RANK[outcome] > _RANK[before]:
            if before != "shown":
                self._count(offered, before, -1)
            self._count(offered, outcome, 1)
            offered.outcome = outcome
        return True

    def _count(self, offered: _Offered, column: str, change: int) -> None:
        self._pending[(offered.kind, offered.language, offered.model, column)] += change
        if self._scheduled is None:
            loop = asyncio.get_running_loop()
            self._scheduled = loop.call_later(self._write_after, self._write_soon)

    def _write_soon(self) -> None:
        self._server.spawn(self.flush(), "store suggestion outcomes")

    async def flush(self) -> None:
        """Write the waiting counts to the store (a failure is logged: counts are not worth a
        message)."""
        if self._scheduled is not None:
            self._scheduled.cancel()
            self._scheduled = None
        rows = _rows(self._pending)
        self._pending = Counter()
        if not rows:
            return
        try:
            await asyncio.to_thread(self._store.add_outcomes, rows)
        except StoreError as error:
            log.warning("suggestion outcomes not stored: %s", error.message)

    async def counts(self) -> list[OutcomeCounts]:
        """Every count so far, this session's included (none when the store cannot be read)."""
        await self.flush()
        try:
            return await asyncio.to_thread(self._store.outcomes)
        except StoreError as error:
            log.warning("suggestion outcomes not read: %s", error.message)
            return []


def _rows(pending: Counter[tuple[Kind, str, str, str]]) -> list[OutcomeCounts]:
    rows: dict[tuple[str, str, str], dict[str, int]] = {}
    for (kind, language, model, column), change in pending.items():
        if change:
            rows.setdefault((kind, language, model), {})[column] = change
    return [
        OutcomeCounts(kind, language, model, **changes)
        for (kind, language, model), changes in rows.items()
    ]


def _json(counts: OutcomeCounts) -> dict[str, Any]:
    """The counts, with each outcome's share of the shown suggestions (``acceptedRate``...)."""
    rates = {f"{outcome}Rate": counts.rate(outcome) for outcome in _ENDINGS}
    return {"shown": counts.shown, **{o: getattr(counts, o) for o in _ENDINGS}, **rates}


def summary(rows: Iterable[OutcomeCounts]) -> dict[str, Any]:
    """``ollama.status``'s ``suggestions``: per kind, the totals, then by language and model."""
    by_kind: dict[str, list[OutcomeCounts]] = {}
    for row in rows:
        by_kind.setdefault(row.kind, []).append(row)
    answer: dict[str, Any] = {}
    for kind, mine in by_kind.items():
        languages = sorted({r.language for r in mine})
        models = sorted({r.model for r in mine})
        answer[kind] = {
            **_json(add_up(mine, kind=kind)),
            "byLanguage": [
                {"language": name, **_json(add_up(r for r in mine if r.language == name))}
                for name in languages
            ],
            "byModel": [
                {"model": name, **_json(add_up(r for r in mine if r.model == name))}
                for name in models
            ],
        }
    return answer
