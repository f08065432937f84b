"""`make bench`: GET /v1/members/{id}/tags under load, against a bare FastAPI endpoint.

For each store (SQLite, and PostgreSQL when the server at QUNSHENG_TEST_POSTGRES_URL answers):
a fresh database is seeded with bulk inserts (100k members, 3 messages, 4 tags and a value layer
each) and their member cards written as a nightly run writes them (timed: cards_s), an API key is
created, then the API and a bare FastAPI app (one async route returning a
constant small JSON) are served the same way, one after the other, alternating for --rounds
rounds (uvicorn, one worker, 127.0.0.1), and wrk asks each for members' tags (PATTERNS; the bare
app ignores the path) with the key in the Authorization header. Each side's best round is kept,
with the server's CPU time per request. Target: our rps >= 70% of the bare endpoint's, p99 <= 20
ms. Writes benchmarks/results/crm.json; fails in one line when wrk is missing.

    .venv/bin/python benchmarks/crm.py [--members 100000] [--duration 10] [--connections 8]
                                       [--rounds 2] [--stores sqlite postgresql]
"""
from __future__ import annotations

import argparse
import json
import os
import random
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from datetime import UTC, datetime, timedelta
from pathlib import Path

from fastapi import FastAPI

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
RESULTS = REPO / "benchmarks" / "results" / "crm.json"
POSTGRES_ADMIN_URL = os.environ.get("QUNSHENG_TEST_POSTGRES_URL",
                                    "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
TAXONOMY = [("咖啡", "手冲爱好者"), ("咖啡", "低因咖啡"), ("咖啡", "燕麦奶党"), ("家庭", "亲子家庭"), ("家庭", "宠物主"),
            ("肤质", "敏感肌"), ("人群", "上班族"), ("消费", "价格敏感")]
LAYERS = ["koc"] * 5 + ["high"] * 15 + ["potential"] * 60 + ["dormant"] * 20
# Which members wrk asks for: any of the 100k alike (every answer read from the store: the target's
# case), or 80% of requests for the 1,000 most active (m000000..m000999), as CRM look-ups follow the
# members who are talking (their cards stay in the database's page cache).
PATTERNS = {"uniform": 0.0, "hot": 0.8}
HOT_MEMBERS = 1_000
REQUEST_SCRIPT = """
math.randomseed(42)
request = function()
  local n = math.random(0, {members} - 1)
  if math.random() < {hot_share} then n = math.random(0, {hot} - 1) end
  return wrk.format("GET", string.format("/v1/members/m%06d/tags", n))
end
"""

bare = FastAPI()  # the baseline: served by `uvicorn benchmarks.crm:bare`


@bare.get("/health")
async def read_health() -> dict:
    return {"status": "ok"}


@bare.get("/{path:path}")
async def read_constant(path: str) -> dict:
    return {"member": "m000001", "tags": [{"tag": "手冲爱好者", "score": 0.5}]}


# --- the store ---------------------------------------------------------------------------------

def database(kind: str, folder: Path) -> tuple[str, callable]:
    """A fresh, empty database: (url, drop)."""
    if kind == "sqlite":
        return f"sqlite:///{folder / 'crm.db'}", lambda: None
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    name = f"qunsheng_bench_crm_{os.getpid()}"
    admin = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))

    def drop() -> None:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))

    return make_url(POSTGRES_ADMIN_URL).set(database=name).render_as_string(hide_password=False), drop


def postgres_answers() -> bool:
    from sqlalchemy import create_engine, text

    try:
        with create_engine(POSTGRES_ADMIN_URL).connect() as conn:
            conn.execute(text("SELECT 1"))
        return True
    except Exception:  # noqa: BLE001 - any failure means: measure SQLite only
        return False


def insert(session, table, rows: list[dict], batch: int = 20_000) -> None:
    for start in range(0, len(rows), batch):
        session.execute(table.insert(), rows[start:start + batch])


