import pytest
from hypothesis import given
from hypothesis import strategies as st

from ollama_lsp.completion.postprocess import (
    is_multiline_position,
    make_stop_predicate,
    postprocess,
)
from ollama_lsp.context import CodeContext
from ollama_lsp.families import special_tokens


def at(document: str, language: str = "python") -> CodeContext:
    """A context from a document with ``|`` at the cursor."""
    prefix, suffix = document.split("|", 1)
    return CodeContext(prefix, suffix, language, "file")


PY_BODY = "def add(a, b):\n    |\n\n\ndef main():\n    print(add(1, 2))\n"
JS_BLOCK = "function area(r) {|}\n"
JS_ARRAY = "const xs = [\n  1,\n  |\n];\nconsole.log(xs);\n"

# fmt: off
CASES = [
    # (id, document, language, multiline, raw model output, expected)
    ("py body stops at next def", PY_BODY, "python", True,
     "return a + b\n\n\ndef main():\n    print(add(1, 2))", "return a + b"),
    ("py body codellama eot", PY_BODY, "python", True, "return a + b <EOT>", "return a + b"),
    ("py fenced", PY_BODY, "python", True, "```python\nreturn a + b\n```\nExplanation",
     "return a + b"),
    ("py qwen tokens", PY_BODY, "python", True,
     "return a + b<|endoftext|><|fim_prefix|>junk", "return a + b"),
    ("py deepseek token", PY_BODY, "python", True,
     "return a + b<\uff5cend\u2581of\u2581sentence\uff5c>", "return a + b"),
    ("py half token at end", PY_BODY, "python", True, "return a + b<|fim_mi", "return a + b"),
    ("py call keeps own closer", "print(|)\n", "python", False, "len(x)", "len(x)"),
    ("py call drops doubled closer", "print(|)\n", "python", False, "len(x))", "len(x)"),
    ("py string overlap", 'print("|")\n', "python", False, 'hello")', "hello"),
    ("py mid-line single", "total = comp|\n", "python", False,
     "ute(values)\nprint(total)", "ute(values)"),
    ("py leading newline single", "x = 1|\n", "python", False, "\ny = 2", ""),
    ("py whitespace only", PY_BODY, "python", True, "   \n\n  ", ""),
    ("py repeats line above", "    x = compute(1)\n    |\n", "python", True,
     "x = compute(1)", ""),
    ("py repeats following lines", "def f():\n    x = 1\n    |\n    return x\n", "python",
     True, "y = x * 2\n    return x\n", "y = x * 2"),
    ("py following line only", "def f():\n    |\n    return x\n", "python", True,
     "return x", ""),
    ("py block after colon", "for item in items:|\n", "python", True,
     "\n    total += item\nprint(total)", "\n    total += item"),
    ("py if else kept", "    if ok:|\n", "python", True,
     "\n        return 1\n    else:\n        return 2\ndef g():",
     "\n        return 1\n    else:\n        return 2"),
    ("py top-level paragraph", "import os\n|\n", "python", True,
     "x = 1\ny = 2\n\nz = 3", "x = 1\ny = 2"),
    ("js block fill", JS_BLOCK, "javascript", True,
     "\n  return Math.PI * r * r;\n}\n", "\n  return Math.PI * r * r;\n"),
    ("js array closer in suffix", JS_ARRAY, "javascript", True,
     "2,\n  3,\n];\nconsole.log(xs);", "2,\n  3,"),
    ("js semicolon overlap", "let total = |;\n", "javascript", False, "a + b;", "a + b"),
    ("js call args", "console.log(|);\n", "javascript", False, "`sum: ${a + b}`);",
     "`sum: ${a + b}`"),
    ("js closes open block without suffix", "function f() {\n  |", "javascript", True,
     "return 1;\n}\n\nfunction g() {\n}", "return 1;\n}"),
    ("js mismatched closer", "foo(|\n", "javascript", False, "a, b]", "a, b"),
    ("markdown keeps fences", "Example:\n|", "markdown", True, "```python\nx = 1\n```",
     "```python\nx = 1\n```"),
    ("js trailing space before closer", "f(|)\n", "javascript", False, "a, b ", "a, b"),
    ("py space before following word", "x = |foo()\n", "python", False, "await ", "await "),
    ("js condition overlap", "if (x|) {\n", "javascript", False, " > 0) {", " > 0"),
    ("py escaped quote stays in string", 'f("\\"(", |\n', "python", False, "x))", "x)"),
    ("py escaped backslash ends string", 'f("\\\\", (|\n', "python", False, "x)))", "x))"),
]
# fmt: on


@pytest.mark.parametrize(
    ("document", "language", "multiline", "raw", "expected"),
    [pytest.param(*case[1:], id=case[0]) for case in CASES],
)
def test_postprocess(
    document: str, language: str, multiline: bool, raw: str, expected: str
) -> None:
    assert postprocess(raw, at(document, language), multiline=multiline) == expected


@pytest.mark.parametrize(
    ("document", "multiline"),
    [
        ("def f():|\n", True),
        ("    |\n", True),
        ("|", True),
        ("function f() {|}\n", True),
        ("const f = (x) =>|\n", True),
        ("items = [|\n", True),
        ("x = compute(|)\n", False),
        ("total = comp|ute\n", False),
        ("x = 1|\n", False),
        ("print('hi')|\n", False),
    ],
)
def test_is_multiline_position(document: str, multiline: bool) -> None:
    assert is_multiline_position(at(document)) is multiline


@pytest.mark.parametrize(
    ("document", "multiline", "stream", "stop_at"),
    [
        ("x = comp|\n", False, ["ute(", "values)", "\nprint"], 2),
        (PY_BODY, True, ["return a", " + b\n", "\n\n", "def main", "():\n"], 4),
        (PY_BODY, True, ["return a + b", "<EOT>"], 1),
        (JS_ARRAY, True, ["2,\n", "  3,\n", "];\n"], 2),
        ("x = |\n", False, ["```python", "\nfoo"], 1),
    ],
)
def test_stop_predicate_stops_once_the_suggestion_is_decided(
    document: str, multiline: bool, stream: list[str], stop_at: int
) -> None:
    should_stop = make_stop_predicate(at(document), multiline=multiline)
    so_far = ""
    decisions = []
    for piece in stream:
        so_far += piece
        decisions.append(should_stop(so_far))
    assert decisions.index(True) == stop_at
    assert not any(decisions[:stop_at])


FIM_TOKENS = sorted(special_tokens())
pieces = st.one_of(
    st.text(max_size=8), st.sampled_from(FIM_TOKENS), st.sampled_from(["\n", "```", "(", ")", "}"])
)


@given(
    raw=st.lists(pieces, max_size=12).map("".join),
    document=st.text(max_size=60).map(lambda t: t[: len(t) // 2] + "|" + t[len(t) // 2 :]),
    language=st.sampled_from(["python", "javascript", "markdown", "plaintext"]),
    multiline=st.booleans(),
)
def test_postprocess_never_raises_and_never_leaks_tokens(
    raw: str, document: str, language: str, multiline: bool
) -> None:
    context = at(document, language)
    out = postprocess(raw, context, multiline=multiline)
    assert not any(token in out for token in FIM_TOKENS)
    assert out == "" or out.strip()
    make_stop_predicate(context, multiline=multiline)(raw)
    is_multiline_position(context)
