"""The completion model's speeds outlive the session: written to the store, read back."""

from __future__ import annotations

from ollama_lsp.completion.speeds import SpeedBook
from ollama_lsp.server.server import OllamaLanguageServer
from ollama_lsp.server.speeds import SpeedKeeper
from ollama_lsp.store import ModelStore


async def test_speeds_learned_in_one_session_size_the_next_sessions_prompts() -> None:
    store = ModelStore.open(":memory:")
    server = OllamaLanguageServer()
    first = SpeedBook()
    keeper = SpeedKeeper(server, store, first)
    first.learn("http://a", "m", prompt_tokens=500, prompt_ms=1000, eval_tokens=40, eval_ms=1000)
    assert store.speeds() == []  # not on the keystroke path
    keeper.flush()  # at shutdown

    second = SpeedBook()
    SpeedKeeper(server, store, second)
    speeds = second.get("m")
    assert (speeds.prompt_tps, speeds.eval_tps) == (500, 40)
    assert speeds.prompt_samples == speeds.eval_samples == 1
