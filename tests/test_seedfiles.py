"""The seed reader: three formats, dates with precision, bylines, boilerplate, bad files."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from scrapers.errors import SeedFileError
from scrapers.seedfiles import first_sentence, load_seed_dir, load_seed_files, parse_seed_file
from tests.conftest import SEEDS_DIR


def seed(name_prefix: str) -> Path:
    return next(SEEDS_DIR.glob(f"{name_prefix}_*.txt"))


def test_seed_dir_loads_all_five_without_errors() -> None:
    loaded = load_seed_dir(SEEDS_DIR)
    assert loaded.errors == []
    assert len(loaded.articles) == 5
    assert len({a.canonical_url for a in loaded.articles}) == 5


def test_header_format_gives_title_day_precision_url_and_clean_body() -> None:
    article = parse_seed_file(seed("001"))
    assert article.title == "Belarussen willen geen oorlog, maar hun leider doet wat Poetin wil"
    assert article.published_at == datetime(2022, 10, 12, 5, 0, 2, tzinfo=UTC)
    assert article.date_precision == "day"
    assert article.date_source == "header"
    assert article.url == (
        "https://nos.nl/nieuwsuur/artikel/2448020-belarussen-willen-geen-oorlog-maar-hun-"
        "leider-doet-wat-poetin-wil"
    )
    assert article.canonical_url == article.url
    assert article.text.startswith("Er zijn nog genoeg landen")
    assert article.text.endswith('zijn betrokkenheid bij deze oorlog versterkt zijn positie niet."')
    for chrome in ("Nieuwsuur", "Buitenland", "Deel artikel:"):
        assert not article.text.rstrip().endswith(chrome)
    assert "Deel artikel" not in article.text


@pytest.mark.parametrize(("prefix", "month"), [("002", 10), ("004", 12)])
def test_date_prefix_gives_month_precision_and_is_removed(prefix: str, month: int) -> None:
    article = parse_seed_file(seed(prefix))
    assert article.date_precision == "month"
    assert article.published_at == datetime(2022, month, 1, tzinfo=UTC)
    assert "date 2022" not in article.text
    assert not article.text.startswith(" ")
    assert article.url is None
    assert article.canonical_url == f"seed:{seed(prefix).stem}"


@pytest.mark.parametrize("prefix", ["000", "003"])
def test_bare_body_has_unknown_date_and_first_sentence_title(prefix: str) -> None:
    article = parse_seed_file(seed(prefix))
    assert article.date_precision == "unknown"
    assert article.published_at is None
    assert article.text.startswith(article.title.rstrip("…")[:40])
    assert len(article.title) <= 161


def test_byline_becomes_author_and_leaves_the_body() -> None:
    article = parse_seed_file(seed("003"))
    assert article.author == "Tijs van de Vijver"
    assert "door Tijs van de Vijver" not in article.text


def test_first_sentence_cuts_long_sentences_at_a_word() -> None:
    body = "Een " + "heel " * 60 + "lange zin. Tweede zin."
    title = first_sentence(body, max_chars=50)
    assert title.endswith("…")
    assert len(title) <= 51
    assert first_sentence("Kort. Nog een.") == "Kort."


def write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


@pytest.mark.parametrize(
    ("name", "data", "reason"),
    [
        ("empty.txt", b"", "empty"),
        ("blank.txt", b"  \n\n \n", "empty"),
        ("binary.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary"),
        ("latin1.txt", "Oekraïne en Wit-Rusland".encode("latin-1"), "UTF-8"),
        (
            "baddate.txt",
            b"Titel\n2022-13-45T07:00:02+0200\nhttps://nos.nl/artikel/1-x\n\nTekst.",
            "impossible date",
        ),
        ("badprefix.txt", b" date 2022-14 Tekst over Belarus.", "impossible date"),
        (
            "badurl.txt",
            b"Titel\n2022-10-12T07:00:02+0200\nniet-een-url\n\nTekst.",
            "URL",
        ),
        (
            "nobody.txt",
            b"Titel\n2022-10-12T07:00:02+0200\nhttps://nos.nl/artikel/1-x\n\nNieuwsuur\n",
            "no article text",
        ),
    ],
)
def test_bad_seed_file_gets_an_error_naming_file_and_reason(
    tmp_path: Path, name: str, data: bytes, reason: str
) -> None:
    path = write(tmp_path, name, data)
    with pytest.raises(SeedFileError) as info:
        parse_seed_file(path)
    assert name in str(info.value)
    assert reason in str(info.value)


def test_bad_files_are_reported_and_good_files_still_load(tmp_path: Path) -> None:
    good = [seed("001"), seed("002")]
    bad = [write(tmp_path, "empty.txt", b""), write(tmp_path, "bin.txt", b"\x00\x01")]
    loaded = load_seed_files([bad[0], *good, bad[1]])
    assert [a.seed_file for a in loaded.articles] == [p.name for p in good]
    assert sorted(e.path.name for e in loaded.errors) == ["bin.txt", "empty.txt"]


def test_missing_seed_folder_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(SeedFileError, match="does not exist"):
        load_seed_dir(tmp_path / "nope")
