"""WeCom 会话内容存档 (msgaudit) decrypted messages, and the groupchat/get files that name groups.

Messages: one decrypted JSON object per message, either as JSON lines (``line`` = line
number) or as one JSON array (``line`` = 1-based element index). Both are streamed; inside
an array a syntax error ends the file with one Reject, as nothing after it can be located.

Every msgtype of the spec is mapped (MSG_TYPES): text / markdown keep their content; link ->
title + description; file / voip_doc_share -> the file name; redpacket / external_redpacket
-> the wish; mixed -> its text items joined (item content is a JSON *string*); news -> item
titles; chatrecord -> merged_forward "[聊天记录] <title>"; the others a bracketed placeholder
plus a title where the body has one; an unknown msgtype -> "other", "[<msgtype>]".
``action: recall`` -> "recall" with ``recalls`` = revoke.pre_msgid (the original message
stays archived under its own msgid); ``action: switch`` -> "system", sent by ``user``, in
the pseudo group SWITCH_GROUP.

Keys and names: source_key = msgid (unique across the corp). msgtime is UTC epoch ms (a
value below 1e11 is read as seconds). group = options.group_names.get(roomid, roomid); a
1:1 chat (roomid "") is "私聊:" + the sorted participant ids (from + tolist) joined by ",",
looked up in group_names too. sender_id = from; sender_name = options.member_names.get(from,
from). No structured @ list: mentions are inline ``@名字`` ended by U+2005, a space or the end.

Rejects: a line that is not JSON or not an object; no msgid, from (user for switch) or
readable msgtime; a text message without content; a body that is not an object; a mixed
item whose content is not JSON.

Names files (is_names_file / read_names): externalcontact/groupchat/get responses
(group_chat{chat_id, name, member_list[{userid, type, group_nickname, name}]}; type 1: a corp
member, which ingest marks as staff) and
msgaudit/groupchat/get responses ({roomname, members[...]}, no room id inside: taken from a
``roomid`` key, else the file name's stem); one per file, or a JSON array / JSON lines of them.
"""
from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TextIO

from flows.sources.encoding import open_text
from flows.sources.records import Format, MessageRecord, ParseOptions, Reject

NAME = "wecom"
SWITCH_GROUP = "(切换企业)"  # switch records belong to no chat
CHUNK = 1 << 16
MARGIN = 1 << 20  # a JSON error this far before the buffer's end is not a record cut by the buffer
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

# msgtype -> (msg_type, placeholder, body fields giving the text, bare: text is those fields alone)
MSG_TYPES = {
    "text": ("text", "", ("content",), True),
    "markdown": ("text", "", ("content",), True),
    "link": ("link", "[链接]", ("title", "description"), True),
    "file": ("file", "[文件]", ("filename",), True),
    "voip_doc_share": ("file", "[文件]", ("filename",), True),
    "qydiskfile": ("file", "[文件]", ("filename",), True),
    "redpacket": ("red_packet", "[红包]", ("wish",), True),
    "external_redpacket": ("red_packet", "[红包]", ("wish",), True),
    "image": ("image", "[图片]", (), False),
    "voice": ("voice", "[语音]", (), False),
    "video": ("video", "[视频]", (), False),
    "emotion": ("sticker", "[表情]", (), False),
    "card": ("card", "[名片]", ("corpname",), False),
    "location": ("location", "[位置]", ("title", "address"), False),
    "weapp": ("mini_program", "[小程序]", ("displayname", "title"), False),
    "docmsg": ("link", "[在线文档]", ("title",), False),
    "sphfeed": ("link", "[视频号]", ("sph_name", "feed_desc"), False),
    "news": ("link", "[图文]", (), True),
    "chatrecord": ("merged_forward", "[聊天记录]", ("title",), False),
    "mixed": ("text", "[图文混排]", (), True),
    "todo": ("other", "[待办]", ("title", "content"), False),
    "vote": ("other", "[投票]", ("votetitle",), False),
    "collect": ("other", "[填表]", ("title",), False),
    "calendar": ("other", "[日程]", ("title",), False),
    "meeting": ("other", "[会议]", ("topic",), False),
    "meeting_voice_call": ("call", "[语音会议]", (), False),
    "voiptext": ("call", "[音视频通话]", (), False),
    "agree": ("system", "[同意会话存档]", (), False),
    "disagree": ("system", "[不同意会话存档]", (), False),
}
BODY_KEYS = {"external_redpacket": ("redpacket",), "docmsg": ("doc",), "news": ("info",), "markdown": ("info",),
             "qydiskfile": ("info",)}  # where the body is not under the msgtype's own key
