"""The nightly flow: a recipe that reads top to bottom like the data flow in docs/DESIGN.md.

load -> clean -> echoes -> segment -> demand -> sentiment -> embed -> cluster -> represent -> track -> tag members
-> layer members -> save
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import replace
from zoneinfo import ZoneInfo

import numpy as np
from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE

from flows.digest import send as send_digest
from flows.progress import Steps, report, step
from models.db import open_store
from models.locks import run_lock
from models.settings import get_settings
from models.store import (cached_vectors, community_by_name, finish_run, mark_failed, messages_of, past_themes,
                          run_by_id, save_member_tags, save_themes, save_vectors, start_run, text_hash)
from models.store import activity_of, orders_of, save_member_cards, save_member_layers
from nlp.clean import CleanText, clean, flag_repeated_promotions
from nlp.cluster import OUTLIER, Clustering, HdbscanClusterer
from nlp.demand import VOICING, attach_echoes, default_reader, echo_voices
from nlp.demand_trained import load_demand_reader
from nlp.embed import Embedder, LsaEmbedder, load_embedder
from nlp.layers import MemberLayer, assign_layers, measure
from nlp.newwords import NewWord, discover
from nlp.profile import decay_tags, tag_members
from nlp.records import ChatMessage, MemberTag, Theme
from nlp.represent import represent
from nlp.segment import Segmenter
from nlp.sentiment import load_scorer
from nlp.taxonomy import load_taxonomy, tag_by_taxonomy
from nlp.track import Activity, activity, match_themes


class RunError(Exception):
    """The flow cannot run (unknown community, nothing ingested); printed as one line."""


@step(retries=2)
def load_messages(database_url: str, community: str) -> list[ChatMessage]:
    with open_store(database_url)() as session:
        return messages_of(session, community_by_name(session, community))


@step
def clean_messages(messages: Sequence[ChatMessage]) -> list[CleanText]:
    return flag_repeated_promotions([clean(m.text) for m in messages], [m.member for m in messages])


@step
def segment_messages(texts: Sequence[str], community: str) -> tuple[list[list[str]], list[NewWord], Segmenter]:
    """Keywords per message, segmented with the community's dictionary plus the new words
    discovered in these very texts (伪素颜, 熬夜党 become single tokens)."""
    base = Segmenter(community=community)
    new_words = discover(texts, known=base.vocabulary, stopwords=base.stopwords)
    segmenter = Segmenter(community=community, user_words=[w.word for w in new_words])
    return segmenter.keywords_all(texts), new_words, segmenter


@step
def read_demand(texts: Sequence[str], kind: str = "rules", model: str | None = None) -> list[str]:
    return [demand.type for demand in load_demand_reader(kind, model).read_all(texts)]


@step
def find_echoes(messages: Sequence[ChatMessage], window_seconds: float) -> dict[int, list[str]]:
    """Message id -> the members who echoed it ("+1", "同求", "我也想要") within the window."""
    return echo_voices(messages, attach_echoes(messages, window_seconds=window_seconds))


@step
def score_sentiment(texts: Sequence[str], kind: str, model: str | None) -> list[float]:
    return load_scorer(kind, model).score(texts)


@step
def embed_messages(database_url: str, texts: Sequence[str], kind: str, model: str | None,
                   segmenter: Segmenter | None = None, options: dict | None = None
                   ) -> tuple[np.ndarray, Embedder, str | None, int]:
    """Vectors for the texts, each distinct text embedded once; returns (vectors, the embedder,
    warning, texts embedded). LSA is refitted on the night's corpus with the run's segmenter; a
    pretrained model's vectors are cached in the store by (model id, text hash), so a night embeds
    only texts no earlier night has seen, and centred on the night's distinct texts when the
    embedder asks for it. ``options``: how a sentence-transformers model runs (device, batch
    size, backend)."""
    embedder, warning = load_embedder(kind, model, **(options or {}))
    if warning:
        get_run_logger().warning(warning)
    unique = list(dict.fromkeys(texts))
    if not unique:  # nothing but notices, stickers and echoes
        return np.zeros((0, 1), dtype=np.float32), embedder, warning, 0
    if isinstance(embedder, LsaEmbedder):
        embedder.segmenter = segmenter
        vectors, embedded = embedder.fit_embed(unique), len(unique)
    else:
        vectors, embedded = _embed_with_cache(database_url, embedder, unique)
    vectors = embedder.for_clustering(vectors)
    position = {t: i for i, t in enumerate(unique)}
    return vectors[[position[t] for t in texts]], embedder, warning, embedded


def _embed_with_cache(database_url: str, embedder, texts: list[str], chunk: int = 1024) -> tuple[np.ndarray, int]:
    """Vectors from the store where it has them; the rest embedded ``chunk`` texts at a time, each
    chunk saved as it comes (a night stopped half-way keeps what it embedded) and shown on the
    progress bar's second row."""
    hashes = [text_hash(t) for t in texts]
    with open_store(database_url)() as session:
        found = cached_vectors(session, embedder.model_id, hashes)
    missing = [i for i, h in enumerate(hashes) if h not in found]
    for start in range(0, len(missing), chunk):
        part = missing[start:start + chunk]
        fresh = dict(zip((hashes[i] for i in part), embedder.embed([texts[i] for i in part])))
        with open_store(database_url).begin() as session:
            save_vectors(session, embedder.model_id, fresh)
        found |= fresh
        report("embedding", start + len(part), len(missing))
    return np.stack([found[h] for h in hashes]).astype(np.float32), len(missing)


