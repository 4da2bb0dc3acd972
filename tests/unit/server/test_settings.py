"""Settings parse leniently: each bad key is named, with the default that replaced it."""

from __future__ import annotations

from typing import Any

import pytest

from ollama_lsp.settings import Settings, merge_raw, parse_settings


def test_empty_or_missing_settings_are_the_defaults() -> None:
    assert parse_settings(None) == (Settings(), [])
    assert parse_settings({}) == (Settings(), [])


def test_valid_settings_are_read_from_camel_case_and_snake_case_keys() -> None:
    settings, problems = parse_settings(
        {
            "endpoints": ["http://gpu-box:11434", "http://127.0.0.1:11434"],
            "apiKey": "k",
            "headers": {"X-Team": "a"},
            "keepAlive": -1,
            "completion": {
                "model": "codellama:7b-code",
                "num_ctx": 8192,
                "maxTokens": 64,
                "temperature": 0,
                "debounce": {"minMs": 10, "maxMs": 100},
                "languages": ["python", "javascript"],
                "exclude": ["**/secret/**"],
            },
            "chat": {"model": "tinyllama"},
            "tls": {"verify": False},
            "timeouts": {"connect": 1.5},
        }
    )
    assert problems == []
    assert settings.endpoints == ("http://gpu-box:11434", "http://127.0.0.1:11434")
    assert settings.keep_alive == -1
    c = settings.completion
    assert (c.model, c.num_ctx, c.max_tokens, c.temperature) == ("codellama:7b-code", 8192, 64, 0)
    assert (c.debounce.min_ms, c.debounce.max_ms) == (10, 100)
    assert c.languages == ("python", "javascript")
    assert settings.chat.model == "tinyllama"
    assert settings.tls.verify is False
    assert settings.timeouts.connect == 1.5


@pytest.mark.parametrize(
    ("raw", "key", "default"),
    [
        pytest.param(
            {"completion": {"temperature": "hot"}}, "completion.temperature", "0.2", id="type"
        ),
        pytest.param(
            {"completion": {"temperature": 7}}, "completion.temperature", "0.2", id="range"
        ),
        pytest.param(
            {"completion": {"maxTokens": True}}, "completion.maxTokens", "128", id="bool-as-int"
        ),
        pytest.param(
            {"completion": {"multiline": "maybe"}}, "completion.multiline", '"auto"', id="choice"
        ),
        pytest.param({"keepAlive": "300"}, "keepAlive", '"30m"', id="duration-without-unit"),
        pytest.param({"endpoints": [3]}, "endpoints", "[]", id="endpoint-type"),
        pytest.param({"endpoints": ["http://a b"]}, "endpoints", "[]", id="endpoint-url"),
        pytest.param({"headers": {"x": 1}}, "headers", "{}", id="header-value"),
        pytest.param({"completion": "fast"}, "completion", "settings", id="section-type"),
        pytest.param(
            {"completion": {"debounce": {"minMs": 300, "maxMs": 100}}},
            "completion.debounce",
            '{"minMs": 25, "maxMs": 250}',
            id="cross-field",
        ),
    ],
)
def test_a_bad_value_is_named_and_replaced_by_its_default(
    raw: dict[str, Any], key: str, default: str
) -> None:
    settings, problems = parse_settings(raw)
    assert [p.key for p in problems] == [f"ollama.{key}"]
    text = problems[0].describe()
    assert f"`ollama.{key}`" in text
    assert f"using the default {default}" in text
    assert settings == Settings()  # the only key given was bad: everything is the default


def test_good_keys_survive_next_to_bad_ones() -> None:
    settings, problems = parse_settings(
        {"completion": {"temperature": "hot", "model": "qwen2.5-coder:7b", "maxTokens": 32}}
    )
    assert len(problems) == 1
    assert settings.completion.model == "qwen2.5-coder:7b"
    assert settings.completion.max_tokens == 32
    assert settings.completion.temperature == 0.2


def test_a_single_string_is_accepted_where_a_list_is_expected() -> None:
    settings, problems = parse_settings(
        {"endpoints": "http://h:1", "completion": {"languages": "go"}}
    )
    assert problems == []
    assert settings.endpoints == ("http://h:1",)
    assert settings.completion.languages == ("go",)


def test_merge_raw_deep_merges_later_layers_over_earlier_ones() -> None:
    merged = merge_raw(
        {"completion": {"model": "a", "maxTokens": 10}, "apiKey": "x"},
        None,
        {"completion": {"model": "b"}, "apiKey": None},
    )
    assert merged == {"completion": {"model": "b", "maxTokens": 10}, "apiKey": "x"}
