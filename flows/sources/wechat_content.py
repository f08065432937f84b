"""WeChat message semantics shared by the MemoTrace and PyWxDump parsers.

Type codes (Type/SubType) and exporters' type names -> ``msg_type``; readable text from
app-message XML (title, description, the quoted message of a reply); system notices
(recall / join / leave / other); inline @mentions; offset-less local times.
"""
from __future__ import annotations

import csv
import html
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from flows.sources.encoding import open_text
from flows.sources.records import MESSAGE_TYPES, Reject

SELF_ID = "self"  # sender_id of the exporting account's own messages when the export leaves it blank

BASE_TYPES = {1: "text", 3: "image", 34: "voice", 42: "card", 43: "video", 47: "sticker", 48: "location",
              50: "call", 10000: "system", 10002: "system", 436207665: "red_packet", 419430449: "transfer"}
APP_SUBTYPES = {3: "link", 4: "link", 5: "link", 6: "file", 8: "sticker", 19: "merged_forward",
                33: "mini_program", 36: "mini_program", 57: "quote", 2000: "transfer", 2001: "red_packet"}
PLACEHOLDERS = {"image": "[图片]", "voice": "[语音]", "video": "[视频]", "sticker": "[表情包]", "file": "[文件]",
                "link": "[链接]", "card": "[名片]", "location": "[位置]", "call": "[通话]", "mini_program": "[小程序]",
                "red_packet": "[红包]", "transfer": "[转账]", "merged_forward": "[聊天记录]", "quote": "[引用消息]",
                "other": "[消息]"}

# Type names written by MemoTrace v3 (wxManager MessageType.name) and PyWxDump (type_converter),
# plus English names; unknown names read as "other".
TYPE_NAMES = {
    "文本": "text", "粘贴的文本": "text", "图片": "image", "语音": "voice", "视频": "video", "表情包": "sticker",
    "动画表情": "sticker", "表情": "sticker", "用户上传的GIF表情": "sticker", "文件": "file", "文件(猜)": "file",
    "分享链接": "link", "(分享)卡片式链接": "link", "(分享)音乐": "link", "音乐分享": "link", "视频号": "link",
    "(分享)视频号视频": "link", "视频号直播或直播回放": "link", "视频号直播或直播回放等": "link", "(分享)笔记": "link",
    "(分享)收藏夹": "link", "收藏笔记": "link", "红包": "red_packet", "转账": "transfer", "引用消息": "quote",
    "引用回复": "quote", "合并转发的聊天记录": "merged_forward", "小程序": "mini_program",
    "(分享)小程序": "mini_program", "位置": "location", "位置分享": "location", "位置共享": "location",
    "名片": "card", "个人/公众号名片": "card", "企业微信名片": "card", "推荐公众号": "card",
    "(分享)视频号名片": "card", "音视频通话": "call", "语音通话": "call", "系统消息": "system",
    "系统通知": "system", "拍一拍": "system", "群公告": "system", "添加好友": "system", "邀请加群": "join",
    "企业微信打招呼(猜)": "system", "企业微信添加好友(猜)": "system",
    "emoji": "sticker", "emotion": "sticker", "redpacket": "red_packet", "red packet": "red_packet",
    "merged": "merged_forward", "miniprogram": "mini_program", "applet": "mini_program", "revoke": "recall",
    "pat": "system", "audio": "voice", "picture": "image", "voip": "call",
}
SYSTEM_TYPES = ("system", "recall", "join", "leave")

MENTION = re.compile(r"(?<![\w.+\-])@([^\s@]+)(?=\s|$)")
TAG = re.compile(r"<[^>]*>")
REEDIT = re.compile(r"<a\b[^>]*>重新编辑</a>")
CDATA = re.compile(r"<!\[CDATA\[(.*?)\]\]>", re.S)
QUOTE_LINE = re.compile(r"\n引用[:：]")
SERVER_ID = re.compile(r"-?[0-9]+")
EPOCH = re.compile(r"[0-9]{1,20}")
LOCAL_TIME = re.compile(r"([0-9]{4})[-/.]([0-9]{1,2})[-/.]([0-9]{1,2})[ T]+([0-9]{1,2}):([0-9]{2})(?::([0-9]{2}))?")


def wechat_type(type_code: int, subtype: int) -> str:
    """msg_type of a WeChat Type/SubType pair."""
    if type_code == 49:
        return APP_SUBTYPES.get(subtype, "link" if subtype == 0 else "other")
    return BASE_TYPES.get(type_code, "other")


def named_type(name: str) -> str:
    """msg_type of an exporter's type name (Chinese or English)."""
    name = name.strip()
    if name.startswith("消息撤回"):  # PyWxDump: 消息撤回1, 消息撤回5, ... (notices, not the recall itself)
        return "system"
    if name in TYPE_NAMES:
        return TYPE_NAMES[name]
    lowered = name.lower()
    return lowered if lowered in MESSAGE_TYPES else TYPE_NAMES.get(lowered, "other")


def find_mentions(text: str) -> tuple[str, ...]:
    """Inline ``@name`` followed by U+2005 (mobile), a space (PC) or the end of the text."""
    return tuple(dict.fromkeys(MENTION.findall(text)))


def clean_notice(text: str) -> str:
    """Readable text of a system notice: the replacemsg/template of sysmsg XML, CDATA and the
    recall notice's "重新编辑" link removed."""
    for tag in ("replacemsg", "template", "content"):
        match = re.search(rf"<{tag}>(.*?)</{tag}>", text, re.S)
        if match and "<sysmsg" in text:
            text = match.group(1)
            break
    text = CDATA.sub(lambda m: m.group(1), text)
    text = TAG.sub("", REEDIT.sub("", text))
    return html.unescape(text).strip()


