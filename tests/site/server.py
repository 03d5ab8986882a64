"""The local NOS-like website: a real HTTP server on 127.0.0.1 with its own request log.

``NosSite`` runs a stdlib ``ThreadingHTTPServer`` in a thread (HTTP/1.1, keep-alive). Every
request is logged (monotonic time, method, path, query, headers, status) so tests assert on
what the server saw, not on what the client believes it did. A second listener on 127.0.0.2
(the "trap") serves the off-host links: anything it logs is a request that should never have
been made.

Run ``python -m tests.site.server`` to serve it until interrupted (it prints the base URL).
"""

from __future__ import annotations

import contextlib
import hashlib
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import format_datetime, parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

from scrapers.sources import FetchConfig, SourceConfig, SourcesConfig
from tests.site.content import BOILERPLATE, Catalogue, catalogue
from tests.site.routes import (
    MISBEHAVING,
    RSS,
    Reply,
    Writer,
    dynamic_reply,
    generated_feed,
    static_routes,
)

SITE_HOST = "127.0.0.1"
TRAP_HOST = "127.0.0.2"
#: FetchConfig defaults for tests against the site: fast but still paced and capped.
SITE_FETCH_DEFAULTS: dict[str, Any] = {
    "min_interval_s": 0.05,
    "timeout_s": 1.0,
    "retries": 2,
    "backoff_base_s": 0.05,
    "backoff_max_s": 0.2,
    "retry_after_max_s": 5.0,
}


@dataclass
class RequestRecord:
    """One request as the server saw it."""

    t: float  # time.monotonic() when the request head had been read
    method: str
    path: str
    query: str
    headers: dict[str, str]  # lower-case names
    server: str  # "site" or "trap"
    status: int | None = None
    bytes_sent: int = 0
    completed: bool = False  # the whole response was written
    t_end: float | None = None  # time.monotonic() when the server stopped answering

    @property
    def user_agent(self) -> str | None:
        return self.headers.get("user-agent")

    @property
    def host(self) -> str:
        """The Host header without the port (what per-host pacing is about)."""
        return self.headers.get("host", "").rsplit(":", 1)[0]

    @property
    def if_none_match(self) -> str | None:
        return self.headers.get("if-none-match")

    @property
    def if_modified_since(self) -> str | None:
        return self.headers.get("if-modified-since")

    @property
    def target(self) -> str:
        return f"{self.path}?{self.query}" if self.query else self.path


@dataclass
class _Page:
    reply: Reply
    etag: str = ""


