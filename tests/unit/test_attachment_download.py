"""The keeper's download (bot/services/attachments.py) against a real local HTTP server:
stopped at the limit whatever the headers say, and failures sorted for retrying."""

from __future__ import annotations

import socket

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from bot.services.attachments import Gone, TooBig, Transient, download

LIMIT = 100_000


def _app(sent: list[int]) -> web.Application:
    async def fine(_request: web.Request) -> web.Response:
        return web.Response(body=b"x" * LIMIT)

    async def says_too_big(_request: web.Request) -> web.Response:
        return web.Response(body=b"x" * (LIMIT + 1))

    async def streams_too_much(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse()  # chunked: no Content-Length to go by
        response.enable_chunked_encoding()
        await response.prepare(request)
        try:
            for _ in range(5_000):  # 50 MB
                await response.write(b"y" * 10_000)
                sent[0] += 10_000
            await response.write_eof()
        except (ConnectionError, RuntimeError):
            pass  # the reader hung up, as it should
        return response

    async def status(request: web.Request) -> web.Response:
        return web.Response(status=int(request.match_info["code"]))

    app = web.Application()
    app.router.add_get("/fine", fine)
    app.router.add_get("/too-big", says_too_big)
    app.router.add_get("/stream", streams_too_much)
    app.router.add_get("/status/{code}", status)
    return app


async def test_download_stops_at_the_limit_and_sorts_failures() -> None:
    sent = [0]
    async with TestServer(_app(sent)) as server, aiohttp.ClientSession() as session:

        def url(path: str) -> str:
            return str(server.make_url(path))

        assert await download(session, url("/fine"), LIMIT) == b"x" * LIMIT
        with pytest.raises(TooBig):
            await download(session, url("/too-big"), LIMIT)
        with pytest.raises(TooBig):
            await download(session, url("/stream"), LIMIT)
        assert sent[0] < 40_000_000  # it stopped reading: the server did not get to send it all
        for code in (403, 404, 410):
            with pytest.raises(Gone):
                await download(session, url(f"/status/{code}"), LIMIT)
        for code in (429, 500, 503):
            with pytest.raises(Transient):
                await download(session, url(f"/status/{code}"), LIMIT)
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    async with aiohttp.ClientSession() as session:
        with pytest.raises(Transient):
            await download(session, f"http://127.0.0.1:{port}/gone.png", LIMIT)
