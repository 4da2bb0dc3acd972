"""The completion model's learned speeds, kept in the model store between sessions.

The pipeline learns how fast each (endpoint, model) evaluates prompts and writes from every
answer's counters; the first suggestion of the next session is sized with them instead of a
guess. Writes leave the keystroke path: they are gathered and written from a worker thread at
most every :data:`WRITE_EVERY` seconds, and once more at shutdown.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

from ollama_lsp.completion.speeds import SpeedBook, Speeds
from ollama_lsp.store import ModelSpeeds, ModelStore, StoreError

if TYPE_CHECKING:
    from ollama_lsp.server.server import OllamaLanguageServer

__all__ = ["SpeedKeeper"]

log = logging.getLogger(__name__)

WRITE_EVERY = 30.0


class SpeedKeeper:
    """Loads ``book`` from ``store`` now and writes what it learns back."""

    def __init__(self, server: OllamaLanguageServer, store: ModelStore, book: SpeedBook) -> None:
        self._server = server
        self._store = store
        self._pending: dict[tuple[str, str], Speeds] = {}
        self._timer: asyncio.TimerHandle | None = None
        try:
            remembered = store.speeds()
        except StoreError as error:
            log.warning("%s", error.message)
            remembered = []
        for row in reversed(remembered):  # oldest first: the newest endpoint of a model wins
            book.load(row.endpoint, row.model, _speeds(row))
        book.on_learned = self.learned

    def learned(self, endpoint: str, model: str, speeds: Speeds) -> None:
        self._pending[(endpoint, model)] = speeds
        if self._timer is None:
            loop = asyncio.get_running_loop()
            self._timer = loop.call_later(WRITE_EVERY, self._write_later)

    def _write_later(self) -> None:
        self._timer = None
        rows = self._take()
        if rows:
            self._server.spawn(asyncio.to_thread(self._save, rows), "save model speeds")

    def flush(self) -> None:
        """Write what is pending now (at shutdown, before the store closes)."""
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        self._save(self._take())

    def _take(self) -> list[ModelSpeeds]:
        rows = [_row(endpoint, model, s) for (endpoint, model), s in self._pending.items()]
        self._pending.clear()
        return rows

    def _save(self, rows: list[ModelSpeeds]) -> None:
        if not rows:
            return
        try:
            self._store.save_speeds(rows)
        except StoreError as error:
            log.warning("%s", error.message)


def _speeds(row: ModelSpeeds) -> Speeds:
    return Speeds(
        prompt_tps=row.prompt_tokens_per_second,
        eval_tps=row.eval_tokens_per_second,
        chars_per_token=row.chars_per_token,
        prompt_samples=row.prompt_samples,
        eval_samples=row.eval_samples,
        chars_samples=row.chars_samples,
    )


def _row(endpoint: str, model: str, speeds: Speeds) -> ModelSpeeds:
    return ModelSpeeds(
        endpoint=endpoint,
        model=model,
        prompt_tokens_per_second=speeds.prompt_tps,
        eval_tokens_per_second=speeds.eval_tps,
        chars_per_token=speeds.chars_per_token,
        prompt_samples=speeds.prompt_samples,
        eval_samples=speeds.eval_samples,
        chars_samples=speeds.chars_samples,
    )
