"""Next edit: what the server adds on top of the model for one ``ollama/nextEdit``.

``python -m benchmarks.next_edit [--requests N] [--backend-ms MS] [--tokens-per-second N]``

The scene: 50 documents of 2,000 lines are open, ten of them edited (so the edit history holds
events of several documents). In one of them the user renames a parameter (a new name each
time, so no cache answers) and asks for the next edit; the model answers as Zeta would, with
the use two lines below renamed too.

- **The server's work per request** (the target: history, region, prompt, parsing, diff,
  rules): ``NextEditEngine.predict`` in-process, with a model that answers at once (it
  rewrites the region it is shown), so only the engine's own time is left.
- **Through the server**, as an editor sees it: each ``ollama/nextEdit`` over stdio against
  the emulator (fixed first-token latency, ``--tokens-per-second``), minus the emulator's own
  time for the generation that answered it; an inline completion request in the same session
  is timed the same way, so the difference is what next edit adds to the hops (LSP, HTTP,
  scheduling) that every request pays. The debounce is 0: it is a chosen wait, not overhead.
- One keystroke into the edit history of a 2,000-line document, in-process.
"""

from __future__ import annotations

import argparse
import asyncio
import re
import time
from collections.abc import AsyncIterator, Sequence
from typing import Any

import ollama
from lsprotocol import types

from benchmarks._harness import Row, ServerSession, print_table, summary
from benchmarks.completion import python_document
from ollama_lsp.context import Document, LineEdit
from ollama_lsp.nextedit import EditHistory, NextEditEngine, NextEditOptions, NextEditRequest
from ollama_lsp.providers import (
    AiCapabilities,
    ChatChunk,
    ChatMessage,
    CompletionPrompt,
    CompletionResult,
    ModelOptions,
)
from tests.fake_ollama import FakeOllama, parse_edit_region

ZETA = "zeta:latest"
COMPLETION = "qwen2.5-coder:1.5b-base"
URI = "file:///bench/src/orders.py"
DEF_LINE = 1000
FUNCTION = [
    "def total(items, rate):",
    "    subtotal = sum(items)",
    "    return subtotal * rate",
]
PARAMETER_AT = len("def total(items, ")
WARM_UP = 10
_PARAMETER = re.compile(r"def total\(items, (\w+)\):")


def rename_use(region: str) -> str:
    """Zeta's answer: the use below takes the parameter's new name."""
    found = _PARAMETER.search(region)
    return region if found is None else re.sub(r"subtotal \* \w+", f"subtotal * {found[1]}", region)


def document() -> str:
    lines = python_document(0).split("\n")
    return "\n".join(lines[:DEF_LINE] + FUNCTION + lines[DEF_LINE:])


def other_documents() -> list[tuple[str, str, int | None]]:
    """The 50 other open documents: (uri, text, the line where a line was then added or None);
    the first ten are edited, so the history holds their events."""
    return [
        (f"file:///bench/src/module_{index}.py", python_document(index), 10 * index)
        if index <= 10
        else (f"file:///bench/src/module_{index}.py", python_document(index), None)
        for index in range(1, 51)
    ]


def with_line(text: str, line: int) -> str:
    lines = text.split("\n")
    return "\n".join([*lines[:line], "x = 1", *lines[line:]])


# -- the server's work, in-process ------------------------------------------------------------


class InstantZeta:
    """A provider whose model answers at once, as Zeta would: the region, rewritten."""

    name = "instant"

    async def capabilities(self, model: str) -> AiCapabilities:
        return AiCapabilities(True, True, False, True, 32768)

    async def complete_code(
        self,
        prompt: CompletionPrompt,
        *,
        model: str,
        options: ModelOptions | None = None,
        should_stop: Any = None,
    ) -> CompletionResult:
        region = parse_edit_region(prompt.prompt)
        assert region is not None
        text = (
            f"<|editable_region_start|>\n{rename_use(region.text)}\n"  # stopped at the end marker
        )
        return CompletionResult(text, model)

    async def stream_chat(
        self, messages: Sequence[ChatMessage], *, model: str, options: ModelOptions | None = None
    ) -> AsyncIterator[ChatChunk]:
        raise NotImplementedError
        yield  # pragma: no cover


async def engine_times(requests: int) -> list[float]:
    """Seconds of ``predict`` per request, the model costing nothing."""
    options = NextEditOptions(model=ZETA, debounce_min_ms=0, debounce_max_ms=0)
    engine = NextEditEngine(InstantZeta(), options)
    others = []
    for uri, text, line in other_documents():
        engine.document_opened(Document(uri, text, "python", 1))
        if line is not None:
            text = with_line(text, line)
            engine.document_changed(uri, text, [LineEdit(line, line, 1)])
        others.append(Document(uri, text, "python", 2))
    text = document()
    engine.document_opened(Document(URI, text, "python", 1))
    name, times = "rate", []
    for i in range(WARM_UP + requests):
        new = f"rate_{i}"
        text = text.replace(f"def total(items, {name})", f"def total(items, {new})", 1)
        name = new
        engine.document_changed(URI, text, [LineEdit(DEF_LINE, DEF_LINE, 0)])
        current = Document(URI, text, "python", i + 2)
        request = NextEditRequest(current, DEF_LINE, PARAMETER_AT + len(new), [*others, current])
        started = time.perf_counter()
        outcome = await engine.predict(request)
        if i >= WARM_UP:
            times.append(time.perf_counter() - started)
        assert getattr(outcome, "edits", None), outcome
    return times


