"""What a day of Neovim use needs (issue 20), each in a real headless Neovim with the plugin,
the real server and the emulator, read from the screen as a user sees it where that matters.

With ``OLLAMA_LSP_SCREENSHOTS=DIR`` the tests also save the screenshots of docs/editors.md
there (``docs/images`` to refresh them).
"""

from __future__ import annotations

import os
import re
import time
from pathlib import Path
from typing import Any

import pytest

from tests.editors.emulator import generations
from tests.editors.neovim_screen import Screen
from tests.editors.neovim_session import (
    MODEL,
    NVIM,
    UNREACHABLE,
    WHY_NOT,
    NeovimSession,
    settings,
    wait_for,
)
from tests.fake_ollama import FakeOllama

pytestmark = [pytest.mark.editor, pytest.mark.skipif(NVIM is None, reason=WHY_NOT)]

HEADER = "def add(a, b):\n    "
CHAT_MODEL = "qwen2.5-coder:1.5b-instruct"  # the default
SCREENSHOTS = os.environ.get("OLLAMA_LSP_SCREENSHOTS")


def screenshot(screen: Screen, name: str, tmp_path: Path) -> Path:
    """Save the screen as ``name``.png where asked (else as HTML beside the test's files)."""
    if SCREENSHOTS:
        return screen.save(Path(SCREENSHOTS) / f"{name}.png")
    return screen.save(tmp_path / f"{name}.html")


def type_body(session: NeovimSession, header: str = "def add(a, b):") -> None:
    session.nvim.current.buffer[:] = [header, ""]
    session.nvim.current.window.cursor = (2, 0)
    session.nvim.input("A    ")


def uri(session: NeovimSession, name: str) -> str:
    return str(session.lua("return vim.uri_from_fname(vim.fn.fnamemodify(...,':p'))", name))


def ghost_in(session: NeovimSession, name: str) -> int:
    """Ghost-text marks in the buffer of file ``name``."""
    return int(
        session.lua(
            """
            local ns = vim.api.nvim_get_namespaces()['nvim.lsp.inline_completion']
            local buf = vim.fn.bufnr(...)
            if not ns or buf == -1 then return 0 end
            return #vim.api.nvim_buf_get_extmarks(buf, ns, 0, -1, {})
            """,
            name,
        )
    )


# 1 --------------------------------------------------------------------------------------------


def test_ghost_text_and_requests_stay_in_the_buffer_being_typed_in(
    neovim: Any, fake_ollama: FakeOllama
) -> None:
    fake_ollama.reply("return a + b", prefix_endswith=HEADER)
    session = neovim(settings(fake_ollama.url))
    session.nvim.command("vsplit other.py")
    wait_for(session.attached, "the server to attach to other.py")
    session.nvim.command("wincmd p")  # back to calc.py, both windows in view
    type_body(session)
    assert wait_for(session.ghost_text, "the ghost text") == "return a + b"
    time.sleep(0.5)  # the other buffer's completor would have asked by now (200 ms debounce)
    assert ghost_in(session, "other.py") == 0
    asked = {r["uri"] for r in session.requests()}
    assert asked == {uri(session, "calc.py")}, asked


# 2 --------------------------------------------------------------------------------------------


def test_text_markdown_and_commit_messages_get_no_suggestions_unless_asked(
    neovim: Any, fake_ollama: FakeOllama
) -> None:
    session = neovim(settings(fake_ollama.url), {"suggest_filetypes": {"gitcommit": True}})
    enabled = "return vim.lsp.inline_completion.is_enabled({ bufnr = 0 })"
    for name in ("notes.txt", "README.md"):
        session.nvim.command(f"edit {name}")
        wait_for(session.attached, f"the server to attach to {name}")
        assert session.lua(enabled) is False, name
        session.nvim.input("ifoo bar <Esc>")
    session.nvim.command("edit COMMIT_EDITMSG")  # turned on in the options above
    wait_for(session.attached, "the server to attach to the commit message")
    assert session.lua(enabled) is True
    session.nvim.command("edit calc.py")
    fake_ollama.reply("return a + b", prefix_endswith=HEADER)
    type_body(session)
    wait_for(session.ghost_text, "the ghost text in the Python file")
    asked = {r["uri"] for r in session.requests()}
    assert asked == {uri(session, "calc.py")}, asked


# 3 --------------------------------------------------------------------------------------------


