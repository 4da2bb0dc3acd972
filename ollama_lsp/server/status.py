"""The ``ollama/status`` notification and failure messages shown once per kind.

The client hears about every state change (idle, loading, generating, error, disabled), in the
spirit of Copilot's ``didChangeStatus``; it hears nothing when nothing changed. A failure is
shown through ``window/showMessage`` the first time its kind occurs, and again only after a
success in between (Ollama down -> one message, not one per keystroke).
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, Literal

import attrs
from lsprotocol import types

from ollama_lsp.completion.pipeline import GenerationReport
from ollama_lsp.server.log import scrub
from ollama_lsp.server.wording import in_editor_words

if TYPE_CHECKING:
    from pygls.lsp.server import LanguageServer

__all__ = ["STATUS_NOTIFICATION", "State", "StatusParams", "StatusReporter"]

STATUS_NOTIFICATION = "ollama/status"
#: A generation shorter than this is not announced: a status bar blinking "generating" for
#: 100 ms at every keystroke is noise, and two notifications per request cost latency.
GENERATING_AFTER = 0.25
#: The last speed is sent again only when it moved by this share: the status bar shows a
#: current figure without a notification after every suggestion.
SPEED_CHANGE = 0.1
State = Literal["idle", "loading", "generating", "error", "disabled"]
#: The last suggestion's cost is sent this long (s) after it, coalesced while the user types.
REFRESH_AFTER = 0.25

log = logging.getLogger(__name__)


@attrs.frozen
class StatusParams:
    """Payload of ``ollama/status`` (camelCase on the wire)."""

    state: State
    model: str | None = None
    message: str | None = None
    tokens_per_second: float | None = None
    suggestion_ms: int | None = None
    """How long the last suggestion the model wrote took, from the request to the answer."""
    cached_share: float | None = None
    """The share (0-1) of that suggestion's prompt the model's KV cache held."""


class StatusReporter:
    """Tracks the completion state and tells the client when it changes."""

    def __init__(self, server: LanguageServer) -> None:
        self._server = server
        self.current = StatusParams(state="idle")
        self._generating = 0
        self._announce: asyncio.TimerHandle | None = None
        self._shown_failures: set[str] = set()
        self.last_errors: dict[str, str] = {}
        #: ``clientInfo.name`` of the editor: messages use its words (``wording``).
        self.editor: str | None = None
        #: The speed of the model's last generation (tokens/s), carried by every ``idle``.
        self._speeds: dict[str, float] = {}
        #: What the last suggestion the model wrote cost, carried by every state once known.
        self.last_suggestion: GenerationReport | None = None
        self._refresh: asyncio.TimerHandle | None = None

    def set(
        self,
        state: State,
        *,
        model: str | None = None,
        message: str | None = None,
        tokens_per_second: float | None = None,
    ) -> None:
        """Move to ``state``; notifies the client only when something changed.

        ``idle`` carries the model's last known speed unless one is given; every state carries
        the last suggestion's time and cached share once known.
        """
        if state == "idle" and tokens_per_second is None and model is not None:
            tokens_per_second = self._speeds.get(model)
        if message is not None:
            message = scrub(self.in_editor_words(message))
        last = self.last_suggestion
        params = StatusParams(
            state,
            model,
            message,
            tokens_per_second,
            round(last.elapsed_ms) if last is not None else None,
            round(last.cached_share, 2) if last and last.cached_share is not None else None,
        )
        if params == self.current:
            return
        self.current = params
        if self._server.protocol.writer is None:
            return
        try:
            self._server.protocol.notify(STATUS_NOTIFICATION, params)
        except Exception as exc:  # the client went away: nothing to tell
            log.debug("could not send %s: %s", STATUS_NOTIFICATION, exc)

    def generation_started(self, model: str) -> None:
        """A generation began; it is announced once it has run for ``GENERATING_AFTER`` s."""
        self._generating += 1
        if self._announce is None and self.current.state != "generating":
            message = f"Generating with {model}"
            self._announce = asyncio.get_running_loop().call_later(
                GENERATING_AFTER, self._announce_generating, model, message
            )

    def _announce_generating(self, model: str, message: str) -> None:
        self._announce = None
        if self._generating:
            self.set("generating", model=model, message=message)

    def generation_finished(self, model: str, tokens_per_second: float | None = None) -> None:
        """Back to idle after the last concurrent generation, with the speed when it is news:
        after an announced generation, the model's first speed, or one that moved by
        ``SPEED_CHANGE``."""
        told = self.current.tokens_per_second if self.current.model == model else None
        if tokens_per_second:
            self._speeds[model] = round(tokens_per_second, 1)
        self._generating = max(0, self._generating - 1)
        if self._generating:
            return
        if self._announce is not None:
            self._announce.cancel()
            self._announce = None
        speed = self._speeds.get(model)
        news = speed is not None and (told is None or abs(speed - told) >= SPEED_CHANGE * told)
        if self.current.state == "generating" or (self.current.state == "idle" and news):
            self.set("idle", model=model)

    def suggestion_made(self, report: GenerationReport) -> None:
        """Remember what the last suggestion cost; the client hears of it once the user pauses
        and only when it is news (its time moved by ``SPEED_CHANGE``, or its cached share by a
        tenth): none on the keystroke path, not one per suggestion."""
        self.last_suggestion = report
        if report.tokens_per_second:
            self._speeds[report.model] = round(report.tokens_per_second, 1)
        if self._refresh is None:
            self._refresh = asyncio.get_running_loop().call_later(REFRESH_AFTER, self._send_last)

    def _send_last(self) -> None:
        self._refresh = None
        current, last = self.current, self.last_suggestion
        if current.state != "idle" or last is None:
            return
        told_ms, told_share = current.suggestion_ms, current.cached_share
        news = (
            told_ms is None
            or abs(last.elapsed_ms - told_ms) >= SPEED_CHANGE * told_ms
            or (last.cached_share is not None and told_share is None)
            or abs((last.cached_share or 0) - (told_share or 0)) >= 0.1
        )
        if news:
            self.set("idle", model=current.model or last.model, message=current.message)

    def succeeded(self) -> None:
        """The backend answered: out of ``error``, and the next failure is worth showing again."""
        self._shown_failures.clear()
        if self.current.state == "error":
            self.set("idle", model=self.current.model)

    def failed(self, kind: str, message: str, *, model: str | None = None) -> None:
        """Report a failure: status ``error`` always, ``window/showMessage`` once per kind."""
        self.last_errors[kind] = message
        self.set("error", model=model, message=message)
        if kind in self._shown_failures:
            log.debug("%s (already shown): %s", kind, message)
            return
        self._shown_failures.add(kind)
        log.warning("%s: %s", kind, message)
        self.show(message, types.MessageType.Error)

    def in_editor_words(self, message: str) -> str:
        """``message`` as this editor says it (see ``wording``)."""
        return in_editor_words(message, self.editor)

    def show(self, message: str, kind: types.MessageType = types.MessageType.Info) -> None:
        """``window/showMessage`` in the editor's words."""
        if self._server.protocol.writer is None:
            return
        message = self.in_editor_words(message)
        try:
            params = types.ShowMessageParams(type=kind, message=scrub(message))
            self._server.window_show_message(params)
        except Exception as exc:
            log.debug("could not show a message: %s", exc)
