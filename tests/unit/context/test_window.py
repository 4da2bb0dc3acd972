from hypothesis import given
from hypothesis import strategies as st

from ollama_lsp.context import cut_window, estimate_tokens

LINES = st.lists(st.text(alphabet="ab (){}:\t", max_size=30), min_size=1, max_size=60)


@st.composite
def documents(draw: st.DrawFn) -> tuple[str, int]:
    text = "\n".join(draw(LINES))
    return text, draw(st.integers(0, len(text)))


def _line_bounds(text: str, offset: int) -> tuple[int, int]:
    start = text.rfind("\n", 0, offset) + 1
    end = text.find("\n", offset)
    return start, len(text) if end < 0 else end


@given(documents(), st.integers(0, 400), st.integers(0, 200), st.sampled_from([1, 4, 16]))
def test_window_keeps_whole_lines_and_budget(
    doc: tuple[str, int], prefix_chars: int, suffix_chars: int, anchor: int
) -> None:
    text, offset = doc
    start, end = cut_window(text, offset, prefix_chars, suffix_chars, anchor_lines=anchor)
    line_start, line_end = _line_bounds(text, offset)
    assert 0 <= start <= offset <= end <= len(text)
    leftover = max(0, suffix_chars - (end - offset))  # unused suffix budget moves to the prefix
    # The current line is whole unless it alone is over the budget of its side.
    if offset - line_start <= prefix_chars + leftover:
        assert start <= line_start
    if line_end - offset <= suffix_chars:
        assert end >= line_end
    # Lines other than the current one are whole.
    assert start == 0 or text[start - 1] == "\n" or start > line_start
    assert end == len(text) or text[end] == "\n" or end < line_end
    # Within budget.
    if start < line_start:
        assert offset - start <= prefix_chars + leftover
    if end > line_end:
        assert end - offset <= suffix_chars


def test_prefix_start_is_anchored_on_a_line_grid() -> None:
    text = "\n".join(f"line {i:03}" for i in range(200))
    starts = set()
    for line in range(100, 108):
        offset = text.index(f"line {line:03}") + 4
        start, _ = cut_window(text, offset, 1000, 0, anchor_lines=16)
        assert text.count("\n", 0, start) % 16 == 0
        starts.add(start)
    assert len(starts) <= 2  # moving down 8 lines crosses at most one grid line


def test_short_document_is_whole() -> None:
    text = "def f():\n    return 1\n"
    assert cut_window(text, 13, 1000, 1000) == (0, len(text))


def test_estimate_tokens_is_chars_over_three_and_a_half() -> None:
    assert estimate_tokens("") == 0
    assert estimate_tokens("abcdefg") == 2
    assert estimate_tokens("a" * 35) == 10
