import pytest

from ollama_lsp.context import (
    CHARS_PER_TOKEN,
    ContextBuilder,
    Document,
    EditedRange,
)

ROOT = "file:///ws"

GEOMETRY = Document(
    f"{ROOT}/src/geometry.py",
    "\n".join(
        [
            "import math",
            "",
            "",
            "def circle_area(radius):",
            "    return math.pi * radius * radius",
            "",
            "",
            "def rectangle_area(width, height):",
            "    return width * height",
        ]
        + [f"# filler line {i} about nothing in particular" for i in range(40)]
        + ["def shout(message):", "    print(message.upper())"]
    ),
    "python",
    1,
)
UNRELATED = Document(
    f"{ROOT}/src/network.py",
    "\n".join(f"socket_{i}.connect(host_{i}, port_{i})" for i in range(30)),
    "python",
    1,
)
SECRET = Document(f"{ROOT}/.env", "radius=12\nwidth=3\nheight=4\nAPI_TOKEN=hunter2\n", "dotenv", 1)


def current(text: str, uri: str = f"{ROOT}/src/app.py") -> tuple[Document, int]:
    offset = text.index("|")
    return Document(uri, text.replace("|", "", 1), "python", 7), offset


def test_prefix_suffix_language_and_path() -> None:
    doc, offset = current("def total(width, height):\n    return rect|angle\n\nprint(total())\n")
    ctx = ContextBuilder(workspace_root=ROOT).build(doc, offset)
    assert ctx is not None
    assert ctx.prefix == "def total(width, height):\n    return rect"
    assert ctx.suffix == "angle\n\nprint(total())\n"
    assert (ctx.language_id, ctx.path) == ("python", "src/app.py")
    assert (ctx.line_prefix, ctx.line_suffix) == ("    return rect", "angle")


@pytest.mark.parametrize("uri", [f"{ROOT}/.env", f"{ROOT}/keys/server.pem", f"{ROOT}/gen/x.py"])
def test_excluded_document_gives_none(uri: str) -> None:
    doc, offset = current("x = |1\n", uri)
    assert ContextBuilder(exclude_globs=["gen/"], workspace_root=ROOT).build(doc, offset) is None


def test_similar_windows_of_other_documents_become_snippets() -> None:
    doc, offset = current("def area_of(shape):\n    radius = shape.radius\n    |\n")
    ctx = ContextBuilder(workspace_root=ROOT, min_similarity=0.05).build(
        doc, offset, [doc, GEOMETRY, UNRELATED]
    )
    assert ctx is not None
    assert [s.path for s in ctx.snippets] == ["src/geometry.py"]
    assert "circle_area(radius)" in ctx.snippets[0].text
    assert "socket_" not in "".join(s.text for s in ctx.snippets)
    assert 0 < ctx.snippets[0].score <= 1


def test_secret_documents_never_become_snippets_or_edits() -> None:
    doc, offset = current("def area(radius, width, height):\n    |\n")
    builder = ContextBuilder(workspace_root=ROOT, min_similarity=0.0)
    ctx = builder.build(doc, offset, [doc, SECRET], [EditedRange(SECRET.uri, 0, 3)])
    assert ctx is not None
    everything = "".join(s.text for s in (*ctx.snippets, *ctx.recent_edits))
    assert "hunter2" not in everything and "radius=12" not in everything


def test_budget_is_respected_and_lines_are_whole() -> None:
    lines = [f"value_{i} = compute(value_{i - 1})" for i in range(1, 400)]
    text = "\n".join(lines)
    doc = Document(f"{ROOT}/big.py", text, "python", 1)
    offset = text.index("value_200 = ") + 5
    builder = ContextBuilder(max_tokens=200, prefix_ratio=0.75, workspace_root=ROOT)
    ctx = builder.build(doc, offset, [doc, GEOMETRY])
    assert ctx is not None
    used = len(ctx.prefix) + len(ctx.suffix) + sum(len(s.text) for s in ctx.snippets)
    assert used <= 200 * CHARS_PER_TOKEN
    assert ctx.prefix.endswith("value") and ctx.prefix.split("\n")[0].startswith("value_")
    assert ctx.suffix.startswith("_200 = compute(value_199)\n")
    assert len(ctx.prefix) > 2 * len(ctx.suffix)


def test_duplicate_documents_give_one_snippet() -> None:
    copy = Document(f"{ROOT}/src/geometry_copy.py", GEOMETRY.text, "python", 1)
    doc, offset = current("def area(radius):\n    return math.pi * radius|\n")
    ctx = ContextBuilder(workspace_root=ROOT, min_similarity=0.05).build(
        doc, offset, [GEOMETRY, copy]
    )
    assert ctx is not None
    texts = [s.text.strip() for s in ctx.snippets]
    assert len(texts) == len(set(texts)) >= 1


def test_text_already_in_the_window_is_not_a_snippet() -> None:
    doc, offset = current(GEOMETRY.text.replace("def shout", "|def shout"))
    twin = Document(f"{ROOT}/other.py", GEOMETRY.text, "python", 1)
    ctx = ContextBuilder(workspace_root=ROOT, min_similarity=0.0).build(doc, offset, [twin])
    assert ctx is not None and ctx.snippets == ()


def test_recent_edits_outside_the_window_become_snippets() -> None:
    doc, offset = current("def main():\n    |\n")
    ranges = [EditedRange(GEOMETRY.uri, 4, 4), EditedRange(doc.uri, 0, 0)]
    ctx = ContextBuilder(workspace_root=ROOT).build(doc, offset, [doc, GEOMETRY], ranges)
    assert ctx is not None
    assert [s.path for s in ctx.recent_edits] == ["src/geometry.py"]
    assert "return math.pi * radius * radius" in ctx.recent_edits[0].text


def test_offset_out_of_range_is_clamped() -> None:
    doc = Document(f"{ROOT}/a.py", "abc", "python", 1)
    builder = ContextBuilder()
    assert builder.build(doc, 99) is not None
    ctx = builder.build(doc, -5)
    assert ctx is not None and (ctx.prefix, ctx.suffix) == ("", "abc")


def test_typing_on_the_cursor_line_keeps_snippets() -> None:
    builder = ContextBuilder(workspace_root=ROOT, min_similarity=0.05)
    first, offset = current("def area(radius):\n    return math.pi * |\n")
    later = Document(first.uri, first.text[:offset] + "radius" + first.text[offset:], "python", 8)
    a = builder.build(first, offset, [GEOMETRY])
    b = builder.build(later, offset + 6, [GEOMETRY])
    assert a is not None and b is not None
    assert a.snippets == b.snippets != ()


def test_an_edited_range_is_not_repeated_as_a_similar_snippet() -> None:
    doc, offset = current("def area_of(shape):\n    radius = shape.radius\n    |\n")
    builder = ContextBuilder(workspace_root=ROOT, min_similarity=0.05)
    ctx = builder.build(doc, offset, [GEOMETRY], [EditedRange(GEOMETRY.uri, 3, 4)])
    assert ctx is not None
    everything = "".join(s.text for s in (*ctx.snippets, *ctx.recent_edits))
    assert everything.count("def circle_area(radius):") == 1
