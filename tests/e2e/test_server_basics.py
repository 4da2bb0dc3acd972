"""The server starts, advertises what it does, and reports bad settings once."""

from __future__ import annotations

import asyncio

import pytest
from lsprotocol import types
from pytest_lsp import LanguageClient

from tests.e2e.conftest import PROFILES, initialize


@pytest.mark.parametrize("profile", PROFILES)
async def test_capabilities_advertise_inline_completion_and_sync(
    client: LanguageClient, profile: str
) -> None:
    result = await initialize(client, profile=profile)
    caps = result.capabilities
    assert caps.inline_completion_provider == types.InlineCompletionOptions(work_done_progress=True)
    assert caps.completion_provider is not None
    sync = caps.text_document_sync
    assert isinstance(sync, types.TextDocumentSyncOptions)
    assert sync.open_close is True
    assert sync.change == types.TextDocumentSyncKind.Incremental
    assert result.server_info is not None and result.server_info.name == "ollama-lsp"


async def test_invalid_settings_give_one_message_naming_each_bad_key(
    client: LanguageClient,
) -> None:
    await initialize(
        client,
        settings={
            "completion": {"temperature": "hot", "debounce": {"minMs": 900, "maxMs": 10}},
            "keepAlive": "300",
        },
    )
    message = await asyncio.wait_for(client.wait_for_notification(types.WINDOW_SHOW_MESSAGE), 10)
    assert message.type == types.MessageType.Warning
    assert "ollama.completion.temperature" in message.message
    assert "0.2" in message.message  # the default used instead
    assert "ollama.completion.debounce" in message.message
    assert "ollama.keepAlive" in message.message
    # the server is alive and still answers
    again = asyncio.ensure_future(client.wait_for_notification(types.WINDOW_SHOW_MESSAGE))
    client.workspace_did_change_configuration(types.DidChangeConfigurationParams(settings=None))
    await asyncio.wait_for(again, 10)
    warnings = [m for m in client.messages if m.type == types.MessageType.Warning]
    assert len(warnings) == 2  # the re-pull found the same bad keys and said so once more
