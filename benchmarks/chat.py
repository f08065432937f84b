"""`python benchmarks/chat.py`: Qunsheng and BERTopic on real, unlabelled chat: outliers, stability, names.

Real chat has no topic labels, so this measures what BERTopic's users complain of rather than NMI:

* outliers: the share of content messages left in no theme;
* same input twice: ARI between two runs on the same messages and vectors (BERTopic's UMAP is unseeded);
* the next night: runs on the first 70%, 80%, 90% and all of the messages (four nights, each a
  retrain on all chat so far), ARI between each night and the next over the messages both saw, the
  mean of the three: how much the themes reshuffle when a little more chat arrives;
* themes kept: the share of a night's themes that the next night finds again (a theme holding half or
  more of the same messages, Jaccard over the messages both runs saw), the mean of the three nights; and
  for Qunsheng, the share whose id its tracker keeps (``nlp.track``; BERTopic numbers topics afresh);
* names: the share of theme names a product team cannot read as a topic (no Chinese character at all:
  numbers, spaces, nothing; or a head term that is blank, a function word such as 的 or 我, or a clause of
  8 or more characters). Qunsheng's labels (``nlp.represent``) against BERTopic's names (its three head
  terms), read three ways off the same fitted topics: with ``language="multilingual"`` and a jieba
  CountVectorizer (the fitted model), with its default CountVectorizer (unsegmented Chinese: a clause
  between punctuation marks is one "word"), and with its default ``language="english"``, under which
  BERTopic strips every character outside A-Za-z0-9 before counting words, so no Chinese reaches a name.
  The language and the vectorizer change names only: the topics come from the vectors.

Corpora from ../shared/data, read in place: livechat (10,000 live-stream audience comments) and ecd_sample
(the buyer turns of its 177 true Taobao customer-service sessions; turns alternate from the shop's last
reply back). Messages are cleaned and filtered as the nightly flow does (``nlp.clean``: no stickers,
echoes or texts under four characters), embedded by e5 once per distinct text and centred per run, as a
night's are. Writes benchmarks/results/chat.json. Exits 0 with a "skipped" line when ../shared/data is absent.

    python benchmarks/chat.py [--corpus livechat,ecd] [--bertopic-runs 2]
"""
from __future__ import annotations

import argparse
import json
import re
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.themes import REPO, SHARED, e5_embedder, jieba_vectorizer, timed, warm_up  # noqa: E402
from nlp.cluster import OUTLIER, HdbscanClusterer, outlier_rate  # noqa: E402

RESULTS = REPO / "benchmarks" / "results" / "chat.json"
NIGHTS = (0.7, 0.8, 0.9)  # the share of the messages each earlier night sees; the last night sees them all
CLAUSE = 8  # a name's head term this long or longer is a clause, not a topic word


