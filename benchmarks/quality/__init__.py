"""The suggestion-quality benchmark: ``python -m benchmarks.quality`` (see ``__main__``)."""
