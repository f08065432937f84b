"""One nightly run per community at a time: a second is refused in one line and writes nothing, the
lock goes with its holder's process however it ends, and a run left 'running' by a dead process is
marked failed by the next."""
import csv
import json
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from flows.cli import app
from models.locks import RunInProgress, run_lock
from models.store import community_by_name, start_run
from models.tables import Run

REPO = Path(__file__).resolve().parents[2]
HOLD = """import sys, time
from models.locks import run_lock
with run_lock(sys.argv[1], sys.argv[2]):
    print("held", flush=True)
    time.sleep(600)
"""


@pytest.fixture
def community(tmp_path, database_url):
    export = tmp_path / "tiny.csv"
    with open(export, "w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows([["group", "sender_id", "sender_name", "time", "text", "message_id"]] + [
            ["群", f"u{n % 7}", f"u{n % 7}", f"2026-10-{n % 28 + 1:02d} 10:00:00",
             ["想要低因咖啡晚上喝", "求推荐伪素颜粉底液", "宝宝湿疹膏哪款好用"][n % 3] + f"{n}号", f"m{n}"]
            for n in range(45)])
    assert CliRunner().invoke(app, ["ingest", str(export), "--community", "tiny"]).exit_code == 0
    return "tiny"


def runs(sessions) -> list[Run]:
    with sessions() as session:
        return list(session.scalars(select(Run).order_by(Run.id)))


def test_the_lock_is_per_community(database_url):
    with run_lock(database_url, "a"):
        with pytest.raises(RunInProgress, match="community 'a' has a run in progress"):
            with run_lock(database_url, "a"):
                pass
        with run_lock(database_url, "b"):
            pass
    with run_lock(database_url, "a"):  # released on leaving
        pass


def test_a_second_run_is_refused_until_the_first_process_ends(community, database_url, sessions):
    holder = subprocess.Popen([sys.executable, "-c", HOLD, database_url, community], cwd=REPO,
                              stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline() == "held\n"
        refused = CliRunner().invoke(app, ["run", "--community", community])
        assert refused.exit_code == 1
        assert refused.output.startswith(f"error: community {community!r} has a run in progress in another process")
        assert runs(sessions) == []
    finally:
        holder.kill()  # no clean exit: the OS (file lock) or the server (advisory lock) lets go
        holder.wait()
    done = CliRunner().invoke(app, ["run", "--community", community, "--json"])
    assert done.exit_code == 0, done.output
    assert [r.status for r in runs(sessions)] == ["ok"] and json.loads(done.stdout)["messages"] == 45


def test_a_run_left_running_by_a_dead_process_is_marked_failed(community, sessions):
    with sessions.begin() as session:
        start_run(session, community_by_name(session, community), {})  # its process died mid-run
    assert CliRunner().invoke(app, ["run", "--community", community]).exit_code == 0
    dead, done = runs(sessions)
    assert (dead.status, dead.warnings) == ("failed", ["interrupted: its process ended before the run finished"])
    assert dead.finished_at is not None and done.status == "ok"
