"""``serve`` (the default): run the language server over stdio, or TCP for one client.

The only sub-command that needs the server, and it imports it only when it runs, so the
other commands start without loading pygls.
"""

from __future__ import annotations

import argparse

__all__ = ["configure", "run"]


def _host_port(value: str) -> tuple[str, int]:
    host, sep, port = value.rpartition(":")
    if not sep or not port.isdigit():
        raise argparse.ArgumentTypeError(f"expected HOST:PORT, got {value!r}")
    return host or "127.0.0.1", int(port)


def configure(parser: argparse.ArgumentParser) -> None:
    transport = parser.add_mutually_exclusive_group()
    transport.add_argument(
        "--stdio", action="store_true", help="talk LSP over stdin/stdout (the default)"
    )
    transport.add_argument(
        "--tcp", metavar="HOST:PORT", type=_host_port, help="listen for one client over TCP"
    )
    parser.add_argument(
        "--log-level",
        choices=["error", "warning", "info", "debug"],
        default="info",
        help="stderr log level until the client's settings arrive (default: info)",
    )
    parser.add_argument(
        "--exclude-feature",
        action="append",
        default=[],
        metavar="NAME",
        help="leave a server feature out (repeatable; handy to isolate a bug)",
    )


def run(args: argparse.Namespace) -> int:
    from ollama_lsp.server import create_server
    from ollama_lsp.server.heap import settle_heap
    from ollama_lsp.server.log import configure_logging
    from ollama_lsp.server.transport import serve_stdio, serve_tcp

    configure_logging(args.log_level)
    server = create_server(exclude=args.exclude_feature)
    settle_heap()
    if args.tcp:
        return serve_tcp(server, *args.tcp)
    return serve_stdio(server)
