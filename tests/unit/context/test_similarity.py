import gc

from hypothesis import given
from hypothesis import strategies as st

from ollama_lsp.context import Document, SimilarityIndex, identifiers
from ollama_lsp.context._similarity import DocumentIndex, index_document


def test_identifiers_skip_keywords_numbers_and_single_letters() -> None:
    assert identifiers("def area(r, radius_2): return self.pi * 3 + x1") == {
        "area",
        "radius_2",
        "pi",
        "x1",
    }


@given(st.lists(st.sampled_from(["alpha beta", "", "gamma(delta)", "  x = 1"]), max_size=70))
def test_windows_are_whole_lines_of_the_document(lines: list[str]) -> None:
    text = "\n".join(lines)
    index = index_document(text, 6)
    for window in index.windows:
        assert index.window_text(window) == "\n".join(lines[window.start_line : window.end_line])
    covered = {n for w in index.windows for n in range(w.start_line, w.end_line)}
    assert {n for n, line in enumerate(lines) if identifiers(line)} <= covered


def test_rank_prefers_the_window_sharing_most_identifiers() -> None:
    text = "\n".join(
        ["def parse_header(stream, header_size):", "    return stream.read(header_size)"]
        + ["pass"] * 30
        + ["def render_page(template, context):", "    return template.render(context)"]
    )
    document = Document("file:///ws/a.py", text, "python", 1)
    ranked = SimilarityIndex(window_lines=10).rank(
        frozenset({"render_page", "template", "context"}), [document], min_score=0.1
    )
    assert ranked and "render_page" in ranked[0].text
    assert all(w.score >= 0.1 for w in ranked)
    assert [w.score for w in ranked] == sorted((w.score for w in ranked), reverse=True)


def test_index_is_cached_by_uri_and_version() -> None:
    similarity = SimilarityIndex()
    first = Document("file:///a.py", "alpha beta", "python", 1)
    assert similarity.index(first) is similarity.index(first)
    changed = Document("file:///a.py", "gamma delta", "python", 2)
    assert "gamma" in similarity.index(changed).postings


def test_a_closed_document_is_forgotten_and_its_text_not_kept() -> None:
    index = SimilarityIndex()
    text = "def total_price(items):\n    return sum(item.price for item in items)\n" * 3
    document = Document("file:///w/shop.py", text, "python", 1)
    index.index(document)
    assert any(isinstance(r, DocumentIndex) for r in gc.get_referrers(text))

    index.forget(document.uri)

    assert not any(isinstance(r, DocumentIndex) for r in gc.get_referrers(text))


def test_a_huge_document_gives_no_snippets_and_costs_no_indexing() -> None:
    index = SimilarityIndex(max_chars=1000)
    huge = Document("file:///w/bundle.min.js", "total_price(items);" * 100, "javascript", 1)
    assert index.index(huge).windows == ()
    assert index.rank(frozenset({"total_price", "items"}), [huge], min_score=0.0) == ()
