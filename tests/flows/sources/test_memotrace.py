"""MemoTrace exports: v2 CSV, v3 CSV and TXT (v2 and v3 blocks), read by one format."""
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from flows.sources import MessageRecord, ParseOptions, Reject, detect_format
from flows.sources.encoding import read_head
from flows.sources.memotrace import FORMATS, parse, sniff
from flows.sources.records import SYSTEM_SENDER

FIXTURES = Path(__file__).parent / "fixtures" / "memotrace"
V2_CSV = FIXTURES / "团购群" / "团购群_utf8.csv"
V2_TXT = FIXTURES / "团购群" / "团购群.txt"
V3_CSV = FIXTURES / "家长群(12345678@chatroom)" / "家长群.csv"
V3_TXT = FIXTURES / "家长群(12345678@chatroom)" / "家长群.txt"
V3_HEADER = "消息ID,类型,发送人,时间,内容,备注,昵称,更多信息"


def read(path: Path, **options) -> tuple[list[MessageRecord], list[Reject]]:
    items = list(parse(path, ParseOptions(**options)))
    return [i for i in items if isinstance(i, MessageRecord)], [i for i in items if isinstance(i, Reject)]


def at(hour: int, minute: int, second: int = 0, day: int = 1, month: int = 3, year: int = 2024) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=UTC)


def record(path: Path, line: int, group: str, sender_id: str, sender_name: str, sent_at: datetime, text: str,
           key: str, msg_type: str = "text", **extra) -> MessageRecord:
    return MessageRecord(group, sender_id, sender_name, sent_at, text, key, msg_type, source_format="memotrace",
                         source_file=path.name, line=line, **extra)


def test_v2_csv_reads_every_row_with_types_senders_and_xml():
    records, rejects = read(V2_CSV)
    by_line = {r.line: r for r in records}
    assert by_line[2] == record(V2_CSV, 2, "团购群", "wxid_wang", "老王", at(1, 15, 2), "@张三\u2005有没有团购价？",
                                "mt2:7:101", mentions=("张三",))
    assert by_line[3] == record(V2_CSV, 3, "团购群", "wxid_li", "小李", at(1, 16), "求推荐记账App\n最好能导出", "mt2:7:102")
    assert by_line[6] == record(V2_CSV, 6, "团购群", "wxid_li", "小李", at(1, 18), "同求 @老王", "mt2:7:104", "quote",
                                quote="求推荐记账App", mentions=("老王",))
    assert by_line[9] == record(V2_CSV, 9, "团购群", SYSTEM_SENDER, SYSTEM_SENDER, at(1, 21), '"老王" 撤回了一条消息',
                                "mt2:7:107", "system")
    assert by_line[12] == record(V2_CSV, 12, "团购群", "self", "我", at(1, 25), "好的我来团", "mt2:7:110")
    summary = [(r.line, r.msg_type, r.sender_id, r.text) for r in records]
    assert summary == [
        (2, "text", "wxid_wang", "@张三\u2005有没有团购价？"),
        (3, "text", "wxid_li", "求推荐记账App\n最好能导出"),
        (5, "image", "wxid_wang", "[图片]"),
        (6, "quote", "wxid_li", "同求 @老王"),
        (7, "link", "wxid_wang", "记账App测评\n十款记账工具对比"),
        (8, "red_packet", "wxid_wang", "[红包]"),
        (9, "system", SYSTEM_SENDER, '"老王" 撤回了一条消息'),
        (10, "join", SYSTEM_SENDER, '"老王"邀请"小张"加入了群聊'),
        (11, "system", SYSTEM_SENDER, "你撤回了一条消息"),  # CDATA and the 重新编辑 link removed
        (12, "text", "self", "好的我来团"),
        (16, "text", "wxid_wang", "只有本地时间"),
        (17, "quote", "wxid_zhang", "我也要 & 加一"),  # malformed XML: regex fallback
        (18, "sticker", "wxid_zhang", "[表情包]"),
        (19, "location", "wxid_zhang", "[位置] 东方明珠 上海市浦东新区"),
        (20, "system", SYSTEM_SENDER, '"老王" 拍了拍 "小李"'),
    ]
    assert by_line[17].quote == "求推荐"
    assert all(r.recalls is None and r.reply_to is None for r in records)
    assert [(r.line, r.reason) for r in rejects] == [
        (13, "unreadable Type/SubType 'abc'/'0'"),
        (14, "unreadable time ''"),
        (15, "expected 12 fields, got 5"),
    ]


def test_v2_csv_prefers_create_time_and_reads_str_time_in_the_given_zone():
    records, _ = read(V2_CSV, timezone=ZoneInfo("UTC"))
    by_line = {r.line: r for r in records}
    assert by_line[2].sent_at == at(1, 15, 2)  # CreateTime (epoch) wins over StrTime
    assert by_line[16].sent_at == at(9, 30)  # StrTime only: local time in options.timezone


