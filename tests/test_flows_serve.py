"""flows/serve.py declares every deployment and schedule; `schedule` uses the same crons."""

from __future__ import annotations

from datetime import UTC, datetime

from prefect.utilities.callables import parameter_schema

from flows.retag_flow import retag_flow
from flows.serve import build_deployments, scheduled_jobs
from scrapers.sources import parse_sources

CONFIG = parse_sources(
    {
        "schedule": {
            "ingest_cron": "*/10 * * * *",
            "digest_cron": "30 6 * * *",
            "timezone": "Europe/Amsterdam",
        },
        "sources": [
            {
                "name": "nos-archief",
                "kind": "archive",
                "url": "https://nos.nl/nieuws/archief/{date}",
                "allowed_hosts": ["nos.nl"],
            }
        ],
    }
)


def test_four_deployments_with_the_configured_crons() -> None:
    ingest, digest, backfill, retag = build_deployments(CONFIG)
    deployments = (ingest, digest, backfill, retag)
    assert [d.name for d in deployments] == [
        "poll-sources",
        "daily-digest",
        "backfill-days",
        "retag-articles",
    ]
    descriptions = [d.description for d in deployments]
    assert len(set(descriptions)) == 4 and all(descriptions)
    assert "*/10 * * * *" in (ingest.description or "")
    assert [d.entrypoint for d in (ingest, digest, backfill, retag)] == [
        "flows.ingest_flow.ingest",
        "flows.digest_flow.digest",
        "flows.backfill_flow.backfill",
        "flows.retag_flow.retag_flow",
    ]
    crons = [
        [(s.schedule.cron, s.schedule.timezone) for s in d.schedules] for d in (ingest, digest)
    ]
    assert crons == [[("*/10 * * * *", "Europe/Amsterdam")], [("30 6 * * *", "Europe/Amsterdam")]]
    assert backfill.schedules == [] and retag.schedules == []
    since = parameter_schema(retag_flow).properties["since"]
    assert since["anyOf"][0]["format"] == "date" and since["default"] is None
    assert "published on or after" in since["description"]
    assert digest.parameters == {"send_email": True, "previous_day": True}
    for deployment in (ingest, digest, backfill, retag):
        assert deployment.concurrency_limit == 1


def test_the_in_process_schedule_uses_the_same_crons() -> None:
    jobs = {job.name: job for job in scheduled_jobs(CONFIG, ingest_now=True)}
    assert set(jobs) == {"ingest", "digest"}
    assert jobs["ingest"].run_now and not jobs["digest"].run_now
    after = datetime(2026, 6, 1, 12, 3, tzinfo=UTC)  # 14:03 in Amsterdam (CEST)
    ingest_next = jobs["ingest"].trigger.get_next_fire_time(None, after)
    digest_next = jobs["digest"].trigger.get_next_fire_time(None, after)
    assert (ingest_next.hour, ingest_next.minute) == (14, 10)
    assert (digest_next.day, digest_next.hour, digest_next.minute) == (2, 6, 30)
    assert str(digest_next.tzinfo) == "Europe/Amsterdam"
