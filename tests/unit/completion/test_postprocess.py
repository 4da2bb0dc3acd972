import pytest
from hypothesis import given
from hypothesis import strategies as st

from ollama_lsp.completion.postprocess import (
    Shape,
    make_stop_predicate,
    postprocess,
    shape_for,
)
from ollama_lsp.families import special_tokens
from tests.unit.completion.helpers import at

LINE, EITHER, BLOCK = Shape.LINE, Shape.LINE_OR_BLOCK, Shape.BLOCK


PY_BODY = "def add(a, b):\n    |\n\n\ndef main():\n    print(add(1, 2))\n"
JS_BLOCK = "function area(r) {|}\n"
JS_ARRAY = "const xs = [\n  1,\n  |\n];\nconsole.log(xs);\n"

# fmt: off
CASES = [
    # (id, document, language, shape, raw model output, expected)
    ("py body stops at next def", PY_BODY, "python", BLOCK,
     "return a + b\n\n\ndef main():\n    print(add(1, 2))", "return a + b"),
    ("py body codellama eot", PY_BODY, "python", BLOCK, "return a + b <EOT>", "return a + b"),
    ("py fenced", PY_BODY, "python", BLOCK, "```python\nreturn a + b\n```\nExplanation",
     "return a + b"),
    ("py qwen tokens", PY_BODY, "python", BLOCK,
     "return a + b<|endoftext|><|fim_prefix|>junk", "return a + b"),
    ("py deepseek token", PY_BODY, "python", BLOCK,
     "return a + b<\uff5cend\u2581of\u2581sentence\uff5c>", "return a + b"),
    ("py half token at end", PY_BODY, "python", BLOCK, "return a + b<|fim_mi", "return a + b"),
    ("py call keeps own closer", "print(|)\n", "python", EITHER, "len(x)", "len(x)"),
    ("py call drops doubled closer", "print(|)\n", "python", EITHER, "len(x))", "len(x)"),
    ("py string overlap", 'print("|")\n', "python", EITHER, 'hello")', "hello"),
    ("py mid-line single", "total = comp|\n", "python", LINE,
     "ute(values)\nprint(total)", "ute(values)"),
    ("py line then the next line", "x = 1|\n", "python", EITHER, "\ny = 2\nz = 3", "\ny = 2"),
    ("py no next line mid-line", "x = f(1|, 2)\n", "python", LINE, "\ny = 2", ""),
    ("py no next line under a header missing its colon", "def f(x)|\n", "python", EITHER,
     "\n    return x", ""),
    ("php no next line after a keyword", "  public function |\n", "php", EITHER,
     "\n  $name = '';", ""),
    ("py whitespace only", PY_BODY, "python", BLOCK, "   \n\n  ", ""),
    ("py repeats line above", "    x = compute(1)\n    |\n", "python", BLOCK,
     "x = compute(1)", ""),
    ("py repeats following lines", "def f():\n    x = 1\n    |\n    return x\n", "python",
     BLOCK, "y = x * 2\n    return x\n", "y = x * 2"),
    ("py following line only", "def f():\n    |\n    return x\n", "python", BLOCK,
     "return x", ""),
    ("py block after colon", "for item in items:|\n", "python", BLOCK,
     "\n    total += item\nprint(total)", "\n    total += item"),
    ("py if else kept", "    if ok:|\n", "python", BLOCK,
     "\n        return 1\n    else:\n        return 2\ndef g():",
     "\n        return 1\n    else:\n        return 2"),
    ("py top-level paragraph", "import os\n|\n", "python", BLOCK,
     "x = 1\ny = 2\n\nz = 3", "x = 1\ny = 2"),
    ("py opener typed by the model", "def mean(xs)|\n", "python", EITHER,
     ":\n    return sum(xs) / len(xs)\n\n\ndef median(xs):", ":\n    return sum(xs) / len(xs)"),
    ("py opener whose body exists", "def mean(xs)|\n    return 0\n", "python", EITHER,
     ":\n    return sum(xs)\n", ":"),
    ("py same line twice", "import os\n|\n", "python", BLOCK, "import re\nimport re\n",
     "import re"),
    ("py think block", PY_BODY, "python", BLOCK, "<think>\nadd them\n</think>\n\nreturn a + b",
     "return a + b"),
    ("py unterminated think", PY_BODY, "python", BLOCK, "<think>\nadd them, or", ""),
    ("py chat then fence", PY_BODY, "python", BLOCK,
     "Here is the code:\n```python\nreturn a + b\n```", "return a + b"),
    ("js block fill", JS_BLOCK, "javascript", BLOCK,
     "\n  return Math.PI * r * r;\n}\n", "\n  return Math.PI * r * r;\n"),
    ("js array closer in suffix", JS_ARRAY, "javascript", BLOCK,
     "2,\n  3,\n];\nconsole.log(xs);", "2,\n  3,"),
    ("js semicolon overlap", "let total = |;\n", "javascript", EITHER, "a + b;", "a + b"),
    ("js call args", "console.log(|);\n", "javascript", EITHER, "`sum: ${a + b}`);",
     "`sum: ${a + b}`"),
    ("js closes open block without suffix", "function f() {\n  |", "javascript", BLOCK,
     "return 1;\n}\n\nfunction g() {\n}", "return 1;\n}"),
    ("js mismatched closer", "foo(|\n", "javascript", EITHER, "a, b]", "a, b"),
    ("js double space", "  return |\n", "javascript", EITHER, " this;", "this;"),
    ("js signature then body", "function f(a) |\n", "javascript", EITHER,
     "{\n  return a;\n}\n\nfunction g() {}", "{\n  return a;\n}"),
    ("js method ends the block", "class A {\n  m() {\n    x++;\n|", "javascript", BLOCK,
     "  }\n\n  n() {\n    y++;\n  }\n}", "  }"),
    ("markdown keeps fences", "Example:\n|", "markdown", BLOCK, "```python\nx = 1\n```",
     "```python\nx = 1\n```"),
    ("js trailing space before closer", "f(|)\n", "javascript", EITHER, "a, b ", "a, b"),
    ("py space before following word", "x = |foo()\n", "python", LINE, "await ", "await "),
    ("js condition overlap", "if (x|) {\n", "javascript", LINE, " > 0) {", " > 0"),
    ("py escaped quote stays in string", 'f("\\"(", |\n', "python", EITHER, "x))", "x)"),
    ("py escaped backslash ends string", 'f("\\\\", (|\n', "python", EITHER, "x)))", "x))"),
    ("closers the file lacks are kept", "print(max(a, |", "python", EITHER, "b))", "b))"),
    ("one closer the line has", "print(max(a, |)\n", "python", EITHER, "b))", "b)"),
    ("generic keeps its own angle", "Map<String, |> m;\n", "java", EITHER, "List<Item>",
     "List<Item>"),
    ("go next-line closer", "func f() int {\n\treturn 1|\n\nfunc g() {}\n", "go", EITHER,
     "\n}\n", "\n}"),
    ("allman body", "class A\n{\n    void M()|\n}\n", "csharp", EITHER,
     "\n    {\n        x++;\n    }\n\n    void N() {}", "\n    {\n        x++;\n    }"),
    ("ruby end kept", "def greet|\n", "ruby", EITHER, "(name)\n  puts name\nend\n\ndef x",
     "(name)\n  puts name\nend"),
    ("ruby end the document has", "if x\n  a\n|\nend\n", "ruby", BLOCK,
     "else\n  b\nend\n", "else\n  b"),
    ("yaml key opens a block", "env:|\nother: 1\n", "yaml", BLOCK, "\n  A: 1\n  B: 2\nother: 1",
     "\n  A: 1\n  B: 2"),
    ("toml table ends at the next table", "[tool]|\n", "toml", BLOCK,
     "\na = 1\n[other]\nb = 2", "\na = 1"),
    ("csv one record", "a,b\n1,2|\n", "csv", LINE, "\n3,4\n5,6", "\n3,4"),
    ("sql statement ends with its semicolon", "|\n", "sql", BLOCK,
     "SELECT 1\nFROM t;\nSELECT 2;", "SELECT 1\nFROM t;"),
    ("sql closer that closes nothing", "WHERE x > |\n", "sql", EITHER, "8.5)", "8.5"),
    ("html closing tag the document has", "<ul>\n  |\n</ul>\n", "html", BLOCK,
     "<li>a</li>\n</ul>\n<p>", "<li>a</li>"),
    ("html tag opens a block", "<ul>|\n", "html", BLOCK, "\n  <li>a</li>\n</ul>\n<p>x</p>",
     "\n  <li>a</li>\n</ul>"),
]
# fmt: on


