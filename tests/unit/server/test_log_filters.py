"""What reaches the logs: no secrets, no tracebacks for errors the user was already told."""

from __future__ import annotations

import io
import logging

import pytest
from pygls.exceptions import JsonRpcInternalError

from ollama_lsp.server.log import configure_logging, remember_secrets


@pytest.fixture
def stderr(monkeypatch: pytest.MonkeyPatch) -> io.StringIO:
    captured = io.StringIO()
    handler = configure_logging("info")
    monkeypatch.setattr(handler, "stream", captured)
    return captured


def test_secrets_and_url_passwords_never_reach_stderr(stderr: io.StringIO) -> None:
    remember_secrets(("sk-live-0123",))
    logging.getLogger("ollama_lsp.test").warning("bad answer: %s", "Bearer sk-live-0123")
    logging.getLogger("pygls.protocol").warning("endpoint http://bob:hunter2@gpu:11434 failed")
    remember_secrets(())
    text = stderr.getvalue()
    assert "sk-live-0123" not in text and "hunter2" not in text
    assert "Bearer ***" in text and "http://bob:***@gpu:11434" in text


def test_a_request_answered_with_a_json_rpc_error_logs_no_traceback(stderr: io.StringIO) -> None:
    logger = logging.getLogger("pygls.protocol.json_rpc")
    try:
        raise JsonRpcInternalError("Pulling x failed: not found.")
    except JsonRpcInternalError:
        logger.exception('Exception occurred for message "%s"', 7)
    try:
        raise KeyError("a bug")
    except KeyError:
        logger.exception('Exception occurred for message "%s"', 8)
    text = stderr.getvalue()
    assert 'message "7"' not in text  # told to the user already
    assert 'message "8"' in text and "KeyError" in text  # a bug keeps its traceback
