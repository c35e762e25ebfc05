"""Start, wait for and stop the dashboard's Solara server (a subprocess on the loopback interface).

Used by ``tokenmaxx dashboard`` and by the browser test, so both start it the same way.

The server answers only requests addressed to it: :class:`OriginGuard` refuses an HTTP request or
websocket whose Host is not the served address (DNS rebinding) or whose Origin is another site
(a web page the user visits must not drive the dashboard, read its results or burn its CPU).
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import IO, Any

from sim.dashboard.model import SCENARIO_ENV

APP_MODULE = "sim.dashboard.app"
HOST = "127.0.0.1"
READY_TIMEOUT_S = 90.0


class DashboardError(RuntimeError):
    """The dashboard server could not be started."""


def free_port(host: str = HOST) -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def port_is_free(port: int, host: str = HOST) -> bool:
    """Whether a server could listen on `port` now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        try:
            sock.bind((host, port))
        except OSError:
            return False
    return True


def solara_arguments(port: int, host: str = HOST) -> list[str]:
    """The `solara run` arguments for the app."""
    return ["run", APP_MODULE, "--host", host, "--port", str(port), "--production", "--no-open",
            "--log-level", "warning"]


def command(port: int, host: str = HOST) -> list[str]:
    """The server's command line: `solara run` of the app behind :class:`OriginGuard` (see :func:`run_guarded`)."""
    return [sys.executable, "-m", "sim.dashboard", *solara_arguments(port, host)[2:]]


class OriginGuard:
    """ASGI middleware: pass a request on only when its Host is the served address and its Origin,
    if any, is that address too; refuse others (HTTP 403; a websocket closed before it opens, which
    the client sees as 403). Requests without an Origin (same-origin page loads, local tools) pass."""

    def __init__(self, app: Any, host: str, port: int) -> None:
        self.app = app
        names = {host, "localhost", "127.0.0.1"} if host in ("127.0.0.1", "localhost") else {host}
        self.hosts = {f"{name}:{port}".lower() for name in names}
        self.origins = {f"http://{address}" for address in self.hosts}

    def allowed(self, headers: dict[str, str]) -> bool:
        """Whether a request with these (lower-case) headers is addressed to this server."""
        origin = headers.get("origin")
        return headers.get("host", "").lower() in self.hosts and (origin is None or origin.lower() in self.origins)

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] not in ("http", "websocket"):
            return await self.app(scope, receive, send)
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}
        if self.allowed(headers):
            return await self.app(scope, receive, send)
        if scope["type"] == "websocket":
            await send({"type": "websocket.close", "code": 1008})
            return None
        body = b"forbidden: this dashboard answers only its own address (Host and Origin)\n"
        await send({"type": "http.response.start", "status": 403,
                    "headers": [(b"content-type", b"text/plain"), (b"content-length", str(len(body)).encode())]})
        await send({"type": "http.response.body", "body": body})
        return None


def run_guarded(argv: list[str]) -> None:
    """`solara run` with these arguments (see :func:`solara_arguments`), its app wrapped in
    :class:`OriginGuard`. Runs in the server process (`python -m sim.dashboard`)."""
    import argparse

    parser = argparse.ArgumentParser(add_help=False)
    parser.add_argument("--host", default=HOST)
    parser.add_argument("--port", type=int, required=True)
    known, _ = parser.parse_known_args(argv)
    os.environ["SOLARA_APP"] = APP_MODULE  # read when Solara's server module is imported (as `solara run` sets it)
    import solara.server.starlette as solara_server
    from solara.__main__ import cli

    solara_server.app = OriginGuard(solara_server.app, known.host, known.port)  # uvicorn imports it by this name
    cli(["run", APP_MODULE, *argv])


QUIET_WARNINGS = "ignore:Cookies with samesite=none:UserWarning:solara.server.starlette"
"""Solara warns on every page load from 127.0.0.1 (not 'localhost') that it sets its session cookie
with SameSite=Lax: right for a local server, and 15 lines of noise in the terminal."""


def environment(scenario: Path) -> dict[str, str]:
    """The server's environment: the scenario file, no telemetry calls home, no cookie warning."""
    warnings = ",".join(filter(None, [os.environ.get("PYTHONWARNINGS"), QUIET_WARNINGS]))
    return {
        **os.environ,
        SCENARIO_ENV: str(Path(scenario).resolve()),
        "SOLARA_TELEMETRY_MIXPANEL_ENABLE": "False",
        "PYTHONWARNINGS": warnings,
    }


def start(scenario: Path, port: int, host: str = HOST, log: IO[str] | None = None) -> subprocess.Popen:
    """Start the server; it keeps running until :func:`stop`."""
    return subprocess.Popen(
        command(port, host), env=environment(scenario), stdout=log, stderr=subprocess.STDOUT if log else None,
        text=True,
    )


def url(port: int, host: str = HOST) -> str:
    return f"http://{host}:{port}/"


def wait_until_ready(process: subprocess.Popen, address: str, timeout_s: float = READY_TIMEOUT_S) -> None:
    """Block until the server answers HTTP at `address`; fail if it exits or takes too long."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise DashboardError(f"the dashboard server exited with code {process.returncode} before answering")
        try:
            with urllib.request.urlopen(address, timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.25)
    raise DashboardError(f"the dashboard server did not answer at {address} within {timeout_s:.0f} s")


def stop(process: subprocess.Popen, grace_s: float = 10.0) -> None:
    """Terminate the server (kill it if it does not stop within `grace_s`)."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=grace_s)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def serve(scenario: Path, port: int, host: str = HOST) -> int:
    """Run the dashboard in the foreground until Ctrl-C (or SIGTERM); returns an exit code.

    The server is stopped however this function ends."""
    signal.signal(signal.SIGTERM, _raise_keyboard_interrupt)
    process = start(scenario, port, host)
    try:
        wait_until_ready(process, url(port, host))
        print(f"TokenMaxxing dashboard for {scenario}: open {url(port, host)}  (Ctrl-C stops it)", flush=True)
        return process.wait()
    except KeyboardInterrupt:
        return 0
    finally:
        stop(process)


def _raise_keyboard_interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt
