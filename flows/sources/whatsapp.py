"""WhatsApp "Export chat" TXT files (without media, or the _chat.txt of a media export).

Variants handled:
- Android ``M/D/YY, HH:MM - Name: text``, ``DD/MM/YYYY, HH:MM - …``, ``h:mm AM/PM`` (with a
  space, U+202F or U+00A0 before the marker), ``.``/``-`` date separators, year-first dates;
- iOS ``[DD/MM/YYYY, HH:MM:SS] Name: text`` and ``[M/D/YY, h:mm:ss AM] …``;
- day/month order per line: a first number > 12 is the day, a second number > 12 is the
  day; an ambiguous line takes the order the unambiguous lines of the same style (brackets,
  year digits, 12/24-hour clock) used in this file, else those of the whole file, else
  month-first for 12-hour clocks and day-first for 24-hour ones. A first streaming pass only
  counts these (a few counters), so memory stays bounded and files may mix orders;
- U+200E / U+200F / U+202A-U+202E / U+2066-U+2069 marks are dropped from names and text,
  U+202F / U+00A0 in names become spaces; ``<This message was edited>`` is dropped;
- system lines without ``Name:`` (and iOS notices whose text starts with U+200E) are typed
  join / leave / recall / system with sender_id SYSTEM_SENDER; a member's "This message was
  deleted" / "你撤回了一条消息" is a recall kept under the member;
- media: ``<Media omitted>`` -> other; ``IMG-….jpg (file attached)``, ``<attached: …>``,
  ``<附件：…>`` -> image / video / voice / sticker / card / file by file prefix and extension;
  ``image omitted`` and the like by their word; ``location: https://…`` -> location;
  call notes -> call;
- continuation lines (no timestamp) belong to the message above; text before the first
  message and lines whose date/time does not exist are Rejects (with their continuation lines).

Names or phone numbers only: sender_id is the name as written. The file carries no group
name: the group is the file name's stem without a leading "WhatsApp Chat with ",
"WhatsApp Chat - " or "与" and a trailing "的 WhatsApp 聊天" (``_chat.txt`` takes its folder's
name). Keys come from ``KeyMaker`` (group, time, sender, text, ordinal).
"""
from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from flows.sources.encoding import open_text
from flows.sources.records import SYSTEM_SENDER, Format, KeyMaker, MessageRecord, ParseOptions, Reject

MARKS = "\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\ufeff"
STRIP_MARKS = str.maketrans("", "", MARKS)
PREFIX = re.compile(
    r"^(?P<bracket>\[)?(?P<a>\d{1,4})(?P<sep>[/.\-])(?P<b>\d{1,2})(?P=sep)(?P<c>\d{1,4})\.?,?\s"
    r"(?:(?P<pre>上午|下午)\s?)?(?P<h>\d{1,2})[:.](?P<mi>\d{2})(?:[:.](?P<s>\d{2}))?"
    r"(?:\s?(?P<post>[AaPp]\.?\s?[Mm]\.?|上午|下午))?"
    r"(?(bracket)\]\s|\s[-\u2013]\s)(?P<rest>.*)$")
EDITED = re.compile(r"\s*<(This message was edited|此消息已编辑)>$")
RECALLED = re.compile(r"^(This message was deleted\.?|You deleted this message\.?|你撤回了一条消息|"
                      r"此消息已删除|你删除了此消息|对方撤回了一条消息)$")
JOIN = re.compile(r"joined using this group's invite link|\bjoined$|\badded\b|加入|添加了")
LEAVE = re.compile(r"\bleft$|\bremoved\b|退出|移除了|离开")
ATTACHED = re.compile(r"^(?:<attached: (?P<a>.+)>|<附件[：:]\s*(?P<b>.+)>|(?P<c>\S.*) \(file attached\))$")
OMITTED = re.compile(r"^(?P<what>image|video|audio|sticker|document|GIF|Contact card) omitted$|"
                     r"^(?P<zh>图片|视频|音频|贴图|文档)(已忽略|已省略)$", re.IGNORECASE)
OMITTED_TYPES = {"image": "image", "video": "video", "audio": "voice", "sticker": "sticker", "document": "file",
                 "gif": "video", "contact card": "card", "图片": "image", "视频": "video", "音频": "voice",
                 "贴图": "sticker", "文档": "file"}
