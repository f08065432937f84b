import numpy as np
import pytest

from nlp.cluster import (OUTLIER, Clustering, HdbscanClusterer, merge_close, outlier_rate, reassign_outliers,
                         top_keywords)


def blobs(seed=0, per=40, dim=8, groups=3, spread=0.05, noise=10):
    rng = np.random.default_rng(seed)
    centres = np.eye(dim)[:groups]
    points = np.vstack([c + rng.normal(0, spread, (per, dim)) for c in centres] + [rng.normal(0, 1, (noise, dim))])
    return points / np.linalg.norm(points, axis=1, keepdims=True)


def unit(rows):
    rows = np.asarray(rows, dtype=float)
    return rows / np.linalg.norm(rows, axis=1, keepdims=True)


def test_plain_hdbscan_leaves_scattered_noise_out():
    vectors = blobs()
    assert HdbscanClusterer(min_cluster_size=10, reduce_to=None, reassign_similarity=None).fit(vectors).raw_outlier_rate > 0


def test_finds_planted_groups_deterministically():
    vectors = blobs()
    labels = HdbscanClusterer(min_cluster_size=10, reduce_to=None).fit_predict(vectors)
    assert len(set(labels[:120]) - {OUTLIER}) == 3
    for start in (0, 40, 80):
        assert len(set(labels[start:start + 40])) == 1
    assert np.array_equal(labels, HdbscanClusterer(min_cluster_size=10, reduce_to=None).fit_predict(vectors))


def test_fit_reports_outlier_rate_and_parameters():
    vectors = blobs()
    found = HdbscanClusterer(min_cluster_size=10, reduce_to=None, reassign_similarity=None).fit(vectors)
    assert isinstance(found, Clustering) and found.n_themes == 3
    assert found.outlier_rate == pytest.approx(outlier_rate(found.labels)) and found.outlier_rate > 0
    assert found.parameters["min_cluster_size"] == 10 and found.parameters["n"] == len(vectors)
    everything = HdbscanClusterer(min_cluster_size=10, reduce_to=None, reassign_similarity=-1.0).fit(vectors)
    assert everything.outlier_rate == 0.0 and everything.raw_outlier_rate == found.raw_outlier_rate


def test_sizes_scale_with_the_corpus():
    clusterer = HdbscanClusterer()  # half the square root, at least 8
    assert clusterer.size_for(100) == 8 and clusterer.size_for(10_000) == 50 and clusterer.size_for(1_000_000) == 500
    assert HdbscanClusterer(min_cluster_size=12).size_for(10_000) == 12


def test_tiny_corpus_is_all_outliers():
    found = HdbscanClusterer().fit(blobs()[:5])
    assert (found.labels == OUTLIER).all() and found.outlier_rate == 1.0 and found.n_themes == 0
    assert outlier_rate(np.array([])) == 0.0


@pytest.mark.slow
def test_umap_reduction_is_seeded_and_deterministic():
    vectors = blobs(dim=32, groups=4, per=50, spread=0.15)
    first = HdbscanClusterer(min_cluster_size=15, reduce_to=5, reduce_from=100, seed=7).fit_predict(vectors)
    again = HdbscanClusterer(min_cluster_size=15, reduce_to=5, reduce_from=100, seed=7).fit_predict(vectors.copy())
    assert np.array_equal(first, again)
    assert len(set(first[:200]) - {OUTLIER}) == 4
    for start in range(0, 200, 50):
        assert np.bincount(first[start:start + 50][first[start:start + 50] >= 0]).max() >= 45


def test_large_corpus_fits_a_sample_and_assigns_the_rest():
    vectors = blobs(per=400, noise=0)
    found = HdbscanClusterer(min_cluster_size=20, reduce_to=None, max_fit=300, reassign_similarity=0.5).fit(vectors)
    assert found.parameters["fitted_on"] == 300 and found.n_themes == 3
    for start in (0, 400, 800):
        assert len(set(found.labels[start:start + 400])) == 1