@pytest.mark.parametrize(
    ("document", "language", "shape", "raw", "expected"),
    [pytest.param(*case[1:], id=case[0]) for case in CASES],
)
def test_postprocess(document: str, language: str, shape: Shape, raw: str, expected: str) -> None:
    assert postprocess(raw, at(document, language), shape) == expected


def test_a_block_cut_by_the_budget_loses_its_unfinished_line() -> None:
    context = at("def f(xs)|\n")
    raw = ":\n    total = 0\n    for x in xs:\n        total += x * wei"
    assert postprocess(raw, context, EITHER, truncated=True) == (
        ":\n    total = 0\n    for x in xs:"
    )
    assert postprocess(raw, context, EITHER) == raw  # it ended there by itself
    # A block that was complete before the budget ran out keeps all its lines.
    context = at("if (x) {|\n")
    assert postprocess("\n  a();\n}\nb(", context, BLOCK, truncated=True) == "\n  a();\n}"
    # One line is better shown in part than not at all.
    assert postprocess("compute(a, b, c", at("x = |\n"), EITHER, truncated=True) == (
        "compute(a, b, c"
    )


@pytest.mark.parametrize(
    ("setting", "document", "shape"),
    [
        ("auto", "x = comp|ute()\n", LINE),
        ("auto", "def f():|\n", BLOCK),
        ("auto", "x = 1|\n", EITHER),
        ("always", "x = comp|ute()\n", BLOCK),
        ("never", "def f():|\n", LINE),
    ],
)
def test_the_setting_overrides_the_code(setting: str, document: str, shape: Shape) -> None:
    assert shape_for(at(document), setting) is shape