@dataclass
class NosSite:
    """The site; ``start()`` binds a free port. See ``tests/site/README.md`` for the routes."""

    host: str = SITE_HOST
    port: int = 0
    trap_host: str = TRAP_HOST
    _log: list[RequestRecord] = field(default_factory=list)
    _hits: dict[tuple[str, str], int] = field(default_factory=dict)
    _runtime: dict[str, _Page] = field(default_factory=dict)
    _static: dict[str, _Page] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _servers: list[ThreadingHTTPServer] = field(default_factory=list)
    trap_port: int | None = None

    # -- lifecycle -------------------------------------------------------------------------

    def start(self) -> NosSite:
        server = self._serve(self.host, self.port, "site")
        self.port = server.server_address[1]
        self._static = {path: _Page(r, _etag(r.body)) for path, r in self._build_static().items()}
        for port in (self.port, 0):
            try:
                trap = self._serve(self.trap_host, port, "trap")
            except OSError:
                continue
            self.trap_port = trap.server_address[1]
            break
        return self

    def stop(self) -> None:
        for server in self._servers:
            server.shutdown()
            server.server_close()
        self._servers.clear()

    def __enter__(self) -> NosSite:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def _serve(self, host: str, port: int, name: str) -> ThreadingHTTPServer:
        handler = type("Handler", (_Handler,), {"site": self, "listener": name})
        server = ThreadingHTTPServer((host, port), handler)
        server.daemon_threads = True
        server.block_on_close = False
        thread = threading.Thread(target=server.serve_forever, name=f"nos-{name}", daemon=True)
        thread.start()
        self._servers.append(server)
        return server

    def _build_static(self) -> dict[str, Reply]:
        return static_routes(self.base_url, self.off_host_base)

    # -- addresses -------------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def hosts(self) -> tuple[str, ...]:
        """The allowed hosts of sources pointing at this site."""
        return (self.host,)

    @property
    def off_host_base(self) -> str:
        """Base URL of links that leave the allowed hosts (served by the trap, if bound)."""
        return f"http://{self.trap_host}:{self.trap_port or self.port}"

    @property
    def trap_available(self) -> bool:
        return self.trap_port is not None

    def url(self, path: str) -> str:
        return self.base_url + path

    @property
    def content(self) -> Catalogue:
        return catalogue()

    boilerplate = BOILERPLATE
    misbehaving = MISBEHAVING

    # -- runtime pages ---------------------------------------------------------------------

    def add_page(
        self,
        path: str,
        body: bytes,
        content_type: str | None = "text/html; charset=utf-8",
        headers: dict[str, str] | None = None,
        status: int = 200,
    ) -> str:
        """Serve ``body`` at ``path`` (overriding any route) until :meth:`reset`; returns the URL.

        An ETag is added (and conditional requests answered) unless ``headers`` sets one.
        """
        reply = Reply(
            status=status,
            body=body,
            content_type=content_type,
            headers=dict(headers or {}),
            conditional=status == 200,
        )
        etag = reply.headers.get("ETag") or _etag(body)
        with self._lock:
            self._runtime[path] = _Page(reply, etag)
        return self.url(path)

    def add_generated_feed(self, path: str, numbers: Iterable[int]) -> str:
        """Serve an RSS feed of the generated pages ``numbers`` at ``path`` (with an ETag, so
        polls are conditional) until :meth:`reset`; call again to change it. Returns its URL."""
        body = generated_feed(self.base_url, path, numbers).encode()
        return self.add_page(path, body, content_type=RSS)

    def remove_page(self, path: str) -> None:
        with self._lock:
            self._runtime.pop(path, None)

    # -- the log ---------------------------------------------------------------------------

    def requests(
        self, path: str | None = None, prefix: str | None = None, server: str | None = "site"
    ) -> list[RequestRecord]:
        """A snapshot of the log, optionally only one path, a path prefix, or one listener."""
        with self._lock:
            records = list(self._log)
        return [
            r
            for r in records
            if (server is None or r.server == server)
            and (path is None or r.path == path)
            and (prefix is None or r.path.startswith(prefix))
        ]

    def count(self, path: str) -> int:
        return len(self.requests(path=path))

    def reset_log(self) -> None:
        with self._lock:
            self._log.clear()

    def reset(self) -> None:
        """Forget the log, the per-URL hit counters (429-once …) and runtime pages."""
        with self._lock:
            self._log.clear()
            self._hits.clear()
            self._runtime.clear()

    # -- configurations pointing here ------------------------------------------------------

    def fetch_config(self, **overrides: Any) -> FetchConfig:
        return FetchConfig(**{**SITE_FETCH_DEFAULTS, **overrides})

    def sources_config(self, include_misbehaving: bool = False, **fetch: Any) -> SourcesConfig:
        """Sources for the site's feeds, archive and sitemap (plus the misbehaving feeds)."""
        sources = [
            self._source("nos-algemeen", "rss", "/nosnieuwsalgemeen"),
            self._source("nos-buitenland", "rss", "/nosnieuwsbuitenland"),
            self._source("nos-archief", "archive", "/nieuws/archief/{date}"),
            self._source("nos-sitemap", "sitemap", "/sitemap.xml"),
        ]
        if include_misbehaving:
            sources.append(self._source("nos-storingen", "rss", "/feeds/storingen"))
            sources.append(self._source("nos-kapot", "rss", "/feeds/kapot.xml"))
        return SourcesConfig(fetch=self.fetch_config(**fetch), sources=tuple(sources))

    def generated_sources_config(self, count: int = 500, **fetch: Any) -> SourcesConfig:
        """A feed of ``count`` generated pages and the generated day archive."""
        sources = (
            self._source("gen-feed", "rss", f"/gen/feed?count={count}"),
            self._source("gen-archief", "archive", "/gen/archief/{date}"),
        )
        return SourcesConfig(fetch=self.fetch_config(**fetch), sources=sources)

    def _source(self, name: str, kind: str, path: str) -> SourceConfig:
        return SourceConfig(name=name, kind=kind, url=self.url(path), allowed_hosts=self.hosts)

    # -- answering -------------------------------------------------------------------------

    def _record(self, record: RequestRecord) -> int:
        """Log ``record``; returns how often this path+query was requested before."""
        with self._lock:
            self._log.append(record)
            key = (record.path, record.query)
            hits = self._hits.get(key, 0)
            self._hits[key] = hits + 1
            return hits

    def _resolve(self, path: str, query: str, hits: int) -> _Page | None:
        with self._lock:
            page = self._runtime.get(path)
        if page is not None:
            return page
        page = self._static.get(path)
        if page is not None:
            return page
        reply = dynamic_reply(self.base_url, self.off_host_base, path, query, hits)
        return _Page(reply, _etag(reply.body)) if reply is not None else None


