"""Send bookkeeping on both backends: who has a day's digest, and what is still owed."""

from __future__ import annotations

from datetime import date

from sqlalchemy import Engine

from storage.db import session_scope
from storage.digest_sends import owed_days, recipients_sent, record_send


def test_owed_days_are_failures_never_followed_by_a_success(engine: Engine) -> None:
    d8, d9, d10 = date(2026, 3, 8), date(2026, 3, 9), date(2026, 3, 10)
    with session_scope(engine) as session:
        for day, recipient, status in [
            (d8, "a@x.org", "failed"),
            (d8, "a@x.org", "sent"),  # delivered later: not owed
            (d9, "a@x.org", "failed"),
            (d9, "b@x.org", "failed"),
            (d9, "b@x.org", "failed"),
            (d9, "c@x.org", "failed"),  # no longer a recipient
            (d10, "a@x.org", "failed"),  # the day itself is not "earlier"
        ]:
            record_send(session, day, recipient, status=status, subject="s", error="down")
    with session_scope(engine) as session:
        owed = owed_days(session, ["a@x.org", "b@x.org"], since=d8, before=d10)
        assert owed == {d9: ["a@x.org", "b@x.org"]}
        assert owed_days(session, ["a@x.org"], since=d9, before=date(2026, 3, 11)) == {
            d9: ["a@x.org"],
            d10: ["a@x.org"],
        }
        assert recipients_sent(session, d8) == {"a@x.org"}
        assert recipients_sent(session, d9) == set()
