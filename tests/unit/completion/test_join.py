import pytest

from ollama_lsp.completion.join import cut_closers, strip_leading_space, tidy_end, trim_overlap
from ollama_lsp.completion.syntax import syntax_for
from tests.unit.completion.helpers import at


@pytest.mark.parametrize(
    ("line_prefix", "text", "joined"),
    [
        ("    return ", " this;", "this;"),
        ("    return ", "\t this;", "this;"),
        ("    return", " this;", " this;"),  # the model's space is the only one
        ("  ", " AND x", "AND x"),  # a lone space after indentation: the tokenizer's
        ("  ", "    x", "    x"),  # deeper indentation is the model's to give
        ("", " x", " x"),
        ("x = ", "\n  y", "\n  y"),
    ],
)
def test_strip_leading_space(line_prefix: str, text: str, joined: str) -> None:
    assert strip_leading_space(text, line_prefix) == joined


@pytest.mark.parametrize(
    ("document", "language", "text", "trimmed"),
    [
        ('print("|")\n', "python", 'hi")', "hi"),
        ("f(|)\n", "python", "a, b)", "a, b"),
        ("let x = |;\n", "javascript", "a + b;", "a + b"),
        ("Map<String, |> m;\n", "java", "List<Item>", "List<Item>"),  # its own >
        ("new Map<string, |>();\n", "typescript", "User[]>();", "User[]"),
        ("x = |foo()\n", "python", "await foo()", "await "),
        ("x = |total\n", "python", "t", "t"),  # one letter is no overlap
        ("f(|)\n", "python", "a,\nb)", "a,\nb)"),  # several lines: left to the closers
    ],
)
def test_trim_overlap(document: str, language: str, text: str, trimmed: str) -> None:
    assert trim_overlap(text, at(document, language), syntax_for(language)) == trimmed


@pytest.mark.parametrize(
    ("document", "language", "text", "kept", "cut"),
    [
        ("print(max(a, |", "python", "b))", "b))", False),  # the file lacks both
        ("print(max(a, |)\n", "python", "b))", "b)", True),  # it has one
        ("x = |\n", "python", "8.5)", "8.5", True),  # closes nothing
        ("foo(|\n", "javascript", "a, b]", "a, b", True),  # closes the wrong thing
        ("f(|)\n", "javascript", "a, b) + c", "a, b", True),
        # Closing the block the cursor is in ends the suggestion with that line.
        ("class A {\n  m() {\n    |", "javascript", "x++;\n  }\n\n  n() {}", "x++;\n  }", True),
        ("go(() => {\n  |", "javascript", "x++;\n});\nnext();", "x++;\n});", True),
        ("if (a) {\n  |", "javascript", "x++;\n} else {\n  y++;\n}", "x++;\n}", True),
        # A bracket opened on the cursor's line closing is only the line going on.
        ("f(|\n", "javascript", "a) {\n  b();\n}", "a) {\n  b();\n}", False),
        # Brackets in strings do not count.
        ('f("\\"(", |\n', "python", "x))", "x)", True),
    ],
)
def test_cut_closers(document: str, language: str, text: str, kept: str, cut: bool) -> None:
    assert cut_closers(text, at(document, language), syntax_for(language)) == (kept, cut)


@pytest.mark.parametrize(
    ("document", "text", "tidy"),
    [
        ("x = |\n", "1  \n\n", "1"),
        ("x = |foo\n", "await ", "await "),  # the space before a word that follows
        ("function f() {|}\n", "\n  return 1;\n", "\n  return 1;\n"),
        ("  if (x) {|}\n", "\n    a();", "\n    a();\n  "),
    ],
)
def test_tidy_end(document: str, text: str, tidy: str) -> None:
    assert tidy_end(text, at(document)) == tidy
