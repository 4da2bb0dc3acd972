"""The jobs a model does for the user: completing code as they type, chatting, and predicting
the next edit."""

from __future__ import annotations

from typing import Literal, get_args

__all__ = ["ROLES", "Role", "parse_role"]

Role = Literal["completion", "chat", "nextEdit"]
ROLES: tuple[Role, ...] = get_args(Role)


def parse_role(value: object) -> Role:
    """``value`` as a :data:`Role`; a ``ValueError`` that says what is allowed otherwise."""
    for role in ROLES:
        if value == role:
            return role
    raise ValueError('`role` must be "completion", "chat" or "nextEdit".')
