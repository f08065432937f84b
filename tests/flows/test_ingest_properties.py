"""Every record of an export is stored or quarantined, exactly once, whatever the rows hold."""
import csv
import tempfile
from datetime import datetime
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from flows.ingest import IngestError, ingest_files
from models.db import make_engine, migrate, session_factory
from models.tables import Message, Quarantine

GOOD_TIME = st.datetimes(datetime(2020, 1, 1), datetime(2030, 1, 1)).map(lambda d: f"{d:%Y-%m-%d %H:%M:%S}")
ROW = st.tuples(
    st.sampled_from(["咖啡群", "宝妈群"]),
    st.one_of(st.sampled_from(["u1", "u2", "u3"]), st.just("")),  # "" -> missing sender: quarantined
    st.text(max_size=8),
    st.one_of(GOOD_TIME, st.sampled_from(["yesterday", "2026-13-45 99:00:00"])),  # bad times: quarantined
    st.text(min_size=1, max_size=60).filter(lambda t: t.strip() and "\x00" not in t and "\r" not in t),
)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                  HealthCheck.too_slow])
@given(rows=st.lists(ROW, min_size=1, max_size=40))
def test_every_row_is_stored_or_quarantined_once(rows):
    with tempfile.TemporaryDirectory() as tmp:
        export = Path(tmp) / "export.csv"
        with open(export, "w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(["group", "sender_id", "sender_name", "time", "text", "message_id"])
            writer.writerows([*row, f"m{i}"] for i, row in enumerate(rows))
        engine = make_engine(f"sqlite:///{tmp}/store.db")
        migrate(engine)
        sessions = session_factory(engine)
        bad = sum(1 for _, sender, _, time, _ in rows if not sender or not time[0].isdigit() or time.startswith("2026-13"))
        try:
            with sessions.begin() as session:
                counts = ingest_files(session, [export], "c")
        except IngestError as error:  # nothing readable at all is the one allowed failure
            assert bad == len(rows), error
            return
        finally:
            engine.dispose()
        assert counts["messages"] == len(rows)
        assert counts["new"] + counts["quarantined"] == len(rows) and counts["quarantined"] == bad
        engine = make_engine(f"sqlite:///{tmp}/store.db")
        with session_factory(engine)() as session:
            assert session.scalar(select(func.count()).select_from(Message)) == len(rows) - bad
            assert session.scalar(select(func.count()).select_from(Quarantine)) == bad
        engine.dispose()
