"""The llama.cpp runner: a child process that loads one GGUF and generates for the emulator.

Ollama runs each model in a runner process of its own, so that a crash in llama.cpp (a signal,
an abort, the kernel's out-of-memory killer) ends that request with an error and not the server.
This is the emulator's runner: ``python -m tests.fake_ollama._llama_runner GGUF N_CTX``.

It speaks JSON lines. On its standard output, once loaded: ``{"ready": {"metadata": {...},
"n_params": N}}``; per generation, ``{"token": text}`` for each token (``text`` is what may be
shown after stop sequences, possibly ``""``) and then ``{"done": stats}``. On its standard input:
``{"generate": {"id": ..., ...}}`` and ``{"cancel": id}``. The protocol keeps a private copy of the
standard output; file descriptor 1 goes to standard error, so nothing llama.cpp prints can
corrupt it. A closed standard input (the emulator is gone) ends the runner.
"""

from __future__ import annotations

import codecs
import json
import os
import queue
import signal
import sys
import threading
import time
from collections.abc import Iterator
from typing import IO, Any

from ._generation import StopFilter

# llama.cpp's worker threads spin while they wait for each other; on a shared machine half the
# cores keeps generation from stalling behind other processes.
THREADS = max(1, (os.cpu_count() or 2) // 2)


def _load(path: str, n_ctx: int) -> Any:
    import llama_cpp

    return llama_cpp.Llama(
        model_path=path, n_ctx=n_ctx, n_threads=THREADS, n_batch=512, verbose=False
    )


def _sampling(options: dict[str, Any]) -> dict[str, Any]:
    return {
        "temp": float(options.get("temperature", 0.8)),
        "top_k": int(options.get("top_k", 40)),
        "top_p": float(options.get("top_p", 0.9)),
        "min_p": float(options.get("min_p", 0.0)),
        "repeat_penalty": float(options.get("repeat_penalty", 1.0)),
    }


class Runner:
    """One loaded model; generates one request at a time, stopping when told to."""

    def __init__(self, llama: Any, n_ctx: int, out: IO[str]) -> None:
        self.llama = llama
        self.n_ctx = n_ctx
        self.out = out
        self.cancelled: set[str] = set()  # ids; a cancel may arrive before its request starts

    def send(self, message: dict[str, Any]) -> None:
        self.out.write(json.dumps(message) + "\n")
        self.out.flush()

    def _tokens(self, text: str) -> list[int]:
        llama = self.llama
        bos = llama.detokenize([llama.token_bos()], special=True).decode()
        return list(llama.tokenize(text.encode(), add_bos=not text.startswith(bos), special=True))

    def generate(self, request: dict[str, Any]) -> None:
        """Evaluate the prompt (reusing the cached prefix), sample, report each token."""
        import llama_cpp

        llama = self.llama
        options: dict[str, Any] = request.get("options") or {}
        crash_after: int | None = request.get("crash_after")
        evaluated = [0]
        original_eval = llama.eval

        def counting_eval(tokens: list[int]) -> None:
            # Batch by batch, as Ollama's runner: a request cancelled while its prompt is
            # evaluated stops at the end of the batch, and what was evaluated stays cached.
            for start in range(0, len(tokens), llama.n_batch):
                if request["id"] in self.cancelled:
                    raise _Cancelled
                batch = tokens[start : start + llama.n_batch]
                evaluated[0] += len(batch)
                original_eval(batch)

        stats: dict[str, Any] = {"done_reason": "length"}
        seed = options.get("seed")
        if seed is not None and int(seed) >= 0:
            llama.set_seed(int(seed))
        limit = int(request.get("num_predict", -1))
        prompt = _truncated(self._tokens(str(request["prompt"])), self.n_ctx, limit)
        room = self.n_ctx - len(prompt) - 1
        # Ollama's runner stops at num_predict only when it is positive: 0 is no limit.
        limit = room if limit <= 0 else min(limit, room)
        decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        stops = StopFilter([str(s) for s in request.get("stop") or []])
        llama.eval = counting_eval
        started = time.perf_counter_ns()
        first: int | None = None
        produced = 0
        try:
            for token in _cancellable(llama.generate(prompt, reset=True, **_sampling(options))):
                if first is None:
                    first = time.perf_counter_ns()
                    stats["prompt_eval_count"] = evaluated[0]
                    stats["prompt_eval_duration"] = first - started
                if llama_cpp.llama_vocab_is_eog(llama._model.vocab, token):
                    stats["done_reason"] = "stop"
                    break
                if request["id"] in self.cancelled or produced >= limit:
                    break
                if crash_after is not None and produced >= crash_after:
                    os.kill(os.getpid(), signal.SIGSEGV)  # a test asked for a crash
                produced += 1
                self.send({"token": stops.feed(decoder.decode(llama.detokenize([token])))})
                if stops.stopped:
                    stats["done_reason"] = "stop"
                    break
            else:
                stats["done_reason"] = "stop"
        finally:
            llama.eval = original_eval
        if not stops.stopped and request["id"] not in self.cancelled:
            tail = stops.flush() + decoder.decode(b"", final=True)
            if tail:
                self.send({"token": tail})
        stats["eval_count"] = produced
        stats["eval_duration"] = time.perf_counter_ns() - (first or started)
        self.send({"done": stats})


class _Cancelled(Exception):
    """The request was cancelled while its prompt was evaluated."""


def _cancellable(tokens: Iterator[int]) -> Iterator[int]:
    """``tokens``, ending quietly when the prompt's evaluation was cancelled."""
    try:
        yield from tokens
    except _Cancelled:
        return


#: Tokens Ollama keeps at the start of a prompt it truncates (``num_keep``'s default).
NUM_KEEP = 4


def _truncated(prompt: list[int], n_ctx: int, num_predict: int) -> list[int]:
    """A prompt longer than the context cut as Ollama cuts it: the first ``NUM_KEEP`` tokens,
    then the end. GUESS: room is left for the generation (Ollama shifts the cache instead)."""
    room = min(num_predict if num_predict > 0 else 128, n_ctx // 4)
    if len(prompt) <= n_ctx - room:
        return prompt
    return prompt[:NUM_KEEP] + prompt[len(prompt) - (n_ctx - room - NUM_KEEP) :]


def _read_requests(
    stream: IO[str], runner: Runner, work: queue.Queue[dict[str, Any] | None]
) -> None:
    """Reader thread: generation requests go to the queue, a cancel takes effect at once."""
    for line in stream:
        message = json.loads(line)
        if "cancel" in message:
            runner.cancelled.add(message["cancel"])
        elif "generate" in message:
            work.put(message["generate"])
    work.put(None)


def _private_stdout() -> IO[str]:
    """The protocol's own copy of standard output; fd 1 then points at standard error."""
    protocol = os.fdopen(os.dup(1), "w", encoding="utf-8")
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    return protocol


def main(argv: list[str]) -> int:
    path, n_ctx = argv[0], int(argv[1])
    out = _private_stdout()
    llama = _load(path, n_ctx)
    runner = Runner(llama, n_ctx, out)
    metadata: dict[str, str] = dict(llama.metadata)
    runner.send({"ready": {"metadata": metadata, "n_params": int(llama._model.n_params())}})
    work: queue.Queue[dict[str, Any] | None] = queue.Queue()
    threading.Thread(target=_read_requests, args=(sys.stdin, runner, work), daemon=True).start()
    while (request := work.get()) is not None:
        runner.generate(request)
        runner.cancelled.discard(request["id"])
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
