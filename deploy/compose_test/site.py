"""The local NOS-like site (``tests/site``) served from the host to the compose network.

It binds the host's address on the project network, so the runners reach it and nothing else
does; its own request log is what the pacing check measures. The sources files written for the
runners name only this site, with crons that never fire (schedules are paused as well).
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence

from tests.site.server import NosSite, RequestRecord

#: Seconds between requests to one host, shared by both runners through the database.
INTERVAL = 0.5
#: How much earlier than INTERVAL a request may reach the site (network and scheduling jitter).
TOLERANCE = 0.05
PACING_ARTICLES = 16
NEVER = "0 3 1 1 *"


def sources_toml(site: NosSite, agent: str, runner: int = 0) -> str:
    """The runners' sources: two feeds and the day archive (Prefect runs), generated articles
    (the pacing check, disabled so only ``--source gen-feed`` reads them). Each runner's
    generated feed names articles of its own: two runners never fetch one article twice (they
    claim it first), so the pacing check needs both to have work of their own."""
    first = 1 + runner * PACING_ARTICLES

    def source(name: str, kind: str, path: str, enabled: bool = True) -> str:
        return (
            f'[[sources]]\nname = "{name}"\nkind = "{kind}"\nurl = "{site.url(path)}"\n'
            f'allowed_hosts = ["{site.host}"]\nenabled = {str(enabled).lower()}\n'
        )

    return "\n".join(
        [
            f'[fetch]\nuser_agent = "{agent}/0.1 (+https://example.org/newsmon)"\n'
            f"min_interval_s = {INTERVAL}\nmax_concurrency = 4\ntimeout_s = 5\nretries = 1\n",
            f'[schedule]\ningest_cron = "{NEVER}"\ndigest_cron = "{NEVER}"\n'
            'timezone = "Europe/Amsterdam"\n',
            source("nos-algemeen", "rss", "/nosnieuwsalgemeen"),
            source("nos-buitenland", "rss", "/nosnieuwsbuitenland"),
            source("nos-archief", "archive", "/nieuws/archief/{date}"),
            source(
                "gen-feed", "rss", f"/gen/feed?count={PACING_ARTICLES}&first={first}", enabled=False
            ),
        ]
    )


def gaps(records: Sequence[RequestRecord]) -> list[float]:
    """Seconds between consecutive request heads, as the site saw them."""
    starts = sorted(r.t for r in records)
    return [later - earlier for earlier, later in itertools.pairwise(starts)]
