import numpy as np

from nlp.cluster import OUTLIER, HdbscanClusterer, merge_close, reassign_outliers


def blobs(seed=0, per=40):
    rng = np.random.default_rng(seed)
    centres = np.eye(8)[:3] * 1.0
    points = np.vstack([c + rng.normal(0, 0.05, (per, 8)) for c in centres] + [rng.normal(0, 1, (10, 8))])
    return points / np.linalg.norm(points, axis=1, keepdims=True)


def test_finds_planted_groups_deterministically():
    vectors = blobs()
    labels = HdbscanClusterer(min_cluster_size=10).fit_predict(vectors)
    assert len(set(labels[:120]) - {OUTLIER}) == 3
    for start in (0, 40, 80):
        assert len(set(labels[start:start + 40])) == 1
    assert np.array_equal(labels, HdbscanClusterer(min_cluster_size=10).fit_predict(vectors))


def test_tiny_corpus_is_all_outliers():
    assert (HdbscanClusterer().fit_predict(blobs()[:5]) == OUTLIER).all()


def test_outliers_close_to_a_theme_are_reassigned():
    vectors = np.array([[1, 0], [1, 0], [0.9, 0.1], [0, 1]], dtype=float)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    labels = np.array([0, 0, OUTLIER, OUTLIER])
    assert reassign_outliers(vectors, labels, 0.9).tolist() == [0, 0, 0, OUTLIER]


def test_near_twin_themes_merge():
    vectors = np.array([[1, 0], [0.99, 0.01], [0, 1]], dtype=float)
    labels = np.array([0, 1, 2])
    assert merge_close(vectors, labels, 0.95).tolist() == [0, 0, 1]
