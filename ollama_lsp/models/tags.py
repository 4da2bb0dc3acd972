"""Ollama library tags: `<model>:<size>[-<variant>]-<quant>`, built, taken apart and checked.

Examples: `codellama:7b-code-q4_K_M`, `tinyllama:1.1b-chat-v1-q4_0`,
`qwen2.5-coder:1.5b-base-q8_0`, `starcoder2:3b-q4_K_M`. Names match case-insensitively and
`x` means `x:latest`, as in Ollama itself.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from .quantization import QuantLevel, parse_level

__all__ = [
    "LIBRARY_VARIANTS",
    "TagParts",
    "installed_as",
    "library_tag",
    "normalize_name",
    "resolved_variant",
    "split_tag",
    "verify_tag",
    "with_level",
]

DEFAULT_VARIANT: dict[str, str | None] = {
    "codellama": "code",
    "tinyllama": "chat-v1",
    "qwen2.5-coder": "base",
    "deepseek-coder": "base",
    "codegemma": "code",
    "starcoder2": None,
}
"""The variant for code completion (or the only one) of each library model."""

LIBRARY_VARIANTS: dict[tuple[str, str], tuple[str | None, ...]] = {
    ("qwen2.5-coder", "0.5b"): ("instruct", "base"),
    ("qwen2.5-coder", "1.5b"): ("instruct", "base"),
    ("qwen2.5-coder", "3b"): ("instruct", "base"),
    ("qwen2.5-coder", "7b"): ("instruct", "base"),
    ("qwen2.5-coder", "14b"): ("instruct", "base"),
    ("qwen2.5-coder", "32b"): ("instruct", "base"),
    ("deepseek-coder", "1.3b"): ("base", "instruct"),
    ("deepseek-coder", "6.7b"): ("base", "instruct"),
    ("deepseek-coder", "33b"): ("base", "instruct"),
    ("starcoder2", "3b"): (None,),
    ("starcoder2", "7b"): (None,),
    ("starcoder2", "15b"): (None, "instruct"),
    ("codegemma", "2b"): ("code",),
    ("codegemma", "7b"): ("instruct", "code"),
    ("codellama", "7b"): ("instruct", "code", "python"),
    ("codellama", "13b"): ("instruct", "code", "python"),
    ("codellama", "34b"): ("instruct", "code", "python"),
    ("codellama", "70b"): ("instruct", "code", "python"),
    ("tinyllama", "1.1b"): ("chat-v1",),
}
"""The variants the library has of each model and size; a bare `<model>:<size>` tag aliases
the first (codegemma has no 2b instruct model: `codegemma:2b` is the code one)."""

_SIZE = re.compile(r"^\d+(?:\.\d+)?[kmbt]$", re.IGNORECASE)
_REGISTRY_PREFIXES = ("registry.ollama.ai/library/", "registry.ollama.ai/", "library/")


@dataclass(frozen=True, slots=True)
class TagParts:
    """A library tag taken apart; fields are None when the tag does not say."""

    name: str
    size: str | None
    variant: str | None
    level: QuantLevel | None


def normalize_name(name: str) -> str:
    """The form Ollama compares names in: no default registry or namespace, a tag, lower case."""
    text = name.strip().lower()
    for prefix in _REGISTRY_PREFIXES:
        if text.startswith(prefix):
            text = text[len(prefix) :]
            break
    if ":" not in text.rsplit("/", 1)[-1]:
        text += ":latest"
    return text


def library_tag(name: str, size: str, level: QuantLevel, variant: str | None = None) -> str:
    """`codellama`, `7b`, Q4_K_M -> `codellama:7b-code-q4_K_M` (default variant per model)."""
    if variant is None:
        variant = DEFAULT_VARIANT.get(name)
    middle = f"-{variant}" if variant else ""
    return f"{name}:{size.lower()}{middle}-{level.tag_suffix}"


def split_tag(tag: str) -> TagParts:
    """`codellama:7b-code-q4_K_M` -> name `codellama`, size `7b`, variant `code`, Q4_K_M."""
    name, _, rest = normalize_name(tag).rpartition(":")
    pieces = [] if rest == "latest" else rest.split("-")
    size = pieces.pop(0) if pieces and _SIZE.match(pieces[0]) else None
    level = parse_level(pieces[-1]) if pieces else None
    if level is not None:
        pieces.pop()
    variant = "-".join(pieces) or None
    return TagParts(name=name, size=size, variant=variant, level=level)


def resolved_variant(parts: TagParts) -> str | None:
    """The variant a tag means: a bare `<model>:<size>` aliases one (instruct for codellama)."""
    variants = LIBRARY_VARIANTS.get((parts.name, parts.size or ""))
    if parts.variant is None and parts.level is None and variants:
        return variants[0]
    return parts.variant


def with_level(tag: str, level: QuantLevel) -> str | None:
    """The same model at another level (`...-q4_K_M` -> `...-q8_0`), or None if unknowable.

    A bare `<model>:<size>` resolves through the variant it aliases; `:latest` cannot, nor
    can a bare size of a model this module does not know, nor a variant the library does not
    have at that size.
    """
    parts = split_tag(tag)
    if parts.size is None:
        return None
    variants = LIBRARY_VARIANTS.get((parts.name, parts.size))
    if parts.variant is None and parts.level is None and variants is None:
        return None
    variant = resolved_variant(parts)
    if variants is not None and variant not in variants:
        return None  # the library has no such tag
    middle = f"-{variant}" if variant else ""
    return f"{parts.name}:{parts.size}{middle}-{level.tag_suffix}"


def verify_tag(tag: str, available_names: Iterable[str]) -> str | None:
    """The endpoint's spelling of `tag` if it has that model, else None."""
    wanted = normalize_name(tag)
    for name in available_names:
        if normalize_name(name) == wanted:
            return name
    return None


def installed_as(tag: str, installed: Iterable[str] | Mapping[str, str | None]) -> str | None:
    """The installed model that is library ``tag``, or None.

    The same name, or the same model, size, variant and level under another tag: Ollama lists
    `qwen2.5-coder:1.5b-base`, which is `qwen2.5-coder:1.5b-base-q4_K_M`. A level the name
    does not spell is read from ``installed`` when it maps names to their details' level.
    """
    exact = verify_tag(tag, installed)
    if exact is not None:
        return exact
    wanted = split_tag(tag)
    if wanted.size is None or wanted.level is None:
        return None
    for name in installed:
        parts = split_tag(name)
        level = parts.level
        if level is None and isinstance(installed, Mapping):
            level = parse_level(installed[name])
        same = (parts.name, parts.size, resolved_variant(parts), level) == (
            wanted.name,
            wanted.size,
            resolved_variant(wanted),
            wanted.level,
        )
        if same:
            return name
    return None
