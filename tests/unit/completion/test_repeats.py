import pytest

from ollama_lsp.completion.repeats import cut_repeats, following_lines, repeats_neighbour
from ollama_lsp.completion.syntax import syntax_for
from tests.unit.completion.helpers import at

PY = syntax_for("python")


def cut(document: str, text: str, language: str = "python") -> tuple[str, bool]:
    lines, cut_ = cut_repeats(text.split("\n"), at(document), syntax_for(language))
    return "\n".join(lines), cut_


@pytest.mark.parametrize(
    ("document", "text", "kept"),
    [
        # The lines right after the cursor.
        ("def f():\n    |\n    return r\n", "r = 1\n    return r\n", "r = 1"),
        # A run of them further down (the model skipped one).
        ("|\nfirst()\nsecond()\nthird()\n", "zero()\nsecond()\nthird()", "zero()"),
        # The same line twice.
        ("|\n", "import re\nimport re\nimport re", "import re"),
        # A completion that is only the next line keeps nothing.
        ("    |\n    return r\n", "return r", ""),
        # The model looping over a few lines: cut before the second round...
        ("|\n", "- use\n- learn\n- ship\n- use\n- learn\n- ship", "- use\n- learn\n- ship"),
        # ...but not between a header and its body.
        ("|\n", "a()\nif x:\n    go()\nb()\nif x:\n    go()\nb()", "a()\nif x:\n    go()\nb()"),
        # A piece of a line three times over: a first line keeps one round, a later line goes.
        ("if ok|\n", " && ready(one) && ready(one) && ready(one) && re",
         " && ready(one)"),
        ("|\n", "a = 1\nname = total_items_total_items_total_items_total", "a = 1"),
    ],
)  # fmt: skip
def test_repeats_are_cut(document: str, text: str, kept: str) -> None:
    assert cut(document, text) == (kept, True)


@pytest.mark.parametrize(
    ("language", "text", "kept"),
    [
        ("css", "  color: red;\n  margin: 0;\n  color: red;", "  color: red;\n  margin: 0;"),
        ("yaml", "  - alpha\n  - beta\n  - alpha", "  - alpha\n  - beta"),
    ],
)
def test_a_key_or_declaration_comes_once(language: str, text: str, kept: str) -> None:
    assert cut("x {\n|", text, language) == (kept, True)


def test_code_may_repeat_a_line() -> None:
    text = "if a:\n    return 1\nif b:\n    return 1"
    assert cut("|\n", text) == (text, False)
    zeros = "grid = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0] + names"
    assert cut("|\n", zeros) == (zeros, False)


@pytest.mark.parametrize(
    ("document", "text"),
    [
        # Closers repeat by nature: the block and bracket rules judge them.
        ("if x:\n  |\n}\n", "a()\n}"),
        ("|\nfirst()\nsecond()\n", "second()"),  # one line further down is no proof
        ("|\nx = 1\n", "y = 1\nz = 2"),
    ],
)
def test_not_repeats(document: str, text: str) -> None:
    assert cut(document, text, "javascript") == (text, False)


def test_the_first_line_continuing_the_cursor_line_is_not_compared_alone() -> None:
    assert cut("x = |\nx = 1\n", "1") == ("1", False)


@pytest.mark.parametrize(
    ("document", "text", "repeats"),
    [
        ("    total = 1\n    |\n", "total = 1", True),  # the line above
        ("  |;\n\n  return () => clear(id);\n", "return () => clear(id)", True),  # below
        ("x = 1|\ny = 2\n", "\ny = 2", True),  # a next-line suggestion of the line below
        ("x = 1|\n", "\nx = 1", True),  # ... or of its own line
        ("x = 1|\ny = 2\n", "\nz = 3", False),
        ("    total = 1\n    |\n", "total = 2", False),
    ],
)
def test_repeats_neighbour(document: str, text: str, repeats: bool) -> None:
    assert repeats_neighbour(text, at(document)) is repeats


def test_following_lines_skip_blanks() -> None:
    assert following_lines(at("a|b\n\n  c\n\nd\n"), 2) == ["  c", "d"]
