"""Drive headless Neovim with the plugin and the server: type, and catch the inline suggestions.

The Neovim plumbing (init file, RPC session, ghost-text reader) is the editor tests' own
(``tests.editors``), so the demo shows exactly what those tests check.
"""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from tests.editors.neovim_session import NeovimSession, start, wait_for, write_init
from tests.editors.nvim_binary import find_nvim

__all__ = [
    "SOURCE",
    "TYPED",
    "Suggestion",
    "accept",
    "neovim",
    "settle",
    "start_typing",
    "statuslines",
    "type_and_wait",
    "wait_until_loaded",
]

#: The file the demo opens; the cursor goes to the end of its last line, where it types TYPED.
SOURCE = [
    "def main():",
    '    print("Hello, world!")',
    "",
    "",
    'if __name__ == "__main__":',
    "",
]
TYPED = "    "

#: Neovim's inline completion asks the server this long after the cursor moves.
_CLIENT_DEBOUNCE = 0.25
_NO_PENDING_REQUEST = """
for _, client in ipairs(vim.lsp.get_clients({ bufnr = 0 })) do
  for _, request in pairs(client.requests) do
    if request.type == 'pending' then return false end
  end
end
return true
"""

# Records the statusline each time the server's status changes, as a user would see it.
_RECORD_STATUSLINES = """
_G.demo_statuslines = {}
vim.api.nvim_create_autocmd('User', {
  pattern = 'OllamaStatus',
  callback = function()
    vim.schedule(function()
      local line = require('ollama_lsp').statusline()
      if _G.demo_statuslines[#_G.demo_statuslines] ~= line then
        table.insert(_G.demo_statuslines, line)
      end
    end)
  end,
})
"""


@dataclass(frozen=True, slots=True)
class Suggestion:
    """The ghost text that appeared, and how long after the last keystroke."""

    text: str
    latency_ms: float


@contextmanager
def neovim(workdir: Path, endpoint: str | dict[str, str], model: str) -> Iterator[NeovimSession]:
    """Neovim with the plugin and the server, attached to ``workdir/demo.py``; ``endpoint`` as
    in the ``endpoints`` setting (a URL, or ``{"url", "api"}``)."""
    binary, why_not = find_nvim()
    if binary is None:
        raise RuntimeError(why_not)
    for var in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME", "XDG_CACHE_HOME"):
        os.environ[var] = str(workdir / var.lower())
    settings = {"endpoints": [endpoint], "completion": {"model": model, "temperature": 0}}
    session = start(binary, write_init(workdir / "init.lua", settings))
    pid = int(session.lua("return vim.fn.getpid()"))
    try:
        session.lua(_RECORD_STATUSLINES)
        session.nvim.command(f"edit {workdir / 'demo.py'}")
        wait_for(session.attached, "the language server to attach", timeout=60)
        yield session
    finally:
        session.nvim.command("qa!", async_=True)
        # Close the RPC loop only once Neovim has exited, or asyncio's child watcher complains
        # that the loop handling its pid is closed.
        with contextlib.suppress(AssertionError):
            wait_for(lambda: not _alive(pid), "Neovim to exit", timeout=5)
        session.nvim.close()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def settle(session: NeovimSession) -> None:
    """Wait until Neovim's debounced request for the cursor's position has been answered, so
    what Tab accepts is the server's item for the text as typed."""
    time.sleep(_CLIENT_DEBOUNCE)
    wait_for(lambda: session.lua(_NO_PENDING_REQUEST), "the server to answer the new position", 30)


def statuslines(session: NeovimSession) -> list[str]:
    """The statuslines shown so far, each change once."""
    return [str(line) for line in session.lua("return _G.demo_statuslines")]


def wait_until_loaded(session: NeovimSession, timeout: float) -> None:
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


def _wait_for_ghost_text(
    session: NeovimSession, timeout: float, since: float, previous: str | None
) -> Suggestion:
    deadline = since + timeout
    while (text := session.ghost_text()) in (None, previous) and time.perf_counter() < deadline:
        time.sleep(0.005)
    latency_ms = (time.perf_counter() - since) * 1000
    if text in (None, previous):
        notes = "; ".join(session.notes()) or "none"
        raise AssertionError(
            f"no suggestion within {timeout:.0f} s (statusline {session.statusline()!r}, "
            f"messages: {notes})"
        )
    assert text is not None
    return Suggestion(text, latency_ms)


def type_and_wait(
    session: NeovimSession, keys: str, timeout: float, previous: str | None = None
) -> Suggestion:
    """Type ``keys``, then wait for ghost text (other than the ``previous`` suggestion)."""
    session.nvim.input(keys)
    return _wait_for_ghost_text(session, timeout, time.perf_counter(), previous)


def start_typing(session: NeovimSession) -> None:
    """Put SOURCE in the buffer with the cursor at the end of its last line."""
    session.nvim.current.buffer[:] = SOURCE
    session.nvim.current.window.cursor = (len(SOURCE), 0)


def accept(session: NeovimSession) -> list[str]:
    """Tab accepts the suggestion; the buffer afterwards."""
    before = session.lines()
    session.nvim.input("<Tab>")
    wait_for(lambda: session.lines() != before, "Tab to accept the suggestion")
    session.nvim.input("<Esc>")
    return session.lines()
