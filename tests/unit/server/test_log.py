"""Records reach the client's log at the configured level, and never stdout."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest

from ollama_lsp.server.log import LspLogHandler, attach_client_log, configure_logging
from ollama_lsp.server.server import OllamaLanguageServer
from tests.unit.server.helpers import Wire


@pytest.fixture
def wire() -> Iterator[Wire]:
    wire = Wire()
    server = OllamaLanguageServer()
    server.protocol.set_writer(wire)
    configure_logging("info")
    attach_client_log(server, "info")
    yield wire
    root = logging.getLogger("ollama_lsp")
    for handler in [h for h in root.handlers if isinstance(h, LspLogHandler)]:
        root.removeHandler(handler)


def test_records_at_the_level_reach_window_log_message(
    wire: Wire, capfd: pytest.CaptureFixture[str]
) -> None:
    log = logging.getLogger("ollama_lsp.some.feature")
    log.info("model loaded")
    log.debug("noise")
    log.error("it broke")
    sent = wire.of("window/logMessage")
    assert [(m["type"], m["message"]) for m in sent] == [
        (3, "INFO ollama_lsp.some.feature: model loaded"),
        (1, "ERROR ollama_lsp.some.feature: it broke"),
    ]
    out, _ = capfd.readouterr()
    assert out == ""  # stdout belongs to the LSP transport


def test_pygls_stays_quiet(wire: Wire) -> None:
    assert logging.getLogger("pygls").getEffectiveLevel() == logging.WARNING
