"""Prompts that ask a model for the next edit: the region around the cursor, rewritten.

Three layouts, chosen by the family table (``Family.edit_format``) and the model's
capabilities:

- ``zeta``: Zed's Zeta format, sent ``raw``: an instruction, the user's recent edits as unified
  diffs, then the file excerpt with ``<|editable_region_start|>`` ... ``<|user_cursor_is_here|>``
  ... ``<|editable_region_end|>`` (``<|start_of_file|>`` when the excerpt starts the file). The
  model answers with the region between the same markers.
- ``instinct``: Continue's Instinct (a Zeta descendant) is served as a chat model: the same
  sections as a user message under a system prompt that explains them.
- ``instruct``: any other chat/instruct model: the same excerpt and edits, and a plain request
  to answer with the rewritten region in one fenced code block.

Stable parts come first (instruction, edit history), the excerpt last, so that consecutive
requests share a long prefix in Ollama's KV cache.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from ollama_lsp.families._table import family_for

__all__ = [
    "CURSOR_MARKER",
    "EDIT_FORMATS",
    "REGION_END",
    "REGION_START",
    "START_OF_FILE",
    "EditContext",
    "EditEvent",
    "EditFormat",
    "EditPrompt",
    "build_edit_prompt",
    "edit_format_for",
]

CURSOR_MARKER = "<|user_cursor_is_here|>"
REGION_START = "<|editable_region_start|>"
REGION_END = "<|editable_region_end|>"
START_OF_FILE = "<|start_of_file|>"

Reply = Literal["region", "fence"]


@dataclass(frozen=True, slots=True)
class EditEvent:
    """One recent edit of the user: a file and a unified diff of what changed (hunks only)."""

    path: str
    diff: str


@dataclass(frozen=True, slots=True)
class EditContext:
    """What a next-edit prompt shows: the editable region with the cursor, the lines around it,
    and the user's recent edits (oldest first).

    ``before`` ends with a newline when it is not empty; ``after`` starts with one, so that
    ``before + region + after`` is the excerpt of the file.
    """

    path: str
    language_id: str
    before: str
    region: str
    cursor: int  # index into ``region``
    after: str
    starts_file: bool
    events: tuple[EditEvent, ...] = ()

    def marked_excerpt(self) -> str:
        """The excerpt with the region's markers and the cursor marker."""
        region = self.region[: self.cursor] + CURSOR_MARKER + self.region[self.cursor :]
        start = f"{START_OF_FILE}\n" if self.starts_file else ""
        return f"{start}{self.before}{REGION_START}\n{region}\n{REGION_END}{self.after}"


@dataclass(frozen=True, slots=True)
class EditFormat:
    """How one layout is sent and answered.

    ``chat``: sent as chat messages (``system`` then the prompt as the user's), else raw
    text with no template. ``reply``: the answer holds the region between the markers
    (``region``) or in a fenced code block (``fence``); the parser accepts either.
    """

    name: str
    chat: bool
    reply: Reply
    system: str | None = None


@dataclass(frozen=True, slots=True)
class EditPrompt:
    """A rendered next-edit prompt: raw text, or a user message under ``format.system``."""

    format: EditFormat
    prompt: str
    stop: tuple[str, ...]


_ZETA_INSTRUCTION = (
    "You are a code completion assistant and your task is to analyze user edits and then "
    "rewrite an excerpt that the user provides, suggesting the appropriate edits within the "
    "excerpt, taking into account the cursor location."
)

_INSTINCT_SYSTEM = (
    "You predict the next edit a developer will make. The user message holds their recent "
    'edits as unified diffs under "### User Edits:" and an excerpt of the file they are in '
    'under "### User Excerpt:". In the excerpt, the code between '
    f"{REGION_START} and {REGION_END} is the region you may change, and "
    f"{CURSOR_MARKER} marks the cursor. Rewrite that region as it will be after the "
    "developer's next edit, continuing what their recent edits started, and answer with the "
    "region between the same two markers. Change nothing when no edit is due."
)

_INSTRUCT_SYSTEM = (
    "You are a code editor's next-edit engine. From a developer's recent edits you predict "
    "the edit they will make next near their cursor (usually the same change at another "
    "place: a renamed name used elsewhere, an argument added at a call) and return the "
    "code region rewritten with it. You answer with code only."
)

EDIT_FORMATS: dict[str, EditFormat] = {
    "zeta": EditFormat("zeta", chat=False, reply="region"),
    "instinct": EditFormat("instinct", chat=True, reply="region", system=_INSTINCT_SYSTEM),
    "instruct": EditFormat("instruct", chat=True, reply="fence", system=_INSTRUCT_SYSTEM),
}


def edit_format_for(model: str, chat: bool) -> EditFormat | None:
    """The layout for ``model``: its family's edit format, else the generic instruction layout
    for a model that chats (``chat`` from ``/api/show``); None when it can do neither."""
    family = family_for(model)
    if family is not None and family.edit_format is not None:
        return EDIT_FORMATS[family.edit_format]
    return EDIT_FORMATS["instruct"] if chat else None


def build_edit_prompt(model: str, context: EditContext, chat: bool) -> EditPrompt | None:
    """The next-edit prompt for ``model``, or None when the model cannot be asked for one."""
    fmt = edit_format_for(model, chat)
    if fmt is None:
        return None
    family = family_for(model)
    stop = family.stop if family is not None and family.edit_format is not None else ()
    if fmt.reply == "region":  # Ollama stops there and ends the stream as usual
        stop = (*stop, REGION_END)
    if fmt.name == "zeta":
        body = _zeta_sections(context)
        prompt = f"### Instruction:\n{_ZETA_INSTRUCTION}\n\n{body}\n\n### Response:\n"
    elif fmt.name == "instinct":
        prompt = f"{_zeta_sections(context)}\n\n### Response:\n"
    else:
        prompt = _instruct(context)
    return EditPrompt(fmt, prompt, stop)


def _events(context: EditContext) -> str:
    return "\n\n".join(f"User edited {e.path}:\n```diff\n{e.diff}\n```" for e in context.events)


def _zeta_sections(context: EditContext) -> str:
    return (
        f"### User Edits:\n\n{_events(context)}\n\n"
        f"### User Excerpt:\n\n```{context.path}\n{context.marked_excerpt()}\n```"
    )


def _instruct(context: EditContext) -> str:
    edits = _events(context) or "(none yet)"
    return (
        f"My recent edits, oldest first:\n\n{edits}\n\n"
        f"The file {context.path} around my cursor ({CURSOR_MARKER}):\n\n"
        f"```{context.language_id}\n{context.marked_excerpt()}\n```\n\n"
        f"Rewrite the code between {REGION_START} and {REGION_END} as it will be after my "
        "next edit: make the change my recent edits call for in that code (and only there); "
        "keep every other line exactly as it is. If no edit is due, return the code "
        f"unchanged. Answer with the rewritten code only, without the markers, in one fenced "
        "code block."
    )
