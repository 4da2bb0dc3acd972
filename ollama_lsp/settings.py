"""Typed settings, read leniently: a bad value is reported and replaced by its default.

Settings arrive as JSON (camelCase keys): in the server from ``initializationOptions``,
``workspace/configuration`` (section ``ollama``) and ``workspace/didChangeConfiguration``; in
the command line from a JSON file and flags. :func:`parse_settings` never raises: each bad key
becomes a :class:`SettingProblem` naming the key, what was wrong and the default used instead,
so the user is told once.
"""

from __future__ import annotations

import json
import os
import re
import types
from collections.abc import Mapping
from typing import Any, Literal, Union, get_args, get_origin

import attrs

from ollama_lsp.models import Role
from ollama_lsp.ollama import APIS, Api, ClientSettings, redact

__all__ = [
    "ChatSettings",
    "CompletionSettings",
    "DebounceSettings",
    "Endpoint",
    "MemorySettings",
    "NextEditSettings",
    "SettingProblem",
    "Settings",
    "TimeoutSettings",
    "TlsSettings",
    "merge_raw",
    "parse_settings",
]

LogLevel = Literal["error", "warning", "info", "debug"]
Multiline = Literal["auto", "always", "never"]


class _Invalid(ValueError):
    """A value that cannot be used; the message says what was expected."""


def _positive(_: object, attribute: attrs.Attribute[Any], value: float) -> None:
    if value <= 0:
        raise _Invalid("expected a number greater than 0")


def _at_most(limit: float) -> Any:
    def check(_: object, attribute: attrs.Attribute[Any], value: float) -> None:
        if value > limit:
            raise _Invalid(f"expected a number of at most {limit:g}")

    return check


def _at_least(limit: float) -> Any:
    def check(_: object, attribute: attrs.Attribute[Any], value: float) -> None:
        if value < limit:
            raise _Invalid(f"expected a number of at least {limit:g}")

    return check


_non_negative = _at_least(0)


@attrs.frozen
class Endpoint:
    """An endpoint that names its API: ``{"url": "http://gpu:8000/v1", "api": "openai"}``
    (a plain URL string is an Ollama endpoint)."""

    url: str
    api: Api = "ollama"

    @classmethod
    def from_json(cls, value: Any) -> Endpoint:
        if not isinstance(value, Mapping) or not isinstance(value.get("url"), str):
            raise _Invalid('expected a URL, or an object {"url": ..., "api": "openai"}')
        api = value.get("api", "ollama")
        if api not in APIS:
            raise _Invalid(f"{api!r} is not an API: " + " or ".join(f'"{a}"' for a in APIS))
        return cls(value["url"], api)


def _url_of(endpoint: str | Endpoint) -> str:
    return endpoint.url if isinstance(endpoint, Endpoint) else endpoint


def _url_list(
    _: object, attribute: attrs.Attribute[Any], value: tuple[str | Endpoint, ...]
) -> None:
    for url in map(_url_of, value):
        if not re.fullmatch(r"(https?://)?(\[[0-9a-fA-F:.]+\]|[\w.\-]*)(:\d+)?(/\S*)?", url):
            raise _Invalid(f"{url!r} is not a host or URL such as http://127.0.0.1:11434")


def _readable_file(_: object, attribute: attrs.Attribute[Any], value: str | None) -> None:
    if value is not None and not os.access(os.path.expanduser(value), os.R_OK):
        why = (
            "does not exist" if not os.path.exists(os.path.expanduser(value)) else "cannot be read"
        )
        raise _Invalid(f"{value!r} {why}")


def _duration(_: object, attribute: attrs.Attribute[Any], value: str | int) -> None:
    if isinstance(value, str) and not re.fullmatch(r"-?(\d+(\.\d+)?(ns|us|µs|ms|s|m|h))+|0", value):
        raise _Invalid(f'{value!r} is not a duration such as "30m", "1h" or -1 (forever)')


@attrs.frozen
class DebounceSettings:
    """Bounds for the adaptive debounce, in milliseconds."""

    min_ms: int = attrs.field(default=25, validator=[_non_negative, _at_most(2000)])
    max_ms: int = attrs.field(default=250, validator=[_non_negative, _at_most(5000)])

    def __attrs_post_init__(self) -> None:
        if self.min_ms > self.max_ms:
            raise _Invalid("minMs must not exceed maxMs")


@attrs.frozen
class CompletionSettings:
    """Inline completion: which model, how much context, how long to wait."""

    enabled: bool = True
    model: str = "qwen2.5-coder:1.5b-base"
    num_ctx: int = attrs.field(default=4096, validator=[_positive, _at_most(1_048_576)])
    max_tokens: int = attrs.field(default=128, validator=[_positive, _at_most(4096)])
    temperature: float = attrs.field(default=0.2, validator=[_non_negative, _at_most(2)])
    multiline: Multiline = "auto"
    debounce: DebounceSettings = DebounceSettings()
    languages: tuple[str, ...] = ("*",)
    disabled_languages: tuple[str, ...] = ("plaintext", "markdown", "scminput")
    exclude: tuple[str, ...] = ()
    cache_size: int = attrs.field(default=256, validator=[_positive, _at_most(100_000)])
    context_files: int = attrs.field(default=5, validator=[_non_negative, _at_most(50)])
    latency_budget_ms: int = attrs.field(default=1000, validator=[_at_least(100), _at_most(60_000)])
    """When a suggestion should be shown: a prompt with nothing in the model's cache is cut to
    what the model evaluates in this time (its speeds are learned from Ollama's counters)."""


