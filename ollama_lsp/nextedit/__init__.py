"""Next-edit suggestions: the edit the user will make next, anywhere near the cursor.

Pure logic over text, plus the engine that asks a provider: the edit history as unified diffs
(``_history``), the editable region (``_region``), the model's rewrite read back (``_parse``),
the smallest edits (``_diff``), the rules of what is worth showing (``_rules``), and
:class:`NextEditEngine`, which ties them to a provider with debounce, cancellation and caches.
The prompt layouts live beside the FIM formats, in :mod:`ollama_lsp.families`.
"""

from ollama_lsp.nextedit._diff import Edit, apply_edits, smallest_edits
from ollama_lsp.nextedit._engine import (
    CannotPredictEdits,
    NextEditEngine,
    NextEditObserver,
    NextEditOptions,
    NextEditOutcome,
    NextEditRequest,
    NextEditStats,
    Point,
    PredictedEdit,
    Prediction,
)
from ollama_lsp.nextedit._history import EditHistory, HistoryEvent, LastEdit, unified_hunks
from ollama_lsp.nextedit._parse import Rewrite, answer_complete, parse_rewrite
from ollama_lsp.nextedit._region import Region, region_at
from ollama_lsp.nextedit._rules import keep_edits

__all__ = [
    "CannotPredictEdits",
    "Edit",
    "EditHistory",
    "HistoryEvent",
    "LastEdit",
    "NextEditEngine",
    "NextEditObserver",
    "NextEditOptions",
    "NextEditOutcome",
    "NextEditRequest",
    "NextEditStats",
    "Point",
    "PredictedEdit",
    "Prediction",
    "Region",
    "Rewrite",
    "answer_complete",
    "apply_edits",
    "keep_edits",
    "parse_rewrite",
    "region_at",
    "smallest_edits",
    "unified_hunks",
]
