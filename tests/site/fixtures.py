"""Pytest fixtures of the local site: one server per test session, a clean view per test."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.site.server import NosSite


@pytest.fixture(scope="session")
def nos_site() -> Iterator[NosSite]:
    """The site, started once per session on 127.0.0.1 and a free port.

    Its log and counters are shared by every test that uses it; tests that assert on the log
    or on stateful endpoints use :func:`site` instead, which resets them first.
    """
    with NosSite() as site:
        yield site


@pytest.fixture
def site(nos_site: NosSite) -> Iterator[NosSite]:
    """The session's site with an empty request log, fresh counters and no runtime pages."""
    nos_site.reset()
    yield nos_site
    nos_site.reset()
