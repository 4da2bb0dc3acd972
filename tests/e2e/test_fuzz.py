"""Random LSP traffic never crashes the server, and every request gets a well-formed answer.

One server session takes every example (the point is that its state survives them all):
random documents with emoji, CJK and CRLF, edits at ranges that may not exist, requests past
the end of lines and documents or inside surrogate pairs, unknown URIs, and bad settings.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import itertools
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lsprotocol import types
from pygls.exceptions import JsonRpcException
from pytest_lsp import LanguageClient

from tests.e2e.conftest import initialize, inline_params, open_document, settings_for
from tests.fake_ollama import FakeOllama

URIS = ("file:///w/a.py", "file:///w/b.js", "file:///w/.env", "untitled:Untitled-1")
UNKNOWN = "file:///w/never-opened.py"
RAW_IDS = itertools.count()
LANGUAGES = ("python", "javascript", "dotenv", "plaintext", "")

pieces = st.sampled_from(["😀", "中文", "\n", "\r\n", "\t", "def f(x):", "    return", "{", "}"])
texts = st.lists(
    st.one_of(pieces, st.text(st.characters(exclude_categories=["Cs"]), max_size=12)),
    max_size=12,
).map("".join)
offsets = st.one_of(st.integers(0, 40), st.integers(0, 2**31 - 1))
positions = st.builds(types.Position, line=offsets, character=offsets)
json_values = st.recursive(
    st.one_of(
        st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), st.text(max_size=8)
    ),
    lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=6,
)
setting_keys = st.sampled_from(
    ["temperature", "maxTokens", "numCtx", "debounce", "languages", "exclude", "multiline", "model"]
)
bad_settings = st.fixed_dictionaries(
    {"completion": st.dictionaries(setting_keys, json_values, max_size=3)},
    optional={"keepAlive": json_values, "headers": json_values},
)

operations = st.one_of(
    st.tuples(st.just("open"), st.sampled_from(URIS), texts, st.sampled_from(LANGUAGES)),
    st.tuples(st.just("change"), st.sampled_from(URIS), positions, positions, texts),
    st.tuples(st.just("inline"), st.sampled_from((*URIS, UNKNOWN)), positions, st.booleans()),
    st.tuples(st.just("completion"), st.sampled_from((*URIS, UNKNOWN)), positions),
    st.tuples(st.just("config"), bad_settings),
    st.tuples(st.just("close"), st.sampled_from(URIS)),
    st.tuples(
        st.just("raw"),
        st.sampled_from(
            [types.TEXT_DOCUMENT_INLINE_COMPLETION, types.TEXT_DOCUMENT_COMPLETION, "ollama/nope"]
        ),
        json_values,
    ),
)


async def answered(request: Any) -> Any:
    """The result, or None for a JSON-RPC error; a missing answer fails the test."""
    try:
        return await asyncio.wait_for(request, 10)
    except JsonRpcException:
        return None


def send_raw(client: LanguageClient, method: str, params: Any) -> Any:
    """Send a request as raw JSON: the typed client would refuse malformed params itself."""
    protocol = client.protocol
    msg_id = f"raw-{next(RAW_IDS)}"
    future: concurrent.futures.Future[Any] = concurrent.futures.Future()
    protocol._request_futures[msg_id] = future
    protocol._send_data({"jsonrpc": "2.0", "id": msg_id, "method": method, "params": params})
    return asyncio.wrap_future(future)


async def run(client: LanguageClient, op: tuple[Any, ...], versions: dict[str, int]) -> None:
    kind, uri = op[0], op[1]
    if kind == "open":
        versions[uri] = versions.get(uri, 0) + 1
        open_document(client, uri, op[2], op[3], versions[uri])
    elif kind == "change":
        versions[uri] = versions.get(uri, 0) + 1
        start, end = sorted((op[2], op[3]), key=lambda p: (p.line, p.character))
        client.text_document_did_change(
            types.DidChangeTextDocumentParams(
                text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=versions[uri]),
                content_changes=[
                    types.TextDocumentContentChangePartial(
                        range=types.Range(start=start, end=end), text=op[4]
                    )
                ],
            )
        )
    elif kind == "inline":
        params = inline_params(uri, op[2].line, op[2].character, invoked=op[3])
        result = await answered(client.text_document_inline_completion_async(params))
        assert result is None or isinstance(result, types.InlineCompletionList | list)
    elif kind == "completion":
        params = types.CompletionParams(
            text_document=types.TextDocumentIdentifier(uri=uri), position=op[2]
        )
        result = await answered(client.text_document_completion_async(params))
        assert result is None or isinstance(result, types.CompletionList | list)
    elif kind == "config":
        client.workspace_did_change_configuration(types.DidChangeConfigurationParams(settings=uri))
    elif kind == "raw":  # malformed params: an error answer, not silence
        await answered(send_raw(client, uri, op[2]))
    elif kind == "close":
        client.text_document_did_close(
            types.DidCloseTextDocumentParams(text_document=types.TextDocumentIdentifier(uri=uri))
        )


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(st.lists(operations, min_size=1, max_size=8))
async def test_random_traffic_never_crashes_the_server(
    client: LanguageClient, fake_ollama: FakeOllama, ops: list[tuple[Any, ...]]
) -> None:
    if not getattr(client, "initialized_session", False):
        fake_ollama.reply("value = 1")
        await initialize(client, init_options=settings_for(fake_ollama.url), profile="neovim")
    versions: dict[str, int] = getattr(client, "versions", {})
    client.versions = versions  # type: ignore[attr-defined]
    for op in ops:
        await run(client, op, versions)
    # still alive and answering
    probe = "file:///w/probe.py"
    open_document(client, probe, "x = \n", "python", 1)
    result = await answered(
        client.text_document_inline_completion_async(inline_params(probe, 0, 4))
    )
    assert result is None or isinstance(result, types.InlineCompletionList)
    assert client.protocol.writer is not None