MENTION = re.compile(r"(?<![A-Za-z0-9._%+-])@([^\s@]{1,40})(?=\s|$)")
SEPARATORS = re.compile(r"[\s,]*")
MSGID_KEY = re.compile(r'"msgid"\s*:\s*"')
ACTION_KEY = re.compile(r'"action"\s*:\s*"(?:send|recall|switch)"')
GROUP_CHAT_KEY = re.compile(r'"group_chat"\s*:\s*\{')
ROOMNAME_KEY = re.compile(r'"roomname"\s*:')
ROOM_KEYS = re.compile(r'"(?:members|room_create_time|creator)"\s*:')
BAD_RECORD = (ValueError, TypeError, AttributeError, OverflowError)


# --------------------------------------------------------------------------- reading JSON values

def read_values(path: Path) -> Iterator[tuple[int, object]]:
    """(line or index, value) per JSON value of a JSON-lines file or a JSON array; a value
    that cannot be read comes as a ValueError."""
    try:
        with open_text(path) as handle:
            start = handle.read(CHUNK).lstrip("\ufeff \t\r\n")
            if start.startswith("["):
                yield from array_items(handle, start[1:])
            else:
                handle.seek(0)
                yield from json_lines(handle)
    except OSError as error:
        yield 0, ValueError(f"unreadable file: {error}")


def json_lines(handle: Iterable[str]) -> Iterator[tuple[int, object]]:
    for number, line in enumerate(handle, start=1):
        if not line.strip(" \t\r\n\ufeff"):
            continue
        try:
            yield number, json.loads(line.lstrip("\ufeff"))
        except ValueError as error:
            yield number, ValueError(f"invalid JSON: {str(error).splitlines()[0][:120]}")


def array_items(handle: TextIO, buffer: str) -> Iterator[tuple[int, object]]:
    """The elements of a JSON array, decoded one by one from a growing buffer."""
    decoder, pos, index, eof = json.JSONDecoder(), 0, 0, False
    while True:
        pos = SEPARATORS.match(buffer, pos).end()
        if buffer.startswith("]", pos):
            return
        end, problem = -1, None
        if pos < len(buffer):
            try:
                value, end = decoder.raw_decode(buffer, pos)
            except json.JSONDecodeError as error:
                problem = error
        if end != -1 and (end < len(buffer) or eof):
            index += 1
            yield index, value
            pos = end
            continue
        if eof or (problem is not None and problem.pos < len(buffer) - MARGIN):
            reason = problem.msg if problem is not None else "array not closed"
            yield index + 1, ValueError(f"invalid JSON ({reason}); the rest of the file cannot be read")
            return
        chunk = handle.read(CHUNK)
        eof = not chunk
        buffer, pos = buffer[pos:] + chunk, 0


# --------------------------------------------------------------------------- messages

def epoch(value: object, field: str) -> datetime:
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value)
    if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
        raise ValueError(f"missing or invalid {field}")
    return EPOCH + (timedelta(seconds=value) if value < 10**11 else timedelta(milliseconds=value))


def required(msg: dict, field: str) -> str:
    value = msg.get(field)
    if not isinstance(value, str) or not value:
        raise ValueError(f"missing {field}")
    return value


def body_of(msg: dict, msgtype: str) -> dict:
    for key in (msgtype, *BODY_KEYS.get(msgtype, ())):
        if key in msg:
            if not isinstance(msg[key], dict):
                raise ValueError(f"malformed {msgtype} body")
            return msg[key]
    return {}


def mixed_texts(body: dict) -> list[str]:
    """The text items of a mixed message; each item's content is a JSON string."""
    items = body.get("item") or []
    if not isinstance(items, list):
        raise ValueError("malformed mixed items")
    texts = []
    for number, item in enumerate(items, start=1):
        content = item.get("content") if isinstance(item, dict) else None
        if isinstance(content, str):
            try:
                content = json.loads(content)
            except ValueError:
                raise ValueError(f"mixed item {number}: content is not JSON") from None
        if not isinstance(content, dict):
            raise ValueError(f"mixed item {number} is malformed")
        if item.get("type") in ("text", "markdown") and content.get("content"):
            texts.append(str(content["content"]))
    return texts


def content(msg: dict) -> tuple[str, str, str | None]:
    """(msg_type, text, recalls) of a send or recall record."""
    msgtype = msg.get("msgtype")
    if msg.get("action") == "recall" or msgtype == "revoke":
        revoke = msg.get("revoke")
        target = revoke.get("pre_msgid") if isinstance(revoke, dict) else None
        return "recall", "[撤回消息]", str(target) if target else None
    if not isinstance(msgtype, str) or not msgtype:
        raise ValueError("missing msgtype")
    if msgtype not in MSG_TYPES:
        return "other", f"[{msgtype}]", None
    kind, placeholder, fields, bare = MSG_TYPES[msgtype]
    body = body_of(msg, msgtype)
    if msgtype in ("text", "markdown"):
        if not isinstance(body.get("content"), str):
            raise ValueError(f"{msgtype} message without content")
        return kind, body["content"], None
    if msgtype == "mixed":
        texts = mixed_texts(body)
        return ("text", "\n".join(texts), None) if texts else ("image", placeholder, None)
    if msgtype == "news":
        items = body.get("item") if isinstance(body.get("item"), list) else []
        details = [str(i["title"]).strip() for i in items if isinstance(i, dict) and i.get("title")]
    else:
        details = [str(body[f]).strip() for f in fields if body.get(f) not in (None, "")]
    text = "\n".join(details) if bare and details else " ".join([placeholder, *details])
    return kind, text, None


