"""`make bench`: the nightly pipeline on the sample community, stage by stage.

The machine is shared and noisy, so each stage is reported as seconds and as a ratio to a
baseline measured in the same run: one plain `jieba.lcut` pass over the same texts.
Writes benchmarks/results/latest.json and prints a table.
"""
from __future__ import annotations

import json
import os
import platform
import resource
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
os.environ.setdefault("QUNSHENG_DATA_DIR", tempfile.mkdtemp(prefix="qunsheng-bench-"))
os.environ.setdefault("HF_HUB_OFFLINE", "1")


def timed(results: dict, name: str, function, *args):
    start = time.perf_counter()
    value = function(*args)
    results[name] = time.perf_counter() - start
    return value


def main() -> None:
    import jieba
    import numpy as np

    from flows import nightly
    from flows.sources import ParseOptions
    from flows.sources.tabular import read_csv
    from nlp.cluster import OUTLIER
    from nlp.records import ChatMessage

    records = [r for f in sorted((REPO / "data" / "sample").glob("*.csv"))
               for r in read_csv(f, ParseOptions())]
    stored = [ChatMessage(i, r.sender_id, r.group, r.sent_at, r.text) for i, r in enumerate(records)]
    jieba.setLogLevel(30)
    jieba.lcut("预热")
    seconds: dict[str, float] = {}
    timed(seconds, "baseline: jieba.lcut", lambda: [jieba.lcut(m.text) for m in stored])

    # The flow's own task functions (.fn runs them without the Prefect engine).
    cleaned = timed(seconds, "clean", nightly.clean_messages.fn, stored)
    content = [replace(m, text=c.text) for m, c in zip(stored, cleaned) if c.is_content]
    texts = [m.text for m in content]
    tokens, _, segmenter = timed(seconds, "segment + new words", nightly.segment_messages.fn, texts, "bench")
    demand_types = timed(seconds, "demand", nightly.read_demand.fn, texts)
    sentiments = timed(seconds, "sentiment", nightly.score_sentiment.fn, texts, "lexicon", None)
    # LSA is fitted on the night's texts and never reads the store's embedding cache: no URL needed
    vectors, *_ = timed(seconds, "embed (LSA)", nightly.embed_messages.fn, None, texts, "lsa", None, segmenter)
    labels = timed(seconds, "cluster (hdbscan)", nightly.cluster_messages.fn, vectors, None, None, tokens)
    echoed_by = timed(seconds, "echoes", nightly.find_echoes.fn, stored, 600)
    themes = timed(seconds, "represent", nightly.represent_themes.fn, content, tokens, vectors, labels, sentiments,
                   demand_types, echoed_by, segmenter, "Asia/Shanghai")
    timed(seconds, "tag members", nightly.tag_members_of.fn, content, tokens, themes, 0.3)

    from typer.testing import CliRunner

    from flows.cli import app

    runner = CliRunner()
    timed(seconds, "CLI ingest (SQLite)", runner.invoke, app, ["ingest", str(REPO / "data" / "sample"),
                                                               "--community", "bench"])
    flow = timed(seconds, "CLI run: whole flow", runner.invoke, app, ["run", "--community", "bench", "--embedder", "lsa",
                                                                      "--json"])
    record = json.loads(flow.stdout)
    baseline = seconds["baseline: jieba.lcut"]
    result = {
        "machine": f"{platform.machine()} {os.cpu_count()} cores, Python {platform.python_version()}",
        "messages": len(records), "content_messages": len(texts), "themes": len(themes),
        "outlier_share": round(float(np.mean(labels == OUTLIER)), 4),
        "flow_run": {k: record[k] for k in ("messages", "themes", "members_tagged", "outlier_share", "duration_s")},
        "seconds": {k: round(v, 3) for k, v in seconds.items()},
        "ratio_to_baseline": {k: round(v / baseline, 2) for k, v in seconds.items()},
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }
    out = REPO / "benchmarks" / "results" / "latest.json"
    out.write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(f"{len(records)} messages ({len(texts)} content), {len(themes)} themes, peak RSS {result['peak_rss_mb']} MB")
    print(f"{'stage':<24}{'seconds':>10}{'x baseline':>12}")
    for name, value in seconds.items():
        print(f"{name:<24}{value:>10.3f}{value / baseline:>12.2f}")
    print(f"written to {out.relative_to(REPO)}")


if __name__ == "__main__":
    main()
