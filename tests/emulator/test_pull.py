"""Pull: progress sequence, resumption after an interruption, one shared download."""

from __future__ import annotations

import json
import threading
from typing import Any

import httpx
import pytest

from tests.emulator._waiting import wait_until
from tests.fake_ollama import CATALOG, FakeOllama

MODEL = "tinyllama:1.1b-chat-v1-q8_0"
SPEC = next(s for s in CATALOG if f"{s.repo}:{s.tag}" == MODEL)


@pytest.fixture
def slow_pulls(fake_ollama: FakeOllama) -> FakeOllama:
    """Nothing installed (every layer is fetched); a download takes about a third of a
    second and reports every 20 ms."""
    fake_ollama.set_pulled([])
    fake_ollama.configure(pull_bytes_per_second=SPEC.size * 3, progress_interval=0.02)
    return fake_ollama


def _lines(response: httpx.Response) -> list[dict[str, Any]]:
    return [json.loads(line) for line in response.text.splitlines()]


def test_pull_reports_each_layer_then_verifies_and_writes(fake_ollama: FakeOllama) -> None:
    lines = _lines(httpx.post(f"{fake_ollama.url}/api/pull", json={"model": MODEL}))

    statuses = [line["status"] for line in lines]
    assert statuses[0] == "pulling manifest"
    assert statuses[-3:] == ["verifying sha256 digest", "writing manifest", "success"]
    for layer in SPEC.layers:
        mine = [line for line in lines if line.get("digest") == layer.digest]
        assert mine and all(line["status"] == f"pulling {layer.digest[7:19]}" for line in mine)
        assert all(line["total"] == layer.size for line in mine)
        assert mine[-1]["completed"] == layer.size
    first_weights = next(line for line in lines if line.get("digest") == SPEC.layers[0].digest)
    assert "completed" not in first_weights  # omitempty while nothing has arrived
    assert MODEL in fake_ollama.installed()


def test_pulling_an_installed_model_is_a_cache_hit(fake_ollama: FakeOllama) -> None:
    lines = _lines(httpx.post(f"{fake_ollama.url}/api/pull", json={"model": "tinyllama"}))

    progress = [line for line in lines if "digest" in line]
    assert len(progress) == len({line["digest"] for line in progress})
    assert all(line["completed"] == line["total"] for line in progress)
    assert fake_ollama.counters.downloads_started == 0


def test_an_interrupted_pull_resumes_from_its_partial_bytes(slow_pulls: FakeOllama) -> None:
    weights = SPEC.layers[0]
    slow_pulls.configure(pull_bytes_per_second=SPEC.size / 10)  # cannot finish before we leave
    with httpx.stream("POST", f"{slow_pulls.url}/api/pull", json={"model": MODEL}) as response:
        for line in response.iter_lines():
            if json.loads(line).get("completed"):
                break
    wait_until(lambda: slow_pulls.counters.downloads_cancelled == 1)
    kept = slow_pulls.partial_bytes()[weights.digest]
    slow_pulls.configure(pull_bytes_per_second=SPEC.size * 3)

    lines = _lines(httpx.post(f"{slow_pulls.url}/api/pull", json={"model": MODEL}))

    assert 0 < kept < weights.size
    resumed = next(line for line in lines if line.get("digest") == weights.digest)
    assert resumed["completed"] >= kept
    assert lines[-1] == {"status": "success"}
    assert slow_pulls.counters.bytes_downloaded == SPEC.size  # nothing fetched twice
    assert slow_pulls.partial_bytes() == {}


def test_an_injected_cut_keeps_partial_bytes(slow_pulls: FakeOllama) -> None:
    slow_pulls.configure(pull_bytes_per_second=SPEC.size / 10)
    slow_pulls.add_fault("cut", path="/api/pull", after_chunks=4)

    with pytest.raises(httpx.RemoteProtocolError):
        httpx.post(f"{slow_pulls.url}/api/pull", json={"model": MODEL})
    wait_until(lambda: slow_pulls.counters.downloads_cancelled == 1)

    assert slow_pulls.partial_bytes()[SPEC.layers[0].digest] > 0
    assert MODEL not in slow_pulls.installed()


def test_concurrent_pulls_share_one_download(slow_pulls: FakeOllama) -> None:
    results: list[list[dict[str, Any]]] = []

    def pull() -> None:
        results.append(_lines(httpx.post(f"{slow_pulls.url}/api/pull", json={"model": MODEL})))

    threads = [threading.Thread(target=pull) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert [r[-1] for r in results] == [{"status": "success"}] * 2
    assert slow_pulls.counters.downloads_started == len(SPEC.layers)
    assert slow_pulls.counters.bytes_downloaded == SPEC.size


def test_the_download_goes_on_while_one_waiter_remains(slow_pulls: FakeOllama) -> None:
    finished: list[list[dict[str, Any]]] = []

    def pull() -> None:
        finished.append(_lines(httpx.post(f"{slow_pulls.url}/api/pull", json={"model": MODEL})))

    staying = threading.Thread(target=pull)
    staying.start()
    wait_until(lambda: slow_pulls.counters.downloads_started == 1)
    with httpx.stream("POST", f"{slow_pulls.url}/api/pull", json={"model": MODEL}) as leaving:
        for line in leaving.iter_lines():
            if json.loads(line).get("completed"):
                break
    staying.join()

    assert finished[0][-1] == {"status": "success"}
    assert slow_pulls.counters.downloads_cancelled == 0
    assert slow_pulls.counters.bytes_downloaded == SPEC.size