MEDIA_OMITTED = ("<Media omitted>", "<媒体已省略>", "<省略影音内容>")
CALL = re.compile(r"^(Missed )?(group )?(voice|video) call\b|^(未接)?(语音|视频)通话", re.IGNORECASE)
LOCATION = re.compile(r"^(live )?location: https?://|^位置[:：]", re.IGNORECASE)
EXTENSIONS = {"image": ("jpg", "jpeg", "png", "gif", "heic", "bmp"), "sticker": ("webp",),
              "video": ("mp4", "3gp", "mov", "avi", "mkv", "webm"), "card": ("vcf",),
              "voice": ("opus", "ogg", "m4a", "aac", "mp3", "amr", "wav")}
FILE_PREFIXES = {"IMG": "image", "VID": "video", "PTT": "voice", "AUD": "voice", "STK": "sticker", "DOC": "file"}
MENTION = re.compile(r"(?<![A-Za-z0-9._%+\-])@(?:\u2068([^\u2069]+)\u2069|([^\s@\u2068]+)(?=\s|$))")
PM_MARKERS = ("PM", "P.M.", "下午")


@dataclass
class Pending:
    line: int
    sent_at: datetime | None  # None: a Reject
    rest: str = ""
    reason: str = ""
    content: list[str] = field(default_factory=list)


def match_prefix(line: str) -> re.Match | None:
    return PREFIX.match(line.lstrip(MARKS))


def style(match: re.Match) -> tuple[bool, int, bool]:
    return bool(match["bracket"]), len(match["c"]), bool(match["pre"] or match["post"])


def count_orders(path: Path) -> Counter:
    """First pass: (style, "dmy" | "mdy") counts of the lines whose order is plain."""
    counts: Counter = Counter()
    with open_text(path) as handle:
        for line in handle:
            match = match_prefix(line)
            if match and len(match["a"]) < 4:
                first, second = int(match["a"]), int(match["b"])
                if first > 12 >= second or second > 12 >= first:
                    counts[style(match), "dmy" if first > 12 else "mdy"] += 1
    return counts


def day_first(match: re.Match, counts: Counter) -> bool:
    first, second = int(match["a"]), int(match["b"])
    if first > 12 or second > 12:
        return first > 12
    key = style(match)
    dmy, mdy = counts[key, "dmy"], counts[key, "mdy"]
    if dmy == mdy:
        dmy = sum(n for (_, order), n in counts.items() if order == "dmy")
        mdy = sum(n for (_, order), n in counts.items() if order == "mdy")
    return dmy > mdy if dmy != mdy else not key[2]


def local_time(match: re.Match, counts: Counter, options: ParseOptions) -> datetime:
    if len(match["a"]) == 4:
        year, month, day = int(match["a"]), int(match["b"]), int(match["c"])
    else:
        if len(match["c"]) not in (2, 4):
            raise ValueError("year")
        year = int(match["c"]) + (2000 if len(match["c"]) == 2 else 0)
        day, month = (int(match["a"]), int(match["b"]))[:: 1 if day_first(match, counts) else -1]
    hour, marker = int(match["h"]), match["pre"] or match["post"]
    if marker:
        if not 1 <= hour <= 12:
            raise ValueError("hour")
        hour = hour % 12 + (12 if "".join(marker.upper().split()) in PM_MARKERS else 0)
    moment = datetime(year, month, day, hour, int(match["mi"]), int(match["s"] or 0), tzinfo=options.timezone)
    return moment.astimezone(UTC)


def clean_name(name: str) -> str:
    return name.translate(STRIP_MARKS).replace("\u202f", " ").replace("\xa0", " ").strip()


def split_sender(rest: str) -> tuple[str | None, str]:
    """(name or None for a system line, text). A name has no quotes and is at most 80 chars."""
    name, colon, text = rest.partition(": ")
    if colon and 0 < len(clean_name(name)) <= 80 and not any(q in name for q in "\"“”"):
        return clean_name(name), text
    return None, rest


