"""The scripted engine: rules, FIM recognition, stops and limits, simulated KV-cache reuse."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.fake_ollama import FakeOllama, GenerationRequest, Rule, parse_fim

pytestmark = pytest.mark.usefixtures("fake_ollama_shared")


def _generate(fake: FakeOllama, model: str = "codellama:7b-code", **body: Any) -> dict[str, Any]:
    response = httpx.post(
        f"{fake.url}/api/generate", json={"model": model, "stream": False, **body}
    )
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


DOCUMENT = "def add(a, b):\n    return a + b\n\nprint(add(1, 2))\n"


PREFIX = "def add(a, b):\n    return "
SUFFIX = "\n\nprint(add(1, 2))\n"


@pytest.mark.parametrize(
    ("model", "markers"),
    [
        ("codellama:7b-code", ("<PRE> ", " <SUF>", " <MID>")),
        ("qwen2.5-coder:1.5b-base", ("<|fim_prefix|>", "<|fim_suffix|>", "<|fim_middle|>")),
        (
            "deepseek-coder:1.3b-base",
            (
                "<\uff5cfim\u2581begin\uff5c>",
                "<\uff5cfim\u2581hole\uff5c>",
                "<\uff5cfim\u2581end\uff5c>",
            ),
        ),
        ("starcoder2:3b", ("<file_sep>x.py\n<fim_prefix>", "<fim_suffix>", "<fim_middle>")),
        ("codegemma:2b", ("<|fim_prefix|>", "<|fim_suffix|>", "<|fim_middle|>")),
    ],
)
def test_raw_fim_prompts_are_recognised_and_the_middle_echoed(
    fake_ollama_shared: FakeOllama, model: str, markers: tuple[str, str, str]
) -> None:
    fake_ollama_shared.add_rule(fim_middle_of=DOCUMENT)
    prompt = f"{markers[0]}{PREFIX}{markers[1]}{SUFFIX}{markers[2]}"

    result = _generate(fake_ollama_shared, model, prompt=prompt, raw=True)

    assert result["response"] == "a + b"
    (record,) = fake_ollama_shared.requests_to("/api/generate")
    assert record.prompt == prompt
    assert (record.fim_prefix, record.fim_suffix) == (PREFIX, SUFFIX)


@pytest.mark.parametrize(
    ("model", "layout"),
    [
        ("codellama:7b-code", "codellama"),
        ("qwen2.5-coder:1.5b-base", "fim_pipe"),
        ("deepseek-coder:1.3b-base", "deepseek"),
        ("starcoder2:3b", "starcoder"),
        ("codegemma:2b", "fim_pipe"),
    ],
)
def test_templated_fim_uses_the_models_layout(
    fake_ollama_shared: FakeOllama, model: str, layout: str
) -> None:
    _generate(fake_ollama_shared, model, prompt="def f(", suffix=")")

    (record,) = fake_ollama_shared.requests_to("/api/generate")
    assert (record.fim_layout, record.fim_prefix, record.fim_suffix) == (layout, "def f(", ")")


def test_codestral_layout_is_recognised() -> None:
    parts = parse_fim("[SUFFIX])\n[PREFIX] def f(")

    assert parts is not None and (parts.prefix, parts.suffix) == ("def f(", ")\n")


def test_a_plain_prompt_is_not_fim() -> None:
    assert parse_fim("Write a function") is None


def test_rule_template_echo_and_function(fake_ollama_shared: FakeOllama) -> None:
    fake_ollama_shared.add_rule(template="[$prefix_last_line|$suffix_first_line]", fim=True)
    fake_ollama_shared.add_rule(echo="last_user", endpoint="chat")
    fake_ollama_shared.reply(lambda request: request.prompt.upper(), prompt_contains="shout")

    templated = _generate(fake_ollama_shared, prompt="a\nb = ", suffix="\nc")
    shouted = _generate(fake_ollama_shared, "tinyllama", prompt="shout", raw=True)
    messages = [{"role": "user", "content": "say this back"}]
    echoed = httpx.post(
        f"{fake_ollama_shared.url}/api/chat",
        json={"model": "tinyllama", "stream": False, "messages": messages},
    ).json()

    assert templated["response"] == "[b = |]"
    assert shouted["response"] == "SHOUT"
    assert echoed["message"]["content"] == "say this back"


def test_newest_matching_rule_wins_and_times_limits_it(fake_ollama_shared: FakeOllama) -> None:
    fake_ollama_shared.reply("general")
    fake_ollama_shared.reply("specific", model="CodeLlama:7b-code", times=1)

    first = _generate(fake_ollama_shared, prompt="x")  # names match case-insensitively
    second = _generate(fake_ollama_shared, prompt="x")

    assert (first["response"], second["response"]) == ("specific", "general")


def test_a_rule_can_match_the_request_options(fake_ollama_shared: FakeOllama) -> None:
    fake_ollama_shared.reply("greedy")
    fake_ollama_shared.reply("sample two", options={"seed": 2})

    seeded = _generate(fake_ollama_shared, prompt="x", options={"seed": 2, "temperature": 0.7})
    other = _generate(fake_ollama_shared, prompt="x", options={"seed": 1})
    plain = _generate(fake_ollama_shared, prompt="x")

    assert [r["response"] for r in (seeded, other, plain)] == ["sample two", "greedy", "greedy"]


def test_unmatched_requests_get_the_default_reply(fake_ollama_shared: FakeOllama) -> None:
    fake_ollama_shared.reply("never", prompt_regex=r"^zzz")

    assert _generate(fake_ollama_shared, prompt="x")["response"] == "This is a scripted reply."


def test_num_predict_ends_with_length(fake_ollama_shared: FakeOllama) -> None:
    fake_ollama_shared.reply("one two three four five")

    result = _generate(fake_ollama_shared, prompt="x", options={"num_predict": 2})

    assert (result["response"], result["done_reason"], result["eval_count"]) == (
        "one two",
        "length",
        2,
    )


def test_num_predict_zero_is_no_limit_as_in_ollamas_runner(fake_ollama_shared: FakeOllama) -> None:
    # Ollama's runner stops at num_predict only when it is positive: 0 does not mean "prefill".
    fake_ollama_shared.reply("one two three")

    result = _generate(fake_ollama_shared, prompt="x", options={"num_predict": 0})

    assert (result["response"], result["done_reason"]) == ("one two three", "stop")


def test_a_reply_that_exhausts_the_budget_ends_as_one_cut_by_num_predict(
    fake_ollama_shared: FakeOllama,
) -> None:
    fake_ollama_shared.reply("one two", exhausts_budget=True)

    result = _generate(fake_ollama_shared, prompt="x", options={"num_predict": 50})
    assert (result["response"], result["done_reason"], result["eval_count"]) == (
        "one two",
        "length",
        50,
    )
    # Without a budget there is nothing to exhaust.
    assert _generate(fake_ollama_shared, prompt="x")["done_reason"] == "stop"


def test_a_stop_sequence_split_across_tokens_never_reaches_the_client(
    fake_ollama_shared: FakeOllama,
) -> None:
    fake_ollama_shared.reply("return x\n\ndef other(): pass")
    chunks = httpx.post(
        f"{fake_ollama_shared.url}/api/generate",
        json={"model": "codellama:7b-code", "prompt": "x", "options": {"stop": ["\n\ndef"]}},
    ).text

    assert "def" not in chunks
    assert '"done_reason":"stop"' in chunks


def test_default_stops_come_from_the_model(fake_ollama_shared: FakeOllama) -> None:
    fake_ollama_shared.reply("a + b<EOT>garbage")

    assert _generate(fake_ollama_shared, prompt="x")["response"] == "a + b"


def test_shared_prompt_prefix_is_not_evaluated_again(fake_ollama_shared: FakeOllama) -> None:
    prefix = "import os\n" * 20

    first = _generate(fake_ollama_shared, prompt=prefix + "x = 1", raw=True)
    second = _generate(fake_ollama_shared, prompt=prefix + "y = 2", raw=True)

    assert second["prompt_eval_count"] < first["prompt_eval_count"]
    assert second["prompt_eval_count"] == 3  # "y", " =", " 2"


def test_function_rules_see_the_parsed_request(fake_ollama_shared: FakeOllama) -> None:
    seen: list[GenerationRequest] = []

    def remember(request: GenerationRequest) -> str:
        seen.append(request)
        return "ok"

    fake_ollama_shared.add_rule(Rule(reply=remember))
    _generate(fake_ollama_shared, prompt="p", suffix="s", options={"temperature": 0})

    (request,) = seen
    assert request.fim is not None and (request.fim.prefix, request.fim.suffix) == ("p", "s")
    assert request.options == {"temperature": 0}
    assert request.stop == ["<EOT>"]
