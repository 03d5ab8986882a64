"""Atom 1.0 feeds of the beat: one entry per story, written with feedgen (never string templates).

Entries come from the digest's own grouping (:func:`digests.group.build_stories`), so a feed
shows a story with the same representative, lead, outlets and topics as the digest. Ids are
``urn:uuid`` values derived from the story id: stable across runs, so a feed reader shows an
updated story as updated, not as a new item. Scraped text goes in as text (lxml escapes it);
characters XML cannot hold at all (control characters) are dropped first.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from html import escape
from zoneinfo import ZoneInfo

from feedgen.feed import FeedGenerator

from digests.group import GroupInput, build_stories
from storage.digests import ArticleRow, MemberRow, StoryRow, TagRow
from storage.models import TEASER_TEXT_SOURCES

FEED_LIMIT = 100
TEASER_TERM = "teaser"
_ID_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://newsmon.invalid/")
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


@dataclass(frozen=True, slots=True)
class FeedArticle:
    """Another article of a story, as its entry's summary lists it."""

    title: str
    url: str | None
    outlet: str
    when: str
    teaser: bool = False


@dataclass(frozen=True, slots=True)
class FeedStory:
    """One feed entry: a story told by its representative article."""

    story_id: int
    title: str
    url: str | None
    outlet: str
    updated: datetime  # the story's latest activity (publication, else first seen), local
    published: datetime | None
    lead: str
    topics: list[tuple[str, str]]  # (slug, label), best first
    others: list[FeedArticle] = field(default_factory=list)
    teaser: bool = False


def is_teaser(row: ArticleRow) -> bool:
    """Only the feed item's title and description were stored (the page stood behind a wall)."""
    return row.text_source in TEASER_TEXT_SOURCES


def story_id_urn(story_id: int) -> str:
    """The stable Atom id of a story's entry."""
    return uuid.uuid5(_ID_NAMESPACE, f"story/{story_id}").urn


def feed_id_urn(slug: str) -> str:
    """The stable Atom id of a topic's feed."""
    return uuid.uuid5(_ID_NAMESPACE, f"feed/{slug}").urn


def feed_stories(
    rows: Sequence[ArticleRow],
    order: Sequence[tuple[int, datetime]],
    *,
    tags: Mapping[int, list[TagRow]],
    stories: Mapping[int, StoryRow],
    members: Sequence[MemberRow],
    relevance_topic: str | None,
    tz: ZoneInfo,
) -> list[FeedStory]:
    """One :class:`FeedStory` per story of ``order`` ((story id, updated) newest first), built
    from the stories' relevant ``rows`` by the digest's grouping."""
    data = GroupInput(
        articles=list(rows),
        tags=dict(tags),
        stories=dict(stories),
        members=list(members),
        relevance_topic=relevance_topic,
    )
    items = {item.key: item for item in build_stories(data, tz, datetime.min.replace(tzinfo=UTC))}
    by_id = {row.id: row for row in rows}
    result: list[FeedStory] = []
    for story_id, seen in order:
        item = items.get(f"s{story_id}")
        if item is None:
            continue
        rep = item.representative
        rep_row = by_id[rep.id]
        result.append(
            FeedStory(
                story_id=story_id,
                title=rep.title,
                url=rep.url,
                outlet=rep.outlet,
                # The story's news time (its latest article's publication, else first seen),
                # so an old story fetched today does not top the feed; in the digest's zone.
                updated=(item.latest or seen).astimezone(tz),
                published=rep_row.published_at if rep_row.date_precision == "day" else None,
                lead=rep.lead,
                topics=list(zip(item.topic_slugs, item.topics, strict=True)),
                others=[
                    FeedArticle(o.title, o.url, o.outlet, o.when, is_teaser(by_id[o.id]))
                    for o in item.others
                ],
                teaser=is_teaser(rep_row),
            )
        )
    return sorted(result, key=lambda story: story.updated, reverse=True)


def xml_text(value: str) -> str:
    """``value`` without the characters XML 1.0 cannot carry (NUL, other C0 controls)."""
    return _NOT_XML.sub("", value)


def summary_html(story: FeedStory) -> str:
    """The entry's summary as HTML (``type="html"``): the lead as a paragraph, then the story's
    other articles as a linked list. Text is HTML-escaped here once; the XML writer escapes
    the markup as XML, which a reader undoes before rendering."""
    parts = []
    if story.teaser:
        parts.append(
            f"<p><em>Teaser: only the feed's text of this {escape(story.outlet)} article "
            "was read.</em></p>"
        )
    if story.lead:
        parts.append(f"<p>{escape(story.lead)}</p>")
    if story.others:
        items = []
        for other in story.others:
            title = escape(other.title) + (" [teaser]" if other.teaser else "")
            linked = f'<a href="{escape(other.url)}">{title}</a>' if other.url else title
            items.append(f"<li>{linked} — {escape(other.outlet)}, {escape(other.when)}</li>")
        parts.append(f"<p>Also in this story ({len(story.others)}):</p><ul>{''.join(items)}</ul>")
    return xml_text("".join(parts))


def render_atom(
    stories: Sequence[FeedStory],
    *,
    slug: str,
    title: str,
    updated: datetime,
    self_url: str | None = None,
) -> bytes:
    """The Atom 1.0 document (UTF-8 bytes) of ``stories``, in the given order."""
    fg = FeedGenerator()
    fg.id(feed_id_urn(slug))
    fg.title(xml_text(title))
    fg.subtitle(xml_text(f"newsmon: the latest {len(stories)} stories on {title}"))
    fg.author({"name": "newsmon"})
    fg.generator("newsmon")
    fg.language("nl")
    fg.updated(max((s.updated for s in stories), default=updated))
    if self_url:
        fg.link(href=self_url, rel="self", type="application/atom+xml")
    for story in stories:
        entry = fg.add_entry(order="append")
        entry.id(story_id_urn(story.story_id))
        entry.title(xml_text(story.title + (" [teaser]" if story.teaser else "")))
        entry.updated(story.updated)
        if story.published is not None:
            entry.published(story.published)
        entry.author({"name": xml_text(story.outlet)})
        summary = summary_html(story)
        if summary:
            entry.summary(summary, type="html")
        if story.url:
            entry.link(href=xml_text(story.url), rel="alternate", type="text/html")
        else:  # Atom: an entry without an alternate link must carry content
            entry.content(summary or escape(xml_text(story.title)), type="html")
        for topic_slug, label in story.topics:
            entry.category(term=xml_text(topic_slug), label=xml_text(label))
        if story.teaser:
            entry.category(term=TEASER_TERM, label="Teaser (feed text only)")
    return bytes(fg.atom_str(pretty=True))
