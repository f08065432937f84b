"""QQ 消息管理器 TXT: fixtures in fixtures/qq (UTF-8 BOM with CRLF / bare CR / bare LF, GB18030, UTF-16)."""
from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from flows.sources.encoding import read_head
from flows.sources.qq import FORMATS, parse, sniff
from flows.sources.records import SYSTEM_SENDER, MessageRecord, ParseOptions, Reject, derived_key

FIXTURES = Path(__file__).parent / "fixtures" / "qq"
PREAMBLE = "消息记录（此消息记录为文本格式，不支持重新导入）"
SEP = "=" * 64


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


def run(path: Path) -> list[MessageRecord | Reject]:
    return list(parse(path, ParseOptions()))


def rows(items):
    """(line, group, sender_id, sender_name, sent_at, type, text, mentions) of the records, Rejects as is."""
    return [(r.line, r.group, r.sender_id, r.sender_name, r.sent_at, r.msg_type, r.text, r.mentions)
            if isinstance(r, MessageRecord) else r for r in items]


def write(tmp_path: Path, body: str, encoding: str = "utf-8", name: str = "q.txt") -> Path:
    path = tmp_path / name
    path.write_bytes(body.encode(encoding))
    return path


def test_all_messages_file_with_many_conversations_and_mixed_line_ends():
    path = FIXTURES / "all_messages.txt"
    group, friend = "报销工具交流群", "老朋友"
    assert rows(run(path)) == [
        (9, group, "10001", "小王", utc(2016, 7, 19, 1, 27, 15), "text", "求一个好用的报销工具\n有吗", ()),
        (13, group, SYSTEM_SENDER, "系统消息", utc(2016, 7, 19, 1, 28, 2), "system", "小李撤回了一条消息", ()),
        (16, group, "20002", "【管理员】老张(北京)", utc(2016, 7, 19, 2, 0), "text", "第一段\n\n第二段，内有空行", ()),
        (22, group, "747150918", "", utc(2016, 7, 19, 2, 1), "image", "[图片]", ()),
        (25, group, "271147505", "271147505", utc(2016, 7, 19, 2, 2), "text", "@小王 @老张(北京) 这个可以",
         ("小王", "老张(北京)")),
        # a header-looking line that does not follow a blank line is content
        (28, group, "xiaohong@example.com", "小红", utc(2016, 7, 19, 2, 3), "text",
         "2016-07-19 10:04:00 冒充(30003)\n上面那行是我粘贴的", ()),
        (32, group, SYSTEM_SENDER, "系统消息", utc(2016, 7, 19, 2, 5), "join", "新人加入本群", ()),
        # bare CR and bare LF inside the content end lines too
        (35, group, "10001", "小王", utc(2016, 7, 19, 2, 5), "text", "第一行\n第二行\n第三行", ()),
        (40, group, "10001", "小王", utc(2016, 7, 19, 2, 6), "text", "+1", ()),
        (43, group, "10001", "小王", utc(2016, 7, 19, 2, 6), "text", "+1", ()),
        # the rejected headers take their content lines with them
        Reject(str(path), 46, "unreadable time '2016-02-30 9:00:00'"),
        Reject(str(path), 49, "unreadable time '2016-07-19 25:00:00'"),
        # 8:43:38 PM; an id-less header in a conversation with ids is content
        (52, group, "123456", "名字", utc(2016, 7, 19, 12, 43, 38), "text", "晚上好\n\n2016-07-19 9:00:00 无号的人", ()),
        (57, group, "123456", "名字", utc(2016, 7, 19, 12, 44), "voice", "[语音]", ()),  # 下午 8:44:00
        Reject(str(path), 66, "text outside a message"),
        (68, friend, "老朋友", "老朋友", utc(2016, 7, 19, 23, 5, 9), "text", "早", ()),  # private: no ids
        (71, friend, "我", "我", utc(2016, 7, 19, 23, 6), "text", "早上好 @老朋友\u2005在吗", ("老朋友",)),
    ]


def test_keys_metadata_and_stability():
    path = FIXTURES / "all_messages.txt"
    first, second = run(path), run(path)
    records = [r for r in first if isinstance(r, MessageRecord)]
    assert [r.source_key for r in records] == [r.source_key for r in second if isinstance(r, MessageRecord)]
    assert len({r.source_key for r in records}) == len(records)
    assert {(r.source_format, r.source_file) for r in records} == {("qq", "all_messages.txt")}
    assert all(r.reply_to is None and r.quote is None and r.recalls is None for r in records)
    plus = [r for r in records if r.text == "+1"]
    assert [r.source_key for r in plus] == [
        derived_key("报销工具交流群", utc(2016, 7, 19, 2, 6), "10001", "+1", n) for n in (1, 2)]


def test_gb18030_private_chat_with_chinese_markers_after_the_time():
    assert rows(run(FIXTURES / "private_gb18030.txt")) == [
        (9, "张三", "张三", "张三", utc(2015, 1, 2, 0, 5, 6), "text", "新年好", ()),
        (12, "张三", "李四", "李四", utc(2015, 1, 2, 4, 30), "file", "[文件]", ()),
    ]


def test_utf16_with_english_am_pm():
    assert rows(run(FIXTURES / "group_utf16.txt")) == [
        (9, "Expense Tools", "10001", "Tom", utc(2016, 7, 18, 16, 1, 2), "text", "midnight question", ()),
        (12, "Expense Tools", "10001", "Tom", utc(2016, 7, 19, 4, 1, 2), "sticker", "[表情]", ()),
    ]


def test_marker_on_a_24_hour_time_belongs_to_the_name_and_timezone_option(tmp_path):
    body = f"{PREAMBLE}\r\n\r\n{SEP}\r\n消息对象:群\r\n{SEP}\r\n\r\n2016-07-19 20:00:00 PM 小王(10001)\r\nhi\r\n"
    [record] = run(write(tmp_path, body))
    assert (record.sender_id, record.sender_name, record.sent_at) == ("10001", "PM 小王", utc(2016, 7, 19, 12))
    [record] = list(parse(write(tmp_path, body), ParseOptions(timezone=ZoneInfo("UTC"))))
    assert record.sent_at == utc(2016, 7, 19, 20)


def test_truncated_and_headless_files(tmp_path):
    # no preamble, no block: the file name is the group; a last header without content or line end
    body = "2016-07-19 9:27:15 小王(10001)\n在吗\n\n2016-07-19 9:27:16 小王(10001)"
    assert rows(run(write(tmp_path, body, name="某群.txt"))) == [
        (1, "某群", "10001", "小王", utc(2016, 7, 19, 1, 27, 15), "text", "在吗", ()),
        (4, "某群", "10001", "小王", utc(2016, 7, 19, 1, 27, 16), "text", "", ()),
    ]


def test_unreadable_and_garbage_files_give_rejects(tmp_path):
    missing = tmp_path / "missing.txt"
    [reject] = run(missing)
    assert isinstance(reject, Reject) and reject.line == 0 and reject.file == str(missing)
    garbage = tmp_path / "garbage.txt"
    garbage.write_bytes(bytes(range(256)) * 8)
    items = run(garbage)
    assert items and all(isinstance(r, Reject) for r in items)


def test_sniff():
    for name in ("all_messages.txt", "private_gb18030.txt", "group_utf16.txt"):
        assert sniff(read_head(FIXTURES / name))
    assert sniff(f"\n{SEP}\r\n消息分组:我的群聊\r\n{SEP}\r\n消息对象:群\r\n")  # no preamble
    assert FORMATS["qq"].sniff is sniff and FORMATS["qq"].parse is parse
