"""`make bench` (ingest part): parser throughput and peak memory per format on a generated
export of N messages (default 1,000,000), and a full `qunsheng ingest` of the CSV into SQLite and,
where a PostgreSQL server answers (--postgres), into PostgreSQL.

Each measurement runs in a fresh subprocess so its peak RSS is its own. Ratios are
against a baseline in the same run: a bare `csv.reader` pass over the CSV export.
Writes benchmarks/results/ingest.json.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

MEASURE = """
import csv, json, resource, sys, time
from pathlib import Path
sys.path.insert(0, {repo!r})
path, fmt = Path({path!r}), {fmt!r}
start = time.perf_counter()
if fmt == "baseline":
    with open(path, newline="", encoding="utf-8") as handle:
        n = sum(1 for _ in csv.reader(handle)) - 1
    rejects = 0
else:
    from flows.sources import ParseOptions, Reject, get_format
    n = rejects = 0
    for item in get_format(fmt).parse(path, ParseOptions()):
        n += 1
        rejects += isinstance(item, Reject)
print(json.dumps({{"records": n, "rejects": rejects, "seconds": time.perf_counter() - start,
                  "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}}))
"""


def measure(fmt: str, path: Path) -> dict:
    code = MEASURE.format(repo=str(REPO), path=str(path), fmt=fmt)
    return json.loads(subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True).stdout)


def ingest_cli(path: Path, workdir: Path, database_url: str = "") -> dict:
    """The user's path: `qunsheng ingest` into a fresh store (SQLite unless a database URL is given), timed,
    with its peak RSS."""
    env = os.environ | {"QUNSHENG_DATA_DIR": str(workdir / "data"), "QUNSHENG_DATABASE_URL": database_url}
    code = ("import resource, runpy, sys; sys.argv = ['qunsheng', 'ingest', %r, '--community', 'bench', '--json'];"
            "\ntry:\n    runpy.run_module('flows.cli', run_name='__main__')\nexcept SystemExit:\n    pass\n"
            "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)") % str(path)
    start = time.perf_counter()
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True, env=env).stdout
    seconds = time.perf_counter() - start
    counts = json.loads(out[:out.rindex("}") + 1])
    return {"records": counts["messages"], "new": counts["new"], "seconds": seconds,
            "peak_rss_mb": float(out.strip().splitlines()[-1])}


def main() -> None:
    from benchmarks import postgres
    from benchmarks.exports import WRITERS, chat_lines

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--messages", type=int, default=1_000_000)
    parser.add_argument("--formats", nargs="*", default=list(WRITERS))
    parser.add_argument("--postgres", default=postgres.DEFAULT,
                        help="a PostgreSQL server (URL) to ingest into as well, in a database made for it; '' skips")
    args = parser.parse_args()
    results: dict = {"messages": args.messages, "parsers": {}}
    with tempfile.TemporaryDirectory(prefix="qunsheng-ingest-bench-") as tmp:
        workdir = Path(tmp)
        files = {}
        for fmt in args.formats:
            files[fmt] = workdir / f"export.{fmt}"
            WRITERS[fmt](chat_lines(args.messages), files[fmt])
        baseline = measure("baseline", files.get("csv") or _csv(workdir, args.messages))
        results["baseline_csv_reader"] = baseline
        print(f"{args.messages:,} messages per export; baseline csv.reader {baseline['seconds']:.1f}s")
        print(f"{'format':<10}{'records':>10}{'rejects':>9}{'msg/s':>10}{'x baseline':>12}{'peak MB':>9}")
        for fmt, path in files.items():
            row = measure(fmt, path)
            row["messages_per_second"] = round(row["records"] / row["seconds"])
            row["ratio_to_baseline"] = round(row["seconds"] / baseline["seconds"], 2)
            results["parsers"][fmt] = row
            print(f"{fmt:<10}{row['records']:>10,}{row['rejects']:>9}{row['messages_per_second']:>10,}"
                  f"{row['ratio_to_baseline']:>12.2f}{row['peak_rss_mb']:>9.0f}")
        full = ingest_cli(files.get("csv") or _csv(workdir, args.messages), workdir)
        full["messages_per_second"] = round(full["records"] / full["seconds"])
        results["qunsheng_ingest_csv_sqlite"] = full
        print(f"qunsheng ingest (CSV -> SQLite): {full['messages_per_second']:,} msg/s, "
              f"{full['seconds']:.0f}s, peak {full['peak_rss_mb']:.0f} MB")
        if args.postgres:
            results["qunsheng_ingest_csv_postgresql"] = ingest_postgres(
                files.get("csv") or _csv(workdir, args.messages), workdir, args.postgres)
    out = REPO / "benchmarks" / "results" / "ingest.json"
    out.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    print(f"written to {out.relative_to(REPO)}")


def ingest_postgres(path: Path, workdir: Path, server: str) -> dict | None:
    """`qunsheng ingest` into a new database on ``server``, dropped afterwards; None when the server cannot be
    reached (the row is then skipped, with the reason)."""
    from benchmarks import postgres

    try:
        with postgres.database(server, f"qunsheng_bench_ingest_{os.getpid()}") as url:
            row = ingest_cli(path, workdir, url)
    except postgres.Unreachable as error:
        print(f"qunsheng ingest (CSV -> PostgreSQL): skipped, {error}")
        return None
    row["messages_per_second"] = round(row["records"] / row["seconds"])
    print(f"qunsheng ingest (CSV -> PostgreSQL): {row['messages_per_second']:,} msg/s, "
          f"{row['seconds']:.0f}s, peak {row['peak_rss_mb']:.0f} MB")
    return row


def _csv(workdir: Path, n: int) -> Path:
    from benchmarks.exports import chat_lines, write_csv

    path = workdir / "export.csv"
    if not path.exists():
        write_csv(chat_lines(n), path)
    return path


if __name__ == "__main__":
    main()
