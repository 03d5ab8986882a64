"""What one fetch produced: :class:`FetchResult` (its outcome: ``scrapers/outcomes.py``) and
body decoding.

The client never raises for a failed fetch; the outcome says what happened and ``error`` why.
Decoding: a byte-order mark, then the charset of the Content-Type header, then ``<meta charset>``
(or the XML declaration), else UTF-8; invalid bytes become U+FFFD, so one bad byte never costs a
page its accents. Only when the bytes contradict the label is it overruled: valid multi-byte
UTF-8 under a legacy label is UTF-8, and a page that fails as UTF-8 more often than it succeeds
is windows-1252 (what unlabelled or mislabelled Western pages almost always are).
"""

from __future__ import annotations

import codecs
import re
import zlib
from dataclasses import dataclass

from scrapers.outcomes import Outcome


@dataclass(frozen=True)
class FetchResult:
    """One fetch, including its redirects and retries; ``body`` is set only when ``ok``."""

    url: str
    final_url: str
    outcome: Outcome
    status_code: int | None = None
    body: bytes | None = None
    content_type: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    error: str | None = None
    elapsed_ms: float = 0.0
    n_bytes: int = 0
    attempts: int = 0
    retry_after_waits: tuple[float, ...] = ()
    redirects: tuple[str, ...] = ()  # every redirect target, in order (the refused one too)
    moved_to: str | None = None  # where permanent redirects (301/308) only led, before others
    requested: bool = True  # False when nothing was sent (a refusal, a host already down)

    @property
    def ok(self) -> bool:
        return self.outcome is Outcome.OK

    @property
    def blocked(self) -> bool:
        """The site refuses us (403, or 429s that did not stop): mark the source blocked."""
        return self.outcome is Outcome.BLOCKED

    def text(self) -> str:
        """The body decoded (see the module docstring); empty when there is no body."""
        if self.body is None:
            return ""
        return decode_body(self.body, self.content_type)[0]

    def unzipped(self, max_bytes: int) -> bytes:
        """The body, gunzipped if it is gzip data (``.xml.gz`` sitemaps), at most ``max_bytes``.

        Raises ``ValueError`` for corrupt gzip data or when inflating exceeds ``max_bytes``.
        """
        return gunzip_capped(self.body or b"", max_bytes)


def gunzip_capped(data: bytes, max_bytes: int) -> bytes:
    """Inflate gzip ``data`` without ever holding more than ``max_bytes`` (a bomb stops early)."""
    if not data.startswith(b"\x1f\x8b"):
        return data
    inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
    try:
        out = inflater.decompress(data, max_bytes + 1)
    except zlib.error as exc:
        raise ValueError(f"corrupt gzip data: {exc}") from exc
    if len(out) > max_bytes:
        raise ValueError(f"gzip data inflates to more than {max_bytes} bytes")
    return out


_META_CHARSET = re.compile(
    rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.IGNORECASE
)
_XML_ENCODING = re.compile(rb"""^\s*<\?xml[^>]+encoding\s*=\s*["']([A-Za-z0-9_.:-]+)""")
_HEADER_CHARSET = re.compile(r"""charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.IGNORECASE)
# As in the WHATWG Encoding Standard: these labels mean windows-1252 on the web.
_LEGACY_ALIASES = {"iso-8859-1", "iso8859-1", "latin-1", "latin1", "us-ascii", "ascii"}
_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


def bom_encoding(body: bytes) -> str | None:
    """The encoding a byte-order mark at the start of ``body`` names, or None without one.

    A BOM outranks every declaration (WHATWG's encoding sniffing): a header or ``<?xml
    encoding=…?>`` that says otherwise is wrong.
    """
    return next((encoding for bom, encoding in _BOMS if body.startswith(bom)), None)


def decode_body(body: bytes, content_type: str | None) -> tuple[str, str]:
    """``(text, encoding used)`` for a response body (see the module docstring)."""
    for bom, encoding in _BOMS:
        if body.startswith(bom):
            return body.decode(encoding, errors="replace"), encoding
    declared = header_charset(content_type) or sniff_charset(body[:4096])
    if declared and declared != "utf-8":
        if body.isascii() or not _is_utf8(body):
            return body.decode(declared, errors="replace"), declared
        return body.decode("utf-8"), "utf-8"
    text = body.decode("utf-8", errors="replace")
    if _mostly_utf8(body, text):
        return text, "utf-8"
    return body.decode("windows-1252", errors="replace"), "windows-1252"


def _is_utf8(body: bytes) -> bool:
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _mostly_utf8(body: bytes, text: str) -> bool:
    """True unless the bytes failed as UTF-8 more often than they formed a non-ASCII character.

    A UTF-8 page with a stray byte keeps hundreds of good characters; windows-1252 text read as
    UTF-8 fails at nearly every accent and almost never forms a valid multi-byte sequence.
    (charset-normalizer calls the real re-encoded NOS page cp1250, in 40-270 ms.)
    """
    bad = text.count("\ufffd") - body.count(b"\xef\xbf\xbd")  # real U+FFFD characters are good
    if not bad:
        return True
    good = len(text) - len(text.encode("ascii", errors="ignore")) - bad
    return good >= bad


def header_charset(content_type: str | None) -> str | None:
    """The usable charset named in a Content-Type header, if any."""
    if not content_type:
        return None
    found = _HEADER_CHARSET.search(content_type)
    return _usable(found.group(1)) if found else None


def sniff_charset(head: bytes) -> str | None:
    """The charset declared inside the document (``<meta>`` or the XML declaration)."""
    found = _XML_ENCODING.search(head) or _META_CHARSET.search(head)
    return _usable(found.group(1).decode("ascii", errors="ignore")) if found else None


def _usable(label: str) -> str | None:
    label = label.strip().lower()
    if label in _LEGACY_ALIASES:
        return "windows-1252"
    try:
        name = codecs.lookup(label).name
    except LookupError:
        return None
    return "utf-8" if name in ("utf-8", "utf_8") else name
