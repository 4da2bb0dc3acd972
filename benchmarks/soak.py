"""Soak: ten editors' worth of typing against an Ollama that fails at random, for minutes.

``python -m benchmarks.soak [--minutes 10] [--seed 1]``

The server runs as a subprocess over stdio, as an editor starts it; the emulator runs in this
process. Ten documents are typed into at once (a character every 40-200 ms, each keystroke a
``didChange`` and an automatic inline request; now and then a manual request, the completion
fallback, a chat question, ``ollama.status`` or ``ollama.listModels``), while a fault is armed
at random every second or two: error statuses, a full queue, delays, stalled and cut streams,
malformed and error lines, a crashing runner, refused and dropped connections. Counted:
requests, answers, JSON-RPC errors (an answer too: the user is told), requests never answered
(30 s), whether the server process is still alive at the end, p50/p99 answer time, the server's
RSS at the start and the end.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import time
from collections.abc import Awaitable, Sequence
from dataclasses import dataclass, field
from typing import Any

import psutil
from lsprotocol import types
from pygls.exceptions import JsonRpcException

from benchmarks._harness import Row, ServerSession, percentile, print_table
from tests.fake_ollama import FakeOllama

MODEL = "qwen2.5-coder:1.5b-base"
CHAT_MODEL = "codellama:7b-instruct"
DOCUMENTS = 10
UNANSWERED_AFTER = 30.0
FAULTS: Sequence[tuple[str, dict[str, Any]]] = (
    ("status", {"status": 500}),
    ("status", {"status": 503}),
    ("delay", {"seconds": 1.5}),
    ("stall", {"after_chunks": 2, "seconds": 3.0}),
    ("cut", {"after_chunks": 2}),
    ("malformed", {"after_chunks": 1}),
    ("error_line", {"after_chunks": 1}),
    ("crash", {"after_chunks": 1}),
    ("oom", {}),
)


@dataclass
class Tally:
    sent: int = 0
    answered: int = 0
    errors: int = 0
    unanswered: int = 0
    seconds: list[float] = field(default_factory=list)


def reply(request: Any) -> str:
    """A different, plausible suggestion for each prompt."""
    return f"value_{len(request.prompt) % 997} = compute(a, b)\n    return value"


async def timed(tally: Tally, call: Awaitable[Any]) -> None:
    tally.sent += 1
    started = time.perf_counter()
    try:
        await asyncio.wait_for(call, UNANSWERED_AFTER)
    except TimeoutError:
        tally.unanswered += 1
        return
    except JsonRpcException:
        tally.errors += 1
    tally.answered += 1
    tally.seconds.append(time.perf_counter() - started)


def inline_params(uri: str, line: int, column: int, invoked: bool) -> types.InlineCompletionParams:
    kind = types.InlineCompletionTriggerKind
    return types.InlineCompletionParams(
        text_document=types.TextDocumentIdentifier(uri=uri),
        position=types.Position(line=line, character=column),
        context=types.InlineCompletionContext(
            trigger_kind=kind.Invoked if invoked else kind.Automatic
        ),
    )


async def editor(
    session: ServerSession, index: int, until: float, tally: Tally, rng: random.Random
) -> None:
    """Type into one document: keystrokes with requests, and now and then something else."""
    uri = f"file:///soak/src/module_{index}.py"
    lines = [f'"""Module {index}."""', "", "def compute(a, b):", "    "]
    session.open(uri, "\n".join(lines))
    client = session.client
    pending: set[asyncio.Task[None]] = set()

    def send(call: Awaitable[Any]) -> None:
        task = asyncio.ensure_future(timed(tally, call))
        pending.add(task)
        task.add_done_callback(pending.discard)

    while time.monotonic() < until:
        line = len(lines) - 1
        char = rng.choice("abcdefghij_ =+()") if rng.random() > 0.08 else "\n"
        if char == "\n":
            session.insert(uri, line, len(lines[line]), "\n    ")
            lines.append("    ")
        else:
            session.insert(uri, line, len(lines[line]), char)
            lines[line] += char
        line = len(lines) - 1
        roll = rng.random()
        if roll < 0.80:
            send(client.text_document_inline_completion_async(
                inline_params(uri, line, len(lines[line]), invoked=roll < 0.05)))  # fmt: skip
        elif roll < 0.86:
            send(client.text_document_completion_async(types.CompletionParams(
                text_document=types.TextDocumentIdentifier(uri=uri),
                position=types.Position(line=line, character=len(lines[line])))))  # fmt: skip
        elif roll < 0.88:
            send(client.workspace_execute_command_async(types.ExecuteCommandParams(
                command="ollama.chat",
                arguments=[{"message": "Explain compute", "includeDocument": uri,
                            "model": CHAT_MODEL}])))  # fmt: skip
        elif roll < 0.92:
            command = rng.choice(["ollama.status", "ollama.listModels", "ollama.runningModels"])
            send(client.workspace_execute_command_async(
                types.ExecuteCommandParams(command=command, arguments=[])))  # fmt: skip
        await asyncio.sleep(rng.uniform(0.04, 0.2))
    if pending:
        await asyncio.gather(*pending)


async def chaos(fake: FakeOllama, until: float, rng: random.Random) -> int:
    """Arm a random fault every second or two; sometimes refuse or drop connections."""
    armed = 0
    while time.monotonic() < until:
        await asyncio.sleep(rng.uniform(1.0, 2.0))
        roll = rng.random()
        if roll < 0.08:
            fake.refuse_connections(seconds=1.0)
        elif roll < 0.15:
            fake.drop_connections(count=2)
        else:
            kind, fields = rng.choice(FAULTS)
            fake.add_fault(kind, times=rng.randint(1, 3), **fields)
        armed += 1
    fake.clear_faults()
    fake.accept_connections()
    return armed


async def main(args: argparse.Namespace) -> bool:
    rng = random.Random(args.seed)
    with FakeOllama() as fake:
        fake.configure(first_token_seconds=0.03, tokens_per_second=400)
        fake.reply(reply)
        settings = {
            "endpoints": [fake.url],
            "completion": {"model": MODEL},
            "chat": {"model": CHAT_MODEL},
            "timeouts": {"read": 10, "firstToken": 10},
        }
        async with ServerSession(settings) as session:
            process = psutil.Process(session.pid)
            rss_start = process.memory_info().rss
            until = time.monotonic() + args.minutes * 60
            tally = Tally()
            results = await asyncio.gather(
                chaos(fake, until, rng),
                *(editor(session, i, until, tally, random.Random(rng.random()))
                  for i in range(DOCUMENTS)),
            )  # fmt: skip
            alive = process.is_running() and process.status() != psutil.STATUS_ZOMBIE
            rss_end = process.memory_info().rss if alive else 0
            crashes = 0 if alive else 1
            shown_internal = sum("internal error" in m for m in session.messages)
    seconds = tally.seconds or [0.0]
    rows = [
        Row("requests sent / answered", f"{tally.sent} / {tally.answered}"),
        Row("of which JSON-RPC errors (told to the user)", str(tally.errors)),
        Row("faults armed", str(results[0])),
        Row("server crashes", str(crashes), "0", crashes == 0),
        Row("requests never answered (30 s)", str(tally.unanswered), "0", tally.unanswered == 0),
        Row("'internal error' messages shown", str(shown_internal), "0", shown_internal == 0),
        Row(
            "answer time p50 / p99",
            f"{percentile(seconds, 50) * 1000:.0f} ms / {percentile(seconds, 99) * 1000:.0f} ms",
        ),
        Row("server RSS start / end", f"{rss_start / 2**20:.0f} MiB / {rss_end / 2**20:.0f} MiB"),
    ]
    print_table(f"Soak, {args.minutes:g} min, {DOCUMENTS} documents, random faults", rows)
    return crashes == 0 and tally.unanswered == 0 and shown_internal == 0


def parse(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.soak", description=__doc__)
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--seed", type=int, default=1)
    return parser.parse_args(argv)


if __name__ == "__main__":
    raise SystemExit(0 if asyncio.run(main(parse())) else 1)
