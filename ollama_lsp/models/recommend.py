"""Choose models and levels for the machine (`recommend`) and guard loads (`check_fit`).

For each role, catalog models are tried best first; for each, the best quantization level
whose weights + KV cache + compute buffer fit the usable memory and that decodes fast enough
for the role. A placement entirely in fast memory (GPU / unified) is preferred over a better
level that would spill to the CPU. Low-bit levels (Q3, Q2) are a second pass, used only if no
model fits at Q4_K_S or better; legacy levels and unquantized weights are never recommended.
Completion is chosen first (it is always warm), chat in what is left.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

from .architecture import (
    ARCHITECTURES,
    Architecture,
    MemoryNeed,
    architecture_from_model_info,
    estimate_memory,
)
from .catalog import CatalogEntry, entries_for, find_entry
from .fit import FitPolicy, MemoryPool, Placed, Placement, format_bytes, place
from .hardware import Hardware
from .quantization import (
    LEVELS,
    QuantLevel,
    get_level,
    parse_level,
    parse_parameter_size,
)
from .roles import ROLES, Role
from .tags import installed_as, split_tag, with_level

__all__ = [
    "FALLBACK_LEVELS",
    "PREFERRED_LEVELS",
    "DetailsLike",
    "FitResult",
    "Recommendation",
    "RoleChoice",
    "check_fit",
    "recommend",
]

PREFERRED_LEVELS: tuple[QuantLevel, ...] = tuple(
    get_level(name) for name in ("Q8_0", "Q6_K", "Q5_K_M", "Q5_K_S", "Q4_K_M", "Q4_K_S")
)
"""Levels recommended in the first pass, best quality first."""
FALLBACK_LEVELS: tuple[QuantLevel, ...] = tuple(
    get_level(name) for name in ("Q3_K_L", "Q3_K_M", "Q3_K_S", "Q2_K")
)
"""Low-bit levels, tried only when nothing fits at a preferred level."""

_MIN_CTX = 256
_FAST_PLACEMENTS = (Placement.GPU, Placement.UNIFIED)


@dataclass(frozen=True, slots=True)
class RoleChoice:
    """The model and level picked for one role, with the numbers behind it."""

    role: Role
    entry: CatalogEntry
    level: QuantLevel
    tag: str
    need: MemoryNeed
    placement: Placement
    tokens_per_second: float
    pulled: bool
    reason: str


@dataclass(frozen=True, slots=True)
class Recommendation:
    """Choices per role; `together` is False when they cannot stay loaded side by side."""

    hardware: Hardware
    num_ctx: Mapping[Role, int]
    choices: tuple[RoleChoice, ...]
    together: bool
    reasoning: tuple[str, ...]

    def for_role(self, role: Role) -> RoleChoice | None:
        return next((choice for choice in self.choices if choice.role == role), None)

    @property
    def text(self) -> str:
        return "\n".join(self.reasoning)


def _need(entry: CatalogEntry, level: QuantLevel, num_ctx: int, policy: FitPolicy) -> MemoryNeed:
    return estimate_memory(
        entry.architecture,
        num_ctx,
        weights=entry.size_bytes(level),
        kv_cache_type=policy.kv_cache_type,
        num_parallel=policy.num_parallel,
    )


def _describe_need(need: MemoryNeed, num_ctx: int) -> str:
    return (
        f"{format_bytes(need.total)} (weights {format_bytes(need.weights)}, KV cache "
        f"{format_bytes(need.kv_cache)} for {num_ctx} tokens, compute {format_bytes(need.compute)})"
    )


@dataclass(frozen=True, slots=True)
class _Trial:
    entry: CatalogEntry
    level: QuantLevel
    need: MemoryNeed
    placed: Placed | None


def _pick_level(trials: Sequence[_Trial], min_speed: float) -> _Trial | None:
    """The best level that is fast enough, preferring one held entirely in fast memory."""
    fast_enough = [t for t in trials if t.placed and t.placed.tokens_per_second >= min_speed]
    on_gpu = [t for t in fast_enough if t.placed and t.placed.placement in _FAST_PLACEMENTS]
    return next(iter(on_gpu or fast_enough), None)


def _why_not(entry: CatalogEntry, trials: Sequence[_Trial], min_speed: float) -> str:
    smallest = trials[-1]
    if smallest.placed is None:
        return (
            f"{entry.tag(smallest.level)} would need {format_bytes(smallest.need.total)}, "
            "more than is usable"
        )
    return (
        f"{entry.tag(smallest.level)} would run at about "
        f"{smallest.placed.tokens_per_second:.0f} tokens/s, below the {min_speed:.0f} "
        "tokens/s this role needs"
    )


def _choose(
    role: Role,
    pool: MemoryPool,
    hardware: Hardware,
    num_ctx: int,
    policy: FitPolicy,
    available: Collection[str],
) -> tuple[RoleChoice | None, Placed | None]:
    min_speed = policy.min_tokens_per_second.get(role, 0.0)
    entries = entries_for(role)
    for levels in (PREFERRED_LEVELS, FALLBACK_LEVELS):
        passed_over: str | None = None
        for entry in entries:
            trials = []
            for level in levels:
                need = _need(entry, level, num_ctx, policy)
                trials.append(_Trial(entry, level, need, place(need, pool, hardware)))
            picked = _pick_level(trials, min_speed)
            if picked is None or picked.placed is None:
                passed_over = _why_not(entry, trials, min_speed)  # the nearest better one
                continue
            tag = entry.tag(picked.level)
            pulled = installed_as(tag, available) is not None
            reason = (
                f"{role}: {tag} ({picked.level.name}: {picked.level.note}) needs about "
                f"{_describe_need(picked.need, num_ctx)} and runs "
                f"{picked.placed.placement.label} at an estimated "
                f"{picked.placed.tokens_per_second:.0f} tokens/s; "
                + ("already pulled." if pulled else f"a {format_bytes(picked.need.weights)} pull.")
            )
            if passed_over:
                reason += f" A better-ranked model was passed over: {passed_over}."
            choice = RoleChoice(
                role=role,
                entry=entry,
                level=picked.level,
                tag=tag,
                need=picked.need,
                placement=picked.placed.placement,
                tokens_per_second=picked.placed.tokens_per_second,
                pulled=pulled,
                reason=reason,
            )
            return choice, picked.placed
    return None, None


def recommend(
    hardware: Hardware,
    *,
    num_ctx: int | Mapping[Role, int],
    roles: Sequence[Role] = ROLES,
    available: Collection[str] | None = None,
    policy: FitPolicy | None = None,
) -> Recommendation:
    """The best catalog model and level per role that fit this machine together.

    `num_ctx` may differ per role. `available` names the endpoint's models (or maps them to
    their quantization level, see `installed_as`), to say which choices are already pulled.
    """
    policy = policy or FitPolicy()
    contexts: dict[Role, int] = (
        {role: num_ctx for role in roles} if isinstance(num_ctx, int) else dict(num_ctx)
    )
    full = MemoryPool.of(hardware, policy)
    reasoning = [
        f"Hardware: {hardware.describe()}. Usable for models: {format_bytes(full.total)}"
        + (f", {format_bytes(full.fast)} of it on the GPU." if full.fast else ".")
    ]
    pool, together, choices = full, True, []
    for role in sorted(roles, key=lambda r: r != "completion"):
        ctx = contexts.get(role, 4096)
        choice, placed = _choose(role, pool, hardware, ctx, policy, available or ())
        if choice is None and pool is not full:
            choice, placed = _choose(role, full, hardware, ctx, policy, available or ())
            if choice is not None:
                together = False
                reasoning.append(
                    f"No {role} model fits beside the others; Ollama will swap models "
                    "when you switch (each load takes a few seconds)."
                )
        if choice is None or placed is None:
            reasoning.append(f"{role}: no catalog model fits in {format_bytes(full.total)}.")
            continue
        choices.append(choice)
        reasoning.append(choice.reason)
        if together:
            pool = pool.minus(placed)
    return Recommendation(hardware, contexts, tuple(choices), together, tuple(reasoning))


class DetailsLike(Protocol):
    """What `check_fit` reads from Ollama's `details` (the client's `ModelDetails`)."""

    @property
    def parameter_size(self) -> str | None: ...

    @property
    def quantization_level(self) -> str | None: ...


@dataclass(frozen=True, slots=True)
class FitResult:
    """Whether a load fits; when not, a smaller level (and a context length) that would."""

    model: str
    fits: bool
    need: MemoryNeed
    usable: int
    placement: Placement | None
    smaller_level: QuantLevel | None
    smaller_tag: str | None
    max_num_ctx: int | None
    """The largest context that fits at the current level (None if none does)."""
    message: str


def _architecture_for(
    model: str, model_info: Mapping[str, object] | None, parameter_count: int
) -> Architecture:
    if model_info:
        found = architecture_from_model_info(model_info)
        if found is not None:
            return found
    known = find_entry(model)
    if known is not None:
        return known[0].architecture
    parts = split_tag(model)
    return ARCHITECTURES.get(f"{parts.name}:{parts.size}") or Architecture.guess(parameter_count)


def _parameter_count(
    model: str, details: DetailsLike, model_info: Mapping[str, object] | None
) -> int | None:
    exact = (model_info or {}).get("general.parameter_count")
    if isinstance(exact, int) and not isinstance(exact, bool) and exact > 0:
        return exact
    parsed = parse_parameter_size(details.parameter_size)
    if parsed:
        return parsed
    known = find_entry(model)
    return known[0].parameter_count if known else None


def _max_ctx(
    arch: Architecture, weights: int, num_ctx: int, pool: MemoryPool, hw: Hardware, p: FitPolicy
) -> int | None:
    def fits(ctx: int) -> bool:
        need = estimate_memory(
            arch, ctx, weights=weights, kv_cache_type=p.kv_cache_type, num_parallel=p.num_parallel
        )
        return place(need, pool, hw) is not None

    if not fits(_MIN_CTX):
        return None
    low, high = _MIN_CTX, num_ctx
    while high - low > 1:
        middle = (low + high) // 2
        low, high = (middle, high) if fits(middle) else (low, middle)
    return low if not fits(high) else high


def check_fit(
    model: str,
    details: DetailsLike,
    hardware: Hardware,
    *,
    num_ctx: int,
    size_bytes: int | None = None,
    model_info: Mapping[str, object] | None = None,
    policy: FitPolicy | None = None,
) -> FitResult:
    """Whether loading `model` with `num_ctx` fits; if not, the message names what would.

    `size_bytes` is the model's size from `/api/tags` (exact weights); `model_info` comes from
    `/api/show` (exact shape). Without them the numbers are estimated from the details.
    """
    policy = policy or FitPolicy()
    level = parse_level(details.quantization_level)
    params = _parameter_count(model, details, model_info)
    if size_bytes is None and (params is None or level is None):
        raise ValueError(f"cannot size {model}: no file size, parameter count or known level")
    if params is None:
        assert size_bytes is not None and level is not None
        params = round(size_bytes * 8 / level.bits_per_weight)
    arch = _architecture_for(model, model_info, params)
    need = estimate_memory(
        arch,
        num_ctx,
        weights=size_bytes,
        parameter_count=params,
        level=level,
        kv_cache_type=policy.kv_cache_type,
        num_parallel=policy.num_parallel,
    )
    pool = MemoryPool.of(hardware, policy)
    placed = place(need, pool, hardware)
    described = _describe_need(need, num_ctx)
    guess_note = " (model shape unknown: KV cache estimated generously)" if arch.guessed else ""
    if placed is not None:
        return FitResult(
            model, True, need, pool.total, placed.placement, None, None, num_ctx,
            f"{model} fits: about {described}{guess_note}, {placed.placement.label}.",
        )  # fmt: skip

    current_bpw = level.bits_per_weight if level else need.weights * 8 / params
    smaller: QuantLevel | None = None
    for candidate in PREFERRED_LEVELS + FALLBACK_LEVELS:
        if candidate.bits_per_weight >= current_bpw:
            continue
        trial = estimate_memory(
            arch,
            num_ctx,
            parameter_count=params,
            level=candidate,
            kv_cache_type=policy.kv_cache_type,
            num_parallel=policy.num_parallel,
        )
        if place(trial, pool, hardware) is not None:
            smaller = candidate
            break
    smaller_tag = with_level(model, smaller) if smaller else None
    max_ctx = _max_ctx(arch, need.weights, num_ctx, pool, hardware, policy)
    message = (
        f"{model} does not fit: it needs about {described}{guess_note}, but only "
        f"{format_bytes(pool.total)} is usable here ({hardware.describe()})."
    )
    if smaller is not None:
        message += f" {smaller.name} would fit" + (
            f": {smaller_tag}." if smaller_tag else f" (quantize {model} to {smaller.name})."
        )
    else:
        lowest = min(LEVELS, key=lambda lv: lv.bits_per_weight).name
        message += f" Not even {lowest} would fit; choose a smaller model."
    if max_ctx is not None and max_ctx >= 1024:
        message += f" Or lower num_ctx to {max_ctx}."
    return FitResult(model, False, need, pool.total, None, smaller, smaller_tag, max_ctx, message)
