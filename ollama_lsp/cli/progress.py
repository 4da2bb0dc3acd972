"""A pull progress bar: redrawn in place on a terminal, plain lines otherwise (logs, CI)."""

from __future__ import annotations

import shutil
from typing import TextIO

from ollama_lsp.models import format_bytes
from ollama_lsp.ollama import PullProgress

__all__ = ["PullBar"]

#: Without a terminal, a line per this many percent of a layer (and per status change).
_PLAIN_STEP = 10


class PullBar:
    """Shows ``PullProgress`` events for one model on ``stream``."""

    def __init__(self, model: str, stream: TextIO) -> None:
        self.model = model
        self.stream = stream
        self.tty = stream.isatty()
        self._last_line = ""
        self._last_percent = -_PLAIN_STEP
        self._drawn = False

    def update(self, step: PullProgress) -> None:
        if step.total:
            done = min(step.completed or 0, step.total)
            percent = 100 * done // step.total
            line = f"{step.status} {percent:3d}% {format_bytes(done)}/{format_bytes(step.total)}"
            if self.tty:
                self._draw(line, percent)
            elif percent >= self._last_percent + _PLAIN_STEP or percent == 100:
                self._last_percent = percent
                self._emit(line)
            return
        self._last_percent = -_PLAIN_STEP
        if step.status != self._last_line:
            self._emit(step.status)

    def _draw(self, line: str, percent: int) -> None:
        width = shutil.get_terminal_size((80, 20)).columns
        bar_width = max(10, min(40, width - len(line) - 4))
        filled = bar_width * percent // 100
        self.stream.write(f"\r[{'#' * filled}{'.' * (bar_width - filled)}] {line}\x1b[K")
        self.stream.flush()
        self._drawn = True

    def _emit(self, line: str) -> None:
        if self._drawn:
            self.stream.write("\n")
            self._drawn = False
        self.stream.write(line + "\n")
        self.stream.flush()
        self._last_line = line

    def close(self) -> None:
        """End a bar left on the line, so what follows starts on a fresh one."""
        if self._drawn:
            self.stream.write("\n")
            self.stream.flush()
            self._drawn = False
