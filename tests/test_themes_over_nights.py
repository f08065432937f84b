"""Two nights on the sample community through the CLI: themes keep their ids, a theme first
voiced on the second night is new (and emerging), themes no longer voiced fade."""
import csv
import json
import random
from collections import Counter, defaultdict
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from flows.cli import app
from models.tables import Message, Theme, ThemeMessage
from nlp.track import jaccard
from tests.conftest import SAMPLE, api_client
from tests.test_end_to_end import LABELS, PLANTED, match_planted

CUT = datetime(2026, 10, 27)  # night 1 sees the sample up to here: its last four weeks arrive on night 2
FADING = {p["id"] for p in PLANTED if p["trend"] == "fading"}

LITTER = ["猫砂结团不好，铲的时候全散了", "豆腐猫砂粉尘好大", "猫砂盆的味道除不掉", "猫砂老是粘在盆底",
          "猫砂味道太大了，家里一股味", "豆腐砂和膨润土猫砂哪个好", "猫砂盆放卫生间还是阳台", "猫砂带出来满地都是",
          "混合猫砂结团快不快", "猫砂用得太快了，一周一袋", "猫砂除臭效果都一般", "猫砂能冲厕所的那种好用吗"]
WHEN = ["", "两只猫，", "刚搬家，", "最近天热，", "家里面积小，", "上班一整天不在家，"]
ASK = ["", "有没有推荐的？", "求一款好用的猫砂", "店里能进点除臭猫砂吗", "想换一种猫砂", "大家都用什么猫砂？"]


def subtheme_messages(client, theme_id: int) -> dict[str, set[int]]:
    """A theme's sub-themes by key, each with its message ids (read through the API, as a client would)."""
    read = client.get(f"/v1/themes/{theme_id}").json()
    return {sub["key"]: {m["message_id"] for m in client.get(f"/v1/themes/{theme_id}/messages", params={
        "subtheme": sub["key"], "limit": 500}).json()["data"]} for sub in read["subthemes"]}


def check_subtheme_keys(client, subthemes1: dict, held1: dict, continued: set[int], run: int) -> None:
    """A continued theme's sub-themes keep their night-1 keys while their messages or their words persist;
    the others get keys of night 2's run, never one given before."""
    kept = new = 0
    for theme_id in continued:
        before = {s["key"]: s for s in subthemes1.get(theme_id, [])}
        held, parts = held1[theme_id], subtheme_messages(client, theme_id)  # night 1's messages; night 2's parts
        for sub in client.get(f"/v1/themes/{theme_id}").json()["subthemes"]:
            if sub["key"] in before:
                then, now = before[sub["key"]]["message_ids"], parts[sub["key"]] & held
                shared = len(then & now) / len(then | now)
                assert max(shared, jaccard(sub["keywords"], before[sub["key"]]["keywords"])) >= 0.3, (sub, shared)
                kept += 1
            else:
                assert sub["key"].startswith(f"{run}."), sub
                new += 1
    assert kept >= 14, (kept, new)  # 10 of 35 by keywords alone, 18 with messages (LSA, stop 23)


def write_night(path, rows):
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["group", "sender_id", "sender_name", "time", "text", "message_id"])
        writer.writerows(rows)


def sample_rows():
    for source in sorted(SAMPLE.glob("*.csv")):
        with source.open(encoding="utf-8") as handle:
            reader = csv.reader(handle)
            next(reader)
            yield from reader


def litter_rows(group: str):
    """A theme the sample never had: cat litter, voiced by 25 members in the last ten days."""
    rng = random.Random(7)
    start = datetime(2026, 11, 5, 9)
    for i in range(70):
        when = start + timedelta(hours=rng.randrange(0, 10 * 24))
        member = f"wxid_litter{rng.randrange(25):02d}"
        text = rng.choice(WHEN) + rng.choice(LITTER) + rng.choice(ASK)
        yield [group, member, member[-8:], when.strftime("%Y-%m-%d %H:%M:%S"), text, f"litter-{i:03d}"]


