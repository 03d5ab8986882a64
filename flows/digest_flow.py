"""The ``digest`` flow: write a day's digest, publish it as a Markdown artifact, email it.

Only wiring: :mod:`pipeline.digest` builds and :mod:`pipeline.digest_send` sends. The artifact
key ``daily-digest`` keeps every day's digest as a version of one artifact on the Artifacts page.
"""

from __future__ import annotations

from datetime import date, timedelta

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact
from prefect.cache_policies import NONE

from composition.digest_setup import digest_options, send_owed_digests
from composition.preflight import preflight
from composition.runtime import database_url, engine_for
from composition.settings import get_settings
from digests.select import today
from pipeline.digest import build_digest
from pipeline.digest_send import send_digest

ARTIFACT_KEY = "daily-digest"


class DigestNotSentError(RuntimeError):
    """Some recipients did not get the digest (the files exist; the failures are recorded)."""


@task(name="build-digest", cache_policy=NONE, persist_result=False)
def build_digest_task(
    db_url: str, day: date, published: bool, send: bool, allow_empty: bool = False
) -> dict[str, object]:
    """Write the digest files, publish the Markdown artifact and, if asked, email it.

    Building and sending share one task so the rendered digest never becomes a Prefect result.
    """
    logger = get_run_logger()
    options = digest_options(get_settings())
    engine = engine_for(db_url)
    result = build_digest(
        engine,
        day,
        published=published,
        tz=options.tz,
        out_dir=options.out_dir,
        relevance_topic=options.relevance_topic,
    )
    create_markdown_artifact(
        key=ARTIFACT_KEY,
        markdown=result.markdown,
        description=f"newsmon digest of {day.isoformat()} ({result.mode})",
    )
    logger.info(
        "digest %s: %d stories, %d articles, %s",
        day,
        result.n_stories,
        result.n_articles,
        result.markdown_path,
    )
    summary: dict[str, object] = {
        "day": day.isoformat(),
        "markdown_path": str(result.markdown_path),
        "html_path": str(result.html_path),
        "stories": result.n_stories,
        "articles": result.n_articles,
        "sent": 0,
    }
    if not send:
        return summary
    smtp, recipients = options.smtp, options.recipients
    if smtp is None or not recipients:
        logger.info("not emailing the digest: NEWSMON_SMTP_HOST or NEWSMON_DIGEST_TO is not set")
        return summary
    report = send_digest(engine, result, smtp, recipients, allow_empty=allow_empty)
    if report.empty:
        logger.info("digest %s has no stories: not emailed (allow_empty mails it anyway)", day)
    if report.skipped:
        logger.info("already sent to %d recipient(s) today", len(report.skipped))
    if report.failed:
        first = next(iter(report.failed.values()))
        raise DigestNotSentError(
            f"digest {day} not sent to {len(report.failed)} of {len(recipients)} recipient(s): "
            f"{first} (recorded; the next run sends what is owed)"
        )
    logger.info("digest emailed to %d recipient(s)", len(report.sent))
    owed_reports = send_owed_digests(engine, options, before=day, allow_empty=allow_empty)
    for owed in owed_reports:
        logger.info("owed digest %s sent to %d recipient(s)", owed.day, len(owed.sent))
        if owed.failed:
            logger.warning("owed digest %s still not sent: %s", owed.day, owed.failed)
    summary["sent"] = len(report.sent) + sum(len(owed.sent) for owed in owed_reports)
    return summary


@flow(name="digest", log_prints=False)
def digest(
    day: date | None = None,
    send_email: bool = False,
    published: bool = False,
    previous_day: bool = False,
    allow_empty: bool = False,
) -> dict[str, object]:
    """Write the daily digest (Markdown + HTML) and publish it; email it when asked to.

    Args:
        day: The day to report; empty means today in NEWSMON_TIMEZONE (or yesterday, see
            previous_day).
        send_email: Email the digest to NEWSMON_DIGEST_TO (each recipient once per day) when
            an SMTP host is configured; earlier days still owed after a failed send go too.
        published: Select articles by publication date instead of the day they were first seen.
        previous_day: With no day given, report yesterday, a complete day (the 07:00 schedule
            uses this), instead of today so far.
        allow_empty: Email the digest even when it has no stories (by default a digest of
            nothing is written and published, not emailed).
    """
    preflight(get_settings())  # every setting checked before anything is written or sent
    options = digest_options(get_settings())
    wanted = day or today(options.tz) - timedelta(days=1 if previous_day else 0)
    return build_digest_task(
        database_url(get_settings()), wanted, published, send_email, allow_empty
    )
