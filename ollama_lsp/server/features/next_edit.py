"""``ollama/nextEdit``: the edit the user will make next, anywhere near the cursor.

The editor asks after a pause following an edit (params ``textDocument``, ``position``) and
gets ``null`` or ``{edits: [{range, newText}], cursor?, id}``: ranges in the document as it was
asked about, ``cursor`` where the cursor goes once the edits are applied. It tells the outcome
with the ``ollama/nextEditOutcome`` notification (``{id, outcome: "accepted" | "dismissed"}``),
counted with the other suggestions' outcomes (kind ``nextEdit``: ``ollama.status``,
``ollama-lsp stats``). A prediction for a text that changed while it was made is dropped
(``null``).
"""

from __future__ import annotations

from functools import partial
from typing import Any

from lsprotocol import types
from pygls.exceptions import JsonRpcInvalidParams
from pygls.workspace.position_codec import PositionCodec

from ollama_lsp.nextedit import NextEditEngine, NextEditRequest, Point, Prediction
from ollama_lsp.server.outcomes import SuggestionOutcomes
from ollama_lsp.server.positions import cursor_at, units_of
from ollama_lsp.server.server import OllamaLanguageServer, guarded, guarded_notification
from ollama_lsp.server.suggest import as_document, settings_ready

__all__ = ["NEXT_EDIT", "NEXT_EDIT_OUTCOME", "next_edit", "next_edit_outcome", "register"]

NEXT_EDIT = "ollama/nextEdit"
NEXT_EDIT_OUTCOME = "ollama/nextEditOutcome"


def _field(params: Any, path: str) -> Any:
    """The value at the dotted ``path`` of ``params`` (a namedtuple or a dict), required."""
    value = params
    for name in path.split("."):
        value = value.get(name) if isinstance(value, dict) else getattr(value, name, None)
        if value is None:
            raise JsonRpcInvalidParams(f"{path} is required")
    return value


def _position(params: Any) -> tuple[str, types.Position]:
    """``textDocument.uri`` and ``position`` of a request, checked."""
    uri = _field(params, "textDocument.uri")
    line, character = _field(params, "position.line"), _field(params, "position.character")
    if not isinstance(uri, str) or not all(
        isinstance(v, int) and not isinstance(v, bool) and v >= 0 for v in (line, character)
    ):
        raise JsonRpcInvalidParams("textDocument.uri must be a string, position a Position")
    return uri, types.Position(line=line, character=character)


def _position_of(point: Point, codec: PositionCodec) -> dict[str, int]:
    return {"line": point.line, "character": units_of(point.prefix, codec)}


def _as_json(prediction: Prediction, codec: PositionCodec) -> dict[str, Any]:
    result: dict[str, Any] = {
        "id": prediction.id,
        "edits": [
            {
                "range": {
                    "start": _position_of(edit.start, codec),
                    "end": _position_of(edit.end, codec),
                },
                "newText": edit.text,
            }
            for edit in prediction.edits
        ],
    }
    if prediction.cursor is not None:
        result["cursor"] = _position_of(prediction.cursor, codec)
    return result


async def next_edit(
    ls: OllamaLanguageServer,
    params: Any,
    next_edits: NextEditEngine,
    outcomes: SuggestionOutcomes,
) -> dict[str, Any] | None:
    """The next edit near ``position`` of the open document, or ``None``."""
    uri, position = _position(params)
    if not await settings_ready(ls):
        return None
    doc = ls.workspace.text_documents.get(uri)
    if doc is None:
        return None
    version, codec = doc.version, doc.position_codec
    cursor = cursor_at(doc.source, codec, position)
    request = NextEditRequest(
        document=as_document(doc),
        line=cursor.line,
        column=cursor.column,
        open_documents=[as_document(d) for d in ls.workspace.text_documents.values()],
    )
    outcome = await next_edits.predict(request)
    if not isinstance(outcome, Prediction):
        return None
    now = ls.workspace.text_documents.get(uri)
    if now is None or now.version != version:
        return None  # made for a text that is gone
    language = doc.language_id or ""
    outcomes.offered("nextEdit", outcome.id, language, next_edits.options.model, shown=True)
    return _as_json(outcome, codec)


def next_edit_outcome(
    ls: OllamaLanguageServer,
    params: Any,
    next_edits: NextEditEngine,
    outcomes: SuggestionOutcomes,
) -> None:
    """The editor accepted or dismissed a prediction."""
    prediction_id, outcome = _field(params, "id"), _field(params, "outcome")
    if outcome not in ("accepted", "dismissed"):
        raise ValueError(f'outcome must be "accepted" or "dismissed", not {outcome!r}')
    next_edits.resolved(str(prediction_id), outcome == "accepted")
    outcomes.report("nextEdit", str(prediction_id), outcome)


def register(
    server: OllamaLanguageServer, next_edits: NextEditEngine, outcomes: SuggestionOutcomes
) -> None:
    server.feature(NEXT_EDIT)(guarded(partial(next_edit, next_edits=next_edits, outcomes=outcomes)))
    server.feature(NEXT_EDIT_OUTCOME)(
        guarded_notification(partial(next_edit_outcome, next_edits=next_edits, outcomes=outcomes))
    )
