"""A listed article that failed is retried with a growing backoff, not on every poll: the wait
doubles up to a day and stops after a few failures; a failing URL is not requested again
before its time, and its listing is read in full meanwhile so it is seen when due."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine

from pipeline.ingest import IngestContext, run_ingest
from scrapers.outcomes import RETRY_GIVE_UP, next_retry
from storage.db import session_scope
from storage.retries import retry_states
from tests.nos_realsite import real_items, serve_feed, sources
from tests.site import NosSite

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


def test_the_wait_doubles_up_to_a_day_and_ends_after_the_last_try() -> None:
    waits = [next_retry(n, NOW, 900.0) for n in range(1, RETRY_GIVE_UP + 1)]
    assert [w - NOW for w in waits[:4] if w] == [timedelta(minutes=m) for m in (15, 30, 60, 120)]
    assert waits[6] == NOW + timedelta(hours=16)
    assert next_retry(6, NOW, 3600.0) == NOW + timedelta(days=1)  # not 32 hours
    assert waits[-1] is None


@pytest.mark.realdata
def test_a_failing_article_is_not_requested_again_before_its_retry_is_due(
    site: NosSite, engine: Engine
) -> None:
    items = real_items(site)
    serve_feed(site, items)
    broken = items[3]
    site.add_page(broken.path, b"<html><body>Storing</body></html>", status=500)
    config = sources(site, archive=False)
    run_ingest(IngestContext(engine, config))
    with session_scope(engine) as session:
        (state,) = retry_states(session, [site.url(broken.short_path)]).values()
    assert state.failures == 1 and state.next_retry_at is not None
    site.reset_log()

    report = run_ingest(IngestContext(engine, config))

    assert site.count(broken.short_path) == 0 and site.count(broken.path) == 0
    assert site.count("/feeds/nosnieuwsalgemeen-echt") == 1
    assert [r.status for r in site.requests(path="/feeds/nosnieuwsalgemeen-echt")] == [200]
    assert report.sources["nos-echt"].waiting == 1

    site.reset_log()
    later = datetime.now(UTC) + timedelta(minutes=16)
    run_ingest(IngestContext(engine, config, clock=lambda: later))  # due: tried, fails again
    assert site.count(broken.short_path) == 1
    with session_scope(engine) as session:
        (state,) = retry_states(session, [site.url(broken.short_path)]).values()
    assert state.failures == 2
