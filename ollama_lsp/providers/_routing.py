"""Which endpoint serves a request: cache affinity, loaded models, load, health and speed.

A GPU server keeps the KV cache of the prompts it has just evaluated. The prompts of one
document share a long prefix (its other files and its text up to the cursor), so sending a
document's completions to the server that served the last one costs only the few tokens that
changed; moving it costs a cold prompt. The router therefore keeps each affinity key (a
document, a conversation) on the server it was placed on while that server is healthy and not
much slower than another. A key without a place gets, among the healthy servers:

1. one that has the model loaded (``/api/ps``; an OpenAI-compatible engine serves its models
   loaded), then one that has it at all (``/api/tags``), before one that may lack it;
2. not one much slower than the others (time to first token, less model loading); a key whose
   requests stay slow once its prompt is cached moves to a server not measured yet, to learn
   its speed;
3. the fewest requests in flight from this editor;
4. a spread by key (rendezvous hashing), so that editors that cannot see each other still put
   their documents on different servers; without a key, the configured order.

Servers that failed come last (they are still tried) until their verdict expires. The router
does no I/O: :class:`~ollama_lsp.providers.Fleet` tells it what happened and what it learned.
Its memory is bounded: one record per endpoint, and an LRU of affinity keys.
"""

from __future__ import annotations

import hashlib
import math
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from cachetools import LRUCache

__all__ = ["EndpointState", "Router"]

#: How long a failed endpoint stays at the end of the order before it is tried first again.
DOWN_FOR = 5.0
#: An endpoint is "much slower" when its latency exceeds the best one's by this factor...
SLOWER = 2.0
#: ... and by this many seconds (so that 20 ms against 8 ms is no reason to move).
SLOWER_BY = 0.05
#: A latency measured this long ago counts half as much against the endpoint: a server that was
#: slow is given another chance once in a while.
LATENCY_HALF_LIFE = 60.0
#: Weight of a new latency sample in the moving average.
_ALPHA = 0.3
#: Affinity keys remembered (least recently used forgotten first).
AFFINITY_KEYS = 4096


def _normalize(model: str) -> str:
    name = model.strip().lower()
    return name if ":" in name.rsplit("/", 1)[-1] else f"{name}:latest"


@dataclass(slots=True)
class _Record:
    url: str
    down_until: float = -math.inf
    loaded: frozenset[str] = frozenset()
    available: frozenset[str] | None = None
    learned_at: float = -math.inf
    latency: float | None = None
    measured_at: float = -math.inf
    in_flight: int = 0
    requests: int = 0
    failures: int = 0


@dataclass(slots=True)
class _Placement:
    """Where a key is placed, how many of its requests that endpoint served, and the latency
    of the last one."""

    url: str
    served: int = 0
    last: float | None = None


@dataclass(frozen=True, slots=True)
class EndpointState:
    """What the router knows of one endpoint, for ``ollama.status`` and ``doctor``."""

    url: str
    healthy: bool
    loaded: tuple[str, ...]
    latency_ms: float | None
    in_flight: int
    requests: int
    failures: int
    share: float
    """This endpoint's part of the requests routed so far (0 to 1)."""


