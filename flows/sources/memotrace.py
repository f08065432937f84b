"""MemoTrace / WeChatMsg exports: one format, three variants told apart by content.

v2 CSV  ``data/聊天记录/<remark>/<remark>_utf8.csv`` (UTF-8 BOM), header
        ``localId,TalkerId,Type,SubType,IsSender,CreateTime,Status,StrContent,StrTime,Remark,NickName,Sender``.
        Type/SubType -> msg_type; app-message XML in StrContent -> title (+ description), a quote's
        reply text and quoted text. CreateTime (epoch s) is preferred over StrTime (local time).
        source_key ``mt2:{TalkerId}:{localId}``: localId is a rowid of the exporting PC's database,
        so a re-export from another machine may not dedupe against this one.
        sender_id = Sender (wxid); own messages (IsSender=1) with an empty Sender get ``self``.
v3 CSV  ``聊天记录/<remark>(<wxid|…@chatroom>)/<remark>.csv`` (UTF-8 BOM), header
        ``消息ID,类型,发送人,时间,内容,备注,昵称,更多信息``: server id -> ``wx:{消息ID}`` (dedupes with
        PyWxDump's MsgSvrID); Chinese type names; display names only, so sender_id = the display
        name; local time; rendered content (``text\\n引用：name: quoted`` -> text + quote).
TXT     blocks ``time name\\ncontent`` separated by a blank line (v2 ``StrTime name``, v3 ``time name``);
        system notices: v3 has a time-only title line, v2 a lone ``time notice`` line. Names are
        HTML/JS-unescaped; no ids, so keys are derived_key() and sender_id = the name.

Group: the folder ``<remark>(<id>)`` gives the name for v3 (``options.group_names[id]`` wins);
otherwise the file name (``<remark>_utf8.csv`` / ``<remark>.txt``), which equals v2's folder name.
System notices get sender SYSTEM_SENDER and msg_type join/leave/system ("X撤回了一条消息" is a system notice: WeChat
keeps only the notice, so ``recalls`` stays empty). Times without an offset are read in
``options.timezone``.
"""
from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from pathlib import Path

from flows.sources.encoding import open_text, read_head
from flows.sources.records import SYSTEM_SENDER, Format, KeyMaker, MessageRecord, ParseOptions, Reject
from flows.sources.wechat_content import (PLACEHOLDERS, QUOTE_LINE, SELF_ID, SYSTEM_TYPES, app_fields,
                                          clean_notice, csv_rows, epoch_time, local_time, mentions_of,
                                          named_type, notice_type, quoted_text, server_key,
                                          split_quote, unescape_name, wechat_type)

FORMAT = "memotrace"
V2_HEADER = ["localId", "TalkerId", "Type", "SubType", "IsSender", "CreateTime", "Status", "StrContent",
             "StrTime", "Remark", "NickName", "Sender"]
V3_HEADER = ["消息ID", "类型", "发送人", "时间", "内容", "备注", "昵称", "更多信息"]
TXT_TITLE = re.compile(r"(\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2})(?: (.*))?")
QQ_TITLE_END = re.compile(r"(\(\d{5,}\)|<[^<>\s]+@[^<>\s]+>)$")  # QQ TXT titles end with (QQ号) or <email>
CHAT_FOLDER = re.compile(r"(.+)\(([A-Za-z][\w\-]{4,}|[\w\-.]+@(?:chatroom|openim|im\.chatroom))\)", re.A)
XML_ATTRS = {"location": ("poiname", "label"), "card": ("nickname",)}
TXT_EXACT = {"[图片]": "image", "[语音]": "voice", "[视频]": "video", "[表情包]": "sticker", "[文件]": "file",
             "[音乐分享]": "link"}
TXT_PREFIXES = (("【图片】", "image"), ("【表情包】", "sticker"), ("【语音】", "voice"), ("【视频】", "video"),
                ("【文件】", "file"), ("【分享链接】", "link"), ("【视频号】", "link"), ("【笔记】", "link"),
                ("[链接]", "link"), ("【红包】", "red_packet"), ("【合并转发的聊天记录】", "merged_forward"),
                ("【位置分享】", "location"), ("【名片】", "card"), ("【音视频通话】", "call"),
                ("【发起转账】", "transfer"), ("【已收款】", "transfer"), ("【已退还】", "transfer"))


def sniff(head: str) -> bool:
    return variant_of(head) is not None


