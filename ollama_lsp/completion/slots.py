"""One generation at a time per model: a request waits here, not in Ollama's queue.

Ollama serves a loaded model from a few slots (``OLLAMA_NUM_PARALLEL``, one on most laptops)
and queues the other requests, where a request that went stale meanwhile still runs in its
turn. Waiting here instead, a request that goes stale (its document changed, a newer request
came) is dropped before Ollama ever sees it. The user's requests go before background work
(the suggestion after the one shown, a prefill of the prompt), and interrupt it.
"""

from __future__ import annotations

import asyncio
import enum
import itertools
from collections.abc import AsyncIterator, Hashable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

__all__ = ["GenerationSlots", "Priority"]


class Priority(enum.IntEnum):
    """Who goes first; a lower value interrupts a higher one that holds the slot."""

    USER = 0
    NEXT = 1
    PREFILL = 2


@dataclass(eq=False)
class _Turn:
    priority: Priority
    order: int
    task: asyncio.Task[object] | None
    granted: asyncio.Future[None] = field(
        default_factory=lambda: asyncio.get_running_loop().create_future()
    )


@dataclass
class _Lane:
    holders: list[_Turn] = field(default_factory=list)
    waiting: list[_Turn] = field(default_factory=list)


class GenerationSlots:
    """``size`` generations at once per key (a provider and a model)."""

    def __init__(self, size: int = 1) -> None:
        self.size = size
        self._lanes: dict[Hashable, _Lane] = {}
        self._order = itertools.count()

    def busy(self, key: Hashable, priority: Priority = Priority.PREFILL) -> bool:
        """Whether work of ``priority`` or more urgent holds or waits for a slot of ``key``."""
        lane = self._lanes.get(key)
        if lane is None:
            return False
        turns = (*lane.holders, *lane.waiting)
        return any(t.priority <= priority and not t.granted.cancelled() for t in turns)

    @asynccontextmanager
    async def turn(self, key: Hashable, priority: Priority) -> AsyncIterator[None]:
        """Hold one of ``key``'s slots for the block; waits while others hold them."""
        lane = self._lanes.setdefault(key, _Lane())
        turn = _Turn(priority, next(self._order), asyncio.current_task())
        ahead = [w for w in lane.waiting if w.priority <= priority]
        if len(lane.holders) < self.size and not ahead:
            lane.holders.append(turn)
        else:
            lane.waiting.append(turn)
            for holder in lane.holders:
                if holder.priority > priority and holder.task is not None:
                    holder.task.cancel()  # background work yields to the user
            try:
                await turn.granted
            except asyncio.CancelledError:
                if turn in lane.waiting:
                    lane.waiting.remove(turn)
                    self._tidy(key, lane)
                else:  # granted as it was cancelled: pass the slot on
                    self._release(key, lane, turn)
                raise
        try:
            yield
        finally:
            self._release(key, lane, turn)

    def _release(self, key: Hashable, lane: _Lane, turn: _Turn) -> None:
        if turn in lane.holders:
            lane.holders.remove(turn)
        # A waiter whose task was cancelled has a cancelled future; it removes itself.
        lane.waiting = [w for w in lane.waiting if not w.granted.done()]
        while lane.waiting and len(lane.holders) < self.size:
            best = min(lane.waiting, key=lambda w: (w.priority, w.order))
            lane.waiting.remove(best)
            lane.holders.append(best)
            best.granted.set_result(None)
        self._tidy(key, lane)

    def _tidy(self, key: Hashable, lane: _Lane) -> None:
        if not lane.holders and not lane.waiting and self._lanes.get(key) is lane:
            del self._lanes[key]
