"""Choices and suggestion outcomes in a real headless Neovim with the plugin, the real server
and the emulator: the next key asks for the other choices and cycles them, the trigger key
shows the first at once, and what the user does with a suggestion is counted by the server."""

from __future__ import annotations

from typing import Any

import pytest

from tests.editors.emulator import generations
from tests.editors.neovim_session import (
    MODEL,
    NVIM,
    WHY_NOT,
    NeovimSession,
    settings,
    wait_for,
)
from tests.fake_ollama import FakeOllama

pytestmark = [pytest.mark.editor, pytest.mark.skipif(NVIM is None, reason=WHY_NOT)]

HEADER = "def add(a, b):\n    "


def type_body(session: NeovimSession, header: str = "def add(a, b):") -> None:
    session.nvim.current.buffer[:] = [header, ""]
    session.nvim.current.window.cursor = (2, 0)
    session.nvim.input("A    ")


def counts(session: NeovimSession) -> dict[str, Any]:
    """``ollama.status``'s completion counts, asked through the plugin's client."""
    found = session.lua(
        """
        local client = vim.lsp.get_clients({ name = 'ollama_lsp' })[1]
        local params = { command = 'ollama.status', arguments = { vim.empty_dict() } }
        local answer = client:request_sync('workspace/executeCommand', params, 10000)
        local suggestions = answer and answer.result and answer.result.suggestions or {}
        return suggestions.completion or vim.empty_dict()
        """
    )
    return {k: found.get(k, 0) for k in ("shown", "accepted", "partial", "dismissed")}


def samples(fake: FakeOllama) -> list[Any]:
    return [g for g in generations(fake) if "seed" in g.body.get("options", {})]


def shown_with(session: NeovimSession, hint: str) -> str:
    return wait_for(
        lambda: (ghost := session.ghost_text()) and hint in ghost and ghost, f"choice {hint}"
    )


def test_the_next_key_asks_for_the_choices_cycles_them_and_tab_takes_the_one_shown(
    neovim: Any, fake_ollama: FakeOllama
) -> None:
    fake_ollama.reply("return a + b", prefix_endswith=HEADER)
    fake_ollama.reply("return sum((a, b))", prefix_endswith=HEADER, options={"seed": 1})
    fake_ollama.reply("total = a + b", prefix_endswith=HEADER, options={"seed": 2})
    session = neovim(settings(fake_ollama.url))
    type_body(session)
    assert wait_for(session.ghost_text, "the ghost text") == "return a + b"

    session.nvim.input("<M-]>")
    assert shown_with(session, "(2/3)") == "return sum((a, b)) (2/3)"
    session.nvim.input("<M-]>")
    assert shown_with(session, "(3/3)") == "total = a + b (3/3)"
    session.nvim.input("<M-[>")
    shown_with(session, "(2/3)")
    session.nvim.input("<Tab>")
    wait_for(lambda: session.lines()[1] == "    return sum((a, b))", "the second choice")
    session.nvim.input("<Esc>")

    assert [r["trigger"] for r in session.requests()].count(1) == 1  # asked once, invoked
    assert len(samples(fake_ollama)) == 2
    wait_for(lambda: counts(session)["accepted"] == 1, "the accept to be counted")
    assert counts(session) == {"shown": 3, "accepted": 1, "partial": 0, "dismissed": 0}


def test_the_trigger_shows_the_first_at_once_and_the_next_key_the_others(
    neovim: Any, fake_ollama: FakeOllama
) -> None:
    fake_ollama.reply("return a + b", prefix_endswith=HEADER)
    # A slow sample: the first must not wait for it.
    fake_ollama.reply(
        "return b + a", prefix_endswith=HEADER, options={"seed": 1}, first_token_seconds=3
    )
    fake_ollama.reply("", prefix_endswith=HEADER, options={"seed": 2})
    fake_ollama.reply("", prefix_endswith=HEADER, options={"seed": 3})
    # Typing asks nothing of the model (a long pause would be needed): only the trigger does.
    pause = {"minMs": 60_000, "maxMs": 60_000}
    session = neovim(settings(fake_ollama.url, completion={"model": MODEL, "debounce": pause}))
    type_body(session)
    wait_for(lambda: any(r["trigger"] == 2 for r in session.requests()), "an automatic request")

    session.nvim.input("<M-\\>")
    assert wait_for(session.ghost_text, "the first suggestion") == "return a + b"
    assert len(samples(fake_ollama)) <= 1  # the other choices are still being sampled
    session.nvim.input("<M-]>")
    assert shown_with(session, "(2/2)") == "return b + a (2/2)"
    assert len(samples(fake_ollama)) == 3
    assert len(generations(fake_ollama)) == 4  # the first, and three samples


def test_a_word_taken_then_escape_counts_partial_and_escape_alone_dismissed(
    neovim: Any, fake_ollama: FakeOllama
) -> None:
    fake_ollama.reply("total = a + b\n    return total", prefix_endswith=HEADER)
    fake_ollama.reply("return a * b", prefix_endswith="def mul(a, b):\n    ")
    session = neovim(settings(fake_ollama.url))
    type_body(session)
    wait_for(session.ghost_text, "the ghost text")
    session.nvim.input("<M-Right>")
    wait_for(lambda: session.lines()[1] == "    total", "the first word")
    wait_for(session.ghost_text, "the rest as ghost text")
    session.nvim.input("<Esc>")
    wait_for(lambda: counts(session)["partial"] == 1, "the partial accept to be counted")

    type_body(session, "def mul(a, b):")
    assert wait_for(session.ghost_text, "the second suggestion") == "return a * b"
    session.nvim.input("<Esc>")
    wait_for(lambda: counts(session)["dismissed"] == 1, "the dismissal to be counted")
    assert counts(session) == {"shown": 2, "accepted": 0, "partial": 1, "dismissed": 1}