def variant_of(head: str) -> str | None:
    """"v2", "v3", "txt" or None, from the first characters of a file."""
    text = head.lstrip("\ufeff")
    try:
        header = next(csv.reader(io.StringIO(text.split("\n", 1)[0])), [])
    except csv.Error:
        header = []
    if header == V2_HEADER:
        return "v2"
    if header == V3_HEADER:
        return "v3"
    return "txt" if looks_like_txt(text) else None


def looks_like_txt(text: str) -> bool:
    """The first line is a ``YYYY-MM-DD HH:MM:SS [name]`` title and the titles are not QQ's."""
    lines = text.splitlines()[:5000]
    if not lines or not TXT_TITLE.fullmatch(lines[0].strip()):
        return False
    titles = [line for previous, line in zip([""] + lines, lines)
              if not previous.strip() and TXT_TITLE.fullmatch(line.strip())]
    return sum(bool(QQ_TITLE_END.search(title.strip())) for title in titles) * 2 < len(titles)


def parse(path: Path, options: ParseOptions) -> Iterator[MessageRecord | Reject]:
    try:
        variant = variant_of(read_head(path))
        if variant is None:
            yield Reject(str(path), 1, "not a MemoTrace export")
            return
        read = {"v2": parse_v2, "v3": parse_v3, "txt": parse_txt}[variant]
        yield from read(path, options, group_name(path, variant, options))
    except OSError as error:
        yield Reject(str(path), 0, f"unreadable file: {error}")


def group_name(path: Path, variant: str, options: ParseOptions) -> str:
    if variant != "v2":
        match = CHAT_FOLDER.fullmatch(path.parent.name)
        if match:
            return options.group_names.get(match.group(2), match.group(1).strip())
    return path.stem.removesuffix("_utf8")


def parse_v2(path: Path, options: ParseOptions, group: str) -> Iterator[MessageRecord | Reject]:
    for item in csv_rows(path, len(V2_HEADER)):
        if isinstance(item, Reject):
            yield item
            continue
        line, row = item
        try:
            yield v2_record(row, group, options, path, line)
        except ValueError as error:
            yield Reject(str(path), line, str(error))


def v2_record(row: list[str], group: str, options: ParseOptions, path: Path, line: int) -> MessageRecord:
    local_id, talker_id, type_code, subtype, is_sender, create_time, _, content, str_time, remark, nick, sender = row
    if not local_id.strip() or not talker_id.strip():
        raise ValueError("missing localId or TalkerId")
    try:
        msg_type = wechat_type(int(type_code), int(subtype or 0))
    except ValueError:
        raise ValueError(f"unreadable Type/SubType {type_code[:20]!r}/{subtype[:20]!r}") from None
    sent_at = epoch_time(create_time) or local_time(str_time, options.timezone)
    text, quote = v2_content(msg_type, content)
    if msg_type == "system":
        msg_type = notice_type(text)
    if msg_type in SYSTEM_TYPES:
        sender_id = name = SYSTEM_SENDER
    else:
        name = unescape_name(remark) or unescape_name(nick)
        sender_id = sender.strip() or (SELF_ID if is_sender.strip() == "1" else name)
        if not sender_id:
            raise ValueError("missing Sender")
    return MessageRecord(group, sender_id, name or sender_id, sent_at, text,
                         f"mt2:{talker_id.strip()}:{local_id.strip()}", msg_type, quote=quote,
                         mentions=mentions_of(msg_type, text), source_format=FORMAT, source_file=path.name,
                         line=line)


def v2_content(msg_type: str, content: str) -> tuple[str, str | None]:
    """Readable text (and quoted text) of a v2 StrContent, which is raw text or XML."""
    if msg_type == "text":
        return content, None
    if msg_type == "system":
        return clean_notice(content), None
    placeholder = PLACEHOLDERS.get(msg_type, PLACEHOLDERS["other"])
    if "<" not in content:
        return content.strip() or placeholder, None
    if msg_type in XML_ATTRS:
        found = (re.search(rf'\b{name}="([^"]*)"', content) for name in XML_ATTRS[msg_type])
        return " ".join([placeholder] + [m.group(1) for m in found if m and m.group(1)]), None
    if msg_type in ("image", "voice", "video", "sticker", "call"):
        return placeholder, None
    fields = app_fields(content)
    if msg_type == "quote":
        quoted = quoted_text(fields["refer_content"], fields["refer_type"])
        return fields["title"] or placeholder, quoted or None
    if msg_type in ("transfer", "red_packet"):
        return f"{placeholder} {fields['feedesc'] or fields['title']}".strip(), None
    return "\n".join(part for part in (fields["title"], fields["des"]) if part) or placeholder, None


