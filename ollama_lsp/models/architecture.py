"""Transformer shapes and the memory a loaded model needs: weights, KV cache, compute buffer.

Shapes come from the models' published configs, or from `/api/show`'s `model_info` (GGUF keys
such as `llama.block_count`) when present, which always wins.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from .quantization import QuantLevel, estimate_weight_bytes

__all__ = [
    "ARCHITECTURES",
    "KV_CACHE_BYTES_PER_ELEMENT",
    "Architecture",
    "MemoryNeed",
    "architecture_from_model_info",
    "estimate_compute_bytes",
    "estimate_kv_cache_bytes",
    "estimate_memory",
]

KV_CACHE_BYTES_PER_ELEMENT: Mapping[str, float] = {"f16": 2.0, "q8_0": 34 / 32, "q4_0": 18 / 32}
"""Bytes per cached element for each `OLLAMA_KV_CACHE_TYPE` (q8_0 and q4_0 blocks of 32)."""

_DEFAULT_BATCH = 512


@dataclass(frozen=True, slots=True)
class Architecture:
    """The shape numbers that decide KV cache and compute buffer sizes."""

    n_layers: int
    n_heads: int
    n_kv_heads: int
    embedding_length: int
    head_dim: int
    vocab_size: int = 32_000
    context_length: int | None = None
    guessed: bool = False
    """True when derived from the parameter count alone (no GQA assumed: errs on the big side)."""

    @classmethod
    def guess(cls, parameter_count: int) -> Architecture:
        """A LLaMA-2-like shape scaled to `parameter_count`, without grouped-query attention."""
        scale = (max(parameter_count, 1) / 6.74e9) ** (1 / 3)
        embedding = max(128, round(4096 * scale / 128) * 128)
        heads = embedding // 128
        return cls(max(1, round(32 * scale)), heads, heads, embedding, 128, guessed=True)

    def kv_cache_bytes(self, n_ctx: int, bytes_per_element: float = 2.0) -> int:
        return estimate_kv_cache_bytes(
            self.n_layers, n_ctx, self.n_kv_heads, self.head_dim, bytes_per_element
        )


ARCHITECTURES: Mapping[str, Architecture] = {
    # name:size as in the Ollama library -> shape from the model's config.json
    "codellama:7b": Architecture(32, 32, 32, 4096, 128, 32_016, 16_384),
    "codellama:13b": Architecture(40, 40, 40, 5120, 128, 32_016, 16_384),
    "codellama:34b": Architecture(48, 64, 8, 8192, 128, 32_000, 16_384),
    "tinyllama:1.1b": Architecture(22, 32, 4, 2048, 64, 32_000, 2048),
    "qwen2.5-coder:1.5b": Architecture(28, 12, 2, 1536, 128, 151_936, 32_768),
    "qwen2.5-coder:3b": Architecture(36, 16, 2, 2048, 128, 151_936, 32_768),
    "qwen2.5-coder:7b": Architecture(28, 28, 4, 3584, 128, 152_064, 32_768),
    "qwen2.5-coder:14b": Architecture(48, 40, 8, 5120, 128, 152_064, 32_768),
    "deepseek-coder:1.3b": Architecture(24, 16, 16, 2048, 128, 32_256, 16_384),
    "deepseek-coder:6.7b": Architecture(32, 32, 32, 4096, 128, 32_256, 16_384),
    "starcoder2:3b": Architecture(30, 24, 2, 3072, 128, 49_152, 16_384),
    "starcoder2:7b": Architecture(32, 36, 4, 4608, 128, 49_152, 16_384),
    "codegemma:2b": Architecture(18, 8, 1, 2048, 256, 256_000, 8192),
    "codegemma:7b": Architecture(28, 16, 16, 3072, 256, 256_000, 8192),
}


def estimate_kv_cache_bytes(
    n_layers: int, n_ctx: int, n_kv_heads: int, head_dim: int, bytes_per_elem: float = 2.0
) -> int:
    """Keys plus values for every layer and every position of the context."""
    return round(2 * n_layers * n_ctx * n_kv_heads * head_dim * bytes_per_elem)


def estimate_compute_bytes(arch: Architecture, n_ctx: int, batch: int = _DEFAULT_BATCH) -> int:
    """The compute graph's scratch buffer, after llama.cpp's graph-size estimate (f32)."""
    attention = 1 + 4 * arch.embedding_length + n_ctx * (1 + arch.n_heads)
    output = arch.embedding_length + arch.vocab_size
    return 4 * batch * max(attention, output)


def _int(info: Mapping[str, object], key: str) -> int | None:
    value = info.get(key)
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return int(value)
    if isinstance(value, list) and value and all(isinstance(v, int | float) for v in value):
        return int(max(value))  # per-layer values (some architectures): size for the largest
    return None


def architecture_from_model_info(model_info: Mapping[str, object]) -> Architecture | None:
    """The shape from `/api/show`'s `model_info`, or None when its keys are missing."""
    arch = model_info.get("general.architecture")
    if not isinstance(arch, str):
        return None
    layers = _int(model_info, f"{arch}.block_count")
    embedding = _int(model_info, f"{arch}.embedding_length")
    heads = _int(model_info, f"{arch}.attention.head_count")
    if not layers or not embedding or not heads:
        return None
    kv_heads = _int(model_info, f"{arch}.attention.head_count_kv") or heads
    head_dim = _int(model_info, f"{arch}.attention.key_length") or embedding // heads
    vocab = _int(model_info, f"{arch}.vocab_size")
    tokens = model_info.get("tokenizer.ggml.tokens")
    if vocab is None and isinstance(tokens, list) and tokens:
        vocab = len(tokens)
    return Architecture(
        n_layers=layers,
        n_heads=heads,
        n_kv_heads=kv_heads,
        embedding_length=embedding,
        head_dim=head_dim,
        vocab_size=vocab or 32_000,
        context_length=_int(model_info, f"{arch}.context_length"),
    )


@dataclass(frozen=True, slots=True)
class MemoryNeed:
    """What loading a model takes, in bytes."""

    weights: int
    kv_cache: int
    compute: int

    @property
    def total(self) -> int:
        return self.weights + self.kv_cache + self.compute


def estimate_memory(
    arch: Architecture,
    num_ctx: int,
    *,
    weights: int | None = None,
    parameter_count: int | None = None,
    level: QuantLevel | None = None,
    kv_cache_type: str = "f16",
    num_parallel: int = 1,
) -> MemoryNeed:
    """Memory for a model with `num_ctx` tokens of context per slot.

    `weights` is the file size when known (from `/api/tags`); otherwise it is estimated from
    `parameter_count` and `level`. Ollama allocates `num_ctx * num_parallel` cache positions.
    """
    if weights is None:
        if parameter_count is None or level is None:
            raise ValueError("need the file size, or a parameter count and a level")
        weights = estimate_weight_bytes(parameter_count, level)
    per_element = KV_CACHE_BYTES_PER_ELEMENT.get(kv_cache_type.lower(), 2.0)
    positions = num_ctx * max(1, num_parallel)
    return MemoryNeed(
        weights=weights,
        kv_cache=arch.kv_cache_bytes(positions, per_element),
        compute=estimate_compute_bytes(arch, num_ctx),
    )
