"""Errors of the processing stage, importable without loading the matchers (the CLI catches
them on every command, and a read command should not pay for numpy)."""

from __future__ import annotations


class TaxonomyError(ValueError):
    """The taxonomy is malformed; the message says where."""
