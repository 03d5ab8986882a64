"""The digest email: a multipart/alternative message and a small synchronous SMTP sender.

``smtplib`` is enough here: one connection per send run, one message per recipient, plain SMTP,
STARTTLS or implicit TLS, optional login. Failures raise :class:`MailError` with the reason.
"""

from __future__ import annotations

import logging
import smtplib
import ssl
from collections.abc import Sequence
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

log = logging.getLogger(__name__)


class MailError(Exception):
    """Sending failed: the server could not be reached, refused us, or refused a recipient."""


@dataclass(frozen=True, slots=True)
class SmtpSettings:
    """Where and how to send mail."""

    host: str
    port: int = 25
    user: str | None = None
    password: str | None = None
    starttls: bool = False
    use_ssl: bool = False
    sender: str = "newsmon@localhost"
    timeout: float = 30.0


def build_message(
    *, subject: str, sender: str, recipient: str, text: str, html: str
) -> EmailMessage:
    """A multipart/alternative message: the plain-text part first, the HTML part preferred."""
    message = EmailMessage()
    message["Subject"] = subject
    message["From"] = sender
    message["To"] = recipient
    message["Date"] = formatdate(localtime=False, usegmt=True)
    domain = sender.rpartition("@")[2] or "localhost"
    message["Message-ID"] = make_msgid(domain=domain)
    message.set_content(text, subtype="plain", charset="utf-8")
    message.add_alternative(html, subtype="html", charset="utf-8")
    return message


@dataclass(slots=True)
class Delivery:
    """The outcome for one recipient: ``error`` is None when the server accepted it."""

    recipient: str
    message_id: str | None
    error: str | None = None


def _connect(settings: SmtpSettings) -> smtplib.SMTP:
    if settings.use_ssl:
        return smtplib.SMTP_SSL(
            settings.host,
            settings.port,
            timeout=settings.timeout,
            context=ssl.create_default_context(),
        )
    client = smtplib.SMTP(settings.host, settings.port, timeout=settings.timeout)
    if settings.starttls:
        client.starttls(context=ssl.create_default_context())
    return client


def send_messages(settings: SmtpSettings, messages: Sequence[EmailMessage]) -> list[Delivery]:
    """Send each message over one connection; one :class:`Delivery` per message.

    Raises:
        MailError: the server cannot be reached, TLS or login fails (nothing was sent). A
            refused recipient or a connection lost midway is reported in its Delivery.
    """
    if settings.use_ssl and settings.starttls:
        raise MailError("choose either SMTP SSL (implicit TLS) or STARTTLS, not both")
    where = f"{settings.host}:{settings.port}"
    try:
        client = _connect(settings)
    except (OSError, smtplib.SMTPException) as exc:
        raise MailError(f"cannot connect to SMTP server {where}: {exc}") from exc
    deliveries: list[Delivery] = []
    try:
        if settings.user:
            client.login(settings.user, settings.password or "")
    except (OSError, smtplib.SMTPException) as exc:
        _quit(client)
        raise MailError(f"SMTP login to {where} failed: {exc}") from exc
    broken: str | None = None
    for message in messages:
        recipient = str(message["To"])
        if broken is not None:
            deliveries.append(Delivery(recipient, None, broken))
            continue
        try:
            refused = client.send_message(message)
        except (smtplib.SMTPRecipientsRefused, smtplib.SMTPDataError) as exc:
            deliveries.append(Delivery(recipient, None, f"refused by {where}: {exc}"))
            continue
        except (OSError, smtplib.SMTPException) as exc:
            # The connection is gone: this and every later message failed.
            broken = f"SMTP error talking to {where}: {exc}"
            deliveries.append(Delivery(recipient, None, broken))
            continue
        if refused:
            deliveries.append(Delivery(recipient, None, f"refused by {where}: {refused}"))
        else:
            deliveries.append(Delivery(recipient, str(message["Message-ID"])))
    _quit(client)
    return deliveries


def _quit(client: smtplib.SMTP) -> None:
    try:
        client.quit()
    except (OSError, smtplib.SMTPException) as exc:
        log.debug("SMTP QUIT failed: %s", exc)
