"""Write synthetic chat exports in every supported format, streaming (for benchmarks and
round-trip property tests). Each writer takes an iterable of ChatLine and a path."""
from __future__ import annotations

import csv
import json
import random
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

SHANGHAI = ZoneInfo("Asia/Shanghai")
PHRASES = ["有没有低因的咖啡豆", "宝宝夜醒好多次怎么办", "求推荐平价防晒霜", "周末店里人太多了排队好久", "燕麦拿铁什么时候回来",
           "加班多，早上化妆时间不够", "想要伪素颜效果", "猫咪换粮以后软便", "今天天气真好", "哈哈哈笑死我了"]


@dataclass(frozen=True)
class ChatLine:
    number: int  # unique, used as the message id
    group: str
    sender_id: str
    sender_name: str
    sent_at: datetime  # UTC, whole seconds
    text: str


def chat_lines(n: int, seed: int = 0, groups: int = 3, members: int = 500) -> Iterator[ChatLine]:
    """``n`` messages one to 90 seconds apart, Zipf-ish senders, varied texts."""
    rng = random.Random(seed)
    moment = datetime(2026, 9, 1, tzinfo=UTC)
    for number in range(1, n + 1):
        moment += timedelta(seconds=rng.randint(1, 90))
        member = min(int(rng.paretovariate(1.2)), members)
        text = f"{rng.choice(PHRASES)}{rng.choice(['', '啊', '[捂脸]', '？', '。。。'])}"
        yield ChatLine(number, f"测试群{number % groups}", f"wxid_{member:05d}", f"成员{member}", moment, text)


def local(moment: datetime) -> datetime:
    return moment.astimezone(SHANGHAI)


def write_csv(lines: Iterable[ChatLine], path: Path) -> None:
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["group", "sender_id", "sender_name", "time", "text", "message_id"])
        for m in lines:
            writer.writerow([m.group, m.sender_id, m.sender_name, f"{local(m.sent_at):%Y-%m-%d %H:%M:%S}", m.text,
                             f"m{m.number}"])


def write_jsonl(lines: Iterable[ChatLine], path: Path) -> None:
    with open(path, "w", encoding="utf-8") as handle:
        for m in lines:
            handle.write(json.dumps({"group": m.group, "sender_id": m.sender_id, "sender_name": m.sender_name,
                                     "time": int(m.sent_at.timestamp()), "text": m.text, "message_id": m.number},
                                    ensure_ascii=False) + "\n")


def write_wecom(lines: Iterable[ChatLine], path: Path) -> None:
    with open(path, "w", encoding="utf-8") as handle:
        for m in lines:
            handle.write(json.dumps({"msgid": f"{m.number}_{int(m.sent_at.timestamp())}", "action": "send",
                                     "from": m.sender_id, "tolist": [], "roomid": f"wr{m.group}",
                                     "msgtime": int(m.sent_at.timestamp() * 1000), "msgtype": "text",
                                     "text": {"content": m.text}}, ensure_ascii=False) + "\n")


def write_telegram(lines: Iterable[ChatLine], path: Path) -> None:
    """A single-chat result.json, written message by message."""
    with open(path, "w", encoding="utf-8") as handle:
        handle.write('{"name": "测试群", "type": "private_supergroup", "id": 42, "messages": [\n')
        for i, m in enumerate(lines):
            handle.write(("," if i else "") + json.dumps({
                "id": m.number, "type": "message", "date": f"{local(m.sent_at):%Y-%m-%dT%H:%M:%S}",
                "date_unixtime": str(int(m.sent_at.timestamp())), "from": m.sender_name,
                "from_id": f"user{m.sender_id[5:]}", "text": m.text,
                "text_entities": [{"type": "plain", "text": m.text}]}, ensure_ascii=False) + "\n")
        handle.write("]}\n")


def write_memotrace(lines: Iterable[ChatLine], path: Path) -> None:
    """MemoTrace v2 CSV (UTF-8 with BOM)."""
    with open(path, "w", newline="", encoding="utf-8-sig") as handle:
        writer = csv.writer(handle)
        writer.writerow(["localId", "TalkerId", "Type", "SubType", "IsSender", "CreateTime", "Status", "StrContent",
                         "StrTime", "Remark", "NickName", "Sender"])
        for m in lines:
            writer.writerow([m.number, 7, 1, 0, 0, int(m.sent_at.timestamp()), "", m.text,
                             f"{local(m.sent_at):%Y-%m-%d %H:%M:%S}", m.sender_name, m.sender_name, m.sender_id])


def write_pywxdump(lines: Iterable[ChatLine], path: Path) -> None:
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["id", "MsgSvrID", "type_name", "is_sender", "talker", "room_name", "msg", "src",
                         "CreateTime"])
        for m in lines:
            writer.writerow([m.number, 10**15 + m.number, "文本", 0, m.sender_id, f"{m.group}@chatroom", m.text, "",
                             f"{local(m.sent_at):%Y-%m-%d %H:%M:%S}"])


def write_qq(lines: Iterable[ChatLine], path: Path) -> None:
    """QQ 消息管理器 TXT: one conversation, one-digit hours, CRLF, UTF-8 with BOM."""
    rule = "=" * 64
    with open(path, "w", encoding="utf-8-sig", newline="") as handle:
        handle.write(f"消息记录（此消息记录为文本格式，不支持重新导入）\r\n\r\n{rule}\r\n消息分组:我的QQ群\r\n{rule}\r\n"
                     f"消息对象:测试群\r\n{rule}\r\n\r\n")
        for m in lines:
            t = local(m.sent_at)
            handle.write(f"{t:%Y-%m-%d} {t.hour}:{t:%M:%S} {m.sender_name}({10000 + int(m.sender_id[5:])})\r\n{m.text}\r\n\r\n")


def write_whatsapp(lines: Iterable[ChatLine], path: Path) -> None:
    """Android style, day-first dates."""
    with open(path, "w", encoding="utf-8") as handle:
        for m in lines:
            t = local(m.sent_at)
            handle.write(f"{t:%d/%m/%Y}, {t:%H:%M} - {m.sender_name}: {m.text}\n")


WRITERS = {"csv": write_csv, "jsonl": write_jsonl, "wecom": write_wecom, "telegram": write_telegram,
           "memotrace": write_memotrace, "pywxdump": write_pywxdump, "qq": write_qq, "whatsapp": write_whatsapp}