def parse_v3(path: Path, options: ParseOptions, group: str) -> Iterator[MessageRecord | Reject]:
    keys = KeyMaker()
    for item in csv_rows(path, len(V3_HEADER)):
        if isinstance(item, Reject):
            yield item
            continue
        line, row = item
        try:
            yield v3_record(row, group, options, path, line, keys)
        except ValueError as error:
            yield Reject(str(path), line, str(error))


def v3_record(row: list[str], group: str, options: ParseOptions, path: Path, line: int,
              keys: KeyMaker) -> MessageRecord:
    message_id, type_name, name, time_text, content, remark, nickname, _ = row
    msg_type = named_type(type_name)
    sent_at = local_time(time_text, options.timezone)
    key = server_key(message_id)
    text, quote = split_quote(content.rstrip()) if msg_type == "quote" else (content.rstrip(), None)
    if msg_type == "system":
        text = clean_notice(text)
        msg_type = notice_type(text)
    name = unescape_name(name) or unescape_name(remark) or unescape_name(nickname)
    if msg_type in SYSTEM_TYPES and (type_name.strip() != "拍一拍" or not name):
        name = SYSTEM_SENDER
    if not name:
        raise ValueError("missing 发送人")
    return MessageRecord(group, name, name, sent_at, text, key or keys.key(group, sent_at, name, text),
                         msg_type, quote=quote, mentions=mentions_of(msg_type, text), source_format=FORMAT,
                         source_file=path.name, line=line)


def parse_txt(path: Path, options: ParseOptions, group: str) -> Iterator[MessageRecord | Reject]:
    keys = KeyMaker()
    with open_text(path) as handle:
        for start, title, body in txt_blocks(handle):
            try:
                yield txt_record(title, body, group, options, path, start, keys)
            except ValueError as error:
                yield Reject(str(path), start, str(error))


def txt_blocks(lines: Iterator[str]) -> Iterator[tuple[int, re.Match | None, list[str]]]:
    """(first line number, title match or None for stray text, body lines) per block; a title
    starts a block only at the top or after a blank line."""
    start, title, body, after_blank = 0, None, [], True
    for number, raw in enumerate(lines, start=1):
        line = raw.rstrip("\r\n").lstrip("\ufeff")
        match = TXT_TITLE.fullmatch(line) if after_blank else None
        if match or (not start and line.strip()):
            if start:
                yield start, title, body
            start, title, body = number, match, [] if match else [line]
        elif start:
            body.append(line)
        after_blank = not line.strip()
    if start:
        yield start, title, body


def txt_record(title: re.Match | None, body: list[str], group: str, options: ParseOptions, path: Path,
               line: int, keys: KeyMaker) -> MessageRecord:
    if title is None:
        raise ValueError("text outside a message block")
    while body and not body[-1].strip():
        body.pop()
    sent_at = local_time(title.group(1), options.timezone)
    name, content = title.group(2) or "", "\n".join(body)
    quote = None
    if not name.strip() or not body:  # v3 time-only title / v2 one-line "time notice"
        text = clean_notice(content if not name.strip() else name)
        sender, msg_type = SYSTEM_SENDER, notice_type(text)
    else:
        sender = unescape_name(name)
        text, quote = split_quote(content)
        msg_type = "quote" if QUOTE_LINE.search(content) else txt_type(text)
    key = keys.key(group, sent_at, sender, text)
    return MessageRecord(group, sender, sender, sent_at, text, key, msg_type, quote=quote,
                         mentions=mentions_of(msg_type, text), source_format=FORMAT, source_file=path.name,
                         line=line)


def txt_type(text: str) -> str:
    """msg_type of rendered TXT content: v2 placeholders ([图片]) and v3 markers (【表情包】 desc)."""
    stripped = text.strip()
    if stripped in TXT_EXACT:
        return TXT_EXACT[stripped]
    return next((kind for prefix, kind in TXT_PREFIXES if stripped.startswith(prefix)), "text")


FORMATS = {FORMAT: Format(FORMAT, sniff, parse)}
