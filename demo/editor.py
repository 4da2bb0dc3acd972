"""Drive headless Neovim with the plugin and the server: type, and catch the inline suggestion.

The Neovim plumbing (init file, RPC session, ghost-text reader) is the editor tests' own
(``tests.editors``), so the demo shows exactly what those tests check.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from tests.editors.neovim_session import NeovimSession, start, wait_for, write_init
from tests.editors.nvim_binary import find_nvim

__all__ = ["Observed", "neovim", "type_and_wait"]

#: The file the demo opens, and where the cursor goes before typing.
SOURCE = [
    "def main():",
    '    print("Hello, world!")',
    "",
    "",
    'if __name__ == "__main__":',
    "",
]
TYPED = "    "


@dataclass(frozen=True, slots=True)
class Observed:
    """What appeared in the editor, and how long after the last keystroke."""

    buffer_before: list[str]
    suggestion: str
    latency_ms: float
    buffer_after: list[str]


@contextmanager
def neovim(workdir: Path, url: str, model: str) -> Iterator[NeovimSession]:
    """Neovim with the plugin and the server, attached to ``workdir/demo.py``."""
    binary, why_not = find_nvim()
    if binary is None:
        raise RuntimeError(why_not)
    for var in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME", "XDG_CACHE_HOME"):
        os.environ[var] = str(workdir / var.lower())
    settings = {"endpoints": [url], "completion": {"model": model, "temperature": 0}}
    session = start(binary, write_init(workdir / "init.lua", settings))
    try:
        session.nvim.command(f"edit {workdir / 'demo.py'}")
        wait_for(session.attached, "the language server to attach", timeout=60)
        yield session
    finally:
        session.nvim.command("qa!", async_=True)
        session.nvim.close()


def wait_until_loaded(session: NeovimSession, timeout: float) -> str:
    """The server loads the model as soon as it has the settings (status ``loading``, then
    ``idle``), so the first suggestion does not pay for it; an ``error`` ends the demo."""

    def loaded() -> dict[str, str] | None:
        statuses = session.statuses()
        seen = [s.get("state") for s in statuses]
        if "loading" in seen and seen[-1] in ("idle", "error"):
            return statuses[-1]
        return None

    status = wait_for(loaded, "the model to load", timeout)
    if status.get("state") == "error":
        raise RuntimeError(f"the server could not load the model: {status.get('message')}")
    return session.statusline()


def type_and_wait(session: NeovimSession, timeout: float) -> Observed:
    """Type the start of a function body in insert mode, then wait for the ghost text."""
    session.nvim.current.buffer[:] = SOURCE
    session.nvim.current.window.cursor = (len(SOURCE), 0)
    before = session.lines()
    session.nvim.input("A" + TYPED)
    typed_at = time.perf_counter()
    suggestion = None
    deadline = typed_at + timeout
    while suggestion is None and time.perf_counter() < deadline:
        suggestion = session.ghost_text()
        if suggestion is None:
            time.sleep(0.01)
    latency_ms = (time.perf_counter() - typed_at) * 1000
    if suggestion is None:
        notes = "; ".join(session.notes()) or "none"
        raise AssertionError(
            f"no suggestion within {timeout:.0f} s (statusline {session.statusline()!r}, "
            f"messages: {notes})"
        )
    session.nvim.input("<Tab>")
    wait_for(lambda: session.lines() != [*SOURCE[:-1], TYPED], "Tab to accept the suggestion")
    session.nvim.input("<Esc>")
    return Observed(before, suggestion, latency_ms, session.lines())
