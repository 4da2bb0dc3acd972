"""The download queue against respx-mocked ``/api/pull`` streams and an in-memory store."""

from __future__ import annotations

import asyncio
import itertools
import json
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest
import respx

from ollama_lsp.ollama import OllamaClient
from ollama_lsp.server.downloads import DownloadQueue, PullJob, PullUpdate, describe_update
from ollama_lsp.store import DownloadStatus, ModelStore
from tests.unit.ollama.helpers import HOST, make_client, ndjson


def layer(digest: str, total: int, completed: int = 0) -> dict[str, Any]:
    line: dict[str, Any] = {"status": f"pulling {digest}", "digest": digest, "total": total}
    if completed:
        line["completed"] = completed
    return line


# a big layer, then a small one showing up late (the total grows)
STREAM = [
    {"status": "pulling manifest"},
    *(layer("sha256:big", 1000, done) for done in (0, 250, 500, 750, 1000)),
    layer("sha256:small", 100, 0),
    layer("sha256:small", 100, 100),
    {"status": "verifying sha256 digest"},
    {"status": "writing manifest"},
    {"status": "success"},
]


@pytest.fixture
def api() -> Iterator[respx.MockRouter]:
    with respx.mock(base_url=HOST) as router:
        yield router


@pytest.fixture
async def client() -> AsyncIterator[OllamaClient]:
    async with make_client() as c:
        yield c


@pytest.fixture
def store() -> Iterator[ModelStore]:
    with ModelStore.open(":memory:") as s:
        yield s


def ticking() -> Any:
    """A clock that moves 0.1 s each time it is read."""
    counter = itertools.count()
    return lambda: next(counter) / 10


def queue(client: OllamaClient, store: ModelStore | None = None, **kw: Any) -> DownloadQueue:
    kw.setdefault("clock", ticking())
    kw.setdefault("update_interval", 0.0)
    return DownloadQueue(lambda endpoint: client, store, **kw)


def gated(lines: list[dict[str, Any]], gate: asyncio.Event, after: int) -> httpx.Response:
    """A streamed answer that stops after ``after`` lines until ``gate`` is set."""

    async def body() -> AsyncIterator[bytes]:
        for index, line in enumerate(lines):
            if index == after:
                await gate.wait()
            yield json.dumps(line).encode() + b"\n"

    return httpx.Response(200, content=body())


async def reached(job: PullJob, completed: int = 250) -> None:
    """Wait until ``job`` has downloaded ``completed`` bytes (the gate in :func:`gated`)."""
    for _ in range(500):
        if job.latest.completed >= completed:
            return
        await asyncio.sleep(0.01)
    raise AssertionError(f"the pull stayed at {job.latest}")


async def test_progress_adds_layers_never_goes_back_and_ends_verified(
    client: OllamaClient, api: respx.MockRouter, store: ModelStore
) -> None:
    api.post("/api/pull").respond(content=ndjson(*STREAM))
    updates: list[PullUpdate] = []
    job = queue(client, store).pull("m:7b", HOST)
    job.watch(updates.append)
    outcome = await job.wait()
    assert outcome.status is DownloadStatus.DONE and outcome.verified
    assert outcome.completed == outcome.total == 1100
    fractions = [u.fraction for u in updates if u.fraction is not None]
    assert fractions == sorted(fractions) and fractions[-1] == 1.0
    assert {u.phase for u in updates} >= {"queued", "downloading", "verifying", "writing"}
    rated = [u for u in updates if u.phase == "downloading" and u.bytes_per_second]
    assert rated and all(u.seconds_left is not None for u in rated)
    record = store.downloads_for("m:7b")[0]
    assert record.status is DownloadStatus.DONE and record.completed == 1100


async def test_updates_are_throttled_but_phase_changes_always_shown(
    client: OllamaClient, api: respx.MockRouter
) -> None:
    api.post("/api/pull").respond(content=ndjson(*STREAM))
    updates: list[PullUpdate] = []
    job = queue(client, update_interval=10.0).pull("m:7b", HOST)
    job.watch(updates.append)
    await job.wait()
    assert [u.phase for u in updates] == [
        "queued", "downloading", "verifying", "writing", "writing"
    ]  # fmt: skip


