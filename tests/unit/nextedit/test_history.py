"""The edit history: changes grouped by place, closed into unified diffs, bounded."""

from __future__ import annotations

from ollama_lsp.context import LineEdit
from ollama_lsp.nextedit import EditHistory

URI = "file:///p/calc.py"
OTHER = "file:///p/other.py"
TEXT = "def total(items, rate):\n    subtotal = sum(items)\n    return subtotal * rate\n"


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def type_over(history: EditHistory, text: str, old: str, new: str, line: int) -> str:
    """Replace ``old`` by ``new`` on ``line`` one keystroke at a time, as an editor sends it."""
    at = text.index(old)
    for _ in old:  # backspaces
        text = text[:at] + text[at + 1 :]
        history.changed(URI, text, [LineEdit(line, line, 0)])
    for i, char in enumerate(new):
        text = text[: at + i] + char + text[at + i :]
        history.changed(URI, text, [LineEdit(line, line, 0)])
    return text


def test_typing_a_rename_is_one_event_with_the_line_before_and_after() -> None:
    history = EditHistory()
    history.opened(URI, TEXT)

    type_over(history, TEXT, "rate)", "tax)", 0)

    (event,) = history.events()
    assert event.uri == URI
    assert event.diff == (
        "@@ -1,3 +1,3 @@\n"
        "-def total(items, rate):\n"
        "+def total(items, tax):\n"
        "     subtotal = sum(items)\n"
        "     return subtotal * rate"
    )
    last = history.last_edit(URI)
    assert last is not None and (last.start, last.end) == (0, 1)
    assert last.old == ("def total(items, rate):",)


def test_an_edit_elsewhere_closes_the_group_and_numbers_follow_the_document() -> None:
    history = EditHistory()
    text = "\n".join(f"line {n}" for n in range(20)) + "\n"
    history.opened(URI, text)
    text = text.replace("line 2\n", "line two\n")
    history.changed(URI, text, [LineEdit(2, 2, 0)])
    text = text.replace("line 15\n", "line 15\nnew line\n")
    history.changed(URI, text, [LineEdit(15, 15, 1)])

    first, second = history.events()
    assert first.diff.startswith("@@ -1,5 +1,5 @@\n line 0\n line 1\n-line 2\n+line two\n")
    assert second.diff == "@@ -15,4 +15,5 @@\n line 14\n line 15\n+new line\n line 16\n line 17"
    last = history.last_edit(URI)
    assert last is not None and (last.start, last.end, last.old) == (15, 17, ("line 15",))


def test_a_change_next_to_the_group_joins_it() -> None:
    history = EditHistory(merge_gap=1)
    text = "a\nb\nc\nd\n"
    history.opened(URI, text)
    text = "A\nb\nc\nd\n"
    history.changed(URI, text, [LineEdit(0, 0, 0)])
    text = "A\nB\nc\nd\n"
    history.changed(URI, text, [LineEdit(1, 1, 0)])

    (event,) = history.events()
    assert "-a\n-b\n+A\n+B" in event.diff
    last = history.last_edit(URI)
    assert last is not None and last.old == ("a", "b")


def test_several_changes_in_one_notification_and_a_whole_text_replacement() -> None:
    history = EditHistory()
    history.opened(URI, "one\ntwo\nthree\n")
    # two changes in one didChange: line 2 edited, then a line inserted after line 0
    history.changed(URI, "one\nnew\ntwo\nTHREE\n", [LineEdit(2, 2, 0), LineEdit(0, 0, 1)])
    (event,) = history.events()
    assert "+new" in event.diff and "-three" in event.diff and "+THREE" in event.diff

    history.changed(URI, "one\nnew\ntwo\nTHREE\nfour\n", [LineEdit(whole=True)])
    (event,) = history.events()  # next to the open group: it joins it
    assert "+THREE\n+four" in event.diff


def test_undone_typing_leaves_no_event() -> None:
    history = EditHistory()
    history.opened(URI, TEXT)
    history.changed(URI, TEXT.replace("rate)", "rat)", 1), [LineEdit(0, 0, 0)])
    history.changed(URI, TEXT, [LineEdit(0, 0, 0)])

    assert history.events() == []


def test_bounded_by_events_size_age_and_documents() -> None:
    clock = Clock()
    history = EditHistory(
        max_events=2, max_diff_chars=200, max_age=60, max_documents=2, clock=clock
    )
    text = "\n".join(f"line {n}" for n in range(40)) + "\n"
    history.opened(URI, text)
    for n in (0, 10, 20, 30):  # four far-apart edits: three closed, one open
        text = text.replace(f"line {n}\n", f"LINE {n}\n")
        history.changed(URI, text, [LineEdit(n, n, 0)])
    assert [e.diff.count("+LINE") for e in history.events()] == [1, 1, 1]
    assert "+LINE 0" not in "".join(e.diff for e in history.events())

    paste = "x" * 500
    text = text.replace("line 35\n", f"{paste}\n")
    history.changed(URI, text, [LineEdit(35, 35, 0)])
    assert all(paste not in e.diff for e in history.events())  # too big to show

    clock.now += 61
    assert history.events() == []

    history.opened(OTHER, "x\n")
    history.opened("file:///p/third.py", "y\n")  # one too many: the unedited one goes first
    assert URI in history and OTHER not in history and len(history) == 2
    history.changed("file:///p/third.py", "z\n", [LineEdit(0, 0, 0)])
    history.opened("file:///p/fourth.py", "w\n")  # all edited: the least recent goes
    assert URI not in history and "file:///p/third.py" in history


def test_forget_drops_a_document() -> None:
    history = EditHistory()
    history.opened(URI, TEXT)
    type_over(history, TEXT, "rate)", "tax)", 0)
    history.forget(URI)
    assert history.events() == [] and history.last_edit(URI) is None