def seed(url: str, members: int, messages_per_member: int = 3) -> tuple[str, float]:
    """Bulk-insert a community of ``members`` members with messages, tags and layers, and write their cards
    as a nightly run would; returns an API key and the seconds the cards took."""
    from sqlalchemy import text

    from models import store
    from models.db import open_store
    from models.tables import Community, Group, Member, MemberLayer, MemberTag, Message, Run

    rng, t0 = random.Random(42), datetime(2026, 10, 1, tzinfo=UTC)
    with open_store(url).begin() as session:
        community = Community(name="bench", created_at=t0)
        session.add(community)
        session.flush()
        group = Group(community_id=community.id, name="咖啡群")
        run = Run(community_id=community.id, started_at=t0, finished_at=t0, status="ok", parameters={})
        session.add_all([group, run])
        session.flush()
        insert(session, Member.__table__, [dict(id=n + 1, community_id=community.id, sender_id=f"m{n:06d}",
                                                display_name=f"成员{n}", first_seen=t0, last_seen=t0)
                                           for n in range(members)])
        insert(session, Message.__table__, [
            dict(id=n * messages_per_member + k + 1, community_id=community.id, group_id=group.id, member_id=n + 1,
                 source_key=f"k{n}-{k}", sender_name=f"成员{n}", sent_at=t0 + timedelta(minutes=n % 50_000 + k),
                 text="今天手冲了一杯耶加，豆子研磨细一点更好", msg_type="text", recalled=False)
            for n in range(members) for k in range(messages_per_member)])
        tags = []
        for n in range(members):
            evidence = [n * messages_per_member + k + 1 for k in range(messages_per_member)]
            for group_name, tag in rng.sample(TAXONOMY, 3):
                tags.append(dict(member_id=n + 1, run_id=run.id, kind="taxonomy", tag=tag, tag_group=group_name,
                                 score=round(rng.uniform(0.1, 0.9), 4), base_score=0.75, evidence=evidence,
                                 first_evidence=t0, last_evidence=t0, feed_score=0.5))
            tags.append(dict(member_id=n + 1, run_id=run.id, kind="keyword", tag="研磨", tag_group=None, score=0.5,
                             evidence=evidence,
                             base_score=0.5, first_evidence=t0, last_evidence=t0, feed_score=0.5))
        insert(session, MemberTag.__table__, tags)
        insert(session, MemberLayer.__table__, [
            dict(member_id=n + 1, community_id=community.id, run_id=run.id, layer=LAYERS[n % 100],
                 reasons=["top 40% by recent messages: 3 in 30 days"], metrics={"messages": messages_per_member})
            for n in range(members)])
        if session.get_bind().dialect.name == "postgresql":  # the bulk inserts set ids: move the sequences on
            for table in ("members", "messages"):
                session.execute(text(f"SELECT setval('{table}_id_seq', (SELECT max(id) FROM {table}))"))
        _, key = store.create_api_key(session, community)
        started = time.perf_counter()
        store.save_member_cards(session, community.id)  # as the nightly flow's save does
        cards_s = time.perf_counter() - started
    with open_store(url).begin() as session:
        if session.get_bind().dialect.name == "postgresql":
            session.execute(text("ANALYZE"))
    return key, cards_s


# --- serving and loading -----------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def serve(target: list[str], env: dict) -> tuple[subprocess.Popen, int]:
    """uvicorn (one worker, defaults otherwise, as `qunsheng serve` runs it) on a free port, once it answers."""
    port = free_port()
    server = subprocess.Popen([sys.executable, "-m", "uvicorn", "--host", "127.0.0.1", "--port", str(port),
                               "--log-level", "warning", *target], cwd=REPO, env=env)
    for _ in range(300):
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=1):
                return server, port
        except OSError:
            time.sleep(0.1)
    server.terminate()
    raise SystemExit(f"error: the server {' '.join(target)} did not start")


def wrk(port: int, key: str, script: Path, duration: int, connections: int) -> dict:
    """Requests/s and latency percentiles (ms) of wrk against the server on ``port``."""
    output = subprocess.run(["wrk", "-t1", f"-c{connections}", f"-d{duration}s", "--latency", "-s", str(script),
                             "-H", f"Authorization: Bearer {key}", f"http://127.0.0.1:{port}/"],
                            capture_output=True, text=True, check=True).stdout
    percentiles = {p: milliseconds(v) for p, v in re.findall(r"^\s+(50|75|90|99)%\s+(\S+)$", output, re.M)}
    failed = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    return {"rps": float(re.search(r"Requests/sec:\s+([\d.]+)", output)[1]),
            "requests": int(re.search(r"(\d+) requests in", output)[1]),
            "p50_ms": percentiles["50"], "p90_ms": percentiles["90"], "p99_ms": percentiles["99"],
            "errors": int(failed[1]) if failed else 0}


