"""Memory-pressure policy: what to give up, in which order, when the machine runs short.

Pure: the server samples available memory (psutil) and applies the adaptations (num_ctx,
`keep_alive: 0`, a message); this module only decides. Under pressure it acts one step at a
time, waiting `cooldown_seconds` to see the effect before the next step:

1. halve num_ctx, down to a floor;
2. unload the role that has been idle longest;
3. suggest a smaller quantization level (once per model).

Hysteresis keeps it from flapping: pressure starts below the low watermark and ends only
above the high one; num_ctx grows back only after `restore_after_seconds` of calm, and only
when the extra KV cache would still leave memory above the high watermark.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from .fit import format_bytes
from .hardware import GIB
from .quantization import QuantLevel, parse_level
from .recommend import FALLBACK_LEVELS, PREFERRED_LEVELS
from .roles import Role
from .tags import with_level

__all__ = [
    "Adaptation",
    "Decision",
    "MemoryReading",
    "MemoryState",
    "PressurePolicy",
    "RestoreContext",
    "RoleState",
    "ShrinkContext",
    "SuggestSmallerLevel",
    "UnloadRole",
    "decide",
]


@dataclass(frozen=True, slots=True)
class PressurePolicy:
    """Watermarks (the larger of a share of RAM and a byte floor) and pacing."""

    low_fraction: float = 0.10
    low_bytes: int = 1 * GIB
    high_fraction: float = 0.20
    high_bytes: int = 2 * GIB
    num_ctx_floor: int = 1024
    cooldown_seconds: float = 30.0
    restore_after_seconds: float = 120.0
    min_idle_seconds: float = 60.0

    def watermarks(self, total: int) -> tuple[int, int]:
        low = max(self.low_bytes, int(total * self.low_fraction))
        high = max(self.high_bytes, int(total * self.high_fraction), low + 1)
        return low, high


@dataclass(frozen=True, slots=True)
class MemoryReading:
    """One sample of system memory, in bytes."""

    available: int
    total: int


@dataclass(frozen=True, slots=True)
class RoleState:
    """A role's model and whether it is loaded; `idle_seconds` since it last served a request."""

    role: Role
    model: str
    loaded: bool
    idle_seconds: float
    level: str | None = None


@dataclass(frozen=True, slots=True)
class MemoryState:
    """What the policy remembers between samples (times are monotonic seconds)."""

    num_ctx: int
    configured_num_ctx: int
    roles: tuple[RoleState, ...] = ()
    kv_bytes_per_token: int | None = None
    """KV cache per context token of the completion model, to judge if growing back fits."""
    under_pressure: bool = False
    last_change_at: float | None = None
    calm_since: float | None = None
    suggested: frozenset[str] = frozenset()
    """Models already given a smaller-level suggestion during this pressure episode."""


@dataclass(frozen=True, slots=True)
class ShrinkContext:
    from_ctx: int
    to_ctx: int
    message: str


@dataclass(frozen=True, slots=True)
class RestoreContext:
    from_ctx: int
    to_ctx: int
    message: str


@dataclass(frozen=True, slots=True)
class UnloadRole:
    role: Role
    model: str
    message: str


@dataclass(frozen=True, slots=True)
class SuggestSmallerLevel:
    model: str
    current_level: str | None
    suggested_level: str | None
    suggested_tag: str | None
    message: str


Adaptation = ShrinkContext | RestoreContext | UnloadRole | SuggestSmallerLevel


@dataclass(frozen=True, slots=True)
class Decision:
    state: MemoryState
    adaptations: tuple[Adaptation, ...]


def _free(reading: MemoryReading) -> str:
    return f"{format_bytes(reading.available)} free of {format_bytes(reading.total)}"


def _next_smaller(level: QuantLevel | None) -> QuantLevel | None:
    if level is None:
        return None
    smaller = [
        lv
        for lv in PREFERRED_LEVELS + FALLBACK_LEVELS
        if lv.bits_per_weight < level.bits_per_weight
    ]
    return smaller[0] if smaller else None


