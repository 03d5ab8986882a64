"""A batch's fetch log and validators are written in one statement each, and read back whole."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Engine, event, select

from storage.db import session_scope
from storage.fetchlog import (
    MAX_URL_CHARS,
    FetchEntry,
    Validators,
    get_validators,
    record_fetches,
    set_many_validators,
    set_validators,
)
from storage.masking import MASK
from storage.models import FetchLog


@contextmanager
def statements(engine: Engine) -> Iterator[list[str]]:
    """The SQL statements sent to ``engine`` inside the block (an executemany counts once)."""
    sent: list[str] = []

    def count(*args: object) -> None:
        sent.append(str(args[2]))

    event.listen(engine, "before_cursor_execute", count)
    try:
        yield sent
    finally:
        event.remove(engine, "before_cursor_execute", count)


def entry(n: int) -> FetchEntry:
    url = f"https://nos.nl/artikel/{n}"
    if n % 3 == 0:
        return FetchEntry(url, "no_article", error="geen artikel", status_code=200, n_bytes=n)
    if n % 3 == 1:
        hook = "https://hooks.example/x?token=geheim"
        return FetchEntry(url, "http_error", status_code=503, error=f"503 from {hook}")
    return FetchEntry(url, "ok", final_url=url + "-slug", etag=f'"e{n}"', elapsed_ms=1.5)


def test_a_batch_fetch_log_is_one_insert_and_keeps_every_field(engine: Engine) -> None:
    entries = [entry(n) for n in range(1, 41)]
    with session_scope(engine) as session, statements(engine) as sent:
        record_fetches(session, entries)
    assert sum("INSERT INTO fetch_log" in s for s in sent) == 1
    with session_scope(engine) as session:
        rows = list(session.scalars(select(FetchLog).order_by(FetchLog.id)))
        stored = [
            (r.url, r.outcome, r.final_url, r.status_code, r.error, r.etag, r.n_bytes) for r in rows
        ]
        assert all(r.requested_at is not None for r in rows)
    expected = [
        (e.url, e.outcome, e.final_url, e.status_code, e.error, e.etag, e.n_bytes) for e in entries
    ]
    masked = [
        (*row[:4], (row[4] or "").replace("geheim", MASK) or None, *row[5:]) for row in expected
    ]
    assert stored == masked  # errors quoting a URL keep no token, as record_fetch's rows
    assert not any("geheim" in (row[4] or "") for row in stored)


def test_validators_of_a_batch_take_a_few_statements_update_and_skip_overlong_urls(
    engine: Engine,
) -> None:
    with session_scope(engine) as session:
        set_validators(session, "https://nos.nl/artikel/1", '"old"', None)
    batch: dict[str, tuple[str | None, str | None]] = {
        f"https://nos.nl/artikel/{n}": (f'"e{n}"', "Sun, 06 Dec 2026 03:00:00 GMT")
        for n in range(1, 31)
    }
    too_long = "https://nos.nl/" + "x" * MAX_URL_CHARS
    batch[too_long] = ('"lang"', None)
    with session_scope(engine) as session, statements(engine) as sent:
        set_many_validators(session, batch)
    assert sum("http_validators" in s for s in sent) <= 3  # a look-up, an update, an insert
    with session_scope(engine) as session:
        assert get_validators(session, "https://nos.nl/artikel/1") == Validators(
            '"e1"', "Sun, 06 Dec 2026 03:00:00 GMT"
        )
        assert get_validators(session, "https://nos.nl/artikel/30") == Validators(
            '"e30"', "Sun, 06 Dec 2026 03:00:00 GMT"
        )
        assert get_validators(session, too_long) is None
