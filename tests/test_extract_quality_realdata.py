"""On the 181 real pages of the extraction benchmark our extraction keeps its quality and finds
dates and authors about as often as trafilatura's own metadata, without contradicting URLs."""

from __future__ import annotations

import pytest

from benchmarks.extract_quality import measure
from tests.realdata import require_realdata

pytestmark = pytest.mark.realdata


def test_text_dates_and_authors_on_the_real_benchmark_pages_meet_the_thresholds() -> None:
    result = measure(require_realdata("extraction-benchmark"), raw_text=False)

    assert result["pages"] == 181
    assert result["no_article"] == 0  # every real article stays an article
    assert result["ours"]["f1"] >= 0.955, result
    assert result["dates_ours"] >= 0.97 * result["dates_trafilatura"], result
    assert result["authors_ours"] >= 0.90 * result["authors_trafilatura"], result
    assert result["ours_date_off_url"] == 0, result
