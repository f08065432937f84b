"""Telegram Desktop result.json parser: single-chat and full exports, the 2020 variant, rejects."""
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from flows.sources import MessageRecord, ParseOptions, Reject, get_format
from flows.sources.encoding import read_head
from flows.sources.telegram import FORMATS, parse, sniff

FIXTURES = Path(__file__).parent / "fixtures" / "telegram"
SINGLE = FIXTURES / "single_chat.json"
FULL = FIXTURES / "full_export.json"
OLD = FIXTURES / "export_2020.json"
CHAT = "tg:1234567890:"

def items(path: Path, options: ParseOptions | None = None) -> list:
    return list(parse(path, options or ParseOptions()))


def records(path: Path, options: ParseOptions | None = None) -> list[MessageRecord]:
    return [i for i in items(path, options) if isinstance(i, MessageRecord)]


def at(minute: int) -> datetime:
    """Message n of single_chat.json was sent n minutes after 2024-05-01 13:03:11 UTC."""
    return datetime.fromtimestamp(1714568591 + minute * 60, UTC)


# (line, msg_type, sender_id, sender_name, text, reply_to, mentions); source_key = CHAT + line
EXPECTED = [
    (1, "join", "user777", "Lee", "[invite_members] Bob, Ann", None, ()),
    (2, "join", "user888", "Cat", "[join_group_by_link]", None, ()),
    (3, "text", "user101", "Bob", "有没有推荐的咖啡豆？", None, ()),
    (4, "text", "user777", "Lee", "同求 @bob Ann 看这个 https://e.example/beans", CHAT + "3", ("bob", "user202")),
    (5, "image", "user777", "Lee", "新到的豆子", None, ()),
    (6, "sticker", "user202", "Ann", "[表情] 😂", None, ()),
    (7, "voice", "user202", "Ann", "[语音]", None, ()),
    (8, "video", "user101", "Bob", "[视频]", None, ()),
    (9, "video", "user101", "Bob", "开箱视频", None, ()),
    (10, "video", "user888", "Cat", "[动图]", None, ()),
    (11, "file", "user777", "Lee", "[文件] 价目表.pdf", None, ()),
    (12, "file", "user777", "Lee", "[音频]", None, ()),
    (13, "location", "user202", "Ann", "[位置]", None, ()),
    (14, "location", "user202", "Ann", "[位置] Manner Coffee 南京西路1号", None, ()),
    (15, "other", "user777", "Lee", "[投票] 下周团哪款？", None, ()),
    (16, "card", "user101", "Bob", "[名片]", None, ()),
    (17, "text", "user999", "user999", "我是已删除账号", None, ()),  # deleted account: from null
    (18, "text", "channel1234567890", "咖啡爱好者", "管理员匿名公告", None, ()),
    (19, "text", "user101", "Bob", "转发一下", None, ()),
    (20, "leave", "user202", "Ann", "[remove_members] Ann", None, ()),
    (21, "system", "user777", "Lee", "[pin_message]", None, ()),
    (26, "text", "user888", "Cat", "回复别的群", "tg:555:9", ()),  # reply_to_peer_id names another chat
    (27, "system", "user777", "Lee", "Lee 设置了自定义提示", None, ()),
    (28, "system", "user777", "Lee", "[edit_group_title] 咖啡豆团购群", None, ()),
    (29, "text", "user101", "Bob", "同一分钟 同一内容", None, ()),
]
EXPECTED_REJECTS = [(22, "unsupported message 22"), (23, "malformed text"), (24, "message without a date"),
                    (25, "message is not an object")]


def test_single_chat_export_every_kind_of_message():
    got = records(SINGLE)
    assert [(r.line, r.msg_type, r.sender_id, r.sender_name, r.text, r.reply_to, r.mentions) for r in got] == EXPECTED
    assert [r.source_key for r in got] == [f"{CHAT}{line}" for line, *_ in EXPECTED]
    assert {r.group for r in got} == {"咖啡爱好者"}
    assert {(r.source_format, r.source_file) for r in got} == {("telegram", "single_chat.json")}


def test_date_unixtime_wins_over_the_local_date():
    # the exporting machine was on UTC+2; options say Shanghai: neither matters when date_unixtime is there
    got = records(SINGLE, ParseOptions(timezone=ZoneInfo("Asia/Shanghai")))
    assert [r.sent_at for r in got] == [at(line) for line, *_ in EXPECTED]
    assert got[0] == MessageRecord("咖啡爱好者", "user777", "Lee", at(1), "[invite_members] Bob, Ann", CHAT + "1", "join",
                                   source_format="telegram", source_file="single_chat.json", line=1)


