"""Bylines as clean author names: Dutch bylines lose "Door" and "Van onze …", and a publisher or
press agency alone is not an author.

trafilatura reads a page's byline as written (``Door ANP``, ``Door NU.nl/Weerplaza``) or from
JSON-LD, where a page without a byline often names its own site (``nieuwsblad.be``, which it
writes as ``Nieuwsblad Be``). Names are split at ``;``, ``/``, ``&`` and " en "/" and ", each is
cleaned, the publishers are dropped, and the rest is joined with ``; `` as trafilatura joins.
The publishers are the page's outlet and its agencies (``scrapers.outlets``), every registered
outlet, the page's own site name and its domain.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache

from scrapers.outlets import Outlet, publisher_names

_SPLIT = re.compile(r"\s*(?:;|/|&|\|)\s*|\s+(?:en|and)\s+", re.I)
_ROLE = (
    r"(?:[\w-]*(?:redactie|correspondent\w*|verslaggever\w*|redacteur\w*|medewerker\w*|"
    r"journalist\w*|reporter\w*|staff))"
)
_PREFIX = re.compile(
    rf"^(?:(?:tekst|text|bron|door|by)\s*:?\s+)?(?:(?:van\s+)?(?:onze|ons|de|our)\s+{_ROLE}"
    rf"(?:\s+(?:in|te|uit)\s+\w+)?\s*)?",
    re.I,
)
_ONLY_ROLE = re.compile(rf"^(?:de\s+)?{_ROLE}$", re.I)
_LETTER = re.compile(r"[^\W\d_]")


def fold_name(name: str) -> str:
    """A name compared without case, spaces or punctuation (``NU nl`` = ``NU.nl``)."""
    return "".join(ch for ch in name.casefold() if ch.isalnum())


def publishers_of(outlet: Outlet, site_name: str | None, host: str) -> frozenset[str]:
    """Folded names that are publishers on a page of ``outlet`` at ``host``."""
    names = [outlet.name, *outlet.publishers, outlet.domain]
    host = host.lower().removeprefix("www.")
    names += [host, host.split(".", 1)[0]] if host else []
    names += [site_name] if site_name else []
    return registered_publishers() | frozenset(filter(None, map(fold_name, names)))


@lru_cache(maxsize=1)
def registered_publishers() -> frozenset[str]:
    """The registry's publisher names, folded once (a hundred names, asked for every page)."""
    return frozenset(filter(None, map(fold_name, publisher_names())))


def clean_byline(raw: str | None, publishers: Iterable[str]) -> str | None:
    """The author names in ``raw`` without prefixes and publishers, or None when none is left.

    ``publishers``: folded names (see :func:`publishers_of`).
    """
    if not raw or raw.strip().lower().startswith("http"):
        return None
    known = frozenset(publishers)
    names: list[str] = []
    for part in _SPLIT.split(raw.strip()):
        name = _PREFIX.sub("", part.strip(" ,.:-")).strip(" ,.:-")
        if not _LETTER.search(name) or _ONLY_ROLE.match(name) or fold_name(name) in known:
            continue
        if name not in names:
            names.append(name)
    return "; ".join(names) or None
