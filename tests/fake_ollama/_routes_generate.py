"""``/api/generate``, ``/api/chat``, ``/api/embed`` and ``/api/embeddings``."""

from __future__ import annotations

import contextlib
import hashlib
import time
from collections.abc import AsyncGenerator, Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from ._decode import BadRequest, check_options, decode_body, keep_alive_of, model_field
from ._faults import Fault
from ._fim import parse_fim
from ._generation import EngineCrashed, GenerationRequest, GenerationStats
from ._middleware import faults_of, record_of
from ._names import parse_name
from ._recording import Counters, RecordedRequest
from ._scheduler import LoadedModel, LoadError
from ._scripted import tokenize
from ._state import FakeState, state_of
from ._store import InstalledModel
from ._streaming import NdjsonResponse, StreamError, run_watching
from ._wire import error_response, json_response, rfc3339

__all__ = ["acquire_runner", "chat", "generate", "lookup_model"]

_GENERATE_SCHEMA: dict[str, type | tuple[type, ...]] = {
    "model": str,
    "prompt": str,
    "suffix": str,
    "system": str,
    "template": str,
    "raw": bool,
    "stream": bool,
    "options": dict,
    "context": list,
    "images": list,
}
_CHAT_SCHEMA: dict[str, type | tuple[type, ...]] = {
    "model": str,
    "messages": list,
    "stream": bool,
    "options": dict,
    "tools": list,
}


def _metrics(total_start: int, load_ns: int, stats: GenerationStats) -> dict[str, Any]:
    values = {
        "total_duration": time.perf_counter_ns() - total_start,
        "load_duration": load_ns,
        "prompt_eval_count": stats.prompt_eval_count,
        "prompt_eval_duration": stats.prompt_eval_duration,
        "eval_count": stats.eval_count,
        "eval_duration": stats.eval_duration,
    }
    return {k: v for k, v in values.items() if v}  # omitempty


def lookup_model(state: FakeState, text: str, *, missing_status: int) -> InstalledModel:
    if not text:
        if missing_status == 404:
            raise BadRequest("model '' not found", 404)
        raise BadRequest("model is required")
    name = parse_name(text)
    if name is None:
        raise BadRequest("invalid model name")
    installed = state.store.get(name)
    if installed is None:
        raise BadRequest(f"model '{text}' not found", 404)
    return installed


def _context_ids(text: str) -> list[int]:
    """Stand-in token ids for the deprecated ``context`` field."""
    return [int.from_bytes(hashlib.sha256(t.encode()).digest()[:2], "big") for t in tokenize(text)]


async def acquire_runner(
    state: FakeState, installed: InstalledModel, body: dict[str, Any], faults: list[Fault]
) -> tuple[LoadedModel, int]:
    options = body.get("options") or {}
    num_ctx = options.get("num_ctx")
    force_oom = any(f.kind == "oom" for f in faults)
    return await state.scheduler.acquire(
        installed, int(num_ctx) if num_ctx else None, force_oom=force_oom
    )


async def _load_only(
    request: Request, installed: InstalledModel, body: dict[str, Any], chat: bool
) -> Response:
    """An empty prompt loads the model; with keep_alive 0 it unloads it, before scheduling
    (so without loading it first). The answer is one JSON object even when streaming."""
    state = state_of(request)
    name = model_field(body)
    keep_alive = keep_alive_of(body)
    if keep_alive is not None and keep_alive <= 0:
        state.scheduler.unload(installed.name.key)
        return json_response(_load_body(name, chat, "unload"))
    try:
        loaded, _ = await acquire_runner(state, installed, body, faults_of(request))
    except LoadError as error:
        return error_response(error.status, error.message)
    state.scheduler.release(loaded, keep_alive)
    return json_response(_load_body(name, chat, "load"))


