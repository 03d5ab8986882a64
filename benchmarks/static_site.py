"""A fast loopback server for throughput benchmarks: the test site's pages, replayed.

``tests/site`` (a stdlib ``ThreadingHTTPServer`` that renders every generated page on request)
needs about as much CPU per page as the pipeline it serves, so on a 2-core machine it would
measure the test server as much as the ingest core. This process asks that site once for every
path the benchmark will fetch (same bytes, same headers), then replays the answers from memory
over HTTP/1.1 keep-alive with asyncio, at a small fraction of the CPU, like a real web server
whose CPU is not ours. Unknown paths get a 404. Run it in a separate process (:func:`serve`).
"""

from __future__ import annotations

import asyncio
import multiprocessing
import socket

import httpx

KEPT_HEADERS = ("content-type", "etag", "last-modified", "cache-control")
NOT_FOUND = b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n"


def _response(status: int, reason: str, headers: httpx.Headers, body: bytes) -> bytes:
    lines = [f"HTTP/1.1 {status} {reason}"]
    lines += [f"{name}: {headers[name]}" for name in KEPT_HEADERS if name in headers]
    lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


def record(paths: list[str], base: str) -> dict[str, bytes]:
    """The test site's full answers to ``paths`` (its base URL in bodies replaced by ``base``)."""
    from tests.site.server import NosSite

    answers: dict[str, bytes] = {}
    with NosSite() as site, httpx.Client() as client:
        old = site.base_url.encode()
        for path in paths:
            resp = client.get(site.base_url + path)
            body = resp.content.replace(old, base.encode())
            answers[path] = _response(resp.status_code, resp.reason_phrase, resp.headers, body)
    return answers


async def _handle(
    answers: dict[str, bytes], reader: asyncio.StreamReader, writer: asyncio.StreamWriter
) -> None:
    try:
        while line := await reader.readline():
            parts = line.split()
            while await reader.readline() not in (b"\r\n", b"\n", b""):
                pass  # headers: every answer is the same whatever was asked
            path = parts[1].decode("latin-1") if len(parts) > 1 else ""
            writer.write(answers.get(path, NOT_FOUND))
            await writer.drain()
    except ConnectionError:
        pass
    finally:
        writer.close()


def serve(paths: list[str], ready: multiprocessing.Queue) -> None:
    """Record ``paths`` from the test site, put the base URL on ``ready``, serve until killed."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(128)
    base = f"http://127.0.0.1:{sock.getsockname()[1]}"
    answers = record(paths, base)

    async def main() -> None:
        server = await asyncio.start_server(lambda r, w: _handle(answers, r, w), sock=sock)
        ready.put(base)
        async with server:
            await server.serve_forever()

    asyncio.run(main())
