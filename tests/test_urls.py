"""URL canonicalisation: equal articles get equal URLs, different ones stay different."""

from __future__ import annotations

import pytest

from processing.urls import canonicalize_url, is_tracking_param, url_host
from scrapers.feeds import parse_feed
from tests.realdata import require_realdata

CANONICAL = "https://nos.nl/artikel/2448020-belarussen-willen-geen-oorlog"


@pytest.mark.parametrize(
    "variant",
    [
        CANONICAL,
        "HTTPS://NOS.NL/artikel/2448020-belarussen-willen-geen-oorlog",
        "https://www.nos.nl/artikel/2448020-belarussen-willen-geen-oorlog/",
        "https://nos.nl:443/artikel/2448020-belarussen-willen-geen-oorlog",
        "https://nos.nl/artikel/2448020-belarussen-willen-geen-oorlog#reacties",
        "https://nos.nl/artikel/2448020-belarussen-willen-geen-oorlog?utm_source=rss&utm_medium=x",
        "https://nos.nl/artikel/2448020-belarussen-willen-geen-oorlog?fbclid=abc",
        "https://amp.nos.nl/artikel/2448020-belarussen-willen-geen-oorlog",
        "https://nos.nl/artikel/2448020-belarussen-willen-geen-oorlog/amp",
        "https://nos.nl//artikel/2448020-belarussen-willen-geen-oorlog",
        "  https://nos.nl/artikel/2448020-belarussen-willen-geen-oorlog  ",
    ],
)
def test_variants_canonicalise_to_one_url(variant: str) -> None:
    assert canonicalize_url(variant) == CANONICAL


def test_meaningful_query_parameters_are_kept_and_sorted() -> None:
    assert canonicalize_url("https://x.nl/zoek?q=belarus&page=2&utm_campaign=a") == (
        "https://x.nl/zoek?page=2&q=belarus"
    )
    assert canonicalize_url("https://x.nl/a?id=1") != canonicalize_url("https://x.nl/a?id=2")


def test_other_ports_and_schemes() -> None:
    assert canonicalize_url("http://x.nl:8080/a/") == "http://x.nl:8080/a"
    assert canonicalize_url("mailto:redactie@nos.nl") == "mailto:redactie@nos.nl"
    assert canonicalize_url("https://x.nl") == "https://x.nl/"


def test_percent_encoding_is_normalised() -> None:
    assert canonicalize_url("https://x.nl/a%20b") == canonicalize_url("https://x.nl/a b")


def test_helpers() -> None:
    assert is_tracking_param("UTM_source") and not is_tracking_param("page")
    assert url_host("https://WWW.NOS.nl/x") == "www.nos.nl"
    assert url_host("not a url") == ""


def test_an_ipv6_host_keeps_its_brackets() -> None:
    assert canonicalize_url("http://[::1]:8080/a") == "http://[::1]:8080/a"
    assert canonicalize_url("https://[2001:DB8::1]:443/a/") == "https://[2001:db8::1]/a"


def test_an_encoded_slash_stays_encoded() -> None:
    assert canonicalize_url("https://x.nl/a%2Fb") == "https://x.nl/a%2Fb"
    assert canonicalize_url("https://x.nl/a%2fb") != canonicalize_url("https://x.nl/a/b")


def test_dot_segments_are_resolved() -> None:
    assert canonicalize_url("https://x.nl/a/./b/../c") == "https://x.nl/a/c"
    assert canonicalize_url("https://x.nl/a/b/..") == "https://x.nl/a"


def test_an_internationalised_host_becomes_punycode() -> None:
    assert canonicalize_url("https://www.BÜCHER.de/straße") == (
        "https://xn--bcher-kva.de/stra%C3%9Fe"
    )
    assert canonicalize_url("https://xn--bcher-kva.de/a") == "https://xn--bcher-kva.de/a"


def test_an_unparsable_url_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match="cannot canonicalise"):
        canonicalize_url("https://x.nl:poort/a")
    with pytest.raises(ValueError, match="cannot canonicalise"):
        canonicalize_url("https://nos.nl]]")


@pytest.mark.realdata
@pytest.mark.parametrize(
    "name",
    ["tutby_news_all_2019-12-30.xml", "hln_rss_2018-12-03.xml", "demorgen_rss_2018-12-03.xml"],
)
def test_real_feed_links_lose_their_trackers_and_stay_put_on_a_second_pass(name: str) -> None:
    body = require_realdata("feeds", name).read_bytes()
    links = [c.url for c in parse_feed(body, "https://feed.example/rss", "real")]
    assert len(links) >= 30
    for link in links:
        canonical = canonicalize_url(link)
        assert "utm_" not in canonical and "#" not in canonical
        assert canonicalize_url(canonical) == canonical
