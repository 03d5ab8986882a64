"""config/sources.toml: the shipped file and its catalogue of outlets load, defaults apply, and
every error names file, source and field."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from scrapers.errors import SourcesConfigError, UnknownSourceError
from scrapers.sources import (
    CONSENT_HOSTS,
    DEFAULT_USER_AGENT,
    FetchConfig,
    SourcesConfig,
    load_sources_file,
    select_sources,
)

REPO_ROOT = Path(__file__).resolve().parent.parent
SHIPPED = REPO_ROOT / "config" / "sources.toml"
# Every outlet of the catalogue and the site its feed and articles live on.
OUTLETS = {
    "nos": "nos.nl",
    "nunl": "nu.nl",
    "rtlnieuws": "rtlnieuws.nl",
    "nrc": "nrc.nl",
    "volkskrant": "volkskrant.nl",
    "trouw": "trouw.nl",
    "parool": "parool.nl",
    "ad": "ad.nl",
    "telegraaf": "telegraaf.nl",
    "vrtnws": "vrt.be",
    "standaard": "standaard.be",
    "hln": "hln.be",
    "demorgen": "demorgen.be",
}
DPG_MEDIA = {"volkskrant", "trouw", "parool", "ad", "hln", "demorgen"}

GOOD_SOURCE = """
[[sources]]
name = "nos-algemeen"
kind = "rss"
url = "https://feeds.nos.nl/nosnieuwsalgemeen"
allowed_hosts = ["nos.nl", "feeds.nos.nl"]
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "sources.toml"
    path.write_text(text, encoding="utf-8")
    return path


def load_error(tmp_path: Path, text: str) -> SourcesConfigError:
    with pytest.raises(SourcesConfigError) as caught:
        load_sources_file(write(tmp_path, text))
    return caught.value


def test_shipped_file_has_the_real_nos_sources() -> None:
    config = load_sources_file(SHIPPED)
    by_name = {s.name: s for s in config.enabled_sources()}
    assert by_name["nos-algemeen"].url == "https://feeds.nos.nl/nosnieuwsalgemeen"
    assert by_name["nos-buitenland"].url == "https://feeds.nos.nl/nosnieuwsbuitenland"
    assert by_name["nos-politiek"].url == "https://feeds.nos.nl/nosnieuwspolitiek"
    archive = by_name["nos-archief"]
    assert archive.kind == "archive"
    assert archive.url_for(date(2023, 6, 14)) == "https://nos.nl/nieuws/archief/2023-06-14"
    for source in by_name.values():
        assert set(source.allowed_hosts) <= {"nos.nl", "feeds.nos.nl"}
    assert config.fetch.user_agent == DEFAULT_USER_AGENT
    assert config.fetch.min_interval_s == 1.0 and config.fetch.max_concurrency == 8
    assert config.schedule.timezone == "Europe/Amsterdam"


def outlet_of(name: str) -> str:
    return name.split("-")[0]


def test_the_catalogue_has_every_outlet_and_only_nos_is_enabled() -> None:
    config = load_sources_file(SHIPPED)
    assert {outlet_of(s.name) for s in config.sources} == set(OUTLETS)
    assert {s.name for s in config.enabled_sources()} == {
        "nos-algemeen",
        "nos-buitenland",
        "nos-politiek",
        "nos-archief",
    }
    others = [s for s in config.sources if outlet_of(s.name) != "nos"]
    assert len(others) == 12 and all(s.kind == "rss" for s in others)
    assert all(s.interval_s(config.fetch) >= config.fetch.min_interval_s for s in others)
    assert config.get("hln").url == "https://www.hln.be/rss.xml"
    assert config.get("standaard-buitenland").url.startswith(
        "https://www.standaard.be/rss/section/"
    )


def test_every_catalogue_host_belongs_to_its_outlet_and_none_is_a_consent_host() -> None:
    for source in load_sources_file(SHIPPED).sources:
        site = OUTLETS[outlet_of(source.name)]
        url_host = urlsplit(source.url).hostname or ""
        assert url_host in source.allowed_hosts, source.name
        for host in source.allowed_hosts:
            assert host == site or host.endswith("." + site), (source.name, host)
            assert host not in CONSENT_HOSTS and "dpgmedia" not in host, (source.name, host)


def test_dpg_media_sites_record_their_consent_wall() -> None:
    walls = {s.name: s.wall for s in load_sources_file(SHIPPED).sources}
    assert {name for name, wall in walls.items() if wall == "consent"} == DPG_MEDIA
    assert all(walls[name] is None for name in walls if outlet_of(name) == "nos")


def test_a_consent_host_in_allowed_hosts_is_refused(tmp_path: Path) -> None:
    text = GOOD_SOURCE.replace('"feeds.nos.nl"]', '"feeds.nos.nl", "MyPrivacy.dpgmedia.nl"]')
    error = load_error(tmp_path, text)
    assert (error.source, error.field) == ("'nos-algemeen' (#1)", "allowed_hosts")
    assert "consent host" in str(error) and str(tmp_path / "sources.toml") in str(error)


def test_an_unknown_wall_kind_is_named_with_its_field(tmp_path: Path) -> None:
    error = load_error(tmp_path, GOOD_SOURCE + 'wall = "cookie"\n')
    assert (error.source, error.field) == ("'nos-algemeen' (#1)", "wall")
    assert "'consent' or 'paywall'" in str(error)


