"""What the emulator saw, as the editor tests ask about it."""

from __future__ import annotations

from typing import Any

from tests.fake_ollama import FakeOllama


def generations(fake: FakeOllama) -> list[Any]:
    """Generate requests that asked for text (not the empty-prompt model loads)."""
    return [
        r
        for r in fake.requests_to("/api/generate")
        if isinstance(r.body, dict) and (r.body.get("prompt") or r.body.get("suffix"))
    ]
