"""PyWxDump CSV exports (``{wxid}_{start}_{end}.csv``, UTF-8 without BOM).

Variants (by header):
  current  ``id,MsgSvrID,type_name,is_sender,talker,room_name,msg,src,CreateTime``
  older    ``id,MsgSvrID,type_name,is_sender,talker,room_name,content,CreateTime``, where content
           is JSON ``{"src": ..., "msg": ...}`` (a plain string is read as the text).
talker is the sender's wxid (``我`` or the account's wxid for own messages, ``系统`` for
publisher notices, ``未知`` when PyWxDump could not tell); room_name is the chat id, which is
the group (``options.group_names`` maps it to a name). CreateTime is local time, read in
``options.timezone`` (epoch seconds are accepted too). type_name (Chinese or English) -> msg_type.
source_key ``wx:{MsgSvrID}``, the server id, so it dedupes with MemoTrace v3's ``消息ID``;
rows without a server id (empty or 0) get derived_key(). Own messages whose talker is ``我``
get sender_id ``self``; names come from ``options.member_names`` (the CSV has none), else
the id. A row whose sender is unknown (``未知``) is a Reject: it has no member to attach to.

Names file (is_names_file / read_names): ``users.json``, which PyWxDump writes beside the CSVs,
``{wxid: {"wxid", "nickname", "remark", "account", ...}}`` for the chat's talkers. A member is
named by their nickname, the name the group sees and @-mentions them by, else by the exporting
account's remark for them. It names no groups (it lists only the talkers): a group keeps its chat id.
"""
from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterator
from pathlib import Path

from flows.sources.encoding import open_text, read_head
from flows.sources.records import SYSTEM_SENDER, Format, KeyMaker, MessageRecord, ParseOptions, Reject
from flows.sources.wechat_content import (PLACEHOLDERS, SELF_ID, SYSTEM_TYPES, clean_notice, csv_rows,
                                          epoch_time, local_time, mentions_of, named_type, notice_type,
                                          server_key)

FORMAT = "pywxdump"
COMMON = ["id", "MsgSvrID", "type_name", "is_sender", "talker", "room_name"]
HEADERS = (COMMON + ["msg", "src", "CreateTime"], COMMON + ["content", "CreateTime"])
QUOTE = re.compile(r"(.*?)\n\n\[引用\]\([^)\n]*\)([^:\n]*):(.*)", re.S)  # title\n\n[引用](time)name:content
ANCHOR = re.compile(r'\s*<a href="([^"]*)">点击查看详情</a>')


USERS_JSON = re.compile(r'^\{\s*"([^"\\]+)"\s*:\s*\{\s*"wxid"\s*:\s*"\1"')  # {"wxid_a": {"wxid": "wxid_a", ...


def sniff(head: str) -> bool:
    return header_of(head) is not None


def is_names_file(head: str) -> bool:
    """PyWxDump's users.json: an object of contacts, each keyed by its own wxid."""
    return bool(USERS_JSON.match(head.lstrip("\ufeff").lstrip()))


def read_names(path: Path, options: ParseOptions) -> None:
    """Fill options.member_names from users.json; an unreadable file or entry is skipped, and a later
    file's name wins."""
    try:
        with open_text(path) as handle:
            users = json.loads(handle.read().lstrip("\ufeff"))
    except (OSError, ValueError):
        return
    for wxid, user in users.items() if isinstance(users, dict) else ():
        name = str(user.get("nickname") or user.get("remark") or "").strip() if isinstance(user, dict) else ""
        if name:
            options.member_names[wxid] = name


def header_of(head: str) -> list[str] | None:
    try:
        header = next(csv.reader(io.StringIO(head.lstrip("\ufeff").split("\n", 1)[0])), [])
    except csv.Error:
        return None
    header = [name.strip() for name in header]
    return header if header in HEADERS else None


def parse(path: Path, options: ParseOptions) -> Iterator[MessageRecord | Reject]:
    try:
        header = header_of(read_head(path))
        if header is None:
            yield Reject(str(path), 1, "not a PyWxDump CSV export")
            return
        keys = KeyMaker()
        for item in csv_rows(path, len(header)):
            if isinstance(item, Reject):
                yield item
                continue
            line, row = item
            try:
                yield to_record(dict(zip(header, row)), options, path, line, keys)
            except ValueError as error:
                yield Reject(str(path), line, str(error))
    except OSError as error:
        yield Reject(str(path), 0, f"unreadable file: {error}")


def to_record(row: dict[str, str], options: ParseOptions, path: Path, line: int, keys: KeyMaker) -> MessageRecord:
    room = row["room_name"].strip()
    if not room:
        raise ValueError("missing room_name")
    group = options.group_names.get(room, room)
    type_name = row["type_name"].strip()
    msg_type = named_type(type_name)
    sent_at = epoch_time(row["CreateTime"]) or local_time(row["CreateTime"], options.timezone)
    text, quote = message_text(msg_type, row["msg"] if "msg" in row else content_msg(row["content"]))
    if msg_type in SYSTEM_TYPES:
        text = clean_notice(text)
        msg_type = notice_type(text) if msg_type == "system" else msg_type
    sender_id = sender_of(row, msg_type, type_name)
    name = "我" if sender_id == SELF_ID else options.member_names.get(sender_id, sender_id)
    key = server_key(row["MsgSvrID"]) or keys.key(group, sent_at, sender_id, text)
    return MessageRecord(group, sender_id, name, sent_at, text, key, msg_type, quote=quote,
                         mentions=mentions_of(msg_type, text), source_format=FORMAT, source_file=path.name,
                         line=line)


def sender_of(row: dict[str, str], msg_type: str, type_name: str) -> str:
    talker = row["talker"].strip()
    if talker == "系统" or (msg_type in SYSTEM_TYPES and (type_name != "拍一拍" or talker in ("", "未知"))):
        return SYSTEM_SENDER
    if row["is_sender"].strip() == "1" and talker in ("我", "", "未知"):
        return SELF_ID
    if talker in ("", "未知"):
        raise ValueError("unknown sender (talker 未知)")
    return talker


def content_msg(content: str) -> str:
    """The older variant's content: JSON ``{"src", "msg"}``, a JSON string, or plain text."""
    try:
        value = json.loads(content)
    except ValueError:
        return content
    if isinstance(value, dict):
        return str(value.get("msg") or "")
    return value if isinstance(value, str) else content


def message_text(msg_type: str, msg: str) -> tuple[str, str | None]:
    """Readable text (and quoted text) of PyWxDump's rendered msg."""
    if msg_type in ("image", "video", "sticker"):
        return PLACEHOLDERS[msg_type], None  # msg is 图片 / 视频 / 表情 (or raw emoji XML)
    if msg_type == "quote":
        match = QUOTE.fullmatch(msg)
        if match:
            return match.group(1).strip(), match.group(3).strip() or None
    if msg_type == "link":
        return ANCHOR.sub(lambda m: "\n" + m.group(1), msg).strip(), None
    return msg.strip(), None


FORMATS = {FORMAT: Format(FORMAT, sniff, parse)}
