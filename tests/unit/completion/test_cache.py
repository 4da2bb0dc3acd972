"""The typed-through cache serves the rest of a suggestion the user is typing."""

from __future__ import annotations

from ollama_lsp.completion.cache import Anchor, Choice, SuggestionCache

DOC = "def add(a, b):\n    \nprint(add(1, 2))\n"
CURSOR = DOC.index("    \n") + 4


def typed(text: str, offset: int, chars: str) -> tuple[str, int]:
    return text[:offset] + chars + text[offset:], offset + len(chars)


def test_typing_the_first_characters_serves_the_rest() -> None:
    cache = SuggestionCache()
    cache.put("file:///a.py", Anchor.at(DOC, CURSOR), Choice("s1", "return a + b"))
    text, offset = typed(DOC, CURSOR, "ret")
    assert cache.get("file:///a.py", text, offset) == Choice("s1", "urn a + b")
    assert cache.get("file:///a.py", DOC, CURSOR) == Choice("s1", "return a + b")


def test_typing_something_else_misses() -> None:
    cache = SuggestionCache()
    cache.put("file:///a.py", Anchor.at(DOC, CURSOR), Choice("s1", "return a + b"))
    text, offset = typed(DOC, CURSOR, "pass")
    assert cache.get("file:///a.py", text, offset) is None


def test_a_change_elsewhere_in_the_document_misses() -> None:
    cache = SuggestionCache()
    cache.put("file:///a.py", Anchor.at(DOC, CURSOR), Choice("s1", "return a + b"))
    text, offset = typed(DOC, CURSOR, "ret")
    assert cache.get("file:///a.py", text.replace("print", "show"), offset) is None
    assert cache.get("file:///a.py", text.replace("def", "fed"), offset) is None
    assert cache.get("file:///b.py", text, offset) is None


def test_typing_the_whole_suggestion_leaves_nothing_to_serve() -> None:
    cache = SuggestionCache()
    cache.put("file:///a.py", Anchor.at(DOC, CURSOR), Choice("s1", "return a + b"))
    text, offset = typed(DOC, CURSOR, "return a + b")
    assert cache.get("file:///a.py", text, offset) is None


def test_the_choices_the_typing_agrees_with_keep_their_order_and_ids() -> None:
    cache = SuggestionCache()
    anchor = Anchor.at(DOC, CURSOR)
    cache.put("file:///a.py", anchor, Choice("s1", "return a + b"))
    cache.add("file:///a.py", anchor, Choice("s2", "return sum((a, b))"))
    cache.add("file:///a.py", anchor, Choice("s3", "total = a + b"))
    assert [c.id for c in cache.choices("file:///a.py", DOC, CURSOR)] == ["s1", "s2", "s3"]
    text, offset = typed(DOC, CURSOR, "ret")
    assert cache.choices("file:///a.py", text, offset) == (
        Choice("s1", "urn a + b"),
        Choice("s2", "urn sum((a, b))"),
    )
    text, offset = typed(DOC, CURSOR, "to")
    assert cache.get("file:///a.py", text, offset) == Choice("s3", "tal = a + b")


def test_putting_a_suggestion_again_drops_the_other_choices() -> None:
    cache = SuggestionCache()
    anchor = Anchor.at(DOC, CURSOR)
    cache.put("file:///a.py", anchor, Choice("s1", "return a + b"))
    cache.add("file:///a.py", anchor, Choice("s2", "return b + a"))
    cache.put("file:///a.py", anchor, Choice("s3", "pass"))
    assert cache.choices("file:///a.py", DOC, CURSOR) == (Choice("s3", "pass"),)


def test_inserted_finds_the_typed_text_without_knowing_the_cursor() -> None:
    anchor = Anchor.at(DOC, CURSOR)
    text, _ = typed(DOC, CURSOR, "re")
    assert anchor.inserted(text) == "re"
    assert anchor.inserted(DOC.replace("print", "show")) is None


def test_the_cache_is_bounded_overall_and_per_document() -> None:
    cache = SuggestionCache(max_entries=5, per_document=2)
    for i in range(4):
        cache.put("file:///a.py", Anchor.at(DOC + str(i), CURSOR), Choice(f"s{i}", f"x{i}"))
    assert len(cache) == 2
    for i in range(10):
        cache.put(f"file:///{i}.py", Anchor.at(DOC, CURSOR), Choice(f"s{i}", "y"))
    assert len(cache) == 5
    cache.forget("file:///9.py")
    assert len(cache) == 4


def test_nothing_to_add_is_remembered_for_that_very_state_only() -> None:
    cache = SuggestionCache()
    cache.put("file:///a.py", Anchor.at(DOC, CURSOR), Choice("1", ""))
    assert cache.get("file:///a.py", DOC, CURSOR) == Choice("1", "")
    assert cache.choices("file:///a.py", DOC, CURSOR) == ()  # nothing to offer
    text, offset = typed(DOC, CURSOR, "r")
    assert cache.get("file:///a.py", text, offset) is None
