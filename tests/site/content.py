"""The site's content: the articles of ``static/articles.toml`` as plain dataclasses.

Tests use these to know what a page holds (title, date, body paragraphs) and which strings are
boilerplate that must never reach stored text.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cache
from pathlib import Path

STATIC = Path(__file__).parent / "static"

#: Text that appears on every article page outside the article body (navigation, share block,
#: related links, footer). None of it may end up in an extracted article text.
BOILERPLATE = (
    "Naar de hoofdinhoud",
    "Regionaal nieuws",
    "Jeugdjournaal",
    "Opmerkelijk",
    "Deel artikel",
    "Link kopiëren",
    "Meer over dit onderwerp",
    "Meest gelezen",
    "Download de NOS-app",
    "Over de NOS",
    "Privacyverklaring",
    "Cookie-instellingen",
    "NOS is onderdeel van de Nederlandse Publieke Omroep",
)

#: The days with archive pages that list articles (``/nieuws/archief/YYYY-MM-DD``).
ARCHIVE_DAYS = (date(2023, 6, 14), date(2023, 6, 27), date(2023, 8, 1))


@dataclass(frozen=True)
class Article:
    """One page of the site. ``kind`` is artikel, liveblog, video or extra."""

    id: int
    kind: str
    slug: str
    title: str
    published: datetime
    section: str = "Buitenland"
    author: str = ""
    topic: str = "belarus-rusland"
    feeds: tuple[str, ...] = ()
    caption: str = ""
    related: tuple[int, ...] = ()
    lead: str = ""
    paragraphs: tuple[str, ...] = ()
    updates: tuple[tuple[str, str, str], ...] = ()
    explicit_path: str = ""

    @property
    def path(self) -> str:
        if self.explicit_path:
            return self.explicit_path
        return f"/{self.kind}/{self.id}-{self.slug}"

    @property
    def short_path(self) -> str:
        """The ``/l/<id>`` short link that feed items use; it redirects to :attr:`path`."""
        return f"/l/{self.id}"

    @property
    def body_paragraphs(self) -> tuple[str, ...]:
        """Every text paragraph of the body, lead first, without the subheadings."""
        return (self.lead, *(p for p in self.paragraphs if not p.startswith("## ")))

    @property
    def day(self) -> date:
        return self.published.date()

    @property
    def relevant(self) -> bool:
        return self.topic == "belarus-rusland"


@dataclass(frozen=True)
class Catalogue:
    """Everything the site serves from ``articles.toml``, indexed."""

    articles: tuple[Article, ...]
    liveblogs: tuple[Article, ...]
    videos: tuple[Article, ...]
    extras: tuple[Article, ...]
    by_id: dict[int, Article] = field(default_factory=dict)
    by_path: dict[str, Article] = field(default_factory=dict)

    @property
    def pages(self) -> tuple[Article, ...]:
        return self.articles + self.liveblogs + self.videos + self.extras

    def on_day(self, day: date) -> list[Article]:
        """Articles, live blogs and videos published on ``day``, newest first."""
        items = [a for a in self.articles + self.liveblogs + self.videos if a.day == day]
        return sorted(items, key=lambda a: a.published, reverse=True)

    def in_feed(self, feed: str) -> list[Article]:
        items = [a for a in self.articles + self.liveblogs + self.videos if feed in a.feeds]
        return sorted(items, key=lambda a: a.published, reverse=True)


def _article(kind: str, raw: dict[str, object]) -> Article:
    data = dict(raw)
    published = datetime.fromisoformat(str(data.pop("published")))
    explicit_path = str(data.pop("path", ""))
    if "description" in data:
        data["lead"] = data.pop("description")
    for key in ("feeds", "related", "paragraphs"):
        if key in data:
            data[key] = tuple(data[key])  # type: ignore[arg-type]
    if "updates" in data:
        data["updates"] = tuple(tuple(u) for u in data["updates"])  # type: ignore[attr-defined]
    data.setdefault("slug", explicit_path.rsplit("/", 1)[-1])
    return Article(kind=kind, published=published, explicit_path=explicit_path, **data)  # type: ignore[arg-type]


@cache
def catalogue() -> Catalogue:
    """The parsed content (read once per process)."""
    raw = tomllib.loads((STATIC / "articles.toml").read_text(encoding="utf-8"))
    cat = Catalogue(
        articles=tuple(_article("artikel", a) for a in raw["article"]),
        liveblogs=tuple(_article("liveblog", a) for a in raw["liveblog"]),
        videos=tuple(_article("video", a) for a in raw["video"]),
        extras=tuple(_article("extra", a) for a in raw["extra"]),
    )
    for page in cat.pages:
        cat.by_id[page.id] = page
        cat.by_path[page.path] = page
    return cat
