"""The one masking function for secrets in configured URLs (webhooks, sources, database, SMTP).

A URL's userinfo (``user:password@``) and query values (``?token=…``) are where secrets live;
they are replaced by ``***`` wherever newsmon shows or keeps text it did not write itself:
logs, tables, ``--json``, stored errors, Prefect artifacts. It sits in ``storage/`` and
imports only the standard library, so the storage layer (stored errors) and every layer above
can use the same function.
"""

from __future__ import annotations

import contextlib
import logging
import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit, urlunsplit

MASK = "***"
#: A URL inside free text: a scheme, ``://`` and everything up to white space or a quote.
_URL_IN_TEXT = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://[^\s'\"<>`]+")
_QUERY_VALUE = re.compile(r"=([^&;#]*)")


def mask_url(url: str) -> str:
    """``url`` with its password (or a lone user name, often a token) and every query value
    replaced by ``***``; anything that does not parse as a URL keeps only what follows ``@``."""
    try:
        parts = urlsplit(url)
        if "@" not in parts.netloc and not parts.query:
            return url
        netloc = parts.netloc
        if "@" in netloc:
            userinfo, _, hostport = netloc.rpartition("@")
            user, has_password, _ = userinfo.partition(":")
            netloc = f"{user}:{MASK}@{hostport}" if has_password and user else f"{MASK}@{hostport}"
        query = _QUERY_VALUE.sub(lambda m: f"={MASK}" if m.group(1) else "=", parts.query)
        return urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))
    except ValueError:
        masked = f"{MASK}@{url.rsplit('@', 1)[-1]}" if "@" in url else url
        return masked.split("?", 1)[0] + f"?{MASK}" if "?" in masked else masked


def mask_secrets(text: str) -> str:
    """Every URL inside ``text`` masked (an error message that quotes the URL it failed on)."""
    if "://" not in text:
        return text
    return _URL_IN_TEXT.sub(lambda m: _mask_with_trailing(m.group()), text)


def _mask_with_trailing(url: str) -> str:
    """Sentence punctuation after a URL in prose is not part of it."""
    stripped = url.rstrip(".,;:)]}")
    return mask_url(stripped) + url[len(stripped) :]


def mask_data(value: Any) -> Any:
    """``mask_secrets`` over every string in a JSON-like value (stored per-source errors)."""
    if isinstance(value, str):
        return mask_secrets(value)
    if isinstance(value, Mapping):
        return {key: mask_data(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [mask_data(item) for item in value]
    return value


class MaskingFilter(logging.Filter):
    """A log handler filter: the formatted message with every URL masked (so a module that
    logs a webhook URL or an httpx error cannot leak its token to the log)."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        masked = mask_secrets(message)
        if masked != message:
            record.msg, record.args = masked, None
        return True


def mask_process_logs() -> None:
    """Mask every log record this process creates, whichever handler gets it: Prefect ships
    records to its API and console through handlers of its own, which a handler filter of
    ours never sees. Idempotent."""
    current = logging.getLogRecordFactory()
    if getattr(current, "newsmon_masking", False):
        return
    masking = MaskingFilter()

    def masked_record(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = current(*args, **kwargs)
        # A malformed call (args that do not fit) is left alone: logging reports it on emit.
        with contextlib.suppress(TypeError, ValueError):
            masking.filter(record)
        return record

    masked_record.newsmon_masking = True  # type: ignore[attr-defined]
    logging.setLogRecordFactory(masked_record)
