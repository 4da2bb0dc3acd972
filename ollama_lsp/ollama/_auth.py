"""Credentials only where they are safe: over HTTPS, or to this machine.

An API key sent over plain HTTP to another host can be read by anyone on the way (and by every
proxy); a shared GPU server reached as ``http://10.0.0.5:11434`` would get it in clear text on
every keystroke. The key and secret headers are withheld from such endpoints unless the user
opted in (``allowInsecureAuth``); the error a proxy then answers says why.
"""

from __future__ import annotations

from collections.abc import Generator

import httpx

from ollama_lsp.ollama._settings import ClientSettings

__all__ = ["WITHHELD_ADVICE", "SafeCredentials", "client_auth"]

WITHHELD_ADVICE = (
    "the API key was not sent: {endpoint} is plain HTTP to another machine, where anyone on the "
    "way could read it; use https://, or set ollama.allowInsecureAuth to send it anyway"
)


class SafeCredentials(httpx.Auth):
    """Adds the credential headers to requests whose URL may receive them."""

    def __init__(self, settings: ClientSettings) -> None:
        self._settings = settings
        self._headers = settings.credential_headers

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        if self._settings.may_send_credentials(str(request.url)):
            request.headers.update(self._headers)
        yield request


def client_auth(settings: ClientSettings) -> tuple[dict[str, str], httpx.Auth | None]:
    """The client's default headers and per-request auth: when every endpoint may receive the
    credentials they are plain default headers (no per-request work)."""
    headers = settings.request_headers
    if not settings.withheld_from:
        return {**headers, **settings.credential_headers}, None
    return headers, SafeCredentials(settings)
