"""``ollama.pullModel`` against the emulator: progress, cancel, resume, sharing, kill -9."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from lsprotocol import types
from pygls.exceptions import JsonRpcException
from pytest_lsp import LanguageClient

from ollama_lsp.store import DownloadStatus, ModelStore
from tests.e2e.conftest import eventually, initialize, settings_for
from tests.e2e.session import (
    execute,
    progress_of,
    start,
    started,
    stop,
    wait_for_message,
)
from tests.fake_ollama import FakeOllama

MODEL = "codellama:13b-code"
SIZE = 7_365_960_238 + 79 + 97 + 38 + 483  # its layers, as the emulator's catalog lists them
TITLE = f"Pulling {MODEL}"


def pull_at(fake: FakeOllama, seconds: float) -> None:
    """Make the emulator's registry take about ``seconds`` for :data:`MODEL`."""
    fake.configure(pull_bytes_per_second=SIZE / seconds, progress_interval=0.02)


def reports(client: LanguageClient) -> list[types.WorkDoneProgressReport]:
    return [r for r in progress_of(client, TITLE) if isinstance(r, types.WorkDoneProgressReport)]


def pull(client: LanguageClient, model: str = MODEL) -> asyncio.Future[Any]:
    return asyncio.ensure_future(execute(client, "ollama.pullModel", {"model": model}))


async def downloading(client: LanguageClient) -> None:
    """Wait until the progress shows some bytes but not all."""

    def midway() -> bool:
        try:
            return any(0 < (r.percentage or 0) < 90 for r in reports(client))
        except AssertionError:
            return False

    await eventually(midway, within=10)


def recorded_bytes(store: Path) -> int:
    """What the store says the newest pull of :data:`MODEL` has downloaded."""
    with ModelStore.open(store) as records:
        rows = records.downloads_for(MODEL)
    return rows[0].completed if rows else 0


async def test_progress_is_monotonic_reaches_100_and_says_time_left(
    tmp_path: Path, fake_ollama: FakeOllama
) -> None:
    pull_at(fake_ollama, 1.2)
    async with started(tmp_path / "s.db", fake_ollama) as client:
        result = await execute(client, "ollama.pullModel", {"model": MODEL})
        progress = progress_of(client, TITLE)
        message = await wait_for_message(client, f"Pulled {MODEL}")
    assert result["status"] == "done" and result["verified"] is True
    assert result["digest"] and result["durationMs"] > 0
    assert MODEL in fake_ollama.installed()
    begin, *steps, end = progress
    assert isinstance(begin, types.WorkDoneProgressBegin) and begin.cancellable is True
    assert isinstance(end, types.WorkDoneProgressEnd) and end.message == "done"
    percents = [r.percentage for r in steps if r.percentage is not None]
    assert percents == sorted(percents) and percents[-1] == 100
    assert len(set(percents)) >= 3  # it moved in steps, not all at the end
    assert any("left" in (r.message or "") and "/s" in (r.message or "") for r in steps)
    assert any(r.message == "verifying sha256 digest" for r in steps)
    assert len(steps) < 40  # throttled: a few reports a second, not one per emulator line
    assert "sha256 digest verified" in message
    with ModelStore.open(tmp_path / "s.db") as store:
        record = store.downloads_for(MODEL)[0]
    assert record.status is DownloadStatus.DONE and record.completed == SIZE


async def test_cancelling_the_progress_cancels_the_pull(
    tmp_path: Path, fake_ollama: FakeOllama
) -> None:
    pull_at(fake_ollama, 3)
    async with started(tmp_path / "s.db", fake_ollama) as client:
        pending = pull(client)
        await downloading(client)
        token = next(t for t, r in client.progress_reports.items() if r and r[0].title == TITLE)
        client.window_work_done_progress_cancel(types.WorkDoneProgressCancelParams(token=token))
        result = await pending
        await wait_for_message(client, "resumes from")
    assert result["status"] == "cancelled"
    assert MODEL not in fake_ollama.installed()
    await eventually(lambda: fake_ollama.counters.downloads_cancelled >= 1)
    assert sum(fake_ollama.partial_bytes().values()) > 0
    with ModelStore.open(tmp_path / "s.db") as store:
        assert store.downloads_for(MODEL)[0].status is DownloadStatus.CANCELLED


async def test_two_pulls_of_one_model_share_one_download_and_cancel_pull_stops_both(
    tmp_path: Path, fake_ollama: FakeOllama
) -> None:
    pull_at(fake_ollama, 3)
    async with started(tmp_path / "s.db", fake_ollama) as client:
        first = pull(client)
        await downloading(client)
        second = pull(client)
        await asyncio.sleep(0.2)
        assert len(fake_ollama.requests_to("/api/pull")) == 1
        assert await execute(client, "ollama.cancelPull", {"model": MODEL}) == {"cancelled": True}
        results = await asyncio.gather(first, second)
        assert [r["status"] for r in results] == ["cancelled", "cancelled"]
        assert await execute(client, "ollama.cancelPull", {"model": MODEL}) == {"cancelled": False}


