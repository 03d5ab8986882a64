"""SQLAlchemy 2 typed models: every table newsmon keeps.

The schema is created by the Alembic migrations in ``storage/migrations``; a test checks that
the migrations and these models agree on both SQLite and PostgreSQL. Backend-specific index
details (hash and partial indexes) live in the migrations only: declared here, they would load
SQLAlchemy's PostgreSQL dialect into every command, read-only ones included (about 0.15 s).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from storage.types import MaskedJSON, MaskedText, UTCDateTime, utcnow

NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# Date precision of a published time: a day we know, a month we know, or nothing.
PRECISION_DAY = "day"
PRECISION_MONTH = "month"
PRECISION_UNKNOWN = "unknown"
DATE_PRECISIONS = (PRECISION_DAY, PRECISION_MONTH, PRECISION_UNKNOWN)

# Where an article's text came from: the page, the feed item (a teaser: the page is behind a
# consent wall or paywall), the walled page's own description (a teaser when the feed has
# none), or a seed file.
TEXT_FROM_PAGE = "page"
TEXT_FROM_FEED = "feed"
TEXT_FROM_PAGE_META = "page_meta"
TEXT_FROM_SEED = "seed"
TEXT_SOURCES = (TEXT_FROM_PAGE, TEXT_FROM_FEED, TEXT_FROM_PAGE_META, TEXT_FROM_SEED)
#: Text sources of a teaser: what is said about an article whose page was not read.
TEASER_TEXT_SOURCES = frozenset({TEXT_FROM_FEED, TEXT_FROM_PAGE_META})


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {datetime: UTCDateTime(), dict[str, Any]: JSON()}  # noqa: RUF012


class Source(Base):
    """A configured source (feed, sitemap, archive template or the seed corpus) and its health."""

    __tablename__ = "sources"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    kind: Mapped[str] = mapped_column(String(20))
    url: Mapped[str | None] = mapped_column(Text)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    priority: Mapped[int] = mapped_column(Integer, default=100)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_attempt_at: Mapped[datetime | None]
    last_success_at: Mapped[datetime | None]
    last_error_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(MaskedText)
    # ok | failing | blocked | unreachable | gone | never
    status: Mapped[str] = mapped_column(String(20), default="never")
    consecutive_failures: Mapped[int] = mapped_column(Integer, default=0)
    # A permanent redirect (301/308) of the listing: polled at ``moved_to`` while the
    # configured URL is still ``moved_from`` (a new URL in the configuration ends the move).
    moved_from: Mapped[str | None] = mapped_column(Text)
    moved_to: Mapped[str | None] = mapped_column(Text)
    # The configured URL whose listing answered 410 Gone: the source is skipped (status gone)
    # while the configuration names it, until an operator re-enables it.
    gone_url: Mapped[str | None] = mapped_column(Text)


class FetchLog(Base):
    """One HTTP request (or refusal to make one) with its outcome and validators."""

    __tablename__ = "fetch_log"
    __table_args__ = (
        Index("ix_fetch_log_source_requested", "source_id", "requested_at"),
        Index("ix_fetch_log_url", "url"),  # a hash index on PostgreSQL (migration 0004)
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    source_id: Mapped[int | None] = mapped_column(ForeignKey("sources.id", ondelete="SET NULL"))
    run_id: Mapped[int | None] = mapped_column(ForeignKey("ingest_runs.id", ondelete="SET NULL"))
    url: Mapped[str] = mapped_column(Text)
    final_url: Mapped[str | None] = mapped_column(Text)
    requested_at: Mapped[datetime] = mapped_column(default=utcnow)
    status_code: Mapped[int | None] = mapped_column(Integer)
    # ok | not_modified | http_error | timeout | connect_error | robots_disallowed | off_host |
    # too_large | bad_content_type | redirect_error | parse_error | no_article | blocked
    outcome: Mapped[str] = mapped_column(String(30))
    error: Mapped[str | None] = mapped_column(MaskedText)
    etag: Mapped[str | None] = mapped_column(Text)
    last_modified: Mapped[str | None] = mapped_column(Text)
    n_bytes: Mapped[int | None] = mapped_column(Integer)
    elapsed_ms: Mapped[float | None] = mapped_column(Float)


class HttpValidator(Base):
    """The latest ETag / Last-Modified per URL, for conditional GETs."""

    __tablename__ = "http_validators"

    url: Mapped[str] = mapped_column(String(2000), primary_key=True)
    etag: Mapped[str | None] = mapped_column(Text)
    last_modified: Mapped[str | None] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class Story(Base):
    """Articles from one or more outlets about the same event."""

    __tablename__ = "stories"
    __table_args__ = (Index("ix_stories_last_published_at", "last_published_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    label: Mapped[str] = mapped_column(Text)
    # The earliest-published member; no foreign key, to keep articles <-> stories acyclic.
    representative_id: Mapped[int | None] = mapped_column(Integer)
    first_published_at: Mapped[datetime | None]
    last_published_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    # Term weights of the story centroid, so a new process can match new articles to it.
    centroid: Mapped[dict[str, Any] | None]


class Article(Base):
    """One article, identified by its canonical URL (or a seed file for URL-less seeds)."""

    __tablename__ = "articles"
    __table_args__ = (
        Index("ix_articles_published_at", "published_at"),
        Index("ix_articles_first_seen_at", "first_seen_at"),
        Index("ix_articles_text_hash", "text_hash"),
        Index("ix_articles_story_id", "story_id"),
        Index("ix_articles_duplicate_of", "duplicate_of"),
        Index("ix_articles_source_id", "source_id"),
        # The digest's "published that day" query: day-precise dates, or month-only ones.
        Index("ix_articles_precision_published_at", "date_precision", "published_at"),
        Index("ix_articles_url", "url"),  # a hash index on PostgreSQL (migration 0004)
        # The digest's "seen today" query also takes articles whose text changed that day:
        # partial, WHERE version > 1 (migration 0003).
        Index("ix_articles_changed_updated_at", "updated_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # Identity: the canonical URL, or ``seed:<file stem>`` for a seed that has no URL.
    # Any length (migration 0005): unique through md5(canonical_url) on PostgreSQL.
    canonical_url: Mapped[str] = mapped_column(Text, unique=True)
    url: Mapped[str | None] = mapped_column(Text)
    source_id: Mapped[int | None] = mapped_column(ForeignKey("sources.id", ondelete="SET NULL"))
    origin: Mapped[str] = mapped_column(String(20))  # seed | rss | sitemap | archive
    seed_file: Mapped[str | None] = mapped_column(String(200))
    title: Mapped[str] = mapped_column(Text)
    author: Mapped[str | None] = mapped_column(Text)
    language: Mapped[str | None] = mapped_column(String(10))
    published_at: Mapped[datetime | None]
    date_precision: Mapped[str] = mapped_column(String(10), default=PRECISION_UNKNOWN)
    # Where the published date came from: header | prefix | feed | page | url | sitemap
    date_source: Mapped[str | None] = mapped_column(String(20))
    date_conflict: Mapped[str | None] = mapped_column(Text)
    text: Mapped[str] = mapped_column(Text)
    # page | feed (a teaser from the feed item) | page_meta (a teaser from the walled page's
    # own description) | seed (migration 0007)
    text_source: Mapped[str] = mapped_column(
        String(10), default=TEXT_FROM_PAGE, server_default=TEXT_FROM_PAGE
    )
    n_chars: Mapped[int] = mapped_column(Integer, default=0)
    text_hash: Mapped[str] = mapped_column(String(64))
    minhash: Mapped[bytes | None] = mapped_column(LargeBinary)
    duplicate_of: Mapped[int | None] = mapped_column(ForeignKey("articles.id", ondelete="SET NULL"))
    story_id: Mapped[int | None] = mapped_column(ForeignKey("stories.id", ondelete="SET NULL"))
    relevant: Mapped[bool | None] = mapped_column(Boolean)
    relevance_score: Mapped[float | None] = mapped_column(Float)
    version: Mapped[int] = mapped_column(Integer, default=1)
    first_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_checked_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    versions: Mapped[list[ArticleVersion]] = relationship(
        back_populates="article", cascade="all, delete-orphan", order_by="ArticleVersion.version"
    )
    tags: Mapped[list[ArticleTag]] = relationship(
        back_populates="article", cascade="all, delete-orphan"
    )


class ArticleAlias(Base):
    """A URL under which an article was listed or reached (as listed, a redirect hop, the
    canonical), in canonical form, so no URL of a stored article is fetched again.

    ``url_key`` (SHA-256 of the URL) is the unique key: fixed width, so a URL of any length is
    unique on PostgreSQL too. ``article_key`` is the outlet's article id (``nos.nl:2516536``)
    when the source's id pattern finds one: a new URL of the same article is then known before
    any fetch."""

    __tablename__ = "article_aliases"
    __table_args__ = (
        Index("ix_article_aliases_article_key", "article_key"),
        Index("ix_article_aliases_article_id", "article_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    url_key: Mapped[str] = mapped_column(String(64), unique=True)
    url: Mapped[str] = mapped_column(Text)
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id", ondelete="CASCADE"))
    article_key: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class FetchRetry(Base):
    """A listed URL whose article could not be read (a failure, or a wall that gave only a
    teaser): how often it failed and when it may be tried again (None: not again)."""

    __tablename__ = "fetch_retries"
    __table_args__ = (Index("ix_fetch_retries_next_retry_at", "next_retry_at"),)  # due sweep

    url_key: Mapped[str] = mapped_column(String(64), primary_key=True)
    url: Mapped[str] = mapped_column(Text)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    next_retry_at: Mapped[datetime | None]
    last_outcome: Mapped[str] = mapped_column(String(30))
    last_error: Mapped[str | None] = mapped_column(MaskedText)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class ArticleVersion(Base):
    """Every text an article has had; version 1 is the first one seen."""

    __tablename__ = "article_versions"
    __table_args__ = (UniqueConstraint("article_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id", ondelete="CASCADE"))
    version: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(Text)
    text: Mapped[str] = mapped_column(Text)
    text_hash: Mapped[str] = mapped_column(String(64))
    fetched_at: Mapped[datetime] = mapped_column(default=utcnow)

    article: Mapped[Article] = relationship(back_populates="versions")


class ArticleTag(Base):
    """A topic an article was tagged with, its score and the matched spans as evidence."""

    __tablename__ = "article_tags"
    __table_args__ = (Index("ix_article_tags_topic", "topic"),)

    article_id: Mapped[int] = mapped_column(
        ForeignKey("articles.id", ondelete="CASCADE"), primary_key=True
    )
    topic: Mapped[str] = mapped_column(String(60), primary_key=True)
    label: Mapped[str] = mapped_column(Text)
    score: Mapped[float] = mapped_column(Float)
    # [{"term": "...", "start": 10, "end": 20, "text": "..."}]
    evidence: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)

    article: Mapped[Article] = relationship(back_populates="tags")


class IngestRun(Base):
    """One run of the ingest job."""

    __tablename__ = "ingest_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]
    # running | ok | partial | failed | interrupted (SIGINT/SIGTERM) | abandoned (process gone)
    status: Mapped[str] = mapped_column(String(20), default="running", index=True)
    trigger: Mapped[str] = mapped_column(String(30), default="cli")
    pid: Mapped[int | None]  # the process that runs it, on ``hostname``
    hostname: Mapped[str | None] = mapped_column(String(255))

    sources: Mapped[list[IngestRunSource]] = relationship(
        back_populates="run", cascade="all, delete-orphan"
    )


class IngestRunSource(Base):
    """Per-source counts and errors of one ingest run."""

    __tablename__ = "ingest_run_sources"
    __table_args__ = (UniqueConstraint("run_id", "source_name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("ingest_runs.id", ondelete="CASCADE"))
    source_name: Mapped[str] = mapped_column(String(100))
    status: Mapped[str] = mapped_column(String(20), default="ok")  # ok|failing|blocked|unreachable
    discovered: Mapped[int] = mapped_column(Integer, default=0)
    new: Mapped[int] = mapped_column(Integer, default=0)
    known: Mapped[int] = mapped_column(Integer, default=0)
    not_modified: Mapped[int] = mapped_column(Integer, default=0)
    failed: Mapped[int] = mapped_column(Integer, default=0)
    no_article: Mapped[int] = mapped_column(Integer, default=0)
    duplicates: Mapped[int] = mapped_column(Integer, default=0)
    updated: Mapped[int] = mapped_column(Integer, default=0)
    errors: Mapped[list[dict[str, Any]]] = mapped_column(MaskedJSON, default=list)
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]

    run: Mapped[IngestRun] = relationship(back_populates="sources")


class CrawlProgress(Base):
    """Which (source, day) pairs a backfill has finished, so a killed backfill can resume."""

    __tablename__ = "crawl_progress"

    source_name: Mapped[str] = mapped_column(String(100), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    status: Mapped[str] = mapped_column(String(20))  # done | failed
    n_discovered: Mapped[int] = mapped_column(Integer, default=0)
    n_new: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(MaskedText)
    finished_at: Mapped[datetime] = mapped_column(default=utcnow)


class Digest(Base):
    """A rendered daily digest."""

    __tablename__ = "digests"
    __table_args__ = (UniqueConstraint("day", "mode"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[date] = mapped_column(Date)
    mode: Mapped[str] = mapped_column(String(20), default="seen")  # seen | published
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    markdown_path: Mapped[str | None] = mapped_column(Text)
    html_path: Mapped[str | None] = mapped_column(Text)
    n_stories: Mapped[int] = mapped_column(Integer, default=0)
    n_articles: Mapped[int] = mapped_column(Integer, default=0)

    items: Mapped[list[DigestItem]] = relationship(
        back_populates="digest", cascade="all, delete-orphan"
    )


class DigestItem(Base):
    """An article as it was reported in a digest (to mark later updates)."""

    __tablename__ = "digest_items"
    __table_args__ = (
        UniqueConstraint("digest_id", "article_id"),
        Index("ix_digest_items_article_id", "article_id"),
        Index("ix_digest_items_story_id", "story_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    digest_id: Mapped[int] = mapped_column(ForeignKey("digests.id", ondelete="CASCADE"))
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id", ondelete="CASCADE"))
    story_id: Mapped[int | None] = mapped_column(ForeignKey("stories.id", ondelete="SET NULL"))
    text_hash: Mapped[str] = mapped_column(String(64))

    digest: Mapped[Digest] = relationship(back_populates="items")


class DigestSend(Base):
    """One recipient's email of a day's digest, claimed (``sending``) before it is sent.

    Unique per (day, recipient, round), so two processes cannot both claim it; round 0 is the
    regular send and each ``--force`` or ``--resend-unknown`` adds a round. The owner (pid,
    host) tells a claim whose process died, which becomes ``unknown``.
    """

    __tablename__ = "digest_sends"
    __table_args__ = (UniqueConstraint("day", "recipient", "send_round"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[date] = mapped_column(Date)
    recipient: Mapped[str] = mapped_column(String(320))
    send_round: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    status: Mapped[str] = mapped_column(String(20))  # sending | sent | failed | unknown
    attempts: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    error: Mapped[str | None] = mapped_column(MaskedText)
    subject: Mapped[str | None] = mapped_column(Text)
    message_id: Mapped[str | None] = mapped_column(Text)
    attempted_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None]
    owner_pid: Mapped[int | None] = mapped_column(Integer)
    owner_host: Mapped[str | None] = mapped_column(String(255))


class HostLease(Base):
    """The earliest moment the next request to a host may start, shared by all processes."""

    __tablename__ = "host_leases"

    host: Mapped[str] = mapped_column(String(255), primary_key=True)
    next_allowed_at: Mapped[datetime]
    holder: Mapped[str | None] = mapped_column(String(100))


class FetchClaim(Base):
    """An article page some run is fetching now: claimed (committed) before the request, so
    a concurrent run skips it; released when the page is stored or failed."""

    __tablename__ = "fetch_claims"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)  # sha256 of the claim
    run_id: Mapped[int]
    claimed_at: Mapped[datetime]


class AlertFiring(Base):
    """An alert that fired for a story: once per (alert, story), with what it reported."""

    __tablename__ = "alert_firings"
    __table_args__ = (
        UniqueConstraint("alert", "story_id"),
        Index("ix_alert_firings_fired_at", "fired_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    alert: Mapped[str] = mapped_column(String(100))
    # No foreign key: a firing is history and outlives a story merged or deleted later.
    story_id: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(20))  # topic | breaking
    met_at: Mapped[datetime | None]  # when the condition was met (article time)
    fired_at: Mapped[datetime] = mapped_column(default=utcnow)
    # The message as first built (title, url, topics, outlets, articles): retries resend it.
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)

    deliveries: Mapped[list[AlertDelivery]] = relationship(
        back_populates="firing", cascade="all, delete-orphan", order_by="AlertDelivery.id"
    )


class AlertDelivery(Base):
    """One channel of a firing (an email address or a webhook URL) and its delivery state."""

    __tablename__ = "alert_deliveries"
    __table_args__ = (
        UniqueConstraint("firing_id", "channel", "target"),
        Index("ix_alert_deliveries_status", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    firing_id: Mapped[int] = mapped_column(ForeignKey("alert_firings.id", ondelete="CASCADE"))
    channel: Mapped[str] = mapped_column(String(20))  # email | webhook
    target: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(
        String(20), default="pending"
    )  # pending|sending|sent|failed|unknown
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(MaskedText)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_attempt_at: Mapped[datetime | None]
    sent_at: Mapped[datetime | None]
    owner_pid: Mapped[int | None] = mapped_column(Integer)  # the process holding a claim
    owner_host: Mapped[str | None] = mapped_column(String(255))
    claimed_at: Mapped[datetime | None]  # wall-clock time of the claim, to tell its owner

    firing: Mapped[AlertFiring] = relationship(back_populates="deliveries")
