"""A database of its own on a PostgreSQL server, for benchmarks that measure the PostgreSQL store."""
from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager

LOCAL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"  # the development server (README)
DEFAULT = os.environ.get("QUNSHENG_BENCH_POSTGRES", LOCAL)


class Unreachable(Exception):
    """The server did not answer or refused to make a database."""


@contextmanager
def database(server: str, name: str, keep: bool = False, fresh: bool = True) -> Iterator[str]:
    """The URL of database ``name`` on ``server``, made afresh (an older one of that name is dropped first)
    unless not ``fresh`` (then it must exist), and dropped afterwards unless ``keep``."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import OperationalError, ProgrammingError

    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            if fresh:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
                conn.execute(text(f'CREATE DATABASE "{name}"'))
            exists = conn.scalar(text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": name})
    except (OperationalError, ProgrammingError) as error:
        admin.dispose()
        raise Unreachable(str(error).splitlines()[0]) from error
    if not exists:
        admin.dispose()
        raise Unreachable(f"no database {name} on the server to run again")
    try:
        yield make_url(server).set(database=name).render_as_string(hide_password=False)
    finally:
        if not keep:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
