"""The digest email: a multipart/alternative message and a small synchronous SMTP sender.

``smtplib`` is enough here: one connection per send run, one message per recipient, plain SMTP,
STARTTLS or implicit TLS, optional login. Failures raise :class:`MailError` with the reason.
A server that closes the connection after the message's final dot without a reply may well
have delivered it: that delivery is ``unknown``, not failed, so it is not sent twice.
"""

from __future__ import annotations

import logging
import smtplib
import ssl
from collections.abc import Sequence
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from typing import Any

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
    """The outcome for one recipient: ``error`` is None when the server accepted it; with
    ``unknown`` the message went out whole but the server closed without saying so."""

    recipient: str
    message_id: str | None
    error: str | None = None
    unknown: bool = False


class _BodyTracking:
    """Notes whether the current message's body (with its final dot) has gone out: ``data``
    sends the body with ``send`` outside any ``putcmd``."""

    body_sent = False
    _in_command = False

    def putcmd(self, cmd: str, args: str = "") -> None:
        self._in_command = True
        self.body_sent = False
        try:
            super().putcmd(cmd, args)  # type: ignore[misc]
        finally:
            self._in_command = False

    def send(self, s: Any) -> None:  # bytes or str, as smtplib sends them
        super().send(s)  # type: ignore[misc]
        if not self._in_command:
            self.body_sent = True


class _SMTP(_BodyTracking, smtplib.SMTP):
    pass


class _SMTPSSL(_BodyTracking, smtplib.SMTP_SSL):
    pass


def _connect(settings: SmtpSettings) -> _SMTP | _SMTPSSL:
    if settings.use_ssl:
        return _SMTPSSL(
            settings.host,
            settings.port,
            timeout=settings.timeout,
            context=ssl.create_default_context(),
        )
    client = _SMTP(settings.host, settings.port, timeout=settings.timeout)
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
            # The connection is gone: every later message failed; this one too, unless it
            # went out whole and only the reply is missing (then it may have arrived).
            broken = f"SMTP error talking to {where}: {exc}"
            if client.body_sent:
                unknown = f"{where} closed the connection after the message, without a reply"
                deliveries.append(Delivery(recipient, str(message["Message-ID"]), unknown, True))
            else:
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
