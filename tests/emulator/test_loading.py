"""keep_alive, load and unload, ``/api/ps``, the memory budget and cold loads."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest

from tests.fake_ollama import GIB, FakeOllama, RecordedRequest


def _post(fake: FakeOllama, path: str, **body: Any) -> httpx.Response:
    return httpx.post(f"{fake.url}{path}", json=body)


def _running(fake: FakeOllama) -> dict[str, dict[str, Any]]:
    models = httpx.get(f"{fake.url}/api/ps").json()["models"]
    return {m["name"]: m for m in models}


@pytest.mark.parametrize("endpoint", ["/api/generate", "/api/chat"])
def test_empty_request_loads_and_keep_alive_zero_unloads(
    fake_ollama_shared: FakeOllama, endpoint: str
) -> None:
    empty: dict[str, Any] = {"prompt": ""} if endpoint == "/api/generate" else {"messages": []}

    loaded = _post(fake_ollama_shared, endpoint, model="tinyllama", **empty).json()
    running = _running(fake_ollama_shared)
    unloaded = _post(fake_ollama_shared, endpoint, model="tinyllama", keep_alive=0, **empty)

    assert (loaded["done"], loaded["done_reason"]) == (True, "load")
    assert "tinyllama" in running["tinyllama:latest"]["model"]
    assert unloaded.headers["content-type"] == "application/json; charset=utf-8"
    assert unloaded.json()["done_reason"] == "unload"
    assert _running(fake_ollama_shared) == {}


@pytest.mark.parametrize(
    ("keep_alive", "seconds"),
    [("10m", 600), (90, 90), ("1h30m", 5400), ("2.5s", 2.5), (None, 300)],
)
def test_keep_alive_sets_expires_at(
    fake_ollama_shared: FakeOllama, keep_alive: Any, seconds: float
) -> None:
    body: dict[str, Any] = {"model": "tinyllama"}
    if keep_alive is not None:
        body["keep_alive"] = keep_alive
    before = datetime.now().astimezone()

    _post(fake_ollama_shared, "/api/generate", **body)

    expires = datetime.fromisoformat(_running(fake_ollama_shared)["tinyllama:latest"]["expires_at"])
    assert before + timedelta(seconds=seconds) <= expires
    assert expires <= datetime.now().astimezone() + timedelta(seconds=seconds)


@pytest.mark.parametrize("keep_alive", [-1, "-1m"])
def test_negative_keep_alive_keeps_the_model_for_centuries(
    fake_ollama_shared: FakeOllama, keep_alive: Any
) -> None:
    _post(fake_ollama_shared, "/api/generate", model="tinyllama", keep_alive=keep_alive)

    expires = _running(fake_ollama_shared)["tinyllama:latest"]["expires_at"]
    assert int(expires[:4]) >= 2300


def test_ps_reports_sizes_and_gpu_share(fake_ollama: FakeOllama) -> None:
    fake_ollama.configure(vram_bytes=1 * GIB)
    _post(fake_ollama, "/api/generate", model="codellama:7b-code")

    model = _running(fake_ollama)["codellama:7b-code"]

    assert model["size"] > 3_825_910_638  # weights plus KV cache
    assert model["size_vram"] == 1 * GIB
    assert model["details"]["quantization_level"] == "Q4_0"
    assert model["context_length"] == 4096


def test_loading_past_the_budget_evicts_the_least_recently_used(fake_ollama: FakeOllama) -> None:
    fake_ollama.configure(memory_bytes=12 * GIB)
    for model in ("codellama:7b-code", "tinyllama", "codellama:7b-instruct"):
        assert _post(fake_ollama, "/api/generate", model=model).status_code == 200

    assert set(_running(fake_ollama)) == {"tinyllama:latest", "codellama:7b-instruct"}
    assert fake_ollama.counters.evictions == 1


def test_a_model_larger_than_the_budget_fails_with_ollamas_text(fake_ollama: FakeOllama) -> None:
    fake_ollama.configure(memory_bytes=4 * GIB)

    response = _post(fake_ollama, "/api/generate", model="codellama:7b-code", prompt="x")

    assert response.status_code == 500
    assert response.json() == {
        "error": "model requires more system memory (5.6 GiB) than is available (4.0 GiB)"
    }


def test_an_injected_oom_fails_the_load(fake_ollama: FakeOllama) -> None:
    fake_ollama.add_fault("oom", model="tinyllama")

    failed = _post(fake_ollama, "/api/chat", model="tinyllama", messages=[{"role": "user"}])
    retried = _post(fake_ollama, "/api/chat", model="tinyllama", messages=[{"role": "user"}])

    assert failed.status_code == 500
    assert "model requires more system memory" in failed.json()["error"]
    assert retried.status_code == 200


def test_cold_load_time_shows_in_load_duration_once(fake_ollama: FakeOllama) -> None:
    fake_ollama.configure(load_seconds=0.2)
    body = {"model": "tinyllama", "prompt": "x", "stream": False}

    cold = _post(fake_ollama, "/api/generate", **body).json()
    warm = _post(fake_ollama, "/api/generate", **body).json()

    assert cold["load_duration"] >= 200_000_000
    assert warm["load_duration"] < 200_000_000
    assert fake_ollama.counters.loads == 1


def test_a_different_num_ctx_reloads_the_runner(fake_ollama: FakeOllama) -> None:
    _post(fake_ollama, "/api/generate", model="tinyllama", options={"num_ctx": 1024})
    _post(fake_ollama, "/api/generate", model="tinyllama", options={"num_ctx": 2048})

    assert _running(fake_ollama)["tinyllama:latest"]["context_length"] == 2048
    assert fake_ollama.counters.loads == 2


async def _two_streams(fake: FakeOllama) -> tuple[RecordedRequest, RecordedRequest]:
    """Two streamed generations sent together; returned in order of completion."""
    fake.reply(" ".join(["word"] * 20), tokens_per_second=100)
    body = {"model": "tinyllama", "prompt": "x"}
    async with httpx.AsyncClient(base_url=fake.url) as client:
        await asyncio.gather(*(client.post("/api/generate", json=body) for _ in range(2)))
    first, second = sorted(fake.requests_to("/api/generate"), key=lambda r: r.finished or 0)
    assert first.finished is not None and second.first_byte is not None
    return first, second


async def test_one_generation_at_a_time_per_model(fake_ollama: FakeOllama) -> None:
    first, second = await _two_streams(fake_ollama)

    assert second.started < (first.finished or 0)
    assert (second.first_byte or 0) >= (first.finished or 0)  # queued behind the first


async def test_num_parallel_lets_generations_overlap(fake_ollama: FakeOllama) -> None:
    fake_ollama.configure(num_parallel=2)

    first, second = await _two_streams(fake_ollama)

    assert (second.first_byte or 0) < (first.finished or 0)
