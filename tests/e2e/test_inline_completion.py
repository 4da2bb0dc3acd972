"""Inline completion end to end: editor -> server subprocess -> emulator -> editor."""

from __future__ import annotations

import pytest
from lsprotocol import types
from pytest_lsp import LanguageClient

from tests.e2e.conftest import (
    PROFILES,
    generations,
    initialize,
    inline_params,
    open_document,
    settings_for,
)
from tests.fake_ollama import FakeOllama

PY_URI = "file:///project/src/shapes.py"
PY_TEXT = "class Square:\n    def area(self):\n        \n"
JS_URI = "file:///project/web/app.js"
JS_TEXT = "function greet(name) {\n  \n}\n"


async def inline(
    client: LanguageClient, uri: str, line: int, character: int, **kw: object
) -> str | None:
    result = await client.text_document_inline_completion_async(
        inline_params(uri, line, character, **kw)  # type: ignore[arg-type]
    )
    if result is None:
        return None
    items = result.items if isinstance(result, types.InlineCompletionList) else result
    if not items:
        return None
    text = items[0].insert_text
    assert isinstance(text, str)
    assert items[0].range == types.Range(
        start=types.Position(line=line, character=character),
        end=types.Position(line=line, character=character),
    )
    return text


@pytest.mark.parametrize("profile", PROFILES)
async def test_python_and_javascript_files_get_the_models_text(
    client: LanguageClient, fake_ollama: FakeOllama, profile: str
) -> None:
    fake_ollama.reply("return self.side ** 2", prefix_endswith="area(self):\n        ")
    fake_ollama.reply("return `Hello, ${name}!`;", prefix_endswith="greet(name) {\n  ")
    await initialize(client, init_options=settings_for(fake_ollama.url), profile=profile)
    open_document(client, PY_URI, PY_TEXT, "python")
    open_document(client, JS_URI, JS_TEXT, "javascript")

    assert await inline(client, PY_URI, 2, 8) == "return self.side ** 2"
    assert await inline(client, JS_URI, 1, 2) == "return `Hello, ${name}!`;"
    prompts = generations(fake_ollama)
    assert len(prompts) == 2
    assert prompts[0].fim_suffix is not None and prompts[1].fim_suffix is not None


FIM_FAMILIES = [
    pytest.param("codellama:7b-code", "codellama", id="codellama"),
    pytest.param("qwen2.5-coder:1.5b-base", "fim_pipe", id="qwen2.5-coder"),
    pytest.param("deepseek-coder:1.3b-base", "deepseek", id="deepseek-coder"),
    pytest.param("starcoder2:3b", "starcoder", id="starcoder2"),
    pytest.param("codegemma:2b", "fim_pipe", id="codegemma"),
]


@pytest.mark.parametrize(("model", "layout"), FIM_FAMILIES)
async def test_each_family_gets_its_own_fim_prompt(
    client: LanguageClient, fake_ollama: FakeOllama, model: str, layout: str
) -> None:
    fake_ollama.reply("return self.side ** 2")
    await initialize(client, init_options=settings_for(fake_ollama.url, model))
    open_document(client, PY_URI, PY_TEXT)
    assert await inline(client, PY_URI, 2, 8) == "return self.side ** 2"
    (request,) = generations(fake_ollama)
    assert request.body["model"] == model
    assert request.body["keep_alive"] == "30m"  # the default keepAlive setting
    assert request.fim_layout == layout
    assert request.fim_prefix is not None and request.fim_prefix.endswith("area(self):\n        ")
    assert request.fim_suffix is not None and request.fim_suffix.startswith("\n")


async def test_tinyllama_gets_a_prefix_only_prompt(
    client: LanguageClient, fake_ollama: FakeOllama
) -> None:
    fake_ollama.reply("return self.side ** 2")
    await initialize(client, init_options=settings_for(fake_ollama.url, "tinyllama:latest"))
    open_document(client, PY_URI, PY_TEXT)
    assert await inline(client, PY_URI, 2, 8) == "return self.side ** 2"
    (request,) = generations(fake_ollama)
    assert request.fim_layout is None
    assert not request.body.get("suffix")
    assert request.body["prompt"].endswith("def area(self):\n        ")


async def test_completion_fallback_offers_the_same_suggestion_as_one_item(
    client: LanguageClient, fake_ollama: FakeOllama
) -> None:
    fake_ollama.reply("turn self.side ** 2")
    await initialize(client, init_options=settings_for(fake_ollama.url), profile="neovim")
    text = "class Square:\n    def area(self):\n        re\n"
    open_document(client, PY_URI, text)
    result = await client.text_document_completion_async(
        types.CompletionParams(
            text_document=types.TextDocumentIdentifier(uri=PY_URI),
            position=types.Position(line=2, character=10),
            context=types.CompletionContext(trigger_kind=types.CompletionTriggerKind.Invoked),
        )
    )
    assert isinstance(result, types.CompletionList)
    (item,) = result.items
    assert item.label == "return self.side ** 2"
    assert isinstance(item.text_edit, types.TextEdit)
    assert item.text_edit.new_text == "return self.side ** 2"
    assert item.text_edit.range == types.Range(
        start=types.Position(line=2, character=8), end=types.Position(line=2, character=10)
    )


