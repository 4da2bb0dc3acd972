"""The ``neovim`` fixture: headless Neovim with the plugin, the real server and its settings."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.editors.neovim_session import (
    NVIM,
    UNREACHABLE,
    NeovimSession,
    start,
    wait_for,
    write_init,
)


@pytest.fixture
def neovim(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """A factory: ``neovim(settings, options=None, file="calc.py")`` starts Neovim with the
    plugin set up with those settings (and other setup options), editing ``file``."""
    for var in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME", "XDG_CACHE_HOME"):
        monkeypatch.setenv(var, str(tmp_path / var.lower()))
    monkeypatch.setenv("OLLAMA_HOST", UNREACHABLE)
    sessions: list[NeovimSession] = []

    def launch(
        server_settings: dict[str, Any],
        options: dict[str, Any] | None = None,
        file: str = "calc.py",
    ) -> NeovimSession:
        assert NVIM is not None
        session = start(NVIM, write_init(tmp_path / "init.lua", server_settings, options))
        sessions.append(session)
        session.nvim.command(f"cd {tmp_path}")
        session.nvim.command(f"edit {file}")
        try:
            wait_for(session.attached, "the server to attach")
        except AssertionError as exc:
            log = tmp_path / "xdg_state_home" / "nvim" / "lsp.log"
            tail = log.read_text()[-3000:] if log.exists() else "(no LSP log)"
            raise AssertionError(f"{exc}\n{tail}") from None
        return session

    yield launch
    for session in sessions:
        session.nvim.command("qa!", async_=True)
        session.nvim.close()
