"""Segmentation benchmark on real chat-like text from ../shared/data (read in place, never copied).

Reports, in one run: throughput (characters per second) of single-process `jieba.lcut`
(jieba configured like the Segmenter: the project dictionary, HMM on) and of
`Segmenter.segment_all` with 1 and 2 workers (and of the pure-jieba engine with 2 workers);
whether the tokens are identical; and the new words `nlp.newwords.discover` finds in real
conversations, with how often they stay whole before and after being added as user words.

The machine is shared: each timing is the best of two, and a pure CPU loop measures how
much a second process could gain at that moment. Prints a table, writes
benchmarks/results/segment.json, and skips (exit 0) when ../shared/data is absent.
"""
from __future__ import annotations

import argparse
import csv
import json
import multiprocessing
import os
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
DATA = REPO.parent / "shared" / "data"
RESULTS = REPO / "benchmarks" / "results" / "segment.json"


def read_corpora(data: Path) -> dict[str, list[str]]:
    """Texts per corpus: LCCC Weibo conversations, LiveChat audience comments and streamer replies
    (ASR transcripts), TNEWS news titles."""
    toy = json.loads((data / "lccc_toy" / "toy_data.json").read_text(encoding="utf-8"))
    lccc = [turn for split in toy.values() for dialogue in split for turn in dialogue]
    for name in ("toy_train.txt", "toy_valid.txt"):
        for line in (data / "lccc_toy" / name).read_text(encoding="utf-8").splitlines():
            lccc += line.split("\t")
    lines = (data / "livechat" / "dev_data.jsonl").read_text(encoding="utf-8").splitlines()
    livechat = [json.loads(line) for line in lines if line.strip()]
    with open(data / "tnews" / "train.tsv", encoding="utf-8", newline="") as handle:
        tnews = [row[0] for row in csv.reader(handle, delimiter="\t", quoting=csv.QUOTE_NONE) if row]
    return {"lccc_toy": [t.replace(" ", "") for t in lccc if t.strip()],  # LCCC ships characters spaced out
            "livechat_comments": [row["audience_comment"] for row in livechat if row["audience_comment"].strip()],
            "livechat_replies": [row["streamer_response"] for row in livechat if row["streamer_response"].strip()],
            "tnews": tnews}


def best_of(runs: int, function, *args):
    best, value = float("inf"), None
    for _ in range(runs):
        start = time.perf_counter()
        value = function(*args)
        best = min(best, time.perf_counter() - start)
    return best, value


def _burn(n: int) -> int:
    return sum(i * i for i in range(n))


def two_process_speedup() -> float:
    """How much faster 2 processes run a pure CPU loop than 1, now: the machine's spare cores."""
    one, _ = best_of(1, lambda: [_burn(3_000_000) for _ in range(4)])
    with multiprocessing.get_context("fork").Pool(2) as pool:
        two, _ = best_of(1, pool.map, _burn, [3_000_000] * 4)
    return round(one / two, 2)


def reference_tokenizer(entries):
    """A plain jieba.Tokenizer with the same dictionary entries, loaded the ordinary way."""
    import logging

    import jieba

    from nlp.segment import parse_entry

    jieba.setLogLevel(logging.WARNING)
    tokenizer = jieba.Tokenizer()
    for entry in entries:
        tokenizer.add_word(*parse_entry(entry))
    return tokenizer


def measure_segmentation(texts: list[str], runs: int) -> dict:
    from nlp.segment import Segmenter

    chars = sum(map(len, texts))
    start = time.perf_counter()
    segmenter = Segmenter()
    built = time.perf_counter() - start
    reference = reference_tokenizer(segmenter.entries)
    reference.lcut("预热")  # loads jieba's dictionary outside the timing
    seconds, lcut = best_of(runs, lambda: [reference.lcut(t) for t in texts])
    expected = [[w for w in words if w.strip()] for words in lcut]
    rows = {"jieba.lcut (1 process)": {"seconds": seconds}}
    for workers in (1, 2):
        seconds, tokens = best_of(runs, segmenter.segment_all, texts, workers)
        rows[f"segment_all {segmenter.engine} workers={workers}"] = {
            "seconds": seconds, "differing_texts": sum(a != b for a, b in zip(tokens, expected))}
    slow = Segmenter(engine="jieba")
    seconds, tokens = best_of(1, slow.segment_all, texts, 2)
    rows["segment_all jieba workers=2"] = {"seconds": seconds,
                                           "differing_texts": sum(a != b for a, b in zip(tokens, expected))}
    baseline = rows["jieba.lcut (1 process)"]["seconds"]
    for row in rows.values():
        row["chars_per_second"] = round(chars / row["seconds"])
        row["ratio_to_jieba_lcut"] = round(baseline / row["seconds"], 2)
        row["seconds"] = round(row["seconds"], 3)
    return {"engine": segmenter.engine, "build_seconds": round(built, 2), "texts": len(texts), "chars": chars,
            "rows": rows, "identical": all(row.get("differing_texts", 0) == 0 for row in rows.values())}


