"""Telegram Desktop ``result.json`` (tdesktop export_output_json.cpp).

Variants: a single-chat export (root {name, type, id, messages}); a full export (chats.list[]
and left_chats.list[], each such a chat); current exports and the 2020 ones (numeric from_id
/ actor_id, no date_unixtime, no text_entities, an "edited" 1970 sentinel: edits are ignored).

Memory: the export is one JSON document, streamed with ijson, one message object at a time,
so a million-message export parses in bounded memory. A truncated or corrupt file yields the
messages before the damage, then one Reject for the rest. tdesktop writes a chat's name and
id before its messages, which streaming relies on.

Records: ``line`` is the message's 1-based position among all messages of the file.
source_key = f"tg:{chat_id}:{id}"; reply_to the same for reply_to_message_id (in the chat
named by reply_to_peer_id when there is one). sent_at = date_unixtime (UTC) when present, else
``date`` (the exporting machine's local time) read in options.timezone. group = the chat's
name (its id when it has none, e.g. saved messages). sender_id = from_id ("user123",
"channel123"; a 2020 numeric id becomes "user123"), kept for deleted accounts (from null:
sender_name is then the id); a message with neither from nor from_id is the chat's own
("chat<id>"). Service messages are sent by actor_id (SYSTEM_SENDER without one).
text: a string, or an array of strings and entities, flattened; mentions: "mention" entities
(the username without "@") and "mention_name" ones ("user<user_id>", the sender_id scheme).
Media: photo -> image, sticker, voice_message -> voice, video_message / video_file /
animation -> video, file / audio_file -> file, location / venue -> location, contact ->
card, poll / game / invoice -> other; the caption is the text, else a bracketed placeholder.
Service: invite_members, join_group_by_link, join_group_by_request -> join; remove_members
-> leave; every other action -> system; text "[<action>] <members> <title>".

Rejects: a message that is not an object or lacks an integer id, a readable date or a
well-formed text; "unsupported" messages (the export keeps only their id); the messages of
a chat without an id; a chat entry that is not an object or whose messages is not a list.
"""
from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from flows.sources.encoding import open_text
from flows.sources.records import SYSTEM_SENDER, Format, MessageRecord, ParseOptions, Reject

NAME = "telegram"
CHAT_TYPES = ("personal_chat", "bot_chat", "saved_messages", "replies", "private_group", "private_supergroup",
              "public_supergroup", "private_channel", "public_channel")
CHAT_TYPE_KEY = re.compile(r'"type"\s*:\s*"(?:%s)"' % "|".join(CHAT_TYPES))
MESSAGES_KEY = re.compile(r'"messages"\s*:\s*\[')
ABOUT_FIRST = re.compile(r'\{\s*"about"\s*:')
FULL_KEYS = re.compile(r'"(?:personal_information|profile_pictures|frequent_contacts|left_chats)"\s*:'
                       r'|"(?:chats|contacts)"\s*:\s*\{\s*"about"')
PEER_ID = re.compile(r"(?:user|chat|channel)?(\d+)")
JOIN_ACTIONS = ("invite_members", "join_group_by_link", "join_group_by_request")
LEAVE_ACTIONS = ("remove_members",)
MEDIA_TYPES = {"sticker": ("sticker", "[表情]"), "voice_message": ("voice", "[语音]"),
               "video_message": ("video", "[视频]"), "video_file": ("video", "[视频]"),
               "animation": ("video", "[动图]"), "audio_file": ("file", "[音频]")}
BAD_RECORD = (ValueError, TypeError, AttributeError, OverflowError, OSError)


def is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def sent_time(msg: dict, tz: ZoneInfo) -> datetime:
    unix = msg.get("date_unixtime")
    if unix not in (None, ""):
        try:
            return datetime.fromtimestamp(int(unix), UTC)
        except BAD_RECORD:
            raise ValueError(f"invalid date_unixtime {str(unix)[:40]!r}") from None
    date = msg.get("date")
    if not isinstance(date, str):
        raise ValueError("message without a date")
    try:
        moment = datetime.fromisoformat(date)
    except ValueError:
        raise ValueError(f"invalid date {date[:40]!r}") from None
    return (moment if moment.tzinfo else moment.replace(tzinfo=tz)).astimezone(UTC)


