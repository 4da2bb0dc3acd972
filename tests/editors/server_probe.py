"""Ask the server which commands it offers, over a bare stdio `initialize` (no editor needed).

An editor test of a command first checks that the server offers it (:func:`require_command`):
a missing command fails the test with that reason, rather than as a timeout in the editor.
"""

from __future__ import annotations

import json
import subprocess
import sys
from functools import cache
from typing import IO, Any


def _send(stream: IO[bytes], message: dict[str, Any]) -> None:
    body = json.dumps(message).encode()
    stream.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
    stream.flush()


def _receive(stream: IO[bytes]) -> dict[str, Any]:
    length = 0
    while (line := stream.readline().strip()) != b"":
        name, _, value = line.partition(b":")
        if name.lower() == b"content-length":
            length = int(value)
    message: dict[str, Any] = json.loads(stream.read(length))
    return message


@cache
def server_commands() -> frozenset[str]:
    """The ``executeCommandProvider.commands`` of ``python -m ollama_lsp``."""
    with subprocess.Popen(
        [sys.executable, "-m", "ollama_lsp"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    ) as server:
        assert server.stdin is not None and server.stdout is not None
        _send(
            server.stdin,
            {
                "jsonrpc": "2.0",
                "id": 1,
                "method": "initialize",
                "params": {"processId": None, "rootUri": None, "capabilities": {}},
            },
        )
        while "id" not in (reply := _receive(server.stdout)) or reply.get("id") != 1:
            pass
        _send(server.stdin, {"jsonrpc": "2.0", "id": 2, "method": "shutdown"})
        _send(server.stdin, {"jsonrpc": "2.0", "method": "exit"})
        server.wait(timeout=20)
    provider = reply["result"]["capabilities"].get("executeCommandProvider") or {}
    return frozenset(provider.get("commands", []))


def require_command(command: str) -> None:
    """Fail (never skip) when the server does not offer ``command``."""
    assert command in server_commands(), f"the server does not offer {command}"
