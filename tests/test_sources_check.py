"""`newsmon sources check` as an operator runs it against the local site: a healthy source passes
with exit 0; a failing listing, a consent redirect, a paywall, robots.txt and a real Flemish feed
whose links leave the allowed hosts are reported as problems with exit 1."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from cli.common import console
from cli.main import app
from composition.settings import get_settings
from tests.realdata import require_realdata
from tests.site import NosSite
from tests.site.feeds import FeedItem, item_for, rss
from tests.site.pages import article_page

HLN_FEED = ("feeds", "hln_rss_2018-12-03.xml")
HLN_PATH = "/hln/rss.xml"
CONSENT = "/privacy-gate/accept?redirectUri=/artikel"


def source(name: str, url: str, enabled: bool = True) -> str:
    return (
        f'[[sources]]\nname = "{name}"\nkind = "rss"\nurl = "{url}"\n'
        f'allowed_hosts = ["127.0.0.1"]\nenabled = {str(enabled).lower()}\n'
    )


def one_item_feed(site: NosSite, path: str, link: str) -> str:
    article = site.content.articles[0]
    item = FeedItem(article.title, link, article.published, article.lead, str(article.id))
    return site.add_page(
        path, rss(site.base_url, "Test", path, [item]).encode(), "application/rss+xml"
    )


def serve_outlets(site: NosSite) -> dict[str, str]:
    """Feeds for every case on the site; returns source name -> feed URL."""
    article = site.content.articles[0]
    paid = article_page(site.base_url, article, []).replace(
        '"@type": "NewsArticle"', '"@type": "NewsArticle", "isAccessibleForFree": false'
    )
    assert "isAccessibleForFree" in paid
    site.add_page("/betaald/artikel/1-achter-de-muur", paid.encode())
    site.add_page(
        "/dpg/artikel/2-toestemming",
        b"",
        status=302,
        headers={"Location": site.off_host_base + CONSENT},
    )
    return {
        "gezond": site.url("/nosnieuwsbuitenland"),
        "kapot": site.url("/misbehave/500"),
        "muur": one_item_feed(site, "/dpg/rss.xml", site.url("/dpg/artikel/2-toestemming")),
        "betaald": one_item_feed(
            site, "/betaald/rss.xml", site.url("/betaald/artikel/1-achter-de-muur")
        ),
        "verboden": one_item_feed(
            site, "/intern/rss.xml", site.url(item_for(site.base_url, article).link)
        ),
        "hln": site.url(HLN_PATH),  # served by the test that needs the real feed
    }


@pytest.fixture
def outlets(site: NosSite, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> NosSite:
    feeds = serve_outlets(site)
    text = (
        "[fetch]\nmin_interval_s = 0.02\ntimeout_s = 2\nretries = 1\n"
        "backoff_base_s = 0.05\nbackoff_max_s = 0.1\n\n"
        + "\n".join(source(name, url, enabled=name == "gezond") for name, url in feeds.items())
    )
    path = tmp_path / "sources.toml"
    path.write_text(text, encoding="utf-8")
    monkeypatch.setattr(console, "_width", 250)
    monkeypatch.setenv("NEWSMON_SOURCES_FILE", str(path))
    # No database: the probe stores nothing, so an unmigrated database URL does not matter.
    monkeypatch.setenv("NEWSMON_DATABASE_URL", f"sqlite:///{tmp_path / 'nooit.db'}")
    get_settings.cache_clear()
    return site


def invoke(*args: str) -> tuple[int, str]:
    get_settings.cache_clear()
    result = CliRunner().invoke(app, ["sources", "check", *args])
    return result.exit_code, result.stdout


def probes(*names: str) -> dict[str, dict[str, Any]]:
    code, out = invoke(*names, "--json")
    lines = [json.loads(line) for line in out.splitlines()]
    assert code == (0 if all(line["ok"] for line in lines) else 1)
    return {line["source"]: line for line in lines}


def test_a_healthy_source_passes_with_exit_0(outlets: NosSite) -> None:
    code, out = invoke("gezond")
    assert code == 0, out
    row = next(line for line in out.splitlines() if line.startswith("gezond "))
    cells = row.split()
    feed = outlets.content.in_feed("buitenland")
    assert cells[:5] == ["gezond", "yes", "allowed", "200", str(len(feed))]
    assert cells[-2:] == ["page", "ok"]
    assert "1 of 1 sources ok" in out
    assert outlets.count("/robots.txt") == 1


def test_the_json_line_has_the_documented_shape(outlets: NosSite) -> None:
    probe = probes("gezond")["gezond"]
    assert list(probe)[:3] == ["source", "ok", "enabled"]
    assert {"robots", "listing_status", "items", "newest", "sample", "problems"} <= set(probe)
    newest = max(a.published for a in outlets.content.in_feed("buitenland"))
    assert datetime.fromisoformat(probe["newest"]) == newest
    sample = probe["sample"]
    assert sample["status"] == 200 and sample["text_source"] == "page"
    assert sample["chars"] >= 250 and sample["wall"] is None
    assert sample["date"] is not None and sample["final_url"].startswith(outlets.url("/artikel/"))
    assert probe["problems"] == [] and probe["ok"] is True


def test_every_source_is_probed_and_each_problem_is_named(outlets: NosSite) -> None:
    found = probes()
    assert set(found) == {"gezond", "kapot", "muur", "betaald", "verboden", "hln"}
    assert [name for name, probe in found.items() if probe["ok"]] == ["gezond"]

    kapot = found["kapot"]
    assert kapot["listing_status"] == 500 and kapot["items"] == 0 and kapot["sample"] is None
    assert kapot["problems"] == [f"listing {outlets.url('/misbehave/500')}: http_error: HTTP 500"]

    muur = found["muur"]["sample"]
    assert (muur["wall"], muur["wall_detail"], muur["text_source"]) == (
        "consent",
        "127.0.0.2",
        "feed",
    )
    assert muur["final_url"] == outlets.off_host_base + CONSENT
    assert found["muur"]["problems"][0].startswith("consent wall:")
    assert outlets.requests(server="trap") == []  # the consent page is never fetched

    betaald = found["betaald"]["sample"]
    assert (betaald["wall"], betaald["text_source"], betaald["status"]) == ("paywall", "feed", 200)
    assert "isAccessibleForFree: false" in found["betaald"]["problems"][0]

    verboden = found["verboden"]
    assert verboden["robots"] == "disallowed" and verboden["listing_status"] is None
    assert outlets.count("/intern/rss.xml") == 0


@pytest.mark.realdata
def test_a_real_flemish_feed_is_read_and_its_off_host_links_are_reported(outlets: NosSite) -> None:
    hln_bytes = require_realdata(*HLN_FEED).read_bytes()
    outlets.add_page(HLN_PATH, hln_bytes, "application/rss+xml")
    hln = probes("hln")["hln"]
    assert hln["listing_status"] == 200 and hln["items"] == 30
    assert hln["newest"] == "2018-12-03T17:49:10+00:00"
    sample = hln["sample"]
    assert sample["url"].startswith("https://www.hln.be/")
    assert (sample["outcome"], sample["status"], sample["text_source"]) == (
        "off_host",
        None,
        "feed",
    )
    assert "'www.hln.be' is not an allowed host" in hln["problems"][0]


def test_problems_are_listed_under_the_table_with_exit_1(outlets: NosSite) -> None:
    code, out = invoke("kapot", "muur", "verboden")
    assert code == 1
    assert "0 of 3 sources ok" in out
    named = [
        line for line in out.splitlines() if line.split(" ")[0] in ("kapot", "muur", "verboden")
    ]
    rows, problems = named[:3], named[3:]  # the table's rows, then the problems under it
    assert [row.split()[-1] for row in rows] == ["problem"] * 3
    assert [line.split(" ")[0] for line in problems] == ["kapot", "muur", "verboden"]


def test_an_unknown_source_name_lists_the_known_ones(outlets: NosSite) -> None:
    result = CliRunner().invoke(app, ["sources", "check", "bestaat-niet"])
    assert result.exit_code == 2  # a usage error, as an unknown --source of ingest
    assert "bestaat-niet" in result.output and "gezond" in result.output
    assert outlets.requests() == []
