"""The non-server sub-commands of ``ollama-lsp`` (models, pull, complete, chat, doctor, ...).

Each module holds one command or a small family of them, as ``configure``/``run`` pairs that
:mod:`ollama_lsp.cli` registers. They share :mod:`._options` (settings and where they came from).
"""
