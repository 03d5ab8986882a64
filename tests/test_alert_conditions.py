"""The two alert conditions on plain story facts: a topic fires on a new article of that
topic; breaking needs N distinct outlets within H hours of the first article, recently."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from processing.alerts import Breaking, StoryArticle, breaking_met, topic_met

NOW = datetime(2026, 3, 10, 12, tzinfo=UTC)
SINCE = NOW - timedelta(hours=48)
RULE = Breaking(outlets=3, hours=6)


def art(
    i: int, outlet: str, hours_ago: float, topics: tuple[str, ...] = (), **kw: object
) -> StoryArticle:
    at = NOW - timedelta(hours=hours_ago)
    fields: dict[str, object] = {"first_seen_at": at, "topics": frozenset(topics)}
    fields.update(kw)
    return StoryArticle(id=i, outlet=outlet, at=at, **fields)  # type: ignore[arg-type]


def test_three_outlets_within_six_hours_break_when_the_third_appears() -> None:
    story = [art(1, "nos.nl", 5), art(2, "nos.nl", 4.5), art(3, "nu.nl", 4), art(4, "rtl.nl", 0)]
    assert breaking_met(RULE, story, SINCE) == NOW
    assert breaking_met(RULE, story[:3], SINCE) is None  # two outlets, however many articles


def test_a_third_outlet_after_the_window_is_not_breaking() -> None:
    story = [art(1, "nos.nl", 7), art(2, "nu.nl", 6), art(3, "rtl.nl", 0.5)]
    assert breaking_met(RULE, story, SINCE) is None


def test_an_old_story_backfilled_today_did_not_break_today() -> None:
    story = [art(i, host, 24 * 300 + i) for i, host in enumerate(("a.nl", "b.nl", "c.nl"))]
    assert breaking_met(RULE, story, SINCE) is None


def test_a_topic_fires_on_a_recent_non_seed_article_of_that_topic_only() -> None:
    fresh = art(1, "nos.nl", 1, ("nuclear-weapons",))
    assert topic_met("nuclear-weapons", [fresh], SINCE) == fresh.at
    assert topic_met("union-state", [fresh], SINCE) is None
    seed = art(2, "seed corpus", 1, ("nuclear-weapons",), seed=True)
    assert topic_met("nuclear-weapons", [seed], SINCE) is None
    old = art(3, "nos.nl", 24 * 400, ("nuclear-weapons",), first_seen_at=NOW)
    assert topic_met("nuclear-weapons", [old], SINCE) is None
