"""What the user sees for the model's raw output, one test per class of issue 13: a block after
an opener, a suggestion that starts on the next line, the end of the current block, text the
document already has, the join with the text around the cursor, and think blocks."""

from __future__ import annotations

from typing import Any

from lsprotocol import types
from pytest_lsp import LanguageClient

from tests.e2e.conftest import (
    eventually,
    generations,
    initialize,
    inline_params,
    open_document,
    settings_for,
)
from tests.fake_ollama import FakeOllama

MAX_TOKENS = 128  # the default completion.maxTokens


async def suggest(
    client: LanguageClient, fake: FakeOllama, name: str, document: str, language: str, raw: str
) -> str | None:
    """The suggestion at ``|`` in ``document`` when the model answers ``raw``."""
    fake.clear_rules()
    fake.reply(raw)
    prefix, suffix = document.split("|")
    uri = f"file:///project/{name}"
    open_document(client, uri, prefix + suffix, language)
    line_prefix = prefix[prefix.rfind("\n") + 1 :]
    line, character = prefix.count("\n"), len(line_prefix.encode("utf-16-le")) // 2
    result = await client.text_document_inline_completion_async(inline_params(uri, line, character))
    if result is None:
        return None
    items = result.items if isinstance(result, types.InlineCompletionList) else result
    assert len(items) == 1
    text = items[0].insert_text
    assert isinstance(text, str)
    return text


def options_of_last(fake: FakeOllama) -> dict[str, Any]:
    body = generations(fake)[-1].body
    assert isinstance(body, dict)
    options = body["options"]
    assert isinstance(options, dict)
    return options


async def test_a_block_after_an_opener_on_a_non_empty_line(
    client: LanguageClient, fake_ollama: FakeOllama
) -> None:
    await initialize(client, init_options=settings_for(fake_ollama.url))
    go = "package shapes\n\nfunc area(w, h float64) float64 |\n"
    raw = "{\n\treturn w * h\n}\n\nfunc perimeter(w, h float64) float64 {\n\treturn 2 * (w + h)\n}"
    assert await suggest(client, fake_ollama, "a.go", go, "go", raw) == "{\n\treturn w * h\n}"
    assert options_of_last(fake_ollama)["num_predict"] == MAX_TOKENS  # a block may come

    python = "def median(values)|\n"
    raw = ":\n    ordered = sorted(values)\n    return ordered[len(ordered) // 2]\n\n\ndef mode():"
    expected = ":\n    ordered = sorted(values)\n    return ordered[len(ordered) // 2]"
    assert await suggest(client, fake_ollama, "b.py", python, "python", raw) == expected

    # The same first line where the body already follows: one line only.
    python = "def median(values)|\n    return sorted(values)[0]\n"
    assert await suggest(client, fake_ollama, "c.py", python, "python", raw) == ":"

    # Mid-line, the rest of the line with the small budget.
    assert await suggest(client, fake_ollama, "d.py", "x = comp|ute\n", "python", "ute()") == (
        "ute()"
    )
    assert options_of_last(fake_ollama)["num_predict"] == 64


async def test_a_suggestion_may_start_on_the_next_line(
    client: LanguageClient, fake_ollama: FakeOllama
) -> None:
    await initialize(client, init_options=settings_for(fake_ollama.url))
    yaml = "services:\n  db:\n    environment:|\n  cache:\n    image: redis\n"
    raw = "\n      POSTGRES_USER: app\n      POSTGRES_DB: app\n  cache:\n    image: redis\n"
    expected = "\n      POSTGRES_USER: app\n      POSTGRES_DB: app"
    assert await suggest(client, fake_ollama, "compose.yaml", yaml, "yaml", raw) == expected

    go = "package calc\n\nfunc add(a, b int) int {\n\treturn a + b|\n\nfunc sub() {}\n"
    assert await suggest(client, fake_ollama, "calc.go", go, "go", "\n}\n\nfunc mul() {}") == "\n}"
    # One line of new text, not "no newline": no newline stop sequence reaches Ollama.
    assert "\n" not in options_of_last(fake_ollama).get("stop", [])

    python = "def f(values):\n    m = mean(values)|\n"
    raw = "\n    return m * 2\n\n\ndef g():\n    pass"
    assert await suggest(client, fake_ollama, "f.py", python, "python", raw) == (
        "\n    return m * 2"
    )


async def test_a_suggestion_stops_at_the_end_of_the_current_block(
    client: LanguageClient, fake_ollama: FakeOllama
) -> None:
    await initialize(client, init_options=settings_for(fake_ollama.url))
    java = (
        "public class Calculator {\n    private double result;\n\n"
        "    public void add(double n) {\n        |"
    )
    others = "".join(
        f"\n\n    public void op{i}(double n) {{\n        result += n * {i};\n    }}"
        for i in range(12)
    )
    raw = "result += n;\n    }" + others + "\n}\n"
    fake_ollama.configure(tokens_per_second=200)
    suggestion = await suggest(client, fake_ollama, "Calc.java", java, "java", raw)
    assert suggestion == "result += n;\n    }"
    # The generation was ended once the block was complete, not run to its end.
    (request,) = [r for r in generations(fake_ollama) if "Calculator" in (r.prompt or "")]
    await eventually(lambda: request.finished is not None)
    assert request.disconnected
    assert request.tokens_generated < len(raw.split()) // 2

    fake_ollama.configure(tokens_per_second=0)
    # At the start of an empty line: the method's brace, not the next method.
    java = "class Calculator {\n    void add(double n) {\n        result += n;\n|"
    raw = "    }\n\n    void subtract(double n) {\n        result -= n;\n    }\n}\n"
    assert await suggest(client, fake_ollama, "Calc2.java", java, "java", raw) == "    }"

    toml = '[package]\nname = "cart"\n|\n'
    raw = 'edition = "2021"\n[dependencies]\nserde = "1"\n'
    assert await suggest(client, fake_ollama, "Cargo.toml", toml, "toml", raw) == (
        'edition = "2021"'
    )

    js = "app.get('/health', (req, res) => {\n  |\n});\n\napp.listen(3000);\n"
    raw = "res.json({ ok: true });\n});\n\napp.listen(3000);\n"
    assert await suggest(client, fake_ollama, "app.js", js, "javascript", raw) == (
        "res.json({ ok: true });"
    )


async def test_a_block_cut_by_the_budget_loses_its_half_written_line(
    client: LanguageClient, fake_ollama: FakeOllama
) -> None:
    await initialize(client, init_options=settings_for(fake_ollama.url, maxTokens=12))
    python = "def total(xs)|\n"
    raw = ":\n    result = 0\n    for x in xs:\n        result += x * we"
    fake_ollama.clear_rules()
    fake_ollama.reply(raw, exhausts_budget=True)
    open_document(client, "file:///project/t.py", python.replace("|", ""))
    result = await client.text_document_inline_completion_async(
        inline_params("file:///project/t.py", 0, 13)
    )
    assert isinstance(result, types.InlineCompletionList)
    assert result.items[0].insert_text == ":\n    result = 0\n    for x in xs:"
    assert options_of_last(fake_ollama)["num_predict"] == 12


async def test_text_the_document_already_has_is_not_suggested_again(
    client: LanguageClient, fake_ollama: FakeOllama
) -> None:
    await initialize(client, init_options=settings_for(fake_ollama.url))
    python = "def doubled(xs):\n    |\n    return result\n"
    raw = "result = [x * 2 for x in xs]\n    return result\n"
    assert await suggest(client, fake_ollama, "a.py", python, "python", raw) == (
        "result = [x * 2 for x in xs]"
    )
    # Nothing but the line that follows: no suggestion at all.
    assert await suggest(client, fake_ollama, "b.py", python, "python", "return result\n") is None

    yaml = "env:\n  USER: app\n  PASSWORD: secret|\n"
    raw = "\n  DB: app\n  DB: app\n  DB: app\n"
    assert await suggest(client, fake_ollama, "c.yaml", yaml, "yaml", raw) == "\n  DB: app"

    imports = "import os\nimport sys\n|\n"
    raw = "import re\nimport re\nimport re\n"
    assert await suggest(client, fake_ollama, "d.py", imports, "python", raw) == "import re"


async def test_the_join_with_the_text_around_the_cursor(
    client: LanguageClient, fake_ollama: FakeOllama
) -> None:
    await initialize(client, init_options=settings_for(fake_ollama.url))
    js = "class A {\n  reset() {\n    return |\n  }\n}\n"
    assert await suggest(client, fake_ollama, "a.js", js, "javascript", " this;") == "this;"
    # Closers the file lacks are kept...
    python = "a, b = 3, 7\nprint(max(a, |"
    assert await suggest(client, fake_ollama, "b.py", python, "python", "b))") == "b))"
    # ...those it has are not doubled.
    python = "print(max(a, |))\n"
    assert await suggest(client, fake_ollama, "c.py", python, "python", "b))") == "b"
    java = 'class App {\n  void m() {\n    System.out.println("|");\n  }\n}\n'
    raw = 'Hello, World!");\n  }\n}'
    assert await suggest(client, fake_ollama, "App.java", java, "java", raw) == "Hello, World!"
    # A line with characters outside the BMP before the cursor (UTF-16 positions).
    python = "# Le café est prêt 🎉 et |\nx = 1\n"
    raw = " les croissants aussi.\nx = 1"
    assert await suggest(client, fake_ollama, "d.py", python, "python", raw) == (
        "les croissants aussi."
    )


async def test_reasoning_models_think_blocks_are_removed_first(
    client: LanguageClient, fake_ollama: FakeOllama
) -> None:
    await initialize(client, init_options=settings_for(fake_ollama.url))
    python = "def mean(values):\n    |\n"
    raw = "<think>\nSum over count.\nThat is it.\n</think>\n\nreturn sum(values) / len(values)"
    assert await suggest(client, fake_ollama, "a.py", python, "python", raw) == (
        "return sum(values) / len(values)"
    )
    # Mid-line (one line wanted): the newlines of the thought do not end the generation.
    python = "total = compute(|)\n"
    raw = "<think>\nThe argument is the list.\n</think>\nitems)"
    assert await suggest(client, fake_ollama, "b.py", python, "python", raw) == "items"
    # A thought that never ends shows nothing.
    raw = "<think>\nThe user wants the mean, which is the sum divided by"
    assert await suggest(client, fake_ollama, "c.py", "def f():\n    |\n", "python", raw) is None
