"""Whether a page's ``rel=canonical`` may decide which stored article the page is.

A page names its canonical URL itself, so a wrong or hostile one could make it overwrite
another article as a "new version". The canonical is trusted when it names the same article:
the same article id in the URL (read with the outlet's id pattern, which the caller takes from
the outlet registry in ``scrapers.outlets``: NOS's ``/l/<id>`` and ``/artikel/<id>-…`` give one
id), or, when the URLs carry no ids, a stored article at the canonical URL with near-identical
text (or none at all). The same ids make two listed URLs of one article known as one before
anything is fetched (:func:`article_key`).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

from processing.urls import canonicalize_url

NEAR_IDENTICAL = 0.9  # estimated Jaccard of the word shingles: a re-edit, not another story


@dataclass(slots=True, frozen=True)
class StoredText:
    """What identifies the text of the article stored at a URL."""

    text_hash: str
    minhash: bytes | None


def article_id(url: str, pattern: re.Pattern[str] | None) -> tuple[str, str] | None:
    """``(host, id)`` of an article URL, or None when the path carries no article id.

    ``pattern`` is matched against the path; its first group that took part is the id.
    """
    if pattern is None:
        return None
    parts = urlsplit(canonicalize_url(url))
    match = pattern.search(parts.path)
    if match is None:
        return None
    number = next((group for group in match.groups() if group), None)
    if number is None:
        return None
    return (parts.hostname or "", number.lstrip("0") or "0")


def article_key(url: str, pattern: re.Pattern[str] | None) -> str | None:
    """``host:id`` naming the article at ``url`` whatever URL form it is listed under (the
    short link and the slug URL of one NOS article give one key); None without a pattern or
    when the path carries no id."""
    found = article_id(url, pattern)
    return f"{found[0]}:{found[1]}" if found is not None else None


def near_identical(stored: StoredText, text_hash: str, minhash: bytes | None) -> bool:
    """Whether a text (its hash and signature bytes) is the stored text or a light re-edit."""
    # Imported here: the URL helpers above are used at CLI start-up, and
    # dedup pulls in datasketch and numpy.
    from processing.dedup import signature_from_bytes

    if stored.text_hash == text_hash:
        return True
    if stored.minhash is None or minhash is None:
        return False
    similarity = signature_from_bytes(stored.minhash).jaccard(signature_from_bytes(minhash))
    return float(similarity) >= NEAR_IDENTICAL


def trust_canonical(
    page_url: str,
    canonical_url: str,
    stored: StoredText | None,
    text_hash: str,
    minhash: bytes | None,
    pattern: re.Pattern[str] | None,
    fetched: bool = True,
) -> str | None:
    """None when the page fetched from ``page_url`` may be stored as ``canonical_url``; else
    why not (the page then keeps its own URL). ``stored``: the text read at ``canonical_url``
    (a stored article, or another page of the same batch); ``pattern``: the outlet's article-id
    pattern (None: its URLs carry no ids); ``fetched``: whether ``canonical_url`` was ever
    fetched and read. A canonical is a claim: the same article id proves it; otherwise it must
    be on the page's host, name a page that was read, and not a different text there."""
    if canonicalize_url(page_url) == canonicalize_url(canonical_url):
        return None
    own, named = article_id(page_url, pattern), article_id(canonical_url, pattern)
    if own is not None and named is not None and own == named:
        return None
    if urlsplit(page_url).hostname != urlsplit(canonical_url).hostname:
        return "the canonical is on another host"
    if stored is not None and near_identical(stored, text_hash, minhash):
        return None
    if own is not None and named is not None:
        return f"the canonical names article {named[1]}, the page is article {own[1]}"
    if own is not None:
        return f"the canonical names no article, the page is article {own[1]}"
    if stored is not None:
        return "the canonical names a stored article with another text"
    if not fetched:
        return "the canonical names a page never read"
    return None


def shared_claims(claims: Sequence[tuple[str, StoredText]]) -> set[int]:
    """The indexes of ``claims`` (canonical URL, text) whose canonical another claim shares
    with a different text: a section front named by every page of a broken template is no
    page's identity, so all of them keep their own URLs."""
    by_url: dict[str, list[int]] = {}
    for index, (url, _) in enumerate(claims):
        by_url.setdefault(url, []).append(index)
    contested: set[int] = set()
    for indexes in by_url.values():
        first = claims[indexes[0]][1]
        if any(
            not near_identical(first, claims[i][1].text_hash, claims[i][1].minhash)
            for i in indexes[1:]
        ):
            contested.update(indexes)
    return contested
