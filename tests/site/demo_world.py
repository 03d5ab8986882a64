"""The offline world of ``newsmon demo``: the local NOS-like site and two more outlets.

Run ``python -m tests.site.demo_world FOLDER`` from the repository root: it serves the site on
127.0.0.1 (one article of its general feed behind a paywall, so the digest shows a teaser),
two more outlets on 127.0.0.3 and 127.0.0.4 that publish today's story with the site (a
``breaking`` alert across three outlets; one copies the text word for word, a near-duplicate)
and a webhook receiver for that alert. It writes ``sources.toml`` and ``alerts.toml`` for this
world into FOLDER, prints one JSON line (the files and URLs) and serves until stopped.
One source, a malformed feed, fails on purpose, so the digest's source health has a row.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import signal
import sys
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import FrameType

from tests.site.content import Article
from tests.site.feeds import FeedItem, rss
from tests.site.pages import article_page
from tests.site.server import NosSite
from tests.webhook_receiver import WebhookReceiver

OUTLET_HOSTS = ("127.0.0.3", "127.0.0.4")
PAYWALL_LD = (
    '<script type="application/ld+json">'
    '{"@type": "NewsArticle", "isAccessibleForFree": false}</script>'
)


def _toml_list(values: tuple[str, ...] | list[str]) -> str:
    return "[" + ", ".join(json.dumps(v) for v in values) + "]"


def source_block(name: str, kind: str, url: str, hosts: tuple[str, ...], about: str) -> str:
    return (
        f'[[sources]]\nname = "{name}"\nkind = "{kind}"\nurl = "{url}"\n'
        f"allowed_hosts = {_toml_list(hosts)}\nenabled = true\n"
        f'description = "{about}"\n'
    )


def wall_one_article(site: NosSite) -> None:
    """The article's page carries a paywall marker: ingest keeps the feed item as a teaser.

    Its feed item names Russia's side itself, so the teaser alone is on the beat (Belarus
    alone is not) and reaches the digest."""
    article = next(
        a
        for a in site.content.in_feed("algemeen")
        if a.kind == "artikel"
        and a.relevant
        and any(word in f"{a.title} {a.lead}" for word in ("Poetin", "Rusland", "Russische"))
    )
    page = article_page(site.base_url, article, [])
    site.add_page(article.path, page.replace("</head>", PAYWALL_LD + "</head>", 1).encode())


STORY_TITLE = "Poetin en Loekasjenko tekenen nieuw verdrag over gezamenlijke luchtverdediging"
STORY_LEAD = (
    "Rusland en Belarus bouwen hun gezamenlijke luchtverdediging verder uit. President Poetin "
    "en de Belarussische leider Loekasjenko tekenden vandaag in Minsk een verdrag daarover."
)
STORY_PARAGRAPHS = (
    "Volgens het Kremlin krijgt Belarus nieuwe S-400-systemen, die onder een gezamenlijk "
    "commando komen te staan. Russische en Belarussische officieren gaan samen oefenen.",
    "Loekasjenko zei na afloop dat de Uniestaat van Rusland en Belarus sterker is dan ooit. "
    "Poetin sprak van een antwoord op de militaire opbouw van de NAVO aan de westgrens.",
    "Buurlanden Polen en Litouwen reageerden bezorgd. Zij vrezen dat Belarus nog verder in de "
    "Russische militaire planning wordt opgenomen, zoals eerder met de gezamenlijke legereenheid.",
    "De oppositie in ballingschap noemt het verdrag een nieuwe stap in de inlijving van Belarus "
    "door Rusland. Oppositieleider Tichanovskaja riep de EU op tot nieuwe sancties.",
)


def publish_story(sites: list[NosSite], now: datetime) -> list[str]:
    """Each site publishes today's story in ``/vandaag.xml``; the last copies the first's text."""
    template: Article = dataclasses.replace(
        next(a for a in sites[0].content.articles if a.relevant),
        title=STORY_TITLE,
        lead=STORY_LEAD,
        paragraphs=STORY_PARAGRAPHS,
        author="",
    )
    blocks = []
    for i, site in enumerate(sites):
        shift = 0 if i == len(sites) - 1 else i  # the last outlet runs the text unchanged
        article = dataclasses.replace(
            template,
            id=9100 + i,
            slug="poetin-en-loekasjenko-tekenen-verdrag-luchtverdediging",
            title=template.title if shift == 0 else f"{template.title}: de reacties",
            published=now - timedelta(hours=3 - i),
            paragraphs=template.paragraphs[shift:] + template.paragraphs[:shift],
            explicit_path="",
        )
        site.add_page(article.path, article_page(site.base_url, article, []).encode())
        item = FeedItem(
            article.title, site.url(article.path), article.published, article.lead, str(article.id)
        )
        feed = rss(site.base_url, "Nieuws vandaag", "/vandaag.xml", [item])
        site.add_page("/vandaag.xml", feed.encode(), "application/rss+xml; charset=utf-8")
        name = "nos-vandaag" if i == 0 else f"outlet-{site.host.rsplit('.', 1)[-1]}"
        blocks.append(
            source_block(name, "rss", site.url("/vandaag.xml"), site.hosts, "today's story")
        )
    return blocks


def write_config(folder: Path, site: NosSite, story_blocks: list[str], hook_url: str) -> None:
    fetch = site.fetch_config()
    lines = [
        "# newsmon demo: sources on this machine only (tests/site/demo_world.py wrote this).",
        "[fetch]",
        f"min_interval_s = {fetch.min_interval_s}",
        "timeout_s = 5",
        "retries = 1",
        "backoff_base_s = 0.05",
        "backoff_max_s = 0.2",
        "",
        source_block(
            "nos-algemeen", "rss", site.url("/nosnieuwsalgemeen"), site.hosts, "general feed"
        ),
        source_block(
            "nos-buitenland", "rss", site.url("/nosnieuwsbuitenland"), site.hosts, "foreign feed"
        ),
        *story_blocks,
        source_block(
            "nos-kapot", "rss", site.url("/feeds/kapot.xml"), site.hosts, "broken on purpose"
        ),
    ]
    (folder / "sources.toml").write_text("\n".join(lines), encoding="utf-8")
    (folder / "alerts.toml").write_text(
        "# newsmon demo: a story on three outlets within six hours is breaking news.\n"
        '[[alerts]]\nname = "breaking"\nbreaking = { outlets = 3, hours = 6 }\n'
        f'webhook_url = "{hook_url}"\n',
        encoding="utf-8",
    )


def serve(folder: Path, hook_port: int) -> None:
    """Start everything, write the config, print the JSON line, serve until SIGTERM/SIGINT."""
    folder.mkdir(parents=True, exist_ok=True)
    site = NosSite()
    outlets = [NosSite(host=host, trap_host="127.0.0.6") for host in OUTLET_HOSTS]
    stop = threading.Event()

    def _stop(_signum: int, _frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    with WebhookReceiver(hook_port) as hook, site:
        for outlet in outlets:
            outlet.start()
        try:
            wall_one_article(site)
            blocks = publish_story([site, *outlets], datetime.now(UTC))
            write_config(folder, site, blocks, hook.url)
            ready = {
                "site": site.base_url,
                "sources_file": str(folder / "sources.toml"),
                "alerts_file": str(folder / "alerts.toml"),
                "webhook": hook.url,
            }
            print(json.dumps(ready), flush=True)
            stop.wait()
        finally:
            for outlet in outlets:
                outlet.stop()


if __name__ == "__main__":  # pragma: no cover
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        free = int(probe.getsockname()[1])
    with contextlib.suppress(KeyboardInterrupt):
        serve(Path(sys.argv[1]), int(sys.argv[2]) if len(sys.argv) > 2 else free)