@step
def cluster_messages(vectors: np.ndarray, min_cluster_size: int | None, reassign_similarity: float | None,
                     token_lists: Sequence[Sequence[str]] | None = None, weighting: dict | None = None) -> Clustering:
    """Themes from the vectors, with the messages' keywords shaping the neighbour graph (weighed
    as ``weighting`` says: ``Embedder.keyword_weighting``; None: the clusterer's defaults);
    ``reassign_similarity`` None keeps the clusterer's outlier rule."""
    options = {} if reassign_similarity is None else {"reassign_similarity": reassign_similarity}
    options |= weighting or {}
    return HdbscanClusterer(min_cluster_size=min_cluster_size, **options).fit(vectors, token_lists)


def clustering_record(clustering: Clustering) -> dict:
    """What the run record keeps of the clustering: the clusterer's effective parameters (the
    min_cluster_size chosen, rows fitted, ...) and what hdbscan found before merges and reassignment."""
    return clustering.parameters | {"raw_outlier_share": round(clustering.raw_outlier_rate, 4),
                                    "raw_themes": clustering.raw_themes}


@step
def represent_themes(messages, token_lists, vectors, labels, sentiments, demand_types, echoed_by,
                     segmenter: Segmenter, timezone: str, sub_labels: np.ndarray | None = None,
                     core: np.ndarray | None = None) -> list[Theme]:
    return represent(messages, token_lists, vectors, labels, sentiments, demand_types, echoed_by, segmenter,
                     ZoneInfo(timezone), sub_labels=sub_labels, core=core)


@step(retries=2)
def track_themes(database_url: str, community: str, themes: Sequence[Theme], vectors: np.ndarray,
                 messages: Sequence[ChatMessage], demand_types: Sequence[str],
                 window_days: int) -> tuple[list[int | None], list[Activity]]:
    """Which previous theme each one continues (its id is kept), and its lifecycle as of the newest
    message, read from the messages that voice its demand (chat a cluster caught does not keep it alive)."""
    if not themes:
        return [], []
    with open_store(database_url)() as session:
        past = past_themes(session, community_by_name(session, community).id)
    matches = match_themes(past, themes, vectors, [m.id for m in messages])
    as_of = max(m.sent_at for m in messages)
    sent_at = {m.id: m.sent_at for m in messages}
    voicing = {m.id for m, kind in zip(messages, demand_types) if kind in VOICING}
    activities = []
    for theme in themes:
        pairs = [(sent_at[i], member) for i, member in zip(theme.message_ids, theme.member_ids) if i in voicing]
        pairs = pairs if len(pairs) >= 5 else [(sent_at[i], m) for i, m in zip(theme.message_ids, theme.member_ids)]
        activities.append(activity([t for t, _ in pairs], [m for _, m in pairs], as_of, window_days))
    return matches, activities


