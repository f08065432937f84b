"""Store functions on SQLite and PostgreSQL: migrations, ingest, theme identity across runs, tags."""
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest
from sqlalchemy import inspect, select

from flows.sources import MessageRecord
from models import store, views
from models.tables import Theme
from nlp.records import MemberTag
from nlp.records import Theme as FoundTheme
from nlp.track import activity, match_themes

T0 = datetime(2026, 10, 1, tzinfo=UTC)


def records():
    texts = [("u1", "低因咖啡豆有吗"), ("u2", "想要低因拿铁"), ("u1", "美妆蛋总弄不均匀"), ("u3", "粉底液推荐")]
    return [MessageRecord("g", member, member.upper(), T0 + timedelta(hours=i), text, f"k{i}")
            for i, (member, text) in enumerate(texts)]


def found(keywords, ids, members):
    return FoundTheme(label=keywords[0], keywords=keywords, message_ids=ids, member_ids=members, quotes=ids[:1],
                      sentiment=0.1, first_seen=T0, last_seen=T0, trend=[("2026-10-01", len(ids))],
                      scores=[1.0] * len(ids))


def test_migrations_create_every_table(sessions):
    with sessions() as session:
        names = set(inspect(session.get_bind()).get_table_names())
    assert {"communities", "groups", "members", "messages", "quarantine", "runs", "themes", "theme_messages",
            "member_tags", "embeddings", "alembic_version"} <= names


