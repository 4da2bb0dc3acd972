"""Handled messages leave nothing behind in the protocol (the server lives for days)."""

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


async def test_keystrokes_and_commands_keep_no_future_each() -> None:
    server = create_server()
    protocol = server.protocol
    wire = Wire()
    protocol.set_writer(wire)

    def send(body: dict[str, Any]) -> None:
        protocol.handle_message(protocol.structure_message(body))

    options = {"endpoints": ["http://127.0.0.1:9"]}  # nothing there: status answers at once
    send(message("initialize", {"capabilities": {}, "initializationOptions": options}, 1))
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

    for msg_id in range(2, 202):  # a command runs as a step of pygls's generator handler
        send(message("workspace/executeCommand", {"command": "ollama.status"}, msg_id))
    answered: list[dict[str, Any]] = []
    for _ in range(200):  # until every command is answered
        await asyncio.sleep(0.05)
        answered = [m for m in wire.messages if m.get("id") in range(2, 202)]
        if len(answered) == 200:
            break
    await asyncio.sleep(0.05)  # the last step's own callbacks

    assert len(answered) == 200
    assert server.workspace.get_text_document(URI).source == "x = 1" + "0" * 1000 + "\n"
    # pygls kept one per notification and one per command step, with its result: 1202
    assert len(protocol._request_futures) < 5
