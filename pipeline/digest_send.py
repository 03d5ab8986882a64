"""Mailing a built digest: claim each recipient, send, record the answer — one at a time.

Each recipient's mail is claimed in its own committed transaction before it goes out (see
:mod:`storage.digest_sends`), so a second ``--send`` running at the same time skips it, and it
is recorded the moment the server answers, so a signal or a crash loses at most the answer of
the one message in flight, which then counts as ``unknown`` and is not sent again by itself.
SIGINT / SIGTERM let that message finish and be recorded, then the run stops.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import Engine

from digests.group import DEFAULT_RELEVANCE_TOPIC
from digests.mailer import MailError, SmtpSession, SmtpSettings, build_message
from digests.model import MODE_PUBLISHED
from pipeline.claims import claim_owner_gone, this_process
from pipeline.digest import DigestResult, build_digest
from pipeline.signal_hold import SignalHold
from processing.temporal import NEWSROOM_TIMEZONE
from storage.db import session_scope
from storage.digest_sends import (
    FAILED,
    FORCE,
    REGULAR,
    SENDING,
    SENT,
    UNKNOWN,
    Owner,
    claim_send,
    finish_send,
    owed_days,
)
from storage.digests import digest_modes

log = logging.getLogger(__name__)

OWED_LOOKBACK_DAYS = 7


@dataclass(slots=True)
class SendReport:
    """What one send run did per recipient."""

    day: date
    sent: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # already had it
    still_unknown: list[str] = field(default_factory=list)  # unknown since an earlier run
    busy: list[str] = field(default_factory=list)  # another live process is sending it now
    failed: dict[str, str] = field(default_factory=dict)  # recipient -> error (owed)
    unknown: dict[str, str] = field(default_factory=dict)  # may have arrived: not resent
    not_attempted: list[str] = field(default_factory=list)  # a signal stopped the run first
    empty: bool = False  # no stories: not mailed
    signal: int | None = None  # the SIGINT / SIGTERM that stopped the run

    @property
    def ok(self) -> bool:
        return not self.failed


def unique_recipients(recipients: Sequence[str]) -> list[str]:
    """Blank-free recipients, each address once whatever its letter case (first spelling)."""
    seen: dict[str, str] = {}
    for recipient in recipients:
        cleaned = recipient.strip()
        if cleaned:
            seen.setdefault(cleaned.lower(), cleaned)
    return list(seen.values())


def send_digest(
    engine: Engine,
    result: DigestResult,
    smtp_settings: SmtpSettings,
    recipients: Sequence[str],
    force: bool = False,
    *,
    mode: str = REGULAR,
    allow_empty: bool = False,
    pass_on_signal: bool = True,
) -> SendReport:
    """Email the digest to every recipient it is owed to (``mode``: see
    :mod:`storage.digest_sends`; ``force`` is ``mode=FORCE``). A digest without stories is
    not mailed unless ``allow_empty``. Never raises for a recipient: each outcome is recorded.

    A SIGINT / SIGTERM stops the run after the message in flight; it is then raised again
    (``pass_on_signal``), or only noted in the report for a caller that exits by itself.
    """
    report = SendReport(day=result.day)
    wanted = unique_recipients(recipients)
    if result.n_stories == 0 and not allow_empty:
        report.empty = True
        log.info("digest %s has no stories: not mailed", result.day)
        return report
    try:
        smtp = SmtpSession(smtp_settings)
    except MailError as exc:
        report.failed = {recipient: str(exc) for recipient in wanted}
        return report
    owner = Owner(*this_process())
    with SignalHold(pass_on=pass_on_signal) as hold, smtp:
        for recipient in wanted:
            if hold.received is not None:
                report.not_attempted.append(recipient)
                continue
            _send_one(engine, smtp, result, recipient, FORCE if force else mode, owner, report)
        report.signal = hold.received
    return report


def _send_one(
    engine: Engine,
    smtp: SmtpSession,
    result: DigestResult,
    recipient: str,
    mode: str,
    owner: Owner,
    report: SendReport,
) -> None:
    """Claim, send, record: the claim is committed before the message goes out."""
    with session_scope(engine) as session:
        claim = claim_send(
            session,
            result.day,
            recipient,
            mode=mode,
            subject=result.subject,
            owner=owner,
            owner_gone=claim_owner_gone,
        )
    if claim.id is None:
        if claim.found_dead is not None:
            report.unknown[recipient] = claim.found_dead
        elif claim.state == SENDING:
            report.busy.append(recipient)
        elif claim.state == UNKNOWN:
            report.still_unknown.append(recipient)
        else:
            report.skipped.append(recipient)
        return
    message = build_message(
        subject=result.subject,
        sender=smtp.settings.sender,
        recipient=recipient,
        text=result.text,
        html=result.html,
    )
    delivery = smtp.send(message)
    if delivery.error is None:
        status = SENT
        report.sent.append(recipient)
    elif delivery.unknown:
        status = UNKNOWN
        report.unknown[recipient] = delivery.error
    else:
        status = FAILED
        report.failed[recipient] = delivery.error
        log.warning("digest %s to %s failed: %s", result.day, recipient, delivery.error)
    with session_scope(engine) as session:
        finish_send(
            session,
            claim.id,
            status=status,
            message_id=delivery.message_id,
            error=delivery.error,
        )


def send_owed(
    engine: Engine,
    smtp_settings: SmtpSettings,
    recipients: Sequence[str],
    *,
    before: date,
    tz: str | ZoneInfo = NEWSROOM_TIMEZONE,
    out_dir: Path,
    relevance_topic: str | None = DEFAULT_RELEVANCE_TOPIC,
    lookback_days: int = OWED_LOOKBACK_DAYS,
    allow_empty: bool = False,
    pass_on_signal: bool = True,
) -> list[SendReport]:
    """Send the digests of earlier days (up to ``lookback_days`` before ``before``) whose
    email failed and was never delivered since; each is rebuilt from the database first."""
    since = before - timedelta(days=lookback_days)
    with session_scope(engine) as session:
        owed = owed_days(session, unique_recipients(recipients), since, before)
        modes = {day: digest_modes(session, day) for day in owed}
    reports = []
    for day, names in owed.items():
        published = modes[day] == [MODE_PUBLISHED]
        log.info("digest %s is still owed to %d recipient(s)", day, len(names))
        result = build_digest(
            engine,
            day,
            published=published,
            tz=tz,
            out_dir=out_dir,
            relevance_topic=relevance_topic,
        )
        report = send_digest(
            engine,
            result,
            smtp_settings,
            names,
            allow_empty=allow_empty,
            pass_on_signal=pass_on_signal,
        )
        reports.append(report)
        if report.signal is not None:
            break
    return reports
