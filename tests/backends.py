"""Both storage backends for the tests: a real SQLite file, a real PostgreSQL database.

PostgreSQL comes from, in this order (``THREADKEEPER_TEST_PG`` decides when set):

- ``THREADKEEPER_TEST_PG=postgresql://...``: that server (its user may create databases);
- the server on 127.0.0.1:5432 when it answers (trust auth, user ``postgres``);
- ``THREADKEEPER_TEST_PG=throwaway``, or no server answering: a throwaway cluster started
  from Debian's ``postgresql`` binaries (installed with apt-get when missing), as the
  ``postgres`` user when we are root (``runuser``), in a directory made with ``mkdtemp``
  (pytest's own tmp dirs are closed to other users), on a free port; stopped and removed
  at the end of the session;
- ``THREADKEEPER_TEST_PG=off``: the PostgreSQL cases are skipped.

Each test gets a fresh database, copied from a template migrated once per session, and
dropped after the test.
"""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import socket
import subprocess
import tempfile
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import psycopg
from psycopg import sql

BACKENDS = ("sqlite", "postgres")
ENV = "THREADKEEPER_TEST_PG"
LOCAL = "postgresql://postgres@127.0.0.1:5432/postgres"


@dataclass
class Server:
    admin_url: str  # a maintenance database of the server (CREATE/DROP DATABASE)
    cluster: Path | None = None  # our throwaway cluster's directory, if we started one
    bin_dir: Path | None = None
    template: str | None = None
    databases: list[str] = field(default_factory=list)

    def url(self, database: str) -> str:
        return urlsplit(self.admin_url)._replace(path=f"/{database}").geturl()

    def _admin(self) -> psycopg.Connection:
        return psycopg.connect(self.admin_url, autocommit=True, connect_timeout=10)

    def create_database(self) -> str:
        """A fresh, migrated database (a copy of the session's template); its URL."""
        if self.template is None:
            self.template = self._make_template()
        name = f"tk_test_{uuid.uuid4().hex[:12]}"
        with self._admin() as admin:
            admin.execute(
                sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(sql.Identifier(name), sql.Identifier(self.template))
            )
        self.databases.append(name)
        return self.url(name)

    def empty_database(self) -> str:
        """A fresh database with no schema at all (migrations tests)."""
        name = f"tk_test_{uuid.uuid4().hex[:12]}"
        with self._admin() as admin:
            admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        self.databases.append(name)
        return self.url(name)

    def drop_database(self, url: str) -> None:
        name = psycopg.conninfo.conninfo_to_dict(url)["dbname"]
        with self._admin() as admin:
            admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(str(name))))
        if name in self.databases:
            self.databases.remove(str(name))

    def _make_template(self) -> str:
        from bot.storage.postgres.connection import connect
        from bot.storage.postgres.database import migrate

        name = f"tk_template_{uuid.uuid4().hex[:12]}"
        with self._admin() as admin:
            admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        conn = connect(self.url(name))
        try:
            migrate(conn)
        finally:
            conn.close()
        self.databases.append(name)
        return name

    def stop(self) -> None:
        for name in list(self.databases):
            with contextlib.suppress(psycopg.Error):
                self.drop_database(self.url(name))
        if self.cluster is not None and self.bin_dir is not None:
            _as_postgres([str(self.bin_dir / "pg_ctl"), "-D", str(self.cluster / "data"), "-m", "immediate", "stop"])
            shutil.rmtree(self.cluster, ignore_errors=True)


def _answers(url: str) -> bool:
    try:
        with psycopg.connect(url, connect_timeout=3):
            return True
    except psycopg.Error:
        return False


def start_server() -> Server | None:
    """The server the tests use (see the module doc); None when PostgreSQL is turned off."""
    wanted = os.environ.get(ENV, "").strip()
    if wanted == "off":
        return None
    if wanted.startswith(("postgresql://", "postgres://")):
        return Server(wanted)
    if wanted != "throwaway" and _answers(LOCAL):
        return Server(LOCAL)
    return _throwaway()


def _bin_dir() -> Path:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if not found:
        if os.geteuid() != 0:
            raise RuntimeError("PostgreSQL is not installed and we are not root: apt-get install postgresql")
        subprocess.run(["apt-get", "update", "-q"], check=True, capture_output=True)
        subprocess.run(
            ["apt-get", "install", "-y", "-q", "--no-install-recommends", "postgresql"],
            check=True,
            capture_output=True,
            env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"},
        )
        found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    return Path(found[-1]).parent


def _as_postgres(command: list[str]) -> subprocess.CompletedProcess[str]:
    if os.geteuid() == 0:
        command = ["runuser", "-u", "postgres", "--", *command]
    return subprocess.run(command, check=True, capture_output=True, text=True)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _throwaway() -> Server:
    bin_dir = _bin_dir()
    cluster = Path(tempfile.mkdtemp(prefix="threadkeeper-pg-"))
    if os.geteuid() == 0:
        shutil.chown(cluster, "postgres", "postgres")
    data = cluster / "data"
    port = _free_port()
    _as_postgres(
        [str(bin_dir / "initdb"), "-D", str(data), "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync"]
    )
    options = f"-p {port} -k {cluster} -c listen_addresses=127.0.0.1 -c fsync=off"
    _as_postgres([str(bin_dir / "pg_ctl"), "-D", str(data), "-o", options, "-l", str(cluster / "log"), "-w", "start"])
    return Server(f"postgresql://postgres@127.0.0.1:{port}/postgres", cluster=cluster, bin_dir=bin_dir)
