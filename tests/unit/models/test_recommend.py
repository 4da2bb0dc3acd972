"""Recommendations for fixed hardware profiles, and the fit check before a load.

Expected choices come from the size math (weights = parameters x bits per weight / 8, plus KV
cache and compute buffer, within the usable memory) and from the speed rule (bandwidth /
weights >= 20 tokens/s for completion, 8 for chat). Each case notes the deciding numbers.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ollama_lsp.models import (
    FitPolicy,
    GpuInfo,
    Hardware,
    MemoryPool,
    Placement,
    Recommendation,
    check_fit,
    format_parameter_count,
    recommend,
)

GIB = 1024**3

LAPTOP_8GB = Hardware(8 * GIB, int(5.5 * GIB))
RTX_4060 = GpuInfo("RTX 4060", 8 * GIB, int(7.6 * GIB))
RTX_4090 = GpuInfo("RTX 4090", 24 * GIB, int(23.5 * GIB))
DESKTOP_16GB_GPU_8GB = Hardware(16 * GIB, 11 * GIB, gpus=(RTX_4060,))
WORKSTATION_64GB = Hardware(64 * GIB, 52 * GIB)
WORKSTATION_64GB_GPU_24GB = Hardware(64 * GIB, 52 * GIB, gpus=(RTX_4090,))
APPLE_M_16GB = Hardware(16 * GIB, 10 * GIB, unified_memory=True)


@dataclass(frozen=True)
class Details:
    parameter_size: str
    quantization_level: str


def _tags(rec: Recommendation) -> tuple[str | None, str | None]:
    completion, chat = rec.for_role("completion"), rec.for_role("chat")
    return (completion.tag if completion else None, chat.tag if chat else None)


@pytest.mark.parametrize(
    ("hardware", "completion", "chat"),
    [
        # 3.6 GiB usable, CPU at 40 GB/s: a 7B needs <= 2 GB of weights for 20 tokens/s, so
        # the 3B at Q4_K_M (1.9 GB); chat gets the 1.5B at Q5_K_S in the 1.4 GiB left.
        pytest.param(LAPTOP_8GB, "qwen2.5-coder:3b-base-q4_K_M",
                     "qwen2.5-coder:1.5b-instruct-q5_K_S", id="8GB-laptop"),
        # 6.3 GiB of VRAM holds the 7B at Q6_K (6.3 GiB with cache); chat spills to RAM.
        pytest.param(DESKTOP_16GB_GPU_8GB, "qwen2.5-coder:7b-base-q6_K",
                     "qwen2.5-coder:7b-instruct-q4_K_M", id="16GB+8GB-GPU"),
        # Plenty of RAM but CPU speed rules: the same small completion model, a 7B for chat.
        pytest.param(WORKSTATION_64GB, "qwen2.5-coder:3b-base-q4_K_M",
                     "qwen2.5-coder:7b-instruct-q4_K_M", id="64GB-workstation"),
        # 20.6 GiB of VRAM: the 14B at Q6_K (12.4 GiB); chat 14B at Q5_K_M split.
        pytest.param(WORKSTATION_64GB_GPU_24GB, "qwen2.5-coder:14b-base-q6_K",
                     "qwen2.5-coder:14b-instruct-q5_K_M", id="64GB+24GB-GPU"),
        # GPU share 2/3 of 16 GiB, but 7.6 GiB usable; 100 GB/s => the 7B at Q4_K_M (4.6 GB).
        pytest.param(APPLE_M_16GB, "qwen2.5-coder:7b-base-q4_K_M",
                     "qwen2.5-coder:3b-instruct-q6_K", id="16GB-Apple-M"),
    ],
)  # fmt: skip
def test_profiles(hardware: Hardware, completion: str, chat: str) -> None:
    rec = recommend(hardware, num_ctx=4096)
    assert _tags(rec) == (completion, chat)
    assert rec.together
    pool = MemoryPool.of(hardware, FitPolicy())
    assert sum(choice.need.total for choice in rec.choices) <= pool.total
    for choice in rec.choices:
        assert not choice.level.is_float and not choice.level.legacy
        assert choice.tag in choice.reason and choice.reason in rec.text
        assert choice.tokens_per_second >= FitPolicy().min_tokens_per_second[choice.role]


@pytest.mark.parametrize(
    ("available_gib", "gpu_gib", "completion", "chat"),
    [
        # No GPU: nothing above 3B, and 3B only at Q4 (the chat model grows with what is free).
        (3, 0, "qwen2.5-coder:1.5b-base-q4_K_M", "qwen2.5-coder:1.5b-instruct-q4_K_M"),
        (5, 0, "qwen2.5-coder:3b-base-q4_K_M", "tinyllama:1.1b-chat-v1-q4_K_S"),
        (7, 0, "qwen2.5-coder:3b-base-q4_K_M", "qwen2.5-coder:3b-instruct-q5_K_M"),
        # A small GPU holds a 7B completion model, at a Q4 level only.
        (5, 4, "qwen2.5-coder:7b-base-q4_K_S", "qwen2.5-coder:1.5b-instruct-q6_K"),
        (7, 6, "qwen2.5-coder:7b-base-q4_K_M", "qwen2.5-coder:7b-instruct-q4_K_M"),
    ],
)  # fmt: skip
def test_the_8gb_laptop_gets_a_7b_only_with_a_gpu_and_only_at_q4(
    available_gib: int, gpu_gib: int, completion: str, chat: str
) -> None:
    gpus = (GpuInfo("GPU", gpu_gib * GIB, gpu_gib * GIB),) if gpu_gib else ()
    rec = recommend(Hardware(8 * GIB, available_gib * GIB, gpus), num_ctx=4096)
    assert _tags(rec) == (completion, chat)
    for choice in rec.choices:
        if choice.entry.parameter_count > 5e9:
            assert gpu_gib and choice.level.bits_per_weight < 5, choice.tag
        assert not choice.level.is_float and not choice.level.legacy


def test_gpu_placement_and_speed_are_reported() -> None:
    rec = recommend(DESKTOP_16GB_GPU_8GB, num_ctx=4096)
    completion, chat = rec.for_role("completion"), rec.for_role("chat")
    assert completion is not None and completion.placement is Placement.GPU
    assert chat is not None and chat.placement is Placement.SPLIT
    assert "entirely on the GPU" in completion.reason
    assert "RTX 4060" in rec.reasoning[0]


def test_a_bigger_context_can_push_a_model_down_a_level() -> None:
    short = recommend(DESKTOP_16GB_GPU_8GB, num_ctx=2048, roles=("completion",))
    long = recommend(DESKTOP_16GB_GPU_8GB, num_ctx=32768, roles=("completion",))
    assert short.choices[0].level.bits_per_weight > long.choices[0].level.bits_per_weight


def test_quantized_kv_cache_leaves_room_for_more() -> None:
    plain = recommend(DESKTOP_16GB_GPU_8GB, num_ctx=32768, roles=("completion",))
    q4 = recommend(
        DESKTOP_16GB_GPU_8GB,
        num_ctx=32768,
        roles=("completion",),
        policy=FitPolicy(kv_cache_type="q4_0"),
    )
    assert q4.choices[0].need.kv_cache < plain.choices[0].need.kv_cache / 3
    assert q4.choices[0].level.bits_per_weight >= plain.choices[0].level.bits_per_weight


def test_roles_that_do_not_fit_together_swap() -> None:
    # 2.2 GiB usable: the completion model takes most of it and no chat model fits beside.
    tight = Hardware(4 * GIB, int(4.0 * GIB))
    rec = recommend(tight, num_ctx=4096)
    assert rec.for_role("completion") is not None and rec.for_role("chat") is not None
    assert not rec.together
    assert "swap" in rec.text


def test_nothing_fits_is_said_plainly() -> None:
    rec = recommend(Hardware(2 * GIB, 1 * GIB), num_ctx=4096)
    assert rec.choices == ()
    assert "completion: no catalog model fits" in rec.text


def test_pulled_models_are_marked() -> None:
    rec = recommend(LAPTOP_8GB, num_ctx=4096, available=["qwen2.5-coder:3b-base-q4_K_M"])
    completion, chat = rec.for_role("completion"), rec.for_role("chat")
    assert completion is not None and completion.pulled and "already pulled" in completion.reason
    assert chat is not None and not chat.pulled


def test_per_role_context() -> None:
    rec = recommend(LAPTOP_8GB, num_ctx={"completion": 2048, "chat": 8192})
    completion, chat = rec.for_role("completion"), rec.for_role("chat")
    assert completion is not None and chat is not None
    assert "for 2048 tokens" in completion.reason and "for 8192 tokens" in chat.reason


# -- check_fit ---------------------------------------------------------------------------------

SIXTEEN_GB_CPU = Hardware(16 * GIB, 12 * GIB)  # 9.45 GiB usable


def test_refusal_names_a_smaller_level_that_fits() -> None:
    # codellama 13b has no GQA: 800 KiB of cache per token, 1.6 GiB at 2048 tokens. Q8_0
    # weights are 12.9 GiB; Q4_K_M (7.3 GiB) is the best level whose total stays under 9.45.
    fit = check_fit("codellama:13b-code-q8_0", Details("13B", "Q8_0"), SIXTEEN_GB_CPU, num_ctx=2048)
    assert not fit.fits and fit.placement is None
    assert fit.smaller_level is not None and fit.smaller_level.name == "Q4_K_M"
    assert fit.smaller_tag == "codellama:13b-code-q4_K_M"
    assert "does not fit" in fit.message and "codellama:13b-code-q4_K_M" in fit.message
    assert fit.max_num_ctx is None  # no context is small enough for 12.9 GiB of weights


def test_a_model_that_fits_is_let_through() -> None:
    fit = check_fit(
        "codellama:7b-code-q4_K_M",
        Details("7B", "Q4_K_M"),
        SIXTEEN_GB_CPU,
        num_ctx=4096,
        size_bytes=4_100_000_000,
    )
    assert fit.fits and fit.placement is Placement.CPU and fit.smaller_level is None
    assert fit.need.weights == 4_100_000_000
    assert "fits" in fit.message


def test_refusal_offers_a_shorter_context_when_that_is_enough() -> None:
    # codellama 7b Q8_0: 7.2 GB weights fit in 9.45 GiB, 32k tokens of cache (16 GiB) do not.
    fit = check_fit("codellama:7b-code-q8_0", Details("7B", "Q8_0"), SIXTEEN_GB_CPU, num_ctx=32768)
    assert not fit.fits
    assert fit.max_num_ctx is not None and 2048 <= fit.max_num_ctx < 32768
    assert f"num_ctx to {fit.max_num_ctx}" in fit.message
    at_max = check_fit(
        "codellama:7b-code-q8_0", Details("7B", "Q8_0"), SIXTEEN_GB_CPU, num_ctx=fit.max_num_ctx
    )
    assert at_max.fits


def test_shape_from_model_info_beats_the_guess_for_unknown_models() -> None:
    info: dict[str, object] = {
        "general.architecture": "qwen2",
        "general.parameter_count": 7_615_616_512,
        "qwen2.block_count": 28,
        "qwen2.embedding_length": 3584,
        "qwen2.attention.head_count": 28,
        "qwen2.attention.head_count_kv": 4,
    }
    details = Details("7.6B", "Q4_K_M")
    exact = check_fit("me/coder:v1", details, SIXTEEN_GB_CPU, num_ctx=32768, model_info=info)
    guessed = check_fit("me/coder:v1", details, SIXTEEN_GB_CPU, num_ctx=32768)
    assert exact.need.kv_cache == 28 * 4 * 128 * 2 * 2 * 32768
    assert guessed.need.kv_cache > exact.need.kv_cache
    assert "estimated generously" in guessed.message
    assert exact.fits and not guessed.fits


def test_unknown_model_without_a_level_suggests_quantizing() -> None:
    fit = check_fit(
        "me/big:v1", Details("13B", "IQ4_XS"), Hardware(8 * GIB, 4 * GIB), num_ctx=2048,
        size_bytes=7_000_000_000,
    )  # fmt: skip
    assert not fit.fits
    assert fit.smaller_tag is None
    assert "Not even" in fit.message or "quantize me/big:v1" in fit.message


@settings(max_examples=60, deadline=None)
@given(
    total_gib=st.integers(min_value=4, max_value=128),
    free_share=st.floats(min_value=0.2, max_value=0.95),
    vram_gib=st.sampled_from([0, 4, 8, 12, 16, 24, 48]),
    unified=st.booleans(),
    num_ctx=st.sampled_from([1024, 2048, 4096, 8192, 16384]),
)
def test_recommendations_fit_and_pass_the_fit_check(
    total_gib: int, free_share: float, vram_gib: int, unified: bool, num_ctx: int
) -> None:
    gpus = (GpuInfo("GPU", vram_gib * GIB, vram_gib * GIB),) if vram_gib and not unified else ()
    hardware = Hardware(total_gib * GIB, int(total_gib * free_share * GIB), gpus, unified)
    rec = recommend(hardware, num_ctx=num_ctx)
    pool = MemoryPool.of(hardware, FitPolicy())
    if rec.together:
        assert sum(choice.need.total for choice in rec.choices) <= pool.total
    if len(rec.choices) < 2:  # a role left without a model says so
        assert "no catalog model" in rec.text
    for choice in rec.choices:
        assert choice.need.total <= pool.total
        assert not choice.level.is_float and not choice.level.legacy
        fit = check_fit(
            choice.tag,
            Details(format_parameter_count(choice.entry.parameter_count), choice.level.name),
            hardware,
            num_ctx=num_ctx,
            size_bytes=choice.need.weights,
        )
        assert fit.fits, fit.message
        assert fit.need == choice.need
