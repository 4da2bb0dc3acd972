import pytest

from ollama_lsp.completion.junk import cut_special, strip_fences
from ollama_lsp.completion.reasoning import strip_reasoning


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("<think>\nplan\n</think>\n\nreturn x", "return x"),
        ("  <think>plan</think>return x", "return x"),
        ("<THINKING>plan</THINKING>\nx", "x"),
        ("<think>\nstill thinking", ""),  # unterminated: all of it is thought
        ("<think>", ""),
        ("the template opened the thought\n</think>\nreturn x", "return x"),
        ("return x", "return x"),
        ("<p>a</p>\n<think>x</think>", "<p>a</p>\n<think>x</think>"),  # markup, not thought
    ],
)
def test_strip_reasoning(raw: str, code: str) -> None:
    assert strip_reasoning(raw) == code


@pytest.mark.parametrize(
    ("raw", "text", "ended"),
    [
        ("a + b<|endoftext|>junk", "a + b", True),
        ("<|fim_middle|>a + b", "a + b", False),
        ("a + b <EOT>", "a + b ", True),
        ("a + b<|fim_mi", "a + b", False),  # half a token at the end
        ("a < b", "a < b", False),
    ],
)
def test_cut_special(raw: str, text: str, ended: bool) -> None:
    assert cut_special(raw) == (text, ended)


@pytest.mark.parametrize(
    ("raw", "text", "closed"),
    [
        ("```python\nx = 1\n```\nExplanation", "x = 1", True),
        ("Here is the code:\n```go\nx := 1\n```", "x := 1", True),
        ("x = 1\n```\n", "x = 1", True),
        ("```python\nx = 1", "x = 1", False),  # still streaming
        ("x = 1\ny = 2", "x = 1\ny = 2", False),
        ("Note: x\n```\ny", "Note: x", True),  # prose with code-ish text is not an intro
    ],
)
def test_strip_fences(raw: str, text: str, closed: bool) -> None:
    assert strip_fences(raw) == (text, closed)
