"""The curated catalog: coder models worth pulling, with their roles, FIM support and sizes.

Models are ranked by the HumanEval pass@1 their authors published (base models for
completion, instruct models for chat); the score orders candidates and is never shown as a
promise. Sizes of CodeLlama and TinyLlama are the library's own where known; the rest are
estimated from the parameter count and the level's bits per weight.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field

from .architecture import ARCHITECTURES, Architecture
from .quantization import QuantLevel, estimate_weight_bytes, get_level
from .roles import Role
from .tags import (
    DEFAULT_VARIANT,
    installed_as,
    library_tag,
    resolved_variant,
    split_tag,
)

__all__ = [
    "CATALOG",
    "CatalogEntry",
    "CatalogItem",
    "catalog_items",
    "entries_for",
    "find_entry",
]

_FULL_LISTING = ("Q4_0", "Q4_K_M", "Q5_K_M", "Q6_K", "Q8_0", "F16")
_SHORT_LISTING = ("Q4_K_M", "Q6_K", "Q8_0")
_GB = 10**9


@dataclass(frozen=True, slots=True)
class CatalogEntry:
    """One library model (name, size, variant) and what it is good for."""

    name: str
    size: str
    variant: str | None
    role: Role
    supports_fim: bool
    parameter_count: int
    humaneval: float | None
    known_sizes: Mapping[str, int] = field(default_factory=dict)
    """File sizes in bytes by level name, where the library's figure is known."""
    listed_levels: tuple[str, ...] = _SHORT_LISTING
    """Levels shown in the catalog listing (every standard level can be pulled)."""

    @property
    def key(self) -> str:
        """`name:size`, the key of `ARCHITECTURES`."""
        return f"{self.name}:{self.size}"

    @property
    def architecture(self) -> Architecture:
        return ARCHITECTURES.get(self.key) or Architecture.guess(self.parameter_count)

    def tag(self, level: QuantLevel) -> str:
        return library_tag(self.name, self.size, level, self.variant)

    def size_bytes(self, level: QuantLevel) -> int:
        known = self.known_sizes.get(level.name)
        return known if known is not None else estimate_weight_bytes(self.parameter_count, level)


def _completion(
    name: str,
    size: str,
    params: int,
    humaneval: float,
    known_sizes: Mapping[str, int] | None = None,
    listed_levels: tuple[str, ...] = _SHORT_LISTING,
) -> CatalogEntry:
    variant = DEFAULT_VARIANT.get(name)
    return CatalogEntry(
        name, size, variant, "completion", True, params, humaneval, known_sizes or {}, listed_levels
    )


def _chat(
    name: str,
    size: str,
    variant: str,
    params: int,
    humaneval: float | None,
    known_sizes: Mapping[str, int] | None = None,
    listed_levels: tuple[str, ...] = _SHORT_LISTING,
) -> CatalogEntry:
    return CatalogEntry(
        name, size, variant, "chat", False, params, humaneval, known_sizes or {}, listed_levels
    )


_CODELLAMA_7B = {"Q4_0": 3_825_910_662, "Q4_K_S": 3_900_000_000, "Q4_K_M": 4_100_000_000,
                 "Q8_0": 7_200_000_000, "F16": 13_000_000_000}  # fmt: skip
_CODELLAMA_13B = {"Q4_0": 7_400_000_000, "Q4_K_M": 7_900_000_000}
_TINYLLAMA = {"Q4_0": 637_700_138, "Q4_K_M": 669_000_000, "Q8_0": 1_200_000_000,
              "F16": 2_200_000_000}  # fmt: skip

CATALOG: tuple[CatalogEntry, ...] = (
    # completion: base / code models with fill-in-the-middle
    _completion("qwen2.5-coder", "1.5b", 1_543_714_304, 43.9),
    _completion("qwen2.5-coder", "3b", 3_085_938_688, 52.4),
    _completion("qwen2.5-coder", "7b", 7_615_616_512, 61.6),
    _completion("qwen2.5-coder", "14b", 14_770_033_664, 64.0),
    _completion("deepseek-coder", "1.3b", 1_346_471_936, 34.8),
    _completion("deepseek-coder", "6.7b", 6_740_512_768, 49.4),
    _completion("starcoder2", "3b", 3_030_371_328, 31.7),
    _completion("starcoder2", "7b", 7_173_923_840, 35.4),
    _completion("codegemma", "2b", 2_506_172_416, 31.1),
    _completion("codegemma", "7b", 8_537_680_896, 44.5),
    _completion(
        "codellama",
        "7b",
        6_738_546_688,
        33.5,
        known_sizes=_CODELLAMA_7B,
        listed_levels=_FULL_LISTING,
    ),
    _completion(
        "codellama",
        "13b",
        13_016_028_160,
        36.0,
        known_sizes=_CODELLAMA_13B,
        listed_levels=_FULL_LISTING,
    ),
    # chat: instruct models
    _chat("qwen2.5-coder", "1.5b", "instruct", 1_543_714_304, 70.7),
    _chat("qwen2.5-coder", "3b", "instruct", 3_085_938_688, 84.1),
    _chat("qwen2.5-coder", "7b", "instruct", 7_615_616_512, 88.4),
    _chat("qwen2.5-coder", "14b", "instruct", 14_770_033_664, 89.6),
    _chat("deepseek-coder", "1.3b", "instruct", 1_346_471_936, 65.2),
    _chat("deepseek-coder", "6.7b", "instruct", 6_740_512_768, 78.6),
    _chat("codegemma", "7b", "instruct", 8_537_680_896, 56.1),
    _chat(
        "codellama",
        "7b",
        "instruct",
        6_738_546_688,
        34.8,
        known_sizes=_CODELLAMA_7B,
        listed_levels=_FULL_LISTING,
    ),
    _chat("codellama", "13b", "instruct", 13_016_028_160, 42.7, known_sizes=_CODELLAMA_13B),
    _chat(
        "tinyllama",
        "1.1b",
        "chat-v1",
        1_100_048_384,
        None,
        known_sizes=_TINYLLAMA,
        listed_levels=_FULL_LISTING,
    ),
)


def entries_for(role: Role) -> list[CatalogEntry]:
    """The role's entries, best first (published score; unscored models last)."""
    ranked = [entry for entry in CATALOG if entry.role == role]
    return sorted(ranked, key=lambda e: -1.0 if e.humaneval is None else e.humaneval, reverse=True)


def find_entry(tag: str) -> tuple[CatalogEntry, QuantLevel | None] | None:
    """The catalog entry a tag names (and the level it names, if any)."""
    parts = split_tag(tag)
    variant = resolved_variant(parts)
    for entry in CATALOG:
        if (entry.name, entry.size, entry.variant) == (parts.name, parts.size, variant):
            return entry, parts.level
    return None


@dataclass(frozen=True, slots=True)
class CatalogItem:
    """One pullable tag of the catalog, for the model list."""

    entry: CatalogEntry
    level: QuantLevel
    tag: str
    size_bytes: int
    pulled: bool


def catalog_items(available: Collection[str] = ()) -> list[CatalogItem]:
    """Every listed level of every entry, with whether the endpoint already has it.

    ``available`` names the endpoint's models; a mapping of name to quantization level also
    finds a tag installed under a shorter name (`installed_as`).
    """
    items = []
    for entry in CATALOG:
        for name in entry.listed_levels:
            level = get_level(name)
            tag = entry.tag(level)
            pulled = installed_as(tag, available) is not None
            items.append(CatalogItem(entry, level, tag, entry.size_bytes(level), pulled))
    return items
