"""The debounce learns the typing rhythm and stays within its bounds."""

from __future__ import annotations

from ollama_lsp.completion.debounce import AdaptiveDebounce


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def type_keys(debounce: AdaptiveDebounce, clock: Clock, gaps_ms: list[float]) -> None:
    debounce.note_edit()
    for gap in gaps_ms:
        clock.now += gap / 1000
        debounce.note_edit()


def test_before_learning_it_waits_the_maximum() -> None:
    clock = Clock()
    debounce = AdaptiveDebounce(25, 250, clock=clock)
    assert debounce.delay_ms == 250
    assert debounce.remaining() == 0  # nothing typed yet: nothing to wait for


def test_a_fast_typist_gets_a_short_wait_a_slow_one_a_longer_one() -> None:
    fast_clock, slow_clock = Clock(), Clock()
    fast = AdaptiveDebounce(25, 400, clock=fast_clock)
    slow = AdaptiveDebounce(25, 400, clock=slow_clock)
    type_keys(fast, fast_clock, [50, 60, 55, 50, 45])
    type_keys(slow, slow_clock, [180, 200, 220, 190, 210])
    assert fast.delay_ms < slow.delay_ms
    assert fast.delay_ms > 55  # longer than a typical gap, so mid-word keystrokes wait
    assert slow.delay_ms > 200


def test_the_wait_is_bounded() -> None:
    clock = Clock()
    debounce = AdaptiveDebounce(40, 120, clock=clock)
    type_keys(debounce, clock, [5, 5, 5, 5])
    assert debounce.delay_ms == 40
    type_keys(debounce, clock, [500] * 20)
    assert debounce.delay_ms == 120


def test_pauses_are_not_learned_as_typing() -> None:
    clock = Clock()
    debounce = AdaptiveDebounce(25, 250, clock=clock)
    type_keys(debounce, clock, [60, 60, 60, 5000, 60, 30000])
    assert round(debounce.delay_ms) == 81  # 1.35 x the 60 ms gaps; the pauses are left out


def test_remaining_counts_from_the_last_keystroke() -> None:
    clock = Clock()
    debounce = AdaptiveDebounce(25, 250, clock=clock)
    type_keys(debounce, clock, [60, 60, 60, 60])
    clock.now += 0.05
    assert round(debounce.remaining(), 3) == 0.031
    clock.now += 1
    assert debounce.remaining() == 0


def test_an_occasional_slow_keystroke_is_covered() -> None:
    clock = Clock()
    debounce = AdaptiveDebounce(25, 250, clock=clock)
    type_keys(debounce, clock, [50, 50, 50, 50, 50, 50, 50, 50, 120, 50])
    assert round(debounce.delay_ms) == 120
