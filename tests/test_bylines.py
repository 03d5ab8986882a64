"""Bylines become clean author names: Dutch "Door"/"Van onze …" go, a publisher or press agency
alone is no author, several names split. The raw bylines are those trafilatura reads from the
real pages under ``../shared/realdata/`` and the ones issue 25 found stored."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from scrapers.bylines import clean_byline, publishers_of
from scrapers.outlets import outlet_for

TROUW = "https://www.trouw.nl/a~b1234567/"
INSIDER = "https://www.businessinsider.com/a"


def cleaned(raw: str, url: str, site_name: str | None = None) -> str | None:
    host = urlsplit(url).hostname or ""
    return clean_byline(raw, publishers_of(outlet_for(url), site_name, host))


@pytest.mark.parametrize(
    ("raw", "url", "expected"),
    [
        ("Door ANP", "http://www.nu.nl/algemeen/4225459/a.html", None),
        ("Door NU nl", "http://www.nu.nl/politiek/4163338/a.html", None),
        ("Door NU nl; Weerplaza", "http://www.nu.nl/algemeen/4225459/a.html", "Weerplaza"),
        ("Nieuwsblad Be", "https://www.nieuwsblad.be/cnt/dmf20250202_96887132", None),
        ("Nieuwsblad Be", "http://127.0.0.1:8000/cnt/1", None),  # a registered publisher anywhere
        ("Door Peter de Vries en ANP", "https://nos.nl/artikel/1-a", "Peter de Vries"),
        (
            "Van onze correspondent in Moskou Jan van Dam",
            TROUW,
            "Jan van Dam",
        ),
        ("Van onze verslaggever", TROUW, None),
        ("Door de redactie", "https://nos.nl/artikel/1-a", None),
        ("Van Gogh", TROUW, "Van Gogh"),
        ("Bianca Brasser", "http://www.metronieuws.nl/nieuws/a", "Bianca Brasser"),
        (
            "Tanza Loudenback; Business Insider",
            INSIDER,
            "Tanza Loudenback",
        ),
        ("https://www.facebook.com/bianca.brasser", "http://www.metronieuws.nl/nieuws/a", None),
    ],
)
def test_bylines_are_clean_names(raw: str, url: str, expected: str | None) -> None:
    assert cleaned(raw, url, "Business Insider Deutschland") == expected
