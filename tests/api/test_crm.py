"""CRM routes over a store written by the store functions: member pages by cursor under writes,
the taxonomy, the tag change feed (exactly once, also under concurrent writers on PostgreSQL)."""
import threading
import time
from datetime import timedelta

import pytest
from sqlalchemy import select, text

from flows.sources import MessageRecord
from models import store
from models.tables import TagChange
from tests.api.crm_seed import T0, night
from tests.conftest import REPO, api_client

MEMBERS = [f"m{n:02d}" for n in range(20)]


def read_pages(client, path: str, cursor_param: str, limit: int, between=lambda page: None, **params) -> list[dict]:
    """Every item of a cursor-paged route, calling ``between`` after each page."""
    items, cursor = [], None
    while True:
        response = client.get(path, params={"limit": limit, **params, **({cursor_param: cursor} if cursor else {})})
        assert response.status_code == 200, response.text
        page = response.json()
        items += page["data"]
        between(page)
        cursor = page["next_cursor"]
        if not page.get("has_more", cursor is not None):
            return items


def replay(changes: list[dict]) -> dict[tuple[str, str, str], float]:
    """The tags a CRM holds after applying the changes in order."""
    held = {}
    for c in changes:
        key = (c["member"], c["kind"], c["tag"])
        if c["change"] == "removed":
            del held[key]
        else:
            held[key] = c["score"]
    return held


def current_tags(client) -> dict[tuple[str, str, str], float]:
    tags = {}
    for m in read_pages(client, "/v1/members", "cursor", 1000):
        for t in m["tags"]:
            key = (m["member"], t["kind"], t["tag"])
            tags[key] = max(tags.get(key, 0.0), t["score"])
    return tags


def test_member_pages_skip_and_repeat_nobody_while_members_are_written(sessions):
    night(sessions, "c", {m: {"手冲爱好者": 0.5} if n % 3 == 0 else {} for n, m in enumerate(MEMBERS)},
          layers={m: "koc" if n % 4 == 0 else "potential" for n, m in enumerate(MEMBERS)})
    night(sessions, "d", {"m00": {"手冲爱好者": 0.9}, "x1": {}})
    client = api_client("c")
    koc = [m["member"] for m in read_pages(client, "/v1/members", "cursor", 2, layer="koc")]
    assert koc == MEMBERS[::4]
    brewers = read_pages(client, "/v1/members", "cursor", 3, tag="手冲爱好者")
    assert [m["member"] for m in brewers] == MEMBERS[::3]
    assert brewers[0] == {"member": "m00", "display_name": "m00的昵称", "layer": "koc", "staff": False,
                          "first_seen": "2026-10-01T09:00:00Z", "last_seen": "2026-10-01T09:00:00Z",
                          "tags": [{"tag": "手冲爱好者", "kind": "taxonomy", "group": "咖啡", "score": 0.5}]}
    assert read_pages(client, "/v1/members", "cursor", 5, layer="dormant") == []

    added = []

    def write(page):  # between pages: a new member, an update of one not yet read, new tags for everyone
        if page["next_cursor"] and len(added) < 4:
            added.append(f"new{len(added)}")
            with sessions.begin() as session:
                store.Ingester(session, "c").add([MessageRecord("群", "m19", f"改名{len(added)}",
                                                                T0 + timedelta(days=len(added)), "晚上好",
                                                                f"later{len(added)}")])
            night(sessions, "c", {added[-1]: {"低因咖啡": 0.4}, "m01": {"燕麦奶党": 0.6}})

    seen = [m["member"] for m in read_pages(client, "/v1/members", "cursor", 6, between=write)]
    assert seen == MEMBERS + added  # every member once, in the stable order; new ones at the end
    last = client.get("/v1/members", params={"tag": "燕麦奶党"}).json()
    assert [m["member"] for m in last["data"]] == ["m01"] and last["next_cursor"] is None

    changes_cursor = client.get("/v1/changes").json()["next_cursor"]
    for bad in ("nonsense", "!!", changes_cursor):
        response = client.get("/v1/members", params={"cursor": bad})
        assert response.status_code == 400 and "not a members cursor" in response.json()["detail"]
    assert client.get("/v1/members", params={"limit": 1001}).status_code == 422
    assert client.get("/v1/members", params={"layer": "vip"}).status_code == 422


def test_tags_route_gives_the_communitys_taxonomy(sessions, tmp_path, monkeypatch):
    root = tmp_path / "taxonomy"
    (root / "communities").mkdir(parents=True)
    (root / "default.yaml").write_text((REPO / "data" / "taxonomy" / "default.yaml").read_text("utf-8"), "utf-8")
    (root / "communities" / "c.yaml").write_text("groups:\n  家庭: null\n  户外: {露营爱好者: {keywords: [露营]}}\n",
                                                 "utf-8")
    monkeypatch.setenv("QUNSHENG_TAXONOMY_DIR", str(root))
    night(sessions, "c", {"m1": {}})
    night(sessions, "d", {"m1": {}})
    own = api_client("c").get("/v1/tags").json()
    groups = {g["group"]: g["tags"] for g in own["groups"]}
    assert groups["户外"] == ["露营爱好者"] and "家庭" not in groups and "手冲爱好者" in groups["咖啡"]
    assert own["community"] == "c" and own["half_life_days"] == 30 and own["files"][-1].endswith("c.yaml")
    other = {g["group"]: g["tags"] for g in api_client("d").get("/v1/tags").json()["groups"]}
    assert "户外" not in other and "亲子家庭" in other["家庭"]