async def test_lines_with_emoji_and_cjk_get_utf16_ranges(
    client: LanguageClient, fake_ollama: FakeOllama
) -> None:
    fake_ollama.reply(" + '中文'")
    await initialize(client, init_options=settings_for(fake_ollama.url))
    text = 'greeting = "😀👋" + "日本"\n'
    open_document(client, PY_URI, text)
    end = len(text.rstrip("\n").encode("utf-16-le")) // 2  # 24 UTF-16 units, 22 code points
    assert end == 24
    assert await inline(client, PY_URI, 0, end) == " + '中文'"
    (request,) = generations(fake_ollama)
    assert request.fim_prefix is not None and request.fim_prefix.endswith('"日本"')
    # a position inside the surrogate pair of 😀 is clamped to the character boundary before it
    fake_ollama.reply("X")
    result = await client.text_document_inline_completion_async(inline_params(PY_URI, 0, 13))
    assert result is not None
    items = result.items if isinstance(result, types.InlineCompletionList) else result
    assert items[0].range is not None and items[0].range.start == types.Position(
        line=0, character=12
    )


async def test_a_dotenv_file_never_reaches_a_prompt(
    client: LanguageClient, fake_ollama: FakeOllama
) -> None:
    fake_ollama.reply("print(settings)")
    await initialize(client, init_options=settings_for(fake_ollama.url))
    secret = "OPENAI_API_KEY=sk-very-secret-value\nsettings = 1\n"
    open_document(client, "file:///project/.env", secret, "dotenv")
    open_document(client, "file:///project/config.py", "settings = load()\nsettings = 1\n")
    assert await inline(client, "file:///project/.env", 1, 12) is None
    assert await inline(client, "file:///project/config.py", 1, 12) is not None
    for request in fake_ollama.requests:
        assert "sk-very-secret-value" not in str(request.body)


async def test_credentials_found_by_content_or_language_never_reach_a_prompt(
    client: LanguageClient, fake_ollama: FakeOllama
) -> None:
    fake_ollama.reply("client.chat()")
    await initialize(client, init_options=settings_for(fake_ollama.url))
    key = "sk-proj-abcdefghij0123456789ABCDEFGHIJklm"
    key_file = '{"type": "service_account", "private_key": "-----BEGIN PRIVATE KEY-----x"}'
    open_document(client, "file:///project/deploy/key.json", key_file, "json")
    open_document(client, "untitled:Untitled-1", "DB_PASSWORD=pw-0123456789abc\n", "dotenv")
    code = f'import openai\nclient = openai.OpenAI(api_key="{key}")\nclient\n'
    open_document(client, "file:///project/ask.py", code)

    assert await inline(client, "file:///project/deploy/key.json", 0, 10) is None
    assert await inline(client, "untitled:Untitled-1", 1, 0) is None
    assert await inline(client, "file:///project/ask.py", 2, 6) == "client.chat()"
    sent = " ".join(str(r.body) for r in fake_ollama.requests)
    for secret in (key, "private_key", "pw-0123456789abc"):
        assert secret not in sent
    assert 'api_key="<redacted>"' in generations(fake_ollama)[-1].prompt


async def test_a_manual_request_reports_work_done_progress(
    client: LanguageClient, fake_ollama: FakeOllama
) -> None:
    fake_ollama.reply("return self.side ** 2")
    await initialize(client, init_options=settings_for(fake_ollama.url))
    open_document(client, PY_URI, PY_TEXT)
    client.progress_reports["inline-1"] = []
    assert (
        await inline(client, PY_URI, 2, 8, invoked=True, token="inline-1")
        == "return self.side ** 2"
    )
    kinds = [type(report).__name__ for report in client.progress_reports["inline-1"]]
    assert kinds == ["WorkDoneProgressBegin", "WorkDoneProgressEnd"]


async def test_a_selected_completion_item_is_continued_not_contradicted(
    client: LanguageClient, fake_ollama: FakeOllama
) -> None:
    fake_ollama.reply("(self.side, 2)", prefix_endswith="math.pow")
    await initialize(client, init_options=settings_for(fake_ollama.url))
    text = "import math\nclass Square:\n    def area(self):\n        return math.p\n"
    open_document(client, PY_URI, text)
    selected = types.SelectedCompletionInfo(
        range=types.Range(
            start=types.Position(line=3, character=20), end=types.Position(line=3, character=21)
        ),
        text="pow",
    )
    result = await client.text_document_inline_completion_async(
        types.InlineCompletionParams(
            text_document=types.TextDocumentIdentifier(uri=PY_URI),
            position=types.Position(line=3, character=21),
            context=types.InlineCompletionContext(
                trigger_kind=types.InlineCompletionTriggerKind.Automatic,
                selected_completion_info=selected,
            ),
        )
    )
    assert isinstance(result, types.InlineCompletionList)
    (item,) = result.items
    assert item.insert_text == "pow(self.side, 2)"
    assert item.range == selected.range
