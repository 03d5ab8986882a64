"""Every outcome of handling one URL, and what each set of them means for a run.

The polite client sets a fetch's outcome; the ingest adds what happened after it (extraction,
walls, dates, storing). The sets below are the one place that says which outcomes are settled
answers, which are retried (and when), which make a source blocked or unreachable. An error a
run keeps is an :class:`ErrorRecord`, stored in the run's row as :meth:`ErrorRecord.as_row`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum


class Outcome(StrEnum):
    """How handling one URL ended, from the HTTP client up to the run's report: stored as the
    fetch log's ``outcome`` and in each error of a source's counts."""

    OK = "ok"
    NOT_MODIFIED = "not_modified"
    HTTP_ERROR = "http_error"
    TIMEOUT = "timeout"
    CONNECT_ERROR = "connect_error"
    ROBOTS_DISALLOWED = "robots_disallowed"
    OFF_HOST = "off_host"
    BAD_SCHEME = "bad_scheme"
    TOO_LARGE = "too_large"
    BAD_CONTENT_TYPE = "bad_content_type"
    REDIRECT_ERROR = "redirect_error"
    BLOCKED = "blocked"
    # after the fetch: extraction, walls, dates, storing
    NO_ARTICLE = "no_article"
    PARSE_ERROR = "parse_error"
    PAYWALL = "paywall"
    CONSENT_WALL = "consent_wall"
    BAD_DATE = "bad_date"
    STORE_ERROR = "store_error"
    INTERNAL_ERROR = "internal_error"


#: The client refused before sending a request: nothing reached the host.
NOT_REQUESTED_OUTCOMES = frozenset(
    {Outcome.ROBOTS_DISALLOWED, Outcome.OFF_HOST, Outcome.BAD_SCHEME}
)
#: The host is not tried again for the rest of the run (an offline run fails fast).
HOST_DOWN_OUTCOMES = frozenset({Outcome.CONNECT_ERROR})
#: They refuse us: a source whose listing or every answer is one of these is ``blocked``.
BLOCKED_OUTCOMES = frozenset({Outcome.BLOCKED})
BLOCKED_STATUS_CODES = frozenset({403, 429})
#: The listing is gone for good: the source is not polled again until its URL changes.
GONE_STATUS_CODES = frozenset({410})
#: We cannot reach them: such a source is ``unreachable``.
UNREACHABLE_OUTCOMES = frozenset({Outcome.CONNECT_ERROR, Outcome.TIMEOUT})
#: A wall: the feed's teaser is stored, and the page is tried again later (counts as a failure).
WALL_OUTCOMES = frozenset({Outcome.CONSENT_WALL, Outcome.PAYWALL})
#: Refused by policy (robots, off the hosts, a wall, no article): an answer for the listing that
#: named the item, whose validators are kept (its next unchanged poll is one 304).
POLICY_OUTCOMES = NOT_REQUESTED_OUTCOMES | WALL_OUTCOMES | {Outcome.NO_ARTICLE}
#: Answers, not failures: nothing to retry.
SETTLED_OUTCOMES = frozenset({Outcome.OK, Outcome.NOT_MODIFIED, Outcome.NO_ARTICLE})
#: Worth retrying on the next run (the server may answer, the database may be free, a chunk
#: that crashed may get through): the listing that named such an article is read in full again.
TRANSIENT_OUTCOMES = frozenset(
    {
        Outcome.TIMEOUT,
        Outcome.CONNECT_ERROR,
        Outcome.HTTP_ERROR,
        Outcome.BLOCKED,
        Outcome.STORE_ERROR,
        Outcome.INTERNAL_ERROR,
    }
)


RETRY_MAX_S = 86_400.0  # the longest wait between two tries of one URL
RETRY_GIVE_UP = 8  # failures after which a URL is not tried again
# A page that is no article yet (a stub): tried after 1, 2, 4, 8, 16 and 24 hours, then no more
# (about two and a half days); its feed teaser stays the article meanwhile and after.
PENDING_RETRY_BASE_S = 3_600.0
PENDING_GIVE_UP = 7


def next_retry(
    failures: int, now: datetime, base_s: float, give_up: int = RETRY_GIVE_UP
) -> datetime | None:
    """When a URL that failed ``failures`` times may be tried again (None: not again): the
    wait doubles from ``base_s`` with each failure, up to a day, until ``give_up`` failures."""
    if failures >= give_up:
        return None
    return now + timedelta(seconds=min(base_s * 2 ** (failures - 1), RETRY_MAX_S))


def next_pending_retry(failures: int, now: datetime) -> datetime | None:
    """When a page that was no article yet ``failures`` times is read again (None: not again)."""
    return next_retry(failures, now, PENDING_RETRY_BASE_S, PENDING_GIVE_UP)


def needs_retry(outcome: Outcome, requested: bool, pending: bool = False) -> bool:
    """Whether a listed URL that ended in ``outcome`` is tried again later: a wall always, a
    page that is no article yet (``pending``), any other unsettled outcome when a request was
    made (a refusal by policy is final, also after a redirect)."""
    if outcome in WALL_OUTCOMES or (outcome == Outcome.NO_ARTICLE and pending):
        return True
    return outcome not in SETTLED_OUTCOMES and outcome not in NOT_REQUESTED_OUTCOMES and requested


@dataclass(frozen=True, slots=True)
class ErrorRecord:
    """One error a run keeps: the URL, its outcome and why (the outcome when nothing better)."""

    url: str
    outcome: Outcome
    error: str

    @classmethod
    def of(cls, url: str, outcome: Outcome, error: str | None = None) -> ErrorRecord:
        """The record, with the outcome itself as the reason when none is given."""
        return cls(url, outcome, error or str(outcome))

    def line(self) -> str:
        """How the reports show it: ``outcome: url: error`` (the URL once when the reason
        names it already)."""
        if self.url and self.url in self.error:
            return f"{self.outcome}: {self.error}"
        return f"{self.outcome}: {self.url}: {self.error}"

    def as_row(self) -> dict[str, str]:
        """The JSON object stored with the run's per-source counts."""
        return {"url": self.url, "outcome": str(self.outcome), "error": self.error}
