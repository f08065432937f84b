"""The change feed over two real nightly runs (`qunsheng ingest`, `qunsheng run`): tags added, removed
and re-scored by the second night are each reported once, and replaying the feed gives the tags served."""
import csv
import json
import random

from typer.testing import CliRunner

from flows.cli import app
from tests.api.test_crm import current_tags, read_pages, replay
from tests.conftest import api_client
from tests.flows.test_nightly import corpus

HEADER = ["group", "sender_id", "sender_name", "time", "text", "message_id"]
OCTOBER = [("old1", "10-02 10:00", "周末在家手冲了一杯"), ("old1", "10-03 10:00", "新买的滤杯很好用"),
           ("grow1", "10-05 10:00", "燕麦奶拿铁好喝")]
MARCH = [("grow1", "03-10 10:00", "今天又点了燕麦奶"), ("grow1", "03-11 10:00", "燕麦拿铁真不错"),
         ("grow1", "03-12 10:00", "燕麦奶比牛奶好消化"), ("new1", "03-12 11:00", "夏天快到了想喝冷萃"),
         ("new1", "03-13 11:00", "冷萃咖啡怎么做")]


def rows(said, year: int) -> list[list[str]]:
    return [["群", who, who, f"{year}-{when}:00", text, f"{who}-{when}"] for who, when, text in said]


def night(path, rows_) -> dict:
    with open(path, "w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows([HEADER, *rows_])
    runner = CliRunner()
    assert runner.invoke(app, ["ingest", str(path), "--community", "small"]).exit_code == 0
    ran = runner.invoke(app, ["run", "--community", "small", "--min-cluster-size", "10", "--json"])
    assert ran.exit_code == 0, ran.output
    return json.loads(ran.stdout)


def tags_by_change(changes, kind="taxonomy") -> set[tuple[str, str, str]]:
    return {(c["change"], c["member"], c["tag"]) for c in changes if c["kind"] == kind}


def test_the_feed_reports_a_second_nights_changes_once(database_url, tmp_path):
    october = corpus(random.Random(42)) + rows(OCTOBER, 2026)
    night(tmp_path / "october.csv", october)
    client = api_client("small")
    first = client.get("/v1/changes", params={"limit": 5000}).json()
    assert {c["change"] for c in first["data"]} == {"added"} and not first["has_more"]
    assert {("added", "old1", "手冲爱好者"), ("added", "grow1", "燕麦奶党")} <= tags_by_change(first["data"])
    assert replay(first["data"]) == current_tags(client)

    night(tmp_path / "march.csv", october + rows(MARCH, 2027))  # five months later: October's tags fade out
    second = read_pages(client, "/v1/changes", "since", 7, since=first["next_cursor"])
    assert {"added", "removed", "changed"} == {c["change"] for c in second}
    assert {("removed", "old1", "手冲爱好者"), ("changed", "grow1", "燕麦奶党"),
            ("added", "new1", "冷萃爱好者")} <= tags_by_change(second)
    grew = next(c for c in second if (c["member"], c["tag"]) == ("grow1", "燕麦奶党"))
    assert grew["previous_score"] < 0.3 < 0.6 < grew["score"]

    everything = client.get("/v1/changes", params={"limit": 5000}).json()["data"]
    assert everything == first["data"] + second  # each change once, in order
    held, served = replay(everything), current_tags(client)
    assert held.keys() == served.keys()
    assert max(abs(held[k] - served[k]) for k in held) < 0.05  # scores as last reported (moves under 0.05 wait)
