"""Recognise a fill-in-the-middle prompt, whichever family's tokens it uses.

Editors usually send FIM prompts with ``raw: true``; rules and assertions want the prefix and
suffix back, so every rendered prompt is parsed here.
"""

from __future__ import annotations

from dataclasses import dataclass

from ._templates import FIM_LAYOUTS

__all__ = ["FimParts", "parse_fim"]

# Markers that may precede the prefix marker (repository/file context in qwen and starcoder).
_CODESTRAL = ("[SUFFIX]", "[PREFIX]")


@dataclass(frozen=True)
class FimParts:
    """The pieces of a FIM prompt: ``layout`` names the token family."""

    layout: str
    prefix: str
    suffix: str
    preamble: str = ""


def parse_fim(prompt: str) -> FimParts | None:
    """Split a rendered FIM prompt, or ``None`` when it is not one."""
    for layout in FIM_LAYOUTS.values():
        start = prompt.rfind(layout.before_prefix)
        if start < 0:
            continue
        hole = prompt.find(layout.before_suffix, start + len(layout.before_prefix))
        end = prompt.rfind(layout.before_middle)
        if hole < 0 or end < hole:
            continue
        return FimParts(
            layout.name,
            prompt[start + len(layout.before_prefix) : hole],
            prompt[hole + len(layout.before_suffix) : end],
            prompt[:start],
        )
    suffix_mark, prefix_mark = _CODESTRAL
    if prompt.startswith(suffix_mark) and prefix_mark in prompt:
        suffix, _, prefix = prompt[len(suffix_mark) :].partition(prefix_mark)
        return FimParts("codestral", prefix.removeprefix(" "), suffix)
    return None
