import pytest

from ollama_lsp.completion.shape import (
    Shape,
    indent_of,
    keeps_block,
    num_predict,
    opens_block,
    shape_at,
    unfinished,
)
from ollama_lsp.completion.syntax import syntax_for
from tests.unit.completion.helpers import at


@pytest.mark.parametrize(
    ("document", "language", "shape"),
    [
        ("def f():|\n", "python", Shape.BLOCK),
        ("    |\n", "python", Shape.BLOCK),
        ("|", "python", Shape.BLOCK),
        ("function f() {|}\n", "javascript", Shape.BLOCK),
        ("const f = (x) =>|\n", "javascript", Shape.BLOCK),
        ("items = [|\n", "python", Shape.BLOCK),
        ("  environment:|\n  other: 1\n", "yaml", Shape.BLOCK),
        ("<ul>|\n", "html", Shape.BLOCK),
        ("if [ -f x ]; then|\n", "shellscript", Shape.BLOCK),
        ("def f():|\n    return 1\n", "python", Shape.LINE_OR_BLOCK),  # the body is there
        ("x = compute(|)\n", "python", Shape.BLOCK),  # arguments may take lines
        ("x = f(a)|)\n", "python", Shape.LINE_OR_BLOCK),  # only a closer follows
        ("func area(w, h float64) float64 |\n", "go", Shape.LINE_OR_BLOCK),
        ("x = 1|\n", "python", Shape.LINE_OR_BLOCK),
        ("total = comp|ute\n", "python", Shape.LINE),
        ("print('hi'|, x)\n", "python", Shape.LINE),
        ("x = 1  # the total of |\n", "python", Shape.LINE),  # a comment's text
        ("1,Alice|\n", "csv", Shape.LINE),
        ("|\n", "csv", Shape.LINE),
    ],
)
def test_shape_at(document: str, language: str, shape: Shape) -> None:
    context = at(document, language)
    assert shape_at(context, syntax_for(language)) is shape


@pytest.mark.parametrize(
    ("line", "language", "opens"),
    [
        ("def f(x):", "python", True),
        ("    for x in xs:  # each", "python", True),
        ("x = a[1:", "python", False),  # a slice, not a block
        ('d = {"key":', "python", False),
        ("if (x) {", "javascript", True),
        ("} else {", "javascript", True),
        ("case 1:", "c", True),
        ("x = f(y);", "c", False),
        ("def greet(name)", "ruby", True),
        ("def greet(name) = name end", "ruby", False),
        ("items.each do |item|", "ruby", True),
        ("if x < lo then", "lua", True),
        ("function M.sum(list)", "lua", True),
        ("key:", "yaml", True),
        ("key: |", "yaml", True),
        ("key: value", "yaml", False),
        ("[tool.ruff]", "toml", True),
        ("CREATE TABLE t (", "sql", True),
        ("BEGIN", "sql", True),
        ("<div class='x'>", "html", True),
        ("<img src='x'>", "html", False),  # void element
        ("<p>text</p>", "html", False),
        ("sumTree (Node l r) =", "haskell", True),
        ("let area w h =", "fsharp", True),
    ],
)
def test_opens_block(line: str, language: str, opens: bool) -> None:
    assert opens_block(line, syntax_for(language)) is opens


@pytest.mark.parametrize(
    ("document", "language", "lines", "complete", "keep"),
    [
        ("def f(x)|\n", "python", [":", "    return x", ""], False, True),
        ("def f(x)|\n    pass\n", "python", [":", "    return x", ""], False, False),
        ("x = 1|\n", "python", ["", "y = 2", ""], False, False),
        ("x = 1|\n", "python", ["", "y = 2"], False, None),  # the line is not complete yet
        ("x = 1|\n", "python", ["", ""], False, None),
        ("f(a)|\n", "c", ["", "{", "  a++;", "}"], True, True),  # K&R brace on its own line
        ("  void M()|\n}", "csharp", ["", "  {", "    x++;", "  }"], True, True),
        ("  int x = f()|\n}", "csharp", [";", "  y();", ""], False, False),
        # Allman header: wait for the next line before deciding.
        ("  void M()|\n}", "csharp", ["", ""], False, None),
    ],
)
def test_keeps_block(
    document: str, language: str, lines: list[str], complete: bool, keep: bool | None
) -> None:
    context = at(document, language)
    assert keeps_block(lines, context, syntax_for(language), complete=complete) is keep


@pytest.mark.parametrize(
    ("line", "language", "is_unfinished"),
    [
        ("    public function ", "php", True),
        ("    const", "javascript", True),
        ("    return", "python", False),  # a bare return is whole
        ("def median(values)", "python", True),  # the colon is missing
        ("    if ready  # soon", "python", True),
        ("def median(values):", "python", False),
        ("x = 1", "python", False),
        ("return x", "python", False),
        ("func area(w, h float64) float64", "go", False),
        ("redefine", "python", False),
    ],
)
def test_unfinished(line: str, language: str, is_unfinished: bool) -> None:
    assert unfinished(line, syntax_for(language)) is is_unfinished


def test_budget_and_indentation() -> None:
    assert num_predict(Shape.LINE, 128) == 64
    assert num_predict(Shape.LINE, 32) == 32
    assert num_predict(Shape.LINE_OR_BLOCK, 128) == 128
    assert num_predict(Shape.BLOCK, 256) == 256
    assert indent_of("\t\tx") == 8
    assert indent_of("    x") == 4
    assert indent_of("") == 0
