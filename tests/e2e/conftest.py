"""An LSP client talking to a real ``python -m ollama_lsp`` subprocess.

Tests call :func:`initialize` themselves, choosing settings (the emulator's URL among them) and
a client capability profile. Notifications the server sends are collected on the client:
``client.statuses`` holds every ``ollama/status`` payload, as a dict.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import sys
from typing import Any

import pytest_lsp
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient, client_capabilities

# An address nothing listens on: a test that forgets to point the server somewhere fails fast.
UNREACHABLE = "http://127.0.0.1:9"

SERVER = ClientServerConfig(
    server_command=[sys.executable, "-m", "ollama_lsp", "--log-level", "debug"],
    server_env={**os.environ, "OLLAMA_HOST": UNREACHABLE, "OLLAMA_LSP_STORE": ":memory:"},
)

PROFILES = ("visual-studio-code", "neovim")


@pytest_lsp.fixture(config=SERVER)
async def client(lsp_client: LanguageClient) -> Any:
    statuses: list[dict[str, Any]] = []
    lsp_client.statuses = statuses  # type: ignore[attr-defined]

    @lsp_client.feature("ollama/status")
    def on_status(params: Any) -> None:
        statuses.append(params._asdict() if hasattr(params, "_asdict") else dict(params))

    lsp_client.initialized_session = False  # type: ignore[attr-defined]
    yield
    if lsp_client.initialized_session:  # type: ignore[attr-defined]
        with contextlib.suppress(Exception):
            await asyncio.wait_for(lsp_client.shutdown_session(), 5)


async def initialize(
    client: LanguageClient,
    *,
    settings: dict[str, Any] | None = None,
    init_options: dict[str, Any] | None = None,
    profile: str = "visual-studio-code",
    root: str = "file:///project",
    experimental: Any = None,
) -> types.InitializeResult:
    """Start the session; ``settings`` answer ``workspace/configuration`` (section ollama);
    ``experimental`` replaces the profile's experimental client capabilities."""
    if settings is not None:
        client.set_configuration({"ollama": settings})
    capabilities = client_capabilities(profile)
    if experimental is not None:
        capabilities.experimental = experimental
    result = await client.initialize_session(
        types.InitializeParams(
            capabilities=capabilities,
            initialization_options=init_options,
            root_uri=root,
            workspace_folders=[types.WorkspaceFolder(uri=root, name="project")],
        )
    )
    client.initialized_session = True  # type: ignore[attr-defined]
    return result


def open_document(
    client: LanguageClient, uri: str, text: str, language_id: str = "python", version: int = 1
) -> None:
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(
            text_document=types.TextDocumentItem(
                uri=uri, language_id=language_id, version=version, text=text
            )
        )
    )


def settings_for(
    url: str, model: str = "qwen2.5-coder:1.5b-base", **completion: Any
) -> dict[str, Any]:
    """Settings pointing the server at the emulator at ``url``; no debounce unless given."""
    return {
        "endpoints": [url],
        "completion": {"model": model, "debounce": {"minMs": 0, "maxMs": 0}, **completion},
    }


def inline_params(
    uri: str,
    line: int,
    character: int,
    *,
    invoked: bool = False,
    token: types.ProgressToken | None = None,
) -> types.InlineCompletionParams:
    """Automatic by default, as typing asks (tests run without debounce); ``invoked`` as the
    user asking by hand, which offers several choices."""
    kind = (
        types.InlineCompletionTriggerKind.Invoked
        if invoked
        else types.InlineCompletionTriggerKind.Automatic
    )
    return types.InlineCompletionParams(
        text_document=types.TextDocumentIdentifier(uri=uri),
        position=types.Position(line=line, character=character),
        context=types.InlineCompletionContext(trigger_kind=kind),
        work_done_token=token,
    )


def generations(fake: Any) -> list[Any]:
    """Generate requests that asked for text (not the empty-prompt model loads)."""
    return [
        r
        for r in fake.requests_to("/api/generate")
        if isinstance(r.body, dict) and (r.body.get("prompt") or r.body.get("suffix"))
    ]


async def eventually(check: Any, within: float = 5.0, interval: float = 0.02) -> None:
    """Wait until ``check()`` is true (state reached over the wire, not a timing assertion)."""
    for _ in range(int(within / interval)):
        if check():
            return
        await asyncio.sleep(interval)
    assert check(), "condition not reached"


def insert_text(
    client: LanguageClient, uri: str, version: int, line: int, character: int, text: str
) -> None:
    """An incremental didChange inserting ``text`` at ``line:character``."""
    at = types.Position(line=line, character=character)
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=version),
            content_changes=[
                types.TextDocumentContentChangePartial(
                    range=types.Range(start=at, end=at), text=text
                )
            ],
        )
    )
