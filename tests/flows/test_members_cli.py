"""Members end to end: a generated Telegram community and an orders CSV through the CLI
(ingest, ingest-orders, run), then tags, layers and reasons in `member`, `members` and the API."""
import csv
import json
import random
import re
from datetime import UTC, datetime, timedelta

import pytest
from typer.testing import CliRunner

from flows.cli import app
from tests.conftest import api_client

START = datetime(2026, 9, 1, 9, tzinfo=UTC)
DAYS = 60
BREW = ["今天用新滤杯手冲了一杯耶加", "这包豆子研磨细一点会不会更好", "手冲水温大家一般多少度", "求推荐适合新手的手冲豆子"]
PETS = ["家里猫粮快吃完了，有推荐的牌子吗", "猫砂还是豆腐砂好用", "主子最近不爱吃猫粮", "换了新猫砂，猫咪不太适应"]
CHAT = ["早上好", "今天天气不错，适合出门走走", "周末有人去市集吗", "这家店的装修挺好看", "哈哈哈笑死我了",
        "下午有点困", "晚上吃什么好呢", "刚下班，累了一天", "这周末又要下雨了", "大家晚安"]
QUESTIONS = ["店里周末几点开门？", "有没有人知道附近哪里停车方便？", "下周的活动还能报名吗？", "会员积分怎么兑换？"]


def member(n: int) -> str:
    return f"user{n}"


class Chat:
    """A Telegram single-chat export built message by message."""

    def __init__(self):
        self.messages = []

    def say(self, n: int, day: float, text: str, reply_to: int | None = None, mention: int | None = None) -> int:
        when = START + timedelta(days=day)
        parts = text if mention is None else [{"type": "mention_name", "text": f"成员{mention}", "user_id": mention},
                                              " " + text]
        message = {"id": len(self.messages) + 1, "type": "message", "date": when.strftime("%Y-%m-%dT%H:%M:%S"),
                   "date_unixtime": str(int(when.timestamp())), "from": f"成员{n}", "from_id": member(n),
                   "text": parts}
        if reply_to is not None:
            message["reply_to_message_id"] = reply_to
        self.messages.append(message)
        return message["id"]

    def export(self) -> dict:
        self.messages.sort(key=lambda m: (m["date_unixtime"], m["id"]))
        return {"name": "手冲咖啡交流群", "type": "private_supergroup", "id": 777, "messages": self.messages}


def community() -> dict:
    """user1 asks and is answered, @-mentioned and echoed (influence); user2..user7 talk about
    hand brewing (user2 only in the first week, user3 only in the last); user8..user12 about
    their cats; user13/14 buy (orders CSV) but talk little; user25..user30 went quiet after day 10."""
    rng, chat = random.Random(42), Chat()
    for day in range(0, DAYS, 2):
        asked = chat.say(1, day + 0.40, rng.choice(QUESTIONS))
        chat.say(rng.randint(15, 24), day + 0.401, "同求")
        for k, n in enumerate(rng.sample(range(15, 25), 2)):
            chat.say(n, day + 0.41 + k / 100, "我记得是十点，可以问问店长", reply_to=asked)
        chat.say(rng.randint(15, 24), day + 0.45, "问问他，他最清楚", mention=1)
    for n in range(2, 8):
        days = [1, 2, 4, 5] if n == 2 else [54, 55, 57, 58] if n == 3 else sorted(rng.sample(range(DAYS), 4))
        for day, text in zip(days, BREW):
            chat.say(n, day + 0.6, text)
    for n in range(8, 13):
        for day, text in zip(sorted(rng.sample(range(DAYS), 4)), PETS):
            chat.say(n, day + 0.7, text)
    for n in range(2, 31):
        last = 10 if n >= 25 else DAYS - 1
        count = 2 if n in (13, 14) else 8
        for day in sorted(rng.sample(range(last + 1), count)):
            chat.say(n, day + 0.8 + n / 1000, rng.choice(CHAT))
    return chat.export()


ORDERS = [("o1", "user13", "2026-10-20 10:00:00", "¥1,280.00"), ("o2", "user13", "2026-10-25 12:00:00", "399"),
          ("o3", "user14", "2026-10-21 15:30:00", "600元"), ("o4", "user5", "2026-10-02 09:00:00", "32.5"),
          ("o5", "user14", "yesterday", "100"), ("o6", "", "2026-10-02 09:00:00", "50"),
          ("o7", "user9", "2026-10-03 09:00:00", "a lot")]


def invoke(*args: str):
    result = CliRunner().invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return result


