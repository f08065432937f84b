"""WeCom 会话内容存档 parser: every msgtype, recalls, switch, 1:1 groups, names files, rejects."""
from datetime import UTC, datetime
from pathlib import Path

import pytest

from flows.sources import MessageRecord, ParseOptions, Reject, get_format
from flows.sources.encoding import read_head
from flows.sources.wecom import FORMATS, SWITCH_GROUP, is_names_file, parse, read_names, sniff

FIXTURES = Path(__file__).parent / "fixtures" / "wecom"
MESSAGES = FIXTURES / "messages.jsonl"
NAMES_FILES = [FIXTURES / "groupchat_customer.json", FIXTURES / "wrInternal.json", FIXTURES / "groupchat_many.jsonl"]

def items(path: Path, options: ParseOptions | None = None) -> list:
    return list(parse(path, options or ParseOptions()))


def records(path: Path, options: ParseOptions | None = None) -> list[MessageRecord]:
    return [i for i in items(path, options) if isinstance(i, MessageRecord)]


def ms(n: int) -> datetime:
    return datetime.fromtimestamp(1700000000 + n, UTC)


# (line, msg_type, text, source_key) for every record of messages.jsonl
EXPECTED = [
    (1, "text", "@张三 有没有团购价？", "m01_external"),
    (2, "text", "问下@张三\u2005和@王五 发票怎么开", "m02"),
    (3, "image", "[图片]", "m03_external"),
    (4, "recall", "[撤回消息]", "m04_external"),
    (5, "system", "[同意会话存档]", "m05_external"),
    (6, "system", "[不同意会话存档]", "m06_external"),
    (7, "voice", "[语音]", "m07_external"),
    (8, "video", "[视频]", "m08_external"),
    (9, "sticker", "[表情]", "m09_external"),
    (10, "file", "报价单.xlsx", "m10_external"),
    (11, "card", "[名片] 某某科技", "m11_external"),
    (12, "location", "[位置] 望京SOHO 北京市朝阳区", "m12_external"),
    (13, "link", "团购链接\n限时八折", "m13_external"),
    (14, "mini_program", "[小程序] 商城小程序 下单", "m14_external"),
    (15, "merged_forward", "[聊天记录] 群聊的聊天记录", "m15_external"),
    (16, "red_packet", "恭喜发财", "m16_external"),
    (17, "red_packet", "大吉大利", "m17_external"),
    (18, "text", "@李四\u2005这款有团购吗\n要两箱", "m18_external"),
    (19, "link", "新品上市", "m19_external"),
    (20, "text", "**通知** 周五发货", "m20_external"),
    (21, "other", "[待办] 群待办 周五前确认订单", "m21_external"),
    (22, "other", "[投票] 选哪个口味", "m22_external"),
    (23, "other", "[填表] 报名表", "m23_external"),
    (24, "link", "[在线文档] 需求文档", "m24_external"),
    (25, "other", "[日程] 复盘会", "m25_external"),
    (26, "other", "[会议] 周会", "m26_external"),
    (27, "call", "[语音会议]", "m27_external"),
    (28, "file", "方案.pdf", "m28_external"),
    (29, "link", "[视频号] 好物推荐 开箱视频", "m29_external"),
    (30, "other", "[hologram]", "m30_external"),
    (31, "text", "私聊问一下价格", "m31_external"),
    (32, "text", "好的，稍后发你", "m32"),
    (33, "system", "[切换企业]", "sw01"),
    (40, "text", "同一时间 同一内容", "m40_external"),
]
EXPECTED_REJECTS = [
    (35, "invalid JSON"), (36, "missing msgid"), (37, "missing or invalid msgtime"),
    (38, "mixed item 1: content is not JSON"), (39, "not a JSON object"),
]


def test_every_msgtype_becomes_one_typed_record():
    got = records(MESSAGES)
    assert [(r.line, r.msg_type, r.text, r.source_key) for r in got] == EXPECTED
    assert {r.source_format for r in got} == {"wecom"} and {r.source_file for r in got} == {"messages.jsonl"}


def test_malformed_lines_become_rejects_and_parsing_goes_on():
    rejects = [i for i in items(MESSAGES) if isinstance(i, Reject)]
    assert [(r.line, r.reason[:len(reason)]) for r, (_, reason) in zip(rejects, EXPECTED_REJECTS)] == EXPECTED_REJECTS
    assert len(rejects) == len(EXPECTED_REJECTS) and {r.file for r in rejects} == {str(MESSAGES)}


def test_fields_of_a_group_message():
    first = records(MESSAGES)[0]
    assert first == MessageRecord("wrGroupA", "wmCust01", "wmCust01", ms(1), "@张三 有没有团购价？", "m01_external",
                                  "text", mentions=("张三",), source_format="wecom", source_file="messages.jsonl",
                                  line=1)
    assert first.sent_at.tzinfo is not None and first.sent_at.utcoffset().total_seconds() == 0


