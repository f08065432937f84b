"""PyWxDump CSV exports: the msg/src variant and the older content (JSON) variant."""
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from flows.sources import MessageRecord, ParseOptions, Reject, detect_format
from flows.sources.encoding import read_head
from flows.sources.memotrace import parse as parse_memotrace
from flows.sources.pywxdump import FORMATS, is_names_file, parse, read_names, sniff
from flows.sources.records import SYSTEM_SENDER

FIXTURES = Path(__file__).parent / "fixtures" / "pywxdump"
CURRENT = FIXTURES / "12345678@chatroom_0_5001.csv"
OLDER = FIXTURES / "wxid_wang_0_5.csv"
USERS = FIXTURES / "users.json"
MEMOTRACE_V3 = Path(__file__).parent / "fixtures" / "memotrace" / "家长群(12345678@chatroom)" / "家长群.csv"
ROOM = "12345678@chatroom"


def read(path: Path, **options) -> tuple[list[MessageRecord], list[Reject]]:
    items = list(parse(path, ParseOptions(**options)))
    return [i for i in items if isinstance(i, MessageRecord)], [i for i in items if isinstance(i, Reject)]


def at(hour: int, minute: int, second: int = 0) -> datetime:
    return datetime(2024, 3, 1, hour, minute, second, tzinfo=UTC)


def record(line: int, sender_id: str, sender_name: str, sent_at: datetime, text: str, key: str,
           msg_type: str = "text", group: str = ROOM, **extra) -> MessageRecord:
    return MessageRecord(group, sender_id, sender_name, sent_at, text, key, msg_type, source_format="pywxdump",
                         source_file=CURRENT.name, line=line, **extra)


def test_current_variant_records():
    records, rejects = read(CURRENT)
    by_line = {r.line: r for r in records}
    assert by_line[2] == record(2, "wxid_wang", "wxid_wang", at(1, 15, 2), "求推荐记账App\n最好能导出",
                                "wx:8812000000000000001")
    assert by_line[4] == record(4, "wxid_li", "wxid_li", at(1, 16), "@老王 有没有团购价？", "wx:9000000000000000002",
                                mentions=("老王",))
    assert by_line[6] == record(6, "wxid_zhang", "wxid_zhang", at(1, 18), "同求", "wx:9000000000000000004", "quote",
                                quote="求推荐记账App")
    assert by_line[15] == record(15, "self", "我", at(1, 22), "好的我来团", "wx:9000000000000000008")
    summary = [(r.line, r.msg_type, r.sender_id, r.text) for r in records]
    assert summary == [
        (2, "text", "wxid_wang", "求推荐记账App\n最好能导出"),
        (4, "text", "wxid_li", "@老王 有没有团购价？"),
        (5, "image", "wxid_li", "[图片]"),
        (6, "quote", "wxid_zhang", "同求"),
        (9, "link", "wxid_wang", "记账App测评\n十款对比\nhttps://example.com/a"),
        (13, "system", SYSTEM_SENDER, '"老王" 撤回了一条消息'),
        (14, "join", SYSTEM_SENDER, '"老王"邀请"小张"加入了群聊'),
        (15, "text", "self", "好的我来团"),
        (16, "voice", "wxid_li", "语音时长：3.20秒\n翻译结果：明天几点发货"),
        (19, "system", SYSTEM_SENDER, '"${wxid_li}" 拍了拍 "${wxid_wang}"'),  # sysmsg XML: the template
        (20, "system", "wxid_li", '"小李" 拍了拍 "老王"'),  # 拍一拍 with a member talker keeps the member
        (23, "system", SYSTEM_SENDER, "你撤回了一条消息"),
        (24, "text", "wxid_wang", "English type name"),
        (25, "other", "wxid_wang", "游戏相关"),
    ]
    assert by_line[19].source_key.startswith("h:")  # MsgSvrID 0: derived key
    assert [(r.line, r.reason) for r in rejects] == [
        (18, "unknown sender (talker 未知)"),
        (21, "unreadable time 'yesterday'"),
        (22, "expected 9 fields, got 4"),
    ]