def test_v3_csv_reads_server_ids_type_names_and_rendered_content():
    records, rejects = read(V3_CSV)
    by_line = {r.line: r for r in records}
    assert by_line[2] == record(V3_CSV, 2, "家长群", "老王", "老王", at(1, 15, 2), "求推荐记账App\n最好能导出",
                                "wx:8812000000000000001")
    assert by_line[6] == record(V3_CSV, 6, "家长群", "小李", "小李", at(1, 18), "@老王\u2005同求",
                                "wx:8812000000000000004", "quote", quote="求推荐记账App\n最好能导出", mentions=("老王",))
    assert by_line[9].text == "【合并转发的聊天记录】\n\n    - 2024-02-28 10:00:00 阿强: 第一条\n    - 2024-02-28 10:01:00 阿强: 第二条"
    summary = [(r.line, r.msg_type, r.sender_id, r.source_key.split(":")[0] + ":") for r in records]
    assert summary == [
        (2, "text", "老王", "wx:"), (4, "sticker", "小李", "wx:"), (5, "red_packet", "老王", "wx:"),
        (6, "quote", "小李", "wx:"), (9, "merged_forward", "小张", "wx:"), (14, "system", SYSTEM_SENDER, "wx:"),
        (15, "system", "小李", "wx:"), (16, "join", SYSTEM_SENDER, "wx:"),
        (17, "system", SYSTEM_SENDER, "h:"),  # 消息ID 0: no server id, derived key
        (18, "link", "小张", "wx:"), (25, "other", "老王", "wx:"), (26, "file", "小李", "wx:"),
    ]
    assert [(r.line, r.reason) for r in rejects] == [
        (22, "unreadable message id '8.812E+18'"),
        (23, "unreadable time '2024-02-30 10:00:00': day is out of range for month"),
        (24, "expected 8 fields, got 2"),
    ]


def test_v3_group_comes_from_the_folder_and_group_names_override_it():
    records, _ = read(V3_CSV, group_names={"12345678@chatroom": "三年二班家长群"})
    assert {r.group for r in records} == {"三年二班家长群"}


def test_v2_txt_blocks_unescape_names_and_keep_genuine_repeats():
    records, rejects = read(V2_TXT)
    assert records[0] == record(V2_TXT, 1, "团购群", "老王", "老王", at(1, 15, 2), "求推荐记账App\n最好能导出",
                                records[0].source_key)
    summary = [(r.line, r.msg_type, r.sender_id, r.text, r.quote) for r in records]
    assert summary == [
        (1, "text", "老王", "求推荐记账App\n最好能导出", None),
        (5, "image", "Tom & Jerry", "[图片]", None),
        (8, "quote", "O'Brien", "同求", "求推荐记账App"),
        (12, "system", SYSTEM_SENDER, '"老王" 撤回了一条消息', None),  # v2 one-line notice
        (14, "text", "老王", "哈哈", None),
        (17, "text", "老王", "哈哈", None),
        (23, "sticker", "小李", "[表情包]", None),
    ]
    assert records[4].source_key != records[5].source_key  # same second, same text: ordinal 1 and 2
    assert all(r.source_key.startswith("h:") for r in records)
    assert [(r.line, r.reason) for r in rejects] == [
        (20, "unreadable time '2024-13-01 09:20:00': month must be in 1..12")]


def test_v3_txt_time_only_titles_are_notices_and_blank_lines_inside_content_stay():
    records, rejects = read(V3_TXT)
    assert rejects == []
    summary = [(r.line, r.group, r.msg_type, r.sender_id, r.text) for r in records]
    assert summary == [
        (1, "家长群", "text", "老王", "求推荐记账App"),
        (4, "家长群", "join", SYSTEM_SENDER, '"小李"邀请"小张"加入了群聊'),
        (7, "家长群", "quote", "小李", "@老王\u2005同求"),
        (11, "家长群", "merged_forward", "小张",
         "【合并转发的聊天记录】\n\n    - 2024-02-28 10:00:00 阿强: 第一条\n    - 2024-02-28 10:01:00 阿强: 第二条"),
        (18, "家长群", "sticker", "小张", "【表情包】 [旺柴]"),
    ]
    assert records[2].quote == "求推荐记账App" and records[2].mentions == ("老王",)


def test_gb18030_excel_resaved_v3_csv(tmp_path):
    folder = tmp_path / "读书会(wxid_abcdef123)"
    folder.mkdir()
    path = folder / "读书会.csv"
    path.write_bytes(f'{V3_HEADER}\r\n123456789,文本,老王,2024/3/1 9:15,"下周读什么？\n求推荐",老王,Wang,more\r\n'
                     .encode("gb18030"))
    assert sniff(read_head(path)) and detect_format(path) == "memotrace"
    records, rejects = read(path)
    assert rejects == []
    assert records == [MessageRecord("读书会", "老王", "老王", at(1, 15), "下周读什么？\n求推荐", "wx:123456789",
                                     source_format="memotrace", source_file="读书会.csv", line=2)]


def test_truncated_and_foreign_files_give_rejects_not_exceptions(tmp_path):
    cut = tmp_path / "cut_utf8.csv"
    data = V2_CSV.read_bytes()
    cut.write_bytes(data[:data.index("最好能导出".encode())])  # inside a quoted multi-line field
    records, rejects = read(cut)
    assert [r.line for r in records] == [2]
    assert [(r.line, r.reason) for r in rejects] == [(3, "expected 12 fields, got 8")]
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    assert list(parse(empty, ParseOptions())) == [Reject(str(empty), 1, "not a MemoTrace export")]
    assert list(parse(tmp_path / "missing.csv", ParseOptions()))[0].line == 0


@pytest.mark.parametrize("path", [V2_CSV, V3_CSV, V2_TXT, V3_TXT])
def test_sniff_and_stable_keys(path):
    assert sniff(read_head(path)) and detect_format(path) == "memotrace"
    assert isinstance(parse(path, ParseOptions()), Iterator)
    first, second = read(path)[0], read(path)[0]
    assert [r.source_key for r in first] == [r.source_key for r in second]
    assert len({r.source_key for r in first}) == len(first)


def test_registry_entry():
    assert FORMATS["memotrace"].name == "memotrace" and FORMATS["memotrace"].parse is parse
