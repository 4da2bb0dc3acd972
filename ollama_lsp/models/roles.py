"""The two jobs a model does for the user: completing code as they type, and chatting."""

from __future__ import annotations

from typing import Literal, get_args

__all__ = ["ROLES", "Role", "parse_role"]

Role = Literal["completion", "chat"]
ROLES: tuple[Role, ...] = get_args(Role)


def parse_role(value: object) -> Role:
    """``value`` as a :data:`Role`; a ``ValueError`` that says what is allowed otherwise."""
    for role in ROLES:
        if value == role:
            return role
    raise ValueError('`role` must be "completion" or "chat".')
