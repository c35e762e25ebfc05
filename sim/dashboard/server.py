"""Start, wait for and stop the dashboard's Solara server (a subprocess on the loopback interface).

Used by ``tokenmaxx dashboard`` and by the browser test, so both start it the same way.
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
from typing import IO

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


def command(port: int, host: str = HOST) -> list[str]:
    """The `solara run` command line for the app."""
    return [
        sys.executable, "-m", "solara", "run", APP_MODULE,
        "--host", host, "--port", str(port), "--production", "--no-open", "--log-level", "warning",
    ]


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
