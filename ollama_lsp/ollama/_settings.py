"""Where the client connects and how: endpoints, credentials, TLS and timeouts."""

from __future__ import annotations

import ipaddress
import os
import ssl
import urllib.parse
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, fields
from types import MappingProxyType
from typing import Any, Literal

__all__ = ["APIS", "DEFAULT_HOST", "Api", "ClientSettings", "parse_host"]

DEFAULT_HOST = "http://127.0.0.1:11434"
#: The HTTP APIs an endpoint may speak: Ollama's own, or the OpenAI-compatible one of vLLM,
#: llama.cpp's server, LM Studio, TGI...
Api = Literal["ollama", "openai"]
APIS: tuple[Api, ...] = ("ollama", "openai")
_SECRET_HEADER_HINTS = ("auth", "key", "token", "secret", "cookie", "password")


def parse_host(host: str | None) -> str:
    """Normalise an ``OLLAMA_HOST`` value to a base URL, exactly as ollama-python does.

    Without a scheme the port defaults to 11434; ``http://`` and ``https://`` default to 80 and
    443. A missing host means ``127.0.0.1``, IPv6 hosts keep their brackets, a path is kept and
    trailing slashes are dropped. User info (``user:pass@``) is not kept: send credentials with
    ``api_key`` or ``headers``.

    >>> parse_host(":56789")
    'http://127.0.0.1:56789'
    >>> parse_host("https://example.com/ollama/")
    'https://example.com:443/ollama'
    """
    host, port = host or "", 11434
    scheme, _, hostport = host.partition("://")
    if not hostport:
        scheme, hostport = "http", host
    elif scheme == "http":
        port = 80
    elif scheme == "https":
        port = 443

    split = urllib.parse.urlsplit(f"{scheme}://{hostport}")
    hostname = split.hostname or "127.0.0.1"
    port = split.port or port
    try:
        if isinstance(ipaddress.ip_address(hostname), ipaddress.IPv6Address):
            hostname = f"[{hostname}]"
    except ValueError:
        pass
    if path := split.path.strip("/"):
        return f"{scheme}://{hostname}:{port}/{path}"
    return f"{scheme}://{hostname}:{port}"


def _is_loopback(host: str | None) -> bool:
    if not host:
        return False
    if host.lower() == "localhost" or host.lower().endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _is_secret_header(name: str) -> bool:
    lowered = name.lower()
    return any(hint in lowered for hint in _SECRET_HEADER_HINTS)


