"""A throw-away PostgreSQL server for the tests: a real one, never a stand-in.

:func:`start` makes a new cluster in a temporary folder (``initdb``), starts it on a Unix socket
in that folder only (no TCP port: nothing outside the machine can reach it, and it cannot clash
with a server already running), and returns a :class:`Cluster` that makes one empty database per
test and stops the server (``pg_ctl stop``) and removes the folder when done. The binaries are
found on ``PATH`` or in Debian's ``/usr/lib/postgresql/N/bin``; ``initdb`` refuses to run as
root, so as root the cluster belongs to the ``postgres`` user (Debian's package makes it).

``CRMXL_TEST_POSTGRES_URL`` (a URL of a server where the user may create databases) uses that
server instead. Without either, the PostgreSQL tests fail, saying what to install: they are
part of ``make test`` and are never skipped.
"""

from __future__ import annotations

import glob
import itertools
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
from psycopg import sql

URL_ENV = "CRMXL_TEST_POSTGRES_URL"
_names = itertools.count(1)


def find_binary(name: str) -> Path | None:
    """``name`` on PATH, else in the newest ``/usr/lib/postgresql/N/bin``."""
    found = shutil.which(name)
    if found:
        return Path(found)
    candidates = sorted(
        glob.glob(f"/usr/lib/postgresql/*/bin/{name}"),
        key=lambda p: int(Path(p).parts[-3]) if Path(p).parts[-3].isdigit() else 0,
    )
    return Path(candidates[-1]) if candidates else None


def missing_message() -> str:
    return (
        "PostgreSQL is not installed (initdb and pg_ctl not found on PATH or in "
        "/usr/lib/postgresql/*/bin). The tests run against a real PostgreSQL: install the "
        "Debian package `postgresql` (.ci/run does), or set "
        f"{URL_ENV}=postgresql+psycopg://user:password@host/db for a server of your own."
    )


@dataclass
class Cluster:
    """A PostgreSQL server the tests may create databases in."""

    admin: str  # libpq conninfo of the maintenance database
    url_base: str  # SQLAlchemy URL without the database name's part
    query: str = ""  # what follows the database name (?host=...)
    folder: Path | None = None  # our own cluster's folder (None: an outside server)
    pg_ctl: Path | None = None
    user: str | None = None
    databases: list[str] = field(default_factory=list)

    def new_database(self) -> str:
        """A new, empty database; returns its SQLAlchemy URL."""
        name = f"crmxl_test_{os.getpid()}_{next(_names)}"
        with psycopg.connect(self.admin, autocommit=True) as conn:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        self.databases.append(name)
        return f"{self.url_base}/{name}{self.query}"

    def stop(self) -> None:
        if self.folder is None:
            with psycopg.connect(self.admin, autocommit=True) as conn:
                for name in self.databases:
                    conn.execute(
                        sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
                            sql.Identifier(name)
                        )
                    )
            return
        assert self.pg_ctl is not None
        _run(
            [str(self.pg_ctl), "stop", "-D", str(self.folder / "data"), "-m", "fast", "-w"],
            self.user,
        )
        shutil.rmtree(self.folder, ignore_errors=True)


def _run(cmd: list[str], user: str | None) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=120, user=user)
    if proc.returncode != 0:
        raise AssertionError(f"{' '.join(cmd)} failed:\n{proc.stdout}\n{proc.stderr}")
    return proc


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start() -> Cluster:
    """Our own cluster (or the server of ``CRMXL_TEST_POSTGRES_URL``)."""
    outside = os.environ.get(URL_ENV)
    if outside:
        base, _, db = outside.rpartition("/")
        _, _, query = db.partition("?")
        admin = outside.replace("postgresql+psycopg://", "postgresql://", 1)
        return Cluster(admin=admin, url_base=base, query=f"?{query}" if query else "")
    initdb, pg_ctl = find_binary("initdb"), find_binary("pg_ctl")
    if initdb is None or pg_ctl is None:
        raise AssertionError(missing_message())
    user = None
    folder = Path(tempfile.mkdtemp(prefix="crmxl-pg-"))
    if os.geteuid() == 0:
        try:
            owner = pwd.getpwnam("postgres")
        except KeyError as exc:
            raise AssertionError(
                "running as root, and there is no `postgres` user to own the test cluster "
                "(initdb refuses root); install the Debian package postgresql, which adds it"
            ) from exc
        os.chown(folder, owner.pw_uid, owner.pw_gid)
        user = "postgres"
    data = folder / "data"
    port = _free_port()
    _run(
        [
            str(initdb),
            "-D",
            str(data),
            "-U",
            "postgres",
            "--auth=trust",
            "--encoding=UTF8",
            "--no-locale",
            "--no-sync",
        ],
        user,
    )
    options = f"-k {folder} -c listen_addresses='' -p {port} -c fsync=off"
    _run(
        [str(pg_ctl), "start", "-D", str(data), "-l", str(folder / "log"), "-o", options, "-w"],
        user,
    )
    return Cluster(
        admin=f"host={folder} port={port} user=postgres dbname=postgres",
        url_base="postgresql+psycopg://postgres@",
        query=f"?host={folder}&port={port}",
        folder=folder,
        pg_ctl=pg_ctl,
        user=user,
    )
