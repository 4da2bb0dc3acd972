import pytest

from ollama_lsp.completion.brackets import (
    Close,
    Open,
    allowed_closes,
    brackets,
    closers_after,
    opened_before,
)
from ollama_lsp.completion.syntax import syntax_for

PY, JS, RUST, SH = (syntax_for(x) for x in ("python", "javascript", "rust", "shellscript"))


def test_brackets_in_strings_and_comments_do_not_count() -> None:
    found, quote, comment = brackets('f("(", x) # (\ng(', PY)
    assert [c for _, c in found] == ["(", ")", "("]
    assert quote is None and comment == -1
    found, quote, comment = brackets("a(b) // c(", JS)
    assert [c for _, c in found] == ["(", ")"] and comment == 5
    assert [c for _, c in brackets("a /* ( */ )", JS)[0]] == [")"]
    assert brackets('x = "abc', PY)[1] == '"'  # a string still open


def test_a_hash_is_a_comment_only_after_a_space() -> None:
    assert [c for _, c in brackets("echo ${#arr[@]} (", SH)[0]] == ["{", "[", "]", "}", "("]


def test_rust_lifetimes_are_not_quotes() -> None:
    found, quote, _ = brackets("fn f<'a>(x: &'a str) {", RUST)
    assert [c for _, c in found] == ["(", ")", "{"] and quote is None


def test_opened_before_knows_each_openers_line() -> None:
    opened, quote, in_comment = opened_before("class A {\n    void m() {\n        f(a, ", JS)
    assert opened == (Open("{", 0, False), Open("{", 4, False), Open("(", 8, True))
    assert quote is None and not in_comment
    assert opened_before("x = 1  # the (", PY)[2]


def test_closers_after_say_where_they_stand() -> None:
    closes = closers_after(")\n    }\n}\nfoo() {}\n", JS, None)
    assert closes == (Close(")", None), Close("}", 4), Close("}", 0))
    assert closers_after('", b)', PY, '"') == (Close(")", None),)  # starts inside a string


@pytest.mark.parametrize(
    ("opened", "closes", "allowed"),
    [
        # print(max(a, |)  -- the one closer belongs to print: max is the completion's.
        ((Open("(", 0, True), Open("(", 0, True)), (Close(")", None),), 1),
        # { ... { ... |  at the end of the file: both may be closed.
        ((Open("{", 0, False), Open("{", 4, False)), (), 2),
        # The method's brace is further down (indented as the method), the class's is cut off.
        ((Open("{", 0, False), Open("{", 4, False)), (Close("}", 4),), 0),
        # Only the class's brace follows: the method's is missing.
        ((Open("{", 0, False), Open("{", 4, False)), (Close("}", 0),), 1),
        # if (a > b|  with "} else {" below: the parenthesis is the completion's to close.
        ((Open("{", 0, False), Open("(", 4, True)), (Close("}", 4), Close("}", 0)), 1),
        ((Open("[", 0, False),), (Close("]", 0),), 0),
    ],
)
def test_allowed_closes(opened: tuple[Open, ...], closes: tuple[Close, ...], allowed: int) -> None:
    assert allowed_closes(opened, closes) == allowed
