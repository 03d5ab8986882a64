"""A local NOS-like website for tests and benchmarks (see README.md in this folder)."""

from tests.site.server import NosSite, RequestRecord

__all__ = ["NosSite", "RequestRecord"]
