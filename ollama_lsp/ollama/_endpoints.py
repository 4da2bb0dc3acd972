"""Which endpoint to send a request to: health in configured order, then model location."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass

import httpx
from cachetools import TTLCache

from ollama_lsp.ollama._types import EndpointHealth

__all__ = ["EndpointPool", "normalize_model_name"]

log = logging.getLogger(__name__)

#: How long a probe result is trusted. A failed endpoint is retried sooner than a healthy one
#: is re-checked, so a restarted server is picked up quickly.
HEALTHY_FOR = 30.0
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

    Healthy endpoints come first, in configured order; endpoints that failed recently come last
    (they are still tried, so a single flaky endpoint never makes the client give up). With
    more than one endpoint, a stale endpoint is probed with ``GET /`` before use and a request
    for a model goes first to an endpoint whose ``/api/tags`` lists it. Both caches are bounded
    by the number of endpoints and expire after seconds.
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

    async def order(self, model: str | None = None) -> list[str]:
        """Endpoints to try for a request, best first."""
        if len(self.endpoints) == 1:
            return list(self.endpoints)
        async with self._lock:
            now = time.monotonic()
            for endpoint in self.endpoints:
                state = self._health.get(endpoint)
                if state is None or state.until <= now:
                    await self.probe(endpoint)
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

    def mark(self, endpoint: str, *, healthy: bool) -> None:
        """Record the outcome of a real request to ``endpoint``."""
        previous = self._health.get(endpoint)
        if previous is not None and previous.healthy != healthy:
            log.info("endpoint %s is %s", endpoint, "back" if healthy else "unreachable")
        ttl = HEALTHY_FOR if healthy else UNHEALTHY_FOR
        self._health[endpoint] = _Health(healthy, time.monotonic() + ttl)

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
