"""`make test` on a fresh machine (issue 12, part 7): with no PostgreSQL answering where the tests
look, tests/backends.py starts a throwaway cluster from Debian's binaries (installing them
when missing, as root), the PostgreSQL tests run on it, and it is stopped and removed after.

Here the server the tests would look for is moved to a port where nothing listens (the
machine's own server is left alone), so the fresh-machine path runs for real."""

from __future__ import annotations

import os
import socket

import psycopg
import pytest

from bot.config import Settings
from bot.storage import connect, kv
from tests import backends


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_no_server_answering_means_a_throwaway_cluster_started_used_and_removed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    if os.environ.get(backends.ENV, "").strip() == "off":
        pytest.skip("PostgreSQL tests are turned off (THREADKEEPER_TEST_PG=off)")
    nobody = f"postgresql://postgres@127.0.0.1:{_free_port()}/postgres"
    monkeypatch.setattr(backends, "LOCAL", nobody)
    monkeypatch.delenv(backends.ENV, raising=False)
    assert not backends._answers(nobody)

    server = backends.start_server()
    assert server is not None and server.cluster is not None and server.admin_url != nobody
    cluster = server.cluster
    try:
        url = server.create_database()  # migrated from the session's template
        conn = connect(Settings(database_url=url))
        try:
            kv.put(conn, "hello", "throwaway")
            assert kv.get(conn, "hello") == "throwaway"
        finally:
            conn.close()
    finally:
        server.stop()
    assert not cluster.exists()
    assert not backends._answers(server.admin_url)
    with pytest.raises(psycopg.OperationalError):
        psycopg.connect(server.admin_url, connect_timeout=2).close()
