"""Neovim reports where the cursor rests, and the server warms the model's cache there."""

from __future__ import annotations

from typing import Any

import pytest

from tests.editors.emulator import generations
from tests.editors.neovim_session import NVIM, WHY_NOT, settings, wait_for
from tests.fake_ollama import FakeOllama

pytestmark = [pytest.mark.editor, pytest.mark.skipif(NVIM is None, reason=WHY_NOT)]


def test_a_resting_cursor_has_its_prompt_read_ahead(neovim: Any, fake_ollama: FakeOllama) -> None:
    session = neovim(settings(fake_ollama.url))
    wait_for(session.attached, "the server to attach")
    lines = [f"value_{k} = compute({k}, 'é')" for k in range(60)]
    session.nvim.current.buffer[:] = lines
    session.nvim.current.window.cursor = (40, len(lines[39].encode()))  # after a non-ASCII char

    def prefill() -> Any:
        found = [r for r in generations(fake_ollama) if r.body["options"]["num_predict"] == 1]
        return found[-1] if found else None

    warmed = wait_for(prefill, "a prefill of the prompt at the cursor")
    assert warmed.body["prompt"].rstrip().endswith(lines[38])  # up to the cursor's line