def test_inline_mentions_end_at_u2005_or_space():
    by_key = {r.source_key: r for r in records(MESSAGES)}
    assert by_key["m02"].mentions == ("张三", "王五")
    assert by_key["m18_external"].mentions == ("李四",)  # inside a double-encoded mixed item
    assert by_key["m13_external"].mentions == ()


def test_recall_points_at_the_recalled_msgid_and_the_original_stays():
    by_key = {r.source_key: r for r in records(MESSAGES)}
    assert by_key["m04_external"].recalls == "m03_external"
    assert by_key["m03_external"].msg_type == "image"


def test_one_to_one_chats_and_switch_records():
    by_key = {r.source_key: r for r in records(MESSAGES)}
    assert by_key["m31_external"].group == by_key["m32"].group == "私聊:wmCust01,zhangsan"
    switch = by_key["sw01"]
    assert (switch.group, switch.sender_id, switch.sent_at, switch.msg_type) == \
           (SWITCH_GROUP, "zhangsan", ms(33), "system")


def test_names_files_name_groups_and_members():
    options = ParseOptions()
    for path in NAMES_FILES:
        read_names(path, options)
    assert options.group_names == {"wrGroupA": "团购客户群A", "wrInternal": "内部运营群", "wrB": "售后群B", "wrC": "客户群C"}
    assert options.member_names == {"zhangsan": "张三-客服", "wmCust01": "王客户", "lisi": "李四", "wmCust02": "赵老板"}
    first, second = records(MESSAGES, options)[:2]
    assert (first.group, first.sender_id, first.sender_name) == ("团购客户群A", "wmCust01", "王客户")
    assert (second.sender_id, second.sender_name) == ("zhangsan", "张三-客服")
    assert [r.group for r in records(FIXTURES / "messages_array.json", options)] == ["内部运营群"] * 3


def test_one_to_one_groups_can_be_named_too():
    options = ParseOptions(group_names={"私聊:wmCust01,zhangsan": "王客户 私聊"})
    assert {r.group for r in records(MESSAGES, options) if r.source_key in ("m31_external", "m32")} == {"王客户 私聊"}


def test_a_json_array_is_streamed_with_element_indices():
    got = records(FIXTURES / "messages_array.json")
    assert [(r.line, r.source_key, r.sender_id, r.text) for r in got] == [
        (1, "a1", "zhangsan", "内部群通知"), (2, "a2", "lisi", "收到"), (3, "a3", "lisi", "[撤回消息]")]
    assert got[1].sent_at == datetime(2023, 11, 14, 22, 15, 1, 500000, tzinfo=UTC)
    assert (got[2].msg_type, got[2].recalls) == ("recall", "a2")


@pytest.mark.parametrize("name, kept, line", [("truncated_array.json", 2, 3), ("broken_array.json", 1, 2)])
def test_a_broken_array_keeps_what_precedes_and_ends_with_one_reject(name, kept, line):
    got = items(FIXTURES / name)
    assert all(isinstance(i, MessageRecord) for i in got[:kept])
    assert len(got) == kept + 1 and isinstance(got[-1], Reject) and got[-1].line == line


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-16", "gb18030"])
def test_encodings_read_the_same(tmp_path, encoding):
    for source in (MESSAGES, FIXTURES / "messages_array.json"):
        copy = tmp_path / source.name
        copy.write_bytes(source.read_text(encoding="utf-8").encode(encoding))
        assert [(r.line, r.source_key, r.text, r.mentions) for r in records(copy)] == \
               [(r.line, r.source_key, r.text, r.mentions) for r in records(source)]
        assert sniff(read_head(copy))


def test_a_big_array_crosses_buffer_chunks(tmp_path):
    line = '{"msgid": "k%d", "action": "send", "from": "u", "roomid": "wr1", "msgtime": 1700000000000, ' \
           '"msgtype": "text", "text": {"content": "%s"}}'
    path = tmp_path / "big.json"
    path.write_text("[" + ",\n".join(line % (n, "长" * (n % 50)) for n in range(3000)) + "]", encoding="utf-8")
    got = items(path)
    assert [r.source_key for r in got] == [f"k{n}" for n in range(3000)]


def test_sniff_and_names_detection():
    assert sniff(read_head(MESSAGES)) and sniff(read_head(FIXTURES / "messages_array.json"))
    for path in NAMES_FILES:
        assert is_names_file(read_head(path)) and not sniff(read_head(path))
    assert not is_names_file(read_head(MESSAGES))
    assert not sniff("") and not is_names_file("")


def test_same_file_same_keys():
    assert [r.source_key for r in records(MESSAGES)] == [r.source_key for r in records(MESSAGES)]


def test_registered_format():
    assert FORMATS["wecom"].name == "wecom" and get_format("wecom") is FORMATS["wecom"]


def test_unreadable_input_gives_rejects(tmp_path):
    empty = tmp_path / "empty.jsonl"
    empty.write_bytes(b"")
    assert items(empty) == []
    garbage = tmp_path / "garbage.json"
    garbage.write_bytes(b"[\x00\xff{{{")
    got = items(garbage)
    assert len(got) == 1 and isinstance(got[0], Reject)
