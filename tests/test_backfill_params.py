"""Backfill parameters: clear errors for ranges and sources that cannot run."""

from __future__ import annotations

from datetime import date

import pytest
from pydantic import Field

from flows.backfill_params import (
    SOURCE_CHOICES,
    BackfillParameterError,
    backfill_source_names,
    given,
    plan_backfill,
)
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
    assert names == SOURCE_CHOICES  # the form's choices come from the configured file


def test_an_omitted_parameter_gets_its_declared_default() -> None:
    assert given(Field([], description="x")) == []
    assert given(Field(False, description="x")) is False
    assert given(["nos-archief"]) == ["nos-archief"]
