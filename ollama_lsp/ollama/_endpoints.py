"""Which endpoint to send a request to: health in configured order, then model location."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass
from functools import partial

import httpx
from cachetools import TTLCache

from ollama_lsp.ollama._types import EndpointHealth

__all__ = ["EndpointPool", "normalize_model_name"]

log = logging.getLogger(__name__)

#: How long a failed endpoint stays at the end of the order before it is probed again.
UNHEALTHY_FOR = 5.0
#: How long the model list of an endpoint (``/api/tags``) is trusted.
MODELS_FOR = 30.0


def normalize_model_name(name: str) -> str:
    """Compare model names as Ollama does: case-insensitively, ``:latest`` implied."""
    name = name.strip().lower()
    last = name.rsplit("/", 1)[-1]
    return name if ":" in last else f"{name}:latest"


@dataclass(slots=True)
class _Health:
    healthy: bool
    until: float


class EndpointPool:
    """Orders the configured endpoints for a request.

    With more than one endpoint, each is probed with ``GET /`` (in configured order) before its
    first use. Healthy endpoints come first, in configured order; endpoints that failed come
    last (they are still tried, so a flaky endpoint never makes the client give up) and are
    re-probed in the background once their verdict expires. A request for a model goes first to
    an endpoint whose ``/api/tags`` lists it. Both caches are bounded by the number of
    endpoints and expire after seconds.
    """

    def __init__(
        self, endpoints: Sequence[str], http: httpx.AsyncClient, *, probe_timeout: float
    ) -> None:
        self.endpoints = tuple(endpoints)
        self._http = http
        self._timeout = httpx.Timeout(probe_timeout)
        self._health: dict[str, _Health] = {}
        self._models: TTLCache[str, frozenset[str]] = TTLCache(
            maxsize=max(1, len(self.endpoints)), ttl=MODELS_FOR
        )
        self._lock = asyncio.Lock()
        self._probing: dict[str, asyncio.Task[EndpointHealth]] = {}

    async def order(self, model: str | None = None) -> list[str]:
        """Endpoints to try for a request, best first."""
        if len(self.endpoints) == 1:
            return list(self.endpoints)
        async with self._lock:
            for endpoint in self.endpoints:
                if endpoint not in self._health:
                    await self.probe(endpoint)
            self._recheck_failing()
            healthy = [e for e in self.endpoints if self._is_healthy(e)]
            failing = [e for e in self.endpoints if not self._is_healthy(e)]
            if model is not None:
                wanted = normalize_model_name(model)
                for endpoint in healthy:
                    if wanted in await self._models_of(endpoint):
                        healthy.remove(endpoint)
                        healthy.insert(0, endpoint)
                        break
            return healthy + failing

    async def aclose(self) -> None:
        """Stop background probes."""
        tasks = list(self._probing.values())
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    def mark(self, endpoint: str, *, healthy: bool) -> None:
        """Record the outcome of a real request to ``endpoint``."""
        previous = self._health.get(endpoint)
        if previous is not None and previous.healthy != healthy:
            log.info("endpoint %s is %s", endpoint, "back" if healthy else "unreachable")
        self._health[endpoint] = _Health(healthy, time.monotonic() + UNHEALTHY_FOR)

    def forget_models(self, endpoint: str | None = None) -> None:
        """Drop the cached model list (after a pull, delete, copy, create or a 404)."""
        if endpoint is None:
            self._models.clear()
        else:
            self._models.pop(endpoint, None)

    async def probe(self, endpoint: str) -> EndpointHealth:
        """Check ``GET /`` and read ``/api/version``; record the result."""
        try:
            root = await self._http.get(f"{endpoint}/", timeout=self._timeout)
            if root.status_code != 200:
                raise _ProbeFailed(f"GET / answered {root.status_code}")
            version_response = await self._http.get(
                f"{endpoint}/api/version", timeout=self._timeout
            )
            version = (
                version_response.json().get("version") if version_response.is_success else None
            )
        except (httpx.HTTPError, _ProbeFailed, ValueError, AttributeError) as exc:
            self.mark(endpoint, healthy=False)
            reason = str(exc) if isinstance(exc, _ProbeFailed) else type(exc).__name__
            return EndpointHealth(url=endpoint, healthy=False, error=reason)
        self.mark(endpoint, healthy=True)
        return EndpointHealth(
            url=endpoint, healthy=True, version=version if isinstance(version, str) else None
        )

    def _recheck_failing(self) -> None:
        """Probe failed endpoints whose verdict expired, in the background.

        Probing inline would stall every request for a connect timeout while an endpoint is
        unreachable; meanwhile the endpoint stays at the end of the order.
        """
        now = time.monotonic()
        for endpoint, state in self._health.items():
            if not state.healthy and state.until <= now and endpoint not in self._probing:
                task = asyncio.create_task(self.probe(endpoint))
                self._probing[endpoint] = task
                task.add_done_callback(partial(self._probe_done, endpoint))

    def _probe_done(self, endpoint: str, _task: asyncio.Task[EndpointHealth]) -> None:
        self._probing.pop(endpoint, None)

    def _is_healthy(self, endpoint: str) -> bool:
        state = self._health.get(endpoint)
        return state is None or state.healthy

    async def _models_of(self, endpoint: str) -> frozenset[str]:
        cached = self._models.get(endpoint)
        if cached is not None:
            return cached
        try:
            response = await self._http.get(f"{endpoint}/api/tags", timeout=self._timeout)
            entries = (response.json().get("models") or []) if response.is_success else []
            names = frozenset(
                normalize_model_name(str(entry[key]))
                for entry in entries
                for key in ("name", "model")
                if isinstance(entry, dict) and entry.get(key)
            )
        except (httpx.HTTPError, ValueError, AttributeError):
            self.mark(endpoint, healthy=False)
            return frozenset()
        self._models[endpoint] = names
        return names


class _ProbeFailed(Exception):
    pass