def planted_holders(sessions) -> dict[str, int]:
    """Planted theme -> the active theme holding most of its messages (by the sample's labels)."""
    with sessions() as session:
        rows = session.execute(select(ThemeMessage.theme_id, Message.source_key)
                               .join(Message, Message.id == ThemeMessage.message_id)
                               .join(Theme, Theme.id == ThemeMessage.theme_id).where(Theme.active)).all()
    held: dict[str, Counter] = defaultdict(Counter)
    for theme_id, key in rows:
        kind, planted = LABELS.get(key, (None, None))
        if kind == "theme":
            held[planted][theme_id] += 1
    return {p: counts.most_common(1)[0][0] for p, counts in held.items()}


def run_night(runner, path):
    assert runner.invoke(app, ["ingest", str(path), "--community", "sample"]).exit_code == 0
    ran = runner.invoke(app, ["run", "--community", "sample", "--json"])
    assert ran.exit_code == 0, ran.output
    return json.loads(ran.stdout)


@pytest.mark.slow
def test_themes_keep_ids_appear_and_fade_over_two_nights(database_url, sessions, tmp_path):
    rows = list(sample_rows())
    pets_group = next(r[0] for r in rows if r[5].startswith("pets"))
    write_night(night1 := tmp_path / "night1.csv", [r for r in rows if datetime.fromisoformat(r[3]) < CUT])
    write_night(night2 := tmp_path / "night2.csv", rows + list(litter_rows(pets_group)))
    runner, client = CliRunner(), api_client("sample")

    first = run_night(runner, night1)
    themes1 = client.get("/v1/themes", params={"community": "sample", "include_chat": True, "limit": 500}).json()
    holders1 = planted_holders(sessions)
    held1 = {t["id"]: {m["message_id"] for m in client.get(f"/v1/themes/{t['id']}/messages",
                                                            params={"limit": 500}).json()["data"]} for t in themes1["data"]}
    subthemes1 = {t["id"]: [s | {"message_ids": subtheme_messages(client, t["id"])[s["key"]]}
                            for s in client.get(f"/v1/themes/{t['id']}").json()["subthemes"]] for t in themes1["data"]}
    second = run_night(runner, night2)
    holders2 = planted_holders(sessions)
    themes2 = client.get("/v1/themes", params={"community": "sample", "include_chat": True, "limit": 500}).json()
    assert second["continued_themes"] >= 0.5 * first["themes"]

    found2 = match_planted(themes2["data"])
    assert len(found2) >= 0.8 * len(PLANTED)
    # kept: the theme holding most of a planted theme's messages on night 1 still holds most of them
    # on night 2, under the same id
    kept = [p for p in holders1 if holders2.get(p) == holders1[p]]
    assert len(kept) >= 0.8 * len(holders1), f"planted themes that changed id: {sorted(set(holders1) - set(kept))}"
    by_id2 = {t["id"]: t for t in themes2["data"]}
    assert all(by_id2[holders2[p]]["runs_seen"] == 2 for p in kept)
    check_subtheme_keys(client, subthemes1, held1, {holders2[p] for p in kept}, second["run"])
    fading = [p for p in FADING if p in found2]
    # a theme whose cluster also caught steady chat reads stable: at least half must fade
    assert sum(by_id2[found2[p]]["lifecycle"] == "fading" for p in fading) >= 0.5 * len(fading)

    litter = [t for t in themes2["data"] if "猫砂" in t["keywords"][:2]]
    assert len(litter) == 1, [t["label"] for t in litter]
    new = litter[0]
    assert new["lifecycle"] == "new" and new["emerging"] and new["runs_seen"] == 1 and new["is_demand"]
    assert new["id"] not in {t["id"] for t in themes1["data"]} and new["voices"] >= 10

    listed = client.get("/v1/themes", params={"community": "sample", "lifecycle": "new"}).json()["data"]
    assert new["id"] in [t["id"] for t in listed] and all(t["lifecycle"] == "new" for t in listed)
    growth = client.get("/v1/themes", params={"community": "sample", "sort": "growth"}).json()["data"]
    assert [t["growth"] for t in growth] == sorted((t["growth"] for t in growth), reverse=True)
    trend = client.get(f"/v1/themes/{new['id']}/trend").json()
    assert sum(d["messages"] for d in trend["days"]) == new["messages"]
    assert max(d["voices"] for d in trend["days"]) <= new["voices"]