@pytest.mark.parametrize(
    ("document", "shape", "stream", "stop_at"),
    [
        ("x = comp|ute\n", LINE, ["ute(", "values)", "\nprint"], 2),
        (PY_BODY, BLOCK, ["return a", " + b\n", "\n\n", "def main", "():\n"], 4),
        (PY_BODY, BLOCK, ["return a + b", "<EOT>"], 1),
        (JS_ARRAY, BLOCK, ["2,\n", "  3,\n", "];\n"], 2),
        ("x = |\n", EITHER, ["```python", "\nfoo\n", "```"], 1),
        # A suggestion that starts on the next line is not ended by its first newline.
        ("x = 1|\n", EITHER, ["\n", "y = 2", "\n", "z"], 2),
        # Nor is a think block.
        ("x = |\n", EITHER, ["<think>\n", "hmm\n", "</think>", "1", "\n"], 4),
        # A line that opens a block goes on to the block's end.
        ("def f(x)|\n", EITHER, [":\n", "    return x\n", "\n", "def g", "():\n"], 4),
    ],
)
def test_stop_predicate_stops_once_the_suggestion_is_decided(
    document: str, shape: Shape, stream: list[str], stop_at: int
) -> None:
    should_stop = make_stop_predicate(at(document), shape)
    so_far = ""
    decisions = []
    for piece in stream:
        so_far += piece
        decisions.append(should_stop(so_far))
    assert decisions.index(True) == stop_at
    assert not any(decisions[:stop_at])


FIM_TOKENS = sorted(special_tokens())
pieces = st.one_of(
    st.text(max_size=8),
    st.sampled_from(FIM_TOKENS),
    st.sampled_from(["\n", "```", "(", ")", "}", "<think>", "</think>", "end", "  "]),
)


@given(
    raw=st.lists(pieces, max_size=12).map("".join),
    document=st.text(max_size=60).map(lambda t: t[: len(t) // 2] + "|" + t[len(t) // 2 :]),
    language=st.sampled_from(["python", "javascript", "markdown", "yaml", "sql", "ruby", "csv"]),
    shape=st.sampled_from(list(Shape)),
)
def test_postprocess_never_raises_and_never_leaks_tokens(
    raw: str, document: str, language: str, shape: Shape
) -> None:
    context = at(document, language)
    out = postprocess(raw, context, shape)
    assert not any(token in out for token in FIM_TOKENS)
    assert out == "" or out.strip()
    make_stop_predicate(context, shape)(raw)
    shape_for(context)
