"""``ollama/status`` says what changed, once; failures reach the user once per kind."""

from __future__ import annotations

import asyncio

import pytest

from ollama_lsp.completion.pipeline import GenerationReport
from ollama_lsp.server.server import OllamaLanguageServer
from ollama_lsp.server.status import GENERATING_AFTER, REFRESH_AFTER
from tests.unit.server.helpers import Wire


@pytest.fixture
def wire() -> Wire:
    return Wire()


@pytest.fixture
def server(wire: Wire) -> OllamaLanguageServer:
    server = OllamaLanguageServer()
    server.protocol.set_writer(wire)
    return server


def test_an_unchanged_state_is_not_sent_again(server: OllamaLanguageServer, wire: Wire) -> None:
    server.status.set("loading", model="m", message="Loading m")
    server.status.set("loading", model="m", message="Loading m")
    server.status.set("idle", model="m")
    assert wire.of("ollama/status") == [
        {"state": "loading", "model": "m", "message": "Loading m"},
        {"state": "idle", "model": "m"},
    ]


def test_a_failure_is_shown_once_per_kind_until_a_success(
    server: OllamaLanguageServer, wire: Wire
) -> None:
    status = server.status
    for _ in range(3):
        status.failed("OllamaUnreachable", "Ollama is not running at http://h:1", model="m")
    status.failed("ModelNotFound", "model 'x' is not pulled", model="m")
    assert [m["message"] for m in wire.of("window/showMessage")] == [
        "Ollama is not running at http://h:1",
        "model 'x' is not pulled",
    ]
    status.succeeded()
    assert wire.of("ollama/status")[-1] == {"state": "idle", "model": "m"}
    status.failed("OllamaUnreachable", "Ollama is not running at http://h:1", model="m")
    assert len(wire.of("window/showMessage")) == 3
    assert status.last_errors["ModelNotFound"] == "model 'x' is not pulled"


async def test_a_short_generation_is_not_announced_but_its_speed_is_news(
    server: OllamaLanguageServer, wire: Wire
) -> None:
    server.status.set("idle", model="m")
    for speed in (50.0, 52.0, 40.0):  # 52 is within 10 % of 50: not worth a notification
        server.status.generation_started("m")
        server.status.generation_finished("m", speed)
    await asyncio.sleep(GENERATING_AFTER + 0.05)
    assert wire.of("ollama/status") == [
        {"state": "idle", "model": "m"},
        {"state": "idle", "model": "m", "tokensPerSecond": 50.0},
        {"state": "idle", "model": "m", "tokensPerSecond": 40.0},
    ]


async def test_idle_keeps_the_last_speed_after_a_load_or_an_error(
    server: OllamaLanguageServer, wire: Wire
) -> None:
    server.status.set("idle", model="m")
    server.status.generation_started("m")
    server.status.generation_finished("m", 30.0)
    server.status.failed("OllamaUnreachable", "Ollama is not running", model="m")
    server.status.succeeded()
    server.status.set("loading", model="m")
    server.status.set("idle", model="m")
    idles = [s for s in wire.of("ollama/status") if s["state"] == "idle"]
    assert [s.get("tokensPerSecond") for s in idles] == [None, 30.0, 30.0, 30.0]


async def test_a_long_generation_is_announced_then_reports_its_speed(
    server: OllamaLanguageServer, wire: Wire
) -> None:
    server.status.generation_started("m")
    await asyncio.sleep(GENERATING_AFTER + 0.05)
    server.status.generation_finished("m", 41.66)
    assert wire.of("ollama/status") == [
        {"state": "generating", "model": "m", "message": "Generating with m"},
        {"state": "idle", "model": "m", "tokensPerSecond": 41.7},
    ]


async def test_the_last_suggestions_cost_is_sent_once_the_user_pauses(
    server: OllamaLanguageServer, wire: Wire
) -> None:
    server.status.set("idle", model="m")
    for ms in (900.4, 420.6):  # two suggestions while typing: one notification, the last
        server.status.suggestion_made(GenerationReport("m", ms, 31.26, 0.875))
    assert len(wire.of("ollama/status")) == 1
    await asyncio.sleep(REFRESH_AFTER + 0.05)
    assert wire.of("ollama/status")[-1] == {
        "state": "idle",
        "model": "m",
        "tokensPerSecond": 31.3,
        "suggestionMs": 421,
        "cachedShare": 0.88,
    }
    server.status.failed("OllamaUnreachable", "Ollama is not running", model="m")
    assert wire.of("ollama/status")[-1]["suggestionMs"] == 421  # kept with every state