def notice_type(text: str) -> str:
    """join, leave or system, from the notice's words ("X撤回了一条消息" is a system notice: WeChat
    keeps no link to the recalled message)."""
    if re.search(r"加入(了)?群聊|加入本群|加入了该群", text):
        return "join"
    if re.search(r"移出(了)?群聊|退出(了)?群聊", text):
        return "leave"
    return "system"


def split_quote(text: str) -> tuple[str, str | None]:
    """Split a reply followed by a line ``引用:name:quoted`` (MemoTrace v2) or ``引用：name: quoted`` (v3)
    into the reply and the quoted text (the quoted author's name is dropped; None for ``引用:未知``)."""
    match = QUOTE_LINE.search(text)
    if not match:
        return text, None
    reply, quoted = text[:match.start()], text[match.end():].strip()
    separator = re.search(r"[:：] ?", quoted)
    return reply, (quoted[separator.end():].strip() or None) if separator else None


def server_key(value: str) -> str | None:
    """``wx:<id>`` for a server message id; None when absent (empty or 0); ValueError when mangled
    (e.g. Excel's 8.8123E+18)."""
    value = value.strip()
    if value in ("", "0"):
        return None
    if not SERVER_ID.fullmatch(value):
        raise ValueError(f"unreadable message id {value[:30]!r}")
    return f"wx:{value}"


def unescape_name(name: str) -> str:
    """Names as MemoTrace writes them: HTML-escaped (&amp;) and JS-escaped (\\')."""
    return html.unescape(name).replace("\\'", "'").replace('\\"', '"').strip()


def _text_of(element: ET.Element | None, path: str) -> str:
    found = element.find(path) if element is not None else None
    return (found.text or "").strip() if found is not None else ""


def _regex_field(xml: str, tag: str) -> str:
    match = re.search(rf"<{tag}>(.*?)</{tag}>", xml, re.S)
    return html.unescape(CDATA.sub(lambda m: m.group(1), match.group(1))).strip() if match else ""


def app_fields(xml: str) -> dict[str, str]:
    """title, des, feedesc, refer_name, refer_content and refer_type of app-message XML;
    ElementTree first, a tolerant regex when the XML is malformed."""
    xml = xml[xml.find("<"):] if "<" in xml else ""
    names = ("title", "des", "feedesc", "refer_name", "refer_content", "refer_type")
    if not xml:
        return dict.fromkeys(names, "")
    try:
        root = ET.fromstring(xml)
        app = root if root.tag == "appmsg" else root.find("appmsg")
        paths = ("title", "des", "wcpayinfo/feedesc", "refermsg/displayname", "refermsg/content", "refermsg/type")
        return {name: _text_of(app, path) for name, path in zip(names, paths)}
    except (ET.ParseError, ValueError):
        refer = re.search(r"<refermsg>(.*?)</refermsg>", xml, re.S)
        outer = xml[:refer.start()] + xml[refer.end():] if refer else xml
        inner = refer.group(1) if refer else ""
        return {"title": _regex_field(outer, "title"), "des": _regex_field(outer, "des"),
                "feedesc": _regex_field(outer, "feedesc"), "refer_name": _regex_field(inner, "displayname"),
                "refer_content": _regex_field(inner, "content"), "refer_type": _regex_field(inner, "type")}


def quoted_text(content: str, refer_type: str) -> str:
    """The quoted message's text: plain text as is, an app message's title, else a placeholder."""
    if "<" not in content:
        return content
    title = app_fields(content)["title"]
    if title:
        return title
    kind = wechat_type(int(refer_type), 0) if EPOCH.fullmatch(refer_type) else "other"
    return PLACEHOLDERS.get(kind) or PLACEHOLDERS["other"]


def epoch_time(value: str) -> datetime | None:
    """Epoch seconds (or milliseconds) as UTC; None when the value is not a number."""
    value = value.strip()
    if not EPOCH.fullmatch(value):
        return None
    number = int(value)
    try:
        return datetime.fromtimestamp(number / 1000 if number > 1e11 else number, UTC)
    except (OverflowError, OSError, ValueError):
        raise ValueError(f"time out of range {value[:40]!r}") from None


def local_time(value: str, tz: ZoneInfo) -> datetime:
    """``YYYY-MM-DD HH:MM[:SS]`` (also ``/``-separated, as Excel rewrites it) read in ``tz``, as UTC;
    ValueError when unreadable."""
    match = LOCAL_TIME.fullmatch(value.strip())
    if not match:
        raise ValueError(f"unreadable time {value.strip()[:40]!r}")
    try:
        return datetime(*[int(part or 0) for part in match.groups()], tzinfo=tz).astimezone(UTC)
    except (OverflowError, ValueError) as error:
        raise ValueError(f"unreadable time {value.strip()[:40]!r}: {error}") from None


def mentions_of(msg_type: str, text: str) -> tuple[str, ...]:
    return find_mentions(text) if msg_type in ("text", "quote") else ()


def csv_rows(path: Path, width: int) -> Iterator[tuple[int, list[str]] | Reject]:
    """The data rows (after the header) with the line each starts on; wrong widths are Rejects."""
    with open_text(path, newline="") as handle:
        reader = csv.reader(handle)
        line = 1
        while True:
            try:
                row = next(reader)
            except StopIteration:
                return
            except csv.Error as error:
                stuck = reader.line_num < line
                yield Reject(str(path), line, f"CSV error: {error}")
                if stuck:
                    return
                line = reader.line_num + 1
                continue
            if line > 1 and row:
                yield (line, row) if len(row) == width else Reject(
                    str(path), line, f"expected {width} fields, got {len(row)}")
            line = reader.line_num + 1
