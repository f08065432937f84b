"""`qunsheng ingest` end to end on both stores: counts, idempotency, quarantine, redaction, errors."""
import csv
import json

from sqlalchemy import func, select
from typer.testing import CliRunner

from flows.cli import app
from models.tables import Member, Message, Quarantine

HEADER = ["group", "sender_id", "sender_name", "time", "text", "message_id"]
ROWS = [
    ["咖啡群", "u1", "阿May", "2026-10-01 09:00:00", "有低因的豆子吗", "m1"],
    ["咖啡群", "u2", "小鹿", "2026-10-01 09:01:00", "同求", "m2"],
    ["咖啡群", "u1", "May姐", "2026-10-02 20:00:00", "我电话13812345678，到货通知我", "m3"],
    ["咖啡群", "u3", "老王", "yesterday", "时间坏了", "m4"],
    ["宝妈群", "u4", "", "2026-10-03T08:00:00+08:00", "宝宝湿疹怎么办", "m5"],
    ["宝妈群", "", "无名", "2026-10-03 08:00:00", "没有发送人", "m6"],
]


def write_csv(path, rows, header=HEADER):
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def ingest(*args):
    return CliRunner().invoke(app, ["ingest", *map(str, args)])


def test_ingest_counts_and_is_idempotent(tmp_path, sessions):
    export = write_csv(tmp_path / "export.csv", ROWS)
    first = ingest(export, "--community", "c1", "--json")
    assert first.exit_code == 0, first.output
    assert json.loads(first.stdout) == {"files": 1, "messages": 6, "new": 4, "duplicates": 0, "quarantined": 2,
                                        "types": {"text": 4}, "skipped": [], "staff": []}
    again = json.loads(ingest(export, "--community", "c1", "--json").stdout)
    assert again == {"files": 1, "messages": 6, "new": 0, "duplicates": 4, "quarantined": 2, "types": {"text": 4},
                     "skipped": [], "staff": []}
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(Message)) == 4
        assert session.scalar(select(func.count()).select_from(Quarantine)) == 2
        reasons = sorted(session.scalars(select(Quarantine.reason)))
        assert reasons == ["missing sender_id", "unreadable time 'yesterday'"]
        stored = session.scalar(select(Message.text).where(Message.source_key == "m3"))
        assert "13812345678" not in stored and "[手机号]" in stored
        may = session.scalar(select(Member).where(Member.sender_id == "u1"))
        assert may.display_name == "May姐"  # the latest name seen
        assert session.scalar(select(Member.display_name).where(Member.sender_id == "u4")) == "u4"


def test_overlapping_export_adds_only_new_records(tmp_path, sessions):
    ingest(write_csv(tmp_path / "a.csv", ROWS[:3]), "--community", "c1")
    result = ingest(write_csv(tmp_path / "b.csv", ROWS[1:5]), "--community", "c1", "--json")
    counts = json.loads(result.stdout)
    assert (counts["new"], counts["duplicates"], counts["quarantined"]) == (1, 2, 1)


def test_rows_without_message_id_get_stable_keys_and_repeats_survive(tmp_path, sessions):
    header = ["group", "sender_id", "time", "text"]
    rows = [["g", "u1", "2026-10-01 09:00:00", "+1"], ["g", "u1", "2026-10-01 09:00:00", "+1"]]
    export = write_csv(tmp_path / "nokeys.csv", rows, header)
    assert json.loads(ingest(export, "--community", "c", "--json").stdout)["new"] == 2
    assert json.loads(ingest(export, "--community", "c", "--json").stdout)["new"] == 0


def test_jsonl_with_aliases_and_a_broken_line(tmp_path, sessions):
    lines = [json.dumps({"room": "g", "from_id": "u1", "nickname": "阿May", "timestamp": 1759280400,
                         "content": "想要低因", "id": 7}, ensure_ascii=False), "{not json", "[1, 2]"]
    export = tmp_path / "export.jsonl"
    export.write_text("\n".join(lines) + "\n", encoding="utf-8")
    counts = json.loads(ingest(export, "--community", "c", "--json").stdout)
    assert (counts["new"], counts["quarantined"]) == (1, 2)


def test_bad_input_gives_one_line_and_nonzero_exit(tmp_path, sessions):
    missing = ingest(tmp_path / "nope.csv", "--community", "c")
    assert missing.exit_code == 1
    assert missing.output.strip().startswith("error:") and "Traceback" not in missing.output
    headerless = write_csv(tmp_path / "bad.csv", [["x", "y"]], header=["foo", "bar"])
    result = ingest(headerless, "--community", "c")
    assert result.exit_code == 1 and "nothing could be read" in result.output
    assert ingest(headerless, "--format", "xml").exit_code == 1
