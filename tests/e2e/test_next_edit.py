"""``ollama/nextEdit`` end to end: a rename typed into the editor, the server's edit at the use
below, the outcome reported, and what the user sees when it cannot work."""

from __future__ import annotations

import asyncio
from typing import Any

import ollama
import pytest
from lsprotocol import types
from pygls.exceptions import JsonRpcException
from pytest_lsp import LanguageClient

from tests.e2e.conftest import PROFILES, eventually, initialize, open_document, settings_for
from tests.e2e.session import execute, wait_for_message
from tests.fake_ollama import FakeOllama, parse_edit_region

URI = "file:///project/src/calc.py"
TEXT = (
    "def total(items, rate):\n"
    '    label = "Σ𝄞 total"\n'
    '    return f"{label}: {sum(items) * rate}"\n'
    "\n"
    "print(total([1, 2], 3))\n"
)
RENAMED = TEXT.replace("rate)", "tax)", 1)
ZETA = "zeta:latest"


def rename_parameter(client: LanguageClient) -> None:
    """The user selects ``rate`` in the def line and types ``tax``: one change, as editors send."""
    start, end = types.Position(line=0, character=17), types.Position(line=0, character=21)
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=URI, version=2),
            content_changes=[
                types.TextDocumentContentChangePartial(
                    range=types.Range(start=start, end=end), text="tax"
                )
            ],
        )
    )


async def next_edit(client: LanguageClient, line: int = 0, character: int = 20) -> Any:
    params = {"textDocument": {"uri": URI}, "position": {"line": line, "character": character}}
    result = await asyncio.wait_for(
        client.protocol.send_request_async("ollama/nextEdit", params), 30
    )
    return _plain(result)


def _plain(value: Any) -> Any:
    """pygls hands custom results over as namedtuples; tests compare plain JSON."""
    if hasattr(value, "_asdict"):
        return {k: _plain(v) for k, v in value._asdict().items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def apply(text: str, edits: list[dict[str, Any]]) -> str:
    """Apply LSP edits (UTF-16 positions, ranges in the original text) as an editor does."""

    def offset(position: dict[str, int]) -> int:
        lines = text.split("\n")
        head = sum(len(line) + 1 for line in lines[: position["line"]])
        units = lines[position["line"]].encode("utf-16-le")[: position["character"] * 2]
        return head + len(units.decode("utf-16-le"))

    for edit in sorted(edits, key=lambda e: offset(e["range"]["start"]), reverse=True):
        start, end = offset(edit["range"]["start"]), offset(edit["range"]["end"])
        text = text[:start] + edit["newText"] + text[end:]
    return text


def create_zeta(fake: FakeOllama) -> None:
    """Import an edit model into Ollama under the name Zeta, as a user does."""
    ollama.Client(host=fake.url).create(model=ZETA, from_="qwen2.5-coder:1.5b-base")


def next_edit_settings(fake: FakeOllama, model: str = ZETA) -> dict[str, Any]:
    return {**settings_for(fake.url), "nextEdit": {"model": model}}


@pytest.mark.parametrize("profile", PROFILES)
async def test_after_a_parameter_rename_the_use_two_lines_below_is_proposed(
    client: LanguageClient, fake_ollama: FakeOllama, profile: str
) -> None:
    create_zeta(fake_ollama)
    fake_ollama.add_rule(rewrite_region=[["* rate}", "* tax}"]])
    await initialize(client, settings=next_edit_settings(fake_ollama), profile=profile)
    open_document(client, URI, TEXT)
    rename_parameter(client)

    result = await next_edit(client)

    assert result is not None and result["id"]
    (edit,) = result["edits"]
    assert edit == {
        "range": {
            "start": {"line": 2, "character": 36},
            "end": {"line": 2, "character": 40},
        },
        "newText": "tax",
    }
    assert apply(RENAMED, result["edits"]) == RENAMED.replace("* rate}", "* tax}")
    (sent,) = [r for r in fake_ollama.requests_to("/api/generate") if r.body.get("prompt")]
    assert sent.prompt is not None and "+def total(items, tax):" in sent.prompt
    region = parse_edit_region(sent.prompt)
    assert region is not None and region.text.startswith("def total(items, tax):")


async def test_utf16_positions_of_an_edit_after_astral_characters(
    client: LanguageClient, fake_ollama: FakeOllama
) -> None:
    fake_ollama.add_rule(rewrite_region=[['"Σ𝄞 total"', '"Σ𝄞 tax"']], rewrite_as="fence")
    settings = next_edit_settings(fake_ollama, "qwen2.5-coder:1.5b-base")
    await initialize(client, settings=settings)
    open_document(client, URI, TEXT)
    rename_parameter(client)

    result = await next_edit(client)

    (edit,) = result["edits"]
    # "total" -> "tax" keeps the "t": the edit starts after `    label = "Σ𝄞 t`, 17 code
    # points and 18 UTF-16 code units (𝄞 is a surrogate pair)
    assert edit["range"] == {
        "start": {"line": 1, "character": 18},
        "end": {"line": 1, "character": 22},
    }
    assert edit["newText"] == "ax"
    assert apply(RENAMED, result["edits"]) == RENAMED.replace("𝄞 total", "𝄞 tax")


async def test_accepted_and_dismissed_outcomes_are_counted(
    client: LanguageClient, fake_ollama: FakeOllama
) -> None:
    create_zeta(fake_ollama)
    fake_ollama.add_rule(rewrite_region=[["* rate}", "* tax}"]])
    await initialize(client, settings=next_edit_settings(fake_ollama))
    open_document(client, URI, TEXT)
    rename_parameter(client)
    first = await next_edit(client)

    client.protocol.notify("ollama/nextEditOutcome", {"id": first["id"], "outcome": "accepted"})
    client.protocol.notify("ollama/nextEditOutcome", {"id": "ne-unknown", "outcome": "dismissed"})

    async def counts() -> tuple[int, int]:
        stats = (await execute(client, "ollama.status"))["nextEdit"]
        return stats["accepted"], stats["dismissed"]

    assert await counts() == (1, 0)
    status = await execute(client, "ollama.status")
    assert status["roles"]["nextEdit"] == ZETA
    assert status["memory"]["roles"]["nextEdit"]["loaded"] is True
    counted = status["suggestions"]["nextEdit"]  # beside the inline completions' counts
    assert (counted["shown"], counted["accepted"], counted["dismissed"]) == (1, 1, 0)
    assert counted["byLanguage"][0]["language"] == "python"


async def test_off_until_a_model_is_set(client: LanguageClient, fake_ollama: FakeOllama) -> None:
    await initialize(client, settings=settings_for(fake_ollama.url))
    open_document(client, URI, TEXT)
    rename_parameter(client)

    assert await next_edit(client) is None
    assert not fake_ollama.requests_to("/api/chat")
    assert (await execute(client, "ollama.status"))["roles"]["nextEdit"] == ""


async def test_a_model_that_cannot_predict_edits_is_explained_once(
    client: LanguageClient, fake_ollama: FakeOllama
) -> None:
    settings = next_edit_settings(fake_ollama, "nomic-embed-text:latest")
    await initialize(client, settings=settings)
    open_document(client, URI, TEXT)
    rename_parameter(client)

    assert await next_edit(client) is None
    message = await wait_for_message(client, "cannot predict edits")
    assert "nextEdit.model" in message


async def test_a_prediction_for_text_that_changed_meanwhile_is_dropped(
    client: LanguageClient, fake_ollama: FakeOllama
) -> None:
    create_zeta(fake_ollama)
    fake_ollama.add_rule(rewrite_region=[["* rate}", "* tax}"]], tokens_per_second=15)
    await initialize(client, settings=next_edit_settings(fake_ollama))
    open_document(client, URI, TEXT)
    rename_parameter(client)

    pending = asyncio.ensure_future(next_edit(client))
    await eventually(
        lambda: any(r.body.get("prompt") for r in fake_ollama.requests_to("/api/generate"))
    )
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=URI, version=3),
            content_changes=[
                types.TextDocumentContentChangePartial(
                    range=types.Range(
                        start=types.Position(line=3, character=0),
                        end=types.Position(line=3, character=0),
                    ),
                    text="#",
                )
            ],
        )
    )

    assert await pending is None
    await eventually(lambda: fake_ollama.counters.generations_cancelled == 1)
    assert fake_ollama.counters.tokens_after_disconnect == 0


async def test_bad_params_are_an_error_and_the_server_goes_on(
    client: LanguageClient, fake_ollama: FakeOllama
) -> None:
    create_zeta(fake_ollama)
    fake_ollama.add_rule(rewrite_region=[["* rate}", "* tax}"]])
    await initialize(client, settings=next_edit_settings(fake_ollama))
    open_document(client, URI, TEXT)
    rename_parameter(client)

    with pytest.raises(JsonRpcException, match="position"):
        await client.protocol.send_request_async(
            "ollama/nextEdit", {"textDocument": {"uri": URI}, "position": {"line": -1}}
        )
    client.protocol.notify("ollama/nextEditOutcome", {"id": 3, "outcome": "maybe"})
    assert (await next_edit(client))["edits"][0]["newText"] == "tax"


async def test_switch_model_turns_next_edit_on_at_run_time(
    client: LanguageClient, fake_ollama: FakeOllama
) -> None:
    create_zeta(fake_ollama)
    fake_ollama.add_rule(rewrite_region=[["* rate}", "* tax}"]])
    await initialize(client, settings=settings_for(fake_ollama.url))
    open_document(client, URI, TEXT)
    rename_parameter(client)
    assert await next_edit(client) is None

    switched = await execute(client, "ollama.switchModel", {"model": ZETA, "role": "nextEdit"})

    assert switched["role"] == "nextEdit" and switched["model"] == ZETA
    assert (await next_edit(client))["edits"][0]["newText"] == "tax"
    assert (await execute(client, "ollama.status"))["roles"]["nextEdit"] == ZETA