def text_parts(msg: dict) -> list:
    """The text as a list of strings and entity objects ({type, text, ...})."""
    raw = msg.get("text", msg.get("text_entities", ""))
    parts = [raw] if isinstance(raw, str) else raw
    if not isinstance(parts, list) or not all(
            isinstance(p, str) or (isinstance(p, dict) and isinstance(p.get("text"), str)) for p in parts):
        raise ValueError("malformed text")
    return parts


def mentions_in(parts: list) -> tuple[str, ...]:
    found = []
    for part in parts:
        kind = part.get("type") if isinstance(part, dict) else None
        if kind == "mention":
            found.append(part["text"].lstrip("@"))
        elif kind == "mention_name":
            user = part.get("user_id")
            found.append(f"user{user}" if is_int(user) or str(user).isdigit() else part["text"])
    return tuple(dict.fromkeys(m for m in found if m))


def peer(msg: dict, label: str, chat_id: object) -> tuple[str, str]:
    """(sender_id, sender_name) from ``label`` / ``label``_id (from, or actor for service messages)."""
    raw, name = msg.get(label + "_id"), msg.get(label)
    if is_int(raw):
        sender_id = f"user{raw}"
    elif isinstance(raw, str) and raw:
        sender_id = raw
    elif isinstance(name, str) and name:
        sender_id = name
    else:
        sender_id = SYSTEM_SENDER if label == "actor" else f"chat{chat_id}"
    return sender_id, name if isinstance(name, str) and name else sender_id


def file_name(msg: dict) -> str:
    name = msg.get("file_name") or msg.get("file") or ""
    return "" if not isinstance(name, str) or name.startswith("(") else name.rsplit("/", 1)[-1]


def media(msg: dict) -> tuple[str, str]:
    """(msg_type, placeholder) of a message's attachment; ("text", "") without one."""
    media_type = msg.get("media_type")
    if "photo" in msg:
        return "image", "[图片]"
    if media_type in MEDIA_TYPES:
        kind, placeholder = MEDIA_TYPES[media_type]
        emoji = msg.get("sticker_emoji") if media_type == "sticker" else None
        return kind, f"{placeholder} {emoji}" if emoji else placeholder
    if "file" in msg or "file_name" in msg:
        return "file", " ".join(filter(None, ["[文件]", file_name(msg)]))
    if "location_information" in msg or "place_name" in msg:
        place = [str(msg[k]) for k in ("place_name", "address") if msg.get(k)]
        return "location", " ".join(["[位置]", *place])
    if "contact_information" in msg:
        return "card", "[名片]"
    if isinstance(msg.get("poll"), dict):
        return "other", " ".join(filter(None, ["[投票]", str(msg["poll"].get("question") or "")]))
    if "game_title" in msg or "invoice_information" in msg:
        return "other", "[游戏]" if "game_title" in msg else "[账单]"
    return "text", ""


def service(msg: dict, text: str) -> tuple[str, str]:
    """(msg_type, text) of a service message."""
    action = msg.get("action")
    if not isinstance(action, str) or not action:  # a custom action carries only information_text
        return "system", str(msg.get("information_text") or text or "[service]")
    kind = "join" if action in JOIN_ACTIONS else "leave" if action in LEAVE_ACTIONS else "system"
    members = msg.get("members") if isinstance(msg.get("members"), list) else []
    title = msg.get("title") or msg.get("new_title")
    details = [", ".join(str(m) for m in members if m), str(title) if title else "", text]
    return kind, " ".join([f"[{action}]", *filter(None, details)])


def reply_key(msg: dict, chat_id: object) -> str | None:
    target = msg.get("reply_to_message_id")
    if not is_int(target):
        return None
    match = PEER_ID.fullmatch(str(msg.get("reply_to_peer_id") or ""))
    return f"tg:{match[1] if match else chat_id}:{target}"