def test_tab_jumps_an_active_snippet_before_accepting(neovim: Any, fake_ollama: FakeOllama) -> None:
    fake_ollama.reply("return a + b")
    session = neovim(settings(fake_ollama.url))
    session.nvim.current.buffer[:] = [""]
    session.nvim.input("i")
    session.lua("vim.snippet.expand('foo(${1}, ${2})')")
    session.nvim.input("x<Tab>y<Esc>")
    wait_for(lambda: session.nvim.api.get_mode()["mode"] == "n", "normal mode")
    assert session.lines() == ["foo(x, y)"]


def test_tab_falls_back_to_the_users_own_mapping(neovim: Any, fake_ollama: FakeOllama) -> None:
    session = neovim(settings(fake_ollama.url))
    session.lua("vim.keymap.set('i', '<Tab>', '<C-r>=\"[user tab]\"<CR>')")
    session.nvim.command("edit other.py")  # attached after the user's mapping exists
    wait_for(session.attached, "the server to attach to other.py")
    session.nvim.command("Ollama toggle")  # no suggestion can take the key
    wait_for(lambda: "[off]" in session.statusline(), "the statusline to say off")
    session.nvim.input("ix<Tab><Esc>")
    wait_for(lambda: session.lines() == ["x[user tab]"], "the user's mapping")


def test_accept_word_and_line_take_part_and_leave_the_rest(
    neovim: Any, fake_ollama: FakeOllama
) -> None:
    fake_ollama.reply("total = a + b\n    return total", prefix_endswith=HEADER)
    session = neovim(settings(fake_ollama.url))
    type_body(session)
    wait_for(session.ghost_text, "the ghost text")
    asked = len(generations(fake_ollama))
    session.nvim.input("<M-Right>")
    wait_for(lambda: session.lines()[1] == "    total", "the first word")
    rest = wait_for(session.ghost_text, "the rest as ghost text")
    assert rest.startswith(" = a + b"), rest
    session.nvim.input("<M-C-Right>")
    wait_for(lambda: session.lines()[1] == "    total = a + b", "the rest of the line")
    assert len(generations(fake_ollama)) == asked  # the rest came from the server's cache


def test_a_manual_trigger_asks_as_invoked(neovim: Any, fake_ollama: FakeOllama) -> None:
    fake_ollama.reply("return a + b", prefix_endswith=HEADER)
    session = neovim(settings(fake_ollama.url))
    type_body(session)
    wait_for(session.ghost_text, "the ghost text")
    session.nvim.input("<M-\\>")
    wait_for(lambda: any(r["trigger"] == 1 for r in session.requests()), "an invoked request")


# 4 --------------------------------------------------------------------------------------------


def test_every_statusline_shows_the_last_speed(
    neovim: Any, fake_ollama: FakeOllama, tmp_path: Path
) -> None:
    fake_ollama.reply(
        "total = a + b\n    return total", prefix_endswith=HEADER, tokens_per_second=40
    )
    session = neovim(settings(fake_ollama.url))
    screen = Screen.attach(session.nvim, 120, 16)
    session.nvim.command("rightbelow vsplit other.py")
    session.nvim.command("wincmd p")
    session.nvim.current.buffer[:] = ["import math", "", ""]
    session.nvim.current.window.cursor = (3, 0)
    session.nvim.input("idef add(a, b):<CR>")
    wait_for(session.ghost_text, "the ghost text")
    wait_for(lambda: "tok/s" in session.statusline(), "the speed in the statusline")
    # Two windows side by side: one screen row holds both statuslines.
    row = wait_for(lambda: [r for r in screen.lines() if r.count("tok/s") == 2], "both speeds")
    assert len(re.findall(rf"ollama: {re.escape(MODEL)} \[idle \d+ tok/s\]", row[0])) == 2, row
    screenshot(screen, "neovim-suggestion", tmp_path)


# 5 --------------------------------------------------------------------------------------------


def health(session: NeovimSession) -> str:
    session.nvim.command("checkhealth ollama_lsp")
    return "\n".join(session.nvim.current.buffer[:])


def test_checkhealth_runs_the_doctor_and_says_what_to_run(
    neovim: Any, fake_ollama: FakeOllama
) -> None:
    fake_ollama.set_pulled([MODEL])  # the chat model is not pulled
    report = health(neovim(settings(fake_ollama.url)))
    assert f"completion model {MODEL} fills in the middle" in report, report
    assert f"chat model {CHAT_MODEL} is not pulled" in report, report
    assert f":Ollama pull {CHAT_MODEL}" in report, report


def test_checkhealth_fails_while_ollama_is_down(neovim: Any) -> None:
    report = health(neovim(settings(UNREACHABLE)))
    assert "ERROR" in report and "127.0.0.1:9: not reachable" in report, report
    assert "NOT READY" in report, report


