"""The dashboard answers only its own address (issue 26): the real server, started as `tokenmaxx
dashboard` starts it, refuses a foreign Host (DNS rebinding) and a foreign or `null` Origin, over
HTTP and over the kernel websocket, and serves its own address as before."""

from __future__ import annotations

import asyncio
import http.client
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import websockets
from websockets.exceptions import InvalidStatus

from sim.dashboard import server
from sim.dashboard.model import DEFAULT_SCENARIO

KERNEL_SOCKET = "/jupyter/api/kernels/{kernel}/channels?session_id=origin-test"


@pytest.fixture(scope="module")
def port(tmp_path_factory: pytest.TempPathFactory) -> Iterator[int]:
    port = server.free_port()
    log_path = tmp_path_factory.mktemp("dashboard") / "server.log"
    with open(log_path, "w", encoding="utf-8") as log:
        process = server.start(Path(DEFAULT_SCENARIO), port, log=log)
        try:
            server.wait_until_ready(process, server.url(port))
            yield port
        finally:
            server.stop(process)


def get(port: int, headers: dict[str, str]) -> tuple[int, bytes]:
    """Status and body of GET / with exactly these Host and Origin headers."""
    connection = http.client.HTTPConnection(server.HOST, port, timeout=30)
    try:
        connection.putrequest("GET", "/", skip_host=True)
        for name, value in headers.items():
            connection.putheader(name, value)
        connection.endheaders()
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def open_socket(port: int, origin: str | None) -> int:
    """101 if a kernel websocket (a real websocket client) opens with this Origin, else the HTTP status it got."""
    async def attempt() -> int:
        uri = f"ws://{server.HOST}:{port}" + KERNEL_SOCKET.format(kernel=uuid.uuid4().hex)
        try:
            async with websockets.connect(uri, origin=origin, open_timeout=30):
                return 101
        except InvalidStatus as exc:
            return exc.response.status_code

    return asyncio.run(attempt())


def handshake(port: int, host: str) -> int:
    """The status of a websocket handshake sent with exactly this Host header (a websocket client
    adds its own Host, so the request is written here)."""
    connection = http.client.HTTPConnection(server.HOST, port, timeout=30)
    try:
        connection.putrequest("GET", KERNEL_SOCKET.format(kernel=uuid.uuid4().hex), skip_host=True)
        for name, value in {"Host": host, "Upgrade": "websocket", "Connection": "Upgrade",
                            "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ==", "Sec-WebSocket-Version": "13"}.items():
            connection.putheader(name, value)
        connection.endheaders()
        return connection.getresponse().status
    finally:
        connection.close()


def test_own_address_is_served(port: int) -> None:
    status, body = get(port, {"Host": f"127.0.0.1:{port}"})
    assert status == 200 and b"<html" in body.lower()
    assert get(port, {"Host": f"localhost:{port}", "Origin": f"http://localhost:{port}"})[0] == 200
    assert open_socket(port, f"http://127.0.0.1:{port}") == 101


@pytest.mark.parametrize("headers", [
    {"Host": "evil.example"},  # DNS rebinding: the attacker's name resolving to 127.0.0.1
    {"Host": "evil.example:{port}"},
    {"Host": "127.0.0.1:{port}", "Origin": "http://evil.example"},
    {"Host": "127.0.0.1:{port}", "Origin": "null"},
    {"Host": "127.0.0.1:{port}", "Origin": "http://127.0.0.1:1"},  # another local server's page
])
def test_http_from_a_foreign_host_or_origin_is_refused(port: int, headers: dict[str, str]) -> None:
    status, body = get(port, {k: v.format(port=port) for k, v in headers.items()})
    assert status == 403 and b"forbidden" in body


@pytest.mark.parametrize("origin", ["http://evil.example", "null", "https://127.0.0.1"])
def test_a_websocket_from_a_foreign_origin_gets_no_kernel(port: int, origin: str) -> None:
    assert open_socket(port, origin) == 403


def test_a_websocket_with_a_foreign_host_gets_no_kernel(port: int) -> None:
    assert handshake(port, f"127.0.0.1:{port}") == 101  # the same request to its own address opens
    assert handshake(port, "evil.example") == 403
