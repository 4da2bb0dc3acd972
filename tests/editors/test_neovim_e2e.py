"""Neovim end to end: the plugin in a headless Neovim 0.12, the real server, the emulator."""

from __future__ import annotations

from typing import Any

import pytest

from tests.editors.emulator import generations
from tests.editors.neovim_session import (
    MODEL,
    NVIM,
    UNREACHABLE,
    WHY_NOT,
    NeovimSession,
    settings,
    wait_for,
)
from tests.editors.server_probe import require_command
from tests.fake_ollama import FakeOllama

pytestmark = [pytest.mark.editor, pytest.mark.skipif(NVIM is None, reason=WHY_NOT)]


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
    assert "[idle" in session.statusline() or "[generating" in session.statusline()
    assert MODEL in session.statusline()


def test_tab_right_after_typing_into_a_suggestion_accepts_only_the_rest(
    neovim: Any, fake_ollama: FakeOllama
) -> None:
    """Neovim shows the rest of a suggestion being typed through at once, from the item it
    has; Tab before its next request is answered must not insert the typed part again."""
    fake_ollama.reply("return a + b", prefix_endswith="def add(a, b):\n    ")
    session = neovim(settings(fake_ollama.url))
    type_a_function_body(session)
    wait_for(session.ghost_text, "the ghost text")
    session.nvim.input("ret<Tab>")  # faster than Neovim's 200 ms before it asks again
    wait_for(lambda: session.lines()[1] != "    ret", "Tab to accept")
    session.nvim.input("<Esc>")
    assert session.lines() == ["def add(a, b):", "    return a + b"]


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
    notes = [n for n in session.notes() if model in n]
    assert len(notes) == 1, notes  # one message per action: the server's
    assert session.statusline() == "" or "%" not in session.statusline()


def test_switch_changes_the_model_of_the_next_completion(
    neovim: Any, fake_ollama: FakeOllama
) -> None:
    require_command("ollama.switchModel")
    fake_ollama.reply("return a + b", prefix_endswith="def add(a, b):\n    ")
    session = neovim(settings(fake_ollama.url))
    session.nvim.command("Ollama switch starcoder2:3b")
    wait_for(lambda: session.notified("completion model is now starcoder2:3b"), "the switch")
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
