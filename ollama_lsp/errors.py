"""The one failure type every layer understands: :class:`AiError`.

A backend (the Ollama client today) raises subclasses of it; the completion pipeline, the
server and the command line catch it and show ``message``, so none of them needs to know which
backend failed or how. It sits below every other package and imports none of them.
"""

from __future__ import annotations

__all__ = ["AiError"]


class AiError(Exception):
    """A failure to show the user.

    ``message`` says what happened and what to do next, and never contains a secret.
    ``endpoint`` is the base URL that produced the error, when known; ``status`` the HTTP
    status (200 for an error line in a stream), ``None`` for transport errors.
    """

    def __init__(
        self, message: str, *, endpoint: str | None = None, status: int | None = None
    ) -> None:
        super().__init__(message)
        self.message = message
        self.endpoint = endpoint
        self.status = status

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.message!r}, endpoint={self.endpoint!r})"
