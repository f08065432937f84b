"""Bulk exports (NDJSON, CSV; HTTP and CLI), the 企业微信 mark_tag export, ETags on reads."""
import csv
import io
import json
from datetime import timedelta

import pytest
from sqlalchemy import event
from sqlalchemy.engine import Engine
from typer.testing import CliRunner

from flows.cli import app
from flows.sources import MessageRecord
from models import store
from tests.api.crm_seed import T0, night
from nlp.taxonomy import TaxonomyError, load_taxonomy
from tests.api.test_crm import read_pages
from tests.conftest import REPO, api_client

MANY = {f"m{n:04d}": ({"手冲爱好者": 0.5, "低因咖啡": 0.25} if n % 2 else {}) for n in range(1050)}


def invoke(*args: str) -> str:
    result = CliRunner().invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return result.stdout


def test_exports_stream_every_member_as_ndjson_and_csv(sessions):
    night(sessions, "c", MANY, layers={m: "potential" for m in MANY})  # more members than one export batch
    night(sessions, "d", {"x1": {"手冲爱好者": 0.9}})
    client = api_client("c")
    listed = read_pages(client, "/v1/members", "cursor", 1000)
    assert len(listed) == 1050

    ndjson = client.get("/v1/members/export")
    assert ndjson.status_code == 200 and ndjson.headers["content-type"] == "application/x-ndjson"
    assert "etag" not in ndjson.headers
    assert [json.loads(line) for line in ndjson.text.splitlines()] == listed

    exported = client.get("/v1/members/export", params={"format": "csv"})
    assert exported.headers["content-type"] == "text/csv; charset=utf-8"
    assert 'filename="members.csv"' in exported.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(exported.text)))
    assert len(rows) == 525 * 2 + 525  # a row per tag, one row for a member without tags
    assert rows[0] == {"member": "m0000", "display_name": "m0000的昵称", "layer": "potential", "tag": "",
                       "kind": "", "group": "", "score": "", "staff": "0"}
    assert rows[1:3] == [{"member": "m0001", "display_name": "m0001的昵称", "layer": "potential", "tag": t,
                          "kind": "taxonomy", "group": "咖啡", "score": s, "staff": "0"} for t, s in (("手冲爱好者", "0.5"),
                                                                                     ("低因咖啡", "0.25"))]
    assert {(r["member"], r["tag"], float(r["score"])) for r in rows if r["tag"]} == {
        (m["member"], t["tag"], t["score"]) for m in listed for t in m["tags"]}

    brewers = client.get("/v1/members/export", params={"tag": "手冲爱好者", "layer": "potential"}).text.splitlines()
    assert len(brewers) == 525 and all("手冲爱好者" in line for line in brewers)
    assert client.get("/v1/members/export", params={"format": "xml"}).status_code == 422
    cli_csv = invoke("export", "members", "--community", "c", "--format", "csv")
    assert cli_csv == exported.text.replace("\r\n", "\n")  # (CliRunner reads CRLF as LF)
    assert invoke("export", "members", "--community", "c", "--tag", "手冲爱好者").splitlines() == brewers

    invoke("staff", "add", "m0000", "--community", "c")  # the brand's own: the exports say so
    assert json.loads(client.get("/v1/members/export").text.splitlines()[0])["staff"] is True
    assert next(csv.DictReader(io.StringIO(client.get("/v1/members/export", params={"format": "csv"}).text)))[
        "staff"] == "1"


def test_mark_tag_export_gives_each_members_tags_to_add_and_remove(sessions):
    client = api_client("c")
    night(sessions, "c", {"u1": {"A": 0.5}, "u2": {"A": 0.5, "B": 0.3}})
    first = client.get("/v1/changes/mark_tag", params={"userid": "op"}).json()
    assert first["data"] == [{"userid": "op", "external_userid": "u1", "add_tag": ["A"], "remove_tag": []},
                             {"userid": "op", "external_userid": "u2", "add_tag": ["A", "B"], "remove_tag": []}]
    night(sessions, "c", {"u1": {"A": 0.5, "D": 0.4}, "u2": {"B": 0.9}, "u3": {"C": 0.2}})
    night(sessions, "c", {"u1": {"A": 0.5}, "u2": {"B": 0.9}, "u3": {"C": 0.2}})  # D came and went
    second = client.get("/v1/changes/mark_tag", params={"userid": "op", "since": first["next_cursor"]}).json()
    assert second["data"] == [{"userid": "op", "external_userid": "u2", "add_tag": [], "remove_tag": ["A"]},
                              {"userid": "op", "external_userid": "u3", "add_tag": ["C"], "remove_tag": []}]
    assert client.get("/v1/changes/mark_tag", params={"userid": "op", "since": second["next_cursor"]}).json()[
        "data"] == []
    assert client.get("/v1/changes/mark_tag", params={"userid": "op", "kind": "theme"}).json()["data"] == []
    assert client.get("/v1/changes/mark_tag").status_code == 422  # the operator's userid is needed
    shown = json.loads(invoke("export", "mark-tag", "--community", "c", "--userid", "op",
                              "--since", first["next_cursor"]))
    assert shown == second


