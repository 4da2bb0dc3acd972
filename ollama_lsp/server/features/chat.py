"""``ollama.chat`` / ``ollama.cancelChat``: streamed answers, per-conversation history.

The answer streams out as ``ollama/chatDelta`` notifications and through workDoneProgress
(tokens so far, tokens/s); the command's result is the whole answer with its counts and
timings. Cancelling the progress bar or calling ``ollama.cancelChat`` stops the generation and
returns what was written so far (``cancelled: true``); ``$/cancelRequest`` cancels the request.
History lives in memory, bounded in conversations and messages, and is trimmed to the chat
model's context before each request.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import time
from collections import OrderedDict
from collections.abc import AsyncIterator, Sequence
from functools import partial
from typing import Any

from lsprotocol import converters, types
from pygls.exceptions import JsonRpcInvalidParams
from pygls.workspace import TextDocument

from ollama_lsp.context import is_credential_file, is_excluded, redact_secrets
from ollama_lsp.providers import ChatChunk, ChatMessage, GenerationStats, ModelOptions
from ollama_lsp.server.backend import Backend
from ollama_lsp.server.commands import Args, ask, optional_str, register_command, required_str
from ollama_lsp.server.memory import PressureMonitor
from ollama_lsp.server.positions import cursor_at
from ollama_lsp.server.progress import ProgressHandle
from ollama_lsp.server.server import OllamaLanguageServer, command_work_done_token

__all__ = [
    "CHAT_DELTA",
    "Conversations",
    "cancel_chat",
    "chat",
    "register",
    "trim_to_budget",
]

log = logging.getLogger(__name__)

CHAT_DELTA = "ollama/chatDelta"
SEND_PRIVATE, LEAVE_OUT = "Send it", "Leave it out"
SYSTEM_PROMPT = (
    "You are a coding assistant inside the user's editor. Answer concisely; put code in fenced "
    "blocks with the language named."
)
#: Tokens kept free for the answer when trimming history to the model's context.
ANSWER_RESERVE = 1024
PROGRESS_INTERVAL = 0.25
_CONVERTER = converters.get_converter()  # lsprotocol's, for a range sent as JSON


def estimate_tokens(message: ChatMessage) -> int:
    """About 3.5 characters a token for code and English, plus the role markers."""
    return len(message.content) * 2 // 7 + 4


def trim_to_budget(messages: Sequence[ChatMessage], budget: int) -> list[ChatMessage]:
    """The system message and the newest messages that fit ``budget`` tokens (the last one is
    always kept: it is the question)."""
    system = [m for m in messages[:1] if m.role == "system"]
    rest = list(messages[len(system) :])
    used = sum(estimate_tokens(m) for m in system)
    kept: list[ChatMessage] = []
    for message in reversed(rest):
        cost = estimate_tokens(message)
        if kept and used + cost > budget:
            break
        kept.append(message)
        used += cost
    return system + kept[::-1]


class Conversations:
    """Histories by id: the least recently used is forgotten past ``max_conversations``, and
    each keeps its ``max_messages`` newest messages. ``answering`` holds the answers being
    written, by conversation, so that they can be cancelled."""

    def __init__(self, max_conversations: int = 32, max_messages: int = 100) -> None:
        self._histories: OrderedDict[str, list[ChatMessage]] = OrderedDict()
        self._max_conversations = max_conversations
        self._max_messages = max_messages
        self._ids = itertools.count(1)
        self.answering: dict[str, asyncio.Task[Any]] = {}

    def new_id(self) -> str:
        while True:
            candidate = f"c{next(self._ids)}"
            if candidate not in self._histories:
                return candidate

    def history(self, conversation_id: str) -> list[ChatMessage]:
        history = self._histories.get(conversation_id, [])
        self._histories[conversation_id] = history
        self._histories.move_to_end(conversation_id)
        while len(self._histories) > self._max_conversations:
            self._histories.popitem(last=False)
        return history

    def append(self, conversation_id: str, *messages: ChatMessage) -> None:
        history = self.history(conversation_id)
        history.extend(messages)
        del history[: max(0, len(history) - self._max_messages)]


def _document_text(ls: OllamaLanguageServer, uri: str) -> TextDocument:
    document: TextDocument | None = ls.workspace.text_documents.get(uri)
    if document is None:
        raise JsonRpcInvalidParams(f"{uri} is not open in the editor.")
    return document


async def _shareable(ls: OllamaLanguageServer, document: TextDocument, text: str) -> str | None:
    """``text`` of ``document`` as it may go to the model: secret values redacted; from a file
    that is private (the deny-list, ``completion.exclude``, or a credential by its content),
    only once the user said so (``None``: leave it out)."""
    private = is_excluded(document.uri, ls.settings.completion.exclude) or is_credential_file(
        document.source, document.language_id or ""
    )
    if not private:
        return redact_secrets(text)
    name = document.uri.rsplit("/", 1)[-1] or document.uri
    chosen = await ask(
        ls,
        f"{name} looks like it holds secrets (credentials, keys). Send it to the chat model "
        "as it is?",
        SEND_PRIVATE,
        LEAVE_OUT,
    )
    return text if chosen == SEND_PRIVATE else None


async def _context(ls: OllamaLanguageServer, args: Args) -> str | None:
    """The selection or the document the question is about, as text for the prompt."""
    selection = args.get("includeSelection")
    if isinstance(selection, dict):
        uri = selection.get("uri")
        raw = selection.get("range")
        if not isinstance(uri, str) or not isinstance(raw, dict):
            raise JsonRpcInvalidParams("`includeSelection` needs `uri` and `range`.")
        document = _document_text(ls, uri)
        span = _CONVERTER.structure(raw, types.Range)
        source = document.source
        start = cursor_at(source, document.position_codec, span.start).offset
        end = cursor_at(source, document.position_codec, span.end).offset
        fence = document.language_id or ""
        text = await _shareable(ls, document, source[start:end])
        return None if text is None else f"Selected code from {uri}:\n```{fence}\n{text}\n```"
    uri = optional_str(args, "includeDocument")
    if uri is not None:
        document = _document_text(ls, uri)
        text = await _shareable(ls, document, document.source)
        fence = document.language_id or ""
        return None if text is None else f"The file {uri}:\n```{fence}\n{text}\n```"
    return None


async def _stream_answer(
    ls: OllamaLanguageServer,
    chunks: AsyncIterator[ChatChunk],
    delta_head: dict[str, str],
    parts: list[str],
    bar: ProgressHandle,
) -> GenerationStats | None:
    """Read the answer into ``parts``, sent on as ``ollama/chatDelta`` and progress; its stats."""
    started, tokens, reported = time.monotonic(), 0, 0.0
    stats: GenerationStats | None = None
    try:
        async for chunk in chunks:
            if chunk.text:
                parts.append(chunk.text)
                tokens += 1
                ls.protocol.notify(
                    CHAT_DELTA,
                    {**delta_head, "delta": chunk.text, "done": False},
                )
            if chunk.done:
                stats = chunk.stats
            now = time.monotonic()
            if now - reported >= PROGRESS_INTERVAL:
                reported = now
                rate = tokens / max(now - started, 1e-3)
                bar.report(f"{tokens} tokens, {rate:.1f} tokens/s")
    finally:
        close = getattr(chunks, "aclose", None)
        if close is not None:  # stops the generation at once
            await close()
    return stats


async def _answer(
    ls: OllamaLanguageServer,
    model: str,
    chunks: AsyncIterator[ChatChunk],
    delta_head: dict[str, str],
    conversations: Conversations,
    parts: list[str],
) -> tuple[GenerationStats | None, bool]:
    """Write the answer under a cancellable progress bar: its stats, and whether the user
    stopped it (the progress bar or ``ollama.cancelChat``; ``$/cancelRequest`` raises).

    ``delta_head`` starts every ``ollama/chatDelta``: the conversation, and the editor's
    ``messageId`` when it sent one (so it tells this answer from a stopped one's late words).
    """
    conversation_id = delta_head["conversationId"]
    token = command_work_done_token()
    async with ls.work_progress(f"Chat ({model})", token=token, cancellable=True) as bar:
        task = asyncio.get_running_loop().create_task(
            _stream_answer(ls, chunks, delta_head, parts, bar)
        )
        conversations.answering[conversation_id] = task
        cancel = ls.work_done_progress.tokens.get(bar.token) if bar.token is not None else None
        if cancel is not None:
            cancel.add_done_callback(lambda _: task.cancel())
        try:
            return await asyncio.shield(task), False
        except asyncio.CancelledError:
            if not task.cancelled():  # the request itself was cancelled
                task.cancel()
                raise
            return None, True
        finally:
            conversations.answering.pop(conversation_id, None)
            ls.protocol.notify(CHAT_DELTA, {**delta_head, "delta": "", "done": True})


async def chat(
    ls: OllamaLanguageServer,
    args: Args,
    backend: Backend,
    conversations: Conversations,
    monitor: PressureMonitor,
) -> dict[str, Any]:
    question = required_str(args, "message")
    conversation_id = optional_str(args, "conversationId") or conversations.new_id()
    model = optional_str(args, "model") or ls.settings.chat.model
    provider = backend.provider  # fails clearly while the server is still starting
    context = await _context(ls, args)
    content = f"{context}\n\n{question}" if context else question
    num_ctx = ls.settings.chat.num_ctx
    window = (await provider.capabilities(model)).context_window or num_ctx
    asked = ChatMessage("user", content)
    messages = trim_to_budget(
        [ChatMessage("system", SYSTEM_PROMPT), *conversations.history(conversation_id), asked],
        max(256, min(window, num_ctx) - ANSWER_RESERVE),
    )
    chunks = provider.stream_chat(
        messages, model=model, options=ModelOptions(num_ctx=num_ctx), affinity=conversation_id
    )
    parts: list[str] = []
    started = time.monotonic()
    delta_head = {"conversationId": conversation_id}
    if message_id := optional_str(args, "messageId"):
        delta_head["messageId"] = message_id
    stats, cancelled = await _answer(ls, model, chunks, delta_head, conversations, parts)
    ls.spawn(monitor.chat_answered(model), "after a chat answer")  # frees memory if tight
    answer = "".join(parts)
    conversations.append(conversation_id, asked, ChatMessage("assistant", answer))
    seconds = time.monotonic() - started
    eval_count = stats.generated_tokens if stats and stats.generated_tokens else len(parts)
    speed = stats.tokens_per_second if stats else None
    return {
        "conversationId": conversation_id,
        "model": model,
        "content": answer,
        "cancelled": cancelled,
        "evalCount": eval_count,
        "promptEvalCount": stats.prompt_tokens if stats else None,
        "durationMs": round(seconds * 1000),
        "tokensPerSecond": speed if speed is not None else eval_count / max(seconds, 1e-3),
    }


async def cancel_chat(
    ls: OllamaLanguageServer, args: Args, conversations: Conversations
) -> dict[str, Any]:
    task = conversations.answering.get(required_str(args, "conversationId"))
    return {"cancelled": task is not None and task.cancel()}


def register(server: OllamaLanguageServer, backend: Backend, monitor: PressureMonitor) -> None:
    conversations = Conversations()  # this feature's own state
    answer = partial(chat, backend=backend, conversations=conversations, monitor=monitor)
    register_command(server, "ollama.chat", answer)
    register_command(server, "ollama.cancelChat", partial(cancel_chat, conversations=conversations))
