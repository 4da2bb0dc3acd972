"""Library tags: building, taking apart, changing the level, verifying, catalog lookup."""

from __future__ import annotations

import pytest

from ollama_lsp.models import (
    CATALOG,
    catalog_items,
    entries_for,
    find_entry,
    get_level,
    installed_as,
    library_tag,
    split_tag,
    verify_tag,
    with_level,
)


@pytest.mark.parametrize(
    ("name", "size", "level", "variant", "tag"),
    [
        ("codellama", "7b", "Q4_K_M", None, "codellama:7b-code-q4_K_M"),
        ("codellama", "7b", "Q8_0", "instruct", "codellama:7b-instruct-q8_0"),
        ("tinyllama", "1.1b", "Q4_0", None, "tinyllama:1.1b-chat-v1-q4_0"),
        ("qwen2.5-coder", "1.5b", "Q4_K_M", None, "qwen2.5-coder:1.5b-base-q4_K_M"),
        ("deepseek-coder", "6.7b", "Q5_K_S", None, "deepseek-coder:6.7b-base-q5_K_S"),
        ("starcoder2", "3b", "Q4_K_M", None, "starcoder2:3b-q4_K_M"),
        ("codegemma", "7b", "F16", None, "codegemma:7b-code-fp16"),
    ],
)
def test_library_tag(name: str, size: str, level: str, variant: str | None, tag: str) -> None:
    assert library_tag(name, size, get_level(level), variant) == tag


@pytest.mark.parametrize(
    ("tag", "parts"),
    [
        ("codellama:7b-code-q4_K_M", ("codellama", "7b", "code", "Q4_K_M")),
        ("tinyllama:1.1b-chat-v1-q8_0", ("tinyllama", "1.1b", "chat-v1", "Q8_0")),
        ("codellama:7b-instruct-fp16", ("codellama", "7b", "instruct", "F16")),
        ("starcoder2:3b", ("starcoder2", "3b", None, None)),
        ("codellama", ("codellama", None, None, None)),
        ("registry.ollama.ai/library/CodeLlama:7B-Code", ("codellama", "7b", "code", None)),
        ("user/custom:latest", ("user/custom", None, None, None)),
    ],
)
def test_split_tag(tag: str, parts: tuple[str, str | None, str | None, str | None]) -> None:
    got = split_tag(tag)
    assert (got.name, got.size, got.variant, got.level.name if got.level else None) == parts


@pytest.mark.parametrize(
    ("tag", "level", "expected"),
    [
        ("codellama:7b-code-q4_K_M", "Q8_0", "codellama:7b-code-q8_0"),
        ("codellama:7b-code", "Q4_K_S", "codellama:7b-code-q4_K_S"),
        ("codellama:7b", "Q4_K_M", "codellama:7b-instruct-q4_K_M"),
        ("tinyllama:1.1b-chat-v1-q4_0", "F16", "tinyllama:1.1b-chat-v1-fp16"),
        ("starcoder2:3b-q8_0", "Q4_K_M", "starcoder2:3b-q4_K_M"),
        ("codegemma:2b", "Q8_0", "codegemma:2b-code-q8_0"),
        ("codegemma:7b", "Q8_0", "codegemma:7b-instruct-q8_0"),
        ("qwen2.5-coder:1.5b", "Q8_0", "qwen2.5-coder:1.5b-instruct-q8_0"),
        ("codegemma:2b-instruct", "Q8_0", None),
        ("codellama:latest", "Q8_0", None),
        ("someone/model:7b", "Q8_0", None),
    ],
)
def test_with_level(tag: str, level: str, expected: str | None) -> None:
    assert with_level(tag, get_level(level)) == expected