@attrs.frozen
class ChatSettings:
    """Chat: which model answers, with how much context."""

    model: str = "qwen2.5-coder:1.5b-instruct"
    num_ctx: int = attrs.field(default=4096, validator=[_positive, _at_most(1_048_576)])


@attrs.frozen
class NextEditSettings:
    """Next-edit suggestions: off until a model is named (an edit model such as Zeta or
    Instinct, or any chat model)."""

    model: str = ""
    num_ctx: int = attrs.field(default=4096, validator=[_positive, _at_most(1_048_576)])
    max_tokens: int = attrs.field(default=384, validator=[_positive, _at_most(4096)])
    temperature: float = attrs.field(default=0.0, validator=[_non_negative, _at_most(2)])


@attrs.frozen
class MemorySettings:
    """Memory management: fit checks, idle unloads and the memory-pressure policy (seconds)."""

    check_fit: bool = True
    idle_unload_seconds: float = attrs.field(default=900.0, validator=[_non_negative])
    """Unload the completion model (``keep_alive: 0``) after this long without typing; 0: never."""
    unload_chat_when_tight: bool = True
    unload_on_shutdown: bool = False
    monitor: bool = True
    sample_seconds: float = attrs.field(default=5.0, validator=[_at_least(0.1), _at_most(600)])
    cooldown_seconds: float = attrs.field(default=30.0, validator=[_non_negative])
    restore_after_seconds: float = attrs.field(default=120.0, validator=[_non_negative])
    min_idle_seconds: float = attrs.field(default=60.0, validator=[_non_negative])
    num_ctx_floor: int = attrs.field(default=1024, validator=[_at_least(256)])


@attrs.frozen
class TlsSettings:
    """How to trust an HTTPS endpoint."""

    verify: bool = True
    ca_bundle: str | None = attrs.field(default=None, validator=_readable_file)


@attrs.frozen
class TimeoutSettings:
    """Network timeouts, in seconds."""

    connect: float = attrs.field(default=5.0, validator=[_positive, _at_most(600)])
    read: float = attrs.field(default=120.0, validator=[_positive, _at_most(3600)])
    first_token: float = attrs.field(default=60.0, validator=[_positive, _at_most(3600)])
    completion_stall: float = attrs.field(default=5.0, validator=[_positive, _at_most(600)])
    """A completion whose answer has begun and then sends nothing this long is closed."""


@attrs.frozen
class Settings:
    """Everything a user can configure, with the defaults used when a key is missing or bad.

    An empty ``endpoints`` means "from ``OLLAMA_HOST``, else http://127.0.0.1:11434"; a string
    is an Ollama endpoint, an :class:`Endpoint` may speak the OpenAI-compatible API.
    """

    endpoints: tuple[str | Endpoint, ...] = attrs.field(default=(), validator=_url_list)
    api_key: str | None = None
    headers: Mapping[str, str] = attrs.field(factory=dict)
    keep_alive: str | int = attrs.field(default="30m", validator=_duration)
    log_level: LogLevel = "info"
    completion: CompletionSettings = CompletionSettings()
    chat: ChatSettings = ChatSettings()
    next_edit: NextEditSettings = NextEditSettings()
    memory: MemorySettings = MemorySettings()
    tls: TlsSettings = TlsSettings()
    timeouts: TimeoutSettings = TimeoutSettings()
    allow_insecure_auth: bool = False
    """Send the API key and secret headers over plain HTTP to another machine too."""

    def model_for(self, role: Role) -> str:
        """The model configured for ``role`` (``""``: next edit is off)."""
        return getattr(self, _ROLE_FIELDS[role]).model  # type: ignore[no-any-return]

    def with_model(self, role: Role, model: str) -> Settings:
        """These settings with ``model`` as the model for ``role``."""
        name = _ROLE_FIELDS[role]
        return attrs.evolve(self, **{name: attrs.evolve(getattr(self, name), model=model)})

    def client_settings(self) -> ClientSettings:
        """The Ollama client's settings: ours where given, ``OLLAMA_HOST`` / ``OLLAMA_API_KEY``
        otherwise."""
        return ClientSettings.from_env(
            endpoints=tuple(map(_url_of, self.endpoints)) or None,
            apis={e.url: e.api for e in self.endpoints if isinstance(e, Endpoint)},
            api_key=self.api_key,
            headers=dict(self.headers),
            verify_tls=self.tls.verify,
            ca_bundle=os.path.expanduser(self.tls.ca_bundle) if self.tls.ca_bundle else None,
            connect_timeout=self.timeouts.connect,
            read_timeout=self.timeouts.read,
            first_token_timeout=self.timeouts.first_token,
            allow_insecure_auth=self.allow_insecure_auth,
        )


