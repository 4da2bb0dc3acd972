from ollama_lsp.context import Document, EditedRange, EditTracker, LineEdit

URI = "file:///ws/a.py"


def change(start: int, end: int, text: str) -> LineEdit:
    return LineEdit(start, end, text.count("\n"))


def test_typing_along_one_line_keeps_one_range() -> None:
    tracker = EditTracker()
    tracker.record(URI, [change(3, 3, "x")])
    tracker.record(URI, [change(3, 3, "y")])
    assert tracker.recent() == (EditedRange(URI, 3, 3),)


def test_inserted_lines_shift_later_ranges_and_extend_the_edit() -> None:
    tracker = EditTracker()
    tracker.record(URI, [change(10, 10, "a")])
    tracker.record(URI, [change(2, 2, "one\ntwo\n")])  # two lines inserted above line 10
    assert tracker.recent() == (EditedRange(URI, 2, 4), EditedRange(URI, 12, 12))


def test_deleted_lines_shift_later_ranges_up() -> None:
    tracker = EditTracker()
    tracker.record(URI, [change(20, 20, "a")])
    tracker.record(URI, [change(5, 8, "")])
    assert tracker.recent() == (EditedRange(URI, 5, 5), EditedRange(URI, 17, 17))


def test_whole_document_change_forgets_ranges() -> None:
    tracker = EditTracker()
    tracker.record(URI, [change(1, 1, "a"), LineEdit(whole=True)])
    assert tracker.recent() == ()


def test_bounded_per_document_and_in_documents() -> None:
    tracker = EditTracker(max_documents=2, max_ranges=3)
    for line in range(0, 50, 5):
        tracker.record(URI, [change(line, line, "x")])
    for name in ("b", "c"):
        tracker.record(f"file:///ws/{name}.py", [change(0, 0, "x")])
    recent = tracker.recent()
    assert {r.uri for r in recent} == {"file:///ws/b.py", "file:///ws/c.py"}
    tracker = EditTracker(max_ranges=3)
    for line in range(0, 50, 5):
        tracker.record(URI, [change(line, line, "x")])
    assert [r.start_line for r in tracker.recent()] == [45, 40, 35]


def test_snippets_read_the_current_text_and_skip_secrets() -> None:
    tracker = EditTracker()
    tracker.record(URI, [change(1, 1, "b")])
    tracker.record("file:///ws/.env", [change(0, 0, "TOKEN=x")])
    tracker.forget("file:///gone.py")
    documents = {
        URI: Document(URI, "line0\nline1 edited\nline2\nline3", "python", 2),
        "file:///ws/.env": Document("file:///ws/.env", "TOKEN=x", "dotenv", 1),
    }
    snippets = tracker.snippets(documents, workspace_root="file:///ws")
    assert [(s.path, s.text) for s in snippets] == [("a.py", "line0\nline1 edited\nline2")]
