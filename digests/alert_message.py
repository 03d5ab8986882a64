"""The email of an alert: built from the stored alert payload with the digest's templates.

The HTML part is autoescaped like the digest's, so a scraped ``<script>`` title stays text.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from email.message import EmailMessage
from typing import Any
from zoneinfo import ZoneInfo

from digests.mailer import build_message
from digests.render import environment, shorten

TEXT_TEMPLATE = "alert.txt.j2"
HTML_TEMPLATE = "alert.html.j2"


def alert_subject(payload: Mapping[str, Any]) -> str:
    """``newsmon alert <name>: <story title>`` on one line."""
    return shorten(f"newsmon alert {payload.get('alert', '')}: {payload.get('title', '')}", 200)


def alert_email(
    payload: Mapping[str, Any], *, sender: str, recipient: str, zone: ZoneInfo | None = None
) -> EmailMessage:
    """A multipart/alternative message telling ``recipient`` what the alert found, its times
    in ``zone`` (the digest's), as every other place a reader sees them."""
    env = environment()
    payload = local_times(payload, zone) if zone is not None else payload
    return build_message(
        subject=alert_subject(payload),
        sender=sender,
        recipient=recipient,
        text=env.get_template(TEXT_TEMPLATE).render(p=payload),
        html=env.get_template(HTML_TEMPLATE).render(p=payload),
    )


def local_times(payload: Mapping[str, Any], zone: ZoneInfo) -> dict[str, Any]:
    """A copy of ``payload`` whose articles' ``published_at`` (stored as UTC ISO, what the
    webhook body carries) read ``YYYY-MM-DD HH:MM +HH:MM`` in ``zone``."""
    articles = []
    for article in payload.get("articles", []):
        when = article.get("published_at")
        if when:
            local = datetime.fromisoformat(when).astimezone(zone)
            offset = local.isoformat()[-6:]  # +01:00
            article = {**article, "published_at": f"{local:%Y-%m-%d %H:%M} {offset}"}
        articles.append(article)
    return {**payload, "articles": articles}