@step
def tag_members_of(messages, token_lists, themes, min_demand_share: float, community: str | None = None,
                   taxonomy_dir: str | None = None) -> list[MemberTag]:
    """Theme, keyword and taxonomy tags, their scores decayed from their last evidence to the newest message."""
    tags = tag_members(messages, token_lists, themes, min_demand_share)
    if taxonomy_dir is None or not messages:
        return tags
    taxonomy = load_taxonomy(community, taxonomy_dir)
    tags += tag_by_taxonomy(messages, themes, taxonomy, min_demand_share)
    return decay_tags(tags, max(m.sent_at for m in messages), taxonomy.half_life_days, taxonomy.min_score)


@step(retries=2)
def layer_members(database_url: str, community: str, echoed_by: dict[int, list[str]],
                  taxonomy_dir: str) -> list[MemberLayer]:
    """KOC / high value / potential / dormant from activity, influence and orders (nlp/layers.py)."""
    rules = load_taxonomy(community, taxonomy_dir).layers
    with open_store(database_url)() as session:
        found = community_by_name(session, community)
        posts, members, names = activity_of(session, found)
        orders = orders_of(session, found)
    as_of = max([p.sent_at for p in posts], default=None)
    if as_of is None:
        return []
    return assign_layers(measure(posts, members, as_of, echoed_by, orders, names, rules), rules)


@task(cache_policy=NO_CACHE, retries=2, retry_delay_seconds=2)
def open_run(database_url: str, community: str, parameters: dict) -> int:
    with open_store(database_url).begin() as session:
        found = community_by_name(session, community)
        if found is None:
            raise RunError(f"unknown community {community!r}: ingest its exports first")
        return start_run(session, found, parameters).id


@step(retries=2)
def save_results(database_url: str, run_id: int, themes: Sequence[Theme], tracked: tuple, tags: Sequence[MemberTag],
                 min_demand_share: float, embedder: str, counts: dict, warnings: list[str],
                 layers: Sequence[MemberLayer] = ()) -> dict:
    with open_store(database_url).begin() as session:
        run = run_by_id(session, run_id)
        theme_ids = save_themes(session, run, themes, *tracked, min_demand_share)
        counts = counts | {"members_tagged": save_member_tags(session, run, tags, theme_ids)}
        counts = counts | {"layers": save_member_layers(session, run, layers)}
        save_member_cards(session, run.community_id)  # what GET /v1/members/{id}/tags answers, in this transaction
        run = finish_run(session, run, embedder, counts, warnings)
        return {"run": run.id, "embedder": embedder, "duration_s": run.duration_s, **counts, "warnings": warnings}


@flow(name="qunsheng-nightly")
def nightly(community: str, embedder: str | None = None, model: str | None = None,
            min_cluster_size: int | None = None, reassign_similarity: float | None = None,
            min_demand_share: float = 0.3, echo_window_seconds: float = 600, trend_window_days: int = 21,
            show_progress: bool = False) -> dict:
    """Find the community's demand themes and tag its members, storing it all with a run record."""
    settings = get_settings()
    embedder, model = embedder or settings.embedder, model or settings.embedding_model
    parameters = {"embedder": embedder, "model": model, "embedding_options": settings.embedding_options,
                  "sentiment": settings.sentiment,
                  "sentiment_model": settings.resolved_sentiment_model, "min_cluster_size": min_cluster_size,
                  "reassign_similarity": reassign_similarity, "min_demand_share": min_demand_share,
                  "echo_window_seconds": echo_window_seconds, "trend_window_days": trend_window_days,
                  "timezone": settings.timezone, "demand_reader": default_reader().parameters,
                  "demand": settings.demand, "demand_model": settings.resolved_demand_model}
    parameters |= {"taxonomy_dir": str(settings.taxonomy_dir),
                   "taxonomy": load_taxonomy(community, settings.taxonomy_dir).parameters}  # a bad file fails here
    url = settings.resolved_database_url
    with run_lock(url, community), Steps(STEPS, enabled=show_progress) as steps:
        run_id = open_run(url, community, parameters)
        try:
            result = _find_themes(url, run_id, community, parameters, steps)
        except BaseException as error:
            record_failure(url, run_id, f"{type(error).__name__}: {error}")
            raise
    if settings.digest_webhook:  # after the lock: the next run need not wait on the robot
        warning = send_digest(url, community, run_id, settings.digest_webhook, settings.public_url)
        result["digest"] = "not sent" if warning else "sent"
        if warning:
            result["warnings"] = [*result["warnings"], warning]
    return result


