"""An endpoint that echoes the request's credentials in its errors: the key reaches no channel.

Every way the server speaks is read back — the answers, ``window/showMessage``,
``window/logMessage``, ``ollama/status`` and the process's stderr — and grepped for the key.
"""

from __future__ import annotations

import json

import pytest

from tests.e2e.raw_server import INITIALIZE, RawServer, frame, request
from tests.fake_ollama import FakeOllama

KEY, HEADER_SECRET = "sk-live-0123456789abcdef", "hdr-0123456789abcdef"
ECHO = f"Authorization: Bearer {KEY}; X-Api-Key: {HEADER_SECRET}"
URI = "file:///project/app.py"


def notify(method: str, params: object) -> bytes:
    return frame({"jsonrpc": "2.0", "method": method, "params": params})


@pytest.mark.parametrize(
    ("kind", "fields"),
    [
        ("malformed", {"after_chunks": 1, "message": f"bad {ECHO}"}),
        ("error_line", {"after_chunks": 1, "message": f"proxy said {ECHO}"}),
        ("status", {"status": 500, "message": f"upstream rejected {ECHO}"}),
        ("status", {"status": 502, "message": f"<html>{ECHO}</html>"}),
    ],
    ids=["malformed line", "error line", "500 body", "proxy page"],
)
async def test_a_key_echoed_by_the_endpoint_reaches_no_channel(
    fake_ollama: FakeOllama, kind: str, fields: dict[str, object]
) -> None:
    fake_ollama.reply("return 1")
    fake_ollama.add_fault(kind, path="/api/generate", times=None, **fields)
    settings = {
        "endpoints": [fake_ollama.url],
        "apiKey": KEY,
        "headers": {"X-Api-Key": HEADER_SECRET},
        "completion": {"model": "qwen2.5-coder:1.5b-base", "debounce": {"minMs": 0, "maxMs": 0}},
        "logLevel": "debug",
    }
    async with RawServer.started(stderr=True) as server:
        init = {**INITIALIZE, "params": {**INITIALIZE["params"], "initializationOptions": settings}}
        await server.send(frame(init))
        await server.answer(1)
        await server.send(notify("initialized", {}))
        document = {"uri": URI, "languageId": "python", "version": 1, "text": "def f():\n    "}
        await server.send(notify("textDocument/didOpen", {"textDocument": document}))
        position = {"line": 1, "character": 4}
        for msg_id in (2, 3):  # the second one: the same failure, shown once
            await server.send(frame(request(msg_id, "textDocument/inlineCompletion", {
                "textDocument": {"uri": URI}, "position": position,
                "context": {"triggerKind": 1}})))  # fmt: skip
            await server.answer(msg_id)
        assert await server.finish() == 0
        stderr = await server.stderr()
    sent = json.dumps(server.seen)
    methods = {m.get("method") for m in server.seen}
    assert {"window/showMessage", "ollama/status", "window/logMessage"} <= methods
    for secret in (KEY, HEADER_SECRET):
        assert secret not in sent, "an LSP message carried the secret"
        assert secret not in stderr, "stderr carried the secret"
    assert "***" in sent  # the endpoint's words were shown, redacted
    requests = [r for r in fake_ollama.requests_to("/api/generate") if r.body.get("prompt")]
    assert requests  # the key was used (loopback), only never shown
