"""`make bench`: the nightly flow at 10k, 100k and 1M generated messages (offline LSA embedder).

The community is the sample generator's (data/sample/generate.py) simulated again with one
seed per copy: each copy gets its own groups and members, and texts are composed afresh, so
a bigger corpus has more distinct texts, not only repeats. For each size: `qunsheng ingest`
then `qunsheng run` as child processes; wall seconds and the run's peak RSS are recorded,
with a baseline measured in the same run (one `jieba.lcut` pass over the same texts), since
the machine is shared and noisy. Targets: 100k <= 5 min, 1M <= 60 min and <= 4 GB.
``--embedder e5`` measures the bundled e5 model instead, whose first night embeds every
distinct text (results kept apart, under "embedder": "e5"). ``--postgres URL`` keeps the store in
PostgreSQL instead of SQLite, a database per size on that server (results kept apart, under
"store": "postgresql"; with --keep the databases stay for --again).

    .venv/bin/python benchmarks/scale.py [--sizes 10000 100000 1000000] [--keep DIR [--again]] [--embedder lsa|e5]
        [--postgres postgresql+psycopg://postgres@127.0.0.1:5432/test]
"""
from __future__ import annotations

import argparse
import csv
import importlib.util
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
QUNSHENG = Path(sys.executable).with_name("qunsheng")
sys.path.insert(0, str(REPO))


def load_generator():
    spec = importlib.util.spec_from_file_location("sample_generate", REPO / "data" / "sample" / "generate.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def write_corpus(path: Path, size: int) -> list[str]:
    """At least ``size`` messages (cut to exactly ``size``), copy after copy of the simulated community."""
    gen = load_generator()
    texts: list[str] = []
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["group", "sender_id", "sender_name", "time", "text", "message_id"])
        copy = 0
        while len(texts) < size:
            sim, _spam = gen.simulate(1000 + copy)
            for group, _members, _staff, msgs in sim:
                for n, m in enumerate(msgs):
                    if len(texts) >= size or not gen.START <= m.t < gen.END:
                        continue
                    sid = f"c{copy}-{m.sender.sid}" if m.sender else gen.SYSTEM_ID
                    name = m.sender.name_at(m.t) if m.sender else gen.SYSTEM_NAME
                    writer.writerow([f"{group['name']} {copy}", sid, name, m.t.strftime(gen.TIME_FMT), m.text,
                                     f"c{copy}-{group['slug']}-{n}"])
                    texts.append(m.text)
            copy += 1
    return texts


def child(args: list[str], env: dict) -> tuple[float, float, dict]:
    """Run a qunsheng command; wall seconds, peak RSS of the child (MB) and its JSON output."""
    start = time.perf_counter()
    done = subprocess.run([str(QUNSHENG), *args, "--json"], env=env, capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"qunsheng {' '.join(args)} failed: {done.stderr.strip()[-500:]}")
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss  # KiB, the largest child so far
    return seconds, peak / 1024, json.loads(done.stdout)


def measure(size: int, workdir: Path, again: bool = False, embedder: str = "lsa", database_url: str = "") -> dict:
    """Generate, ingest and run; with ``again``, run once more over the store an earlier
    ``--keep`` left (a second night: the same history, tracked against the first run's themes).
    The store is SQLite in the work folder unless ``database_url`` names another."""
    import jieba

    folder = workdir / (f"n{size}" if embedder == "lsa" else f"n{size}-{embedder}")
    export, store = folder / "community.csv", folder / "var" / "qunsheng.db"
    if again and not (store.exists() or database_url):
        raise SystemExit(f"--again: no kept store at {store}; run once with --keep {workdir} first")
    folder.mkdir(parents=True, exist_ok=True)
    if again:
        with export.open(newline="", encoding="utf-8") as handle:
            texts = [row["text"] for row in csv.DictReader(handle)]
    else:
        texts = write_corpus(export, size)
    jieba.setLogLevel(30)
    jieba.lcut("预热")
    start = time.perf_counter()
    for text in texts:
        jieba.lcut(text)
    baseline = time.perf_counter() - start
    env = os.environ | {"QUNSHENG_DATA_DIR": str(folder / "var"), "QUNSHENG_EMBEDDER": embedder,
                        "QUNSHENG_DATABASE_URL": database_url or f"sqlite:///{store}"}
    ingest_s, ingested = None, {"new": 0}
    if not again:
        ingest_s, _, ingested = child(["ingest", str(export), "--community", "scale"], env)
    run_s, peak_mb, ran = child(["run", "--community", "scale"], env)
    return {"messages": size, "embedder": embedder, "store": "postgresql" if database_url else "sqlite",
            "distinct_texts": len(set(texts)),
            "baseline_jieba_s": round(baseline, 2), "night": 2 if again else 1,
            "ingest_s": ingest_s and round(ingest_s, 1), "run_s": round(run_s, 1),
            "run_x_baseline": round(run_s / baseline, 1),
            "run_peak_rss_mb": round(peak_mb), "embedded_texts": ran.get("embedded_texts"),
            "themes": ran["themes"], "demand_themes": ran["demand_themes"],
            "outlier_share": ran["outlier_share"], "new": ingested["new"],
            "step_seconds": ran.get("step_seconds"), "peak_mb_after_step": ran.get("peak_mb_after_step")}


@contextmanager
def store_url(server: str | None, name: str, keep: bool, again: bool) -> Iterator[str]:
    """No URL (the SQLite store) without a server; else a database of that name on it, made afresh for a
    first night and kept for a second with ``keep``."""
    if not server:
        yield ""
        return
    from benchmarks import postgres

    try:
        with postgres.database(server, name, keep=keep, fresh=not again) as url:
            yield url
    except postgres.Unreachable as error:
        raise SystemExit(f"--postgres: {error}") from error


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--keep", type=Path, help="Keep the generated exports and stores here.")
    parser.add_argument("--again", action="store_true", help="Run again over the stores --keep left (a second night).")
    parser.add_argument("--embedder", choices=("lsa", "e5"), default="lsa", help="QUNSHENG_EMBEDDER for the runs.")
    parser.add_argument("--postgres", metavar="URL", help="Keep the stores on this PostgreSQL server, a database each.")
    args = parser.parse_args()
    workdir = args.keep or Path(tempfile.mkdtemp(prefix="qunsheng-scale-"))
    results = []
    try:
        for size in args.sizes:
            with store_url(args.postgres, f"qunsheng_scale_n{size}_{args.embedder}", args.keep is not None,
                           args.again) as url:
                results.append(measure(size, workdir, args.again, args.embedder, url))
            print(json.dumps(results[-1], ensure_ascii=False), flush=True)
    finally:
        if args.keep is None:
            shutil.rmtree(workdir, ignore_errors=True)
    out = REPO / "benchmarks" / "results" / "scale.json"  # sizes measured earlier and not now are kept
    earlier = json.loads(out.read_text(encoding="utf-8"))["results"] if out.exists() else []
    def key(result: dict) -> tuple[int, int, str, str]:
        return (result["messages"], result.get("night", 1), result.get("embedder", "lsa"),
                result.get("store", "sqlite"))

    merged = {key(r): r for r in earlier} | {key(r): r for r in results}
    out.write_text(json.dumps({"cpus": os.cpu_count(), "results": [merged[n] for n in sorted(merged)]}, indent=2)
                   + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
