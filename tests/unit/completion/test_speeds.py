"""Speeds learned from Ollama's counters, and the prompt a latency budget allows."""

from __future__ import annotations

from ollama_lsp.completion.speeds import (
    DEFAULT_SPEEDS,
    MIN_PROMPT_TOKENS,
    SpeedBook,
    Speeds,
    uncached_allowance,
)


def test_the_first_answer_replaces_the_guess_and_later_ones_are_averaged() -> None:
    heard: list[tuple[str, str, Speeds]] = []
    book = SpeedBook(on_learned=lambda *args: heard.append(args))
    assert book.get("m") == DEFAULT_SPEEDS

    book.learn("http://a", "m", prompt_tokens=400, prompt_ms=1000, eval_tokens=30, eval_ms=1000)
    first = book.get("m")
    assert (first.prompt_tps, first.eval_tps) == (400, 30)
    book.learn("http://a", "m", prompt_tokens=800, prompt_ms=1000, eval_tokens=60, eval_ms=1000)
    second = book.get("m")
    assert 400 < second.prompt_tps < 800 and 30 < second.eval_tps < 60
    assert [endpoint for endpoint, _, _ in heard] == ["http://a", "http://a"]


def test_counts_too_small_to_say_anything_are_ignored() -> None:
    book = SpeedBook()
    book.learn("http://a", "m", prompt_tokens=3, prompt_ms=50, eval_tokens=1, eval_ms=10)
    assert book.get("m").prompt_tps == DEFAULT_SPEEDS.prompt_tps
    assert book.get("m").eval_tps == DEFAULT_SPEEDS.eval_tps


def test_characters_per_token_come_from_the_evaluated_text() -> None:
    book = SpeedBook()
    book.learn("http://a", "m", prompt_tokens=1000, prompt_ms=2000, prompt_chars=2750)
    assert book.get("m").chars_per_token == 2.75


def test_speeds_belong_to_the_endpoint_that_served_the_model() -> None:
    book = SpeedBook()
    book.load("http://gpu", "m", Speeds(5000, 150, 3.2, 9, 9, 9))
    book.load("http://laptop", "other", Speeds(200, 20, 3.0, 1, 1, 1))
    assert book.get("m").prompt_tps == 5000
    book.learn("http://laptop", "m", prompt_tokens=100, prompt_ms=1000)
    assert book.get("m").prompt_tps == 100  # now served by the laptop: its own figures


def test_the_budget_leaves_room_for_writing_and_never_starves_the_prompt() -> None:
    fast = Speeds(prompt_tps=4000, eval_tps=100, chars_per_token=3)
    assert uncached_allowance(fast, 1000, 16) == int((1000 - 160 - 50) / 1000 * 4000)
    slow = Speeds(prompt_tps=100, eval_tps=10, chars_per_token=3)
    assert uncached_allowance(slow, 1000, 16) == MIN_PROMPT_TOKENS
    assert uncached_allowance(fast, 5000, 16) > uncached_allowance(fast, 1000, 16)
