"""Store one extracted article: the single path every origin (seed, feed, archive) goes through.

Processing (exact/near-duplicate detection, story assignment, tagging) hooks in here, so seeds
and fetched articles are treated alike.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from processing.normalize import text_hash
from storage.articles import UpsertResult, upsert_article
from storage.records import ArticleRecord


def store_record(session: Session, record: ArticleRecord) -> UpsertResult:
    """Upsert ``record`` (idempotent) and return what happened (new | known | updated)."""
    return upsert_article(session, record, text_hash(record.text))
