"""Adaptive debounce: wait a little longer than this user's typical gap between keystrokes.

A fixed debounce is wrong for everybody: too long for a fast typist at a pause, too short for a
slow one mid-word. Like tabby-agent, we learn the user's recent typing intervals and wait a
multiple of a typical one (and at least the 90th percentile, so the user's occasional slower
keystroke does not start a generation mid-word), bounded by ``min_ms`` / ``max_ms``. Gaps longer
than ``pause_ms`` are pauses (thinking, reading), not typing, and are not learned from.

The multiple is 1.35: the 90th percentile already covers an uneven typist, so the multiple only
decides how long a steady one waits at a pause (81 ms at 60 ms a key).
"""

from __future__ import annotations

import statistics
import time
from collections import deque
from collections.abc import Callable

__all__ = ["AdaptiveDebounce"]


class AdaptiveDebounce:
    """Learns typing intervals from edit timestamps and says how long to wait before generating.

    The delay is the larger of ``factor`` times the median and the 90th percentile of the last
    ``window`` typing intervals, clamped to ``[min_ms, max_ms]``; with fewer than
    ``min_samples`` intervals it is ``max_ms``.
    """

    def __init__(
        self,
        min_ms: float = 25,
        max_ms: float = 250,
        *,
        factor: float = 1.35,
        window: int = 16,
        min_samples: int = 3,
        pause_ms: float = 600,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.min_ms = min_ms
        self.max_ms = max_ms
        self.factor = factor
        self.min_samples = min_samples
        self.pause_ms = pause_ms
        self.clock = clock
        self._intervals: deque[float] = deque(maxlen=window)
        self._last_edit: float | None = None

    def configure(self, min_ms: float, max_ms: float) -> None:
        self.min_ms, self.max_ms = min_ms, max_ms

    def note_edit(self, now: float | None = None) -> None:
        """Record a keystroke (a document change) at ``now`` (seconds, monotonic)."""
        now = self.clock() if now is None else now
        if self._last_edit is not None:
            gap_ms = (now - self._last_edit) * 1000
            if 0 < gap_ms <= self.pause_ms:
                self._intervals.append(gap_ms)
        self._last_edit = now

    @property
    def delay_ms(self) -> float:
        """The current debounce, in milliseconds."""
        if len(self._intervals) < self.min_samples:
            return self.max_ms
        gaps = sorted(self._intervals)
        slow = gaps[min(len(gaps) - 1, int(len(gaps) * 0.9))]
        wanted = max(statistics.median(gaps) * self.factor, slow)
        return max(self.min_ms, min(self.max_ms, wanted))

    def remaining(self, now: float | None = None) -> float:
        """Seconds still to wait, counted from the last edit, before a generation may start."""
        if self._last_edit is None:
            return 0.0
        now = self.clock() if now is None else now
        return max(0.0, self._last_edit + self.delay_ms / 1000 - now)