def measure_new_words(name: str, texts: list[str], top: int = 30) -> dict:
    from nlp.newwords import discover
    from nlp.segment import Segmenter

    segmenter = Segmenter()
    start = time.perf_counter()
    words = discover(texts, known=segmenter.vocabulary, stopwords=segmenter.stopwords)
    seconds = time.perf_counter() - start
    taught = Segmenter(user_words=[w.word for w in words])
    return {"corpus": name, "messages": len(texts), "seconds": round(seconds, 2), "found": len(words),
            "whole_before": _whole_share(segmenter, words[:top], texts),
            "whole_after": _whole_share(taught, words[:top], texts),
            "top": [vars(w) for w in words[:top]]}


def _whole_share(segmenter, words, texts) -> float:
    """Share of the words' occurrences (in texts holding them) that are one token."""
    wanted = {w.word for w in words}
    holding = [t for t in texts if any(w in t for w in wanted)]
    seen = sum(t.count(w) for t in holding for w in wanted)
    whole = sum(tokens.count(w) for tokens in segmenter.segment_all(holding, workers=1) for w in wanted)
    return round(whole / seen, 3) if seen else 0.0


def print_report(results: dict) -> None:
    seg = results["segmentation"]
    print(f"{seg['texts']:,} texts, {seg['chars']:,} characters ({', '.join(results['corpora'])}); "
          f"2-process CPU speedup available now: {results['cpu_two_process_speedup']}x")
    print(f"{'':<34}{'chars/s':>12}{'x jieba.lcut':>14}{'differing':>11}")
    for name, row in seg["rows"].items():
        print(f"{name:<34}{row['chars_per_second']:>12,}{row['ratio_to_jieba_lcut']:>14.2f}"
              f"{row.get('differing_texts', '-'):>11}")
    print(f"tokens identical to jieba: {seg['identical']}  (Segmenter built in {seg['build_seconds']}s)")
    for found in results["new_words"]:
        print(f"\nnew words in {found['corpus']} ({found['messages']:,} messages, {found['seconds']}s, "
              f"{found['found']} found); kept whole {found['whole_before']:.0%} before, "
              f"{found['whole_after']:.0%} after adding them")
        print(f"{'word':<8}{'count':>7}{'pmi':>7}{'left H':>8}{'right H':>8}{'score':>8}")
        for w in found["top"]:
            print(f"{w['word']:<8}{w['count']:>7}{w['pmi']:>7.2f}{w['left_entropy']:>8.2f}"
                  f"{w['right_entropy']:>8.2f}{w['score']:>8.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--runs", type=int, default=2, help="timings are the best of this many runs")
    args = parser.parse_args()
    if not (args.data / "lccc_toy").is_dir():
        print(f"skip: no shared data at {args.data}")
        return
    corpora = read_corpora(args.data)
    texts = [t for name in corpora for t in corpora[name]]
    results = {"data": str(args.data), "corpora": {k: len(v) for k, v in corpora.items()},
               "cpu_count": os.cpu_count(), "cpu_two_process_speedup": two_process_speedup(),
               "segmentation": measure_segmentation(texts, args.runs),
               "new_words": [measure_new_words("lccc_toy", corpora["lccc_toy"]),
                             measure_new_words("livechat_comments", corpora["livechat_comments"])]}
    print_report(results)
    RESULTS.write_text(json.dumps(results, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(f"\nwritten to {RESULTS.relative_to(REPO)}")


if __name__ == "__main__":
    main()
