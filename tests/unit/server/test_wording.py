"""Server texts name the way to pull a model in the words of the editor the user sits in."""

from __future__ import annotations

import pytest

from ollama_lsp.server.server import OllamaLanguageServer
from ollama_lsp.server.wording import in_editor_words
from tests.unit.server.helpers import Wire

MESSAGE = "model 'a:1b' is not pulled on http://h:1: pull it with `ollama pull a:1b`"


@pytest.mark.parametrize(
    ("editor", "said"),
    [
        ("Neovim", "pull it with `:Ollama pull a:1b`"),
        ("Visual Studio Code", "pull it with Ollama: Pull Model (a:1b)"),
        ("code-server", "pull it with Ollama: Pull Model (a:1b)"),
        ("Helix", "pull it with `ollama pull a:1b`"),
        (None, "pull it with `ollama pull a:1b`"),
    ],
)
def test_the_pull_command_is_the_editors(editor: str | None, said: str) -> None:
    assert in_editor_words(MESSAGE, editor).endswith(said)


def test_shown_messages_and_error_statuses_use_the_editors_words() -> None:
    wire = Wire()
    server = OllamaLanguageServer()
    server.protocol.set_writer(wire)
    server.status.editor = "Neovim"
    server.status.failed("ModelNotFound", MESSAGE, model="a:1b")
    assert wire.of("window/showMessage")[0]["message"].endswith("`:Ollama pull a:1b`")
    assert wire.of("ollama/status")[0]["message"].endswith("`:Ollama pull a:1b`")