#: The settings section that holds each role's model.
_ROLE_FIELDS: dict[Role, str] = {
    "completion": "completion",
    "chat": "chat",
    "nextEdit": "next_edit",
}


@attrs.frozen
class SettingProblem:
    """One key that could not be used, and the default that replaced it."""

    key: str
    reason: str
    default: Any

    def describe(self) -> str:
        """What to tell the user; a password in a URL the user wrote is not repeated."""
        return redact(f"`{self.key}` {self.reason}; using the default {_show(self.default)}")


def _show(value: Any) -> str:
    """Render a default the way the user would write it in JSON."""
    if attrs.has(type(value)):
        value = {_camel(k): v for k, v in attrs.asdict(value, recurse=False).items()}
        if len(value) > 4:
            return "settings"
    return json.dumps(value, default=lambda v: _show(v) if attrs.has(type(v)) else list(v))


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


def _coerce(value: Any, annotation: Any) -> Any:
    """Check ``value`` against a field type strictly (JSON types only, no silent casts)."""
    origin = get_origin(annotation)
    args = get_args(annotation)
    if annotation is Any:
        return value
    if origin is Literal:
        if value in args:
            return value
        raise _Invalid("must be one of " + ", ".join(f'"{a}"' for a in args))
    if annotation == str | Endpoint:
        return value if isinstance(value, str) else Endpoint.from_json(value)
    if origin in (types.UnionType, Union):
        errors = []
        for arg in args:
            try:
                return _coerce(value, arg)
            except _Invalid as exc:
                errors.append(str(exc))
        raise _Invalid("expected " + " or ".join(e.removeprefix("expected ") for e in errors))
    if annotation is type(None):
        if value is None:
            return None
        raise _Invalid("expected null")
    if annotation is bool:
        if isinstance(value, bool):
            return value
        raise _Invalid("expected true or false")
    if annotation is int:
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        if isinstance(value, float) and value.is_integer():
            return int(value)
        raise _Invalid("expected a whole number")
    if annotation is float:
        if isinstance(value, int | float) and not isinstance(value, bool):
            return float(value)
        raise _Invalid("expected a number")
    if annotation is str:
        if isinstance(value, str):
            return value
        raise _Invalid("expected a string")
    if origin is tuple:
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list):
            raise _Invalid("expected a list of strings")
        return tuple(_coerce(item, args[0]) for item in value)
    if origin is Mapping or annotation is Mapping:
        if not isinstance(value, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in value.items()
        ):
            raise _Invalid("expected an object of string values")
        return dict(value)
    raise _Invalid(f"unsupported type {annotation!r}")  # pragma: no cover - a programming error


def _structure(cls: type[Any], raw: Any, path: str, problems: list[SettingProblem]) -> Any:
    """Build ``cls`` from ``raw`` field by field, replacing every bad value by its default."""
    default = cls()
    if raw is None:
        return default
    if not isinstance(raw, Mapping):
        problems.append(SettingProblem(path or "ollama", "expected an object", default))
        return default
    values: dict[str, Any] = {}
    hints = attrs.resolve_types(cls)
    for field in attrs.fields(hints):
        key = _camel(field.name)
        if key not in raw and field.name in raw:
            key = field.name  # snake_case is accepted too
        if key not in raw:
            continue
        dotted = f"{path}.{key}" if path else key
        field_default = getattr(default, field.name)
        if attrs.has(field.type):
            values[field.name] = _structure(field.type, raw[key], dotted, problems)
            continue
        try:
            value = _coerce(raw[key], field.type)
            if field.validator is not None:
                field.validator(default, field, value)
        except _Invalid as exc:
            problems.append(SettingProblem(dotted, f"is invalid ({exc})", field_default))
            continue
        values[field.name] = value
    try:
        return cls(**values)
    except _Invalid as exc:
        problems.append(SettingProblem(path or "ollama", f"is invalid ({exc})", default))
        return default


def merge_raw(*layers: Any) -> dict[str, Any]:
    """Deep-merge raw JSON objects; later layers win, ``None`` layers are skipped."""
    merged: dict[str, Any] = {}
    for layer in layers:
        if not isinstance(layer, Mapping):
            continue
        for key, value in layer.items():
            if isinstance(value, Mapping) and isinstance(merged.get(key), dict):
                merged[key] = merge_raw(merged[key], value)
            elif value is not None:
                merged[key] = dict(value) if isinstance(value, Mapping) else value
    return merged


def parse_settings(raw: Any) -> tuple[Settings, list[SettingProblem]]:
    """Turn raw JSON into :class:`Settings`; never raises. Keys are under the ``ollama`` section."""
    problems: list[SettingProblem] = []
    settings = _structure(Settings, raw, "ollama", problems)
    return settings, problems
