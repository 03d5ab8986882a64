"""The digest as plain data: what the templates render and the mailer sends."""

from __future__ import annotations

import base64
from dataclasses import dataclass, field
from datetime import date, datetime

MODE_SEEN = "seen"
MODE_PUBLISHED = "published"

# Marks of a story and of an article.
STORY_NEW = "new"
STORY_UPDATE = "update"
ARTICLE_NEW = "new"
ARTICLE_UPDATED = "updated"


@dataclass(slots=True)
class DigestArticle:
    """One article as the digest shows it."""

    id: int
    title: str
    url: str | None
    outlet: str
    when: str  # the publication time in the digest's zone, with its precision
    lead: str
    mark: str  # new | updated
    story_id: int | None
    text_hash: str
    duplicate_of: int | None
    teaser: bool = False  # only the feed item's title and description (the page is walled)


@dataclass(slots=True)
class StoryItem:
    """A story: its representative article, the others of the window and why it is here."""

    key: str
    label: str | None
    representative: DigestArticle
    others: list[DigestArticle]
    mark: str  # new | update
    previous_day: date | None  # the day it was last reported, for an update
    other_outlets: int
    near_duplicates: int
    topics: list[str]  # labels, best first
    topic_slugs: list[str]
    evidence: list[str]
    latest: datetime | None = None  # its newest article's publication (else first-seen) time
    breaking: bool = False  # a ``breaking`` alert fired for it during the digest's day

    @property
    def anchor(self) -> str:
        """The id of the story's heading, which the "New" list links to."""
        return f"story-{self.key}"

    @property
    def articles(self) -> list[DigestArticle]:
        """The representative first, then the others."""
        return [self.representative, *self.others]


@dataclass(slots=True)
class TopicGroup:
    """Stories whose main topic is this one (slug ``""`` holds the untagged stories)."""

    slug: str
    label: str
    stories: list[StoryItem]


@dataclass(slots=True)
class TopicCount:
    """How many stories and articles touch a topic."""

    label: str
    stories: int
    articles: int


@dataclass(slots=True)
class SourceHealth:
    """A source that failed in the window, as printed."""

    name: str
    status: str
    failures: int
    last_error: str | None
    last_failure: str | None
    last_success: str  # formatted, or "never"


@dataclass(slots=True)
class BreakingStory:
    """A story that met a ``breaking`` alert condition during the digest's day."""

    story_id: int
    title: str
    url: str | None
    outlets: list[str]
    when: str  # when it broke, in the digest's zone


@dataclass(frozen=True, slots=True)
class NewStoryLink:
    """A line of the "New" list: the story's title and the anchor of its heading."""

    title: str
    anchor: str


@dataclass(slots=True)
class DigestNews:
    """What is new since the previous digest."""

    previous_day: date | None
    new_stories: int
    updated_stories: int
    updated_articles: int
    new_titles: list[str]
    new_links: list[NewStoryLink] = field(default_factory=list)


@dataclass(slots=True)
class DigestData:
    """A whole digest."""

    day: date
    mode: str  # seen | published
    timezone: str
    window_start: datetime
    window_end: datetime
    groups: list[TopicGroup]
    topic_counts: list[TopicCount]
    news: DigestNews
    health: list[SourceHealth]
    n_sources: int
    untagged: int = 0
    notes: list[str] = field(default_factory=list)
    breaking: list[BreakingStory] = field(default_factory=list)
    chart_png: bytes | None = None  # coverage of the last days (digests.chart), if any

    @property
    def chart_file(self) -> str:
        """The chart's file name beside the Markdown digest (``YYYY-MM-DD-coverage.png``)."""
        stem = self.day.isoformat() if self.mode == MODE_SEEN else f"{self.day}-{self.mode}"
        return f"{stem}-coverage.png"

    @property
    def chart_base64(self) -> str:
        """The chart as base64, embedded in the HTML digest (a data URI: no script)."""
        return base64.b64encode(self.chart_png or b"").decode("ascii")

    @property
    def stories(self) -> list[StoryItem]:
        """Every story, in the order the digest shows them."""
        return [story for group in self.groups for story in group.stories]

    @property
    def n_stories(self) -> int:
        return sum(len(group.stories) for group in self.groups)

    @property
    def n_articles(self) -> int:
        return sum(len(story.articles) for story in self.stories)

    @property
    def is_empty(self) -> bool:
        return self.n_stories == 0

    @property
    def subject(self) -> str:
        """The email subject: ``newsmon digest YYYY-MM-DD — N stories``."""
        return f"newsmon digest {self.day.isoformat()} — {self.n_stories} stories"
