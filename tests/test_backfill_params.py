"""Backfill parameters: clear errors for ranges and sources that cannot run."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from pydantic import Field

from flows.backfill_params import given
from pipeline.backfill import BackfillParameterError, backfill_source_names, plan_backfill
from scrapers.sources import load_sources_file
from tests.conftest import REPO_ROOT

CHOICES = ("nos-archief", "nos-sitemap")


def test_a_good_range_lists_every_day_and_defaults_to_all_sources() -> None:
    plan = plan_backfill(date(2024, 2, 27), date(2024, 3, 1), [], False, CHOICES, 366)
    assert plan.sources == CHOICES
    assert plan.days == [date(2024, 2, 27), date(2024, 2, 28), date(2024, 2, 29), date(2024, 3, 1)]
    assert plan.refetch is False


def test_named_sources_are_kept_once_in_the_given_order() -> None:
    plan = plan_backfill(
        date(2024, 1, 1), date(2024, 1, 1), ["nos-sitemap", "nos-sitemap"], True, CHOICES, 1
    )
    assert plan.sources == ("nos-sitemap",)
    assert plan.days == [date(2024, 1, 1)]
    assert plan.refetch is True


def test_end_before_start_is_refused_with_both_dates() -> None:
    with pytest.raises(BackfillParameterError, match="2024-01-01 is before start date 2024-01-05"):
        plan_backfill(date(2024, 1, 5), date(2024, 1, 1), None, False, CHOICES, 366)


@pytest.mark.parametrize(
    ("start", "end"), [(date(9999, 12, 31), date(9999, 12, 31)), (date(1, 1, 1), date(1, 1, 2))]
)
def test_a_day_out_of_range_is_refused_as_the_cli_refuses_it(start: date, end: date) -> None:
    """The Prefect form takes any ISO date; the day after 9999-12-31 is no date at all."""
    with pytest.raises(BackfillParameterError, match="is out of range: use a day from 1900-01-01"):
        plan_backfill(start, end, None, False, CHOICES, 366)


def test_a_range_over_the_maximum_is_refused() -> None:
    with pytest.raises(BackfillParameterError, match="is 11 days; the configured maximum is 10"):
        plan_backfill(date(2024, 1, 1), date(2024, 1, 11), None, False, CHOICES, 10)


def test_an_unknown_source_is_refused_with_the_choices() -> None:
    with pytest.raises(BackfillParameterError, match=r"unknown source.*nos-rss.*nos-archief"):
        plan_backfill(date(2024, 1, 1), date(2024, 1, 2), ["nos-rss"], False, CHOICES, 366)


def test_only_enabled_archive_and_sitemap_sources_can_be_backfilled() -> None:
    config = load_sources_file(REPO_ROOT / "config" / "sources.toml")
    names = backfill_source_names(config.sources)
    assert names
    for name in names:
        source = config.get(name)
        assert source.kind in ("archive", "sitemap")
        assert source.enabled


def test_the_deployment_form_offers_the_configured_sources_as_a_multi_select() -> None:
    from flows.backfill_flow import backfill_form

    config = load_sources_file(REPO_ROOT / "config" / "sources.toml")
    names = backfill_source_names(config.sources)
    form = backfill_form(names).parameters.model_dump()
    assert form["properties"]["sources"]["items"]["enum"] == list(names)
    assert form["properties"]["start"]["format"] == "date"


@pytest.mark.slow
def test_no_sources_file_is_read_when_the_flows_are_imported(tmp_path: Path) -> None:
    sources = tmp_path / "sources.toml"
    sources.write_bytes((REPO_ROOT / "config" / "sources.toml").read_bytes())
    probe = (
        "import sys\n"
        "opened = []\n"
        "def audit(event, args):\n"
        "    if event == 'open' and str(args[0]) == sys.argv[1]:\n"
        "        opened.append(str(args[0]))\n"
        "sys.addaudithook(audit)\n"
        "import flows.backfill_flow, flows.backfill_params, flows.serve\n"
        "print(opened)\n"
    )
    env = {**os.environ, "NEWSMON_SOURCES_FILE": str(sources)}
    out = subprocess.run(
        [sys.executable, "-c", probe, str(sources)],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip().splitlines()[-1] == "[]"


def test_an_omitted_parameter_gets_its_declared_default() -> None:
    assert given(Field([], description="x")) == []
    assert given(Field(False, description="x")) is False
    assert given(["nos-archief"]) == ["nos-archief"]
