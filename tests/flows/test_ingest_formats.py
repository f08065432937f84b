"""`qunsheng ingest` over a folder holding every export format: auto-detected, each record
stored once or quarantined, idempotent, on both stores."""
import json
import shutil
from pathlib import Path

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from flows.cli import app
from flows.sources import ParseOptions, Reject, available_formats, detect_format, get_format
from models import store
from models.tables import Group, MemberAlias, Message

FIXTURES = Path(__file__).parent / "sources" / "fixtures"


def message_files(folder: Path) -> dict[Path, str]:
    """The fixture files whose format is detected, with that format."""
    return {p: fmt for p in sorted(folder.rglob("*")) if p.is_file() and (fmt := detect_format(p))}


def test_a_folder_of_every_format(tmp_path, sessions):
    folder = tmp_path / "exports"
    shutil.copytree(FIXTURES, folder)
    files = message_files(folder)
    assert {fmt for fmt in files.values()} >= set(available_formats()) - {"csv", "jsonl"}
    records, rejects = [], 0
    for path, fmt in files.items():
        for item in get_format(fmt).parse(path, ParseOptions()):
            rejects += isinstance(item, Reject)
            records += [] if isinstance(item, Reject) else [item]
    keys = {r.source_key for r in records}

    first = CliRunner().invoke(app, ["ingest", str(folder), "--community", "all", "--json"])
    assert first.exit_code == 0, first.output
    counts = json.loads(first.stdout)
    assert counts["messages"] == len(records) + rejects  # every record the parsers yield, once
    assert counts["new"] == len(keys)
    assert counts["new"] + counts["duplicates"] == len(records)
    assert counts["quarantined"] == rejects
    assert sum(counts["types"].values()) == len(records)

    again = json.loads(CliRunner().invoke(app, ["ingest", str(folder), "--community", "all", "--json"]).stdout)
    assert (again["new"], again["duplicates"]) == (0, len(records))

    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(Message)) == len(keys)
        stored = set(session.scalars(select(Message.text)))
        assert not any("13812345678" in text for text in stored)
        formats = set(session.scalars(select(Message.source_format).distinct()))
        assert formats == set(files.values())
        assert session.scalar(select(func.count()).select_from(MemberAlias)) >= len({r.sender_id for r in records})


def test_wecom_revoke_marks_its_original_recalled_and_names_come_from_group_files(tmp_path, sessions):
    folder = tmp_path / "wecom"
    shutil.copytree(FIXTURES / "wecom", folder)
    result = CliRunner().invoke(app, ["ingest", str(folder), "--community", "wc", "--json"])
    assert result.exit_code == 0, result.output
    recalls = [r for p in folder.iterdir() if detect_format(p) == "wecom"
               for r in get_format("wecom").parse(p, ParseOptions()) if not isinstance(r, Reject) and r.recalls]
    assert recalls
    with sessions() as session:
        rows = session.execute(select(Message.source_key, Message.recalled, Message.msg_type)).all()
        recalled = {key for key, flag, _ in rows if flag}
        present = {key for key, *_ in rows}
        assert recalled == {r.recalls for r in recalls} & present and recalled
        assert all(kind != "recall" for key, flag, kind in rows if flag)
        community = store.community_by_name(session, "wc")
        recalled_ids = set(session.scalars(select(Message.id).where(Message.recalled)))
        theme_ids = {m.id for m in store.messages_of(session, community)}
        assert theme_ids and not recalled_ids & theme_ids  # kept for counts, out of theme text
        groups = set(session.scalars(select(Group.name)))
    assert "团购客户群A" in groups and "wrGroupA" not in groups  # named by groupchat_customer.json


def test_wecom_corp_members_are_staff(tmp_path, sessions):
    """groupchat/get lists the corp's own people as type 1: they are marked staff once they have written."""
    folder = tmp_path / "wecom"
    shutil.copytree(FIXTURES / "wecom", folder)
    ingest = ["ingest", str(folder), "--community", "wc", "--json"]
    assert json.loads(CliRunner().invoke(app, ingest).stdout)["staff"] == ["lisi", "zhangsan"]
    listed = json.loads(CliRunner().invoke(app, ["staff", "list", "--community", "wc", "--json"]).stdout)
    assert [m["member"] for m in listed] == ["lisi", "zhangsan"]  # wmCust01 (type 2) is a customer
    assert json.loads(CliRunner().invoke(app, ingest).stdout)["staff"] == []  # already so
    card = json.loads(CliRunner().invoke(app, ["member", "zhangsan", "--community", "wc", "--json"]).stdout)
    assert card["staff"] is True


@pytest.mark.parametrize("fmt", ["auto", "pywxdump"])
def test_pywxdump_members_are_named_by_the_users_json_beside_the_csvs(tmp_path, sessions, fmt):
    folder = tmp_path / "pywxdump"
    shutil.copytree(FIXTURES / "pywxdump", folder)
    result = CliRunner().invoke(app, ["ingest", str(folder), "--community", "p", "--format", fmt, "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["files"] == 3 and json.loads(result.stdout)["skipped"] == []

    def name(member):
        shown = CliRunner().invoke(app, ["member", member, "--community", "p", "--json"])
        return json.loads(shown.stdout)["display_name"]

    assert (name("wxid_wang"), name("wxid_li"), name("wxid_zhang")) == ("老王", "小李", "张姐")
