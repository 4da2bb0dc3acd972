"""``python -m tests.e2e.reversed_server``: the language server over stdio with its features
registered in the reverse of :data:`FEATURES` (see ``test_feature_order.py``)."""

from ollama_lsp.server import FEATURES, create_server
from ollama_lsp.server.log import configure_logging
from ollama_lsp.server.transport import serve_stdio

if __name__ == "__main__":
    configure_logging("debug")
    serve_stdio(create_server(tuple(reversed(FEATURES))))