def livechat() -> list[str]:
    lines = (SHARED / "livechat" / "dev_data.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(line)["audience_comment"] for line in lines]


def ecd() -> list[str]:
    """The buyers' turns: each true session's turns alternate, and the last (the candidate reply) is the shop's."""
    texts = []
    for name in ("test", "valid"):
        for line in (SHARED / "ecd_sample" / name).read_text(encoding="utf-8").splitlines():
            label, *turns = line.split("\t")
            if label == "1":
                texts += [t.replace(" ", "") for i, t in enumerate(turns) if (len(turns) - 1 - i) % 2]
    return texts


CORPORA = {"livechat": livechat, "ecd": ecd}


def content(texts: list[str]) -> list[str]:
    from nlp.clean import clean

    cleaned = (clean(t) for t in texts)
    return [c.text for c in cleaned if c.is_content]


def night_vectors(embedder, raw: dict[str, np.ndarray], texts: list[str]) -> np.ndarray:
    """One night's vectors as the flow clusters them: centred on the night's distinct texts."""
    distinct = list(dict.fromkeys(texts))
    vectors = embedder.for_clustering(np.vstack([raw[t] for t in distinct]))
    position = {t: i for i, t in enumerate(distinct)}
    return vectors[[position[t] for t in texts]]


def agreement(a: np.ndarray, b: np.ndarray) -> float:
    from sklearn.metrics import adjusted_rand_score

    return round(float(adjusted_rand_score(a, b)), 4)


def kept(earlier: np.ndarray, later: np.ndarray, least: float = 0.5) -> float:
    """The share of ``earlier``'s themes that some theme of ``later`` (read over the same rows) holds
    again: Jaccard of their messages at ``least`` or more."""
    later = later[:len(earlier)]
    themes = set(earlier.tolist()) - {OUTLIER}
    found = 0
    for theme in themes:
        rows = earlier == theme
        found += any((rows & (later == other)).sum() / (rows | (later == other)).sum() >= least
                     for other in set(later[rows].tolist()) - {OUTLIER})
    return round(found / max(1, len(themes)), 4)


def next_nights(nights: list[np.ndarray]) -> dict:
    """ARI and themes kept from each night to the next (over the rows both saw), each the mean of the pairs."""
    pairs = list(zip(nights, nights[1:]))
    return {"next_night_ari": round(float(np.mean([agreement(a, b[:len(a)]) for a, b in pairs])), 4),
            "themes_kept": round(float(np.mean([kept(a, b) for a, b in pairs])), 4)}


HAN = re.compile(r"[\u4e00-\u9fff]")


def unreadable(names: list[str]) -> float:
    """The share of names with no Chinese character, or whose head term is a clause, a function word (的, 了, 我)
    or blank."""
    from nlp.segment import function_word

    def head_says_nothing(name: str) -> bool:
        head = name.split("_")[0]
        return not head.strip() or function_word(head) or len(head) >= CLAUSE

    return round(sum(not HAN.search(n) or head_says_nothing(n) for n in names) / max(1, len(names)), 4)


def described(texts: list[str], tokens: list[list[str]], vectors: np.ndarray, found, segmenter) -> list:
    """The themes as a night describes them (``nlp.represent``: label, keywords), largest first; a message's
    id is its row."""
    from nlp.records import ChatMessage
    from nlp.represent import represent

    start = datetime(2026, 1, 1, tzinfo=UTC)
    messages = [ChatMessage(i, f"m{i}", "g", start + timedelta(minutes=i), t) for i, t in enumerate(texts)]
    themes = represent(messages, tokens, vectors, found.labels, [0.0] * len(texts), ["chat"] * len(texts),
                       segmenter=segmenter, core=found.core)
    return sorted(themes, key=lambda t: -len(t.message_ids))


def ids_kept(nights: list[list], vectors: list[np.ndarray]) -> float:
    """The share of a night's themes whose id the next night keeps (``nlp.track.match_themes``: centroid
    cosine or keyword overlap), the mean over the nights."""
    from nlp.track import PastTheme, match_themes

    shares = []
    for earlier, later, later_vectors in zip(nights, nights[1:], vectors[1:]):
        past = [PastTheme(i, t.keywords, t.message_ids) for i, t in enumerate(earlier)]
        matched = match_themes(past, later, later_vectors, range(len(later_vectors)))
        shares.append(len({m for m in matched if m is not None}) / max(1, len(past)))
    return round(float(np.mean(shares)), 4)


def bertopic_names(model) -> list[str]:
    """Each topic's three head terms joined as its own names join them, largest topic first (the outlier
    topic -1 left out)."""
    return ["_".join(word for word, _ in model.get_topic(t)[:3]) for t in model.get_topic_info().Topic if t != -1]


def measure(corpus: str, runs: int) -> list[dict]:
    from nlp.newwords import discover
    from nlp.segment import Segmenter

    texts = content(CORPORA[corpus]())
    embedder = e5_embedder()
    distinct = list(dict.fromkeys(texts))
    raw, embed_s = timed(embedder.embed, distinct)
    raw = dict(zip(distinct, raw))
    plain = Segmenter()  # with the new words of these very texts, as a night segments (flows.nightly)
    new_words = discover(texts, known=plain.vocabulary, stopwords=plain.stopwords)
    segmenter = Segmenter(user_words=[w.word for w in new_words])
    tokens = segmenter.keywords_all(texts)
    vectors = night_vectors(embedder, raw, texts)
    nights = [int(share * len(texts)) for share in NIGHTS]  # each earlier night's rows: the first n
    base = {"corpus": corpus, "messages": len(texts), "distinct": len(distinct), "embedder": embedder.model_id,
            "embed_s": embed_s}
    print(f"{corpus}: {len(texts)} content messages ({len(distinct)} distinct), e5 {embed_s} s", flush=True)

    def qunsheng(rows_vectors, rows_tokens):
        return HdbscanClusterer(**embedder.keyword_weighting).fit(rows_vectors, rows_tokens)

    found, seconds = timed(qunsheng, vectors, tokens)
    again = qunsheng(vectors, tokens)
    night_rows = [night_vectors(embedder, raw, texts[:n]) for n in nights] + [vectors]
    runs_by_night = [qunsheng(v, tokens[:len(v)]) for v in night_rows[:-1]] + [found]
    themes_by_night = [described(texts[:len(v)], tokens[:len(v)], v, run, segmenter)
                       for v, run in zip(night_rows, runs_by_night)]
    names = [t.label for t in themes_by_night[-1]]
    rows = [base | {"method": "qunsheng (default)", "outlier_rate": round(outlier_rate(found.labels), 4),
                    "n_themes": len(set(found.labels.tolist()) - {OUTLIER}), "seconds": seconds,
                    "same_input_ari": agreement(found.labels, again.labels),
                    **next_nights([run.labels for run in runs_by_night]),
                    "ids_kept": ids_kept(themes_by_night, night_rows), "unreadable_names": unreadable(names),
                    "names": names[:12]}]
    print(json.dumps(rows[-1], ensure_ascii=False), flush=True)
    try:
        import bertopic
        from bertopic import BERTopic
    except ImportError:
        print("BERTopic not installed (pip install -e '.[bench]'): skipped", flush=True)
        return rows
    from sklearn.feature_extraction.text import CountVectorizer

    def fit(rows_texts, rows_vectors):
        model = BERTopic(language="multilingual", vectorizer_model=jieba_vectorizer())
        return model, np.asarray(model.fit_transform(rows_texts, rows_vectors)[0])

    fitted = [timed(fit, texts, vectors) for _ in range(runs)]
    earlier = [fit(texts[:n], night_vectors(embedder, raw, texts[:n]))[1] for n in nights]
    for run, ((model, topics), seconds) in enumerate(fitted, 1):
        names = {"jieba": bertopic_names(model)}  # then the same topics, described as other users get them
        model.update_topics(texts, vectorizer_model=CountVectorizer())
        names["clauses"] = bertopic_names(model)
        model.language = "english"  # the default: every character outside A-Za-z0-9 is stripped first
        model.update_topics(texts, vectorizer_model=jieba_vectorizer())
        names["english"] = bertopic_names(model)
        rows.append(base | {"method": f"BERTopic {bertopic.__version__} defaults, jieba CountVectorizer", "run": run,
                            "outlier_rate": round(outlier_rate(topics), 4),
                            "n_themes": len(set(topics.tolist()) - {OUTLIER}),
                            "seconds": seconds, "same_input_ari": agreement(topics, fitted[run % len(fitted)][0][1]),
                            **next_nights(earlier + [topics]),
                            "unreadable_names": unreadable(names["jieba"]), "names": names["jieba"][:12],
                            "names_without_jieba": names["clauses"][:12],
                            "unreadable_names_without_jieba": unreadable(names["clauses"]),
                            "names_language_english": names["english"][:12],
                            "unreadable_names_language_english": unreadable(names["english"])})
        print(json.dumps(rows[-1], ensure_ascii=False), flush=True)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--corpus", default="livechat,ecd")
    parser.add_argument("--bertopic-runs", type=int, default=2,
                        help="BERTopic runs a row each; same_input_ari compares each with the next")
    args = parser.parse_args()
    if not SHARED.is_dir():
        print(f"skipped: no shared data at {SHARED}")
        return
    import jieba

    jieba.setLogLevel(30)
    warm_up()
    result = json.loads(RESULTS.read_text(encoding="utf-8")) if RESULTS.exists() else {}
    for corpus in args.corpus.split(","):
        result[corpus] = measure(corpus, args.bertopic_runs)
    RESULTS.write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    for corpus in args.corpus.split(","):
        print(f"\n{corpus}")
        for row in result[corpus]:
            name = row["method"] + (f", run {row['run']}" if "run" in row else "")
            ids = f" (ids {row['ids_kept']:.0%})" if "ids_kept" in row else ""
            print(f"  {name:<52} outliers {row['outlier_rate']:6.1%}  themes {row['n_themes']:>4}  same input ARI "
                  f"{row['same_input_ari']:.3f}  next night ARI {row['next_night_ari']:.3f}  "
                  f"kept {row['themes_kept']:.0%}{ids}  unreadable names {row['unreadable_names']:.0%}  "
                  f"{row['seconds']} s")
    print(f"written to {RESULTS.relative_to(REPO)}")


if __name__ == "__main__":
    main()
