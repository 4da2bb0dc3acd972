"""``ollama-lsp`` with no sub-command serves; ``--stdio`` (as editors pass it) is accepted."""

from __future__ import annotations

import argparse

import pytest

from ollama_lsp import cli


@pytest.fixture
def served(monkeypatch: pytest.MonkeyPatch) -> list[argparse.Namespace]:
    calls: list[argparse.Namespace] = []
    help_text, configure, _ = cli.COMMANDS["serve"]
    monkeypatch.setitem(
        cli.COMMANDS, "serve", (help_text, configure, lambda a: calls.append(a) or 0)
    )
    return calls


@pytest.mark.parametrize(
    ("argv", "tcp"),
    [
        ([], None),
        (["--stdio"], None),
        (["serve"], None),
        (["serve", "--tcp", "127.0.0.1:2087"], ("127.0.0.1", 2087)),
        (["--tcp", ":2087"], ("127.0.0.1", 2087)),
    ],
)
def test_serve_is_the_default_command(
    served: list[argparse.Namespace], argv: list[str], tcp: tuple[str, int] | None
) -> None:
    assert cli.main(argv) == 0
    assert served[0].command == "serve"
    assert served[0].tcp == tcp


def test_a_bad_tcp_address_is_a_usage_error(served: list[argparse.Namespace]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        cli.main(["serve", "--tcp", "localhost"])
    assert exit_info.value.code == 2
    assert served == []