@dataclass(frozen=True)
class ClientSettings:
    """Settings of an :class:`OllamaClient`; immutable, build a new one to change them.

    ``endpoints`` are tried in order (each normalised with :func:`parse_host`). ``api_key`` is
    sent as ``Authorization: Bearer`` unless ``headers`` already has an ``Authorization``; it and
    secret-looking headers never appear in ``repr`` or error messages, and they are sent only
    over HTTPS or to this machine, unless ``allow_insecure_auth`` (plain HTTP to another host
    would show them to everyone on the way). Timeouts are in seconds:
    ``connect_timeout`` to open a connection, ``first_token_timeout`` from sending a streaming
    request to its first line (this includes loading the model), ``read_timeout`` between two
    reads after that and for the whole body of short requests. ``max_retries`` bounds the
    retries of connection failures and 503 answers, spaced by exponential backoff with jitter
    starting at ``retry_backoff`` seconds. ``apis`` names the endpoints that speak another
    API than Ollama's (``{"http://gpu:8000": "openai"}``).
    """

    endpoints: tuple[str, ...] = (DEFAULT_HOST,)
    headers: Mapping[str, str] = field(default_factory=dict)
    api_key: str | None = None
    verify_tls: bool = True
    ca_bundle: str | None = None
    connect_timeout: float = 5.0
    read_timeout: float = 120.0
    first_token_timeout: float = 60.0
    max_retries: int = 2
    retry_backoff: float = 0.25
    allow_insecure_auth: bool = False
    apis: Mapping[str, Api] = field(default_factory=dict)

    def __post_init__(self) -> None:
        endpoints = tuple(dict.fromkeys(parse_host(e) for e in self.endpoints))
        if not endpoints:
            raise ValueError("at least one endpoint is needed")
        if self.max_retries < 0:
            raise ValueError("max_retries must be >= 0")
        object.__setattr__(self, "endpoints", endpoints)
        headers = {str(k).lower(): str(v) for k, v in self.headers.items()}
        object.__setattr__(self, "headers", MappingProxyType(headers))
        object.__setattr__(self, "api_key", self.api_key or None)
        apis = {parse_host(url): api for url, api in self.apis.items() if api != "ollama"}
        if unknown := set(apis.values()) - set(APIS):
            raise ValueError(f"unknown API {sorted(unknown)[0]!r}: one of {', '.join(APIS)}")
        object.__setattr__(self, "apis", MappingProxyType(apis))

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides: Any) -> ClientSettings:
        """Settings from ``OLLAMA_HOST`` and ``OLLAMA_API_KEY``, with explicit ``overrides``.

        ``environ`` defaults to ``os.environ``. An ``endpoints`` override replaces
        ``OLLAMA_HOST``; a ``None`` override is ignored, so editor settings can be passed as-is.
        """
        env = os.environ if environ is None else environ
        values: dict[str, Any] = {
            "endpoints": (parse_host(env.get("OLLAMA_HOST")),),
            "api_key": env.get("OLLAMA_API_KEY") or None,
        }
        known = {f.name for f in fields(cls)}
        unknown = set(overrides) - known
        if unknown:
            raise TypeError(f"unknown settings: {', '.join(sorted(unknown))}")
        values.update({k: v for k, v in overrides.items() if v is not None})
        if isinstance(values["endpoints"], str):
            values["endpoints"] = (values["endpoints"],)
        return cls(**values)

    def api_of(self, endpoint: str) -> Api:
        """The API ``endpoint`` speaks (``"ollama"`` unless ``apis`` says otherwise)."""
        return self.apis.get(endpoint, "ollama")

    @property
    def request_headers(self) -> dict[str, str]:
        """Headers sent with every request: all but the credentials."""
        headers = {k: v for k, v in self.headers.items() if not _is_secret_header(k)}
        return {"accept": "application/json", **headers}

    @property
    def credential_headers(self) -> dict[str, str]:
        """The bearer token and secret headers: sent only where :meth:`may_send_credentials`."""
        headers = {k: v for k, v in self.headers.items() if _is_secret_header(k)}
        if self.api_key and "authorization" not in headers:
            headers["authorization"] = f"Bearer {self.api_key}"
        return headers

    def may_send_credentials(self, url: str) -> bool:
        """HTTPS, this machine, or the user's explicit choice (``allow_insecure_auth``)."""
        split = urllib.parse.urlsplit(url)
        return self.allow_insecure_auth or split.scheme == "https" or _is_loopback(split.hostname)

    @property
    def withheld_from(self) -> tuple[str, ...]:
        """Endpoints the credentials are not sent to (plain HTTP to another machine)."""
        if not self.credential_headers:
            return ()
        return tuple(e for e in self.endpoints if not self.may_send_credentials(e))

    @property
    def secrets(self) -> tuple[str, ...]:
        """Values that must never be shown: the API key and secret-looking header values."""
        values: Iterable[str] = (v for k, v in self.headers.items() if _is_secret_header(k) and v)
        found = [self.api_key] if self.api_key else []
        for value in values:
            found.append(value)
            # "Bearer abc": the bare token must not leak either.
            scheme, _, token = value.partition(" ")
            if token and scheme.isalpha():
                found.append(token)
        return tuple(sorted(set(found), key=len, reverse=True))

    def ssl_verify(self) -> ssl.SSLContext | bool:
        """What ``httpx`` gets as ``verify``: off, the system store, or a CA bundle."""
        if not self.verify_tls:
            return False
        if self.ca_bundle:
            return ssl.create_default_context(cafile=self.ca_bundle)
        return True

    def __repr__(self) -> str:
        headers = {k: ("***" if _is_secret_header(k) else v) for k, v in self.headers.items()}
        return (
            f"ClientSettings(endpoints={self.endpoints!r}, headers={headers!r}, "
            f"api_key={'***' if self.api_key else None!r}, verify_tls={self.verify_tls!r}, "
            f"ca_bundle={self.ca_bundle!r}, connect_timeout={self.connect_timeout!r}, "
            f"read_timeout={self.read_timeout!r}, "
            f"first_token_timeout={self.first_token_timeout!r}, "
            f"max_retries={self.max_retries!r}, retry_backoff={self.retry_backoff!r}, "
            f"allow_insecure_auth={self.allow_insecure_auth!r}, apis={dict(self.apis)!r})"
        )
