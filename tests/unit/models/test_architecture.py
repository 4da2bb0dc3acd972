"""KV cache, compute buffer and shapes from `/api/show`."""

from __future__ import annotations

from ollama_lsp.models import (
    ARCHITECTURES,
    Architecture,
    architecture_from_model_info,
    estimate_kv_cache_bytes,
    estimate_memory,
    get_level,
)

QWEN_7B_INFO: dict[str, object] = {
    "general.architecture": "qwen2",
    "general.parameter_count": 7_615_616_512,
    "qwen2.block_count": 28,
    "qwen2.embedding_length": 3584,
    "qwen2.attention.head_count": 28,
    "qwen2.attention.head_count_kv": 4,
    "qwen2.context_length": 32768,
    "tokenizer.ggml.tokens": [],
}


def test_kv_cache_of_known_models() -> None:
    # codellama 7b has no grouped-query attention: 0.5 MiB per token in f16.
    assert ARCHITECTURES["codellama:7b"].kv_cache_bytes(4096) == 2 * 1024**3
    # tinyllama: 22 layers x 4 KV heads x 64 dims x 2 (K, V) x 2 bytes = 22 KiB per token.
    assert ARCHITECTURES["tinyllama:1.1b"].kv_cache_bytes(2048) == 22 * 1024 * 2048
    assert estimate_kv_cache_bytes(32, 1, 32, 128, 2.0) == 512 * 1024


def test_kv_cache_type_and_parallel_slots_scale_the_cache() -> None:
    arch = ARCHITECTURES["codellama:7b"]
    level = get_level("Q4_0")
    base = estimate_memory(arch, 4096, parameter_count=6_738_546_688, level=level)
    q8 = estimate_memory(arch, 4096, weights=base.weights, kv_cache_type="q8_0")
    q4 = estimate_memory(arch, 4096, weights=base.weights, kv_cache_type="q4_0")
    parallel = estimate_memory(arch, 4096, weights=base.weights, num_parallel=4)
    assert q8.kv_cache * 2 == base.kv_cache * 34 / 32
    assert q4.kv_cache * 4 == base.kv_cache * 36 / 32
    assert parallel.kv_cache == 4 * base.kv_cache
    assert base.total == base.weights + base.kv_cache + base.compute
    assert 200 * 1024**2 < base.compute < 600 * 1024**2


def test_shape_from_model_info_matches_the_table() -> None:
    arch = architecture_from_model_info(QWEN_7B_INFO)
    assert arch is not None
    assert arch.kv_cache_bytes(4096) == ARCHITECTURES["qwen2.5-coder:7b"].kv_cache_bytes(4096)
    assert arch.context_length == 32768


def test_key_length_overrides_the_derived_head_dim_and_lists_use_the_largest() -> None:
    info: dict[str, object] = {
        "general.architecture": "gemma",
        "gemma.block_count": 28,
        "gemma.embedding_length": 3072,
        "gemma.attention.head_count": 16,
        "gemma.attention.head_count_kv": [16, 8, 16],
        "gemma.attention.key_length": 256,
    }
    arch = architecture_from_model_info(info)
    assert arch is not None and arch.head_dim == 256 and arch.n_kv_heads == 16


def test_incomplete_model_info_gives_none() -> None:
    assert architecture_from_model_info({}) is None
    assert architecture_from_model_info({"general.architecture": "llama"}) is None


def test_guess_is_no_smaller_than_a_real_gqa_shape() -> None:
    guess = Architecture.guess(7_615_616_512)
    assert guess.guessed
    assert guess.kv_cache_bytes(4096) > ARCHITECTURES["qwen2.5-coder:7b"].kv_cache_bytes(4096)
    assert Architecture.guess(6_738_546_688).n_layers == 32
