"""Sentiment scorers on the shared polarity corpora: accuracy, macro-F1 and messages/s.

    python benchmarks/sentiment.py [--data ../shared/data] [--transformers MODEL ...] [--lexicon-only]

Corpora (read in place from ``--data``; nothing is copied into the repository):
waimai_10k (11,987 takeaway reviews), eprstmt test_public (610 e-commerce reviews) and the
weibo_senti_100k subset (2,400 posts).

Scorers:
* ``lexicon``: the offline default, on every corpus in full and on the seeded TEST half (seed 0)
  of each; its word lists and rules were tuned on the other (DEV) half only;
* ``snownlp`` and ``cnsenti`` (PyPI, not project dependencies): measured when importable,
  otherwise a skip line;
* ``trained`` (``trained -lex``: without the lexicon feature), in-domain: fitted on a seeded 80% of waimai_10k / the weibo subset and scored
  on the other 20%; for eprstmt fitted on its own train_few_all + dev_few_all (320 rows) and
  scored on test_public. The lexicon is scored on the same held-out 20% for comparison;
* ``trained``, cross-domain: fitted on all of waimai_10k, scored on eprstmt and weibo;
* ``transformers``: each ``--transformers`` model (hub name or folder), on a seeded sample of
  at most ``--transformers-limit`` texts per corpus (a skip line when it cannot load).

A score > 0 counts as positive, 0 (no cue) as negative. Prints a table and writes
benchmarks/results/sentiment.json. Exits 0 with a skip line when the data folder is absent.
"""
from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import random
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from nlp.sentiment import SentimentScorer, SentimentUnavailable, evaluate_sentiment, load_scorer  # noqa: E402
from nlp.sentiment.base import as_text  # noqa: E402
from nlp.sentiment.trained import train_sentiment  # noqa: E402

DEFAULT_DATA = REPO.parent / "shared" / "data"
RESULTS = REPO / "benchmarks" / "results" / "sentiment.json"
SEED = 0


# ----------------------------------------------------------------------------- corpora
def read_label_review_csv(path: Path) -> tuple[list[str], list[int]]:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    return [r["review"].lstrip("\ufeff") for r in rows], [int(r["label"]) for r in rows]


def read_eprstmt(path: Path) -> tuple[list[str], list[str]]:
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [r["sentence"] for r in rows], [r["label"] for r in rows]


def load_corpora(data: Path) -> dict[str, dict]:
    eprstmt = data / "eprstmt_fewclue"
    train_texts, train_labels = read_eprstmt(eprstmt / "train_few_all.json")
    dev_texts, dev_labels = read_eprstmt(eprstmt / "dev_few_all.json")
    return {
        "waimai_10k": {"all": read_label_review_csv(data / "waimai_10k" / "waimai_10k.csv")},
        "eprstmt": {"all": read_eprstmt(eprstmt / "test_public.json"),
                    "train": (train_texts + dev_texts, train_labels + dev_labels)},
        "weibo_subset": {"all": read_label_review_csv(data / "weibo_senti_100k_subset" / "weibo_senti_100k.csv")},
    }


def seeded_split(texts, labels, train_share: float = 0.8, seed: int = SEED):
    order = list(range(len(texts)))
    random.Random(seed).shuffle(order)
    cut = int(len(order) * train_share)
    pick = lambda idx: ([texts[i] for i in idx], [labels[i] for i in idx])  # noqa: E731
    return pick(order[:cut]), pick(order[cut:])


def seeded_sample(texts, labels, limit: int, seed: int = SEED):
    if len(texts) <= limit:
        return texts, labels
    idx = sorted(random.Random(seed).sample(range(len(texts)), limit))
    return [texts[i] for i in idx], [labels[i] for i in idx]


# ------------------------------------------------------------------- PyPI candidates
class SnowNLPSentiment(SentimentScorer):
    """SnowNLP's naive-Bayes sentiment (trained on shopping reviews): 2 * P(positive) - 1."""

    name = "snownlp"

    def __init__(self):
        from snownlp import SnowNLP

        self._snow = SnowNLP

    def score(self, texts):
        return [2.0 * self._snow(t).sentiments - 1.0 if t.strip() else 0.0 for t in map(as_text, texts)]


class CnsentiSentiment(SentimentScorer):
    """cnsenti's HowNet lexicon with degree and negation words: sign of (pos - neg)."""

    name = "cnsenti"

    def __init__(self):
        from cnsenti import Sentiment

        self._senti = Sentiment()

    def score(self, texts):
        out = []
        for t in map(as_text, texts):
            r = self._senti.sentiment_calculate(t) if t.strip() else {"pos": 0, "neg": 0}
            diff = float(r["pos"] - r["neg"])
            out.append(max(-1.0, min(1.0, diff / 5.0)))
        return out


# ---------------------------------------------------------------------------- running
def record(rows, scorer_name, setting, corpus, split, result, **extra):
    row = {"scorer": scorer_name, "setting": setting, "corpus": corpus, "split": split,
           "n": result["n"], "accuracy": round(result["accuracy"], 4), "macro_f1": round(result["macro_f1"], 4),
           "messages_per_second": round(result["messages_per_second"]), "zero_share": round(result["zero_share"], 4),
           **extra}
    rows.append(row)
    print(f"{scorer_name:14s} {setting:29s} {corpus:13s} {split:22s} {row['n']:6d} {row['accuracy']:8.4f} "
          f"{row['macro_f1']:8.4f} {row['messages_per_second']:9d}", flush=True)


