"""CSV and JSON-lines exports with a column mapping.

Columns (the first name listed is canonical, the others are accepted aliases):
  group        group, group_name, room, chat, 群, 群名
  sender_id    sender_id, from_id, user_id, wxid, sender, 发送人ID
  sender_name  sender_name, nickname, name, from, 昵称, 发送人
  time         time, sent_at, timestamp, date, datetime, 时间
  text         text, content, message, msg, 内容
  message_id   message_id, msg_id, msgid, id, 消息ID
group, sender_id, time and text are required (sender_name defaults to sender_id);
without message_id a key is derived from the record. Times are ISO 8601 or Unix epoch
seconds/milliseconds; times without an offset are read in the given time zone.
"""
from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from flows.sources.encoding import open_text
from flows.sources.records import Format, KeyMaker, MessageRecord, ParseOptions, Reject

COLUMNS = {
    "group": ("group", "group_name", "room", "chat", "群", "群名"),
    "sender_id": ("sender_id", "from_id", "user_id", "wxid", "sender", "发送人ID"),
    "sender_name": ("sender_name", "nickname", "name", "from", "昵称", "发送人"),
    "time": ("time", "sent_at", "timestamp", "date", "datetime", "时间"),
    "text": ("text", "content", "message", "msg", "内容"),
    "message_id": ("message_id", "msg_id", "msgid", "id", "消息ID"),
}
REQUIRED = ("group", "sender_id", "time", "text")


def parse_time(value: object, tz: ZoneInfo) -> datetime:
    if isinstance(value, int | float) or (isinstance(value, str) and value.strip().isdigit()):
        number = float(value)
        return datetime.fromtimestamp(number / 1000 if number > 1e11 else number, UTC)
    moment = datetime.fromisoformat(str(value).strip().replace("/", "-"))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=tz)
    return moment.astimezone(UTC)


def resolve_columns(names: list[str]) -> dict[str, str]:
    """Map canonical field -> the column name used in this file."""
    lowered = {n.strip().lower().lstrip("\ufeff"): n for n in names if n}
    mapping = {}
    for field, aliases in COLUMNS.items():
        for alias in aliases:
            if alias.lower() in lowered:
                mapping[field] = lowered[alias.lower()]
                break
    return mapping


def to_record(row: dict, columns: dict[str, str], tz: ZoneInfo, keys: KeyMaker, fmt: str, path: Path,
              line: int) -> MessageRecord:
    values = {f: row.get(c) for f, c in columns.items()}
    missing = [f for f in REQUIRED if values.get(f) in (None, "")]
    if missing:
        raise ValueError(f"missing {', '.join(missing)}")
    group, sender_id, text = str(values["group"]).strip(), str(values["sender_id"]).strip(), str(values["text"])
    try:
        sent_at = parse_time(values["time"], tz)
    except (ValueError, OverflowError, OSError):
        raise ValueError(f"unreadable time {str(values['time'])[:40]!r}") from None
    key = values.get("message_id")
    if key in (None, ""):
        key = keys.key(group, sent_at, sender_id, text)
    name = str(values.get("sender_name") or sender_id).strip()
    return MessageRecord(group, sender_id, name, sent_at, text, str(key).strip(), source_format=fmt,
                         source_file=path.name, line=line)


def read_csv(path: Path, options: ParseOptions) -> Iterator[MessageRecord | Reject]:
    with open_text(path, newline="") as handle:
        reader = csv.DictReader(handle)
        columns = resolve_columns(reader.fieldnames or [])
        absent = [f for f in REQUIRED if f not in columns]
        if absent:
            yield Reject(str(path), 1, f"header lacks column(s) {', '.join(absent)}")
            return
        keys = KeyMaker()
        line = reader.line_num + 1
        for row in reader:
            try:
                if None in row:
                    raise ValueError("more fields than the header")
                yield to_record(row, columns, options.timezone, keys, "csv", path, line)
            except ValueError as error:
                yield Reject(str(path), line, str(error))
            line = reader.line_num + 1


def read_jsonl(path: Path, options: ParseOptions) -> Iterator[MessageRecord | Reject]:
    keys = KeyMaker()
    with open_text(path) as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
                if not isinstance(row, dict):
                    raise ValueError("not a JSON object")
                yield to_record(row, resolve_columns(list(row)), options.timezone, keys, "jsonl", path, number)
            except ValueError as error:  # json.JSONDecodeError is a ValueError
                yield Reject(str(path), number, str(error).splitlines()[0][:200])


def sniff_csv(head: str) -> bool:
    try:
        header = next(csv.reader(io.StringIO(head.lstrip("\ufeff").split("\n", 1)[0])))
    except (StopIteration, csv.Error):
        return False
    return all(f in resolve_columns(header) for f in REQUIRED)


def sniff_jsonl(head: str) -> bool:
    first = head.lstrip("\ufeff").lstrip().split("\n", 1)[0]
    try:
        row = json.loads(first)
    except ValueError:
        return False
    return isinstance(row, dict) and all(f in resolve_columns(list(row)) for f in REQUIRED)


FORMATS = {"csv": Format("csv", sniff_csv, read_csv), "jsonl": Format("jsonl", sniff_jsonl, read_jsonl)}