@pytest.fixture
def layered(database_url, tmp_path):
    export = tmp_path / "result.json"
    export.write_text(json.dumps(community(), ensure_ascii=False), encoding="utf-8")
    orders = tmp_path / "orders.csv"
    with orders.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows([("order_id", "member_id", "paid_at", "amount"), *ORDERS])
    invoke("ingest", str(export), "--community", "brew", "--json")
    first = json.loads(invoke("ingest-orders", str(orders), "--community", "brew", "--json").stdout)
    again = json.loads(invoke("ingest-orders", str(orders), "--community", "brew", "--json").stdout)
    ran = json.loads(invoke("run", "--community", "brew", "--json").stdout)
    return first, again, ran


def test_orders_ingest_quarantines_bad_rows_and_is_idempotent(layered, sessions):
    from models.tables import Order, Quarantine

    first, again, _ = layered
    assert (first["rows"], first["new"], first["quarantined"], first["amount"]) == (7, 4, 3, 2311.5)
    assert (again["new"], again["duplicates"], again["quarantined"]) == (0, 4, 3)
    with sessions() as session:
        assert session.query(Order).count() == 4
        reasons = sorted(q.reason for q in session.query(Quarantine))
    assert reasons == ["missing member_id", "unreadable amount 'a lot'", "unreadable time 'yesterday'"]


def test_tags_follow_what_members_said(layered):
    client = api_client("brew")
    brewers = {n: client.get(f"/v1/members/user{n}/tags").json() for n in range(2, 8)}
    for n, shown in brewers.items():
        tags = {t["tag"]: t for t in shown["tags"] if t["kind"] == "taxonomy"}
        assert tags["手冲爱好者"]["group"] == "咖啡" and len(tags["手冲爱好者"]["evidence"]) == 4, n
        assert "宠物主" not in tags
    for n in range(8, 13):
        tags = {t["tag"] for t in client.get(f"/v1/members/user{n}/tags").json()["tags"]}
        assert "宠物主" in tags and "手冲爱好者" not in tags
    early, late = ({t["tag"]: t for t in brewers[n]["tags"]}["手冲爱好者"] for n in (2, 3))
    assert early["base_score"] == late["base_score"] == 0.75  # 4 messages at half 2
    assert early["score"] < 0.25 < late["score"]  # user2 stopped brewing talk 53 days before the newest message
    assert early["first_evidence"].startswith("2026-09-02") and early["last_evidence"].startswith("2026-09-06")
    assert late["last_evidence"].startswith("2026-10-29")


def test_layers_follow_activity_influence_and_orders(layered):
    _, _, ran = layered
    assert ran["layers"] == {"koc": 2, "high": 3, "dormant": 6, "potential": 19}
    listed = json.loads(invoke("members", "--layer", "dormant", "--community", "brew", "--json").stdout)
    assert sorted(m["member"] for m in listed["data"]) == [member(n) for n in range(25, 31)]
    assert all(re.fullmatch(r"no message in (\d+) days", m["layer"]["reasons"][0])[1] >= "49" for m in listed["data"])
    high = json.loads(invoke("members", "--layer", "high", "--json").stdout)["data"]
    assert {m["member"]: m["layer"]["reasons"] for m in high} == {
        "user13": ["top 4% by spend: ¥1,679.00 in 2 orders"], "user14": ["top 7% by spend: ¥600.00 in 1 order"],
        "user5": ["top 10% by spend: ¥32.50 in 1 order"]}
    koc = json.loads(invoke("members", "--layer", "koc", "--json").stdout)["data"]
    assert "user1" in [m["member"] for m in koc]
    shown = json.loads(invoke("member", "user1", "--json").stdout)
    assert shown == api_client("brew").get("/v1/members/user1/tags").json()
    assert shown["layer"]["layer"] == "koc" and shown["layer"]["metrics"]["replies"] == 60
    assert shown["layer"]["reasons"][0].startswith("top 4% by influence: 60 replies received, 30 @mentions, 30 echoes")
    text = invoke("member", "user3").stdout
    assert "layer: potential (potential): last active" in text
    assert "手冲爱好者" in text and "2026-10-25 .. 2026-10-29" in text


def test_a_bad_taxonomy_file_stops_the_run_in_one_line(layered, tmp_path, monkeypatch):
    from models.settings import REPO_ROOT

    root = tmp_path / "taxonomy"
    (root / "communities").mkdir(parents=True)
    (root / "default.yaml").write_text((REPO_ROOT / "data" / "taxonomy" / "default.yaml").read_text("utf-8"), "utf-8")
    (root / "communities" / "brew.yaml").write_text("groups:\n  咖啡: {手冲爱好者: {keywords: 手冲}}\n", "utf-8")
    monkeypatch.setenv("QUNSHENG_TAXONOMY_DIR", str(root))
    result = CliRunner().invoke(app, ["run", "--community", "brew"])
    assert result.exit_code == 1 and result.output == (
        f"error: {root / 'communities' / 'brew.yaml'}: tag '手冲爱好者' in group '咖啡': keywords must be a list "
        "of words\n")