# -- through the server -----------------------------------------------------------------------


def settings(url: str) -> dict[str, Any]:
    return {
        "endpoints": [url],
        "completion": {"debounce": {"minMs": 0, "maxMs": 0}},
        "nextEdit": {"model": ZETA},
    }


def rename(session: ServerSession, old: str, new: str) -> None:
    """Select the parameter ``old`` on the def line and type ``new`` (one change)."""
    session.versions[URI] += 1
    session.client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(
                uri=URI, version=session.versions[URI]
            ),
            content_changes=[
                types.TextDocumentContentChangePartial(
                    range=types.Range(
                        start=types.Position(line=DEF_LINE, character=PARAMETER_AT),
                        end=types.Position(line=DEF_LINE, character=PARAMETER_AT + len(old)),
                    ),
                    text=new,
                )
            ],
        )
    )


async def next_edit(session: ServerSession, character: int) -> Any:
    params = {
        "textDocument": {"uri": URI},
        "position": {"line": DEF_LINE, "character": character},
    }
    return await session.client.protocol.send_request_async("ollama/nextEdit", params)


async def beyond(fake: FakeOllama, elapsed: float, model: str) -> float:
    """``elapsed`` minus the emulator's time for the last generation of ``model`` (its record
    is closed just after the last byte, which the server may already have answered)."""
    for _ in range(1000):
        generations = fake.requests_to("/api/generate")
        last = [r for r in generations if r.model == model and r.body.get("prompt")][-1]
        if last.finished is not None:
            return elapsed - (last.finished - last.started)
        await asyncio.sleep(0.001)
    raise AssertionError(f"the emulator never finished the generation of {model}")


async def through_server(fake: FakeOllama, requests: int) -> tuple[list[float], list[float]]:
    """Per request, time beyond the emulator's own: next edits, and inline completions."""
    edits, completions = [], []
    async with ServerSession(settings(fake.url)) as session:
        for uri, text, line in other_documents():
            session.open(uri, text)
            if line is not None:
                session.insert(uri, line, 0, "x = 1\n")
        session.open(URI, document())
        name = "rate"
        for i in range(WARM_UP + requests):
            new = f"rate_{i}"
            rename(session, name, new)
            name = new
            started = time.perf_counter()
            result = await next_edit(session, PARAMETER_AT + len(new))
            edit = await beyond(fake, time.perf_counter() - started, ZETA)
            assert result is not None and result.edits[0].newText.endswith(str(i)), result
            started = time.perf_counter()
            suggestion = await session.inline(URI, DEF_LINE + 1, 4)
            completion = await beyond(fake, time.perf_counter() - started, COMPLETION)
            assert suggestion, suggestion
            if i >= WARM_UP:
                edits.append(edit)
                completions.append(completion)
    return edits, completions


def keystroke_times(count: int = 2000) -> list[float]:
    """Seconds to record one keystroke in the history of a 2,000-line document."""
    history = EditHistory()
    text = document()
    history.opened(URI, text)
    times = []
    at = text.index("    subtotal = sum(items)")
    for i in range(count):
        if i % 50 == 0:  # now and then elsewhere: a group closes into a diff
            line = (i * 37) % 1900
            where = sum(len(x) + 1 for x in text.split("\n")[:line])
            text = text[:where] + "#" + text[where:]
            history.changed(URI, text, [LineEdit(line, line, 0)])
            continue
        at += 1
        text = text[:at] + "a" + text[at:]
        started = time.perf_counter()
        history.changed(URI, text, [LineEdit(DEF_LINE + 1, DEF_LINE + 1, 0)])
        times.append(time.perf_counter() - started)
    return times


def completion_reply(request: Any) -> str:
    return f"value_{len(request.prompt) % 9973} = 1"


async def main(args: argparse.Namespace) -> None:
    work = await engine_times(args.requests)
    with FakeOllama() as fake:
        fake.configure(
            first_token_seconds=args.backend_ms / 1000, tokens_per_second=args.tokens_per_second
        )
        ollama.Client(host=fake.url).create(model=ZETA, from_=COMPLETION)
        fake.reply(completion_reply, fim=True)
        fake.add_rule(rewrite_region=rename_use)
        edits, completions = await through_server(fake, args.requests)
    keys = keystroke_times()

    w50, w99, _ = summary(work)
    e50, e99, _ = summary(edits)
    c50, c99, _ = summary(completions)
    k50, k99, _ = summary(keys)
    rows = [
        Row("server work per next edit, 50 docs open, p50", f"{w50:.2f} ms", "<= 3 ms", w50 <= 3),
        Row("server work per next edit p99", f"{w99:.2f} ms"),
        Row("beyond the model, through the server, p50 / p99", f"{e50:.2f} / {e99:.2f} ms"),
        Row("the same for an inline completion", f"{c50:.2f} / {c99:.2f} ms"),
        Row("next edit minus inline completion (p50)", f"{e50 - c50:.2f} ms"),
        Row("one keystroke into the history p50 / p99", f"{k50:.3f} / {k99:.3f} ms"),
    ]
    print_table(f"Next edit, {args.requests} requests", rows)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--backend-ms", type=float, default=100)
    parser.add_argument("--tokens-per-second", type=float, default=200)
    return parser.parse_args()


if __name__ == "__main__":
    asyncio.run(main(parse_args()))