def media_type(text: str) -> str | None:
    first = text.split("\n", 1)[0].strip()
    if first in MEDIA_OMITTED:
        return "other"
    if match := OMITTED.match(first):
        return OMITTED_TYPES[(match["what"] or match["zh"]).lower()]
    if match := ATTACHED.match(first):
        file_name = (match["a"] or match["b"] or match["c"]).strip()
        by_prefix = FILE_PREFIXES.get(file_name[:3].upper()) if file_name[3:4] == "-" else None
        extension = file_name.rsplit(".", 1)[-1].lower()
        return by_prefix or next((kind for kind, exts in EXTENSIONS.items() if extension in exts), "file")
    if LOCATION.match(first):
        return "location"
    return "call" if CALL.match(first) else None


def notice_type(text: str) -> str:
    """join, leave or system (a notice that someone deleted a message is a system notice; the
    member's own "This message was deleted" placeholder, in the message's place, is "recall")."""
    if JOIN.search(text):
        return "join"
    return "leave" if LEAVE.search(text) else "system"


def classify(rest: str, content: list[str]) -> tuple[str, str, str, str, tuple[str, ...]]:
    """(sender_id, sender_name, text, msg_type, mentions) of one message."""
    name, first = split_sender(rest)
    raw = "\n".join([first, *content])
    text = EDITED.sub("", raw.translate(STRIP_MARKS))
    if name is not None:
        kind = media_type(text) or ("recall" if RECALLED.match(text.strip()) else None)
        if kind or not first.startswith("\u200e"):
            mentions = tuple(clean_name(a or b) for a, b in MENTION.findall(raw)) if kind is None else ()
            return name, name, text, kind or "text", mentions
    return SYSTEM_SENDER, name or SYSTEM_SENDER, text, notice_type(text.strip()), ()


def group_name(path: Path) -> str:
    stem = path.parent.name if path.stem == "_chat" and path.parent.name else path.stem
    for prefix in ("WhatsApp Chat with ", "WhatsApp Chat - ", "与"):
        if stem.startswith(prefix) and len(stem) > len(prefix):
            stem = stem[len(prefix):]
            break
    return re.sub(r"\s*的\s*WhatsApp\s*聊天(记录)?$", "", stem).strip() or path.stem


def finish(item: Pending | None, group: str, keys: KeyMaker, path: Path) -> Iterator[MessageRecord | Reject]:
    if item is None:
        return
    if item.sent_at is None:
        yield Reject(str(path), item.line, item.reason)
        return
    while item.content and not item.content[-1].strip():
        item.content.pop()
    sender_id, sender_name, text, msg_type, mentions = classify(item.rest, item.content)
    key = keys.key(group, item.sent_at, sender_id, text)
    yield MessageRecord(group, sender_id, sender_name, item.sent_at, text, key, msg_type, mentions=mentions,
                        source_format="whatsapp", source_file=path.name, line=item.line)


def start(match: re.Match, number: int, counts: Counter, options: ParseOptions) -> Pending:
    try:
        return Pending(number, local_time(match, counts, options), match["rest"])
    except (ValueError, OverflowError):
        stamp = match.group(0)[:match.start("rest")].strip(" -\u2013[]").replace("\u202f", " ")
        return Pending(number, None, reason=f"unreadable time {stamp!r}")


def read(path: Path, options: ParseOptions) -> Iterator[MessageRecord | Reject]:
    counts, group, keys = count_orders(path), group_name(path), KeyMaker()
    current: Pending | None = None
    with open_text(path) as handle:
        for number, line in enumerate(handle, start=1):
            line = line.rstrip("\n")
            if match := match_prefix(line):
                yield from finish(current, group, keys, path)
                current = start(match, number, counts, options)
            elif current is not None:
                current.content.append(line)
            elif line.strip(MARKS + " \t"):
                current = Pending(number, None, reason="text before the first message")
    yield from finish(current, group, keys, path)


def parse(path: Path, options: ParseOptions) -> Iterator[MessageRecord | Reject]:
    try:
        yield from read(path, options)
    except OSError as error:
        yield Reject(str(path), 0, f"unreadable file: {error.strerror or error}")


def sniff(head: str) -> bool:
    first = next((line for line in head.splitlines() if line.strip(MARKS + " \t")), "")
    return match_prefix(first) is not None


FORMATS = {"whatsapp": Format("whatsapp", sniff, parse)}
