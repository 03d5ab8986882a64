"""Render a digest to Markdown, HTML and plain text with the Jinja2 templates.

HTML is autoescaped (a scraped title with ``<script>`` comes out as text). Markdown has no
autoescaping, so every scraped string goes through the ``md`` filter, which backslash-escapes
the characters that would otherwise make links, emphasis, tables or raw HTML.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from urllib.parse import quote

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from digests.model import DigestData

TEMPLATES_DIR = Path(__file__).parent / "templates"
MARKDOWN_TEMPLATE = "digest.md.j2"
HTML_TEMPLATE = "digest.html.j2"
TEXT_TEMPLATE = "digest.txt.j2"

_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()<>#|~!&])")
_MD_BULLET = re.compile(r"^([+\-=])(?=\s|$)")
_MD_ORDERED = re.compile(r"^(\d+)\.(?=\s|$)")
_NEWLINES = re.compile(r"\s*[\r\n]+\s*")


def md_escape(value: object) -> str:
    """Text that Markdown shows literally: specials backslash-escaped, kept on one line."""
    text = _NEWLINES.sub(" ", str(value)).strip()
    text = _MD_SPECIAL.sub(r"\\\1", text)
    text = _MD_BULLET.sub(r"\\\1", text)
    return _MD_ORDERED.sub(r"\1\\.", text)


def md_url(value: object) -> str:
    """A URL safe inside ``(...)`` of a Markdown link: spaces, brackets and quotes encoded."""
    return quote(str(value), safe=":/?#@!$&'*+,;=%-._~")


def plural(count: int, singular: str, many: str | None = None) -> str:
    """``1 story``, ``2 stories``."""
    return f"{count} {singular if count == 1 else (many or singular + 's')}"


def shorten(value: object, limit: int = 160) -> str:
    """A single line of at most ``limit`` characters."""
    text = _NEWLINES.sub(" ", str(value)).strip()
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


@lru_cache(maxsize=1)
def environment() -> Environment:
    """The template environment: autoescape for ``*.html.j2`` only, strict about typos."""
    env = Environment(
        loader=FileSystemLoader(TEMPLATES_DIR),
        autoescape=lambda name: bool(name and name.endswith(".html.j2")),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["md"] = md_escape
    env.filters["mdurl"] = md_url
    env.filters["shorten"] = shorten
    env.globals["plural"] = plural
    return env


def _render(name: str, digest: DigestData) -> str:
    return environment().get_template(name).render(d=digest)


def render_markdown(digest: DigestData) -> str:
    """The digest as a Markdown document."""
    return _render(MARKDOWN_TEMPLATE, digest)


def render_html(digest: DigestData) -> str:
    """The digest as an HTML page (also the email's HTML part)."""
    return _render(HTML_TEMPLATE, digest)


def render_text(digest: DigestData) -> str:
    """The digest as plain text (the email's text part)."""
    return _render(TEXT_TEMPLATE, digest)
