"""Recognise a next-edit prompt (the Zeta layout's editable region) and answer one.

Zeta, Instinct and ollama-lsp's instruction layout all show the file excerpt with the region a
model may rewrite between ``<|editable_region_start|>`` and ``<|editable_region_end|>``, each on
a line of its own, and the cursor as ``<|user_cursor_is_here|>``. A rule with
``rewrite_region`` rewrites that region by a scripted function and answers as Zeta does (the
region between the markers) or as an instructed chat model does (a fenced block).
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["CURSOR", "REGION_END", "REGION_START", "EditRegion", "parse_edit_region", "reply_with"]

REGION_START = "<|editable_region_start|>"
REGION_END = "<|editable_region_end|>"
CURSOR = "<|user_cursor_is_here|>"


@dataclass(frozen=True)
class EditRegion:
    """The editable region of a next-edit prompt, without the cursor marker, and where the
    cursor was in it."""

    text: str
    cursor: int


def parse_edit_region(prompt: str) -> EditRegion | None:
    """The region of the excerpt in ``prompt`` (markers on lines of their own), or ``None``.

    Instructions that merely name the markers (in a sentence) are not the region."""
    start = prompt.find(REGION_START + "\n")
    if start < 0:
        return None
    body_start = start + len(REGION_START) + 1
    end = prompt.find("\n" + REGION_END, body_start - 1)
    if end < 0:
        return None
    body = prompt[body_start:end] if end >= body_start else ""
    cursor = body.find(CURSOR)
    return EditRegion(body.replace(CURSOR, ""), max(cursor, 0))


def reply_with(region: str, style: str) -> str:
    """Answer with ``region`` the way a Zeta model does (``region``) or in a fenced block."""
    if style == "fence":
        return f"Here is the updated code:\n```\n{region}\n```\n"
    return f"{REGION_START}\n{region}\n{REGION_END}"
