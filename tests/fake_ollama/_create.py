"""``/api/create`` from an existing model, optionally quantizing it (create.go)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator
from dataclasses import replace
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from ._catalog import ModelSpec
from ._decode import BadRequest, decode_body, model_field
from ._names import ModelName, parse_name
from ._state import FakeState, state_of
from ._streaming import StreamError, progress_response
from ._wire import error_response

__all__ = ["create", "quantization_level"]

# fs/ggml/type.go ParseFileType (>= v0.7.0), after strings.ToUpper.
_ACCEPTED = {
    "Q4_K_M": "Q4_K_M",
    "Q4_K": "Q4_K_M",
    "Q4_K_S": "Q4_K_S",
    "Q8_0": "Q8_0",
    "F16": "F16",
    "F32": "F32",
    "BF16": "BF16",
}
_QUANTIZABLE = ("F16", "BF16", "F32")


def quantization_level(value: str) -> str:
    """The level a ``quantize`` value names; raises ``StreamError`` with Ollama's text."""
    upper = value.upper()
    if upper not in _ACCEPTED:
        raise StreamError(
            f"unsupported quantization type {upper} - supported types are "
            "F32, F16, Q4_K_S, Q4_K_M, Q8_0"
        )
    return _ACCEPTED[upper]


async def _create_stream(
    state: FakeState, name: ModelName, source: ModelSpec, body: dict[str, Any]
) -> AsyncGenerator[dict[str, Any], None]:
    quantize = str(body.get("quantize") or body.get("quantization") or "")
    spec = replace(source, repo=name.model, tag=name.tag, digest="")
    # GUESS: which status Ollama sends first for `from`; the reference says quantization errors
    # arrive inside the stream, after a first progress line.
    yield {"status": "parsing GGUF"}
    if quantize:
        level = quantization_level(quantize)
        if source.quantization_level not in _QUANTIZABLE:
            raise StreamError("quantization is only supported for F16, BF16 and F32 models")
        spec = source.quantized(level, name.model, name.tag)
        total = source.layers[0].size
        done = 0
        status = f"quantizing {source.quantization_level} model to {level}"
        # HEAD reports quantization progress with this placeholder digest.
        yield {"status": status, "digest": "0000000000000000000", "total": total}
        while done < total:
            await asyncio.sleep(state.config.progress_interval)
            step = state.config.quantize_bytes_per_second * state.config.progress_interval
            done = min(total, done + int(step))
            yield {
                "status": status,
                "digest": "0000000000000000000",
                "total": total,
                "completed": done,
            }
        yield {"status": "verifying conversion"}
    overrides: dict[str, Any] = {}
    if body.get("system") is not None:
        overrides["system"] = str(body["system"])
    if isinstance(body.get("parameters"), dict):
        overrides["parameters"] = tuple(
            (str(k), str(item))
            for k, v in body["parameters"].items()
            for item in (v if isinstance(v, list) else [v])
        )
    spec = replace(spec, **overrides, digest="")
    source_digests = {layer.digest for layer in source.layers}
    for layer in spec.layers[:-1]:
        if layer.digest in source_digests:
            yield {"status": f"using existing layer {layer.digest}"}
        else:
            yield {"status": f"creating new layer {layer.digest}"}
    yield {"status": "writing manifest"}
    state.store.install(name, spec)
    yield {"status": "success"}


async def create(request: Request) -> Response:
    state = state_of(request)
    try:
        body = decode_body(
            await request.body(),
            "CreateRequest",
            {"model": str, "from": str, "quantize": str, "stream": bool},
        )
        name = parse_name(model_field(body))
        if name is None:
            raise BadRequest("invalid model name")
        source_text = str(body.get("from") or "")
        if not source_text and not body.get("files"):
            raise BadRequest("neither 'from' or 'files' was specified")
        if not source_text:
            raise BadRequest("the emulator only creates models from an existing model")
        source_name = parse_name(source_text)
        source = state.store.get(source_name) if source_name else None
        if source is None:
            # GUESS: Ollama would try to pull the base model; the emulator reports it missing.
            raise BadRequest(f"model '{source_text}' not found", 404)
    except BadRequest as error:
        return error_response(error.status, error.message)
    source_spec = replace(source.spec, parent_model="")
    return await progress_response(request, body, _create_stream(state, name, source_spec, body))
