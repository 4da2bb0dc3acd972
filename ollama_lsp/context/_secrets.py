"""Secrets found by content: credential files whatever their name, and tokens inside code.

The deny-list (``_exclusion``) keeps known credential file names out of prompts; a key file
under another name (``deploy/key.json``), an unsaved ``dotenv`` buffer or an API key pasted
into code needs the text itself. Two checks, both cheap enough for every request:

- :func:`is_credential_file`: a private key block, a cloud service-account key, an AWS
  credentials file, or a ``dotenv`` buffer: the whole document stays out of prompts;
- :func:`redact_secrets`: known token formats (AWS, GitHub, GitLab, Slack, Google, OpenAI,
  Anthropic, Hugging Face, Stripe) and long, random-looking values given to key-like names
  (``password = "..."``, ``API_KEY: ...``) are replaced by ``<redacted>`` in the text that
  goes into a prompt.
"""

from __future__ import annotations

import functools
import math
import re
from collections import Counter

__all__ = ["CREDENTIAL_LANGUAGES", "REDACTED", "is_credential_file", "redact_secrets"]

REDACTED = "<redacted>"
#: Language ids whose buffers are credential files (an unsaved ``.env``).
CREDENTIAL_LANGUAGES = frozenset({"dotenv", "env"})

# Quick substring tests first (C speed over the whole document), then a precise pattern.
_CREDENTIAL_FILES = (
    ("PRIVATE KEY", re.compile(r"-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----")),
    ("service_account", re.compile(r'"type"\s*:\s*"service_account"[\s\S]*"private_key')),
    ("aws_secret_access_key", re.compile(r"(?im)^\s*aws_secret_access_key\s*=\s*\S{20,}")),
)
# Token formats, each found by a literal prefix (``str.find`` is fast, a regex scan over a
# prompt's worth of code is not) and then matched at that place.
_TOKENS = {
    "AKIA": re.compile(r"AKIA[0-9A-Z]{16}\b"),  # AWS access key id
    "ASIA": re.compile(r"ASIA[0-9A-Z]{16}\b"),
    "ghp_": re.compile(r"gh[pousr]_[A-Za-z0-9]{36,}"),  # GitHub
    "gho_": re.compile(r"gh[pousr]_[A-Za-z0-9]{36,}"),
    "ghu_": re.compile(r"gh[pousr]_[A-Za-z0-9]{36,}"),
    "ghs_": re.compile(r"gh[pousr]_[A-Za-z0-9]{36,}"),
    "ghr_": re.compile(r"gh[pousr]_[A-Za-z0-9]{36,}"),
    "github_pat_": re.compile(r"github_pat_[A-Za-z0-9_]{40,}"),
    "glpat-": re.compile(r"glpat-[A-Za-z0-9_-]{20,}"),  # GitLab
    "xox": re.compile(r"xox[abposr]-[A-Za-z0-9-]{10,}"),  # Slack
    "AIza": re.compile(r"AIza[0-9A-Za-z_-]{35}"),  # Google API key
    "sk-": re.compile(r"sk-(?:proj-|ant-[a-z0-9]+-)?[A-Za-z0-9_-]{32,}"),  # OpenAI, Anthropic
    "hf_": re.compile(r"hf_[A-Za-z0-9]{30,}"),  # Hugging Face
    "k_live_": re.compile(r"[rs]k_live_[0-9A-Za-z]{20,}"),  # Stripe (matched from r/s)
}
# A key-like name, an assignment, then a value: quoted, or a run of token characters.
_KEY_WORDS = ("pass", "secret", "token", "key", "auth", "credential")
_ASSIGNED = re.compile(
    r"""(?ix)
    (?P<name>(?:pass(?:word|wd)?|secret|token|api[_-]?key|access[_-]?key|private[_-]?key|auth
              |credential|key)[\w-]*)["']?\s*[:=]\s*
    (?:"(?P<dq>[^"\n]{12,})"|'(?P<sq>[^'\n]{12,})'|(?P<bare>[A-Za-z0-9+/=_.~-]{16,}))
    """
)
# Values that name a secret rather than hold one, and names that hold no secret.
_PLACEHOLDER = re.compile(
    r"[${<]|://|\b(?:env|environ|getenv|process|config|settings)\b|x{6,}|\*{4,}"
)
_NOT_SECRET_NAME = re.compile(
    r"(?i)(?:url|uri|path|file|dir|name|endpoint|host|type|id|count|len|length|size)$"
)


def is_credential_file(text: str, language_id: str = "") -> bool:
    """True when the whole document is a credential (a key file, a dotenv buffer)."""
    if language_id.lower() in CREDENTIAL_LANGUAGES:
        return True
    return any(hint in text and pattern.search(text) for hint, pattern in _CREDENTIAL_FILES)


def _random_looking(value: str) -> bool:
    """Long, letters and digits mixed, no spaces, high entropy: a generated secret, not a
    word, a name, a sentence or an expression."""
    if len(value) < 12 or any(c.isspace() or c in "()[]" for c in value):
        return False
    if not (any(c.isdigit() for c in value) and any(c.isalpha() for c in value)):
        return False
    counts = Counter(value)
    entropy = -sum(n / len(value) * math.log2(n / len(value)) for n in counts.values())
    return entropy >= 3.5


def _occurrences(text: str, literal: str) -> list[int]:
    found, at = [], text.find(literal)
    while at >= 0:
        found.append(at)
        at = text.find(literal, at + 1)
    return found


def _starts_word(text: str, at: int) -> bool:
    return at == 0 or not (text[at - 1].isalnum() or text[at - 1] == "_")


def _secret_spans(text: str) -> list[tuple[int, int]]:
    """Where the secret values are, in order and not overlapping."""
    spans: list[tuple[int, int]] = []
    for literal, pattern in _TOKENS.items():
        back = 1 if literal == "k_live_" else 0  # the pattern starts one character earlier
        for at in _occurrences(text, literal):
            start = at - back
            if start >= 0 and _starts_word(text, start) and (match := pattern.match(text, start)):
                spans.append(match.span())
    lowered = text.lower()
    for word in _KEY_WORDS:
        for at in _occurrences(lowered, word):
            match = _ASSIGNED.match(text, at)
            if match is None:
                continue
            group = next(g for g in ("dq", "sq", "bare") if match.group(g) is not None)
            value = match.group(group)
            if not (
                _NOT_SECRET_NAME.search(match.group("name"))
                or _PLACEHOLDER.search(value)
                or not _random_looking(value)
            ):
                spans.append(match.span(group))
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged and start < merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


@functools.lru_cache(maxsize=8192)
def _redact_line(line: str) -> str:
    spans = _secret_spans(line)
    if not spans:
        return line
    parts, last = [], 0
    for start, end in spans:
        parts += [line[last:start], REDACTED]
        last = end
    parts.append(line[last:])
    return "".join(parts)


def redact_secrets(text: str) -> str:
    """``text`` with secret values replaced by :data:`REDACTED`.

    No secret spans lines (key blocks make the whole file a credential file), so the work is
    done per line and remembered: typing changes one line of a prompt, not all of them.
    """
    return "\n".join(map(_redact_line, text.split("\n")))
