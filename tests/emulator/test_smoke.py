"""The fixture serves a scripted generation that the official client parses."""

from __future__ import annotations

import ollama

from tests.fake_ollama import FakeOllama


def test_fixture_serves_a_scripted_fim_completion(fake_ollama: FakeOllama) -> None:
    fake_ollama.reply("a + b", prefix_endswith="return ")
    client = ollama.Client(host=fake_ollama.url)

    response = client.generate("codellama:7b-code", "def add(a, b):\n    return ", suffix="\n")

    assert response.response == "a + b"
    assert response.done_reason == "stop"
    (record,) = fake_ollama.requests_to("/api/generate")
    assert record.prompt == "<PRE> def add(a, b):\n    return  <SUF>\n <MID>"
    assert record.fim_prefix == "def add(a, b):\n    return "