class _Handler(BaseHTTPRequestHandler, Writer):
    protocol_version = "HTTP/1.1"
    site: NosSite
    listener: str
    record: RequestRecord

    def log_message(self, format: str, *args: Any) -> None:
        pass  # the request log is the record; stderr stays quiet

    def do_GET(self) -> None:
        parts = urlsplit(self.path)
        self.record = RequestRecord(
            t=time.monotonic(),
            method="GET",
            path=parts.path,
            query=parts.query,
            headers={k.lower(): v for k, v in self.headers.items()},
            server=self.listener,
        )
        hits = self.site._record(self.record)
        if self.listener == "trap":
            return self._send(
                Reply(body=b"<html><body>Deze site had niet bezocht mogen worden.</body></html>")
            )
        page = self.site._resolve(parts.path, parts.query, hits)
        if page is None:
            return self._send(
                Reply(status=404, body=b"<html><body><h1>Pagina niet gevonden</h1></body></html>")
            )
        reply = page.reply
        if reply.writer is not None:
            self.record.completed = reply.writer(self)
            self.record.t_end = time.monotonic()
            return None
        headers = dict(reply.headers)
        if reply.conditional:
            headers.setdefault("ETag", page.etag)
            if reply.last_modified is not None:
                headers.setdefault("Last-Modified", _http_date(reply.last_modified))
            if _not_modified(self.record, headers):
                return self._send(Reply(status=304, body=b"", content_type=None, headers=headers))
        self._send(
            Reply(
                status=reply.status,
                body=reply.body,
                content_type=reply.content_type,
                headers=headers,
            )
        )
        return None

    def _send(self, reply: Reply) -> None:
        headers = dict(reply.headers)
        if reply.content_type:
            headers.setdefault("Content-Type", reply.content_type)
        if reply.status != 304:
            headers["Content-Length"] = str(len(reply.body))
        self.head(reply.status, headers)
        self.record.completed = self.write(reply.body) if reply.body else True
        self.record.t_end = time.monotonic()

    # Writer, for streaming routes
    def head(self, status: int, headers: dict[str, str]) -> None:
        self.record.status = status
        try:
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            if headers.get("Connection") == "close":
                self.close_connection = True
            self.end_headers()
        except OSError:
            self.close_connection = True

    def write(self, data: bytes) -> bool:
        try:
            self.wfile.write(data)
            self.wfile.flush()
        except OSError:
            self.close_connection = True
            return False
        self.record.bytes_sent += len(data)
        return True


def _etag(body: bytes) -> str:
    return '"' + hashlib.sha1(body).hexdigest()[:20] + '"'


def _http_date(moment: datetime) -> str:
    return format_datetime(moment.astimezone(UTC), usegmt=True)


def _not_modified(record: RequestRecord, headers: dict[str, str]) -> bool:
    """RFC 9110 section 13.2.2: If-None-Match wins; If-Modified-Since only without it."""
    if record.if_none_match is not None:
        wanted = {tag.strip().removeprefix("W/") for tag in record.if_none_match.split(",")}
        return "*" in wanted or headers.get("ETag", "").removeprefix("W/") in wanted
    since, modified = record.if_modified_since, headers.get("Last-Modified")
    if since and modified:
        try:
            return parsedate_to_datetime(modified) <= parsedate_to_datetime(since)
        except (TypeError, ValueError):
            return False
    return False


if __name__ == "__main__":  # pragma: no cover
    import sys

    with NosSite(port=int(sys.argv[1]) if len(sys.argv) > 1 else 0) as running:
        print(running.base_url, flush=True)
        with contextlib.suppress(KeyboardInterrupt):
            threading.Event().wait()