def _load_body(name: str, chat: bool, reason: str) -> dict[str, Any]:
    body: dict[str, Any] = {"model": name, "created_at": rfc3339()}
    if chat:
        body["message"] = {"role": "assistant", "content": ""}
    else:
        body["response"] = ""
    body.update({"done": True, "done_reason": reason})
    return body


def _record_prompt(record: RecordedRequest, generation: GenerationRequest) -> None:
    record.prompt = generation.prompt
    if generation.fim is not None:
        record.fim_layout = generation.fim.layout
        record.fim_prefix = generation.fim.prefix
        record.fim_suffix = generation.fim.suffix


def _token_counter(counters: Counters, record: RecordedRequest) -> Callable[[], bool]:
    """Counts produced tokens, and those produced after the client left (should stay 0)."""

    def on_token() -> bool:
        counters.tokens_generated += 1
        record.tokens_generated += 1
        if record.disconnected:
            counters.tokens_after_disconnect += 1
        return not record.disconnected

    return on_token


async def _run(
    request: Request,
    body: dict[str, Any],
    installed: InstalledModel,
    generation: GenerationRequest,
    chat: bool,
) -> Response:
    """Schedule, generate, and answer as a stream or one object.

    Everything happens inside the response's source, so a client that leaves while the model
    loads or waits for its slot is noticed; errors before the first line keep their status.
    """
    state = state_of(request)
    record = record_of(request)
    faults = faults_of(request)
    keep_alive = keep_alive_of(body)
    name = model_field(body)
    total_start = time.perf_counter_ns()
    counters = state.counters()
    _record_prompt(record, generation)
    generation.on_token = _token_counter(counters, record)
    generation.crash_after = next((f.after_chunks for f in faults if f.kind == "crash"), None)

    def chunk(piece: str) -> dict[str, Any]:
        content: dict[str, Any] = (
            {"message": {"role": "assistant", "content": piece}} if chat else {"response": piece}
        )
        return {"model": name, "created_at": rfc3339(), **content, "done": False}

    async def produce(load_ns: int) -> AsyncGenerator[dict[str, Any], None]:
        running = state.engine_for(installed.name.display).start(generation)
        counters.generations_started += 1
        produced: list[str] = []
        finished = False
        try:
            async for piece in running.pieces():
                produced.append(piece)
                yield chunk(piece)
            finished = True
            counters.generations_completed += 1
        except EngineCrashed as crash:
            # Ollama drops a runner that died; the next request loads the model again.
            state.scheduler.unload(installed.name.key)
            raise StreamError(crash.message, 500) from None
        finally:
            if not finished:
                counters.generations_cancelled += 1
        out = chunk("")
        out.update(done=True, done_reason=running.stats.done_reason)
        if not chat and not generation.raw:
            out["context"] = _context_ids(generation.prompt + "".join(produced))
        record.metrics = _metrics(total_start, load_ns, running.stats)
        out.update(record.metrics)
        yield out

    async def stream() -> AsyncGenerator[dict[str, Any], None]:
        try:
            loaded, load_ns = await acquire_runner(state, installed, body, faults)
        except LoadError as error:
            raise StreamError(error.message, error.status) from None
        try:
            async with loaded.slots:  # OLLAMA_NUM_PARALLEL generations per runner
                slot = loaded.claim(["<s>", *tokenize(generation.prompt)])
                generation.cache = loaded.caches[slot]
                try:
                    async with contextlib.aclosing(produce(load_ns)) as items:
                        async for item in items:
                            yield item
                finally:
                    loaded.busy.discard(slot)
        finally:
            state.scheduler.release(loaded, keep_alive)

    if body.get("stream", True) is not False:
        return NdjsonResponse(stream(), record, faults)

    async def aggregate() -> dict[str, Any] | StreamError:
        pieces: list[str] = []
        try:
            async with contextlib.aclosing(stream()) as items:
                async for item in items:
                    if not item["done"]:
                        pieces.append(item["message"]["content"] if chat else item["response"])
                        continue
                    if chat:
                        item["message"]["content"] = "".join(pieces)
                    else:
                        item["response"] = "".join(pieces)
                    return item
        except StreamError as error:
            return error
        raise AssertionError("stream ended without a final chunk")

    result = await run_watching(request.receive, record, aggregate())
    if result is None:
        return Response(status_code=499)  # the client is gone; nobody reads this
    if isinstance(result, StreamError):
        return error_response(result.status, result.message)
    for fault in faults:
        if fault.kind == "error_line":
            return error_response(500, fault.message)
    return json_response(result)