def test_help_opens(neovim: Any, fake_ollama: FakeOllama) -> None:
    session = neovim(settings(fake_ollama.url))
    session.nvim.command("help ollama-lsp")
    assert session.nvim.current.buffer.name.endswith("ollama-lsp.txt")


# 6 --------------------------------------------------------------------------------------------


def chat_text(session: NeovimSession) -> str:
    return str(
        session.lua("return table.concat(vim.api.nvim_buf_get_lines(0, 0, -1, false), '\\n')")
    )


def test_chat_stops_before_the_first_word_and_takes_follow_ups_in_its_buffer(
    neovim: Any, fake_ollama: FakeOllama, tmp_path: Path
) -> None:
    # The newest rule is tried first, and a request carries the conversation so far.
    # The emulator holds the model until this first token is due, even for a closed request.
    fake_ollama.reply("Still thinking", prompt_contains="slow question", first_token_seconds=4)
    fake_ollama.reply(
        "Use `sorted()`, which returns a new list:\n\n```python\nprint(sorted(xs))\n```",
        prompt_contains="how do I sort",
        tokens_per_second=60,
    )
    fake_ollama.reply(
        "Call `xs.sort()`: it sorts the list in place.",
        prompt_contains="in place?",
        tokens_per_second=60,
    )
    fake_ollama.set_pulled([*fake_ollama.installed(), CHAT_MODEL])
    session = neovim(settings(fake_ollama.url))
    screen = Screen.attach(session.nvim, 110, 34)
    session.nvim.current.buffer[:] = ["xs = [3, 1, 2]", ""]
    session.nvim.command("Ollama chat slow question")
    wait_for(lambda: session.lua("return require('ollama_lsp.chat').busy()"), "the question")
    # Typed, not sent as an interrupt (nvim_input's <C-c> is one).
    session.lua("vim.api.nvim_feedkeys(vim.keycode('<C-c>'), 'mt', false)")
    wait_for(lambda: "_(stopped)_" in chat_text(session), "the stop", timeout=3)
    assert not session.lua("return require('ollama_lsp.chat').busy()")
    # The next question is typed in the chat itself, under "## You".
    session.nvim.input("GAhow do I sort?<Esc><CR>")
    wait_for(lambda: "print(sorted(xs))" in chat_text(session), "the streamed answer")
    wait_for(lambda: chat_text(session).endswith("## You\n\n"), "the next prompt")
    session.nvim.input("GAand to sort it in place?<C-s>")
    wait_for(lambda: "in place." in chat_text(session), "the follow-up answer")
    assert "Still thinking" not in chat_text(session)
    last = fake_ollama.requests_to("/api/chat")[-1].body["messages"]
    assert [m["content"] for m in last if m["role"] == "user"][-2:] == [
        "how do I sort?",
        "and to sort it in place?",
    ]  # one conversation
    # gp puts the code block under the cursor into the code window.
    session.nvim.command("call search('print(sorted')")
    session.nvim.input("gp")
    session.nvim.command("wincmd p")
    wait_for(lambda: session.lines() == ["xs = [3, 1, 2]", "print(sorted(xs))", ""], "the code")
    session.nvim.command("wincmd p")
    session.nvim.command("normal! gg")
    screenshot(screen, "neovim-chat", tmp_path)


# 7 --------------------------------------------------------------------------------------------


def completions(session: NeovimSession, line: str) -> list[str]:
    return list(session.nvim.call("getcompletion", line, "cmdline"))


def test_command_completion_knows_the_models_without_asking_first(
    neovim: Any, fake_ollama: FakeOllama
) -> None:
    session = neovim(settings(fake_ollama.url))
    pulled = wait_for(lambda: completions(session, "Ollama switch "), "model names")
    assert MODEL in pulled and "nomic-embed-text:latest" not in pulled
    assert "starcoder2:7b-q4_K_M" not in pulled  # not pulled
    assert "starcoder2:7b-q4_K_M" in completions(session, "Ollama pull ")
    assert "q8_0" in completions(session, "Ollama quant codegemma:2b ")
    session.nvim.command("Ollama! rm starcoder2:3b")
    wait_for(lambda: "starcoder2:3b" not in completions(session, "Ollama switch "), "a fresh list")


