"""Handled notifications leave nothing behind in the protocol (the server lives for days)."""

from __future__ import annotations

import asyncio
from typing import Any

from ollama_lsp.server import create_server
from tests.unit.server.helpers import Wire

URI = "file:///project/a.py"


def message(method: str, params: dict[str, Any], msg_id: int | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"jsonrpc": "2.0", "method": method, "params": params}
    if msg_id is not None:
        body["id"] = msg_id
    return body


async def test_a_thousand_keystrokes_keep_no_future_each() -> None:
    server = create_server()
    protocol = server.protocol
    protocol.set_writer(Wire())

    def send(body: dict[str, Any]) -> None:
        protocol.handle_message(protocol.structure_message(body))

    send(message("initialize", {"capabilities": {}, "processId": None}, 1))
    send(message("initialized", {}))
    item = {"uri": URI, "languageId": "python", "version": 1, "text": "x = 1\n"}
    send(message("textDocument/didOpen", {"textDocument": item}))
    for version in range(2, 1002):
        change = {
            "range": {"start": {"line": 0, "character": 5}, "end": {"line": 0, "character": 5}},
            "text": "0",
        }
        send(
            message(
                "textDocument/didChange",
                {"textDocument": {"uri": URI, "version": version}, "contentChanges": [change]},
            )
        )
    await asyncio.sleep(0.1)  # the handlers' tasks run

    assert server.workspace.get_text_document(URI).source == "x = 1" + "0" * 1000 + "\n"
    assert len(protocol._request_futures) < 5  # pygls kept one per notification: 1002
