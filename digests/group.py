"""Turn a window's article rows into stories grouped by topic (pure: no database, no I/O).

Articles join a story by ``story_id``; an article without a story forms its own, and a
near-duplicate (``duplicate_of``) joins the group of its original. Each story goes under its
primary subtopic (``processing/stories.py::story_topics``: the summed strengths of its articles,
leading by a margin), else under the beat's relevance topic, and shows at most three topics;
stories without tags go under "Not yet tagged".
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from digests.model import (
    ARTICLE_NEW,
    ARTICLE_UPDATED,
    STORY_NEW,
    STORY_UPDATE,
    DigestArticle,
    StoryItem,
    TopicCount,
    TopicGroup,
)
from digests.text import SEED_OUTLET, clean_link, lead, outlet, published_label
from processing.stories import story_topics
from storage.digests import ArticleRow, MemberRow, ReportedItem, StoryRow, TagRow
from storage.models import PRECISION_DAY, TEASER_TEXT_SOURCES

DEFAULT_RELEVANCE_TOPIC = "belarus-russia"
UNTAGGED_SLUG = ""
UNTAGGED_LABEL = "Not yet tagged"
MAX_EVIDENCE = 8
# Only web links are linked: a scraped ``javascript:`` or ``data:`` URL is never clickable.
LINKABLE = ("http://", "https://")
_FAR_FUTURE = datetime.max.replace(tzinfo=UTC)


@dataclass(slots=True)
class GroupInput:
    """Everything grouping needs, as read from storage."""

    articles: list[ArticleRow]
    tags: dict[int, list[TagRow]] = field(default_factory=dict)
    stories: dict[int, StoryRow] = field(default_factory=dict)
    members: list[MemberRow] = field(default_factory=list)
    reported: dict[int, ReportedItem] = field(default_factory=dict)
    reported_stories: dict[int, date] = field(default_factory=dict)
    # The beat's relevance topic: every relevant article has it, so it only files stories
    # that have no primary subtopic (none, weak ones, or a near tie).
    relevance_topic: str | None = DEFAULT_RELEVANCE_TOPIC


def group_key(row: ArticleRow, by_id: dict[int, ArticleRow]) -> str:
    """The story an article belongs to in this digest."""
    if row.story_id is not None:
        return f"s{row.story_id}"
    original = by_id.get(row.duplicate_of) if row.duplicate_of is not None else None
    if original is not None:
        return group_key(original, {})
    return f"a{row.duplicate_of or row.id}"


def article_mark(row: ArticleRow, reported: dict[int, ReportedItem], start: datetime) -> str:
    """``updated`` when the text changed since it was last reported (or, never reported, since
    it was first seen before this window); else ``new``."""
    previous = reported.get(row.id)
    if previous is not None:
        return ARTICLE_UPDATED if previous.text_hash != row.text_hash else ARTICLE_NEW
    if row.version > 1 and row.first_seen_at < start:
        return ARTICLE_UPDATED
    return ARTICLE_NEW


def to_article(
    row: ArticleRow, tz: ZoneInfo, reported: dict[int, ReportedItem], start: datetime
) -> DigestArticle:
    return DigestArticle(
        id=row.id,
        title=row.title,
        url=clean_link(row.url) if row.url and row.url.lower().startswith(LINKABLE) else None,
        outlet=outlet(row.url, row.source_name, row.origin),
        when=published_label(row.published_at, row.date_precision, tz),
        lead=lead(row.text, title=row.title),
        mark=article_mark(row, reported, start),
        story_id=row.story_id,
        text_hash=row.text_hash,
        duplicate_of=row.duplicate_of,
        teaser=row.text_source in TEASER_TEXT_SOURCES,
    )


def _sort_time(row: ArticleRow) -> datetime:
    return row.published_at or _FAR_FUTURE


def _activity_time(row: ArticleRow) -> datetime:
    """When an article happened for the reader: its publication day-time, else first seen."""
    when = row.published_at if row.date_precision == PRECISION_DAY and row.published_at else None
    when = when or row.first_seen_at
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def build_stories(data: GroupInput, tz: ZoneInfo, start: datetime) -> list[StoryItem]:
    """One :class:`StoryItem` per story of the window, in no particular order."""
    by_id = {row.id: row for row in data.articles}
    groups: dict[str, list[ArticleRow]] = defaultdict(list)
    for row in data.articles:
        groups[group_key(row, by_id)].append(row)
    members_by_story: dict[int, list[MemberRow]] = defaultdict(list)
    dups_of: dict[int, list[MemberRow]] = defaultdict(list)
    for member in data.members:
        if member.story_id is not None:
            members_by_story[member.story_id].append(member)
        if member.duplicate_of is not None:
            dups_of[member.duplicate_of].append(member)

    items: list[StoryItem] = []
    for key, rows in groups.items():
        story_id = rows[0].story_id if key.startswith("s") else None
        story = data.stories.get(story_id) if story_id is not None else None
        rows.sort(key=lambda r: (r.duplicate_of is not None, _sort_time(r), r.id))
        rep_row = rows[0]
        if story is not None and story.representative_id in by_id:
            rep_row = by_id[story.representative_id]
        others = [r for r in rows if r.id != rep_row.id]

        members: dict[int, tuple[str, bool]] = {}
        for row in rows:
            members[row.id] = (outlet(row.url, row.source_name, row.origin), bool(row.duplicate_of))
        extra = list(members_by_story.get(story_id, [])) if story_id is not None else []
        for row in rows:
            extra.extend(dups_of.get(row.id, []))
        for m in extra:
            members[m.id] = (outlet(m.url, m.source_name, m.origin), m.duplicate_of is not None)
        rep_outlet = members[rep_row.id][0]
        # The seed corpus is where the beat started, not a publisher covering the story.
        other_outlets = {name for name, _ in members.values()} - {rep_outlet, SEED_OUTLET}

        scores: dict[str, float] = defaultdict(float)
        labels: dict[str, str] = {}
        evidence: Counter[str] = Counter()
        first_form: dict[str, str] = {}
        for row in rows:
            for tag in data.tags.get(row.id, []):
                scores[tag.topic] += tag.score
                labels.setdefault(tag.topic, tag.label)
                for span in tag.evidence:
                    term = str(span.get("text") or span.get("term") or "").strip()
                    if term:
                        evidence[term.casefold()] += 1
                        first_form.setdefault(term.casefold(), term)
        slugs = story_topics(scores, data.relevance_topic)  # filed under slugs[0]; at most 3
        terms = sorted(evidence, key=lambda t: (-evidence[t], t))[:MAX_EVIDENCE]

        if story_id is not None:
            is_update = story_id in data.reported_stories
        else:
            is_update = any(r.id in data.reported for r in rows)
        previous = [data.reported[r.id].day for r in rows if r.id in data.reported]
        if story_id is not None and story_id in data.reported_stories:
            previous.append(data.reported_stories[story_id])
        items.append(
            StoryItem(
                key=key,
                label=_story_label(story, rep_row.title),
                representative=to_article(rep_row, tz, data.reported, start),
                others=[to_article(r, tz, data.reported, start) for r in others],
                mark=STORY_UPDATE if is_update else STORY_NEW,
                previous_day=max(previous) if previous else None,
                other_outlets=len(other_outlets),
                near_duplicates=sum(1 for _, dup in members.values() if dup),
                topics=[labels[s] for s in slugs],
                topic_slugs=slugs,
                evidence=[first_form[t] for t in terms],
                latest=max(_activity_time(r) for r in rows),
            )
        )
    return items


def group_by_topic(
    stories: list[StoryItem], relevance_topic: str | None = DEFAULT_RELEVANCE_TOPIC
) -> tuple[list[TopicGroup], list[TopicCount]]:
    """Stories under their main topic (biggest topic first; stories with only the relevance
    topic, then untagged ones, last), and counts per topic."""
    groups: dict[str, TopicGroup] = {}
    counts: dict[str, TopicCount] = {}
    for story in stories:
        slug = story.topic_slugs[0] if story.topic_slugs else UNTAGGED_SLUG
        label = story.topics[0] if story.topics else UNTAGGED_LABEL
        groups.setdefault(slug, TopicGroup(slug, label, [])).stories.append(story)
        for s, lab in zip(story.topic_slugs, story.topics, strict=True):
            count = counts.setdefault(s, TopicCount(lab, 0, 0))
            count.stories += 1
            count.articles += len(story.articles)
    for group in groups.values():
        group.stories.sort(key=_story_order)
    ordered = sorted(
        groups.values(),
        key=lambda g: (
            g.slug == UNTAGGED_SLUG,
            g.slug == relevance_topic,
            -len(g.stories),
            g.label,
        ),
    )
    topic_counts = sorted(counts.values(), key=lambda c: (-c.stories, -c.articles, c.label))
    return ordered, topic_counts


def _story_order(story: StoryItem) -> tuple[bool, float, str, int]:
    """Breaking stories first, then the newest (latest article first), then by title."""
    latest = story.latest.timestamp() if story.latest else float("-inf")
    return (
        not story.breaking,
        -latest,
        story.representative.title.casefold(),
        story.representative.id,
    )


def _story_label(story: StoryRow | None, title: str) -> str | None:
    """The story's label, unless it only repeats the representative title."""
    if story is None or not story.label.strip():
        return None
    return None if story.label.strip().casefold() == title.strip().casefold() else story.label
