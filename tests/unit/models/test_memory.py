"""Memory-pressure policy: the order of adaptations, pacing and hysteresis."""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from dataclasses import replace

from ollama_lsp.models import (
    Adaptation,
    MemoryReading,
    MemoryState,
    PressurePolicy,
    RestoreContext,
    RoleState,
    ShrinkContext,
    SuggestSmallerLevel,
    UnloadRole,
    decide,
)

GIB = 1024**3
TOTAL = 16 * GIB  # watermarks: low 1.6 GiB, high 3.2 GiB


def reading(free_gib: float) -> MemoryReading:
    return MemoryReading(available=int(free_gib * GIB), total=TOTAL)


def start(**overrides: object) -> MemoryState:
    state = MemoryState(
        num_ctx=8192,
        configured_num_ctx=8192,
        roles=(
            RoleState("completion", "codellama:7b-code-q8_0", True, 0.0, "Q8_0"),
            RoleState("chat", "qwen2.5-coder:7b-instruct-q4_K_M", True, 600.0, "Q4_K_M"),
        ),
        kv_bytes_per_token=512 * 1024,
    )
    return replace(state, **overrides)  # type: ignore[arg-type]


def run(
    state: MemoryState, samples: Iterable[tuple[float, float]]
) -> tuple[MemoryState, list[tuple[float, Adaptation]]]:
    seen = []
    for now, free in samples:
        decision = decide(state, reading(free), now)
        state = decision.state
        seen += [(now, adaptation) for adaptation in decision.adaptations]
    return state, seen


def test_watermarks_take_the_larger_of_share_and_floor() -> None:
    policy = PressurePolicy()
    assert policy.watermarks(16 * GIB) == (int(1.6 * GIB), int(3.2 * GIB))
    assert policy.watermarks(4 * GIB) == (1 * GIB, 2 * GIB)


def test_pressure_escalates_in_order_one_step_per_cooldown() -> None:
    samples = [(t, 1.0) for t in range(0, 400, 10)]
    state, seen = run(start(), samples)
    kinds = [(now, type(a).__name__) for now, a in seen]
    assert kinds == [
        (0, "ShrinkContext"),
        (30, "ShrinkContext"),
        (60, "ShrinkContext"),
        (90, "UnloadRole"),
        (120, "SuggestSmallerLevel"),
    ]
    shrinks = [a for _, a in seen if isinstance(a, ShrinkContext)]
    assert [(s.from_ctx, s.to_ctx) for s in shrinks] == [(8192, 4096), (4096, 2048), (2048, 1024)]
    unload = seen[3][1]
    assert isinstance(unload, UnloadRole) and unload.role == "chat"
    assert "1.0 GiB free of 16.0 GiB" in unload.message
    suggestion = seen[4][1]
    assert isinstance(suggestion, SuggestSmallerLevel)
    assert suggestion.model == "codellama:7b-code-q8_0"
    assert (suggestion.current_level, suggestion.suggested_level) == ("Q8_0", "Q6_K")
    assert suggestion.suggested_tag == "codellama:7b-code-q6_K"
    assert suggestion.suggested_tag in suggestion.message
    assert state.num_ctx == 1024 and state.under_pressure


def test_recovery_grows_the_context_back_after_calm_and_stepwise() -> None:
    state, _ = run(start(), [(t, 1.0) for t in range(0, 100, 10)])  # down to 1024
    assert state.num_ctx == 1024
    samples = [(t, 6.0) for t in range(200, 900, 10)]
    state, seen = run(state, samples)
    restores = [(now, a) for now, a in seen if isinstance(a, RestoreContext)]
    assert [(a.from_ctx, a.to_ctx) for _, a in restores] == [
        (1024, 2048),
        (2048, 4096),
        (4096, 8192),
    ]
    times = [now for now, _ in restores]
    assert times[0] >= 200 + 120  # calm for restore_after_seconds first
    assert all(b - a >= 120 for a, b in itertools.pairwise(times))
    assert not state.under_pressure and state.num_ctx == 8192


def test_no_flapping_between_the_watermarks() -> None:
    # Dips just under the low watermark and rises between the two: shrinking only, never restore.
    samples = [(t, 1.5 if (t // 10) % 2 else 2.5) for t in range(0, 600, 10)]
    _, seen = run(start(), samples)
    assert seen and not any(isinstance(a, RestoreContext) for _, a in seen)
    # Hovering between the watermarks from a calm start changes nothing at all.
    _, calm = run(start(), [(t, 2.0 if (t // 10) % 2 else 3.0) for t in range(0, 600, 10)])
    assert calm == []


def test_restore_waits_while_the_extra_cache_would_cross_the_high_watermark() -> None:
    state = start(num_ctx=1024, kv_bytes_per_token=2 * 1024 * 1024)  # +1024 tokens = 2 GiB
    _, seen = run(state, [(t, 4.0) for t in range(0, 600, 10)])
    assert seen == []  # 4.0 - 2.0 < 3.2
    _, seen = run(state, [(t, 6.0) for t in range(0, 600, 10)])
    assert isinstance(seen[0][1], RestoreContext)


def test_a_model_shared_by_a_busy_role_is_not_unloaded() -> None:
    shared = "qwen2.5-coder:7b-base-q4_K_M"
    state = start(
        num_ctx=1024,
        roles=(
            RoleState("completion", shared, True, 0.0, "Q4_K_M"),
            RoleState("chat", shared, True, 900.0, "Q4_K_M"),
        ),
    )
    _, seen = run(state, [(t, 1.0) for t in range(0, 200, 10)])
    assert [type(a) for _, a in seen] == [SuggestSmallerLevel]
    suggestion = seen[0][1]
    assert isinstance(suggestion, SuggestSmallerLevel)
    assert suggestion.suggested_tag == "qwen2.5-coder:7b-base-q4_K_S"


def test_suggestions_repeat_only_after_a_new_episode() -> None:
    state = start(
        num_ctx=1024, roles=(RoleState("completion", "m:7b-q4_K_M", True, 0.0, "Q4_K_M"),)
    )
    state, first = run(state, [(0, 1.0), (40, 1.0), (80, 1.0)])
    assert len(first) == 1
    state, _ = run(state, [(120, 5.0)])  # relief ends the episode
    _, second = run(state, [(200, 1.0)])
    assert len(second) == 1 and isinstance(second[0][1], SuggestSmallerLevel)
