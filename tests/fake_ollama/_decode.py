"""Request decoding with the errors Go's ``ShouldBindJSON`` produces."""

from __future__ import annotations

import json
from typing import Any

from ._durations import DurationError, parse_keep_alive

__all__ = ["BadRequest", "check_options", "decode_body", "keep_alive_of", "model_field"]

_JSON_TYPES = {
    dict: "object",
    list: "array",
    str: "string",
    bool: "bool",
    int: "number",
    float: "number",
    type(None): "null",
}


class BadRequest(Exception):
    """Answer ``status`` with ``{"error": message}``."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


def _syntax_error(text: str, error: json.JSONDecodeError) -> str:
    if error.pos >= len(text.rstrip()):
        return "unexpected EOF"
    char = text[error.pos]
    if not text[: error.pos].strip():
        return f"invalid character '{char}' looking for beginning of value"
    if "property name" in error.msg:
        return f"invalid character '{char}' looking for beginning of object key string"
    if "delimiter" in error.msg:
        return f"invalid character '{char}' after object key:value pair"
    return f"invalid character '{char}' looking for beginning of value"


def decode_body(
    raw: bytes, go_type: str, schema: dict[str, type | tuple[type, ...]]
) -> dict[str, Any]:
    """Parse a JSON object body; ``schema`` maps field names to the Python types Go accepts."""
    if not raw.strip():
        raise BadRequest("missing request body")
    text = raw.decode("utf-8", "replace")
    try:
        body = json.loads(text)
    except json.JSONDecodeError as error:
        raise BadRequest(_syntax_error(text, error)) from None
    if not isinstance(body, dict):
        kind = _JSON_TYPES.get(type(body), "value")
        raise BadRequest(f"json: cannot unmarshal {kind} into Go value of type api.{go_type}")
    for name, expected in schema.items():
        value = body.get(name)
        if value is None:
            continue
        ok = isinstance(value, expected) and not (
            isinstance(value, bool) and bool not in _as_tuple(expected)
        )
        if not ok:
            kind = _JSON_TYPES.get(type(value), "value")
            wanted = _go_name(expected)
            raise BadRequest(
                f"json: cannot unmarshal {kind} into Go struct field {go_type}.{name} "
                f"of type {wanted}"
            )
    return body


def _as_tuple(expected: type | tuple[type, ...]) -> tuple[type, ...]:
    return expected if isinstance(expected, tuple) else (expected,)


def _go_name(expected: type | tuple[type, ...]) -> str:
    first = _as_tuple(expected)[0]
    return {
        str: "string",
        bool: "bool",
        int: "int",
        list: "[]",
        dict: "map[string]interface {}",
    }.get(first, "interface {}")


def model_field(body: dict[str, Any]) -> str:
    """``model``, or the deprecated ``name``."""
    return str(body.get("model") or body.get("name") or "")


def keep_alive_of(body: dict[str, Any]) -> float | None:
    try:
        return parse_keep_alive(body.get("keep_alive"))
    except DurationError as error:
        raise BadRequest(str(error)) from None


_INT_OPTIONS = (
    "num_ctx",
    "num_batch",
    "num_gpu",
    "main_gpu",
    "num_thread",
    "num_keep",
    "seed",
    "num_predict",
    "top_k",
    "repeat_last_n",
)
_FLOAT_OPTIONS = (
    "top_p",
    "min_p",
    "typical_p",
    "temperature",
    "repeat_penalty",
    "presence_penalty",
    "frequency_penalty",
)


def check_options(options: object) -> dict[str, Any]:
    """``Options.FromMap``: numbers where numbers go, ``stop`` an array of strings; unknown keys
    are ignored. GUESS (reference: inferred): a type error answers 500."""
    if options is None:
        return {}
    if not isinstance(options, dict):
        raise BadRequest("json: cannot unmarshal into Go struct field of type map[string]any")
    for key, value in options.items():
        if value is None:
            continue
        number = isinstance(value, int | float) and not isinstance(value, bool)
        if key in _INT_OPTIONS and not number:
            raise BadRequest(f'option "{key}" must be of type integer', 500)
        if key in _FLOAT_OPTIONS and not number:
            raise BadRequest(f'option "{key}" must be of type float32', 500)
        if key == "stop" and not (
            isinstance(value, list) and all(isinstance(v, str) for v in value)
        ):
            raise BadRequest(f'option "{key}" must be of type array', 500)
    return dict(options)
