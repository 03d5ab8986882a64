"""Two processes recording the same day's digest at once (a scheduled digest and a manual
``newsmon digest``, or two runners): the second waits for the first and replaces its record,
instead of failing on the unique (day, mode) it could not see when it looked."""

from __future__ import annotations

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from digests.model import MODE_SEEN
from storage.db import session_scope
from storage.digests import record_digest
from storage.models import Digest, DigestItem
from tests.digest_data import DAY, build
from tests.write_race import second_writer_waits


def test_a_digest_recorded_during_another_record_replaces_it(engine: Engine) -> None:
    ids = build(engine)

    def first(session: Session) -> None:
        record_digest(
            session,
            DAY,
            MODE_SEEN,
            markdown_path="a.md",
            html_path="a.html",
            n_stories=1,
            items=[(ids["A1"], None, "hash-A1")],
        )

    def second(session: Session) -> None:
        record_digest(
            session,
            DAY,
            MODE_SEEN,
            markdown_path="b.md",
            html_path="b.html",
            n_stories=2,
            items=[(ids["A2"], None, "hash-A2"), (ids["B2"], None, "hash-B2")],
        )

    assert second_writer_waits(engine, first, second) == []
    with session_scope(engine) as session:
        (digest,) = session.scalars(
            select(Digest).where(Digest.day == DAY, Digest.mode == MODE_SEEN)
        ).all()
        assert (digest.markdown_path, digest.n_stories, digest.n_articles) == ("b.md", 2, 2)
        items = session.scalars(
            select(DigestItem.article_id).where(DigestItem.digest_id == digest.id)
        ).all()
    assert sorted(items) == sorted([ids["A2"], ids["B2"]])
