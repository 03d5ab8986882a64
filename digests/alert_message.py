"""The email of an alert: built from the stored alert payload with the digest's templates.

The HTML part is autoescaped like the digest's, so a scraped ``<script>`` title stays text.
"""

from __future__ import annotations

from collections.abc import Mapping
from email.message import EmailMessage
from typing import Any

from digests.mailer import build_message
from digests.render import environment, shorten

TEXT_TEMPLATE = "alert.txt.j2"
HTML_TEMPLATE = "alert.html.j2"


def alert_subject(payload: Mapping[str, Any]) -> str:
    """``newsmon alert <name>: <story title>`` on one line."""
    return shorten(f"newsmon alert {payload.get('alert', '')}: {payload.get('title', '')}", 200)


def alert_email(payload: Mapping[str, Any], *, sender: str, recipient: str) -> EmailMessage:
    """A multipart/alternative message telling ``recipient`` what the alert found."""
    env = environment()
    return build_message(
        subject=alert_subject(payload),
        sender=sender,
        recipient=recipient,
        text=env.get_template(TEXT_TEMPLATE).render(p=payload),
        html=env.get_template(HTML_TEMPLATE).render(p=payload),
    )
