"""The asyncio network backend under PoliteClient's httpx client, against real loopback servers:
plain HTTP with keep-alive, a peer that closes an idle connection, HTTPS with a local CA,
timeouts and refused connections surfacing as httpx's own errors."""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import Awaitable, Callable

import httpcore
import httpx
import pytest
import trustme

from scrapers.transport import AsyncioBackend, make_transport

Handler = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]


async def _read_request(reader: asyncio.StreamReader) -> bytes:
    return await reader.readuntil(b"\r\n\r\n")


def _response(body: bytes, *, close: bool = False) -> bytes:
    head = f"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: {len(body)}\r\n"
    if close:
        head += "Connection: close\r\n"
    return head.encode() + b"\r\n" + body


async def _serve(handler: Handler, ssl_context: ssl.SSLContext | None = None) -> asyncio.Server:
    return await asyncio.start_server(handler, "127.0.0.1", 0, ssl=ssl_context)


def _port(server: asyncio.Server) -> int:
    return int(server.sockets[0].getsockname()[1])


def test_the_transport_runs_on_the_asyncio_backend() -> None:
    transport = make_transport(max_connections=3)
    pool = transport._pool
    assert isinstance(pool, httpcore.AsyncConnectionPool)
    assert isinstance(pool._network_backend, AsyncioBackend)
    assert pool._max_connections == 3


def test_keep_alive_reuses_one_connection_and_survives_a_peer_close() -> None:
    connections: list[int] = []

    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        connections.append(len(connections) + 1)
        served = 0
        try:
            while True:
                await _read_request(reader)
                served += 1
                writer.write(_response(f"conn {len(connections)} req {served}".encode()))
                await writer.drain()
                if served == 2:  # then close while the client holds the connection idle
                    break
        except asyncio.IncompleteReadError:
            pass
        writer.close()

    async def main() -> list[str]:
        server = await _serve(handler)
        url = f"http://127.0.0.1:{_port(server)}/"
        async with httpx.AsyncClient(transport=make_transport(max_connections=1)) as client:
            bodies = [(await client.get(url)).text for _ in range(2)]
            await asyncio.sleep(0.1)  # the server's close reaches the idle connection
            bodies.append((await client.get(url)).text)
        server.close()
        return bodies

    bodies = asyncio.run(main())
    assert bodies == ["conn 1 req 1", "conn 1 req 2", "conn 2 req 1"]
    assert connections == [1, 2]


def test_https_with_a_local_certificate_authority() -> None:
    authority = trustme.CA()
    server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    authority.issue_cert("127.0.0.1").configure_cert(server_context)
    client_context = ssl.create_default_context()
    authority.configure_trust(client_context)

    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        request = await _read_request(reader)
        writer.write(_response(b"secure " + request.split(b" ")[1], close=True))
        await writer.drain()
        writer.close()

    async def main() -> tuple[str, str | None]:
        server = await _serve(handler, server_context)
        url = f"https://127.0.0.1:{_port(server)}/nieuws"
        transport = make_transport(max_connections=2, verify=client_context)
        async with httpx.AsyncClient(transport=transport) as client:
            response = await client.get(url)
        untrusted_error = None
        async with httpx.AsyncClient(transport=make_transport(max_connections=2)) as client:
            try:
                await client.get(url)
            except httpx.ConnectError as exc:
                untrusted_error = str(exc)
        server.close()
        return response.text, untrusted_error

    text, untrusted_error = asyncio.run(main())
    assert text == "secure /nieuws"
    assert untrusted_error is not None and "CERTIFICATE_VERIFY_FAILED" in untrusted_error


def test_a_silent_server_times_out_and_a_closed_port_is_a_connect_error() -> None:
    async def silent(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await _read_request(reader)
        await asyncio.sleep(5)
        writer.close()

    async def main() -> tuple[type[Exception], type[Exception]]:
        server = await _serve(silent)
        closed = await _serve(silent)
        closed_port = _port(closed)
        closed.close()
        await closed.wait_closed()
        timeout = httpx.Timeout(0.3)
        kinds: list[type[Exception]] = []
        async with httpx.AsyncClient(
            transport=make_transport(max_connections=2), timeout=timeout
        ) as client:
            for url in (f"http://127.0.0.1:{_port(server)}/", f"http://127.0.0.1:{closed_port}/"):
                with pytest.raises(httpx.TransportError) as caught:
                    await client.get(url)
                kinds.append(type(caught.value))
        server.close()
        return kinds[0], kinds[1]

    read_kind, connect_kind = asyncio.run(main())
    assert read_kind is httpx.ReadTimeout
    assert connect_kind is httpx.ConnectError