def test_outliers_close_to_a_theme_are_reassigned():
    vectors = unit([[1, 0], [1, 0], [0.9, 0.1], [0, 1]])
    labels = np.array([0, 0, OUTLIER, OUTLIER])
    assert reassign_outliers(vectors, labels, 0.9).tolist() == [0, 0, 0, OUTLIER]


def test_near_twin_themes_merge():
    vectors = unit([[1, 0], [0.99, 0.01], [0, 1]])
    labels = np.array([0, 1, 2])
    assert merge_close(vectors, labels, 0.95).tolist() == [0, 0, 1]


def test_merge_keeps_outliers_and_renumbers_by_first_appearance():
    vectors = unit([[0, 1], [1, 0], [0.99, 0.01], [0.5, 0.5]])
    labels = np.array([2, 0, 1, OUTLIER])
    assert merge_close(vectors, labels, 0.95).tolist() == [0, 1, 1, OUTLIER]


# Two tight themes whose centroids are close only because of one shared direction
# (an everyday word such as 早上), and two halves of one broad theme.
def shared_word_themes():
    rng = np.random.default_rng(3)
    beauty = unit(np.array([1.0, 0.7, 0, 0]) + rng.normal(0, 0.03, (20, 4)))
    school = unit(np.array([1.0, 0, 0.7, 0]) + rng.normal(0, 0.03, (20, 4)))
    vectors = np.vstack([beauty, school])
    tokens = [["早上", "粉底", "化妆", "底妆"]] * 20 + [["早上", "幼儿园", "入园", "老师"]] * 20
    return vectors, np.repeat([0, 1], 20), tokens


def broad_theme_halves():
    rng = np.random.default_rng(4)
    left = unit(np.array([1.0, 0.25, 0, 0]) + rng.normal(0, 0.2, (20, 4)))
    right = unit(np.array([1.0, -0.25, 0, 0]) + rng.normal(0, 0.2, (20, 4)))
    tokens = [["咖啡", "低因", "拿铁", "豆子"]] * 20 + [["咖啡", "低因", "美式", "豆子"]] * 20
    return np.vstack([left, right]), np.repeat([0, 1], 20), tokens


def test_shared_everyday_word_does_not_merge_distinct_themes():
    vectors, labels, tokens = shared_word_themes()
    means = np.stack([vectors[labels == c].mean(0) for c in (0, 1)])
    means /= np.linalg.norm(means, axis=1, keepdims=True)
    assert means[0] @ means[1] > 0.6  # the centroid test alone would merge them
    assert merge_close(vectors, labels, 0.6).tolist() == [0] * 40
    assert merge_close(vectors, labels, 0.6, tokens=tokens).tolist() == labels.tolist()
    assert merge_close(vectors, labels, 0.6, cohesion=0.85).tolist() == labels.tolist()


def test_halves_of_one_theme_still_merge_under_the_guards():
    vectors, labels, tokens = broad_theme_halves()
    assert merge_close(vectors, labels, 0.6, tokens=tokens, cohesion=0.85).tolist() == [0] * 40


def test_clusterer_passes_tokens_to_the_merge_guard():
    vectors, labels, tokens = shared_word_themes()
    clusterer = HdbscanClusterer(min_cluster_size=8, merge_similarity=0.6, merge_cohesion=0.0)
    assert len(set(clusterer.fit_predict(vectors, tokens=tokens))) == 2
    assert len(set(clusterer.fit_predict(vectors))) == 1


def test_top_keywords_prefer_a_themes_own_words():
    _, labels, tokens = shared_word_themes()
    words = top_keywords(tokens, labels, top=3)
    assert "早上" not in words[0] and {"粉底", "化妆", "底妆"} == words[0]


def test_small_corpora_skip_umap(monkeypatch):
    clusterer = HdbscanClusterer(min_cluster_size=10)
    monkeypatch.setattr("umap.UMAP", None, raising=False)  # would fail if UMAP were used
    assert len(set(clusterer.fit_predict(blobs())) - {OUTLIER}) == 3
