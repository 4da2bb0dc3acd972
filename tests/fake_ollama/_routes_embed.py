"""``/api/embed`` and the legacy ``/api/embeddings``."""

from __future__ import annotations

import hashlib
import math
import time
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from ._decode import BadRequest, decode_body, keep_alive_of, model_field
from ._middleware import faults_of
from ._routes_generate import acquire_runner, lookup_model
from ._scheduler import LoadError
from ._scripted import tokenize
from ._state import state_of
from ._wire import error_response, json_response

__all__ = ["embed", "embeddings"]


def _embedding(text: str, dimensions: int) -> list[float]:
    """A bag-of-tokens vector, L2-normalised: texts sharing words have close embeddings."""
    vector = [0.0] * dimensions
    for token in tokenize(text.lower()):
        digest = hashlib.sha256(token.strip().encode()).digest()
        for i in range(0, 16, 4):
            index = int.from_bytes(digest[i : i + 3], "big") % dimensions
            vector[index] += 1.0 if digest[i + 3] & 1 else -1.0
    norm = math.sqrt(sum(v * v for v in vector)) or 1.0
    return [v / norm for v in vector]


async def _embed_vectors(
    request: Request, body: dict[str, Any], texts: list[str]
) -> tuple[list[list[float]], dict[str, Any]] | Response:
    state = state_of(request)
    try:
        installed = lookup_model(state, model_field(body), missing_status=400)
        keep_alive = keep_alive_of(body)
    except BadRequest as error:
        return error_response(error.status, error.message)
    total_start = time.perf_counter_ns()
    if not texts:
        return [], {}
    try:
        loaded, load_ns = await acquire_runner(state, installed, body, faults_of(request))
    except LoadError as error:
        return error_response(error.status, error.message)
    try:
        spec = installed.spec
        counts = [len(tokenize(t)) + 1 for t in texts]
        if body.get("truncate") is False and max(counts) > spec.context_length:
            return error_response(400, "the input length exceeds the context length")
        dimensions = int(body.get("dimensions") or spec.embedding_length)
        vectors = [_embedding(t, dimensions) for t in texts]
    finally:
        state.scheduler.release(loaded, keep_alive)
    metrics = {
        "total_duration": time.perf_counter_ns() - total_start,
        "load_duration": load_ns,
        "prompt_eval_count": sum(counts),
    }
    return vectors, metrics


async def embed(request: Request) -> Response:
    try:
        body = decode_body(await request.body(), "EmbedRequest", {"model": str})
    except BadRequest as error:
        return error_response(error.status, error.message)
    value = body.get("input")
    if value is None or value == "":
        texts: list[str] = []
    elif isinstance(value, str):
        texts = [value]
    elif isinstance(value, list) and all(isinstance(v, str) for v in value):
        texts = list(value)
    else:
        return error_response(400, "invalid input type")
    result = await _embed_vectors(request, body, texts)
    if isinstance(result, Response):
        return result
    vectors, metrics = result
    return json_response({"model": model_field(body), "embeddings": vectors, **metrics})


async def embeddings(request: Request) -> Response:
    """The legacy endpoint: ``{model, prompt}`` → ``{"embedding": [...]}``."""
    try:
        body = decode_body(await request.body(), "EmbeddingRequest", {"model": str, "prompt": str})
    except BadRequest as error:
        return error_response(error.status, error.message)
    prompt = str(body.get("prompt") or "")
    result = await _embed_vectors(request, body, [prompt] if prompt else [])
    if isinstance(result, Response):
        return result
    vectors, _ = result
    return json_response({"embedding": vectors[0] if vectors else []})
