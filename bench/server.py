"""A real uvicorn server on a free loopback port, for the load check and the tests (tests/conftest.py)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(env: dict[str, str] | None = None, timeout: float = 300.0) -> tuple[subprocess.Popen, str]:
    """Start the server as `optimlab serve` does (app/serving.py) on 127.0.0.1 and wait until /api/health
    answers (once its worker processes are warm: the server and its fork server each import torch and
    probe the catalog, which takes minutes on a machine whose two cores are shared by many test runs)."""
    port = free_port()
    command = [sys.executable, "-m", "app.cli", "serve", "--host", "127.0.0.1", "--port", str(port)]
    env = {**os.environ, "OPTIMLAB_LOG_LEVEL": "warning", **(env or {})}
    proc = subprocess.Popen(command, cwd=ROOT, env=env)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + timeout
    try:
        # One client for every poll: a new one per poll (httpx.get) loads the CA bundle each time, ~60 ms of
        # CPU taken ten times a second from the start it waits on.
        with httpx.Client(timeout=1) as poller:
            while time.monotonic() < deadline:
                if proc.poll() is not None:
                    raise RuntimeError(f"server exited with {proc.returncode}")
                try:
                    if poller.get(url + "/api/health").status_code == 200:
                        return proc, url
                except httpx.HTTPError:
                    pass
                time.sleep(0.1)
        raise RuntimeError(f"server did not become healthy within {timeout:.0f} s")
    except BaseException:  # a test's timeout or ^C too: a server left running would eat the CPU of what follows
        stop_server(proc)
        raise


def stop_server(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
