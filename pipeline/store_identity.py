"""Which URL a fetched page is stored under: its canonical, unless that names another article.

A page whose ``rel=canonical`` names another stored article on the same host would otherwise
overwrite that article as a new version. Before a batch is stored, each page whose canonical
differs from the URL it was fetched from is checked (``processing.identity``); a canonical that
is not the same article is ignored, the page keeps its own URL, and the conflict is logged.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy.orm import Session

from pipeline.store import Precomputed
from processing.dedup import signature, signature_to_bytes
from processing.identity import StoredText, trust_canonical
from processing.normalize import text_hash
from processing.urls import canonicalize_url
from storage.articles import stored_texts
from storage.records import ArticleRecord

log = logging.getLogger(__name__)


@dataclass(slots=True)
class PageIdentity:
    """A record about to be stored, the URL its page came from (after redirects), and the
    worker's hash and signature of its text (None: computed here)."""

    record: ArticleRecord
    page_url: str
    precomputed: Precomputed | None


def settle_identities(
    session: Session, pages: Sequence[PageIdentity], pattern: re.Pattern[str] | None
) -> list[str]:
    """Give each page whose canonical names another article its own URL back (in place);
    return the conflicts found, one line each. ``pattern``: the outlet's article-id pattern."""
    doubtful = [
        page for page in pages if canonicalize_url(page.page_url) != page.record.canonical_url
    ]
    if not doubtful:
        return []
    stored = stored_texts(session, sorted({page.record.canonical_url for page in doubtful}))
    conflicts: list[str] = []
    for page in doubtful:
        record = page.record
        digest, minhash = _text_identity(page)
        found = stored.get(record.canonical_url)
        reason = trust_canonical(
            page.page_url,
            record.canonical_url,
            StoredText(*found) if found is not None else None,
            digest,
            minhash,
            pattern,
        )
        if reason is None:
            continue
        line = f"{page.page_url}: rel=canonical {record.canonical_url} ignored ({reason})"
        log.warning("canonical conflict: %s", line)
        conflicts.append(line)
        record.canonical_url = canonicalize_url(page.page_url)
    return conflicts


def _text_identity(page: PageIdentity) -> tuple[str, bytes | None]:
    if page.precomputed is not None:
        return page.precomputed.text_hash, page.precomputed.minhash
    minhash = signature(page.record.text)
    return text_hash(page.record.text), signature_to_bytes(minhash) if minhash else None