def test_malformed_messages_become_rejects():
    rejects = [i for i in items(SINGLE) if isinstance(i, Reject)]
    assert [(r.line, r.reason[:len(reason)]) for r, (_, reason) in zip(rejects, EXPECTED_REJECTS)] == EXPECTED_REJECTS
    assert len(rejects) == len(EXPECTED_REJECTS) and {r.file for r in rejects} == {str(SINGLE)}


def test_full_export_reads_chats_and_left_chats():
    got = records(FULL)
    assert [(r.line, r.group, r.sender_id, r.text, r.source_key, r.reply_to) for r in got] == [
        (1, "Bob", "user101", "在吗", "tg:101:1", None),
        (2, "Bob", "user777", "在", "tg:101:2", "tg:101:1"),
        (3, "777", "user777", "备忘：买豆子", "tg:777:1", None),  # saved messages: no name, the chat id
        (4, "旧群", "user303", "旧群里的消息", "tg:555:9", None),  # a left chat; the reply of single_chat points here
    ]
    assert [i for i in items(FULL) if isinstance(i, Reject)] == []


def test_2020_export_numeric_ids_and_local_dates():
    got = items(OLD)
    assert [(r.line, r.msg_type, r.sender_id, r.sender_name, r.text, r.reply_to, r.mentions)
            for r in got if isinstance(r, MessageRecord)] == [
        (1, "system", "user12345", "Alice", "[create_group] Alice, Bob 老群", None, ()),
        (2, "text", "user12345", "Alice", "早上好", None, ()),
        (3, "text", "user67890", "Bob", "@alice 早，有人用过这个记账App吗", "tg:4242:2", ("alice",)),
        (4, "image", "user11111", "user11111", "[图片]", None, ()),  # deleted account: from null
        (5, "join", "user67890", "Bob", "[invite_members] Carol", None, ()),
    ]
    assert isinstance(got[-1], Reject) and got[-1].line == 6 and "invalid date" in got[-1].reason
    assert got[1].sent_at == datetime(2020, 3, 1, 1, 15, 2, tzinfo=UTC)  # 09:15:02 in Asia/Shanghai (default)
    berlin = records(OLD, ParseOptions(timezone=ZoneInfo("Europe/Berlin")))
    assert berlin[1].sent_at == datetime(2020, 3, 1, 8, 15, 2, tzinfo=UTC)


@pytest.mark.parametrize("fraction", [0.0, 0.01, 0.3, 0.5, 0.9, 0.999])
def test_a_truncated_file_keeps_what_came_before_and_rejects_the_rest(tmp_path, fraction):
    data = SINGLE.read_bytes()
    path = tmp_path / "result.json"
    path.write_bytes(data[:int(len(data) * fraction)])
    got = items(path)
    assert isinstance(got[-1], Reject) and got[-1].file == str(path)
    whole = [(i.line, getattr(i, "source_key", None), getattr(i, "text", None)) for i in items(SINGLE)]
    before = [(i.line, getattr(i, "source_key", None), getattr(i, "text", None)) for i in got[:-1]]
    assert before == whole[:len(before)]  # the messages before the damage, as in the whole file


@pytest.mark.parametrize("content", [b"[1, 2, 3]", b'{"about": "x"}', b"null", b"\xff\xfe\x00\x00garbage"])
def test_json_without_chats_gives_one_reject(tmp_path, content):
    path = tmp_path / "result.json"
    path.write_bytes(content)
    got = items(path)
    assert len(got) == 1 and isinstance(got[0], Reject)


def test_a_bom_or_utf16_file_reads_the_same(tmp_path):
    for encoding in ("utf-8-sig", "utf-16"):
        copy = tmp_path / f"result-{encoding}.json"
        copy.write_bytes(SINGLE.read_text(encoding="utf-8").encode(encoding))
        assert records(copy) == [r.__class__(**{**r.__dict__, "source_file": copy.name}) for r in records(SINGLE)]
        assert sniff(read_head(copy))


def test_sniff():
    for path in (SINGLE, FULL, OLD):
        assert sniff(read_head(path)), path.name
    assert not sniff("")


def test_same_file_same_keys():
    for path in (SINGLE, FULL, OLD):
        assert [r.source_key for r in records(path)] == [r.source_key for r in records(path)]


def test_registered_format():
    assert FORMATS["telegram"].name == "telegram" and get_format("telegram") is FORMATS["telegram"]
