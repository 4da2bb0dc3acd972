"""Quantization levels: bits per weight, quality, and the size of a model's weights.

Bits per weight are llama.cpp's effective values for a whole file (a K-quant mix keeps some
tensors at higher precision), which is why a 6.74B CodeLlama at Q4_0 weighs 3.8 GB. The quality
figure is llama.cpp's own: perplexity increase over F16 on LLaMA-7B, from `quantize --help`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = [
    "CREATE_QUANTIZE_LEVELS",
    "LEVELS",
    "QuantLevel",
    "UnknownLevel",
    "can_quantize",
    "estimate_weight_bytes",
    "format_parameter_count",
    "get_level",
    "parse_level",
    "parse_parameter_size",
]


_FLOAT_TAGS = {"F16": "fp16", "F32": "fp32", "BF16": "bf16"}


class UnknownLevel(ValueError):
    """A name that is not one of the known quantization levels."""


@dataclass(frozen=True, slots=True)
class QuantLevel:
    """One quantization level as llama.cpp and Ollama name it."""

    name: str
    """Canonical name as Ollama reports it in `details.quantization_level` (`Q4_K_M`, `F16`)."""
    bits_per_weight: float
    ppl_increase: float
    """Perplexity added over F16 on LLaMA-7B; lower is better. The ranking of quality."""
    note: str
    legacy: bool = False
    """Superseded by a K-quant of the same size and better quality; never recommended."""

    @property
    def tag_suffix(self) -> str:
        """How Ollama library tags spell it: `q4_K_M`, `q8_0`, `fp16`."""
        return _FLOAT_TAGS.get(self.name, "q" + self.name[1:])

    @property
    def is_float(self) -> bool:
        """Unquantized: a valid source for `/api/create` with `quantize`."""
        return self.name in _FLOAT_TAGS


LEVELS: tuple[QuantLevel, ...] = (
    QuantLevel("Q2_K", 3.35, 0.8698, "smallest; large quality loss, last resort"),
    QuantLevel("Q3_K_S", 3.50, 0.5505, "very small; high quality loss"),
    QuantLevel("Q3_K_M", 3.91, 0.2496, "very small; noticeable quality loss"),
    QuantLevel("Q3_K_L", 4.27, 0.1764, "small; clear quality loss, beats Q4_0"),
    QuantLevel("Q4_0", 4.50, 0.2166, "legacy 4-bit; Ollama's old default", legacy=True),
    QuantLevel("Q4_1", 5.00, 0.1585, "legacy 4-bit; prefer Q4_K_M", legacy=True),
    QuantLevel("Q4_K_S", 4.58, 0.0992, "small; some quality loss"),
    QuantLevel("Q4_K_M", 4.85, 0.0532, "balanced size and quality; the usual choice"),
    QuantLevel("Q5_0", 5.50, 0.0683, "legacy 5-bit; prefer Q5_K_S", legacy=True),
    QuantLevel("Q5_1", 6.00, 0.0349, "legacy 5-bit; prefer Q5_K_M", legacy=True),
    QuantLevel("Q5_K_S", 5.52, 0.0400, "low quality loss"),
    QuantLevel("Q5_K_M", 5.69, 0.0122, "very low quality loss"),
    QuantLevel("Q6_K", 6.56, 0.0008, "near lossless"),
    QuantLevel("Q8_0", 8.50, 0.0004, "practically lossless; twice the size of Q4"),
    QuantLevel("BF16", 16.0, 0.0, "unquantized (bfloat16); a source for quantizing"),
    QuantLevel("F16", 16.0, 0.0, "unquantized; a source for quantizing, too big to serve"),
    QuantLevel("F32", 32.0, 0.0, "full precision; only a source for quantizing"),
)

_BY_NAME = {level.name: level for level in LEVELS}
_ALIASES = {"FP16": "F16", "FP32": "F32", "Q4_K": "Q4_K_M", "Q5_K": "Q5_K_M", "Q3_K": "Q3_K_M"}

CREATE_QUANTIZE_LEVELS: tuple[QuantLevel, ...] = tuple(
    _BY_NAME[name] for name in ("Q4_K_M", "Q4_K_S", "Q8_0")
)
"""Levels Ollama's `/api/create` can quantize to (from an F16, BF16 or F32 model)."""


def parse_level(text: str | None) -> QuantLevel | None:
    """The level Ollama reports (`Q4_K_M`, `q4_k_m`, `fp16`, `Q4_K`), or None if unknown."""
    if not text:
        return None
    key = text.strip().upper().replace("-", "_")
    return _BY_NAME.get(_ALIASES.get(key, key))


def get_level(text: str) -> QuantLevel:
    """Like `parse_level`, but an unknown name raises `UnknownLevel` listing the known ones."""
    level = parse_level(text)
    if level is None:
        known = ", ".join(level.name for level in LEVELS)
        raise UnknownLevel(f"Unknown quantization level {text!r}; known levels: {known}.")
    return level


def can_quantize(source: QuantLevel | None, target: QuantLevel) -> bool:
    """Whether `/api/create` with `quantize` can turn a `source` model into `target`."""
    return source is not None and source.is_float and target in CREATE_QUANTIZE_LEVELS


def estimate_weight_bytes(parameter_count: int, level: QuantLevel) -> int:
    """Bytes of a GGUF file holding `parameter_count` weights at `level`."""
    return round(parameter_count * level.bits_per_weight / 8)


_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([KMBT]?)\s*$", re.IGNORECASE)
_SCALE = {"": 1, "K": 10**3, "M": 10**6, "B": 10**9, "T": 10**12}


def parse_parameter_size(text: str | None) -> int | None:
    """Ollama's `parameter_size` (`7B`, `1.1B`, `6.7B`, `137M`) as a count, or None."""
    match = _SIZE.match(text or "")
    if match is None:
        return None
    number, unit = match.groups()
    return round(float(number) * _SCALE[unit.upper()])


def format_parameter_count(count: int) -> str:
    """`7B`, `1.1B`, `6.7B`, `137M`: the way Ollama prints a parameter count."""
    for unit in ("T", "B", "M", "K"):
        scale = _SCALE[unit]
        if count >= scale:
            value = count / scale
            return f"{value:.0f}{unit}" if round(value, 1) == round(value) else f"{value:.1f}{unit}"
    return str(count)
