"""The digest job: build a day's digest (files + record); :mod:`pipeline.digest_send` mails it.

Plain functions: the CLI calls them directly and the Prefect ``digest`` flow wraps them.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import Engine

from digests.group import DEFAULT_RELEVANCE_TOPIC
from digests.model import MODE_PUBLISHED, MODE_SEEN, DigestData
from digests.render import render_html, render_markdown, render_text
from digests.select import collect_digest
from processing.temporal import NEWSROOM_TIMEZONE
from storage.db import session_scope
from storage.digests import record_digest

log = logging.getLogger(__name__)


@dataclass(slots=True)
class DigestResult:
    """A built digest: where its files are and what the email will contain."""

    day: date
    mode: str
    markdown_path: Path
    html_path: Path
    subject: str
    n_stories: int
    n_articles: int
    markdown: str
    html: str
    text: str
    data: DigestData


def digest_paths(out_dir: Path, day: date, mode: str) -> tuple[Path, Path]:
    """``YYYY-MM-DD.md``/``.html``; a by-publication digest is ``YYYY-MM-DD-published.*``."""
    stem = day.isoformat() if mode == MODE_SEEN else f"{day.isoformat()}-{MODE_PUBLISHED}"
    return out_dir / f"{stem}.md", out_dir / f"{stem}.html"


def _write(path: Path, content: str) -> None:
    """Write via a temporary file, so a reader never sees half a digest."""
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(content, encoding="utf-8")
    os.replace(tmp, path)


def build_digest(
    engine: Engine,
    day: date,
    *,
    published: bool = False,
    tz: str | ZoneInfo = NEWSROOM_TIMEZONE,
    out_dir: Path,
    relevance_topic: str | None = DEFAULT_RELEVANCE_TOPIC,
) -> DigestResult:
    """Select, group and render the digest of ``day``; write the Markdown and HTML files and
    record which articles it reported (so later digests can mark updates).

    ``relevance_topic`` is the taxonomy's beat topic: it groups only stories without a subtopic.
    """
    zone = tz if isinstance(tz, ZoneInfo) else ZoneInfo(tz)
    mode = MODE_PUBLISHED if published else MODE_SEEN
    with session_scope(engine) as session:
        data = collect_digest(session, day, zone, mode, relevance_topic)
    markdown, html, text = render_markdown(data), render_html(data), render_text(data)
    md_path, html_path = digest_paths(out_dir, day, mode)
    out_dir.mkdir(parents=True, exist_ok=True)
    _write(md_path, markdown)
    _write(html_path, html)
    if data.chart_png is not None:  # the Markdown digest shows it from beside itself
        (out_dir / data.chart_file).write_bytes(data.chart_png)
    items = [(a.id, a.story_id, a.text_hash) for story in data.stories for a in story.articles]
    with session_scope(engine) as session:
        record_digest(
            session,
            day,
            mode,
            markdown_path=str(md_path),
            html_path=str(html_path),
            n_stories=data.n_stories,
            items=items,
        )
    log.info("digest %s (%s): %d stories, %s", day, mode, data.n_stories, md_path)
    return DigestResult(
        day=day,
        mode=mode,
        markdown_path=md_path,
        html_path=html_path,
        subject=data.subject,
        n_stories=data.n_stories,
        n_articles=data.n_articles,
        markdown=markdown,
        html=html,
        text=text,
        data=data,
    )