def run_pretrained(rows, name, scorer, corpora, limit=None):
    for corpus, parts in corpora.items():
        texts, labels = parts["all"]
        split = "all"
        if limit is not None and len(texts) > limit:
            texts, labels = seeded_sample(texts, labels, limit)
            split = f"seeded sample of {limit}"
        record(rows, name, "as shipped", corpus, split, evaluate_sentiment(scorer, texts, labels))


def run_trained(rows, corpora, lexicon, workdir: Path):
    for corpus, parts in corpora.items():
        if "train" in parts:
            (train, test), split = (parts["train"], parts["all"]), "test_public"
            setting = "in-domain (train_few+dev_few)"
        else:
            train, test = seeded_split(*parts["all"])
            split, setting = "held-out 20% (seed 0)", "in-domain (seeded 80%)"
        for use_lexicon in (True, False):
            start = time.perf_counter()
            model = train_sentiment(*train, workdir / f"{corpus}-{use_lexicon}", use_lexicon=use_lexicon)
            fit_s = round(time.perf_counter() - start, 2)
            name = "trained" if use_lexicon else "trained -lex"
            record(rows, name, setting, corpus, split, evaluate_sentiment(model, *test),
                   n_train=len(train[0]), fit_seconds=fit_s, lexicon_feature=use_lexicon)
        if split != "test_public":  # the lexicon on the very same held-out texts
            record(rows, "lexicon", "as shipped", corpus, split, evaluate_sentiment(lexicon, *test))
    start = time.perf_counter()
    model = train_sentiment(*corpora["waimai_10k"]["all"], workdir / "waimai_all")
    fit_s = round(time.perf_counter() - start, 2)
    for corpus in ("eprstmt", "weibo_subset"):
        record(rows, "trained", "cross-domain (waimai_10k)", corpus, "all",
               evaluate_sentiment(model, *corpora[corpus]["all"]),
               n_train=len(corpora["waimai_10k"]["all"][0]), fit_seconds=fit_s, lexicon_feature=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="the shared data folder")
    parser.add_argument("--out", type=Path, default=RESULTS, help="where to write the JSON results")
    parser.add_argument("--transformers", action="append", default=[], metavar="MODEL",
                        help="a text-classification model (hub name or folder) to add; repeatable")
    parser.add_argument("--transformers-limit", type=int, default=1000,
                        help="texts per corpus for transformers models (a seeded sample)")
    parser.add_argument("--lexicon-only", action="store_true",
                        help="measure only the lexicon (writes sentiment-lexicon.json unless --out is given)")
    args = parser.parse_args(argv)
    if args.lexicon_only and args.out == RESULTS:
        args.out = RESULTS.with_name("sentiment-lexicon.json")
    if not (args.data / "waimai_10k" / "waimai_10k.csv").is_file():
        print(f"skip: shared data not found at {args.data}")
        return 0

    started = time.perf_counter()
    corpora = load_corpora(args.data)
    rows: list[dict] = []
    skipped: list[str] = []
    print(f"{'scorer':14s} {'setting':29s} {'corpus':13s} {'split':22s} {'n':>6s} {'accuracy':>8s} "
          f"{'macro-F1':>8s} {'msg/s':>9s}")
    lexicon = load_scorer("lexicon")
    run_pretrained(rows, "lexicon", lexicon, corpora)
    for corpus, parts in corpora.items():  # the half its rules were not tuned on
        record(rows, "lexicon", "as shipped", corpus, "test half (seed 0)",
               evaluate_sentiment(lexicon, *seeded_split(*parts["all"], train_share=0.5)[1]))
    for name, factory in () if args.lexicon_only else (("snownlp", SnowNLPSentiment), ("cnsenti", CnsentiSentiment)):
        try:
            scorer = factory()
        except ImportError:
            skipped.append(f"{name}: not installed (pip install -e '.[bench]' to measure it)")
            continue
        run_pretrained(rows, name, scorer, corpora)
    with tempfile.TemporaryDirectory(prefix="qunsheng-sentiment-") as workdir:
        if not args.lexicon_only:
            run_trained(rows, corpora, lexicon, Path(workdir))
    for model in args.transformers:
        try:
            scorer = load_scorer("transformers", model)
        except SentimentUnavailable as error:
            skipped.append(f"transformers {model}: {error}")
            continue
        run_pretrained(rows, f"hf:{model}", scorer, corpora, limit=args.transformers_limit)
    for line in skipped:
        print(f"skip: {line}")

    seconds = round(time.perf_counter() - started, 1)
    result = {
        "machine": f"{platform.machine()} {os.cpu_count()} cores, Python {platform.python_version()}",
        "data": str(args.data), "seconds": seconds,
        "notes": "score > 0 = positive, 0 = negative; messages/s = one score() call over the texts, single process",
        "results": rows, "skipped": skipped,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(f"{seconds} s; wrote {args.out.relative_to(REPO) if args.out.is_relative_to(REPO) else args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
