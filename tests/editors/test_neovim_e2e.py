"""Neovim end to end: the plugin in a headless Neovim 0.12, the real server, the emulator."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.editors.emulator import generations
from tests.editors.neovim_session import NeovimSession, start, wait_for, write_init
from tests.editors.nvim_binary import find_nvim
from tests.editors.server_probe import require_command
from tests.fake_ollama import FakeOllama

NVIM, WHY_NOT = find_nvim()
pytestmark = [pytest.mark.editor, pytest.mark.skipif(NVIM is None, reason=WHY_NOT)]

MODEL = "qwen2.5-coder:1.5b-base"
# Nothing listens here: the server must use the endpoint from the settings.
UNREACHABLE = "http://127.0.0.1:9"


def settings(url: str) -> dict[str, Any]:
    return {"endpoints": [url], "completion": {"model": MODEL}}


@pytest.fixture
def neovim(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """A factory: ``neovim(settings)`` starts Neovim with the plugin and those settings."""
    for var in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME", "XDG_CACHE_HOME"):
        monkeypatch.setenv(var, str(tmp_path / var.lower()))
    monkeypatch.setenv("OLLAMA_HOST", UNREACHABLE)
    sessions: list[NeovimSession] = []

    def launch(server_settings: dict[str, Any]) -> NeovimSession:
        assert NVIM is not None
        session = start(NVIM, write_init(tmp_path / "init.lua", server_settings))
        sessions.append(session)
        session.nvim.command(f"edit {tmp_path / 'calc.py'}")
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


def type_a_function_body(session: NeovimSession) -> None:
    """A function header, then typing the indentation of its body as a user would."""
    session.nvim.current.buffer[:] = ["def add(a, b):", ""]
    session.nvim.current.window.cursor = (2, 0)
    session.nvim.input("A    ")


def test_typing_shows_a_suggestion_and_tab_accepts_it(neovim: Any, fake_ollama: FakeOllama) -> None:
    fake_ollama.reply("return a + b", prefix_endswith="def add(a, b):\n    ")
    session = neovim(settings(fake_ollama.url))
    type_a_function_body(session)
    assert wait_for(session.ghost_text, "the ghost text") == "return a + b"
    session.nvim.input("<Tab>")
    wait_for(lambda: session.lines()[1] == "    return a + b", "the accepted text")
    session.nvim.input("<Esc>")
    assert session.lines() == ["def add(a, b):", "    return a + b"]
    assert generations(fake_ollama)[-1].body["model"] == MODEL
    assert "[idle]" in session.statusline() or "[generating" in session.statusline()
    assert MODEL in session.statusline()


def test_pull_shows_progress_and_finishes(neovim: Any, fake_ollama: FakeOllama) -> None:
    require_command("ollama.pullModel")
    model = "deepseek-coder:6.7b-base"
    # About two seconds of download, so progress reports arrive between begin and end.
    fake_ollama.configure(pull_bytes_per_second=2e9)
    session = neovim(settings(fake_ollama.url))
    session.nvim.command(f"Ollama pull {model}")
    wait_for(lambda: session.notified(f"Pulled {model}"), "the pull to finish", timeout=60)
    assert model in fake_ollama.installed()
    percentages = [s for s in session.statuslines() if "%" in s]
    assert percentages, session.statuslines()
    assert all(s.startswith("ollama: ") for s in percentages)
    notes = session.notes()
    assert any(n.endswith("…") for n in notes), notes  # the start notice
    assert session.statusline() == "" or "%" not in session.statusline()


def test_switch_changes_the_model_of_the_next_completion(
    neovim: Any, fake_ollama: FakeOllama
) -> None:
    require_command("ollama.switchModel")
    fake_ollama.reply("return a + b", prefix_endswith="def add(a, b):\n    ")
    session = neovim(settings(fake_ollama.url))
    session.nvim.command("Ollama switch starcoder2:3b")
    wait_for(lambda: session.notified("completion model: starcoder2:3b"), "the switch to finish")
    type_a_function_body(session)
    wait_for(session.ghost_text, "the ghost text")
    assert generations(fake_ollama)[-1].body["model"] == "starcoder2:3b"
    wait_for(lambda: "starcoder2:3b" in session.statusline(), "the statusline to name the model")


def test_with_ollama_down_the_user_is_told_and_editing_goes_on(neovim: Any) -> None:
    session = neovim(settings(UNREACHABLE))
    type_a_function_body(session)
    notice = wait_for(lambda: session.notified("127.0.0.1:9"), "a notice naming the endpoint")
    assert "ollama" in notice.lower()
    wait_for(lambda: "[error]" in session.statusline(), "the statusline to show the error")
    session.nvim.input("x = 1<Esc>")
    wait_for(lambda: session.lines()[1] == "    x = 1", "the typed text")
    assert session.nvim.api.get_mode()["mode"] == "n"
    assert session.ghost_text() is None
    assert len([n for n in session.notes() if "127.0.0.1:9" in n]) == 1, session.notes()
