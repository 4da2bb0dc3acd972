"""A failing handler is answered with an error that says what to do, never a crash."""

from __future__ import annotations

import asyncio

import pytest
from pygls.exceptions import JsonRpcInternalError, JsonRpcInvalidParams

from ollama_lsp.ollama import OllamaUnreachable
from ollama_lsp.server.server import guarded, guarded_notification


async def test_an_ai_error_keeps_its_user_facing_message() -> None:
    @guarded
    async def pull() -> None:
        raise OllamaUnreachable("Ollama is not running at http://h:1: start it")

    with pytest.raises(JsonRpcInternalError, match=r"^Ollama is not running at http://h:1"):
        await pull()


async def test_a_bug_becomes_an_internal_error_naming_the_handler() -> None:
    @guarded
    async def broken() -> None:
        raise KeyError("oops")

    with pytest.raises(JsonRpcInternalError, match="broken failed: 'oops'"):
        await broken()


async def test_json_rpc_errors_and_cancellation_pass_through() -> None:
    @guarded
    async def invalid() -> None:
        raise JsonRpcInvalidParams("bad model name")

    @guarded
    async def cancelled() -> None:
        raise asyncio.CancelledError

    with pytest.raises(JsonRpcInvalidParams):
        await invalid()
    with pytest.raises(asyncio.CancelledError):
        await cancelled()


async def test_a_failing_notification_handler_is_survived() -> None:
    @guarded_notification
    async def on_change() -> None:
        raise ValueError("bad range")

    assert await on_change() is None  # logged, not raised: there is nobody to answer


def test_a_plain_notification_handler_stays_plain_and_is_survived() -> None:
    @guarded_notification
    def on_change() -> None:
        raise ValueError("bad range")

    assert not asyncio.iscoroutinefunction(on_change)  # pygls runs it at once, no task
    assert on_change() is None
