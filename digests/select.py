"""Choose a day's articles and assemble the digest data.

``mode="seen"`` (default): relevant articles first seen during the local day, plus those whose
text changed during it (marked updated). ``mode="published"``: relevant articles published that
day, for backfilled days; a month-only date appears on the first of that month (labelled with
the month, never a made-up day), an unknown date only in ``seen`` digests. Relevance: tagged
relevant is in, tagged not relevant is out, not tagged yet (``relevant IS NULL``) is left out
and counted in a note, except seeds, which define the beat.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from digests.coverage import Coverage, coverage_of
from digests.group import (
    DEFAULT_RELEVANCE_TOPIC,
    LINKABLE,
    GroupInput,
    build_stories,
    group_by_topic,
)
from digests.model import (
    ARTICLE_UPDATED,
    MODE_PUBLISHED,
    MODE_SEEN,
    STORY_NEW,
    STORY_UPDATE,
    BreakingStory,
    DigestData,
    DigestNews,
    NewStoryLink,
    SourceHealth,
)
from digests.text import clean_link, clock
from storage.coverage import coverage_rows
from storage.digest_health import source_health
from storage.digests import (
    articles_published_in,
    articles_seen_in,
    count_untagged_seen_in,
    members_of,
    previous_digest_day,
    reported_before,
    stories_for,
    tags_for,
)
from storage.firings import breaking_fired_between

MAX_NEW_TITLES = 10
CHART_DAYS = 30


def day_window(day: date, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """The local day ``day`` in ``tz`` as a UTC interval [start, end) (23 or 25 hours at DST)."""
    start = datetime.combine(day, time.min, tzinfo=tz)
    end = datetime.combine(day + timedelta(days=1), time.min, tzinfo=tz)
    return start.astimezone(UTC), end.astimezone(UTC)


def month_window(day: date) -> tuple[datetime, datetime]:
    """The calendar month of ``day`` in UTC, where month-precision dates are stored."""
    start = datetime(day.year, day.month, 1, tzinfo=UTC)
    if day.month == 12:
        return start, datetime(day.year + 1, 1, 1, tzinfo=UTC)
    return start, datetime(day.year, day.month + 1, 1, tzinfo=UTC)


def today(tz: ZoneInfo) -> date:
    """The current local date in ``tz`` (the default digest day)."""
    return datetime.now(tz).date()


def collect_digest(
    session: Session,
    day: date,
    tz: ZoneInfo,
    mode: str = MODE_SEEN,
    relevance_topic: str | None = DEFAULT_RELEVANCE_TOPIC,
) -> DigestData:
    """Read everything the digest of ``day`` needs and assemble it."""
    if mode not in (MODE_SEEN, MODE_PUBLISHED):
        raise ValueError(f"unknown digest mode {mode!r}: use {MODE_SEEN!r} or {MODE_PUBLISHED!r}")
    start, end = day_window(day, tz)
    if mode == MODE_SEEN:
        rows = articles_seen_in(session, start, end)
        untagged = count_untagged_seen_in(session, start, end)
    else:
        month = month_window(day) if day.day == 1 else None
        rows = articles_published_in(session, start, end, month)
        untagged = 0
    ids = [row.id for row in rows]
    story_ids = {row.story_id for row in rows if row.story_id is not None}
    reported, reported_stories = reported_before(session, day, ids, story_ids)
    data = GroupInput(
        articles=rows,
        tags=tags_for(session, ids),
        stories=stories_for(session, story_ids),
        members=members_of(session, story_ids, ids),
        reported=reported,
        reported_stories=reported_stories,
        relevance_topic=relevance_topic,
    )
    health = source_health(session, start, end)
    breaking = breaking_in(session, start, end, tz)
    digest = assemble(
        data,
        day,
        mode,
        tz,
        start,
        end,
        previous_digest_day(session, day, mode),
        breaking_ids={b.story_id for b in breaking},
    )
    digest.untagged = untagged
    digest.n_sources = health.n_sources
    digest.health = [
        SourceHealth(
            name=row.name,
            status=row.status,
            failures=row.failures,
            last_error=row.last_error,
            last_failure=clock(row.last_failure_at, tz) if row.last_failure_at else None,
            last_success=clock(row.last_success_at, tz),
        )
        for row in health.failing
    ]
    digest.breaking = breaking
    coverage = coverage_until(session, day, tz, CHART_DAYS, relevance_topic)
    if coverage.has_articles:
        from digests.chart import coverage_png  # matplotlib: only when a chart is drawn

        digest.chart_png = coverage_png(
            coverage, f"The beat's articles per day, last {CHART_DAYS} days"
        )
    return digest


def coverage_until(
    session: Session, last_day: date, tz: ZoneInfo, days: int, relevance_topic: str | None
) -> Coverage:
    """Coverage of the ``days`` local days ending with ``last_day`` (rising: as of its end,
    or now if earlier)."""
    start = day_window(last_day - timedelta(days=days - 1), tz)[0]
    end = day_window(last_day, tz)[1]
    rows = coverage_rows(session, start - timedelta(days=1), end)
    now = min(datetime.now(UTC), end)
    return coverage_of(
        rows, last_day=last_day, days=days, tz=tz, now=now, relevance_topic=relevance_topic
    )


def breaking_in(
    session: Session, start: datetime, end: datetime, tz: ZoneInfo
) -> list[BreakingStory]:
    """Stories a ``breaking`` alert fired for in [start, end), as the alert reported them."""
    found = []
    for story_id, met_at, payload in breaking_fired_between(session, start, end):
        url = payload.get("url")
        found.append(
            BreakingStory(
                story_id=story_id,
                title=str(payload.get("title") or ""),
                url=clean_link(url)
                if isinstance(url, str) and url.lower().startswith(LINKABLE)
                else None,
                outlets=[str(name) for name in payload.get("outlets") or []],
                when=clock(met_at, tz) if met_at else "",
            )
        )
    return found


def assemble(
    data: GroupInput,
    day: date,
    mode: str,
    tz: ZoneInfo,
    start: datetime,
    end: datetime,
    previous_day: date | None,
    breaking_ids: set[int] | None = None,
) -> DigestData:
    """Group the rows into stories and topics and sum up what is new (no database)."""
    stories = build_stories(data, tz, start)
    for story in stories:
        story.breaking = story.representative.story_id in (breaking_ids or set())
    groups, counts = group_by_topic(stories, data.relevance_topic)
    ordered = [story for group in groups for story in group.stories]
    new = [s for s in ordered if s.mark == STORY_NEW]
    news = DigestNews(
        previous_day=previous_day,
        new_stories=len(new),
        updated_stories=sum(1 for s in ordered if s.mark == STORY_UPDATE),
        updated_articles=sum(1 for s in ordered for a in s.articles if a.mark == ARTICLE_UPDATED),
        new_titles=[s.representative.title for s in new[:MAX_NEW_TITLES]],
        new_links=[NewStoryLink(s.representative.title, s.anchor) for s in new[:MAX_NEW_TITLES]],
    )
    return DigestData(
        day=day,
        mode=mode,
        timezone=tz.key,
        window_start=start,
        window_end=end,
        groups=groups,
        topic_counts=counts,
        news=news,
        health=[],
        n_sources=0,
    )