def _unload_candidate(state: MemoryState, policy: PressurePolicy) -> RoleState | None:
    """The longest-idle loaded role whose model no busy role shares."""
    busy = {r.model for r in state.roles if r.loaded and r.idle_seconds < policy.min_idle_seconds}
    idle = [
        r
        for r in state.roles
        if r.loaded and r.idle_seconds >= policy.min_idle_seconds and r.model not in busy
    ]
    return max(idle, key=lambda r: r.idle_seconds, default=None)


def _relieve(
    state: MemoryState, reading: MemoryReading, policy: PressurePolicy
) -> tuple[MemoryState, Adaptation | None]:
    if state.num_ctx > policy.num_ctx_floor:
        to_ctx = max(policy.num_ctx_floor, state.num_ctx // 2)
        message = (
            f"Memory is low ({_free(reading)}): context window reduced from {state.num_ctx} "
            f"to {to_ctx} tokens."
        )
        return replace(state, num_ctx=to_ctx), ShrinkContext(state.num_ctx, to_ctx, message)
    victim = _unload_candidate(state, policy)
    if victim is not None:
        roles = tuple(
            replace(r, loaded=False) if r.model == victim.model else r for r in state.roles
        )
        message = (
            f"Memory is low ({_free(reading)}): unloaded the {victim.role} model {victim.model} "
            f"(idle for {victim.idle_seconds / 60:.0f} min); it loads again when next used."
        )
        return replace(state, roles=roles), UnloadRole(victim.role, victim.model, message)
    for role in state.roles:
        if not role.loaded or role.model in state.suggested:
            continue
        current = parse_level(role.level)
        smaller = _next_smaller(current)
        tag = with_level(role.model, smaller) if smaller else None
        target = tag or (smaller.name if smaller else "a smaller model")
        message = (
            f"Memory is still low ({_free(reading)}) with the context window at its floor: "
            f"consider {target} instead of {role.model}."
        )
        suggestion = SuggestSmallerLevel(
            role.model,
            current.name if current else role.level,
            smaller.name if smaller else None,
            tag,
            message,
        )
        return replace(state, suggested=state.suggested | {role.model}), suggestion
    return state, None


def _restore(
    state: MemoryState, reading: MemoryReading, now: float, policy: PressurePolicy, high: int
) -> tuple[MemoryState, Adaptation | None]:
    calm_for = now - state.calm_since if state.calm_since is not None else 0.0
    if state.num_ctx >= state.configured_num_ctx or calm_for < policy.restore_after_seconds:
        return state, None
    to_ctx = min(state.configured_num_ctx, state.num_ctx * 2)
    low, _ = policy.watermarks(reading.total)
    per_token = state.kv_bytes_per_token
    extra = per_token * (to_ctx - state.num_ctx) if per_token is not None else high - low
    if reading.available - extra < high:
        return state, None
    message = (
        f"Memory recovered ({_free(reading)}): context window back from {state.num_ctx} "
        f"to {to_ctx} tokens."
    )
    restored = replace(state, num_ctx=to_ctx, calm_since=now)  # judge the growth before more
    return restored, RestoreContext(state.num_ctx, to_ctx, message)


def decide(
    state: MemoryState,
    reading: MemoryReading,
    now: float,
    policy: PressurePolicy | None = None,
) -> Decision:
    """The next state and at most one adaptation for this sample."""
    policy = policy or PressurePolicy()
    low, high = policy.watermarks(reading.total)
    pressure = state.under_pressure
    if reading.available < low:
        pressure = True
    elif reading.available >= high:
        pressure = False
    calm = not pressure and reading.available >= high
    state = replace(
        state,
        under_pressure=pressure,
        calm_since=(state.calm_since if state.calm_since is not None else now) if calm else None,
        suggested=state.suggested if pressure else frozenset(),
    )
    cooling = (
        state.last_change_at is not None and now - state.last_change_at < policy.cooldown_seconds
    )
    if cooling:
        return Decision(state, ())
    if pressure:
        state, change = _relieve(state, reading, policy)
    elif calm:
        state, change = _restore(state, reading, now, policy, high)
    else:
        change = None
    if change is None:
        return Decision(state, ())
    return Decision(replace(state, last_change_at=now), (change,))
