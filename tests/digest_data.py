"""A small fixed data set for digest tests, built directly through the models.

The digest day is 2026-03-10 in Europe/Amsterdam (09 Mar 23:00 UTC to 10 Mar 23:00 UTC):

- story 1 "Joint army unit": nos.nl (representative), nu.nl, and an rtl.nl near-duplicate;
- story 2 "Putin in Minsk": reported on 2026-03-09 (article B1), today a new NOS article (B2);
- article C1 (no story) reported on 2026-03-08, text changed today;
- seed D1, untagged, no URL, with a hostile title;
- left out: E1 (fetched, not tagged yet), F1 (tagged not relevant), G1 (the next day);
- sources: nos-buitenland healthy, nu-feed failing twice in the window, seeds healthy.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Engine

from storage.db import session_scope
from storage.models import (
    Article,
    ArticleTag,
    Digest,
    DigestItem,
    FetchLog,
    Source,
    Story,
)

DAY = date(2026, 3, 10)
HOSTILE_TITLE = "<script>alert('x')</script> Loekasjenko & *Poetin* [1]"


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)  # type: ignore[misc]


def ev(*terms: str) -> list[dict[str, Any]]:
    """Evidence spans for ``terms`` (offsets are not used by the digest)."""
    return [
        {"term": t, "start": i * 10, "end": i * 10 + len(t), "text": t} for i, t in enumerate(terms)
    ]


def _article(ids: dict[str, int], key: str, **fields: Any) -> Article:
    fields.setdefault("url", None)
    fields.setdefault("canonical_url", fields["url"] or f"seed:{key}")
    fields.setdefault("origin", "rss")
    fields.setdefault("text_hash", f"hash-{key}")
    fields.setdefault("relevant", True)
    fields.setdefault("date_precision", "day")
    fields.setdefault("version", 1)
    fields.setdefault("updated_at", fields["first_seen_at"])
    fields.setdefault("last_checked_at", fields["first_seen_at"])
    fields["n_chars"] = len(fields["text"])
    return Article(**fields)


def build(engine: Engine) -> dict[str, int]:
    """Insert the data set; returns article ids by key (A1, A2, ...)."""
    ids: dict[str, int] = {}
    with session_scope(engine) as s:
        nos = Source(
            name="nos-buitenland", kind="rss", status="ok", last_success_at=utc(2026, 3, 10, 6)
        )
        nu = Source(
            name="nu-feed",
            kind="rss",
            status="failing",
            last_success_at=utc(2026, 3, 8, 5, 30),
            last_error_at=utc(2026, 3, 10, 12),
            last_error="connect_error: connection refused",
            consecutive_failures=2,
        )
        seeds = Source(name="seeds", kind="seed", status="ok", last_success_at=utc(2026, 3, 10, 7))
        s.add_all([nos, nu, seeds])
        s.flush()
        army = Story(label="Joint army unit", first_published_at=utc(2026, 3, 10, 7))
        minsk = Story(label="Putin in Minsk", first_published_at=utc(2026, 3, 9, 8))
        s.add_all([army, minsk])
        s.flush()

        seen = utc(2026, 3, 10, 9)
        rows = {
            "A1": _article(
                ids,
                "A1",
                url="https://nos.nl/artikel/1-legereenheid",
                source_id=nos.id,
                title="Rusland en Belarus vormen gezamenlijke legereenheid",
                text=(
                    "Loekasjenko kondigde maandag een gezamenlijke legereenheid aan. "
                    "Het doel is de grens te bewaken. Een derde zin volgt."
                ),
                published_at=utc(2026, 3, 10, 7),
                first_seen_at=seen,
                story_id=army.id,
            ),
            "A2": _article(
                ids,
                "A2",
                url="https://www.nu.nl/buitenland/2-leger",
                source_id=nu.id,
                title="Belarus en Rusland voegen legers samen (update)",
                text="De legers voegen eenheden samen. Poetin en Loekasjenko spraken elkaar.",
                published_at=utc(2026, 3, 10, 8, 30),
                first_seen_at=seen,
                story_id=army.id,
            ),
            "B1": _article(
                ids,
                "B1",
                url="https://nos.nl/artikel/3-minsk",
                source_id=nos.id,
                title="Poetin reist af naar Minsk",
                text="Poetin reist af naar Minsk. Het is de eerste keer sinds 2019.",
                published_at=utc(2026, 3, 9, 8),
                first_seen_at=utc(2026, 3, 9, 9),
                story_id=minsk.id,
            ),
            "B2": _article(
                ids,
                "B2",
                url="https://nos.nl/artikel/4-minsk-gesprekken",
                source_id=nos.id,
                title="Gesprekken in Minsk duren voort",
                text=(
                    "De gesprekken tussen Poetin en Loekasjenko duren voort. "
                    "Over de Uniestaat werd niets gezegd."
                ),
                published_at=utc(2026, 3, 10, 15),
                first_seen_at=utc(2026, 3, 10, 16),
                story_id=minsk.id,
            ),
            "C1": _article(
                ids,
                "C1",
                url="https://nos.nl/artikel/5-sancties",
                source_id=nos.id,
                title="Nieuwe sancties tegen Belarus",
                text="De EU neemt nieuwe sancties aan. Ze treffen de kalihandel.",
                published_at=utc(2026, 3, 8, 10),
                first_seen_at=utc(2026, 3, 8, 11),
                version=2,
                updated_at=utc(2026, 3, 10, 10),
                text_hash="hash-C1-v2",
            ),
            "D1": _article(
                ids,
                "D1",
                origin="seed",
                source_id=seeds.id,
                relevant=None,
                title=HOSTILE_TITLE,
                text="Loekasjenko & Poetin <b>spraken</b>. Niemand weet waarover. Derde zin.",
                published_at=utc(2026, 3, 1),
                date_precision="month",
                first_seen_at=seen,
            ),
            "E1": _article(
                ids,
                "E1",
                url="https://nos.nl/artikel/6-weer",
                source_id=nos.id,
                relevant=None,
                title="Het weer",
                text="Het regent.",
                published_at=utc(2026, 3, 10, 6),
                first_seen_at=seen,
            ),
            "F1": _article(
                ids,
                "F1",
                url="https://nos.nl/artikel/7-voetbal",
                source_id=nos.id,
                relevant=False,
                title="Voetbal",
                text="Ajax won.",
                published_at=utc(2026, 3, 10, 6),
                first_seen_at=seen,
            ),
            "G1": _article(
                ids,
                "G1",
                url="https://nos.nl/artikel/8-morgen",
                source_id=nos.id,
                title="Morgen",
                text="Loekasjenko morgen.",
                published_at=utc(2026, 3, 11, 6),
                first_seen_at=utc(2026, 3, 11, 9),
            ),
        }
        s.add_all(rows.values())
        s.flush()
        ids.update({key: row.id for key, row in rows.items()})
        rtl = _article(
            ids,
            "A3",
            url="https://www.rtl.nl/nieuws/9-legereenheid",
            title="Rusland en Belarus vormen legereenheid",
            text=(
                "Loekasjenko kondigde maandag een gezamenlijke legereenheid aan. "
                "Het doel is de grens."
            ),
            published_at=utc(2026, 3, 10, 9),
            first_seen_at=seen,
            story_id=army.id,
            duplicate_of=ids["A1"],
        )
        s.add(rtl)
        s.flush()
        ids["A3"] = rtl.id
        army.representative_id = ids["A1"]
        minsk.representative_id = ids["B1"]
        s.add_all(
            [
                ArticleTag(
                    article_id=ids["A1"],
                    topic="military",
                    label="Military cooperation",
                    score=0.9,
                    evidence=ev("legereenheid", "Loekasjenko"),
                ),
                ArticleTag(
                    article_id=ids["A2"],
                    topic="military",
                    label="Military cooperation",
                    score=0.7,
                    evidence=ev("legers", "Loekasjenko"),
                ),
                ArticleTag(
                    article_id=ids["A2"],
                    topic="diplomacy",
                    label="Leaders' diplomacy",
                    score=0.3,
                    evidence=ev("Poetin"),
                ),
                ArticleTag(
                    article_id=ids["B2"],
                    topic="diplomacy",
                    label="Leaders' diplomacy",
                    score=0.8,
                    evidence=ev("Poetin", "Loekasjenko"),
                ),
                ArticleTag(
                    article_id=ids["B2"],
                    topic="union-state",
                    label="Union State",
                    score=0.4,
                    evidence=ev("Uniestaat"),
                ),
                ArticleTag(
                    article_id=ids["C1"],
                    topic="sanctions",
                    label="Sanctions | economy",
                    score=0.6,
                    evidence=ev("sancties"),
                ),
            ]
        )
        old = Digest(day=date(2026, 3, 8), mode="seen", n_stories=1, n_articles=1)
        prev = Digest(day=date(2026, 3, 9), mode="seen", n_stories=1, n_articles=1)
        s.add_all([old, prev])
        s.flush()
        s.add_all(
            [
                DigestItem(
                    digest_id=old.id, article_id=ids["C1"], story_id=None, text_hash="hash-C1"
                ),
                DigestItem(
                    digest_id=prev.id, article_id=ids["B1"], story_id=minsk.id, text_hash="hash-B1"
                ),
            ]
        )
        s.add_all(
            [
                FetchLog(
                    source_id=nu.id,
                    url="https://www.nu.nl/rss",
                    requested_at=utc(2026, 3, 10, 6),
                    outcome="timeout",
                    error="read timeout after 20 s",
                ),
                FetchLog(
                    source_id=nu.id,
                    url="https://www.nu.nl/rss",
                    requested_at=utc(2026, 3, 10, 12),
                    outcome="connect_error",
                    error="connection refused",
                ),
                FetchLog(
                    source_id=nu.id,
                    url="https://www.nu.nl/rss",
                    requested_at=utc(2026, 3, 9, 12),
                    outcome="connect_error",
                    error="yesterday's failure",
                ),
                FetchLog(
                    source_id=nos.id,
                    url="https://feeds.nos.nl/x",
                    requested_at=utc(2026, 3, 10, 6),
                    outcome="ok",
                    status_code=200,
                ),
            ]
        )
    return ids