def test_cancel_offers_the_running_pulls(
    neovim: Any, fake_ollama: FakeOllama, tmp_path: Path
) -> None:
    fake_ollama.configure(pull_bytes_per_second=2e8)  # tens of seconds
    session = neovim(settings(fake_ollama.url))
    screen = Screen.attach(session.nvim, 100, 12)
    session.nvim.current.buffer[:] = ["def add(a, b):", "    return a + b"]
    session.nvim.command("Ollama pull codellama:13b-code-q4_K_M")
    wait_for(
        lambda: completions(session, "Ollama cancel ") == ["codellama:13b-code-q4_K_M"],
        "the running pull",
    )
    wait_for(lambda: screen.find("ollama: Pulling codellama:13b-code-q4_K_M 1"), "a percentage")
    assert session.nvim.api.get_mode()["blocking"] is False  # no prompt in the way
    screenshot(screen, "neovim-pull", tmp_path)
    session.nvim.command("Ollama cancel codellama:13b-code-q4_K_M")
    wait_for(lambda: session.notified("cancelled"), "the cancel")


def test_models_open_in_a_window_with_headings(
    neovim: Any, fake_ollama: FakeOllama, tmp_path: Path
) -> None:
    session = neovim(settings(fake_ollama.url))
    screen = Screen.attach(session.nvim, 100, 30)
    session.nvim.command("Ollama models")
    wait_for(lambda: screen.find("Available to pull"), "the table")
    assert screen.find("Pulled") and screen.find(MODEL)
    assert session.nvim.api.get_mode() == {"mode": "n", "blocking": False}  # no pager
    screenshot(screen, "neovim-models", tmp_path)


# 8 --------------------------------------------------------------------------------------------


def test_a_switch_gives_one_message(neovim: Any, fake_ollama: FakeOllama) -> None:
    session = neovim(settings(fake_ollama.url))
    before = len(session.notes())
    session.nvim.command("Ollama switch starcoder2:3b")
    wait_for(lambda: session.notified("model is now starcoder2:3b"), "the switch")
    time.sleep(0.5)
    assert len(session.notes()) == before + 1, session.notes()[before:]


def test_a_failed_load_gives_one_error_and_no_done(neovim: Any, fake_ollama: FakeOllama) -> None:
    session = neovim(settings(fake_ollama.url))
    fake_ollama.add_fault("oom", model="codellama:7b-code", times=None)
    before = len(session.notes())
    session.nvim.command("Ollama switch codellama:7b-code")
    wait_for(lambda: session.notified("memory"), "the error")
    time.sleep(0.5)
    notes = session.notes()[before:]
    assert len(notes) == 1 and "done" not in notes[0], notes


def test_messages_name_the_neovim_command(neovim: Any, fake_ollama: FakeOllama) -> None:
    fake_ollama.set_pulled([])
    session = neovim(settings(fake_ollama.url))
    notice = wait_for(lambda: session.notified("is not pulled"), "the notice")
    assert f"`:Ollama pull {MODEL}`" in notice and "Pull Model" not in notice, notice


# 9 --------------------------------------------------------------------------------------------


def test_quant_pulls_the_tag_the_library_has(neovim: Any, fake_ollama: FakeOllama) -> None:
    session = neovim(settings(fake_ollama.url))
    session.nvim.command("Ollama quant codegemma:2b q8_0")
    wait_for(lambda: session.notified("model is now codegemma:2b-code-q8_0"), "the switch", 60)
    assert "codegemma:2b-code-q8_0" in fake_ollama.installed()


def test_quantizing_shows_ollamas_own_progress(neovim: Any, fake_ollama: FakeOllama) -> None:
    # 2.2 GB at 0.5 GB/s: four seconds of Ollama's own progress lines.
    fake_ollama.configure(quantize_bytes_per_second=5e8, progress_interval=0.1)
    session = neovim(settings(fake_ollama.url))
    session.nvim.command("Ollama quant tinyllama:1.1b-chat-v1-fp16 q4_K_M chat")
    wait_for(lambda: session.notified("chat model is now tinyllama"), "the switch", 60)
    shown = [s for s in session.statuslines() if s.startswith("ollama: Quantizing")]
    percents = {s.rsplit(" ", 1)[-1] for s in shown}
    assert len(percents - {"0%", "50%", "100%"}) >= 2, shown


# 10 -------------------------------------------------------------------------------------------


def test_catalog_models_and_the_default_chat_model_pull(
    neovim: Any, fake_ollama: FakeOllama
) -> None:
    fake_ollama.configure(pull_bytes_per_second=1e12)
    session = neovim(settings(fake_ollama.url))
    for model in (
        "starcoder2:7b-q4_K_M",
        "qwen2.5-coder:1.5b-base-q8_0",
        "qwen2.5-coder:1.5b-instruct",
    ):
        session.nvim.command(f"Ollama pull {model}")
        wait_for(lambda m=model: session.notified(f"Pulled {m}"), f"{model} pulled", 60)
    assert not [n for n in session.notes() if "failed" in n], session.notes()
