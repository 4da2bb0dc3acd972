"""Neovim's screen as a UI sees it: the redraw events of an attached UI (ext_linegrid) kept as
a grid of cells with their highlights, readable as text and rendered to HTML and PNG.

The tests read what a user would see (the statusline of every window, a float, the ghost
text); the PNGs in docs/images/ come from the same grid, through headless Chromium.
"""

from __future__ import annotations

import html
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pynvim  # type: ignore[import-untyped]

SYNC = "ollama_screen_sync"
FONT_PX, LINE_PX, CELL_PX = 15, 19, 9.05  # DejaVu Sans Mono at 15 px


@dataclass
class Screen:
    """Grid 1 of an attached UI: cells of (text, highlight id), and the highlight table."""

    nvim: pynvim.Nvim
    width: int
    height: int
    cells: list[list[tuple[str, int]]] = field(default_factory=list)
    highlights: dict[int, dict[str, Any]] = field(default_factory=dict)
    colors: tuple[int, int] = (0xE0E2EA, 0x14161B)

    @classmethod
    def attach(cls, nvim: pynvim.Nvim, width: int = 100, height: int = 30) -> Screen:
        screen = cls(nvim, width, height)
        screen.cells = [[(" ", 0)] * width for _ in range(height)]
        nvim.ui_attach(width, height, rgb=True, ext_linegrid=True)
        screen.sync()
        return screen

    def sync(self) -> None:
        """Apply every redraw event up to now (after Neovim redrew)."""
        # Requests run even at a prompt: redraw now, then mark the end of its events.
        self.nvim.command("redraw")
        self.nvim.exec_lua(f"vim.rpcnotify(0, '{SYNC}')")
        while True:
            kind, name, args = self.nvim.next_message()
            if kind == "notification" and name == SYNC:
                return
            if kind == "notification" and name == "redraw":
                for event in args:
                    self._apply(event[0], event[1:])

    def _apply(self, name: str, calls: list[list[Any]]) -> None:
        for call in calls:
            if name == "grid_resize":
                _, self.width, self.height = call
                self.cells = [[(" ", 0)] * self.width for _ in range(self.height)]
            elif name == "grid_clear":
                self.cells = [[(" ", 0)] * self.width for _ in range(self.height)]
            elif name == "grid_line":
                self._line(call[1], call[2], call[3])
            elif name == "grid_scroll":
                self._scroll(*call[1:6])
            elif name == "hl_attr_define":
                self.highlights[call[0]] = call[1]
            elif name == "default_colors_set":
                fg, bg = call[0], call[1]
                self.colors = (fg if fg >= 0 else self.colors[0], bg if bg >= 0 else self.colors[1])

    def _line(self, row: int, col: int, cells: list[list[Any]]) -> None:
        hl = 0
        for cell in cells:
            text = cell[0]
            if len(cell) > 1:
                hl = cell[1]
            for _ in range(cell[2] if len(cell) > 2 else 1):
                if col < self.width:
                    self.cells[row][col] = (text, hl)
                col += 1

    def _scroll(self, top: int, bottom: int, left: int, right: int, rows: int) -> None:
        span = range(top, bottom)
        source = [list(self.cells[r]) for r in range(self.height)]
        for r in span:
            if top <= r + rows < bottom:
                self.cells[r][left:right] = source[r + rows][left:right]

    def lines(self) -> list[str]:
        """The screen as text, one string per row."""
        self.sync()
        return ["".join(text for text, _ in row).rstrip() for row in self.cells]

    def text(self) -> str:
        return "\n".join(self.lines())

    def find(self, needle: str) -> list[int]:
        """Rows whose text contains ``needle``."""
        return [i for i, line in enumerate(self.lines()) if needle in line]

    def highlight_of(self, row: int, col: int) -> dict[str, Any]:
        return self.highlights.get(self.cells[row][col][1], {})

    # -- rendering -----------------------------------------------------------------------------

    def _style(self, hl: int) -> str:
        attrs = self.highlights.get(hl, {})
        fg = attrs.get("foreground", self.colors[0])
        bg = attrs.get("background", self.colors[1])
        if attrs.get("reverse"):
            fg, bg = bg, fg
        style = f"color:#{fg:06x};background:#{bg:06x}"
        if attrs.get("bold"):
            style += ";font-weight:bold"
        if attrs.get("italic"):
            style += ";font-style:italic"
        if attrs.get("underline") or attrs.get("undercurl"):
            style += ";text-decoration:underline"
        return style

    def to_html(self) -> str:
        """The screen as a self-contained HTML page: one row per line, runs of one highlight."""
        self.sync()
        rows = []
        for row in self.cells:
            runs: list[str] = []
            current, text = row[0][1], ""
            for char, hl in row:
                if hl != current:
                    runs.append(f'<span style="{self._style(current)}">{html.escape(text)}</span>')
                    current, text = hl, ""
                text += char or ""
            runs.append(f'<span style="{self._style(current)}">{html.escape(text)}</span>')
            rows.append(f"<div>{''.join(runs)}</div>")
        bg = f"#{self.colors[1]:06x}"
        return (
            "<!doctype html><meta charset=utf-8><style>"
            f"body{{margin:0;background:{bg}}}"
            f"div{{font:{FONT_PX}px/{LINE_PX}px 'DejaVu Sans Mono',monospace;"
            "white-space:pre;height:%dpx;overflow:hidden}</style>" % LINE_PX + "".join(rows)
        )

    def save(self, path: Path) -> Path:
        """Write the screen as ``path`` (.png through headless Chromium, else .html)."""
        page = self.to_html()
        chromium = shutil.which("chromium") or shutil.which("chromium-browser")
        if path.suffix != ".png" or chromium is None:
            target = path.with_suffix(".html")
            target.write_text(page, encoding="utf-8")
            return target
        with tempfile.TemporaryDirectory() as folder:
            source = Path(folder) / "screen.html"
            source.write_text(page, encoding="utf-8")
            size = f"{round(self.width * CELL_PX)},{self.height * LINE_PX}"
            subprocess.run(
                [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                 f"--user-data-dir={folder}/profile", f"--window-size={size}",
                 f"--screenshot={path}", source.as_uri()],
                check=True, capture_output=True, timeout=120,
            )  # fmt: skip
        return path
