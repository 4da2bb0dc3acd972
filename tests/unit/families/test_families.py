import pytest

from ollama_lsp.context import CodeContext, Snippet
from ollama_lsp.families import build_prompt, comment_out, family_for, uses_fim
from ollama_lsp.providers import CompletionPrompt

CTX = CodeContext(
    prefix="def add(a, b):\n    ",
    suffix="\n\nprint(add(1, 2))\n",
    language_id="python",
    path="src/calc.py",
)
WITH_SNIPPET = CodeContext(
    prefix="x = ",
    suffix="\n",
    language_id="python",
    path="main.py",
    snippets=(Snippet("util.py", "def helper():\n    return 1", 0.5),),
)


@pytest.mark.parametrize(
    ("model", "family"),
    [
        ("codellama:7b-code", "codellama"),
        ("codellama:latest", "codellama"),
        ("tinyllama", "tinyllama"),
        ("tinyllama:1.1b-chat-v1-q4_0", "tinyllama"),
        ("qwen2.5-coder:1.5b-base", "qwen2.5-coder"),
        ("hf.co/Qwen/Qwen2.5-Coder-7B-Instruct-GGUF:Q4_K_M", "qwen2.5-coder"),
        ("deepseek-coder:6.7b-base", "deepseek-coder"),
        ("deepseek-coder-v2:16b-lite-base-q4_0", "deepseek-coder"),
        ("starcoder2:3b", "starcoder2"),
        ("codegemma:2b", "codegemma"),
        ("llama3.2:latest", None),
        ("mistral", None),
    ],
)
def test_family_for(model: str, family: str | None) -> None:
    found = family_for(model)
    assert (found.name if found else None) == family


@pytest.mark.parametrize(
    ("model", "fim"),
    [
        ("codellama:7b-code", True),
        ("codellama:13b-code-q4_K_M", True),
        ("codellama:code", True),
        ("codellama:34b-code", False),
        ("codellama:7b-instruct", False),
        ("codellama:latest", False),
        ("codellama:7b-python", False),
        ("tinyllama:latest", False),
        ("qwen2.5-coder:7b", True),
        ("deepseek-coder:6.7b-base-q4_K_M", True),
        ("deepseek-coder:6.7b-instruct", False),
        ("starcoder2:15b", True),
        ("starcoder2:15b-instruct", False),
        ("codegemma:2b", True),
        ("codegemma:7b-code-q4_K_M", True),
        ("codegemma:7b-instruct", False),
        ("codegemma:latest", False),
        ("some-new-model:latest", False),
    ],
)
def test_family_table_says_which_variants_fill_in_the_middle(model: str, fim: bool) -> None:
    assert uses_fim(model, None) is fim


@pytest.mark.parametrize("model", ["codellama:latest", "some-new-model", "tinyllama"])
def test_insert_capability_overrides_the_table(model: str) -> None:
    assert uses_fim(model, True) is True
    assert uses_fim("codellama:7b-code", False) is False


HEADER = "# Path: src/calc.py\n"


@pytest.mark.parametrize(
    ("model", "prompt"),
    [
        (
            "codellama:7b-code",
            f"<PRE> {HEADER}def add(a, b):\n     <SUF>\n\nprint(add(1, 2))\n <MID>",
        ),
        (
            "qwen2.5-coder:1.5b",
            "<|file_sep|>src/calc.py\n<|fim_prefix|>def add(a, b):\n    "
            "<|fim_suffix|>\n\nprint(add(1, 2))\n<|fim_middle|>",
        ),
        (
            "deepseek-coder:1.3b-base",
            f"<\uff5cfim\u2581begin\uff5c>{HEADER}def add(a, b):\n    "
            "<\uff5cfim\u2581hole\uff5c>\n\nprint(add(1, 2))\n<\uff5cfim\u2581end\uff5c>",
        ),
        (
            "starcoder2:3b",
            "<file_sep><fim_prefix>src/calc.py\ndef add(a, b):\n    "
            "<fim_suffix>\n\nprint(add(1, 2))\n<fim_middle>",
        ),
        (
            "codegemma:2b",
            f"<|fim_prefix|>{HEADER}def add(a, b):\n    "
            "<|fim_suffix|>\n\nprint(add(1, 2))\n<|fim_middle|>",
        ),
    ],
)
def test_fim_prompts_are_raw_and_in_the_family_format(model: str, prompt: str) -> None:
    result = build_prompt(model, CTX, None)
    assert result.prompt == prompt
    assert result.raw is True and result.suffix is None
    assert result.stop == family_for(model).stop  # type: ignore[union-attr]


def test_codellama_stops_on_eot_and_its_markers() -> None:
    stop = build_prompt("codellama:7b-code", CTX).stop
    assert set(stop) >= {"<EOT>", "<PRE>", "<SUF>", "<MID>"}


def test_tinyllama_gets_a_prefix_only_raw_prompt() -> None:
    result = build_prompt("tinyllama:latest", CTX, None)
    assert result == CompletionPrompt(
        prompt=HEADER + "def add(a, b):\n    ",
        suffix=None,
        raw=True,
        stop=family_for("tinyllama").stop,  # type: ignore[union-attr]
    )
    assert family_for("tinyllama").context_length == 2048  # type: ignore[union-attr]


def test_instruct_codellama_is_prefix_only() -> None:
    result = build_prompt("codellama:7b-instruct", CTX, None)
    assert "<PRE>" not in result.prompt and result.suffix is None
    assert result.prompt.endswith("def add(a, b):\n    ")


def test_unknown_model_with_insert_uses_ollamas_template() -> None:
    result = build_prompt("mystery-coder:1b", CTX, True)
    assert result == CompletionPrompt(HEADER + CTX.prefix, CTX.suffix, False, ())


def test_unknown_model_without_insert_is_prefix_only() -> None:
    assert build_prompt("mystery:1b", CTX, None) == CompletionPrompt(
        HEADER + CTX.prefix, None, True, ()
    )


def test_snippets_as_comments_before_the_prefix() -> None:
    result = build_prompt("codellama:7b-code", WITH_SNIPPET)
    commented = "# Path: util.py\n# def helper():\n#     return 1\n\n# Path: main.py\n"
    assert result.prompt == f"<PRE> {commented}x =  <SUF>\n <MID>"
    assert build_prompt("tinyllama", WITH_SNIPPET).prompt == f"{commented}x = "


def test_snippets_in_repository_format() -> None:
    qwen = build_prompt("qwen2.5-coder:7b", WITH_SNIPPET).prompt
    assert qwen == (
        "<|file_sep|>util.py\ndef helper():\n    return 1\n"
        "<|file_sep|>main.py\n<|fim_prefix|>x = <|fim_suffix|>\n<|fim_middle|>"
    )
    star = build_prompt("starcoder2:7b", WITH_SNIPPET).prompt
    assert star.startswith("<file_sep>util.py\ndef helper():\n    return 1\n<file_sep><fim_prefix>")


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("python", "# Path: a\n# b"),
        ("typescript", "// Path: a\n// b"),
        ("lua", "-- Path: a\n-- b"),
        ("html", "<!-- Path: a\nb -->"),
        ("css", "/* Path: a\nb */"),
        ("unknown-language", "# Path: a\n# b"),
    ],
)
def test_comment_syntax(language: str, expected: str) -> None:
    assert comment_out("Path: a\nb", language) == expected


def test_block_comment_cannot_be_closed_by_the_text() -> None:
    assert "-->" not in comment_out("a --> b", "html")[:-3]
