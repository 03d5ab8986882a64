"""URL canonicalisation: equal articles get equal URLs, different ones stay different."""

from __future__ import annotations

import pytest

from processing.urls import canonicalize_url, is_tracking_param, url_host

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
