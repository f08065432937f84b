import numpy as np
import pytest

from nlp.cluster import OUTLIER, HdbscanClusterer
from nlp.embed import LsaEmbedder
from nlp.evaluation import evaluate_clustering, score_clustering


def test_perfect_and_chance_scores():
    truth = ["a"] * 10 + ["b"] * 10
    perfect = score_clustering(truth, np.repeat([0, 1], 10))
    assert perfect["nmi"] == perfect["ari"] == perfect["ami"] == 1.0
    assert perfect["outlier_rate"] == 0.0 and perfect["n_themes"] == 2 and perfect["n"] == 20
    noisy = score_clustering(truth, np.array([0, 1, OUTLIER, 2] * 5))
    assert noisy["outlier_rate"] == 0.25 and noisy["n_themes"] == 3 and noisy["ami"] < 0.1


def test_ami_discounts_what_many_small_clusters_gain_by_chance():
    rng = np.random.default_rng(0)
    truth = rng.integers(0, 5, 400).astype(str)
    fragments = score_clustering(truth, rng.integers(0, 100, 400))
    assert fragments["nmi"] > 0.15 and abs(fragments["ami"]) < 0.05


def test_evaluate_clustering_keys_and_timing():
    texts = ["低因咖啡豆有吗", "想要低因的拿铁", "低因咖啡什么时候上新", "粉底液要快", "美妆蛋不均匀", "伪素颜的粉底液"] * 5
    labels = [["coffee"] * 3 + ["makeup"] * 3][0] * 5
    report = evaluate_clustering(texts, labels, LsaEmbedder(dim=4), HdbscanClusterer(min_cluster_size=5, reduce_to=None))
    assert set(report) >= {"nmi", "ari", "ami", "outlier_rate", "n_themes", "seconds"}
    assert report["seconds"] >= 0 and report["n"] == 30
    assert set(report["subthemes"]) >= {"nmi", "ari", "ami", "outlier_rate", "n_themes"}
    assert report["subthemes"]["n_themes"] >= report["n_themes"]
    assert report["subthemes"]["outlier_rate"] == report["outlier_rate"]  # sub-themes split themes, outliers stay


def test_evaluate_clustering_gives_the_clusterer_the_texts_keywords():
    class Spy(HdbscanClusterer):
        def fit(self, vectors, tokens=None):
            self.tokens = tokens
            return super().fit(vectors, tokens)

    texts = ["低因咖啡豆有吗", "想要低因的拿铁", "粉底液要快", "美妆蛋不均匀"] * 5
    spy = Spy(min_cluster_size=5, reduce_to=None)
    evaluate_clustering(texts, ["coffee", "coffee", "makeup", "makeup"] * 5, LsaEmbedder(dim=4), spy)
    assert len(spy.tokens) == 20 and "低因" in spy.tokens[0] and "美妆蛋" in spy.tokens[3]


def test_evaluate_clustering_embeds_each_distinct_text_once_and_reports_its_steps():
    embedded, steps, reports = [], [], []

    class Counting(LsaEmbedder):
        def embed(self, texts):
            embedded.extend(texts)
            return super().embed(texts)

    def step(name, function, *args):
        steps.append(name)
        return function(*args)

    texts = ["低因咖啡豆有吗", "想要低因的拿铁", "粉底液要快", "美妆蛋不均匀"] * 5
    labels = ["coffee", "coffee", "makeup", "makeup"] * 5
    report = evaluate_clustering(texts, labels, Counting(dim=4), HdbscanClusterer(min_cluster_size=5, reduce_to=None),
                                 step=step, report=lambda *args: reports.append(args))
    assert sorted(embedded) == sorted(set(texts)) and report["n"] == 20  # every row scored, 4 texts embedded
    assert steps == ["segment", "embed", "cluster"] and reports == [("embedding", 0, 4), ("embedding", 4, 4)]
