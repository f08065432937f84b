"""The hot read's readers (GET /v1/members/{id}/tags): connections of their own, kept between requests."""
from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import TypeVar

import psycopg
from sqlalchemy import Connection, Engine
from sqlalchemy.exc import DBAPIError

from models import store

T = TypeVar("T")


class Reader:
    """One autocommit connection for the reads that run on the event loop: no pool check-out, ping or
    rollback per request (three round trips on PostgreSQL)."""

    def __init__(self, engine: Engine):
        self.engine, self.current = engine, None

    def run(self, read: Callable[[Connection], T]) -> T:
        """``read(connection)``; when the held connection has dropped (a restarted server), once more on a
        new one. Reads go to the driver's cursor, so its own errors are caught."""
        for last in (False, True):
            if self.current is None or self.current.invalidated:
                self.current = self.engine.connect().execution_options(isolation_level="AUTOCOMMIT")
            try:
                return read(self.current)
            except (self.engine.dialect.loaded_dbapi.Error, DBAPIError):  # the driver's or SQLAlchemy's
                self.current.invalidate()
                if last:
                    raise

    async def member_card(self, community_id: int, sender_id: str) -> tuple[bytes, str] | None:
        """A stored member card (body, ETag), read here: SQLite answers in microseconds."""
        return self.run(lambda connection: store.member_card(connection, community_id, sender_id))


class PostgresReader(Reader):
    """PostgreSQL: member cards are read on an async psycopg connection of its own, in batches: the requests
    that arrive while one read is out are answered by the next, one query for all of them. The event loop
    serves other requests during a round trip (a blocking read held it), and the async driver's overhead,
    which cost more than the blocking round trip, is shared by the batch."""

    def __init__(self, engine: Engine):
        super().__init__(engine)
        self.conninfo = engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
        self.connection, self.waiting, self.batches = None, [], None

    async def member_card(self, community_id: int, sender_id: str) -> tuple[bytes, str] | None:
        answer = asyncio.get_running_loop().create_future()
        self.waiting.append((community_id, sender_id, answer))
        if self.batches is None:
            self.batches = asyncio.ensure_future(self.read_batches())
        return await answer

    async def read_batches(self) -> None:
        """Read what is waiting, one query per community, until nothing is."""
        try:
            while self.waiting:
                batch, self.waiting = self.waiting, []
                by_community: dict[int, list] = {}
                for community_id, sender_id, answer in batch:
                    by_community.setdefault(community_id, []).append((sender_id, answer))
                for community_id, asked in by_community.items():
                    await self.answer(community_id, asked)
        finally:
            self.batches = None

    async def answer(self, community_id: int, asked: list) -> None:
        try:
            for last in (False, True):
                try:
                    if self.connection is None or self.connection.closed:
                        self.connection = await psycopg.AsyncConnection.connect(self.conninfo, autocommit=True)
                    found = await store.member_cards_async(self.connection, community_id, [s for s, _ in asked])
                    break
                except psycopg.OperationalError:  # the server dropped the connection (restarted): once more
                    self.connection = None
                    if last:
                        raise
        except Exception as error:  # noqa: BLE001 - each waiting request raises it
            for _, answer in asked:
                if not answer.done():
                    answer.set_exception(error)
            return
        for sender_id, answer in asked:
            if not answer.done():  # (a request cancelled while waiting)
                answer.set_result(found.get(sender_id))


def reader(engine: Engine) -> Reader:
    return PostgresReader(engine) if engine.dialect.name == "postgresql" else Reader(engine)
