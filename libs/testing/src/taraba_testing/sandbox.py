"""Run the eMAG sandbox as its own process, as eMAG is to Taraba: a server over HTTP.

Started by its command line, never imported: the sandbox shares no code with Taraba.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager

import httpx


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@contextmanager
def running_sandbox(**settings: str) -> Iterator[str]:
    """Start the sandbox on a free port with EMAG_SANDBOX_* `settings`; yield its root URL."""
    port = free_port()
    env = {**os.environ, **{f"EMAG_SANDBOX_{k.upper()}": v for k, v in settings.items()}}
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "emag_sandbox.main:create_app",
            "--factory",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--no-access-log",
            "--log-level",
            "warning",
        ],
        env=env,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"{url}/sandbox/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("the eMAG sandbox did not start")
            time.sleep(0.1)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
