"""What careless or hostile clients send: the server answers correctly and keeps going."""

from __future__ import annotations

import asyncio

import pytest
from lsprotocol import types
from pygls.exceptions import JsonRpcInvalidParams
from pytest_lsp import LanguageClient

from tests.e2e.conftest import initialize, open_document, settings_for
from tests.fake_ollama import FakeOllama


@pytest.mark.parametrize(
    "arguments", [None, [], [{}], [None]], ids=["missing", "empty list", "empty object", "null"]
)
@pytest.mark.parametrize("command", ["ollama.listModels", "ollama.status", "ollama.recommend"])
async def test_commands_without_arguments_accept_every_empty_form(
    client: LanguageClient, fake_ollama: FakeOllama, command: str, arguments: list[object] | None
) -> None:
    await initialize(client, init_options=settings_for(fake_ollama.url))
    result = await client.workspace_execute_command_async(
        types.ExecuteCommandParams(command=command, arguments=arguments)  # type: ignore[arg-type]
    )
    assert isinstance(result, dict) and result


async def test_a_change_to_a_document_never_opened_is_ignored_quietly(
    client: LanguageClient, fake_ollama: FakeOllama
) -> None:
    await initialize(client, init_options=settings_for(fake_ollama.url))
    at = types.Position(line=0, character=0)
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri="file:///never.py", version=2),
            content_changes=[
                types.TextDocumentContentChangePartial(
                    range=types.Range(start=at, end=at), text="x"
                )
            ],
        )
    )
    status = await client.workspace_execute_command_async(
        types.ExecuteCommandParams(command="ollama.status", arguments=[])
    )
    assert status  # the server is alive
    errors = [m for m in client.messages if m.type == types.MessageType.Error]
    assert errors == []


async def test_a_reversed_range_is_rejected_not_applied(
    client: LanguageClient, fake_ollama: FakeOllama
) -> None:
    await initialize(client, init_options=settings_for(fake_ollama.url))
    uri = "file:///project/a.py"
    open_document(client, uri, "line0\nline1\n")
    start, end = types.Position(line=0, character=4), types.Position(line=0, character=1)
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=2),
            content_changes=[
                types.TextDocumentContentChangePartial(
                    range=types.Range(start=start, end=end), text="Y"
                )
            ],
        )
    )
    fake_ollama.reply("pass")
    result = await client.workspace_execute_command_async(
        types.ExecuteCommandParams(
            command="ollama.chat",
            arguments=[{"message": "?", "includeDocument": uri, "model": "codellama:7b-instruct"}],
        )
    )
    assert result["content"] == "pass"
    chat = fake_ollama.requests_to("/api/chat")[-1]
    assert "line0\nline1" in str(chat.prompt)  # the document is as it was
    logged = [m.message for m in client.log_messages]
    assert any("starts after its end: change refused" in m for m in logged), logged


async def test_a_wrong_typed_selection_is_invalid_params(
    client: LanguageClient, fake_ollama: FakeOllama
) -> None:
    await initialize(client, init_options=settings_for(fake_ollama.url))
    open_document(client, "file:///project/a.py", "x = 1\n")
    with pytest.raises(JsonRpcInvalidParams):
        await client.workspace_execute_command_async(
            types.ExecuteCommandParams(
                command="ollama.chat",
                arguments=[
                    {
                        "message": "?",
                        "includeDocument": "file:///project/a.py",
                        "includeSelection": {"start": "zero", "end": [1]},
                    }
                ],
            )
        )


async def test_a_password_in_an_endpoint_url_is_never_shown(
    client: LanguageClient, fake_ollama: FakeOllama
) -> None:
    await initialize(client, settings={"endpoints": ["http://alice:s3cr3t-pw@gpu.example:11434 x"]})
    message = await asyncio.wait_for(client.wait_for_notification(types.WINDOW_SHOW_MESSAGE), 10)
    assert "ollama.endpoints" in message.message
    assert "s3cr3t-pw" not in message.message and "alice:***@" in message.message
    logs = " ".join(m.message for m in client.log_messages)
    assert "s3cr3t-pw" not in logs


async def test_a_ca_bundle_that_does_not_exist_is_named_and_completions_still_work(
    client: LanguageClient, fake_ollama: FakeOllama
) -> None:
    fake_ollama.reply("return 1")
    settings = settings_for(fake_ollama.url)
    settings["tls"] = {"caBundle": "/nowhere/company-ca.pem"}
    await initialize(client, settings=settings)
    message = await asyncio.wait_for(client.wait_for_notification(types.WINDOW_SHOW_MESSAGE), 10)
    assert "ollama.tls.caBundle" in message.message and "does not exist" in message.message
    uri = "file:///project/b.py"
    open_document(client, uri, "def f():\n    ")
    result = await client.text_document_inline_completion_async(
        types.InlineCompletionParams(
            text_document=types.TextDocumentIdentifier(uri=uri),
            position=types.Position(line=1, character=4),
            context=types.InlineCompletionContext(
                trigger_kind=types.InlineCompletionTriggerKind.Invoked
            ),
        )
    )
    assert result is not None
