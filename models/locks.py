"""One nightly run per community at a time, across processes and machines sharing the store.

PostgreSQL: a session advisory lock on a connection held for the run. SQLite: an OS file lock
beside the database file. Either is released when its holder ends, however it ends, so a killed
run never blocks the next night. Other stores (in-memory SQLite) take no lock."""
from __future__ import annotations

import hashlib
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

from filelock import FileLock, Timeout
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from models.db import open_store


class RunInProgress(Exception):
    """Another process is running this community's flow."""


def _key(community: str) -> int:
    """A stable signed 64-bit advisory-lock key for the community's runs."""
    digest = hashlib.sha256(f"qunsheng-run:{community}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


@contextmanager
def run_lock(url: str, community: str) -> Iterator[None]:
    """Hold the community's run lock for the body; RunInProgress at once when another holds it."""
    busy = RunInProgress(f"community {community!r} has a run in progress in another process: "
                         "wait for it to finish")
    parsed = make_url(url)
    if parsed.get_backend_name() == "postgresql":
        with open_store(url).kw["bind"].connect() as connection:
            connection = connection.execution_options(isolation_level="AUTOCOMMIT")
            if not connection.scalar(text("SELECT pg_try_advisory_lock(:key)"), {"key": _key(community)}):
                raise busy
            try:
                yield
            finally:
                with suppress(DBAPIError):  # a broken connection: the server has let go already
                    connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": _key(community)})
    elif parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        name = hashlib.sha256(community.encode()).hexdigest()[:16]
        lock = FileLock(Path(parsed.database).with_name(f"{Path(parsed.database).name}.run-{name}.lock"))
        try:
            lock.acquire(timeout=0)
        except Timeout:
            raise busy from None
        try:
            yield
        finally:
            lock.release()
    else:
        yield
