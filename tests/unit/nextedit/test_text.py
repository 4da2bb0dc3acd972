"""The pure text work of next edit: the region, the smallest edits, the rewrite read back,
and the rules of what is shown."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ollama_lsp.context import REDACTED
from ollama_lsp.nextedit import (
    Edit,
    Rewrite,
    answer_complete,
    apply_edits,
    keep_edits,
    parse_rewrite,
    region_at,
    smallest_edits,
)

DOC = "".join(f"line {n}\n" for n in range(80))


def test_the_region_reaches_further_below_than_above_with_context_around() -> None:
    region = region_at(DOC, 40, 3)
    assert region is not None
    assert (region.start_line, region.end_line) == (38, 49)
    assert region.text == "\n".join(f"line {n}" for n in range(38, 49))
    assert DOC[region.start : region.end] == region.text
    assert region.text[region.cursor :].startswith("e 40")
    assert region.before.startswith("line 14\n") and region.before.endswith("line 37\n")
    assert region.after == "".join(f"\nline {n}" for n in range(49, 57))
    assert not region.starts_file


def test_the_region_keeps_to_its_budget_and_knows_the_start_of_the_file() -> None:
    region = region_at(DOC, 1, 0, max_chars=30)
    assert region is not None and region.starts_file
    assert region.start_line <= 1 < region.end_line and len(region.text) <= 30
    assert region_at("x" * 5000 + "\n", 0, 0) is None  # a minified line: no region


def test_the_region_of_a_short_document_is_all_of_it() -> None:
    region = region_at("a = 1", 0, 5)
    assert region is not None
    assert (region.text, region.cursor, region.before, region.after) == ("a = 1", 5, "", "")


def test_a_rename_twice_on_a_line_is_two_small_edits() -> None:
    old = "def f(total):\n    return total + total\n"
    new = "def f(total):\n    return amount + amount\n"
    assert smallest_edits(old, new) == [
        Edit(25, 30, "amount"),
        Edit(33, 38, "amount"),
    ]


def test_a_new_line_and_a_removed_line_are_edits_of_those_lines_only() -> None:
    old = "a\nb\nc\n"
    assert smallest_edits(old, "a\nb\nb2\nc\n") == [Edit(4, 4, "b2\n")]
    assert smallest_edits(old, "a\nc\n") == [Edit(2, 4, "")]
    assert smallest_edits(old, old) == []


@given(st.text(alphabet="ab \n(é𝄞", max_size=40), st.text(alphabet="ab \n(é𝄞", max_size=40))
def test_the_edits_turn_the_old_text_into_the_new_one(old: str, new: str) -> None:
    edits = smallest_edits(old, new)
    assert apply_edits(old, edits) == new
    assert all(a.end < b.start for a, b in itertools.pairwise(edits))


@pytest.mark.parametrize(
    ("answer", "finished", "expected"),
    [
        (
            "<|editable_region_start|>\nx = 1<|user_cursor_is_here|>\n<|editable_region_end|>",
            False,
            Rewrite("x = 1", 5),
        ),
        (
            "```a.py\n<|editable_region_start|>\nx\ny\n<|editable_region_end|>\nz\n```",
            True,
            Rewrite("x\ny"),
        ),
        ("Here it is:\n```python\nx = 2\n```\nThat renames it.", True, Rewrite("x = 2")),
        ("<think>rename it</think>\n```\nx = 3\n```", True, Rewrite("x = 3")),
        ("<|editable_region_start|>\nx = 1\ny", False, None),  # cut by the budget
        ("<|editable_region_start|>\nx = 1\n```", True, Rewrite("x = 1")),  # ended, no end marker
        ("<|editable_region_start|>\nx = 1\n\n", True, Rewrite("x = 1\n")),  # stopped at it
        ("```python\nx = 2\n", False, None),
        ("I would rename the variable.", True, None),
        ("```diff\n@@ -1 +1 @@\n-x = 1\n+x = 2\n```", True, None),  # a diff is no rewrite
        ("```\n@@ -1 +1 @@\n-x\n+y\n```\nor:\n```py\nx = 2\n```", True, Rewrite("x = 2")),
    ],
)
def test_the_rewrite_is_read_from_markers_or_a_fence(
    answer: str, finished: bool, expected: Rewrite | None
) -> None:
    assert parse_rewrite(answer, finished=finished) == expected


def test_an_answer_is_complete_once_its_region_or_fence_is_closed() -> None:
    assert not answer_complete("<|editable_region_start|>\nx")
    assert answer_complete("<|editable_region_start|>\nx\n<|editable_region_end|>")
    assert not answer_complete("```py\nx\n")
    assert answer_complete("```py\nx\n```")


REGION = "def f(items, tax):\n    s = sum(items)\n    return s * rate"


def test_whitespace_only_and_redacted_edits_are_not_shown() -> None:
    edits = [Edit(18, 19, "\n  "), Edit(30, 35, REDACTED), Edit(53, 57, "tax")]
    assert keep_edits(REGION, edits) == [Edit(53, 57, "tax")]


def test_an_edit_that_undoes_the_users_last_edit_is_not_shown() -> None:
    undo = Edit(13, 16, "rate")
    use = Edit(53, 57, "tax")
    last_edit = (0, 1, ["def f(items, rate):"])
    assert keep_edits(REGION, [undo, use], last_edit=last_edit) == [use]
    other = Edit(6, 11, "values")  # a change of the same line that is not an undo stays
    assert keep_edits(REGION, [other], last_edit=last_edit) == [other]


def test_a_rewrite_that_drops_or_replaces_most_of_the_region_is_refused() -> None:
    region = "a = 1\nb = 2\nc = 3\nd = 4\ne = 5"
    assert keep_edits(region, [Edit(6, len(region), "")]) == []
    assert keep_edits(region, [Edit(24, len(region), "")]) == [Edit(24, len(region), "")]
    replaced = [Edit(0, 17, "@@ -1 +1 @@\n-x\n+y")]  # three of five lines become a diff
    assert keep_edits(region, replaced) == []
    renamed = [Edit(0, 1, "A"), Edit(6, 7, "B")]  # two of five lines changed: an edit
    assert keep_edits(region, renamed) == renamed
