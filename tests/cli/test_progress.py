"""The pull progress bar: redrawn in place on a terminal, plain lines elsewhere."""

from __future__ import annotations

import io

from ollama_lsp.cli.progress import PullBar
from ollama_lsp.ollama import PullProgress

MIB = 2**20


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def feed(bar: PullBar) -> None:
    bar.update(PullProgress("pulling manifest"))
    for done in range(0, 101, 5):
        bar.update(PullProgress("pulling abc", "sha256:abc", 400 * MIB, done * 4 * MIB))
    bar.update(PullProgress("success"))
    bar.close()


def test_on_a_terminal_the_bar_is_redrawn_on_one_line() -> None:
    stream = Terminal()
    feed(PullBar("m", stream))
    lines = stream.getvalue().split("\n")
    assert lines[0] == "pulling manifest"
    bar = lines[1].split("\r")[1:]
    assert len(bar) == 21  # one redraw per event
    assert bar[-1].startswith("[" + "#" * 10) and "100% 400 MiB/400 MiB" in bar[-1]
    assert lines[2] == "success"


def test_without_a_terminal_a_line_per_ten_percent() -> None:
    stream = io.StringIO()
    feed(PullBar("m", stream))
    lines = stream.getvalue().splitlines()
    assert "\r" not in stream.getvalue()
    percents = [line.split()[2] for line in lines if line.startswith("pulling abc")]
    assert percents == [f"{p}%" for p in range(0, 101, 10)]
    assert lines[0] == "pulling manifest" and lines[-1] == "success"