def test_everything_but_the_sources_has_defaults(tmp_path: Path) -> None:
    config = load_sources_file(write(tmp_path, GOOD_SOURCE))
    assert config.fetch == FetchConfig()
    assert (config.fetch.timeout_s, config.fetch.max_bytes, config.fetch.retries) == (
        20,
        5_000_000,
        3,
    )
    assert config.schedule.ingest_cron == "*/30 * * * *"
    assert config.schedule.digest_cron == "0 7 * * *"
    assert config.schedule.backfill_max_days == 366
    assert config.sources[0].enabled and config.sources[0].priority == 100


@pytest.mark.parametrize(
    ("snippet", "source", "field", "words"),
    [
        ('kind = "atom"', "'bad' (#2)", "kind", "rss"),
        ("kind = 'rss'\ntypo = 1", "'bad' (#2)", "typo", "Extra"),
        ('kind = "archive"', "'bad' (#2)", "url", "{date}"),
        ("kind = 'rss'\nenabled = 'ja'", "'bad' (#2)", "enabled", "boolean"),
        ("kind = 'rss'\nmin_interval_s = -2", "'bad' (#2)", "min_interval_s", "greater"),
    ],
)
def test_a_bad_source_is_named_with_its_field(
    tmp_path: Path, snippet: str, source: str, field: str, words: str
) -> None:
    text = (
        GOOD_SOURCE
        + f'\n[[sources]]\nname = "bad"\n{snippet}\nurl = "https://nos.nl/x"\n'
        + 'allowed_hosts = ["nos.nl"]\n'
    )
    error = load_error(tmp_path, text)
    assert (error.source, error.field) == (source, field)
    message = str(error)
    assert str(tmp_path / "sources.toml") in message
    assert f"source {source}" in message and f"field {field!r}" in message
    assert words in message


def test_url_outside_the_allowed_hosts_is_refused(tmp_path: Path) -> None:
    error = load_error(tmp_path, GOOD_SOURCE.replace('["nos.nl", "feeds.nos.nl"]', '["nos.nl"]'))
    assert error.source == "'nos-algemeen' (#1)" and error.field == "url"
    assert "feeds.nos.nl" in str(error)


def test_a_source_without_a_name_is_named_by_position(tmp_path: Path) -> None:
    error = load_error(tmp_path, GOOD_SOURCE.replace('name = "nos-algemeen"\n', ""))
    assert (error.source, error.field) == ("#1", "name")


def test_every_problem_is_reported_not_only_the_first(tmp_path: Path) -> None:
    text = GOOD_SOURCE.replace('"rss"', '"atom"') + "\n[fetch]\nretries = -1\n"
    error = load_error(tmp_path, text)
    fields = {field for _, field, _ in error.problems}
    assert fields == {"kind", "fetch.retries"}


def test_duplicate_names_are_refused(tmp_path: Path) -> None:
    error = load_error(tmp_path, GOOD_SOURCE + GOOD_SOURCE)
    assert error.field == "name" and "'nos-algemeen' is used twice" in str(error)


@pytest.mark.parametrize(
    ("table", "field"),
    [
        ('[schedule]\ningest_cron = "elke dag"', "schedule.ingest_cron"),
        ('[schedule]\ntimezone = "Europe/Atlantis"', "schedule.timezone"),
        ("[fetch]\nmax_concurrency = 0", "fetch.max_concurrency"),
        ("[fetch]\nbackoff_base_s = 10\nbackoff_max_s = 1", "fetch"),
        ("[fetch]\nuser_agnet = 'x'", "fetch.user_agnet"),
    ],
)
def test_bad_tables_name_their_field(tmp_path: Path, table: str, field: str) -> None:
    error = load_error(tmp_path, table + "\n" + GOOD_SOURCE)
    assert error.field == field and error.source is None


def test_unreadable_files_name_the_file(tmp_path: Path) -> None:
    missing = tmp_path / "nope.toml"
    with pytest.raises(SourcesConfigError, match=r"nope\.toml: file not found"):
        load_sources_file(missing)
    error = load_error(tmp_path, "[[sources]\nname = ")
    assert "sources.toml" in str(error) and "not valid TOML" in str(error)


def make_config(tmp_path: Path) -> SourcesConfig:
    text = GOOD_SOURCE + (
        '\n[[sources]]\nname = "a-archief"\nkind = "archive"\npriority = 5\n'
        'url = "https://nos.nl/nieuws/archief/{date}"\nallowed_hosts = ["nos.nl"]\n'
        '\n[[sources]]\nname = "uit"\nkind = "sitemap"\nenabled = false\n'
        'url = "https://nos.nl/sitemap.xml"\nallowed_hosts = ["NOS.nl."]\n'
    )
    return load_sources_file(write(tmp_path, text))


def test_selection_runs_enabled_sources_by_priority(tmp_path: Path) -> None:
    config = make_config(tmp_path)
    assert [s.name for s in select_sources(config, None)] == ["a-archief", "nos-algemeen"]
    assert [s.name for s in select_sources(config, ["uit"])] == []
    assert [s.name for s in select_sources(config, ["uit"], include_disabled=True)] == ["uit"]
    assert config.get("uit").allowed_hosts == ("nos.nl",)


def test_unknown_source_names_list_the_known_ones(tmp_path: Path) -> None:
    config = make_config(tmp_path)
    with pytest.raises(UnknownSourceError) as caught:
        select_sources(config, ["nos-algemeen", "nos-sport", "bbc"])
    assert caught.value.unknown == ["nos-sport", "bbc"]
    assert str(caught.value) == (
        "unknown sources 'nos-sport', 'bbc'; known sources: a-archief, nos-algemeen, uit"
    )


def test_archive_urls_need_a_day(tmp_path: Path) -> None:
    archive = make_config(tmp_path).get("a-archief")
    with pytest.raises(ValueError, match="day is required"):
        archive.url_for()