def test_verify_tag_matches_like_ollama() -> None:
    available = ["codellama:7b-code-q4_K_M", "tinyllama:latest", "me/thing:v2"]
    assert verify_tag("CODELLAMA:7b-code-q4_k_m", available) == "codellama:7b-code-q4_K_M"
    assert verify_tag("tinyllama", available) == "tinyllama:latest"
    assert (
        verify_tag("registry.ollama.ai/library/tinyllama:latest", available) == "tinyllama:latest"
    )
    assert verify_tag("me/thing:v2", available) == "me/thing:v2"
    assert verify_tag("codellama:7b-code-q8_0", available) is None
    assert verify_tag("codellama:7b", available) is None


def test_a_library_tag_is_found_under_the_shorter_name_ollama_lists() -> None:
    # what /api/tags says: the name pulled, and the level in the details
    installed = {
        "qwen2.5-coder:1.5b-base": "Q4_K_M",
        "starcoder2:3b": "Q4_0",
        "codellama:7b": "Q4_0",
        "nomic-embed-text:latest": "F16",
    }
    assert installed_as("qwen2.5-coder:1.5b-base-q4_K_M", installed) == "qwen2.5-coder:1.5b-base"
    assert installed_as("starcoder2:3b-q4_0", installed) == "starcoder2:3b"
    assert installed_as("codellama:7b-instruct-q4_0", installed) == "codellama:7b"
    assert installed_as("qwen2.5-coder:1.5b-base-q8_0", installed) is None  # another level
    assert installed_as("codellama:7b-code-q4_0", installed) is None  # another variant
    assert installed_as("qwen2.5-coder:3b-base-q4_K_M", installed) is None  # another size
    # names alone: a level the name does not spell is unknown, so only exact names match
    assert installed_as("starcoder2:3b-q4_0", list(installed)) is None
    assert installed_as("starcoder2:3b", list(installed)) == "starcoder2:3b"


def test_catalog_items_count_a_model_installed_under_a_shorter_name_as_pulled() -> None:
    pulled = {i.tag for i in catalog_items({"qwen2.5-coder:1.5b-base": "Q4_K_M"}) if i.pulled}
    assert pulled == {"qwen2.5-coder:1.5b-base-q4_K_M"}


def test_catalog_entries_resolve_back_from_their_tags() -> None:
    for entry in CATALOG:
        level = get_level("Q4_K_M")
        found = find_entry(entry.tag(level))
        assert found == (entry, level), entry.tag(level)
    instruct = find_entry("codellama:7b")  # the bare size is the instruct model
    assert instruct is not None and instruct[0].role == "chat" and instruct[1] is None
    assert find_entry("mystery:7b") is None


def test_catalog_covers_the_brief_and_ranks_roles() -> None:
    completion = {entry.key for entry in entries_for("completion")}
    assert {"codellama:7b", "codellama:13b", "qwen2.5-coder:1.5b", "qwen2.5-coder:7b",
            "deepseek-coder:1.3b", "deepseek-coder:6.7b", "starcoder2:3b", "starcoder2:7b",
            "codegemma:2b", "codegemma:7b"} <= completion  # fmt: skip
    assert all(entry.supports_fim for entry in entries_for("completion"))
    chat = entries_for("chat")
    assert chat[-1].name == "tinyllama"  # no published score: ranked last
    scores = [entry.humaneval for entry in chat[:-1]]
    assert scores == sorted(scores, reverse=True)  # type: ignore[type-var]


def test_catalog_items_use_library_sizes_and_mark_pulled() -> None:
    items = catalog_items(available=["tinyllama:1.1b-chat-v1-q4_0"])
    by_tag = {item.tag: item for item in items}
    assert by_tag["tinyllama:1.1b-chat-v1-q4_0"].size_bytes == 637_700_138
    assert by_tag["tinyllama:1.1b-chat-v1-q4_0"].pulled
    assert by_tag["codellama:7b-code-q4_K_M"].size_bytes == 4_100_000_000
    assert not by_tag["codellama:7b-code-q4_K_M"].pulled
    assert {"codellama:7b-code-q8_0", "codellama:7b-code-fp16"} <= set(by_tag)
