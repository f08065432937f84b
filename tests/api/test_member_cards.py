"""Member cards (the stored answers of GET /v1/members/{id}/tags): written by every run and ingest in the
transaction that changes what they show, served as stored, and rendered from the rows when a store has none."""
import csv
import json
import random
import threading
import time
from datetime import timedelta

import pytest
from alembic import command
from sqlalchemy import delete, select
from typer.testing import CliRunner

from flows.cli import app
from flows.sources import MessageRecord
from models import store, views
from models.db import alembic_config
from models.tables import Member, MemberCard
from nlp.records import MemberTag
from tests.api.crm_seed import T0, night
from tests.conftest import api_client
from tests.flows.test_nightly import corpus

HEADER = ["group", "sender_id", "sender_name", "time", "text", "message_id"]


def invoke(*args: str) -> None:
    result = CliRunner().invoke(app, list(args))
    assert result.exit_code == 0, result.output


def write_csv(path, rows) -> str:
    with open(path, "w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows(rows)
    return str(path)


def stored_cards(sessions, community: str) -> dict[str, tuple[bytes, str]]:
    with sessions() as session:
        found = store.community_by_name(session, community)
        return {sender: (bytes(body), etag) for sender, body, etag in session.execute(
            select(MemberCard.sender_id, MemberCard.body, MemberCard.etag)
            .where(MemberCard.community_id == found.id))}


def rendered_cards(sessions, community: str) -> dict[str, tuple[bytes, str]]:
    """Every member's card rendered from the rows now, as the route does for a member without a stored card."""
    with sessions() as session:
        found = store.community_by_name(session, community)
        senders = session.scalars(select(Member.sender_id).where(Member.community_id == found.id)).all()
        return {sender: views.rendered_card(session.connection(), found.id, community, sender) for sender in senders}


def served(client, member: str) -> tuple[bytes, str]:
    answer = client.get(f"/v1/members/{member}/tags")
    assert answer.status_code == 200, answer.text
    return answer.content, answer.headers["etag"]


def test_runs_ingests_and_orders_keep_every_card_as_the_rows_render_it(sessions, tmp_path):
    chats = corpus(random.Random(42))
    invoke("ingest", write_csv(tmp_path / "october.csv", [HEADER, *chats]), "--community", "small")
    invoke("run", "--community", "small", "--min-cluster-size", "10")
    client = api_client("small")
    first = stored_cards(sessions, "small")
    assert first == rendered_cards(sessions, "small") and len(first) > 30  # every member's, as rendered
    buyer = max(first, key=lambda sender: len(first[sender][0]))  # a member with tags
    assert b'"tags":[{' in first[buyer][0] and served(client, buyer) == first[buyer]

    # Orders change no card until a run layers members by them; the run changes the buyer's layer.
    orders = [("order_id", "member_id", "paid_at", "amount"), ("o1", buyer, "2026-10-20 10:00:00", "9999")]
    invoke("ingest-orders", write_csv(tmp_path / "orders.csv", orders), "--community", "small")
    assert stored_cards(sessions, "small") == first
    invoke("run", "--community", "small", "--min-cluster-size", "10")
    second = stored_cards(sessions, "small")
    assert second == rendered_cards(sessions, "small")
    body, etag = served(client, buyer)
    assert (body, etag) == second[buyer] and etag != first[buyer][1]
    assert client.get(f"/v1/members/{buyer}/tags").json()["layer"]["metrics"]["spend"] == 9999
    assert client.get(f"/v1/members/{buyer}/tags", headers={"If-None-Match": first[buyer][1]}).status_code == 200
    assert client.get(f"/v1/members/{buyer}/tags", headers={"If-None-Match": etag}).status_code == 304

    # An ingest rewrites the cards of the members it brought messages from, and only theirs.
    said = ["群", buyer, "新名字", "2026-10-30 12:00:00", "周末去咖啡店", "late-1"]
    invoke("ingest", write_csv(tmp_path / "late.csv", [HEADER, said]), "--community", "small")
    third = stored_cards(sessions, "small")
    assert third == rendered_cards(sessions, "small")
    assert {sender for sender in third if third[sender] != second[sender]} == {buyer}
    card = client.get(f"/v1/members/{buyer}/tags").json()
    assert card["display_name"] == "新名字" and card["messages"] == json.loads(second[buyer][0])["messages"] + 1


def test_a_store_migrated_from_before_cards_is_served_by_rendering_them(sessions, database_url):
    night(sessions, "c", {"u1": {"A": 0.5, "B": 0.7}, "u2": {}}, theme="低因", layers={"u1": "koc"})
    night(sessions, "d", {"u3": {"A": 0.5}})
    before = stored_cards(sessions, "c")
    assert set(before) == {"u1", "u2"} and before == rendered_cards(sessions, "c")

    config = alembic_config(database_url)  # back to revision 0005 (no cards) and up again: none stored
    command.downgrade(config, "0005")
    command.upgrade(config, "head")
    assert stored_cards(sessions, "c") == {}

    client = api_client("c")
    assert served(client, "u1") == before["u1"] and served(client, "u2") == before["u2"]  # the same bytes
    assert client.get("/v1/members/u1/tags", headers={"If-None-Match": before["u1"][1]}).status_code == 304
    assert client.get("/v1/members/u3/tags").status_code == 404  # another community's member
    assert client.get("/v1/members/nobody/tags").status_code == 404
    assert client.get("/v1/members/u1/tags", headers={"Authorization": "Bearer wrong"}).status_code == 401

    night(sessions, "c", {"u1": {"A": 0.9}})  # the next run stores every member's card again
    assert set(stored_cards(sessions, "c")) == {"u1", "u2"}
    assert served(client, "u1") == stored_cards(sessions, "c")["u1"] != before["u1"]


def test_a_missing_card_of_one_member_is_rendered_while_the_others_are_read(sessions):
    night(sessions, "c", {"u1": {"A": 0.5}, "u2": {"B": 0.5}})
    before = stored_cards(sessions, "c")
    with sessions.begin() as session:
        session.execute(delete(MemberCard).where(MemberCard.sender_id == "u2"))
    client = api_client("c")
    assert served(client, "u1") == before["u1"] and served(client, "u2") == before["u2"]


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_an_ingest_during_a_run_writes_its_cards_after_the_run_commits(sessions):
    night(sessions, "c", {"u1": {"A": 0.5}})

    def ingest() -> None:
        with sessions.begin() as session:
            store.Ingester(session, "c").add([MessageRecord("群", "u1", "新昵称", T0 + timedelta(days=1), "早", "late")])

    with sessions.begin() as run:  # a nightly save: new tags, then every card, the community's row held
        found = store.community_by_name(run, "c")
        store.save_member_tags(run, store.start_run(run, found, {}), [MemberTag("u1", "B", "taxonomy", 0.7, [1])], [])
        store.save_member_cards(run, found.id)
        second = threading.Thread(target=ingest)
        second.start()
        time.sleep(1.0)
        assert second.is_alive()  # its message is in; its cards wait for the run, else they would show tag A
    second.join(30)
    card = json.loads(stored_cards(sessions, "c")["u1"][0])  # the run's tag and the ingest's message, both
    assert ([t["tag"] for t in card["tags"]], card["display_name"]) == (["B"], "新昵称")
    assert stored_cards(sessions, "c") == rendered_cards(sessions, "c")
