"""WhatsApp TXT: fixtures in fixtures/whatsapp (Android day-first 24h, iOS month-first 12h in a media
export folder, a Chinese-named file mixing both orders)."""
from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from flows.sources.encoding import read_head
from flows.sources.records import SYSTEM_SENDER, MessageRecord, ParseOptions, Reject, derived_key
from flows.sources.whatsapp import FORMATS, group_name, parse, sniff

FIXTURES = Path(__file__).parent / "fixtures" / "whatsapp"
ANDROID = FIXTURES / "WhatsApp Chat with 读书会.txt"
IOS = FIXTURES / "WhatsApp Chat - Family" / "_chat.txt"
MIXED = FIXTURES / "与老同学的 WhatsApp 聊天.txt"
S = SYSTEM_SENDER


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


def run(path: Path) -> list[MessageRecord | Reject]:
    return list(parse(path, ParseOptions()))


def rows(items):
    """(line, sender_id, sender_name, sent_at, type, text, mentions) of the records, Rejects as is."""
    return [(r.line, r.sender_id, r.sender_name, r.sent_at, r.msg_type, r.text, r.mentions)
            if isinstance(r, MessageRecord) else r for r in items]


def test_android_day_first_24h():
    items = run(ANDROID)
    assert {r.group for r in items if isinstance(r, MessageRecord)} == {"读书会"}
    phone = "+86 138 0013 8000"
    assert rows(items) == [
        # 12/03 is ambiguous: the file's plain lines (13/03/2024) are day-first
        (1, S, S, utc(2024, 3, 12, 1, 15), "system", "Messages and calls are end-to-end encrypted. No one outside of "
         "this chat, not even WhatsApp, can read or listen to them. Tap to learn more.", ()),
        (2, S, S, utc(2024, 3, 13, 2, 0), "system", 'Alice created group "读书会"', ()),
        (3, S, S, utc(2024, 3, 13, 2, 1), "join", "Alice added Bob", ()),
        (4, S, S, utc(2024, 3, 13, 2, 2), "join", f"{phone} joined using this group's invite link", ()),
        (5, "Alice", "Alice", utc(2024, 3, 13, 2, 5), "text", "有人推荐记账App吗？\n最好能导出\n\n谢谢", ()),
        (9, phone, phone, utc(2024, 3, 13, 2, 6), "text", "@Alice 试试这个", ("Alice",)),
        (10, "Bob", "Bob", utc(2024, 3, 13, 2, 7), "other", "<Media omitted>", ()),
        (11, "Bob", "Bob", utc(2024, 3, 13, 2, 8), "image", "IMG-20240313-WA0001.jpg (file attached)", ()),
        (12, "Bob", "Bob", utc(2024, 3, 13, 2, 9), "voice", "PTT-20240313-WA0002.opus (file attached)", ()),
        (13, "Bob", "Bob", utc(2024, 3, 13, 2, 10), "file", "报价单.pdf (file attached)\n请看附件", ()),
        (15, "Alice", "Alice", utc(2024, 3, 13, 2, 11), "recall", "This message was deleted", ()),
        (16, S, S, utc(2024, 3, 13, 2, 12), "leave", "Bob left", ()),
        (17, S, S, utc(2024, 3, 13, 2, 13), "system", 'Alice changed the subject from "a: b" to "读书会2"', ()),
        Reject(str(ANDROID), 18, "unreadable time '31/02/2024, 10:14'"),  # its line 19 goes with it
        (20, "Alice", "Alice", utc(2024, 3, 13, 2, 15), "text", "+1", ()),
        (21, "Alice", "Alice", utc(2024, 3, 13, 2, 15), "text", "+1", ()),
        (22, "Bob", "Bob", utc(2024, 4, 1, 0, 0), "video", "VID-20240401-WA0003.mp4 (file attached)", ()),
        (23, "Bob", "Bob", utc(2024, 4, 1, 0, 1), "location", "location: https://maps.google.com/?q=31.2,121.4", ()),
        (24, "Bob", "Bob", utc(2024, 4, 1, 0, 2), "call", "Missed voice call", ()),
    ]


