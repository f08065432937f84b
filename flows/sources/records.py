"""The contract every export parser honours: a file in, MessageRecords and Rejects out.

A parser never raises on a bad record: it yields a Reject (file, line, reason) and goes
on. Every record of the export becomes exactly one MessageRecord, system and service
records included, typed by ``msg_type``.
"""
from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

# The message types a record may carry (``msg_type``).
MESSAGE_TYPES = (
    "text", "image", "sticker", "voice", "video", "file", "link", "location", "card", "mini_program",
    "red_packet", "transfer", "call", "merged_forward", "quote", "system", "recall", "join", "leave", "other",
)
SYSTEM_SENDER = "system"  # sender_id of notices that no member sent


@dataclass(frozen=True)
class MessageRecord:
    group: str  # the group's name, or its id where the export gives no name
    sender_id: str  # stable id: wxid, QQ number, WeCom userid, Telegram from_id; else the name
    sender_name: str  # display name as seen at that time
    sent_at: datetime  # timezone-aware, UTC
    text: str
    source_key: str  # the export's message id (qualified by chat where ids are per chat), or derived_key()
    msg_type: str = "text"
    reply_to: str | None = None  # source_key of the message this one replies to, when the export links it
    quote: str | None = None  # quoted text the export inlines in a reply, kept apart from ``text``
    mentions: tuple[str, ...] = ()  # names or ids @-mentioned
    recalls: str | None = None  # for a recall record: source_key of the recalled message
    source_format: str = ""
    source_file: str = ""
    line: int = 0  # where the record starts in the file (line number, or record index for JSON)


@dataclass(frozen=True)
class Reject:
    """A record that could not be read, kept aside with where it was and why."""

    file: str
    line: int
    reason: str


@dataclass
class ParseOptions:
    timezone: ZoneInfo = field(default_factory=lambda: ZoneInfo("Asia/Shanghai"))  # for offset-less local times
    group_names: dict[str, str] = field(default_factory=dict)  # group id -> name (WeCom groupchat/get files)
    member_names: dict[str, str] = field(default_factory=dict)  # member id -> name
    corp_members: set[str] = field(default_factory=set)  # member ids a WeCom group file lists as the corp's own


def derived_key(group: str, sent_at: datetime, sender_id: str, text: str, ordinal: int) -> str:
    """A stable key for formats without message ids; ``ordinal`` (1, 2, ...) counts identical
    (group, time, sender, text) records within one file, so genuine repeats survive."""
    digest = hashlib.sha1(f"{group}\x1f{sent_at.isoformat()}\x1f{sender_id}\x1f{text}\x1f{ordinal}".encode())
    return "h:" + digest.hexdigest()


@dataclass(frozen=True)
class Format:
    """An export format: ``sniff`` tells it from the first characters of a file (content,
    not the file name); ``parse`` streams the file's records and rejects."""

    name: str
    sniff: Callable[[str], bool]
    parse: Callable[[Path, ParseOptions], Iterator[MessageRecord | Reject]]


class KeyMaker:
    """Derives keys for formats without ids, counting repeats in bounded memory.

    Exports list messages in time order, so identical (group, time, sender, text)
    records are adjacent: the ordinal is counted among records of the same timestamp
    only, and the counter is cleared whenever the time moves on.
    """

    def __init__(self) -> None:
        self._time: datetime | None = None
        self._seen: dict[tuple[str, str, str], int] = {}

    def key(self, group: str, sent_at: datetime, sender_id: str, text: str) -> str:
        if sent_at != self._time:
            self._time, self._seen = sent_at, {}
        identity = (group, sender_id, text)
        self._seen[identity] = self._seen.get(identity, 0) + 1
        return derived_key(group, sent_at, sender_id, text, self._seen[identity])