def test_migrations_match_the_tables(sessions):
    """Alembic's autogenerate finds nothing to add: the revisions build exactly models/tables.py."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from models.tables import Base

    with sessions() as session:
        differences = compare_metadata(MigrationContext.configure(session.connection()), Base.metadata)
    assert differences == []


def save(session, run, themes, vectors, ids):
    """Match against the stored themes the way the nightly flow does, then save."""
    past = store.past_themes(session, run.community_id)
    matches = match_themes(past, themes, vectors, ids)
    acts = [activity([T0] * len(t.message_ids), t.member_ids, T0) for t in themes]
    return store.save_themes(session, run, themes, matches, acts)


def test_theme_keeps_its_id_across_runs_and_stale_ones_go_inactive(sessions):
    with sessions.begin() as session:
        ingester = store.Ingester(session, "c")
        ingester.add(records())
        community = store.community_by_name(session, "c")
        ids = [m.id for m in store.messages_of(session, community)]
        run1 = store.start_run(session, community, {})
        vectors = np.array([[1.0, 0.0], [0.9, 0.1], [0.0, 1.0], [0.1, 0.9]])
        first = save(session, run1, [found(["低因", "咖啡", "拿铁"], ids[:2], ["u1", "u2"]),
                                     found(["粉底", "美妆蛋"], ids[2:], ["u1", "u3"])], vectors, ids)
        tagged = store.save_member_tags(session, run1, [MemberTag("u1", "低因", "theme", 0.5, ids[:1], 0)], first)
        store.finish_run(session, run1, "lsa", {"themes": 2}, [])
        assert tagged == 1
    with sessions.begin() as session:
        community = store.community_by_name(session, "c")
        run2 = store.start_run(session, community, {})
        vectors = np.array([[1.0, 0.0], [0.9, 0.1], [0.0, 1.0], [-0.9, -0.45]])  # message 4 now reads otherwise
        second = save(session, run2, [found(["低因", "咖啡", "睡眠"], ids[:2], ["u1", "u2"]),
                                      found(["宝宝", "湿疹"], ids[3:], ["u3"])], vectors, ids)
        store.save_member_tags(session, run2, [MemberTag("u3", "宝宝", "theme", 0.5, ids[3:], 1)], second)
        store.finish_run(session, run2, "lsa", {"themes": 2}, [])
    assert second[0] == first[0] and second[1] not in first
    with sessions() as session:
        active = {t.id for t in session.scalars(select(Theme).where(Theme.active))}
        assert active == set(second)
        detail = views.theme_detail(session, second[0], limit=1)
        assert detail.total_messages == 2 and len(detail.messages_page) == 1 and detail.keywords[-1] == "睡眠"
        listed = views.themes(session, "c")
        assert [t.voices for t in listed] == [2, 1]
        assert views.member_tags(session, "u1").tags == []  # run 2 replaced the tags
        assert views.member_tags(session, "u3").tags[0].theme_id == second[1]
        assert views.communities(session)[0].latest_run.id == run2.id


def test_member_first_and_last_seen_follow_out_of_order_records(sessions):
    late, early = records()[1], records()[0]
    with sessions.begin() as session:
        ingester = store.Ingester(session, "c")
        ingester.add([MessageRecord("g", "u1", "新名字", late.sent_at, "x", "a"),
                      MessageRecord("g", "u1", "旧名字", early.sent_at, "y", "b")])
    with sessions() as session:
        member = views.member(session, "u1")
        assert store.utc(member.first_seen) == early.sent_at and store.utc(member.last_seen) == late.sent_at
        assert member.display_name == "新名字"


def test_ingesting_again_in_many_batches_stores_nothing_twice(sessions):
    """Duplicates are found batch after batch, past psycopg's fifth run of the stored-keys query (prepared from
    then on); on PostgreSQL the ingest has the table's statistics read as it grows, so that the query is
    planned for a table of that size (never analysed, a new store's messages read as an empty table)."""
    from sqlalchemy import text

    batch = [MessageRecord("g", f"u{i % 7}", f"U{i % 7}", T0 + timedelta(minutes=i), f"第{i}句", f"k{i}")
             for i in range(40)]
    with sessions.begin() as session:
        first = store.Ingester(session, "c", batch_size=4)
        first.stored_keys.analyze_from = 8
        first.add(batch[:24])
        assert (first.counts.new, first.counts.duplicates) == (24, 0)
        if session.get_bind().dialect.name == "postgresql":
            assert session.scalar(text("SELECT reltuples FROM pg_class WHERE relname = 'messages'")) >= 16
        again = store.Ingester(session, "c", batch_size=4)
        again.add(batch)  # ten batches: six of stored messages, four of new ones
        assert (again.counts.new, again.counts.duplicates) == (16, 24)
    with sessions() as session:
        assert len(store.messages_of(session, store.community_by_name(session, "c"))) == 40


def test_an_ingest_beside_another_does_not_wait_for_it(sessions, database_url):
    """ANALYZE holds its lock on messages to the end of the ingest's transaction: a second ingest reading the
    statistics then would wait until the first had finished. It goes on without them instead."""
    from sqlalchemy import text

    if database_url.startswith("sqlite"):
        pytest.skip("PostgreSQL's statistics; SQLite has one writer at a time")
    batch = [MessageRecord("g", "u1", "U1", T0 + timedelta(minutes=i), f"第{i}句", f"k{i}") for i in range(12)]
    with sessions.begin() as first, sessions.begin() as second:
        first.execute(text("ANALYZE messages"))  # as an ingest under way holds it
        second.execute(text("SET LOCAL lock_timeout = '3s'"))  # waiting would fail the test, not hang it
        ingester = store.Ingester(second, "d", batch_size=4)
        ingester.stored_keys.analyze_from = 4
        ingester.add(batch)
        assert ingester.counts.new == 12


def test_bulk_rows_are_stored_as_an_insert_stores_them(sessions):
    """PostgreSQL takes bulk rows by COPY, which knows nothing of SQLAlchemy: a column left out still gets its
    Python-side default, and None in a JSON column is still JSON null (not SQL NULL), as on SQLite."""
    from sqlalchemy import func

    from models.tables import Message, ThemeMessage

    with sessions.begin() as session:
        store.Ingester(session, "c").add(records())  # no mentions: None in a JSON column
        community = store.community_by_name(session, "c")
        ids = [m.id for m in store.messages_of(session, community)]
        theme = Theme(community_id=community.id, run_id=store.start_run(session, community, {}).id, label="低因")
        session.add(theme)
        session.flush()
        store.insert_rows(session, ThemeMessage.__table__, [dict(theme_id=theme.id, message_id=i) for i in ids])
    with sessions() as session:
        assert session.scalars(select(ThemeMessage.score)).all() == [1.0] * 4  # the column's default
        assert session.scalar(select(func.count()).where(Message.mentions.is_(None))) == 0
        assert session.scalars(select(Message.mentions)).all() == [None] * 4


def test_upgrading_an_old_store_keeps_every_row(sessions, database_url):
    """Alembic's batch mode copies a SQLite table and drops the old one: with foreign keys on, that drop
    cascaded into every row referencing it. An upgrade from 0001 emptied messages (0008 copies members
    for members.staff), theme_messages (0002, 0003, 0007, 0009 copy messages and themes) and member tags."""
    from alembic import command
    from sqlalchemy import func

    from models.db import alembic_config, make_engine, migrate
    from models.tables import MemberTag as StoredTag
    from models.tables import Message, ThemeMessage

    with sessions.begin() as session:
        store.Ingester(session, "c").add(records())
        community = store.community_by_name(session, "c")
        ids = [m.id for m in store.messages_of(session, community)]
        run = store.start_run(session, community, {})
        [theme_id] = save(session, run, [found(["低因", "咖啡"], ids[:2], ["u1", "u2"])], np.eye(4, dtype=np.float32), ids)
        store.save_member_tags(session, run, [MemberTag("u1", "低因", "theme", 0.8, ids[:1], theme_index=0)], [theme_id])
        store.finish_run(session, run, "lsa", {}, [])

    def rows() -> list[int]:
        with sessions() as session:
            return [session.scalar(select(func.count()).select_from(table))
                    for table in (Message, ThemeMessage, StoredTag, Theme)]

    before = rows()
    assert before == [4, 2, 1, 1]
    command.downgrade(alembic_config(database_url), "0001")  # a store of the first schema
    engine = make_engine(database_url)  # the engine open_store makes: foreign keys on, on SQLite
    migrate(engine)
    engine.dispose()
    assert rows() == before
