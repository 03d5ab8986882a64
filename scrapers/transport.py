"""The HTTP transport of :class:`scrapers.http.PoliteClient`: httpx over plain asyncio sockets.

httpx runs its connections through httpcore's default network backend, which on asyncio goes
through anyio: every read opens an anyio cancel scope, and before each request the pool asks
every idle connection whether its socket is readable, which anyio answers by rebuilding a
socket-attribute table per call. At hundreds of pages a second that bookkeeping costs more CPU
than the HTTP itself. :class:`AsyncioBackend` gives httpcore the same streams on asyncio's own
``StreamReader``/``StreamWriter`` (timeouts by ``asyncio.timeout``, TLS by
``StreamWriter.start_tls``), and :func:`make_transport` builds an httpx transport that uses it.
Everything above the sockets (HTTP/1.1 and HTTP/2, pooling, keep-alive, proxies from the
environment, TLS verification) stays httpx's and httpcore's.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import select
import socket
import ssl
from collections.abc import Iterable
from typing import Any

import httpcore
import httpx

# A connection that cannot be closed cleanly (a TLS peer that never answers the close) is
# dropped after this long rather than holding the pool's shutdown.
CLOSE_TIMEOUT_S = 1.0
HAPPY_EYEBALLS_DELAY_S = 0.25  # RFC 8305's recommended head start of one address family

SocketOption = (
    tuple[int, int, int] | tuple[int, int, bytes | bytearray] | tuple[int, int, None, int]
)


class AsyncioStream(httpcore.AsyncNetworkStream):
    """One connection as httpcore sees it, on an asyncio reader/writer pair."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._reader = reader
        self._writer = writer
        self._poller: select.poll | None = None  # watches the socket for a close while idle

    async def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        try:
            async with asyncio.timeout(timeout):
                return await self._reader.read(max_bytes)
        except TimeoutError as exc:
            raise httpcore.ReadTimeout(f"no data within {timeout} s") from exc
        except OSError as exc:
            raise httpcore.ReadError(f"{type(exc).__name__}: {exc}") from exc

    async def write(self, buffer: bytes, timeout: float | None = None) -> None:
        if not buffer:
            return
        try:
            async with asyncio.timeout(timeout):
                self._writer.write(buffer)
                await self._writer.drain()
        except TimeoutError as exc:
            raise httpcore.WriteTimeout(f"could not send within {timeout} s") from exc
        except OSError as exc:
            raise httpcore.WriteError(f"{type(exc).__name__}: {exc}") from exc

    async def aclose(self) -> None:
        self._writer.close()
        with contextlib.suppress(OSError, TimeoutError, ssl.SSLError):
            async with asyncio.timeout(CLOSE_TIMEOUT_S):
                await self._writer.wait_closed()

    async def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.AsyncNetworkStream:
        try:
            await self._writer.start_tls(
                ssl_context, server_hostname=server_hostname, ssl_handshake_timeout=timeout
            )
        except TimeoutError as exc:
            await self.aclose()
            raise httpcore.ConnectTimeout(f"no TLS handshake within {timeout} s") from exc
        except (OSError, ssl.SSLError) as exc:  # ssl.SSLError is an OSError; named for clarity
            await self.aclose()
            raise httpcore.ConnectError(f"{type(exc).__name__}: {exc}") from exc
        return self

    def get_extra_info(self, info: str) -> Any:
        if info == "ssl_object":
            return self._writer.get_extra_info("ssl_object")
        if info == "client_addr":
            return self._writer.get_extra_info("sockname")
        if info == "server_addr":
            return self._writer.get_extra_info("peername")
        if info == "socket":
            return self._writer.get_extra_info("socket")
        if info == "is_readable":
            return self._is_readable()
        return None

    def _is_readable(self) -> bool:
        """True when the peer closed or sent data: an idle keep-alive connection is then dead.

        asyncio reads eagerly, so a close may already sit in the reader (``at_eof``) or still
        in the socket (poll); a closed transport has no socket left and counts as readable.
        """
        if self._reader.at_eof() or self._writer.transport.is_closing():
            return True
        if self._poller is None:
            sock = self._writer.get_extra_info("socket")
            fd = sock.fileno() if sock is not None else -1
            if fd < 0:
                return True
            self._poller = select.poll()
            self._poller.register(fd, select.POLLIN)
        return bool(self._poller.poll(0))


class AsyncioBackend(httpcore.AsyncNetworkBackend):
    """Opens :class:`AsyncioStream` connections for httpcore's pool."""

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[SocketOption] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        try:
            async with asyncio.timeout(timeout):
                reader, writer = await asyncio.open_connection(
                    host,
                    port,
                    local_addr=(local_address, 0) if local_address else None,
                    happy_eyeballs_delay=HAPPY_EYEBALLS_DELAY_S,
                )
        except TimeoutError as exc:
            raise httpcore.ConnectTimeout(
                f"no connection to {host}:{port} within {timeout} s"
            ) from exc
        except OSError as exc:
            raise httpcore.ConnectError(f"{type(exc).__name__}: {exc}") from exc
        _apply_options(writer, socket_options)
        return AsyncioStream(reader, writer)

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: Iterable[SocketOption] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        try:
            async with asyncio.timeout(timeout):
                reader, writer = await asyncio.open_unix_connection(path)
        except TimeoutError as exc:
            raise httpcore.ConnectTimeout(f"no connection to {path} within {timeout} s") from exc
        except OSError as exc:
            raise httpcore.ConnectError(f"{type(exc).__name__}: {exc}") from exc
        _apply_options(writer, socket_options)
        return AsyncioStream(reader, writer)

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)


def _apply_options(writer: asyncio.StreamWriter, options: Iterable[SocketOption] | None) -> None:
    sock: socket.socket | None = writer.get_extra_info("socket")
    for option in options or ():
        if sock is not None:
            sock.setsockopt(*option)


@functools.cache
def ssl_context(verify: bool = True) -> ssl.SSLContext:
    """httpx's TLS context, built once per process: loading the CA bundle costs about 50 ms
    of CPU, and every Prefect chunk task builds a client. A context is safe to share."""
    return httpx.create_ssl_context(verify=verify)


def make_transport(
    *, max_connections: int, http2: bool = False, verify: ssl.SSLContext | bool = True
) -> httpx.AsyncHTTPTransport:
    """httpx's own transport (TLS context, limits, HTTP/2) on :class:`AsyncioBackend`."""
    limits = httpx.Limits(
        max_connections=max_connections, max_keepalive_connections=max_connections
    )
    context = verify if isinstance(verify, ssl.SSLContext) else ssl_context(verify)
    transport = httpx.AsyncHTTPTransport(verify=context, http2=http2, limits=limits)
    # httpx builds its connection pool without a way to pass a network backend: replace the
    # pool with the same settings on ours (tests/test_transport.py checks it is in use).
    transport._pool = httpcore.AsyncConnectionPool(
        ssl_context=context,
        max_connections=limits.max_connections,
        max_keepalive_connections=limits.max_keepalive_connections,
        keepalive_expiry=limits.keepalive_expiry,
        http1=True,
        http2=http2,
        network_backend=AsyncioBackend(),
    )
    return transport
