"""Completion pipeline: from a cursor position to a cleaned-up suggestion.

Import from the submodules (`postprocess`, `pipeline`, ...).
"""
