"""Next-edit prompts per family: the Zeta layout (raw), Instinct and the instruction layout
(chat), and models that cannot be asked."""

from __future__ import annotations

import pytest

from ollama_lsp.families import (
    EditContext,
    EditEvent,
    build_edit_prompt,
    edit_format_for,
    family_for,
)

CONTEXT = EditContext(
    path="src/calc.py",
    language_id="python",
    before="import math\n",
    region="def total(items, tax):\n    return sum(items) * rate",
    cursor=20,
    after="\n\nprint(total([1], 2))",
    starts_file=True,
    events=(
        EditEvent(
            "src/calc.py",
            "@@ -2,2 +2,2 @@\n-def total(items, rate):\n+def total(items, tax):\n"
            "     return sum(items) * rate",
        ),
    ),
)


@pytest.mark.parametrize(
    ("model", "family", "layout"),
    [
        ("zeta", "zeta", "zeta"),
        ("hf.co/bartowski/zed-industries_zeta-GGUF:Q4_K_M", "zeta", "zeta"),
        ("nate/instinct:latest", "instinct", "instinct"),
        ("qwen2.5-coder:7b-instruct", "qwen2.5-coder", "instruct"),
        ("llama3.2", None, "instruct"),
    ],
)
def test_the_family_decides_the_layout(model: str, family: str | None, layout: str) -> None:
    found = family_for(model)
    assert (found.name if found else None) == family
    fmt = edit_format_for(model, chat=True)
    assert fmt is not None and fmt.name == layout


def test_the_zeta_layout_is_raw_with_the_edits_and_the_marked_excerpt() -> None:
    prompt = build_edit_prompt("zeta:7b", CONTEXT, chat=False)

    assert prompt is not None and not prompt.format.chat
    assert prompt.prompt == (
        "### Instruction:\n"
        "You are a code completion assistant and your task is to analyze user edits and then "
        "rewrite an excerpt that the user provides, suggesting the appropriate edits within "
        "the excerpt, taking into account the cursor location.\n\n"
        "### User Edits:\n\n"
        "User edited src/calc.py:\n"
        "```diff\n"
        "@@ -2,2 +2,2 @@\n-def total(items, rate):\n+def total(items, tax):\n"
        "     return sum(items) * rate\n"
        "```\n\n"
        "### User Excerpt:\n\n"
        "```src/calc.py\n"
        "<|start_of_file|>\n"
        "import math\n"
        "<|editable_region_start|>\n"
        "def total(items, tax<|user_cursor_is_here|>):\n"
        "    return sum(items) * rate\n"
        "<|editable_region_end|>\n"
        "\n"
        "print(total([1], 2))\n"
        "```\n\n"
        "### Response:\n"
    )
    assert "<|im_end|>" in prompt.stop and "<|endoftext|>" in prompt.stop
    assert prompt.stop[-1] == "<|editable_region_end|>"  # Ollama ends the answer there


def test_instinct_is_a_chat_with_the_same_sections_under_its_system_prompt() -> None:
    prompt = build_edit_prompt("nate/instinct", CONTEXT, chat=True)

    assert prompt is not None and prompt.format.chat and prompt.format.system
    assert "<|editable_region_start|>" in prompt.format.system
    assert prompt.prompt.startswith("### User Edits:\n\nUser edited src/calc.py:\n```diff\n")
    assert "```src/calc.py\n<|start_of_file|>\nimport math\n<|editable_region_start|>\n" in (
        prompt.prompt
    )
    assert prompt.prompt.endswith("### Response:\n")


def test_a_chat_model_gets_the_instruction_layout_and_answers_in_a_fence() -> None:
    prompt = build_edit_prompt("llama3.2", CONTEXT, chat=True)

    assert prompt is not None and prompt.format.chat and prompt.format.reply == "fence"
    assert prompt.stop == ()
    assert prompt.prompt.index("+def total(items, tax):") < prompt.prompt.index(
        "```python\n<|start_of_file|>\n"
    )
    assert "def total(items, tax<|user_cursor_is_here|>):" in prompt.prompt
    assert "one fenced code block" in prompt.prompt


def test_a_model_that_neither_edits_nor_chats_gets_no_prompt() -> None:
    assert build_edit_prompt("nomic-embed-text", CONTEXT, chat=False) is None
    assert build_edit_prompt("zeta", CONTEXT, chat=False) is not None  # raw: no chat needed


def test_no_history_and_no_start_of_file() -> None:
    context = EditContext("a.py", "python", "x = 1\n", "y = 2", 0, "", starts_file=False)
    prompt = build_edit_prompt("zeta", context, chat=False)
    assert prompt is not None
    assert "### User Edits:\n\n\n\n### User Excerpt:" in prompt.prompt
    assert "<|start_of_file|>" not in prompt.prompt