def to_record(msg: object, chat_id: object, group: str, options: ParseOptions, path: Path,
              line: int) -> MessageRecord:
    if not isinstance(msg, dict):
        raise ValueError("message is not an object")
    if not is_int(msg.get("id")):
        raise ValueError("message without an integer id")
    if chat_id is None:
        raise ValueError("message of a chat without an id")
    if msg.get("type") == "unsupported":
        raise ValueError(f"unsupported message {msg['id']}: the export keeps only its id")
    sent_at = sent_time(msg, options.timezone)
    parts = text_parts(msg)
    text = "".join(p if isinstance(p, str) else p["text"] for p in parts)
    if msg.get("type") == "service":
        msg_type, text = service(msg, text)
        sender_id, sender_name = peer(msg, "actor", chat_id)
    else:
        msg_type, placeholder = media(msg)
        text = text or placeholder
        sender_id, sender_name = peer(msg, "from", chat_id)
    return MessageRecord(group, sender_id, sender_name, sent_at, text, f"tg:{chat_id}:{msg['id']}", msg_type,
                         reply_to=reply_key(msg, chat_id), mentions=mentions_in(parts), source_format=NAME,
                         source_file=path.name, line=line)


CHATS = ("", "chats.list.item", "left_chats.list.item")  # where chat objects stand (single, full export)


def join(*parts: str) -> str:
    return ".".join(p for p in parts if p)


def parse(path: Path, options: ParseOptions) -> Iterator[MessageRecord | Reject]:
    import ijson

    line, chats_seen = 0, 0
    chat: dict = {}
    builder, depth = None, 0
    try:
        with open_text(path) as handle:
            for prefix, event, value in ijson.parse(Utf8(handle)):
                if builder is not None:  # inside a message: build it whole, then turn it into a record
                    builder.event(event, value)
                    depth += (event in ("start_map", "start_array")) - (event in ("end_map", "end_array"))
                    if depth == 0:
                        line += 1
                        yield record_or_reject(builder.value, chat, options, path, line)
                        builder = None
                    continue
                where = next((c for c in CHATS if prefix == join(c, "messages.item")), None)
                if where is not None:
                    if event in ("start_map", "start_array"):
                        builder, depth = ijson.ObjectBuilder(), 1
                        builder.event(event, value)
                    else:
                        line += 1
                        yield Reject(str(path), line, "message is not an object")
                elif prefix in CHATS and event == "start_map" and (prefix or not chats_seen):
                    chat = {"prefix": prefix, "messages": False}
                elif prefix in CHATS and event == "end_map" and chat.get("prefix") == prefix and chat:
                    chats_seen += chat["messages"]
                    if not chat["messages"] and (prefix or chats_seen == 0) and chat.get("name") is not None:
                        line += 1
                        yield Reject(str(path), line, "chat entry without a messages list")
                elif chat and prefix == join(chat["prefix"], "messages") and event == "start_array":
                    chat["messages"] = True
                elif chat and prefix in (join(chat["prefix"], "name"), join(chat["prefix"], "id")):
                    chat[prefix.rsplit(".", 1)[-1]] = value
    except (ijson.JSONError, ValueError) as error:
        yield Reject(str(path), line + 1, f"invalid JSON after {line} message(s): file truncated or corrupt "
                                          f"({str(error)[:120]})")
        return
    except OSError as error:
        yield Reject(str(path), 0, f"unreadable file: {str(error)[:160]}")
        return
    if chats_seen == 0 and line == 0:
        yield Reject(str(path), 0, "no Telegram chat or messages found")


class Utf8:
    """Bytes for ijson from a text handle of any detected encoding."""

    def __init__(self, handle):
        self.handle = handle

    def read(self, size: int = -1) -> bytes:
        return self.handle.read(size).encode("utf-8")


def record_or_reject(msg: object, chat: dict, options: ParseOptions, path: Path, line: int) -> MessageRecord | Reject:
    raw_id = chat.get("id")
    chat_id = int(raw_id) if is_int(raw_id) or str(raw_id).isdigit() else None
    try:
        return to_record(msg, chat_id, str(chat.get("name") or chat_id), options, path, line)
    except BAD_RECORD as error:
        return Reject(str(path), line, str(error)[:200])


def sniff(head: str) -> bool:
    body = head.lstrip("\ufeff").lstrip()
    if not body.startswith("{"):
        return False
    single = CHAT_TYPE_KEY.search(body) and MESSAGES_KEY.search(body)
    return bool(single or (ABOUT_FIRST.match(body) and FULL_KEYS.search(body)))


FORMATS = {"telegram": Format("telegram", sniff, parse)}