async def test_a_second_request_joins_the_pull_in_flight(
    client: OllamaClient, api: respx.MockRouter
) -> None:
    gate = asyncio.Event()
    route = api.post("/api/pull").mock(return_value=gated(STREAM, gate, 3))
    downloads = queue(client)
    first = downloads.pull("m:7b", HOST)
    await reached(first)
    second = downloads.pull("m:7b", HOST)
    assert second is first and downloads.find("m:7b") is first
    gate.set()
    outcomes = await asyncio.gather(first.wait(), second.wait())
    assert [o.status for o in outcomes] == [DownloadStatus.DONE] * 2
    assert route.call_count == 1
    assert downloads.find("m:7b") is None


async def test_one_download_per_endpoint_at_a_time(
    client: OllamaClient, api: respx.MockRouter, store: ModelStore
) -> None:
    gate = asyncio.Event()
    api.post("/api/pull", json__model="a:1b").mock(return_value=gated(STREAM, gate, 3))
    api.post("/api/pull", json__model="b:1b").respond(content=ndjson(*STREAM))
    downloads = queue(client, store)
    first, second = downloads.pull("a:1b", HOST), downloads.pull("b:1b", HOST)
    await reached(first)
    assert second.latest.phase == "queued"
    assert store.downloads_for("b:1b")[0].status is DownloadStatus.QUEUED
    gate.set()
    assert (await second.wait()).status is DownloadStatus.DONE
    assert (await first.wait()).status is DownloadStatus.DONE


async def test_cancel_stops_the_pull_and_records_it(
    client: OllamaClient, api: respx.MockRouter, store: ModelStore
) -> None:
    gate = asyncio.Event()
    api.post("/api/pull").mock(return_value=gated(STREAM, gate, 3))
    downloads = queue(client, store)
    job = downloads.pull("m:7b", HOST)
    waiting = asyncio.ensure_future(job.wait())
    await reached(job)
    assert downloads.cancel("m:7b") is True
    outcome = await waiting
    assert outcome.status is DownloadStatus.CANCELLED and outcome.completed == 250
    assert store.downloads_for("m:7b")[0].status is DownloadStatus.CANCELLED
    assert downloads.cancel("m:7b") is False


async def test_the_last_waiter_leaving_stops_the_pull_but_not_before(
    client: OllamaClient, api: respx.MockRouter
) -> None:
    gate = asyncio.Event()
    api.post("/api/pull").mock(return_value=gated(STREAM, gate, 3))
    job = queue(client).pull("m:7b", HOST)
    first, second = asyncio.ensure_future(job.wait()), asyncio.ensure_future(job.wait())
    await reached(job)
    first.cancel()
    await asyncio.gather(first, return_exceptions=True)
    assert job.task is not None and not job.task.done()
    second.cancel()
    await asyncio.gather(second, return_exceptions=True)
    await asyncio.gather(job.task, return_exceptions=True)
    assert job.task.cancelled()


async def test_a_failure_is_recorded_with_the_user_facing_message(
    client: OllamaClient, api: respx.MockRouter, store: ModelStore
) -> None:
    api.post("/api/pull").respond(
        content=ndjson(STREAM[0], STREAM[1], {"error": "pull model manifest: file does not exist"})
    )
    outcome = await queue(client, store).pull("nope:1b", HOST).wait()
    assert outcome.status is DownloadStatus.FAILED
    assert outcome.error is not None and "nope:1b" in outcome.error
    record = store.downloads_for("nope:1b")[0]
    assert record.status is DownloadStatus.FAILED and record.error == outcome.error


def test_describe_update_names_bytes_rate_and_time_left() -> None:
    update = PullUpdate("m", "downloading", 1_200_000_000, 3_800_000_000, 0.31, 85e6, 31.0)
    assert describe_update(update) == "1.2 GB / 3.8 GB, 85.0 MB/s, 31 s left"
    later = PullUpdate("m", "downloading", 5, 10, 0.5, None, 4000.0)
    assert describe_update(later) == "5 B / 10 B, 1 h 6 min left"
    assert describe_update(PullUpdate("m", "verifying", 0, None, 1.0, None, 0)) == (
        "verifying sha256 digest"
    )