@dataclass
class Router:
    """Orders ``endpoints`` for each request; see the module's docstring for the rules."""

    endpoints: Sequence[str]
    clock: Callable[[], float] = time.monotonic
    _records: dict[str, _Record] = field(init=False)
    _affinity: LRUCache[str, _Placement] = field(init=False)

    def __post_init__(self) -> None:
        self.endpoints = tuple(dict.fromkeys(self.endpoints))
        self._records = {url: _Record(url) for url in self.endpoints}
        self._affinity = LRUCache(maxsize=AFFINITY_KEYS)

    # -- the decision ----------------------------------------------------------------------

    def order(self, model: str | None = None, key: str | None = None) -> list[str]:
        """The endpoints to try for a request, best first (every endpoint is in the list)."""
        now = self.clock()
        up = [url for url in self.endpoints if self._records[url].down_until <= now]
        down = sorted(
            (url for url in self.endpoints if url not in up),
            key=lambda url: self._records[url].down_until,
        )
        wanted = _normalize(model) if model is not None else None
        placement = self._affinity.get(key) if key is not None else None
        placed = placement.url if placement is not None else None
        if placement is None or placed not in up:
            return [*self._ranked(up, wanted, key), *down]
        others = self._ranked([u for u in up if u != placed], wanted, key)
        leave = (
            self._lacks(placement.url, wanted)
            or self._much_slower(placement.url, up)
            or self._explore(placement, up)
        )
        # Moving costs one cold prompt; staying on a slow server costs on every request.
        return [*others, placed, *down] if leave else [placed, *others, *down]

    def place(self, key: str | None, endpoint: str, latency: float | None = None) -> None:
        """``key``'s requests go to ``endpoint`` from now on: its last one was served there,
        with ``latency`` to the first token."""
        if key is None:
            return
        placement = self._affinity.get(key)
        if placement is None or placement.url != endpoint:
            placement = self._affinity[key] = _Placement(endpoint)
        placement.served += 1
        placement.last = latency if latency is not None else placement.last

    def placed(self, key: str) -> str | None:
        """Where ``key`` is placed, if anywhere."""
        placement = self._affinity.get(key)
        return placement.url if placement is not None else None

    def _ranked(self, urls: list[str], wanted: str | None, key: str | None) -> list[str]:
        def rank(url: str) -> tuple[int, int, int, int, float]:
            record = self._records[url]
            if wanted is None:
                holds = 1
            elif wanted in record.loaded:
                holds = 0
            elif record.available is None or wanted in record.available:
                holds = 1
            else:
                holds = 2
            spread = _spread(key, url) if key is not None else self.endpoints.index(url)
            slow = int(self._much_slower(url, urls))
            return (int(holds == 2), slow, holds, record.in_flight, spread)

        return sorted(urls, key=rank)

    def _lacks(self, url: str, wanted: str | None) -> bool:
        available = self._records[url].available
        return wanted is not None and available is not None and wanted not in available

    def _much_slower(self, url: str, among: Iterable[str]) -> bool:
        mine = self._latency(url)
        if mine is None:
            return False
        others = [lat for u in among if u != url and (lat := self._latency(u)) is not None]
        return bool(others) and mine > SLOWER * min(others) + SLOWER_BY

    def _explore(self, placement: _Placement, among: Iterable[str]) -> bool:
        """Try an endpoint never measured when the key's last request, past its first (which
        evaluates the whole prompt), was not quick: without it a key placed on a slow or
        crowded server would never learn that another is faster. Each endpoint is measured
        once this way at most."""
        return (
            placement.served >= 2
            and placement.last is not None
            and placement.last > SLOWER_BY
            and any(self._records[u].latency is None for u in among if u != placement.url)
        )

    def _latency(self, url: str) -> float | None:
        """The latency estimate, its excess over the best fading with the sample's age."""
        record = self._records[url]
        if record.latency is None:
            return None
        known = [r.latency for r in self._records.values() if r.latency is not None]
        best = min(known)
        age = max(0.0, self.clock() - record.measured_at)
        return best + (record.latency - best) * float(0.5 ** (age / LATENCY_HALF_LIFE))

    # -- what happened ---------------------------------------------------------------------

    def started(self, endpoint: str) -> None:
        """A request went to ``endpoint``."""
        record = self._records[endpoint]
        record.in_flight += 1
        record.requests += 1

    def finished(self, endpoint: str, *, latency: float | None = None) -> None:
        """A request to ``endpoint`` ended; ``latency`` is its time to first token (seconds,
        model loading excluded), when it produced one."""
        record = self._records[endpoint]
        record.in_flight = max(0, record.in_flight - 1)
        if latency is not None:
            now = self.clock()
            if record.latency is None:
                record.latency = latency
            else:
                # The old estimate first fades with its age, as _latency sees it.
                weight = float(0.5 ** (max(0.0, now - record.measured_at) / LATENCY_HALF_LIFE))
                previous = record.latency * weight + latency * (1 - weight)
                record.latency = (1 - _ALPHA) * previous + _ALPHA * latency
            record.measured_at = now

    def mark_down(self, endpoint: str) -> None:
        """``endpoint`` failed (no connection, or busy): try the others first for a while."""
        record = self._records[endpoint]
        record.down_until = self.clock() + DOWN_FOR
        record.failures += 1

    def mark_up(self, endpoint: str) -> None:
        self._records[endpoint].down_until = -math.inf

    def is_down(self, endpoint: str) -> bool:
        return self._records[endpoint].down_until > self.clock()

    def learned(
        self, endpoint: str, *, loaded: Iterable[str], available: Iterable[str] | None
    ) -> None:
        """What ``endpoint`` has loaded (and installed, ``None`` when unknown), as it said."""
        record = self._records[endpoint]
        record.loaded = frozenset(_normalize(m) for m in loaded)
        record.available = (
            frozenset(_normalize(m) for m in available) | record.loaded
            if available is not None
            else None
        )
        record.learned_at = self.clock()

    def lacks(self, endpoint: str, model: str) -> None:
        """``endpoint`` said it has no ``model`` (a 404): rank it last for that model."""
        record = self._records[endpoint]
        wanted = _normalize(model)
        record.loaded -= {wanted}
        if record.available is not None:
            record.available -= {wanted}
        else:
            record.available = frozenset()

    def learned_at(self, endpoint: str) -> float:
        """When the endpoint's models were last learned (``-inf``: never)."""
        return self._records[endpoint].learned_at

    # -- what the user sees ----------------------------------------------------------------

    def states(self) -> list[EndpointState]:
        total = sum(r.requests for r in self._records.values())
        return [
            EndpointState(
                url=r.url,
                healthy=not self.is_down(r.url),
                loaded=tuple(sorted(r.loaded)),
                latency_ms=round(r.latency * 1000, 1) if r.latency is not None else None,
                in_flight=r.in_flight,
                requests=r.requests,
                failures=r.failures,
                share=round(r.requests / total, 3) if total else 0.0,
            )
            for r in (self._records[url] for url in self.endpoints)
        ]


def _spread(key: str, url: str) -> float:
    """Rendezvous (highest random weight) hashing: each key ranks the endpoints in its own
    stable order, and removing an endpoint moves only the keys that were on it."""
    digest = hashlib.blake2b(f"{key}\0{url}".encode(), digest_size=8).digest()
    return -int.from_bytes(digest, "big") / 2**64
