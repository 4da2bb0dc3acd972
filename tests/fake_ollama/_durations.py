"""``keep_alive`` parsing, as ``api.Duration.UnmarshalJSON`` does it."""

from __future__ import annotations

import re

__all__ = ["FOREVER", "DurationError", "parse_go_duration", "parse_keep_alive"]

# math.MaxInt64 nanoseconds: a negative keep_alive means "forever" (about 292 years).
FOREVER = (2**63 - 1) / 1e9

_UNITS = {
    "ns": 1e-9,
    "us": 1e-6,
    "µs": 1e-6,
    "μs": 1e-6,
    "ms": 1e-3,
    "s": 1.0,
    "m": 60.0,
    "h": 3600.0,
}
_PART = re.compile(r"(\d+\.?\d*|\.\d+)(ns|us|µs|μs|ms|s|m|h)")


class DurationError(ValueError):
    """Raised with the text Go would produce; the request then fails with 400."""


def parse_go_duration(text: str) -> float:
    """Go's ``time.ParseDuration``, returning seconds."""
    original = text
    sign = 1.0
    if text[:1] in "+-" and text:
        sign = -1.0 if text[0] == "-" else 1.0
        text = text[1:]
    if text == "0":
        return 0.0
    if not text:
        raise DurationError(f'time: invalid duration "{original}"')
    total = 0.0
    pos = 0
    while pos < len(text):
        match = _PART.match(text, pos)
        if match is None:
            if re.fullmatch(r"\d+\.?\d*", text[pos:]):
                raise DurationError(f'time: missing unit in duration "{original}"')
            raise DurationError(f'time: invalid duration "{original}"')
        total += float(match.group(1)) * _UNITS[match.group(2)]
        pos = match.end()
    return sign * total


def parse_keep_alive(value: object) -> float | None:
    """Seconds to stay loaded (``FOREVER`` for negatives); ``None`` when not given."""
    if value is None:
        return None
    if isinstance(value, bool):
        raise DurationError("Unsupported type: 'bool'")
    if isinstance(value, int | float):
        return FOREVER if value < 0 else float(value)
    if isinstance(value, str):
        seconds = parse_go_duration(value)
        return FOREVER if seconds < 0 else seconds
    raise DurationError(f"Unsupported type: '{type(value).__name__}'")
