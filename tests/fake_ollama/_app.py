"""The ASGI application: Ollama's native routes, the admin routes, gin-style 404/405."""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from ._create import create
from ._middleware import ADMIN_PREFIX, RecordingMiddleware
from ._pull import pull
from ._routes_admin import admin_routes
from ._routes_embed import embed, embeddings
from ._routes_generate import chat, generate
from ._routes_models import copy, delete, ps, root, show, tags, version
from ._state import FakeState

__all__ = ["build_app"]


async def _gin_error(request: Request, exc: Exception) -> Response:
    """gin's plain-text defaults for unknown paths and wrong methods."""
    status = exc.status_code if isinstance(exc, HTTPException) else 500
    text = {404: "404 page not found", 405: "405 method not allowed"}.get(status, str(exc))
    return PlainTextResponse(text, status_code=status)


def build_app(state: FakeState) -> Starlette:
    routes = [
        Route("/", root, methods=["GET", "HEAD"]),
        Route("/api/version", version, methods=["GET", "HEAD"]),
        Route("/api/generate", generate, methods=["POST"]),
        Route("/api/chat", chat, methods=["POST"]),
        Route("/api/embed", embed, methods=["POST"]),
        Route("/api/embeddings", embeddings, methods=["POST"]),
        Route("/api/tags", tags, methods=["GET", "HEAD"]),
        Route("/api/show", show, methods=["POST"]),
        Route("/api/ps", ps, methods=["GET"]),
        Route("/api/pull", pull, methods=["POST"]),
        Route("/api/delete", delete, methods=["DELETE"]),
        Route("/api/copy", copy, methods=["POST"]),
        Route("/api/create", create, methods=["POST"]),
        *admin_routes(ADMIN_PREFIX),
    ]
    app = Starlette(
        routes=routes,
        middleware=[Middleware(RecordingMiddleware, recorder=state.recorder, faults=state.faults)],
        exception_handlers={404: _gin_error, 405: _gin_error},
    )
    app.state.fake = state
    return app