def test_older_content_variant_reads_the_json_msg():
    records, rejects = read(OLDER)
    assert rejects == []
    assert [(r.group, r.sender_id, r.msg_type, r.text, r.source_key) for r in records] == [
        ("wxid_wang", "wxid_wang", "text", "你好，请问还有货吗", "wx:7000000000000000001"),
        ("wxid_wang", "self", "image", "[图片]", "wx:7000000000000000002"),
        ("wxid_wang", "wxid_wang", "text", "一个 JSON 字符串", "wx:7000000000000000003"),
        ("wxid_wang", "wxid_wang", "text", "不是 JSON", "wx:7000000000000000004"),
    ]
    assert records[0].sent_at == datetime(2023, 12, 1, 12, 0, tzinfo=UTC)


def test_options_name_groups_and_members_and_set_the_zone():
    records, _ = read(CURRENT, group_names={ROOM: "团购群"}, member_names={"wxid_wang": "老王"},
                      timezone=ZoneInfo("UTC"))
    assert {r.group for r in records} == {"团购群"}
    first = records[0]
    assert (first.sender_id, first.sender_name, first.sent_at) == ("wxid_wang", "老王", at(9, 15, 2))


def test_server_ids_dedupe_with_memotrace_v3():
    pywxdump_keys = {r.source_key for r in read(CURRENT)[0]}
    memotrace = parse_memotrace(MEMOTRACE_V3, ParseOptions())
    memotrace_keys = {r.source_key for r in memotrace if isinstance(r, MessageRecord)}
    assert pywxdump_keys & memotrace_keys == {"wx:8812000000000000001"}


def test_bom_resaved_file_and_garbage(tmp_path):
    resaved = tmp_path / "resaved.csv"
    resaved.write_bytes(CURRENT.read_bytes().decode().encode("utf-8-sig"))
    assert [r.source_key for r in read(resaved)[0]] == [r.source_key for r in read(CURRENT)[0]]
    garbage = tmp_path / "garbage.csv"
    garbage.write_bytes(b"\xff\xfe\x00garbage")
    assert list(parse(garbage, ParseOptions())) == [Reject(str(garbage), 1, "not a PyWxDump CSV export")]
    cut = tmp_path / "cut.csv"
    cut.write_bytes(CURRENT.read_bytes()[:120])
    records, rejects = read(cut)
    assert [r.line for r in records] == [] and [r.line for r in rejects] == [2]


@pytest.mark.parametrize("path", [CURRENT, OLDER])
def test_sniff_and_stable_keys(path):
    assert sniff(read_head(path)) and detect_format(path) == "pywxdump"
    first, second = read(path)[0], read(path)[0]
    assert [r.source_key for r in first] == [r.source_key for r in second]
    assert len({r.source_key for r in first}) == len(first)


def test_registry_entry():
    assert FORMATS == {"pywxdump": FORMATS["pywxdump"]} and FORMATS["pywxdump"].parse is parse


def test_users_json_names_the_talkers_by_nickname_else_remark(tmp_path):
    assert is_names_file(read_head(USERS)) and not sniff(read_head(USERS)) and detect_format(USERS) is None
    assert not is_names_file(read_head(CURRENT)) and not is_names_file("")
    options = ParseOptions()
    read_names(USERS, options)
    assert options.member_names == {"wxid_wang": "老王", "wxid_li": "小李", "wxid_zhang": "张姐"}
    assert options.group_names == {}
    names = {r.sender_id: r.sender_name for r in parse(CURRENT, options) if isinstance(r, MessageRecord)}
    assert names["wxid_wang"] == "老王" and names["wxid_li"] == "小李"
    assert names["wxid_zhang"] == "张姐" and names["self"] == "我"
    broken = tmp_path / "users.json"
    broken.write_text('{"wxid_a": {"wxid": "wxid_a", "nickname": "阿', encoding="utf-8")
    read_names(broken, options)  # cut short: skipped, nothing lost of what was read before
    assert options.member_names == {"wxid_wang": "老王", "wxid_li": "小李", "wxid_zhang": "张姐"}
    del options.member_names["wxid_li"]
    assert {r.sender_id: r.sender_name for r in parse(CURRENT, options)
            if isinstance(r, MessageRecord)}["wxid_li"] == "wxid_li"  # not in users.json: the id