STEPS = ("load", "clean", "echoes", "segment", "demand", "sentiment", "embed", "cluster", "represent", "track",
         "tag members", "layer members", "save")


def _find_themes(url: str, run_id: int, community: str, parameters: dict, steps: Steps) -> dict:
    stored = steps.run("load", load_messages, url, community)
    if not stored:
        raise RunError(f"community {community!r} has no messages: ingest its exports first")
    cleaned = steps.run("clean", clean_messages, stored)
    echoed_by = steps.run("echoes", find_echoes, stored, parameters["echo_window_seconds"])
    # the brand's own people answer and announce: none of it voices a members' demand
    content = [replace(m, text=c.text) for m, c in zip(stored, cleaned) if c.is_content and not m.staff]
    staff = {m.member for m in stored if m.staff}
    echoed_by = {i: [v for v in voices if v not in staff] for i, voices in echoed_by.items()} if staff else echoed_by
    n_stored, n_staff = len(stored), sum(m.staff for m in stored)
    del stored, cleaned  # a million of each at scale; the later steps read content (and the store)
    texts = [m.text for m in content]
    token_lists, new_words, segmenter = steps.run("segment", segment_messages, texts, community)
    demand_types = steps.run("demand", read_demand, texts, parameters["demand"], parameters["demand_model"])
    sentiments = steps.run("sentiment", score_sentiment, texts, parameters["sentiment"], parameters["sentiment_model"])
    vectors, embedder, warning, embedded = steps.run("embed", embed_messages, url, texts, parameters["embedder"],
                                                     parameters["model"], segmenter, parameters["embedding_options"])
    model_id = embedder.model_id
    clustering = steps.run("cluster", cluster_messages, vectors, parameters["min_cluster_size"],
                           parameters["reassign_similarity"], token_lists, embedder.keyword_weighting)
    labels = clustering.labels
    themes = steps.run("represent", represent_themes, content, token_lists, vectors, labels, sentiments, demand_types,
                       echoed_by, segmenter, parameters["timezone"], clustering.sub_labels, clustering.core)
    tracked = steps.run("track", track_themes, url, community, themes, vectors, content, demand_types,
                        parameters["trend_window_days"])
    tags = steps.run("tag members", tag_members_of, content, token_lists, themes, parameters["min_demand_share"],
                     community, parameters["taxonomy_dir"])
    n_content = len(content)
    # nothing below reads the messages, their words or vectors: let them go before layering reads every post again
    del content, texts, token_lists, demand_types, sentiments, vectors, embedder, segmenter
    layers = steps.run("layer members", layer_members, url, community, echoed_by, parameters["taxonomy_dir"])
    counts = {"messages": n_stored, "staff_messages": n_staff, "content_messages": n_content, "themes": len(themes),
              "demand_themes": sum(t.demand_share >= parameters["min_demand_share"] for t in themes),
              "subthemes": sum(len(t.subthemes) for t in themes),
              "outlier_share": round(float(np.mean(labels == OUTLIER)), 4) if len(labels) else 0.0,
              "new_words": [w.word for w in new_words[:30]],
              "embedded_texts": embedded, "clustering": clustering_record(clustering),
              "continued_themes": sum(match is not None for match in tracked[0]),
              "lifecycles": dict(Counter(a.lifecycle for a in tracked[1])),
              "step_seconds": steps.seconds, "peak_mb_after_step": steps.peak_mb}
    return steps.run("save", save_results, url, run_id, themes, tracked, tags, parameters["min_demand_share"], model_id, counts,
                     [warning] if warning else [], layers)


def record_failure(url: str, run_id: int, reason: str) -> None:
    with open_store(url).begin() as session:
        mark_failed(session, run_id, reason[:500])


def quiet_prefect_logs() -> None:
    """Keep Prefect's per-run log lines, failures included, off the console: the CLI reports
    the outcome itself and the run record keeps the reason of a failure."""
    import logging

    for name in ("prefect", "prefect.flow_runs", "prefect.task_runs", "prefect.server", "uvicorn", "httpx"):
        logging.getLogger(name).setLevel(logging.CRITICAL)
