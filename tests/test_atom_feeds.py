"""The Atom feeds written after an ingest parse with feedparser and hold to RFC 4287: ids,
titles, links, updated; one entry per story, newest first, stable ids; scraped markup stays
text; teasers are marked; a subtopic's feed has only that topic's stories. Both backends."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import feedparser
from lxml import etree
from sqlalchemy import Engine

from digests.atom import story_id_urn
from pipeline.ingest.publish import publish_after_ingest
from tests.alert_data import NOW, add_article, build, new_story, set_representative

ATOM = "{http://www.w3.org/2005/Atom}"
TOPICS = {
    "belarus-russia": "Belarus–Russia relations",
    "military-cooperation": "Military cooperation",
    "nuclear-weapons": "Nuclear weapons",
    "wagner-mercenaries": "Wagner and mercenaries",
}
HOSTILE = "<script>alert('x')</script> Loekasjenko & Poetin\x0b\x1b"


def write(engine: Engine, tmp_path: Path) -> Path:
    report = publish_after_ingest(
        engine, data_dir=tmp_path, topics=TOPICS, relevance_topic="belarus-russia", now=NOW
    )
    assert report.failed == []
    assert sorted(p.name for p in report.feeds) == sorted(f"{slug}.atom" for slug in TOPICS)
    return tmp_path / "feeds"


def hostile_story(engine: Engine) -> int:
    story = new_story(engine, "hostile")
    set_representative(
        engine,
        story,
        add_article(
            engine,
            story_id=story,
            url="https://nu.nl/6-script",
            title=HOSTILE,
            topics=("nuclear-weapons",),
            published_at=NOW - timedelta(minutes=20),
            first_seen_at=NOW - timedelta(minutes=10),
            text="Kort: alleen de feedtekst over Loekasjenko.",
            text_source="feed",
        ),
    )
    return story


def check_rfc4287(path: Path) -> etree._Element:
    """The document is an Atom feed with every element RFC 4287 requires."""
    root = etree.fromstring(path.read_bytes())
    assert root.tag == f"{ATOM}feed"
    for name in ("id", "title", "updated", "author"):
        assert root.find(f"{ATOM}{name}") is not None, name
    ids = []
    for entry in root.iter(f"{ATOM}entry"):
        for name in ("id", "title", "updated"):
            assert len(entry.findall(f"{ATOM}{name}")) == 1, name
        ids.append(entry.findtext(f"{ATOM}id"))
        datetime.fromisoformat(entry.findtext(f"{ATOM}updated") or "")
        links = entry.findall(f"{ATOM}link")
        alternate = [link for link in links if link.get("rel", "alternate") == "alternate"]
        assert alternate or entry.find(f"{ATOM}content") is not None
    assert all(i and i.startswith("urn:uuid:") for i in ids)
    assert len(ids) == len(set(ids))
    return root


def test_every_feed_is_valid_atom_one_entry_per_story_newest_first(
    engine: Engine, tmp_path: Path
) -> None:
    ids = build(engine)
    feeds = write(engine, tmp_path)
    for path in feeds.glob("*.atom"):
        check_rfc4287(path)
        parsed = feedparser.parse(path.read_bytes())
        assert parsed.bozo == 0 and parsed.version == "atom10", path

    beat = feedparser.parse((feeds / "belarus-russia.atom").read_bytes())
    # Newest news first: the 2023 story fetched today comes last, not first.
    assert [e.id for e in beat.entries] == [
        story_id_urn(ids[key]) for key in ("army", "nuclear", "seed", "archive")
    ]
    army = beat.entries[0]
    assert army.title == "Rusland en Belarus vormen gezamenlijke legereenheid"
    assert army.link == "https://nos.nl/artikel/1-legereenheid"
    updated = datetime.fromisoformat(army.updated)
    assert updated.utcoffset() == timedelta(hours=1)  # local time (Amsterdam, winter)
    assert updated == NOW - timedelta(minutes=90)  # its latest article's publication
    assert {t.term for t in army.tags} == {"military-cooperation"}
    assert "Rusland en Belarus vormen een gezamenlijke legereenheid" in army.summary
    assert "nu.nl" in army.summary and "rtl.nl" in army.summary
    seed = beat.entries[2]
    assert "link" not in seed or not seed.get("links")
    assert seed.content[0].value  # no link: the entry carries content instead

    military = feedparser.parse((feeds / "military-cooperation.atom").read_bytes())
    assert [e.id for e in military.entries] == [
        story_id_urn(ids[key]) for key in ("army", "seed", "archive")
    ]
    empty = feedparser.parse((feeds / "wagner-mercenaries.atom").read_bytes())
    assert empty.entries == [] and empty.bozo == 0
    assert empty.feed.title == "Wagner and mercenaries"

    again = write(engine, tmp_path)
    assert [
        e.id for e in feedparser.parse((again / "belarus-russia.atom").read_bytes()).entries
    ] == [e.id for e in beat.entries]


def test_a_script_title_stays_text_and_a_teaser_is_marked(engine: Engine, tmp_path: Path) -> None:
    story = hostile_story(engine)
    path = write(engine, tmp_path) / "nuclear-weapons.atom"
    raw = path.read_bytes()
    root = check_rfc4287(path)
    assert b"<script>" not in raw and b"&lt;script&gt;" in raw
    assert not list(root.iter("script", f"{ATOM}script", "{http://www.w3.org/1999/xhtml}script"))
    (entry,) = root.iter(f"{ATOM}entry")
    assert entry.findtext(f"{ATOM}id") == story_id_urn(story)
    title = entry.find(f"{ATOM}title")
    assert title is not None and title.get("type", "text") == "text"
    assert title.text == "<script>alert('x')</script> Loekasjenko & Poetin [teaser]"
    terms = {c.get("term") for c in entry.iter(f"{ATOM}category")}
    assert terms == {"nuclear-weapons", "teaser"}
    parsed = feedparser.parse(raw)
    assert parsed.bozo == 0 and parsed.entries[0].title.startswith("<script>alert")


def test_feeds_link_themselves_escape_html_summaries_once_and_put_the_newest_first(
    engine: Engine, tmp_path: Path
) -> None:
    ids = build(engine)
    hostile_story(engine)
    add_article(
        engine,
        story_id=ids["army"],
        url="https://nu.nl/7-overleg?utm_source=rss",
        title="Poetin & Loekasjenko <overleg>",
        topics=("military-cooperation",),
        published_at=NOW - timedelta(hours=3),
        first_seen_at=NOW - timedelta(hours=1),
    )
    feeds = write(engine, tmp_path)
    path = feeds / "belarus-russia.atom"
    root = check_rfc4287(path)
    (self_link,) = [link for link in root.findall(f"{ATOM}link") if link.get("rel") == "self"]
    assert self_link.get("href") == path.resolve().as_uri()
    assert self_link.get("type") == "application/atom+xml"
    entries = list(root.iter(f"{ATOM}entry"))
    updated = [datetime.fromisoformat(e.findtext(f"{ATOM}updated") or "") for e in entries]
    assert updated == sorted(updated, reverse=True)
    summaries = {e.findtext(f"{ATOM}title"): e.find(f"{ATOM}summary") for e in entries}
    army = summaries["Rusland en Belarus vormen gezamenlijke legereenheid"]
    assert army is not None and army.get("type") == "html"
    html = army.text or ""  # the HTML, after the XML layer is undone
    assert html.startswith("<p>") and '<li><a href="https://' in html
    assert "Poetin &amp; Loekasjenko &lt;overleg&gt;" in html  # HTML-escaped exactly once
    assert "&amp;amp;" not in html and "utm_source" not in html
    hostile = next(s for t, s in summaries.items() if t and t.startswith("<script>"))
    assert hostile is not None
    text = hostile.text or ""
    assert "<script>" not in text and "&amp;amp;" not in text  # escaped once, not twice
    assert "Teaser" in text