def milliseconds(value: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s)", value).groups()
    return round(float(number) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit], 3)


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def measure(url: str, key: str, script: Path, duration: int, connections: int, rounds: int) -> dict:
    """Bare and ours, alternating for ``rounds`` rounds (the machine is shared); each side's best round,
    with the server's CPU time per request (steadier than rates on a busy machine)."""
    env = os.environ | {"QUNSHENG_DATABASE_URL": url, "PYTHONPATH": str(REPO)}
    sides = {"bare": ["benchmarks.crm:bare"], "ours": ["--factory", "api.main:create_app"]}
    runs: dict[str, list[dict]] = {side: [] for side in sides}
    for _ in range(rounds):
        for side, target in sides.items():
            server, port = serve(target, env)
            try:
                wrk(port, key, script, 3, connections)  # warm up: connections, caches, the first queries
                started = cpu_seconds(server.pid)
                found = wrk(port, key, script, duration, connections)
                found["cpu_us"] = round((cpu_seconds(server.pid) - started) / found["requests"] * 1e6)
                runs[side].append(found)
            finally:
                server.terminate()
                server.wait(10)
    best = {side: max(found, key=lambda r: r["rps"]) for side, found in runs.items()}
    ratio = round(best["ours"]["rps"] / best["bare"]["rps"], 3)
    return {**best, "ratio": ratio, "cpu_ratio": round(best["bare"]["cpu_us"] / best["ours"]["cpu_us"], 3),
            "target_met": ratio >= 0.7 and best["ours"]["p99_ms"] <= 20 and best["ours"]["errors"] == 0,
            "rounds": runs}


def measure_store(kind: str, folder: Path, args: argparse.Namespace) -> dict:
    """Seed a fresh database of this kind, then measure every request pattern on it."""
    url, drop = database(kind, folder)
    try:
        started = time.perf_counter()
        key, cards_s = seed(url, args.members)
        found = {"seed_s": round(time.perf_counter() - started, 1), "cards_s": round(cards_s, 1)}
        for pattern, hot_share in PATTERNS.items():
            script = folder / f"{pattern}.lua"
            script.write_text(REQUEST_SCRIPT.format(members=args.members, hot_share=hot_share, hot=HOT_MEMBERS),
                              encoding="utf-8")
            found[pattern] = measure(url, key, script, args.duration, args.connections, args.rounds)
            print(summary(kind, pattern, found[pattern]), flush=True)
        return found
    finally:
        from models.db import _stores

        if url in _stores:
            _stores.pop(url).kw["bind"].dispose()
        drop()


def summary(kind: str, pattern: str, found: dict) -> str:
    bare, ours = found["bare"], found["ours"]
    return (f"{kind:<10} {pattern:<7} | bare {bare['rps']:>6.0f} rps p50 {bare['p50_ms']:.2f} p99 {bare['p99_ms']:.2f} "
            f"ms | ours {ours['rps']:>6.0f} rps p50 {ours['p50_ms']:.2f} p99 {ours['p99_ms']:.2f} ms | "
            f"{found['ratio']:.0%} of bare (CPU per request {found['cpu_ratio']:.0%}) | "
            f"target {'met' if found['target_met'] else 'missed'}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=100_000)
    parser.add_argument("--duration", type=int, default=10, help="seconds of load per measurement")
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--stores", nargs="+", default=["sqlite", "postgresql"], choices=["sqlite", "postgresql"])
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("error: wrk is not installed (apt-get install -y wrk)")
    results = {"members": args.members, "connections": args.connections, "duration_s": args.duration,
               "rounds": args.rounds, "patterns": PATTERNS, "hot_members": HOT_MEMBERS, "cpus": os.cpu_count(),
               "measured_at": datetime.now(UTC).isoformat(timespec="seconds"), "stores": {}}
    with tempfile.TemporaryDirectory(prefix="qunsheng-crm-") as folder:
        for kind in [s for s in args.stores if s != "postgresql" or postgres_answers()]:
            results["stores"][kind] = measure_store(kind, Path(folder), args)
    RESULTS.write_text(json.dumps(results, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