def test_mark_tag_export_by_corp_tag_ids_from_the_taxonomy(sessions, tmp_path, monkeypatch):
    root = tmp_path / "taxonomy"
    (root / "communities").mkdir(parents=True)
    (root / "default.yaml").write_text((REPO / "data" / "taxonomy" / "default.yaml").read_text("utf-8"), "utf-8")
    (root / "communities" / "c.yaml").write_text(
        "groups:\n  测试:\n    A: {keywords: [甲], wecom_tag_id: etAAA}\n    B: {keywords: [乙], wecom_tag_id: etBBB}\n"
        "    C: {keywords: [丙]}\n", "utf-8")
    monkeypatch.setenv("QUNSHENG_TAXONOMY_DIR", str(root))
    client = api_client("c")
    night(sessions, "c", {"u1": {"A": 0.5, "C": 0.5}, "u2": {"C": 0.3}})
    night(sessions, "c", {"u1": {"B": 0.5, "C": 0.5}, "u2": {}})
    assert client.get("/v1/tags").json()["wecom_tag_ids"] == {"A": "etAAA", "B": "etBBB"}
    first = client.get("/v1/changes/mark_tag", params={"userid": "op", "tag_ids": True, "limit": 3}).json()
    assert first["data"] == [{"userid": "op", "external_userid": "u1", "add_tag": ["etAAA"], "remove_tag": []}]
    assert first["unmapped_tags"] == ["C"] and first["has_more"]  # u2's C is named, not pushed by name
    rest = client.get("/v1/changes/mark_tag", params={"userid": "op", "tag_ids": True,
                                                      "since": first["next_cursor"]}).json()
    assert rest["data"] == [{"userid": "op", "external_userid": "u1", "add_tag": ["etBBB"], "remove_tag": ["etAAA"]}]
    assert rest["unmapped_tags"] == ["C"]  # u2's C removed
    by_name = client.get("/v1/changes/mark_tag", params={"userid": "op", "since": first["next_cursor"]}).json()
    assert by_name["unmapped_tags"] == [] and ["C"] in [call["remove_tag"] for call in by_name["data"]]
    shown = json.loads(invoke("export", "mark-tag", "--community", "c", "--userid", "op", "--tag-ids",
                              "--since", first["next_cursor"]))
    assert shown == rest


def test_a_bad_wecom_tag_id_fails_in_one_line(tmp_path):
    (tmp_path / "default.yaml").write_text("groups:\n  g:\n    A: {keywords: [甲], wecom_tag_id: 7}\n", "utf-8")
    with pytest.raises(TaxonomyError, match="default.yaml: tag 'A' in group 'g': wecom_tag_id must be the corp tag id"):
        load_taxonomy(None, tmp_path)


def test_reads_carry_an_etag_and_answer_304_while_unchanged(sessions):
    client = api_client("c")
    client.app.state.keys.seconds = 0.2  # a key's scope is read again after 5 s (here 0.2 s)
    night(sessions, "c", {"u1": {"A": 0.5}}, theme="低因")
    for path in ("/v1/members/u1/tags", "/v1/members", "/v1/changes", "/v1/themes", "/v1/tags", "/v1/communities"):
        first = client.get(path)
        etag = first.headers["etag"]
        assert first.status_code == 200 and etag.startswith('"') and first.headers["vary"] == "Authorization, X-API-Key"
        for given in (etag, f"W/{etag}", f'"other", {etag}', "*"):
            again = client.get(path, headers={"If-None-Match": given})
            assert again.status_code == 304 and again.content == b"" and again.headers["etag"] == etag, path
        assert client.get(path, headers={"If-None-Match": '"other"'}).status_code == 200
        assert client.get(path, headers={"If-None-Match": etag, "Authorization": "Bearer wrong"}).status_code == 401

    before = client.get("/v1/members/u1/tags")
    night(sessions, "c", {"u1": {"A": 0.9}})
    changed = client.get("/v1/members/u1/tags", headers={"If-None-Match": before.headers["etag"]})
    assert changed.status_code == 200 and changed.json()["tags"][0]["score"] == 0.9
    with sessions.begin() as session:  # an ingest without a run changes the card too
        store.Ingester(session, "c").add([MessageRecord("群", "u1", "新昵称", T0 + timedelta(days=1), "早", "new")])
    again = client.get("/v1/members/u1/tags").json()
    assert (again["messages"], again["display_name"]) == (before.json()["messages"] + 1, "新昵称")
    assert client.get("/v1/members/nobody/tags", headers={"If-None-Match": "*"}).status_code == 404


def test_head_on_an_export_answers_without_reading_every_member(sessions):
    """`curl -I` on the export: its headers, and only the first batch of members read, not all of them."""
    night(sessions, "c", MANY)  # two export batches
    client = api_client("c")
    statements = []

    def count(conn, cursor, statement, *args):
        statements.append(statement)

    event.listen(Engine, "before_cursor_execute", count)
    try:
        read = {}
        for method in ("GET", "HEAD"):
            statements.clear()
            response = client.request(method, "/v1/members/export", params={"format": "csv"})
            assert response.status_code == 200 and response.headers["content-type"] == "text/csv; charset=utf-8"
            read[method] = sum(1 for s in statements if "FROM members" in s)
    finally:
        event.remove(Engine, "before_cursor_execute", count)
    assert response.content == b""
    assert read["GET"] >= 3 and read["HEAD"] < read["GET"], read  # pages 1, 2 and the empty third
