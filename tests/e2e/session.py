"""A server subprocess with its own model store, for the command tests.

:func:`start` launches ``python -m ollama_lsp`` (or ``command``) with ``OLLAMA_LSP_STORE``
pointing at a file of the test's, so a second server (after a kill -9) finds the first one's
records. The client
collects ``ollama/chatDelta`` notifications in ``client.chat_deltas``, answers
``window/showMessageRequest`` with ``client.answers`` (action titles, taken in order; ``None``
dismisses) and records the questions in ``client.questions``.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
from collections.abc import AsyncIterator, Sequence
from pathlib import Path
from typing import Any

from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient

from tests.e2e.conftest import SERVER, UNREACHABLE, initialize, settings_for
from tests.fake_ollama import FakeOllama

__all__ = ["execute", "progress_of", "start", "started", "stop", "wait_for_message"]


async def start(store: Path, command: Sequence[str] = SERVER.server_command) -> LanguageClient:
    config = ClientServerConfig(
        server_command=list(command),
        server_env={**os.environ, "OLLAMA_HOST": UNREACHABLE, "OLLAMA_LSP_STORE": str(store)},
    )
    client = await config.start()
    assert isinstance(client, LanguageClient)
    deltas: list[dict[str, Any]] = []
    questions: list[types.ShowMessageRequestParams] = []
    client.chat_deltas = deltas  # type: ignore[attr-defined]
    client.questions = questions  # type: ignore[attr-defined]
    client.answers = []  # type: ignore[attr-defined]

    @client.feature("ollama/chatDelta")
    def on_delta(params: Any) -> None:
        deltas.append(params._asdict() if hasattr(params, "_asdict") else dict(params))

    @client.feature(types.WINDOW_SHOW_MESSAGE_REQUEST)
    def on_question(params: types.ShowMessageRequestParams) -> types.MessageActionItem | None:
        questions.append(params)
        answers: list[str | None] = client.answers  # type: ignore[attr-defined]
        title = answers.pop(0) if answers else None
        return None if title is None else types.MessageActionItem(title=title)

    return client


async def stop(client: LanguageClient) -> None:
    with contextlib.suppress(Exception):
        await asyncio.wait_for(client.shutdown_session(), 5)
    with contextlib.suppress(Exception):
        await client.stop()


@contextlib.asynccontextmanager
async def started(
    store: Path,
    fake: FakeOllama,
    profile: str = "visual-studio-code",
    command: Sequence[str] = SERVER.server_command,
    **settings: Any,
) -> AsyncIterator[LanguageClient]:
    """A server on ``fake`` using the store file ``store``, initialized; stopped afterwards."""
    client = await start(store, command)
    try:
        await initialize(client, settings={**settings_for(fake.url), **settings}, profile=profile)
        yield client
    finally:
        await stop(client)


async def execute(client: LanguageClient, command: str, argument: Any = None, **kw: Any) -> Any:
    """``workspace/executeCommand`` with one argument; the result as plain JSON."""
    params = types.ExecuteCommandParams(
        command=command, arguments=None if argument is None else [argument], **kw
    )
    return await asyncio.wait_for(client.workspace_execute_command_async(params), 30)


def progress_of(client: LanguageClient, title: str) -> list[Any]:
    """The reports of the (last) progress whose begin has ``title``."""
    for reports in reversed(list(client.progress_reports.values())):
        begin = reports[0] if reports else None
        if isinstance(begin, types.WorkDoneProgressBegin) and begin.title == title:
            return reports
    raise AssertionError(f"no progress titled {title!r}")


async def wait_for_message(client: LanguageClient, fragment: str, within: float = 10) -> str:
    """The first ``window/showMessage`` containing ``fragment`` (waits for it)."""
    for _ in range(int(within / 0.02)):
        for message in client.messages:
            if fragment in message.message:
                return message.message
        await asyncio.sleep(0.02)
    seen = [m.message for m in client.messages]
    raise AssertionError(f"no message with {fragment!r}; messages: {seen}")
