"""A throwaway PostgreSQL server for the store's tests: Debian's initdb and pg_ctl on a free port in a
temporary folder, as the current user, or as `postgres` when that is root (PostgreSQL refuses root)."""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg

from bench.server import free_port

SUPERUSER = "optimlab"


def postgres_bindir() -> Path | None:
    """Where initdb and pg_ctl are: on PATH, or Debian's versioned folder (newest first), which is not."""
    found = shutil.which("pg_ctl")
    if found and shutil.which("initdb"):
        return Path(found).resolve().parent
    candidates = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"), key=lambda p: int(p.parts[-3]), reverse=True)
    return candidates[0].parent if candidates else None


def _as_server_user(command: list[str]) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else command


@contextmanager
def running_postgres(bindir: Path) -> Iterator[str]:
    """Start a server that trusts local connections; yield its URL (database `postgres`); stop and remove it."""
    folder = Path(tempfile.mkdtemp(prefix="optimlab-postgres-"))  # in /tmp, which the postgres user can reach
    if os.geteuid() == 0:
        account = pwd.getpwnam("postgres")
        os.chown(folder, account.pw_uid, account.pw_gid)
    data, port = folder / "data", free_port()

    def run(program: str, *args: str) -> None:
        command = _as_server_user([str(bindir / program), *args])
        subprocess.run(command, check=True, capture_output=True, timeout=120)

    try:
        run("initdb", "-D", str(data), "-U", SUPERUSER, "--auth=trust", "--encoding=UTF8", "--no-sync")
        options = f"-p {port} -k {folder} -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off"
        run("pg_ctl", "-D", str(data), "-o", options, "-l", str(folder / "server.log"), "-w", "-t", "60", "start")
        try:
            yield f"postgresql+psycopg://{SUPERUSER}@127.0.0.1:{port}/postgres"
        finally:
            run("pg_ctl", "-D", str(data), "-m", "immediate", "-w", "stop")
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def fresh_database(server_url: str) -> str:
    """A new, empty database on the server: each test module migrates its own from nothing."""
    name = f"optimlab_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(server_url.replace("+psycopg", ""), autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    return server_url.rsplit("/", 1)[0] + "/" + name