def test_ios_month_first_12h_in_a_media_export_folder():
    items = run(IOS)
    assert {r.group for r in items if isinstance(r, MessageRecord)} == {"Family"}
    assert rows(items) == [
        # 1/2/24 is ambiguous: the file's plain lines (1/13/24) are month-first
        (1, S, "Family", utc(2024, 1, 2, 1, 5, 1), "system", "Messages and calls are end-to-end encrypted. No one "
         "outside of this chat, not even WhatsApp, can read or listen to them.", ()),
        (2, "John Smith", "John Smith", utc(2024, 1, 13, 12, 43, 38), "text", "hello @Jane ", ("Jane",)),
        (3, "John Smith", "John Smith", utc(2024, 1, 13, 12, 44), "image", "image omitted", ()),
        (4, "Jane", "Jane", utc(2024, 1, 13, 12, 45), "image",
         "<attached: 00000012-PHOTO-2024-01-13-20-45-00.jpg>", ()),
        (5, "Jane", "Jane", utc(2024, 1, 13, 12, 46), "recall", "This message was deleted.", ()),
        (6, S, "Family", utc(2024, 1, 13, 12, 47), "join", "Jane added Bob", ()),
        (7, "Jane", "Jane", utc(2024, 1, 12, 16, 0), "text", "midnight", ()),  # 12:00 AM
        (8, "Jane", "Jane", utc(2024, 1, 13, 4, 30), "text", "noon edited", ()),  # 12:30 PM, edit mark dropped
        Reject(str(IOS), 9, "unreadable time '1/13/24, 13:00:00 PM'"),
    ]


def test_orders_mixed_in_one_file_follow_their_own_style():
    items = run(MIXED)
    assert {r.group for r in items if isinstance(r, MessageRecord)} == {"老同学"}
    assert rows(items) == [
        (1, "Ana", "Ana", utc(2023, 12, 25, 10, 30), "text", "Feliz Navidad", ()),
        (2, "Ana", "Ana", utc(2024, 1, 5, 1, 0), "text", "ambiguous, day first like the line above", ()),
        (3, "Ben", "Ben", utc(2023, 12, 25, 10, 31), "text", "Merry Christmas", ()),
        (4, "Ben", "Ben", utc(2024, 1, 5, 1, 1), "text", "ambiguous, month first like the line above", ()),
        (5, S, S, utc(2024, 1, 5, 1, 2), "system", "你撤回了一条消息", ()),
        (6, "Ben", "Ben", utc(2024, 1, 5, 1, 3), "file", "<附件：报告.docx>", ()),
        (7, "陈", "陈", utc(2024, 1, 6, 7, 4), "text", "中文 @老王\u2005你好", ("老王",)),  # 2024/1/6 下午3:04
        (8, S, S, utc(2024, 1, 6, 7, 5), "join", "陈 通过此群组的邀请链接加入", ()),
    ]


def test_without_plain_lines_12h_is_month_first_and_24h_day_first(tmp_path):
    twelve, twenty_four = tmp_path / "a.txt", tmp_path / "b.txt"
    twelve.write_text("1/2/24, 10:00 AM - A: x\n", encoding="utf-8")
    twenty_four.write_text("1/2/24, 10:00 - A: x\n", encoding="utf-8")
    assert run(twelve)[0].sent_at == utc(2024, 1, 2, 2)
    assert run(twenty_four)[0].sent_at == utc(2024, 2, 1, 2)


def test_keys_metadata_and_stability():
    first, second = run(ANDROID), run(ANDROID)
    records = [r for r in first if isinstance(r, MessageRecord)]
    assert [r.source_key for r in records] == [r.source_key for r in second if isinstance(r, MessageRecord)]
    assert len({r.source_key for r in records}) == len(records)
    assert {(r.source_format, r.source_file) for r in records} == {("whatsapp", ANDROID.name)}
    assert all(r.reply_to is None and r.quote is None and r.recalls is None for r in records)
    plus = [r for r in records if r.text == "+1"]
    assert [r.source_key for r in plus] == [derived_key("读书会", utc(2024, 3, 13, 2, 15), "Alice", "+1", n)
                                            for n in (1, 2)]


def test_bom_text_before_the_first_message_and_unreadable_files(tmp_path):
    path = tmp_path / "chat.txt"
    path.write_bytes("\ufeffstray text\nmore\n1/2/24, 10:00 - A: x\n".encode("utf-8"))
    assert rows(run(path)) == [Reject(str(path), 1, "text before the first message"),
                               (3, "A", "A", utc(2024, 2, 1, 2), "text", "x", ())]
    [reject] = run(tmp_path / "missing.txt")
    assert isinstance(reject, Reject) and reject.line == 0
    garbage = tmp_path / "garbage.txt"
    garbage.write_bytes(bytes(range(256)) * 8)
    assert all(isinstance(r, Reject) for r in run(garbage))


def test_group_name_from_the_file_name():
    assert group_name(Path("WhatsApp Chat with Book Club.txt")) == "Book Club"
    assert group_name(Path("x/WhatsApp Chat - Family/_chat.txt")) == "Family"
    assert group_name(Path("与老同学的 WhatsApp 聊天.txt")) == "老同学"
    assert group_name(Path("与老同学.txt")) == "老同学"
    assert group_name(Path("hiking.txt")) == "hiking"


def test_sniff():
    assert all(sniff(read_head(path)) for path in (ANDROID, IOS, MIXED))
    assert FORMATS["whatsapp"].sniff is sniff and FORMATS["whatsapp"].parse is parse
