"""What the hot reads keep between requests: a small least-recently-used cache (member cards by
community, data version and member) and a connection of their own."""
from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import TypeVar

from sqlalchemy import Connection, Engine

T = TypeVar("T")

CARDS = 10_000  # about 15 MB of rendered member cards


class LRU:
    def __init__(self, size: int = CARDS):
        self.size, self.items = size, OrderedDict()

    def get(self, key: Hashable):
        value = self.items.get(key)
        if value is not None:
            self.items.move_to_end(key)
        return value

    def put(self, key: Hashable, value) -> None:
        self.items[key] = value
        self.items.move_to_end(key)
        if len(self.items) > self.size:
            self.items.popitem(last=False)


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
            except self.engine.dialect.loaded_dbapi.Error:
                self.current.invalidate()
                if last:
                    raise
