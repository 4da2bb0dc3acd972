"""AiResponseCache: keys, LRU and TTL eviction, bounds by entries and by bytes."""

from __future__ import annotations

from ollama_lsp.providers import AiResponseCache, CompletionPrompt, CompletionResult

PROMPT = CompletionPrompt("def add(", suffix="\n", raw=False, stop=("\n\n",))


def result(text: str) -> CompletionResult:
    return CompletionResult(text=text, model="m")


def test_key_depends_on_endpoint_model_prompt_and_options() -> None:
    key = AiResponseCache.key("http://a:1", "m", PROMPT, {"temperature": 0})
    assert key == AiResponseCache.key("http://a:1", "m", PROMPT, {"temperature": 0})
    variants = [
        AiResponseCache.key("http://b:1", "m", PROMPT, {"temperature": 0}),
        AiResponseCache.key("http://a:1", "n", PROMPT, {"temperature": 0}),
        AiResponseCache.key("http://a:1", "m", CompletionPrompt("def add("), {"temperature": 0}),
        AiResponseCache.key("http://a:1", "m", PROMPT, {"temperature": 0.2}),
        AiResponseCache.key("http://a:1", "m", PROMPT, None),
    ]
    assert len({key, *variants}) == 6


def test_key_tells_fill_in_the_middle_parts_apart() -> None:
    prompts = [
        CompletionPrompt("ab", suffix="c"),
        CompletionPrompt("a", suffix="bc"),
        CompletionPrompt("abc"),
        CompletionPrompt("abc", suffix=""),
        CompletionPrompt("abc", raw=True),
        CompletionPrompt("abc", stop=("<EOT>",)),
        CompletionPrompt("abc\0" + "3\0d"),
    ]
    keys = {AiResponseCache.key("http://a:1", "m", p, None) for p in prompts}
    assert len(keys) == len(prompts)


def test_hit_and_miss() -> None:
    cache = AiResponseCache()
    cache.put("k", result("a, b):"))
    assert cache.get("k") == result("a, b):")
    assert cache.get("other") is None


def test_entry_bound_evicts_least_recently_used() -> None:
    cache = AiResponseCache(max_entries=2)
    cache.put("a", result("1"))
    cache.put("b", result("2"))
    assert cache.get("a") is not None  # a is now the most recently used
    cache.put("c", result("3"))
    assert len(cache) == 2
    assert cache.get("b") is None
    assert cache.get("a") is not None and cache.get("c") is not None


def test_byte_bound_evicts_until_it_fits() -> None:
    cache = AiResponseCache(max_entries=100, max_bytes=1000)
    for name in "abcd":
        cache.put(name, result(name * 300))
    assert cache.size_bytes <= 1000
    assert cache.get("a") is None and cache.get("b") is None
    assert cache.get("d") is not None


def test_result_larger_than_the_byte_bound_is_not_stored() -> None:
    cache = AiResponseCache(max_bytes=500)
    cache.put("small", result("x"))
    cache.put("huge", result("x" * 1000))
    assert cache.get("huge") is None
    assert cache.get("small") is not None


def test_entries_expire() -> None:
    now = [0.0]
    cache = AiResponseCache(ttl=10.0, timer=lambda: now[0])
    cache.put("k", result("v"))
    now[0] = 9.0
    assert cache.get("k") is not None
    now[0] = 11.0
    assert cache.get("k") is None
    assert len(cache) == 0


def test_replacing_a_key_and_clear() -> None:
    cache = AiResponseCache()
    cache.put("k", result("old"))
    cache.put("k", result("new"))
    assert cache.get("k") == result("new") and len(cache) == 1
    cache.clear()
    assert len(cache) == 0 and cache.size_bytes == 0
