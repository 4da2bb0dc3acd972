"""The demo: a real editor (headless Neovim with the plugin) gets a real inline suggestion.

``scripts/demo`` installs, then runs ``python -m demo``. Backends, in order: an Ollama already
running at ``OLLAMA_HOST`` (or the default address), else the project's emulator serving a real
small model (gemma3 270M through llama.cpp), so it runs on any machine.
"""