async def test_a_dropped_connection_resumes_from_its_partial_point(
    tmp_path: Path, fake_ollama: FakeOllama
) -> None:
    pull_at(fake_ollama, 1.5)
    fake_ollama.add_fault("cut", path="/api/pull", after_chunks=25)
    async with started(tmp_path / "s.db", fake_ollama) as client:
        with pytest.raises(JsonRpcException, match=f"Pulling {MODEL} failed") as failed:
            await execute(client, "ollama.pullModel", {"model": MODEL})
        await wait_for_message(client, f"Pulling {MODEL} failed")
        assert "resumes from" in failed.value.message
        await eventually(lambda: sum(fake_ollama.partial_bytes().values()) > 0)
        partial = sum(fake_ollama.partial_bytes().values())
        assert 0 < partial < SIZE
        result = await execute(client, "ollama.pullModel", {"model": MODEL})
    assert result["status"] == "done"
    # no byte fetched twice: the second pull started where the first stopped
    assert fake_ollama.counters.bytes_downloaded <= SIZE


async def test_pulling_an_unknown_model_reaches_the_user(
    tmp_path: Path, fake_ollama: FakeOllama
) -> None:
    async with started(tmp_path / "s.db", fake_ollama) as client:
        with pytest.raises(JsonRpcException, match="nosuchmodel:7b") as failed:
            await execute(client, "ollama.pullModel", {"model": "nosuchmodel:7b"})
        shown = await wait_for_message(client, "Pulling nosuchmodel:7b failed")
    assert failed.value.message in shown


async def test_a_pull_killed_with_the_server_is_interrupted_and_resumes_on_restart(
    tmp_path: Path, fake_ollama: FakeOllama
) -> None:
    store = tmp_path / "s.db"
    pull_at(fake_ollama, 3)
    client = await start(store)
    try:
        await initialize(client, settings=settings_for(fake_ollama.url))
        pending = pull(client)
        await eventually(lambda: recorded_bytes(store) > 0, within=10)
        server = client._server
        assert server is not None
        server.kill()
        await server.wait()
        pending.cancel()
    finally:
        await stop(client)
    with ModelStore.open(store) as records:
        killed = records.downloads_for(MODEL)[0]
    assert killed.status is DownloadStatus.RUNNING and killed.completed > 0
    await eventually(lambda: sum(fake_ollama.partial_bytes().values()) > 0)
    partial = sum(fake_ollama.partial_bytes().values())
    pull_at(fake_ollama, 1)

    async with started(store, fake_ollama) as client:
        await wait_for_message(client, f"The download of {MODEL} was interrupted")
        result = await execute(client, "ollama.pullModel", {"model": MODEL})
        first = next(r for r in reports(client) if r.percentage)
    assert result["status"] == "done"
    assert first.percentage is not None and first.percentage >= 100 * partial // SIZE - 1
    assert fake_ollama.counters.bytes_downloaded <= SIZE
    with ModelStore.open(store) as records:
        rows = records.downloads_for(MODEL)
    assert [r.status for r in rows] == [DownloadStatus.DONE]  # the same record, resumed


async def test_progress_goes_to_the_request_token_when_the_client_cannot_create_one(
    tmp_path: Path, fake_ollama: FakeOllama
) -> None:
    client = await start(tmp_path / "s.db")
    try:
        client.set_configuration({"ollama": settings_for(fake_ollama.url)})
        await client.initialize_session(
            types.InitializeParams(
                capabilities=types.ClientCapabilities(
                    workspace=types.WorkspaceClientCapabilities(configuration=True),
                    window=types.WindowClientCapabilities(work_done_progress=False),
                )
            )
        )
        client.progress_reports["from-the-request"] = []
        result = await execute(
            client, "ollama.pullModel", {"model": MODEL}, work_done_token="from-the-request"
        )
        reported = client.progress_reports["from-the-request"]
    finally:
        await stop(client)
    assert result["status"] == "done"
    assert isinstance(reported[0], types.WorkDoneProgressBegin) and reported[0].title == TITLE
    assert isinstance(reported[-1], types.WorkDoneProgressEnd)
    assert len(client.progress_reports) == 1  # no token was created by the server


async def test_pulling_the_missing_completion_model_loads_it_and_clears_the_error(
    client: LanguageClient, fake_ollama: FakeOllama
) -> None:
    fake_ollama.set_pulled([])  # a first run: Ollama has no models
    await initialize(client, settings=settings_for(fake_ollama.url))
    statuses: list[dict[str, Any]] = client.statuses  # type: ignore[attr-defined]
    await eventually(lambda: bool(statuses) and statuses[-1]["state"] == "error")
    model = statuses[-1]["model"]
    await execute(client, "ollama.pullModel", {"model": model})
    await eventually(lambda: statuses[-1]["state"] == "idle")
    assert statuses[-1]["model"] == model
    assert model in fake_ollama.installed()
