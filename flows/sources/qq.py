"""QQ 消息管理器 TXT exports (``全部消息记录.txt`` and single-conversation files).

Variants handled:
- encodings: UTF-8 with or without BOM, GB18030, UTF-16 (detected by ``encoding.open_text``);
- line ends: CRLF, bare LF and bare CR, mixed in one file (every one ends a line);
- the preamble ``消息记录（此消息记录为文本格式，不支持重新导入）`` and many conversations per
  file, each opened by 64×``=`` / ``消息分组:`` / ``消息对象:<群名或好友名>`` (the group);
- headers ``YYYY-MM-DD H:MM:SS 昵称(QQ号)`` or ``昵称<email>``, one- or two-digit hours,
  12-hour times (``8:43:38 PM``, ``下午 8:43:38`` or ``8:43:38 下午``), names holding ``()``,
  ``【管理员】`` titles or digits, empty names ``(747150918)``, and private chats whose headers
  carry no id (sender_id is then the name);
- content lines, blank lines inside included (trailing blank lines are not part of the text);
- ``系统消息(10000)``: ``X加入本群`` -> join, ``X撤回了一条消息`` -> system, ``X退出本群`` ->
  leave, anything else -> system; whole-content placeholders [图片] [表情] [语音] [文件] [视频].

A line is a header only where a header can stand: first in the file, after a blank line or a
separator block; it must match the whole header pattern; a header without an id is accepted
only while the conversation has shown no header with an id (private chats). Anything else is
content. A header whose date/time does not exist (month 13, 25 o'clock, 13 PM) becomes a
Reject, and the content lines under it go with it. Text outside any message is a Reject.
The export has no message ids: keys come from ``KeyMaker`` (group, time, sender, text, ordinal).
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from flows.sources.encoding import open_text
from flows.sources.records import SYSTEM_SENDER, Format, KeyMaker, MessageRecord, ParseOptions, Reject

PREAMBLE = "消息记录（此消息记录为文本格式，不支持重新导入）"
SEPARATOR = "=" * 64
META = re.compile(r"^消息(分组|对象)[:：](.*)$")
HEADER = re.compile(
    r"^(?P<date>\d{4}-\d{1,2}-\d{1,2}) (?:(?P<pre>上午|下午) ?)?(?P<time>\d{1,2}:\d{2}:\d{2})"
    r"(?: ?(?P<post>[AaPp][Mm]|上午|下午)(?= ))? (?P<sender>.*)$")
ID_SENDER = re.compile(r"^(?P<name>.*)\((?P<id>\d{5,11})\)$")
MAIL_SENDER = re.compile(r"^(?P<name>.*)<(?P<id>[^<>\s@]+@[^<>\s@]+)>$")
SYSTEM_ID, SYSTEM_NAME = "10000", "系统消息"
PLACEHOLDERS = {"[图片]": "image", "[表情]": "sticker", "[语音]": "voice", "[文件]": "file", "[视频]": "video"}
SYSTEM_TYPES = (
    (re.compile(r"撤回了一条(成员)?消息"), "system"),  # a notice; "recall" types records that withdraw one
    (re.compile(r"加入(了)?本群"), "join"),
    (re.compile(r"(退出|离开|移出)(了)?本群"), "leave"),
)
# @name up to a space / U+2005 / line end; not the middle of an e-mail address.
MENTION = re.compile(r"(?<![A-Za-z0-9._%+\-])@([^\s@]+)(?=\s|$)")
PM_MARKERS = ("PM", "下午")


@dataclass
class Header:
    line: int
    sender_id: str
    sender_name: str
    sent_at: datetime | None  # None: unreadable time, the record is rejected
    raw_time: str = ""
    content: list[str] = field(default_factory=list)


@dataclass
class Orphan:
    """Text outside any message: kept together as one Reject."""

    line: int
    content: list[str] = field(default_factory=list)


@dataclass
class State:
    group: str
    has_ids: bool = False  # the conversation has shown a header with an id
    boundary: bool = True  # a header may stand on the next line
    after_separator: bool = False
    keys: KeyMaker = field(default_factory=KeyMaker)


def split_lines(handle: Iterable[str]) -> Iterator[tuple[int, str]]:
    """Number lines ended by CRLF, bare CR or bare LF (the handle is opened with newline="")."""
    for number, line in enumerate(handle, start=1):
        yield number, line.rstrip("\r\n")


def local_time(date: str, clock: str, marker: str | None, options: ParseOptions) -> datetime:
    year, month, day = (int(part) for part in date.split("-"))
    hour, minute, second = (int(part) for part in clock.split(":"))
    if marker:
        if not 1 <= hour <= 12:
            raise ValueError(f"hour {hour} with {marker}")
        hour = hour % 12 + (12 if marker.upper() in PM_MARKERS else 0)
    return datetime(year, month, day, hour, minute, second, tzinfo=options.timezone).astimezone(UTC)


def split_sender(text: str) -> tuple[str, str | None]:
    """(display name, QQ number or e-mail or None)."""
    for pattern in (ID_SENDER, MAIL_SENDER):
        if match := pattern.match(text):
            return match["name"], match["id"]
    return text, None


def read_header(line: str, number: int, state: State, options: ParseOptions) -> Header | None:
    match = HEADER.match(line)
    if not match:
        return None
    sender, marker = match["sender"], match["pre"] or match["post"]
    if match["post"] and not 1 <= int(match["time"].split(":")[0]) <= 12:
        sender, marker = line[match.end("time"):].lstrip(" "), None  # "20:00:00 PM 小王": PM is the name's
    name, sender_id = split_sender(sender.rstrip())
    if sender_id is None and (state.has_ids or not name.strip()):
        return None
    state.has_ids = state.has_ids or sender_id is not None
    raw_time = f"{match['date']} {match['time']}" + (f" {marker}" if marker else "")
    try:
        sent_at = local_time(match["date"], match["time"], marker, options)
    except (ValueError, OverflowError):
        sent_at = None
    return Header(number, sender_id or name, name, sent_at, raw_time)


def classify(header: Header, text: str) -> tuple[str, str]:
    """(sender_id, msg_type)."""
    if header.sender_id == SYSTEM_ID or header.sender_name == SYSTEM_NAME:
        kind = next((kind for pattern, kind in SYSTEM_TYPES if pattern.search(text)), "system")
        return SYSTEM_SENDER, kind
    return header.sender_id, PLACEHOLDERS.get(text.strip(), "text")


def finish(item: Header | Orphan | None, state: State, path: Path) -> Iterator[MessageRecord | Reject]:
    if isinstance(item, Orphan):
        yield Reject(str(path), item.line, "text outside a message")
    elif isinstance(item, Header) and item.sent_at is None:
        yield Reject(str(path), item.line, f"unreadable time {item.raw_time!r}")
    elif isinstance(item, Header):
        lines = item.content
        while lines and not lines[-1].strip():
            lines.pop()
        text = "\n".join(lines)
        sender_id, msg_type = classify(item, text)
        key = state.keys.key(state.group, item.sent_at, sender_id, text)
        mentions = tuple(MENTION.findall(text)) if msg_type == "text" else ()
        yield MessageRecord(state.group, sender_id, item.sender_name, item.sent_at, text, key, msg_type,
                            mentions=mentions, source_format="qq", source_file=path.name, line=item.line)


def structure(line: str, number: int, state: State) -> bool:
    """Handle the preamble and the conversation blocks; True if the line was one of them."""
    if line == SEPARATOR:
        state.after_separator = True
        return True
    if state.after_separator and (meta := META.match(line)):
        if meta[1] == "对象":
            state.group, state.has_ids = meta[2].strip() or state.group, False
        return True
    state.after_separator = False
    return number == 1 and line.lstrip("\ufeff") == PREAMBLE


def parse_lines(lines: Iterable[tuple[int, str]], path: Path,
                options: ParseOptions) -> Iterator[MessageRecord | Reject]:
    state = State(group=path.stem)
    current: Header | Orphan | None = None
    for number, line in lines:
        if structure(line, number, state):
            yield from finish(current, state, path)
            current, state.boundary = None, True
            continue
        blank = not line.strip()
        header = read_header(line, number, state, options) if state.boundary and not blank else None
        if header is not None:
            yield from finish(current, state, path)
            current = header
        elif current is not None:
            current.content.append(line)
        elif not blank:
            current = Orphan(number)
        state.boundary = blank
    yield from finish(current, state, path)


def parse(path: Path, options: ParseOptions) -> Iterator[MessageRecord | Reject]:
    try:
        with open_text(path, newline="") as handle:
            yield from parse_lines(split_lines(handle), path, options)
    except OSError as error:
        yield Reject(str(path), 0, f"unreadable file: {error.strerror or error}")


def sniff(head: str) -> bool:
    head = head.lstrip("\ufeff")
    if head.startswith(PREAMBLE):
        return True
    return re.search(r"(?m)^={64}\r?\n消息(分组|对象)[:：]", head[:4096]) is not None


FORMATS = {"qq": Format("qq", sniff, parse)}
