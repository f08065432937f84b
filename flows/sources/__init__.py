"""Export-format parsers: each turns a file into MessageRecords plus Rejects, never raising on bad rows."""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class MessageRecord:
    group: str
    sender_id: str
    sender_name: str
    sent_at: datetime  # timezone-aware, UTC
    text: str
    source_key: str  # the export's message id, or a key derived from the record itself


@dataclass(frozen=True)
class Reject:
    """A record that could not be read, kept aside with where it was and why."""

    file: str
    line: int
    reason: str


def derived_key(group: str, sent_at: datetime, sender_id: str, text: str, ordinal: int) -> str:
    """A stable key for formats without message ids; ``ordinal`` keeps genuine repeats apart."""
    digest = hashlib.sha1(f"{group}\x1f{sent_at.isoformat()}\x1f{sender_id}\x1f{text}\x1f{ordinal}".encode())
    return "h:" + digest.hexdigest()
