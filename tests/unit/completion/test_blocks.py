import pytest

from ollama_lsp.completion.blocks import cut_block, cut_line
from ollama_lsp.completion.syntax import syntax_for
from tests.unit.completion.helpers import at


def block(document: str, language: str, text: str) -> tuple[str, bool]:
    lines, finished = cut_block(text.split("\n"), at(document), syntax_for(language))
    return "\n".join(lines), finished


@pytest.mark.parametrize(
    ("document", "language", "text", "kept"),
    [
        # A header's body ends back at the header's level; its closer is kept.
        ("if (x) {|\n", "javascript", "\n  a();\n}\nb();", "\n  a();\n}"),
        ("def f():|\n", "python", "\n    a()\n\n    b()\nc()", "\n    a()\n\n    b()"),
        ("    if ok:|\n", "python", "\n        a()\n    else:\n        b()\n    c()",
         "\n        a()\n    else:\n        b()"),
        ("def greet|\n", "ruby", "(n)\n  n\nend\n\ndef other", "(n)\n  n\nend"),
        ("for f in *; do|\n", "shellscript", "\n  gzip $f\ndone\necho", "\n  gzip $f\ndone"),
        ("<ul>|\n", "html", "\n  <li>a</li>\n</ul>\n<p>", "\n  <li>a</li>\n</ul>"),
        ("steps:|\n", "yaml", "\n- run: a\n- run: b\nnext:", "\n- run: a\n- run: b"),
        ("[tool]|\n", "toml", "\na = 1\nb = 2\n\n[other]", "\na = 1\nb = 2\n"),
        # The header on the model's next line (K&R C) and an Allman brace.
        ("int f(void)|\n", "c", "\n{\n    return 0;\n}\n\nint g", "\n{\n    return 0;\n}"),
        ("  void M()|\n}", "csharp", "\n  {\n    x++;\n  }\n  void N()", "\n  {\n    x++;\n  }"),
        # Statements at the cursor's level: a dedent ends them; a closer there is kept...
        ("def f():\n    |\n", "python", "a()\n    b()\nc()", "a()\n    b()"),
        ("class A\n  def f\n    |", "ruby", "a\n  end\nend", "a\n  end"),
        # ...unless the document's next line is that very closer.
        ("class A\n  def f\n    |\n  end\n", "ruby", "a\n  end\nend", "a"),
        # After a blank line, a new statement ends them once a compound one is complete...
        ("class A:\n    |\n", "python", "def a(self):\n        pass\n\n    def b(self):",
         "def a(self):\n        pass\n"),
        # ... also when it ended with its closer at that level (an Allman method).
        ("class P\n{\n    |\n}", "csharp", "P(int a)\n    {\n        x = a;\n    }\n\n    int M()",
         "P(int a)\n    {\n        x = a;\n    }\n"),
        # At the top level a blank line ends a paragraph.
        ("|\n", "markdown", "- a\n- b\n\n## Next", "- a\n- b\n"),
        ("|\n", "sql", "SELECT 1\nFROM t;\n\nSELECT 2;", "SELECT 1\nFROM t;"),
        ("|\n", "toml", 'a = "1"\n[deps]\nb = 2', 'a = "1"'),
    ],
)  # fmt: skip
def test_cut_block(document: str, language: str, text: str, kept: str) -> None:
    assert block(document, language, text) == (kept, True)


def test_an_unfinished_block_is_not_final() -> None:
    assert block("if (x) {|\n", "javascript", "\n  a();\n  b();") == ("\n  a();\n  b();", False)
    # Blank lines between simple statements do not end a body.
    text = "x = 1\n\n    return x"
    assert block("def f():\n    |\n", "python", text) == (text, False)


@pytest.mark.parametrize(
    ("text", "kept", "finished"),
    [
        ("a + b\nc", ["a + b"], True),
        ("a + b", ["a + b"], False),
        ("\n\n    x\ny", ["", "", "    x"], True),
        ("\n\n", ["", "", ""], False),
    ],
)
def test_cut_line(text: str, kept: list[str], finished: bool) -> None:
    assert cut_line(text.split("\n")) == (kept, finished)
