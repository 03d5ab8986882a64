"""The message of a run with failed sources (the Prefect state's): each failed source with its
reason, up to twenty; a run of thousands names twenty and counts the rest."""

from __future__ import annotations

from pipeline.run_state import SourceCounts
from pipeline.run_summary import REASONS_NAMED, failure_message, report_rows
from scrapers.outcomes import ErrorRecord, Outcome


def rows(failed: int, ok: int) -> list[dict[str, object]]:
    counts = {f"ok-{i}": SourceCounts(discovered=1, new=1) for i in range(ok)}
    status = dict.fromkeys(counts, "ok")
    for i in range(failed):
        error = ErrorRecord(f"http://127.0.0.1:9/feed/{i}", Outcome.CONNECT_ERROR, "refused")
        counts[f"dead-{i}"] = SourceCounts(errors=[error])
        status[f"dead-{i}"] = "unreachable"
    return report_rows(counts, status)


def test_a_few_failed_sources_are_each_named_with_the_reason() -> None:
    message = failure_message(rows(failed=2, ok=3))
    assert message.startswith("2 of 5 sources failed: dead-0: connect_error: ")
    assert "; dead-1: connect_error: http://127.0.0.1:9/feed/1: refused" in message
    assert "more" not in message


def test_thousands_of_failed_sources_name_twenty_and_count_the_rest() -> None:
    message = failure_message(rows(failed=3000, ok=5))
    assert message.startswith("3000 of 3005 sources failed: dead-0: ")
    assert f"dead-{REASONS_NAMED - 1}: " in message
    assert f"dead-{REASONS_NAMED}: " not in message
    assert message.endswith(f"; and {3000 - REASONS_NAMED} more")
    assert len(message) < 100 * REASONS_NAMED
