"""The digest email: a multipart/alternative message and a small synchronous SMTP sender.

``smtplib`` is enough here: one connection per send run, one message per recipient, plain SMTP,
STARTTLS or implicit TLS, optional login. A server that closes the connection after the
message's final dot, or stays silent past the timeout, may well have delivered it: that
delivery is ``unknown``, not failed, so it is not sent twice.
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


class SmtpSession:
    """One SMTP connection for a send run, opened at the first message, one message at a time,
    so the caller can claim each message before :meth:`send` and record it right after.

    :meth:`send` never raises: a server that cannot be reached, a failed login or a lost
    connection is the :class:`Delivery`'s error, for that message and every later one.
    """

    def __init__(self, settings: SmtpSettings) -> None:
        if settings.use_ssl and settings.starttls:
            raise MailError("choose either SMTP SSL (implicit TLS) or STARTTLS, not both")
        self.settings = settings
        self.where = f"{settings.host}:{settings.port}"
        self._client: _SMTP | _SMTPSSL | None = None
        self._broken: str | None = None

    def __enter__(self) -> SmtpSession:
        return self

    def __exit__(self, *exc: object) -> None:
        if self._client is not None:
            _quit(self._client)
            self._client = None

    def connect(self) -> _SMTP | _SMTPSSL:
        """The open connection (opened and logged in on first use).

        Raises:
            MailError: the server cannot be reached, or TLS or login fails.
        """
        if self._client is not None:
            return self._client
        try:
            client = _connect(self.settings)
        except (OSError, smtplib.SMTPException) as exc:
            raise MailError(f"cannot connect to SMTP server {self.where}: {exc}") from exc
        try:
            if self.settings.user:
                client.login(self.settings.user, self.settings.password or "")
        except (OSError, smtplib.SMTPException) as exc:
            _quit(client)
            raise MailError(f"SMTP login to {self.where} failed: {exc}") from exc
        self._client = client
        return client

    def send(self, message: EmailMessage) -> Delivery:
        """Send one message; the outcome says accepted, refused, failed or unknown."""
        recipient = str(message["To"])
        if self._broken is not None:
            return Delivery(recipient, None, self._broken)
        try:
            client = self.connect()
        except MailError as exc:
            self._broken = str(exc)
            return Delivery(recipient, None, self._broken)
        where = self.where
        try:
            refused = client.send_message(message)
        except (smtplib.SMTPRecipientsRefused, smtplib.SMTPDataError) as exc:
            return Delivery(recipient, None, f"refused by {where}: {exc}")
        except (OSError, smtplib.SMTPException) as exc:
            # The connection is gone: every later message fails; this one too, unless it
            # went out whole and only the reply is missing (then it may have arrived).
            self._broken = f"SMTP error talking to {where}: {exc}"
            if not client.body_sent:
                return Delivery(recipient, None, self._broken)
            if isinstance(exc, TimeoutError) or isinstance(exc.__context__, TimeoutError):
                # smtplib turns a reply timeout into "Connection unexpectedly closed"
                why = (
                    f"{where} sent no reply within {self.settings.timeout:g} s after the "
                    "message (it may have arrived)"
                )
            else:
                why = f"{where} closed the connection after the message, without a reply"
            return Delivery(recipient, str(message["Message-ID"]), why, True)
        if refused:
            return Delivery(recipient, None, f"refused by {where}: {refused}")
        return Delivery(recipient, str(message["Message-ID"]))


def send_messages(settings: SmtpSettings, messages: Sequence[EmailMessage]) -> list[Delivery]:
    """Send each message over one connection; one :class:`Delivery` per message.

    Raises:
        MailError: the server cannot be reached, TLS or login fails (nothing was sent). A
            refused recipient or a connection lost midway is reported in its Delivery.
    """
    with SmtpSession(settings) as session:
        if messages:
            session.connect()
        return [session.send(message) for message in messages]


def _quit(client: smtplib.SMTP) -> None:
    try:
        client.quit()
    except (OSError, smtplib.SMTPException) as exc:
        log.debug("SMTP QUIT failed: %s", exc)
