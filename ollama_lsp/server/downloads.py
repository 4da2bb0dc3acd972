"""The download queue: model pulls, one (by default) per endpoint at a time, shared and recorded.

Free of LSP so the CLI can use it too. ``queue.pull(model, endpoint)`` returns the
:class:`PullJob` already running or queued for that model and endpoint (a second request joins
it) or starts one. Watchers get throttled :class:`PullUpdate` s (percent, bytes, rate, time
remaining); ``await job.wait()`` gives the :class:`PullOutcome`. Every job is recorded in the
``ModelStore`` (queued / running / verifying / done / failed / cancelled) when one is given.
Ollama keeps the blobs of a pull cut short, so pulling again resumes where it stopped.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ollama_lsp.ollama import AiError
from ollama_lsp.store import DownloadStatus

if TYPE_CHECKING:
    from ollama_lsp.ollama import OllamaClient, PullProgress
    from ollama_lsp.store import ModelStore

__all__ = ["DownloadQueue", "PullJob", "PullOutcome", "PullUpdate", "describe_update"]

log = logging.getLogger(__name__)

Watcher = Callable[["PullUpdate"], None]

_VERIFYING = "verifying sha256 digest"


@dataclass(frozen=True, slots=True)
class PullUpdate:
    """Where a pull stands; ``fraction`` never goes back, even when a new layer shows up."""

    model: str
    phase: str
    """``queued``, ``downloading``, ``verifying`` or ``writing``."""
    completed: int
    total: int | None
    fraction: float | None
    bytes_per_second: float | None
    seconds_left: float | None


@dataclass(frozen=True, slots=True)
class PullOutcome:
    """How a pull ended; ``error`` is the user-facing message of a failure."""

    model: str
    endpoint: str
    status: DownloadStatus
    verified: bool
    seconds: float
    error: str | None = None
    completed: int = 0
    total: int | None = None


def _format_bytes(count: float) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if count < 1000:
            return f"{count:.0f} {unit}" if unit == "B" else f"{count:.1f} {unit}"
        count /= 1000
    return f"{count:.1f} TB"


def _format_seconds(seconds: float) -> str:
    seconds = round(seconds)
    if seconds < 60:
        return f"{seconds} s"
    if seconds < 3600:
        return f"{seconds // 60} min {seconds % 60} s"
    return f"{seconds // 3600} h {seconds % 3600 // 60} min"


def describe_update(update: PullUpdate) -> str:
    """One line for a progress bar: ``1.2 GB / 3.8 GB, 85.0 MB/s, 31 s left``."""
    if update.phase == "queued":
        return "waiting for the download before it"
    if update.phase == "verifying":
        return "verifying sha256 digest"
    if update.phase == "writing":
        return "writing manifest"
    parts = [_format_bytes(update.completed)]
    if update.total:
        parts[0] += f" / {_format_bytes(update.total)}"
    if update.bytes_per_second:
        parts.append(f"{_format_bytes(update.bytes_per_second)}/s")
    if update.seconds_left is not None:
        parts.append(f"{_format_seconds(update.seconds_left)} left")
    return ", ".join(parts)


class _Meter:
    """Bytes across layers, a smoothed rate, and a fraction that only grows."""

    def __init__(self, clock: Callable[[], float]) -> None:
        self._clock = clock
        self._layers: dict[str, tuple[int, int]] = {}
        self._last: tuple[float, int] | None = None
        self.rate: float | None = None
        self.fraction = 0.0

    @property
    def completed(self) -> int:
        return sum(done for done, _ in self._layers.values())

    @property
    def total(self) -> int | None:
        return sum(size for _, size in self._layers.values()) or None

    def add(self, step: PullProgress) -> None:
        if step.digest is None or not step.total:
            return
        self._layers[step.digest] = (min(step.completed or 0, step.total), step.total)
        now, completed = self._clock(), self.completed
        if self._last is not None and now > self._last[0]:
            speed = max(0, completed - self._last[1]) / (now - self._last[0])
            self.rate = speed if self.rate is None else 0.7 * self.rate + 0.3 * speed
        self._last = (now, completed)
        total = self.total
        if total:
            self.fraction = max(self.fraction, completed / total)

    def seconds_left(self) -> float | None:
        total = self.total
        if total is None or not self.rate:
            return None
        return max(0.0, (total - self.completed) / self.rate)


class PullJob:
    """One pull of one model from one endpoint, watched by any number of requests."""

    def __init__(self, model: str, endpoint: str, clock: Callable[[], float]) -> None:
        self.model = model
        self.endpoint = endpoint
        self.latest = PullUpdate(model, "queued", 0, None, None, None, None)
        self.task: asyncio.Task[PullOutcome] | None = None
        self._watchers: list[Watcher] = []
        self._waiters = 0
        self._clock = clock

    def watch(self, watcher: Watcher) -> Callable[[], None]:
        """Call ``watcher`` with each (throttled) update; returns the function that stops it."""
        self._watchers.append(watcher)
        watcher(self.latest)
        return lambda: self._watchers.remove(watcher) if watcher in self._watchers else None

    def publish(self, update: PullUpdate) -> None:
        self.latest = update
        for watcher in list(self._watchers):
            try:
                watcher(update)
            except Exception:
                log.exception("a pull watcher failed")

    def cancel(self) -> bool:
        """Stop the pull for everyone watching it; False when it has already ended."""
        if self.task is None or self.task.done():
            return False
        return self.task.cancel()

    async def wait(self) -> PullOutcome:
        """The outcome. A waiter that is cancelled leaves; the last one to leave stops the pull."""
        assert self.task is not None
        self._waiters += 1
        try:
            return await asyncio.shield(self.task)
        except asyncio.CancelledError:
            if self.task.done() and self.task.cancelled():
                return self._cancelled_outcome()
            if self._waiters == 1:
                self.task.cancel()
            raise
        finally:
            self._waiters -= 1

    def _cancelled_outcome(self) -> PullOutcome:
        latest = self.latest
        return PullOutcome(
            self.model,
            self.endpoint,
            DownloadStatus.CANCELLED,
            False,
            0.0,
            completed=latest.completed,
            total=latest.total,
        )


class DownloadQueue:
    """Pulls keyed by (endpoint, model); ``per_endpoint`` of them download at once per endpoint.

    ``client(endpoint)`` is called for the client to use when a pull starts (so a server that
    rebuilt its clients after a settings change pulls with the new one).
    """

    def __init__(
        self,
        client: Callable[[str], OllamaClient],
        store: ModelStore | None = None,
        *,
        per_endpoint: int = 1,
        update_interval: float = 0.2,
        store_interval: float = 1.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._client = client
        self._store = store
        self._per_endpoint = per_endpoint
        self._update_interval = update_interval
        self._store_interval = store_interval
        self._clock = clock
        self._jobs: dict[tuple[str, str], PullJob] = {}
        self._slots: dict[str, asyncio.Semaphore] = {}

    def pull(self, model: str, endpoint: str) -> PullJob:
        """The job pulling ``model`` from ``endpoint``: the one in flight, or a new one."""
        key = (endpoint, model)
        job = self._jobs.get(key)
        if job is not None and job.task is not None and not job.task.done():
            return job
        job = PullJob(model, endpoint, self._clock)
        job.task = asyncio.get_running_loop().create_task(self._run(job), name=f"pull {model}")
        self._jobs[key] = job
        job.task.add_done_callback(lambda _: self._forget(key, job))
        return job

    def find(self, model: str) -> PullJob | None:
        """An unfinished job for ``model`` on any endpoint."""
        for (_, name), job in self._jobs.items():
            if name == model:
                return job
        return None

    def cancel(self, model: str) -> bool:
        """Cancel every unfinished pull of ``model``; True when there was one."""
        return any([job.cancel() for (_, name), job in list(self._jobs.items()) if name == model])

    def jobs(self) -> list[PullJob]:
        return list(self._jobs.values())

    async def aclose(self) -> None:
        """Cancel every pull and wait for their records to be written."""
        tasks = [job.task for job in self._jobs.values() if job.task is not None]
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.gather(*tasks, return_exceptions=True)

    def _forget(self, key: tuple[str, str], job: PullJob) -> None:
        if self._jobs.get(key) is job:
            del self._jobs[key]

    async def _record(self, method: str, *args: Any, **kwargs: Any) -> Any:
        if self._store is None:
            return None
        try:
            return await asyncio.to_thread(getattr(self._store, method), *args, **kwargs)
        except Exception:
            log.exception("could not record the download in the store")
            return None

    async def _run(self, job: PullJob) -> PullOutcome:
        started = self._clock()
        queued = await self._record("queue_download", job.model, job.endpoint)
        download_id: int | None = queued.id if queued is not None else None
        meter = _Meter(self._clock)
        verified = False
        try:
            slot = self._slots.setdefault(job.endpoint, asyncio.Semaphore(self._per_endpoint))
            async with slot:
                await self._record("start_download", job.model, job.endpoint)
                verified = await self._transfer(job, meter, download_id)
        except asyncio.CancelledError:
            await self._finish(download_id, DownloadStatus.CANCELLED, None)
            raise
        except AiError as error:
            await self._finish(download_id, DownloadStatus.FAILED, error.message)
            return self._outcome(job, DownloadStatus.FAILED, verified, started, meter, error)
        except Exception as error:
            await self._finish(download_id, DownloadStatus.FAILED, str(error))
            raise
        await self._finish(download_id, DownloadStatus.DONE, None)
        return self._outcome(job, DownloadStatus.DONE, verified, started, meter, None)

    async def _transfer(self, job: PullJob, meter: _Meter, download_id: int | None) -> bool:
        verified = False
        published = stored = float("-inf")
        phase = "downloading"
        async with contextlib.aclosing(self._client(job.endpoint).pull(job.model)) as steps:
            async for step in steps:
                meter.add(step)
                previous = phase
                if step.status == _VERIFYING:
                    phase, verified = "verifying", True
                elif step.status.startswith("writing") or step.status == "success":
                    phase = "writing"
                now = self._clock()
                if phase != previous or now - published >= self._update_interval:
                    published = now
                    job.publish(self._update(job, meter, phase))
                if download_id is not None and (
                    phase != previous or now - stored >= self._store_interval
                ):
                    stored = now
                    status = DownloadStatus.VERIFYING if verified else DownloadStatus.RUNNING
                    await self._record(
                        "update_download",
                        download_id,
                        completed=meter.completed,
                        total=meter.total,
                        status=status,
                    )
        meter.fraction = 1.0
        job.publish(self._update(job, meter, "writing"))
        return verified

    def _update(self, job: PullJob, meter: _Meter, phase: str) -> PullUpdate:
        return PullUpdate(
            job.model,
            phase,
            meter.completed,
            meter.total,
            meter.fraction,
            meter.rate,
            0.0 if phase != "downloading" else meter.seconds_left(),
        )

    async def _finish(
        self, download_id: int | None, status: DownloadStatus, error: str | None
    ) -> None:
        if download_id is not None:
            await asyncio.shield(self._record("finish_download", download_id, status, error))

    def _outcome(
        self,
        job: PullJob,
        status: DownloadStatus,
        verified: bool,
        started: float,
        meter: _Meter,
        error: AiError | None,
    ) -> PullOutcome:
        return PullOutcome(
            job.model,
            job.endpoint,
            status,
            verified,
            self._clock() - started,
            error.message if error is not None else None,
            meter.completed,
            meter.total,
        )
