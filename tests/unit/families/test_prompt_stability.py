"""Consecutive requests at nearby positions must share a long prompt prefix (KV-cache reuse)."""

import itertools

import pytest

from ollama_lsp.context import ContextBuilder, Document
from ollama_lsp.families import build_prompt

ROOT = "file:///ws"


def _module(name: str, functions: int) -> str:
    return "\n\n".join(
        f"def {name}_{i}(items, limit):\n"
        f"    total = 0\n"
        f"    for item in items[:limit]:\n"
        f"        total += item.weight * {i}\n"
        f"    return total"
        for i in range(functions)
    )


CURRENT = Document(f"{ROOT}/src/app.py", _module("score", 120), "python", 3)
OTHERS = [
    Document(f"{ROOT}/src/weights.py", _module("weight", 40), "python", 1),
    Document(f"{ROOT}/src/limits.py", _module("limit", 40), "python", 1),
    Document(f"{ROOT}/src/unrelated.py", "import os\nprint(os.getcwd())\n", "python", 1),
]


def _common_prefix(a: str, b: str) -> int:
    return sum(
        1 for _ in itertools.takewhile(lambda pair: pair[0] == pair[1], zip(a, b, strict=False))
    )


@pytest.mark.parametrize(
    "model", ["codellama:7b-code", "qwen2.5-coder:1.5b", "starcoder2:3b", "tinyllama"]
)
@pytest.mark.parametrize(("move_chars", "move_lines"), [(3, 0), (0, 1), (0, 4)])
def test_nearby_builds_share_a_long_prompt_prefix(
    model: str, move_chars: int, move_lines: int
) -> None:
    builder = ContextBuilder(max_tokens=1024, workspace_root=ROOT, min_similarity=0.05)
    text = CURRENT.text
    start = text.index("def score_60(")
    later = start
    for _ in range(move_lines):
        later = text.index("\n", later) + 1
    later += move_chars

    first = builder.build(CURRENT, start, [CURRENT, *OTHERS])
    second = builder.build(CURRENT, later, [CURRENT, *OTHERS])
    assert first is not None and second is not None
    assert first.snippets and first.snippets == second.snippets

    prompt_a = build_prompt(model, first).prompt
    prompt_b = build_prompt(model, second).prompt
    before_cursor = prompt_a.index(first.prefix) + len(first.prefix)
    # Everything up to the first cursor is shared, so only the new text is evaluated.
    assert _common_prefix(prompt_a, prompt_b) >= before_cursor