async def generate(request: Request) -> Response:
    state = state_of(request)
    try:
        body = decode_body(await request.body(), "GenerateRequest", _GENERATE_SCHEMA)
        keep_alive_of(body)  # validated up front: a bad value is a 400
        name = model_field(body)
        installed = lookup_model(state, name, missing_status=404)
        if body.get("raw") and (body.get("template") or body.get("system") or body.get("context")):
            raise BadRequest("raw mode does not support template, system, or context")
        top = body.get("top_logprobs")
        if top is not None and not (0 <= int(top) <= 20):
            raise BadRequest("top_logprobs must be between 0 and 20")
        spec = installed.spec
        if "completion" not in spec.capabilities:
            raise BadRequest(f'"{name}" does not support generate')
        prompt = str(body.get("prompt") or "")
        suffix = str(body.get("suffix") or "")
        if suffix and "insert" not in spec.capabilities:
            raise BadRequest(f"{installed.name.full} does not support insert")
        if body.get("think") and "thinking" not in spec.capabilities:
            raise BadRequest(f'"{name}" does not support thinking')
        options = check_options(body.get("options"))
    except BadRequest as error:
        return error_response(error.status, error.message)
    if not prompt and not suffix:
        return await _load_only(request, installed, body, chat=False)
    system = body.get("system") or spec.system or None
    raw = bool(body.get("raw"))
    rendered = prompt if raw else spec.template.render_generate(prompt, suffix, system)
    generation = GenerationRequest(
        endpoint="generate",
        model=name,
        spec=spec,
        prompt=rendered,
        raw=raw,
        user_prompt=prompt,
        suffix=suffix,
        system=system,
        options=options,
        fim=parse_fim(rendered),
    )
    return await _run(request, body, installed, generation, chat=False)


async def chat(request: Request) -> Response:
    state = state_of(request)
    try:
        body = decode_body(await request.body(), "ChatRequest", _CHAT_SCHEMA)
        keep_alive_of(body)  # validated up front: a bad value is a 400
        name = model_field(body)
        installed = lookup_model(state, name, missing_status=400)
        spec = installed.spec
        if "completion" not in spec.capabilities:
            raise BadRequest(f'"{name}" does not support chat')
        if body.get("tools") and "tools" not in spec.capabilities:
            raise BadRequest(f"{installed.name.full} does not support tools")
        if body.get("think") and "thinking" not in spec.capabilities:
            raise BadRequest(f'"{name}" does not support thinking')
        messages = [_message(m) for m in body.get("messages") or []]
        options = check_options(body.get("options"))
    except BadRequest as error:
        return error_response(error.status, error.message)
    if not messages:
        return await _load_only(request, installed, body, chat=True)
    if spec.system and not any(m["role"] == "system" for m in messages):
        messages.insert(0, {"role": "system", "content": spec.system})
    rendered = spec.template.render_chat(messages)
    generation = GenerationRequest(
        endpoint="chat",
        model=name,
        spec=spec,
        prompt=rendered,
        messages=messages,
        system=next((m["content"] for m in messages if m["role"] == "system"), None),
        options=options,
        fim=parse_fim(rendered),
    )
    return await _run(request, body, installed, generation, chat=True)


def _message(value: object) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise BadRequest("json: cannot unmarshal string into Go struct field of type api.Message")
    return {
        **value,
        "role": str(value.get("role", "")).lower(),
        "content": value.get("content") or "",
    }
