"""The morning digest: the nightly flow posts its new, fast-growing and loudest themes to a WeCom group robot
(here a real HTTP server on localhost standing in for qyapi.weixin.qq.com), and `qunsheng digest` prints or sends it."""
import csv
import json
import random
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from typer.testing import CliRunner

from flows.cli import app
from flows.digest import MAX_BYTES, _fit
from models import store
from tests.flows.test_nightly import run, small_community, themes_json  # noqa: F401 - small_community is a fixture

ACCEPTED = (200, b'{"errcode":0,"errmsg":"ok"}')
PUBLIC = "https://qunsheng.example.com"


@pytest.fixture
def robot(monkeypatch):
    """A group robot's webhook: keeps each (path, content type, JSON body) posted and answers ``robot.reply``."""
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers["Content-Length"]))
            server.received.append((self.path, self.headers["Content-Type"], json.loads(body)))
            status, answer = server.reply
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(answer)

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    server.received, server.reply = [], ACCEPTED
    server.url = f"http://127.0.0.1:{server.server_port}/cgi-bin/webhook/send?key=test-key"
    threading.Thread(target=server.serve_forever, daemon=True).start()
    monkeypatch.setenv("QUNSHENG_DIGEST_WEBHOOK", server.url)
    monkeypatch.setenv("QUNSHENG_PUBLIC_URL", PUBLIC + "/")
    yield server
    server.shutdown()
    server.server_close()


def invoke(*args):
    return CliRunner().invoke(app, list(args))


def ingest_new_theme(tmp_path, community):
    """A fourth demand (cat food) that the first night did not hear of."""
    rng, rows = random.Random(7), []
    for n in range(36):
        member = f"cat{n % 12}"
        text = f"{rng.choice(['换了猫粮就拉稀', '猫咪挑食不吃', '肠胃敏感的猫'])}，{rng.choice(['求推荐', '有没有', '哪款'])}猫粮{rng.choice(['', '？', '呀'])}"
        rows.append(["群", member, member, f"2026-10-{20 + n % 8:02d} 20:00:00", text, f"cat{n}"])
    export = tmp_path / "cats.csv"
    with open(export, "w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows([["group", "sender_id", "sender_name", "time", "text", "message_id"], *rows])
    assert invoke("ingest", str(export), "--community", community).exit_code == 0


def test_each_night_posts_its_digest_to_the_robot(small_community, robot, tmp_path):
    first = run("--community", small_community, "--min-cluster-size", "10")
    assert first["digest"] == "sent" and first["warnings"] == []
    [(path, content_type, body)] = robot.received
    assert path == "/cgi-bin/webhook/send?key=test-key" and content_type == "application/json"
    assert body["msgtype"] == "markdown" and len(body["markdown"]["content"].encode()) <= MAX_BYTES
    content = body["markdown"]["content"]
    loudest = themes_json(small_community)[:5]
    assert "## 群声 · small 需求主题日报" in content and f"{len(themes_json(small_community))} 个需求主题" in content
    assert "**声量最高**" in content and "新出现" not in content  # the first night: everything is new
    for theme in loudest:
        assert f"> [{theme['label']}]({PUBLIC}/themes/{theme['id']}) · {theme['voices']} 人" in content
    assert f"[在主题浏览器中查看全部]({PUBLIC}/?community=small)" in content

    ingest_new_theme(tmp_path, small_community)
    run("--community", small_community, "--min-cluster-size", "10")
    content = robot.received[-1][2]["markdown"]["content"]
    new = [t for t in themes_json(small_community) if t["runs_seen"] == 1]
    cats = [t for t in new if "猫粮" in t["keywords"][:3]]
    assert cats and f"**新出现** ({len(new)})" in content
    assert f"[{cats[0]['label']}]({PUBLIC}/themes/{cats[0]['id']})" in content.split("**快速增长**")[0]


def test_a_digest_the_robot_refuses_is_a_warning_and_the_night_stands(small_community, robot, sessions):
    robot.reply = (200, b'{"errcode":93000,"errmsg":"invalid webhook url"}')
    result = run("--community", small_community, "--min-cluster-size", "10")
    warning = "digest not sent: the digest robot refused it: errcode 93000 invalid webhook url"
    assert result["digest"] == "not sent" and result["warnings"] == [warning] and result["themes"] >= 3
    with sessions() as session:
        latest = store.latest_run(session, store.community_by_name(session, small_community).id)
        assert latest.status == "ok" and latest.warnings == [warning]
    assert themes_json(small_community)


def test_digest_prints_or_sends_the_latest_runs_digest(small_community, robot, monkeypatch):
    not_yet = invoke("digest", "--community", small_community)
    assert not_yet.exit_code == 1 and "has no finished run yet" in not_yet.output
    monkeypatch.delenv("QUNSHENG_DIGEST_WEBHOOK")
    run("--community", small_community, "--min-cluster-size", "10")  # no robot: no digest, no warning
    printed = invoke("digest", "--community", small_community)
    assert printed.exit_code == 0 and printed.stdout.startswith("## 群声 · small") and robot.received == []
    unset = invoke("digest", "--community", small_community, "--send")
    assert unset.exit_code == 1 and unset.output.startswith("error: --send needs QUNSHENG_DIGEST_WEBHOOK")

    monkeypatch.setenv("QUNSHENG_DIGEST_WEBHOOK", robot.url)
    night = invoke("run", "--community", small_community, "--min-cluster-size", "10")
    assert night.exit_code == 0 and night.stdout.rstrip().endswith(", digest sent") and len(robot.received) == 1
    sent = invoke("digest", "--community", small_community, "--send")
    assert sent.exit_code == 0 and sent.stdout == "digest of small sent\n"
    again = invoke("digest", "--community", small_community).stdout
    assert robot.received[-1][2]["markdown"]["content"] == robot.received[0][2]["markdown"]["content"] == again.rstrip("\n")
    robot.reply = (500, b"")
    failed = invoke("digest", "--community", small_community, "--send")
    assert failed.exit_code == 1 and failed.output == "error: the digest robot answered HTTP 500\n"
    robot.shutdown()
    robot.server_close()
    gone = invoke("digest", "--community", small_community, "--send")
    assert gone.exit_code == 1 and gone.output.startswith("error: cannot reach the digest robot:")
    assert "test-key" not in gone.output  # the webhook's key stays out of what is printed
    assert invoke("digest", "--community", "nope").output == "error: no community named 'nope'\n"


def test_a_digest_keeps_to_wecoms_size_limit_in_whole_lines():
    fitted = _fit(["## 标题", *(f"> 很长的一行{i}" + "字" * 300 for i in range(40))])
    assert len(fitted.encode()) <= MAX_BYTES and fitted.endswith("\n……")
    assert all(line.startswith(("## ", "> ", "……")) for line in fitted.split("\n"))