def test_change_feed_reports_every_change_once(sessions):
    client = api_client("c")
    night(sessions, "c", {"u1": {"A": 0.5}, "u2": {"A": 0.5, "B": 0.3}})
    night(sessions, "d", {"u1": {"Z": 0.5}})  # another community's changes never show
    first = client.get("/v1/changes").json()
    assert [(c["member"], c["change"], c["tag"], c["score"], c["previous_score"]) for c in first["data"]] == [
        ("u1", "added", "A", 0.5, None), ("u2", "added", "A", 0.5, None), ("u2", "added", "B", 0.3, None)]
    assert first["data"][0]["group"] == "咖啡" and not first["has_more"]
    cursor = first["next_cursor"]
    assert client.get("/v1/changes", params={"since": cursor}).json()["data"] == []

    night(sessions, "c", {"u1": {"A": 0.52}, "u2": {"B": 0.4}, "u3": {"C": 0.2}})  # 0.52: too small a move
    second = client.get("/v1/changes", params={"since": cursor}).json()
    assert [(c["member"], c["change"], c["tag"], c["score"], c["previous_score"]) for c in second["data"]] == [
        ("u2", "removed", "A", None, 0.5), ("u2", "changed", "B", 0.4, 0.3), ("u3", "added", "C", 0.2, None)]
    night(sessions, "c", {"u1": {"A": 0.56}, "u2": {"B": 0.4}, "u3": {"C": 0.2}})  # 0.56 vs 0.5 last reported
    third = client.get("/v1/changes", params={"since": second["next_cursor"]}).json()
    assert [(c["member"], c["change"], c["score"], c["previous_score"]) for c in third["data"]] == [
        ("u1", "changed", 0.56, 0.5)]

    everything = client.get("/v1/changes").json()["data"]
    assert read_pages(client, "/v1/changes", "since", 1) == everything  # page by page: each change once
    assert replay(everything) == current_tags(client) == {
        ("u1", "taxonomy", "A"): 0.56, ("u2", "taxonomy", "B"): 0.4, ("u3", "taxonomy", "C"): 0.2}
    assert client.get("/v1/changes", params={"since": "bad"}).status_code == 400


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_a_second_writer_waits_for_the_first_so_feed_ids_commit_in_order(sessions):
    client = api_client("c")
    night(sessions, "c", {"u1": {"A": 0.5}})
    cursor = client.get("/v1/changes").json()["next_cursor"]
    with sessions.begin() as first:
        night(sessions, "c", {"u1": {"B": 0.5}}, session=first)  # holds the community's row lock
        second = threading.Thread(target=night, args=(sessions, "c", {"u1": {"C": 0.5}}))
        second.start()
        time.sleep(1.0)
        assert second.is_alive()  # blocked: it could otherwise commit larger ids before the first commits
        assert client.get("/v1/changes", params={"since": cursor}).json()["data"] == []
    second.join(30)
    changes = client.get("/v1/changes", params={"since": cursor}).json()["data"]
    assert [(c["change"], c["tag"]) for c in changes] == [("removed", "A"), ("added", "B"), ("removed", "B"),
                                                          ("added", "C")]


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_a_reader_following_the_feed_under_concurrent_writers_sees_each_change_once(sessions):
    client = api_client("c")
    night(sessions, "c", {f"u{k}": {} for k in range(8)})  # the members first: concurrent nights only tag them
    seen, cursor = [], None

    def writer(w: int) -> None:
        for n in range(6):
            night(sessions, "c", {f"u{k}": {f"t{(k + n + w) % 4}": round(0.2 + 0.1 * ((n * w + k) % 5), 2)}
                                  for k in range(w, w + 4)})

    def follow() -> None:
        nonlocal cursor
        page = client.get("/v1/changes", params={"since": cursor} if cursor else {}).json()
        seen.extend(page["data"])
        cursor = page["next_cursor"]

    writers = [threading.Thread(target=writer, args=(w,)) for w in range(4)]
    for thread in writers:
        thread.start()
    while any(thread.is_alive() for thread in writers):
        follow()
    follow()
    with sessions() as session:
        stored = session.scalars(select(TagChange.id).order_by(TagChange.id)).all()
    assert len(seen) == len(stored) > 50
    assert replay(seen) == current_tags(client)


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_member_cards_are_read_again_after_the_server_drops_the_connection(sessions):
    night(sessions, "c", {"u1": {"A": 0.5}, "u2": {"B": 0.5}})
    client = api_client("c")
    assert client.get("/v1/members/u1/tags").status_code == 200  # the reader's connection is open now
    with sessions() as session:  # as a restarted server would
        session.execute(text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                             "WHERE datname = current_database() AND pid <> pg_backend_pid()"))
    answer = client.get("/v1/members/u2/tags")
    assert answer.status_code == 200 and answer.json()["tags"][0]["tag"] == "B"