def group_of(msg: dict, sender: str, options: ParseOptions) -> str:
    roomid = msg.get("roomid") or ""
    if not isinstance(roomid, str):
        raise ValueError("malformed roomid")
    if not roomid:
        tolist = msg.get("tolist") or []
        if not isinstance(tolist, list):
            raise ValueError("malformed tolist")
        roomid = "私聊:" + ",".join(sorted({sender, *map(str, tolist)}))
    return options.group_names.get(roomid, roomid)


def mentions_in(text: str) -> tuple[str, ...]:
    return tuple(dict.fromkeys(MENTION.findall(text)))


def to_record(msg: object, options: ParseOptions, path: Path, line: int) -> MessageRecord:
    if not isinstance(msg, dict):
        raise ValueError("not a JSON object")
    msgid = required(msg, "msgid")
    where = {"source_format": NAME, "source_file": path.name, "line": line}
    if msg.get("action") == "switch":
        user = required(msg, "user")
        return MessageRecord(SWITCH_GROUP, user, options.member_names.get(user, user), epoch(msg.get("time"), "time"),
                             "[切换企业]", msgid, "system", **where)
    sender = required(msg, "from")
    sent_at = epoch(msg.get("msgtime"), "msgtime")
    msg_type, text, recalls = content(msg)
    return MessageRecord(group_of(msg, sender, options), sender, options.member_names.get(sender, sender), sent_at,
                         text, msgid, msg_type, mentions=mentions_in(text) if msg_type == "text" else (),
                         recalls=recalls, **where)


def parse(path: Path, options: ParseOptions) -> Iterator[MessageRecord | Reject]:
    for line, value in read_values(path):
        try:
            if isinstance(value, ValueError):
                raise value
            yield to_record(value, options, path, line)
        except BAD_RECORD as error:
            yield Reject(str(path), line, str(error)[:200])


def sniff(head: str) -> bool:
    body = head.lstrip("\ufeff").lstrip()
    return (body.startswith(("{", "[")) and bool(MSGID_KEY.search(body)) and bool(ACTION_KEY.search(body))
            and not is_names_file(head))


# --------------------------------------------------------------------------- names files

def is_names_file(head: str) -> bool:
    """An externalcontact/groupchat/get or msgaudit/groupchat/get response (no messages)."""
    body = head.lstrip("\ufeff").lstrip()
    if not body.startswith(("{", "[")) or MSGID_KEY.search(body):
        return False
    return bool(GROUP_CHAT_KEY.search(body) or (ROOMNAME_KEY.search(body) and ROOM_KEYS.search(body)))


def responses(path: Path) -> list:
    """The responses of a names file: one JSON document (object or array), else JSON lines."""
    try:
        with open_text(path) as handle:
            text = handle.read().lstrip("\ufeff")
    except OSError:
        return []
    try:
        document = json.loads(text)
        return document if isinstance(document, list) else [document]
    except ValueError:
        return [value for _, value in json_lines(iter(text.split("\n"))) if not isinstance(value, ValueError)]


def read_names(path: Path, options: ParseOptions) -> None:
    """Fill options.group_names / member_names / corp_members from a names file (unreadable parts are
    skipped; a member's group_nickname wins over their name, later files over earlier ones)."""
    for response in responses(path):
        if not isinstance(response, dict) or str(response.get("errcode", 0)) != "0":
            continue
        chat = response.get("group_chat")
        if isinstance(chat, dict):
            if isinstance(chat.get("chat_id"), str) and chat.get("name"):
                options.group_names[chat["chat_id"]] = str(chat["name"])
            members = chat.get("member_list")
            for member in members if isinstance(members, list) else []:
                userid = member.get("userid") if isinstance(member, dict) else None
                if not isinstance(userid, str) or not userid:
                    continue
                if str(member.get("type")) == "1":  # 1: a member of the corp (staff); 2: an external contact
                    options.corp_members.add(userid)
                if member.get("group_nickname"):
                    options.member_names[userid] = str(member["group_nickname"])
                elif member.get("name"):
                    options.member_names.setdefault(userid, str(member["name"]))
        elif response.get("roomname"):
            options.group_names[str(response.get("roomid") or path.stem)] = str(response["roomname"])


FORMATS = {"wecom": Format("wecom", sniff, parse)}
