"""OLLAMA_HOST parsing, environment settings, TLS options and secret redaction."""

from __future__ import annotations

import importlib
import ssl
from pathlib import Path

import pytest

from ollama_lsp.ollama import DEFAULT_HOST, ClientSettings, OllamaClient, parse_host

HOST_TABLE = [
    (None, "http://127.0.0.1:11434"),
    ("", "http://127.0.0.1:11434"),
    ("1.2.3.4", "http://1.2.3.4:11434"),
    (":56789", "http://127.0.0.1:56789"),
    ("1.2.3.4:56789", "http://1.2.3.4:56789"),
    ("http://1.2.3.4", "http://1.2.3.4:80"),
    ("https://1.2.3.4", "https://1.2.3.4:443"),
    ("https://1.2.3.4:56789", "https://1.2.3.4:56789"),
    ("example.com", "http://example.com:11434"),
    ("example.com:56789", "http://example.com:56789"),
    ("http://example.com", "http://example.com:80"),
    ("https://example.com", "https://example.com:443"),
    ("example.com/", "http://example.com:11434"),
    ("example.com:56789/", "http://example.com:56789"),
    ("example.com/path", "http://example.com:11434/path"),
    ("https://example.com:56789/path", "https://example.com:56789/path"),
    ("example.com:56789/path/", "http://example.com:56789/path"),
    ("[0001:002:003:0004::1]", "http://[0001:002:003:0004::1]:11434"),
    ("[0001:002:003:0004::1]:56789", "http://[0001:002:003:0004::1]:56789"),
    ("https://[0001:002:003:0004::1]", "https://[0001:002:003:0004::1]:443"),
    ("[::1]:1", "http://[::1]:1"),
    ("[0001:002:003:0004::1]/path", "http://[0001:002:003:0004::1]:11434/path"),
    ("https://[::1]:56789/path", "https://[::1]:56789/path"),
]


@pytest.mark.parametrize(("host", "expected"), HOST_TABLE, ids=[repr(h) for h, _ in HOST_TABLE])
def test_parse_host_table(host: str | None, expected: str) -> None:
    assert parse_host(host) == expected


@pytest.mark.parametrize(("host", "expected"), HOST_TABLE, ids=[repr(h) for h, _ in HOST_TABLE])
def test_parse_host_agrees_with_the_official_client(host: str | None, expected: str) -> None:
    official = importlib.import_module("ollama._client")._parse_host
    assert parse_host(host) == official(host) == expected


def test_from_env_reads_host_and_api_key() -> None:
    settings = ClientSettings.from_env({"OLLAMA_HOST": ":9999", "OLLAMA_API_KEY": "k-123"})
    assert settings.endpoints == ("http://127.0.0.1:9999",)
    assert settings.api_key == "k-123"
    assert settings.credential_headers["authorization"] == "Bearer k-123"


def test_from_env_defaults_and_overrides() -> None:
    settings = ClientSettings.from_env(
        {}, endpoints=("a:1", "b:2/", "a:1"), max_retries=5, api_key=None
    )
    assert settings.endpoints == ("http://a:1", "http://b:2")
    assert settings.max_retries == 5
    assert settings.api_key is None
    assert "authorization" not in settings.credential_headers
    assert ClientSettings.from_env({}).endpoints == (DEFAULT_HOST,)


def test_from_env_rejects_unknown_settings() -> None:
    with pytest.raises(TypeError, match="bogus"):
        ClientSettings.from_env({}, bogus=1)


def test_explicit_authorization_header_wins_over_api_key() -> None:
    settings = ClientSettings(api_key="key", headers={"Authorization": "Basic abc"})
    assert settings.credential_headers["authorization"] == "Basic abc"
    assert "authorization" not in settings.request_headers


def test_repr_hides_api_key_and_secret_headers() -> None:
    settings = ClientSettings(
        api_key="sk-live-123",
        headers={"X-Api-Key": "hdr-secret", "Authorization": "Bearer tok-9", "X-Team": "blue"},
    )
    text = repr(settings)
    for secret in ("sk-live-123", "hdr-secret", "tok-9"):
        assert secret not in text
    assert "blue" in text
    assert {"sk-live-123", "hdr-secret", "tok-9"} <= set(settings.secrets)
    assert "sk-live-123" not in repr(OllamaClient(settings))


def test_tls_verification_on_by_default_with_opt_out() -> None:
    assert ClientSettings().ssl_verify() is True
    assert ClientSettings(verify_tls=False).ssl_verify() is False


def test_ca_bundle_builds_a_verifying_context(tmp_path: Path) -> None:
    certifi = importlib.import_module("certifi")
    context = ClientSettings(ca_bundle=certifi.where()).ssl_verify()
    assert isinstance(context, ssl.SSLContext)
    assert context.verify_mode == ssl.CERT_REQUIRED
    with pytest.raises(OSError):
        ClientSettings(ca_bundle=str(tmp_path / "missing.pem")).ssl_verify()


def test_invalid_settings_are_refused() -> None:
    with pytest.raises(ValueError):
        ClientSettings(endpoints=())
    with pytest.raises(ValueError):
        ClientSettings(max_retries=-1)
